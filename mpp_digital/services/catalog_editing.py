"""Editing the catalog: a site_admin edits their own site; the ministry edits the national
catalog (agencies, services and their standards) through drafts that go live when published.

Every function takes the acting principal and checks role and scope itself, so a crafted
call cannot edit what the caller does not own. Every change is audited with before/after.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from sqlmodel import Session, select

from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import Agency, MppSite, Role, Service, ServiceDraft, SiteAgency, SiteClosure, SiteService
from mpp_digital.services import audit
from mpp_digital.services.accounts import InvalidForm
from mpp_digital.services.applications.requirements import parse_items
from mpp_digital.services.applications.workflow import load_workflow
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.catalog import CHANNELS, LIFE_EVENTS, bump_version, search_text_for
from mpp_digital.services.fees import parse_schedule
from mpp_digital.services.hours import WEEKDAYS, parse_hours

SERVICE_FIELDS = ("slug", "agency_id", "name", "aliases", "summary", "requirements", "procedure", "duration_days",
                  "fee_rupiah", "product", "complaint_handling", "legal_basis", "life_events",
                  "requirement_items", "workflow", "fee_schedule", "requires_verified")
# The machine-readable standard (issue 13): checked by its own module; a draft saved without one of
# these keys leaves the live value as it is.
STANDARD_FIELDS = ("requirement_items", "workflow", "fee_schedule")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _site(session: Session, site_id: int) -> MppSite:
    site = session.get(MppSite, site_id)
    if site is None:
        raise DomainError("site.not_found")
    return site


def site_for_admin(*, session: Session, actor: Principal, site_id: int) -> MppSite:
    """The site, when the actor administers it (site_admin of that site, or superadmin)."""
    authorize(actor, Role.SITE_ADMIN, site_id=site_id)
    return _site(session, site_id)


# --------------------------------------------------------------------------- site admin


def editable_sites(*, session: Session, actor: Principal) -> list[MppSite]:
    """The sites this principal may edit (all for a superadmin)."""
    if Role.SUPERADMIN in actor.roles:
        return list(session.exec(select(MppSite).order_by(MppSite.name)).all())
    ids = actor.site_ids(Role.SITE_ADMIN)
    if not ids:
        return []
    return list(session.exec(select(MppSite).where(MppSite.id.in_(ids)).order_by(MppSite.name)).all())  # type: ignore[union-attr]


def update_hours(*, session: Session, actor: Principal, site_id: int, hours: dict, now: datetime) -> MppSite:
    """Replace a site's weekly opening hours (validated: HH:MM, open < close, no overlap)."""
    site = site_for_admin(session=session, actor=actor, site_id=site_id)
    parse_hours(hours)
    clean = {day: [list(pair) for pair in hours.get(day, []) or []] for day in WEEKDAYS}
    before = site.opening_hours
    site.opening_hours = clean
    session.add(site)
    audit.record(session=session, action="site_hours_change", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}", detail={"before": before, "after": clean})
    return site


def add_closure(*, session: Session, actor: Principal, site_id: int, day: date, reason: str, now: datetime) -> None:
    """Close a site on a date (today or later)."""
    site_for_admin(session=session, actor=actor, site_id=site_id)
    if day < now.date():
        raise ValidationError("day", "closure.past")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("reason", "closure.reason_required")
    if session.exec(select(SiteClosure).where(SiteClosure.site_id == site_id, SiteClosure.day == day)).first():
        raise ValidationError("day", "closure.exists")
    session.add(SiteClosure(site_id=site_id, day=day, reason=reason[:200]))
    audit.record(session=session, action="site_closure_add", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}", detail={"after": {"day": day.isoformat(), "reason": reason}})


def remove_closure(*, session: Session, actor: Principal, site_id: int, closure_id: int, now: datetime) -> None:
    """Reopen a closed date."""
    site_for_admin(session=session, actor=actor, site_id=site_id)
    closure = session.get(SiteClosure, closure_id)
    if closure is None or closure.site_id != site_id:
        raise DomainError("closure.not_found")
    audit.record(session=session, action="site_closure_remove", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}", detail={"before": {"day": closure.day.isoformat(), "reason": closure.reason}})
    session.delete(closure)


def set_agency_counters(
    *, session: Session, actor: Principal, site_id: int, agency_id: int, counters: int | str, now: datetime
) -> None:
    """Set how many counters an agency present at the site has there."""
    site_for_admin(session=session, actor=actor, site_id=site_id)
    value = whole_number(counters, "counters", "counters.whole")
    presence = session.exec(
        select(SiteAgency).where(SiteAgency.site_id == site_id, SiteAgency.agency_id == agency_id)
    ).first()
    if presence is None:
        raise DomainError("agency.not_at_site")
    before = presence.counters
    presence.counters = value
    session.add(presence)
    audit.record(session=session, action="site_counters_change", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}", detail={"agency_id": agency_id, "before": before, "after": value})


def set_service_channels(
    *, session: Session, actor: Principal, site_id: int, service_id: int, channels: set[str], now: datetime
) -> None:
    """Offer a service at the site through these channels (none: stop offering it there)."""
    site_for_admin(session=session, actor=actor, site_id=site_id)
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise ValidationError("channels", "channels.unknown")
    service = session.get(Service, service_id)
    if service is None:
        raise DomainError("service.not_found")
    present = session.exec(
        select(SiteAgency).where(SiteAgency.site_id == site_id, SiteAgency.agency_id == service.agency_id)
    ).first()
    if present is None and channels:
        raise DomainError("agency.not_at_site")
    offer = session.exec(
        select(SiteService).where(SiteService.site_id == site_id, SiteService.service_id == service_id)
    ).first()
    before = sorted(c for c in CHANNELS if offer and getattr(offer, c))
    if not channels:
        if offer is not None:
            session.delete(offer)
    else:
        offer = offer or SiteService(site_id=site_id, service_id=service_id)
        for channel in CHANNELS:
            setattr(offer, channel, channel in channels)
        session.add(offer)
    bump_version(session)
    audit.record(session=session, action="site_service_change", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}", detail={"service_id": service_id, "before": before,
                                                   "after": sorted(channels)})


# --------------------------------------------------------------------------- national catalog


def whole_number(value: int | str | None, field: str, key: str) -> int:
    """A whole number >= 0 from a form ("50.000" and "50000" are both 50000 rupiah)."""
    if isinstance(value, bool):
        raise ValidationError(field, key)
    if isinstance(value, int):
        number = value
    else:
        text = str(value or "").strip().replace(".", "").replace(" ", "")
        if text.lower().startswith("rp"):
            text = text[2:]
        if not text.isdigit():
            raise ValidationError(field, key)
        number = int(text)
    if number < 0:
        raise ValidationError(field, key)
    return number


def _lines(value: list[str] | str | None) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [" ".join(v.split()) for v in (value or []) if v and v.strip()]


def validate_service(*, session: Session, data: dict, service_id: int | None) -> dict:
    """Check a service standard from the editor; returns the clean data.

    Raises:
        InvalidForm: with a message for every wrong field.
    """
    errors: dict[str, ValidationError] = {}
    clean: dict = {}
    name = " ".join(str(data.get("name", "")).split())
    if len(name) < 3:
        errors["name"] = ValidationError("name", "service.name_required")
    clean["name"] = name
    slug = str(data.get("slug", "")).strip().lower()
    if not _SLUG.match(slug):
        errors["slug"] = ValidationError("slug", "service.slug_invalid")
    else:
        other = session.exec(select(Service.id).where(Service.slug == slug)).first()
        if other is not None and other != service_id:
            errors["slug"] = ValidationError("slug", "service.slug_taken")
    clean["slug"] = slug
    try:
        agency_id = int(data.get("agency_id") or 0)
    except (TypeError, ValueError):
        agency_id = 0
    if session.get(Agency, agency_id) is None:
        errors["agency_id"] = ValidationError("agency_id", "service.agency_required")
    clean["agency_id"] = agency_id
    for field, key in (("fee_rupiah", "service.fee_whole"), ("duration_days", "service.duration_whole")):
        try:
            clean[field] = whole_number(data.get(field), field, key)
        except ValidationError as exc:
            errors[field] = exc
    for field, key, minimum in (("requirements", "service.requirements_required", 1),
                                ("procedure", "service.procedure_required", 1)):
        clean[field] = _lines(data.get(field))
        if len(clean[field]) < minimum:
            errors[field] = ValidationError(field, key)
    for field, key in (("product", "service.product_required"),
                       ("complaint_handling", "service.complaint_required")):
        clean[field] = " ".join(str(data.get(field, "")).split())
        if not clean[field]:
            errors[field] = ValidationError(field, key)
    clean["summary"] = " ".join(str(data.get("summary", "")).split())[:500]
    clean["legal_basis"] = _lines(data.get("legal_basis"))
    aliases = data.get("aliases", [])
    clean["aliases"] = _lines(aliases.replace(",", "\n") if isinstance(aliases, str) else aliases)
    events = data.get("life_events", [])
    clean["life_events"] = [e for e in (events if isinstance(events, list) else str(events).split(","))
                            if e in LIFE_EVENTS]
    # the standard asks for an identity verified at a counter (services/assurance.py)
    clean["requires_verified"] = str(data.get("requires_verified", "")).strip().lower() in ("1", "true", "on")
    _validate_standard(data, clean, errors)
    if errors:
        raise InvalidForm(errors)
    return clean


def _json_value(value: object, field: str, default: object) -> object:
    """A JSON field from the editor: the value itself, or its text (blank = the default)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return default
    try:
        return json.loads(value)
    except ValueError:
        raise ValidationError(field, "catadmin.json_invalid") from None


def _validate_standard(data: dict, clean: dict, errors: dict[str, ValidationError]) -> None:
    """Requirement items (parse_items), workflow (load_workflow) and fee schedule (parse_schedule)."""
    checks = (("requirement_items", [], lambda v: [i.to_json() for i in parse_items(v)]),
              ("workflow", {}, lambda v: dict(load_workflow(v).spec) if v else {}),
              ("fee_schedule", {}, parse_schedule))
    for field, default, check in checks:
        if field not in data:
            continue
        try:
            clean[field] = check(_json_value(data[field], field, default))
        except ValidationError as exc:
            errors[field] = ValidationError(field, exc.key, **exc.params)


def service_as_data(service: Service) -> dict:
    """The editable fields of a service, as stored in a draft."""
    return {f: getattr(service, f) for f in SERVICE_FIELDS}


def save_draft(
    *, session: Session, actor: Principal, data: dict, now: datetime, service_id: int | None = None,
    draft_id: int | None = None,
) -> ServiceDraft:
    """Save a validated change (or a new service) as a draft; citizens see nothing yet."""
    authorize(actor, Role.MINISTRY)
    if service_id is not None and session.get(Service, service_id) is None:
        raise DomainError("service.not_found")
    clean = validate_service(session=session, data=data, service_id=service_id)
    draft = session.get(ServiceDraft, draft_id) if draft_id else None
    if draft is not None and draft.status != "draft":
        raise DomainError("draft.not_open")
    if draft is None:
        draft = ServiceDraft(service_id=service_id, data=clean, created_by=actor.user_id, created_at=now)
    draft.data = clean
    session.add(draft)
    session.flush()
    audit.record(session=session, action="service_draft_save", now=now, actor_user_id=actor.user_id,
                 target=f"draft:{draft.id}", detail={"service_id": service_id, "after": clean})
    return draft


def publish_draft(*, session: Session, actor: Principal, draft_id: int, now: datetime) -> Service:
    """Apply a draft to the live catalog (re-validated at this moment); audited before/after."""
    authorize(actor, Role.MINISTRY)
    draft = session.get(ServiceDraft, draft_id)
    if draft is None:
        raise DomainError("draft.not_found")
    if draft.status != "draft":
        raise DomainError("draft.not_open")
    clean = validate_service(session=session, data=draft.data, service_id=draft.service_id)
    service = session.get(Service, draft.service_id) if draft.service_id else None
    before = service_as_data(service) if service else None
    if service is None:
        service = Service(**clean)
    else:
        for key, value in clean.items():
            setattr(service, key, value)
    service.search_text = search_text_for(service, session.get(Agency, clean["agency_id"]))
    session.add(service)
    session.flush()
    draft.service_id = service.id
    draft.status, draft.published_by, draft.published_at = "published", actor.user_id, now
    session.add(draft)
    bump_version(session)
    audit.record(session=session, action="service_publish", now=now, actor_user_id=actor.user_id,
                 target=f"service:{service.id}", detail={"before": before, "after": clean})
    return service


def discard_draft(*, session: Session, actor: Principal, draft_id: int, now: datetime) -> None:
    """Drop a draft that will not be published."""
    authorize(actor, Role.MINISTRY)
    draft = session.get(ServiceDraft, draft_id)
    if draft is None or draft.status != "draft":
        raise DomainError("draft.not_found")
    draft.status = "discarded"
    session.add(draft)
    audit.record(session=session, action="service_draft_discard", now=now, actor_user_id=actor.user_id,
                 target=f"draft:{draft_id}")


def open_drafts(*, session: Session, actor: Principal) -> list[ServiceDraft]:
    """Drafts waiting to be published, newest first."""
    authorize(actor, Role.MINISTRY)
    return list(session.exec(
        select(ServiceDraft).where(ServiceDraft.status == "draft").order_by(ServiceDraft.created_at.desc())  # type: ignore[attr-defined]
    ).all())


def save_agency(
    *, session: Session, actor: Principal, now: datetime, name: str, short_name: str, slug: str, letter: str,
    level: str = "daerah", agency_id: int | None = None,
) -> Agency:
    """Create or edit an agency of the national catalog (ministry); audited before/after."""
    authorize(actor, Role.MINISTRY)
    errors: dict[str, ValidationError] = {}
    name, short_name, slug = " ".join(name.split()), " ".join(short_name.split()), slug.strip().lower()
    letter = letter.strip().upper()
    if len(name) < 3:
        errors["name"] = ValidationError("name", "agency.name_required")
    if not short_name:
        errors["short_name"] = ValidationError("short_name", "agency.short_name_required")
    if not _SLUG.match(slug):
        errors["slug"] = ValidationError("slug", "service.slug_invalid")
    elif (other := session.exec(select(Agency.id).where(Agency.slug == slug)).first()) and other != agency_id:
        errors["slug"] = ValidationError("slug", "service.slug_taken")
    if not re.fullmatch(r"[A-Z]", letter):
        errors["letter"] = ValidationError("letter", "agency.letter_invalid")
    if level not in ("pusat", "provinsi", "daerah", "bumn"):
        errors["level"] = ValidationError("level", "agency.level_invalid")
    if errors:
        raise InvalidForm(errors)
    agency = session.get(Agency, agency_id) if agency_id else None
    before = agency.model_dump() if agency else None
    agency = agency or Agency(name=name, short_name=short_name, slug=slug)
    agency.name, agency.short_name, agency.slug, agency.ticket_letter, agency.level = name, short_name, slug, letter, level
    session.add(agency)
    session.flush()
    for service in session.exec(select(Service).where(Service.agency_id == agency.id)).all():
        service.search_text = search_text_for(service, agency)
        session.add(service)
    bump_version(session)
    audit.record(session=session, action="agency_save", now=now, actor_user_id=actor.user_id,
                 target=f"agency:{agency.id}", detail={"before": before, "after": agency.model_dump()})
    return agency
