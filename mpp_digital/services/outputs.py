"""The product of a finished application: a signed PDF anyone can verify at /verifikasi/<kode>.

``issue_output`` makes the PDF from the service's template (reportlab: the MPP, the agency, the
service, the product, the holder, the tracking number, the date and a QR code of the
verification URL) or takes the officer's own PDF, signs it (PAdES, ``services/signing``) by the
issuing MPP's key, stores it as the citizen's document (``source="output"``) and records an
``IssuedOutput``. ``verification`` is what the public page shows (the holder's name masked);
``verify_file`` says whether a dropped PDF is that very file (SHA-256).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import segno
from sqlmodel import Session, col, select

from mpp_digital import routes
from mpp_digital.errors import NotAllowed, ValidationError
from mpp_digital.models import Agency, Application, IssuedOutput, MppSite, Role, Service, User
from mpp_digital.services import audit, documents, signing
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.settings import get_settings

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed without doubt
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4  # 16 symbols of 5 bits: 80 random bits
MIN_REASON = 5


@dataclass(frozen=True)
class OutputTemplate:
    """What a service's output says (a per-service template; the default covers every service)."""

    title: str
    statement: str  # filled with service, holder, product


DEFAULT_TEMPLATE = OutputTemplate(
    title="{product}",
    statement=("Dengan ini menerangkan bahwa permohonan {service} atas nama {holder} telah selesai diproses "
               "dan diterbitkan: {product}."),
)
# Services whose output reads differently from the default (by service slug).
TEMPLATES: dict[str, OutputTemplate] = {
    "surat-keterangan-tidak-mampu": OutputTemplate(
        title="Surat Keterangan Tidak Mampu",
        statement="Dengan ini menerangkan bahwa {holder} tercatat sebagai warga yang memerlukan keterangan tidak "
                  "mampu sesuai permohonan {service}."),
    "kartu-pencari-kerja": OutputTemplate(
        title="Kartu Tanda Bukti Pendaftaran Pencari Kerja (AK/1)",
        statement="Dengan ini menerangkan bahwa {holder} telah terdaftar sebagai pencari kerja melalui permohonan "
                  "{service}."),
}


@dataclass(frozen=True)
class VerificationView:
    """What /verifikasi/<kode> shows to anyone (no personal data beyond the masked name)."""

    code: str
    valid: bool
    revoked_at: datetime | None
    issued_at: datetime
    site_name: str
    agency_name: str
    service_name: str
    product: str
    sha256: str
    holder_masked: str
    signer: str
    demo: bool


def new_code() -> str:
    """A fresh verification code, such as ``K7Q2-M9XD-4HTP-Z3WB``."""
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
                    for _ in range(CODE_GROUPS))


def normalise_code(code: str) -> str:
    """A typed or scanned code in its stored form (case, spaces and missing dashes forgiven)."""
    raw = "".join(ch for ch in (code or "").upper() if ch in CODE_ALPHABET)
    if len(raw) != CODE_GROUPS * CODE_GROUP_LENGTH:
        return ""
    return "-".join(raw[i:i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def mask_name(name: str) -> str:
    """``Budi Santoso`` -> ``B*** S******`` (the first letter of each word)."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)[:120]


def verification_url(code: str) -> str:
    """The absolute URL in the QR code."""
    return get_settings().public_base_url + routes.verification_url(code)


def render_pdf(*, template: OutputTemplate, site: MppSite, agency: Agency, service: Service, holder: str,
               tracking_number: str, issued_at: datetime, code: str) -> bytes:
    """The output laid out on one A4 page, with the QR code of its verification URL."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph

    url = verification_url(code)
    values = {"service": service.name, "holder": holder, "product": service.product}
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(template.title.format(**values)[:200])
    pdf.setAuthor(site.name)
    pdf.setCreator("MPP Digital")
    width, height = A4
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(20 * mm, height - 25 * mm, site.name.upper()[:70])
    pdf.setFont("Helvetica", 11)
    pdf.drawString(20 * mm, height - 32 * mm, agency.name[:90])
    pdf.line(20 * mm, height - 36 * mm, width - 20 * mm, height - 36 * mm)
    styles = getSampleStyleSheet()
    title = Paragraph(template.title.format(**values), styles["Title"])
    _w, h = title.wrap(width - 40 * mm, 40 * mm)
    title.drawOn(pdf, 20 * mm, height - 45 * mm - h)
    body = Paragraph(template.statement.format(**values), styles["BodyText"])
    _w, bh = body.wrap(width - 40 * mm, 80 * mm)
    top = height - 55 * mm - h - bh
    body.drawOn(pdf, 20 * mm, top)
    rows = [("Layanan", service.name), ("Produk", service.product), ("Atas nama", holder),
            ("Nomor permohonan", tracking_number), ("Tanggal terbit", issued_at.strftime("%d-%m-%Y")),
            ("Diterbitkan oleh", site.name), ("Kode verifikasi", code)]
    y = top - 12 * mm
    for label, value in rows:
        pdf.setFont("Helvetica", 10)
        pdf.drawString(20 * mm, y, label)
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(65 * mm, y, str(value)[:80])
        y -= 7 * mm
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.drawImage(ImageReader(qr), width - 60 * mm, 25 * mm, 40 * mm, 40 * mm)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(20 * mm, 30 * mm, "Dokumen ini ditandatangani secara elektronik. Periksa keasliannya di:")
    pdf.drawString(20 * mm, 25 * mm, url[:110])
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _issued(session: Session, application_id: int) -> IssuedOutput | None:
    return session.exec(select(IssuedOutput).where(IssuedOutput.application_id == application_id,
                                                   col(IssuedOutput.revoked_at).is_(None))
                        .order_by(col(IssuedOutput.id).desc())).first()


def issue_output(*, session: Session, application_id: int, issued_by: int | None, now: datetime,
                 pdf: bytes | None = None) -> IssuedOutput:
    """Issue the signed output of an application (once: a second call returns the live one).

    Args:
        pdf: the agency's own PDF uploaded by the officer; None makes it from the service's template.

    Raises:
        NotAllowed: no such application.
        DocumentRejected: an uploaded file that is not a PDF (``doc.type``), empty or too big.
        ValidationError: ``output.bad_pdf`` for a PDF that cannot be signed (damaged, encrypted).
    """
    application = session.get(Application, application_id)
    if application is None:
        raise NotAllowed("error.not_allowed")
    if (existing := _issued(session, application_id)) is not None:
        return existing
    site = session.get(MppSite, application.site_id)
    service = session.get(Service, application.service_id)
    agency = session.get(Agency, application.agency_id)
    citizen = session.get(User, application.citizen_id)
    assert site and service and agency and citizen
    code = new_code()
    stamp_url = None  # the template prints its own QR code; an agency's file gets it in a visible signature
    if pdf is None:
        template = TEMPLATES.get(service.slug, DEFAULT_TEMPLATE)
        pdf = render_pdf(template=template, site=site, agency=agency, service=service, holder=citizen.full_name,
                         tracking_number=application.tracking_number, issued_at=now, code=code)
    else:
        pdf, _mime = documents.clean_upload(pdf, accept=(documents.PDF,))
        stamp_url = verification_url(code)
    identity = signing.identity_for_site(session=session, site_id=site.id or 0, now=now)
    signed = signing.sign_pdf(pdf, identity=identity, reason=f"{service.product} ({application.tracking_number})",
                              location=site.name, qr_url=stamp_url)
    stored = documents.store_bytes(session=session, owner_id=citizen.id or 0, kind="output", label=service.product,
                                   data=signed, mime=documents.PDF, now=now, source=documents.SOURCE_OUTPUT)
    session.flush()
    output = IssuedOutput(code=code, application_id=application_id, document_id=stored.id or 0,
                          sha256=stored.sha256, site_id=site.id or 0, service_id=service.id or 0,
                          holder_masked=mask_name(citizen.full_name), issued_at=now, issued_by=issued_by)
    session.add(output)
    session.flush()
    return output


def output_id_of(*, session: Session, code: str) -> int | None:
    """The id of the output with ``code`` (None: no such output)."""
    code = normalise_code(code)
    return session.exec(select(IssuedOutput.id).where(IssuedOutput.code == code)).first() if code else None


def revoke_output(*, session: Session, output_id: int, principal: Principal | None, reason: str,
                  now: datetime, ip_address: str = "") -> IssuedOutput:
    """Revoke an output: its issuing officer (still an officer of that site) or a site admin of its site.

    Raises:
        NotAllowed: anyone else (and a missing output).
        ValidationError: ``output.reason_required``; ``output.already_revoked``.
    """
    output = session.get(IssuedOutput, output_id)
    if output is None:
        raise NotAllowed("error.not_allowed")
    application = session.get(Application, output.application_id)
    agency_id = application.agency_id if application else None
    is_issuer = principal is not None and output.issued_by == principal.user_id
    authorize(principal, *((Role.OFFICER, Role.SITE_ADMIN) if is_issuer else (Role.SITE_ADMIN,)),
              site_id=output.site_id, agency_id=agency_id)
    assert principal is not None
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError("reason", "output.reason_required")
    if output.revoked_at is not None:
        raise ValidationError("reason", "output.already_revoked")
    output.revoked_at, output.revoked_by, output.revoke_reason = now, principal.user_id, reason[:300]
    session.add(output)
    audit.record(session=session, action="output_revoke", now=now, actor_user_id=principal.user_id,
                 target=f"output:{output.id}", ip_address=ip_address, detail={"code": output.code})
    session.flush()
    return output


def verification(*, session: Session, code: str) -> VerificationView | None:
    """What the public verification page shows for ``code`` (None: no such output)."""
    code = normalise_code(code)
    if not code:
        return None
    row = session.exec(select(IssuedOutput, MppSite.name, Agency.name, Service.name, Service.product)
                       .join(MppSite, col(MppSite.id) == IssuedOutput.site_id)
                       .join(Service, col(Service.id) == IssuedOutput.service_id)
                       .join(Agency, col(Agency.id) == Service.agency_id)
                       .where(IssuedOutput.code == code)).first()
    if row is None:
        return None
    output, site_name, agency_name, service_name, product = row
    identity_demo = not (get_settings().signing_cert_file and get_settings().signing_key_file)
    return VerificationView(code=output.code, valid=output.revoked_at is None, revoked_at=output.revoked_at,
                            issued_at=output.issued_at, site_name=site_name, agency_name=agency_name,
                            service_name=service_name, product=product, sha256=output.sha256,
                            holder_masked=output.holder_masked, signer=site_name, demo=identity_demo)


def verify_file(*, session: Session, code: str, data: bytes) -> bool:
    """Whether ``data`` is exactly the output of ``code`` (its SHA-256)."""
    code = normalise_code(code)
    if not code or not data:
        return False
    sha = session.exec(select(IssuedOutput.sha256).where(IssuedOutput.code == code)).first()
    return sha is not None and hashlib.sha256(data).hexdigest() == sha


def outputs_of_application(*, session: Session, application_id: int) -> list[IssuedOutput]:
    """Every output of an application, newest first (for its detail page)."""
    return list(session.exec(select(IssuedOutput).where(IssuedOutput.application_id == application_id)
                             .order_by(col(IssuedOutput.id).desc())).all())
