"""Identity assurance: the profile's identity card, /petugas/verifikasi, /sengketa-nik and
/verifikasi-identitas."""

import reflex as rx

from components.forms import field, submit_button
from components.i18n import t
from components.layout import card, notice, page
from mpp_digital import routes
from state.identity import COUNTER_CODE_ELEMENT, CounterIdentityState, DisputeState, IdentityState


def _how_to_get_verified() -> rx.Component:
    return rx.el.ol(
        rx.el.li(t("identity.how.step1")), rx.el.li(t("identity.how.step2")), rx.el.li(t("identity.how.step3")),
        style={"padding_left": "20px", "font_size": "14px", "line_height": "1.6"}, id="identity-how",
    )


def identity_card() -> rx.Component:
    """The identity assurance card of /profil."""
    return card(
        rx.heading(t("assurance.title"), size="4", margin_bottom="10px"),
        notice(IdentityState.notice, "green", "identity-notice"),
        rx.hstack(
            rx.cond(IdentityState.verified,
                    rx.badge(rx.icon("shield-check", size=14), IdentityState.level_label, color_scheme="green",
                             size="2", id="identity-level"),
                    rx.badge(rx.icon("shield-question", size=14), IdentityState.level_label, color_scheme="amber",
                             size="2", id="identity-level")),
            align="center",
        ),
        rx.cond(IdentityState.verified_detail != "",
                rx.text(IdentityState.verified_detail, size="2", color="#3d4656", margin_top="8px",
                        id="identity-detail")),
        rx.cond(
            IdentityState.pending_text != "",
            rx.callout(rx.vstack(rx.text(IdentityState.pending_text),
                                 rx.button(t("assurance.confirm"), on_click=IdentityState.confirm, color_scheme="green",
                                           id="identity-confirm")),
                       icon="badge-check", color_scheme="blue", id="identity-pending", margin_top="10px"),
        ),
        notice(IdentityState.dispute_text, "amber", "identity-dispute"),
        rx.cond(
            ~IdentityState.verified,
            rx.vstack(
                rx.text(t("assurance.self_declared_help"), size="2", color="#3d4656"),
                rx.button(t("assurance.show_code"), on_click=IdentityState.show_code, variant="outline",
                          id="identity-show-code"),
                rx.cond(IdentityState.code_shown,
                        rx.vstack(rx.code("", id=COUNTER_CODE_ELEMENT, size="6", weight="bold"),
                                  rx.text(t("assurance.code_hint"), size="1", color="#5b6478"), spacing="1")),
                rx.link(t("assurance.how_link"), href=routes.IDENTITY_HELP, size="2"),
                spacing="2", margin_top="10px", align="start",
            ),
        ),
        id="identity-card",
    )


def twofactor_banner() -> rx.Component:
    """Shown on /profil to a staff session without a second factor (sent here by the guard)."""
    return rx.cond(IdentityState.twofactor_banner != "",
                   rx.callout(IdentityState.twofactor_banner, icon="lock-keyhole", color_scheme="red",
                              id="twofactor-required", width="100%", margin_bottom="12px"))


def _check(name: str, label_key: str) -> rx.Component:
    return rx.hstack(rx.el.input(type="checkbox", name=name, id=name),
                     rx.text(t(label_key), as_="label", html_for=name, size="2"), align="center")


def counter_identity() -> rx.Component:
    """/petugas/verifikasi."""
    return page(
        rx.heading(t("page.identity_counter"), size="7", margin_bottom="16px"),
        notice(CounterIdentityState.message, "green", "counter-id-message"),
        notice(CounterIdentityState.error, "red", "counter-id-error"),
        rx.grid(
            card(
                rx.heading(t("counter_id.lookup"), size="4", margin_bottom="10px"),
                rx.text(t("counter_id.site"), size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(width="100%", id="counter-id-site"),
                    rx.select.content(rx.foreach(CounterIdentityState.sites,
                                                 lambda s: rx.select.item(s["name"], value=s["id"]))),
                    value=CounterIdentityState.site_id, on_change=CounterIdentityState.choose_site,
                ),
                rx.form(
                    rx.vstack(
                        field("counter_id.by_nik", "lookup_nik", input_mode="numeric", auto_complete="off"),
                        field("counter_id.by_code", "lookup_code", input_mode="numeric", auto_complete="off"),
                        submit_button("counter_id.find", "counter-id-find"),
                        spacing="3", width="100%", margin_top="10px",
                    ),
                    on_submit=CounterIdentityState.find, method="post", reset_on_submit=True,
                ),
            ),
            rx.cond(
                CounterIdentityState.found,
                card(
                    rx.heading(t("counter_id.account"), size="4", margin_bottom="10px"),
                    rx.vstack(
                        rx.text(CounterIdentityState.full_name, size="4", weight="bold", id="counter-id-name"),
                        rx.text(t("field.nik"), ": ", rx.code(CounterIdentityState.nik, id="counter-id-nik"),
                                size="2"),
                        rx.text(t("profile.birth"), ": ", CounterIdentityState.birth_date, size="2"),
                        rx.text(t("field.email"), ": ", CounterIdentityState.email, size="2"),
                        rx.text(t("counter_id.level"), ": ", CounterIdentityState.level_label, size="2",
                                id="counter-id-level"),
                        spacing="1",
                    ),
                    notice(CounterIdentityState.dispute_note, "amber", "counter-id-dispute"),
                    notice(CounterIdentityState.disputed_note, "red", "counter-id-disputed"),
                    rx.callout(t("counter_id.no_image"), icon="camera-off", color_scheme="gray", size="1",
                               margin_y="10px"),
                    rx.form(
                        rx.vstack(
                            field("counter_id.nik_on_card", "nik_on_card", input_mode="numeric", auto_complete="off"),
                            _check("check_name", "counter_id.check_name"),
                            _check("check_nik", "counter_id.check_nik"),
                            _check("check_photo", "counter_id.check_photo"),
                            submit_button("counter_id.mark", "counter-id-mark"),
                            spacing="3", width="100%",
                        ),
                        on_submit=CounterIdentityState.mark, method="post", reset_on_submit=True,
                    ),
                    id="counter-id-account",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        ),
    )


def nik_dispute() -> rx.Component:
    """/sengketa-nik."""
    return page(
        rx.center(card(
            rx.heading(t("page.nik_dispute"), size="6", margin_bottom="8px"),
            rx.text(t("dispute.intro"), size="2", color="#3d4656"),
            rx.text(t("identity.help.dispute"), size="2", color="#5b6478", margin_top="6px"),
            notice(DisputeState.message, "green", "dispute-message"),
            notice(DisputeState.error, "red", "dispute-error"),
            rx.form(
                rx.vstack(field("field.nik", "nik", input_mode="numeric", auto_complete="off"),
                          submit_button("dispute.submit", "dispute-submit"), spacing="3", width="100%",
                          margin_top="12px"),
                on_submit=DisputeState.submit, method="post", reset_on_submit=True,
            ),
            max_width="520px",
        )),
        width="720px",
    )


def identity_help() -> rx.Component:
    """/verifikasi-identitas: what the levels mean and how to get verified (public)."""
    return page(
        card(
            rx.heading(t("page.identity_help"), size="7", margin_bottom="12px"),
            rx.text(t("identity.help.intro"), size="3"),
            rx.hstack(rx.badge(rx.icon("shield-question", size=14), t("level.self_declared"), color_scheme="amber"),
                      rx.badge(rx.icon("shield-check", size=14), t("level.verified"), color_scheme="green"),
                      margin_y="10px"),
            rx.text(t("identity.help.needs"), size="2", color="#3d4656"),
            rx.heading(t("identity.help.how"), size="4", margin_top="16px", margin_bottom="6px"),
            _how_to_get_verified(),
            rx.heading(t("page.nik_dispute"), size="4", margin_top="16px", margin_bottom="6px"),
            rx.text(t("identity.help.dispute"), size="2"),
            rx.link(t("page.nik_dispute"), href=routes.NIK_DISPUTE, size="2"),
            id="identity-help",
        ),
        width="820px",
    )
