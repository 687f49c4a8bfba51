"""The page template: header with navigation and language switch, content, footer."""

import reflex as rx

from components.forms import post_form
from components.i18n import t
from mpp_digital import routes
from mpp_digital.settings import get_settings
from state.lang import LangState
from state.nav import NavState

NAVY = "#0b3d91"
ON_NAVY = {"color": "white !important"}
HEADER_BUTTON = {
    "color": "white !important",
    "background": "transparent !important",
    "box_shadow": "inset 0 0 0 1px rgba(255,255,255,0.6)",
    "cursor": "pointer",
}


def _brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/logo.svg", alt="", width="36px", height="36px"),  # decorative: the name follows
            rx.vstack(
                rx.text("MPP Digital", weight="bold", size="4", color="white", line_height="1"),
                rx.text("Mal Pelayanan Publik", size="1", color="#cfe0ff", line_height="1"),
                spacing="0",
            ),
            spacing="2",
            align="center",
        ),
        href=routes.HOME,
        underline="none",
    )


def _nav_link(key: str, href: str, test_id: str) -> rx.Component:
    return rx.link(t(key), href=href, size="2", weight="medium", id=test_id, style=ON_NAVY)


def _bell() -> rx.Component:
    """The notification bell with the count of unread notices."""
    return rx.link(
        rx.box(
            rx.icon("bell", size=18, color="white"),
            rx.cond(NavState.unread > 0,
                    rx.box(rx.text(NavState.unread, size="1", weight="bold", color="#3b2a00", id="bell-count"),
                           position="absolute", top="-8px", right="-10px", bg="#f2a900", border_radius="999px",
                           padding_x="5px", line_height="1.4")),
            position="relative", display="flex",
        ),
        href=routes.NOTIFICATIONS, id="nav-bell", aria_label=t("page.notifications"), style=ON_NAVY,
    )


def header() -> rx.Component:
    """Top bar: brand, navigation, who is signed in, language switch."""
    return rx.box(
        rx.flex(
            _brand(),
            rx.flex(
                _nav_link("nav.catalog", routes.CATALOG, "nav-catalog"),
                _nav_link("nav.sites", routes.SITES, "nav-sites"),
                _nav_link("nav.life", routes.LIFE_EVENTS, "nav-life"),
                spacing="4", align="center", wrap="wrap",
            ),
            rx.flex(
                rx.cond(
                    NavState.display_name != "",
                    rx.flex(
                        rx.cond(NavState.is_site_admin, _nav_link("page.admin_roles", routes.ADMIN_ROLES, "nav-admin")),
                        rx.cond(NavState.is_site_admin, _nav_link("page.site_admin", routes.SITE_ADMIN, "nav-site-admin")),
                        rx.cond(NavState.is_ministry,
                                _nav_link("page.catalog_admin", routes.CATALOG_ADMIN, "nav-catalog-admin")),
                        rx.cond(NavState.is_ministry,
                                _nav_link("nav.admin_clients", routes.ADMIN_CLIENTS, "nav-admin-clients")),
                        rx.cond(NavState.is_officer, _nav_link("nav.counter", routes.COUNTER, "nav-counter")),
                        rx.cond(NavState.is_officer, _nav_link("nav.identity_counter", routes.IDENTITY_COUNTER,
                                                               "nav-identity-counter")),
                        _nav_link("page.applications", routes.APPLICATIONS, "nav-applications"),
                        rx.cond(NavState.is_back_office,
                                _nav_link("nav.office", routes.OFFICE_APPLICATIONS, "nav-office")),
                        rx.cond(NavState.is_officer | NavState.is_site_admin,
                                _nav_link("page.complaint_office", routes.COMPLAINT_OFFICE, "nav-complaint-office")),
                        _nav_link("nav.complaints", routes.COMPLAINTS, "nav-complaints"),
                        _nav_link("nav.my_tickets", routes.QUEUE_MINE, "nav-my-tickets"),
                        _nav_link("nav.queue", routes.QUEUE_BOOK, "nav-queue"),
                        rx.cond(NavState.dashboard_href != "",
                                rx.link(t("nav.dashboard"), href=NavState.dashboard_href, size="2",
                                        weight="medium", id="nav-dashboard", style=ON_NAVY)),
                        _bell(),
                        rx.link(
                            rx.hstack(rx.icon("circle-user", size=16), rx.text(NavState.display_name), spacing="1",
                                      align="center"),
                            href=routes.PROFILE, size="2", id="nav-profile", style=ON_NAVY,
                        ),
                        # A plain same-site POST: the route revokes the session and clears the cookie.
                        post_form(
                            rx.button(t("nav.signout"), type="submit", size="1", variant="outline",
                                      style=HEADER_BUTTON, id="nav-signout"),
                            action=routes.AUTH_SIGN_OUT, id="nav-signout-form",
                        ),
                        spacing="3", align="center", wrap="wrap",
                    ),
                    rx.flex(
                        _nav_link("page.login", routes.LOGIN, "nav-login"),
                        rx.link(rx.button(t("page.register"), size="1", color_scheme="amber"), href=routes.REGISTER),
                        spacing="3", align="center",
                    ),
                ),
                rx.button(rx.icon("languages", size=14), t("nav.language"), on_click=LangState.toggle, size="1",
                          variant="outline", style=HEADER_BUTTON, id="lang-toggle"),
                spacing="3", align="center", wrap="wrap", justify="end",
            ),
            justify="between", align="center", wrap="wrap", spacing="3",
            max_width="1100px", margin="0 auto", padding_x="16px", padding_y="10px",
        ),
        bg=NAVY,
        width="100%",
        border_bottom="4px solid #f2a900",
    )


def footer() -> rx.Component:
    """Footer with the data-protection note."""
    return rx.box(
        rx.vstack(
            rx.text(t("footer.text"), " ", rx.link(t("privacy.link"), href=routes.PRIVACY, id="footer-privacy"),
                    size="1", color="#5b6478"),
            rx.text("© 2026 MPP Digital · KemenPANRB · Pemerintah Daerah", size="1", color="#8a93a6"),
            max_width="1100px", margin="0 auto", padding="20px 16px", spacing="1",
        ),
        width="100%",
        border_top="1px solid #e3e8f0",
        bg="#f7f9fc",
        margin_top="40px",
    )


def demo_ribbon() -> rx.Component:
    """The demo says so on every page (``make run``); production pages carry nothing."""
    if get_settings().production:
        return rx.fragment()
    return rx.box(
        rx.text(t("demo.ribbon"), size="1", weight="bold", color="#3b2a00", text_align="center"),
        id="demo-ribbon", role="note", width="100%", padding_y="4px",
        background="repeating-linear-gradient(135deg, #f2a900 0 14px, #ffc93c 14px 28px)",
    )


def page(*children: rx.Component, width: str = "1100px") -> rx.Component:
    """The template every page uses."""
    return rx.box(
        demo_ribbon(),
        header(),
        rx.box(*children, max_width=width, margin="0 auto", padding="24px 16px", width="100%"),
        footer(),
        min_height="100vh",
        bg="white",
        display="flex",
        flex_direction="column",
    )


def card(*children: rx.Component, **props) -> rx.Component:
    """A white card with a soft border."""
    style = {"border": "1px solid #e3e8f0", "border_radius": "12px", "padding": "20px", "bg": "white",
             "box_shadow": "0 1px 2px rgba(16,24,40,0.04)", "width": "100%"} | props
    return rx.box(*children, **style)


def notice(message, color: str = "green", test_id: str = "notice") -> rx.Component:
    """A callout shown only when ``message`` is not empty."""
    icon = {"green": "circle-check", "red": "triangle-alert", "blue": "info", "amber": "info"}[color]
    return rx.cond(message != "", rx.callout(message, icon=icon, color_scheme=color, id=test_id, width="100%"))
