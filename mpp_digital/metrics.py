"""Prometheus metrics (prometheus-client), served at /metrics by ``ops_routes``.

Several backend workers: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder per machine
before the app starts (prometheus-client's multiprocess mode). Every worker then writes its
samples to files there and a scrape of any worker reads them all: one answer per machine,
summed over its workers. Without it, each worker answers for itself (right for one worker).
The outbox backlog is read from the database at scrape time, so it is the same on every
worker and machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

HTTP_REQUESTS = Counter("mpp_http_requests_total", "HTTP requests served by the backend",
                        ["method", "route", "status"])
HTTP_DURATION = Histogram("mpp_http_request_duration_seconds", "Time to answer an HTTP request",
                          ["method", "route"])
EVENT_DURATION = Histogram("mpp_reflex_event_duration_seconds", "Time a Reflex event handler took, state included",
                           ["handler"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS = Counter("mpp_reflex_events_total", "Reflex events processed", ["handler"])
EVENT_ERRORS = Counter("mpp_reflex_event_errors_total", "Reflex events whose handler raised", ["handler"])


class OutboxBacklog:
    """A collector: mail written but not sent yet, counted when Prometheus scrapes."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("mpp_mail_outbox_backlog", "Pending mail rows not sent yet")
        gauge.add_metric([], self.count())
        yield gauge


def exposition(backlog: Callable[[], int]) -> tuple[bytes, str]:
    """The text a scrape gets: this process's (in multiprocess mode, this machine's) metrics and
    the outbox backlog."""
    registry = CollectorRegistry()
    registry.register(OutboxBacklog(backlog))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY) + generate_latest(registry), CONTENT_TYPE_LATEST
