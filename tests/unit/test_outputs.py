"""Signed outputs: the PAdES signature validates with pyHanko's validator against the demo CA,
a modified copy fails, the verification view masks the holder, a dropped file is compared by
its SHA-256, and revoking needs the issuer or a site admin of the site, and a reason."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlmodel import select

from mpp_digital.errors import NotAllowed, ValidationError
from mpp_digital.models import AuditLog, Role, SigningCertificate, StoredDocument
from mpp_digital.services import documents, outputs, signing
from mpp_digital.services.authz import Grant, Principal
from mpp_digital.settings import get_settings
from tests.conftest import ROOT
from tests.loops import run_on_own_loop
from tests.unit.application_setup import add_application
from tests.unit.queue_setup import make_world


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture()
def finished(session, now):
    """A finished application of a citizen named Budi Santoso, at the world's site."""
    world = make_world(session, citizens=1)
    citizen = world.citizens[0]
    citizen.full_name = "Budi Santoso"
    session.add(citizen)
    application = add_application(session, world, citizen, now, state="selesai", open_=False)
    return world, citizen, application


def _validate(session, now, signed: bytes):
    roots = signing.trust_roots(session=session, now=now)
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    # pyHanko's sync validator calls asyncio.run, which fails after a browser test left a loop running
    return run_on_own_loop(async_validate_pdf_signature(embedded, context))


def _signed_bytes(session, output) -> bytes:
    return documents.document_bytes(session=session, document_id=output.document_id)


def test_the_output_signature_validates_against_the_demo_ca_and_a_modified_copy_fails(session, now, finished):
    world, citizen, application = finished
    output = outputs.issue_output(session=session, application_id=application.id, issued_by=world.officer.user_id,
                                  now=now)
    signed = _signed_bytes(session, output)
    status = _validate(session, now, signed)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert "MPP Uji" in status.signing_cert.subject.human_friendly
    assert status.md_algorithm == "sha256"
    # PAdES: a detached CAdES signature
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    # the same bytes with one byte of the content changed no longer validate
    start = signed.index(b"(MPP Uji)")  # the document information's author, inside the signed range
    tampered = signed[:start] + b"(MPP Ujx)" + signed[start + len(b"(MPP Uji)"):]
    broken = _validate(session, now, tampered)
    assert not broken.intact and not broken.bottom_line
    # ... and a validator that does not trust the demo CA does not call it trusted
    stranger = ValidationContext(trust_roots=[], allow_fetching=False)
    assert not run_on_own_loop(async_validate_pdf_signature(embedded, stranger)).trusted


def test_the_output_is_the_citizens_document_with_a_qr_url_and_a_masked_holder(session, now, finished):
    world, citizen, application = finished
    output = outputs.issue_output(session=session, application_id=application.id, issued_by=None, now=now)
    stored = session.get(StoredDocument, output.document_id)
    assert stored.owner_id == citizen.id and stored.source == "output" and stored.mime == "application/pdf"
    assert output.sha256 == stored.sha256 and output.holder_masked == "B*** S******"
    assert outputs.normalise_code(output.code) == output.code
    page = PdfFileReader(io.BytesIO(_signed_bytes(session, output))).root["/Pages"]["/Kids"][0]
    assert outputs.verification_url(output.code).encode() in page["/Contents"].data  # printed under the QR
    again = outputs.issue_output(session=session, application_id=application.id, issued_by=None, now=now)
    assert again.id == output.id  # issuing twice gives the same output
    (view,) = [v for v in documents.documents_of(session=session, owner_id=citizen.id) if v.source == "output"]
    assert view.output_code == output.code and not view.deletable


def test_demo_certificates_are_made_once_per_site_with_the_key_sealed(session, now, finished):
    world, _citizen, application = finished
    outputs.issue_output(session=session, application_id=application.id, issued_by=None, now=now)
    rows = session.exec(select(SigningCertificate).where(SigningCertificate.site_id == world.site.id)).all()
    assert len(rows) == 1 and "PRIVATE KEY" not in rows[0].key_sealed and rows[0].key_sealed.startswith("s1.")
    first = signing.site_certificate(session=session, site_id=world.site.id, now=now)
    assert first.id == rows[0].id


def test_an_officers_uploaded_pdf_is_signed_and_a_non_pdf_refused(session, now, finished):
    world, _citizen, application = finished
    output = outputs.issue_output(session=session, application_id=application.id, issued_by=world.officer.user_id,
                                  now=now, pdf=_reportlab_pdf())
    signed = _signed_bytes(session, output)
    assert _validate(session, now, signed).bottom_line
    # the agency's file carries the QR code in a visible signature on page 1
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    widget = embedded.sig_field["/Kids"][0] if "/Kids" in embedded.sig_field else embedded.sig_field
    rect = [float(v) for v in widget["/Rect"]]
    assert rect[2] - rect[0] > 200 and rect[3] - rect[1] > 60
    appearance = widget["/AP"]["/N"]
    assert b"verifikasi" in appearance.data  # the address, written out with PDF string escapes
    assert all(group.encode() in appearance.data for group in output.code.split("-"))
    assert any("/Img" in str(name) or "Im" in str(name) for name in appearance["/Resources"]["/XObject"])
    other = add_application(session, world, _citizen, now, state="selesai", open_=False)
    with pytest.raises(documents.DocumentRejected, match="doc.type"):
        outputs.issue_output(session=session, application_id=other.id, issued_by=None, now=now, pdf=b"MZ" + b"\0" * 99)
    with pytest.raises(ValidationError, match="output.bad_pdf"):
        outputs.issue_output(session=session, application_id=other.id, issued_by=None, now=now,
                             pdf=b"%PDF-1.4\nnot really a pdf\n%%EOF\n")


def _reportlab_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(100, 750, "Kutipan Akta Kelahiran (berkas instansi)")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_verification_view_and_file_check(session, now, finished):
    world, _citizen, application = finished
    output = outputs.issue_output(session=session, application_id=application.id, issued_by=None, now=now)
    view = outputs.verification(session=session, code=output.code.lower().replace("-", ""))
    assert view.valid and view.site_name == "MPP Uji" and view.service_name == "Kartu Keluarga Uji"
    assert view.holder_masked == "B*** S******" and view.sha256 == output.sha256 and view.issued_at == now
    assert "Budi" not in repr(view)
    signed = _signed_bytes(session, output)
    assert outputs.verify_file(session=session, code=output.code, data=signed)
    assert not outputs.verify_file(session=session, code=output.code, data=signed + b"\n")
    assert not outputs.verify_file(session=session, code=output.code, data=b"")
    assert outputs.verification(session=session, code="AAAA-BBBB-CCCC-DDDD") is None
    assert outputs.verification(session=session, code="../../etc") is None


def _staff(session, role: Role, site_id: int, agency_id: int | None = None) -> Principal:
    from tests.unit.test_documents import _principal, _user

    return _principal(_user(session, role.value), Grant(role, site_id=site_id, agency_id=agency_id))


def test_revoking_needs_the_issuer_or_a_site_admin_and_a_reason_and_is_audited(session, now, finished):
    world, citizen, application = finished
    output = outputs.issue_output(session=session, application_id=application.id, issued_by=world.officer.user_id,
                                  now=now)
    other_officer = _staff(session, Role.OFFICER, world.site.id, world.agency.id)  # same site, not the issuer
    other_admin = _staff(session, Role.SITE_ADMIN, world.other_site.id)
    for who in (other_officer, other_admin, world.other_site_officer, None):
        with pytest.raises(NotAllowed):
            outputs.revoke_output(session=session, output_id=output.id, principal=who, reason="salah cetak", now=now)
    with pytest.raises(ValidationError, match="output.reason_required"):
        outputs.revoke_output(session=session, output_id=output.id, principal=world.officer, reason="  ", now=now)
    outputs.revoke_output(session=session, output_id=output.id, principal=world.officer, reason="Salah nama ayah",
                          now=now)
    view = outputs.verification(session=session, code=output.code)
    assert not view.valid and view.revoked_at == now
    audit = session.exec(select(AuditLog).where(AuditLog.action == "output_revoke")).all()
    assert [a.actor_user_id for a in audit] == [world.officer.user_id]
    with pytest.raises(ValidationError, match="output.already_revoked"):
        admin = _staff(session, Role.SITE_ADMIN, world.site.id)
        outputs.revoke_output(session=session, output_id=output.id, principal=admin, reason="sekali lagi", now=now)
    # a revoked output may be issued anew
    fresh = outputs.issue_output(session=session, application_id=application.id, issued_by=None, now=now)
    assert fresh.id != output.id and outputs.verification(session=session, code=fresh.code).valid


def test_a_code_has_80_random_bits_and_reads_unambiguously():
    codes = {outputs.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 19 and not set(c.replace("-", "")) & set("01OI") for c in codes)
    assert outputs.mask_name("Sri  Wahyuni") == "S** W******"


def test_a_configured_certificate_signs_instead_of_the_demo_ca(session, now, finished, monkeypatch):
    fixtures = ROOT / "tests" / "fixtures" / "signing"
    monkeypatch.setenv("MPP_SIGNING_CERT_FILE", str(fixtures / "cert.pem"))
    monkeypatch.setenv("MPP_SIGNING_KEY_FILE", str(fixtures / "key.pem"))
    get_settings.cache_clear()
    world, _citizen, application = finished
    output = outputs.issue_output(session=session, application_id=application.id, issued_by=None, now=now)
    status = _validate(session, now, _signed_bytes(session, output))
    assert status.bottom_line and "never trusted" in status.signing_cert.subject.human_friendly
    assert not outputs.verification(session=session, code=output.code).demo
    assert session.exec(select(SigningCertificate).where(SigningCertificate.site_id == world.site.id)).first() is None


def test_an_expired_site_certificate_is_renewed_in_its_row(session, now, finished):
    from datetime import timedelta

    world, _citizen, _application = finished
    first = signing.site_certificate(session=session, site_id=world.site.id, now=now)
    old_pem = first.cert_pem
    assert signing.site_certificate(session=session, site_id=world.site.id, now=now + timedelta(days=30)).cert_pem == old_pem
    later = now + timedelta(days=365 * signing.SITE_YEARS + 2)
    renewed = signing.site_certificate(session=session, site_id=world.site.id, now=later)
    assert renewed.id == first.id and renewed.cert_pem != old_pem
    assert signing._utc(renewed.not_after) > signing._utc(later)
