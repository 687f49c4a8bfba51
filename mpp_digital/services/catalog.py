"""The catalog: services with their published standard, where they are offered, and search."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from math import ceil
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import Session, col, select

from mpp_digital.models import Agency, CatalogVersion, MppSite, Region, Service, SiteAgency, SiteService
from mpp_digital.services.fees import FeeSummary, summary_of

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
    if count:
        bump_version(session)
    return count


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
    fee: FeeSummary  # numbers; words at the edge (fees.summary_text)
    duration_days: int
    channels: tuple[str, ...]


@dataclass
class SearchPage:
    """A page of results."""

    items: list[ServiceCard] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0


class _IndexedService(NamedTuple):
    id: int
    slug: str
    name: str
    sort_name: str  # normalised name, the alphabetical order
    search_text: str
    agency_id: int
    agency: str
    fee: FeeSummary
    duration_days: int
    life_events: frozenset[str]
    offers: tuple[tuple[int, str, bool, bool, bool], ...]  # (site_id, regency_code, direct, online, mobile)
    channels: tuple[str, ...]  # offered anywhere


@dataclass
class _CatalogIndex:
    version: int
    services: list[_IndexedService]


_INDEXES: dict[str, _CatalogIndex] = {}
_INDEX_LOCK = threading.Lock()


def catalog_version(session: Session) -> int:
    """The catalog's version; every change that search can see bumps it."""
    return session.exec(select(CatalogVersion.version).where(CatalogVersion.id == 1)).first() or 0


def bump_version(session: Session) -> None:
    """Mark the catalog changed, so every process rebuilds its search index on its next search."""
    result = session.execute(update(CatalogVersion).where(col(CatalogVersion.id) == 1)
                             .values(version=CatalogVersion.version + 1))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(CatalogVersion(id=1, version=1))
        session.flush()


def _build_index(session: Session, version: int) -> _CatalogIndex:
    offers: dict[int, list[tuple[int, str, bool, bool, bool]]] = {}
    for site_id, service_id, direct, online, mobile, regency in session.exec(
        select(SiteService.site_id, SiteService.service_id, SiteService.direct, SiteService.online,
               SiteService.mobile, MppSite.regency_code).join(MppSite, col(MppSite.id) == SiteService.site_id)
    ).all():
        offers.setdefault(service_id, []).append((site_id, regency, bool(direct), bool(online), bool(mobile)))
    services = []
    for row in session.exec(
        select(Service.id, Service.slug, Service.name, Service.search_text, Service.agency_id, Agency.short_name,
               Service.fee_rupiah, Service.duration_days, Service.life_events, Service.fee_schedule)
        .join(Agency, col(Agency.id) == Service.agency_id).where(Service.search_text != "")
    ).all():
        mine = tuple(offers.get(row[0], ()))
        channels = tuple(c for i, c in enumerate(CHANNELS) if any(o[2 + i] for o in mine))
        services.append(_IndexedService(
            id=row[0], slug=row[1], name=row[2], sort_name=row[3].split(" | ", 1)[0], search_text=row[3],
            agency_id=row[4], agency=row[5], fee=summary_of(fee_rupiah=row[6], fee_schedule=row[9] or {}),
            duration_days=row[7],
            life_events=frozenset(row[8] or ()), offers=mine, channels=channels,
        ))
    services.sort(key=lambda s: s.sort_name)
    return _CatalogIndex(version=version, services=services)


def _index(session: Session) -> _CatalogIndex:
    """This process's search index of the catalog, rebuilt when the catalog version moved."""
    key = str(session.get_bind().url)
    version = catalog_version(session)
    index = _INDEXES.get(key)
    if index is None or index.version != version:
        with _INDEX_LOCK:
            index = _INDEXES.get(key)
            if index is None or index.version != version:
                index = _INDEXES[key] = _build_index(session, version)
    return index


def _offered(service: _IndexedService, filters: SearchFilters) -> bool:
    """Whether the service is offered at the filtered place through the filtered channel."""
    channel = CHANNELS.index(filters.channel) if filters.channel in CHANNELS else None
    prefix = filters.province_code + "." if filters.province_code else None
    for site_id, regency, *flags in service.offers:
        if filters.site_id is not None and site_id != filters.site_id:
            continue
        if filters.regency_code and regency != filters.regency_code:
            continue
        if prefix and not regency.startswith(prefix):
            continue
        if channel is not None and not flags[channel]:
            continue
        return True
    return False


def _rank(service: _IndexedService, query: str, alternatives: list[tuple[str, ...]]) -> tuple:
    """Lower sorts first: exact name, exact alias, name starts with, words in name, rest."""
    name = service.sort_name
    if name == query:
        return (0, name)
    if query in service.search_text.split(" | ")[1:]:
        return (1, name)
    if name.startswith(query):
        return (2, name)
    in_name = sum(any(alt in name for alt in alts) for alts in alternatives)
    return (3, -in_name, len(name), name)


def search_services(
    *, session: Session, query: str = "", filters: SearchFilters | None = None, page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchPage:
    """Search the published catalog the way the /layanan page does.

    Every query token must match the service's name, aliases, product or agency, or one of
    the token's short-name expansions (KTP → KTP-el, KK → Kartu Keluarga, ...), ignoring case
    and accents. An exact name match ranks first, then an exact alias, then names that start
    with the query; without words, results are alphabetical.

    It reads a per-process index of the catalog (a few MB for 5,000 services), checked against
    the catalog version on every call and rebuilt after any change (``bump_version``).
    """
    filters = filters or SearchFilters()
    norm_query = normalise(query)
    alternatives = query_alternatives(query)
    place_or_channel = bool(filters.site_id is not None or filters.regency_code or filters.province_code
                            or filters.channel in CHANNELS)
    matches = []
    for service in _index(session).services:
        if filters.agency_id is not None and service.agency_id != filters.agency_id:
            continue
        if filters.fee == "free" and service.fee.kind != "free":
            continue
        if filters.fee == "paid" and service.fee.kind == "free":
            continue
        if filters.life_event and filters.life_event not in service.life_events:
            continue
        if not all(any(alt in service.search_text for alt in alts) for alts in alternatives):
            continue
        if place_or_channel and not _offered(service, filters):
            continue
        matches.append(service)
    if norm_query:
        matches.sort(key=lambda s: _rank(s, norm_query, alternatives))
    total = len(matches)
    pages = ceil(total / per_page) if total else 0
    page = min(max(1, page), max(1, pages))
    items = [
        ServiceCard(id=s.id, slug=s.slug, name=s.name, agency=s.agency, fee=s.fee,
                    duration_days=s.duration_days, channels=s.channels)
        for s in matches[(page - 1) * per_page: page * per_page]
    ]
    return SearchPage(items=items, total=total, page=page, pages=pages)


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class SiteOffer:
    """One site that offers a service, with the channels there."""

    slug: str
    name: str
    regency: str
    channels: tuple[str, ...]
    regency_code: str = ""  # regional tariffs (services/fees)


def get_service(*, session: Session, slug: str) -> tuple[Service, Agency] | None:
    """A published service and its agency, or None for an unknown slug."""
    row = session.exec(
        select(Service, Agency).join(Agency, col(Agency.id) == Service.agency_id).where(Service.slug == slug)
    ).first()
    return (row[0], row[1]) if row else None


def sites_offering(*, session: Session, service_id: int) -> list[SiteOffer]:
    """The sites that offer a service, by province and regency name."""
    rows = session.exec(
        select(MppSite.slug, MppSite.name, Region.name, SiteService.direct, SiteService.online, SiteService.mobile,
               MppSite.regency_code)
        .join(SiteService, col(SiteService.site_id) == MppSite.id)
        .join(Region, col(Region.code) == MppSite.regency_code)
        .where(SiteService.service_id == service_id)
        .order_by(MppSite.regency_code)
    ).all()
    return [
        SiteOffer(slug=r[0], name=r[1], regency=r[2],
                  channels=tuple(c for c, on in zip(CHANNELS, r[3:6], strict=True) if on), regency_code=r[6])
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
