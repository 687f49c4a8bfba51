"""Public catalog pages: search, service standard, MPP directory and site, life events."""

import reflex as rx

from components.i18n import t
from components.layout import card, page
from mpp_digital import routes
from state.catalog import (
    ANY,
    CatalogState,
    LifeEventsState,
    ServicePageState,
    SiteDirectoryState,
    SitePageState,
)

MUTED = "#5b6478"


def _select(label_key: str, name: str, value, options, on_change, test_id: str, extra=None) -> rx.Component:
    items = [rx.select.item(t("catalog.any"), value=ANY), *(extra or [])]
    if options is not None:
        items.append(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value)))
    return rx.vstack(
        rx.text(t(label_key), size="1", color=MUTED, weight="medium"),
        rx.select.root(
            rx.select.trigger(width="100%", id=test_id),
            rx.select.content(*items),
            value=value, on_change=on_change, name=name,
        ),
        spacing="1", width="100%",
    )


def _fixed(label_key: str, value: str) -> rx.Component:
    return rx.select.item(t(label_key), value=value)


def _filters() -> rx.Component:
    return rx.grid(
        _select("catalog.filter.agency", "agency", CatalogState.agency, CatalogState.agencies,
                lambda v: CatalogState.set_filter("agency", v), "filter-agency"),
        _select("catalog.filter.province", "province", CatalogState.province, CatalogState.provinces,
                lambda v: CatalogState.set_filter("province", v), "filter-province"),
        _select("catalog.filter.site", "site", CatalogState.site, CatalogState.sites,
                lambda v: CatalogState.set_filter("site", v), "filter-site"),
        _select("catalog.filter.channel", "channel", CatalogState.channel, None,
                lambda v: CatalogState.set_filter("channel", v), "filter-channel",
                [_fixed("channel.direct", "direct"), _fixed("channel.online", "online"),
                 _fixed("channel.mobile", "mobile")]),
        _select("catalog.filter.fee", "fee", CatalogState.fee, None,
                lambda v: CatalogState.set_filter("fee", v), "filter-fee",
                [_fixed("fee.free", "free"), _fixed("fee.paid", "paid")]),
        _select("catalog.filter.life", "life_event", CatalogState.life_event, None,
                lambda v: CatalogState.set_filter("life_event", v), "filter-life",
                [_fixed(f"life.{e}.title", e) for e in
                 ("kelahiran", "pernikahan", "pindah-domisili", "kematian", "memulai-usaha")]),
        columns=rx.breakpoints(initial="2", md="3", lg="6"), spacing="3", width="100%",
    )


def _result(row) -> rx.Component:
    return rx.link(
        card(
            rx.flex(
                rx.vstack(
                    rx.text(row.name, weight="bold", size="3", color="#0b3d91"),
                    rx.text(row.agency, size="2", color=MUTED),
                    spacing="1",
                ),
                rx.vstack(
                    rx.badge(row.fee, color_scheme=rx.cond(row.free, "green", "amber"), size="2"),
                    rx.text(row.duration, size="1", color=MUTED),
                    align="end", spacing="1",
                ),
                justify="between", spacing="3", width="100%",
            ),
            rx.flex(rx.foreach(row.channels, lambda c: rx.badge(c, variant="soft")), spacing="2", margin_top="8px",
                    wrap="wrap"),
            class_name="service-result",
        ),
        href="/layanan/" + row.slug,
        underline="none",
        width="100%",
    )


def catalog_page() -> rx.Component:
    """/layanan."""
    return page(
        rx.heading(t("catalog.title"), size="7"),
        rx.text(t("catalog.intro"), color=MUTED, margin_bottom="16px"),
        rx.form(
            rx.flex(
                rx.input(name="q", id="catalog-q", placeholder=t("catalog.placeholder"), default_value=CatalogState.query,
                         key=CatalogState.query, size="3", flex="1", min_width="220px"),
                rx.button(rx.icon("search", size=16), t("catalog.search"), type="submit", size="3", id="catalog-submit"),
                spacing="2", width="100%", wrap="wrap",
            ),
            on_submit=CatalogState.search,
            reset_on_submit=False,
        ),
        rx.box(_filters(), margin_y="16px"),
        rx.cond(
            CatalogState.total > 0,
            rx.vstack(
                rx.text(CatalogState.total, " ", t("catalog.results"), size="2", color=MUTED, id="catalog-total"),
                rx.foreach(CatalogState.results, _result),
                rx.flex(
                    rx.button(t("catalog.prev"), on_click=CatalogState.go_to_page(CatalogState.page - 1),
                              disabled=CatalogState.page <= 1, variant="soft", id="page-prev"),
                    rx.text(CatalogState.page, " / ", CatalogState.pages, size="2"),
                    rx.button(t("catalog.next"), on_click=CatalogState.go_to_page(CatalogState.page + 1),
                              disabled=CatalogState.page >= CatalogState.pages, variant="soft", id="page-next"),
                    spacing="3", align="center", justify="center", width="100%",
                ),
                spacing="3", width="100%",
            ),
            rx.cond(
                CatalogState.searched,
                rx.callout(
                    rx.vstack(rx.text(t("catalog.no_results"), weight="bold"), rx.text(t("catalog.broaden")),
                              rx.button(t("catalog.reset"), on_click=CatalogState.clear, size="1", variant="outline")),
                    icon="search-x", color_scheme="amber", id="catalog-empty",
                ),
            ),
        ),
    )


def _section(title_key: str, *children, test_id: str = "") -> rx.Component:
    return card(rx.heading(t(title_key), size="4", margin_bottom="8px"), *children, id=test_id or None)


def _numbered(items) -> rx.Component:
    return rx.el.ol(rx.foreach(items, lambda i: rx.el.li(rx.text(i, size="2"), margin_bottom="4px")),
                    style={"padding_left": "1.2em", "margin": 0})


def _bulleted(items) -> rx.Component:
    return rx.el.ul(rx.foreach(items, lambda i: rx.el.li(rx.text(i, size="2"), margin_bottom="4px")),
                    style={"padding_left": "1.2em", "margin": 0})


def _not_found(title_key: str, body_key: str, back_key: str, href: str) -> rx.Component:
    return rx.center(
        card(
            rx.vstack(
                rx.icon("file-question", size=40, color="#0b3d91"),
                rx.heading(t(title_key), size="6", id="not-found"),
                rx.text(t(body_key), color=MUTED),
                rx.link(rx.button(t(back_key)), href=href),
                align="center", spacing="3",
            ),
            max_width="520px",
        ),
        padding_y="40px",
    )


def _fee_input(row) -> rx.Component:
    return rx.vstack(
        rx.text(row.label, size="1", color=MUTED, weight="medium"),
        rx.cond(
            row.kind == "choice",
            rx.select.root(
                rx.select.trigger(width="100%", id="fee-input-" + row.key),
                rx.select.content(rx.foreach(row.choices, lambda o: rx.select.item(o.label, value=o.value))),
                name=row.key,
            ),
            rx.input(name=row.key, input_mode="numeric", placeholder="Rp", id="fee-input-" + row.key, width="100%"),
        ),
        spacing="1", width="100%",
    )


def _fee_section() -> rx.Component:
    """The fee variants and rules of the standard, for the chosen MPP's regency, with an estimate form."""
    s = ServicePageState
    return _section(
        "fee.variants",
        rx.cond(
            s.fee_sites.length() > 1,
            rx.hstack(
                rx.text(t("catalog.filter.site"), size="2", color=MUTED),
                rx.select.root(
                    rx.select.trigger(id="fee-site", min_width="220px"),
                    rx.select.content(rx.foreach(s.fee_sites, lambda o: rx.select.item(o.label, value=o.value))),
                    value=s.fee_site, on_change=s.set_fee_site,
                ),
                align="center", spacing="2", margin_bottom="8px",
            ),
        ),
        rx.vstack(
            rx.foreach(s.fee_variants, lambda v: rx.box(
                rx.flex(rx.text(v.label, weight="bold", size="2"),
                        rx.text(v.total, weight="bold", size="2", class_name="fee-total"),
                        justify="between", spacing="3", width="100%"),
                _bulleted(v.parts),
                class_name="fee-variant", padding="8px", border="1px solid #eef1f6", border_radius="8px",
                width="100%",
            )),
            spacing="2", width="100%",
        ),
        rx.cond(
            s.fee_inputs.length() > 0,
            rx.form(
                rx.grid(rx.foreach(s.fee_inputs, _fee_input), columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="2", width="100%"),
                rx.button(t("fee.calculate"), type="submit", size="2", margin_top="8px", id="fee-estimate"),
                on_submit=s.estimate, reset_on_submit=False, margin_top="12px",
            ),
        ),
        rx.cond(s.fee_note != "", rx.text(s.fee_note, size="1", color=MUTED, margin_top="8px")),
        rx.text(t("fee.estimate_note"), size="1", color=MUTED),
        test_id="service-fees",
    )


def service_page() -> rx.Component:
    """/layanan/<slug>."""
    s = ServicePageState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("common.back_catalog")), href=routes.CATALOG,
                        size="2"),
                rx.heading(s.name, size="7", id="service-name"),
                rx.text(s.agency, color=MUTED),
                rx.text(s.summary, size="3"),
                rx.cond(s.apply_href != "", rx.link(rx.button(rx.icon("send", size=16), t("apply.cta"), size="3",
                                                              color_scheme="amber"),
                                                    href=s.apply_href, id="apply-online")),
                rx.grid(
                    card(rx.text(t("std.fee"), size="1", color=MUTED), rx.text(s.fee, size="5", weight="bold",
                                                                             id="service-fee")),
                    card(rx.text(t("std.duration"), size="1", color=MUTED), rx.text(s.duration, size="5",
                                                                                  weight="bold", id="service-duration")),
                    card(rx.text(t("service.channels"), size="1", color=MUTED),
                         rx.flex(rx.foreach(s.channels, lambda c: rx.badge(c, size="2")), spacing="2", wrap="wrap")),
                    columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
                ),
                rx.cond(s.requires_verified,
                        rx.callout(rx.hstack(rx.text(t("service.requires_verified")),
                                             rx.link(t("assurance.how_link"), href=routes.IDENTITY_HELP), wrap="wrap"),
                                   icon="shield-check", color_scheme="amber", id="service-requires-verified",
                                   width="100%")),
                rx.cond(s.fee_variants.length() > 0, _fee_section()),
                _section("std.requirements", _numbered(s.requirements), test_id="service-requirements"),
                rx.cond(s.online_documents.length() + s.online_fields.length() > 0, _section(
                    "std.online_items",
                    rx.text(t("std.online_documents"), size="2", weight="medium"),
                    _bulleted(s.online_documents),
                    rx.cond(s.online_fields.length() > 0, rx.vstack(
                        rx.text(t("std.online_fields"), size="2", weight="medium", margin_top="8px"),
                        _bulleted(s.online_fields), spacing="1", width="100%")),
                    test_id="service-online-items")),
                _section("std.procedure", _numbered(s.procedure)),
                _section("std.product", rx.text(s.product, size="2")),
                _section("std.complaint", rx.text(s.complaint_handling, size="2")),
                _section("std.legal", _bulleted(s.legal_basis)),
                _section(
                    "service.sites",
                    rx.grid(
                        rx.foreach(s.sites, lambda o: rx.box(
                            rx.link(rx.text(o.name, weight="medium", size="2"), href="/mpp/" + o.slug,
                                    underline="none"),
                            rx.text(o.regency, " · ", o.channels, size="1", color=MUTED),
                            rx.cond(o.booking != "", rx.link(rx.hstack(rx.icon("ticket", size=14),
                                                                       rx.text(t("service.book"), size="1")),
                                                             href=o.booking, class_name="book-link")),
                            rx.cond(o.apply != "", rx.link(rx.hstack(rx.icon("send", size=14),
                                                                     rx.text(t("apply.cta"), size="1")),
                                                           href=o.apply, class_name="apply-link")),
                            padding="8px", border="1px solid #eef1f6", border_radius="8px")),
                        columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="2", width="100%",
                    ),
                ),
                rx.text(t("std.note"), size="1", color=MUTED),
                spacing="4", width="100%",
            ),
            _not_found("service.not_found", "service.not_found_body", "common.back_catalog", routes.CATALOG),
        ),
    )


def sites_page() -> rx.Component:
    """/mpp: every site by province and regency."""
    d = SiteDirectoryState
    return page(
        rx.heading(t("sites.title"), size="7"),
        rx.flex(
            rx.form(
                rx.flex(rx.input(name="q", placeholder=t("sites.filter"), id="sites-q", min_width="240px"),
                        rx.button(t("catalog.search"), type="submit"), spacing="2"),
                on_submit=d.search, reset_on_submit=False,
            ),
            rx.select.root(
                rx.select.trigger(id="sites-province", min_width="220px"),
                rx.select.content(rx.select.item(t("catalog.any"), value=ANY),
                                  rx.foreach(d.provinces, lambda o: rx.select.item(o.label, value=o.value))),
                value=d.province, on_change=d.set_province,
            ),
            rx.text(d.count, " ", t("sites.count"), color=MUTED, size="2", id="sites-count"),
            spacing="3", wrap="wrap", align="center", margin_y="16px",
        ),
        rx.cond(d.count == 0, rx.callout(t("sites.none"), icon="map-pin-off", color_scheme="amber")),
        rx.vstack(
            rx.foreach(d.groups, lambda g: rx.vstack(
                rx.heading(g.province, size="4", color="#0b3d91", margin_top="12px"),
                rx.grid(
                    rx.foreach(g.sites, lambda site: rx.link(
                        card(rx.hstack(rx.text(site.name, weight="bold", size="2"),
                                       rx.cond(site.status != "", rx.badge(site.status, color_scheme="amber"))),
                             rx.text(site.regency, size="1", color=MUTED), rx.text(site.address, size="1"),
                             padding="12px"),
                        href="/mpp/" + site.slug, underline="none")),
                    columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="3", width="100%",
                ),
                width="100%",
            )),
            width="100%",
        ),
    )


def _offer_list(title_key: str, rows) -> rx.Component:
    return rx.vstack(
        rx.text(t(title_key), weight="bold", size="2"),
        rx.foreach(rows, lambda o: rx.flex(
            rx.link(o.name, href="/layanan/" + o.slug, size="2"),
            rx.cond(o.apply != "", rx.link(rx.badge(rx.icon("send", size=12), t("apply.cta"), color_scheme="amber"),
                                           href=o.apply, class_name="apply-link")),
            spacing="2", align="center", wrap="wrap")),
        spacing="1", align="start",
    )


def site_page() -> rx.Component:
    """/mpp/<slug>."""
    s = SitePageState
    return page(
        rx.cond(
            s.found,
            rx.vstack(
                rx.link(rx.hstack(rx.icon("arrow-left", size=14), t("common.back_sites")), href=routes.SITES, size="2"),
                rx.flex(
                    rx.heading(s.name, size="7", id="site-name"),
                    rx.badge(s.status, color_scheme=rx.cond(s.is_pilot, "amber", "green"), size="2"),
                    spacing="3", align="center", wrap="wrap",
                ),
                rx.text(s.address, " · ", s.regency, ", ", s.province, color=MUTED),
                rx.grid(
                    card(
                        rx.hstack(
                            rx.badge(rx.cond(s.open_now, t("site.open_now"), t("site.closed_now")),
                                     color_scheme=rx.cond(s.open_now, "green", "red"), size="2", id="site-open"),
                            rx.text(s.open_text, size="1", color=MUTED), align="center", wrap="wrap",
                        ),
                        rx.heading(t("site.hours"), size="4", margin_y="8px"),
                        rx.vstack(
                            rx.foreach(s.hours, lambda h: rx.flex(
                                rx.text(h.day, size="2", weight=rx.cond(h.today, "bold", "regular"), min_width="90px"),
                                rx.text(h.text, size="2", weight=rx.cond(h.today, "bold", "regular")),
                                spacing="3", class_name="hours-row",
                            )),
                            spacing="1", id="site-hours",
                        ),
                        rx.cond(s.closures.length() > 0, rx.vstack(
                            rx.text(t("site.closures"), size="2", weight="bold", margin_top="8px"),
                            rx.foreach(s.closures, lambda c: rx.text(c, size="1")), spacing="1")),
                    ),
                    card(
                        rx.vstack(
                            rx.text(t("site.population"), size="1", color=MUTED),
                            rx.text(s.population, " ", t("site.population_source"), size="3", weight="bold",
                                    id="site-population"),
                            rx.text(s.regency, size="1", color=MUTED),
                            rx.text(t("site.launched"), size="1", color=MUTED, margin_top="8px"),
                            rx.text(s.launched, size="3", weight="bold"),
                            spacing="1",
                        ),
                    ),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
                ),
                card(
                    rx.heading(t("site.agencies"), size="4", margin_bottom="8px"),
                    rx.grid(
                        rx.foreach(s.agencies, lambda a: rx.flex(
                            rx.text(a.name, size="2"),
                            rx.badge(a.counters, " ", t("site.counters"), variant="soft"),
                            justify="between", spacing="2", padding_y="4px", border_bottom="1px solid #eef1f6",
                            class_name="site-agency",
                        )),
                        columns=rx.breakpoints(initial="1", md="2"), spacing="2", width="100%", id="site-agencies",
                    ),
                ),
                card(
                    rx.heading(t("site.services"), size="4", margin_bottom="8px"),
                    rx.grid(
                        _offer_list("channel.direct", s.direct),
                        _offer_list("channel.online", s.online),
                        _offer_list("channel.mobile", s.mobile),
                        columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%",
                    ),
                ),
                spacing="4", width="100%",
            ),
            _not_found("site.not_found", "site.not_found_body", "common.back_sites", routes.SITES),
        ),
    )


def life_events_page() -> rx.Component:
    """/peristiwa-hidup."""
    return page(
        rx.heading(t("life.title"), size="7"),
        rx.text(t("life.intro"), color=MUTED, margin_bottom="16px"),
        rx.vstack(
            rx.foreach(LifeEventsState.events, lambda e: card(
                rx.heading(e.title, size="5", id="life-" + e.slug),
                rx.text(e.summary, size="2", color=MUTED, margin_bottom="8px"),
                rx.vstack(
                    rx.foreach(e.steps, lambda step: rx.flex(
                        rx.center(rx.text(step.order, weight="bold", color="white"), bg="#0b3d91",
                                  border_radius="999px", min_width="28px", height="28px"),
                        rx.vstack(
                            rx.link(step.service_name, href="/layanan/" + step.service_slug, weight="bold", size="2"),
                            rx.text(step.agency, " · ", step.fee, " · ", step.duration, size="1", color=MUTED),
                            rx.cond(step.needs != "", rx.text(t("life.needs"), ": ", step.needs, size="1")),
                            rx.text(t("life.produces"), ": ", step.produces, size="1", color="#1d6b3a"),
                            spacing="0",
                        ),
                        spacing="3", align="start",
                    )),
                    spacing="3",
                ),
            )),
            spacing="4", width="100%",
        ),
    )
