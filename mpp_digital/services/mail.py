"""Outgoing mail: a real SMTP server from configuration, or a local outbox of .eml files."""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

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


def read_outbox(*, settings: Settings | None = None, limit: int = 30) -> list[OutboxMail]:
    """The newest mails in the local outbox (empty when a real SMTP server is configured)."""
    settings = settings or get_settings()
    if not settings.uses_outbox or not settings.outbox_dir.exists():
        return []
    mails = []
    for path in sorted(settings.outbox_dir.glob("*.eml"), reverse=True)[:limit]:
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
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
