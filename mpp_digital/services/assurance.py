"""Identity assurance: how sure MPP Digital is of who is behind an account.

Every account is self-declared ("dinyatakan sendiri") until an officer of any MPP checks the
KTP-el at a counter (name, NIK and photo; no image of the card is kept) and the citizen
confirms on their own signed-in device: then it is verified ("terverifikasi"). A NIK that
someone else registered is reclaimed the same way: the real owner opens a dispute, and the
officer who checks the owner's KTP-el moves the NIK to the owner's account; the other account
loses it and is suspended. Every step is audited.

Other features ask for a level with ``require_assurance`` (issuing an application's output
document) or ``require_for_service`` (a service whose standard says so); single sign-on reads
``acr_of``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from mpp_digital import routes
from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.i18n import t
from mpp_digital.models import (
    AssuranceLevel,
    IdentityAssurance,
    IdentityVerification,
    MppSite,
    NikDispute,
    PendingMail,
    Role,
    Service,
    User,
)
from mpp_digital.services import accounts, audit, sealing
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.identity import mask_nik
from mpp_digital.settings import get_settings

COUNTER_CODE_TTL = timedelta(minutes=10)  # the code a citizen shows at the counter
CONFIRM_WITHIN = timedelta(minutes=30)  # the citizen confirms an officer's verification within this
COUNTER_CODE_DIGITS = 8

# OpenID Connect ``acr`` values (Authentication Context Class Reference), one per level.
ACR_SELF_DECLARED = "urn:mpp:loa:self-declared"
ACR_VERIFIED = "urn:mpp:loa:verified"
ACR_BY_LEVEL = {AssuranceLevel.SELF_DECLARED: ACR_SELF_DECLARED, AssuranceLevel.VERIFIED: ACR_VERIFIED}
ACR_VALUES = (ACR_SELF_DECLARED, ACR_VERIFIED)  # weakest first

DISPUTE_MAIL = "nik_dispute_suspended"  # PendingMail.kind: the holder who lost a NIK is told why (ref: dispute)
SUSPENDED_BY_DISPUTE = "nik_dispute"
OPEN, RESOLVED, WITHDRAWN = "open", "resolved", "withdrawn"


# --------------------------------------------------------------------------- levels


def level_of(*, session: Session, user_id: int) -> AssuranceLevel:
    """The account's level (no row: self-declared)."""
    row = session.get(IdentityAssurance, user_id)
    return AssuranceLevel(row.level) if row else AssuranceLevel.SELF_DECLARED


def is_verified(*, session: Session, user_id: int) -> bool:
    """Whether the account was verified at a counter."""
    return level_of(session=session, user_id=user_id) == AssuranceLevel.VERIFIED


def acr_of(*, session: Session, user_id: int) -> str:
    """The account's level as an OpenID Connect ``acr`` value."""
    return ACR_BY_LEVEL[level_of(session=session, user_id=user_id)]


def require_assurance(*, session: Session, user_id: int,
                      level: AssuranceLevel = AssuranceLevel.VERIFIED) -> None:
    """Refuse an action that needs ``level`` for an account below it.

    Call it in the transaction of the action (issuing an output document, a service that asks
    for a verified identity). The message says what to do: come to an MPP counter with the
    KTP-el and show the code from the profile page.

    Raises:
        DomainError: ``assurance.verified_required`` (with ``path``, the page that explains how).
    """
    if level == AssuranceLevel.VERIFIED and not is_verified(session=session, user_id=user_id):
        raise DomainError("assurance.verified_required", path=routes.IDENTITY_HELP)


def require_for_service(*, session: Session, user_id: int, service_id: int) -> None:
    """``require_assurance`` for a service whose standard asks for a verified identity.

    Raises:
        DomainError: ``assurance.verified_required`` when ``Service.requires_verified`` and the
            account is self-declared.
    """
    service = session.get(Service, service_id)
    if service is not None and service.requires_verified:
        require_assurance(session=session, user_id=user_id)


@dataclass(frozen=True)
class PendingVerification:
    """An officer marked the account verified; the citizen has not confirmed yet."""

    verification_id: int
    officer_name: str
    site_name: str
    expires_at: datetime


@dataclass(frozen=True)
class AssuranceView:
    """The level as the profile page shows it."""

    level: AssuranceLevel
    verified_at: datetime | None
    site_name: str
    officer_name: str
    pending: PendingVerification | None
    open_dispute_nik: str  # masked NIK of the dispute this account opened ("" when none)


def _name(session: Session, model, key: int | None, attr: str) -> str:
    row = session.get(model, key) if key else None
    return getattr(row, attr) if row else ""


def pending_verification(*, session: Session, user_id: int, now: datetime) -> IdentityVerification | None:
    """The newest verification of the account still waiting for the citizen's confirmation."""
    return session.exec(
        select(IdentityVerification)
        .where(IdentityVerification.user_id == user_id, col(IdentityVerification.confirmed_at).is_(None),
               col(IdentityVerification.expires_at) > now)
        .order_by(col(IdentityVerification.id).desc())
    ).first()


def open_dispute_of(*, session: Session, claimant_id: int) -> NikDispute | None:
    """The open dispute the account started, if any."""
    return session.exec(select(NikDispute).where(NikDispute.claimant_id == claimant_id,
                                                 NikDispute.status == OPEN)).first()


def assurance_of(*, session: Session, user_id: int, now: datetime) -> AssuranceView:
    """Level, when, where and by whom it was verified, and what is under way."""
    row = session.get(IdentityAssurance, user_id)
    pending = pending_verification(session=session, user_id=user_id, now=now)
    dispute = open_dispute_of(session=session, claimant_id=user_id)
    return AssuranceView(
        level=AssuranceLevel(row.level) if row else AssuranceLevel.SELF_DECLARED,
        verified_at=row.verified_at if row else None,
        site_name=_name(session, MppSite, row.verified_site_id if row else None, "name"),
        officer_name=_name(session, User, row.verified_by if row else None, "full_name"),
        pending=PendingVerification(
            verification_id=pending.id or 0, officer_name=_name(session, User, pending.officer_id, "full_name"),
            site_name=_name(session, MppSite, pending.site_id, "name"), expires_at=pending.expires_at,
        ) if pending else None,
        open_dispute_nik=mask_nik(sealing.unseal(dispute.nik_sealed, purpose=sealing.PURPOSE_NIK)) if dispute else "",
    )


def _assurance_row(session: Session, user_id: int) -> IdentityAssurance:
    row = session.get(IdentityAssurance, user_id)
    if row is None:
        row = IdentityAssurance(user_id=user_id)
        session.add(row)
    return row


# --------------------------------------------------------------------------- the code shown at the counter


def _code_hash(code: str) -> str:
    return sealing.lookup_hash(code, purpose="identity.counter_code") or ""


def issue_counter_code(*, session: Session, principal: Principal, now: datetime) -> str:
    """A fresh 8-digit code the citizen shows at a counter, valid ``COUNTER_CODE_TTL`` (only its
    keyed hash is kept; a new code replaces the previous one)."""
    row = _assurance_row(session, principal.user_id)
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(COUNTER_CODE_DIGITS))
        taken = session.exec(select(IdentityAssurance.user_id).where(
            IdentityAssurance.counter_code_hash == _code_hash(code),
            col(IdentityAssurance.counter_code_expires_at) > now)).first()
        if taken is None:
            break
    row.counter_code_hash, row.counter_code_expires_at = _code_hash(code), now + COUNTER_CODE_TTL
    session.add(row)
    audit.record(session=session, action="counter_code_issued", now=now, actor_user_id=principal.user_id,
                 target=f"user:{principal.user_id}")
    return code


# --------------------------------------------------------------------------- at the counter


@dataclass(frozen=True)
class CounterAccount:
    """A citizen's account as the officer at the counter sees it (to compare with the KTP-el)."""

    user_id: int
    full_name: str
    nik: str  # in clear: the officer compares it with the card in front of them ("" when none)
    birth_date: date | None
    email: str
    level: AssuranceLevel
    dispute_nik: str  # the NIK this account claims in an open dispute ("" when none)
    disputed: bool  # someone else claims this account's NIK


def counter_sites(*, session: Session, principal: Principal) -> list[MppSite]:
    """The sites at whose counters ``principal`` may verify identities (a superadmin: every site)."""
    query = select(MppSite).order_by(col(MppSite.name))
    if Role.SUPERADMIN not in principal.roles:
        query = query.where(col(MppSite.id).in_(principal.site_ids(Role.OFFICER, Role.SITE_ADMIN)))
    return list(session.exec(query).all())


def _check_officer(session: Session, officer: Principal, site_id: int) -> None:
    """An officer (or site admin) of this site, signed in with a second factor."""
    authorize(officer, Role.OFFICER, Role.SITE_ADMIN, site_id=site_id, session=session)
    if not officer.second_factor:
        raise DomainError("assurance.officer_needs_second_factor")


def _counter_account(session: Session, user: User) -> CounterAccount:
    nik = accounts.nik_of(user) or ""
    dispute = open_dispute_of(session=session, claimant_id=user.id or 0)
    disputed = bool(user.nik_lookup) and session.exec(select(NikDispute.id).where(
        NikDispute.nik_lookup == user.nik_lookup, NikDispute.status == OPEN)).first() is not None
    return CounterAccount(
        user_id=user.id or 0, full_name=user.full_name, nik=nik, birth_date=user.birth_date, email=user.email,
        level=level_of(session=session, user_id=user.id or 0),
        dispute_nik=sealing.unseal(dispute.nik_sealed, purpose=sealing.PURPOSE_NIK) or "" if dispute else "",
        disputed=disputed,
    )


def find_for_counter(*, session: Session, officer: Principal, site_id: int, nik: str = "", code: str = "",
                     now: datetime, ip_address: str = "") -> CounterAccount:
    """Open a citizen's account at the counter by NIK or by the code on their phone; audited.

    Raises:
        DomainError: ``assurance.officer_needs_second_factor``, ``assurance.not_found`` (no such
            NIK, or the code is wrong or expired), ``assurance.own_account``; NotAllowed outside
            the officer's site.
    """
    _check_officer(session, officer, site_id)
    nik, code = "".join((nik or "").split()), "".join((code or "").split())
    user = None
    if nik:
        user = session.exec(select(User).where(User.nik_lookup == accounts.nik_lookup(nik))).first()
    elif code:
        row = session.exec(select(IdentityAssurance).where(
            IdentityAssurance.counter_code_hash == _code_hash(code),
            col(IdentityAssurance.counter_code_expires_at) > now)).first()
        user = session.get(User, row.user_id) if row else None
    if user is None or user.closed_at is not None:
        raise DomainError("assurance.not_found")
    if user.id == officer.user_id:
        raise DomainError("assurance.own_account")
    audit.record(session=session, action="identity_lookup", now=now, actor_user_id=officer.user_id,
                 target=f"user:{user.id}", ip_address=ip_address, detail={"by": "nik" if nik else "code",
                                                                          "site_id": site_id})
    return _counter_account(session, user)


@dataclass(frozen=True)
class CardCheck:
    """What the officer confirmed, the KTP-el in hand."""

    nik_on_card: str  # typed from the card
    name_matches: bool
    nik_matches: bool
    photo_matches: bool


def mark_verified(*, session: Session, officer: Principal, site_id: int, user_id: int, check: CardCheck,
                  now: datetime, ip_address: str = "") -> IdentityVerification:
    """The officer marks the account verified; it becomes verified when the citizen confirms.

    When the account claims a NIK in an open dispute and the card shows that NIK, the NIK moves
    to this account now (``_resolve_dispute``): the card is the proof.

    Raises:
        DomainError: ``assurance.officer_needs_second_factor``, ``assurance.own_account``,
            ``assurance.checks_required`` (name, NIK and photo must all match),
            ``assurance.nik_mismatch`` (the card's NIK is neither the account's nor its claim),
            ``assurance.not_found`` (no such account, closed or suspended).
    """
    _check_officer(session, officer, site_id)
    if user_id == officer.user_id:
        raise DomainError("assurance.own_account")
    user = session.get(User, user_id)
    if user is None or user.closed_at is not None or not user.is_active:
        raise DomainError("assurance.not_found")
    if not (check.name_matches and check.nik_matches and check.photo_matches):
        raise DomainError("assurance.checks_required")
    card_nik = "".join((check.nik_on_card or "").split())
    dispute = open_dispute_of(session=session, claimant_id=user_id)
    own = accounts.nik_of(user)
    if dispute is not None and not own and card_nik == sealing.unseal(dispute.nik_sealed, purpose=sealing.PURPOSE_NIK):
        _resolve_dispute(session, dispute, claimant=user, officer=officer, site_id=site_id, now=now,
                         ip_address=ip_address)
    elif not own or card_nik != own:
        raise DomainError("assurance.nik_mismatch")
    else:
        dispute = None
    row = IdentityVerification(user_id=user_id, officer_id=officer.user_id, site_id=site_id,
                               dispute_id=dispute.id if dispute else None, created_at=now,
                               expires_at=now + CONFIRM_WITHIN)
    session.add(row)
    session.flush()
    audit.record(session=session, action="identity_verification_marked", now=now, actor_user_id=officer.user_id,
                 target=f"user:{user_id}", ip_address=ip_address,
                 detail={"site_id": site_id, "verification_id": row.id, "dispute_id": row.dispute_id})
    return row


def confirm_verification(*, session: Session, principal: Principal, now: datetime, ip_address: str = "") -> None:
    """The citizen confirms, on their own signed-in device, the verification an officer marked.

    Raises:
        DomainError: ``assurance.nothing_pending`` (none, or it expired).
    """
    pending = pending_verification(session=session, user_id=principal.user_id, now=now)
    if pending is None:
        raise DomainError("assurance.nothing_pending")
    spent = session.execute(update(IdentityVerification)
                            .where(col(IdentityVerification.id) == pending.id,
                                   col(IdentityVerification.confirmed_at).is_(None))
                            .values(confirmed_at=now))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("assurance.nothing_pending")
    row = _assurance_row(session, principal.user_id)
    row.level, row.verified_at = AssuranceLevel.VERIFIED, now
    row.verified_site_id, row.verified_by = pending.site_id, pending.officer_id
    row.counter_code_hash = row.counter_code_expires_at = None
    session.add(row)
    audit.record(session=session, action="identity_verified", now=now, actor_user_id=principal.user_id,
                 target=f"user:{principal.user_id}", ip_address=ip_address,
                 detail={"level": AssuranceLevel.VERIFIED.value, "site_id": pending.site_id,
                         "officer_id": pending.officer_id, "verification_id": pending.id})


def correct_identity(*, session: Session, officer: Principal, site_id: int, user_id: int, full_name: str,
                     now: datetime, ip_address: str = "") -> User:
    """Correct a verified account's name as printed on the KTP-el: only at a counter; audited.

    Raises:
        DomainError: as ``mark_verified`` for the officer; ``assurance.not_found``.
        ValidationError: the name is empty or too long.
    """
    _check_officer(session, officer, site_id)
    if user_id == officer.user_id:
        raise DomainError("assurance.own_account")
    user = session.get(User, user_id)
    if user is None or user.closed_at is not None:
        raise DomainError("assurance.not_found")
    name = " ".join((full_name or "").split())
    if not 2 <= len(name) <= 120:
        raise ValidationError("full_name", "name.required" if len(name) < 2 else "name.too_long")
    if name != user.full_name:
        audit.record(session=session, action="name_corrected", now=now, actor_user_id=officer.user_id,
                     target=f"user:{user_id}", ip_address=ip_address, detail={"site_id": site_id})
        user.full_name = name
        session.add(user)
    return user


def identity_editable_by_owner(*, session: Session, user_id: int) -> bool:
    """Whether the owner may still change their NIK and name themselves: only while self-declared
    (a verified account's NIK and name change only at a counter, ``correct_identity``)."""
    return not is_verified(session=session, user_id=user_id)


# --------------------------------------------------------------------------- NIK disputes


def check_dispute(*, session: Session, claimant_id: int | None, nik: str, now: datetime) -> tuple[str, User]:
    """Whether a dispute for ``nik`` may be opened: the NIK (normalised) and its holder.

    Raises:
        ValidationError: on field ``nik``: the NIK's own format errors, ``dispute.nik_not_taken``,
            ``dispute.own_nik``, ``dispute.holder_verified`` (a verified owner's NIK is settled)
            or ``dispute.already_open``.
    """
    info = accounts.check_nik(session=session, nik=nik, now=now)
    holder = session.exec(select(User).where(User.nik_lookup == accounts.nik_lookup(info.nik))).first()
    if holder is None:
        raise ValidationError("nik", "dispute.nik_not_taken")
    if claimant_id is not None and holder.id == claimant_id:
        raise ValidationError("nik", "dispute.own_nik")
    if is_verified(session=session, user_id=holder.id or 0):
        raise ValidationError("nik", "dispute.holder_verified")
    if session.exec(select(NikDispute.id).where(NikDispute.nik_lookup == accounts.nik_lookup(info.nik),
                                                NikDispute.status == OPEN)).first() is not None:
        raise ValidationError("nik", "dispute.already_open")
    return info.nik, holder


def open_dispute(*, session: Session, claimant_id: int, nik: str, now: datetime, ip_address: str = "") -> NikDispute:
    """The real owner of a NIK someone else registered claims it; resolved at a counter.

    Raises:
        ValidationError: as ``check_dispute``; ``dispute.claimant_has_nik`` when the claimant's
            account already has a NIK of its own.
    """
    claimant = accounts.get_user(session=session, user_id=claimant_id)
    if claimant.nik_lookup:
        raise ValidationError("nik", "dispute.claimant_has_nik")
    if open_dispute_of(session=session, claimant_id=claimant_id) is not None:
        raise ValidationError("nik", "dispute.already_open")
    clean, holder = check_dispute(session=session, claimant_id=claimant_id, nik=nik, now=now)
    row = NikDispute(nik_lookup=accounts.nik_lookup(clean), nik_sealed=sealing.seal(clean, purpose=sealing.PURPOSE_NIK)
                     or "", claimant_id=claimant_id, holder_id=holder.id, opened_at=now)
    session.add(row)
    session.flush()
    audit.record(session=session, action="nik_dispute_opened", now=now, actor_user_id=claimant_id,
                 target=f"dispute:{row.id}", ip_address=ip_address, detail={"holder": f"user:{holder.id}"})
    return row


def register_with_dispute(*, session: Session, registration: accounts.Registration, now: datetime,
                          ip_address: str = "") -> tuple[User, NikDispute]:
    """Registration by the real owner of a NIK that is already registered: the account is made
    without the NIK and a dispute for it is opened (the NIK comes at a counter, with the KTP-el).

    Raises:
        accounts.InvalidForm: every wrong field, the NIK's dispute refusals on ``nik``.
    """
    dispute_error = None
    try:
        check_dispute(session=session, claimant_id=None, nik=registration.nik, now=now)
    except ValidationError as exc:
        dispute_error = exc
    try:  # the other fields are checked as in any registration (nothing is added when one is wrong)
        user = accounts.register_citizen(session=session, registration=registration, now=now, store_nik=False)
    except accounts.InvalidForm as exc:
        raise accounts.InvalidForm({**exc.errors, **({"nik": dispute_error} if dispute_error else {})}) from None
    if dispute_error is not None:  # raised in the caller's transaction, which is rolled back
        raise accounts.InvalidForm({"nik": dispute_error})
    return user, open_dispute(session=session, claimant_id=user.id or 0, nik=registration.nik, now=now,
                              ip_address=ip_address)


def _resolve_dispute(session: Session, dispute: NikDispute, *, claimant: User, officer: Principal, site_id: int,
                     now: datetime, ip_address: str) -> None:
    """Move the disputed NIK to the claimant; the holder loses it, is suspended and told by mail."""
    nik = sealing.unseal(dispute.nik_sealed, purpose=sealing.PURPOSE_NIK) or ""
    holder = session.exec(select(User).where(User.nik_lookup == dispute.nik_lookup)).first()
    if holder is not None:
        accounts.set_nik(holder, None)
        holder.is_active = False
        session.add(holder)
        session.flush()  # the NIK's unique lookup hash is free before the claimant takes it
        ended = accounts.end_all_sessions(session=session, user_id=holder.id or 0, now=now)
        row = _assurance_row(session, holder.id or 0)
        row.suspended_at, row.suspended_reason = now, SUSPENDED_BY_DISPUTE
        row.level, row.verified_at, row.verified_by, row.verified_site_id = AssuranceLevel.SELF_DECLARED, None, None, None
        session.add(row)
        session.add(PendingMail(kind=DISPUTE_MAIL, ref=dispute.id or 0, created_at=now, due_at=now))
        audit.record(session=session, action="account_suspended", now=now, actor_user_id=officer.user_id,
                     target=f"user:{holder.id}", ip_address=ip_address,
                     detail={"reason": SUSPENDED_BY_DISPUTE, "dispute_id": dispute.id, "sessions_ended": ended})
    info = accounts.check_nik(session=session, nik=nik, now=now)
    accounts.set_nik(claimant, nik)
    claimant.birth_date, claimant.sex = info.birth_date, info.sex
    session.add(claimant)
    dispute.status, dispute.resolved_at, dispute.resolved_by, dispute.resolved_site_id = (
        RESOLVED, now, officer.user_id, site_id)
    dispute.holder_id = holder.id if holder else dispute.holder_id
    session.add(dispute)
    session.flush()
    audit.record(session=session, action="nik_dispute_resolved", now=now, actor_user_id=officer.user_id,
                 target=f"dispute:{dispute.id}", ip_address=ip_address,
                 detail={"site_id": site_id, "to": f"user:{claimant.id}",
                         "from": f"user:{holder.id}" if holder else ""})


def forget_account(*, session: Session, user_id: int, now: datetime) -> None:
    """A closed account (``my_data.close_account``): its open disputes are withdrawn, the NIKs it
    claimed forgotten (only their keyed hash stays, for the audit trail), its counter code voided."""
    for dispute in session.exec(select(NikDispute).where(NikDispute.claimant_id == user_id)).all():
        if dispute.status == OPEN:
            dispute.status, dispute.resolved_at = WITHDRAWN, now
        dispute.nik_sealed = ""
        session.add(dispute)
    row = session.get(IdentityAssurance, user_id)
    if row is not None:
        row.counter_code_hash = row.counter_code_expires_at = None
        session.add(row)


def compose_dispute_mail(*, session: Session, dispute_id: int, lang: str, now: datetime) -> tuple[str, str, str] | None:
    """The mail that tells the former holder of a NIK why their account is suspended."""
    dispute = session.get(NikDispute, dispute_id)
    holder = session.get(User, dispute.holder_id) if dispute and dispute.holder_id else None
    if dispute is None or holder is None or dispute.status != RESOLVED:
        return None
    site = _name(session, MppSite, dispute.resolved_site_id, "name")
    return (holder.email, t("mail.dispute.subject", lang),
            t("mail.dispute.body", lang, name=holder.full_name, site=site,
              link=get_settings().public_base_url + routes.IDENTITY_HELP))
