"""Public catalog pages: /layanan, /layanan/<slug>, /mpp, /mpp/<slug>, /peristiwa-hidup.

No personal data is read or shown here, so these handlers are public.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from mpp_digital import formatting, routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import ValidationError
from mpp_digital.i18n import in_language, t
from mpp_digital.models import Service
from mpp_digital.services import catalog, fees, life_events
from mpp_digital.services.applications import requirements
from mpp_digital.services.catalog import SearchFilters
from mpp_digital.services.hours import WEEKDAYS, closure_dates, open_status, parse_hours
from state.lang import reader_lang, tr

ANY = "all"
FILE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}  # accepted file types, as people know them


def _last_segment(state: rx.State) -> str:
    return (state.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]


def _int_or_none(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


@dataclasses.dataclass
class Option:
    """A select option."""

    value: str
    label: str


@dataclasses.dataclass
class ServiceRow:
    """A search result as the page shows it."""

    slug: str
    name: str
    agency: str
    fee: str
    free: bool
    duration: str
    channels: list[str]


class CatalogState(rx.State):
    """The /layanan search page."""

    query: str = ""
    agency: str = ANY
    province: str = ANY
    site: str = ANY
    channel: str = ANY
    fee: str = ANY
    life_event: str = ANY
    page: int = 1
    pages: int = 0
    total: int = 0
    results: list[ServiceRow] = []
    agencies: list[Option] = []
    provinces: list[Option] = []
    sites: list[Option] = []
    searched: bool = False

    async def _run(self):
        filters = SearchFilters(
            agency_id=_int_or_none(self.agency),
            province_code=self.province if self.province != ANY else None,
            site_id=_int_or_none(self.site),
            channel=self.channel if self.channel != ANY else None,
            fee=self.fee if self.fee != ANY else None,
            life_event=self.life_event if self.life_event != ANY else None,
        )
        found = await in_session(catalog.search_services, query=self.query, filters=filters, page=self.page)
        same_day = await tr(self, "service.same_day")
        lang = await reader_lang(self)
        labels = {c: await tr(self, f"channel.{c}") for c in catalog.CHANNELS}
        self.results = [
            ServiceRow(slug=i.slug, name=i.name, agency=i.agency, fee=fees.summary_text(i.fee, lang),
                       free=i.fee.kind == "free",
                       duration=await tr(self, "service.days", days=i.duration_days) if i.duration_days else same_day,
                       channels=[labels[c] for c in i.channels])
            for i in found.items
        ]
        self.total, self.page, self.pages, self.searched = found.total, found.page, found.pages, True

    async def _load_sites(self):
        """The MPP filter's options: the sites of the chosen province (all when none)."""
        rows = await in_session(catalog.site_options, province_code=self.province if self.province != ANY else None)
        self.sites = [Option(str(sid), name) for sid, name in rows]

    @rx.event
    async def load(self):
        """Page loader: filter options, and the query from the address (?q=...)."""
        agencies, provinces = await in_session(
            lambda session: (catalog.agencies(session=session), catalog.provinces_with_sites(session=session)))
        self.agencies = [Option(str(a.id), a.short_name) for a in agencies]
        self.provinces = [Option(p.code, p.name) for p in provinces]
        params = self.router.url.query_parameters
        self.query = params.get("q", "")[:100]
        self.life_event = params.get("peristiwa", ANY) if params.get("peristiwa") in catalog.LIFE_EVENTS else ANY
        self.agency = self.province = self.site = self.channel = self.fee = ANY
        self.page = 1
        await self._load_sites()
        await self._run()

    @rx.event
    async def search(self, form: dict):
        """Search with the words and filters of the form."""
        self.query = str(form.get("q", ""))[:100]
        self.page = 1
        await self._run()

    @rx.event
    async def set_filter(self, name: str, value: str):
        """Change one filter and search again."""
        if name in ("agency", "province", "site", "channel", "fee", "life_event"):
            setattr(self, name, value or ANY)
            if name == "province":
                self.site = ANY
                await self._load_sites()
            self.page = 1
            await self._run()

    @rx.event
    async def go_to_page(self, page: int):
        """Show another page of results."""
        self.page = max(1, _int_or_none(str(page)) or 1)
        await self._run()

    @rx.event
    async def clear(self):
        """Forget the words and filters."""
        self.query, self.agency, self.province, self.site, self.channel, self.fee, self.life_event = (
            "", ANY, ANY, ANY, ANY, ANY, ANY)
        self.page = 1
        await self._load_sites()
        await self._run()


@dataclasses.dataclass
class SiteLink:
    """A site that offers a service."""

    slug: str
    name: str
    regency: str
    channels: str
    booking: str  # the queue booking page for this site and service ("" when not at the counter)
    apply: str = ""  # the online form at this site ("" when the site does not offer it online)


@dataclasses.dataclass
class FeeVariantRow:
    """A fee variant on the service page: its total (or range, or "by rule") and its parts in words."""

    key: str
    label: str
    total: str
    parts: list[str]


@dataclasses.dataclass
class FeeInputRow:
    """A value the reader may give to estimate a fee set by a rule."""

    key: str
    label: str
    kind: str  # rupiah / choice
    choices: list[Option]


class ServicePageState(rx.State):
    """The /layanan/<slug> page: the published standard, its fees, and where it is served."""

    found: bool = True
    name: str = ""
    agency: str = ""
    summary: str = ""
    requirements: list[str] = []
    procedure: list[str] = []
    duration: str = ""
    fee: str = ""
    product: str = ""
    complaint_handling: str = ""
    legal_basis: list[str] = []
    channels: list[str] = []
    sites: list[SiteLink] = []
    slug: str = ""
    requires_verified: bool = False  # the standard asks for an identity verified at a counter
    apply_href: str = ""  # "Ajukan online": the form (the MPP preselected from the NIK), when offered online
    # What the online form asks (the typed requirement items): documents to upload, data to fill in
    online_documents: list[str] = []
    online_fields: list[str] = []
    # Fee variants and rules, for the regency of the chosen MPP (regional tariffs)
    fee_variants: list[FeeVariantRow] = []
    fee_inputs: list[FeeInputRow] = []
    fee_note: str = ""
    fee_sites: list[Option] = []
    fee_site: str = ""
    _fee_rupiah: int = 0
    _fee_schedule: dict = {}
    _fee_regencies: dict[str, str] = {}
    _fee_values: dict[str, str] = {}

    async def _show_fees(self):
        lang = await reader_lang(self)
        holder = Service(slug=self.slug, agency_id=0, name="", duration_days=0, fee_rupiah=self._fee_rupiah,
                         product="", complaint_handling="", fee_schedule=self._fee_schedule)
        regency = self._fee_regencies.get(self.fee_site)
        self.fee = fees.summary_text(fees.summary(holder, regency), lang)
        rows, inputs = [], {}
        for option in fees.fee_options(service=holder, regency_code=regency):
            quoted = fees.quote(service=holder, variant=option.key, regency_code=regency,
                                case_values=self._fee_values)
            if quoted.amount is not None:
                total = formatting.rupiah(quoted.amount, lang) if quoted.amount else t("fee.free", lang)
                if quoted.is_estimate:
                    total = t("fee.estimate", lang, amount=total)
            elif option.minimum is not None and option.maximum is not None:
                total = f"{formatting.rupiah(option.minimum, lang)} – {formatting.rupiah(option.maximum, lang)}"
            else:
                total = t("fee.by_rule", lang)
            rows.append(FeeVariantRow(option.key, option.label_in(lang), total,
                                      [fees.part_text(p, lang) for p in quoted.parts]))
            for case_input in option.inputs:
                choices = [Option(v, t(f"fee.vehicle.{v}", lang) if case_input.key == "vehicle_type"
                                  else in_language(lang, label, en))
                           for v, label, en in case_input.choices]
                inputs.setdefault(case_input.key, FeeInputRow(case_input.key, t(f"fee.input.{case_input.key}", lang),
                                                              case_input.kind, choices))
        self.fee_variants, self.fee_inputs = rows, list(inputs.values())
        note = self._fee_schedule.get("note_en" if lang == "en" else "note") or self._fee_schedule.get("note", "")
        self.fee_note = note

    @rx.event
    async def set_fee_site(self, slug: str):
        """Show the fees as they apply at another MPP (regional tariffs)."""
        if slug in self._fee_regencies:
            self.fee_site = slug
            await self._show_fees()

    @rx.event
    async def estimate(self, form: dict):
        """Estimate the rule-based fees from the values the reader typed (nothing is stored)."""
        self._fee_values = {str(k)[:40]: str(v)[:40] for k, v in list(form.items())[:10]}
        await self._show_fees()

    @rx.event
    async def load(self):
        """Page loader; an unknown slug shows the not-found panel."""
        slug = _last_segment(self)

        def read(session):
            row = catalog.get_service(session=session, slug=slug)
            return row, catalog.sites_offering(session=session, service_id=row[0].id) if row else []

        row, offers = await in_session(read)
        if row is None:
            self.found, self.slug = False, slug
            return
        service, agency = row
        self.found, self.slug = True, service.slug
        self.name, self.agency, self.summary = service.name, agency.name, service.summary
        self.requirements, self.procedure = list(service.requirements), list(service.procedure)
        self.duration = (await tr(self, "service.days", days=service.duration_days) if service.duration_days
                         else await tr(self, "service.same_day"))
        self._fee_rupiah, self._fee_schedule, self._fee_values = service.fee_rupiah, dict(service.fee_schedule), {}
        self._fee_regencies = {o.slug: o.regency_code for o in offers}
        self.fee_sites = [Option(o.slug, o.name) for o in offers] if service.fee_schedule else []
        # Show first an MPP whose regional tariffs are recorded (the reader may pick another).
        known = [o.slug for o in offers if fees.has_tariff(service=service, regency_code=o.regency_code)]
        self.fee_site = (known or [o.slug for o in offers] or [""])[0] if service.fee_schedule else ""
        await self._show_fees()
        self.product, self.complaint_handling = service.product, service.complaint_handling
        self.requires_verified = service.requires_verified
        self.legal_basis = list(service.legal_basis)
        labels = {c: await tr(self, f"channel.{c}") for c in catalog.CHANNELS}
        self.channels = [labels[c] for c in catalog.CHANNELS if any(c in o.channels for o in offers)]
        has_form = bool(service.requirement_items)
        self.sites = [
            SiteLink(o.slug, o.name, o.regency, ", ".join(labels[c] for c in o.channels),
                     routes.booking_url(o.slug, service.slug) if "direct" in o.channels else "",
                     routes.new_application_url(service.slug, o.slug) if has_form and "online" in o.channels else "")
            for o in offers
        ]
        self.apply_href = routes.new_application_url(service.slug) if any(o.apply for o in self.sites) else ""
        await self._show_online_items(service.requirement_items)

    async def _show_online_items(self, raw: list):
        lang = await reader_lang(self)
        documents, fields = [], []
        try:
            items = requirements.parse_items(raw)
        except ValidationError:  # a stored list that no longer checks: the text requirements still show
            items = []
        for item in items:
            optional = "" if item.required else f" ({t('std.optional', lang)})"
            if item.is_document:
                kinds = ", ".join(FILE_TYPES.get(a, a) for a in item.accept)
                documents.append(f"{item.label_in(lang)}{optional} — {kinds}")
            else:
                fields.append(f"{item.label_in(lang)}{optional}")
        self.online_documents, self.online_fields = documents, fields


@dataclasses.dataclass
class SiteCard:
    """A site in the directory."""

    slug: str
    name: str
    address: str
    regency: str
    status: str


@dataclasses.dataclass
class ProvinceGroup:
    """The sites of one province."""

    province: str
    sites: list[SiteCard]


class SiteDirectoryState(rx.State):
    """The /mpp directory: all sites by province and regency."""

    query: str = ""
    province: str = ANY
    provinces: list[Option] = []
    groups: list[ProvinceGroup] = []
    count: int = 0

    async def _run(self):
        listings = await in_session(catalog.site_directory, query=self.query,
                                    province_code=self.province if self.province != ANY else None)
        pilot = await tr(self, "site.status.pilot")
        groups: dict[str, list[SiteCard]] = {}
        for s in listings:
            groups.setdefault(s.province, []).append(
                SiteCard(s.slug, s.name, s.address, s.regency, pilot if s.status == "pilot" else ""))
        self.groups = [ProvinceGroup(p, sites) for p, sites in groups.items()]
        self.count = len(listings)

    @rx.event
    async def load(self):
        """Page loader."""
        self.provinces = [Option(p.code, p.name) for p in await in_session(catalog.provinces_with_sites)]
        self.query, self.province = "", ANY
        await self._run()

    @rx.event
    async def search(self, form: dict):
        """Filter by words."""
        self.query = str(form.get("q", ""))[:100]
        await self._run()

    @rx.event
    async def set_province(self, value: str):
        """Filter by province."""
        self.province = value or ANY
        await self._run()


@dataclasses.dataclass
class DayHours:
    """One weekday's hours as text."""

    day: str
    text: str
    today: bool


@dataclasses.dataclass
class AgencyRow:
    """An agency present, with its counters."""

    name: str
    counters: int


@dataclasses.dataclass
class OfferRow:
    """A service offered at the site."""

    slug: str
    name: str
    apply: str = ""  # the online form at this site ("" for the other channels, or without a form)


class SitePageState(rx.State):
    """The /mpp/<slug> page."""

    found: bool = True
    slug: str = ""
    name: str = ""
    address: str = ""
    regency: str = ""
    province: str = ""
    population: str = ""
    status: str = ""
    is_pilot: bool = False
    launched: str = ""
    open_now: bool = False
    open_text: str = ""
    hours: list[DayHours] = []
    closures: list[str] = []
    agencies: list[AgencyRow] = []
    direct: list[OfferRow] = []
    online: list[OfferRow] = []
    mobile: list[OfferRow] = []

    @rx.event
    async def load(self):
        """Page loader; an unknown slug shows the not-found panel."""
        slug = _last_segment(self)
        now = utcnow()

        def read(session):
            row = catalog.get_site(session=session, slug=slug)
            if row is None:
                return None
            site = row[0]
            status = open_status(session=session, site=site, now=now)
            today = status.local_time.date()
            return (row, status, catalog.site_agencies(session=session, site_id=site.id or 0),
                    catalog.site_services(session=session, site_id=site.id or 0),
                    sorted(closure_dates(session=session, site_id=site.id or 0, start=today,
                                         end=today.replace(year=today.year + 1))))

        found = await in_session(read)
        if found is None:
            self.found, self.slug = False, slug
            return
        (site, regency, province), status, agencies, offers, closed_days = found
        today = status.local_time.date()
        self.found, self.slug, self.name, self.address = True, site.slug, site.name, site.address
        self.regency, self.province = regency.name, province.name
        self.population = f"{regency.population:,}".replace(",", ".") if regency.population else "-"
        self.is_pilot = site.status == "pilot"
        self.status = await tr(self, f"site.status.{site.status}")
        self.launched = site.launch_date.strftime("%d-%m-%Y") if site.launch_date else "-"
        self.open_now = status.is_open
        clock = status.local_time.strftime("%H:%M") + " " + status.zone
        self.open_text = f"{await tr(self, 'site.local_time')}: {clock}"
        parsed = parse_hours(site.opening_hours)
        closed = await tr(self, "site.closed")
        self.hours = [
            DayHours(await tr(self, f"weekday.{day}"),
                     ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in parsed[day]) or closed,
                     WEEKDAYS[today.weekday()] == day)
            for day in WEEKDAYS
        ]
        self.closures = [d.strftime("%d-%m-%Y") for d in closed_days[:10]]
        self.agencies = [AgencyRow(a.name, a.counters) for a in agencies]
        self.direct = [OfferRow(s.slug, s.name) for s, o in offers if o.direct]
        self.online = [OfferRow(s.slug, s.name, routes.new_application_url(s.slug, site.slug)
                                if s.requirement_items else "") for s, o in offers if o.online]
        self.mobile = [OfferRow(s.slug, s.name) for s, o in offers if o.mobile]


@dataclasses.dataclass
class StepRow:
    """A step of a life event."""

    order: int
    service_slug: str
    service_name: str
    agency: str
    fee: str
    duration: str
    produces: str
    needs: str


@dataclasses.dataclass
class EventCard:
    """A life event with its steps."""

    slug: str
    title: str
    summary: str
    steps: list[StepRow]


class LifeEventsState(rx.State):
    """The /peristiwa-hidup page."""

    events: list[EventCard] = []

    @rx.event
    async def load(self):
        """Page loader."""
        same_day = await tr(self, "service.same_day")
        lang = await reader_lang(self)
        cards = []
        checklists = await in_session(
            lambda session: [life_events.checklist(session=session, event=event) for event in life_events.LIFE_EVENTS])
        for event, items in zip(life_events.LIFE_EVENTS, checklists, strict=True):
            cards.append(EventCard(
                event.slug, await tr(self, f"life.{event.slug}.title"), await tr(self, f"life.{event.slug}.summary"),
                [StepRow(i.order, i.service_slug, i.service_name, i.agency, fees.summary_text(i.fee, lang),
                         await tr(self, "service.days", days=i.duration_days) if i.duration_days else same_day,
                         i.produces, i.needs) for i in items],
            ))
        self.events = cards

