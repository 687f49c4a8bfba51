"""Retention: what is deleted, and after how long (UU 27/2022: kept no longer than the purpose needs).

The periods live here and nowhere else; the README and the privacy notice (/privasi) state
them. ``purge`` deletes everything past its period in one transaction; every backend worker
runs it about hourly (a lifespan task, ``run_purger``) and ``python -m mpp_digital.cli purge``
runs it once. Deleting twice is harmless, so several workers need no coordination.

Kept without a period here: the audit trail (accountability), service events and rollups
(no identity), tickets and accounts (closing an account anonymises it, see
``services/my_data.close_account``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from mpp_digital import db
from mpp_digital.blocking import in_thread
from mpp_digital.clock import utcnow
from mpp_digital.models import (
    LoginAttempt,
    OAuthAuthorizationCode,
    OAuthToken,
    OneTimeToken,
    PendingMail,
    UserSession,
)
from mpp_digital.services.accounts import KNOWN_ADDRESS_FOR, SESSION_IDLE
from mpp_digital.settings import get_settings

log = logging.getLogger(__name__)

# How long each kind of record is kept once it has served its purpose.
# Login attempts: as long as a sign-in rule reads them (the addresses an account signed in from
# are "known" for 90 days, see accounts.KNOWN_ADDRESS_FOR; holds read 30 minutes).
LOGIN_ATTEMPTS_KEPT = KNOWN_ADDRESS_FOR
ENDED_SESSIONS_KEPT = timedelta(days=30)  # after the session ended (signed out, expired or idle)
ONE_TIME_TOKENS_KEPT = timedelta(days=7)  # after the token was used or expired
SENT_MAIL_KEPT = timedelta(days=30)  # after the mail was sent (outbox rows and local .eml files)
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Purged:
    """How many records one purge deleted, by kind."""

    login_attempts: int
    sessions: int
    one_time_tokens: int
    sent_mail: int
    outbox_files: int


def _ended_sessions(cutoff: datetime):
    """Sessions that ended before ``cutoff``: revoked, past their absolute expiry, or idle."""
    return select(UserSession.id).where(or_(
        col(UserSession.revoked_at) < cutoff,
        col(UserSession.expires_at) < cutoff,
        col(UserSession.last_seen_at) < cutoff - SESSION_IDLE,
    ))


def purge(*, session: Session, now: datetime, outbox_dir: Path | None = None) -> Purged:
    """Delete what has outlived its period (see the constants above); returns the counts."""
    attempts = session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < now - LOGIN_ATTEMPTS_KEPT))
    token_cutoff = now - ONE_TIME_TOKENS_KEPT
    tokens = session.execute(delete(OneTimeToken).where(or_(
        col(OneTimeToken.used_at) < token_cutoff, col(OneTimeToken.expires_at) < token_cutoff)))
    ended = _ended_sessions(now - ENDED_SESSIONS_KEPT).scalar_subquery()
    # What still points at an ended session keeps its own record, without the link.
    for table, column in ((OneTimeToken, OneTimeToken.session_id),
                          (OAuthAuthorizationCode, OAuthAuthorizationCode.portal_session_id),
                          (OAuthToken, OAuthToken.portal_session_id)):
        session.execute(update(table).where(col(column).in_(ended)).values({column.key: None}))
    sessions = session.execute(delete(UserSession).where(col(UserSession.id).in_(ended)))
    mail = session.execute(delete(PendingMail).where(col(PendingMail.sent_at) < now - SENT_MAIL_KEPT))
    files = _purge_outbox(outbox_dir, now - SENT_MAIL_KEPT)
    return Purged(login_attempts=attempts.rowcount, sessions=sessions.rowcount,  # type: ignore[attr-defined]
                  one_time_tokens=tokens.rowcount, sent_mail=mail.rowcount,  # type: ignore[attr-defined]
                  outbox_files=files)


def _purge_outbox(outbox_dir: Path | None, cutoff: datetime) -> int:
    """Delete local outbox mails (``*.eml``) written before ``cutoff``."""
    if outbox_dir is None or not outbox_dir.is_dir():
        return 0
    removed = 0
    for path in outbox_dir.glob("*.eml"):
        try:
            if path.stat().st_mtime < cutoff.timestamp():
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            pass
    return removed


def purge_now() -> Purged:
    """``purge`` in a transaction of its own, at the current time, with the configured outbox."""
    settings = get_settings()
    with db.session_scope() as session:
        return purge(session=session, now=utcnow(), outbox_dir=settings.outbox_dir if settings.uses_outbox else None)


async def run_purger(interval: float = PURGE_EVERY.total_seconds()) -> None:
    """Purge about every ``interval`` seconds for the life of the process (a lifespan task)."""
    while True:
        try:
            purged = await in_thread(purge_now)
            log.info("retention purge: %s", purged)
        except Exception:  # a database restart, say: try again next time
            log.exception("retention purge failed")
        await asyncio.sleep(interval)
