"""Route constants and URL builders: the one place that names every path."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

HOME = "/"
REGISTER = "/daftar"
LOGIN = "/masuk"
PROFILE = "/profil"
VERIFY_EMAIL = "/verifikasi"
FORGOT_PASSWORD = "/lupa-sandi"
RESET_PASSWORD = "/atur-sandi"
OUTBOX = "/kotak-surat"
ADMIN_ROLES = "/admin/peran"
DASHBOARD_REGIONAL = "/dasbor/daerah"
DASHBOARD_NATIONAL = "/dasbor/nasional"

# Open data (Starlette, same origin): aggregated statistics only, JSON or CSV.
API_V1 = "/api/v1"

# Backend HTTP routes (Starlette, same origin): the only places that set or clear the cookie.
AUTH_SESSION = "/auth/sesi"
AUTH_SIGN_OUT = "/auth/keluar"

SESSION_COOKIE = "mpp_session"


def verify_email_url(token: str) -> str:
    """Link in the verification mail."""
    return f"{VERIFY_EMAIL}?token={quote(token)}"


def reset_password_url(token: str) -> str:
    """Link in the password-reset mail."""
    return f"{RESET_PASSWORD}?token={quote(token)}"


def session_start_url(ticket: str, next_path: str = PROFILE) -> str:
    """Where the browser goes after a correct sign-in to receive its session cookie."""
    return f"{AUTH_SESSION}?ticket={quote(ticket)}&next={quote(safe_next(next_path))}"


def safe_next(path: str | None) -> str:
    """Only same-site absolute paths may be redirect targets (no //host, no scheme)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return PROFILE
    return path


@dataclass(frozen=True)
class PageRoute:
    """A page of the app: its path and its title key."""

    path: str
    title_key: str


PAGES: tuple[PageRoute, ...] = (
    PageRoute(HOME, "page.home"),
    PageRoute(REGISTER, "page.register"),
    PageRoute(LOGIN, "page.login"),
    PageRoute(PROFILE, "page.profile"),
    PageRoute(VERIFY_EMAIL, "page.verify"),
    PageRoute(FORGOT_PASSWORD, "page.forgot"),
    PageRoute(RESET_PASSWORD, "page.reset"),
    PageRoute(OUTBOX, "page.outbox"),
    PageRoute(ADMIN_ROLES, "page.admin_roles"),
    PageRoute(DASHBOARD_REGIONAL, "page.dashboard_regional"),
    PageRoute(DASHBOARD_NATIONAL, "page.dashboard_national"),
)
