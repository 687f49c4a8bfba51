"""Reflex configuration: small on purpose; values come from mpp_digital.settings."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from mpp_digital.db import normalise_url
from mpp_digital.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="mpp_digital",
    telemetry_enabled=False,
    api_url=settings.public_base_url,
    deploy_url=settings.public_base_url,
    db_url=normalise_url(settings.database_url),
    redis_url=settings.redis_url,
    cors_allowed_origins=list(settings.allowed_origins),
    trusted_proxy_hops=settings.trusted_proxy_hops,  # client addresses behind nginx (X-Forwarded-For)
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", appearance="light")
        )
    ],
    disable_plugins=[SitemapPlugin],
)
