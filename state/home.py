"""The landing page's figures (public, no personal data)."""

from urllib.parse import quote

import reflex as rx
from sqlalchemy import func
from sqlmodel import select

from mpp_digital import routes
from mpp_digital.db import session_scope
from mpp_digital.models import Agency, MppSite, Service


class LandingState(rx.State):
    """Counts shown on /."""

    sites: int = 0
    agencies: int = 0
    services: int = 0

    @rx.event
    def load(self):
        """Count sites, agencies and services."""
        with session_scope() as session:
            self.sites = session.exec(select(func.count()).select_from(MppSite)).one()
            self.agencies = session.exec(select(func.count()).select_from(Agency)).one()
            self.services = session.exec(select(func.count()).select_from(Service)).one()

    @rx.event
    def search(self, form: dict):
        """The landing page's search box opens the catalog with the words."""
        return rx.redirect(f"{routes.CATALOG}?q={quote(str(form.get('q', ''))[:100])}")
