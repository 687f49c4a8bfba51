""""Dokumen saya" (/dokumen) and "Siapa yang melihat data saya" (the access log on /profil).

The files themselves are served by the backend route ``/akun/dokumen/<id>`` (document_routes),
which reads the request's own session cookie; no document's bytes pass through a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import reflex as rx

from mpp_digital import formatting, routes
from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import ValidationError
from mpp_digital.i18n import t
from mpp_digital.services import documents
from state.lang import LangState, tr
from state.session import principal, protected


@dataclass
class DocumentRow:
    """One document in the "Dokumen saya" table."""

    id: int
    label: str
    kind: str
    type_label: str  # PDF / JPEG / PNG
    size: str
    created: str
    is_output: bool
    in_use: bool
    deletable: bool
    view_url: str
    download_url: str
    verify_url: str  # an output's public verification page ("" for uploads)


@dataclass
class AccessRow:
    """One staff read of my documents, as I see it."""

    at: str
    viewer: str
    where: str  # agency at site
    document: str
    tracking_number: str
    action: str


def aware_utc(moment: datetime) -> datetime:
    """A database datetime as an aware UTC one (SQLite gives them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _size(size: int, lang: str) -> str:
    if size >= 1024 * 1024:
        return f"{formatting.number(size / (1024 * 1024), lang, decimals=1)} MB"
    return f"{formatting.number(max(1, round(size / 1024)), lang)} KB"


def document_rows(views: list[documents.DocumentView], lang: str) -> list[DocumentRow]:
    """The page's rows of ``documents_of`` in the reader's language."""
    return [DocumentRow(id=v.id, label=v.label or t(f"docs.kind.{v.kind}", lang), kind=v.kind,
                        type_label=documents.EXTENSIONS.get(v.mime, "").upper(), size=_size(v.size, lang),
                        created=formatting.moment(aware_utc(v.created_at), lang), is_output=v.source == "output",
                        in_use=v.in_open_application, deletable=v.deletable,
                        view_url=routes.document_file_url(v.id), download_url=routes.document_file_url(v.id, download=True),
                        verify_url=routes.verification_url(v.output_code) if v.output_code else "")
            for v in views]


def access_rows(views: list[documents.AccessView], lang: str) -> list[AccessRow]:
    """The access log's rows in the reader's language."""
    return [AccessRow(at=formatting.moment(aware_utc(v.at), lang), viewer=v.viewer_name,
                      where=" · ".join(part for part in (v.agency_name, v.site_name) if part),
                      document=v.document_label, tracking_number=v.tracking_number,
                      action=t(f"docs.access.{v.action}", lang))
            for v in views]


async def reader_lang(state: rx.State) -> str:
    """The reader's language ("id" unless they chose "en")."""
    lang = (await state.get_state(LangState)).lang
    return lang if lang in ("id", "en") else "id"


class MyDocumentsState(rx.State):
    """/dokumen: my uploads and issued outputs; delete an upload no open application uses."""

    rows: list[DocumentRow] = []
    confirm_id: int = 0  # the upload whose deletion waits for the confirmation dialog
    confirm_label: str = ""
    notice: str = ""
    error: str = ""

    async def _reload(self) -> None:
        views = await in_session(documents.documents_of, owner_id=principal().user_id)
        self.rows = document_rows(views, await reader_lang(self))

    @rx.event
    @protected()
    async def load(self):
        """Page loader: every live document of the signed-in person."""
        self.notice, self.error, self.confirm_id, self.confirm_label = "", "", 0, ""
        await self._reload()

    @rx.event
    @protected()
    async def ask_delete(self, document_id: int):
        """Open the confirmation for one of my deletable uploads (only my own rows are offered)."""
        row = next((r for r in self.rows if r.id == int(document_id) and r.deletable), None)
        self.confirm_id, self.confirm_label = (row.id, row.label) if row else (0, "")

    @rx.event
    @protected()
    async def cancel_delete(self):
        """Close the confirmation without deleting."""
        self.confirm_id, self.confirm_label = 0, ""

    @rx.event
    @protected()
    async def confirm_delete(self):
        """Delete the confirmed upload (the service checks the owner and that no open application uses it)."""
        document_id, self.confirm_id, self.confirm_label = self.confirm_id, 0, ""
        self.notice, self.error = "", ""
        if not document_id:
            return
        try:
            await in_session(documents.delete_upload, owner_id=principal().user_id, document_id=document_id,
                             now=utcnow())
        except ValidationError as exc:
            self.error = await tr(self, exc.key, **exc.params)
        else:
            self.notice = await tr(self, "docs.deleted")
        await self._reload()


class AccessLogState(rx.State):
    """The "Siapa yang melihat data saya" card of /profil: staff reads of my documents."""

    rows: list[AccessRow] = []

    @rx.event
    @protected()
    async def load(self):
        """Page loader: the newest staff reads of the signed-in person's documents."""
        views = await in_session(documents.access_log_of, owner_id=principal().user_id)
        self.rows = access_rows(views, await reader_lang(self))
