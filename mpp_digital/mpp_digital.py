"""Entry point: the Reflex app, its pages, and the backend routes for the session cookie."""

import gc
import time

import reflex as rx
from reflex_base.event import EventSpec
from reflex_base.event.context import EventContext
from reflex_base.event.processor import BaseStateEventProcessor
from structlog.contextvars import bound_contextvars

from mpp_digital import logs, metrics, migrations, routes
from mpp_digital.i18n import t
from mpp_digital.services import pending_mail
from mpp_digital.settings import get_settings
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
from state.kiosk_admin import KioskDevicesState
from state.nav import NavState
from state.profile import ProfileState
from state.queue import BookingState, MyTicketsState, TicketState
from state.session import EventRateLimit
from state.sso import ConnectedAppsState, ConsentState
from state.sso_admin import ClientRegistryState

settings = get_settings()
logs.configure(json=settings.production)
event_log = logs.get_logger("mpp_digital.events")


def _refuse_unmigrated_database() -> None:
    """Lifespan task (production): a backend never migrates on start, and never serves a
    database that is not at this release's migration heads (``SchemaNotCurrent`` stops it)."""
    if get_settings().production:
        migrations.require_current(get_settings().database_url)


class InstrumentedEventProcessor(BaseStateEventProcessor):
    """Reflex's event processor, timing each event: ``_execute_event`` is the hook Reflex 0.10
    documents for subclasses (state lock, handler and delta all inside). Each event gets an id
    (its transaction id) on every log line written while it runs, a log line of its own, and
    the event metrics by handler name."""

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
                event_log.info("reflex_event", outcome=outcome, duration_ms=round(elapsed * 1000, 2))


def log_handler_exception(exception: Exception) -> EventSpec:
    """Backend exception handler: the traceback as one structured line through the app's log
    pipeline (JSON in production, NIKs masked, under the event's request id when it has one)
    instead of Reflex's printout; the person sees a toast without details."""
    try:  # Reflex sets the failed event's context before it calls this handler
        request_id = EventContext.get().txid
    except LookupError:
        request_id = None
    event_log.error("handler_exception", exc_info=exception, request_id=request_id)
    return rx.toast.error(t("error.unexpected"), id="backend_error", position="top-center")


def _instrument_events(app: rx.App) -> None:
    """Lifespan task, after Reflex's own (which creates the processor for this worker): time
    every event. Reflex builds a plain ``BaseStateEventProcessor`` itself and offers no setting
    for another class, so the instance takes the subclass before it processes anything."""
    processor = app._event_processor
    if processor is not None and type(processor) is BaseStateEventProcessor:
        processor.__class__ = InstrumentedEventProcessor


app = rx.App(
    api_transformer=build_api(),
    backend_exception_handler=log_handler_exception,
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

# Every backend worker sends the mail its requests (and the others') left in the outbox.
app.register_lifespan_task(pending_mail.run_sender)


def _freeze_startup_heap() -> None:
    """Lifespan task: keep what the worker loaded at start-up (the compiled app, its pages and
    states) out of the cyclic garbage collector's full passes, which otherwise walk all of it
    again and again while events run (measured: the booking rush's app CPU per attempt fell
    from ~2.7 to ~1.9 ms). A larger young-generation threshold measured worse; left default."""
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
    (routes.SITE_ADMIN, site_admin_page, [SiteAdminState.load, KioskDevicesState.load]),
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
