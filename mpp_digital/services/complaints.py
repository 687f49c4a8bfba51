"""Complaints (pengaduan) as SP4N-LAPOR! handles them (no reflex here).

A citizen files a complaint about a service at a site, the site itself, their own queue ticket
or their own application. It gets a tracking number and walks a timeline whose deadlines are
working days (``services.applications.working_days``, the one clock of issue 13, national holidays
and cuti bersama included):

    diterima --(site admin forwards, within 3)--> diteruskan --(agency answers, within 5)-->
    ditindaklanjuti --(citizen accepts, or 10 working days pass)--> selesai

Within the 10 working days the citizen may reopen it once (back to diteruskan, the agency
answers again within 5). :func:`sweep` (run by every backend worker's periodic loop, beside the
mail outbox) closes unanswered complaints after their window and escalates overdue steps to
the site's admins, on their screen (``overdue``) and by mail (the outbox).

"anonim": nobody in the back office sees who filed it. "rahasia": its content never leaves the
complainant and the back office (the public statistics count complaints and carry no content).
The description and every note are sealed at rest. Every back-office action is audited and
guarded by the complaint's ``version`` (optimistic concurrency: one of two racing officers wins,
the other is told to reload).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    COMPLAINT_CATEGORIES,
    COMPLAINT_SUBJECTS,
    Agency,
    Application,
    Complaint,
    ComplaintAttachment,
    ComplaintCounter,
    ComplaintEvent,
    ComplaintStatus,
    MppSite,
    PendingMail,
    QueueTicket,
    Role,
    RoleAssignment,
    Service,
    SiteAgency,
    SiteService,
    StoredDocument,
    User,
)
from mpp_digital.services import analytics, audit
from mpp_digital.services.applications.working_days import add_working_days, local_day
from mpp_digital.services.authz import Principal
from mpp_digital.services.sealing import seal, unseal

# LAPOR! deadlines, in working days.
FORWARD_DAYS = 3  # diterima -> diteruskan
ANSWER_DAYS = 5  # diteruskan -> ditindaklanjuti (from forwarding, or from a reopen)
RESPONSE_DAYS = 10  # the citizen's window to accept or reopen; then it closes itself
MAX_REOPENS = 1
MAX_TEXT = 5_000  # characters of a description, an answer or a note
MAX_ATTACHMENTS = 5
SUBJECT_KINDS = COMPLAINT_SUBJECTS
CATEGORIES = COMPLAINT_CATEGORIES
OPEN_STATUSES = (ComplaintStatus.RECEIVED.value, ComplaintStatus.FORWARDED.value, ComplaintStatus.ANSWERED.value)
# Steps whose deadline is the back office's (overdue, escalated); the citizen's window is theirs.
STAFF_STEPS = (ComplaintStatus.RECEIVED.value, ComplaintStatus.FORWARDED.value)
SEAL_PURPOSE = "complaint"
ESCALATION_MAIL = "complaint_escalation"
UPDATE_MAIL = "complaint_update"
SYNTHETIC_SOURCE = "generator"


# --------------------------------------------------------------------------- helpers


def _text(value: str | None, field: str, *, required: bool = True) -> str:
    """Checked free text: refused when empty (if required) or longer than MAX_TEXT, before anything is stored."""
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(field, "complaint.too_long", max=f"{MAX_TEXT:,}".replace(",", "."), length=len(text))
    if required and not text:
        raise ValidationError(field, "complaint.text_required")
    return text


def _holidays(holidays: Container[date] | None) -> Container[date]:
    if holidays is not None:
        return holidays
    from mpp_digital.services.queue import national_holidays  # the shipped list or MPP_HOLIDAYS_FILE

    return national_holidays()


def _next_tracking_number(session: Session, regency_code: str, year: int) -> str:
    digits = regency_code.replace(".", "")[:4]
    dialect = session.get_bind().dialect.name
    make_insert = pg_dialect.insert if dialect == "postgresql" else sqlite_dialect.insert
    table = ComplaintCounter.__table__
    stmt = make_insert(table).values(regency_digits=digits, year=year, last_number=1)
    stmt = stmt.on_conflict_do_update(index_elements=["regency_digits", "year"],
                                      set_={"last_number": table.c.last_number + 1}).returning(table.c.last_number)
    number = session.execute(stmt).scalar_one()
    return f"ADU-{digits}-{year}-{number:06d}"


def _event(session: Session, complaint: Complaint, *, at: datetime, action: str, actor: int | None,
           actor_kind: str, before: str | None, note: str = "") -> None:
    session.add(ComplaintEvent(complaint_id=complaint.id or 0, at=at, actor_user_id=actor, actor_kind=actor_kind,
                               action=action, from_status=before, to_status=complaint.status,
                               note_sealed=seal(note, purpose=SEAL_PURPOSE) if note else ""))


def _record_fact(session: Session, complaint: Complaint, outcome: str, at: datetime, step: str) -> None:
    """Feed the analytics rollups (complaints opened / closed); needs the agency, so a complaint about
    the site itself counts as opened when it is forwarded to one."""
    if complaint.agency_id is None:
        return
    analytics.record_service_event(
        session=session, kind="complaint", outcome=outcome, site_id=complaint.site_id,
        agency_id=complaint.agency_id, service_id=complaint.service_id, channel="online", occurred_at=at,
        source="complaint", source_ref=f"{complaint.id}:{step}")


def _queue_mail(session: Session, kind: str, complaint: Complaint, now: datetime, lang: str = "id") -> None:
    session.add(PendingMail(kind=kind, ref=complaint.id or 0, lang=lang, created_at=now, due_at=now))


def _transition(session: Session, complaint: Complaint, seen_version: int, now: datetime, **values) -> None:
    """Apply ``values`` when nobody changed the complaint since ``seen_version`` was read; else refuse."""
    result = session.execute(
        update(Complaint).where(col(Complaint.id) == complaint.id, col(Complaint.version) == seen_version)
        .values(version=seen_version + 1, updated_at=now, **values))
    if result.rowcount != 1:
        raise DomainError("complaint.stale")
    session.refresh(complaint)


# --------------------------------------------------------------------------- filing


@dataclass(frozen=True)
class Subject:
    """What a complaint is about, resolved and checked."""

    kind: str
    site: MppSite
    agency_id: int | None
    service_id: int | None
    ticket_id: int | None = None
    application_id: int | None = None


def resolve_subject(*, session: Session, citizen_id: int, kind: str, site_id: int | None = None,
                    service_id: int | None = None, ticket_id: int | None = None,
                    application_id: int | None = None) -> Subject:
    """Check what the complaint is about; a ticket or an application must be the citizen's own."""
    if kind not in SUBJECT_KINDS:
        raise ValidationError("subject", "complaint.bad_subject")
    if kind == "ticket":
        ticket = session.get(QueueTicket, ticket_id) if ticket_id else None
        if ticket is None or ticket.citizen_id != citizen_id:  # another person's ticket: refused alike
            raise ValidationError("subject", "complaint.not_your_ticket")
        return Subject(kind, _site(session, ticket.site_id), ticket.agency_id, ticket.service_id, ticket_id=ticket.id)
    if kind == "application":
        app = session.get(Application, application_id) if application_id else None
        if app is None or app.citizen_id != citizen_id:
            raise ValidationError("subject", "complaint.not_your_application")
        return Subject(kind, _site(session, app.site_id), app.agency_id, app.service_id, application_id=app.id)
    site = _site(session, site_id)
    if kind == "site":
        return Subject(kind, site, None, None)
    service = session.get(Service, service_id) if service_id else None
    offered = service is not None and session.exec(
        select(SiteService.id).where(SiteService.site_id == site.id, SiteService.service_id == service.id)).first()
    if not offered or service is None:
        raise ValidationError("service", "complaint.service_not_at_site")
    return Subject(kind, site, service.agency_id, service.id)


def _site(session: Session, site_id: int | None) -> MppSite:
    site = session.get(MppSite, site_id) if site_id else None
    if site is None:
        raise ValidationError("site", "complaint.no_site")
    return site


def file_complaint(*, session: Session, citizen_id: int, subject_kind: str, category: str, description: str,
                   now: datetime, site_id: int | None = None, service_id: int | None = None,
                   ticket_id: int | None = None, application_id: int | None = None, anonymous: bool = False,
                   confidential: bool = False, document_ids: Iterable[int] = (),
                   holidays: Container[date] | None = None, source: str = "app", lang: str = "id") -> Complaint:
    """File a complaint: checked whole before anything is written (nothing half-saved).

    Raises:
        ValidationError: description empty or over 5,000 characters (``complaint.too_long``), an
            unknown category or subject, another person's ticket or application, a document that
            is not the citizen's.
    """
    text = _text(description, "description")
    if category not in CATEGORIES:
        raise ValidationError("category", "complaint.bad_category")
    subject = resolve_subject(session=session, citizen_id=citizen_id, kind=subject_kind, site_id=site_id,
                              service_id=service_id, ticket_id=ticket_id, application_id=application_id)
    documents = _own_documents(session, citizen_id, document_ids)
    day = local_day(subject.site, now)
    complaint = Complaint(
        tracking_number=_next_tracking_number(session, subject.site.regency_code, day.year),
        citizen_id=citizen_id, site_id=subject.site.id or 0, agency_id=subject.agency_id,
        service_id=subject.service_id, ticket_id=subject.ticket_id, application_id=subject.application_id,
        subject_kind=subject.kind, category=category, description_sealed=seal(text, purpose=SEAL_PURPOSE) or "",
        anonymous=anonymous, confidential=confidential, status=ComplaintStatus.RECEIVED.value, filed_at=now,
        filed_day=day, due_date=add_working_days(day, FORWARD_DAYS, holidays=_holidays(holidays)), source=source,
        updated_at=now)
    session.add(complaint)
    session.flush()
    for doc_id in documents:
        session.add(ComplaintAttachment(complaint_id=complaint.id or 0, document_id=doc_id, attached_at=now))
    _event(session, complaint, at=now, action="file", actor=citizen_id, actor_kind="citizen", before=None)
    _record_fact(session, complaint, "opened", now, "opened")
    _queue_mail(session, UPDATE_MAIL, complaint, now, lang)
    return complaint


def _own_documents(session: Session, citizen_id: int, document_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in document_ids))
    if len(ids) > MAX_ATTACHMENTS:
        raise ValidationError("documents", "complaint.too_many_documents", max=MAX_ATTACHMENTS)
    if not ids:
        return []
    rows = session.exec(select(StoredDocument).where(col(StoredDocument.id).in_(ids))).all()
    if len(rows) != len(ids) or any(r.owner_id != citizen_id or r.deleted_at is not None for r in rows):
        raise ValidationError("documents", "complaint.not_your_document")
    return ids


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TimelineStep:
    """One step of the timeline as a reader sees it."""

    at: datetime
    action: str
    actor_kind: str
    to_status: str | None
    note: str


@dataclass(frozen=True)
class ComplaintDetail:
    """A complaint as one reader may see it (the filer's name only where allowed)."""

    id: int
    tracking_number: str
    status: str
    subject_kind: str
    site_name: str
    agency_name: str
    service_name: str
    category: str
    description: str
    anonymous: bool
    confidential: bool
    filer_name: str  # "" when anonim and read by the back office
    filed_at: datetime
    due_date: date | None
    overdue: bool
    can_respond: bool  # the citizen may accept or reopen now
    can_reopen: bool
    reopen_count: int
    version: int
    attachments: int
    timeline: tuple[TimelineStep, ...]


def _names(session: Session, complaint: Complaint) -> tuple[str, str, str]:
    site = session.get(MppSite, complaint.site_id)
    agency = session.get(Agency, complaint.agency_id) if complaint.agency_id else None
    service = session.get(Service, complaint.service_id) if complaint.service_id else None
    return (site.name if site else "", agency.short_name if agency else "", service.name if service else "")


def _overdue(complaint: Complaint, today: date) -> bool:
    return complaint.status in STAFF_STEPS and complaint.due_date is not None and complaint.due_date < today


def _detail(session: Session, complaint: Complaint, now: datetime, *, show_filer: bool) -> ComplaintDetail:
    site = session.get(MppSite, complaint.site_id)
    today = local_day(site, now) if site else now.date()
    site_name, agency_name, service_name = _names(session, complaint)
    events = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                          .order_by(col(ComplaintEvent.at), col(ComplaintEvent.id))).all()
    filer = session.get(User, complaint.citizen_id) if show_filer else None
    in_window = (complaint.status == ComplaintStatus.ANSWERED.value and complaint.due_date is not None
                 and today <= complaint.due_date)
    attachments = len(session.exec(select(ComplaintAttachment.id)
                                   .where(ComplaintAttachment.complaint_id == complaint.id)).all())
    return ComplaintDetail(
        id=complaint.id or 0, tracking_number=complaint.tracking_number, status=complaint.status,
        subject_kind=complaint.subject_kind, site_name=site_name, agency_name=agency_name,
        service_name=service_name, category=complaint.category,
        description=unseal(complaint.description_sealed, purpose=SEAL_PURPOSE) or "",
        anonymous=complaint.anonymous, confidential=complaint.confidential,
        filer_name=filer.full_name if filer else "", filed_at=complaint.filed_at, due_date=complaint.due_date,
        overdue=_overdue(complaint, today), can_respond=in_window,
        can_reopen=in_window and complaint.reopen_count < MAX_REOPENS, reopen_count=complaint.reopen_count,
        version=complaint.version, attachments=attachments,
        timeline=tuple(TimelineStep(at=e.at, action=e.action, actor_kind=e.actor_kind, to_status=e.to_status,
                                    note=unseal(e.note_sealed, purpose=SEAL_PURPOSE) or "" if e.note_sealed else "")
                       for e in events))


@dataclass(frozen=True)
class ComplaintRow:
    """One line of a complaint list (no description)."""

    id: int
    tracking_number: str
    status: str
    site_name: str
    agency_name: str
    category: str
    filed_at: datetime
    due_date: date | None
    overdue: bool
    anonymous: bool
    confidential: bool
    version: int


def _rows(session: Session, complaints: Iterable[Complaint], now: datetime) -> list[ComplaintRow]:
    sites: dict[int, MppSite | None] = {}
    out = []
    for c in complaints:
        if c.site_id not in sites:
            sites[c.site_id] = session.get(MppSite, c.site_id)
        site = sites[c.site_id]
        site_name, agency_name, _ = _names(session, c)
        out.append(ComplaintRow(
            id=c.id or 0, tracking_number=c.tracking_number, status=c.status, site_name=site_name,
            agency_name=agency_name, category=c.category, filed_at=c.filed_at, due_date=c.due_date,
            overdue=_overdue(c, local_day(site, now) if site else now.date()), anonymous=c.anonymous,
            confidential=c.confidential, version=c.version))
    return out


def own_complaints(*, session: Session, citizen_id: int, now: datetime, limit: int = 100) -> list[ComplaintRow]:
    """The citizen's own complaints, newest first."""
    rows = session.exec(select(Complaint).where(Complaint.citizen_id == citizen_id)
                        .order_by(col(Complaint.filed_at).desc()).limit(limit)).all()
    return _rows(session, rows, now)


def own_complaint(*, session: Session, citizen_id: int, complaint_id: int, now: datetime) -> ComplaintDetail:
    """One of the citizen's own complaints with its timeline; another person's is "not found"."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.citizen_id != citizen_id:
        raise DomainError("complaint.not_found")
    return _detail(session, complaint, now, show_filer=True)


# --------------------------------------------------------------------------- back office scope


def _staff_clause(principal: Principal):
    """SQL condition: the complaints the principal's grants cover (site admins: all of their sites';
    officers: those forwarded to their agency at their site)."""
    if Role.SUPERADMIN in principal.roles:
        return None
    clauses = []
    for grant in principal.grants:
        if grant.role == Role.SITE_ADMIN and grant.site_id:
            clauses.append(col(Complaint.site_id) == grant.site_id)
        elif grant.role == Role.OFFICER and grant.site_id:
            agency = (col(Complaint.agency_id) == grant.agency_id if grant.agency_id
                      else col(Complaint.agency_id).is_not(None))
            clauses.append(and_(col(Complaint.site_id) == grant.site_id,
                                col(Complaint.status) != ComplaintStatus.RECEIVED.value, agency))
    if not clauses:
        raise NotAllowed()
    return or_(*clauses)


def _staff_role(principal: Principal, complaint: Complaint) -> str:
    """``site_admin`` or ``officer`` when the principal may act on the complaint; refused otherwise."""
    if Role.SUPERADMIN in principal.roles:
        return "site_admin"
    for grant in principal.grants:
        if grant.role == Role.SITE_ADMIN and grant.site_id == complaint.site_id:
            return "site_admin"
    for grant in principal.grants:
        if (grant.role == Role.OFFICER and grant.site_id == complaint.site_id and complaint.agency_id is not None
                and complaint.status != ComplaintStatus.RECEIVED.value
                and (grant.agency_id is None or grant.agency_id == complaint.agency_id)):
            return "officer"
    raise NotAllowed()


def _staff_complaint(session: Session, principal: Principal, complaint_id: int) -> tuple[Complaint, str]:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise DomainError("complaint.not_found")
    return complaint, _staff_role(principal, complaint)


def worklist(*, session: Session, principal: Principal, now: datetime, open_only: bool = True,
             limit: int = 200) -> list[ComplaintRow]:
    """The complaints of the principal's scope, the earliest deadline first."""
    # the generator's complaints feed the (labelled) statistics only: nobody works on sample data
    query = select(Complaint).where(col(Complaint.source) != SYNTHETIC_SOURCE)
    clause = _staff_clause(principal)
    if clause is not None:
        query = query.where(clause)
    if open_only:
        query = query.where(col(Complaint.status).in_(OPEN_STATUSES))
    query = query.order_by(col(Complaint.due_date).is_(None), col(Complaint.due_date), col(Complaint.id)).limit(limit)
    return _rows(session, session.exec(query).all(), now)


def staff_complaint(*, session: Session, principal: Principal, complaint_id: int, now: datetime) -> ComplaintDetail:
    """One complaint of the principal's scope; the filer's name is hidden when it is anonim."""
    complaint, _ = _staff_complaint(session, principal, complaint_id)
    return _detail(session, complaint, now, show_filer=not complaint.anonymous)


def overdue(*, session: Session, principal: Principal, now: datetime) -> list[ComplaintRow]:
    """The escalation screen: open complaints of the principal's sites past their step's deadline."""
    return [r for r in worklist(session=session, principal=principal, now=now) if r.overdue]


def site_agencies(*, session: Session, principal: Principal, complaint_id: int) -> list[tuple[int, str]]:
    """The agencies at the complaint's site a site admin may forward it to (id, short name)."""
    complaint, role = _staff_complaint(session, principal, complaint_id)
    if role != "site_admin":
        raise NotAllowed()
    rows = session.exec(select(Agency.id, Agency.short_name).join(SiteAgency, col(SiteAgency.agency_id) == Agency.id)
                        .where(SiteAgency.site_id == complaint.site_id).order_by(Agency.short_name)).all()
    return [(r[0], r[1]) for r in rows]


# --------------------------------------------------------------------------- actions


def forward(*, session: Session, principal: Principal, complaint_id: int, seen_version: int, now: datetime,
            agency_id: int | None = None, note: str = "", ip_address: str = "",
            holidays: Container[date] | None = None) -> Complaint:
    """The site admin forwards a received complaint to an agency at the site (diterima -> diteruskan)."""
    text = _text(note, "note", required=False)
    complaint, role = _staff_complaint(session, principal, complaint_id)
    if role != "site_admin":
        raise NotAllowed()
    if complaint.status != ComplaintStatus.RECEIVED.value:
        raise DomainError("complaint.wrong_status")
    target = agency_id or complaint.agency_id
    if target is None or not session.exec(select(SiteAgency.id).where(
            SiteAgency.site_id == complaint.site_id, SiteAgency.agency_id == target)).first():
        raise ValidationError("agency", "complaint.agency_not_at_site")
    site = _site(session, complaint.site_id)
    had_agency = complaint.agency_id is not None
    before = complaint.status
    _transition(session, complaint, seen_version, now, status=ComplaintStatus.FORWARDED.value, agency_id=target,
                forwarded_at=now, due_date=add_working_days(local_day(site, now), ANSWER_DAYS, holidays=_holidays(holidays)))
    _event(session, complaint, at=now, action="forward", actor=principal.user_id, actor_kind=role, before=before,
           note=text)
    if not had_agency:
        _record_fact(session, complaint, "opened", now, "opened")
    audit.record(session=session, action="complaint.forward", now=now, actor_user_id=principal.user_id,
                 target=complaint.tracking_number, ip_address=ip_address, detail={"agency_id": target})
    return complaint


def answer(*, session: Session, principal: Principal, complaint_id: int, seen_version: int, text: str,
           now: datetime, ip_address: str = "", holidays: Container[date] | None = None) -> Complaint:
    """The agency's officer (or the site admin) answers a forwarded complaint (diteruskan -> ditindaklanjuti)."""
    body = _text(text, "answer")
    complaint, role = _staff_complaint(session, principal, complaint_id)
    if complaint.status != ComplaintStatus.FORWARDED.value:
        raise DomainError("complaint.wrong_status")
    site = _site(session, complaint.site_id)
    before = complaint.status
    _transition(session, complaint, seen_version, now, status=ComplaintStatus.ANSWERED.value, answered_at=now,
                first_answered_at=complaint.first_answered_at or now, escalated_step=None,
                due_date=add_working_days(local_day(site, now), RESPONSE_DAYS, holidays=_holidays(holidays)))
    _event(session, complaint, at=now, action="answer", actor=principal.user_id, actor_kind=role, before=before,
           note=body)
    audit.record(session=session, action="complaint.answer", now=now, actor_user_id=principal.user_id,
                 target=complaint.tracking_number, ip_address=ip_address)
    _queue_mail(session, UPDATE_MAIL, complaint, now)
    return complaint


def _citizen_complaint(session: Session, citizen_id: int, complaint_id: int, now: datetime) -> tuple[Complaint, date]:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.citizen_id != citizen_id:
        raise DomainError("complaint.not_found")
    if complaint.status != ComplaintStatus.ANSWERED.value:
        raise DomainError("complaint.wrong_status")
    today = local_day(_site(session, complaint.site_id), now)
    if complaint.due_date is None or today > complaint.due_date:
        raise DomainError("complaint.window_closed", days=RESPONSE_DAYS)
    return complaint, today


def accept(*, session: Session, citizen_id: int, complaint_id: int, seen_version: int, now: datetime,
           note: str = "") -> Complaint:
    """The citizen accepts the answer (ditindaklanjuti -> selesai), with an optional reply."""
    text = _text(note, "note", required=False)
    complaint, _ = _citizen_complaint(session, citizen_id, complaint_id, now)
    before = complaint.status
    _transition(session, complaint, seen_version, now, status=ComplaintStatus.CLOSED.value, closed_at=now,
                closed_day=local_day(_site(session, complaint.site_id), now), closed_by="citizen", due_date=None)
    _event(session, complaint, at=now, action="accept", actor=citizen_id, actor_kind="citizen", before=before,
           note=text)
    _record_fact(session, complaint, "closed", now, "closed")
    return complaint


def reopen(*, session: Session, citizen_id: int, complaint_id: int, seen_version: int, reason: str, now: datetime,
           holidays: Container[date] | None = None) -> Complaint:
    """The citizen reopens once within the window (ditindaklanjuti -> diteruskan, answer due in 5 working days).

    Raises:
        DomainError: ``complaint.window_closed`` after the 10 working days, ``complaint.reopen_once``
            for a second reopen.
    """
    text = _text(reason, "reason")
    complaint, today = _citizen_complaint(session, citizen_id, complaint_id, now)
    if complaint.reopen_count >= MAX_REOPENS:
        raise DomainError("complaint.reopen_once")
    before = complaint.status
    _transition(session, complaint, seen_version, now, status=ComplaintStatus.FORWARDED.value,
                reopen_count=complaint.reopen_count + 1, escalated_step=None,
                due_date=add_working_days(today, ANSWER_DAYS, holidays=_holidays(holidays)))
    _event(session, complaint, at=now, action="reopen", actor=citizen_id, actor_kind="citizen", before=before,
           note=text)
    return complaint


# --------------------------------------------------------------------------- the periodic sweep


def sweep(*, session: Session, now: datetime, limit: int = 500) -> tuple[int, int]:
    """Close answered complaints whose window ended and escalate overdue steps; (closed, escalated).

    Safe with several workers: every change is a version-checked UPDATE, so a complaint another
    worker took in the meantime is skipped.
    """
    horizon = now.date()  # no site is more than a day ahead of UTC: a cheap superset, checked per row
    rows = session.exec(select(Complaint).where(col(Complaint.status).in_(OPEN_STATUSES),
                                                col(Complaint.due_date) <= horizon,
                                                col(Complaint.source) != SYNTHETIC_SOURCE)
                        .order_by(col(Complaint.due_date)).limit(limit)).all()
    sites: dict[int, MppSite] = {}
    closed = escalated = 0
    for complaint in rows:
        site = sites.get(complaint.site_id) or _site(session, complaint.site_id)
        sites[complaint.site_id] = site
        if complaint.due_date is None or complaint.due_date >= local_day(site, now):
            continue
        try:
            if complaint.status == ComplaintStatus.ANSWERED.value:
                _transition(session, complaint, complaint.version, now, status=ComplaintStatus.CLOSED.value,
                            closed_at=now, closed_day=local_day(site, now), closed_by="system", due_date=None)
                _event(session, complaint, at=now, action="auto_close", actor=None, actor_kind="system",
                       before=ComplaintStatus.ANSWERED.value)
                _record_fact(session, complaint, "closed", now, "closed")
                closed += 1
            elif complaint.escalated_step != complaint.status:
                _transition(session, complaint, complaint.version, now, escalated_step=complaint.status)
                _event(session, complaint, at=now, action="escalate", actor=None, actor_kind="system",
                       before=complaint.status)
                _queue_mail(session, ESCALATION_MAIL, complaint, now)
                escalated += 1
        except DomainError:  # another worker changed it first
            continue
    return closed, escalated


# --------------------------------------------------------------------------- mail


def escalation_mail(*, session: Session, complaint_id: int, lang: str, base_url: str) -> tuple[str, str, str] | None:
    """To the site's admins: a complaint step is overdue (tracking number and link, no content)."""
    from mpp_digital.i18n import t

    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.status not in STAFF_STEPS:
        return None
    emails = session.exec(select(User.email).join(RoleAssignment, col(RoleAssignment.user_id) == User.id)
                          .where(RoleAssignment.role == Role.SITE_ADMIN.value,
                                 RoleAssignment.site_id == complaint.site_id, col(User.is_active))).all()
    if not emails:
        return None
    subject = t("complaint.mail.escalation_subject", lang, number=complaint.tracking_number)
    body = t("complaint.mail.escalation_body", lang, number=complaint.tracking_number,
             status=t(f"complaint.status.{complaint.status}", lang),
             due=complaint.due_date.isoformat() if complaint.due_date else "", url=f"{base_url}/petugas/pengaduan")
    return ", ".join(sorted(set(emails))), subject, body


def update_mail(*, session: Session, complaint_id: int, lang: str, base_url: str) -> tuple[str, str, str] | None:
    """To the complainant: the complaint's current status and where to follow it (no content)."""
    from mpp_digital.i18n import t

    complaint = session.get(Complaint, complaint_id)
    user = session.get(User, complaint.citizen_id) if complaint else None
    if complaint is None or user is None or not user.is_active:
        return None
    subject = t("complaint.mail.update_subject", lang, number=complaint.tracking_number)
    body = t("complaint.mail.update_body", lang, number=complaint.tracking_number,
             status=t(f"complaint.status.{complaint.status}", lang), url=f"{base_url}/pengaduan")
    return user.email, subject, body


# --------------------------------------------------------------------------- public statistics


@dataclass(frozen=True)
class SiteComplaintStats:
    """Public complaint figures of one site over a period: counts only, never content nor a person."""

    site_id: int
    site_name: str
    synthetic: bool  # from the history generator ("data contoh"), never summed with real rows
    received: int
    finished: int
    median_days_to_answer: float | None
    overdue: int


def site_statistics(*, session: Session, start: date, end: date, now: datetime, include_synthetic: bool,
                    site_ids: Iterable[int] | None = None) -> list[SiteComplaintStats]:
    """Per site (and provenance): complaints filed in [start, end], finished in it, the median calendar
    days from filing to the first answer (of those filed in it), and those overdue now.

    Three grouped queries (no row per complaint reaches Python on PostgreSQL): the dashboards and
    /api/v1 read it on every view.
    """
    c = Complaint.__table__.c
    synthetic = (c.source == SYNTHETIC_SOURCE).label("synthetic")
    scoped = [c.source != SYNTHETIC_SOURCE] if not include_synthetic else []
    if site_ids is not None:
        scoped.append(c.site_id.in_(list(site_ids)))
    postgres = session.get_bind().dialect.name == "postgresql"
    answered = c.first_answered_at.is_not(None)
    if postgres:
        seconds = func.extract("epoch", c.first_answered_at - c.filed_at)
        median = func.percentile_cont(0.5).within_group(seconds).filter(answered) / 86400
    else:  # SQLite: the median of a few rows per site, in Python
        median = func.group_concat(case((answered, (func.julianday(c.first_answered_at)
                                                    - func.julianday(c.filed_at))), else_=None))
    acc: dict[tuple[int, bool], dict] = defaultdict(lambda: {"received": 0, "finished": 0, "median": None,
                                                            "overdue": 0})
    for site_id, is_synthetic, count, middle in session.execute(
            select(c.site_id, synthetic, func.count(), median)
            .where(c.filed_day >= start, c.filed_day <= end, *scoped).group_by(c.site_id, synthetic)):
        entry = acc[(site_id, bool(is_synthetic))]
        entry["received"] = int(count)
        if postgres:
            entry["median"] = None if middle is None else float(middle)
        elif middle:
            entry["median"] = statistics.median(float(v) for v in str(middle).split(","))
    for site_id, is_synthetic, count in session.execute(
            select(c.site_id, synthetic, func.count())
            .where(c.closed_day >= start, c.closed_day <= end, *scoped).group_by(c.site_id, synthetic)):
        acc[(site_id, bool(is_synthetic))]["finished"] = int(count)
    m = MppSite.__table__.c  # plain columns: the name and the time zone's region are all it needs
    names = {row.id: row for row in session.execute(select(m.id, m.name, m.regency_code))}
    # Overdue: due before the site's local today, which is UTC's date or (east of UTC, after the
    # local midnight) the next one: due before UTC's date is overdue everywhere, due on it only where
    # the local date is already ahead.
    utc_today = now.astimezone(UTC).date()
    for site_id, is_synthetic, before, on_the_day in session.execute(
            select(c.site_id, synthetic, func.sum(case((c.due_date < utc_today, 1), else_=0)),
                   func.sum(case((c.due_date == utc_today, 1), else_=0)))
            .where(c.status.in_(STAFF_STEPS), c.due_date <= utc_today, *scoped)
            .group_by(c.site_id, synthetic)):
        site = names.get(site_id)
        if site is not None:
            ahead = local_day(site, now) > utc_today
            acc[(site_id, bool(is_synthetic))]["overdue"] += int(before or 0) + (int(on_the_day or 0) if ahead else 0)
    return [SiteComplaintStats(site_id=k[0], site_name=names[k[0]].name, synthetic=k[1], received=v["received"],
                               finished=v["finished"],
                               median_days_to_answer=None if v["median"] is None else round(v["median"], 1),
                               overdue=v["overdue"])
            for k, v in sorted(acc.items(), key=lambda kv: (names[kv[0][0]].name, kv[0][1])) if k[0] in names]


# --------------------------------------------------------------------------- the filing form


@dataclass(frozen=True)
class Choice:
    """One option of a select on the filing form."""

    value: str
    label: str


@dataclass(frozen=True)
class FilingChoices:
    """What the citizen may complain about: sites, the services of the chosen site, own tickets and applications."""

    sites: list[Choice]
    services: list[Choice]
    tickets: list[Choice]
    applications: list[Choice]


def filing_choices(*, session: Session, citizen_id: int, site_id: int | None, limit: int = 20) -> FilingChoices:
    """The options of the filing form (the citizen's own tickets and applications only, newest first)."""
    sites = [Choice(str(s.id), s.name) for s in session.exec(select(MppSite).order_by(col(MppSite.name))).all()]
    services: list[Choice] = []
    if site_id:
        services = [Choice(str(s.id), s.name) for s in session.exec(
            select(Service).join(SiteService, col(SiteService.service_id) == Service.id)
            .where(SiteService.site_id == site_id).order_by(col(Service.name))).all()]
    tickets = session.exec(select(QueueTicket, Service.name, MppSite.name)
                           .join(Service, col(Service.id) == QueueTicket.service_id)
                           .join(MppSite, col(MppSite.id) == QueueTicket.site_id)
                           .where(QueueTicket.citizen_id == citizen_id)
                           .order_by(col(QueueTicket.created_at).desc()).limit(limit)).all()
    applications = session.exec(select(Application, Service.name)
                                .join(Service, col(Service.id) == Application.service_id)
                                .where(Application.citizen_id == citizen_id)
                                .order_by(col(Application.submitted_at).desc()).limit(limit)).all()
    return FilingChoices(
        sites=sites, services=services,
        tickets=[Choice(str(t.id), f"{t.code} · {t.day.strftime('%d-%m-%Y')} · {service} · {site}")
                 for t, service, site in tickets],
        applications=[Choice(str(a.id), f"{a.tracking_number} · {service}") for a, service in applications])
