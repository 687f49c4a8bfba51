"""SKM results of a period: IKM per service unit (an agency at a site), site, regency, province
and nationally, with n, the Krejcie-Morgan minimum for the people served, and the units whose
sample is too small listed apart. Reads the monthly sums only (``SurveyMonthly``) and, for the
population, the analytics' monthly rollup of people served (``AnalyticsMonthly``)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from mpp_digital.errors import ValidationError
from mpp_digital.models import Agency, AnalyticsMonthly, SurveyMonthly
from mpp_digital.services import analytics
from mpp_digital.services.surveys.ikm import Ikm, Sums, ikm_of, minimum_sample, sample_sufficient

_PERIOD = re.compile(r"^(\d{4})(?:-(S[12]|\d{2}))?$")


@dataclass(frozen=True)
class Period:
    """Whole calendar months: a year (``2026``), a semester (``2026-S2``) or a month (``2026-10``)."""

    code: str
    start: date  # first day
    end: date  # last day

    @property
    def months(self) -> tuple[date, date]:
        """First days of its first and last month."""
        return self.start, self.end.replace(day=1)


def _last_day(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def parse_period(code: str) -> Period:
    """The period named by ``code``; ``survey.error.period`` for anything else."""
    match = _PERIOD.match((code or "").strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValidationError("periode", "survey.error.period")
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        return Period(str(year), date(year, 1, 1), date(year, 12, 31))
    if part.startswith("S"):
        first = 1 if part == "S1" else 7
        return Period(f"{year}-{part}", date(year, first, 1), _last_day(year, first + 5))
    month = int(part)
    if not 1 <= month <= 12:
        raise ValidationError("periode", "survey.error.period")
    return Period(f"{year}-{month:02d}", date(year, month, 1), _last_day(year, month))


def current_semester(today: date) -> Period:
    """The semester ``today`` lies in."""
    return parse_period(f"{today.year}-S{1 if today.month <= 6 else 2}")


def period_choices(today: date, years: int = 3) -> list[Period]:
    """The semesters and years offered by the dashboards, newest first."""
    out = []
    for year in range(today.year, today.year - years, -1):
        if year < today.year or today.month > 6:
            out.append(parse_period(f"{year}-S2"))
        out.append(parse_period(f"{year}-S1"))
        out.append(parse_period(str(year)))
    return out


@dataclass(frozen=True)
class Result:
    """The IKM of one unit, site, regency, province or the nation over a period."""

    level: str  # unit / site / regency / province / national
    key: str  # "<site>-<agency>", site id, regency or province code, "n"
    name: str
    site: str = ""  # the site's name (units)
    region: str = ""  # the regency (units, sites) or province (regencies) it lies in
    sums: Sums = field(default_factory=Sums)
    population: int = 0  # people served in the period
    ikm: Ikm | None = None

    @property
    def n(self) -> int:
        """Responses."""
        return self.sums.n

    @property
    def minimum(self) -> int:
        """The Krejcie-Morgan minimum sample for the population served."""
        return minimum_sample(self.population)

    @property
    def sufficient(self) -> bool:
        """Whether n reaches that minimum ("sampel belum memadai" otherwise)."""
        return sample_sufficient(self.n, self.population)


@dataclass(frozen=True)
class Results:
    """Every level of a period; units with too small a sample are ranked apart."""

    period: Period
    units: list[Result]  # sufficient sample, best IKM first
    units_short: list[Result]  # "sampel belum memadai": most responses first
    sites: list[Result]
    regencies: list[Result]
    provinces: list[Result]
    total: Result  # the scope as a whole (the regency, or the nation)


def _unit_sums(session: Session, period: Period, site_ids: list[int] | None) -> dict[tuple[int, int], Sums]:
    first, last = period.months
    m = SurveyMonthly
    cond = and_(col(m.month) >= first, col(m.month) <= last)
    if site_ids is not None:
        cond = and_(cond, col(m.site_id).in_(site_ids))
    rows = session.execute(
        select(m.site_id, m.agency_id, func.sum(m.n).label("n"),
               *(func.sum(getattr(m, f"s{i}")).label(f"s{i}") for i in range(1, 10)),
               func.sum(m.straight).label("straight"))
        .where(cond).group_by(m.site_id, m.agency_id)
    ).all()
    # positions, read once from the select's own labels (site, agency, n, s1..s9, straight)
    return {(r[0], r[1]): Sums(int(r[2]), tuple(map(int, r[3:12])), int(r[12])) for r in rows}


def _populations(session: Session, period: Period, site_ids: list[int]) -> dict[tuple[int, int], int]:
    first, last = period.months
    a = AnalyticsMonthly
    keys = {analytics.site_key(i): i for i in site_ids}
    if not keys:
        return {}
    rows = session.execute(
        select(a.scope, a.agency_id, func.sum(a.served).label("served"))
        .where(col(a.scope).in_(list(keys)), col(a.agency_id) != 0, col(a.month) >= first, col(a.month) <= last)
        .group_by(a.scope, a.agency_id)
    ).all()
    return {(keys[r.scope], r.agency_id): int(r.served) for r in rows}


def _rollup(level: str, key: str, name: str, members: list[Result], region: str = "") -> Result:
    parts = [m.sums for m in members]
    sums = Sums(sum(p.n for p in parts), tuple(map(sum, zip(*(p.scores for p in parts), strict=True))),
                sum(p.straight for p in parts)) if parts else Sums()
    return Result(level=level, key=key, name=name, region=region, sums=sums,
                  population=sum(m.population for m in members), ikm=ikm_of(sums))


def results(*, session: Session, period: Period, regency_code: str | None = None) -> Results:
    """IKM of every unit, site, regency and province over ``period``: of one regency, or national."""
    sites = [s for s in analytics.sites_with_regions(session=session)
             if regency_code is None or s["regency_code"] == regency_code]
    by_id = {s["id"]: s for s in sites}
    site_ids = list(by_id)
    sums = _unit_sums(session, period, site_ids if regency_code is not None else None)
    people = _populations(session, period, site_ids)
    agencies = {r.id: r.short_name for r in session.execute(select(Agency.id, Agency.short_name))}
    units = []
    for site_id, agency_id in sorted(set(sums) | set(people)):
        site = by_id.get(site_id)
        if site is None:
            continue
        s = sums.get((site_id, agency_id), Sums())
        units.append(Result(level="unit", key=f"{site_id}-{agency_id}", name=agencies.get(agency_id, str(agency_id)),
                            site=site["name"], region=site["regency"], sums=s,
                            population=people.get((site_id, agency_id), 0), ikm=ikm_of(s)))
    per_site: dict[int, list[Result]] = defaultdict(list)
    for u in units:
        per_site[int(u.key.split("-")[0])].append(u)
    site_rows = [_rollup("site", str(i), by_id[i]["name"], per_site[i], by_id[i]["regency"]) for i in per_site]
    per_regency: dict[str, list[Result]] = defaultdict(list)
    per_province: dict[str, list[Result]] = defaultdict(list)
    for row in site_rows:
        site = by_id[int(row.key)]
        per_regency[site["regency_code"]].append(row)
        per_province[site["province_code"]].append(row)
    regency_names = {s["regency_code"]: (s["regency"], s["province"]) for s in sites}
    province_names = {s["province_code"]: s["province"] for s in sites}
    regencies = [_rollup("regency", c, regency_names[c][0], rows, regency_names[c][1])
                 for c, rows in per_regency.items()]
    provinces = [_rollup("province", c, province_names[c], rows) for c, rows in per_province.items()]
    name = regency_names.get(regency_code, (regency_code, ""))[0] if regency_code else "Nasional"
    total = _rollup("regency" if regency_code else "national", regency_code or "n", name or "", site_rows)

    def best_first(rows: list[Result]) -> list[Result]:
        return sorted(rows, key=lambda r: (-(r.ikm.hundredths if r.ikm else -1), r.site, r.name))

    return Results(
        period=period,
        units=best_first([u for u in units if u.sufficient]),
        units_short=sorted([u for u in units if not u.sufficient], key=lambda r: (-r.n, r.site, r.name)),
        sites=best_first(site_rows), regencies=best_first(regencies), provinces=best_first(provinces), total=total,
    )
