"""Mail goes through a real SMTP server when configured, else into the local outbox."""

import socket
import time
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
