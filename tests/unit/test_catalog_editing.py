"""Site admins edit their own site; the ministry edits the national catalog through drafts."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import AuditLog, MppSite, Role, Service, ServiceDraft, SiteAgency, SiteClosure, SiteService
from mpp_digital.services import catalog_editing as editing
from mpp_digital.services.accounts import InvalidForm
from mpp_digital.services.authz import Grant, Principal
from mpp_digital.services.catalog import search_services


def principal(*grants: Grant, user_id: int | None = None) -> Principal:
    return Principal(user_id=user_id or 0, session_id=1, full_name="Uji", email="uji@example.id", email_verified=True,
                     grants=grants)


@pytest.fixture()
def sites(session):
    sragen = session.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
    banyumas = session.exec(select(MppSite).where(MppSite.slug == "banyumas")).one()
    return sragen, banyumas


@pytest.fixture()
def staff(session, now):
    """Real user rows for the audit's foreign keys: a Sragen site admin and a ministry analyst."""
    from mpp_digital.models import User

    ids = []
    for email in ("admin@example.id", "menteri@example.id"):
        user = User(full_name="Staf", email=email, password_hash="x", created_at=now)
        session.add(user)
        session.flush()
        ids.append(user.id)
    return ids


def test_site_admin_edits_saturday_hours_of_own_site(session, sites, staff, now):
    sragen, _ = sites
    admin = principal(Grant(Role.SITE_ADMIN, site_id=sragen.id), user_id=staff[0])
    hours = dict(sragen.opening_hours)
    before = hours.get("sat")
    hours["sat"] = [["07:30", "11:00"]]
    editing.update_hours(session=session, actor=admin, site_id=sragen.id, hours=hours, now=now)
    session.flush()
    assert session.get(MppSite, sragen.id).opening_hours["sat"] == [["07:30", "11:00"]]
    row = session.exec(select(AuditLog).where(AuditLog.action == "site_hours_change")).one()
    assert row.actor_user_id == staff[0] and row.detail["before"]["sat"] == before
    assert row.detail["after"]["sat"] == [["07:30", "11:00"]]


@pytest.mark.parametrize(
    ("sat", "key"),
    [([["7.30", "11:00"]], "hours.bad_time"), ([["12:00", "08:00"]], "hours.open_after_close"),
     ([["08:00", "12:00"], ["11:00", "13:00"]], "hours.overlap")],
)
def test_bad_hours_are_refused_with_a_reason(session, sites, staff, now, sat, key):
    sragen, _ = sites
    admin = principal(Grant(Role.SITE_ADMIN, site_id=sragen.id), user_id=staff[0])
    with pytest.raises(ValidationError) as exc:
        editing.update_hours(session=session, actor=admin, site_id=sragen.id, hours={"sat": sat}, now=now)
    assert exc.value.key == key and exc.value.field == "hours.sat"


def test_site_admin_cannot_edit_another_site_and_citizen_cannot_edit_any(session, sites, now):
    sragen, banyumas = sites
    admin = principal(Grant(Role.SITE_ADMIN, site_id=sragen.id))
    with pytest.raises(NotAllowed):
        editing.update_hours(session=session, actor=admin, site_id=banyumas.id, hours={}, now=now)
    with pytest.raises(NotAllowed):
        editing.add_closure(session=session, actor=principal(Grant(Role.CITIZEN)), site_id=sragen.id,
                            day=now.date(), reason="x", now=now)
    officer = principal(Grant(Role.OFFICER, site_id=sragen.id))
    with pytest.raises(NotAllowed):
        editing.set_service_channels(session=session, actor=officer, site_id=sragen.id, service_id=1,
                                     channels=set(), now=now)


def test_closures_counters_and_channels(session, sites, staff, now):
    sragen, _ = sites
    admin = principal(Grant(Role.SITE_ADMIN, site_id=sragen.id), user_id=staff[0])
    day = now.date() + timedelta(days=10)
    editing.add_closure(session=session, actor=admin, site_id=sragen.id, day=day, reason="Cuti bersama", now=now)
    with pytest.raises(ValidationError, match="closure.exists"):
        editing.add_closure(session=session, actor=admin, site_id=sragen.id, day=day, reason="x", now=now)
    with pytest.raises(ValidationError, match="closure.past"):
        editing.add_closure(session=session, actor=admin, site_id=sragen.id, day=date(2020, 1, 1), reason="x",
                            now=now)
    closure = session.exec(select(SiteClosure).where(SiteClosure.site_id == sragen.id)).one()
    editing.remove_closure(session=session, actor=admin, site_id=sragen.id, closure_id=closure.id, now=now)

    presence = session.exec(select(SiteAgency).where(SiteAgency.site_id == sragen.id)).first()
    editing.set_agency_counters(session=session, actor=admin, site_id=sragen.id, agency_id=presence.agency_id,
                                counters="4", now=now)
    assert session.get(SiteAgency, presence.id).counters == 4
    with pytest.raises(ValidationError, match="counters.whole"):
        editing.set_agency_counters(session=session, actor=admin, site_id=sragen.id,
                                    agency_id=presence.agency_id, counters="-1", now=now)

    offer = session.exec(select(SiteService).where(SiteService.site_id == sragen.id)).first()
    editing.set_service_channels(session=session, actor=admin, site_id=sragen.id, service_id=offer.service_id,
                                 channels={"online"}, now=now)
    updated = session.get(SiteService, offer.id)
    assert (updated.direct, updated.online, updated.mobile) == (False, True, False)
    editing.set_service_channels(session=session, actor=admin, site_id=sragen.id, service_id=offer.service_id,
                                 channels=set(), now=now)
    session.flush()
    assert session.get(SiteService, offer.id) is None


def service_form(**changes):
    data = {
        "slug": "surat-keterangan-uji", "agency_id": 1, "name": "Surat Keterangan Uji Coba",
        "aliases": "SKU, uji", "summary": "Layanan uji.", "requirements": "KTP-el\nKK",
        "procedure": "Ambil antrean\nSerahkan berkas\nTerima surat", "duration_days": "2", "fee_rupiah": "15.000",
        "product": "Surat keterangan", "complaint_handling": "SP4N-LAPOR!", "legal_basis": "UU No. 25 Tahun 2009",
    }
    data.update(changes)
    return data


def test_new_service_is_a_draft_until_published(session, staff, now):
    ministry = principal(Grant(Role.MINISTRY), user_id=staff[1])
    draft = editing.save_draft(session=session, actor=ministry, data=service_form(), now=now)
    session.flush()
    assert draft.data["fee_rupiah"] == 15000 and draft.data["aliases"] == ["SKU", "uji"]
    assert search_services(session=session, query="surat keterangan uji coba").total == 0
    service = editing.publish_draft(session=session, actor=ministry, draft_id=draft.id, now=now)
    session.flush()
    assert search_services(session=session, query="surat keterangan uji coba").items[0].slug == service.slug
    assert search_services(session=session, query="SKU").items[0].slug == service.slug
    audit = session.exec(select(AuditLog).where(AuditLog.action == "service_publish")).one()
    assert audit.detail["before"] is None and audit.detail["after"]["name"] == "Surat Keterangan Uji Coba"
    with pytest.raises(DomainError, match="draft.not_open"):
        editing.publish_draft(session=session, actor=ministry, draft_id=draft.id, now=now)


def test_editing_an_existing_standard_records_before_and_after(session, staff, now):
    ministry = principal(Grant(Role.MINISTRY), user_id=staff[1])
    skck = session.exec(select(Service).where(Service.slug == "skck")).one()
    data = editing.service_as_data(skck) | {"fee_rupiah": "35000"}
    draft = editing.save_draft(session=session, actor=ministry, data=data, service_id=skck.id, now=now)
    assert session.get(Service, skck.id).fee_rupiah == 30000  # still live as before
    editing.publish_draft(session=session, actor=ministry, draft_id=draft.id, now=now)
    session.flush()
    assert session.get(Service, skck.id).fee_rupiah == 35000
    audit = session.exec(select(AuditLog).where(AuditLog.action == "service_publish")).one()
    assert audit.detail["before"]["fee_rupiah"] == 30000 and audit.detail["after"]["fee_rupiah"] == 35000


def test_service_validation_messages(session, staff, now):
    ministry = principal(Grant(Role.MINISTRY), user_id=staff[1])
    with pytest.raises(InvalidForm) as exc:
        editing.save_draft(session=session, actor=ministry, now=now, data=service_form(
            slug="Bad Slug", name="x", agency_id=999999, fee_rupiah="-5", duration_days="1,5", requirements="",
            procedure="  ", product="", complaint_handling=""))
    assert {k: e.key for k, e in exc.value.errors.items()} == {
        "slug": "service.slug_invalid", "name": "service.name_required", "agency_id": "service.agency_required",
        "fee_rupiah": "service.fee_whole", "duration_days": "service.duration_whole",
        "requirements": "service.requirements_required", "procedure": "service.procedure_required",
        "product": "service.product_required", "complaint_handling": "service.complaint_required",
    }
    with pytest.raises(InvalidForm) as taken:
        editing.save_draft(session=session, actor=ministry, now=now, data=service_form(slug="skck"))
    assert taken.value.errors["slug"].key == "service.slug_taken"
    assert session.exec(select(ServiceDraft)).all() == []


def test_only_the_ministry_edits_the_catalog(session, sites, now):
    sragen, _ = sites
    for actor in (principal(Grant(Role.SITE_ADMIN, site_id=sragen.id)), principal(Grant(Role.CITIZEN)),
                  principal(Grant(Role.REGIONAL_HEAD, regency_code="33.14"))):
        with pytest.raises(NotAllowed):
            editing.save_draft(session=session, actor=actor, data=service_form(), now=now)
        with pytest.raises(NotAllowed):
            editing.save_agency(session=session, actor=actor, now=now, name="Dinas Uji", short_name="DU",
                                slug="dinas-uji", letter="U")
