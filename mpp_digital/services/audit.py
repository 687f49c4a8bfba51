"""Audit trail: who did what, when, from where."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from mpp_digital.models import AuditLog


def record(
    *,
    session: Session,
    action: str,
    now: datetime,
    actor_user_id: int | None = None,
    target: str = "",
    ip_address: str = "",
    detail: dict | None = None,
) -> AuditLog:
    """Add one audit row to the session (committed with the action it records)."""
    row = AuditLog(
        at=now,
        actor_user_id=actor_user_id,
        action=action,
        target=target,
        ip_address=ip_address,
        detail=detail or {},
    )
    session.add(row)
    return row


def recent(*, session: Session, actor_user_id: int | None = None, limit: int = 50) -> list[AuditLog]:
    """The newest audit rows, optionally of one actor."""
    query = select(AuditLog).order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)
    if actor_user_id is not None:
        query = query.where(AuditLog.actor_user_id == actor_user_id)
    return list(session.exec(query).all())
