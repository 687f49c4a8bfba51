"""One account: registration, sign-in, sessions, email verification, password and TOTP.

Every function takes the database session and the current time as keyword arguments, so
the rules can be tested with an injected clock on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from mpp_digital import db, routes
from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.i18n import t
from mpp_digital.models import (
    Agency,
    AssuranceLevel,
    IdentityAssurance,
    LoginAttempt,
    MppSite,
    OneTimeToken,
    PendingMail,
    RecoveryCode,
    Region,
    Role,
    RoleAssignment,
    SiteAgency,
    User,
    UserSession,
)
from mpp_digital.services import audit, sealing
from mpp_digital.services.authz import STAFF_ROLES, Grant, Principal, authorize
from mpp_digital.services.identity import (
    NikInfo,
    check_password_policy,
    normalise_email,
    normalise_phone,
    parse_nik,
)
from mpp_digital.settings import get_settings

SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=12)
SESSION_TOUCH_EVERY = timedelta(seconds=60)
HOLD_AFTER_FAILURES = 5
HOLD_WINDOW = timedelta(minutes=15)
HOLD_FOR = timedelta(minutes=15)
KNOWN_ADDRESS_FOR = timedelta(days=90)
ADDRESS_FREE_FAILURES = 30
ADDRESS_SLOW_GAP = timedelta(seconds=10)
VERIFY_EMAIL_TTL = timedelta(hours=24)
RESET_PASSWORD_TTL = timedelta(minutes=30)
LOGIN_TICKET_TTL = timedelta(seconds=60)
RECOVERY_CODES = 10

PURPOSE_VERIFY = "verify_email"
PURPOSE_RESET = "reset_password"
PURPOSE_LOGIN = "login"
PURPOSE_LOGIN_OTP = "login_otp"  # a login ticket of a sign-in that used a second factor
AMR_PASSWORD, AMR_OTP = "pwd", "pwd otp"  # UserSession.amr

VERIFY_MAIL = "verify_email"  # PendingMail.kind of a verification link (ref: the OneTimeToken)
RESET_MAIL = "reset_password"  # PendingMail.kind of a reset link (ref: the OneTimeToken)

# argon2id with the library's current recommended parameters; hashes made with older
# parameters are upgraded at the next successful sign-in.
password_hasher = PasswordHasher()
_DUMMY_HASH = password_hasher.hash("mpp-digital-timing-equaliser")


def hash_secret(raw: str) -> str:
    """SHA-256 of a high-entropy random secret (session ids, mailed tokens)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret() -> str:
    """A fresh 256-bit random secret, URL-safe."""
    return secrets.token_urlsafe(32)


def nik_of(user: User) -> str | None:
    """The user's NIK in clear (it is stored sealed)."""
    return sealing.unseal(user.nik_sealed, purpose=sealing.PURPOSE_NIK)


def set_nik(user: User, nik: str | None) -> None:
    """Store a NIK on the user: sealed, and as the keyed hash that finds and keeps it unique."""
    user.nik_sealed = sealing.seal(nik, purpose=sealing.PURPOSE_NIK)
    user.nik_lookup = sealing.lookup_hash(nik, purpose=sealing.PURPOSE_NIK)


def nik_lookup(nik: str) -> str:
    """The keyed hash of a NIK, as stored in ``User.nik_lookup``."""
    return sealing.lookup_hash(nik, purpose=sealing.PURPOSE_NIK) or ""


def totp_secret_of(user: User) -> str | None:
    """The TOTP secret in clear (stored sealed)."""
    return sealing.unseal(user.totp_secret_sealed, purpose=sealing.PURPOSE_TOTP)


def reseal_personal_data(*, session: Session) -> int:
    """Seal every NIK and TOTP secret made under an older data key with the current one.

    Returns:
        How many accounts were sealed again.
    """
    current = sealing.current_version()
    changed = 0
    for user in session.exec(select(User).where(
            (col(User.nik_sealed).is_not(None)) | (col(User.totp_secret_sealed).is_not(None)))).all():
        stale = [blob for blob in (user.nik_sealed, user.totp_secret_sealed)
                 if blob and sealing.version_of(blob) != current]
        if stale:
            set_nik(user, nik_of(user))
            user.totp_secret_sealed = sealing.seal(totp_secret_of(user), purpose=sealing.PURPOSE_TOTP)
            session.add(user)
            changed += 1
    return changed


class InvalidForm(DomainError):
    """Several fields are wrong at once; ``errors`` maps each field to its error."""

    def __init__(self, errors: dict[str, ValidationError]) -> None:
        super().__init__("form.invalid")
        self.errors = errors


# --------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class Registration:
    """What a citizen types on /daftar."""

    nik: str
    full_name: str
    email: str
    phone: str
    password: str


class KecamatanLookup:
    """Container of kecamatan codes backed by the Region table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __contains__(self, code: object) -> bool:
        region = self._session.get(Region, str(code))
        return region is not None and region.level == 3


def check_nik(*, session: Session, nik: str, now: datetime) -> NikInfo:
    """Validate a NIK against the region table and the calendar (used to preview too)."""
    return parse_nik(nik, kecamatan_codes=KecamatanLookup(session), today=now.date())


def nik_holder_verified(*, session: Session, nik: str) -> bool | None:
    """Whether the account holding ``nik`` is verified at a counter; None when no account holds it."""
    holder = session.exec(select(User.id).where(User.nik_lookup == nik_lookup(nik))).first()
    if holder is None:
        return None
    level = session.exec(select(IdentityAssurance.level).where(IdentityAssurance.user_id == holder)).first()
    return level == AssuranceLevel.VERIFIED


def register_citizen(*, session: Session, registration: Registration, now: datetime,
                     store_nik: bool = True) -> User:
    """Create a citizen account and mail the verification link.

    ``store_nik=False``: the NIK is checked for its format only and not stored (its real owner
    registers while someone else holds it, ``assurance.register_with_dispute``).

    Raises:
        InvalidForm: with every wrong field and what is wrong with it; a NIK already registered
            is ``nik.taken`` (its owner may open a dispute), or ``nik.taken_verified`` when it
            belongs to a verified account (never registered again).
    """
    errors: dict[str, ValidationError] = {}
    info = email = phone = None
    try:
        info = check_nik(session=session, nik=registration.nik, now=now)
        holder_verified = nik_holder_verified(session=session, nik=info.nik) if store_nik else None
        if holder_verified is not None:
            raise ValidationError("nik", "nik.taken_verified" if holder_verified else "nik.taken")
    except ValidationError as exc:
        errors["nik"] = exc
    name = " ".join(registration.full_name.split())
    if len(name) < 2:
        errors["full_name"] = ValidationError("full_name", "name.required")
    elif len(name) > 120:
        errors["full_name"] = ValidationError("full_name", "name.too_long")
    try:
        email = normalise_email(registration.email)
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            raise ValidationError("email", "email.taken")
    except ValidationError as exc:
        errors["email"] = exc
    try:
        phone = normalise_phone(registration.phone)
    except ValidationError as exc:
        errors["phone"] = exc
    try:
        check_password_policy(
            registration.password,
            personal=(registration.nik.strip(), (email or ""), name),
        )
    except ValidationError as exc:
        errors["password"] = exc
    if errors or info is None or email is None:
        raise InvalidForm(errors)
    user = User(
        full_name=name,
        email=email,
        phone=phone,
        birth_date=info.birth_date if store_nik else None,
        sex=info.sex if store_nik else None,
        password_hash=password_hasher.hash(registration.password),
        created_at=now,
    )
    if store_nik:
        set_nik(user, info.nik)
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, role=Role.CITIZEN, granted_at=now))
    audit.record(session=session, action="register", now=now, actor_user_id=user.id,
                 target=f"user:{user.id}")
    send_verification_email(session=session, user=user, email=email, now=now)
    return user


def create_superadmin(*, session: Session, email: str, full_name: str, password: str, now: datetime) -> User:
    """The first staff account of a production installation (no demo accounts there): verified,
    citizen and superadmin, audited. Further roles are granted by it at /admin/peran.

    Raises:
        InvalidForm: with every wrong field and what is wrong with it.
    """
    errors: dict[str, ValidationError] = {}
    name = " ".join(full_name.split())
    if not 2 <= len(name) <= 120:
        errors["full_name"] = ValidationError("full_name", "name.required" if len(name) < 2 else "name.too_long")
    address = ""
    try:
        address = normalise_email(email)
        if session.exec(select(User.id).where(User.email == address)).first() is not None:
            raise ValidationError("email", "email.taken")
    except ValidationError as exc:
        errors["email"] = exc
    try:
        check_password_policy(password, personal=(address, name))
    except ValidationError as exc:
        errors["password"] = exc
    if errors:
        raise InvalidForm(errors)
    user = User(full_name=name, email=address, password_hash=password_hasher.hash(password),
                email_verified_at=now, created_at=now)
    session.add(user)
    session.flush()
    session.add(RoleAssignment(user_id=user.id, role=Role.CITIZEN, granted_at=now))
    grant_role(session=session, user_id=user.id or 0, role=Role.SUPERADMIN, now=now)
    return user


# --------------------------------------------------------------------------- one-time tokens


def issue_token(
    *,
    session: Session,
    user_id: int,
    purpose: str,
    ttl: timedelta,
    now: datetime,
    email: str | None = None,
) -> str:
    """Store the hash of a new single-use token and return the raw token (shown once)."""
    raw = new_secret()
    _add_token(session, user_id=user_id, purpose=purpose, token_hash=hash_secret(raw), expires_at=now + ttl, now=now,
               email=email)
    return raw


def _add_token(session: Session, *, user_id: int, purpose: str, token_hash: str, expires_at: datetime,
               now: datetime, email: str | None) -> OneTimeToken:
    token = OneTimeToken(purpose=purpose, token_hash=token_hash, user_id=user_id, email=email, created_at=now,
                         expires_at=expires_at)
    session.add(token)
    session.flush()
    return token


def consume_token(*, session: Session, raw: str, purpose: str | tuple[str, ...], now: datetime) -> OneTimeToken:
    """Use a single-use token once; a second use, a wrong purpose (one of ``purpose``) or expiry is refused.

    The update is conditional on ``used_at IS NULL``, so two concurrent uses cannot both win.
    """
    token = session.exec(
        select(OneTimeToken).where(OneTimeToken.token_hash == hash_secret(raw or ""))
    ).first()
    if token is None or token.purpose not in ((purpose,) if isinstance(purpose, str) else purpose):
        raise DomainError("token.invalid")
    if token.used_at is not None:
        raise DomainError("token.used")
    if now >= token.expires_at:
        raise DomainError("token.expired")
    result = session.execute(
        update(OneTimeToken)
        .where(col(OneTimeToken.id) == token.id, col(OneTimeToken.used_at).is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("token.used")
    session.refresh(token)
    return token


def _queue_link_mail(*, session: Session, kind: str, user_id: int, purpose: str, ttl: timedelta, now: datetime,
                     email: str | None = None) -> None:
    """A single-use token and its mail in the outbox (``services.pending_mail`` sends it).

    The token is stored with the hash of a secret nobody knows; the sender gives it a fresh
    secret as it composes the mail, so no usable link is ever at rest in the database.
    """
    token = _add_token(session, user_id=user_id, purpose=purpose, token_hash=hash_secret(new_secret()),
                       expires_at=now + ttl, now=now, email=email)
    session.add(PendingMail(kind=kind, ref=token.id or 0, created_at=now, due_at=now))


def send_verification_email(*, session: Session, user: User, email: str, now: datetime) -> None:
    """Mail (through the outbox) a single-use link that proves ``email`` belongs to ``user``."""
    _queue_link_mail(session=session, kind=VERIFY_MAIL, user_id=user.id or 0, purpose=PURPOSE_VERIFY,
                     ttl=VERIFY_EMAIL_TTL, now=now, email=email)


def compose_link_mail(*, session: Session, token_id: int, lang: str, now: datetime) -> tuple[str, str, str] | None:
    """The verification or reset mail of an outbox row: (to, subject, body), with a fresh link.

    None when there is nothing to send any more (the token was used, expired or is gone).
    """
    token = session.get(OneTimeToken, token_id)
    if token is None or token.used_at is not None or now >= token.expires_at:
        return None
    user = session.get(User, token.user_id)
    if user is None:
        return None
    raw = new_secret()
    token.token_hash = hash_secret(raw)  # committed before the mail leaves (pending_mail.send_due)
    session.add(token)
    base = get_settings().public_base_url
    if token.purpose == PURPOSE_VERIFY and token.email:
        return (token.email, t("mail.verify.subject", lang),
                t("mail.verify.body", lang, name=user.full_name, link=base + routes.verify_email_url(raw), hours=24))
    if token.purpose == PURPOSE_RESET:
        return (user.email, t("mail.reset.subject", lang),
                t("mail.reset.body", lang, name=user.full_name, link=base + routes.reset_password_url(raw),
                  minutes=30))
    return None


def verify_email(*, session: Session, raw: str, now: datetime) -> User:
    """Mark the address in the token as verified (and make it the account's address)."""
    token = consume_token(session=session, raw=raw, purpose=PURPOSE_VERIFY, now=now)
    user = session.get(User, token.user_id)
    if user is None or not token.email:
        raise DomainError("token.invalid")
    if token.email != user.email:
        taken = session.exec(
            select(User.id).where(User.email == token.email, User.id != user.id)
        ).first()
        if taken is not None:
            raise DomainError("email.taken")
        audit.record(session=session, action="email_change", now=now, actor_user_id=user.id,
                     target=f"user:{user.id}", detail={"before": user.email, "after": token.email})
        user.email = token.email
    user.email_verified_at = now
    session.add(user)
    audit.record(session=session, action="email_verified", now=now, actor_user_id=user.id,
                 target=f"user:{user.id}")
    return user


# --------------------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignInResult:
    """Outcome of a correct password: either a login ticket, or a second factor is needed."""

    user_id: int
    needs_second_factor: bool
    login_ticket: str | None = None
    must_enrol_totp: bool = False  # a staff account without TOTP: enrolment comes before any staff page


def _normalise_identifier(identifier: str) -> str:
    value = (identifier or "").strip()
    compact = value.replace(" ", "").replace(".", "")
    return compact if compact.isdigit() else value.lower()


def identifier_hash(identifier: str) -> str:
    """What a login attempt keeps of the NIK or email typed: its keyed hash, never the value."""
    return sealing.lookup_hash(_normalise_identifier(identifier), purpose=sealing.PURPOSE_LOGIN_IDENTIFIER) or ""


def _hold_of(rows: list, now: datetime) -> datetime | None:
    """Until when rows of (at, success), oldest first, hold: 5 failures within 15 minutes with no
    success after them hold for 15 minutes after the fifth."""
    failures: list[datetime] = []
    for at, success in rows:
        if success:
            failures.clear()
            continue
        failures = [f for f in failures if at - f < HOLD_WINDOW] + [at]
        if len(failures) >= HOLD_AFTER_FAILURES and now < at + HOLD_FOR:
            return at + HOLD_FOR
    return None


def is_known_address(*, session: Session, user_id: int, ip_address: str, now: datetime) -> bool:
    """Whether the account signed in successfully from this address within ``KNOWN_ADDRESS_FOR``."""
    return bool(ip_address) and session.exec(
        select(LoginAttempt.id).where(LoginAttempt.user_id == user_id, LoginAttempt.ip_address == ip_address,
                                      col(LoginAttempt.success).is_(True),
                                      col(LoginAttempt.at) > now - KNOWN_ADDRESS_FOR).limit(1)
    ).first() is not None


def account_hold_until(
    *, session: Session, user_id: int | None, identifier: str, ip_address: str, now: datetime
) -> datetime | None:
    """When the account is held after repeated failures, until when (the README's policy).

    One hold per account whatever identifier (NIK or email) was typed; for an identifier that
    names no account, per identifier, so the answers look the same. From an address the account
    has signed in from before, only the failures from that address count: someone who knows a
    citizen's NIK cannot lock them out of their own home or phone network.
    """
    since = now - HOLD_WINDOW - HOLD_FOR
    query = select(LoginAttempt.at, LoginAttempt.success).where(col(LoginAttempt.at) > since)
    if user_id is None:
        query = query.where(LoginAttempt.identifier_hash == identifier_hash(identifier))
    else:
        query = query.where(LoginAttempt.user_id == user_id)
        if is_known_address(session=session, user_id=user_id, ip_address=ip_address, now=now):
            query = query.where(LoginAttempt.ip_address == ip_address)
    return _hold_of(session.exec(query.order_by(col(LoginAttempt.at))).all(), now)


def address_wait(*, session: Session, ip_address: str, now: datetime) -> int:
    """Seconds an address must wait before its next sign-in attempt (0: none).

    An address is slowed, never locked: shared Wi-Fi and carrier-grade NAT put many honest people
    behind one address. Its first ``ADDRESS_FREE_FAILURES`` failures in 15 minutes (on any
    accounts) are free; after that it may try once per ``ADDRESS_SLOW_GAP``. A success does not
    clear the count, so spraying passwords across accounts stays slow.
    """
    if not ip_address:
        return 0
    count, last = session.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.ip_address == ip_address, col(LoginAttempt.success).is_(False),
            col(LoginAttempt.at) > now - HOLD_WINDOW)
    ).one()
    if count < ADDRESS_FREE_FAILURES or last is None:
        return 0
    if last.tzinfo is None:  # SQLite's MAX() returns text without the column's type
        last = last.replace(tzinfo=now.tzinfo)
    remaining = (last + ADDRESS_SLOW_GAP - now).total_seconds()
    return max(0, int(remaining + 0.999))


def sign_in_refusal(
    *, session: Session, user_id: int | None, identifier: str, ip_address: str, now: datetime
) -> DomainError | None:
    """Why a sign-in is refused before its password is checked: the address is slowed
    (``login.slow_down``) or the account is held (``login.held``); None when it may go ahead."""
    wait = address_wait(session=session, ip_address=ip_address, now=now)
    if wait:
        return DomainError("login.slow_down", seconds=wait)
    until = account_hold_until(session=session, user_id=user_id, identifier=identifier, ip_address=ip_address,
                               now=now)
    return _held_error(until, now) if until else None


def _find_user(session: Session, identifier: str) -> User | None:
    ident = _normalise_identifier(identifier)
    if not ident:
        return None
    if ident.isdigit():
        return session.exec(select(User).where(User.nik_lookup == nik_lookup(ident))).first()
    return session.exec(select(User).where(User.email == ident)).first()


def _held_error(until: datetime, now: datetime) -> DomainError:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return DomainError("login.held", minutes=minutes)


def _fail(session: Session, *, ident: str, ip: str, user: User | None, now: datetime) -> DomainError:
    """Record a failed attempt and commit it, although the caller then raises (and may roll back)."""
    user_id = user.id if user else None
    session.add(LoginAttempt(identifier_hash=identifier_hash(ident), user_id=user_id, ip_address=ip, at=now, success=False))
    audit.record(session=session, action="login_failed", now=now,
                 actor_user_id=user.id if user else None, ip_address=ip,
                 target=f"user:{user.id}" if user else "", detail={"identifier": "nik" if ident.isdigit() else "email",
                                           "identifier_hash": identifier_hash(ident)[:16]})
    session.commit()
    until = account_hold_until(session=session, user_id=user_id, identifier=ident, ip_address=ip, now=now)
    return _held_error(until, now) if until else DomainError("login.failed")


def sign_in(
    *,
    session: Session,
    identifier: str,
    password: str,
    ip_address: str,
    now: datetime,
    second_factor: str | None = None,
) -> SignInResult:
    """Check NIK-or-email and password (and TOTP when enabled); issue a login ticket.

    The ticket is exchanged once, within a minute, by the backend route that sets the
    HttpOnly session cookie (``start_session_from_ticket``).

    Raises:
        DomainError: ``login.failed`` (one generic message), ``login.held`` (the account) or
            ``login.slow_down`` (the address).
    """
    ident = _normalise_identifier(identifier)
    user = _find_user(session, ident)
    refusal = sign_in_refusal(session=session, user_id=user.id if user else None, identifier=ident,
                              ip_address=ip_address, now=now)
    if refusal is not None:
        raise refusal
    if user is None or not user.is_active:
        try:  # same work as a real check, so timing does not tell which part was wrong
            password_hasher.verify(_DUMMY_HASH, password or "x")
        except VerificationError:
            pass
        raise _fail(session, ident=ident, ip=ip_address, user=None, now=now)
    try:
        password_hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise _fail(session, ident=ident, ip=ip_address, user=user, now=now) from None
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = password_hasher.hash(password)
        session.add(user)
    if user.totp_enabled:
        if not second_factor:
            return SignInResult(user_id=user.id or 0, needs_second_factor=True)
        if not check_second_factor(session=session, user=user, code=second_factor, now=now):
            raise _fail(session, ident=ident, ip=ip_address, user=user, now=now)
    session.add(LoginAttempt(identifier_hash=identifier_hash(ident), user_id=user.id, ip_address=ip_address, at=now,
                             success=True))
    ticket = issue_token(session=session, user_id=user.id or 0,
                         purpose=PURPOSE_LOGIN_OTP if user.totp_enabled else PURPOSE_LOGIN,
                         ttl=LOGIN_TICKET_TTL, now=now)
    return SignInResult(user_id=user.id or 0, needs_second_factor=False, login_ticket=ticket,
                        must_enrol_totp=not user.totp_enabled and holds_staff_role(session=session, user_id=user.id or 0))


def holds_staff_role(*, session: Session, user_id: int) -> bool:
    """Whether the account holds a role that must sign in with a second factor (``STAFF_ROLES``)."""
    return session.exec(select(RoleAssignment.id).where(
        RoleAssignment.user_id == user_id, col(RoleAssignment.role).in_(list(STAFF_ROLES))).limit(1)).first() is not None


def start_session_from_ticket(
    *, session: Session, ticket: str, ip_address: str, user_agent: str, now: datetime
) -> tuple[UserSession, str]:
    """Exchange a login ticket for a new login session; returns the row and the raw cookie."""
    token = consume_token(session=session, raw=ticket, purpose=(PURPOSE_LOGIN, PURPOSE_LOGIN_OTP), now=now)
    raw = new_secret()
    row = UserSession(
        amr=AMR_OTP if token.purpose == PURPOSE_LOGIN_OTP else AMR_PASSWORD,
        user_id=token.user_id,
        token_hash=hash_secret(raw),
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_ABSOLUTE,
        user_agent=(user_agent or "")[:300],
        ip_address=ip_address[:64],
    )
    session.add(row)
    session.flush()
    audit.record(session=session, action="login", now=now, actor_user_id=token.user_id,
                 target=f"session:{row.id}", ip_address=ip_address, detail={"amr": row.amr.split()})
    return row, raw


@lru_cache(maxsize=1)
def _session_principal():
    """The statement behind every guarded event, built once: a live session, its user and grants."""
    return (
        sql_select(UserSession.id, UserSession.last_seen_at, UserSession.expires_at, User.id, User.full_name,
                   User.email, User.email_verified_at, UserSession.amr, RoleAssignment.role, RoleAssignment.site_id,
                   RoleAssignment.regency_code, RoleAssignment.agency_id)
        .join(User, col(User.id) == UserSession.user_id)
        .join(RoleAssignment, col(RoleAssignment.user_id) == User.id, isouter=True)
        .where(col(UserSession.token_hash) == bindparam("token_hash"), col(UserSession.revoked_at).is_(None),
               col(User.is_active).is_(True))
        .order_by(col(RoleAssignment.id))
    )


def resolve_session(*, session: Session, raw: str | None, now: datetime) -> Principal | None:
    """The principal of a session cookie, or None when missing, revoked, idle or expired.

    One statement (session, user and role grants joined). A valid session's ``last_seen_at``
    moves forward (at most once a minute), which is what keeps it alive against the 30-minute
    idle limit. Guarded events use ``check_session``, the same rule on the hot path.
    """
    if not raw:
        return None
    rows = session.execute(_session_principal(), {"token_hash": hash_secret(raw)}).all()
    principal, touch = _principal_of(rows, now)
    if touch:
        session.execute(_touch_session(), {"session_id": principal.session_id, "now": now})
    return principal


async def check_session(*, raw: str | None, now: datetime) -> Principal | None:
    """``resolve_session`` for the guard behind every event: the same statements, run on the
    hot path by ``db.fetch`` (each on its own: a read, now and then a touch)."""
    if not raw:
        return None
    rows = await db.fetch(_session_principal(), {"token_hash": hash_secret(raw)})
    principal, touch = _principal_of(rows, now)
    if touch:
        await db.fetch(_touch_session(), {"session_id": principal.session_id, "now": now})
    return principal


@lru_cache(maxsize=1)
def _touch_session():
    return (update(UserSession).where(col(UserSession.id) == bindparam("session_id"))
            .values(last_seen_at=bindparam("now")).returning(UserSession.id))


def _principal_of(rows, now: datetime) -> tuple[Principal | None, bool]:
    """The principal in the rows of ``_session_principal`` (None when expired or idle), and
    whether its ``last_seen_at`` is due to move."""
    if not rows:
        return None, False
    session_id, last_seen_at, expires_at, user_id, full_name, email, verified_at, amr = rows[0][:8]
    if now >= expires_at or now - last_seen_at >= SESSION_IDLE:
        return None, False
    grants = tuple(Grant(role=Role(role), site_id=site_id, regency_code=regency, agency_id=agency)
                   for *_, role, site_id, regency, agency in rows if role is not None)
    principal = Principal(user_id=user_id, session_id=session_id, full_name=full_name, email=email,
                          email_verified=verified_at is not None, grants=grants, amr=tuple((amr or "pwd").split()))
    return principal, now - last_seen_at >= SESSION_TOUCH_EVERY


def active_sessions(*, session: Session, user_id: int, now: datetime) -> list[UserSession]:
    """A user's sessions that are still usable, newest activity first."""
    rows = session.exec(
        select(UserSession)
        .where(UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None))
        .order_by(col(UserSession.last_seen_at).desc())
    ).all()
    return [r for r in rows if now < r.expires_at and now - r.last_seen_at < SESSION_IDLE]


def revoke_session(
    *, session: Session, user_id: int, session_id: int, now: datetime, ip_address: str = ""
) -> None:
    """Revoke one of the user's own sessions (another user's session id is not found)."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user_id:
        raise DomainError("session.not_found")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        audit.record(session=session, action="session_revoked", now=now, actor_user_id=user_id,
                     target=f"session:{session_id}", ip_address=ip_address)


def sign_out(*, session: Session, principal: Principal, now: datetime, ip_address: str = "") -> None:
    """Revoke the current session."""
    row = session.get(UserSession, principal.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
    audit.record(session=session, action="logout", now=now, actor_user_id=principal.user_id,
                 target=f"session:{principal.session_id}", ip_address=ip_address)


def end_all_sessions(*, session: Session, user_id: int, now: datetime) -> int:
    """Revoke every session of an account (it was suspended); returns how many."""
    return _revoke_all(session, user_id, now)


def _revoke_all(session: Session, user_id: int, now: datetime, keep: int | None = None) -> int:
    query = (
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    if keep is not None:
        query = query.where(col(UserSession.id) != keep)
    return session.execute(query).rowcount  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- profile


def get_user(*, session: Session, user_id: int) -> User:
    """The user row, or ``auth.required`` when it is gone."""
    user = session.get(User, user_id)
    if user is None:
        raise DomainError("auth.required")
    return user


def update_contact(
    *,
    session: Session,
    principal: Principal,
    email: str,
    phone: str,
    now: datetime,
) -> bool:
    """Change phone at once; a new email becomes the account's only once verified.

    Returns:
        True when a verification mail was sent to a new address.
    """
    user = get_user(session=session, user_id=principal.user_id)
    errors: dict[str, ValidationError] = {}
    new_email = new_phone = None
    try:
        new_email = normalise_email(email)
        if new_email != user.email and session.exec(
            select(User.id).where(User.email == new_email)
        ).first() is not None:
            raise ValidationError("email", "email.taken")
    except ValidationError as exc:
        errors["email"] = exc
    try:
        new_phone = normalise_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc
    if errors or new_email is None:
        raise InvalidForm(errors)
    if new_phone != user.phone:
        audit.record(session=session, action="phone_change", now=now, actor_user_id=user.id,
                     target=f"user:{user.id}")
        user.phone = new_phone
        session.add(user)
    if new_email != user.email:
        send_verification_email(session=session, user=user, email=new_email, now=now)
        return True
    return False


def change_password(
    *, session: Session, principal: Principal, current: str, new: str, now: datetime,
    ip_address: str = "",
) -> int:
    """Change the password and revoke every other session; returns how many were revoked."""
    user = get_user(session=session, user_id=principal.user_id)
    try:
        password_hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise InvalidForm(
            {"current": ValidationError("current", "password.current_wrong")}
        ) from None
    try:
        check_password_policy(new, personal=(nik_of(user) or "", user.email, user.full_name))
    except ValidationError as exc:
        raise InvalidForm({"new": ValidationError("new", exc.key, **exc.params)}) from None
    user.password_hash = password_hasher.hash(new)
    session.add(user)
    _retire_reset_links(session, user.id or 0, now)
    revoked = _revoke_all(session, user.id or 0, now, keep=principal.session_id)
    audit.record(session=session, action="password_change", now=now, actor_user_id=user.id,
                 target=f"user:{user.id}", ip_address=ip_address, detail={"revoked": revoked})
    return revoked


def request_password_reset(*, session: Session, email: str, now: datetime) -> None:
    """Mail a 30-minute single-use reset link when the address has an account.

    The caller says the same thing either way, so the form does not reveal who is registered.
    """
    try:
        address = normalise_email(email)
    except ValidationError:
        raise
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None or not user.is_active:
        return
    _queue_link_mail(session=session, kind=RESET_MAIL, user_id=user.id or 0, purpose=PURPOSE_RESET,
                     ttl=RESET_PASSWORD_TTL, now=now)


def _retire_reset_links(session: Session, user_id: int, now: datetime) -> None:
    """Once the password is set anew, every reset link mailed before stops working."""
    session.execute(
        update(OneTimeToken)
        .where(col(OneTimeToken.user_id) == user_id, col(OneTimeToken.purpose) == PURPOSE_RESET,
               col(OneTimeToken.used_at).is_(None))
        .values(used_at=now)
    )


def reset_password(*, session: Session, raw: str, new: str, now: datetime) -> User:
    """Set a new password from a reset link; every session of the account is revoked."""
    token = session.exec(
        select(OneTimeToken).where(OneTimeToken.token_hash == hash_secret(raw or ""))
    ).first()
    user = session.get(User, token.user_id) if token else None
    if user is not None:  # check the policy first, so a weak password does not burn the link
        try:
            check_password_policy(new, personal=(nik_of(user) or "", user.email, user.full_name))
        except ValidationError as exc:
            raise InvalidForm({"password": exc}) from None
    token = consume_token(session=session, raw=raw, purpose=PURPOSE_RESET, now=now)
    user = get_user(session=session, user_id=token.user_id)
    user.password_hash = password_hasher.hash(new)
    session.add(user)
    _retire_reset_links(session, user.id or 0, now)
    _revoke_all(session, user.id or 0, now)
    audit.record(session=session, action="password_reset", now=now, actor_user_id=user.id,
                 target=f"user:{user.id}")
    return user


# --------------------------------------------------------------------------- TOTP


def begin_totp(*, session: Session, principal: Principal) -> tuple[str, str]:
    """Start enrolment: a new secret (not yet active) and its otpauth:// URI."""
    user = get_user(session=session, user_id=principal.user_id)
    if user.totp_enabled:
        raise DomainError("totp.already_enabled")
    secret = pyotp.random_base32()
    user.totp_secret_sealed = sealing.seal(secret, purpose=sealing.PURPOSE_TOTP)
    session.add(user)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="MPP Digital")
    return secret, uri


def confirm_totp(*, session: Session, principal: Principal, code: str, now: datetime) -> list[str]:
    """Turn TOTP on after a correct code; returns recovery codes, shown once."""
    user = get_user(session=session, user_id=principal.user_id)
    secret = totp_secret_of(user)
    if not secret or user.totp_enabled:
        raise DomainError("totp.not_started")
    if not pyotp.TOTP(secret).verify((code or "").strip(), for_time=now, valid_window=1):
        raise ValidationError("code", "totp.wrong_code")
    user.totp_enabled = True
    session.add(user)
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}"
             for _ in range(RECOVERY_CODES)]
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all():
        session.delete(old)
    for code_ in codes:
        session.add(RecoveryCode(user_id=user.id or 0, code_hash=hash_secret(code_)))
    # The code just proved the second factor on this very session: it counts as signed in with it.
    session.execute(update(UserSession).where(col(UserSession.id) == principal.session_id,
                                              col(UserSession.user_id) == user.id).values(amr=AMR_OTP))
    audit.record(session=session, action="totp_enabled", now=now, actor_user_id=user.id,
                 target=f"user:{user.id}")
    return codes


def disable_totp(*, session: Session, principal: Principal, password: str, now: datetime) -> None:
    """Turn TOTP off after re-entering the password (not for staff: their roles require it).

    Raises:
        DomainError: ``totp.required_for_staff``.
        ValidationError: the password is wrong.
    """
    user = get_user(session=session, user_id=principal.user_id)
    if holds_staff_role(session=session, user_id=user.id or 0):
        raise DomainError("totp.required_for_staff")
    try:
        password_hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError("password", "password.current_wrong") from None
    user.totp_enabled = False
    user.totp_secret_sealed = None
    session.add(user)
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all():
        session.delete(old)
    audit.record(session=session, action="totp_disabled", now=now, actor_user_id=user.id,
                 target=f"user:{user.id}")


def check_second_factor(*, session: Session, user: User, code: str, now: datetime) -> bool:
    """A current TOTP code, or an unused recovery code (which is then spent)."""
    code = (code or "").strip().lower()
    secret = totp_secret_of(user)
    if secret and code.isdigit() and pyotp.TOTP(secret).verify(
        code, for_time=now, valid_window=1
    ):
        return True
    digest = hash_secret(code)
    for row in session.exec(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))
    ).all():
        if hmac.compare_digest(row.code_hash, digest):
            spent = session.execute(
                update(RecoveryCode)
                .where(col(RecoveryCode.id) == row.id, col(RecoveryCode.used_at).is_(None))
                .values(used_at=now)
            )
            return spent.rowcount == 1  # type: ignore[attr-defined]
    return False


def recovery_codes_left(*, session: Session, user_id: int) -> int:
    """How many unused recovery codes the user has."""
    return session.exec(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None))
    ).one()


# --------------------------------------------------------------------------- roles


def grant_by_scope(*, session: Session, actor: Principal, user_id: int, role: Role, scope: str,
                   now: datetime, agency: str = "") -> None:
    """Grant ``role`` with the scope an administrator typed: an MPP slug (officer, site_admin)
    or a regency code (regional_head); an officer also needs ``agency``, the slug of an agency
    present at that MPP (one site and one agency). ``assign_role`` checks who may grant what.

    Raises:
        DomainError: ``user.not_found``, ``role.unknown_scope`` naming the scope,
            ``role.needs_agency`` or ``role.agency_not_at_site`` naming the agency.
    """
    if session.get(User, user_id) is None:
        raise DomainError("user.not_found")
    site_id = regency = agency_id = None
    if role in (Role.OFFICER, Role.SITE_ADMIN) and scope:
        site = session.exec(select(MppSite).where(MppSite.slug == scope)).first()
        if site is None:
            raise DomainError("role.unknown_scope", scope=scope)
        site_id = site.id
    if role == Role.OFFICER and site_id is not None:
        agency_id = agency_at_site(session=session, site_id=site_id, agency_slug=agency)
    if role == Role.REGIONAL_HEAD and scope:
        region = session.get(Region, scope)
        if region is None or region.level != 2:
            raise DomainError("role.unknown_scope", scope=scope)
        regency = region.code
    assign_role(session=session, actor=actor, user_id=user_id, role=role, now=now, site_id=site_id,
                regency_code=regency, agency_id=agency_id)


def agency_at_site(*, session: Session, site_id: int, agency_slug: str) -> int:
    """The id of the agency ``agency_slug`` when it has counters at the site (an officer's grant).

    Raises:
        DomainError: ``role.needs_agency`` when none is named, ``role.agency_not_at_site`` else.
    """
    if not agency_slug.strip():
        raise DomainError("role.needs_agency")
    agency_id = session.exec(
        select(Agency.id).join(SiteAgency, col(SiteAgency.agency_id) == Agency.id)
        .where(Agency.slug == agency_slug.strip(), SiteAgency.site_id == site_id)).first()
    if agency_id is None:
        raise DomainError("role.agency_not_at_site", agency=agency_slug.strip())
    return agency_id


def agencies_at_site(*, session: Session, site_slug: str) -> list[tuple[str, str]]:
    """(slug, short name) of every agency with counters at the MPP ``site_slug``: what an officer
    may be granted there; [] for an unknown site."""
    rows = session.exec(
        select(Agency.slug, Agency.short_name).join(SiteAgency, col(SiteAgency.agency_id) == Agency.id)
        .join(MppSite, col(MppSite.id) == SiteAgency.site_id).where(MppSite.slug == site_slug.strip())
        .order_by(col(Agency.short_name))).all()
    return [(slug, short) for slug, short in rows]


def assign_role(
    *,
    session: Session,
    actor: Principal,
    user_id: int,
    role: Role,
    now: datetime,
    site_id: int | None = None,
    regency_code: str | None = None,
    agency_id: int | None = None,
) -> RoleAssignment:
    """Grant a role (superadmin only), with the scope the role needs; audited.

    An officer's grant names one agency present at the site (``agency_at_site``).
    """
    authorize(actor, Role.SUPERADMIN)
    if role == Role.OFFICER:
        if agency_id is None:
            raise ValidationError("agency_id", "role.needs_agency")
        if site_id is not None and session.exec(select(SiteAgency.id).where(
                SiteAgency.site_id == site_id, SiteAgency.agency_id == agency_id)).first() is None:
            raise ValidationError("agency_id", "role.agency_not_at_site", agency=str(agency_id))
    return grant_role(session=session, user_id=user_id, role=role, now=now, site_id=site_id,
                      regency_code=regency_code, granted_by=actor.user_id, agency_id=agency_id)


def grant_role(
    *,
    session: Session,
    user_id: int,
    role: Role,
    now: datetime,
    site_id: int | None = None,
    regency_code: str | None = None,
    granted_by: int | None = None,
    agency_id: int | None = None,
) -> RoleAssignment:
    """Record a role assignment with its scope; used by ``assign_role`` and the demo seed."""
    if role in (Role.OFFICER, Role.SITE_ADMIN) and site_id is None:
        raise ValidationError("site_id", "role.needs_site")
    if role == Role.REGIONAL_HEAD and not regency_code:
        raise ValidationError("regency_code", "role.needs_regency")
    row = RoleAssignment(user_id=user_id, role=role, site_id=site_id, regency_code=regency_code,
                         agency_id=agency_id if role == Role.OFFICER else None,
                         granted_at=now, granted_by=granted_by)
    session.add(row)
    audit.record(session=session, action="role_change", now=now, actor_user_id=granted_by,
                 target=f"user:{user_id}",
                 detail={"granted": role.value, "site_id": site_id, "regency_code": regency_code,
                         "agency_id": row.agency_id})
    return row


def may_revoke(actor: Principal, *, role: Role, site_id: int | None) -> bool:
    """Whether ``actor`` may take back a grant: a superadmin any, a site admin the officer grants
    of their own site."""
    if Role.SUPERADMIN in actor.roles:
        return True
    return role == Role.OFFICER and site_id is not None and site_id in actor.site_ids(Role.SITE_ADMIN)


def revoke_role(*, session: Session, actor: Principal, assignment_id: int, now: datetime,
                ip_address: str = "") -> RoleAssignment:
    """Take back one role grant (superadmin; a site admin the officer grants of their site; not
    one's own superadmin grant); audited.

    Takes effect on the grantee's next event: every guarded event reads the grants afresh.
    """
    authorize(actor, Role.SUPERADMIN, Role.SITE_ADMIN)
    row = session.get(RoleAssignment, assignment_id)
    if row is None:
        raise DomainError("role.grant_not_found")
    if not may_revoke(actor, role=Role(row.role), site_id=row.site_id):
        raise NotAllowed()
    if row.user_id == actor.user_id and row.role == Role.SUPERADMIN:
        raise DomainError("role.own_superadmin")
    session.delete(row)
    audit.record(session=session, action="role_revoked", now=now, actor_user_id=actor.user_id,
                 target=f"user:{row.user_id}", ip_address=ip_address,
                 detail={"revoked": Role(row.role).value, "site_id": row.site_id, "regency_code": row.regency_code,
                         "agency_id": row.agency_id})
    return row


def _may_manage_account(session: Session, actor: Principal, user_id: int) -> bool:
    """A superadmin manages every account; a site admin only the staff of their own sites: an
    account with an officer grant there and no grant elsewhere (nor any other staff role)."""
    if Role.SUPERADMIN in actor.roles:
        return True
    mine = actor.site_ids(Role.SITE_ADMIN)
    grants = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id)).all()
    staff = [g for g in grants if Role(g.role) != Role.CITIZEN]
    return bool(staff) and all(Role(g.role) == Role.OFFICER and g.site_id in mine for g in staff)


def set_account_active(*, session: Session, actor: Principal, user_id: int, active: bool, now: datetime,
                       ip_address: str = "") -> User:
    """Deactivate (every session ends at once) or reactivate an account (superadmin; a site admin
    the officers of their own site only); audited.

    One's own account cannot be deactivated, nor can a closed one be reactivated.
    """
    authorize(actor, Role.SUPERADMIN, Role.SITE_ADMIN)
    user = session.get(User, user_id)
    if user is None:
        raise DomainError("user.not_found")
    if not _may_manage_account(session, actor, user_id):
        raise NotAllowed()
    if user_id == actor.user_id:
        raise DomainError("account.own")
    if active and user.closed_at is not None:
        raise DomainError("account.closed")
    if user.is_active == active:
        return user
    user.is_active = active
    session.add(user)
    suspension = session.get(IdentityAssurance, user_id) if active else None
    if suspension is not None and suspension.suspended_at is not None:  # a NIK dispute's suspension ends
        suspension.suspended_at = suspension.suspended_reason = None
        session.add(suspension)
    ended = 0 if active else _revoke_all(session, user_id, now)
    audit.record(session=session, action="account_reactivated" if active else "account_deactivated", now=now,
                 actor_user_id=actor.user_id, target=f"user:{user_id}", ip_address=ip_address,
                 detail={"sessions_ended": ended})
    return user


@dataclass(frozen=True)
class GrantEntry:
    """One role assignment as the staff administration lists it."""

    assignment_id: int
    role: Role
    site_id: int | None
    regency_code: str | None
    agency_id: int | None
    site_slug: str = ""  # the MPP of a site-scoped grant
    agency_name: str = ""  # the agency of an officer's grant (short name)
    revocable: bool = False  # the actor of the directory may take it back (``may_revoke``)


@dataclass(frozen=True)
class DirectoryEntry:
    """One account in the staff administration: who, whether it may sign in, and its grants."""

    user_id: int
    full_name: str
    email: str
    status: str  # "active" / "inactive" (deactivated by a superadmin) / "closed" (by its owner)
    grants: tuple[GrantEntry, ...]
    manageable: bool = False  # the actor may deactivate or reactivate it


def user_directory(*, session: Session, actor: Principal, query: str = "", limit: int = 50) -> list[DirectoryEntry]:
    """Accounts matching ``query`` (name or email), with their grants: a superadmin sees every
    account; a site admin the accounts holding a staff grant at their own sites, with those grants."""
    authorize(actor, Role.SUPERADMIN, Role.SITE_ADMIN)
    everything = Role.SUPERADMIN in actor.roles
    mine = actor.site_ids(Role.SITE_ADMIN)
    stmt = select(User).order_by(col(User.id)).limit(limit)
    if not everything:
        stmt = stmt.where(col(User.id).in_(select(RoleAssignment.user_id).where(col(RoleAssignment.site_id).in_(mine))))
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where((col(User.email).ilike(like)) | (col(User.full_name).ilike(like)))
    users = session.exec(stmt).all()
    rows = session.exec(select(RoleAssignment).where(col(RoleAssignment.user_id).in_([u.id for u in users]))
                        .order_by(col(RoleAssignment.id))).all()
    slugs = dict(session.exec(select(MppSite.id, MppSite.slug).where(
        col(MppSite.id).in_({r.site_id for r in rows if r.site_id}))).all())
    agencies = dict(session.exec(select(Agency.id, Agency.short_name).where(
        col(Agency.id).in_({r.agency_id for r in rows if r.agency_id}))).all())
    grants: dict[int, list[GrantEntry]] = {}
    for row in rows:
        if not everything and row.site_id not in mine:
            continue
        grants.setdefault(row.user_id, []).append(GrantEntry(
            assignment_id=row.id or 0, role=Role(row.role), site_id=row.site_id, regency_code=row.regency_code,
            agency_id=row.agency_id, site_slug=slugs.get(row.site_id, ""), agency_name=agencies.get(row.agency_id, ""),
            revocable=may_revoke(actor, role=Role(row.role), site_id=row.site_id)))
    return [DirectoryEntry(user_id=u.id or 0, full_name=u.full_name, email=u.email,
                           status="closed" if u.closed_at else "active" if u.is_active else "inactive",
                           grants=tuple(grants.get(u.id or 0, ())),
                           manageable=everything or _may_manage_account(session, actor, u.id or 0))
            for u in users]
