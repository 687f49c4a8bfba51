"""The backend's own HTTP routes and headers (issue 11): login CSRF on /auth/sesi, the session
cookie's name under https, CSP, Permissions-Policy and HSTS."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.services import accounts
from mpp_digital.settings import get_settings
from mpp_digital.web_routes import build_api, content_security_policy, inline_script_hashes

PASSWORD = "kopi tubruk di alun-alun"


def _client(monkeypatch, database_url: str, base: str) -> TestClient:
    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    monkeypatch.setenv("MPP_PUBLIC_BASE_URL", base)
    monkeypatch.delenv("MPP_ALLOWED_ORIGINS", raising=False)
    get_settings.cache_clear()
    return TestClient(build_api(), base_url=base)


@pytest.fixture()
def ticket(session) -> Iterator[str]:
    """A fresh one-minute login ticket of a registered citizen."""
    accounts.register_citizen(
        session=session, registration=accounts.Registration(
            nik="3314014107900001", full_name="Sri Lestari", email="sri@example.id", phone="0812-3456-7890",
            password=PASSWORD),
        now=utcnow() - timedelta(minutes=1))
    session.commit()
    result = accounts.sign_in(session=session, identifier="sri@example.id", password=PASSWORD,
                              ip_address="10.0.0.1", now=utcnow())
    session.commit()
    yield result.login_ticket or ""
    get_settings.cache_clear()


def test_another_site_cannot_start_a_session_here(monkeypatch, database_url, ticket):
    """Login CSRF: before, a cross-site navigation to /auth/sesi?ticket=<the attacker's ticket>
    signed the victim's browser in to the attacker's account."""
    http = _client(monkeypatch, database_url, "http://localhost:3000")
    for headers in ({"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"},
                    {"origin": "https://evil.example"}, {"referer": "https://evil.example/page"}):
        answer = http.get(routes.session_start_url(ticket), headers=headers, follow_redirects=False)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers, headers
    answer = http.get(routes.session_start_url(ticket), headers={"sec-fetch-site": "same-origin"},
                      follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["set-cookie"].startswith(f"{routes.SESSION_COOKIE}=")


def test_under_https_the_cookie_is_host_prefixed_and_hsts_is_sent(monkeypatch, database_url, ticket):
    http = _client(monkeypatch, database_url, "https://mpp.example.go.id")
    answer = http.get(routes.session_start_url(ticket), headers={"sec-fetch-site": "same-origin"},
                      follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-mpp_session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "wss://mpp.example.go.id" in answer.headers["content-security-policy"]


def test_plain_http_has_no_hsts_and_every_response_has_csp_and_permissions_policy(monkeypatch, database_url):
    http = _client(monkeypatch, database_url, "http://localhost:3000")
    answer = http.get(routes.OIDC_DISCOVERY)
    assert "strict-transport-security" not in answer.headers
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "ws://localhost:3000" in csp
    assert "camera=()" in answer.headers["permissions-policy"]
    get_settings.cache_clear()


def test_inline_boot_scripts_are_allowed_by_hash_only(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<script>window.boot = 1;</script><script type="module" src="/a.js"></script>')
    hashes = inline_script_hashes([page])
    digest = base64.b64encode(hashlib.sha256(b"window.boot = 1;").digest()).decode()
    assert hashes == [f"'sha256-{digest}'"], "one inline script, by hash; the external one needs none"
    csp = content_security_policy(public_base_url="http://localhost:3000", script_hashes=hashes)
    script_src = csp.split("script-src ", 1)[1].split(";", 1)[0]
    assert hashes[0] in script_src and "'unsafe-inline'" not in script_src
