"""The catalog: services with their published standard, where they are offered, and search."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from math import ceil

from sqlalchemy import Integer, and_, cast, exists, func, or_
from sqlmodel import Session, col, select

from mpp_digital.models import Agency, MppSite, Region, Service, SiteAgency, SiteService

PER_PAGE = 20

# What people type → what the catalog calls it. Both sides are normalised text; a query
# token matches the token itself or any of its expansions.
SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "ktp": ("ktp el", "ktp elektronik", "e ktp", "kartu tanda penduduk"),
    "ektp": ("ktp el", "ktp"),
    "kk": ("kartu keluarga",),
    "kia": ("kartu identitas anak",),
    "sim": ("surat izin mengemudi",),
    "skck": ("surat keterangan catatan kepolisian",),
    "nib": ("nomor induk berusaha",),
    "bpjs": ("bpjs kesehatan", "bpjs ketenagakerjaan", "jaminan kesehatan"),
    "npwp": ("nomor pokok wajib pajak",),
    "imb": ("pbg", "persetujuan bangunan gedung"),
    "pbg": ("persetujuan bangunan gedung", "imb"),
    "stnk": ("pajak kendaraan", "stnk"),
    "pkb": ("pajak kendaraan",),
    "akte": ("akta",),
    "akta": ("akte",),
    "pasport": ("paspor",),
    "passport": ("paspor",),
    "nikah": ("perkawinan", "nikah"),
    "kawin": ("perkawinan", "nikah"),
    "cerai": ("perceraian", "cerai"),
    "lahir": ("kelahiran", "lahir"),
    "mati": ("kematian", "meninggal"),
    "meninggal": ("kematian",),
    "pindah": ("pindah", "mutasi"),
    "sertipikat": ("sertifikat",),
    "ijin": ("izin",),
}

CHANNELS = ("direct", "online", "mobile")
LIFE_EVENTS = ("kelahiran", "pernikahan", "pindah-domisili", "kematian", "memulai-usaha")


def normalise(text: str) -> str:
    """Lower case, no accents, letters and digits only, single spaces: "Akta Kelahiran (é)" → "akta kelahiran e"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_text.lower()).split())


def search_text_for(service: Service, agency: Agency | None) -> str:
    """What the search matches a service against: name, aliases, product, agency names."""
    parts = [service.name, *service.aliases, service.product]
    if agency is not None:
        parts += [agency.name, agency.short_name]
    return " | ".join(normalise(p) for p in parts if p)[:2000]


def refresh_search_text(session: Session, *, only_missing: bool = True) -> int:
    """Fill ``Service.search_text`` (after seeding, publishing, or a migration)."""
    query = select(Service, Agency).join(Agency, col(Agency.id) == Service.agency_id)
    if only_missing:
        query = query.where(Service.search_text == "")
    count = 0
    for service, agency in session.exec(query).all():
        service.search_text = search_text_for(service, agency)
        session.add(service)
        count += 1
    return count


def format_rupiah(amount: int) -> str:
    """Rupiah in id-ID form: 50000 → "Rp 50.000"; 0 → "Gratis"."""
    if amount == 0:
        return "Gratis"
    return "Rp " + f"{amount:,}".replace(",", ".")


def query_alternatives(query: str) -> list[tuple[str, ...]]:
    """Each query token with what it may also be written as (all normalised)."""
    alternatives = []
    for token in normalise(query).split():
        alternatives.append((token, *SHORT_NAMES.get(token, ())))
    return alternatives


@dataclass(frozen=True)
class SearchFilters:
    """The catalog's filters; None means "any"."""

    agency_id: int | None = None
    province_code: str | None = None
    regency_code: str | None = None
    site_id: int | None = None
    channel: str | None = None  # direct / online / mobile
    fee: str | None = None  # "free" / "paid"
    life_event: str | None = None


@dataclass(frozen=True)
class ServiceCard:
    """One search result."""

    id: int
    slug: str
    name: str
    agency: str
    fee: str
    duration_days: int
    channels: tuple[str, ...]


@dataclass
class SearchPage:
    """A page of results."""

    items: list[ServiceCard] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0


def _offering_condition(filters: SearchFilters):
    """SiteService rows of the service at the filtered place/channel (None when unfiltered)."""
    conditions = [SiteService.service_id == Service.id]
    if filters.site_id is not None:
        conditions.append(SiteService.site_id == filters.site_id)
    if filters.regency_code or filters.province_code:
        site_query = select(MppSite.id)
        if filters.regency_code:
            site_query = site_query.where(MppSite.regency_code == filters.regency_code)
        if filters.province_code:
            site_query = site_query.where(col(MppSite.regency_code).startswith(filters.province_code + "."))
        conditions.append(col(SiteService.site_id).in_(site_query))
    if filters.channel in CHANNELS:
        conditions.append(getattr(SiteService, filters.channel).is_(True))
    if len(conditions) == 1:
        return None
    return exists().where(and_(*conditions))


def _rank(name: str, aliases_text: str, query: str, alternatives: list[tuple[str, ...]]) -> tuple:
    """Lower sorts first: exact name, exact alias, name starts with, words in name, rest."""
    norm_name = normalise(name)
    alias_set = {a.strip() for a in aliases_text.split("|")}
    if not query:
        return (4, norm_name)
    if norm_name == query:
        return (0, norm_name)
    if query in alias_set:
        return (1, norm_name)
    if norm_name.startswith(query):
        return (2, norm_name)
    in_name = sum(any(alt in norm_name for alt in alts) for alts in alternatives)
    return (3, -in_name, len(norm_name), norm_name)


def search_services(
    *, session: Session, query: str = "", filters: SearchFilters | None = None, page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchPage:
    """Search the published catalog the way the /layanan page does.

    Every query token must match the service's name, aliases, product or agency, or one of
    the token's short-name expansions (KTP → KTP-el, KK → Kartu Keluarga, ...), ignoring case
    and accents. An exact name match ranks first, then an exact alias, then names that start
    with the query.
    """
    filters = filters or SearchFilters()
    norm_query = normalise(query)
    alternatives = query_alternatives(query)
    stmt = select(Service.id, Service.name, Service.search_text).where(Service.search_text != "")
    for alts in alternatives:
        stmt = stmt.where(or_(*[col(Service.search_text).contains(alt) for alt in alts]))
    if filters.agency_id is not None:
        stmt = stmt.where(Service.agency_id == filters.agency_id)
    if filters.fee == "free":
        stmt = stmt.where(Service.fee_rupiah == 0)
    elif filters.fee == "paid":
        stmt = stmt.where(Service.fee_rupiah > 0)
    offering = _offering_condition(filters)
    if offering is not None:
        stmt = stmt.where(offering)
    rows = session.exec(stmt).all()
    if filters.life_event:
        ids = {sid for sid, events in session.exec(select(Service.id, Service.life_events)).all()
               if filters.life_event in (events or [])}
        rows = [r for r in rows if r[0] in ids]
    # search_text starts with the name, then " | " aliases...: rank on those parts.
    ranked = sorted(rows, key=lambda r: _rank(r[1], r[2], norm_query, alternatives))
    total = len(ranked)
    pages = ceil(total / per_page) if total else 0
    page = min(max(1, page), max(1, pages))
    chosen = [r[0] for r in ranked[(page - 1) * per_page: page * per_page]]
    return SearchPage(items=service_cards(session=session, service_ids=chosen), total=total, page=page, pages=pages)


def service_cards(*, session: Session, service_ids: list[int]) -> list[ServiceCard]:
    """Cards for these services, in the given order, with the channels offered anywhere."""
    if not service_ids:
        return []
    rows = session.exec(
        select(Service.id, Service.slug, Service.name, Agency.short_name, Service.fee_rupiah, Service.duration_days)
        .join(Agency, col(Agency.id) == Service.agency_id)
        .where(col(Service.id).in_(service_ids))
    ).all()
    channel_rows = session.exec(
        select(SiteService.service_id, func.max(cast(SiteService.direct, Integer)),
               func.max(cast(SiteService.online, Integer)), func.max(cast(SiteService.mobile, Integer)))
        .where(col(SiteService.service_id).in_(service_ids))
        .group_by(SiteService.service_id)
    ).all()
    channels = {
        sid: tuple(c for c, on in zip(CHANNELS, (d, o, m), strict=True) if on) for sid, d, o, m in channel_rows
    }
    by_id = {
        r[0]: ServiceCard(id=r[0], slug=r[1], name=r[2], agency=r[3], fee=format_rupiah(r[4]), duration_days=r[5],
                          channels=channels.get(r[0], ()))
        for r in rows
    }
    return [by_id[i] for i in service_ids if i in by_id]


def suggestion_for(query: str) -> str:
    """What to tell people when nothing matched: drop filters or use fewer words."""
    words = normalise(query).split()
    return " ".join(words[:1]) if len(words) > 1 else ""


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class SiteOffer:
    """One site that offers a service, with the channels there."""

    slug: str
    name: str
    regency: str
    channels: tuple[str, ...]


def get_service(*, session: Session, slug: str) -> tuple[Service, Agency] | None:
    """A published service and its agency, or None for an unknown slug."""
    row = session.exec(
        select(Service, Agency).join(Agency, col(Agency.id) == Service.agency_id).where(Service.slug == slug)
    ).first()
    return (row[0], row[1]) if row else None


def sites_offering(*, session: Session, service_id: int) -> list[SiteOffer]:
    """The sites that offer a service, by province and regency name."""
    rows = session.exec(
        select(MppSite.slug, MppSite.name, Region.name, SiteService.direct, SiteService.online, SiteService.mobile)
        .join(SiteService, col(SiteService.site_id) == MppSite.id)
        .join(Region, col(Region.code) == MppSite.regency_code)
        .where(SiteService.service_id == service_id)
        .order_by(MppSite.regency_code)
    ).all()
    return [
        SiteOffer(slug=r[0], name=r[1], regency=r[2],
                  channels=tuple(c for c, on in zip(CHANNELS, r[3:], strict=True) if on))
        for r in rows
    ]


def agencies(*, session: Session) -> list[Agency]:
    """Every agency, by name."""
    return list(session.exec(select(Agency).order_by(Agency.name)).all())


def provinces_with_sites(*, session: Session) -> list[Region]:
    """Provinces that have at least one MPP site."""
    codes = {c.split(".")[0] for c in session.exec(select(MppSite.regency_code)).all()}
    return list(session.exec(select(Region).where(col(Region.code).in_(codes)).order_by(Region.name)).all())


# --------------------------------------------------------------------------- MPP directory


@dataclass(frozen=True)
class SiteListing:
    """One MPP in the directory."""

    slug: str
    name: str
    address: str
    regency_code: str
    regency: str
    province: str
    status: str


def site_directory(*, session: Session, query: str = "", province_code: str | None = None) -> list[SiteListing]:
    """Every MPP, by province then regency name; filtered by words and/or province."""
    province = Region.__table__.alias("province")
    rows = session.exec(
        select(MppSite.slug, MppSite.name, MppSite.address, MppSite.regency_code, Region.name, province.c.name,
               MppSite.status)
        .join(Region, col(Region.code) == MppSite.regency_code)
        .join(province, province.c.code == Region.parent_code)
        .order_by(province.c.name, Region.name)
    ).all()
    listings = [SiteListing(*r[:6], status=str(r[6])) for r in rows]
    if province_code:
        listings = [s for s in listings if s.regency_code.startswith(province_code + ".")]
    words = normalise(query).split()
    if words:
        listings = [
            s for s in listings
            if all(w in normalise(f"{s.name} {s.address} {s.regency} {s.province}") for w in words)
        ]
    return listings


@dataclass(frozen=True)
class AgencyPresence:
    """An agency at a site, with its counters there."""

    slug: str
    name: str
    short_name: str
    counters: int


def site_agencies(*, session: Session, site_id: int) -> list[AgencyPresence]:
    """Agencies present at a site, by name."""
    rows = session.exec(
        select(Agency.slug, Agency.name, Agency.short_name, SiteAgency.counters)
        .join(SiteAgency, col(SiteAgency.agency_id) == Agency.id)
        .where(SiteAgency.site_id == site_id)
        .order_by(Agency.name)
    ).all()
    return [AgencyPresence(*r) for r in rows]


def site_services(*, session: Session, site_id: int) -> list[tuple[Service, SiteService]]:
    """The services a site offers with their channels there, by name."""
    return [
        (s, ss) for s, ss in session.exec(
            select(Service, SiteService).join(SiteService, col(SiteService.service_id) == Service.id)
            .where(SiteService.site_id == site_id).order_by(Service.name)
        ).all()
    ]


def get_site(*, session: Session, slug: str) -> tuple[MppSite, Region, Region] | None:
    """A site with its regency and province, or None for an unknown slug."""
    site = session.exec(select(MppSite).where(MppSite.slug == slug)).first()
    if site is None:
        return None
    regency = session.get(Region, site.regency_code)
    province = session.get(Region, regency.parent_code) if regency and regency.parent_code else None
    if regency is None or province is None:
        return None
    return site, regency, province


def site_options(*, session: Session, province_code: str | None = None) -> list[tuple[int, str]]:
    """(id, name) of the sites, optionally of one province, by name."""
    query = select(MppSite.id, MppSite.name).order_by(MppSite.name)
    if province_code:
        query = query.where(col(MppSite.regency_code).startswith(province_code + "."))
    return [(r[0], r[1]) for r in session.exec(query).all()]
