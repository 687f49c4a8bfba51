"""/petugas/permohonan: the back office's work list, and /petugas/permohonan/[berkas]: one application
(officers of an agency at a site; site admins: every agency of their site). Scope, filters, claims
and actions are decided by the services (``applications/worklist.py``, ``casefile.py``,
``lifecycle.take_action``); every id from the browser is checked there again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import reflex as rx

from mpp_digital import formatting, routes
from mpp_digital.blocking import in_session, in_thread
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import Role
from mpp_digital.services.applications import casefile, lifecycle, worklist
from mpp_digital.services.applications.workflow import load_workflow
from mpp_digital.services.hours import WIB
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
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _keyset(key: str) -> tuple[date, int] | None:
    """The page start "YYYY-MM-DD|id" as (due date, id); None for the first page (or garbage)."""
    day, _, app_id = key.partition("|")
    try:
        return date.fromisoformat(day), int(app_id)
    except ValueError:
        return None


def _wib_today() -> date:
    """The work list's "today" (WIB: flags for WITA/WIT sites shift by at most two hours)."""
    return utcnow().astimezone(WIB).date()


async def audited_change(state: rx.State, work) -> None:
    """Run ``work(session)`` in a transaction; a refusal of scope (a crafted event) is audited in one of
    its own (the refused one is rolled back) and re-raised for the guard to show."""
    try:
        await in_session(work)
    except lifecycle.ActionRefused as refusal:
        await in_session(lifecycle.record_refusal, refusal=refusal, now=utcnow(), ip_address=client_ip(state))
        raise


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
        after = _keyset(self._after[-1] if self._after else "")
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

    async def _change(self, work, notice_key: str):
        """Run a claim or assignment; a stale row or a refusal says so and shows fresh data."""
        try:
            await audited_change(self, work)
        except lifecycle.ActionRefused:
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
                                                          seen_version=seen, now=now), "office.claimed")

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
                           "office.assigned")



@dataclass
class FieldRow:
    """One label and value of the case file (the citizen's data and answers)."""

    label: str
    value: str


@dataclass
class DocumentRow:
    """A document attached to the application, shown inline through the document route (which logs the read)."""

    id: str
    item: str
    label: str
    url: str
    download_url: str
    is_pdf: bool
    is_image: bool


@dataclass
class HistoryRow:
    """One step of the application's history."""

    at: str
    actor: str
    title: str
    note: str


@dataclass
class ActionRow:
    """An action the workflow offers the officer now."""

    key: str
    label: str
    note_required: bool
    cites: bool
    finishes: bool


class CaseState(rx.State):
    """/petugas/permohonan/[berkas]: one application for the officer: data, documents, history, actions."""

    number: str = ""
    app_id: str = ""
    version: str = ""
    service: str = ""
    site: str = ""
    state_label: str = ""
    is_open: bool = False
    waiting: bool = False
    due: str = ""
    days_left: str = ""
    submitted: str = ""
    fee: str = ""
    citizen: list[FieldRow] = []
    answers: list[FieldRow] = []
    documents: list[DocumentRow] = []
    history: list[HistoryRow] = []
    actions: list[ActionRow] = []
    items: list[Choice] = []
    can_cite: bool = False  # an action (a rejection) cites the unmet requirement item
    assignee: str = ""
    unassigned: bool = False
    missing: bool = False
    error: str = ""
    notice: str = ""

    def _berkas(self) -> str:
        from urllib.parse import unquote

        return unquote(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])[:40]

    async def _read(self):
        who, now, number = principal(), utcnow(), self._berkas()
        lang = (await self.get_state(LangState)).lang
        try:
            case = await in_session(casefile.case_file, principal=who, tracking_number=number, now=now, lang=lang)
        except DomainError as exc:
            self.reset()
            self.missing, self.error = True, await tr(self, exc.key, **exc.params)
            return
        d = case.detail
        self.missing = False
        self.number, self.app_id, self.version = d.tracking_number, str(d.id), str(d.version)
        self.service, self.site, self.state_label = d.service_name, d.site_name, d.state_label
        self.is_open, self.waiting = d.open, d.waits_on_citizen
        self.due = formatting.day(d.due_date, lang)
        left = d.working_days_left
        self.days_left = "" if left is None else formatting.working_days(left, lang) if left >= 0 else await tr(
            self, "office.late", days=formatting.working_days(-left, lang))
        self.submitted = formatting.moment(d.submitted_at, lang)
        self.fee = formatting.rupiah(d.fee_rupiah, lang) if d.fee_rupiah is not None else ""
        self.citizen = [FieldRow(label=await tr(self, key), value=value) for key, value in (
            ("field.full_name", case.citizen_name), ("field.nik", case.citizen_nik),
            ("field.email", case.citizen_email), ("field.phone", case.citizen_phone)) if value]
        self.answers = [FieldRow(label=a.label, value=a.value) for a in d.answers]
        self.documents = [DocumentRow(
            id=str(doc.document_id), item=doc.item_label, label=doc.label,
            url=routes.document_file_url(doc.document_id), download_url=routes.document_file_url(
                doc.document_id, download=True), is_pdf=doc.mime == "application/pdf",
            is_image=doc.mime.startswith("image/")) for doc in d.documents]
        self.history = [HistoryRow(at=formatting.moment(e.at, lang), actor=await tr(self, f"office.actor.{e.actor_kind}"),
                                   title=e.title, note=e.note) for e in d.timeline]
        self.actions = [ActionRow(key=a.key, label=a.label, note_required=a.note_required, cites=a.cites_requirement,
                                  finishes=a.issues_output) for a in case.actions]
        self.items = [Choice(value=k, label=label) for k, label in case.requirement_items]
        self.can_cite = any(a.cites for a in self.actions)
        self.assignee, self.unassigned = case.assignee_name, case.assigned_to is None

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def load(self):
        """Page loader: the application of the URL, if the officer's grants cover it (the view is logged)."""
        self.error, self.notice = "", ""
        await self._read()

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def act(self, form: dict):
        """Take a workflow action with its note (and, for a rejection, the unmet requirement item).

        The version is the one the page showed: when someone acted first, nothing is written, the
        message says so and the page shows the fresh application.
        """
        who, now, ip = principal(), utcnow(), client_ip(self)
        lang = (await self.get_state(LangState)).lang
        action, note = str(form.get("action", ""))[:24], str(form.get("note", ""))[:4000]
        cited = str(form.get("cited_item", "")) or None
        app_id, seen = _int(str(form.get("application_id", ""))) or 0, _int(str(form.get("version", ""))) or 0
        await self._change(lambda: in_thread(
            lifecycle.take_action, ip_address=ip, application_id=app_id, principal=who, action=action, note=note,
            seen_version=seen, now=now, cited_item=cited, lang=lang), "office.done")

    async def _change(self, run, notice_key: str):
        """Run one change; when a rule refuses it (someone acted first, a missing note) the message is shown
        with the fresh application; a refusal of scope is left to the guard."""
        try:
            await run()
        except lifecycle.ActionRefused:
            raise  # audited already
        except DomainError as exc:
            message = await tr(self, exc.key, **exc.params)
            await self._read()
            self.notice, self.error = "", message
            return
        await self._read()
        self.error, self.notice = "", await tr(self, notice_key)

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def claim(self):
        """Take this application (assign it to oneself)."""
        who, now = principal(), utcnow()
        app_id, seen = _int(self.app_id) or 0, _int(self.version) or 0
        await self._change(lambda: audited_change(self, lambda session: worklist.claim(
            session=session, principal=who, application_id=app_id, seen_version=seen, now=now)), "office.claimed")
