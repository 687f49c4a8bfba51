"""Online applications at national scale: the back office's work list and a citizen's list (a script, not a test).

    .venv/bin/python bench/applications.py --generate            # once: 1,000,000 applications, then measure
    .venv/bin/python bench/applications.py                        # measure again on the same data

On PostgreSQL, in its own database (default ``mpp_h13office_bench``: created, migrated, regions and
catalog loaded): ``--generate`` writes ``--citizens`` accounts and ``--applications`` applications
over the 103 sites with COPY (psycopg), each for a service its site offers and its agency, spread
over two years; ``--open-share`` of them still open (a heavy backlog: every site-agency pair has
hundreds open), in the default workflow's states, some assigned, some waiting on the citizen;
due dates as the service's jangka waktu in working days (weekends skipped, holidays not).

Measured, warm cache, ``--rounds`` rounds of ``--queries`` calls each, p50/p95 of every call:

* an officer's work list, first page: ``worklist.work_list`` as /petugas/permohonan calls it, for
  officers of random (site, agency) pairs (one grant each), sorted by deadline (target p95 <= 50 ms);
  the same with the "overdue" filter, and a site admin's (every agency of the site);
* a citizen's list: ``applications.queries.applications_of`` (APPS) for random generated citizens
  (target p95 <= 20 ms); when that function is not on the branch, the part is reported as missing;
* EXPLAIN (ANALYZE, BUFFERS) of the officer's first page: the plan must read
  ``ix_application_worklist`` and no sequential scan of ``application``.

Results (machine, date, load average, settings, medians, p95, the plan) go to
bench/results/applications.json. The machine may be shared: quote one run's figures with its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from mpp_digital import demo  # noqa: E402
from mpp_digital.cli import migrate  # noqa: E402
from mpp_digital.db import engine_for  # noqa: E402
from mpp_digital.models import MppSite, Role, Service, SiteService  # noqa: E402
from mpp_digital.services.applications import worklist  # noqa: E402
from mpp_digital.services.authz import Grant, Principal  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "applications.json"
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 10:00 WIB
OPEN_STATES = (("diajukan", 0.40), ("diverifikasi", 0.25), ("diproses", 0.25), ("perlu_perbaikan", 0.10))
CLOSED_STATES = (("selesai", 0.85), ("ditolak", 0.10), ("dibatalkan", 0.05))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, int(round(q / 100 * len(ordered) + 0.5)))
    return ordered[min(rank, len(ordered)) - 1]


def add_working_days(start: date, days: int) -> date:
    """``days`` working days after ``start`` (weekends skipped; the generator ignores holidays)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


# --------------------------------------------------------------------------- database


def prepare(url: str) -> None:
    """Create the benchmark database when missing, migrate it, load regions and the catalog."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    migrate(url)
    engine = engine_for(url)
    with Session(engine) as session:
        demo.load_regions(session)
        demo.load_catalog(session)
        session.commit()


def offers(engine) -> list[tuple[int, str, int, int, int]]:
    """(site id, regency digits, service id, agency id, jangka waktu) of every service a site offers."""
    with Session(engine) as session:
        rows = session.exec(
            select(MppSite.id, MppSite.regency_code, Service.id, Service.agency_id, Service.duration_days)
            .join(SiteService, SiteService.site_id == MppSite.id).join(Service, Service.id == SiteService.service_id)
        ).all()
    return [(sid, reg.replace(".", ""), svc, agency, max(1, days)) for sid, reg, svc, agency, days in rows]


def _pick(pairs, rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for value, share in pairs:
        acc += share
        if x < acc:
            return value
    return pairs[-1][0]


def generate(url: str, *, applications: int, citizens: int, open_share: float, seed: int) -> dict:
    """Empty the application and generated-citizen tables, then COPY ``citizens`` accounts and
    ``applications`` applications; returns the timings."""
    engine = engine_for(url)
    offered = offers(engine)
    rng = random.Random(seed)
    # Sites differ in size: a site's weight is its number of offers (bigger MPPs offer more).
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM applicationevent")
        conn.execute("DELETE FROM application")
        conn.execute("DELETE FROM \"user\" WHERE email LIKE '%%@bench.invalid'")
        with conn.cursor().copy('COPY "user" (full_name, email, password_hash, is_active, totp_enabled, '
                                'created_at, email_verified_at) FROM STDIN') as copy:
            for i in range(citizens):
                copy.write_row((f"Warga Uji {i}", f"warga{i}@bench.invalid", "!", True, False, NOW, NOW))
        first_citizen = conn.execute(
            "SELECT min(id) FROM \"user\" WHERE email LIKE '%%@bench.invalid'").fetchone()[0]
        officers = [conn.execute(
            'INSERT INTO "user" (full_name, email, password_hash, is_active, totp_enabled, created_at) '
            "VALUES (%s, %s, '!', true, false, %s) RETURNING id", (f"Petugas Uji {i}", f"petugas{i}@bench.invalid",
                                                                  NOW)).fetchone()[0] for i in range(50)]
        users_s = time.perf_counter() - started
        counters: dict[tuple[str, int], int] = {}
        t0 = time.perf_counter()
        with conn.cursor().copy(
                "COPY application (tracking_number, citizen_id, site_id, agency_id, service_id, workflow, state, open, "
                "data_sealed, payment_status, submitted_at, due_date, waiting_since, paused_working_days, decided_at, "
                "deadline_met, assigned_to, version, updated_at) FROM STDIN") as copy:
            for _ in range(applications):
                site_id, regency, service_id, agency_id, days = rng.choice(offered)
                is_open = rng.random() < open_share
                if is_open:
                    submitted = NOW - timedelta(days=rng.uniform(0, 45), minutes=rng.randint(0, 600))
                    state = _pick(OPEN_STATES, rng)
                else:
                    submitted = NOW - timedelta(days=rng.uniform(20, 730), minutes=rng.randint(0, 600))
                    state = _pick(CLOSED_STATES, rng)
                due = add_working_days(submitted.date(), days)
                key = (regency, submitted.year)
                counters[key] = counters.get(key, 0) + 1
                decided = None if is_open else submitted + timedelta(days=rng.uniform(0.5, days * 1.6))
                copy.write_row((
                    f"MPP-{regency}-{submitted.year}-{counters[key]:06d}", first_citizen + rng.randrange(citizens),
                    site_id, agency_id, service_id, "{}", state, is_open, "", "unpaid", submitted, due,
                    submitted + timedelta(days=2) if state == "perlu_perbaikan" else None, 0, decided,
                    None if decided is None else decided.date() <= due,
                    rng.choice(officers) if is_open and rng.random() < 0.3 else None, 1, submitted,
                ))
        copy_s = time.perf_counter() - t0
        for (regency, year), last in counters.items():
            conn.execute("INSERT INTO applicationcounter (regency_digits, year, last_number) VALUES (%s, %s, %s) "
                         "ON CONFLICT (regency_digits, year) DO UPDATE SET last_number = excluded.last_number",
                         (regency, year, last))
        conn.commit()
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE application")
        conn.execute('VACUUM ANALYZE "user"')
    return {"users_copy_s": round(users_s, 1), "applications_copy_s": round(copy_s, 1),
            "vacuum_analyze_s": round(time.perf_counter() - t0, 1), "total_s": round(time.perf_counter() - started, 1)}


# --------------------------------------------------------------------------- measuring


def officer(site_id: int, agency_id: int, user_id: int = 0) -> Principal:
    return Principal(user_id=user_id, session_id=0, full_name="Petugas", email="p@bench.invalid",
                     email_verified=True, grants=(Grant(role=Role.OFFICER, site_id=site_id, agency_id=agency_id),))


def site_admin(site_id: int) -> Principal:
    return Principal(user_id=0, session_id=0, full_name="Admin", email="a@bench.invalid", email_verified=True,
                     grants=(Grant(role=Role.SITE_ADMIN, site_id=site_id),))


def page_of(principal: Principal, filters: worklist.WorkFilter | None = None):
    """A call of the work list's first page for ``principal``, as /petugas/permohonan makes it."""
    def call(session: Session):
        return worklist.work_list(session=session, principal=principal, today=TODAY,
                                  filters=filters or worklist.WorkFilter())
    return call


def timed_calls(engine, calls, rounds: int) -> dict:
    """Run each callable (given a session) once per round; p50/p95 over every call, per-round medians."""
    samples: list[float] = []
    round_p95: list[float] = []
    with Session(engine) as session:
        for fn in calls[: max(1, len(calls) // 10)]:  # warm-up
            fn(session)
            session.rollback()
        for _ in range(rounds):
            this_round = []
            for fn in calls:
                t0 = time.perf_counter()
                fn(session)
                this_round.append((time.perf_counter() - t0) * 1000)
                session.rollback()
            samples += this_round
            round_p95.append(percentile(this_round, 95))
    return {"calls": len(samples), "p50_ms": round(percentile(samples, 50), 2),
            "p95_ms": round(percentile(samples, 95), 2), "max_ms": round(max(samples), 2),
            "round_p95_ms": [round(x, 2) for x in round_p95],
            "round_p95_median_ms": round(statistics.median(round_p95), 2)}


def officer_scopes(engine, n: int, rng: random.Random) -> list[tuple[int, int]]:
    with engine.connect() as conn:
        pairs = [tuple(r) for r in conn.execute(text(
            "SELECT DISTINCT site_id, agency_id FROM application WHERE open")).all()]
    return [rng.choice(pairs) for _ in range(n)]


def explain_first_page(engine, site_id: int, agency_id: int) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the officer's first-page statement, exactly as the service sends it."""
    from sqlalchemy import event

    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY application.due_date" in statement and not captured:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            worklist.work_list(session=session, principal=officer(site_id, agency_id), today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    if not captured:
        return ["statement not captured"]
    statement, parameters = captured[0]
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return [row[0] for row in cursor.fetchall()]


def citizen_list_calls(engine, rng: random.Random, n: int):
    """Calls of APPS's ``queries.applications_of`` for random generated citizens, or None when it is absent."""
    try:
        from mpp_digital.services.applications import queries
    except ImportError:
        return None, "mpp_digital.services.applications.queries not on this branch (APPS)"
    fn = getattr(queries, "applications_of", None)
    if fn is None:
        return None, "queries.applications_of missing"
    with engine.connect() as conn:
        lo, hi = conn.execute(text("SELECT min(id), max(id) FROM \"user\" WHERE email LIKE '%@bench.invalid' "
                                   "AND email LIKE 'warga%'")).one()
    import inspect

    params = inspect.signature(fn).parameters
    calls = []
    for _ in range(n):
        citizen = rng.randint(lo, hi)
        who = Principal(user_id=citizen, session_id=0, full_name="Warga", email="w@bench.invalid",
                        email_verified=True, grants=(Grant(role=Role.CITIZEN),))
        kwargs = {}
        if "principal" in params:
            kwargs["principal"] = who
        if "citizen_id" in params:
            kwargs["citizen_id"] = citizen
        if "now" in params:
            kwargs["now"] = NOW
        if "today" in params:
            kwargs["today"] = TODAY
        calls.append(lambda session, kw=kwargs: fn(session=session, **kw))
    return calls, ""


def machine(engine) -> dict:
    with engine.connect() as conn:
        pg = conn.execute(text("SHOW server_version")).scalar()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(), "postgresql": pg}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/mpp_h13office_bench")
    parser.add_argument("--generate", action="store_true", help="(re)write the generated data first")
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=200_000)
    parser.add_argument("--open-share", type=float, default=0.15)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=200, help="calls per round")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    result: dict = {"benchmark": "applications", "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "load_average_at_start": list(os.getloadavg())}
    prepare(args.database_url)
    engine = engine_for(args.database_url)
    result["machine"] = machine(engine)
    if args.generate:
        print(f"generating {args.applications:,} applications ...", flush=True)
        result["generation"] = generate(args.database_url, applications=args.applications, citizens=args.citizens,
                                        open_share=args.open_share, seed=args.seed)
        print(result["generation"], flush=True)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT count(*), count(*) FILTER (WHERE open), count(DISTINCT site_id) "
                                   "FROM application")).one()
    result["settings"] = {"database": "PostgreSQL", "applications": counts[0], "open": counts[1],
                          "sites": counts[2], "rounds": args.rounds, "queries_per_round": args.queries,
                          "page_size": worklist.PAGE_SIZE, "today": TODAY.isoformat(),
                          "how": "service calls in one process (ORM session), warm cache, no app server"}
    rng = random.Random(args.seed)
    scopes = officer_scopes(engine, args.queries, rng)
    overdue = worklist.WorkFilter(due="overdue")
    result["officer_first_page"] = timed_calls(engine, [
        page_of(officer(site, agency)) for site, agency in scopes], args.rounds)
    print("officer first page", result["officer_first_page"]["p95_ms"], flush=True)
    result["officer_overdue_filter"] = timed_calls(engine, [
        page_of(officer(site, agency), overdue) for site, agency in scopes], args.rounds)
    result["site_admin_first_page"] = timed_calls(engine, [page_of(site_admin(site)) for site, _ in scopes],
                                                  args.rounds)
    print("site admin first page", result["site_admin_first_page"]["p95_ms"], flush=True)
    calls, missing = citizen_list_calls(engine, rng, args.queries)
    result["citizen_list"] = timed_calls(engine, calls, args.rounds) if calls else {"missing": missing}
    site, agency = scopes[0]
    result["officer_first_page_plan"] = explain_first_page(engine, site, agency)
    plan = "\n".join(result["officer_first_page_plan"])
    result["targets"] = {
        "officer_first_page_p95_le_50ms": result["officer_first_page"]["p95_ms"] <= 50,
        "citizen_list_p95_le_20ms": (result["citizen_list"]["p95_ms"] <= 20) if calls else None,
        "plan_uses_ix_application_worklist": "ix_application_worklist" in plan,
        "plan_has_no_seq_scan_of_application": "Seq Scan on application" not in plan,
        "submit_two_1mb_documents_20_citizens_p95_le_500ms": None,
    }
    result["submit_through_the_app"] = {"missing": "not measured in this run (see README of bench)"}
    result["load_average_at_end"] = list(os.getloadavg())
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if "generation" not in result and "generation" in previous:
        result["generation_previous_run"] = previous["generation"]
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["targets"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
