"""Run a coroutine from a synchronous test, as the app's event loop would."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars


async def _closing_hot_path(coroutine):
    from mpp_digital.db import close_hot_path

    try:
        return await coroutine
    finally:
        await close_hot_path()


def run_on_own_loop(coroutine, *, debug: bool = False):
    """Run ``coroutine`` to its end on a new event loop, then close that loop's hot-path
    connections. When this thread already runs a loop (Playwright's sync API in the e2e
    fixtures, whose session-wide browser stays open while later tests run), the new loop runs
    in a worker thread. Tests call this, never ``asyncio.run`` (tests/unit/test_layering.py)."""
    wrapped = _closing_hot_path(coroutine)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrapped, debug=debug)
    context = contextvars.copy_context()  # Reflex keeps its state registry in a context variable
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, wrapped, debug=debug).result()
