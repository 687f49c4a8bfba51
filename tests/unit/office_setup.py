"""Shared setup of the back-office tests: staff with grants, and applications as rows in given states."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, select

from mpp_digital.models import Agency, Application, MppSite, Role, Service, SiteAgency, User
from mpp_digital.services import accounts
from mpp_digital.services.authz import Principal, principal_for

APPLICATION_TABLES = ("documentaccess", "notification", "issuedoutput", "applicationdocument", "applicationevent",
                      "application", "applicationdraft", "storeddocument", "pendingmail", "signingcertificate",
                      # what deciding an application feeds (as tests/unit/test_analytics.py empties them)
                      "analyticsdaily", "analyticsservicedaily", "analyticshourly", "analyticsmonthly",
                      "analyticsservicemonthly", "analyticshourlymonthly", "serviceevent")


def clear_applications(engine) -> None:
    """Delete every application row (before the account tables are emptied)."""
    with engine.begin() as conn:
        for table in APPLICATION_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def site(session: Session, slug: str) -> MppSite:
    return session.exec(select(MppSite).where(MppSite.slug == slug)).one()


def agency(session: Session, slug: str) -> Agency:
    return session.exec(select(Agency).where(Agency.slug == slug)).one()


def second_agency_at(session: Session, site_row: MppSite, not_this: int) -> Agency:
    """Another agency with counters at the site that has at least one service."""
    ids = session.exec(select(SiteAgency.agency_id).where(SiteAgency.site_id == site_row.id,
                                                          SiteAgency.agency_id != not_this)
                       .order_by(SiteAgency.agency_id)).all()
    for agency_id in ids:
        if session.exec(select(Service.id).where(Service.agency_id == agency_id)).first():
            return session.get(Agency, agency_id)
    raise AssertionError("no second agency with a service")


def service_of(session: Session, agency_row: Agency, index: int = 0) -> Service:
    return session.exec(select(Service).where(Service.agency_id == agency_row.id).order_by(Service.id)).all()[index]


def staff(session: Session, now: datetime, email: str, role: Role, site_id: int | None = None,
          agency_id: int | None = None) -> User:
    user = User(full_name=email.split("@")[0].replace(".", " ").title(), email=email, password_hash="x",
                created_at=now, email_verified_at=now)
    session.add(user)
    session.flush()
    accounts.grant_role(session=session, user_id=user.id or 0, role=role, now=now, site_id=site_id,
                        agency_id=agency_id)
    return user


def who(session: Session, user: User) -> Principal:
    return principal_for(session=session, user=user, session_id=0)


_numbers = iter(range(1, 10**6))


def application(session: Session, *, citizen: User, site_row: MppSite, service: Service, due: date,
                state: str = "diajukan", now: datetime, assigned_to: int | None = None,
                waiting: bool = False) -> Application:
    """One application row as the lifecycle leaves it (the work list reads only these columns)."""
    app = Application(
        tracking_number=f"MPP-3314-2026-{next(_numbers):06d}", citizen_id=citizen.id or 0, site_id=site_row.id or 0,
        agency_id=service.agency_id, service_id=service.id or 0, state=state,
        open=state not in ("selesai", "ditolak", "dibatalkan"), submitted_at=now - timedelta(days=3), due_date=due,
        waiting_since=now if waiting else None, assigned_to=assigned_to, updated_at=now,
    )
    session.add(app)
    session.flush()
    return app
