"""Identity assurance through the real handlers: the code on the profile, the check at the counter,
the citizen's confirmation, a NIK dispute from the registration page, and a staff sign-in without
TOTP sent to enrolment."""

from __future__ import annotations

import json
import re

from sqlmodel import Session, select

from mpp_digital import routes
from mpp_digital.models import AuditLog, IdentityVerification, Role, User
from mpp_digital.services import accounts, assurance
from state.auth import LoginState, RegisterState
from state.identity import CounterIdentityState, IdentityState
from tests.state.conftest import PASSWORD, Account, _create_user, _site_id, call, make_tree, start_session, substate
from tests.state.test_guard_matrix import ensure_session

NIK = "3314014107900011"


def _tree(account: Account, cls, path: str = "/profil"):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)
    return root, substate(root, cls)


def _citizen(engine, key: str, nik: str) -> Account:
    from mpp_digital.clock import utcnow

    with Session(engine, expire_on_commit=False) as db:
        email = f"{key}@identity.test"
        user = accounts.register_citizen(session=db, now=utcnow(), registration=accounts.Registration(
            nik=nik, full_name="Warga Identitas", email=email, phone="081234567890", password=PASSWORD))
        db.commit()
        account = Account(key=key, user_id=user.id or 0, email=email, full_name="Warga Identitas")
    return start_session(engine, account)


def _scripts(result) -> str:
    items = result if isinstance(result, list | tuple) else [result]
    return " ".join(str(spec.args) for spec in items if spec is not None)


def test_the_counter_verifies_by_the_code_on_the_phone_and_the_citizen_confirms(accounts_by_role, engine):
    citizen = _citizen(engine, "kode", NIK)
    officer = ensure_session(engine, accounts_by_role[Role.OFFICER.value])

    _, identity = _tree(citizen, IdentityState)
    call(IdentityState.load, identity)
    assert not identity.verified and identity.level_label == "Dinyatakan sendiri"
    shown = call(IdentityState.show_code, identity)
    code = re.search(r"\d{4} \d{4}", _scripts(shown)).group(0)
    assert identity.code_shown and code.replace(" ", "") not in json.dumps(identity.dict()), "the code is not kept"

    _, counter = _tree(officer, CounterIdentityState, routes.IDENTITY_COUNTER)
    call(CounterIdentityState.load, counter)
    assert counter.site_id == str(_site_of(engine))
    call(CounterIdentityState.find, counter, {"lookup_nik": "", "lookup_code": code})
    assert counter.found and counter.full_name == "Warga Identitas" and counter.nik == NIK and not counter.error
    call(CounterIdentityState.mark, counter, {"nik_on_card": NIK, "check_name": "on", "check_nik": "on"})
    assert "foto" in counter.error.lower() or "photo" in counter.error.lower()  # the photo check was left out
    call(CounterIdentityState.mark, counter, {"nik_on_card": NIK, "check_name": "on", "check_nik": "on",
                                              "check_photo": "on"})
    assert not counter.error and "Warga Identitas" in counter.message and not counter.found

    call(IdentityState.load, identity)
    assert "Guard Officer Person" in identity.pending_text
    call(IdentityState.confirm, identity)
    assert identity.verified and identity.level_label == "Terverifikasi" and "Guard Officer Person" in \
        identity.verified_detail and identity.notice


def _site_of(engine) -> int:
    with Session(engine) as db:
        return _site_id(db)


def test_an_officer_cannot_verify_their_own_account(accounts_by_role, engine):
    with Session(engine, expire_on_commit=False) as db:
        account = _create_user(db, key="officer-own", role=Role.OFFICER, site_id=_site_id(db), regency=None)
        user = db.get(User, account.user_id)
        accounts.set_nik(user, "3314015203850017")
        db.add(user)
        db.commit()
    officer = start_session(engine, account)
    _, counter = _tree(officer, CounterIdentityState, routes.IDENTITY_COUNTER)
    call(CounterIdentityState.load, counter)
    call(CounterIdentityState.find, counter, {"lookup_nik": "3314015203850017", "lookup_code": ""})
    assert not counter.found and "sendiri" in counter.error
    with Session(engine) as db:
        assert db.exec(select(IdentityVerification).where(IdentityVerification.user_id == account.user_id)).all() == []


def test_the_registration_page_offers_a_dispute_for_a_taken_nik(accounts_by_role, engine):
    _citizen(engine, "impostor", "3314014107900012")
    root = make_tree(cookie=None, client_token="register-dispute-tab", path=routes.REGISTER)
    register = substate(root, RegisterState)
    call(RegisterState.reset_form, register)
    form = {"nik": "3314014107900012", "full_name": "Pemilik Asli", "email": "pemilik@identity.test",
            "phone": "081234567890", "password": PASSWORD}
    call(RegisterState.submit, register, form)
    assert register.nik_taken and "sudah terdaftar" in register.errors["nik"] and not register.done_email
    call(RegisterState.submit, register, {**form, "dispute": "on"})
    assert register.done_email == "pemilik@identity.test" and "3314********0012" in register.dispute_done
    with Session(engine) as db:
        owner = db.exec(select(User).where(User.email == "pemilik@identity.test")).one()
        assert owner.nik_lookup is None
        assert assurance.open_dispute_of(session=db, claimant_id=owner.id) is not None
        assert db.exec(select(AuditLog).where(AuditLog.action == "nik_dispute_opened")).first() is not None


def test_a_dispute_checkbox_without_a_taken_nik_registers_normally(accounts_by_role, engine):
    root = make_tree(cookie=None, client_token="register-plain-tab", path=routes.REGISTER)
    register = substate(root, RegisterState)
    call(RegisterState.reset_form, register)
    call(RegisterState.submit, register, {"nik": "3314014107900013", "full_name": "Warga Biasa",
                                          "email": "biasa@identity.test", "phone": "081234567890",
                                          "password": PASSWORD, "dispute": "on"})
    assert register.done_email == "biasa@identity.test" and register.dispute_done == ""


def test_a_staff_account_without_totp_signs_in_to_the_enrolment(accounts_by_role, engine):
    from mpp_digital.clock import utcnow

    with Session(engine, expire_on_commit=False) as db:
        user = User(full_name="Petugas Tanpa TOTP", email="tanpa.totp@identity.test",
                    password_hash=accounts.password_hasher.hash(PASSWORD), email_verified_at=utcnow(),
                    created_at=utcnow())
        db.add(user)
        db.flush()
        accounts.grant_role(session=db, user_id=user.id, role=Role.OFFICER, now=utcnow(), site_id=_site_id(db))
        db.commit()
    root = make_tree(cookie=None, client_token="staff-login-tab", path=routes.LOGIN)
    login = substate(root, LoginState)
    result = call(LoginState.submit, login, {"identifier": "tanpa.totp@identity.test", "password": PASSWORD})
    assert "dua-langkah%3Dwajib" in _scripts(result) or "dua-langkah=wajib" in _scripts(result)

    account = start_session(engine, Account(key="tanpa-totp", user_id=user.id, email=user.email,
                                            full_name=user.full_name))
    _, identity = _tree(account, IdentityState)
    call(IdentityState.load, identity)
    assert "wajib" in identity.twofactor_banner


def test_the_consent_page_says_a_self_declared_nik_is_not_given(accounts_by_role, engine):
    from urllib.parse import urlencode

    from reflex_base import constants

    from mpp_digital.models import OAuthClient
    from state.sso import ConsentState
    from tests.identity_support import verify_identity
    from tests.sso_support import register_app

    citizen = _citizen(engine, "consent-nik", "3314014107900014")
    with Session(engine, expire_on_commit=False) as db:
        app = register_app(db, name="SIAK Uji NIK", redirect_uri="http://127.0.0.1:19/cb",
                           scopes=("openid", "profile", "nik"), legal_basis="UU 24/2013 tentang Administrasi Kependudukan")
    query = {"client_id": app.client_id, "redirect_uri": app.redirect_uri, "scope": "openid nik",
             "response_type": "code"}

    def consent_page():
        root = make_tree(cookie=citizen.cookie_header, client_token=citizen.client_token, path=routes.SSO_CONSENT)
        root.router_data = root._update_router_vars(
            {**root.router_data, constants.RouteVar.ORIGIN: f"{routes.SSO_CONSENT}?{urlencode(query)}"},
            root.router_data)
        page = substate(root, ConsentState)
        call(ConsentState.load, page)
        return page

    page = consent_page()
    assert page.client_name == "SIAK Uji NIK" and page.nik_withheld, (page.error, page.router.url.query_parameters)
    with Session(engine, expire_on_commit=False) as db:
        verify_identity(db, db.get(User, citizen.user_id))
    assert not consent_page().nik_withheld
    with Session(engine) as db:
        db.delete(db.exec(select(OAuthClient).where(OAuthClient.client_id == app.client_id)).one())
        db.commit()
