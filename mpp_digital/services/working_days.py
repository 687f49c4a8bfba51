"""Working days (hari kerja) of Indonesian government offices: Monday to Friday, without the
national holidays and cuti bersama (``queue.national_holidays``).

The one place that counts deadlines in working days: the complaint clock (LAPOR!: forwarded
within 3, answered within 5, the citizen's window 10) and any other clock in working days
(an application's jangka waktu) use these two functions with the same holiday list.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta


def is_working_day(day: date, holidays: Container[date]) -> bool:
    """Whether government offices work on ``day``: a weekday that is no national holiday."""
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Container[date]) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts).

    A complaint filed on Friday with 3 working days is due on Wednesday; a holiday in between
    pushes it one day further. ``days=0`` gives ``start`` when it is a working day, else the next one.
    """
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    if days == 0:
        while not is_working_day(day, holidays):
            day += timedelta(days=1)
        return day
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: date, end: date, holidays: Container[date]) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count
