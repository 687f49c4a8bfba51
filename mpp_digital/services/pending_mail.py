"""Mail written with the transaction that asks for it, sent afterwards (an outbox).

A booking writes a ``PendingMail`` row in its own transaction; nothing composes or sends
mail while a citizen waits. ``send_due`` (every backend worker runs it each second as a
lifespan task; ``cli send-mail`` runs it once) composes each due mail, sends it and marks it
sent. Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several workers never send the
same mail; a mail that fails (the server is down) is tried again later, backing off to once
an hour, and keeps its last error. A crash between sending and committing sends it twice
rather than never.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from mpp_digital import db
from mpp_digital.clock import utcnow
from mpp_digital.models import PendingMail, QueueTicket
from mpp_digital.services import queue
from mpp_digital.services.mail import send_mail

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def _compose_ticket(session: Session, ref: int, lang: str) -> tuple[str, str, str] | None:
    ticket = session.get(QueueTicket, ref)
    if ticket is None or ticket.citizen_id is None:
        return None
    return queue.ticket_mail(session=session, ticket=ticket, lang=lang)


# kind -> how to compose it: (to, subject, body), or None when there is nothing to send any more
COMPOSERS: dict[str, Callable[[Session, int, str], tuple[str, str, str] | None]] = {
    queue.TICKET_MAIL: _compose_ticket,
}


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def send_due(*, session: Session, now: datetime, mailer: Callable[..., None] = send_mail, limit: int = 50) -> int:
    """Send up to ``limit`` due mails in the caller's transaction; returns how many were sent."""
    rows = session.exec(
        select(PendingMail).where(col(PendingMail.sent_at).is_(None), col(PendingMail.due_at) <= now)
        .order_by(col(PendingMail.id)).limit(limit).with_for_update(skip_locked=True)
    ).all()
    loaded = queue.load_for_mail(session=session, ticket_ids=[r.ref for r in rows if r.kind == queue.TICKET_MAIL])
    sent = 0
    for row in rows:
        compose = COMPOSERS.get(row.kind)
        try:
            mail = compose(session, row.ref, row.lang) if compose else None
            if mail is not None:
                to, subject, body = mail
                mailer(to=to, subject=subject, body=body)
                sent += 1
            row.sent_at = now  # sent, or nothing left to send (an unknown kind, a ticket gone)
        except (OSError, smtplib.SMTPException) as exc:  # the server is down or refused: later
            row.attempts += 1
            row.due_at = now + backoff(row.attempts)
            row.last_error = f"{type(exc).__name__}: {exc}"[:300]
        session.add(row)
    del loaded  # held until every mail of the batch was composed
    return sent


def backlog(*, session: Session) -> int:
    """How many mails are not sent yet (due or waiting for a retry): the /metrics outbox gauge."""
    return session.exec(select(func.count()).select_from(PendingMail).where(col(PendingMail.sent_at).is_(None))).one()


def send_due_now(*, limit: int = 50) -> int:
    """``send_due`` in a transaction of its own, at the current time."""
    with db.session_scope() as session:
        return send_due(session=session, now=utcnow(), limit=limit)


async def run_sender(interval: float = 1.0) -> None:
    """Send due mail every ``interval`` seconds, for the life of the process (a lifespan task)."""
    while True:
        try:
            while await asyncio.to_thread(send_due_now) > 0:  # a full batch: go on at once
                pass
        except Exception:  # a database restart, say: log it, and try again next time
            log.exception("sending pending mail failed")
        await asyncio.sleep(interval)
