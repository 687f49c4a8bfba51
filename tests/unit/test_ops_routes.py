"""/healthz, /readyz and /metrics on the backend's Starlette app (``build_api()``), the request
id, and logs that keep secrets and NIKs out."""

from __future__ import annotations

import io
import json
import logging

import pytest
from starlette.testclient import TestClient

from mpp_digital.settings import get_settings
from tests.conftest import ROOT

TOKEN = "unit-metrics-token"
PRODUCTION = {
    "MPP_ENV": "production",
    "MPP_SECRET_KEY": "p" * 40,
    "MPP_SMTP_HOST": "smtp.example.go.id",
    "MPP_PUBLIC_BASE_URL": "https://mpp.example.go.id",
    "MPP_ALLOWED_ORIGINS": "https://mpp.example.go.id",
    "MPP_METRICS_TOKEN": TOKEN,
    "MPP_TRUSTED_PROXY_HOPS": "1",
    **{name: str(ROOT / "tests" / "fixtures" / "signing" / file)  # production refuses the demo signing CA
       for name, file in (("MPP_SIGNING_CERT_FILE", "cert.pem"), ("MPP_SIGNING_KEY_FILE", "key.pem"))},
}


@pytest.fixture()
def api(database_url, monkeypatch):
    """A client of ``build_api()`` on the migrated test database; settings re-read per test."""
    from mpp_digital.web_routes import build_api

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    monkeypatch.delenv("MPP_REDIS_URL", raising=False)
    get_settings.cache_clear()

    def client(address: str = "127.0.0.1", **env: str) -> TestClient:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return TestClient(build_api(), client=(address, 50000))

    yield client
    get_settings.cache_clear()


def test_healthz_and_readyz_on_a_migrated_database(api):
    client = api()
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "not configured",
                                                          "migrations": "ok"}}


def test_readyz_is_503_naming_redis_when_it_is_down(api):
    ready = api(MPP_REDIS_URL="redis://127.0.0.1:1/0").get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable" and body["checks"]["redis"].startswith("failed")
    assert body["checks"]["database"] == "ok"


def test_readyz_in_production_tells_only_operators_what_failed(api):
    outsider = api("203.0.113.7", MPP_REDIS_URL="redis://127.0.0.1:1/0", **PRODUCTION).get("/readyz")
    assert outsider.status_code == 503 and outsider.json() == {"status": "unavailable"}
    operator = api("203.0.113.7", **PRODUCTION).get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert operator.status_code == 503 and operator.json()["checks"]["redis"].startswith("failed")


def test_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(api):
    client = api()
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-0123abcd"}).headers["x-request-id"] == "nginx-0123abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1 " + "a" * 80})
    assert len(forged.headers["x-request-id"]) == 32 and "injected" not in forged.headers["x-request-id"]


def test_metrics_count_requests_by_route_template_and_read_the_outbox_backlog(api, session, now):
    from mpp_digital.models import PendingMail

    session.add(PendingMail(kind="queue_ticket", ref=1, created_at=now, due_at=now))
    session.commit()
    client = api()
    client.get("/healthz")
    client.get("/auth/sesi?ticket=not-a-ticket")
    body = client.get("/metrics").text
    assert 'mpp_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert 'mpp_http_requests_total{method="GET",route="/auth/sesi",status="303"}' in body
    assert "not-a-ticket" not in body
    assert "mpp_mail_outbox_backlog 1.0" in body
    session.exec(PendingMail.__table__.delete())  # type: ignore[attr-defined]
    session.commit()


def test_metrics_in_production_only_for_loopback_or_the_token(api):
    assert api("203.0.113.7", **PRODUCTION).get("/metrics").status_code == 403
    client = api("203.0.113.7", **PRODUCTION)
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert api("127.0.0.1", **PRODUCTION).get("/metrics").status_code == 200
    # Behind nginx the peer is loopback; the client nginx saw is not, and it is what counts.
    proxied = api("127.0.0.1", **PRODUCTION).get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert proxied.status_code == 403
    # A client cannot claim loopback: with one trusted hop only the entry nginx added is read.
    spoofed = api("127.0.0.1", **PRODUCTION).get("/metrics", headers={"X-Forwarded-For": "127.0.0.1, 198.51.100.4"})
    assert spoofed.status_code == 403


def test_logs_redact_secrets_and_mask_niks():
    from mpp_digital import logs

    stream = io.StringIO()
    logs.configure(json=True, stream=stream)
    log = logs.get_logger("mpp_digital.test")
    log.info("sign-in for 3314014107900001 failed", password="Sukowati-Demo-2026", session_cookie="raw-cookie",
             form={"identifier": "3314014107900001", "password": "x-secret"}, ticket="t-123", user_id=7)
    logging.getLogger("mpp_digital.stdlib").warning("NIK 3314014107900001 via the stdlib logger")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    text = stream.getvalue()
    for secret in ("3314014107900001", "Sukowati-Demo-2026", "raw-cookie", "x-secret", "t-123"):
        assert secret not in text
    assert lines[0]["user_id"] == 7 and lines[0]["form"]["identifier"] == "[nik]"
    assert lines[1]["event"] == "NIK [nik] via the stdlib logger"


def test_nginx_sends_every_backend_route_to_the_backend_and_every_page_to_the_build():
    """deploy/nginx.conf keeps in step with the app: a new backend route that nginx served as a
    page (or a page it sent to the backend) fails here."""
    import re
    from pathlib import Path

    from starlette.routing import Mount, Route

    from mpp_digital import routes
    from mpp_digital.web_routes import build_api

    config = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    backend = re.compile(re.search(r"location ~ (\^/\S+) \{", config).group(1))
    paths = [r.path for r in build_api().routes if isinstance(r, Route | Mount)]
    paths += ["/_event/", "/_upload", "/ping"]  # Reflex's own backend endpoints
    assert [p for p in paths if not backend.match(p)] == []
    pages = [page.path.replace("[", "").replace("]", "") for page in routes.PAGES]
    assert [p for p in pages if backend.match(p)] == []
