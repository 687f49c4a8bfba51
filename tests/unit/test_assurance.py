"""Identity assurance (issue 17): levels, verification at a counter, NIK disputes, requirements,
and the second factor staff sign in with."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    AssuranceLevel,
    AuditLog,
    IdentityAssurance,
    IdentityVerification,
    MppSite,
    NikDispute,
    Role,
    Service,
    User,
    UserSession,
)
from mpp_digital.services import accounts, assurance, sealing
from mpp_digital.services.authz import principal_for, require_second_factor
from tests.identity_support import counter_officer

PASSWORD = "Assurance-Test-2026"
OWNER_NIK = "3314014107900001"  # Sri's, registered first by an impostor
OTHER_NIK = "3314015203850007"


def register(session: Session, now, *, nik: str, email: str, name: str = "Sri Lestari") -> User:
    return accounts.register_citizen(session=session, now=now, registration=accounts.Registration(
        nik=nik, full_name=name, email=email, phone="081234567890", password=PASSWORD))


def card(nik: str, **checks: bool) -> assurance.CardCheck:
    return assurance.CardCheck(nik_on_card=nik, name_matches=checks.get("name", True),
                               nik_matches=checks.get("nik", True), photo_matches=checks.get("photo", True))


def as_citizen(session: Session, user: User):
    return principal_for(session=session, user=user, session_id=0)


def actions(session: Session) -> list[str]:
    return [row.action for row in session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()]


def test_a_new_account_is_self_declared_until_the_citizen_confirms_the_officers_check(session, now):
    sri = register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    officer, site_id = counter_officer(session)
    assert assurance.level_of(session=session, user_id=sri.id) == AssuranceLevel.SELF_DECLARED
    assert assurance.acr_of(session=session, user_id=sri.id) == assurance.ACR_SELF_DECLARED

    assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=sri.id, check=card(OWNER_NIK),
                            now=now)
    view = assurance.assurance_of(session=session, user_id=sri.id, now=now)
    assert view.level == AssuranceLevel.SELF_DECLARED, "pending until the citizen confirms on their own device"
    assert view.pending and view.pending.officer_name == "Petugas Verifikasi" and "Sragen" in view.pending.site_name

    assurance.confirm_verification(session=session, principal=as_citizen(session, sri), now=now + timedelta(minutes=2))
    view = assurance.assurance_of(session=session, user_id=sri.id, now=now)
    assert view.level == AssuranceLevel.VERIFIED and view.pending is None
    assert view.verified_at == now + timedelta(minutes=2) and "Sragen" in view.site_name
    assert view.officer_name == "Petugas Verifikasi"
    assert assurance.acr_of(session=session, user_id=sri.id) == assurance.ACR_VERIFIED
    verified = session.exec(select(AuditLog).where(AuditLog.action == "identity_verified")).one()
    assert verified.detail["site_id"] == site_id and verified.detail["officer_id"] == officer.user_id
    assert "identity_verification_marked" in actions(session)
    with pytest.raises(DomainError, match="assurance.nothing_pending"):  # a confirmation is used once
        assurance.confirm_verification(session=session, principal=as_citizen(session, sri), now=now)


def test_a_confirmation_after_the_window_is_refused(session, now):
    sri = register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    officer, site_id = counter_officer(session)
    assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=sri.id, check=card(OWNER_NIK),
                            now=now)
    with pytest.raises(DomainError, match="assurance.nothing_pending"):
        assurance.confirm_verification(session=session, principal=as_citizen(session, sri),
                                       now=now + assurance.CONFIRM_WITHIN + timedelta(seconds=1))
    assert not assurance.is_verified(session=session, user_id=sri.id)


def test_the_counter_opens_an_account_by_nik_or_by_the_short_lived_code(session, now):
    sri = register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    officer, site_id = counter_officer(session)
    code = assurance.issue_counter_code(session=session, principal=as_citizen(session, sri), now=now)
    assert len(code) == 8 and code.isdigit()
    stored = session.get(IdentityAssurance, sri.id)
    assert stored.counter_code_hash and code not in stored.counter_code_hash, "only a keyed hash of the code"
    found = assurance.find_for_counter(session=session, officer=officer, site_id=site_id, code=code, now=now)
    assert (found.user_id, found.nik, found.full_name) == (sri.id, OWNER_NIK, "Sri Lestari")
    by_nik = assurance.find_for_counter(session=session, officer=officer, site_id=site_id, nik="3314 0141 0790 0001",
                                        now=now)
    assert by_nik.user_id == sri.id
    for kwargs in ({"code": code, "now": now + assurance.COUNTER_CODE_TTL}, {"code": "00000000", "now": now},
                   {"nik": OTHER_NIK, "now": now}, {"now": now}):
        with pytest.raises(DomainError, match="assurance.not_found"):
            assurance.find_for_counter(session=session, officer=officer, site_id=site_id, **kwargs)
    assert actions(session).count("identity_lookup") == 2


def test_refusals_at_the_counter_change_nothing(session, now):
    sri = register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    officer, site_id = counter_officer(session)
    officer_user = session.get(User, officer.user_id)
    accounts.set_nik(officer_user, OTHER_NIK)
    session.add(officer_user)
    session.flush()
    # the officer's own account, by NIK or directly
    with pytest.raises(DomainError, match="assurance.own_account"):
        assurance.find_for_counter(session=session, officer=officer, site_id=site_id, nik=OTHER_NIK, now=now)
    with pytest.raises(DomainError, match="assurance.own_account"):
        assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=officer.user_id,
                                check=card(OTHER_NIK), now=now)
    # a session signed in with a password alone
    password_only = principal_for(session=session, user=officer_user, session_id=0)
    for call in (lambda: assurance.find_for_counter(session=session, officer=password_only, site_id=site_id,
                                                    nik=OWNER_NIK, now=now),
                 lambda: assurance.mark_verified(session=session, officer=password_only, site_id=site_id,
                                                 user_id=sri.id, check=card(OWNER_NIK), now=now)):
        with pytest.raises(DomainError, match="assurance.officer_needs_second_factor"):
            call()
    # a check left unticked, a NIK that is not on the card
    for check, key in ((card(OWNER_NIK, photo=False), "assurance.checks_required"),
                       (card(OWNER_NIK, name=False), "assurance.checks_required"),
                       (card(OTHER_NIK), "assurance.nik_mismatch")):
        with pytest.raises(DomainError, match=key):
            assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=sri.id, check=check,
                                    now=now)
    # another site's counter
    banyumas = session.exec(select(MppSite).where(MppSite.slug == "banyumas")).one()
    with pytest.raises(NotAllowed):
        assurance.mark_verified(session=session, officer=officer, site_id=banyumas.id, user_id=sri.id,
                                check=card(OWNER_NIK), now=now)
    assert session.exec(select(IdentityVerification)).all() == []
    assert not assurance.is_verified(session=session, user_id=sri.id)
    assert "identity_verification_marked" not in actions(session)


def test_a_verified_accounts_name_changes_only_at_a_counter(session, now):
    sri = register(session, now, nik=OWNER_NIK, email="sri@assurance.test", name="Sri Lestarii")
    officer, site_id = counter_officer(session)
    assert assurance.identity_editable_by_owner(session=session, user_id=sri.id)
    assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=sri.id, check=card(OWNER_NIK),
                            now=now)
    assurance.confirm_verification(session=session, principal=as_citizen(session, sri), now=now)
    assert not assurance.identity_editable_by_owner(session=session, user_id=sri.id)
    assurance.correct_identity(session=session, officer=officer, site_id=site_id, user_id=sri.id,
                               full_name=" Sri   Lestari ", now=now)
    assert session.get(User, sri.id).full_name == "Sri Lestari"
    assert "name_corrected" in actions(session)
    with pytest.raises(ValidationError):
        assurance.correct_identity(session=session, officer=officer, site_id=site_id, user_id=sri.id, full_name="x",
                                   now=now)


def test_requirements_refuse_a_self_declared_account_and_say_how(session, now):
    sri = register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    service = session.exec(select(Service).where(Service.slug == "kartu-keluarga")).one()
    assurance.require_for_service(session=session, user_id=sri.id, service_id=service.id)  # the standard asks nothing
    service.requires_verified = True
    session.add(service)
    session.flush()
    for call in (lambda: assurance.require_assurance(session=session, user_id=sri.id),
                 lambda: assurance.require_for_service(session=session, user_id=sri.id, service_id=service.id)):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.key == "assurance.verified_required"
        assert refused.value.params["path"] == "/verifikasi-identitas"
    officer, site_id = counter_officer(session)
    assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=sri.id, check=card(OWNER_NIK),
                            now=now)
    assurance.confirm_verification(session=session, principal=as_citizen(session, sri), now=now)
    assurance.require_assurance(session=session, user_id=sri.id)
    assurance.require_for_service(session=session, user_id=sri.id, service_id=service.id)


# --------------------------------------------------------------------------- NIK disputes


def test_the_real_owner_reclaims_a_nik_at_the_counter(session, now, mailbox):
    impostor = register(session, now, nik=OWNER_NIK, email="impostor@assurance.test", name="Nama Karangan")
    impostor_session, _raw = accounts.start_session_from_ticket(
        session=session, ticket=accounts.issue_token(session=session, user_id=impostor.id, purpose="login",
                                                     ttl=timedelta(minutes=1), now=now),
        ip_address="1.2.3.4", user_agent="x", now=now)
    with pytest.raises(accounts.InvalidForm) as taken:
        register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    assert taken.value.errors["nik"].key == "nik.taken"

    owner, dispute = assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
        nik=OWNER_NIK, full_name="Sri Lestari", email="sri@assurance.test", phone="081234567890", password=PASSWORD))
    assert owner.nik_lookup is None and dispute.status == "open" and dispute.holder_id == impostor.id
    assert OWNER_NIK not in dispute.nik_sealed, "the disputed NIK is sealed at rest"
    view = assurance.assurance_of(session=session, user_id=owner.id, now=now)
    assert view.open_dispute_nik == "3314********0001"

    officer, site_id = counter_officer(session)
    code = assurance.issue_counter_code(session=session, principal=as_citizen(session, owner), now=now)
    at_counter = assurance.find_for_counter(session=session, officer=officer, site_id=site_id, code=code, now=now)
    assert at_counter.dispute_nik == OWNER_NIK and at_counter.nik == ""
    assert assurance.find_for_counter(session=session, officer=officer, site_id=site_id, nik=OWNER_NIK,
                                      now=now).disputed
    assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=owner.id, check=card(OWNER_NIK),
                            now=now)

    session.refresh(impostor)
    assert accounts.nik_of(owner) == OWNER_NIK and owner.birth_date is not None
    assert impostor.nik_lookup is None and impostor.nik_sealed is None and not impostor.is_active
    suspended = session.get(IdentityAssurance, impostor.id)
    assert suspended.suspended_reason == "nik_dispute" and suspended.suspended_at == now
    assert session.get(UserSession, impostor_session.id).revoked_at == now, "the holder's sessions end"
    assert session.get(NikDispute, dispute.id).status == "resolved"
    with pytest.raises(DomainError, match="login.failed"):
        accounts.sign_in(session=session, identifier="impostor@assurance.test", password=PASSWORD, ip_address="1.1.1.1",
                         now=now)
    mailbox.collect(session, now)
    told = [m for m in mailbox.sent if m["to"] == "impostor@assurance.test" and "ditangguhkan" in m["subject"]]
    assert len(told) == 1 and "Sragen" in told[0]["body"]
    assert OWNER_NIK not in told[0]["body"]

    assurance.confirm_verification(session=session, principal=as_citizen(session, owner), now=now)
    assert assurance.is_verified(session=session, user_id=owner.id)
    steps = actions(session)
    for step in ("nik_dispute_opened", "identity_lookup", "account_suspended", "nik_dispute_resolved",
                 "identity_verification_marked", "identity_verified"):
        assert step in steps

    # a NIK of a verified account is never registered again, nor disputed
    with pytest.raises(accounts.InvalidForm) as again:
        register(session, now, nik=OWNER_NIK, email="third@assurance.test")
    assert again.value.errors["nik"].key == "nik.taken_verified"
    with pytest.raises(accounts.InvalidForm) as disputed:
        assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
            nik=OWNER_NIK, full_name="Orang Ketiga", email="third@assurance.test", phone="081234567890",
            password=PASSWORD))
    assert disputed.value.errors["nik"].key == "dispute.holder_verified"


def test_a_dispute_for_a_free_nik_or_a_second_open_one_is_refused(session, now):
    def dispute(email: str, nik: str):
        return assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
            nik=nik, full_name="Sri Lestari", email=email, phone="081234567890", password=PASSWORD))

    with pytest.raises(accounts.InvalidForm) as free:
        dispute("first@assurance.test", OWNER_NIK)
    assert free.value.errors["nik"].key == "dispute.nik_not_taken"
    register(session, now, nik=OWNER_NIK, email="impostor@assurance.test")
    owner, _ = dispute("sri@assurance.test", OWNER_NIK)
    with pytest.raises(accounts.InvalidForm) as second:
        dispute("someone@assurance.test", OWNER_NIK)
    assert second.value.errors["nik"].key == "dispute.already_open"
    with pytest.raises(ValidationError, match="dispute.already_open"):
        assurance.open_dispute(session=session, claimant_id=owner.id, nik=OTHER_NIK, now=now)
    assert len(session.exec(select(NikDispute)).all()) == 1
    holder = register(session, now, nik=OTHER_NIK, email="budi@assurance.test", name="Budi Santoso")
    with pytest.raises(ValidationError, match="dispute.claimant_has_nik"):
        assurance.open_dispute(session=session, claimant_id=holder.id, nik=OWNER_NIK, now=now)


def test_a_dispute_refusal_in_registration_lists_the_other_wrong_fields_too(session, now):
    with pytest.raises(accounts.InvalidForm) as refused:
        assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
            nik=OWNER_NIK, full_name="S", email="not-an-address", phone="081234567890", password=PASSWORD))
    assert {"nik", "full_name", "email"} <= set(refused.value.errors)
    assert refused.value.errors["nik"].key == "dispute.nik_not_taken"


# --------------------------------------------------------------------------- staff second factor


def _staff(session: Session, now, email: str, role: Role = Role.OFFICER) -> User:
    site = session.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
    user = User(full_name="Petugas Baru", email=email, password_hash=accounts.password_hasher.hash(PASSWORD),
                email_verified_at=now, created_at=now)
    session.add(user)
    session.flush()
    accounts.grant_role(session=session, user_id=user.id, role=Role.CITIZEN, now=now)
    accounts.grant_role(session=session, user_id=user.id, role=role, now=now,
                        site_id=site.id if role in (Role.OFFICER, Role.SITE_ADMIN) else None)
    session.flush()
    return user


def _session_of(session: Session, ticket: str, now) -> tuple[UserSession, str]:
    return accounts.start_session_from_ticket(session=session, ticket=ticket, ip_address="1.1.1.1", user_agent="x",
                                              now=now)


def test_a_staff_account_without_totp_must_enrol_and_its_session_opens_no_staff_handler(session, now):
    staff = _staff(session, now, "baru@assurance.test")
    result = accounts.sign_in(session=session, identifier="baru@assurance.test", password=PASSWORD,
                              ip_address="1.1.1.1", now=now)
    assert result.must_enrol_totp and result.login_ticket
    row, raw = _session_of(session, result.login_ticket, now)
    who = accounts.resolve_session(session=session, raw=raw, now=now)
    assert who.amr == ("pwd",) and not who.second_factor and who.is_staff
    with pytest.raises(NotAllowed, match="auth.second_factor_required"):
        require_second_factor(who, Role.OFFICER, Role.SITE_ADMIN)
    require_second_factor(who)  # any signed-in user: the profile (and its enrolment) opens
    require_second_factor(who, Role.CITIZEN)  # their own citizen pages too

    secret, _uri = accounts.begin_totp(session=session, principal=who)
    accounts.confirm_totp(session=session, principal=who, code=pyotp.TOTP(secret).at(now), now=now)
    upgraded = accounts.resolve_session(session=session, raw=raw, now=now)
    assert upgraded.second_factor, "the code just proved the second factor on this session"
    require_second_factor(upgraded, Role.OFFICER)
    with pytest.raises(DomainError, match="totp.required_for_staff"):
        accounts.disable_totp(session=session, principal=upgraded, password=PASSWORD, now=now)

    later = now + timedelta(minutes=1)
    assert accounts.sign_in(session=session, identifier="baru@assurance.test", password=PASSWORD,
                            ip_address="1.1.1.1", now=later).needs_second_factor
    result = accounts.sign_in(session=session, identifier="baru@assurance.test", password=PASSWORD,
                              ip_address="1.1.1.1", now=later, second_factor=pyotp.TOTP(secret).at(later))
    assert not result.must_enrol_totp
    row, raw = _session_of(session, result.login_ticket, later)
    assert row.amr == "pwd otp"
    assert accounts.resolve_session(session=session, raw=raw, now=later).amr == ("pwd", "otp")
    assert staff.totp_enabled


def test_a_citizen_is_not_asked_to_enrol(session, now):
    register(session, now, nik=OWNER_NIK, email="sri@assurance.test")
    result = accounts.sign_in(session=session, identifier=OWNER_NIK, password=PASSWORD, ip_address="1.1.1.1", now=now)
    assert not result.must_enrol_totp and result.login_ticket


def test_demo_totp_codes_and_the_cli_refuses_in_production(monkeypatch, capsys, now):
    from types import SimpleNamespace

    from mpp_digital import cli, demo

    officer = next(a for a in demo.DEMO_ACCOUNTS if a.role == Role.OFFICER)
    assert demo.demo_totp_code(officer.email, now) == pyotp.TOTP(officer.totp_secret).at(now)
    assert all(a.totp_secret for a in demo.DEMO_ACCOUNTS if a.role != Role.CITIZEN)
    with pytest.raises(KeyError):
        demo.demo_totp_code("warga@demo.mpp.go.id", now)
    assert cli.main(["demo-totp", officer.email]) == 0
    assert capsys.readouterr().out.strip().isdigit()
    monkeypatch.setattr(cli, "get_settings", lambda: SimpleNamespace(production=True))
    assert cli.main(["demo-totp", officer.email]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "refused in production" in captured.err


def test_demo_staff_sign_in_needs_the_code_and_the_demo_citizen_is_verified(session, now):
    from mpp_digital import demo

    for user in session.exec(select(User)).all():  # this test loads the demo accounts into an empty table
        pytest.skip(f"accounts already present ({user.email})")
    demo.load_demo_accounts(session, now)
    session.flush()
    officer = next(a for a in demo.DEMO_ACCOUNTS if a.role == Role.OFFICER)
    assert accounts.sign_in(session=session, identifier=officer.email, password=demo.DEMO_PASSWORD,
                            ip_address="1.1.1.1", now=now).needs_second_factor
    result = accounts.sign_in(session=session, identifier=officer.email, password=demo.DEMO_PASSWORD,
                              ip_address="1.1.1.1", now=now, second_factor=demo.demo_totp_code(officer.email, now))
    assert result.login_ticket
    citizen = session.exec(select(User).where(User.email == "warga@demo.mpp.go.id")).one()
    assert assurance.is_verified(session=session, user_id=citizen.id)
    staff = session.exec(select(User).where(User.email == officer.email)).one()
    assert sealing.unseal(staff.totp_secret_sealed, purpose=sealing.PURPOSE_TOTP) == officer.totp_secret


def test_the_standard_can_ask_for_a_verified_identity(session):
    from mpp_digital.services import catalog_editing

    service = session.exec(select(Service).where(Service.slug == "kartu-keluarga")).one()
    data = catalog_editing.service_as_data(service)
    assert data["requires_verified"] is False
    for value, expected in (("on", True), ("1", True), (True, True), ("", False), ("off", False)):
        clean = catalog_editing.validate_service(session=session, data={**data, "requires_verified": value},
                                                 service_id=service.id)
        assert clean["requires_verified"] is expected, value


def test_http_routes_outside_the_guard_drop_staff_grants_of_a_password_only_session(session, now):
    from mpp_digital.services.authz import without_unproven_staff_grants

    staff = _staff(session, now, "route@assurance.test")
    password_only = principal_for(session=session, user=staff, session_id=0)
    assert password_only.roles == {Role.CITIZEN, Role.OFFICER}
    assert without_unproven_staff_grants(password_only).roles == {Role.CITIZEN}
    with_otp = principal_for(session=session, user=staff, session_id=0, amr=("pwd", "otp"))
    assert without_unproven_staff_grants(with_otp) is with_otp
    assert without_unproven_staff_grants(None) is None


def test_reactivating_a_suspended_account_ends_its_suspension(session, now):
    from mpp_digital.services.authz import Grant, Principal

    impostor = register(session, now, nik=OWNER_NIK, email="impostor@assurance.test")
    owner, _dispute = assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
        nik=OWNER_NIK, full_name="Sri Lestari", email="sri@assurance.test", phone="081234567890", password=PASSWORD))
    officer, site_id = counter_officer(session)
    assurance.mark_verified(session=session, officer=officer, site_id=site_id, user_id=owner.id, check=card(OWNER_NIK),
                            now=now)
    assert session.get(IdentityAssurance, impostor.id).suspended_at == now
    root = User(full_name="Root", email="root@assurance.test", password_hash="x", created_at=now)
    session.add(root)
    session.flush()
    superadmin = Principal(user_id=root.id, session_id=0, full_name="Root", email=root.email, email_verified=True,
                           grants=(Grant(role=Role.SUPERADMIN),), amr=("pwd", "otp"))
    accounts.set_account_active(session=session, actor=superadmin, user_id=impostor.id, active=True, now=now)
    assert session.get(User, impostor.id).is_active and session.get(IdentityAssurance, impostor.id).suspended_at is None
    assert session.get(User, impostor.id).nik_lookup is None, "the NIK stays with its verified owner"


def test_closing_the_claimants_account_withdraws_the_dispute_and_forgets_the_nik(session, now):
    from mpp_digital.services import my_data

    register(session, now, nik=OWNER_NIK, email="impostor@assurance.test")
    owner, dispute = assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
        nik=OWNER_NIK, full_name="Sri Lestari", email="sri@assurance.test", phone="081234567890", password=PASSWORD))
    assurance.issue_counter_code(session=session, principal=as_citizen(session, owner), now=now)
    my_data.close_account(session=session, principal=as_citizen(session, owner), password=PASSWORD, now=now)
    closed = session.get(NikDispute, dispute.id)
    assert closed.status == "withdrawn" and closed.nik_sealed == ""
    assert session.get(IdentityAssurance, owner.id).counter_code_hash is None
    # the NIK may be disputed again by its real owner
    assurance.register_with_dispute(session=session, now=now, registration=accounts.Registration(
        nik=OWNER_NIK, full_name="Sri Lestari", email="sri2@assurance.test", phone="081234567890", password=PASSWORD))
