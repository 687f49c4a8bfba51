"""Single sign-on in a real browser: agency apps (examples/agency_app) sign a citizen in with MPP Digital.

The ministry registers the first app in /admin/aplikasi (its secret is shown once), an
operator registers the second with the CLI. A citizen signs in to the first through
MPP Digital and consents; the second signs them in without a password; withdrawing the
first app's permission in the profile ends that app's access while the second keeps its.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, free_port, sign_in

pytestmark = pytest.mark.e2e

CITIZEN = "warga@demo.mpp.go.id"
MINISTRY = "kemenpanrb@demo.mpp.go.id"




class AgencyApps:
    """The example agency app, started by its README's command, one process per registration."""

    def __init__(self, app_url: str, log_dir: Path) -> None:
        self.app_url, self.log_dir = app_url, log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, port: int, client_id: str, secret: str, name: str, scopes: str) -> str:
        env = {**os.environ, "MPP_ISSUER": self.app_url, "AGENCY_CLIENT_ID": client_id,
               "AGENCY_CLIENT_SECRET": secret, "AGENCY_NAME": name, "AGENCY_SCOPES": scopes}
        log = (self.log_dir / f"agency-{port}.log").open("wb")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "examples.agency_app", "--port", str(port)], cwd=ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as resp:
                    if resp.status == 200:
                        return base
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"agency app on {port} did not start") from None
                time.sleep(0.3)

    def stop(self) -> None:
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture()
def agency_apps(app_url: str, app_data: Path) -> Iterator[AgencyApps]:
    apps = AgencyApps(app_url, app_data)
    yield apps
    apps.stop()


def register_with_cli(app_database_url: str, port: int) -> dict:
    """An operator registers an agency app with the CLI, as a ministry account."""
    out = subprocess.run(
        [sys.executable, "-m", "mpp_digital.cli", "register-client", "--as", MINISTRY,
         "--name", "Perizinan Kesehatan Sragen", "--agency", "dinkes",
         "--redirect-uri", f"http://127.0.0.1:{port}/callback",
         "--logout-uri", f"http://127.0.0.1:{port}/keluar-selesai", "--scope", "openid", "--scope", "profile",
         "--scope", "email"],
        cwd=ROOT, env={**os.environ, "MPP_DATABASE_URL": app_database_url}, capture_output=True, text=True,
        check=True, timeout=120)
    return json.loads(out.stdout)


def test_agency_apps_sign_in_with_mpp_digital_and_consent_can_be_withdrawn(
        new_page, app_url, agency_apps, app_database_url):
    port_a, port_b = free_port(), free_port()

    # The ministry registers the first agency app; the secret is shown once.
    admin = new_page()
    sign_in(admin, MINISTRY)
    admin.click("#nav-admin-clients")
    expect(admin).to_have_url(re.compile(r"/admin/aplikasi/?$"))
    admin.fill("#name", "SIAK Online Dukcapil Sragen")
    admin.select_option("#agency_id", label="Dinas Kependudukan dan Pencatatan Sipil")
    admin.fill("#redirect_uris", f"http://127.0.0.1:{port_a}/callback")
    admin.fill("#logout_uris", f"http://127.0.0.1:{port_a}/keluar-selesai")
    admin.check("#scope_phone")
    admin.click("#client-register")
    expect(admin.locator("#new-client-secret")).to_be_visible()
    # The secret is written into the page by one event and never kept in the page's state.
    expect(admin.locator("#new-client-secret")).to_have_text(re.compile(r"\S{40,}"))
    client_a, secret_a = admin.locator("#new-client-id").inner_text(), admin.locator("#new-client-secret").inner_text()
    assert client_a.startswith("mpp-") and len(secret_a) >= 40
    admin.reload()
    expect(admin.locator(".client-row").first).to_be_visible()
    expect(admin.locator("#new-client-secret")).to_have_count(0)  # shown once, never again

    # An operator registers the second one with the CLI.
    registered_b = register_with_cli(app_database_url, port_b)
    app_a = agency_apps.start(port_a, client_a, secret_a, "SIAK Online Dukcapil Sragen", "openid profile email phone")
    app_b = agency_apps.start(port_b, registered_b["client_id"], registered_b["client_secret"],
                              "Perizinan Kesehatan Sragen", "openid profile email")

    # A citizen signs in to the first app through MPP Digital and consents.
    page = new_page()
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    page.goto(app_a)
    page.click("#login-mpp")
    expect(page).to_have_url(re.compile(r"/masuk/?\?next="))
    sign_in(page, CITIZEN, goto=False, lands_on=r"/izin-aplikasi")
    expect(page.locator("#consent-app")).to_have_text("SIAK Online Dukcapil Sragen")
    expect(page.locator("#consent-agency")).to_have_text("Dinas Kependudukan dan Pencatatan Sipil")
    expect(page.locator(".consent-claim")).to_have_count(4)
    expect(page.locator("#consent-claims")).to_contain_text("Nomor HP")
    page.click("#consent-allow")
    expect(page).to_have_url(re.compile(rf"127\.0\.0\.1:{port_a}/$"))
    expect(page.locator("#welcome")).to_contain_text("Sri Lestari")
    expect(page.locator("#id-token-claims")).to_contain_text(CITIZEN)
    expect(page.locator("#userinfo")).to_contain_text("+6281234500000")
    sub_a = page.locator("#userinfo tr", has_text="sub").inner_text()

    # The second app signs them in without a password: straight to its consent page.
    visited.clear()
    page.goto(app_b)
    page.click("#login-mpp")
    expect(page).to_have_url(re.compile(r"/izin-aplikasi"))
    expect(page.locator("#consent-app")).to_have_text("Perizinan Kesehatan Sragen")
    page.click("#consent-allow")
    expect(page).to_have_url(re.compile(rf"127\.0\.0\.1:{port_b}/$"))
    expect(page.locator("#welcome")).to_contain_text("Sri Lestari")
    assert not any("/masuk" in url for url in visited), f"asked for a password again: {visited}"
    assert page.locator("#userinfo tr", has_text="sub").inner_text() != sub_a, "the sub is pairwise"

    # Both are listed in the profile; withdrawing the first ends its access.
    page.goto(f"{app_url}/profil")
    expect(page.locator(".connected-app")).to_have_count(2)
    row_a = page.locator(".connected-app", has_text="SIAK Online Dukcapil Sragen")
    expect(row_a).to_contain_text("Nomor HP")
    row_a.locator(".app-revoke").click()
    expect(page.locator("#connected-notice")).to_contain_text("SIAK Online Dukcapil Sragen")
    expect(page.locator(".connected-app")).to_have_count(1)

    page.goto(app_a)
    expect(page.locator("#access-ended")).to_be_visible()
    expect(page.locator("#welcome")).to_have_count(0)
    page.goto(app_b)
    expect(page.locator("#welcome")).to_contain_text("Sri Lestari")

    # Signing out of the second app (RP-initiated logout) also ends the MPP Digital session.
    page.click("#logout")
    expect(page).to_have_url(re.compile(rf"127\.0\.0\.1:{port_b}/keluar-selesai\?state="))
    page.goto(f"{app_url}/profil")
    expect(page).to_have_url(re.compile(r"/masuk/?\?next="))
