"""Expired tabs are dropped in sweeps: a worker that served many tabs does not scan all of them
once per tab as they expire one after another (Reflex's memory state manager did)."""

from __future__ import annotations

import asyncio
import time
import uuid

from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

from mpp_digital import mpp_digital as entry  # noqa: E402 (after the conftest imported the states)
from tests.loops import run_on_own_loop


def test_tabs_expiring_one_after_another_cost_a_few_sweeps(monkeypatch):
    entry.sweep_expired_tabs()
    monkeypatch.setattr(entry, "TAB_SWEEP_SECONDS", 0.5)
    tabs = 200

    async def scenario() -> tuple[int, int]:
        manager = StateManagerMemory(token_expiration=1)
        sweeps = 0
        purge = manager._purge_expired_tokens

        def counted():
            nonlocal sweeps
            sweeps += 1
            return purge()

        manager._purge_expired_tokens = counted
        for _ in range(tabs):  # tabs that go idle one after another, 5 ms apart
            await manager.get_state(BaseStateToken(ident=str(uuid.uuid4()), cls=State))
            await asyncio.sleep(0.005)
        deadline = time.monotonic() + 10
        while manager.states and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        left = len(manager.states)
        await manager.close()
        return sweeps, left

    sweeps, left = run_on_own_loop(scenario())
    assert left == 0  # every expired tab was dropped
    assert sweeps <= 12, sweeps  # Reflex's own loop: one scan of all tabs per tab (~200)
