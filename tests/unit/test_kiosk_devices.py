"""Pairing kiosks: one-time codes, the device cookie set by /auth/kios, revocation, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mpp_digital import routes
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import KioskDevice, MppSite, Role, User
from mpp_digital.services import accounts, kiosk_devices, rate_limits
from mpp_digital.services.authz import principal_for


def site_id(session, slug: str) -> int:
    return session.exec(select(MppSite.id).where(MppSite.slug == slug)).one()


def admin_of(session, now, slug: str, email: str):
    user = User(full_name="Admin MPP", email=email, password_hash="x", created_at=now, email_verified_at=now)
    session.add(user)
    session.flush()
    accounts.grant_role(session=session, user_id=user.id, role=Role.SITE_ADMIN, now=now, site_id=site_id(session, slug))
    session.flush()
    return principal_for(session=session, user=user, session_id=0)


@pytest.fixture()
def admin(session, now):
    return admin_of(session, now, "sragen", "admin.kiosk@example.id")


def test_a_code_pairs_one_kiosk_once_and_only_its_hash_is_stored(session, now, admin):
    code = kiosk_devices.start_pairing(session=session, actor=admin, site_id=site_id(session, "sragen"),
                                       name="Kios lobi", now=now)
    row = session.exec(select(KioskDevice)).one()
    assert code.replace("-", "") not in repr(row.model_dump()) and row.token_hash is None
    device, raw = kiosk_devices.pair(session=session, site_slug="sragen", code=code.lower().replace("-", " "),
                                     now=now + timedelta(minutes=1))
    assert device.token_hash == accounts.hash_secret(raw) and raw not in repr(device.model_dump())
    with pytest.raises(DomainError, match="kiosk.pairing_invalid"):
        kiosk_devices.pair(session=session, site_slug="sragen", code=code, now=now + timedelta(minutes=2))
    sragen = site_id(session, "sragen")
    assert kiosk_devices.device_for(session=session, raw=raw, site_id=sragen, now=now).id == device.id
    with pytest.raises(NotAllowed, match="kiosk.not_paired"):
        kiosk_devices.device_for(session=session, raw=raw, site_id=site_id(session, "banyumas"), now=now)
    with pytest.raises(NotAllowed, match="kiosk.not_paired"):
        kiosk_devices.device_for(session=session, raw=None, site_id=sragen, now=now)


def test_expired_other_sites_and_revoked_codes_do_not_pair(session, now, admin):
    sragen = site_id(session, "sragen")
    expired = kiosk_devices.start_pairing(session=session, actor=admin, site_id=sragen, name="A", now=now)
    with pytest.raises(DomainError, match="kiosk.pairing_invalid"):
        kiosk_devices.pair(session=session, site_slug="sragen", code=expired, now=now + kiosk_devices.PAIRING_TTL)
    other = kiosk_devices.start_pairing(session=session, actor=admin, site_id=sragen, name="B", now=now)
    with pytest.raises(DomainError, match="kiosk.pairing_invalid"):
        kiosk_devices.pair(session=session, site_slug="banyumas", code=other, now=now)
    revoked = kiosk_devices.start_pairing(session=session, actor=admin, site_id=sragen, name="C", now=now)
    row = session.exec(select(KioskDevice).where(KioskDevice.name == "C")).one()
    kiosk_devices.revoke(session=session, actor=admin, device_id=row.id, now=now)
    with pytest.raises(DomainError, match="kiosk.pairing_invalid"):
        kiosk_devices.pair(session=session, site_slug="sragen", code=revoked, now=now)


def test_only_the_sites_admin_pairs_lists_and_revokes(session, now, admin):
    outsider = admin_of(session, now, "banyumas", "admin.banyumas@example.id")
    sragen = site_id(session, "sragen")
    with pytest.raises(NotAllowed):
        kiosk_devices.start_pairing(session=session, actor=outsider, site_id=sragen, name="X", now=now)
    code = kiosk_devices.start_pairing(session=session, actor=admin, site_id=sragen, name="Kios 1", now=now)
    device, raw = kiosk_devices.pair(session=session, site_slug="sragen", code=code, now=now)
    with pytest.raises(NotAllowed):
        kiosk_devices.kiosks_at(session=session, actor=outsider, site_id=sragen, now=now)
    with pytest.raises(NotAllowed):
        kiosk_devices.revoke(session=session, actor=outsider, device_id=device.id, now=now)
    assert [k.status for k in kiosk_devices.kiosks_at(session=session, actor=admin, site_id=sragen, now=now)] == [
        "paired"]
    kiosk_devices.revoke(session=session, actor=admin, device_id=device.id, now=now)
    with pytest.raises(NotAllowed, match="kiosk.not_paired"):
        kiosk_devices.device_for(session=session, raw=raw, site_id=sragen, now=now)


@pytest.fixture()
def web(database_url, monkeypatch):
    from mpp_digital.settings import get_settings
    from mpp_digital.web_routes import build_api

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield TestClient(Starlette(routes=build_api().routes), follow_redirects=False)
    get_settings.cache_clear()


def test_the_backend_route_sets_an_httponly_device_cookie(session, now, admin, web):
    from mpp_digital.clock import utcnow

    code = kiosk_devices.start_pairing(session=session, actor=admin, site_id=site_id(session, "sragen"),
                                       name="Kios lobi", now=utcnow())
    session.commit()
    wrong = web.get(routes.KIOSK_PAIR, params={"site": "sragen", "code": "AAAAAAAAAA"})
    assert wrong.status_code == 303 and wrong.headers["location"] == "/kiosk/sragen?pasang=gagal"
    assert "set-cookie" not in wrong.headers
    ok = web.get(routes.kiosk_pair_url("sragen", code))
    assert ok.status_code == 303 and ok.headers["location"] == "/kiosk/sragen"
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith(f"{routes.KIOSK_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and f"Max-Age={365 * 24 * 3600}" in cookie
    raw = cookie.split(";")[0].split("=", 1)[1]
    session.expire_all()
    assert kiosk_devices.device_for(session=session, raw=raw, site_id=site_id(session, "sragen"), now=utcnow())


def test_pairing_attempts_are_rate_limited_per_address(web):
    allowed = rate_limits.KIOSK_PAIR.items[0].amount
    answers = [web.get(routes.KIOSK_PAIR, params={"site": "sragen", "code": f"GUESS{i:05d}"}).headers["location"]
               for i in range(allowed + 1)]
    assert answers[:allowed] == ["/kiosk/sragen?pasang=gagal"] * allowed
    assert answers[-1].startswith("/kiosk/sragen?pasang=tunggu&detik=")


def test_under_https_the_device_cookie_is_host_prefixed_and_another_site_cannot_pair(session, admin, web, monkeypatch):
    """Before: the device cookie kept its plain name under https (a subdomain or a plain-http page
    could plant one), and a cross-site navigation to /auth/kios spent a code and paired the browser."""
    from mpp_digital.clock import utcnow
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_PUBLIC_BASE_URL", "https://mpp.example.go.id")
    get_settings.cache_clear()
    code = kiosk_devices.start_pairing(session=session, actor=admin, site_id=site_id(session, "sragen"),
                                       name="Kios lobi", now=utcnow())
    session.commit()
    steered = web.get(routes.kiosk_pair_url("sragen", code), headers={"sec-fetch-site": "cross-site"})
    assert steered.status_code == 403 and "set-cookie" not in steered.headers
    ok = web.get(routes.kiosk_pair_url("sragen", code), headers={"sec-fetch-site": "same-origin"})
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith(f"__Host-{routes.KIOSK_COOKIE}=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
