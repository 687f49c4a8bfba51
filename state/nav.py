"""Who is signed in, for the page template's navigation, and sign-out."""

from __future__ import annotations

import reflex as rx

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.models import Role
from mpp_digital.services import accounts
from state.profile import ProfileState
from state.session import client_ip, current_principal, full_page_load, principal, protected


class NavState(rx.State):
    """Signed-in name in the page template's navigation, and sign-out."""

    display_name: str = ""
    is_superadmin: bool = False

    @rx.event
    async def refresh(self):
        """Show who is signed in (nothing when nobody is)."""
        who = await current_principal(self)
        self.display_name = who.full_name if who else ""
        self.is_superadmin = who is not None and Role.SUPERADMIN in who.roles

    @rx.event
    @protected(reset_on_deny=False)
    async def sign_out(self):
        """Revoke this session on the server, then clear the cookie through /auth/keluar."""
        with session_scope() as session:
            accounts.sign_out(session=session, principal=principal(), now=utcnow(), ip_address=client_ip(self))
        self.display_name, self.is_superadmin = "", False
        profile = await self.get_state(ProfileState)
        profile.reset()
        return full_page_load(routes.AUTH_SIGN_OUT)
