"""/dasbor/daerah (regional head) and /dasbor/nasional (ministry)."""

import plotly.graph_objects as go
import reflex as rx

from components.dashboard import chart, export_buttons, filter_bar, header_cell, kpi_grid
from components.i18n import t
from components.layout import card, notice, page
from pages.skm import skm_section
from state.analytics_admin import HistoryImportState, MonthlyReportState
from state.dashboard import NationalDashboardState as N
from state.dashboard import RegionalDashboardState as R
from state.skm import SkmDashboardState

WIDE = "1280px"


def _regency_picker() -> rx.Component:
    return rx.cond(
        R.regency_choices.length() > 1,
        rx.hstack(
            rx.text(t("dash.region"), size="2", color="#5b6478"),
            rx.select.root(
                rx.select.trigger(id="regency-picker", min_width="220px"),
                rx.select.content(rx.foreach(R.regency_choices,
                                             lambda c: rx.select.item(c["name"], value=c["code"]))),
                value=R.regency_code, on_change=[R.choose_regency, SkmDashboardState.load_regional],
            ),
            align="center", spacing="2",
        ),
    )


def regional() -> rx.Component:
    """/dasbor/daerah."""
    return page(
        rx.flex(
            rx.vstack(
                rx.heading(t("page.dashboard_regional"), ": ", R.regency_name, size="7", id="dash-title"),
                rx.text(t("dash.regional.lead"), color="#5b6478", size="2"),
                spacing="1",
            ),
            export_buttons(R.export_csv, R.export_xlsx),
            justify="between", align="end", wrap="wrap", spacing="3", width="100%",
        ),
        rx.box(_regency_picker(), margin_top="12px"),
        card(filter_bar(R, R.apply), margin_top="12px"),
        notice(R.error, "red", "dash-error"),
        rx.text(R.period_label, size="1", color="#5b6478", id="dash-period", margin_y="10px"),
        rx.cond(~R.has_data & (R.regency_name != ""), rx.callout(t("dash.no_data"), icon="info", margin_bottom="10px")),
        kpi_grid(R.kpi_values, R.kpi_changes, R.kpi_tones, "kpi"),
        rx.grid(
            rx.box(chart(R.fig_trend, "chart-trend"), grid_column=rx.breakpoints(initial="auto", md="span 2")),
            chart(R.fig_channels, "chart-channels"),
            chart(R.fig_heatmap, "chart-heatmap"),
            chart(R.fig_agency, "chart-agency"),
            chart(R.fig_services, "chart-services"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%", margin_top="14px",
        ),
        rx.box(skm_section(), margin_top="14px"),  # SKM (issue 14)
        width=WIDE,
    )


def _compare() -> rx.Component:
    return card(
        rx.flex(
            rx.heading(t("dash.compare.title"), size="4"),
            rx.hstack(
                rx.text(t("dash.compare.pick"), size="1", color="#5b6478"),
                rx.select.root(
                    rx.select.trigger(id="compare-add", min_width="260px"),
                    rx.select.content(rx.foreach(N.site_options, lambda o: rx.select.item(o["name"], value=o["id"]))),
                    value="", on_change=N.add_compare,
                ),
                align="center", spacing="2", wrap="wrap",
            ),
            justify="between", align="center", wrap="wrap", spacing="3",
        ),
        rx.hstack(
            rx.foreach(N.compare_names, lambda name, i: rx.badge(
                name, rx.icon("x", size=12, cursor="pointer", on_click=N.remove_compare(N.picked[i])),
                size="2", variant="soft", class_name="compare-chip")),
            wrap="wrap", spacing="2", margin_y="10px",
        ),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    header_cell("dash.compare.kpi"),
                    rx.foreach(N.compare_names, lambda name: rx.table.column_header_cell(name, class_name="cmp-site")),
                )),
                rx.table.body(rx.foreach(N.compare_rows, lambda row: rx.table.row(
                    rx.table.row_header_cell(row["label"]),
                    rx.foreach(N.compare_keys, lambda key: rx.table.cell(
                        rx.text(row[key], weight="medium", id="cmp-" + row["metric"] + "-" + key),
                        rx.text(row[key + "_d"], size="1", color="#5b6478"),
                    )),
                ))),
                variant="surface", size="1", width="100%", id="compare-table",
            ),
            overflow_x="auto", width="100%",
        ),
        rx.hstack(
            rx.text(t("dash.compare.metric"), size="1", color="#5b6478"),
            rx.segmented_control.root(
                *(rx.segmented_control.item(t(f"kpi.{m}"), value=m)
                  for m in ("served", "digital_share", "wait_median", "sla_rate")),
                value=N.compare_metric, on_change=N.set_compare_metric, size="1",
            ),
            align="center", spacing="2", margin_top="12px", wrap="wrap",
        ),
        rx.plotly.cartesian(data=N.fig_compare.to(go.Figure), width="100%", use_resize_handler=True,
                            config={"displaylogo": False}, id="chart-compare"),
    )


def _sort_header(key: str, label_key: str) -> rx.Component:
    return rx.table.column_header_cell(
        rx.hstack(t(label_key), rx.cond(N.sort_key == key, rx.icon(rx.cond(N.sort_desc, "arrow-down", "arrow-up"),
                                                                     size=12)),
                  spacing="1", align="center", cursor="pointer", on_click=N.sort_by(key), id=f"sort-{key}"),
    )


def _ranking() -> rx.Component:
    return card(
        rx.flex(
            rx.heading(t("dash.ranking.title"), size="4"),
            rx.hstack(rx.switch(checked=N.per_capita, on_change=N.set_per_capita, id="per-capita"),
                      rx.text(t("dash.ranking.per_capita"), size="2"), align="center", spacing="2"),
            justify="between", align="center", wrap="wrap", spacing="3",
        ),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("#"),
                    header_cell("dash.ranking.site"),
                    header_cell("dash.ranking.province"),
                    _sort_header("served", "kpi.served"),
                    _sort_header("digital_share", "kpi.digital_share"),
                    _sort_header("wait_median", "kpi.wait_median"),
                    _sort_header("wait_p90", "kpi.wait_p90"),
                    _sort_header("sla_rate", "kpi.sla_rate"),
                    _sort_header("ikm", "kpi.ikm"),
                    _sort_header("open_complaints", "kpi.open_complaints"),
                    rx.table.column_header_cell(""),
                )),
                rx.table.body(rx.foreach(N.ranking_rows, lambda r: rx.table.row(
                    rx.table.cell(r["rank"]), rx.table.cell(r["name"]), rx.table.cell(r["province"]),
                    rx.table.cell(r["served"]), rx.table.cell(r["digital_share"]), rx.table.cell(r["wait_median"]),
                    rx.table.cell(r["wait_p90"]), rx.table.cell(r["sla_rate"]), rx.table.cell(r["ikm"]),
                    rx.table.cell(r["open_complaints"]),
                    rx.table.cell(rx.button(t("dash.ranking.drill"), size="1", variant="soft",
                                            on_click=N.drill(r["id"]), class_name="drill-button")),
                    class_name="ranking-row",
                ))),
                variant="surface", size="1", width="100%", id="ranking-table",
            ),
            overflow="auto", max_height="520px", width="100%", margin_top="10px",
        ),
    )


def _provinces() -> rx.Component:
    return card(
        rx.heading(t("dash.provinces.title"), size="4", margin_bottom="10px"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(
                    header_cell("dash.ranking.province"), header_cell("dash.provinces.sites"),
                    header_cell("kpi.served"), header_cell("kpi.per_1000"), header_cell("kpi.digital_share"),
                    header_cell("kpi.wait_median"), header_cell("kpi.sla_rate"), header_cell("kpi.ikm"),
                )),
                rx.table.body(rx.foreach(N.province_rows, lambda p: rx.table.row(
                    rx.table.cell(p["name"]), rx.table.cell(p["sites"]), rx.table.cell(p["served"]),
                    rx.table.cell(p["per_1000"]), rx.table.cell(p["digital_share"]), rx.table.cell(p["wait_median"]),
                    rx.table.cell(p["sla_rate"]), rx.table.cell(p["ikm"]),
                ))),
                variant="surface", size="1", width="100%", id="province-table",
            ),
            overflow="auto", max_height="420px", width="100%",
        ),
    )


def _drill() -> rx.Component:
    return rx.cond(
        N.drill_name != "",
        card(
            rx.flex(
                rx.heading(t("dash.ranking.drill"), ": ", N.drill_name, size="4", id="drill-title"),
                rx.button(t("dash.drill.close"), on_click=N.close_drill, size="1", variant="outline"),
                justify="between", align="center", wrap="wrap",
            ),
            rx.box(kpi_grid(N.drill_values, N.drill_changes, N.drill_tones, "drill"), margin_y="12px"),
            rx.grid(
                chart(N.fig_drill_trend, "drill-trend"), chart(N.fig_drill_heatmap, "drill-heatmap"),
                chart(N.fig_drill_agency, "drill-agency"), chart(N.fig_drill_services, "drill-services"),
                columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
            ),
            id="drill",
        ),
    )


def _report() -> rx.Component:
    s = MonthlyReportState
    return card(
        rx.heading(t("dash.report.title"), size="4", margin_bottom="10px"),
        rx.form(
            rx.hstack(
                rx.vstack(rx.text(t("dash.report.month"), size="1", color="#5b6478"),
                          rx.input(type="month", name="month", default_value=s.month, key=s.month, id="report-month"),
                          spacing="1"),
                rx.button(rx.icon("file-down", size=14), t("dash.report.build"), type="submit", loading=s.busy,
                          id="report-build"),
                align="end", spacing="3", wrap="wrap",
            ),
            on_submit=s.build, reset_on_submit=False,
        ),
        rx.cond(s.busy, rx.vstack(rx.progress(value=s.progress, max=100, width="100%"),
                                  rx.text(s.stage, size="1", color="#5b6478"), width="100%", margin_top="10px")),
        rx.box(notice(s.notice, "green", "report-notice"), notice(s.error, "red", "report-error"), margin_top="8px"),
    )


def _import() -> rx.Component:
    s = HistoryImportState
    return card(
        rx.heading(t("dash.import.title"), size="4", margin_bottom="6px"),
        rx.text(t("dash.import.help"), size="1", color="#5b6478"),
        rx.upload(
            rx.vstack(rx.icon("upload", size=18), rx.text(t("dash.import.choose"), size="2"),
                      rx.foreach(rx.selected_files("history-upload"), lambda f: rx.text(f, size="1", weight="bold")),
                      align="center", spacing="1"),
            id="history-upload", multiple=False, max_files=1,
            accept={"text/csv": [".csv"],
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"]},
            border="1px dashed #9fb0cf", border_radius="10px", padding="16px", margin_y="10px", width="100%",
        ),
        rx.hstack(
            rx.button(rx.icon("database", size=14), t("dash.import.start"), loading=s.busy, id="import-start",
                      on_click=s.upload(rx.upload_files(upload_id="history-upload"))),
            rx.button(t("dash.import.template"), variant="ghost", on_click=s.template, id="import-template"),
            spacing="3", wrap="wrap",
        ),
        rx.cond(s.busy, rx.vstack(rx.progress(value=s.progress, max=100, width="100%"),
                                  rx.text(s.stage, size="1", color="#5b6478"), width="100%", margin_top="10px")),
        rx.box(notice(s.notice, "green", "import-notice"), notice(s.error, "red", "import-error"), margin_top="8px"),
        rx.cond(
            s.errors.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(header_cell("dash.import.col.row"), header_cell("dash.import.col.column"),
                                             header_cell("dash.import.col.problem"))),
                rx.table.body(rx.foreach(s.errors, lambda e: rx.table.row(
                    rx.table.cell(e["row"]), rx.table.cell(e["column"]), rx.table.cell(e["problem"]),
                    class_name="import-error-row"))),
                size="1", variant="surface", width="100%"), max_height="300px", overflow="auto", margin_top="8px"),
        ),
    )


def national() -> rx.Component:
    """/dasbor/nasional."""
    return page(
        rx.flex(
            rx.vstack(rx.heading(t("dash.national.title"), size="7", id="dash-title"),
                      rx.text(t("dash.national.lead"), color="#5b6478", size="2"), spacing="1"),
            export_buttons(N.export_csv, N.export_xlsx),
            justify="between", align="end", wrap="wrap", spacing="3", width="100%",
        ),
        card(filter_bar(N, N.apply), margin_top="12px"),
        notice(N.error, "red", "dash-error"),
        rx.text(N.period_label, size="1", color="#5b6478", id="dash-period", margin_y="10px"),
        rx.vstack(
            _compare(),
            _ranking(),
            skm_section(),  # SKM (issue 14)
            _drill(),
            _provinces(),
            rx.grid(_report(), _import(), columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
            spacing="3", width="100%",
        ),
        width=WIDE,
    )
