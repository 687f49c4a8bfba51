"""Signing keys of the outputs and the PAdES signature (pyHanko).

Two sources of a signing key:

* a real certificate and key (``MPP_SIGNING_CERT_FILE``, PEM with its chain after it, and
  ``MPP_SIGNING_KEY_FILE``, optionally with ``MPP_SIGNING_KEY_PASSWORD``): every MPP signs with
  it. Production refuses to start without one (``Settings.production_problems``);
* otherwise (demo) a demo CA and a certificate per MPP site, created on first use and kept in
  ``SigningCertificate`` with the private key sealed (``services/sealing``, purpose
  ``signing.key``). Nobody outside trusts the demo CA; the verification page and the tests do.

A signature is PAdES baseline B-B (``/ETSI.CAdES.detached``, no timestamp authority).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import text
from sqlmodel import Session, col, select

from mpp_digital.errors import ValidationError
from mpp_digital.models import MppSite, SigningCertificate
from mpp_digital.services.sealing import seal, unseal
from mpp_digital.settings import get_settings

PURPOSE_SIGNING_KEY = "signing.key"
CA_YEARS, SITE_YEARS = 10, 3
FIELD_NAME = "TandaTanganMPP"
_LOCK_KEY = 131_300  # PostgreSQL advisory lock: one creator of demo certificates at a time


@dataclass(frozen=True)
class SigningIdentity:
    """The certificate (and chain) a site signs with, and whether it is the demo CA's."""

    signer: signers.SimpleSigner
    certificate_pem: str
    chain_pems: tuple[str, ...]
    demo: bool


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MPP Digital (DEMO)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _make_certificate(*, subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
                      issuer_key: ec.EllipticCurvePrivateKey, now: datetime, years: int, ca: bool) -> x509.Certificate:
    usage = x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                          encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_LOCK_KEY))  # type: ignore[call-overload]


def _stored(session: Session, site_id: int | None) -> SigningCertificate | None:
    query = select(SigningCertificate).order_by(col(SigningCertificate.id))
    query = query.where(col(SigningCertificate.site_id).is_(None) if site_id is None
                        else SigningCertificate.site_id == site_id)
    return session.exec(query).first()


def _store(session: Session, *, site_id: int | None, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey,
           now: datetime) -> SigningCertificate:
    row = SigningCertificate(site_id=site_id, subject=cert.subject.rfc4514_string()[:300], cert_pem=_pem(cert),
                             key_sealed=seal(_key_pem(key), purpose=PURPOSE_SIGNING_KEY) or "", created_at=now,
                             not_after=cert.not_valid_after_utc)
    session.add(row)
    session.flush()
    return row


def demo_ca(*, session: Session, now: datetime) -> SigningCertificate:
    """The demo CA, created on first use (its key sealed)."""
    row = _stored(session, None)
    if row is not None:
        return row
    _lock(session)
    row = _stored(session, None)
    if row is not None:
        return row
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("MPP Digital Demo CA (bukan untuk produksi)")
    cert = _make_certificate(subject=name, key=key, issuer=name, issuer_key=key, now=now, years=CA_YEARS, ca=True)
    return _store(session, site_id=None, cert=cert, key=key, now=now)


def _load_key(row: SigningCertificate) -> ec.EllipticCurvePrivateKey:
    pem = unseal(row.key_sealed, purpose=PURPOSE_SIGNING_KEY) or ""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def site_certificate(*, session: Session, site_id: int, now: datetime) -> SigningCertificate:
    """The demo certificate of one MPP site, issued by the demo CA on first use (renewed when expired)."""
    row = _stored(session, site_id)
    if row is not None and _utc(row.not_after) > _utc(now):
        return row
    ca = demo_ca(session=session, now=now)
    _lock(session)
    again = _stored(session, site_id)
    if again is not None and again is not row:
        return again
    site = session.get(MppSite, site_id)
    key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.encode())
    cert = _make_certificate(subject=_name(site.name if site else f"MPP {site_id}"), key=key,
                             issuer=ca_cert.subject, issuer_key=_load_key(ca), now=now, years=SITE_YEARS, ca=False)
    if row is not None:  # expired: the row keeps its place (one per site), with the new certificate
        row.subject, row.cert_pem = cert.subject.rfc4514_string()[:300], _pem(cert)
        row.key_sealed = seal(_key_pem(key), purpose=PURPOSE_SIGNING_KEY) or ""
        row.created_at, row.not_after = now, cert.not_valid_after_utc
        session.add(row)
        session.flush()
        return row
    return _store(session, site_id=site_id, cert=cert, key=key, now=now)


def _utc(moment: datetime) -> datetime:
    """A moment as naive UTC (databases give naive or aware datetimes back)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _asn1(pem: str) -> asn1_x509.Certificate:
    return next(iter(load_certs_from_pemder_data(pem.encode())))


def identity_for_site(*, session: Session, site_id: int, now: datetime) -> SigningIdentity:
    """Who signs a site's outputs: the configured certificate, else the site's demo certificate."""
    settings = get_settings()
    if settings.signing_cert_file and settings.signing_key_file:
        certs = list(load_certs_from_pemder_data(settings.signing_cert_file.read_bytes()))
        password = settings.signing_key_password.get_secret_value().encode() if settings.signing_key_password else None
        key = load_private_key_from_pemder_data(settings.signing_key_file.read_bytes(), passphrase=password)
        signer = signers.SimpleSigner(signing_cert=certs[0], signing_key=key,
                                      cert_registry=SimpleCertificateStore.from_certs(certs[1:]))
        pems = tuple(_asn1_pem(c) for c in certs)
        return SigningIdentity(signer=signer, certificate_pem=pems[0], chain_pems=pems[1:], demo=False)
    site = site_certificate(session=session, site_id=site_id, now=now)
    cas = _demo_cas(session)
    key_info = load_private_key_from_pemder_data(
        (unseal(site.key_sealed, purpose=PURPOSE_SIGNING_KEY) or "").encode(), passphrase=None)
    signer = signers.SimpleSigner(signing_cert=_asn1(site.cert_pem), signing_key=key_info,
                                  cert_registry=SimpleCertificateStore.from_certs([_asn1(ca) for ca in cas]))
    return SigningIdentity(signer=signer, certificate_pem=site.cert_pem, chain_pems=tuple(cas), demo=True)


def _demo_cas(session: Session) -> list[str]:
    """Every demo CA's certificate (one, unless two workers made one at the same first moment on SQLite)."""
    return list(session.exec(select(SigningCertificate.cert_pem).where(col(SigningCertificate.site_id).is_(None))
                             .order_by(col(SigningCertificate.id))).all())


def _asn1_pem(cert: asn1_x509.Certificate) -> str:
    return x509.load_der_x509_certificate(cert.dump()).public_bytes(serialization.Encoding.PEM).decode()


def trust_roots(*, session: Session, now: datetime) -> list[asn1_x509.Certificate]:
    """The certificates a validator of this deployment's outputs trusts (the demo CA in demo mode)."""
    settings = get_settings()
    if settings.signing_cert_file and settings.signing_key_file:
        return list(load_certs_from_pemder_data(settings.signing_cert_file.read_bytes()))[-1:]
    demo_ca(session=session, now=now)
    return [_asn1(pem) for pem in _demo_cas(session)]


def _run(coroutine):  # noqa: ANN001, ANN202 (pyHanko's coroutine and result)
    """Run pyHanko's coroutine to its end, also when called from a thread that runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


STAMP_WIDTH, STAMP_HEIGHT, STAMP_MARGIN = 250, 80, 20  # points: the visible stamp, bottom right of page 1


def _qr_stamp(url: str) -> TextStampStyle:
    """A visible signature: the QR code of ``url`` with the signer and the address beside it."""
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=4, border=1)
    qr.seek(0)
    left = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
                               margins=Margins(left=4, top=4, bottom=4))
    text = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
                               margins=Margins(left=STAMP_HEIGHT, right=4), inner_content_scaling=InnerScaling.SHRINK_TO_FIT)
    return TextStampStyle(stamp_text="Ditandatangani secara elektronik oleh\n%(signer)s\nPeriksa keaslian:\n%(url)s",
                          text_box_style=TextBoxStyle(font_size=7), background=PdfImage(Image.open(qr).convert("RGB")),
                          background_opacity=1, background_layout=left, inner_content_layout=text, border_width=1)


def _first_page_width(writer: IncrementalPdfFileWriter) -> float:
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    box = page.get("/MediaBox") or writer.root["/Pages"].get("/MediaBox") or [0, 0, 595, 842]
    return float(box[2]) - float(box[0])


def sign_pdf(pdf: bytes, *, identity: SigningIdentity, reason: str, location: str, qr_url: str | None = None) -> bytes:
    """The PDF with a PAdES B-B signature of ``identity`` appended (an incremental update).

    Args:
        qr_url: when given, the signature is visible on page 1 (bottom right) as a stamp with the
            QR code of this URL (an agency's own PDF carries no QR code of its own).

    Raises:
        ValidationError: ``output.bad_pdf`` when the PDF cannot be read or is encrypted.
    """
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if writer.security_handler is not None:
            raise ValidationError("pdf", "output.bad_pdf")
        meta = signers.PdfSignatureMetadata(field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES,
                                            md_algorithm="sha256", reason=reason[:200], location=location[:200])
        if qr_url:
            right = _first_page_width(writer) - STAMP_MARGIN
            spec = fields.SigFieldSpec(FIELD_NAME, on_page=0, box=(int(right - STAMP_WIDTH), STAMP_MARGIN, int(right),
                                                                 STAMP_MARGIN + STAMP_HEIGHT))
            pdf_signer = signers.PdfSigner(meta, signer=identity.signer, stamp_style=_qr_stamp(qr_url),
                                           new_field_spec=spec)
            out = _run(pdf_signer.async_sign_pdf(writer, appearance_text_params={"url": qr_url}))
        else:
            out = _run(signers.PdfSigner(meta, signer=identity.signer).async_sign_pdf(writer))
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ValidationError("pdf", "output.bad_pdf") from exc
    return out.getvalue()
