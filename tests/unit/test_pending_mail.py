"""The ticket's mail is written with the booking and sent afterwards, once, even across a
mail-server outage (SQLite and the real PostgreSQL)."""

from __future__ import annotations

import smtplib
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


def _pending(session, ticket_id):
    return session.exec(select(PendingMail).where(PendingMail.ref == ticket_id,
                                                  col(PendingMail.kind) == queue.TICKET_MAIL)).all()


def test_a_booking_writes_its_mail_and_the_sender_sends_it_once(session, queue_world, mailbox):
    ticket = _book(session, queue_world, lang="en")
    [row] = _pending(session, ticket.id)
    assert row.sent_at is None and row.lang == "en"
    now = at(MONDAY, "07:00")
    assert pending_mail.send_due(session=session, now=now, mailer=mailbox) >= 1
    mine = [m for m in mailbox.sent if ticket.code in m["subject"]]
    assert len(mine) == 1 and mine[0]["to"] == queue_world.citizens[0].email
    assert mine[0]["subject"] == f"MPP queue ticket {ticket.code}"  # in the language it was booked in
    assert row.sent_at == now
    pending_mail.send_due(session=session, now=now + timedelta(minutes=5), mailer=mailbox)
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

    pending_mail.send_due(session=session, now=now, mailer=down)
    [row] = _pending(session, ticket.id)
    assert row.sent_at is None and row.attempts == 1 and "SMTPServerDisconnected" in row.last_error
    assert row.due_at == now + timedelta(minutes=1)
    pending_mail.send_due(session=session, now=now + timedelta(seconds=30), mailer=mailbox)  # not due yet
    assert not [m for m in mailbox.sent if ticket.code in m["subject"]]
    pending_mail.send_due(session=session, now=now + timedelta(minutes=1), mailer=mailbox)
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
        pending_mail.send_due(session=session, now=at(MONDAY, "07:00"), mailer=mailbox)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listener)
    assert {t.code for t in tickets} <= {m["subject"].rsplit(" ", 1)[-1] for m in mailbox.sent}
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads  # the due mails, then their tickets, citizens, sites and services
