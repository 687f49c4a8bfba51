"""Who is signed in, for the page template's navigation, and sign-out."""

from __future__ import annotations

import reflex as rx

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.models import Role
from mpp_digital.services.applications import notifications
from state.session import bind_tab, current_principal


class NavState(rx.State):
    """Signed-in name in the page template's navigation, and sign-out."""

    display_name: str = ""
    is_superadmin: bool = False
    is_site_admin: bool = False
    is_ministry: bool = False
    is_officer: bool = False
    is_back_office: bool = False  # officer or site admin: the work list of online applications
    dashboard_href: str = ""  # the dashboard this person's role opens, if any
    unread: int = 0  # the bell: notices not read yet (online applications)

    @rx.event
    async def refresh(self):
        """Show who is signed in; when the session changed or ended, drop the old data."""
        who = await current_principal(self)
        await bind_tab(self, who)
        self.display_name = who.full_name if who else ""
        self.is_superadmin = who is not None and Role.SUPERADMIN in who.roles
        self.is_site_admin = who is not None and who.has_role(Role.SITE_ADMIN)
        self.is_ministry = who is not None and who.has_role(Role.MINISTRY)
        self.is_officer = who is not None and Role.OFFICER in who.roles
        self.is_back_office = who is not None and who.has_role(Role.OFFICER, Role.SITE_ADMIN)
        if who is not None and who.has_role(Role.MINISTRY):
            self.dashboard_href = routes.DASHBOARD_NATIONAL
        elif who is not None and who.has_role(Role.REGIONAL_HEAD):
            self.dashboard_href = routes.DASHBOARD_REGIONAL
        else:
            self.dashboard_href = ""
        self.unread = (await in_session(notifications.unread_count, user_id=who.user_id)) if who is not None else 0
