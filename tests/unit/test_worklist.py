"""The back office's work list: scope by grant (site and agency), deadline order, filters, flags,
keyset paging, claim and assign with optimistic concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import Application, ApplicationEvent, AuditLog, MppSite, Role, User
from mpp_digital.services.applications import lifecycle, worklist
from mpp_digital.services.applications.lifecycle import ActionRefused
from mpp_digital.services.applications.worklist import WorkFilter
from tests.unit.office_setup import (
    agency,
    application,
    clear_applications,
    second_agency_at,
    service_of,
    site,
    staff,
    who,
)


@pytest.fixture()
def desk(session, now, engine):
    """Sragen's Dukcapil officer, a second Dukcapil officer, an officer of another agency, Sragen's admin,
    another MPP's Dukcapil officer, and applications at both sites."""
    today = now.date()
    sragen = site(session, "sragen")
    elsewhere = session.exec(select(MppSite).where(MppSite.slug != "sragen").order_by(MppSite.id)).first()
    dukcapil = agency(session, "dukcapil")
    other_agency = second_agency_at(session, sragen, dukcapil.id)
    officer = staff(session, now, "budi@desk.test", Role.OFFICER, sragen.id, dukcapil.id)
    colleague = staff(session, now, "sari@desk.test", Role.OFFICER, sragen.id, dukcapil.id)
    stranger = staff(session, now, "joko@desk.test", Role.OFFICER, sragen.id, other_agency.id)
    far = staff(session, now, "far@desk.test", Role.OFFICER, elsewhere.id, dukcapil.id)
    admin = staff(session, now, "admin@desk.test", Role.SITE_ADMIN, sragen.id)
    citizen = staff(session, now, "warga@desk.test", Role.CITIZEN)
    akta, kk = service_of(session, dukcapil, 0), service_of(session, dukcapil, 1)
    other_service = service_of(session, other_agency)

    def add(service, due_in, **kw):
        return application(session, citizen=citizen, site_row=kw.pop("site_row", sragen), service=service,
                           due=today + timedelta(days=due_in), now=now, **kw)

    apps = {
        "overdue": add(akta, -2),
        "paused": add(kk, -5, state="perlu_perbaikan", waiting=True),  # the clock stopped: not overdue
        "today": add(kk, 0, state="diverifikasi"),
        "mine": add(akta, 3, state="diproses", assigned_to=officer.id),
        "later": add(akta, 9),
        "done": add(akta, -1, state="selesai"),
        "other_agency": add(other_service, -3),
        "other_site": add(akta, -4, site_row=elsewhere),
    }
    session.commit()
    yield {"today": today, "officer": who(session, officer), "colleague": who(session, colleague),
           "stranger": who(session, stranger), "far": who(session, far), "admin": who(session, admin),
           "citizen": who(session, citizen), "apps": apps, "akta": akta, "kk": kk, "sragen": sragen,
           "dukcapil": dukcapil, "other_agency": other_agency, "officer_user": officer, "colleague_user": colleague,
           "stranger_user": stranger}
    session.rollback()
    clear_applications(engine)


def numbers(page) -> list[str]:
    return [item.tracking_number for item in page.items]


def tracking(desk, *names) -> list[str]:
    return [desk["apps"][n].tracking_number for n in names]


def test_an_officer_sees_the_open_applications_of_their_site_and_agency_by_deadline(session, desk):
    page = worklist.work_list(session=session, principal=desk["officer"], today=desk["today"])
    assert numbers(page) == tracking(desk, "paused", "overdue", "today", "mine", "later")
    flags = {i.tracking_number: (i.due_today, i.overdue) for i in page.items}
    assert flags[desk["apps"]["overdue"].tracking_number] == (False, True)
    assert flags[desk["apps"]["today"].tracking_number] == (True, False)
    assert flags[desk["apps"]["paused"].tracking_number] == (False, False), "a paused clock is not overdue"
    assert (page.items[3].assignee_name, page.items[3].assigned_to) == ("Budi", desk["officer"].user_id)
    assert page.next_after is None


def test_a_site_admin_sees_every_agency_of_their_site_and_nobody_else_sees_anything(session, desk):
    page = worklist.work_list(session=session, principal=desk["admin"], today=desk["today"])
    assert set(numbers(page)) == set(tracking(desk, "paused", "overdue", "today", "mine", "later", "other_agency"))
    narrowed = worklist.work_list(session=session, principal=desk["admin"], today=desk["today"],
                                  filters=WorkFilter(agency_id=desk["other_agency"].id))
    assert numbers(narrowed) == tracking(desk, "other_agency")
    assert numbers(worklist.work_list(session=session, principal=desk["far"], today=desk["today"])) == tracking(
        desk, "other_site")
    # An officer narrowing to another agency's id sees nothing more than the grant allows.
    sneaky = worklist.work_list(session=session, principal=desk["officer"], today=desk["today"],
                                filters=WorkFilter(agency_id=desk["other_agency"].id))
    assert sneaky.items == []
    with pytest.raises(NotAllowed):
        worklist.work_list(session=session, principal=desk["citizen"], today=desk["today"])


def test_filters_state_service_due_and_assignment(session, desk):
    def listed(**kw):
        return numbers(worklist.work_list(session=session, principal=desk["officer"], today=desk["today"],
                                          filters=WorkFilter(**kw)))

    assert listed(state="diverifikasi") == tracking(desk, "today")
    assert listed(state="selesai") == tracking(desk, "done"), "a terminal state lists closed applications"
    assert listed(service_id=desk["kk"].id) == tracking(desk, "paused", "today")
    assert listed(due="today") == tracking(desk, "today")
    assert listed(due="overdue") == tracking(desk, "overdue")
    assert listed(assigned="me") == tracking(desk, "mine")
    assert listed(assigned="none") == tracking(desk, "paused", "overdue", "today", "later")
    assert worklist.count_flags(session=session, principal=desk["officer"], today=desk["today"]) == {
        "due_today": 1, "overdue": 1}
    with pytest.raises(ValidationError, match="office.bad_filter"):
        listed(due="yesterday")


def test_keyset_paging_walks_every_row_once(session, desk):
    seen, after = [], None
    while True:
        page = worklist.work_list(session=session, principal=desk["admin"], today=desk["today"], after=after,
                                  limit=2)
        seen += numbers(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert len(seen) == len(set(seen)) == 6
    full = worklist.work_list(session=session, principal=desk["admin"], today=desk["today"])
    assert seen == numbers(full)


def test_claim_assigns_to_self_once_and_the_loser_is_told_to_reload(session, desk, now):
    app = desk["apps"]["overdue"]
    seen = app.version
    worklist.claim(session=session, principal=desk["officer"], application_id=app.id, seen_version=seen, now=now)
    session.commit()
    with pytest.raises(ValidationError, match="app.stale"):  # the colleague clicked on the same old row
        worklist.claim(session=session, principal=desk["colleague"], application_id=app.id, seen_version=seen,
                       now=now)
    session.rollback()
    fresh = session.get(Application, app.id)
    with pytest.raises(DomainError, match="office.claimed_by_other"):  # reloaded: it is Budi's now
        worklist.claim(session=session, principal=desk["colleague"], application_id=app.id,
                       seen_version=fresh.version, now=now)
    session.rollback()
    row = session.get(Application, app.id)
    assert (row.assigned_to, row.version) == (desk["officer"].user_id, seen + 1)
    events = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)).all()
    assert [(e.action, e.actor_user_id) for e in events] == [("claim", desk["officer"].user_id)]


def test_claim_is_refused_outside_the_grant_and_on_closed_applications(session, desk, now):
    for name, principal in (("overdue", "stranger"), ("overdue", "far"), ("other_agency", "officer"),
                            ("overdue", "citizen")):
        app = desk["apps"][name]
        with pytest.raises(NotAllowed):
            worklist.claim(session=session, principal=desk[principal], application_id=app.id,
                           seen_version=app.version, now=now)
    done = desk["apps"]["done"]
    with pytest.raises(DomainError, match="office.closed"):
        worklist.claim(session=session, principal=desk["officer"], application_id=done.id,
                       seen_version=done.version, now=now)
    with pytest.raises(DomainError, match="office.not_found"):
        worklist.claim(session=session, principal=desk["officer"], application_id=10**9, seen_version=1, now=now)


def test_the_refusal_of_a_crafted_action_is_audited(session, desk, now):
    app = desk["apps"]["overdue"]
    with pytest.raises(ActionRefused) as refused:
        worklist.claim(session=session, principal=desk["stranger"], application_id=app.id, seen_version=app.version,
                       now=now)
    session.rollback()
    lifecycle.record_refusal(session=session, refusal=refused.value, now=now, ip_address="10.2.2.2")
    session.commit()
    row = session.exec(select(AuditLog).where(AuditLog.action == lifecycle.REFUSED)).one()
    assert row.actor_user_id == desk["stranger"].user_id and row.detail["action"] == "claim"
    assert row.target == app.tracking_number and row.ip_address == "10.2.2.2"


def test_a_site_admin_reassigns_within_the_agency_and_only_at_their_site(session, desk, now):
    app = desk["apps"]["mine"]
    officers = worklist.assignable_officers(session=session, principal=desk["admin"], application_id=app.id)
    assert {uid for uid, _ in officers} == {desk["officer"].user_id, desk["colleague"].user_id}
    with pytest.raises(DomainError, match="office.not_assignable"):
        worklist.assign(session=session, principal=desk["admin"], application_id=app.id,
                        assignee_id=desk["stranger"].user_id, seen_version=app.version, now=now)
    with pytest.raises(NotAllowed):  # an officer does not reassign
        worklist.assign(session=session, principal=desk["officer"], application_id=app.id,
                        assignee_id=desk["colleague"].user_id, seen_version=app.version, now=now)
    worklist.assign(session=session, principal=desk["admin"], application_id=app.id,
                    assignee_id=desk["colleague"].user_id, seen_version=app.version, now=now)
    session.commit()
    assert session.get(Application, app.id).assigned_to == desk["colleague"].user_id
    with pytest.raises(ValidationError, match="app.stale"):
        worklist.assign(session=session, principal=desk["admin"], application_id=app.id, assignee_id=None,
                        seen_version=app.version - 1, now=now)
    session.rollback()
    far_app = desk["apps"]["other_site"]
    with pytest.raises(NotAllowed):
        worklist.assign(session=session, principal=desk["admin"], application_id=far_app.id, assignee_id=None,
                        seen_version=far_app.version, now=now)


def test_two_officers_claiming_at_once_one_wins(engine, desk, now):
    """Two transactions at the same time on the same version (real concurrency on PostgreSQL)."""
    app = desk["apps"]["later"]
    barrier, outcomes = threading.Barrier(2), {}

    def attempt(name):
        with Session(engine, expire_on_commit=False) as db:
            db.get(Application, app.id)  # both read the row first
            barrier.wait()
            try:
                worklist.claim(session=db, principal=desk[name], application_id=app.id, seen_version=app.version,
                               now=now)
                db.commit()
                outcomes[name] = "won"
            except DomainError as exc:
                db.rollback()
                outcomes[name] = exc.key

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("officer", "colleague")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(outcomes.values()) == ["app.stale", "won"], outcomes
    with Session(engine) as db:
        row = db.get(Application, app.id)
        winner = next(n for n, o in outcomes.items() if o == "won")
        assert (row.assigned_to, row.version) == (desk[winner].user_id, app.version + 1)
        assert db.get(User, row.assigned_to) is not None
