"""Personal data in a real browser: "Data saya" (downloads by the page's own cookie), the privacy
notice in both languages, a superadmin deactivating an officer whose tab is open, and a citizen
closing their account. Screenshots go to docs/ (the README shows them)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, register, sign_in

pytestmark = pytest.mark.e2e

CITIZEN_NIK = "3314014107900001"  # warga@demo.mpp.go.id
OFFICER = "petugas.sragen@demo.mpp.go.id"
SUPERADMIN = "superadmin@demo.mpp.go.id"
CLOSER_NIK = "3314011506880003"  # Kalijambe, Sragen; man born 15-06-1988
CLOSER_EMAIL = "penutup.e2e@example.id"
CLOSER_PASSWORD = "tahu kupat solo enak"
DOCS = ROOT / "docs"




def test_data_saya_downloads_and_privacy_notice_in_both_languages(new_page):
    page = new_page(width=1280)
    sign_in(page, CITIZEN_NIK)
    card = page.locator("#data-saya")
    expect(card).to_be_visible()
    expect(page.locator("#mydata-releases-empty")).to_be_visible()

    with page.expect_download(timeout=60000) as got:
        page.click("#mydata-json")
    data = json.loads(open(got.value.path()).read())
    assert data["account"]["nik"] == CITIZEN_NIK and data["account"]["email"] == "warga@demo.mpp.go.id"
    with page.expect_download(timeout=60000) as got:
        page.click("#mydata-pdf")
    assert open(got.value.path(), "rb").read(5) == b"%PDF-"
    assert got.value.suggested_filename == "data-saya-mpp-digital.pdf"
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(DOCS / "data-saya.png"))

    page.click("#lang-toggle")
    expect(card).to_contain_text("My data")
    expect(page.locator("#mydata-pdf")).to_have_attribute("href", "/akun/data-saya.pdf?lang=en")
    card.screenshot(path=str(DOCS / "data-saya-en.png"))
    page.click("#lang-toggle")

    # The footer links the privacy notice; its periods are the ones the purge enforces.
    page.click("#footer-privacy")
    expect(page).to_have_url(re.compile(r"/privasi/?$"))
    expect(page.locator("#privacy-retention")).to_contain_text("30 hari")
    expect(page.locator("#privacy-purposes")).to_contain_text("pasal 20")
    expect(page.locator("#dpo-email")).to_have_text("pelindungan-data@mpp.localhost")
    page.screenshot(path=str(DOCS / "privacy.png"), full_page=True)
    page.click("#lang-toggle")
    expect(page.locator("#privacy-retention")).to_contain_text("30 days")
    page.screenshot(path=str(DOCS / "privacy-en.png"), full_page=True)
    page.click("#lang-toggle")

    # The registration form links it too.
    page.goto("/daftar")
    expect(page.locator("#register-privacy")).to_have_attribute("href", "/privasi")


def test_deactivating_an_officer_refuses_their_open_tab_at_once(new_page):
    officer = new_page()
    sign_in(officer, OFFICER)
    expect(officer.locator("#profile-name")).not_to_have_text("")

    admin = new_page()
    sign_in(admin, SUPERADMIN)
    admin.goto("/admin/peran")
    row = admin.locator("#admin-users tr", has_text=OFFICER)
    row.locator("button", has_text="Nonaktifkan").click()
    expect(admin.locator("#admin-notice")).to_contain_text("dinonaktifkan")
    expect(row).to_contain_text("Nonaktif")

    officer.click("#identity-show-code")  # the open tab's next guarded event (staff have TOTP on)
    expect(officer).to_have_url(re.compile(r"/masuk"))

    row.locator("button", has_text="Aktifkan lagi").click()  # the other journeys need this officer
    expect(admin.locator("#admin-notice")).to_contain_text("diaktifkan lagi")
    sign_in(officer, OFFICER)


def test_a_citizen_closes_their_account_and_the_nik_is_free_again(new_page):
    page = new_page()
    register(page, nik=CLOSER_NIK, full_name="Penutup Akun", email=CLOSER_EMAIL, phone="0812 3456 7891",
             password=CLOSER_PASSWORD)
    sign_in(page, CLOSER_NIK, CLOSER_PASSWORD)

    page.fill("#close-password", "bukan kata sandinya")
    page.click("#close-submit")
    expect(page.locator("#close-error")).to_be_visible()
    page.fill("#close-password", CLOSER_PASSWORD)
    page.click("#close-submit")
    expect(page).to_have_url(re.compile(r"/masuk/?\?keluar=1$"))

    page.goto("/masuk")
    page.fill("#identifier", CLOSER_NIK)
    page.fill("#password", CLOSER_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_be_visible(timeout=30000)

    fresh = new_page()  # the NIK is free again: the registration form takes it
    fresh.goto("/daftar")
    fresh.fill("#nik", CLOSER_NIK)
    fresh.fill("#full_name", "Penutup Akun")
    expect(fresh.locator("#nik-preview")).to_contain_text("15-06-1988")
    expect(fresh.locator("#nik-error")).to_have_count(0)
