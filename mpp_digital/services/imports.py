"""Import of historical volumes from MPPs not yet on MPP Digital (CSV or XLSX, read with pandas).

One row is the volume of one service on one channel at one site on one day (optionally one
hour). Every row is validated first; a file with any bad row is refused whole with a report
of (row, column, what is wrong), so nothing is half-imported. Each row has a natural key
(day, site, service, channel, hour): a row already imported with the same figures is skipped,
so re-importing a file changes nothing; the same key with other figures is reported as an
error rather than counted twice.

Columns (header names are case-insensitive; the template is ``TEMPLATE_CSV``):
``tanggal`` (YYYY-MM-DD or DD-MM-YYYY), ``mpp`` (site slug), ``layanan`` (service slug),
``kanal`` (langsung/online/keliling), ``jumlah`` (1-100000), optional ``jam`` (0-23) and
optional ``rata_tunggu_menit`` (average wait, 0-1440; the whole volume goes into the wait
histogram bucket of that average, so quantiles of imported days are coarser).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

import pandas as pd
from sqlalchemy import insert, select
from sqlmodel import Session, col

from mpp_digital.models import HistoryImport, MppSite, Service, ServiceEvent, SiteService
from mpp_digital.services import analytics

REQUIRED = ("tanggal", "mpp", "layanan", "kanal", "jumlah")
OPTIONAL = ("jam", "rata_tunggu_menit")
CHANNEL_NAMES = {"langsung": "direct", "direct": "direct", "online": "online", "daring": "online",
                 "keliling": "mobile", "mobile": "mobile"}
MAX_ROWS = 500_000
MAX_VOLUME = 100_000
SOURCE = "import"
TEMPLATE_CSV = (
    "tanggal,mpp,layanan,kanal,jumlah,jam,rata_tunggu_menit\n"
    "2025-03-03,banyumas,ktp-el,langsung,42,9,14.5\n"
    "2025-03-03,banyumas,ktp-el,online,11,,\n"
)

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (the header is row 1), column, message key and its parameters."""

    row: int
    column: str
    key: str
    params: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    """The outcome of an import: accepted (rows added, rows already present) or refused (errors)."""

    filename: str
    rows_total: int = 0
    rows_added: int = 0
    rows_present: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Whether the file was imported (nothing is imported when any row is wrong)."""
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    day: date
    site: MppSite
    service: Service
    channel: str
    volume: int
    hour: int | None
    wait_seconds: int | None

    @property
    def ref(self) -> str:
        key = f"{self.day.isoformat()}|{self.site.slug}|{self.service.slug}|{self.channel}|{self.hour}"
        return hashlib.sha256(key.encode()).hexdigest()


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """The uploaded file as a table of strings (CSV in UTF-8, or the first sheet of an XLSX)."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        frame = pd.read_excel(io.BytesIO(content), dtype=str, keep_default_na=False, engine="openpyxl")
    else:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            sep=None, engine="python")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.fillna("")


def _parse_day(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_int(text: str) -> int | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def validate(*, session: Session, frame: pd.DataFrame, today: date,
             progress: Progress | None = None) -> tuple[list[_Row], list[RowError]]:
    """Check every row; returns the parsed rows and every problem found (all of them, not the first)."""
    errors: list[RowError] = []
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return [], [RowError(1, c, "import.missing_column") for c in missing]
    if len(frame) == 0:
        return [], [RowError(2, "", "import.empty")]
    if len(frame) > MAX_ROWS:
        return [], [RowError(1, "", "import.too_many_rows", {"limit": MAX_ROWS})]
    sites = {s.slug: s for s in session.execute(select(MppSite)).scalars()}
    services = {s.slug: s for s in session.execute(select(Service)).scalars()}
    offers = {(o.site_id, o.service_id): o for o in session.execute(select(SiteService)).scalars()}
    rows: list[_Row] = []
    first_line: dict[str, int] = {}
    earliest = date(2010, 1, 1)
    for i, rec in enumerate(frame.to_dict("records")):
        line = i + 2
        if progress and i % 5000 == 0:
            progress(0.5 * i / len(frame), "validate")
        cell = {k: str(rec.get(k, "")).strip() for k in (*REQUIRED, *OPTIONAL)}
        before = len(errors)
        day = _parse_day(cell["tanggal"])
        if day is None:
            errors.append(RowError(line, "tanggal", "import.bad_date", {"value": cell["tanggal"]}))
        elif day > today or day < earliest:
            errors.append(RowError(line, "tanggal", "import.date_out_of_range", {"value": cell["tanggal"]}))
        site = sites.get(cell["mpp"].lower())
        if site is None:
            errors.append(RowError(line, "mpp", "import.unknown_site", {"value": cell["mpp"]}))
        service = services.get(cell["layanan"].lower())
        if service is None:
            errors.append(RowError(line, "layanan", "import.unknown_service", {"value": cell["layanan"]}))
        channel = CHANNEL_NAMES.get(cell["kanal"].lower())
        if channel is None:
            errors.append(RowError(line, "kanal", "import.bad_channel", {"value": cell["kanal"]}))
        if site is not None and service is not None:
            offer = offers.get((site.id, service.id))
            if offer is None:
                errors.append(RowError(line, "layanan", "import.not_offered",
                                       {"value": cell["layanan"], "site": site.slug}))
            elif channel is not None and not getattr(offer, channel):
                errors.append(RowError(line, "kanal", "import.channel_not_offered", {"value": cell["kanal"]}))
        volume = _parse_int(cell["jumlah"])
        if volume is None or not 1 <= volume <= MAX_VOLUME:
            errors.append(RowError(line, "jumlah", "import.bad_volume", {"value": cell["jumlah"], "max": MAX_VOLUME}))
        hour = None
        if cell["jam"]:
            hour = _parse_int(cell["jam"])
            if hour is None or not 0 <= hour <= 23:
                errors.append(RowError(line, "jam", "import.bad_hour", {"value": cell["jam"]}))
        wait = None
        if cell["rata_tunggu_menit"]:
            try:
                minutes = float(cell["rata_tunggu_menit"].replace(",", "."))
            except ValueError:
                minutes = -1.0
            if not 0 <= minutes <= 1440:
                errors.append(RowError(line, "rata_tunggu_menit", "import.bad_wait",
                                       {"value": cell["rata_tunggu_menit"]}))
            elif channel == "online":
                errors.append(RowError(line, "rata_tunggu_menit", "import.wait_online", {}))
            else:
                wait = int(round(minutes * 60))
        if len(errors) > before:
            continue
        row = _Row(line, day, site, service, channel, volume, hour, wait)  # type: ignore[arg-type]
        if row.ref in first_line:
            errors.append(RowError(line, "", "import.duplicate_row", {"first": first_line[row.ref]}))
            continue
        first_line[row.ref] = line
        rows.append(row)
    return rows, errors


def _existing(session: Session, refs: list[str]) -> dict[str, tuple[int, int | None]]:
    found: dict[str, tuple[int, int | None]] = {}
    for begin in range(0, len(refs), 1000):
        chunk = refs[begin:begin + 1000]
        stmt = (select(ServiceEvent.source_ref, ServiceEvent.quantity, ServiceEvent.wait_seconds)
                .where(ServiceEvent.source == SOURCE, col(ServiceEvent.source_ref).in_(chunk)))
        for ref, quantity, wait in session.execute(stmt):
            found[ref] = (quantity, wait)
    return found


def import_history(
    *,
    session: Session,
    content: bytes,
    filename: str,
    now: datetime,
    user_id: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and import a file of historical volumes, all rows or none; the caller commits.

    Returns the report; when ``report.errors`` is not empty nothing was written.
    """
    say = progress or (lambda _fraction, _stage: None)
    report = ImportReport(filename=filename)
    try:
        frame = read_table(content, filename)
    except Exception:  # noqa: BLE001 - any unreadable upload is one error for the person
        report.errors.append(RowError(1, "", "import.unreadable"))
        return report
    report.rows_total = len(frame)
    rows, errors = validate(session=session, frame=frame, today=analytics.local_today(now, 9), progress=say)
    existing = _existing(session, [r.ref for r in rows])
    new_rows = []
    for row in rows:
        seen = existing.get(row.ref)
        if seen is None:
            new_rows.append(row)
        elif seen != (row.volume, row.wait_seconds):
            errors.append(RowError(row.line, "jumlah", "import.conflict",
                                   {"value": row.volume, "stored": seen[0]}))
    if errors:
        report.errors = sorted(errors, key=lambda e: (e.row, e.column))
        return report
    report.rows_present = len(rows) - len(new_rows)
    say(0.55, "store")
    events = []
    cache: dict[int, MppSite] = {}
    for row in new_rows:
        offset = timezone(timedelta(hours=analytics.utc_offset_hours(row.site.regency_code)))
        at = datetime.combine(row.day, time(row.hour if row.hour is not None else 12), offset)
        events.append(analytics.build_event(
            session=session, kind="application" if row.channel == "online" else "queue", outcome="served",
            site_id=row.site.id or 0, agency_id=row.service.agency_id, service_id=row.service.id,
            channel=row.channel, occurred_at=at, wait_seconds=row.wait_seconds, quantity=row.volume,
            source=SOURCE, source_ref=row.ref, site_cache=cache, derive_sla=False, hour_known=row.hour is not None,
        ))
    table = ServiceEvent.__table__
    columns = [c.name for c in table.columns if c.name != "id"]
    for begin in range(0, len(events), 5000):
        session.execute(insert(table), [{c: getattr(e, c) for c in columns} for e in events[begin:begin + 5000]])
        say(0.55 + 0.35 * min(1.0, (begin + 5000) / max(1, len(events))), "store")
    analytics.apply_to_rollups(session=session, events=events)
    say(1.0, "done")
    report.rows_added = len(new_rows)
    session.add(HistoryImport(file_sha256=hashlib.sha256(content).hexdigest(), filename=filename[:200],
                              rows_total=report.rows_total, rows_added=report.rows_added,
                              imported_at=now.astimezone(UTC), imported_by=user_id))
    return report
