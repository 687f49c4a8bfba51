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
import time
from collections import OrderedDict
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

import reflex as rx
from reflex.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base import constants
from reflex_base.event import Event

from mpp_digital import routes
from mpp_digital.client_address import client_address
from mpp_digital.clock import utcnow
from mpp_digital.cookies import session_cookie_name
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Role
from mpp_digital.services import accounts, rate_limits
from mpp_digital.services.authz import Principal, authorize, require_second_factor
from mpp_digital.settings import get_settings

_PRINCIPAL: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("mpp_principal", default=None)

# Every guarded handler, by qualified name, with the roles it admits (empty: any signed-in user).
PROTECTED_HANDLERS: dict[str, tuple[Role, ...]] = {}
# Guarded handlers that receive files through POST /_upload (principal: that request's cookie).
UPLOAD_HANDLERS: set[str] = set()
# Upload handlers anyone may call (no principal: they act for nobody); state/uploads.py serves
# them without a session, under a smaller body limit.
PUBLIC_UPLOAD_HANDLERS: set[str] = set()
# States without guarded handlers that still hold a person's data (registration's NIK preview).
PERSONAL_STATES: set[str] = set()


def session_cookie(cookie_header: str, name: str | None = None) -> str | None:
    """The session id (or the cookie ``name``, such as the kiosk's device cookie) from a Cookie header;
    the session cookie's name is ``__Host-`` prefixed under https (``session_cookie_name``)."""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(name or session_cookie_name())
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


def _takes_files(fn: Callable) -> bool:
    """Whether a handler receives uploaded files (Reflex then calls it from POST /_upload)."""
    return any("UploadFile" in str(p.annotation) for p in inspect.signature(fn).parameters.values())


async def _caller(state: rx.State, upload: bool) -> Principal | None:
    """Who calls a guarded handler: the websocket's cookie; for an upload handler, the cookie
    of the upload request being served (state/uploads.py), never the headers stored with the
    state, which are whoever opened the tab."""
    if upload:
        from state.uploads import uploading_principal

        return uploading_principal(state.router.session.client_token)
    return await current_principal(state)


def principal() -> Principal:
    """The principal checked by the ``protected`` guard around the running handler."""
    current = _PRINCIPAL.get()
    if current is None:  # only reachable by calling it outside a protected handler
        raise NotAllowed("auth.required")
    return current


def full_page_load(url: str) -> rx.event.EventSpec:
    """Navigate with a full page load, so the next websocket carries the new cookie."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def full_page_post(url: str) -> rx.event.EventSpec:
    """POST an empty form to a same-site route with a full page load (``/auth/keluar`` takes POST
    only), so the route's answer sets or clears cookies and the next websocket carries them."""
    return rx.call_script(
        "(() => { const f = document.createElement('form'); f.method = 'post'; "
        f"f.action = {json.dumps(url)}; document.body.appendChild(f); f.submit(); }})()"
    )


def login_redirect(state: rx.State) -> rx.event.EventSpec:
    """Send the browser to /masuk, coming back here afterwards."""
    path = state.router.url.path or routes.PROFILE
    query = state.router.url.query
    return rx.redirect(f"{routes.LOGIN}?next={quote(path + ('?' + query if query else ''))}")


def public_upload(fn: Callable) -> Callable:
    """Mark an upload handler as public (state/uploads.py): anyone may send it a file; it must
    not touch personal or scoped data (the verification page's file check)."""
    PUBLIC_UPLOAD_HANDLERS.add(f"{fn.__module__}.{fn.__qualname__}")
    return fn


def personal(cls: type[rx.State]) -> type[rx.State]:
    """Mark a state without guarded handlers as holding personal data (wiped like the guarded ones)."""
    PERSONAL_STATES.add(f"{cls.__module__}.{cls.__name__}")
    return cls


def personal_state_classes() -> list[type[rx.State]]:
    """The states that may hold personal or scoped data: those with guarded handlers, and the
    ones marked ``@personal``."""
    names = {k.rsplit(".", 1)[0] for k in PROTECTED_HANDLERS} | PERSONAL_STATES
    classes = []
    for module, cls_name in sorted(name.rsplit(".", 1) for name in names):
        classes.append(getattr(importlib.import_module(module), cls_name))
    return classes


async def clear_personal_states(state: rx.State) -> None:
    """Reset every state that may hold personal data (sign-out, a dead session, a new user)."""
    for cls in personal_state_classes():
        (await state.get_state(cls)).reset()


class TabOwnerState(rx.State):
    """Whose personal data this tab's states hold: the login session they were filled under.

    Backend-only (never sent to a browser). Every page load (``NavState.refresh``), every new
    connection and every hydrate (``PersonalDataGate``) compare it with the session of the
    connection's own cookie and wipe every personal state when they differ.
    """

    _session_id: int = 0


async def bind_tab(state: rx.State, who: Principal | None) -> None:
    """Bind the tab's personal states to ``who``'s session; wipe them when it is another one."""
    owner = await state.get_state(TabOwnerState)
    bound = who.session_id if who else 0
    if bound != owner._session_id:
        await clear_personal_states(state)
        owner._session_id = bound


def _hydrate_event_names() -> frozenset[str]:
    """The names of the events with which a (re)connecting tab asks for its whole state."""
    from reflex_base.utils.format import format_event_handler

    return frozenset(format_event_handler(rx.State.event_handlers[name]) for name in ("hydrate", "hydrate_and_load"))


class PersonalDataGate(Middleware):
    """No personal data leaves the server for a connection whose cookie is not its owner's.

    A tab's client token is no secret (it travels in the websocket URL), and Reflex sends a
    tab's stored state to whoever connects with its token and asks to hydrate, before any page
    loader runs. This runs before every hydrate, and before the first event of every new
    connection, under the state lock: it resolves the principal from the connection's own
    cookie and wipes every personal state when the tab was filled under another session
    (another person, or nobody). Later events of a checked connection cost one dict lookup.
    """

    def __init__(self, remembered: int = 50_000) -> None:
        self._hydrate = _hydrate_event_names()
        self._checked: OrderedDict[str, str] = OrderedDict()  # websocket sid -> client token
        self._remembered = remembered

    async def preprocess(self, app, state: rx.State, event) -> None:  # noqa: ANN001 (Reflex's signature)
        # The root's plain dict (``state.router`` builds objects on every call: ~40x slower).
        connection = state._get_root_state().router_data
        sid = connection.get(constants.RouteVar.SESSION_ID, "")
        token = connection.get(constants.RouteVar.CLIENT_TOKEN, "")
        if event.name not in self._hydrate and sid and self._checked.get(sid) == token:
            return None
        await bind_tab(state, await current_principal(state))
        if sid:
            self._checked[sid] = token
            self._checked.move_to_end(sid)
            while len(self._checked) > self._remembered:
                self._checked.popitem(last=False)
        return None


async def _deny(state: rx.State, exc: NotAllowed) -> rx.event.EventSpec:
    """Refuse a guarded call: nobody signed in → wipe personal states and go to /masuk;
    a wrong role (or unverified email) → wipe this state and say why."""
    if exc.key == "auth.required":
        await clear_personal_states(state)
        return login_redirect(state)
    state.reset()
    if exc.key == "auth.second_factor_required":  # a staff session without TOTP: enrolment first
        return rx.redirect(routes.TWO_FACTOR_REQUIRED)
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
    same rule. ``verified=True`` also requires a verified email (booking, applying). A handler
    that admits someone only through a staff role (officer, site admin, regional head, ministry,
    superadmin) also requires a session signed in with a second factor; without one the browser
    goes to the two-step enrolment on /profil.
    """

    def decorate(fn: Callable) -> Callable:
        key, upload = f"{fn.__module__}.{fn.__qualname__}", _takes_files(fn)
        if upload:
            UPLOAD_HANDLERS.add(key)
        if inspect.isasyncgenfunction(fn):
            return _guard_generator(fn, roles, verified, upload)

        @functools.wraps(fn)
        async def guarded(self: rx.State, *args, **kwargs):
            who = await _caller(self, upload)
            try:
                authorize(who, *roles, verified=verified)
                require_second_factor(who, *roles)
            except NotAllowed as exc:
                return await _deny(self, exc)
            token = _PRINCIPAL.set(who)
            try:
                return await fn(self, *args, **kwargs)
            except DomainError as exc:  # a rule refused it (scope, unknown id, ...): say so
                return await _refused(self, exc)
            finally:
                _PRINCIPAL.reset(token)

        PROTECTED_HANDLERS[key] = roles
        guarded.__mpp_roles__ = roles  # type: ignore[attr-defined]
        guarded.__mpp_verified__ = verified  # type: ignore[attr-defined]
        return guarded

    return decorate


def _guard_generator(fn: Callable, roles: tuple[Role, ...], verified: bool, upload: bool) -> Callable:
    """``protected`` for async-generator handlers (long work that yields progress updates).

    The same rule as for plain handlers: the principal is resolved and checked before the
    first step runs, and stays set (``principal()``) until the generator ends.
    """

    @functools.wraps(fn)
    async def guarded(self: rx.State, *args, **kwargs):
        who = await _caller(self, upload)
        try:
            authorize(who, *roles, verified=verified)
            require_second_factor(who, *roles)
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
    guarded.__mpp_verified__ = verified  # type: ignore[attr-defined]
    return guarded


class EventRateLimit(Middleware):
    """Every websocket event of a connection counts against ``rate_limits.WS_EVENTS`` (generous:
    a person clicks, a script floods). Registered with ``app.add_middleware``: Reflex runs it
    under the state lock before the handler, for guarded and public handlers alike; a refused
    event is dropped and the page gets a toast saying when to try again."""

    def __init__(self, budget: rate_limits.EventBudget | None = None) -> None:
        self._budget = budget or rate_limits.EventBudget()

    async def preprocess(self, app, state: rx.State, event: Event) -> StateUpdate | None:
        """Count the event against its connection (the socket id; the tab's token otherwise)."""
        # The root's plain dict, as PersonalDataGate reads it (``state.router`` builds objects on
        # every call, ~40x slower, on every event of every tab).
        data = state._get_root_state().router_data
        connection = data.get(constants.RouteVar.SESSION_ID) or data.get(constants.RouteVar.CLIENT_TOKEN, "")
        try:
            self._budget.take(connection, time.monotonic())
        except rate_limits.RateLimited as exc:
            return StateUpdate(events=Event.from_event_type(await _refused(state, exc)))
        return None
