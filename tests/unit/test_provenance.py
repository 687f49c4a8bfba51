"""Honest figures: the history generator's rows are synthetic, kept apart in the rollups, labelled
wherever they are counted (dashboards, reports, /api/v1), and left out with MPP_INCLUDE_SYNTHETIC=false."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mpp_digital.open_data import open_data_routes
from mpp_digital.services import analytics, complaints, reports
from mpp_digital.services.analytics import Filters
from tests.unit.test_analytics import at, clean, offered, site  # noqa: F401  (fixture)

MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))


@pytest.fixture()
def synthetic_setting(monkeypatch, database_url):
    """Switch MPP_INCLUDE_SYNTHETIC for the code under test."""
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)

    def switch(include: bool) -> None:
        monkeypatch.setenv("MPP_INCLUDE_SYNTHETIC", "true" if include else "false")
        get_settings.cache_clear()

    switch(True)
    yield switch
    get_settings.cache_clear()


def _events(session, *, real: int, synthetic: int) -> None:
    sragen = site(session, "sragen")
    service = offered(session, sragen.id)
    for i in range(real + synthetic):
        arrived = at(MARCH.start + timedelta(days=i % 20), 9)
        analytics.record_service_event(
            session=session, kind="queue", outcome="served", site_id=sragen.id, agency_id=service.agency_id,
            service_id=service.id, channel="direct", arrived_at=arrived, occurred_at=arrived + timedelta(minutes=10),
            wait_seconds=300, source="generator" if i >= real else "queue")
    session.flush()


def test_synthetic_rows_are_kept_apart_and_labelled(clean, session, synthetic_setting):  # noqa: F811
    _events(session, real=3, synthetic=9)
    national = analytics.dashboard(session=session, scope=analytics.national_scope(session=session), filters=MARCH)
    assert national.kpis.served == 12 and national.synthetic_share == pytest.approx(0.75)
    served = dict(session.execute(text("SELECT scope, SUM(served) FROM analyticsdaily WHERE agency_id = 0 "
                                       "AND scope IN ('n', 'xn') GROUP BY scope")).all())
    assert served == {"n": 3, "xn": 9}  # never summed into one row
    row = next(r for r in analytics.ranking(session=session, filters=MARCH) if r["slug"] == "sragen")
    assert row["kpis"].served == 12 and row["synthetic_share"] == pytest.approx(0.75)
    assert reports.dashboard_tables(national, "id")["kpi"]["sample_data_pct"].iloc[0] == 75.0


def test_a_deployment_with_real_data_excludes_synthetic_rows(clean, session, synthetic_setting):  # noqa: F811
    _events(session, real=3, synthetic=9)
    synthetic_setting(False)
    scope = analytics.national_scope(session=session)
    board = analytics.dashboard(session=session, scope=scope, filters=MARCH)
    assert board.kpis.served == 3 and not board.synthetic_share
    row = next(r for r in analytics.ranking(session=session, filters=MARCH) if r["slug"] == "sragen")
    assert row["kpis"].served == 3 and not row["synthetic_share"]
    assert sum(m["kpis"].served for m in analytics.monthly_series(session=session, scope=scope, start=MARCH.start,
                                                                   end=MARCH.end)) == 3


def test_rebuilt_rollups_keep_provenance(clean, session, synthetic_setting):  # noqa: F811
    _events(session, real=2, synthetic=5)
    session.execute(text("DELETE FROM analyticsdaily"))
    analytics.rebuild_rollups(session=session)
    served = dict(session.execute(text("SELECT scope, SUM(served) FROM analyticsmonthly WHERE agency_id = 0 "
                                       "AND scope IN ('n', 'xn', 'p33', 'xp33') GROUP BY scope")).all())
    assert served == {"n": 2, "xn": 5, "p33": 2, "xp33": 5}


def test_open_data_says_which_figures_are_synthetic(clean, session, synthetic_setting):  # noqa: F811
    _events(session, real=1, synthetic=1)
    session.commit()
    api = TestClient(Starlette(routes=open_data_routes()))
    body = api.get("/api/v1/stats/sites", params={"month": "2026-03"}).json()
    sragen = next(r for r in body["data"] if r["site"] == "sragen")
    assert body["synthetic_included"] is True and "synthetic_note" in body
    assert sragen["served"] == 2 and sragen["synthetic"] is True and sragen["synthetic_share"] == 0.5
    synthetic_setting(False)
    body = api.get("/api/v1/stats/monthly", params={"scope": "site:sragen", "from": "2026-03", "to": "2026-03"}).json()
    assert body["synthetic_included"] is False and body["data"][0]["served"] == 1
    assert body["data"][0]["synthetic"] is False


def test_open_complaint_statistics_carry_no_content(clean, session, synthetic_setting):  # noqa: F811
    from tests.unit.queue_setup import _user

    citizen, sragen = _user(session, "pelapor"), site(session, "sragen")  # users go with the session fixture
    secret = "Petugas meminta uang pelicin 200 ribu"
    complaints.file_complaint(session=session, citizen_id=citizen.id, subject_kind="site", site_id=sragen.id,
                              category="biaya", description=secret, confidential=True,
                              now=at(date(2026, 3, 3), 10), holidays=set())
    session.commit()
    api = TestClient(Starlette(routes=open_data_routes()))
    response = api.get("/api/v1/stats/complaints", params={"month": "2026-03"})
    row = next(r for r in response.json()["data"] if r["site"] == "sragen")
    assert row["received"] == 1 and row["synthetic"] is False
    assert "pelicin" not in response.text and citizen.full_name not in response.text


def test_generator_makes_realistic_volumes_and_synthetic_complaint_rows(clean, session, synthetic_setting):  # noqa: F811
    from sqlmodel import select

    from mpp_digital.models import Complaint
    from mpp_digital.services import history

    per_year = history.realistic_events(session=session, years=1.0)
    assert 9_000_000 < per_year < 13_000_000  # 103 sites at Sragen's ~400 people a day
    result = history.generate_history(session=session, events=20_000, years=0.2, end=date(2026, 3, 31), seed=3)
    opened = session.execute(text("SELECT COUNT(*) FROM serviceevent WHERE kind = 'complaint' "
                                  "AND outcome = 'opened'")).scalar()
    rows = session.exec(select(Complaint).where(Complaint.source == "generator")).all()
    assert result.events == 20_000 and opened > 0 and len(rows) == opened
    assert {r.status for r in rows} <= {"selesai", "diteruskan"} and any(r.status == "selesai" for r in rows)
    assert all(r.closed_at is None or r.first_answered_at <= r.closed_at for r in rows)
    stats = complaints.site_statistics(session=session, start=date(2026, 1, 1), end=date(2026, 3, 31),
                                       now=at(date(2026, 4, 1), 9), include_synthetic=True)
    assert stats and all(s.synthetic for s in stats) and sum(s.received for s in stats) > 0
    assert complaints.site_statistics(session=session, start=date(2026, 1, 1), end=date(2026, 3, 31),
                                      now=at(date(2026, 4, 1), 9), include_synthetic=False) == []


def test_sla_of_an_application_counts_working_days_of_its_jangka_waktu():
    from datetime import UTC, datetime

    friday = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 10:00 WIB
    # 2 working days from Friday: Monday and Tuesday; calendar days would have said 4 > 2
    assert analytics.within_jangka_waktu("33.14", friday, datetime(2026, 12, 8, 8, 0, tzinfo=UTC), 2)
    assert not analytics.within_jangka_waktu("33.14", friday, datetime(2026, 12, 9, 3, 0, tzinfo=UTC), 2)
    # national holidays are not working days: 24 and 25 December 2026 (cuti bersama, Natal)
    assert analytics.within_jangka_waktu("33.14", datetime(2026, 12, 23, 3, 0, tzinfo=UTC),
                                         datetime(2026, 12, 28, 3, 0, tzinfo=UTC), 1)
    # 0 days: the same working day
    assert not analytics.within_jangka_waktu("33.14", friday, datetime(2026, 12, 7, 3, 0, tzinfo=UTC), 0)


def test_the_generator_uses_the_same_working_day_clock():
    import numpy as np

    from mpp_digital.services import history
    from mpp_digital.services.applications.working_days import add_working_days
    from mpp_digital.services.queue import national_holidays

    holidays = national_holidays()
    days = np.arange(np.datetime64("2026-12-01"), np.datetime64("2027-01-10"))
    for n in (0, 1, 2, 5, 14):
        due = history.due_days(days, np.full(len(days), n), holidays)
        assert [d.astype(object) for d in due] == [add_working_days(d.astype(object), n, holidays=holidays)
                                                   for d in days], n


def test_open_complaints_come_from_the_complaint_table_with_provenance(clean, session, synthetic_setting):  # noqa: F811
    from tests.unit.queue_setup import _user

    citizen, sragen = _user(session, "pelapor"), site(session, "sragen")
    for source in ("app", "generator"):
        complaints.file_complaint(session=session, citizen_id=citizen.id, subject_kind="site", site_id=sragen.id,
                                  category="sarana", description="Toilet rusak.", now=at(date(2026, 3, 3), 10),
                                  holidays=set(), source=source)
    scope = analytics.regency_scope(session=session, regency_code="33.14")
    assert analytics.kpis(session=session, scope=scope, filters=MARCH)[0].open_complaints == 2
    synthetic_setting(False)
    assert analytics.kpis(session=session, scope=scope, filters=MARCH)[0].open_complaints == 1
    row = next(r for r in analytics.ranking(session=session, filters=MARCH) if r["slug"] == "sragen")
    assert row["kpis"].open_complaints == 1


def test_the_demo_history_is_seeded_beside_the_demos_own_events_and_only_once(clean, session, synthetic_setting):  # noqa: F811
    from datetime import UTC, datetime

    from mpp_digital.services import history

    _events(session, real=2, synthetic=0)  # the demo's own applications record real events first
    now = datetime(2026, 3, 31, 5, 0, tzinfo=UTC)
    assert history.demo_history(session=session, now=now, events=3_000, days=5) == 3_000
    assert history.demo_history(session=session, now=now, events=3_000, days=5) == 0
    assert history.event_count(session=session, source="generator") == 3_000
