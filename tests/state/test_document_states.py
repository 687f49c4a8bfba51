"""The document handlers: "Dokumen saya" (only my own, delete with a confirmation, not while an
open application uses it), the access log on /profil, and the public verification page with
its file check."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from sqlmodel import Session, select
from starlette.datastructures import UploadFile

from mpp_digital.clock import utcnow
from mpp_digital.models import Application, ApplicationDocument, Role, Service, User
from mpp_digital.services import documents, outputs
from mpp_digital.settings import get_settings
from state.documents import AccessLogState, MyDocumentsState
from state.verification import OutputVerificationState
from tests.state.conftest import _site_id, call, make_tree, substate
from tests.state.test_guard_matrix import ensure_session, error_toasts, principal_of
from tests.unit.application_setup import remove_applications
from tests.unit.test_documents import MINIMAL_PDF


@pytest.fixture(scope="module")
def world(accounts_by_role, engine, tmp_path_factory):
    """The citizen's two uploads (one used by an open application at Sragen) and an issued output."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path_factory.mktemp("documents")))
        get_settings.cache_clear()
        citizen = accounts_by_role[Role.CITIZEN.value]
        now = utcnow()
        with Session(engine, expire_on_commit=False) as db:
            site_id = _site_id(db)
            service = db.exec(select(Service).order_by(Service.id)).first()
            used = documents.store_document(session=db, owner_id=citizen.user_id, kind="kk", label="KK keluarga",
                                            data=MINIMAL_PDF, now=now)
            free = documents.store_document(session=db, owner_id=citizen.user_id, kind="ktp_el", label="KTP lama",
                                            data=MINIMAL_PDF + b"%lama\n", now=now)
            apps = []
            for state, is_open in (("diajukan", True), ("selesai", False)):
                apps.append(Application(
                    tracking_number=f"MPP-3314-2026-{uuid.uuid4().int % 10**6:06d}", citizen_id=citizen.user_id,
                    site_id=site_id, agency_id=service.agency_id, service_id=service.id, workflow={}, state=state,
                    open=is_open, submitted_at=now, due_date=date(2026, 12, 31), updated_at=now))
            db.add_all(apps)
            db.flush()
            db.add(ApplicationDocument(application_id=apps[0].id, item_key="kk", document_id=used.id, attached_at=now))
            output = outputs.issue_output(session=db, application_id=apps[1].id, issued_by=None, now=now)
            db.commit()
        world_ids = [a.id for a in apps]
        yield {"used": used.id, "free": free.id, "output": output, "apps": world_ids}
        with Session(engine) as db:
            remove_applications(db, world_ids)
            db.commit()
    get_settings.cache_clear()


def _tree(account, path="/dokumen", query=None):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)
    if query:
        from reflex_base import constants

        root.router_data = root._update_router_vars({**root.router_data, constants.RouteVar.QUERY: query},
                                                    root.router_data)
    return root


def test_my_documents_lists_only_mine_with_what_may_be_deleted(world, accounts_by_role, engine):
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    state = substate(_tree(citizen), MyDocumentsState)
    call(MyDocumentsState.load, state)
    rows = {r.id: r for r in state.rows}
    assert set(rows) == {world["used"], world["free"], world["output"].document_id}
    assert rows[world["used"]].in_use and not rows[world["used"]].deletable
    assert rows[world["free"]].deletable and rows[world["free"]].view_url == f"/akun/dokumen/{world['free']}"
    out = rows[world["output"].document_id]
    assert out.is_output and not out.deletable and out.verify_url == f"/verifikasi/{world['output'].code}"
    victim = ensure_session(engine, accounts_by_role["victim"])
    theirs = substate(_tree(victim), MyDocumentsState)
    call(MyDocumentsState.load, theirs)
    assert theirs.rows == []


def test_delete_needs_the_confirmation_and_only_deletes_my_free_upload(world, accounts_by_role, engine):
    victim = ensure_session(engine, accounts_by_role["victim"])
    theirs = substate(_tree(victim), MyDocumentsState)
    call(MyDocumentsState.load, theirs)
    call(MyDocumentsState.ask_delete, theirs, world["free"])  # not among the victim's rows: nothing to confirm
    assert theirs.confirm_id == 0
    theirs.confirm_id = world["free"]  # a crafted state: the service still checks the owner
    result = call(MyDocumentsState.confirm_delete, theirs)
    assert error_toasts(result)
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    state = substate(_tree(citizen), MyDocumentsState)
    call(MyDocumentsState.load, state)
    call(MyDocumentsState.ask_delete, state, world["used"])  # used by an open application: not offered
    assert state.confirm_id == 0
    state.confirm_id = world["used"]
    call(MyDocumentsState.confirm_delete, state)
    assert state.error and world["used"] in {r.id for r in state.rows}
    call(MyDocumentsState.ask_delete, state, world["free"])
    assert state.confirm_id == world["free"] and state.confirm_label == "KTP lama"
    call(MyDocumentsState.cancel_delete, state)
    assert state.confirm_id == 0 and world["free"] in {r.id for r in state.rows}
    call(MyDocumentsState.ask_delete, state, world["free"])
    call(MyDocumentsState.confirm_delete, state)
    assert state.notice and world["free"] not in {r.id for r in state.rows}


def test_the_access_log_shows_the_officers_reads_to_the_owner_only(world, accounts_by_role, engine):
    officer = ensure_session(engine, accounts_by_role[Role.OFFICER.value])
    with Session(engine) as db:
        documents.read_for(session=db, principal=principal_of(engine, officer), document_id=world["used"], now=utcnow(),
                           action=documents.DOWNLOAD)
        db.commit()
        officer_name = db.get(User, officer.user_id).full_name
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    log = substate(_tree(citizen, path="/profil"), AccessLogState)
    call(AccessLogState.load, log)
    (row,) = log.rows
    assert row.viewer == officer_name and "MPP" in row.where and row.document == "KK keluarga"
    assert row.action == "Mengunduh"
    victim = ensure_session(engine, accounts_by_role["victim"])
    other = substate(_tree(victim, path="/profil"), AccessLogState)
    call(AccessLogState.load, other)
    assert other.rows == []


def test_the_public_verification_page_and_its_file_check(world, accounts_by_role, engine):
    output = world["output"]
    anonymous = make_tree(cookie=None, client_token=f"anon-{uuid.uuid4().hex[:6]}", path="/verifikasi/x")
    from reflex_base import constants

    anonymous.router_data = anonymous._update_router_vars(
        {**anonymous.router_data, constants.RouteVar.QUERY: {"kode": output.code.lower()}}, anonymous.router_data)
    page = substate(anonymous, OutputVerificationState)
    call(OutputVerificationState.load, page)
    assert page.found and page.valid and page.code == output.code and page.holder_masked == output.holder_masked
    assert page.sha256 == output.sha256 and page.site_name and page.demo
    with Session(engine) as db:
        signed = documents.document_bytes(session=db, document_id=output.document_id)
    call(OutputVerificationState.check_file, page, [UploadFile(io.BytesIO(signed), filename="akta.pdf")])
    assert page.file_result == "same"
    call(OutputVerificationState.check_file, page, [UploadFile(io.BytesIO(signed[:-3] + b"EOF"), filename="x.pdf")])
    assert page.file_result == "different"
    anonymous.router_data = anonymous._update_router_vars(
        {**anonymous.router_data, constants.RouteVar.QUERY: {"kode": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}}, anonymous.router_data)
    call(OutputVerificationState.load, page)
    assert page.searched and not page.found and page.sha256 == ""
    call(OutputVerificationState.check_file, page, [UploadFile(io.BytesIO(signed), filename="akta.pdf")])
    assert page.file_result == ""  # nothing to compare with


def test_the_code_field_goes_to_the_verification_page(world):
    page = substate(make_tree(cookie=None, client_token="anon-go", path="/verifikasi"), OutputVerificationState)
    result = call(OutputVerificationState.go, page, {"code": world["output"].code.replace("-", " ").lower()})
    assert f"/verifikasi/{world['output'].code}" in repr(result)
    assert call(OutputVerificationState.go, page, {"code": "nonsense"}) is None
    assert page.searched and not page.found



def test_only_the_issuer_or_a_site_admin_revokes_from_the_page_with_a_reason(world, accounts_by_role, engine):
    from mpp_digital.models import AuditLog
    from state.verification import OutputRevokeState

    officer = accounts_by_role[Role.OFFICER.value]
    with Session(engine, expire_on_commit=False) as db:  # a second output, issued by the site's officer
        app = db.get(Application, world["apps"][1])
        fresh = Application(tracking_number=f"MPP-3314-2026-{uuid.uuid4().int % 10**6:06d}", citizen_id=app.citizen_id,
                            site_id=app.site_id, agency_id=app.agency_id, service_id=app.service_id, workflow={},
                            state="selesai", open=False, submitted_at=app.submitted_at, due_date=app.due_date,
                            updated_at=app.updated_at)
        db.add(fresh)
        db.flush()
        world["apps"].append(fresh.id)
        issued = outputs.issue_output(session=db, application_id=fresh.id, issued_by=officer.user_id, now=utcnow())
        db.commit()

    def form_on(who: str, code: str):
        account = ensure_session(engine, accounts_by_role[who])
        root = _tree(account, path=f"/verifikasi/{code}", query={"kode": code})
        call(OutputVerificationState.load, substate(root, OutputVerificationState))
        return substate(root, OutputRevokeState), substate(root, OutputVerificationState)

    citizen_form, _ = form_on("victim", issued.code)
    assert error_toasts(call(OutputRevokeState.revoke, citizen_form, {"reason": "bukan milik saya"}))
    not_issuer, _ = form_on(Role.OFFICER.value, world["output"].code)  # issued by nobody: not this officer's
    assert error_toasts(call(OutputRevokeState.revoke, not_issuer, {"reason": "coba cabut"}))
    form, page = form_on(Role.OFFICER.value, issued.code)
    call(OutputRevokeState.revoke, form, {"reason": " "})
    assert form.error and page.valid  # a reason is required
    call(OutputRevokeState.revoke, form, {"reason": "Salah tulis nama ibu"})
    assert not form.error and page.found and not page.valid and page.revoked_at  # the page shows it at once
    admin_form, admin_page = form_on(Role.SITE_ADMIN.value, world["output"].code)  # a site admin of Sragen may
    call(OutputRevokeState.revoke, admin_form, {"reason": "Diterbitkan ganda"})
    assert not admin_form.error and not admin_page.valid
    with Session(engine) as db:
        rows = db.exec(select(AuditLog).where(AuditLog.action == "output_revoke").order_by(AuditLog.id)).all()
        assert [r.detail["code"] for r in rows] == [issued.code, world["output"].code]
