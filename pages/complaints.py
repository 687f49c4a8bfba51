"""Complaint pages: /pengaduan (citizen) and /petugas/pengaduan (back office)."""

import reflex as rx

from components.i18n import t
from components.layout import card, notice, page
from mpp_digital.models import COMPLAINT_CATEGORIES as CATEGORIES
from mpp_digital.models import COMPLAINT_SUBJECTS as SUBJECT_KINDS
from state.complaints import ComplaintOfficeState, ComplaintsState

MUTED = "#5b6478"
SELECT_STYLE = {"width": "100%", "padding": "10px", "border": "1px solid #c9d1de", "border_radius": "8px",
                "background": "white", "font_size": "15px"}


def _label(key: str, html_for: str) -> rx.Component:
    return rx.text(t(key), as_="label", html_for=html_for, size="2", weight="medium")


def _options(items, name: str, test_id: str, on_change=None, value=None) -> rx.Component:
    props = {"on_change": on_change, "value": value} if on_change is not None else {}
    return rx.el.select(rx.el.option("—", value=""), rx.foreach(items, lambda o: rx.el.option(o.label, value=o.value)),
                        name=name, id=test_id, style=SELECT_STYLE, **props)


def _fixed_options(prefix: str, values: tuple[str, ...], name: str, test_id: str, **props) -> rx.Component:
    return rx.el.select(*[rx.el.option(t(f"{prefix}.{v}"), value=v) for v in values], name=name, id=test_id,
                        style=SELECT_STYLE, **props)


def _lines_table(rows, on_open, test_id: str) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(t("complaint.col.number")),
            rx.table.column_header_cell(t("complaint.col.status")),
            rx.table.column_header_cell(t("complaint.field.site")),
            rx.table.column_header_cell(t("complaint.field.category")),
            rx.table.column_header_cell(t("complaint.col.filed")),
            rx.table.column_header_cell(t("complaint.col.due")),
        )),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(
            rx.table.cell(rx.button(r.number, on_click=on_open(r.id), variant="ghost", size="1",
                                    class_name="complaint-open")),
            rx.table.cell(rx.hstack(rx.text(r.status),
                                    rx.cond(r.overdue, rx.badge(t("complaint.overdue"), color_scheme="red")),
                                    rx.cond(r.confidential, rx.badge(t("complaint.confidential_badge"))),
                                    spacing="2")),
            rx.table.cell(rx.text(r.site, " ", r.agency)),
            rx.table.cell(r.category),
            rx.table.cell(r.filed),
            rx.table.cell(r.due),
        ))),
        width="100%", id=test_id, size="1",
    )


def _detail(state) -> rx.Component:
    """The complaint card both pages show: facts, description and the timeline."""
    return rx.vstack(
        rx.hstack(rx.heading(state.detail_number, size="5", id="complaint-number"),
                  rx.badge(state.detail_status_label, id="complaint-status", color_scheme="indigo"),
                  rx.cond(state.detail_overdue, rx.badge(t("complaint.overdue"), color_scheme="red")),
                  rx.cond(state.detail_confidential, rx.badge(t("complaint.confidential_badge"))),
                  spacing="3", align="center", wrap="wrap"),
        rx.text(state.detail_about, size="2", color=MUTED),
        rx.text(state.detail_category, size="2", weight="medium"),
        rx.cond(state.detail_filer != "", rx.text(state.detail_filer, size="2", id="complaint-filer")),
        rx.text(state.detail_description, white_space="pre-wrap", id="complaint-description"),
        rx.cond(state.detail_due != "", rx.text(t("complaint.col.due"), ": ", state.detail_due, size="2")),
        rx.heading(t("complaint.timeline"), size="3", margin_top="8px"),
        rx.vstack(rx.foreach(state.timeline, lambda s: rx.box(
            rx.text(s.at, " · ", rx.text.strong(s.label), size="2"),
            rx.cond(s.note != "", rx.text(s.note, size="2", white_space="pre-wrap", color=MUTED)),
            border_left="3px solid #0b3d91", padding_left="10px", class_name="complaint-step",
        )), spacing="2", width="100%", id="complaint-timeline"),
        spacing="2", width="100%", align="stretch",
    )


def _button(key: str, test_id: str, color: str = "indigo") -> rx.Component:
    return rx.button(t(key), type="submit", id=test_id, color_scheme=color, disabled=~rx.State.is_hydrated)


# --------------------------------------------------------------------------- /pengaduan


def _filing_form() -> rx.Component:
    s = ComplaintsState
    return rx.form(
        rx.vstack(
            _label("complaint.field.subject", "complaint-subject"),
            _fixed_options("complaint.subject", SUBJECT_KINDS, "subject", "complaint-subject",
                           value=s.subject, on_change=s.pick_subject),
            rx.cond((s.subject == "service") | (s.subject == "site"), rx.vstack(
                _label("complaint.field.site", "complaint-site"),
                _options(s.sites, "site_id", "complaint-site", on_change=s.pick_site, value=s.site_id),
                spacing="1", width="100%")),
            rx.cond(s.subject == "service", rx.vstack(
                _label("complaint.field.service", "complaint-service"),
                _options(s.services, "service_id", "complaint-service"), spacing="1", width="100%")),
            rx.cond(s.subject == "ticket", rx.vstack(
                _label("complaint.field.ticket", "complaint-ticket"),
                _options(s.tickets, "ticket_id", "complaint-ticket"), spacing="1", width="100%")),
            rx.cond(s.subject == "application", rx.vstack(
                _label("complaint.subject.application", "complaint-application"),
                _options(s.applications, "application_id", "complaint-application"), spacing="1", width="100%")),
            _label("complaint.field.category", "complaint-category"),
            _fixed_options("complaint.category", CATEGORIES, "category", "complaint-category"),
            _label("complaint.field.description", "complaint-description-input"),
            rx.text_area(name="description", id="complaint-description-input", rows="6", width="100%",
                         max_length=5000),
            _label("complaint.field.attachments", "complaint-upload"),
            rx.upload(
                rx.vstack(rx.icon("paperclip", size=16), rx.text(t("complaint.field.choose_files"), size="1"),
                          rx.foreach(rx.selected_files("complaint-upload"), lambda f: rx.text(f, size="1")),
                          align="center", spacing="1"),
                id="complaint-upload", multiple=True, max_files=5,
                accept={"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]},
                border="1px dashed #9fb0cf", border_radius="8px", padding="10px", width="100%",
            ),
            rx.button(t("complaint.button.attach"), type="button", variant="outline", id="complaint-attach",
                      on_click=s.attach(rx.upload_files(upload_id="complaint-upload"))),
            rx.foreach(s.attached, lambda name: rx.badge(rx.icon("file-check", size=12), name,
                                                         class_name="complaint-attached")),
            rx.checkbox(t("complaint.field.anonymous"), name="anonymous", id="complaint-anonymous"),
            rx.checkbox(t("complaint.field.confidential"), name="confidential", id="complaint-confidential"),
            _button("complaint.button.file", "complaint-file"),
            spacing="2", width="100%", align="stretch",
        ),
        on_submit=ComplaintsState.file, reset_on_submit=False,
    )


def complaints_page() -> rx.Component:
    """/pengaduan: file a complaint, my complaints, one with its timeline (accept or reopen)."""
    s = ComplaintsState
    respond = rx.cond(s.detail_can_respond, rx.grid(
        rx.form(rx.vstack(
            _label("complaint.field.note", "complaint-accept-note"),
            rx.text_area(name="note", id="complaint-accept-note", width="100%", max_length=5000),
            _button("complaint.button.accept", "complaint-accept", "green"), spacing="2", align="stretch"),
            on_submit=s.accept, reset_on_submit=True),
        rx.cond(s.detail_can_reopen, rx.form(rx.vstack(
            _label("complaint.field.reason", "complaint-reopen-reason"),
            rx.text_area(name="reason", id="complaint-reopen-reason", width="100%", max_length=5000),
            _button("complaint.button.reopen", "complaint-reopen", "amber"), spacing="2", align="stretch"),
            on_submit=s.reopen, reset_on_submit=True)),
        columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", margin_top="12px"))
    return page(
        rx.heading(t("complaint.page.title"), size="7"),
        rx.text(t("complaint.page.intro"), size="2", color=MUTED, margin_y="8px"),
        rx.box(notice(s.error, "red", "complaint-error"), margin_top="8px"),
        rx.box(notice(s.notice, "green", "complaint-notice"), margin_top="8px"),
        rx.grid(
            card(rx.heading(t("complaint.page.new"), size="4", margin_bottom="12px"), _filing_form()),
            card(rx.heading(t("complaint.page.mine"), size="4", margin_bottom="12px"),
                 rx.cond(s.mine.length() > 0, _lines_table(s.mine, s.show, "complaint-mine"),
                         rx.text(t("complaint.page.none"), color=MUTED))),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", margin_top="12px",
        ),
        rx.cond(s.detail_id != "", card(_detail(s), respond, margin_top="16px", id="complaint-detail")),
    )


# --------------------------------------------------------------------------- /petugas/pengaduan


def complaint_office_page() -> rx.Component:
    """/petugas/pengaduan: the complaints of my scope; forward (site admin) and answer."""
    s = ComplaintOfficeState
    forward = rx.cond((s.detail_status == "diterima") & (s.agencies.length() > 0), rx.form(rx.vstack(
        _label("complaint.field.agency", "office-agency"),
        _options(s.agencies, "agency_id", "office-agency"),
        _label("complaint.field.note", "office-forward-note"),
        rx.text_area(name="note", id="office-forward-note", width="100%", max_length=5000),
        _button("complaint.button.forward", "office-forward"), spacing="2", align="stretch"),
        on_submit=s.forward, reset_on_submit=True))
    answer = rx.cond(s.detail_status == "diteruskan", rx.form(rx.vstack(
        _label("complaint.field.answer", "office-answer"),
        rx.text_area(name="answer", id="office-answer", width="100%", rows="5", max_length=5000),
        _button("complaint.button.answer", "office-answer-send"), spacing="2", align="stretch"),
        on_submit=s.answer, reset_on_submit=True))
    return page(
        rx.heading(t("complaint.office.title"), size="7"),
        rx.box(notice(s.error, "red", "office-error"), margin_top="8px"),
        rx.box(notice(s.notice, "green", "office-notice"), margin_top="8px"),
        rx.cond(s.overdue.length() > 0, card(
            rx.heading(t("complaint.office.overdue"), size="4", color="#c0262d", margin_bottom="8px"),
            _lines_table(s.overdue, s.show, "office-overdue"), margin_top="12px", border_color="#f3b1b4")),
        card(rx.cond(s.worklist.length() > 0, _lines_table(s.worklist, s.show, "office-worklist"),
                     rx.text(t("complaint.office.none"), color=MUTED)), margin_top="12px"),
        rx.cond(s.detail_id != "", card(_detail(s), rx.box(forward, answer, margin_top="12px"), margin_top="16px",
                                        id="office-detail")),
    )
