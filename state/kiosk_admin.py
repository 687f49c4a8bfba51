"""The kiosks of a site on /admin/mpp: pair a kiosk (a one-time code), list and revoke them.

The pairing code is a secret, and a state is not a safe place for one (hydrate sends a tab's
stored state to whoever connects with its client token): the code goes to the page in a
script that writes it into the code box, and never into a state var.
"""

from __future__ import annotations

import dataclasses
import json

import reflex as rx

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import Role
from mpp_digital.services import kiosk_devices
from state.catalog_admin import SiteAdminState
from state.lang import tr
from state.session import principal, protected


@dataclasses.dataclass
class KioskView:
    """A kiosk row of the admin page."""

    id: int
    name: str
    status: str  # waiting, expired, paired, revoked (translated on the page)
    last_seen: str
    active: bool


CODE_BOX = "kiosk-pairing-code"


def show_pairing_code(code: str) -> rx.event.EventSpec:
    """A script that writes the code into the code box once the page has drawn it (the box
    appears with ``pairing_name``); the code travels in this one message only."""
    return rx.call_script(
        f"(function put(n){{const el=document.getElementById({json.dumps(CODE_BOX)});"
        f"if(el){{el.textContent={json.dumps(code)};}}else if(n<100){{setTimeout(()=>put(n+1),20);}}}})(0)")


def _when(at) -> str:
    return at.strftime("%d-%m-%Y %H:%M UTC") if at else "-"


class KioskDevicesState(rx.State):
    """The "Kios" card of /admin/mpp (site admins, for the site open in SiteAdminState)."""

    kiosks: list[KioskView] = []
    pairing_name: str = ""  # the kiosk whose code is on screen (the code itself is never stored here)
    error: str = ""
    notice: str = ""

    async def _site_id(self) -> int:
        site_id = (await self.get_state(SiteAdminState)).site_id
        if not site_id.isdigit():
            raise DomainError("site.not_found")
        return int(site_id)

    async def _fill(self) -> None:
        site_id = await self._site_id()
        rows = await in_session(kiosk_devices.kiosks_at, actor=principal(), site_id=site_id, now=utcnow())
        self.kiosks = [KioskView(r.id, r.name, r.status, _when(r.last_seen_at), r.status in ("waiting", "paired"))
                       for r in rows]

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def load(self):
        """Loader (after SiteAdminState.load): the open site's kiosks; any code shown earlier is gone."""
        self.pairing_name = self.error = self.notice = ""
        self.kiosks = []
        if (await self.get_state(SiteAdminState)).site_id:
            await self._fill()

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def start_pairing(self, form: dict):
        """Register a kiosk of the open site and show its one-time pairing code."""
        site_id = await self._site_id()
        try:
            code = await in_session(kiosk_devices.start_pairing, actor=principal(), site_id=site_id,
                                    name=str(form.get("name", "")), now=utcnow())
        except ValidationError as exc:
            self.error, self.pairing_name = await tr(self, exc.key, **exc.params), ""
            return
        self.error, self.notice = "", ""
        self.pairing_name = " ".join(str(form.get("name", "")).split())
        await self._fill()
        return show_pairing_code(code)

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def revoke(self, device_id: int):
        """End a kiosk's pairing at once (its next event is refused)."""
        if not str(device_id).isdigit():
            raise DomainError("kiosk.not_found")
        await in_session(kiosk_devices.revoke, actor=principal(), device_id=int(device_id), now=utcnow())
        self.pairing_name, self.error = "", ""
        self.notice = await tr(self, "kiosk.revoked")
        await self._fill()

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def hide_code(self):
        """The kiosk is paired (or the admin is done): stop showing the code."""
        self.pairing_name = ""
        await self._fill()
