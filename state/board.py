"""/antrian/papan/[board_site]: the live queue board for the hall's TV (public, no personal data)."""

from __future__ import annotations

from urllib.parse import unquote

import reflex as rx
from sqlmodel import select

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.models import MppSite
from mpp_digital.services import queue
from state import live


class BoardState(rx.State):
    """Codes at each counter and the next codes in line; updates within a second of a call."""

    site_name: str = ""
    serving: list[dict[str, str]] = []
    upcoming: list[str] = []
    clock: str = ""
    _site_id: int = 0
    _loop_id: str = ""

    async def _reload(self) -> None:
        site_id = self._site_id

        def read(session):
            site = session.get(MppSite, site_id)
            if site is None:
                return None
            now = utcnow()
            zone = queue.site_zone(site)
            return (*queue.board(session=session, site_id=site_id, now=now),
                    f"{now.astimezone(zone).strftime('%H:%M')} {queue.zone_label(zone)}")

        board = await in_session(read)
        if board is None:
            return
        rows, upcoming, self.clock = board
        self.serving = [{"counter": r.counter, "code": r.code, "service": r.service, "status": r.status,
                         "calls": str(r.calls)} for r in rows[:12]]
        self.upcoming = upcoming

    @rx.event
    async def load(self):
        """Page loader: the site from the URL; starts the live loop."""
        slug = unquote(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])
        site = await in_session(lambda session: session.exec(select(MppSite).where(MppSite.slug == slug)).first())
        self._site_id, self.site_name = (site.id or 0, site.name) if site else (0, "")
        self.serving, self.upcoming = [], []
        if site is None:
            return
        await self._reload()
        return BoardState.watch

    @rx.event(background=True)
    async def watch(self):
        """Background loop: reload whenever the site's change counter moves (polled every 0.25 s)."""
        loop_id = live.new_loop_id()
        async with self:
            self._loop_id = loop_id
            site_id = self._site_id
        if not site_id:
            return
        async for _ in live.changes(self, site_id, loop_id):
            async with self:
                await self._reload()
