"""A complaint in a real browser: the citizen files one about a service at MPP Sragen and gets a
tracking number; the site admin forwards it to the agency; the agency's officer answers it; the
citizen sees the answer in the timeline and reopens it (once). Screenshot: docs/pengaduan.png."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_queue_journey import CITIZEN, OFFICER, SITE_ADMIN, sign_in

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"
SHOTS = os.environ.get("MPP_E2E_SHOTS")


def _open_in_office(page, number: str) -> None:
    page.goto("/petugas/pengaduan")
    row = page.locator("#office-worklist .complaint-open", has_text=number)
    expect(row).to_be_visible(timeout=30000)
    row.click()
    expect(page.locator("#complaint-number")).to_have_text(number)


def test_citizen_files_officer_answers_citizen_reopens(new_page):
    citizen = new_page(1280)
    sign_in(citizen, CITIZEN)
    citizen.goto("/pengaduan")
    expect(citizen.locator("#complaint-site option", has_text="Sragen")).to_have_count(1, timeout=30000)
    citizen.select_option("#complaint-site", label=citizen.locator("#complaint-site option", has_text="Sragen")
                          .inner_text())
    service = citizen.locator("#complaint-service option", has_text="Kartu Keluarga").first
    expect(service).to_be_attached(timeout=30000)
    citizen.select_option("#complaint-service", label=service.inner_text())
    citizen.select_option("#complaint-category", value="lambat")
    citizen.fill("#complaint-description-input", "Antrean Kartu Keluarga berhenti satu jam tanpa pengumuman.")
    citizen.click("#complaint-file")
    expect(citizen.locator("#complaint-notice")).to_contain_text("ADU-3314-")
    number = citizen.locator("#complaint-number").inner_text()
    assert re.fullmatch(r"ADU-3314-\d{4}-\d{6}", number)
    expect(citizen.locator("#complaint-status")).to_have_text("Diterima")
    expect(citizen.locator("#complaint-mine")).to_contain_text(number)

    admin = new_page(1280)
    sign_in(admin, SITE_ADMIN)
    _open_in_office(admin, number)
    expect(admin.locator("#complaint-filer")).to_have_text("Sri Lestari")
    admin.fill("#office-forward-note", "Mohon ditindaklanjuti oleh Dukcapil.")
    admin.click("#office-forward")
    expect(admin.locator("#complaint-status")).to_have_text("Diteruskan ke instansi")

    officer = new_page(1280)
    sign_in(officer, OFFICER)
    _open_in_office(officer, number)
    officer.fill("#office-answer", "Mulai besok loket KK dibuka dua, dan pengumuman dibacakan bila ada gangguan.")
    officer.click("#office-answer-send")
    expect(officer.locator("#complaint-status")).to_have_text("Ditindaklanjuti")

    citizen.goto("/pengaduan")
    citizen.locator("#complaint-mine .complaint-open", has_text=number).click()
    expect(citizen.locator("#complaint-status")).to_have_text("Ditindaklanjuti")
    expect(citizen.locator("#complaint-timeline")).to_contain_text("loket KK dibuka dua")
    citizen.fill("#complaint-reopen-reason", "Hari ini loket KK masih satu.")
    citizen.click("#complaint-reopen")
    expect(citizen.locator("#complaint-status")).to_have_text("Diteruskan ke instansi")
    expect(citizen.locator("#complaint-timeline .complaint-step")).to_have_count(4)
    expect(citizen.locator("#complaint-reopen")).to_have_count(0)  # once only
    citizen.locator("#complaint-detail").scroll_into_view_if_needed()
    citizen.screenshot(path=str(DOCS / "pengaduan.png"), full_page=True)
    if SHOTS:
        officer.screenshot(path=str(Path(SHOTS) / "pengaduan-petugas.png"), full_page=True)
