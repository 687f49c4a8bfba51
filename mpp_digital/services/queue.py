"""One fair queue for the three channels: slots, quotas, booking, kiosk, counters, board.

Rules (issue 4), all in the site's local time (WIB, WITA or WIT):

* Slots of ``slot_minutes`` inside the opening intervals; a slot's capacity is what the
  agency's counters at the site serve in it (counters x minutes / minutes per ticket),
  split by shares into online, mobile and walk-in places. No slots on days without hours
  (Sunday for every standard timetable), on the site's closure dates, or on national holidays.
* Online booking: verified accounts only, from today to ``days_ahead`` days ahead, until
  ``cutoff_minutes`` before the slot starts; one active ticket per citizen, service and day;
  at most three active tickets. The place is taken by an atomic conditional UPDATE
  (``online_booked < online_capacity``) in the same transaction as the ticket insert, and the
  limits are unique constraints: the database refuses a place too many, never Python.
* Kiosk: check-in by QR token or code + PIN; more than ``late_minutes`` after the slot start
  puts a booked ticket in the walk-in line. Walk-in tickets take the walk-in places of the
  current slot, or of the next slot that has some ("come back at HH:MM").
* Counter: call next (tickets transferred to this counter, then checked-in booked tickets
  whose slot has begun in slot order, then the walk-in line in arrival order), recall, no-show
  after three calls, start, finish, transfer. Finishing (or a no-show) is a service event.

Services never commit: the caller's ``session_scope()`` does, so a booking is all or nothing.
The one exception is ``book``, the booking page's path: the same steps as ``book_online`` run
on their own by ``db.drive_async`` (one transaction, or one statement on PostgreSQL).
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, cast, exists, func, insert, literal, update
from sqlalchemy import select as sql_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from mpp_digital import db
from mpp_digital.blocking import in_session
from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    ACTIVE_TICKET_STATUSES,
    Agency,
    Channel,
    EventKind,
    MppSite,
    PendingMail,
    QueueDay,
    QueuePolicy,
    QueueSiteVersion,
    QueueSlot,
    QueueTicket,
    Role,
    Service,
    SiteAgency,
    SiteClosure,
    SiteService,
    TicketStatus,
    User,
)
from mpp_digital.services import analytics, audit
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.hours import SiteHours, closure_dates, intervals_on, zone_for_region, zone_label
from mpp_digital.settings import PROJECT_ROOT, get_settings

MAX_ACTIVE_TICKETS = 3
MAX_CALLS = 3
DEFAULT_HOLIDAYS = PROJECT_ROOT / "mpp_digital" / "data" / "holidays.json"


# --------------------------------------------------------------------------- policy and calendar


@dataclass(frozen=True)
class Policy:
    """The queue settings in force for one site and service (defaults of ``QueuePolicy``)."""

    slot_minutes: int = 30
    minutes_per_ticket: int = 15
    online_share: int = 70
    mobile_share: int = 10
    days_ahead: int = 7
    cutoff_minutes: int = 30
    late_minutes: int = 15


def policy_for(*, session: Session, site_id: int, service_id: int) -> Policy:
    """The service's own policy row at the site, else the site's, else the defaults."""
    rows = session.exec(select(QueuePolicy).where(QueuePolicy.site_id == site_id)).all()
    return _policy_of(next((r for r in rows if r.service_id == service_id), None)
                      or next((r for r in rows if r.service_id is None), None))


POLICY_FIELDS = tuple(f.name for f in fields(Policy))


def _policy_of(row: QueuePolicy | None) -> Policy:
    if row is None:
        return Policy()
    return Policy(**{name: getattr(row, name) for name in POLICY_FIELDS})


# Each setting of a policy: (lowest, highest) accepted value.
POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "slot_minutes": (5, 240), "minutes_per_ticket": (1, 240), "online_share": (0, 100), "mobile_share": (0, 100),
    "days_ahead": (0, 60), "cutoff_minutes": (-240, 1440), "late_minutes": (0, 240),
}


def _policy_target(session: Session, actor: Principal, site_id: int, service_id: int | None) -> None:
    authorize(actor, Role.SITE_ADMIN, site_id=site_id)
    if session.get(MppSite, site_id) is None:
        raise DomainError("site.not_found")
    if service_id is not None and session.exec(select(SiteService).where(
            SiteService.site_id == site_id, SiteService.service_id == service_id)).first() is None:
        raise DomainError("queue.service.not_here")


def _policy_row(session: Session, site_id: int, service_id: int | None) -> QueuePolicy | None:
    return session.exec(select(QueuePolicy).where(
        QueuePolicy.site_id == site_id,
        col(QueuePolicy.service_id).is_(None) if service_id is None else QueuePolicy.service_id == service_id)).first()


def set_policy(*, session: Session, actor: Principal, site_id: int, service_id: int | None,
               values: dict[str, object], now: datetime) -> Policy:
    """Set a site's queue policy (``service_id`` None) or one service's own policy there.

    Every setting of ``POLICY_LIMITS`` is required, a whole number in its range; the online and
    mobile shares together are at most 100 % and a ticket fits in a slot. Booking window,
    cut-off and lateness apply at once; slot length, service time and shares shape the days
    whose slots are not planned yet (a day's slots are planned when it is first shown).

    Raises:
        NotAllowed: not this site's admin. DomainError: unknown site, service not at this site.
        ValidationError: the first bad setting (its field, with the accepted range).
    """
    _policy_target(session, actor, site_id, service_id)
    clean: dict[str, int] = {}
    for field_name, (low, high) in POLICY_LIMITS.items():
        raw = str(values.get(field_name, "")).strip()
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError(field_name, "policy.whole_number") from None
        if not low <= number <= high:
            raise ValidationError(field_name, "policy.range", low=low, high=high)
        clean[field_name] = number
    if clean["online_share"] + clean["mobile_share"] > 100:
        raise ValidationError("mobile_share", "policy.shares_over")
    if clean["minutes_per_ticket"] > clean["slot_minutes"]:
        raise ValidationError("minutes_per_ticket", "policy.ticket_longer_than_slot")
    row = _policy_row(session, site_id, service_id)
    before = None if row is None else {k: getattr(row, k) for k in POLICY_LIMITS}
    row = row or QueuePolicy(site_id=site_id, service_id=service_id)
    for field_name, number in clean.items():
        setattr(row, field_name, number)
    session.add(row)
    session.flush()
    audit.record(session=session, action="queue_policy_set", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}" + (f":service:{service_id}" if service_id else ""),
                 detail={"before": before, "after": clean})
    return _policy_of(row)


def policy_settings(*, session: Session, actor: Principal, site_id: int, service_id: int | None) -> tuple[Policy, bool]:
    """The policy in force for the editor's target, and whether the target has its own row
    (False: a service follows the site's policy, or a site the defaults)."""
    _policy_target(session, actor, site_id, service_id)
    own = _policy_row(session, site_id, service_id)
    if own is not None:
        return _policy_of(own), True
    return (policy_for(session=session, site_id=site_id, service_id=service_id) if service_id else Policy()), False


def remove_policy(*, session: Session, actor: Principal, site_id: int, service_id: int, now: datetime) -> None:
    """Drop one service's own policy at a site: the site's policy (or the defaults) applies again."""
    _policy_target(session, actor, site_id, service_id)
    row = _policy_row(session, site_id, service_id)
    if row is None:
        return
    audit.record(session=session, action="queue_policy_remove", now=now, actor_user_id=actor.user_id,
                 target=f"site:{site_id}:service:{service_id}",
                 detail={"before": {k: getattr(row, k) for k in POLICY_LIMITS}})
    session.delete(row)
    session.flush()


@lru_cache(maxsize=4)
def _holidays_from(path: str, mtime: float) -> dict[date, str]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    entries = data.get("holidays", []) if isinstance(data, dict) else data
    return {date.fromisoformat(e["date"]): e.get("name", "") for e in entries}


def national_holidays(*, path: Path | None = None) -> dict[date, str]:
    """National holidays and cuti bersama: ``MPP_HOLIDAYS_FILE`` or the shipped list."""
    path = path or get_settings().holidays_file or DEFAULT_HOLIDAYS
    return _holidays_from(str(path), path.stat().st_mtime)


def site_zone(site: SiteHours) -> ZoneInfo:
    """The site's time zone."""
    return zone_for_region(site.regency_code)


def local_today(site: SiteHours, now: datetime) -> date:
    """The site's local date at ``now``."""
    return now.astimezone(site_zone(site)).date()


def closed_reason(*, session: Session, site: MppSite, day: date) -> DomainError | None:
    """Why the site takes no queue on ``day`` (holiday, closure, no hours), or None when open."""
    return _closed_reason(site, day, closure=bool(closure_dates(session=session, site_id=site.id or 0,
                                                                    start=day, end=day)))


def _closed_reason(site: SiteHours, day: date, *, closure: bool) -> DomainError | None:
    holiday = national_holidays().get(day)
    if holiday is not None:
        return DomainError("queue.closed.holiday", name=holiday)
    if closure:
        return DomainError("queue.closed.closure")
    if not intervals_on(site, day):
        return DomainError("queue.closed.sunday" if day.weekday() == 6 else "queue.closed.no_hours")
    return None


# --------------------------------------------------------------------------- slots


@dataclass(frozen=True)
class SlotPlan:
    """A slot before it is stored: local start and end, capacity per channel."""

    start: time
    end: time
    capacity: int
    online: int
    mobile: int
    walkin: int


def plan_slots(*, site: MppSite, day: date, policy: Policy, counters: int) -> list[SlotPlan]:
    """The slots of a day: windows of ``slot_minutes`` inside each opening interval.

    A window cut short by a break or the closing time keeps the capacity of its length; a
    window too short for one ticket is dropped.
    """
    plans = []
    for open_at, close_at in intervals_on(site, day):
        start = datetime.combine(day, open_at)
        close = datetime.combine(day, close_at)
        while start < close:
            end = min(start + timedelta(minutes=policy.slot_minutes), close)
            minutes = int((end - start).total_seconds() // 60)
            capacity = counters * minutes // policy.minutes_per_ticket
            if capacity > 0:
                online = capacity * policy.online_share // 100
                mobile = min(capacity - online, capacity * policy.mobile_share // 100)
                plans.append(SlotPlan(start.time(), end.time(), capacity, online, mobile, capacity - online - mobile))
            start = end
    return plans


def _counters(session: Session, site_id: int, agency_id: int) -> int:
    row = session.exec(select(SiteAgency).where(SiteAgency.site_id == site_id,
                                                SiteAgency.agency_id == agency_id)).first()
    return row.counters if row else 0


def _utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def ensure_slots(*, session: Session, site: MppSite, service: Service, day: date) -> list[QueueSlot]:
    """The day's slots, created on first use (idempotent and safe under concurrency)."""
    slots = _slots(session, site.id or 0, service.id or 0, day)
    if slots or closed_reason(session=session, site=site, day=day) is not None:
        return slots
    policy = policy_for(session=session, site_id=site.id or 0, service_id=service.id or 0)
    zone = site_zone(site)
    plans = plan_slots(site=site, day=day, policy=policy,
                       counters=_counters(session, site.id or 0, service.agency_id))
    _insert_ignoring_conflicts(session, QueueSlot, [
        {"site_id": site.id, "service_id": service.id, "day": day, "label": p.start.strftime("%H:%M"),
         "start_at": _utc(day, p.start, zone), "end_at": _utc(day, p.end, zone), "capacity": p.capacity,
         "online_capacity": p.online, "walkin_capacity": p.walkin, "mobile_capacity": p.mobile,
         "online_booked": 0, "walkin_issued": 0}
        for p in plans
    ])
    _insert_ignoring_conflicts(session, QueueDay, [{"site_id": site.id, "service_id": service.id, "day": day,
                                                    "last_number": 0}])
    return _slots(session, site.id or 0, service.id or 0, day)


def _insert_ignoring_conflicts(session: Session, model: type, rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: whoever comes first creates the rows, nobody fails."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(model).values(rows).on_conflict_do_nothing())


def _slots(session: Session, site_id: int, service_id: int, day: date) -> list[QueueSlot]:
    return list(session.exec(
        select(QueueSlot).where(QueueSlot.site_id == site_id, QueueSlot.service_id == service_id,
                                QueueSlot.day == day).order_by(col(QueueSlot.start_at))
    ).all())


# --------------------------------------------------------------------------- availability


@dataclass(frozen=True)
class SlotView:
    """One slot as the booking page shows it."""

    id: int
    label: str
    end_label: str
    online_left: int
    walkin_left: int
    bookable: bool
    reason: str  # "", "full", "cutoff", "past"


@dataclass(frozen=True)
class DayAvailability:
    """A day of one service at one site: closed (with why) or its slots."""

    day: date
    closed: DomainError | None
    slots: list[SlotView]
    online_left: int
    walkin_from: str | None  # local HH:MM from which walk-in places remain
    zone: str


def _local_label(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%H:%M")


def _walkin_from(slots: list[QueueSlot], now: datetime, zone: ZoneInfo) -> str | None:
    for slot in slots:
        if slot.end_at > now and slot.walkin_issued < slot.walkin_capacity:
            return _local_label(max(slot.start_at, now), zone)
    return None


def _check_day(site: SiteHours, day: date, policy: Policy, now: datetime, closed: DomainError | None) -> None:
    today = local_today(site, now)
    if day < today:
        raise DomainError("queue.day.past")
    if day > today + timedelta(days=policy.days_ahead):
        raise DomainError("queue.day.beyond_window", days=policy.days_ahead,
                          last=(today + timedelta(days=policy.days_ahead)).strftime("%d-%m-%Y"))
    if closed is not None:
        raise closed


def availability(*, session: Session, site: MppSite, service: Service, day: date, now: datetime) -> DayAvailability:
    """What a citizen may book on a day (closed days carry the reason as a DomainError)."""
    zone = site_zone(site)
    policy = policy_for(session=session, site_id=site.id or 0, service_id=service.id or 0)
    try:
        _check_day(site, day, policy, now, closed_reason(session=session, site=site, day=day))
    except DomainError as exc:
        return DayAvailability(day, exc, [], 0, None, zone_label(zone))
    slots = ensure_slots(session=session, site=site, service=service, day=day)
    views = []
    for s in slots:
        left = s.online_capacity - s.online_booked
        reason = ("past" if s.end_at <= now else "cutoff" if now > _cutoff(s.start_at, policy)
                  else "full" if left <= 0 else "")
        views.append(SlotView(s.id or 0, s.label, _local_label(s.end_at, zone), max(left, 0),
                              max(s.walkin_capacity - s.walkin_issued, 0), reason == "", reason))
    online_left = sum(v.online_left for v in views if v.reason in ("", "full"))
    return DayAvailability(day, None, views, online_left, _walkin_from(slots, now, zone), zone_label(zone))


def _cutoff(start_at: datetime, policy: Policy) -> datetime:
    return start_at - timedelta(minutes=policy.cutoff_minutes)


# --------------------------------------------------------------------------- booking


def _site_service(session: Session, site_id: int, service_id: int) -> tuple[MppSite, Service, SiteService]:
    site, service = session.get(MppSite, site_id), session.get(Service, service_id)
    offer = session.exec(select(SiteService).where(SiteService.site_id == site_id,
                                                   SiteService.service_id == service_id)).first()
    if site is None or service is None or offer is None:
        raise DomainError("queue.service.not_here")
    return site, service, offer


def _bump(session: Session, site_id: int) -> None:
    """Tell live pages (board, tickets, console) of this site that something changed."""
    done = session.execute(update(QueueSiteVersion).where(col(QueueSiteVersion.site_id) == site_id)
                           .values(version=QueueSiteVersion.version + 1)).rowcount  # type: ignore[attr-defined]
    if not done:
        _insert_ignoring_conflicts(session, QueueSiteVersion, [{"site_id": site_id, "version": 0}])
        _bump(session, site_id)


def site_version(*, session: Session, site_id: int) -> int:
    """The change counter of a site (cheap: one primary-key read)."""
    row = session.get(QueueSiteVersion, site_id)
    return row.version if row else 0


def _full_reason(regency_code: str, online_left: int, walkin_start: datetime | None, now: datetime) -> DomainError:
    if online_left > 0:
        return DomainError("queue.slot_full")
    if walkin_start is not None:
        zone = zone_for_region(regency_code)
        return DomainError("queue.online_gone", walkin_from=_local_label(max(walkin_start, now), zone),
                           zone=zone_label(zone))
    return DomainError("queue.day_full")


def _day_end(site: SiteHours, day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=site_zone(site)).astimezone(UTC)


def _code(letter: str, number: int) -> str:
    return f"{letter}-{number:03d}"


SITE_FIELDS = ("id", "regency_code", "opening_hours")


@dataclass(frozen=True)
class _Site:
    """The columns of a site the booking rules read (an ORM row costs more to build than the
    rules take to run, on every attempt of a rush)."""

    id: int
    regency_code: str
    opening_hours: dict


@lru_cache(maxsize=1)
def _verified_at():
    return sql_select(User.email_verified_at).where(col(User.id) == bindparam("citizen_id"))


@lru_cache(maxsize=1)
def _booking_read():
    """Everything the booking rules read, in one statement built once (a rush runs it per
    attempt): the slot, how full it and its day are (the day's open online places, the first
    walk-in start: what a refusal says), its site, service, agency letter and offer, both
    policy rows, the citizen's verification, whether the site is closed that day, and the
    citizen's active tickets (one row each; one row in all when there are none)."""
    own, site_wide, day = aliased(QueuePolicy), aliased(QueuePolicy), aliased(QueueSlot)
    verified = _verified_at().scalar_subquery()
    closure = exists().where(col(SiteClosure.site_id) == QueueSlot.site_id, col(SiteClosure.day) == QueueSlot.day)
    open_day = (col(day.site_id) == QueueSlot.site_id) & (col(day.service_id) == QueueSlot.service_id) \
        & (col(day.day) == QueueSlot.day) & (col(day.end_at) > bindparam("now"))
    online_left = sql_select(func.coalesce(func.sum(day.online_capacity - day.online_booked), 0)).where(open_day)
    walkin_start = sql_select(func.min(day.start_at)).where(open_day & (col(day.walkin_issued) < col(day.walkin_capacity)))
    return (
        sql_select(QueueSlot.id, QueueSlot.day, QueueSlot.label, QueueSlot.start_at, QueueSlot.end_at,
                   col(QueueSlot.online_capacity) - col(QueueSlot.online_booked), online_left.scalar_subquery(),
                   walkin_start.scalar_subquery(), Service.id, Service.agency_id, Agency.ticket_letter, SiteService.id,
                   SiteService.online, verified, closure,
                   own.id, *(getattr(own, f) for f in POLICY_FIELDS),
                   site_wide.id, *(getattr(site_wide, f) for f in POLICY_FIELDS),
                   *(getattr(MppSite, f) for f in SITE_FIELDS),
                   QueueTicket.id, QueueTicket.service_id, QueueTicket.day, QueueTicket.active_place,
                   QueueTicket.expires_at)
        .join(MppSite, col(MppSite.id) == QueueSlot.site_id)
        .join(Service, col(Service.id) == QueueSlot.service_id)
        .join(Agency, col(Agency.id) == Service.agency_id)
        .join(SiteService, (col(SiteService.site_id) == QueueSlot.site_id)
              & (col(SiteService.service_id) == QueueSlot.service_id), isouter=True)
        .join(own, (own.site_id == QueueSlot.site_id) & (own.service_id == QueueSlot.service_id), isouter=True)
        .join(site_wide, (site_wide.site_id == QueueSlot.site_id) & col(site_wide.service_id).is_(None),
              isouter=True)
        .join(QueueTicket, (col(QueueTicket.citizen_id) == bindparam("citizen_id"))
              & col(QueueTicket.active).is_not(None), isouter=True)
        .where(col(QueueSlot.id) == bindparam("slot_id"))
    )


@lru_cache(maxsize=1)
def _take_online_place():
    return (update(QueueSlot)
            .where(col(QueueSlot.id) == bindparam("slot_id"),
                   col(QueueSlot.online_booked) < col(QueueSlot.online_capacity))
            .values(online_booked=QueueSlot.online_booked + 1)
            .returning(QueueSlot.id))


@lru_cache(maxsize=1)
def _take_number():
    return (update(QueueDay)
            .where(col(QueueDay.site_id) == bindparam("w_site_id"), col(QueueDay.service_id) == bindparam("w_service_id"),
                   col(QueueDay.day) == bindparam("w_day"))
            .values(last_number=QueueDay.last_number + 1)
            .returning(QueueDay.last_number))


BOOKED_FIELDS = ("site_id", "agency_id", "service_id", "slot_id", "day", "channel", "number", "code", "pin",
                 "citizen_id", "status", "active", "active_place", "slot_start_at", "slot_end_at", "expires_at",
                 "created_at", "late", "call_count")


@lru_cache(maxsize=1)
def _insert_booked():
    return (insert(QueueTicket)
            .values({f: bindparam(f"v_{f}", type_=QueueTicket.__table__.c[f].type) for f in BOOKED_FIELDS})
            .returning(QueueTicket.id))


TICKET_MAIL = "queue_ticket"  # PendingMail.kind of a booked ticket's mail


@lru_cache(maxsize=1)
def _mail_ticket():
    """The ticket's mail, written with the booking (``services.pending_mail`` sends it)."""
    return insert(PendingMail).values(kind=TICKET_MAIL, ref=bindparam("m_ref"), lang=bindparam("m_lang"),
                                      created_at=bindparam("m_now"), due_at=bindparam("m_now"), attempts=0
                                      ).returning(PendingMail.id)


@lru_cache(maxsize=1)
def _book_in_one_statement():
    """PostgreSQL: the place, the day's number, the ticket and its mail as one statement (its
    data-modifying CTEs run atomically, without BEGIN and COMMIT round trips). A full slot
    changes nothing and returns no row; a unique conflict fails the whole of it. The ticket
    code is ``_code`` written in SQL (a test keeps the two alike)."""
    place = _take_online_place().cte("place")
    number = _take_number().where(exists(sql_select(place.c.id))).cte("number")  # only when the place was taken
    digits = cast(number.c.last_number, String)
    code = bindparam("letter", type_=String) + "-" + func.lpad(digits, func.greatest(3, func.length(digits)), "0")
    columns = {"number": number.c.last_number, "code": code}
    ticket = (insert(QueueTicket)
              .from_select(BOOKED_FIELDS, sql_select(*(
                  columns.get(f, bindparam(f"v_{f}", type_=QueueTicket.__table__.c[f].type)) for f in BOOKED_FIELDS))
                  .select_from(number))
              .returning(QueueTicket.id, QueueTicket.code).cte("ticket"))
    when = bindparam("m_now", type_=PendingMail.__table__.c["created_at"].type)
    mail = (insert(PendingMail)
            .from_select(["kind", "ref", "lang", "created_at", "due_at", "attempts"],
                         sql_select(literal(TICKET_MAIL), ticket.c.id, bindparam("m_lang", type_=String), when, when,
                                    literal(0)).select_from(ticket))
            .returning(PendingMail.id).cte("mail"))
    return sql_select(ticket.c.id, ticket.c.code).add_cte(mail)


@dataclass(frozen=True)
class Booked:
    """A ticket just booked online: what the booking page needs."""

    ticket_id: int
    code: str


class _StaleTickets(Exception):
    """The citizen still holds tickets of days that have ended: they are ended first."""


def _booking(citizen_id: int, slot_id: int, now: datetime, lang: str, *, one_statement: bool) -> db.Steps[Booked]:
    """Book one online place: the rules on one read, then the place taken by the database.

    One read for all the rules, then in one transaction a conditional UPDATE takes the place (a
    slot filled meanwhile changes nothing and ends here: the refusal is told from the read,
    with this slot now full), the day's next number, and the ticket's INSERT; the unique
    constraints refuse a second active ticket of the same citizen that slipped in meanwhile;
    the ticket's mail (in ``lang``) is written with it, to be sent afterwards. On PostgreSQL
    (``one_statement``) those writes are one statement, ``_book_in_one_statement``.
    """
    rows = yield _booking_read(), {"slot_id": slot_id, "citizen_id": citizen_id, "now": now}
    if not rows:  # an unknown slot; the account rule still speaks first
        user = yield _verified_at(), {"citizen_id": citizen_id}
        if not user or user[0][0] is None:
            raise NotAllowed("auth.unverified")
        raise DomainError("queue.slot.not_found")
    (slot_id, day, label, start_at, end_at, slot_left, day_left, walkin_start, service_id, agency_id, letter,
     offer_id, online, verified_at, closed_day, *rest) = rows[0]
    n = len(POLICY_FIELDS)
    own, site_wide, site_values = rest[:n + 1], rest[n + 1:2 * n + 2], rest[2 * n + 2:2 * n + 2 + len(SITE_FIELDS)]
    active = [row[-5:] for row in rows if row[-5] is not None]  # (id, service, day, place, expires_at)
    site = _Site(*site_values)
    if verified_at is None:
        raise NotAllowed("auth.unverified")
    if offer_id is None:
        raise DomainError("queue.service.not_here")
    if not online:
        raise DomainError("queue.service.not_online")
    if slot_left <= 0:
        raise _full_reason(site.regency_code, day_left, walkin_start, now)
    chosen = own if own[0] is not None else site_wide
    policy = Policy(**dict(zip(POLICY_FIELDS, chosen[1:], strict=True))) if chosen[0] is not None else Policy()
    _check_day(site, day, policy, now, _closed_reason(site, day, closure=bool(closed_day)))
    if now > _cutoff(start_at, policy) or end_at <= now:
        raise DomainError("queue.cutoff", label=label, minutes=policy.cutoff_minutes)
    if any(expires_at <= now for *_, expires_at in active):
        raise _StaleTickets
    if any(t_service == service_id and t_day == day for _, t_service, t_day, _, _ in active):
        raise DomainError("queue.duplicate")
    free = [p for p in range(1, MAX_ACTIVE_TICKETS + 1) if p not in {place for *_, place, _ in active}]
    if not free:
        raise DomainError("queue.too_many", maximum=MAX_ACTIVE_TICKETS)

    # The guarantee: the place is taken by the database, atomically, or not at all.
    refusal = _full_reason(site.regency_code, max(0, day_left - slot_left), walkin_start, now)  # if filled meanwhile
    values = {"site_id": site.id, "agency_id": agency_id, "service_id": service_id, "slot_id": slot_id, "day": day,
              "channel": Channel.ONLINE, "pin": f"{secrets.randbelow(10000):04d}", "citizen_id": citizen_id,
              "status": TicketStatus.BOOKED, "active": 1, "active_place": free[0], "slot_start_at": start_at,
              "slot_end_at": end_at, "expires_at": _day_end(site, day), "created_at": now, "late": False,
              "call_count": 0}
    mail = {"m_lang": lang if lang in ("id", "en") else "id", "m_now": now}
    number_at = {"w_site_id": site.id, "w_service_id": service_id, "w_day": day}
    try:
        if one_statement:
            booked = yield _book_in_one_statement(), {
                "slot_id": slot_id, "letter": letter, **number_at, **mail,
                **{f"v_{k}": v for k, v in values.items()}}
            if not booked:  # filled meanwhile: nothing was written
                raise refusal
            return Booked(*booked[0])
        if not (yield _take_online_place(), {"slot_id": slot_id}):  # filled meanwhile: nothing was written
            raise refusal
        number = (yield _take_number(), number_at)[0][0]
        values.update(number=number, code=_code(letter, number))
        ticket = yield _insert_booked(), {f"v_{k}": v for k, v in values.items()}
    except db.Conflict:  # a concurrent booking of the same citizen won the race; all of this rolls back
        raise DomainError("queue.busy") from None
    yield _mail_ticket(), {"m_ref": ticket[0][0], **mail}
    return Booked(ticket[0][0], values["code"])


def _expire_stale(session: Session, citizen_id: int, now: datetime) -> None:
    tickets = list(session.exec(select(QueueTicket).where(
        col(QueueTicket.citizen_id) == citizen_id, col(QueueTicket.active).is_not(None),
        col(QueueTicket.expires_at) <= now)).all())
    _expire(session, tickets, now)


def book_online(*, session: Session, citizen_id: int, slot_id: int, now: datetime, lang: str = "id") -> QueueTicket:
    """Book one online place in a slot for a verified citizen, in the caller's transaction.

    The same steps as ``book``; tickets of days that have ended stop counting as active (and
    are marked expired here).

    Raises:
        DomainError: unverified account, service not online here, past day, outside the
            booking window, closed day, past the cut-off, duplicate, more than three active
            tickets, a full slot, or the online share gone (with the walk-in time).
    """
    one_statement = session.get_bind().dialect.name == "postgresql"
    try:
        booked = db.drive(session, _booking(citizen_id, slot_id, now, lang, one_statement=one_statement))
    except _StaleTickets:
        _expire_stale(session, citizen_id, now)
        booked = db.drive(session, _booking(citizen_id, slot_id, now, lang, one_statement=one_statement))
    ticket = session.get(QueueTicket, booked.ticket_id)
    assert ticket is not None
    return ticket


async def book(*, citizen_id: int, slot_id: int, now: datetime, lang: str = "id") -> Booked:
    """``book_online`` on its own, on the hot path (``db.drive_async``): what a booking rush
    runs per attempt. Raises what ``book_online`` raises."""
    one_statement = db.get_engine().dialect.name == "postgresql"
    try:
        return await db.drive_async(_booking(citizen_id, slot_id, now, lang, one_statement=one_statement))
    except _StaleTickets:
        await in_session(lambda session: _expire_stale(session, citizen_id, now))
        return await db.drive_async(_booking(citizen_id, slot_id, now, lang, one_statement=one_statement))


def cancel_ticket(*, session: Session, citizen_id: int, ticket_id: int, now: datetime) -> QueueTicket:
    """Cancel one's own booking, up to the slot's start; the place goes back to the slot."""
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.citizen_id != citizen_id:
        raise DomainError("queue.ticket.not_found")
    if ticket.status != TicketStatus.BOOKED:
        raise DomainError("queue.cancel.not_booked")
    if now >= ticket.slot_start_at:
        raise DomainError("queue.cancel.too_late")
    _release(session, ticket, TicketStatus.CANCELLED, now)
    ticket.cancelled_at = now
    session.add(ticket)
    session.flush()
    return ticket


def _release(session: Session, ticket: QueueTicket, status: TicketStatus, now: datetime) -> None:
    """Take a ticket out of the active ones; a booked place goes back to its slot."""
    gone = session.execute(
        update(QueueTicket)
        .where(col(QueueTicket.id) == ticket.id, col(QueueTicket.status) == ticket.status)
        .values(status=status, active=None, active_place=None)
    ).rowcount  # type: ignore[attr-defined]
    if gone != 1:
        raise DomainError("queue.busy")
    if ticket.channel == Channel.ONLINE and ticket.slot_id is not None and status == TicketStatus.CANCELLED:
        session.execute(update(QueueSlot).where(col(QueueSlot.id) == ticket.slot_id, col(QueueSlot.online_booked) > 0)
                        .values(online_booked=QueueSlot.online_booked - 1))
    session.refresh(ticket)


def reschedule_ticket(*, session: Session, citizen_id: int, ticket_id: int, slot_id: int, now: datetime,
                      lang: str = "id") -> QueueTicket:
    """Cancel-and-book in one transaction: when the new slot is refused, the caller's
    rollback leaves the old ticket exactly as it was."""
    old = session.get(QueueTicket, ticket_id)
    if old is None or old.citizen_id != citizen_id:
        raise DomainError("queue.ticket.not_found")
    new_slot = session.get(QueueSlot, slot_id)
    if new_slot is None or (new_slot.site_id, new_slot.service_id) != (old.site_id, old.service_id):
        raise DomainError("queue.slot.not_found")
    if new_slot.id == old.slot_id:
        raise DomainError("queue.reschedule.same")
    cancel_ticket(session=session, citizen_id=citizen_id, ticket_id=ticket_id, now=now)
    return book_online(session=session, citizen_id=citizen_id, slot_id=slot_id, now=now, lang=lang)


def tickets_for(*, session: Session, citizen_id: int, now: datetime) -> list[QueueTicket]:
    """A citizen's tickets: today's and future ones first, then the last 20 others."""
    rows = session.exec(select(QueueTicket).where(QueueTicket.citizen_id == citizen_id)
                        .order_by(col(QueueTicket.slot_start_at).desc()).limit(50)).all()
    upcoming = [t for t in rows if t.status in ACTIVE_TICKET_STATUSES and t.expires_at > now]
    others = [t for t in rows if t not in upcoming][:20]
    return sorted(upcoming, key=lambda t: t.slot_start_at) + others


def own_ticket(*, session: Session, citizen_id: int, ticket_id: int) -> QueueTicket:
    """One of the citizen's own tickets (another person's ticket is simply not found)."""
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.citizen_id != citizen_id:
        raise DomainError("queue.ticket.not_found")
    return ticket


def ticket_token(ticket: QueueTicket, *, secret_key: str | None = None) -> str:
    """The signed token of a ticket's QR code, valid until the end of its day."""
    from mpp_digital.services.queue_token import make_token

    return make_token(ticket_id=ticket.id or 0, expires_at=ticket.expires_at,
                      secret_key=secret_key or get_settings().secret_key.get_secret_value())


# --------------------------------------------------------------------------- kiosk


def _kiosk_site(session: Session, site_id: int) -> MppSite:
    site = session.get(MppSite, site_id)
    if site is None:
        raise DomainError("queue.site.not_found")
    return site


def check_in(*, session: Session, site_id: int, ticket: QueueTicket, now: datetime) -> QueueTicket:
    """Check a booked ticket in at the site's kiosk; late arrivals join the walk-in line."""
    site = _kiosk_site(session, site_id)
    if ticket.site_id != site_id:
        raise DomainError("queue.checkin.other_site")
    if ticket.status != TicketStatus.BOOKED:
        raise DomainError("queue.checkin.already" if ticket.status in ACTIVE_TICKET_STATUSES
                          else "queue.checkin.not_active")
    if ticket.day != local_today(site, now):
        raise DomainError("queue.checkin.wrong_day", day=ticket.day.strftime("%d-%m-%Y"))
    policy = policy_for(session=session, site_id=site_id, service_id=ticket.service_id)
    moved = session.execute(
        update(QueueTicket).where(col(QueueTicket.id) == ticket.id, col(QueueTicket.status) == TicketStatus.BOOKED)
        .values(status=TicketStatus.WAITING, checked_in_at=now,
                late=now > ticket.slot_start_at + timedelta(minutes=policy.late_minutes))
    ).rowcount  # type: ignore[attr-defined]
    if moved != 1:
        raise DomainError("queue.checkin.already")
    _bump(session, site_id)
    session.refresh(ticket)
    return ticket


def check_in_by_token(*, session: Session, site_id: int, token: str, now: datetime,
                      secret_key: str | None = None) -> QueueTicket:
    """Check in with the QR code's signed token (forged or expired tokens are refused)."""
    from mpp_digital.services.queue_token import read_token

    ticket_id = read_token(token=token, secret_key=secret_key or get_settings().secret_key.get_secret_value(), now=now)
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None:
        raise DomainError("queue.token.invalid")
    return check_in(session=session, site_id=site_id, ticket=ticket, now=now)


def check_in_by_code(*, session: Session, site_id: int, code: str, pin: str, now: datetime) -> QueueTicket:
    """Check in by the code on the ticket (A-023) and its four-digit PIN."""
    site = _kiosk_site(session, site_id)
    code = "".join(code.split()).upper()
    if len(code) > 1 and "-" not in code:
        code = f"{code[0]}-{code[1:]}"
    letter, _, digits = code.partition("-")
    if len(letter) == 1 and digits.isdigit():
        code = _code(letter, int(digits))
    matches = session.exec(select(QueueTicket).where(
        QueueTicket.site_id == site_id, QueueTicket.day == local_today(site, now), QueueTicket.code == code,
        QueueTicket.pin == pin.strip(), QueueTicket.channel == Channel.ONLINE)).all()
    if len(matches) != 1:
        raise DomainError("queue.checkin.code_unknown" if not matches else "queue.checkin.code_ambiguous")
    return check_in(session=session, site_id=site_id, ticket=matches[0], now=now)


def issue_walk_in(*, session: Session, site_id: int, service_id: int, now: datetime) -> QueueTicket:
    """A walk-in ticket from the kiosk: a walk-in place of the current slot, or of the next
    one that has places (the ticket then says from when)."""
    site, service, offer = _site_service(session, site_id, service_id)
    if not offer.direct:
        raise DomainError("queue.service.not_direct")
    today = local_today(site, now)
    reason = closed_reason(session=session, site=site, day=today)
    if reason is not None:
        raise reason
    slots = [s for s in ensure_slots(session=session, site=site, service=service, day=today) if s.end_at > now]
    if not slots:
        raise DomainError("queue.walkin.closed_now")
    for slot in slots:
        if slot.walkin_issued >= slot.walkin_capacity:
            continue
        taken = session.execute(
            update(QueueSlot)
            .where(col(QueueSlot.id) == slot.id, col(QueueSlot.walkin_issued) < col(QueueSlot.walkin_capacity))
            .values(walkin_issued=QueueSlot.walkin_issued + 1)
        ).rowcount  # type: ignore[attr-defined]
        if taken == 1:
            break
    else:
        raise DomainError("queue.walkin.full")
    agency = session.get(Agency, service.agency_id)
    number = session.execute(_take_number(), {"w_site_id": site_id, "w_service_id": service_id, "w_day": today}).scalar_one()
    ticket = QueueTicket(
        site_id=site_id, agency_id=service.agency_id, service_id=service_id, slot_id=slot.id, day=today,
        channel=Channel.DIRECT, number=number, code=_code(agency.ticket_letter if agency else "A", number),
        pin=f"{secrets.randbelow(10000):04d}", citizen_id=None, status=TicketStatus.WAITING, active=1,
        slot_start_at=slot.start_at, slot_end_at=slot.end_at, expires_at=_day_end(site, today), created_at=now,
        checked_in_at=now,
    )
    session.add(ticket)
    session.flush()
    _bump(session, site_id)
    return ticket


# --------------------------------------------------------------------------- counters


@dataclass(frozen=True)
class Counter:
    """A counter (loket) of an agency at a site: ``code`` "<agency id>-<n>" is stored on tickets."""

    code: str
    agency_id: int
    number: int
    label: str


def counters_at(*, session: Session, site_id: int, agency_id: int | None = None) -> list[Counter]:
    """The counters of a site (of one agency when given), from SiteAgency.counters."""
    stmt = select(SiteAgency, Agency).join(Agency, col(Agency.id) == SiteAgency.agency_id).where(
        SiteAgency.site_id == site_id)
    if agency_id is not None:
        stmt = stmt.where(SiteAgency.agency_id == agency_id)
    out = []
    for link, agency in session.exec(stmt.order_by(col(Agency.short_name))).all():
        for n in range(1, link.counters + 1):
            out.append(Counter(f"{agency.id}-{n}", agency.id or 0, n, f"{agency.short_name} {n}"))
    return out


def counter_label(*, session: Session, code: str | None) -> str:
    """"Disdukcapil 1" for the stored counter code "1-1"."""
    if not code:
        return ""
    agency_id, _, number = code.partition("-")
    agency = session.get(Agency, int(agency_id)) if agency_id.isdigit() else None
    return f"{agency.short_name} {number}" if agency else code


def _parse_counter(session: Session, site_id: int, code: str) -> Counter:
    found = next((c for c in counters_at(session=session, site_id=site_id) if c.code == code), None)
    if found is None:
        raise DomainError("queue.counter.unknown")
    return found


def _officer_ticket(session: Session, principal: Principal, ticket_id: int) -> QueueTicket:
    """A ticket the officer may act on: of a site (and agency) the officer's grant covers."""
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None:
        raise DomainError("queue.ticket.not_found")
    authorize(principal, Role.OFFICER, site_id=ticket.site_id, agency_id=ticket.agency_id, session=session)
    return ticket


def _ready(ticket: QueueTicket, now: datetime) -> bool:
    return ticket.slot_start_at <= now


def _line_key(ticket: QueueTicket, counter_code: str | None, now: datetime) -> tuple:
    """Sort key of the call order (lower first) for a waiting ticket."""
    checked = ticket.checked_in_at or ticket.created_at
    if ticket.transferred_from and ticket.counter == counter_code:
        return (0, 0, checked)
    if not _ready(ticket, now):
        return (3, ticket.slot_start_at, checked)
    if ticket.channel == Channel.ONLINE and not ticket.late:
        return (1, ticket.slot_start_at, checked)
    return (2, 0, checked)


def waiting_line(*, session: Session, site_id: int, agency_id: int, now: datetime,
                 counter_code: str | None = None) -> list[QueueTicket]:
    """Today's waiting tickets of an agency at a site in call order; tickets transferred to
    another counter are left out, tickets whose slot has not begun come last."""
    site = _kiosk_site(session, site_id)
    rows = session.exec(select(QueueTicket).where(
        QueueTicket.site_id == site_id, QueueTicket.agency_id == agency_id,
        QueueTicket.day == local_today(site, now), QueueTicket.status == TicketStatus.WAITING)).all()
    rows = [t for t in rows if not (t.transferred_from and t.counter != counter_code and counter_code is not None)]
    return sorted(rows, key=lambda t: _line_key(t, counter_code, now))


def call_next(*, session: Session, principal: Principal, site_id: int, counter_code: str,
              now: datetime) -> QueueTicket | None:
    """Call the next ticket to a counter; None when nobody can be called now."""
    counter = _parse_counter(session, site_id, counter_code)
    authorize(principal, Role.OFFICER, site_id=site_id, agency_id=counter.agency_id, session=session)
    for ticket in waiting_line(session=session, site_id=site_id, agency_id=counter.agency_id, now=now,
                               counter_code=counter_code):
        if not _ready(ticket, now) and not ticket.transferred_from:
            break
        claimed = session.execute(
            update(QueueTicket)
            .where(col(QueueTicket.id) == ticket.id, col(QueueTicket.status) == TicketStatus.WAITING)
            .values(status=TicketStatus.CALLED, counter=counter_code, call_count=1, last_called_at=now,
                    first_called_at=func.coalesce(QueueTicket.first_called_at, now), served_by=principal.user_id)
        ).rowcount  # type: ignore[attr-defined]
        if claimed == 1:  # another counter did not take it first
            session.refresh(ticket)
            if ticket.wait_seconds is None and ticket.checked_in_at is not None:
                ticket.wait_seconds = max(0, int((now - ticket.checked_in_at).total_seconds()))
                session.add(ticket)
            _bump(session, site_id)
            session.flush()
            return ticket
    return None


def recall(*, session: Session, principal: Principal, ticket_id: int, now: datetime) -> QueueTicket:
    """Call the same ticket again (at most three calls)."""
    ticket = _officer_ticket(session, principal, ticket_id)
    if ticket.status != TicketStatus.CALLED:
        raise DomainError("queue.counter.not_called")
    if ticket.call_count >= MAX_CALLS:
        raise DomainError("queue.counter.max_calls", maximum=MAX_CALLS)
    ticket.call_count += 1
    ticket.last_called_at = now
    session.add(ticket)
    _bump(session, ticket.site_id)
    session.flush()
    return ticket


def start_service(*, session: Session, principal: Principal, ticket_id: int, now: datetime) -> QueueTicket:
    """The citizen came to the counter: service starts."""
    ticket = _officer_ticket(session, principal, ticket_id)
    if ticket.status != TicketStatus.CALLED:
        raise DomainError("queue.counter.not_called")
    ticket.status, ticket.started_at = TicketStatus.SERVING, now
    session.add(ticket)
    _bump(session, ticket.site_id)
    session.flush()
    return ticket


def finish_ticket(*, session: Session, principal: Principal, ticket_id: int, now: datetime) -> QueueTicket:
    """Service done: records the service time and emits the service event."""
    ticket = _officer_ticket(session, principal, ticket_id)
    if ticket.status != TicketStatus.SERVING:
        raise DomainError("queue.counter.not_serving")
    _release(session, ticket, TicketStatus.DONE, now)
    ticket.finished_at = now
    ticket.service_seconds = max(0, int((now - (ticket.started_at or now)).total_seconds()))
    session.add(ticket)
    _bump(session, ticket.site_id)
    session.flush()
    emit_service_event(session=session, event=_service_event_for(ticket))
    from mpp_digital.services.surveys import invite_after  # the SKM invitation (issue 14)

    invite_after(session=session, ticket=ticket, now=now)
    return ticket


def mark_no_show(*, session: Session, principal: Principal, ticket_id: int, now: datetime) -> QueueTicket:
    """After three calls without the citizen: a no-show (also a service event)."""
    ticket = _officer_ticket(session, principal, ticket_id)
    if ticket.status != TicketStatus.CALLED:
        raise DomainError("queue.counter.not_called")
    if ticket.call_count < MAX_CALLS:
        raise DomainError("queue.counter.no_show_early", maximum=MAX_CALLS, count=ticket.call_count)
    _release(session, ticket, TicketStatus.NO_SHOW, now)
    ticket.finished_at = now
    session.add(ticket)
    _bump(session, ticket.site_id)
    session.flush()
    emit_service_event(session=session, event=_service_event_for(ticket))
    return ticket


def transfer(*, session: Session, principal: Principal, ticket_id: int, to_counter: str,
             now: datetime) -> QueueTicket:
    """Send a called or served ticket to another counter of the site, first in its line."""
    ticket = _officer_ticket(session, principal, ticket_id)
    if ticket.status not in (TicketStatus.CALLED, TicketStatus.SERVING):
        raise DomainError("queue.counter.not_called")
    target = _parse_counter(session, ticket.site_id, to_counter)
    if target.code == ticket.counter:
        raise DomainError("queue.counter.same")
    ticket.transferred_from, ticket.counter = ticket.counter, target.code
    ticket.agency_id = target.agency_id
    ticket.status, ticket.started_at = TicketStatus.WAITING, None
    session.add(ticket)
    _bump(session, ticket.site_id)
    session.flush()
    return ticket


def counter_tickets(*, session: Session, principal: Principal, site_id: int, counter_code: str,
                    now: datetime) -> tuple[QueueTicket | None, list[QueueTicket]]:
    """The ticket at a counter now (called or serving) and the line behind it."""
    counter = _parse_counter(session, site_id, counter_code)
    authorize(principal, Role.OFFICER, site_id=site_id, agency_id=counter.agency_id, session=session)
    site = _kiosk_site(session, site_id)
    current = session.exec(select(QueueTicket).where(
        QueueTicket.site_id == site_id, QueueTicket.day == local_today(site, now),
        QueueTicket.counter == counter_code,
        col(QueueTicket.status).in_([TicketStatus.CALLED, TicketStatus.SERVING]))).first()
    line = waiting_line(session=session, site_id=site_id, agency_id=counter.agency_id, now=now,
                        counter_code=counter_code)
    return current, line


# --------------------------------------------------------------------------- position and board


@dataclass(frozen=True)
class Position:
    """Where a ticket stands: how many are ahead and the estimated wait in minutes."""

    ahead: int
    wait_minutes: int
    counters: int


def average_service_minutes(*, session: Session, site_id: int, agency_id: int, day: date, default: int) -> float:
    """Mean service time of the agency's finished tickets today, else the policy's."""
    mean = session.exec(select(func.avg(QueueTicket.service_seconds)).where(
        QueueTicket.site_id == site_id, QueueTicket.agency_id == agency_id, QueueTicket.day == day,
        QueueTicket.status == TicketStatus.DONE)).one()
    return float(mean) / 60 if mean else float(default)


def position_of(*, session: Session, ticket: QueueTicket, now: datetime) -> Position:
    """How many tickets will be called before this one, and roughly how long that takes."""
    site = _kiosk_site(session, ticket.site_id)
    policy = policy_for(session=session, site_id=ticket.site_id, service_id=ticket.service_id)
    counters = max(1, _counters(session, ticket.site_id, ticket.agency_id))
    until_slot = max(0.0, (ticket.slot_start_at - now).total_seconds() / 60)
    if ticket.status not in (TicketStatus.BOOKED, TicketStatus.WAITING):
        return Position(0, 0, counters)
    line = waiting_line(session=session, site_id=ticket.site_id, agency_id=ticket.agency_id, now=now)
    if ticket.status == TicketStatus.WAITING and ticket in line:
        ahead = line.index(ticket)
    else:  # not checked in yet: as if it checked in now, on time
        key = (1, ticket.slot_start_at, now) if _ready(ticket, now) else (3, ticket.slot_start_at, now)
        ahead = sum(1 for t in line if _line_key(t, None, now) < key)
    avg = average_service_minutes(session=session, site_id=ticket.site_id, agency_id=ticket.agency_id,
                                  day=local_today(site, now), default=policy.minutes_per_ticket)
    wait = max(until_slot, math.ceil(ahead / counters) * avg)
    return Position(ahead, int(math.ceil(wait)), counters)


@dataclass(frozen=True)
class BoardRow:
    """A counter and the code it serves (public: no personal data)."""

    counter: str
    code: str
    service: str
    status: str
    calls: int


def board(*, session: Session, site_id: int, now: datetime, next_count: int = 8) -> tuple[list[BoardRow], list[str]]:
    """What the hall's TV shows: the code at each busy counter, newest call first, and the
    next codes in line. Codes and service names only."""
    site = _kiosk_site(session, site_id)
    today = local_today(site, now)
    rows = session.exec(select(QueueTicket, Service).join(Service, col(Service.id) == QueueTicket.service_id).where(
        QueueTicket.site_id == site_id, QueueTicket.day == today,
        col(QueueTicket.status).in_([TicketStatus.CALLED, TicketStatus.SERVING]))
        .order_by(col(QueueTicket.last_called_at).desc())).all()
    serving = [BoardRow(counter_label(session=session, code=t.counter), t.code, s.name, str(t.status), t.call_count)
               for t, s in rows]
    waiting = session.exec(select(QueueTicket).where(
        QueueTicket.site_id == site_id, QueueTicket.day == today, QueueTicket.status == TicketStatus.WAITING)).all()
    waiting = sorted(waiting, key=lambda t: _line_key(t, None, now))
    return serving, [t.code for t in waiting[:next_count]]


# --------------------------------------------------------------------------- service events


@dataclass(frozen=True)
class ServiceEvent:
    """A finished ticket, as the analytics aggregate it (issue 4 -> the analytics issue)."""

    ticket_id: int
    site_id: int
    agency_id: int
    service_id: int
    channel: str
    outcome: str  # "served" / "no_show" / "expired" (the day ended first)
    day: date
    slot_start_at: datetime
    booked_at: datetime
    checked_in_at: datetime | None
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    wait_seconds: int | None
    service_seconds: int | None
    late: bool
    counter: str | None


def _service_event_for(ticket: QueueTicket) -> ServiceEvent:
    """The service event of a finished, no-show or expired ticket: everything is on the ticket row."""
    return ServiceEvent(
        ticket_id=ticket.id or 0, site_id=ticket.site_id, agency_id=ticket.agency_id, service_id=ticket.service_id,
        channel=str(ticket.channel),
        outcome={TicketStatus.DONE: "served", TicketStatus.NO_SHOW: "no_show"}.get(ticket.status, "expired"),
        day=ticket.day, slot_start_at=ticket.slot_start_at,
        booked_at=ticket.created_at, checked_in_at=ticket.checked_in_at, called_at=ticket.first_called_at,
        started_at=ticket.started_at, finished_at=ticket.finished_at, wait_seconds=ticket.wait_seconds,
        service_seconds=ticket.service_seconds, late=ticket.late, counter=ticket.counter,
    )


def emit_service_event(*, session: Session, event: ServiceEvent) -> None:
    """The one place a service event leaves the queue: into the analytics facts and rollups,
    in the finishing transaction (a retried finish cannot count twice: source_ref is unique)."""
    # on the ticket's own day: a booking never checked in counts at its slot, not when it was booked
    occurred = event.finished_at or event.called_at or event.slot_start_at
    analytics.record_service_event(
        session=session, kind=EventKind.QUEUE, outcome="served" if event.outcome == "served" else "not_served",
        site_id=event.site_id, agency_id=event.agency_id, service_id=event.service_id, channel=event.channel,
        occurred_at=occurred, arrived_at=event.checked_in_at or event.booked_at, wait_seconds=event.wait_seconds,
        service_seconds=event.service_seconds, source="queue", source_ref=str(event.ticket_id),
    )


# --------------------------------------------------------------------------- end of day


def _expire(session: Session, tickets: list[QueueTicket], now: datetime) -> int:
    """End tickets whose day is over while they were still active: each becomes EXPIRED and a
    not-served service event (a booking never checked in, a walk-in never called, a service
    never finished). Returns how many it ended; one that moved meanwhile is left to its mover."""
    ended = 0
    for ticket in tickets:
        moved = session.execute(
            update(QueueTicket)
            .where(col(QueueTicket.id) == ticket.id, col(QueueTicket.status) == ticket.status,
                   col(QueueTicket.active).is_not(None))
            .values(status=TicketStatus.EXPIRED, active=None, active_place=None)
        ).rowcount  # type: ignore[attr-defined]
        if moved != 1:
            continue
        session.refresh(ticket)
        emit_service_event(session=session, event=_service_event_for(ticket))
        ended += 1
    return ended


def close_days(*, session: Session, now: datetime, batch: int = 500) -> int:
    """End every ticket whose day has ended at its site (run after midnight: ``cli close-days``;
    idempotent). Returns how many tickets it ended."""
    ended = 0
    while True:
        tickets = list(session.exec(
            select(QueueTicket).where(col(QueueTicket.active).is_not(None), col(QueueTicket.expires_at) <= now)
            .order_by(col(QueueTicket.id)).limit(batch).execution_options(populate_existing=True)).all())
        done = _expire(session, tickets, now) if tickets else 0
        if not done:  # nothing left, or only tickets that moved meanwhile (the next run takes them)
            return ended
        ended += done


# --------------------------------------------------------------------------- mail


def load_for_mail(*, session: Session, ticket_ids: list[int]) -> list:
    """Read the tickets, citizens, sites and services of a batch of mails in one statement, so
    that composing each (``ticket_mail``) finds them in the session without a query. Keep the
    returned rows while composing: the session holds its objects only weakly."""
    if not ticket_ids:
        return []
    return list(session.exec(select(QueueTicket, User, MppSite, Service)
                             .join(User, col(User.id) == QueueTicket.citizen_id)
                             .join(MppSite, col(MppSite.id) == QueueTicket.site_id)
                             .join(Service, col(Service.id) == QueueTicket.service_id)
                             .where(col(QueueTicket.id).in_(ticket_ids))).all())


def ticket_mail(*, session: Session, ticket: QueueTicket, lang: str = "id") -> tuple[str, str, str]:
    """(to, subject, body) of the mail that carries a booked ticket."""
    from mpp_digital import routes
    from mpp_digital.i18n import t

    user = session.get(User, ticket.citizen_id) if ticket.citizen_id else None
    site = _kiosk_site(session, ticket.site_id)
    service = session.get(Service, ticket.service_id)
    zone = site_zone(site)
    body = t("mail.ticket.body", lang, name=user.full_name if user else "", code=ticket.code, pin=ticket.pin,
             service=service.name if service else "", site=site.name, address=site.address,
             day=ticket.day.strftime("%d-%m-%Y"), start=_local_label(ticket.slot_start_at, zone),
             end=_local_label(ticket.slot_end_at, zone), zone=zone_label(zone),
             link=get_settings().public_base_url + routes.ticket_url(ticket.id or 0), token=ticket_token(ticket))
    return (user.email if user else ""), t("mail.ticket.subject", lang, code=ticket.code), body
