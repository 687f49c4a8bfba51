"""Staff administration and "Data saya" through the real handlers: a deactivated account's open tab
and a revoked grant are refused on their very next event; closing one's account ends the session."""

from __future__ import annotations

from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.models import AuditLog, OAuthClient, Role, User
from mpp_digital.services import accounts, sso
from state.admin import RolesAdminState
from state.counter import CounterState
from state.my_data import MyDataState
from state.profile import ProfileState
from tests.sso_support import register_app
from tests.state.conftest import (
    PASSWORD,
    Account,
    _create_user,
    _site_id,
    call,
    make_tree,
    session_alive,
    start_session,
    substate,
)
from tests.state.test_guard_matrix import assert_wiped, ensure_session, error_toasts, is_not_allowed_toast, login_redirect


def _staff(engine, key: str, role: Role) -> Account:
    with Session(engine, expire_on_commit=False) as db:
        account = _create_user(db, key=key, role=role, site_id=_site_id(db), regency=None)
        db.commit()
    return start_session(engine, account)


def _citizen(engine, key: str, nik: str) -> Account:
    with Session(engine, expire_on_commit=False) as db:
        email = f"{key}@guard.test"
        user = accounts.register_citizen(
            session=db, registration=accounts.Registration(nik=nik, full_name="Warga Penutup", email=email,
                                                           phone="081234567890", password=PASSWORD),
            now=utcnow())
        db.commit()
        account = Account(key=key, user_id=user.id or 0, email=email, full_name="Warga Penutup")
    return start_session(engine, account)


def _admin_tree(engine, accounts_by_role):
    admin = ensure_session(engine, accounts_by_role[Role.SUPERADMIN.value])
    root = make_tree(cookie=admin.cookie_header, client_token=admin.client_token)
    state = substate(root, RolesAdminState)
    call(RolesAdminState.load, state)
    return admin, state


def test_a_deactivated_users_open_tab_is_refused_on_its_next_event(accounts_by_role, engine):
    officer = _staff(engine, "officer_two", Role.OFFICER)
    tab = make_tree(cookie=officer.cookie_header, client_token=officer.client_token)
    profile = substate(tab, ProfileState)
    assert call(ProfileState.load, profile) is None and profile.email == officer.email

    _, admin = _admin_tree(engine, accounts_by_role)
    row = next(u for u in admin.users if u.email == officer.email)
    assert row.status == "active"
    call(RolesAdminState.deactivate, admin, row.id)
    assert admin.error == "" and admin.notice
    assert next(u for u in admin.users if u.email == officer.email).status == "inactive"

    result = call(ProfileState.load, profile)  # the same open tab, its next event
    assert login_redirect(result)
    assert_wiped(profile)
    assert not session_alive(engine, officer)

    call(RolesAdminState.reactivate, admin, row.id)
    assert next(u for u in admin.users if u.email == officer.email).status == "active"
    assert not session_alive(engine, officer)  # reactivation does not revive the ended sessions
    with Session(engine) as db:
        actions = [a.action for a in db.exec(select(AuditLog).where(AuditLog.target == f"user:{officer.user_id}"))]
    assert {"account_deactivated", "account_reactivated"} <= set(actions)


def test_a_revoked_grant_is_refused_on_the_next_event(accounts_by_role, engine):
    officer = _staff(engine, "officer_three", Role.OFFICER)
    tab = make_tree(cookie=officer.cookie_header, client_token=officer.client_token, path="/petugas/loket")
    counter = substate(tab, CounterState)
    assert not is_not_allowed_toast(call(CounterState.load, counter))

    _, admin = _admin_tree(engine, accounts_by_role)
    grant = next(g for g in admin.grants if g.email == officer.email and g.role == Role.OFFICER.value)
    call(RolesAdminState.revoke_grant, admin, grant.id)
    assert admin.error == "" and not any(g.id == grant.id for g in admin.grants)

    assert is_not_allowed_toast(call(CounterState.load, counter))  # no officer grant any more
    assert_wiped(counter)
    assert session_alive(engine, officer)  # still signed in, as the citizen they also are


def test_a_superadmin_cannot_deactivate_themselves_nor_act_on_unknown_ids(accounts_by_role, engine):
    admin_account, admin = _admin_tree(engine, accounts_by_role)
    call(RolesAdminState.deactivate, admin, str(admin_account.user_id))
    assert admin.error and session_alive(engine, admin_account)
    for handler, arg in ((RolesAdminState.deactivate, "999999"), (RolesAdminState.revoke_grant, "999999"),
                         (RolesAdminState.reactivate, "not-a-number")):
        admin.error = ""
        call(handler, admin, arg)
        assert admin.error


def test_data_saya_lists_the_apps_that_received_my_data(accounts_by_role, engine):
    citizen = _citizen(engine, "warga.rilis", "3314011203850002")
    with Session(engine, expire_on_commit=False) as db:
        app = register_app(db, name="SIAK Rilis")
        client = db.exec(select(OAuthClient).where(OAuthClient.client_id == app.client_id)).one()
        sso.release_claims(session=db, user=db.get(User, citizen.user_id), client=client, scopes="openid email",
                           endpoint="token", now=utcnow())
        db.commit()
    tab = make_tree(cookie=citizen.cookie_header, client_token=citizen.client_token)
    state = substate(tab, MyDataState)
    call(MyDataState.load, state)
    assert [(r.app, r.claims) for r in state.releases] == [("SIAK Rilis", "acr, email, email_verified, sub")]
    other = ensure_session(engine, accounts_by_role["victim"])
    other_state = substate(make_tree(cookie=other.cookie_header, client_token=other.client_token), MyDataState)
    call(MyDataState.load, other_state)
    assert other_state.releases == []


def test_closing_my_account_needs_the_password_then_ends_the_session(accounts_by_role, engine):
    citizen = _citizen(engine, "warga.tutup", "3314015203850008")
    tab = make_tree(cookie=citizen.cookie_header, client_token=citizen.client_token)
    call(ProfileState.load, substate(tab, ProfileState))
    state = substate(tab, MyDataState)
    result = call(MyDataState.close_account, state, {"password": "not the password"})
    assert state.close_error and not error_toasts(result) and session_alive(engine, citizen)

    result = call(MyDataState.close_account, state, {"password": PASSWORD})
    scripts = [spec.args[0][1]._js_expr for spec in (result if isinstance(result, list) else [result])]
    assert any("/auth/keluar" in js for js in scripts)
    assert not session_alive(engine, citizen)
    assert_wiped(substate(tab, ProfileState))
    with Session(engine) as db:
        user = db.get(User, citizen.user_id)
        assert user.closed_at is not None and user.nik_lookup is None and user.email != citizen.email
