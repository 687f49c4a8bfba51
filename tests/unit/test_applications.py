"""Online applications: drafts, the one idempotent submission, the one transition (act), what
citizens read, notices and their mail."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, func, select

from mpp_digital.errors import DomainError, NotAllowed, ValidationError
from mpp_digital.models import (
    Application,
    ApplicationCounter,
    ApplicationDocument,
    ApplicationDraft,
    ApplicationEvent,
    AuditLog,
    IdentityAssurance,
    IssuedOutput,
    Notification,
    PendingMail,
    ServiceEvent,
    SiteService,
    StoredDocument,
)
from mpp_digital.services.applications import drafts, lifecycle, notifications, queries
from mpp_digital.services.applications.lifecycle import ActionRefused, act, take_action
from mpp_digital.settings import get_settings
from tests.unit.application_setup import GOOD_ANSWERS, make_app_world, pg_engine, ready_draft, upload

MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 WIB


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    """Documents go to a folder of each test's own."""
    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path / "documents"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture()
def world(session: Session):
    return make_app_world(session)


def _count(session: Session, model, *conds) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conds)).one()


def _submit(session, world, now=MONDAY) -> Application:
    draft = ready_draft(session, world, now)
    return drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=now)


# --------------------------------------------------------------------------- drafts and submission


def test_a_draft_resumes_and_keeps_answers_sealed(session, world):
    me, service = world.citizen.id, world.service.id
    draft = drafts.start_draft(session=session, citizen_id=me, service_id=service, site_id=None, now=MONDAY)
    assert draft.site_id == world.q.site.id  # preselected: the NIK's regency (33.14) offers it online
    errors = drafts.save_draft(session=session, citizen_id=me, draft_id=draft.id,
                               answers={"nama_anak": " Bima ", "nik_ayah": "123", "asing": "x"}, step=1, now=MONDAY)
    assert errors == {"nik_ayah": "nik.length", "tanggal_lahir": "req.answer.required"}
    again = drafts.start_draft(session=session, citizen_id=me, service_id=service, site_id=None, now=MONDAY)
    assert again.id == draft.id and again.step == 1
    assert "Bima" not in again.data_sealed
    assert drafts.open_answers(again.data_sealed) == {"nama_anak": "Bima", "nik_ayah": "123"}  # unknown key dropped
    with pytest.raises(NotAllowed):  # another citizen's draft is not found
        drafts.save_draft(session=session, citizen_id=world.other_citizen.id, draft_id=draft.id, answers={}, step=0,
                          now=MONDAY)


def test_answers_are_kept_within_their_fields_limits(session, world):
    me = world.citizen.id
    draft = drafts.start_draft(session=session, citizen_id=me, service_id=world.service.id, site_id=None, now=MONDAY)
    drafts.save_draft(session=session, citizen_id=me, draft_id=draft.id, answers={
        "nama_anak": "B" * 5000, "tanggal_lahir": "2" * 5000}, step=0, now=MONDAY)
    kept = drafts.open_answers(draft.data_sealed)
    assert len(kept["nama_anak"]) == 60 and len(kept["tanggal_lahir"]) == drafts.SHORT_ANSWER


def test_no_preselection_when_the_nik_regency_does_not_offer_it_online(session, world):
    session.exec(select(SiteService).where(SiteService.site_id == world.q.site.id,
                                           SiteService.service_id == world.service.id)).one().online = False
    session.flush()
    draft = drafts.start_draft(session=session, citizen_id=world.citizen.id, service_id=world.service.id,
                               site_id=None, now=MONDAY)
    assert draft.site_id is None
    with pytest.raises(ValidationError) as refused:
        drafts.start_draft(session=session, citizen_id=world.citizen.id, service_id=world.service.id,
                           site_id=world.q.site.id, now=MONDAY)
    assert refused.value.key == "app.site_not_online"


def test_a_service_without_an_online_form_cannot_be_started(session, world):
    with pytest.raises(DomainError) as refused:
        drafts.start_draft(session=session, citizen_id=world.citizen.id, service_id=world.q.direct_only.id,
                           site_id=None, now=MONDAY)
    assert refused.value.key == "app.not_online"


def test_attaching_checks_owner_wallet_and_type(session, world):
    me = world.citizen.id
    draft = drafts.start_draft(session=session, citizen_id=me, service_id=world.service.id, site_id=None, now=MONDAY)
    theirs = upload(session, world.other_citizen, MONDAY)
    with pytest.raises(NotAllowed):
        drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="ktp_ayah",
                               document_id=theirs.id, now=MONDAY)
    mine = upload(session, world.citizen, MONDAY)
    drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="ktp_ayah",
                           document_id=mine.id, now=MONDAY, reused=True)  # wallet allowed
    with pytest.raises(ValidationError) as no_wallet:
        drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="surat_lahir",
                               document_id=mine.id, now=MONDAY, reused=True)
    assert no_wallet.value.key == "app.no_wallet"
    with pytest.raises(ValidationError) as wrong_type:  # the photo takes images only
        drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="pas_foto",
                               document_id=mine.id, now=MONDAY)
    assert wrong_type.value.key == "doc.type"
    with pytest.raises(ValidationError) as unknown:
        drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="nama_anak",
                               document_id=mine.id, now=MONDAY)
    assert unknown.value.key == "app.unknown_item"
    assert draft.documents == {"ktp_ayah": mine.id}


def test_the_documents_of_one_application_stay_within_the_limit(session, world, monkeypatch):
    me = world.citizen.id
    draft = drafts.start_draft(session=session, citizen_id=me, service_id=world.service.id, site_id=None, now=MONDAY)
    first, second = upload(session, world.citizen, MONDAY), upload(session, world.citizen, MONDAY)
    monkeypatch.setenv("MPP_APPLICATION_MAX_BYTES", str(first.size + second.size - 1))
    get_settings.cache_clear()
    drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="ktp_ayah",
                           document_id=first.id, now=MONDAY)
    with pytest.raises(ValidationError) as too_big:
        drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="surat_lahir",
                               document_id=second.id, now=MONDAY)
    assert too_big.value.key == "doc.app_too_big"


def test_submitting_makes_one_application_with_number_deadline_and_notice(session, world):
    application = _submit(session, world)
    assert application.tracking_number.startswith("MPP-3314-2026-")
    assert application.state == "diajukan" and application.open and application.version == 1
    assert application.due_date == date(2026, 12, 7)  # 5 working days after Monday 30 Nov
    assert application.workflow["initial"] == "diajukan"  # the workflow is a snapshot
    assert application.agency_id == world.q.agency.id
    assert "Bima" not in application.data_sealed
    assert drafts.open_answers(application.data_sealed) == GOOD_ANSWERS
    assert _count(session, ApplicationDocument, ApplicationDocument.application_id == application.id) == 2
    [event] = session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)).all()
    assert (event.action, event.to_state, event.actor_kind) == ("submit", "diajukan", "citizen")
    [notice] = session.exec(select(Notification).where(Notification.application_id == application.id)).all()
    assert notice.kind == "submitted" and notice.params["tracking"] == application.tracking_number
    assert _count(session, PendingMail, PendingMail.kind == notifications.APP_MAIL, PendingMail.ref == notice.id) == 1


def test_submitting_the_same_draft_twice_gives_the_same_application(session, world):
    draft = ready_draft(session, world, MONDAY)
    first = drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=MONDAY)
    second = drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id,
                                 now=MONDAY + timedelta(seconds=1))
    assert first.id == second.id
    assert _count(session, Application, Application.citizen_id == world.citizen.id) == 1
    with pytest.raises(DomainError) as closed:  # and the draft is no longer editable
        drafts.save_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, answers={}, step=0,
                          now=MONDAY)
    assert closed.value.key == "app.draft_submitted"


def _nothing_written(session, world) -> None:
    assert _count(session, Application, Application.citizen_id == world.citizen.id) == 0
    assert _count(session, Notification, Notification.user_id == world.citizen.id) == 0


def test_a_missing_required_document_is_named_and_nothing_is_written(session, world):
    me = world.citizen.id
    draft = drafts.start_draft(session=session, citizen_id=me, service_id=world.service.id, site_id=None, now=MONDAY)
    drafts.save_draft(session=session, citizen_id=me, draft_id=draft.id, answers=GOOD_ANSWERS, step=2, now=MONDAY)
    drafts.attach_document(session=session, citizen_id=me, draft_id=draft.id, item_key="ktp_ayah",
                           document_id=upload(session, world.citizen, MONDAY).id, now=MONDAY)
    counter_before = session.get(ApplicationCounter, ("3314", 2026))
    before = counter_before.last_number if counter_before else 0
    with pytest.raises(drafts.SubmitRefused) as refused:
        drafts.submit_draft(session=session, citizen_id=me, draft_id=draft.id, now=MONDAY)
    assert refused.value.errors == {"surat_lahir": "app.missing_document"}
    assert refused.value.key == "app.incomplete"
    _nothing_written(session, world)
    counter_after = session.get(ApplicationCounter, ("3314", 2026))
    assert (counter_after.last_number if counter_after else 0) == before  # no tracking number used up
    assert session.get(ApplicationDraft, draft.id).submitted_application_id is None


def test_an_invalid_nik_in_a_data_field_is_refused_and_nothing_is_written(session, world):
    draft = ready_draft(session, world, MONDAY)
    drafts.save_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id,
                      answers={**GOOD_ANSWERS, "nik_ayah": "9914010101850003"}, step=2, now=MONDAY)
    with pytest.raises(drafts.SubmitRefused) as refused:
        drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=MONDAY)
    assert refused.value.errors == {"nik_ayah": "nik.unknown_kecamatan"}
    _nothing_written(session, world)


def test_a_deleted_document_no_longer_counts_at_submission(session, world):
    draft = ready_draft(session, world, MONDAY)
    from mpp_digital.services import documents

    documents.delete_upload(session=session, owner_id=world.citizen.id, document_id=draft.documents["surat_lahir"],
                            now=MONDAY)
    with pytest.raises(drafts.SubmitRefused) as refused:
        drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=MONDAY)
    assert refused.value.errors == {"surat_lahir": "app.missing_document"}


# --------------------------------------------------------------------------- act


def _act(session, application, who, action, note="", **kwargs):
    return act(session=session, application_id=application.id, principal=who, action=action, note=note,
               seen_version=kwargs.pop("seen_version", application.version), now=kwargs.pop("now", MONDAY), **kwargs)


def _audits(session, who) -> list[AuditLog]:
    return list(session.exec(select(AuditLog).where(AuditLog.actor_user_id == who.user_id,
                                                    AuditLog.action == lifecycle.REFUSED)).all())


def _in_this(session):
    from contextlib import nullcontext

    return lambda: nullcontext(session)


@pytest.mark.parametrize("who", ["other_site_officer", "other_agency_officer", "other", "me"])
def test_an_action_outside_role_or_scope_is_refused_and_audited(session, world, who):
    application = _submit(session, world)
    principal = getattr(world, who)
    with pytest.raises(ActionRefused) as refused:
        take_action(transaction=_in_this(session), application_id=application.id, principal=principal,
                    action="verifikasi", note="", seen_version=1, now=MONDAY)
    assert refused.value.key == "app.not_allowed"
    [row] = _audits(session, principal)
    assert row.target == application.tracking_number and row.detail["action"] == "verifikasi"
    session.refresh(application)
    assert application.state == "diajukan" and application.version == 1


def test_an_officer_of_the_agency_and_the_site_admin_may_act(session, world):
    application = _submit(session, world)
    _act(session, application, world.agency_officer, "verifikasi")
    assert application.state == "diverifikasi" and application.version == 2
    _act(session, application, world.site_admin, "proses")
    assert application.state == "diproses"


def test_a_citizen_cannot_cancel_someone_elses_application(session, world):
    application = _submit(session, world)
    with pytest.raises(ActionRefused):
        _act(session, application, world.other, "batalkan")
    _act(session, application, world.me, "batalkan")
    assert application.state == "dibatalkan" and not application.open


def test_no_action_on_a_finished_application(session, world):
    application = _submit(session, world)
    for step in ("verifikasi", "proses", "selesaikan"):
        _act(session, application, world.officer, step)
    with pytest.raises(DomainError) as closed:
        _act(session, application, world.officer, "tolak", note="x", cited_item="ktp_ayah")
    assert closed.value.key == "app.closed"


def test_a_stale_version_is_refused(session, world):
    application = _submit(session, world)
    _act(session, application, world.officer, "verifikasi")
    with pytest.raises(ValidationError) as stale:
        _act(session, application, world.agency_officer, "kembalikan", note="KTP buram", seen_version=1)
    assert stale.value.key == "app.stale"
    assert application.state == "diverifikasi"


def test_a_note_is_required_where_the_workflow_says_so(session, world):
    application = _submit(session, world)
    with pytest.raises(ValidationError) as missing:
        _act(session, application, world.officer, "kembalikan", note="   ")
    assert missing.value.key == "app.note_required"
    with pytest.raises(ValidationError) as uncited:
        _act(session, application, world.officer, "tolak", note="Tidak sesuai")
    assert uncited.value.key == "app.cite_required"
    with pytest.raises(NotAllowed) as wrong_state:  # not from this state
        _act(session, application, world.officer, "selesaikan")
    assert wrong_state.value.key == "wf.not_from_state"
    session.refresh(application)
    assert application.version == 1 and _count(session, ApplicationEvent,
                                                ApplicationEvent.application_id == application.id) == 1


def test_returning_pauses_the_clock_and_fixing_moves_the_due_date(session, world):
    application = _submit(session, world)  # Monday 30 Nov, due Monday 7 Dec
    _act(session, application, world.officer, "kembalikan", note="KTP ayah buram, unggah ulang")
    assert application.state == "perlu_perbaikan" and application.waiting_since == MONDAY
    assert _count(session, PendingMail, PendingMail.kind == notifications.APP_REMINDER,
                  PendingMail.ref == application.id) == 1
    thursday = MONDAY + timedelta(days=3)
    _act(session, application, world.me, "perbaiki", now=thursday)  # waited Tue, Wed, Thu: 3 working days
    assert application.state == "diajukan" and application.waiting_since is None
    assert application.paused_working_days == 3 and application.due_date == date(2026, 12, 10)
    detail = queries.application_detail(session=session, principal=world.me,
                                        tracking_number=application.tracking_number, now=thursday)
    assert detail.working_days_left == 5  # after Thursday 3 Dec: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10


def _events(session, application) -> list[ServiceEvent]:
    return list(session.exec(select(ServiceEvent).where(ServiceEvent.source == "application",
                                                        ServiceEvent.source_ref == str(application.id))).all())


def test_finishing_records_an_online_service_event_with_the_deadline_fact(session, world):
    application = _submit(session, world)
    for step in ("verifikasi", "proses"):
        _act(session, application, world.officer, step)
    finished_at = MONDAY + timedelta(days=2)
    _act(session, application, world.officer, "selesaikan", now=finished_at)
    assert application.state == "selesai" and not application.open
    assert application.decided_at == finished_at and application.deadline_met is True
    [event] = _events(session, application)
    assert (event.kind, event.outcome, event.channel) == ("application", "served", "online")
    assert event.sla_met is True and event.service_seconds == 2 * 86400
    assert event.site_id == world.q.site.id and event.agency_id == world.q.agency.id
    [notice] = session.exec(select(Notification).where(Notification.application_id == application.id,
                                                       Notification.kind == "finished")).all()
    assert notice.user_id == world.citizen.id
    [output] = session.exec(select(IssuedOutput).where(IssuedOutput.application_id == application.id)).all()
    document = session.get(StoredDocument, output.document_id)
    assert (document.owner_id, document.source, document.mime) == (world.citizen.id, "output", "application/pdf")
    assert output.issued_by == world.officer.user_id and output.site_id == world.q.site.id
    detail = queries.application_detail(session=session, principal=world.me,
                                        tracking_number=application.tracking_number, now=finished_at)
    assert detail.output_document_id == output.document_id and detail.output_code == output.code


def test_the_officer_may_issue_the_agencys_own_pdf(session, world):
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Akta Kelahiran (berkas instansi)")
    page.save()
    application = _submit(session, world)
    for step in ("verifikasi", "proses"):
        _act(session, application, world.officer, step)
    _act(session, application, world.agency_officer, "selesaikan", output_pdf=buffer.getvalue())
    [output] = session.exec(select(IssuedOutput).where(IssuedOutput.application_id == application.id)).all()
    assert output.issued_by == world.agency_officer.user_id


def test_a_late_rejection_is_a_not_served_event_that_missed_the_deadline(session, world):
    application = _submit(session, world)
    late = MONDAY + timedelta(days=14)
    _act(session, application, world.officer, "tolak", note="Surat keterangan lahir bukan dari bidan/RS",
         cited_item="surat_lahir", now=late)
    assert application.state == "ditolak" and application.deadline_met is False
    [event] = _events(session, application)
    assert (event.outcome, event.channel, event.sla_met) == ("not_served", "online", False)
    detail = queries.application_detail(session=session, principal=world.me,
                                        tracking_number=application.tracking_number, now=late)
    assert detail.timeline[-1].note == "[Surat keterangan lahir] Surat keterangan lahir bukan dari bidan/RS"
    assert detail.working_days_left is None and detail.actions == ()


def test_a_citizens_cancellation_is_no_service_event(session, world):
    application = _submit(session, world)
    _act(session, application, world.me, "batalkan")
    assert _events(session, application) == []


def _wipe(engine) -> None:
    """What a test committed on its own engine goes, as the session fixture's rows do."""
    from sqlalchemy import text

    from tests.conftest import ACCOUNT_TABLES

    with engine.begin() as conn:
        for table in ACCOUNT_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        # the committed world (queue_setup.make_world: agencies, sites and services tagged uji-/lain-), so
        # that later tests see the demo catalog only (catalog totals, the 103 sites)
        world = "(SELECT id FROM {table} WHERE slug LIKE 'uji-%' OR slug LIKE 'lain-%')"
        sites, agencies = world.format(table="mppsite"), world.format(table="agency")
        services = f"(SELECT id FROM service WHERE agency_id IN {agencies})"
        for table, where in (("serviceevent", f"site_id IN {sites} OR service_id IN {services}"),  # submissions' facts
                             ("siteservice", f"site_id IN {sites} OR service_id IN {services}"),
                             ("siteagency", f"site_id IN {sites} OR agency_id IN {agencies}"),
                             ("signingcertificate", f"site_id IN {sites}"),
                             ("service", f"agency_id IN {agencies}"),
                             ("mppsite", f"id IN {sites}"), ("agency", f"id IN {agencies}")):
            conn.execute(text(f"DELETE FROM {table} WHERE {where}"))


def test_two_officers_at_once_one_wins_the_other_gets_stale(database_url, tmp_path, monkeypatch):
    """On PostgreSQL, two transactions act on the same version at the same moment."""
    engine = pg_engine()
    with Session(engine, expire_on_commit=False) as db:
        world = make_app_world(db)
        application = _submit(db, world)
        db.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def officer(who, action, note):
        try:
            with Session(engine) as db:
                barrier.wait(10)
                act(session=db, application_id=application.id, principal=who, action=action, note=note,
                    seen_version=1, now=MONDAY)
                db.commit()
                outcomes.append("won")
        except ValidationError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=officer, args=(world.officer, "verifikasi", "")),
               threading.Thread(target=officer, args=(world.agency_officer, "kembalikan", "Foto buram"))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) == ["app.stale", "won"]
        with Session(engine) as db:
            fresh = db.get(Application, application.id)
            assert fresh.version == 2
            assert _count(db, ApplicationEvent, ApplicationEvent.application_id == application.id) == 2
    finally:
        _wipe(engine)
        engine.dispose()


def test_two_tabs_submitting_at_once_make_one_application(database_url):
    """On PostgreSQL, the same draft submitted by two transactions at the same moment."""
    engine = pg_engine()
    with Session(engine, expire_on_commit=False) as db:
        world = make_app_world(db)
        draft = ready_draft(db, world, MONDAY)
        db.commit()
    ids: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def tab():
        try:
            with Session(engine) as db:
                barrier.wait(10)
                ids.append(drafts.submit_draft(session=db, citizen_id=world.citizen.id, draft_id=draft.id,
                                               now=MONDAY).id)
                db.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tab) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        assert len(ids) == 2 and ids[0] == ids[1]
        with Session(engine) as db:
            assert _count(db, Application, Application.draft_id == draft.id) == 1
    finally:
        _wipe(engine)
        engine.dispose()


# --------------------------------------------------------------------------- reading


def test_the_citizen_reads_only_their_own_and_a_wrong_number_is_not_found(session, world):
    application = _submit(session, world)
    detail = queries.application_detail(session=session, principal=world.me,
                                        tracking_number=application.tracking_number.lower(), now=MONDAY)
    assert detail.viewer_is_owner and detail.due_date == date(2026, 12, 7) and detail.working_days_left == 5
    assert [a.key for a in detail.actions] == ["batalkan"]
    assert {d.item_label for d in detail.documents} == {"KTP-el ayah", "Surat keterangan lahir"}
    assert detail.timeline[0].title == "Diajukan" and detail.timeline[0].text
    assert {(a.label, a.value) for a in detail.answers} >= {("Nama anak", "Bima Saputra")}
    for who, number in ((world.other, application.tracking_number), (world.me, "MPP-3314-2026-999999"),
                        (world.other_site_officer, application.tracking_number),
                        (world.other_agency_officer, application.tracking_number)):
        with pytest.raises(DomainError) as missing:
            queries.application_detail(session=session, principal=who, tracking_number=number, now=MONDAY)
        assert missing.value.key == "app.not_found"
    staff = queries.application_detail(session=session, principal=world.agency_officer,
                                       tracking_number=application.tracking_number, now=MONDAY)
    assert not staff.viewer_is_owner and staff.actions == ()
    [row] = queries.applications_of(session=session, citizen_id=world.citizen.id, now=MONDAY)
    assert row.tracking_number == application.tracking_number and row.working_days_left == 5
    assert queries.applications_of(session=session, citizen_id=world.other_citizen.id, now=MONDAY) == []


def test_the_return_note_is_shown_while_the_application_waits(session, world):
    application = _submit(session, world)
    _act(session, application, world.officer, "kembalikan", note="KTP ayah buram")
    detail = queries.application_detail(session=session, principal=world.me,
                                        tracking_number=application.tracking_number, now=MONDAY)
    assert detail.waits_on_citizen and detail.return_note == "KTP ayah buram"
    assert [a.key for a in detail.actions] == ["perbaiki", "batalkan"]


# --------------------------------------------------------------------------- notices and mail


def test_notices_count_read_and_belong_to_their_owner(session, world):
    application = _submit(session, world)
    _act(session, application, world.officer, "kembalikan", note="KTP ayah buram")
    me, other = world.citizen.id, world.other_citizen.id
    assert notifications.unread_count(session=session, user_id=me) == 2
    listed = notifications.notifications_of(session=session, user_id=me)
    assert [n.kind for n in listed] == ["returned", "submitted"] or {n.kind for n in listed} == {"returned",
                                                                                                "submitted"}
    assert application.tracking_number in listed[0].text and listed[0].link.endswith(application.tracking_number)
    assert notifications.mark_read(session=session, user_id=other, notification_id=listed[0].id, now=MONDAY) == 0
    assert notifications.mark_read(session=session, user_id=me, notification_id=listed[0].id, now=MONDAY) == 1
    assert notifications.unread_count(session=session, user_id=me) == 1
    assert notifications.mark_read(session=session, user_id=me, now=MONDAY) == 1
    assert notifications.unread_count(session=session, user_id=me) == 0


def test_mail_goes_through_the_outbox_with_the_note_and_a_reminder_while_waiting(session, world, mailbox):
    session.execute(PendingMail.__table__.update().values(sent_at=MONDAY))  # earlier tests' mail is not ours
    application = _submit(session, world)
    _act(session, application, world.officer, "kembalikan", note="KTP ayah buram, unggah ulang")
    mailbox.collect(session, MONDAY)
    subjects = [m["subject"] for m in mailbox.sent]
    assert f"Permohonan {application.tracking_number} diterima" in subjects
    returned = next(m for m in mailbox.sent if "perlu diperbaiki" in m["subject"])
    assert "KTP ayah buram, unggah ulang" in returned["body"] and application.tracking_number in returned["body"]
    assert returned["to"] == world.citizen.email
    mailbox.sent.clear()
    later = MONDAY + notifications.REMINDER_AFTER + timedelta(minutes=1)
    mailbox.collect(session, later)
    [reminder] = mailbox.sent
    assert "Pengingat" in reminder["subject"] and "KTP ayah buram" in reminder["body"]
    assert _count(session, Notification, Notification.application_id == application.id,
                  Notification.kind == "reminder") == 1


def test_no_reminder_once_the_citizen_fixed_it(session, world, mailbox):
    session.execute(PendingMail.__table__.update().values(sent_at=MONDAY))
    application = _submit(session, world)
    _act(session, application, world.officer, "kembalikan", note="KTP ayah buram")
    _act(session, application, world.me, "perbaiki", now=MONDAY + timedelta(days=1))
    mailbox.collect(session, MONDAY + timedelta(days=1))
    mailbox.sent.clear()
    mailbox.collect(session, MONDAY + notifications.REMINDER_AFTER + timedelta(days=1))
    assert mailbox.sent == []
    assert _count(session, Notification, Notification.kind == "reminder",
                  Notification.application_id == application.id) == 0
    assert _count(session, PendingMail, col(PendingMail.sent_at).is_(None)) == 0


# --------------------------------------------------------------------------- corrections


def test_only_the_owner_corrects_and_only_while_it_waits(session, world):
    from mpp_digital.services.applications import corrections

    application = _submit(session, world)
    replacement = upload(session, world.citizen, MONDAY, "ktp-baru")
    with pytest.raises(DomainError) as not_waiting:
        corrections.revise_answers(session=session, citizen_id=world.citizen.id, application_id=application.id,
                                   answers={"nama_anak": "Bima"}, now=MONDAY)
    assert not_waiting.value.key == "app.not_waiting"
    _act(session, application, world.officer, "kembalikan", note="KTP ayah buram")
    with pytest.raises(DomainError) as theirs:
        corrections.replace_document(session=session, citizen_id=world.other_citizen.id,
                                     application_id=application.id, item_key="ktp_ayah", document_id=replacement.id,
                                     now=MONDAY)
    assert theirs.value.key == "app.not_found"
    errors = corrections.revise_answers(session=session, citizen_id=world.citizen.id, application_id=application.id,
                                        answers={"nik_ayah": "123"}, now=MONDAY)
    assert errors == {"nik_ayah": "nik.length"}
    assert drafts.open_answers(application.data_sealed)["nik_ayah"] == GOOD_ANSWERS["nik_ayah"]  # nothing stored
    with pytest.raises(ValidationError) as no_wallet:  # this item wants a fresh upload
        corrections.replace_document(session=session, citizen_id=world.citizen.id, application_id=application.id,
                                     item_key="surat_lahir", document_id=replacement.id, now=MONDAY, reused=True)
    assert no_wallet.value.key == "app.no_wallet"
    corrections.replace_document(session=session, citizen_id=world.citizen.id, application_id=application.id,
                                 item_key="ktp_ayah", document_id=replacement.id, now=MONDAY)
    links = session.exec(select(ApplicationDocument).where(ApplicationDocument.application_id == application.id,
                                                           ApplicationDocument.item_key == "ktp_ayah")).all()
    assert [link.document_id for link in links] == [replacement.id]
    assert corrections.revise_answers(session=session, citizen_id=world.citizen.id, application_id=application.id,
                                      answers={"nama_anak": "Bima Wibowo"}, now=MONDAY) == {}
    assert drafts.open_answers(application.data_sealed)["nama_anak"] == "Bima Wibowo"


def test_closing_the_account_erases_the_unsent_drafts(session, world):
    from mpp_digital.services import accounts, my_data
    from tests.unit.application_setup import citizen_principal

    submitted = _submit(session, world)
    unsent = drafts.start_draft(session=session, citizen_id=world.citizen.id, service_id=world.service.id,
                                site_id=None, now=MONDAY)
    drafts.save_draft(session=session, citizen_id=world.citizen.id, draft_id=unsent.id, answers=GOOD_ANSWERS,
                      step=0, now=MONDAY)
    session.flush()
    world.citizen.password_hash = accounts.password_hasher.hash("kopi tubruk di alun-alun")
    session.add(world.citizen)
    my_data.close_account(session=session, principal=citizen_principal(world.citizen),
                          password="kopi tubruk di alun-alun", now=MONDAY)
    session.expire_all()
    left = session.exec(select(ApplicationDraft).where(ApplicationDraft.citizen_id == world.citizen.id)).all()
    assert [(d.submitted_application_id, d.data_sealed) for d in left] == [(submitted.id, "")]
    assert session.get(Application, submitted.id).data_sealed  # the agency's record of the application stays


def test_the_decision_mails_carry_the_reason_or_the_download(session, world, mailbox):
    session.execute(PendingMail.__table__.update().values(sent_at=MONDAY))
    rejected = _submit(session, world)
    _act(session, rejected, world.officer, "tolak", note="Surat lahir bukan dari bidan", cited_item="surat_lahir")
    other_draft = drafts.start_draft(session=session, citizen_id=world.citizen.id, service_id=world.service.id,
                                     site_id=None, now=MONDAY)
    assert other_draft.id != rejected.draft_id
    drafts.save_draft(session=session, citizen_id=world.citizen.id, draft_id=other_draft.id, answers=GOOD_ANSWERS,
                      step=2, now=MONDAY)
    for key in ("ktp_ayah", "surat_lahir"):
        drafts.attach_document(session=session, citizen_id=world.citizen.id, draft_id=other_draft.id, item_key=key,
                               document_id=upload(session, world.citizen, MONDAY).id, now=MONDAY)
    finished = drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=other_draft.id, now=MONDAY)
    for step in ("verifikasi", "proses", "selesaikan"):
        _act(session, finished, world.officer, step)
    mailbox.collect(session, MONDAY)
    by_subject = {m["subject"]: m["body"] for m in mailbox.sent}
    reason = by_subject[f"Permohonan {rejected.tracking_number} ditolak"]
    assert "[Surat keterangan lahir] Surat lahir bukan dari bidan" in reason
    done = by_subject[f"Permohonan {finished.tracking_number} selesai"]
    assert done.count(f"/permohonan/{finished.tracking_number}") == 1 and "Unduh" in done


def test_an_output_is_issued_only_to_a_verified_holder(session, world):
    """Issue 17: finishing (which issues the signed output) waits for the citizen's verified identity;
    refused with a message that says how, nothing changed."""
    application = _submit(session, world)
    for step in ("verifikasi", "proses"):
        _act(session, application, world.officer, step)
    session.delete(session.get(IdentityAssurance, world.citizen.id))
    session.flush()
    seen = application.version
    with pytest.raises(DomainError) as refused:
        _act(session, application, world.agency_officer, "selesaikan")
    assert refused.value.key == "app.holder_not_verified"
    session.refresh(application)
    assert (application.state, application.version, application.open) == ("diproses", seen, True)
    assert not session.exec(select(IssuedOutput).where(IssuedOutput.application_id == application.id)).all()


def test_a_service_that_asks_for_a_verified_identity_refuses_a_self_declared_submission(session, world):
    world.service.requires_verified = True
    session.add(world.service)
    session.delete(session.get(IdentityAssurance, world.citizen.id))
    session.flush()
    draft = ready_draft(session, world, MONDAY)
    with pytest.raises(DomainError) as refused:
        drafts.submit_draft(session=session, citizen_id=world.citizen.id, draft_id=draft.id, now=MONDAY)
    assert refused.value.key == "assurance.verified_required"
    assert not session.exec(select(Application).where(Application.draft_id == draft.id)).all()
