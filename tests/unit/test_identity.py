"""NIK, phone, email and password rules (pure functions, no database)."""

from datetime import date

import pytest

from mpp_digital.errors import ValidationError
from mpp_digital.services.identity import (
    check_password_policy,
    mask_nik,
    normalise_email,
    normalise_phone,
    parse_nik,
)

KNOWN = {"33.14.01", "33.02.05", "31.71.01"}
TODAY = date(2026, 11, 27)


def nik_error(value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        parse_nik(value, kecamatan_codes=KNOWN, today=TODAY)
    assert exc.value.field == "nik"
    return exc.value.key


def test_valid_nik_man():
    info = parse_nik("3314011203850002", kecamatan_codes=KNOWN, today=TODAY)
    assert info.birth_date == date(1985, 3, 12)
    assert info.sex == "L"
    assert info.kecamatan_code == "33.14.01"
    assert info.serial == "0002"


def test_woman_adds_forty_to_the_day():
    info = parse_nik("3314014107900001", kecamatan_codes=KNOWN, today=TODAY)
    assert info.birth_date == date(1990, 7, 1)
    assert info.sex == "P"


def test_spaces_and_dots_are_ignored():
    assert parse_nik("3314 0141 0790 0001", kecamatan_codes=KNOWN, today=TODAY).nik == "3314014107900001"


def test_two_digit_year_in_this_century():
    assert parse_nik("3314010101200001", kecamatan_codes=KNOWN, today=TODAY).birth_date == date(2020, 1, 1)


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("", "nik.required"),
        ("33140141079000", "nik.length"),
        ("33140141079000011", "nik.length"),
        ("3314O14107900001", "nik.digits_only"),
        ("9999994107900001", "nik.unknown_kecamatan"),
        ("3314013002900001", "nik.bad_date"),  # 30 February
        ("3314017002900001", "nik.bad_date"),  # woman, 30 February
        ("3314013213900001", "nik.bad_date"),  # month 13
        ("3314010101260000", "nik.serial_zero"),
        ("3314011512260001", "nik.future_date"),  # 15-12-2026, after today
    ],
)
def test_invalid_niks(value, key):
    assert nik_error(value) == key


def test_length_error_says_how_many_digits():
    with pytest.raises(ValidationError) as exc:
        parse_nik("1234", kecamatan_codes=KNOWN, today=TODAY)
    assert exc.value.params == {"length": 4}


def test_mask_nik_keeps_region_and_serial():
    assert mask_nik("3314014107900001") == "3314********0001"


@pytest.mark.parametrize(
    "value",
    ["081234567890", "+6281234567890", "6281234567890", "0812-3456-7890", "+62 812 3456 7890", "81234567890"],
)
def test_phone_forms_normalise_to_plus_62(value):
    assert normalise_phone(value) == "+6281234567890"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("", "phone.required"),
        ("0212345678", "phone.not_mobile"),  # Jakarta landline
        ("+6512345678", "phone.not_indonesian"),
        ("08123", "phone.not_mobile"),
        ("0812abc4567", "phone.invalid"),
    ],
)
def test_bad_phones(value, key):
    with pytest.raises(ValidationError) as exc:
        normalise_phone(value)
    assert exc.value.key == key


def test_email_is_lower_cased_and_checked():
    assert normalise_email("  Sri.Lestari@Example.ID ") == "sri.lestari@example.id"
    with pytest.raises(ValidationError):
        normalise_email("sri@")


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("pendek123", "password.too_short"),
        ("x" * 129, "password.too_long"),
        ("Password1234", "password.common"),
        ("bismillah123", "password.common"),
        ("qwertyuiop12", "password.common"),
        ("aaaaaaaaaaaaaa", "password.common"),
    ],
)
def test_password_policy_refuses(password, key):
    with pytest.raises(ValidationError) as exc:
        check_password_policy(password)
    assert exc.value.key == key


def test_password_policy_has_no_composition_rules():
    check_password_policy("kopi tubruk di alun-alun")  # lower case, spaces: fine
    check_password_policy("Lima-Belas-Karakter" * 6)  # 114 characters


def test_password_may_not_be_personal_data():
    with pytest.raises(ValidationError) as exc:
        check_password_policy("sri@example.id", personal=("sri@example.id",))
    assert exc.value.key == "password.personal"
