"""Catalog search and pages over the demo catalog (116 services, 103 sites)."""

import pytest
from sqlmodel import select

from mpp_digital.models import Agency, MppSite, Service
from mpp_digital.services import catalog, fees
from mpp_digital.services.catalog import SearchFilters, normalise, search_services


def names(page):
    return [item.name for item in page.items]


def slugs(session, query, **filters):
    return [i.slug for i in search_services(session=session, query=query, filters=SearchFilters(**filters),
                                            per_page=200).items]


def test_normalise_forgives_case_accents_and_punctuation():
    assert normalise("  Akta KELAHIRAN (Baru) ") == "akta kelahiran baru"
    assert normalise("Pengesahan Éxport — KTP-el") == "pengesahan export ktp el"


def test_rupiah_in_indonesian_form():
    assert fees.summary_text(fees.FeeSummary("free", 0), "id") == "Gratis"


def test_fee_filter_reads_the_schedule_not_a_zero_flat_fee(session):
    """Annual vehicle tax was listed as free: its fee_rupiah is 0 but its schedule is a tax rule."""
    free, paid = slugs(session, "", fee="free"), slugs(session, "", fee="paid")
    assert "pajak-kendaraan" in paid and "pajak-kendaraan" not in free
    assert {"paspor-hilang-rusak", "gugatan-cerai", "peralihan-hak-tanah"} <= set(paid)
    card = search_services(session=session, query="pajak kendaraan").items[0]
    assert card.slug == "pajak-kendaraan" and card.fee.kind == "rule"
    assert fees.summary_text(card.fee, "id") != "Gratis"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("KTP", "ktp-el"),
        ("ktp", "ktp-el"),
        ("e-ktp", "ktp-el"),
        ("KK", "kartu-keluarga"),
        ("kia", "kia"),
        ("SKCK", "skck"),
        ("SIM", "sim-baru"),
        ("NIB", "nib"),
        ("bpjs", "pendaftaran-bpjs-kesehatan"),
        ("akte kelahiran", "akta-kelahiran"),
        ("AKTA KELAHIRAN", "akta-kelahiran"),
        ("pasport", "paspor"),
        ("IMB", "pbg"),
    ],
)
def test_short_names_and_spellings_people_type(session, query, expected):
    assert expected in slugs(session, query)[:6], slugs(session, query)[:6]


def test_accents_are_ignored_in_the_query(session):
    assert "akta-kelahiran" in slugs(session, "Ákta Kélahiran")


def test_exact_name_match_ranks_first(session):
    service = session.exec(select(Service).where(Service.slug == "akta-kelahiran")).one()
    assert search_services(session=session, query=service.name).items[0].slug == "akta-kelahiran"
    assert search_services(session=session, query="kartu keluarga").items[0].slug == "kartu-keluarga"


def test_every_token_must_match(session):
    assert slugs(session, "akta kelahiran paspor") == []


def test_filters_agency_fee_channel_life_event(session):
    dukcapil = session.exec(select(Agency).where(Agency.slug == "dukcapil")).one()
    found = search_services(session=session, filters=SearchFilters(agency_id=dukcapil.id), per_page=200)
    assert found.total > 5 and all(i.agency == dukcapil.short_name for i in found.items)
    free = slugs(session, "", fee="free")
    paid = slugs(session, "", fee="paid")
    assert "ktp-el" in free and "ktp-el" not in paid and "paspor" in paid
    online = search_services(session=session, filters=SearchFilters(channel="online"), per_page=200)
    assert online.total > 0 and all("online" in i.channels for i in online.items)
    births = slugs(session, "", life_event="kelahiran")
    assert {"akta-kelahiran", "kia"} <= set(births) and "paspor" not in births


def test_place_filters_site_regency_province(session):
    sragen = session.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
    at_sragen = set(slugs(session, "", site_id=sragen.id))
    offered = {s.slug for s, _ in catalog.site_services(session=session, site_id=sragen.id)}
    assert at_sragen == offered and at_sragen
    assert set(slugs(session, "", regency_code="33.14")) == at_sragen  # one MPP in Sragen
    assert at_sragen <= set(slugs(session, "", province_code="33"))
    assert slugs(session, "", regency_code="99.99") == []


def test_results_are_paginated_with_totals(session):
    first = search_services(session=session, page=1, per_page=20)
    second = search_services(session=session, page=2, per_page=20)
    assert first.total == session.exec(select(Service)).all().__len__()
    assert first.pages == -(-first.total // 20)
    assert len(first.items) == 20 and not set(names(first)) & set(names(second))
    last = search_services(session=session, page=999, per_page=20)
    assert last.page == first.pages


def test_cards_show_agency_fee_time_and_channels(session):
    card = search_services(session=session, query="skck").items[0]
    assert card.slug == "skck" and card.fee == fees.FeeSummary("flat", 30000) and card.agency and card.channels


def test_service_page_data_and_unknown_slug(session):
    service, agency = catalog.get_service(session=session, slug="akta-kelahiran")
    assert service.requirements and service.procedure and agency.slug == "dukcapil"
    offers = catalog.sites_offering(session=session, service_id=service.id)
    assert any(o.slug == "sragen" for o in offers)
    assert catalog.get_service(session=session, slug="tidak-ada") is None


def test_site_directory_and_site_page(session):
    everything = catalog.site_directory(session=session)
    assert len(everything) == 103
    central_java = catalog.site_directory(session=session, province_code="33")
    assert len(central_java) == 28
    assert [s.slug for s in catalog.site_directory(session=session, query="purwokerto")] == ["banyumas"]
    site, regency, province = catalog.get_site(session=session, slug="sragen")
    assert regency.code == "33.14" and province.code == "33" and regency.population > 900_000
    assert len(catalog.site_agencies(session=session, site_id=site.id)) == 39
    assert catalog.get_site(session=session, slug="tidak-ada") is None
