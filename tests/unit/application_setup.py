"""A world for the online-application tests: the queue tests' MPP with a service that has an online form;
and a bare application row for the document and output tests."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from mpp_digital.clock import utcnow
from mpp_digital.models import (
    Application,
    AssuranceLevel,
    IdentityAssurance,
    Role,
    Service,
    StoredDocument,
    User,
)
from mpp_digital.services import accounts, documents
from mpp_digital.services.applications import drafts
from mpp_digital.services.authz import Grant, Principal
from tests.unit.queue_setup import QueueWorld, make_world

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
CITIZEN_NIK = "3314014107900001"  # Kalijambe, Sragen (33.14)
FATHER_NIK = "3314010101850003"

ITEMS = [
    {"key": "nama_anak", "type": "text", "label": "Nama anak", "label_en": "Child's name", "max_length": 60},
    {"key": "nik_ayah", "type": "nik", "label": "NIK ayah", "label_en": "Father's NIK"},
    {"key": "tanggal_lahir", "type": "date", "label": "Tanggal lahir", "not_future": True},
    {"key": "ktp_ayah", "type": "document", "doc_kind": "ktp_el", "label": "KTP-el ayah", "wallet": True},
    {"key": "surat_lahir", "type": "document", "doc_kind": "surat_keterangan", "label": "Surat keterangan lahir",
     "wallet": False},
    {"key": "pas_foto", "type": "document", "doc_kind": "pas_foto", "label": "Pas foto", "required": False,
     "accept": ["image/jpeg", "image/png"]},
]
GOOD_ANSWERS = {"nama_anak": "Bima Saputra", "nik_ayah": FATHER_NIK, "tanggal_lahir": "2026-11-20"}


@dataclass
class AppWorld:
    """The queue world, its online service with items, the citizen (with a NIK) and staff principals."""

    q: QueueWorld
    service: Service
    citizen: User
    other_citizen: User
    me: Principal
    other: Principal
    officer: Principal  # the site, every agency
    agency_officer: Principal  # the site, the service's agency
    other_site_officer: Principal
    other_agency_officer: Principal
    site_admin: Principal


def citizen_principal(user: User) -> Principal:
    """A verified citizen."""
    return Principal(user_id=user.id or 0, session_id=0, full_name=user.full_name, email=user.email,
                     email_verified=True, grants=(Grant(Role.CITIZEN),))


def _staff(session: Session, label: str, *grants: Grant) -> Principal:
    user = User(full_name=f"Petugas {label}", email=f"{label}-{uuid.uuid4().hex[:8]}@apps.test", password_hash="x",
                created_at=datetime(2026, 11, 1).astimezone())
    session.add(user)
    session.flush()
    return Principal(user_id=user.id or 0, session_id=0, full_name=user.full_name, email=user.email,
                     email_verified=True, grants=grants)


def make_app_world(session: Session, *, duration_days: int = 5) -> AppWorld:
    """Create it inside the test's transaction (rolled back afterwards)."""
    q = make_world(session, citizens=2)
    service = q.online
    service.requirement_items = ITEMS
    service.duration_days = duration_days
    service.fee_rupiah = 0
    session.add(service)
    citizen, other = q.citizens
    accounts.set_nik(citizen, CITIZEN_NIK[:12] + f"{secrets.randbelow(9999) + 1:04d}")  # unique per world
    session.add(citizen)
    session.flush()
    site_id, agency_id = q.site.id or 0, q.agency.id or 0
    # the citizen was verified at the world's counter (outputs go to verified holders); the other is self-declared
    session.add(IdentityAssurance(user_id=citizen.id or 0, level=AssuranceLevel.VERIFIED, verified_at=utcnow(),
                                  verified_site_id=site_id, verified_by=q.officer.user_id))
    return AppWorld(
        q=q, service=service, citizen=citizen, other_citizen=other,
        me=citizen_principal(citizen), other=citizen_principal(other), officer=q.officer,
        agency_officer=_staff(session, "dukcapil", Grant(Role.OFFICER, site_id=site_id, agency_id=agency_id)),
        other_site_officer=q.other_site_officer, other_agency_officer=q.other_agency_officer,
        site_admin=_staff(session, "admin", Grant(Role.SITE_ADMIN, site_id=site_id)))


def upload(session: Session, owner: User, now: datetime, label: str = "scan") -> StoredDocument:
    """A stored PDF of ``owner``."""
    row = documents.store_document(session=session, owner_id=owner.id or 0, kind="lainnya", label=label,
                                   data=MINIMAL_PDF + uuid.uuid4().hex.encode(), now=now)
    session.flush()
    return row


def ready_draft(session: Session, world: AppWorld, now: datetime):
    """A complete draft of the citizen at the world's site: answers and both required documents."""
    me = world.citizen.id or 0
    draft = drafts.start_draft(session=session, citizen_id=me, service_id=world.service.id or 0,
                               site_id=world.q.site.id, now=now)
    assert drafts.save_draft(session=session, citizen_id=me, draft_id=draft.id or 0, answers=GOOD_ANSWERS, step=2,
                             now=now) == {}
    for key in ("ktp_ayah", "surat_lahir"):
        drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id or 0, item_key=key,
                               document_id=upload(session, world.citizen, now).id or 0, now=now)
    session.flush()
    return draft


def pg_engine(pool_size: int = 5):
    """An engine of its own on the PostgreSQL test database (concurrency tests); skips without one."""
    import os

    import pytest
    from sqlmodel import create_engine

    from mpp_digital.db import normalise_url

    url = os.environ.get("MPP_TEST_DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        pytest.skip("MPP_TEST_DATABASE_URL does not name a PostgreSQL database")
    return create_engine(normalise_url(url), pool_size=pool_size, max_overflow=0)


def add_application(session: Session, world: QueueWorld, citizen: User, now: datetime, *,
                    state: str = "diajukan", open_: bool = True) -> Application:
    """An application row of ``citizen`` for the world's online service at its site (flushed): the
    document and output tests (DOCS), without the lifecycle."""
    application = Application(tracking_number=f"MPP-3314-2026-{uuid.uuid4().int % 10**6:06d}", citizen_id=citizen.id,
                              site_id=world.site.id, agency_id=world.agency.id, service_id=world.online.id,
                              workflow={}, state=state, open=open_, submitted_at=now,
                              due_date=date(2026, 12, 10), updated_at=now)
    session.add(application)
    session.flush()
    return application


def remove_applications(session: Session, application_ids: list[int]) -> None:
    """Delete committed applications with their documents' links, access log and outputs."""
    from sqlalchemy import delete

    from mpp_digital.models import ApplicationDocument, DocumentAccess, IssuedOutput

    for table in (DocumentAccess, IssuedOutput, ApplicationDocument):
        session.exec(delete(table).where(table.application_id.in_(application_ids)))  # type: ignore[call-overload]
    session.exec(delete(Application).where(Application.id.in_(application_ids)))  # type: ignore[call-overload]
