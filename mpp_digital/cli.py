"""Command line: ``python -m mpp_digital.cli migrate|seed|generate-history|rebuild-rollups``."""

from __future__ import annotations

import argparse
import sys

from mpp_digital.settings import PROJECT_ROOT, get_settings


def migrate(database_url: str | None = None) -> None:
    """Bring the database schema to the newest migrations (alembic upgrade heads)."""
    from alembic.config import Config

    from alembic import command

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    command.upgrade(config, "heads")


def seed() -> dict[str, int]:
    """Load reference and demo data into whatever is still empty."""
    from mpp_digital import demo
    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.services import history

    with session_scope() as session:
        added = demo.load_all(session, utcnow())
    # A modest service history (about a year), so the dashboards have something to show;
    # only while there are no events at all. The big generator is `generate-history`.
    with session_scope() as session:
        added["events"] = history.demo_history(session=session, now=utcnow())
    return added


def generate_history(events: int, years: float, seed: int = 5, end: str | None = None) -> None:
    """Add a generated service history (demos, benchmarks) and rebuild the rollups."""
    from datetime import date

    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.services import analytics, history

    last = date.fromisoformat(end) if end else analytics.local_today(utcnow())
    with session_scope() as session:
        result = history.generate_history(session=session, events=events, years=years, end=last, seed=seed,
                                          log=print)
    print(f"generate-history: {result.events:,} events from {result.first_day} to {result.last_day}")


def rebuild_rollups() -> None:
    """Recompute every rollup from the stored events."""
    from mpp_digital.db import session_scope
    from mpp_digital.services import analytics

    with session_scope() as session:
        analytics.rebuild_rollups(session=session)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m mpp_digital.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="load regions, catalog, demo accounts and a demo history into an empty database")
    gen = sub.add_parser("generate-history", help="add a generated service-event history (demos, benchmarks)")
    gen.add_argument("--events", type=int, required=True, help="how many events, e.g. 10000000")
    gen.add_argument("--years", type=float, default=2.0, help="how many years back from --end (default 2)")
    gen.add_argument("--seed", type=int, default=5, help="random seed (default 5)")
    gen.add_argument("--end", default=None, help="last day, YYYY-MM-DD (default: today, WIB)")
    sub.add_parser("rebuild-rollups", help="recompute the analytics rollups from the stored events")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
        print("migrations applied")
    elif args.command == "seed":
        added = seed()
        print("seed: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    elif args.command == "generate-history":
        generate_history(args.events, args.years, args.seed, args.end)
    elif args.command == "rebuild-rollups":
        rebuild_rollups()
        print("rollups rebuilt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
