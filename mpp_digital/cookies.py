"""The session cookie: its name for this deployment and how it is cleared (HTTP routes only)."""

from __future__ import annotations

from starlette.responses import Response

from mpp_digital import routes
from mpp_digital.settings import get_settings


def session_cookie_name() -> str:
    """The session cookie's name here: ``__Host-`` prefixed when the public address is https."""
    return routes.session_cookie_name(secure=get_settings().cookie_secure)


def kiosk_cookie_name() -> str:
    """The kiosk device cookie's name here: ``__Host-`` prefixed when the public address is https."""
    return routes.host_cookie_name(routes.KIOSK_COOKIE, secure=get_settings().cookie_secure)


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget the session cookie."""
    response.delete_cookie(session_cookie_name(), path="/", httponly=True, samesite="lax",
                           secure=get_settings().cookie_secure)
