"""The open-data API: aggregated statistics only, JSON and CSV, described by OpenAPI."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mpp_digital.open_data import open_data_routes
from tests.unit.test_analytics import MARCH, clean, load_dataset  # noqa: F401  (fixture)


@pytest.fixture()
def api(database_url, monkeypatch) -> TestClient:
    from mpp_digital.settings import get_settings

    monkeypatch.setenv("MPP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield TestClient(Starlette(routes=open_data_routes()))
    get_settings.cache_clear()


def test_openapi_describes_every_route(api):
    doc = api.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/api/v1/sites", "/api/v1/stats/monthly", "/api/v1/stats/sites",
                                 "/api/v1/stats/provinces", "/api/v1/stats/complaints"}


def test_monthly_statistics_as_json_and_csv(clean, session, api):  # noqa: F811
    load_dataset(session)
    session.commit()
    body = api.get("/api/v1/stats/monthly", params={"scope": "regency:33.14", "from": "2026-02",
                                                   "to": "2026-03"}).json()
    march = next(r for r in body["data"] if r["month"] == "2026-03")
    assert march["served"] == 15 and march["digital_share"] == 0.6 and march["wait_median_min"] == 12.0
    assert march["ikm"] == 90.0 and march["ikm_grade"] == "A"
    assert not ({"nik", "email", "name", "user_id"} & set(march))  # aggregates only
    response = api.get("/api/v1/stats/monthly", params={"scope": "site:sragen", "from": "2026-03", "to": "2026-03",
                                                       "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["served"] == "15" and rows[0]["month"] == "2026-03"
    sites = api.get("/api/v1/stats/sites", params={"month": "2026-03"}).json()["data"]
    assert {r["site"]: r["served"] for r in sites}["banyumas"] == 7 and len(sites) == 103
    provinces = api.get("/api/v1/stats/provinces", params={"month": "2026-03"}).json()["data"]
    assert {p["province_code"]: p["served"] for p in provinces}["33"] == 22


def test_bad_parameters_are_400_and_unknown_regions_404(api):
    assert api.get("/api/v1/stats/monthly", params={"from": "2026-13"}).status_code == 400
    assert api.get("/api/v1/stats/monthly", params={"scope": "planet:mars"}).status_code == 400
    assert api.get("/api/v1/stats/monthly", params={"scope": "regency:99.99"}).status_code == 404
    first = date(2020, 1, 1)
    assert api.get("/api/v1/stats/monthly", params={"from": first.strftime("%Y-%m"),
                                                   "to": (first + timedelta(days=40 * 31)).strftime("%Y-%m")}
                   ).status_code == 400
    assert api.get("/api/v1/sites").json()["count"] == 103


@pytest.mark.parametrize(("path", "name"), [("/api/v1/stats/monthly", "from"), ("/api/v1/stats/monthly", "to"),
                                            ("/api/v1/stats/sites", "month"), ("/api/v1/stats/provinces", "month")])
@pytest.mark.parametrize("value", ["9999-12", "0001-01", "1999-12", "2100-01", "2026-00", "2026-1", "２０２６-01",
                                   "2026-01-05", "abc", "-2026-01", "10000-01"])
def test_out_of_range_or_malformed_months_are_400_with_a_message(api, path, name, value):
    """Before: 9999-12 and 0001-01 overflowed the date arithmetic (500)."""
    response = api.get(path, params={name: value})
    assert response.status_code == 400, response.text
    assert name in response.json()["error"]


@pytest.mark.parametrize("scope", ["province:", "regency:", "site:", "province:33:1", "regency:\x00", "site:../x",
                                   "national:x", ":", "province:３３", "province:" + "9" * 300])
def test_malformed_scopes_and_formats_are_400(api, scope):
    response = api.get("/api/v1/stats/monthly", params={"scope": scope})
    assert response.status_code == 400 and "scope" in response.json()["error"]
    assert api.get("/api/v1/sites", params={"format": "xml"}).status_code == 400


def test_the_api_is_rate_limited_per_address(api):
    from mpp_digital.services import rate_limits

    answers = [api.get("/api/v1/openapi.json").status_code]  # the description is not limited
    answers += [api.get("/api/v1/stats/monthly", params={"from": "1900-01"}).status_code
                for _ in range(rate_limits.OPEN_DATA.items[0].amount)]
    assert set(answers) == {200, 400}
    refused = api.get("/api/v1/stats/monthly", params={"from": "1900-01"})
    assert refused.status_code == 429 and refused.headers["retry-after"]
