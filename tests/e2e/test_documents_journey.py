"""Documents and signed outputs in Chromium on the real app with its demo applications (`make run`):
the citizen downloads a signed output from "Dokumen saya"; an anonymous visitor verifies it by its
code and drops the PDF (identical; a modified copy is not); the officer opens a document of an open
application (a staff view) and another citizen cannot; the citizen sees the view in the access log."""

import hashlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from mpp_digital import routes
from mpp_digital.models import Application, ApplicationDocument, IssuedOutput, Role, RoleAssignment, User
from tests.e2e.conftest import sign_in  # the demo accounts' sign-in (staff: with the demo TOTP code)

pytestmark = pytest.mark.e2e

CITIZEN, OFFICER = "warga@demo.mpp.go.id", "petugas.sragen@demo.mpp.go.id"


def _demo_facts(database_url: str) -> tuple[IssuedOutput, int, str]:
    """A valid output of the demo citizen, a document of one of their open applications, the officer's name."""
    engine = create_engine(database_url)
    with Session(engine) as db:
        citizen = db.exec(select(User).where(User.email == CITIZEN)).one()
        officer = db.exec(select(User).where(User.email == OFFICER)).one()
        grant = db.exec(select(RoleAssignment).where(RoleAssignment.user_id == officer.id,
                                                     RoleAssignment.role == Role.OFFICER)).one()
        output = db.exec(select(IssuedOutput).join(Application, col(Application.id) == IssuedOutput.application_id)
                         .where(Application.citizen_id == citizen.id, col(IssuedOutput.revoked_at).is_(None))).first()
        document_id = db.exec(select(ApplicationDocument.document_id)
                              .join(Application, col(Application.id) == ApplicationDocument.application_id)
                              .where(Application.citizen_id == citizen.id, col(Application.open).is_(True),
                                     Application.site_id == grant.site_id,
                                     Application.agency_id == grant.agency_id)).first()
    engine.dispose()
    assert output is not None and document_id is not None, "the demo data has outputs and open applications"
    return output, document_id, officer.full_name


def test_download_verify_drop_and_the_access_log(new_page, app_database_url, tmp_path):
    output, document_id, officer_name = _demo_facts(app_database_url)

    citizen = new_page()
    sign_in(citizen, CITIZEN)
    citizen.goto(routes.MY_DOCUMENTS)
    row_link = citizen.locator(f"#docs-table a[href='{routes.document_file_url(output.document_id, download=True)}']")
    with citizen.expect_download() as download:
        row_link.click()
    signed = (tmp_path / "output.pdf")
    download.value.save_as(signed)
    assert hashlib.sha256(signed.read_bytes()).hexdigest() == output.sha256

    visitor = new_page()  # anonymous: by the QR code's address
    visitor.goto(routes.verification_url(output.code))
    expect(visitor.locator("#verify-status-valid")).to_be_visible()
    expect(visitor.locator("#verify-fact-sha")).to_contain_text(output.sha256)
    expect(visitor.locator("#verify-fact-holder")).to_have_text("S** L******")  # Sri Lestari, masked
    visitor.set_input_files("#verify-upload input[type=file]", str(signed))
    expect(visitor.locator("#verify-file-same")).to_be_visible()
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(signed.read_bytes() + b"\n% appended\n")
    visitor.set_input_files("#verify-upload input[type=file]", str(changed))
    expect(visitor.locator("#verify-file-different")).to_be_visible()
    visitor.goto(routes.VERIFY_EMAIL)  # the code field, typed with spaces and lower case
    visitor.fill("#verify-code", output.code.replace("-", " ").lower())
    visitor.click("#verify-code-submit")
    expect(visitor.locator("#verify-status-valid")).to_be_visible()
    assert visitor.request.get(routes.document_file_url(document_id)).status == 401

    officer = new_page()
    sign_in(officer, OFFICER)
    seen = officer.request.get(routes.document_file_url(document_id))
    assert seen.status == 200 and seen.headers["content-security-policy"].startswith("sandbox")
    stranger = new_page()
    sign_in(stranger, "agus.prasetyo@demo.mpp.go.id")  # another citizen
    assert stranger.request.get(routes.document_file_url(document_id)).status == 404

    citizen.goto(routes.PROFILE)
    expect(citizen.locator("#access-log")).to_contain_text(officer_name)
