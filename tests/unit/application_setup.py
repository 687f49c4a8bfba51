"""An application row for the document and output tests (the lifecycle is another module's)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Session

from mpp_digital.models import Application, User
from tests.unit.queue_setup import QueueWorld


def add_application(session: Session, world: QueueWorld, citizen: User, now: datetime, *,
                    state: str = "diajukan", open_: bool = True) -> Application:
    """An application of ``citizen`` for the world's online service at its site (flushed)."""
    application = Application(tracking_number=f"MPP-3314-2026-{uuid.uuid4().int % 10**6:06d}", citizen_id=citizen.id,
                              site_id=world.site.id, agency_id=world.agency.id, service_id=world.online.id,
                              workflow={}, state=state, open=open_, submitted_at=now,
                              due_date=date(2026, 12, 10), updated_at=now)
    session.add(application)
    session.flush()
    return application


def remove_applications(session: Session, application_ids: list[int]) -> None:
    """Delete committed applications with their documents' links, access log and outputs."""
    from sqlalchemy import delete

    from mpp_digital.models import ApplicationDocument, DocumentAccess, IssuedOutput

    for table in (DocumentAccess, IssuedOutput, ApplicationDocument):
        session.exec(delete(table).where(table.application_id.in_(application_ids)))  # type: ignore[call-overload]
    session.exec(delete(Application).where(Application.id.in_(application_ids)))  # type: ignore[call-overload]
