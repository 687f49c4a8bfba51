"""Tabs' page state stays in memory (or Redis): no file on disk holds it, personal data least.

Reflex's default in production is a disk state manager: a pickle per tab, in clear, stat-ed
after every write (latency grew with every tab ever served; see bench/events.py). The app
started by ``make run`` is told where those files would go (REFLEX_STATES_WORKDIR, set by the
``app_url`` fixture); a citizen signs in and opens the profile, which holds their data.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mpp_digital import routes
from tests.e2e.conftest import ROOT
from tests.e2e.test_queue_journey import CITIZEN, sign_in

pytestmark = pytest.mark.e2e

def _files_under(folder: Path, since: float) -> list[Path]:
    if not folder.exists():
        return []
    return [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime >= since]


def test_no_tab_state_is_written_to_disk(new_page, app_data):
    started = time.time() - 1
    page = new_page()
    sign_in(page, CITIZEN)
    expect(page.locator("#profile-nik")).to_have_text("3314********0001")
    page.goto(routes.QUEUE_MINE)
    page.goto("/profil")
    expect(page.locator("#profile-nik")).to_have_text("3314********0001")
    time.sleep(1)  # a disk manager writes as the event ends

    written = _files_under(app_data / "states", started) + _files_under(ROOT / ".states", started)
    assert written == [], f"tab state written to disk: {written[:5]}"
