"""What citizens (and the officers of the application's site and agency) read about applications."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.i18n import t
from mpp_digital.models import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    IssuedOutput,
    MppSite,
    Role,
    Service,
    StoredDocument,
)
from mpp_digital.services.applications import notifications
from mpp_digital.services.applications.drafts import open_answers
from mpp_digital.services.applications.requirements import parse_items
from mpp_digital.services.applications.workflow import CITIZEN, Workflow, load_workflow
from mpp_digital.services.applications.working_days import local_day, working_days_between
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.hours import zone_for_region
from mpp_digital.services.queue import national_holidays
from mpp_digital.services.sealing import unseal

LIST_LIMIT = 200


@dataclass(frozen=True)
class ApplicationSummary:
    """One row of "Permohonan saya"."""

    tracking_number: str
    service_name: str
    site_name: str
    state: str
    state_label: str
    open: bool
    waits_on_citizen: bool
    submitted_at: datetime
    due_date: date
    working_days_left: int | None  # None once decided


@dataclass(frozen=True)
class TimelineEntry:
    """One step of an application's history, in words a citizen understands."""

    at: datetime  # in the site's local time
    actor_kind: str  # citizen / officer / system
    action: str
    title: str  # the state it reached (or the action, when the state did not change)
    text: str  # what that state means for the citizen
    note: str  # the officer's note (a reason, what to fix), empty when none


@dataclass(frozen=True)
class ActionChoice:
    """An action the reader may take now."""

    key: str
    label: str
    note_required: bool


@dataclass(frozen=True)
class AnswerView:
    """One data answer, as the citizen gave it."""

    label: str
    value: str
    type: str = "text"  # the item's type (a date is shown in words at the edge)


@dataclass(frozen=True)
class AttachedDocument:
    """A document attached to the application for one requirement item."""

    item_label: str
    document_id: int
    mime: str
    label: str


@dataclass(frozen=True)
class ApplicationDetail:
    """One application as its reader sees it (/permohonan/<nomor>)."""

    id: int
    tracking_number: str
    version: int
    service_name: str
    service_slug: str
    site_name: str
    state: str
    state_label: str
    state_text: str
    open: bool
    waits_on_citizen: bool
    submitted_at: datetime
    due_date: date
    working_days_left: int | None
    paused_working_days: int
    deadline_met: bool | None
    fee_rupiah: int | None
    payment_status: str
    actions: tuple[ActionChoice, ...]  # what the reader may do now, as the citizen
    timeline: tuple[TimelineEntry, ...]
    answers: tuple[AnswerView, ...]
    documents: tuple[AttachedDocument, ...]
    output_document_id: int | None  # the signed product, once issued
    output_code: str
    return_note: str  # the officer's note while the application waits on the citizen
    viewer_is_owner: bool


def _days_left(application: Application, site: MppSite, now: datetime, holidays) -> int | None:
    if not application.open:
        return None
    return working_days_between(local_day(site, now), application.due_date, holidays=holidays)


def applications_of(*, session: Session, citizen_id: int, now: datetime, lang: str = "id") -> list[ApplicationSummary]:
    """The citizen's applications, newest first."""
    rows = session.exec(select(Application, Service.name, MppSite).join(
        Service, col(Service.id) == Application.service_id).join(MppSite, col(MppSite.id) == Application.site_id)
        .where(Application.citizen_id == citizen_id)
        .order_by(col(Application.submitted_at).desc(), col(Application.id).desc()).limit(LIST_LIMIT)).all()
    holidays = national_holidays()
    summaries = []
    workflows: dict[str, Workflow] = {}
    for application, service_name, site in rows:
        workflow = _workflow(workflows, application)
        state = workflow.state(application.state)
        summaries.append(ApplicationSummary(
            tracking_number=application.tracking_number, service_name=service_name, site_name=site.name,
            state=application.state, state_label=state.label_in(lang), open=application.open,
            waits_on_citizen=state.waits_on_citizen, submitted_at=application.submitted_at,
            due_date=application.due_date, working_days_left=_days_left(application, site, now, holidays)))
    return summaries


def _workflow(cache: dict[str, Workflow], application: Application) -> Workflow:
    key = json.dumps(application.workflow, sort_keys=True)
    if key not in cache:
        cache[key] = load_workflow(application.workflow)
    return cache[key]


def readable_application(*, session: Session, principal: Principal, tracking_number: str) -> tuple[Application, bool]:
    """The application and whether ``principal`` owns it; an officer or site admin of its site and
    agency may read it too.

    Raises:
        DomainError: ``app.not_found`` when there is none or the principal may not read it (the
            same answer, so that a guessed number tells nothing).
    """
    application = session.exec(select(Application).where(
        Application.tracking_number == (tracking_number or "").strip().upper())).first()
    if application is None:
        raise DomainError("app.not_found", number=tracking_number)
    if application.citizen_id == principal.user_id:
        return application, True
    try:
        authorize(principal, Role.OFFICER, Role.SITE_ADMIN, site_id=application.site_id,
                  agency_id=application.agency_id, session=session)
    except NotAllowed:
        raise DomainError("app.not_found", number=tracking_number) from None
    return application, False


def application_detail(*, session: Session, principal: Principal, tracking_number: str, now: datetime,
                       lang: str = "id") -> ApplicationDetail:
    """One application with its timeline, deadline and working days left.

    Raises:
        DomainError: ``app.not_found`` (no such number, or not the reader's to read).
    """
    application, owner = readable_application(session=session, principal=principal, tracking_number=tracking_number)
    site = session.get(MppSite, application.site_id)
    service = session.get(Service, application.service_id)
    assert site is not None and service is not None
    workflow = load_workflow(application.workflow)
    state = workflow.state(application.state)
    timeline = _timeline(session, application, workflow, site, lang)
    output = session.exec(select(IssuedOutput).where(IssuedOutput.application_id == application.id,
                                                     col(IssuedOutput.revoked_at).is_(None))
                          .order_by(col(IssuedOutput.id).desc())).first()
    items = parse_items(service.requirement_items) if service.requirement_items else []
    labels = {i.key: i.label_in(lang) for i in items}
    answers = open_answers(application.data_sealed)
    actions = tuple(ActionChoice(key=a.key, label=a.label_in(lang), note_required=a.note_required)
                    for a in workflow.actions_for(application.state, CITIZEN)) if owner and application.open else ()
    return ApplicationDetail(
        id=application.id or 0, tracking_number=application.tracking_number, version=application.version,
        service_name=service.name, service_slug=service.slug, site_name=site.name, state=application.state,
        state_label=state.label_in(lang), state_text=state.citizen_text_in(lang), open=application.open,
        waits_on_citizen=state.waits_on_citizen, submitted_at=application.submitted_at,
        due_date=application.due_date,
        working_days_left=_days_left(application, site, now, national_holidays()),
        paused_working_days=application.paused_working_days, deadline_met=application.deadline_met,
        fee_rupiah=application.fee_rupiah, payment_status=application.payment_status, actions=actions,
        timeline=timeline,
        answers=_answers(items, answers, lang),
        documents=_documents(session, application, labels),
        output_document_id=output.document_id if output else None, output_code=output.code if output else "",
        return_note=next((e.note for e in reversed(timeline) if e.note), "") if state.waits_on_citizen else "",
        viewer_is_owner=owner)


def _answers(items: list, answers: dict[str, str], lang: str) -> tuple[AnswerView, ...]:
    """The data answers in the form's order, a choice by its label."""
    shown = []
    for item in items:
        value = answers.get(item.key)
        if item.is_document or not value:
            continue
        if item.type == "choice":
            value = next((c.label_en if lang == "en" and c.label_en else c.label
                          for c in item.choices if c.value == value), value)
        shown.append(AnswerView(label=item.label_in(lang), value=value, type=item.type))
    return tuple(shown)


def _timeline(session: Session, application: Application, workflow: Workflow, site: MppSite,
              lang: str) -> tuple[TimelineEntry, ...]:
    zone = zone_for_region(site.regency_code)
    events = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                          .order_by(col(ApplicationEvent.at), col(ApplicationEvent.id))).all()
    entries = []
    for event in events:
        reached = workflow.states.get(event.to_state or "")
        step = workflow.actions.get(event.action)
        if reached is not None and event.to_state != event.from_state:
            title, text = reached.label_in(lang), reached.citizen_text_in(lang)
        else:
            # not a workflow step: the back office's claim / assign (OFFICE), worded by its message key
            title, text = (step.label_in(lang) if step else t(f"office.event.{event.action}", lang)), ""
        entries.append(TimelineEntry(
            at=event.at.astimezone(zone), actor_kind=event.actor_kind, action=event.action, title=title, text=text,
            note=(unseal(event.note_sealed, purpose=notifications.PURPOSE_NOTE) or "") if event.note_sealed else ""))
    return tuple(entries)


def _documents(session: Session, application: Application, labels: dict[str, str]) -> tuple[AttachedDocument, ...]:
    rows = session.exec(select(ApplicationDocument, StoredDocument).join(
        StoredDocument, col(StoredDocument.id) == ApplicationDocument.document_id)
        .where(ApplicationDocument.application_id == application.id).order_by(col(ApplicationDocument.id))).all()
    return tuple(AttachedDocument(item_label=labels.get(link.item_key, link.item_key), document_id=doc.id or 0,
                                  mime=doc.mime, label=doc.label) for link, doc in rows)
