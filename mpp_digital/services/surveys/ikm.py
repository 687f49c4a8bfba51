"""IKM (Indeks Kepuasan Masyarakat) exactly as PermenPANRB 14/2017 computes it, and the
Krejcie-Morgan minimum sample the regulation uses (pure functions, no database).

* NRR per unsur = total of its scores / number of answers to it;
* weighted NRR = NRR x 1/9 (the weight: 1 / number of unsur);
* IKM = sum of the weighted NRRs (1.00 .. 4.00); converted IKM = IKM x 25 (25.00 .. 100.00);
* mutu pelayanan and kinerja from the regulation's table of the converted value
  (A 88.31-100.00 sangat baik, B 76.61-88.30 baik, C 65.00-76.60 kurang baik, D 25.00-64.99 tidak baik).

Everything is kept exact (integer ratios) and rounded once, at the end, to the two decimals the
regulation's table uses (half up): the common spreadsheet shortcut of a 0.111 weight and
rounding at each step moves results across band edges (0.111 x 9 = 0.999).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from mpp_digital.models import SKM_UNSUR_COUNT

TWO = Decimal("0.01")
# (lowest converted IKM of the band, mutu, kinerja)
BANDS: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("88.31"), "A", "sangat_baik"),
    (Decimal("76.61"), "B", "baik"),
    (Decimal("65.00"), "C", "kurang_baik"),
    (Decimal("25.00"), "D", "tidak_baik"),
)


def mutu(converted: Decimal) -> tuple[str, str]:
    """(mutu, kinerja) of a converted IKM rounded to two decimals: 88.31 is A, 88.30 is B."""
    value = converted.quantize(TWO, rounding=ROUND_HALF_UP)
    if not Decimal("25.00") <= value <= Decimal("100.00"):
        raise ValueError(f"a converted IKM lies in 25.00..100.00, not {value}")
    for lowest, grade, performance in BANDS:
        if value >= lowest:
            return grade, performance
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Sums:
    """Additive totals of a set of responses: count, total score per unsur, straight-lined count."""

    n: int = 0
    scores: tuple[int, ...] = (0,) * SKM_UNSUR_COUNT
    straight: int = 0

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.n + other.n, tuple(a + b for a, b in zip(self.scores, other.scores, strict=True)),
                    self.straight + other.straight)

    @classmethod
    def of(cls, responses: list[tuple[int, ...]]) -> Sums:
        """The totals of a list of responses (nine scores each)."""
        total = cls()
        for scores in responses:
            total = total + cls(1, tuple(scores), int(is_straight(scores)))
        return total


def _rounded(numerator: int, denominator: int, places: int) -> Decimal:
    """numerator / denominator rounded half up to ``places`` decimals, in integers (exact)."""
    scaled = numerator * 10**places
    return Decimal((2 * scaled + denominator) // (2 * denominator)).scaleb(-places)


@dataclass(frozen=True)
class Ikm:
    """The IKM of a set of responses (n > 0).

    Every NRR shares the denominator n, so the exact values are integer ratios: NRR_i = s_i / n,
    weighted NRR_i = s_i / 9n, IKM = S / 9n, converted = 25 S / 9n (S = the sum of all scores);
    each is rounded once, half up, in integer arithmetic (no float, no intermediate rounding).
    The converted value and mutu are computed at once (rankings sort by them); the rest on demand.
    """

    sums: Sums
    hundredths: int  # the converted IKM x 100, rounded half up: 2500 .. 10000 (what rankings sort by)
    mutu: str  # A / B / C / D
    kinerja: str  # sangat_baik / baik / kurang_baik / tidak_baik

    @property
    def converted(self) -> Decimal:
        """The converted IKM, 25.00 .. 100.00."""
        return Decimal(self.hundredths).scaleb(-2)

    @property
    def n(self) -> int:
        """Responses."""
        return self.sums.n

    @property
    def nrr(self) -> tuple[Decimal, ...]:
        """NRR per unsur, two decimals."""
        return tuple(_rounded(s, self.sums.n, 2) for s in self.sums.scores)

    @property
    def nrr_weighted(self) -> tuple[Decimal, ...]:
        """NRR x 1/9 per unsur, four decimals."""
        return tuple(_rounded(s, SKM_UNSUR_COUNT * self.sums.n, 4) for s in self.sums.scores)

    @property
    def ikm(self) -> Decimal:
        """The sum of the weighted NRRs (1.0000 .. 4.0000)."""
        return _rounded(sum(self.sums.scores), SKM_UNSUR_COUNT * self.sums.n, 4)

    @property
    def straight_share(self) -> Decimal:
        """Percent of straight-lined responses, one decimal."""
        return _rounded(100 * self.sums.straight, self.sums.n, 1)

    @property
    def weakest(self) -> tuple[int, ...]:
        """Unsur numbers, lowest NRR first (ties: in the questionnaire's order)."""
        scores = self.sums.scores
        return tuple(i + 1 for i in sorted(range(len(scores)), key=lambda i: (scores[i], i)))


# the bands in hundredths, for the hot path (ranking thousands of units)
_BANDS_X100: tuple[tuple[int, str, str], ...] = tuple((int(lowest * 100), g, k) for lowest, g, k in BANDS)


def ikm_of(sums: Sums) -> Ikm | None:
    """The IKM of ``sums`` (None without a response)."""
    n = sums.n
    if n <= 0:
        return None
    denominator = 2 * SKM_UNSUR_COUNT * n
    hundredths = (2 * 2500 * sum(sums.scores) + SKM_UNSUR_COUNT * n) // denominator  # 25 S / 9n, half up
    grade, performance = next((g, k) for lowest, g, k in _BANDS_X100 if hundredths >= lowest)
    return Ikm(sums=sums, hundredths=hundredths, mutu=grade, kinerja=performance)


def respondent_ikm(scores: tuple[int, ...] | list[int]) -> int:
    """One respondent's converted IKM as a whole number 25..100 (the analytics ``satisfaction``)."""
    return int(_rounded(25 * sum(scores), SKM_UNSUR_COUNT, 0))


def is_straight(scores: tuple[int, ...] | list[int]) -> bool:
    """All nine answers the same (straight-lining: a sign of an answer not read)."""
    return len(set(scores)) == 1


# Krejcie & Morgan (1970), the table the regulation refers to: chi-square for 1 degree of
# freedom at 95 % (3.841), P = 0.5, margin of error d = 0.05.
KM_CHI2 = Decimal("3.841")
KM_P = Decimal("0.5")
KM_D = Decimal("0.05")


@lru_cache(maxsize=65536)
def minimum_sample(population: int) -> int:
    """s = X2 N P(1-P) / (d2 (N-1) + X2 P(1-P)), rounded to the nearest whole person as the table
    is (N=50 -> 44, N=100 -> 80, N=1,000 -> 278, N=10,000 -> 370); 0 for nobody served."""
    if population <= 0:
        return 0
    n = Decimal(population)
    pq = KM_P * (1 - KM_P)
    s = KM_CHI2 * n * pq / (KM_D * KM_D * (n - 1) + KM_CHI2 * pq)
    return min(population, int(s.quantize(Decimal("1"), rounding=ROUND_HALF_UP)))


def sample_sufficient(n: int, population: int) -> bool:
    """Enough responses for the population served (no population known: not sufficient)."""
    return population > 0 and n >= minimum_sample(population)
