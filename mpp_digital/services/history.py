"""A realistic service-event history for demos and benchmarks (``cli generate-history``).

Vectorised with numpy, so ten million events take well under a minute to draw:

* demand per site proportional to its regency's population, and only after the site opened;
* weekday and hour seasonality (Monday mornings are busy, Saturdays half days, Sundays
  online only), demand growing through the period;
* a shift from the counter to online over time (online from about 12 % to 40 % of services;
  mobile service about 6 %), each service only on the channels it is offered through;
* waits drawn from a log-normal per site (bigger sites queue longer) with a peak-hour factor,
  SLA met when the wait is within 30 minutes, or the application is decided within its
  jangka waktu; about 5 % no-shows;
* satisfaction surveys from about 9 % of served visits (IKM around each site's mean) and
  complaints from 0.3 %, most closed within two weeks; each generated complaint is also a row
  of the complaint table (``source = "generator"``, filed by one inactive "data contoh" account,
  no real content), so the complaint statistics have the same shape as real ones;
* every row is synthetic (``source = "generator"``): the rollups keep it apart and every
  dashboard, report and /api/v1 figure that counts it says so ("data contoh").

Realistic volumes (``realistic_events``): MPP Sragen (Kabupaten Sragen, about 1.0 M residents)
served about 400 people a day in its first two months (21,000 people from 15 December 2022 to
20 February 2023, Solopos 20/2/2023 "Baru Dibuka 2 Bulan, MPP Sragen Layani 21.000 Orang"), and
its Dukcapil counters alone 700-800 applicants a day (Solopos 15/12/2022; Tribun Jateng
15/12/2022). About 400 a day on some 280 opening days a year is 0.11 visits per resident per
year; at that rate the 103 demo sites (96.6 M residents in their regencies) make about 10.6 M
transactions a year: the 10 M events of ``bench/dashboard.py`` are one realistic year.

Rows go in with PostgreSQL's COPY (or executemany in big batches on SQLite), then the
rollups are rebuilt in SQL by ``analytics.rebuild_rollups``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from mpp_digital.models import (
    COMPLAINT_CATEGORIES,
    Agency,
    Complaint,
    ComplaintStatus,
    MppSite,
    Region,
    Service,
    ServiceEvent,
    SiteService,
    User,
)
from mpp_digital.services import analytics
from mpp_digital.services.applications.working_days import add_working_days
from mpp_digital.services.sealing import seal

COLUMNS = ("kind", "outcome", "site_id", "agency_id", "service_id", "channel", "occurred_at", "arrived_at",
           "local_day", "local_hour", "wait_seconds", "service_seconds", "sla_met", "satisfaction", "quantity",
           "source")
WEEKDAY_WEIGHT = np.array([1.30, 1.15, 1.05, 1.00, 0.85, 0.40, 0.06])  # Mon..Sun
HOUR_WEIGHT_COUNTER = np.zeros(24)
HOUR_WEIGHT_COUNTER[8:16] = [0.19, 0.21, 0.17, 0.12, 0.03, 0.12, 0.10, 0.06]
HOUR_WEIGHT_ONLINE = np.array([1, 0.5, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 5, 6, 6, 5, 5, 5, 5, 6, 7, 6, 4, 2.0])
PEAK_FACTOR = np.ones(24)
PEAK_FACTOR[[8, 9, 10]] = [1.3, 1.6, 1.4]
VISITS_PER_RESIDENT_YEAR = 0.11  # MPP Sragen: ~400 people a day, 1.0 M residents (see above)
# what follows each transaction: surveys 8.5 %, complaints opened 0.3 % and closed 0.2 %
EVENTS_PER_TRANSACTION = 1 / (1 - 0.085 - 0.003 - 0.002)
AGENCY_WEIGHT = {"dukcapil": 6.0, "polres": 3.0, "samsat": 3.0, "bapenda": 2.0, "dpmptsp": 2.0, "bpjs-kesehatan": 2.0,
                 "imigrasi": 1.5, "atr-bpn": 1.5, "kemenag": 1.2}


@dataclass(frozen=True)
class GenerationResult:
    """What was generated and how long each step took."""

    events: int
    first_day: date
    last_day: date
    seconds_generate: float
    seconds_insert: float
    seconds_rollups: float


def _catalog(session: Session):
    sites = session.execute(select(MppSite)).scalars().all()
    population = dict(session.execute(select(Region.code, Region.population).where(Region.level == 2)).all())
    agencies = {a.id: a.slug for a in session.execute(select(Agency)).scalars()}
    services = {s.id: s for s in session.execute(select(Service)).scalars()}
    offers: dict[int, list[SiteService]] = {}
    for row in session.execute(select(SiteService)).scalars():
        offers.setdefault(row.site_id, []).append(row)
    return sites, population, agencies, services, offers


def due_days(start: np.ndarray, working_days: np.ndarray, holidays) -> np.ndarray:
    """``working_days.add_working_days`` over arrays (numpy's business days with the same holidays)."""
    hol = np.array(sorted(holidays), dtype="datetime64[D]")
    first = np.busday_offset(start, 0, roll="forward", holidays=hol)
    due = np.busday_offset(first, working_days, roll="forward", holidays=hol)
    # from a day off, the first working day after it is already the first one counted
    return np.where(np.is_busday(start, holidays=hol) | (working_days == 0), due,
                    np.busday_offset(first, np.maximum(working_days - 1, 0), holidays=hol))


def generate_frame(session: Session, *, events: int, years: float, end: date, seed: int = 5) -> pd.DataFrame:
    """Draw ``events`` service events over ``years`` years up to ``end`` (local days), as a DataFrame."""
    rng = np.random.default_rng(seed)
    sites, population, agencies, services, offers = _catalog(session)
    sites = [s for s in sites if offers.get(s.id or 0)]
    if not sites or events <= 0:
        return pd.DataFrame(columns=list(COLUMNS))
    n_days = max(1, int(round(365 * years)))
    start = end - timedelta(days=n_days - 1)
    days = np.array([start + timedelta(days=i) for i in range(n_days)], dtype="datetime64[D]")
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    progress = np.linspace(0.0, 1.0, n_days)

    n_survey = int(events * 0.085)
    n_opened = int(events * 0.003)
    n_closed = int(events * 0.002)
    n_tx = events - n_survey - n_opened - n_closed

    # sites and days
    site_ids = np.array([s.id for s in sites])
    # demand: the regency's population times a site factor (maturity, reach, digital uptake)
    site_weight = np.array([float(population.get(s.regency_code) or 300_000) for s in sites])
    site_weight = site_weight * rng.lognormal(0.0, 0.35, len(sites))
    site_index = rng.choice(len(sites), size=n_tx, p=site_weight / site_weight.sum())
    day_weight = WEEKDAY_WEIGHT[weekday] * (1.0 + 0.35 * progress)
    day_index = rng.choice(n_days, size=n_tx, p=day_weight / day_weight.sum())
    launch = np.array([(s.launch_date - start).days if s.launch_date and s.launch_date > start else 0 for s in sites])
    first = launch[site_index]
    late = day_index < first
    if late.any():  # a site has no history before it opened: move those visits into its open days
        span = n_days - first[late]
        day_index[late] = first[late] + (day_index[late] % np.maximum(span, 1))
    offsets = np.array([analytics.utc_offset_hours(s.regency_code) for s in sites])

    # channel: online grows over the period; Sundays are online
    p_online = 0.12 + 0.28 * progress[day_index]
    p_online = np.where(weekday[day_index] == 6, 0.97, p_online)
    draw = rng.random(n_tx)
    channel = np.where(draw < p_online, 1, np.where(draw < p_online + 0.06, 2, 0))  # 0 direct, 1 online, 2 mobile

    # service per (site, channel) among what the site offers there
    service_id = np.zeros(n_tx, dtype=np.int64)
    agency_id = np.zeros(n_tx, dtype=np.int64)
    duration = np.zeros(n_tx, dtype=np.int64)
    order = np.lexsort((channel, site_index))
    keys = site_index[order] * 3 + channel[order]
    bounds = np.flatnonzero(np.diff(keys)) + 1
    for group in np.split(order, bounds):
        if not len(group):
            continue
        s_idx, ch = int(site_index[group[0]]), int(channel[group[0]])
        flag = ("direct", "online", "mobile")[ch]
        pool = [o for o in offers[int(site_ids[s_idx])] if getattr(o, flag)]
        if not pool:  # not offered on that channel here: at the counter
            pool = [o for o in offers[int(site_ids[s_idx])] if o.direct] or offers[int(site_ids[s_idx])]
            channel[group] = 0
        weights = np.array([AGENCY_WEIGHT.get(agencies.get(services[o.service_id].agency_id, ""), 1.0) for o in pool])
        pick = rng.choice(len(pool), size=len(group), p=weights / weights.sum())
        service_id[group] = np.array([o.service_id for o in pool])[pick]
        agency_id[group] = np.array([services[o.service_id].agency_id for o in pool])[pick]
        duration[group] = np.array([services[o.service_id].duration_days for o in pool])[pick]

    online = channel == 1
    hour = np.where(online, rng.choice(24, size=n_tx, p=HOUR_WEIGHT_ONLINE / HOUR_WEIGHT_ONLINE.sum()),
                    rng.choice(24, size=n_tx, p=HOUR_WEIGHT_COUNTER / HOUR_WEIGHT_COUNTER.sum()))
    minute_s = rng.integers(0, 3600, size=n_tx)

    # waits: site-specific median (bigger regencies queue longer), peak hours, mobile is quicker
    site_median = 6.0 + 10.0 * (site_weight / site_weight.max()) ** 0.5 + rng.uniform(-2, 4, len(sites))
    median = site_median[site_index] * PEAK_FACTOR[hour] * np.where(channel == 2, 0.6, 1.0)
    wait = np.round(rng.lognormal(np.log(median * 60), 0.65)).astype(np.int64)
    counter_time = np.round(rng.lognormal(np.log(7 * 60), 0.5, size=n_tx)).astype(np.int64)
    allowed = np.maximum(duration, 1) * 86400
    processing = np.round(allowed * rng.uniform(0.15, 1.35, size=n_tx)).astype(np.int64)
    served = rng.random(n_tx) >= 0.05

    local_arrival = days[day_index].astype("datetime64[s]") + (hour * 3600 + minute_s).astype("timedelta64[s]")
    arrival_utc = local_arrival - (offsets[site_index] * 3600).astype("timedelta64[s]")
    spent = np.where(online, processing, wait + counter_time)
    occurred_utc = arrival_utc + spent.astype("timedelta64[s]")
    day_after = np.datetime64(end + timedelta(days=1)).astype("datetime64[s]")
    end_utc = day_after - (offsets[site_index] * 3600 + 1800).astype("timedelta64[s]")
    occurred_utc = np.minimum(occurred_utc, np.maximum(end_utc, arrival_utc))
    spent = (occurred_utc - arrival_utc).astype(np.int64)
    local_day = (occurred_utc + (offsets[site_index] * 3600).astype("timedelta64[s]")).astype("datetime64[D]")
    # the SLA of an application: decided within its jangka waktu in working days (holidays skipped)
    from mpp_digital.services.queue import national_holidays

    arrival_day = (arrival_utc + (offsets[site_index] * 3600).astype("timedelta64[s]")).astype("datetime64[D]")
    decided_in_time = local_day <= due_days(arrival_day, duration, national_holidays())

    tx = pd.DataFrame({
        "kind": np.where(online, "application", "queue"),
        "outcome": np.where(served, "served", "not_served"),
        "site_id": site_ids[site_index],
        "agency_id": agency_id,
        "service_id": service_id,
        "channel": np.array(["direct", "online", "mobile"])[channel],
        "occurred_at": occurred_utc,
        "arrived_at": arrival_utc,
        "local_day": local_day,
        "local_hour": hour,
        "wait_seconds": pd.array(np.where(online, 0, wait), dtype="Int64"),
        "service_seconds": pd.array(np.where(online, spent, counter_time), dtype="Int64"),
        "sla_met": np.where(online, decided_in_time, wait <= analytics.QUEUE_WAIT_STANDARD.total_seconds()),
        "satisfaction": pd.array([pd.NA] * n_tx, dtype="Int64"),
    })
    tx.loc[online, "wait_seconds"] = pd.NA
    tx.loc[~served & ~online, "service_seconds"] = pd.NA

    # surveys and complaints follow served visits
    served_rows = np.flatnonzero(served)
    site_ikm = rng.uniform(76, 93, len(sites))

    def follow(count: int, kind: str, outcome: str, delay_s: np.ndarray) -> pd.DataFrame:
        rows = rng.choice(served_rows, size=count, replace=count > len(served_rows))
        base = tx.iloc[rows].reset_index(drop=True)
        when = base["occurred_at"].to_numpy().astype("datetime64[s]") + delay_s.astype("timedelta64[s]")
        site_off = offsets[site_index[rows]]
        when = np.minimum(when, end_utc[rows])
        return pd.DataFrame({
            "kind": kind, "outcome": outcome, "site_id": base["site_id"], "agency_id": base["agency_id"],
            "service_id": base["service_id"], "channel": base["channel"], "occurred_at": when, "arrived_at": pd.NaT,
            "local_day": (when + (site_off * 3600).astype("timedelta64[s]")).astype("datetime64[D]"),
            "local_hour": ((when.astype("int64") // 3600 + site_off) % 24).astype(np.int64),
            "wait_seconds": pd.array([pd.NA] * count, dtype="Int64"),
            "service_seconds": pd.array([pd.NA] * count, dtype="Int64"),
            "sla_met": pd.array([pd.NA] * count, dtype="boolean"),
            "satisfaction": pd.array([pd.NA] * count, dtype="Int64"),
        }), rows

    surveys, rows = follow(n_survey, "survey", "answered", rng.integers(60, 900, n_survey))
    surveys["satisfaction"] = pd.array(np.clip(np.round(rng.normal(site_ikm[site_index[rows]], 9)), 25, 100)
                                       .astype(np.int64), dtype="Int64")
    opened, opened_rows = follow(n_opened, "complaint", "opened", rng.integers(3600, 3 * 86400, n_opened))
    # most complaints are closed within about two weeks; a closing follows its own opening
    pick = rng.choice(n_opened, size=min(n_closed, n_opened), replace=False) if n_opened else np.array([], int)
    closed = opened.iloc[pick].reset_index(drop=True).copy()
    closed["outcome"] = "closed"
    when = closed["occurred_at"].to_numpy().astype("datetime64[s]") + rng.integers(
        86400, 14 * 86400, len(closed)).astype("timedelta64[s]")
    close_off = offsets[site_index[opened_rows[pick]]] if len(pick) else np.array([], int)
    when = np.minimum(when, end_utc[opened_rows[pick]])
    closed["occurred_at"] = when
    closed["local_day"] = (when + (close_off * 3600).astype("timedelta64[s]")).astype("datetime64[D]")
    closed["local_hour"] = ((when.astype("int64") // 3600 + close_off) % 24).astype(np.int64)
    n_tx_extra = n_closed - len(closed)
    if n_tx_extra:  # too few complaints to close (tiny histories): keep the total exact with surveys
        extra, rows2 = follow(n_tx_extra, "survey", "answered", rng.integers(60, 900, n_tx_extra))
        extra["satisfaction"] = pd.array(np.clip(np.round(rng.normal(site_ikm[site_index[rows2]], 9)), 25, 100)
                                         .astype(np.int64), dtype="Int64")
        closed = pd.concat([closed, extra], ignore_index=True)
    frame = pd.concat([tx, surveys, opened, closed], ignore_index=True)
    frame["quantity"] = 1
    frame["source"] = "generator"
    result = frame[list(COLUMNS)].copy()
    # the complaint rows behind the complaint events: when filed, where, and when closed (if it was)
    filed = opened[["site_id", "agency_id", "service_id", "occurred_at", "local_day"]].copy()
    filed["closed_at"] = pd.NaT
    if len(pick):
        filed.loc[pick, "closed_at"] = closed["occurred_at"].iloc[:len(pick)].to_numpy()
    filed["category"] = rng.choice(len(COMPLAINT_CATEGORIES), size=len(filed)) if len(filed) else []
    filed["answer_days"] = rng.uniform(0.5, 6.0, size=len(filed))
    result.attrs["complaints"] = filed
    return result


def _csv_lines(part: pd.DataFrame) -> str:
    """Rows as CSV text for COPY, built column-wise with numpy (several times faster than to_csv)."""
    columns = []
    for name in COLUMNS:
        series = part[name]
        if name in ("occurred_at", "arrived_at"):
            values = series.to_numpy().astype("datetime64[s]")
            text = np.char.add(np.datetime_as_string(values, unit="s"), "+00")
            text = np.where(np.isnat(values), "", text)
        elif name == "local_day":
            text = np.datetime_as_string(series.to_numpy().astype("datetime64[D]"), unit="D")
        elif name == "sla_met":
            flags = series.astype("boolean")
            text = np.where(flags.isna().to_numpy(), "", np.where(flags.fillna(False).to_numpy(bool), "t", "f"))
        elif series.dtype == "Int64":
            missing = series.isna().to_numpy()
            text = np.where(missing, "", series.fillna(0).to_numpy("int64").astype(str))
        else:
            text = series.to_numpy().astype(str)
        columns.append(text.tolist())
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _copy_postgres(session: Session, frame: pd.DataFrame, chunk: int = 500_000) -> None:
    """COPY in chunks; for big loads the foreign keys and secondary indexes are dropped first and
    rebuilt afterwards (PostgreSQL's "Populating a Database" advice: one validating join instead
    of a trigger per row), all inside the caller's transaction."""
    connection = session.connection().connection.driver_connection  # psycopg 3
    cursor = connection.cursor()
    columns = ", ".join(COLUMNS)
    recreate: list[str] = []
    if len(frame) >= 200_000:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'serviceevent'::regclass AND contype IN ('f', 'u')")
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE serviceevent DROP CONSTRAINT "{name}"')
            recreate.append(f'ALTER TABLE serviceevent ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'serviceevent' "
                       "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                       "WHERE conrelid = 'serviceevent'::regclass)")
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            recreate.append(definition)
    with ThreadPoolExecutor(max_workers=1) as pool:  # format the next chunk while this one streams
        pending = pool.submit(_csv_lines, frame.iloc[0:chunk])
        for begin in range(0, len(frame), chunk):
            text = pending.result()
            if begin + chunk < len(frame):
                pending = pool.submit(_csv_lines, frame.iloc[begin + chunk:begin + 2 * chunk])
            with cursor.copy(f"COPY serviceevent ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(text)
    for statement in recreate:
        cursor.execute(statement)


def _insert_many(session: Session, frame: pd.DataFrame, chunk: int = 100_000) -> None:
    """executemany in big batches, values already in SQLAlchemy's SQLite storage formats."""
    part = frame.copy()
    for name in ("occurred_at", "arrived_at"):
        part[name] = pd.to_datetime(part[name]).dt.strftime("%Y-%m-%d %H:%M:%S.000000")
    part["local_day"] = pd.to_datetime(part["local_day"]).dt.strftime("%Y-%m-%d")
    part["sla_met"] = part["sla_met"].astype("boolean").astype("Int64")
    part = part.astype(object).where(part.notna(), None)
    rows = list(part.itertuples(index=False, name=None))
    sql = f"INSERT INTO serviceevent ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    cursor = session.connection().connection.driver_connection.cursor()
    for begin in range(0, len(rows), chunk):
        cursor.executemany(sql, rows[begin:begin + chunk])


def generate_history(
    *,
    session: Session,
    events: int,
    years: float,
    end: date,
    seed: int = 5,
    log: Callable[[str], None] | None = None,
) -> GenerationResult:
    """Generate, store and roll up a history; the caller commits."""
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    frame = generate_frame(session, events=events, years=years, end=end, seed=seed)
    t1 = time.perf_counter()
    say(f"generated {len(frame):,} events in {t1 - t0:.1f} s")
    if session.get_bind().dialect.name == "postgresql":
        _copy_postgres(session, frame)
    else:
        _insert_many(session, frame)
    complaints = store_complaints(session, frame.attrs.get("complaints", pd.DataFrame()), end=end)
    t2 = time.perf_counter()
    say(f"stored in {t2 - t1:.1f} s ({complaints:,} complaint rows)")
    first, last = (pd.Timestamp(frame["local_day"].min()).date(), pd.Timestamp(frame["local_day"].max()).date()) \
        if len(frame) else (end, end)
    analytics.rebuild_rollups(session=session)
    t3 = time.perf_counter()
    say(f"rollups rebuilt in {t3 - t2:.1f} s")
    return GenerationResult(len(frame), first, last, t1 - t0, t2 - t1, t3 - t2)


SYNTHETIC_FILER = "data-contoh@generator.invalid"  # the inactive account that "files" generated complaints


def _synthetic_filer(session: Session, now: datetime) -> int:
    user = session.execute(select(User).where(User.email == SYNTHETIC_FILER)).scalar_one_or_none()
    if user is None:
        user = User(full_name="Data contoh (pembangkit riwayat)", email=SYNTHETIC_FILER, password_hash="!",
                    is_active=False, created_at=now)
        session.add(user)
        session.flush()
    return user.id or 0


def store_complaints(session: Session, filed: pd.DataFrame, *, end: date, chunk: int = 5_000) -> int:
    """The complaint rows of generated complaint events: the same shape as real ones, marked synthetic.

    Closed ones are ``selesai`` (answered some days after filing); open ones are with the agency
    (``diteruskan``) and due 3 + 5 working days after filing, so that the older ones are overdue,
    as in a real backlog. No content: the description says it is sample data.
    """
    if filed.empty:
        return 0
    from mpp_digital.services.queue import national_holidays

    holidays = national_holidays()
    now = datetime.combine(end, datetime.min.time(), UTC)
    filer = _synthetic_filer(session, now)
    sites = {s.id: s for s in session.execute(select(MppSite)).scalars()}
    text = seal("Data contoh dari pembangkit riwayat (bukan pengaduan nyata).", purpose="complaint") or ""
    first_id = int(session.execute(select(func.coalesce(func.max(Complaint.id), 0))).scalar_one()) + 1
    rows = []
    for i, rec in enumerate(filed.itertuples(index=False)):
        filed_at = pd.Timestamp(rec.occurred_at).tz_localize("UTC").to_pydatetime()
        day = pd.Timestamp(rec.local_day).date()
        closed_at = None if pd.isna(rec.closed_at) else pd.Timestamp(rec.closed_at).tz_localize("UTC").to_pydatetime()
        answered = filed_at + timedelta(days=float(rec.answer_days))
        if closed_at is not None:
            answered = min(answered, closed_at)
        site = sites.get(int(rec.site_id))
        digits = site.regency_code.replace(".", "")[:4] if site else "0000"
        rows.append({
            "tracking_number": f"CTH-{digits}-{first_id + i:08d}", "citizen_id": filer, "site_id": int(rec.site_id),
            "agency_id": int(rec.agency_id), "service_id": int(rec.service_id) if not pd.isna(rec.service_id) else None,
            "subject_kind": "service", "category": COMPLAINT_CATEGORIES[int(rec.category)],
            "description_sealed": text, "anonymous": False, "confidential": False,
            "status": ComplaintStatus.CLOSED.value if closed_at else ComplaintStatus.FORWARDED.value,
            "filed_at": filed_at, "filed_day": day,
            "due_date": None if closed_at else add_working_days(day, 8, holidays=holidays),
            "forwarded_at": filed_at, "answered_at": answered if closed_at else None,
            "first_answered_at": answered if closed_at else None, "closed_at": closed_at,
            "closed_day": (closed_at + timedelta(hours=analytics.utc_offset_hours(site.regency_code if site else "33"))
                           ).date() if closed_at else None,
            "closed_by": "citizen" if closed_at else None, "reopen_count": 0, "source": "generator",
            "version": 1, "updated_at": closed_at or filed_at,
        })
    for begin in range(0, len(rows), chunk):
        session.execute(Complaint.__table__.insert(), rows[begin:begin + chunk])
    return len(rows)


def realistic_events(*, session: Session, years: float) -> int:
    """How many events the sites make in ``years`` at Sragen's rate (0.11 visits per resident a year)."""
    codes = session.execute(select(MppSite.regency_code).distinct()).scalars().all()
    residents = session.execute(select(func.coalesce(func.sum(Region.population), 0))
                                .where(Region.code.in_(list(codes)))).scalar_one() if codes else 0
    return int(int(residents) * VISITS_PER_RESIDENT_YEAR * years * EVENTS_PER_TRANSACTION)


def event_count(*, session: Session, source: str | None = None) -> int:
    """How many service events are stored (of one ``source``, when given)."""
    query = select(func.count()).select_from(ServiceEvent)
    if source is not None:
        query = query.where(ServiceEvent.source == source)
    return int(session.execute(query).scalar_one())


DEMO_DAYS = 21  # the run command's history: three weeks at a realistic rate (about 600,000 events)


def demo_history(*, session: Session, now: datetime, events: int | None = None, days: int = DEMO_DAYS) -> int:
    """The history the run command seeds (realistic volumes over ``days``), only while there is none (the
    demo's own applications, seeded before, are real events of the demo and do not count)."""
    if event_count(session=session, source="generator"):
        return 0
    years = days / 365
    total = events if events is not None else realistic_events(session=session, years=years)
    return generate_history(session=session, events=total, years=years, end=analytics.local_today(now)).events
