"""The ticket's mail is written with the booking and sent afterwards, once, even across a
mail-server outage (SQLite and the real PostgreSQL)."""

from __future__ import annotations

import smtplib
from contextlib import nullcontext
from datetime import timedelta

import pytest
from sqlmodel import col, select

from mpp_digital.models import PendingMail
from mpp_digital.services import pending_mail, queue
from tests.unit.queue_setup import MONDAY, QueueWorld, at, make_world


@pytest.fixture()
def queue_world(session) -> QueueWorld:
    return make_world(session)


def _book(session, world, lang="id"):
    slot = next(s for s in queue.ensure_slots(session=session, site=world.site, service=world.online, day=MONDAY)
                if s.label == "10:00")
    ticket = queue.book_online(session=session, citizen_id=world.citizens[0].id, slot_id=slot.id,
                               now=at(MONDAY, "07:00"), lang=lang)
    session.flush()
    return ticket


def _send_due(session, now, mailer):
    """The sender, in the test's own session and transaction."""
    return pending_mail.send_due(transaction=lambda: nullcontext(session), now=now, mailer=mailer)


def _pending(session, ticket_id):
    return session.exec(select(PendingMail).where(PendingMail.ref == ticket_id,
                                                  col(PendingMail.kind) == queue.TICKET_MAIL)).all()


def test_a_booking_writes_its_mail_and_the_sender_sends_it_once(session, queue_world, mailbox):
    ticket = _book(session, queue_world, lang="en")
    [row] = _pending(session, ticket.id)
    assert row.sent_at is None and row.lang == "en"
    now = at(MONDAY, "07:00")
    assert _send_due(session, now, mailbox) >= 1
    mine = [m for m in mailbox.sent if ticket.code in m["subject"]]
    assert len(mine) == 1 and mine[0]["to"] == queue_world.citizens[0].email
    assert mine[0]["subject"] == f"MPP queue ticket {ticket.code}"  # in the language it was booked in
    assert row.sent_at == now
    _send_due(session, now + timedelta(minutes=5), mailbox)
    assert len([m for m in mailbox.sent if ticket.code in m["subject"]]) == 1  # never twice


def test_a_refused_booking_writes_no_mail(session, queue_world):
    before = len(session.exec(select(PendingMail)).all())
    slot = next(s for s in queue.ensure_slots(session=session, site=queue_world.site, service=queue_world.online,
                                              day=MONDAY) if s.label == "10:00")
    try:
        queue.book_online(session=session, citizen_id=queue_world.citizens[0].id, slot_id=slot.id,
                          now=at(MONDAY, "11:00"))  # past the cut-off
    except queue.DomainError:
        pass
    assert len(session.exec(select(PendingMail)).all()) == before


def test_a_mail_server_outage_keeps_the_mail_and_tries_again_later(session, queue_world, mailbox):
    ticket = _book(session, queue_world)
    now = at(MONDAY, "07:00")

    def down(**_):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

    _send_due(session, now, down)
    [row] = _pending(session, ticket.id)
    assert row.sent_at is None and row.attempts == 1 and "SMTPServerDisconnected" in row.last_error
    assert row.due_at == now + timedelta(minutes=1)
    _send_due(session, now + timedelta(seconds=30), mailbox)  # not due yet
    assert not [m for m in mailbox.sent if ticket.code in m["subject"]]
    _send_due(session, now + timedelta(minutes=1), mailbox)
    assert len([m for m in mailbox.sent if ticket.code in m["subject"]]) == 1 and row.sent_at is not None


def test_backoff_doubles_up_to_an_hour():
    assert [pending_mail.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 7, 8, 20)] == [1, 2, 4, 60, 60, 60]


def test_a_batch_of_ticket_mails_reads_its_rows_in_one_statement(session, queue_world, mailbox):
    from sqlalchemy import event, update

    session.execute(update(PendingMail).values(sent_at=at(MONDAY, "06:00")))  # earlier tests' mail is not this batch
    slots = queue.ensure_slots(session=session, site=queue_world.site, service=queue_world.online, day=MONDAY)
    tickets = [queue.book_online(session=session, citizen_id=c.id, slot_id=slot.id, now=at(MONDAY, "07:00"))
               for c, slot in zip(queue_world.citizens[:3], slots[4:7], strict=True)]
    session.flush()
    session.expunge_all()  # as in the sender's own session: nothing loaded yet
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listener)
    try:
        _send_due(session, at(MONDAY, "07:00"), mailbox)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listener)
    assert {t.code for t in tickets} <= {m["subject"].rsplit(" ", 1)[-1] for m in mailbox.sent}
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads  # the due mails, then their tickets, citizens, sites and services


def test_no_row_is_locked_while_the_mail_server_is_slow(engine, database_url, session, monkeypatch):
    """Claim, commit, send, mark: another transaction can take the row while SMTP is slow."""
    import asyncio
    import threading
    import time

    from aiosmtpd.controller import Controller
    from sqlalchemy import text

    from mpp_digital.clock import utcnow
    from mpp_digital.services import accounts
    from mpp_digital.settings import get_settings
    from tests.e2e.conftest import free_port

    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite locks the whole file only while it writes)")
    in_smtp, release = threading.Event(), threading.Event()

    class SlowServer:
        async def handle_DATA(self, server, smtp_session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            in_smtp.set()
            for _ in range(100):  # up to 10 s, until the test has tried the row
                if release.is_set():
                    break
                await asyncio.sleep(0.1)
            return "250 OK"

    from sqlalchemy import update

    now = utcnow()  # the sender runs at the current time
    session.execute(update(PendingMail).values(sent_at=now))  # earlier tests' mail is not this batch
    user = accounts.register_citizen(
        session=session, registration=accounts.Registration(nik="3314014107900001", full_name="Sri Lestari",
                                                            email="sri.slow@example.id", phone="081234567890",
                                                            password="kopi tubruk di alun-alun"), now=now)
    session.commit()
    [row] = session.exec(select(PendingMail).where(PendingMail.kind == accounts.VERIFY_MAIL,
                                                   col(PendingMail.sent_at).is_(None))
                         .order_by(col(PendingMail.id).desc()).limit(1)).all()
    port = free_port()
    controller = Controller(SlowServer(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    monkeypatch.setenv("MPP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MPP_SMTP_PORT", str(port))
    get_settings.cache_clear()
    sender = threading.Thread(target=pending_mail.send_due_now)
    try:
        sender.start()
        assert in_smtp.wait(15), "the mail never reached the server"
        started = time.monotonic()
        with engine.connect() as conn:  # another transaction: the row and the account it is about
            conn.execute(text("SET lock_timeout = '1s'"))
            conn.execute(text("UPDATE pendingmail SET lang = lang WHERE id = :id"), {"id": row.id})
            conn.execute(text("UPDATE onetimetoken SET email = email WHERE user_id = :u"), {"u": user.id})
            conn.commit()
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        sender.join(20)
        controller.stop()
        get_settings.cache_clear()
    session.expire_all()
    assert session.get(PendingMail, row.id).sent_at is not None  # and it was marked sent afterwards
