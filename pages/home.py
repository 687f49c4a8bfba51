"""Landing page: what MPP Digital is, its three channels, the Sragen and Banyumas pilots."""

import reflex as rx

from components.i18n import t
from components.layout import card, page
from mpp_digital import routes
from state.home import LandingState


def _channel(icon: str, key: str) -> rx.Component:
    return card(
        rx.hstack(rx.center(rx.icon(icon, size=22, color="#0b3d91"), bg="#e8f0fe", border_radius="10px",
                            width="44px", height="44px"),
                  rx.heading(t(f"channel.{key}"), size="4"), align="center", spacing="3"),
        rx.text(t(f"channel.{key}.body"), size="2", color="#3d4656", margin_top="10px"),
    )


def _stat(value, key: str) -> rx.Component:
    return rx.vstack(rx.text(value, size="7", weight="bold", color="#0b3d91"),
                     rx.text(t(key), size="2", color="#3d4656"), spacing="0", align="center")


def home() -> rx.Component:
    """The landing page."""
    return page(
        rx.box(
            rx.vstack(
                rx.badge("Kementerian PANRB · Pemerintah Daerah", color_scheme="amber", variant="solid"),
                rx.heading(t("home.hero.title"), size="8", color="white", id="hero-title"),
                rx.text(t("home.hero.body"), size="4", color="#e6eeff", max_width="720px"),
                rx.form(
                    rx.flex(
                        rx.input(name="q", placeholder=t("catalog.placeholder"), size="3", flex="1", min_width="220px",
                                 id="home-q"),
                        rx.button(rx.icon("search", size=16), t("catalog.search"), type="submit", size="3",
                                  color_scheme="amber"),
                        spacing="2", wrap="wrap", width="100%", max_width="640px",
                    ),
                    on_submit=LandingState.search,
                ),
                rx.flex(
                    rx.link(rx.button(t("home.cta.register"), size="3", color_scheme="amber"), href=routes.REGISTER),
                    rx.link(rx.button(t("home.cta.login"), size="3", variant="surface", color_scheme="gray"),
                            href=routes.LOGIN),
                    spacing="3", wrap="wrap",
                ),
                spacing="4",
            ),
            bg="linear-gradient(135deg, #0b3d91 0%, #1659c7 100%)", border_radius="16px", padding="32px 24px",
        ),
        rx.flex(
            _stat(LandingState.sites, "home.stats.sites"),
            _stat(LandingState.agencies, "home.stats.agencies"),
            _stat(LandingState.services, "home.stats.services"),
            justify="between", wrap="wrap", spacing="4", padding="24px 0",
        ),
        rx.heading(t("home.channels.title"), size="6", margin_bottom="12px"),
        rx.grid(
            _channel("building-2", "direct"), _channel("globe", "online"), _channel("bus", "mobile"),
            columns=rx.breakpoints(initial="1", sm="3"), spacing="4", width="100%",
        ),
        rx.heading(t("home.pilots.title"), size="6", margin_top="28px", margin_bottom="12px"),
        rx.grid(
            card(rx.hstack(rx.icon("map-pin", color="#f2a900"), rx.heading("Sragen", size="4"), align="center"),
                 rx.text(t("home.pilot.sragen"), size="2", margin_top="8px")),
            card(rx.hstack(rx.icon("map-pin", color="#f2a900"), rx.heading("Banyumas", size="4"), align="center"),
                 rx.text(t("home.pilot.banyumas"), size="2", margin_top="8px")),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%",
        ),
    )
