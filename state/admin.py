"""The /admin/peran page: a superadmin grants and revokes roles, deactivates and reactivates accounts,
reads the audit trail; a site admin does the same for the officers of their own MPP (no granting, no
trail). Every change is a service call that checks the role and scope again and is audited."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import Role
from mpp_digital.services import accounts, audit
from state.lang import tr
from state.session import client_ip, principal, protected


def _grant_label(grant: accounts.GrantEntry) -> str:
    """``officer@sragen/Dukcapil`` (a site and agency), ``regional_head@33.14`` (a regency), ``ministry``."""
    scope = grant.site_slug or grant.regency_code or (str(grant.site_id) if grant.site_id else "")
    if scope and grant.agency_name:
        scope += f"/{grant.agency_name}"
    return grant.role.value + (f"@{scope}" if scope else "")


@dataclass
class UserRow:
    """One account in the table of /admin/peran."""

    id: str
    name: str
    email: str
    status: str  # "active" / "inactive" / "closed": a value, translated on the page
    roles: str
    manageable: bool  # the viewer may deactivate or reactivate it


@dataclass
class GrantRow:
    """One role grant, with what revoking it needs."""

    id: str
    user_id: str
    email: str
    role: str
    scope: str
    revocable: bool  # the viewer may take it back


class RolesAdminState(rx.State):
    """Users, their roles and status, and the audit trail of /admin/peran: everything for a
    superadmin; a site admin sees the staff of their own MPP and manages its officers."""

    query: str = ""
    users: list[UserRow] = []
    grants: list[GrantRow] = []
    audit_rows: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    can_grant: bool = False  # superadmin: the grant form and the audit trail
    agency_options: list[list[str]] = []  # [slug, short name] of the agencies at the MPP typed as scope

    async def _load(self):
        actor, query = principal(), self.query
        everything = Role.SUPERADMIN in actor.roles
        entries, recent = await in_session(lambda session: (
            accounts.user_directory(session=session, actor=actor, query=query),
            audit.recent(session=session, limit=30) if everything else []))
        self.can_grant = everything
        self.users = [UserRow(id=str(e.user_id), name=e.full_name, email=e.email, status=e.status,
                              roles=", ".join(_grant_label(g) for g in e.grants), manageable=e.manageable)
                      for e in entries]
        self.grants = [GrantRow(id=str(g.assignment_id), user_id=str(e.user_id), email=e.email, role=g.role.value,
                                scope=_grant_label(g).partition("@")[2], revocable=g.revocable)
                       for e in entries for g in e.grants]
        self.audit_rows = [
            {"at": r.at.strftime("%d-%m-%Y %H:%M:%S"), "action": r.action, "actor": str(r.actor_user_id or "-"),
             "target": r.target, "ip": r.ip_address}
            for r in recent
        ]

    @rx.event
    @protected(Role.SUPERADMIN, Role.SITE_ADMIN)
    async def load(self):
        """Page loader."""
        self.error, self.notice = "", ""
        await self._load()

    @rx.event
    @protected(Role.SUPERADMIN)
    async def pick_scope(self, value: str):
        """The scope typed in the grant form: offer the agencies present at that MPP (an officer's grant)."""
        slug = value.strip()[:80]
        found = await in_session(accounts.agencies_at_site, site_slug=slug)
        self.agency_options = [[agency_slug, short] for agency_slug, short in found]

    @rx.event
    @protected(Role.SUPERADMIN, Role.SITE_ADMIN)
    async def search(self, form: dict):
        """Filter users by name or email."""
        self.query = form.get("query", "")[:100]
        await self._load()

    async def _act(self, action, notice_key: str):
        """Run one audited change of the staff administration, then say so and reload."""
        try:
            await in_session(action)
        except (DomainError, ValueError) as exc:
            self.notice = ""
            self.error = await tr(self, exc.key if isinstance(exc, DomainError) else "user.not_found")
            return
        self.error, self.notice = "", await tr(self, notice_key)
        await self._load()

    @rx.event
    @protected(Role.SUPERADMIN, Role.SITE_ADMIN)
    async def revoke_grant(self, assignment_id: str):
        """Take back one role grant; the grantee's next event already runs without it."""
        await self._act(lambda session: accounts.revoke_role(
            session=session, actor=principal(), assignment_id=int(assignment_id), now=utcnow(),
            ip_address=client_ip(self)), "admin.revoked")

    @rx.event
    @protected(Role.SUPERADMIN, Role.SITE_ADMIN)
    async def deactivate(self, user_id: str):
        """Deactivate an account: its open sessions end, its next event is refused."""
        await self._act(lambda session: accounts.set_account_active(
            session=session, actor=principal(), user_id=int(user_id), active=False, now=utcnow(),
            ip_address=client_ip(self)), "admin.deactivated")

    @rx.event
    @protected(Role.SUPERADMIN, Role.SITE_ADMIN)
    async def reactivate(self, user_id: str):
        """Let a deactivated account sign in again (its old sessions stay ended)."""
        await self._act(lambda session: accounts.set_account_active(
            session=session, actor=principal(), user_id=int(user_id), active=True, now=utcnow(),
            ip_address=client_ip(self)), "admin.reactivated")

    @rx.event
    @protected(Role.SUPERADMIN)
    async def grant(self, form: dict):
        """Grant a role; the scope is an MPP slug (officer, site_admin) or regency code (regional_head);
        an officer also gets one agency present at that MPP."""
        try:
            role = Role(form.get("role", ""))
            user_id = int(form.get("user_id", "0"))
        except ValueError:
            self.error = await tr(self, "user.not_found")
            return
        try:
            await in_session(accounts.grant_by_scope, actor=principal(), user_id=user_id, role=role,
                             scope=form.get("scope", "").strip(), agency=form.get("agency", "").strip(),
                             now=utcnow())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error, self.notice = "", await tr(self, "admin.granted")
        await self._load()

