"""Fees: variants, case rules with estimates, regional tariffs, schedule checks, and the four catalog fixes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mpp_digital.errors import ValidationError
from mpp_digital.models import Service
from mpp_digital.services import fees
from tests.unit.message_keys import assert_keys_translated

SERVICES = {s["slug"]: s for s in json.loads(
    (Path(fees.__file__).resolve().parents[1] / "demo_data" / "services.json").read_text(encoding="utf-8"))}


def _service(slug: str) -> Service:
    rec = SERVICES[slug]
    return Service(slug=slug, agency_id=1, name=rec["name"], duration_days=rec["duration_days"],
                   fee_rupiah=rec["fee_rupiah"], product="x", complaint_handling="x",
                   fee_schedule=fees.parse_schedule(rec.get("fee_schedule", {})))


def _flat(amount: int) -> Service:
    return Service(slug="flat", agency_id=1, name="Flat", duration_days=1, fee_rupiah=amount, product="x",
                   complaint_handling="x")


# --------------------------------------------------------------------------- flat fees


def test_flat_fee_is_one_variant_with_its_amount():
    (option,) = fees.fee_options(service=_flat(30000), regency_code="33.14")
    assert option.key == fees.FLAT_VARIANT and option.amount == 30000 and not option.is_rule
    quote = fees.quote(service=_flat(30000), variant=None, regency_code=None)
    assert quote.amount == 30000 and not quote.is_estimate and quote.rule_key is None and quote.missing == ()


def test_free_is_a_number_not_a_word():
    service = _flat(0)
    assert fees.is_free(service)
    assert fees.summary(service) == fees.FeeSummary("free", 0)
    assert fees.summary_text(fees.summary(service), "en") == "Free"
    assert fees.quote(service=service, variant=None, regency_code=None).amount == 0


# --------------------------------------------------------------------------- the four fixes


def test_vehicle_tax_is_no_longer_free():
    service = _service("pajak-kendaraan")
    assert not fees.is_free(service)
    assert fees.summary(service).kind == "rule"
    assert fees.summary_text(fees.summary(service), "id") != "Gratis"


def test_vehicle_tax_estimate_in_central_java():
    service = _service("pajak-kendaraan")
    quote = fees.quote(service=service, variant="tahunan", regency_code="33.14",
                       case_values={"vehicle_value": "Rp 200.000.000", "vehicle_type": "mobil"})
    pkb = 200_000_000 * 105 // 10000  # 2,100,000 at 1.05 %
    assert quote.amount == pkb + pkb * 66 // 100 + 143000 == 3_629_000
    assert quote.is_estimate and quote.rule_key == "fee.rule.pkb"
    assert quote.params["rate_bp"] == 105 and quote.params["opsen_pct"] == 66


def test_vehicle_tax_differs_by_region():
    service = _service("pajak-kendaraan")
    values = {"vehicle_value": 20_000_000, "vehicle_type": "motor"}
    jateng = fees.quote(service=service, variant="tahunan", regency_code="33.14", case_values=values)
    jakarta = fees.quote(service=service, variant="tahunan", regency_code="31.71", case_values=values)
    assert jateng.amount == 210000 + 138600 + 35000
    assert jakarta.amount == 400000 + 0 + 35000
    unknown = fees.quote(service=service, variant="tahunan", regency_code="51.71", case_values=values)
    assert unknown.amount is None and unknown.rule_key == "fee.rule.pkb_no_tariff"


def test_has_tariff_says_where_the_regional_rates_are_recorded():
    service = _service("pajak-kendaraan")
    assert fees.has_tariff(service=service, regency_code="33.14")
    assert not fees.has_tariff(service=service, regency_code="51.71")
    assert fees.has_tariff(service=_service("paspor-hilang-rusak"), regency_code="51.71")


def test_vehicle_tax_without_the_citizens_values_is_the_rule_only():
    quote = fees.quote(service=_service("pajak-kendaraan"), variant="tahunan", regency_code="33.14")
    assert quote.amount is None and quote.missing == ("vehicle_value", "vehicle_type")
    text = fees.rule_text(quote.rule_key, quote.params, "id")
    assert "1,05%" in text and "66%" in text and "Rp 143.000" in text
    assert "1,05%" in fees.rule_text(quote.rule_key, quote.params, "en")  # en_ID writes numbers as in Indonesia
    option = fees.fee_options(service=_service("pajak-kendaraan"), regency_code="33.14")[0]
    assert [i.key for i in option.inputs] == ["vehicle_value", "vehicle_type"]


def test_vehicle_tax_refuses_a_nonsense_value_as_missing():
    quote = fees.quote(service=_service("pajak-kendaraan"), variant="tahunan", regency_code="33.14",
                       case_values={"vehicle_value": "dua ratus juta", "vehicle_type": "truk"})
    assert quote.amount is None and set(quote.missing) == {"vehicle_value", "vehicle_type"}


def test_land_transfer_is_pnbp_by_land_value_plus_bphtb():
    service = _service("peralihan-hak-tanah")
    assert fees.summary(service).kind == "rule"
    quote = fees.quote(service=service, variant="jual_beli", regency_code="33.14",
                       case_values={"land_value": 300_000_000, "npop": 300_000_000})
    pnbp, bphtb = quote.parts
    assert pnbp.amount == 300_000 + 50_000 and pnbp.rule_key == "fee.rule.land_value"
    assert bphtb.amount == (300_000_000 - 80_000_000) * 5 // 100 == 11_000_000
    assert quote.amount == 350_000 + 11_000_000 and quote.is_estimate


def test_bphtb_is_zero_below_the_exempt_value_and_inheritance_has_its_own():
    service = _service("peralihan-hak-tanah")
    small = fees.quote(service=service, variant="jual_beli", regency_code="33.14",
                       case_values={"land_value": 60_000_000, "npop": 60_000_000})
    assert small.parts[1].amount == 0 and small.amount == 110_000
    heirs = fees.quote(service=service, variant="waris", regency_code="33.14",
                       case_values={"land_value": 500_000_000, "npop": 500_000_000})
    assert heirs.parts[1].amount == 5_000_000


def test_land_transfer_half_known_has_no_total():
    quote = fees.quote(service=_service("peralihan-hak-tanah"), variant="jual_beli", regency_code=None,
                       case_values={"land_value": 100_000_000})
    assert quote.parts[0].amount == 150_000 and quote.parts[1].amount is None
    assert quote.amount is None and quote.missing == ("npop",)


def test_divorce_filing_is_the_courts_advance_by_radius():
    service = _service("gugatan-cerai")
    option = fees.fee_options(service=service, regency_code="33.14")[0]
    assert (option.minimum, option.maximum) == (600_000, 1_500_000)
    assert fees.summary(service) == fees.FeeSummary("from", 600_000)
    quote = fees.quote(service=service, variant="cerai_gugat", regency_code="33.14", case_values={"radius": "2"})
    assert quote.amount == 800_000 and quote.is_estimate and quote.rule_key == "fee.rule.radius"
    none = fees.quote(service=service, variant="cerai_gugat", regency_code="33.14", case_values={"radius": "9"})
    assert none.amount is None and none.missing == ("radius",)
    assert "Rp 600.000" in fees.rule_text(none.rule_key, none.params, "id")
    assert [c[0] for c in option.inputs[0].choices] == ["1", "2", "3", "4"]


def test_lost_and_damaged_passports_have_their_own_fees():
    service = _service("paspor-hilang-rusak")
    amounts = {o.key: o.amount for o in fees.fee_options(service=service, regency_code="33.14")}
    assert amounts == {"hilang": 1_350_000, "hilang_elektronik": 1_650_000,
                       "rusak": 850_000, "rusak_elektronik": 1_150_000}
    lost = fees.quote(service=service, variant="hilang_elektronik", regency_code=None)
    assert [p.amount for p in lost.parts] == [1_000_000, 650_000] and not lost.is_estimate
    assert fees.summary(service) == fees.FeeSummary("from", 850_000)


def test_unknown_variant_is_refused():
    with pytest.raises(ValidationError) as exc:
        fees.quote(service=_service("paspor-hilang-rusak"), variant="dicuri", regency_code=None)
    assert exc.value.key == "fee.unknown_variant" and exc.value.field == "fee_variant"


def test_part_text_reads_well():
    service = _service("peralihan-hak-tanah")
    quote = fees.quote(service=service, variant="jual_beli", regency_code=None, case_values={"land_value": 1_000_000})
    line = fees.part_text(quote.parts[0], "id")
    assert line.startswith("PNBP pendaftaran peralihan hak: PNBP = nilai tanah × 1/1000 + Rp 50.000")
    assert line.endswith("perkiraan Rp 51.000")
    fixed = fees.quote(service=_service("paspor-hilang-rusak"), variant="rusak", regency_code=None)
    assert fees.part_text(fixed.parts[0], "en") == "Replacement charge for a damaged passport: Rp 500.000"


# --------------------------------------------------------------------------- regional flat tariffs

REGIONAL = {"variants": [
    {"key": "baru", "label": "Baru", "parts": [
        {"label": "Biaya sambungan", "amount": {"default": 1_500_000, "by_region": {"33.14": 1_250_000, "35": 1_400_000}}}]},
    {"key": "perpanjangan", "label": "Perpanjangan", "parts": [
        {"label": "Biaya", "amount": {"default": None, "by_region": {"33.14": 100_000}}}]},
]}


def test_regional_amount_by_regency_then_province_then_default():
    service = _flat(0)
    service.fee_schedule = fees.parse_schedule(REGIONAL)
    pick = {code: fees.quote(service=service, variant="baru", regency_code=code).amount
            for code in ("33.14", "35.78", "33.02", None)}
    assert pick == {"33.14": 1_250_000, "35.78": 1_400_000, "33.02": 1_500_000, None: 1_500_000}


def test_regional_amount_missing_for_a_regency_is_not_a_zero():
    service = _flat(0)
    service.fee_schedule = fees.parse_schedule(REGIONAL)
    elsewhere = fees.quote(service=service, variant="perpanjangan", regency_code="35.78")
    assert elsewhere.amount is None and elsewhere.parts[0].rule_key == "fee.rule.no_tariff"
    assert fees.quote(service=service, variant="perpanjangan", regency_code="33.14").amount == 100_000
    assert not fees.is_free(service)


# --------------------------------------------------------------------------- schedule checks

VALID = SERVICES["gugatan-cerai"]["fee_schedule"]


def _broken(change):
    raw = copy.deepcopy(VALID)
    change(raw)
    with pytest.raises(ValidationError) as exc:
        fees.parse_schedule(raw)
    return exc.value.key


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda r: r.update(extra=1), "fee.schedule_invalid"),
        (lambda r: r.update(note="x" * 501), "fee.note_too_long"),
        (lambda r: r.update(variants=[]), "fee.variants_required"),
        (lambda r: r["variants"].__setitem__(0, "x"), "fee.variant_invalid"),
        (lambda r: r["variants"][0].update(key="Cerai"), "fee.variant_key"),
        (lambda r: r["variants"][0].update(key="x" * 25), "fee.variant_key"),
        (lambda r: r["variants"][1].update(key="cerai_gugat"), "fee.variant_duplicate"),
        (lambda r: r["variants"][0].update(label=""), "fee.label_required"),
        (lambda r: r["variants"][0].update(parts=[]), "fee.parts_required"),
        (lambda r: r["variants"][0]["parts"][0].update(amount=5), "fee.amount_or_rule"),
        (lambda r: r["variants"][0]["parts"][0].pop("rule"), "fee.amount_or_rule"),
        (lambda r: r["variants"][0]["parts"][0]["rule"].update(kind="lottery"), "fee.rule_kind"),
        (lambda r: r["variants"][0]["parts"][0]["rule"].update(bands=[]), "fee.rule_param"),
        (lambda r: r["variants"][0]["parts"][0]["rule"]["bands"][0].update(amount=-1), "fee.amount_invalid"),
        (lambda r: r["variants"][0]["parts"][0]["rule"]["bands"][1].update(value="1"), "fee.rule_param"),
        (lambda r: r["variants"][0]["parts"][0]["rule"].update(extra=1), "fee.rule_param"),
    ],
)
def test_schedule_refusals(change, key):
    assert _broken(change) == key


@pytest.mark.parametrize(
    ("part", "key"),
    [
        ({"label": "x", "amount": "50000"}, "fee.amount_invalid"),
        ({"label": "x", "amount": True}, "fee.amount_invalid"),
        ({"label": "x", "amount": {"default": 1, "by_region": {"jateng": 2}}}, "fee.region_code"),
        ({"label": "x", "amount": {"default": 1, "per_region": {}}}, "fee.regional_invalid"),
        ({"label": "x", "rule": {"kind": "bphtb", "rate_pct": 105, "npoptkp": 1}}, "fee.rule_param"),
        ({"label": "x", "rule": {"kind": "land_value", "per_mille": 0, "base": 1}}, "fee.rule_param"),
        ({"label": "x", "rule": {"kind": "pkb", "tariff": {"rate_bp": 105}, "swdkllj": {"motor": 1, "mobil": 1}}},
         "fee.rule_param"),
        ({"label": "x", "rule": {"kind": "pkb", "tariff": {"rate_bp": 105, "opsen_pct": 66},
                                 "swdkllj": {"motor": 1}}}, "fee.rule_param"),
    ],
)
def test_part_refusals(part, key):
    with pytest.raises(ValidationError) as exc:
        fees.parse_schedule({"variants": [{"key": "v", "label": "V", "parts": [part]}]})
    assert exc.value.key == key


def test_every_seeded_schedule_is_valid():
    seeded = [s for s in SERVICES.values() if s.get("fee_schedule")]
    assert {s["slug"] for s in seeded} >= {"pajak-kendaraan", "peralihan-hak-tanah", "gugatan-cerai",
                                           "paspor-hilang-rusak"}
    for rec in seeded:
        fees.parse_schedule(rec["fee_schedule"])


def test_every_message_key_exists_in_both_languages_with_the_same_placeholders():
    keys = assert_keys_translated(fees, "fee")
    assert {"fee.rule.pkb", "fee.rule.radius", "fee.unknown_variant", "fee.amount_or_rule"} <= keys
