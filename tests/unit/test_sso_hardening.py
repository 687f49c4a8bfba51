"""Issue 11 findings on the OpenID Connect provider, through its real HTTP endpoints."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from mpp_digital import routes
from tests.sso_support import pkce, query_of, register_app
from tests.unit.test_sso_http import (  # noqa: F401  (fixtures)
    app,
    authorize,
    citizen,
    consent,
    cookie,
    error_of,
    get_code,
    http,
    userinfo,
)


def description_of(response) -> str:
    """The error_description of an error response, wherever it is."""
    if response.status_code in (302, 303):
        return query_of(response.headers["location"]).get("error_description", "")
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json().get("error_description", "")
    marker = 'id="oauth-error-description">'
    text = response.text
    return text[text.index(marker) + len(marker):text.index("</p>", text.index(marker))] if marker in text else ""


def test_authorization_responses_carry_iss_rfc_9207(http, session, citizen, cookie, app, issuer):  # noqa: F811
    meta = http.get(routes.OIDC_DISCOVERY).json()
    assert meta["authorization_response_iss_parameter_supported"] is True
    code, _verifier = get_code(http, session, citizen, cookie, app)
    _verifier, challenge = pkce()
    success = authorize(http, app, cookie, challenge=challenge)
    assert query_of(success.headers["location"])["iss"] == issuer
    denied = authorize(http, app, cookie, challenge=challenge, mpp_consent="deny")
    assert query_of(denied.headers["location"])["error"] == "access_denied"
    assert query_of(denied.headers["location"])["iss"] == issuer
    no_login = authorize(http, app, None, challenge=challenge, prompt="none")
    assert query_of(no_login.headers["location"])["error"] == "login_required"
    assert query_of(no_login.headers["location"])["iss"] == issuer


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_private_key_jwt_algorithms_in_discovery_are_accepted(alg, http, session, citizen, cookie, issuer):  # noqa: F811
    advertised = http.get(routes.OIDC_DISCOVERY).json()["token_endpoint_auth_signing_alg_values_supported"]
    assert alg in advertised
    key = RSAKey.generate_key(2048, parameters={"kid": "agency-ps"}, private=True)
    agency = register_app(session, name="Perizinan OSS Daerah", redirect_uri="http://127.0.0.1:13/cb",
                          auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=False)]})
    code, verifier = get_code(http, session, citizen, cookie, agency)
    now = int(time.time())
    assertion = jwt.encode({"alg": alg, "kid": "agency-ps"},
                           {"iss": agency.client_id, "sub": agency.client_id, "aud": issuer + routes.OAUTH_TOKEN,
                            "jti": f"jti-{alg}", "iat": now, "exp": now + 60}, key, algorithms=[alg])
    response = http.post(routes.OAUTH_TOKEN, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": agency.redirect_uri,
        "code_verifier": verifier, "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert response.status_code == 200, response.text


def test_every_advertised_assertion_algorithm_is_one_the_server_verifies(http):  # noqa: F811
    from mpp_digital.services.sso_server import PrivateKeyJwt

    advertised = set(http.get(routes.OIDC_DISCOVERY).json()["token_endpoint_auth_signing_alg_values_supported"])
    assert advertised == set(PrivateKeyJwt.ALGORITHMS)


def test_a_backslash_in_redirect_uri_is_a_400_not_a_500(http, app, cookie):  # noqa: F811
    _verifier, challenge = pkce()
    for uri in ("http://127.0.0.1:9\\@evil.example/cb", "\\\\evil.example\\cb", app.redirect_uri + "\\"):
        response = authorize(http, app, cookie, challenge=challenge, redirect_uri=uri)
        assert response.status_code == 400, (uri, response.status_code, response.text[:300])
        assert error_of(response) == "invalid_request" and description_of(response)


def test_userinfo_follows_rfc_6750_section_3_1(http):  # noqa: F811
    missing = http.get(routes.OAUTH_USERINFO)
    assert missing.status_code == 401
    challenge = missing.headers["www-authenticate"]
    assert challenge.split()[0] == "Bearer" and "error=" not in challenge  # no token: no error code
    bad = userinfo(http, "not-a-token")
    assert bad.status_code == 401 and error_of(bad) == "invalid_token" and description_of(bad)
    challenge = bad.headers["www-authenticate"]
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge
    assert "error_description=" in challenge


def test_every_error_response_carries_a_description(http, session, citizen, cookie, app):  # noqa: F811
    _verifier, challenge = pkce()
    auth = (app.client_id, app.secret)
    responses = [
        http.get(routes.OAUTH_AUTHORIZE),
        http.get(routes.OAUTH_AUTHORIZE, params={"client_id": "nobody", "response_type": "code"}),
        authorize(http, app, cookie, challenge=challenge, response_type="token"),
        authorize(http, app, cookie, challenge=challenge, scope="openid galaxy"),
        authorize(http, app, cookie, challenge=challenge, redirect_uri="https://evil.example/cb"),
        authorize(http, app, cookie, challenge=challenge, mpp_consent="deny"),
        authorize(http, app, None, challenge=challenge, prompt="none"),
        http.get(routes.OAUTH_TOKEN),
        http.post(routes.OAUTH_TOKEN, json={"grant_type": "authorization_code"}),
        http.post(routes.OAUTH_TOKEN, data={"grant_type": "password", "username": "a", "password": "b"}, auth=auth),
        http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "x"}),
        http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code"}, auth=auth),
        http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "nope",
                                            "redirect_uri": app.redirect_uri, "code_verifier": "x" * 50}, auth=auth),
        http.post(routes.OAUTH_TOKEN, data={"grant_type": "refresh_token", "refresh_token": "nope"}, auth=auth),
        http.post(routes.OAUTH_REVOKE, data={}, auth=auth),
        http.post(routes.OAUTH_REVOKE, data={"token": "x", "token_type_hint": "id_token"}, auth=auth),
        http.get(routes.OAUTH_USERINFO, headers={"Authorization": "Bearer"}),
        http.get(routes.OAUTH_USERINFO, headers={"Authorization": "Basic abc"}),
        userinfo(http, "not-a-token"),
        http.get(routes.OAUTH_END_SESSION, params={"id_token_hint": "x"}),
    ]
    for response in responses:
        assert error_of(response), (response.request.url, response.status_code, response.text[:200])
        assert description_of(response).strip(), (response.request.url, error_of(response), response.text[:300])


def test_the_token_endpoint_is_rate_limited_per_address(http, app):  # noqa: F811
    from mpp_digital.services import rate_limits

    auth = (app.client_id, "wrong secret")
    answers = [http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": f"guess-{i}"},
                         auth=auth).status_code for i in range(rate_limits.OAUTH_TOKEN.items[0].amount + 1)]
    assert set(answers[:-1]) == {401} or set(answers[:-1]) == {400}, set(answers[:-1])
    refused = http.post(routes.OAUTH_TOKEN, data={"grant_type": "authorization_code", "code": "one more"}, auth=auth)
    assert refused.status_code == 429 and refused.json()["error_description"] and refused.headers["retry-after"]
