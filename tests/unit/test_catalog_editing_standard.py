"""Editing the machine-readable standard in /admin/katalog: items, workflow and fee schedule through drafts."""

from __future__ import annotations

import copy
import json

import pytest
from sqlmodel import select

from mpp_digital.models import AuditLog, Role, Service, ServiceDraft, User
from mpp_digital.services import catalog_editing as editing
from mpp_digital.services.accounts import InvalidForm
from mpp_digital.services.applications.requirements import item_from_form, item_to_form, parse_items
from mpp_digital.services.applications.workflow import DEFAULT_WORKFLOW
from mpp_digital.services.authz import Grant, Principal


@pytest.fixture()
def ministry(session, now) -> Principal:
    user = User(full_name="Analis", email="analis-standar@example.id", password_hash="x", created_at=now)
    session.add(user)
    session.flush()
    return Principal(user_id=user.id, session_id=1, full_name="Analis", email=user.email, email_verified=True,
                     grants=(Grant(Role.MINISTRY),))


def _kia(session) -> Service:
    return session.exec(select(Service).where(Service.slug == "kia")).one()


def test_form_rows_round_trip_every_type(session):
    items = _kia(session).requirement_items + [
        {"key": "jk", "type": "choice", "label": "Jenis kelamin", "label_en": "Sex",
         "choices": [{"value": "L", "label": "Laki-laki", "label_en": "Male"}, {"value": "P", "label": "Perempuan"}]},
        {"key": "tgl", "type": "date", "label": "Tanggal", "not_future": True},
        {"key": "rt", "type": "text", "label": "RT", "max_length": 3, "pattern": "[0-9]{3}"},
    ]
    rows = [item_to_form(i) for i in items]
    assert rows[-3]["choices"] == "L | Laki-laki | Male\nP | Perempuan"
    back = parse_items([item_from_form(r) for r in rows])
    assert back == parse_items(items)


def test_form_row_of_the_wrong_shape_is_named_by_parse_items():
    from mpp_digital.errors import ValidationError

    row = item_to_form({"key": "rt", "type": "text", "label": "RT"}) | {"max_length": "tiga"}
    with pytest.raises(ValidationError) as exc:
        parse_items([item_from_form(row)])
    assert exc.value.key == "req.item.max_length"
    row = item_to_form({"key": "jk", "type": "choice", "label": "JK"}) | {"choices": "L | Laki-laki"}
    with pytest.raises(ValidationError) as exc:
        parse_items([item_from_form(row)])
    assert exc.value.key == "req.item.choices_required"


def test_items_edited_through_a_draft_go_live_when_published_and_are_audited(session, ministry, now):
    kia = _kia(session)
    before = copy.deepcopy(kia.requirement_items)
    items = list(reversed(before))[:-1] + [{"key": "catatan", "type": "text", "label": "Catatan", "required": False}]
    data = editing.service_as_data(kia) | {"requirement_items": items}
    draft = editing.save_draft(session=session, actor=ministry, data=data, service_id=kia.id, now=now)
    assert _kia(session).requirement_items == before  # citizens still see the published standard
    editing.publish_draft(session=session, actor=ministry, draft_id=draft.id, now=now)
    session.flush()
    live = _kia(session).requirement_items
    assert [i["key"] for i in live] == [i["key"] for i in items]
    assert live[-1]["max_length"] == 200  # stored normalised (to_json)
    audit = session.exec(select(AuditLog).where(AuditLog.action == "service_publish")).all()[-1]
    assert audit.detail["before"]["requirement_items"] == before
    assert [i["key"] for i in audit.detail["after"]["requirement_items"]] == [i["key"] for i in items]


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("requirement_items", [{"key": "kk", "type": "document", "label": "KK", "doc_kind": "paspor"}],
         "req.item.doc_kind"),
        ("requirement_items", [{"key": "kk", "type": "document", "label": "KK", "doc_kind": "kk"}] * 2,
         "req.item.duplicate_key"),
        ("requirement_items", "[not json", "catadmin.json_invalid"),
        ("workflow", json.dumps({**DEFAULT_WORKFLOW, "initial": "selesai"}), "wf.initial_terminal"),
        ("workflow", "{", "catadmin.json_invalid"),
        ("fee_schedule", {"variants": [{"key": "v", "label": "V", "parts": [{"label": "x", "amount": -1}]}]},
         "fee.amount_invalid"),
    ],
)
def test_a_wrong_standard_is_refused_with_its_message_and_no_draft(session, ministry, now, field, value, key):
    kia = _kia(session)
    data = editing.service_as_data(kia) | {field: value}
    with pytest.raises(InvalidForm) as exc:
        editing.save_draft(session=session, actor=ministry, data=data, service_id=kia.id, now=now)
    assert exc.value.errors[field].key == key
    assert session.exec(select(ServiceDraft).where(ServiceDraft.service_id == kia.id)).all() == []


def test_an_unreachable_state_in_the_workflow_is_refused(session, ministry, now):
    spec = copy.deepcopy(DEFAULT_WORKFLOW)
    spec["states"].insert(3, {"key": "arsip", "label": "Arsip", "share": 0})
    spec["actions"].append({"key": "arsipkan", "from": ["arsip"], "to": "selesai", "roles": ["officer"],
                            "label": "Arsipkan"})
    data = editing.service_as_data(_kia(session)) | {"workflow": json.dumps(spec)}
    with pytest.raises(InvalidForm) as exc:
        editing.save_draft(session=session, actor=ministry, data=data, service_id=_kia(session).id, now=now)
    assert exc.value.errors["workflow"].key == "wf.unreachable"
    assert exc.value.errors["workflow"].params == {"status": "arsip"}


def test_json_text_is_accepted_and_blank_means_the_default(session, ministry, now):
    kia = _kia(session)
    schedule = {"variants": [{"key": "baru", "label": "Baru", "parts": [{"label": "Blangko", "amount": 0}]}]}
    data = editing.service_as_data(kia) | {"workflow": "  ", "fee_schedule": json.dumps(schedule)}
    draft = editing.save_draft(session=session, actor=ministry, data=data, service_id=kia.id, now=now)
    assert draft.data["workflow"] == {} and draft.data["fee_schedule"] == schedule


def test_an_older_draft_without_the_standard_keeps_the_live_items(session, ministry, now):
    kia = _kia(session)
    items = copy.deepcopy(kia.requirement_items)
    data = {k: v for k, v in editing.service_as_data(kia).items() if k not in editing.STANDARD_FIELDS}
    draft = editing.save_draft(session=session, actor=ministry, data=data, service_id=kia.id, now=now)
    editing.publish_draft(session=session, actor=ministry, draft_id=draft.id, now=now)
    session.flush()
    assert _kia(session).requirement_items == items
