"""The SKM survey's handlers and report route (issue 14): a citizen answers the survey of their
own served visit once; another person's visit, a second answer or a score outside 1-4 is refused
with a message and nothing saved; the dashboards' SKM section and the report keep to the scope
(regional head: own regency; ministry: every unit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from starlette.testclient import TestClient

from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.models import Channel, MppSite, QueueTicket, Role, SurveyResponse, TicketStatus
from mpp_digital.services import analytics, surveys
from tests.state.conftest import call, import_state_modules, make_tree, substate
from tests.state.test_guard_matrix import ensure_session, is_not_allowed_toast

import_state_modules()

from state.skm import SkmDashboardState, SurveyState  # noqa: E402

TABLES = ("surveyresponse", "surveymonthly", "analyticsdaily", "analyticsservicedaily", "analyticshourly",
          "analyticsmonthly", "analyticsservicemonthly", "analyticshourlymonthly", "serviceevent")
GOOD = {f"u{i}": "3" for i in range(1, 10)}


def _site(db: Session, slug: str) -> tuple[int, int, int]:
    """The site and one service of it (another one per site: a citizen holds one ticket per service and day)."""
    site = db.exec(select(MppSite).where(MppSite.slug == slug)).one()
    order = "DESC" if slug == "banyumas" else "ASC"
    service_id, agency_id = db.execute(text(
        "SELECT s.id, s.agency_id FROM siteservice o JOIN service s ON s.id = o.service_id "
        f"WHERE o.site_id = :site ORDER BY s.id {order} LIMIT 1"), {"site": site.id}).one()
    return site.id, agency_id, service_id


def _done_ticket(db: Session, citizen_id: int, slug: str, number: int) -> int:
    site_id, agency_id, service_id = _site(db, slug)
    now = utcnow()
    ticket = QueueTicket(site_id=site_id, agency_id=agency_id, service_id=service_id,
                         day=analytics.local_today(now), channel=Channel.DIRECT, number=number,
                         code=f"S-{number:03d}", pin="1234", citizen_id=citizen_id, status=TicketStatus.DONE,
                         active=None, slot_start_at=now - timedelta(hours=1), slot_end_at=now,
                         expires_at=now + timedelta(hours=8), created_at=now - timedelta(hours=2),
                         finished_at=now - timedelta(minutes=5))
    ticket.active = None  # a finished ticket holds no place (the constructor keeps the default for None)
    db.add(ticket)
    db.flush()
    return ticket.id or 0


@pytest.fixture(scope="module")
def visits(app_db, engine, accounts_by_role) -> Iterator[dict[str, int]]:
    """Served tickets: two of the citizen's (Sragen, Banyumas) and one of the victim's (Sragen)."""
    with Session(engine) as db:
        made = {"own": _done_ticket(db, accounts_by_role["citizen"].user_id, "sragen", 901),
                "own_banyumas": _done_ticket(db, accounts_by_role["citizen"].user_id, "banyumas", 902),
                "victim": _done_ticket(db, accounts_by_role["victim"].user_id, "sragen", 903)}
        db.commit()
    yield made
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def _responses(engine) -> int:
    with Session(engine) as db:
        return len(db.exec(select(SurveyResponse.id)).all())


def survey_tree(account, ref: str):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path=f"/survei/{ref}")
    return substate(root, SurveyState)


def test_citizen_answers_own_visit_once(visits, accounts_by_role, engine):
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    state = survey_tree(citizen, f"t{visits['own']}")
    call(SurveyState.load, state)
    assert state.error == "" and state.service and not state.answered and len(state.items) == 9
    before = _responses(engine)
    call(SurveyState.submit, state, {**GOOD, "sex": "P", "saran": "Ruang tunggu nyaman"})
    assert state.done and state.error == "" and _responses(engine) == before + 1
    again = survey_tree(citizen, f"t{visits['own']}")
    call(SurveyState.load, again)
    assert again.answered
    call(SurveyState.submit, again, {**GOOD, "u1": "1"})
    assert again.error == t("survey.already", "id") and _responses(engine) == before + 1


def test_another_persons_visit_is_not_found(visits, accounts_by_role, engine):
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    state = survey_tree(citizen, f"t{visits['victim']}")
    call(SurveyState.load, state)
    assert state.error == t("survey.not_found", "id") and state.service == "" and state.items == []
    before = _responses(engine)
    call(SurveyState.submit, state, GOOD)
    assert state.error == t("survey.not_found", "id") and not state.done and _responses(engine) == before


def test_score_outside_one_to_four_shows_its_field(visits, accounts_by_role, engine):
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    state = survey_tree(citizen, f"t{visits['own_banyumas']}")
    call(SurveyState.load, state)
    before = _responses(engine)
    call(SurveyState.submit, state, {**GOOD, "u3": "9"})
    assert "u3" in state.field_errors and not state.done and _responses(engine) == before
    call(SurveyState.submit, state, {**GOOD, "saran": "x" * 2001})
    assert "saran" in state.field_errors and _responses(engine) == before
    call(SurveyState.submit, state, GOOD)  # now a Banyumas answer exists, for the scope tests below
    assert state.done


def _dashboard(account, path: str):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)
    return substate(root, SkmDashboardState)


def test_dashboard_sections_keep_to_the_scope(visits, accounts_by_role, engine):
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    state = survey_tree(citizen, f"t{visits['own']}")
    call(SurveyState.load, state)  # answered by the first test, or now
    if not state.answered:
        call(SurveyState.submit, state, GOOD)
    if not survey_tree(citizen, f"t{visits['own_banyumas']}").answered:
        other = survey_tree(citizen, f"t{visits['own_banyumas']}")
        call(SurveyState.load, other)
        if not other.answered:
            call(SurveyState.submit, other, GOOD)
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    regional = _dashboard(head, "/dasbor/daerah")
    call(SkmDashboardState.load_regional, regional)
    sites = {u["site"] for u in regional.units + regional.units_short}
    assert regional.has_data and sites and all("Sragen" in s for s in sites)
    assert regional.total["sufficient"] == "" and regional.units == []  # nobody served recorded: all apart
    assert all("/laporan/skm.pdf?unit=" in u["pdf"] for u in regional.units_short)
    assert regional.levels and all("Sragen" in r["name"] for r in regional.levels)  # its sites
    assert all(int(u["n"]) > 0 for u in regional.units_short)  # units with no answer are only counted
    assert int(regional.counts["silent"]) >= 0
    call(SkmDashboardState.choose_period, regional, "2026-S9")
    assert regional.error == t("survey.error.period", "id")
    ministry = ensure_session(engine, accounts_by_role[Role.MINISTRY.value])
    national = _dashboard(ministry, "/dasbor/nasional")
    call(SkmDashboardState.load_national, national)
    sites = {u["site"] for u in national.units + national.units_short}
    assert any("Sragen" in s for s in sites) and any("Banyumas" in s for s in sites)
    assert int(national.total["n"]) >= 2 and len(national.unsur_rows) == 9
    assert {"Jawa Tengah"} <= {r["name"].strip().title() for r in national.levels}  # per province
    # the regional head cannot run the national loader
    assert is_not_allowed_toast(call(SkmDashboardState.load_national, _dashboard(head, "/dasbor/nasional")))


def test_report_route_checks_cookie_and_scope(visits, accounts_by_role, engine):
    from mpp_digital import routes
    from mpp_digital.web_routes import build_api

    with Session(engine) as db:
        sragen = "{}-{}".format(*_site(db, "sragen")[:2])
        banyumas = "{}-{}".format(*_site(db, "banyumas")[:2])
    period = surveys.current_semester(analytics.local_today(utcnow())).code
    client = TestClient(build_api())

    def get(account, unit: str, fmt: str = "pdf"):
        cookies = {routes.SESSION_COOKIE: account.cookie_value} if account else {}
        client.cookies.clear()
        return client.get(routes.skm_report_url(unit, period, fmt), cookies=cookies)

    ministry = ensure_session(engine, accounts_by_role[Role.MINISTRY.value])
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    officer = ensure_session(engine, accounts_by_role[Role.OFFICER.value])
    ok = get(ministry, banyumas)
    assert ok.status_code == 200 and ok.content.startswith(b"%PDF")
    assert ok.headers["cache-control"] == "no-store"
    csv_ok = get(head, sragen, "csv")
    assert csv_ok.status_code == 200 and "NRR" not in csv_ok.text.split("\n")[0] and "unsur" in csv_ok.text
    assert get(head, banyumas).status_code == 403
    assert get(officer, sragen).status_code == 403
    assert get(None, sragen).status_code == 401
    assert client.get(routes.SKM_REPORT_PDF + "?unit=x&periode=2026-S2",
                      cookies={routes.SESSION_COOKIE: ministry.cookie_value}).status_code == 400
    with Session(engine) as db:
        assert db.execute(text("SELECT count(*) FROM auditlog WHERE action = 'skm_report'")).scalar() >= 2
