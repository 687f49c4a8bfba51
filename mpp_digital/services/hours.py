"""Opening hours, closures and local time of MPP sites (WIB, WITA, WIT)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from mpp_digital.errors import ValidationError
from mpp_digital.models import WEEKDAYS, MppSite, SiteClosure

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

# Provinces by the first two digits of their code: Sumatra, Java, West and Central
# Kalimantan keep WIB; Bali, Nusa Tenggara, the rest of Kalimantan and Sulawesi WITA;
# Maluku and Papua WIT.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}


def zone_for_region(code: str) -> ZoneInfo:
    """The time zone of a province, regency or kecamatan code."""
    province = code[:2]
    if province in _WIT_PROVINCES:
        return WIT
    if province in _WITA_PROVINCES:
        return WITA
    return WIB


def zone_label(zone: ZoneInfo) -> str:
    """WIB, WITA or WIT."""
    return {WIB: "WIB", WITA: "WITA", WIT: "WIT"}.get(zone, str(zone))


Interval = tuple[time, time]


def _parse_time(value: str, weekday: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValidationError(f"hours.{weekday}", "hours.bad_time", value=value) from None


def parse_hours(hours: dict) -> dict[str, list[Interval]]:
    """Validate an opening-hours dict ({"mon": [["08:00", "12:00"], ...], ...}).

    Intervals must be HH:MM, open before close, sorted and not overlapping (a break is the
    gap between two intervals).

    Raises:
        ValidationError: on field ``hours.<weekday>`` saying what is wrong.
    """
    parsed: dict[str, list[Interval]] = {}
    for weekday in WEEKDAYS:
        intervals = []
        for pair in hours.get(weekday, []) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValidationError(f"hours.{weekday}", "hours.bad_interval")
            start, end = _parse_time(pair[0], weekday), _parse_time(pair[1], weekday)
            if start >= end:
                raise ValidationError(f"hours.{weekday}", "hours.open_after_close",
                                      start=pair[0], end=pair[1])
            if intervals and start < intervals[-1][1]:
                raise ValidationError(f"hours.{weekday}", "hours.overlap")
            intervals.append((start, end))
        parsed[weekday] = intervals
    return parsed


class SiteHours(Protocol):
    """What the calendar reads of a site: an ``MppSite``, or the columns of one."""

    regency_code: str
    opening_hours: dict


def intervals_on(site: SiteHours, day: date) -> list[Interval]:
    """The opening intervals of a site on a date, ignoring closures."""
    return parse_hours(site.opening_hours).get(WEEKDAYS[day.weekday()], [])


def closure_dates(*, session: Session, site_id: int, start: date, end: date) -> set[date]:
    """The site's closure dates between start and end (inclusive)."""
    rows = session.exec(
        select(SiteClosure.day).where(SiteClosure.site_id == site_id, col(SiteClosure.day) >= start,
                                      col(SiteClosure.day) <= end)
    ).all()
    return set(rows)


@dataclass(frozen=True)
class OpenStatus:
    """Whether a site is open at a moment, in the site's own time zone."""

    is_open: bool
    local_time: datetime
    zone: str
    closes_at: time | None = None  # when open: the end of the current interval
    opens_at: time | None = None  # when closed: the next opening today, if any
    closed_today_reason: str = ""


def open_status(*, session: Session, site: MppSite, now: datetime) -> OpenStatus:
    """Open now? Uses the site's hours, its closure dates and its local time zone."""
    zone = zone_for_region(site.regency_code)
    local = now.astimezone(zone)
    closure = session.exec(
        select(SiteClosure).where(SiteClosure.site_id == site.id, SiteClosure.day == local.date())
    ).first()
    if closure is not None:
        return OpenStatus(False, local, zone_label(zone), closed_today_reason=closure.reason or "-")
    current = local.time()
    for start, end in intervals_on(site, local.date()):
        if start <= current < end:
            return OpenStatus(True, local, zone_label(zone), closes_at=end)
        if current < start:
            return OpenStatus(False, local, zone_label(zone), opens_at=start)
    return OpenStatus(False, local, zone_label(zone))
