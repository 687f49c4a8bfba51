"""``GET /akun/dokumen/<id>``: one stored document, served by the session cookie's own access rule.

Who may read is decided by ``services.documents.read_for`` (the owner; an officer or site admin
of the open application's site and agency, each read logged). The principal comes from this
request's HttpOnly session cookie, as for ``/akun/data-saya.*``; there is no other way to say
who is asking. ``?unduh=1`` downloads (attachment), otherwise the browser shows it inline.

The answer is never cached, never sniffed into another type, and sandboxed (CSP ``sandbox``):
a PDF or image that carries script runs none with this site's rights. Only this site's own
pages may frame it (the back office shows documents inline).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mpp_digital import routes
from mpp_digital.blocking import in_thread
from mpp_digital.client_address import request_address
from mpp_digital.clock import utcnow
from mpp_digital.cookies import session_cookie_name
from mpp_digital.db import session_scope
from mpp_digital.errors import NotAllowed
from mpp_digital.services import accounts, authz, documents, rate_limits

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
DOCUMENT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _read(raw: str | None, document_id: int, action: str) -> tuple[bytes, str, str] | None:
    """The document for the session ``raw`` (None: nobody signed in); staff reads are logged."""
    now = utcnow()
    with session_scope() as session:
        principal = authz.without_unproven_staff_grants(accounts.resolve_session(session=session, raw=raw, now=now))
        if principal is None:
            return None
        return documents.read_for(session=session, principal=principal, document_id=document_id, now=now,
                                  action=action)


def _error(status: int, error: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": error, **extra}, status_code=status, headers=NO_STORE)


async def document_file(request: Request) -> Response:
    """GET /akun/dokumen/<id>[?unduh=1] (see the module docstring)."""
    from mpp_digital.web_routes import same_site_request

    if not same_site_request(request):  # another site cannot make a browser open (and log) a document
        return _error(403, "cross_site")
    ip = request_address(request)
    try:
        await rate_limits.check(rate_limits.DOCUMENTS, ip)
    except rate_limits.RateLimited as exc:
        return JSONResponse({"error": "rate_limited", "retry_after": exc.retry_after}, status_code=429,
                            headers={**NO_STORE, "Retry-After": str(exc.retry_after)})
    download = request.query_params.get("unduh") == "1"
    action = documents.DOWNLOAD if download else documents.VIEW
    try:
        found = await in_thread(_read, request.cookies.get(session_cookie_name()),
                                int(request.path_params["document_id"]), action)
    except NotAllowed:
        return _error(404, "not_found")  # the same answer whether it exists or not
    if found is None:
        return _error(401, "login_required")
    data, mime, name = found
    disposition = "attachment" if download else "inline"
    headers = {**NO_STORE, "Content-Disposition": f'{disposition}; filename="{name}"',
               "Content-Security-Policy": DOCUMENT_CSP, "X-Frame-Options": "SAMEORIGIN",
               "Cross-Origin-Resource-Policy": "same-origin"}
    return Response(data, media_type=mime, headers=headers)


def document_routes() -> list[Route]:
    """The document route, for ``web_routes.build_api``."""
    return [Route(routes.DOCUMENT_FILE, document_file, methods=["GET"])]
