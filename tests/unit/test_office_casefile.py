"""The back office's case file (data unsealed for the officer, every opening logged), officer actions
through the one transition, and the analytics feed: decided applications count in the digital share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from mpp_digital.errors import DomainError
from mpp_digital.models import Channel, DocumentAccess, EventKind, ServiceEvent
from mpp_digital.services import analytics
from mpp_digital.services.applications import casefile, drafts, lifecycle, worklist
from mpp_digital.settings import get_settings
from tests.unit.application_setup import CITIZEN_NIK, make_app_world, ready_draft

MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 WIB


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture()
def world(session: Session):
    return make_app_world(session)


def submitted(session, world, now=MONDAY):
    draft = ready_draft(session, world, now)
    return drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=now)


def act(session, application, who, action, *, now=MONDAY, note="", cited_item=None):
    return lifecycle.act(session=session, application_id=application.id, principal=who, action=action, note=note,
                         seen_version=application.version, now=now, cited_item=cited_item)


def test_the_case_file_shows_the_citizens_data_to_the_agencys_officer_and_logs_the_view(session, world):
    application = submitted(session, world)
    case = casefile.case_file(session=session, principal=world.agency_officer,
                              tracking_number=application.tracking_number, now=MONDAY)
    assert case.citizen_nik.startswith(CITIZEN_NIK[:12]) and len(case.citizen_nik) == 16
    assert case.citizen_name == world.citizen.full_name
    assert {a.label: a.value for a in case.detail.answers}["Nama anak"] == "Bima Saputra"
    assert {d.item_label for d in case.detail.documents} == {"KTP-el ayah", "Surat keterangan lahir"}
    assert [a.key for a in case.actions] == ["verifikasi", "kembalikan", "tolak"]
    tolak = next(a for a in case.actions if a.key == "tolak")
    assert tolak.note_required and tolak.cites_requirement
    assert ("surat_lahir", "Surat keterangan lahir") in case.requirement_items
    session.flush()
    [view] = session.exec(select(DocumentAccess).where(DocumentAccess.application_id == application.id)).all()
    assert (view.owner_id, view.viewer_user_id, view.action, view.document_id) == (
        world.citizen.id, world.agency_officer.user_id, "view", None)


def test_the_case_file_is_the_back_offices_own(session, world):
    application = submitted(session, world)
    for who in (world.other_agency_officer, world.other_site_officer, world.me, world.other):
        with pytest.raises(DomainError, match="app.not_found"):
            casefile.case_file(session=session, principal=who, tracking_number=application.tracking_number,
                               now=MONDAY)
    session.flush()
    assert session.exec(select(DocumentAccess).where(DocumentAccess.application_id == application.id)).all() == []
    with pytest.raises(DomainError, match="app.not_found"):
        casefile.case_file(session=session, principal=world.site_admin, tracking_number="MPP-0000-2026-999999",
                           now=MONDAY)
    # The site admin sees every agency of the site.
    case = casefile.case_file(session=session, principal=world.site_admin,
                              tracking_number=application.tracking_number, now=MONDAY)
    assert case.detail.tracking_number == application.tracking_number


def test_a_closed_application_offers_no_action_and_its_history_is_complete(session, world):
    application = submitted(session, world)
    worklist.claim(session=session, principal=world.agency_officer, application_id=application.id,
                   seen_version=application.version, now=MONDAY)
    session.refresh(application)
    act(session, application, world.agency_officer, "tolak", note="Surat lahir tidak terbaca", cited_item="surat_lahir",
        now=MONDAY + timedelta(hours=2))
    case = casefile.case_file(session=session, principal=world.agency_officer,
                              tracking_number=application.tracking_number, now=MONDAY + timedelta(hours=3))
    assert case.actions == () and not case.detail.open
    assert [e.action for e in case.detail.timeline] == ["submit", "claim", "tolak"]
    assert case.detail.timeline[-1].note == "[Surat keterangan lahir] Surat lahir tidak terbaca"
    assert case.assignee_name == world.agency_officer.full_name


def test_decided_applications_feed_the_dashboards_digital_share(session, world):
    """Finishing and rejecting record an online service event; the dashboard's KPIs count them."""
    site_id, agency_id = world.q.site.id, world.q.agency.id
    scope = analytics.site_scope(session=session, site_id=site_id)
    filters = analytics.Filters(start=MONDAY.date() - timedelta(days=1), end=MONDAY.date() + timedelta(days=7))

    def kpis():
        current, _ = analytics.kpis(session=session, scope=scope, filters=filters)
        return current

    analytics.record_service_event(  # one visit served at the counter that day
        session=session, kind=EventKind.QUEUE, outcome="served", site_id=site_id, agency_id=agency_id,
        service_id=world.service.id, channel=Channel.DIRECT, occurred_at=MONDAY, arrived_at=MONDAY,
        wait_seconds=300, service_seconds=600, source="queue", source_ref="office-test-1")
    before = kpis()
    assert (before.served, before.digital) == (1, 0)

    finished = submitted(session, world)
    for step in ("verifikasi", "proses"):
        act(session, finished, world.agency_officer, step)
    act(session, finished, world.agency_officer, "selesaikan", now=MONDAY + timedelta(days=1))
    rejected = submitted(session, world, now=MONDAY + timedelta(minutes=5))
    act(session, rejected, world.agency_officer, "tolak", note="KTP ayah kedaluwarsa", cited_item="ktp_ayah",
        now=MONDAY + timedelta(days=1))
    session.flush()

    events = session.exec(select(ServiceEvent).where(ServiceEvent.source == "application")).all()
    assert {(e.outcome, e.channel, e.kind) for e in events} == {("served", "online", "application"),
                                                                 ("not_served", "online", "application")}
    after = kpis()
    assert after.digital == 1, "the finished application is a digital service delivered"
    assert after.served == 2 and after.digital_share == pytest.approx(0.5)
