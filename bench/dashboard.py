"""Benchmark of the dashboard queries at 1M and 10M generated events (a script, not a test).

    .venv/bin/python bench/dashboard.py \\
        --url-1m postgresql://postgres@127.0.0.1:5432/bench_1m \\
        --url-10m postgresql://postgres@127.0.0.1:5432/bench_10m --generate [--regenerate]

For each database: one dashboard request (scope resolution + ``analytics.dashboard``: KPIs with
the previous period, trend, channel mix, by agency, top 10 services, weekday x hour) for one
regency (Sragen), one province (Central Java) and the whole country, over the default view (the
last 30 days) and over a year; p50/p95 over ``--rounds`` rounds after warm-up rounds (warm cache),
and the extra peak memory of one request (tracemalloc: Python and numpy allocations). At 1M, in
the same run, the naive way: load every event row into pandas and compute the national KPIs of
the same 30 days; its median is the base of the ratios. Results go to bench/results/dashboard.json
with the machine, the date and the load average (the machine may be shared: quote medians and
ratios of one run). With ``--generate`` an empty or different-size database is
migrated and filled by ``history.generate_history`` first (timed).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from mpp_digital import demo  # noqa: E402
from mpp_digital.cli import migrate  # noqa: E402
from mpp_digital.db import engine_for  # noqa: E402
from mpp_digital.services import analytics, history  # noqa: E402

END = date(2026, 11, 27)
SCOPES = (("regency", "33.14"), ("province", "33"), ("national", ""))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, int(round(q / 100 * len(ordered) + 0.5)))
    return ordered[min(rank, len(ordered)) - 1]


def scope_of(session: Session, kind: str, code: str) -> analytics.Scope:
    if kind == "regency":
        return analytics.regency_scope(session=session, regency_code=code)
    if kind == "province":
        return analytics.province_scope(session=session, province_code=code)
    return analytics.national_scope(session=session)


def request(engine, kind: str, code: str, flt: analytics.Filters) -> analytics.Dashboard:
    """One dashboard request as the page makes it: a session, the scope, the figures."""
    with Session(engine) as session:
        return analytics.dashboard(session=session, scope=scope_of(session, kind, code), filters=flt)


def count_events(engine) -> int:
    with engine.connect() as conn:
        try:
            return int(conn.execute(text("SELECT COUNT(*) FROM serviceevent")).scalar())
        except Exception:  # noqa: BLE001 - not migrated yet
            return -1


def prepare(url: str, events: int, generate: bool, regenerate: bool) -> dict:
    """Make sure the database holds ``events`` generated events; returns generation timings if it made them."""
    engine = engine_for(url)
    found = count_events(engine)
    if found == events and not regenerate:
        return {"generated_in_this_run": False}
    if not (generate or regenerate):
        raise SystemExit(f"{url} holds {found} events, not {events}: run with --generate")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(url)
    with Session(engine) as session:
        demo.load_regions(session)
        demo.load_catalog(session)
        session.commit()
    with Session(engine) as session:
        result = history.generate_history(session=session, events=events, years=2, end=END, log=print)
        session.commit()
    return {"generated_in_this_run": True, "seconds_generate": round(result.seconds_generate, 1),
            "seconds_copy": round(result.seconds_insert, 1), "seconds_rollups": round(result.seconds_rollups, 1)}


def sizes(engine) -> dict:
    with engine.connect() as conn:
        out = {}
        for table in ("serviceevent", "analyticsdaily", "analyticsservicedaily", "analyticshourly", "analyticsmonthly",
                      "analyticsservicemonthly", "analyticshourlymonthly"):
            out[table] = {"rows": int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar())}
            if engine.dialect.name == "postgresql":
                out[table]["mb"] = round(conn.execute(
                    text("SELECT pg_total_relation_size(:t)"), {"t": table}).scalar() / 2**20, 1)
        return out


def time_scope(engine, kind: str, code: str, flt: analytics.Filters, rounds: int, warmup: int) -> dict:
    for _ in range(warmup):
        request(engine, kind, code, flt)
    timings = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        board = request(engine, kind, code, flt)
        timings.append((time.perf_counter() - start) * 1000)
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    request(engine, kind, code, flt)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "scope": f"{kind} {code}".strip(), "name": board.scope.name, "served_in_period": board.kpis.served,
        "rounds": rounds, "p50_ms": round(statistics.median(timings), 2), "p95_ms": round(percentile(timings, 95), 2),
        "min_ms": round(min(timings), 2), "max_ms": round(max(timings), 2),
        "extra_peak_memory_mb": round(peak / 2**20, 2),
    }


def naive_pandas(engine, flt: analytics.Filters, rounds: int) -> dict:
    """Every event row into pandas, then the national KPIs of the period: the way the issue rules out."""
    def once() -> float:
        frame = pd.read_sql("SELECT * FROM serviceevent", engine.connect())
        days = pd.to_datetime(frame["local_day"])
        period = frame[(days >= pd.Timestamp(flt.start)) & (days <= pd.Timestamp(flt.end))]
        tx = period[period["kind"].isin(["queue", "application"])]
        served = tx[tx["outcome"] == "served"]
        _kpis = {
            "served": len(served),
            "digital_share": served["channel"].isin(["online", "mobile"]).mean(),
            "wait_median": tx["wait_seconds"].median() / 60, "wait_p90": tx["wait_seconds"].quantile(0.9) / 60,
            "sla": tx["sla_met"].mean(), "ikm": period["satisfaction"].mean(),
        }
        return len(frame)

    timings = []
    rows = 0
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        rows = once()
        timings.append((time.perf_counter() - start) * 1000)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    once()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"rows_loaded": rows, "rounds": rounds, "p50_ms": round(statistics.median(timings), 1),
            "min_ms": round(min(timings), 1), "extra_peak_memory_mb": round(peak / 2**20, 1)}


def machine(engine) -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    with engine.connect() as conn:
        server = conn.execute(text("SELECT version()")).scalar() if engine.dialect.name == "postgresql" else "sqlite"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb, "python": platform.python_version(),
            "platform": platform.platform(), "database": server}


# ---- ikm (issue 14, SKM): the IKM of every service unit nationally at 1M survey responses

IKM_RESPONSES = 1_000_000


def prepare_ikm(url: str, responses: int) -> dict:
    """A database with ``responses`` survey responses over 2026 spread over every (site, agency) of the
    catalog, their monthly sums, and a population (people served) per unit and month."""
    from mpp_digital.services import surveys

    engine = engine_for(url)
    with engine.connect() as conn:
        try:
            found = int(conn.execute(text("SELECT COUNT(*) FROM surveyresponse")).scalar())
        except Exception:  # noqa: BLE001 - not migrated yet
            found = -1
    if found == responses:
        return {"generated_in_this_run": False}
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(url)
    with Session(engine) as session:
        demo.load_regions(session)
        demo.load_catalog(session)
        session.commit()
    start = time.perf_counter()
    with Session(engine) as session:
        # skewed answers (4 the most common, one in seven straight-lined 4s), units picked by a hash
        session.execute(text(
            "CREATE TEMP TABLE unit AS SELECT row_number() OVER (ORDER BY site_id, agency_id) - 1 AS i, "
            "site_id, agency_id, (SELECT MIN(s.id) FROM service s WHERE s.agency_id = sa.agency_id) AS service_id "
            "FROM siteagency sa WHERE EXISTS (SELECT 1 FROM service s WHERE s.agency_id = sa.agency_id)"))
        units = int(session.execute(text("SELECT COUNT(*) FROM unit")).scalar())
        scores = ", ".join(f"CASE WHEN g % 7 = 0 THEN 4 ELSE 1 + LEAST(3, hashint(g * {i + 3}) % 5) END"
                           for i in range(9))
        session.execute(text("CREATE FUNCTION hashint(bigint) RETURNS int LANGUAGE sql IMMUTABLE AS "
                             "$$ SELECT ((($1 * 2654435761) % 4294967296) / 7)::int $$"))
        session.execute(text(
            f"INSERT INTO surveyresponse (visit_key, visit_kind, site_id, agency_id, service_id, channel, local_day, "
            f"{', '.join(f'u{i}' for i in range(1, 10))}, source) "
            f"SELECT md5(g::text), 'ticket', u.site_id, u.agency_id, u.service_id, 'direct', "
            f"DATE '2026-01-01' + (g % 365), {scores}, "
            f"'bench' FROM generate_series(1, :n) g JOIN unit u ON u.i = (hashint(g) % :units)"),
            {"n": responses, "units": units})
        seconds_insert = time.perf_counter() - start
        surveys.rebuild_sums(session=session)
        session.execute(text(
            "INSERT INTO analyticsmonthly (scope, agency_id, month, channel, served, not_served, wait_n, wait_sum, "
            "service_n, service_sum, sla_n, sla_met, survey_n, survey_sum, complaints_opened, complaints_closed, "
            + ", ".join(f"w{i:02d}" for i in range(20)) + ") "
            "SELECT 's' || site_id, agency_id, month, 'direct', n * (1 + hashint(site_id * 31 + agency_id) % 5), "
            + ", ".join(["0"] * 11) + ", " + ", ".join(["0"] * 20) + " FROM surveymonthly"))
        session.commit()
    return {"generated_in_this_run": True, "units": units, "seconds_insert": round(seconds_insert, 1),
            "seconds_total": round(time.perf_counter() - start, 1)}


def time_ikm(url: str, rounds: int, warmup: int) -> dict:
    """p50/p95 of ``surveys.results`` (every unit, site, regency and province, and the nation)."""
    from mpp_digital.services import surveys

    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    out = {"machine": machine(engine), "views": []}
    with engine.connect() as conn:
        out["tables"] = {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar())
                         for t in ("surveyresponse", "surveymonthly")}
    for label, code, regency in (("national_year", "2026", None), ("national_semester", "2026-S2", None),
                                 ("regency_semester", "2026-S2", "33.14")):
        period = surveys.parse_period(code)

        def once(period=period, regency=regency):
            with Session(engine) as session:
                return surveys.results(session=session, period=period, regency_code=regency)

        for _ in range(warmup):
            once()
        timings = []
        for _ in range(rounds):
            gc.collect()
            begin = time.perf_counter()
            res = once()
            timings.append((time.perf_counter() - begin) * 1000)
        row = {"view": label, "period": code, "regency": regency, "n": res.total.n,
               "units_ranked": len(res.units), "units_short": len(res.units_short), "sites": len(res.sites),
               "ikm": str(res.total.ikm.converted) if res.total.ikm else None, "rounds": rounds,
               "p50_ms": round(statistics.median(timings), 2), "p95_ms": round(percentile(timings, 95), 2),
               "max_ms": round(max(timings), 2), "load_average_1min_after": round(os.getloadavg()[0], 2)}
        print(f"  ikm {label:18} n {row['n']:>8} units {row['units_ranked']}+{row['units_short']}  "
              f"p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms")
        out["views"].append(row)
    out["target_p95_le_100ms"] = all(v["p95_ms"] <= 100 for v in out["views"])
    engine.dispose()
    return out


def main_ikm(url: str, rounds: int, warmup: int, out_path: str) -> int:
    """Only the "ikm" section: fill (when needed) and time; merged into the results file."""
    print(f"== prepare ikm: {url}")
    prepared = prepare_ikm(url, IKM_RESPONSES)
    print(f"== measure ikm: {url}")
    section = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "responses": IKM_RESPONSES,
               "preparation": prepared, **time_ikm(url, rounds, warmup)}
    path = Path(out_path)
    results = json.loads(path.read_text()) if path.exists() else {}
    results["ikm"] = section
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written {path} (ikm)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url-1m", required="--ikm-only" not in sys.argv)
    parser.add_argument("--url-10m", required="--ikm-only" not in sys.argv)
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--naive-rounds", type=int, default=3)
    parser.add_argument("--generate", action="store_true", help="fill empty or different-size databases first")
    parser.add_argument("--regenerate", action="store_true", help="drop and generate both databases again")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dashboard.json"))
    parser.add_argument("--ikm-url", help="the SKM benchmark's database (1M survey responses)")
    parser.add_argument("--ikm-only", action="store_true", help="run only the ikm section (needs --ikm-url)")
    args = parser.parse_args()
    if args.rounds < 21:
        raise SystemExit("at least 21 rounds")
    if args.ikm_only:
        return main_ikm(args.ikm_url, args.rounds, args.warmup, args.out)

    month = analytics.Filters(start=END - timedelta(days=29), end=END)
    year = analytics.Filters(start=END - timedelta(days=364), end=END, grain="week")
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "datasets": {}}
    earlier = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    datasets = (("1M", args.url_1m, 1_000_000), ("10M", args.url_10m, 10_000_000))
    prepared_all = {}
    for label, url, events in datasets:  # generate first, so that nothing heavy runs beside the timings
        print(f"== prepare {label}: {url}")
        prepared_all[label] = prepare(url, events, args.generate, args.regenerate)
    for label, url, events in datasets:
        print(f"== measure {label}: {url}")
        prepared = prepared_all[label]
        before = earlier.get("datasets", {}).get(label, {}).get("preparation", {})
        if not prepared["generated_in_this_run"] and before.get("seconds_rollups") is not None:
            # the same databases, generated by an earlier run: keep that run's generation timings
            prepared = {**before, "generated_in_this_run": False,
                        "generated_by_run_of": before.get("generated_by_run_of", earlier.get("date"))}
        engine = engine_for(url)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        results.setdefault("machine", machine(engine))
        dataset = {"events": events, "history": f"2 years up to {END}", "preparation": prepared,
                   "tables": sizes(engine), "views": {}}
        for view, flt in (("last_30_days", month), ("last_365_days_weekly", year)):
            dataset["views"][view] = {"start": flt.start.isoformat(), "end": flt.end.isoformat(), "scopes": []}
            for kind, code in SCOPES:
                row = time_scope(engine, kind, code, flt, args.rounds, args.warmup)
                row["load_average_1min_after"] = round(os.getloadavg()[0], 2)
                print(f"  {view:22} {row['scope']:12} p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms  "
                      f"peak +{row['extra_peak_memory_mb']:.2f} MB")
                dataset["views"][view]["scopes"].append(row)
        if label == "1M":
            naive = naive_pandas(engine, month, args.naive_rounds)
            print(f"  naive pandas load: p50 {naive['p50_ms']:.0f} ms, peak +{naive['extra_peak_memory_mb']} MB")
            dataset["naive_pandas"] = naive
            results["naive_base"] = {"dataset": "1M", **naive}
        results["datasets"][label] = dataset
        engine.dispose()

    base = results["naive_base"]["p50_ms"]
    for dataset in results["datasets"].values():
        for view in dataset["views"].values():
            for row in view["scopes"]:
                row["naive_1m_over_this_p50"] = round(base / row["p50_ms"], 1)
    ten = results["datasets"]["10M"]["views"]["last_30_days"]["scopes"]
    results["targets_at_10M"] = {
        "p95_le_100ms_every_scope": all(r["p95_ms"] <= 100 for r in ten),
        "extra_memory_le_50mb": all(r["extra_peak_memory_mb"] <= 50 for r in ten),
    }
    if args.ikm_url:  # the SKM section (issue 14), in the same run
        print(f"== prepare ikm: {args.ikm_url}")
        prepared = prepare_ikm(args.ikm_url, IKM_RESPONSES)
        results["ikm"] = {"date": results["date"], "responses": IKM_RESPONSES, "preparation": prepared,
                          **time_ikm(args.ikm_url, args.rounds, args.warmup)}
    elif "ikm" in earlier:
        results["ikm"] = earlier["ikm"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
