"""One application as the back office sees it (/petugas/permohonan/<nomor>): the citizen's data, unsealed on
the server for an officer whose grant covers the application's site and agency, its documents, its full
history and the actions the workflow offers an officer now. Every opening is written to the citizen's
access log ("siapa yang melihat data saya") as a "view"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Application, DocumentAccess, Role, Service, User
from mpp_digital.services.accounts import nik_of
from mpp_digital.services.applications.queries import ApplicationDetail, application_detail
from mpp_digital.services.applications.requirements import parse_items
from mpp_digital.services.applications.workflow import OFFICER, load_workflow
from mpp_digital.services.authz import Principal, authorize

VIEW = "view"


@dataclass(frozen=True)
class OfficerAction:
    """An action the workflow offers an officer in the application's state."""

    key: str
    label: str
    note_required: bool
    cites_requirement: bool
    issues_output: bool


@dataclass(frozen=True)
class CaseFile:
    """The application (``queries.ApplicationDetail``) plus what only the back office sees."""

    detail: ApplicationDetail
    citizen_name: str
    citizen_nik: str  # unsealed here, for the officer's screen only
    citizen_email: str
    citizen_phone: str
    assigned_to: int | None
    assignee_name: str
    actions: tuple[OfficerAction, ...]
    requirement_items: tuple[tuple[str, str], ...]  # (key, label) a rejection may cite


def case_file(*, session: Session, principal: Principal, tracking_number: str, now: datetime,
              lang: str = "id") -> CaseFile:
    """The application ``tracking_number`` for an officer or site admin of its site and agency; logged.

    Raises:
        DomainError: ``app.not_found`` when there is no such number or it is outside the reader's grants
            (the same answer, so a guessed number tells nothing).
    """
    detail = application_detail(session=session, principal=principal, tracking_number=tracking_number, now=now,
                                lang=lang)
    application = session.get(Application, detail.id)
    assert application is not None
    try:  # the owner may read it through application_detail; this page is the back office's only
        authorize(principal, Role.OFFICER, Role.SITE_ADMIN, site_id=application.site_id,
                  agency_id=application.agency_id, session=session)
    except NotAllowed:
        raise DomainError("app.not_found", number=tracking_number) from None
    citizen = session.get(User, application.citizen_id)
    assignee = session.get(User, application.assigned_to) if application.assigned_to else None
    service = session.get(Service, application.service_id)
    workflow = load_workflow(application.workflow)
    actions = tuple(OfficerAction(key=a.key, label=a.label_in(lang), note_required=a.note_required,
                                  cites_requirement=a.cites_requirement, issues_output=a.issues_output)
                    for a in workflow.actions_for(application.state, OFFICER)) if application.open else ()
    items = parse_items(service.requirement_items) if service and service.requirement_items else []
    session.add(DocumentAccess(owner_id=application.citizen_id, viewer_user_id=principal.user_id,
                               application_id=application.id, action=VIEW, at=now))
    return CaseFile(
        detail=detail, citizen_name=citizen.full_name if citizen else "",
        citizen_nik=(nik_of(citizen) or "") if citizen else "", citizen_email=citizen.email if citizen else "",
        citizen_phone=(citizen.phone or "") if citizen else "", assigned_to=application.assigned_to,
        assignee_name=assignee.full_name if assignee else "", actions=actions,
        requirement_items=tuple((i.key, i.label_in(lang)) for i in items))
