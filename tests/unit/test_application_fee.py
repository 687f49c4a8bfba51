"""The fee an online application records comes from the service's fee schedule at the MPP's regency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mpp_digital.services.applications import drafts
from tests.unit.application_setup import make_app_world, ready_draft

MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.fixture()
def world(session):
    return make_app_world(session)


def _submit(session, world, fee_variant=None):
    draft = ready_draft(session, world, MONDAY)
    if fee_variant is not None:
        draft.fee_variant = fee_variant
        session.add(draft)
    return drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=MONDAY)


def test_flat_fee_is_recorded(session, world):
    world.service.fee_rupiah = 30000
    session.add(world.service)
    assert _submit(session, world).fee_rupiah == 30000


def test_a_case_rule_is_not_recorded_as_a_fixed_amount(session, world):
    """Divorce filing was Rp 30.000 flat: a court advance by radius is decided at the court (None)."""
    world.service.fee_rupiah = 600000
    world.service.fee_schedule = {"variants": [{"key": "cerai_gugat", "label": "Cerai gugat", "parts": [
        {"label": "Panjar", "rule": {"kind": "radius", "bands": [
            {"value": "1", "label": "Radius I", "amount": 600000},
            {"value": "2", "label": "Radius II", "amount": 800000}]}}]}]}
    session.add(world.service)
    assert _submit(session, world).fee_rupiah is None


def test_the_chosen_variant_and_the_regencys_tariff_apply(session, world):
    regency = world.q.site.regency_code
    world.service.fee_schedule = {"variants": [
        {"key": "baru", "label": "Baru", "parts": [{"label": "Tarif", "amount": 100000}]},
        {"key": "hilang", "label": "Hilang", "parts": [
            {"label": "Tarif", "amount": {"default": 500000, "by_region": {regency: 250000}}}]}]}
    session.add(world.service)
    assert _submit(session, world, fee_variant="hilang").fee_rupiah == 250000


def test_an_unknown_variant_counts_as_none_chosen(session, world):
    world.service.fee_schedule = {"variants": [
        {"key": "baru", "label": "Baru", "parts": [{"label": "Tarif", "amount": 100000}]}]}
    session.add(world.service)
    assert _submit(session, world, fee_variant="gratis_saja").fee_rupiah == 100000
