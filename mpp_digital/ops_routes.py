"""What operators and their tools ask the backend: liveness (/healthz), readiness (/readyz),
Prometheus metrics (/metrics), and the middleware that gives every HTTP request an id, a log
line and its metrics.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
import uuid

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

from mpp_digital import metrics, migrations, routes
from mpp_digital.blocking import in_thread
from mpp_digital.client_address import request_address
from mpp_digital.db import session_scope
from mpp_digital.logs import get_logger, safe_request_id
from mpp_digital.services import pending_mail
from mpp_digital.settings import get_settings

log = get_logger("mpp_digital.http")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


async def healthz(_request: Request) -> Response:
    """Liveness: the process answers (no dependency is asked)."""
    return JSONResponse({"status": "ok"})


def _check_database() -> str:
    from sqlalchemy import text

    with session_scope() as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return "ok"


def _check_redis() -> str:
    import redis

    url = get_settings().redis_url
    if not url:
        return "not configured"
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _check_migrations() -> str:
    migrations.require_current(get_settings().database_url)
    return "ok"


READINESS_CHECKS = {"database": _check_database, "redis": _check_redis, "migrations": _check_migrations}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every readiness check; (all passed, what each one found)."""
    results: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure is the answer of the check
            results[name] = f"failed: {type(exc).__name__}: {str(exc)[:300]}"
    return all(not r.startswith("failed") for r in results.values()), results


async def readyz(request: Request) -> Response:
    """Readiness: the database answers, Redis answers (when configured), the schema is at the
    release's migration heads. 503 naming the check that failed; in production the checks'
    findings (host names, errors) only for the clients that may read /metrics."""
    ready, results = await in_thread(readiness)
    body: dict[str, object] = {"status": "ready" if ready else "unavailable"}
    if operator_client(request):
        body["checks"] = results
    return JSONResponse(body, status_code=200 if ready else 503)


def _outbox_backlog() -> int:
    with session_scope() as session:
        return pending_mail.backlog(session=session)


def operator_client(connection: HTTPConnection) -> bool:
    """Whether the client may read /metrics and the readiness findings: anyone in the demo; in
    production loopback clients and holders of MPP_METRICS_TOKEN only."""
    settings = get_settings()
    if not settings.production or _is_loopback(request_address(connection)):
        return True
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    given = connection.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format (see ``mpp_digital.metrics`` for workers and machines)."""
    if not operator_client(request):
        return PlainTextResponse("forbidden", status_code=403, headers={"www-authenticate": "Bearer"})
    body, content_type = await in_thread(metrics.exposition, _outbox_backlog)
    return Response(body, media_type=content_type)


def ops_routes() -> list[Route]:
    """The operators' routes, for ``web_routes.build_api``."""
    return [
        Route(routes.HEALTHZ, healthz, methods=["GET"]),
        Route(routes.READYZ, readyz, methods=["GET"]),
        Route(routes.METRICS, metrics_endpoint, methods=["GET"]),
    ]


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), or what served the request."""
    route = scope.get("route")
    if isinstance(route, Route):
        return route.path
    if isinstance(route, Mount):
        return route.path or ("<frontend>" if route.name == "frontend" else "<unmatched>")
    return "<unmatched>"


class RequestContext:
    """ASGI middleware: every HTTP request gets an id (the proxy's X-Request-ID when it sends a
    sane one), bound to every log line written while it is served and returned as X-Request-ID;
    one log line and the request metrics when it is answered. Websockets pass through (their
    events are logged one by one by the event processor)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = safe_request_id(headers.get(b"x-request-id", b"").decode("latin-1")) or uuid.uuid4().hex
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        with bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                method, route = scope["method"], route_template(scope)
                metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
                metrics.HTTP_DURATION.labels(method, route).observe(elapsed)
                log.info("http_request", method=method, path=scope["path"], route=route, status=status,
                         duration_ms=round(elapsed * 1000, 2), client=request_address(HTTPConnection(scope)))
