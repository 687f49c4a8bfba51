"""Reference and demo data: regions, MPP sites, agencies, services and one account per role.

Loading is idempotent: each part is loaded only while its table is empty, so the run
command can call it on every start.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

from mpp_digital.models import (
    Agency,
    AssuranceLevel,
    IdentityAssurance,
    MppSite,
    Region,
    Role,
    RoleAssignment,
    Service,
    ServiceDraft,
    SiteAgency,
    SiteService,
    SiteStatus,
    User,
)
from mpp_digital.services import sealing
from mpp_digital.services.accounts import grant_role, password_hasher, set_nik
from mpp_digital.services.catalog import bump_version, refresh_search_text

DATA = Path(__file__).resolve().parent / "data"
DEMO = Path(__file__).resolve().parent / "demo_data"

DEFAULT_HOURS: dict[str, list[list[str]]] = {
    "mon": [["08:00", "12:00"], ["13:00", "15:30"]],
    "tue": [["08:00", "12:00"], ["13:00", "15:30"]],
    "wed": [["08:00", "12:00"], ["13:00", "15:30"]],
    "thu": [["08:00", "12:00"], ["13:00", "15:30"]],
    "fri": [["08:00", "11:30"], ["13:00", "16:00"]],
    "sat": [["08:00", "12:00"]],
    "sun": [],
}

# Demo passwords exist only here, in demo data, and in the README's demo table.
DEMO_PASSWORD = "Sukowati-Demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    """One demo account per role."""

    email: str
    full_name: str
    role: Role
    nik: str | None = None
    site_slug: str | None = None
    regency_code: str | None = None
    totp_secret: str | None = None  # staff sign in with a second factor; the demo's secrets are public
    verified: bool = False  # identity verified at the MPP Sragen counter by the demo officer
    agency_slug: str | None = None  # an officer's agency at the site


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("warga@demo.mpp.go.id", "Sri Lestari", Role.CITIZEN, nik="3314014107900001", verified=True),
    DemoAccount("petugas.sragen@demo.mpp.go.id", "Budi Santoso", Role.OFFICER, site_slug="sragen",
                agency_slug="dukcapil", totp_secret="MPPDEMQPETUGASSRAGENTQTPAAAAAAAA"),
    DemoAccount("admin.sragen@demo.mpp.go.id", "Retno Wulandari", Role.SITE_ADMIN, site_slug="sragen",
                totp_secret="MPPDEMQADMINSRAGENTQTPAAAAAAAAAA"),
    DemoAccount("bupati.sragen@demo.mpp.go.id", "Kepala Daerah Sragen", Role.REGIONAL_HEAD,
                regency_code="33.14", totp_secret="MPPDEMQBUPATISRAGENTQTPAAAAAAAAA"),
    DemoAccount("kemenpanrb@demo.mpp.go.id", "Analis KemenPANRB", Role.MINISTRY,
                totp_secret="MPPDEMQKEMENPANRBTQTPAAAAAAAAAAA"),
    DemoAccount("superadmin@demo.mpp.go.id", "Superadmin MPP Digital", Role.SUPERADMIN,
                totp_secret="MPPDEMQSUPERADMINTQTPAAAAAAAAAAA"),
)


def demo_totp_code(email: str, now: datetime) -> str:
    """The current TOTP code of a demo staff account (``cli demo-totp``; the browser tests).

    Raises:
        KeyError: not a demo staff account.
    """
    import pyotp

    secrets = {a.email: a.totp_secret for a in DEMO_ACCOUNTS if a.totp_secret}
    return pyotp.TOTP(secrets[email.strip().lower()]).at(now)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def load_regions(session: Session) -> int:
    """Every province, kab/kota and kecamatan (38 / 514 / 7,285) from data/regions.csv."""
    if _count(session, Region):
        return 0
    rows = []
    with (DATA / "regions.csv").open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            code = rec["code"]
            rows.append({
                "code": code,
                "name": rec["name"],
                "level": int(rec["level"]),
                "parent_code": code.rsplit(".", 1)[0] if "." in code else None,
                "population": int(rec["population"]) if rec["population"] else None,
            })
    rows.sort(key=lambda r: r["level"])  # parents before children
    session.execute(insert(Region), rows)
    return len(rows)


def _json(name: str) -> list[dict]:
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


def load_catalog(session: Session) -> int:
    """Agencies, services with their standards, sites, and what each site offers."""
    if _count(session, Agency):
        return 0
    agencies: dict[str, Agency] = {}
    for rec in _json("agencies.json"):
        agency = Agency(slug=rec["slug"], name=rec["name"], short_name=rec["short_name"],
                        level=rec.get("level", "daerah"), ticket_letter=rec.get("letter", "A"))
        session.add(agency)
        agencies[agency.slug] = agency
    session.flush()
    services: list[tuple[Service, set[str]]] = []
    for rec in _json("services.json"):
        service = Service(
            slug=rec["slug"],
            agency_id=agencies[rec["agency"]].id or 0,
            name=rec["name"],
            aliases=rec.get("aliases", []),
            summary=rec.get("summary", ""),
            requirements=rec["requirements"],
            procedure=rec["procedure"],
            duration_days=int(rec["duration_days"]),
            fee_rupiah=int(rec["fee_rupiah"]),
            product=rec["product"],
            complaint_handling=rec["complaint_handling"],
            legal_basis=rec.get("legal_basis", []),
            life_events=rec.get("life_events", []),
            requirement_items=rec.get("requirement_items", []),
            workflow=rec.get("workflow", {}),
            fee_schedule=rec.get("fee_schedule", {}),
        )
        session.add(service)
        services.append((service, set(rec.get("channels", ["direct"]))))
    session.flush()
    for rec in _json("sites.json"):
        site = MppSite(
            slug=rec["slug"],
            name=rec["name"],
            regency_code=rec["regency_code"],
            address=rec["address"],
            opening_hours=rec.get("hours") or DEFAULT_HOURS,
            counters=int(rec.get("counters", 0)),
            status=SiteStatus(rec.get("status", "active")),
            launch_date=date.fromisoformat(rec["launch_date"]) if rec.get("launch_date") else None,
        )
        session.add(site)
        session.flush()
        present = [agencies[slug] for slug in rec["agencies"] if slug in agencies]
        per_agency = max(1, (site.counters or len(present)) // max(1, len(present)))
        for agency in present:
            session.add(SiteAgency(site_id=site.id or 0, agency_id=agency.id or 0, counters=per_agency))
        present_ids = {a.id for a in present}
        for service, channels in services:
            if service.agency_id in present_ids:
                session.add(SiteService(
                    site_id=site.id or 0,
                    service_id=service.id or 0,
                    direct="direct" in channels,
                    online="online" in channels,
                    mobile="mobile" in channels,
                ))
    return len(agencies)


def load_standards(session: Session) -> int:
    """Backfill the machine-readable standard (requirement items, workflow, fee schedule) into a catalog
    loaded before it existed: only where the service has none and was never published from the catalog
    editor, so an edited standard is kept. A service that gets its first requirement items is offered
    online where services.json says so."""
    edited = set(session.exec(select(ServiceDraft.service_id).where(ServiceDraft.status == "published")).all())
    filled = 0
    for rec in _json("services.json"):
        service = session.exec(select(Service).where(Service.slug == rec["slug"])).first()
        if service is None or service.id in edited:
            continue
        changed = False
        if rec.get("requirement_items") and not service.requirement_items:
            service.requirement_items = rec["requirement_items"]
            if "online" in rec.get("channels", []):
                for offer in session.exec(select(SiteService).where(SiteService.service_id == service.id)).all():
                    offer.online = True
                    session.add(offer)
            changed = True
        if rec.get("workflow") and not service.workflow:
            service.workflow, changed = rec["workflow"], True
        if rec.get("fee_schedule") and not service.fee_schedule:
            service.fee_schedule, service.fee_rupiah, changed = rec["fee_schedule"], int(rec["fee_rupiah"]), True
        if changed:
            session.add(service)
            filled += 1
    if filled:
        bump_version(session)
    return filled


def load_demo_accounts(session: Session, now: datetime) -> int:
    """One verified account per role, for trying the app (see the README)."""
    if _count(session, User):
        return 0
    sites = {s.slug: s for s in session.exec(select(MppSite)).all()}
    hashed = password_hasher.hash(DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        birth = sex = None
        if account.nik:
            day = int(account.nik[6:8])
            sex = "P" if day > 40 else "L"
            birth = date(1900 + int(account.nik[10:12]), int(account.nik[8:10]), day % 40)
        user = User(full_name=account.full_name, email=account.email,
                    phone="+6281234500000", birth_date=birth, sex=sex, password_hash=hashed,
                    email_verified_at=now, created_at=now, totp_enabled=account.totp_secret is not None,
                    totp_secret_sealed=sealing.seal(account.totp_secret, purpose=sealing.PURPOSE_TOTP))
        set_nik(user, account.nik)
        session.add(user)
        session.flush()
        session.add(RoleAssignment(user_id=user.id or 0, role=Role.CITIZEN, granted_at=now))
        if account.role != Role.CITIZEN:
            site = sites.get(account.site_slug or "")
            agency = session.exec(select(Agency).where(Agency.slug == account.agency_slug)).first() \
                if account.agency_slug else None
            grant_role(session=session, user_id=user.id or 0, role=account.role, now=now,
                       site_id=site.id if site else None, regency_code=account.regency_code,
                       agency_id=agency.id if agency else None)
    officer = session.exec(select(User).where(User.email == "petugas.sragen@demo.mpp.go.id")).one()
    for account in DEMO_ACCOUNTS:
        if account.verified:
            user = session.exec(select(User).where(User.email == account.email)).one()
            site = sites.get("sragen")
            session.add(IdentityAssurance(user_id=user.id or 0, level=AssuranceLevel.VERIFIED, verified_at=now,
                                          verified_site_id=site.id if site else None, verified_by=officer.id))
    return len(DEMO_ACCOUNTS)


def load_all(session: Session, now: datetime, *, demo_accounts: bool = True) -> dict[str, int]:
    """Load every part that is still empty; returns how many rows of each were added.
    ``demo_accounts=False`` (production) loads the reference data only."""
    added = {
        "regions": load_regions(session),
        "agencies": load_catalog(session),
        "standards": load_standards(session),
        "accounts": load_demo_accounts(session, now) if demo_accounts else 0,
    }
    session.flush()
    added["search_index"] = refresh_search_text(session)
    return added
