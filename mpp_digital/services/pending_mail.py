"""Mail written with the transaction that asks for it, sent afterwards (an outbox).

A booking writes a ``PendingMail`` row in its own transaction, as do registration, a new
email address and a password reset (their links); nothing composes or sends mail while a
citizen waits. ``send_due`` (every backend worker runs it each second as a lifespan task, in
a thread; ``cli send-mail`` runs it once) works in three steps: it claims the due rows
(``FOR UPDATE SKIP LOCKED``, so several workers never take the same row, and pushes their
next attempt a lease ahead) and composes them, and commits; then it talks to the mail server
holding no lock and no transaction; then it marks each row sent, or failed and due again
(backing off to once an hour, keeping the last error). A crash after sending and before
marking sends the mail again once the lease ends, rather than never.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from mpp_digital import db
from mpp_digital.blocking import in_thread
from mpp_digital.clock import utcnow
from mpp_digital.models import PendingMail, QueueTicket
from mpp_digital.services import accounts, assurance, complaints, queue, surveys
from mpp_digital.services.applications import notifications
from mpp_digital.services.mail import send_mail
from mpp_digital.settings import get_settings

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a claimed row is nobody else's for this long (its sender may have died)

Mail = tuple[str, str, str]  # to, subject, body


def _compose_ticket(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    ticket = session.get(QueueTicket, ref)
    if ticket is None or ticket.citizen_id is None:
        return None
    return queue.ticket_mail(session=session, ticket=ticket, lang=lang)


def _compose_link(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    return accounts.compose_link_mail(session=session, token_id=ref, lang=lang, now=now)


def _compose_complaint_escalation(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    return complaints.escalation_mail(session=session, complaint_id=ref, lang=lang,
                                      base_url=get_settings().public_base_url)


def _compose_complaint_update(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    return complaints.update_mail(session=session, complaint_id=ref, lang=lang, base_url=get_settings().public_base_url)


def _compose_dispute(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    return assurance.compose_dispute_mail(session=session, dispute_id=ref, lang=lang, now=now)


# kind -> how to compose it: (to, subject, body), or None when there is nothing to send any more
COMPOSERS: dict[str, Callable[[Session, int, str, datetime], Mail | None]] = {
    queue.TICKET_MAIL: _compose_ticket,
    accounts.VERIFY_MAIL: _compose_link,
    accounts.RESET_MAIL: _compose_link,
    assurance.DISPUTE_MAIL: _compose_dispute,
    # ---- online applications (APPS): a notice's mail, and the reminder of a returned application
    notifications.APP_MAIL: notifications.compose_notice_mail,
    notifications.APP_REMINDER: notifications.compose_reminder,
    # ---- SKM (issue 14): the survey invitation after a served ticket
    surveys.SURVEY_MAIL: surveys.compose_invite,
    surveys.SURVEY_MAIL_APPLICATION: surveys.compose_invite_application,
    complaints.ESCALATION_MAIL: _compose_complaint_escalation,
    complaints.UPDATE_MAIL: _compose_complaint_update,
}


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_due(*, session: Session, now: datetime, limit: int = 50) -> list[tuple[int, Mail | None]]:
    """Claim up to ``limit`` due rows in the caller's transaction and compose their mail.

    Returns (row id, mail or None when there is nothing to send). The caller commits before
    sending: then no row stays locked while the mail server is slow.
    """
    rows = session.exec(
        select(PendingMail).where(col(PendingMail.sent_at).is_(None), col(PendingMail.due_at) <= now)
        .order_by(col(PendingMail.id)).limit(limit).with_for_update(skip_locked=True)
    ).all()
    loaded = queue.load_for_mail(session=session, ticket_ids=[r.ref for r in rows if r.kind == queue.TICKET_MAIL])
    claimed = []
    for row in rows:
        compose = COMPOSERS.get(row.kind)
        claimed.append((row.id or 0, compose(session, row.ref, row.lang, now) if compose else None))
        row.due_at = now + LEASE
        session.add(row)
    del loaded  # held until every mail of the batch was composed
    return claimed


def record_outcomes(*, session: Session, outcomes: list[tuple[int, str | None]], now: datetime) -> None:
    """Mark each claimed row sent (error None: sent, or nothing to send), or failed and due later."""
    for row_id, error in outcomes:
        row = session.get(PendingMail, row_id)
        if row is None:
            continue
        if error is None:
            row.sent_at = now
        else:
            row.attempts += 1
            row.due_at = now + backoff(row.attempts)
            row.last_error = error[:300]
        session.add(row)


def send_due(*, now: datetime, mailer: Callable[..., None] = send_mail, limit: int = 50,
             transaction: Callable[[], AbstractContextManager[Session]] = db.session_scope) -> int:
    """Claim, send and mark up to ``limit`` due mails; returns how many were sent.

    ``transaction`` opens each of the two short transactions (claiming, marking); nothing is
    locked while ``mailer`` talks to the mail server.
    """
    with transaction() as session:
        claimed = claim_due(session=session, now=now, limit=limit)
    outcomes: list[tuple[int, str | None]] = []
    sent = 0
    for row_id, mail in claimed:
        if mail is None:  # an unknown kind, a ticket gone, a link used or expired
            outcomes.append((row_id, None))
            continue
        to, subject, body = mail
        try:
            mailer(to=to, subject=subject, body=body)
        except (OSError, smtplib.SMTPException) as exc:  # the server is down or refused: later
            outcomes.append((row_id, f"{type(exc).__name__}: {exc}"))
            continue
        outcomes.append((row_id, None))
        sent += 1
    if outcomes:
        with transaction() as session:
            record_outcomes(session=session, outcomes=outcomes, now=now)
    return sent


def backlog(*, session: Session) -> int:
    """How many mails are not sent yet (due or waiting for a retry): the /metrics outbox gauge."""
    return session.exec(select(func.count()).select_from(PendingMail).where(col(PendingMail.sent_at).is_(None))).one()


def send_due_now(*, limit: int = 50) -> int:
    """``send_due`` at the current time."""
    return send_due(now=utcnow(), limit=limit)


def sweep_complaints_now() -> tuple[int, int]:
    """``complaints.sweep`` at the current time, in its own transaction: (closed, escalated)."""
    with db.session_scope() as session:
        return complaints.sweep(session=session, now=utcnow())


COMPLAINT_SWEEP_EVERY = 60.0  # seconds: deadlines are whole days, a minute late is nothing


async def run_sender(interval: float = 1.0, sweep_every: float = COMPLAINT_SWEEP_EVERY) -> None:
    """Send due mail every ``interval`` seconds, for the life of the process (a lifespan task); every
    ``sweep_every`` seconds also close and escalate overdue complaints (their mail goes out here)."""
    next_sweep = 0.0
    loop = asyncio.get_running_loop()
    while True:
        if loop.time() >= next_sweep:
            next_sweep = loop.time() + sweep_every
            try:
                await in_thread(sweep_complaints_now)
            except Exception:
                log.exception("the complaint sweep failed")
        try:
            while await in_thread(send_due_now) > 0:  # a full batch: go on at once
                pass
        except Exception:  # a database restart, say: log it, and try again next time
            log.exception("sending pending mail failed")
        await asyncio.sleep(interval)
