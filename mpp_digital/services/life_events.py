"""Life events (peristiwa hidup): ordered checklists of services, each step saying what it
produces that a later step needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from mpp_digital.models import Agency, Service
from mpp_digital.services.fees import FeeSummary, summary_of


@dataclass(frozen=True)
class Step:
    """One service in a life event, in order."""

    service_slug: str
    produces: str  # what this step gives the citizen
    needs: str = ""  # what it needs from an earlier step (empty: nothing)


@dataclass(frozen=True)
class LifeEvent:
    """A moment in life and the services it calls for, in order.

    Its title and summary are the messages ``life.<slug>.title`` and ``life.<slug>.summary``.
    """

    slug: str
    steps: tuple[Step, ...]


LIFE_EVENTS: tuple[LifeEvent, ...] = (
    LifeEvent(
        "kelahiran",
        (
            Step("akta-kelahiran", "Akta kelahiran (NIK anak tercatat)",
                 "Surat keterangan lahir dari bidan/rumah sakit dan KK orang tua"),
            Step("kartu-keluarga", "Kartu Keluarga baru yang memuat anak", "Akta kelahiran"),
            Step("kia", "Kartu Identitas Anak (KIA)", "Akta kelahiran dan KK baru"),
            Step("pendaftaran-bpjs-kesehatan", "Kepesertaan JKN anak", "KK baru dengan NIK anak"),
        ),
    ),
    LifeEvent(
        "pernikahan",
        (
            Step("pendaftaran-nikah", "Buku nikah (bagi yang beragama Islam, dari KUA)",
                 "KTP-el dan KK kedua calon mempelai"),
            Step("akta-perkawinan", "Akta perkawinan (bagi selain Islam, dari Disdukcapil)",
                 "Surat perkawinan dari pemuka agama"),
            Step("kartu-keluarga", "Kartu Keluarga baru sebagai pasangan", "Buku nikah atau akta perkawinan"),
            Step("perubahan-data-bpjs-kesehatan", "Data JKN keluarga yang diperbarui", "KK baru"),
        ),
    ),
    LifeEvent(
        "pindah-domisili",
        (
            Step("pindah-keluar", "Surat Keterangan Pindah (SKPWNI)", "KK dan KTP-el di daerah asal"),
            Step("pindah-datang", "KK dan KTP-el dengan alamat baru", "Surat Keterangan Pindah"),
            Step("mutasi-kendaraan-keluar", "Berkas mutasi kendaraan", "KTP-el dengan alamat baru"),
            Step("perubahan-data-bpjs-kesehatan", "Faskes JKN di domisili baru", "KK dengan alamat baru"),
            Step("sambungan-air-baru", "Sambungan air minum di rumah baru", "KTP-el dengan alamat baru"),
        ),
    ),
    LifeEvent(
        "kematian",
        (
            Step("akta-kematian", "Akta kematian", "Surat keterangan kematian dari RS/kelurahan, KK dan KTP-el almarhum"),
            Step("kartu-keluarga", "Kartu Keluarga yang diperbarui", "Akta kematian"),
            Step("klaim-jkm", "Jaminan Kematian BPJS Ketenagakerjaan", "Akta kematian dan KK baru"),
            Step("pensiun-janda-duda", "Pensiun janda/duda (Taspen)", "Akta kematian dan buku nikah"),
            Step("mutasi-pbb", "Objek PBB atas nama ahli waris", "Akta kematian dan surat keterangan waris"),
        ),
    ),
    LifeEvent(
        "memulai-usaha",
        (
            Step("npwp", "NPWP (atau NIK sebagai NPWP)", "KTP-el"),
            Step("nib", "Nomor Induk Berusaha (NIB) melalui OSS", "KTP-el dan NPWP"),
            Step("pirt", "SPP-IRT untuk pangan olahan rumah tangga", "NIB"),
            Step("sertifikat-halal-self-declare", "Sertifikat halal", "NIB"),
            Step("pbg", "Persetujuan Bangunan Gedung (bila membangun tempat usaha)", "NIB dan KKPR"),
        ),
    ),
)


def life_event(slug: str) -> LifeEvent | None:
    """A life event by slug."""
    return next((e for e in LIFE_EVENTS if e.slug == slug), None)


@dataclass(frozen=True)
class ChecklistItem:
    """A step with the service's current facts from the catalog."""

    order: int
    service_slug: str
    service_name: str
    agency: str
    fee: FeeSummary
    duration_days: int
    produces: str
    needs: str


def checklist(*, session: Session, event: LifeEvent) -> list[ChecklistItem]:
    """The steps of a life event with name, agency, fee and time from the catalog."""
    slugs = [s.service_slug for s in event.steps]
    rows = session.exec(
        select(Service.slug, Service.name, Agency.short_name, Service.fee_rupiah, Service.duration_days,
               Service.fee_schedule)
        .join(Agency, col(Agency.id) == Service.agency_id)
        .where(col(Service.slug).in_(slugs))
    ).all()
    facts = {r[0]: r for r in rows}
    items = []
    for order, step in enumerate(event.steps, start=1):
        row = facts.get(step.service_slug)
        if row is None:
            continue
        items.append(ChecklistItem(order=order, service_slug=step.service_slug, service_name=row[1], agency=row[2],
                                   fee=summary_of(fee_rupiah=row[3], fee_schedule=row[5] or {}),
                                   duration_days=row[4], produces=step.produces, needs=step.needs))
    return items
