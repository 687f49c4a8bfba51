"""Online-application handlers in-process: the form (data, upload, reuse, review, submit), the
citizen's list and detail (with a wrong number), fix-and-resubmit, cancel, notices and the bell."""

from __future__ import annotations

import io
import uuid
from datetime import date
from pathlib import Path

import pytest
import reflex as rx
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.models import Application, AuditLog, MppSite, Notification, Service, SiteService, User
from mpp_digital.services.applications import lifecycle
from mpp_digital.services.authz import principal_for
from mpp_digital.settings import get_settings
from state.applications import ApplicationState, ApplyState, MyApplicationsState, NotificationsState  # noqa: E402
from state.nav import NavState  # noqa: E402
from state.uploads import serving_upload
from tests.conftest import DELETE_THEIR_FACTS
from tests.identity_support import verify_identity
from tests.state.conftest import Account, call, make_tree, substate
from tests.unit.application_setup import GOOD_ANSWERS, ITEMS, MINIMAL_PDF

APP_TABLES = ("documentaccess", "issuedoutput", "applicationdocument", "notification", "applicationevent",
              "application", "applicationdraft", "storeddocument")


@pytest.fixture(scope="module")
def online_service(accounts_by_role, engine, tmp_path_factory):
    """A service with an online form at MPP Sragen; the citizen's email verified; private storage."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path_factory.mktemp("documents")))
        mp.setenv("MPP_DOCUMENT_MAX_BYTES", "4000")
        get_settings.cache_clear()
        with Session(engine, expire_on_commit=False) as db:
            sragen = db.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
            agency_id = db.exec(select(Service.agency_id).limit(1)).one()
            service = Service(slug=f"akta-uji-{uuid.uuid4().hex[:6]}", agency_id=agency_id, name="Akta Kelahiran Uji",
                              duration_days=5, fee_rupiah=0, product="Akta", complaint_handling="-",
                              requirement_items=ITEMS)
            db.add(service)
            db.flush()
            db.add(SiteService(site_id=sragen.id, service_id=service.id, direct=True, online=True))
            for key in ("citizen", "victim"):
                db.get(User, accounts_by_role[key].user_id).email_verified_at = utcnow()
            db.commit()
            verify_identity(db, db.get(User, accounts_by_role["citizen"].user_id))  # outputs go to verified holders
        yield service
        with engine.begin() as conn:
            for table in APP_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
            decided = [date.fromisoformat(str(day)[:10]) for day in conn.execute(  # SQLite: text
                text("DELETE FROM serviceevent WHERE service_id = :s RETURNING local_day"), {"s": service.id}).scalars()]
        if decided:  # the dashboards' rollups as they were before these tests' decisions
            from mpp_digital.services import analytics

            with Session(engine) as db:
                analytics.rebuild_rollups(session=db, start=min(decided), end=max(decided))
                db.commit()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM siteservice WHERE service_id = :s"), {"s": service.id})
            conn.execute(text("DELETE FROM service WHERE id = :s"), {"s": service.id})
    get_settings.cache_clear()


@pytest.fixture()
def fresh(engine, online_service):
    """Each test starts without applications, drafts or notices."""
    with engine.begin() as conn:
        for table in APP_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text(DELETE_THEIR_FACTS))
    yield online_service


def _tree(account: Account, path: str):
    return make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)


def _principal(engine, account: Account):
    with Session(engine, expire_on_commit=False) as db:
        return principal_for(session=db, user=db.get(User, account.user_id), session_id=account.session_id)


def _upload(engine, account: Account, state, data: bytes, name: str = "scan.pdf"):
    file = rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))
    with serving_upload(account.client_token, _principal(engine, account)):
        return call(type(state).upload, state, [file])


def _apply(engine, account: Account, service: Service):
    root = _tree(account, f"/permohonan/baru/{service.slug}")
    form = substate(root, ApplyState)
    call(ApplyState.load, form)
    return root, form


def _fill_and_attach(engine, account: Account, form) -> None:
    call(ApplyState.save_data, form, GOOD_ANSWERS)
    for key in ("ktp_ayah", "surat_lahir"):
        call(ApplyState.choose_upload, form, key)
        _upload(engine, account, form, MINIMAL_PDF + key.encode(), f"{key}.pdf")


def _applications(engine, user_id: int) -> list[Application]:
    with Session(engine) as db:
        return list(db.exec(select(Application).where(Application.citizen_id == user_id)).all())


def _redirect_path(result) -> str:
    for spec in result if isinstance(result, list) else [result]:
        if getattr(spec, "handler", None) is not None and spec.handler.fn.__qualname__ == "_redirect":
            return str({k._js_expr: v._var_value for k, v in spec.args}["path"])
    return ""


def test_the_form_resumes_validates_uploads_reviews_and_submits_once(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    root, form = _apply(engine, citizen, fresh)
    assert form.found and form.step == 0 and [f.key for f in form.fields] == ["nama_anak", "nik_ayah",
                                                                              "tanggal_lahir"]
    with Session(engine) as db:
        sragen = db.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
    assert form.site_id == str(sragen.id)  # preselected from the NIK's regency (33.14)

    call(ApplyState.save_data, form, {**GOOD_ANSWERS, "nik_ayah": "12345"})
    assert form.step == 0 and form.error
    nik = next(f for f in form.fields if f.key == "nik_ayah")
    assert nik.error == t("nik.length", "id", length=5) and nik.value == "12345"

    _fill_and_attach(engine, citizen, form)
    assert form.step == 1 and all(s.attached for s in form.slots if s.required)

    _, again = _apply(engine, citizen, fresh)  # a reload resumes the draft where it was
    assert again.step == 1 and next(f for f in again.fields if f.key == "nama_anak").value == "Bima Saputra"

    call(ApplyState.go_to, again, "2")
    assert again.step == 2 and again.fee == "Gratis"
    assert any(r.value == "Bima Saputra" for r in again.review)

    first = call(ApplyState.submit, again)
    [application] = _applications(engine, citizen.user_id)
    assert _redirect_path(first) == f"/permohonan/{application.tracking_number}"
    second = call(ApplyState.submit, again)  # a second click (or tab) gets the same application
    assert _redirect_path(second) == _redirect_path(first)
    assert len(_applications(engine, citizen.user_id)) == 1
    assert not again.submitting


def test_a_missing_document_sends_the_citizen_back_with_the_item_named(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    _, form = _apply(engine, citizen, fresh)
    call(ApplyState.save_data, form, GOOD_ANSWERS)
    call(ApplyState.go_to, form, "2")
    call(ApplyState.submit, form)
    assert _applications(engine, citizen.user_id) == []
    assert form.step == 1 and form.error == t("app.incomplete", "id", count=2)
    assert {s.key for s in form.slots if s.error} == {"ktp_ayah", "surat_lahir"}


def test_bad_uploads_are_refused_with_a_reason_and_nothing_attached(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    _, form = _apply(engine, citizen, fresh)
    call(ApplyState.save_data, form, GOOD_ANSWERS)
    call(ApplyState.choose_upload, form, "ktp_ayah")
    _upload(engine, citizen, form, b"MZ\x90\x00" + b"\x00" * 200, "ktp.pdf")  # a renamed .exe
    assert form.error == t("doc.type", "id")
    _upload(engine, citizen, form, MINIMAL_PDF + b"x" * 5000, "big.pdf")  # over the 4000-byte test limit
    assert form.error == t("doc.too_big", "id", mb=1)
    _upload(engine, citizen, form, b"", "empty.pdf")
    assert form.error == t("doc.empty", "id")
    assert all(not s.attached for s in form.slots)


def test_a_document_from_the_wallet_is_reused_only_where_allowed(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    _, form = _apply(engine, citizen, fresh)
    call(ApplyState.save_data, form, GOOD_ANSWERS)
    call(ApplyState.choose_upload, form, "ktp_ayah")
    _upload(engine, citizen, form, MINIMAL_PDF + b"wallet", "ktp.pdf")
    [saved] = form.wallet
    call(ApplyState.reuse, form, "surat_lahir", saved.value)  # this item wants a fresh upload
    assert form.error == t("app.no_wallet", "id")
    call(ApplyState.detach, form, "ktp_ayah")
    call(ApplyState.reuse, form, "ktp_ayah", saved.value)
    assert next(s for s in form.slots if s.key == "ktp_ayah").attached


def test_an_unknown_service_or_number_is_a_clear_not_found(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    root = _tree(citizen, "/permohonan/baru/tidak-ada")
    form = substate(root, ApplyState)
    call(ApplyState.load, form)
    assert not form.found and form.problem == t("app.not_online", "id")
    root = _tree(citizen, "/permohonan/MPP-3314-2026-999999")
    detail = substate(root, ApplicationState)
    call(ApplicationState.load, detail)
    assert not detail.found and "MPP-3314-2026-999999" in detail.problem


def _submitted(engine, account, service) -> Application:
    _, form = _apply(engine, account, service)
    _fill_and_attach(engine, account, form)
    call(ApplyState.submit, form)
    [application] = _applications(engine, account.user_id)
    return application


def test_the_citizen_reads_their_list_and_detail_and_nobody_elses(accounts_by_role, engine, fresh):
    citizen, victim = accounts_by_role["citizen"], accounts_by_role["victim"]
    application = _submitted(engine, citizen, fresh)
    mine = substate(_tree(citizen, "/permohonan"), MyApplicationsState)
    call(MyApplicationsState.load, mine)
    [row] = mine.applications
    assert row.tracking_number == application.tracking_number and row.state == "Diajukan" and row.left
    detail = substate(_tree(citizen, f"/permohonan/{application.tracking_number}"), ApplicationState)
    call(ApplicationState.load, detail)
    assert detail.found and detail.due and detail.left.startswith("Sisa")
    assert [a.key for a in detail.actions] == ["batalkan"]
    assert detail.timeline[0].who == "Anda"
    assert {(a.label, a.value) for a in detail.answers} >= {("Tanggal lahir", "20 November 2026")}
    theirs = substate(_tree(victim, f"/permohonan/{application.tracking_number}"), ApplicationState)
    call(ApplicationState.load, theirs)
    assert not theirs.found and theirs.timeline == []
    other_list = substate(_tree(victim, "/permohonan"), MyApplicationsState)
    call(MyApplicationsState.load, other_list)
    assert other_list.applications == []


def test_a_crafted_officer_action_by_the_citizen_is_refused_and_audited(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    application = _submitted(engine, citizen, fresh)
    detail = substate(_tree(citizen, f"/permohonan/{application.tracking_number}"), ApplicationState)
    call(ApplicationState.load, detail)
    call(ApplicationState.take, detail, "verifikasi")
    assert detail.error == t("app.not_allowed", "id")
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == lifecycle.REFUSED, AuditLog.actor_user_id == citizen.user_id)).one() == 1
        assert db.get(Application, application.id).state == "diajukan"


def test_returned_fixed_and_resubmitted_then_cancelled(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    application = _submitted(engine, citizen, fresh)
    lifecycle.take_action(application_id=application.id, principal=_principal(engine, accounts_by_role["officer"]),
                          action="kembalikan", note="KTP ayah buram, unggah ulang", seen_version=1, now=utcnow())
    detail = substate(_tree(citizen, f"/permohonan/{application.tracking_number}"), ApplicationState)
    call(ApplicationState.load, detail)
    assert detail.waits and detail.return_note == "KTP ayah buram, unggah ulang"
    assert {f.key for f in detail.fix_fields} == {"nama_anak", "nik_ayah", "tanggal_lahir"}
    call(ApplicationState.save_fix, detail, {"nama_anak": "Bima Saputra Wibowo"})
    assert detail.notice and any(a.value == "Bima Saputra Wibowo" for a in detail.answers)
    call(ApplicationState.choose_upload, detail, "ktp_ayah")
    _upload(engine, citizen, detail, MINIMAL_PDF + b"sharper", "ktp-baru.pdf")
    assert any(a.name == "ktp-baru.pdf" and a.href.startswith("/akun/dokumen/") for a in detail.attached)
    call(ApplicationState.resubmit, detail)
    assert not detail.waits and detail.state_label == "Diajukan" and detail.fix_fields == []
    call(ApplicationState.take, detail, "batalkan")
    assert not detail.open and detail.actions == []
    call(ApplicationState.resubmit, detail)  # nothing to fix any more: refused with a message, no 500
    assert detail.error


def test_notices_the_bell_and_marking_read(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    application = _submitted(engine, citizen, fresh)
    lifecycle.take_action(application_id=application.id, principal=_principal(engine, accounts_by_role["officer"]),
                          action="kembalikan", note="Foto buram", seen_version=1, now=utcnow())
    root = _tree(citizen, "/notifikasi")
    nav = substate(root, NavState)
    call(NavState.refresh, nav)
    assert nav.unread == 2
    notices = substate(root, NotificationsState)
    call(NotificationsState.load, notices)
    assert len(notices.notices) == 2 and all(n.unread for n in notices.notices)
    returned = next(n for n in notices.notices if "dikembalikan" in n.text)
    result = call(NotificationsState.open_notice, notices, returned.id)
    assert _redirect_path(result) == f"/permohonan/{application.tracking_number}"
    call(NavState.refresh, nav)
    assert nav.unread == 1
    victim = substate(_tree(accounts_by_role["victim"], "/notifikasi"), NotificationsState)
    call(NotificationsState.load, victim)
    assert victim.notices == []
    call(NotificationsState.open_notice, victim, returned.id)  # someone else's notice: untouched
    call(NotificationsState.mark_all_read, notices)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(Notification).where(
            Notification.user_id == citizen.user_id, col(Notification.read_at).is_(None))).one() == 0
    assert nav.unread == 0


def test_an_unverified_citizen_keeps_the_draft_but_cannot_submit(accounts_by_role, engine, fresh):
    victim = accounts_by_role["victim"]
    with Session(engine) as db:
        db.get(User, victim.user_id).email_verified_at = None
        db.commit()
    try:
        _, form = _apply(engine, victim, fresh)
        assert not form.verified
        result = call(ApplyState.submit, form)
        assert any(t("auth.unverified", "id") in str(spec) for spec in (result if isinstance(result, list)
                                                                        else [result]))
        assert _applications(engine, victim.user_id) == []
    finally:
        with Session(engine) as db:
            db.get(User, victim.user_id).email_verified_at = utcnow()
            db.commit()


def test_apply_online_is_offered_where_a_site_offers_the_form_online(accounts_by_role, engine, fresh):
    from state.catalog import ServicePageState, SitePageState

    citizen = accounts_by_role["citizen"]
    page = substate(_tree(citizen, f"/layanan/{fresh.slug}"), ServicePageState)
    call(ServicePageState.load, page)
    assert page.apply_href == f"/permohonan/baru/{fresh.slug}"
    [sragen] = page.sites
    assert sragen.apply == f"/permohonan/baru/{fresh.slug}?mpp=sragen"
    site = substate(_tree(citizen, "/mpp/sragen"), SitePageState)
    call(SitePageState.load, site)
    assert next(o for o in site.online if o.slug == fresh.slug).apply == sragen.apply
    assert all(o.apply == "" for o in site.direct)
    with engine.begin() as conn:  # no site offers it online any more: nothing to apply for
        conn.execute(text("UPDATE siteservice SET online = false WHERE service_id = :s"), {"s": fresh.id})
    try:
        call(ServicePageState.load, page)
        assert page.apply_href == "" and all(o.apply == "" for o in page.sites)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE siteservice SET online = true WHERE service_id = :s"), {"s": fresh.id})


def test_a_finished_application_offers_its_signed_output(accounts_by_role, engine, fresh):
    citizen = accounts_by_role["citizen"]
    application = _submitted(engine, citizen, fresh)
    officer = _principal(engine, accounts_by_role["officer"])
    for version, step in enumerate(("verifikasi", "proses", "selesaikan"), start=1):
        lifecycle.take_action(application_id=application.id, principal=officer, action=step, note="",
                              seen_version=version, now=utcnow())
    detail = substate(_tree(citizen, f"/permohonan/{application.tracking_number}"), ApplicationState)
    call(ApplicationState.load, detail)
    assert not detail.open and detail.decided and detail.output_code
    assert detail.output_href.startswith("/akun/dokumen/") and detail.output_href.endswith("?unduh=1")


REGIONAL_FEES = {"variants": [
    {"key": "baru", "label": "Baru", "parts": [
        {"label": "Biaya", "amount": {"default": 1_500_000, "by_region": {"33.14": 1_250_000}}}]},
    {"key": "perpanjangan", "label": "Perpanjangan", "parts": [
        {"label": "Biaya", "amount": {"default": 200_000, "by_region": {"33.14": 100_000}}}]},
]}


def test_the_fee_follows_the_chosen_mpp_and_variant(accounts_by_role, engine, fresh):
    from mpp_digital.services import fees

    citizen = accounts_by_role["citizen"]
    with Session(engine, expire_on_commit=False) as db:
        banyumas = db.exec(select(MppSite).where(MppSite.slug == "banyumas")).one()
        db.get(Service, fresh.id).fee_schedule = fees.parse_schedule(REGIONAL_FEES)
        db.add(SiteService(site_id=banyumas.id, service_id=fresh.id, direct=True, online=True))
        db.commit()
    try:
        _, form = _apply(engine, citizen, fresh)
        _fill_and_attach(engine, citizen, form)
        call(ApplyState.go_to, form, "2")
        assert form.fee == "Rp 1.250.000" and [v.value for v in form.fee_variants] == ["baru", "perpanjangan"]
        call(ApplyState.pick_fee_variant, form, "perpanjangan")
        assert form.fee == "Rp 100.000" and form.fee_variant == "perpanjangan"
        call(ApplyState.pick_fee_variant, form, "hilang")
        assert form.error == t("fee.unknown_variant", "id", variant="hilang") and form.fee_variant == "perpanjangan"
        call(ApplyState.pick_site, form, str(banyumas.id))  # another regency, another tariff
        assert form.site_id == str(banyumas.id) and form.fee == "Rp 200.000" and form.error == ""
        call(ApplyState.pick_site, form, "999999")  # an MPP that does not offer it online
        assert form.error == t("app.site_not_online", "id") and form.site_id == str(banyumas.id)
        call(ApplyState.submit, form)
        [application] = _applications(engine, citizen.user_id)
        assert (application.fee_variant, application.fee_rupiah) == ("perpanjangan", 200_000)
        assert application.tracking_number.startswith("MPP-3302-")
    finally:
        with engine.begin() as conn:
            for table in APP_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM siteservice WHERE service_id = :s AND site_id = :b"),
                         {"s": fresh.id, "b": banyumas.id})
            conn.execute(text("UPDATE service SET fee_schedule = '{}' WHERE id = :s"), {"s": fresh.id})
