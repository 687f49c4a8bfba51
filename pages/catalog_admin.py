"""Staff editors: /admin/mpp (site_admin) and /admin/katalog (ministry)."""

import reflex as rx

from components.forms import submit_button
from components.i18n import t
from components.layout import card, notice, page
from mpp_digital.models import WEEKDAYS
from state.catalog_admin import DOC_KINDS, ITEM_TYPES, CatalogAdminState, SiteAdminState
from state.kiosk_admin import KioskDevicesState

MUTED = "#5b6478"


def _error(errors, key: str) -> rx.Component:
    return rx.cond(errors.get(key, "") != "", rx.text(errors.get(key, ""), size="1", color="#c0262d",
                                                      id=f"error-{key.replace('.', '-')}"))


def _hours_form() -> rx.Component:
    s = SiteAdminState
    return card(
        rx.heading(t("site.hours"), size="4"),
        rx.text(t("siteadmin.hours_help"), size="1", color=MUTED, margin_bottom="8px"),
        rx.form(
            rx.vstack(
                *[rx.vstack(
                    rx.flex(rx.text(t(f"weekday.{day}"), size="2", min_width="80px"),
                            rx.input(name=day, id=f"hours-{day}", default_value=s.hours_text.get(day, ""),
                                     key=s.site_id + s.hours_text.get(day, ""), flex="1"),
                            spacing="2", align="center", width="100%"),
                    _error(s.errors, f"hours.{day}"), width="100%", spacing="1")
                  for day in WEEKDAYS],
                submit_button("siteadmin.save_hours", "hours-submit"),
                spacing="2", width="100%",
            ),
            on_submit=s.save_hours, reset_on_submit=False,
        ),
    )


def _closures() -> rx.Component:
    s = SiteAdminState
    return card(
        rx.heading(t("site.closures"), size="4", margin_bottom="8px"),
        rx.foreach(s.closures, lambda c: rx.flex(
            rx.text(c.day, " · ", c.reason, size="2"),
            rx.button(t("siteadmin.remove"), size="1", variant="soft", color_scheme="red",
                      on_click=SiteAdminState.remove_closure(c.id)),
            justify="between", width="100%", padding_y="4px")),
        rx.form(
            rx.flex(rx.input(name="day", type="date", id="closure-day"),
                    rx.input(name="reason", placeholder=t("siteadmin.reason"), id="closure-reason", flex="1"),
                    rx.button(t("siteadmin.add_closure"), type="submit", id="closure-submit"),
                    spacing="2", wrap="wrap", width="100%", margin_top="8px"),
            on_submit=s.add_closure, reset_on_submit=True,
        ),
        _error(s.errors, "day"), _error(s.errors, "reason"),
    )


def _counters() -> rx.Component:
    s = SiteAdminState
    return card(
        rx.heading(t("site.agencies"), size="4", margin_bottom="8px"),
        rx.form(
            rx.vstack(
                rx.foreach(s.counters, lambda c: rx.flex(
                    rx.text(c.name, size="2", flex="1"),
                    rx.input(name="counters-" + c.agency_id.to_string(), default_value=c.counters.to_string(),
                             width="80px", input_mode="numeric", key=s.site_id + c.agency_id.to_string()),
                    spacing="2", align="center", width="100%")),
                _error(s.errors, "counters"),
                submit_button("siteadmin.save", "counters-submit"),
                spacing="2", width="100%",
            ),
            on_submit=s.save_counters, reset_on_submit=False,
        ),
    )


def _offerings() -> rx.Component:
    s = SiteAdminState

    def toggle(o, channel: str):
        return rx.checkbox(checked=getattr(o, channel),
                           on_change=lambda v: SiteAdminState.toggle_channel(o.service_id, channel, v))

    return card(
        rx.heading(t("siteadmin.offerings"), size="4", margin_bottom="8px"),
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(t("page.service")),
                rx.table.column_header_cell(t("channel.direct")),
                rx.table.column_header_cell(t("channel.online")),
                rx.table.column_header_cell(t("channel.mobile")))),
            rx.table.body(rx.foreach(s.offerings, lambda o: rx.table.row(
                rx.table.cell(rx.text(o.name, size="2"), rx.text(o.agency, size="1", color=MUTED)),
                rx.table.cell(toggle(o, "direct")), rx.table.cell(toggle(o, "online")),
                rx.table.cell(toggle(o, "mobile"))))),
            size="1", width="100%",
        ),
    )


POLICY_FIELDS = ("slot_minutes", "minutes_per_ticket", "online_share", "mobile_share", "days_ahead",
                 "cutoff_minutes", "late_minutes")


def _policy() -> rx.Component:
    s = SiteAdminState
    return card(
        rx.heading(t("siteadmin.policy"), size="4", margin_bottom="4px"),
        rx.text(t("siteadmin.policy_help"), size="1", color=MUTED, margin_bottom="8px"),
        rx.flex(
            rx.text(t("siteadmin.policy_for"), size="2"),
            rx.select.root(
                rx.select.trigger(id="policy-target"),
                rx.select.content(
                    rx.select.item(t("siteadmin.policy_site"), value="site"),
                    rx.foreach(s.policy_services, lambda p: rx.select.item(p["name"], value=p["id"])),
                ),
                value=rx.cond(s.policy_target == "", "site", s.policy_target), on_change=s.choose_policy_target,
            ),
            spacing="2", align="center", wrap="wrap", margin_bottom="8px",
        ),
        rx.cond(~s.policy_own, rx.text(rx.cond(s.policy_target == "", t("siteadmin.policy_defaults"),
                                               t("siteadmin.policy_inherits")),
                                       size="1", color=MUTED, id="policy-inherits", margin_bottom="8px")),
        rx.form(
            rx.grid(
                *(rx.vstack(
                    rx.text(t(f"policy.{name}"), size="1"),
                    rx.input(name=name, id=f"policy-{name}", default_value=s.policy_values.get(name, ""),
                             input_mode="numeric", key=s.site_id + s.policy_target + name + s.policy_values.get(name, "")),
                    _error(s.policy_errors, name),
                    spacing="1", width="100%") for name in POLICY_FIELDS),
                columns=rx.breakpoints(initial="1", sm="2", md="4"), spacing="3", width="100%",
            ),
            rx.flex(
                rx.box(submit_button("siteadmin.save", "policy-submit"), width="200px"),
                rx.cond(s.policy_own & (s.policy_target != ""),
                        rx.button(t("siteadmin.policy_remove"), type="button", variant="soft", size="3",
                                  id="policy-remove", on_click=s.remove_policy_override)),
                spacing="3", margin_top="12px", wrap="wrap",
            ),
            on_submit=s.save_policy, reset_on_submit=False,
        ),
        notice(s.policy_notice, "green", "policy-notice"),
    )


def _kiosk_row(k) -> rx.Component:
    status = rx.match(k.status, ("paired", t("kiosk.status.paired")), ("waiting", t("kiosk.status.waiting")),
                      ("expired", t("kiosk.status.expired")), t("kiosk.status.revoked"))
    return rx.table.row(
        rx.table.cell(k.name), rx.table.cell(status), rx.table.cell(k.last_seen),
        rx.table.cell(rx.cond(k.active, rx.button(t("kiosk.revoke"), size="1", variant="soft", color_scheme="red",
                                                  on_click=KioskDevicesState.revoke(k.id), class_name="kiosk-revoke"))),
        class_name="kiosk-row",
    )


def _kiosks() -> rx.Component:
    k = KioskDevicesState
    return card(
        rx.heading(t("kiosk.admin_title"), size="4", margin_bottom="4px"),
        rx.text(t("kiosk.admin_help"), size="1", color=MUTED, margin_bottom="8px"),
        rx.form(
            rx.flex(rx.input(name="name", id="kiosk-name", placeholder=t("kiosk.name"), flex="1", max_length=80),
                    rx.button(t("kiosk.add"), type="submit", id="kiosk-add"), spacing="2", width="100%"),
            on_submit=k.start_pairing, reset_on_submit=True,
        ),
        notice(k.error, "red", "kiosk-admin-error"),
        notice(k.notice, "green", "kiosk-admin-notice"),
        rx.cond(k.pairing_name != "", rx.callout.root(
            rx.callout.text(t("kiosk.code_for"), " ", rx.text.strong(k.pairing_name)),
            rx.text("", size="8", weight="bold", id="kiosk-pairing-code",  # filled by a script, never a var
                    style={"letter_spacing": "4px", "font_family": "monospace"}),
            rx.callout.text(t("kiosk.code_help")),
            rx.button(t("kiosk.code_done"), size="1", variant="outline", on_click=k.hide_code, id="kiosk-code-done",
                      width="fit-content"),
            color_scheme="blue", margin_top="8px",
        )),
        rx.cond(k.kiosks.length() == 0, rx.text(t("kiosk.none"), size="2", color=MUTED, margin_top="8px"),
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(t("kiosk.name")), rx.table.column_header_cell(t("kiosk.status")),
                        rx.table.column_header_cell(t("kiosk.last_seen")), rx.table.column_header_cell(""))),
                    rx.table.body(rx.foreach(k.kiosks, _kiosk_row)),
                    width="100%", margin_top="8px", id="kiosk-table")),
    )


def site_admin_page() -> rx.Component:
    """/admin/mpp."""
    s = SiteAdminState
    return page(
        rx.heading(t("siteadmin.title"), size="7"),
        rx.cond(
            s.sites.length() == 0,
            rx.callout(t("siteadmin.none"), icon="info"),
            rx.vstack(
                rx.flex(
                    rx.heading(s.site_name, size="5", id="siteadmin-site"),
                    rx.cond(s.sites.length() > 1, rx.select.root(
                        rx.select.trigger(),
                        rx.select.content(rx.foreach(s.sites, lambda c: rx.select.item(c.name, value=c.id))),
                        value=s.site_id, on_change=s.choose_site)),
                    spacing="3", align="center", wrap="wrap",
                ),
                notice(s.notice, "green", "siteadmin-notice"),
                rx.grid(
                    rx.vstack(_hours_form(), _closures(), spacing="4", width="100%"),
                    _counters(),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
                ),
                _offerings(),
                _policy(),
                _kiosks(),
                spacing="4", width="100%",
            ),
        ),
    )


def _text_field(name: str, label_key: str, multiline: bool = False, help_key: str | None = None) -> rx.Component:
    c = CatalogAdminState
    control = (rx.text_area(name=name, id=f"svc-{name}", default_value=c.form.get(name, ""), rows="4",
                            key=c.form_version.to_string() + name, width="100%")
               if multiline else
               rx.input(name=name, id=f"svc-{name}", default_value=c.form.get(name, ""),
                        key=c.form_version.to_string() + name, width="100%"))
    parts = [rx.text(t(label_key), size="2", weight="medium"), control]
    if help_key:
        parts.append(rx.text(t(help_key), size="1", color=MUTED))
    parts.append(_error(c.errors, name))
    return rx.vstack(*parts, spacing="1", width="100%")


def _item_input(row, index, field: str, label_key: str, **props) -> rx.Component:
    c = CatalogAdminState
    return rx.vstack(
        rx.text(t(label_key), size="1", color=MUTED),
        rx.input(default_value=getattr(row, field), key=c.form_version.to_string() + "-" + index.to_string() + "-"
                 + row.key + "-" + field, on_blur=lambda v: c.set_item_field(index, field, v),
                 class_name=f"item-{field}", width="100%", **props),
        spacing="1", width="100%",
    )


def _item_switch(row, index, field: str, label_key: str) -> rx.Component:
    return rx.hstack(
        rx.switch(checked=getattr(row, field), on_change=lambda on: CatalogAdminState.set_item_flag(index, field, on),
                  class_name=f"item-{field}"),
        rx.text(t(label_key), size="1"), align="center", spacing="2",
    )


def _item_row(row, index) -> rx.Component:
    """One requirement item with the fields of its type."""
    c = CatalogAdminState
    return rx.box(
        rx.flex(
            rx.badge(index + 1, variant="soft"),
            rx.select.root(
                rx.select.trigger(class_name="item-type"),
                rx.select.content(*[rx.select.item(t(f"req.type.{kind}"), value=kind) for kind in ITEM_TYPES]),
                value=row.type, on_change=lambda v: c.set_item_field(index, "type", v),
            ),
            rx.spacer(),
            rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="soft", type="button",
                           on_click=c.move_item(index, -1), aria_label=t("catadmin.up"), class_name="item-up"),
            rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="soft", type="button",
                           on_click=c.move_item(index, 1), aria_label=t("catadmin.down"), class_name="item-down"),
            rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="soft", color_scheme="red", type="button",
                           on_click=c.remove_item(index), aria_label=t("catadmin.remove_item"),
                           class_name="item-remove"),
            spacing="2", align="center", width="100%",
        ),
        rx.grid(
            _item_input(row, index, "key", "catadmin.item_key"),
            _item_input(row, index, "label", "catadmin.item_label"),
            _item_input(row, index, "label_en", "catadmin.item_label_en"),
            _item_input(row, index, "help", "catadmin.item_help"),
            _item_input(row, index, "help_en", "catadmin.item_help_en"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="2", width="100%", margin_y="6px",
        ),
        rx.flex(
            _item_switch(row, index, "required", "catadmin.item_required"),
            rx.cond(row.type == "document", _item_switch(row, index, "wallet", "catadmin.item_wallet")),
            rx.cond(row.type == "date", _item_switch(row, index, "not_future", "catadmin.item_not_future")),
            spacing="4", wrap="wrap",
        ),
        rx.cond(row.type == "document", rx.grid(
            rx.vstack(
                rx.text(t("catadmin.item_doc_kind"), size="1", color=MUTED),
                rx.select.root(
                    rx.select.trigger(class_name="item-doc_kind", width="100%"),
                    rx.select.content(*[rx.select.item(t(f"req.doc_kind.{kind}"), value=kind) for kind in DOC_KINDS]),
                    value=row.doc_kind, on_change=lambda v: c.set_item_field(index, "doc_kind", v),
                ),
                spacing="1", width="100%",
            ),
            _item_input(row, index, "accept", "catadmin.item_accept"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="2", width="100%", margin_top="6px",
        )),
        rx.cond(row.type == "text", rx.grid(
            _item_input(row, index, "max_length", "catadmin.item_max_length", input_mode="numeric"),
            _item_input(row, index, "pattern", "catadmin.item_pattern"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="2", width="100%", margin_top="6px",
        )),
        rx.cond(row.type == "choice", rx.vstack(
            rx.text(t("catadmin.item_choices"), size="1", color=MUTED),
            rx.text_area(default_value=row.choices, rows="3", width="100%", class_name="item-choices",
                         key=c.form_version.to_string() + "-" + index.to_string() + "-" + row.key + "-choices",
                         on_blur=lambda v: c.set_item_field(index, "choices", v)),
            spacing="1", width="100%", margin_top="6px",
        )),
        padding="10px", border="1px solid #e3e8f0", border_radius="8px", width="100%", class_name="item-row",
    )


def _standard_editor() -> rx.Component:
    """The online form's requirement items, and the workflow and fee schedule as JSON."""
    c = CatalogAdminState
    return rx.vstack(
        rx.text(t("catadmin.items"), size="2", weight="medium"),
        rx.text(t("catadmin.items_help"), size="1", color=MUTED),
        rx.foreach(c.items, _item_row),
        rx.flex(
            rx.text(t("catadmin.add_item"), size="1", color=MUTED),
            *[rx.button(t(f"req.type.{kind}"), size="1", variant="outline", type="button",
                        on_click=c.add_item(kind), class_name=f"add-item-{kind}") for kind in ITEM_TYPES],
            spacing="2", wrap="wrap", align="center",
        ),
        _error(c.errors, "requirement_items"),
        _text_field("workflow", "catadmin.workflow", True, "catadmin.workflow_help"),
        _text_field("fee_schedule", "catadmin.fee_schedule", True, "catadmin.fee_schedule_help"),
        spacing="2", width="100%",
    )


def catalog_admin_page() -> rx.Component:
    """/admin/katalog."""
    c = CatalogAdminState
    return page(
        rx.heading(t("catadmin.title"), size="7"),
        rx.text(t("catadmin.intro"), color=MUTED, margin_bottom="12px"),
        notice(c.notice, "green", "catadmin-notice"),
        rx.cond(~c.ready, rx.center(rx.spinner(size="3"), padding="40px")),
        rx.cond(c.ready, rx.grid(
            card(
                rx.flex(
                    rx.form(rx.flex(rx.input(name="pick", placeholder=t("catadmin.pick"), id="svc-pick"),
                                    rx.button(t("catadmin.load"), type="submit", id="svc-load"), spacing="2"),
                            on_submit=c.open_service, reset_on_submit=False),
                    rx.button(t("catadmin.new"), on_click=c.new_service, variant="outline"),
                    spacing="3", wrap="wrap", margin_bottom="8px",
                ),
                _error(c.errors, "pick"),
                rx.form(
                    rx.vstack(
                        rx.vstack(
                            rx.text(t("field.agency"), size="2", weight="medium"),
                            rx.select.root(
                                rx.select.trigger(width="100%", id="svc-agency"),
                                rx.select.content(rx.foreach(c.agencies, lambda a: rx.select.item(a.name, value=a.id))),
                                value=c.agency_id, on_change=c.set_agency,
                            ),
                            _error(c.errors, "agency_id"), spacing="1", width="100%",
                        ),
                        _text_field("name", "field.service_name"),
                        _text_field("slug", "field.slug"),
                        _text_field("aliases", "field.aliases"),
                        _text_field("summary", "field.summary"),
                        rx.grid(_text_field("fee_rupiah", "field.fee_rupiah"),
                                _text_field("duration_days", "field.duration_days"), columns="2", spacing="3",
                                width="100%"),
                        _text_field("requirements", "std.requirements", True, "catadmin.lines_help"),
                        _text_field("procedure", "std.procedure", True, "catadmin.lines_help"),
                        _text_field("product", "std.product"),
                        _text_field("complaint_handling", "std.complaint", True),
                        _text_field("legal_basis", "std.legal", True, "catadmin.lines_help"),
                        rx.hstack(rx.el.input(type="checkbox", name="requires_verified", id="svc-requires_verified",
                                              default_checked=c.form.get("requires_verified", "") == "1",
                                              key=c.form_version.to_string() + "requires_verified"),
                                  rx.text(t("std.requires_verified"), as_="label", html_for="svc-requires_verified",
                                          size="2"), align="center"),
                        _standard_editor(),
                        _error(c.errors, "form"),
                        submit_button("catadmin.save_draft", "svc-save"),
                        spacing="3", width="100%",
                    ),
                    on_submit=c.save_draft, reset_on_submit=False,
                ),
            ),
            rx.vstack(
                card(
                    rx.heading(t("catadmin.drafts"), size="4", margin_bottom="8px"),
                    rx.foreach(c.drafts, lambda d: rx.flex(
                        rx.vstack(rx.text(d.name, size="2", weight="medium"),
                                  rx.text(d.kind, " · ", d.created, size="1", color=MUTED), spacing="0"),
                        rx.flex(rx.button(t("catadmin.publish"), size="1", on_click=c.publish(d.id),
                                          class_name="draft-publish"),
                                rx.button(t("catadmin.discard"), size="1", variant="soft", color_scheme="red",
                                          on_click=c.discard(d.id)), spacing="2"),
                        justify="between", width="100%", padding_y="6px", border_bottom="1px solid #eef1f6",
                        class_name="draft-row")),
                ),
                card(
                    rx.heading(t("catadmin.agencies"), size="4", margin_bottom="8px"),
                    rx.form(
                        rx.vstack(
                            rx.input(name="agency_name", placeholder=t("field.full_name")),
                            _error(c.errors, "agency_name"),
                            rx.input(name="agency_short", placeholder=t("field.short_name")),
                            _error(c.errors, "agency_short_name"),
                            rx.input(name="agency_slug", placeholder=t("field.slug")),
                            _error(c.errors, "agency_slug"),
                            rx.input(name="agency_letter", placeholder=t("field.letter"), max_length=1),
                            _error(c.errors, "agency_letter"),
                            rx.select(["daerah", "provinsi", "pusat", "bumn"], name="agency_level",
                                      default_value="daerah"),
                            rx.button(t("catadmin.save_agency"), type="submit"),
                            spacing="2", width="100%",
                        ),
                        on_submit=c.save_agency, reset_on_submit=True,
                    ),
                ),
                spacing="4", width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        )),
    )
