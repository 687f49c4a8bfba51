"""The real app, started by the README's run command (`make run`), a real SMTP server
(aiosmtpd) and Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An SMTP handler that keeps every delivered message."""

    def __init__(self) -> None:
        self.messages: list = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)
        return "250 OK"

    def wait_for(self, to: str, timeout: float = 20, after: int = 0):
        """The first message to ``to`` delivered after ``after`` messages in all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for msg in self.messages[after:]:
                    if to in str(msg["To"]):
                        return msg
            time.sleep(0.2)
        raise AssertionError(f"no mail to {to} within {timeout}s")

    @staticmethod
    def link_in(msg) -> str:
        body = msg.get_body(preferencelist=("plain",)).get_content()
        return next(line.strip() for line in body.splitlines() if line.strip().startswith("http"))


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[Inbox]:
    """A real local SMTP server the app sends its mail through."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture(scope="session")
def app_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the e2e app's database and log."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="session")
def app_database_url(app_data: Path) -> str:
    """The e2e app's own SQLite database (tests set up site data in it, as a site admin would)."""
    return f"sqlite:///{app_data / 'e2e.db'}"


@pytest.fixture(scope="session")
def app_url(smtp_inbox: Inbox, app_data: Path, app_database_url: str) -> Iterator[str]:
    """Start the app exactly as the README's run command does, on a free port, fresh SQLite."""
    port = free_port()
    data = app_data
    base = f"http://localhost:{port}"
    # The browser journeys must pass on any day: an empty national-holiday list (configuration,
    # see the README); the queue journey opens its site around the clock through the site's hours.
    holidays = data / "holidays.json"
    holidays.write_text('{"holidays": []}')
    env = {
        **os.environ,
        "MPP_HOLIDAYS_FILE": str(holidays),
        "MPP_DATABASE_URL": app_database_url,
        "MPP_PUBLIC_BASE_URL": base,
        "MPP_ALLOWED_ORIGINS": base,
        "MPP_SMTP_HOST": "127.0.0.1",
        "MPP_SMTP_PORT": str(smtp_inbox.port),  # type: ignore[attr-defined]
        "MPP_SMTP_SENDER": "MPP Digital <no-reply@mpp.localhost>",
        "MPP_SECRET_KEY": "e2e-secret-key",
        # Every browser test signs in from 127.0.0.1, staff in two steps (password, then the code): the
        # suite's sign-ins would trip the per-address default (20/minute) that a real MPP may raise too.
        "MPP_RATE_LIMITS": '{"sign_in": "300/minute;3000/hour"}',
        # Where Reflex's disk state manager would write tabs' pickles: the app must write none.
        "REFLEX_STATES_WORKDIR": str(data / "states"),
    }
    env.pop("MPP_REDIS_URL", None)
    with running_app(env, port, data / "app.log") as base:
        yield base


@contextmanager
def running_app(env: dict[str, str], port: int, log_path: Path, started: list | None = None) -> Iterator[str]:
    """``make run`` on ``port`` with ``env``, until the pages answer; stopped afterwards.

    ``started``, when given, receives the ``make`` process (the leader of the app's process group).
    """
    base = f"http://localhost:{port}"
    log = log_path.open("wb")
    proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    if started is not None:
        started.append(proc)
    deadline = time.monotonic() + 600
    try:
        for path in ("/ping", "/masuk"):  # the backend, then the frontend
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the app exited early; see {log_path}:\n" + log_path.read_text()[-3000:])
                try:
                    with urllib.request.urlopen(base + path, timeout=5) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the app did not start within 600 s")
                time.sleep(1)
        yield base
    finally:
        stop_group(proc)
        log.close()


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a process started with ``start_new_session=True`` and everything it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def fresh_postgres_and_redis(database: str, redis_url: str) -> str:
    """A new, empty PostgreSQL database ``database`` on the test server and an emptied Redis
    database: the database URL. Skips the test when either server is not at hand."""
    url = os.environ.get("MPP_TEST_DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        pytest.skip("MPP_TEST_DATABASE_URL does not name a PostgreSQL server")
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_timeout=2).flushdb()
    except Exception as exc:  # noqa: BLE001 - any failure means: no Redis here
        pytest.skip(f"no Redis at {redis_url}: {exc}")
    from sqlalchemy import create_engine, text

    from mpp_digital.db import normalise_url

    server_url = url.rsplit("/", 1)[0]
    server = create_engine(normalise_url(server_url + "/postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {database}"))
    server.dispose()
    return f"{server_url}/{database}"


def own_web_dir(data: Path) -> Path:
    """A web folder for an app of its own (REFLEX_WEB_WORKDIR): the installed frontend packages
    are copied from the checkout's .web, not fetched again; its build output is not."""
    web = data / "web"
    if (ROOT / ".web").exists():
        shutil.copytree(ROOT / ".web", web, symlinks=True,  # packages have build/ folders too: only the top one
                        ignore=lambda folder, names: ["build"] if folder == str(ROOT / ".web") else [])
    return web


@pytest.fixture(scope="session")
def browser():
    """Debian Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def warm_app(browser, app_url) -> str:
    """One full round trip through the websocket before the journeys start: right after the
    build, a cold backend on a busy 2-core machine can take longer than an assertion waits."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=app_url)
    page = context.new_page()
    page.goto("/")
    page.click("#lang-toggle")
    expect(page.locator("#hero-title")).to_have_text("Every public service, one door, one account", timeout=60000)
    context.close()
    return app_url


@pytest.fixture()
def new_page(browser, warm_app):
    """Open pages in fresh browser contexts (each one a separate device with its own cookies)."""
    contexts = []

    def make(width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=warm_app)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def register(page, *, nik: str, full_name: str, email: str, phone: str, password: str) -> None:
    """Fill /daftar as a person would and wait until the account exists."""
    from playwright.sync_api import expect

    page.goto("/daftar")
    page.fill("#nik", nik)
    page.fill("#full_name", full_name)
    page.fill("#email", email)
    page.fill("#phone", phone)
    page.fill("#password", password)
    page.click("#register-submit")
    expect(page.locator("#register-done")).to_contain_text(email)


DEMO_PASSWORD = "Sukowati-Demo-2026"  # the demo accounts (README)
_DEFAULT = object()


def sign_in(page, identifier: str, password: str = DEMO_PASSWORD, *, next_path: str = "", goto: bool = True,
            lands_on=_DEFAULT) -> None:
    """The one sign-in of the browser tests: /masuk with the NIK or email and the password, then,
    for a demo staff account, its current two-step code (``cli demo-totp``; staff cannot sign in
    with a password alone).

    ``goto=False`` signs in on the /masuk page already open (an agency app sent the browser there).
    ``lands_on``: the regex of the URL the sign-in ends on (default: ``next_path`` or /profil);
    None to wait for nothing (a refused sign-in, a page the test checks itself).
    """
    import re

    from playwright.sync_api import expect

    from mpp_digital import demo
    from mpp_digital.clock import utcnow

    if goto:
        page.goto("/masuk" + (f"?next={next_path}" if next_path else ""))
    page.fill("#identifier", identifier)
    page.fill("#password", password)
    page.click("#login-submit")
    staff = {a.email for a in demo.DEMO_ACCOUNTS if a.totp_secret}
    if identifier.strip().lower() in staff and password == DEMO_PASSWORD:
        expect(page.locator("#code")).to_be_visible()
        page.fill("#code", demo.demo_totp_code(identifier, utcnow()))
        page.click("#login-submit")
    if lands_on is _DEFAULT:
        lands_on = re.escape(next_path or "/profil") + r"/?$"
    if lands_on is not None:
        expect(page).to_have_url(re.compile(lands_on))
