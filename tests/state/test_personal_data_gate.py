"""A closed tab's client token hydrates nothing personal (issue 11).

Reflex sends a tab's stored state to whoever connects with its client token and asks to
hydrate, before any page loader runs. ``state.session.PersonalDataGate`` runs before that
snapshot is taken, under the state lock, and wipes every personal state unless the
connection's own cookie is the session the tab was filled under. The running app is attacked
over the websocket in tests/e2e/test_safe_by_default.py; these tests drive the gate on a real
state tree.
"""

from __future__ import annotations

from reflex_base.event import Event

import state.session as guard
from mpp_digital.models import Role
from tests.loops import run_on_own_loop
from tests.state.conftest import Account, call, connect, import_state_modules, make_tree, substate

import_state_modules()

from state.auth import RegisterState  # noqa: E402
from state.nav import NavState  # noqa: E402
from state.profile import ProfileState  # noqa: E402
from state.sso_admin import ClientRegistryState  # noqa: E402


def _event(name: str) -> Event:
    return Event(name=name)


HYDRATE = sorted(guard._hydrate_event_names())


def _through_gate(gate: guard.PersonalDataGate, root, name: str = HYDRATE[-1]) -> None:
    run_on_own_loop(gate.preprocess(None, root, _event(name)))


def _citizen_tab(account: Account):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token)
    call(NavState.refresh, substate(root, NavState))
    call(ProfileState.load, substate(root, ProfileState))
    assert substate(root, ProfileState).email == account.email
    return root


def test_the_app_runs_the_gate():
    from mpp_digital.mpp_digital import app

    assert any(isinstance(m, guard.PersonalDataGate) for m in app._middlewares)


def test_a_closed_tabs_token_without_a_cookie_hydrates_nothing_personal(accounts_by_role):
    citizen = accounts_by_role[Role.CITIZEN.value]
    root = _citizen_tab(citizen)
    register = substate(root, RegisterState)
    register.nik_preview, register.done_email = "Lahir 01-07-1990, perempuan", citizen.email
    connect(root, cookie=None, client_token=citizen.client_token, client_ip="203.0.113.5")
    for name in HYDRATE:  # the old hydrate and hydrate_and_load
        _through_gate(guard.PersonalDataGate(), root, name)
        profile = substate(root, ProfileState)
        assert (profile.email, profile.phone, profile.nik_masked, profile.birth_date, profile.sessions) == (
            "", "", "", "", [])
        assert (register.nik_preview, register.done_email) == ("", "")


def test_another_persons_cookie_with_the_token_hydrates_nothing_of_the_owner(accounts_by_role):
    citizen, ministry = accounts_by_role[Role.CITIZEN.value], accounts_by_role[Role.MINISTRY.value]
    root = _citizen_tab(citizen)
    registry = substate(root, ClientRegistryState)
    registry.new_client_id = "mpp-abc"
    connect(root, cookie=ministry.cookie_header, client_token=citizen.client_token)
    _through_gate(guard.PersonalDataGate(), root)
    assert substate(root, ProfileState).email == "" and registry.new_client_id == ""


def test_the_owner_reconnecting_keeps_the_tab(accounts_by_role):
    citizen = accounts_by_role[Role.CITIZEN.value]
    root = _citizen_tab(citizen)
    connect(root, cookie=citizen.cookie_header, client_token=citizen.client_token)
    _through_gate(guard.PersonalDataGate(), root)
    assert substate(root, ProfileState).email == citizen.email


def test_the_first_event_of_a_new_connection_is_checked_too(accounts_by_role):
    """Not only hydrate: the first event of any new socket (a client may skip the hydrate)."""
    from reflex_base import constants

    citizen = accounts_by_role[Role.CITIZEN.value]
    root = _citizen_tab(citizen)
    gate = guard.PersonalDataGate()
    _through_gate(gate, root)  # the owner's own connection, checked once
    run_on_own_loop(gate.preprocess(None, root, _event("state.profile.profile_state.load")))
    assert substate(root, ProfileState).email == citizen.email
    connect(root, cookie=None, client_token=citizen.client_token)
    root.router_data = root._update_router_vars(
        {**root.router_data, constants.RouteVar.SESSION_ID: "another-socket"}, root.router_data)
    run_on_own_loop(gate.preprocess(None, root, _event("state.profile.profile_state.load")))
    assert substate(root, ProfileState).email == ""
