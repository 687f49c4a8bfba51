"""The dashboards: /dasbor/daerah (regional head, one regency) and /dasbor/nasional (ministry).

Scope is decided here on the server, never taken from the browser: the regional head's
regency comes from their role grant and is checked with ``authorize(principal(),
Role.REGIONAL_HEAD, regency_code=...)`` on every call (a crafted event naming another
regency, or a state var changed with ``setvar``, gets "not allowed" and an emptied state).
Handlers read rollups only (``services.analytics``) in a worker thread and keep plain strings
and plotly figures for the page.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from mpp_digital.blocking import in_session, in_thread
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Role
from mpp_digital.services import analytics, charts, complaints, reports
from mpp_digital.services.analytics import KPI_METRICS, LOWER_IS_BETTER, Dashboard, Filters, Kpis
from mpp_digital.services.authz import authorize
from state.lang import LangState, tr
from state.session import principal, protected

PILOT_REGENCY = "33.14"  # Sragen: what a superadmin sees first
DEFAULT_COMPARE = ("sragen", "banyumas")
MAX_COMPARE = 6
ALL = "all"


async def _lang(state: rx.State) -> str:
    lang = (await state.get_state(LangState)).lang
    return lang if lang in ("id", "en") else "id"


def _today() -> date:
    return analytics.local_today(utcnow())


def parse_filters(start: str, end: str, agency: str, channel: str, grain: str) -> Filters:
    """Filters from the page's strings (invalid input raises a ValidationError with a message key)."""
    from mpp_digital.errors import ValidationError

    default = analytics.default_filters(_today())
    try:
        first = date.fromisoformat(start) if start else default.start
        last = date.fromisoformat(end) if end else default.end
    except ValueError as exc:
        raise ValidationError("start", "analytics.bad_date") from exc
    try:
        agency_id = int(agency) if agency and agency != ALL else 0
    except ValueError as exc:
        raise ValidationError("agency", "analytics.bad_agency") from exc
    return Filters(start=first, end=last, agency_id=agency_id, channel="" if channel in ("", ALL) else channel,
                   grain=grain or "day")


def kpi_texts(kpis: Kpis, previous: Kpis, lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Values, changes and tones (good / bad / flat) of the KPI cards, formatted for ``lang``."""
    values, changes, tones = {}, {}, {}
    for metric, unit in KPI_METRICS:
        value, before = getattr(kpis, metric), getattr(previous, metric)
        delta = analytics.change(metric, unit, value, before)
        values[metric] = analytics.format_metric(unit, value, lang)
        changes[metric] = analytics.format_change(unit, delta, lang)
        if delta is None or abs(delta) < 1e-9:
            tones[metric] = "flat"
        else:
            tones[metric] = "bad" if (delta > 0) == (metric in LOWER_IS_BETTER) else "good"
    values["grade"] = kpis.ikm_grade
    return values, changes, tones


def synthetic_text(share: float | None, lang: str) -> str:
    """The visible "data contoh" label of a view: empty when none of its figures is synthetic."""
    from mpp_digital.i18n import t

    if not share:
        return ""
    return t("synthetic.share", lang, share=analytics.format_metric("percent", share, lang))


def sample_label(share: float | None, lang: str) -> str:
    """The "data contoh" mark of one table row (empty for real rows)."""
    from mpp_digital.i18n import t

    return t("synthetic.label", lang) if share else ""


def complaint_table(session, flt: Filters, lang: str, site_ids=None) -> list[dict[str, str]]:
    """Complaint figures per site over the filter's period (counts only; synthetic rows marked)."""
    stats = complaints.site_statistics(session=session, start=flt.start, end=flt.end, now=utcnow(),
                                       include_synthetic=analytics.include_synthetic(), site_ids=site_ids)
    return [{"site": r.site_name, "received": analytics.format_metric("count", r.received, lang),
             "finished": analytics.format_metric("count", r.finished, lang),
             "median_days": "–" if r.median_days_to_answer is None else f"{r.median_days_to_answer:.1f}",
             "overdue": analytics.format_metric("count", r.overdue, lang),
             "sample": sample_label(r.synthetic, lang)} for r in stats]


def _period_label(flt: Filters, lang: str) -> str:
    prev = flt.previous()
    return analytics_t("dash.period", lang, start=flt.start.strftime("%d-%m-%Y"), end=flt.end.strftime("%d-%m-%Y"),
                       pstart=prev.start.strftime("%d-%m-%Y"), pend=prev.end.strftime("%d-%m-%Y"))


def analytics_t(key: str, lang: str, **params) -> str:
    """Translate on the server with an explicit language."""
    from mpp_digital.i18n import t

    return t(key, lang, **params)


class RegionalDashboardState(rx.State):
    """/dasbor/daerah: the KPIs and charts of the regional head's own regency."""

    regency_code: str = ""
    regency_name: str = ""
    regency_choices: list[dict[str, str]] = []
    start: str = ""
    end: str = ""
    agency: str = ALL
    channel: str = ALL
    grain: str = "day"
    agency_options: list[dict[str, str]] = []
    kpi_values: dict[str, str] = {}
    kpi_changes: dict[str, str] = {}
    kpi_tones: dict[str, str] = {}
    period_label: str = ""
    has_data: bool = False
    error: str = ""
    fig_trend: dict = {}  # plain figure data (charts.figure_data), not a go.Figure
    fig_agency: dict = {}
    fig_services: dict = {}
    fig_channels: dict = {}
    fig_heatmap: dict = {}
    synthetic_notice: str = ""
    complaint_rows: list[dict[str, str]] = []

    # The regency being shown, as decided on the server (a backend var: the browser cannot set it;
    # ``regency_code`` above is only its display copy).
    _regency: str = ""

    def _authorized_regency(self, requested: str | None = None) -> str:
        """The regency to show, always one the principal holds (a superadmin may pick any).

        ``requested`` is an explicit choice from ``choose_regency``: another regency than the
        principal's own raises NotAllowed. Otherwise the last authorised choice is kept when it
        is still granted, else the principal's own regency.
        """
        who = principal()
        granted = sorted(who.regency_codes(Role.REGIONAL_HEAD))
        superadmin = Role.SUPERADMIN in who.roles
        if requested:
            code = requested
        elif self._regency and (self._regency in granted or superadmin):
            code = self._regency
        else:
            code = granted[0] if granted else PILOT_REGENCY
        authorize(who, Role.REGIONAL_HEAD, regency_code=code)
        return code

    def _compute(self, code: str, flt: Filters, lang: str) -> tuple[Dashboard, list[dict], list[dict], list[dict]]:
        with session_scope() as session:
            scope = analytics.regency_scope(session=session, regency_code=code)
            board = analytics.dashboard(session=session, scope=scope, filters=flt)
            complaints_of = complaint_table(session, flt, lang, scope.site_ids)
            agencies = analytics.agencies_present(session=session, scope=scope)
            who = principal()
            if Role.SUPERADMIN in who.roles:
                sites = analytics.sites_with_regions(session=session)
                choices = sorted({(s["regency_code"], s["regency"]) for s in sites}, key=lambda c: c[1])
            else:
                names = {s["regency_code"]: s["regency"] for s in analytics.sites_with_regions(session=session)}
                choices = [(c, names.get(c, c)) for c in sorted(who.regency_codes(Role.REGIONAL_HEAD))]
        return board, agencies, [{"code": c, "name": n} for c, n in choices], complaints_of

    async def _refresh(self, requested: str | None = None) -> None:
        try:
            code = self._authorized_regency(requested)
        except NotAllowed:
            self.reset()
            raise
        lang = await _lang(self)
        try:
            flt = parse_filters(self.start, self.end, self.agency, self.channel, self.grain)
            board, agencies, choices, self.complaint_rows = await in_thread(self._compute, code, flt, lang)
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error = ""
        self._regency, self.regency_code, self.regency_name = code, code, board.scope.name
        self.regency_choices = choices
        self.start, self.end = flt.start.isoformat(), flt.end.isoformat()
        self.agency_options = [{"id": str(a["id"]), "name": a["name"]} for a in agencies]
        self.kpi_values, self.kpi_changes, self.kpi_tones = kpi_texts(board.kpis, board.previous, lang)
        self.period_label = _period_label(flt, lang)
        self.has_data = board.kpis.served > 0 or board.previous.served > 0
        self.synthetic_notice = synthetic_text(board.synthetic_share, lang)
        self.fig_trend = charts.figure_data(charts.trend_figure(board, lang))
        self.fig_agency = charts.figure_data(charts.agency_figure(board, lang))
        self.fig_services = charts.figure_data(charts.services_figure(board, lang))
        self.fig_channels = charts.figure_data(charts.channel_figure(board, lang))
        self.fig_heatmap = charts.figure_data(charts.heatmap_figure(board, lang))

    @rx.event
    @protected(Role.REGIONAL_HEAD)
    async def load(self):
        """Page loader: the last 30 days of the principal's own regency."""
        self.start, self.end, self.agency, self.channel, self.grain = "", "", ALL, ALL, "day"
        await self._refresh()

    @rx.event
    @protected(Role.REGIONAL_HEAD)
    async def apply(self, form: dict):
        """Apply the filters (date range, agency, channel, trend grain)."""
        self.start = str(form.get("start", self.start) or "")
        self.end = str(form.get("end", self.end) or "")
        self.agency = str(form.get("agency", self.agency) or ALL)
        self.channel = str(form.get("channel", self.channel) or ALL)
        self.grain = str(form.get("grain", self.grain) or "day")
        await self._refresh()

    @rx.event
    @protected(Role.REGIONAL_HEAD)
    async def choose_regency(self, code: str):
        """Switch regency: only to one the principal holds (any, for a superadmin)."""
        await self._refresh(code or None)

    async def _export(self) -> tuple[dict, Filters, str]:
        code = self._authorized_regency()
        lang = await _lang(self)
        flt = parse_filters(self.start, self.end, self.agency, self.channel, self.grain)
        board, _agencies, _choices, _complaints = await in_thread(self._compute, code, flt, lang)
        return reports.dashboard_tables(board, lang), flt, code

    @rx.event
    @protected(Role.REGIONAL_HEAD)
    async def export_xlsx(self):
        """Download the current view as XLSX (the same rounded numbers as the page)."""
        try:
            tables, flt, code = await self._export()
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key, **exc.params))
        return rx.download(data=reports.to_xlsx(tables, flt), filename=f"dasbor-{code}-{flt.start}-{flt.end}.xlsx",
                           mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @rx.event
    @protected(Role.REGIONAL_HEAD)
    async def export_csv(self):
        """Download the current view as CSV (one long table: section, row, column, value)."""
        try:
            tables, flt, code = await self._export()
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key, **exc.params))
        return rx.download(data=reports.to_csv(tables), filename=f"dasbor-{code}-{flt.start}-{flt.end}.csv",
                           mime_type="text/csv")


RANK_KEYS = ("served", "digital_share", "wait_median", "wait_p90", "sla_rate", "ikm", "open_complaints")


class NationalDashboardState(rx.State):
    """/dasbor/nasional: compare any sites, rank all of them, provinces, drill into one site."""

    start: str = ""
    end: str = ""
    agency: str = ALL
    channel: str = ALL
    grain: str = "week"
    agency_options: list[dict[str, str]] = []
    site_options: list[dict[str, str]] = []
    picked: list[str] = []
    compare_names: list[str] = []
    compare_keys: list[str] = []
    compare_rows: list[dict[str, str]] = []
    compare_metric: str = "served"
    fig_compare: dict = {}
    ranking_rows: list[dict[str, str]] = []
    sort_key: str = "served"
    sort_desc: bool = True
    per_capita: bool = False
    province_rows: list[dict[str, str]] = []
    drill_id: str = ""
    drill_name: str = ""
    drill_values: dict[str, str] = {}
    drill_changes: dict[str, str] = {}
    drill_tones: dict[str, str] = {}
    fig_drill_trend: dict = {}
    fig_drill_agency: dict = {}
    fig_drill_services: dict = {}
    fig_drill_heatmap: dict = {}
    period_label: str = ""
    error: str = ""
    synthetic_notice: str = ""
    complaint_rows: list[dict[str, str]] = []
    # the numbers behind the ranking and the comparison, kept on the server (never sent to the page)
    _ranking: list[dict] = []
    _boards: list = []

    def _compute(self, picked: list[int], drill: int, flt: Filters, lang: str = "id") -> dict:
        with session_scope() as session:
            sites = analytics.sites_with_regions(session=session)
            boards = [analytics.dashboard(session=session, scope=analytics.site_scope(session=session, site_id=i),
                                          filters=flt) for i in picked]
            drilled = analytics.dashboard(session=session, scope=analytics.site_scope(session=session, site_id=drill),
                                          filters=flt) if drill else None
            return {
                "sites": sites, "boards": boards, "drill": drilled,
                "ranking": analytics.ranking(session=session, filters=flt),
                "provinces": analytics.provinces(session=session, filters=flt),
                "agencies": analytics.agencies_present(session=session,
                                                       scope=analytics.national_scope(session=session)),
                "complaints": complaint_table(session, flt, lang),
            }

    def _picked_ids(self) -> list[int]:
        ids = []
        for raw in self.picked:
            try:
                ids.append(int(raw))
            except ValueError:
                continue
        return list(dict.fromkeys(ids))[:MAX_COMPARE]

    async def _refresh(self) -> None:
        principal()  # inside a protected handler: the ministry (or superadmin) is signed in
        lang = await _lang(self)
        try:
            flt = parse_filters(self.start, self.end, self.agency, self.channel, self.grain)
            if not self.picked:
                by_slug = {s["slug"]: s["id"] for s in await in_session(analytics.sites_with_regions)}
                self.picked = [str(by_slug[s]) for s in DEFAULT_COMPARE if s in by_slug]
            drill = int(self.drill_id) if self.drill_id else 0
            data = await in_thread(self._compute, self._picked_ids(), drill, flt, lang)
        except (DomainError, ValueError) as exc:
            key = exc.key if isinstance(exc, DomainError) else "analytics.no_site_id"
            self.error = await tr(self, key, **(exc.params if isinstance(exc, DomainError) else {}))
            return
        self.error = ""
        self.start, self.end = flt.start.isoformat(), flt.end.isoformat()
        self.period_label = _period_label(flt, lang)
        self.site_options = [{"id": str(s["id"]), "name": f"{s['name']} ({s['province']})"} for s in data["sites"]]
        self.agency_options = [{"id": str(a["id"]), "name": a["name"]} for a in data["agencies"]]
        boards: list[Dashboard] = data["boards"]
        self.picked = [b.scope.code for b in boards]
        self.compare_names = [b.scope.name for b in boards]
        self.compare_keys = [f"c{i}" for i in range(len(boards))]
        rows = []
        for metric, unit in KPI_METRICS:
            row = {"metric": metric, "label": await tr(self, f"kpi.{metric}")}
            for i, b in enumerate(boards):
                row[f"c{i}"] = analytics.format_metric(unit, getattr(b.kpis, metric), lang)
                row[f"c{i}_d"] = analytics.format_change(
                    unit, analytics.change(metric, unit, getattr(b.kpis, metric), getattr(b.previous, metric)), lang)
            rows.append(row)
        self.compare_rows = rows
        self._boards = boards
        if self.compare_metric not in charts.COMPARE_METRICS:  # state vars can be set from the browser
            self.compare_metric = "served"
        self.fig_compare = charts.figure_data(charts.compare_figure(boards, self.compare_metric, lang))
        self._ranking = [{"id": r["id"], "name": r["name"], "province": r["province"], "kpis": r["kpis"],
                          "synthetic_share": r["synthetic_share"]} for r in data["ranking"]]
        self.complaint_rows = data["complaints"]
        shares = [r["synthetic_share"] for r in data["ranking"] if r["synthetic_share"]]
        every = len(shares) == len(data["ranking"]) and all(share >= 1 for share in shares)
        self.synthetic_notice = (synthetic_text(1.0, lang) if shares and every
                                 else await tr(self, "synthetic.some") if shares else "")
        self._format_ranking(lang)
        self.province_rows = [{
            "code": p["code"], "name": p["name"], "sites": str(p["sites"]),
            "served": analytics.format_metric("count", p["kpis"].served, lang),
            "per_1000": analytics.format_metric("ratio", p["kpis"].per_1000, lang),
            "digital_share": analytics.format_metric("percent", p["kpis"].digital_share, lang),
            "wait_median": analytics.format_metric("minutes", p["kpis"].wait_median, lang),
            "sla_rate": analytics.format_metric("percent", p["kpis"].sla_rate, lang),
            "ikm": analytics.format_metric("index", p["kpis"].ikm, lang),
            "sample": sample_label(p["synthetic_share"], lang),
        } for p in sorted(data["provinces"], key=lambda p: -p["kpis"].served)]
        drilled: Dashboard | None = data["drill"]
        if drilled is not None:
            self.drill_name = drilled.scope.name
            self.drill_values, self.drill_changes, self.drill_tones = kpi_texts(drilled.kpis, drilled.previous, lang)
            self.fig_drill_trend = charts.figure_data(charts.trend_figure(drilled, lang))
            self.fig_drill_agency = charts.figure_data(charts.agency_figure(drilled, lang))
            self.fig_drill_services = charts.figure_data(charts.services_figure(drilled, lang))
            self.fig_drill_heatmap = charts.figure_data(charts.heatmap_figure(drilled, lang))

    def _rank_value(self, row: dict, key: str) -> float:
        k: Kpis = row["kpis"]
        value = getattr(k, key)
        if self.per_capita and key in ("served", "open_complaints"):
            value = value * 1000 / k.population if k.population and value is not None else None
        if value is None:
            return float("-inf") if self.sort_desc else float("inf")
        return float(value)

    def _format_ranking(self, lang: str) -> None:
        key = self.sort_key if self.sort_key in RANK_KEYS else "served"
        valid = [r for r in self._ranking if isinstance(r, dict) and isinstance(r.get("kpis"), Kpis)]
        ordered = sorted(valid, key=lambda r: self._rank_value(r, key), reverse=self.sort_desc)
        rows = []
        for i, r in enumerate(ordered):
            k: Kpis = r["kpis"]

            def count(value: int, population: int = k.population) -> str:
                if self.per_capita:
                    return analytics.format_metric("ratio", value * 1000 / population if population else None, lang)
                return analytics.format_metric("count", value, lang)

            rows.append({
                "rank": str(i + 1), "id": str(r["id"]), "name": r["name"], "province": r["province"],
                "served": count(k.served), "digital_share": analytics.format_metric("percent", k.digital_share, lang),
                "wait_median": analytics.format_metric("minutes", k.wait_median, lang),
                "wait_p90": analytics.format_metric("minutes", k.wait_p90, lang),
                "sla_rate": analytics.format_metric("percent", k.sla_rate, lang),
                "ikm": analytics.format_metric("index", k.ikm, lang),
                "open_complaints": count(k.open_complaints),
                "sample": sample_label(r.get("synthetic_share"), lang),
            })
        self.ranking_rows = rows

    @rx.event
    @protected(Role.MINISTRY)
    async def load(self):
        """Page loader: Sragen and Banyumas side by side, the last 30 days."""
        self.start, self.end, self.agency, self.channel, self.grain = "", "", ALL, ALL, "week"
        self.picked, self.drill_id = [], ""
        await self._refresh()

    @rx.event
    @protected(Role.MINISTRY)
    async def apply(self, form: dict):
        """Apply the filters to the comparison, ranking, provinces and drill-down."""
        self.start = str(form.get("start", self.start) or "")
        self.end = str(form.get("end", self.end) or "")
        self.agency = str(form.get("agency", self.agency) or ALL)
        self.channel = str(form.get("channel", self.channel) or ALL)
        self.grain = str(form.get("grain", self.grain) or "week")
        await self._refresh()

    @rx.event
    @protected(Role.MINISTRY)
    async def add_compare(self, site_id: str):
        """Add a site to the comparison (at most six)."""
        if not site_id:
            return
        if len(self.picked) >= MAX_COMPARE:
            return rx.toast.warning(await tr(self, "dash.compare.too_many"))
        if site_id not in self.picked:
            self.picked = [*self.picked, site_id]
        await self._refresh()

    @rx.event
    @protected(Role.MINISTRY)
    async def remove_compare(self, site_id: str):
        """Remove a site from the comparison."""
        self.picked = [p for p in self.picked if p != site_id] or self.picked
        await self._refresh()

    @rx.event
    @protected(Role.MINISTRY)
    async def set_compare_metric(self, metric: str | list[str]):
        """Which indicator the comparison's trend chart shows."""
        if isinstance(metric, list):
            metric = metric[0] if metric else ""
        self.compare_metric = metric if metric in charts.COMPARE_METRICS else "served"
        boards = [b for b in self._boards if isinstance(b, Dashboard)]
        if not boards:
            await self._refresh()
            boards = [b for b in self._boards if isinstance(b, Dashboard)]
        self.fig_compare = charts.figure_data(charts.compare_figure(boards, self.compare_metric, await _lang(self)))

    @rx.event
    @protected(Role.MINISTRY)
    async def sort_by(self, key: str):
        """Sort the ranking by a KPI (again on the same KPI: reverse the order)."""
        if key not in RANK_KEYS:
            return
        self.sort_desc = not self.sort_desc if key == self.sort_key else key not in LOWER_IS_BETTER
        self.sort_key = key
        self._format_ranking(await _lang(self))

    @rx.event
    @protected(Role.MINISTRY)
    async def set_per_capita(self, value: bool):
        """Counts in the ranking raw, or per 1,000 residents."""
        self.per_capita = bool(value)
        self._format_ranking(await _lang(self))

    @rx.event
    @protected(Role.MINISTRY)
    async def drill(self, site_id: str):
        """Open one site's full dashboard below the ranking."""
        self.drill_id = site_id
        await self._refresh()

    @rx.event
    @protected(Role.MINISTRY)
    async def close_drill(self):
        """Close the drill-down."""
        self.drill_id, self.drill_name = "", ""
        self.drill_values, self.drill_changes, self.drill_tones = {}, {}, {}

    async def _export_tables(self) -> tuple[dict, Filters]:
        lang = await _lang(self)
        flt = parse_filters(self.start, self.end, self.agency, self.channel, self.grain)
        drill = int(self.drill_id) if self.drill_id else 0
        data = await in_thread(self._compute, self._picked_ids(), drill, flt)
        tables = reports.comparison_tables(data["boards"], lang)
        tables["ranking"] = reports.ranking_table(data["ranking"], lang)
        tables["provinces"] = reports.ranking_table(
            [{"name": p["name"], "regency": "", "province": p["name"], "kpis": p["kpis"]} for p in data["provinces"]],
            lang).drop(columns=["regency"])
        if data["drill"] is not None:
            drilled = reports.dashboard_tables(data["drill"], lang)
            tables["drill_kpi"] = drilled["kpi"]
        return tables, flt

    @rx.event
    @protected(Role.MINISTRY)
    async def export_xlsx(self):
        """Download the current view (comparison, ranking, provinces, drill-down) as XLSX."""
        try:
            tables, flt = await self._export_tables()
        except (DomainError, ValueError):
            return rx.toast.error(await tr(self, "analytics.bad_date"))
        return rx.download(data=reports.to_xlsx(tables, flt), filename=f"dasbor-nasional-{flt.start}-{flt.end}.xlsx",
                           mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @rx.event
    @protected(Role.MINISTRY)
    async def export_csv(self):
        """Download the current view as CSV (one long table: section, row, column, value)."""
        try:
            tables, flt = await self._export_tables()
        except (DomainError, ValueError):
            return rx.toast.error(await tr(self, "analytics.bad_date"))
        return rx.download(data=reports.to_csv(tables), filename=f"dasbor-nasional-{flt.start}-{flt.end}.csv",
                           mime_type="text/csv")


def previous_month_text() -> str:
    """The last full month (YYYY-MM), the report's default."""
    return reports.previous_month(_today()).strftime("%Y-%m")

