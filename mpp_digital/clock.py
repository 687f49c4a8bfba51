"""The one source of the current time (services take ``now`` so tests can inject a clock)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
