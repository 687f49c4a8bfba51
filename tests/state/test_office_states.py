"""/petugas/permohonan handlers on a real state tree: the work list, the case file (view logged), two
people acting on the same application (one wins, the other reads why and sees fresh data), and a
crafted action on another site's application (refused, audited)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.models import Application, AuditLog, DocumentAccess, MppSite, Role, Service, User
from mpp_digital.services.applications import lifecycle
from state.office import CaseState, WorkListState  # noqa: E402  (after the conftest imported every state module)
from tests.state.conftest import call, make_tree, substate
from tests.state.test_guard_matrix import error_toasts, is_not_allowed_toast
from tests.unit.office_setup import agency, application, clear_applications, service_of, site


@pytest.fixture()
def scene(accounts_by_role, engine):
    """An application of the test citizen at Sragen (Dukcapil) and one at another MPP."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as db:
        sragen = site(db, "sragen")
        elsewhere = db.exec(select(MppSite).where(MppSite.slug != "sragen").order_by(MppSite.id)).first()
        citizen = db.get(User, accounts_by_role[Role.CITIZEN.value].user_id)
        akta: Service = service_of(db, agency(db, "dukcapil"))
        ours = application(db, citizen=citizen, site_row=sragen, service=akta, due=now.date(), now=now)
        theirs = application(db, citizen=citizen, site_row=elsewhere, service=akta, due=now.date(), now=now)
        db.commit()
    yield {"ours": ours, "theirs": theirs}
    clear_applications(engine)


def tree(account, path=routes.OFFICE_APPLICATIONS):
    return make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)


def test_the_officer_sees_the_sites_applications_and_the_flags(scene, accounts_by_role):
    state = substate(tree(accounts_by_role[Role.OFFICER.value]), WorkListState)
    assert call(WorkListState.load, state) is None
    numbers = [r.number for r in state.rows]
    assert scene["ours"].tracking_number in numbers and scene["theirs"].tracking_number not in numbers
    row = next(r for r in state.rows if r.number == scene["ours"].tracking_number)
    assert row.due_today and row.unassigned and row.href == routes.office_case_url(row.number)
    assert state.due_today_count >= 1 and not state.can_assign
    call(WorkListState.claim, state, row.id, row.version)
    row = next(r for r in state.rows if r.number == scene["ours"].tracking_number)
    assert row.mine and not row.unassigned and state.notice == t("office.claimed", "id")
    call(WorkListState.set_filter, state, "assigned", "none")
    assert scene["ours"].tracking_number not in [r.number for r in state.rows]


def test_opening_a_case_logs_the_view_and_a_second_actor_gets_a_clear_message_and_fresh_data(
        scene, accounts_by_role, engine):
    number = scene["ours"].tracking_number
    path = routes.office_case_url(number)
    officer = substate(tree(accounts_by_role[Role.OFFICER.value], path), CaseState)
    admin = substate(tree(accounts_by_role[Role.SITE_ADMIN.value], path), CaseState)
    call(CaseState.load, officer)
    call(CaseState.load, admin)
    assert officer.number == admin.number == number and not officer.missing
    assert [a.key for a in officer.actions] == ["verifikasi", "kembalikan", "tolak"]
    with Session(engine) as db:
        viewers = {a.viewer_user_id for a in db.exec(select(DocumentAccess).where(
            DocumentAccess.application_id == scene["ours"].id, DocumentAccess.action == "view")).all()}
    assert viewers == {accounts_by_role[Role.OFFICER.value].user_id, accounts_by_role[Role.SITE_ADMIN.value].user_id}

    form = {"application_id": officer.app_id, "version": officer.version, "action": "verifikasi", "note": ""}
    call(CaseState.act, officer, form)
    assert officer.notice == t("office.done", "id") and officer.state_label == "Diverifikasi"
    # The site admin still shows the old version and tries to return it for correction.
    stale = {"application_id": admin.app_id, "version": admin.version, "action": "kembalikan", "note": "Foto buram"}
    call(CaseState.act, admin, stale)
    assert admin.error == t("app.stale", "id")
    assert admin.state_label == "Diverifikasi" and admin.version == officer.version, "fresh data is shown"
    with Session(engine) as db:
        assert db.get(Application, scene["ours"].id).state == "diverifikasi"
    # A return without its note is refused with the rule's message; nothing moves.
    call(CaseState.act, admin, {**stale, "version": admin.version, "note": ""})
    assert admin.error == t("app.note_required", "id") and admin.state_label == "Diverifikasi"


def test_a_crafted_action_on_another_sites_application_is_refused_and_audited(scene, accounts_by_role, engine):
    officer = accounts_by_role[Role.OFFICER.value]
    state = substate(tree(officer, routes.office_case_url(scene["ours"].tracking_number)), CaseState)
    theirs = scene["theirs"]
    result = call(CaseState.act, state, {"application_id": str(theirs.id), "version": "1", "action": "verifikasi",
                                         "note": ""})
    assert error_toasts(result)
    with Session(engine) as db:
        assert db.get(Application, theirs.id).state == "diajukan"
        row = db.exec(select(AuditLog).where(AuditLog.action == lifecycle.REFUSED,
                                             AuditLog.target == theirs.tracking_number)).one()
        assert row.actor_user_id == officer.user_id
    listing = substate(tree(officer), WorkListState)
    result = call(WorkListState.claim, listing, str(theirs.id), "1")
    assert is_not_allowed_toast(result) or error_toasts(result)
    with Session(engine) as db:
        assert db.get(Application, theirs.id).assigned_to is None
        assert len(db.exec(select(AuditLog).where(AuditLog.action == lifecycle.REFUSED,
                                                  AuditLog.target == theirs.tracking_number)).all()) == 2
    # Its case file is "not found" for this officer, and nothing is logged.
    case = substate(tree(officer, routes.office_case_url(theirs.tracking_number)), CaseState)
    call(CaseState.load, case)
    assert case.missing and case.number == ""
    with Session(engine) as db:
        assert db.exec(select(DocumentAccess).where(DocumentAccess.application_id == theirs.id)).all() == []


def test_a_site_admin_reassigns_to_an_officer_of_the_site(scene, accounts_by_role, engine):
    admin = substate(tree(accounts_by_role[Role.SITE_ADMIN.value]), WorkListState)
    call(WorkListState.load, admin)
    assert admin.can_assign
    row = next(r for r in admin.rows if r.number == scene["ours"].tracking_number)
    call(WorkListState.choose_assignee, admin, row.id)
    officer_id = str(accounts_by_role[Role.OFFICER.value].user_id)
    assert officer_id in [c.value for c in admin.officers] and admin.assign_for == row.id
    call(WorkListState.assign, admin, {"application_id": row.id, "version": row.version, "assignee": officer_id})
    assert admin.notice == t("office.assigned", "id")
    with Session(engine) as db:
        assert db.get(Application, scene["ours"].id).assigned_to == int(officer_id)
