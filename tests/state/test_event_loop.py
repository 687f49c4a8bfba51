"""No handler of the main pages holds the event loop for more than 50 ms.

A backend worker serves all its tabs on one event loop: argon2 (about 50 ms a hash here),
SMTP, files and synchronous database work must run in a thread (``mpp_digital.blocking``).
Each handler runs on a loop in asyncio's debug mode with ``slow_callback_duration`` at 50 ms,
which logs every step of a task that kept the loop longer; any such step fails the test.
Each handler runs once before it is watched, so first-use costs (imports, statement
compilation) are not counted.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import urlencode

import pytest
from reflex_base import constants
from sqlmodel import Session

from mpp_digital.clock import utcnow
from mpp_digital.services import accounts
from state.auth import LoginState, PasswordResetState, RegisterState  # noqa: E402
from state.catalog import CatalogState  # noqa: E402
from state.kiosk import KioskState  # noqa: E402
from state.nav import NavState  # noqa: E402
from state.profile import ProfileState  # noqa: E402
from state.queue import BookingState, MyTicketsState  # noqa: E402
from tests.loops import run_on_own_loop
from tests.state.conftest import PASSWORD, make_tree, substate

LIMIT_SECONDS = 0.05


class _SlowSteps(logging.Handler):
    """Keeps asyncio's debug-mode reports of steps that held the loop too long."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Executing") and "shutdown_default_executor" not in message:  # not asyncio.run's end
            self.reports.append(message)


def run_watched(make_coroutine) -> tuple[object, list[str]]:
    """Run a handler's coroutine on a debug-mode loop; returns its result and the slow steps."""
    from mpp_digital.db import close_hot_path

    async def main():
        loop = asyncio.get_running_loop()
        loop.slow_callback_duration = LIMIT_SECONDS
        try:
            return await make_coroutine()
        finally:
            await close_hot_path()

    watcher = _SlowSteps()
    logger = logging.getLogger("asyncio")
    logger.addHandler(watcher)
    try:
        result = run_on_own_loop(main(), debug=True)
    finally:
        logger.removeHandler(watcher)
    return result, watcher.reports


def _state(cls, *, cookie: str | None, path: str, query: dict | None = None):
    root = make_tree(cookie=cookie, client_token=str(uuid.uuid4()), path=path)
    if query:
        data = dict(root.router_data)
        data[constants.RouteVar.QUERY] = query
        data[constants.RouteVar.ORIGIN] = f"{path}?{urlencode(query)}"  # what router.url reads
        root.router_data = root._update_router_vars(data, root.router_data)
    return substate(root, cls)


def _reset_token(engine, user_id: int) -> str:
    with Session(engine, expire_on_commit=False) as db:
        raw = accounts.issue_token(session=db, user_id=user_id, purpose=accounts.PURPOSE_RESET,
                                   ttl=accounts.RESET_PASSWORD_TTL, now=utcnow())
        db.commit()
    return raw


@pytest.fixture(scope="module")
def citizen(accounts_by_role):
    return accounts_by_role["citizen"]


def _cases(engine, citizen):
    """(name, handler, make the state, the arguments) of the main pages' handlers."""
    cookie = citizen.cookie_header
    passwords = iter(f"sawah hijau di lereng lawu {n}" for n in range(10))
    current = [PASSWORD]

    def next_password() -> dict:
        new = next(passwords)
        form = {"current": current[0], "new": new}
        current[0] = new
        return form

    niks = iter(f"33140141079000{n:02d}" for n in range(11, 40))
    return [
        ("sign-in (argon2)", LoginState.submit, lambda: _state(LoginState, cookie=None, path="/masuk"),
         lambda: ({"identifier": citizen.email, "password": current[0]},)),
        ("registration (argon2)", RegisterState.submit, lambda: _state(RegisterState, cookie=None, path="/daftar"),
         lambda: ({"nik": (nik := next(niks)), "full_name": "Warga Baru", "email": f"baru.{nik}@loop.test",
                   "phone": "081234567890", "password": "tempe mendoan purwokerto"},)),
        ("password change (argon2)", ProfileState.change_password,
         lambda: _state(ProfileState, cookie=cookie, path="/profil"), lambda: (next_password(),)),
        ("password reset (argon2)", PasswordResetState.set_password,
         lambda: _state(PasswordResetState, cookie=None, path="/atur-sandi",
                        query={"token": _reset_token(engine, citizen.user_id)}),
         lambda: ({"password": next(passwords)},)),
        ("reset link (mail)", PasswordResetState.request_link,
         lambda: _state(PasswordResetState, cookie=None, path="/lupa-sandi"), lambda: ({"email": citizen.email},)),
        ("profile", ProfileState.load, lambda: _state(ProfileState, cookie=cookie, path="/profil"), tuple),
        ("booking page", BookingState.load,
         lambda: _state(BookingState, cookie=cookie, path="/antrian",
                        query={"site": "sragen", "layanan": "kartu-keluarga"}), tuple),
        ("my tickets", MyTicketsState.load, lambda: _state(MyTicketsState, cookie=cookie, path="/antrian/saya"),
         tuple),
        ("catalog", CatalogState.load, lambda: _state(CatalogState, cookie=None, path="/layanan"), tuple),
        ("kiosk", KioskState.load, lambda: _state(KioskState, cookie=None, path="/kiosk/sragen"), tuple),
        ("navigation", NavState.refresh, lambda: _state(NavState, cookie=cookie, path="/profil"), tuple),
    ]


WATCHED_RUNS = 3  # a handler fails when every watched run held the loop too long


def test_no_handler_blocks_the_event_loop(app_db, engine, citizen):
    """Blocking work holds the loop on every run; a busy machine that preempts the process now
    and then does not: each handler passes when one of its watched runs kept every step short."""
    slow: dict[str, list[str]] = {}
    for name, handler, make_state, arguments in _cases(engine, citizen):
        for run in range(1 + WATCHED_RUNS):  # the first run pays first-use costs
            state, args = make_state(), arguments()
            _result, reports = run_watched(lambda state=state, args=args, handler=handler: handler.fn(state, *args))
            for refusal in ("error", "errors", "password_errors"):  # the work was done, not refused
                assert not getattr(state, refusal, None), (name, getattr(state, refusal))
            if run and not reports:
                slow.pop(name, None)
                break
            if run:
                slow[name] = reports
    assert slow == {}, "handlers held the event loop for more than 50 ms:\n" + "\n".join(
        f"{name}: {reports[0][:300]}" for name, reports in slow.items())


def test_the_watch_catches_a_blocking_handler():
    """The watch itself: argon2 on the loop is caught."""

    async def blocking():
        accounts.password_hasher.hash("hashed on the event loop")

    _result, reports = run_watched(blocking)
    assert reports and "took" in reports[0]
