"""/dokumen ("Dokumen saya"), the access-log card of /profil, and the public /verifikasi/[kode]."""

import reflex as rx

from components.i18n import t
from components.layout import card, notice, page
from mpp_digital import routes
from state.documents import AccessLogState, AccessRow, DocumentRow, MyDocumentsState
from state.nav import NavState
from state.verification import OutputRevokeState, OutputVerificationState

MUTED = "#5b6478"
UPLOAD_ID = "verify-upload"


def _file_link(label_key: str, href, icon: str, test_id: str) -> rx.Component:
    """A link the browser follows itself (not the client router), so the request carries the cookie."""
    return rx.link(rx.button(rx.icon(icon, size=14), t(label_key), variant="outline", size="1"),
                   href=href, reload_document=True, is_external=False, id=test_id)


def _document_row(row: DocumentRow) -> rx.Component:
    cell = rx.table.cell
    return rx.table.row(
        cell(rx.text(row.label, weight="medium"),
             rx.text(row.type_label, " · ", row.size, size="1", color=MUTED)),
        cell(rx.cond(row.is_output, rx.badge(t("docs.source.output"), color_scheme="green"),
                     rx.badge(t("docs.source.upload"), color_scheme="gray")),
             rx.cond(row.in_use, rx.text(t("docs.in_use"), size="1", color=MUTED))),
        cell(row.created),
        cell(rx.hstack(
            rx.link(rx.button(rx.icon("eye", size=14), t("docs.view"), variant="outline", size="1"),
                    href=row.view_url, is_external=True),
            rx.link(rx.button(rx.icon("download", size=14), t("docs.download"), variant="outline", size="1"),
                    href=row.download_url, reload_document=True),
            rx.cond(row.verify_url != "",
                    rx.link(rx.button(rx.icon("shield-check", size=14), t("docs.verify"), variant="ghost", size="1"),
                            href=row.verify_url)),
            rx.cond(row.deletable,
                    rx.button(rx.icon("trash-2", size=14), t("docs.delete"), color_scheme="red", variant="soft",
                              size="1", on_click=MyDocumentsState.ask_delete(row.id))),
            spacing="2", wrap="wrap")),
    )


def _confirm_dialog() -> rx.Component:
    s = MyDocumentsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("docs.delete_title")),
            rx.alert_dialog.description(t("docs.delete_text"), " ", rx.text.strong(s.confirm_label)),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("docs.cancel"), variant="soft", color_scheme="gray",
                                                 on_click=s.cancel_delete, id="delete-cancel")),
                rx.alert_dialog.action(rx.button(t("docs.delete"), color_scheme="red", on_click=s.confirm_delete,
                                                 id="delete-confirm")),
                spacing="3", justify="end", margin_top="16px"),
        ),
        open=s.confirm_id != 0,
    )


def my_documents() -> rx.Component:
    """/dokumen."""
    s = MyDocumentsState
    return page(
        rx.heading(t("docs.title"), size="7", margin_bottom="8px"),
        rx.text(t("docs.intro"), size="3", color="#3c4658", margin_bottom="12px"),
        notice(s.notice, "green", "docs-notice"),
        notice(s.error, "red", "docs-error"),
        card(rx.cond(
            s.rows.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell(t("docs.col.document")),
                                             rx.table.column_header_cell(t("docs.col.source")),
                                             rx.table.column_header_cell(t("docs.col.created")),
                                             rx.table.column_header_cell(""))),
                rx.table.body(rx.foreach(s.rows, _document_row)),
                size="1", width="100%", id="docs-table"),
            rx.text(t("docs.empty"), size="2", color=MUTED, id="docs-empty"),
        )),
        _confirm_dialog(),
    )


def _access_row(row: AccessRow) -> rx.Component:
    cell = rx.table.cell
    return rx.table.row(cell(row.at),
                        cell(rx.text(row.viewer, weight="medium"), rx.text(row.where, size="1", color=MUTED)),
                        cell(rx.text(row.document), rx.text(row.tracking_number, size="1", color=MUTED)),
                        cell(row.action))


def access_log_card() -> rx.Component:
    """The "Siapa yang melihat data saya" card of /profil."""
    s = AccessLogState
    return card(
        rx.heading(t("docs.access.title"), size="4", margin_bottom="6px"),
        rx.text(t("docs.access.intro"), size="2", color=MUTED),
        rx.cond(
            s.rows.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell(t("docs.access.col.at")),
                                             rx.table.column_header_cell(t("docs.access.col.who")),
                                             rx.table.column_header_cell(t("docs.access.col.what")),
                                             rx.table.column_header_cell(t("docs.access.col.action")))),
                rx.table.body(rx.foreach(s.rows, _access_row)),
                size="1", width="100%", id="access-log", margin_top="8px"),
            rx.text(t("docs.access.empty"), size="2", color=MUTED, id="access-log-empty", margin_top="8px"),
        ),
        rx.link(t("docs.title"), href=routes.MY_DOCUMENTS, size="2", margin_top="8px"),
        id="access-log-card",
    )


def code_form() -> rx.Component:
    """The code field: type the code printed on an output to open its verification page."""
    return rx.form(
        rx.hstack(rx.input(name="code", placeholder="XXXX-XXXX-XXXX-XXXX", id="verify-code", max_length=40,
                           auto_complete="off", width="220px"),
                  rx.button(rx.icon("search", size=14), t("verify_doc.check"), type="submit", id="verify-code-submit"),
                  spacing="2", wrap="wrap"),
        on_submit=OutputVerificationState.go, reset_on_submit=False,
    )


def code_card() -> rx.Component:
    """The "check a document" card of /verifikasi (beside the email verification)."""
    return card(rx.heading(t("verify_doc.title"), size="4", margin_bottom="6px"),
                rx.text(t("verify_doc.intro"), size="2", color=MUTED, margin_bottom="10px"),
                code_form(), id="verify-doc-card")


def _fact(label_key: str, value, test_id: str) -> rx.Component:
    return rx.hstack(rx.text(t(label_key), size="2", color=MUTED, min_width="160px"),
                     rx.text(value, size="2", weight="medium", id=test_id, word_break="break-all"),
                     spacing="3", width="100%", align="start")


def _file_drop() -> rx.Component:
    s = OutputVerificationState
    return rx.vstack(
        rx.heading(t("verify_doc.file_title"), size="3", margin_top="12px"),
        rx.text(t("verify_doc.file_intro"), size="2", color=MUTED),
        rx.upload(
            rx.vstack(rx.icon("file-check", size=20), rx.text(t("verify_doc.file_choose"), size="2"),
                      rx.foreach(rx.selected_files(UPLOAD_ID), lambda f: rx.text(f, size="1", weight="bold")),
                      align="center", spacing="1"),
            id=UPLOAD_ID, multiple=False, max_files=1, accept={"application/pdf": [".pdf"]},
            on_drop=s.check_file(rx.upload_files(upload_id=UPLOAD_ID)),
            border="1px dashed #9fb0cf", border_radius="10px", padding="16px", width="100%",
        ),
        rx.cond(s.file_result == "same",
                rx.callout(t("verify_doc.file_same"), icon="circle-check", color_scheme="green", id="verify-file-same")),
        rx.cond(s.file_result == "different",
                rx.callout(t("verify_doc.file_different"), icon="triangle-alert", color_scheme="red",
                           id="verify-file-different")),
        rx.cond(s.sha256_of_file != "", rx.text(t("verify_doc.file_sha"), " ", s.sha256_of_file, size="1",
                                                color=MUTED, word_break="break-all")),
        notice(s.file_error, "red", "verify-file-error"),
        spacing="2", width="100%",
    )


def _revoke_form() -> rx.Component:
    """For staff: revoke this output with a reason (the service admits its issuer or a site admin)."""
    return rx.cond(
        (NavState.is_officer | NavState.is_site_admin) & OutputVerificationState.valid,
        card(rx.heading(t("verify_doc.revoke_title"), size="3", margin_bottom="6px"),
             rx.text(t("verify_doc.revoke_intro"), size="2", color=MUTED),
             notice(OutputRevokeState.error, "red", "revoke-error"),
             rx.form(rx.hstack(rx.input(name="reason", placeholder=t("verify_doc.revoke_reason"), id="revoke-reason",
                                        max_length=300, width="320px"),
                               rx.button(t("verify_doc.revoke_button"), type="submit", color_scheme="red",
                                         id="revoke-submit"),
                               spacing="2", wrap="wrap", margin_top="8px"),
                     on_submit=OutputRevokeState.revoke, reset_on_submit=True),
             margin_top="12px", id="revoke-card"),
    )


def verification_page() -> rx.Component:
    """/verifikasi/[kode]: public."""
    s = OutputVerificationState
    found = card(
        rx.cond(s.valid,
                rx.callout(t("verify_doc.valid"), icon="badge-check", color_scheme="green", size="3",
                           id="verify-status-valid"),
                rx.callout(rx.text(t("verify_doc.revoked"), " ", s.revoked_at), icon="ban", color_scheme="red",
                           size="3", id="verify-status-revoked")),
        rx.vstack(
            _fact("verify_doc.code", s.code, "verify-fact-code"),
            _fact("verify_doc.product", s.product, "verify-fact-product"),
            _fact("verify_doc.service", s.service_name, "verify-fact-service"),
            _fact("verify_doc.holder", s.holder_masked, "verify-fact-holder"),
            _fact("verify_doc.issuer", rx.text(s.site_name, " · ", s.agency_name), "verify-fact-issuer"),
            _fact("verify_doc.date", s.issued_at, "verify-fact-date"),
            _fact("verify_doc.sha256", rx.code(s.sha256, size="1"), "verify-fact-sha"),
            spacing="2", width="100%", margin_top="12px"),
        rx.cond(s.demo, rx.text(t("verify_doc.demo"), size="1", color="#a15c00", margin_top="8px")),
        _file_drop(),
    )
    missing = card(rx.callout(t("verify_doc.not_found"), icon="circle-help", color_scheme="amber",
                              id="verify-status-missing"))
    return page(
        rx.heading(t("verify_doc.title"), size="7", margin_bottom="12px"),
        rx.cond(s.found, found, rx.cond(s.searched, missing)),
        rx.cond(s.found, _revoke_form()),
        card(rx.text(t("verify_doc.another"), size="2", color=MUTED, margin_bottom="8px"), code_form(),
             margin_top="12px"),
        width="820px",
    )
