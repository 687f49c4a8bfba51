"""Who is signed in and what they may see: the principal and the one authorization rule."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlmodel import Session, select

from mpp_digital.errors import NotAllowed
from mpp_digital.models import MppSite, Role, RoleAssignment, User

# Roles that act on other people's data: their sessions need a second factor (issue 17).
STAFF_ROLES = frozenset({Role.OFFICER, Role.SITE_ADMIN, Role.REGIONAL_HEAD, Role.MINISTRY, Role.SUPERADMIN})


@dataclass(frozen=True)
class Grant:
    """One role with its scope."""

    role: Role
    site_id: int | None = None
    regency_code: str | None = None
    agency_id: int | None = None  # an officer limited to one agency's counters at the site


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the server knows them (never built from browser values)."""

    user_id: int
    session_id: int
    full_name: str
    email: str
    email_verified: bool
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    # How this login session was authenticated (OpenID Connect amr): ("pwd",) or ("pwd", "otp").
    amr: tuple[str, ...] = ("pwd",)

    @property
    def second_factor(self) -> bool:
        """Whether this session was signed in with a second factor (TOTP or a recovery code)."""
        return "otp" in self.amr

    @property
    def is_staff(self) -> bool:
        """Whether any staff role is held (these must sign in with a second factor)."""
        return bool(self.roles & STAFF_ROLES)

    @property
    def roles(self) -> frozenset[Role]:
        """The roles held, whatever their scope."""
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        """Whether any of ``roles`` is held (superadmin holds every role)."""
        return Role.SUPERADMIN in self.roles or bool(self.roles.intersection(roles))

    def site_ids(self, *roles: Role) -> frozenset[int]:
        """Sites on which one of ``roles`` is held."""
        return frozenset(g.site_id for g in self.grants if g.role in roles and g.site_id)

    def regency_codes(self, *roles: Role) -> frozenset[str]:
        """Regencies on which one of ``roles`` is held."""
        return frozenset(g.regency_code for g in self.grants if g.role in roles and g.regency_code)


def grants_for(*, session: Session, user_id: int) -> tuple[Grant, ...]:
    """The role assignments of a user, as grants."""
    rows = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id)).all()
    return tuple(Grant(role=Role(r.role), site_id=r.site_id, regency_code=r.regency_code, agency_id=r.agency_id)
                 for r in rows)


def principal_for(*, session: Session, user: User, session_id: int, amr: tuple[str, ...] = ("pwd",)) -> Principal:
    """Build the principal of a user for one login session."""
    return Principal(
        amr=amr,
        user_id=user.id or 0,
        session_id=session_id,
        full_name=user.full_name,
        email=user.email,
        email_verified=user.email_verified_at is not None,
        grants=grants_for(session=session, user_id=user.id or 0),
    )


def authorize(
    principal: Principal | None,
    *roles: Role,
    site_id: int | None = None,
    regency_code: str | None = None,
    session: Session | None = None,
    verified: bool = False,
    agency_id: int | None = None,
) -> Principal:
    """The one rule of who may do what, applied by every protected handler and loader.

    Args:
        principal: the signed-in user, or None.
        roles: the roles that may act; empty means any signed-in user.
        site_id: the site the action touches; site-scoped roles must hold it.
        regency_code: the regency the action touches; regional heads must hold it.
        session: needed to map a site to its regency for regional heads.
        verified: the action needs a verified email (booking, applying).
        agency_id: the agency whose counter the action touches; an officer grant limited to
            an agency must name that one.

    Returns:
        The principal, when allowed.

    Raises:
        NotAllowed: ``auth.required`` when nobody is signed in, ``error.not_allowed`` else.
    """
    if principal is None:
        raise NotAllowed("auth.required")
    if verified and not principal.email_verified:
        raise NotAllowed("auth.unverified")
    if not roles or Role.SUPERADMIN in principal.roles:
        return principal
    if site_id is not None and regency_code is None and session is not None:
        site = session.get(MppSite, site_id)
        regency_code = site.regency_code if site else None
    for grant in principal.grants:
        if grant.role not in roles:
            continue
        if grant.role in (Role.OFFICER, Role.SITE_ADMIN):
            agency_ok = agency_id is None or grant.agency_id is None or grant.agency_id == agency_id
            if (site_id is None or grant.site_id == site_id) and agency_ok:
                return principal
        elif grant.role == Role.REGIONAL_HEAD:
            if (site_id is None and regency_code is None) or grant.regency_code == regency_code:
                return principal
        else:  # citizen, ministry: no narrower scope
            return principal
    raise NotAllowed()


def admitted_as_staff(principal: Principal, roles: tuple[Role, ...]) -> bool:
    """Whether ``principal`` passes a check for ``roles`` only through a staff role (no citizen
    or other non-staff grant among ``roles`` admits them)."""
    if not roles:
        return False
    return not any(g.role in roles and g.role not in STAFF_ROLES for g in principal.grants)


def require_second_factor(principal: Principal, *roles: Role) -> None:
    """Staff act on other people's data only from a session signed in with a second factor.

    Raises:
        NotAllowed: ``auth.second_factor_required`` when ``roles`` admit ``principal`` only as
            staff and its session was signed in with a password alone.
    """
    if admitted_as_staff(principal, roles) and not principal.second_factor:
        raise NotAllowed("auth.second_factor_required")


def without_unproven_staff_grants(principal: Principal | None) -> Principal | None:
    """The principal as an HTTP route outside the ``protected()`` guard must use it: a session
    signed in with a password alone keeps only its non-staff grants (a citizen's own data), so
    staff powers always need a second factor."""
    if principal is None or principal.second_factor or not principal.is_staff:
        return principal
    return replace(principal, grants=tuple(g for g in principal.grants if g.role not in STAFF_ROLES))
