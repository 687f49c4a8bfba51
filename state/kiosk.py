"""/kiosk/[kiosk_site]: the self-service kiosk in the MPP hall (a public device).

Public on purpose: checking in needs the ticket's signed QR token or its code and PIN, and a
walk-in ticket is what the kiosk hands to anyone who walks in. It shows codes, services and
times only, never a name, NIK or email. Walk-in tickets are rate-limited per device address.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from urllib.parse import unquote

import reflex as rx
from sqlmodel import col, select

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import MppSite, Service, SiteService
from mpp_digital.services import queue
from state.lang import tr
from state.session import client_ip

WALK_INS_PER_MINUTE = 20  # per kiosk address and site: a kiosk in a rush, not a script
_walk_in_times: dict[tuple[str, int], deque] = defaultdict(deque)


def _walk_in_allowed(address: str, site_id: int) -> bool:
    window = _walk_in_times[(address, site_id)]
    now = time.monotonic()
    while window and now - window[0] > 60:
        window.popleft()
    if len(window) >= WALK_INS_PER_MINUTE:
        return False
    window.append(now)
    return True


def _shown(session, ticket) -> tuple:
    """What the kiosk shows of a ticket: (ticket, service name, the site's time zone)."""
    service = session.get(Service, ticket.service_id)
    return ticket, service.name if service else "", queue.site_zone(session.get(MppSite, ticket.site_id))


class KioskState(rx.State):
    """The kiosk: check in by QR or code + PIN, or take a walk-in ticket. No personal data."""

    site_name: str = ""
    services: list[dict[str, str]] = []
    result_code: str = ""
    result_service: str = ""
    result_message: str = ""
    error: str = ""
    _site_id: int = 0

    @rx.event
    async def load(self):
        """Page loader: the site from the URL and its walk-in services."""
        self.result_code = self.result_service = self.result_message = self.error = ""
        slug = unquote(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])

        def read(session):
            site = session.exec(select(MppSite).where(MppSite.slug == slug)).first()
            if site is None:
                return None, []
            return site, session.exec(select(Service).join(SiteService, col(SiteService.service_id) == Service.id)
                                      .where(SiteService.site_id == site.id, SiteService.direct == True)  # noqa: E712
                                      .order_by(col(Service.name))).all()

        site, rows = await in_session(read)
        if site is None:
            self.site_name, self.services, self._site_id = "", [], 0
            self.error = await tr(self, "queue.site.not_found")
            return
        self._site_id, self.site_name = site.id or 0, site.name
        self.services = [{"id": str(s.id), "name": s.name} for s in rows]

    async def _show(self, shown: tuple, message_key: str, **params):
        ticket, service_name, zone = shown
        self.result_code = ticket.code
        self.result_service = service_name
        self.result_message = await tr(self, message_key, start=ticket.slot_start_at.astimezone(zone).strftime("%H:%M"),
                                       zone=queue.zone_label(zone), **params)
        self.error = ""

    @rx.event
    async def check_in(self, form: dict):
        """Check in with a scanned QR token (a scanner types it) or a typed code and PIN."""
        code = str(form.get("code", "")).strip()[:600]
        pin = str(form.get("pin", "")).strip()[:4]
        self.result_code = self.result_service = self.result_message = ""
        if not self._site_id or not code:
            self.error = await tr(self, "queue.kiosk.enter_code")
            return
        site_id = self._site_id

        def check_in(session):
            if "." in code:
                ticket = queue.check_in_by_token(session=session, site_id=site_id, token=code, now=utcnow())
            else:
                ticket = queue.check_in_by_code(session=session, site_id=site_id, code=code, pin=pin, now=utcnow())
            return _shown(session, ticket)

        try:
            shown = await in_session(check_in)
            await self._show(shown, "queue.kiosk.late" if shown[0].late else "queue.kiosk.checked_in")
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)

    @rx.event
    async def walk_in(self, service_id: str):
        """Take a walk-in ticket for a service."""
        self.result_code = self.result_service = self.result_message = ""
        if not self._site_id or not str(service_id).isdigit():
            self.error = await tr(self, "queue.service.not_here")
            return
        if not _walk_in_allowed(client_ip(self), self._site_id):
            self.error = await tr(self, "queue.kiosk.slow_down")
            return
        site_id = self._site_id

        def walk_in(session):
            return _shown(session, queue.issue_walk_in(session=session, site_id=site_id, service_id=int(service_id),
                                                       now=utcnow()))

        try:
            shown = await in_session(walk_in)
            key = "queue.kiosk.walk_in_now" if shown[0].slot_start_at <= utcnow() else "queue.kiosk.walk_in_later"
            await self._show(shown, key)
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)

    @rx.event
    def clear(self):
        """Back to the start screen for the next person."""
        self.result_code = self.result_service = self.result_message = self.error = ""
