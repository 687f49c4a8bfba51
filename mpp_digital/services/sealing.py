"""Personal data at rest: authenticated encryption of single values and keyed lookup hashes.

A sealed value is ``s1.<key version>.<base64url(nonce | AES-256-GCM ciphertext and tag)>``.
The data key of version *n* is derived from ``MPP_SECRET_KEY`` with HKDF (SHA-256) and the
label ``mpp-digital/personal-data/v<n>``; the column a value belongs to (its *purpose*, such
as ``user.nik``) is the associated data, so a value copied into another column does not open.
New values are sealed with ``settings.data_key_version``; values of older versions still open,
and ``reseal`` (``python -m mpp_digital.cli reseal``) brings them to the current version.

The lookup hash is HMAC-SHA256 under a key derived with its own label: equal inputs give equal
hashes (sign-in by NIK, the uniqueness of a NIK, login attempts), and without the secret key
the hash cannot be reversed by trying all NIKs (a NIK has fewer than 10^16 values; a plain
SHA-256 of it could be).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mpp_digital.settings import get_settings

FORMAT = "s1"
PURPOSE_NIK = "user.nik"
PURPOSE_TOTP = "user.totp_secret"
PURPOSE_LOGIN_IDENTIFIER = "login.identifier"
_NONCE = 12


class SealError(ValueError):
    """A sealed value that does not open: another key, another column, or altered bytes."""


@lru_cache(maxsize=32)
def derive_key(secret_key: str, label: str) -> bytes:
    """A 256-bit key for one purpose, derived from the application secret with HKDF."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mpp-digital", info=label.encode()).derive(
        secret_key.encode()
    )


def _secret() -> str:
    return get_settings().secret_key.get_secret_value()


def _data_key(version: int) -> bytes:
    return derive_key(_secret(), f"mpp-digital/personal-data/v{version}")


def current_version() -> int:
    """The key version new values are sealed with (``MPP_DATA_KEY_VERSION``)."""
    return get_settings().data_key_version


def seal(value: str | None, *, purpose: str) -> str | None:
    """Encrypt ``value`` for the column ``purpose`` under the current key (None stays None)."""
    if value is None:
        return None
    version = current_version()
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_data_key(version)).encrypt(nonce, value.encode(), purpose.encode())
    return f"{FORMAT}.{version}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def version_of(blob: str) -> int:
    """The key version a sealed value was made with."""
    fmt, version, _ = blob.split(".", 2)
    if fmt != FORMAT or not version.isdigit():
        raise SealError("not a sealed value")
    return int(version)


def unseal(blob: str | None, *, purpose: str) -> str | None:
    """The plain value of a sealed one (None stays None).

    Raises:
        SealError: when the value was altered, sealed for another column or under an unknown key.
    """
    if blob is None:
        return None
    try:
        version = version_of(blob)
        raw = base64.urlsafe_b64decode(blob.split(".", 2)[2])
        return AESGCM(_data_key(version)).decrypt(raw[:_NONCE], raw[_NONCE:], purpose.encode()).decode()
    except (InvalidTag, ValueError, IndexError) as exc:
        raise SealError(f"cannot open a sealed {purpose}") from exc


def lookup_hash(value: str | None, *, purpose: str) -> str | None:
    """The keyed hash (HMAC-SHA256, hex) that finds a value without storing it (None stays None)."""
    if value is None:
        return None
    key = derive_key(_secret(), f"mpp-digital/lookup/{purpose}")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
