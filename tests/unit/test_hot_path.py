"""The hot path (``db.fetch``, ``db.drive_async``): the same statements and rules as the ORM
path, all or nothing, on SQLite and on the real PostgreSQL (MPP_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlmodel import Session

from mpp_digital import db
from mpp_digital.errors import DomainError
from mpp_digital.models import MppSite, QueueSiteVersion, Role, RoleAssignment, User, UserSession
from mpp_digital.services import accounts
from mpp_digital.settings import get_settings
from tests.loops import run_on_own_loop


@pytest.fixture()
def app_database(database_url, engine, monkeypatch):
    """``get_engine()`` (what the hot path uses) on the test database."""
    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


run = run_on_own_loop


def _signed_in(engine, now, *, grants=()) -> tuple[str, int]:
    raw = accounts.new_secret()
    with Session(engine, expire_on_commit=False) as session:
        user = User(full_name="Sri Hot Path", email=f"hot-{raw[:8]}@path.test", password_hash="-",
                    email_verified_at=now, created_at=now)
        session.add(user)
        session.flush()
        for role, site_id in grants:
            session.add(RoleAssignment(user_id=user.id, role=role, site_id=site_id, granted_at=now))
        row = UserSession(user_id=user.id, token_hash=accounts.hash_secret(raw), created_at=now, last_seen_at=now,
                          expires_at=now + timedelta(hours=12), user_agent="pytest", ip_address="10.0.0.1")
        session.add(row)
        session.commit()
        return raw, row.id or 0


def test_check_session_is_resolve_session_on_the_hot_path(app_database, now):
    site_id = Session(app_database).exec(select(MppSite.id)).first()[0]
    raw, session_id = _signed_in(app_database, now, grants=[(Role.CITIZEN, None), (Role.OFFICER, site_id)])
    hot = run(accounts.check_session(raw=raw, now=now))
    with Session(app_database) as session:
        assert hot == accounts.resolve_session(session=session, raw=raw, now=now)
    assert {(g.role, g.site_id) for g in hot.grants} == {(Role.CITIZEN, None), (Role.OFFICER, site_id)}
    assert all(isinstance(g.role, Role) for g in hot.grants)  # the column's type, as the ORM gives it
    assert hot.email_verified and hot.session_id == session_id

    later = now + timedelta(minutes=5)  # active within the idle limit: the session is touched
    assert run(accounts.check_session(raw=raw, now=later)) is not None
    with Session(app_database) as session:
        assert session.get(UserSession, session_id).last_seen_at == later

    assert run(accounts.check_session(raw=raw, now=later + timedelta(minutes=31))) is None  # idle too long
    assert run(accounts.check_session(raw="not-a-session", now=later)) is None
    assert run(accounts.check_session(raw="", now=later)) is None


def _version(engine, site_id: int) -> int | None:
    with Session(engine) as session:
        row = session.get(QueueSiteVersion, site_id)
        return row.version if row else None


@pytest.fixture()
def site_version(app_database):
    """A site's change counter at 5 (a row the steps below change)."""
    with Session(app_database) as session:
        site_id = session.exec(select(MppSite.id)).first()[0]
        session.merge(QueueSiteVersion(site_id=site_id, version=5))
        session.commit()
    return site_id


def _bump(site_id: int, *, below: int):
    return (update(QueueSiteVersion).where(QueueSiteVersion.site_id == site_id, QueueSiteVersion.version < below)
            .values(version=QueueSiteVersion.version + 1).returning(QueueSiteVersion.version))


def test_steps_commit_when_they_end_and_roll_back_when_refused_after_a_change(app_database, site_version):
    def bump_then(fail: bool, below: int = 100):
        rows = yield _bump(site_version, below=below), {}
        if fail:
            raise DomainError("queue.slot_full")
        return rows[0][0] if rows else None

    assert run(db.drive_async(bump_then(False))) == 6
    assert _version(app_database, site_version) == 6
    with pytest.raises(DomainError):  # the write changed a row: all of it is undone
        run(db.drive_async(bump_then(True)))
    assert _version(app_database, site_version) == 6
    with pytest.raises(DomainError):  # a conditional update that changed nothing: nothing to undo
        run(db.drive_async(bump_then(True, below=0)))
    assert _version(app_database, site_version) == 6


def test_a_unique_conflict_comes_back_into_the_steps_and_undoes_the_work(app_database, site_version):
    def bump_then_duplicate():
        yield _bump(site_version, below=100), {}
        try:
            yield insert(QueueSiteVersion).values(site_id=site_version, version=0).returning(QueueSiteVersion.site_id), {}
        except db.Conflict:
            raise DomainError("queue.busy") from None

    with pytest.raises(DomainError) as refused:
        run(db.drive_async(bump_then_duplicate()))
    assert refused.value.key == "queue.busy"
    assert _version(app_database, site_version) == 5  # the bump before the conflict is gone too
    with Session(app_database) as session, pytest.raises(DomainError):  # the ORM session's driver alike
        try:
            db.drive(session, bump_then_duplicate())
        finally:
            session.rollback()
    assert _version(app_database, site_version) == 5


def test_a_statement_with_python_side_defaults_is_refused_on_the_hot_path(app_database):
    if db.get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite runs the statement through SQLAlchemy's own execution")
    from mpp_digital.models import QueueTicket

    with pytest.raises(ValueError, match="late"):
        run(db.fetch(insert(QueueTicket).values(code="X-001"), {}))


def test_a_write_on_the_hot_path_must_say_what_it_changed(app_database, site_version):
    if db.get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite runs the statement through SQLAlchemy's own execution")
    with pytest.raises(ValueError, match="RETURNING"):
        run(db.fetch(update(QueueSiteVersion).where(QueueSiteVersion.site_id == site_version).values(version=1), {}))
    assert _version(app_database, site_version) == 5


def test_only_a_unique_constraint_is_a_conflict(session):
    """A CHECK constraint that refuses a write is a bug, not a race: it is raised, not a Conflict."""
    from sqlalchemy.exc import IntegrityError

    from mpp_digital.models import QueueSlot
    from mpp_digital.services import queue
    from tests.unit.queue_setup import MONDAY, make_world

    world = make_world(session)
    slot = queue.ensure_slots(session=session, site=world.site, service=world.online, day=MONDAY)[0]

    def overfill():
        yield (update(QueueSlot).where(QueueSlot.id == slot.id).values(online_booked=QueueSlot.online_capacity + 1)
               .returning(QueueSlot.id)), {}

    with pytest.raises(IntegrityError):
        db.drive(session, overfill())
