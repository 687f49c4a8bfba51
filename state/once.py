"""Secrets shown once: sent to the browser inside one event, never kept in a state.

A value in a state is sent again by every later hydrate of the tab (and a tab's token is no
secret), so a client secret, a TOTP key or recovery codes must not live there. ``show_once``
returns an event that writes the value straight into one element of the page that asked; the
state keeps only a flag saying that something was shown.
"""

from __future__ import annotations

import json

import reflex as rx


def show_once(element_id: str, value: str, *, attribute: str = "textContent") -> rx.event.EventSpec:
    """Put ``value`` into the element ``element_id`` (its text, or e.g. an image's ``src``).

    The element may appear in the same update that carries this event, so the script waits up
    to ~2 s of animation frames for React to render it.
    """
    return rx.call_script(
        "(() => { const put = (n) => { const el = document.getElementById(" + json.dumps(element_id) + ");"
        " if (el) { el[" + json.dumps(attribute) + "] = " + json.dumps(value) + "; }"
        " else if (n > 0) { requestAnimationFrame(() => put(n - 1)); } }; put(120); })()"
    )
