"""Complaint handlers in-process: a citizen files and follows their own complaints, a megabyte of
text is refused on the page with nothing saved, another citizen's complaint never opens, the site
admin forwards and the officer answers (the filer hidden when anonim), and a stale answer is told
to reload."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import Session, select

from mpp_digital.clock import utcnow
from mpp_digital.models import (
    AuditLog,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    MppSite,
    PendingMail,
    Service,
    StoredDocument,
    User,
)
from state.complaints import ComplaintOfficeState, ComplaintsState  # noqa: E402
from tests.conftest import DELETE_THEIR_FACTS
from tests.state.conftest import call, make_tree, substate


@pytest.fixture()
def world(accounts_by_role, engine):
    """Verified citizens; Sragen and one of its services; complaints wiped afterwards."""
    with Session(engine, expire_on_commit=False) as db:
        for key in ("citizen", "victim"):
            db.execute(update(User).where(User.id == accounts_by_role[key].user_id)
                       .values(email_verified_at=utcnow()))
        site = db.exec(select(MppSite).where(MppSite.slug == "sragen")).one()
        service = db.exec(select(Service).where(Service.slug == "kartu-keluarga")).one()
        db.commit()
    yield {"site": site, "service": service}
    with engine.begin() as conn:
        for table in (ComplaintAttachment, ComplaintEvent, Complaint, StoredDocument):
            conn.execute(delete(table))
        conn.execute(delete(PendingMail))
        conn.execute(text(DELETE_THEIR_FACTS))


def _citizen(account, path: str = "/pengaduan"):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path=path)
    return substate(root, ComplaintsState)


def _office(account):
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token, path="/petugas/pengaduan")
    return substate(root, ComplaintOfficeState)


def _file(state, world, *, description="Loket KK tutup sebelum jam pelayanan berakhir.", anonymous=""):
    call(ComplaintsState.load, state)
    call(ComplaintsState.pick_site, state, str(world["site"].id))
    call(ComplaintsState.file, state, {"site_id": str(world["site"].id), "service_id": str(world["service"].id),
                                       "category": "lambat", "description": description, "anonymous": anonymous})


def _count(engine) -> int:
    with Session(engine) as db:
        return len(db.exec(select(Complaint.id)).all())


def test_citizen_files_and_sees_the_timeline(accounts_by_role, engine, world):
    state = _citizen(accounts_by_role["citizen"])
    _file(state, world)
    assert state.error == "" and state.detail_number.startswith("ADU-3314-")
    assert [r.number for r in state.mine] == [state.detail_number]
    assert state.detail_description.startswith("Loket KK") and len(state.timeline) == 1
    assert state.services and state.sites


def test_a_megabyte_of_text_is_refused_on_the_page_and_nothing_is_saved(accounts_by_role, engine, world):
    state = _citizen(accounts_by_role["citizen"])
    before = _count(engine)
    _file(state, world, description="a" * 1_000_000)
    assert "1000000" in state.error and state.detail_id == ""
    assert _count(engine) == before


def test_another_citizens_complaint_never_opens(accounts_by_role, engine, world):
    mine = _citizen(accounts_by_role["citizen"])
    _file(mine, world)
    other = _citizen(accounts_by_role["victim"])
    call(ComplaintsState.load, other)
    call(ComplaintsState.show, other, mine.detail_id)
    assert other.detail_id == "" and other.detail_description == "" and other.mine == []


def test_admin_forwards_officer_answers_citizen_reopens(accounts_by_role, engine, world):
    citizen = _citizen(accounts_by_role["citizen"])
    _file(citizen, world, anonymous="on")
    complaint_id = citizen.detail_id

    officer = _office(accounts_by_role["officer"])
    call(ComplaintOfficeState.load, officer)
    assert officer.worklist == []  # not forwarded yet: the agency does not see it

    admin = _office(accounts_by_role["site_admin"])
    call(ComplaintOfficeState.load, admin)
    assert [r.id for r in admin.worklist] == [complaint_id]
    call(ComplaintOfficeState.show, admin, complaint_id)
    assert admin.agencies and accounts_by_role["citizen"].full_name not in admin.detail_filer
    agency = next(a.value for a in admin.agencies)
    with Session(engine) as db:
        agency = str(db.get(Complaint, int(complaint_id)).agency_id or agency)
    call(ComplaintOfficeState.forward, admin, {"agency_id": agency, "note": "Mohon ditindaklanjuti."})
    assert admin.error == "" and admin.detail_status == "diteruskan"

    call(ComplaintOfficeState.load, officer)
    assert [r.id for r in officer.worklist] == [complaint_id]
    call(ComplaintOfficeState.show, officer, complaint_id)
    assert officer.agencies == [] and officer.detail_filer != accounts_by_role["citizen"].full_name
    stale = _office(accounts_by_role["site_admin"])
    call(ComplaintOfficeState.show, stale, complaint_id)  # the admin opens it too, at the same version
    call(ComplaintOfficeState.answer, officer, {"answer": "Jam layanan sudah kami sesuaikan."})
    assert officer.error == "" and officer.detail_status == "ditindaklanjuti"
    call(ComplaintOfficeState.answer, stale, {"answer": "Jawaban kedua."})
    assert stale.error != "" and stale.detail_status == "ditindaklanjuti"

    call(ComplaintsState.show, citizen, complaint_id)
    assert citizen.detail_can_reopen
    call(ComplaintsState.reopen, citizen, {"reason": "Masih tutup lebih awal."})
    assert citizen.error == "" and citizen.detail_status == "diteruskan"
    with Session(engine) as db:
        audited = {a.action for a in db.exec(select(AuditLog).where(AuditLog.action.like("complaint.%"))).all()}
    assert audited == {"complaint.forward", "complaint.answer"}


def test_officer_cannot_forward_even_with_a_crafted_event(accounts_by_role, engine, world):
    citizen = _citizen(accounts_by_role["citizen"])
    _file(citizen, world)
    officer = _office(accounts_by_role["officer"])
    officer.detail_id = citizen.detail_id  # a crafted state: the guard still refuses the role
    call(ComplaintOfficeState.forward, officer, {"agency_id": "1"})
    with Session(engine) as db:
        assert db.get(Complaint, int(citizen.detail_id)).status == "diterima"


class _Upload:
    """A file of POST /_upload, as Reflex hands it to the handler."""

    def __init__(self, name: str, data: bytes) -> None:
        import io

        self.name, self._stream = name, io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_attachments_are_stored_encrypted_and_linked_to_the_complaint(accounts_by_role, engine, world, tmp_path,
                                                                       monkeypatch):
    from mpp_digital.settings import get_settings
    from state.uploads import serving_upload
    from tests.state.test_guard_matrix import principal_of

    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path))
    get_settings.cache_clear()
    account = accounts_by_role["citizen"]
    state = _citizen(account)
    call(ComplaintsState.load, state)
    with serving_upload(account.client_token, principal_of(engine, account)):
        call(ComplaintsState.attach, state, [_Upload("bukti.png", _png())])
        call(ComplaintsState.attach, state, [_Upload("bukan.exe", b"MZ\x90\x00 not a document")])
    assert state.attached == ["bukti.png"] and state.error != ""  # the second one refused by its bytes
    _file(state, world)
    assert state.error == "" and state.attached == []
    with Session(engine) as db:
        links = db.exec(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id == int(state.detail_id))).all()
        assert len(links) == 1
        doc = db.get(StoredDocument, links[0].document_id)
        assert doc.owner_id == account.user_id and doc.kind == "pengaduan"
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert stored and all(b"IHDR" not in p.read_bytes() for p in stored)  # never written in the clear
    get_settings.cache_clear()
