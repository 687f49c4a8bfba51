"""Signed, expiring tokens carried by the QR code of a queue ticket (HMAC-SHA256).

A token is ``<payload>.<signature>``, both base64url without padding; the payload is
``{"p": "qt", "t": <ticket id>, "e": <expiry, unix seconds>}``. The key is derived from
``settings.secret_key`` for this purpose only, so a token cannot be replayed as anything else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

from mpp_digital.errors import DomainError

PURPOSE = "qt"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"mpp-digital/queue-ticket-token/v1", hashlib.sha256).digest()


def make_token(*, ticket_id: int, expires_at: datetime, secret_key: str) -> str:
    """A token naming one ticket, valid until ``expires_at``."""
    payload = json.dumps({"p": PURPOSE, "t": ticket_id, "e": int(expires_at.timestamp())},
                         separators=(",", ":")).encode()
    body = _b64(payload)
    signature = hmac.new(_key(secret_key), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


def read_token(*, token: str, secret_key: str, now: datetime) -> int:
    """The ticket id of a genuine, unexpired token.

    Raises:
        DomainError: ``queue.token.invalid`` (malformed or forged), ``queue.token.expired``.
    """
    try:
        body, signature = token.strip().split(".")
        expected = hmac.new(_key(secret_key), body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise ValueError("bad signature")
        payload = json.loads(_unb64(body))
        if payload.get("p") != PURPOSE:
            raise ValueError("wrong purpose")
        ticket_id, expiry = int(payload["t"]), int(payload["e"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise DomainError("queue.token.invalid") from None
    if now >= datetime.fromtimestamp(expiry, UTC):
        raise DomainError("queue.token.expired")
    return ticket_id
