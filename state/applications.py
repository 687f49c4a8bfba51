"""Online applications, citizen side: /permohonan/baru/[layanan] (the form), /permohonan (mine),
/permohonan/[nomor] (one application), /notifikasi (notices).

Every handler is guarded (the principal from the connection's own cookie; an upload's from its
own request, ``state/uploads.py``) and calls services in a thread; no query lives here.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx

from mpp_digital import formatting, routes
from mpp_digital.blocking import in_session, in_thread
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import Role
from mpp_digital.services import documents
from mpp_digital.services.applications import corrections, drafts, forms, lifecycle, notifications, queries
from mpp_digital.settings import get_settings
from state.lang import LangState, tr
from state.nav import NavState
from state.session import client_ip, principal, protected

TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
STEP_DATA, STEP_DOCUMENTS, STEP_REVIEW = 0, 1, 2


async def _lang(state: rx.State) -> str:
    lang = (await state.get_state(LangState)).lang
    return lang if lang in ("id", "en") else "id"


def _path_segment(state: rx.State) -> str:
    return (state.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]


async def _fee_text(state: rx.State, fee: int | None, lang: str) -> str:
    """The fee as the citizen reads it: an amount, free, or decided by the agency's rule."""
    if fee is None:
        return await tr(state, "apply.fee.rule")
    return formatting.rupiah(fee, lang) if fee else await tr(state, "apply.fee.free")


@dataclasses.dataclass
class ChoiceRow:
    """An option of a choice field."""

    value: str
    label: str


@dataclasses.dataclass
class FieldRow:
    """A data field of the form."""

    key: str
    label: str
    help: str
    type: str
    required: bool
    value: str
    max_length: int
    choices: list[ChoiceRow]
    error: str


@dataclasses.dataclass
class SlotRow:
    """A document item of the form."""

    key: str
    label: str
    help: str
    required: bool
    wallet: bool
    accept: str  # "PDF, JPEG, PNG"
    attached: str  # the attached document's label, "" when none
    error: str


@dataclasses.dataclass
class OptionRow:
    """An option of a select (an MPP, a wallet document)."""

    value: str
    label: str


@dataclasses.dataclass
class ReviewRow:
    """A line of the review step."""

    label: str
    value: str


def _answer_params(field: forms.FieldView) -> dict[str, object]:
    """What an answer's message may name (the NIK's length and parts, a text's maximum)."""
    digits = "".join(ch for ch in field.value if ch.isdigit())
    return {"length": len(digits), "code": digits[:6], "date": digits[6:12], "maximum": field.max_length}


def _date_in_words(value: str, lang: str) -> str:
    """An ISO date answer in words ("20 November 2026"); anything else as it was typed."""
    try:
        return formatting.day(date.fromisoformat(value), lang)
    except ValueError:
        return value


def _shown_answer(field: FieldRow, lang: str) -> str:
    """An answer as the review shows it: a choice's label, a date in words."""
    if not field.value:
        return "–"
    if field.type == "choice":
        return next((c.label for c in field.choices if c.value == field.value), field.value)
    return _date_in_words(field.value, lang) if field.type == "date" else field.value


async def _field_rows(state: rx.State, fields, errors: dict[str, str]) -> list[FieldRow]:
    return [FieldRow(key=f.key, label=f.label, help=f.help, type=f.type, required=f.required, value=f.value,
                     max_length=f.max_length, choices=[ChoiceRow(v, lbl) for v, lbl in f.choices],
                     error=await tr(state, errors[f.key], **_answer_params(f)) if f.key in errors else "")
            for f in fields]


async def _slot_rows(state: rx.State, slots, errors: dict[str, str]) -> list[SlotRow]:
    return [SlotRow(key=s.key, label=s.label, help=s.help, required=s.required, wallet=s.wallet,
                    accept=", ".join(TYPE_LABELS.get(a, a) for a in s.accept), attached=s.attached_label,
                    error=await tr(state, errors[s.key]) if s.key in errors else "") for s in slots]


async def _read_upload(files: list[rx.UploadFile]) -> tuple[bytes, str]:
    """The one uploaded file's bytes (refused past the per-file limit without reading it whole)."""
    if not files:
        raise documents.DocumentRejected("doc.empty")
    upload = files[0]
    data = await documents.read_limited(upload, get_settings().document_max_bytes)
    return data, (upload.name or "")[:120]


class ApplyState(rx.State):
    """/permohonan/baru/[layanan]: the multi-step online form (data, documents, review, submit),
    kept as a server-side draft on every step so that a reload resumes it."""

    found: bool = True
    problem: str = ""
    service_slug: str = ""
    service_name: str = ""
    agency_name: str = ""
    duration: str = ""
    sites: list[OptionRow] = []
    site_id: str = ""
    fields: list[FieldRow] = []
    slots: list[SlotRow] = []
    wallet: list[OptionRow] = []
    review: list[ReviewRow] = []
    fee: str = ""
    fee_variants: list[OptionRow] = []
    fee_variant: str = ""
    step: int = 0
    upload_item: str = ""
    upload_label: str = ""
    error: str = ""
    notice: str = ""
    submitting: bool = False
    verified: bool = True
    _draft_id: int = 0

    async def _show(self, view: forms.FormView, errors: dict[str, str] | None = None) -> None:
        errors = errors or {}
        lang = await _lang(self)
        self._draft_id, self.step = view.draft_id, view.step
        self.service_slug, self.service_name, self.agency_name = view.service_slug, view.service_name, view.agency_name
        self.duration = (await tr(self, "service.days", days=view.duration_days) if view.duration_days
                         else await tr(self, "service.same_day"))
        self.sites = [OptionRow(str(s.id), s.name) for s in view.sites]
        self.site_id = str(view.site_id or "")
        self.fields = await _field_rows(self, view.fields, errors)
        self.slots = await _slot_rows(self, view.slots, errors)
        self.wallet = [OptionRow(str(d.id), f"{d.label} ({TYPE_LABELS.get(d.mime, d.mime)})") for d in view.wallet]
        self.fee = await _fee_text(self, view.fee_rupiah, lang)
        self.fee_variants = [OptionRow(k, label) for k, label in view.fee_variants]
        self.fee_variant = view.fee_variant
        site = next((s.label for s in self.sites if s.value == self.site_id), "")
        missing = await tr(self, "apply.not_attached")
        self.review = ([ReviewRow(await tr(self, "apply.site"), site)]
                       + [ReviewRow(f.label, _shown_answer(f, lang)) for f in self.fields]
                       + [ReviewRow(s.label, s.attached or (missing if s.required else "–")) for s in self.slots])

    async def _reload(self, errors: dict[str, str] | None = None) -> None:
        view = await in_session(forms.form_view, citizen_id=principal().user_id, draft_id=self._draft_id,
                                lang=await _lang(self))
        await self._show(view, errors)

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader: start or resume the draft for the service in the address (``?mpp=`` picks the MPP)."""
        self.reset()
        self.verified = principal().email_verified
        slug = _path_segment(self)[:100]
        try:
            view = await in_session(forms.open_form, citizen_id=principal().user_id, service_slug=slug,
                                    site_slug=self.router.url.query_parameters.get("mpp", "")[:80], now=utcnow(),
                                    lang=await _lang(self))
        except DomainError as exc:
            self.found, self.service_slug = False, slug
            self.problem = await tr(self, exc.key, **exc.params)
            return
        await self._show(view)

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_site(self, site_id: str):
        """Choose the MPP that processes the application."""
        if not site_id.isdigit() or not self._draft_id:
            return
        try:
            await in_session(drafts.start_draft, citizen_id=principal().user_id,
                             service_id=await self._service_id(), site_id=int(site_id), now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error = ""
        await self._reload()

    async def _service_id(self) -> int:
        draft = await in_session(drafts.own_draft, citizen_id=principal().user_id, draft_id=self._draft_id)
        return draft.service_id

    @rx.event
    @protected(Role.CITIZEN)
    async def save_data(self, form: dict):
        """Store the data answers (always); go on to the documents when they are all fine."""
        if not self._draft_id:
            return
        answers = {str(k)[:40]: str(v)[:2000] for k, v in form.items()}
        errors = await in_session(drafts.save_draft, citizen_id=principal().user_id, draft_id=self._draft_id,
                                  answers=answers, step=STEP_DOCUMENTS, now=utcnow())
        if errors:
            await in_session(drafts.set_step, citizen_id=principal().user_id, draft_id=self._draft_id,
                             step=STEP_DATA, now=utcnow())
            self.error = await tr(self, "app.incomplete", count=len(errors))
        else:
            self.error = ""
        await self._reload(errors)

    @rx.event
    @protected(Role.CITIZEN)
    async def go_to(self, step: str):
        """Move to a step (back, or on to the review)."""
        if not self._draft_id or step not in ("0", "1", "2"):
            return
        await in_session(drafts.set_step, citizen_id=principal().user_id, draft_id=self._draft_id,
                         step=int(step), now=utcnow())
        self.error = ""
        await self._reload()

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_fee_variant(self, variant: str):
        """Choose the fee variant that applies (new, renewal, lost, damaged...)."""
        if not self._draft_id:
            return
        try:
            await in_session(drafts.choose_fee_variant, citizen_id=principal().user_id, draft_id=self._draft_id,
                             variant=variant[:24], now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        await self._reload()

    @rx.event
    @protected(Role.CITIZEN)
    async def choose_upload(self, item_key: str):
        """Say which requirement the next upload is for."""
        slot = next((s for s in self.slots if s.key == item_key), None)
        self.upload_item, self.upload_label = (slot.key, slot.label) if slot else ("", "")

    @rx.event
    @protected(Role.CITIZEN)
    async def upload(self, files: list[rx.UploadFile]):
        """Store the uploaded file privately (type from its bytes, size limits) and attach it."""
        item_key, draft_id = self.upload_item, self._draft_id
        if not item_key or not draft_id:
            self.error = await tr(self, "apply.choose_item")
            return
        try:
            data, name = await _read_upload(files)
            await in_session(drafts.upload_document, citizen_id=principal().user_id, draft_id=draft_id,
                             item_key=item_key, data=data, name=name, now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            await self._reload({item_key: exc.key})
            return
        self.error, self.upload_item, self.upload_label = "", "", ""
        self.notice = await tr(self, "apply.uploaded")
        await self._reload()

    @rx.event
    @protected(Role.CITIZEN)
    async def reuse(self, item_key: str, document_id: str):
        """Attach a document from "Dokumen saya" to a requirement (where the item allows it)."""
        document_id = str(document_id)
        if not document_id.isdigit() or not self._draft_id:
            return
        try:
            await in_session(drafts.attach_document, citizen_id=principal().user_id, draft_id=self._draft_id,
                             item_key=item_key[:40], document_id=int(document_id), now=utcnow(), reused=True)
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error = ""
        await self._reload()

    @rx.event
    @protected(Role.CITIZEN)
    async def detach(self, item_key: str):
        """Remove the document of a requirement from the draft (it stays in "Dokumen saya")."""
        if not self._draft_id:
            return
        await in_session(drafts.detach_document, citizen_id=principal().user_id, draft_id=self._draft_id,
                         item_key=item_key[:40], now=utcnow())
        await self._reload()

    @rx.event
    @protected(Role.CITIZEN, verified=True)
    async def submit(self):
        """Submit the draft: one application however often it is clicked (the server decides)."""
        if self.submitting or not self._draft_id:
            return
        self.submitting, self.error = True, ""
        yield
        try:
            application = await in_session(drafts.submit_draft, citizen_id=principal().user_id,
                                           draft_id=self._draft_id, now=utcnow(), lang=await _lang(self))
        except drafts.SubmitRefused as exc:
            self.submitting = False
            self.error = await tr(self, exc.key, **exc.params)
            await in_session(drafts.set_step, citizen_id=principal().user_id, draft_id=self._draft_id,
                             step=STEP_DATA if any(f.key in exc.errors for f in self.fields) else STEP_DOCUMENTS,
                             now=utcnow())
            await self._reload(exc.errors)
            return
        except DomainError as exc:
            self.submitting = False
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.submitting = False
        yield rx.redirect(routes.application_url(application.tracking_number))


@dataclasses.dataclass
class ApplicationRow:
    """A row of "Permohonan saya"."""

    tracking_number: str
    href: str
    service: str
    site: str
    state: str
    waits: bool
    open: bool
    submitted: str
    due: str
    left: str


async def _days_left_text(state: rx.State, left: int | None, lang: str) -> str:
    if left is None:
        return ""
    if left < 0:
        return await tr(state, "myapp.overdue", days=formatting.working_days(-left, lang))
    if left == 0:
        return await tr(state, "myapp.due_today")
    return await tr(state, "myapp.days_left", days=formatting.working_days(left, lang))


class MyApplicationsState(rx.State):
    """/permohonan: the signed-in citizen's applications."""

    applications: list[ApplicationRow] = []
    loaded: bool = False

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader."""
        lang = await _lang(self)
        rows = await in_session(queries.applications_of, citizen_id=principal().user_id, now=utcnow(), lang=lang)
        self.applications = [ApplicationRow(
            tracking_number=r.tracking_number, href=routes.application_url(r.tracking_number), service=r.service_name,
            site=r.site_name, state=r.state_label, waits=r.waits_on_citizen, open=r.open,
            submitted=formatting.day_short(r.submitted_at.date(), lang), due=formatting.day(r.due_date, lang),
            left=await _days_left_text(self, r.working_days_left, lang)) for r in rows]
        self.loaded = True


@dataclasses.dataclass
class TimelineRow:
    """One step of the timeline, in citizen words."""

    at: str
    who: str
    title: str
    text: str
    note: str


@dataclasses.dataclass
class AttachedRow:
    """A document attached to the application, openable by its owner (the document route)."""

    label: str
    name: str
    href: str


@dataclasses.dataclass
class ActionRow:
    """An action the citizen may take now."""

    key: str
    label: str


class ApplicationState(rx.State):
    """/permohonan/[nomor]: status timeline, deadline, working days left, the officer's note with
    the way to fix and resubmit, cancel, and the download of the output."""

    found: bool = True
    problem: str = ""
    tracking_number: str = ""
    service: str = ""
    site: str = ""
    state_label: str = ""
    state_text: str = ""
    open: bool = True
    waits: bool = False
    due: str = ""
    left: str = ""
    decided: str = ""
    fee: str = ""
    timeline: list[TimelineRow] = []
    actions: list[ActionRow] = []
    answers: list[ReviewRow] = []
    attached: list[AttachedRow] = []
    return_note: str = ""
    output_href: str = ""  # the signed output's download (the document route checks the cookie)
    output_code: str = ""
    survey_href: str = ""  # the SKM questionnaire once finished (issue 14; optional, gates nothing)
    fix_fields: list[FieldRow] = []
    fix_slots: list[SlotRow] = []
    upload_item: str = ""
    upload_label: str = ""
    error: str = ""
    notice: str = ""
    busy: bool = False
    _application_id: int = 0
    _version: int = 0

    async def _load(self, errors: dict[str, str] | None = None) -> None:
        lang, who = await _lang(self), principal()
        number = _path_segment(self)[:40]
        detail = await in_session(queries.application_detail, principal=who, tracking_number=number, now=utcnow(),
                                  lang=lang)
        if not detail.viewer_is_owner:  # staff read it in the back office, with the access log
            raise DomainError("app.not_found", number=number)
        self._application_id, self._version = detail.id, detail.version
        self.found, self.tracking_number = True, detail.tracking_number
        self.service, self.site = detail.service_name, detail.site_name
        self.state_label, self.state_text = detail.state_label, detail.state_text
        self.open, self.waits = detail.open, detail.waits_on_citizen
        self.due = formatting.day(detail.due_date, lang)
        self.left = await _days_left_text(self, detail.working_days_left, lang)
        self.decided = ""
        if detail.deadline_met is not None:
            self.decided = await tr(self, "myapp.met" if detail.deadline_met else "myapp.missed")
        self.fee = await _fee_text(self, detail.fee_rupiah, lang)
        who_words = {k: await tr(self, f"myapp.actor.{k}") for k in ("citizen", "officer", "system")}
        self.timeline = [TimelineRow(at=formatting.moment(e.at, lang, zone=e.at.tzinfo), who=who_words.get(
            e.actor_kind, e.actor_kind), title=e.title, text=e.text, note=e.note) for e in detail.timeline]
        self.actions = [ActionRow(a.key, a.label) for a in detail.actions if a.key != "perbaiki"]
        self.answers = [ReviewRow(a.label, _date_in_words(a.value, lang) if a.type == "date" else a.value)
                        for a in detail.answers]
        self.attached = [AttachedRow(d.item_label, d.label, routes.document_file_url(d.document_id))
                         for d in detail.documents]
        self.return_note = detail.return_note
        self.output_href = (routes.document_file_url(detail.output_document_id, download=True)
                            if detail.output_document_id else "")
        self.output_code = detail.output_code
        self.survey_href = routes.survey_url(f"a{detail.id}") if not detail.open and detail.output_document_id else ""
        if detail.waits_on_citizen:
            fields, slots = await in_session(forms.correction_form, citizen_id=who.user_id,
                                             application_id=detail.id, lang=lang)
            self.fix_fields = await _field_rows(self, fields, errors or {})
            self.fix_slots = await _slot_rows(self, slots, errors or {})
        else:
            self.fix_fields, self.fix_slots = [], []

    async def _load_or_refuse(self, errors: dict[str, str] | None = None) -> None:
        try:
            await self._load(errors)
        except DomainError as exc:
            number = _path_segment(self)[:40]
            self.reset()
            self.found, self.tracking_number = False, number
            self.problem = await tr(self, exc.key, **{"number": number, **exc.params})

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader; an unknown (or someone else's) number shows a clear not-found panel."""
        self.error, self.notice = "", ""
        await self._load_or_refuse()

    async def _act(self, action: str, note: str = "") -> bool:
        try:
            await in_thread(lifecycle.take_action, application_id=self._application_id, principal=principal(),
                            action=action[:24], note=note, seen_version=self._version, now=utcnow(),
                            lang=await _lang(self), ip_address=client_ip(self))
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            await self._load_or_refuse()
            return False
        self.error = ""
        await self._load_or_refuse()
        return True

    @rx.event
    @protected(Role.CITIZEN)
    async def take(self, action: str):
        """Take a citizen action shown on the page (cancel)."""
        if self.busy or not self._application_id:
            return
        self.busy = True
        yield
        try:
            if await self._act(action):
                self.notice = await tr(self, "myapp.done")
        finally:
            self.busy = False

    @rx.event
    @protected(Role.CITIZEN)
    async def save_fix(self, form: dict):
        """Store corrected data answers of a returned application."""
        if not self._application_id:
            return
        answers = {str(k)[:40]: str(v)[:2000] for k, v in form.items()}
        try:
            errors = await in_session(corrections.revise_answers, citizen_id=principal().user_id,
                                      application_id=self._application_id, answers=answers, now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error = await tr(self, "app.incomplete", count=len(errors)) if errors else ""
        self.notice = "" if errors else await tr(self, "myapp.fix_saved")
        await self._load_or_refuse(errors)

    @rx.event
    @protected(Role.CITIZEN)
    async def choose_upload(self, item_key: str):
        """Say which requirement the replacement upload is for."""
        slot = next((s for s in self.fix_slots if s.key == item_key), None)
        self.upload_item, self.upload_label = (slot.key, slot.label) if slot else ("", "")

    @rx.event
    @protected(Role.CITIZEN)
    async def upload(self, files: list[rx.UploadFile]):
        """Replace the document of one requirement of a returned application with an upload."""
        item_key, application_id = self.upload_item, self._application_id
        if not item_key or not application_id:
            self.error = await tr(self, "apply.choose_item")
            return
        try:
            data, name = await _read_upload(files)
            await in_session(corrections.upload_replacement, citizen_id=principal().user_id,
                             application_id=application_id, item_key=item_key, data=data, name=name, now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error, self.upload_item, self.upload_label = "", "", ""
        self.notice = await tr(self, "apply.uploaded")
        await self._load_or_refuse()

    @rx.event
    @protected(Role.CITIZEN)
    async def resubmit(self):
        """Send the corrected application back to the officer ("perbaiki"); the clock runs again."""
        if self.busy or not self._application_id:
            return
        self.busy = True
        yield
        try:
            if await self._act("perbaiki"):
                self.notice = await tr(self, "myapp.resubmitted")
        finally:
            self.busy = False

@dataclasses.dataclass
class NoticeRow:
    """A notice of the notification centre."""

    id: str
    text: str
    href: str
    at: str
    unread: bool


class NotificationsState(rx.State):
    """/notifikasi: the signed-in person's notices (the bell in the header counts the unread)."""

    notices: list[NoticeRow] = []
    loaded: bool = False

    async def _load(self) -> None:
        lang = await _lang(self)
        rows = await in_session(notifications.notifications_of, user_id=principal().user_id, lang=lang)
        self.notices = [NoticeRow(str(n.id), n.text, n.link, formatting.moment(n.created_at, lang), n.unread)
                        for n in rows]
        self.loaded = True

    @rx.event
    @protected()
    async def load(self):
        """Page loader."""
        await self._load()

    @rx.event
    @protected()
    async def open_notice(self, notification_id: str):
        """Mark a notice read and open what it is about."""
        if not notification_id.isdigit():
            return
        await in_session(notifications.mark_read, user_id=principal().user_id, now=utcnow(),
                         notification_id=int(notification_id))
        href = next((n.href for n in self.notices if n.id == notification_id), routes.APPLICATIONS)
        return rx.redirect(href)

    @rx.event
    @protected()
    async def mark_all_read(self):
        """Mark every notice read."""
        await in_session(notifications.mark_read, user_id=principal().user_id, now=utcnow())
        await self._load()
        (await self.get_state(NavState)).unread = 0

