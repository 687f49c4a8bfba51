"""The production deployment of the README's Production section, on this machine: the frontend
built once (`make prod-build`), the release step (`make release`), two app "machines"
(`make prod-backend`, two Granian workers each, Prometheus multiprocess mode) on PostgreSQL and
Redis, behind Debian's nginx with the repo's deploy/nginx.conf over https (a throwaway
self-signed certificate), MPP_ENV=production and MPP_TRUSTED_PROXY_HOPS=1.

Checked through the proxy: /readyz, /metrics (token; refused without it from a non-loopback
address), a sign-in by NIK in Chromium with no DEMO ribbon, the event metrics of that sign-in,
request ids from nginx in the app's JSON logs, and no NIK, password, login ticket or session
cookie in any log.

Needs PostgreSQL (MPP_TEST_DATABASE_URL), Redis on 127.0.0.1:6379 and nginx; skipped without.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import string
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlmodel import Session, select

from mpp_digital.db import normalise_url
from mpp_digital.web_routes import content_security_policy, inline_script_hashes
from tests.e2e.conftest import ROOT, free_port, fresh_postgres_and_redis, own_web_dir, stop_group

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/9"  # this test's own Redis database
DATABASE = "mpp_production_e2e"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NIK = "3314014107900002"
EMAIL = "sri.produksi@example.id"
PASSWORD = "Sragen-Produksi-Kuat-2026"
METRICS_TOKEN = "metrics-token-for-the-e2e-test"
INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE


@dataclass
class Deployment:
    base: str
    database_url: str
    logs: list[Path]
    nginx_log: Path
    port: int
    data: Path


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10, context=INSECURE) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read().decode()


def _wait_for(url: str, procs: list[subprocess.Popen], logs: list[Path], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args} exited early:\n{log.read_text()[-3000:]}")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _make(target: str, env: dict[str, str], log: Path, **variables: str) -> None:
    with log.open("ab") as out:
        done = subprocess.run(["make", target, *(f"{k}={v}" for k, v in variables.items())], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT, timeout=900)
    assert done.returncode == 0, f"make {target} failed:\n{log.read_text()[-3000:]}"


def _nginx_config(data: Path, port: int, backends: list[int]) -> Path:
    """The repo's site file with this test's values, inside a minimal main configuration."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(data / "tls.key"),
                    "-out", str(data / "tls.crt")], check=True, capture_output=True)
    site = string.Template((ROOT / "deploy" / "nginx.conf").read_text()).safe_substitute(
        MPP_NGINX_LISTEN=str(port), MPP_SERVER_NAME="127.0.0.1", MPP_TLS_CERT=str(data / "tls.crt"),
        MPP_TLS_KEY=str(data / "tls.key"), MPP_FRONTEND_ROOT=str(data / "web" / "build" / "client"),
        MPP_BACKEND_1=f"127.0.0.1:{backends[0]}", MPP_BACKEND_2=f"127.0.0.1:{backends[1]}",
        MPP_NGINX_ACCESS_LOG=str(data / "nginx-access.log"),
        MPP_CSP=content_security_policy(public_base_url=f"https://127.0.0.1:{port}", script_hashes=inline_script_hashes(
            sorted((data / "web" / "build" / "client").glob("**/*.html")))))
    assert "${MPP_" not in site
    (data / "site.conf").write_text(site)
    (data / "nginx-tmp").mkdir()
    main = data / "nginx.conf"
    main.write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {data}/nginx.pid;
error_log {data}/nginx-error.log;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {data}/nginx-tmp/body;
    proxy_temp_path {data}/nginx-tmp/proxy;
    fastcgi_temp_path {data}/nginx-tmp/fastcgi;
    uwsgi_temp_path {data}/nginx-tmp/uwsgi;
    scgi_temp_path {data}/nginx-tmp/scgi;
    include {data}/site.conf;
}}
""")
    return main


@pytest.fixture(scope="module")
def deployment(smtp_inbox, tmp_path_factory) -> Iterator[Deployment]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs it as root)")
    database_url = fresh_postgres_and_redis(DATABASE, REDIS_URL)
    data = tmp_path_factory.mktemp("production")
    web = own_web_dir(data)  # its own build
    port, backends = free_port(), [free_port(), free_port()]
    # Not "localhost": Reflex's frontend sends a localhost page's websocket to the https default
    # port (it assumes a load balancer there); a real host name or address keeps the port.
    base = f"https://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env.update({
        "MPP_ENV": "production",
        "MPP_DATABASE_URL": database_url,
        "MPP_REDIS_URL": REDIS_URL,
        "REFLEX_REDIS_URL": REDIS_URL,
        "MPP_SECRET_KEY": "production-e2e-secret-key-of-enough-length",
        "MPP_SMTP_HOST": "127.0.0.1",
        "MPP_SMTP_PORT": str(smtp_inbox.port),  # type: ignore[attr-defined]
        "MPP_PUBLIC_BASE_URL": base,
        "MPP_ALLOWED_ORIGINS": base,
        "MPP_TRUSTED_PROXY_HOPS": "1",
        "MPP_METRICS_TOKEN": METRICS_TOKEN,
        # A real deployment names its own signing certificate; production refuses the demo CA.
        "MPP_SIGNING_CERT_FILE": str(ROOT / "tests" / "fixtures" / "signing" / "cert.pem"),
        "MPP_SIGNING_KEY_FILE": str(ROOT / "tests" / "fixtures" / "signing" / "key.pem"),
        "REFLEX_WEB_WORKDIR": str(web),
        "GRANIAN_WORKERS": "2",
        "REFLEX_BACKEND_START_METHOD": "spawn",
    })
    build_log = data / "build.log"
    _make("prod-build", env, build_log)
    _make("release", env, build_log)
    _add_citizen(env)

    procs: list[subprocess.Popen] = []
    logs = [data / "machine-1.log", data / "machine-2.log"]
    try:
        for number, (backend, log) in enumerate(zip(backends, logs, strict=True), start=1):
            machine_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(data / f"metrics-{number}")}
            procs.append(subprocess.Popen(["make", "prod-backend", f"BACKEND_PORT={backend}"], cwd=ROOT,
                                          env=machine_env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                          start_new_session=True))
        for backend in backends:
            _wait_for(f"http://127.0.0.1:{backend}/healthz", procs, logs)
        config = _nginx_config(data, port, backends)
        nginx_log = data / "nginx.out"
        procs.append(subprocess.Popen([NGINX, "-p", str(data), "-c", str(config), "-g", "daemon off;"],
                                      stdout=nginx_log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))
        _wait_for(f"{base}/healthz", procs, [*logs, nginx_log])
        yield Deployment(base=base, database_url=database_url, logs=logs, nginx_log=data / "nginx-access.log", port=port,
                         data=data)
    finally:
        for proc in procs:
            stop_group(proc)


def _add_citizen(env: dict[str, str]) -> None:
    """A verified citizen, as registration and the mailed link would leave it, written with the
    deployment's own settings (its secret key seals the NIK and keys its lookup)."""
    from mpp_digital.clock import utcnow
    from mpp_digital.models import User
    from mpp_digital.services import accounts
    from mpp_digital.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            if name.startswith("MPP_"):
                mp.setenv(name, value)
        get_settings.cache_clear()
        engine = create_engine(normalise_url(env["MPP_DATABASE_URL"]))
        try:
            with Session(engine) as db:
                accounts.register_citizen(session=db, now=utcnow(), registration=accounts.Registration(
                    nik=NIK, full_name="Sri Produksi", email=EMAIL, phone="081234567890", password=PASSWORD))
                user = db.exec(select(User).where(User.email == EMAIL)).one()
                user.email_verified_at = utcnow()
                db.add(user)
                db.commit()
        finally:
            engine.dispose()
    get_settings.cache_clear()


def _send_malformed_sign_in(base: str) -> None:
    """What a crafted client can send: the sign-in event with a number for its form. The handler
    raises (``form.get`` on an int); the event-error metric must count it."""
    import uuid

    from reflex_base import constants
    from websockets.sync.client import connect

    from state.auth import LoginState

    url = base.replace("https", "wss", 1) + f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"
    router = {"pathname": "/masuk", "query": {}}
    with connect(url, additional_headers={"Origin": base}, subprotocols=[constants.Reflex.VERSION],
                 ssl=INSECURE, open_timeout=30) as ws:
        assert ws.recv(timeout=30).startswith("0")
        ws.send("40/_event,")
        while not ws.recv(timeout=30).startswith("40/_event"):
            pass
        for name, payload in ((f"{LoginState.get_full_name().split('.')[0]}.{constants.CompileVars.HYDRATE}", {}),
                              (f"{LoginState.get_full_name()}.submit", {"form": 7})):
            ws.send("42/_event," + json.dumps(["event", {"name": name, "payload": payload, "router_data": router}]))
            while not (message := ws.recv(timeout=30)).startswith("42/_event,"):
                if message == "2":
                    ws.send("3")


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing address
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_production_behind_nginx(browser, deployment):
    base = deployment.base

    status, _, body = _get(f"{base}/readyz")
    assert status == 200, body
    assert json.loads(body)["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok"}

    # Metrics through the proxy: with the token; from a non-loopback address without it: refused.
    status, _, body = _get(f"{base}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200 and "mpp_mail_outbox_backlog 0.0" in body
    if (address := _non_loopback_address()) is not None:
        assert _get(f"https://{address}:{deployment.port}/metrics")[0] == 403
        assert _get(f"https://{address}:{deployment.port}/metrics", {"Authorization": "Bearer wrong"})[0] == 403

    context = browser.new_context(base_url=base, ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30000)
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        response = page.goto("/masuk")
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
        page.fill("#identifier", NIK)
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        expect(page).to_have_url(re.compile(r"/profil/?$"))
        expect(page.locator("#nav-profile")).to_contain_text("Sri Produksi")
        expect(page.locator("#demo-ribbon")).to_have_count(0)
        page.screenshot(path=str(deployment.data / "production-profile.png"))
        session_cookie = next(c for c in context.cookies() if c["name"] == "__Host-mpp_session")  # https
        assert session_cookie["secure"] and session_cookie["httpOnly"] and session_cookie["path"] == "/"
        assert violations == [], violations  # the nginx-served pages run under the CSP
    finally:
        context.close()

    _send_malformed_sign_in(base)

    # The sign-in's events are counted by handler, on whichever machine served them; nginx
    # spreads the scrapes over the machines, so read several.
    scrapes = "".join(_get(f"{base}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})[2] for _ in range(4))
    assert re.search(r'mpp_reflex_events_total\{handler="state\.auth\.LoginState\.\w+"\} [1-9]', scrapes)
    assert re.search(r'mpp_reflex_event_duration_seconds_bucket\{handler="state\.auth\.LoginState\.\w+",le="10\.0"\} [1-9]',
                     scrapes)
    assert 'mpp_http_requests_total{method="GET",route="/auth/sesi",status="303"}' in scrapes
    assert re.search(r'mpp_reflex_event_errors_total\{handler="state\.auth\.LoginState\.submit"\} [1-9]', scrapes)

    # The app's logs: JSON lines; nginx's request id is the app's; nothing secret or personal.
    status, headers, _ = _get(f"{base}/healthz")
    request_id = headers["x-request-id"]
    time.sleep(1)
    logged = "".join(log.read_text(errors="replace") for log in [*deployment.logs, deployment.nginx_log])
    records = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert request_id in deployment.nginx_log.read_text()
    assert any(r.get("request_id") == request_id and r.get("route") == "/healthz" for r in records)
    assert any(r.get("event") == "reflex_event" and "LoginState" in r.get("handler", "") for r in records)
    # The crafted event's exception: one JSON line with its traceback, not Reflex's printout.
    failed = {r["request_id"] for r in records if r.get("event") == "reflex_event" and r.get("outcome") == "error"}
    assert any(r.get("event") == "handler_exception" and "AttributeError" in r.get("exception", "")
               and r.get("request_id") in failed for r in records)
    for secret in (NIK, PASSWORD, session_cookie["value"], "ticket="):
        assert secret not in logged
