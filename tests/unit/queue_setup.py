"""A small MPP of its own for the queue tests: known hours, counters and services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from mpp_digital.models import (
    Agency,
    MppSite,
    QueuePolicy,
    Role,
    Service,
    SiteAgency,
    SiteService,
    User,
)
from mpp_digital.services.authz import Grant, Principal

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = date(2026, 11, 30)
HOURS = {
    "mon": [["08:00", "12:00"], ["13:00", "15:00"]],
    "tue": [["08:00", "12:00"], ["13:00", "15:00"]],
    "wed": [["08:00", "12:00"], ["13:00", "15:00"]],
    "thu": [["08:00", "12:00"], ["13:00", "15:00"]],
    "fri": [["08:00", "11:00"], ["13:00", "15:00"]],
    "sat": [["08:00", "12:00"]],
    "sun": [],
}


def at(day: date, hhmm: str, zone: ZoneInfo = WIB) -> datetime:
    """A local wall-clock time at the site, as the UTC instant services take as ``now``."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone).astimezone(UTC)


@dataclass
class QueueWorld:
    """The test site, its agency (2 counters), an online and a walk-in-only service, people."""

    site: MppSite
    other_site: MppSite
    agency: Agency
    other_agency: Agency
    online: Service
    direct_only: Service
    other_agency_service: Service
    citizens: list[User]
    officer: Principal
    other_site_officer: Principal
    other_agency_officer: Principal


def _user(session: Session, label: str, verified: bool = True) -> User:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    user = User(full_name=f"Warga {label}", email=f"{label}-{uuid.uuid4().hex[:8]}@queue.test",
                password_hash="x", email_verified_at=now if verified else None, created_at=now)
    session.add(user)
    session.flush()
    return user


def _service(session: Session, agency: Agency, name: str) -> Service:
    service = Service(slug=f"uji-{uuid.uuid4().hex[:10]}", agency_id=agency.id or 0, name=name, duration_days=0,
                      fee_rupiah=0, product="Dokumen", complaint_handling="Meja pengaduan")
    session.add(service)
    session.flush()
    return service


def make_world(session: Session, *, citizens: int = 5, counters: int = 2, regency: str = "33.14",
               hours: dict | None = None) -> QueueWorld:
    """Create the world inside the test's transaction (rolled back afterwards)."""
    tag = uuid.uuid4().hex[:8]
    agency = Agency(slug=f"uji-{tag}", name="Dinas Uji", short_name="Uji", ticket_letter="U")
    other_agency = Agency(slug=f"lain-{tag}", name="Dinas Lain", short_name="Lain", ticket_letter="L")
    site = MppSite(slug=f"uji-{tag}", name="MPP Uji", regency_code=regency, address="Jl. Uji 1",
                   opening_hours=hours or HOURS, counters=4)
    other_site = MppSite(slug=f"lain-{tag}", name="MPP Lain", regency_code="33.02", address="Jl. Lain 2",
                         opening_hours=HOURS, counters=2)
    session.add_all([agency, other_agency, site, other_site])
    session.flush()
    online = _service(session, agency, "Kartu Keluarga Uji")
    direct_only = _service(session, agency, "KTP-el Uji")
    other_service = _service(session, other_agency, "Layanan Lain")
    for s in (site, other_site):
        session.add(SiteAgency(site_id=s.id or 0, agency_id=agency.id or 0, counters=counters))
        session.add(SiteAgency(site_id=s.id or 0, agency_id=other_agency.id or 0, counters=1))
        session.add(SiteService(site_id=s.id or 0, service_id=online.id or 0, direct=True, online=True))
        session.add(SiteService(site_id=s.id or 0, service_id=direct_only.id or 0, direct=True, online=False))
        session.add(SiteService(site_id=s.id or 0, service_id=other_service.id or 0, direct=True, online=True))
    people = [_user(session, f"c{i}") for i in range(citizens)]
    staff = [_user(session, f"officer{i}") for i in range(3)]
    session.flush()

    def officer(user: User, site_id: int, agency_id: int | None = None) -> Principal:
        return Principal(user_id=user.id or 0, session_id=0, full_name=user.full_name, email=user.email,
                         email_verified=True, grants=(Grant(Role.OFFICER, site_id=site_id, agency_id=agency_id),))

    return QueueWorld(site, other_site, agency, other_agency, online, direct_only, other_service, people,
                      officer(staff[0], site.id or 0), officer(staff[1], other_site.id or 0),
                      officer(staff[2], site.id or 0, other_agency.id))


def set_policy(session: Session, site: MppSite, **values) -> QueuePolicy:
    """Give the site its own queue policy."""
    row = QueuePolicy(site_id=site.id or 0, **values)
    session.add(row)
    session.flush()
    return row
