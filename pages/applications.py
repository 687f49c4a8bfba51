"""Online applications, citizen side: the form, "Permohonan saya", one application, notices."""

import reflex as rx

from components.i18n import t
from components.layout import NAVY, card, notice, page
from mpp_digital import routes
from state.applications import ApplicationState, ApplyState, MyApplicationsState, NotificationsState

MUTED = "#5b6478"
PRIMARY = {"background": f"{NAVY} !important", "color": "white !important",
           "&:disabled": {"opacity": "0.6", "cursor": "progress"}}
SELECT_STYLE = {"width": "100%", "padding": "10px", "border": "1px solid #c9d1de", "border_radius": "8px",
                "background": "white", "font_size": "15px"}
UPLOAD_ACCEPT = {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}
MAX_FILE_BYTES = 5 * 1024 * 1024  # the browser's hint; the server enforces settings.document_max_bytes


def _not_found(title_key: str, problem, back_key: str, href: str, test_id: str) -> rx.Component:
    return rx.center(
        card(
            rx.vstack(
                rx.icon("file-question", size=40, color=NAVY),
                rx.heading(t(title_key), size="6", id=test_id),
                rx.text(problem, color=MUTED),
                rx.link(rx.button(t(back_key)), href=href),
                align="center", spacing="3",
            ),
            max_width="560px",
        ),
        padding_y="40px",
    )


def _field_input(f) -> rx.Component:
    """One data field: the input its type asks for, its help and its error."""
    control = rx.match(
        f.type,
        ("date", rx.input(name=f.key, id="field-" + f.key, type="date", default_value=f.value, size="3",
                          width="100%")),
        ("choice", rx.el.select(
            rx.el.option("—", value=""),
            rx.foreach(f.choices, lambda c: rx.el.option(c.label, value=c.value)),
            name=f.key, id="field-" + f.key, default_value=f.value, style=SELECT_STYLE)),
        ("nik", rx.input(name=f.key, id="field-" + f.key, default_value=f.value, size="3", width="100%",
                         input_mode="numeric", max_length=16, placeholder="16 digit")),
        rx.input(name=f.key, id="field-" + f.key, default_value=f.value, size="3", width="100%",
                 max_length=f.max_length),
    )
    return rx.vstack(
        rx.hstack(rx.text(f.label, as_="label", html_for="field-" + f.key, size="2", weight="medium"),
                  rx.cond(f.required, rx.text("*", color="#c0262d", size="2"),
                          rx.text(t("apply.optional"), size="1", color=MUTED)), spacing="1"),
        control,
        rx.cond(f.help != "", rx.text(f.help, size="1", color=MUTED)),
        rx.cond(f.error != "", rx.text(f.error, size="1", color="#c0262d", id="field-" + f.key + "-error")),
        spacing="1", width="100%", align="stretch",
    )


def _steps() -> rx.Component:
    def step(number: int, key: str) -> rx.Component:
        active = ApplyState.step == number
        return rx.hstack(
            rx.box(rx.text(str(number + 1), size="2", weight="bold",
                           color=rx.cond(active, "white", NAVY)),
                   bg=rx.cond(active, NAVY, "#e8eefb"), border_radius="999px", width="28px", height="28px",
                   display="flex", align_items="center", justify_content="center"),
            rx.text(t(key), size="2", weight=rx.cond(active, "bold", "regular")),
            spacing="2", align="center",
        )

    return rx.flex(step(0, "apply.step.data"), rx.icon("chevron-right", size=16, color=MUTED),
                   step(1, "apply.step.documents"), rx.icon("chevron-right", size=16, color=MUTED),
                   step(2, "apply.step.review"), spacing="3", align="center", wrap="wrap", id="apply-steps")


def _site_picker() -> rx.Component:
    return card(
        rx.text(t("apply.site"), as_="label", html_for="apply-site", size="2", weight="medium"),
        rx.el.select(
            rx.el.option(t("apply.site_none"), value=""),
            rx.foreach(ApplyState.sites, lambda s: rx.el.option(s.label, value=s.value)),
            value=ApplyState.site_id, on_change=ApplyState.pick_site, id="apply-site", style=SELECT_STYLE),
        rx.text(t("apply.site_help"), size="1", color=MUTED),
    )


def _data_step() -> rx.Component:
    return card(
        rx.form(
            rx.vstack(
                rx.foreach(ApplyState.fields, _field_input),
                rx.button(t("apply.save_next"), type="submit", size="3", id="apply-save-data",
                          disabled=~rx.State.is_hydrated, style=PRIMARY),
                spacing="4", width="100%", align="stretch",
            ),
            on_submit=ApplyState.save_data, reset_on_submit=False, id="apply-data-form",
        ),
    )


def _slot(s) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.hstack(rx.text(s.label, weight="medium", size="2"),
                          rx.cond(s.required, rx.badge(t("apply.required"), color_scheme="red", variant="soft"),
                                  rx.badge(t("apply.optional"), variant="soft")), spacing="2", wrap="wrap"),
                rx.text(t("apply.accept"), " ", s.accept, size="1", color=MUTED),
                rx.cond(s.help != "", rx.text(s.help, size="1", color=MUTED)),
                rx.cond(s.attached != "",
                        rx.hstack(rx.icon("circle-check", size=14, color="green"),
                                  rx.text(s.attached, size="1", class_name="slot-attached"), spacing="1"),
                        rx.text(t("apply.not_attached"), size="1", color="#a15c00")),
                rx.cond(s.error != "", rx.text(s.error, size="1", color="#c0262d", class_name="slot-error")),
                spacing="1", align="start",
            ),
            rx.vstack(
                rx.button(rx.icon("upload", size=14), t("apply.upload"), size="1", variant="surface",
                          on_click=ApplyState.choose_upload(s.key), id="upload-" + s.key),
                rx.cond(s.wallet & (ApplyState.wallet.length() > 0),
                        rx.el.select(
                            rx.el.option(t("apply.reuse"), value=""),
                            rx.foreach(ApplyState.wallet, lambda d: rx.el.option(d.label, value=d.value)),
                            value="", on_change=lambda value: ApplyState.reuse(s.key, value),
                            id="reuse-" + s.key, style={**SELECT_STYLE, "padding": "4px", "font_size": "13px"})),
                rx.cond(s.attached != "", rx.button(t("apply.remove"), size="1", variant="ghost", color_scheme="red",
                                                    on_click=ApplyState.detach(s.key))),
                spacing="1", align="end",
            ),
            justify="between", spacing="3", wrap="wrap",
        ),
        padding="12px", border="1px solid #e3e8f0", border_radius="8px", width="100%", class_name="doc-slot",
    )


def upload_zone(state, upload_id: str) -> rx.Component:
    """Where the file for the chosen requirement is dropped (one file, PDF/JPEG/PNG)."""
    return rx.cond(
        state.upload_item != "",
        card(
            rx.text(t("apply.upload_for"), " ", rx.text.strong(state.upload_label), size="2"),
            rx.upload(
                rx.vstack(rx.icon("file-up", size=22), rx.text(t("apply.choose_file"), size="2"),
                          rx.foreach(rx.selected_files(upload_id), lambda f: rx.text(f, size="1", weight="bold")),
                          align="center", spacing="1"),
                id=upload_id, multiple=False, max_files=1, accept=UPLOAD_ACCEPT, max_size=MAX_FILE_BYTES,
                border="2px dashed #9fb3d9", padding="20px", border_radius="10px", width="100%",
            ),
            rx.button(t("apply.upload_send"), size="2", style=PRIMARY, margin_top="8px", id=upload_id + "-send",
                      on_click=state.upload(rx.upload_files(upload_id=upload_id))),
            id=upload_id + "-zone",
        ),
    )


def _documents_step() -> rx.Component:
    return rx.vstack(
        card(rx.vstack(rx.foreach(ApplyState.slots, _slot), spacing="2", width="100%")),
        upload_zone(ApplyState, "apply-upload"),
        rx.hstack(
            rx.button(t("apply.back"), variant="soft", on_click=ApplyState.go_to("0"), id="apply-back-data"),
            rx.button(t("apply.to_review"), style=PRIMARY, on_click=ApplyState.go_to("2"), id="apply-to-review"),
            spacing="3",
        ),
        spacing="3", width="100%",
    )


def _review_rows(rows) -> rx.Component:
    return rx.vstack(
        rx.foreach(rows, lambda r: rx.flex(
            rx.text(r.label, size="2", color=MUTED, min_width="200px"), rx.text(r.value, size="2", weight="medium"),
            spacing="3", wrap="wrap", padding_y="4px", border_bottom="1px solid #eef1f6", width="100%")),
        spacing="0", width="100%",
    )


def _review_step() -> rx.Component:
    return rx.vstack(
        card(
            rx.heading(t("apply.review_title"), size="4", margin_bottom="8px"),
            _review_rows(ApplyState.review),
            rx.cond(ApplyState.fee_variants.length() > 0, rx.flex(
                rx.text(t("apply.fee_variant"), as_="label", html_for="apply-fee-variant", size="2", color=MUTED,
                        min_width="200px"),
                rx.el.select(rx.foreach(ApplyState.fee_variants, lambda v: rx.el.option(v.label, value=v.value)),
                             value=ApplyState.fee_variant, on_change=ApplyState.pick_fee_variant,
                             id="apply-fee-variant", style={**SELECT_STYLE, "width": "auto"}),
                spacing="3", padding_y="8px", align="center", wrap="wrap")),
            rx.flex(rx.text(t("apply.fee"), size="2", color=MUTED, min_width="200px"),
                    rx.text(ApplyState.fee, size="3", weight="bold", id="apply-fee"),
                    spacing="3", padding_y="8px"),
            rx.text(t("apply.fee_note"), size="1", color=MUTED),
        ),
        rx.hstack(
            rx.button(t("apply.back"), variant="soft", on_click=ApplyState.go_to("1"), id="apply-back-documents"),
            rx.button(rx.cond(ApplyState.submitting, t("apply.submitting"), t("apply.submit")), size="3",
                      on_click=ApplyState.submit, loading=ApplyState.submitting, id="apply-submit",
                      disabled=ApplyState.submitting | ~rx.State.is_hydrated | ~ApplyState.verified, style=PRIMARY),
            spacing="3",
        ),
        spacing="3", width="100%",
    )


def apply_page() -> rx.Component:
    """/permohonan/baru/[layanan]: data -> documents -> review -> submit."""
    s = ApplyState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("apply.back_service")),
                        href="/layanan/" + s.service_slug, size="2"),
                rx.heading(t("apply.title"), " ", s.service_name, size="7", id="apply-title"),
                rx.text(s.agency_name, " · ", t("std.duration"), ": ", s.duration, color=MUTED, size="2"),
                rx.text(t("apply.intro"), size="2", color=MUTED),
                rx.cond(~s.verified, rx.callout(t("apply.unverified"), icon="mail-warning", color_scheme="amber",
                                                width="100%", id="apply-unverified")),
                notice(s.error, "red", "apply-error"),
                notice(s.notice, "green", "apply-notice"),
                _steps(),
                _site_picker(),
                rx.match(s.step, (0, _data_step()), (1, _documents_step()), _review_step()),
                spacing="4", width="100%",
            ),
            _not_found("apply.not_found", s.problem, "common.back_catalog", routes.CATALOG, "apply-not-found"),
        ),
        width="860px",
    )


# --------------------------------------------------------------------------- /permohonan


def _status_badge(label, waits, is_open) -> rx.Component:
    return rx.badge(label, size="2", color_scheme=rx.cond(waits, "amber", rx.cond(is_open, "blue", "gray")))


def my_applications_page() -> rx.Component:
    """/permohonan: every application of the signed-in citizen."""
    s = MyApplicationsState
    return page(
        rx.heading(t("page.applications"), size="7"),
        rx.text(t("myapp.intro"), size="2", color=MUTED, margin_y="8px"),
        rx.cond(
            s.applications.length() > 0,
            rx.vstack(
                rx.foreach(s.applications, lambda a: card(
                    rx.flex(
                        rx.vstack(
                            rx.link(rx.text(a.tracking_number, weight="bold", size="3"), href=a.href,
                                    class_name="application-link"),
                            rx.text(a.service, size="2"),
                            rx.text(a.site, " · ", t("myapp.submitted"), " ", a.submitted, size="1", color=MUTED),
                            spacing="1", align="start",
                        ),
                        rx.vstack(
                            _status_badge(a.state, a.waits, a.open),
                            rx.cond(a.open, rx.text(t("myapp.deadline"), " ", a.due, size="1")),
                            rx.cond(a.left != "", rx.text(a.left, size="1", color=MUTED)),
                            spacing="1", align="end",
                        ),
                        justify="between", wrap="wrap", spacing="3",
                    ),
                    class_name="application-row",
                )),
                spacing="2", width="100%", id="my-applications",
            ),
            rx.cond(s.loaded, card(rx.text(t("myapp.empty"), size="2"),
                                   rx.link(t("nav.catalog"), href=routes.CATALOG, size="2"), id="my-applications-empty")),
        ),
    )


# --------------------------------------------------------------------------- /permohonan/[nomor]


def _timeline() -> rx.Component:
    return card(
        rx.heading(t("myapp.timeline"), size="4", margin_bottom="8px"),
        rx.vstack(
            rx.foreach(ApplicationState.timeline, lambda e: rx.hstack(
                rx.box(width="10px", height="10px", border_radius="999px", bg=NAVY, margin_top="6px",
                       flex_shrink="0"),
                rx.vstack(
                    rx.text(e.title, weight="bold", size="2"),
                    rx.text(e.at, " · ", e.who, size="1", color=MUTED),
                    rx.cond(e.text != "", rx.text(e.text, size="2")),
                    rx.cond(e.note != "", rx.blockquote(e.note, size="2")),
                    spacing="1", align="start",
                ),
                spacing="3", align="start", class_name="timeline-entry",
            )),
            spacing="3", width="100%", id="application-timeline",
        ),
    )


def _fix_section() -> rx.Component:
    s = ApplicationState
    return card(
        rx.heading(t("myapp.fix_title"), size="4", margin_bottom="4px"),
        rx.callout(s.return_note, icon="message-square-warning", color_scheme="amber", id="return-note",
                   width="100%"),
        rx.text(t("myapp.fix_intro"), size="2", color=MUTED, margin_y="8px"),
        rx.cond(s.fix_fields.length() > 0, rx.form(
            rx.vstack(rx.foreach(s.fix_fields, _field_input),
                      rx.button(t("myapp.fix_save"), type="submit", variant="surface", id="fix-save"),
                      spacing="3", width="100%", align="stretch"),
            on_submit=ApplicationState.save_fix, reset_on_submit=False, id="fix-form")),
        rx.vstack(
            rx.foreach(s.fix_slots, lambda d: rx.flex(
                rx.vstack(rx.text(d.label, size="2", weight="medium"),
                          rx.text(d.attached, size="1", color=MUTED), spacing="0", align="start"),
                rx.button(rx.icon("upload", size=14), t("myapp.replace"), size="1", variant="surface",
                          on_click=ApplicationState.choose_upload(d.key), id="replace-" + d.key),
                justify="between", width="100%", padding_y="6px", border_bottom="1px solid #eef1f6")),
            spacing="0", width="100%", margin_top="8px",
        ),
        upload_zone(ApplicationState, "fix-upload"),
        rx.button(t("myapp.resubmit"), size="3", style=PRIMARY, margin_top="12px", id="resubmit",
                  on_click=ApplicationState.resubmit, loading=s.busy, disabled=s.busy | ~rx.State.is_hydrated),
    )


def application_page() -> rx.Component:
    """/permohonan/[nomor]: status, deadline, working days left, note and fix, cancel, download."""
    s = ApplicationState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("page.applications")), href=routes.APPLICATIONS,
                        size="2"),
                rx.flex(rx.heading(s.tracking_number, size="7", id="tracking-number"),
                        _status_badge(s.state_label, s.waits, s.open), spacing="3", align="center", wrap="wrap"),
                rx.text(s.service, " · ", s.site, color=MUTED),
                notice(s.error, "red", "application-error"),
                notice(s.notice, "green", "application-notice"),
                card(
                    rx.text(s.state_text, size="3", id="state-text"),
                    rx.cond(s.open,
                            rx.vstack(
                                rx.text(t("myapp.deadline"), " ", rx.text.strong(s.due), size="3", id="deadline"),
                                rx.text(s.left, size="2", color=MUTED, id="days-left"),
                                rx.cond(s.waits, rx.text(t("myapp.paused"), size="1", color="#a15c00")),
                                spacing="1", margin_top="8px"),
                            rx.text(s.decided, size="2", color=MUTED, margin_top="8px")),
                    rx.flex(rx.text(t("apply.fee"), size="2", color=MUTED), rx.text(s.fee, size="2", weight="bold"),
                            spacing="2", margin_top="8px"),
                    rx.cond(s.output_href != "", rx.vstack(
                        rx.link(rx.button(rx.icon("download", size=16), t("myapp.download"), size="3", style=PRIMARY),
                                href=s.output_href, id="download-output", is_external=True),
                        rx.text(t("myapp.output_code"), " ", rx.code(s.output_code), size="1", color=MUTED),
                        spacing="1", margin_top="12px")),
                    rx.cond(s.survey_href != "",  # the SKM survey, optional (issue 14)
                            rx.link(rx.button(rx.icon("star", size=14), t("survey.link"), variant="soft"),
                                    href=s.survey_href, id="application-survey", margin_top="12px")),
                ),
                rx.cond(s.waits, _fix_section()),
                _timeline(),
                card(rx.heading(t("myapp.answers"), size="4", margin_bottom="8px"), _review_rows(s.answers),
                     rx.heading(t("myapp.documents"), size="4", margin_y="8px"),
                     rx.vstack(rx.foreach(s.attached, lambda d: rx.flex(
                         rx.text(d.label, size="2", color=MUTED, min_width="200px"),
                         rx.link(d.name, href=d.href, size="2", is_external=True, class_name="attached-document"),
                         spacing="3", wrap="wrap", padding_y="4px", border_bottom="1px solid #eef1f6", width="100%")),
                         spacing="0", width="100%")),
                rx.cond(s.actions.length() > 0, rx.hstack(
                    rx.foreach(s.actions, lambda a: rx.button(a.label, variant="soft", color_scheme="red",
                                                              on_click=ApplicationState.take(a.key),
                                                              disabled=s.busy, id="action-" + a.key)),
                    spacing="2")),
                spacing="4", width="100%",
            ),
            _not_found("myapp.not_found", s.problem, "page.applications", routes.APPLICATIONS,
                       "application-not-found"),
        ),
        width="860px",
    )


# --------------------------------------------------------------------------- /notifikasi


def notifications_page() -> rx.Component:
    """/notifikasi: the notices of the signed-in person."""
    s = NotificationsState
    return page(
        rx.flex(rx.heading(t("page.notifications"), size="7"),
                rx.button(t("notif.mark_all"), variant="soft", size="1", on_click=s.mark_all_read, id="mark-all-read"),
                justify="between", align="center", wrap="wrap", width="100%"),
        rx.cond(
            s.notices.length() > 0,
            rx.vstack(
                rx.foreach(s.notices, lambda n: rx.box(
                    rx.text(n.text, size="2", weight=rx.cond(n.unread, "bold", "regular")),
                    rx.text(n.at, size="1", color=MUTED),
                    on_click=s.open_notice(n.id), cursor="pointer", padding="12px", width="100%",
                    border="1px solid #e3e8f0", border_radius="8px",
                    bg=rx.cond(n.unread, "#f2f6ff", "white"), class_name="notice-row",
                )),
                spacing="2", width="100%", margin_top="12px", id="notices",
            ),
            rx.cond(s.loaded, card(rx.text(t("notif.empty"), size="2"), id="notices-empty", margin_top="12px")),
        ),
        width="860px",
    )
