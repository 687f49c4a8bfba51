"""Staff editors: /admin/mpp (site_admin, own site) and /admin/katalog (ministry)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import reflex as rx
from sqlmodel import select

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import Agency, Role, Service, SiteAgency, SiteClosure
from mpp_digital.services import catalog, catalog_editing, queue
from mpp_digital.services.accounts import InvalidForm
from mpp_digital.services.applications import requirements
from mpp_digital.services.hours import WEEKDAYS
from state.lang import tr
from state.session import principal, protected


@dataclasses.dataclass
class SiteChoice:
    """A site the admin may edit."""

    id: str
    name: str


@dataclasses.dataclass
class ClosureRow:
    """A closure date."""

    id: int
    day: str
    reason: str


@dataclasses.dataclass
class CounterRow:
    """An agency's counters at the site."""

    agency_id: int
    name: str
    counters: int


@dataclasses.dataclass
class OfferingRow:
    """A service of an agency present at the site, with its channels there."""

    service_id: int
    name: str
    agency: str
    direct: bool
    online: bool
    mobile: bool


def parse_hours_text(text: str, weekday: str) -> list[list[str]]:
    """ "08:00-12:00, 13:00-15:30" → [["08:00", "12:00"], ["13:00", "15:30"]]."""
    sessions = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip().replace("–", "-").replace(".", ":")
        if not part:
            continue
        if part.count("-") != 1:
            raise ValidationError(f"hours.{weekday}", "hours.bad_interval")
        start, end = (p.strip() for p in part.split("-"))
        sessions.append([start, end])
    return sessions


class SiteAdminState(rx.State):
    """The /admin/mpp page: hours, closures, counters and channels of the admin's own site."""

    sites: list[SiteChoice] = []
    site_id: str = ""
    site_name: str = ""
    hours_text: dict[str, str] = {}
    closures: list[ClosureRow] = []
    counters: list[CounterRow] = []
    offerings: list[OfferingRow] = []
    errors: dict[str, str] = {}
    notice: str = ""
    # queue policy editor: "" = the site's policy, else a service id offered here
    policy_target: str = ""
    policy_services: list[dict[str, str]] = []
    policy_values: dict[str, str] = {}
    policy_own: bool = False
    policy_errors: dict[str, str] = {}
    policy_notice: str = ""

    async def _fill(self, site_id: int):
        actor = principal()

        def read(session):
            site = catalog_editing.site_for_admin(session=session, actor=actor, site_id=site_id)
            closures = session.exec(select(SiteClosure).where(SiteClosure.site_id == site_id)
                                    .order_by(SiteClosure.day)).all()
            counters = session.exec(
                select(SiteAgency.agency_id, Agency.name, SiteAgency.counters)
                .join(Agency, Agency.id == SiteAgency.agency_id).where(SiteAgency.site_id == site_id)
                .order_by(Agency.name)
            ).all()
            present = [c[0] for c in counters]
            services = session.exec(
                select(Service.id, Service.name, Agency.short_name).join(Agency, Agency.id == Service.agency_id)
                .where(Service.agency_id.in_(present)).order_by(Agency.short_name, Service.name)  # type: ignore[union-attr]
            ).all()
            offered = {o.service_id: o for _, o in catalog.site_services(session=session, site_id=site_id)}
            return site, closures, counters, services, offered

        site, closures, counters, services, offered = await in_session(read)
        self.site_id, self.site_name = str(site_id), site.name
        self.hours_text = {
            day: ", ".join(f"{a}-{b}" for a, b in site.opening_hours.get(day, []) or []) for day in WEEKDAYS
        }
        self.closures = [ClosureRow(c.id or 0, c.day.strftime("%d-%m-%Y"), c.reason) for c in closures]
        self.counters = [CounterRow(c[0], c[1], c[2]) for c in counters]
        self.offerings = [
            OfferingRow(sid, name, agency, bool(offered.get(sid) and offered[sid].direct),
                        bool(offered.get(sid) and offered[sid].online), bool(offered.get(sid) and offered[sid].mobile))
            for sid, name, agency in services
        ]
        self.policy_services = [{"id": str(sid), "name": f"{name} ({agency})"}
                                for sid, name, agency in services if sid in offered]
        if self.policy_target not in {p.get("id") for p in self.policy_services}:
            self.policy_target = ""
        await self._fill_policy()

    async def _fill_policy(self):
        target = int(self.policy_target) if self.policy_target.isdigit() else None
        policy, own = await in_session(queue.policy_settings, actor=principal(), site_id=self._site(),
                                       service_id=target)
        self.policy_values = {name: str(getattr(policy, name)) for name in queue.POLICY_LIMITS}
        self.policy_own = own

    def _site(self) -> int:
        """The open site's id (the editor checks the grant for it on every change)."""
        if not self.site_id.isdigit():
            raise DomainError("site.not_found")
        return int(self.site_id)

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def load(self):
        """Page loader: the sites this account administers, the first one opened (its own policy)."""
        self.errors, self.notice = {}, ""
        self.policy_target, self.policy_errors, self.policy_notice = "", {}, ""
        sites = await in_session(catalog_editing.editable_sites, actor=principal())
        self.sites = [SiteChoice(str(s.id), s.name) for s in sites]
        if sites:
            await self._fill(sites[0].id or 0)
        from state.kiosk_admin import KioskDevicesState  # the site's kiosks follow (imports this module)

        return KioskDevicesState.load  # chained, so a refused visitor gets one message, not two

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def choose_site(self, site_id: str):
        """Open another site (only one the account administers)."""
        self.errors, self.notice = {}, ""
        if not str(site_id).isdigit():
            raise DomainError("site.not_found")
        await self._fill(int(site_id))
        from state.kiosk_admin import KioskDevicesState  # the site's kiosks follow (imports this module)

        return KioskDevicesState.load

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def save_hours(self, form: dict):
        """Save the week's hours from one text field per weekday."""
        try:
            hours = {day: parse_hours_text(str(form.get(day, "")), day) for day in WEEKDAYS}
            await in_session(catalog_editing.update_hours, actor=principal(), site_id=self._site(), hours=hours,
                             now=utcnow())
        except ValidationError as exc:
            self.errors = {exc.field: await tr(self, exc.key, **exc.params)}
            self.notice = ""
            return
        self.errors, self.notice = {}, await tr(self, "siteadmin.hours_saved")
        await self._fill(self._site())

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def add_closure(self, form: dict):
        """Close the site on a date."""
        try:
            day = date.fromisoformat(str(form.get("day", "")))
        except ValueError:
            self.errors = {"day": await tr(self, "closure.bad_date")}
            return
        try:
            await in_session(catalog_editing.add_closure, actor=principal(), site_id=self._site(), day=day,
                             reason=str(form.get("reason", "")), now=utcnow())
        except ValidationError as exc:
            self.errors = {exc.field: await tr(self, exc.key, **exc.params)}
            return
        self.errors, self.notice = {}, await tr(self, "siteadmin.saved")
        await self._fill(self._site())

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def remove_closure(self, closure_id: int):
        """Reopen a closed date."""
        try:
            await in_session(catalog_editing.remove_closure, actor=principal(), site_id=self._site(),
                             closure_id=int(closure_id), now=utcnow())
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key))
        await self._fill(self._site())

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def save_counters(self, form: dict):
        """Save the counters of every agency present."""
        try:
            actor, site_id = principal(), self._site()

            def save(session):
                for key, value in form.items():
                    if key.startswith("counters-"):
                        catalog_editing.set_agency_counters(
                            session=session, actor=actor, site_id=site_id,
                            agency_id=int(key.removeprefix("counters-")), counters=str(value), now=utcnow())

            await in_session(save)
        except (ValidationError, DomainError) as exc:
            self.errors = {"counters": await tr(self, exc.key, **exc.params)}
            return
        self.errors, self.notice = {}, await tr(self, "siteadmin.saved")
        await self._fill(self._site())

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def toggle_channel(self, service_id: int, channel: str, on: bool):
        """Offer or stop a service through one channel at this site."""
        current = next((o for o in self.offerings if o.service_id == int(service_id)), None)
        if current is None or channel not in catalog.CHANNELS:
            return
        channels = {c for c in catalog.CHANNELS if getattr(current, c)}
        channels = channels | {channel} if on else channels - {channel}
        try:
            await in_session(catalog_editing.set_service_channels, actor=principal(), site_id=self._site(),
                             service_id=int(service_id), channels=channels, now=utcnow())
        except (ValidationError, DomainError) as exc:
            return rx.toast.error(await tr(self, exc.key))
        await self._fill(self._site())

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def choose_policy_target(self, value: str):
        """Edit the site's policy ("site") or one offered service's own policy."""
        self.policy_errors, self.policy_notice = {}, ""
        value = str(value)
        self.policy_target = value if value in {p.get("id") for p in self.policy_services} else ""
        await self._fill_policy()

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def save_policy(self, form: dict):
        """Save the queue policy of the chosen target."""
        target = int(self.policy_target) if self.policy_target.isdigit() else None
        try:
            await in_session(queue.set_policy, actor=principal(), site_id=self._site(), service_id=target,
                             values={k: form.get(k, "") for k in queue.POLICY_LIMITS}, now=utcnow())
        except ValidationError as exc:
            self.policy_errors = {exc.field: await tr(self, exc.key, **exc.params)}
            self.policy_notice = ""
            return
        self.policy_errors, self.policy_notice = {}, await tr(self, "siteadmin.policy_saved")
        await self._fill_policy()

    @rx.event
    @protected(Role.SITE_ADMIN)
    async def remove_policy_override(self):
        """Let the chosen service follow the site's policy again."""
        if not self.policy_target.isdigit():
            return
        await in_session(queue.remove_policy, actor=principal(), site_id=self._site(),
                         service_id=int(self.policy_target), now=utcnow())
        self.policy_errors, self.policy_notice = {}, await tr(self, "siteadmin.policy_removed")
        await self._fill_policy()


SERVICE_TEXT_FIELDS = ("slug", "name", "aliases", "summary", "requirements", "procedure", "duration_days",
                       "fee_rupiah", "product", "complaint_handling", "legal_basis")


@dataclasses.dataclass
class DraftRow:
    """A draft waiting to be published."""

    id: int
    name: str
    kind: str
    created: str


@dataclasses.dataclass
class ItemRow:
    """One requirement item in the editor (every type's fields; the page shows those of its type)."""

    key: str = ""
    type: str = "document"
    label: str = ""
    label_en: str = ""
    required: bool = True
    help: str = ""
    help_en: str = ""
    doc_kind: str = ""
    accept: str = ""
    wallet: bool = True
    max_length: str = ""
    pattern: str = ""
    not_future: bool = False
    choices: str = ""  # one "value | label | label_en" per line


ITEM_TEXT_FIELDS = ("key", "type", "label", "label_en", "help", "help_en", "doc_kind", "accept", "max_length",
                    "pattern", "choices")
ITEM_FLAGS = ("required", "wallet", "not_future")
STANDARD_TEXT_FIELDS = ("workflow", "fee_schedule")  # JSON, validated by load_workflow / parse_schedule
ITEM_TYPES = requirements.ITEM_TYPES  # for the page's selects (pages do not import services)
DOC_KINDS = requirements.DOC_KINDS


@dataclasses.dataclass
class AgencyOption:
    """An agency for the select."""

    id: str
    name: str


class CatalogAdminState(rx.State):
    """The /admin/katalog page (ministry): service standards (with the online form's requirement items,
    workflow and fee schedule) as drafts, publishing, agencies."""

    form: dict[str, str] = {}
    items: list[ItemRow] = []
    editing_service_id: int = 0
    agency_id: str = ""
    agencies: list[AgencyOption] = []
    drafts: list[DraftRow] = []
    errors: dict[str, str] = {}
    notice: str = ""
    form_version: int = 0
    ready: bool = False  # set by a load that passed the guard

    async def _load_lists(self):
        actor = principal()
        agencies, drafts = await in_session(lambda session: (
            catalog.agencies(session=session), catalog_editing.open_drafts(session=session, actor=actor)))
        self.agencies = [AgencyOption(str(a.id), f"{a.short_name} — {a.name}") for a in agencies]
        self.drafts = [DraftRow(d.id or 0, d.data.get("name", ""), "edit" if d.service_id else "new",
                                d.created_at.strftime("%d-%m-%Y %H:%M")) for d in drafts]

    def _show(self, data: dict, service_id: int):
        self.form = {k: ("\n".join(data.get(k) or []) if isinstance(data.get(k), list) and k != "aliases"
                         else ", ".join(data.get(k) or []) if k == "aliases" else str(data.get(k, "")))
                     for k in SERVICE_TEXT_FIELDS}
        self.form["requires_verified"] = "1" if data.get("requires_verified") else ""
        self.form |= {k: json.dumps(data[k], ensure_ascii=False, indent=2) if data.get(k) else ""
                      for k in STANDARD_TEXT_FIELDS}
        self.items = [ItemRow(**requirements.item_to_form(i)) for i in data.get("requirement_items") or []
                      if isinstance(i, dict)]
        self.agency_id = str(data.get("agency_id", "") or "")
        self.editing_service_id = service_id
        self.form_version += 1

    @rx.event
    @protected(Role.MINISTRY)
    async def load(self):
        """Page loader."""
        self.errors, self.notice = {}, ""
        self._show({}, 0)
        await self._load_lists()
        self.ready = True

    @rx.event
    @protected(Role.MINISTRY)
    async def open_service(self, form: dict):
        """Load a published service into the editor by its slug."""
        slug = str(form.get("pick", "")).strip().lower()
        service = await in_session(lambda session: session.exec(select(Service).where(Service.slug == slug)).first())
        if service is None:
            self.errors = {"pick": await tr(self, "service.not_found")}
            return
        self.errors, self.notice = {}, ""
        self._show(catalog_editing.service_as_data(service), service.id or 0)

    @rx.event
    @protected(Role.MINISTRY)
    async def new_service(self):
        """An empty editor for a new service."""
        self.errors, self.notice = {}, ""
        self._show({}, 0)

    @rx.event
    @protected(Role.MINISTRY)
    async def set_agency(self, value: str):
        """The agency select."""
        self.agency_id = value

    @rx.event
    @protected(Role.MINISTRY)
    async def save_draft(self, form: dict):
        """Validate and keep the change as a draft."""
        data = {k: form.get(k, "") for k in SERVICE_TEXT_FIELDS + STANDARD_TEXT_FIELDS} | {
            "agency_id": self.agency_id, "requires_verified": form.get("requires_verified", ""),
            "requirement_items": [requirements.item_from_form(dataclasses.asdict(row)) for row in self.items]}
        try:
            await in_session(catalog_editing.save_draft, actor=principal(), data=data, now=utcnow(),
                             service_id=self.editing_service_id or None)
        except InvalidForm as exc:
            self.errors = {k: await tr(self, e.key, **e.params) for k, e in exc.errors.items()}
            self.notice = ""
            self.form = {k: str(v) for k, v in data.items() if k in SERVICE_TEXT_FIELDS + STANDARD_TEXT_FIELDS}
            self.form["requires_verified"] = "1" if data["requires_verified"] else ""
            return
        except DomainError as exc:
            self.errors = {"form": await tr(self, exc.key)}
            return
        self.errors, self.notice = {}, await tr(self, "catadmin.draft_saved")
        self._show({}, 0)
        await self._load_lists()

    @rx.event
    @protected(Role.MINISTRY)
    async def add_item(self, value: str):
        """Add a requirement item of a type (document, text, date, choice, nik) at the end."""
        if value not in requirements.ITEM_TYPES or len(self.items) >= requirements.ITEMS_MAX:
            return
        taken = {row.key for row in self.items}
        number = next(n for n in range(1, len(taken) + 2) if f"{value}_{n}" not in taken)
        defaults = requirements.item_to_form({"key": f"{value}_{number}", "type": value})
        self.items = [*self.items, ItemRow(**defaults)]

    @rx.event
    @protected(Role.MINISTRY)
    async def remove_item(self, index: int):
        """Remove one requirement item."""
        index = int(index)
        if 0 <= index < len(self.items):
            self.items = self.items[:index] + self.items[index + 1:]

    @rx.event
    @protected(Role.MINISTRY)
    async def move_item(self, index: int, delta: int):
        """Move an item up (-1) or down (+1): the online form asks in this order."""
        index, target = int(index), int(index) + (1 if int(delta) > 0 else -1)
        if 0 <= index < len(self.items) and 0 <= target < len(self.items):
            rows = list(self.items)
            rows[index], rows[target] = rows[target], rows[index]
            self.items = rows

    @rx.event
    @protected(Role.MINISTRY)
    async def set_item_field(self, index: int, field: str, value: str):
        """One text field of an item (checked when the draft is saved)."""
        if field in ITEM_TEXT_FIELDS:
            self._change_row(int(index), field, str(value)[:2000])

    @rx.event
    @protected(Role.MINISTRY)
    async def set_item_flag(self, index: int, field: str, on: bool):
        """One switch of an item: required, wallet copy allowed, date not in the future."""
        if field in ITEM_FLAGS:
            self._change_row(int(index), field, bool(on))

    def _change_row(self, index: int, field: str, value: str | bool):
        if 0 <= index < len(self.items):
            rows = list(self.items)
            rows[index] = dataclasses.replace(rows[index], **{field: value})
            self.items = rows

    @rx.event
    @protected(Role.MINISTRY)
    async def publish(self, draft_id: int):
        """Publish a draft to the live catalog."""
        try:
            await in_session(catalog_editing.publish_draft, actor=principal(), draft_id=int(draft_id), now=utcnow())
        except InvalidForm as exc:
            return rx.toast.error("; ".join([await tr(self, e.key) for e in exc.errors.values()]))
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key))
        self.notice = await tr(self, "catadmin.published")
        await self._load_lists()

    @rx.event
    @protected(Role.MINISTRY)
    async def discard(self, draft_id: int):
        """Drop a draft."""
        try:
            await in_session(catalog_editing.discard_draft, actor=principal(), draft_id=int(draft_id), now=utcnow())
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key))
        self.notice = await tr(self, "catadmin.discarded")
        await self._load_lists()

    @rx.event
    @protected(Role.MINISTRY)
    async def save_agency(self, form: dict):
        """Create an agency (or edit one when its slug exists)."""
        slug = str(form.get("agency_slug", "")).strip().lower()
        try:
            actor = principal()

            def save(session):
                existing = session.exec(select(Agency).where(Agency.slug == slug)).first()
                catalog_editing.save_agency(
                    session=session, actor=actor, now=utcnow(), name=str(form.get("agency_name", "")),
                    short_name=str(form.get("agency_short", "")), slug=slug,
                    letter=str(form.get("agency_letter", "")), level=str(form.get("agency_level", "daerah")),
                    agency_id=existing.id if existing else None)

            await in_session(save)
        except InvalidForm as exc:
            self.errors = {f"agency_{k}": await tr(self, e.key, **e.params) for k, e in exc.errors.items()}
            return
        self.errors, self.notice = {}, await tr(self, "catadmin.agency_saved")
        await self._load_lists()

