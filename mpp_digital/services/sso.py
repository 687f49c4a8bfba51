"""Single sign-on: MPP Digital as the OpenID Connect provider of agency apps.

The rules live here (client registry, consent, claims, pairwise subjects, token families);
``services/sso_server.py`` plugs them into authlib's ``AuthorizationServer`` and
``mpp_digital/sso_routes.py`` serves that over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import (
    Agency,
    ClaimRelease,
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthConsent,
    OAuthToken,
    Role,
    User,
)
from mpp_digital.services import assurance, audit
from mpp_digital.services.accounts import hash_secret, new_secret, nik_of
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.sso_keys import ID_TOKEN_TTL  # noqa: F401  (the ID token lifetime, one place)
from mpp_digital.settings import get_settings

CODE_TTL = timedelta(seconds=60)
ACCESS_TOKEN_TTL = timedelta(minutes=10)
REFRESH_TOKEN_TTL = timedelta(days=30)

AUTH_METHODS = ("client_secret_basic", "private_key_jwt")
# Scopes in the order the consent page lists them; "openid" is required and shows no claim.
SCOPES = ("openid", "profile", "email", "phone", "nik")
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": ("sub",),
    "profile": ("name",),
    "email": ("email", "email_verified"),
    "phone": ("phone_number",),
    "nik": ("nik",),
}
CLAIMS = tuple(dict.fromkeys(c for claims in SCOPE_CLAIMS.values() for c in claims))
MANAGERS = (Role.MINISTRY,)  # who keeps the client registry (superadmin holds every role)

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


# --------------------------------------------------------------------------- scopes and claims


def scope_list(scope: str | None) -> list[str]:
    """A scope string as a list without duplicates, in the order given."""
    return list(dict.fromkeys((scope or "").split()))


def pairwise_subject(*, client_id: str, user_id: int) -> str:
    """The ``sub`` one client sees for one user: an HMAC, so two agencies cannot correlate it."""
    key = hmac.new(get_settings().secret_key.get_secret_value().encode(), b"mpp-oidc-pairwise-sub", hashlib.sha256).digest()
    digest = hmac.new(key, f"{client_id}|{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def claims_for(*, user: User, client_id: str, scopes: list[str] | str, verified: bool = False) -> dict[str, object]:
    """The claims of ``user`` that ``scopes`` release to ``client_id`` (userinfo and ID token).

    ``nik`` is released only for an account ``verified`` at a counter: a self-declared NIK is
    not passed on as if it were proven.
    """
    granted = set(scope_list(scopes) if isinstance(scopes, str) else scopes)
    claims: dict[str, object] = {"sub": pairwise_subject(client_id=client_id, user_id=user.id or 0)}
    if "profile" in granted:
        claims["name"] = user.full_name
    if "email" in granted:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified_at is not None
    if "phone" in granted and user.phone:
        claims["phone_number"] = user.phone
    nik = nik_of(user) if "nik" in granted and verified else None
    if nik:
        claims["nik"] = nik
    return claims


def release_claims(*, session: Session, user: User, client: OAuthClient, scopes: list[str] | str,
                   endpoint: str, now: datetime) -> dict[str, object]:
    """``claims_for`` with the account's level as ``acr``, recorded: which app received which
    claims of whom, and when (Data saya)."""
    acr = assurance.acr_of(session=session, user_id=user.id or 0)
    claims = claims_for(user=user, client_id=client.client_id, scopes=scopes,
                        verified=acr == assurance.ACR_VERIFIED)
    claims["acr"] = acr
    session.add(ClaimRelease(user_id=user.id or 0, client_pk=client.id or 0, at=now, endpoint=endpoint,
                             claims=sorted(claims)))
    return claims


def check_requested_scopes(client: OAuthClient, requested: list[str]) -> None:
    """Refuse scopes the client may not ask for; ``nik`` needs a registered legal basis.

    Raises:
        DomainError: ``sso.scope.nik_without_basis`` or ``sso.scope.not_allowed`` (with ``scope``).
    """
    for scope in requested:
        if scope == "nik" and not client.nik_legal_basis:
            raise DomainError("sso.scope.nik_without_basis")
        if scope not in SCOPES or scope not in client.allowed_scopes:
            raise DomainError("sso.scope.not_allowed", scope=scope)
    if "openid" not in requested:
        raise DomainError("sso.scope.openid_required")


# --------------------------------------------------------------------------- client registry


@dataclass(frozen=True)
class ClientRegistration:
    """What the ministry fills in to register an agency app."""

    name: str
    agency_id: int | None
    redirect_uris: list[str]
    auth_method: str = "client_secret_basic"
    scopes: list[str] = field(default_factory=lambda: ["openid", "profile", "email"])
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    jwks: dict | None = None
    nik_legal_basis: str = ""


def check_redirect_uri(uri: str, field_name: str = "redirect_uris") -> str:
    """An absolute https URI (http only on this machine's loopback), no fragment, no wildcard."""
    value = (uri or "").strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValidationError(field_name, "sso.redirect.invalid", uri=value) from None
    loopback = parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK
    if (parts.scheme != "https" and not loopback) or not parts.hostname or parts.fragment or "*" in value:
        raise ValidationError(field_name, "sso.redirect.invalid", uri=value)
    return value


def _check_jwks(jwks: dict | None) -> dict:
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if not jwks or not isinstance(jwks, dict) or not jwks.get("keys"):
        raise ValidationError("jwks", "sso.jwks.required")
    try:
        key_set = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError):
        raise ValidationError("jwks", "sso.jwks.invalid") from None
    if any(key.is_private for key in key_set.keys):
        raise ValidationError("jwks", "sso.jwks.private")
    return {"keys": [dict(key.as_dict(private=False)) for key in key_set.keys]}


def _check_registration(session: Session, reg: ClientRegistration) -> dict:
    errors: dict[str, ValidationError] = {}
    name = " ".join((reg.name or "").split())
    if len(name) < 3 or len(name) > 120:
        errors["name"] = ValidationError("name", "sso.name.invalid")
    if reg.agency_id is None or session.get(Agency, reg.agency_id) is None:
        errors["agency"] = ValidationError("agency", "sso.agency.unknown")
    redirects: list[str] = []
    try:
        redirects = [check_redirect_uri(u) for u in reg.redirect_uris if u.strip()]
        if not redirects:
            raise ValidationError("redirect_uris", "sso.redirect.required")
    except ValidationError as exc:
        errors["redirect_uris"] = exc
    logouts: list[str] = []
    try:
        logouts = [check_redirect_uri(u, "post_logout_redirect_uris")
                   for u in reg.post_logout_redirect_uris if u.strip()]
    except ValidationError as exc:
        errors["post_logout_redirect_uris"] = exc
    if reg.auth_method not in AUTH_METHODS:
        errors["auth_method"] = ValidationError("auth_method", "sso.auth_method.invalid")
    scopes = [s for s in SCOPES if s in set(reg.scopes)]
    unknown = sorted(set(reg.scopes) - set(SCOPES))
    if unknown:
        errors["scopes"] = ValidationError("scopes", "sso.scope.not_allowed", scope=unknown[0])
    elif "openid" not in scopes:
        errors["scopes"] = ValidationError("scopes", "sso.scope.openid_required")
    basis = " ".join((reg.nik_legal_basis or "").split())
    if "nik" in scopes and len(basis) < 5:
        errors["nik_legal_basis"] = ValidationError("nik_legal_basis", "sso.scope.nik_without_basis")
    jwks = {}
    if reg.auth_method == "private_key_jwt":
        try:
            jwks = _check_jwks(reg.jwks)
        except ValidationError as exc:
            errors["jwks"] = exc
    if errors:
        from mpp_digital.services.accounts import InvalidForm

        raise InvalidForm(errors)
    return {"name": name, "redirect_uris": redirects, "post_logout_redirect_uris": logouts,
            "allowed_scopes": scopes, "nik_legal_basis": basis if "nik" in scopes else "", "jwks": jwks}


def register_client(
    *, session: Session, actor: Principal, registration: ClientRegistration, now: datetime, ip_address: str = ""
) -> tuple[OAuthClient, str | None]:
    """Register an agency app (ministry or superadmin); audited.

    Returns:
        The client and its secret, shown once (None for ``private_key_jwt`` clients).

    Raises:
        accounts.InvalidForm: with every wrong field.
    """
    authorize(actor, *MANAGERS)
    values = _check_registration(session, registration)
    secret = new_secret() if registration.auth_method == "client_secret_basic" else None
    client = OAuthClient(
        client_id="mpp-" + secrets.token_hex(12),
        agency_id=registration.agency_id,
        token_endpoint_auth_method=registration.auth_method,
        secret_hash=hash_secret(secret) if secret else None,
        created_at=now,
        created_by=actor.user_id,
        **values,
    )
    session.add(client)
    session.flush()
    audit.record(session=session, action="sso_client_registered", now=now, actor_user_id=actor.user_id,
                 target=f"client:{client.client_id}", ip_address=ip_address,
                 detail={"name": client.name, "scopes": client.allowed_scopes,
                         "redirect_uris": client.redirect_uris, "auth_method": client.token_endpoint_auth_method,
                         "nik_legal_basis": client.nik_legal_basis})
    return client, secret


def get_client(*, session: Session, client_id: str, active_only: bool = True) -> OAuthClient | None:
    """The client with this ``client_id`` (None when unknown, or disabled and ``active_only``)."""
    client = session.exec(select(OAuthClient).where(OAuthClient.client_id == (client_id or ""))).first()
    if client is None or (active_only and not client.is_active):
        return None
    return client


def _managed_client(session: Session, actor: Principal, client_id: str) -> OAuthClient:
    authorize(actor, *MANAGERS)
    client = get_client(session=session, client_id=client_id, active_only=False)
    if client is None:
        raise DomainError("sso.client.not_found")
    return client


def rotate_client_credentials(
    *, session: Session, actor: Principal, client_id: str, now: datetime, jwks: dict | None = None,
    ip_address: str = "",
) -> str | None:
    """A new secret (shown once; the old one stops working), or new public keys for private_key_jwt."""
    client = _managed_client(session, actor, client_id)
    secret = None
    if client.token_endpoint_auth_method == "private_key_jwt":
        client.jwks = _check_jwks(jwks)
    else:
        secret = new_secret()
        client.secret_hash = hash_secret(secret)
    client.secret_rotated_at = now
    session.add(client)
    audit.record(session=session, action="sso_client_rotated", now=now, actor_user_id=actor.user_id,
                 target=f"client:{client.client_id}", ip_address=ip_address,
                 detail={"auth_method": client.token_endpoint_auth_method})
    return secret


def set_client_active(
    *, session: Session, actor: Principal, client_id: str, active: bool, now: datetime, ip_address: str = ""
) -> OAuthClient:
    """Disable (every token of the client is revoked) or enable an agency app; audited."""
    client = _managed_client(session, actor, client_id)
    client.is_active = active
    client.disabled_at = None if active else now
    session.add(client)
    revoked = 0
    if not active:
        revoked = _revoke_where(session, now, col(OAuthToken.client_pk) == client.id)
    audit.record(session=session, action="sso_client_enabled" if active else "sso_client_disabled", now=now,
                 actor_user_id=actor.user_id, target=f"client:{client.client_id}", ip_address=ip_address,
                 detail={"tokens_revoked": revoked})
    return client


def list_clients(*, session: Session, actor: Principal) -> list[tuple[OAuthClient, str]]:
    """Every registered client with its agency's name (ministry or superadmin)."""
    authorize(actor, *MANAGERS)
    rows = session.exec(select(OAuthClient).order_by(col(OAuthClient.created_at).desc())).all()
    return [(c, agency_name(session, c)) for c in rows]


def agency_choices(*, session: Session) -> list[tuple[int, str]]:
    """Every agency (id, name) an app can be registered for, by name."""
    return [(a.id or 0, a.name) for a in session.exec(select(Agency).order_by(col(Agency.name))).all()]


def agency_name(session: Session, client: OAuthClient) -> str:
    """The name of the agency that runs the client."""
    agency = session.get(Agency, client.agency_id) if client.agency_id else None
    return agency.name if agency else ""


def check_client_secret(client: OAuthClient, secret: str) -> bool:
    """Whether ``secret`` is the client's current secret (constant-time)."""
    return bool(client.secret_hash) and hmac.compare_digest(client.secret_hash or "", hash_secret(secret or ""))


# --------------------------------------------------------------------------- consent


@dataclass(frozen=True)
class ConsentRequest:
    """What the consent page shows: who asks, and for which claims."""

    client_id: str
    client_name: str
    agency_name: str
    scopes: list[str]
    nik_legal_basis: str


def describe_request(*, session: Session, client_id: str, redirect_uri: str, scope: str) -> ConsentRequest:
    """Check an authorization request enough to show it on the consent page.

    The authorization endpoint validates the full request again before any code is issued.

    Raises:
        DomainError: ``sso.request.invalid`` for an unknown client or redirect URI, or a scope error.
    """
    client = get_client(session=session, client_id=client_id)
    if client is None or redirect_uri not in client.redirect_uris:
        raise DomainError("sso.request.invalid")
    scopes = scope_list(scope)
    check_requested_scopes(client, scopes)
    return ConsentRequest(client_id=client.client_id, client_name=client.name,
                          agency_name=agency_name(session, client), scopes=scopes,
                          nik_legal_basis=client.nik_legal_basis)


def active_consent(*, session: Session, user_id: int, client: OAuthClient) -> OAuthConsent | None:
    """The user's standing consent for the client, if not revoked."""
    row = session.exec(
        select(OAuthConsent).where(OAuthConsent.user_id == user_id, OAuthConsent.client_pk == client.id)
    ).first()
    return row if row is not None and row.revoked_at is None else None


def consent_covers(*, session: Session, user_id: int, client: OAuthClient, scopes: list[str]) -> bool:
    """Whether the user already allowed the client every scope asked for."""
    row = active_consent(session=session, user_id=user_id, client=client)
    return row is not None and set(scopes) <= set(row.scopes)


def grant_consent(
    *, session: Session, principal: Principal, client_id: str, redirect_uri: str, scope: str, now: datetime,
    ip_address: str = "",
) -> OAuthConsent:
    """Record that the signed-in user allows the client the requested scopes; audited."""
    request = describe_request(session=session, client_id=client_id, redirect_uri=redirect_uri, scope=scope)
    client = get_client(session=session, client_id=request.client_id)
    assert client is not None
    row = session.exec(
        select(OAuthConsent).where(OAuthConsent.user_id == principal.user_id, OAuthConsent.client_pk == client.id)
    ).first()
    if row is None:
        row = OAuthConsent(user_id=principal.user_id, client_pk=client.id or 0, scopes=request.scopes,
                           granted_at=now, updated_at=now)
    else:
        keep = [] if row.revoked_at is not None else row.scopes
        row.scopes = [s for s in SCOPES if s in set(keep) | set(request.scopes)]
        row.updated_at, row.revoked_at = now, None
        if not keep:
            row.granted_at = now
    session.add(row)
    session.flush()
    audit.record(session=session, action="sso_consent_granted", now=now, actor_user_id=principal.user_id,
                 target=f"client:{client.client_id}", ip_address=ip_address, detail={"scopes": row.scopes})
    return row


@dataclass(frozen=True)
class ConnectedApp:
    """One line of "Aplikasi terhubung" in the profile."""

    client_id: str
    client_name: str
    agency_name: str
    scopes: list[str]
    granted_at: datetime
    last_used_at: datetime | None


def connected_apps(*, session: Session, user_id: int) -> list[ConnectedApp]:
    """The agency apps the user has allowed, newest first."""
    rows = session.exec(
        select(OAuthConsent, OAuthClient)
        .join(OAuthClient, col(OAuthClient.id) == col(OAuthConsent.client_pk))
        .where(OAuthConsent.user_id == user_id, col(OAuthConsent.revoked_at).is_(None))
        .order_by(col(OAuthConsent.updated_at).desc())
    ).all()
    apps = []
    for consent, client in rows:
        last = session.exec(
            select(OAuthToken.issued_at)
            .where(OAuthToken.user_id == user_id, OAuthToken.client_pk == client.id)
            .order_by(col(OAuthToken.issued_at).desc())
        ).first()
        apps.append(ConnectedApp(client_id=client.client_id, client_name=client.name,
                                 agency_name=agency_name(session, client), scopes=list(consent.scopes),
                                 granted_at=consent.granted_at, last_used_at=last))
    return apps


def revoke_consent(
    *, session: Session, principal: Principal, client_id: str, now: datetime, ip_address: str = ""
) -> int:
    """Withdraw the user's consent for a client and revoke every token it holds for them; audited.

    Returns:
        How many tokens were revoked.

    Raises:
        DomainError: ``sso.consent.not_found`` (also for another user's consent).
    """
    client = get_client(session=session, client_id=client_id, active_only=False)
    row = active_consent(session=session, user_id=principal.user_id, client=client) if client else None
    if client is None or row is None:
        raise DomainError("sso.consent.not_found")
    row.revoked_at = now
    session.add(row)
    revoked = _revoke_where(session, now, col(OAuthToken.client_pk) == client.id,
                            col(OAuthToken.user_id) == principal.user_id)
    session.execute(
        update(OAuthAuthorizationCode)
        .where(col(OAuthAuthorizationCode.client_pk) == client.id,
               col(OAuthAuthorizationCode.user_id) == principal.user_id,
               col(OAuthAuthorizationCode.used_at).is_(None))
        .values(used_at=now)
    )
    audit.record(session=session, action="sso_consent_revoked", now=now, actor_user_id=principal.user_id,
                 target=f"client:{client.client_id}", ip_address=ip_address, detail={"tokens_revoked": revoked})
    return revoked


# --------------------------------------------------------------------------- codes and tokens


def _revoke_where(session: Session, now: datetime, *conditions) -> int:
    result = session.execute(
        update(OAuthToken).where(*conditions, col(OAuthToken.revoked_at).is_(None)).values(revoked_at=now)
    )
    return result.rowcount  # type: ignore[attr-defined]


def revoke_family(*, session: Session, family_id: str, now: datetime) -> int:
    """Revoke every token of one family (one sign-in and its refreshes)."""
    return _revoke_where(session, now, col(OAuthToken.family_id) == family_id)


def revoke_tokens_of_code(*, session: Session, code_id: int, now: datetime) -> int:
    """Revoke every family that started at an authorization code (it was replayed)."""
    families = session.exec(select(OAuthToken.family_id).where(OAuthToken.code_id == code_id)).all()
    return sum(revoke_family(session=session, family_id=f, now=now) for f in set(families))


def revoke_for_portal_session(*, session: Session, client_pk: int, user_id: int, portal_session_id: int | None,
                              now: datetime) -> int:
    """Revoke a client's tokens that were issued under one portal sign-in (RP-initiated logout)."""
    conditions = [col(OAuthToken.client_pk) == client_pk, col(OAuthToken.user_id) == user_id]
    if portal_session_id is not None:
        conditions.append(col(OAuthToken.portal_session_id) == portal_session_id)
    return _revoke_where(session, now, *conditions)


def find_token(*, session: Session, raw: str, kind: str = "access_token") -> OAuthToken | None:
    """The token row of a raw access or refresh token."""
    column = OAuthToken.access_token_hash if kind == "access_token" else OAuthToken.refresh_token_hash
    return session.exec(select(OAuthToken).where(column == hash_secret(raw or ""))).first()


def token_is_active(row: OAuthToken, now: datetime) -> bool:
    """Whether an access token may still be used."""
    return row.revoked_at is None and now < row.access_expires_at


def new_family_id() -> str:
    """A fresh identifier for a token family."""
    return secrets.token_hex(16)



# --------------------------------------------------------------------------- assurance asked for by an app


def requested_acr(*, acr_values: str | None, claims: str | None) -> list[str]:
    """The ``acr`` values an app asked for, with ``acr_values`` or the ``claims`` parameter
    (``{"id_token": {"acr": {"essential": true, "values": [...]}}}``, also ``value`` and ``userinfo``).

    Raises:
        DomainError: ``sso.claims.invalid`` when ``claims`` is not a JSON object of objects.
    """
    import json

    wanted = list((acr_values or "").split())
    if claims:
        try:
            document = json.loads(claims)
            for member in ("id_token", "userinfo"):
                acr = (document.get(member) or {}).get("acr") or {}
                if not isinstance(acr, dict):
                    raise TypeError
                wanted += [str(v) for v in acr.get("values") or []] + ([str(acr["value"])] if acr.get("value") else [])
        except (ValueError, TypeError, AttributeError):
            raise DomainError("sso.claims.invalid") from None
    return list(dict.fromkeys(wanted))


def acr_satisfies(*, account_acr: str, wanted: list[str]) -> bool:
    """Whether an account at ``account_acr`` meets a request for ``wanted`` (a higher level meets a
    lower one; values this provider does not know are ignored, as OpenID Connect Core 5.5.1.1 lets it)."""
    known = [assurance.ACR_VALUES.index(v) for v in wanted if v in assurance.ACR_VALUES]
    return not known or assurance.ACR_VALUES.index(account_acr) >= min(known)
