"""Rate limits where the handlers and the websocket meet them (in memory here; Redis in tests/unit)."""

from __future__ import annotations

import uuid

import pytest

from mpp_digital.services import rate_limits
from tests.loops import run_on_own_loop
from tests.state.conftest import call, make_tree, substate


@pytest.fixture(autouse=True)
def fresh_limits():
    rate_limits.configure(redis_url=None)
    yield
    rate_limits.configure(redis_url=None)


def test_a_connection_flooding_events_is_refused_with_a_toast(app_db):
    from reflex_base.event import Event

    from state.session import EventRateLimit

    root = make_tree(cookie=None, client_token=str(uuid.uuid4()), path="/")
    other = make_tree(cookie=None, client_token=str(uuid.uuid4()), path="/")
    middleware = EventRateLimit()
    event = Event(name="reflex___state____state.state___auth____login_state.on_load", payload={})

    async def flood():
        answers = [await middleware.preprocess(None, root, event) for _ in range(40)]
        return answers, await middleware.preprocess(None, other, event)

    answers, other_answer = run_on_own_loop(flood())
    assert answers[:30] == [None] * 30  # a generous per-connection rate goes through
    refused = answers[30]
    assert refused is not None and refused.events and "toast" in str(refused.events[0])
    assert other_answer is None  # another connection has its own count


def test_sign_in_from_one_address_is_rate_limited(app_db):
    from state.auth import LoginState

    root = make_tree(cookie=None, client_token=str(uuid.uuid4()), client_ip="203.0.113.50", path="/masuk")
    login = substate(root, LoginState)
    for i in range(20):
        call(LoginState.submit, login, {"identifier": f"nobody{i}@example.id", "password": "not this one at all"})
        assert "Terlalu banyak permintaan" not in login.error
    call(LoginState.submit, login, {"identifier": "nobody@example.id", "password": "not this one at all"})
    assert "Terlalu banyak permintaan" in login.error


def test_registration_from_one_address_is_rate_limited(app_db):
    from state.auth import RegisterState

    root = make_tree(cookie=None, client_token=str(uuid.uuid4()), client_ip="203.0.113.51", path="/daftar")
    register = substate(root, RegisterState)
    answers = [str(call(RegisterState.submit, register, {})) for _ in range(rate_limits.REGISTER.items[0].amount)]
    assert not any("Terlalu banyak permintaan" in a for a in answers)
    assert "Terlalu banyak permintaan" in str(call(RegisterState.submit, register, {}))


def test_reset_mail_to_one_address_is_rate_limited_across_client_addresses(app_db):
    from state.auth import PasswordResetState

    for i in range(rate_limits.MAIL_ADDRESS.items[0].amount + 1):
        root = make_tree(cookie=None, client_token=str(uuid.uuid4()), client_ip=f"198.51.100.{i}",
                         path="/lupa-sandi")
        reset = substate(root, PasswordResetState)
        call(PasswordResetState.request_link, reset, {"email": "Korban@Example.id "})
    assert "Terlalu banyak permintaan" in reset.error and reset.message == ""
