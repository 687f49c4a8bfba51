""""Laporan hasil SKM" of one service unit and period, as PDF (reportlab) and CSV: the respondent
profile, NRR per unsur, IKM and mutu, the three weakest unsur, and the saran. Who may read it:
the ministry (every unit) and a regional head (units in their own regency)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlmodel import Session, col

from mpp_digital.errors import DomainError
from mpp_digital.i18n import t
from mpp_digital.models import Agency, MppSite, Role, SurveyResponse
from mpp_digital.services import sealing
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.surveys.ikm import Ikm, Sums, ikm_of, minimum_sample, sample_sufficient
from mpp_digital.services.surveys.questionnaire import PROFILE_FIELDS, UNSUR, UNSUR_KEYS, label
from mpp_digital.services.surveys.responses import SARAN_PURPOSE
from mpp_digital.services.surveys.results import Period, _populations

REPORT_ROLES = (Role.MINISTRY, Role.REGIONAL_HEAD)


@dataclass(frozen=True)
class UnitReport:
    """What the report of one unit and period holds (no respondent identity)."""

    site: str
    agency: str
    period: Period
    ikm: Ikm | None
    population: int
    minimum: int
    sufficient: bool
    profile: dict[str, dict[str, int]]  # field -> choice code ("" unanswered) -> count
    saran: list[str]


def parse_unit(unit: str) -> tuple[int, int]:
    """(site id, agency id) of a unit key ``<site>-<agency>``."""
    site, _, agency = (unit or "").partition("-")
    if not (site.isdigit() and agency.isdigit()):
        raise DomainError("survey.not_found")
    return int(site), int(agency)


def unit_report(*, session: Session, principal: Principal | None, site_id: int, agency_id: int,
                period: Period) -> UnitReport:
    """The report of one unit, for the ministry or the regional head of the unit's regency."""
    site, agency = session.get(MppSite, site_id), session.get(Agency, agency_id)
    if site is None or agency is None:
        authorize(principal, *REPORT_ROLES, regency_code="-")  # the same refusal as a foreign unit
        raise DomainError("survey.not_found")
    authorize(principal, *REPORT_ROLES, regency_code=site.regency_code)
    r = SurveyResponse
    rows = session.execute(
        select(*(getattr(r, k) for k in UNSUR_KEYS), r.sex, r.age_band, r.education, r.occupation, r.saran_sealed)
        .where(and_(col(r.site_id) == site_id, col(r.agency_id) == agency_id,
                    col(r.local_day) >= period.start, col(r.local_day) <= period.end))
        .order_by(col(r.local_day), col(r.id))
    ).all()
    sums = Sums.of([tuple(row[:9]) for row in rows])
    profile = {f: dict(Counter((getattr(row, f) or "") for row in rows)) for f in PROFILE_FIELDS}
    saran = [text for row in rows if row.saran_sealed
             for text in [sealing.unseal(row.saran_sealed, purpose=SARAN_PURPOSE) or ""] if text]
    population = _populations(session, period, [site_id]).get((site_id, agency_id), 0)
    return UnitReport(site=site.name, agency=agency.name, period=period, ikm=ikm_of(sums), population=population,
                      minimum=minimum_sample(population), sufficient=sample_sufficient(sums.n, population),
                      profile=profile, saran=saran)


def _summary(rep: UnitReport, lang: str) -> list[tuple[str, str]]:
    ikm = rep.ikm
    return [
        (t("skm.report.unit", lang), f"{rep.agency} — {rep.site}"),
        (t("skm.report.period", lang), rep.period.code),
        (t("skm.col.n", lang), str(ikm.n if ikm else 0)),
        (t("skm.col.population", lang), str(rep.population)),
        (t("skm.col.minimum", lang), str(rep.minimum)),
        (t("skm.col.sample", lang), t("skm.sample.ok" if rep.sufficient else "skm.sample.short", lang)),
        (t("skm.col.ikm_raw", lang), str(ikm.ikm) if ikm else "—"),
        (t("skm.col.ikm", lang), str(ikm.converted) if ikm else "—"),
        (t("skm.col.mutu", lang), f"{ikm.mutu} ({t('skm.kinerja.' + ikm.kinerja, lang)})" if ikm else "—"),
        (t("skm.col.straight", lang), f"{ikm.straight_share} %" if ikm else "—"),
    ]


def _unsur_rows(rep: UnitReport, lang: str) -> list[tuple[str, str, str, str]]:
    if rep.ikm is None:
        return []
    return [(f"U{u.number}", u.name[lang], str(rep.ikm.nrr[i]), str(rep.ikm.nrr_weighted[i]))
            for i, u in enumerate(UNSUR)]


def _weakest(rep: UnitReport, lang: str) -> list[str]:
    if rep.ikm is None:
        return []
    return [f"U{n} {UNSUR[n - 1].name[lang]} ({rep.ikm.nrr[n - 1]})" for n in rep.ikm.weakest[:3]]


def _profile_rows(rep: UnitReport, lang: str) -> list[tuple[str, str, str]]:
    out = []
    for field, choices in PROFILE_FIELDS.items():
        counts = rep.profile.get(field, {})
        for code in [*choices, ""]:
            if counts.get(code):
                out.append((t(f"skm.profile.{field}", lang),
                            label(choices, code, lang) or t("skm.profile.blank", lang), str(counts[code])))
    return out


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def render_csv(rep: UnitReport, lang: str) -> bytes:
    """The report as one long CSV: section, item, value (and the weighted NRR for unsur)."""
    buffer = io.StringIO()
    w = csv.writer(buffer)
    w.writerow(["section", "item", "value", "extra"])
    for name, value in _summary(rep, lang):
        w.writerow(["ringkasan", name, value, ""])
    for code, name, nrr, weighted in _unsur_rows(rep, lang):
        w.writerow(["unsur", f"{code} {name}", nrr, weighted])
    for i, text in enumerate(_weakest(rep, lang), 1):
        w.writerow(["terlemah", str(i), text, ""])
    for field, choice, count in _profile_rows(rep, lang):
        w.writerow(["profil", f"{field}: {choice}", count, ""])
    for i, text in enumerate(rep.saran, 1):
        w.writerow(["saran", str(i), _cell(text), ""])
    return buffer.getvalue().encode("utf-8-sig")


def render_pdf(rep: UnitReport, lang: str) -> bytes:
    """The report as an A4 PDF."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 8),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf7")), ("VALIGN", (0, 0), (-1, -1), "TOP")])

    def table(header: list[str], rows: list, widths: list[float]) -> Table:
        body = [[Paragraph(escape(str(c)), small) for c in row] for row in [header, *rows]]
        tbl = Table(body, colWidths=[w * mm for w in widths], repeatRows=1)
        tbl.setStyle(grid)
        return tbl

    story = [Paragraph(escape(t("skm.report.title", lang)), styles["Title"]),
             Paragraph(escape(f"{rep.agency} — {rep.site} · {rep.period.code}"), styles["Heading3"])]
    if not rep.sufficient:
        story.append(Paragraph(escape(t("skm.sample.short_note", lang, n=rep.ikm.n if rep.ikm else 0,
                                        minimum=rep.minimum)), styles["BodyText"]))
    story += [Spacer(1, 4 * mm), table([t("skm.report.item", lang), t("skm.report.value", lang)],
                                       _summary(rep, lang), [70, 100])]
    story += [Spacer(1, 4 * mm), Paragraph(escape(t("skm.report.unsur", lang)), styles["Heading4"]),
              table(["", t("skm.report.unsur", lang), "NRR", t("skm.report.weighted", lang)],
                    _unsur_rows(rep, lang), [12, 98, 25, 35])]
    story += [Spacer(1, 4 * mm), Paragraph(escape(t("skm.report.weakest", lang)), styles["Heading4"])]
    story += [Paragraph(escape(f"{i}. {text}"), styles["BodyText"]) for i, text in enumerate(_weakest(rep, lang), 1)]
    story += [Spacer(1, 4 * mm), Paragraph(escape(t("skm.report.profile", lang)), styles["Heading4"]),
              table([t("skm.report.item", lang), "", "n"], _profile_rows(rep, lang), [50, 90, 30])]
    story += [Spacer(1, 4 * mm), Paragraph(escape(t("skm.report.saran", lang, count=len(rep.saran))),
                                           styles["Heading4"])]
    story += [Paragraph(escape(f"{i}. {text}"), small) for i, text in enumerate(rep.saran, 1)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=t("skm.report.title", lang), leftMargin=18 * mm,
                      rightMargin=18 * mm).build(story)
    return buffer.getvalue()
