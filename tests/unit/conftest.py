"""Fixtures of the service tests that need the OpenID Connect provider on a real port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def issuer(database_url: str) -> Iterator[str]:
    """The backend's Starlette app (``build_api()``) served by uvicorn on a free port; returns the issuer."""
    from mpp_digital.settings import get_settings
    from mpp_digital.web_routes import build_api
    from tests.sso_support import free_port, serve

    port = free_port()
    base = f"http://localhost:{port}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPP_DATABASE_URL", database_url)
        mp.setenv("MPP_PUBLIC_BASE_URL", base)
        get_settings.cache_clear()
        with serve(build_api(), port):
            yield base
    get_settings.cache_clear()
