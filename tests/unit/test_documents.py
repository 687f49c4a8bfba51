"""Private document storage: sniffing, limits, metadata stripping, encryption at rest,
content addressing with reference-counted deletion, and the one access rule with its log."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlmodel import Session, select

from mpp_digital.errors import NotAllowed, ValidationError
from mpp_digital.models import ApplicationDocument, DocumentAccess, Role, StoredDocument, User
from mpp_digital.services import documents
from mpp_digital.services.authz import Grant, Principal
from mpp_digital.settings import get_settings
from tests.loops import run_on_own_loop
from tests.unit.application_setup import add_application
from tests.unit.queue_setup import make_world

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
GPS = {1: "S", 2: (7.0, 25.0, 30.0), 3: "E", 4: (110.0, 59.0, 1.0)}


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    """Each test stores into a folder of its own."""
    monkeypatch.setenv("MPP_DOCUMENT_STORAGE_DIR", str(tmp_path / "documents"))
    monkeypatch.setenv("MPP_DOCUMENT_MAX_BYTES", str(200_000))
    get_settings.cache_clear()
    yield tmp_path / "documents"
    get_settings.cache_clear()


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "KameraRumah"
    exif[ExifTags.IFD.GPSInfo] = GPS
    return exif.tobytes()


def png_with_gps() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="PNG", exif=_exif_with_gps())
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, format="JPEG", exif=_exif_with_gps(), comment=b"Jl. Rumah 5")
    return out.getvalue()


def _user(session: Session, label: str) -> User:
    from datetime import UTC, datetime

    user = User(full_name=f"Warga {label}", email=f"{label}-{uuid.uuid4().hex[:8]}@docs.test", password_hash="x",
                created_at=datetime(2026, 11, 1, tzinfo=UTC))
    session.add(user)
    session.flush()
    return user


def _principal(user: User, *grants: Grant) -> Principal:
    return Principal(user_id=user.id or 0, session_id=0, full_name=user.full_name, email=user.email,
                     email_verified=True, grants=grants)


def _files(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --------------------------------------------------------------------------- sniffing and limits


def test_a_renamed_exe_is_refused_whatever_it_is_called(session, now):
    owner = _user(session, "exe")
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
    with pytest.raises(documents.DocumentRejected) as refused:
        documents.store_document(session=session, owner_id=owner.id, kind="ktp_el", label="ktp.pdf", data=exe, now=now)
    assert refused.value.key == "doc.type" and isinstance(refused.value, ValidationError)
    text_with_pdf_name = b"hello, I am a text file named akta.pdf"
    with pytest.raises(documents.DocumentRejected, match="doc.type"):
        documents.store_document(session=session, owner_id=owner.id, kind="akta", label="akta.pdf",
                                 data=text_with_pdf_name, now=now)


def test_a_type_outside_the_items_accept_list_is_refused(session, now):
    owner = _user(session, "accept")
    with pytest.raises(documents.DocumentRejected, match="doc.type"):
        documents.store_document(session=session, owner_id=owner.id, kind="pas_foto", label="", data=MINIMAL_PDF,
                                 now=now, accept=(documents.JPEG, documents.PNG))


def test_an_empty_file_is_refused(session, now):
    owner = _user(session, "empty")
    with pytest.raises(documents.DocumentRejected, match="doc.empty"):
        documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=b"", now=now)


def test_an_oversized_file_is_refused(session, now, storage):
    owner = _user(session, "big")
    big = MINIMAL_PDF + b"%" + b"x" * 200_000
    with pytest.raises(documents.DocumentRejected) as refused:
        documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=big, now=now)
    assert refused.value.key == "doc.too_big" and _files(storage) == []


def test_a_broken_image_is_refused_not_a_500(session, now):
    owner = _user(session, "broken")
    with pytest.raises(documents.DocumentRejected, match="doc.broken"):
        documents.store_document(session=session, owner_id=owner.id, kind="pas_foto", label="",
                                 data=png_with_gps()[:60], now=now)


class _Stream:
    """A file-like that counts what was read from it (async ``read`` like Starlette's UploadFile)."""

    def __init__(self, size: int) -> None:
        self.left, self.read_bytes = size, 0

    async def read(self, n: int) -> bytes:
        n = min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return b"a" * n


def test_read_limited_refuses_a_too_big_stream_without_reading_it_whole():
    stream = _Stream(50 * 1024 * 1024)
    with pytest.raises(documents.DocumentRejected, match="doc.too_big"):
        run_on_own_loop(documents.read_limited(stream, 1024 * 1024))
    assert stream.read_bytes <= 1024 * 1024 + documents.CHUNK
    small = io.BytesIO(b"b" * 1000)  # a sync file-like works too
    assert run_on_own_loop(documents.read_limited(small, 1000)) == b"b" * 1000


# --------------------------------------------------------------------------- metadata, storage


@pytest.mark.parametrize("make", [png_with_gps, jpeg_with_gps], ids=["png", "jpeg"])
def test_image_metadata_with_gps_is_stripped(session, now, make):
    owner = _user(session, "gps")
    raw = make()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it was there
    row = documents.store_document(session=session, owner_id=owner.id, kind="pas_foto", label="foto", data=raw, now=now)
    session.flush()
    kept = documents.document_bytes(session=session, document_id=row.id)
    image = Image.open(io.BytesIO(kept))
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    assert b"KameraRumah" not in kept and b"Rumah 5" not in kept and b"Exif" not in kept
    assert image.size == (40, 30) and row.sha256 == hashlib.sha256(kept).hexdigest() and row.size == len(kept)


def test_stored_bytes_are_encrypted_at_rest_outside_anything_served(session, now, storage):
    owner = _user(session, "enc")
    marker = b"NIK 3314014107900001"
    pdf = MINIMAL_PDF + b"%" + marker + b"\n"
    row = documents.store_document(session=session, owner_id=owner.id, kind="kk", label="KK", data=pdf, now=now)
    session.flush()
    (path,) = _files(storage)
    on_disk = path.read_bytes()
    assert marker not in on_disk and b"%PDF" not in on_disk
    assert row.sha256 not in str(path)  # the name does not reveal which content is stored
    assert row.mime == documents.PDF and documents.document_bytes(session=session, document_id=row.id) == pdf
    path.write_bytes(on_disk[:-1] + bytes([on_disk[-1] ^ 1]))  # altered on disk: refused, never served
    with pytest.raises(OSError):
        documents.document_bytes(session=session, document_id=row.id)


def test_equal_content_is_stored_once_and_removed_with_its_last_row(session, engine, now, storage):  # session: its clean-up
    with Session(engine, expire_on_commit=False) as session:
        a, b = _user(session, "dedup-a"), _user(session, "dedup-b")
        first = documents.store_document(session=session, owner_id=a.id, kind="kk", label="", data=MINIMAL_PDF, now=now)
        second = documents.store_document(session=session, owner_id=b.id, kind="kk", label="", data=MINIMAL_PDF,
                                          now=now)
        session.commit()
        assert first.sha256 == second.sha256 and len(_files(storage)) == 1
        documents.delete_upload(session=session, owner_id=a.id, document_id=first.id, now=now)
        session.commit()
        assert len(_files(storage)) == 1  # b's row still uses it
        assert documents.document_bytes(session=session, document_id=second.id) == MINIMAL_PDF
        documents.delete_upload(session=session, owner_id=b.id, document_id=second.id, now=now)
        session.rollback()  # not committed: the file stays
        assert len(_files(storage)) == 1
        documents.delete_upload(session=session, owner_id=b.id, document_id=second.id, now=now)
        session.commit()
        assert _files(storage) == []
        assert [d.id for d in documents.documents_of(session=session, owner_id=b.id)] == []


def test_a_citizen_cannot_delete_another_ones_document_or_an_output(session, now):
    owner, other = _user(session, "own"), _user(session, "other")
    row = documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=MINIMAL_PDF, now=now)
    output = documents.store_bytes(session=session, owner_id=owner.id, kind="output", label="Akta", data=MINIMAL_PDF,
                                   mime=documents.PDF, now=now, source=documents.SOURCE_OUTPUT)
    session.flush()
    with pytest.raises(NotAllowed):
        documents.delete_upload(session=session, owner_id=other.id, document_id=row.id, now=now)
    with pytest.raises(NotAllowed):
        documents.delete_upload(session=session, owner_id=owner.id, document_id=output.id, now=now)
    views = {v.id: v for v in documents.documents_of(session=session, owner_id=owner.id)}
    assert views[row.id].deletable and not views[output.id].deletable


# --------------------------------------------------------------------------- access rule


@pytest.fixture()
def applied(session, now):
    """A citizen's document attached to an open application of the world's site and agency."""
    world = make_world(session, citizens=1)
    citizen = world.citizens[0]
    doc = documents.store_document(session=session, owner_id=citizen.id, kind="ktp_el", label="KTP",
                                   data=MINIMAL_PDF, now=now)
    session.flush()
    application = add_application(session, world, citizen, now)
    session.add(ApplicationDocument(application_id=application.id, item_key="ktp", document_id=doc.id, attached_at=now))
    session.flush()
    return world, citizen, doc, application


def _log(session, owner_id):
    return session.exec(select(DocumentAccess).where(DocumentAccess.owner_id == owner_id)).all()


def test_the_owner_reads_their_document_without_a_log_row(session, now, applied):
    world, citizen, doc, _app = applied
    data, mime, name = documents.read_for(session=session, principal=_principal(citizen), document_id=doc.id, now=now)
    assert data == MINIMAL_PDF and mime == documents.PDF and name.endswith(".pdf")
    assert _log(session, citizen.id) == []


def test_an_officer_of_the_site_and_agency_reads_while_open_and_is_logged(session, now, applied):
    world, citizen, doc, application = applied
    data, _, _ = documents.read_for(session=session, principal=world.officer, document_id=doc.id, now=now)
    agency_officer = _principal(session.get(User, world.other_agency_officer.user_id),
                                Grant(Role.OFFICER, site_id=world.site.id, agency_id=world.agency.id))
    documents.read_for(session=session, principal=agency_officer, document_id=doc.id, now=now + timedelta(minutes=1),
                       action=documents.DOWNLOAD)
    session.flush()
    rows = sorted(_log(session, citizen.id), key=lambda r: r.at)
    assert data == MINIMAL_PDF
    assert [(r.viewer_user_id, r.action, r.application_id, r.document_id) for r in rows] == [
        (world.officer.user_id, "view", application.id, doc.id),
        (agency_officer.user_id, "download", application.id, doc.id)]
    seen = documents.access_log_of(session=session, owner_id=citizen.id)
    assert seen[0].viewer_name == agency_officer.full_name and seen[0].site_name == "MPP Uji"
    assert seen[0].agency_name == "Uji" and seen[0].document_label == "KTP" and seen[0].action == "download"
    assert seen[1].tracking_number == application.tracking_number


def test_a_site_admin_of_the_site_reads_it(session, now, applied):
    world, citizen, doc, _app = applied
    admin = _principal(_user(session, "admin"), Grant(Role.SITE_ADMIN, site_id=world.site.id))
    assert documents.read_for(session=session, principal=admin, document_id=doc.id, now=now)[0] == MINIMAL_PDF


@pytest.mark.parametrize("who", ["other_site", "other_agency", "other_citizen", "superadmin", "nobody"])
def test_everyone_else_is_refused_and_nothing_is_logged(session, now, applied, who):
    world, citizen, doc, _app = applied
    principal = {
        "other_site": world.other_site_officer,
        "other_agency": world.other_agency_officer,
        "other_citizen": _principal(_user(session, "nosy"), Grant(Role.CITIZEN)),
        "superadmin": _principal(_user(session, "root"), Grant(Role.SUPERADMIN)),
        "nobody": None,
    }[who]
    with pytest.raises(NotAllowed):
        documents.read_for(session=session, principal=principal, document_id=doc.id, now=now)
    assert _log(session, citizen.id) == []


def test_after_the_application_closes_the_officer_is_refused_the_owner_is_not(session, now, applied):
    world, citizen, doc, application = applied
    application.open = False
    session.add(application)
    session.flush()
    with pytest.raises(NotAllowed):
        documents.read_for(session=session, principal=world.officer, document_id=doc.id, now=now)
    assert documents.read_for(session=session, principal=_principal(citizen), document_id=doc.id, now=now)[0]
    # ... and once no open application uses it, the citizen may delete it
    documents.delete_upload(session=session, owner_id=citizen.id, document_id=doc.id, now=now)


def test_an_upload_an_open_application_uses_cannot_be_deleted(session, now, applied):
    _world, citizen, doc, _app = applied
    with pytest.raises(ValidationError, match="doc.in_use"):
        documents.delete_upload(session=session, owner_id=citizen.id, document_id=doc.id, now=now)
    (view,) = documents.documents_of(session=session, owner_id=citizen.id)
    assert view.in_open_application and not view.deletable


def test_a_document_that_does_not_exist_is_the_same_refusal(session, now, applied):
    world, *_ = applied
    with pytest.raises(NotAllowed, match="doc.not_found"):
        documents.read_for(session=session, principal=world.officer, document_id=10**9, now=now)


def test_the_application_size_limit(session, now, monkeypatch):
    owner = _user(session, "appsize")
    one = documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=MINIMAL_PDF, now=now)
    two = documents.store_document(session=session, owner_id=owner.id, kind="kk", label="",
                                   data=MINIMAL_PDF + b"%2\n", now=now)
    session.flush()
    monkeypatch.setenv("MPP_APPLICATION_MAX_BYTES", str(one.size + two.size - 1))
    get_settings.cache_clear()
    documents.check_application_size(session=session, document_ids=[one.id, one.id])
    with pytest.raises(documents.DocumentRejected, match="doc.app_too_big"):
        documents.check_application_size(session=session, document_ids=[one.id, two.id])



def test_closing_the_account_erases_the_documents_and_their_files(session, now, mailbox, storage):
    from mpp_digital.services import accounts, my_data
    from tests.unit.test_privacy import PASSWORD, register, sign_in

    user = register(session, now, mailbox)
    _row, raw = sign_in(session, now)
    doc = documents.store_document(session=session, owner_id=user.id, kind="kk", label="KK", data=MINIMAL_PDF, now=now)
    session.commit()
    exported = my_data.export_my_data(session=session, user_id=user.id, now=now)
    assert [d["label"] for d in exported["documents"]] == ["KK"] and exported["document_views"] == []
    assert my_data.render_pdf(exported).startswith(b"%PDF")
    assert len(_files(storage)) == 1
    who = accounts.resolve_session(session=session, raw=raw, now=now)
    my_data.close_account(session=session, principal=who, password=PASSWORD, now=now)
    session.commit()
    assert session.get(StoredDocument, doc.id).deleted_at is not None and _files(storage) == []
    assert documents.documents_of(session=session, owner_id=user.id) == []


def test_a_rolled_back_store_leaves_no_file_but_a_committed_ones_stays(session, engine, now, storage):  # session: its clean-up
    with Session(engine, expire_on_commit=False) as session:
        owner = _user(session, "rollback")
        session.commit()
        documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=MINIMAL_PDF, now=now)
        assert len(_files(storage)) == 1
        session.rollback()  # e.g. the application's submission failed after the upload was stored
        assert _files(storage) == []
        kept = documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=MINIMAL_PDF,
                                        now=now)
        session.commit()
        documents.delete_upload(session=session, owner_id=owner.id, document_id=kept.id, now=now)
        session.rollback()  # the deletion rolled back: the row is live, its file stays
        assert len(_files(storage)) == 1
        documents.store_document(session=session, owner_id=owner.id, kind="kk", label="", data=MINIMAL_PDF, now=now)
        session.rollback()  # the same content again, rolled back: the committed row still needs the file
        assert len(_files(storage)) == 1
        assert documents.document_bytes(session=session, document_id=kept.id) == MINIMAL_PDF


def test_a_store_racing_the_deletion_of_the_same_content_keeps_its_file(session, engine, now, storage):  # session: its clean-up
    """T1 deletes the last row of some content and commits while T2 stores the same content: T1's
    check cannot see T2's uncommitted row and removes the file; T2's commit writes it again."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the race needs PostgreSQL")
    with Session(engine, expire_on_commit=False) as t1, Session(engine, expire_on_commit=False) as t2:
        a = _user(t1, "race-a")
        old = documents.store_document(session=t1, owner_id=a.id, kind="kk", label="", data=MINIMAL_PDF, now=now)
        t1.commit()
        new = documents.store_document(session=t2, owner_id=a.id, kind="kk", label="baru", data=MINIMAL_PDF, now=now)
        t2.flush()
        documents.delete_upload(session=t1, owner_id=a.id, document_id=old.id, now=now)
        t1.commit()  # sees no other live row: the file goes
        assert _files(storage) == []
        t2.commit()
        assert documents.document_bytes(session=t2, document_id=new.id) == MINIMAL_PDF
