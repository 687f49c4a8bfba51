"""Queue handlers in-process: officers are held to their site (and agency) even with crafted
events, and the public board and kiosk never expose personal data."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.models import MppSite, QueueTicket, Role, Service, TicketStatus, User
from mpp_digital.services import accounts, queue
from state.board import BoardState  # noqa: E402  (after the conftest imported every state module)
from state.counter import CounterState  # noqa: E402
from state.kiosk import KioskState  # noqa: E402
from state.queue import TicketState  # noqa: E402
from tests.state.conftest import (
    PASSWORD,
    Account,
    call,
    enrol_totp,
    make_tree,
    pair_kiosk,
    start_session,
    substate,
)
from tests.state.test_guard_matrix import error_toasts, is_not_allowed_toast


def _site(db: Session, slug: str) -> MppSite:
    return db.exec(select(MppSite).where(MppSite.slug == slug)).one()


def _staff(db: Session, email: str, site_id: int, agency_id: int | None = None) -> Account:
    now = utcnow()
    user = enrol_totp(User(full_name="Petugas Lain", email=email,
                           password_hash=accounts.password_hasher.hash(PASSWORD), email_verified_at=now, created_at=now))
    db.add(user)
    db.flush()
    grant = accounts.grant_role(session=db, user_id=user.id, role=Role.OFFICER, now=now, site_id=site_id)
    grant.agency_id = agency_id
    db.add(grant)
    db.flush()
    return Account(key="officer-x", user_id=user.id, email=email, full_name=user.full_name)


def _ticket(db: Session, site: MppSite, *, status: TicketStatus, citizen_id: int | None, slug: str = "kartu-keluarga",
            number: int = 1, counter_no: int = 1) -> QueueTicket:
    service = db.exec(select(Service).where(Service.slug == slug)).one()
    now = utcnow()
    ticket = QueueTicket(
        site_id=site.id, agency_id=service.agency_id, service_id=service.id, day=queue.local_today(site, now),
        channel="online", number=number, code=f"A-{number:03d}", pin="1234", citizen_id=citizen_id, status=status,
        active=1, active_place=None, slot_start_at=now - timedelta(minutes=5), slot_end_at=now + timedelta(minutes=25),
        expires_at=now + timedelta(hours=12), created_at=now, checked_in_at=now - timedelta(minutes=3),
        counter=f"{service.agency_id}-{counter_no}" if status in (TicketStatus.CALLED, TicketStatus.SERVING) else None,
        call_count=1 if status == TicketStatus.CALLED else 0, last_called_at=now,
    )
    db.add(ticket)
    db.flush()
    return ticket


@pytest.fixture()
def scene(accounts_by_role, engine):
    """A called ticket of the citizen at Sragen, and an officer of Banyumas with a session."""
    with Session(engine, expire_on_commit=False) as db:
        sragen, banyumas = _site(db, "sragen"), _site(db, "banyumas")
        citizen = db.get(User, accounts_by_role["citizen"].user_id)
        ticket = _ticket(db, sragen, status=TicketStatus.CALLED, citizen_id=citizen.id)
        outsider = _staff(db, f"petugas.banyumas.{uuid.uuid4().hex[:8]}@guard.test", banyumas.id)
        db.commit()
    start_session(engine, outsider)
    yield {"sragen": sragen, "banyumas": banyumas, "ticket": ticket, "outsider": outsider, "citizen": citizen}
    with engine.begin() as conn:
        conn.execute(delete(QueueTicket))


def _state(account: Account, cls, path: str = "/petugas/loket", params: dict | None = None):
    from reflex_base import constants

    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)
    if params:
        data = dict(root.router_data)
        data[constants.RouteVar.QUERY] = params
        root.router_data = root._update_router_vars(data, root.router_data)
    return root, substate(root, cls)


def _ticket_now(engine, ticket_id: int) -> QueueTicket:
    with Session(engine) as db:
        return db.get(QueueTicket, ticket_id)


def test_an_officer_of_another_site_cannot_touch_this_sites_tickets(scene, engine):
    outsider, ticket = scene["outsider"], scene["ticket"]
    root, console = _state(outsider, CounterState)
    call(CounterState.load, console)
    assert [s["id"] for s in console.sites] == [str(scene["banyumas"].id)]  # scoped on the server
    # crafted events: another site's ticket id with every action, another site's id as a choice
    for handler in (CounterState.recall, CounterState.start, CounterState.finish, CounterState.no_show):
        result = call(handler, console, str(ticket.id))
        assert is_not_allowed_toast(result), handler
    result = call(CounterState.transfer, console, {"ticket_id": str(ticket.id), "to_counter": ticket.counter})
    assert is_not_allowed_toast(result)
    call(CounterState.pick_site, console, str(scene["sragen"].id))
    assert console.site_id == str(scene["banyumas"].id) and console.error == t("error.not_allowed")
    call(CounterState.pick_counter, console, "999999-1")  # no such counter at the officer's site
    assert console.error == t("queue.counter.unknown")
    # even with the console's own vars forged to Sragen's site and counter (as a crafted
    # setter event would), calling is refused by the service's own scope check
    console.site_id, console.counter = str(scene["sragen"].id), ticket.counter
    assert is_not_allowed_toast(call(CounterState.call_next, console))
    assert is_not_allowed_toast(call(CounterState.refresh, console))
    after = _ticket_now(engine, ticket.id)
    assert (after.status, after.call_count, after.counter) == (TicketStatus.CALLED, 1, ticket.counter)


def test_an_officer_limited_to_one_agency_cannot_serve_another_agencys_ticket(scene, engine):
    with Session(engine, expire_on_commit=False) as db:
        polres = db.exec(select(Service).where(Service.slug == "skck")).first() or db.exec(
            select(Service).where(Service.agency_id != scene["ticket"].agency_id)).first()
        limited = _staff(db, f"petugas.polres.{uuid.uuid4().hex[:8]}@guard.test", scene["sragen"].id,
                         agency_id=polres.agency_id)
        db.commit()
    start_session(engine, limited)
    _, console = _state(limited, CounterState)
    call(CounterState.load, console)
    assert console.counters and all(c["code"].startswith(f"{polres.agency_id}-") for c in console.counters)
    result = call(CounterState.finish, console, str(scene["ticket"].id))
    assert is_not_allowed_toast(result)
    assert _ticket_now(engine, scene["ticket"].id).status == TicketStatus.CALLED


def test_the_sites_own_officer_can(scene, accounts_by_role, engine):
    officer = accounts_by_role["officer"]
    _, console = _state(officer, CounterState)
    call(CounterState.load, console)
    assert console.site_id == str(scene["sragen"].id)
    result = call(CounterState.start, console, str(scene["ticket"].id))
    assert not error_toasts(result) and console.error == ""
    assert _ticket_now(engine, scene["ticket"].id).status == TicketStatus.SERVING


def test_a_citizen_sees_only_their_own_ticket(scene, accounts_by_role):
    ticket = scene["ticket"]
    _, own = _state(accounts_by_role["citizen"], TicketState, f"/antrian/tiket/{ticket.id}")
    call(TicketState.load, own)
    assert own.ticket["code"] == ticket.code and own.error == ""
    _, other = _state(accounts_by_role["victim"], TicketState, f"/antrian/tiket/{ticket.id}")
    call(TicketState.load, other)
    assert other.ticket == {} and other.error == t("queue.ticket.not_found")


def _text_of(state) -> str:
    return repr({name: getattr(state, name) for name in type(state).get_fields()})


def test_board_and_kiosk_show_no_personal_data(scene, accounts_by_role, engine):
    citizen = scene["citizen"]
    anonymous = Account(key="tv", user_id=0, email="", full_name="")
    root, board = _state(anonymous, BoardState, "/antrian/papan/sragen")
    call(BoardState.load, board)
    assert [r["code"] for r in board.serving] == [scene["ticket"].code]
    kiosk = substate(make_tree(cookie=pair_kiosk(engine, accounts_by_role), client_token=str(uuid.uuid4()),
                               path="/kiosk/sragen"), KioskState)
    call(KioskState.load, kiosk)
    with Session(engine, expire_on_commit=False) as db:
        booked = _ticket(db, scene["sragen"], status=TicketStatus.BOOKED, citizen_id=accounts_by_role["victim"].user_id,
                         number=2)
        db.commit()
    call(KioskState.check_in, kiosk, {"code": booked.code, "pin": booked.pin})
    assert kiosk.result_code == booked.code and kiosk.error == ""
    for state in (board, kiosk):
        seen = _text_of(state)
        for secret in (citizen.full_name, citizen.email, accounts.nik_of(citizen) or "-", accounts_by_role["victim"].email,
                       accounts_by_role["victim"].full_name):
            assert secret not in seen, f"{type(state).__name__} shows {secret}"


def test_kiosk_refuses_forged_qr_tokens(scene, accounts_by_role, engine):
    kiosk = substate(make_tree(cookie=pair_kiosk(engine, accounts_by_role), client_token=str(uuid.uuid4()),
                               path="/kiosk/sragen"), KioskState)
    call(KioskState.load, kiosk)
    token = queue.ticket_token(scene["ticket"])
    call(KioskState.check_in, kiosk, {"code": token[:-3] + "abc", "pin": ""})
    assert kiosk.error == t("queue.token.invalid") and kiosk.result_code == ""
