"""The seeded machine-readable standards: typed items and a valid workflow for every online service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from mpp_digital import demo
from mpp_digital.models import Service, SiteService
from mpp_digital.services import fees
from mpp_digital.services.applications import load_workflow, parse_items

SERVICES = json.loads((Path(demo.__file__).resolve().parent / "demo_data" / "services.json").read_text("utf-8"))
WITH_ITEMS = [s for s in SERVICES if s.get("requirement_items")]
REQUIRED = ("akta-kelahiran", "kartu-keluarga", "pindah-datang", "akta-kematian", "kia", "nib",
            "sip-tenaga-kesehatan", "kartu-pencari-kerja", "surat-keterangan-tidak-mampu")


def test_at_least_25_services_have_items_and_the_named_ones_do():
    slugs = {s["slug"] for s in WITH_ITEMS}
    assert len(slugs) >= 25
    assert set(REQUIRED) <= slugs


@pytest.mark.parametrize("rec", WITH_ITEMS, ids=lambda r: r["slug"])
def test_every_service_with_items_is_online_with_valid_items_workflow_and_fee(rec):
    assert "online" in rec["channels"], rec["slug"]
    items = parse_items(rec["requirement_items"])
    assert any(i.is_document and i.required for i in items), rec["slug"]
    wf = load_workflow(rec.get("workflow", {}))
    assert wf.actions_for(wf.initial, "officer")
    fees.parse_schedule(rec.get("fee_schedule", {}))
    assert all(i.label_en for i in items), rec["slug"]  # the form is bilingual


def test_birth_certificate_items():
    rec = next(s for s in SERVICES if s["slug"] == "akta-kelahiran")
    items = parse_items(rec["requirement_items"])
    documents = [i for i in items if i.is_document and i.required]
    assert len(documents) >= 3
    assert {"surat_keterangan", "kk", "buku_nikah"} <= {i.doc_kind for i in documents}
    by_key = {i.key: i for i in items}
    assert by_key["nik_ibu"].type == "nik" and by_key["nik_ibu"].required
    assert by_key["tanggal_lahir"].type == "date" and by_key["tanggal_lahir"].not_future
    assert by_key["nama_anak"].type == "text"


def test_the_seed_loads_items_and_offers_them_online(session):
    services = {s.slug: s for s in session.exec(select(Service)).all()}
    for rec in WITH_ITEMS:
        service = services[rec["slug"]]
        assert parse_items(service.requirement_items), rec["slug"]
        offers = session.exec(select(SiteService).where(SiteService.service_id == service.id)).all()
        assert offers and all(o.online for o in offers), rec["slug"]
    assert services["pajak-kendaraan"].fee_schedule["variants"][0]["parts"][0]["rule"]["kind"] == "pkb"


def test_backfill_fills_an_older_catalog_once_and_keeps_edits(session):
    kia = session.exec(select(Service).where(Service.slug == "kia")).one()
    skck = session.exec(select(Service).where(Service.slug == "skck")).one()
    items = list(kia.requirement_items)
    kia.requirement_items = []  # a catalog loaded before the standard existed
    offers = session.exec(select(SiteService).where(SiteService.service_id == kia.id)).all()
    for offer in offers:
        offer.online = False
        session.add(offer)
    edited = [dict(skck.requirement_items[0])]
    skck.requirement_items = edited  # an edit is never overwritten
    session.add_all([kia, skck])
    session.flush()
    assert demo.load_standards(session) >= 1
    assert kia.requirement_items == items
    assert all(o.online for o in offers)
    assert skck.requirement_items == edited
    assert demo.load_standards(session) == 0  # nothing left to fill
