"""The back office's work list: the applications an officer's grants cover, by deadline, with claim and assign.

Scope: an officer sees the applications of the agency named in each officer grant at that grant's
site (a legacy grant without an agency: every agency of the site, as ``authz.authorize`` reads it);
a site admin every agency of their site; a superadmin everything. The first page of a scope is one
range of ``ix_application_worklist (site_id, agency_id, open, due_date)``, read in deadline order
(keyset paging on ``(due_date, id)``), so it stays fast with a million applications.

Claiming and assigning change ``assigned_to`` with ``UPDATE ... WHERE version = :seen``: of two
officers claiming at once one wins, the other gets ``app.stale`` and reloads (the same rule as the
workflow actions in ``lifecycle.act``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, false, func, or_, tuple_, update
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import Agency, Application, ApplicationEvent, Role, RoleAssignment, Service, SiteAgency, User
from mpp_digital.services.applications.lifecycle import ActionRefused
from mpp_digital.services.authz import Principal, authorize

PAGE_SIZE = 25
DUE_FILTERS = ("", "today", "overdue")
ASSIGNED_FILTERS = ("", "me", "none")
STALE = "app.stale"  # the application changed since it was shown: reload (lifecycle.act uses the same key)


@dataclass(frozen=True)
class WorkFilter:
    """What the work list shows: "" means any.

    ``state`` a workflow state (terminal states list closed applications; "" the open ones),
    ``due`` "today" / "overdue", ``assigned`` "me" / "none", ``service_id`` one service,
    ``site_id`` / ``agency_id`` narrow a wide scope (a site admin picking one agency).
    """

    state: str = ""
    service_id: int | None = None
    due: str = ""
    assigned: str = ""
    site_id: int | None = None
    agency_id: int | None = None


@dataclass(frozen=True)
class WorkItem:
    """One row of the work list (no personal data: the number, the service, the deadline, who has it)."""

    application_id: int
    tracking_number: str
    site_id: int
    agency_id: int
    agency_name: str
    service_id: int
    service_name: str
    state: str
    open: bool
    submitted_at: datetime
    due_date: date
    waiting_on_citizen: bool
    assigned_to: int | None
    assignee_name: str
    version: int
    due_today: bool
    overdue: bool


@dataclass(frozen=True)
class WorkPage:
    """One page of the work list and the key of the next one (None: the last page)."""

    items: list[WorkItem]
    next_after: tuple[date, int] | None


Scope = tuple[tuple[int, int | None], ...]  # (site_id, agency_id or None = every agency of the site)


def scope_of(principal: Principal) -> Scope | None:
    """The (site, agency) pairs the work list of ``principal`` covers; None for a superadmin (everything).

    Raises:
        NotAllowed: for someone who is neither officer, site admin nor superadmin.
    """
    authorize(principal, Role.OFFICER, Role.SITE_ADMIN)
    if Role.SUPERADMIN in principal.roles:
        return None
    pairs: set[tuple[int, int | None]] = set()
    for grant in principal.grants:
        if grant.site_id is not None and grant.role in (Role.OFFICER, Role.SITE_ADMIN):
            pairs.add((grant.site_id, grant.agency_id if grant.role == Role.OFFICER else None))
    whole_sites = {site for site, agency in pairs if agency is None}
    return tuple(sorted((p for p in pairs if p[1] is None or p[0] not in whole_sites),
                        key=lambda p: (p[0], p[1] or 0)))


def _scope_clause(scope: Scope | None, filters: WorkFilter):
    """The WHERE part that keeps the list inside the grants (and the narrowing filters)."""
    clauses = []
    if scope is not None:
        ors = [and_(Application.site_id == site, Application.agency_id == agency) if agency is not None
               else Application.site_id == site for site, agency in scope]
        clauses.append(or_(*ors) if ors else false())
    if filters.site_id is not None:
        clauses.append(Application.site_id == filters.site_id)
    if filters.agency_id is not None:
        clauses.append(Application.agency_id == filters.agency_id)
    return clauses


def _filter_clauses(filters: WorkFilter, *, principal: Principal, today: date):
    clauses = []
    if filters.state:  # any state, a terminal one lists closed applications
        clauses.append(Application.state == filters.state)
    else:
        clauses.append(col(Application.open).is_(True))
    if filters.service_id is not None:
        clauses.append(Application.service_id == filters.service_id)
    if filters.due == "today":
        clauses.append(Application.due_date == today)
        clauses.append(col(Application.waiting_since).is_(None))
    elif filters.due == "overdue":
        clauses.append(Application.due_date < today)
        clauses.append(col(Application.waiting_since).is_(None))
    if filters.assigned == "me":
        clauses.append(Application.assigned_to == principal.user_id)
    elif filters.assigned == "none":
        clauses.append(col(Application.assigned_to).is_(None))
    return clauses


def work_list(
    *,
    session: Session,
    principal: Principal,
    today: date,
    filters: WorkFilter = WorkFilter(),
    after: tuple[date, int] | None = None,
    limit: int = PAGE_SIZE,
) -> WorkPage:
    """The applications ``principal`` may work on, earliest deadline first, one page at a time.

    Args:
        today: the site's local date (due-today and overdue flags and filters).
        filters: state, service, due, assigned, site/agency narrowing.
        after: the ``next_after`` of the previous page (keyset paging on due date and id).

    Raises:
        NotAllowed: for anyone but officers, site admins and superadmins.
    """
    if filters.due not in DUE_FILTERS or filters.assigned not in ASSIGNED_FILTERS:
        raise ValidationError("filter", "office.bad_filter")
    scope = scope_of(principal)
    where = _scope_clause(scope, filters) + _filter_clauses(filters, principal=principal, today=today)
    if after is not None:
        where.append(tuple_(Application.due_date, Application.id) > tuple_(after[0], after[1]))
    # The page first (one index range), then its labels: joins never widen the scan.
    page = (select(Application.id, Application.due_date).where(*where)
            .order_by(col(Application.due_date), col(Application.id)).limit(limit + 1).subquery())
    rows = session.exec(
        select(Application, Service.name, Agency.short_name, User.full_name)
        .join(page, col(page.c.id) == Application.id)
        .join(Service, col(Service.id) == Application.service_id)
        .join(Agency, col(Agency.id) == Application.agency_id)
        .outerjoin(User, col(User.id) == Application.assigned_to)
        .order_by(col(Application.due_date), col(Application.id))
    ).all()
    items = [_item(app, service_name, agency_name, assignee or "", today)
             for app, service_name, agency_name, assignee in rows[:limit]]
    more = len(rows) > limit
    return WorkPage(items=items, next_after=(items[-1].due_date, items[-1].application_id) if more and items else None)


def count_flags(*, session: Session, principal: Principal, today: date, filters: WorkFilter = WorkFilter()
                ) -> dict[str, int]:
    """How many open applications of the scope are due today and overdue (the list's header)."""
    scope = scope_of(principal)
    where = [*_scope_clause(scope, filters), col(Application.open).is_(True),
             col(Application.waiting_since).is_(None)]
    due_today = session.exec(select(func.count()).select_from(Application).where(
        *where, Application.due_date == today)).one()
    overdue = session.exec(select(func.count()).select_from(Application).where(
        *where, Application.due_date < today)).one()
    return {"due_today": int(due_today), "overdue": int(overdue)}


def _item(app: Application, service_name: str, agency_name: str, assignee: str, today: date) -> WorkItem:
    ticking = app.open and app.waiting_since is None
    return WorkItem(
        application_id=app.id or 0, tracking_number=app.tracking_number, site_id=app.site_id,
        agency_id=app.agency_id, agency_name=agency_name, service_id=app.service_id, service_name=service_name,
        state=app.state, open=app.open, submitted_at=app.submitted_at, due_date=app.due_date,
        waiting_on_citizen=app.waiting_since is not None, assigned_to=app.assigned_to, assignee_name=assignee,
        version=app.version, due_today=ticking and app.due_date == today, overdue=ticking and app.due_date < today,
    )


# --------------------------------------------------------------------------- claim and assign


def _application(session: Session, application_id: int) -> Application:
    app = session.get(Application, application_id)
    if app is None:
        raise DomainError("office.not_found")
    return app


def may_work_on(principal: Principal, app: Application) -> bool:
    """Whether ``principal``'s grants cover the application's site and agency."""
    try:
        authorize(principal, Role.OFFICER, Role.SITE_ADMIN, site_id=app.site_id, agency_id=app.agency_id)
    except NotAllowed:
        return False
    return True


def _set_assignee(session: Session, app: Application, *, assignee: int | None, seen_version: int,
                  actor: Principal, action: str, now: datetime, require_unassigned: bool) -> Application:
    """Move the application to ``assignee`` if nobody changed it since ``seen_version``; one timeline event."""
    where = [Application.id == app.id, Application.version == seen_version, col(Application.open).is_(True)]
    if require_unassigned:
        where.append(or_(col(Application.assigned_to).is_(None), Application.assigned_to == actor.user_id))
    changed = session.exec(  # type: ignore[call-overload]
        update(Application).where(*where)
        .values(assigned_to=assignee, version=Application.version + 1, updated_at=now)
    ).rowcount
    if changed != 1:
        fresh = session.exec(select(Application).where(Application.id == app.id)
                             .execution_options(populate_existing=True)).first()
        if fresh is not None and not fresh.open:
            raise DomainError("office.closed")
        if fresh is not None and fresh.version == seen_version and require_unassigned:
            raise DomainError("office.claimed_by_other")
        raise ValidationError("version", STALE)
    session.add(ApplicationEvent(application_id=app.id or 0, at=now, actor_user_id=actor.user_id,
                                 actor_kind="officer", action=action, from_state=app.state, to_state=app.state))
    session.flush()
    session.refresh(app)
    return app


def claim(*, session: Session, principal: Principal, application_id: int, seen_version: int,
          now: datetime) -> Application:
    """Take an open, unassigned application of one's scope (assign to self).

    Raises:
        ActionRefused: outside the officer's site and agency (``lifecycle.record_refusal`` audits it).
        DomainError: ``office.not_found``, ``office.closed``, ``office.claimed_by_other``.
        ValidationError: ``app.stale`` when it changed since ``seen_version`` (someone else claimed it).
    """
    app = _application(session, application_id)
    if not may_work_on(principal, app):
        raise ActionRefused(application=app, principal=principal, action="claim", reason="scope")
    return _set_assignee(session, app, assignee=principal.user_id, seen_version=seen_version, actor=principal,
                         action="claim", now=now, require_unassigned=True)


def assignable_officers(*, session: Session, principal: Principal, application_id: int) -> list[tuple[int, str]]:
    """(user id, name) of the active officers whose grant covers the application (a site admin's choice)."""
    app = _application(session, application_id)
    authorize(principal, Role.SITE_ADMIN, site_id=app.site_id)
    rows = session.exec(
        select(User.id, User.full_name).join(RoleAssignment, col(RoleAssignment.user_id) == User.id)
        .where(RoleAssignment.role == Role.OFFICER, RoleAssignment.site_id == app.site_id,
               or_(col(RoleAssignment.agency_id).is_(None), RoleAssignment.agency_id == app.agency_id),
               col(User.is_active).is_(True))
        .order_by(col(User.full_name)).distinct()).all()
    return [(uid or 0, name) for uid, name in rows]


def assign(*, session: Session, principal: Principal, application_id: int, assignee_id: int | None,
           seen_version: int, now: datetime) -> Application:
    """A site admin (re)assigns an application of their site to one of its officers (None: nobody).

    Raises:
        ActionRefused: not a site admin of that site.
        DomainError: ``office.not_assignable`` when the officer's grant does not cover the application.
        ValidationError: ``app.stale`` when it changed since ``seen_version``.
    """
    app = _application(session, application_id)
    try:
        authorize(principal, Role.SITE_ADMIN, site_id=app.site_id)
    except NotAllowed:
        raise ActionRefused(application=app, principal=principal, action="assign", reason="scope") from None
    if assignee_id is not None and assignee_id not in {
            uid for uid, _ in assignable_officers(session=session, principal=principal, application_id=app.id or 0)}:
        raise DomainError("office.not_assignable")
    return _set_assignee(session, app, assignee=assignee_id, seen_version=seen_version, actor=principal,
                         action="assign", now=now, require_unassigned=False)


@dataclass(frozen=True)
class FilterChoices:
    """What the work list's filters offer ``principal``: services and agencies of the scope."""

    services: list[tuple[int, str]]
    agencies: list[tuple[int, str]]  # more than one: a site admin (or a superadmin) may narrow to one


def filter_choices(*, session: Session, principal: Principal) -> FilterChoices:
    """The services and agencies the work list of ``principal`` covers (for its filter menus)."""
    scope = scope_of(principal)
    agencies = select(Agency.id, Agency.short_name)
    if scope is not None:
        named = {agency for _, agency in scope if agency is not None}
        whole = {site for site, agency in scope if agency is None}
        present = select(SiteAgency.agency_id).where(col(SiteAgency.site_id).in_(whole))
        agencies = agencies.where(or_(col(Agency.id).in_(named), col(Agency.id).in_(present)))
    agency_rows = [(aid or 0, name) for aid, name in session.exec(agencies.order_by(col(Agency.short_name))).all()]
    services = session.exec(select(Service.id, Service.name).where(
        col(Service.agency_id).in_([aid for aid, _ in agency_rows])).order_by(col(Service.name))).all()
    return FilterChoices(services=[(sid or 0, name) for sid, name in services], agencies=agency_rows)
