"""``GET /akun/dokumen/<id>``: the session cookie's own access rule over HTTP, with safe headers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select
from starlette.testclient import TestClient

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.models import (
    Agency,
    Application,
    ApplicationDocument,
    DocumentAccess,
    MppSite,
    Role,
    RoleAssignment,
    Service,
    SiteAgency,
    SiteService,
    User,
)
from mpp_digital.services import documents
from mpp_digital.settings import get_settings
from tests.sso_support import make_user, portal_cookie
from tests.unit.application_setup import add_application, remove_applications
from tests.unit.queue_setup import make_world
from tests.unit.test_documents import MINIMAL_PDF, png_with_gps


@dataclass
class Served:
    client: TestClient
    cookies: dict[str, str]  # who -> raw session cookie
    users: dict[str, User]
    pdf_id: int
    png_id: int
    application_id: int


def _officer(db: Session, label: str, role: Role, site_id: int | None, agency_id: int | None) -> User:
    user = make_user(db, email=f"{label}@docs-route.test", name=f"Petugas {label}")
    regency = "33.14" if role == Role.REGIONAL_HEAD else None  # the world's site is in Sragen
    db.add(RoleAssignment(user_id=user.id, role=role, site_id=site_id, agency_id=agency_id, regency_code=regency,
                          granted_at=utcnow()))
    db.commit()
    return user


@pytest.fixture()
def served(session, engine, database_url, monkeypatch, tmp_path) -> Iterator[Served]:
    from mpp_digital.web_routes import build_api

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    now = utcnow()
    with Session(engine, expire_on_commit=False) as db:
        world = make_world(db, citizens=0)
        db.commit()
        users = {"citizen": make_user(db, email="warga@docs-route.test", name="Sri Lestari"),
                 "stranger": make_user(db, email="lain@docs-route.test", name="Warga Lain"),
                 "officer": _officer(db, "officer", Role.OFFICER, world.site.id, world.agency.id),
                 "site_admin": _officer(db, "admin", Role.SITE_ADMIN, world.site.id, None),
                 "other_agency": _officer(db, "agency", Role.OFFICER, world.site.id, world.other_agency.id),
                 "other_site": _officer(db, "site", Role.OFFICER, world.other_site.id, world.agency.id),
                 "superadmin": _officer(db, "root", Role.SUPERADMIN, None, None),
                 "ministry": _officer(db, "kementerian", Role.MINISTRY, None, None),
                 "regional_head": _officer(db, "bupati", Role.REGIONAL_HEAD, None, None)}
        pdf = documents.store_document(session=db, owner_id=users["citizen"].id, kind="akta", label="Akta",
                                       data=MINIMAL_PDF, now=now)
        png = documents.store_document(session=db, owner_id=users["citizen"].id, kind="pas_foto", label="Foto",
                                       data=png_with_gps(), now=now)
        db.flush()
        application = add_application(db, world, users["citizen"], now)
        for doc in (pdf, png):
            db.add(ApplicationDocument(application_id=application.id, item_key=doc.kind, document_id=doc.id,
                                       attached_at=now))
        db.commit()
        cookies = {who: portal_cookie(db, user) for who, user in users.items()}
        yield Served(TestClient(build_api()), cookies, users, pdf.id, png.id, application.id)
        db.rollback()
        remove_applications(db, [application.id])
        sites, agencies = [world.site.id, world.other_site.id], [world.agency.id, world.other_agency.id]
        db.exec(delete(SiteService).where(SiteService.site_id.in_(sites)))
        db.exec(delete(SiteAgency).where(SiteAgency.site_id.in_(sites)))
        db.exec(delete(Service).where(Service.agency_id.in_(agencies)))
        db.exec(delete(RoleAssignment).where(RoleAssignment.site_id.in_(sites)))
        db.exec(delete(MppSite).where(MppSite.id.in_(sites)))
        db.exec(delete(Agency).where(Agency.id.in_(agencies)))
        db.commit()
    get_settings.cache_clear()


def _get(served: Served, who: str | None, document_id: int, **params):
    served.client.cookies.clear()
    if who:
        served.client.cookies.set(routes.SESSION_COOKIE, served.cookies[who])
    return served.client.get(routes.document_file_url(document_id, download=params.get("download", False)),
                             headers=params.get("headers"))


def _log(engine, owner_id: int) -> list[tuple[int, str]]:
    with Session(engine) as db:
        return [(r.viewer_user_id, r.action) for r in
                db.exec(select(DocumentAccess).where(DocumentAccess.owner_id == owner_id)
                        .order_by(DocumentAccess.id)).all()]


def test_nobody_signed_in_gets_401(served):
    assert _get(served, None, served.pdf_id).status_code == 401
    served.client.cookies.set(routes.SESSION_COOKIE, "not-a-session")
    assert served.client.get(routes.document_file_url(served.pdf_id)).status_code == 401


def test_the_owner_views_inline_and_downloads_with_safe_headers(served, engine):
    got = _get(served, "citizen", served.pdf_id)
    assert got.status_code == 200 and got.content == MINIMAL_PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("inline;")
    assert got.headers["x-content-type-options"] == "nosniff" and got.headers["cache-control"] == "no-store"
    assert got.headers["content-security-policy"].startswith("sandbox;")
    assert got.headers["x-frame-options"] == "SAMEORIGIN"
    down = _get(served, "citizen", served.pdf_id, download=True)
    assert down.status_code == 200 and down.headers["content-disposition"].startswith("attachment;")
    image = _get(served, "citizen", served.png_id)
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")
    from PIL import Image

    assert not Image.open(io.BytesIO(image.content)).getexif()
    assert _log(engine, served.users["citizen"].id) == []  # the owner's own reads are not staff reads


def test_an_officer_session_without_a_second_factor_reads_no_citizens_document(served, engine):
    with Session(engine, expire_on_commit=False) as db:
        served.cookies["officer_pwd"] = portal_cookie(db, served.users["officer"], second_factor=False)
    assert _get(served, "officer_pwd", served.pdf_id).status_code == 404
    assert _log(engine, served.users["citizen"].id) == []


def test_officer_and_site_admin_of_the_application_read_and_are_logged(served, engine):
    assert _get(served, "officer", served.pdf_id).status_code == 200
    assert _get(served, "site_admin", served.png_id, download=True).status_code == 200
    assert _log(engine, served.users["citizen"].id) == [(served.users["officer"].id, "view"),
                                                         (served.users["site_admin"].id, "download")]


@pytest.mark.parametrize("who", ["other_agency", "other_site", "stranger", "superadmin", "ministry", "regional_head"])
def test_others_get_the_same_404_as_for_a_missing_document(served, engine, who):
    refused = _get(served, who, served.pdf_id)
    missing = _get(served, who, 10**9)
    assert refused.status_code == missing.status_code == 404 and refused.json() == missing.json()
    assert _log(engine, served.users["citizen"].id) == []


def test_after_the_application_closes_the_officer_gets_404(served, engine):
    with Session(engine) as db:
        application = db.get(Application, served.application_id)
        application.open = False
        db.add(application)
        db.commit()
    assert _get(served, "officer", served.pdf_id).status_code == 404
    assert _get(served, "citizen", served.pdf_id).status_code == 200


def test_another_site_cannot_make_a_browser_open_a_document(served, engine):
    got = _get(served, "officer", served.pdf_id, headers={"Sec-Fetch-Site": "cross-site"})
    assert got.status_code == 403 and _log(engine, served.users["citizen"].id) == []
