"""Kiosks are devices (issue 11): walk-in tickets and check-ins only on a paired kiosk of the site,
at a per-device rate, whatever address the events come from."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, func
from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.models import AuditLog, KioskDevice, MppSite, QueueTicket, Service, TicketStatus
from mpp_digital.services import queue, rate_limits
from state.kiosk import KioskState  # noqa: E402  (after the conftest imported every state module)
from state.kiosk_admin import KioskDevicesState  # noqa: E402
from tests.state.conftest import call, make_tree, pair_kiosk, substate
from tests.state.test_guard_matrix import error_toasts


@pytest.fixture()
def clean_queue(app_db, engine):
    yield
    with engine.begin() as conn:
        conn.execute(delete(QueueTicket))
        conn.execute(delete(KioskDevice))


def kiosk_at(cookie: str | None, *, ip: str = "10.0.0.9", slug: str = "sragen") -> KioskState:
    root = make_tree(cookie=cookie, client_token=str(uuid.uuid4()), client_ip=ip, path=f"/kiosk/{slug}")
    kiosk = substate(root, KioskState)
    call(KioskState.load, kiosk)
    return kiosk


def walk_in_service(engine) -> str:
    with Session(engine) as db:
        return str(db.exec(select(Service.id).where(Service.slug == "kartu-keluarga")).one())


def tickets(engine) -> int:
    with Session(engine) as db:
        return db.exec(select(func.count()).select_from(QueueTicket)).one()


def booked_ticket(engine) -> QueueTicket:
    """A booked ticket at Sragen whose slot is running (so a correct code + PIN checks it in)."""
    with Session(engine, expire_on_commit=False) as db:
        site = db.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
        service = db.exec(select(Service).where(Service.slug == "kartu-keluarga")).one()
        now = utcnow()
        ticket = QueueTicket(
            site_id=site.id, agency_id=service.agency_id, service_id=service.id, day=queue.local_today(site, now),
            channel="online", number=7, code="A-007", pin="4321", citizen_id=None, status=TicketStatus.BOOKED,
            active=1, slot_start_at=now - timedelta(minutes=5), slot_end_at=now + timedelta(minutes=25),
            expires_at=now + timedelta(hours=12), created_at=now)
        db.add(ticket)
        db.commit()
        return ticket


def test_an_unpaired_browser_gets_no_walk_in_and_no_check_in(clean_queue, engine):
    """Before: any browser on /kiosk/<site> took tickets and checked in (rotating addresses drained a day)."""
    ticket = booked_ticket(engine)
    for i in range(5):  # rotating addresses change nothing
        kiosk = kiosk_at(None, ip=f"198.51.100.{i}")
        assert kiosk.paired is False and kiosk.services == []
        call(KioskState.walk_in, kiosk, walk_in_service(engine))
        assert kiosk.error == t("kiosk.not_paired") and kiosk.result_code == ""
        call(KioskState.check_in, kiosk, {"code": ticket.code, "pin": ticket.pin})
        assert kiosk.error == t("kiosk.not_paired") and kiosk.result_code == ""
    assert tickets(engine) == 1
    with Session(engine) as db:
        assert db.get(QueueTicket, ticket.id).status == TicketStatus.BOOKED


def test_a_forged_or_other_sites_device_cookie_is_refused(clean_queue, accounts_by_role, engine):
    forged = pair_kiosk(engine, accounts_by_role, "sragen").replace("mpp_kiosk=", "mpp_kiosk=x")
    kiosk = kiosk_at(forged)
    assert kiosk.paired is False
    call(KioskState.walk_in, kiosk, walk_in_service(engine))
    assert kiosk.error == t("kiosk.not_paired")
    sragen_cookie = pair_kiosk(engine, accounts_by_role, "sragen")
    elsewhere = kiosk_at(sragen_cookie, slug="banyumas")  # Sragen's kiosk carried to Banyumas' page
    assert elsewhere.paired is False
    call(KioskState.walk_in, elsewhere, "1")
    assert elsewhere.error == t("kiosk.not_paired")


def test_a_paired_kiosk_hands_out_walk_ins_at_a_per_device_rate(clean_queue, accounts_by_role, engine):
    """Before: one client took every walk-in place of a service in 11 s from rotating addresses."""
    cookie = pair_kiosk(engine, accounts_by_role)
    per_minute = rate_limits.KIOSK_WALK_IN.items[0].amount
    service_id = walk_in_service(engine)
    errors = []
    for i in range(per_minute + 4):
        kiosk = kiosk_at(cookie, ip=f"203.0.113.{i}")  # a new connection and address each time
        assert kiosk.paired is True and kiosk.services
        call(KioskState.walk_in, kiosk, service_id)
        errors.append(kiosk.error)
    refused = [e for e in errors if e.startswith(t("rate.limited", seconds=0)[:20])]
    assert len(refused) == 4 and errors[-4:] == refused
    assert t("kiosk.not_paired") not in errors
    assert tickets(engine) <= per_minute  # at most the device's rate, whatever the site's hours now


def test_code_and_pin_guessing_is_bounded_per_device(clean_queue, accounts_by_role, engine):
    """Before: 200 code + PIN guesses in 11 s were accepted."""
    ticket = booked_ticket(engine)
    cookie = pair_kiosk(engine, accounts_by_role)
    per_minute = rate_limits.KIOSK_CHECK_IN.items[0].amount
    kiosk = kiosk_at(cookie)
    for guess in range(per_minute):
        call(KioskState.check_in, kiosk, {"code": ticket.code, "pin": f"{guess:04d}"})
        assert kiosk.error == t("queue.checkin.code_unknown"), kiosk.error
    call(KioskState.check_in, kiosk, {"code": ticket.code, "pin": ticket.pin})  # even the right PIN now waits
    assert kiosk.error.startswith(t("rate.limited", seconds=0)[:20]) and kiosk.result_code == ""
    rate_limits.configure(redis_url=None)  # a minute later
    call(KioskState.check_in, kiosk, {"code": ticket.code, "pin": ticket.pin})
    assert kiosk.result_code == ticket.code and kiosk.error == ""


def test_the_site_admin_pairs_lists_and_revokes_a_kiosk(clean_queue, accounts_by_role, engine):
    from state.catalog_admin import SiteAdminState

    admin = accounts_by_role["site_admin"]
    root = make_tree(cookie=admin.cookie_header, client_token=admin.client_token, path="/admin/mpp")
    call(SiteAdminState.load, substate(root, SiteAdminState))
    devices = substate(root, KioskDevicesState)
    call(KioskDevicesState.load, devices)
    shown = call(KioskDevicesState.start_pairing, devices, {"name": "  Kios   lobi 2 "})
    code = re.search(r"textContent=\\?\"([A-Z2-9]{5}-[A-Z2-9]{5})", str(shown)).group(1)
    assert devices.pairing_name == "Kios lobi 2" and devices.kiosks[0].status == "waiting"
    # The code reaches the page in that one script, never in a state var (hydrate would resend it).
    assert code not in repr({name: getattr(devices, name) for name in KioskDevicesState.get_fields()})
    assert code not in repr(root.dict())
    with Session(engine) as db:  # only a hash of the code is stored
        row = db.exec(select(KioskDevice)).one()
        assert row.name == "Kios lobi 2" and code.replace("-", "") not in repr(row.model_dump())

    # the kiosk types it: the page navigates to /auth/kios, which sets the cookie (tests/unit)
    kiosk = kiosk_at(None)
    result = call(KioskState.pair, kiosk, {"code": code.lower()})
    assert "/auth/kios?site=sragen&code=" + code.replace("-", "") in str(result)

    from mpp_digital.services import kiosk_devices

    with Session(engine) as db:
        _device, raw = kiosk_devices.pair(session=db, site_slug="sragen", code=code, now=utcnow())
        db.commit()
    paired = kiosk_at(f"mpp_kiosk={raw}")
    assert paired.paired is True
    call(KioskDevicesState.load, devices)
    assert devices.pairing_name == "" and devices.kiosks[0].status == "paired"
    call(KioskDevicesState.revoke, devices, devices.kiosks[0].id)
    assert devices.kiosks[0].status == "revoked"
    call(KioskState.walk_in, paired, walk_in_service(engine))  # the open page is refused at once
    assert paired.error == t("kiosk.not_paired") and paired.paired is False
    with Session(engine) as db:
        actions = db.exec(select(AuditLog.action).where(AuditLog.action.like("kiosk_%"))).all()  # type: ignore[attr-defined]
    assert {"kiosk_pairing_started", "kiosk_paired", "kiosk_revoked"} <= set(actions)


def test_another_sites_admin_cannot_revoke_this_sites_kiosk(clean_queue, accounts_by_role, engine):
    pair_kiosk(engine, accounts_by_role)
    with Session(engine) as db:
        device_id = db.exec(select(KioskDevice.id)).one()
    officer = accounts_by_role["officer"]  # a wrong role
    root = make_tree(cookie=officer.cookie_header, client_token=officer.client_token, path="/admin/mpp")
    result = call(KioskDevicesState.revoke, substate(root, KioskDevicesState), device_id)
    assert error_toasts(result)
    with Session(engine) as db:
        assert db.get(KioskDevice, device_id).revoked_at is None
