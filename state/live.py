"""Live pages without reloads: a background loop per open page polls a site's change counter.

The counter (``QueueSiteVersion``) is one primary-key read, cached for a fraction of a second
per process, so a hall full of screens costs the database a few reads a second. A loop ends
when its tab disconnects or when a newer loop of the same tab replaces it.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import reflex as rx

from mpp_digital.blocking import in_thread
from mpp_digital.db import session_scope
from mpp_digital.services import queue

POLL_SECONDS = 0.25
CACHE_SECONDS = 0.2
CHECK_CONNECTED_EVERY = 8  # polls (2 s)
REFRESH_ANYWAY_EVERY = 120  # polls (30 s): estimated waits move with the clock

_cache: dict[int, tuple[float, int]] = {}


def site_version(site_id: int) -> int:
    """The site's change counter, read at most every CACHE_SECONDS per process."""
    now = time.monotonic()
    hit = _cache.get(site_id)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    with session_scope() as session:
        version = queue.site_version(session=session, site_id=site_id)
    _cache[site_id] = (now, version)
    return version


async def still_connected(state: rx.State) -> bool:
    """Whether the tab that started a background loop still has a websocket."""
    try:
        from reflex_base.registry import RegistrationContext

        namespace = RegistrationContext.get().app.event_namespace
    except Exception:  # no running app (tests): nothing to watch
        return False
    if namespace is None:
        return False
    return await namespace._token_manager.is_token_connected(state.router.session.client_token)


def new_loop_id() -> str:
    """An id for one background loop (the newest loop of a tab wins)."""
    return uuid.uuid4().hex


async def changes(state: rx.State, site_id: int, loop_id: str):
    """Yield whenever the site's queue changed (and every 30 s), until the tab goes away."""
    last = None
    polls = 0
    while True:
        version = await in_thread(site_version, site_id)
        if version != last or polls % REFRESH_ANYWAY_EVERY == REFRESH_ANYWAY_EVERY - 1:
            last = version
            yield version
        await asyncio.sleep(POLL_SECONDS)
        polls += 1
        if polls % CHECK_CONNECTED_EVERY == 0:
            if not await still_connected(state):
                return
            async with state:
                if getattr(state, "_loop_id", "") != loop_id:
                    return
