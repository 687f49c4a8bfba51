"""Complaints: /pengaduan (file, my complaints, one with its timeline; accept or reopen) and
/petugas/pengaduan (the back office of agency officers and site admins: forward, answer, overdue)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Role
from mpp_digital.services import complaints, documents
from mpp_digital.settings import get_settings
from state.lang import LangState, tr
from state.session import client_ip, principal, protected

STAFF = (Role.OFFICER, Role.SITE_ADMIN)


@dataclass
class ComplaintLine:
    """One complaint in a list."""

    id: str
    number: str
    status: str
    site: str
    agency: str
    category: str
    filed: str
    due: str
    overdue: bool
    confidential: bool


@dataclass
class StepLine:
    """One step of a complaint's timeline."""

    at: str
    label: str
    note: str


@dataclass
class Option:
    """One option of a select."""

    value: str
    label: str


async def _lang(state: rx.State) -> str:
    lang = (await state.get_state(LangState)).lang
    return lang if lang in ("id", "en") else "id"


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _checked(value: object) -> bool:
    return value in (True, "on", "true", "1")


async def _lines(state: rx.State, rows: list[complaints.ComplaintRow]) -> list[ComplaintLine]:
    return [ComplaintLine(id=str(r.id), number=r.tracking_number, status=await tr(state, f"complaint.status.{r.status}"),
                          site=r.site_name, agency=r.agency_name, category=await tr(state, f"complaint.category.{r.category}"),
                          filed=r.filed_at.strftime("%d-%m-%Y"), due=r.due_date.strftime("%d-%m-%Y") if r.due_date else "",
                          overdue=r.overdue, confidential=r.confidential) for r in rows]


class ComplaintCard(rx.State, mixin=True):
    """The complaint card both pages show (a mixin: each page's state has its own copy)."""

    detail_id: str = ""
    detail_number: str = ""
    detail_status: str = ""
    detail_status_label: str = ""
    detail_about: str = ""
    detail_category: str = ""
    detail_description: str = ""
    detail_filer: str = ""
    detail_confidential: bool = False
    detail_due: str = ""
    detail_overdue: bool = False
    detail_can_respond: bool = False
    detail_can_reopen: bool = False
    timeline: list[StepLine] = []
    _seen_version: int = 0

    async def _show_detail(self, detail: complaints.ComplaintDetail) -> None:
        self.detail_id = str(detail.id)
        self.detail_number = detail.tracking_number
        self.detail_status = detail.status
        self.detail_status_label = await tr(self, f"complaint.status.{detail.status}")
        self.detail_about = " · ".join(x for x in (await tr(self, f"complaint.subject.{detail.subject_kind}"),
                                                   detail.site_name, detail.agency_name, detail.service_name) if x)
        self.detail_category = await tr(self, f"complaint.category.{detail.category}")
        self.detail_description = detail.description
        self.detail_filer = detail.filer_name or (await tr(self, "complaint.anonymous_filer") if detail.anonymous else "")
        self.detail_confidential = detail.confidential
        self.detail_due = detail.due_date.strftime("%d-%m-%Y") if detail.due_date else ""
        self.detail_overdue = detail.overdue
        self.detail_can_respond = detail.can_respond
        self.detail_can_reopen = detail.can_reopen
        self._seen_version = detail.version
        self.timeline = [StepLine(at=s.at.strftime("%d-%m-%Y %H:%M UTC"),
                                  label=await tr(self, f"complaint.action.{s.action}"), note=s.note)
                         for s in detail.timeline]


class ComplaintsState(ComplaintCard, rx.State):
    """/pengaduan: the signed-in citizen files complaints and follows their own."""

    sites: list[Option] = []
    services: list[Option] = []
    tickets: list[Option] = []
    applications: list[Option] = []
    subject: str = "service"
    site_id: str = ""
    error: str = ""
    notice: str = ""
    mine: list[ComplaintLine] = []
    attached: list[str] = []  # names of the files attached to the complaint being written
    _document_ids: list[int] = []

    async def _refresh(self) -> None:
        who, site_id, now = principal(), _int(self.site_id), utcnow()

        def read(session):
            choices = complaints.filing_choices(session=session, citizen_id=who.user_id, site_id=site_id)
            return choices, complaints.own_complaints(session=session, citizen_id=who.user_id, now=now)

        choices, rows = await in_session(read)
        self.sites = [Option(c.value, c.label) for c in choices.sites]
        self.services = [Option(c.value, c.label) for c in choices.services]
        self.tickets = [Option(c.value, c.label) for c in choices.tickets]
        self.applications = [Option(c.value, c.label) for c in choices.applications]
        self.mine = await _lines(self, rows)

    async def _open(self, complaint_id: int) -> None:
        who = principal()
        detail = await in_session(complaints.own_complaint, citizen_id=who.user_id, complaint_id=complaint_id,
                                  now=utcnow())
        await self._show_detail(detail)

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader: the form's options and my complaints; ``?no=<id>`` opens one of them."""
        self.error, self.notice, self.detail_id, self.timeline = "", "", "", []
        await self._refresh()
        wanted = _int(self.router.url.query_parameters.get("no", ""))
        if wanted:
            await self._open(wanted)

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_subject(self, value: str):
        """Choose what the complaint is about."""
        self.subject = value if value in complaints.SUBJECT_KINDS else "service"

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_site(self, value: str):
        """Choose the MPP (its services fill the next select)."""
        self.site_id = str(_int(value) or "")
        await self._refresh()

    @rx.event
    @protected(Role.CITIZEN, verified=True)
    async def attach(self, files: list[rx.UploadFile]):
        """Attach evidence (PDF, JPEG, PNG): checked, cleaned and stored encrypted as my private documents."""
        who, limit = principal(), get_settings().document_max_bytes
        self.error = ""
        for upload in files:
            if len(self._document_ids) >= complaints.MAX_ATTACHMENTS:
                self.error = await tr(self, "complaint.too_many_documents", max=complaints.MAX_ATTACHMENTS)
                return
            try:
                data = await documents.read_limited(upload, limit)
                doc = await in_session(documents.store_document, owner_id=who.user_id, kind="pengaduan",
                                       label=(upload.name or "lampiran")[:120], data=data, now=utcnow())
            except DomainError as exc:
                self.error = await tr(self, exc.key, **exc.params)
                return
            self._document_ids = [*self._document_ids, doc.id or 0]
            self.attached = [*self.attached, (upload.name or "lampiran")[:120]]

    @rx.event
    @protected(Role.CITIZEN, verified=True)
    async def file(self, form: dict):
        """File the complaint; the whole form is checked before anything is stored."""
        who, lang = principal(), await _lang(self)
        self.error, self.notice = "", ""
        try:
            complaint = await in_session(
                complaints.file_complaint, citizen_id=who.user_id, subject_kind=self.subject,
                site_id=_int(form.get("site_id") or self.site_id), service_id=_int(form.get("service_id")),
                ticket_id=_int(form.get("ticket_id")), application_id=_int(form.get("application_id")),
                category=str(form.get("category", "")), description=str(form.get("description", "")),
                anonymous=_checked(form.get("anonymous")), confidential=_checked(form.get("confidential")),
                document_ids=list(self._document_ids), now=utcnow(), lang=lang)
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.notice = await tr(self, "complaint.filed", number=complaint.tracking_number)
        self._document_ids, self.attached = [], []
        await self._refresh()
        await self._open(complaint.id or 0)

    @rx.event
    @protected(Role.CITIZEN)
    async def show(self, complaint_id: str):
        """Open one of my complaints with its timeline."""
        self.error = ""
        if _int(complaint_id):
            await self._open(_int(complaint_id) or 0)

    async def _respond(self, action, **kwargs) -> None:
        who = principal()
        complaint_id = _int(self.detail_id) or 0
        self.error, self.notice = "", ""
        try:
            await in_session(action, citizen_id=who.user_id, complaint_id=complaint_id,
                             seen_version=self._seen_version, now=utcnow(), **kwargs)
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            self.error = await tr(self, exc.key, **exc.params)
        else:
            self.notice = await tr(self, "complaint.saved")
        await self._refresh()
        await self._open(complaint_id)

    @rx.event
    @protected(Role.CITIZEN)
    async def accept(self, form: dict):
        """Accept the agency's answer (the complaint is finished)."""
        await self._respond(complaints.accept, note=str(form.get("note", "")))

    @rx.event
    @protected(Role.CITIZEN)
    async def reopen(self, form: dict):
        """Reopen the complaint (once, within 10 working days of the answer)."""
        await self._respond(complaints.reopen, reason=str(form.get("reason", "")))


class ComplaintOfficeState(ComplaintCard, rx.State):
    """/petugas/pengaduan: the complaints of the officer's or site admin's scope; forward, answer."""

    worklist: list[ComplaintLine] = []
    overdue: list[ComplaintLine] = []
    agencies: list[Option] = []
    error: str = ""
    notice: str = ""

    async def _refresh(self) -> None:
        who, now = principal(), utcnow()
        rows = await in_session(complaints.worklist, principal=who, now=now)
        self.worklist = await _lines(self, rows)
        self.overdue = [line for line in self.worklist if line.overdue]

    async def _open(self, complaint_id: int) -> None:
        who, now = principal(), utcnow()

        def read(session):
            detail = complaints.staff_complaint(session=session, principal=who, complaint_id=complaint_id, now=now)
            try:
                agencies = complaints.site_agencies(session=session, principal=who, complaint_id=complaint_id)
            except NotAllowed:  # an officer: forwarding is the site admin's step
                agencies = []
            return detail, agencies

        detail, agencies = await in_session(read)
        self.agencies = [Option(str(a), name) for a, name in agencies]
        await self._show_detail(detail)

    @rx.event
    @protected(*STAFF)
    async def load(self):
        """Page loader: the open complaints of my scope, the overdue ones apart."""
        self.error, self.notice, self.detail_id, self.timeline, self.agencies = "", "", "", [], []
        await self._refresh()

    @rx.event
    @protected(*STAFF)
    async def show(self, complaint_id: str):
        """Open one complaint of my scope (the filer's name hidden when it is anonim)."""
        self.error = ""
        if _int(complaint_id):
            await self._open(_int(complaint_id) or 0)

    async def _act(self, action, **kwargs) -> None:
        who = principal()
        complaint_id = _int(self.detail_id) or 0
        self.error, self.notice = "", ""
        try:
            await in_session(action, principal=who, complaint_id=complaint_id, seen_version=self._seen_version,
                             now=utcnow(), ip_address=client_ip(self), **kwargs)
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            self.error = await tr(self, exc.key, **exc.params)
        else:
            self.notice = await tr(self, "complaint.saved")
        await self._refresh()
        await self._open(complaint_id)

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def forward(self, form: dict):
        """Forward a received complaint to an agency at the site (site admins)."""
        await self._act(complaints.forward, agency_id=_int(form.get("agency_id")), note=str(form.get("note", "")))

    @rx.event
    @protected(*STAFF)
    async def answer(self, form: dict):
        """Answer a forwarded complaint (the agency's officer or the site admin); audited."""
        await self._act(complaints.answer, text=str(form.get("answer", "")))
