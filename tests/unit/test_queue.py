"""Queue rules with an injected clock: slots, quotas, window, cut-off, closed days, booking
limits, kiosk, lateness, call order, no-shows, wait and service times, service events."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import QueueSlot, QueueTicket, SiteClosure, TicketStatus
from mpp_digital.services import queue
from mpp_digital.services.queue_token import make_token, read_token
from tests.unit.queue_setup import MONDAY, QueueWorld, at, make_world, set_policy


@pytest.fixture()
def w(session: Session) -> QueueWorld:
    return make_world(session)


def slots_of(session, w, day=MONDAY, service=None):
    return queue.ensure_slots(session=session, site=w.site, service=service or w.online, day=day)


def slot_at(session, w, label, day=MONDAY, service=None) -> QueueSlot:
    return next(s for s in slots_of(session, w, day, service) if s.label == label)


def book(session, w, label="10:00", *, who=0, now=None, day=MONDAY, service=None) -> QueueTicket:
    slot = slot_at(session, w, label, day, service)
    return queue.book_online(session=session, citizen_id=w.citizens[who].id, slot_id=slot.id,
                             now=now or at(MONDAY, "06:00"))


def key_of(excinfo) -> str:
    return excinfo.value.key


# --------------------------------------------------------------------------- slots and calendar


def test_slots_fill_the_opening_intervals_with_capacity_from_the_counters(session, w):
    slots = slots_of(session, w)
    assert [s.label for s in slots] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
                                        "13:00", "13:30", "14:00", "14:30"]  # the 12:00-13:00 break has none
    first = slots[0]
    # 2 counters x 30 min / 15 min per ticket = 4 places: 70 % online, 10 % mobile (rounded down), rest walk-in
    assert (first.capacity, first.online_capacity, first.mobile_capacity, first.walkin_capacity) == (4, 2, 0, 2)
    assert first.start_at == at(MONDAY, "08:00") and first.end_at == at(MONDAY, "08:30")
    assert queue.ensure_slots(session=session, site=w.site, service=w.online, day=MONDAY) == slots  # idempotent


def test_a_window_cut_short_by_closing_keeps_a_proportional_capacity(w):
    w.site.opening_hours = {"mon": [["08:00", "08:45"]]}
    plans = queue.plan_slots(site=w.site, day=MONDAY, policy=queue.Policy(), counters=2)
    assert [(p.start.strftime("%H:%M"), p.capacity) for p in plans] == [("08:00", 4), ("08:30", 2)]
    shares = queue.plan_slots(site=w.site, day=MONDAY, counters=10,
                              policy=queue.Policy(online_share=50, mobile_share=20))
    assert (shares[0].capacity, shares[0].online, shares[0].mobile, shares[0].walkin) == (20, 10, 4, 6)


def test_slots_are_in_the_sites_local_time(session):
    world = make_world(session, regency="91.71")  # Kota Jayapura: WIT, UTC+9
    slot = queue.ensure_slots(session=session, site=world.site, service=world.online, day=MONDAY)[0]
    assert slot.label == "08:00" and slot.start_at.hour == 23 and slot.start_at.day == 29  # 08:00 WIT = 23:00 UTC


def test_no_slots_on_sundays_closures_or_national_holidays(session, w):
    sunday = MONDAY - timedelta(days=1)
    assert queue.closed_reason(session=session, site=w.site, day=sunday).key == "queue.closed.sunday"
    assert slots_of(session, w, day=sunday) == []
    session.add(SiteClosure(site_id=w.site.id, day=MONDAY + timedelta(days=1), reason="Rapat kerja"))
    session.flush()
    assert queue.closed_reason(session=session, site=w.site, day=MONDAY + timedelta(days=1)).key == \
        "queue.closed.closure"
    christmas = queue.closed_reason(session=session, site=w.site, day=MONDAY.replace(day=25, month=12))
    assert christmas.key == "queue.closed.holiday" and christmas.params["name"] == "Hari Raya Natal"
    cuti = queue.closed_reason(session=session, site=w.site, day=MONDAY.replace(day=24, month=12))
    assert cuti.key == "queue.closed.holiday" and "Cuti bersama" in cuti.params["name"]
    assert queue.closed_reason(session=session, site=w.site, day=MONDAY) is None


def test_the_holiday_list_is_a_configurable_file(tmp_path, monkeypatch):
    custom = tmp_path / "libur.json"
    custom.write_text(json.dumps({"holidays": [{"date": "2026-11-30", "name": "Hari jadi Kabupaten"}]}))
    assert queue.national_holidays(path=custom) == {MONDAY: "Hari jadi Kabupaten"}
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_HOLIDAYS_FILE", str(custom))
    get_settings.cache_clear()
    try:
        assert MONDAY in queue.national_holidays()
    finally:
        monkeypatch.delenv("MPP_HOLIDAYS_FILE")
        get_settings.cache_clear()
    assert MONDAY not in queue.national_holidays()


def test_the_shipped_holiday_list_covers_2026_and_2027():
    days = queue.national_holidays()
    assert {d.year for d in days} == {2026, 2027}
    assert days[MONDAY.replace(month=8, day=17)] == "Hari Kemerdekaan Republik Indonesia"


# --------------------------------------------------------------------------- booking window and cut-off


def test_booking_window_past_days_and_days_beyond_it(session, w):
    now = at(MONDAY, "06:00")
    past = queue.availability(session=session, site=w.site, service=w.online, day=MONDAY - timedelta(days=2), now=now)
    assert past.closed.key == "queue.day.past" and past.slots == []
    far = queue.availability(session=session, site=w.site, service=w.online, day=MONDAY + timedelta(days=8), now=now)
    assert far.closed.key == "queue.day.beyond_window" and far.closed.params["days"] == 7
    last = queue.availability(session=session, site=w.site, service=w.online, day=MONDAY + timedelta(days=7), now=now)
    assert last.closed is None and last.slots
    set_policy(session, w.site, days_ahead=2)
    assert queue.availability(session=session, site=w.site, service=w.online, day=MONDAY + timedelta(days=3),
                              now=now).closed.key == "queue.day.beyond_window"


def test_online_booking_closes_at_the_cut_off_before_the_slot(session, w):
    slot = slot_at(session, w, "10:00")
    with pytest.raises(DomainError) as exc:
        queue.book_online(session=session, citizen_id=w.citizens[0].id, slot_id=slot.id, now=at(MONDAY, "09:31"))
    assert key_of(exc) == "queue.cutoff"
    ticket = queue.book_online(session=session, citizen_id=w.citizens[0].id, slot_id=slot.id, now=at(MONDAY, "09:29"))
    assert ticket.code == "U-001" and ticket.status == TicketStatus.BOOKED
    view = queue.availability(session=session, site=w.site, service=w.online, day=MONDAY, now=at(MONDAY, "09:45"))
    reasons = {v.label: v.reason for v in view.slots}
    assert reasons["08:00"] == "past" and reasons["10:00"] == "cutoff" and reasons["10:30"] == ""


def test_booking_on_a_closed_day_or_a_service_not_offered_online(session, w):
    sunday = queue.availability(session=session, site=w.site, service=w.online, day=MONDAY - timedelta(days=1),
                                now=at(MONDAY - timedelta(days=2), "09:00"))
    assert sunday.closed.key == "queue.closed.sunday"
    walk_in_slot = slot_at(session, w, "10:00", service=w.direct_only)
    with pytest.raises(DomainError) as exc:
        queue.book_online(session=session, citizen_id=w.citizens[0].id, slot_id=walk_in_slot.id,
                          now=at(MONDAY, "06:00"))
    assert key_of(exc) == "queue.service.not_online"


def test_only_verified_accounts_book(session, w):
    w.citizens[0].email_verified_at = None
    session.add(w.citizens[0])
    with pytest.raises(NotAllowed) as exc:
        book(session, w)
    assert key_of(exc) == "auth.unverified"


# --------------------------------------------------------------------------- quotas and limits


def test_a_full_slot_and_then_the_online_share_gone_with_the_walk_in_time(session, w):
    w.site.opening_hours = {"mon": [["08:00", "09:00"]]}  # two slots, 2 online places each
    session.add(w.site)
    first = book(session, w, "08:00", who=0)
    book(session, w, "08:00", who=1)
    with pytest.raises(DomainError) as exc:
        book(session, w, "08:00", who=2)
    assert key_of(exc) == "queue.slot_full"
    book(session, w, "08:30", who=2)
    book(session, w, "08:30", who=3)
    with pytest.raises(DomainError) as exc:
        book(session, w, "08:30", who=4)
    assert key_of(exc) == "queue.online_gone"
    assert exc.value.params == {"walkin_from": "08:00", "zone": "WIB"}
    assert first.number == 1 and slot_at(session, w, "08:00").online_booked == 2
    # walk-ins of the first slot gone too: walk-in places remain from 08:30
    for _ in range(2):
        queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.online.id, now=at(MONDAY, "07:50"))
    view = queue.availability(session=session, site=w.site, service=w.online, day=MONDAY, now=at(MONDAY, "06:00"))
    assert view.online_left == 0 and view.walkin_from == "08:30"


def test_one_active_ticket_per_service_and_day_and_at_most_three(session, w):
    book(session, w, "10:00")
    with pytest.raises(DomainError) as exc:
        book(session, w, "11:00")
    assert key_of(exc) == "queue.duplicate"
    book(session, w, "10:00", day=MONDAY + timedelta(days=1))
    book(session, w, "10:00", day=MONDAY + timedelta(days=2))
    with pytest.raises(DomainError) as exc:
        book(session, w, "10:00", day=MONDAY + timedelta(days=3))
    assert key_of(exc) == "queue.too_many" and exc.value.params == {"maximum": 3}
    # the database holds the limits too: a fourth active place or a second active ticket is refused
    places = sorted(t.active_place for t in session.exec(
        select(QueueTicket).where(QueueTicket.citizen_id == w.citizens[0].id)).all())
    assert places == [1, 2, 3]


def test_the_database_refuses_what_python_did_not_check(session, w):
    """The constraints stand even if a code path forgot a check."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    ticket = book(session, w, "10:00")
    twin = QueueTicket(**{**ticket.model_dump(exclude={"id"}), "code": "U-999", "number": 999})
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()
    slot = slot_at(session, w, "10:00")
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(update(QueueSlot).where(QueueSlot.id == slot.id).values(online_booked=slot.online_capacity + 1))


def test_days_that_ended_release_their_active_tickets(session, w):
    book(session, w, "10:00")
    book(session, w, "10:00", day=MONDAY + timedelta(days=1))
    book(session, w, "10:00", day=MONDAY + timedelta(days=2))
    # Wednesday: Monday's ticket (never used) no longer counts
    wednesday = at(MONDAY + timedelta(days=2), "06:00")
    ticket = book(session, w, "10:00", day=MONDAY + timedelta(days=3), now=wednesday)
    assert ticket.active_place == 1
    monday = session.exec(select(QueueTicket).where(QueueTicket.day == MONDAY,
                                                    QueueTicket.citizen_id == w.citizens[0].id)).one()
    assert monday.status == TicketStatus.EXPIRED and monday.active is None


def test_cancel_gives_the_place_back_until_the_slot_starts(session, w):
    ticket = book(session, w, "10:00")
    with pytest.raises(DomainError) as exc:
        queue.cancel_ticket(session=session, citizen_id=w.citizens[1].id, ticket_id=ticket.id, now=at(MONDAY, "07:00"))
    assert key_of(exc) == "queue.ticket.not_found"  # someone else's ticket
    queue.cancel_ticket(session=session, citizen_id=w.citizens[0].id, ticket_id=ticket.id, now=at(MONDAY, "07:00"))
    assert ticket.status == TicketStatus.CANCELLED and slot_at(session, w, "10:00").online_booked == 0
    again = book(session, w, "10:00", now=at(MONDAY, "07:01"))
    assert again.code == "U-002"  # numbers are never reused
    with pytest.raises(DomainError) as exc:
        queue.cancel_ticket(session=session, citizen_id=w.citizens[0].id, ticket_id=again.id, now=at(MONDAY, "10:00"))
    assert key_of(exc) == "queue.cancel.too_late"


def test_reschedule_is_one_transaction_and_never_loses_the_old_ticket(session, w):
    old = book(session, w, "10:00", who=0)
    book(session, w, "11:00", who=1)
    book(session, w, "11:00", who=2)  # 11:00 is now full
    with pytest.raises(DomainError) as exc, session.begin_nested():  # the caller's transaction
        queue.reschedule_ticket(session=session, citizen_id=w.citizens[0].id, ticket_id=old.id,
                                slot_id=slot_at(session, w, "11:00").id, now=at(MONDAY, "07:00"))
    assert key_of(exc) == "queue.slot_full"
    session.refresh(old)
    assert old.status == TicketStatus.BOOKED and old.active_place == 1
    assert slot_at(session, w, "10:00").online_booked == 1
    new = queue.reschedule_ticket(session=session, citizen_id=w.citizens[0].id, ticket_id=old.id,
                                  slot_id=slot_at(session, w, "13:00").id, now=at(MONDAY, "07:00"))
    session.refresh(old)
    assert old.status == TicketStatus.CANCELLED and new.status == TicketStatus.BOOKED
    assert slot_at(session, w, "10:00").online_booked == 0 and slot_at(session, w, "13:00").online_booked == 1


# --------------------------------------------------------------------------- kiosk


def test_qr_tokens_are_signed_and_expire():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, 1, tzinfo=UTC)
    token = make_token(ticket_id=42, expires_at=now + timedelta(hours=1), secret_key="k1")
    assert read_token(token=token, secret_key="k1", now=now) == 42
    body, sig = token.split(".")
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), body + "x." + sig, "garbage", "",
                   make_token(ticket_id=42, expires_at=now + timedelta(hours=1), secret_key="other")):
        with pytest.raises(DomainError) as exc:
            read_token(token=forged, secret_key="k1", now=now)
        assert key_of(exc) == "queue.token.invalid"
    with pytest.raises(DomainError) as exc:
        read_token(token=token, secret_key="k1", now=now + timedelta(hours=2))
    assert key_of(exc) == "queue.token.expired"


def test_check_in_by_qr_token_or_by_code_and_pin(session, w):
    first = book(session, w, "10:00", who=0)
    second = book(session, w, "10:00", who=1)
    token = queue.ticket_token(first)
    with pytest.raises(DomainError) as exc:
        queue.check_in_by_token(session=session, site_id=w.other_site.id, token=token, now=at(MONDAY, "09:50"))
    assert key_of(exc) == "queue.checkin.other_site"
    with pytest.raises(DomainError) as exc:
        queue.check_in_by_token(session=session, site_id=w.site.id, token=token + "x", now=at(MONDAY, "09:50"))
    assert key_of(exc) == "queue.token.invalid"
    with pytest.raises(DomainError) as exc:  # the day before: not yet
        queue.check_in_by_token(session=session, site_id=w.site.id, token=token,
                                now=at(MONDAY, "09:50") - timedelta(days=1))
    assert key_of(exc) == "queue.checkin.wrong_day"
    queue.check_in_by_token(session=session, site_id=w.site.id, token=token, now=at(MONDAY, "09:50"))
    assert first.status == TicketStatus.WAITING and not first.late
    with pytest.raises(DomainError) as exc:
        queue.check_in_by_token(session=session, site_id=w.site.id, token=token, now=at(MONDAY, "09:51"))
    assert key_of(exc) == "queue.checkin.already"
    wrong_pin = "0000" if second.pin != "0000" else "1111"
    with pytest.raises(DomainError) as exc:
        queue.check_in_by_code(session=session, site_id=w.site.id, code=second.code, pin=wrong_pin,
                               now=at(MONDAY, "09:52"))
    assert key_of(exc) == "queue.checkin.code_unknown"
    typed = second.code.lower().replace("-", " ")  # "u 002": typed loosely
    queue.check_in_by_code(session=session, site_id=w.site.id, code=typed, pin=second.pin, now=at(MONDAY, "09:52"))
    assert second.status == TicketStatus.WAITING


def test_walk_in_tickets_use_the_current_slot_then_say_from_when(session, w):
    now = at(MONDAY, "08:05")
    a = queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.direct_only.id, now=now)
    b = queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.direct_only.id, now=now)
    c = queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.direct_only.id, now=now)
    assert [a.code, b.code, c.code] == ["U-001", "U-002", "U-003"]
    assert a.slot_start_at == at(MONDAY, "08:00") and c.slot_start_at == at(MONDAY, "08:30")
    assert a.status == TicketStatus.WAITING and a.citizen_id is None
    with pytest.raises(DomainError) as exc:
        queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.direct_only.id, now=at(MONDAY, "15:00"))
    assert key_of(exc) == "queue.walkin.closed_now"


# --------------------------------------------------------------------------- counter


def _checked_in(session, w, label, who, now):
    ticket = book(session, w, label, who=who)
    return queue.check_in(session=session, site_id=w.site.id, ticket=ticket, now=now)


def test_call_order_booked_in_slot_order_then_walk_ins_then_late_arrivals(session, w):
    counter = queue.counters_at(session=session, site_id=w.site.id, agency_id=w.agency.id)[0].code
    late = _checked_in(session, w, "08:30", 0, at(MONDAY, "08:46"))  # 16 min after its slot: late
    assert late.late
    walk = queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.online.id, now=at(MONDAY, "08:40"))
    nine = _checked_in(session, w, "09:00", 1, at(MONDAY, "08:50"))
    half_nine = _checked_in(session, w, "09:30", 2, at(MONDAY, "08:20"))  # early; its slot begins later
    eight = _checked_in(session, w, "08:00", 3, at(MONDAY, "08:55"))  # 55 min late
    eight_on_time = _checked_in(session, w, "08:30", 4, at(MONDAY, "08:44"))

    def call(now):
        ticket = queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=counter,
                                 now=now)
        if ticket is not None:
            queue.start_service(session=session, principal=w.officer, ticket_id=ticket.id, now=now)
            queue.finish_ticket(session=session, principal=w.officer, ticket_id=ticket.id, now=now)
        return ticket

    order = [call(at(MONDAY, "09:05")) for _ in range(5)]
    assert order == [eight_on_time, nine, walk, late, eight]  # 09:30 slot has not begun: not called
    assert call(at(MONDAY, "09:06")) is None
    assert call(at(MONDAY, "09:30")) == half_nine


def test_recall_no_show_after_three_calls_and_the_service_event(session, w):
    # finished and no-show tickets become analytics service events in the same transaction
    counter = queue.counters_at(session=session, site_id=w.site.id, agency_id=w.agency.id)[0].code
    gone = _checked_in(session, w, "08:00", 0, at(MONDAY, "07:55"))
    queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=counter,
                    now=at(MONDAY, "08:00"))
    with pytest.raises(DomainError) as exc:
        queue.mark_no_show(session=session, principal=w.officer, ticket_id=gone.id, now=at(MONDAY, "08:01"))
    assert key_of(exc) == "queue.counter.no_show_early"
    queue.recall(session=session, principal=w.officer, ticket_id=gone.id, now=at(MONDAY, "08:02"))
    queue.recall(session=session, principal=w.officer, ticket_id=gone.id, now=at(MONDAY, "08:04"))
    with pytest.raises(DomainError) as exc:
        queue.recall(session=session, principal=w.officer, ticket_id=gone.id, now=at(MONDAY, "08:05"))
    assert key_of(exc) == "queue.counter.max_calls"
    queue.mark_no_show(session=session, principal=w.officer, ticket_id=gone.id, now=at(MONDAY, "08:06"))
    assert gone.status == TicketStatus.NO_SHOW and gone.active is None and gone.call_count == 3

    served = _checked_in(session, w, "08:00", 1, at(MONDAY, "08:00"))
    called = queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=counter,
                             now=at(MONDAY, "08:10"))
    assert called == served and served.wait_seconds == 600  # call - check-in
    queue.start_service(session=session, principal=w.officer, ticket_id=served.id, now=at(MONDAY, "08:11"))
    queue.finish_ticket(session=session, principal=w.officer, ticket_id=served.id, now=at(MONDAY, "08:20"))
    assert served.status == TicketStatus.DONE and served.service_seconds == 540  # finish - start
    from sqlmodel import select

    from mpp_digital.models import ServiceEvent as FactRow

    rows = session.exec(select(FactRow).where(FactRow.source == "queue").order_by(FactRow.id)).all()
    assert [(e.outcome, e.source_ref) for e in rows] == [("not_served", str(gone.id)), ("served", str(served.id))]
    event = rows[1]
    assert (event.site_id, event.agency_id, event.service_id, event.channel, event.kind) == (
        w.site.id, w.agency.id, w.online.id, "online", "queue")
    assert (event.wait_seconds, event.service_seconds) == (600, 540)
    assert event.arrived_at == at(MONDAY, "08:00") and event.occurred_at == at(MONDAY, "08:20")


def test_transfer_puts_the_ticket_first_at_the_other_counter(session, w):
    first, second = queue.counters_at(session=session, site_id=w.site.id, agency_id=w.agency.id)[:2]
    waiting = _checked_in(session, w, "08:00", 0, at(MONDAY, "08:00"))
    moved = _checked_in(session, w, "08:00", 1, at(MONDAY, "08:01"))
    assert queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=first.code,
                           now=at(MONDAY, "08:02")) == waiting
    queue.transfer(session=session, principal=w.officer, ticket_id=waiting.id, to_counter=second.code,
                   now=at(MONDAY, "08:03"))
    assert waiting.status == TicketStatus.WAITING and waiting.transferred_from == first.code
    # counter 1 does not take it back; counter 2 calls it before the older waiting ticket
    assert queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=first.code,
                           now=at(MONDAY, "08:04")) == moved
    assert queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=second.code,
                           now=at(MONDAY, "08:05")) == waiting


def test_officers_act_only_on_their_site_and_agency(session, w):
    counter = queue.counters_at(session=session, site_id=w.site.id, agency_id=w.agency.id)[0].code
    ticket = _checked_in(session, w, "08:00", 0, at(MONDAY, "08:00"))
    for outsider in (w.other_site_officer, w.other_agency_officer):
        with pytest.raises(NotAllowed):
            queue.call_next(session=session, principal=outsider, site_id=w.site.id, counter_code=counter,
                            now=at(MONDAY, "08:05"))
    queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=counter,
                    now=at(MONDAY, "08:05"))
    for action in (queue.recall, queue.start_service, queue.finish_ticket, queue.mark_no_show):
        for outsider in (w.other_site_officer, w.other_agency_officer):
            with pytest.raises(NotAllowed):
                action(session=session, principal=outsider, ticket_id=ticket.id, now=at(MONDAY, "08:06"))
    with pytest.raises(NotAllowed):  # counter codes of another site do not exist here
        queue.counter_tickets(session=session, principal=w.other_site_officer, site_id=w.site.id,
                              counter_code=counter, now=at(MONDAY, "08:06"))
    assert ticket.status == TicketStatus.CALLED and ticket.call_count == 1


def test_position_and_estimated_wait(session, w):
    tickets = [_checked_in(session, w, "08:00", i, at(MONDAY, f"08:0{i}")) for i in range(2)]
    tickets += [queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.online.id,
                                    now=at(MONDAY, f"08:0{i}")) for i in range(2, 4)]
    now = at(MONDAY, "08:10")
    positions = [queue.position_of(session=session, ticket=t, now=now) for t in tickets]
    assert [p.ahead for p in positions] == [0, 1, 2, 3]
    # 2 counters, 15 minutes per ticket by default: 3 ahead -> 2 rounds -> 30 minutes
    assert [p.wait_minutes for p in positions] == [0, 15, 15, 30]
    later = book(session, w, "11:00", who=4)
    assert queue.position_of(session=session, ticket=later, now=now).wait_minutes >= 170  # until its slot


def test_board_shows_codes_and_services_only(session, w):
    counter = queue.counters_at(session=session, site_id=w.site.id, agency_id=w.agency.id)[0]
    ticket = _checked_in(session, w, "08:00", 0, at(MONDAY, "08:00"))
    _checked_in(session, w, "08:00", 1, at(MONDAY, "08:01"))
    version = queue.site_version(session=session, site_id=w.site.id)
    queue.call_next(session=session, principal=w.officer, site_id=w.site.id, counter_code=counter.code,
                    now=at(MONDAY, "08:05"))
    assert queue.site_version(session=session, site_id=w.site.id) > version
    serving, upcoming = queue.board(session=session, site_id=w.site.id, now=at(MONDAY, "08:05"))
    assert [(r.counter, r.code) for r in serving] == [("Uji 1", ticket.code)]
    assert upcoming == ["U-002"]
    assert set(serving[0].__dataclass_fields__) == {"counter", "code", "service", "status", "calls"}


# --------------------------------------------------------------------------- end of day


def test_closing_the_day_ends_what_was_left_each_a_not_served_event_on_its_own_day(session, w):
    from mpp_digital.models import ServiceEvent as Fact

    booked = book(session, w, "10:00", who=0)  # never checked in
    walk_in = queue.issue_walk_in(session=session, site_id=w.site.id, service_id=w.online.id,
                                  now=at(MONDAY, "09:05"))  # never called
    tuesday = book(session, w, "10:00", who=1, day=MONDAY + timedelta(days=1))
    assert queue.close_days(session=session, now=at(MONDAY, "23:50")) == 0  # the day is not over yet
    assert queue.close_days(session=session, now=at(MONDAY + timedelta(days=1), "00:30")) == 2
    for ticket in (booked, walk_in):
        session.refresh(ticket)
        assert (ticket.status, ticket.active, ticket.active_place) == (TicketStatus.EXPIRED, None, None)
    session.refresh(tuesday)
    assert tuesday.status == TicketStatus.BOOKED and tuesday.active == 1
    facts = session.exec(select(Fact).where(Fact.source == "queue", Fact.source_ref.in_(  # type: ignore[union-attr]
        [str(booked.id), str(walk_in.id)]))).all()
    assert sorted((f.outcome, f.channel, f.local_day) for f in facts) == [
        ("not_served", "direct", MONDAY), ("not_served", "online", MONDAY)]
    assert queue.close_days(session=session, now=at(MONDAY + timedelta(days=1), "00:40")) == 0  # idempotent


def test_a_new_booking_ends_the_citizens_tickets_of_past_days_the_same_way(session, w):
    from mpp_digital.models import ServiceEvent as Fact

    old = book(session, w, "10:00", who=0)
    book(session, w, "10:00", who=0, day=MONDAY + timedelta(days=1), now=at(MONDAY + timedelta(days=1), "06:00"))
    session.refresh(old)
    assert old.status == TicketStatus.EXPIRED
    fact = session.exec(select(Fact).where(Fact.source == "queue", Fact.source_ref == str(old.id))).one()
    assert fact.outcome == "not_served" and fact.local_day == MONDAY


def test_ticket_codes_past_999_keep_every_digit(session, w):
    """The code is written in SQL on PostgreSQL (one statement) and in Python elsewhere: alike."""
    from sqlalchemy import update

    from mpp_digital.models import QueueDay

    slots = queue.ensure_slots(session=session, site=w.site, service=w.online, day=MONDAY)
    session.execute(update(QueueDay).where(QueueDay.site_id == w.site.id, QueueDay.service_id == w.online.id,
                                           QueueDay.day == MONDAY).values(last_number=998))
    now = at(MONDAY, "07:00")
    codes = [queue.book_online(session=session, citizen_id=c.id, slot_id=slots[4].id, now=now).code
             for c in w.citizens[:2]]
    assert codes == [queue._code(w.agency.ticket_letter, 999), queue._code(w.agency.ticket_letter, 1000)]
    assert codes[1].endswith("-1000")
