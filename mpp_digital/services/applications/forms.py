"""The online form of a service as the citizen sees it: generated from the requirement items,
filled from the citizen's draft (or, for a returned application, from the application)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from mpp_digital.errors import DomainError
from mpp_digital.models import Agency, Application, ApplicationDocument, MppSite, Service, StoredDocument
from mpp_digital.services import documents, fees
from mpp_digital.services.applications import drafts
from mpp_digital.services.applications.requirements import RequirementItem


@dataclass(frozen=True)
class FieldView:
    """A data field of the form with the citizen's answer."""

    key: str
    label: str
    help: str
    type: str  # text / date / choice / nik
    required: bool
    value: str
    max_length: int
    choices: tuple[tuple[str, str], ...]  # (value, label)


@dataclass(frozen=True)
class DocumentSlot:
    """A document item of the form with the document attached to it, if any."""

    key: str
    label: str
    help: str
    required: bool
    wallet: bool  # a document from "Dokumen saya" may be reused
    accept: tuple[str, ...]
    attached_id: int | None
    attached_label: str


@dataclass(frozen=True)
class WalletDocument:
    """One of the citizen's documents that may be reused."""

    id: int
    label: str
    kind: str
    mime: str


@dataclass(frozen=True)
class FormView:
    """Everything the form page shows."""

    draft_id: int
    step: int
    service_slug: str
    service_name: str
    agency_name: str
    duration_days: int
    site_id: int | None
    sites: tuple[drafts.OnlineSite, ...]
    fields: tuple[FieldView, ...]
    slots: tuple[DocumentSlot, ...]
    wallet: tuple[WalletDocument, ...]
    fee_rupiah: int | None  # at the chosen MPP for the chosen variant; None: by the agency's rule
    fee_variants: tuple[tuple[str, str], ...]  # (key, label) when the standard has several
    fee_variant: str


def _fields(items: list[RequirementItem], answers: dict[str, str], lang: str) -> tuple[FieldView, ...]:
    return tuple(FieldView(key=i.key, label=i.label_in(lang), help=i.help_in(lang), type=i.type, required=i.required,
                           value=answers.get(i.key, ""), max_length=i.max_length,
                           choices=tuple((c.value, c.label_en if lang == "en" and c.label_en else c.label)
                                         for c in i.choices))
                 for i in items if not i.is_document)


def _slots(session: Session, items: list[RequirementItem], attached: dict[str, int], lang: str) -> tuple[DocumentSlot, ...]:
    slots = []
    for item in items:
        if not item.is_document:
            continue
        document_id = attached.get(item.key)
        document = session.get(StoredDocument, document_id) if document_id else None
        live = document is not None and document.deleted_at is None
        slots.append(DocumentSlot(key=item.key, label=item.label_in(lang), help=item.help_in(lang),
                                  required=item.required, wallet=item.wallet, accept=tuple(item.accept),
                                  attached_id=document_id if live else None,
                                  attached_label=(document.label or document.kind) if live and document else ""))
    return tuple(slots)


def _wallet(session: Session, citizen_id: int) -> tuple[WalletDocument, ...]:
    return tuple(WalletDocument(id=d.id, label=d.label or d.kind, kind=d.kind, mime=d.mime)
                 for d in documents.documents_of(session=session, owner_id=citizen_id))


def open_form(*, session: Session, citizen_id: int, service_slug: str, site_slug: str, now: datetime,
              lang: str = "id") -> FormView:
    """Start or resume the citizen's draft for a service (``site_slug`` chooses the MPP) and show it.

    Raises:
        DomainError: ``app.not_online`` (no such service, or no online form).
        ValidationError: ``app.site_not_online``.
    """
    service = session.exec(select(Service).where(Service.slug == service_slug)).first()
    if service is None:
        raise DomainError("app.not_online")
    site = session.exec(select(MppSite).where(MppSite.slug == site_slug)).first() if site_slug else None
    draft = drafts.start_draft(session=session, citizen_id=citizen_id, service_id=service.id or 0,
                               site_id=site.id if site else None, now=now)
    return form_view(session=session, citizen_id=citizen_id, draft_id=draft.id or 0, lang=lang)


def form_view(*, session: Session, citizen_id: int, draft_id: int, lang: str = "id") -> FormView:
    """The form of one of the citizen's drafts."""
    draft = drafts.own_draft(session=session, citizen_id=citizen_id, draft_id=draft_id)
    service, items = drafts.online_service(session=session, service_id=draft.service_id)
    agency = session.get(Agency, service.agency_id)
    site = session.get(MppSite, draft.site_id) if draft.site_id else None
    options = fees.fee_options(service=service, regency_code=site.regency_code if site else None)
    variant = draft.fee_variant if draft.fee_variant in {o.key for o in options} else None
    return FormView(
        draft_id=draft.id or 0, step=draft.step, service_slug=service.slug, service_name=service.name,
        agency_name=agency.name if agency else "", duration_days=service.duration_days, site_id=draft.site_id,
        sites=tuple(drafts.online_sites(session=session, service_id=service.id or 0)),
        fields=_fields(items, drafts.open_answers(draft.data_sealed), lang),
        slots=_slots(session, items, {k: int(v) for k, v in draft.documents.items() if v}, lang),
        wallet=_wallet(session, citizen_id),
        fee_rupiah=drafts.applicable_fee(session=session, service=service, site=site, variant=variant)
        if site else None,
        fee_variants=tuple((o.key, o.label_in(lang)) for o in options) if len(options) > 1 else (),
        fee_variant=variant or (options[0].key if options else ""))


def correction_form(*, session: Session, citizen_id: int, application_id: int,
                    lang: str = "id") -> tuple[tuple[FieldView, ...], tuple[DocumentSlot, ...]]:
    """The data fields and document slots of one of the citizen's applications (to correct it)."""
    application = session.get(Application, application_id)
    if application is None or application.citizen_id != citizen_id:
        raise DomainError("app.not_found", number="")
    _, items = drafts.online_service(session=session, service_id=application.service_id)
    links = session.exec(select(ApplicationDocument).where(ApplicationDocument.application_id == application_id)).all()
    return (_fields(items, drafts.open_answers(application.data_sealed), lang),
            _slots(session, items, {link.item_key: link.document_id for link in links}, lang))
