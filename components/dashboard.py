"""Pieces the dashboards share: KPI cards, the filter bar, chart boxes, simple tables."""

from __future__ import annotations

import plotly.graph_objects as go
import reflex as rx

from components.i18n import t
from mpp_digital.services.analytics import KPI_METRICS

TONE_COLOURS = {"good": "#137a3f", "bad": "#b42318", "flat": "#5b6478"}


def kpi_card(metric: str, values, changes, tones, prefix: str) -> rx.Component:
    """One KPI: label, value, change against the previous period (green good, red bad)."""
    extra = rx.fragment()
    if metric == "ikm":
        extra = rx.cond(values["grade"] != "", rx.badge(values["grade"], color_scheme="indigo", margin_left="6px"))
    return rx.box(
        rx.text(t(f"kpi.{metric}"), size="1", color="#5b6478", weight="medium"),
        rx.hstack(rx.text(values[metric], size="6", weight="bold", id=f"{prefix}-{metric}", color="#0b1f44"), extra,
                  align="center", spacing="1"),
        rx.text(changes[metric], size="1", id=f"{prefix}-{metric}-change",
                color=rx.match(tones[metric], ("good", TONE_COLOURS["good"]), ("bad", TONE_COLOURS["bad"]),
                               TONE_COLOURS["flat"])),
        border="1px solid #e3e8f0", border_radius="10px", padding="12px 14px", bg="white", min_width="0",
    )


def kpi_grid(values, changes, tones, prefix: str) -> rx.Component:
    """The eight KPI cards."""
    return rx.grid(*(kpi_card(metric, values, changes, tones, prefix) for metric, _unit in KPI_METRICS),
                   columns=rx.breakpoints(initial="2", sm="2", md="4"), spacing="3", width="100%")


def _select(name: str, value, options, all_key: str | None, test_id: str, label_key: str) -> rx.Component:
    items = []
    if all_key:
        items.append(rx.select.item(t(all_key), value="all"))
    return rx.vstack(
        rx.text(t(label_key), size="1", color="#5b6478"),
        rx.select.root(
            rx.select.trigger(id=test_id, min_width="150px"),
            rx.select.content(*items, rx.foreach(options, lambda o: rx.select.item(o["name"], value=o["id"]))),
            name=name, default_value=value, key=value,
        ),
        spacing="1",
    )


def filter_bar(state, on_submit, grain_choices=("day", "week", "month")) -> rx.Component:
    """Date range, agency, channel and trend grain, applied together."""
    channel_options = [rx.select.item(t("dash.all_channels"), value="all")] + [
        rx.select.item(t(f"channel.{c}"), value=c) for c in ("direct", "online", "mobile")]
    return rx.form(
        rx.flex(
            rx.vstack(rx.text(t("dash.start"), size="1", color="#5b6478"),
                      rx.input(type="date", name="start", default_value=state.start, key=state.start, id="flt-start"),
                      spacing="1"),
            rx.vstack(rx.text(t("dash.end"), size="1", color="#5b6478"),
                      rx.input(type="date", name="end", default_value=state.end, key=state.end, id="flt-end"),
                      spacing="1"),
            _select("agency", state.agency, state.agency_options, "dash.all_agencies", "flt-agency", "dash.agency"),
            rx.vstack(rx.text(t("dash.channel"), size="1", color="#5b6478"),
                      rx.select.root(rx.select.trigger(id="flt-channel", min_width="130px"),
                                     rx.select.content(*channel_options), name="channel",
                                     default_value=state.channel, key=state.channel),
                      spacing="1"),
            rx.vstack(rx.text(t("dash.grain"), size="1", color="#5b6478"),
                      rx.select.root(rx.select.trigger(id="flt-grain", min_width="100px"),
                                     rx.select.content(*(rx.select.item(t(f"grain.{g}"), value=g)
                                                         for g in grain_choices)),
                                     name="grain", default_value=state.grain, key=state.grain),
                      spacing="1"),
            rx.button(rx.icon("filter", size=14), t("dash.apply"), type="submit", id="flt-apply"),
            spacing="3", wrap="wrap", align="end",
        ),
        on_submit=on_submit, reset_on_submit=False, width="100%",
    )


def chart(figure, test_id: str) -> rx.Component:
    """A plotly chart in a card."""
    return rx.box(rx.plotly.cartesian(data=figure.to(go.Figure), width="100%", use_resize_handler=True,
                                      config={"displaylogo": False, "responsive": True}),
                  id=test_id, padding="8px", border="1px solid #e3e8f0", border_radius="12px", bg="white",
                  width="100%", min_width="0")


def export_buttons(on_csv, on_xlsx) -> rx.Component:
    """Download the current view."""
    return rx.hstack(
        rx.button(rx.icon("file-spreadsheet", size=14), t("dash.export_xlsx"), on_click=on_xlsx, variant="outline",
                  id="export-xlsx"),
        rx.button(rx.icon("file-text", size=14), t("dash.export_csv"), on_click=on_csv, variant="outline",
                  id="export-csv"),
        spacing="2", wrap="wrap",
    )


def header_cell(key: str) -> rx.Component:
    """A table header with a translated label."""
    return rx.table.column_header_cell(t(key))
