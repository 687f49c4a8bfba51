"""Command line: ``python -m mpp_digital.cli migrate|seed|rotate-keys|register-client|generate-history|rebuild-rollups|
purge|reseal|csp``."""

from __future__ import annotations

import argparse
import json
import sys

from mpp_digital.settings import get_settings


def migrate(database_url: str | None = None) -> None:
    """Bring the database schema to the newest migrations (alembic upgrade heads) under the
    database's migration lock: the release step, safe when several machines run it at once."""
    from mpp_digital import migrations

    migrations.upgrade(database_url or get_settings().database_url)


def seed() -> dict[str, int]:
    """Load reference data (regions, catalog) into whatever is still empty; in the demo also the
    demo accounts and a generated history. Production never loads either."""
    from mpp_digital import demo
    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.services import history

    production = get_settings().production
    with session_scope() as session:
        added = demo.load_all(session, utcnow(), demo_accounts=not production)
    if production:
        return added
    # A modest service history (about a year), so the dashboards have something to show;
    # only while there are no events at all. The big generator is `generate-history`.
    with session_scope() as session:
        added["events"] = history.demo_history(session=session, now=utcnow())
    # Online applications in every state at MPP Sragen (after the history: it loads only without events).
    from mpp_digital.demo_applications import load_demo_applications

    with session_scope() as session:
        added["applications"] = load_demo_applications(session, utcnow())
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


def close_days() -> int:
    """End the tickets of days that are over (cron, after midnight): each becomes a service event."""
    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.services import queue

    with session_scope() as session:
        return queue.close_days(session=session, now=utcnow())


def send_mail() -> int:
    """Send the mail that is due in the outbox (the app's workers do this each second)."""
    from mpp_digital.services import pending_mail

    sent = 0
    while (batch := pending_mail.send_due_now()) > 0:
        sent += batch
    return sent


def purge() -> str:
    """Delete what has outlived its retention period (the app's workers do this hourly)."""
    from mpp_digital.services import retention

    return str(retention.purge_now())


def reseal() -> int:
    """Seal every NIK and TOTP secret again with the current data key (after MPP_DATA_KEY_VERSION moved)."""
    from mpp_digital.db import session_scope
    from mpp_digital.services import accounts

    with session_scope() as session:
        return accounts.reseal_personal_data(session=session)


def rotate_keys() -> tuple[str, list[str], list[str]]:
    """Make a new ID-token signing key; retired keys stay published until their tokens expire."""
    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.services import sso_keys

    with session_scope() as session:
        return sso_keys.rotate(session=session, now=utcnow())


def register_client(args: argparse.Namespace) -> dict[str, object]:
    """Register an agency app as a ministry or superadmin account (audited); the secret is shown once."""
    from sqlmodel import select

    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.models import Agency, User
    from mpp_digital.services import sso
    from mpp_digital.services.authz import principal_for

    with session_scope() as session:
        actor = session.exec(select(User).where(User.email == args.actor.strip().lower())).first()
        if actor is None:
            raise SystemExit(f"no account {args.actor}")
        agency = session.exec(select(Agency).where(Agency.slug == args.agency)).first()
        jwks = json.loads(open(args.jwks_file).read()) if args.jwks_file else None
        client, secret = sso.register_client(
            session=session, actor=principal_for(session=session, user=actor, session_id=0), now=utcnow(),
            registration=sso.ClientRegistration(
                name=args.name, agency_id=agency.id if agency else None, redirect_uris=args.redirect_uri,
                post_logout_redirect_uris=args.logout_uri or [], auth_method=args.auth_method,
                scopes=args.scope or ["openid", "profile", "email"], jwks=jwks, nik_legal_basis=args.legal_basis),
        )
        return {"client_id": client.client_id, "client_secret": secret, "scopes": client.allowed_scopes,
                "redirect_uris": client.redirect_uris}


def create_superadmin(email: str, full_name: str, password: str) -> int:
    """The first staff account of a production installation; returns its user id."""
    from mpp_digital.clock import utcnow
    from mpp_digital.db import session_scope
    from mpp_digital.services import accounts

    with session_scope() as session:
        return accounts.create_superadmin(session=session, email=email, full_name=full_name, password=password,
                                          now=utcnow()).id or 0


def _read_password() -> str:
    """The new password: typed twice at a terminal, or one line on standard input (scripts)."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("the passwords differ")
    return first


def content_security_policy(build: str | None = None) -> str:
    """The Content-Security-Policy for the frontend build (for the proxy that serves its pages):
    the inline boot scripts of ``build`` by hash, the websocket of MPP_PUBLIC_BASE_URL."""
    import os
    from pathlib import Path

    from mpp_digital.settings import PROJECT_ROOT
    from mpp_digital.web_routes import content_security_policy as policy
    from mpp_digital.web_routes import inline_script_hashes

    web = Path(os.environ.get("REFLEX_WEB_WORKDIR") or PROJECT_ROOT / ".web")
    folder = Path(build) if build else web / "build" / "client"
    pages = sorted(folder.glob("**/*.html"))
    if not pages:
        raise SystemExit(f"no built pages in {folder}: run make prod-build first")
    return policy(public_base_url=get_settings().public_base_url, script_hashes=inline_script_hashes(pages))


def print_demo_totp(email: str) -> int:
    """Print the current TOTP code of a demo staff account; refused in production (no demo accounts
    there, and their secrets are public)."""
    from mpp_digital import demo
    from mpp_digital.clock import utcnow

    if get_settings().production:
        print("demo-totp: refused in production (MPP_ENV=production has no demo accounts)", file=sys.stderr)
        return 2
    try:
        print(demo.demo_totp_code(email, utcnow()))
    except KeyError:
        print(f"demo-totp: {email} is not a demo staff account", file=sys.stderr)
        return 2
    return 0


def _print_form_errors(exc) -> int:
    from mpp_digital.i18n import t

    for name, err in exc.errors.items():
        print(f"{name}: {t(err.key, 'en', **err.params)}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m mpp_digital.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations under the migration lock (the release step)")
    sub.add_parser("seed", help="load regions and catalog (and, in the demo only, demo accounts and a history) "
                               "into an empty database")
    admin = sub.add_parser("create-superadmin", help="the first staff account (production has no demo accounts); "
                                                     "the password is read from the terminal or one stdin line")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True, help="full name")
    sub.add_parser("rotate-keys", help="new ID-token signing key; old public keys stay published until expiry")
    reg = sub.add_parser("register-client", help="register an agency app (prints the secret once)")
    reg.add_argument("--as", dest="actor", required=True, help="email of a ministry or superadmin account")
    reg.add_argument("--name", required=True)
    reg.add_argument("--agency", required=True, help="agency slug, e.g. dukcapil")
    reg.add_argument("--redirect-uri", action="append", required=True)
    reg.add_argument("--logout-uri", action="append", help="post-logout redirect URI")
    reg.add_argument("--scope", action="append", help="allowed scope (repeat): openid profile email phone nik")
    reg.add_argument("--auth-method", default="client_secret_basic", choices=["client_secret_basic", "private_key_jwt"])
    reg.add_argument("--jwks-file", help="public keys (JWKS JSON) for private_key_jwt")
    reg.add_argument("--legal-basis", default="", help="regulation allowing NIK access (needed for the nik scope)")
    gen = sub.add_parser("generate-history", help="add a generated service-event history (demos, benchmarks)")
    gen.add_argument("--events", type=int, required=True, help="how many events, e.g. 10000000")
    gen.add_argument("--years", type=float, default=2.0, help="how many years back from --end (default 2)")
    gen.add_argument("--seed", type=int, default=5, help="random seed (default 5)")
    gen.add_argument("--end", default=None, help="last day, YYYY-MM-DD (default: today, WIB)")
    sub.add_parser("rebuild-rollups", help="recompute the analytics rollups from the stored events")
    sub.add_parser("close-days", help="end the queue tickets of days that are over (run after midnight)")
    sub.add_parser("send-mail", help="send the mail that is due in the outbox (the running app does this too)")
    sub.add_parser("purge", help="delete what has outlived its retention period (the running app does this hourly)")
    sub.add_parser("reseal", help="seal NIKs and TOTP secrets again with the current data key version")
    code = sub.add_parser("demo-totp", help="print the current two-step code of a demo staff account (demo only)")
    code.add_argument("email", help="e.g. petugas.sragen@demo.mpp.go.id")
    csp = sub.add_parser("csp", help="print the Content-Security-Policy for the frontend build (nginx's MPP_CSP)")
    csp.add_argument("--build", help="the built pages' folder (default: .web/build/client)")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
        print("migrations applied")
    elif args.command == "seed":
        added = seed()
        print("seed: " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    elif args.command == "rotate-keys":
        new, retired, purged = rotate_keys()
        print(f"signing key {new} is active; retired (still published): {', '.join(retired) or '-'}; "
              f"deleted: {', '.join(purged) or '-'}")
    elif args.command == "register-client":
        from mpp_digital.services.accounts import InvalidForm

        try:
            print(json.dumps(register_client(args), indent=2))
        except InvalidForm as exc:
            return _print_form_errors(exc)
    elif args.command == "create-superadmin":
        from mpp_digital.services.accounts import InvalidForm

        try:
            user_id = create_superadmin(args.email, args.name, _read_password())
        except InvalidForm as exc:
            return _print_form_errors(exc)
        print(f"superadmin {args.email} created (user {user_id})")
    elif args.command == "generate-history":
        generate_history(args.events, args.years, args.seed, args.end)
    elif args.command == "rebuild-rollups":
        rebuild_rollups()
        print("rollups rebuilt")
    elif args.command == "close-days":
        print(f"close-days: {close_days()} tickets ended")
    elif args.command == "send-mail":
        print(f"send-mail: {send_mail()} sent")
    elif args.command == "purge":
        print(f"purge: {purge()}")
    elif args.command == "reseal":
        print(f"reseal: {reseal()} accounts sealed again")
    elif args.command == "demo-totp":
        return print_demo_totp(args.email)
    elif args.command == "csp":
        print(content_security_policy(args.build))
    return 0


if __name__ == "__main__":
    sys.exit(main())
