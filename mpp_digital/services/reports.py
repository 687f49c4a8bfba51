"""Exports of the current dashboard view (CSV, XLSX) and the monthly cross-region PDF report.

The files hold the same rounded numbers the page shows (``analytics.rounded``), so a figure
read from the file equals the one read from the page. PDF charts are drawn with ReportLab's
own graphics (no browser or image exporter needed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
from sqlmodel import Session

from mpp_digital.i18n import t
from mpp_digital.services import analytics
from mpp_digital.services.analytics import KPI_METRICS, Dashboard, Filters, Kpis

Progress = Callable[[float, str], None]


def kpi_rows(kpis: Kpis, previous: Kpis | None, lang: str) -> list[dict]:
    """The KPI cards as rows: metric, label, value, previous value, change (all rounded as shown)."""
    rows = []
    for metric, unit in KPI_METRICS:
        value = getattr(kpis, metric)
        before = getattr(previous, metric) if previous else None
        delta = analytics.change(metric, unit, value, before)
        rows.append({
            "metric": metric,
            "label": t(f"kpi.{metric}", lang),
            "unit": t(f"unit.{unit}", lang),
            "value": analytics.rounded(unit, value),
            "previous": analytics.rounded(unit, before),
            "change": None if delta is None else round(delta * 100 if unit in ("count", "ratio") else delta, 1),
            "shown": analytics.format_metric(unit, value, lang),
        })
    return rows


def dashboard_tables(d: Dashboard, lang: str) -> dict[str, pd.DataFrame]:
    """One table per section of a dashboard view (the sheets of the XLSX)."""
    scope = d.scope.name
    period = f"{d.filters.start.isoformat()} – {d.filters.end.isoformat()}"
    share = analytics.rounded("percent", d.synthetic_share) or 0
    kpi = pd.DataFrame([{"scope": scope, "period": period, **r, "sample_data_pct": share}
                        for r in kpi_rows(d.kpis, d.previous, lang)])
    trend = pd.DataFrame([{
        "period": r["period"].isoformat(), "served": r["served"],
        "digital_share_pct": analytics.rounded("percent", r["digital_share"]),
        "wait_median_min": analytics.rounded("minutes", r["wait_median"]),
        "sla_pct": analytics.rounded("percent", r["sla_rate"]),
    } for r in d.trend])
    mix = pd.DataFrame([{"period": r["period"].isoformat(), "channel": t(f"channel.{r['channel']}", lang),
                         "served": r["served"]} for r in d.channel_mix])
    agencies = pd.DataFrame([{"agency": r["agency"], "served": r["served"],
                              "wait_median_min": analytics.rounded("minutes", r["wait_median"]),
                              "sla_pct": analytics.rounded("percent", r["sla_rate"])} for r in d.by_agency])
    services = pd.DataFrame([{"rank": i + 1, "service": r["service"], "agency": r["agency"], "served": r["served"]}
                             for i, r in enumerate(d.top_services)])
    days = [t(f"weekday.{i}", lang) for i in range(7)]
    heat = pd.DataFrame(d.heatmap, index=days, columns=[f"{h:02d}" for h in range(24)]).reset_index(names="day")
    return {"kpi": kpi, "trend": trend, "channels": mix, "agencies": agencies, "services": services,
            "arrivals": heat}


def comparison_table(dashboards: list[Dashboard], lang: str) -> pd.DataFrame:
    """KPIs of several scopes side by side: one row per KPI, one column per scope."""
    rows = []
    for metric, unit in KPI_METRICS:
        row = {"metric": metric, "label": t(f"kpi.{metric}", lang), "unit": t(f"unit.{unit}", lang)}
        for d in dashboards:
            row[d.scope.name] = analytics.rounded(unit, getattr(d.kpis, metric))
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_tables(dashboards: list[Dashboard], lang: str) -> dict[str, pd.DataFrame]:
    """The ministry's comparison view: the side-by-side KPIs and each scope's trend."""
    tables = {"comparison": comparison_table(dashboards, lang)}
    trend = []
    for d in dashboards:
        for r in d.trend:
            trend.append({"scope": d.scope.name, "period": r["period"].isoformat(), "served": r["served"],
                          "digital_share_pct": analytics.rounded("percent", r["digital_share"]),
                          "wait_median_min": analytics.rounded("minutes", r["wait_median"])})
    tables["trend"] = pd.DataFrame(trend)
    return tables


def ranking_table(rows: list[dict], lang: str) -> pd.DataFrame:
    """The ranking of every site as a table."""
    out = []
    for r in rows:
        k: Kpis = r["kpis"]
        out.append({
            "site": r["name"], "regency": r["regency"], "province": r["province"], "served": k.served,
            "per_1000": analytics.rounded("ratio", k.per_1000),
            "digital_share_pct": analytics.rounded("percent", k.digital_share),
            "wait_median_min": analytics.rounded("minutes", k.wait_median),
            "wait_p90_min": analytics.rounded("minutes", k.wait_p90),
            "sla_pct": analytics.rounded("percent", k.sla_rate), "ikm": analytics.rounded("index", k.ikm),
            "open_complaints": k.open_complaints,
            # the share of the row from the history generator ("data contoh"); 0 for real figures
            "sample_data_pct": analytics.rounded("percent", r.get("synthetic_share")) or 0,
        })
    return pd.DataFrame(out)


def to_xlsx(tables: dict[str, pd.DataFrame], filters: Filters | None = None) -> bytes:
    """The tables as sheets of one workbook."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        if filters is not None:
            pd.DataFrame([{"start": filters.start.isoformat(), "end": filters.end.isoformat(),
                           "agency_id": filters.agency_id or "", "channel": filters.channel or "",
                           "grain": filters.grain}]).to_excel(writer, sheet_name="filters", index=False)
    return buffer.getvalue()


def to_csv(tables: dict[str, pd.DataFrame]) -> bytes:
    """Every table in one long CSV: section, row, column, value (any tool can pivot it back)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "row", "column", "value"])
    for name, frame in tables.items():
        for i, record in enumerate(frame.to_dict("records")):
            for column, value in record.items():
                writer.writerow([name, i + 1, column, "" if value is None or value != value else value])
    return buffer.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- monthly PDF


def previous_month(today: date) -> date:
    """The first day of the last full month before ``today``."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_filters(month: date) -> Filters:
    """The whole calendar month that starts on ``month``."""
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Filters(start=month, end=last, grain="day")


def monthly_report_pdf(*, session: Session, month: date, lang: str, now: datetime,
                       progress: Progress | None = None) -> bytes:
    """KemenPANRB's monthly cross-region report: national KPIs, provinces, ranking, charts."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    say = progress or (lambda _f, _s: None)
    flt = month_filters(month)
    say(0.1, "national")
    national = analytics.dashboard(session=session, scope=analytics.national_scope(session=session), filters=flt)
    say(0.35, "provinces")
    provinces = analytics.provinces(session=session, filters=flt)
    say(0.6, "ranking")
    ranking = analytics.ranking(session=session, filters=flt)
    say(0.8, "pdf")

    styles = getSampleStyleSheet()
    navy = colors.HexColor("#0b3d91")
    story = [
        Paragraph(t("report.title", lang, month=month.strftime("%m/%Y")), styles["Title"]),
        Paragraph(t("report.subtitle", lang, start=flt.start.isoformat(), end=flt.end.isoformat(),
                    made=now.strftime("%Y-%m-%d %H:%M UTC")), styles["Normal"]),
        *([Paragraph(t("synthetic.share", lang, share=analytics.format_metric("percent", national.synthetic_share,
                                                                               lang)), styles["Normal"])]
          if national.synthetic_share else []),
        Spacer(1, 0.4 * cm),
        Paragraph(t("report.national", lang), styles["Heading2"]),
    ]

    from reportlab.lib.styles import ParagraphStyle

    head_style = ParagraphStyle("head", parent=styles["Normal"], fontName="Helvetica-Bold", fontSize=7.5,
                                leading=9, textColor=colors.white)

    def table(rows: list[list], widths: list[float] | None = None) -> Table:
        rows = [[Paragraph(str(cell), head_style) for cell in rows[0]], *rows[1:]]  # headers wrap
        tbl = Table(rows, colWidths=widths, repeatRows=1)
        tbl.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), navy), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTSIZE", (0, 0), (-1, -1), 8), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d2e3")),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f6fb")]),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ]))
        return tbl

    kpis = kpi_rows(national.kpis, national.previous, lang)
    story.append(table([[t("report.col.kpi", lang), t("report.col.value", lang), t("report.col.previous", lang),
                         t("report.col.change", lang)]]
                       + [[r["label"], r["shown"],
                           analytics.format_metric(unit, getattr(national.previous, metric), lang),
                           analytics.format_change(unit, analytics.change(metric, unit, getattr(national.kpis, metric),
                                                                          getattr(national.previous, metric)), lang)]
                          for r, (metric, unit) in zip(kpis, KPI_METRICS, strict=True)],
                       [7 * cm, 3.5 * cm, 3.5 * cm, 3 * cm]))

    # chart: national services per day
    story += [Spacer(1, 0.4 * cm), Paragraph(t("report.chart.trend", lang), styles["Heading3"])]
    drawing = Drawing(17 * cm, 5.5 * cm)
    line = HorizontalLineChart()
    line.x, line.y, line.width, line.height = 1.2 * cm, 0.8 * cm, 15.5 * cm, 4.2 * cm
    line.data = [[r["served"] for r in national.trend] or [0]]
    line.categoryAxis.categoryNames = [r["period"].strftime("%d") for r in national.trend]
    line.categoryAxis.labels.fontSize = 6
    line.valueAxis.labels.fontSize = 7
    line.valueAxis.valueMin = 0
    line.lines[0].strokeColor = navy
    drawing.add(line)
    story.append(drawing)

    story += [PageBreak(), Paragraph(t("report.provinces", lang), styles["Heading2"])]
    head = [t("report.col.province", lang), t("kpi.served", lang), t("kpi.per_1000", lang),
            t("kpi.digital_share", lang), t("kpi.wait_median", lang), t("kpi.sla_rate", lang), t("kpi.ikm", lang)]
    body = []
    for p in sorted(provinces, key=lambda p: -p["kpis"].served):
        k = p["kpis"]
        body.append([p["name"][:28], analytics.format_metric("count", k.served, lang),
                     analytics.format_metric("ratio", k.per_1000, lang),
                     analytics.format_metric("percent", k.digital_share, lang),
                     analytics.format_metric("minutes", k.wait_median, lang),
                     analytics.format_metric("percent", k.sla_rate, lang),
                     analytics.format_metric("index", k.ikm, lang)])
    story.append(table([head] + body, [5 * cm, 2 * cm, 2 * cm, 2.2 * cm, 2.2 * cm, 2 * cm, 1.6 * cm]))

    # chart: digital share per province
    top = sorted(provinces, key=lambda p: -p["kpis"].served)[:15]
    story += [Spacer(1, 0.4 * cm), Paragraph(t("report.chart.digital", lang), styles["Heading3"])]
    drawing = Drawing(17 * cm, 9 * cm)
    bars = HorizontalBarChart()
    bars.x, bars.y, bars.width, bars.height = 5 * cm, 0.5 * cm, 11 * cm, 8.2 * cm
    bars.data = [[round((p["kpis"].digital_share or 0) * 100, 1) for p in top] or [0]]
    bars.categoryAxis.categoryNames = [p["name"][:26] for p in top]
    bars.categoryAxis.labels.fontSize = 6
    bars.valueAxis.valueMin, bars.valueAxis.valueMax = 0, 100
    bars.valueAxis.labels.fontSize = 7
    bars.bars[0].fillColor = colors.HexColor("#f2a900")
    drawing.add(bars)
    drawing.add(String(16.2 * cm, 0.1 * cm, "%", fontSize=7))
    story.append(drawing)

    story += [PageBreak(), Paragraph(t("report.ranking", lang), styles["Heading2"])]
    ranked = sorted(ranking, key=lambda r: -(r["kpis"].per_1000 or 0))
    head = ["#", t("report.col.site", lang), t("kpi.served", lang), t("kpi.per_1000", lang),
            t("kpi.digital_share", lang), t("kpi.wait_median", lang), t("kpi.wait_p90", lang), t("kpi.ikm", lang)]
    body = []
    for i, r in enumerate(ranked):
        k = r["kpis"]
        body.append([str(i + 1), r["name"][:34], analytics.format_metric("count", k.served, lang),
                     analytics.format_metric("ratio", k.per_1000, lang),
                     analytics.format_metric("percent", k.digital_share, lang),
                     analytics.format_metric("minutes", k.wait_median, lang),
                     analytics.format_metric("minutes", k.wait_p90, lang),
                     analytics.format_metric("index", k.ikm, lang)])
    story.append(table([head] + body, [0.8 * cm, 5.6 * cm, 1.8 * cm, 1.7 * cm, 1.9 * cm, 1.9 * cm, 1.9 * cm, 1.4 * cm]))
    story += [Spacer(1, 0.3 * cm), Paragraph(t("report.note", lang), styles["Italic"])]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=1.5 * cm,
                            bottomMargin=1.5 * cm, title=t("report.title", lang, month=month.strftime("%m/%Y")),
                            author="MPP Digital")
    doc.build(story)
    say(1.0, "done")
    return buffer.getvalue()
