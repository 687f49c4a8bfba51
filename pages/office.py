"""/petugas/permohonan: the back office's work list (filters, deadline flags, claim, site-admin assignment), and
/petugas/permohonan/[berkas]: one application (data, documents inline, history, workflow actions with a note)."""

import reflex as rx

from components.i18n import t
from components.layout import NAVY, card, notice, page
from mpp_digital import routes
from state.office import CaseState, DocumentRow, HistoryRow, WorkListState, WorkRow

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



# --------------------------------------------------------------------------- /petugas/permohonan/[berkas]


def _fields(rows) -> rx.Component:
    return rx.grid(rx.foreach(rows, lambda f: rx.vstack(rx.text(f.label, size="1", color=MUTED),
                                                        rx.text(f.value, size="2", weight="medium"), spacing="0")),
                   columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%")


def _document(doc: DocumentRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(doc.item, weight="medium", size="2"), rx.text(doc.label, size="1", color=MUTED),
                  rx.spacer(), rx.link(t("office.download"), href=doc.download_url, size="1", is_external=True,
                                       id="doc-download-" + doc.id), width="100%", align="center"),
        rx.cond(doc.is_pdf, rx.el.iframe(src=doc.url, title=doc.item, width="100%", height="480px",
                                         style={"border": "1px solid #e3e8f0", "border_radius": "8px"},
                                         id="doc-frame-" + doc.id)),
        rx.cond(doc.is_image, rx.image(src=doc.url, alt=doc.item, max_width="100%", max_height="480px",
                                       id="doc-image-" + doc.id)),
        width="100%", margin_bottom="16px",
    )


def _history(row: HistoryRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(row.title, weight="medium", size="2"), rx.text(row.actor, size="1", color=MUTED),
                  rx.spacer(), rx.text(row.at, size="1", color=MUTED), width="100%"),
        rx.cond(row.note != "", rx.text(row.note, size="2", style={"white_space": "pre-wrap"})),
        border_left=f"3px solid {NAVY}", padding_left="10px", margin_bottom="10px", width="100%",
    )


def _action_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.input(type="hidden", name="application_id", value=CaseState.app_id),
            rx.el.input(type="hidden", name="version", value=CaseState.version),
            rx.text(t("office.action"), as_="label", html_for="case-action", size="2", weight="medium"),
            rx.el.select(rx.foreach(CaseState.actions, lambda a: rx.el.option(a.label, value=a.key)),
                         name="action", id="case-action", style=SELECT_STYLE),
            rx.text(t("office.note"), as_="label", html_for="case-note", size="2", weight="medium"),
            rx.text_area(name="note", id="case-note", rows="4", width="100%", max_length=2000,
                         placeholder=t("office.note_help")),
            rx.cond(CaseState.can_cite, rx.vstack(
                rx.text(t("office.cite"), as_="label", html_for="case-cite", size="2", weight="medium"),
                rx.el.select(rx.el.option("-", value=""),
                             rx.foreach(CaseState.items, lambda c: rx.el.option(c.label, value=c.value)),
                             name="cited_item", id="case-cite", style=SELECT_STYLE),
                spacing="1", width="100%")),
            rx.button(t("office.act"), type="submit", size="3", id="case-act",
                      style={"background": f"{NAVY} !important", "color": "white !important"}),
            spacing="2", width="100%", align="stretch",
        ),
        on_submit=CaseState.act, reset_on_submit=True,
    )


def office_case() -> rx.Component:
    """/petugas/permohonan/[berkas]."""
    return page(
        rx.link(t("office.back"), href=routes.OFFICE_APPLICATIONS, size="2"),
        notice(CaseState.error, "red", "case-error"),
        notice(CaseState.notice, "green", "case-notice"),
        rx.cond(CaseState.missing, rx.fragment(), rx.vstack(
            rx.hstack(rx.heading(CaseState.number, size="7", id="case-number"),
                      rx.badge(CaseState.state_label, size="3", id="case-state"),
                      rx.cond(CaseState.waiting, rx.badge(t("office.flag.waiting"), color_scheme="gray")),
                      align="center", wrap="wrap"),
            rx.text(CaseState.service, " · ", CaseState.site, color=MUTED),
            rx.hstack(rx.text(t("office.col.due"), ": ", CaseState.due, weight="medium", id="case-due"),
                      rx.cond(CaseState.days_left != "", rx.text("(", CaseState.days_left, ")", color=MUTED)),
                      rx.text(t("office.submitted"), ": ", CaseState.submitted, color=MUTED, size="2"),
                      wrap="wrap", spacing="3"),
            rx.hstack(rx.text(t("office.col.assignee"), ": ", size="2"),
                      rx.cond(CaseState.unassigned,
                              rx.button(t("office.claim"), size="1", variant="outline", on_click=CaseState.claim,
                                        id="case-claim"),
                              rx.text(CaseState.assignee, size="2", weight="medium", id="case-assignee")),
                      align="center"),
            rx.grid(
                rx.vstack(
                    card(rx.heading(t("office.citizen"), size="4", margin_bottom="8px"), _fields(CaseState.citizen),
                         rx.cond(CaseState.answers.length() > 0, rx.box(
                             rx.heading(t("office.answers"), size="3", margin_y="10px"), _fields(CaseState.answers))),
                         id="case-citizen"),
                    card(rx.heading(t("office.documents"), size="4", margin_bottom="8px"),
                         rx.foreach(CaseState.documents, _document), id="case-documents"),
                    spacing="3", width="100%",
                ),
                rx.vstack(
                    rx.cond(CaseState.actions.length() > 0,
                            card(rx.heading(t("office.actions"), size="4", margin_bottom="8px"), _action_form(),
                                 id="case-actions")),
                    card(rx.heading(t("office.history"), size="4", margin_bottom="8px"),
                         rx.foreach(CaseState.history, _history), id="case-history"),
                    spacing="3", width="100%",
                ),
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", margin_top="12px",
            ),
            width="100%", align="stretch", spacing="2", margin_top="8px",
        )),
        width="1200px",
    )
