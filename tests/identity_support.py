"""Identity assurance for tests in every room: verify an account the way a counter does."""

from __future__ import annotations

from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.models import MppSite, Role, User
from mpp_digital.services import accounts, assurance
from mpp_digital.services.authz import Principal, principal_for

OFFICER_EMAIL = "petugas.verifikasi@identity.test"


def counter_officer(db: Session, site_slug: str = "sragen") -> tuple[Principal, int]:
    """An officer of ``site_slug`` signed in with a second factor (made once), and the site's id."""
    site = db.exec(select(MppSite).where(MppSite.slug == site_slug)).one()
    officer = db.exec(select(User).where(User.email == OFFICER_EMAIL)).first()
    if officer is None:
        officer = User(full_name="Petugas Verifikasi", email=OFFICER_EMAIL, password_hash="x",
                       email_verified_at=utcnow(), created_at=utcnow(), totp_enabled=True)
        db.add(officer)
        db.flush()
        accounts.grant_role(session=db, user_id=officer.id or 0, role=Role.OFFICER, now=utcnow(), site_id=site.id)
        db.flush()
    return principal_for(session=db, user=officer, session_id=0, amr=("pwd", "otp")), site.id or 0


def verify_identity(db: Session, user: User) -> None:
    """Verify ``user`` at the Sragen counter (the officer checks the KTP-el) and confirm it as the
    citizen would on their own device; committed."""
    officer, site_id = counter_officer(db)
    nik = accounts.nik_of(user) or ""
    assurance.mark_verified(session=db, officer=officer, site_id=site_id, user_id=user.id or 0,
                            check=assurance.CardCheck(nik_on_card=nik, name_matches=True, nik_matches=True,
                                                      photo_matches=True), now=utcnow())
    citizen = principal_for(session=db, user=user, session_id=0)
    assurance.confirm_verification(session=db, principal=citizen, now=utcnow())
    db.commit()
