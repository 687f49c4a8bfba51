"""The one server-side guard: who is signed in, from the HttpOnly session cookie only.

The cookie header comes from the websocket handshake (Reflex fills ``router.headers`` from
the connection, not from the event), so a client cannot forge it; the client token,
rx.Cookie, rx.LocalStorage and state fields are never used to decide who someone is.
"""

from __future__ import annotations

import contextvars
import functools
import json
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

import reflex as rx

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.errors import NotAllowed
from mpp_digital.models import Role
from mpp_digital.services import accounts
from mpp_digital.services.authz import Principal, authorize

_PRINCIPAL: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("mpp_principal", default=None)

# Every guarded handler, by qualified name, with the roles it admits (empty: any signed-in user).
PROTECTED_HANDLERS: dict[str, tuple[Role, ...]] = {}


def session_cookie(cookie_header: str) -> str | None:
    """The session id from a Cookie header, if any."""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(routes.SESSION_COOKIE)
    return morsel.value if morsel else None


def client_ip(state: rx.State) -> str:
    """The address the websocket came from (as Reflex's trusted-proxy setting resolves it)."""
    return state.router.session.client_ip or ""


async def current_principal(state: rx.State) -> Principal | None:
    """Resolve the signed-in principal from the session cookie of this connection."""
    raw = session_cookie(state.router.headers.cookie)
    if not raw:
        return None
    with session_scope() as session:
        return accounts.resolve_session(session=session, raw=raw, now=utcnow())


def principal() -> Principal:
    """The principal checked by the ``protected`` guard around the running handler."""
    current = _PRINCIPAL.get()
    if current is None:  # only reachable by calling it outside a protected handler
        raise NotAllowed("auth.required")
    return current


def full_page_load(url: str) -> rx.event.EventSpec:
    """Navigate with a full page load, so the next websocket carries the new cookie."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def login_redirect(state: rx.State) -> rx.event.EventSpec:
    """Send the browser to /masuk, coming back here afterwards."""
    path = state.router.url.path or routes.PROFILE
    return rx.redirect(f"{routes.LOGIN}?next={quote(path)}")


def protected(*roles: Role, reset_on_deny: bool = True) -> Callable:
    """Guard an async event handler: a valid session holding one of ``roles`` is required.

    Without a session the handler's state is reset and the browser goes to /masuk; with the
    wrong role it is reset and a toast says so. Scope (site, regency) is checked inside the
    handler with ``authorize(principal(), role, site_id=...)``: the same rule.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        async def guarded(self: rx.State, *args, **kwargs):
            from state.lang import tr

            who = await current_principal(self)
            try:
                authorize(who, *roles)
            except NotAllowed as exc:
                if reset_on_deny:
                    self.reset()
                if exc.key == "auth.required":
                    return login_redirect(self)
                return rx.toast.error(await tr(self, exc.key))
            token = _PRINCIPAL.set(who)
            try:
                return await fn(self, *args, **kwargs)
            except NotAllowed as exc:
                return rx.toast.error(await tr(self, exc.key))
            finally:
                _PRINCIPAL.reset(token)

        PROTECTED_HANDLERS[f"{fn.__module__}.{fn.__qualname__}"] = roles
        guarded.__mpp_roles__ = roles  # type: ignore[attr-defined]
        return guarded

    return decorate
