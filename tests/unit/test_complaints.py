"""Complaints (pengaduan): filing, the LAPOR! clock in working days, reopen rules, auto-close,
escalation, anonim/rahasia, back-office scope and concurrency, public statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    AuditLog,
    Complaint,
    ComplaintEvent,
    PendingMail,
    QueueTicket,
    Role,
    RoleAssignment,
    ServiceEvent,
    StoredDocument,
)
from mpp_digital.services import complaints
from mpp_digital.services.applications.working_days import add_working_days, working_days_between
from mpp_digital.services.authz import Grant, Principal
from tests.unit.queue_setup import MONDAY, QueueWorld, at, make_world

FRIDAY = MONDAY + timedelta(days=4)  # 2026-12-04
HOLIDAY = MONDAY + timedelta(days=7)  # a made-up holiday on Monday 2026-12-07
HOLIDAYS = {HOLIDAY}


@pytest.fixture()
def w(session: Session) -> QueueWorld:
    return make_world(session)


def _admin(w: QueueWorld, site_id: int | None = None) -> Principal:
    user = w.citizens[4]
    return Principal(user_id=user.id or 0, session_id=0, full_name=user.full_name, email=user.email,
                     email_verified=True, grants=(Grant(Role.SITE_ADMIN, site_id=site_id or w.site.id),))


def _file(session: Session, w: QueueWorld, *, when: datetime | None = None, who: int = 0, **kw) -> Complaint:
    values = {"subject_kind": "service", "site_id": w.site.id, "service_id": w.online.id, "category": "lambat",
              "description": "Antrean KK berjalan sangat lambat dan petugas tidak ada di loket."}
    values.update(kw)
    return complaints.file_complaint(session=session, citizen_id=w.citizens[who].id, now=when or at(FRIDAY, "10:00"),
                                     holidays=HOLIDAYS, **values)


def _answered(session: Session, w: QueueWorld, *, when: datetime) -> Complaint:
    c = _file(session, w, when=when)
    complaints.forward(session=session, principal=_admin(w), complaint_id=c.id, seen_version=c.version, now=when,
                       holidays=HOLIDAYS)
    complaints.answer(session=session, principal=w.officer, complaint_id=c.id, seen_version=c.version,
                      text="Kami menambah petugas pada jam sibuk.", now=when, holidays=HOLIDAYS)
    return c


# --------------------------------------------------------------------------- working days


def test_working_days_skip_weekends_and_holidays():
    assert add_working_days(FRIDAY, 3, holidays=set()) == date(2026, 12, 9)  # Fri -> Mon, Tue, Wed
    assert add_working_days(FRIDAY, 3, holidays=HOLIDAYS) == date(2026, 12, 10)  # the Monday holiday pushes it a day
    assert add_working_days(date(2026, 12, 5), 0, holidays=set()) == date(2026, 12, 7)  # Saturday -> Monday
    assert working_days_between(FRIDAY, date(2026, 12, 10), holidays=HOLIDAYS) == 3


# --------------------------------------------------------------------------- filing


def test_filing_gives_tracking_number_clock_with_holidays_and_sealed_description(session, w):
    c = _file(session, w)
    assert c.tracking_number.startswith(f"ADU-3314-{FRIDAY.year}-")
    assert c.status == "diterima" and c.due_date == date(2026, 12, 10)
    assert "lambat" not in c.description_sealed  # sealed at rest
    assert c.agency_id == w.agency.id
    second = _file(session, w)
    assert second.tracking_number != c.tracking_number
    events = session.exec(select(ServiceEvent).where(ServiceEvent.source == "complaint")).all()
    assert {(e.kind, e.outcome) for e in events} == {("complaint", "opened")}


def test_a_megabyte_of_text_is_refused_and_nothing_is_saved(session, w):
    before = len(session.exec(select(Complaint)).all())
    with pytest.raises(ValidationError) as err:
        _file(session, w, description="x" * 1_000_000)
    assert err.value.key == "complaint.too_long" and err.value.params["length"] == 1_000_000
    _file(session, w, description="y" * complaints.MAX_TEXT)  # exactly the limit is fine
    assert len(session.exec(select(Complaint)).all()) == before + 1


def test_complaint_about_another_persons_ticket_is_refused(session, w):
    now = at(MONDAY, "09:00")
    ticket = QueueTicket(site_id=w.site.id, agency_id=w.agency.id, service_id=w.online.id, day=MONDAY,
                         channel="direct", number=1, code="U-001", pin="1234", citizen_id=w.citizens[1].id,
                         slot_start_at=now, slot_end_at=now, expires_at=now, created_at=now)
    session.add(ticket)
    session.flush()
    with pytest.raises(ValidationError) as err:
        _file(session, w, subject_kind="ticket", ticket_id=ticket.id, who=0)
    assert err.value.key == "complaint.not_your_ticket"
    own = _file(session, w, subject_kind="ticket", ticket_id=ticket.id, who=1)
    assert own.ticket_id == ticket.id and own.service_id == w.online.id and own.site_id == w.site.id


def test_unknown_category_service_elsewhere_and_foreign_document_refused(session, w):
    with pytest.raises(ValidationError, match="complaint.bad_category"):
        _file(session, w, category="politik")
    with pytest.raises(ValidationError, match="complaint.service_not_at_site"):
        _file(session, w, service_id=999_999)
    doc = StoredDocument(owner_id=w.citizens[1].id, kind="foto", sha256="0" * 64, size=10, mime="image/png",
                         created_at=at(MONDAY, "08:00"))
    session.add(doc)
    session.flush()
    with pytest.raises(ValidationError, match="complaint.not_your_document"):
        _file(session, w, document_ids=[doc.id], who=0)
    assert _file(session, w, document_ids=[doc.id], who=1).id


# --------------------------------------------------------------------------- the timeline


def test_forward_answer_accept(session, w):
    c = _file(session, w)
    complaints.forward(session=session, principal=_admin(w), complaint_id=c.id, seen_version=c.version,
                       now=at(date(2026, 12, 8), "09:00"), holidays=HOLIDAYS)
    assert c.status == "diteruskan" and c.due_date == add_working_days(date(2026, 12, 8), 5, holidays=HOLIDAYS)
    complaints.answer(session=session, principal=w.officer, complaint_id=c.id, seen_version=c.version,
                      text="Sudah kami perbaiki.", now=at(date(2026, 12, 9), "09:00"), holidays=HOLIDAYS)
    assert c.status == "ditindaklanjuti" and c.due_date == date(2026, 12, 23)
    complaints.accept(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id, seen_version=c.version,
                      now=at(date(2026, 12, 10), "09:00"))
    assert c.status == "selesai" and c.closed_by == "citizen"
    detail = complaints.own_complaint(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id,
                                      now=at(date(2026, 12, 10), "10:00"))
    assert [s.action for s in detail.timeline] == ["file", "forward", "answer", "accept"]
    assert detail.timeline[2].note == "Sudah kami perbaiki."
    actions = {a.action for a in session.exec(select(AuditLog).where(AuditLog.target == c.tracking_number)).all()}
    assert actions == {"complaint.forward", "complaint.answer"}


def test_reopen_once_within_the_window(session, w):
    c = _answered(session, w, when=at(FRIDAY, "10:00"))
    day = at(date(2026, 12, 14), "09:00")
    complaints.reopen(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id, seen_version=c.version,
                      reason="Masih lambat.", now=day, holidays=HOLIDAYS)
    assert c.status == "diteruskan" and c.reopen_count == 1
    assert c.due_date == add_working_days(date(2026, 12, 14), 5, holidays=HOLIDAYS)
    complaints.answer(session=session, principal=w.officer, complaint_id=c.id, seen_version=c.version,
                      text="Petugas tambahan sudah bertugas.", now=day, holidays=HOLIDAYS)
    with pytest.raises(DomainError) as err:
        complaints.reopen(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id, seen_version=c.version,
                          reason="Lagi.", now=day, holidays=HOLIDAYS)
    assert err.value.key == "complaint.reopen_once" and c.status == "ditindaklanjuti"


def test_reopen_after_the_window_is_refused(session, w):
    c = _answered(session, w, when=at(FRIDAY, "10:00"))
    # answered Fri 4 Dec; 10 working days with the 7 Dec holiday: due Mon 21 Dec; Tue 22 is too late
    assert c.due_date == date(2026, 12, 21)
    complaints_ok = complaints.own_complaint(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id,
                                             now=at(date(2026, 12, 21), "15:00"))
    assert complaints_ok.can_reopen
    with pytest.raises(DomainError) as err:
        complaints.reopen(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id, seen_version=c.version,
                          reason="Terlambat.", now=at(date(2026, 12, 22), "08:00"), holidays=HOLIDAYS)
    assert err.value.key == "complaint.window_closed" and c.status == "ditindaklanjuti" and c.reopen_count == 0


def test_another_citizen_cannot_read_or_respond(session, w):
    c = _answered(session, w, when=at(FRIDAY, "10:00"))
    with pytest.raises(DomainError, match="complaint.not_found"):
        complaints.own_complaint(session=session, citizen_id=w.citizens[1].id, complaint_id=c.id,
                                 now=at(FRIDAY, "11:00"))
    with pytest.raises(DomainError, match="complaint.not_found"):
        complaints.reopen(session=session, citizen_id=w.citizens[1].id, complaint_id=c.id, seen_version=c.version,
                          reason="x", now=at(FRIDAY, "11:00"))


# --------------------------------------------------------------------------- the sweep


def test_sweep_auto_closes_after_ten_working_days_only(session, w):
    c = _answered(session, w, when=at(FRIDAY, "10:00"))
    assert complaints.sweep(session=session, now=at(date(2026, 12, 21), "23:00")) == (0, 0)
    assert c.status == "ditindaklanjuti"
    closed, _ = complaints.sweep(session=session, now=at(date(2026, 12, 22), "00:30"))
    session.refresh(c)
    assert closed == 1 and c.status == "selesai" and c.closed_by == "system"
    last = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
                        .order_by(col(ComplaintEvent.id).desc())).first()
    assert last.action == "auto_close" and last.actor_kind == "system"
    outcomes = sorted(e.outcome for e in session.exec(select(ServiceEvent).where(
        ServiceEvent.source_ref.in_([f"{c.id}:opened", f"{c.id}:closed"]))).all())
    assert outcomes == ["closed", "opened"]


def test_sweep_escalates_an_overdue_step_once_with_mail_to_site_admins(session, w, mailbox):
    admin_user = w.citizens[4]
    session.add(RoleAssignment(user_id=admin_user.id, role=Role.SITE_ADMIN, site_id=w.site.id,
                               granted_at=at(MONDAY, "08:00")))
    session.flush()
    c = _file(session, w)  # due Thu 10 Dec
    assert complaints.sweep(session=session, now=at(date(2026, 12, 10), "16:00")) == (0, 0)
    assert complaints.sweep(session=session, now=at(date(2026, 12, 11), "08:00")) == (0, 1)
    assert complaints.sweep(session=session, now=at(date(2026, 12, 11), "09:00")) == (0, 0)  # once per step
    rows = complaints.overdue(session=session, principal=_admin(w), now=at(date(2026, 12, 11), "09:00"))
    assert [r.id for r in rows] == [c.id]
    mailbox.collect(session, at(date(2026, 12, 11), "09:00"))
    escalation = [m for m in mailbox.sent if c.tracking_number in m["subject"] and admin_user.email in m["to"]]
    assert escalation and "lambat" not in escalation[0]["body"]  # the content never goes by mail
    kinds = {p.kind for p in session.exec(select(PendingMail).where(PendingMail.ref == c.id)).all()}
    assert complaints.ESCALATION_MAIL in kinds


# --------------------------------------------------------------------------- scope, anonim, concurrency


def test_scope_officers_see_only_forwarded_complaints_of_their_site_and_agency(session, w):
    c = _file(session, w)
    with pytest.raises(NotAllowed):  # not forwarded yet: the agency does not see it
        complaints.staff_complaint(session=session, principal=w.officer, complaint_id=c.id, now=at(FRIDAY, "11:00"))
    assert complaints.worklist(session=session, principal=w.officer, now=at(FRIDAY, "11:00")) == []
    complaints.forward(session=session, principal=_admin(w), complaint_id=c.id, seen_version=c.version,
                       now=at(FRIDAY, "11:00"), holidays=HOLIDAYS)
    assert [r.id for r in complaints.worklist(session=session, principal=w.officer, now=at(FRIDAY, "11:00"))] == [c.id]
    for outsider in (w.other_site_officer, w.other_agency_officer, _admin(w, w.other_site.id)):
        with pytest.raises(NotAllowed):
            complaints.answer(session=session, principal=outsider, complaint_id=c.id, seen_version=c.version,
                              text="Bukan urusan saya.", now=at(FRIDAY, "12:00"))
        assert c.id not in [r.id for r in complaints.worklist(session=session, principal=outsider,
                                                             now=at(FRIDAY, "12:00"))]
    with pytest.raises(NotAllowed):  # an officer cannot forward: that is the site admin's step
        complaints.site_agencies(session=session, principal=w.officer, complaint_id=c.id)


def test_anonymous_filer_is_hidden_from_the_back_office(session, w):
    named = _file(session, w)
    hidden = _file(session, w, anonymous=True)
    for c in (named, hidden):
        complaints.forward(session=session, principal=_admin(w), complaint_id=c.id, seen_version=c.version,
                           now=at(FRIDAY, "11:00"), holidays=HOLIDAYS)
    name = w.citizens[0].full_name
    for viewer in (w.officer, _admin(w)):
        assert complaints.staff_complaint(session=session, principal=viewer, complaint_id=named.id,
                                          now=at(FRIDAY, "12:00")).filer_name == name
        seen = complaints.staff_complaint(session=session, principal=viewer, complaint_id=hidden.id,
                                          now=at(FRIDAY, "12:00"))
        assert seen.filer_name == "" and name not in repr(seen)
    assert complaints.own_complaint(session=session, citizen_id=w.citizens[0].id, complaint_id=hidden.id,
                                    now=at(FRIDAY, "12:00")).filer_name == name


def test_two_officers_answer_at_once_one_wins(session, w):
    c = _file(session, w)
    complaints.forward(session=session, principal=_admin(w), complaint_id=c.id, seen_version=c.version,
                       now=at(FRIDAY, "11:00"), holidays=HOLIDAYS)
    seen = c.version
    complaints.answer(session=session, principal=w.officer, complaint_id=c.id, seen_version=seen,
                      text="Jawaban pertama.", now=at(FRIDAY, "12:00"), holidays=HOLIDAYS)
    with pytest.raises(DomainError) as err:
        complaints.answer(session=session, principal=_admin(w), complaint_id=c.id, seen_version=seen,
                          text="Jawaban kedua.", now=at(FRIDAY, "12:00"), holidays=HOLIDAYS)
    assert err.value.key in ("complaint.stale", "complaint.wrong_status")
    notes = [e.action for e in session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)).all()]
    assert notes.count("answer") == 1


def test_stale_version_is_refused_with_a_clear_message(session, w):
    c = _file(session, w)
    with pytest.raises(DomainError) as err:
        complaints.forward(session=session, principal=_admin(w), complaint_id=c.id, seen_version=c.version - 1,
                           now=at(FRIDAY, "11:00"), holidays=HOLIDAYS)
    assert err.value.key == "complaint.stale" and c.status == "diterima"


# --------------------------------------------------------------------------- public statistics


def test_public_statistics_count_without_content_and_keep_synthetic_apart(session, w):
    real = _file(session, w, confidential=True, description="Rahasia: petugas meminta uang 50 ribu.")
    _answered(session, w, when=at(FRIDAY, "10:00"))
    _file(session, w, source=complaints.SYNTHETIC_SOURCE)
    now = at(date(2026, 12, 11), "09:00")
    rows = complaints.site_statistics(session=session, start=MONDAY, end=date(2026, 12, 31), now=now,
                                      include_synthetic=True, site_ids=[w.site.id])
    by_kind = {r.synthetic: r for r in rows}
    assert by_kind[False].received == 2 and by_kind[True].received == 1
    assert by_kind[False].overdue == 1  # the confidential one was never forwarded (due 10 Dec)
    assert by_kind[False].median_days_to_answer == 0.0
    assert "uang" not in repr(rows) and real.tracking_number not in repr(rows)
    rows = complaints.site_statistics(session=session, start=MONDAY, end=date(2026, 12, 31), now=now,
                                      include_synthetic=False, site_ids=[w.site.id])
    assert [r.synthetic for r in rows] == [False] and rows[0].finished == 0


def test_statistics_count_finished_complaints_by_the_local_day_they_closed(session, w):
    c = _answered(session, w, when=at(date(2026, 12, 28), "10:00"))
    complaints.accept(session=session, citizen_id=w.citizens[0].id, complaint_id=c.id, seen_version=c.version,
                      now=datetime(2026, 12, 31, 18, 0, tzinfo=UTC))  # 1 January 01:00 WIB
    assert c.closed_day == date(2027, 1, 1)
    december = complaints.site_statistics(session=session, start=MONDAY, end=date(2026, 12, 31),
                                          now=at(date(2027, 1, 2), "09:00"), include_synthetic=False,
                                          site_ids=[w.site.id])
    january = complaints.site_statistics(session=session, start=date(2027, 1, 1), end=date(2027, 1, 31),
                                         now=at(date(2027, 1, 2), "09:00"), include_synthetic=False,
                                         site_ids=[w.site.id])
    assert (december[0].received, december[0].finished) == (1, 0)
    assert (january[0].received, january[0].finished) == (0, 1)


def test_filing_time_is_the_sites_local_day(session, w):
    late = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)  # 01:30 WIB on Friday 4 Dec
    assert _file(session, w, when=late).filed_day == FRIDAY


def test_synthetic_complaints_are_never_worked_on_nor_escalated(session, w):
    sample = _file(session, w, source=complaints.SYNTHETIC_SOURCE)
    real = _file(session, w)
    late = at(date(2026, 12, 11), "09:00")
    assert [r.id for r in complaints.worklist(session=session, principal=_admin(w), now=late)] == [real.id]
    assert complaints.sweep(session=session, now=late) == (0, 1)
    session.refresh(sample)
    assert sample.escalated_step is None


def test_overdue_counts_by_the_sites_own_date_east_of_utc(session):
    world = make_world(session, regency="91.71")  # Kota Jayapura: WIT, UTC+9
    c = _file(session, world, when=at(MONDAY, "10:00"))
    due = c.due_date
    before_local_midnight = datetime.combine(due, datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)  # 23:00 WIT
    after_local_midnight = before_local_midnight + timedelta(hours=2)  # 01:00 WIT the next day, still `due` in UTC
    assert after_local_midnight.date() == due

    def overdue(now):
        rows = complaints.site_statistics(session=session, start=MONDAY, end=due, now=now, include_synthetic=False,
                                          site_ids=[world.site.id])
        return rows[0].overdue

    assert overdue(before_local_midnight) == 0 and overdue(after_local_midnight) == 1
