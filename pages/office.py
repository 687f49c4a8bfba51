"""/petugas/permohonan: the back office's work list (filters, deadline flags, claim, site-admin assignment)."""

import reflex as rx

from components.i18n import t
from components.layout import NAVY, card, notice, page
from state.office import WorkListState, WorkRow

MUTED = "#5b6478"
SELECT_STYLE = {"width": "100%", "padding": "8px", "border": "1px solid #c9d1de", "border_radius": "8px",
                "background": "white", "font_size": "14px"}


def _filter(label_key: str, name: str, value, options, test_id: str, fixed: list[tuple[str, str]] | None = None
            ) -> rx.Component:
    """A labelled select that reloads the list when changed; "" (any) first."""
    return rx.vstack(
        rx.text(t(label_key), as_="label", html_for=test_id, size="1", weight="medium"),
        rx.el.select(
            rx.el.option(t("office.any"), value=""),
            *[rx.el.option(t(key), value=v) for v, key in (fixed or [])],
            *([rx.foreach(options, lambda c: rx.el.option(c.label, value=c.value))] if options is not None else []),
            value=value, on_change=lambda v: WorkListState.set_filter(name, v), id=test_id, style=SELECT_STYLE,
        ),
        spacing="1", width="100%",
    )


def _flags(row: WorkRow) -> rx.Component:
    return rx.hstack(
        rx.cond(row.overdue, rx.badge(t("office.flag.overdue"), color_scheme="red")),
        rx.cond(row.due_today, rx.badge(t("office.flag.due_today"), color_scheme="amber")),
        rx.cond(row.waiting, rx.badge(t("office.flag.waiting"), color_scheme="gray")),
        spacing="1",
    )


def _who(row: WorkRow) -> rx.Component:
    claim = rx.button(t("office.claim"), size="1", variant="outline", id="claim-" + row.id,
                      on_click=WorkListState.claim(row.id, row.version))
    assign = rx.button(t("office.assign"), size="1", variant="ghost", id="assign-" + row.id,
                       on_click=WorkListState.choose_assignee(row.id))
    return rx.vstack(
        rx.cond(row.unassigned, claim, rx.text(row.assignee, size="2", weight=rx.cond(row.mine, "bold", "regular"))),
        rx.cond(WorkListState.can_assign, rx.cond(
            WorkListState.assign_for == row.id,
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="application_id", value=row.id),
                    rx.el.input(type="hidden", name="version", value=row.version),
                    rx.el.select(rx.el.option(t("office.nobody"), value=""),
                                 rx.foreach(WorkListState.officers, lambda c: rx.el.option(c.label, value=c.value)),
                                 name="assignee", id="assignee-" + row.id, style=SELECT_STYLE),
                    rx.button(t("office.assign_save"), type="submit", size="1", id="assign-save-" + row.id),
                    spacing="1",
                ),
                on_submit=WorkListState.assign,
            ),
            assign,
        )),
        spacing="1", align="start",
    )


def _row(row: WorkRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.number, href=row.href, weight="medium", id="case-" + row.number)),
        rx.table.cell(rx.vstack(rx.text(row.service, size="2"), rx.text(row.agency, size="1", color=MUTED),
                                spacing="0")),
        rx.table.cell(rx.badge(row.state_label, variant="soft")),
        rx.table.cell(rx.vstack(rx.text(row.due, size="2"), _flags(row), spacing="1")),
        rx.table.cell(_who(row)),
        id="row-" + row.number,
    )


def office_applications() -> rx.Component:
    """/petugas/permohonan."""
    return page(
        rx.heading(t("office.title"), size="7"),
        rx.text(t("office.intro"), color=MUTED, size="2", margin_y="6px"),
        rx.hstack(
            rx.badge(t("office.flag.overdue"), ": ", WorkListState.overdue_count, color_scheme="red", size="2",
                     id="count-overdue"),
            rx.badge(t("office.flag.due_today"), ": ", WorkListState.due_today_count, color_scheme="amber", size="2",
                     id="count-due-today"),
            spacing="2", margin_y="8px",
        ),
        notice(WorkListState.error, "red", "office-error"),
        notice(WorkListState.notice, "green", "office-notice"),
        card(
            rx.grid(
                _filter("office.filter.state", "state", WorkListState.f_state, WorkListState.states, "filter-state"),
                _filter("office.filter.service", "service", WorkListState.f_service, WorkListState.services,
                        "filter-service"),
                _filter("office.filter.due", "due", WorkListState.f_due, None, "filter-due",
                        [("today", "office.flag.due_today"), ("overdue", "office.flag.overdue")]),
                _filter("office.filter.assigned", "assigned", WorkListState.f_assigned, None, "filter-assigned",
                        [("me", "office.assigned_me"), ("none", "office.unassigned")]),
                rx.cond(WorkListState.agencies.length() > 1,
                        _filter("office.filter.agency", "agency", WorkListState.f_agency, WorkListState.agencies,
                                "filter-agency")),
                columns=rx.breakpoints(initial="1", sm="2", md="5"), spacing="3", width="100%",
            ),
            margin_top="8px",
        ),
        card(
            rx.cond(
                WorkListState.rows.length() == 0,
                rx.text(t("office.empty"), color=MUTED, id="office-empty"),
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(t("office.col.number")),
                        rx.table.column_header_cell(t("office.col.service")),
                        rx.table.column_header_cell(t("office.col.state")),
                        rx.table.column_header_cell(t("office.col.due")),
                        rx.table.column_header_cell(t("office.col.assignee")),
                    )),
                    rx.table.body(rx.foreach(WorkListState.rows, _row)),
                    width="100%", size="2", id="office-worklist",
                ),
            ),
            rx.hstack(
                rx.cond(WorkListState.page_number > 1,
                        rx.button(t("office.first_page"), variant="outline", size="2", on_click=WorkListState.first_page,
                                  id="office-first-page")),
                rx.text(t("office.page"), " ", WorkListState.page_number, size="2", color=MUTED),
                rx.cond(WorkListState.has_next,
                        rx.button(t("office.next_page"), size="2", on_click=WorkListState.next_page,
                                  id="office-next-page", style={"background": f"{NAVY} !important"})),
                spacing="3", align="center", margin_top="12px",
            ),
            margin_top="12px",
        ),
        width="1200px",
    )

