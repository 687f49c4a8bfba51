"""HTTP routes of the OpenID Connect provider (Starlette, no reflex), added to ``build_api()``.

Each route reads the request on the event loop, then runs authlib's synchronous
``AuthorizationServer`` (``services/sso_server.py``) and its database work in a worker
thread, inside one ``session_scope()``. Every OAuth error leaves as its standard error code
with a description: JSON from the token, revocation and userinfo endpoints, a redirect to
the client when the redirect URI is trusted, otherwise a small error page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from mpp_digital import routes
from mpp_digital.blocking import in_thread
from mpp_digital.client_address import request_address
from mpp_digital.clock import utcnow
from mpp_digital.cookies import clear_session_cookie, session_cookie_name
from mpp_digital.db import session_scope
from mpp_digital.errors import DomainError
from mpp_digital.i18n import t
from mpp_digital.models import UserSession
from mpp_digital.services import accounts, assurance, audit, rate_limits, sso, sso_keys
from mpp_digital.services.sso_server import ProviderRequest, ProviderServer
from mpp_digital.settings import get_settings

log = logging.getLogger(__name__)

# prompt=login and max_age are satisfied by a sign-in this recent (the round trip through /masuk
# takes that long), so max_age below it, even 0, asks for the password once rather than forever.
REAUTH_WINDOW_SECONDS = 120
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass
class Incoming:
    """What the worker thread needs of an HTTP request (read on the event loop)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    form: list[tuple[str, str]]
    headers: dict[str, str]
    cookie: str | None
    extra: dict = field(default_factory=dict)

    def provider_request(self, issuer: str) -> ProviderRequest:
        uri = issuer + self.path + (("?" + urlencode(self.query)) if self.query else "")
        return ProviderRequest(method=self.method, uri=uri, headers=self.headers, query=self.query, form=self.form)


async def _incoming(request: Request) -> Incoming:
    form: list[tuple[str, str]] = []
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            data = await request.form()
            form = [(k, v) for k, v in data.multi_items() if isinstance(v, str)]
    headers = {k.title(): v for k, v in request.headers.items()}
    return Incoming(method=request.method, path=request.url.path, query=list(request.query_params.multi_items()),
                    form=form, headers=headers, cookie=request.cookies.get(session_cookie_name()))


def _json(status: int, body, headers: list) -> Response:
    names = {k.lower() for k, _ in headers}
    response = JSONResponse(body if isinstance(body, dict) else {}, status_code=status)
    for key, value in headers:
        if key.lower() != "content-type":
            response.headers[key] = value
    if "cache-control" not in names:
        response.headers.update(NO_STORE)
    return response


def _redirect(location: str) -> Response:
    return RedirectResponse(location, status_code=302, headers=NO_STORE)


def error_page(error: str, description: str, status: int = 400) -> HTMLResponse:
    """A page for an OAuth error that cannot be sent back to the client (untrusted redirect URI)."""
    body = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>MPP Digital</title>
<style>body{{font-family:system-ui,sans-serif;max-width:640px;margin:48px auto;padding:0 16px;color:#1b2333}}
h1{{color:#0b3d91;font-size:22px}}code{{background:#eef1f6;padding:2px 6px;border-radius:4px}}</style></head>
<body><h1>{html.escape(t("sso.error.title", "id"))}</h1>
<p>{html.escape(t("sso.error.body", "id"))}</p><p><em>{html.escape(t("sso.error.body", "en"))}</em></p>
<p>error: <code id="oauth-error">{html.escape(error)}</code></p>
<p id="oauth-error-description">{html.escape(description)}</p>
<p><a href="{routes.HOME}">MPP Digital</a></p></body></html>"""
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


class UnmetAuthenticationRequirements(OAuth2Error):
    """The account does not meet the ``acr`` the app asked for (OpenID Connect Core 1.0
    ``unmet_authentication_requirements``; RFC 9470 step-up authentication)."""

    error = "unmet_authentication_requirements"
    description = "The app asked for an identity verified at an MPP counter; this account is self-declared."


def verification_required_page(app_name: str, back: str) -> HTMLResponse:
    """What a self-declared citizen sees when an app asks for a verified identity: how to get
    verified, and a link back to the app (which receives ``unmet_authentication_requirements``)."""
    help_url = routes.IDENTITY_HELP
    parts = "".join(
        f"""<section lang="{lang}"><h1>{html.escape(t("sso.acr.title", lang))}</h1>
<p>{html.escape(t("sso.acr.body", lang, app=app_name))}</p>
<ol><li>{html.escape(t("identity.how.step1", lang))}</li><li>{html.escape(t("identity.how.step2", lang))}</li>
<li>{html.escape(t("identity.how.step3", lang))}</li></ol></section>""" for lang in ("id", "en"))
    body = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>MPP Digital</title>
<style>body{{font-family:system-ui,sans-serif;max-width:640px;margin:48px auto;padding:0 16px;color:#1b2333}}
h1{{color:#0b3d91;font-size:22px}}section[lang=en]{{color:#5b6478;border-top:1px solid #eef1f6;margin-top:24px}}
a.button{{display:inline-block;margin:8px 12px 0 0;padding:8px 14px;border-radius:6px;background:#0b3d91;color:#fff;
text-decoration:none}}</style></head>
<body id="acr-unmet">{parts}
<p><a class="button" id="acr-help" href="{html.escape(help_url)}">{html.escape(t("sso.acr.help", "id"))}</a>
<a id="acr-back" href="{html.escape(back)}">{html.escape(t("sso.acr.back", "id", app=app_name))}</a></p>
</body></html>"""
    return HTMLResponse(body, status_code=403, headers=NO_STORE)


def _tuple_response(result: tuple[int, object, list]) -> Response:
    status, body, headers = result
    if status in (301, 302, 303):
        location = next(v for k, v in headers if k.lower() == "location")
        return _redirect(location)
    return _json(status, body, headers)


def _guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Last line of defence: an unexpected failure still answers in OAuth's terms."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception:  # noqa: BLE001 - logged, answered as server_error
            log.exception("OpenID Connect endpoint %s failed", request.url.path)
            return JSONResponse({"error": "server_error", "error_description": "Unexpected error; try again."},
                                status_code=500, headers=NO_STORE)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _issuer() -> str:
    return get_settings().public_base_url


# --------------------------------------------------------------------------- discovery and keys


def _jwks() -> dict:
    with session_scope() as db:
        return sso_keys.jwks(session=db, now=utcnow())


@_guarded
async def discovery(request: Request) -> Response:
    """GET /.well-known/openid-configuration."""
    document = ProviderServer(session=None, now=utcnow(), issuer=_issuer()).discovery()  # type: ignore[arg-type]
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


@_guarded
async def jwks(request: Request) -> Response:
    """GET /oauth/jwks: the signer and every retired key whose tokens may still be valid."""
    document = await in_thread(_jwks)
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=60"})


# --------------------------------------------------------------------------- authorization


def _without(query: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in query if k not in names]


def _authorize(incoming: Incoming) -> Response:
    now = utcnow()
    with session_scope() as db:
        principal = accounts.resolve_session(session=db, raw=incoming.cookie, now=now)
        portal = db.get(UserSession, principal.session_id) if principal else None
        server = ProviderServer(session=db, now=now, issuer=_issuer(), portal_session=portal)
        request = incoming.provider_request(server.issuer)
        data = request.payload.data
        client_id = str(data.get("client_id") or "")
        prompts = set(str(data.get("prompt") or "").split())
        end_user = None
        if principal is not None and portal is not None:
            end_user = server.end_user(principal.user_id, portal.id, client_id, int(portal.created_at.timestamp()))
        for name in ("client_id", "response_type"):
            if not data.get(name):
                return error_page("invalid_request", f"Missing '{name}' parameter.")
        if bad := _unquotable(data):
            return error_page("invalid_request", f"The '{bad}' parameter holds a character that is not allowed"
                              " (for redirect_uri: it is not a registered redirect URI).")
        try:
            grant = server.get_consent_grant(request, end_user=end_user)
        except OAuth2Error as error:
            return _authorization_error(server, request, error)

        reauth = False
        if end_user is not None and portal is not None:
            age = (now - portal.created_at).total_seconds()
            max_age = str(data.get("max_age") or "")
            if "login" in prompts and age > REAUTH_WINDOW_SECONDS:
                reauth = True
            if max_age.isdigit() and age > max(int(max_age), REAUTH_WINDOW_SECONDS):
                reauth = True
        if end_user is None or reauth:
            if "none" in prompts:
                from authlib.oidc.core.errors import LoginRequiredError

                return _authorization_error(server, request, LoginRequiredError(redirect_uri=grant.redirect_uri))
            back = incoming.path + "?" + urlencode(_without(incoming.query, routes.CONSENT_DENIED_PARAM))
            return _redirect(f"{routes.LOGIN}?next={quote(back)}" + ("&ulang=1" if reauth else ""))

        try:
            wanted = sso.requested_acr(acr_values=data.get("acr_values"), claims=data.get("claims"))
        except DomainError as exc:
            return _authorization_error(server, request, InvalidRequestError(
                t(exc.key, "en"), redirect_uri=grant.redirect_uri))
        account_acr = assurance.acr_of(session=db, user_id=end_user.get_user_id())
        if not sso.acr_satisfies(account_acr=account_acr, wanted=wanted):
            audit.record(session=db, action="sso_acr_unmet", now=now, actor_user_id=end_user.get_user_id(),
                         target=f"client:{client_id}", detail={"acr": account_acr, "wanted": wanted})
            refusal = UnmetAuthenticationRequirements(redirect_uri=grant.redirect_uri)
            if "none" in prompts:
                return _authorization_error(server, request, refusal)
            refusal.state = request.payload.state
            status, _body, headers = server.handle_error_response(request, refusal)
            back = next(add_params_to_uri(v, [("iss", server.issuer)]) for k, v in headers if k.lower() == "location")
            return verification_required_page(grant.client.row.name, back)

        if data.get(routes.CONSENT_DENIED_PARAM) == "deny":
            return _to_client(server, server.create_authorization_response(request, grant_user=None, grant=grant))
        client = grant.client.row
        scopes = sso.scope_list(request.scope)
        if "consent" in prompts or not sso.consent_covers(session=db, user_id=end_user.get_user_id(),
                                                          client=client, scopes=scopes):
            if "none" in prompts:
                return _authorization_error(server, request, ConsentRequiredError(redirect_uri=grant.redirect_uri))
            query = _without(incoming.query, routes.CONSENT_DENIED_PARAM, "prompt")
            return _redirect(routes.SSO_CONSENT + "?" + urlencode(query))
        return _to_client(server, server.create_authorization_response(request, grant_user=end_user, grant=grant))


def _to_client(server: ProviderServer, result: tuple[int, object, list]) -> Response:
    """An authorization response for the client: its redirect carries ``iss`` (RFC 9207), so the
    client can tell which provider answered (mix-up attacks)."""
    status, body, headers = result
    if status in (301, 302, 303):
        headers = [(k, add_params_to_uri(v, [("iss", server.issuer)]) if k.lower() == "location" else v)
                   for k, v in headers]
    return _tuple_response((status, body, headers))


def _authorization_error(server: ProviderServer, request: ProviderRequest, error: OAuth2Error) -> Response:
    error.state = request.payload.state
    if error.redirect_uri:
        return _to_client(server, server.handle_error_response(request, error))
    return error_page(error.error or "invalid_request", error.get_error_description() or "")


# authlib quotes these parameters in its error descriptions, where RFC 6749 forbids '"' and '\\'.
_QUOTED_PARAMETERS = ("client_id", "response_type", "redirect_uri", "scope", "code_challenge_method", "prompt")


def _unquotable(data: dict) -> str | None:
    """The first parameter holding a character no OAuth error may carry (a 400 before authlib)."""
    return next((name for name in _QUOTED_PARAMETERS if invalid_error_characters(str(data.get(name) or ""))), None)


@_guarded
async def authorize(request: Request) -> Response:
    """GET /oauth/authorize: sign-in with the portal session, consent, then a code for the client."""
    incoming = await _incoming(request)
    return await in_thread(_authorize, incoming)


# --------------------------------------------------------------------------- token, revocation, userinfo


def _token(incoming: Incoming) -> Response:
    with session_scope() as db:
        server = ProviderServer(session=db, now=utcnow(), issuer=_issuer())
        return _tuple_response(server.create_token_response(incoming.provider_request(server.issuer)))


def _method_not_allowed(method: str) -> Response:
    return JSONResponse({"error": "invalid_request", "error_description": f"Use POST, not {method}."},
                        status_code=405, headers={**NO_STORE, "Allow": "POST"})


@_guarded
async def token(request: Request) -> Response:
    """POST /oauth/token: authorization_code (with PKCE) and refresh_token grants."""
    if request.method != "POST":
        return _method_not_allowed(request.method)
    try:
        await rate_limits.check(rate_limits.OAUTH_TOKEN, request_address(request))
    except rate_limits.RateLimited as exc:
        return JSONResponse({"error": "temporarily_unavailable",
                             "error_description": f"Too many token requests; retry in {exc.retry_after} s."},
                            status_code=429, headers={**NO_STORE, "Retry-After": str(exc.retry_after)})
    return await in_thread(_token, await _incoming(request))


def _revoke(incoming: Incoming) -> Response:
    with session_scope() as db:
        server = ProviderServer(session=db, now=utcnow(), issuer=_issuer())
        return _tuple_response(server.create_endpoint_response("revocation", incoming.provider_request(server.issuer)))


@_guarded
async def revoke(request: Request) -> Response:
    """POST /oauth/revoke (RFC 7009): the token's whole family is revoked."""
    if request.method != "POST":
        return _method_not_allowed(request.method)
    return await in_thread(_revoke, await _incoming(request))


def _userinfo(incoming: Incoming) -> Response:
    with session_scope() as db:
        server = ProviderServer(session=db, now=utcnow(), issuer=_issuer())
        return _tuple_response(server.userinfo(incoming.provider_request(server.issuer)))


@_guarded
async def userinfo(request: Request) -> Response:
    """GET or POST /oauth/userinfo with a Bearer access token: the claims its scopes release."""
    return await in_thread(_userinfo, await _incoming(request))


# --------------------------------------------------------------------------- RP-initiated logout


def _end_session(incoming: Incoming) -> tuple[Response, bool]:
    now = utcnow()
    with session_scope() as db:
        principal = accounts.resolve_session(session=db, raw=incoming.cookie, now=now)
        portal = db.get(UserSession, principal.session_id) if principal else None
        server = ProviderServer(session=db, now=now, issuer=_issuer(), portal_session=portal)
        request = incoming.provider_request(server.issuer)
        try:
            validated = server.validate_endpoint_request("end_session", request)
        except OAuth2Error as error:
            return error_page(error.error or "invalid_request", error.get_error_description() or ""), False
        if validated.needs_confirmation:
            # Without an ID token from the app, the person signs out with the portal's own
            # button (a same-site POST); a link cannot sign anyone out.
            return _redirect(routes.PROFILE), False
        result = server.create_endpoint_response("end_session", validated)
        if result is None:
            return _redirect(f"{routes.LOGIN}?keluar=1"), server.signed_out
        status, body, _headers = result
        if status != 302:
            details = body if isinstance(body, dict) else {}
            return error_page(str(details.get("error", "invalid_request")),
                              str(details.get("error_description", ""))), False
        return _tuple_response(result), server.signed_out


@_guarded
async def end_session(request: Request) -> Response:
    """GET or POST /oauth/logout (OpenID Connect RP-initiated logout) with an ``id_token_hint``."""
    response, signed_out = await in_thread(_end_session, await _incoming(request))
    if signed_out:
        clear_session_cookie(response)
    return response


def sso_routes() -> list[Route]:
    """The provider's routes, for ``web_routes.build_api()``."""
    return [
        Route(routes.OIDC_DISCOVERY, discovery, methods=["GET"]),
        Route(routes.OAUTH_JWKS, jwks, methods=["GET"]),
        Route(routes.OAUTH_AUTHORIZE, authorize, methods=["GET", "POST"]),
        Route(routes.OAUTH_TOKEN, token, methods=["GET", "POST"]),
        Route(routes.OAUTH_REVOKE, revoke, methods=["GET", "POST"]),
        Route(routes.OAUTH_USERINFO, userinfo, methods=["GET", "POST"]),
        Route(routes.OAUTH_END_SESSION, end_session, methods=["GET", "POST"]),
    ]
