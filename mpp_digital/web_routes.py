"""Backend HTTP routes (Starlette) on the app's own port: the only code that sets or clears
the HttpOnly session cookie (and a kiosk's device cookie). Reflex event handlers cannot set
HttpOnly cookies, so sign-in hands the browser a one-minute, single-use login ticket that it
exchanges here, and a kiosk exchanges its one-time pairing code here. The OpenID Connect
provider's routes (``sso_routes``) are served by the same app.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mpp_digital import routes
from mpp_digital.client_address import request_address
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.errors import DomainError
from mpp_digital.open_data import open_data_routes
from mpp_digital.ops_routes import RequestContext, ops_routes
from mpp_digital.services import accounts, kiosk_devices, rate_limits
from mpp_digital.settings import get_settings
from mpp_digital.sso_routes import sso_routes


def _redirect_with_cookie(location: str, name: str, raw: str, lifetime: timedelta) -> RedirectResponse:
    """A 303 to ``location`` that sets an HttpOnly, SameSite=Lax cookie for the whole site (the
    websocket, /_event, must carry it); Secure under https."""
    response = RedirectResponse(location, status_code=303)
    response.set_cookie(name, raw, max_age=int(lifetime.total_seconds()), path="/", httponly=True, samesite="lax",
                        secure=get_settings().cookie_secure)
    return response


def _start_session(ticket: str, ip: str, user_agent: str) -> str:
    with session_scope() as session:
        _row, raw = accounts.start_session_from_ticket(
            session=session, ticket=ticket, ip_address=ip, user_agent=user_agent, now=utcnow()
        )
    return raw


async def start_session(request: Request) -> RedirectResponse:
    """GET /auth/sesi?ticket=...&next=...: set the session cookie and go on."""
    ticket = request.query_params.get("ticket", "")
    next_path = routes.safe_next(request.query_params.get("next"))
    try:
        raw = await run_in_threadpool(
            _start_session, ticket, request_address(request), request.headers.get("user-agent", "")
        )
    except DomainError:
        return RedirectResponse(f"{routes.LOGIN}?error=ticket", status_code=303)
    return _redirect_with_cookie(next_path, routes.SESSION_COOKIE, raw, accounts.SESSION_ABSOLUTE)


def _pair_kiosk(site_slug: str, code: str, ip: str) -> str:
    with session_scope() as session:
        _device, raw = kiosk_devices.pair(session=session, site_slug=site_slug, code=code, now=utcnow(),
                                          ip_address=ip)
    return raw


async def pair_kiosk(request: Request) -> RedirectResponse:
    """GET /auth/kios?site=...&code=...: spend a kiosk's pairing code, set its device cookie."""
    site_slug = request.query_params.get("site", "")[:80]
    back = routes.kiosk_url(site_slug)
    ip = request_address(request)
    try:
        await rate_limits.check(rate_limits.KIOSK_PAIR, ip)
        raw = await run_in_threadpool(_pair_kiosk, site_slug, request.query_params.get("code", ""), ip)
    except rate_limits.RateLimited as exc:
        return RedirectResponse(f"{back}?pasang=tunggu&detik={exc.retry_after}", status_code=303)
    except DomainError:
        return RedirectResponse(f"{back}?pasang=gagal", status_code=303)
    return _redirect_with_cookie(back, routes.KIOSK_COOKIE, raw, kiosk_devices.DEVICE_COOKIE_MAX_AGE)


def _revoke(raw: str) -> None:
    with session_scope() as session:
        principal = accounts.resolve_session(session=session, raw=raw, now=utcnow())
        if principal is not None:
            accounts.sign_out(session=session, principal=principal, now=utcnow())


async def sign_out(request: Request) -> RedirectResponse:
    """GET /auth/keluar: revoke the session (when asked from this site) and clear the cookie."""
    raw = request.cookies.get(routes.SESSION_COOKIE)
    same_site = request.headers.get("sec-fetch-site", "same-origin") in {"same-origin", "none"}
    if raw and same_site:
        await run_in_threadpool(_revoke, raw)
    response = RedirectResponse(f"{routes.LOGIN}?keluar=1", status_code=303)
    response.delete_cookie(routes.SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=get_settings().cookie_secure)
    return response


class SecurityHeaders:
    """Headers every response of the app carries (framing, sniffing, referrer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for key, value in (
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ):
                    if key not in names:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_api() -> Starlette:
    """The Starlette app mounted into Reflex's backend through ``api_transformer``."""
    return Starlette(
        routes=[
            Route(routes.AUTH_SESSION, start_session, methods=["GET"]),
            Route(routes.AUTH_SIGN_OUT, sign_out, methods=["GET"]),
            Route(routes.KIOSK_PAIR, pair_kiosk, methods=["GET"]),
            *sso_routes(),  # the OpenID Connect provider
            *open_data_routes(),
            *ops_routes(),  # /healthz, /readyz, /metrics
        ],
        middleware=[Middleware(RequestContext), Middleware(SecurityHeaders)],
    )
