"""Event latency of a worker that has served many tabs: does it get slower with age?

The app runs as ``make run`` does (``reflex run --env prod``) on a throwaway SQLite database.
First, on the fresh app, ``--clients`` websocket clients (speaking Reflex's Socket.IO protocol
like the browser, the client of ``bench/booking_rush.py``) each send the public language switch
(``state/lang.py``) ``--rate`` times a second for ``--seconds``: the fresh figure. Then
``--tabs`` tabs are created (connect, hydrate, leave: each leaves its state behind, as a
browser tab that was closed does), and the same load is measured again: the aged figure. An
event's latency runs from sending it to its answer. The ratio aged / fresh says whether the
worker ages; the target is an aged p95 of at most 25 ms.

    .venv/bin/python bench/events.py                          # the app's own state manager
    .venv/bin/python bench/events.py --state-manager disk     # Reflex's default before (for comparison)

Writes bench/results/events.json (machine, date, load, state manager, both phases, ratio).
Not part of ``make test``: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.booking_rush import RushClient, percentile  # noqa: E402

TARGET_P95_MS = 25.0


def _client(base: str) -> RushClient:
    from state.lang import LangState

    return RushClient(base, cookie="", handler=f"{LangState.get_full_name()}.toggle",
                      state_name=LangState.get_full_name())


async def _hydrate(client: RushClient) -> None:
    from reflex_base import constants

    root = client.handler.split(".", 1)[0]
    await client._answer({"name": f"{root}.{constants.CompileVars.HYDRATE}", "payload": {},
                          "router_data": {"pathname": "/", "query": {}}})


async def create_tabs(base: str, count: int, concurrency: int = 40) -> float:
    """Open ``count`` tabs (connect, hydrate, close); returns the seconds it took."""
    started = time.perf_counter()
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            client = _client(base)
            await client.connect()
            await _hydrate(client)
            await client.close()

    await asyncio.gather(*(one() for _ in range(count)))
    return time.perf_counter() - started


async def measure(base: str, clients: int, rate: float, seconds: float) -> dict:
    """``clients`` tabs, each sending ``rate`` events a second for ``seconds``; latency figures."""
    tabs = [_client(base) for _ in range(clients)]
    semaphore = asyncio.Semaphore(40)

    async def open_tab(client: RushClient) -> None:
        async with semaphore:
            await client.connect()
            await _hydrate(client)

    await asyncio.gather(*(open_tab(c) for c in tabs))
    await asyncio.sleep(0.5)
    latencies: list[float] = []
    errors: list[str] = []
    interval = 1.0 / rate
    loop = asyncio.get_running_loop()
    start_at = loop.time() + 0.2
    stop_at = start_at + seconds

    async def drive(index: int, client: RushClient) -> None:
        tick = start_at + interval * index / clients  # spread the clients over the interval
        while tick < stop_at:
            await asyncio.sleep(max(0.0, tick - loop.time()))
            try:
                latencies.append((await client.send_noop()).latency_ms)
            except Exception as exc:  # noqa: BLE001 - counted, reported
                errors.append(repr(exc))
            tick += interval  # a fixed schedule: a slow answer is not hidden by sending less

    cpu_before = app_cpu_seconds()
    wall = time.perf_counter()
    await asyncio.gather(*(drive(i, c) for i, c in enumerate(tabs)))
    wall = time.perf_counter() - wall
    cpu_after = app_cpu_seconds()
    await asyncio.gather(*(c.close() for c in tabs), return_exceptions=True)
    return {
        "events": len(latencies), "errors": len(errors), "sample_errors": errors[:3],
        "events_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2), "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2), "max_ms": round(max(latencies), 1) if latencies else None,
        "app_cpu_ms_per_event": round((cpu_after - cpu_before) * 1000 / max(len(latencies), 1), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _app_processes() -> list[str]:
    """The pids of this checkout's app (``make run`` here), not of other apps on the machine."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            cwd = Path(f"/proc/{pid}/cwd").resolve()
        except OSError:
            continue
        if cwd == ROOT and (b"spawn_main" in command or b"reflex run" in command):
            found.append(pid)
    return found


def app_cpu_seconds() -> float:
    """CPU seconds used so far by this checkout's app (Linux /proc)."""
    tick, used = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in _app_processes():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used += (int(fields[11]) + int(fields[12])) / tick
    return used


def app_memory_mb() -> float:
    """Resident memory of this checkout's app (Linux /proc)."""
    total = 0
    for pid in _app_processes():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
    return round(total / 1024, 1)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="events a second per client")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each measurement")
    parser.add_argument("--tabs", type=int, default=20000, help="tabs created between the two measurements")
    parser.add_argument("--port", type=int, default=3480)
    parser.add_argument("--state-manager", choices=["app", "disk"], default="app",
                        help="app: what rxconfig.py chooses; disk: Reflex's default, for comparison")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "events.json"))
    args = parser.parse_args(argv)

    from tests.e2e.conftest import running_app

    data = Path(tempfile.mkdtemp(prefix="bench-events-"))
    base = f"http://localhost:{args.port}"
    env = {**os.environ, "MPP_DATABASE_URL": f"sqlite:///{data / 'app.db'}", "MPP_PUBLIC_BASE_URL": base,
           "MPP_ALLOWED_ORIGINS": base, "MPP_OUTBOX_DIR": str(data / "outbox")}
    for name in ("MPP_REDIS_URL", "REFLEX_REDIS_URL"):
        env.pop(name, None)
    if args.state_manager == "disk":
        env["REFLEX_STATE_MANAGER_MODE"] = "disk"
    states_dir = ROOT / ".states"
    with running_app(env, args.port, data / "app.log") as running:
        time.sleep(3)
        memory_fresh = app_memory_mb()
        fresh = asyncio.run(measure(running, args.clients, args.rate, args.seconds))
        print(json.dumps({"fresh": fresh}), flush=True)
        tabs_seconds = asyncio.run(create_tabs(running, args.tabs))
        print(json.dumps({"tabs": args.tabs, "seconds": round(tabs_seconds, 1)}), flush=True)
        aged = asyncio.run(measure(running, args.clients, args.rate, args.seconds))
        print(json.dumps({"aged": aged}), flush=True)
        memory_aged = app_memory_mb()
    state_files = sum(1 for _ in states_dir.rglob("*")) if states_dir.exists() else 0
    manager = ("disk (REFLEX_STATE_MANAGER_MODE=disk)" if args.state_manager == "disk"
               else "memory (rxconfig.py: no MPP_REDIS_URL), tabs expire after 30 min idle")
    result = {
        "benchmark": "events",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"clients": args.clients, "events_per_s_per_client": args.rate, "seconds": args.seconds,
                     "tabs_created_between": args.tabs, "event": "LangState.toggle (no database, no session)",
                     "server": "make run (reflex run --env prod), one backend worker, SQLite",
                     "state_manager": manager},
        "fresh": fresh,
        "aged": aged,
        "tab_creation_s": round(tabs_seconds, 1),
        "ratio_aged_to_fresh": {k: round(aged[k] / fresh[k], 2) for k in ("p50_ms", "p95_ms", "p99_ms")},
        "app_memory_mb": {"fresh": memory_fresh, "aged": memory_aged},
        "state_files_on_disk": state_files,
        "target_p95_ms": TARGET_P95_MS,
        "met": aged["p95_ms"] <= TARGET_P95_MS and aged["errors"] == 0,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("ratio_aged_to_fresh", "app_memory_mb", "state_files_on_disk", "met")}))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
