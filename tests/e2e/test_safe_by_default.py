"""Issue 11, "Safe by default": the attacks found by probing the running app, replayed against
the real app (`make run` in its default demo mode: no SMTP server, so the demo outbox is on),
with Debian Chromium and Reflex's own websocket protocol (Engine.IO 4 / Socket.IO 5).

* the demo outbox shows a person only their own mail; anonymous visitors are asked to sign in;
* a closed tab's client token, presented without the cookie (or with someone else's), hydrates
  nothing personal;
* ``POST /_upload`` with a ministry tab's token and no cookie does nothing; oversized bodies are
  refused while they stream; a non-upload handler is a 400;
* sign-out is a same-site POST, /auth/sesi refuses cross-site navigation, and the pages run
  under the Content-Security-Policy without a single violation.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import free_port, own_web_dir, register, running_app, sign_in
from tests.loops import run_on_own_loop

pytestmark = pytest.mark.e2e

PASSWORD = "Sukowati-Demo-2026"  # the demo accounts (README)
CITIZEN, MINISTRY, SUPERADMIN, OFFICER = ("warga@demo.mpp.go.id", "kemenpanrb@demo.mpp.go.id",
                                          "superadmin@demo.mpp.go.id", "petugas.sragen@demo.mpp.go.id")
NEW_NIK, NEW_EMAIL, NEW_PASSWORD = "3314011508920003", "dewi.outbox@example.id", "serabi notosuman solo"
SHOTS = Path(os.environ.get("MPP_E2E_SHOTS", "test-results"))


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """`make run` as the README starts it: no SMTP host (demo outbox on); (base URL, database URL)."""
    data = tmp_path_factory.mktemp("demo-app")
    port = free_port()
    base = f"http://localhost:{port}"
    database_url = f"sqlite:///{data / 'demo.db'}"
    holidays = data / "holidays.json"
    holidays.write_text('{"holidays": []}')
    env = {**os.environ, "MPP_DATABASE_URL": database_url, "MPP_PUBLIC_BASE_URL": base,
           "MPP_ALLOWED_ORIGINS": base, "MPP_OUTBOX_DIR": str(data / "outbox"), "MPP_SECRET_KEY": "e2e-demo-key",
           "MPP_HOLIDAYS_FILE": str(holidays),
           # its own build: a rebuild of the checkout's .web for this port would point the session's
           # app's pages at this app's websocket (the journeys after this file never hydrated)
           "REFLEX_WEB_WORKDIR": str(own_web_dir(data)), "REFLEX_STATES_WORKDIR": str(data / "states")}
    for name in ("MPP_SMTP_HOST", "MPP_REDIS_URL", "MPP_ENV"):
        env.pop(name, None)
    with running_app(env, port, data / "app.log") as url:
        yield url, database_url


@pytest.fixture()
def page_on(browser, demo_app):
    """Fresh browser contexts (separate devices) on the demo app, collecting CSP violations."""
    contexts, violations = [], []

    def make():
        context = browser.new_context(base_url=demo_app[0], viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    make.violations = violations  # type: ignore[attr-defined]
    yield make
    for context in contexts:
        context.close()




def session_cookie_of(page) -> str:
    return next(f"{c['name']}={c['value']}" for c in page.context.cookies() if c["name"].endswith("mpp_session"))


# --------------------------------------------------------------------------- the demo outbox


def test_the_outbox_shows_a_person_only_their_own_mail(page_on, demo_app):
    # Anyone may ask for the superadmin's reset link; before, anyone could then read it.
    stranger = page_on()
    stranger.goto("/lupa-sandi")
    expect(stranger.locator("#forgot-demo-outbox")).to_contain_text("superadmin")
    stranger.fill("#email", SUPERADMIN)
    stranger.click("#forgot-submit")
    expect(stranger.locator("#forgot-sent")).to_be_visible()
    stranger.goto("/kotak-surat")
    expect(stranger).to_have_url(re.compile(r"/masuk/?\?next=(%2F|/)kotak-surat"))
    expect(stranger.locator("#login-info")).to_be_visible()
    stranger.screenshot(path=str(SHOTS / "outbox-anonymous.png"))
    assert "atur-sandi" not in stranger.content()

    # A new person registers, signs in (unverified accounts can) and finds their verification link.
    person = page_on()
    register(person, nik=NEW_NIK, full_name="Dewi Lestari", email=NEW_EMAIL, phone="0812 3456 7000",
             password=NEW_PASSWORD)
    expect(person.locator("#register-demo-outbox")).to_contain_text("/kotak-surat")
    sign_in(person, NEW_EMAIL, NEW_PASSWORD, next_path="/kotak-surat")
    expect(person.locator(".outbox-mail")).to_have_count(1)
    expect(person.locator(".outbox-mail")).to_contain_text(NEW_EMAIL)
    person.screenshot(path=str(SHOTS / "outbox-citizen.png"), full_page=True)
    body = person.content()
    assert "atur-sandi" not in body and SUPERADMIN not in body, "another person's mail was shown"
    person.locator(".outbox-mail a").click()
    expect(person.locator("#verify-result")).to_contain_text("terverifikasi")

    # The superadmin reads everyone's mail (audited), the reset link among it.
    admin = page_on()
    sign_in(admin, SUPERADMIN, next_path="/kotak-surat")
    expect(admin.locator(".outbox-mail").first).to_be_visible()
    expect(admin.locator(".outbox-mail", has_text="atur-sandi")).to_have_count(1)
    engine = create_engine(demo_app[1])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM auditlog WHERE action = 'outbox_read_all'")).scalar() >= 1
    engine.dispose()


# --------------------------------------------------------------------------- a closed tab's token


class Tab:
    """A websocket speaking Reflex's protocol, as its frontend does (bench/booking_rush.py)."""

    def __init__(self, base: str, token: str, cookie: str | None) -> None:
        self.base, self.token, self.cookie = base, token, cookie

    async def hydrate(self) -> str:
        """Connect with the token (and cookie, if any), ask for the whole state; everything sent."""
        import reflex as rx
        import websockets
        from reflex_base import constants

        headers = {"Origin": self.base} | ({"Cookie": self.cookie} if self.cookie else {})
        url = self.base.replace("http", "ws", 1) + f"/_event/?EIO=4&transport=websocket&token={self.token}"
        received = []
        async with websockets.connect(url, additional_headers=headers, subprotocols=[constants.Reflex.VERSION],
                                      max_size=None) as ws:
            await ws.recv()
            await ws.send("40/_event,")
            while not (await ws.recv()).startswith("40/_event"):
                pass
            event = {"name": f"{rx.State.get_full_name()}.{constants.CompileVars.HYDRATE_AND_LOAD}", "payload": {},
                     "router_data": {"pathname": "/profil", "query": {}}}
            await ws.send("42/_event," + json.dumps(["event", event]))
            try:
                while True:
                    message = await asyncio.wait_for(ws.recv(), timeout=4)
                    if message == "2":
                        await ws.send("3")
                    elif message.startswith("42/_event,"):
                        received.append(message)
            except TimeoutError:
                pass
        return "\n".join(received)


def _closed_profile_tab(page_on, who: str) -> tuple[str, str]:
    """Sign in, open the profile, note the tab's token, close the tab: (token, cookie)."""
    page = page_on()
    sign_in(page, who)
    page.goto("/profil")
    expect(page.locator("#profile-nik")).to_contain_text("3314")
    token, cookie = page.evaluate("sessionStorage.getItem('token')"), session_cookie_of(page)
    page.close()
    return token, cookie


def test_a_closed_tabs_token_hydrates_nothing_personal(page_on, demo_app):
    base = demo_app[0]
    token, own_cookie = _closed_profile_tab(page_on, CITIZEN)
    personal = ("warga@demo.mpp.go.id", "+6281234500000", "3314********0001", "01-07-1990", "Chrome")

    stranger = run_on_own_loop(Tab(base, token, None).hydrate())
    assert stranger, "the app answered the hydrate"
    assert not [p for p in personal if p in stranger], "personal data went to a client without the cookie"

    officer = page_on()
    sign_in(officer, OFFICER)
    other = run_on_own_loop(Tab(base, token, session_cookie_of(officer)).hydrate())
    # The officer's own profile loads (same phone as every demo account); nothing of the citizen's.
    assert OFFICER in other, "the officer's own page loader ran"
    citizen_only = ("warga@demo.mpp.go.id", "3314********0001", "01-07-1990", "Sri Lestari")
    assert not [p for p in citizen_only if p in other], "the citizen's data went to another signed-in user"

    # Positive control: the owner's own cookie with the same token still gets the profile (the
    # loader refills it), so the assertions above can fail.
    token, own_cookie = _closed_profile_tab(page_on, CITIZEN)
    assert "warga@demo.mpp.go.id" in run_on_own_loop(Tab(base, token, own_cookie).hydrate())


# --------------------------------------------------------------------------- POST /_upload


HANDLER = "reflex___state____state.state___analytics_admin____history_import_state.upload"
CSV = ("tanggal,mpp,layanan,kanal,jumlah,jam,rata_tunggu_menit\n"
       "2026-03-02,banyumas,ktp-el,langsung,40,9,11\n")


def _post_upload(base: str, token: str, handler: str, body: bytes, cookie: str | None = None,
                 content_length: int | None = None, chunked: bool = False) -> tuple[int, str]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    boundary = "mppboundary"
    headers = {"Reflex-Client-Token": token, "Reflex-Event-Handler": handler,
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    if cookie:
        headers["Cookie"] = cookie
    if chunked:
        conn.putrequest("POST", "/_upload")
        for key, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            conn.putheader(key, value)
        conn.endheaders()
        head, tail = _multipart("gede.csv", "\x00").split(b"\x00")
        chunk = b"2026-03-02,banyumas,ktp-el,langsung,40,9,11\n" * 24000  # ~1 MB of valid-looking rows
        try:
            for piece in (head, *[chunk] * 64, tail):  # 64 MB in one file part, with no Content-Length
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while streaming: the server stopped reading
    else:
        if content_length is not None:
            headers["Content-Length"] = str(content_length)
        conn.request("POST", "/_upload", body=body, headers=headers)
    answer = conn.getresponse()
    result = answer.status, answer.read().decode(errors="replace")
    conn.close()
    return result


def _multipart(filename: str, content: str) -> bytes:
    return (f"--mppboundary\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{content}\r\n--mppboundary--\r\n").encode()


def _imports(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM historyimport")).scalar()
    engine.dispose()
    return int(count or 0)


def test_upload_with_only_a_ministry_tabs_token_does_nothing(page_on, demo_app):
    base, database_url = demo_app
    ministry = page_on()
    sign_in(ministry, MINISTRY)
    ministry.goto("/dasbor/nasional")
    expect(ministry.locator("#history-upload")).to_be_visible()
    token = ministry.evaluate("sessionStorage.getItem('token')")
    before = _imports(database_url)

    status, _ = _post_upload(base, token, HANDLER, _multipart("serangan.csv", CSV))
    assert status == 403 and _imports(database_url) == before, "the import ran as the ministry without a cookie"
    officer = page_on()
    sign_in(officer, OFFICER)
    status, _ = _post_upload(base, token, HANDLER, _multipart("serangan.csv", CSV), cookie=session_cookie_of(officer))
    assert status == 200 and _imports(database_url) == before, "an officer's cookie imported into the ministry's tab"

    # Refused before the body is read: a declared 200 MB body, and 64 MB streamed without a length.
    assert _post_upload(base, token, HANDLER, b"", content_length=200 * 1024 * 1024)[0] == 413
    assert _post_upload(base, token, HANDLER, b"", cookie=session_cookie_of(ministry), chunked=True)[0] == 413
    # A handler that takes no files is a client error, not a server error.
    assert _post_upload(base, token, "reflex___state____state.state___lang____lang_state.toggle",
                        _multipart("x.csv", CSV))[0] == 400

    # The ministry's own upload, from its page, still works.
    ministry.locator("#history-upload input[type=file]").set_input_files(
        files=[{"name": "riwayat.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    ministry.click("#import-start")
    expect(ministry.locator("#import-notice")).to_contain_text("riwayat.csv", timeout=60000)
    assert _imports(database_url) == before + 1


# --------------------------------------------------------------------------- web hardening


def test_sign_out_is_a_same_site_post_and_sign_in_refuses_cross_site(page_on, demo_app):
    base = demo_app[0]
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/auth/sesi?ticket=attackers-ticket&next=/profil", headers={"Sec-Fetch-Site": "cross-site"})
    assert conn.getresponse().status == 403, "login CSRF: another site must not start a session here"
    conn.close()

    page = page_on()
    sign_in(page, CITIZEN)
    # A link (or an image, or another site) cannot sign anyone out: GET is not the sign-out.
    answer = page.request.get("/auth/keluar", max_redirects=0)
    assert answer.status in (404, 405) and "set-cookie" not in answer.headers
    page.goto("/profil")
    expect(page.locator("#profile-nik")).to_contain_text("3314")
    page.click("#nav-signout")
    expect(page).to_have_url(re.compile(r"/masuk/?\?keluar=1$"))
    expect(page.locator("#login-info")).to_contain_text("Anda telah keluar")
    assert not [c for c in page.context.cookies() if c["name"].endswith("mpp_session")]


def test_pages_run_under_the_content_security_policy(page_on, demo_app):
    page = page_on()
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp and response.headers["permissions-policy"]
    expect(page.locator("#hero-title")).to_be_visible()
    for path in ("/layanan?q=ktp", "/layanan/kartu-keluarga", "/mpp", "/mpp/sragen", "/peristiwa-hidup",
                 "/antrian/papan/sragen", "/daftar", "/lupa-sandi"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    sign_in(page, MINISTRY)
    for path in ("/profil", "/dasbor/nasional", "/admin/aplikasi", "/admin/katalog"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.click("#lang-toggle")  # an event over the websocket, and its answer
    expect(page.locator("html")).to_be_visible()
    assert page_on.violations == [], page_on.violations


def test_a_totp_key_is_shown_once_and_never_kept_in_the_tab(page_on, demo_app):
    """The key (and its QR code) is written into the page by one event; the tab's state never
    holds it, so even the owner's own reconnect does not receive it again (before: it was in
    ProfileState and every hydrate of the tab sent it)."""
    page = page_on()
    sign_in(page, CITIZEN)
    page.goto("/profil")
    page.click("#totp-start")
    expect(page.locator("#totp-secret")).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    assert (page.locator("#totp-qr").get_attribute("src") or "").startswith("data:image/svg+xml")
    secret = page.locator("#totp-secret").inner_text()
    token, cookie = page.evaluate("sessionStorage.getItem('token')"), session_cookie_of(page)
    page.close()
    snapshot = run_on_own_loop(Tab(demo_app[0], token, cookie).hydrate())
    assert "warga@demo.mpp.go.id" in snapshot and secret not in snapshot
