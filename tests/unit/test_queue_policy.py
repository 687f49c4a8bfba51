"""The queue policy editor of a site admin: validation, scope, what takes effect when, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import AuditLog, Role
from mpp_digital.services import queue
from mpp_digital.services.authz import Grant, Principal
from tests.unit.queue_setup import MONDAY, QueueWorld, at, make_world

DEFAULTS = {"slot_minutes": "30", "minutes_per_ticket": "15", "online_share": "70", "mobile_share": "10",
            "days_ahead": "7", "cutoff_minutes": "30", "late_minutes": "15"}


@pytest.fixture()
def w(session: Session) -> QueueWorld:
    return make_world(session)


def admin_of(site_id: int, user_id: int) -> Principal:
    return Principal(user_id=user_id, session_id=0, full_name="Admin", email="admin@uji.test", email_verified=True,
                     grants=(Grant(Role.SITE_ADMIN, site_id=site_id),))


def save(session, w, service_id=None, actor=None, **changes) -> queue.Policy:
    return queue.set_policy(session=session, actor=actor or admin_of(w.site.id, w.citizens[0].id),
                            site_id=w.site.id, service_id=service_id, values={**DEFAULTS, **changes},
                            now=at(MONDAY, "06:00"))


@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"online_share": "tujuh puluh"}, "online_share", "policy.whole_number"),
    ({"slot_minutes": ""}, "slot_minutes", "policy.whole_number"),
    ({"days_ahead": "61"}, "days_ahead", "policy.range"),
    ({"slot_minutes": "4"}, "slot_minutes", "policy.range"),
    ({"online_share": "80", "mobile_share": "30"}, "mobile_share", "policy.shares_over"),
    ({"slot_minutes": "20", "minutes_per_ticket": "25"}, "minutes_per_ticket", "policy.ticket_longer_than_slot"),
])
def test_bad_settings_name_the_field_and_change_nothing(session, w, changes, field, key):
    with pytest.raises(ValidationError) as exc:
        save(session, w, **changes)
    assert (exc.value.field, exc.value.key) == (field, key)
    assert queue.policy_for(session=session, site_id=w.site.id, service_id=w.online.id) == queue.Policy()


def test_the_range_message_says_the_accepted_range(session, w):
    with pytest.raises(ValidationError) as exc:
        save(session, w, cutoff_minutes="2000")
    assert exc.value.params == {"low": -240, "high": 1440}


def test_only_the_sites_own_admin_edits_and_only_services_offered_there(session, w):
    with pytest.raises(NotAllowed):
        save(session, w, actor=admin_of(w.other_site.id, w.citizens[0].id))
    with pytest.raises(NotAllowed):  # an officer of the site is not its admin
        save(session, w, actor=w.officer)
    with pytest.raises(DomainError) as exc:
        save(session, w, service_id=999_999)
    assert exc.value.key == "queue.service.not_here"


def test_shares_and_slot_length_shape_days_not_planned_yet(session, w):
    planned = queue.ensure_slots(session=session, site=w.site, service=w.online, day=MONDAY)
    save(session, w, slot_minutes="60", online_share="50", mobile_share="0")
    # the planned day keeps its slots; the next one is planned with the new policy
    assert queue.ensure_slots(session=session, site=w.site, service=w.online, day=MONDAY) == planned
    tuesday = queue.ensure_slots(session=session, site=w.site, service=w.online, day=MONDAY + timedelta(days=1))
    first = tuesday[0]
    assert first.label == "08:00" and first.end_at - first.start_at == timedelta(hours=1)
    # 2 counters x 60 min / 15 min = 8 places: 50 % online, no mobile, rest walk-in
    assert (first.capacity, first.online_capacity, first.mobile_capacity, first.walkin_capacity) == (8, 4, 0, 4)


def test_the_booking_window_applies_at_once_and_a_service_policy_wins_over_the_sites(session, w):
    far = MONDAY + timedelta(days=3)
    slot = queue.ensure_slots(session=session, site=w.site, service=w.online, day=far)[0]
    save(session, w, days_ahead="1")
    with pytest.raises(DomainError) as exc:
        queue.book_online(session=session, citizen_id=w.citizens[1].id, slot_id=slot.id, now=at(MONDAY, "06:00"))
    assert exc.value.key == "queue.day.beyond_window"
    save(session, w, service_id=w.online.id, days_ahead="5")
    assert queue.policy_for(session=session, site_id=w.site.id, service_id=w.online.id).days_ahead == 5
    assert queue.policy_for(session=session, site_id=w.site.id, service_id=w.direct_only.id).days_ahead == 1
    ticket = queue.book_online(session=session, citizen_id=w.citizens[1].id, slot_id=slot.id, now=at(MONDAY, "06:00"))
    assert ticket.day == far


def test_the_editor_shows_what_is_in_force_and_a_service_can_go_back_to_the_sites(session, w):
    admin = admin_of(w.site.id, w.citizens[0].id)
    assert queue.policy_settings(session=session, actor=admin, site_id=w.site.id, service_id=None) == (
        queue.Policy(), False)
    save(session, w, online_share="60")
    policy, own = queue.policy_settings(session=session, actor=admin, site_id=w.site.id, service_id=w.online.id)
    assert (policy.online_share, own) == (60, False)  # follows the site's
    save(session, w, service_id=w.online.id, online_share="40")
    assert queue.policy_settings(session=session, actor=admin, site_id=w.site.id,
                                 service_id=w.online.id)[0].online_share == 40
    queue.remove_policy(session=session, actor=admin, site_id=w.site.id, service_id=w.online.id,
                        now=at(MONDAY, "06:00"))
    assert queue.policy_settings(session=session, actor=admin, site_id=w.site.id, service_id=w.online.id) == (
        queue.policy_for(session=session, site_id=w.site.id, service_id=None), False)


def test_every_change_is_audited_with_before_and_after(session, w):
    save(session, w, online_share="60")
    save(session, w, online_share="50")
    rows = session.exec(select(AuditLog).where(AuditLog.action == "queue_policy_set",
                                               AuditLog.target == f"site:{w.site.id}").order_by(AuditLog.id)).all()
    assert [r.detail["before"] and r.detail["before"]["online_share"] for r in rows] == [None, 60]
    assert rows[-1].detail["after"]["online_share"] == 50 and rows[-1].actor_user_id == w.citizens[0].id
