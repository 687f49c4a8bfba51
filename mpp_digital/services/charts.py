"""Plotly figures of a dashboard view (plain plotly, no reflex; the state hands them to rx.plotly)."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from mpp_digital.i18n import t
from mpp_digital.services.analytics import CHANNELS, Dashboard, rounded

NAVY, AMBER, TEAL, GREY = "#0b3d91", "#f2a900", "#1f9d8b", "#8a93a6"
CHANNEL_COLOURS = {"direct": NAVY, "online": AMBER, "mobile": TEAL}
SITE_COLOURS = (NAVY, AMBER, TEAL, "#c2410c", "#7c3aed", "#0f766e")


def figure_data(fig: go.Figure) -> dict:
    """A figure as the plain data the browser receives: what a page state keeps, because a
    go.Figure is slow to copy and to unpickle (~10 ms each), and states are stored per event."""
    return json.loads(fig.to_json())


def _layout(fig: go.Figure, title: str, height: int = 300) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}}, height=height, margin={"l": 48, "r": 16, "t": 40, "b": 40},
        paper_bgcolor="white", plot_bgcolor="white", font={"family": "Inter, system-ui, sans-serif", "size": 11},
        legend={"orientation": "h", "y": -0.2}, hovermode="closest",
    )
    fig.update_xaxes(gridcolor="#eef1f6")
    fig.update_yaxes(gridcolor="#eef1f6", rangemode="tozero")
    return fig


def trend_figure(d: Dashboard, lang: str) -> go.Figure:
    """Services delivered per period, with the median wait on a second axis."""
    x = [r["period"].isoformat() for r in d.trend]
    fig = go.Figure()
    fig.add_bar(x=x, y=[r["served"] for r in d.trend], name=t("kpi.served", lang), marker_color=NAVY)
    fig.add_scatter(x=x, y=[rounded("minutes", r["wait_median"]) for r in d.trend], name=t("kpi.wait_median", lang),
                    yaxis="y2", mode="lines+markers", line={"color": AMBER, "width": 2}, connectgaps=True)
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": t("dash.axis.wait", lang),
                              "rangemode": "tozero", "showgrid": False})
    return _layout(fig, t("dash.chart.trend", lang))


def agency_figure(d: Dashboard, lang: str, limit: int = 12) -> go.Figure:
    """Services per agency (largest ``limit``), horizontal bars."""
    rows = list(reversed(d.by_agency[:limit]))
    fig = go.Figure(go.Bar(x=[r["served"] for r in rows], y=[r["agency"] for r in rows], orientation="h",
                           marker_color=NAVY, name=t("kpi.served", lang)))
    return _layout(fig, t("dash.chart.agency", lang), height=340)


def services_figure(d: Dashboard, lang: str) -> go.Figure:
    """The top 10 services, horizontal bars."""
    rows = list(reversed(d.top_services))
    labels = [(r["service"][:42] + "…") if len(r["service"]) > 43 else r["service"] for r in rows]
    fig = go.Figure(go.Bar(x=[r["served"] for r in rows], y=labels, orientation="h", marker_color=TEAL,
                           customdata=[r["agency"] for r in rows],
                           hovertemplate="%{y} (%{customdata}): %{x}<extra></extra>"))
    return _layout(fig, t("dash.chart.services", lang), height=340)


def channel_figure(d: Dashboard, lang: str) -> go.Figure:
    """Services per channel per period, stacked."""
    fig = go.Figure()
    for channel in CHANNELS:
        rows = [r for r in d.channel_mix if r["channel"] == channel]
        fig.add_bar(x=[r["period"].isoformat() for r in rows], y=[r["served"] for r in rows],
                    name=t(f"channel.{channel}", lang), marker_color=CHANNEL_COLOURS[channel])
    fig.update_layout(barmode="stack")
    return _layout(fig, t("dash.chart.channels", lang))


def heatmap_figure(d: Dashboard, lang: str) -> go.Figure:
    """Arrivals by weekday and hour."""
    hours = [h for h in range(24) if any(row[h] for row in d.heatmap)] or list(range(7, 17))
    fig = go.Figure(go.Heatmap(z=[[row[h] for h in hours] for row in d.heatmap], x=[f"{h:02d}" for h in hours],
                               y=[t(f"weekday.{i}", lang) for i in range(7)], colorscale="Blues",
                               hovertemplate="%{y} %{x}:00 — %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("dash.axis.hour", lang))
    return _layout(fig, t("dash.chart.heatmap", lang))


COMPARE_METRICS = ("served", "digital_share", "wait_median", "sla_rate")
_UNITS = {"served": "count", "digital_share": "percent", "wait_median": "minutes", "sla_rate": "percent"}


def compare_figure(dashboards: list[Dashboard], metric: str, lang: str) -> go.Figure:
    """One line per scope of a trend indicator (served, digital share, median wait, SLA)."""
    fig = go.Figure()
    for i, d in enumerate(dashboards):
        fig.add_scatter(x=[r["period"].isoformat() for r in d.trend],
                        y=[rounded(_UNITS[metric], r[metric]) for r in d.trend], name=d.scope.name,
                        mode="lines+markers", line={"color": SITE_COLOURS[i % len(SITE_COLOURS)], "width": 2},
                        connectgaps=True)
    return _layout(fig, t(f"kpi.{metric}", lang), height=320)


def empty_figure() -> go.Figure:
    """A blank figure (the default of every chart var)."""
    return go.Figure()
