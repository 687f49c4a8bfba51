"""Mail goes through a real SMTP server when configured, else into the local outbox."""

import socket
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from mpp_digital.services import mail
from mpp_digital.settings import load_settings


class Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_sends_through_smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = load_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        mail.send_mail(to="sri@example.id", subject="Uji", body="Halo Sri", settings=settings)
        deadline = time.monotonic() + 5
        while not handler.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert handler.messages[0]["To"] == "sri@example.id"
    assert handler.messages[0].get_body().get_content().strip() == "Halo Sri"


def test_without_smtp_mail_lands_in_the_outbox(tmp_path):
    settings = load_settings().model_copy(update={"smtp_host": None, "outbox_dir": tmp_path})
    mail.send_mail(to="sri@example.id", subject="Verifikasi", body="Buka http://x/verifikasi?token=a",
                   settings=settings)
    assert len(list(tmp_path.glob("*.eml"))) == 1
    [outboxed] = mail.read_outbox(settings=settings)
    assert outboxed.subject == "Verifikasi" and "token=a" in outboxed.body


def _principal(session, email: str, *roles, amr: tuple[str, ...] = ("pwd", "otp")):
    from mpp_digital.models import User
    from mpp_digital.services.authz import Grant, Principal

    user = User(full_name="X", email=email, password_hash="-", created_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return Principal(user_id=user.id, session_id=1, full_name="X", email=email, email_verified=True,
                     grants=tuple(Grant(role=r) for r in roles), amr=amr)


def test_nobody_reads_another_persons_mail_in_the_outbox(tmp_path, session, now):
    """Issue 11: /kotak-surat showed everyone's mail (reset links included) to anyone. A person
    reads only the mail addressed to them; a superadmin reads all of it, and that is audited."""
    from sqlmodel import select

    from mpp_digital.models import AuditLog, Role

    settings = load_settings().model_copy(update={"smtp_host": None, "outbox_dir": tmp_path})
    mail.send_mail(to="Sri <Sri@Example.id>", subject="Verifikasi", body="http://x/verifikasi?token=a",
                   settings=settings)
    mail.send_mail(to="admin@example.id", subject="Atur ulang", body="http://x/atur-sandi?token=b", settings=settings)
    sri = mail.outbox_for(session=session, principal=_principal(session, "sri@example.id", Role.CITIZEN), now=now,
                          settings=settings)
    assert [m.subject for m in sri] == ["Verifikasi"]
    assert mail.outbox_for(session=session, principal=_principal(session, "nobody@example.id"), now=now,
                           settings=settings) == []
    assert session.exec(select(AuditLog).where(AuditLog.action == "outbox_read_all")).first() is None
    password_only = _principal(session, "root.pwd@example.id", Role.SUPERADMIN, amr=("pwd",))
    assert mail.outbox_for(session=session, principal=password_only, now=now, settings=settings) == [], \
        "a superadmin reads everyone's mail only from a session signed in with a second factor"
    assert session.exec(select(AuditLog).where(AuditLog.action == "outbox_read_all")).first() is None
    everyone = mail.outbox_for(session=session, principal=_principal(session, "root@example.id", Role.SUPERADMIN),
                               now=now, settings=settings)
    assert {m.subject for m in everyone} == {"Verifikasi", "Atur ulang"}
    assert session.exec(select(AuditLog).where(AuditLog.action == "outbox_read_all")).first() is not None


def test_the_outbox_does_not_exist_in_production_or_with_smtp(tmp_path):
    settings = load_settings().model_copy(update={"smtp_host": None, "outbox_dir": tmp_path})
    mail.send_mail(to="sri@example.id", subject="Verifikasi", body="x", settings=settings)
    assert mail.outbox_enabled(settings) and mail.read_outbox(settings=settings)
    assert not mail.outbox_enabled(settings.model_copy(update={"smtp_host": "smtp.example.id"}))
    production = settings.model_copy(update={"env": "production"})
    assert production.production
    assert not mail.outbox_enabled(production) and mail.read_outbox(settings=production) == []
