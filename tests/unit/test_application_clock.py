"""The application clock in working days, and tracking numbers (also under concurrency)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from mpp_digital.models import ApplicationCounter, MppSite
from mpp_digital.services.applications.tracking import next_tracking_number
from mpp_digital.services.applications.working_days import (
    add_working_days,
    local_day,
    next_working_day,
    working_days_between,
)
from mpp_digital.services.queue import national_holidays
from tests.unit.application_setup import pg_engine

NONE: frozenset[date] = frozenset()


def test_weekends_are_not_working_days():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1, holidays=NONE) == date(2026, 11, 30)  # Monday
    assert add_working_days(friday, 5, holidays=NONE) == date(2026, 12, 4)
    assert add_working_days(date(2026, 11, 28), 0, holidays=NONE) == date(2026, 11, 30)  # Saturday, same day: Monday
    assert add_working_days(friday, 0, holidays=NONE) == friday
    with pytest.raises(ValueError):
        add_working_days(friday, -1, holidays=NONE)


def test_national_holidays_and_cuti_bersama_from_the_holidays_file():
    holidays = national_holidays()
    # Wed 23 Dec 2026 + 2: Thu 24 (cuti bersama Natal), Fri 25 (Natal), the weekend: Mon 28, Tue 29
    assert add_working_days(date(2026, 12, 23), 2, holidays=holidays) == date(2026, 12, 29)
    # Idul Fitri 1447 H: Fri 20 (cuti), the weekend (Idul Fitri), Mon 23 and Tue 24 (cuti)
    assert add_working_days(date(2026, 3, 19), 1, holidays=holidays) == date(2026, 3, 25)
    assert next_working_day(date(2026, 3, 20), holidays=holidays) == date(2026, 3, 25)


def test_working_days_between_counts_after_the_first_day_up_to_the_second():
    holidays = national_holidays()
    monday = date(2026, 11, 30)
    assert working_days_between(monday, monday, holidays=NONE) == 0
    assert working_days_between(monday, date(2026, 12, 7), holidays=NONE) == 5
    assert working_days_between(date(2026, 12, 7), monday, holidays=NONE) == -5  # overdue
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 29), holidays=holidays) == 2
    for days in range(0, 30):  # the two are inverse on working days
        start = date(2026, 12, 1)
        assert working_days_between(start, add_working_days(start, days, holidays=holidays),
                                    holidays=holidays) == days


def test_the_local_day_is_the_sites():
    site = MppSite(slug="x", name="x", regency_code="94.71", address="-")  # Jayapura, WIT (UTC+9)
    assert local_day(site, datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == date(2027, 1, 1)
    site_wib = MppSite(slug="y", name="y", regency_code="33.14", address="-")
    assert local_day(site_wib, datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == date(2026, 12, 31)


def test_tracking_numbers_run_per_regency_and_local_year(session: Session):
    sragen = MppSite(slug=f"t-{uuid.uuid4().hex[:6]}", name="MPP T", regency_code="33.14", address="-")
    banyumas = MppSite(slug=f"t-{uuid.uuid4().hex[:6]}", name="MPP B", regency_code="33.02", address="-")
    session.add_all([sragen, banyumas])
    session.flush()
    year = 2031  # a year nobody else numbers in
    now = datetime(year, 6, 1, 3, 0, tzinfo=UTC)
    first = next_tracking_number(session=session, site=sragen, now=now)
    second = next_tracking_number(session=session, site=sragen, now=now)
    other = next_tracking_number(session=session, site=banyumas, now=now)
    assert first == f"MPP-3314-{year}-000001" and second == f"MPP-3314-{year}-000002"
    assert other == f"MPP-3302-{year}-000001"
    # 31 Dec 17:30 UTC is already 1 Jan in Sragen (WIB)
    new_year = next_tracking_number(session=session, site=sragen, now=datetime(year, 12, 31, 17, 30, tzinfo=UTC))
    assert new_year == f"MPP-3314-{year + 1}-000001"


def test_tracking_numbers_are_unique_under_concurrency(database_url):
    """24 submissions at once, each in its own transaction on PostgreSQL: 24 different numbers."""
    engine = pg_engine(25)
    year = 2040 + int(uuid.uuid4().int % 50)
    with Session(engine) as db:
        site = MppSite(slug=f"conc-{uuid.uuid4().hex[:8]}", name="MPP Conc", regency_code="33.14", address="-")
        db.add(site)
        db.commit()
        db.refresh(site)
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(24)

    def submit() -> None:
        try:
            with Session(engine) as db:
                barrier.wait(10)
                numbers.append(next_tracking_number(session=db, site=site,
                                                    now=datetime(year, 3, 1, tzinfo=UTC) + timedelta(hours=1)))
                db.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert not errors, errors
        assert sorted(numbers) == [f"MPP-3314-{year}-{n:06d}" for n in range(1, 25)]
    finally:
        with Session(engine) as db:
            db.delete(db.get(MppSite, site.id))
            counter = db.get(ApplicationCounter, ("3314", year))
            if counter is not None:
                db.delete(counter)
            db.commit()
        engine.dispose()
