"""The /profil page: my data, contact, password, sessions, two-step verification."""

from __future__ import annotations

import reflex as rx
import segno

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.services import accounts, rate_limits
from mpp_digital.services.identity import mask_nik
from state.lang import tr
from state.once import show_once
from state.session import client_ip, principal, protected

# Where the profile page shows the secrets of two-step verification, once.
TOTP_SECRET_ELEMENT, TOTP_QR_ELEMENT, RECOVERY_CODES_ELEMENT = "totp-secret", "totp-qr", "recovery-codes-text"


def _device(user_agent: str) -> str:
    ua = user_agent or ""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in ua), "")
    system = next((s for s in ("Android", "iPhone", "Windows", "Mac OS", "Linux") if s in ua), "")
    label = " · ".join(p for p in (browser.replace("Edg", "Edge"), system) if p)
    return label or (ua[:60] or "-")


class ProfileState(rx.State):
    """Everything on /profil; each handler acts only on the signed-in user's own account."""

    full_name: str = ""
    nik_masked: str = ""
    email: str = ""
    phone: str = ""
    birth_date: str = ""
    sex: str = ""
    email_verified: bool = False
    roles: list[str] = []
    sessions: list[dict[str, str]] = []
    totp_enabled: bool = False
    recovery_left: int = 0
    # Enrolment under way / recovery codes just issued. The TOTP key, its QR code and the codes
    # never enter the state: they are written into the page once (state/once.py).
    totp_pending: bool = False
    recovery_shown: bool = False
    contact_errors: dict[str, str] = {}
    password_errors: dict[str, str] = {}
    totp_error: str = ""
    notice: str = ""

    async def _refresh(self):
        who = principal()
        now = utcnow()

        def read(session):
            return (accounts.get_user(session=session, user_id=who.user_id),
                    accounts.active_sessions(session=session, user_id=who.user_id, now=now),
                    accounts.recovery_codes_left(session=session, user_id=who.user_id))

        user, rows, self.recovery_left = await in_session(read)
        self.full_name = user.full_name
        self.nik_masked = mask_nik(accounts.nik_of(user))
        self.email = user.email
        self.phone = user.phone or ""
        self.birth_date = user.birth_date.strftime("%d-%m-%Y") if user.birth_date else ""
        self.sex = await tr(self, f"sex.{user.sex}") if user.sex else ""
        self.email_verified = user.email_verified_at is not None
        self.totp_enabled = user.totp_enabled
        self.roles = sorted({await tr(self, f"role.{g.role.value}") for g in who.grants})
        self.sessions = [
            {
                "id": str(r.id),
                "device": _device(r.user_agent),
                "ip": r.ip_address or "-",
                "last_seen": r.last_seen_at.strftime("%d-%m-%Y %H:%M UTC"),
                "current": "1" if r.id == who.session_id else "",
            }
            for r in rows
        ]

    @rx.event
    @protected()
    async def load(self):
        """Page loader."""
        self.contact_errors, self.password_errors, self.totp_error, self.notice = {}, {}, "", ""
        self.recovery_shown, self.totp_pending = False, False
        await self._refresh()

    @rx.event
    @protected()
    async def save_contact(self, form: dict):
        """Change phone; a new email is verified before it replaces the old one."""
        await rate_limits.check(rate_limits.MAIL_ADDRESS, f"user:{principal().user_id}")
        try:
            pending = await in_session(accounts.update_contact, principal=principal(), email=form.get("email", ""),
                                       phone=form.get("phone", ""), now=utcnow())
        except accounts.InvalidForm as exc:
            self.contact_errors = {k: await tr(self, e.key, **e.params) for k, e in exc.errors.items()}
            return
        self.contact_errors = {}
        await self._refresh()
        if pending:
            self.notice = await tr(self, "profile.email_pending", email=form.get("email", "").strip().lower())
        else:
            self.notice = await tr(self, "profile.contact_saved")

    @rx.event
    @protected()
    async def resend_verification(self):
        """Send the verification link again to the current address."""
        await rate_limits.check(rate_limits.MAIL_ADDRESS, f"user:{principal().user_id}")
        user_id = principal().user_id

        def resend(session):
            user = accounts.get_user(session=session, user_id=user_id)
            if user.email_verified_at is None:
                accounts.send_verification_email(session=session, user=user, email=user.email, now=utcnow())
            return user

        user = await in_session(resend)
        self.notice = await tr(self, "profile.resent", email=user.email)

    @rx.event
    @protected()
    async def change_password(self, form: dict):
        """Change the password; every other session ends."""
        try:
            revoked = await in_session(  # argon2 twice: off the event loop
                accounts.change_password, principal=principal(), current=form.get("current", ""),
                new=form.get("new", ""), now=utcnow(), ip_address=client_ip(self),
            )
        except accounts.InvalidForm as exc:
            self.password_errors = {k: await tr(self, e.key, **e.params) for k, e in exc.errors.items()}
            return
        self.password_errors = {}
        await self._refresh()
        self.notice = await tr(self, "profile.password_changed", count=revoked)

    @rx.event
    @protected()
    async def revoke(self, session_id: str):
        """End one of my sessions (another user's session id is simply not found)."""
        try:
            await in_session(accounts.revoke_session, user_id=principal().user_id, session_id=int(session_id),
                             now=utcnow(), ip_address=client_ip(self))
        except (DomainError, ValueError):
            return rx.toast.error(await tr(self, "session.not_found"))
        await self._refresh()
        self.notice = await tr(self, "profile.session.revoked")

    @rx.event
    @protected()
    async def totp_begin(self):
        """Start TOTP enrolment: show the secret and its QR code."""
        try:
            secret, uri = await in_session(accounts.begin_totp, principal=principal())
        except DomainError as exc:
            self.totp_error = await tr(self, exc.key)
            return
        self.totp_pending, self.totp_error = True, ""
        return [show_once(TOTP_SECRET_ELEMENT, secret),
                show_once(TOTP_QR_ELEMENT, segno.make(uri, error="m").svg_data_uri(scale=4), attribute="src")]

    @rx.event
    @protected()
    async def totp_confirm(self, form: dict):
        """Turn TOTP on with a correct code; show the recovery codes once."""
        try:
            codes = await in_session(accounts.confirm_totp, principal=principal(), code=form.get("code", ""),
                                     now=utcnow())
        except DomainError as exc:
            self.totp_error = await tr(self, exc.key)
            return
        self.recovery_shown, self.totp_pending, self.totp_error = True, False, ""
        await self._refresh()
        return show_once(RECOVERY_CODES_ELEMENT, "\n".join(codes))

    @rx.event
    @protected()
    async def totp_disable(self, form: dict):
        """Turn TOTP off after re-entering the password."""
        try:
            await in_session(accounts.disable_totp, principal=principal(), password=form.get("password", ""),
                             now=utcnow())
        except ValidationError as exc:
            self.totp_error = await tr(self, exc.key)
            return
        self.totp_error, self.recovery_shown = "", False
        await self._refresh()
        self.notice = await tr(self, "profile.totp.disabled")

