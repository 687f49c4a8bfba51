"""/admin/peran: superadmin grants and revokes roles, deactivates and reactivates accounts, reads the audit trail;
a site admin revokes the officer grants of their MPP and deactivates its officers."""

import reflex as rx

from components.i18n import t
from components.layout import card, notice, page
from mpp_digital.models import Role
from state.admin import RolesAdminState, UserRow


def _status(row: UserRow) -> rx.Component:
    return rx.match(row.status,
                    ("active", rx.badge(t("admin.status.active"), color_scheme="green")),
                    ("inactive", rx.badge(t("admin.status.inactive"), color_scheme="red")),
                    rx.badge(t("admin.status.closed"), color_scheme="gray"))


def _user_row(row: UserRow) -> rx.Component:
    action = rx.cond(row.manageable, rx.match(
        row.status,
        ("active", rx.button(t("admin.deactivate"), size="1", color_scheme="red", variant="outline",
                             on_click=RolesAdminState.deactivate(row.id), id="deactivate-" + row.id)),
        ("inactive", rx.button(t("admin.reactivate"), size="1", variant="outline",
                               on_click=RolesAdminState.reactivate(row.id), id="reactivate-" + row.id)),
        rx.fragment(),
    ))
    return rx.table.row(rx.table.cell(row.id), rx.table.cell(row.name), rx.table.cell(row.email),
                        rx.table.cell(row.roles), rx.table.cell(rx.hstack(_status(row), action, spacing="2")))


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
                                             rx.table.column_header_cell(t("profile.roles")),
                                             rx.table.column_header_cell(t("admin.col.status")))),
                rx.table.body(rx.foreach(RolesAdminState.users, _user_row)),
                width="100%", margin_top="12px", id="admin-users",
            ),
        ),
        card(
            rx.heading(t("admin.grants"), size="4", margin_bottom="10px"),
            rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell(t("field.email")),
                                             rx.table.column_header_cell(t("admin.col.role")),
                                             rx.table.column_header_cell(t("admin.scope")),
                                             rx.table.column_header_cell(""))),
                rx.table.body(rx.foreach(RolesAdminState.grants, lambda g: rx.table.row(
                    rx.table.cell(g.email), rx.table.cell(g.role), rx.table.cell(g.scope),
                    rx.table.cell(rx.cond(g.revocable, rx.button(
                        t("admin.revoke"), size="1", color_scheme="red", variant="soft",
                        on_click=RolesAdminState.revoke_grant(g.id), id="revoke-" + g.id)))))),
                size="1", width="100%", id="admin-grants",
            ),
            margin_top="16px",
        ),
        rx.cond(RolesAdminState.can_grant, card(
            rx.heading(t("admin.grant"), size="4", margin_bottom="10px"),
            rx.form(
                rx.flex(
                    rx.input(name="user_id", placeholder=t("admin.user_id"), input_mode="numeric"),
                    rx.select([r.value for r in Role], name="role", default_value=Role.OFFICER.value),
                    rx.input(name="scope", placeholder=t("admin.scope"), min_width="260px", id="grant-scope",
                             on_blur=RolesAdminState.pick_scope),
                    rx.el.select(
                        rx.el.option(t("office.grant_agency"), value=""),
                        rx.foreach(RolesAdminState.agency_options,
                                   lambda a: rx.el.option(a[1], value=a[0])),
                        name="agency", id="grant-agency",
                    ),
                    rx.button(t("admin.grant"), type="submit"),
                    spacing="2", wrap="wrap",
                ),
                on_submit=RolesAdminState.grant,
            ),
            rx.text(t("office.grant_agency_help"), size="1", color_scheme="gray", margin_top="6px"),
            margin_top="16px",
        )),
        rx.cond(RolesAdminState.can_grant, card(
            rx.heading(t("admin.audit"), size="4", margin_bottom="10px"),
            rx.table.root(
                rx.table.body(rx.foreach(RolesAdminState.audit_rows, lambda r: rx.table.row(
                    rx.table.cell(r["at"]), rx.table.cell(r["action"]), rx.table.cell(r["actor"]),
                    rx.table.cell(r["target"]), rx.table.cell(r["ip"])))),
                size="1", width="100%",
            ),
            margin_top="16px",
        )),
    )
