"""Public account pages: register, sign in, verify email, forgot and reset password, demo outbox."""

import reflex as rx

from components.forms import field, submit_button
from components.i18n import t
from components.layout import card, notice, page
from mpp_digital import routes
from pages.documents import code_card
from state.auth import LoginState, OutboxState, PasswordResetState, RegisterState, VerifyEmailState


def _narrow(*children: rx.Component) -> rx.Component:
    return page(rx.center(card(*children, max_width="480px")), width="640px")


def register() -> rx.Component:
    """/daftar."""
    return _narrow(
        rx.heading(t("register.title"), size="6"),
        rx.text(t("register.intro"), size="2", color="#3d4656", margin_bottom="16px"),
        rx.cond(
            RegisterState.done_email != "",
            rx.vstack(
                rx.callout(RegisterState.done_email, icon="mail-check", color_scheme="green", id="register-done",
                           title=t("register.done")),
                notice(RegisterState.dispute_done, "amber", "register-dispute-done"),
                notice(RegisterState.demo_note, "blue", "register-demo-outbox"),
                rx.link(t("page.login"), href=routes.LOGIN),
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    field("field.nik", "nik", error=RegisterState.errors.get("nik", ""), help_key="field.nik.help",
                          input_mode="numeric", max_length=20, on_blur=RegisterState.preview_nik,
                          auto_complete="off"),
                    rx.cond(RegisterState.nik_preview != "",
                            rx.callout(RegisterState.nik_preview, icon="id-card", color_scheme="blue", size="1",
                                       id="nik-preview", width="100%")),
                    rx.cond(RegisterState.nik_taken,
                            rx.callout(
                                rx.vstack(
                                    rx.text(t("register.dispute_offer"), size="2"),
                                    rx.hstack(rx.el.input(type="checkbox", name="dispute", id="register-dispute"),
                                              rx.text(t("register.dispute_submit"), as_="label",
                                                      html_for="register-dispute", size="2", weight="medium"),
                                              align="center"),
                                    rx.link(t("assurance.how_link"), href=routes.IDENTITY_HELP, size="1"),
                                    spacing="2"),
                                icon="shield-question", color_scheme="amber", id="register-dispute-offer",
                                width="100%")),
                    field("field.full_name", "full_name", error=RegisterState.errors.get("full_name", ""),
                          auto_complete="name"),
                    field("field.email", "email", error=RegisterState.errors.get("email", ""), type="email",
                          auto_complete="email"),
                    field("field.phone", "phone", error=RegisterState.errors.get("phone", ""),
                          help_key="field.phone.help", type="tel", auto_complete="tel"),
                    field("field.password", "password", error=RegisterState.errors.get("password", ""),
                          help_key="field.password.help", type="password", auto_complete="new-password"),
                    rx.text(t("register.privacy_note"), " ",
                            rx.link(t("privacy.link"), href=routes.PRIVACY, id="register-privacy"),
                            size="1", color="#5b6478"),
                    submit_button("register.submit", "register-submit"),
                    rx.link(t("register.have_account"), href=routes.LOGIN, size="2"),
                    spacing="3", width="100%",
                ),
                on_submit=RegisterState.submit, method="post",
                reset_on_submit=False,
            ),
        ),
    )


def login() -> rx.Component:
    """/masuk."""
    return _narrow(
        rx.heading(t("login.title"), size="6", margin_bottom="12px"),
        notice(LoginState.info, "blue", "login-info"),
        rx.form(
            rx.vstack(
                field("field.identifier", "identifier", auto_complete="username"),
                field("field.password", "password", type="password", auto_complete="current-password"),
                rx.cond(LoginState.needs_code,
                        field("field.totp_code", "code", auto_complete="one-time-code", input_mode="text")),
                notice(LoginState.error, "red", "login-error"),
                submit_button("login.submit", "login-submit"),
                rx.flex(rx.link(t("login.forgot"), href=routes.FORGOT_PASSWORD, size="2"),
                        rx.link(t("login.no_account"), href=routes.REGISTER, size="2"),
                        justify="between", width="100%", wrap="wrap", spacing="2"),
                spacing="3", width="100%", margin_top="12px",
            ),
            on_submit=LoginState.submit, method="post",
            reset_on_submit=False,
        ),
    )


def verify_email() -> rx.Component:
    """/verifikasi: the email link's page; without a token, the code field that checks an issued document."""
    return page(rx.center(rx.vstack(
        rx.cond(VerifyEmailState.message != "", card(
            rx.heading(t("page.verify"), size="6", margin_bottom="12px"),
            rx.cond(VerifyEmailState.ok,
                    rx.callout(VerifyEmailState.message, icon="circle-check", color_scheme="green", id="verify-result"),
                    notice(VerifyEmailState.message, "red", "verify-result")),
            rx.link(t("page.login"), href=routes.LOGIN, margin_top="12px"), width="100%")),
        code_card(), spacing="4", max_width="480px", width="100%")), width="640px")


def forgot_password() -> rx.Component:
    """/lupa-sandi."""
    return _narrow(
        rx.heading(t("forgot.title"), size="6"),
        rx.text(t("forgot.intro"), size="2", color="#3d4656", margin_bottom="12px"),
        rx.form(
            rx.vstack(
                field("field.email", "email", type="email", auto_complete="email"),
                notice(PasswordResetState.error, "red", "forgot-error"),
                notice(PasswordResetState.message, "green", "forgot-sent"),
                notice(PasswordResetState.demo_note, "amber", "forgot-demo-outbox"),
                submit_button("forgot.submit", "forgot-submit"),
                spacing="3", width="100%",
            ),
            on_submit=PasswordResetState.request_link, method="post",
        ),
    )


def reset_password() -> rx.Component:
    """/atur-sandi."""
    return _narrow(
        rx.heading(t("page.reset"), size="6", margin_bottom="12px"),
        rx.cond(
            PasswordResetState.done,
            rx.vstack(notice(PasswordResetState.message, "green", "reset-done"),
                      rx.link(t("page.login"), href=routes.LOGIN)),
            rx.form(
                rx.vstack(
                    field("field.new_password", "password", type="password", help_key="field.password.help",
                          auto_complete="new-password"),
                    notice(PasswordResetState.error, "red", "reset-error"),
                    submit_button("reset.submit", "reset-submit"),
                    spacing="3", width="100%",
                ),
                on_submit=PasswordResetState.set_password, method="post",
            ),
        ),
    )


def outbox() -> rx.Component:
    """/kotak-surat: the local outbox, for trying registration without a mail server."""
    return page(
        rx.heading(t("outbox.title"), size="6"),
        rx.text(t("outbox.private"), size="2", color="#3d4656", margin_bottom="16px"),
        rx.cond(
            OutboxState.enabled,
            rx.cond(
                OutboxState.mails.length() > 0,
                rx.vstack(
                    rx.foreach(
                        OutboxState.mails,
                        lambda m: card(
                            rx.text(m["subject"], weight="bold"),
                            rx.text(m["to"], " · ", m["date"], size="1", color="#5b6478"),
                            rx.text(m["body"], white_space="pre-wrap", size="2", margin_top="8px",
                                    style={"word_break": "break-all"}),
                            rx.cond(m["link"] != "", rx.link(rx.button(m["subject"], size="2", margin_top="8px"),
                                                             href=m["link"])),
                            class_name="outbox-mail",
                        ),
                    ),
                    spacing="3", width="100%",
                ),
                rx.text(t("outbox.empty")),
            ),
            rx.text(t("outbox.disabled")),
        ),
    )
