"""The reader's language (a display preference only, never used for authorization)."""

import reflex as rx

from mpp_digital.i18n import DEFAULT_LANGUAGE, t


class LangState(rx.State):
    """Language switch in the page template; read by handlers to word their messages."""

    lang: str = rx.LocalStorage(DEFAULT_LANGUAGE, name="mpp_lang")

    @rx.event
    def toggle(self):
        """Switch between Bahasa Indonesia and English."""
        self.lang = "en" if self.lang == "id" else "id"


async def reader_lang(state: rx.State) -> str:
    """The reader's language ("id" or "en"), for formatting numbers and words on the server."""
    lang_state = await state.get_state(LangState)
    return lang_state.lang if lang_state.lang in ("id", "en") else DEFAULT_LANGUAGE


async def tr(state: rx.State, key: str, **params: object) -> str:
    """Translate a message key into the reader's language, on the server."""
    return t(key, await reader_lang(state), **params)
