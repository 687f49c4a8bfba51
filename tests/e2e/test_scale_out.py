"""The app as it scales out past one machine: two backend workers sharing Redis for the page
state and PostgreSQL for data, started by the README's run command (`make run`).

What only this setup exercises: a tab's events reaching whichever worker holds its socket
with the state in Redis, the booking's hot path (asyncpg on each worker's event loop, the
booking as one statement), and the outbox sender of every worker claiming mail with SKIP
LOCKED: the ticket's mail arrives exactly once.

Needs the real PostgreSQL (MPP_TEST_DATABASE_URL, as CI sets it) and Redis on
127.0.0.1:6379; skipped without them. The app gets its own database and web folder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlmodel import Session, func, select

from mpp_digital.db import normalise_url
from mpp_digital.models import PendingMail, QueueTicket
from mpp_digital.services import queue
from tests.e2e.conftest import free_port, fresh_postgres_and_redis, own_web_dir, running_app
from tests.e2e.test_queue_journey import CITIZEN, book_slot, open_sragen_now, sign_in

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/7"  # this test's own Redis database
DATABASE = "mpp_scale_out"


@pytest.fixture(scope="module")
def scaled_app(smtp_inbox, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """`make run` with 2 workers on Redis and its own PostgreSQL database: (base URL, database URL)."""
    database_url = fresh_postgres_and_redis(DATABASE, REDIS_URL)
    data = tmp_path_factory.mktemp("scale_out")
    web = own_web_dir(data)  # its own build
    holidays = data / "holidays.json"
    holidays.write_text('{"holidays": []}')
    port = free_port()
    base = f"http://localhost:{port}"  # what the app is told it is; running_app returns the same
    env = {
        **os.environ,
        "MPP_DATABASE_URL": database_url,
        "MPP_REDIS_URL": REDIS_URL,
        "REFLEX_REDIS_URL": REDIS_URL,
        "GRANIAN_WORKERS": "2",
        "REFLEX_BACKEND_START_METHOD": "spawn",
        "REFLEX_WEB_WORKDIR": str(web),
        "MPP_HOLIDAYS_FILE": str(holidays),
        "MPP_PUBLIC_BASE_URL": base,
        "MPP_ALLOWED_ORIGINS": base,
        "MPP_SMTP_HOST": "127.0.0.1",
        "MPP_SMTP_PORT": str(smtp_inbox.port),  # type: ignore[attr-defined]
        "MPP_SMTP_SENDER": "MPP Digital <no-reply@mpp.localhost>",
        "MPP_SECRET_KEY": "e2e-secret-key",
    }
    with running_app(env, port, data / "app.log") as running:
        yield running, database_url


def test_booking_on_two_workers_with_redis_and_postgresql(browser, scaled_app, smtp_inbox):
    base, database_url = scaled_app
    slot = open_sragen_now(database_url)
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30000)
    try:
        citizen = context.new_page()
        sign_in(citizen, CITIZEN)
        before = len(smtp_inbox.messages)
        code = book_slot(citizen, slot)

        # A reload is a new socket, possibly on the other worker: the state comes from Redis,
        # the ticket from PostgreSQL.
        citizen.reload()
        expect(citizen.locator("#ticket-code")).to_have_text(code)

        # The mail is sent once, by whichever worker's sender claimed it.
        mail = smtp_inbox.wait_for(CITIZEN, after=before)
        assert code in mail.get_body(preferencelist=("plain",)).get_content()
        time.sleep(2.5)  # both senders have run again since
        assert sum(code in str(m["Subject"]) for m in smtp_inbox.messages[before:]) == 1
    finally:
        context.close()
    engine = create_engine(normalise_url(database_url))
    with Session(engine) as db:
        ticket_id = db.exec(select(QueueTicket.id).where(QueueTicket.code == code)).one()
        sent = db.exec(select(func.count()).select_from(PendingMail)
                       .where(PendingMail.kind == queue.TICKET_MAIL, PendingMail.ref == ticket_id,  # ref is per kind
                              PendingMail.sent_at.is_not(None))).one()  # type: ignore[union-attr]
    engine.dispose()
    assert sent == 1
