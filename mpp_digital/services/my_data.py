"""A citizen's rights over their own data (UU 27/2022): see it all, take it away, close the account.

``export_my_data`` gathers everything MPP Digital holds about one account (the right of access
and portability, pasal 7 and 13), ``render_pdf`` lays it out for reading, ``releases`` lists
the agency apps that received claims through single sign-on, and ``close_account`` ends the
account (the right to erasure, pasal 8 and 16):

* kept, as the law asks: the audit trail (who did what, when), served-ticket facts in the
  analytics (which never held an identity) and the records of claims released to agency apps;
  tickets stay as rows of the queue's history, their citizen an anonymous account;
* anonymised: name, NIK, email, phone, birth date and sex, the password and second factor,
  the devices and addresses of past sessions;
* deleted: recovery codes, one-time tokens, login attempts made with the NIK or email, unsent
  ticket mail, unsent online-application drafts (submitted applications stay with the agency
  that decides them); ended: every session, consent and SSO token; cancelled: bookings not yet begun;
* the NIK becomes free again: nothing derived from it is kept (not even its keyed hash), so
  the person may register again later; the closed account cannot be reopened.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.i18n import t
from mpp_digital.models import (
    Agency,
    AuditLog,
    ClaimRelease,
    LoginAttempt,
    MppSite,
    OAuthClient,
    OAuthConsent,
    OAuthToken,
    OneTimeToken,
    PendingMail,
    QueueTicket,
    RecoveryCode,
    RoleAssignment,
    Service,
    TicketStatus,
    UserSession,
)
from mpp_digital.services import accounts, assurance, audit, documents, queue
from mpp_digital.services.applications import drafts
from mpp_digital.services.authz import Principal

CLOSED_NAME = "-"
CLOSED_EMAIL_DOMAIN = "closed.invalid"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class Release:
    """One release of claims to an agency app (the "who received my data" list)."""

    app: str
    agency: str
    at: datetime
    endpoint: str
    claims: tuple[str, ...]


def releases(*, session: Session, user_id: int, limit: int = 200) -> list[Release]:
    """The agency apps that received this user's claims through single sign-on, newest first."""
    rows = session.exec(
        select(ClaimRelease, OAuthClient.name, Agency.short_name)
        .join(OAuthClient, col(OAuthClient.id) == col(ClaimRelease.client_pk))
        .join(Agency, col(Agency.id) == col(OAuthClient.agency_id), isouter=True)
        .where(ClaimRelease.user_id == user_id)
        .order_by(col(ClaimRelease.at).desc(), col(ClaimRelease.id).desc())
        .limit(limit)
    ).all()
    return [Release(app=name, agency=agency or "", at=row.at, endpoint=row.endpoint, claims=tuple(row.claims))
            for row, name, agency in rows]


def export_my_data(*, session: Session, user_id: int, now: datetime) -> dict:
    """Everything held about one account, as plain JSON-ready data (the NIK in full: it is theirs)."""
    user = accounts.get_user(session=session, user_id=user_id)
    sessions = session.exec(select(UserSession).where(UserSession.user_id == user_id)
                            .order_by(col(UserSession.created_at))).all()
    consents = session.exec(
        select(OAuthConsent, OAuthClient.name).join(OAuthClient, col(OAuthClient.id) == col(OAuthConsent.client_pk))
        .where(OAuthConsent.user_id == user_id).order_by(col(OAuthConsent.granted_at))).all()
    tickets = session.exec(
        select(QueueTicket, MppSite.name, Service.name)
        .join(MppSite, col(MppSite.id) == col(QueueTicket.site_id))
        .join(Service, col(Service.id) == col(QueueTicket.service_id))
        .where(QueueTicket.citizen_id == user_id).order_by(col(QueueTicket.created_at))).all()
    trail = session.exec(
        select(AuditLog).where(or_(AuditLog.actor_user_id == user_id, AuditLog.target == f"user:{user_id}"))
        .order_by(col(AuditLog.at))).all()
    grants = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id)).all()
    return {
        "exported_at": now.isoformat(),
        "controller": "MPP Digital",
        "account": {
            "id": user.id,
            "full_name": user.full_name,
            "nik": accounts.nik_of(user),
            "email": user.email,
            "email_verified_at": _iso(user.email_verified_at),
            "phone": user.phone,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "sex": user.sex,
            "created_at": _iso(user.created_at),
            "two_step_verification": user.totp_enabled,
        },
        "roles": [{"role": str(g.role), "site_id": g.site_id, "regency_code": g.regency_code,
                   "granted_at": _iso(g.granted_at)} for g in grants],
        "sessions": [{"created_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at),
                      "ended_at": _iso(s.revoked_at), "user_agent": s.user_agent, "ip_address": s.ip_address}
                     for s in sessions],
        "connected_apps": [{"app": name, "scopes": list(c.scopes), "granted_at": _iso(c.granted_at),
                            "withdrawn_at": _iso(c.revoked_at)} for c, name in consents],
        "data_released_to_apps": [{**asdict(r), "at": _iso(r.at), "claims": list(r.claims)}
                                  for r in releases(session=session, user_id=user_id, limit=10_000)],
        "queue_tickets": [{"code": tk.code, "site": site, "service": service, "day": tk.day.isoformat(),
                           "channel": str(tk.channel), "status": str(tk.status), "slot_start_at": _iso(tk.slot_start_at),
                           "checked_in_at": _iso(tk.checked_in_at), "finished_at": _iso(tk.finished_at)}
                          for tk, site, service in tickets],
        "activity": [{"at": _iso(a.at), "action": a.action, "ip_address": a.ip_address} for a in trail],
        "documents": [{"label": d.label, "kind": d.kind, "type": d.mime, "size": d.size, "sha256": d.sha256,
                       "source": d.source, "created_at": _iso(d.created_at)}
                      for d in documents.documents_of(session=session, owner_id=user_id)],
        "document_views": [{"at": _iso(v.at), "officer": v.viewer_name, "agency": v.agency_name, "site": v.site_name,
                            "document": v.document_label, "action": v.action}
                           for v in documents.access_log_of(session=session, owner_id=user_id, limit=10_000)],
    }


# --------------------------------------------------------------------------- PDF


def render_pdf(data: dict, *, lang: str = "id") -> bytes:
    """``export_my_data`` laid out as a readable A4 PDF (reportlab)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            title=t("mydata.pdf.title", lang), author="MPP Digital")

    def cell(value: object) -> Paragraph:
        text = "-" if value in (None, "", []) else ", ".join(value) if isinstance(value, list) else str(value)
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), small)

    def table(header: list[str], rows: list[list[object]]) -> Table:
        body = [[cell(h) for h in header]] + [[cell(v) for v in row] for row in rows] if rows else \
            [[cell(h) for h in header], [cell(t("mydata.none", lang))] + [cell("")] * (len(header) - 1)]
        tbl = Table(body, repeatRows=1, hAlign="LEFT")
        tbl.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                                 ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                                 ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return tbl

    account = data["account"]
    story = [Paragraph(t("mydata.pdf.title", lang), styles["Title"]),
             Paragraph(t("mydata.pdf.made", lang, at=data["exported_at"]), small), Spacer(1, 6 * mm),
             Paragraph(t("mydata.section.account", lang), styles["Heading2"]),
             table([t("mydata.col.field", lang), t("mydata.col.value", lang)],
                   [[key, value] for key, value in account.items()])]
    sections = (
        ("mydata.section.releases", data["data_released_to_apps"], ("app", "agency", "at", "endpoint", "claims")),
        ("mydata.section.apps", data["connected_apps"], ("app", "scopes", "granted_at", "withdrawn_at")),
        ("mydata.section.tickets", data["queue_tickets"], ("code", "site", "service", "day", "status")),
        ("mydata.section.sessions", data["sessions"], ("created_at", "last_seen_at", "ended_at", "ip_address")),
        ("mydata.section.roles", data["roles"], ("role", "site_id", "regency_code", "granted_at")),
        ("mydata.section.activity", data["activity"], ("at", "action", "ip_address")),
        ("mydata.section.documents", data["documents"], ("label", "type", "source", "created_at")),
        ("mydata.section.document_views", data["document_views"], ("at", "officer", "agency", "document", "action")),
    )
    for title_key, rows, columns in sections:
        story += [Spacer(1, 5 * mm), Paragraph(t(title_key, lang), styles["Heading2"]),
                  table(list(columns), [[row.get(c) for c in columns] for row in rows])]
    doc.build(story)
    return buffer.getvalue()


# --------------------------------------------------------------------------- closing the account


def close_account(*, session: Session, principal: Principal, password: str, now: datetime,
                  ip_address: str = "") -> None:
    """Close one's own account after re-entering the password (see the module's docstring).

    Raises:
        ValidationError: ``password.current_wrong`` on field ``password``.
    """
    user = accounts.get_user(session=session, user_id=principal.user_id)
    if user.closed_at is not None:
        raise DomainError("auth.required")
    try:
        accounts.password_hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError("password", "password.current_wrong") from None
    user_id = user.id or 0
    for ticket in session.exec(select(QueueTicket).where(
            QueueTicket.citizen_id == user_id, col(QueueTicket.status) == TicketStatus.BOOKED)).all():
        try:
            queue.cancel_ticket(session=session, citizen_id=user_id, ticket_id=ticket.id or 0, now=now)
        except DomainError:  # its slot has begun: the end of the day expires it, as any other
            pass
    ticket_ids = select(QueueTicket.id).where(QueueTicket.citizen_id == user_id).scalar_subquery()
    token_ids = select(OneTimeToken.id).where(OneTimeToken.user_id == user_id).scalar_subquery()
    session.execute(delete(PendingMail).where(col(PendingMail.sent_at).is_(None), or_(
        (col(PendingMail.kind) == queue.TICKET_MAIL) & col(PendingMail.ref).in_(ticket_ids),
        col(PendingMail.kind).in_((accounts.VERIFY_MAIL, accounts.RESET_MAIL)) & col(PendingMail.ref).in_(token_ids))))
    hashes = [accounts.identifier_hash(v) for v in (accounts.nik_of(user), user.email) if v]
    session.execute(delete(LoginAttempt).where(or_(col(LoginAttempt.identifier_hash).in_(hashes),
                                                   col(LoginAttempt.user_id) == user_id)))
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.execute(update(OneTimeToken).where(col(OneTimeToken.user_id) == user_id, col(OneTimeToken.used_at).is_(None))
                    .values(used_at=now, email=None))
    session.execute(update(OneTimeToken).where(col(OneTimeToken.user_id) == user_id).values(email=None))
    session.execute(update(OAuthConsent).where(col(OAuthConsent.user_id) == user_id, col(OAuthConsent.revoked_at).is_(None))
                    .values(revoked_at=now))
    session.execute(update(OAuthToken).where(col(OAuthToken.user_id) == user_id, col(OAuthToken.revoked_at).is_(None))
                    .values(revoked_at=now))
    session.execute(update(UserSession).where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
                    .values(revoked_at=now))
    session.execute(update(UserSession).where(col(UserSession.user_id) == user_id).values(user_agent="", ip_address=""))
    session.execute(delete(RoleAssignment).where(col(RoleAssignment.user_id) == user_id))
    documents.erase_documents_of(session=session, owner_id=user_id, now=now)  # uploads and outputs, files too
    assurance.forget_account(session=session, user_id=user_id, now=now)  # its NIK disputes and counter code
    drafts.erase_drafts_of(session=session, citizen_id=user_id)  # unsent online forms (sealed answers)
    accounts.set_nik(user, None)
    user.full_name = CLOSED_NAME
    user.email = f"closed-{user_id}-{secrets.token_hex(4)}@{CLOSED_EMAIL_DOMAIN}"
    user.phone = user.birth_date = user.sex = user.email_verified_at = user.totp_secret_sealed = None
    user.totp_enabled = False
    user.password_hash = "!closed"  # not a hash: no password ever matches it
    user.is_active = False
    user.closed_at = now
    session.add(user)
    audit.record(session=session, action="account_closed", now=now, actor_user_id=user_id,
                 target=f"user:{user_id}", ip_address=ip_address)
    session.flush()
