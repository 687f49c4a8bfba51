"""Run Reflex event handlers in-process, without a server, against the test database.

How a state is built here (Reflex 0.10.1): ``rx.State(_reflex_internal_init=True)`` creates
the root state *and* every registered substate beneath it, which is what the in-memory state
manager does for one client token. ``get_state(OtherState)`` inside a handler then finds its
sibling in that tree (``_get_state_from_cache``), so ``tr()`` (which reads ``LangState``)
works. The connection data (cookie header, client token, client IP, page) is put on the
root the way ``BaseStateEventProcessor._execute_event`` does it:
``root._update_router_vars(router_data, previous)`` and ``root.router_data = merged``;
substates read the inherited router fields from the root.

A handler is an ``EventHandler``; Reflex calls ``handler.fn(state, *args)``, and so do we.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from tests.conftest import DELETE_THEIR_FACTS
from tests.loops import run_on_own_loop

STATE_MODULES = ("state.lang", "state.session", "state.auth", "state.home", "state.profile",
                 "state.nav", "state.admin", "state.catalog", "state.catalog_admin", "state.sso",
                 "state.sso_admin", "state.queue", "state.kiosk", "state.kiosk_admin", "state.counter", "state.board",
                 "state.dashboard", "state.analytics_admin", "state.my_data",
                 "state.privacy", "state.applications", "state.office", "state.documents", "state.verification",
                 "state.identity", "state.skm", "state.complaints")

ACCOUNT_TABLES = ("complaintattachment", "complaintevent", "complaint",
                  "documentaccess", "issuedoutput", "applicationdocument", "notification", "applicationevent",
                  "application", "applicationdraft", "storeddocument", "claimrelease", "kioskdevice", "queueticket",
                  "oauthassertionjti", "oauthtoken", "oauthauthorizationcode", "oauthconsent",
                  "oauthclient", "auditlog", "identityverification", "nikdispute", "identityassurance",
                  "recoverycode", "onetimetoken", "loginattempt", "usersession",
                  "roleassignment", '"user"')

PASSWORD = "Guard-Matrix-Test-2026"


def import_state_modules() -> None:
    """Import every state module, so PROTECTED_HANDLERS and the state tree are complete."""
    for name in STATE_MODULES:
        importlib.import_module(name)


@pytest.fixture(scope="module")
def app_db(database_url: str, engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Point the app (``mpp_digital.db.get_engine``) at the test database; mail to a tmp outbox."""
    from mpp_digital.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPP_DATABASE_URL", database_url)
        mp.setenv("MPP_OUTBOX_DIR", str(tmp_path_factory.mktemp("outbox")))
        mp.delenv("MPP_SMTP_HOST", raising=False)
        get_settings.cache_clear()
        assert get_settings().database_url == database_url
        import_state_modules()
        try:
            yield database_url
        finally:
            with engine.begin() as conn:
                for table in ACCOUNT_TABLES:
                    conn.execute(text(f"DELETE FROM {table}"))
                conn.execute(text(DELETE_THEIR_FACTS))
    get_settings.cache_clear()


# --------------------------------------------------------------------------- accounts


@dataclass
class Account:
    """One test user with a live session."""

    key: str  # the role value, or a label such as "victim"
    user_id: int
    email: str
    full_name: str
    cookie_value: str = ""
    session_id: int = 0
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def cookie_header(self) -> str:
        from mpp_digital import routes

        return f"theme=light; {routes.SESSION_COOKIE}={self.cookie_value}; other=1"


def start_session(engine, account: Account, *, user_agent: str = "pytest Firefox Linux",
                  second_factor: bool = True) -> Account:
    """Sign in with the password (and the current TOTP code when the account has TOTP, as every
    staff account must) and exchange the ticket for a session, as /masuk and /auth/sesi do.

    The one staff sign-in of the state tests. ``second_factor=False`` signs a TOTP account in
    as if it had none yet (a session with amr "pwd"), to test the guard's refusal.
    """
    import pyotp

    from mpp_digital.clock import utcnow
    from mpp_digital.models import User
    from mpp_digital.services import accounts

    with Session(engine, expire_on_commit=False) as db:
        user = db.get(User, account.user_id)
        code = None
        if user is not None and user.totp_enabled and second_factor:
            code = pyotp.TOTP(accounts.totp_secret_of(user)).now()
        if user is not None and user.totp_enabled and not second_factor:
            ticket = accounts.issue_token(session=db, user_id=user.id or 0, purpose=accounts.PURPOSE_LOGIN,
                                          ttl=accounts.LOGIN_TICKET_TTL, now=utcnow())
        else:
            result = accounts.sign_in(session=db, identifier=account.email, password=PASSWORD,
                                      ip_address="10.0.0.1", now=utcnow(), second_factor=code)
            assert result.login_ticket, "signed in"
            ticket = result.login_ticket
        row, raw = accounts.start_session_from_ticket(session=db, ticket=ticket,
                                                      ip_address="10.0.0.1", user_agent=user_agent,
                                                      now=utcnow())
        db.commit()
        account.session_id, account.cookie_value = row.id or 0, raw
    return account


def enrol_totp(user):
    """Give a (staff) user row TOTP with a fresh secret, as its enrolment would; returns it.
    ``start_session`` then signs it in with the current code."""
    import pyotp

    from mpp_digital.services import sealing

    user.totp_enabled = True
    user.totp_secret_sealed = sealing.seal(pyotp.random_base32(), purpose=sealing.PURPOSE_TOTP)
    return user


def session_alive(engine, account: Account) -> bool:
    """Whether the account's session cookie still resolves."""
    from mpp_digital.clock import utcnow
    from mpp_digital.services import accounts

    with Session(engine, expire_on_commit=False) as db:
        who = accounts.resolve_session(session=db, raw=account.cookie_value, now=utcnow())
        db.commit()
    return who is not None


def _create_user(db: Session, *, key: str, role, site_id: int | None, regency: str | None):
    from mpp_digital.clock import utcnow
    from mpp_digital.models import Role, User
    from mpp_digital.services import accounts

    now = utcnow()
    email = f"{key.replace('_', '.')}@guard.test"
    name = f"Guard {key.title()} Person"
    if role == Role.CITIZEN:  # the real registration path, NIK and all
        user = accounts.register_citizen(
            session=db,
            registration=accounts.Registration(
                nik="3314014107900002" if key == "citizen" else "3314015203850007",
                full_name=name, email=email, phone="081234567890", password=PASSWORD),
            now=now,
        )
    else:  # staff accounts are created by an administrator; only their role, with its scope, and TOTP
        user = enrol_totp(User(full_name=name, email=email, phone="+6281234500001",
                               password_hash=accounts.password_hasher.hash(PASSWORD),
                               email_verified_at=now, created_at=now))
        db.add(user)
        db.flush()
        accounts.grant_role(session=db, user_id=user.id or 0, role=role, now=now,
                            site_id=site_id, regency_code=regency)
    db.flush()
    return Account(key=key, user_id=user.id or 0, email=email, full_name=name)


def _site_id(db: Session, slug: str = "sragen") -> int:
    from mpp_digital.models import MppSite

    site = db.exec(select(MppSite).where(MppSite.slug == slug)).first()
    if site is None:  # catalog not loaded: a minimal site row in Sragen (regency 33.14)
        site = MppSite(slug=slug, name="MPP Sragen", regency_code="33.14", address="Sragen")
        db.add(site)
        db.flush()
    return site.id or 0


@pytest.fixture(scope="module")
def accounts_by_role(app_db: str, engine) -> dict[str, Account]:
    """One user per role (with scope), plus a "victim" citizen, each with a live session."""
    from mpp_digital.models import Role

    made: dict[str, Account] = {}
    with Session(engine, expire_on_commit=False) as db:
        site_id = _site_id(db)
        for role in Role:
            made[role.value] = _create_user(
                db, key=role.value, role=role,
                site_id=site_id if role in (Role.OFFICER, Role.SITE_ADMIN) else None,
                regency="33.14" if role == Role.REGIONAL_HEAD else None,
            )
        made["victim"] = _create_user(db, key="victim", role=Role.CITIZEN, site_id=None, regency=None)
        db.commit()
    for account in made.values():
        start_session(engine, account)
    return made


# --------------------------------------------------------------------------- states


def make_tree(*, cookie: str | None, client_token: str, client_ip: str = "10.0.0.9",
              path: str = "/profil"):
    """A fresh root state with every substate, connected as the given cookie and token."""
    import reflex as rx

    root = rx.State(_reflex_internal_init=True)
    connect(root, cookie=cookie, client_token=client_token, client_ip=client_ip, path=path)
    return root


def connect(root, *, cookie: str | None, client_token: str, client_ip: str = "10.0.0.9",
            path: str = "/profil") -> None:
    """(Re)connect a state tree: new handshake headers, as a new websocket would bring."""
    from reflex_base import constants

    headers = {"origin": "http://localhost:3000", "user-agent": "pytest"}
    if cookie is not None:
        headers["cookie"] = cookie
    router_data = {
        constants.RouteVar.HEADERS: headers,
        constants.RouteVar.CLIENT_TOKEN: client_token,
        constants.RouteVar.SESSION_ID: "sid-" + client_token[:8],
        constants.RouteVar.CLIENT_IP: client_ip,
        constants.RouteVar.PATH: path,
        constants.RouteVar.ORIGIN: path,
        constants.RouteVar.QUERY: {},
    }
    merged = root._update_router_vars(router_data, root.router_data)
    root.router_data = merged


def substate(root, state_cls):
    """The instance of ``state_cls`` in the tree."""
    return root.get_substate(state_cls._get_substate_path())


async def _drain(updates) -> list:
    """Everything an async-generator handler yields (its progress steps and final events)."""
    out = []
    async for item in updates:
        if item is None:
            continue
        out.extend(item if isinstance(item, list | tuple) else [item])
    return out


def call(handler, state, *args):
    """Run an event handler's function on a state, as Reflex's event processor does.

    An async-generator handler is run to its end; its yielded events come back as a list.
    """
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        result = _drain(result)
    if not asyncio.iscoroutine(result):
        return result
    return run_on_own_loop(result)


def pair_kiosk(engine, accounts_by_role: dict[str, Account], slug: str = "sragen") -> str:
    """Pair a kiosk of the site as its admin would (code on /admin/mpp, then /auth/kios); returns
    the Cookie header a paired kiosk's websocket carries."""
    from mpp_digital import routes
    from mpp_digital.clock import utcnow
    from mpp_digital.models import MppSite, User
    from mpp_digital.services import kiosk_devices
    from mpp_digital.services.authz import principal_for

    with Session(engine, expire_on_commit=False) as db:
        site = db.exec(select(MppSite).where(MppSite.slug == slug)).one()
        admin = db.get(User, accounts_by_role["site_admin"].user_id)
        code = kiosk_devices.start_pairing(session=db, actor=principal_for(session=db, user=admin, session_id=0),
                                           site_id=site.id or 0, name="Kios lobi", now=utcnow())
        _device, raw = kiosk_devices.pair(session=db, site_slug=slug, code=code, now=utcnow())
        db.commit()
    return f"theme=light; {routes.KIOSK_COOKIE}={raw}"
