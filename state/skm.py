"""The SKM survey (issue 14): the citizen's questionnaire at /survei/[survey_ref], and the SKM
section of both dashboards (IKM per unit with n, the sample flag, mutu, the weakest unsur first,
the straight-lining share, and links to each unit's report).

Scope is decided on the server: the questionnaire only for the signed-in citizen's own finished
visit; the regional section only for a regency the principal holds (the one the regional
dashboard shows), the national one for the ministry.
"""

from __future__ import annotations

import reflex as rx

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import Role
from mpp_digital.services import analytics, surveys
from mpp_digital.services.authz import authorize
from mpp_digital.services.surveys import questionnaire
from mpp_digital.services.surveys.questionnaire import PROFILE_FIELDS, UNSUR
from state.dashboard import PILOT_REGENCY, RegionalDashboardState
from state.lang import LangState, tr
from state.session import principal, protected

SARAN_MAX = questionnaire.SARAN_MAX  # the page's limit on the saran field (pages do not import services)


async def _lang(state: rx.State) -> str:
    lang = (await state.get_state(LangState)).lang
    return lang if lang in ("id", "en") else "id"


def questions() -> list[dict[str, str]]:
    """The nine questions with their four answers (``a1``..``a4``: score 1..4), in both languages
    (``_id`` / ``_en``: the page shows the reader's, and switches without a reload)."""
    rows = []
    for u in UNSUR:
        row = {"key": u.key, "number": str(u.number)}
        for lang in ("id", "en"):
            row |= {f"name_{lang}": u.name[lang], f"question_{lang}": u.question[lang],
                    **{f"a{i + 1}_{lang}": a[lang] for i, a in enumerate(u.answers)}}
        rows.append(row)
    return rows


def profile_options() -> dict[str, list[dict[str, str]]]:
    """The profile choices per field, in both languages."""
    return {f: [{"value": code, "label_id": label["id"], "label_en": label["en"]} for code, label in choices.items()]
            for f, choices in PROFILE_FIELDS.items()}


class SurveyState(rx.State):
    """/survei/[survey_ref]: the SKM questionnaire of one of my served visits (optional)."""

    service: str = ""
    site: str = ""
    answered: bool = False
    done: bool = False
    error: str = ""
    field_errors: dict[str, str] = {}
    items: list[dict[str, str]] = []
    options: dict[str, list[dict[str, str]]] = {}

    def _ref(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /survei/<ref>

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader: the visit, and whether it has been rated already."""
        self.reset()
        try:
            offer = await in_session(surveys.offer, citizen_id=principal().user_id, ref=self._ref())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.service, self.site, self.answered = offer.service_name, offer.site_name, offer.answered
        self.items, self.options = questions(), profile_options()

    @rx.event
    @protected(Role.CITIZEN)
    async def submit(self, form: dict):
        """Store the answers (all nine 1-4; profile and saran optional); once per visit."""
        self.error, self.field_errors = "", {}
        answers = {u.key: form.get(u.key) for u in UNSUR}
        profile = {f: form.get(f) for f in PROFILE_FIELDS}
        try:
            await in_session(surveys.submit, citizen_id=principal().user_id, ref=self._ref(), answers=answers,
                             profile=profile, saran=str(form.get("saran") or ""), now=utcnow())
        except ValidationError as exc:
            message = await tr(self, exc.key, **exc.params)
            self.field_errors = {exc.field: message}
            self.error = message
            return
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            if exc.key == "survey.already":
                self.answered = True
            return
        self.done, self.answered = True, True


def _unit_row(r: surveys.Result, period: str, lang: str, unsur_names: list[str]) -> dict[str, str]:
    ikm = r.ikm
    return {
        "key": r.key, "name": r.name, "site": r.site, "region": r.region, "n": str(r.n),
        "population": str(r.population), "minimum": str(r.minimum), "sufficient": "1" if r.sufficient else "",
        "ikm": str(ikm.converted) if ikm else "—", "mutu": ikm.mutu if ikm else "—",
        "straight": f"{ikm.straight_share} %" if ikm else "—",
        "weakest": f"U{ikm.weakest[0]} {unsur_names[ikm.weakest[0] - 1]} ({ikm.nrr[ikm.weakest[0] - 1]})" if ikm else "—",
        "pdf": routes.skm_report_url(r.key, period, "pdf", lang) if r.level == "unit" else "",
        "csv": routes.skm_report_url(r.key, period, "csv", lang) if r.level == "unit" else "",
    }


MAX_ROWS = 200  # rows of each unit table sent to the page (the report and the CSV have every unit)


class SkmDashboardState(rx.State):
    """The SKM section of /dasbor/daerah (the regional head's regency) and /dasbor/nasional."""

    period: str = ""
    period_options: list[dict[str, str]] = []
    scope_name: str = ""
    total: dict[str, str] = {}
    units: list[dict[str, str]] = []
    units_short: list[dict[str, str]] = []
    levels: list[dict[str, str]] = []  # per province (national) or per site (regional)
    counts: dict[str, str] = {}  # ranked / short / silent (served, no answer yet) / shown
    unsur_rows: list[dict[str, str]] = []
    has_data: bool = False
    error: str = ""
    _mode: str = ""  # regional / national, decided by the loader (a backend var)

    async def _regency(self) -> str:
        """The regency of the regional dashboard, re-authorised here (a superadmin: the pilot's)."""
        who = principal()
        shown = (await self.get_state(RegionalDashboardState))._regency
        granted = sorted(who.regency_codes(Role.REGIONAL_HEAD))
        code = shown or (granted[0] if granted else PILOT_REGENCY)
        authorize(who, Role.REGIONAL_HEAD, regency_code=code)
        return code

    async def _refresh(self) -> None:
        lang = await _lang(self)
        if self._mode == "national":
            authorize(principal(), Role.MINISTRY)
            regency = None
        else:
            regency = await self._regency()
        today = analytics.local_today(utcnow())
        try:
            period = surveys.parse_period(self.period) if self.period else surveys.current_semester(today)
            res: surveys.Results = await in_session(surveys.results, period=period, regency_code=regency)
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error, self.period = "", period.code
        self.period_options = [{"code": p.code, "label": p.code} for p in surveys.period_choices(today)]
        names = [u.name[lang] for u in UNSUR]
        self.scope_name = res.total.name if regency else await tr(self, "skm.dash.total")
        self.total = _unit_row(res.total, period.code, lang, names)
        answered_short = [r for r in res.units_short if r.n > 0]
        self.units = [_unit_row(r, period.code, lang, names) for r in res.units[:MAX_ROWS]]
        self.units_short = [_unit_row(r, period.code, lang, names) for r in answered_short[:MAX_ROWS]]
        self.levels = [_unit_row(r, period.code, lang, names) for r in (res.sites if regency else res.provinces)]
        self.counts = {"ranked": str(len(res.units)), "short": str(len(answered_short)),
                       "silent": str(len(res.units_short) - len(answered_short)), "shown": str(MAX_ROWS)}
        ikm = res.total.ikm
        self.has_data = ikm is not None
        self.unsur_rows = [{"code": f"U{n}", "name": names[n - 1], "nrr": str(ikm.nrr[n - 1])}
                           for n in ikm.weakest] if ikm else []

    async def _load(self, mode: str) -> None:
        self.reset()
        self._mode = mode
        try:
            await self._refresh()
        except NotAllowed:
            self.reset()
            raise

    @rx.event
    @protected(Role.REGIONAL_HEAD)
    async def load_regional(self):
        """Loader of /dasbor/daerah (after the regional dashboard's own): the regency's SKM results."""
        await self._load("regional")

    @rx.event
    @protected(Role.MINISTRY)
    async def load_national(self):
        """Loader of /dasbor/nasional: SKM results of every unit."""
        await self._load("national")

    @rx.event
    @protected(Role.REGIONAL_HEAD, Role.MINISTRY)
    async def choose_period(self, period_code: str):
        """Another semester or year (the scope stays the one the loader decided, re-checked)."""
        if self._mode not in ("regional", "national"):  # no loader ran in this tab
            return
        self.period = str(period_code or "")
        try:
            await self._refresh()
        except NotAllowed:
            self.reset()
            raise
