"""Helpers for the single sign-on tests: people, agency apps, PKCE, a provider on a real port."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.models import Agency, Role, User
from mpp_digital.services import accounts, sso
from mpp_digital.services.authz import Grant, Principal

PASSWORD = "Sso-Test-Password-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_user(db: Session, *, email: str, nik: str | None = None, name: str = "Sri Lestari",
              phone: str | None = "+6281234567890", verified: bool = True) -> User:
    """A user row (the password hash is computed once per test run)."""
    now = utcnow()
    user = User(full_name=name, email=email, phone=phone, password_hash=_hash(),
                email_verified_at=now if verified else None, created_at=now)
    accounts.set_nik(user, nik)
    db.add(user)
    db.flush()
    accounts.grant_role(session=db, user_id=user.id or 0, role=Role.CITIZEN, now=now)
    db.commit()
    return user


_HASH: list[str] = []


def _hash() -> str:
    if not _HASH:
        _HASH.append(accounts.password_hasher.hash(PASSWORD))
    return _HASH[0]


def portal_cookie(db: Session, user: User, *, second_factor: bool | None = None) -> str:
    """A live portal session for ``user``, as /auth/sesi would set it; returns the raw cookie.

    The one sign-in of the unit tests: a staff account's session is signed in with a second
    factor, as staff must (``second_factor`` overrides it: False for a password-only session).
    """
    now = utcnow()
    if second_factor is None:
        second_factor = accounts.holds_staff_role(session=db, user_id=user.id or 0)
    ticket = accounts.issue_token(session=db, user_id=user.id or 0,
                                  purpose=accounts.PURPOSE_LOGIN_OTP if second_factor else accounts.PURPOSE_LOGIN,
                                  ttl=accounts.LOGIN_TICKET_TTL, now=now)
    _row, raw = accounts.start_session_from_ticket(session=db, ticket=ticket, ip_address="127.0.0.1",
                                                   user_agent="pytest", now=now)
    db.commit()
    return raw


def ministry(db: Session) -> Principal:
    """A ministry principal (with a real user row, for the audit trail)."""
    user = db.exec(select(User).where(User.email == "ministry@sso.test")).first()
    if user is None:
        user = User(full_name="KemenPANRB", email="ministry@sso.test", password_hash="x", created_at=utcnow())
        db.add(user)
        db.flush()
    return Principal(user_id=user.id or 0, session_id=0, full_name=user.full_name, email=user.email,
                     email_verified=True, grants=(Grant(role=Role.MINISTRY),))


def agency_id(db: Session, slug: str = "dukcapil") -> int:
    agency = db.exec(select(Agency).where(Agency.slug == slug)).first()
    if agency is None:
        agency = db.exec(select(Agency)).first()
    if agency is None:  # catalog not loaded
        agency = Agency(slug=slug, name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Dukcapil")
        db.add(agency)
        db.flush()
    return agency.id or 0


@dataclass
class AgencyApp:
    """A registered client and what it needs to run a flow."""

    client_id: str
    secret: str | None
    redirect_uri: str
    logout_uri: str


def register_app(db: Session, *, name: str = "SIAK Online Sragen", redirect_uri: str = "http://127.0.0.1:9/cb",
                 scopes: tuple[str, ...] = ("openid", "profile", "email", "phone"), legal_basis: str = "",
                 auth_method: str = "client_secret_basic", jwks: dict | None = None) -> AgencyApp:
    logout_uri = redirect_uri.rsplit("/", 1)[0] + "/keluar-selesai"
    client, secret = sso.register_client(
        session=db, actor=ministry(db), now=utcnow(),
        registration=sso.ClientRegistration(
            name=name, agency_id=agency_id(db), redirect_uris=[redirect_uri], auth_method=auth_method,
            scopes=list(scopes), post_logout_redirect_uris=[logout_uri], jwks=jwks, nik_legal_basis=legal_basis),
    )
    db.commit()
    return AgencyApp(client_id=client.client_id, secret=secret, redirect_uri=redirect_uri, logout_uri=logout_uri)


def pkce() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@contextmanager
def serve(app, port: int) -> Iterator[None]:
    """Serve an ASGI app with uvicorn on 127.0.0.1:port in a thread, for the duration."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
