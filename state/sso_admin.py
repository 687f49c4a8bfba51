"""The /admin/aplikasi page: the registry of agency apps (ministry and superadmin)."""

from __future__ import annotations

import json

import reflex as rx

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import Role
from mpp_digital.services import accounts, sso
from state.lang import tr
from state.once import show_once
from state.session import client_ip, principal, protected

AUTH_METHODS = sso.AUTH_METHODS  # for the page, which does not import services
SECRET_ELEMENT = "new-client-secret"  # where the page shows a new client secret, once


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").replace(",", "\n").splitlines() if line.strip()]


class ClientRegistryState(rx.State):
    """Register, rotate and disable the agency apps that sign citizens in with MPP Digital."""

    clients: list[dict[str, str]] = []
    agencies: list[list[str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    # The app whose new secret was just shown; the secret itself never enters the state
    # (state/once.py): it is written into the page once.
    new_client_id: str = ""

    async def _load(self):
        actor = principal()
        rows, choices = await in_session(
            lambda session: (sso.list_clients(session=session, actor=actor), sso.agency_choices(session=session)))
        self.agencies = [[str(i), name] for i, name in choices]
        self.clients = [
            {
                "client_id": c.client_id,
                "name": c.name,
                "agency": agency,
                "redirect_uris": " ".join(c.redirect_uris),
                "scopes": " ".join(c.allowed_scopes),
                "auth_method": c.token_endpoint_auth_method,
                "legal_basis": c.nik_legal_basis,
                "active": "1" if c.is_active else "",
            }
            for c, agency in rows
        ]

    @rx.event
    @protected(Role.MINISTRY)
    async def load(self):
        """Page loader."""
        self.errors, self.notice, self.new_client_id = {}, "", ""
        await self._load()

    @rx.event
    @protected(Role.MINISTRY)
    async def register(self, form: dict):
        """Register an app; a client secret is shown once."""
        self.new_client_id = ""
        jwks = None
        if form.get("auth_method") == "private_key_jwt":
            try:
                jwks = json.loads(form.get("jwks") or "{}")
            except ValueError:
                jwks = {}
        agency = str(form.get("agency_id", ""))
        registration = sso.ClientRegistration(
            name=form.get("name", ""),
            agency_id=int(agency) if agency.isdigit() else None,
            redirect_uris=_lines(form.get("redirect_uris", "")),
            post_logout_redirect_uris=_lines(form.get("logout_uris", "")),
            auth_method=form.get("auth_method", "client_secret_basic"),
            scopes=[s for s in sso.SCOPES if form.get(f"scope_{s}") in (True, "on", "true")] or ["openid"],
            jwks=jwks,
            nik_legal_basis=form.get("legal_basis", ""),
        )
        try:
            client, secret = await in_session(sso.register_client, actor=principal(), registration=registration,
                                              now=utcnow(), ip_address=client_ip(self))
            client_id, name = client.client_id, client.name
        except accounts.InvalidForm as exc:
            self.errors = {k: await tr(self, e.key, **e.params) for k, e in exc.errors.items()}
            return
        self.errors = {}
        self.new_client_id = client_id
        self.notice = await tr(self, "sso.admin.registered", name=name)
        await self._load()
        return show_once(SECRET_ELEMENT, secret or "")

    @rx.event
    @protected(Role.MINISTRY)
    async def rotate(self, client_id: str):
        """Issue a new client secret (shown once); the old one stops working."""
        try:
            secret = await in_session(sso.rotate_client_credentials, actor=principal(), client_id=client_id,
                                      now=utcnow(), ip_address=client_ip(self))
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key, **exc.params))
        self.new_client_id = client_id
        self.notice = await tr(self, "sso.admin.rotated", client_id=client_id)
        await self._load()
        return show_once(SECRET_ELEMENT, secret or "")

    @rx.event
    @protected(Role.MINISTRY)
    async def toggle(self, client_id: str):
        """Disable an active app (its tokens are revoked) or enable a disabled one."""
        current = next((c for c in self.clients if c.get("client_id") == client_id), None)
        active = not (current and current.get("active"))
        try:
            await in_session(sso.set_client_active, actor=principal(), client_id=client_id, active=active,
                             now=utcnow(), ip_address=client_ip(self))
        except DomainError as exc:
            return rx.toast.error(await tr(self, exc.key, **exc.params))
        self.new_client_id = ""
        self.notice = await tr(self, "sso.admin.enabled" if active else "sso.admin.disabled", client_id=client_id)
        await self._load()
