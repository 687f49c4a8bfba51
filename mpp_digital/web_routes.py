"""Backend HTTP routes (Starlette) on the app's own port: the only code that sets or clears
the HttpOnly session cookie (and a kiosk's device cookie). Reflex event handlers cannot set
HttpOnly cookies, so sign-in hands the browser a one-minute, single-use login ticket that it
exchanges here, and a kiosk exchanges its one-time pairing code here. The OpenID Connect
provider's routes (``sso_routes``) are served by the same app.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mpp_digital import db, routes
from mpp_digital.blocking import in_thread
from mpp_digital.client_address import request_address
from mpp_digital.clock import utcnow
from mpp_digital.cookies import clear_session_cookie, kiosk_cookie_name, session_cookie_name
from mpp_digital.db import session_scope
from mpp_digital.document_routes import document_routes
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.i18n import t
from mpp_digital.open_data import open_data_routes
from mpp_digital.ops_routes import RequestContext, ops_routes
from mpp_digital.services import accounts, audit, kiosk_devices, my_data, rate_limits, surveys
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


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def same_site_request(request: Request) -> bool:
    """Whether a request was started by this site's own pages (or typed by the person).

    Browsers say so in ``Sec-Fetch-Site``; an older browser without it is judged by its
    ``Origin`` (or ``Referer``), which must be one of the app's origins. A request with none of
    these (curl, a test client) is not a browser being steered by another site.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    settings = get_settings()
    allowed = {settings.public_base_url.rstrip("/"), *settings.allowed_origins}
    claimed = request.headers.get("origin") or _origin_of(request.headers.get("referer", ""))
    return not claimed or claimed.rstrip("/") in allowed


def _cross_site() -> Response:
    return PlainTextResponse(t("auth.cross_site"), status_code=403)


async def start_session(request: Request) -> Response:
    """GET /auth/sesi?ticket=...&next=...: set the session cookie and go on.

    Only for this site's own navigation: another site steering a browser here with a ticket of
    its own (login CSRF: the victim would be signed in to the attacker's account) is refused.
    """
    if not same_site_request(request):
        return _cross_site()
    ticket = request.query_params.get("ticket", "")
    next_path = routes.safe_next(request.query_params.get("next"))
    try:
        raw = await in_thread(
            _start_session, ticket, request_address(request), request.headers.get("user-agent", "")
        )
    except DomainError:
        return RedirectResponse(f"{routes.LOGIN}?error=ticket", status_code=303)
    return _redirect_with_cookie(next_path, session_cookie_name(), raw, accounts.SESSION_ABSOLUTE)


def _pair_kiosk(site_slug: str, code: str, ip: str) -> str:
    with session_scope() as session:
        _device, raw = kiosk_devices.pair(session=session, site_slug=site_slug, code=code, now=utcnow(),
                                          ip_address=ip)
    return raw


async def pair_kiosk(request: Request) -> RedirectResponse:
    """GET /auth/kios?site=...&code=...: spend a kiosk's pairing code, set its device cookie."""
    if not same_site_request(request):  # another site cannot make a browser a kiosk of its choosing
        return _cross_site()
    site_slug = request.query_params.get("site", "")[:80]
    back = routes.kiosk_url(site_slug)
    ip = request_address(request)
    try:
        await rate_limits.check(rate_limits.KIOSK_PAIR, ip)
        raw = await in_thread(_pair_kiosk, site_slug, request.query_params.get("code", ""), ip)
    except rate_limits.RateLimited as exc:
        return RedirectResponse(f"{back}?pasang=tunggu&detik={exc.retry_after}", status_code=303)
    except DomainError:
        return RedirectResponse(f"{back}?pasang=gagal", status_code=303)
    return _redirect_with_cookie(back, kiosk_cookie_name(), raw, kiosk_devices.DEVICE_COOKIE_MAX_AGE)


def _revoke(raw: str) -> None:
    with session_scope() as session:
        principal = accounts.resolve_session(session=session, raw=raw, now=utcnow())
        if principal is not None:
            accounts.sign_out(session=session, principal=principal, now=utcnow())


async def sign_out(request: Request) -> Response:
    """POST /auth/keluar (the nav's sign-out form): revoke the session and clear the cookie.

    POST only, and only from this site's own pages: no link, image or other site can sign
    someone out. The next page load connects without a session, and the personal-data gate
    wipes whatever the tab held.
    """
    if not same_site_request(request):
        return _cross_site()
    raw = request.cookies.get(session_cookie_name())
    if raw:
        await in_thread(_revoke, raw)
    response = RedirectResponse(f"{routes.LOGIN}?keluar=1", status_code=303)
    clear_session_cookie(response)
    return response


def _my_data(raw: str | None, ip: str, fmt: str, lang: str) -> bytes | dict | None:
    """The signed-in account's data (None without a live session); the download is audited."""
    now = utcnow()
    with session_scope() as session:
        principal = accounts.resolve_session(session=session, raw=raw, now=now)
        if principal is None:
            return None
        data = my_data.export_my_data(session=session, user_id=principal.user_id, now=now)
        audit.record(session=session, action="data_export", now=now, actor_user_id=principal.user_id,
                     target=f"user:{principal.user_id}", ip_address=ip, detail={"format": fmt})
    return my_data.render_pdf(data, lang=lang) if fmt == "pdf" else data


async def my_data_download(request: Request) -> Response:
    """GET /akun/data-saya.json|.pdf: everything held about the account of this request's own
    session cookie (never another account: there is no parameter naming one)."""
    fmt = "pdf" if request.url.path == routes.MY_DATA_PDF else "json"
    lang = "en" if request.query_params.get("lang") == "en" else "id"
    ip = request_address(request)
    try:
        await rate_limits.check(rate_limits.MY_DATA, ip)
    except rate_limits.RateLimited as exc:
        return JSONResponse({"error": "rate_limited", "retry_after": exc.retry_after}, status_code=429,
                            headers={"Cache-Control": "no-store", "Retry-After": str(exc.retry_after)})
    body = await in_thread(_my_data, request.cookies.get(session_cookie_name()), ip, fmt, lang)
    if body is None:
        return JSONResponse({"error": "login_required"}, status_code=401, headers={"Cache-Control": "no-store"})
    headers = {"Cache-Control": "no-store",
               "Content-Disposition": f'attachment; filename="data-saya-mpp-digital.{fmt}"'}
    if isinstance(body, bytes):
        return Response(body, media_type="application/pdf", headers=headers)
    return JSONResponse(body, headers=headers)


# ---- SKM report (issue 14)
def _skm_report(raw: str | None, ip: str, unit: str, period_code: str, fmt: str, lang: str) -> bytes | None:
    """The report of one unit and period for this request's own principal (None: nobody signed in);
    NotAllowed outside the principal's scope (a regional head: own regency only)."""
    now = utcnow()
    with session_scope() as session:
        principal = accounts.resolve_session(session=session, raw=raw, now=now)
        if principal is None:
            return None
        site_id, agency_id = surveys.parse_unit(unit)
        report = surveys.unit_report(session=session, principal=principal, site_id=site_id, agency_id=agency_id,
                                     period=surveys.parse_period(period_code))
        audit.record(session=session, action="skm_report", now=now, actor_user_id=principal.user_id,
                     target=f"unit:{site_id}-{agency_id}", ip_address=ip, detail={"period": period_code, "format": fmt})
    return surveys.render_pdf(report, lang) if fmt == "pdf" else surveys.render_csv(report, lang)


async def skm_report_download(request: Request) -> Response:
    """GET /laporan/skm.pdf|.csv?unit=<site>-<agency>&periode=2026-S2: "Laporan hasil SKM" of a unit,
    for the ministry (every unit) and a regional head (units of their regency), by the session cookie."""
    fmt = "pdf" if request.url.path == routes.SKM_REPORT_PDF else "csv"
    lang = "en" if request.query_params.get("lang") == "en" else "id"
    headers = {"Cache-Control": "no-store"}
    try:
        body = await in_thread(_skm_report, request.cookies.get(session_cookie_name()), request_address(request),
                               request.query_params.get("unit", ""), request.query_params.get("periode", ""), fmt,
                               lang)
    except NotAllowed:
        return JSONResponse({"error": "not_allowed"}, status_code=403, headers=headers)
    except DomainError as exc:
        return JSONResponse({"error": exc.key, "message": t(exc.key, lang, **exc.params)}, status_code=400,
                            headers=headers)
    if body is None:
        return JSONResponse({"error": "login_required"}, status_code=401, headers=headers)
    unit = re.sub(r"[^0-9-]", "", request.query_params.get("unit", ""))
    period = re.sub(r"[^0-9A-Za-z-]", "", request.query_params.get("periode", ""))
    headers["Content-Disposition"] = f'attachment; filename="laporan-skm-{unit}-{period}.{fmt}"'
    return Response(body, media_type="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8",
                    headers=headers)


def inline_script_hashes(html_files: Iterable[Path]) -> list[str]:
    """CSP sources (``'sha256-...'``) for every inline script of the built pages."""
    found = set()
    for path in html_files:
        for body in re.findall(r"<script(?:\s[^>]*)?>(.*?)</script>", path.read_text(errors="replace"), re.S):
            if body.strip():
                found.add("'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'")
    return sorted(found)


def content_security_policy(*, public_base_url: str, script_hashes: Iterable[str] = ()) -> str:
    """The tightest policy the built Reflex app works under (checked in Chromium: no violations).

    * scripts: this origin and the inline boot scripts of the build, by hash (no
      'unsafe-inline'); 'unsafe-eval' because Reflex runs server events (toasts, redirects,
      call_script) through eval;
    * styles: 'unsafe-inline', for the style attributes of Radix and the <style> tags emotion
      adds at run time;
    * connect: this origin and its websocket (ws/wss) for Reflex's /_event;
    * images: this origin and data: (QR codes); no plugins, no framing, base URI fixed.
    """
    parts = urlsplit(public_base_url)
    socket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", socket],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"


class SecurityHeaders:
    """Headers every response of the app carries: framing, sniffing, referrer, CSP,
    Permissions-Policy, and HSTS when the public address is https."""

    def __init__(self, app: ASGIApp, html_files: Callable[[], Iterable[Path]] = lambda: ()) -> None:
        self.app = app
        self._html_files = html_files
        self._headers: list[tuple[bytes, bytes]] | None = None

    def _security_headers(self) -> list[tuple[bytes, bytes]]:
        if self._headers is None:  # once per worker: the build does not change while it runs
            settings = get_settings()
            csp = content_security_policy(public_base_url=settings.public_base_url,
                                          script_hashes=inline_script_hashes(self._html_files()))
            headers = [
                (b"x-frame-options", b"DENY"),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"same-origin"),
                (b"content-security-policy", csp.encode()),
                (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            ]
            if settings.cookie_secure:
                headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
            self._headers = headers
        return self._headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for key, value in self._security_headers():
                    if key not in names:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_api(html_files: Callable[[], Iterable[Path]] = lambda: ()) -> Starlette:
    """The Starlette app mounted into Reflex's backend through ``api_transformer``.

    ``html_files`` lists the built pages, whose inline scripts the CSP allows by hash.
    """
    return Starlette(
        routes=[
            Route(routes.AUTH_SESSION, start_session, methods=["GET"]),
            Route(routes.AUTH_SIGN_OUT, sign_out, methods=["POST"]),
            Route(routes.MY_DATA_JSON, my_data_download, methods=["GET"]),
            Route(routes.MY_DATA_PDF, my_data_download, methods=["GET"]),
            Route(routes.KIOSK_PAIR, pair_kiosk, methods=["GET"]),
            Route(routes.SKM_REPORT_PDF, skm_report_download, methods=["GET"]),  # SKM (issue 14)
            Route(routes.SKM_REPORT_CSV, skm_report_download, methods=["GET"]),
            *sso_routes(),  # the OpenID Connect provider
            *open_data_routes(),
            *ops_routes(),  # /healthz, /readyz, /metrics
            *document_routes(),  # /akun/dokumen/<id> (issue 13)
        ],
        middleware=[Middleware(RequestContext), Middleware(SecurityHeaders, html_files=html_files)],
        exception_handlers={Exception: _unavailable_or_error},
    )


async def _unavailable_or_error(request: Request, exc: Exception) -> PlainTextResponse:
    """A database that cannot be reached is a 503 that says so (try again), not a 500."""
    if db.is_unavailable(exc):
        return PlainTextResponse(f"{t('db.unavailable', 'id')}\n{t('db.unavailable', 'en')}", status_code=503,
                                 headers={"Retry-After": "5"})
    return PlainTextResponse("Internal Server Error", status_code=500)
