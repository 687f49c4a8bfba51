"""/admin/peran: superadmin grants roles with their scope and reads the audit trail."""

import reflex as rx

from components.i18n import t
from components.layout import card, notice, page
from mpp_digital.models import Role
from state.admin import RolesAdminState


def roles_admin() -> rx.Component:
    """/admin/peran."""
    return page(
        rx.heading(t("admin.title"), size="7", margin_bottom="16px"),
        notice(RolesAdminState.error, "red", "admin-error"),
        notice(RolesAdminState.notice, "green", "admin-notice"),
        card(
            rx.form(rx.hstack(rx.input(name="query", placeholder="email / nama", width="100%"),
                              rx.button(t("admin.search"), type="submit"), width="100%"),
                    on_submit=RolesAdminState.search),
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("ID"),
                                             rx.table.column_header_cell(t("field.full_name")),
                                             rx.table.column_header_cell(t("field.email")),
                                             rx.table.column_header_cell(t("profile.roles")))),
                rx.table.body(rx.foreach(RolesAdminState.users, lambda u: rx.table.row(
                    rx.table.cell(u["id"]), rx.table.cell(u["name"]), rx.table.cell(u["email"]),
                    rx.table.cell(u["roles"])))),
                width="100%", margin_top="12px",
            ),
        ),
        card(
            rx.heading(t("admin.grant"), size="4", margin_bottom="10px"),
            rx.form(
                rx.flex(
                    rx.input(name="user_id", placeholder=t("admin.user_id"), input_mode="numeric"),
                    rx.select([r.value for r in Role], name="role", default_value=Role.OFFICER.value),
                    rx.input(name="scope", placeholder=t("admin.scope"), min_width="260px"),
                    rx.button(t("admin.grant"), type="submit"),
                    spacing="2", wrap="wrap",
                ),
                on_submit=RolesAdminState.grant,
            ),
            margin_top="16px",
        ),
        card(
            rx.heading(t("admin.audit"), size="4", margin_bottom="10px"),
            rx.table.root(
                rx.table.body(rx.foreach(RolesAdminState.audit_rows, lambda r: rx.table.row(
                    rx.table.cell(r["at"]), rx.table.cell(r["action"]), rx.table.cell(r["actor"]),
                    rx.table.cell(r["target"]), rx.table.cell(r["ip"])))),
                size="1", width="100%",
            ),
            margin_top="16px",
        ),
    )
