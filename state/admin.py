"""The /admin/peran page (superadmin): grant roles with their scope, read the audit trail."""

from __future__ import annotations

import reflex as rx
from sqlmodel import col, or_, select

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError
from mpp_digital.models import MppSite, Region, Role, User
from mpp_digital.services import accounts, audit
from mpp_digital.services.authz import grants_for
from state.lang import tr
from state.session import principal, protected


class RolesAdminState(rx.State):
    """Users, their roles, and role changes; superadmin only."""

    query: str = ""
    users: list[dict[str, str]] = []
    audit_rows: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""

    async def _load(self):
        self.users, self.audit_rows = await in_session(_users_and_audit, query=self.query)

    @rx.event
    @protected(Role.SUPERADMIN)
    async def load(self):
        """Page loader."""
        self.error, self.notice = "", ""
        await self._load()

    @rx.event
    @protected(Role.SUPERADMIN)
    async def search(self, form: dict):
        """Filter users by name or email."""
        self.query = form.get("query", "")[:100]
        await self._load()

    @rx.event
    @protected(Role.SUPERADMIN)
    async def grant(self, form: dict):
        """Grant a role; the scope is an MPP slug (officer, site_admin) or regency code (regional_head)."""
        try:
            role = Role(form.get("role", ""))
            user_id = int(form.get("user_id", "0"))
        except ValueError:
            self.error = await tr(self, "user.not_found")
            return
        try:
            await in_session(_grant, actor=principal(), user_id=user_id, role=role, scope=form.get("scope", "").strip())
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.error, self.notice = "", await tr(self, "admin.granted")
        await self._load()


def _users_and_audit(*, session, query: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    stmt = select(User).order_by(col(User.id)).limit(50)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(col(User.email).ilike(like), col(User.full_name).ilike(like)))
    users = []
    for user in session.exec(stmt).all():
        grants = grants_for(session=session, user_id=user.id or 0)
        users.append({
            "id": str(user.id),
            "name": user.full_name,
            "email": user.email,
            "roles": ", ".join(
                g.role.value + (f"@{g.site_id}" if g.site_id else "")
                + (f"@{g.regency_code}" if g.regency_code else "")
                for g in grants
            ),
        })
    audit_rows = [
        {"at": r.at.strftime("%d-%m-%Y %H:%M:%S"), "action": r.action, "actor": str(r.actor_user_id or "-"),
         "target": r.target, "ip": r.ip_address}
        for r in audit.recent(session=session, limit=30)
    ]
    return users, audit_rows


def _grant(*, session, actor, user_id: int, role: Role, scope: str) -> None:
    """Grant ``role`` with the scope the form names (an MPP slug or a regency code)."""
    if session.get(User, user_id) is None:
        raise DomainError("user.not_found")
    site_id = regency = None
    if role in (Role.OFFICER, Role.SITE_ADMIN) and scope:
        site = session.exec(select(MppSite).where(MppSite.slug == scope)).first()
        if site is None:
            raise DomainError("role.unknown_scope", scope=scope)
        site_id = site.id
    if role == Role.REGIONAL_HEAD and scope:
        region = session.get(Region, scope)
        if region is None or region.level != 2:
            raise DomainError("role.unknown_scope", scope=scope)
        regency = region.code
    accounts.assign_role(session=session, actor=actor, user_id=user_id, role=role, now=utcnow(), site_id=site_id,
                         regency_code=regency)
