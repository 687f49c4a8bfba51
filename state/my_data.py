""""Data saya" on /profil: who received my data through single sign-on, and closing my account.

The downloads themselves are backend routes (``web_routes.my_data_download``) that read the
request's own session cookie; nothing of the export passes through a state.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from mpp_digital import routes
from mpp_digital.blocking import in_thread
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.errors import ValidationError
from mpp_digital.services import my_data
from state.lang import tr
from state.session import clear_personal_states, client_ip, full_page_post, principal, protected


@dataclass
class ReleaseRow:
    """One release of my claims to an agency app, for the table."""

    app: str
    agency: str
    at: str
    claims: str


def _releases(user_id: int) -> list[ReleaseRow]:
    with session_scope() as session:
        rows = my_data.releases(session=session, user_id=user_id, limit=50)
    return [ReleaseRow(app=r.app, agency=r.agency, at=r.at.strftime("%d-%m-%Y %H:%M UTC"), claims=", ".join(r.claims))
            for r in rows]


def _close(user_id: int, principal_, password: str, ip: str) -> None:
    with session_scope() as session:
        my_data.close_account(session=session, principal=principal_, password=password, now=utcnow(), ip_address=ip)


class MyDataState(rx.State):
    """The "Data saya" card of /profil (signed-in users, their own account only)."""

    releases: list[ReleaseRow] = []
    close_error: str = ""

    @rx.event
    @protected()
    async def load(self):
        """Page loader: the agency apps that received my claims."""
        self.close_error = ""
        self.releases = await in_thread(_releases, principal().user_id)

    @rx.event
    @protected()
    async def close_account(self, form: dict):
        """Close my account after the password; every session ends and the browser signs out."""
        who = principal()
        try:
            await in_thread(_close, who.user_id, who, form.get("password", ""), client_ip(self))
        except ValidationError as exc:
            self.close_error = await tr(self, exc.key)
            return
        await clear_personal_states(self)
        return full_page_post(routes.AUTH_SIGN_OUT)  # clears the (already ended) session's cookie
