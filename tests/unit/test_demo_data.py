"""Consistency checks for the demo data in mpp_digital/demo_data (no database needed)."""

import csv
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "mpp_digital" / "demo_data"
REGIONS_CANDIDATES = [
    Path(os.environ["MPP_REGIONS_CSV"]) if os.environ.get("MPP_REGIONS_CSV") else None,
    ROOT / "mpp_digital" / "data" / "regions.csv",
    Path("/work/shared/data/wilayah/regions.csv"),
]

LEVELS = {"pusat", "provinsi", "daerah", "bumn"}
CHANNELS = {"direct", "online", "mobile"}
LIFE_EVENTS = {"kelahiran", "pernikahan", "pindah-domisili", "kematian", "memulai-usaha"}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DATE_RE = re.compile(r"^(20(1[7-9]|2[0-6]))-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _load(name):
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def agencies():
    return _load("agencies.json")


@pytest.fixture(scope="module")
def services():
    return _load("services.json")


@pytest.fixture(scope="module")
def sites():
    return _load("sites.json")


@pytest.fixture(scope="module")
def regions():
    for path in REGIONS_CANDIDATES:
        if path is not None and path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                return {row["code"].strip(): row for row in csv.DictReader(fh)}
    pytest.skip("regions.csv not available")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def test_counts(agencies, services, sites):
    assert len(agencies) >= 45
    assert len(services) >= 110
    assert len(sites) == 103
    assert sum(1 for s in sites if s["regency_code"].split(".")[0] == "33") == 28
    assert len({s["agency"] for s in services}) >= 30


@pytest.mark.parametrize("name", ["agencies.json", "services.json", "sites.json"])
def test_unique_wellformed_slugs(name):
    slugs = [item["slug"] for item in _load(name)]
    assert len(slugs) == len(set(slugs)), f"duplicate slugs in {name}"
    bad = [s for s in slugs if not SLUG_RE.match(s)]
    assert not bad, f"malformed slugs in {name}: {bad}"


def test_agencies_fields(agencies):
    for a in agencies:
        assert a["name"].strip() and a["short_name"].strip(), a["slug"]
        assert a["level"] in LEVELS, a["slug"]
        assert len(a["letter"]) == 1 and "A" <= a["letter"] <= "Z", a["slug"]


def test_required_agencies_present(agencies):
    slugs = {a["slug"] for a in agencies}
    for required in (
        "dukcapil",
        "polres",
        "samsat",
        "imigrasi",
        "bpjs-kesehatan",
        "bpjs-ketenagakerjaan",
        "atr-bpn",
        "dpmptsp",
        "kemenag",
        "kua",
        "pengadilan-agama",
        "dinkes",
        "disnaker",
        "kpp-pratama",
        "bapenda",
    ):
        assert required in slugs, required


def test_services_fields(agencies, services):
    agency_slugs = {a["slug"] for a in agencies}
    for s in services:
        slug = s["slug"]
        assert s["agency"] in agency_slugs, slug
        for key in ("name", "summary", "product", "complaint_handling"):
            assert isinstance(s[key], str) and s[key].strip(), (slug, key)
        assert len(s["requirements"]) >= 2, slug
        assert len(s["procedure"]) >= 3, slug
        assert all(isinstance(x, str) and x.strip() for x in s["requirements"] + s["procedure"])
        assert s["aliases"] and all(isinstance(x, str) and x.strip() for x in s["aliases"]), slug
        assert s["legal_basis"] and all(isinstance(x, str) and x.strip() for x in s["legal_basis"])
        assert _is_int(s["duration_days"]) and s["duration_days"] >= 0, slug
        assert _is_int(s["fee_rupiah"]) and s["fee_rupiah"] >= 0, slug
        assert s["channels"] and set(s["channels"]) <= CHANNELS, slug
        assert len(s["channels"]) == len(set(s["channels"])), slug
        assert set(s["life_events"]) <= LIFE_EVENTS, slug


def test_required_services_and_aliases(services):
    slugs = {s["slug"] for s in services}
    for required in (
        "ktp-el",
        "kartu-keluarga",
        "akta-kelahiran",
        "akta-kematian",
        "pindah-datang",
        "pindah-keluar",
        "kia",
        "skck",
        "sim-baru",
        "perpanjangan-sim",
        "paspor",
        "pajak-kendaraan",
        "nib",
        "pbg",
        "pendaftaran-nikah",
        "sip-tenaga-kesehatan",
        "kartu-pencari-kerja",
        "npwp",
        "klaim-jht",
        "akta-perceraian",
        "itsbat-nikah",
        "pbb",
        "bphtb",
    ):
        assert required in slugs, required
    aliases = {a.lower() for s in services for a in s["aliases"]}
    for short in ("ktp", "kk", "kia", "skck", "sim", "nib", "pbg", "imb", "npwp", "bpjs", "pbb", "stnk"):
        assert short in aliases, short


def test_sites_fields(agencies, sites):
    agency_slugs = {a["slug"] for a in agencies}
    for site in sites:
        slug = site["slug"]
        assert site["name"].strip() and site["address"].strip(), slug
        assert site["status"] in {"pilot", "active"}, slug
        assert DATE_RE.match(site["launch_date"]), slug
        assert _is_int(site["counters"]) and 10 <= site["counters"] <= 80, slug
        assert len(site["agencies"]) >= 8, slug
        assert len(site["agencies"]) == len(set(site["agencies"])), slug
        missing = set(site["agencies"]) - agency_slugs
        assert not missing, (slug, missing)
    assert [s["slug"] for s in sites if s["status"] == "pilot"] == ["sragen"]


def test_no_two_sites_share_a_regency(sites):
    codes = [s["regency_code"] for s in sites]
    assert len(codes) == len(set(codes))


def test_regency_codes_are_level_2(sites, regions):
    for site in sites:
        row = regions.get(site["regency_code"])
        assert row is not None, site["slug"]
        assert row["level"].strip() == "2", site["slug"]


def test_sragen(sites, regions):
    sragen = next(s for s in sites if s["slug"] == "sragen")
    assert sragen["status"] == "pilot"
    assert len(sragen["agencies"]) == 39
    assert "hours" in sragen
    assert regions[sragen["regency_code"]]["name"].strip() == "Kabupaten Sragen"


def test_banyumas(sites, regions):
    banyumas = next(s for s in sites if s["slug"] == "banyumas")
    assert banyumas["launch_date"] == "2018-12-28"
    assert banyumas["status"] == "active"
    assert regions[banyumas["regency_code"]]["name"].strip() == "Kabupaten Banyumas"


def test_hours_well_formed(sites):
    with_hours = [s for s in sites if "hours" in s]
    assert 10 <= len(with_hours) <= 20
    for site in with_hours:
        hours = site["hours"]
        assert set(hours) == set(DAYS), site["slug"]
        for day in DAYS:
            previous_close = None
            for interval in hours[day]:
                assert isinstance(interval, list) and len(interval) == 2, (site["slug"], day)
                start, end = interval
                assert TIME_RE.match(start) and TIME_RE.match(end), (site["slug"], day)
                assert start < end, (site["slug"], day, interval)
                if previous_close is not None:
                    assert previous_close < start, (site["slug"], day, "overlap or unsorted")
                previous_close = end
