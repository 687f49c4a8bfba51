"""The online channel in a real browser (issue 13): the demo citizen's application for akta kelahiran
(made by the demo seed through the services: a draft with the form's answers and its documents, then
submitted) reaches Dukcapil's officer at MPP Sragen, who reads it with its documents inline and returns
it for correction with a note; the citizen sends the correction; the officer verifies, processes and
finishes it; the citizen downloads the signed PDF from "Dokumen saya"; an anonymous visitor opens the
QR code's URL and reads "valid"; the citizen sees the officer's views in "Siapa yang melihat data saya".

Not yet through the browser (the citizen's pages are not on this branch): filling in and submitting
the form (the seed's submission stands in for it, through the same services) and sending the
correction (``lifecycle.act`` as the citizen, the one transition the citizen's page calls).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from mpp_digital.db import engine_for
from mpp_digital.models import Application, IssuedOutput, Service, User

pytestmark = pytest.mark.e2e

PASSWORD = "Sukowati-Demo-2026"
CITIZEN = "warga@demo.mpp.go.id"
OFFICER = "petugas.sragen@demo.mpp.go.id"
SHOTS = os.environ.get("MPP_E2E_SHOTS")  # a folder to keep screenshots of the journey in
NOTE = "Scan buku nikah terpotong di halaman kedua; mohon unggah ulang halaman lengkap."


def sign_in(page, email: str) -> None:
    page.goto("/masuk")
    page.fill("#identifier", email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/profil/?$"))


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def citizens_akta(database_url: str) -> Application:
    """The demo citizen's submitted application for akta kelahiran (the seed made it through the services)."""
    with Session(engine_for(database_url), expire_on_commit=False) as db:
        citizen = db.exec(select(User).where(User.email == CITIZEN)).one()
        service = db.exec(select(Service).where(Service.slug == "akta-kelahiran")).one()
        return db.exec(select(Application).where(Application.citizen_id == citizen.id,
                                                 Application.service_id == service.id,
                                                 Application.state == "diajukan")).one()


def officer_acts(page, action: str, note: str = "") -> None:
    """Choose a workflow action on the open case, with its note, and save it."""
    page.select_option("#case-action", action)
    if note:
        page.fill("#case-note", note)
    page.click("#case-act")
    expect(page.locator("#case-notice")).to_be_visible()


def citizen_sends_the_correction(database_url: str, application_id: int) -> None:
    """The citizen's "Kirim perbaikan" (their page calls this same transition), in the app's database and keys."""
    from mpp_digital.clock import utcnow
    from mpp_digital.services.applications import lifecycle
    from mpp_digital.services.authz import principal_for
    from mpp_digital.settings import get_settings

    previous = os.environ.get("MPP_SECRET_KEY")
    os.environ["MPP_SECRET_KEY"] = "e2e-secret-key"  # the app's own (tests/e2e/conftest.py)
    get_settings.cache_clear()
    try:
        with Session(engine_for(database_url), expire_on_commit=False) as db:
            application = db.get(Application, application_id)
            citizen = db.get(User, application.citizen_id)
            lifecycle.act(session=db, application_id=application_id, action="perbaiki", note="",
                          principal=principal_for(session=db, user=citizen, session_id=0),
                          seen_version=application.version, now=utcnow())
            db.commit()
    finally:
        if previous is None:
            os.environ.pop("MPP_SECRET_KEY", None)
        else:
            os.environ["MPP_SECRET_KEY"] = previous
        get_settings.cache_clear()


def test_apply_return_fix_finish_download_verify_and_see_who_viewed(browser, app_url, app_database_url, tmp_path):
    application = citizens_akta(app_database_url)
    number = application.tracking_number

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

    citizen_sends_the_correction(app_database_url, application.id)

    # The officer sees it back, verifies, processes and finishes it: the signed output is issued.
    officer.reload()
    expect(officer.locator("#case-state")).to_have_text("Diajukan")
    for action, label in (("verifikasi", "Diverifikasi"), ("proses", "Diproses"), ("selesaikan", "Selesai")):
        officer_acts(officer, action)
        expect(officer.locator("#case-state")).to_have_text(label)
    expect(officer.locator("#case-actions")).to_have_count(0)

    # The citizen downloads the signed PDF from "Dokumen saya".
    citizen_ctx = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
    citizen = citizen_ctx.new_page()
    sign_in(citizen, CITIZEN)
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
