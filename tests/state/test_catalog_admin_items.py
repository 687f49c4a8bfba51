"""/admin/katalog edits the online form's requirement items with the standard: add, edit, reorder, remove,
save as a draft with clear messages; only the ministry (and superadmin) reaches these handlers."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from mpp_digital.models import Role, Service, ServiceDraft
from state.catalog_admin import CatalogAdminState
from tests.state.conftest import call, make_tree, substate
from tests.state.test_guard_matrix import ensure_session, is_not_allowed_toast, login_redirect


def _editor(engine, accounts_by_role, role=Role.MINISTRY):
    who = ensure_session(engine, accounts_by_role[role.value])
    root = make_tree(cookie=who.cookie_header, client_token=who.client_token)
    editor = substate(root, CatalogAdminState)
    call(CatalogAdminState.load, editor)
    return editor


def _form(editor) -> dict:
    return dict(editor.form)


def _drafts_of(engine, service_id):
    with Session(engine) as db:
        return db.exec(select(ServiceDraft).where(ServiceDraft.service_id == service_id)).all()


def test_open_a_service_shows_its_items_as_typed_rows(accounts_by_role, engine):
    editor = _editor(engine, accounts_by_role)
    call(CatalogAdminState.open_service, editor, {"pick": "akta-kelahiran"})
    keys = [row.key for row in editor.items]
    assert keys[:2] == ["surat_keterangan_lahir", "kk_orang_tua"] and "nik_ibu" in keys
    nik_ibu = next(r for r in editor.items if r.key == "nik_ibu")
    assert nik_ibu.type == "nik" and nik_ibu.required
    jenis_kelamin = next(r for r in editor.items if r.key == "jenis_kelamin")
    assert jenis_kelamin.choices.splitlines()[0] == "L | Laki-laki | Male"
    assert editor.form["workflow"] == "" and editor.form["fee_schedule"] == ""


def test_add_edit_move_remove_and_save_a_draft(accounts_by_role, engine):
    editor = _editor(engine, accounts_by_role)
    call(CatalogAdminState.open_service, editor, {"pick": "kia"})
    service_id = editor.editing_service_id
    before = [row.key for row in editor.items]

    call(CatalogAdminState.add_item, editor, "choice")
    call(CatalogAdminState.add_item, editor, "nosuchtype")  # ignored
    assert [r.type for r in editor.items][-1] == "choice" and len(editor.items) == len(before) + 1
    last = len(editor.items) - 1
    call(CatalogAdminState.set_item_field, editor, last, "key", "golongan_darah")
    call(CatalogAdminState.set_item_field, editor, last, "label", "Golongan darah")
    call(CatalogAdminState.set_item_field, editor, last, "choices", "A\nB\nAB\nO | O | O")
    call(CatalogAdminState.set_item_flag, editor, last, "required", False)
    call(CatalogAdminState.set_item_field, editor, last, "password", "x")  # not an item field: ignored
    call(CatalogAdminState.move_item, editor, last, -1)
    assert editor.items[last - 1].key == "golongan_darah"
    call(CatalogAdminState.move_item, editor, 0, -1)  # the first cannot move up: nothing changes
    call(CatalogAdminState.remove_item, editor, 0)
    call(CatalogAdminState.remove_item, editor, 999)  # no such row: nothing changes
    expected = [*before[1:-1], "golongan_darah", before[-1]]
    assert [r.key for r in editor.items] == expected

    call(CatalogAdminState.save_draft, editor, _form(editor))
    assert not editor.errors, editor.errors
    (draft,) = _drafts_of(engine, service_id)
    items = draft.data["requirement_items"]
    assert [i["key"] for i in items] == expected
    blood = next(i for i in items if i["key"] == "golongan_darah")
    assert blood["required"] is False and [c["value"] for c in blood["choices"]] == ["A", "B", "AB", "O"]
    with Session(engine) as db:  # nothing live until published
        assert [i["key"] for i in db.get(Service, service_id).requirement_items] == before
        db.delete(db.get(ServiceDraft, draft.id))
        db.commit()


def test_a_wrong_item_gets_a_clear_message_and_keeps_the_rows(accounts_by_role, engine):
    editor = _editor(engine, accounts_by_role)
    call(CatalogAdminState.open_service, editor, {"pick": "kia"})
    service_id = editor.editing_service_id
    call(CatalogAdminState.add_item, editor, "text")
    last = len(editor.items) - 1
    call(CatalogAdminState.save_draft, editor, _form(editor))
    assert editor.errors["requirement_items"] == f"Persyaratan ke-{last + 1}: nama wajib diisi."
    call(CatalogAdminState.set_item_field, editor, last, "label", "RT")
    call(CatalogAdminState.set_item_field, editor, last, "max_length", "tiga")
    call(CatalogAdminState.save_draft, editor, _form(editor))
    assert "maksimum" in editor.errors["requirement_items"] or "maximum" in editor.errors["requirement_items"]
    assert str(last + 1) in editor.errors["requirement_items"]  # names the item's number
    assert editor.items[last].max_length == "tiga"  # the editor keeps what was typed
    assert _drafts_of(engine, service_id) == []


def test_a_workflow_with_an_unreachable_state_is_refused(accounts_by_role, engine):
    editor = _editor(engine, accounts_by_role)
    call(CatalogAdminState.open_service, editor, {"pick": "kia"})
    spec = {"initial": "a", "states": [{"key": "a", "label": "A", "share": 100},
                                       {"key": "b", "label": "B", "share": 0},
                                       {"key": "z", "label": "Z", "terminal": True}],
            "actions": [{"key": "az", "from": ["a"], "to": "z", "roles": ["officer"], "label": "Selesai"},
                        {"key": "bz", "from": ["b"], "to": "z", "roles": ["officer"], "label": "B"}]}
    call(CatalogAdminState.save_draft, editor, _form(editor) | {"workflow": json.dumps(spec)})
    assert "b" in editor.errors["workflow"] and editor.form["workflow"] == json.dumps(spec)
    assert _drafts_of(engine, editor.editing_service_id) == []


def test_nobody_else_edits_items(accounts_by_role, engine):
    for role in (Role.CITIZEN, Role.OFFICER, Role.SITE_ADMIN, Role.REGIONAL_HEAD):
        who = ensure_session(engine, accounts_by_role[role.value])
        root = make_tree(cookie=who.cookie_header, client_token=who.client_token)
        editor = substate(root, CatalogAdminState)
        for handler, args in ((CatalogAdminState.add_item, ("document",)),
                              (CatalogAdminState.set_item_field, (0, "label", "x")),
                              (CatalogAdminState.move_item, (0, 1)),
                              (CatalogAdminState.remove_item, (0,))):
            assert is_not_allowed_toast(call(handler, editor, *args)), (role, handler)
        assert editor.items == []
    anonymous = make_tree(cookie=None, client_token="anon-items")
    assert login_redirect(call(CatalogAdminState.add_item, substate(anonymous, CatalogAdminState), "document"))
