"""On /dasbor/nasional (ministry): the monthly PDF report and the import of historical volumes.

Both are long work with progress shown: the handler is an async generator (guarded like every
other handler) that runs the service in a worker thread and yields the progress it reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import reflex as rx

from mpp_digital.blocking import in_thread
from mpp_digital.clock import utcnow
from mpp_digital.db import session_scope
from mpp_digital.models import Role
from mpp_digital.services import imports, reports
from state.dashboard import _lang, previous_month_text
from state.lang import tr
from state.session import principal, protected
from state.uploads import MAX_UPLOAD_BYTES


class _Progress:
    """Progress reported by a worker thread, read by the handler between yields."""

    def __init__(self) -> None:
        self.fraction, self.stage = 0.0, "read"

    def __call__(self, fraction: float, stage: str) -> None:
        self.fraction, self.stage = fraction, stage


async def _run_with_progress(state: rx.State, work: Callable[[_Progress], object], tracker: _Progress):
    """Run ``work`` in a thread; yield while it runs so the page sees ``state.progress`` move."""
    task = asyncio.ensure_future(in_thread(work, tracker))
    while not task.done():
        await asyncio.sleep(0.25)
        state.progress = int(tracker.fraction * 100)
        state.stage = await tr(state, f"dash.progress.{tracker.stage}")
        yield None
    yield task.result()


class MonthlyReportState(rx.State):
    """The monthly cross-region PDF report for KemenPANRB, built on request."""

    month: str = ""
    busy: bool = False
    progress: int = 0
    stage: str = ""
    notice: str = ""
    error: str = ""

    @rx.event
    @protected(Role.MINISTRY)
    async def load(self):
        """Page loader: the last full month."""
        self.month = previous_month_text()
        self.busy, self.progress, self.stage, self.notice, self.error = False, 0, "", "", ""

    @rx.event
    @protected(Role.MINISTRY)
    async def build(self, form: dict):
        """Build the PDF of one month, showing progress, and download it."""
        raw = str(form.get("month") or self.month or previous_month_text())
        try:
            month = date.fromisoformat(raw + "-01")
        except ValueError:
            self.error = await tr(self, "dash.report.bad_month")
            yield
            return
        lang = await _lang(self)
        self.month, self.busy, self.progress, self.error, self.notice = raw, True, 0, "", ""
        yield
        principal()

        def work(progress: _Progress) -> bytes:
            with session_scope() as session:
                return reports.monthly_report_pdf(session=session, month=month, lang=lang, now=utcnow(),
                                                  progress=progress)

        pdf = b""
        try:
            async for result in _run_with_progress(self, work, _Progress()):
                if result is None:
                    yield
                else:
                    pdf = result  # type: ignore[assignment]
        finally:
            self.busy = False
        self.progress, self.notice = 100, await tr(self, "dash.report.ready", month=raw)
        yield rx.download(data=pdf, filename=f"laporan-mpp-{raw}.pdf", mime_type="application/pdf")


class HistoryImportState(rx.State):
    """Import of historical volumes: upload, validation report or result, progress."""

    busy: bool = False
    progress: int = 0
    stage: str = ""
    notice: str = ""
    error: str = ""
    errors: list[dict[str, str]] = []

    @rx.event
    @protected(Role.MINISTRY)
    async def upload(self, files: list[rx.UploadFile]):
        """Receive the file, then validate and import it (all rows or none), showing progress."""
        self.errors, self.notice, self.error = [], "", ""
        if not files:
            self.error = await tr(self, "dash.import.no_file")
            yield
            return
        upload = files[0]
        content = await upload.read()
        if len(content) > MAX_UPLOAD_BYTES:
            self.error = await tr(self, "dash.import.too_big", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
            yield
            return
        filename = upload.name or "upload.csv"
        user_id = principal().user_id
        self.busy, self.progress = True, 0
        yield

        def work(progress: _Progress) -> imports.ImportReport:
            with session_scope() as session:
                return imports.import_history(session=session, content=content, filename=filename, now=utcnow(),
                                              user_id=user_id, progress=progress)

        report: imports.ImportReport | None = None
        try:
            async for result in _run_with_progress(self, work, _Progress()):
                if result is None:
                    yield
                else:
                    report = result  # type: ignore[assignment]
        finally:
            self.busy = False
        assert report is not None
        self.progress = 100
        if report.accepted:
            self.notice = await tr(self, "dash.import.done", file=filename, added=report.rows_added,
                                   present=report.rows_present)
        else:
            self.error = await tr(self, "dash.import.refused", file=filename, count=len(report.errors))
            self.errors = [{"row": str(e.row), "column": e.column or "–", "problem": await tr(self, e.key, **e.params)}
                           for e in report.errors[:200]]

    @rx.event
    @protected(Role.MINISTRY)
    async def template(self):
        """Download an example file with the expected columns."""
        return rx.download(data=imports.TEMPLATE_CSV, filename="templat-impor-riwayat.csv", mime_type="text/csv")
