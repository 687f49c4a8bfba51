"""Personal data under UU 27/2022: sealed at rest, kept only as long as needed, the citizen's own
copy, closing the account, and the staff administration (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from starlette.testclient import TestClient

from mpp_digital import routes
from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    AuditLog,
    LoginAttempt,
    MppSite,
    OAuthToken,
    OneTimeToken,
    PendingMail,
    QueueTicket,
    Role,
    RoleAssignment,
    Service,
    TicketStatus,
    User,
    UserSession,
)
from mpp_digital.services import accounts, my_data, retention, sealing
from mpp_digital.services.authz import principal_for
from mpp_digital.settings import get_settings
from tests.sso_support import make_user, register_app

PASSWORD = "kopi tubruk di alun-alun"
NIK = "3314014107900001"


def register(session, now, mailbox, nik=NIK, email="sri@example.id"):
    user = accounts.register_citizen(
        session=session,
        registration=accounts.Registration(nik=nik, full_name="Sri Lestari", email=email, phone="0812-3456-7890",
                                           password=PASSWORD),
        now=now)
    mailbox.collect(session, now)
    session.commit()
    return user


def sign_in(session, now, identifier=NIK, password=PASSWORD):
    result = accounts.sign_in(session=session, identifier=identifier, password=password, ip_address="10.0.0.1", now=now)
    row, raw = accounts.start_session_from_ticket(session=session, ticket=result.login_ticket, ip_address="10.0.0.1",
                                                  user_agent="pytest", now=now)
    session.commit()
    return row, raw


def everything_stored(session) -> str:
    """Every column of every row of the tables that hold account data, as the database returns them."""
    parts = []
    for table in ('"user"', "loginattempt", "auditlog", "onetimetoken", "usersession", "recoverycode", "claimrelease"):
        for row in session.execute(text(f"SELECT * FROM {table}")).all():
            parts.extend(repr(v) for v in row)
    return "\n".join(parts)


@pytest.fixture()
def data_key_version(monkeypatch):
    """Switch ``MPP_DATA_KEY_VERSION`` for one test."""
    def switch(version: int) -> None:
        monkeypatch.setenv("MPP_DATA_KEY_VERSION", str(version))
        get_settings.cache_clear()
    yield switch
    get_settings.cache_clear()


# --------------------------------------------------------------------------- sealing


def test_a_sealed_value_opens_only_for_its_own_column_and_untouched():
    blob = sealing.seal(NIK, purpose=sealing.PURPOSE_NIK)
    assert NIK not in blob and blob.startswith("s1.1.")
    assert sealing.unseal(blob, purpose=sealing.PURPOSE_NIK) == NIK
    assert sealing.seal(NIK, purpose=sealing.PURPOSE_NIK) != blob  # a fresh nonce every time
    with pytest.raises(sealing.SealError):  # copied into the TOTP column
        sealing.unseal(blob, purpose=sealing.PURPOSE_TOTP)
    tampered = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    with pytest.raises(sealing.SealError):
        sealing.unseal(tampered, purpose=sealing.PURPOSE_NIK)
    assert sealing.seal(None, purpose=sealing.PURPOSE_NIK) is None


def test_the_lookup_hash_is_keyed_and_stable():
    digest = sealing.lookup_hash(NIK, purpose=sealing.PURPOSE_NIK)
    assert digest == sealing.lookup_hash(NIK, purpose=sealing.PURPOSE_NIK) and len(digest) == 64
    import hashlib

    assert digest != hashlib.sha256(NIK.encode()).hexdigest()  # not guessable without the secret key
    assert digest != sealing.lookup_hash(NIK, purpose=sealing.PURPOSE_LOGIN_IDENTIFIER)


def test_rotating_the_data_key_keeps_old_values_readable_and_reseal_moves_them(session, now, mailbox,
                                                                               data_key_version):
    user = register(session, now, mailbox)
    accounts.begin_totp(session=session, principal=principal_for(session=session, user=user, session_id=0))
    session.commit()
    assert sealing.version_of(user.nik_sealed) == 1
    data_key_version(2)
    assert accounts.nik_of(session.get(User, user.id)) == NIK  # version 1 still opens
    assert accounts.reseal_personal_data(session=session) == 1
    session.commit()
    fresh = session.get(User, user.id)
    assert sealing.version_of(fresh.nik_sealed) == 2 and sealing.version_of(fresh.totp_secret_sealed) == 2
    assert accounts.nik_of(fresh) == NIK
    assert accounts.reseal_personal_data(session=session) == 0
    sign_in(session, now)  # the lookup hash did not move: sign-in by NIK still finds the account


# --------------------------------------------------------------------------- at rest


def test_the_raw_nik_and_totp_secret_are_nowhere_in_the_database(session, now, mailbox, database_url):
    """Fails before 0010: the user table held the NIK and TOTP secret in clear, login attempts the NIK."""
    user = register(session, now, mailbox)
    secret, _ = accounts.begin_totp(session=session, principal=principal_for(session=session, user=user, session_id=0))
    session.commit()
    with pytest.raises(DomainError):
        accounts.sign_in(session=session, identifier=NIK, password="salah salah salah", ip_address="1.2.3.4", now=now)
    session.rollback()
    with pytest.raises(DomainError):  # an unknown NIK is kept no more than a known one
        accounts.sign_in(session=session, identifier="3314015203850007", password="x", ip_address="1.2.3.4", now=now)
    session.rollback()
    stored = everything_stored(session)
    for clear in (NIK, "3314015203850007", secret):
        assert clear not in stored
    assert session.exec(select(LoginAttempt)).all()  # the attempts are there, hashed
    if database_url.startswith("sqlite"):  # and not in the file's bytes either (nor its write-ahead log)
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        path = Path(database_url.removeprefix("sqlite:///"))
        for part in (path, Path(f"{path}-wal")):
            if part.exists():
                raw = part.read_bytes()
                assert NIK.encode() not in raw and secret.encode() not in raw
    else:
        dump = session.execute(text('SELECT string_agg(u::text, \'|\') FROM "user" u')).scalar_one()
        assert NIK not in dump and secret not in dump


def test_sign_in_by_nik_uniqueness_and_masked_nik_still_work(session, now, mailbox):
    user = register(session, now, mailbox)
    assert accounts.nik_of(user) == NIK
    _, raw = sign_in(session, now, identifier="3314 0141 0790 0001")
    assert accounts.resolve_session(session=session, raw=raw, now=now).user_id == user.id
    with pytest.raises(accounts.InvalidForm) as exc:
        register(session, now, mailbox, email="other@example.id")
    assert exc.value.errors["nik"].key == "nik.taken"
    assert "nik_sealed" not in user.model_dump() and "nik_lookup" not in user.model_dump()


def test_the_sso_nik_claim_is_the_clear_nik(session):
    user = make_user(session, email="nik@sso.test", nik="3314014107900009")
    from mpp_digital.services import sso

    assert sso.claims_for(user=user, client_id="c", scopes="openid nik", verified=True)["nik"] == "3314014107900009"


# --------------------------------------------------------------------------- the migration


def _alembic(url: str):
    from alembic.config import Config

    from mpp_digital.settings import PROJECT_ROOT

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = url
    return config


@pytest.fixture()
def empty_database(tmp_path, database_url):
    """A database of its own: a SQLite file, or a PostgreSQL schema of the test database."""
    from mpp_digital.db import engine_for

    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    with engine_for(database_url).begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migrate_0010 CASCADE"))
        conn.execute(text("CREATE SCHEMA migrate_0010"))
    sep = "&" if "?" in database_url else "?"
    yield f"{database_url}{sep}options=-csearch_path%3Dmigrate_0010"
    with engine_for(database_url).begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migrate_0010 CASCADE"))


def test_migration_0010_seals_existing_rows_and_the_downgrade_opens_them(empty_database, now):
    from sqlmodel import Session

    from alembic import command
    from mpp_digital.db import engine_for

    config = _alembic(empty_database)
    command.upgrade(config, "0007")
    engine = engine_for(empty_database)
    hashed = accounts.password_hasher.hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(text('INSERT INTO "user" (nik, full_name, email, password_hash, is_active, totp_secret, '
                          "totp_enabled, created_at) VALUES (:nik, 'Sri', 'sri@old.test', :pw, :t, 'JBSWY3DPEHPK3PXP', "
                          ":f, :now)"), {"nik": NIK, "pw": hashed, "now": now, "t": True, "f": False})
        conn.execute(text("INSERT INTO loginattempt (identifier, ip_address, at, success) "
                          "VALUES (:nik, '1.2.3.4', :now, :f)"), {"nik": NIK, "now": now, "f": False})
    command.upgrade(config, "heads")  # 0010, and the other branches from 0007 beside it
    with engine.connect() as conn:
        row = conn.execute(text('SELECT * FROM "user"')).mappings().one()
        attempt = conn.execute(text("SELECT * FROM loginattempt")).mappings().one()
    assert "nik" not in row and "totp_secret" not in row and "identifier" not in attempt
    assert NIK not in repr(dict(row)) and "JBSWY3DPEHPK3PXP" not in repr(dict(row)) and NIK not in repr(dict(attempt))
    with Session(engine) as db:
        user = db.exec(select(User)).one()
        assert accounts.nik_of(user) == NIK and accounts.totp_secret_of(user) == "JBSWY3DPEHPK3PXP"
        result = accounts.sign_in(session=db, identifier=NIK, password=PASSWORD, ip_address="9.9.9.9", now=now)
        assert result.user_id == user.id
        # the migrated attempt counts for the NIK's hold like a new one
        assert attempt["identifier_hash"] == accounts.identifier_hash(NIK)
        db.rollback()
    command.downgrade(config, "0007")
    with engine.connect() as conn:
        assert conn.execute(text('SELECT nik, totp_secret FROM "user"')).one() == (NIK, "JBSWY3DPEHPK3PXP")
    engine.dispose()


# --------------------------------------------------------------------------- retention


def test_purge_deletes_what_outlived_its_period_and_nothing_else(session, now, mailbox, tmp_path):
    user = register(session, now, mailbox)
    uid = user.id
    old, recent = now - timedelta(days=31), now - timedelta(days=1)
    very_old = now - retention.LOGIN_ATTEMPTS_KEPT - timedelta(days=1)
    session.add_all([LoginAttempt(identifier_hash="a" * 64, ip_address="1.1.1.1", at=very_old, success=False),
                     LoginAttempt(identifier_hash="c" * 64, ip_address="1.1.1.1", at=old, success=True),
                     LoginAttempt(identifier_hash="b" * 64, ip_address="1.1.1.1", at=recent, success=False)])

    def user_session(label, **times):
        base = {"created_at": now - timedelta(days=40), "last_seen_at": now, "expires_at": now + timedelta(hours=1)}
        row = UserSession(user_id=uid, token_hash=label.ljust(64, "0"), **{**base, **times})
        session.add(row)
        session.flush()
        return row.id

    gone = {user_session("revoked-long-ago", revoked_at=old),
            user_session("expired-long-ago", expires_at=old),
            user_session("idle-long-ago", last_seen_at=old)}
    kept = {user_session("live"), user_session("revoked-yesterday", revoked_at=recent)}
    register_app(session)
    client_pk = session.execute(text("SELECT id FROM oauthclient")).first()[0]
    linked = min(gone)
    session.add(OAuthToken(client_pk=client_pk, user_id=uid, portal_session_id=linked, family_id="f1", scope="openid",
                           access_token_hash="c" * 64, issued_at=old, access_expires_at=old))
    session.add_all([
        OneTimeToken(purpose="login", token_hash="d" * 64, user_id=uid, created_at=old, expires_at=old + timedelta(minutes=1)),
        OneTimeToken(purpose="login", token_hash="e" * 64, user_id=uid, created_at=recent, expires_at=recent,
                     used_at=recent),
        PendingMail(kind="purge_test", ref=1, created_at=old, due_at=old, sent_at=old),
        PendingMail(kind="purge_test", ref=2, created_at=recent, due_at=recent, sent_at=recent),
        PendingMail(kind="purge_test", ref=3, created_at=old, due_at=old),  # never sent: kept, still due
    ])
    session.commit()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "old.eml").write_text("x")
    (outbox / "new.eml").write_text("x")
    os.utime(outbox / "old.eml", (old.timestamp(), old.timestamp()))
    before_tokens = {t.token_hash for t in session.exec(select(OneTimeToken)).all()}

    purged = retention.purge(session=session, now=now, outbox_dir=outbox)
    session.commit()
    assert purged.login_attempts == 1 and purged.sessions == 3 and purged.sent_mail == 1 and purged.outbox_files == 1
    assert sorted(a.identifier_hash[0] for a in session.exec(select(LoginAttempt)).all()) == ["b", "c"]
    assert {s.id for s in session.exec(select(UserSession)).all()} == kept
    assert session.exec(select(OAuthToken)).one().portal_session_id is None  # the token keeps its record
    left = {t.token_hash for t in session.exec(select(OneTimeToken)).all()}
    assert "d" * 64 not in left and "e" * 64 in left and left < before_tokens | {"e" * 64}
    # (the registration's verification mail is in the outbox too: only this test's rows are compared)
    assert sorted(m.ref for m in session.exec(select(PendingMail).where(PendingMail.kind == "purge_test")).all()) == [2, 3]
    assert [p.name for p in outbox.iterdir()] == ["new.eml"]
    assert retention.purge(session=session, now=now, outbox_dir=outbox).sessions == 0  # idempotent


def test_cli_purge_runs_once(session, database_url, monkeypatch, capsys, tmp_path):
    from mpp_digital import cli

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    monkeypatch.setenv("MPP_OUTBOX_DIR", str(tmp_path))
    monkeypatch.delenv("MPP_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        assert cli.main(["purge"]) == 0
    finally:
        get_settings.cache_clear()
    assert capsys.readouterr().out.startswith("purge: Purged(login_attempts=")


# --------------------------------------------------------------------------- Data saya


def _ticket(session, citizen_id: int, status: TicketStatus, start, number: int) -> QueueTicket:
    site = session.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
    service = session.exec(select(Service)).first()
    ticket = QueueTicket(site_id=site.id, agency_id=service.agency_id, service_id=service.id, day=start.date(),
                         channel="online", number=number, code=f"A-{number:03d}", pin="1234", citizen_id=citizen_id,
                         status=status, active=1 if status == TicketStatus.BOOKED else None,
                         active_place=1 if status == TicketStatus.BOOKED else None, slot_start_at=start,
                         slot_end_at=start + timedelta(minutes=30), expires_at=start + timedelta(hours=12),
                         created_at=start - timedelta(days=1))
    session.add(ticket)
    session.flush()
    return ticket


def test_export_holds_my_data_and_only_mine(session, now, mailbox):
    sri = register(session, now, mailbox)
    budi = register(session, now, mailbox, nik="3314015203850007", email="budi@example.id")
    _ticket(session, sri.id, TicketStatus.DONE, now - timedelta(days=3), 1)
    app = register_app(session)
    from mpp_digital.models import OAuthClient
    from mpp_digital.services import sso

    client = session.exec(select(OAuthClient).where(OAuthClient.client_id == app.client_id)).one()
    sso.release_claims(session=session, user=sri, client=client, scopes="openid email nik", endpoint="userinfo", now=now)
    session.commit()
    data = my_data.export_my_data(session=session, user_id=sri.id, now=now)
    assert data["account"]["nik"] == NIK and data["account"]["email"] == "sri@example.id"
    assert [t["code"] for t in data["queue_tickets"]] == ["A-001"]
    # a self-declared account's NIK is not released (issue 17); its level is
    assert data["data_released_to_apps"][0]["claims"] == ["acr", "email", "email_verified", "sub"]
    assert data["data_released_to_apps"][0]["app"] == client.name
    assert "register" in [a["action"] for a in data["activity"]]
    dumped = json.dumps(data)
    assert "budi@example.id" not in dumped and "3314015203850007" not in dumped
    assert budi.id != sri.id
    pdf = my_data.render_pdf(data, lang="en")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000


def test_the_download_route_serves_the_cookies_own_account(session, now, mailbox, database_url, monkeypatch):
    """JSON and PDF by the request's own session cookie; nothing without one."""
    from mpp_digital.clock import utcnow
    from mpp_digital.web_routes import build_api

    register(session, now, mailbox)
    register(session, now, mailbox, nik="3314015203850007", email="budi@example.id")
    _, sri_cookie = sign_in(session, utcnow())
    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        client = TestClient(build_api())
        assert client.get(routes.MY_DATA_JSON).status_code == 401
        client.cookies.set(routes.SESSION_COOKIE, "not-a-session")
        assert client.get(routes.MY_DATA_JSON).status_code == 401
        client.cookies.set(routes.SESSION_COOKIE, sri_cookie)
        got = client.get(routes.MY_DATA_JSON + "?user_id=2")
        assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
        assert "attachment" in got.headers["content-disposition"]
        assert got.json()["account"]["email"] == "sri@example.id" and "budi" not in got.text
        pdf = client.get(routes.MY_DATA_PDF + "?lang=en")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
    finally:
        get_settings.cache_clear()
    exports = session.exec(select(AuditLog).where(AuditLog.action == "data_export").order_by(AuditLog.id)).all()
    assert [e.detail["format"] for e in exports] == ["json", "pdf"]


def test_the_download_route_is_rate_limited_per_address(session, now, mailbox, database_url, monkeypatch):
    """A PDF costs CPU: 10 downloads a minute per address, then 429 with Retry-After."""
    from mpp_digital.services import rate_limits
    from mpp_digital.web_routes import build_api

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    rate_limits.configure(redis_url=None)  # a fresh in-memory count
    try:
        client = TestClient(build_api())
        codes = [client.get(routes.MY_DATA_JSON).status_code for _ in range(11)]
    finally:
        rate_limits.configure(redis_url=None)
        get_settings.cache_clear()
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_closing_the_account_anonymises_it_and_frees_the_nik(session, now, mailbox):
    user = register(session, now, mailbox)
    row, raw = sign_in(session, now)
    done = _ticket(session, user.id, TicketStatus.DONE, now - timedelta(days=3), 1)
    booked = _ticket(session, user.id, TicketStatus.BOOKED, now + timedelta(days=1), 2)
    accounts.request_password_reset(session=session, email="sri@example.id", now=now)  # a link mail not sent yet
    session.commit()
    assert session.exec(select(PendingMail).where(PendingMail.kind == accounts.RESET_MAIL)).all()
    who = accounts.resolve_session(session=session, raw=raw, now=now)
    with pytest.raises(ValidationError):
        my_data.close_account(session=session, principal=who, password="not my password", now=now)
    my_data.close_account(session=session, principal=who, password=PASSWORD, now=now, ip_address="10.0.0.1")
    session.commit()

    closed = session.get(User, user.id)
    assert closed.closed_at == now and not closed.is_active
    assert (closed.full_name, closed.phone, closed.birth_date, closed.nik_sealed, closed.nik_lookup) == (
        my_data.CLOSED_NAME, None, None, None, None)
    assert closed.email.endswith("@closed.invalid") and not closed.totp_enabled
    assert accounts.resolve_session(session=session, raw=raw, now=now) is None
    assert session.exec(select(UserSession)).one().ip_address == ""
    assert session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user.id)).all() == []
    assert session.get(QueueTicket, booked.id).status == TicketStatus.CANCELLED
    assert session.get(QueueTicket, done.id).status == TicketStatus.DONE  # the queue's history stays
    assert session.exec(select(LoginAttempt)).all() == []
    assert session.exec(select(PendingMail).where(PendingMail.kind == accounts.RESET_MAIL)).all() == []  # never sent
    assert "account_closed" in [a.action for a in session.exec(select(AuditLog)).all()]  # the trail stays
    with pytest.raises(DomainError):
        accounts.sign_in(session=session, identifier="sri@example.id", password=PASSWORD, ip_address="1.1.1.1",
                         now=now + timedelta(minutes=1))
    session.rollback()
    # The NIK is free again: the same person may register anew.
    again = register(session, now + timedelta(days=1), mailbox, email="sri.baru@example.id")
    assert accounts.nik_of(again) == NIK and again.id != user.id


# --------------------------------------------------------------------------- staff administration


@pytest.fixture()
def staff(session, now):
    admin = make_user(session, email="root@staff.test")
    accounts.grant_role(session=session, user_id=admin.id, role=Role.SUPERADMIN, now=now)
    officer = make_user(session, email="petugas@staff.test")
    site = session.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
    grant = accounts.grant_role(session=session, user_id=officer.id, role=Role.OFFICER, now=now, site_id=site.id)
    session.commit()
    return admin, officer, grant


def _live_session(session, user, now) -> str:
    ticket = accounts.issue_token(session=session, user_id=user.id, purpose=accounts.PURPOSE_LOGIN,
                                  ttl=timedelta(minutes=1), now=now)
    _, raw = accounts.start_session_from_ticket(session=session, ticket=ticket, ip_address="", user_agent="", now=now)
    session.commit()
    return raw


def test_revoking_a_grant_takes_effect_on_the_next_session_check(session, now, staff):
    admin, officer, grant = staff
    raw = _live_session(session, officer, now)
    assert Role.OFFICER in accounts.resolve_session(session=session, raw=raw, now=now).roles
    actor = principal_for(session=session, user=admin, session_id=0)
    with pytest.raises(NotAllowed):
        accounts.revoke_role(session=session, actor=principal_for(session=session, user=officer, session_id=0),
                             assignment_id=grant.id, now=now)
    accounts.revoke_role(session=session, actor=actor, assignment_id=grant.id, now=now, ip_address="10.9.9.9")
    session.commit()
    assert Role.OFFICER not in accounts.resolve_session(session=session, raw=raw, now=now).roles
    row = session.exec(select(AuditLog).where(AuditLog.action == "role_revoked")).one()
    assert row.actor_user_id == admin.id and row.target == f"user:{officer.id}" and row.detail["revoked"] == "officer"
    with pytest.raises(DomainError, match="role.grant_not_found"):
        accounts.revoke_role(session=session, actor=actor, assignment_id=grant.id, now=now)
    own = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == admin.id,
                                                    RoleAssignment.role == Role.SUPERADMIN)).one()
    with pytest.raises(DomainError, match="role.own_superadmin"):
        accounts.revoke_role(session=session, actor=actor, assignment_id=own.id, now=now)


def test_deactivation_ends_sessions_and_sign_in_and_reactivation_restores_sign_in(session, now, staff):
    admin, officer, _ = staff
    raw = _live_session(session, officer, now)
    actor = principal_for(session=session, user=admin, session_id=0)
    with pytest.raises(DomainError, match="account.own"):
        accounts.set_account_active(session=session, actor=actor, user_id=admin.id, active=False, now=now)
    accounts.set_account_active(session=session, actor=actor, user_id=officer.id, active=False, now=now)
    session.commit()
    assert accounts.resolve_session(session=session, raw=raw, now=now) is None
    with pytest.raises(DomainError):
        accounts.sign_in(session=session, identifier="petugas@staff.test", password="Guard-Matrix-Test-2026",
                         ip_address="1.1.1.1", now=now)
    session.rollback()
    accounts.set_account_active(session=session, actor=actor, user_id=officer.id, active=True, now=now)
    session.commit()
    assert accounts.resolve_session(session=session, raw=raw, now=now) is None  # old sessions stay ended
    assert _live_session(session, officer, now)
    actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    assert [a for a in actions if a.startswith("account_")] == ["account_deactivated", "account_reactivated"]
    entry = next(e for e in accounts.user_directory(session=session, actor=actor) if e.user_id == officer.id)
    assert entry.status == "active" and [g.role for g in entry.grants] == [Role.CITIZEN, Role.OFFICER]


def test_the_directory_and_account_changes_are_superadmin_only(session, now, staff):
    _, officer, _ = staff
    who = principal_for(session=session, user=officer, session_id=0)
    with pytest.raises(NotAllowed):
        accounts.user_directory(session=session, actor=who)
    with pytest.raises(NotAllowed):
        accounts.set_account_active(session=session, actor=who, user_id=officer.id, active=False, now=now)


def test_a_closed_account_cannot_be_reactivated(session, now, mailbox, staff):
    admin, _, _ = staff
    user = register(session, now, mailbox)
    my_data.close_account(session=session, principal=principal_for(session=session, user=user, session_id=0),
                          password=PASSWORD, now=now)
    session.commit()
    with pytest.raises(DomainError, match="account.closed"):
        accounts.set_account_active(session=session, actor=principal_for(session=session, user=admin, session_id=0),
                                    user_id=user.id, active=True, now=now)
