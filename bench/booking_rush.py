"""Booking rush: many citizens at once on the last places of popular slots, through the real app.

The app runs as in production (``make run``: ``reflex run --env prod``) with several Granian
backend workers sharing Redis for state and PostgreSQL for data. Each simulated citizen has
its own verified account and session cookie and its own websocket, speaking Reflex's
Socket.IO protocol like the browser does. Each first opens the booking page as a browser
does (hydrate, then the page's loader: not timed), then all send the page's ``book`` event
together, once per trial; an attempt's latency runs from sending it to its answer (the
ticket page's redirect, or the refusal). After each trial the database is
checked: no slot may hold more tickets than it had places. The CPU that the app's workers,
PostgreSQL and Redis spend during each rush is read from /proc and given per attempt.

Two references in the same run: the same clients firing a no-op event (the public language
switch: no database, no session check), which is what Reflex, Redis and the websocket cost
alone; and the same rush straight into the service layer from threads (no app).

    .venv/bin/python bench/booking_rush.py                    # start the app, 20 trials
    .venv/bin/python bench/booking_rush.py --url http://localhost:3411   # an app already running

Writes bench/results/booking_rush.json (machine, date, settings, each trial, medians).
Not part of ``make test``: it needs PostgreSQL and Redis and takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from sqlalchemy import delete, func, text, update  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

SITE, SERVICE = "sragen", "kartu-keluarga"


@dataclass
class Attempt:
    """One booking attempt as a client saw it."""

    latency_ms: float
    outcome: str  # "booked", "full", "error: ..."


# --------------------------------------------------------------------------- database set-up


def _env(args) -> dict[str, str]:
    base = f"http://localhost:{args.port}"
    return {
        **os.environ,
        "MPP_DATABASE_URL": args.database_url,
        "MPP_REDIS_URL": args.redis_url,
        "REFLEX_REDIS_URL": args.redis_url,
        "MPP_PUBLIC_BASE_URL": base,
        "MPP_ALLOWED_ORIGINS": base,
        "GRANIAN_WORKERS": str(args.workers),
        "REFLEX_BACKEND_START_METHOD": args.start_method,
        "MPP_OUTBOX_DIR": "/tmp/booking-rush-outbox",
    }


def prepare_database(args) -> None:
    """Create (if needed), migrate and seed the benchmark database."""
    name = args.database_url.rsplit("/", 1)[1]
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True)
    env = _env(args)
    for command in ("migrate", "seed"):
        subprocess.run([sys.executable, "-m", "mpp_digital.cli", command], cwd=ROOT, env=env, check=True,
                       capture_output=True)


def engine_of(args):
    from mpp_digital.db import engine_for

    return engine_for(args.database_url)


def citizens(engine, count: int) -> list[tuple[int, str]]:
    """Verified bench citizens, each with a fresh session cookie: [(user id, raw cookie)]."""
    from mpp_digital.models import Role, RoleAssignment, User, UserSession
    from mpp_digital.services.accounts import hash_secret, new_secret

    now = datetime.now(UTC)
    out = []
    with Session(engine, expire_on_commit=False) as db:
        existing = {u.email: u for u in db.exec(select(User).where(User.email.like("rush-%@bench.mpp.test"))).all()}
        citizens_now = set(db.exec(select(RoleAssignment.user_id).where(RoleAssignment.role == Role.CITIZEN)).all())
        for i in range(count):
            email = f"rush-{i:04d}@bench.mpp.test"
            user = existing.get(email)
            if user is None:
                user = User(full_name=f"Warga Uji {i}", email=email, password_hash="-", email_verified_at=now,
                            created_at=now)
                db.add(user)
                db.flush()
            if user.id not in citizens_now:
                db.add(RoleAssignment(user_id=user.id, role=Role.CITIZEN, granted_at=now))
            raw = new_secret()
            db.add(UserSession(user_id=user.id, token_hash=hash_secret(raw), created_at=now, last_seen_at=now,
                               expires_at=now + timedelta(hours=6), user_agent="booking-rush", ip_address="127.0.0.1"))
            out.append((user.id, raw))
        db.commit()
    return out


def popular_slots(engine, args) -> list[int]:
    """The first open day ahead at Sragen; its first slots become 'popular' with 50 online places."""
    from mpp_digital.models import MppSite, QueueSlot, Service
    from mpp_digital.services import queue

    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as db:
        site = db.exec(select(MppSite).where(MppSite.slug == SITE)).one()
        service = db.exec(select(Service).where(Service.slug == SERVICE)).one()
        today = queue.local_today(site, now)
        for offset in range(1, 8):
            day = today + timedelta(days=offset)
            if queue.closed_reason(session=db, site=site, day=day) is None:
                break
        else:
            raise SystemExit("no open day in the booking window")
        slots = queue.ensure_slots(session=db, site=site, service=service, day=day)[: args.slots]
        ids = [s.id for s in slots]
        db.execute(update(QueueSlot).where(QueueSlot.id.in_(ids))
                   .values(capacity=QueueSlot.walkin_capacity + QueueSlot.mobile_capacity + 50, online_capacity=50))
        db.commit()
    return ids


def reset_trial(engine, slot_ids: list[int], last_places: int) -> None:
    """Empty the popular slots of tickets; leave ``last_places`` online places in each."""
    from mpp_digital.models import QueueSlot, QueueTicket

    with Session(engine) as db:
        db.execute(delete(QueueTicket).where(QueueTicket.slot_id.in_(slot_ids)))
        db.execute(update(QueueSlot).where(QueueSlot.id.in_(slot_ids))
                   .values(online_booked=QueueSlot.online_capacity - last_places))
        db.commit()


def overbooked(engine, slot_ids: list[int], last_places: int) -> tuple[int, int]:
    """(places beyond capacity, tickets issued) over the popular slots."""
    from mpp_digital.models import QueueSlot, QueueTicket

    extra = issued = 0
    with Session(engine) as db:
        for slot_id in slot_ids:
            tickets = db.exec(select(func.count()).select_from(QueueTicket).where(QueueTicket.slot_id == slot_id)).one()
            slot = db.get(QueueSlot, slot_id)
            issued += tickets
            extra += max(0, tickets - last_places) + max(0, slot.online_booked - slot.online_capacity)
    return extra, issued


# --------------------------------------------------------------------------- the app


def start_app(args) -> subprocess.Popen:
    """``make run`` as in production, on Redis and PostgreSQL with ``--workers`` backend workers."""
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()  # this benchmark's own Redis database only
    log = open("/tmp/booking-rush-app.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(["make", "run", f"PORT={args.port}"], cwd=ROOT, env=_env(args), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the app exited; see /tmp/booking-rush-app.log")
        try:
            with urllib.request.urlopen(f"http://localhost:{args.port}/ping", timeout=2) as resp:
                if b"pong" in resp.read():
                    time.sleep(3)  # every worker up
                    return proc
        except OSError:
            time.sleep(1)
    raise SystemExit("the app did not start")


def stop_app(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- CPU per component


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the app's workers, PostgreSQL and Redis (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        part = ("app" if b"spawn_main" in command or b"reflex run" in command
                else "postgresql" if b"postgres" in command else "redis" if b"redis-server" in command else None)
        if part:
            used[part] = used.get(part, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return used


# --------------------------------------------------------------------------- the clients


class RushClient:
    """One browser tab: a websocket speaking Engine.IO 4 / Socket.IO 5 as Reflex's frontend does."""

    def __init__(self, base: str, cookie: str, handler: str, state_name: str) -> None:
        self.base, self.cookie, self.handler, self.state_name = base, cookie, handler, state_name
        self.token = str(uuid.uuid4())
        self.ws = None

    async def connect(self) -> None:
        from reflex_base import constants

        from mpp_digital import routes

        url = self.base.replace("http", "ws", 1) + f"/_event/?EIO=4&transport=websocket&token={self.token}"
        self.ws = await websockets.connect(
            url, additional_headers={"Cookie": f"{routes.SESSION_COOKIE}={self.cookie}", "Origin": self.base},
            subprotocols=[constants.Reflex.VERSION], open_timeout=60, max_size=None)
        opening = await self.ws.recv()
        assert opening.startswith("0"), opening
        await self.ws.send("40/_event,")
        while not (await self.ws.recv()).startswith("40/_event"):
            pass

    async def _answer(self, event: dict) -> dict:
        """Send one event and return the update that answers it."""
        await self.ws.send("42/_event," + json.dumps(["event", event]))
        while True:
            message = await asyncio.wait_for(self.ws.recv(), timeout=60)
            if message == "2":
                await self.ws.send("3")
            elif message.startswith("42/_event,"):
                return json.loads(message[len("42/_event,"):])[1]

    async def open_booking_page(self, site: str, service: str) -> None:
        """What the browser does when the booking page opens: hydrate, then the page's loader."""
        from reflex_base import constants

        router = {"pathname": "/antrian", "query": {"site": site, "layanan": service}}
        root = self.handler.split(".", 1)[0]
        await self._answer({"name": f"{root}.{constants.CompileVars.HYDRATE}", "payload": {}, "router_data": router})
        update = await self._answer({"name": f"{self.state_name}.load", "payload": {}, "router_data": router})
        assert self.state_name in update.get("delta", {}), update

    async def book(self, slot_id: int) -> Attempt:
        event = {"name": self.handler, "payload": {"slot_id": str(slot_id)},
                 "router_data": {"pathname": "/antrian", "query": {"site": SITE, "layanan": SERVICE}}}
        started = time.perf_counter()
        await self.ws.send("42/_event," + json.dumps(["event", event]))
        while True:
            message = await asyncio.wait_for(self.ws.recv(), timeout=60)
            if message == "2":  # Engine.IO ping
                await self.ws.send("3")
                continue
            if not message.startswith("42/_event,"):
                continue
            _, update = json.loads(message[len("42/_event,"):])
            events = update.get("events", [])
            if any(e.get("name") == "_redirect" for e in events):
                return Attempt((time.perf_counter() - started) * 1000, "booked")
            toast = next((e for e in events if '["error"]' in str(e.get("payload", {}).get("function", ""))), None)
            if toast is not None:
                return Attempt((time.perf_counter() - started) * 1000, f"error: {toast['payload']['function']}")
            own = update.get("delta", {}).get(self.state_name, {})
            error = next((v for k, v in own.items() if k.startswith("error") and v), None)
            if error:
                return Attempt((time.perf_counter() - started) * 1000, "full" if "habis" in error or "penuh"
                               in error else f"error: {error}")

    async def send_noop(self) -> Attempt:
        """The public language switch: no database, no session check (the framework's floor)."""
        event = {"name": self.handler, "payload": {},
                 "router_data": {"pathname": "/antrian", "query": {"site": SITE, "layanan": SERVICE}}}
        started = time.perf_counter()
        await self.ws.send("42/_event," + json.dumps(["event", event]))
        while not (await asyncio.wait_for(self.ws.recv(), timeout=60)).startswith("42/_event,"):
            pass
        return Attempt((time.perf_counter() - started) * 1000, "done")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def run_trial(base: str, sessions: list[tuple[int, str]], slot_ids: list[int],
                    noop: bool = False) -> tuple[list[Attempt], float, dict[str, float]]:
    """All clients connect, then fire at once. Returns the attempts, the wall time of the rush
    and the CPU seconds each component used during it (connecting is not part of either)."""
    from state.lang import LangState
    from state.queue import BookingState

    state_name = BookingState.get_full_name()
    handler = f"{LangState.get_full_name()}.toggle" if noop else f"{state_name}.book"
    clients = [RushClient(base, raw, handler, state_name) for _, raw in sessions]
    semaphore = asyncio.Semaphore(50)

    async def connect(client: RushClient) -> None:
        async with semaphore:
            await client.connect()
            await client.open_booking_page(SITE, SERVICE)

    await asyncio.gather(*(connect(c) for c in clients))
    await asyncio.sleep(0.5)  # the connections' own work is done
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    fire = (c.send_noop() if noop else c.book(slot_ids[i % len(slot_ids)]) for i, c in enumerate(clients))
    attempts = await asyncio.gather(*fire, return_exceptions=True)
    wall = time.perf_counter() - started
    cpu_after = cpu_seconds()
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    cpu = {part: cpu_after[part] - cpu_before.get(part, 0.0) for part in cpu_after}
    return [a if isinstance(a, Attempt) else Attempt(float("nan"), f"error: {a!r}") for a in attempts], wall, cpu


def direct_rush(engine, sessions: list[tuple[int, str]], slot_ids: list[int]) -> tuple[int, float]:
    """The same rush straight into the service layer from threads (no websocket, no Reflex):
    what the database side alone sustains. Returns (attempts, seconds)."""
    import threading

    from mpp_digital.errors import DomainError
    from mpp_digital.services import queue

    now = datetime.now(UTC)
    barrier = threading.Barrier(len(sessions) + 1)

    def booker(index: int, citizen_id: int) -> None:
        barrier.wait()
        with Session(engine, expire_on_commit=False) as db:
            try:
                queue.book_online(session=db, citizen_id=citizen_id, slot_id=slot_ids[index % len(slot_ids)], now=now)
                db.commit()
            except DomainError:
                db.rollback()

    threads = [threading.Thread(target=booker, args=(i, uid)) for i, (uid, _) in enumerate(sessions)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return len(threads), time.perf_counter() - started


# --------------------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def machine(engine, args) -> dict:
    import redis

    with engine.connect() as conn:
        pg = conn.execute(text("SHOW server_version")).scalar()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(), "postgresql": pg,
            "redis": redis.Redis.from_url(args.redis_url).info().get("redis_version")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=240)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--slots", type=int, default=4, help="popular slots per trial")
    parser.add_argument("--last-places", type=int, default=10, help="online places left in each popular slot")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--floor-trials", type=int, default=5,
                        help="rushes of a no-op event (the language switch) after the booking rushes")
    parser.add_argument("--port", type=int, default=3470)
    parser.add_argument("--start-method", default="spawn", choices=["spawn", "fork"],
                        help="how Granian starts its workers (fork crashed here under load)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_queue")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--url", help="an app already running (skips set-up and start)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "booking_rush.json"))
    args = parser.parse_args(argv)

    os.environ.update({"MPP_DATABASE_URL": args.database_url, "MPP_REDIS_URL": args.redis_url})
    proc = None
    if not args.url:
        prepare_database(args)
    engine = engine_of(args)
    sessions = citizens(engine, args.clients)
    slot_ids = popular_slots(engine, args)
    if not args.url:
        proc = start_app(args)
    base = args.url or f"http://localhost:{args.port}"
    trials: list[dict] = []
    floor: list[dict] = []
    client_cpu = 0.0
    try:
        for number in range(1, args.trials + 1):
            reset_trial(engine, slot_ids, args.last_places)
            cpu_before = time.process_time()
            attempts, wall, cpu = asyncio.run(run_trial(base, sessions, slot_ids))
            client_cpu += time.process_time() - cpu_before
            extra, issued = overbooked(engine, slot_ids, args.last_places)
            latencies = [a.latency_ms for a in attempts if a.latency_ms == a.latency_ms]
            booked = sum(a.outcome == "booked" for a in attempts)
            errors = [a.outcome for a in attempts if a.outcome.startswith("error")]
            trial = {"trial": number, "attempts": len(attempts), "booked": booked, "tickets_in_db": issued,
                     "places": args.slots * args.last_places, "overbooked": extra, "errors": len(errors),
                     "wall_s": round(wall, 3), "attempts_per_s": round(len(attempts) / wall, 1),
                     "p50_ms": round(percentile(latencies, 0.50), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
                     "max_ms": round(max(latencies), 1) if latencies else None, "sample_errors": errors[:3],
                     "cpu_ms_per_attempt": {part: round(seconds * 1000 / len(attempts), 2)
                                            for part, seconds in sorted(cpu.items())}}
            trials.append(trial)
            print(json.dumps(trial), flush=True)
        for _ in range(args.floor_trials):  # the same clients and path with an event that does nothing
            attempts, wall, cpu = asyncio.run(run_trial(base, sessions, slot_ids, noop=True))
            latencies = [a.latency_ms for a in attempts if a.latency_ms == a.latency_ms]
            floor.append({"attempts_per_s": round(len(attempts) / wall, 1),
                          "p95_ms": round(percentile(latencies, 0.95), 1),
                          "cpu_ms_per_attempt": {part: round(seconds * 1000 / len(attempts), 2)
                                                 for part, seconds in sorted(cpu.items())}})
            print(json.dumps({"floor": floor[-1]}), flush=True)
    finally:
        if proc is not None:
            stop_app(proc)
    direct = []
    for _ in range(5):  # the same rush without the app, on the now idle machine
        reset_trial(engine, slot_ids, args.last_places)
        count, seconds = direct_rush(engine, sessions, slot_ids)
        extra, _ = overbooked(engine, slot_ids, args.last_places)
        direct.append({"attempts": count, "seconds": round(seconds, 3), "attempts_per_s": round(count / seconds, 1),
                       "overbooked": extra})

    summary = {
        "attempts_per_s_median": statistics.median(t["attempts_per_s"] for t in trials),
        "p50_ms_median": statistics.median(t["p50_ms"] for t in trials),
        "p95_ms_median": statistics.median(t["p95_ms"] for t in trials),
        "overbooked_total": sum(t["overbooked"] for t in trials),
        "booked_total": sum(t["booked"] for t in trials),
        "tickets_in_db_total": sum(t["tickets_in_db"] for t in trials),
        "places_total": sum(t["places"] for t in trials),
        "errors_total": sum(t["errors"] for t in trials),
        "load_generator_cpu_s": round(client_cpu, 1),
        "app_wall_s": round(sum(t["wall_s"] for t in trials), 1),
        "direct_service_attempts_per_s_median": statistics.median(d["attempts_per_s"] for d in direct),
        "direct_service_overbooked_total": sum(d["overbooked"] for d in direct),
        "cpu_ms_per_attempt_median": {part: statistics.median(t["cpu_ms_per_attempt"].get(part, 0.0) for t in trials)
                                      for part in ("app", "postgresql", "redis")},
        "noop_event_attempts_per_s_median": statistics.median(f["attempts_per_s"] for f in floor) if floor else None,
        "noop_event_p95_ms_median": statistics.median(f["p95_ms"] for f in floor) if floor else None,
        "noop_event_cpu_ms_per_attempt_median": {
            part: statistics.median(f["cpu_ms_per_attempt"].get(part, 0.0) for f in floor)
            for part in ("app", "postgresql", "redis")} if floor else None,
    }
    result = {
        "benchmark": "booking_rush",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(engine, args),
        "settings": {"clients": args.clients, "trials": args.trials, "popular_slots": args.slots,
                     "last_places_per_slot": args.last_places, "backend_workers": args.workers,
                     "server": "make run (reflex run --env prod, Granian)", "state": "Redis", "database": "PostgreSQL",
                     "reflex_oplock": os.environ.get("REFLEX_OPLOCK_ENABLED", "true (Makefile)"),
                     "client_flow": "open /antrian (hydrate, BookingState.load; not timed), then book (timed)",
                     "app_url": base},
        "summary": summary,
        "trials": trials,
        "noop_event_rushes": floor,
        "direct_service_rushes": direct,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0 if summary["overbooked_total"] == 0 and summary["direct_service_overbooked_total"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
