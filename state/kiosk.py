"""/kiosk/[kiosk_site]: the self-service kiosk in the MPP hall, a paired device.

The page is public, but it serves only a kiosk the site's admin has paired (see
``services/kiosk_devices.py``): every check-in and walk-in resolves the device from the
HttpOnly device cookie of this websocket connection, as the session guard does for people,
and counts against that device's rate. An unpaired browser sees the pairing form only. It
shows codes, services and times, never a name, NIK or email.
"""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx
from sqlmodel import col, select

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.cookies import kiosk_cookie_name
from mpp_digital.errors import DomainError
from mpp_digital.models import MppSite, Service, SiteService
from mpp_digital.services import kiosk_devices, queue, rate_limits
from state.lang import tr
from state.session import full_page_load, session_cookie


def _shown(session, ticket) -> tuple:
    """What the kiosk shows of a ticket: (ticket, service name, the site's time zone)."""
    service = session.get(Service, ticket.service_id)
    return ticket, service.name if service else "", queue.site_zone(session.get(MppSite, ticket.site_id))


class KioskState(rx.State):
    """The kiosk: pair once, then check in by QR or code + PIN, or take a walk-in ticket."""

    site_name: str = ""
    paired: bool = False
    services: list[dict[str, str]] = []
    result_code: str = ""
    result_service: str = ""
    result_message: str = ""
    error: str = ""
    _site_id: int = 0
    _site_slug: str = ""

    def _device_cookie(self) -> str | None:
        return session_cookie(self.router.headers.cookie, kiosk_cookie_name())

    async def _device(self, limit: rate_limits.NamedLimit) -> bool:
        """Whether this connection is a paired kiosk of the site with room in its ``limit``; says why not."""
        try:
            device = await in_session(kiosk_devices.device_for, raw=self._device_cookie(), site_id=self._site_id,
                                      now=utcnow())
            await rate_limits.check(limit, device.id)
        except DomainError as exc:
            self.paired = self.paired and exc.key != "kiosk.not_paired"
            self.error = await tr(self, exc.key, **exc.params)
            return False
        return True

    @rx.event
    async def load(self):
        """Page loader: the site from the URL, whether this browser is its paired kiosk, its walk-in services."""
        self.result_code = self.result_service = self.result_message = self.error = ""
        slug = unquote(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])
        cookie = self._device_cookie()

        def read(session):  # (site, paired, walk-in services)
            site = session.exec(select(MppSite).where(MppSite.slug == slug)).first()
            if site is None:
                return None, False, []
            try:
                kiosk_devices.device_for(session=session, raw=cookie, site_id=site.id or 0, now=utcnow())
            except DomainError:
                return site, False, []
            return site, True, session.exec(
                select(Service).join(SiteService, col(SiteService.service_id) == Service.id)
                .where(SiteService.site_id == site.id, SiteService.direct == True)  # noqa: E712
                .order_by(col(Service.name))).all()

        site, self.paired, rows = await in_session(read)
        if site is None:
            self.site_name, self.services, self._site_id, self.paired = "", [], 0, False
            self.error = await tr(self, "queue.site.not_found")
            return
        self._site_id, self._site_slug, self.site_name = site.id or 0, site.slug, site.name
        self.services = [{"id": str(s.id), "name": s.name} for s in rows]
        outcome = self.router.url.query_parameters.get("pasang", "")
        if outcome == "gagal":
            self.error = await tr(self, "kiosk.pairing_invalid")
        elif outcome == "tunggu":
            seconds = self.router.url.query_parameters.get("detik", "60")
            self.error = await tr(self, "rate.limited", seconds=seconds if seconds.isdigit() else "60")

    @rx.event
    async def pair(self, form: dict):
        """Send the pairing code to the backend route that sets the device cookie (a full page load)."""
        code = kiosk_devices.normalise_code(str(form.get("code", "")))
        if not self._site_slug or len(code) != kiosk_devices.CODE_LENGTH:
            self.error = await tr(self, "kiosk.pairing_invalid")
            return
        return full_page_load(routes.kiosk_pair_url(self._site_slug, code))

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
        if not await self._device(rate_limits.KIOSK_CHECK_IN):
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
        if not await self._device(rate_limits.KIOSK_WALK_IN):
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
