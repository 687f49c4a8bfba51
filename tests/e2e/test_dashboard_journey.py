"""The dashboards in Chromium on the real app with its demo history (seeded by `make run`)."""


import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from mpp_digital.services import analytics
from mpp_digital.services.analytics import KPI_METRICS
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

UNITS = dict(KPI_METRICS)




def as_shown(metric: str, value) -> str:
    """A number from the XLSX, formatted the way the page formats it (Indonesian)."""
    unit = UNITS[metric]
    if value is None:
        return analytics.format_metric(unit, None, "id")
    return analytics.format_metric(unit, value / 100 if unit == "percent" else value, "id")


def test_ministry_compares_sragen_and_banyumas_and_the_xlsx_equals_the_page(new_page, tmp_path):
    page = new_page(width=1366)
    sign_in(page, "kemenpanrb@demo.mpp.go.id")
    page.goto("/dasbor/nasional")
    expect(page.locator("#dash-title")).to_have_text("Dasbor nasional MPP")
    headers = page.locator("#compare-table .cmp-site")
    expect(headers).to_have_count(2)
    names = headers.all_inner_texts()
    assert "Sragen" in names[0] and "Banyumas" in names[1]
    expect(page.locator("#cmp-served-c0")).not_to_have_text("")
    shown = {(metric, key): page.locator(f"#cmp-{metric}-{key}").inner_text()
             for metric, _unit in KPI_METRICS for key in ("c0", "c1")}
    assert int(shown[("served", "c0")].replace(".", "")) > 0  # the demo history reaches the page
    assert int(shown[("served", "c1")].replace(".", "")) > 0
    expect(page.locator(".ranking-row")).to_have_count(103)

    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path)["comparison"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[3:] == names  # the same two sites, in the same order
    for row in rows[1:]:
        metric = row[0]
        for i, key in enumerate(("c0", "c1")):
            assert as_shown(metric, row[3 + i]) == shown[(metric, key)], (metric, key)


def test_regional_head_sees_sragen_only(new_page):
    page = new_page(width=1280)
    sign_in(page, "bupati.sragen@demo.mpp.go.id")
    page.goto("/dasbor/daerah")
    expect(page.locator("#dash-title")).to_contain_text("Kabupaten Sragen")
    expect(page.locator("#kpi-served")).not_to_have_text("")
    expect(page.locator("#chart-trend .js-plotly-plot")).to_have_count(1)
    page.goto("/dasbor/nasional")
    expect(page.get_by_text("Anda tidak berwenang membuka ini.").first).to_be_visible()
    expect(page.locator(".ranking-row")).to_have_count(0)
    expect(page.locator("#compare-table .cmp-site")).to_have_count(0)
