"""Identity assurance in a real browser (issue 17): someone registers a NIK that is not theirs; its
owner opens a dispute, is verified at the counter by an officer and gets the NIK; the other account
is suspended and told why by mail; a staff account without TOTP is made to enrol before its
console opens."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.db import engine_for
from mpp_digital.models import MppSite, Role, User
from mpp_digital.services import accounts
from tests.e2e.conftest import ROOT, register, sign_in

pytestmark = pytest.mark.e2e

OWNER_NIK = "3314016004880004"  # Sragen kota; a woman born 20-04-1988
IMPOSTOR = ("impostor.nik@example.id", "Nama Karangan", "dodol garut bukan sragen")
OWNER = ("pemilik.nik@example.id", "Rahayu Lestari", "srabi kocor sragen enak")
OFFICER = "petugas.sragen@demo.mpp.go.id"
NEW_STAFF = ("3314014107950006", "petugas.baru@example.id", "Petugas Baru", "cabuk rambak sragen enak")


def test_a_disputed_nik_is_reclaimed_at_the_counter_and_the_other_account_suspended(new_page, smtp_inbox):
    # Someone registers a valid NIK that is not theirs, under a made-up name.
    impostor = new_page()
    register(impostor, nik=OWNER_NIK, full_name=IMPOSTOR[1], email=IMPOSTOR[0], phone="081234567001",
             password=IMPOSTOR[2])

    # The owner is refused ("NIK ini sudah terdaftar") and offered a dispute.
    owner = new_page(width=390)
    owner.goto("/daftar")
    for selector, value in (("#nik", OWNER_NIK), ("#full_name", OWNER[1]), ("#email", OWNER[0]),
                            ("#phone", "081234567002"), ("#password", OWNER[2])):
        owner.fill(selector, value)
    owner.click("#register-submit")
    expect(owner.locator("#nik-error")).to_contain_text("sudah terdaftar")
    expect(owner.locator("#register-dispute-offer")).to_be_visible()
    owner.fill("#password", OWNER[2])
    owner.check("#register-dispute")
    owner.click("#register-submit")
    expect(owner.locator("#register-done")).to_contain_text(OWNER[0])
    expect(owner.locator("#register-dispute-done")).to_contain_text("3314********0004")

    # Signed in, the owner sees the open dispute and shows a code at the counter.
    sign_in(owner, OWNER[0], OWNER[2])
    expect(owner.locator("#identity-level")).to_have_text("Dinyatakan sendiri")
    expect(owner.locator("#identity-dispute")).to_contain_text("3314********0004")
    owner.click("#identity-show-code")
    expect(owner.locator("#counter-code")).to_have_text(re.compile(r"^\d{4} \d{4}$"))
    code = owner.locator("#counter-code").inner_text()

    # The officer (signed in with the demo TOTP code) opens the account by that code.
    officer = new_page()
    sign_in(officer, OFFICER)
    officer.click("#nav-identity-counter")
    expect(officer).to_have_url(re.compile(r"/petugas/verifikasi/?$"))
    expect(officer.locator("#counter-id-site")).to_contain_text("Sragen")
    officer.fill("#lookup_code", code)
    officer.click("#counter-id-find")
    expect(officer.locator("#counter-id-name")).to_have_text(OWNER[1])
    expect(officer.locator("#counter-id-dispute")).to_contain_text(OWNER_NIK)
    officer.fill("#nik_on_card", OWNER_NIK)
    for box in ("#check_name", "#check_nik", "#check_photo"):
        officer.check(box)
    officer.screenshot(path=str(ROOT / "docs" / "verifikasi-identitas.png"), full_page=True)
    officer.click("#counter-id-mark")
    expect(officer.locator("#counter-id-message")).to_contain_text(OWNER[1])

    # The owner confirms on their own phone: verified, with the NIK.
    owner.reload()
    expect(owner.locator("#identity-pending")).to_contain_text("Budi Santoso")
    owner.click("#identity-confirm")
    expect(owner.locator("#identity-level")).to_have_text("Terverifikasi")
    expect(owner.locator("#identity-detail")).to_contain_text("Sragen")
    expect(owner.locator("#profile-nik")).to_have_text("3314********0004")

    # The other account lost the NIK, is suspended, and was told why.
    mail = smtp_inbox.wait_for(IMPOSTOR[0], after=0)
    while "ditangguhkan" not in str(mail["Subject"]):
        mail = smtp_inbox.wait_for(IMPOSTOR[0], after=smtp_inbox.messages.index(mail) + 1)
    assert "Sragen" in mail.get_body(preferencelist=("plain",)).get_content()
    impostor.goto("/profil")
    expect(impostor).to_have_url(re.compile(r"/masuk"))
    sign_in(impostor, IMPOSTOR[0], IMPOSTOR[2], lands_on=None)
    expect(impostor.locator("#login-error")).to_be_visible()

    # The NIK of a verified account can never be registered again.
    again = new_page()
    again.goto("/daftar")
    again.fill("#nik", OWNER_NIK)
    again.fill("#full_name", "Orang Ketiga")
    again.fill("#email", "ketiga@example.id")
    again.fill("#phone", "081234567003")
    again.fill("#password", "getuk goreng sokaraja")
    again.click("#register-submit")
    expect(again.locator("#nik-error")).to_contain_text("terverifikasi")
    expect(again.locator("#register-dispute-offer")).to_have_count(0)


def test_a_staff_account_without_totp_enrols_before_its_console_opens(new_page, app_database_url):
    nik, email, name, password = NEW_STAFF
    page = new_page()
    register(page, nik=nik, full_name=name, email=email, phone="081234567004", password=password)
    with Session(engine_for(app_database_url)) as db:  # an administrator grants the officer role
        user = db.exec(select(User).where(User.email == email)).one()
        site = db.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
        user.email_verified_at = utcnow()
        accounts.grant_role(session=db, user_id=user.id, role=Role.OFFICER, now=utcnow(), site_id=site.id)
        db.commit()

    sign_in(page, email, password, lands_on=r"/profil/?\?dua-langkah=wajib$")
    expect(page.locator("#twofactor-required")).to_contain_text("wajib")
    page.goto("/petugas/loket")  # the console refuses a password-only session: back to enrolment
    expect(page).to_have_url(re.compile(r"/profil/?\?dua-langkah=wajib$"))
    expect(page.locator("#counter-call-next")).to_have_count(0)

    page.click("#totp-start")
    expect(page.locator("#totp-secret")).to_have_text(re.compile(r"^[A-Z2-7]{16,}$"))
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#totp-code", pyotp.TOTP(secret).now())
    page.click("#totp-confirm")
    expect(page.locator("#recovery-codes")).to_be_visible()
    page.goto("/petugas/loket")
    expect(page).to_have_url(re.compile(r"/petugas/loket/?$"))
    expect(page.locator("#counter-call-next")).to_be_visible()
