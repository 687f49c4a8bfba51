"""Scope on the server: the regional head of Sragen (33.14) never obtains Banyumas (33.02) figures.

Not through the page, not through crafted events (handlers called with another regency or
site), not through state vars changed from the browser (``setvar``), not through exports.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.models import MppSite, Role
from mpp_digital.services import analytics
from tests.state.conftest import call, import_state_modules, make_tree, substate
from tests.state.test_guard_matrix import ensure_session, error_toasts, is_not_allowed_toast

import_state_modules()

from state.dashboard import NationalDashboardState, RegionalDashboardState  # noqa: E402

SRAGEN_SERVED, BANYUMAS_SERVED = 3, 777  # Banyumas' number is one Sragen can never show
TABLES = ("analyticsdaily", "analyticsservicedaily", "analyticshourly", "analyticsmonthly", "analyticsservicemonthly",
          "analyticshourlymonthly", "serviceevent")


@pytest.fixture(scope="module")
def figures(app_db, engine) -> Iterator[None]:
    """Today's events: 3 served in Sragen, 777 in Banyumas (one event with quantity 777)."""
    today = analytics.local_today(utcnow())
    with Session(engine) as db:
        for slug, quantity in (("sragen", SRAGEN_SERVED), ("banyumas", BANYUMAS_SERVED)):
            site = db.exec(select(MppSite).where(MppSite.slug == slug)).one()
            service_id, agency_id = db.execute(text(
                "SELECT s.id, s.agency_id FROM siteservice o JOIN service s ON s.id = o.service_id "
                "WHERE o.site_id = :site ORDER BY s.id LIMIT 1"), {"site": site.id}).one()
            analytics.record_service_event(session=db, kind="queue", outcome="served", site_id=site.id,
                                           agency_id=agency_id, service_id=service_id, channel="direct",
                                           occurred_at=utcnow() - timedelta(hours=1), wait_seconds=600,
                                           quantity=quantity, source="test", source_ref=slug)
        db.commit()
    assert today
    yield
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def regional_tree(account):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path="/dasbor/daerah")
    return root, substate(root, RegionalDashboardState)


def shows_banyumas(state) -> bool:
    values = " ".join(str(v) for v in state.kpi_values.values())
    return "Banyumas" in state.regency_name or "777" in values or state.regency_code == "33.02"


def test_regional_head_sees_own_regency(figures, accounts_by_role, engine):
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    _root, state = regional_tree(head)
    assert call(RegionalDashboardState.load, state) is None
    assert state.regency_code == "33.14" and "Sragen" in state.regency_name
    assert state.kpi_values["served"] == str(SRAGEN_SERVED)
    assert [c["code"] for c in state.regency_choices] == ["33.14"]


def test_crafted_event_for_another_regency_is_refused(figures, accounts_by_role, engine):
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    _root, state = regional_tree(head)
    call(RegionalDashboardState.load, state)
    result = call(RegionalDashboardState.choose_regency, state, "33.02")
    assert is_not_allowed_toast(result)
    assert not shows_banyumas(state) and state.kpi_values == {}  # emptied, not Banyumas


@pytest.mark.parametrize("var", ["regency_code", "_regency"])
def test_state_vars_changed_from_the_browser_do_not_widen_the_scope(var, figures, accounts_by_role, engine):
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    _root, state = regional_tree(head)
    call(RegionalDashboardState.load, state)
    setattr(state, var, "33.02")  # what a crafted setvar event (or a corrupted state) would do
    call(RegionalDashboardState.apply, state, {"start": "", "end": ""})
    assert not shows_banyumas(state)
    assert state.kpi_values.get("served") == str(SRAGEN_SERVED)
    for export in (RegionalDashboardState.export_xlsx, RegionalDashboardState.export_csv):
        setattr(state, var, "33.02")
        spec = call(export, state)
        assert not error_toasts(spec)
        data = str(spec.args)
        assert "dasbor-33.14" in data and "dasbor-33.02" not in data


def test_exported_xlsx_holds_only_own_figures(figures, accounts_by_role, engine):
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    _root, state = regional_tree(head)
    call(RegionalDashboardState.load, state)
    state.regency_code = "33.02"
    tables, _flt, code = _run(state._export())
    assert code == "33.14"
    from mpp_digital.services import reports

    book = load_workbook(io.BytesIO(reports.to_xlsx(tables)))
    cells = {str(c) for row in book["kpi"].iter_rows(values_only=True) for c in row}
    assert str(SRAGEN_SERVED) in cells and str(BANYUMAS_SERVED) not in cells
    assert not any("Banyumas" in c for c in cells)


def test_regional_head_cannot_use_the_national_dashboard(figures, accounts_by_role, engine):
    head = ensure_session(engine, accounts_by_role[Role.REGIONAL_HEAD.value])
    root = make_tree(cookie=head.cookie_header, client_token=head.client_token, path="/dasbor/nasional")
    national = substate(root, NationalDashboardState)
    banyumas_id = _site_id(engine, "banyumas")
    for handler, args in ((NationalDashboardState.load, ()), (NationalDashboardState.drill, (str(banyumas_id),)),
                          (NationalDashboardState.add_compare, (str(banyumas_id),)),
                          (NationalDashboardState.export_xlsx, ())):
        assert is_not_allowed_toast(call(handler, national, *args))
        assert national.compare_rows == [] and national.ranking_rows == [] and national.drill_values == {}


def test_ministry_compares_sragen_and_banyumas(figures, accounts_by_role, engine):
    ministry = ensure_session(engine, accounts_by_role[Role.MINISTRY.value])
    root = make_tree(cookie=ministry.cookie_header, client_token=ministry.client_token, path="/dasbor/nasional")
    national = substate(root, NationalDashboardState)
    assert call(NationalDashboardState.load, national) is None
    assert [n.split()[-1] for n in national.compare_names] == ["Sragen", "Banyumas"]
    served = next(r for r in national.compare_rows if r["metric"] == "served")
    assert (served["c0"], served["c1"]) == (str(SRAGEN_SERVED), str(BANYUMAS_SERVED))
    assert len(national.ranking_rows) == 103
    assert national.ranking_rows[0]["served"] == str(BANYUMAS_SERVED)  # sorted by services, largest first
    call(NationalDashboardState.drill, national, str(_site_id(engine, "banyumas")))
    assert national.drill_values["served"] == str(BANYUMAS_SERVED)
    call(NationalDashboardState.set_per_capita, national, True)
    assert national.ranking_rows[0]["served"] == analytics.format_metric(
        "ratio", BANYUMAS_SERVED * 1000 / 1_868_446, "id")


def _site_id(engine, slug: str) -> int:
    with Session(engine) as db:
        return db.exec(select(MppSite).where(MppSite.slug == slug)).one().id


def _run(coro):
    from state import session as guard
    from tests.loops import run_on_own_loop

    async def with_principal():
        from mpp_digital.db import session_scope
        from mpp_digital.services import accounts

        raw = guard.session_cookie(coro.cr_frame.f_locals["self"].router.headers.cookie)
        with session_scope() as db:
            who = accounts.resolve_session(session=db, raw=raw, now=utcnow())
        token = guard._PRINCIPAL.set(who)
        try:
            return await coro
        finally:
            guard._PRINCIPAL.reset(token)

    return run_on_own_loop(with_principal())


def test_period_default_is_the_last_thirty_days():
    today = analytics.local_today(utcnow())
    flt = analytics.default_filters(today)
    assert flt.end == today and flt.days == 30 and flt.previous().end == flt.start - timedelta(days=1)
    assert date.today() - today <= timedelta(days=1)
