"""Single sign-on for the citizen: the consent page and "Aplikasi terhubung" in the profile."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from mpp_digital import routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.services import assurance, sso
from state.lang import tr
from state.session import client_ip, full_page_load, principal, protected

SCOPES = sso.SCOPES  # for the pages, which do not import services


class ConsentState(rx.State):
    """The /izin-aplikasi page: which agency app asks for which of my data; allow or deny."""

    client_name: str = ""
    agency_name: str = ""
    scopes: list[str] = []
    legal_basis: str = ""
    nik_withheld: bool = False  # the app asks for the NIK, which a self-declared account does not release
    signed_in_as: str = ""
    error: str = ""
    # The authorization request being answered (backend only: never sent to the browser).
    _request: dict[str, str] = {}

    @rx.event
    @protected()
    async def load(self):
        """Page loader: describe the request in the page's query string."""
        params = {k: v for k, v in self.router.url.query_parameters.items() if k != routes.CONSENT_DENIED_PARAM}
        self.client_name, self.agency_name, self.scopes, self.legal_basis, self.error = "", "", [], "", ""
        self.nik_withheld = False
        self._request = {}
        try:
            request = await in_session(sso.describe_request, client_id=params.get("client_id", ""),
                                       redirect_uri=params.get("redirect_uri", ""), scope=params.get("scope", ""))
        except DomainError:
            self.error = await tr(self, "sso.consent.missing")
            return
        self._request = params
        self.client_name, self.agency_name = request.client_name, request.agency_name
        self.scopes = request.scopes
        self.legal_basis = request.nik_legal_basis if "nik" in request.scopes else ""
        self.nik_withheld = "nik" in request.scopes and not await in_session(assurance.is_verified,
                                                                             user_id=principal().user_id)
        self.signed_in_as = f"{principal().full_name} ({principal().email})"

    @rx.event
    @protected()
    async def allow(self):
        """Store the consent, then let the authorization endpoint issue the code."""
        params = dict(self._request)
        if not params:
            self.error = await tr(self, "sso.consent.missing")
            return
        try:
            await in_session(sso.grant_consent, principal=principal(), client_id=params.get("client_id", ""),
                             redirect_uri=params.get("redirect_uri", ""), scope=params.get("scope", ""),
                             now=utcnow(), ip_address=client_ip(self))
        except DomainError:
            self.error = await tr(self, "sso.consent.missing")
            return
        self._request = {}
        return full_page_load(f"{routes.OAUTH_AUTHORIZE}?{urlencode(params)}")

    @rx.event
    @protected()
    async def deny(self):
        """Send the agency app the standard ``access_denied`` answer."""
        params = dict(self._request)
        if not params:
            self.error = await tr(self, "sso.consent.missing")
            return
        self._request = {}
        return full_page_load(f"{routes.OAUTH_AUTHORIZE}?{urlencode({**params, routes.CONSENT_DENIED_PARAM: 'deny'})}")


class ConnectedAppsState(rx.State):
    """ "Aplikasi terhubung" on /profil: the agency apps I allowed, and withdrawing that."""

    apps: list[dict[str, str]] = []
    notice: str = ""

    async def _refresh(self):
        rows = await in_session(sso.connected_apps, user_id=principal().user_id)
        self.apps = [
            {
                "client_id": app.client_id,
                "name": app.client_name,
                "agency": app.agency_name,
                "claims": ", ".join([await tr(self, f"sso.claim.{s}") for s in app.scopes if s != "openid"]),
                "since": app.granted_at.strftime("%d-%m-%Y %H:%M UTC"),
                "last_used": app.last_used_at.strftime("%d-%m-%Y %H:%M UTC") if app.last_used_at else "-",
            }
            for app in rows
        ]

    @rx.event
    @protected()
    async def load(self):
        """Page loader (part of /profil)."""
        self.notice = ""
        await self._refresh()

    @rx.event
    @protected()
    async def revoke(self, client_id: str):
        """Withdraw my consent for one app; its tokens for me are revoked at once."""
        name = next((a.get("name", "") for a in self.apps if a.get("client_id") == client_id), client_id)
        try:
            await in_session(sso.revoke_consent, principal=principal(), client_id=client_id, now=utcnow(),
                             ip_address=client_ip(self))
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key, **exc.params))
        await self._refresh()
        self.notice = await tr(self, "sso.connected.revoked", name=name)
