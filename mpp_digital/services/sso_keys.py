"""Signing keys of the OpenID Connect provider: RS256 keys with a ``kid``, stored in the database.

The private half is encrypted (AES-256-GCM, key derived from ``MPP_SECRET_KEY`` with HKDF)
and never leaves this module except as a signing key object. Rotation makes a new key the
signer and retires the old one; a retired key's public half stays in the JWKS until every
token it signed has expired, then it is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import Session, col, select

from mpp_digital.models import OAuthSigningKey
from mpp_digital.services.sealing import derive_key
from mpp_digital.settings import get_settings

ALG = "RS256"
KEY_BITS = 2048
# Every token signed by a key expires within this time after the key stops signing
# (ID tokens live ID_TOKEN_TTL, see services/sso.py), plus a margin for clock skew.
ID_TOKEN_TTL = timedelta(minutes=15)
PUBLISH_MARGIN = timedelta(minutes=5)
_FORMAT = "v1"


def _wrapping_key() -> bytes:
    return derive_key(get_settings().secret_key.get_secret_value(), "oidc-signing-key")


def _encrypt(pem: bytes, kid: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_wrapping_key()).encrypt(nonce, pem, kid.encode())
    return f"{_FORMAT}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def _decrypt(blob: str, kid: str) -> bytes:
    version, _, data = blob.partition(".")
    if version != _FORMAT:
        raise ValueError(f"unknown key format {version!r}")
    raw = base64.urlsafe_b64decode(data)
    return AESGCM(_wrapping_key()).decrypt(raw[:12], raw[12:], kid.encode())


def create_key(*, session: Session, now: datetime) -> OAuthSigningKey:
    """Generate a new RSA key; it becomes the signer (the caller retires the previous one)."""
    kid = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
    key = RSAKey.generate_key(KEY_BITS, parameters={"kid": kid, "alg": ALG, "use": "sig"}, private=True)
    row = OAuthSigningKey(
        kid=kid,
        alg=ALG,
        public_jwk=dict(key.as_dict(private=False)),
        private_key_encrypted=_encrypt(key.as_pem(private=True), kid),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def active_key(*, session: Session, now: datetime) -> OAuthSigningKey:
    """The key that signs now (created on first use)."""
    row = session.exec(
        select(OAuthSigningKey)
        .where(col(OAuthSigningKey.retired_at).is_(None))
        .order_by(col(OAuthSigningKey.created_at).desc(), col(OAuthSigningKey.id).desc())
    ).first()
    return row or create_key(session=session, now=now)


def signing_key(*, session: Session, now: datetime) -> RSAKey:
    """The private signing key (with its ``kid``), decrypted once per process and key."""
    row = active_key(session=session, now=now)
    secret_digest = hashlib.sha256(get_settings().secret_key.get_secret_value().encode()).hexdigest()
    return _private_key(row.kid, row.private_key_encrypted, secret_digest)


@lru_cache(maxsize=4)
def _private_key(kid: str, blob: str, secret_digest: str) -> RSAKey:
    # Loading an RSA private key checks it (tens of milliseconds): do it once, not per token.
    pem = _decrypt(blob, kid)
    return RSAKey.import_key(pem, parameters={"kid": kid, "alg": ALG, "use": "sig"})


def published_keys(*, session: Session, now: datetime) -> list[OAuthSigningKey]:
    """The signer and every retired key whose tokens may still be valid."""
    active_key(session=session, now=now)
    rows = session.exec(select(OAuthSigningKey).order_by(col(OAuthSigningKey.created_at).desc())).all()
    return [r for r in rows if r.retired_at is None or (r.publish_until is not None and now < r.publish_until)]


def jwks(*, session: Session, now: datetime) -> dict:
    """The JSON Web Key Set document (public halves only)."""
    return {"keys": [dict(r.public_jwk) for r in published_keys(session=session, now=now)]}


def public_key_set(*, session: Session, now: datetime) -> KeySet:
    """The published keys as a joserfc KeySet, to verify tokens this provider signed."""
    return KeySet.import_key_set(jwks(session=session, now=now))


def rotate(*, session: Session, now: datetime) -> tuple[str, list[str], list[str]]:
    """Make a new signer, retire the current one, delete keys no token can need any more.

    Returns:
        The new ``kid``, the retired ``kid``s (still published) and the deleted ``kid``s.
    """
    current = session.exec(select(OAuthSigningKey).where(col(OAuthSigningKey.retired_at).is_(None))).all()
    new = create_key(session=session, now=now)
    retired = []
    for row in current:
        row.retired_at = now
        row.publish_until = now + ID_TOKEN_TTL + PUBLISH_MARGIN
        session.add(row)
        retired.append(row.kid)
    purged = []
    for row in session.exec(
        select(OAuthSigningKey).where(col(OAuthSigningKey.publish_until).is_not(None))
    ).all():
        if row.publish_until is not None and row.publish_until <= now:
            purged.append(row.kid)
            session.delete(row)
    session.flush()
    return new.kid, retired, purged
