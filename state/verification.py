"""/verifikasi/[kode]: anyone checks an issued output (the QR code's page), and may drop the PDF.

Public on purpose: the view holds no personal data beyond the holder's masked name
(``services.outputs.verification``); the dropped file is compared by its SHA-256 and not kept.
"""

from __future__ import annotations

import hashlib

import reflex as rx

from mpp_digital import formatting, routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import ValidationError
from mpp_digital.models import Role
from mpp_digital.services import documents, outputs, rate_limits
from state.documents import aware_utc, reader_lang
from state.lang import tr
from state.session import client_ip, principal, protected, public_upload
from state.uploads import PUBLIC_MAX_UPLOAD_BYTES


class OutputVerificationState(rx.State):
    """The public verification page of an output, and the code field of /verifikasi."""

    code: str = ""
    searched: bool = False  # a code was looked up
    found: bool = False
    valid: bool = False
    revoked_at: str = ""
    issued_at: str = ""
    site_name: str = ""
    agency_name: str = ""
    service_name: str = ""
    product: str = ""
    sha256: str = ""
    holder_masked: str = ""
    demo: bool = False
    file_result: str = ""  # "" / "same" / "different"
    sha256_of_file: str = ""
    file_error: str = ""

    @rx.event
    async def load(self):
        """Page loader of /verifikasi/[kode]: the output's public view (or "not found")."""
        await self._show(str(self.router.page.params.get("kode", "") or ""))

    async def _show(self, raw: str) -> None:
        """Look ``raw`` up and fill the page (everything else reset)."""
        self.reset()
        self.code, self.searched = outputs.normalise_code(raw) or raw[:40], True
        view = await in_session(outputs.verification, code=self.code)
        if view is None:
            return
        lang = await reader_lang(self)
        self.found, self.valid, self.code = True, view.valid, view.code
        self.revoked_at = formatting.moment(aware_utc(view.revoked_at), lang) if view.revoked_at else ""
        self.issued_at = formatting.day(view.issued_at.date(), lang)
        self.site_name, self.agency_name = view.site_name, view.agency_name
        self.service_name, self.product = view.service_name, view.product
        self.sha256, self.holder_masked, self.demo = view.sha256, view.holder_masked, view.demo

    @rx.event
    async def go(self, form: dict):
        """The code field: open the verification page of a typed code."""
        code = outputs.normalise_code(str(form.get("code", "")))
        if not code:
            self.searched, self.found, self.code = True, False, str(form.get("code", ""))[:40]
            return
        return rx.redirect(routes.verification_url(code))

    @rx.event
    @public_upload
    async def check_file(self, files: list[rx.UploadFile]):
        """Whether the dropped PDF is exactly this output (its SHA-256); nothing is kept."""
        self.file_result, self.file_error, self.sha256_of_file = "", "", ""
        if not files or not self.found:
            return
        try:
            await rate_limits.check(rate_limits.VERIFY_FILE, client_ip(self))
            data = await documents.read_limited(files[0], PUBLIC_MAX_UPLOAD_BYTES)
        except (rate_limits.RateLimited, documents.DocumentRejected) as exc:
            self.file_error = await tr(self, exc.key, **exc.params)
            return
        same = await in_session(outputs.verify_file, code=self.code, data=data)
        self.file_result = "same" if same else "different"
        self.sha256_of_file = hashlib.sha256(data).hexdigest()


def _revoke(*, session, code: str, who, reason: str, ip: str) -> None:  # noqa: ANN001 (a Session and a Principal)
    output_id = outputs.output_id_of(session=session, code=code)
    if output_id is None:
        raise ValidationError("code", "verify_doc.not_found")
    outputs.revoke_output(session=session, output_id=output_id, principal=who, reason=reason, now=utcnow(),
                          ip_address=ip)


class OutputRevokeState(rx.State):
    """The revoke form under an output on /verifikasi/[kode] (its issuing officer or a site admin of its site)."""

    error: str = ""

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def revoke(self, form: dict):
        """Revoke the output on this page with a reason; the service checks who may (and audits it)."""
        self.error = ""
        page = await self.get_state(OutputVerificationState)
        try:
            await in_session(_revoke, code=page.code, who=principal(), reason=str(form.get("reason", "")),
                             ip=client_ip(self))
        except ValidationError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        await page._show(page.code)  # the page says "revoked" at once
