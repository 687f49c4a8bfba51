"""The online form in a real browser: "Ajukan online" from the service page, the MPP preselected
from the NIK, a wrong NIK named, uploads through the guarded /_upload (a renamed .exe refused),
a reload that resumes the draft, the fee on the review, a double click that makes one
application, its page with the deadline, the mail, the bell, and a number that does not exist."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from tests.e2e.conftest import sign_in

CITIZEN = "warga@demo.mpp.go.id"
PASSWORD = "Sukowati-Demo-2026"
SERVICE = "Penerbitan Kutipan Akta Kelahiran"


def _pdf(path, text: str) -> str:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    path.write_bytes(buffer.getvalue())
    return str(path)


def _sign_in(page) -> None:
    sign_in(page, CITIZEN, PASSWORD)


def _rows_for_service(page) -> int:
    page.goto("/permohonan")
    expect(page.locator(".application-row").first).to_be_visible(timeout=20000)
    return page.locator(".application-row", has_text=SERVICE).count()


def test_apply_online_for_akta_kelahiran(new_page, smtp_inbox, tmp_path):
    page = new_page()
    _sign_in(page)
    before = _rows_for_service(page)
    mails_before = len(smtp_inbox.messages)

    page.goto("/layanan/akta-kelahiran")
    page.click("#apply-online")
    expect(page.locator("#apply-title")).to_contain_text(SERVICE)
    expect(page.locator("#apply-site option:checked")).to_contain_text("Sragen")  # the NIK's regency

    page.fill("#field-nama_anak", "Bima Saputra")
    page.fill("#field-tanggal_lahir", "2026-11-20")
    page.fill("#field-tempat_lahir", "Sragen")
    page.select_option("#field-jenis_kelamin", "L")
    page.select_option("#field-anak_ke", "1")
    page.fill("#field-nik_ibu", "12345")
    page.click("#apply-save-data")
    expect(page.locator("#field-nik_ibu-error")).to_contain_text("16 digit")
    page.fill("#field-nik_ibu", "3314014107900001")
    page.click("#apply-save-data")
    expect(page.locator(".doc-slot").first).to_be_visible()

    buttons = page.eval_on_selector_all("[id^=upload-]", "els => els.map(e => e.id)")
    assert len(buttons) == 4
    page.click("#" + buttons[0])
    exe = tmp_path / "surat.pdf"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 400)  # a Windows program renamed .pdf
    page.set_input_files("#apply-upload input[type=file]", str(exe))
    page.click("#apply-upload-send")
    expect(page.locator("#apply-error")).to_contain_text("PDF, JPEG atau PNG")
    for number, button in enumerate(buttons):
        page.click("#" + button)
        page.set_input_files("#apply-upload input[type=file]", _pdf(tmp_path / f"{button}.pdf", button))
        page.click("#apply-upload-send")
        expect(page.locator(".slot-attached")).to_have_count(number + 1, timeout=20000)

    page.reload()  # a dropped connection loses nothing: the draft is on the server
    expect(page.locator(".slot-attached")).to_have_count(4, timeout=30000)

    page.click("#apply-to-review")
    expect(page.locator("#apply-fee")).to_have_text("Gratis")
    page.locator("#apply-submit").dblclick()
    page.wait_for_url(re.compile(r".*/permohonan/MPP-3314-\d{4}-\d{6}$"), timeout=30000)
    number = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#tracking-number")).to_have_text(number)
    expect(page.locator("#deadline")).to_contain_text("Selesai paling lambat")
    expect(page.locator("#application-timeline")).to_contain_text("Diajukan")

    mail = smtp_inbox.wait_for(CITIZEN, after=mails_before)
    assert number in str(mail["Subject"])
    assert _rows_for_service(page) == before + 1  # the double click made one application
    expect(page.locator("#bell-count")).to_be_visible()

    page.goto("/permohonan/MPP-3314-2026-999999")
    expect(page.locator("#application-not-found")).to_be_visible()
