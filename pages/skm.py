"""The SKM survey (issue 14): the citizen's questionnaire /survei/[survey_ref] and the SKM
section shown on both dashboards."""

import reflex as rx

from components.dashboard import header_cell
from components.i18n import t
from components.layout import NAVY, card, notice, page
from mpp_digital import routes
from state.lang import LangState
from state.skm import SARAN_MAX
from state.skm import SkmDashboardState as S
from state.skm import SurveyState as Q

MUTED = "#5b6478"


def _in_lang(row, key: str):
    """``row[key_en]`` for an English reader, else ``row[key_id]``."""
    return rx.cond(LangState.lang == "en", row[f"{key}_en"], row[f"{key}_id"])


def _question(item) -> rx.Component:
    def choice(score: int) -> rx.Component:
        return rx.el.label(
            rx.el.input(type="radio", name=item["key"], value=str(score), required=True,
                        id=f"{item['key']}-{score}", custom_attrs={"data-score": str(score)}),
            rx.text(_in_lang(item, f"a{score}"), size="2", as_="span"),
            style={"display": "flex", "gap": "8px", "align_items": "center", "cursor": "pointer",
                   "padding": "6px 10px", "border": "1px solid #e3e8f0", "border_radius": "8px"},
        )

    return rx.box(
        rx.text(item["number"], ". ", _in_lang(item, "name"), weight="bold", size="2", color=NAVY),
        rx.text(_in_lang(item, "question"), size="3", margin_y="6px"),
        rx.flex(choice(1), choice(2), choice(3), choice(4), wrap="wrap", spacing="2"),
        rx.cond(Q.field_errors.contains(item["key"]),
                rx.text(Q.field_errors[item["key"]], color="red", size="1")),
        class_name="survey-question", margin_bottom="14px",
    )


def _profile_select(field: str, label_key: str) -> rx.Component:
    return rx.vstack(
        rx.text(t(label_key), size="1", color=MUTED),
        rx.el.select(
            rx.el.option(t("survey.choose"), value=""),
            rx.foreach(Q.options[field], lambda o: rx.el.option(_in_lang(o, "label"), value=o["value"])),
            name=field, id=f"survey-{field}",
            style={"padding": "6px", "border": "1px solid #cfd6e4", "border_radius": "6px", "min_width": "180px"},
        ),
        spacing="1",
    )


def survey_page() -> rx.Component:
    """/survei/[survey_ref]."""
    return page(
        rx.heading(t("survey.title"), size="7", id="survey-title"),
        rx.cond(Q.service != "", rx.text(Q.service, " · ", Q.site, size="3", weight="medium", id="survey-visit")),
        rx.text(t("survey.lead"), size="2", color=MUTED, margin_y="8px"),
        notice(Q.error, "red", "survey-error"),
        rx.cond(Q.done, rx.callout(t("survey.thanks"), icon="circle-check", color_scheme="green", id="survey-thanks")),
        rx.cond(
            Q.answered & ~Q.done,
            rx.callout(t("survey.already"), icon="info", color_scheme="blue", id="survey-answered"),
        ),
        rx.cond(
            (Q.service != "") & ~Q.answered,
            card(rx.form(
                rx.foreach(Q.items, _question),
                rx.heading(t("survey.profile.title"), size="3", margin_top="10px", margin_bottom="6px"),
                rx.flex(_profile_select("sex", "skm.profile.sex"), _profile_select("age_band", "skm.profile.age_band"),
                        _profile_select("education", "skm.profile.education"),
                        _profile_select("occupation", "skm.profile.occupation"), wrap="wrap", spacing="3"),
                rx.text(t("survey.saran.label"), size="2", weight="medium", margin_top="14px"),
                rx.text_area(name="saran", id="survey-saran", max_length=SARAN_MAX, rows="4", width="100%"),
                rx.text(t("survey.saran.help", maximum=SARAN_MAX), size="1", color=MUTED),
                rx.button(t("survey.submit"), type="submit", size="3", margin_top="14px", id="survey-submit",
                          disabled=~rx.State.is_hydrated, style={"background": f"{NAVY} !important",
                                                                 "color": "white !important"}),
                on_submit=Q.submit, reset_on_submit=False,
            )),
        ),
        rx.link(t("queue.mine.title"), href=routes.QUEUE_MINE, size="2", margin_top="16px", display="block"),
        width="820px",
    )


# --------------------------------------------------------------------------- dashboards


def _unit_table(rows, test_id: str) -> rx.Component:
    def row(r) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.text(r["name"], weight="medium"), rx.text(r["site"], size="1", color=MUTED)),
            rx.table.cell(r["n"], class_name="skm-n"),
            rx.table.cell(r["minimum"]),
            rx.table.cell(rx.cond(r["sufficient"] != "", rx.text(r["ikm"], weight="bold", class_name="skm-ikm"),
                                  rx.vstack(rx.text(r["ikm"], class_name="skm-ikm"),
                                            rx.badge(t("skm.sample.short"), color_scheme="amber",
                                                     class_name="skm-short"), spacing="1"))),
            rx.table.cell(rx.badge(r["mutu"], color_scheme=rx.match(r["mutu"], ("A", "green"), ("B", "blue"),
                                                                    ("C", "amber"), "red"))),
            rx.table.cell(r["straight"]),
            rx.table.cell(r["weakest"], max_width="240px"),
            rx.table.cell(rx.hstack(
                rx.link("PDF", href=r["pdf"], reload_document=True, class_name="skm-pdf"),
                rx.link("CSV", href=r["csv"], reload_document=True, class_name="skm-csv"), spacing="2")),
            class_name=test_id + "-row",
        )

    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(
            header_cell("skm.col.unit"), header_cell("skm.col.n"), header_cell("skm.col.minimum"),
            header_cell("skm.col.ikm"), header_cell("skm.col.mutu"), header_cell("skm.col.straight"),
            header_cell("skm.col.weakest"), header_cell("skm.col.report"))),
        rx.table.body(rx.foreach(rows, row)),
        size="1", variant="surface", width="100%", id=test_id), overflow_x="auto", max_height="420px",
        overflow_y="auto")


def _level_table() -> rx.Component:
    def row(r) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.text(r["name"], weight="medium"), rx.text(r["region"], size="1", color=MUTED)),
            rx.table.cell(r["n"]), rx.table.cell(r["minimum"]),
            rx.table.cell(r["ikm"], rx.cond(r["sufficient"] == "", rx.badge(t("skm.sample.short"),
                                                                             color_scheme="amber", margin_left="6px"))),
            rx.table.cell(r["mutu"]), rx.table.cell(r["straight"]), rx.table.cell(r["weakest"]),
            class_name="skm-level-row",
        )

    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(""), header_cell("skm.col.n"), header_cell("skm.col.minimum"),
            header_cell("skm.col.ikm"), header_cell("skm.col.mutu"), header_cell("skm.col.straight"),
            header_cell("skm.col.weakest"))),
        rx.table.body(rx.foreach(S.levels, row)),
        size="1", variant="surface", width="100%", id="skm-levels"), overflow_x="auto", max_height="320px",
        overflow_y="auto")


def skm_section() -> rx.Component:
    """IKM from the survey table: the scope's IKM with n and the sample flag, the weakest unsur first,
    the straight-lining share, the units ranked (sufficient sample) and the units apart."""
    tot = S.total
    return card(
        rx.flex(
            rx.vstack(rx.heading(t("skm.dash.title"), size="4", id="skm-title"),
                      rx.text(t("skm.dash.lead"), size="1", color=MUTED), spacing="1", max_width="640px"),
            rx.hstack(
                rx.text(t("skm.dash.period"), size="2", color=MUTED),
                rx.el.select(rx.foreach(S.period_options, lambda p: rx.el.option(p["label"], value=p["code"])),
                             value=S.period, on_change=S.choose_period, id="skm-period",
                             style={"padding": "6px", "border": "1px solid #cfd6e4", "border_radius": "6px"}),
                align="center", spacing="2",
            ),
            justify="between", wrap="wrap", spacing="3", width="100%",
        ),
        notice(S.error, "red", "skm-error"),
        rx.cond(~S.has_data, rx.callout(t("skm.dash.no_data"), icon="info", margin_top="10px")),
        rx.cond(S.has_data, rx.vstack(
            rx.flex(
                rx.vstack(rx.text(S.scope_name, size="1", color=MUTED),
                          rx.hstack(rx.text(tot["ikm"], size="8", weight="bold", color=NAVY, id="skm-total-ikm"),
                                    rx.badge(tot["mutu"], size="3", id="skm-total-mutu"), align="center"),
                          spacing="0"),
                rx.vstack(rx.text(t("skm.col.n"), size="1", color=MUTED),
                          rx.text(tot["n"], " / ", tot["minimum"], size="5", weight="bold", id="skm-total-n"),
                          rx.cond(tot["sufficient"] == "",
                                  rx.badge(t("skm.sample.short"), color_scheme="amber", id="skm-total-short")),
                          spacing="1"),
                rx.vstack(rx.text(t("skm.col.straight"), size="1", color=MUTED),
                          rx.text(tot["straight"], size="5", weight="bold", id="skm-total-straight"), spacing="0"),
                spacing="7", wrap="wrap", align="start",
            ),
            rx.heading(t("skm.dash.unsur_title"), size="3", margin_top="8px"),
            rx.flex(rx.foreach(S.unsur_rows, lambda u: rx.badge(u["code"], " ", u["name"], ": ", u["nrr"],
                                                                variant="soft", class_name="skm-unsur")),
                    wrap="wrap", spacing="2", id="skm-unsur"),
            rx.heading(t("skm.dash.levels"), size="3", margin_top="8px"),
            _level_table(),
            rx.heading(t("skm.dash.ranked"), " (", S.counts["ranked"], ")", size="3", margin_top="8px"),
            rx.cond(S.units.length() > 0, _unit_table(S.units, "skm-units"),
                    rx.text(t("skm.dash.none_ranked"), size="2", color=MUTED, id="skm-none-ranked")),
            rx.heading(t("skm.dash.short_title"), " (", S.counts["short"], ")", size="3", margin_top="8px"),
            rx.cond(S.units_short.length() > 0, _unit_table(S.units_short, "skm-short-units")),
            rx.text(t("skm.dash.silent"), ": ", S.counts["silent"], ". ", t("skm.dash.capped"), " ",
                    S.counts["shown"], ".", size="1", color=MUTED, id="skm-silent"),
            spacing="2", width="100%", margin_top="10px",
        )),
    )
