"""A citizen's online form, kept server-side step by step, and the one submission that ends it.

A draft is the citizen's own (every function takes ``citizen_id`` and refuses another's draft as
not found). Its data answers are sealed (personal data); its documents map a requirement item
to one of the citizen's stored documents. ``submit_draft`` turns it into exactly one
``Application`` however often and however concurrently it is called.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    Application,
    ApplicationDocument,
    ApplicationDraft,
    ApplicationEvent,
    Channel,
    EventKind,
    EventOutcome,
    MppSite,
    Service,
    SiteService,
    StoredDocument,
    User,
)
from mpp_digital.services import analytics, assurance, fees
from mpp_digital.services.accounts import KecamatanLookup, nik_of
from mpp_digital.services.applications import notifications
from mpp_digital.services.applications.requirements import (
    RequirementItem,
    clean_answers,
    missing_documents,
    parse_items,
    validate_answers,
)
from mpp_digital.services.applications.tracking import next_tracking_number
from mpp_digital.services.applications.workflow import load_workflow
from mpp_digital.services.applications.working_days import add_working_days, local_day
from mpp_digital.services.queue import national_holidays
from mpp_digital.services.sealing import seal, unseal

PURPOSE_DATA = "application.data"  # sealing purpose of the answers (draft and application)
STEPS = 3  # 0 data, 1 documents, 2 review
SHORT_ANSWER = 100  # the longest answer kept for a date, choice or NIK field
DATA_MAX = 20000  # ApplicationDraft/Application.data_sealed


class SubmitRefused(ValidationError):
    """The draft cannot be submitted yet; ``errors`` maps each item key to its message key."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(first, "app.incomplete", count=len(errors))
        self.errors = errors


@dataclass(frozen=True)
class OnlineSite:
    """An MPP that offers a service online."""

    id: int
    slug: str
    name: str
    regency_code: str


def kept_answers(items: list[RequirementItem], answers: dict[str, str]) -> tuple[dict[str, str], str]:
    """The answers to the items' data fields, trimmed and cut to each field's limit, and sealed.

    Raises:
        ValidationError: ``app.data_too_long`` when they do not fit their column even so.
    """
    limits = {i.key: i.max_length if i.type == "text" else SHORT_ANSWER for i in items}
    cleaned = {k: v[:limits[k]] for k, v in clean_answers(items, answers).items()}
    sealed = seal_answers(cleaned)
    if len(sealed) > DATA_MAX:
        raise ValidationError("data", "app.data_too_long")
    return cleaned, sealed


def seal_answers(answers: dict[str, str]) -> str:
    """The answers as stored (sealed JSON)."""
    return seal(json.dumps(answers, ensure_ascii=False, sort_keys=True), purpose=PURPOSE_DATA) or ""


def open_answers(sealed: str) -> dict[str, str]:
    """The answers of a draft or an application."""
    return json.loads(unseal(sealed, purpose=PURPOSE_DATA) or "{}") if sealed else {}


def online_service(*, session: Session, service_id: int) -> tuple[Service, list[RequirementItem]]:
    """A service that has an online form, with its parsed items.

    Raises:
        DomainError: ``app.not_online`` when the service does not exist or has no online form.
    """
    service = session.get(Service, service_id)
    if service is None or not service.requirement_items:
        raise DomainError("app.not_online")
    return service, parse_items(service.requirement_items)


def online_sites(*, session: Session, service_id: int) -> list[OnlineSite]:
    """The MPPs that offer ``service_id`` online, by name."""
    rows = session.exec(select(MppSite).join(SiteService, col(SiteService.site_id) == MppSite.id)
                        .where(SiteService.service_id == service_id, col(SiteService.online).is_(True))
                        .order_by(MppSite.name)).all()
    return [OnlineSite(id=s.id or 0, slug=s.slug, name=s.name, regency_code=s.regency_code) for s in rows]


def preselected_site(*, session: Session, citizen_id: int, service_id: int) -> int | None:
    """The MPP of the regency of the citizen's NIK, when it offers the service online."""
    user = session.get(User, citizen_id)
    nik = nik_of(user) if user else None
    if not nik or len(nik) < 4:
        return None
    regency = f"{nik[:2]}.{nik[2:4]}"
    return next((s.id for s in online_sites(session=session, service_id=service_id) if s.regency_code == regency),
                None)


def _check_site(session: Session, service_id: int, site_id: int) -> None:
    offered = session.exec(select(SiteService).where(SiteService.site_id == site_id,
                                                     SiteService.service_id == service_id)).first()
    if offered is None or not offered.online:
        raise ValidationError("site", "app.site_not_online")


def own_draft(*, session: Session, citizen_id: int, draft_id: int, for_update: bool = False) -> ApplicationDraft:
    """The citizen's draft ``draft_id``.

    Raises:
        NotAllowed: ``app.draft_not_found`` when there is none, or it is someone else's.
    """
    query = select(ApplicationDraft).where(ApplicationDraft.id == draft_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    draft = session.exec(query).first()
    if draft is None or draft.citizen_id != citizen_id:
        raise NotAllowed("app.draft_not_found")
    return draft


def _editable(session: Session, citizen_id: int, draft_id: int) -> ApplicationDraft:
    draft = own_draft(session=session, citizen_id=citizen_id, draft_id=draft_id)
    if draft.submitted_application_id is not None:
        raise DomainError("app.draft_submitted")
    return draft


def start_draft(*, session: Session, citizen_id: int, service_id: int, site_id: int | None,
                now: datetime) -> ApplicationDraft:
    """The citizen's unsubmitted draft for the service (resumed when there is one, else new).

    ``site_id`` None keeps the draft's MPP, or preselects the MPP of the NIK's regency.

    Raises:
        DomainError: ``app.not_online``; ValidationError ``app.site_not_online``.
    """
    online_service(session=session, service_id=service_id)
    if site_id is not None:
        _check_site(session, service_id, site_id)
    draft = session.exec(select(ApplicationDraft).where(
        ApplicationDraft.citizen_id == citizen_id, ApplicationDraft.service_id == service_id,
        col(ApplicationDraft.submitted_application_id).is_(None)).order_by(col(ApplicationDraft.id).desc())).first()
    if draft is None:
        draft = ApplicationDraft(citizen_id=citizen_id, service_id=service_id, created_at=now, updated_at=now,
                                 site_id=site_id or preselected_site(session=session, citizen_id=citizen_id,
                                                                     service_id=service_id))
    elif site_id is not None and site_id != draft.site_id:
        draft.site_id = site_id
        draft.updated_at = now
    session.add(draft)
    session.flush()
    return draft


def check_answers(*, session: Session, items: list[RequirementItem], answers: dict[str, str],
                  today: date) -> dict[str, str]:
    """item key -> message key of each wrong data answer (NIKs checked against the region table)."""
    return validate_answers(items, answers, today=today, kecamatan_codes=KecamatanLookup(session))


def save_draft(*, session: Session, citizen_id: int, draft_id: int, answers: dict[str, str], step: int,
               now: datetime, site_id: int | None = None, fee_variant: str | None = None) -> dict[str, str]:
    """Store the answers and the step reached (always, so a reload resumes); returns the data errors.

    Only answers to the service's data fields are kept (trimmed). The step is where the citizen
    is: it is stored as given (0..2), and the caller moves on only when the errors are empty.
    """
    draft = _editable(session, citizen_id, draft_id)
    _, items = online_service(session=session, service_id=draft.service_id)
    if site_id is not None:
        _check_site(session, draft.service_id, site_id)
        draft.site_id = site_id
    cleaned, draft.data_sealed = kept_answers(items, answers)
    draft.step = max(0, min(step, STEPS - 1))
    if fee_variant is not None:
        draft.fee_variant = fee_variant or None
    draft.updated_at = now
    session.add(draft)
    site = session.get(MppSite, draft.site_id) if draft.site_id else None
    today = local_day(site, now) if site else now.date()
    return check_answers(session=session, items=items, answers=cleaned, today=today)


def set_step(*, session: Session, citizen_id: int, draft_id: int, step: int, now: datetime) -> ApplicationDraft:
    """Remember the step the citizen is on (0 data, 1 documents, 2 review)."""
    draft = _editable(session, citizen_id, draft_id)
    draft.step = max(0, min(step, STEPS - 1))
    draft.updated_at = now
    session.add(draft)
    return draft


def document_item(items: list[RequirementItem], item_key: str) -> RequirementItem:
    """The document item ``item_key``.

    Raises:
        ValidationError: ``app.unknown_item``.
    """
    item = next((i for i in items if i.key == item_key and i.is_document), None)
    if item is None:
        raise ValidationError("item", "app.unknown_item")
    return item


def check_attachable(*, session: Session, items: list[RequirementItem], citizen_id: int, item_key: str,
                     document_id: int, reused: bool) -> RequirementItem:
    """Whether one of the citizen's documents may stand for a document item (of a draft, or of a
    returned application being corrected); returns the item.

    Raises:
        NotAllowed: ``doc.not_found`` (not the citizen's live document).
        ValidationError: ``app.unknown_item``, ``app.no_wallet`` (reused where a fresh upload is
            asked for), ``doc.type`` (a type the item does not accept).
    """
    item = document_item(items, item_key)
    document = session.get(StoredDocument, document_id)
    if document is None or document.owner_id != citizen_id or document.deleted_at is not None:
        raise NotAllowed("doc.not_found")
    if reused and not item.wallet:
        raise ValidationError(item_key, "app.no_wallet")
    if document.mime not in item.accept:
        raise ValidationError(item_key, "doc.type")
    return item


def attach_document(*, session: Session, citizen_id: int, draft_id: int, item_key: str, document_id: int,
                    now: datetime, reused: bool = False) -> ApplicationDraft:
    """Attach one of the citizen's documents to a document item of the draft (replacing the previous one).

    ``reused``: the document comes from "Dokumen saya" (allowed only where the item says
    ``wallet``); otherwise it was uploaded for this item just now. The documents of a draft
    together stay within ``settings.application_max_bytes``.

    Raises:
        NotAllowed: ``app.draft_not_found``, ``doc.not_found`` (not the citizen's live document).
        ValidationError: ``app.unknown_item``, ``app.no_wallet``, ``doc.type``, ``doc.app_too_big``.
    """
    from mpp_digital.services import documents

    draft = _editable(session, citizen_id, draft_id)
    _, items = online_service(session=session, service_id=draft.service_id)
    check_attachable(session=session, items=items, citizen_id=citizen_id, item_key=item_key,
                     document_id=document_id, reused=reused)
    attached = dict(draft.documents)
    attached[item_key] = document_id
    documents.check_application_size(session=session, document_ids=list(attached.values()))
    draft.documents = attached
    draft.updated_at = now
    session.add(draft)
    return draft


def upload_document(*, session: Session, citizen_id: int, draft_id: int, item_key: str, data: bytes, name: str,
                    now: datetime) -> StoredDocument:
    """Store an upload for one document item of the draft (its kind and accepted types) and attach it.

    Raises:
        DocumentRejected: ``doc.empty``, ``doc.too_big``, ``doc.type`` (sniffed from the bytes), ...
        and what ``attach_document`` raises.
    """
    from mpp_digital.services import documents

    draft = _editable(session, citizen_id, draft_id)
    _, items = online_service(session=session, service_id=draft.service_id)
    item = document_item(items, item_key)
    row = documents.store_document(session=session, owner_id=citizen_id, kind=item.doc_kind or "lainnya",
                                   label=name or item.label, data=data, now=now, accept=tuple(item.accept))
    session.flush()
    attach_document(session=session, citizen_id=citizen_id, draft_id=draft_id, item_key=item_key,
                    document_id=row.id or 0, now=now)
    return row


def detach_document(*, session: Session, citizen_id: int, draft_id: int, item_key: str,
                    now: datetime) -> ApplicationDraft:
    """Remove the document of one item from the draft (the document stays in "Dokumen saya")."""
    draft = _editable(session, citizen_id, draft_id)
    attached = dict(draft.documents)
    attached.pop(item_key, None)
    draft.documents = attached
    draft.updated_at = now
    session.add(draft)
    return draft


def applicable_fee(*, session: Session, service: Service, site: MppSite, variant: str | None) -> int | None:
    """The fee that applies to an online application at ``site`` (its regency's tariff) for the chosen
    variant; None when a rule decides it at the agency (a tax on the declared value, a court advance).
    A variant the service does not have counts as none chosen (the first variant).

    Raises:
        ValidationError: ``fee.unknown_variant``.
    """
    known = {option.key for option in fees.fee_options(service=service, regency_code=site.regency_code)}
    quoted = fees.quote(service=service, variant=variant if variant in known else None, regency_code=site.regency_code)
    return None if quoted.is_estimate else quoted.amount


def choose_fee_variant(*, session: Session, citizen_id: int, draft_id: int, variant: str,
                       now: datetime) -> ApplicationDraft:
    """Choose the fee variant of the draft (new, renewal, lost, damaged...).

    Raises:
        ValidationError: ``fee.unknown_variant``.
    """
    draft = _editable(session, citizen_id, draft_id)
    service, _ = online_service(session=session, service_id=draft.service_id)
    site = session.get(MppSite, draft.site_id) if draft.site_id else None
    options = fees.fee_options(service=service, regency_code=site.regency_code if site else None)
    if variant not in {o.key for o in options}:
        raise ValidationError("fee_variant", "fee.unknown_variant", variant=variant)
    draft.fee_variant = variant
    draft.updated_at = now
    session.add(draft)
    return draft


def submit_draft(*, session: Session, citizen_id: int, draft_id: int, now: datetime,
                 lang: str = "id") -> Application:
    """Turn the draft into its one application (idempotent: a second call returns the same one).

    Checks everything first and writes nothing when something is missing: the MPP, every
    required data answer (format, NIK), every required document (still the citizen's and live).
    Then: the tracking number, the workflow snapshot, the due date in working days, the
    documents, the timeline's first event, the notice and its mail.

    Concurrency: the draft row is locked (PostgreSQL) and ``Application.draft_id`` is unique, so
    two tabs submitting at once get one application; the loser of a race gets the winner's.

    Raises:
        NotAllowed: ``app.draft_not_found``. DomainError: ``app.not_online``; ``assurance.verified_required``
            (the service's standard asks for a verified identity).
        ValidationError: ``app.site_not_online``; SubmitRefused (``errors``: item -> message key).
    """
    draft = own_draft(session=session, citizen_id=citizen_id, draft_id=draft_id, for_update=True)
    if draft.submitted_application_id is not None:
        existing = session.get(Application, draft.submitted_application_id)
        if existing is not None:
            return existing
    service, items = online_service(session=session, service_id=draft.service_id)
    assurance.require_for_service(session=session, user_id=citizen_id, service_id=service.id or 0)
    if draft.site_id is None:
        raise ValidationError("site", "app.site_required")
    _check_site(session, service.id or 0, draft.site_id)
    site = session.get(MppSite, draft.site_id)
    assert site is not None
    today = local_day(site, now)
    answers = open_answers(draft.data_sealed)
    errors = check_answers(session=session, items=items, answers=answers, today=today)
    live = _live_documents(session, citizen_id, draft.documents)
    for key in missing_documents(items, live):
        errors[key] = "app.missing_document"
    if errors:
        raise SubmitRefused(errors)
    from mpp_digital.services import documents

    documents.check_application_size(session=session, document_ids=list(live.values()))
    workflow = load_workflow(service.workflow)
    try:
        with session.begin_nested():
            application = Application(
                tracking_number=next_tracking_number(session=session, site=site, now=now), draft_id=draft.id,
                citizen_id=citizen_id, site_id=site.id or 0, agency_id=service.agency_id, service_id=service.id or 0,
                workflow=dict(workflow.spec), state=workflow.initial, open=True, data_sealed=seal_answers(answers),
                fee_variant=draft.fee_variant,
                fee_rupiah=applicable_fee(session=session, service=service, site=site, variant=draft.fee_variant),
                payment_status="unpaid", submitted_at=now,
                due_date=add_working_days(today, service.duration_days, holidays=national_holidays()),
                updated_at=now)
            session.add(application)
            session.flush()
    except IntegrityError:  # another transaction submitted this draft first
        existing = session.exec(select(Application).where(Application.draft_id == draft.id)).first()
        if existing is None:
            raise
        return existing
    for key, document_id in live.items():
        session.add(ApplicationDocument(application_id=application.id or 0, item_key=key, document_id=document_id,
                                        attached_at=now))
    session.add(ApplicationEvent(application_id=application.id or 0, at=now, actor_user_id=citizen_id,
                                 actor_kind="citizen", action="submit", to_state=workflow.initial))
    draft.submitted_application_id = application.id
    draft.updated_at = now
    session.add(draft)
    analytics.record_service_event(  # the arrival: the dashboards' heatmap and the online channel's volume
        session=session, kind=EventKind.APPLICATION, outcome=EventOutcome.SUBMITTED, site_id=site.id or 0,
        agency_id=service.agency_id, service_id=service.id, channel=Channel.ONLINE, occurred_at=now, arrived_at=now,
        source="application", source_ref=f"{application.id}/submitted")
    notifications.notify(session=session, user_id=citizen_id, kind=notifications.SUBMITTED, application=application,
                         now=now, service_name=service.name, lang=lang)
    return application


def erase_drafts_of(*, session: Session, citizen_id: int) -> None:
    """A closed account's drafts go: unsubmitted ones entirely, submitted ones keep only their link
    (their answers live on, sealed, in the application the agency decides on)."""
    session.execute(delete(ApplicationDraft).where(col(ApplicationDraft.citizen_id) == citizen_id,
                                                   col(ApplicationDraft.submitted_application_id).is_(None)))
    session.execute(update(ApplicationDraft).where(col(ApplicationDraft.citizen_id) == citizen_id)
                    .values(data_sealed="", documents={}))


def _live_documents(session: Session, citizen_id: int, attached: dict) -> dict[str, int]:
    """The draft's attachments that are still the citizen's live documents."""
    ids = [int(v) for v in attached.values() if v]
    if not ids:
        return {}
    live = set(session.exec(select(StoredDocument.id).where(
        col(StoredDocument.id).in_(ids), StoredDocument.owner_id == citizen_id,
        col(StoredDocument.deleted_at).is_(None))).all())
    return {k: int(v) for k, v in attached.items() if v and int(v) in live}
