"""Numbers, money, dates, times and plurals for people, in Bahasa Indonesia or English (Babel).

The one place where a value becomes text: services and states keep numbers, dates and
timezone-aware datetimes, and format them here for the page's language at the edge. A time is
shown in the zone of the site it is about (WIB, WITA or WIT), or the citizen's, never in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal as _babel_decimal

from mpp_digital.services.hours import WIB, zone_label

_LOCALES = {"id": Locale.parse("id_ID"), "en": Locale.parse("en_ID")}


def locale_for(lang: str) -> Locale:
    """The Babel locale of a page language ("id" or "en"); Indonesian for anything else."""
    return _LOCALES.get(lang, _LOCALES["id"])


def number(value: int | float, lang: str, *, decimals: int | None = None) -> str:
    """A number grouped as in Indonesia (CLDR id_ID, en_ID): 12500 -> "12.500"; 2.5 -> "2,5"."""
    pattern = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return _babel_decimal(value, format=pattern, locale=locale_for(lang))


def rupiah(amount: int, lang: str) -> str:
    """An amount of rupiah as written in Indonesia in both languages (CLDR id_ID, en_ID): "Rp 50.000".

    Zero is an amount too ("Rp 0"); whether a service is free is decided on the number by the
    caller, and the label "Gratis"/"Free" is a translated message, never compared as data.
    """
    return "Rp " + number(amount, lang, decimals=0)


def day(value: date, lang: str) -> str:
    """A date in full: "30 November 2026" (id), "30 November 2026" (en, day first as in Indonesia)."""
    return _babel_date(value, format="d MMMM y", locale=locale_for(lang))


def day_short(value: date, lang: str) -> str:
    """A short date for tables: "30/11/2026"."""
    return _babel_date(value, format="dd/MM/y", locale=locale_for(lang))


def moment(value: datetime, lang: str, *, zone: ZoneInfo | None = None) -> str:
    """A timezone-aware instant in ``zone`` (default WIB) with its label: "30 November 2026 08.15 WIB"."""
    zone = zone or WIB
    local = value.astimezone(zone)
    clock = _babel_time(local.timetz(), format="HH.mm" if lang == "id" else "HH:mm", locale=locale_for(lang))
    return f"{day(local.date(), lang)} {clock} {zone_label(zone)}"


def working_days(count: int, lang: str) -> str:
    """A count of working days with the right plural: "1 hari kerja", "1 working day", "3 working days"."""
    if lang == "en":
        return f"{number(count, lang)} working day" + ("" if count == 1 else "s")
    return f"{number(count, lang)} hari kerja"
