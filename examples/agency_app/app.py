"""An agency's own web app that signs citizens in with their MPP Digital account.

Starlette plus authlib's OpenID Connect client: discovery, authorization code with PKCE
(S256), ID-token validation (signature from the provider's JWKS, ``iss``, ``aud``, ``exp``,
``nonce``), userinfo, refresh, and RP-initiated logout. Tokens stay on the server; the
browser holds only a signed session cookie with a random key.
"""

from __future__ import annotations

import html
import os
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Settings:
    """What an agency configures: the provider, its client credentials, its own address."""

    issuer: str
    client_id: str
    client_secret: str
    base_url: str
    app_name: str = "Aplikasi Instansi"
    scopes: str = "openid profile email"
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @classmethod
    def from_env(cls, port: int) -> Settings:
        """Read MPP_ISSUER, AGENCY_CLIENT_ID, AGENCY_CLIENT_SECRET, AGENCY_BASE_URL, AGENCY_NAME, AGENCY_SCOPES."""
        return cls(
            issuer=os.environ.get("MPP_ISSUER", "http://localhost:3000").rstrip("/"),
            client_id=os.environ["AGENCY_CLIENT_ID"],
            client_secret=os.environ["AGENCY_CLIENT_SECRET"],
            base_url=os.environ.get("AGENCY_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            app_name=os.environ.get("AGENCY_NAME", "Aplikasi Instansi"),
            scopes=os.environ.get("AGENCY_SCOPES", "openid profile email"),
            session_secret=os.environ.get("AGENCY_SESSION_SECRET") or secrets.token_urlsafe(32),
        )


PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;color:#1b2333;background:#f5f7fa}}
header{{background:#14532d;color:#fff;padding:14px 20px}}main{{max-width:720px;margin:24px auto;padding:0 16px}}
.card{{background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:18px;margin-bottom:16px}}
a.button,button{{background:#0b3d91;color:#fff;border:0;border-radius:6px;padding:10px 16px;text-decoration:none;
display:inline-block;cursor:pointer}}table{{border-collapse:collapse;width:100%}}
td{{border-bottom:1px solid #eef1f6;padding:6px;font-size:14px;vertical-align:top}}td:first-child{{color:#5b6478}}
.ended{{color:#9a1c1c}}</style></head><body><header><strong>{title}</strong></header><main>{body}</main></body></html>"""


def _table(data: dict, table_id: str) -> str:
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                   for k, v in sorted(data.items()))
    return f'<table id="{table_id}">{rows}</table>'


def create_app(settings: Settings) -> Starlette:
    """The agency app, configured for one MPP Digital client registration."""
    oauth = OAuth()
    oauth.register(
        "mpp",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.scopes, "code_challenge_method": "S256",
                       "token_endpoint_auth_method": "client_secret_basic"},
    )
    store: dict[str, dict] = {}  # server-side: session key -> tokens and claims

    def page(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(PAGE.format(title=html.escape(settings.app_name), body=body), status_code=status)

    async def fetch_userinfo(entry: dict) -> dict | None:
        """Userinfo with the access token; refresh once when it is refused. None: access has ended."""
        metadata = await oauth.mpp.load_server_metadata()
        async with httpx.AsyncClient(timeout=10) as http:
            for attempt in range(2):
                response = await http.get(metadata["userinfo_endpoint"],
                                          headers={"Authorization": f"Bearer {entry['token']['access_token']}"})
                if response.status_code == 200:
                    return response.json()
                if attempt or not entry["token"].get("refresh_token"):
                    return None
                refreshed = await http.post(metadata["token_endpoint"], data={
                    "grant_type": "refresh_token", "refresh_token": entry["token"]["refresh_token"]},
                    auth=(settings.client_id, settings.client_secret))
                if refreshed.status_code != 200:
                    return None
                entry["token"] = {**entry["token"], **refreshed.json()}
        return None

    async def home(request: Request) -> Response:
        entry = store.get(request.session.get("key", ""))
        if entry is None:
            ended = request.query_params.get("ended")
            note = ('<p class="ended" id="access-ended">Akses Anda ke aplikasi ini telah berakhir '
                    '(izin dicabut atau sesi berakhir). Silakan masuk lagi.</p>' if ended else "")
            return page(f'<div class="card"><p>Layanan {html.escape(settings.app_name)} memakai akun '
                        f'MPP Digital Anda: satu akun untuk semua layanan publik.</p>{note}'
                        f'<a class="button" id="login-mpp" href="/masuk">Masuk dengan MPP Digital</a></div>')
        info = await fetch_userinfo(entry)
        if info is None:
            store.pop(request.session.pop("key", ""), None)
            return RedirectResponse("/?ended=1", status_code=303)
        return page(
            f'<div class="card"><p id="welcome">Selamat datang, <strong>{html.escape(str(info.get("name", "")))}'
            f'</strong>.</p><p>Masuk melalui MPP Digital pada {time.strftime("%H:%M", time.localtime(entry["at"]))}.'
            f'</p><a class="button" id="logout" href="/keluar">Keluar</a></div>'
            f'<div class="card"><h3>Klaim dari ID token</h3>{_table(entry["claims"], "id-token-claims")}</div>'
            f'<div class="card"><h3>Data dari userinfo</h3>{_table(info, "userinfo")}</div>'
        )

    async def login(request: Request) -> Response:
        return await oauth.mpp.authorize_redirect(request, settings.base_url + "/callback")

    async def callback(request: Request) -> Response:
        if request.query_params.get("error"):
            return page(f'<div class="card"><p id="auth-error">Masuk dibatalkan: '
                        f'{html.escape(request.query_params["error"])}</p><a class="button" href="/">Kembali</a></div>',
                        status=400)
        try:
            token = await oauth.mpp.authorize_access_token(request)  # checks state, PKCE, the ID token
        except OAuthError as exc:
            return page(f'<div class="card"><p id="auth-error">{html.escape(exc.error or "")}: '
                        f'{html.escape(exc.description or "")}</p></div>', status=400)
        key = secrets.token_urlsafe(24)
        store[key] = {"token": dict(token), "claims": dict(token.get("userinfo") or {}), "at": time.time()}
        request.session["key"] = key
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        entry = store.pop(request.session.pop("key", ""), None)
        if entry is None:
            return RedirectResponse("/", status_code=303)
        metadata = await oauth.mpp.load_server_metadata()
        params = {"id_token_hint": entry["token"].get("id_token", ""),
                  "post_logout_redirect_uri": settings.base_url + "/keluar-selesai", "state": secrets.token_urlsafe(8)}
        return RedirectResponse(metadata["end_session_endpoint"] + "?" + urlencode(params), status_code=303)

    async def logged_out(request: Request) -> Response:
        return page('<div class="card"><p id="signed-out">Anda telah keluar dari aplikasi ini dan dari MPP Digital.'
                    '</p><a class="button" href="/">Beranda</a></div>')

    return Starlette(
        routes=[Route("/", home), Route("/masuk", login), Route("/callback", callback), Route("/keluar", logout),
                Route("/keluar-selesai", logged_out)],
        middleware=[Middleware(SessionMiddleware, secret_key=settings.session_secret,
                               session_cookie=f"agency_{settings.client_id[-8:]}", same_site="lax",
                               https_only=settings.base_url.startswith("https://"))],
    )
