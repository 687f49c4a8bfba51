"""Analytics: service events in, rollups kept current, dashboard figures out (no reflex here).

Writers (the queue, applications, surveys, complaints, the history import) call
:func:`record_service_event` for each finished transaction; it stores the event and adds it
to the daily rollups in the same transaction, with one ``INSERT ... ON CONFLICT DO UPDATE``
per rollup table (the same code on SQLite and PostgreSQL). After bulk loads (the generator,
an import) :func:`rebuild_rollups` recomputes the rollups of a date range in SQL.

Readers never touch ``serviceevent``: every dashboard figure is a sum over rollup rows of
one scope key (``s<site id>``, ``p<province>``, ``n``), so one regency, one province and the
whole country each cost one index range scan over at most (days x channels x agencies) rows.

Wait quantiles come from fixed-bucket histograms (``models.WAIT_BUCKET_EDGES``) summed over
days and sites, interpolated linearly inside the bucket that holds the rank (as Prometheus'
``histogram_quantile``). The true quantile always lies in the reported bucket, so the error
is below that bucket's width: under 1 min for waits below 6 min, 2 min up to 12 min,
3-5 min up to 30 min, 10 min up to 60 min, 30-60 min beyond; waits of 180 min and more are
reported as 180 (the open bucket's lower edge).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import Session, col

from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import (
    WAIT_BUCKET_EDGES,
    Agency,
    AnalyticsDaily,
    AnalyticsHourly,
    AnalyticsHourlyMonthly,
    AnalyticsMonthly,
    AnalyticsServiceDaily,
    AnalyticsServiceMonthly,
    Channel,
    Complaint,
    EventKind,
    EventOutcome,
    MppSite,
    Region,
    Service,
    ServiceEvent,
)

# --------------------------------------------------------------------------- constants

NATIONAL = "n"
# Provenance: the history generator's events are synthetic ("data contoh"). Their rollup rows are
# kept apart under the same keys prefixed with SYNTHETIC (``xs12``, ``xp33``, ``xn``), so that a
# reader sums real and synthetic rows only when the deployment allows it
# (``MPP_INCLUDE_SYNTHETIC``), and can always say which share of a figure is synthetic.
SYNTHETIC = "x"
SYNTHETIC_SOURCES = ("generator",)
BUCKETS = tuple(f"w{i:02d}" for i in range(len(WAIT_BUCKET_EDGES)))
MEASURES: tuple[str, ...] = (
    "served", "not_served", "wait_n", "wait_sum", "service_n", "service_sum", "sla_n", "sla_met",
    "survey_n", "survey_sum", "complaints_opened", "complaints_closed", *BUCKETS,
)
DIGITAL_CHANNELS = (Channel.ONLINE.value, Channel.MOBILE.value)
CHANNELS = tuple(c.value for c in Channel)
# The waiting-time standard used when a writer does not say whether the SLA was met.
QUEUE_WAIT_STANDARD = timedelta(minutes=30)
GRAINS = ("day", "week", "month")
MAX_RANGE_DAYS = 3 * 366

# Indonesia's three time zones by province code (Permendagri boundaries): WITA and WIT.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def utc_offset_hours(regency_code: str) -> int:
    """The site's UTC offset: WIB (+7), WITA (+8) or WIT (+9), from the province code."""
    province = regency_code[:2]
    return 9 if province in _WIT else 8 if province in _WITA else 7


def local_today(now: datetime, offset_hours: int = 7) -> date:
    """Today's date in a time zone of Indonesia (WIB unless told)."""
    return now.astimezone(timezone(timedelta(hours=offset_hours))).date()


def site_key(site_id: int) -> str:
    """Rollup scope key of one site."""
    return f"s{site_id}"


def province_key(province_code: str) -> str:
    """Rollup scope key of one province (all its MPP sites)."""
    return f"p{province_code}"


def wait_bucket(wait_seconds: int) -> int:
    """Index of the histogram bucket a wait falls in."""
    minutes = wait_seconds / 60
    index = 0
    for i, edge in enumerate(WAIT_BUCKET_EDGES):
        if minutes >= edge:
            index = i
    return index


def wait_quantile(histogram: Sequence[int], q: float) -> float | None:
    """The q-quantile of the waits (minutes) in a histogram, interpolated inside its bucket."""
    total = sum(histogram)
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for i, count in enumerate(histogram):
        if count and seen + count >= rank:
            low = WAIT_BUCKET_EDGES[i]
            if i + 1 == len(WAIT_BUCKET_EDGES):
                return float(low)
            high = WAIT_BUCKET_EDGES[i + 1]
            return low + (high - low) * (rank - seen) / count
        seen += count
    return float(WAIT_BUCKET_EDGES[-1])


def ikm_grade(ikm: float | None) -> str:
    """Mutu pelayanan of an IKM (PermenPANRB 14/2017): A 88.31-100, B 76.61-88.30, C 65-76.60, D below."""
    if ikm is None:
        return ""
    if ikm >= 88.31:
        return "A"
    if ikm >= 76.61:
        return "B"
    if ikm >= 65.0:
        return "C"
    return "D"


# --------------------------------------------------------------------------- measures


_POSITION = {name: i for i, name in enumerate(MEASURES)}
_BUCKET_SLICE = slice(MEASURES.index(BUCKETS[0]), MEASURES.index(BUCKETS[-1]) + 1)


class Measures:
    """Additive sums over rollup rows (counts, sums of seconds, the wait histogram), in MEASURES order."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values = [0] * len(MEASURES)

    def add(self, other: Measures | Sequence[int]) -> Measures:
        """Add another set of measures, or a row's measure columns in MEASURES order."""
        source = other.values if isinstance(other, Measures) else other
        self.values = [a + (b or 0) for a, b in zip(self.values, source, strict=True)]
        return self

    def __getitem__(self, key: str) -> int:
        return self.values[_POSITION[key]]

    @property
    def histogram(self) -> list[int]:
        """Waits per bucket of ``WAIT_BUCKET_EDGES``."""
        return self.values[_BUCKET_SLICE]


@dataclass(frozen=True)
class Kpis:
    """The figures of one scope over one period (None where there is nothing to measure)."""

    served: int
    not_served: int
    digital: int
    digital_share: float | None  # 0..1: online + mobile over all served
    wait_median: float | None  # minutes
    wait_p90: float | None  # minutes
    wait_mean: float | None  # minutes
    sla_rate: float | None  # 0..1
    ikm: float | None  # 25..100
    ikm_grade: str
    survey_n: int
    complaints_opened: int
    open_complaints: int  # opened minus closed, from the beginning up to the period's end
    per_1000: float | None  # served per 1,000 residents of the regencies served
    population: int


def kpis_from(by_channel: dict[str, Measures], *, population: int, open_complaints: int) -> Kpis:
    """KPIs from measures summed per channel."""
    total = Measures()
    for m in by_channel.values():
        total.add(m)
    served = total["served"]
    digital = sum(by_channel[c]["served"] for c in DIGITAL_CHANNELS if c in by_channel)
    hist = total.histogram
    ikm = total["survey_sum"] / total["survey_n"] if total["survey_n"] else None
    return Kpis(
        served=served,
        not_served=total["not_served"],
        digital=digital,
        digital_share=digital / served if served else None,
        wait_median=wait_quantile(hist, 0.5),
        wait_p90=wait_quantile(hist, 0.9),
        wait_mean=total["wait_sum"] / total["wait_n"] / 60 if total["wait_n"] else None,
        sla_rate=total["sla_met"] / total["sla_n"] if total["sla_n"] else None,
        ikm=ikm,
        ikm_grade=ikm_grade(ikm),
        survey_n=total["survey_n"],
        complaints_opened=total["complaints_opened"],
        open_complaints=open_complaints,
        per_1000=served * 1000 / population if population else None,
        population=population,
    )


# The KPIs shown as cards, in order, with their unit ("count", "percent", "minutes", "index", "ratio").
KPI_METRICS: tuple[tuple[str, str], ...] = (
    ("served", "count"),
    ("digital_share", "percent"),
    ("wait_median", "minutes"),
    ("wait_p90", "minutes"),
    ("sla_rate", "percent"),
    ("ikm", "index"),
    ("open_complaints", "count"),
    ("per_1000", "ratio"),
)
# For these, a rise is bad news (shown in red).
LOWER_IS_BETTER = {"wait_median", "wait_p90", "open_complaints"}


def rounded(metric_unit: str, value: float | int | None) -> float | int | None:
    """The value as shown and exported: counts whole, percents 0.1 pp, minutes 0.1, index 0.01."""
    if value is None:
        return None
    if metric_unit == "count":
        return int(value)
    if metric_unit == "percent":
        return round(value * 100, 1)
    if metric_unit == "minutes":
        return round(value, 1)
    return round(value, 2)


def format_metric(metric_unit: str, value: float | int | None, lang: str = "id") -> str:
    """A value as the page shows it (Indonesian uses '.' for thousands and ',' for decimals)."""
    shown = rounded(metric_unit, value)
    if shown is None:
        return "–"
    if metric_unit == "count":
        text = f"{shown:,}"
    elif metric_unit in ("percent", "minutes"):
        text = f"{shown:,.1f}"
    else:
        text = f"{shown:,.2f}"
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    if metric_unit == "percent":
        return f"{text}%"
    if metric_unit == "minutes":
        return f"{text} {'mnt' if lang == 'id' else 'min'}"
    return text


def change(metric: str, unit: str, current: float | int | None, previous: float | int | None) -> float | None:
    """Change against the previous period: percent for counts/ratios, points for shares/minutes/index."""
    if current is None or previous is None:
        return None
    if unit in ("count", "ratio"):
        return (current - previous) / previous if previous else None
    if unit == "percent":
        return (current - previous) * 100
    return current - previous


def format_change(unit: str, delta: float | None, lang: str = "id") -> str:
    """A change as shown next to a KPI: '+12,5%', '-1,2 pp', '+0,8 mnt'."""
    if delta is None:
        return "–"
    sign = "+" if delta >= 0 else "−"
    if unit in ("count", "ratio"):
        body = format_metric("percent", abs(delta), lang)
    elif unit == "percent":
        body = format_metric("minutes", abs(delta), lang).rsplit(" ", 1)[0] + " pp"
    elif unit == "minutes":
        body = format_metric("minutes", abs(delta), lang)
    else:
        body = format_metric("index", abs(delta), lang)
    return sign + body


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: the rollup keys to sum, its name and its residents."""

    kind: str  # regency / province / national / site
    code: str  # regency or province code, site id, or "" for national
    name: str
    keys: tuple[str, ...]  # the real keys, then their synthetic twins when those are included
    site_ids: tuple[int, ...]
    population: int


def include_synthetic() -> bool:
    """Whether readers count the generator's synthetic rows (``MPP_INCLUDE_SYNTHETIC``; labelled when counted)."""
    from mpp_digital.settings import get_settings

    return get_settings().include_synthetic


def reading_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """The rollup keys a reader sums: the real ones and, when included, their synthetic twins."""
    real = tuple(keys)
    return real + tuple(SYNTHETIC + k for k in real) if include_synthetic() else real


def is_synthetic_key(key: str) -> bool:
    """Whether a rollup key holds synthetic rows."""
    return key.startswith(SYNTHETIC)


def _volume(m: Measures) -> int:
    """What a share of provenance is measured in: transactions, survey answers and complaints."""
    return m["served"] + m["not_served"] + m["survey_n"] + m["complaints_opened"]


def synthetic_share(synthetic: Measures, total: Measures) -> float | None:
    """The share (0..1) of a figure's volume that is synthetic; None when there is no volume."""
    volume = _volume(total)
    return _volume(synthetic) / volume if volume else None


def _regency_populations(session: Session, codes: Iterable[str]) -> int:
    codes = sorted(set(codes))
    if not codes:
        return 0
    total = session.execute(select(func.sum(Region.population)).where(col(Region.code).in_(codes))).scalar_one()
    return int(total or 0)


def regency_scope(*, session: Session, regency_code: str) -> Scope:
    """Every MPP site of one kab/kota; residents: the regency's population."""
    region = session.get(Region, regency_code)
    if region is None or region.level != 2:
        raise DomainError("analytics.no_region", code=regency_code)
    sites = session.execute(select(MppSite.id).where(MppSite.regency_code == regency_code)
                            .order_by(col(MppSite.id))).scalars().all()
    if not sites:
        raise DomainError("analytics.no_site", name=region.name)
    return Scope("regency", regency_code, region.name.strip(), reading_keys(site_key(i) for i in sites), tuple(sites),
                 int(region.population or 0))


def province_scope(*, session: Session, province_code: str) -> Scope:
    """Every MPP site of one province; residents: the regencies that have an MPP."""
    region = session.get(Region, province_code)
    if region is None or region.level != 1:
        raise DomainError("analytics.no_region", code=province_code)
    sites = session.execute(select(MppSite.id, MppSite.regency_code)
                            .where(col(MppSite.regency_code).startswith(province_code + "."))).all()
    return Scope("province", province_code, region.name.strip(), reading_keys([province_key(province_code)]),
                 tuple(sorted(s[0] for s in sites)), _regency_populations(session, (s[1] for s in sites)))


def national_scope(*, session: Session) -> Scope:
    """Every MPP site; residents: the regencies that have an MPP."""
    sites = session.execute(select(MppSite.id, MppSite.regency_code)).all()
    return Scope("national", "", "Indonesia", reading_keys([NATIONAL]), tuple(sorted(s[0] for s in sites)),
                 _regency_populations(session, (s[1] for s in sites)))


def site_scope(*, session: Session, site_id: int) -> Scope:
    """One MPP site; residents: its regency's population."""
    site = session.get(MppSite, site_id)
    if site is None:
        raise DomainError("analytics.no_site_id")
    return Scope("site", str(site_id), site.name, reading_keys([site_key(site_id)]), (site_id,),
                 _regency_populations(session, [site.regency_code]))


def sites_with_regions(*, session: Session) -> list[dict]:
    """Every site with its regency and province (for pickers, rankings and the API).

    Plain columns, not ORM objects: the ranking, the provinces and the API read it on every view.
    """
    r, m = Region.__table__.c, MppSite.__table__.c
    sites = session.execute(select(m.id, m.slug, m.name, m.regency_code).order_by(m.name)).all()
    codes = {row.regency_code for row in sites} | {row.regency_code[:2] for row in sites}
    regions = {row.code: row for row in session.execute(select(r.code, r.name, r.population)
                                                        .where(r.code.in_(sorted(codes))))}
    out = []
    for site in sites:
        regency = regions.get(site.regency_code)
        province = regions.get(site.regency_code[:2])
        out.append({
            "id": site.id, "slug": site.slug, "name": site.name, "regency_code": site.regency_code,
            "regency": regency.name.strip() if regency else "", "province_code": site.regency_code[:2],
            "province": province.name.strip() if province else "",
            "population": int(regency.population or 0) if regency else 0,
        })
    return out


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive, local days), agency (0 = all), channel ("" = all), trend grain."""

    start: date
    end: date
    agency_id: int = 0
    channel: str = ""
    grain: str = "day"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError("end", "analytics.range_reversed")
        if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:
            raise ValidationError("end", "analytics.range_too_long", days=MAX_RANGE_DAYS)
        if self.channel and self.channel not in CHANNELS:
            raise ValidationError("channel", "analytics.bad_channel")
        if self.grain not in GRAINS:
            raise ValidationError("grain", "analytics.bad_grain")
        if self.agency_id < 0:
            raise ValidationError("agency", "analytics.bad_agency")

    @property
    def days(self) -> int:
        """Length of the period in days."""
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))


def default_filters(today: date, days: int = 30) -> Filters:
    """The last ``days`` days up to today."""
    return Filters(start=today - timedelta(days=days - 1), end=today)


def period_start(day: date, grain: str) -> date:
    """The first day of the trend period (day, ISO week, month) holding ``day``."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


# --------------------------------------------------------------------------- reading rollups


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def split_range(start: date, end: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """Split [start, end] into partial-month day ranges (daily tables) and whole months (monthly tables).

    Returns the day ranges (at most two) and the (first, last) whole months, or None when no
    month lies wholly inside the range.
    """
    first = start if start.day == 1 else month_end(start) + timedelta(days=1)
    last = end.replace(day=1) if end == month_end(end) else (end.replace(day=1) - timedelta(days=1)).replace(day=1)
    if first > last:
        return [(start, end)], None
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    after = month_end(last) + timedelta(days=1)
    if after <= end:
        days.append((after, end))
    return days, (first, last)


def _tiered(daily, monthly, columns: Sequence[str], conds, start: date, end: date):
    """The rollup rows of [start, end] as one subquery: partial months from ``daily``, whole months
    from ``monthly`` (UNION ALL); ``conds(table)`` gives the filters both tables share."""
    day_parts, months = split_range(start, end)
    selects = [select(*(daily.c[c] for c in columns)).where(and_(daily.c.day >= lo, daily.c.day <= hi, *conds(daily)))
               for lo, hi in day_parts]
    if months:
        selects.append(select(*(monthly.c[c] for c in columns)).where(
            and_(monthly.c.month >= months[0], monthly.c.month <= months[1], *conds(monthly))))
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery()


EPOCH = date(2000, 1, 1)


def _sum_columns(table) -> list:
    # BIGINT, not NUMERIC: PostgreSQL sums BIGINT columns to NUMERIC, which arrives as Decimal
    return [cast(func.sum(table.c[m]), BigInteger).label(m) for m in MEASURES]


def _daily_where(table, keys: Sequence[str], flt: Filters, start: date | None, end: date):
    conds = [table.c.scope.in_(list(keys)), table.c.agency_id == flt.agency_id, table.c.day <= end]
    if start is not None:
        conds.append(table.c.day >= start)
    if flt.channel:
        conds.append(table.c.channel == flt.channel)
    return and_(*conds)


def _open_complaint_counts(session: Session, site_ids: Sequence[int] | None, flt: Filters) -> dict[int, tuple[int, int]]:
    """Complaints open at the end of the period and at the end of the previous one, per site, from the
    complaint table (filed by then and not closed by then); synthetic ones only when included."""
    c = Complaint.__table__.c
    end, before = flt.end, flt.previous().end

    def open_at(day: date):
        return func.coalesce(func.sum(case((and_(c.filed_day <= day, or_(c.closed_day.is_(None), c.closed_day > day)),
                                            1), else_=0)), 0)

    conds = [c.filed_day <= end, or_(c.closed_day.is_(None), c.closed_day > before)]
    if site_ids is not None:
        conds.append(c.site_id.in_(list(site_ids)))
    if flt.agency_id:
        conds.append(c.agency_id == flt.agency_id)
    if not include_synthetic():
        conds.append(c.source.not_in(list(SYNTHETIC_SOURCES)))
    stmt = select(c.site_id, open_at(end), open_at(before)).where(*conds).group_by(c.site_id)
    return {site_id: (int(now), int(then)) for site_id, now, then in session.execute(stmt)}


def _open_complaints(session: Session, scope: Scope, flt: Filters) -> tuple[int, int]:
    """Complaints still open at the end of the period and at the end of the previous one (the scope's sites)."""
    counts = _open_complaint_counts(session, scope.site_ids, flt).values()
    return sum(n for n, _ in counts), sum(p for _, p in counts)


def _daily_rows(session: Session, keys: Sequence[str], flt: Filters, start: date, end: date):
    """(day, channel, measures, synthetic) rows: real and synthetic rows of a day never summed together."""
    t = AnalyticsDaily.__table__
    synthetic = t.c.scope.like(SYNTHETIC + "%")
    stmt = (select(t.c.day, t.c.channel, synthetic, *_sum_columns(t))
            .where(_daily_where(t, keys, flt, start, end)).group_by(t.c.day, t.c.channel, synthetic))
    return [(row[0], row[1], row[3:], bool(row[2])) for row in session.execute(stmt)]


@dataclass
class Dashboard:
    """Everything one dashboard view shows, computed from rollups only."""

    scope: Scope
    filters: Filters
    kpis: Kpis
    previous: Kpis
    trend: list[dict]  # period, served, digital_share, wait_median, sla_rate
    channel_mix: list[dict]  # period, channel, served
    by_agency: list[dict]  # agency_id, agency, served, wait_median, sla_rate
    top_services: list[dict]  # service_id, service, agency, served
    heatmap: list[list[int]]  # [weekday 0=Mon][hour 0..23] arrivals
    synthetic_share: float | None = None  # share of the period's volume from synthetic rows ("data contoh")


def _kpis_over(rows, start: date, end: date, scope: Scope, open_complaints: int) -> Kpis:
    by_channel: dict[str, Measures] = defaultdict(Measures)
    for day, channel, values, _synthetic in rows:
        if start <= day <= end:
            by_channel[channel].add(values)
    return kpis_from(by_channel, population=scope.population, open_complaints=open_complaints)


def kpis(*, session: Session, scope: Scope, filters: Filters) -> tuple[Kpis, Kpis]:
    """KPIs of the period and of the previous period of the same length."""
    prev = filters.previous()
    rows = _daily_rows(session, scope.keys, filters, prev.start, filters.end)
    now_open, before_open = _open_complaints(session, scope, filters)
    return (_kpis_over(rows, filters.start, filters.end, scope, now_open),
            _kpis_over(rows, prev.start, prev.end, scope, before_open))


def by_agency(*, session: Session, scope: Scope, filters: Filters) -> list[dict]:
    """Services delivered, median wait and SLA compliance per agency, largest first."""
    def conds(table):
        out = [table.c.scope.in_(list(scope.keys)),
               table.c.agency_id == filters.agency_id if filters.agency_id else table.c.agency_id != 0]
        return out + ([table.c.channel == filters.channel] if filters.channel else [])

    rows = _tiered(AnalyticsDaily.__table__, AnalyticsMonthly.__table__, ("agency_id", *MEASURES), conds,
                   filters.start, filters.end)
    a = Agency.__table__
    stmt = (select(rows.c.agency_id, a.c.short_name, *_sum_columns(rows)).join(a, a.c.id == rows.c.agency_id)
            .group_by(rows.c.agency_id, a.c.short_name))
    out = []
    for row in session.execute(stmt):
        m = Measures().add(row[2:])
        if not m["served"] and not m["not_served"]:
            continue
        out.append({
            "agency_id": row[0], "agency": row[1], "served": m["served"],
            "wait_median": wait_quantile(m.histogram, 0.5),
            "sla_rate": m["sla_met"] / m["sla_n"] if m["sla_n"] else None,
        })
    out.sort(key=lambda r: (-r["served"], r["agency"]))
    return out


def top_services(*, session: Session, scope: Scope, filters: Filters, limit: int = 10) -> list[dict]:
    """The ``limit`` services delivered most often."""
    def conds(table):
        out = [table.c.scope.in_(list(scope.keys))]
        out += [table.c.channel == filters.channel] if filters.channel else []
        return out + ([table.c.agency_id == filters.agency_id] if filters.agency_id else [])

    rows = _tiered(AnalyticsServiceDaily.__table__, AnalyticsServiceMonthly.__table__, ("service_id", "served"),
                   conds, filters.start, filters.end)
    sv, a = Service.__table__, Agency.__table__
    total = cast(func.sum(rows.c.served), BigInteger).label("served")
    top = (select(rows.c.service_id, total).group_by(rows.c.service_id)
           .order_by(total.desc(), rows.c.service_id).limit(limit).subquery())
    stmt = (select(top.c.service_id, sv.c.name, a.c.short_name, top.c.served)
            .join(sv, sv.c.id == top.c.service_id).join(a, a.c.id == sv.c.agency_id)
            .order_by(top.c.served.desc(), top.c.service_id))
    return [{"service_id": r[0], "service": r[1], "agency": r[2], "served": int(r[3])} for r in session.execute(stmt)]


def _weekday_of(column, postgres: bool):
    """SQL: the weekday of a date column, 0 = Monday."""
    if postgres:
        return cast(func.extract("isodow", column), Integer) - 1
    return (cast(func.strftime("%w", column), Integer) + 6) % 7


def arrivals_heatmap(*, session: Session, scope: Scope, filters: Filters) -> list[list[int]]:
    """Arrivals per local weekday (0 = Monday) and hour, over the period (all agencies): one query,
    partial months from the daily rows and whole months from the monthly ones."""
    grid = [[0] * 24 for _ in range(7)]
    day_parts, months = split_range(filters.start, filters.end)
    t, m = AnalyticsHourly.__table__, AnalyticsHourlyMonthly.__table__
    postgres = session.get_bind().dialect.name == "postgresql"
    parts = []
    for lo, hi in day_parts:
        channel = [t.c.channel == filters.channel] if filters.channel else []
        parts.append(select(_weekday_of(t.c.day, postgres).label("weekday"), t.c.hour.label("hour"),
                            t.c.arrivals.label("arrivals"))
                     .where(t.c.scope.in_(list(scope.keys)), t.c.day >= lo, t.c.day <= hi, *channel))
    if months:
        channel = [m.c.channel == filters.channel] if filters.channel else []
        parts.append(select(m.c.weekday.label("weekday"), m.c.hour.label("hour"), m.c.arrivals.label("arrivals"))
                     .where(m.c.scope.in_(list(scope.keys)), m.c.month >= months[0], m.c.month <= months[1],
                            *channel))
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    stmt = select(rows.c.weekday, rows.c.hour, func.sum(rows.c.arrivals)).group_by(rows.c.weekday, rows.c.hour)
    for weekday, hour, arrivals in session.execute(stmt):
        grid[int(weekday)][int(hour)] += int(arrivals)
    return grid


def dashboard(*, session: Session, scope: Scope, filters: Filters) -> Dashboard:
    """Every figure of one dashboard view (what one page load costs): five rollup queries."""
    prev = filters.previous()
    rows = _daily_rows(session, scope.keys, filters, prev.start, filters.end)
    now_open, before_open = _open_complaints(session, scope, filters)
    # one pass over the rows: each goes to its trend period, or to the previous period
    periods: dict[date, dict[str, Measures]] = defaultdict(lambda: defaultdict(Measures))
    earlier: dict[str, Measures] = defaultdict(Measures)
    starts: dict[date, date] = {}
    synthetic, volume = Measures(), Measures()
    for day, channel, values, is_synthetic in rows:
        if day < filters.start:
            earlier[channel].add(values)
        else:
            volume.add(values)
            if is_synthetic:
                synthetic.add(values)
            bucket = starts.get(day)
            if bucket is None:
                bucket = starts[day] = period_start(day, filters.grain)
            periods[bucket][channel].add(values)
    totals: dict[str, Measures] = defaultdict(Measures)
    for by_channel in periods.values():
        for channel, measures in by_channel.items():
            totals[channel].add(measures)
    current = kpis_from(totals, population=scope.population, open_complaints=now_open)
    before = kpis_from(earlier, population=scope.population, open_complaints=before_open)
    trend, mix = [], []
    cursor = period_start(filters.start, filters.grain)
    while cursor <= filters.end:
        k = kpis_from(periods.get(cursor, {}), population=scope.population, open_complaints=0)
        trend.append({"period": cursor, "served": k.served, "digital_share": k.digital_share,
                      "wait_median": k.wait_median, "sla_rate": k.sla_rate})
        for channel in CHANNELS:
            mix.append({"period": cursor, "channel": channel,
                        "served": periods[cursor][channel]["served"] if cursor in periods else 0})
        cursor = _next_period(cursor, filters.grain)
    return Dashboard(
        scope=scope, filters=filters, kpis=current, previous=before, trend=trend, channel_mix=mix,
        by_agency=by_agency(session=session, scope=scope, filters=filters),
        top_services=top_services(session=session, scope=scope, filters=filters),
        heatmap=arrivals_heatmap(session=session, scope=scope, filters=filters),
        synthetic_share=synthetic_share(synthetic, volume),
    )


def _next_period(day: date, grain: str) -> date:
    if grain == "week":
        return day + timedelta(days=7)
    if grain == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _per_scope(session: Session, keys: Sequence[str], filters: Filters, start: date, end: date,
               synthetic: dict[str, Measures] | None = None) -> dict[str, dict[str, Measures]]:
    """Measures per scope key and channel (each key one index range), real and synthetic twins summed
    under the real key (the synthetic part also in ``synthetic``, when given, so that it can be labelled)."""
    wanted = list(reading_keys(keys))

    def conds(table):
        out = [table.c.scope.in_(wanted), table.c.agency_id == filters.agency_id]
        return out + ([table.c.channel == filters.channel] if filters.channel else [])

    rows = _tiered(AnalyticsDaily.__table__, AnalyticsMonthly.__table__, ("scope", "channel", *MEASURES), conds,
                   start, end)
    stmt = select(rows.c.scope, rows.c.channel, *_sum_columns(rows)).group_by(rows.c.scope, rows.c.channel)
    out: dict[str, dict[str, Measures]] = defaultdict(lambda: defaultdict(Measures))
    for row in session.execute(stmt):
        key = row[0].removeprefix(SYNTHETIC)
        out[key][row[1]].add(row[2:])
        if synthetic is not None and is_synthetic_key(row[0]):
            synthetic.setdefault(key, Measures()).add(row[2:])
    return out


def _served_per_scope(session: Session, keys: Sequence[str], filters: Filters, start: date, end: date) -> dict[str, int]:
    """Services delivered per scope key (real and included synthetic twins together): the previous
    period of the ranking needs nothing else."""
    wanted = list(reading_keys(keys))

    def conds(table):
        out = [table.c.scope.in_(wanted), table.c.agency_id == filters.agency_id]
        return out + ([table.c.channel == filters.channel] if filters.channel else [])

    rows = _tiered(AnalyticsDaily.__table__, AnalyticsMonthly.__table__, ("scope", "served"), conds, start, end)
    out: dict[str, int] = defaultdict(int)
    for scope, served in session.execute(select(rows.c.scope, func.sum(rows.c.served)).group_by(rows.c.scope)):
        out[scope.removeprefix(SYNTHETIC)] += int(served or 0)
    return out


def _share_of(key: str, by_channel: dict[str, Measures], synthetic: dict[str, Measures]) -> float | None:
    total = Measures()
    for measures in by_channel.values():
        total.add(measures)
    return synthetic_share(synthetic.get(key, Measures()), total)


def ranking(*, session: Session, filters: Filters) -> list[dict]:
    """Every site with its KPIs over the period (and the previous served count), by name."""
    prev = filters.previous()
    sites = sites_with_regions(session=session)
    keys = [site_key(s["id"]) for s in sites]
    synthetic: dict[str, Measures] = {}
    current = _per_scope(session, keys, filters, filters.start, filters.end, synthetic)
    before = _served_per_scope(session, keys, filters, prev.start, prev.end)
    opened = _open_complaint_counts(session, None, filters)
    out = []
    for site in sites:
        key = site_key(site["id"])
        k = kpis_from(current.get(key, {}), population=site["population"],
                      open_complaints=opened.get(site["id"], (0, 0))[0])
        out.append({**site, "kpis": k, "served_change": change("served", "count", k.served, before.get(key, 0)),
                    "synthetic_share": _share_of(key, current.get(key, {}), synthetic)})
    return out


def provinces(*, session: Session, filters: Filters) -> list[dict]:
    """Every province that has an MPP, with its KPIs over the period."""
    sites = sites_with_regions(session=session)
    by_province: dict[str, list[dict]] = defaultdict(list)
    for site in sites:
        by_province[site["province_code"]].append(site)
    synthetic: dict[str, Measures] = {}
    current = _per_scope(session, [province_key(code) for code in by_province], filters, filters.start, filters.end,
                         synthetic)
    opened = _open_complaint_counts(session, None, filters)
    out = []
    for code, members in sorted(by_province.items()):
        population = sum({s["regency_code"]: s["population"] for s in members}.values())
        key = province_key(code)
        k = kpis_from(current.get(key, {}), population=population,
                      open_complaints=sum(opened.get(s["id"], (0, 0))[0] for s in members))
        out.append({"code": code, "name": members[0]["province"], "sites": len(members), "kpis": k,
                    "synthetic_share": _share_of(key, current.get(key, {}), synthetic)})
    return out


def monthly_series(*, session: Session, scope: Scope, start: date, end: date) -> list[dict]:
    """KPIs per calendar month of a scope (open data, reports)."""
    flt = Filters(start=start, end=end)
    months: dict[date, dict[str, Measures]] = defaultdict(lambda: defaultdict(Measures))
    synthetic: dict[date, Measures] = defaultdict(Measures)
    for day, channel, values, is_synthetic in _daily_rows(session, scope.keys, flt, start, end):
        months[day.replace(day=1)][channel].add(values)
        if is_synthetic:
            synthetic[day.replace(day=1)].add(values)
    out = []
    cursor = start.replace(day=1)
    while cursor <= end:
        k = kpis_from(months.get(cursor, {}), population=scope.population, open_complaints=0)
        total = Measures()
        for measures in months.get(cursor, {}).values():
            total.add(measures)
        out.append({"month": cursor.strftime("%Y-%m"), "kpis": k,
                    "synthetic_share": synthetic_share(synthetic.get(cursor, Measures()), total)})
        cursor = _next_period(cursor, "month")
    return out


def latest_day(*, session: Session) -> date | None:
    """The newest day with national figures, if any."""
    t = AnalyticsDaily.__table__
    return session.execute(select(func.max(t.c.day)).where(t.c.scope.in_(reading_keys([NATIONAL])))).scalar_one()


def agencies_present(*, session: Session, scope: Scope) -> list[dict]:
    """Agencies with counters at the scope's sites (the agency filter's choices)."""
    from mpp_digital.models import SiteAgency

    stmt = (select(Agency.id, Agency.short_name).join(SiteAgency, col(SiteAgency.agency_id) == col(Agency.id))
            .where(col(SiteAgency.site_id).in_(list(scope.site_ids))).distinct().order_by(Agency.short_name))
    return [{"id": r[0], "name": r[1]} for r in session.execute(stmt)]


# --------------------------------------------------------------------------- writing


def _site_keys(session: Session, site_id: int, cache: dict[int, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    if cache is not None and site_id in cache:
        return cache[site_id]
    site = session.get(MppSite, site_id)
    if site is None:
        raise ValidationError("site", "analytics.no_site_id")
    keys = (site_key(site_id), province_key(site.regency_code[:2]), NATIONAL)
    if cache is not None:
        cache[site_id] = keys
    return keys


def event_measures(event: ServiceEvent) -> dict[str, int]:
    """What one event adds to the daily rollup."""
    m = dict.fromkeys(MEASURES, 0)
    q = event.quantity
    transaction = event.kind in (EventKind.QUEUE, EventKind.APPLICATION)
    if transaction and event.outcome != EventOutcome.SUBMITTED:  # a submission is an arrival only (hourly)
        m["served" if event.outcome == EventOutcome.SERVED else "not_served"] += q
        if event.wait_seconds is not None:
            m["wait_n"] += q
            m["wait_sum"] += event.wait_seconds * q
            m[BUCKETS[wait_bucket(event.wait_seconds)]] += q
        if event.service_seconds is not None:
            m["service_n"] += q
            m["service_sum"] += event.service_seconds * q
        if event.sla_met is not None:
            m["sla_n"] += q
            m["sla_met"] += q if event.sla_met else 0
    if event.satisfaction is not None:
        m["survey_n"] += q
        m["survey_sum"] += event.satisfaction * q
    if event.kind == EventKind.COMPLAINT:
        m["complaints_opened" if event.outcome == EventOutcome.OPENED else "complaints_closed"] += q
    return m


def _upsert(session: Session, table, rows: list[dict], keys: Sequence[str], sums: Sequence[str]) -> None:
    """Insert rows, or add their ``sums`` to the existing rows: one statement, SQLite or PostgreSQL."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make_insert = pg_dialect.insert if dialect == "postgresql" else sqlite_dialect.insert
    for start in range(0, len(rows), 500):
        stmt = make_insert(table).values(rows[start:start + 500])
        stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                          set_={c: table.c[c] + stmt.excluded[c] for c in sums})
        session.execute(stmt)


def apply_to_rollups(*, session: Session, events: Sequence[ServiceEvent]) -> None:
    """Add events to the rollup tables, daily and monthly (incremental upsert; used by record and import)."""
    daily: dict[tuple, list[int]] = {}
    monthly: dict[tuple, list[int]] = {}
    services: dict[tuple, dict] = {}
    services_monthly: dict[tuple, dict] = {}
    hourly: dict[tuple, int] = defaultdict(int)
    hourly_monthly: dict[tuple, int] = defaultdict(int)
    cache: dict[int, tuple[str, ...]] = {}
    for event in events:
        measures = event_measures(event)
        values = [measures[m] for m in MEASURES]
        month = event.local_day.replace(day=1)
        transaction = event.kind in (EventKind.QUEUE, EventKind.APPLICATION)
        prefix = SYNTHETIC if event.source in SYNTHETIC_SOURCES else ""
        adds = any(values)  # a submission adds an arrival only: no daily or monthly row to touch
        for key in (prefix + k for k in _site_keys(session, event.site_id, cache)):
            for agency in (event.agency_id, 0) if adds else ():
                for table, when in ((daily, event.local_day), (monthly, month)):
                    row = table.setdefault((key, agency, when, event.channel), [0] * len(MEASURES))
                    table[(key, agency, when, event.channel)] = [a + b for a, b in zip(row, values, strict=True)]
            if transaction and event.outcome == EventOutcome.SERVED and event.service_id:
                for table, when in ((services, event.local_day), (services_monthly, month)):
                    entry = table.setdefault((key, when, event.service_id, event.channel),
                                             {"agency_id": event.agency_id, "served": 0})
                    entry["served"] += event.quantity
            if transaction and event.local_hour is not None:
                hourly[(key, event.local_day, event.local_hour, event.channel)] += event.quantity
                hourly_monthly[(key, month, event.local_day.weekday(), event.local_hour, event.channel)] += \
                    event.quantity
    for table, rows, when in ((AnalyticsDaily, daily, "day"), (AnalyticsMonthly, monthly, "month")):
        _upsert(session, table.__table__,
                [{"scope": k[0], "agency_id": k[1], when: k[2], "channel": k[3], **dict(zip(MEASURES, v, strict=True))}
                 for k, v in rows.items()],
                ("scope", "agency_id", when, "channel"), MEASURES)
    for table, rows, when in ((AnalyticsServiceDaily, services, "day"), (AnalyticsServiceMonthly, services_monthly,
                                                                          "month")):
        _upsert(session, table.__table__,
                [{"scope": k[0], when: k[1], "service_id": k[2], "channel": k[3], **v} for k, v in rows.items()],
                ("scope", when, "service_id", "channel"), ("served",))
    _upsert(session, AnalyticsHourly.__table__,
            [{"scope": k[0], "day": k[1], "hour": k[2], "channel": k[3], "arrivals": v} for k, v in hourly.items()],
            ("scope", "day", "hour", "channel"), ("arrivals",))
    _upsert(session, AnalyticsHourlyMonthly.__table__,
            [{"scope": k[0], "month": k[1], "weekday": k[2], "hour": k[3], "channel": k[4], "arrivals": v}
             for k, v in hourly_monthly.items()],
            ("scope", "month", "weekday", "hour", "channel"), ("arrivals",))


def within_jangka_waktu(regency_code: str, submitted_at: datetime, decided_at: datetime, working_days: int) -> bool:
    """The SLA fact of an application: decided by the last working day of the service's jangka waktu
    (weekends, national holidays and cuti bersama not counted; 0 days: the same working day)."""
    from mpp_digital.services.applications.working_days import add_working_days
    from mpp_digital.services.queue import national_holidays

    zone = timezone(timedelta(hours=utc_offset_hours(regency_code)))
    due = add_working_days(submitted_at.astimezone(zone).date(), max(0, working_days), holidays=national_holidays())
    return decided_at.astimezone(zone).date() <= due


def build_event(
    *,
    session: Session,
    kind: str,
    outcome: str,
    site_id: int,
    agency_id: int,
    channel: str,
    occurred_at: datetime,
    service_id: int | None = None,
    arrived_at: datetime | None = None,
    wait_seconds: int | None = None,
    service_seconds: int | None = None,
    sla_met: bool | None = None,
    satisfaction: int | None = None,
    quantity: int = 1,
    source: str = "app",
    source_ref: str | None = None,
    site_cache: dict[int, MppSite] | None = None,
    derive_sla: bool = True,
    hour_known: bool = True,
) -> ServiceEvent:
    """Validate one event and derive its local day and hour (does not store it)."""
    kind, outcome, channel = str(kind), str(outcome), str(channel)
    if kind not in {k.value for k in EventKind}:
        raise ValidationError("kind", "analytics.bad_kind")
    allowed = {EventKind.QUEUE: {"served", "not_served"}, EventKind.APPLICATION: {"submitted", "served", "not_served"},
               EventKind.SURVEY: {"answered"}, EventKind.COMPLAINT: {"opened", "closed"}}[EventKind(kind)]
    if outcome not in allowed:
        raise ValidationError("outcome", "analytics.bad_outcome")
    if channel not in CHANNELS:
        raise ValidationError("channel", "analytics.bad_channel")
    if occurred_at.tzinfo is None:
        raise ValidationError("occurred_at", "analytics.naive_time")
    if quantity < 1:
        raise ValidationError("quantity", "analytics.bad_quantity")
    for name, value in (("wait_seconds", wait_seconds), ("service_seconds", service_seconds)):
        if value is not None and value < 0:
            raise ValidationError(name, "analytics.negative")
    if satisfaction is not None and not 25 <= satisfaction <= 100:
        raise ValidationError("satisfaction", "analytics.bad_satisfaction")
    site = site_cache.get(site_id) if site_cache is not None else None
    if site is None:
        site = session.get(MppSite, site_id)
        if site is None:
            raise ValidationError("site", "analytics.no_site_id")
        if site_cache is not None:
            site_cache[site_id] = site
    if derive_sla and sla_met is None and kind == EventKind.QUEUE and wait_seconds is not None:
        sla_met = wait_seconds <= QUEUE_WAIT_STANDARD.total_seconds()
    if derive_sla and sla_met is None and kind == EventKind.APPLICATION and service_id and service_seconds is not None:
        service = session.get(Service, service_id)
        if service is not None:
            sla_met = within_jangka_waktu(site.regency_code, occurred_at - timedelta(seconds=service_seconds),
                                          occurred_at, service.duration_days)
    local = (arrived_at or occurred_at).astimezone(timezone(timedelta(hours=utc_offset_hours(site.regency_code))))
    day = occurred_at.astimezone(local.tzinfo).date()
    return ServiceEvent(
        kind=kind, outcome=outcome, site_id=site_id, agency_id=agency_id, service_id=service_id, channel=channel,
        occurred_at=occurred_at.astimezone(UTC), arrived_at=arrived_at.astimezone(UTC) if arrived_at else None,
        local_day=day, local_hour=local.hour if hour_known else None, wait_seconds=wait_seconds,
        service_seconds=service_seconds,
        sla_met=sla_met, satisfaction=satisfaction, quantity=quantity, source=source, source_ref=source_ref,
    )


def record_service_event(*, session: Session, **fields) -> ServiceEvent:
    """Store one finished transaction, survey answer or complaint step, and update the rollups.

    The one entry point for every writer (queue, applications, surveys, complaints):

    Args:
        session: the caller's session; nothing is committed here (the caller's
            ``session_scope()`` does), so the event and its rollup increments are one transaction.
        kind: ``EventKind`` value: queue, application, survey or complaint.
        outcome: served / not_served (queue, application), answered (survey), opened / closed (complaint).
        site_id, agency_id, service_id: where and what (service_id may be None for a complaint).
        channel: ``Channel`` value: direct, online or mobile.
        occurred_at: when it ended (timezone-aware); its local date is the event's day.
        arrived_at: check-in or submission time, when known; its local hour goes to the heatmap.
        wait_seconds: from check-in to the call (queue), when known.
        service_seconds: at the counter, or from submission to decision (application).
        sla_met: whether the service standard was met; derived when None (queue: wait within
            ``QUEUE_WAIT_STANDARD``; application: decided within the service's jangka waktu, in
            working days, ``within_jangka_waktu``).
        satisfaction: the respondent's IKM 25-100 (survey).
        quantity: 1 for a live transaction; a history row's volume.
        source, source_ref: who wrote it and its id there; (source, source_ref) is unique, so a
            writer that retries with the same ref gets an IntegrityError instead of a double count.

    Returns:
        The stored event.

    Concurrency: every increment is an atomic ``INSERT ... ON CONFLICT DO UPDATE`` (row lock on
    PostgreSQL, database lock on SQLite); the national row of a day is a hot row, fine at queue
    rates (tens of events per second nationwide).
    """
    event = build_event(session=session, **fields)
    session.add(event)
    session.flush()
    apply_to_rollups(session=session, events=[event])
    return event


def _event_sums(e):
    """SQL expressions: each rollup measure summed over ServiceEvent rows."""
    transaction = e.c.kind.in_([EventKind.QUEUE.value, EventKind.APPLICATION.value])
    q = e.c.quantity
    has_wait = and_(transaction, e.c.wait_seconds.isnot(None))
    has_service = and_(transaction, e.c.service_seconds.isnot(None))
    has_sla = and_(transaction, e.c.sla_met.isnot(None))

    def s(cond, value=q):
        return func.coalesce(func.sum(case((cond, value), else_=0)), 0)

    exprs = {
        "served": s(and_(transaction, e.c.outcome == EventOutcome.SERVED.value)),
        "not_served": s(and_(transaction, e.c.outcome == EventOutcome.NOT_SERVED.value)),
        "wait_n": s(has_wait),
        "wait_sum": s(has_wait, cast(e.c.wait_seconds, BigInteger) * q),
        "service_n": s(has_service),
        "service_sum": s(has_service, cast(e.c.service_seconds, BigInteger) * q),
        "sla_n": s(has_sla),
        "sla_met": s(and_(has_sla, e.c.sla_met.is_(True))),
        "survey_n": s(e.c.satisfaction.isnot(None)),
        "survey_sum": s(e.c.satisfaction.isnot(None), cast(e.c.satisfaction, BigInteger) * q),
        "complaints_opened": s(and_(e.c.kind == EventKind.COMPLAINT.value, e.c.outcome == EventOutcome.OPENED.value)),
        "complaints_closed": s(and_(e.c.kind == EventKind.COMPLAINT.value, e.c.outcome == EventOutcome.CLOSED.value)),
    }
    for i, name in enumerate(BUCKETS):
        low = WAIT_BUCKET_EDGES[i] * 60
        cond = e.c.wait_seconds >= low
        if i + 1 < len(WAIT_BUCKET_EDGES):
            cond = and_(cond, e.c.wait_seconds < WAIT_BUCKET_EDGES[i + 1] * 60)
        exprs[name] = s(and_(has_wait, cond))
    return exprs


def rebuild_rollups(*, session: Session, start: date | None = None, end: date | None = None) -> None:
    """Recompute the rollups of [start, end] (everything when both are None) from the events, in SQL.

    Used after bulk loads (the history generator, an import). Site rows are aggregated from
    ``serviceevent`` in one pass; province, national and all-agency rows from the site rows;
    monthly rows from the daily rows. Rows are written in key order, so that one scope's rows sit
    together on disk. The range is widened to whole months (the monthly rows must stay
    complete). Run it for days that live writers are not writing at the same moment.
    """
    start = start.replace(day=1) if start is not None else None
    end = month_end(end) if end is not None else None
    d, sv, hr, e = (AnalyticsDaily.__table__, AnalyticsServiceDaily.__table__, AnalyticsHourly.__table__,
                    ServiceEvent.__table__)
    site = MppSite.__table__

    def in_range(column):
        conds = []
        if start is not None:
            conds.append(column >= start)
        if end is not None:
            conds.append(column <= end)
        return and_(true_(), *conds)

    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # room for the big GROUP BYs to hash in memory
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    for table in (d, sv, hr):
        if postgres and start is None and end is None:
            session.execute(text(f"TRUNCATE {table.name}"))
        else:
            session.execute(delete(table).where(in_range(table.c.day)))

    synthetic = e.c.source.in_(list(SYNTHETIC_SOURCES))
    site_scope_expr = case((synthetic, literal(SYNTHETIC + "s", String)), else_=literal("s", String)) + \
        cast(e.c.site_id, String)
    transaction = e.c.kind.in_([EventKind.QUEUE.value, EventKind.APPLICATION.value])
    sums = _event_sums(e)
    # 1. site x agency rows, straight from the events
    session.execute(insert(d).from_select(
        ["scope", "agency_id", "day", "channel", *MEASURES],
        select(site_scope_expr, e.c.agency_id, e.c.local_day, e.c.channel, *(sums[m] for m in MEASURES))
        .where(in_range(e.c.local_day)).group_by(site_scope_expr, e.c.agency_id, e.c.local_day, e.c.channel)
        .order_by(site_scope_expr, e.c.agency_id, e.c.local_day, e.c.channel)))
    session.execute(insert(sv).from_select(
        ["scope", "day", "service_id", "channel", "agency_id", "served"],
        select(site_scope_expr, e.c.local_day, e.c.service_id, e.c.channel, func.min(e.c.agency_id),
               func.sum(e.c.quantity))
        .where(and_(in_range(e.c.local_day), transaction, e.c.outcome == EventOutcome.SERVED.value,
                    e.c.service_id.isnot(None)))
        .group_by(site_scope_expr, e.c.local_day, e.c.service_id, e.c.channel)
        .order_by(site_scope_expr, e.c.local_day, e.c.service_id, e.c.channel)))
    session.execute(insert(hr).from_select(
        ["scope", "day", "hour", "channel", "arrivals"],
        select(site_scope_expr, e.c.local_day, e.c.local_hour, e.c.channel, func.sum(e.c.quantity))
        .where(and_(in_range(e.c.local_day), transaction, e.c.local_hour.isnot(None)))
        .group_by(site_scope_expr, e.c.local_day, e.c.local_hour, e.c.channel)
        .order_by(site_scope_expr, e.c.local_day, e.c.local_hour, e.c.channel)))

    # 2. province and national rows from the site rows, real and synthetic apart
    def lift(table, keys: list[str], sums_of: Sequence[str], prefix: str) -> None:
        joined = table.join(site, table.c.scope == literal(prefix + "s", String) + cast(site.c.id, String))
        where = and_(table.c.scope.like(prefix + "s%"), in_range(table.c.day))
        province = literal(prefix + "p", String) + func.substr(site.c.regency_code, 1, 2)
        session.execute(insert(table).from_select(
            ["scope", *keys, *sums_of],
            select(province, *(table.c[k] for k in keys), *(func.sum(table.c[m]) for m in sums_of))
            .select_from(joined).where(where).group_by(province, *(table.c[k] for k in keys))
            .order_by(province, *(table.c[k] for k in keys))))
        session.execute(insert(table).from_select(
            ["scope", *keys, *sums_of],
            select(literal(prefix + NATIONAL, String), *(table.c[k] for k in keys),
                   *(func.sum(table.c[m]) for m in sums_of))
            .where(where).group_by(*(table.c[k] for k in keys)).order_by(*(table.c[k] for k in keys))))

    def lift_services(prefix: str) -> None:
        # service rows: the agency is a property of the service, so it is carried, not summed
        joined = sv.join(site, sv.c.scope == literal(prefix + "s", String) + cast(site.c.id, String))
        province = literal(prefix + "p", String) + func.substr(site.c.regency_code, 1, 2)
        sv_where = and_(sv.c.scope.like(prefix + "s%"), in_range(sv.c.day))
        session.execute(insert(sv).from_select(
            ["scope", "day", "service_id", "channel", "agency_id", "served"],
            select(province, sv.c.day, sv.c.service_id, sv.c.channel, func.min(sv.c.agency_id), func.sum(sv.c.served))
            .select_from(joined).where(sv_where).group_by(province, sv.c.day, sv.c.service_id, sv.c.channel)
            .order_by(province, sv.c.day, sv.c.service_id, sv.c.channel)))
        session.execute(insert(sv).from_select(
            ["scope", "day", "service_id", "channel", "agency_id", "served"],
            select(literal(prefix + NATIONAL, String), sv.c.day, sv.c.service_id, sv.c.channel,
                   func.min(sv.c.agency_id), func.sum(sv.c.served))
            .where(sv_where).group_by(sv.c.day, sv.c.service_id, sv.c.channel)
            .order_by(sv.c.day, sv.c.service_id, sv.c.channel)))

    for prefix in ("", SYNTHETIC):
        lift(d, ["agency_id", "day", "channel"], MEASURES, prefix)
        lift_services(prefix)
        lift(hr, ["day", "hour", "channel"], ("arrivals",), prefix)

    # 3. all-agency rows (agency_id = 0) of every scope
    session.execute(insert(d).from_select(
        ["scope", "agency_id", "day", "channel", *MEASURES],
        select(d.c.scope, literal(0), d.c.day, d.c.channel, *(func.sum(d.c[m]) for m in MEASURES))
        .where(and_(d.c.agency_id != 0, in_range(d.c.day))).group_by(d.c.scope, d.c.day, d.c.channel)
        .order_by(d.c.scope, d.c.day, d.c.channel)))

    # 4. monthly rows from the daily rows
    def month_of(column):
        if postgres:
            return cast(func.date_trunc("month", column), Date)
        return func.date(column, "start of month")

    dm, svm, hrm = AnalyticsMonthly.__table__, AnalyticsServiceMonthly.__table__, AnalyticsHourlyMonthly.__table__
    for table in (dm, svm, hrm):
        if postgres and start is None and end is None:
            session.execute(text(f"TRUNCATE {table.name}"))
        else:
            session.execute(delete(table).where(in_range(table.c.month)))
    month = month_of(d.c.day)
    session.execute(insert(dm).from_select(
        ["scope", "agency_id", "month", "channel", *MEASURES],
        select(d.c.scope, d.c.agency_id, month, d.c.channel, *(func.sum(d.c[m]) for m in MEASURES))
        .where(in_range(d.c.day)).group_by(d.c.scope, d.c.agency_id, month, d.c.channel)
        .order_by(d.c.scope, d.c.agency_id, month, d.c.channel)))
    month = month_of(sv.c.day)
    session.execute(insert(svm).from_select(
        ["scope", "month", "service_id", "channel", "agency_id", "served"],
        select(sv.c.scope, month, sv.c.service_id, sv.c.channel, func.min(sv.c.agency_id), func.sum(sv.c.served))
        .where(in_range(sv.c.day)).group_by(sv.c.scope, month, sv.c.service_id, sv.c.channel)
        .order_by(sv.c.scope, month, sv.c.service_id, sv.c.channel)))
    month, weekday = month_of(hr.c.day), _weekday_of(hr.c.day, postgres)
    session.execute(insert(hrm).from_select(
        ["scope", "month", "weekday", "hour", "channel", "arrivals"],
        select(hr.c.scope, month, weekday, hr.c.hour, hr.c.channel, func.sum(hr.c.arrivals))
        .where(in_range(hr.c.day)).group_by(hr.c.scope, month, weekday, hr.c.hour, hr.c.channel)
        .order_by(hr.c.scope, month, weekday, hr.c.hour, hr.c.channel)))


def true_():
    """A literal TRUE condition that renders on SQLite and PostgreSQL."""
    return literal(1) == 1
