"""The notification centre (the bell) and the mail that goes with each notice, through the outbox.

``notify`` adds one ``Notification`` and one ``PendingMail`` (kind ``APP_MAIL``, ref the
notification) in the caller's transaction; the outbox worker (``services.pending_mail``)
composes the mail with ``compose_notice_mail``. A returned application also leaves an
``APP_REMINDER`` row due ``REMINDER_AFTER`` later: ``compose_reminder`` sends it (and adds a
reminder notice) only if the application still waits on the citizen since that return.
Notices carry no personal data (tracking number and service name only); the officer's note
is read from the sealed timeline when the mail is composed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from mpp_digital import routes
from mpp_digital.i18n import t
from mpp_digital.models import Application, ApplicationEvent, Notification, PendingMail, Service, User
from mpp_digital.services.sealing import unseal
from mpp_digital.settings import get_settings

APP_MAIL = "application_notice"  # PendingMail.kind: the mail of one notification
APP_REMINDER = "application_reminder"  # PendingMail.kind: a returned application still waits
REMINDER_AFTER = timedelta(days=3)
PURPOSE_NOTE = "application.note"  # sealing purpose of an officer's note in the timeline

SUBMITTED = "submitted"
RETURNED = "returned"
FINISHED = "finished"
REJECTED = "rejected"
REMINDER = "reminder"
KINDS = (SUBMITTED, RETURNED, FINISHED, REJECTED, REMINDER)

Mail = tuple[str, str, str]  # to, subject, body


@dataclass(frozen=True)
class NotificationView:
    """One notice as the notifications page shows it."""

    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    unread: bool


def notify(*, session: Session, user_id: int, kind: str, application: Application, now: datetime,
           service_name: str, lang: str = "id") -> Notification:
    """Add a notice for ``user_id`` about ``application`` and queue its mail (same transaction)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = Notification(user_id=user_id, kind=kind, application_id=application.id,
                       params={"tracking": application.tracking_number, "service": service_name},
                       created_at=now)
    session.add(row)
    session.flush()
    session.add(PendingMail(kind=APP_MAIL, ref=row.id or 0, lang=lang, created_at=now, due_at=now))
    return row


def schedule_reminder(*, session: Session, application: Application, now: datetime, lang: str = "id") -> None:
    """Queue a reminder for a returned application (sent only if it still waits then)."""
    session.add(PendingMail(kind=APP_REMINDER, ref=application.id or 0, lang=lang, created_at=now,
                            due_at=now + REMINDER_AFTER))


def notice_text(kind: str, params: dict, lang: str) -> str:
    """The one-line text of a notice in ``lang``."""
    return t(f"notif.{kind}", lang, tracking=params.get("tracking", ""), service=params.get("service", ""))


def unread_count(*, session: Session, user_id: int) -> int:
    """How many notices the user has not read (the bell's badge)."""
    return session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, col(Notification.read_at).is_(None))).one()


def notifications_of(*, session: Session, user_id: int, lang: str = "id", limit: int = 50) -> list[NotificationView]:
    """The user's newest notices."""
    rows = session.exec(select(Notification).where(Notification.user_id == user_id)
                        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
                        .limit(limit)).all()
    return [NotificationView(id=r.id or 0, kind=r.kind, text=notice_text(r.kind, r.params, lang),
                             link=routes.application_url(r.params.get("tracking", "")) if r.params.get("tracking")
                             else routes.APPLICATIONS,
                             created_at=r.created_at, unread=r.read_at is None) for r in rows]


def mark_read(*, session: Session, user_id: int, now: datetime, notification_id: int | None = None) -> int:
    """Mark one notice (or all of them) of the user read; returns how many changed.

    A notice of another user is never touched (the ``user_id`` condition), whatever id is sent.
    """
    stmt = update(Notification).where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
    if notification_id is not None:
        stmt = stmt.where(col(Notification.id) == notification_id)
    return session.execute(stmt.values(read_at=now)).rowcount  # type: ignore[attr-defined]


def _last_note(session: Session, application_id: int) -> str:
    event = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application_id,
                                                        ApplicationEvent.note_sealed != "")
                         .order_by(col(ApplicationEvent.at).desc(), col(ApplicationEvent.id).desc()).limit(1)).first()
    return (unseal(event.note_sealed, purpose=PURPOSE_NOTE) or "") if event else ""


def compose_notice_mail(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    """(to, subject, body) of the mail of notification ``ref`` (None: nothing to send any more)."""
    row = session.get(Notification, ref)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.closed_at is not None:
        return None
    tracking = row.params.get("tracking", "")
    link = get_settings().public_base_url + routes.application_url(tracking)
    note = _last_note(session, row.application_id) if row.application_id and row.kind in (RETURNED, REJECTED, REMINDER) else ""
    subject = t(f"mail.app.{row.kind}.subject", lang, tracking=tracking)
    body = t(f"mail.app.{row.kind}.body", lang, name=user.full_name, tracking=tracking,
             service=row.params.get("service", ""), link=link, note=note)
    return user.email, subject, body


def compose_reminder(session: Session, ref: int, lang: str, now: datetime) -> Mail | None:
    """The reminder of a returned application that still waits on the citizen; adds its notice."""
    application = session.get(Application, ref)
    if (application is None or not application.open or application.waiting_since is None
            or now - application.waiting_since < REMINDER_AFTER):
        return None
    previous = session.exec(select(Notification).where(Notification.application_id == ref,
                                                       Notification.kind == REMINDER,
                                                       col(Notification.created_at) >= application.waiting_since)
                            .limit(1)).first()
    if previous is not None:  # this wait was reminded already
        return None
    service = session.get(Service, application.service_id)
    notice = Notification(user_id=application.citizen_id, kind=REMINDER, application_id=application.id,
                          params={"tracking": application.tracking_number, "service": service.name if service else ""},
                          created_at=now, read_at=None)
    session.add(notice)
    session.flush()
    return compose_notice_mail(session, notice.id or 0, lang, now)
