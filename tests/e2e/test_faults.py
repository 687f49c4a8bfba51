"""Faults the scaled-out app survives: a backend worker killed mid-rush, PostgreSQL restarted,
Redis restarted.

The app runs as ``make run`` runs it scaled out (two Granian workers, Redis for tab state,
PostgreSQL for data), on a PostgreSQL cluster and a Redis server that this module starts and
owns (Debian's ``initdb``/``pg_ctl`` on a free port in a temporary folder; ``redis-server
--port <free> --save ""``), so restarting them touches nobody else. Clients are websockets
speaking Reflex's Socket.IO protocol (the client of ``bench/booking_rush.py``), each with its
own citizen and session cookie.

Skipped, saying why, only when the PostgreSQL 15 server binaries or ``redis-server`` are absent.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from bench.booking_rush import SERVICE, SITE, RushClient, citizens, overbooked, popular_slots, reset_trial
from mpp_digital.db import engine_for
from mpp_digital.i18n import t
from mpp_digital.models import QueueTicket
from state.auth import LoginState  # in the main context: Reflex registers states in a context variable
from state.profile import ProfileState
from state.queue import BookingState
from tests.e2e.conftest import ROOT, free_port, running_app
from tests.loops import run_on_own_loop

pytestmark = pytest.mark.e2e

PG_BIN = Path("/usr/lib/postgresql/15/bin")
UNAVAILABLE = t("db.unavailable", "id")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL's tools refuse to run as root: run them as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, owned by the test."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="mpp-faults-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
        self.start()
        with engine_for(self.url("postgres")).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CREATE DATABASE mpp"))

    def url(self, database: str = "mpp") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-w", *args]),
                       check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A throwaway Redis server on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def services() -> Iterator[SimpleNamespace]:
    """The module's own PostgreSQL and Redis."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"no PostgreSQL 15 server binaries in {PG_BIN} (Debian package postgresql-15)")
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on PATH (Debian package redis-server)")
    postgres, redis_server = PrivatePostgres(), PrivateRedis()
    try:
        yield SimpleNamespace(postgres=postgres, redis=redis_server)
    finally:
        redis_server.stop()
        engine_for(postgres.url()).dispose()
        postgres.remove()


@pytest.fixture(scope="module")
def fault_app(services, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """``make run`` with two workers on the module's Redis and PostgreSQL."""
    data = tmp_path_factory.mktemp("faults")
    web = data / "web"  # its own build; the installed frontend packages are copied, not fetched again
    if (ROOT / ".web").exists():
        shutil.copytree(ROOT / ".web", web, symlinks=True,
                        ignore=lambda folder, names: ["build"] if folder == str(ROOT / ".web") else [])
    holidays = data / "holidays.json"
    holidays.write_text('{"holidays": []}')
    port = free_port()
    base = f"http://localhost:{port}"
    env = {
        **os.environ,
        "MPP_DATABASE_URL": services.postgres.url(),
        "MPP_REDIS_URL": services.redis.url,
        "REFLEX_REDIS_URL": services.redis.url,
        "GRANIAN_WORKERS": "2",
        "REFLEX_BACKEND_START_METHOD": "spawn",
        "REFLEX_WEB_WORKDIR": str(web),
        "REFLEX_STATES_WORKDIR": str(data / "states"),
        "MPP_HOLIDAYS_FILE": str(holidays),
        "MPP_PUBLIC_BASE_URL": base,
        "MPP_ALLOWED_ORIGINS": base,
        "MPP_OUTBOX_DIR": str(data / "outbox"),
        "MPP_SECRET_KEY": "e2e-secret-key",
    }
    started: list[subprocess.Popen] = []
    with running_app(env, port, data / "app.log", started=started) as running:
        yield SimpleNamespace(base=running, group=started[0].pid, engine=engine_for(services.postgres.url()),
                              log=data / "app.log")


def _workers(group: int) -> list[int]:
    """The app's backend worker processes (Granian's spawned children in the app's process group)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            pgrp = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
        except (OSError, ValueError, IndexError):
            continue
        if pgrp == group and b"spawn_main" in command:
            found.append(int(pid))
    return found


def _places_taken(engine, slot_ids: list[int], last_places: int) -> int:
    """Online places taken in the slots since ``reset_trial`` left ``last_places`` in each."""
    with Session(engine) as db:
        return db.execute(text("SELECT sum(online_booked - (online_capacity - :last)) FROM queueslot "
                               "WHERE id = ANY(:ids)"), {"last": last_places, "ids": slot_ids}).scalar_one()


def _booking_client(base: str, cookie: str, token: str | None = None) -> RushClient:
    client = RushClient(base, cookie, f"{BookingState.get_full_name()}.book", BookingState.get_full_name())
    if token:
        client.token = token
    return client


async def _close(client: RushClient) -> None:
    try:
        await client.close()
    except Exception:  # noqa: BLE001 - the socket may be gone with its worker
        pass


# --------------------------------------------------------------------------- PostgreSQL


def test_postgresql_restart_is_reported_and_survived(fault_app, services):
    engine = fault_app.engine
    (_, cookie), = citizens(engine, 1)
    slot_ids = popular_slots(engine, SimpleNamespace(slots=1))
    reset_trial(engine, slot_ids, 10)

    async def scenario() -> dict:
        client = _booking_client(fault_app.base, cookie)
        await client.connect()
        await client.open_booking_page(SITE, SERVICE)
        services.postgres.stop()
        try:
            started = time.monotonic()
            during = await asyncio.wait_for(client.book(slot_ids[0]), 30)
            booking_seconds = time.monotonic() - started
            sign_in = await asyncio.wait_for(client._answer({
                "name": f"{LoginState.get_full_name()}.submit",
                "payload": {"form": {"identifier": "warga@demo.mpp.go.id", "password": "Sukowati-Demo-2026"}},
                "router_data": {"pathname": "/masuk", "query": {}}}), 30)
            try:
                with urllib.request.urlopen(fault_app.base + "/auth/sesi?ticket=a-login-ticket", timeout=30) as resp:
                    http = (resp.status, resp.read().decode())
            except urllib.error.HTTPError as exc:
                http = (exc.code, exc.read().decode())
        finally:
            services.postgres.start()
        after = None
        for _ in range(20):  # the app recovers by itself: no restart
            after = await asyncio.wait_for(client.book(slot_ids[0]), 30)
            if after.outcome == "booked":
                break
            await asyncio.sleep(0.5)
        await _close(client)
        return {"during": during.outcome, "seconds": booking_seconds, "sign_in": json.dumps(sign_in),
                "http": http, "after": after.outcome if after else None}

    result = run_on_own_loop(scenario())
    assert UNAVAILABLE in result["during"], result["during"][:300]
    assert result["seconds"] < 15  # an answer, not a hang
    assert UNAVAILABLE in result["sign_in"], result["sign_in"][:300]
    assert result["http"][0] == 503 and UNAVAILABLE in result["http"][1], result["http"]
    assert result["after"] == "booked"
    extra, issued = overbooked(engine, slot_ids, 10)
    assert (extra, issued) == (0, 1)
    assert _places_taken(engine, slot_ids, 10) == 1  # nothing half-done during the outage: one place, one ticket


# --------------------------------------------------------------------------- Redis


def test_redis_restart_keeps_people_signed_in_and_tabs_rehydrate(fault_app, services):
    engine = fault_app.engine
    (user_id, cookie), = citizens(engine, 1)
    with Session(engine) as db:
        name = db.execute(text('SELECT full_name FROM "user" WHERE id = :id'), {"id": user_id}).scalar_one()
    load = {"name": f"{ProfileState.get_full_name()}.load", "payload": {},
            "router_data": {"pathname": "/profil", "query": {}}}

    async def profile_name(client: RushClient) -> str:
        from reflex_base import constants

        root = client.handler.split(".", 1)[0]
        await client._answer({"name": f"{root}.{constants.CompileVars.HYDRATE}", "payload": {},
                              "router_data": {"pathname": "/profil", "query": {}}})
        update = await client._answer(load)
        return json.dumps(update.get("delta", {}))

    async def scenario() -> tuple[str, str]:
        client = RushClient(fault_app.base, cookie, f"{ProfileState.get_full_name()}.load",
                            ProfileState.get_full_name())
        await client.connect()
        before = await profile_name(client)
        await _close(client)
        services.redis.stop()
        services.redis.start()  # empty: every tab's state is gone
        deadline, after = time.monotonic() + 30, ""
        while time.monotonic() < deadline:  # the tab reconnects (same token), hydrates and loads the page
            again = RushClient(fault_app.base, cookie, client.handler, client.state_name)
            again.token = client.token
            try:
                await again.connect()
                after = await asyncio.wait_for(profile_name(again), 15)
            except Exception as exc:  # noqa: BLE001 - the worker's Redis connections reconnect first
                after = repr(exc)
            finally:
                await _close(again)
            if name in after:
                break
            await asyncio.sleep(0.5)
        return before, after

    before, after = run_on_own_loop(scenario())
    assert name in before
    assert name in after, after[:500]  # still signed in: the session is in the database


# --------------------------------------------------------------------------- a worker killed


def test_a_worker_killed_mid_rush_loses_and_doubles_no_booking(fault_app):
    engine = fault_app.engine
    clients_count, last_places = 40, 10
    sessions = citizens(engine, clients_count)
    slot_ids = popular_slots(engine, SimpleNamespace(slots=2))
    reset_trial(engine, slot_ids, last_places)
    workers = _workers(fault_app.group)
    assert len(workers) == 2, workers

    reconnects: list[int] = []

    async def scenario() -> list[str]:
        fire = asyncio.Event()

        async def one(index: int, cookie: str) -> str:
            token, last = str(uuid.uuid4()), None
            for attempt in range(5):
                if attempt:
                    reconnects.append(index)
                client = _booking_client(fault_app.base, cookie, token)
                try:
                    await client.connect()
                    await client.open_booking_page(SITE, SERVICE)
                    await fire.wait()
                    return (await asyncio.wait_for(client.book(slot_ids[index % len(slot_ids)]), 40)).outcome
                except Exception as exc:  # noqa: BLE001 - its worker died: reconnect and carry on
                    last = exc
                    await asyncio.sleep(0.5)
                finally:
                    await _close(client)
            return f"lost: {last!r}"

        tasks = [asyncio.create_task(one(i, cookie)) for i, (_, cookie) in enumerate(sessions)]
        await asyncio.sleep(8)  # every tab has opened the page (the rest wait for their retry)
        fire.set()
        await asyncio.sleep(0.03)
        os.kill(workers[0], signal.SIGKILL)  # in the middle of the rush
        return await asyncio.gather(*tasks)

    outcomes = run_on_own_loop(scenario())
    with urllib.request.urlopen(fault_app.base + "/ping", timeout=10) as resp:
        assert b"pong" in resp.read()  # the app is still up

    lost = [o for o in outcomes if o.startswith("lost")]
    assert lost == [], lost[:3]  # every tab got an answer, after reconnecting when its worker died
    assert reconnects, "no tab lost its worker: the kill came after the rush"
    deadline = time.monotonic() + 60
    while len(_workers(fault_app.group)) < 2 and time.monotonic() < deadline:
        time.sleep(1)
    assert workers[0] not in _workers(fault_app.group) and len(_workers(fault_app.group)) == 2  # replaced
    booked_users = {uid for (uid, _), o in zip(sessions, outcomes, strict=True) if o == "booked"}
    with Session(engine) as db:
        rows = db.exec(select(QueueTicket.citizen_id, func.count()).where(QueueTicket.slot_id.in_(slot_ids))  # type: ignore[attr-defined]
                       .group_by(QueueTicket.citizen_id)).all()
    per_citizen = dict(rows)
    assert all(count == 1 for count in per_citizen.values()), per_citizen  # none doubled
    assert booked_users <= set(per_citizen), booked_users - set(per_citizen)  # none confirmed and lost
    extra, issued = overbooked(engine, slot_ids, last_places)
    assert extra == 0 and issued == len(per_citizen) <= len(slot_ids) * last_places
    assert _places_taken(engine, slot_ids, last_places) == issued  # every place taken is a ticket
