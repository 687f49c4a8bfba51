"""How ``make run`` serves the backend: a worker that dies is replaced, the others carry on;
tabs' states expire in sweeps.

Reflex 0.10 starts Granian without ``respawn_failed_workers``, and Granian then stops every
worker when one dies (a crash, the OOM killer, SIGKILL): one lost process would take the
whole app down. ``rxconfig.py`` (imported by the ``reflex run`` process that starts Granian)
calls ``respawn_failed_workers`` so Granian starts a new worker instead; the tabs of the dead
one reconnect to the survivors and find their state in Redis.
"""

from __future__ import annotations

import asyncio
import functools
import time

TAB_SWEEP_SECONDS = 10.0  # expired tabs' states are dropped at most this often


def respawn_failed_workers() -> None:
    """Make Granian servers created from now on replace a worker that dies (idempotent)."""
    try:
        from granian.server.common import AbstractServer
    except ImportError:  # not served by Granian (uvicorn): nothing to do
        return
    original = AbstractServer.__init__
    if getattr(original, "__mpp_respawn__", False):
        return

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):  # noqa: N807 (replaces the constructor)
        kwargs.setdefault("respawn_failed_workers", True)
        original(self, *args, **kwargs)

    __init__.__mpp_respawn__ = True  # type: ignore[attr-defined]
    AbstractServer.__init__ = __init__  # type: ignore[method-assign]


def sweep_expired_tabs() -> None:
    """Make Reflex's memory state manager drop expired tabs in sweeps (idempotent).

    Reflex 0.10 wakes at the next tab's own deadline and then scans every tab held: tabs that
    went idle one after another expire one after another, so a worker that served n tabs scans
    n tabs n times (at 20,000 tabs, seconds of the event loop's time, in steps of several ms).
    Here it wakes at most every ``TAB_SWEEP_SECONDS``: a tab lives at most that much longer.
    """
    from reflex.istate.manager.memory import StateManagerMemory

    if getattr(StateManagerMemory._expire_states, "__mpp_sweep__", False):
        return

    async def _expire_states(self) -> None:
        try:
            while True:
                if (next_expires_at := self._purge_expired_tokens()) is None:
                    return
                await asyncio.sleep(max(TAB_SWEEP_SECONDS, next_expires_at - time.time()))
        finally:
            if self._expiration_task is asyncio.current_task():
                self._expiration_task = None

    _expire_states.__mpp_sweep__ = True  # type: ignore[attr-defined]
    StateManagerMemory._expire_states = _expire_states  # type: ignore[method-assign]
