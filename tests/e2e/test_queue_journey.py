"""The queue in a real browser: a citizen books and sees the ticket and its QR, the site admin
pairs the hall's kiosk (a one-time code on /admin/mpp typed on the kiosk), the kiosk
checks it in with the QR token, the officer calls it and the live board (another page)
shows the number within a second without reloading, the officer finishes it and the
citizen's page says "selesai" by itself.

Any time of day: before booking, the test opens MPP Sragen around the clock on today's
weekday and lets the slot that is running be booked, through the site's own tables
(opening hours, closures, queue policy), as its site admin would.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, delete, select

from mpp_digital.clock import utcnow
from mpp_digital.db import engine_for
from mpp_digital.models import MppSite, QueuePolicy, SiteClosure
from mpp_digital.services.hours import WEEKDAYS, WIB
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "Sukowati-Demo-2026"
CITIZEN = "warga@demo.mpp.go.id"
OFFICER = "petugas.sragen@demo.mpp.go.id"
SITE_ADMIN = "admin.sragen@demo.mpp.go.id"
SHOTS = os.environ.get("MPP_E2E_SHOTS")  # a folder to keep screenshots of the journey in


def _wait_past_midnight() -> None:
    """The journey must stay on one local day: right before midnight, wait for it."""
    local = utcnow().astimezone(WIB)
    if local.hour == 23 and local.minute >= 52:
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=WIB)
        time.sleep((midnight - local).total_seconds() + 5)


def open_sragen_now(database_url: str) -> str:
    """Open Sragen all day today and let the running slot be booked; returns its "HHMM" label."""
    _wait_past_midnight()
    local = utcnow().astimezone(WIB)
    with Session(engine_for(database_url)) as db:
        site = db.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
        site.opening_hours = {**site.opening_hours, WEEKDAYS[local.weekday()]: [["00:00", "23:59"]]}
        db.add(site)
        db.exec(delete(SiteClosure).where(SiteClosure.site_id == site.id, SiteClosure.day == local.date()))
        policy = db.exec(select(QueuePolicy).where(QueuePolicy.site_id == site.id,
                                                   QueuePolicy.service_id.is_(None))).first() or QueuePolicy(  # type: ignore[union-attr]
            site_id=site.id)
        policy.slot_minutes, policy.cutoff_minutes = 30, -30  # book until the slot's end
        db.add(policy)
        db.commit()
    return f"{local.hour:02d}{0 if local.minute < 30 else 30:02d}"




def book_slot(page, slot: str, service: str = "kartu-keluarga") -> str:
    """Book the slot ("HHMM") of ``service`` (a Dukcapil service) at Sragen; returns the ticket's code.

    A slot of 30 minutes has one online place per Dukcapil counter: journeys that run in the same
    half hour on the shared app book different services."""
    page.goto(f"/antrian?site=sragen&layanan={service}")
    expect(page.locator("#booking-service")).to_have_value(service)
    page.click(f"#slot-{slot}")
    expect(page).to_have_url(re.compile(r"/antrian/tiket/\d+$"))
    code = page.locator("#ticket-code").inner_text()
    assert re.fullmatch(r"A-\d{3}", code)
    expect(page.locator("#ticket-status")).to_contain_text("Terdaftar")
    return code


def pair_kiosk(admin, kiosk, name: str) -> None:
    """The site admin makes a pairing code on /admin/mpp; the kiosk page (open on /kiosk/sragen) uses it."""
    sign_in(admin, SITE_ADMIN)
    admin.goto("/admin/mpp")
    expect(admin.locator("#siteadmin-site")).to_contain_text("Sragen")
    admin.fill("#kiosk-name", name)
    admin.click("#kiosk-add")
    # the code is written into the page by a script once the event's answer arrives: wait for it
    expect(admin.locator("#kiosk-pairing-code")).to_have_text(re.compile(r"[A-Z2-9]{5}-[A-Z2-9]{5}"))
    code = admin.locator("#kiosk-pairing-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code), code
    expect(admin.locator("#kiosk-table")).to_contain_text("Menunggu kode")
    shot(admin, "kiosk-code")
    kiosk.fill("#kiosk-pair-code", code)
    kiosk.click("#kiosk-pair")
    expect(kiosk.locator("#kiosk-input")).to_be_visible()
    assert kiosk.evaluate("document.cookie").find("mpp_kiosk") == -1  # HttpOnly: scripts cannot read it
    admin.click("#kiosk-code-done")
    expect(admin.locator("#kiosk-table")).to_contain_text("Terpasang")
    expect(admin.locator("#kiosk-pairing-code")).to_have_count(0)


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_book_check_in_call_board_finish(new_page, app_url, app_database_url, smtp_inbox):
    slot = open_sragen_now(app_database_url)

    # The citizen books the running slot of Kartu Keluarga at Sragen (linked from the catalog).
    citizen = new_page()
    sign_in(citizen, CITIZEN)
    before = len(smtp_inbox.messages)
    code = book_slot(citizen, slot)
    expect(citizen.locator("#ticket-qr")).to_be_visible()
    shot(citizen, "ticket")

    # The ticket is mailed, with the QR's signed token for scanners.
    mail = smtp_inbox.wait_for(CITIZEN, after=before)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert code in body
    token = re.search(r"\(untuk pemindai\): (\S+)", body).group(1)

    # The kiosk (no sign-in) is paired first: unpaired, it only asks for the code; the site
    # admin makes one on /admin/mpp and types it on the kiosk, which then keeps a device cookie.
    kiosk = new_page()
    kiosk.goto("/kiosk/sragen")
    expect(kiosk.locator("#kiosk-pair-code")).to_be_visible()
    expect(kiosk.locator("#kiosk-input")).to_have_count(0)
    shot(kiosk, "kiosk-unpaired")
    admin = new_page()
    pair_kiosk(admin, kiosk, "Kios lobi 1")
    shot(admin, "kiosk-admin")

    # The paired kiosk refuses a forged token and checks the real one in.
    kiosk.fill("#kiosk-input", token[:-4] + "AAAA")
    kiosk.click("#kiosk-checkin")
    expect(kiosk.locator("#kiosk-error")).to_contain_text("tidak sah")
    kiosk.fill("#kiosk-input", token)
    kiosk.click("#kiosk-checkin")
    expect(kiosk.locator("#kiosk-code")).to_have_text(code)
    expect(kiosk.locator("#kiosk-message")).to_contain_text("Check-in berhasil")
    assert "Sri Lestari" not in kiosk.content()  # a public device: no names
    expect(citizen.locator("#ticket-status")).to_contain_text("Menunggu")  # live, no reload

    # The hall's board, open in another page.
    board = new_page()
    board.goto("/antrian/papan/sragen")
    expect(board.locator("#board-next")).to_contain_text(code)
    board.evaluate("window.__noReload = true")

    # The officer calls it: the board shows it within a second, without a reload.
    officer = new_page()
    sign_in(officer, OFFICER)
    officer.goto("/petugas/loket")
    officer.select_option("#counter-select", label="Disdukcapil 1")
    expect(officer.locator(".counter-line-row").first).to_contain_text(code)
    officer.click("#counter-call-next")
    called_at = time.monotonic()
    expect(board.locator("#board-serving")).to_contain_text(code, timeout=1000)
    assert time.monotonic() - called_at <= 1.0
    assert board.evaluate("window.__noReload") is True
    expect(officer.locator("#counter-current-code")).to_have_text(code)
    expect(citizen.locator("#ticket-status")).to_contain_text("Dipanggil")
    expect(citizen.locator("#ticket-counter")).to_contain_text("Disdukcapil 1")
    shot(board, "board")

    officer.click("#counter-start")
    expect(officer.locator("#counter-current-status")).to_contain_text("Sedang dilayani")
    shot(officer, "counter")
    officer.click("#counter-finish")
    expect(officer.locator("#counter-notice")).to_contain_text(f"{code} selesai dilayani")

    # The citizen's page says so by itself.
    expect(citizen.locator("#ticket-status")).to_contain_text("selesai")
    expect(board.locator("#board-serving")).not_to_contain_text(code)
