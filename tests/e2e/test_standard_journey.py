"""The machine-readable standard in Chromium: fee variants and rules with an estimate on a service page,
the vehicle tax no longer "Gratis", and the ministry editing a service's online requirement items."""


import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e



def test_lost_and_damaged_passports_have_their_own_fees(new_page):
    page = new_page()
    page.goto("/layanan/paspor-hilang-rusak")
    expect(page.locator(".fee-variant")).to_have_count(4)
    expect(page.locator("#service-fees")).to_contain_text("Rp 1.650.000")
    expect(page.locator("#service-fees")).to_contain_text("Rp 850.000")
    expect(page.locator("#service-fee")).to_have_text("mulai Rp 850.000")


def test_vehicle_tax_is_a_rule_with_an_estimate_for_the_chosen_mpp(new_page):
    page = new_page()
    page.goto("/layanan/pajak-kendaraan")
    expect(page.locator("#service-fees")).to_be_visible()
    expect(page.locator("#service-fee")).not_to_have_text("Gratis")
    page.click("#fee-site")
    page.get_by_role("option", name="MPP Askara Bumi Sukowati Sragen").click()
    expect(page.locator("#service-fees")).to_contain_text("1,05%")
    page.fill("#fee-input-vehicle_value", "200.000.000")
    page.click("#fee-input-vehicle_type")
    page.get_by_role("option", name="Mobil pribadi").click()
    page.click("#fee-estimate")
    # 1.05 % of 200 million, plus the regency's 66 % opsen, plus SWDKLLJ for a private car
    expect(page.locator(".fee-total").first).to_have_text("perkiraan Rp 3.629.000")


def test_ministry_adds_a_requirement_item_to_a_draft(new_page):
    page = new_page()
    sign_in(page, "kemenpanrb@demo.mpp.go.id")  # staff: with the demo TOTP code
    page.goto("/admin/katalog")
    page.fill("#svc-pick", "kia")
    page.click("#svc-load")
    rows = page.locator(".item-row")
    expect(rows).to_have_count(6)
    page.click(".add-item-text")
    expect(rows).to_have_count(7)
    page.click("#svc-save")  # the new item has no label yet: a clear message, nothing saved
    expect(page.locator("#error-requirement_items")).to_have_text("Persyaratan ke-7: nama wajib diisi.")
    rows.last.locator(".item-label input").fill("Nama panggilan anak")
    rows.last.locator(".item-label input").blur()
    rows.last.locator(".item-up").click()
    expect(rows.nth(5).locator(".item-label input")).to_have_value("Nama panggilan anak")
    page.click("#svc-save")
    expect(page.locator("#catadmin-notice")).to_contain_text("Draf disimpan")
    expect(page.locator(".draft-row").first).to_contain_text("Kartu Identitas Anak")


def test_service_page_says_what_the_online_form_asks(new_page):
    page = new_page()
    page.goto("/layanan/akta-kelahiran")
    items = page.locator("#service-online-items")
    expect(items).to_contain_text("Surat keterangan lahir — PDF, JPG, PNG")
    expect(items).to_contain_text("NIK ayah (bila ada)")
    expect(items).to_contain_text("NIK ibu")
    page.goto("/layanan/ktp-el")  # not offered online: no such section
    expect(page.locator("#service-name")).to_be_visible()
    expect(page.locator("#service-online-items")).to_have_count(0)
