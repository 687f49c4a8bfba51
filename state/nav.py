"""Who is signed in, for the page template's navigation, and sign-out."""

from __future__ import annotations

import reflex as rx

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.models import Role
from mpp_digital.services import accounts
from state.session import clear_personal_states, client_ip, current_principal, full_page_load


class NavState(rx.State):
    """Signed-in name in the page template's navigation, and sign-out."""

    display_name: str = ""
    is_superadmin: bool = False
    is_site_admin: bool = False
    is_ministry: bool = False
    is_officer: bool = False
    dashboard_href: str = ""  # the dashboard this person's role opens, if any
    # The login session whose data this tab's states hold (backend only).
    _bound_session_id: int = 0

    @rx.event
    async def refresh(self):
        """Show who is signed in; when the session changed or ended, drop the old data."""
        who = await current_principal(self)
        bound = who.session_id if who else 0
        if bound != self._bound_session_id:
            await clear_personal_states(self)
            self._bound_session_id = bound
        self.display_name = who.full_name if who else ""
        self.is_superadmin = who is not None and Role.SUPERADMIN in who.roles
        self.is_site_admin = who is not None and who.has_role(Role.SITE_ADMIN)
        self.is_ministry = who is not None and who.has_role(Role.MINISTRY)
        self.is_officer = who is not None and Role.OFFICER in who.roles
        if who is not None and who.has_role(Role.MINISTRY):
            self.dashboard_href = routes.DASHBOARD_NATIONAL
        elif who is not None and who.has_role(Role.REGIONAL_HEAD):
            self.dashboard_href = routes.DASHBOARD_REGIONAL
        else:
            self.dashboard_href = ""

    @rx.event
    async def sign_out(self):
        """Revoke this session (if it is still alive), clear every personal state, clear the cookie.

        Public on purpose: it acts only on the session of the caller's own cookie, and with a
        dead session it still wipes this tab's data and sends the browser to /auth/keluar.
        """
        who = await current_principal(self)
        if who is not None:
            await in_session(accounts.sign_out, principal=who, now=utcnow(), ip_address=client_ip(self))
        await clear_personal_states(self)
        self.display_name, self._bound_session_id = "", 0
        self.is_superadmin = self.is_site_admin = self.is_ministry = self.is_officer = False
        self.dashboard_href = ""
        return full_page_load(routes.AUTH_SIGN_OUT)
