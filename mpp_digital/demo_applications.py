"""Demo online applications at MPP Sragen, made through the services (drafts, documents, submission, the
one transition), so that their timelines, deadlines, notices, access log and signed outputs are real.

The demo citizen (Sri Lestari) has one application in every state of the default workflow; a few more
Sragen citizens fill the back office's work list: Dukcapil's (the demo officer's agency) and, for the
site admin, other agencies of the site. Loaded once into an empty demo database (``demo.load_all``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from mpp_digital.models import Application, AssuranceLevel, IdentityAssurance, MppSite, Role, Service, User
from mpp_digital.services import accounts, assurance, documents
from mpp_digital.services.applications import drafts, lifecycle, worklist
from mpp_digital.services.applications.requirements import parse_items
from mpp_digital.services.authz import Principal, principal_for
from mpp_digital.services.hours import WIB

SITE = "sragen"

# Sragen citizens besides the demo citizen (NIKs of Sragen kecamatan, born as the NIK says).
NEIGHBOURS: tuple[tuple[str, str, str], ...] = (
    ("Agus Prasetyo", "3314021205880001", "agus.prasetyo@demo.mpp.go.id"),
    ("Dewi Kartika", "3314035608920002", "dewi.kartika@demo.mpp.go.id"),
    ("Joko Susilo", "3314040303790003", "joko.susilo@demo.mpp.go.id"),
    ("Rina Marlina", "3314054411950004", "rina.marlina@demo.mpp.go.id"),
    ("Bambang Riyadi", "3314061707830005", "bambang.riyadi@demo.mpp.go.id"),
    ("Siti Aminah", "3314076902900006", "siti.aminah@demo.mpp.go.id"),
    ("Eko Wahyudi", "3314082510870007", "eko.wahyudi@demo.mpp.go.id"),
    ("Lestari Handayani", "3314094101930008", "lestari.handayani@demo.mpp.go.id"),
)

# Realistic answers per service (each is checked by the service's own validation at submission).
ANSWERS: dict[str, dict[str, str]] = {
    "akta-kelahiran": {"nama_anak": "Bima Aditya Saputra", "tanggal_lahir": "{recent}", "tempat_lahir": "Sragen",
                       "jenis_kelamin": "L", "anak_ke": "1", "nik_ibu": "3314015507920011",
                       "nik_ayah": "3314010203900012"},
    "kartu-keluarga": {"alasan": "tambah_anggota", "keterangan": "Kelahiran anak kedua"},
    "akta-kematian": {"nik_almarhum": "3314011006450013", "nama_almarhum": "Sukiman", "tanggal_kematian": "{recent}",
                      "tempat_kematian": "RSUD dr. Soehadi Prijonegoro, Sragen", "hubungan_pelapor": "keluarga"},
    "kia": {"nik_anak": "3314010807210014", "nama_anak": "Nadia Putri"},
    "pindah-keluar": {"alamat_tujuan": "Jl. Slamet Riyadi 120, Laweyan, Surakarta", "kode_pos_tujuan": "57141",
                      "klasifikasi": "antar_kabupaten", "alasan": "pekerjaan"},
    "skck": {"keperluan": "melamar_kerja"},
    "nib": {"nama_usaha": "Keripik Tempe Bu Dewi", "alamat_usaha": "Dukuh Ngrampal RT 02/03, Sragen",
            "kbli": "10794", "skala_usaha": "mikro", "jumlah_tenaga_kerja": "3", "telepon": "081229876543"},
    "surat-keterangan-tidak-mampu": {"keperluan": "kesehatan", "penghasilan_bulanan": "900000",
                                     "rincian_keperluan": "Keringanan biaya rawat inap di RSUD Sragen"},
    "kartu-pencari-kerja": {"pendidikan": "sma", "jurusan": "IPA", "email_siapkerja": "pencari.kerja@demo.mpp.go.id"},
}


@dataclass(frozen=True)
class Plan:
    """One demo application: whose, which service, when submitted, and the steps taken since."""

    citizen: int  # index: 0 the demo citizen, then NEIGHBOURS
    service: str
    days_ago: int
    steps: tuple[str, ...] = ()  # workflow actions, in order: a day apart (within the day when recent)
    claim: bool = False


NOTES = {
    "kembalikan": "Scan KK kurang jelas pada bagian nomor; mohon unggah ulang dengan resolusi lebih tinggi.",
    "tolak": "Dokumen tidak sesuai ketentuan: nama pada dokumen berbeda dengan data yang diisikan.",
}

# Most services here are finished the same day (jangka waktu 0 working days): what is still open from
# an earlier day is overdue, as it would be at the counter.
PLANS: tuple[Plan, ...] = (
    # The demo citizen: one in every state.
    Plan(0, "akta-kelahiran", 0),
    Plan(0, "kartu-keluarga", 0, ("verifikasi",), claim=True),
    Plan(0, "kia", 1, ("verifikasi", "proses"), claim=True),
    Plan(0, "pindah-keluar", 1, ("kembalikan",)),
    Plan(0, "akta-kematian", 6, ("verifikasi", "proses", "selesaikan"), claim=True),
    Plan(0, "skck", 4, ("tolak",)),
    Plan(0, "surat-keterangan-tidak-mampu", 2, ("batalkan",)),
    Plan(0, "nib", 3, ("kembalikan", "perbaiki")),
    # Sragen's other citizens: Dukcapil's work list (due today, overdue, waiting, fresh) and other agencies.
    *(Plan(1 + i % len(NEIGHBOURS), service, days, steps, claim)
      for i, (service, days, steps, claim) in enumerate((
          ("akta-kelahiran", 0, (), False), ("akta-kelahiran", 0, (), False), ("kartu-keluarga", 0, (), False),
          ("kartu-keluarga", 0, ("verifikasi",), True), ("kia", 0, ("verifikasi", "proses"), True),
          ("akta-kematian", 3, ("verifikasi", "proses"), True), ("pindah-keluar", 1, ("verifikasi",), False),
          ("akta-kelahiran", 2, ("kembalikan",), False),
          ("kartu-keluarga", 9, ("verifikasi", "proses", "selesaikan"), True),
          ("akta-kematian", 6, ("tolak",), False), ("kia", 2, ("batalkan",), False), ("pindah-keluar", 0, (), False),
          ("akta-kelahiran", 11, ("verifikasi", "proses", "selesaikan"), True), ("kia", 0, (), False),
          ("nib", 0, (), False), ("nib", 2, ("verifikasi", "proses"), False), ("skck", 0, ("verifikasi",), False),
          ("surat-keterangan-tidak-mampu", 1, (), False), ("kartu-pencari-kerja", 0, (), False),
          ("kartu-pencari-kerja", 8, ("verifikasi", "proses", "selesaikan"), False),
          ("surat-keterangan-tidak-mampu", 5, ("verifikasi", "proses"), False), ("skck", 1, ("kembalikan",), False),
      ))),
)


def _pdf(title: str, holder: str) -> bytes:
    """A one-page PDF standing in for a scanned requirement document."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(title)
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(60, 760, title)
    pdf.setFont("Helvetica", 12)
    pdf.drawString(60, 730, f"Atas nama: {holder}")
    pdf.drawString(60, 710, "CONTOH DOKUMEN DEMO MPP DIGITAL - bukan dokumen resmi")
    pdf.rect(60, 420, 470, 260)
    pdf.save()
    return out.getvalue()


def _photo(holder: str) -> bytes:
    """A small PNG standing in for a pas foto."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (180, 30, 40))
    ImageDraw.Draw(image).text((20, 370), holder[:30], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _at(now: datetime, days_ago: float, hour_wib: int) -> datetime:
    """A moment ``days_ago`` days before ``now`` at ``hour_wib`` o'clock WIB on a weekday (never after ``now``)."""
    day = (now.astimezone(WIB) - timedelta(days=days_ago)).date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    moment = datetime(day.year, day.month, day.day, hour_wib, 0, tzinfo=WIB)
    return min(moment, now - timedelta(minutes=5))


def _sragen_id(session: Session) -> int | None:
    return session.exec(select(MppSite.id).where(MppSite.slug == "sragen")).first()


def _demo_officer_id(session: Session) -> int | None:
    return session.exec(select(User.id).where(User.email == "petugas.sragen@demo.mpp.go.id")).first()


def _citizens(session: Session, now: datetime) -> list[User]:
    demo = session.exec(select(User).where(User.email == "warga@demo.mpp.go.id")).first()
    people = [demo] if demo else []
    hashed = accounts.password_hasher.hash("Sukowati-Demo-2026")
    for name, nik, email in NEIGHBOURS:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(full_name=name, email=email, phone="+6281234500100", password_hash=hashed,
                        email_verified_at=now, created_at=now)
            accounts.set_nik(user, nik)
            session.add(user)
            session.flush()
            accounts.grant_role(session=session, user_id=user.id or 0, role=Role.CITIZEN, now=now)
        if not assurance.is_verified(session=session, user_id=user.id or 0):  # outputs go to verified holders only
            session.add(IdentityAssurance(user_id=user.id or 0, level=AssuranceLevel.VERIFIED, verified_at=now,
                                          verified_site_id=_sragen_id(session), verified_by=_demo_officer_id(session)))
        people.append(user)
    return people


def _answers(service_slug: str, submitted: datetime) -> dict[str, str]:
    recent = (submitted.astimezone(WIB).date() - timedelta(days=12)).isoformat()
    return {k: v.replace("{recent}", recent) for k, v in ANSWERS.get(service_slug, {}).items()}


def _apply(session: Session, citizen: User, service: Service, site: MppSite, at: datetime) -> Application:
    """Fill a draft (answers, every document item with a generated scan), then submit it."""
    draft = drafts.start_draft(session=session, citizen_id=citizen.id or 0, service_id=service.id or 0,
                               site_id=site.id, now=at)
    errors = drafts.save_draft(session=session, citizen_id=citizen.id or 0, draft_id=draft.id or 0,
                               answers=_answers(service.slug, at), step=2, now=at)
    if errors:
        raise ValueError(f"demo answers of {service.slug} refused: {errors}")
    for item in parse_items(service.requirement_items):
        if not item.is_document:
            continue
        pdf_ok = "application/pdf" in item.accept
        data = _pdf(item.label, citizen.full_name) if pdf_ok else _photo(citizen.full_name)
        stored = documents.store_document(session=session, owner_id=citizen.id or 0, kind=item.doc_kind or "lainnya",
                                          label=item.label, data=data, now=at)
        session.flush()
        drafts.attach_document(session=session, citizen_id=citizen.id or 0, draft_id=draft.id or 0,
                               item_key=item.key, document_id=stored.id or 0, now=at)
    return drafts.submit_draft(session=session, citizen_id=citizen.id or 0, draft_id=draft.id or 0, now=at)


def _officer_for(service: Service, officer: Principal, site_admin: Principal) -> Principal:
    """The demo officer for Dukcapil's services; the site admin (who acts for every agency) otherwise."""
    grant = next((g for g in officer.grants if g.role == Role.OFFICER), None)
    return officer if grant is not None and grant.agency_id in (None, service.agency_id) else site_admin


def load_demo_applications(session: Session, now: datetime) -> int:
    """The demo's applications (only into a database without any); returns how many were made."""
    if session.exec(select(func.count()).select_from(Application)).one():
        return 0
    site = session.exec(select(MppSite).where(MppSite.slug == SITE)).first()
    officer_user = session.exec(select(User).where(User.email == "petugas.sragen@demo.mpp.go.id")).first()
    admin_user = session.exec(select(User).where(User.email == "admin.sragen@demo.mpp.go.id")).first()
    if site is None or officer_user is None or admin_user is None:
        return 0
    officer = principal_for(session=session, user=officer_user, session_id=0)
    site_admin = principal_for(session=session, user=admin_user, session_id=0)
    services = {s.slug: s for s in session.exec(select(Service).where(
        Service.slug.in_({p.service for p in PLANS}))).all()}  # type: ignore[attr-defined]
    people = _citizens(session, now)
    made = 0
    for plan in PLANS:
        service = services.get(plan.service)
        if service is None or not service.requirement_items:
            continue
        citizen = people[plan.citizen]
        submitted = _at(now, plan.days_ago, 8 + made % 6)
        application = _apply(session, citizen, service, site, submitted)
        staff = _officer_for(service, officer, site_admin)
        owner = principal_for(session=session, user=citizen, session_id=0)
        moment = submitted
        if plan.claim:
            moment = min(moment + timedelta(hours=1), now - timedelta(minutes=2))
            worklist.claim(session=session, principal=staff, application_id=application.id or 0,
                           seen_version=application.version, now=moment)
            session.refresh(application)
        gap = timedelta(days=1, hours=1) if plan.days_ago > len(plan.steps) else timedelta(minutes=40)
        for step in plan.steps:
            moment = min(moment + gap, now - timedelta(minutes=1))
            who = owner if step in ("perbaiki", "batalkan") else staff
            cited = next((i.key for i in parse_items(service.requirement_items) if i.is_document), None)
            application = lifecycle.act(session=session, application_id=application.id or 0, principal=who,
                                        action=step, note=NOTES.get(step, ""), seen_version=application.version,
                                        now=moment, cited_item=cited if step == "tolak" else None)
        made += 1
    return made

