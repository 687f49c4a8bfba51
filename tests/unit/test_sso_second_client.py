"""A second, independent OpenID Connect client library (pyoidc's ``oic``, not authlib) signs in.

It reads the discovery document, loads the JWKS, sends an authorization request with PKCE
(S256), exchanges the code with client_secret_basic, validates the ID token (signature, iss,
aud, exp, nonce, at_hash) and reads userinfo: interoperability, not just self-consistency.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from oic import rndstr
from oic.oic import Client
from oic.oic.message import AuthorizationResponse, IdToken, OpenIDSchema, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.services import sso
from mpp_digital.services.authz import principal_for
from tests.sso_support import make_user, portal_cookie, register_app


@pytest.fixture()
def citizen(session):
    return make_user(session, email="budi@oic.test", nik="3314011203850002", name="Budi Santoso")


def test_oic_discovery_code_pkce_id_token_and_userinfo(issuer, session, citizen):
    app = register_app(session, name="Layanan Perizinan Kabupaten", redirect_uri="http://127.0.0.1:14/cb")
    cookie = portal_cookie(session, citizen)
    sso.grant_consent(session=session, principal=principal_for(session=session, user=citizen, session_id=0),
                      client_id=app.client_id, redirect_uri=app.redirect_uri, scope="openid profile email",
                      now=utcnow())
    session.commit()

    client = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    provider = client.provider_config(issuer)  # discovery, then the JWKS into the key jar
    assert provider["issuer"] == issuer
    assert provider["code_challenge_methods_supported"] == ["S256"]
    assert client.keyjar.get_issuer_keys(issuer), "the provider's signing keys were loaded"
    client.store_registration_info(RegistrationResponse(
        client_id=app.client_id, client_secret=app.secret, redirect_uris=[app.redirect_uri]))
    client.redirect_uris = [app.redirect_uri]

    state, nonce = rndstr(), rndstr()
    challenge, verifier = client.add_code_challenge()
    assert challenge["code_challenge_method"] == "S256"
    request = client.construct_AuthorizationRequest(request_args={
        "client_id": app.client_id, "response_type": "code", "scope": ["openid", "profile", "email"],
        "redirect_uri": app.redirect_uri, "state": state, "nonce": nonce, **challenge})
    url = request.request(client.authorization_endpoint)

    # The citizen's browser, already signed in to MPP Digital, follows the link.
    answer = requests.get(url, headers={"Cookie": f"{routes.SESSION_COOKIE}={cookie}"}, allow_redirects=False,
                          timeout=20)
    assert answer.status_code == 302 and answer.headers["location"].startswith(app.redirect_uri)
    authorization = client.parse_response(AuthorizationResponse, info=urlsplit(answer.headers["location"]).query,
                                          sformat="urlencoded")
    assert authorization["state"] == state

    tokens = client.do_access_token_request(
        state=state, authn_method="client_secret_basic",
        request_args={"code": authorization["code"], "redirect_uri": app.redirect_uri, "code_verifier": verifier})
    id_token = tokens["id_token"]  # verified by oic: RS256 signature from the JWKS, iss, aud, exp, at_hash
    assert isinstance(id_token, IdToken)
    assert id_token["iss"] == issuer and app.client_id in id_token["aud"] and id_token["nonce"] == nonce
    assert id_token["sub"] == sso.pairwise_subject(client_id=app.client_id, user_id=citizen.id)

    info = client.do_user_info_request(state=state)
    assert isinstance(info, OpenIDSchema)
    assert info["sub"] == id_token["sub"] and info["name"] == "Budi Santoso" and info["email"] == "budi@oic.test"

    # oic really checks the signature: a token with a changed payload is refused.
    raw = tokens["__id_token"] if "__id_token" in tokens else id_token.jwt
    header, payload, signature = raw.split(".")
    forged = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    with pytest.raises(Exception):  # noqa: B017 - oic raises one of several verification errors
        IdToken().from_jwt(forged, keyjar=client.keyjar)
