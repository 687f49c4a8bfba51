"""The OpenID Connect provider through its real HTTP endpoints (uvicorn on a free port, httpx).

Every flow of the issue, and every negative case with the OAuth error code it must get.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import select

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.models import AuditLog, ClaimRelease, OAuthAuthorizationCode, OAuthSigningKey, UserSession
from mpp_digital.services import accounts, my_data, sso, sso_keys
from tests.identity_support import verify_identity
from tests.sso_support import AgencyApp, make_user, pkce, portal_cookie, query_of, register_app

OAUTH_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
                "invalid_scope", "access_denied", "unsupported_response_type", "invalid_token",
                "insufficient_scope", "login_required", "consent_required", "unsupported_token_type"}


@pytest.fixture()
def http(issuer: str, session) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=issuer, follow_redirects=False, timeout=20) as client:
        yield client


@pytest.fixture()
def citizen(session):
    return make_user(session, email="sri@sso.test", nik="3314014107900001", name="Sri Lestari")


@pytest.fixture()
def cookie(session, citizen) -> str:
    return portal_cookie(session, citizen)


@pytest.fixture()
def app(session) -> AgencyApp:
    return register_app(session)


# --------------------------------------------------------------------------- helpers


def authorize(http: httpx.Client, app: AgencyApp, cookie: str | None, *, scope: str = "openid profile email",
              challenge: str | None = None, method: str | None = "S256", **extra: str) -> httpx.Response:
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
              "scope": scope, "state": "state-123", "nonce": "nonce-" + secrets.token_hex(8)}
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    params.update(extra)
    headers = {"Cookie": f"{routes.SESSION_COOKIE}={cookie}"} if cookie else {}
    return http.get(routes.OAUTH_AUTHORIZE, params=params, headers=headers)


def consent(session, citizen, app: AgencyApp, scope: str = "openid profile email") -> None:
    """What the consent page does when the citizen presses "Izinkan"."""
    from mpp_digital.services.authz import principal_for

    sso.grant_consent(session=session, principal=principal_for(session=session, user=citizen, session_id=0),
                      client_id=app.client_id, redirect_uri=app.redirect_uri, scope=scope, now=utcnow())
    session.commit()


def get_code(http, session, citizen, cookie, app, scope="openid profile email", **extra) -> tuple[str, str]:
    """Consent, then a code for the app; returns (code, verifier)."""
    consent(session, citizen, app, scope)
    verifier, challenge = pkce()
    response = authorize(http, app, cookie, scope=scope, challenge=challenge, **extra)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(app.redirect_uri + "?")
    params = query_of(location)
    assert params["state"] == "state-123"
    return params["code"], verifier


def exchange(http, app: AgencyApp, code: str, verifier: str | None, *, secret: str | None = None,
             redirect_uri: str | None = None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri or app.redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return http.post(routes.OAUTH_TOKEN, data=data, auth=(app.client_id, secret or app.secret or ""))


def sign_in(http, session, citizen, cookie, app, scope="openid profile email", **extra) -> dict:
    code, verifier = get_code(http, session, citizen, cookie, app, scope, **extra)
    response = exchange(http, app, code, verifier)
    assert response.status_code == 200, response.text
    return response.json()


def refresh(http, app: AgencyApp, refresh_token: str) -> httpx.Response:
    return http.post(routes.OAUTH_TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                     auth=(app.client_id, app.secret or ""))


def userinfo(http, access_token: str) -> httpx.Response:
    return http.get(routes.OAUTH_USERINFO, headers={"Authorization": f"Bearer {access_token}"})


def verify_id_token(http, id_token: str, app: AgencyApp, issuer: str) -> dict:
    keys = KeySet.import_key_set(http.get(routes.OAUTH_JWKS).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": issuer}, aud={"essential": True, "value": app.client_id},
                          exp={"essential": True}, sub={"essential": True}).validate(token.claims)
    assert token.header["kid"] in {k["kid"] for k in http.get(routes.OAUTH_JWKS).json()["keys"]}
    return dict(token.claims)


def error_of(response: httpx.Response) -> str:
    """The OAuth error code of a response, wherever it is (JSON body, redirect query, error page)."""
    assert response.status_code != 500, response.text
    if response.status_code in (302, 303):
        return query_of(response.headers["location"]).get("error", "")
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json().get("error", "")
    marker = 'id="oauth-error">'
    text = response.text
    return text[text.index(marker) + len(marker):text.index("</code>", text.index(marker))]


# --------------------------------------------------------------------------- discovery


def test_discovery_and_jwks(http, issuer):
    meta = http.get(routes.OIDC_DISCOVERY).json()
    assert meta["issuer"] == issuer
    assert meta["authorization_endpoint"] == issuer + routes.OAUTH_AUTHORIZE
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "private_key_jwt"}
    assert meta["subject_types_supported"] == ["pairwise"]
    assert "nik" in meta["scopes_supported"]
    keys = http.get(meta["jwks_uri"].removeprefix(issuer)).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] and k["alg"] == "RS256" for k in keys)
    assert not any(private in key for key in keys for private in ("d", "p", "q", "dp", "dq", "qi"))


# --------------------------------------------------------------------------- sign-in and consent


def test_not_signed_in_goes_to_masuk_and_comes_back(http, app):
    _verifier, challenge = pkce()
    response = authorize(http, app, None, challenge=challenge)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(routes.LOGIN + "?next=")
    back = unquote(location.split("next=", 1)[1])
    assert routes.safe_next(back) == back and back.startswith(routes.OAUTH_AUTHORIZE + "?")
    assert f"client_id={app.client_id}" in back and "code_challenge=" + challenge in back


def test_signed_in_without_consent_goes_to_the_consent_page(http, app, cookie):
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(routes.SSO_CONSENT + "?")
    assert query_of(location)["client_id"] == app.client_id


def test_code_flow_with_pkce_id_token_and_userinfo(http, session, citizen, cookie, app, issuer):
    tokens = sign_in(http, session, citizen, cookie, app, nonce="nonce-456")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 600
    assert tokens["access_token"] and tokens["refresh_token"] and tokens["id_token"]
    claims = verify_id_token(http, tokens["id_token"], app, issuer)
    assert claims["nonce"] == "nonce-456"
    assert claims["sub"] == sso.pairwise_subject(client_id=app.client_id, user_id=citizen.id)
    assert claims["name"] == "Sri Lestari" and claims["email"] == "sri@sso.test"
    assert "nik" not in claims and "phone_number" not in claims
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    portal = session.exec(select(UserSession).where(UserSession.user_id == citizen.id)).first()
    assert claims["auth_time"] == int(portal.created_at.timestamp())
    info = userinfo(http, tokens["access_token"])
    assert info.status_code == 200
    assert info.json() == {"sub": claims["sub"], "name": "Sri Lestari", "email": "sri@sso.test",
                           "email_verified": True, "acr": "urn:mpp:loa:self-declared"}
    assert claims["acr"] == "urn:mpp:loa:self-declared" and claims["amr"] == ["pwd"]



def test_every_release_of_claims_is_recorded_for_data_saya(http, session, citizen, cookie, app):
    """The ID token (token endpoint) and the userinfo answer each record which claims went to which app."""
    tokens = sign_in(http, session, citizen, cookie, app)
    assert userinfo(http, tokens["access_token"]).status_code == 200
    session.expire_all()
    rows = session.exec(select(ClaimRelease).where(ClaimRelease.user_id == citizen.id).order_by(ClaimRelease.id)).all()
    assert [r.endpoint for r in rows] == ["token", "userinfo"]
    assert all(r.claims == ["acr", "email", "email_verified", "name", "sub"] for r in rows)
    listed = my_data.releases(session=session, user_id=citizen.id)
    assert [r.endpoint for r in listed] == ["userinfo", "token"] and {r.app for r in listed} == {"SIAK Online Sragen"}


def test_token_responses_are_not_cached(http, session, citizen, cookie, app):
    code, verifier = get_code(http, session, citizen, cookie, app)
    response = exchange(http, app, code, verifier)
    assert response.headers["cache-control"] == "no-store"


def test_a_second_app_signs_in_without_a_password_and_sees_another_sub(http, session, citizen, cookie, app):
    other = register_app(session, name="Perizinan Kesehatan", redirect_uri="http://127.0.0.1:10/cb")
    first = userinfo(http, sign_in(http, session, citizen, cookie, app)["access_token"]).json()
    second = userinfo(http, sign_in(http, session, citizen, cookie, other)["access_token"]).json()
    assert first["email"] == second["email"]
    assert first["sub"] != second["sub"], "two agencies must not be able to correlate one citizen"


def test_consent_is_remembered_and_prompt_consent_asks_again(http, session, citizen, cookie, app):
    sign_in(http, session, citizen, cookie, app)
    _verifier, challenge = pkce()
    assert authorize(http, app, cookie, challenge=challenge).headers["location"].startswith(app.redirect_uri)
    asked = authorize(http, app, cookie, challenge=challenge, prompt="consent")
    assert asked.headers["location"].startswith(routes.SSO_CONSENT)
    wider = authorize(http, app, cookie, challenge=challenge, scope="openid profile email phone")
    assert wider.headers["location"].startswith(routes.SSO_CONSENT), "a new scope needs new consent"


def test_denied_consent_returns_access_denied_with_state(http, app, cookie):
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge, mpp_consent="deny")
    assert response.headers["location"].startswith(app.redirect_uri)
    params = query_of(response.headers["location"])
    assert (params["error"], params["state"]) == ("access_denied", "state-123")


def test_a_reused_nonce_is_refused(http, session, citizen, cookie, app):
    get_code(http, session, citizen, cookie, app, nonce="once")
    _verifier, challenge = pkce()
    assert error_of(authorize(http, app, cookie, challenge=challenge, nonce="once")) == "invalid_request"


def test_prompt_none(http, session, citizen, app, cookie):
    _verifier, challenge = pkce()
    assert error_of(authorize(http, app, None, challenge=challenge, prompt="none")) == "login_required"
    assert error_of(authorize(http, app, cookie, challenge=challenge, prompt="none")) == "consent_required"
    consent(session, citizen, app)
    ok = authorize(http, app, cookie, challenge=challenge, prompt="none")
    assert "code" in query_of(ok.headers["location"])


def test_prompt_login_asks_for_the_password_again_after_a_while(http, session, citizen, app, cookie):
    consent(session, citizen, app)
    row = session.exec(select(UserSession).where(UserSession.user_id == citizen.id)).first()
    row.created_at = utcnow() - timedelta(minutes=10)
    session.add(row)
    session.commit()
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge, prompt="login")
    assert response.headers["location"].startswith(routes.LOGIN + "?next=")
    assert response.headers["location"].endswith("&ulang=1")
    assert "code" in query_of(authorize(http, app, cookie, challenge=challenge).headers["location"])
    old = authorize(http, app, cookie, challenge=challenge, max_age="300")
    assert old.headers["location"].startswith(routes.LOGIN), "signed in 10 minutes ago: too old for max_age=300"
    fresh = portal_cookie(session, citizen)
    again = authorize(http, app, fresh, challenge=challenge, max_age="0")
    assert "code" in query_of(again.headers["location"]), "a sign-in just now satisfies max_age=0 (no loop)"


# --------------------------------------------------------------------------- negative cases of the issue


def test_wrong_redirect_uri_is_refused_without_redirecting(http, app, cookie):
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge, redirect_uri="http://127.0.0.1:9/cb/../evil")
    assert response.status_code == 400 and "location" not in response.headers
    assert error_of(response) == "invalid_request"
    prefix = authorize(http, app, cookie, challenge=challenge, redirect_uri=app.redirect_uri + "x")
    assert prefix.status_code == 400 and error_of(prefix) == "invalid_request"


def test_wrong_redirect_uri_at_the_token_endpoint(http, session, citizen, cookie, app):
    code, verifier = get_code(http, session, citizen, cookie, app)
    response = exchange(http, app, code, verifier, redirect_uri="http://127.0.0.1:9/other")
    assert error_of(response) == "invalid_grant"


def test_missing_pkce_is_refused_for_a_confidential_client(http, app, cookie):
    response = authorize(http, app, cookie, challenge=None, method=None)
    assert response.headers["location"].startswith(app.redirect_uri)
    assert error_of(response) == "invalid_request"
    assert query_of(response.headers["location"])["state"] == "state-123"


@pytest.mark.parametrize("method", ["plain", None])
def test_plain_pkce_is_refused(http, app, cookie, method):
    verifier, _challenge = pkce()
    response = authorize(http, app, cookie, challenge=verifier, method=method)  # plain: challenge == verifier
    assert error_of(response) == "invalid_request"
    assert "S256" in query_of(response.headers["location"])["error_description"]


def test_token_request_without_or_with_a_wrong_verifier(http, session, citizen, cookie, app):
    code, _verifier = get_code(http, session, citizen, cookie, app)
    assert error_of(exchange(http, app, code, None)) == "invalid_request"
    code, _verifier = get_code(http, session, citizen, cookie, app)
    assert error_of(exchange(http, app, code, pkce()[0])) == "invalid_grant"


def test_replayed_code_is_refused_and_revokes_the_tokens_issued_from_it(http, session, citizen, cookie, app):
    code, verifier = get_code(http, session, citizen, cookie, app)
    first = exchange(http, app, code, verifier)
    assert first.status_code == 200
    replay = exchange(http, app, code, verifier)
    assert error_of(replay) == "invalid_grant"
    assert "already used" in replay.json()["error_description"]
    assert error_of(userinfo(http, first.json()["access_token"])) == "invalid_token"
    assert error_of(refresh(http, app, first.json()["refresh_token"])) == "invalid_grant"
    assert session.exec(select(AuditLog).where(AuditLog.action == "sso_code_replayed")).first() is not None


def test_expired_code_is_refused(http, session, citizen, cookie, app):
    code, verifier = get_code(http, session, citizen, cookie, app)
    row = session.exec(select(OAuthAuthorizationCode).where(
        OAuthAuthorizationCode.code_hash == accounts.hash_secret(code))).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    response = exchange(http, app, code, verifier)
    assert error_of(response) == "invalid_grant" and "expired" in response.json()["error_description"]


def test_wrong_client_secret(http, session, citizen, cookie, app):
    code, verifier = get_code(http, session, citizen, cookie, app)
    response = exchange(http, app, code, verifier, secret="not-the-secret")
    assert response.status_code == 401 and error_of(response) == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    post = http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": app.redirect_uri, "code_verifier": verifier,
                                               "client_id": app.client_id, "client_secret": app.secret})
    assert error_of(post) == "invalid_client", "client_secret_post is not an accepted method"
    assert exchange(http, app, code, verifier).status_code == 200, "a refused client does not spend the code"


def test_nik_for_a_client_without_legal_basis(http, app, cookie):
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge, scope="openid profile nik")
    assert error_of(response) == "invalid_scope"
    assert "legal basis" in query_of(response.headers["location"])["error_description"]


def test_nik_for_a_client_with_legal_basis(http, session, citizen, cookie):
    dukcapil = register_app(session, name="SIAK Terpusat", redirect_uri="http://127.0.0.1:11/cb",
                            scopes=("openid", "profile", "nik"),
                            legal_basis="UU 24/2013 jo. Permendagri 17/2023 tentang akses data kependudukan")
    tokens = sign_in(http, session, citizen, cookie, dukcapil, scope="openid nik")
    assert "nik" not in userinfo(http, tokens["access_token"]).json(), "a self-declared NIK is not passed on"
    verify_identity(session, citizen)
    tokens = sign_in(http, session, citizen, cookie, dukcapil, scope="openid nik")
    info = userinfo(http, tokens["access_token"]).json()
    assert info["nik"] == "3314014107900001" and info["acr"] == "urn:mpp:loa:verified"


def test_unknown_scope_is_invalid_scope(http, app, cookie):
    _verifier, challenge = pkce()
    assert error_of(authorize(http, app, cookie, challenge=challenge, scope="openid payroll")) == "invalid_scope"


# --------------------------------------------------------------------------- refresh, revocation, consent


def test_refresh_tokens_rotate_and_reuse_revokes_the_family(http, session, citizen, cookie, app):
    tokens = sign_in(http, session, citizen, cookie, app)
    rotated = refresh(http, app, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    fresh = rotated.json()
    assert fresh["refresh_token"] != tokens["refresh_token"] and fresh["access_token"] != tokens["access_token"]
    assert userinfo(http, fresh["access_token"]).status_code == 200
    again = refresh(http, app, fresh["refresh_token"])
    assert again.status_code == 200
    latest = again.json()

    reuse = refresh(http, app, tokens["refresh_token"])  # the first, long rotated
    assert error_of(reuse) == "invalid_grant" and "already used" in reuse.json()["error_description"]
    assert error_of(userinfo(http, latest["access_token"])) == "invalid_token"
    assert error_of(refresh(http, app, latest["refresh_token"])) == "invalid_grant"
    assert session.exec(select(AuditLog).where(AuditLog.action == "sso_refresh_reused")).first() is not None


def test_another_clients_refresh_token_is_invalid_grant(http, session, citizen, cookie, app):
    other = register_app(session, name="Aplikasi Lain", redirect_uri="http://127.0.0.1:12/cb")
    tokens = sign_in(http, session, citizen, cookie, app)
    assert error_of(refresh(http, other, tokens["refresh_token"])) == "invalid_grant"
    assert refresh(http, app, tokens["refresh_token"]).status_code == 200, "not spent by the wrong client"


def test_revocation_endpoint_revokes_the_family(http, session, citizen, cookie, app):
    tokens = sign_in(http, session, citizen, cookie, app)
    response = http.post(routes.OAUTH_REVOKE, data={"token": tokens["refresh_token"],
                                                    "token_type_hint": "refresh_token"},
                         auth=(app.client_id, app.secret))
    assert response.status_code == 200
    assert error_of(userinfo(http, tokens["access_token"])) == "invalid_token"
    assert error_of(refresh(http, app, tokens["refresh_token"])) == "invalid_grant"
    unknown = http.post(routes.OAUTH_REVOKE, data={"token": "no-such-token"}, auth=(app.client_id, app.secret))
    assert unknown.status_code == 200, "RFC 7009: an unknown token is not an error"
    wrong = http.post(routes.OAUTH_REVOKE, data={"token": "x"}, auth=(app.client_id, "bad"))
    assert error_of(wrong) == "invalid_client"


def test_revoking_consent_revokes_the_tokens(http, session, citizen, cookie, app):
    from mpp_digital.services.authz import principal_for

    tokens = sign_in(http, session, citizen, cookie, app)
    revoked = sso.revoke_consent(session=session, principal=principal_for(session=session, user=citizen, session_id=0),
                                 client_id=app.client_id, now=utcnow())
    session.commit()
    assert revoked == 1
    assert error_of(userinfo(http, tokens["access_token"])) == "invalid_token"
    assert error_of(refresh(http, app, tokens["refresh_token"])) == "invalid_grant"
    _verifier, challenge = pkce()
    assert authorize(http, app, cookie, challenge=challenge).headers["location"].startswith(routes.SSO_CONSENT)


def test_disabled_client_is_refused_everywhere(http, session, citizen, cookie, app):
    from tests.sso_support import ministry

    tokens = sign_in(http, session, citizen, cookie, app)
    sso.set_client_active(session=session, actor=ministry(session), client_id=app.client_id, active=False, now=utcnow())
    session.commit()
    _verifier, challenge = pkce()
    assert error_of(authorize(http, app, cookie, challenge=challenge)) == "invalid_client"
    assert error_of(refresh(http, app, tokens["refresh_token"])) == "invalid_client"
    assert error_of(userinfo(http, tokens["access_token"])) == "invalid_token"


def test_userinfo_errors(http, session, citizen, cookie, app):
    missing = http.get(routes.OAUTH_USERINFO)
    assert missing.status_code == 401 and error_of(missing) in {"invalid_request", "missing_authorization"} | {""}
    assert "bearer" in missing.headers.get("www-authenticate", "").lower()
    bad = userinfo(http, "not-a-token")
    assert bad.status_code == 401 and error_of(bad) == "invalid_token"


# --------------------------------------------------------------------------- logout and keys


def test_rp_initiated_logout_ends_the_portal_session_and_the_apps_tokens(http, session, citizen, cookie, app):
    tokens = sign_in(http, session, citizen, cookie, app)
    response = http.get(routes.OAUTH_END_SESSION, params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": app.logout_uri, "state": "bye"},
        headers={"Cookie": f"{routes.SESSION_COOKIE}={cookie}"})
    assert response.status_code == 302
    assert response.headers["location"] == app.logout_uri + "?state=bye"
    assert f'{routes.SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert accounts.resolve_session(session=session, raw=cookie, now=utcnow()) is None
    assert error_of(userinfo(http, tokens["access_token"])) == "invalid_token"
    _verifier, challenge = pkce()
    assert authorize(http, app, cookie, challenge=challenge).headers["location"].startswith(routes.LOGIN)


def test_logout_errors(http, session, citizen, cookie, app):
    tokens = sign_in(http, session, citizen, cookie, app)
    garbage = http.get(routes.OAUTH_END_SESSION, params={"id_token_hint": "abc.def.ghi"})
    assert garbage.status_code == 400 and error_of(garbage) == "invalid_request"
    unregistered = http.get(routes.OAUTH_END_SESSION, params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"})
    assert unregistered.headers["location"] == f"{routes.LOGIN}?keluar=1", "no redirect to an unregistered URI"
    no_hint = http.get(routes.OAUTH_END_SESSION)
    assert no_hint.headers["location"] == routes.PROFILE, "a link never signs out: the profile's button does"


def test_key_rotation_keeps_old_tokens_verifiable_until_they_expire(http, session, citizen, cookie, app, issuer):
    before = sign_in(http, session, citizen, cookie, app)["id_token"]
    old_kid = jwt.decode(before, KeySet.import_key_set(http.get(routes.OAUTH_JWKS).json())).header["kid"]

    now = utcnow()
    new_kid, retired, _purged = sso_keys.rotate(session=session, now=now)
    session.commit()
    assert old_kid in retired
    published = {k["kid"] for k in http.get(routes.OAUTH_JWKS).json()["keys"]}
    assert {old_kid, new_kid} <= published
    assert verify_id_token(http, before, app, issuer)["email"] == "sri@sso.test", "old token still verifies"
    after = sign_in(http, session, citizen, cookie, app)["id_token"]
    assert jwt.decode(after, KeySet.import_key_set(http.get(routes.OAUTH_JWKS).json())).header["kid"] == new_kid

    later = now + sso_keys.ID_TOKEN_TTL + sso_keys.PUBLISH_MARGIN + timedelta(seconds=1)
    assert old_kid not in {r.kid for r in sso_keys.published_keys(session=session, now=later)}
    _kid, _retired, purged = sso_keys.rotate(session=session, now=later)
    session.commit()
    assert old_kid in purged
    assert session.exec(select(OAuthSigningKey).where(OAuthSigningKey.kid == old_kid)).first() is None


def test_private_key_jwt_client_authentication(http, session, citizen, cookie, issuer):
    key = RSAKey.generate_key(2048, parameters={"kid": "agency-1"}, private=True)
    app = register_app(session, name="Perizinan OSS Daerah", redirect_uri="http://127.0.0.1:13/cb",
                       auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=False)]})
    assert app.secret is None

    def assertion(jti: str) -> str:
        now = int(time.time())
        return jwt.encode({"alg": "RS256", "kid": "agency-1"},
                          {"iss": app.client_id, "sub": app.client_id, "aud": issuer + routes.OAUTH_TOKEN,
                           "jti": jti, "iat": now, "exp": now + 60}, key)

    code, verifier = get_code(http, session, citizen, cookie, app)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri,
            "code_verifier": verifier,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}
    ok = http.post(routes.OAUTH_TOKEN, data=form | {"client_assertion": assertion("jti-1")})
    assert ok.status_code == 200, ok.text
    tokens = ok.json()
    replay = http.post(routes.OAUTH_TOKEN, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_assertion_type": form["client_assertion_type"], "client_assertion": assertion("jti-1")})
    assert error_of(replay) == "invalid_client", "a replayed client assertion is refused"
    other_key = RSAKey.generate_key(2048, private=True)
    forged = jwt.encode({"alg": "RS256"}, {"iss": app.client_id, "sub": app.client_id,
                                           "aud": issuer + routes.OAUTH_TOKEN, "jti": "jti-3",
                                           "exp": int(time.time()) + 60}, other_key)
    assert error_of(http.post(routes.OAUTH_TOKEN, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_assertion_type": form["client_assertion_type"], "client_assertion": forged})) == "invalid_client"
    fine = http.post(routes.OAUTH_TOKEN, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_assertion_type": form["client_assertion_type"], "client_assertion": assertion("jti-2")})
    assert fine.status_code == 200, fine.text


# --------------------------------------------------------------------------- never a 500


def test_malformed_requests_get_standard_errors(http, session, citizen, cookie, app):
    _verifier, challenge = pkce()
    auth = (app.client_id, app.secret)
    cases = [
        (http.get(routes.OAUTH_AUTHORIZE), "invalid_request"),
        (http.get(routes.OAUTH_AUTHORIZE, params={"client_id": app.client_id}), "invalid_request"),
        (http.get(routes.OAUTH_AUTHORIZE, params={"client_id": "nobody", "response_type": "code"}), "invalid_client"),
        (authorize(http, app, cookie, challenge=challenge, response_type="token"), "unsupported_response_type"),
        (http.get(routes.OAUTH_AUTHORIZE + f"?client_id={app.client_id}&client_id=x&response_type=code"
                  f"&redirect_uri={app.redirect_uri}&scope=openid"), "invalid_request"),
        (authorize(http, app, cookie, challenge="short", method="S256"), "invalid_request"),
        (http.get(routes.OAUTH_TOKEN), "invalid_request"),
        (http.post(routes.OAUTH_TOKEN, json={"grant_type": "authorization_code"}), "unsupported_grant_type"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "password", "username": "a", "password": "b"}, auth=auth),
         "unsupported_grant_type"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "client_credentials"}, auth=auth),
         "unsupported_grant_type"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "x"}), "invalid_client"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "x"},
                   headers={"Authorization": "Basic !!!not-base64"}), "invalid_client"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code"}, auth=auth), "invalid_request"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "nope",
                                             "redirect_uri": app.redirect_uri, "code_verifier": "x" * 50},
                   auth=auth), "invalid_grant"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "refresh_token"}, auth=auth), "invalid_request"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "refresh_token", "refresh_token": "nope"}, auth=auth),
         "invalid_grant"),
        (http.post(routes.OAUTH_TOKEN, content=b"\xff\xfe garbage",
                   headers={"Content-Type": "application/x-www-form-urlencoded"}), "unsupported_grant_type"),
        (http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "x",
                                             "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:"
                                             "jwt-bearer", "client_assertion": "not.a.jwt"}), "invalid_client"),
        (http.post(routes.OAUTH_REVOKE, data={}, auth=auth), "invalid_request"),
        (http.post(routes.OAUTH_REVOKE, data={"token": "x", "token_type_hint": "id_token"}, auth=auth),
         "unsupported_token_type"),
        (http.get(routes.OAUTH_REVOKE), "invalid_request"),
        (http.get(routes.OAUTH_USERINFO, headers={"Authorization": "Bearer"}), "unsupported_token_type"),
        (http.get(routes.OAUTH_USERINFO, headers={"Authorization": "Basic abc"}), "unsupported_token_type"),
        (http.get(routes.OAUTH_END_SESSION, params={"id_token_hint": "x"}), "invalid_request"),
    ]
    for response, expected in cases:
        assert response.status_code < 500, (response.request.url, response.text)
        assert error_of(response) == expected, (response.request.url, response.status_code, response.text)
        assert error_of(response) in OAUTH_ERRORS


def test_consent_page_url_carries_the_request_and_no_secret(http, app, cookie):
    _verifier, challenge = pkce()
    location = authorize(http, app, cookie, challenge=challenge).headers["location"]
    params = query_of(location)
    assert urlsplit(location).path == routes.SSO_CONSENT
    assert params["code_challenge"] == challenge and params["state"] == "state-123"
    assert "client_secret" not in params and routes.SESSION_COOKIE not in location


# --------------------------------------------------------------------------- assurance (acr) asked for by an app

VERIFIED_ACR = "urn:mpp:loa:verified"


def test_discovery_names_the_levels_and_the_claims_parameter(http):
    meta = http.get(routes.OIDC_DISCOVERY).json()
    assert meta["acr_values_supported"] == ["urn:mpp:loa:self-declared", VERIFIED_ACR]
    assert meta["claims_parameter_supported"] is True
    assert {"acr", "amr"} <= set(meta["claims_supported"])


def _back_link(response: httpx.Response) -> str:
    import html
    import re

    return html.unescape(re.search(r'id="acr-back" href="([^"]+)"', response.text).group(1))


def test_acr_values_verified_refuses_a_self_declared_account_with_a_page_and_the_standard_error(
        http, session, citizen, cookie, app, issuer):
    consent(session, citizen, app)
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge, acr_values=VERIFIED_ACR)
    assert response.status_code == 403 and 'id="acr-unmet"' in response.text
    assert "KTP-el" in response.text and routes.IDENTITY_HELP in response.text, "the page says how to get verified"
    back = _back_link(response)
    assert back.startswith(app.redirect_uri + "?")
    params = query_of(back)
    assert params["error"] == "unmet_authentication_requirements"
    assert params["state"] == "state-123" and params["iss"] == issuer and "code" not in params
    assert session.exec(select(AuditLog).where(AuditLog.action == "sso_acr_unmet")).first() is not None


def test_prompt_none_with_an_unmet_acr_goes_straight_back_with_the_error(http, session, citizen, cookie, app):
    consent(session, citizen, app)
    _verifier, challenge = pkce()
    response = authorize(http, app, cookie, challenge=challenge, acr_values=VERIFIED_ACR, prompt="none")
    assert response.status_code == 302 and error_of(response) == "unmet_authentication_requirements"


def test_essential_acr_in_the_claims_parameter_is_honoured(http, session, citizen, cookie, app):
    import json

    consent(session, citizen, app)
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": [VERIFIED_ACR]}}})
    _verifier, challenge = pkce()
    assert authorize(http, app, cookie, challenge=challenge, claims=claims).status_code == 403
    _verifier, challenge = pkce()
    bad = authorize(http, app, cookie, challenge=challenge, claims="{not json")
    assert error_of(bad) == "invalid_request"


def test_a_verified_account_is_accepted_and_its_id_token_says_so(http, session, citizen, cookie, app, issuer):
    import json

    verify_identity(session, citizen)
    tokens = sign_in(http, session, citizen, cookie, app, acr_values=VERIFIED_ACR)
    claims = verify_id_token(http, tokens["id_token"], app, issuer)
    assert claims["acr"] == VERIFIED_ACR and claims["amr"] == ["pwd"]
    assert userinfo(http, tokens["access_token"]).json()["acr"] == VERIFIED_ACR
    essential = json.dumps({"userinfo": {"acr": {"essential": True, "value": VERIFIED_ACR}}})
    assert sign_in(http, session, citizen, cookie, app, claims=essential)["id_token"]


def test_a_self_declared_account_asking_for_self_declared_is_accepted(http, session, citizen, cookie, app, issuer):
    tokens = sign_in(http, session, citizen, cookie, app, acr_values="urn:mpp:loa:self-declared urn:other:unknown")
    assert verify_id_token(http, tokens["id_token"], app, issuer)["acr"] == "urn:mpp:loa:self-declared"


def test_amr_says_otp_when_the_portal_session_used_a_second_factor(http, session, citizen, app, issuer):
    ticket = accounts.issue_token(session=session, user_id=citizen.id or 0, purpose=accounts.PURPOSE_LOGIN_OTP,
                                  ttl=accounts.LOGIN_TICKET_TTL, now=utcnow())
    _row, raw = accounts.start_session_from_ticket(session=session, ticket=ticket, ip_address="127.0.0.1",
                                                   user_agent="pytest", now=utcnow())
    session.commit()
    tokens = sign_in(http, session, citizen, raw, app)
    assert verify_id_token(http, tokens["id_token"], app, issuer)["amr"] == ["pwd", "otp"]
