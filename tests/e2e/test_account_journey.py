"""The citizen's account journey in a real browser against the real app and SMTP server."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "gethuk lindri sragen enak"
NIK = "3314011203850002"  # Kalijambe, Sragen; man born 12-03-1985
EMAIL = "budi.e2e@example.id"


def test_register_verify_sign_in_profile_sessions_sign_out(new_page, smtp_inbox, app_url):
    page = new_page()
    # Register: the NIK is explained back before submitting.
    page.goto("/daftar")
    page.fill("#nik", NIK)
    page.fill("#full_name", "Budi Santoso")
    expect(page.locator("#nik-preview")).to_contain_text("12-03-1985")
    expect(page.locator("#nik-preview")).to_contain_text("laki-laki")
    expect(page.locator("#nik-preview")).to_contain_text("Kalijambe")
    page.fill("#email", EMAIL)
    page.fill("#phone", "0812 3456 7890")
    page.fill("#password", "password1234")  # too common
    page.click("#register-submit")
    expect(page.locator("#password-error")).to_contain_text("terlalu umum")
    page.fill("#password", PASSWORD)
    before = len(smtp_inbox.messages)
    page.click("#register-submit")
    expect(page.locator("#register-done")).to_contain_text(EMAIL)

    # The verification mail arrives through the real SMTP server; its link verifies once.
    mail = smtp_inbox.wait_for(EMAIL, after=before)
    link = smtp_inbox.link_in(mail)
    assert link.startswith(f"{app_url}/verifikasi?token=")
    page.goto(link)
    expect(page.locator("#verify-result")).to_contain_text("terverifikasi")
    page.goto(link)
    expect(page.locator("#verify-result")).to_contain_text("sudah dipakai")

    # A wrong password gets the one generic message.
    sign_in(page, NIK, "bukan kata sandinya", lands_on=None)
    expect(page.locator("#login-error")).to_have_text("NIK/email atau kata sandi salah.")

    # Another device signs in first, so there is a session to revoke.
    other = new_page(width=390)
    sign_in(other, EMAIL, PASSWORD)
    expect(other).to_have_url(re.compile(r"/profil/?$"))

    sign_in(page, NIK, PASSWORD)
    expect(page).to_have_url(re.compile(r"/profil/?$"))
    expect(page.locator("#profile-nik")).to_have_text("3314********0002")
    expect(page.locator("#profile-name")).to_have_text("Budi Santoso")
    expect(page.locator("#profile-phone")).to_have_text("+6281234567890")
    expect(page.locator("#email-verified")).to_be_visible()
    # The session cookie is HttpOnly: page scripts cannot read it.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["mpp_session"]["httpOnly"] and cookies["mpp_session"]["sameSite"] == "Lax"
    assert "mpp_session" not in page.evaluate("document.cookie")

    # "Sesi saya" lists both sessions; revoke the other device's.
    expect(page.locator(".session-row")).to_have_count(2)
    page.locator(".session-revoke").click()
    expect(page.locator(".session-row")).to_have_count(1)
    expect(page.locator("#profile-notice")).to_contain_text("Sesi diakhiri")
    other.goto("/profil")
    expect(other).to_have_url(re.compile(r"/masuk/?\?next=(%2F|/)profil/?$"))

    # Sign out; afterwards a protected page sends you to /masuk.
    page.click("#nav-signout")
    expect(page).to_have_url(re.compile(r"/masuk/?\?keluar=1$"))
    expect(page.locator("#login-info")).to_contain_text("Anda telah keluar")
    assert "mpp_session" not in {c["name"] for c in page.context.cookies()}
    page.goto("/profil")
    expect(page).to_have_url(re.compile(r"/masuk/?\?next=(%2F|/)profil/?$"))
    expect(page.locator("#profile-nik")).to_have_count(0)


def test_landing_page_speaks_indonesian_first_and_switches_to_english(new_page):
    page = new_page(width=360)
    page.goto("/")
    expect(page.locator("#hero-title")).to_have_text("Semua layanan publik, satu pintu, satu akun")
    expect(page.locator("#demo-ribbon")).to_contain_text("DEMO")  # `make run` is the demo, on every page
    page.click("#lang-toggle")
    expect(page.locator("#hero-title")).to_have_text("Every public service, one door, one account")
    expect(page.locator("#demo-ribbon")).to_contain_text("sample accounts")
    # Readable at 360 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_sign_in_form_cannot_send_a_password_in_a_url_before_the_page_is_live(app_url):
    """Seen on a busy machine: a sign-in typed before the page had connected was submitted by
    the browser itself, as GET /masuk/?identifier=...&password=... (the password in the address
    bar, the history and access logs). The pre-rendered page's submit button is disabled until
    the page is live, and the password forms say POST."""
    import urllib.request

    for path, button in (("/masuk", "login-submit"), ("/daftar", "register-submit")):
        html = urllib.request.urlopen(app_url + path, timeout=30).read().decode()
        assert re.search(rf'<button[^>]*id="{button}"[^>]*disabled', html) or \
            re.search(rf'<button[^>]*disabled[^>]*id="{button}"', html), f"{path}: the submit button is live before the page"
        form = re.search(r"<form[^>]*>", html).group(0)
        assert 'method="post"' in form, f"{path}: {form}"
