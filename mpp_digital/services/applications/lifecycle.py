"""The one transition of an application, for citizens and officers alike: ``act``.

Who may act: the workflow says which role takes an action; a citizen acts only on their own
application, an officer (or a site admin) only where a grant covers the application's site and
agency (``authz.authorize``). A refused action through a crafted event is audited. Two people
acting at once: every action is ``UPDATE ... WHERE version = <the version they saw>``, so one
wins and the other gets ``app.stale`` with nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from mpp_digital import routes
from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import Application, ApplicationEvent, Channel, EventKind, MppSite, Role, Service
from mpp_digital.services import analytics, assurance, audit, outputs
from mpp_digital.services.applications import notifications
from mpp_digital.services.applications.requirements import parse_items
from mpp_digital.services.applications.workflow import CITIZEN, OFFICER, Action, Workflow, load_workflow
from mpp_digital.services.applications.working_days import add_working_days, local_day, working_days_between
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.queue import national_holidays
from mpp_digital.services.sealing import seal

NOTE_MAX = 2000
REFUSED = "application.refused"  # audit action of a refused act


class ActionRefused(NotAllowed):
    """An action the principal may not take on this application (wrong role or scope, unknown action).

    Raised before anything is written; ``record_refusal`` audits it in a transaction of its own
    (the refused one is rolled back), as ``take_action`` does.
    """

    def __init__(self, *, application: Application, principal: Principal, action: str, reason: str) -> None:
        super().__init__("app.not_allowed")
        self.actor_user_id = principal.user_id
        self.target = application.tracking_number
        self.detail = {"action": action[:24], "reason": reason, "site_id": application.site_id,
                       "agency_id": application.agency_id}


def record_refusal(*, session: Session, refusal: ActionRefused, now: datetime, ip_address: str = "") -> None:
    """Audit a refused action (a crafted event, or a stale button after a grant was revoked)."""
    audit.record(session=session, action=REFUSED, now=now, actor_user_id=refusal.actor_user_id,
                 target=refusal.target, ip_address=ip_address, detail=refusal.detail)


def take_action(*, transaction: Callable[[], AbstractContextManager[Session]] | None = None, ip_address: str = "",
                **kwargs: Any) -> Application:
    """``act`` in a transaction of its own; a refusal is audited in another one, then re-raised.

    ``transaction`` opens a transaction (default ``db.session_scope``); the event handlers of
    both the citizen and the back office call this.
    """
    from mpp_digital import db

    opener = transaction or db.session_scope
    try:
        with opener() as session:
            return act(session=session, **kwargs)
    except ActionRefused as refusal:
        with opener() as session:
            record_refusal(session=session, refusal=refusal, now=kwargs["now"], ip_address=ip_address)
        raise


def acting_role(*, session: Session, application: Application, principal: Principal, step: Action) -> str | None:
    """The workflow role in which ``principal`` may take ``step`` on ``application``, or None.

    The citizen role belongs to the application's owner only; the officer role to an officer or
    site admin whose grant covers the application's site and agency.
    """
    if CITIZEN in step.roles and principal.user_id == application.citizen_id:
        return CITIZEN
    if OFFICER in step.roles:
        try:
            authorize(principal, Role.OFFICER, Role.SITE_ADMIN, site_id=application.site_id,
                      agency_id=application.agency_id, session=session)
        except NotAllowed:
            return None
        return OFFICER
    return None


def act(*, session: Session, application_id: int, principal: Principal, action: str, note: str,
        seen_version: int, now: datetime, cited_item: str | None = None, lang: str = "id",
        output_pdf: bytes | None = None) -> Application:
    """Take ``action`` on an application as ``principal``; returns the application after it.

    Args:
        seen_version: ``Application.version`` as the actor saw it when deciding.
        note: the actor's note (required where the action says ``note_required``); sealed.
        cited_item: the requirement item a rejection names (where ``cites_requirement``).
        output_pdf: the agency's own PDF to issue (where ``issues_output``); None: the service's template.

    Raises:
        DomainError: ``app.not_found``; ``app.closed`` (already finished, rejected or cancelled);
            ``app.holder_not_verified`` (issuing the output needs the citizen's verified identity).
        ActionRefused: ``app.not_allowed``, wrong role or scope (``take_action`` audits it).
        NotAllowed: ``wf.*`` from the workflow (not from this state).
        ValidationError: ``app.stale`` (someone acted first: reload), ``app.note_required``,
            ``app.note_too_long``, ``app.cite_required``, ``wf.unknown_action``.
    """
    application = session.get(Application, application_id, populate_existing=True)
    if application is None:
        raise DomainError("app.not_found")
    workflow = load_workflow(application.workflow)
    step = workflow.actions.get(action)
    if step is None:
        raise ActionRefused(application=application, principal=principal, action=action, reason="unknown_action")
    role = acting_role(session=session, application=application, principal=principal, step=step)
    if role is None:
        raise ActionRefused(application=application, principal=principal, action=action, reason="scope")
    if not application.open:
        raise DomainError("app.closed")
    if application.version != seen_version:
        raise ValidationError("version", "app.stale")
    to_state = workflow.transition(application.state, action, role)
    if step.issues_output and not assurance.is_verified(session=session, user_id=application.citizen_id):
        # an output document is issued only to an identity verified at a counter (issue 17)
        raise DomainError("app.holder_not_verified", path=routes.IDENTITY_HELP)
    note = (note or "").strip()
    if step.note_required and not note:
        raise ValidationError("note", "app.note_required")
    if len(note) > NOTE_MAX:
        raise ValidationError("note", "app.note_too_long", maximum=NOTE_MAX)
    cited = _cited(session, application, step, cited_item)
    from_state = application.state
    values = _clock(session, application, workflow, to_state, now)
    moved = session.execute(
        update(Application).where(col(Application.id) == application.id, col(Application.version) == seen_version)
        .values(state=to_state, version=seen_version + 1, updated_at=now, **values)
    ).rowcount  # type: ignore[attr-defined]
    if moved != 1:
        raise ValidationError("version", "app.stale")
    session.refresh(application)
    session.add(ApplicationEvent(application_id=application.id or 0, at=now, actor_user_id=principal.user_id,
                                 actor_kind=role, action=action, from_state=from_state, to_state=to_state,
                                 note_sealed=seal(_with_citation(note, cited), purpose=notifications.PURPOSE_NOTE)
                                 if note or cited else ""))
    _after(session, application, workflow, step, role, principal.user_id, now, lang, output_pdf)
    return application


def _cited(session: Session, application: Application, step: Action, cited_item: str | None) -> str:
    if not step.cites_requirement:
        return ""
    service = session.get(Service, application.service_id)
    items = {i.key: i for i in parse_items(service.requirement_items if service else [])}
    if not cited_item or cited_item not in items:
        raise ValidationError("cited_item", "app.cite_required")
    return items[cited_item].label


def _with_citation(note: str, cited: str) -> str:
    return f"[{cited}] {note}" if cited else note


def _clock(session: Session, application: Application, workflow: Workflow, to_state: str, now: datetime) -> dict:
    """The clock's columns after the move: pause while the citizen fixes, resume, decide."""
    site = session.get(MppSite, application.site_id)
    assert site is not None
    old, new = workflow.state(application.state), workflow.state(to_state)
    values: dict = {}
    due = application.due_date
    if old.waits_on_citizen and not new.waits_on_citizen and application.waiting_since is not None:
        paused = max(0, working_days_between(local_day(site, application.waiting_since), local_day(site, now),
                                             holidays=national_holidays()))
        due = add_working_days(due, paused, holidays=national_holidays()) if paused else due
        values.update(due_date=due, paused_working_days=application.paused_working_days + paused,
                      waiting_since=None)
    if new.waits_on_citizen and not old.waits_on_citizen:
        values["waiting_since"] = now
    if new.terminal:
        values.update(open=False, decided_at=now, deadline_met=local_day(site, now) <= due)
    return values


def _after(session: Session, application: Application, workflow: Workflow, step: Action, role: str,
           actor_id: int, now: datetime, lang: str, output_pdf: bytes | None) -> None:
    """Notices, mail, the analytics fact and the output that follow a move."""
    state = workflow.state(application.state)
    service = session.get(Service, application.service_id)
    service_name = service.name if service else ""
    if state.waits_on_citizen:
        notifications.notify(session=session, user_id=application.citizen_id, kind=notifications.RETURNED,
                             application=application, now=now, service_name=service_name, lang=lang)
        notifications.schedule_reminder(session=session, application=application, now=now, lang=lang)
    if not state.terminal or role != OFFICER:
        return  # a citizen's cancellation is no decision of the agency
    analytics.record_service_event(
        session=session, kind=EventKind.APPLICATION, outcome="served" if step.issues_output else "not_served",
        site_id=application.site_id, agency_id=application.agency_id, service_id=application.service_id,
        channel=Channel.ONLINE, occurred_at=now, arrived_at=application.submitted_at,
        service_seconds=max(0, int((now - application.submitted_at).total_seconds())),
        sla_met=application.deadline_met, source="application", source_ref=str(application.id),
        hour_known=False)  # its arrival was counted when it was submitted (drafts.submit_draft)
    if step.issues_output:
        _issue_output(session, application, actor_id, now, output_pdf)
    notifications.notify(session=session, user_id=application.citizen_id,
                         kind=notifications.FINISHED if step.issues_output else notifications.REJECTED,
                         application=application, now=now, service_name=service_name, lang=lang)
    if step.issues_output:  # the SKM survey, optional (issue 14)
        from mpp_digital.services.surveys import invite_after_application

        invite_after_application(session=session, application=application, now=now, lang=lang)


def _issue_output(session: Session, application: Application, actor_id: int, now: datetime,
                  pdf: bytes | None) -> None:
    """The signed product (services.outputs): the service's template, or the officer's own PDF."""
    outputs.issue_output(session=session, application_id=application.id or 0, issued_by=actor_id, now=now, pdf=pdf)
