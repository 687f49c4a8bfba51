"""Shared rate limits, against real Redis (127.0.0.1:6379, a key prefix per test) and in memory;
and the one function that says which address a request comes from."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis

from mpp_digital.client_address import client_address
from mpp_digital.services import rate_limits
from mpp_digital.services.rate_limits import NamedLimit, RateLimited
from tests.loops import run_on_own_loop

REDIS_URL = os.environ.get("MPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    """Each test runs in memory and on real Redis, with its own key prefix there."""
    prefix = f"mpp-rl-test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        rate_limits.configure(redis_url=REDIS_URL, key_prefix=prefix)
    else:
        rate_limits.configure(redis_url=None)
    yield request.param, prefix
    if request.param == "redis":
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    rate_limits.configure(redis_url=None)


def test_a_limit_admits_its_rate_then_refuses_with_a_message_key(storage):
    limit = NamedLimit("test_rate", "3/minute")

    async def run():
        for _ in range(3):
            await rate_limits.check(limit, "10.0.0.1")
        with pytest.raises(RateLimited) as refused:
            await rate_limits.check(limit, "10.0.0.1")
        await rate_limits.check(limit, "10.0.0.2")  # another identity has its own count
        return refused.value

    refused = run_on_own_loop(run())
    assert refused.key == "rate.limited" and 1 <= refused.params["seconds"] <= 60


def test_every_rate_of_a_limit_applies(storage):
    limit = NamedLimit("test_two_rates", "5/second;6/minute")

    async def run():
        for _ in range(5):
            await rate_limits.check(limit, "dev")
        with pytest.raises(RateLimited):  # the per-second rate
            await rate_limits.check(limit, "dev")
        await asyncio.sleep(1.05)
        await rate_limits.check(limit, "dev")  # the 6th in the minute
        with pytest.raises(RateLimited) as refused:  # the per-minute rate, although a new second
            await rate_limits.check(limit, "dev")
        return refused.value

    assert run_on_own_loop(run()).params["seconds"] > 50


def test_redis_counts_are_shared_between_workers(storage):
    """Two event loops (two workers' limiters, each with its own Redis client) share one count."""
    kind, prefix = storage
    if kind != "redis":
        pytest.skip("sharing is what Redis is for")
    limit = NamedLimit("test_shared", "4/minute")

    async def hits(n):
        for _ in range(n):
            await rate_limits.check(limit, "kiosk-1")

    run_on_own_loop(hits(2))  # "worker" 1
    run_on_own_loop(hits(2))  # "worker" 2, another loop and client
    with pytest.raises(RateLimited):
        run_on_own_loop(hits(1))
    assert any(redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}*"))


def test_client_address_ignores_forwarded_for_without_trusted_proxies():
    assert client_address(peer="203.0.113.9", forwarded_for="1.2.3.4", trusted_hops=0) == "203.0.113.9"


def test_client_address_takes_the_nth_address_from_the_right():
    # The client forged "6.6.6.6"; nginx appended the address it saw (198.51.100.7), then a
    # load balancer appended nginx's (10.0.0.2).
    header = "6.6.6.6, 198.51.100.7, 10.0.0.2"
    assert client_address(peer="10.0.0.3", forwarded_for=header, trusted_hops=1) == "10.0.0.2"
    assert client_address(peer="10.0.0.3", forwarded_for=header, trusted_hops=2) == "198.51.100.7"
    # A header shorter than the trusted chain did not come through it: the peer is the client.
    assert client_address(peer="10.0.0.3", forwarded_for="198.51.100.7", trusted_hops=2) == "10.0.0.3"
    assert client_address(peer="10.0.0.3", forwarded_for="", trusted_hops=1) == "10.0.0.3"


def test_starlette_routes_and_reflex_handlers_resolve_the_same_address(monkeypatch):
    from starlette.requests import Request

    from mpp_digital.client_address import request_address
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_TRUSTED_PROXY_HOPS", "1")
    get_settings.cache_clear()
    try:
        scope = {"type": "http", "client": ("10.0.0.3", 5000), "headers": [
            (b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"198.51.100.7")]}
        assert request_address(Request(scope)) == "198.51.100.7"
    finally:
        get_settings.cache_clear()


def test_an_unreachable_redis_lets_requests_through():
    """Availability over strictness when the shared store is down (the sign-in holds, in the
    database, still apply); the failure is logged."""
    rate_limits.configure(redis_url="redis://127.0.0.1:1/0", key_prefix="mpp-rl-down")
    try:
        run_on_own_loop(rate_limits.check(NamedLimit("test_down", "1/minute"), "x"))
        run_on_own_loop(rate_limits.check(NamedLimit("test_down", "1/minute"), "x"))
    finally:
        rate_limits.configure(redis_url=None)


def test_a_per_connection_limit_stays_in_the_worker_even_with_redis(storage):
    """A websocket connection lives in one worker: its event count needs no Redis round trip."""
    kind, prefix = storage
    limit = NamedLimit("test_local", "2/minute", shared=False)

    async def run():
        await rate_limits.check(limit, "sid-1")
        await rate_limits.check(limit, "sid-1")
        with pytest.raises(RateLimited):
            await rate_limits.check(limit, "sid-1")

    run_on_own_loop(run())
    if kind == "redis":
        assert not any(redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}*"))
    assert rate_limits.WS_EVENTS.shared is False


def test_the_event_budget_admits_a_burst_then_its_sustained_rate():
    """30 events at once, then 10 a second (30/second;600/minute), per connection, O(1) each."""
    budget = rate_limits.EventBudget(burst=30, per_second=10.0, remembered=3)
    for _ in range(30):
        budget.take("sid-1", 100.0)
    with pytest.raises(RateLimited) as refused:
        budget.take("sid-1", 100.0)
    assert refused.value.retry_after == 1 and refused.value.key == rate_limits.REFUSED_KEY
    budget.take("sid-2", 100.0)  # another connection has its own budget
    budget.take("sid-1", 100.125)  # an eighth of a second later: one event back (1.25 tokens)
    with pytest.raises(RateLimited):
        budget.take("sid-1", 100.125)
    for step in range(1, 8 * 60):  # a minute at 8 a second goes through
        budget.take("sid-1", 100.125 + step / 8)
    for sid in ("sid-3", "sid-4", "sid-5"):  # only the most recently seen 3 are remembered
        budget.take(sid, 200.0)
    assert "sid-1" not in budget._buckets and len(budget._buckets) == 3


def test_a_deployment_sets_a_limits_rate_and_a_bad_rate_is_refused(storage, monkeypatch):
    """MPP_RATE_LIMITS: an MPP whose staff share one public address raises sign-in's rate; nonsense is refused."""
    from pydantic import ValidationError as SettingsError

    from mpp_digital.settings import get_settings, load_settings

    monkeypatch.setenv("MPP_RATE_LIMITS", '{"test_override": "5/minute"}')
    get_settings.cache_clear()
    limit = NamedLimit("test_override", "2/minute")

    async def run():
        for _ in range(5):
            await rate_limits.check(limit, "10.0.0.9")
        with pytest.raises(RateLimited):
            await rate_limits.check(limit, "10.0.0.9")

    try:
        run_on_own_loop(run())
        monkeypatch.setenv("MPP_RATE_LIMITS", '{"sign_in": "lots"}')
        with pytest.raises(SettingsError, match="sign_in: 'lots' is not a rate"):
            load_settings()
    finally:
        monkeypatch.delenv("MPP_RATE_LIMITS")
        get_settings.cache_clear()
