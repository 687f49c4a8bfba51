"""Typed requirement items (persyaratan) of a service's standard: they generate the online form.

``Service.requirement_items`` is a JSON list; each element is a document the citizen attaches or a
data field the citizen fills in (text, date, choice, or the NIK of another person). ``parse_items``
checks a list as the catalog editor saves it; ``validate_answers`` and ``missing_documents`` check
what a citizen submits against it. Every failure is a message key (``mpp_digital.i18n``).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from mpp_digital.errors import ValidationError
from mpp_digital.i18n import in_language
from mpp_digital.services.identity import parse_nik

ItemType = Literal["document", "text", "date", "choice", "nik"]
ITEM_TYPES: tuple[str, ...] = ("document", "text", "date", "choice", "nik")
DATA_TYPES: tuple[str, ...] = ("text", "date", "choice", "nik")

DOC_KINDS: tuple[str, ...] = (
    "ktp_el", "kk", "akta", "buku_nikah", "surat_pengantar",
    "pas_foto", "surat_keterangan", "ijazah", "sertifikat", "lainnya",
)
DOCUMENT_TYPES: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LABEL_MAX = 120
HELP_MAX = 300
TEXT_MAX_LENGTH = 2000  # the longest text field a standard may ask for
DEFAULT_TEXT_MAX = 200
PATTERN_MAX = 200
ITEMS_MAX = 40

# Which optional fields belong to which type (a field given for another type is refused, so that
# an editor's mistake, e.g. choices on a document, is not silently ignored).
_TYPE_FIELDS: dict[str, frozenset[str]] = {
    "document": frozenset({"doc_kind", "accept", "wallet"}),
    "text": frozenset({"max_length", "pattern"}),
    "date": frozenset({"not_future"}),
    "choice": frozenset({"choices"}),
    "nik": frozenset(),
}
_TYPED_FIELDS = frozenset().union(*_TYPE_FIELDS.values())


class Choice(BaseModel):
    """One option of a choice field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str
    label: str
    label_en: str = ""


class RequirementItem(BaseModel):
    """One persyaratan: a document to attach or a data field to fill in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    type: ItemType
    label: str
    label_en: str = ""
    required: bool = True
    help: str = ""
    help_en: str = ""
    # document
    doc_kind: str | None = None
    accept: tuple[str, ...] = DOCUMENT_TYPES
    wallet: bool = True
    # text
    max_length: int = DEFAULT_TEXT_MAX
    pattern: str | None = None
    # date
    not_future: bool = False
    # choice
    choices: tuple[Choice, ...] = ()

    @property
    def is_document(self) -> bool:
        """True for a document to attach, False for a data field."""
        return self.type == "document"

    def label_in(self, lang: str) -> str:
        """The label in ``lang`` (Indonesian when no English label was written)."""
        return in_language(lang, self.label, self.label_en)

    def help_in(self, lang: str) -> str:
        """The help text in ``lang`` (Indonesian when no English text was written)."""
        return in_language(lang, self.help, self.help_en)

    def to_json(self) -> dict:
        """The item as stored in ``Service.requirement_items``: only the fields of its type."""
        keep = {"key", "type", "label", "label_en", "required", "help", "help_en"} | _TYPE_FIELDS[self.type]
        data = self.model_dump(include=keep)
        if "accept" in data:
            data["accept"] = list(data["accept"])
        if "choices" in data:
            data["choices"] = [dict(c) for c in data["choices"]]
        if data.get("pattern") is None:
            data.pop("pattern", None)
        return data


def _fail(index: int, key: str, message: str, **params: object) -> ValidationError:
    return ValidationError(f"items.{index}", message, number=index + 1, item=key, **params)


def _check_text(value: object, *, index: int, key: str, field: str, maximum: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(index, key, "req.item.bad_value", name=field)
    value = value.strip()
    if required and not value:
        raise _fail(index, key, "req.item.label_required" if field == "label" else "req.item.bad_value", name=field)
    if len(value) > maximum:
        raise _fail(index, key, "req.item.too_long", name=field, maximum=maximum)
    return value


def _parse_item(raw: object, index: int, seen: set[str]) -> RequirementItem:
    if not isinstance(raw, Mapping):
        raise _fail(index, "", "req.item.not_object")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise _fail(index, str(key or ""), "req.item.bad_key")
    if key in seen:
        raise _fail(index, key, "req.item.duplicate_key")
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        raise _fail(index, key, "req.item.bad_type", type=str(kind))
    known = {"key", "type", "label", "label_en", "required", "help", "help_en"} | _TYPED_FIELDS
    for field in raw:
        if field not in known:
            raise _fail(index, key, "req.item.unknown_field", name=str(field))
        if field in _TYPED_FIELDS and field not in _TYPE_FIELDS[kind]:
            raise _fail(index, key, "req.item.field_not_for_type", name=field, type=kind)
    data = dict(raw)
    data["label"] = _check_text(raw.get("label"), index=index, key=key, field="label", maximum=LABEL_MAX,
                                required=True)
    data["label_en"] = _check_text(raw.get("label_en"), index=index, key=key, field="label_en",
                                   maximum=LABEL_MAX, required=False)
    for field in ("help", "help_en"):
        data[field] = _check_text(raw.get(field), index=index, key=key, field=field, maximum=HELP_MAX,
                                  required=False)
    if "required" in raw and not isinstance(raw["required"], bool):
        raise _fail(index, key, "req.item.bad_value", name="required")
    if kind == "document":
        _check_document(raw, index, key)
    elif kind == "text":
        _check_text_field(raw, index, key)
    elif kind == "date":
        if "not_future" in raw and not isinstance(raw["not_future"], bool):
            raise _fail(index, key, "req.item.bad_value", name="not_future")
    elif kind == "choice":
        data["choices"] = _check_choices(raw.get("choices"), index, key)
    try:
        item = RequirementItem.model_validate(data)
    except PydanticValidationError as exc:  # a wrong type the checks above did not name
        field = ".".join(str(p) for p in exc.errors()[0]["loc"]) if exc.errors() else ""
        raise _fail(index, key, "req.item.bad_value", name=field) from None
    seen.add(key)
    return item


def _check_document(raw: Mapping, index: int, key: str) -> None:
    if raw.get("doc_kind") not in DOC_KINDS:
        raise _fail(index, key, "req.item.doc_kind", kinds=", ".join(DOC_KINDS))
    if "accept" in raw:
        accept = raw["accept"]
        if (not isinstance(accept, list | tuple) or not accept
                or any(a not in DOCUMENT_TYPES for a in accept) or len(set(accept)) != len(accept)):
            raise _fail(index, key, "req.item.accept", types=", ".join(DOCUMENT_TYPES))
    if "wallet" in raw and not isinstance(raw["wallet"], bool):
        raise _fail(index, key, "req.item.bad_value", name="wallet")


def _check_text_field(raw: Mapping, index: int, key: str) -> None:
    if "max_length" in raw:
        maximum = raw["max_length"]
        if isinstance(maximum, bool) or not isinstance(maximum, int) or not 1 <= maximum <= TEXT_MAX_LENGTH:
            raise _fail(index, key, "req.item.max_length", maximum=TEXT_MAX_LENGTH)
    pattern = raw.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern or len(pattern) > PATTERN_MAX:
            raise _fail(index, key, "req.item.pattern")
        try:
            re.compile(pattern)
        except re.error:
            raise _fail(index, key, "req.item.pattern") from None


def _check_choices(raw: object, index: int, key: str) -> list[dict]:
    if not isinstance(raw, list | tuple) or len(raw) < 2:
        raise _fail(index, key, "req.item.choices_required")
    choices: list[dict] = []
    values: set[str] = set()
    for choice in raw:
        if not isinstance(choice, Mapping) or set(choice) - {"value", "label", "label_en"}:
            raise _fail(index, key, "req.item.choice_invalid")
        value, label = choice.get("value"), choice.get("label")
        if not isinstance(value, str) or not value.strip() or not isinstance(label, str) or not label.strip():
            raise _fail(index, key, "req.item.choice_invalid")
        label_en = choice.get("label_en", "")
        if not isinstance(label_en, str) or len(label) > LABEL_MAX or len(label_en) > LABEL_MAX:
            raise _fail(index, key, "req.item.choice_invalid")
        if value.strip() in values:
            raise _fail(index, key, "req.item.choice_duplicate", value=value.strip())
        values.add(value.strip())
        choices.append({"value": value.strip(), "label": label.strip(), "label_en": label_en.strip()})
    return choices


def parse_items(raw: object) -> list[RequirementItem]:
    """Check a service's requirement items as stored or edited and return them typed.

    Args:
        raw: the JSON list (``Service.requirement_items`` or what the catalog editor saves).

    Raises:
        ValidationError: field ``items.<index>`` (or ``items``) with the message key of the first
            problem; params ``number`` (1-based) and ``item`` (its key) say where.
    """
    if not isinstance(raw, list | tuple):
        raise ValidationError("items", "req.items.not_list")
    if len(raw) > ITEMS_MAX:
        raise ValidationError("items", "req.items.too_many", maximum=ITEMS_MAX)
    seen: set[str] = set()
    return [_parse_item(element, index, seen) for index, element in enumerate(raw)]


class _AnyKecamatan:
    """Accepts every kecamatan code: the NIK's structure, date and serial are still checked."""

    def __contains__(self, code: object) -> bool:
        return True


def _answer_error(item: RequirementItem, value: str, *, today: date, kecamatan_codes: Container[str]) -> str | None:
    if item.type == "text":
        if len(value) > item.max_length:
            return "req.answer.too_long"
        if item.pattern and not re.fullmatch(item.pattern, value):
            return "req.answer.pattern"
    elif item.type == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return "req.answer.date_format"
        if item.not_future and day > today:
            return "req.answer.date_future"
    elif item.type == "choice":
        if value not in {c.value for c in item.choices}:
            return "req.answer.choice"
    elif item.type == "nik":
        try:
            parse_nik(value, kecamatan_codes=kecamatan_codes, today=today)
        except ValidationError as exc:
            return exc.key
    return None


def validate_answers(
    items: list[RequirementItem],
    answers: Mapping[str, str],
    *,
    today: date,
    kecamatan_codes: Container[str] | None = None,
) -> dict[str, str]:
    """Check a citizen's answers to the data fields (documents are checked by ``missing_documents``).

    Args:
        items: the service's parsed items.
        answers: item key -> what the citizen typed (surrounding spaces are ignored).
        today: the local date (a ``not_future`` date after it is refused; a NIK's birth date too).
        kecamatan_codes: the known kecamatan codes for NIK fields (e.g. accounts' region lookup);
            None checks the NIK's structure, birth date and serial only.

    Returns:
        item key -> message key for each wrong or missing answer; ``{}`` when all are fine.
    """
    codes = kecamatan_codes if kecamatan_codes is not None else _AnyKecamatan()
    errors: dict[str, str] = {}
    for item in items:
        if item.is_document:
            continue
        raw = answers.get(item.key)
        value = raw.strip() if isinstance(raw, str) else ""
        if not value:
            if item.required:
                errors[item.key] = "req.answer.required"
            continue
        problem = _answer_error(item, value, today=today, kecamatan_codes=codes)
        if problem:
            errors[item.key] = problem
    return errors


def clean_answers(items: list[RequirementItem], answers: Mapping[str, str]) -> dict[str, str]:
    """Only the answers to the items' data fields, trimmed (keys the form does not ask for are dropped)."""
    data_keys = {item.key for item in items if not item.is_document}
    return {k: v.strip() for k, v in answers.items() if k in data_keys and isinstance(v, str) and v.strip()}


def missing_documents(items: list[RequirementItem], attached: Mapping[str, int]) -> list[str]:
    """The keys of required document items that have no attached document, in the items' order."""
    return [item.key for item in items if item.is_document and item.required and not attached.get(item.key)]


def document_items(items: list[RequirementItem]) -> list[RequirementItem]:
    """The document items, in order."""
    return [item for item in items if item.is_document]


def data_items(items: list[RequirementItem]) -> list[RequirementItem]:
    """The data-field items, in order."""
    return [item for item in items if not item.is_document]


# --------------------------------------------------------------------------- the catalog editor's rows

FORM_FIELDS: tuple[str, ...] = ("key", "type", "label", "label_en", "required", "help", "help_en", "doc_kind",
                                "accept", "wallet", "max_length", "pattern", "not_future", "choices")


def item_to_form(raw: Mapping) -> dict[str, str | bool]:
    """An item as the editor's row: every field present, text for text inputs, booleans for switches.

    ``accept`` is comma-separated; ``choices`` is one "value | label | label_en" per line.
    """
    choices = "\n".join(" | ".join(filter(None, (c.get("value", ""), c.get("label", ""), c.get("label_en", ""))))
                        for c in raw.get("choices") or [] if isinstance(c, Mapping))
    return {
        "key": str(raw.get("key", "")), "type": str(raw.get("type", "document")),
        "label": str(raw.get("label", "")), "label_en": str(raw.get("label_en", "")),
        "required": bool(raw.get("required", True)),
        "help": str(raw.get("help", "")), "help_en": str(raw.get("help_en", "")),
        "doc_kind": str(raw.get("doc_kind") or ""), "accept": ", ".join(raw.get("accept") or DOCUMENT_TYPES),
        "wallet": bool(raw.get("wallet", True)), "max_length": str(raw.get("max_length", DEFAULT_TEXT_MAX)),
        "pattern": str(raw.get("pattern") or ""), "not_future": bool(raw.get("not_future", False)),
        "choices": choices,
    }


def item_from_form(row: Mapping) -> dict:
    """An editor's row back to an item with only the fields of its type (``parse_items`` then checks it).

    A value that is not what the type needs (a max length that is not a number) is passed on as typed,
    so that ``parse_items`` names the problem.
    """
    kind = str(row.get("type", ""))
    item: dict = {"key": str(row.get("key", "")).strip(), "type": kind, "label": str(row.get("label", "")),
                  "label_en": str(row.get("label_en", "")), "required": bool(row.get("required", True))}
    for name in ("help", "help_en"):
        if str(row.get(name, "")).strip():
            item[name] = str(row[name])
    if kind == "document":
        item["doc_kind"] = str(row.get("doc_kind", ""))
        item["accept"] = [a.strip() for a in str(row.get("accept", "")).split(",") if a.strip()]
        item["wallet"] = bool(row.get("wallet", True))
    elif kind == "text":
        text = str(row.get("max_length", "")).strip()
        item["max_length"] = int(text) if text.isdigit() else text or DEFAULT_TEXT_MAX
        if str(row.get("pattern", "")).strip():
            item["pattern"] = str(row["pattern"]).strip()
    elif kind == "date":
        item["not_future"] = bool(row.get("not_future", False))
    elif kind == "choice":
        choices = []
        for line in str(row.get("choices", "")).splitlines():
            if not line.strip():
                continue
            value, label, label_en = ([p.strip() for p in line.split("|")] + ["", "", ""])[:3]
            choices.append({"value": value, "label": label or value, "label_en": label_en})
        item["choices"] = choices
    return item
