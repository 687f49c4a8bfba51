"""200 concurrent bookers for the last 10 places get exactly 10 tickets.

Each booker is a thread with its own database session and transaction, released together by
a barrier, on SQLite (always) and on the real PostgreSQL (when MPP_TEST_DATABASE_URL is set,
as in CI). The guarantee is the atomic conditional UPDATE in ``queue.book_online``.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, col, create_engine, func, select

from mpp_digital.db import normalise_url
from mpp_digital.errors import DomainError
from mpp_digital.models import (
    Agency,
    MppSite,
    PendingMail,
    QueueSlot,
    QueueTicket,
    Region,
    Service,
    SiteAgency,
    SiteService,
    User,
)
from mpp_digital.services import queue
from tests.loops import run_on_own_loop
from tests.unit.queue_setup import HOURS, MONDAY, at

BOOKERS = 200
LAST_PLACES = 10


def _engine(kind: str, tmp_path_factory):
    if kind == "sqlite":
        from mpp_digital.cli import migrate
        from mpp_digital.db import engine_for

        url = f"sqlite:///{tmp_path_factory.mktemp('rush') / 'rush.db'}"
        migrate(url)
        return engine_for(url)
    url = os.environ.get("MPP_TEST_DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        pytest.skip("MPP_TEST_DATABASE_URL does not name a PostgreSQL database")
    return create_engine(normalise_url(url), pool_size=50, max_overflow=0, pool_timeout=120)


@pytest.fixture(params=["sqlite", "postgresql"])
def rush(request, tmp_path_factory, database_url):
    """A slot with 10 online places left and 200 verified citizens, committed."""
    engine = _engine(request.param, tmp_path_factory)
    tag = uuid.uuid4().hex[:8]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as db:
        if db.get(Region, "33.14") is None:
            db.add(Region(code="33", name="Jawa Tengah", level=1))
            db.flush()
            db.add(Region(code="33.14", name="Kab. Sragen", level=2, parent_code="33"))
            db.flush()
        agency = Agency(slug=f"rush-{tag}", name="Dinas Rush", short_name="Rush", ticket_letter="R")
        site = MppSite(slug=f"rush-{tag}", name="MPP Rush", regency_code="33.14", address="-", opening_hours=HOURS)
        db.add_all([agency, site])
        db.flush()
        service = Service(slug=f"rush-{tag}", agency_id=agency.id, name="Rush", duration_days=0, fee_rupiah=0,
                          product="-", complaint_handling="-")
        db.add(service)
        db.flush()
        db.add(SiteAgency(site_id=site.id, agency_id=agency.id, counters=50))
        db.add(SiteService(site_id=site.id, service_id=service.id, direct=True, online=True))
        users = [User(full_name=f"Warga {i}", email=f"rush{i}-{tag}@queue.test", password_hash="x",
                      email_verified_at=now, created_at=now) for i in range(BOOKERS)]
        db.add_all(users)
        db.flush()
        slot = next(s for s in queue.ensure_slots(session=db, site=site, service=service, day=MONDAY)
                    if s.label == "10:00")
        # a popular slot: everything but the last 10 online places is gone
        db.execute(update(QueueSlot).where(QueueSlot.id == slot.id)
                   .values(online_booked=QueueSlot.online_capacity - LAST_PLACES))
        db.commit()
        ids = {"site": site.id, "service": service.id, "agency": agency.id, "slot": slot.id,
               "users": [u.id for u in users]}
    yield engine, ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM queueticket WHERE site_id = :s"), {"s": ids["site"]})
        for table in ("queueslot", "queueday", "queuesiteversion", "siteservice", "siteagency"):
            conn.execute(text(f"DELETE FROM {table} WHERE site_id = :s"), {"s": ids["site"]})
        conn.execute(text("DELETE FROM service WHERE id = :s"), {"s": ids["service"]})
        conn.execute(text("DELETE FROM mppsite WHERE id = :s"), {"s": ids["site"]})
        conn.execute(text("DELETE FROM agency WHERE id = :s"), {"s": ids["agency"]})
        conn.execute(text("DELETE FROM \"user\" WHERE email LIKE :p"), {"p": f"%-{tag}@queue.test"})
    if request.param == "postgresql":
        engine.dispose()


def test_200_concurrent_bookers_for_the_last_10_places_get_exactly_10(rush):
    engine, ids = rush
    barrier = threading.Barrier(BOOKERS)
    outcomes: list[str] = []
    lock = threading.Lock()
    now = at(MONDAY, "07:00")

    def booker(citizen_id: int) -> None:
        barrier.wait()
        try:
            with Session(engine, expire_on_commit=False) as db:
                try:
                    queue.book_online(session=db, citizen_id=citizen_id, slot_id=ids["slot"], now=now)
                    db.commit()
                    result = "booked"
                except DomainError as exc:
                    db.rollback()
                    result = exc.key
        except Exception as exc:  # a database error is a failure of the guarantee's plumbing
            result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=booker, args=(uid,)) for uid in ids["users"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    counts = Counter(outcomes)
    assert len(outcomes) == BOOKERS
    assert counts["booked"] == LAST_PLACES, counts
    assert set(counts) <= {"booked", "queue.slot_full", "queue.online_gone"}, counts
    with Session(engine) as db:
        slot = db.get(QueueSlot, ids["slot"])
        tickets = db.exec(select(func.count()).select_from(QueueTicket)
                          .where(QueueTicket.slot_id == ids["slot"])).one()
        numbers = db.exec(select(QueueTicket.number).where(QueueTicket.slot_id == ids["slot"])).all()
    assert tickets == LAST_PLACES
    assert slot.online_booked == slot.online_capacity
    assert sorted(numbers) == list(range(1, LAST_PLACES + 1))  # the counter never skips or repeats


def test_200_concurrent_bookings_on_the_event_loop_get_exactly_10(rush, monkeypatch):
    """The booking page's path: 200 ``queue.book`` calls at once on one event loop (on PostgreSQL
    over the hot-path connections, at most ``HOT_PATH_CONNECTIONS`` of them; on SQLite through
    threads). Exactly 10 tickets, numbers 1-10, each row as complete as the ORM writes it."""
    import asyncio

    from mpp_digital import db
    from mpp_digital.models import Channel, TicketStatus
    from mpp_digital.settings import get_settings

    engine, ids = rush
    monkeypatch.setenv("MPP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    now = at(MONDAY, "07:00")

    async def one(citizen_id: int) -> str:
        try:
            await queue.book(citizen_id=citizen_id, slot_id=ids["slot"], now=now)
            return "booked"
        except DomainError as exc:
            return exc.key

    async def everyone() -> tuple[list[str], int]:
        outcomes = await asyncio.gather(*(one(uid) for uid in ids["users"]))
        pool = db._POOLS.get(asyncio.get_running_loop())
        return outcomes, len(pool.idle) if pool else 0

    try:
        outcomes, idle = run_on_own_loop(everyone())
    finally:
        get_settings.cache_clear()
    counts = Counter(outcomes)
    assert counts["booked"] == LAST_PLACES, counts
    assert set(counts) <= {"booked", "queue.slot_full", "queue.online_gone"}, counts
    assert idle <= db.HOT_PATH_CONNECTIONS  # every connection came back, none leaked by a refusal
    with Session(engine) as session:
        slot = session.get(QueueSlot, ids["slot"])
        tickets = session.exec(select(QueueTicket).where(QueueTicket.slot_id == ids["slot"])).all()
    assert slot.online_booked == slot.online_capacity
    assert sorted(t.number for t in tickets) == list(range(1, LAST_PLACES + 1))
    assert {(t.status, t.channel, t.late, t.call_count, t.active) for t in tickets} == {
        (TicketStatus.BOOKED, Channel.ONLINE, False, 0, 1)}
    assert sorted(t.active_place for t in tickets) == [1] * LAST_PLACES
    assert all(t.code == f"R-{t.number:03d}" and len(t.pin) == 4 for t in tickets)
    with Session(engine) as session:  # each ticket's mail was written with it, and only theirs
        mails = session.exec(select(PendingMail.ref, PendingMail.created_at, PendingMail.due_at)
                             .where(col(PendingMail.ref).in_([t.id for t in tickets]))).all()
    assert sorted(ref for ref, _, _ in mails) == sorted(t.id for t in tickets)
    assert {(created, due) for _, created, due in mails} == {(now, now)}
