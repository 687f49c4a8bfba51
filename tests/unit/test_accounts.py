"""Account rules with an injected clock, on SQLite or (in CI) the real PostgreSQL."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from mpp_digital.errors import DomainError
from mpp_digital.models import AuditLog, LoginAttempt, Role, RoleAssignment, User, UserSession
from mpp_digital.services import accounts
from mpp_digital.services.authz import authorize

PASSWORD = "kopi tubruk di alun-alun"
NIK = "3314014107900001"


def register(session, now, mailbox, nik=NIK, email="sri@example.id", password=PASSWORD):
    user = accounts.register_citizen(
        session=session,
        registration=accounts.Registration(nik=nik, full_name="Sri  Lestari", email=email,
                                           phone="0812-3456-7890", password=password),
        now=now,
    )
    mailbox.collect(session, now)
    session.commit()
    return user


def token_from(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def sign_in_session(session, now, identifier=NIK, password=PASSWORD, ip="10.0.0.1"):
    result = accounts.sign_in(session=session, identifier=identifier, password=password, ip_address=ip, now=now)
    _row, raw = accounts.start_session_from_ticket(session=session, ticket=result.login_ticket, ip_address=ip,
                                                   user_agent="pytest", now=now)
    session.commit()
    return raw


def actions(session):
    return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]


def test_register_stores_normalised_fields_and_mails_a_link(session, now, mailbox):
    user = register(session, now, mailbox)
    assert user.phone == "+6281234567890"
    assert user.full_name == "Sri Lestari"
    assert user.sex == "P" and user.birth_date.isoformat() == "1990-07-01"
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    assert "password_hash" not in user.model_dump()
    assert mailbox.sent[-1]["to"] == "sri@example.id"
    assert "/verifikasi?token=" in mailbox.last_link()


def test_register_reports_every_bad_field(session, now, mailbox):
    with pytest.raises(accounts.InvalidForm) as exc:
        accounts.register_citizen(
            session=session,
            registration=accounts.Registration(nik="123", full_name="", email="x@", phone="021555", password="short"),
            now=now,
        )
    mailbox.collect(session, now)
    assert {k: e.key for k, e in exc.value.errors.items()} == {
        "nik": "nik.length", "full_name": "name.required", "email": "email.invalid",
        "phone": "phone.not_mobile", "password": "password.too_short",
    }
    assert mailbox.sent == []


def test_registered_nik_and_email_are_refused(session, now, mailbox):
    register(session, now, mailbox)
    with pytest.raises(accounts.InvalidForm) as exc:
        register(session, now, mailbox, email="SRI@example.id")
    assert exc.value.errors["nik"].key == "nik.taken"
    assert exc.value.errors["email"].key == "email.taken"


def test_email_verification_link_is_single_use_and_expires(session, now, mailbox):
    register(session, now, mailbox)
    raw = token_from(mailbox.last_link())
    user = accounts.verify_email(session=session, raw=raw, now=now + timedelta(hours=1))
    session.commit()
    assert user.email_verified_at is not None
    with pytest.raises(DomainError, match="token.used"):
        accounts.verify_email(session=session, raw=raw, now=now + timedelta(hours=1))
    accounts.send_verification_email(session=session, user=user, email=user.email, now=now)
    mailbox.collect(session, now)
    with pytest.raises(DomainError, match="token.expired"):
        accounts.verify_email(session=session, raw=token_from(mailbox.last_link()), now=now + timedelta(hours=25))
    with pytest.raises(DomainError, match="token.invalid"):
        accounts.verify_email(session=session, raw="forged", now=now)


def test_sign_in_by_nik_or_email(session, now, mailbox):
    register(session, now, mailbox)
    for identifier in (NIK, "3314 0141 0790 0001", "SRI@example.id"):
        result = accounts.sign_in(session=session, identifier=identifier, password=PASSWORD, ip_address="1.1.1.1",
                                  now=now)
        assert result.login_ticket and not result.needs_second_factor


def test_wrong_password_and_unknown_account_get_the_same_message(session, now, mailbox):
    register(session, now, mailbox)
    keys = []
    for identifier, password in ((NIK, "wrong password here"), ("nobody@example.id", PASSWORD)):
        with pytest.raises(DomainError) as exc:
            accounts.sign_in(session=session, identifier=identifier, password=password, ip_address="1.1.1.1", now=now)
        keys.append(exc.value.key)
    assert keys == ["login.failed", "login.failed"]
    assert actions(session).count("login_failed") == 2


def fail(session, when, identifier=NIK, ip="9.9.9.9", password="salah salah salah"):
    with pytest.raises(DomainError) as refused:
        accounts.sign_in(session=session, identifier=identifier, password=password, ip_address=ip, now=when)
    return refused.value


def test_five_failures_hold_the_account_for_fifteen_minutes(session, now, mailbox):
    register(session, now, mailbox)
    for i in range(4):
        assert fail(session, now + timedelta(minutes=i)).key == "login.failed"
    fifth = fail(session, now + timedelta(minutes=4))
    assert fifth.key == "login.held" and fifth.params == {"minutes": 15}
    # Held: even the right password from another address is refused ...
    assert fail(session, now + timedelta(minutes=10), ip="8.8.8.8", password=PASSWORD).key == "login.held"
    # ... but the address is not held for other accounts (a hall's Wi-Fi is shared).
    register(session, now, mailbox, nik="3314010101900002", email="budi@example.id")
    assert accounts.sign_in(session=session, identifier="budi@example.id", password=PASSWORD, ip_address="9.9.9.9",
                            now=now + timedelta(minutes=10)).login_ticket
    # 15 minutes after the fifth failure the hold ends.
    result = accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="8.8.8.8",
                              now=now + timedelta(minutes=19, seconds=1))
    assert result.login_ticket


def test_one_hold_per_account_whatever_identifier_is_typed(session, now, mailbox):
    """Before: NIK and email were counted apart, so an attacker had 10 guesses instead of 5."""
    register(session, now, mailbox)
    for i, identifier in enumerate((NIK, "sri@example.id", "3314 0141 0790 0001", "SRI@example.id")):
        assert fail(session, now + timedelta(minutes=i), identifier=identifier, ip=f"9.9.9.{i}").key == "login.failed"
    assert fail(session, now + timedelta(minutes=4), identifier="sri@example.id", ip="9.9.9.4").key == "login.held"
    assert fail(session, now + timedelta(minutes=5), identifier=NIK, ip="9.9.9.5", password=PASSWORD).key == \
        "login.held"


def test_a_success_on_another_account_does_not_clear_an_address(session, now, mailbox):
    """Before: a spraying address signed in to its own account now and then, and was never held."""
    register(session, now, mailbox)  # the attacker's own account
    at = now
    for i in range(accounts.ADDRESS_FREE_FAILURES):
        at = now + timedelta(seconds=20 * i)
        fail(session, at, identifier=f"korban{i}@example.id", ip="6.6.6.6", password="Password123!")
        if i % 4 == 3:  # ... with a correct sign-in to its own account in between
            accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="6.6.6.6", now=at)
    slowed = fail(session, at + timedelta(seconds=1), identifier="korban99@example.id", ip="6.6.6.6")
    assert slowed.key == "login.slow_down" and slowed.params == {"seconds": 9}
    # The address is slowed, not locked: one attempt per ADDRESS_SLOW_GAP goes ahead.
    assert fail(session, at + timedelta(seconds=10), identifier="korban99@example.id", ip="6.6.6.6").key == \
        "login.failed"
    assert fail(session, at + timedelta(seconds=11), identifier="korban98@example.id", ip="6.6.6.6").key == \
        "login.slow_down"


def test_a_halls_wifi_is_not_locked_by_a_few_peoples_typos(session, now, mailbox):
    """Before: five failures from one address (five different people) held everyone behind it."""
    register(session, now, mailbox)
    for i in range(12):
        fail(session, now + timedelta(seconds=i), identifier=f"warga{i}@example.id", ip="36.80.1.1")
    result = accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="36.80.1.1",
                              now=now + timedelta(seconds=30))
    assert result.login_ticket


def test_a_known_nik_cannot_lock_its_owner_out_of_a_known_address(session, now, mailbox):
    """Before: anyone who knew a citizen's NIK held the account for everyone, its owner included."""
    register(session, now, mailbox)
    accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="10.0.0.1",
                     now=now - timedelta(days=3))  # the owner's home network, signed in before
    session.commit()
    for i in range(5):
        fail(session, now + timedelta(minutes=i), ip="6.6.6.6")
    assert fail(session, now + timedelta(minutes=5), ip="6.6.6.6", password=PASSWORD).key == "login.held"
    assert fail(session, now + timedelta(minutes=5), ip="7.7.7.7", password=PASSWORD).key == "login.held"
    assert accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="10.0.0.1",
                            now=now + timedelta(minutes=6)).login_ticket
    # The known address has its own hold: guessing from there is no easier.
    for i in range(4):
        fail(session, now + timedelta(minutes=7, seconds=i), ip="10.0.0.1")
    assert fail(session, now + timedelta(minutes=8), ip="10.0.0.1").key == "login.held"


def test_failures_spread_over_more_than_fifteen_minutes_do_not_hold(session, now, mailbox):
    register(session, now, mailbox)
    for i in range(6):
        with pytest.raises(DomainError, match="login.failed"):
            accounts.sign_in(session=session, identifier=NIK, password="salah salah salah", ip_address="7.7.7.7",
                             now=now + timedelta(minutes=4 * i))
    assert session.exec(select(LoginAttempt)).all()


def test_login_ticket_is_single_use_and_short_lived(session, now, mailbox):
    register(session, now, mailbox)
    result = accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now)
    accounts.start_session_from_ticket(session=session, ticket=result.login_ticket, ip_address="1.1.1.1",
                                       user_agent="ua", now=now)
    with pytest.raises(DomainError, match="token.used"):
        accounts.start_session_from_ticket(session=session, ticket=result.login_ticket, ip_address="1.1.1.1",
                                           user_agent="ua", now=now)
    late = accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now)
    with pytest.raises(DomainError, match="token.expired"):
        accounts.start_session_from_ticket(session=session, ticket=late.login_ticket, ip_address="1.1.1.1",
                                           user_agent="ua", now=now + timedelta(seconds=61))


def test_session_is_stored_hashed(session, now, mailbox):
    register(session, now, mailbox)
    raw = sign_in_session(session, now)
    row = session.exec(select(UserSession)).one()
    assert row.token_hash != raw and row.token_hash == accounts.hash_secret(raw)


def test_idle_expiry_after_thirty_minutes(session, now, mailbox):
    register(session, now, mailbox)
    raw = sign_in_session(session, now)
    assert accounts.resolve_session(session=session, raw=raw, now=now + timedelta(minutes=29)) is not None
    session.commit()
    # Activity at 29 minutes moved last_seen: 29 more minutes are fine, 30 idle minutes are not.
    assert accounts.resolve_session(session=session, raw=raw, now=now + timedelta(minutes=58)) is not None
    session.commit()
    assert accounts.resolve_session(session=session, raw=raw, now=now + timedelta(minutes=88)) is None


def test_absolute_expiry_after_twelve_hours_even_when_active(session, now, mailbox):
    register(session, now, mailbox)
    raw = sign_in_session(session, now)
    for step in range(1, 36):  # active every 20 minutes until 11h40
        t = now + timedelta(minutes=20 * step)
        assert accounts.resolve_session(session=session, raw=raw, now=t) is not None
        session.commit()
    assert accounts.resolve_session(session=session, raw=raw, now=now + timedelta(hours=12)) is None


def test_sign_out_and_revoke(session, now, mailbox):
    register(session, now, mailbox)
    first = sign_in_session(session, now)
    second = sign_in_session(session, now)
    me = accounts.resolve_session(session=session, raw=first, now=now)
    other = accounts.resolve_session(session=session, raw=second, now=now)
    assert len(accounts.active_sessions(session=session, user_id=me.user_id, now=now)) == 2
    accounts.revoke_session(session=session, user_id=me.user_id, session_id=other.session_id, now=now)
    session.commit()
    assert accounts.resolve_session(session=session, raw=second, now=now) is None
    accounts.sign_out(session=session, principal=me, now=now)
    session.commit()
    assert accounts.resolve_session(session=session, raw=first, now=now) is None
    assert "logout" in actions(session)


def test_cannot_revoke_another_users_session(session, now, mailbox):
    register(session, now, mailbox)
    register(session, now, mailbox, nik="3314011203850002", email="budi@example.id")
    sri = accounts.resolve_session(session=session, raw=sign_in_session(session, now), now=now)
    budi_raw = sign_in_session(session, now, identifier="budi@example.id")
    budi = accounts.resolve_session(session=session, raw=budi_raw, now=now)
    with pytest.raises(DomainError, match="session.not_found"):
        accounts.revoke_session(session=session, user_id=sri.user_id, session_id=budi.session_id, now=now)
    assert accounts.resolve_session(session=session, raw=budi_raw, now=now) is not None


def test_change_password_revokes_other_sessions(session, now, mailbox):
    register(session, now, mailbox)
    mine, other = sign_in_session(session, now), sign_in_session(session, now)
    me = accounts.resolve_session(session=session, raw=mine, now=now)
    with pytest.raises(accounts.InvalidForm) as exc:
        accounts.change_password(session=session, principal=me, current="not it at all", new="another long one",
                                 now=now)
    assert exc.value.errors["current"].key == "password.current_wrong"
    revoked = accounts.change_password(session=session, principal=me, current=PASSWORD,
                                       new="sate kambing pak slamet", now=now)
    session.commit()
    assert revoked == 1
    assert accounts.resolve_session(session=session, raw=mine, now=now) is not None
    assert accounts.resolve_session(session=session, raw=other, now=now) is None
    assert "password_change" in actions(session)


def test_password_reset_link_valid_thirty_minutes_once(session, now, mailbox):
    register(session, now, mailbox)
    old = sign_in_session(session, now)
    accounts.request_password_reset(session=session, email="sri@example.id", now=now)
    mailbox.collect(session, now)
    raw = token_from(mailbox.last_link())
    with pytest.raises(accounts.InvalidForm):  # a weak password does not burn the link
        accounts.reset_password(session=session, raw=raw, new="password1234", now=now)
    accounts.reset_password(session=session, raw=raw, new="nasi liwet solo enak", now=now + timedelta(minutes=29))
    session.commit()
    assert accounts.resolve_session(session=session, raw=old, now=now + timedelta(minutes=29)) is None
    with pytest.raises(DomainError, match="token.used"):
        accounts.reset_password(session=session, raw=raw, new="nasi liwet solo enak", now=now)
    accounts.request_password_reset(session=session, email="sri@example.id", now=now)
    mailbox.collect(session, now)
    with pytest.raises(DomainError, match="token.expired"):
        accounts.reset_password(session=session, raw=token_from(mailbox.last_link()), new="gudeg jogja manis sekali",
                                now=now + timedelta(minutes=30))


def test_reset_for_unknown_email_sends_nothing(session, now, mailbox):
    accounts.request_password_reset(session=session, email="nobody@example.id", now=now)
    mailbox.collect(session, now)
    assert mailbox.sent == []


def test_new_email_applies_only_after_verification(session, now, mailbox):
    register(session, now, mailbox)
    me = accounts.resolve_session(session=session, raw=sign_in_session(session, now), now=now)
    pending = accounts.update_contact(session=session, principal=me, email="sri.baru@example.id",
                                      phone="+62 813 1111 2222", now=now)
    mailbox.collect(session, now)
    session.commit()
    user = session.get(User, me.user_id)
    assert pending and user.email == "sri@example.id" and user.phone == "+6281311112222"
    assert mailbox.sent[-1]["to"] == "sri.baru@example.id"
    accounts.verify_email(session=session, raw=token_from(mailbox.last_link()), now=now)
    session.commit()
    assert session.get(User, me.user_id).email == "sri.baru@example.id"


def test_password_is_rehashed_when_parameters_change(session, now, mailbox):
    user = register(session, now, mailbox)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    user.password_hash = old_hash = weak.hash(PASSWORD)
    session.add(user)
    session.commit()
    accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now)
    session.commit()
    refreshed = session.get(User, user.id)
    assert not accounts.password_hasher.check_needs_rehash(refreshed.password_hash)
    assert refreshed.password_hash != old_hash
    assert accounts.password_hasher.verify(refreshed.password_hash, PASSWORD)


def test_totp_second_factor_and_single_use_recovery_codes(session, now, mailbox):
    import pyotp

    register(session, now, mailbox)
    me = accounts.resolve_session(session=session, raw=sign_in_session(session, now), now=now)
    secret, uri = accounts.begin_totp(session=session, principal=me)
    assert uri.startswith("otpauth://totp/")
    with pytest.raises(DomainError, match="totp.wrong_code"):
        accounts.confirm_totp(session=session, principal=me, code="000000", now=now)
    codes = accounts.confirm_totp(session=session, principal=me, code=pyotp.TOTP(secret).at(now), now=now)
    session.commit()
    assert len(codes) == 10
    step = accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now)
    assert step.needs_second_factor and step.login_ticket is None
    with pytest.raises(DomainError, match="login.failed"):
        accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now,
                         second_factor="123456")
    ok = accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now,
                          second_factor=pyotp.TOTP(secret).at(now))
    assert ok.login_ticket
    assert accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now,
                            second_factor=codes[0]).login_ticket
    with pytest.raises(DomainError, match="login.failed"):
        accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="1.1.1.1", now=now,
                         second_factor=codes[0])
    assert accounts.recovery_codes_left(session=session, user_id=me.user_id) == 9


def test_role_scope_rules_and_audit(session, now, mailbox):
    from mpp_digital.errors import NotAllowed, ValidationError
    from mpp_digital.models import MppSite, Region

    user = register(session, now, mailbox)
    site = session.exec(select(MppSite)).first()
    if site is None:
        site = MppSite(slug="uji", name="MPP Uji", regency_code="33.14", address="Jl. Uji", opening_hours={})
        session.add(site)
        session.flush()
    with pytest.raises(ValidationError, match="role.needs_site"):
        accounts.grant_role(session=session, user_id=user.id, role=Role.OFFICER, now=now)
    accounts.grant_role(session=session, user_id=user.id, role=Role.OFFICER, site_id=site.id, now=now)
    accounts.grant_role(session=session, user_id=user.id, role=Role.REGIONAL_HEAD, regency_code="33.14", now=now)
    session.commit()
    who = accounts.resolve_session(session=session, raw=sign_in_session(session, now), now=now)
    assert authorize(who, Role.OFFICER, site_id=site.id) is who
    with pytest.raises(NotAllowed):
        authorize(who, Role.OFFICER, site_id=site.id + 1000)
    assert authorize(who, Role.REGIONAL_HEAD, regency_code="33.14") is who
    with pytest.raises(NotAllowed):
        authorize(who, Role.REGIONAL_HEAD, regency_code="33.02")
    with pytest.raises(NotAllowed):
        authorize(who, Role.MINISTRY)
    with pytest.raises(NotAllowed, match="auth.required"):
        authorize(None)
    assert session.get(Region, "33.14") is not None
    assert actions(session).count("role_change") == 2
    with pytest.raises(NotAllowed):  # only a superadmin may assign roles
        accounts.assign_role(session=session, actor=who, user_id=user.id, role=Role.MINISTRY, now=now)


def test_unverified_account_can_sign_in_but_not_act_where_verification_is_needed(session, now, mailbox):
    from mpp_digital.errors import NotAllowed

    register(session, now, mailbox)
    who = accounts.resolve_session(session=session, raw=sign_in_session(session, now), now=now)
    assert who is not None and not who.email_verified
    assert authorize(who, Role.CITIZEN) is who
    with pytest.raises(NotAllowed, match="auth.unverified"):
        authorize(who, Role.CITIZEN, verified=True)


def test_failed_attempts_survive_the_callers_rollback(session, now, mailbox):
    """Handlers roll back on errors (session_scope); the failures that count towards a hold must not."""
    register(session, now, mailbox)
    for i in range(5):
        try:
            accounts.sign_in(session=session, identifier=NIK, password="salah salah salah", ip_address="6.6.6.6",
                             now=now + timedelta(seconds=i))
        except DomainError:
            session.rollback()
    assert len(session.exec(select(LoginAttempt)).all()) == 5
    assert actions(session).count("login_failed") == 5
    with pytest.raises(DomainError, match="login.held"):
        accounts.sign_in(session=session, identifier=NIK, password=PASSWORD, ip_address="6.6.6.6", now=now)


def test_an_older_reset_link_stops_working_once_the_password_was_reset(session, now, mailbox):
    """Issue 11: two reset mails; the newer one is used; the older one must not set it again
    (before the fix it still worked for the rest of its 30 minutes)."""
    register(session, now, mailbox)
    accounts.request_password_reset(session=session, email="sri@example.id", now=now)
    mailbox.collect(session, now)
    older = token_from(mailbox.last_link())
    accounts.request_password_reset(session=session, email="sri@example.id", now=now)
    mailbox.collect(session, now)
    newer = token_from(mailbox.last_link())
    accounts.reset_password(session=session, raw=newer, new="nasi liwet solo enak", now=now)
    session.commit()
    with pytest.raises(DomainError, match="token.used"):
        accounts.reset_password(session=session, raw=older, new="gudeg jogja manis sekali", now=now)


def test_a_reset_link_stops_working_once_the_password_was_changed(session, now, mailbox):
    register(session, now, mailbox)
    me = accounts.resolve_session(session=session, raw=sign_in_session(session, now), now=now)
    accounts.request_password_reset(session=session, email="sri@example.id", now=now)
    mailbox.collect(session, now)
    link = token_from(mailbox.last_link())
    accounts.change_password(session=session, principal=me, current=PASSWORD, new="nasi liwet solo enak", now=now)
    session.commit()
    with pytest.raises(DomainError, match="token.used"):
        accounts.reset_password(session=session, raw=link, new="gudeg jogja manis sekali", now=now)


def test_a_grant_typed_by_an_administrator_names_its_scope_or_says_what_is_wrong(session, now, mailbox):
    from mpp_digital.models import MppSite
    from mpp_digital.services.authz import principal_for

    user = register(session, now, mailbox)
    admin = User(full_name="Superadmin", email="root@uji.example", password_hash="x", created_at=now,
                 email_verified_at=now)
    session.add(admin)
    session.flush()
    accounts.grant_role(session=session, user_id=admin.id, role=Role.SUPERADMIN, now=now)
    actor = principal_for(session=session, user=admin, session_id=0)
    site = session.exec(select(MppSite)).first()

    def grant(role, scope, user_id=user.id):
        # an officer is granted one agency present at the site (tests/unit/test_office_grants.py)
        offered = accounts.agencies_at_site(session=session, site_slug=scope) if role == Role.OFFICER else []
        accounts.grant_by_scope(session=session, actor=actor, user_id=user_id, role=role, scope=scope, now=now,
                                agency=offered[0][0] if offered else "")

    with pytest.raises(DomainError, match="user.not_found"):
        grant(Role.OFFICER, site.slug, user_id=10**9)
    with pytest.raises(DomainError, match="role.unknown_scope"):
        grant(Role.OFFICER, "no-such-mpp")
    with pytest.raises(DomainError, match="role.unknown_scope"):
        grant(Role.REGIONAL_HEAD, "33")  # a province, not a regency
    grant(Role.OFFICER, site.slug)
    grant(Role.REGIONAL_HEAD, "33.14")
    roles = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user.id)).all()
    assert {(r.role, r.site_id, r.regency_code) for r in roles} >= {(Role.OFFICER, site.id, None),
                                                                    (Role.REGIONAL_HEAD, None, "33.14")}
