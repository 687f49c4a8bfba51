"""The SKM survey (issue 14): IKM exactly per PermenPANRB 14/2017, the mutu bands, the
Krejcie-Morgan minimum sample, straight-lining, once per visit, bad input, results per level,
the unit report and its scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    AnalyticsMonthly,
    Channel,
    PendingMail,
    QueueTicket,
    Role,
    ServiceEvent,
    SurveyMonthly,
    SurveyResponse,
    TicketStatus,
)
from mpp_digital.services import analytics, surveys
from mpp_digital.services.authz import Grant, Principal
from mpp_digital.services.surveys.ikm import Sums, ikm_of, minimum_sample, mutu, respondent_ikm
from tests.unit.queue_setup import MONDAY, at, make_world

WORKED = [(4, 4, 3, 4, 3, 3, 4, 3, 3), (3, 3, 3, 4, 3, 3, 3, 2, 3), (4, 3, 2, 4, 3, 4, 4, 3, 3), (3,) * 9]
ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


def test_ikm_worked_example_by_hand():
    """The formula of the lampiran of PermenPANRB 14/2017 (Bab "Pengolahan data": NRR per unsur =
    total nilai persepsi per unsur / total unsur yang terisi; NRR tertimbang = NRR x 1/9; IKM =
    jumlah NRR tertimbang; IKM unit pelayanan x 25; mutu from the table of nilai interval konversi),
    applied by hand to four questionnaires (the rows of WORKED):

    unsur totals   14 13 11 15 12 13 14 11 12  (sum 115 = 31 + 27 + 30 + 27, the row totals)
    NRR (/4)     3.50 3.25 2.75 3.75 3.00 3.25 3.50 2.75 3.00
    IKM          = 115 / 4 / 9 = 3.19444...   converted = 3.19444... x 25 = 79.8611... -> 79.86, B (baik)
    weakest      U3 and U8 (2.75), then U5 and U9 (3.00); straight-lined: 1 of 4 = 25.0 %

    The spreadsheet shortcut (weight 0.111, NRR rounded first) gives 3.5 x .111 + ... = 3.19, x 25 =
    79.7: the exact fractions differ already in the first decimal, which is why we keep them."""
    result = ikm_of(Sums.of(WORKED))
    assert result is not None
    assert result.n == 4
    assert [str(v) for v in result.nrr] == ["3.50", "3.25", "2.75", "3.75", "3.00", "3.25", "3.50", "2.75", "3.00"]
    assert result.nrr_weighted[0] == Decimal("0.3889")  # 3.5 / 9
    assert result.ikm == Decimal("3.1944")
    assert result.converted == Decimal("79.86")
    assert (result.mutu, result.kinerja) == ("B", "baik")
    assert result.weakest[:4] == (3, 8, 5, 9)
    assert result.straight_share == Decimal("25.0")


def test_ikm_extremes_and_no_answers():
    assert ikm_of(Sums()) is None
    top = ikm_of(Sums.of([(4,) * 9] * 3))
    low = ikm_of(Sums.of([(1,) * 9]))
    assert (top.converted, top.mutu, top.straight_share) == (Decimal("100.00"), "A", Decimal("100.0"))
    assert (low.converted, low.mutu) == (Decimal("25.00"), "D")


@pytest.mark.parametrize(("value", "grade"), [
    ("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"),
    ("64.99", "D"), ("25.00", "D"), ("88.305", "A"), ("88.304", "B"),
])
def test_mutu_band_edges(value, grade):
    assert mutu(Decimal(value))[0] == grade


def test_mutu_outside_the_scale_is_an_error():
    with pytest.raises(ValueError):
        mutu(Decimal("24.99"))
    with pytest.raises(ValueError):
        mutu(Decimal("100.01"))


@pytest.mark.parametrize(("population", "sample"), [
    (0, 0), (10, 10), (20, 19), (50, 44), (75, 63), (100, 80), (200, 132), (500, 217), (1000, 278),
    (5000, 357), (10000, 370),
])
def test_krejcie_morgan_table(population, sample):
    """The table of Krejcie & Morgan (1970) that the regulation refers to."""
    assert minimum_sample(population) == sample


def test_straight_lining_and_respondent_ikm():
    assert surveys.is_straight((2,) * 9)
    assert not surveys.is_straight((2,) * 8 + (3,))
    assert respondent_ikm((4,) * 9) == 100
    assert respondent_ikm((1,) * 9) == 25
    assert respondent_ikm(WORKED[0]) == 86  # 31 / 9 x 25 = 86.11


@pytest.mark.parametrize(("answers", "field", "key"), [
    ({**ALL_GOOD, "u3": "5"}, "u3", "survey.error.score"),
    ({**ALL_GOOD, "u3": "0"}, "u3", "survey.error.score"),
    ({**ALL_GOOD, "u9": "-1"}, "u9", "survey.error.score"),
    ({**ALL_GOOD, "u1": "3.5"}, "u1", "survey.error.score"),
    ({**ALL_GOOD, "u1": "x"}, "u1", "survey.error.score"),
    ({k: v for k, v in ALL_GOOD.items() if k != "u7"}, "u7", "survey.error.missing"),
    ({**ALL_GOOD, "u2": " "}, "u2", "survey.error.missing"),
])
def test_validation_of_scores(answers, field, key):
    with pytest.raises(ValidationError) as err:
        surveys.validate(answers)
    assert (err.value.field, err.value.key) == (field, key)


def test_validation_of_profile_and_saran():
    with pytest.raises(ValidationError) as err:
        surveys.validate(ALL_GOOD, {"sex": "X"})
    assert err.value.field == "sex"
    with pytest.raises(ValidationError) as err:
        surveys.validate(ALL_GOOD, {}, "a" * 2001)
    assert err.value.key == "survey.error.saran_long"
    ok = surveys.validate(ALL_GOOD, {"sex": "P", "education": ""}, "  " + "a" * 2000 + " ")
    assert ok.profile == {"sex": "P", "age_band": None, "education": None, "occupation": None}
    assert len(ok.saran) == 2000


@pytest.mark.parametrize("code", ["", "2026-S3", "2026-13", "26", "1999", "2026-S1;drop"])
def test_bad_periods(code):
    with pytest.raises(ValidationError):
        surveys.parse_period(code)


def test_periods():
    assert surveys.parse_period("2026-s2").start == date(2026, 7, 1)
    assert surveys.parse_period("2026-S1").end == date(2026, 6, 30)
    assert surveys.parse_period("2026-02").end == date(2026, 2, 28)
    assert surveys.parse_period("2026").end == date(2026, 12, 31)
    assert [p.code for p in surveys.period_choices(date(2026, 3, 1), years=2)] == [
        "2026-S1", "2026", "2025-S2", "2025-S1", "2025"]


# --------------------------------------------------------------------------- with a database


def _ticket(session: Session, w, citizen, status=TicketStatus.DONE, number=1, service=None) -> QueueTicket:
    start = at(MONDAY, "09:00")
    ticket = QueueTicket(site_id=w.site.id, agency_id=w.agency.id, service_id=(service or w.online).id, day=MONDAY,
                         channel=Channel.ONLINE, number=number, code=f"U-{number:03d}", pin="1234",
                         citizen_id=citizen.id, status=status, active=None, slot_start_at=start,
                         slot_end_at=start + timedelta(minutes=30), expires_at=at(MONDAY, "23:59"),
                         created_at=start - timedelta(days=1), started_at=start, finished_at=start)
    session.add(ticket)
    session.flush()
    return ticket


@pytest.fixture()
def w(session):
    return make_world(session)


NOW = at(MONDAY, "10:00")


def test_submit_stores_no_identity_feeds_sums_and_analytics(session, w):
    citizen = w.citizens[0]
    ticket = _ticket(session, w, citizen)
    ref = surveys.survey_ref("ticket", ticket.id)
    offer = surveys.offer(session=session, citizen_id=citizen.id, ref=ref)
    assert (offer.answered, offer.site_id, offer.agency_id) == (False, w.site.id, w.agency.id)
    answers = dict(zip(surveys.UNSUR_KEYS, map(str, WORKED[0]), strict=True))
    row = surveys.submit(session=session, citizen_id=citizen.id, ref=ref, answers=answers,
                         profile={"sex": "L", "age_band": "30-39"}, saran="Antrean rapi", now=NOW)
    stored = session.get(SurveyResponse, row.id)
    columns = {k: v for k, v in stored.model_dump().items() if v is not None}
    assert str(ticket.id) not in {str(v) for k, v in columns.items() if k not in ("site_id", "agency_id",
                                                                                    "service_id", "id")}
    assert "citizen" not in " ".join(columns) and "Antrean" not in stored.saran_sealed
    assert stored.local_day == MONDAY
    month = session.get(SurveyMonthly, (w.site.id, w.agency.id, date(2026, 11, 1)))
    assert (month.n, month.s1, month.s9, month.straight) == (1, 4, 3, 0)
    event = session.exec(select(ServiceEvent).where(col(ServiceEvent.source) == "survey",
                                                    col(ServiceEvent.source_ref) == str(row.id))).one()
    assert (event.kind, event.satisfaction, event.site_id) == ("survey", 86, w.site.id)
    assert surveys.offer(session=session, citizen_id=citizen.id, ref=ref).answered


def test_answered_twice_is_refused_and_nothing_half_saved(session, w):
    citizen = w.citizens[0]
    ref = surveys.survey_ref("ticket", _ticket(session, w, citizen).id)
    surveys.submit(session=session, citizen_id=citizen.id, ref=ref, answers=ALL_GOOD, now=NOW)
    before = session.exec(select(SurveyMonthly.n).where(col(SurveyMonthly.site_id) == w.site.id)).one()
    events = len(session.exec(select(ServiceEvent.id).where(col(ServiceEvent.source) == "survey")).all())
    with pytest.raises(DomainError) as err:
        surveys.submit(session=session, citizen_id=citizen.id, ref=ref, answers={**ALL_GOOD, "u1": "1"}, now=NOW)
    assert err.value.key == "survey.already"
    assert session.exec(select(SurveyMonthly.n).where(col(SurveyMonthly.site_id) == w.site.id)).one() == before
    assert len(session.exec(select(ServiceEvent.id).where(col(ServiceEvent.source) == "survey")).all()) == events
    assert len(session.exec(select(SurveyResponse.id).where(col(SurveyResponse.site_id) == w.site.id)).all()) == 1


def test_bad_score_saves_nothing(session, w):
    citizen = w.citizens[0]
    ref = surveys.survey_ref("ticket", _ticket(session, w, citizen).id)
    with pytest.raises(ValidationError):
        surveys.submit(session=session, citizen_id=citizen.id, ref=ref, answers={**ALL_GOOD, "u5": "7"}, now=NOW)
    assert not session.exec(select(SurveyResponse.id).where(col(SurveyResponse.site_id) == w.site.id)).all()
    assert not surveys.offer(session=session, citizen_id=citizen.id, ref=ref).answered


def test_database_refuses_a_score_outside_one_to_four(session, w):
    from sqlalchemy.exc import IntegrityError

    row = SurveyResponse(visit_key="k" * 64, visit_kind="ticket", site_id=w.site.id, agency_id=w.agency.id,
                         service_id=w.online.id, channel="online", local_day=MONDAY,
                         **{**{k: 4 for k in surveys.UNSUR_KEYS}, "u4": 5})
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(row)
        session.flush()


def test_only_the_citizens_own_finished_visit(session, w):
    owner, other = w.citizens[0], w.citizens[1]
    done = _ticket(session, w, owner)
    serving = _ticket(session, w, owner, status=TicketStatus.SERVING, number=2, service=w.direct_only)
    with pytest.raises(DomainError) as err:
        surveys.offer(session=session, citizen_id=other.id, ref=surveys.survey_ref("ticket", done.id))
    assert err.value.key == "survey.not_found"
    with pytest.raises(DomainError) as err:
        surveys.submit(session=session, citizen_id=owner.id, ref=surveys.survey_ref("ticket", serving.id),
                       answers=ALL_GOOD, now=NOW)
    assert err.value.key == "survey.not_finished"
    for bad in ("x1", "t", "t-1", "a12x", "t99999999"):
        with pytest.raises(DomainError):
            surveys.offer(session=session, citizen_id=owner.id, ref=bad)


def test_finishing_a_ticket_queues_the_invitation_mail(session, w):
    citizen = w.citizens[0]
    ticket = _ticket(session, w, citizen, status=TicketStatus.SERVING)
    ticket.counter, ticket.started_at = "U1", at(MONDAY, "09:10")
    session.add(ticket)
    session.flush()
    from mpp_digital.services import queue

    queue.finish_ticket(session=session, principal=w.officer, ticket_id=ticket.id, now=at(MONDAY, "09:20"))
    mail = session.exec(select(PendingMail).where(col(PendingMail.kind) == surveys.SURVEY_MAIL,
                                                  col(PendingMail.ref) == ticket.id)).one()
    to, subject, body = surveys.compose_invite(session, mail.ref, "id", NOW)
    assert to == citizen.email and ticket.code in subject and f"/survei/t{ticket.id}" in body
    surveys.submit(session=session, citizen_id=citizen.id, ref=f"t{ticket.id}", answers=ALL_GOOD, now=NOW)
    assert surveys.compose_invite(session, mail.ref, "id", NOW) is None  # answered: nothing to send


def _served(session, site_id: int, agency_id: int, month: date, served: int) -> None:
    session.add(AnalyticsMonthly(scope=analytics.site_key(site_id), agency_id=agency_id, month=month,
                                 channel="direct", served=served))
    session.flush()


def test_results_per_level_and_short_samples_apart(session, w):
    period = surveys.parse_period("2026-S2")
    # unit A: 4 answers for 4 people served (minimum 4): sufficient; unit B: 1 answer for 100 served
    for i, scores in enumerate(WORKED):
        t = _ticket(session, w, w.citizens[i], number=10 + i)
        surveys.submit(session=session, citizen_id=w.citizens[i].id, ref=f"t{t.id}",
                       answers=dict(zip(surveys.UNSUR_KEYS, map(str, scores), strict=True)), now=NOW)
    other = _ticket(session, w, w.citizens[4], number=20)
    other.agency_id = w.other_agency.id
    session.add(other)
    session.flush()
    surveys.submit(session=session, citizen_id=w.citizens[4].id, ref=f"t{other.id}", answers=ALL_GOOD, now=NOW)
    _served(session, w.site.id, w.agency.id, date(2026, 11, 1), 4)
    _served(session, w.site.id, w.other_agency.id, date(2026, 11, 1), 100)
    res = surveys.results(session=session, period=period, regency_code=w.site.regency_code)
    ranked = {u.key: u for u in res.units}
    short = {u.key: u for u in res.units_short}
    unit_a, unit_b = f"{w.site.id}-{w.agency.id}", f"{w.site.id}-{w.other_agency.id}"
    assert unit_a in ranked and ranked[unit_a].ikm.converted == Decimal("79.86") and ranked[unit_a].minimum == 4
    assert unit_b in short and (short[unit_b].n, short[unit_b].minimum, short[unit_b].sufficient) == (1, 80, False)
    site = next(s for s in res.sites if s.key == str(w.site.id))
    # the site pools the answers: (115 + 36) / 5 / 9 x 25 = 83.89
    assert (site.n, site.population, site.ikm.converted) == (5, 104, Decimal("83.89"))
    assert res.total.n >= 5
    national = surveys.results(session=session, period=period)
    assert any(u.key == unit_a for u in national.units)
    assert surveys.results(session=session, period=surveys.parse_period("2026-S1"),
                           regency_code=w.site.regency_code).total.n == 0


def _principal(*grants: Grant) -> Principal:
    return Principal(user_id=1, session_id=1, full_name="x", email="x@x", email_verified=True, grants=grants)


def test_unit_report_scope_pdf_and_csv(session, w):
    citizen = w.citizens[0]
    t = _ticket(session, w, citizen)
    surveys.submit(session=session, citizen_id=citizen.id, ref=f"t{t.id}", answers=ALL_GOOD,
                   profile={"sex": "P", "education": "s1"}, saran="=HYPERLINK(\"x\") kursi kurang", now=NOW)
    period = surveys.parse_period("2026-S2")
    ministry = _principal(Grant(Role.MINISTRY))
    own_head = _principal(Grant(Role.REGIONAL_HEAD, regency_code=w.site.regency_code))
    other_head = _principal(Grant(Role.REGIONAL_HEAD, regency_code="33.02"))
    officer = _principal(Grant(Role.OFFICER, site_id=w.site.id))
    for who in (ministry, own_head):
        rep = surveys.unit_report(session=session, principal=who, site_id=w.site.id, agency_id=w.agency.id,
                                  period=period)
        assert rep.ikm.converted == Decimal("100.00") and rep.profile["sex"] == {"P": 1}
    for who in (other_head, officer, None):
        with pytest.raises(NotAllowed):
            surveys.unit_report(session=session, principal=who, site_id=w.site.id, agency_id=w.agency.id,
                                period=period)
    with pytest.raises(NotAllowed):  # a unit that does not exist looks the same to a stranger
        surveys.unit_report(session=session, principal=other_head, site_id=999999, agency_id=1, period=period)
    csv_text = surveys.render_csv(rep, "id").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "saran" in csv_text and "100.00" in csv_text
    assert "sampel belum memadai" in csv_text  # nobody served recorded: no population, never "sufficient"
    pdf = surveys.render_pdf(rep, "en")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1500


def test_rebuild_sums_matches_the_live_sums(session, w):
    for i, scores in enumerate(WORKED):
        t = _ticket(session, w, w.citizens[i], number=30 + i)
        surveys.submit(session=session, citizen_id=w.citizens[i].id, ref=f"t{t.id}",
                       answers=dict(zip(surveys.UNSUR_KEYS, map(str, scores), strict=True)), now=NOW)
    key = (w.site.id, w.agency.id, date(2026, 11, 1))

    def snapshot():
        row = session.get(SurveyMonthly, key, populate_existing=True)
        return (row.n, *(getattr(row, f"s{i}") for i in range(1, 10)), row.straight)

    live = snapshot()
    assert live == (4, 14, 13, 11, 15, 12, 13, 14, 11, 12, 1)
    surveys.rebuild_sums(session=session)
    assert snapshot() == live


def test_a_finished_application_is_offered_once(session, w):
    from mpp_digital.models import Application

    citizen = w.citizens[0]

    def application(state: str, is_open: bool, number: int) -> Application:
        app = Application(tracking_number=f"MPP-UJI-{number}-{w.site.id}", citizen_id=citizen.id, site_id=w.site.id,
                          agency_id=w.agency.id, service_id=w.online.id, workflow={}, state=state, open=is_open,
                          submitted_at=NOW - timedelta(days=3), due_date=MONDAY, updated_at=NOW)
        session.add(app)
        session.flush()
        return app

    done = application("selesai", False, 1)
    pending = application("diproses", True, 2)
    rejected = application("ditolak", False, 3)
    offer = surveys.offer(session=session, citizen_id=citizen.id, ref=surveys.survey_ref("application", done.id))
    assert (offer.kind, offer.channel, offer.answered) == ("application", "online", False)
    for app in (pending, rejected):
        with pytest.raises(DomainError) as err:
            surveys.offer(session=session, citizen_id=citizen.id, ref=f"a{app.id}")
        assert err.value.key == "survey.not_finished"
    with pytest.raises(DomainError) as err:
        surveys.offer(session=session, citizen_id=w.citizens[1].id, ref=f"a{done.id}")
    assert err.value.key == "survey.not_found"
    surveys.submit(session=session, citizen_id=citizen.id, ref=f"a{done.id}", answers=ALL_GOOD, now=NOW)
    with pytest.raises(DomainError) as err:
        surveys.submit(session=session, citizen_id=citizen.id, ref=f"a{done.id}", answers=ALL_GOOD, now=NOW)
    assert err.value.key == "survey.already"
    # a ticket and an application with the same id are different visits (the hash names the kind)
    assert surveys.responses.visit_key("ticket", done.id) != surveys.responses.visit_key("application", done.id)


def test_every_message_key_is_translated():
    import importlib

    from tests.unit.message_keys import assert_keys_translated

    keys = set()
    for name in ("responses", "results", "report", "ikm"):  # (the package's ``results`` is the function)
        module = importlib.import_module(f"mpp_digital.services.surveys.{name}")
        keys |= assert_keys_translated(module, "survey") | assert_keys_translated(module, "skm")
    assert {"survey.already", "survey.error.score", "survey.error.period", "skm.report.title"} <= keys


@pytest.fixture()
def document_storage(tmp_path, monkeypatch):
    """Documents (uploads, signed outputs) go to a folder of the test's own."""
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_finishing_an_application_invites_to_its_survey(session, document_storage):
    """Through the real workflow (online applications): finishing queues the invitation; the citizen
    answers once; a rejected application gets no invitation."""
    from mpp_digital.services.applications import drafts, lifecycle
    from tests.unit.application_setup import make_app_world, ready_draft

    world = make_app_world(session)

    def submitted():
        draft = ready_draft(session, world, NOW)
        return drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=NOW)

    def act(application, action, **kwargs):
        lifecycle.act(session=session, application_id=application.id, principal=world.officer, action=action,
                      note="catatan", seen_version=application.version, now=NOW, **kwargs)

    done, rejected = submitted(), submitted()
    for step in ("verifikasi", "proses", "selesaikan"):
        act(done, step)
    act(rejected, "tolak", cited_item="surat_lahir")
    invites = session.exec(select(PendingMail).where(col(PendingMail.kind) == "survey_invite_app")).all()
    assert [m.ref for m in invites] == [done.id]
    to, subject, body = surveys.compose_invite_application(session, done.id, "en", NOW)
    assert to == world.citizen.email and done.tracking_number in subject and f"/survei/a{done.id}" in body
    surveys.submit(session=session, citizen_id=world.citizen.id, ref=f"a{done.id}", answers=ALL_GOOD, now=NOW)
    assert surveys.compose_invite_application(session, done.id, "en", NOW) is None
    with pytest.raises(DomainError) as err:
        surveys.offer(session=session, citizen_id=world.citizen.id, ref=f"a{rejected.id}")
    assert err.value.key == "survey.not_finished"


def test_the_fast_grade_agrees_with_the_table_everywhere():
    """ikm_of grades in integer hundredths; the table (mutu) in Decimal: the same answer for every
    total score of 1..40 respondents, edges included (e.g. 88.30 / 88.31 and 76.60 / 76.61)."""
    seen = set()
    for n in range(1, 41):
        for total in range(9 * n, 36 * n + 1):
            scores = [total // 9] * 9
            for i in range(total % 9):
                scores[i] += 1
            result = ikm_of(Sums(n, tuple(scores), 0))
            assert (result.mutu, result.kinerja) == mutu(result.converted)
            assert result.converted == (Decimal(25 * total) / Decimal(9 * n)).quantize(Decimal("0.01"),
                                                                                        rounding="ROUND_HALF_UP")
            seen.add(str(result.converted))
    assert {"88.30", "88.31", "76.60", "76.61", "65.00"} & seen
