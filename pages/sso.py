"""Single sign-on pages: the consent page, "Aplikasi terhubung" (a card of /profil), the app registry."""

import reflex as rx

from components.forms import field, submit_button
from components.i18n import t
from components.layout import card, notice, page
from mpp_digital import routes
from state.sso import SCOPES, ConnectedAppsState, ConsentState
from state.sso_admin import AUTH_METHODS, SECRET_ELEMENT, ClientRegistryState

MUTED = "#5b6478"


def _claim_label(scope) -> rx.Component:
    labels = {s: t(f"sso.claim.{s}") for s in SCOPES}
    return rx.match(scope, *[(s, labels[s]) for s in SCOPES], scope)


def consent() -> rx.Component:
    """/izin-aplikasi."""
    return page(
        rx.center(
            card(
                rx.heading(t("sso.consent.title"), size="6", margin_bottom="8px"),
                rx.cond(
                    ConsentState.error != "",
                    notice(ConsentState.error, "red", "consent-error"),
                    rx.vstack(
                        rx.text(t("sso.consent.asks"), size="2", color="#3d4656"),
                        rx.box(
                            rx.text(t("sso.consent.app"), size="1", color=MUTED),
                            rx.text(ConsentState.client_name, size="4", weight="bold", id="consent-app"),
                            rx.text(t("sso.consent.agency"), size="1", color=MUTED, margin_top="6px"),
                            rx.text(ConsentState.agency_name, size="3", weight="medium", id="consent-agency"),
                            padding="12px", border_radius="10px", bg="#f3f6fb", width="100%",
                        ),
                        rx.text(t("sso.consent.claims"), size="2", weight="bold"),
                        rx.vstack(
                            rx.foreach(ConsentState.scopes, lambda s: rx.hstack(
                                rx.icon("circle-check", size=16, color="#1f7a3d"),
                                rx.text(_claim_label(s), size="2"),
                                align="center", class_name="consent-claim",
                            )),
                            spacing="1", id="consent-claims",
                        ),
                        rx.cond(ConsentState.legal_basis != "",
                                rx.callout(rx.text(t("sso.consent.legal_basis"), ": ", ConsentState.legal_basis),
                                           icon="scale", color_scheme="amber", size="1", id="consent-legal-basis")),
                        rx.cond(ConsentState.nik_withheld,
                                rx.callout(rx.text(t("sso.consent.nik_withheld"), " ",
                                                   rx.link(t("assurance.how_link"), href=routes.IDENTITY_HELP)),
                                           icon="shield-question", color_scheme="amber", size="1",
                                           id="consent-nik-withheld")),
                        rx.text(t("sso.consent.signed_in_as"), ": ", ConsentState.signed_in_as, size="1",
                                color=MUTED, id="consent-user"),
                        rx.text(t("sso.consent.note"), size="1", color=MUTED),
                        rx.flex(
                            rx.button(t("sso.consent.deny"), on_click=ConsentState.deny, variant="outline", size="3",
                                      id="consent-deny"),
                            rx.button(t("sso.consent.allow"), on_click=ConsentState.allow, size="3",
                                      id="consent-allow",
                                      style={"background": "#0b3d91 !important", "color": "white !important"}),
                            justify="end", spacing="3", width="100%", wrap="wrap",
                        ),
                        spacing="3", width="100%",
                    ),
                ),
                max_width="520px",
            ),
        ),
        width="720px",
    )


def connected_apps_card() -> rx.Component:
    """ "Aplikasi terhubung" on /profil."""
    return card(
        rx.heading(t("sso.connected.title"), size="4", margin_bottom="10px"),
        notice(ConnectedAppsState.notice, "green", "connected-notice"),
        rx.cond(
            ConnectedAppsState.apps.length() > 0,
            rx.vstack(
                rx.foreach(
                    ConnectedAppsState.apps,
                    lambda a: rx.flex(
                        rx.vstack(
                            rx.hstack(rx.icon("app-window", size=16), rx.text(a["name"], weight="medium"),
                                      align="center"),
                            rx.text(a["agency"], size="1", color=MUTED),
                            rx.text(a["claims"], size="1"),
                            rx.text(t("sso.connected.since"), ": ", a["since"], " · ", t("sso.connected.last_used"),
                                    ": ", a["last_used"], size="1", color=MUTED),
                            spacing="1",
                        ),
                        rx.button(t("sso.connected.revoke"), size="1", color_scheme="red", variant="soft",
                                  on_click=ConnectedAppsState.revoke(a["client_id"]), class_name="app-revoke"),
                        justify="between", align="center", width="100%", wrap="wrap", spacing="2",
                        padding_y="8px", border_bottom="1px solid #eef1f6", class_name="connected-app",
                    ),
                ),
                width="100%", spacing="0",
            ),
            rx.text(t("sso.connected.empty"), size="2", color=MUTED, id="connected-empty"),
        ),
        id="connected-apps",
    )


def _registry_form() -> rx.Component:
    errors = ClientRegistryState.errors
    return rx.form(
        rx.vstack(
            field("sso.admin.name", "name", error=errors.get("name", "")),
            rx.text(t("sso.admin.agency"), size="2", weight="medium"),
            rx.el.select(
                rx.foreach(ClientRegistryState.agencies, lambda a: rx.el.option(a[1], value=a[0])),
                name="agency_id", id="agency_id",
                style={"width": "100%", "padding": "8px", "border": "1px solid #d5dbe6", "border_radius": "6px"},
            ),
            rx.cond(errors.get("agency", "") != "", rx.text(errors.get("agency", ""), size="1", color="#c0262d")),
            rx.text(t("sso.admin.redirect_uris"), size="2", weight="medium"),
            rx.text_area(name="redirect_uris", id="redirect_uris", width="100%", rows="2"),
            rx.cond(errors.get("redirect_uris", "") != "",
                    rx.text(errors.get("redirect_uris", ""), size="1", color="#c0262d", id="redirect_uris-error")),
            rx.text(t("sso.admin.logout_uris"), size="2", weight="medium"),
            rx.text_area(name="logout_uris", id="logout_uris", width="100%", rows="2"),
            rx.text(t("sso.admin.auth_method"), size="2", weight="medium"),
            rx.el.select(*[rx.el.option(m, value=m) for m in AUTH_METHODS], name="auth_method", id="auth_method",
                         style={"padding": "8px", "border": "1px solid #d5dbe6", "border_radius": "6px"}),
            rx.text(t("sso.admin.scopes"), size="2", weight="medium"),
            rx.flex(*[rx.el.label(rx.el.input(type="checkbox", name=f"scope_{s}", id=f"scope_{s}",
                                              default_checked=s in ("openid", "profile", "email")),
                                  " ", s, style={"margin_right": "12px"}) for s in SCOPES], wrap="wrap"),
            rx.cond(errors.get("scopes", "") != "", rx.text(errors.get("scopes", ""), size="1", color="#c0262d")),
            field("sso.admin.legal_basis", "legal_basis", error=errors.get("nik_legal_basis", "")),
            rx.text(t("sso.admin.jwks"), size="2", weight="medium"),
            rx.text_area(name="jwks", id="jwks", width="100%", rows="3", placeholder='{"keys": [...]}'),
            rx.cond(errors.get("jwks", "") != "", rx.text(errors.get("jwks", ""), size="1", color="#c0262d")),
            submit_button("sso.admin.register", "client-register"),
            spacing="2", width="100%", align="stretch",
        ),
        on_submit=ClientRegistryState.register,
        reset_on_submit=False,
    )


def clients_admin() -> rx.Component:
    """/admin/aplikasi."""
    return page(
        rx.heading(t("sso.admin.title"), size="7", margin_bottom="8px"),
        rx.text(t("sso.admin.intro"), size="2", color="#3d4656", margin_bottom="12px"),
        notice(ClientRegistryState.notice, "green", "clients-notice"),
        rx.cond(
            ClientRegistryState.new_client_id != "",
            rx.callout(
                rx.vstack(
                    rx.text(t("sso.admin.secret_once")),
                    rx.text("client_id: ", rx.code(ClientRegistryState.new_client_id, id="new-client-id")),
                    rx.text("client_secret: ", rx.code("", id=SECRET_ELEMENT)),
                ),
                icon="key-round", color_scheme="amber", id="secret-once", margin_bottom="12px",
            ),
        ),
        rx.grid(
            card(rx.heading(t("sso.admin.register"), size="4", margin_bottom="10px"), _registry_form()),
            card(
                rx.vstack(
                    rx.foreach(
                        ClientRegistryState.clients,
                        lambda c: rx.vstack(
                            rx.hstack(rx.text(c["name"], weight="bold"),
                                      rx.cond(c["active"] != "",
                                              rx.badge(t("sso.admin.status.active"), color_scheme="green"),
                                              rx.badge(t("sso.admin.status.disabled"), color_scheme="gray")),
                                      align="center"),
                            rx.text(c["agency"], size="1", color=MUTED),
                            rx.code(c["client_id"], size="1"),
                            rx.text(c["auth_method"], " · ", c["scopes"], size="1"),
                            rx.text(c["redirect_uris"], size="1", color=MUTED),
                            rx.cond(c["legal_basis"] != "", rx.text("NIK: ", c["legal_basis"], size="1")),
                            rx.hstack(
                                rx.cond(c["auth_method"] == "client_secret_basic",
                                        rx.button(t("sso.admin.rotate"), size="1", variant="outline",
                                                  on_click=ClientRegistryState.rotate(c["client_id"]))),
                                rx.button(rx.cond(c["active"] != "", t("sso.admin.disable"), t("sso.admin.enable")),
                                          size="1", variant="soft", color_scheme="red",
                                          on_click=ClientRegistryState.toggle(c["client_id"])),
                            ),
                            spacing="1", width="100%", padding_y="8px", border_bottom="1px solid #eef1f6",
                            class_name="client-row",
                        ),
                    ),
                    width="100%", spacing="0",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        ),
    )
