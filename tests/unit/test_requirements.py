"""Typed requirement items: every refusal of parse_items, and the checks of a citizen's answers."""

from __future__ import annotations

from datetime import date

import pytest

from mpp_digital.errors import ValidationError
from mpp_digital.services.applications.requirements import (
    DOC_KINDS,
    ITEMS_MAX,
    RequirementItem,
    clean_answers,
    data_items,
    document_items,
    missing_documents,
    parse_items,
    validate_answers,
)
from tests.unit.message_keys import assert_keys_translated

TODAY = date(2026, 11, 30)


def _doc(key="kk", **extra):
    return {"key": key, "type": "document", "label": "Kartu Keluarga", "doc_kind": "kk", **extra}


def _text(key="nama_anak", **extra):
    return {"key": key, "type": "text", "label": "Nama anak", **extra}


GOOD = [
    _doc("surat_lahir", doc_kind="surat_keterangan", accept=["application/pdf"], wallet=False,
         label_en="Birth statement", help="Dari bidan atau rumah sakit"),
    _doc("kk"),
    _text("nama_anak", max_length=60, pattern=r"[A-Za-z' .]+"),
    {"key": "tanggal_lahir", "type": "date", "label": "Tanggal lahir", "not_future": True},
    {"key": "jenis_kelamin", "type": "choice", "label": "Jenis kelamin",
     "choices": [{"value": "L", "label": "Laki-laki", "label_en": "Male"},
                 {"value": "P", "label": "Perempuan", "label_en": "Female"}]},
    {"key": "nik_ibu", "type": "nik", "label": "NIK ibu"},
    _text("catatan", required=False),
]


def test_good_items_parse_with_their_types():
    items = parse_items(GOOD)
    assert [i.type for i in items] == ["document", "document", "text", "date", "choice", "nik", "text"]
    assert items[0].accept == ("application/pdf",) and items[0].wallet is False
    assert items[1].accept == ("application/pdf", "image/jpeg", "image/png") and items[1].wallet is True
    assert items[2].max_length == 60 and items[6].required is False
    assert [i.key for i in document_items(items)] == ["surat_lahir", "kk"]
    assert len(data_items(items)) == 5
    assert items[0].label_in("en") == "Birth statement" and items[1].label_in("en") == "Kartu Keluarga"


def test_to_json_round_trips_and_keeps_only_the_fields_of_the_type():
    items = parse_items(GOOD)
    again = parse_items([i.to_json() for i in items])
    assert again == items
    assert "choices" not in items[0].to_json() and "doc_kind" not in items[2].to_json()


def test_labels_are_trimmed():
    (item,) = parse_items([_doc(label="  KK  ")])
    assert item.label == "KK"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("not a list", "req.items.not_list"),
        ({"key": "kk"}, "req.items.not_list"),
        ([_doc(f"d{i}") for i in range(ITEMS_MAX + 1)], "req.items.too_many"),
    ],
)
def test_list_level_refusals(raw, key):
    with pytest.raises(ValidationError) as exc:
        parse_items(raw)
    assert exc.value.key == key and exc.value.field == "items"


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ("kk", "req.item.not_object"),
        ({**_doc(), "key": ""}, "req.item.bad_key"),
        ({**_doc(), "key": "KK"}, "req.item.bad_key"),
        ({**_doc(), "key": "1kk"}, "req.item.bad_key"),
        ({**_doc(), "key": "k" * 41}, "req.item.bad_key"),
        ({**_doc(), "key": None}, "req.item.bad_key"),
        ({**_doc(), "type": "file"}, "req.item.bad_type"),
        ({**_doc(), "colour": "red"}, "req.item.unknown_field"),
        ({**_doc(), "choices": []}, "req.item.field_not_for_type"),
        ({**_text(), "doc_kind": "kk"}, "req.item.field_not_for_type"),
        ({"key": "nik_ibu", "type": "nik", "label": "NIK", "max_length": 16}, "req.item.field_not_for_type"),
        ({**_doc(), "label": ""}, "req.item.label_required"),
        ({**_doc(), "label": "   "}, "req.item.label_required"),
        ({k: v for k, v in _doc().items() if k != "label"}, "req.item.label_required"),
        ({**_doc(), "label": 5}, "req.item.bad_value"),
        ({**_doc(), "label": "x" * 121}, "req.item.too_long"),
        ({**_doc(), "help_en": "x" * 301}, "req.item.too_long"),
        ({**_doc(), "required": "yes"}, "req.item.bad_value"),
        ({**_doc(), "doc_kind": "passport"}, "req.item.doc_kind"),
        ({k: v for k, v in _doc().items() if k != "doc_kind"}, "req.item.doc_kind"),
        ({**_doc(), "accept": []}, "req.item.accept"),
        ({**_doc(), "accept": ["application/x-msdownload"]}, "req.item.accept"),
        ({**_doc(), "accept": "application/pdf"}, "req.item.accept"),
        ({**_doc(), "accept": ["image/png", "image/png"]}, "req.item.accept"),
        ({**_doc(), "wallet": 1}, "req.item.bad_value"),
        ({**_text(), "max_length": 0}, "req.item.max_length"),
        ({**_text(), "max_length": 2001}, "req.item.max_length"),
        ({**_text(), "max_length": "50"}, "req.item.max_length"),
        ({**_text(), "max_length": True}, "req.item.max_length"),
        ({**_text(), "pattern": "("}, "req.item.pattern"),
        ({**_text(), "pattern": ""}, "req.item.pattern"),
        ({**_text(), "pattern": "a" * 201}, "req.item.pattern"),
        ({"key": "tgl", "type": "date", "label": "Tanggal", "not_future": "true"}, "req.item.bad_value"),
        ({"key": "jk", "type": "choice", "label": "JK"}, "req.item.choices_required"),
        ({"key": "jk", "type": "choice", "label": "JK", "choices": [{"value": "L", "label": "L"}]},
         "req.item.choices_required"),
        ({"key": "jk", "type": "choice", "label": "JK", "choices": [{"value": "L", "label": "L"}, "P"]},
         "req.item.choice_invalid"),
        ({"key": "jk", "type": "choice", "label": "JK",
          "choices": [{"value": "L", "label": "L"}, {"value": "", "label": "P"}]}, "req.item.choice_invalid"),
        ({"key": "jk", "type": "choice", "label": "JK",
          "choices": [{"value": "L", "label": "L"}, {"value": "P", "label": ""}]}, "req.item.choice_invalid"),
        ({"key": "jk", "type": "choice", "label": "JK",
          "choices": [{"value": "L", "label": "L"}, {"value": "P", "label": "P", "x": 1}]},
         "req.item.choice_invalid"),
        ({"key": "jk", "type": "choice", "label": "JK",
          "choices": [{"value": "L", "label": "L"}, {"value": " L", "label": "L2"}]}, "req.item.choice_duplicate"),
    ],
)
def test_item_refusals(item, key):
    with pytest.raises(ValidationError) as exc:
        parse_items([_doc("ktp"), item])
    assert exc.value.key == key
    assert exc.value.field == "items.1" and exc.value.params["number"] == 2


def test_duplicate_key_is_refused():
    with pytest.raises(ValidationError) as exc:
        parse_items([_doc("kk"), _text("kk")])
    assert exc.value.key == "req.item.duplicate_key" and exc.value.params["item"] == "kk"


def test_every_doc_kind_is_accepted():
    items = parse_items([_doc(f"d_{kind}", doc_kind=kind) for kind in DOC_KINDS])
    assert {i.doc_kind for i in items} == set(DOC_KINDS)


def test_every_message_key_exists_in_both_languages_with_the_same_placeholders():
    from mpp_digital.services.applications import requirements

    keys = assert_keys_translated(requirements, "req")
    assert {"req.item.doc_kind", "req.answer.required", "req.items.not_list"} <= keys


# --------------------------------------------------------------------------- answers

ITEMS = parse_items(GOOD)
OK_ANSWERS = {
    "nama_anak": "Budi Santoso",
    "tanggal_lahir": "2026-11-01",
    "jenis_kelamin": "L",
    "nik_ibu": "3314015505900001",
}


def test_good_answers_have_no_errors():
    assert validate_answers(ITEMS, OK_ANSWERS, today=TODAY) == {}


def test_documents_are_not_data_answers():
    assert "kk" not in validate_answers(ITEMS, {}, today=TODAY)


def test_missing_required_answers_and_blank_ones():
    errors = validate_answers(ITEMS, {"nama_anak": "   "}, today=TODAY)
    assert errors == {k: "req.answer.required" for k in ("nama_anak", "tanggal_lahir", "jenis_kelamin", "nik_ibu")}


def test_optional_blank_answer_is_fine_but_checked_when_given():
    items = parse_items([_text("catatan", required=False, max_length=5)])
    assert validate_answers(items, {"catatan": ""}, today=TODAY) == {}
    assert validate_answers(items, {"catatan": "abcdef"}, today=TODAY) == {"catatan": "req.answer.too_long"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nama_anak", "B" * 61, "req.answer.too_long"),
        ("nama_anak", "Budi123", "req.answer.pattern"),
        ("tanggal_lahir", "30/11/2026", "req.answer.date_format"),
        ("tanggal_lahir", "2026-02-30", "req.answer.date_format"),
        ("tanggal_lahir", "2026-12-01", "req.answer.date_future"),
        ("jenis_kelamin", "X", "req.answer.choice"),
        ("jenis_kelamin", "Laki-laki", "req.answer.choice"),
        ("nik_ibu", "33140155059000", "nik.length"),
        ("nik_ibu", "33140155059000AB", "nik.digits_only"),
        ("nik_ibu", "3314013213900001", "nik.bad_date"),
        ("nik_ibu", "3314015505900000", "nik.serial_zero"),
        ("nik_ibu", "3314013112260001", "nik.future_date"),
    ],
)
def test_wrong_answers(key, value, message):
    errors = validate_answers(ITEMS, {**OK_ANSWERS, key: value}, today=TODAY)
    assert errors == {key: message}


def test_pattern_must_match_the_whole_answer():
    items = parse_items([_text("rt", pattern=r"\d{3}")])
    assert validate_answers(items, {"rt": "0012"}, today=TODAY) == {"rt": "req.answer.pattern"}
    assert validate_answers(items, {"rt": "001"}, today=TODAY) == {}


def test_date_in_the_future_allowed_unless_not_future():
    items = parse_items([{"key": "rencana", "type": "date", "label": "Tanggal rencana"}])
    assert validate_answers(items, {"rencana": "2027-01-05"}, today=TODAY) == {}


def test_nik_checked_against_known_kecamatan_codes_when_given():
    answers = {**OK_ANSWERS, "nik_ibu": "9999015505900001"}
    assert validate_answers(ITEMS, answers, today=TODAY) == {}
    errors = validate_answers(ITEMS, answers, today=TODAY, kecamatan_codes={"33.14.01"})
    assert errors == {"nik_ibu": "nik.unknown_kecamatan"}
    assert validate_answers(ITEMS, OK_ANSWERS, today=TODAY, kecamatan_codes={"33.14.01"}) == {}


def test_non_string_answer_counts_as_missing():
    errors = validate_answers(ITEMS, {**OK_ANSWERS, "nama_anak": 5}, today=TODAY)
    assert errors == {"nama_anak": "req.answer.required"}


def test_clean_answers_drops_unknown_keys_and_documents_and_trims():
    cleaned = clean_answers(ITEMS, {**OK_ANSWERS, "nama_anak": " Budi ", "kk": "7", "admin": "1"})
    assert cleaned["nama_anak"] == "Budi" and "kk" not in cleaned and "admin" not in cleaned


def test_missing_documents_lists_required_ones_in_order():
    items = parse_items([_doc("surat_lahir", doc_kind="surat_keterangan"), _doc("kk"),
                         _doc("buku_nikah", doc_kind="buku_nikah", required=False)])
    assert missing_documents(items, {}) == ["surat_lahir", "kk"]
    assert missing_documents(items, {"kk": 4}) == ["surat_lahir"]
    assert missing_documents(items, {"kk": 4, "surat_lahir": 0}) == ["surat_lahir"]
    assert missing_documents(items, {"kk": 4, "surat_lahir": 9}) == []


def test_item_is_immutable():
    item = RequirementItem(key="kk", type="document", label="KK", doc_kind="kk")
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        item.label = "x"  # type: ignore[misc]
