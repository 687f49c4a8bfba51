"""/petugas/permohonan: the back office's work list (officers of an agency at a site; site admins:
every agency of their site). Scope, filters and claims are decided by the services
(``services/applications/worklist.py``); every id from the browser is checked there again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import reflex as rx

from mpp_digital import formatting, routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Role
from mpp_digital.services.applications import worklist
from mpp_digital.services.applications.workflow import load_workflow
from state.lang import LangState, tr
from state.session import client_ip, principal, protected

DEFAULT_STATES = load_workflow({}).states


@dataclass
class WorkRow:
    """One application in the work list."""

    id: str
    number: str
    href: str
    service: str
    agency: str
    state: str
    state_label: str
    due: str
    due_today: bool
    overdue: bool
    waiting: bool
    assignee: str
    mine: bool
    unassigned: bool
    version: str


@dataclass
class Choice:
    """One option of a filter menu."""

    value: str
    label: str


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _wib_today() -> date:
    """The work list's "today" (WIB: flags for WITA/WIT sites shift by at most two hours)."""
    from mpp_digital.services.hours import WIB

    return utcnow().astimezone(WIB).date()


class WorkListState(rx.State):
    """The work list of /petugas/permohonan: filters, flags, paging, claim and (site admin) assign."""

    rows: list[WorkRow] = []
    due_today_count: int = 0
    overdue_count: int = 0
    f_state: str = ""
    f_service: str = ""
    f_due: str = ""
    f_assigned: str = ""
    f_agency: str = ""
    states: list[Choice] = []
    services: list[Choice] = []
    agencies: list[Choice] = []  # more than one: the site admin may narrow to one agency
    can_assign: bool = False
    officers: list[Choice] = []  # the officers an application may be assigned to (site admin)
    assign_for: str = ""  # the application whose assignee is being chosen
    page_number: int = 1
    has_next: bool = False
    error: str = ""
    notice: str = ""
    _after: list[str] = []  # keyset of each page start after the first: "YYYY-MM-DD|id"
    _next: str = ""  # the keyset of the page after this one ("" on the last page)

    def _filters(self) -> worklist.WorkFilter:
        return worklist.WorkFilter(state=self.f_state, service_id=_int(self.f_service),
                                   due=self.f_due if self.f_due in worklist.DUE_FILTERS else "",
                                   assigned=self.f_assigned if self.f_assigned in worklist.ASSIGNED_FILTERS else "",
                                   agency_id=_int(self.f_agency))

    async def _reload(self):
        who, filters, today = principal(), self._filters(), _wib_today()
        key = self._after[-1] if self._after else ""
        after = (date.fromisoformat(key.split("|")[0]), int(key.split("|")[1])) if key else None
        lang = (await self.get_state(LangState)).lang

        def read(session):
            page = worklist.work_list(session=session, principal=who, today=today, filters=filters, after=after)
            flags = worklist.count_flags(session=session, principal=who, today=today)
            return page, flags

        page, flags = await in_session(read)
        self.due_today_count, self.overdue_count = flags["due_today"], flags["overdue"]
        self.has_next = page.next_after is not None
        self._next = f"{page.next_after[0].isoformat()}|{page.next_after[1]}" if page.next_after else ""
        self.rows = [WorkRow(
            id=str(i.application_id), number=i.tracking_number, href=routes.office_case_url(i.tracking_number),
            service=i.service_name, agency=i.agency_name, state=i.state,
            state_label=DEFAULT_STATES[i.state].label_in(lang) if i.state in DEFAULT_STATES else i.state,
            due=formatting.day_short(i.due_date, lang), due_today=i.due_today, overdue=i.overdue,
            waiting=i.waiting_on_citizen, assignee=i.assignee_name, mine=i.assigned_to == who.user_id,
            unassigned=i.assigned_to is None, version=str(i.version)) for i in page.items]

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def load(self):
        """Page loader: the filter menus and the first page."""
        who = principal()
        self.error, self.notice, self._after, self.page_number, self.assign_for = "", "", [], 1, ""
        lang = (await self.get_state(LangState)).lang
        choices = await in_session(worklist.filter_choices, principal=who)
        self.states = [Choice(value=k, label=s.label_in(lang)) for k, s in DEFAULT_STATES.items()]
        self.services = [Choice(value=str(i), label=name) for i, name in choices.services]
        self.agencies = [Choice(value=str(i), label=name) for i, name in choices.agencies]
        self.can_assign = who.has_role(Role.SITE_ADMIN)
        await self._reload()

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def set_filter(self, name: str, value: str):
        """Change one filter (state, service, due, assigned, agency) and show its first page."""
        if name not in ("state", "service", "due", "assigned", "agency"):
            return
        setattr(self, f"f_{name}", value[:40])
        self._after, self.page_number, self.error, self.notice = [], 1, "", ""
        await self._reload()

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def next_page(self):
        """The next page (keyset: the deadline and id after this page's last row)."""
        if not self._next:
            return
        self._after = [*self._after, self._next]
        self.page_number += 1
        await self._reload()

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def first_page(self):
        """Back to the first page."""
        self._after, self.page_number = [], 1
        await self._reload()

    async def _change(self, work, notice_key: str, application_id: str):
        """Run a claim or assignment; a stale row or a refusal says so and shows fresh data."""
        who, now, ip = principal(), utcnow(), client_ip(self)
        try:
            await in_session(work)
        except NotAllowed:
            await in_session(worklist.record_refusal, principal=who, application_id=_int(application_id) or 0,
                             action=notice_key.rsplit(".", 1)[-1], now=now, ip_address=ip)
            raise
        except DomainError as exc:
            self.notice, self.error = "", await tr(self, exc.key, **exc.params)
            await self._reload()
            return
        self.error, self.notice = "", await tr(self, notice_key)
        await self._reload()

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def claim(self, application_id: str, version: str):
        """Take an application (assign it to oneself); the version is the one shown in the row."""
        who, now = principal(), utcnow()
        app_id, seen = _int(application_id) or 0, _int(version) or 0
        await self._change(lambda session: worklist.claim(session=session, principal=who, application_id=app_id,
                                                          seen_version=seen, now=now), "office.claimed", application_id)

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def choose_assignee(self, application_id: str):
        """Open the assignment menu of one application: the officers whose grant covers it."""
        who, app_id = principal(), _int(application_id) or 0
        officers = await in_session(worklist.assignable_officers, principal=who, application_id=app_id)
        self.officers = [Choice(value=str(uid), label=name) for uid, name in officers]
        self.assign_for = application_id

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def assign(self, form: dict):
        """Assign (or unassign: empty officer) the application ``form["application_id"]``."""
        who, now = principal(), utcnow()
        app_id, seen = _int(str(form.get("application_id", ""))) or 0, _int(str(form.get("version", ""))) or 0
        assignee = _int(str(form.get("assignee", "")))
        self.assign_for = ""
        await self._change(lambda session: worklist.assign(session=session, principal=who, application_id=app_id,
                                                           assignee_id=assignee, seen_version=seen, now=now),
                           "office.assigned", str(app_id))

