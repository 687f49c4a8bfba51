"""The one server-side guard: who is signed in, from the HttpOnly session cookie only.

The cookie header comes from the websocket handshake (Reflex fills ``router.headers`` from
the connection, not from the event), so a client cannot forge it; the client token,
rx.Cookie, rx.LocalStorage and state fields are never used to decide who someone is.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import inspect
import json
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

import reflex as rx
from reflex.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base.event import Event

from mpp_digital import routes
from mpp_digital.client_address import client_address
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Role
from mpp_digital.services import accounts, rate_limits
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.settings import get_settings

_PRINCIPAL: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("mpp_principal", default=None)

# Every guarded handler, by qualified name, with the roles it admits (empty: any signed-in user).
PROTECTED_HANDLERS: dict[str, tuple[Role, ...]] = {}


def session_cookie(cookie_header: str, name: str = routes.SESSION_COOKIE) -> str | None:
    """The session id (or the cookie ``name``, such as the kiosk's device cookie) from a Cookie header."""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def client_ip(state: rx.State) -> str:
    """The address the websocket came from, resolved as for the HTTP routes (``client_address``)."""
    headers = state.router.headers.raw_headers
    return client_address(peer=headers.get("asgi-scope-client", "") or state.router.session.client_ip or "",
                          forwarded_for=headers.get("x-forwarded-for"),
                          trusted_hops=get_settings().trusted_proxy_hops)


async def current_principal(state: rx.State) -> Principal | None:
    """Resolve the signed-in principal from the session cookie of this connection."""
    return await accounts.check_session(raw=session_cookie(state.router.headers.cookie), now=utcnow())


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
    query = state.router.url.query
    return rx.redirect(f"{routes.LOGIN}?next={quote(path + ('?' + query if query else ''))}")


def personal_state_classes() -> list[type[rx.State]]:
    """The states that have guarded handlers: the ones that may hold personal or scoped data."""
    classes = []
    for module, cls_name in sorted({(k.rsplit(".", 2)[0], k.rsplit(".", 2)[1]) for k in PROTECTED_HANDLERS}):
        classes.append(getattr(importlib.import_module(module), cls_name))
    return classes


async def clear_personal_states(state: rx.State) -> None:
    """Reset every state that may hold personal data (sign-out, a dead session, a new user)."""
    for cls in personal_state_classes():
        (await state.get_state(cls)).reset()


async def _deny(state: rx.State, exc: NotAllowed) -> rx.event.EventSpec:
    """Refuse a guarded call: nobody signed in → wipe personal states and go to /masuk;
    a wrong role (or unverified email) → wipe this state and say why."""
    if exc.key == "auth.required":
        await clear_personal_states(state)
        return login_redirect(state)
    state.reset()
    return await _refused(state, exc)


async def _refused(state: rx.State, exc: DomainError) -> rx.event.EventSpec:
    """A toast saying, in the reader's language, why the server refused."""
    from state.lang import tr

    return rx.toast.error(await tr(state, exc.key, **exc.params))


def protected(*roles: Role, verified: bool = False) -> Callable:
    """Guard an async event handler: a valid session holding one of ``roles`` is required.

    Without a session every personal state is reset and the browser goes to /masuk; with
    the wrong role the handler's state is reset and a toast says so. Scope (site, regency)
    is checked inside the handler with ``authorize(principal(), role, site_id=...)``: the
    same rule. ``verified=True`` also requires a verified email (booking, applying).
    """

    def decorate(fn: Callable) -> Callable:
        if inspect.isasyncgenfunction(fn):
            return _guard_generator(fn, roles, verified)

        @functools.wraps(fn)
        async def guarded(self: rx.State, *args, **kwargs):
            who = await current_principal(self)
            try:
                authorize(who, *roles, verified=verified)
            except NotAllowed as exc:
                return await _deny(self, exc)
            token = _PRINCIPAL.set(who)
            try:
                return await fn(self, *args, **kwargs)
            except DomainError as exc:  # a rule refused it (scope, unknown id, ...): say so
                return await _refused(self, exc)
            finally:
                _PRINCIPAL.reset(token)

        PROTECTED_HANDLERS[f"{fn.__module__}.{fn.__qualname__}"] = roles
        guarded.__mpp_roles__ = roles  # type: ignore[attr-defined]
        guarded.__mpp_verified__ = verified  # type: ignore[attr-defined]
        return guarded

    return decorate


def _guard_generator(fn: Callable, roles: tuple[Role, ...], verified: bool) -> Callable:
    """``protected`` for async-generator handlers (long work that yields progress updates).

    The same rule as for plain handlers: the principal is resolved and checked before the
    first step runs, and stays set (``principal()``) until the generator ends.
    """

    @functools.wraps(fn)
    async def guarded(self: rx.State, *args, **kwargs):
        who = await current_principal(self)
        try:
            authorize(who, *roles, verified=verified)
        except NotAllowed as exc:
            yield await _deny(self, exc)
            return
        token = _PRINCIPAL.set(who)
        try:
            async for update in fn(self, *args, **kwargs):
                yield update
        except DomainError as exc:
            yield await _refused(self, exc)
        finally:
            _PRINCIPAL.reset(token)

    PROTECTED_HANDLERS[f"{fn.__module__}.{fn.__qualname__}"] = roles
    guarded.__mpp_roles__ = roles  # type: ignore[attr-defined]
    return guarded


class EventRateLimit(Middleware):
    """Every websocket event of a connection counts against ``rate_limits.WS_EVENTS`` (generous:
    a person clicks, a script floods). Registered with ``app.add_middleware``: Reflex runs it
    under the state lock before the handler, for guarded and public handlers alike; a refused
    event is dropped and the page gets a toast saying when to try again."""

    async def preprocess(self, app, state: rx.State, event: Event) -> StateUpdate | None:
        """Count the event against its connection (the socket id; the tab's token otherwise)."""
        connection = state.router.session.session_id or state.router.session.client_token
        try:
            await rate_limits.check(rate_limits.WS_EVENTS, connection)
        except rate_limits.RateLimited as exc:
            return StateUpdate(events=Event.from_event_type(await _refused(state, exc)))
        return None
