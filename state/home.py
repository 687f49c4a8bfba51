"""The landing page's figures (public, no personal data)."""

from urllib.parse import quote

import reflex as rx
from sqlalchemy import func
from sqlmodel import select

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.models import Agency, MppSite, Service


class LandingState(rx.State):
    """Counts shown on /."""

    sites: int = 0
    agencies: int = 0
    services: int = 0

    @rx.event
    async def load(self):
        """Count sites, agencies and services."""

        def count(session):
            return tuple(session.exec(select(func.count()).select_from(table)).one()
                         for table in (MppSite, Agency, Service))

        self.sites, self.agencies, self.services = await in_session(count)

    @rx.event
    def search(self, form: dict):
        """The landing page's search box opens the catalog with the words."""
        return rx.redirect(f"{routes.CATALOG}?q={quote(str(form.get('q', ''))[:100])}")
