"""Babel formatting at the edge: money, numbers, dates in the site's zone, plurals."""

from datetime import UTC, date, datetime

from mpp_digital import formatting
from mpp_digital.services.hours import WIT, WITA


def test_rupiah_in_both_languages():
    assert formatting.rupiah(50000, "id") == "Rp 50.000"
    assert formatting.rupiah(1218000, "en") == "Rp 1.218.000"
    assert formatting.rupiah(0, "id") == "Rp 0"


def test_numbers_with_decimals():
    assert formatting.number(1234.5, "id", decimals=1) == "1.234,5"
    assert formatting.number(12500, "en") == "12.500"


def test_dates_in_words():
    assert formatting.day(date(2026, 8, 17), "id") == "17 Agustus 2026"
    assert formatting.day(date(2026, 8, 17), "en") == "17 August 2026"
    assert formatting.day_short(date(2026, 8, 7), "id") == "07/08/2026"


def test_times_in_the_sites_zone_never_utc():
    at = datetime(2026, 11, 30, 1, 15, tzinfo=UTC)
    assert formatting.moment(at, "id") == "30 November 2026 08.15 WIB"
    assert formatting.moment(at, "en", zone=WITA) == "30 November 2026 09:15 WITA"
    assert formatting.moment(at, "id", zone=WIT).endswith("10.15 WIT")


def test_working_days_plural():
    assert formatting.working_days(1, "en") == "1 working day"
    assert formatting.working_days(3, "en") == "3 working days"
    assert formatting.working_days(1, "id") == "1 hari kerja"
