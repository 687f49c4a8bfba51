"""Catalog journeys in Chromium: search and open a service, open an MPP, a site admin edits
Saturday hours and a service's queue policy, a citizen is refused the editor."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e





def test_search_akta_kelahiran_and_open_it(new_page):
    page = new_page()
    page.goto("/layanan")
    expect(page.locator("#catalog-total")).to_be_visible()  # loaded: the first page of the catalog
    page.fill("#catalog-q", "AKTE kelahiran")  # old spelling, upper case
    page.click("#catalog-submit")
    first = page.locator(".service-result").first
    expect(first).to_contain_text("Akta Kelahiran")
    first.click()
    expect(page).to_have_url(re.compile(r"/layanan/akta-kelahiran/?$"))
    expect(page.locator("#service-fee")).to_have_text("Gratis")
    expect(page.locator("#service-requirements")).to_contain_text("Kartu Keluarga")


def test_short_name_and_empty_results(new_page):
    page = new_page()
    page.goto("/layanan?q=skck")
    expect(page.locator(".service-result").first).to_contain_text("SKCK")
    page.fill("#catalog-q", "zzzz tidak ada")
    page.click("#catalog-submit")
    expect(page.locator("#catalog-empty")).to_contain_text("Tidak ada layanan")
    page.goto("/layanan/tidak-ada-layanan-ini")
    expect(page.locator("#not-found")).to_have_text("Layanan tidak ditemukan.")


def test_open_mpp_sragen_hours_and_agencies(new_page):
    page = new_page()
    page.goto("/mpp")
    expect(page.locator("#sites-count")).to_contain_text("103")
    page.fill("#sites-q", "sragen")
    page.keyboard.press("Enter")
    page.get_by_text("MPP Askara Bumi Sukowati Sragen").first.click()
    expect(page).to_have_url(re.compile(r"/mpp/sragen/?$"))
    expect(page.locator("#site-name")).to_have_text("MPP Askara Bumi Sukowati Sragen")
    expect(page.locator(".hours-row")).to_have_count(7)
    expect(page.locator(".site-agency")).to_have_count(39)
    expect(page.locator("#site-population")).to_contain_text("jiwa")


def test_site_admin_changes_saturday_hours_and_public_page_shows_them(new_page):
    admin = new_page()
    sign_in(admin, "admin.sragen@demo.mpp.go.id")
    admin.goto("/admin/mpp")
    expect(admin.locator("#siteadmin-site")).to_have_text("MPP Askara Bumi Sukowati Sragen")
    admin.fill("#hours-sat", "8:00-11")  # not HH:MM
    admin.click("#hours-submit")
    expect(admin.locator("#error-hours-sat")).to_contain_text("JJ:MM")
    admin.fill("#hours-sat", "07:30-11:30")
    admin.click("#hours-submit")
    expect(admin.locator("#siteadmin-notice")).to_contain_text("disimpan")

    visitor = new_page()
    visitor.goto("/mpp/sragen")
    expect(visitor.locator(".hours-row").nth(5)).to_contain_text("07:30–11:30")


def test_site_admin_gives_one_service_its_own_queue_policy(new_page):
    admin = new_page()
    sign_in(admin, "admin.sragen@demo.mpp.go.id")
    admin.goto("/admin/mpp")
    expect(admin.locator("#policy-slot_minutes")).to_have_value("30")  # the defaults, for the whole MPP
    admin.click("#policy-target")
    admin.get_by_role("option", name=re.compile(r"^Penerbitan Kutipan Akta Kelahiran")).click()
    expect(admin.locator("#policy-inherits")).to_contain_text("mengikuti kebijakan MPP")
    admin.fill("#policy-online_share", "80")
    admin.fill("#policy-mobile_share", "30")
    admin.click("#policy-submit")
    expect(admin.locator("#error-mobile_share")).to_contain_text("paling banyak 100%")
    admin.fill("#policy-mobile_share", "10")
    admin.fill("#policy-days_ahead", "3")
    admin.click("#policy-submit")
    expect(admin.locator("#policy-notice")).to_contain_text("disimpan")
    expect(admin.locator("#policy-remove")).to_be_visible()

    admin.reload()  # kept on the server: back to the MPP's policy, then the service's own again
    expect(admin.locator("#policy-days_ahead")).to_have_value("7")
    admin.click("#policy-target")
    admin.get_by_role("option", name=re.compile(r"^Penerbitan Kutipan Akta Kelahiran")).click()
    expect(admin.locator("#policy-days_ahead")).to_have_value("3")
    expect(admin.locator("#policy-online_share")).to_have_value("80")
    admin.click("#policy-remove")
    expect(admin.locator("#policy-notice")).to_contain_text("kembali mengikuti")
    expect(admin.locator("#policy-days_ahead")).to_have_value("7")


def test_citizen_opening_the_editor_is_refused(new_page):
    page = new_page()
    sign_in(page, "warga@demo.mpp.go.id")
    page.goto("/admin/mpp")
    expect(page.get_by_text("Anda tidak berwenang membuka ini.")).to_be_visible()  # once: one refusal, one toast
    expect(page.locator("#hours-sat")).to_have_count(0)
    page.goto("/admin/katalog")
    expect(page.get_by_text("Anda tidak berwenang membuka ini.").first).to_be_visible()
    expect(page.locator("#svc-save")).to_have_count(0)
