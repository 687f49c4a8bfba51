"""Single sign-on rules without HTTP: the client registry, consent, subjects, signing keys, the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import AuditLog, OAuthClient, OAuthSigningKey, Role
from mpp_digital.services import accounts, sso, sso_keys
from mpp_digital.services.authz import Grant, Principal, principal_for
from tests.sso_support import agency_id, make_user, ministry, register_app


def registration(db, **changes) -> sso.ClientRegistration:
    values = {"name": "SIAK Online", "agency_id": agency_id(db), "redirect_uris": ["https://siak.example.go.id/cb"]}
    values.update(changes)
    return sso.ClientRegistration(**values)


def test_client_secret_is_shown_once_and_stored_hashed(session, now):
    client, secret = sso.register_client(session=session, actor=ministry(session), registration=registration(session),
                                         now=now)
    assert secret and len(secret) >= 40
    assert client.secret_hash == accounts.hash_secret(secret) and secret not in client.secret_hash
    assert sso.check_client_secret(client, secret) and not sso.check_client_secret(client, secret + "x")
    audit = session.exec(select(AuditLog).where(AuditLog.action == "sso_client_registered")).one()
    assert secret not in json.dumps(audit.detail)
    new = sso.rotate_client_credentials(session=session, actor=ministry(session), client_id=client.client_id, now=now)
    assert new != secret and sso.check_client_secret(client, new) and not sso.check_client_secret(client, secret)


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICER, Role.SITE_ADMIN, Role.REGIONAL_HEAD])
def test_only_the_ministry_keeps_the_registry(session, now, role):
    actor = Principal(user_id=1, session_id=0, full_name="x", email="x@x", email_verified=True,
                      grants=(Grant(role=role, site_id=1, regency_code="33.14"),))
    with pytest.raises(NotAllowed):
        sso.register_client(session=session, actor=actor, registration=registration(session), now=now)


@pytest.mark.parametrize(("changes", "field"), [
    ({"redirect_uris": ["http://siak.example.go.id/cb"]}, "redirect_uris"),  # http off loopback
    ({"redirect_uris": ["https://siak.example.go.id/cb#x"]}, "redirect_uris"),
    ({"redirect_uris": ["https://*.example.go.id/cb"]}, "redirect_uris"),
    ({"redirect_uris": []}, "redirect_uris"),
    ({"scopes": ["openid", "nik"]}, "nik_legal_basis"),  # nik needs a legal basis
    ({"scopes": ["profile"]}, "scopes"),
    ({"scopes": ["openid", "salary"]}, "scopes"),
    ({"auth_method": "client_secret_post"}, "auth_method"),
    ({"auth_method": "private_key_jwt", "jwks": None}, "jwks"),
    ({"agency_id": 999999}, "agency"),
    ({"name": "x"}, "name"),
])
def test_registration_is_checked(session, now, changes, field):
    with pytest.raises(accounts.InvalidForm) as caught:
        sso.register_client(session=session, actor=ministry(session), registration=registration(session, **changes),
                            now=now)
    assert field in caught.value.errors


def test_private_jwks_are_refused(session, now):
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, private=True)
    with pytest.raises(accounts.InvalidForm) as caught:
        sso.register_client(session=session, actor=ministry(session), now=now, registration=registration(
            session, auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=True)]}))
    assert caught.value.errors["jwks"].key == "sso.jwks.private"


def test_pairwise_subject_is_stable_per_client_and_differs_between_clients():
    a = sso.pairwise_subject(client_id="mpp-a", user_id=7)
    assert a == sso.pairwise_subject(client_id="mpp-a", user_id=7)
    assert a != sso.pairwise_subject(client_id="mpp-b", user_id=7)
    assert a != sso.pairwise_subject(client_id="mpp-a", user_id=8)
    assert len(a) == 43  # base64url of an HMAC-SHA256: nothing of the user id shows


def test_claims_follow_the_scopes(session):
    user = make_user(session, email="claims@sso.test", nik="3314014107900009")
    assert set(sso.claims_for(user=user, client_id="c", scopes="openid")) == {"sub"}
    assert set(sso.claims_for(user=user, client_id="c", scopes="openid profile email phone nik", verified=True)) == {
        "sub", "name", "email", "email_verified", "phone_number", "nik"}


def test_the_nik_claim_is_released_only_for_a_verified_account(session):
    user = make_user(session, email="selfdeclared@sso.test", nik="3314014107900009")
    assert "nik" not in sso.claims_for(user=user, client_id="c", scopes="openid nik")
    assert sso.claims_for(user=user, client_id="c", scopes="openid nik", verified=True)["nik"] == "3314014107900009"


def test_consent_list_and_revocation_are_per_user(session, now):
    sri = make_user(session, email="sri@consent.test")
    budi = make_user(session, email="budi@consent.test")
    app = register_app(session)
    for user in (sri, budi):
        sso.grant_consent(session=session, principal=principal_for(session=session, user=user, session_id=0),
                          client_id=app.client_id, redirect_uri=app.redirect_uri, scope="openid email", now=now)
    apps = sso.connected_apps(session=session, user_id=sri.id)
    assert [a.client_id for a in apps] == [app.client_id] and apps[0].scopes == ["openid", "email"]
    sso.revoke_consent(session=session, principal=principal_for(session=session, user=sri, session_id=0),
                       client_id=app.client_id, now=now)
    assert sso.connected_apps(session=session, user_id=sri.id) == []
    assert len(sso.connected_apps(session=session, user_id=budi.id)) == 1, "another user's consent stays"
    with pytest.raises(DomainError):
        sso.revoke_consent(session=session, principal=principal_for(session=session, user=sri, session_id=0),
                           client_id=app.client_id, now=now)


def test_consent_needs_a_valid_request(session, now):
    user = make_user(session, email="x@consent.test")
    app = register_app(session)
    who = principal_for(session=session, user=user, session_id=0)
    for redirect, scope in (("https://evil.example/cb", "openid"), (app.redirect_uri, "openid nik"),
                            (app.redirect_uri, "profile")):
        with pytest.raises(DomainError):
            sso.grant_consent(session=session, principal=who, client_id=app.client_id, redirect_uri=redirect,
                              scope=scope, now=now)


def test_private_keys_are_encrypted_and_never_published(session, now):
    row = sso_keys.active_key(session=session, now=now)
    assert "PRIVATE KEY" not in row.private_key_encrypted and row.private_key_encrypted.startswith("v1.")
    assert set(row.public_jwk) >= {"kty", "n", "e", "kid"} and "d" not in row.public_jwk
    assert sso_keys.signing_key(session=session, now=now).kid == row.kid


def test_a_key_cannot_be_decrypted_with_another_secret(session, now, monkeypatch):
    from mpp_digital.settings import get_settings

    row = sso_keys.active_key(session=session, now=now)
    monkeypatch.setenv("MPP_SECRET_KEY", "another-secret")
    get_settings.cache_clear()
    try:
        with pytest.raises(Exception):  # noqa: B017 - AES-GCM refuses a wrong key (InvalidTag)
            sso_keys._decrypt(row.private_key_encrypted, row.kid)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_rotation_publishes_retired_keys_until_their_tokens_expire(session, now):
    first = sso_keys.active_key(session=session, now=now).kid
    second, retired, _ = sso_keys.rotate(session=session, now=now)
    assert first in retired
    assert {first, second} <= {k["kid"] for k in sso_keys.jwks(session=session, now=now)["keys"]}
    edge = now + sso_keys.ID_TOKEN_TTL + sso_keys.PUBLISH_MARGIN
    assert first in {k["kid"] for k in sso_keys.jwks(session=session, now=edge - timedelta(seconds=1))["keys"]}
    assert first not in {k["kid"] for k in sso_keys.jwks(session=session, now=edge)["keys"]}


def test_cli_rotate_keys_and_register_client(session, database_url, monkeypatch, capsys):
    from mpp_digital import cli
    from mpp_digital.settings import get_settings

    actor = make_user(session, email="kemen@cli.test")
    accounts.grant_role(session=session, user_id=actor.id, role=Role.MINISTRY, now=utcnow())
    session.commit()
    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        before = set(session.exec(select(OAuthSigningKey.kid)).all())
        assert cli.main(["rotate-keys"]) == 0
        assert "is active" in capsys.readouterr().out
        session.expire_all()
        assert set(session.exec(select(OAuthSigningKey.kid)).all()) - before
        assert cli.main(["register-client", "--as", "kemen@cli.test", "--name", "SIAK Online", "--agency",
                         "dukcapil", "--redirect-uri", "http://127.0.0.1:15/cb", "--scope", "openid",
                         "--scope", "email"]) == 0
        printed = json.loads(capsys.readouterr().out)
        client = session.exec(select(OAuthClient).where(OAuthClient.client_id == printed["client_id"])).one()
        assert sso.check_client_secret(client, printed["client_secret"])
        assert cli.main(["register-client", "--as", "kemen@cli.test", "--name", "Bad", "--agency", "dukcapil",
                         "--redirect-uri", "http://evil.example/cb"]) == 2
    finally:
        get_settings.cache_clear()
