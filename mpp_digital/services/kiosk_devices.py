"""Kiosks are devices: a site admin pairs each kiosk of the hall, and only a paired kiosk of the
site issues walk-in tickets and checks tickets in.

Pairing: the admin names a kiosk on /admin/mpp and sees a one-time code (valid 15 minutes);
the kiosk page asks for it once, and the backend route ``/auth/kios`` exchanges it for a
long-lived HttpOnly device cookie (only its SHA-256 hash is stored). Every kiosk event
resolves the device from the cookie of its own websocket connection, as the session guard
does for people. The admin can revoke a kiosk at once; every step is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import KioskDevice, MppSite, Role
from mpp_digital.services import audit
from mpp_digital.services.accounts import hash_secret, new_secret
from mpp_digital.services.authz import Principal, authorize

PAIRING_TTL = timedelta(minutes=15)
DEVICE_COOKIE_MAX_AGE = timedelta(days=365)
TOUCH_EVERY = timedelta(minutes=1)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off one screen, typed on another
CODE_LENGTH = 10  # 31^10, about 2^49; single use, 15 minutes, and pairing attempts are rate-limited


@dataclass(frozen=True)
class KioskRow:
    """A kiosk as the admin page lists it."""

    id: int
    name: str
    status: str  # "waiting" (code not used yet), "expired", "paired", "revoked"
    paired_at: datetime | None
    last_seen_at: datetime | None


def normalise_code(code: str) -> str:
    """The code as stored: upper case, without the spaces and dashes people type."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:40]


def _format_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def _status(row: KioskDevice, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.token_hash is not None:
        return "paired"
    return "waiting" if row.pairing_expires_at and now < row.pairing_expires_at else "expired"


def start_pairing(*, session: Session, actor: Principal, site_id: int, name: str, now: datetime) -> str:
    """Register a kiosk of the site and return its one-time pairing code (shown once).

    Raises:
        NotAllowed: unless ``actor`` administers the site.
        ValidationError: ``name`` is empty or longer than 80 characters.
    """
    authorize(actor, Role.SITE_ADMIN, site_id=site_id)
    label = " ".join((name or "").split())
    if not label or len(label) > 80:
        raise ValidationError("name", "kiosk.name_required")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = KioskDevice(site_id=site_id, name=label, pairing_code_hash=hash_secret(raw),
                      pairing_expires_at=now + PAIRING_TTL, created_at=now, created_by=actor.user_id)
    session.add(row)
    session.flush()
    audit.record(session=session, action="kiosk_pairing_started", now=now, actor_user_id=actor.user_id,
                 target=f"kiosk:{row.id}", detail={"site_id": site_id, "name": label})
    return _format_code(raw)


def pair(*, session: Session, site_slug: str, code: str, now: datetime, ip_address: str = "") -> tuple[KioskDevice, str]:
    """Use a pairing code on the kiosk of ``site_slug``; returns the device and its raw cookie value.

    The code is spent by a conditional UPDATE (``pairing_code_hash`` still set), so two kiosks
    racing with one code cannot both pair.

    Raises:
        DomainError: ``kiosk.pairing_invalid`` for a wrong, used, expired or other site's code.
    """
    wrong = DomainError("kiosk.pairing_invalid")
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        raise wrong
    row = session.exec(select(KioskDevice).where(KioskDevice.pairing_code_hash == hash_secret(normalised))).first()
    site = session.get(MppSite, row.site_id) if row else None
    if row is None or site is None or site.slug != site_slug or row.revoked_at is not None:
        raise wrong
    if row.pairing_expires_at is None or now >= row.pairing_expires_at:
        raise wrong
    raw = new_secret()
    spent = session.execute(
        update(KioskDevice)
        .where(col(KioskDevice.id) == row.id, col(KioskDevice.pairing_code_hash).is_not(None))
        .values(pairing_code_hash=None, token_hash=hash_secret(raw), paired_at=now, last_seen_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise wrong
    session.refresh(row)
    audit.record(session=session, action="kiosk_paired", now=now, target=f"kiosk:{row.id}", ip_address=ip_address,
                 detail={"site_id": row.site_id, "name": row.name})
    return row, raw


def device_for(*, session: Session, raw: str | None, site_id: int, now: datetime) -> KioskDevice:
    """The paired, unrevoked kiosk of ``site_id`` that holds this device cookie.

    Raises:
        NotAllowed: ``kiosk.not_paired`` without a cookie, for a revoked kiosk or another site's.
    """
    row = session.exec(select(KioskDevice).where(KioskDevice.token_hash == hash_secret(raw))).first() if raw else None
    if row is None or row.revoked_at is not None or row.site_id != site_id:
        raise NotAllowed("kiosk.not_paired")
    if row.last_seen_at is None or now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return row


def kiosks_at(*, session: Session, actor: Principal, site_id: int, now: datetime) -> list[KioskRow]:
    """The site's kiosks, newest first (site admins of the site only)."""
    authorize(actor, Role.SITE_ADMIN, site_id=site_id)
    rows = session.exec(select(KioskDevice).where(KioskDevice.site_id == site_id)
                        .order_by(col(KioskDevice.id).desc())).all()
    return [KioskRow(id=r.id or 0, name=r.name, status=_status(r, now), paired_at=r.paired_at,
                     last_seen_at=r.last_seen_at) for r in rows]


def revoke(*, session: Session, actor: Principal, device_id: int, now: datetime) -> None:
    """End a kiosk's pairing (or an unused code) at once; audited.

    Raises:
        DomainError: ``kiosk.not_found`` for an unknown id; NotAllowed for another site's kiosk.
    """
    row = session.get(KioskDevice, device_id)
    if row is None:
        raise DomainError("kiosk.not_found")
    authorize(actor, Role.SITE_ADMIN, site_id=row.site_id)
    if row.revoked_at is None:
        row.revoked_at = now
        row.pairing_code_hash = None
        session.add(row)
        audit.record(session=session, action="kiosk_revoked", now=now, actor_user_id=actor.user_id,
                     target=f"kiosk:{row.id}", detail={"site_id": row.site_id, "name": row.name})
