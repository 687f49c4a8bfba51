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


async def tr(state: rx.State, key: str, **params: object) -> str:
    """Translate a message key into the reader's language, on the server."""
    lang_state = await state.get_state(LangState)
    lang = lang_state.lang if lang_state.lang in ("id", "en") else DEFAULT_LANGUAGE
    return t(key, lang, **params)
