"""Citizens' documents (uploads and issued outputs): private, encrypted, content-addressed storage.

* The type is sniffed from the bytes (``filetype``), never taken from a file name or a browser's
  claim; only PDF, JPEG and PNG are kept. An empty file and a file over
  ``settings.document_max_bytes`` are refused; ``read_limited`` refuses a too-big stream as soon
  as it passes the limit, without holding it whole.
* Images are decoded and encoded again with Pillow, so nothing but the pixels survives: EXIF
  (with GPS), XMP, comments, text chunks and ICC profiles are gone (the orientation is applied
  first). The SHA-256 is that of the cleaned bytes.
* The bytes are stored encrypted (AES-256-GCM, a key derived from ``MPP_SECRET_KEY`` with HKDF as
  ``services/sealing`` does, the SHA-256 as associated data) under
  ``settings.document_storage_dir`` (default ``var/documents``, never a served folder). The file
  name is a keyed hash of the SHA-256 (equal content is stored once; without the secret key a
  file name does not tell whether a known document is stored). A file is removed after the
  commit that deletes the last live row using it.
* ``read_for`` is the one access rule: the owner, or an officer / site admin whose grant covers
  the site and agency of an *open* application the document belongs to; each staff read is a
  ``DocumentAccess`` row the citizen sees on their profile.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import inspect
import io
import os
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filetype
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PIL import Image, ImageOps
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from mpp_digital.errors import NotAllowed, ValidationError
from mpp_digital.models import (
    Agency,
    Application,
    ApplicationDocument,
    DocumentAccess,
    IssuedOutput,
    MppSite,
    Role,
    StoredDocument,
    User,
)
from mpp_digital.services.authz import Principal, authorize
from mpp_digital.services.sealing import current_version, derive_key
from mpp_digital.settings import get_settings

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
ALL_TYPES: tuple[str, ...] = (PDF, JPEG, PNG)
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
MAX_IMAGE_PIXELS = 40_000_000  # a larger image is a decompression bomb, not a scanned page
CHUNK = 64 * 1024
_MAGIC = b"MPPD"  # file format: magic | key version (1 byte) | nonce (12) | AES-GCM ciphertext+tag
_NONCE = 12
SOURCE_UPLOAD, SOURCE_OUTPUT = "upload", "output"
VIEW, DOWNLOAD = "view", "download"
_PENDING_REMOVALS = "mpp_documents_pending_removal"
_HOOKED = "mpp_documents_removal_hooked"
_WRITTEN = "mpp_documents_written"
_STORED = "mpp_documents_stored"


class DocumentRejected(ValidationError):
    """An uploaded file that is not kept: ``doc.empty``, ``doc.too_big``, ``doc.type``, ``doc.broken``..."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__("document", key, **params)


@dataclass(frozen=True)
class DocumentView:
    """One document in "Dokumen saya" (no content, no storage path)."""

    id: int
    kind: str
    label: str
    mime: str
    size: int
    sha256: str
    source: str  # upload / output
    created_at: datetime
    in_open_application: bool  # an open application uses it: it cannot be deleted now
    output_code: str = ""  # an issued output's verification code

    @property
    def deletable(self) -> bool:
        """Whether the citizen may delete it now (uploads only, and none an open application uses)."""
        return self.source == SOURCE_UPLOAD and not self.in_open_application


# --------------------------------------------------------------------------- limits and types


async def read_limited(stream: object, limit: int) -> bytes:
    """Read a file-like (``read(n)`` sync or async) in chunks, refusing it as soon as it passes ``limit``.

    Never holds more than ``limit`` plus one chunk.

    Raises:
        DocumentRejected: ``doc.too_big`` past the limit.
    """
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(CHUNK)  # type: ignore[attr-defined]
        if inspect.isawaitable(chunk):
            chunk = await chunk
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > limit:
            raise DocumentRejected("doc.too_big", mb=_mb(limit))
        parts.append(chunk)


def _mb(limit: int) -> int:
    return max(1, limit // (1024 * 1024))


def sniff(data: bytes) -> str:
    """The type of ``data`` from its bytes (PDF, JPEG or PNG).

    Raises:
        DocumentRejected: ``doc.empty`` for no bytes; ``doc.type`` for anything else.
    """
    if not data:
        raise DocumentRejected("doc.empty")
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime not in ALL_TYPES:
        raise DocumentRejected("doc.type")
    return mime


def _clean_image(data: bytes, mime: str) -> bytes:
    """The image's pixels encoded again, without any metadata (EXIF/GPS, XMP, comments, text, ICC)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise DocumentRejected("doc.broken")
                img.load()
                upright = ImageOps.exif_transpose(img) or img
                clean = upright.copy()
    except DocumentRejected:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentRejected("doc.broken") from exc
    clean.info = {}
    out = io.BytesIO()
    if mime == JPEG:
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_upload(data: bytes, *, accept: tuple[str, ...] = ALL_TYPES, limit: int | None = None) -> tuple[bytes, str]:
    """Check an upload and strip what it must not carry: ``(clean bytes, mime)``.

    Raises:
        DocumentRejected: empty, too big, a type not sniffed as one of ``accept``, a broken image.
    """
    limit = get_settings().document_max_bytes if limit is None else limit
    if len(data) > limit:
        raise DocumentRejected("doc.too_big", mb=_mb(limit))
    mime = sniff(data)
    if mime not in accept:
        raise DocumentRejected("doc.type")
    if mime in (JPEG, PNG):
        data = _clean_image(data, mime)
    return data, mime


# --------------------------------------------------------------------------- encrypted files


def _file_key(version: int) -> bytes:
    return derive_key(get_settings().secret_key.get_secret_value(), f"mpp-digital/documents/v{version}")


def storage_path(sha256: str) -> Path:
    """Where the encrypted file of the content ``sha256`` lives (a keyed name: no content oracle)."""
    key = derive_key(get_settings().secret_key.get_secret_value(), "mpp-digital/documents/name")
    name = hmac.new(key, sha256.encode(), hashlib.sha256).hexdigest()
    return Path(get_settings().document_storage_dir) / name[:2] / name


def _write_encrypted(sha256: str, data: bytes) -> bool:
    """Write the encrypted file of ``sha256`` unless it exists; whether it was written now."""
    path = storage_path(sha256)
    if path.exists():
        return False  # content-addressed: the same bytes are already stored
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    version = current_version()
    nonce = os.urandom(_NONCE)
    blob = _MAGIC + bytes([version]) + nonce + AESGCM(_file_key(version)).encrypt(nonce, data, sha256.encode())
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(blob)
    os.replace(tmp, path)
    return True


def _read_decrypted(sha256: str) -> bytes:
    blob = storage_path(sha256).read_bytes()
    if blob[:4] != _MAGIC:
        raise OSError("not a stored document")
    version, nonce = blob[4], blob[5:5 + _NONCE]
    try:
        data = AESGCM(_file_key(version)).decrypt(nonce, blob[5 + _NONCE:], sha256.encode())
    except InvalidTag as exc:
        raise OSError("a stored document does not open (altered, or another key)") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError("a stored document does not match its SHA-256")
    return data


def _unused_files(bind: object, shas: set[str]) -> None:
    """Remove the files of ``shas`` that no committed live row uses."""
    with Session(bind) as check:  # type: ignore[call-overload]
        for sha in shas:
            live = check.exec(select(func.count()).select_from(StoredDocument).where(
                StoredDocument.sha256 == sha, col(StoredDocument.deleted_at).is_(None))).one()
            if not live:
                storage_path(sha).unlink(missing_ok=True)


def _track_files(session: Session) -> None:
    """Once per session: after the (outermost) commit, remove the files whose last row was deleted;
    after a rollback, remove the files written in it that no committed row uses (nothing half-stored)."""
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True
    bind = session.get_bind()

    def committed(_session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint: the outer transaction may still roll back
            return
        session.info.pop(_WRITTEN, None)
        # Another transaction that deleted the last older row of the same content may have removed
        # the file between this store and this commit: write it again (its check could not see our row).
        for sha, data in session.info.pop(_STORED, {}).items():
            if not storage_path(sha).exists():
                _write_encrypted(sha, data)
        if shas := session.info.pop(_PENDING_REMOVALS, set()):
            _unused_files(bind, shas)

    def rolled_back(_session: Session) -> None:
        if session.in_nested_transaction():
            return
        session.info.pop(_PENDING_REMOVALS, None)  # the rows are live again
        session.info.pop(_STORED, None)
        if shas := session.info.pop(_WRITTEN, set()):
            _unused_files(bind, shas)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_rollback", rolled_back)


def _remove_after_commit(session: Session, sha256: str) -> None:
    """Remove the file of ``sha256`` once this transaction commits, if no live row uses it then."""
    _track_files(session)
    session.info.setdefault(_PENDING_REMOVALS, set()).add(sha256)


# --------------------------------------------------------------------------- the service


def store_bytes(*, session: Session, owner_id: int, kind: str, label: str, data: bytes, mime: str, now: datetime,
                source: str) -> StoredDocument:
    """Store already checked bytes (an upload cleaned by ``clean_upload``, or a signed output)."""
    sha = hashlib.sha256(data).hexdigest()
    _track_files(session)
    if _write_encrypted(sha, data):  # a rollback removes it again, unless a committed row uses it
        session.info.setdefault(_WRITTEN, set()).add(sha)
    session.info.setdefault(_STORED, {})[sha] = data  # until the commit (see _track_files)
    row = StoredDocument(owner_id=owner_id, kind=kind[:24], label=label.strip()[:120], sha256=sha, size=len(data),
                         mime=mime, source=source, created_at=now)
    session.add(row)
    return row


def store_document(*, session: Session, owner_id: int, kind: str, label: str, data: bytes, now: datetime,
                   source: str = SOURCE_UPLOAD, accept: tuple[str, ...] = ALL_TYPES) -> StoredDocument:
    """Check, clean, encrypt and store one document of ``owner_id``; the row is added (not committed).

    Raises:
        DocumentRejected: ``doc.empty``, ``doc.too_big``, ``doc.type``, ``doc.broken``.
    """
    clean, mime = clean_upload(data, accept=accept)
    return store_bytes(session=session, owner_id=owner_id, kind=kind, label=label, data=clean, mime=mime, now=now,
                       source=source)


def _live(session: Session, document_id: int) -> StoredDocument | None:
    row = session.get(StoredDocument, document_id)
    return row if row is not None and row.deleted_at is None else None


def document_bytes(*, session: Session, document_id: int) -> bytes:
    """The plain bytes of a live document (no access check: for services, never for a caller's id).

    Raises:
        NotAllowed: no such (live) document.
    """
    row = _live(session, document_id)
    if row is None:
        raise NotAllowed("doc.not_found")
    return _read_decrypted(row.sha256)


def _open_application_ids(session: Session, document_ids: list[int]) -> set[int]:
    """Of ``document_ids``, those an open application uses."""
    if not document_ids:
        return set()
    rows = session.exec(select(ApplicationDocument.document_id).join(
        Application, col(Application.id) == ApplicationDocument.application_id).where(
        col(ApplicationDocument.document_id).in_(document_ids), col(Application.open).is_(True))).all()
    return set(rows)


def documents_of(*, session: Session, owner_id: int) -> list[DocumentView]:
    """Every live document of a citizen, newest first (for "Dokumen saya")."""
    rows = list(session.exec(select(StoredDocument).where(
        StoredDocument.owner_id == owner_id, col(StoredDocument.deleted_at).is_(None)).order_by(
        col(StoredDocument.created_at).desc(), col(StoredDocument.id).desc())).all())
    ids = [r.id for r in rows if r.id is not None]
    in_use = _open_application_ids(session, ids)
    codes = dict(session.exec(select(IssuedOutput.document_id, IssuedOutput.code).where(
        col(IssuedOutput.document_id).in_(ids))).all()) if ids else {}
    return [DocumentView(id=r.id or 0, kind=r.kind, label=r.label, mime=r.mime, size=r.size, sha256=r.sha256,
                         source=r.source, created_at=r.created_at, in_open_application=r.id in in_use,
                         output_code=codes.get(r.id or 0, "")) for r in rows]


def delete_upload(*, session: Session, owner_id: int, document_id: int, now: datetime) -> None:
    """Delete one of the citizen's uploads; its file goes after the commit when no other row uses it.

    Raises:
        NotAllowed: not the owner's live upload (outputs are not deleted here).
        ValidationError: ``doc.in_use`` when an open application uses it.
    """
    row = _live(session, document_id)
    if row is None or row.owner_id != owner_id or row.source != SOURCE_UPLOAD:
        raise NotAllowed("doc.not_found")
    if _open_application_ids(session, [document_id]):
        raise ValidationError("document", "doc.in_use")
    row.deleted_at = now
    session.add(row)
    session.flush()
    _remove_after_commit(session, row.sha256)


def erase_documents_of(*, session: Session, owner_id: int, now: datetime) -> int:
    """Delete every live document of a person (closing the account); files go after the commit
    when no other row uses them. Issued outputs stay verifiable by their recorded SHA-256."""
    rows = list(session.exec(select(StoredDocument).where(
        StoredDocument.owner_id == owner_id, col(StoredDocument.deleted_at).is_(None))).all())
    for row in rows:
        row.deleted_at = now
        session.add(row)
    session.flush()
    for sha in {row.sha256 for row in rows}:
        _remove_after_commit(session, sha)
    return len(rows)


def application_size(*, session: Session, document_ids: list[int]) -> int:
    """The bytes of the distinct live documents ``document_ids`` together."""
    ids = sorted(set(document_ids))
    if not ids:
        return 0
    return int(session.exec(select(func.coalesce(func.sum(StoredDocument.size), 0)).where(
        col(StoredDocument.id).in_(ids), col(StoredDocument.deleted_at).is_(None))).one())


def check_application_size(*, session: Session, document_ids: list[int]) -> None:
    """Refuse an application whose documents pass ``settings.application_max_bytes``.

    Raises:
        DocumentRejected: ``doc.app_too_big``.
    """
    limit = get_settings().application_max_bytes
    if application_size(session=session, document_ids=document_ids) > limit:
        raise DocumentRejected("doc.app_too_big", mb=_mb(limit))


def _staff_only(who: Principal) -> Principal:
    """The principal with only its officer and site-admin grants (a superadmin reads no documents
    as such: only a grant on the application's site and agency opens them)."""
    return dataclasses.replace(who, grants=tuple(g for g in who.grants if g.role in (Role.OFFICER, Role.SITE_ADMIN)))


def _covering_application(session: Session, who: Principal, document_id: int) -> int | None:
    """An open application using the document whose site and agency ``who``'s grants cover."""
    attached = select(Application.id, Application.site_id, Application.agency_id).join(
        ApplicationDocument, col(ApplicationDocument.application_id) == Application.id).where(
        ApplicationDocument.document_id == document_id, col(Application.open).is_(True))
    staff = _staff_only(who)
    for app_id, site_id, agency_id in session.exec(attached).all():
        try:
            authorize(staff, Role.OFFICER, Role.SITE_ADMIN, site_id=site_id, agency_id=agency_id)
        except NotAllowed:
            continue
        return app_id
    return None


def read_for(*, session: Session, principal: Principal | None, document_id: int, now: datetime,
             action: str = VIEW) -> tuple[bytes, str, str]:
    """A document's ``(bytes, mime, file name)`` for ``principal``, under the one access rule.

    The owner reads their own; an officer or site admin reads it while an open application of
    their site and agency uses it, and the read is logged (``DocumentAccess``). Anything else,
    including a document that does not exist, is the same refusal.

    Raises:
        NotAllowed: ``auth.required`` for nobody, ``doc.not_found`` for everything refused.
    """
    if principal is None:
        raise NotAllowed("auth.required")
    row = _live(session, document_id)
    if row is None:
        raise NotAllowed("doc.not_found")
    if row.owner_id != principal.user_id:
        application_id = _covering_application(session, principal, document_id)
        if application_id is None:
            raise NotAllowed("doc.not_found")
        session.add(DocumentAccess(owner_id=row.owner_id, viewer_user_id=principal.user_id,
                                   application_id=application_id, document_id=row.id,
                                   action=DOWNLOAD if action == DOWNLOAD else VIEW, at=now))
    name = f"{row.kind}-{row.id}.{EXTENSIONS.get(row.mime, 'bin')}"
    return _read_decrypted(row.sha256), row.mime, name


@dataclass(frozen=True)
class AccessView:
    """One staff read of a citizen's document, as the citizen sees it."""

    at: datetime
    action: str
    viewer_name: str
    site_name: str
    agency_name: str
    document_label: str
    tracking_number: str


def access_log_of(*, session: Session, owner_id: int, limit: int = 200) -> list[AccessView]:
    """Who read the citizen's documents: the newest ``limit`` reads ("siapa yang melihat data saya")."""
    query = (select(DocumentAccess, User.full_name, MppSite.name, Agency.short_name, StoredDocument.label,
                    StoredDocument.kind, Application.tracking_number)
             .join(User, col(User.id) == DocumentAccess.viewer_user_id)
             .outerjoin(Application, col(Application.id) == DocumentAccess.application_id)
             .outerjoin(MppSite, col(MppSite.id) == Application.site_id)
             .outerjoin(Agency, col(Agency.id) == Application.agency_id)
             .outerjoin(StoredDocument, col(StoredDocument.id) == DocumentAccess.document_id)
             .where(DocumentAccess.owner_id == owner_id)
             .order_by(col(DocumentAccess.at).desc(), col(DocumentAccess.id).desc()).limit(limit))
    return [AccessView(at=access.at, action=access.action, viewer_name=viewer, site_name=site or "",
                       agency_name=agency or "", document_label=label or kind or "",
                       tracking_number=tracking or "")
            for access, viewer, site, agency, label, kind, tracking in session.exec(query).all()]
