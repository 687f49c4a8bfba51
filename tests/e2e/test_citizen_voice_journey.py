"""The citizen's voice in a real browser (issue 14).

SKM part: a citizen's ticket is served at the counter (booked, checked in at the paired kiosk,
called, started and finished by the officer); the citizen is invited by mail and from the ticket
page, answers the nine questions; the ministry then sees the unit's IKM with n and the
"sampel belum memadai" flag on the national dashboard and downloads the unit's SKM report.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_queue_journey import CITIZEN, OFFICER, book_slot, open_sragen_now, pair_kiosk, shot, sign_in

pytestmark = pytest.mark.e2e

MINISTRY = "kemenpanrb@demo.mpp.go.id"
DOCS = Path(__file__).resolve().parents[2] / "docs"
ANSWERS = (4, 3, 3, 4, 3, 4, 4, 2, 3)  # IKM (30 / 9 x 25) = 83.33, B


def serve_at_the_counter(new_page, code: str, token: str) -> None:
    """Check the ticket in at a freshly paired kiosk; the officer calls, starts and finishes it."""
    kiosk = new_page()
    kiosk.goto("/kiosk/sragen")
    admin = new_page()
    pair_kiosk(admin, kiosk, "Kios SKM")
    kiosk.fill("#kiosk-input", token)
    kiosk.click("#kiosk-checkin")
    expect(kiosk.locator("#kiosk-code")).to_have_text(code)
    officer = new_page()
    sign_in(officer, OFFICER)
    officer.goto("/petugas/loket")
    officer.select_option("#counter-select", label="Disdukcapil 1")
    expect(officer.locator(".counter-line-row").first).to_contain_text(code)
    officer.click("#counter-call-next")
    expect(officer.locator("#counter-current-code")).to_have_text(code)
    officer.click("#counter-start")
    expect(officer.locator("#counter-current-status")).to_contain_text("Sedang dilayani")
    officer.click("#counter-finish")
    expect(officer.locator("#counter-notice")).to_contain_text(f"{code} selesai dilayani")


def test_served_citizen_answers_skm_and_ministry_sees_it(new_page, app_url, app_database_url, smtp_inbox):
    slot = open_sragen_now(app_database_url)
    citizen = new_page()
    sign_in(citizen, CITIZEN)
    before = len(smtp_inbox.messages)
    code = book_slot(citizen, slot, service="akta-kelahiran")  # the queue journey books Kartu Keluarga's place
    ticket_url = citizen.url
    mail = smtp_inbox.wait_for(CITIZEN, after=before)
    token = re.search(r"\(untuk pemindai\): (\S+)", mail.get_body(preferencelist=("plain",)).get_content()).group(1)
    # no survey before the service is finished
    expect(citizen.locator("#ticket-survey")).to_have_count(0)

    invited_after = len(smtp_inbox.messages)
    serve_at_the_counter(new_page, code, token)

    # the invitation comes by mail, with the link to this visit's questionnaire
    invite = smtp_inbox.wait_for(CITIZEN, after=invited_after)
    body = invite.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http\S+/survei/t\d+)", body).group(1)
    assert ticket_url.rsplit("/", 1)[-1] == link.rsplit("/t", 1)[-1]

    # ... and from the finished ticket's own page
    expect(citizen.locator("#ticket-status")).to_contain_text("selesai")
    citizen.click("#ticket-survey")
    expect(citizen).to_have_url(re.compile(r"/survei/t\d+$"))
    expect(citizen.locator(".survey-question")).to_have_count(9)
    expect(citizen.locator("#survey-visit")).to_contain_text("Sragen")
    for number, score in enumerate(ANSWERS, 1):
        citizen.check(f"#u{number}-{score}")
    citizen.select_option("#survey-sex", "P")
    citizen.select_option("#survey-education", "sma")
    citizen.fill("#survey-saran", "Petugas ramah, kursi tunggu kurang.")
    DOCS.mkdir(exist_ok=True)
    citizen.screenshot(path=str(DOCS / "skm-survey.png"), full_page=True)
    citizen.click("#survey-submit")
    expect(citizen.locator("#survey-thanks")).to_be_visible()
    # once per visit: the same questionnaire again says it was answered
    citizen.goto("/" + link.split("/", 3)[-1])
    expect(citizen.locator("#survey-answered")).to_be_visible()
    expect(citizen.locator("#survey-submit")).to_have_count(0)

    # the ministry: the unit's IKM with n and the sample flag, and its report
    ministry = new_page()
    sign_in(ministry, MINISTRY)
    ministry.goto("/dasbor/nasional")
    row = ministry.locator(".skm-short-units-row", has_text="Sukowati Sragen").filter(has_text="Disdukcapil")
    expect(row).to_have_count(1, timeout=30000)
    expect(row.locator(".skm-n")).to_have_text("1")
    expect(row.locator(".skm-ikm")).to_have_text("83.33")
    expect(row.locator(".skm-short")).to_contain_text("sampel belum memadai")
    ministry.evaluate("document.getElementById('skm-title').scrollIntoView({block: 'start'}); window.scrollBy(0, -40)")
    shot(ministry, "skm-dashboard")
    ministry.screenshot(path=str(DOCS / "skm-dashboard.png"))  # the SKM section in view
    with ministry.expect_download() as download:
        row.locator(".skm-pdf").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and download.value.suggested_filename.startswith("laporan-skm-")
    with ministry.expect_download() as download:
        row.locator(".skm-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "83.33" in text and "kursi tunggu kurang" in text and "sampel belum memadai" in text
