"""Entry point: the Reflex app, its pages, and the backend routes for the session cookie."""

import asyncio
import gc
import time
from pathlib import Path

import reflex as rx
from reflex_base.event import EventSpec
from reflex_base.event.context import EventContext
from reflex_base.event.processor import BaseStateEventProcessor
from structlog.contextvars import bound_contextvars

from mpp_digital import db, logs, metrics, migrations, routes
from mpp_digital.i18n import t
from mpp_digital.services import pending_mail, retention
from mpp_digital.settings import get_settings
from mpp_digital.web_routes import build_api
from pages.account import forgot_password, login, outbox, register, reset_password, verify_email
from pages.admin import roles_admin
from pages.applications import application_page, apply_page, my_applications_page, notifications_page
from pages.catalog import catalog_page, life_events_page, service_page, site_page, sites_page
from pages.catalog_admin import catalog_admin_page, site_admin_page
from pages.complaints import complaint_office_page, complaints_page
from pages.dashboard import national, regional
from pages.documents import my_documents, verification_page
from pages.home import home
from pages.identity import counter_identity, identity_help, nik_dispute
from pages.office import office_applications, office_case
from pages.privacy import privacy_page
from pages.profile import profile
from pages.queue import board, booking, counter, kiosk, my_tickets, ticket_page
from pages.skm import survey_page
from pages.sso import clients_admin, consent
from state.admin import RolesAdminState
from state.analytics_admin import MonthlyReportState
from state.applications import ApplicationState, ApplyState, MyApplicationsState, NotificationsState
from state.auth import LoginState, OutboxState, PasswordResetState, RegisterState, VerifyEmailState
from state.board import BoardState
from state.catalog import CatalogState, LifeEventsState, ServicePageState, SiteDirectoryState, SitePageState
from state.catalog_admin import CatalogAdminState, SiteAdminState
from state.complaints import ComplaintOfficeState, ComplaintsState
from state.counter import CounterState
from state.dashboard import NationalDashboardState, RegionalDashboardState
from state.documents import AccessLogState, MyDocumentsState
from state.home import LandingState
from state.identity import CounterIdentityState, DisputeState, IdentityState
from state.kiosk import KioskState
from state.my_data import MyDataState
from state.nav import NavState
from state.office import CaseState, WorkListState
from state.profile import ProfileState
from state.queue import BookingState, MyTicketsState, TicketState
from state.session import EventRateLimit, PersonalDataGate
from state.skm import SkmDashboardState, SurveyState
from state.sso import ConnectedAppsState, ConsentState
from state.sso_admin import ClientRegistryState
from state.uploads import UploadGate
from state.verification import OutputVerificationState


def _built_pages() -> list[Path]:
    """The production build's pages, whose inline boot scripts the CSP allows by hash."""
    from reflex.utils.prerequisites import get_web_dir

    return sorted((get_web_dir() / "build" / "client").glob("**/*.html"))


settings = get_settings()
logs.configure(json=settings.production)
event_log = logs.get_logger("mpp_digital.events")


def _refuse_unmigrated_database() -> None:
    """Lifespan task (production): a backend never migrates on start, and never serves a
    database that is not at this release's migration heads (``SchemaNotCurrent`` stops it)."""
    if get_settings().production:
        migrations.require_current(get_settings().database_url)


SLOW_EVENT_SECONDS = 0.25  # an event that took this long gets a log line even when it went well


class InstrumentedEventProcessor(BaseStateEventProcessor):
    """Reflex's event processor, timing each event: ``_execute_event`` is the hook Reflex 0.10
    documents for subclasses (state lock, handler and delta all inside). Each event gets an id
    (its transaction id) on every log line written while it runs, the event metrics by handler
    name, and a log line of its own when it failed or was slow (a line for every event cost
    about 40 µs of a language switch's ~0.5 ms: measured with bench/events.py)."""

    async def _execute_event(self, *, entry, registered_handler) -> None:
        fn = registered_handler.handler.fn
        handler = f"{fn.__module__}.{fn.__qualname__}"
        started = time.perf_counter()
        outcome = "ok"
        with bound_contextvars(request_id=entry.ctx.txid, handler=handler):
            try:
                await super()._execute_event(entry=entry, registered_handler=registered_handler)
            except BaseException:
                outcome = "error"
                metrics.EVENT_ERRORS.labels(handler).inc()
                raise
            finally:
                elapsed = time.perf_counter() - started
                metrics.EVENTS.labels(handler).inc()
                metrics.EVENT_DURATION.labels(handler).observe(elapsed)
                if outcome != "ok" or elapsed >= SLOW_EVENT_SECONDS:  # every event is in the metrics
                    event_log.info("reflex_event", outcome=outcome, duration_ms=round(elapsed * 1000, 2))


def _instrument_events(app: rx.App) -> None:
    """Lifespan task, after Reflex's own (which creates the processor for this worker): time
    every event. Reflex builds a plain ``BaseStateEventProcessor`` itself and offers no setting
    for another class, so the instance takes the subclass before it processes anything."""
    processor = app._event_processor
    if processor is not None and type(processor) is BaseStateEventProcessor:
        processor.__class__ = InstrumentedEventProcessor


def backend_error(exception: Exception) -> EventSpec:
    """Reflex's backend exception handler. The traceback goes out as one structured line through
    the app's log pipeline (JSON in production, NIKs masked, under the failed event's request id)
    instead of Reflex's printout. A database that cannot be reached says so (nothing was saved,
    try again) in both languages; anything else is a toast without details."""
    try:  # Reflex sets the failed event's context before it calls this handler
        request_id = EventContext.get().txid
    except LookupError:
        request_id = None
    event_log.error("handler_exception", exc_info=exception, request_id=request_id)
    if db.is_unavailable(exception):
        return rx.toast.error(t("db.unavailable", "id"), description=t("db.unavailable", "en"), id="db_unavailable")
    return rx.toast.error(t("error.unexpected"), id="backend_error", position="top-center")


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
    # The app's own routes around Reflex's, and the guard in front of Reflex's POST /_upload.
    api_transformer=[build_api(html_files=_built_pages), UploadGate],
    html_lang="id",
    head_components=[
        rx.el.meta(name="description", content=t("app.tagline")),
        # assets/: the MPP Digital mark (no state emblem), served from the app's own origin
        rx.el.link(rel="icon", href="/favicon.ico", sizes="any"),
        rx.el.link(rel="icon", href="/logo.svg", type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.meta(property="og:title", content="MPP Digital"),
        rx.el.meta(property="og:description", content=t("app.tagline")),
        rx.el.meta(property="og:image", content=f"{get_settings().public_base_url}/og-image.png"),
    ],
)

app.register_lifespan_task(_refuse_unmigrated_database)
app.register_lifespan_task(_instrument_events)
# Every websocket event counts against its connection's rate (state/session.py, rate_limits.WS_EVENTS).
app.add_middleware(EventRateLimit())
# No tab's personal data reaches a connection whose own cookie is not the tab's owner's.
app.add_middleware(PersonalDataGate())

# Every backend worker sends the mail its requests (and the others') left in the outbox.
app.register_lifespan_task(pending_mail.run_sender)
# ... and deletes, about hourly, what has outlived its retention period (services/retention.py).
app.register_lifespan_task(retention.run_purger)


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
    (routes.PROFILE, profile, [ProfileState.load, ConnectedAppsState.load, MyDataState.load, AccessLogState.load,
                               IdentityState.load]),
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
    (routes.SITE_ADMIN, site_admin_page, [SiteAdminState.load]),  # which chains KioskDevicesState.load
    (routes.CATALOG_ADMIN, catalog_admin_page, [CatalogAdminState.load]),
    (routes.SSO_CONSENT, consent, [ConsentState.load]),
    (routes.ADMIN_CLIENTS, clients_admin, [ClientRegistryState.load]),
    (routes.QUEUE_BOOK, booking, [BookingState.load]),
    (routes.QUEUE_MINE, my_tickets, [MyTicketsState.load]),
    (routes.QUEUE_TICKET, ticket_page, [TicketState.load]),
    (routes.QUEUE_BOARD, board, [BoardState.load]),
    (routes.KIOSK, kiosk, [KioskState.load]),
    (routes.COUNTER, counter, [CounterState.load]),
    (routes.DASHBOARD_REGIONAL, regional, [RegionalDashboardState.load, SkmDashboardState.load_regional]),
    (routes.DASHBOARD_NATIONAL, national, [NationalDashboardState.load, MonthlyReportState.load,
                                           SkmDashboardState.load_national]),
    (routes.PRIVACY, privacy_page, []),
    # ---- identity assurance (issue 17)
    (routes.IDENTITY_HELP, identity_help, []),
    (routes.IDENTITY_COUNTER, counter_identity, [CounterIdentityState.load]),
    (routes.NIK_DISPUTE, nik_dispute, [DisputeState.load]),
    # ---- online applications, citizen side (APPS)
    (routes.APPLICATIONS, my_applications_page, [MyApplicationsState.load]),
    (routes.APPLICATION_NEW, apply_page, [ApplyState.load]),
    (routes.APPLICATION_PAGE, application_page, [ApplicationState.load]),
    (routes.NOTIFICATIONS, notifications_page, [NotificationsState.load]),
    # ---- OFFICE (issue 13)
    (routes.OFFICE_APPLICATIONS, office_applications, [WorkListState.load]),
    (routes.OFFICE_CASE, office_case, [CaseState.load]),
    # ---- DOCS (issue 13)
    (routes.MY_DOCUMENTS, my_documents, [MyDocumentsState.load]),
    (routes.VERIFY_OUTPUT, verification_page, [OutputVerificationState.load]),
    # ---- SKM survey (issue 14)
    (routes.SURVEY, survey_page, [SurveyState.load]),
    (routes.COMPLAINTS, complaints_page, [ComplaintsState.load]),
    (routes.COMPLAINT_OFFICE, complaint_office_page, [ComplaintOfficeState.load]),
]
_TITLES = {p.path: p.title_key for p in routes.PAGES}

# The demo outbox does not exist in production (nor its route): mail goes through SMTP there.
if get_settings().production:
    PAGE_REGISTRY = [entry for entry in PAGE_REGISTRY if entry[0] != routes.OUTBOX]

for path, component, loaders in PAGE_REGISTRY:
    app.add_page(component, route=path, title=f"{t(_TITLES[path])} · MPP Digital",
                 on_load=[NavState.refresh, *loaders])
