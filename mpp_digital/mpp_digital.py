"""Entry point: the Reflex app, its pages, and the backend routes for the session cookie."""

import asyncio
import gc
import time

import reflex as rx

from mpp_digital import db, routes
from mpp_digital.i18n import t
from mpp_digital.services import pending_mail
from mpp_digital.web_routes import build_api
from pages.account import forgot_password, login, outbox, register, reset_password, verify_email
from pages.admin import roles_admin
from pages.catalog import catalog_page, life_events_page, service_page, site_page, sites_page
from pages.catalog_admin import catalog_admin_page, site_admin_page
from pages.dashboard import national, regional
from pages.home import home
from pages.profile import profile
from pages.queue import board, booking, counter, kiosk, my_tickets, ticket_page
from pages.sso import clients_admin, consent
from state.admin import RolesAdminState
from state.analytics_admin import MonthlyReportState
from state.auth import LoginState, OutboxState, PasswordResetState, RegisterState, VerifyEmailState
from state.board import BoardState
from state.catalog import CatalogState, LifeEventsState, ServicePageState, SiteDirectoryState, SitePageState
from state.catalog_admin import CatalogAdminState, SiteAdminState
from state.counter import CounterState
from state.dashboard import NationalDashboardState, RegionalDashboardState
from state.home import LandingState
from state.kiosk import KioskState
from state.nav import NavState
from state.profile import ProfileState
from state.queue import BookingState, MyTicketsState, TicketState
from state.sso import ConnectedAppsState, ConsentState
from state.sso_admin import ClientRegistryState


def backend_error(exception: Exception) -> rx.event.EventSpec:
    """Reflex's backend exception handler: a database that cannot be reached says so (nothing
    was saved, try again) in both languages; anything else is Reflex's generic toast."""
    from reflex.app import default_backend_exception_handler

    if db.is_unavailable(exception):
        return rx.toast.error(t("db.unavailable", "id"), description=t("db.unavailable", "en"), id="db_unavailable")
    return default_backend_exception_handler(exception)


TAB_SWEEP_SECONDS = 10.0  # expired tabs' states are dropped at most this often


def sweep_expired_tabs() -> None:
    """Make Reflex's memory state manager drop expired tabs in sweeps (idempotent).

    Reflex 0.10 wakes at the next tab's own deadline and then scans every tab held: tabs that
    went idle one after another expire one after another, so a worker that served n tabs scans
    n tabs n times (at 20,000 tabs, seconds of the event loop's time, in steps of several ms).
    Here it wakes at most every ``TAB_SWEEP_SECONDS``: a tab lives at most that much longer.
    """
    from reflex.istate.manager.memory import StateManagerMemory

    if getattr(StateManagerMemory._expire_states, "__mpp_sweep__", False):
        return

    async def _expire_states(self) -> None:
        try:
            while True:
                if (next_expires_at := self._purge_expired_tokens()) is None:
                    return
                await asyncio.sleep(max(TAB_SWEEP_SECONDS, next_expires_at - time.time()))
        finally:
            if self._expiration_task is asyncio.current_task():
                self._expiration_task = None

    _expire_states.__mpp_sweep__ = True  # type: ignore[attr-defined]
    StateManagerMemory._expire_states = _expire_states  # type: ignore[method-assign]


sweep_expired_tabs()  # the memory state manager drops expired tabs in sweeps, not one scan per tab

app = rx.App(
    backend_exception_handler=backend_error,
    api_transformer=build_api(),
    html_lang="id",
    head_components=[rx.el.meta(name="description", content=t("app.tagline"))],
)

# Every backend worker sends the mail its requests (and the others') left in the outbox.
app.register_lifespan_task(pending_mail.run_sender)


HEAP_FREEZE_SECONDS = 5.0


async def _freeze_startup_heap() -> None:
    """Lifespan task: keep what the worker holds for long out of the cyclic garbage collector.

    At start-up that is the compiled app, its pages and states (measured: the booking rush's app
    CPU per attempt fell from ~2.7 to ~1.9 ms). Afterwards it is every open tab's state: a full
    pass walks all of them, so event latency grew with the number of tabs held (2,000 tabs: p95
    from 5 to 158 ms). Every few seconds what survived since the last freeze (bounded by recent
    work, not by the tabs held) is collected once and frozen too. A tab's state that expires is
    freed by reference counting (Reflex releases its tree). A larger young-generation threshold
    measured worse; left default."""
    gc.freeze()
    while True:
        await asyncio.sleep(HEAP_FREEZE_SECONDS)
        gc.collect()
        gc.freeze()


app.register_lifespan_task(_freeze_startup_heap)

# One place registers every page; routes.PAGES lists them and a test keeps the two in step.
PAGE_REGISTRY = [
    (routes.HOME, home, [LandingState.load]),
    (routes.REGISTER, register, [RegisterState.reset_form]),
    (routes.LOGIN, login, [LoginState.on_load]),
    (routes.PROFILE, profile, [ProfileState.load, ConnectedAppsState.load]),
    (routes.VERIFY_EMAIL, verify_email, [VerifyEmailState.on_load]),
    (routes.FORGOT_PASSWORD, forgot_password, [PasswordResetState.on_load]),
    (routes.RESET_PASSWORD, reset_password, [PasswordResetState.on_load]),
    (routes.OUTBOX, outbox, [OutboxState.load]),
    (routes.ADMIN_ROLES, roles_admin, [RolesAdminState.load]),
    (routes.CATALOG, catalog_page, [CatalogState.load]),
    (routes.SERVICE_PAGE, service_page, [ServicePageState.load]),
    (routes.SITES, sites_page, [SiteDirectoryState.load]),
    (routes.SITE_PAGE, site_page, [SitePageState.load]),
    (routes.LIFE_EVENTS, life_events_page, [LifeEventsState.load]),
    (routes.SITE_ADMIN, site_admin_page, [SiteAdminState.load]),
    (routes.CATALOG_ADMIN, catalog_admin_page, [CatalogAdminState.load]),
    (routes.SSO_CONSENT, consent, [ConsentState.load]),
    (routes.ADMIN_CLIENTS, clients_admin, [ClientRegistryState.load]),
    (routes.QUEUE_BOOK, booking, [BookingState.load]),
    (routes.QUEUE_MINE, my_tickets, [MyTicketsState.load]),
    (routes.QUEUE_TICKET, ticket_page, [TicketState.load]),
    (routes.QUEUE_BOARD, board, [BoardState.load]),
    (routes.KIOSK, kiosk, [KioskState.load]),
    (routes.COUNTER, counter, [CounterState.load]),
    (routes.DASHBOARD_REGIONAL, regional, [RegionalDashboardState.load]),
    (routes.DASHBOARD_NATIONAL, national, [NationalDashboardState.load, MonthlyReportState.load]),
]
_TITLES = {p.path: p.title_key for p in routes.PAGES}

for path, component, loaders in PAGE_REGISTRY:
    app.add_page(component, route=path, title=f"{t(_TITLES[path])} · MPP Digital",
                 on_load=[NavState.refresh, *loaders])
