"""The online channel in a real browser (issue 13): the demo citizen applies for akta kelahiran at MPP
Sragen (the form: data, then the documents uploaded one by one, review, submit); Dukcapil's officer finds
it in the work list, reads it with its documents inline, claims it and returns it for correction with a
note; the citizen reads the note, replaces the document and sends the correction; the officer verifies,
processes and finishes it; the citizen downloads the signed PDF from "Dokumen saya"; an anonymous visitor
opens the QR code's URL and reads "valid"; the citizen sees the officer's views in "Siapa yang melihat
data saya" on the profile.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from mpp_digital.db import engine_for
from mpp_digital.models import Application, IssuedOutput
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

CITIZEN = "warga@demo.mpp.go.id"
OFFICER = "petugas.sragen@demo.mpp.go.id"
SHOTS = os.environ.get("MPP_E2E_SHOTS")  # a folder to keep screenshots of the journey in
NOTE = "Scan buku nikah terpotong di halaman kedua; mohon unggah ulang halaman lengkap."




def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def scan(folder: Path, name: str, title: str) -> Path:
    """A one-page PDF standing in for a scanned document."""
    from reportlab.pdfgen import canvas

    path = folder / f"{name}.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 760, title)
    pdf.drawString(72, 740, "Sri Lestari - dokumen uji")
    pdf.save()
    return path


def upload(page, zone: str, button: str, path: Path) -> None:
    """Choose a requirement's upload button, drop the file in the zone that opens, send it."""
    page.click(button)
    page.locator(f"#{zone} input[type=file]").set_input_files(str(path))
    page.click(f"#{zone}-send")


def apply_for_akta(page, folder: Path) -> str:
    """Fill in the online form of akta kelahiran at Sragen and submit it; returns the tracking number."""
    page.goto("/permohonan/baru/akta-kelahiran?mpp=sragen")
    expect(page.locator("#apply-title")).to_contain_text("Akta Kelahiran")
    page.fill("#field-nama_anak", "Bima Aditya Saputra")
    page.fill("#field-tanggal_lahir", "2026-11-20")
    page.fill("#field-tempat_lahir", "Sragen")
    page.select_option("#field-jenis_kelamin", "L")
    page.select_option("#field-anak_ke", "1")
    page.fill("#field-nik_ibu", "3314015507920011")
    page.click("#apply-save-data")
    documents = (("surat_keterangan_lahir", "Surat keterangan lahir RSUD Sragen"),
                 ("kk_orang_tua", "Kartu Keluarga"), ("buku_nikah", "Buku nikah (halaman 1)"),
                 ("ktp_pelapor", "KTP-el pelapor"))
    for key, title in documents:
        expect(page.locator(f"#upload-{key}")).to_be_visible()
        upload(page, "apply-upload", f"#upload-{key}", scan(folder, key, title))
        expect(page.locator(".doc-slot", has=page.locator(f"#upload-{key}")).locator(".slot-attached")).to_be_visible()
    shot(page, "ajukan-dokumen")
    page.click("#apply-to-review")
    page.click("#apply-submit")
    expect(page).to_have_url(re.compile(r"/permohonan/MPP-3314-\d{4}-\d{6}$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.locator("#tracking-number")).to_have_text(number)
    return number


def officer_acts(page, action: str, note: str = "") -> None:
    """Choose a workflow action on the open case, with its note, and save it."""
    page.select_option("#case-action", action)
    if note:
        page.fill("#case-note", note)
    page.click("#case-act")
    expect(page.locator("#case-notice")).to_be_visible()


def test_apply_return_fix_finish_download_verify_and_see_who_viewed(browser, app_url, app_database_url, tmp_path):
    citizen_ctx = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
    citizen = citizen_ctx.new_page()
    sign_in(citizen, CITIZEN)
    number = apply_for_akta(citizen, tmp_path)
    expect(citizen.locator("#state-text")).to_be_visible()
    with Session(engine_for(app_database_url)) as db:
        application = db.exec(select(Application).where(Application.tracking_number == number)).one()

    # The officer of Dukcapil at MPP Sragen finds it in the work list and opens it.
    officer_ctx = browser.new_context(base_url=app_url, viewport={"width": 1360, "height": 1000})
    officer = officer_ctx.new_page()
    sign_in(officer, OFFICER)
    officer.goto("/petugas/permohonan")
    expect(officer.locator(f"#row-{number}")).to_be_visible()
    shot(officer, "petugas-permohonan")
    officer.click(f"#case-{number}")
    expect(officer.locator("#case-number")).to_have_text(number)
    expect(officer.locator("#case-citizen")).to_contain_text("Sri Lestari")
    expect(officer.locator("#case-citizen")).to_contain_text("3314014107900001")  # unsealed for the officer only
    frames = officer.locator("[id^=doc-frame-]")
    expect(frames.first).to_be_visible()
    assert frames.count() >= 3, "the documents are shown inline"
    officer.click("#case-claim")
    expect(officer.locator("#case-assignee")).to_have_text("Budi Santoso")
    shot(officer, "petugas-berkas")

    # Returned for correction with a note: the clock pauses, the citizen is told what to fix.
    officer_acts(officer, "kembalikan", NOTE)
    expect(officer.locator("#case-state")).to_have_text("Perlu perbaikan")
    expect(officer.locator("#case-history")).to_contain_text(NOTE)

    # The citizen reads the note, replaces the document and sends the correction.
    citizen.goto(f"/permohonan/{number}")
    expect(citizen.locator("#return-note")).to_contain_text(NOTE)
    upload(citizen, "fix-upload", "#replace-buku_nikah", scan(tmp_path, "buku_nikah_lengkap", "Buku nikah lengkap"))
    expect(citizen.locator("#fix-upload-zone")).to_have_count(0)
    citizen.click("#resubmit")
    expect(citizen.locator("#return-note")).to_have_count(0)

    # The officer sees it back, verifies, processes and finishes it: the signed output is issued.
    officer.reload()
    expect(officer.locator("#case-state")).to_have_text("Diajukan")
    for action, label in (("verifikasi", "Diverifikasi"), ("proses", "Diproses"), ("selesaikan", "Selesai")):
        officer_acts(officer, action)
        expect(officer.locator("#case-state")).to_have_text(label)
    expect(officer.locator("#case-actions")).to_have_count(0)

    # The citizen downloads the signed PDF from "Dokumen saya".
    citizen.goto("/dokumen")
    with Session(engine_for(app_database_url)) as db:
        output = db.exec(select(IssuedOutput).where(IssuedOutput.application_id == application.id)).one()
    row = citizen.locator("#docs-table tr", has=citizen.locator(f"a[href='/verifikasi/{output.code}']"))
    expect(row).to_have_count(1)
    with citizen.expect_download() as download:
        row.get_by_role("link").filter(has_text=re.compile("Unduh|Download")).click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf, "a signed PDF"

    # An anonymous visitor opens the QR code's URL: valid, issued by MPP Sragen, the holder masked.
    visitor_ctx = browser.new_context(base_url=app_url)
    visitor = visitor_ctx.new_page()
    visitor.goto(f"/verifikasi/{output.code}")
    expect(visitor.locator("#verify-status-valid")).to_be_visible()
    expect(visitor.locator("#verify-fact-holder")).not_to_contain_text("Sri Lestari")
    shot(visitor, "verifikasi")

    # The citizen sees who viewed their data: the officer, at MPP Sragen, on this application.
    citizen.goto("/profil")
    log = citizen.locator("#access-log")
    expect(log).to_contain_text("Budi Santoso")
    expect(log).to_contain_text(number)
    for ctx in (officer_ctx, citizen_ctx, visitor_ctx):
        ctx.close()
