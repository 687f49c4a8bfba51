"""Shared fixtures: a migrated database with the region table, on SQLite or real PostgreSQL.

Set MPP_TEST_DATABASE_URL (as .ci/run does) to run the service tests against PostgreSQL;
otherwise they use a throwaway SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

# Tests never touch the developer's database, mail server or secret.
os.environ.setdefault("MPP_SECRET_KEY", "test-secret-key-not-for-production")

ACCOUNT_TABLES = ("complaintattachment", "complaintevent", "complaint",
                  "documentaccess", "issuedoutput", "applicationdocument", "notification", "applicationevent",
                  "application", "applicationdraft", "storeddocument",
                  "pendingmail", "claimrelease", "kioskdevice", "queueticket",
                  "oauthassertionjti", "oauthtoken", "oauthauthorizationcode", "oauthconsent",
                  "oauthclient", "auditlog", "identityverification", "nikdispute", "identityassurance",
                  "recoverycode", "onetimetoken", "loginattempt", "usersession",
                  "roleassignment", '"user"')
# The facts those rows wrote (ServiceEvent refs are their ids, which SQLite hands out again after a delete).
DELETE_THEIR_FACTS = "DELETE FROM serviceevent WHERE source IN ('complaint', 'application')"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("MPP_TEST_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Each test starts with empty in-memory rate limits (tests of Redis configure their own)."""
    from mpp_digital.services import rate_limits

    rate_limits.configure(redis_url=None)
    yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database URL, freshly migrated, with regions and the demo catalog loaded."""
    from mpp_digital import demo
    from mpp_digital.cli import migrate
    from mpp_digital.db import engine_for
    from mpp_digital.services.catalog import refresh_search_text

    url = _database_url(tmp_path_factory)
    engine = engine_for(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(url)
    with Session(engine) as session:
        demo.load_regions(session)
        demo.load_catalog(session)
        session.flush()
        refresh_search_text(session)
        session.commit()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    """The engine of the test database."""
    from mpp_digital.db import engine_for

    return engine_for(database_url)


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; account tables are emptied afterwards."""
    with Session(engine, expire_on_commit=False) as db:
        yield db
        db.rollback()
    with engine.begin() as conn:
        for table in ACCOUNT_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text(DELETE_THEIR_FACTS))


@pytest.fixture()
def now() -> datetime:
    """A fixed 'now' for tests with an injected clock."""
    return datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class MailBox:
    """Collects mails a service sends, instead of an SMTP server."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def __call__(self, *, to: str, subject: str, body: str) -> None:
        self.sent.append({"to": to, "subject": subject, "body": body})

    def collect(self, session: Session, now: datetime) -> None:
        """Send what the services left in the outbox (``services.pending_mail``) into this box,
        in the test's own session and transaction."""
        from contextlib import nullcontext

        from mpp_digital.services import pending_mail

        pending_mail.send_due(transaction=lambda: nullcontext(session), now=now, mailer=self)

    def last_link(self) -> str:
        """The URL in the newest mail."""
        body = self.sent[-1]["body"]
        return next(line.strip() for line in body.splitlines() if line.strip().startswith("http"))


@pytest.fixture()
def mailbox() -> MailBox:
    """A fake mailer for unit tests (the browser tests use a real SMTP server)."""
    return MailBox()


ROOT = Path(__file__).resolve().parent.parent
