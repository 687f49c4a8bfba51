"""How ``make run`` serves the backend: a worker that dies is replaced, the others carry on.

Reflex 0.10 starts Granian without ``respawn_failed_workers``, and Granian then stops every
worker when one dies (a crash, the OOM killer, SIGKILL): one lost process would take the
whole app down. ``rxconfig.py`` (imported by the ``reflex run`` process that starts Granian)
calls ``respawn_failed_workers`` so Granian starts a new worker instead; the tabs of the dead
one reconnect to the survivors and find their state in Redis.
"""

from __future__ import annotations

import functools


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

