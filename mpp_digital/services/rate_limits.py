"""Shared rate limits: named limits, one way to check them, one message when refused.

Counts live in Redis when ``MPP_REDIS_URL`` is set, so every backend worker and machine
shares them; otherwise in this process's memory (one worker, the embedded default). The
strategy is a moving window (``limits``' MovingWindowRateLimiter): a burst at the edge of a
window cannot double the rate. Checking is async (every caller is an event handler, an ASGI
route or the websocket middleware) and never blocks the event loop.

These limits bound the *rate* of requests; the sign-in holds of ``services/accounts.py``
(per account, persisted in the database) are a separate, stricter rule on top.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from mpp_digital.errors import DomainError
from mpp_digital.settings import get_settings

log = logging.getLogger(__name__)

KEY_PREFIX = "mpp-rl"


@dataclass(frozen=True)
class NamedLimit:
    """A rate with a name; ``rates`` uses the ``limits`` notation ("5/minute;100/hour").

    ``shared=False`` keeps the count in this process even when Redis is configured: for an
    identity that lives in one worker only (a websocket connection), where a Redis round trip
    per event would buy nothing.
    """

    name: str
    rates: str
    shared: bool = True

    @property
    def items(self) -> list[RateLimitItem]:
        """The parsed rates (all must allow a hit): this deployment's ``MPP_RATE_LIMITS`` entry, else the default."""
        return _parsed(get_settings().rate_limits.get(self.name) or self.rates)


_PARSED: dict[str, list[RateLimitItem]] = {}


def _parsed(rates: str) -> list[RateLimitItem]:
    if rates not in _PARSED:
        _PARSED[rates] = parse_many(rates)
    return _PARSED[rates]


# ---- the limits (identities: address, account, device, connection)
SIGN_IN = NamedLimit("sign_in", "20/minute;200/hour")  # per client address; holds are per account
REGISTER = NamedLimit("register", "10/hour")  # per client address
MAIL_ADDRESS = NamedLimit("mail_address", "5/hour")  # reset or verification mail per recipient address
MAIL_CLIENT = NamedLimit("mail_client", "20/hour")  # reset or verification mail per client address
KIOSK_WALK_IN = NamedLimit("kiosk_walk_in", "6/minute;120/hour")  # per paired kiosk device
KIOSK_CHECK_IN = NamedLimit("kiosk_check_in", "20/minute;300/hour")  # per paired kiosk device
KIOSK_PAIR = NamedLimit("kiosk_pair", "10/15minutes")  # pairing attempts per client address
OAUTH_TOKEN = NamedLimit("oauth_token", "120/minute")  # per client address (an agency's back end)
OPEN_DATA = NamedLimit("open_data", "120/minute")  # per client address
WS_EVENTS = NamedLimit("ws_events", "30/second;600/minute", shared=False)  # per connection: see EventBudget
MY_DATA = NamedLimit("my_data", "10/minute;60/hour")  # "Data saya" downloads (a PDF costs CPU) per client address
DOCUMENTS = NamedLimit("documents", "120/minute;2000/hour")  # documents served (decrypted) per client address
VERIFY_FILE = NamedLimit("verify_file", "20/minute;200/hour")  # files dropped on /verifikasi per client address

REFUSED_KEY = "rate.limited"


class RateLimited(DomainError):
    """Too many requests; ``seconds`` says when to try again."""

    def __init__(self, limit: NamedLimit, seconds: int) -> None:
        super().__init__(REFUSED_KEY, seconds=seconds)
        self.limit = limit
        self.retry_after = seconds


class _Limiter:
    """A limiter on one storage; a Redis client belongs to one event loop, so one per loop."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)


_config: dict[str, str | None] = {"url": None, "prefix": KEY_PREFIX, "set": None}
_memory: _Limiter | None = None
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Limiter] = weakref.WeakKeyDictionary()


def configure(*, redis_url: str | None, key_prefix: str = KEY_PREFIX) -> None:
    """Choose the storage (tests; otherwise ``MPP_REDIS_URL`` decides on first use)."""
    global _memory
    _config.update(url=redis_url, prefix=key_prefix, set="1")
    _memory = None
    _per_loop.clear()


def _limiter(shared: bool = True) -> _Limiter:
    global _memory
    if not _config["set"]:
        _config.update(url=get_settings().redis_url, prefix=KEY_PREFIX, set="1")
    url = _config["url"] if shared else None
    if not url:
        if _memory is None:
            _memory = _Limiter(MemoryStorage())
        return _memory
    loop = asyncio.get_running_loop()
    limiter = _per_loop.get(loop)
    if limiter is None:
        scheme_url = url if url.startswith("async+") else "async+" + url
        storage = storage_from_string(scheme_url, implementation="redispy", key_prefix=_config["prefix"])
        limiter = _per_loop[loop] = _Limiter(storage)
    return limiter


async def check(limit: NamedLimit, *identity: str) -> None:
    """Count one request of ``identity`` against ``limit``; refuse it when over.

    Every rate of the limit must allow it (a refused request is not counted, so a client is
    admitted again as soon as the moving window has room). Raises ``RateLimited`` (message key
    ``rate.limited``, with the seconds until the window has room).
    """
    limiter = _limiter(limit.shared)
    keys = (limit.name, *(str(part) for part in identity))
    try:
        refused = [item for item in limit.items if not await limiter.strategy.test(item, *keys)]
        if not refused:  # a refused request counts against none of the rates
            refused = [item for item in limit.items if not await limiter.strategy.hit(item, *keys)]
    except Exception:  # noqa: BLE001 - the storage is down: serve (sign-in holds still apply), say so
        log.warning("rate limit %s not checked: its storage failed", limit.name, exc_info=True)
        return
    if refused:
        seconds = 1
        for item in refused:
            stats = await limiter.strategy.get_window_stats(item, *keys)
            seconds = max(seconds, math.ceil(stats.reset_time - time.time()))
        log.info("rate limit %s refused a request", limit.name)
        raise RateLimited(limit, seconds)


async def reset() -> None:
    """Forget every count of the current storage (tests)."""
    await _limiter().storage.reset()


class EventBudget:
    """The per-connection event rate (``WS_EVENTS``): a token bucket of ``burst`` events that
    refills at ``per_second``, in this worker's memory (a websocket connection lives in one
    worker). 30 at once, 10 a second sustained = "30/second;600/minute".

    Not ``limits``' in-memory storage: its expiry task walks every key and hops to a thread per
    key after each hit; with 200 connections sending 5 events a second that cost more app CPU
    than the events themselves (profiled with py-spy, 2026-11-30: about a third of the worker's
    samples). This is O(1) per event and forgets the least recently seen connections first.
    """

    def __init__(self, *, burst: int = 30, per_second: float = 10.0, remembered: int = 50_000) -> None:
        self.burst, self.per_second, self.remembered = burst, per_second, remembered
        self._buckets: dict[str, tuple[float, float]] = {}  # connection -> (tokens, at); insertion = LRU order

    def take(self, connection: str, now: float) -> None:
        """Spend one event of ``connection``'s budget at ``now`` (monotonic seconds).

        Raises:
            RateLimited: the budget is spent; ``retry_after`` says when one event is back.
        """
        tokens, at = self._buckets.pop(connection, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
        if tokens < 1.0:
            self._buckets[connection] = (tokens, now)
            raise RateLimited(WS_EVENTS, max(1, math.ceil((1.0 - tokens) / self.per_second)))
        self._buckets[connection] = (tokens - 1.0, now)
        if len(self._buckets) > self.remembered:
            del self._buckets[next(iter(self._buckets))]
