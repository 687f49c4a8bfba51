"""The SKM questionnaire of PermenPANRB 14/2017 (lampiran, contoh kuesioner): nine unsur, each a
question with four answers scored 1-4, and the respondent profile it asks for (all optional).

The wording follows the regulation's sample questionnaire; the order of the unsur follows its
list of unsur (Bab II): persyaratan ... sarana dan prasarana. English is our translation.
"""

from __future__ import annotations

from dataclasses import dataclass

SARAN_MAX = 2000  # characters of the free-text saran


@dataclass(frozen=True)
class Unsur:
    """One element of service (unsur pelayanan) with its question and its four answers (score 1..4)."""

    number: int  # 1..9
    name: dict[str, str]
    question: dict[str, str]
    answers: tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]

    @property
    def key(self) -> str:
        """The form field and column: u1..u9."""
        return f"u{self.number}"


def _a(*pairs: tuple[str, str]) -> tuple[dict[str, str], ...]:
    return tuple({"id": i, "en": e} for i, e in pairs)


UNSUR: tuple[Unsur, ...] = (
    Unsur(1, {"id": "Persyaratan", "en": "Requirements"},
          {"id": "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
           "en": "How well did the requirements match the kind of service?"},
          _a(("Tidak sesuai", "Not appropriate"), ("Kurang sesuai", "Somewhat inappropriate"),
             ("Sesuai", "Appropriate"), ("Sangat sesuai", "Very appropriate"))),
    Unsur(2, {"id": "Sistem, mekanisme dan prosedur", "en": "System, mechanism and procedure"},
          {"id": "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
           "en": "How easy was the service procedure at this unit?"},
          _a(("Tidak mudah", "Not easy"), ("Kurang mudah", "Not quite easy"), ("Mudah", "Easy"),
             ("Sangat mudah", "Very easy"))),
    Unsur(3, {"id": "Waktu penyelesaian", "en": "Completion time"},
          {"id": "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
           "en": "How fast was the service delivered?"},
          _a(("Tidak cepat", "Not fast"), ("Kurang cepat", "Not quite fast"), ("Cepat", "Fast"),
             ("Sangat cepat", "Very fast"))),
    Unsur(4, {"id": "Biaya/tarif", "en": "Cost/fee"},
          {"id": "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
           "en": "How fair was the cost/fee of the service?"},
          _a(("Sangat mahal", "Very expensive"), ("Cukup mahal", "Rather expensive"), ("Murah", "Cheap"),
             ("Gratis", "Free"))),
    Unsur(5, {"id": "Produk spesifikasi jenis pelayanan", "en": "Product specification of the service"},
          {"id": "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam "
                 "standar pelayanan dengan hasil yang diberikan?",
           "en": "How well did the product you received match the one in the service standard?"},
          _a(("Tidak sesuai", "Not matching"), ("Kurang sesuai", "Partly matching"), ("Sesuai", "Matching"),
             ("Sangat sesuai", "Fully matching"))),
    Unsur(6, {"id": "Kompetensi pelaksana", "en": "Staff competence"},
          {"id": "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
           "en": "How competent were the staff who served you?"},
          _a(("Tidak kompeten", "Not competent"), ("Kurang kompeten", "Somewhat competent"),
             ("Kompeten", "Competent"), ("Sangat kompeten", "Very competent"))),
    Unsur(7, {"id": "Perilaku pelaksana", "en": "Staff behaviour"},
          {"id": "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan "
                 "keramahan?",
           "en": "How polite and friendly were the staff?"},
          _a(("Tidak sopan dan ramah", "Not polite and friendly"),
             ("Kurang sopan dan ramah", "Somewhat polite and friendly"), ("Sopan dan ramah", "Polite and friendly"),
             ("Sangat sopan dan ramah", "Very polite and friendly"))),
    Unsur(8, {"id": "Penanganan pengaduan, saran dan masukan", "en": "Handling of complaints, suggestions and input"},
          {"id": "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
           "en": "How are complaints of service users handled?"},
          _a(("Tidak ada", "There is none"), ("Ada tetapi tidak berfungsi", "There is one, but it does not work"),
             ("Berfungsi kurang maksimal", "It works, not fully"), ("Dikelola dengan baik", "Well managed"))),
    Unsur(9, {"id": "Sarana dan prasarana", "en": "Facilities and infrastructure"},
          {"id": "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
           "en": "How good were the facilities and infrastructure?"},
          _a(("Buruk", "Poor"), ("Cukup", "Fair"), ("Baik", "Good"), ("Sangat baik", "Very good"))),
)
UNSUR_KEYS: tuple[str, ...] = tuple(u.key for u in UNSUR)

# The respondent profile (all optional), as the regulation's sample asks it. The age is kept as
# a band, not in years: enough for the report, less to re-identify anyone.
SEXES: dict[str, dict[str, str]] = {"L": {"id": "Laki-laki", "en": "Male"}, "P": {"id": "Perempuan", "en": "Female"}}
AGE_BANDS: dict[str, dict[str, str]] = {
    b: {"id": f"{b} tahun", "en": f"{b} years"} for b in ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
}
EDUCATION: dict[str, dict[str, str]] = {
    "sd": {"id": "SD ke bawah", "en": "Primary school or less"},
    "smp": {"id": "SMP", "en": "Junior high school"},
    "sma": {"id": "SMA", "en": "Senior high school"},
    "diploma": {"id": "D1/D2/D3/D4", "en": "Diploma (D1-D4)"},
    "s1": {"id": "S1", "en": "Bachelor (S1)"},
    "s2": {"id": "S2 ke atas", "en": "Master (S2) or higher"},
}
OCCUPATION: dict[str, dict[str, str]] = {
    "pns": {"id": "PNS", "en": "Civil servant"},
    "tni": {"id": "TNI", "en": "Military (TNI)"},
    "polri": {"id": "POLRI", "en": "Police (POLRI)"},
    "swasta": {"id": "Pegawai swasta", "en": "Private employee"},
    "wirausaha": {"id": "Wirausaha", "en": "Self-employed"},
    "pelajar": {"id": "Pelajar/mahasiswa", "en": "Student"},
    "lainnya": {"id": "Lainnya", "en": "Other"},
}
PROFILE_FIELDS: dict[str, dict[str, dict[str, str]]] = {
    "sex": SEXES, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATION,
}


def label(choices: dict[str, dict[str, str]], code: str | None, lang: str) -> str:
    """The wording of a profile choice in ``lang`` ("" for an unanswered one)."""
    entry = choices.get(code or "")
    return entry.get(lang, entry["id"]) if entry else ""
