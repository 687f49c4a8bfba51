"""Analytics KPIs against a small dataset computed by hand, rollups, generator, exports, open data."""

from __future__ import annotations

import io
import statistics
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session, select

from mpp_digital.models import WAIT_BUCKET_EDGES, Complaint, MppSite, Service, SiteService, User
from mpp_digital.services import analytics, history, reports
from mpp_digital.services.analytics import Filters

ANALYTICS_TABLES = ("analyticsdaily", "analyticsservicedaily", "analyticshourly", "analyticsmonthly",
                    "analyticsservicemonthly", "analyticshourlymonthly", "historyimport", "serviceevent")
MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 10))  # previous period: 19-28 February
SRAGEN_POPULATION = 1_023_538


@pytest.fixture()
def clean(engine) -> Iterator[None]:
    """Empty analytics tables before and after (the test database is shared)."""
    def wipe():
        with engine.begin() as conn:
            for table in ANALYTICS_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    wipe()
    yield
    wipe()


def site(session: Session, slug: str) -> MppSite:
    return session.exec(select(MppSite).where(MppSite.slug == slug)).one()


def offered(session: Session, site_id: int, channel: str = "direct") -> Service:
    """A service the site offers on ``channel``."""
    rows = session.exec(select(Service).join(SiteService, SiteService.service_id == Service.id)
                        .where(SiteService.site_id == site_id).order_by(Service.id)).all()
    return next(s for s in rows if channel == "direct" or getattr(
        session.exec(select(SiteService).where(SiteService.site_id == site_id, SiteService.service_id == s.id)).one(),
        channel))


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local WIB time (Sragen) as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


# Hand-computed dataset (Sragen, 1-10 March 2026): ten counter visits (6 direct, 4 mobile) with
# these waits in minutes, and five online applications (no counter wait; 4 of 5 within standard).
WAITS = [2, 4, 7, 9, 11, 13, 16, 22, 35, 70]
COUNTER = ["direct", "mobile"] * 4 + ["direct", "direct"]
ONLINE_SLA = [True, True, True, True, False]
# served 15; digital (mobile + online) 9 -> 60 %; SLA: waits within 30 min 8 of 10, plus 4 of 5 -> 12/15


def load_dataset(session: Session) -> tuple[MppSite, MppSite]:
    sragen, banyumas = site(session, "sragen"), site(session, "banyumas")
    direct = offered(session, sragen.id)
    online = offered(session, sragen.id, "online")
    day0 = MARCH.start
    for i, (wait, channel) in enumerate(zip(WAITS, COUNTER, strict=True)):
        arrived = at(day0 + timedelta(days=i), 8 + i % 5)
        analytics.record_service_event(
            session=session, kind="queue", outcome="served", site_id=sragen.id, agency_id=direct.agency_id,
            service_id=direct.id, channel=channel, arrived_at=arrived,
            occurred_at=arrived + timedelta(minutes=wait + 5), wait_seconds=wait * 60, service_seconds=300)
    for i, met in enumerate(ONLINE_SLA):
        submitted = at(day0 + timedelta(days=i), 20)
        analytics.record_service_event(
            session=session, kind="application", outcome="served", site_id=sragen.id, agency_id=online.agency_id,
            service_id=online.id, channel="online", arrived_at=submitted,
            occurred_at=submitted + timedelta(hours=2), service_seconds=7200, sla_met=met)
    # one no-show: not a service delivered, no wait counted
    analytics.record_service_event(session=session, kind="queue", outcome="not_served", site_id=sragen.id,
                                   agency_id=direct.agency_id, service_id=direct.id, channel="direct",
                                   occurred_at=at(day0, 11))
    # three survey answers: IKM (80 + 90 + 100) / 3 = 90 -> grade A
    for score in (80, 90, 100):
        analytics.record_service_event(session=session, kind="survey", outcome="answered", site_id=sragen.id,
                                       agency_id=direct.agency_id, service_id=direct.id, channel="direct",
                                       occurred_at=at(day0 + timedelta(days=1), 12), satisfaction=score)
    # complaints: two opened in February, one in March, one closed in March -> 2 open at the end
    for when, outcome in ((date(2026, 2, 20), "opened"), (date(2026, 2, 21), "opened"),
                          (date(2026, 3, 2), "opened"), (date(2026, 3, 5), "closed")):
        analytics.record_service_event(session=session, kind="complaint", outcome=outcome, site_id=sragen.id,
                                       agency_id=direct.agency_id, channel="online", occurred_at=at(when, 10))
    # ... and the complaint rows behind them (open complaints are counted from the complaint table)
    filer = User(full_name="Pelapor Uji", email="pelapor@analytics.test", password_hash="x",
                 created_at=at(date(2026, 2, 1)))
    session.add(filer)
    session.flush()
    for i, (filed, closed) in enumerate(((date(2026, 2, 20), date(2026, 3, 5)), (date(2026, 2, 21), None),
                                         (date(2026, 3, 2), None))):
        session.add(Complaint(tracking_number=f"ADU-UJI-{i}", citizen_id=filer.id, site_id=sragen.id,
                              agency_id=direct.agency_id, subject_kind="site", category="lainnya",
                              description_sealed="", status="selesai" if closed else "diteruskan",
                              filed_at=at(filed, 10), filed_day=filed, closed_at=at(closed, 10) if closed else None,
                              closed_day=closed, updated_at=at(filed, 10)))
    # previous period (19-28 February): five served visits, all direct, waits of 10 minutes
    for i in range(5):
        arrived = at(date(2026, 2, 20) + timedelta(days=i), 9)
        analytics.record_service_event(session=session, kind="queue", outcome="served", site_id=sragen.id,
                                       agency_id=direct.agency_id, service_id=direct.id, channel="direct",
                                       arrived_at=arrived, occurred_at=arrived + timedelta(minutes=15),
                                       wait_seconds=600)
    # Banyumas, same days: must never appear in Sragen's figures
    b_service = offered(session, banyumas.id)
    for i in range(7):
        analytics.record_service_event(session=session, kind="queue", outcome="served", site_id=banyumas.id,
                                       agency_id=b_service.agency_id, service_id=b_service.id, channel="direct",
                                       occurred_at=at(MARCH.start + timedelta(days=i), 10), wait_seconds=60 * 50)
    session.flush()
    return sragen, banyumas


def test_kpis_equal_the_hand_computed_figures(clean, session):
    load_dataset(session)
    scope = analytics.regency_scope(session=session, regency_code="33.14")
    assert scope.population == SRAGEN_POPULATION
    current, previous = analytics.kpis(session=session, scope=scope, filters=MARCH)

    assert current.served == 15 and current.not_served == 1
    assert current.digital == 9 and current.digital_share == pytest.approx(0.6)
    # median: the exact median of the ten waits is (11 + 13) / 2 = 12; the histogram puts the
    # 5th of 10 at the top of bucket [10, 12) and interpolates to exactly 12
    assert statistics.median(WAITS) == 12
    assert current.wait_median == pytest.approx(12.0)
    # p90: the 9th wait (35 min) lies in bucket [30, 40); the estimate stays in that bucket
    exact_p90 = sorted(WAITS)[8]
    assert 30 <= exact_p90 < 40 and 30 <= current.wait_p90 <= 40
    assert current.wait_mean == pytest.approx(sum(WAITS) / 10)
    # SLA: 8 of 10 waits within 30 minutes, 4 of 5 applications within their standard
    assert current.sla_rate == pytest.approx(12 / 15)
    assert current.ikm == pytest.approx(90.0) and current.ikm_grade == "A" and current.survey_n == 3
    assert current.open_complaints == 2 and current.complaints_opened == 1
    assert current.per_1000 == pytest.approx(15 * 1000 / SRAGEN_POPULATION)

    assert previous.served == 5 and previous.digital_share == 0
    assert previous.wait_median == pytest.approx(10 + 2 * 2.5 / 5)  # five waits of 10 min in [10, 12)
    assert previous.open_complaints == 2
    assert analytics.change("served", "count", current.served, previous.served) == pytest.approx(2.0)  # +200 %
    assert analytics.change("digital_share", "percent", current.digital_share, previous.digital_share) == \
        pytest.approx(60.0)  # +60 percentage points
    assert analytics.format_change("count", 2.0, "id") == "+200,0%"
    assert analytics.format_change("percent", 60.0, "en") == "+60.0 pp"
    assert analytics.format_metric("minutes", current.wait_median, "id") == "12,0 mnt"
    assert analytics.format_metric("percent", current.digital_share, "en") == "60.0%"
    assert analytics.format_metric("count", 12345, "id") == "12.345"


def test_scopes_add_up_and_never_mix(clean, session):
    sragen, banyumas = load_dataset(session)
    sragen_k, _ = analytics.kpis(session=session, scope=analytics.regency_scope(session=session, regency_code="33.14"),
                                 filters=MARCH)
    banyumas_k, _ = analytics.kpis(session=session,
                                   scope=analytics.regency_scope(session=session, regency_code="33.02"), filters=MARCH)
    province_k, _ = analytics.kpis(session=session, scope=analytics.province_scope(session=session, province_code="33"),
                                   filters=MARCH)
    national_k, _ = analytics.kpis(session=session, scope=analytics.national_scope(session=session), filters=MARCH)
    assert (sragen_k.served, banyumas_k.served) == (15, 7)
    assert banyumas_k.wait_median == pytest.approx(55.0)  # all seven waits of 50 min in [50, 60): mid-bucket
    assert province_k.served == national_k.served == 22


def test_dashboard_sections(clean, session):
    load_dataset(session)
    scope = analytics.regency_scope(session=session, regency_code="33.14")
    board = analytics.dashboard(session=session, scope=scope, filters=MARCH)
    assert len(board.trend) == 10 and sum(r["served"] for r in board.trend) == 15
    assert sum(r["served"] for r in board.channel_mix) == 15
    assert sum(r["served"] for r in board.by_agency) == 15
    assert sum(r["served"] for r in board.top_services) == 15
    assert sum(map(sum, board.heatmap)) == 16  # fifteen served + the no-show
    assert sum(row[20] for row in board.heatmap) == 5  # online applications submitted at 20:00
    weekly = analytics.dashboard(session=session, scope=scope, filters=Filters(MARCH.start, MARCH.end, grain="week"))
    assert weekly.trend[0]["period"] == date(2026, 2, 23)  # the ISO week holding 1 March
    assert sum(r["served"] for r in weekly.trend) == 15
    online_only = analytics.kpis(session=session, scope=scope,
                                 filters=Filters(MARCH.start, MARCH.end, channel="online"))[0]
    assert online_only.served == 5 and online_only.digital_share == 1 and online_only.wait_median is None


def test_rebuild_gives_the_same_rollups_as_incremental_upserts(clean, session):
    load_dataset(session)
    session.flush()

    def snapshot():
        return {table: sorted(tuple(r) for r in session.execute(text(f"SELECT * FROM {table}")).all())
                for table in ("analyticsdaily", "analyticsservicedaily", "analyticshourly", "analyticsmonthly",
                      "analyticsservicemonthly", "analyticshourlymonthly")}

    incremental = snapshot()
    analytics.rebuild_rollups(session=session)
    assert snapshot() == incremental
    analytics.rebuild_rollups(session=session, start=date(2026, 3, 1), end=date(2026, 3, 3))
    assert snapshot() == incremental


def test_wait_quantile_and_buckets():
    assert analytics.wait_quantile([0] * len(WAIT_BUCKET_EDGES), 0.5) is None
    hist = [0] * len(WAIT_BUCKET_EDGES)
    hist[-1] = 4  # all beyond 180 min: reported as the open bucket's lower edge
    assert analytics.wait_quantile(hist, 0.9) == 180
    assert analytics.wait_bucket(0) == 0 and analytics.wait_bucket(59) == 0 and analytics.wait_bucket(60) == 1
    assert analytics.wait_bucket(11 * 60) == WAIT_BUCKET_EDGES.index(10)
    assert analytics.ikm_grade(88.31) == "A" and analytics.ikm_grade(88.3) == "B" and analytics.ikm_grade(64.99) == "D"
    assert analytics.utc_offset_hours("33.14") == 7 and analytics.utc_offset_hours("51.71") == 8
    assert analytics.utc_offset_hours("91.01") == 9


def test_record_service_event_rejects_bad_events(clean, session):
    from mpp_digital.errors import ValidationError

    sragen = site(session, "sragen")
    service = offered(session, sragen.id)
    base = dict(session=session, kind="queue", outcome="served", site_id=sragen.id, agency_id=service.agency_id,
                service_id=service.id, channel="direct", occurred_at=at(MARCH.start))
    for bad in ({"kind": "visit"}, {"outcome": "answered"}, {"channel": "fax"}, {"wait_seconds": -1},
                {"occurred_at": datetime(2026, 3, 1, 9)}, {"site_id": 999_999}, {"quantity": 0}):
        with pytest.raises(ValidationError):
            analytics.record_service_event(**{**base, **bad})
    event = analytics.record_service_event(**base, wait_seconds=31 * 60)
    assert event.sla_met is False and event.local_day == MARCH.start and event.local_hour == 9


def test_generator_is_realistic_and_its_rollups_match_the_events(clean, session):
    result = history.generate_history(session=session, events=3000, years=0.5, end=date(2026, 3, 31), seed=1)
    assert result.events == 3000 and result.last_day <= date(2026, 3, 31)
    counts = dict(session.execute(text("SELECT kind, COUNT(*) FROM serviceevent GROUP BY kind")).all())
    assert sum(counts.values()) == 3000 and counts["survey"] > 100 and counts["complaint"] >= 10
    served_events = session.execute(text(
        "SELECT COUNT(*) FROM serviceevent WHERE kind IN ('queue', 'application') AND outcome = 'served'")).scalar()
    national = analytics.national_scope(session=session)
    k, _ = analytics.kpis(session=session, scope=national, filters=Filters(date(2025, 1, 1), date(2026, 3, 31)))
    assert k.served == served_events
    assert 0.1 < k.digital_share < 0.7 and 3 < k.wait_median < 40 and k.open_complaints >= 0
    # demand follows population: Surabaya (2.9 M residents) busier than Sragen (1.0 M)
    by_slug = {r["slug"]: r["kpis"].served for r in analytics.ranking(
        session=session, filters=Filters(date(2025, 10, 1), date(2026, 3, 31)))}
    assert by_slug["surabaya"] > by_slug["sragen"]


def test_exports_hold_the_numbers_the_page_shows(clean, session):
    load_dataset(session)
    board = analytics.dashboard(session=session, scope=analytics.regency_scope(session=session, regency_code="33.14"),
                                filters=MARCH)
    tables = reports.dashboard_tables(board, "id")
    book = load_workbook(io.BytesIO(reports.to_xlsx(tables, MARCH)))
    rows = list(book["kpi"].iter_rows(values_only=True))
    header = rows[0]
    values = {r[header.index("metric")]: r[header.index("value")] for r in rows[1:]}
    assert values["served"] == 15 and values["digital_share"] == 60.0 and values["wait_median"] == 12.0
    shown = {r[header.index("metric")]: r[header.index("shown")] for r in rows[1:]}
    assert shown["wait_median"] == analytics.format_metric("minutes", board.kpis.wait_median, "id")
    csv_text = reports.to_csv(tables).decode("utf-8-sig")
    assert "kpi,1,metric,served" in csv_text and "kpi,1,value,15" in csv_text


def test_monthly_pdf_report(clean, session):
    load_dataset(session)
    steps = []
    pdf = reports.monthly_report_pdf(session=session, month=date(2026, 3, 1), lang="id",
                                     now=datetime(2026, 4, 2, tzinfo=UTC), progress=lambda f, s: steps.append(s))
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert steps[-1] == "done" and "ranking" in steps


def test_split_range_into_partial_days_and_whole_months():
    split = analytics.split_range
    assert split(date(2026, 3, 1), date(2026, 3, 31)) == ([], (date(2026, 3, 1), date(2026, 3, 1)))
    assert split(date(2026, 3, 5), date(2026, 3, 20)) == ([(date(2026, 3, 5), date(2026, 3, 20))], None)
    assert split(date(2026, 1, 15), date(2026, 4, 10)) == (
        [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 10))],
        (date(2026, 2, 1), date(2026, 3, 1)))
    assert split(date(2025, 12, 31), date(2026, 2, 28)) == (
        [(date(2025, 12, 31), date(2025, 12, 31))], (date(2026, 1, 1), date(2026, 2, 1)))


def test_long_ranges_read_monthly_rollups_and_agree_with_daily_ones(clean, session):
    load_dataset(session)
    scope = analytics.regency_scope(session=session, regency_code="33.14")
    whole = Filters(date(2026, 2, 1), date(2026, 3, 31))  # two whole months: monthly tables only
    mixed = Filters(date(2026, 2, 15), date(2026, 3, 31))  # half of February from the daily tables
    for flt in (whole, mixed):
        board = analytics.dashboard(session=session, scope=scope, filters=flt)
        assert board.kpis.served == 20  # 15 in March, 5 from 20 February
        assert sum(r["served"] for r in board.by_agency) == 20
        assert sum(r["served"] for r in board.top_services) == 20
        assert sum(map(sum, board.heatmap)) == 21
        assert sum(r["kpis"].served for r in analytics.ranking(session=session, filters=flt)) == 27
    # the monthly rows equal the daily rows summed per month
    monthly = dict(session.execute(text(
        "SELECT month, served FROM analyticsmonthly WHERE scope = 'n' AND agency_id = 0 AND channel = 'direct'")).all())
    daily = session.execute(text(
        "SELECT day, served FROM analyticsdaily WHERE scope = 'n' AND agency_id = 0 AND channel = 'direct'")).all()
    per_month: dict = {}
    for day, served in daily:
        key = date.fromisoformat(str(day)[:10]).replace(day=1)
        per_month[key] = per_month.get(key, 0) + served
    assert {date.fromisoformat(str(k)[:10]): v for k, v in monthly.items()} == per_month
