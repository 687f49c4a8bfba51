"""``t(key)`` for the UI: the label in the reader's language, switched in the browser."""

import reflex as rx

from mpp_digital.i18n import MESSAGES
from mpp_digital.i18n import t as translate
from state.lang import LangState


def t(key: str, **params: object) -> rx.Var:
    """The label ``key`` in Bahasa Indonesia, or in English when the reader chose it (``params``
    are filled in when the page is built: constants, never per-user data)."""
    if key not in MESSAGES:
        raise KeyError(f"missing translation key: {key}")
    indonesian, english = translate(key, "id", **params), translate(key, "en", **params)
    if indonesian == english:
        return rx.Var.create(indonesian)
    return rx.cond(LangState.lang == "en", english, indonesian)
