"""/profil: my data (NIK masked), contact, password, sessions, two-step verification."""

import reflex as rx

from components.forms import field, submit_button
from components.i18n import t
from components.layout import card, notice, page
from mpp_digital import routes
from pages.documents import access_log_card
from pages.identity import identity_card, twofactor_banner
from pages.sso import connected_apps_card
from state.lang import LangState
from state.my_data import MyDataState
from state.profile import RECOVERY_CODES_ELEMENT, TOTP_QR_ELEMENT, TOTP_SECRET_ELEMENT, ProfileState


def _row(label_key: str, value, test_id: str) -> rx.Component:
    return rx.flex(rx.text(t(label_key), size="2", color="#5b6478", min_width="140px"),
                   rx.text(value, size="2", weight="medium", id=test_id), spacing="2", wrap="wrap")


def _my_data() -> rx.Component:
    return card(
        rx.heading(t("profile.my_data"), size="4", margin_bottom="10px"),
        rx.vstack(
            _row("field.full_name", ProfileState.full_name, "profile-name"),
            _row("field.nik", ProfileState.nik_masked, "profile-nik"),
            _row("profile.birth", ProfileState.birth_date, "profile-birth"),
            _row("profile.sex", ProfileState.sex, "profile-sex"),
            _row("field.email", ProfileState.email, "profile-email"),
            _row("field.phone", ProfileState.phone, "profile-phone"),
            _row("profile.roles", ProfileState.roles.join(", "), "profile-roles"),
            spacing="2",
        ),
        rx.box(
            rx.cond(
                ProfileState.email_verified,
                rx.badge(rx.icon("badge-check", size=14), t("profile.email_verified"), color_scheme="green",
                         id="email-verified"),
                rx.callout(
                    rx.vstack(rx.text(t("profile.email_unverified")),
                              rx.button(t("profile.resend"), on_click=ProfileState.resend_verification, size="1",
                                        variant="outline")),
                    icon="mail-warning", color_scheme="amber", id="email-unverified",
                ),
            ),
            margin_top="12px",
        ),
    )


def _contact() -> rx.Component:
    return card(
        rx.heading(t("profile.contact"), size="4", margin_bottom="10px"),
        rx.form(
            rx.vstack(
                field("field.email", "email", type="email", default_value=ProfileState.email,
                      error=ProfileState.contact_errors.get("email", ""), key=ProfileState.email),
                field("field.phone", "phone", type="tel", default_value=ProfileState.phone,
                      error=ProfileState.contact_errors.get("phone", ""), key=ProfileState.phone),
                submit_button("profile.save_contact", "contact-submit"),
                spacing="3", width="100%",
            ),
            on_submit=ProfileState.save_contact, method="post",
            reset_on_submit=False,
        ),
    )


def _password() -> rx.Component:
    return card(
        rx.heading(t("profile.password"), size="4", margin_bottom="10px"),
        rx.form(
            rx.vstack(
                field("field.current_password", "current", type="password", auto_complete="current-password",
                      error=ProfileState.password_errors.get("current", "")),
                field("field.new_password", "new", type="password", auto_complete="new-password",
                      help_key="field.password.help", error=ProfileState.password_errors.get("new", "")),
                submit_button("profile.save_password", "password-submit"),
                spacing="3", width="100%",
            ),
            on_submit=ProfileState.change_password, method="post",
            reset_on_submit=True,
        ),
    )


def _sessions() -> rx.Component:
    return card(
        rx.heading(t("profile.sessions"), size="4", margin_bottom="10px"),
        rx.vstack(
            rx.foreach(
                ProfileState.sessions,
                lambda s: rx.flex(
                    rx.vstack(
                        rx.hstack(rx.icon("monitor-smartphone", size=16), rx.text(s["device"], weight="medium"),
                                  rx.cond(s["current"] != "",
                                          rx.badge(t("profile.session.current"), color_scheme="green")),
                                  align="center"),
                        rx.text(t("profile.session.address"), ": ", s["ip"], " · ", t("profile.session.last_seen"),
                                ": ", s["last_seen"], size="1", color="#5b6478"),
                        spacing="1",
                    ),
                    rx.cond(s["current"] == "",
                            rx.button(t("profile.session.revoke"), size="1", color_scheme="red", variant="soft",
                                      on_click=ProfileState.revoke(s["id"]), class_name="session-revoke")),
                    justify="between", align="center", width="100%", wrap="wrap", spacing="2",
                    padding_y="8px", border_bottom="1px solid #eef1f6", class_name="session-row",
                ),
            ),
            width="100%", spacing="0",
        ),
    )


def _totp() -> rx.Component:
    return card(
        rx.heading(t("profile.totp"), size="4", margin_bottom="10px"),
        notice(ProfileState.totp_error, "red", "totp-error"),
        rx.cond(
            ProfileState.recovery_shown,
            rx.callout(rx.vstack(rx.text(t("profile.totp.codes")),
                                 rx.el.pre("", id=RECOVERY_CODES_ELEMENT,
                                           style={"font_family": "monospace", "white_space": "pre-wrap"})),
                       icon="key-round", color_scheme="amber", id="recovery-codes", margin_bottom="10px"),
        ),
        rx.cond(
            ProfileState.totp_enabled,
            rx.vstack(
                rx.text(t("profile.totp.on"), " ", ProfileState.recovery_left, size="2", id="totp-on"),
                rx.form(rx.hstack(rx.input(name="password", type="password", placeholder="•••••••••••••"),
                                  rx.button(t("profile.totp.disable"), type="submit", color_scheme="red",
                                            variant="soft"), wrap="wrap"),
                        on_submit=ProfileState.totp_disable, method="post", reset_on_submit=True),
            ),
            rx.cond(
                ProfileState.totp_pending,
                rx.vstack(
                    rx.text(t("profile.totp.scan"), " ", rx.code("", id=TOTP_SECRET_ELEMENT), size="2"),
                    rx.el.img(id=TOTP_QR_ELEMENT, width="180", height="180", alt="QR TOTP"),
                    rx.form(rx.hstack(rx.input(name="code", placeholder="123456", input_mode="numeric", id="totp-code"),
                                      rx.button(t("profile.totp.confirm"), type="submit", id="totp-confirm"),
                                      wrap="wrap"),
                            on_submit=ProfileState.totp_confirm, method="post", reset_on_submit=True),
                ),
                rx.vstack(rx.text(t("profile.totp.off"), size="2"),
                          rx.button(t("profile.totp.start"), on_click=ProfileState.totp_begin, variant="outline",
                                    id="totp-start")),
            ),
        ),
    )


def _download(label_key: str, path: str, test_id: str) -> rx.Component:
    """A link to a backend route, followed by the browser itself (not the client-side router), so
    the request carries the page's own session cookie and the answer is saved as a file."""
    return rx.link(rx.button(rx.icon("download", size=14), t(label_key), variant="outline", size="2"),
                   href=rx.cond(LangState.lang == "en", f"{path}?lang=en", path), reload_document=True, id=test_id)


def _data_saya() -> rx.Component:
    return card(
        rx.heading(t("mydata.title"), size="4", margin_bottom="6px"),
        rx.text(t("mydata.intro"), size="2", color="#5b6478"),
        rx.hstack(_download("mydata.download_json", routes.MY_DATA_JSON, "mydata-json"),
                  _download("mydata.download_pdf", routes.MY_DATA_PDF, "mydata-pdf"),
                  spacing="2", margin_top="10px", wrap="wrap"),
        rx.heading(t("mydata.releases_title"), size="3", margin_top="16px", margin_bottom="6px"),
        rx.cond(
            MyDataState.releases.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell(t("mydata.col.app")),
                                             rx.table.column_header_cell(t("mydata.col.at")),
                                             rx.table.column_header_cell(t("mydata.col.claims")))),
                rx.table.body(rx.foreach(MyDataState.releases, lambda r: rx.table.row(
                    rx.table.cell(rx.text(r.app, weight="medium"), rx.text(r.agency, size="1", color="#5b6478")),
                    rx.table.cell(r.at), rx.table.cell(r.claims)))),
                size="1", width="100%", id="mydata-releases",
            ),
            rx.text(t("mydata.releases_empty"), size="2", color="#5b6478", id="mydata-releases-empty"),
        ),
        rx.text(rx.link(t("privacy.link"), href=routes.PRIVACY), size="2", margin_top="10px"),
        rx.heading(t("mydata.close.title"), size="3", margin_top="16px", margin_bottom="6px"),
        rx.text(t("mydata.close.text"), size="2", color="#5b6478"),
        notice(MyDataState.close_error, "red", "close-error"),
        rx.form(
            rx.hstack(rx.input(name="password", type="password", placeholder=t("field.password"),
                               auto_complete="current-password", id="close-password"),
                      rx.button(t("mydata.close.button"), type="submit", color_scheme="red", id="close-submit"),
                      spacing="2", wrap="wrap"),
            on_submit=MyDataState.close_account, method="post", reset_on_submit=True, margin_top="8px",
        ),
        id="data-saya",
    )


def profile() -> rx.Component:
    """/profil."""
    return page(
        rx.heading(t("profile.title"), size="7", margin_bottom="16px"),
        notice(ProfileState.notice, "green", "profile-notice"),
        twofactor_banner(),
        rx.grid(
            rx.vstack(_my_data(), identity_card(), _sessions(), connected_apps_card(), access_log_card(), spacing="4",
                      width="100%"),
            rx.vstack(_contact(), _password(), _totp(), _data_saya(), spacing="4", width="100%"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", margin_top="12px",
        ),
    )
