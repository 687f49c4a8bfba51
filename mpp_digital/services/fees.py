"""Fees as the standard defines them: variants, case rules and regional tariffs.

``Service.fee_schedule`` is ``{}`` (the flat ``Service.fee_rupiah``) or::

    {"note": "...", "note_en": "...",
     "variants": [
        {"key": "hilang", "label": "Paspor hilang", "label_en": "Lost passport",
         "parts": [{"label": "Beban biaya penggantian paspor hilang", "amount": 1000000},
                   {"label": "PNBP paspor", "amount": 650000}]},
        {"key": "tahunan", "label": "...", "parts": [{"label": "PKB", "rule": {"kind": "pkb", ...}}]}]}

A part has a fixed ``amount`` or a ``rule``. An amount (and a rule's regional parameter) may be
regional: ``{"default": 50000, "by_region": {"33.14": 40000, "33": 45000}}`` is looked up by the
regency code, then its province code, then ``default``. Rules:

- ``pkb`` (annual vehicle tax, UU 1/2022): NJKB x tariff of the province + opsen of the regency
  + SWDKLLJ by vehicle type; inputs ``vehicle_value`` and ``vehicle_type``.
- ``bphtb`` (land and building acquisition duty): rate x (NPOP - NPOPTKP of the regency); input ``npop``.
- ``land_value`` (BPN PNBP, PP 128/2015): value x per mille + base; input ``land_value``.
- ``radius`` (court advance, panjar biaya perkara): the amount of the radius band; input ``radius``.

Amounts stay whole rupiah numbers; words come from message keys at the edge (``rule_text``),
and rupiah are formatted by ``mpp_digital.formatting`` (Babel).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mpp_digital import formatting
from mpp_digital.errors import ValidationError
from mpp_digital.i18n import in_language, t
from mpp_digital.models import Service

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,23}$")  # Application.fee_variant
REGION_PATTERN = re.compile(r"^\d{2}(\.\d{2})?$")
FLAT_VARIANT = "standar"
RULE_KINDS: tuple[str, ...] = ("pkb", "bphtb", "land_value", "radius")
VEHICLE_TYPES: tuple[str, ...] = ("motor", "mobil")
MAX_RUPIAH = 10**15
LABEL_MAX = 120
NOTE_MAX = 500
VARIANTS_MAX = 12
PARTS_MAX = 6
BANDS_MAX = 10

# The case inputs each rule needs for an estimate.
RULE_INPUTS: dict[str, tuple[str, ...]] = {
    "pkb": ("vehicle_value", "vehicle_type"),
    "bphtb": ("npop",),
    "land_value": ("land_value",),
    "radius": ("radius",),
}


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class CaseInput:
    """A value the citizen may give so that a rule can be estimated."""

    key: str  # vehicle_value / vehicle_type / npop / land_value / radius
    kind: str  # "rupiah" or "choice"
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, label, label_en)


@dataclass(frozen=True)
class FeePart:
    """One component of a variant: a fixed amount (for this regency) or a rule with its parameters."""

    label: str
    label_en: str
    amount: int | None  # None: a rule, or no tariff recorded for this regency
    rule: str | None = None
    params: Mapping = field(default_factory=dict)  # the rule's parameters for this regency (numbers)

    def label_in(self, lang: str) -> str:
        """The label in ``lang``."""
        return in_language(lang, self.label, self.label_en)


@dataclass(frozen=True)
class FeeOption:
    """A fee variant of a service at one regency (what the catalog and the form list)."""

    key: str
    label: str
    label_en: str
    parts: tuple[FeePart, ...]
    inputs: tuple[CaseInput, ...]  # what the citizen may enter for an estimate
    amount: int | None  # the total when every part is fixed
    minimum: int | None  # the least it can be, when known (fixed parts + the cheapest band)
    maximum: int | None  # the most it can be, when known (radius bands)

    @property
    def is_rule(self) -> bool:
        """True when part of the fee depends on the case."""
        return any(p.rule for p in self.parts)

    def label_in(self, lang: str) -> str:
        """The label in ``lang``."""
        return in_language(lang, self.label, self.label_en)


@dataclass(frozen=True)
class PartQuote:
    """One part of a quote: its amount when known, and the rule in words (key + numeric params)."""

    label: str
    label_en: str
    amount: int | None
    rule_key: str | None
    params: Mapping

    def label_in(self, lang: str) -> str:
        """The label in ``lang``."""
        return in_language(lang, self.label, self.label_en)


@dataclass(frozen=True)
class FeeQuote:
    """The fee that applies to one case: the amount (None when it cannot be estimated) and the rule."""

    variant: str
    amount: int | None
    is_estimate: bool  # a rule was applied (court advances, taxes estimated from declared values)
    rule_key: str | None  # the first rule's message key (fee.rule.*), None for a fixed fee
    params: Mapping  # that rule's parameters (numbers)
    parts: tuple[PartQuote, ...]
    missing: tuple[str, ...]  # case inputs the estimate still needs


# --------------------------------------------------------------------------- checking a schedule


def _fail(field_name: str, key: str, **params: object) -> ValidationError:
    return ValidationError(field_name, key, **params)


def _is_rupiah(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_RUPIAH


def _is_regional(value: object) -> bool:
    return isinstance(value, Mapping) and ("default" in value or "by_region" in value)


def _check_regional(value: object, where: str, check) -> None:
    """A plain value, or {"default": value, "by_region": {code: value}} (default may be null)."""
    if _is_regional(value):
        if set(value) - {"default", "by_region"} or not isinstance(value.get("by_region", {}), Mapping):
            raise _fail(where, "fee.regional_invalid")
        if value.get("default") is not None:
            check(value["default"])
        for code, regional in value.get("by_region", {}).items():
            if not isinstance(code, str) or not REGION_PATTERN.match(code):
                raise _fail(where, "fee.region_code", code=str(code))
            check(regional)
        return
    check(value)


def _check_label(raw: Mapping, where: str) -> None:
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX:
        raise _fail(where, "fee.label_required", maximum=LABEL_MAX)
    label_en = raw.get("label_en", "")
    if not isinstance(label_en, str) or len(label_en) > LABEL_MAX:
        raise _fail(where, "fee.label_required", maximum=LABEL_MAX)


def _check_rule(rule: object, where: str) -> None:
    if not isinstance(rule, Mapping) or rule.get("kind") not in RULE_KINDS:
        raise _fail(where, "fee.rule_kind", kinds=", ".join(RULE_KINDS))
    kind = rule["kind"]

    def rupiah(value: object) -> None:
        if not _is_rupiah(value):
            raise _fail(where, "fee.amount_invalid")

    def percent(value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise _fail(where, "fee.rule_param", kind=kind)

    expected = {"pkb": {"kind", "tariff", "swdkllj"}, "bphtb": {"kind", "rate_pct", "npoptkp"},
                "land_value": {"kind", "per_mille", "base"}, "radius": {"kind", "bands"}}[kind]
    if set(rule) != expected:
        raise _fail(where, "fee.rule_param", kind=kind)
    if kind == "pkb":
        def tariff(value: object) -> None:
            if (not isinstance(value, Mapping) or set(value) != {"rate_bp", "opsen_pct"}
                    or not isinstance(value["rate_bp"], int) or isinstance(value["rate_bp"], bool)
                    or not 0 < value["rate_bp"] <= 1000):
                raise _fail(where, "fee.rule_param", kind=kind)
            percent(value["opsen_pct"])

        _check_regional(rule["tariff"], where, tariff)
        swdkllj = rule["swdkllj"]
        if not isinstance(swdkllj, Mapping) or set(swdkllj) != set(VEHICLE_TYPES):
            raise _fail(where, "fee.rule_param", kind=kind)
        for value in swdkllj.values():
            rupiah(value)
    elif kind == "bphtb":
        percent(rule["rate_pct"])
        _check_regional(rule["npoptkp"], where, rupiah)
    elif kind == "land_value":
        if not isinstance(rule["per_mille"], int) or isinstance(rule["per_mille"], bool) \
                or not 0 < rule["per_mille"] <= 1000:
            raise _fail(where, "fee.rule_param", kind=kind)
        rupiah(rule["base"])
    else:
        bands = rule["bands"]
        if not isinstance(bands, list) or not 1 <= len(bands) <= BANDS_MAX:
            raise _fail(where, "fee.rule_param", kind=kind)
        values = set()
        for band in bands:
            if not isinstance(band, Mapping) or set(band) - {"value", "label", "label_en", "amount"}:
                raise _fail(where, "fee.rule_param", kind=kind)
            _check_label(band, where)
            if not isinstance(band.get("value"), str) or not band["value"] or band["value"] in values:
                raise _fail(where, "fee.rule_param", kind=kind)
            values.add(band["value"])
            rupiah(band.get("amount"))


def parse_schedule(raw: object) -> dict:
    """Check a fee schedule as stored or edited; returns it (``{}`` is the flat fee).

    Raises:
        ValidationError: field ``fee_schedule`` or ``variants.<i>`` with a ``fee.*`` message key.
    """
    if raw in (None, {}):
        return {}
    if not isinstance(raw, Mapping) or set(raw) - {"variants", "note", "note_en"}:
        raise _fail("fee_schedule", "fee.schedule_invalid")
    for note in ("note", "note_en"):
        if not isinstance(raw.get(note, ""), str) or len(raw.get(note, "")) > NOTE_MAX:
            raise _fail("fee_schedule", "fee.note_too_long", maximum=NOTE_MAX)
    variants = raw.get("variants")
    if not isinstance(variants, list) or not 1 <= len(variants) <= VARIANTS_MAX:
        raise _fail("fee_schedule", "fee.variants_required", maximum=VARIANTS_MAX)
    keys: set[str] = set()
    for index, variant in enumerate(variants):
        where = f"variants.{index}"
        if not isinstance(variant, Mapping) or set(variant) - {"key", "label", "label_en", "parts"}:
            raise _fail(where, "fee.variant_invalid", number=index + 1)
        key = variant.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise _fail(where, "fee.variant_key", number=index + 1)
        if key in keys:
            raise _fail(where, "fee.variant_duplicate", variant=key)
        keys.add(key)
        _check_label(variant, where)
        parts = variant.get("parts")
        if not isinstance(parts, list) or not 1 <= len(parts) <= PARTS_MAX:
            raise _fail(where, "fee.parts_required", maximum=PARTS_MAX)
        for part in parts:
            if not isinstance(part, Mapping) or set(part) - {"label", "label_en", "amount", "rule"}:
                raise _fail(where, "fee.variant_invalid", number=index + 1)
            _check_label(part, where)
            if ("amount" in part) == ("rule" in part):
                raise _fail(where, "fee.amount_or_rule")
            if "amount" in part:
                def rupiah(value: object, _where: str = where) -> None:
                    if not _is_rupiah(value):
                        raise _fail(_where, "fee.amount_invalid")

                _check_regional(part["amount"], where, rupiah)
            else:
                _check_rule(part["rule"], where)
    return dict(raw)


# --------------------------------------------------------------------------- options and quotes


def regional(value: object, regency_code: str | None) -> object:
    """Resolve a possibly regional value for a regency: the regency, then its province, then default."""
    if not _is_regional(value):
        return value
    by_region = value.get("by_region", {}) or {}
    if regency_code:
        for code in (regency_code, regency_code.split(".")[0]):
            if code in by_region:
                return by_region[code]
    return value.get("default")


def _schedule_of(service: Service) -> dict:
    if not service.fee_schedule:
        return {"variants": [{"key": FLAT_VARIANT, "label": "Tarif", "label_en": "Fee",
                              "parts": [{"label": "Tarif", "label_en": "Fee", "amount": service.fee_rupiah}]}]}
    return service.fee_schedule


def _resolve_rule(rule: Mapping, regency_code: str | None) -> dict:
    params = {k: v for k, v in rule.items() if k != "kind"}
    if rule["kind"] == "pkb":
        params["tariff"] = regional(rule["tariff"], regency_code)
    elif rule["kind"] == "bphtb":
        params["npoptkp"] = regional(rule["npoptkp"], regency_code)
    return params


def _inputs(rule: str, params: Mapping) -> tuple[CaseInput, ...]:
    if rule == "pkb":
        return (CaseInput("vehicle_value", "rupiah"),
                CaseInput("vehicle_type", "choice", tuple((v, v, v) for v in VEHICLE_TYPES)))
    if rule == "radius":
        return (CaseInput("radius", "choice",
                          tuple((b["value"], b["label"], b.get("label_en", "")) for b in params["bands"])),)
    return (CaseInput(RULE_INPUTS[rule][0], "rupiah"),)


def fee_options(*, service: Service, regency_code: str | None) -> list[FeeOption]:
    """The fee variants of a service as they apply in a regency (regional amounts resolved)."""
    options = []
    for variant in _schedule_of(service)["variants"]:
        parts: list[FeePart] = []
        inputs: dict[str, CaseInput] = {}
        for raw in variant["parts"]:
            if "rule" in raw:
                kind = raw["rule"]["kind"]
                params = MappingProxyType(_resolve_rule(raw["rule"], regency_code))
                parts.append(FeePart(raw["label"], raw.get("label_en", ""), None, kind, params))
                for case_input in _inputs(kind, params):
                    inputs.setdefault(case_input.key, case_input)
            else:
                amount = regional(raw["amount"], regency_code)
                parts.append(FeePart(raw["label"], raw.get("label_en", ""), amount if isinstance(amount, int) else None))
        fixed = [p.amount for p in parts if p.rule is None]
        known_fixed = None if any(a is None for a in fixed) else sum(a or 0 for a in fixed)
        bands = [p for p in parts if p.rule == "radius"]
        only_radius = all(p.rule in (None, "radius") for p in parts)
        minimum = maximum = None
        if known_fixed is not None and only_radius:
            minimum = known_fixed + sum(min(b["amount"] for b in p.params["bands"]) for p in bands)
            maximum = known_fixed + sum(max(b["amount"] for b in p.params["bands"]) for p in bands)
        elif known_fixed is not None:
            minimum = known_fixed
        amount = known_fixed if not any(p.rule for p in parts) else None
        options.append(FeeOption(
            key=variant["key"], label=variant["label"], label_en=variant.get("label_en", ""),
            parts=tuple(parts), inputs=tuple(inputs.values()), amount=amount, minimum=minimum, maximum=maximum,
        ))
    return options


def has_tariff(*, service: Service, regency_code: str | None) -> bool:
    """Whether every fixed amount and regional rule parameter is recorded for this regency."""
    for option in fee_options(service=service, regency_code=regency_code):
        for part in option.parts:
            if part.rule is None and part.amount is None:
                return False
            if part.rule == "pkb" and not part.params["tariff"]:
                return False
            if part.rule == "bphtb" and part.params["npoptkp"] is None:
                return False
    return True


def _rupiah_input(case_values: Mapping, key: str) -> int | None:
    raw = case_values.get(key)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw <= MAX_RUPIAH else None
    text = re.sub(r"[\s.]", "", str(raw or "")).removeprefix("Rp").removeprefix("rp")
    return int(text) if text.isdigit() and int(text) <= MAX_RUPIAH else None


def _quote_part(part: FeePart, case_values: Mapping) -> tuple[PartQuote, tuple[str, ...]]:
    if part.rule is None:
        key = None if part.amount is not None else "fee.rule.no_tariff"
        return PartQuote(part.label, part.label_en, part.amount, key, {}), ()
    p = part.params
    if part.rule == "pkb":
        tariff = p["tariff"]
        if not tariff:
            return PartQuote(part.label, part.label_en, None, "fee.rule.pkb_no_tariff", {}), ()
        params: dict = {"rate_bp": tariff["rate_bp"], "opsen_pct": tariff["opsen_pct"],
                        "swdkllj_motor": p["swdkllj"]["motor"], "swdkllj_mobil": p["swdkllj"]["mobil"]}
        value = _rupiah_input(case_values, "vehicle_value")
        kind = case_values.get("vehicle_type")
        missing = tuple(k for k, ok in (("vehicle_value", value is not None), ("vehicle_type", kind in VEHICLE_TYPES))
                        if not ok)
        if missing:
            return PartQuote(part.label, part.label_en, None, "fee.rule.pkb", params), missing
        pkb = value * tariff["rate_bp"] // 10000
        amount = pkb + pkb * tariff["opsen_pct"] // 100 + p["swdkllj"][kind]
        return PartQuote(part.label, part.label_en, amount, "fee.rule.pkb", params), ()
    if part.rule == "bphtb":
        npoptkp = p["npoptkp"]
        params = {"rate_pct": p["rate_pct"], "npoptkp": npoptkp}
        if npoptkp is None:
            return PartQuote(part.label, part.label_en, None, "fee.rule.bphtb_no_tariff", params), ()
        npop = _rupiah_input(case_values, "npop")
        if npop is None:
            return PartQuote(part.label, part.label_en, None, "fee.rule.bphtb", params), ("npop",)
        amount = max(0, npop - npoptkp) * p["rate_pct"] // 100
        return PartQuote(part.label, part.label_en, amount, "fee.rule.bphtb", params), ()
    if part.rule == "land_value":
        params = {"per_mille": p["per_mille"], "base": p["base"]}
        value = _rupiah_input(case_values, "land_value")
        if value is None:
            return PartQuote(part.label, part.label_en, None, "fee.rule.land_value", params), ("land_value",)
        return PartQuote(part.label, part.label_en, value * p["per_mille"] // 1000 + p["base"],
                         "fee.rule.land_value", params), ()
    bands = {b["value"]: b["amount"] for b in p["bands"]}
    params = {"minimum": min(bands.values()), "maximum": max(bands.values())}
    chosen = case_values.get("radius")
    if chosen not in bands:
        return PartQuote(part.label, part.label_en, None, "fee.rule.radius", params), ("radius",)
    return PartQuote(part.label, part.label_en, bands[chosen], "fee.rule.radius", params), ()


def quote(*, service: Service, variant: str | None, regency_code: str | None,
          case_values: Mapping[str, object] | None = None) -> FeeQuote:
    """The fee of one case: fixed parts plus each rule estimated from the citizen's values.

    Args:
        service: the service (its ``fee_schedule``, or the flat ``fee_rupiah``).
        variant: a variant key; None takes the first (the only one of a flat fee).
        regency_code: the regency of the MPP (regional tariffs); None uses the defaults.
        case_values: e.g. ``{"vehicle_value": 220000000, "vehicle_type": "mobil"}``, ``{"radius": "2"}``;
            rupiah may be typed with dots ("Rp 250.000.000").

    Raises:
        ValidationError: ``fee.unknown_variant`` on field ``fee_variant``.
    """
    options = fee_options(service=service, regency_code=regency_code)
    chosen = options[0] if variant is None else next((o for o in options if o.key == variant), None)
    if chosen is None:
        raise ValidationError("fee_variant", "fee.unknown_variant", variant=str(variant))
    values = case_values or {}
    parts: list[PartQuote] = []
    missing: list[str] = []
    for part in chosen.parts:
        quoted, needs = _quote_part(part, values)
        parts.append(quoted)
        missing += [n for n in needs if n not in missing]
    amounts = [p.amount for p in parts]
    total = None if any(a is None for a in amounts) else sum(a or 0 for a in amounts)
    first_rule = next((p for p in parts if p.rule_key and p.rule_key != "fee.rule.no_tariff"), None)
    return FeeQuote(
        variant=chosen.key, amount=total, is_estimate=chosen.is_rule,
        rule_key=first_rule.rule_key if first_rule else None,
        params=MappingProxyType(dict(first_rule.params)) if first_rule else MappingProxyType({}),
        parts=tuple(parts), missing=tuple(missing),
    )


def is_free(service: Service) -> bool:
    """True when no variant costs anything anywhere (no rule, every amount 0)."""
    return _free(service.fee_rupiah, service.fee_schedule)


def _free(fee_rupiah: int, fee_schedule: Mapping) -> bool:
    if not fee_schedule:
        return fee_rupiah == 0
    for variant in fee_schedule["variants"]:
        for part in variant["parts"]:
            if "rule" in part:
                return False
            amount = part["amount"]
            values = [amount] if not _is_regional(amount) else \
                [amount.get("default"), *amount.get("by_region", {}).values()]
            if any(v for v in values):
                return False
    return True


@dataclass(frozen=True)
class FeeSummary:
    """What a catalog card says about the fee, as numbers: translate with ``summary_text``."""

    kind: str  # free / flat / from / rule
    amount: int | None  # the flat amount, or the least one ("from")


def summary(service: Service, regency_code: str | None = None) -> FeeSummary:
    """The fee in one line: free, one amount, "from" the cheapest variant, or "depends on the case"."""
    return summary_of(fee_rupiah=service.fee_rupiah, fee_schedule=service.fee_schedule, regency_code=regency_code)


def summary_of(*, fee_rupiah: int, fee_schedule: Mapping, regency_code: str | None = None) -> FeeSummary:
    """``summary`` from the two columns (the catalog's search index reads only columns)."""
    if _free(fee_rupiah, fee_schedule):
        return FeeSummary("free", 0)
    holder = Service(slug="", agency_id=0, name="", duration_days=0, fee_rupiah=fee_rupiah, product="",
                     complaint_handling="", fee_schedule=dict(fee_schedule or {}))
    options = fee_options(service=holder, regency_code=regency_code)
    if len(options) == 1 and options[0].amount is not None:
        return FeeSummary("flat", options[0].amount)
    known = [o.minimum for o in options if o.minimum is not None and (o.amount is not None or o.maximum is not None)]
    if len(known) == len(options) and known:
        return FeeSummary("from", min(known))
    return FeeSummary("rule", None)


# --------------------------------------------------------------------------- words (the edge)


def _percent(basis_points: int, lang: str) -> str:
    return formatting.number(basis_points / 100, lang)


def rule_text(rule_key: str, params: Mapping, lang: str) -> str:
    """A rule in words, with its numbers formatted for ``lang``."""
    words: dict[str, object] = {}
    for name, value in params.items():
        if name == "rate_bp":
            words["rate"] = _percent(value, lang)
        elif name in ("npoptkp", "base", "minimum", "maximum", "swdkllj_motor", "swdkllj_mobil"):
            words[name] = formatting.rupiah(value, lang) if isinstance(value, int) else "-"
        else:
            words[name] = value
    return t(rule_key, lang, **words)


def summary_text(fee: FeeSummary, lang: str) -> str:
    """A catalog card's fee in words."""
    if fee.kind == "free":
        return t("fee.free", lang)
    if fee.kind == "flat":
        return formatting.rupiah(fee.amount or 0, lang)
    if fee.kind == "from":
        return t("fee.from", lang, amount=formatting.rupiah(fee.amount or 0, lang))
    return t("fee.by_rule", lang)


def part_text(part: PartQuote, lang: str) -> str:
    """One line of a quote: "<label>: Rp 650.000" or "<label>: <the rule> (estimate Rp ...)"."""
    if part.rule_key is None:
        return f"{part.label_in(lang)}: {formatting.rupiah(part.amount or 0, lang) if part.amount else t('fee.free', lang)}"
    rule = rule_text(part.rule_key, part.params, lang)
    if part.amount is None:
        return f"{part.label_in(lang)}: {rule}"
    return f"{part.label_in(lang)}: {rule} — {t('fee.estimate', lang, amount=formatting.rupiah(part.amount, lang))}"
