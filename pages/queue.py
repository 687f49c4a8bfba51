"""Queue pages: booking, my tickets, a ticket, the kiosk, the counter console and the live board."""

import reflex as rx

from components.i18n import t
from components.layout import NAVY, card, notice, page
from mpp_digital import routes
from state.board import BoardState
from state.counter import CounterState
from state.kiosk import KioskState
from state.lang import LangState
from state.queue import BookingState, MyTicketsState, TicketState

MUTED = "#5b6478"
PRIMARY = {"background": f"{NAVY} !important", "color": "white !important"}


def _select(label_key: str, items, value, on_change, test_id: str, key: str, label: str,
            placeholder_key: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.text(t(label_key), as_="label", html_for=test_id, size="2", weight="medium"),
        rx.el.select(
            *([rx.el.option(t(placeholder_key), value="")] if placeholder_key else []),
            rx.foreach(items, lambda item: rx.el.option(item[label], value=item[key])),
            value=value, on_change=on_change, id=test_id,
            style={"width": "100%", "padding": "10px", "border": "1px solid #c9d1de", "border_radius": "8px",
                   "background": "white", "font_size": "15px"},
        ),
        spacing="1", width="100%",
    )


# --------------------------------------------------------------------------- /antrian


def _slot_button(slot) -> rx.Component:
    status = rx.match(slot["reason"], ("full", rx.text(t("queue.slot.full"), size="1")),
                      ("cutoff", rx.text(t("queue.slot.cutoff"), size="1")),
                      ("past", rx.text(t("queue.slot.past"), size="1")),
                      rx.text(slot["left"], " ", t("queue.slot.left"), size="1"))
    return rx.button(
        rx.vstack(rx.text(slot["label"], "–", slot["end"], weight="bold", size="3"),
                  status, spacing="0", align="center"),
        on_click=BookingState.book(slot["id"]), disabled=slot["bookable"] == "", variant="surface",
        color_scheme=rx.cond(slot["bookable"] != "", "indigo", "gray"), height="auto", padding="10px",
        class_name="slot-button", id="slot-" + slot["label"].replace(":", ""),
    )


def booking() -> rx.Component:
    """/antrian: choose site, service, day and slot."""
    return page(
        rx.heading(t("queue.book.title"), size="7"),
        rx.text(t("queue.book.intro"), size="2", color=MUTED, margin_y="8px"),
        rx.cond(~BookingState.verified, rx.callout(t("queue.book.unverified"), icon="mail-warning",
                                                   color_scheme="amber", id="booking-unverified", width="100%")),
        rx.cond(BookingState.reschedule_id != "",
                rx.callout(rx.text(t("queue.book.rescheduling"), " ", rx.code(BookingState.reschedule_code)),
                           icon="calendar-clock", color_scheme="blue", id="booking-rescheduling", width="100%")),
        card(
            rx.grid(
                _select("queue.field.site", BookingState.sites, BookingState.site_slug, BookingState.pick_site,
                        "booking-site", "slug", "name"),
                _select("queue.field.service", BookingState.services, BookingState.service_slug,
                        BookingState.pick_service, "booking-service", "slug", "name", "queue.field.pick_service"),
                _select("queue.field.day", BookingState.days, BookingState.day, BookingState.pick_day,
                        "booking-day", "value", "label"),
                columns=rx.breakpoints(initial="1", md="3"), spacing="3", width="100%",
            ),
            margin_top="12px",
        ),
        rx.box(notice(BookingState.error, "red", "booking-error"), margin_top="12px"),
        rx.box(notice(BookingState.closed, "amber", "booking-closed"), margin_top="12px"),
        rx.cond(BookingState.info != "", rx.text(BookingState.info, size="2", color=MUTED, id="booking-info",
                                                 margin_top="12px")),
        rx.grid(rx.foreach(BookingState.slots, _slot_button), columns=rx.breakpoints(initial="3", sm="4", md="6"),
                spacing="2", width="100%", margin_top="12px", id="booking-slots"),
    )


# --------------------------------------------------------------------------- /antrian/saya


def my_tickets() -> rx.Component:
    """/antrian/saya."""
    return page(
        rx.flex(rx.heading(t("queue.mine.title"), size="7"),
                rx.link(rx.button(t("queue.mine.book_new"), style=PRIMARY), href=routes.QUEUE_BOOK),
                justify="between", align="center", wrap="wrap", spacing="3"),
        rx.cond(MyTicketsState.tickets.length() == 0, rx.text(t("queue.mine.empty"), color=MUTED, margin_top="16px")),
        rx.vstack(
            rx.foreach(MyTicketsState.tickets, lambda tk: rx.link(card(
                rx.flex(
                    rx.vstack(rx.text(tk["service"], weight="bold"),
                              rx.text(tk["site"], " · ", tk["day"], " ", tk["time"], " ", tk["zone"], size="2",
                                      color=MUTED),
                              rx.badge(tk["status_label"]), spacing="1"),
                    rx.text(tk["code"], size="7", weight="bold", color=NAVY),
                    justify="between", align="center", width="100%",
                )), href=tk["href"], underline="none", width="100%", class_name="my-ticket")),
            spacing="3", width="100%", margin_top="16px",
        ),
    )


# --------------------------------------------------------------------------- /antrian/tiket/[ticket_id]


def _fact(label_key: str, value, test_id: str) -> rx.Component:
    return rx.vstack(rx.text(t(label_key), size="1", color=MUTED), rx.text(value, size="5", weight="bold", id=test_id),
                     spacing="0")


def ticket_page() -> rx.Component:
    """/antrian/tiket/[ticket_id]: the ticket, its QR, live position and wait."""
    tk = TicketState.ticket
    return page(
        notice(TicketState.error, "red", "ticket-error"),
        notice(TicketState.notice, "green", "ticket-notice"),
        rx.cond(
            tk.contains("code"),
            card(
                rx.flex(
                    rx.vstack(
                        rx.text(tk["service"], size="4", weight="bold", id="ticket-service"),
                        rx.text(tk["site"], size="2", color=MUTED),
                        rx.text(tk["day"], " · ", tk["time"], " ", tk["zone"], size="2", color=MUTED,
                                id="ticket-when"),
                        rx.text(tk["code"], size="9", weight="bold", color=NAVY, id="ticket-code"),
                        rx.hstack(rx.text(t("queue.ticket.pin"), size="2", color=MUTED),
                                  rx.code(tk["pin"], id="ticket-pin"), align="center"),
                        rx.badge(tk["status_label"], size="3", id="ticket-status",
                                 color_scheme=rx.match(tk["status"], ("done", "green"), ("called", "amber"),
                                                       ("serving", "amber"), ("cancelled", "gray"), "indigo")),
                        rx.cond(tk["counter"] != "",
                                rx.text(t("queue.ticket.counter"), ": ", tk["counter"], size="4", weight="bold",
                                        id="ticket-counter")),
                        spacing="2",
                    ),
                    rx.cond(TicketState.qr != "",
                            rx.vstack(rx.image(src=TicketState.qr, width="220px", height="220px", alt="QR",
                                               id="ticket-qr"),
                                      rx.text(t("queue.ticket.qr_help"), size="1", color=MUTED, max_width="240px"),
                                      align="center")),
                    justify="between", wrap="wrap", spacing="5", width="100%",
                ),
                rx.cond(TicketState.live, rx.flex(
                    _fact("queue.ticket.ahead", TicketState.ahead, "ticket-ahead"),
                    rx.vstack(rx.text(t("queue.ticket.wait"), size="1", color=MUTED),
                              rx.text(TicketState.wait_minutes, " ", t("queue.ticket.minutes"), size="5",
                                      weight="bold", id="ticket-wait"), spacing="0"),
                    rx.badge(rx.icon("radio", size=12), t("queue.ticket.live"), color_scheme="green"),
                    spacing="6", align="center", margin_top="16px", wrap="wrap",
                )),
                rx.flex(
                    rx.cond(TicketState.can_reschedule,
                            rx.link(rx.button(t("queue.ticket.reschedule"), variant="outline"),
                                    href=routes.QUEUE_BOOK + "?ubah=" + tk["id"], id="ticket-reschedule")),
                    rx.cond(tk["status"] == "done",  # the SKM survey, optional (issue 14)
                            rx.link(rx.button(rx.icon("star", size=14), t("survey.link"), variant="soft"),
                                    href=routes.survey_url("t") + tk["id"], id="ticket-survey")),
                    rx.cond(TicketState.can_cancel,
                            rx.button(t("queue.ticket.cancel"), color_scheme="red", variant="soft",
                                      on_click=TicketState.cancel, id="ticket-cancel")),
                    spacing="3", margin_top="16px",
                ),
            ),
        ),
        rx.link(t("queue.mine.title"), href=routes.QUEUE_MINE, size="2", margin_top="16px", display="block"),
        width="820px",
    )


# --------------------------------------------------------------------------- /kiosk/[kiosk_site]


def _bare(*children, dark: bool = False) -> rx.Component:
    """Full-screen layout for hall devices: no navigation, no sign-in, no personal data."""
    return rx.box(*children, min_height="100vh", width="100%", padding="24px",
                  bg="#0b1f4d" if dark else "#f3f6fb", color="white" if dark else "inherit")


def kiosk() -> rx.Component:
    """/kiosk/[kiosk_site]."""
    result = rx.vstack(
        rx.text(t("queue.kiosk.your_number"), size="5"),
        rx.text(KioskState.result_code, size="9", weight="bold", color=NAVY, id="kiosk-code",
                style={"font_size": "96px", "line_height": "1"}),
        rx.text(KioskState.result_service, size="5", weight="medium"),
        rx.text(KioskState.result_message, size="4", id="kiosk-message", text_align="center"),
        rx.button(t("queue.kiosk.again"), size="4", on_click=KioskState.clear, id="kiosk-again", style=PRIMARY),
        align="center", spacing="4", padding="40px", bg="white", border_radius="16px", width="100%",
    )
    start = rx.grid(
        card(
            rx.heading(t("queue.kiosk.checkin"), size="6", margin_bottom="12px"),
            rx.form(
                rx.vstack(
                    rx.text(t("queue.kiosk.code"), size="3"),
                    rx.input(name="code", id="kiosk-input", size="3", width="100%", auto_focus=True,
                             auto_complete="off"),
                    rx.text(t("queue.kiosk.pin"), size="3"),
                    rx.input(name="pin", id="kiosk-pin", size="3", width="100%", input_mode="numeric",
                             max_length=4, auto_complete="off"),
                    rx.button(t("queue.kiosk.checkin_button"), type="submit", size="4", width="100%",
                              id="kiosk-checkin", style=PRIMARY),
                    spacing="3", width="100%",
                ),
                on_submit=KioskState.check_in, reset_on_submit=True,
            ),
        ),
        card(
            rx.heading(t("queue.kiosk.walk_in"), size="6", margin_bottom="12px"),
            rx.grid(rx.foreach(KioskState.services, lambda s: rx.button(
                s["name"], on_click=KioskState.walk_in(s["id"]), size="3", variant="surface", height="auto",
                padding="12px", white_space="normal", class_name="kiosk-service")),
                columns="2", spacing="2", max_height="60vh", overflow_y="auto"),
        ),
        columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
    )
    pairing = card(
        rx.heading(t("kiosk.pair_title"), size="6", margin_bottom="8px"),
        rx.text(t("kiosk.pair_help"), size="3", color=MUTED, margin_bottom="12px"),
        rx.form(
            rx.vstack(
                rx.text(t("kiosk.pair_code"), size="3"),
                rx.input(name="code", id="kiosk-pair-code", size="3", width="100%", auto_focus=True,
                         auto_complete="off", placeholder="XXXXX-XXXXX", style={"text_transform": "uppercase"}),
                rx.button(t("kiosk.pair_button"), type="submit", size="4", width="100%", id="kiosk-pair",
                          style=PRIMARY),
                spacing="3", width="100%",
            ),
            on_submit=KioskState.pair, reset_on_submit=False,
        ),
        max_width="520px", margin="0 auto", width="100%",
    )
    return _bare(
        rx.vstack(
            rx.flex(rx.heading(t("queue.kiosk.title"), size="8"), rx.text(KioskState.site_name, size="5"),
                    rx.button(rx.icon("languages", size=14), t("nav.language"), on_click=LangState.toggle,
                              variant="outline"),
                    justify="between", align="center", width="100%", wrap="wrap", spacing="3"),
            notice(KioskState.error, "red", "kiosk-error"),
            rx.cond(KioskState.site_name == "", rx.fragment(),
                    rx.cond(~KioskState.paired, pairing,
                            rx.cond(KioskState.result_code != "", result, start))),
            spacing="4", max_width="1100px", margin="0 auto", width="100%",
        ),
    )


# --------------------------------------------------------------------------- /antrian/papan/[board_site]


def board() -> rx.Component:
    """/antrian/papan/[board_site]: for the hall's TV."""
    row = lambda r: rx.flex(  # noqa: E731
        rx.vstack(rx.text(r["counter"], size="5", color="#cfe0ff"), rx.text(r["service"], size="2", color="#9fb3d9"),
                  spacing="0"),
        rx.text(r["code"], size="9", weight="bold", color="#f2a900", class_name="board-code"),
        justify="between", align="center", padding="14px 20px", border_radius="12px", bg="rgba(255,255,255,0.08)",
        width="100%", class_name="board-row",
    )
    return _bare(
        rx.vstack(
            rx.flex(rx.heading(BoardState.site_name, size="8", color="white"),
                    rx.text(BoardState.clock, size="6", color="#cfe0ff", id="board-clock"),
                    justify="between", align="center", width="100%", wrap="wrap"),
            rx.grid(
                rx.vstack(rx.heading(t("queue.board.serving"), size="6", color="white"),
                          rx.cond(BoardState.serving.length() == 0,
                                  rx.text(t("queue.board.empty"), color="#cfe0ff", size="4")),
                          rx.foreach(BoardState.serving, row), spacing="3", width="100%", id="board-serving"),
                rx.vstack(rx.heading(t("queue.board.next"), size="6", color="white"),
                          rx.flex(rx.foreach(BoardState.upcoming, lambda c: rx.badge(
                              c, size="3", color_scheme="gray", variant="solid", class_name="board-next")),
                              wrap="wrap", spacing="2"),
                          spacing="3", width="100%", id="board-next"),
                columns=rx.breakpoints(initial="1", md="2"), spacing="6", width="100%",
            ),
            spacing="5", max_width="1400px", margin="0 auto", width="100%",
        ),
        dark=True,
    )


# --------------------------------------------------------------------------- /petugas/loket


def _action(label_key: str, handler, test_id: str, **props) -> rx.Component:
    return rx.button(t(label_key), on_click=handler(CounterState.current["id"]), id=test_id, **props)


def counter() -> rx.Component:
    """/petugas/loket: the officer's counter console."""
    current = CounterState.current
    return page(
        rx.heading(t("queue.counter.title"), size="7"),
        rx.cond(CounterState.sites.length() == 0, rx.text(t("queue.counter.no_site"), color=MUTED)),
        card(
            rx.grid(
                _select("queue.field.site", CounterState.sites, CounterState.site_id, CounterState.pick_site,
                        "counter-site", "id", "name"),
                _select("queue.counter.counter", CounterState.counters, CounterState.counter,
                        CounterState.pick_counter, "counter-select", "code", "label"),
                columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%",
            ),
            margin_top="12px",
        ),
        rx.box(notice(CounterState.error, "red", "counter-error"), notice(CounterState.notice, "green",
                                                                           "counter-notice"), margin_top="12px"),
        rx.grid(
            card(
                rx.heading(t("queue.counter.current"), size="4", margin_bottom="10px"),
                rx.cond(
                    current.contains("id"),
                    rx.vstack(
                        rx.text(current["code"], size="9", weight="bold", color=NAVY, id="counter-current-code"),
                        rx.text(current["service"], size="3"),
                        rx.hstack(rx.badge(current["status_label"], id="counter-current-status"),
                                  rx.text(current["calls"], " ", t("queue.counter.calls"), size="2", color=MUTED)),
                        rx.cond(
                            current["status"] == "called",
                            rx.flex(
                                _action("queue.counter.start", CounterState.start, "counter-start", style=PRIMARY),
                                _action("queue.counter.recall", CounterState.recall, "counter-recall",
                                        variant="outline"),
                                _action("queue.counter.no_show_button", CounterState.no_show, "counter-no-show",
                                        color_scheme="red", variant="soft"),
                                spacing="2", wrap="wrap",
                            ),
                            _action("queue.counter.finish", CounterState.finish, "counter-finish",
                                    color_scheme="green", size="3"),
                        ),
                        rx.form(
                            rx.hstack(
                                rx.el.input(type="hidden", name="ticket_id", value=current["id"]),
                                rx.text(t("queue.counter.transfer_to"), size="2"),
                                rx.el.select(rx.foreach(CounterState.counters, lambda c: rx.el.option(
                                    c["label"], value=c["code"])), name="to_counter", id="counter-transfer-to",
                                    style={"padding": "6px", "border": "1px solid #c9d1de", "border_radius": "6px"}),
                                rx.button(t("queue.counter.transfer"), type="submit", variant="outline",
                                          id="counter-transfer"),
                                align="center", wrap="wrap",
                            ),
                            on_submit=CounterState.transfer,
                        ),
                        spacing="3",
                    ),
                    rx.text(t("queue.counter.none_current"), color=MUTED),
                ),
                rx.button(t("queue.counter.call_next"), on_click=CounterState.call_next, size="4", width="100%",
                          margin_top="16px", id="counter-call-next", disabled=current.contains("id"),
                          style=rx.cond(current.contains("id"), {}, PRIMARY)),
            ),
            card(
                rx.heading(t("queue.counter.line"), size="4", margin_bottom="10px"),
                rx.cond(CounterState.line.length() == 0, rx.text(t("queue.counter.empty"), color=MUTED)),
                rx.vstack(rx.foreach(CounterState.line, lambda r: rx.flex(
                    rx.text(r["code"], weight="bold", min_width="64px"),
                    rx.text(r["service"], size="2", flex="1"),
                    rx.badge(r["kind"], variant="soft"),
                    rx.cond(r["ready"] == "", rx.badge(t("queue.counter.not_yet"), color_scheme="gray")),
                    spacing="2", align="center", width="100%", padding_y="6px", border_bottom="1px solid #eef1f6",
                    class_name="counter-line-row",
                )), spacing="0", width="100%"),
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", margin_top="12px",
        ),
    )
