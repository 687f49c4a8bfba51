"""The one way to run blocking work from the event loop: in a thread.

A backend worker serves every tab it holds on one event loop; whatever blocks it (argon2,
SMTP, files, a synchronous database call) delays every other tab's events by as long.
Event handlers, lifespan tasks and HTTP routes hand such work to ``in_thread``, or, for work
on the database, to ``in_session``, which also opens the transaction in that thread.
``tests/state/test_event_loop.py`` fails when a handler holds the loop for more than 50 ms.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Enough for the database pool (10 + 20 overflow) to be the limit rather than the threads;
# argon2 takes 64 MiB a hash, so at most this many hash at once in a worker.
BLOCKING_THREADS = 24
_executor = ThreadPoolExecutor(max_workers=BLOCKING_THREADS, thread_name_prefix="mpp-blocking")


async def in_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn(*args, **kwargs)`` in a worker thread, with the caller's context variables."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor, call)


async def in_session(work: Callable[..., T], /, **kwargs: object) -> T:
    """Run ``work(session=<session>, **kwargs)`` in a worker thread, in a transaction of its own
    (``db.session_scope``: committed when it returns, rolled back when it raises)."""
    from mpp_digital.db import session_scope

    def run() -> T:
        with session_scope() as session:
            return work(session=session, **kwargs)

    return await in_thread(run)
