"""Tracking numbers: ``MPP-<regency digits>-<year>-<6 digits>``, one running number per regency and year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mpp_digital.models import ApplicationCounter, MppSite
from mpp_digital.services.applications.working_days import local_day


def regency_digits(regency_code: str) -> str:
    """``"33.14"`` -> ``"3314"``."""
    return regency_code.replace(".", "")[:4]


def format_tracking_number(regency: str, year: int, number: int) -> str:
    """``MPP-3314-2026-000123`` (a seventh digit appears only past 999,999 in a year)."""
    return f"MPP-{regency}-{year}-{number:06d}"


def next_tracking_number(*, session: Session, site: MppSite, now: datetime) -> str:
    """The next tracking number of the site's regency in the site's local year.

    One atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per number, so concurrent
    submissions each get their own number. On a PostgreSQL engine the number is taken in its own
    short transaction: the regency's counter row is then locked for one statement, not for the whole
    submission (twenty citizens of one regency submitting at once queued on it: p95 1.6-2.3 s in
    bench/applications.py). A submission that fails afterwards leaves a gap in the numbers, which
    is harmless: a tracking number must be unique, not consecutive. On SQLite (one writer at a time
    anyway) and on a session bound to a connection (a test's transaction), the caller's transaction
    takes it.
    """
    regency = regency_digits(site.regency_code)
    year = local_day(site, now).year
    bind = session.get_bind()
    if bind.dialect.name == "postgresql" and isinstance(bind, Engine):
        with Session(bind) as own:
            number = _take(own, regency, year)
            own.commit()
    else:
        number = _take(session, regency, year)
    return format_tracking_number(regency, year, number)


def _take(session: Session, regency: str, year: int) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = ApplicationCounter.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(regency_digits=regency, year=year, last_number=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.regency_digits, table.c.year],
        set_={"last_number": table.c.last_number + 1},
    ).returning(table.c.last_number)
    return session.execute(stmt).scalar_one()
