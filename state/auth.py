"""Registration, sign-in, email verification and password reset (public pages)."""

from __future__ import annotations

import re

import reflex as rx

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import Region
from mpp_digital.services import accounts, assurance, rate_limits
from mpp_digital.services.identity import kecamatan_code_of, mask_nik
from state.lang import tr
from state.session import client_ip, current_principal, full_page_load, personal, principal, protected


async def _field_errors(state: rx.State, errors: dict[str, ValidationError]) -> dict[str, str]:
    return {name: await tr(state, err.key, **err.params) for name, err in errors.items()}


async def _demo_outbox_note(state: rx.State, key: str) -> str:
    """In demo mode (no SMTP, not production), say where the mail can be read; else nothing."""
    from mpp_digital.services import mail

    return await tr(state, key, path=routes.OUTBOX) if mail.outbox_enabled() else ""


@personal
class RegisterState(rx.State):
    """The /daftar page: create a citizen account."""

    errors: dict[str, str] = {}
    nik_preview: str = ""
    done_email: str = ""
    demo_note: str = ""  # demo mode: where the verification link can be read
    nik_taken: bool = False  # the NIK is registered to a self-declared account: its owner may dispute it
    dispute_done: str = ""  # the account was made without the NIK and a dispute opened

    @rx.event
    async def preview_nik(self, value: str):
        """Show the birth date, sex and district a NIK encodes, for confirmation."""
        self.nik_preview = ""
        self.errors = {k: v for k, v in self.errors.items() if k != "nik"}
        if not value.strip():
            return

        def check(session):
            info = accounts.check_nik(session=session, nik=value, now=utcnow())
            kec = session.get(Region, info.kecamatan_code)
            return info, kec, session.get(Region, kec.parent_code) if kec and kec.parent_code else None

        try:
            info, kec, regency = await in_session(check)
        except ValidationError as exc:
            self.errors = {**self.errors, "nik": await tr(self, exc.key, **exc.params)}
            return
        region = f"{kec.name if kec else kecamatan_code_of(info.nik)}, {regency.name if regency else ''}"
        self.nik_preview = await tr(
            self, "nik.preview", birth_date=info.birth_date.strftime("%d-%m-%Y"),
            sex=await tr(self, f"sex.{info.sex}"), region=region,
        )

    @rx.event
    async def submit(self, form: dict):
        """Create the account and send the verification mail."""
        try:
            await rate_limits.check(rate_limits.REGISTER, client_ip(self))
        except DomainError as exc:
            self.errors = {}
            return rx.toast.error(await tr(self, exc.key, **exc.params))
        registration = accounts.Registration(
            nik=form.get("nik", ""), full_name=form.get("full_name", ""), email=form.get("email", ""),
            phone=form.get("phone", ""), password=form.get("password", ""),
        )
        dispute = bool(form.get("dispute")) and self.nik_taken  # "this NIK is mine": register without it
        try:  # argon2 takes time: off the event loop (the mail goes through the outbox)
            if dispute:
                email = (await in_session(assurance.register_with_dispute, registration=registration, now=utcnow(),
                                          ip_address=client_ip(self)))[0].email
            else:
                email = (await in_session(accounts.register_citizen, registration=registration, now=utcnow())).email
        except accounts.InvalidForm as exc:
            self.errors = await _field_errors(self, exc.errors)
            self.nik_taken = "nik" in exc.errors and exc.errors["nik"].key == "nik.taken"
            return rx.toast.error(await tr(self, "form.invalid"))
        self.errors, self.nik_taken = {}, False
        self.dispute_done = await tr(self, "register.dispute_done",
                                     nik=mask_nik("".join(registration.nik.split()))) if dispute else ""
        self.done_email = email

    @rx.event
    async def reset_form(self):
        """Start afresh when the page opens."""
        self.errors, self.nik_preview, self.done_email = {}, "", ""
        self.nik_taken, self.dispute_done = False, ""
        self.demo_note = await _demo_outbox_note(self, "register.demo_outbox")


class LoginState(rx.State):
    """The /masuk page: NIK or email plus password, then TOTP when the account has it."""

    error: str = ""
    info: str = ""
    needs_code: bool = False

    @rx.event
    async def on_load(self):
        """Say why the person is here (signed out, or sent from a protected page)."""
        self.error, self.needs_code = "", False
        params = self.router.url.query_parameters
        if params.get("keluar"):
            self.info = await tr(self, "login.signed_out")
        elif params.get("next"):
            self.info = await tr(self, "login.please")
        elif params.get("error"):
            self.info = await tr(self, "token.invalid")
        else:
            self.info = ""
        reauth = params.get("ulang")  # an agency app asked for the password again (prompt=login, max_age)
        if await current_principal(self) is not None and not params.get("keluar") and not reauth:
            return rx.redirect(routes.safe_next(params.get("next")))

    @rx.event
    async def submit(self, form: dict):
        """Check the credentials; on success the browser fetches its cookie from /auth/sesi."""
        ip = client_ip(self)

        try:  # argon2 takes time: off the event loop
            await rate_limits.check(rate_limits.SIGN_IN, ip)
            result = await in_session(
                accounts.sign_in, identifier=form.get("identifier", ""), password=form.get("password", ""),
                ip_address=ip, now=utcnow(), second_factor=form.get("code") or None,
            )
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        if result.needs_second_factor:
            self.error, self.needs_code = "", True
            self.info = await tr(self, "login.second_factor")
            return
        self.error = ""
        next_path = routes.safe_next(self.router.url.query_parameters.get("next"))
        if result.must_enrol_totp:  # a staff account without TOTP: enrolment before any staff page
            next_path = routes.TWO_FACTOR_REQUIRED
        return full_page_load(routes.session_start_url(result.login_ticket or "", next_path))


class VerifyEmailState(rx.State):
    """The /verifikasi page, opened from the link in the mail."""

    ok: bool = False
    message: str = ""

    @rx.event
    async def on_load(self):
        """Use the single-use token from the link."""
        raw = self.router.url.query_parameters.get("token", "")
        if not raw:  # /verifikasi without a link's token: the page offers the document check only
            self.ok, self.message = False, ""
            return
        try:
            email = (await in_session(accounts.verify_email, raw=raw, now=utcnow())).email
        except DomainError as exc:
            self.ok, self.message = False, await tr(self, exc.key, **exc.params)
            return
        self.ok, self.message = True, await tr(self, "verify.ok", email=email)


class PasswordResetState(rx.State):
    """The /lupa-sandi and /atur-sandi pages."""

    message: str = ""
    error: str = ""
    done: bool = False
    demo_note: str = ""  # demo mode: who can read the reset mail

    @rx.event
    async def on_load(self):
        """Clear what an earlier visit left."""
        self.message, self.error, self.done = "", "", False
        self.demo_note = await _demo_outbox_note(self, "forgot.demo_outbox")

    @rx.event
    async def request_link(self, form: dict):
        """Mail a reset link; the answer does not reveal whether the address is registered."""
        try:
            await rate_limits.check(rate_limits.MAIL_CLIENT, client_ip(self))
            await rate_limits.check(rate_limits.MAIL_ADDRESS, str(form.get("email", "")).strip().lower())
            await in_session(accounts.request_password_reset, email=form.get("email", ""), now=utcnow())
        except DomainError as exc:
            self.error, self.message = await tr(self, exc.key, **exc.params), ""
            return
        self.error, self.message = "", await tr(self, "forgot.sent")

    @rx.event
    async def set_password(self, form: dict):
        """Set the new password from the link's token; every session is ended."""
        raw = self.router.url.query_parameters.get("token", "")
        try:
            await in_session(accounts.reset_password, raw=raw, new=form.get("password", ""), now=utcnow())
        except accounts.InvalidForm as exc:
            self.error = "; ".join((await _field_errors(self, exc.errors)).values())
            return
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error, self.done, self.message = "", True, await tr(self, "reset.done")


class OutboxState(rx.State):
    """The /kotak-surat demo page: mail written to the local outbox when no SMTP is set.

    Nobody reads another person's mail: a signed-in person sees the mail addressed to them
    (a new account's verification link), a superadmin everyone's (audited); an anonymous
    visitor is sent to sign in. In production, or with an SMTP server, the page is empty.
    """

    enabled: bool = False
    mails: list[dict[str, str]] = []

    @rx.event
    @protected()
    async def load(self):
        """List the newest mails this person may read (only while the demo outbox is on)."""
        from mpp_digital.services import mail

        self.enabled, self.mails = mail.outbox_enabled(), []
        if not self.enabled:
            return
        who, ip = principal(), client_ip(self)

        self.mails = [
            {"to": m.to, "subject": m.subject, "date": m.date, "body": m.body,
             "link": next(iter(re.findall(r"https?://\S+", m.body)), "")}
            for m in await in_session(mail.outbox_for, principal=who, now=utcnow(), ip_address=ip)
        ]
