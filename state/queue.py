"""Citizen queue pages: /antrian (book, reschedule), /antrian/saya (my tickets) and
/antrian/tiket/[ticket_id] (ticket, QR, live position, cancel)."""

from __future__ import annotations

from datetime import date, timedelta

import reflex as rx
import segno
from sqlmodel import col, select

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import MppSite, QueueTicket, Role, Service, SiteService, TicketStatus
from mpp_digital.services import queue
from state import live
from state.lang import LangState, tr
from state.session import principal, protected

FULL_ERRORS = frozenset({"queue.slot_full", "queue.online_gone", "queue.day_full"})
DAY_NAMES = {"id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


async def _lang(state: rx.State) -> str:
    lang = (await state.get_state(LangState)).lang
    return lang if lang in ("id", "en") else "id"


def ticket_facts(session, ticket: QueueTicket) -> tuple[dict[str, str], QueueTicket]:
    """What the citizen's pages show of a ticket, read from the database (their own data only)."""
    site = session.get(MppSite, ticket.site_id)
    service = session.get(Service, ticket.service_id)
    zone = queue.site_zone(site) if site else None
    return {
        "id": str(ticket.id),
        "code": ticket.code,
        "pin": ticket.pin,
        "site": site.name if site else "",
        "site_slug": site.slug if site else "",
        "service": service.name if service else "",
        "day": ticket.day.strftime("%d-%m-%Y"),
        "time": f"{ticket.slot_start_at.astimezone(zone).strftime('%H:%M')}–"
                f"{ticket.slot_end_at.astimezone(zone).strftime('%H:%M')}" if zone else "",
        "zone": queue.zone_label(zone) if zone else "",
        "status": str(ticket.status),
        "counter": queue.counter_label(session=session, code=ticket.counter),
        "href": routes.ticket_url(ticket.id or 0),
    }, ticket


async def ticket_row(state: rx.State, facts: tuple[dict[str, str], QueueTicket]) -> dict[str, str]:
    """A ticket's facts with its status and channel in the reader's language."""
    row, ticket = facts
    return {**row, "status_label": await tr(state, f"queue.status.{ticket.status}"),
            "channel": await tr(state, f"channel.{ticket.channel}")}


class BookingState(rx.State):
    """/antrian: pick a site and service (``?site=`` and ``?layanan=`` preselect), a day and a slot."""

    sites: list[dict[str, str]] = []
    site_slug: str = ""
    services: list[dict[str, str]] = []
    service_slug: str = ""
    days: list[dict[str, str]] = []
    day: str = ""
    slots: list[dict[str, str]] = []
    closed: str = ""
    info: str = ""
    error: str = ""
    verified: bool = True
    reschedule_id: str = ""
    reschedule_code: str = ""
    booked_href: str = ""

    async def _refresh(self):
        """Recompute services, days and slots for the current choices."""
        now = utcnow()
        self.slots, self.closed, self.info = [], "", ""
        names = DAY_NAMES[await _lang(self)]
        site_slug, service_slug, day = self.site_slug, self.service_slug, self.day

        def read(session):  # (services, service slug, days, day, offered online, availability)
            site = session.exec(select(MppSite).where(MppSite.slug == site_slug)).first()
            if site is None:
                return [], service_slug, [], day, False, None
            rows = session.exec(select(Service, SiteService)
                                .join(SiteService, col(SiteService.service_id) == Service.id)
                                .where(SiteService.site_id == site.id).order_by(col(Service.name))).all()
            services = [{"slug": s.slug, "name": s.name, "online": "1" if o.online else ""} for s, o in rows]
            chosen = service_slug if service_slug in {s["slug"] for s in services} else ""
            policy = queue.Policy()
            service = next((s for s, _ in rows if s.slug == chosen), None)
            if service is not None:
                policy = queue.policy_for(session=session, site_id=site.id or 0, service_id=service.id or 0)
            today = queue.local_today(site, now)
            days = [{"value": d.isoformat(), "label": f"{names[d.weekday()]} {d.strftime('%d-%m')}"}
                    for d in (today + timedelta(days=i) for i in range(policy.days_ahead + 1))]
            picked = day if day in {d["value"] for d in days} else (days[0]["value"] if days else "")
            if service is None:
                return services, chosen, days, picked, False, None
            offer = next(o for s, o in rows if s.slug == chosen)
            if not offer.online:
                return services, chosen, days, picked, False, None
            view = queue.availability(session=session, site=site, service=service, day=date.fromisoformat(picked),
                                      now=now)
            return services, chosen, days, picked, True, view

        self.services, self.service_slug, self.days, self.day, online, view = await in_session(read)
        if view is None:
            if self.service_slug and not online:
                self.closed = await tr(self, "queue.service.not_online")
            return
        await self._show(view)

    async def _show(self, view: queue.DayAvailability):
        self.slots, self.closed, self.info = [], "", ""
        if view.closed is not None:
            self.closed = await tr(self, view.closed.key, **view.closed.params)
            return
        self.slots = [{"id": str(s.id), "label": s.label, "end": s.end_label, "left": str(s.online_left),
                       "bookable": "1" if s.bookable else "", "reason": s.reason} for s in view.slots]
        if view.online_left == 0:
            self.info = (await tr(self, "queue.online_gone", walkin_from=view.walkin_from, zone=view.zone)
                         if view.walkin_from else await tr(self, "queue.day_full"))
        else:
            self.info = await tr(self, "queue.slots.zone", zone=view.zone)

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader: preselect from ?site= and ?layanan=; ?ubah=<ticket> reschedules that ticket."""
        params = self.router.url.query_parameters
        self.error, self.booked_href, self.reschedule_id, self.reschedule_code = "", "", "", ""
        self.verified = principal().email_verified
        citizen_id, change = principal().user_id, params.get("ubah", "")

        def read(session):  # the sites, and the ticket being rescheduled with where and when it is
            sites = [{"slug": s.slug, "name": s.name}
                     for s in session.exec(select(MppSite).order_by(col(MppSite.name))).all()]
            if not change.isdigit():
                return sites, None
            try:
                ticket = queue.own_ticket(session=session, citizen_id=citizen_id, ticket_id=int(change))
            except DomainError:
                return sites, None
            if ticket.status != TicketStatus.BOOKED:
                return sites, None
            site = session.get(MppSite, ticket.site_id)
            service = session.get(Service, ticket.service_id)
            return sites, (ticket, {"site": site.slug if site else "", "layanan": service.slug if service else "",
                                    "hari": ticket.day.isoformat()})

        self.sites, moving = await in_session(read)
        if moving is not None:
            ticket, params = moving
            self.reschedule_id, self.reschedule_code = str(ticket.id), ticket.code
        self.site_slug = params.get("site", "") or self.site_slug or "sragen"
        self.service_slug = params.get("layanan", "") or self.service_slug
        self.day = params.get("hari", "") or self.day
        await self._refresh()

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_site(self, slug: str):
        """Choose the MPP."""
        self.site_slug, self.error = slug[:80], ""
        await self._refresh()

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_service(self, slug: str):
        """Choose the service."""
        self.service_slug, self.error = slug[:100], ""
        await self._refresh()

    @rx.event
    @protected(Role.CITIZEN)
    async def pick_day(self, value: str):
        """Choose the day."""
        self.day, self.error = value[:10], ""
        await self._refresh()

    @rx.event
    @protected(Role.CITIZEN, verified=True)
    async def book(self, slot_id: str):
        """Book (or move the ticket being rescheduled to) a slot; the ticket is mailed (outbox)."""
        who, moving, lang = principal(), self.reschedule_id, await _lang(self)

        try:
            if not slot_id.isdigit() or int(slot_id) > 2**31 - 1:
                raise ValueError(slot_id)
            if moving:  # rare: cancel-and-book in one ORM transaction (the old ticket stays if refused)
                ticket_id = (await in_session(queue.reschedule_ticket, citizen_id=who.user_id, ticket_id=int(moving),
                                              slot_id=int(slot_id), now=utcnow(), lang=lang)).id or 0
            else:  # what a rush runs per attempt: on the event loop, a few prepared statements
                booked = await queue.book(citizen_id=who.user_id, slot_id=int(slot_id), now=utcnow(), lang=lang)
                ticket_id = booked.ticket_id
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            if exc.key in FULL_ERRORS:  # in a rush: say so and mark the slot, without another read
                self.slots = [{**s, "left": "0", "bookable": "", "reason": "full"} if s.get("id") == slot_id else s
                              for s in self.slots]
            else:
                await self._refresh()
            return
        except ValueError:
            self.error = await tr(self, "queue.slot.not_found")
            return
        self.error, self.reschedule_id = "", ""
        return rx.redirect(routes.ticket_url(ticket_id))  # the ticket's mail follows from the outbox


class MyTicketsState(rx.State):
    """/antrian/saya: the signed-in citizen's tickets."""

    tickets: list[dict[str, str]] = []

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader."""
        citizen_id = principal().user_id

        def read(session):
            return [ticket_facts(session, t) for t in queue.tickets_for(session=session, citizen_id=citizen_id,
                                                                           now=utcnow())]

        self.tickets = [await ticket_row(self, facts) for facts in await in_session(read)]


class TicketState(rx.State):
    """/antrian/tiket/[ticket_id]: one of my tickets with its QR, live position and wait."""

    ticket: dict[str, str] = {}
    qr: str = ""
    ahead: int = 0
    wait_minutes: int = 0
    live: bool = False
    can_cancel: bool = False
    can_reschedule: bool = False
    notice: str = ""
    error: str = ""
    _site_id: int = 0
    _loop_id: str = ""

    def _ticket_id(self) -> int:
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]  # /antrian/tiket/<id>
        return int(raw) if raw.isdigit() else 0

    async def _load(self):
        now = utcnow()
        citizen_id, ticket_id = principal().user_id, self._ticket_id()

        def read(session):
            ticket = queue.own_ticket(session=session, citizen_id=citizen_id, ticket_id=ticket_id)
            active = ticket.status in (TicketStatus.BOOKED, TicketStatus.WAITING) and ticket.expires_at > now
            return (ticket_facts(session, ticket),
                    queue.position_of(session=session, ticket=ticket, now=now) if active else None)

        facts, position = await in_session(read)
        ticket = facts[1]
        self.ticket = await ticket_row(self, facts)
        self.live = ticket.status in (TicketStatus.BOOKED, TicketStatus.WAITING, TicketStatus.CALLED,
                                      TicketStatus.SERVING)
        self.can_cancel = self.can_reschedule = ticket.status == TicketStatus.BOOKED and now < ticket.slot_start_at
        self._site_id = ticket.site_id
        if not self.qr and ticket.status == TicketStatus.BOOKED:
            self.qr = segno.make(queue.ticket_token(ticket), error="m").svg_data_uri(scale=5)
        if ticket.status != TicketStatus.BOOKED:
            self.qr = ""
        self.ahead = position.ahead if position else 0
        self.wait_minutes = position.wait_minutes if position else 0

    @rx.event
    @protected(Role.CITIZEN)
    async def load(self):
        """Page loader; starts the live updates."""
        self.notice, self.error, self.qr = "", "", ""
        try:
            await self._load()
        except DomainError as exc:
            self.reset()
            self.error = await tr(self, exc.key)
            return
        return TicketState.watch

    @rx.event
    @protected(Role.CITIZEN)
    async def refresh(self):
        """Reload status, position and wait (run by the live loop on every change at the site)."""
        if not self.ticket:
            return
        try:
            await self._load()
        except DomainError:
            self.reset()

    @rx.event
    @protected(Role.CITIZEN)
    async def cancel(self):
        """Cancel this booking (up to the slot's start)."""
        try:
            await in_session(queue.cancel_ticket, citizen_id=principal().user_id, ticket_id=self._ticket_id(),
                             now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        await self._load()
        self.notice = await tr(self, "queue.cancelled")

    @rx.event(background=True)
    async def watch(self):
        """Live loop (public on purpose): reads only the site's change counter and asks the
        guarded ``refresh`` to reload the ticket when it moves."""
        loop_id = live.new_loop_id()
        async with self:
            self._loop_id = loop_id
            site_id = self._site_id
        if not site_id:
            return
        async for _ in live.changes(self, site_id, loop_id):
            yield TicketState.refresh
