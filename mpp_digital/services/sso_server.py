"""authlib's framework-neutral ``AuthorizationServer``, configured by the rules of ``services/sso.py``.

One ``ProviderServer`` is built per HTTP request around one database session, and runs
synchronously (the Starlette routes call it in a worker thread). It knows nothing of the
web framework: requests arrive as ``ProviderRequest`` objects and responses leave as
``(status, body, headers)`` tuples.

Hardened against authlib's defaults:

* PKCE with ``S256`` is required for every client, confidential ones too; ``plain`` and a
  missing ``code_challenge_method`` are refused (``StrictS256``).
* Only ``client_secret_basic`` and ``private_key_jwt`` authenticate a client; ``none`` and
  ``client_secret_post`` are not accepted.
* A code is spent the first time it is presented; presenting it again revokes the tokens
  issued from it. A refresh token is spent when used; presenting it again revokes its family.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
    ResourceProtector,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc6750.errors import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from authlib.oidc.rpinitiated import EndSessionEndpoint
from sqlalchemy import update
from sqlmodel import Session, col, select

from mpp_digital import routes
from mpp_digital.errors import DomainError
from mpp_digital.i18n import t
from mpp_digital.models import (
    OAuthAssertionJti,
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthToken,
    User,
    UserSession,
)
from mpp_digital.services import assurance, audit, sso, sso_keys
from mpp_digital.services.accounts import hash_secret, new_secret

# --------------------------------------------------------------------------- requests


class ProviderPayload(OAuth2Payload):
    """Query and form parameters of one request, merged (form wins), with every repeated value."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[-1] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list]:
        return self._datalist


class ProviderRequest(OAuth2Request):
    """An HTTP request as authlib wants it, built from values the web layer already read."""

    def __init__(self, *, method: str, uri: str, headers: dict[str, str],
                 query: list[tuple[str, str]], form: list[tuple[str, str]]) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = ProviderPayload(query + form)

    @property
    def args(self) -> dict:
        return self._args

    @property
    def form(self) -> dict:
        return self._form


# --------------------------------------------------------------------------- model adapters


class ClientAdapter(ClientMixin):
    """An ``OAuthClient`` row as authlib's client."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.client_id = row.client_id
        self.client_metadata = {"post_logout_redirect_uris": list(row.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the redirect_uri parameter is required, and must match exactly

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = sso.scope_list(scope)
        try:
            sso.check_requested_scopes(self.row, requested)
        except DomainError as exc:
            raise InvalidScopeError(t(exc.key, "en", **exc.params)) from None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return sso.check_client_secret(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.row.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class EndUser:
    """The citizen an authorization is for, as one client sees them."""

    user: User
    portal_session_id: int | None
    auth_time: int | None
    client_id: str = ""

    def get_user_id(self) -> int:
        return self.user.id or 0


class CodeAdapter(AuthorizationCodeMixin):
    """An ``OAuthAuthorizationCode`` row as authlib's authorization code."""

    def __init__(self, row: OAuthAuthorizationCode, acr: str | None = None, amr: list[str] | None = None) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method
        self.acr, self.amr = acr, amr

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list[str] | None:
        return self.amr


class TokenAdapter(TokenMixin):
    """An ``OAuthToken`` row as authlib's token."""

    def __init__(self, row: OAuthToken, client: OAuthClient, now: datetime) -> None:
        self.row, self.client, self.now = row, client, now
        self.scope = row.scope

    def check_client(self, client: ClientAdapter) -> bool:
        return client.row.id == self.row.client_pk

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.access_expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.now >= self.row.access_expires_at

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> int:
        return self.row.user_id

    def get_client(self) -> ClientAdapter:
        return ClientAdapter(self.client)


# --------------------------------------------------------------------------- grants and extensions


class StrictS256(CodeChallenge):
    """PKCE with S256 for every client; no ``plain``, no default method, no skipping."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": CodeChallenge.CODE_CHALLENGE_METHODS["S256"]}

    def validate_code_challenge(self, grant, redirect_uri) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with 'code_challenge_method=S256'.")
        method = data.get("code_challenge_method")
        if method != "S256":
            raise InvalidRequestError(
                f"Unsupported 'code_challenge_method' {method or '(missing, which means plain)'}: only S256 is allowed."
            )
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier': PKCE is required.")
        super().validate_code_verifier(grant, result)


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant storing hashed, single-use codes in the database."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(sso.AUTH_METHODS)

    def save_authorization_code(self, code: str, request: ProviderRequest) -> None:
        server: ProviderServer = self.server
        user: EndUser = request.user
        data = request.payload.data
        row = OAuthAuthorizationCode(
            code_hash=hash_secret(code),
            client_pk=request.client.row.id,
            user_id=user.get_user_id(),
            portal_session_id=user.portal_session_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope or "",
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge", ""),
            code_challenge_method=data.get("code_challenge_method", ""),
            auth_time=server.db_time(user.auth_time),
            created_at=server.now,
            expires_at=server.now + sso.CODE_TTL,
        )
        server.db.add(row)
        server.db.flush()

    def query_authorization_code(self, code: str, client: ClientAdapter) -> CodeAdapter | None:
        server: ProviderServer = self.server
        db, now = server.db, server.now
        row = db.exec(
            select(OAuthAuthorizationCode).where(OAuthAuthorizationCode.code_hash == hash_secret(code))
        ).first()
        if row is None or row.client_pk != client.row.id:
            return None
        spent = db.execute(
            update(OAuthAuthorizationCode)
            .where(col(OAuthAuthorizationCode.id) == row.id, col(OAuthAuthorizationCode.used_at).is_(None))
            .values(used_at=now)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            revoked = sso.revoke_tokens_of_code(session=db, code_id=row.id or 0, now=now)
            audit.record(session=db, action="sso_code_replayed", now=now, actor_user_id=row.user_id,
                         target=f"client:{client.client_id}", detail={"tokens_revoked": revoked})
            raise InvalidGrantError("The authorization code was already used; the tokens issued from it are revoked.")
        if now >= row.expires_at:
            raise InvalidGrantError("The authorization code has expired.")
        portal = db.get(UserSession, row.portal_session_id) if row.portal_session_id else None
        return CodeAdapter(row, acr=assurance.acr_of(session=db, user_id=row.user_id),
                           amr=(portal.amr if portal else "pwd").split())

    def delete_authorization_code(self, authorization_code: CodeAdapter) -> None:
        """Nothing to do: the code was spent when it was presented."""

    def authenticate_user(self, authorization_code: CodeAdapter) -> EndUser | None:
        server: ProviderServer = self.server
        row = authorization_code.row
        return server.end_user(row.user_id, row.portal_session_id, self.request.client.client_id,
                               int(row.auth_time.timestamp()))


class RotatingRefreshGrant(RefreshTokenGrant):
    """Refresh tokens rotate; presenting a spent one revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(sso.AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> TokenAdapter | None:
        server: ProviderServer = self.server
        db, now = server.db, server.now
        client: ClientAdapter = self.request.client
        row = sso.find_token(session=db, raw=refresh_token, kind="refresh_token")
        if row is None or row.client_pk != client.row.id:
            return None
        if row.revoked_at is not None:
            raise InvalidGrantError("The refresh token has been revoked.")
        spent = db.execute(
            update(OAuthToken)
            .where(col(OAuthToken.id) == row.id, col(OAuthToken.rotated_at).is_(None))
            .values(rotated_at=now)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            revoked = sso.revoke_family(session=db, family_id=row.family_id, now=now)
            audit.record(session=db, action="sso_refresh_reused", now=now, actor_user_id=row.user_id,
                         target=f"client:{client.client_id}", detail={"tokens_revoked": revoked})
            raise InvalidGrantError("The refresh token was already used; every token of this sign-in is revoked.")
        if row.refresh_expires_at is None or now >= row.refresh_expires_at:
            raise InvalidGrantError("The refresh token has expired.")
        return TokenAdapter(row, client.row, now)

    def authenticate_user(self, refresh_token: TokenAdapter) -> EndUser | None:
        server: ProviderServer = self.server
        row = refresh_token.row
        return server.end_user(row.user_id, row.portal_session_id, self.request.client.client_id, None)

    def revoke_old_credential(self, refresh_token: TokenAdapter) -> None:
        """Nothing to do: the refresh token was spent when it was presented."""


class ProviderOpenIDCode(OpenIDCode):
    """ID tokens: RS256 with the current key's ``kid``, pairwise ``sub``, claims by scope."""

    def __init__(self, server: ProviderServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def exists_nonce(self, nonce: str, request: ProviderRequest) -> bool:
        db = self.server.db
        return db.exec(
            select(OAuthAuthorizationCode.id).where(
                OAuthAuthorizationCode.client_pk == request.client.row.id, OAuthAuthorizationCode.nonce == nonce)
        ).first() is not None

    def validate_openid_authorization_request(self, grant, redirect_uri) -> None:
        nonce = grant.request.payload.data.get("nonce")
        if nonce and self.exists_nonce(nonce, grant.request):
            raise InvalidRequestError("This 'nonce' was already used; send a fresh one with every request.")

    def resolve_client_private_key(self, client: ClientAdapter):
        return sso_keys.signing_key(session=self.server.db, now=self.server.now)

    def get_client_algorithm(self, client: ClientAdapter) -> str:
        return sso_keys.ALG

    def get_encode_header(self, client: ClientAdapter) -> dict:
        return {"alg": sso_keys.ALG, "kid": sso_keys.active_key(session=self.server.db, now=self.server.now).kid,
                "typ": "JWT"}

    def get_client_claims(self, client: ClientAdapter) -> dict:
        now = int(time.time())
        return {"iss": self.server.issuer, "aud": client.client_id, "iat": now,
                "exp": now + int(sso_keys.ID_TOKEN_TTL.total_seconds())}

    def generate_user_info(self, user: EndUser, scope: str) -> dict:
        client = sso.get_client(session=self.server.db, client_id=user.client_id)
        if client is None:  # pragma: no cover - the token endpoint authenticated this client
            return sso.claims_for(user=user.user, client_id=user.client_id, scopes=scope,
                                  verified=assurance.is_verified(session=self.server.db, user_id=user.user.id or 0))
        return sso.release_claims(session=self.server.db, user=user.user, client=client, scopes=scope,
                                  endpoint="token", now=self.server.now)


class PrivateKeyJwt(JWTBearerClientAssertion):
    """``private_key_jwt`` client authentication, with replayed assertions (``jti``) refused."""

    CLIENT_AUTH_METHOD = "private_key_jwt"
    ALGORITHMS = ("RS256", "PS256", "ES256")  # what discovery advertises, and all that is verified

    def __init__(self, server: ProviderServer) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.server = server

    def get_audiences(self) -> list[str]:
        return [self.server.issuer + routes.OAUTH_TOKEN, self.server.issuer]

    def resolve_client_public_key(self, client: ClientAdapter):
        from joserfc.jwk import KeySet

        if not client.row.jwks:
            raise InvalidClientError(description="The client has no registered public keys.")
        return KeySet.import_key_set(client.row.jwks)

    def process_assertion_claims(self, assertion, resolve_key):
        """authlib's check, with the algorithms pinned to ``ALGORITHMS`` (joserfc's default set
        refuses PS256 as "not recommended" although discovery advertises it)."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(self.ALGORITHMS))
        except JoseError as error:
            raise InvalidClientError(description=error.description or "The client assertion is invalid.") from error
        self.verify_claims(token.claims)
        return token.claims

    def validate_jti(self, claims: dict, jti: str) -> bool:
        db, now = self.server.db, self.server.now
        client = sso.get_client(session=db, client_id=str(claims.get("sub", "")))
        if client is None:
            return False
        for old in db.exec(select(OAuthAssertionJti).where(col(OAuthAssertionJti.expires_at) < now)).all():
            db.delete(old)
        seen = db.exec(select(OAuthAssertionJti.id).where(
            OAuthAssertionJti.client_pk == client.id, OAuthAssertionJti.jti == str(jti)[:200])).first()
        if seen is not None:
            return False
        exp = claims.get("exp")
        expires = self.server.db_time(int(exp)) if isinstance(exp, int | float) else now + sso.CODE_TTL
        db.add(OAuthAssertionJti(client_pk=client.id or 0, jti=str(jti)[:200], expires_at=expires))
        db.flush()
        return True

    def __call__(self, query_client, request):
        client = super().__call__(query_client, request)
        if client is not None and request.form.get("client_secret"):
            raise InvalidRequestError("Use one client authentication method, not two.")
        return client


class Revocation(RevocationEndpoint):
    """RFC 7009 token revocation: revoking an access or refresh token revokes its family."""

    CLIENT_AUTH_METHODS = list(sso.AUTH_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None):
        server: ProviderServer = self.server
        kinds = ["refresh_token", "access_token"] if token_type_hint == "refresh_token" else [
            "access_token", "refresh_token"]
        for kind in kinds:
            row = sso.find_token(session=server.db, raw=token_string, kind=kind)
            if row is not None:
                client = server.db.get(OAuthClient, row.client_pk)
                return TokenAdapter(row, client, server.now) if client else None
        return None

    def revoke_token(self, token: TokenAdapter, request) -> None:
        server: ProviderServer = self.server
        sso.revoke_family(session=server.db, family_id=token.row.family_id, now=server.now)
        audit.record(session=server.db, action="sso_token_revoked", now=server.now,
                     actor_user_id=token.row.user_id, target=f"client:{token.client.client_id}")


class EndSession(EndSessionEndpoint):
    """RP-initiated logout: ends the portal sign-in and the client's tokens from it."""

    def get_server_jwks(self):
        server: ProviderServer = self.server
        return sso_keys.jwks(session=server.db, now=server.now)

    def get_algorithms(self) -> list[str]:
        return [sso_keys.ALG]

    def end_session(self, end_session_request) -> None:
        server: ProviderServer = self.server
        claims = end_session_request.id_token_claims or {}
        client = end_session_request.client
        if claims.get("iss") != server.issuer or client is None:
            raise InvalidRequestError("The 'id_token_hint' was not issued by this provider for this client.")
        portal = server.portal_session
        if portal is None:
            return
        user = server.db.get(User, portal.user_id)
        if user is None or sso.pairwise_subject(client_id=client.client_id, user_id=user.id or 0) != claims.get("sub"):
            return  # the browser is signed in as someone else: nothing of theirs to end
        sso.revoke_for_portal_session(session=server.db, client_pk=client.row.id, user_id=portal.user_id,
                                      portal_session_id=portal.id, now=server.now)
        if portal.revoked_at is None:
            portal.revoked_at = server.now
            server.db.add(portal)
        audit.record(session=server.db, action="sso_logout", now=server.now, actor_user_id=portal.user_id,
                     target=f"client:{client.client_id}")
        server.signed_out = True


# --------------------------------------------------------------------------- userinfo


class AccessTokenValidator(BearerTokenValidator):
    """Bearer access tokens: opaque, looked up by hash; expired or revoked ones are refused."""

    def __init__(self, server: ProviderServer) -> None:
        super().__init__()
        self.server = server

    def authenticate_token(self, token_string: str) -> TokenAdapter | None:
        db = self.server.db
        row = sso.find_token(session=db, raw=token_string)
        client = db.get(OAuthClient, row.client_pk) if row else None
        if row is None or client is None:
            return None
        return TokenAdapter(row, client, self.server.now)

    def validate_token(self, token, scopes, request) -> None:
        if token is None:
            raise InvalidTokenError(description="The access token is unknown.")
        if token.is_revoked():
            raise InvalidTokenError(description="The access token has been revoked.")
        if token.is_expired():
            raise InvalidTokenError(description="The access token has expired.")
        if not token.client.is_active:
            raise InvalidTokenError(description="The client has been disabled.")
        if self.scope_insufficient(token.get_scope(), scopes):
            raise InsufficientScopeError()


# --------------------------------------------------------------------------- the server

BEARER_REALM = "MPP Digital"
DEFAULT_DESCRIPTIONS = {  # for the errors authlib raises without a description
    "login_required": "The user is not signed in, and prompt=none forbids asking.",
    "consent_required": "The user has not consented to this request, and prompt=none forbids asking.",
    "access_denied": "The user refused the request.",
    "invalid_token": "The access token is invalid.",
    "insufficient_scope": "The access token lacks the 'openid' scope.",
    "missing_authorization": "No access token: send it as 'Authorization: Bearer <token>'.",
    "unsupported_token_type": "Unsupported token type: send a Bearer access token.",
    "invalid_request": "The request is missing a parameter or is malformed.",
    "invalid_client": "Client authentication failed.",
    "invalid_grant": "The grant is invalid, expired or was already used.",
    "unsupported_grant_type": "Only authorization_code and refresh_token are supported.",
    "invalid_scope": "The requested scope is invalid or not allowed for this client.",
    "unauthorized_client": "The client may not use this grant or response type.",
    "unsupported_response_type": "Only response_type=code is supported.",
}


class ProviderServer(AuthorizationServer):
    """The authorization server for one request, on one database session."""

    def __init__(self, *, session: Session, now: datetime, issuer: str, portal_session: UserSession | None = None):
        super().__init__(scopes_supported=list(sso.SCOPES))
        self.db, self.now, self.issuer = session, now, issuer
        self.portal_session = portal_session
        self.signed_out = False
        ttl = int(sso.ACCESS_TOKEN_TTL.total_seconds())
        self.register_token_generator("default", BearerTokenGenerator(
            access_token_generator=lambda **_: new_secret(),
            refresh_token_generator=lambda **_: new_secret(),
            expires_generator=lambda client, grant_type: ttl,
        ))
        self.register_client_auth_method("private_key_jwt", PrivateKeyJwt(self))
        self.register_grant(CodeGrant, [StrictS256(), ProviderOpenIDCode(self)])
        self.register_grant(RotatingRefreshGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(EndSession)
        self.protector = ResourceProtector()
        self.protector.register_token_validator(AccessTokenValidator(self))

    def db_time(self, timestamp: int | None) -> datetime:
        """A UNIX timestamp as an aware datetime (``now`` when missing)."""
        return datetime.fromtimestamp(timestamp, tz=self.now.tzinfo) if timestamp else self.now

    def end_user(self, user_id: int, portal_session_id: int | None, client_id: str,
                 auth_time: int | None) -> EndUser | None:
        user = self.db.get(User, user_id)
        if user is None or not user.is_active:
            return None
        return EndUser(user=user, portal_session_id=portal_session_id, auth_time=auth_time, client_id=client_id)

    # authlib's framework hooks
    def query_client(self, client_id: str) -> ClientAdapter | None:
        row = sso.get_client(session=self.db, client_id=client_id or "")
        return ClientAdapter(row) if row else None

    def save_token(self, token: dict, request: ProviderRequest) -> None:
        user: EndUser = request.user
        code = request.authorization_code
        previous = request.refresh_token
        if previous is not None:
            family, code_id, portal = previous.row.family_id, previous.row.code_id, previous.row.portal_session_id
        else:
            family, code_id, portal = sso.new_family_id(), code.row.id if code else None, user.portal_session_id
        refresh = token.get("refresh_token")
        self.db.add(OAuthToken(
            client_pk=request.client.row.id,
            user_id=user.get_user_id(),
            portal_session_id=portal,
            family_id=family,
            code_id=code_id,
            scope=token.get("scope", ""),
            access_token_hash=hash_secret(token["access_token"]),
            refresh_token_hash=hash_secret(refresh) if refresh else None,
            issued_at=self.now,
            access_expires_at=self.now + sso.ACCESS_TOKEN_TTL,
            refresh_expires_at=self.now + sso.REFRESH_TOKEN_TTL if refresh else None,
        ))
        self.db.flush()

    def create_oauth2_request(self, request: ProviderRequest) -> ProviderRequest:
        return request

    def create_json_request(self, request):  # pragma: no cover - no JSON endpoints
        raise NotImplementedError

    def handle_response(self, status: int, body, headers) -> tuple[int, object, list]:
        return status, body, list(headers or [])

    def send_signal(self, name: str, *args, **kwargs) -> None:
        """authlib's signals are not used."""

    def handle_error_response(self, request, error) -> tuple[int, object, list]:
        """Every error leaves with a description (authlib leaves some without one)."""
        if not error.description:
            error.description = DEFAULT_DESCRIPTIONS.get(error.error or "", "The request was refused.")
        return super().handle_error_response(request, error)

    # userinfo (the endpoint class of authlib needs a framework-bound protector)
    def userinfo(self, request: ProviderRequest) -> tuple[int, object, list]:
        """The claims of a Bearer access token; errors as RFC 6750 section 3 says."""
        from authlib.oauth2.rfc6749 import OAuth2Error

        body_token = request.form.get("access_token")
        if body_token and request.method == "POST" and not request.headers.get("Authorization"):
            # RFC 6750 section 2.2: the token in a form-encoded POST body (what pyoidc sends)
            request.headers["Authorization"] = f"Bearer {body_token}"
        if not request.headers.get("Authorization"):
            # Section 3.1: a request without any authentication gets the challenge and no error code.
            return 401, {"error_description": DEFAULT_DESCRIPTIONS["missing_authorization"]}, [
                ("WWW-Authenticate", f'Bearer realm="{BEARER_REALM}"'), ("Cache-Control", "no-store")]
        try:
            token: TokenAdapter = self.protector.validate_request(["openid"], request)
        except OAuth2Error as error:
            return self._bearer_error(request, error)
        user = self.db.get(User, token.row.user_id)
        if user is None or not user.is_active:
            return self._bearer_error(request, InvalidTokenError(description="The account is gone."))
        claims = sso.release_claims(session=self.db, user=user, client=token.client, scopes=token.get_scope(),
                                    endpoint="userinfo", now=self.now)
        return 200, claims, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]

    def _bearer_error(self, request: ProviderRequest, error) -> tuple[int, object, list]:
        """An error of the userinfo endpoint with its RFC 6750 challenge (realm, error, description)."""
        status, body, headers = self.handle_error_response(request, error)
        headers = [(k, v) for k, v in headers if k.lower() != "www-authenticate"]
        challenge = f'Bearer realm="{BEARER_REALM}", error="{error.error}", ' \
                    f'error_description="{error.get_error_description()}"'
        if error.error == "insufficient_scope":
            challenge += ', scope="openid"'
        return status, body, [*headers, ("WWW-Authenticate", challenge)]

    def discovery(self) -> dict:
        """The OpenID Provider metadata document."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": base + routes.OAUTH_AUTHORIZE,
            "token_endpoint": base + routes.OAUTH_TOKEN,
            "userinfo_endpoint": base + routes.OAUTH_USERINFO,
            "jwks_uri": base + routes.OAUTH_JWKS,
            "revocation_endpoint": base + routes.OAUTH_REVOKE,
            "end_session_endpoint": base + routes.OAUTH_END_SESSION,
            "scopes_supported": list(sso.SCOPES),
            "claims_supported": list(sso.CLAIMS) + ["iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
                                                    "acr", "amr"],
            "acr_values_supported": list(assurance.ACR_VALUES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": [sso_keys.ALG],
            "token_endpoint_auth_methods_supported": list(sso.AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": list(PrivateKeyJwt.ALGORITHMS),
            "authorization_response_iss_parameter_supported": True,  # RFC 9207
            "revocation_endpoint_auth_methods_supported": list(sso.AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "consent", "login"],
            "claims_parameter_supported": True,  # for "acr" (essential or with values)
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "require_request_uri_registration": False,
            "ui_locales_supported": ["id", "en"],
        }
