"""Reflex configuration: small on purpose; values come from mpp_digital.settings."""

import reflex as rx
from reflex.constants import StateManagerMode
from reflex.plugins.sitemap import SitemapPlugin

from mpp_digital.db import normalise_url
from mpp_digital.serving import respawn_failed_workers
from mpp_digital.settings import get_settings

settings = get_settings()
respawn_failed_workers()  # a backend worker that dies is replaced; the others are not stopped

# A tab's page state lives in memory (one worker) or in Redis (several workers, several
# machines), never in files: Reflex's disk manager stats every state file after each write
# (latency grew with every tab ever served) and kept the pickles, personal data included, in
# .states/. Either way a tab untouched for this long is dropped (the session's idle limit).
TAB_STATE_IDLE_SECONDS = 30 * 60

config = rx.Config(
    app_name="mpp_digital",
    telemetry_enabled=False,
    api_url=settings.public_base_url,
    deploy_url=settings.public_base_url,
    db_url=normalise_url(settings.database_url),
    redis_url=settings.redis_url,
    state_manager_mode=StateManagerMode.REDIS if settings.redis_url else StateManagerMode.MEMORY,
    redis_token_expiration=TAB_STATE_IDLE_SECONDS,  # Reflex's name; the memory manager uses it too
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
