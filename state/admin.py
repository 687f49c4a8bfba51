"""The /admin/peran page (superadmin): grant roles with their scope, read the audit trail."""

from __future__ import annotations

import reflex as rx
from sqlmodel import col, or_, select

from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
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

    def _load(self):
        with session_scope() as session:
            stmt = select(User).order_by(col(User.id)).limit(50)
            if self.query.strip():
                like = f"%{self.query.strip().lower()}%"
                stmt = stmt.where(or_(col(User.email).ilike(like), col(User.full_name).ilike(like)))
            users = session.exec(stmt).all()
            self.users = []
            for user in users:
                grants = grants_for(session=session, user_id=user.id or 0)
                self.users.append({
                    "id": str(user.id),
                    "name": user.full_name,
                    "email": user.email,
                    "roles": ", ".join(
                        g.role.value + (f"@{g.site_id}" if g.site_id else "")
                        + (f"@{g.regency_code}" if g.regency_code else "")
                        for g in grants
                    ),
                })
            self.audit_rows = [
                {"at": r.at.strftime("%d-%m-%Y %H:%M:%S"), "action": r.action, "actor": str(r.actor_user_id or "-"),
                 "target": r.target, "ip": r.ip_address}
                for r in audit.recent(session=session, limit=30)
            ]

    @rx.event
    @protected(Role.SUPERADMIN)
    async def load(self):
        """Page loader."""
        self.error, self.notice = "", ""
        self._load()

    @rx.event
    @protected(Role.SUPERADMIN)
    async def search(self, form: dict):
        """Filter users by name or email."""
        self.query = form.get("query", "")[:100]
        self._load()

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
        scope = form.get("scope", "").strip()
        site_id = regency = None
        with session_scope() as session:
            if session.get(User, user_id) is None:
                self.error = await tr(self, "user.not_found")
                return
            if role in (Role.OFFICER, Role.SITE_ADMIN) and scope:
                site = session.exec(select(MppSite).where(MppSite.slug == scope)).first()
                if site is None:
                    self.error = await tr(self, "role.unknown_scope", scope=scope)
                    return
                site_id = site.id
            if role == Role.REGIONAL_HEAD and scope:
                region = session.get(Region, scope)
                if region is None or region.level != 2:
                    self.error = await tr(self, "role.unknown_scope", scope=scope)
                    return
                regency = region.code
            try:
                accounts.assign_role(session=session, actor=principal(), user_id=user_id, role=role,
                                     now=utcnow(), site_id=site_id, regency_code=regency)
            except DomainError as exc:
                session.rollback()
                self.error = await tr(self, exc.key, **exc.params)
                return
        self.error, self.notice = "", await tr(self, "admin.granted")
        self._load()
