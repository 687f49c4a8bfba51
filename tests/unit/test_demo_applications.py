"""The demo's applications: made through the services, every state for the demo citizen, Sragen's work list
for the demo officer (Dukcapil) and the site admin (every agency), real timelines and a signed output."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from mpp_digital import demo
from mpp_digital.demo_applications import load_demo_applications
from mpp_digital.models import Agency, Application, ApplicationEvent, IssuedOutput, RoleAssignment, User
from mpp_digital.services.applications import worklist
from mpp_digital.services.authz import principal_for
from mpp_digital.settings import get_settings
from tests.conftest import ACCOUNT_TABLES
from tests.unit.office_setup import clear_applications

NOW = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # Friday 14:30 WIB


@pytest.fixture(scope="module")
def demo_db(engine, tmp_path_factory):
    """The demo loaded once (about ten seconds: documents, signatures) into the test database."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path_factory.mktemp("documents")))
        get_settings.cache_clear()
        with Session(engine, expire_on_commit=False) as db:
            added = demo.load_all(db, NOW)
            added["applications"] = load_demo_applications(db, NOW)  # as ``cli seed`` does, after the history
            db.commit()
            yield db, added
            db.rollback()
        clear_applications(engine)
        with engine.begin() as conn:
            for table in ACCOUNT_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    get_settings.cache_clear()


@pytest.fixture()
def session(demo_db):
    return demo_db[0]


@pytest.fixture()
def loaded(demo_db):
    return demo_db[1]


def test_the_demo_officer_is_granted_dukcapil_at_sragen(session, loaded):
    officer = session.exec(select(User).where(User.email == "petugas.sragen@demo.mpp.go.id")).one()
    grant = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == officer.id,
                                                      RoleAssignment.role == "officer")).one()
    assert session.get(Agency, grant.agency_id).slug == "dukcapil"


def test_the_demo_citizen_has_an_application_in_every_state(session, loaded):
    assert loaded["applications"] >= 30
    citizen = session.exec(select(User).where(User.email == "warga@demo.mpp.go.id")).one()
    mine = session.exec(select(Application).where(Application.citizen_id == citizen.id)).all()
    assert {a.state for a in mine} >= {"diajukan", "diverifikasi", "diproses", "perlu_perbaikan", "selesai",
                                       "ditolak", "dibatalkan"}
    every = session.exec(select(Application)).all()
    assert min(Counter(a.state for a in every).values()) >= 2, "every state a few times at Sragen"
    # Timelines are the services' own: submission first, one event per step, in order.
    for application in every:
        events = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                              .order_by(ApplicationEvent.at, ApplicationEvent.id)).all()
        assert events[0].action == "submit" and events[-1].to_state == application.state
        assert all(e.at <= NOW for e in events)
    finished = [a for a in every if a.state == "selesai"]
    outputs = session.exec(select(IssuedOutput).where(IssuedOutput.application_id.in_([a.id for a in finished]))).all()
    assert len(outputs) == len(finished) >= 3, "each finished application carries its signed output"


def test_the_demo_officer_and_site_admin_have_a_work_list(session, loaded):
    officer = session.exec(select(User).where(User.email == "petugas.sragen@demo.mpp.go.id")).one()
    admin = session.exec(select(User).where(User.email == "admin.sragen@demo.mpp.go.id")).one()
    today = NOW.date()
    mine = worklist.work_list(session=session, principal=principal_for(session=session, user=officer, session_id=0),
                              today=today, limit=100)
    everything = worklist.work_list(session=session, principal=principal_for(session=session, user=admin,
                                                                                session_id=0), today=today, limit=100)
    dukcapil = session.exec(select(Agency).where(Agency.slug == "dukcapil")).one()
    assert mine.items and {i.agency_id for i in mine.items} == {dukcapil.id}
    assert len({i.agency_id for i in everything.items}) >= 3 and len(everything.items) > len(mine.items)
    assert any(i.overdue for i in mine.items) and any(i.assigned_to == officer.id for i in mine.items)
    assert any(i.waiting_on_citizen for i in everything.items)
