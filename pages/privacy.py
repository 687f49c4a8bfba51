"""/privasi: the privacy notice (UU 27/2022 on Personal Data Protection)."""

import reflex as rx

from components.i18n import t
from components.layout import card, page
from mpp_digital import routes
from state.lang import LangState
from state.privacy import PrivacyNoticeState, RetentionRow

# (purpose, data, legal basis): UU 27/2022 pasal 20 ayat (2)
PURPOSES = (
    ("privacy.purpose.account", "privacy.data.account", "privacy.basis.contract"),
    ("privacy.purpose.services", "privacy.data.services", "privacy.basis.public_task"),
    ("privacy.purpose.sso", "privacy.data.sso", "privacy.basis.consent"),
    ("privacy.purpose.security", "privacy.data.security", "privacy.basis.legal_obligation"),
    ("privacy.purpose.statistics", "privacy.data.statistics", "privacy.basis.none"),
)
RIGHTS = ("privacy.right.access", "privacy.right.correct", "privacy.right.erase", "privacy.right.withdraw",
          "privacy.right.object", "privacy.right.complain")


def _section(title_key: str, *children: rx.Component, test_id: str = "") -> rx.Component:
    return card(rx.heading(t(title_key), size="4", margin_bottom="10px"), *children, id=test_id or None)


def _retention_row(row: RetentionRow) -> rx.Component:
    english = LangState.lang == "en"
    return rx.table.row(rx.table.cell(rx.cond(english, row.what_en, row.what_id)),
                        rx.table.cell(rx.cond(english, row.period_en, row.period_id)))


def privacy_page() -> rx.Component:
    """/privasi."""
    dpo = PrivacyNoticeState.dpo_email
    cell = rx.table.cell
    return page(
        rx.heading(t("privacy.title"), size="7", margin_bottom="8px"),
        rx.text(t("privacy.intro"), size="3", color="#3c4658", margin_bottom="16px"),
        rx.vstack(
            _section("privacy.controller", rx.text(t("privacy.controller_text"), size="2"),
                     rx.text(t("privacy.contact_text"), " ", rx.link(dpo, href="mailto:" + dpo, id="dpo-email"),
                             size="2", margin_top="6px")),
            _section("privacy.purposes", rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell(t("privacy.col.purpose")),
                                             rx.table.column_header_cell(t("privacy.col.data")),
                                             rx.table.column_header_cell(t("privacy.col.basis")))),
                rx.table.body(*[rx.table.row(cell(t(p)), cell(t(d)), cell(t(b))) for p, d, b in PURPOSES]),
                size="1", width="100%"), test_id="privacy-purposes"),
            _section("privacy.retention", rx.table.root(
                rx.table.body(rx.foreach(PrivacyNoticeState.retention, _retention_row)),
                size="1", width="100%"), test_id="privacy-retention"),
            _section("privacy.recipients", rx.text(t("privacy.recipients_text"), size="2")),
            _section("privacy.protection", rx.text(t("privacy.protection_text"), size="2")),
            _section("privacy.rights", rx.unordered_list(*[rx.list_item(rx.text(t(r), size="2")) for r in RIGHTS]),
                     rx.text(t("privacy.rights_how"), " ", rx.link(t("mydata.title"), href=routes.PROFILE), size="2")),
            spacing="4", width="100%",
        ),
    )
