"""Form fields with a label, help text and the server's error message for that field."""

import reflex as rx

from components.i18n import t


def field(label_key: str, name: str, *, error=None, help_key: str | None = None, type: str = "text",
          **input_props) -> rx.Component:
    """A labelled input; ``error`` is a state var (empty when the field is fine)."""
    parts = [
        rx.text(t(label_key), as_="label", html_for=name, size="2", weight="medium"),
        rx.input(name=name, id=name, type=type, size="3", width="100%", **input_props),
    ]
    if help_key:
        parts.append(rx.text(t(help_key), size="1", color="#5b6478"))
    if error is not None:
        parts.append(rx.cond(error != "", rx.text(error, size="1", color="#c0262d", id=f"{name}-error")))
    return rx.vstack(*parts, spacing="1", width="100%", align="stretch")


def submit_button(label_key: str, test_id: str) -> rx.Component:
    """The form's primary button, enabled once the page is connected and loaded: before that,
    the browser would submit the form itself (a GET that puts a password in the address bar,
    the history and the server's logs; seen on a busy machine)."""
    return rx.button(t(label_key), type="submit", size="3", width="100%", id=test_id,
                     disabled=~rx.State.is_hydrated,
                     style={"background": "#0b3d91 !important", "color": "white !important",
                            "&:disabled": {"opacity": "0.6", "cursor": "progress"}})


def post_form(*children: rx.Component, action: str, **props) -> rx.Component:
    """A plain HTML form that the browser itself POSTs to a backend route (a full page load).

    ``rx.el.form`` always adds a submit handler that prevents the browser's submission (Reflex
    forms go over the websocket); this one keeps none, so the route's redirect and cookie apply.
    """
    form = rx.el.form(*children, method="post", action=action, **props)
    form.event_triggers.pop("on_submit", None)
    return form
