"""A returned application, corrected by its citizen before sending it back (``act`` "perbaiki").

While the application waits on the citizen (a ``waits_on_citizen`` state), its owner may change
the data answers and replace the document of a requirement item; the officer's note says what.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from mpp_digital.errors import DomainError
from mpp_digital.models import Application, ApplicationDocument, MppSite, StoredDocument
from mpp_digital.services.applications.drafts import (
    check_answers,
    check_attachable,
    document_item,
    kept_answers,
    online_service,
    open_answers,
)
from mpp_digital.services.applications.workflow import load_workflow
from mpp_digital.services.applications.working_days import local_day


def _waiting_own(session: Session, citizen_id: int, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.citizen_id != citizen_id:
        raise DomainError("app.not_found", number="")
    if not application.open or not load_workflow(application.workflow).state(application.state).waits_on_citizen:
        raise DomainError("app.not_waiting")
    return application


def revise_answers(*, session: Session, citizen_id: int, application_id: int, answers: dict[str, str],
                   now: datetime) -> dict[str, str]:
    """Replace the data answers of a returned application; returns the errors (nothing stored then).

    Raises:
        DomainError: ``app.not_found`` (not the citizen's), ``app.not_waiting``.
    """
    application = _waiting_own(session, citizen_id, application_id)
    _, items = online_service(session=session, service_id=application.service_id)
    merged = {**open_answers(application.data_sealed), **answers}
    cleaned, sealed = kept_answers(items, merged)
    site = session.get(MppSite, application.site_id)
    assert site is not None
    errors = check_answers(session=session, items=items, answers=cleaned, today=local_day(site, now))
    if not errors:
        application.data_sealed = sealed
        application.updated_at = now
        session.add(application)
    return errors


def replace_document(*, session: Session, citizen_id: int, application_id: int, item_key: str, document_id: int,
                     now: datetime, reused: bool = False) -> None:
    """Attach another of the citizen's documents to one item of a returned application.

    Raises:
        DomainError: ``app.not_found``, ``app.not_waiting``. NotAllowed: ``doc.not_found``.
        ValidationError: ``app.unknown_item``, ``app.no_wallet``, ``doc.type``, ``doc.app_too_big``.
    """
    from mpp_digital.services import documents

    application = _waiting_own(session, citizen_id, application_id)
    _, items = online_service(session=session, service_id=application.service_id)
    check_attachable(session=session, items=items, citizen_id=citizen_id, item_key=item_key,
                     document_id=document_id, reused=reused)
    links = session.exec(select(ApplicationDocument).where(ApplicationDocument.application_id == application_id)).all()
    kept = [link.document_id for link in links if link.item_key != item_key]
    documents.check_application_size(session=session, document_ids=[*kept, document_id])
    for link in links:
        if link.item_key == item_key:
            session.delete(link)
    session.flush()
    session.add(ApplicationDocument(application_id=application_id, item_key=item_key, document_id=document_id,
                                    attached_at=now))
    application.updated_at = now
    session.add(application)


def upload_replacement(*, session: Session, citizen_id: int, application_id: int, item_key: str, data: bytes,
                       name: str, now: datetime) -> StoredDocument:
    """Store an upload for one document item of a returned application and put it in place.

    Raises:
        DocumentRejected, and what ``replace_document`` raises.
    """
    from mpp_digital.services import documents

    application = _waiting_own(session, citizen_id, application_id)
    _, items = online_service(session=session, service_id=application.service_id)
    item = document_item(items, item_key)
    row = documents.store_document(session=session, owner_id=citizen_id, kind=item.doc_kind or "lainnya",
                                   label=name or item.label, data=data, now=now, accept=tuple(item.accept))
    session.flush()
    replace_document(session=session, citizen_id=citizen_id, application_id=application_id, item_key=item_key,
                     document_id=row.id or 0, now=now)
    return row
