"""The application clock: jangka waktu counted in working days (no weekends, national holidays
or cuti bersama), paused while an application waits on the citizen.

Dates here are local dates at the site (``local_day``); the holidays are the shipped list
(``queue.national_holidays``: national holidays and cuti bersama) or any container of dates.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, timedelta

from mpp_digital.models import MppSite
from mpp_digital.services.hours import zone_for_region


def is_working_day(day: date, *, holidays: Container[date]) -> bool:
    """Monday to Friday and not a national holiday or cuti bersama."""
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: date, *, holidays: Container[date]) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, holidays=holidays):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int, *, holidays: Container[date]) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted).

    ``days`` 0 (a service finished the same day) gives ``start`` when it is a working day,
    else the next working day: an application submitted on a Saturday is due on Monday.

    Raises:
        ValueError: when ``days`` is negative.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1), holidays=holidays)
    return next_working_day(day, holidays=holidays)


def working_days_between(a: date, b: date, *, holidays: Container[date]) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

    ``working_days_between(today, due)`` is the working days left (0: due today; negative:
    overdue by that many), and ``working_days_between(returned, fixed)`` the working days an
    application waited on the citizen.
    """
    if b < a:
        return -working_days_between(b, a, holidays=holidays)
    count = 0
    day = a + timedelta(days=1)
    while day <= b:
        if is_working_day(day, holidays=holidays):
            count += 1
        day += timedelta(days=1)
    return count


def local_day(site: MppSite, moment: datetime) -> date:
    """The site's local date at ``moment`` (WIB, WITA or WIT)."""
    return moment.astimezone(zone_for_region(site.regency_code)).date()
