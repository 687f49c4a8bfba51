"""Pure validators for what a citizen types: NIK, mobile phone, email, password."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from mpp_digital.errors import ValidationError

_DATA = Path(__file__).resolve().parent.parent / "data"

PASSWORD_MIN = 12
PASSWORD_MAX = 128


@dataclass(frozen=True)
class NikInfo:
    """What a valid NIK says about its holder."""

    nik: str
    kecamatan_code: str  # "33.14.01"
    birth_date: date
    sex: str  # "L" (laki-laki) or "P" (perempuan)
    serial: str


def kecamatan_code_of(nik: str) -> str:
    """The dotted kecamatan code from the first six digits: 331401 -> 33.14.01."""
    return f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"


def parse_nik(nik: str, *, kecamatan_codes: Container[str], today: date) -> NikInfo:
    """Validate a 16-digit NIK and derive birth date and sex.

    Args:
        nik: the NIK as typed (spaces and dots are ignored).
        kecamatan_codes: the known kecamatan codes ("33.14.01").
        today: the current date; a birth date after it is refused.

    Raises:
        ValidationError: on field ``nik`` with a message key saying what is wrong.
    """
    digits = re.sub(r"[\s.\-]", "", nik or "")
    if not digits:
        raise ValidationError("nik", "nik.required")
    if not digits.isdigit():
        raise ValidationError("nik", "nik.digits_only")
    if len(digits) != 16:
        raise ValidationError("nik", "nik.length", length=len(digits))
    kec = kecamatan_code_of(digits)
    if kec not in kecamatan_codes:
        raise ValidationError("nik", "nik.unknown_kecamatan", code=digits[:6])
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "L"
    if day > 40:
        sex, day = "P", day - 40
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValidationError("nik", "nik.bad_date", date=digits[6:12]) from None
    if born > today:
        raise ValidationError("nik", "nik.future_date")
    serial = digits[12:16]
    if serial == "0000":
        raise ValidationError("nik", "nik.serial_zero")
    return NikInfo(nik=digits, kecamatan_code=kec, birth_date=born, sex=sex, serial=serial)


def mask_nik(nik: str | None) -> str:
    """Show only the region prefix and the serial: 3314********0001."""
    if not nik:
        return ""
    return nik[:4] + "*" * 8 + nik[12:]


def normalise_phone(phone: str) -> str:
    """Normalise an Indonesian mobile number (08..., +628..., 628..., 8...) to +628....

    Raises:
        ValidationError: on field ``phone`` when it is not an Indonesian mobile number.
    """
    raw = (phone or "").strip()
    if not raw:
        raise ValidationError("phone", "phone.required")
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.startswith("+"):
        body = compact[1:]
        if not body.startswith("62"):
            raise ValidationError("phone", "phone.not_indonesian")
        national = body[2:]
    elif compact.startswith("62"):
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        national = compact
    if not national.isdigit():
        raise ValidationError("phone", "phone.invalid")
    # Indonesian mobile numbers: 8xx prefix, 9 to 12 digits after the country code.
    if not national.startswith("8") or not 9 <= len(national) <= 12:
        raise ValidationError("phone", "phone.not_mobile")
    return "+62" + national


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address, refusing one that cannot receive mail."""
    value = (email or "").strip().lower()
    if not value:
        raise ValidationError("email", "email.required")
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValidationError("email", "email.invalid")
    return value


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Lower-cased passwords that attackers try first (data/common_passwords.txt)."""
    text = (_DATA / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str, *, personal: tuple[str, ...] = ()) -> None:
    """NIST-style policy: 12 to 128 characters, no composition rules, not a common password.

    Args:
        password: the new password.
        personal: values that must not be the password (NIK, email, name).

    Raises:
        ValidationError: on field ``password``.
    """
    if len(password) < PASSWORD_MIN:
        raise ValidationError("password", "password.too_short", minimum=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise ValidationError("password", "password.too_long", maximum=PASSWORD_MAX)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        raise ValidationError("password", "password.common")
    if any(p and lowered == p.lower() for p in personal):
        raise ValidationError("password", "password.personal")
