"""/petugas/loket: the counter console of an officer, scoped on the server to the officer's
site (and agency, when the grant names one). Every ticket id from the browser is checked
against that scope again, so a crafted event with another site's ids is refused."""

from __future__ import annotations

import reflex as rx
from sqlmodel import col, select

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import MppSite, Role, Service
from mpp_digital.services import queue
from mpp_digital.services.authz import authorize
from state import live
from state.lang import tr
from state.session import principal, protected


def _scope(session, who, site_id: int) -> tuple[list[MppSite], int | None]:
    """The sites ``who`` may run counters at, and the agency their grant at ``site_id`` limits to."""
    if Role.SUPERADMIN in who.roles:
        return list(session.exec(select(MppSite).order_by(col(MppSite.name))).all()), None
    grants = [g for g in who.grants if g.role == Role.OFFICER and g.site_id]
    sites = [session.get(MppSite, g.site_id) for g in grants]
    agency = next((g.agency_id for g in grants if g.site_id == site_id), None)
    return [s for s in sites if s is not None], agency


class CounterState(rx.State):
    """The console: pick a counter, call next, recall, start, finish, no-show, transfer."""

    sites: list[dict[str, str]] = []
    site_id: str = ""
    site_name: str = ""
    counters: list[dict[str, str]] = []
    counter: str = ""
    current: dict[str, str] = {}
    line: list[dict[str, str]] = []
    notice: str = ""
    error: str = ""
    _loop_id: str = ""

    def _site(self) -> int:
        return int(self.site_id) if self.site_id.isdigit() else 0

    async def _refresh(self):
        """Reload the counters, the current ticket and the line (scope checked again)."""
        site_id = self._site()
        if not site_id:
            self.counters, self.current, self.line = [], {}, []
            return
        who, chosen, now = principal(), self.counter, utcnow()

        def read(session):  # (site name, counters, counter, current ticket, line, service names)
            authorize(who, Role.OFFICER, site_id=site_id, session=session)
            site = session.get(MppSite, site_id)
            _, agency = _scope(session, who, site_id)
            counters = queue.counters_at(session=session, site_id=site_id, agency_id=agency)
            counter = chosen if chosen in {c.code for c in counters} else (counters[0].code if counters else "")
            if not counter:
                return site.name if site else "", counters, counter, None, [], {}
            current, line = queue.counter_tickets(session=session, principal=who, site_id=site_id,
                                                  counter_code=counter, now=now)
            names = {s.id: s.name for s in session.exec(select(Service).where(
                col(Service.id).in_({t.service_id for t in [*line, *([current] if current else [])]}))).all()}
            return site.name if site else "", counters, counter, current, line, names

        self.site_name, counters, self.counter, current, line, names = await in_session(read)
        self.counters = [{"code": c.code, "label": c.label} for c in counters]
        if not self.counter:
            self.current, self.line = {}, []
            return
        self.current = {} if current is None else {
            "id": str(current.id), "code": current.code, "service": names.get(current.service_id, ""),
            "status": str(current.status), "status_label": await tr(self, f"queue.status.{current.status}"),
            "calls": str(current.call_count),
        }
        self.line = [{"id": str(t.id), "code": t.code, "service": names.get(t.service_id, ""),
                      "kind": await tr(self, "queue.kind.transfer" if t.transferred_from else
                                       "queue.kind.late" if t.late else f"channel.{t.channel}"),
                      "ready": "1" if t.slot_start_at <= now else ""} for t in line[:30]]

    @rx.event
    @protected(Role.OFFICER)
    async def load(self):
        """Page loader: the officer's site(s) and counters; starts the live loop."""
        self.notice, self.error = "", ""
        who, site_id = principal(), self._site()
        sites, _ = await in_session(lambda session: _scope(session, who, site_id))
        self.sites = [{"id": str(s.id), "name": s.name} for s in sites]
        if self.site_id not in {s.get("id") for s in self.sites}:
            self.site_id = self.sites[0]["id"] if self.sites else ""
        await self._refresh()
        return CounterState.watch

    @rx.event
    @protected(Role.OFFICER)
    async def refresh(self):
        """Reload (run by the live loop when anything changes at the site)."""
        await self._refresh()

    @rx.event
    @protected(Role.OFFICER)
    async def pick_site(self, site_id: str):
        """Choose the site (only sites of the officer's grants are offered or accepted)."""
        if site_id not in {s.get("id") for s in self.sites}:
            self.error = await tr(self, "error.not_allowed")
            return
        self.site_id, self.counter = site_id, ""
        await self._refresh()

    @rx.event
    @protected(Role.OFFICER)
    async def pick_counter(self, code: str):
        """Choose the counter this officer sits at."""
        if code not in {c.get("code") for c in self.counters}:
            self.error = await tr(self, "queue.counter.unknown")
            return
        self.counter, self.notice, self.error = code, "", ""
        await self._refresh()

    async def _act(self, action, ticket_id: str, notice_key: str, **kwargs):
        """Run one officer action on a ticket; the service checks site and agency scope."""
        if not str(ticket_id).isdigit():
            self.error = await tr(self, "queue.ticket.not_found")
            return
        try:
            code = (await in_session(action, principal=principal(), ticket_id=int(ticket_id), now=utcnow(),
                                     **kwargs)).code
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error, self.notice = "", await tr(self, notice_key, code=code)
        await self._refresh()

    @rx.event
    @protected(Role.OFFICER)
    async def call_next(self):
        """Call the next ticket to this counter."""
        site_id = self._site()
        try:
            ticket = await in_session(queue.call_next, principal=principal(), site_id=site_id,
                                      counter_code=self.counter, now=utcnow())
            code = ticket.code if ticket else ""
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error = ""
        self.notice = await tr(self, "queue.counter.called", code=code) if code else await tr(
            self, "queue.counter.nobody")
        await self._refresh()

    @rx.event
    @protected(Role.OFFICER)
    async def recall(self, ticket_id: str):
        """Call the current ticket again."""
        await self._act(queue.recall, ticket_id, "queue.counter.recalled")

    @rx.event
    @protected(Role.OFFICER)
    async def start(self, ticket_id: str):
        """The citizen is at the counter."""
        await self._act(queue.start_service, ticket_id, "queue.counter.started")

    @rx.event
    @protected(Role.OFFICER)
    async def finish(self, ticket_id: str):
        """Service done."""
        await self._act(queue.finish_ticket, ticket_id, "queue.counter.finished")

    @rx.event
    @protected(Role.OFFICER)
    async def no_show(self, ticket_id: str):
        """Called three times without an answer."""
        await self._act(queue.mark_no_show, ticket_id, "queue.counter.no_show")

    @rx.event
    @protected(Role.OFFICER)
    async def transfer(self, form: dict):
        """Send the current ticket to another counter of the site."""
        await self._act(queue.transfer, str(form.get("ticket_id", "")), "queue.counter.transferred",
                        to_counter=str(form.get("to_counter", "")))

    @rx.event(background=True)
    async def watch(self):
        """Live loop (public on purpose): reads only the site's change counter and asks the
        guarded ``refresh`` to reload when it moves."""
        loop_id = live.new_loop_id()
        async with self:
            self._loop_id = loop_id
            site_id = int(self.site_id) if self.site_id.isdigit() else 0
        if not site_id:
            return
        async for _ in live.changes(self, site_id, loop_id):
            yield CounterState.refresh
