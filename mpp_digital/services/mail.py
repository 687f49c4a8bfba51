"""Outgoing mail: a real SMTP server from configuration, or a local outbox of .eml files."""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr

from sqlmodel import Session

from mpp_digital.models import Role
from mpp_digital.services import audit
from mpp_digital.services.authz import Principal
from mpp_digital.settings import Settings, get_settings


def send_mail(*, to: str, subject: str, body: str, settings: Settings | None = None) -> None:
    """Send a plain-text mail; without an SMTP host it is written to the outbox folder."""
    settings = settings or get_settings()
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="mpp.localhost")
    msg.set_content(body)
    if settings.uses_outbox:
        settings.outbox_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = settings.outbox_dir / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(msg.as_bytes())
        return
    with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value() if settings.smtp_password else "")
        smtp.send_message(msg)


@dataclass(frozen=True)
class OutboxMail:
    """One mail from the local outbox, for the demo page."""

    name: str
    to: str
    subject: str
    date: str
    body: str


def outbox_enabled(settings: Settings | None = None) -> bool:
    """The demo outbox page exists only without an SMTP host, and never in production."""
    settings = settings or get_settings()
    return settings.uses_outbox and not settings.production


def read_outbox(*, settings: Settings | None = None, limit: int = 30, to: str | None = None) -> list[OutboxMail]:
    """The newest mails in the local outbox (empty when a real SMTP server is configured).

    ``to`` keeps only the mail addressed to that address; ``None`` reads everyone's mail (the
    caller decides who may: ``outbox_for``).
    """
    settings = settings or get_settings()
    if not outbox_enabled(settings) or not settings.outbox_dir.exists():
        return []
    wanted = to.strip().lower() if to is not None else None
    mails = []
    for path in sorted(settings.outbox_dir.glob("*.eml"), reverse=True):
        if len(mails) >= limit:
            break
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if wanted is not None and parseaddr(str(msg["To"]))[1].strip().lower() != wanted:
            continue
        body = msg.get_body(preferencelist=("plain",))
        mails.append(
            OutboxMail(
                name=path.name,
                to=str(msg["To"]),
                subject=str(msg["Subject"]),
                date=str(msg["Date"]),
                body=body.get_content() if body else "",
            )
        )
    return mails


def outbox_for(
    *, session: Session, principal: Principal, now: datetime, ip_address: str = "",
    settings: Settings | None = None, limit: int = 30,
) -> list[OutboxMail]:
    """The demo outbox as ``principal`` may read it: their own mail only; a superadmin reads
    everyone's (from a session signed in with a second factor), and each such reading is written
    to the audit log."""
    if Role.SUPERADMIN not in principal.roles or not principal.second_factor:
        return read_outbox(settings=settings, limit=limit, to=principal.email)
    mails = read_outbox(settings=settings, limit=limit)
    audit.record(session=session, action="outbox_read_all", now=now, actor_user_id=principal.user_id,
                 ip_address=ip_address, detail={"mails": len(mails)})
    return mails
