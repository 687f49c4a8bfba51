"""Command line: ``python -m mpp_digital.cli migrate|seed``."""

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

    with session_scope() as session:
        return demo.load_all(session, utcnow())


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m mpp_digital.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="load regions, catalog and demo accounts into an empty database")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
        print("migrations applied")
    elif args.command == "seed":
        added = seed()
        print("seed: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
