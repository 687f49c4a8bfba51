"""Offering and answering the SKM survey: after a served counter ticket or a finished
application, at most once per visit, never gating anything; and the invitation mail.

A response is stored without the respondent's identity: the visit is kept only as a keyed hash
(``visit_key``), the time only as the site's local day, the saran sealed. "Answered twice" is
refused by the unique ``visit_key`` in the same transaction that would store the second answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import (
    Application,
    Channel,
    EventKind,
    IssuedOutput,
    MppSite,
    PendingMail,
    QueueTicket,
    Service,
    SurveyMonthly,
    SurveyResponse,
    TicketStatus,
    User,
)
from mpp_digital.services import analytics, sealing
from mpp_digital.services.surveys.ikm import is_straight, respondent_ikm
from mpp_digital.services.surveys.questionnaire import PROFILE_FIELDS, SARAN_MAX, UNSUR_KEYS

TICKET, APPLICATION = "ticket", "application"
_PREFIX = {TICKET: "t", APPLICATION: "a"}
SURVEY_MAIL = "survey_invite"  # PendingMail.kind: the invitation after a served ticket (ref: ticket id)
SURVEY_MAIL_APPLICATION = "survey_invite_app"  # ... after a finished application (ref: application id)
SARAN_PURPOSE = "surveyresponse.saran"
FINISHED_APPLICATION_STATE = "selesai"


def survey_ref(kind: str, ref_id: int) -> str:
    """The survey page's reference of a visit: ``t<ticket id>`` or ``a<application id>``."""
    return f"{_PREFIX[kind]}{ref_id}"


def parse_ref(ref: str) -> tuple[str, int]:
    """(kind, id) of a survey reference; ``survey.not_found`` for anything else."""
    ref = (ref or "").strip()
    for kind, prefix in _PREFIX.items():
        if ref.startswith(prefix) and ref[1:].isdigit() and len(ref) < 16:
            return kind, int(ref[1:])
    raise DomainError("survey.not_found")


def visit_key(kind: str, ref_id: int) -> str:
    """The keyed hash that stands for the visit in a response (no ticket or citizen id is stored)."""
    return sealing.lookup_hash(f"{kind}:{ref_id}", purpose="skm-visit") or ""


@dataclass(frozen=True)
class Offer:
    """A served visit the citizen may rate."""

    kind: str
    ref_id: int
    site_id: int
    agency_id: int
    service_id: int
    channel: str
    site_name: str
    service_name: str
    answered: bool


def _visit(session: Session, citizen_id: int, kind: str, ref_id: int) -> tuple[int, int, int, str]:
    """(site, agency, service, channel) of the citizen's own finished visit, else ``survey.not_found``
    (another person's visit looks the same as none) or ``survey.not_finished``."""
    if kind == TICKET:
        ticket = session.get(QueueTicket, ref_id)
        if ticket is None or ticket.citizen_id != citizen_id:
            raise DomainError("survey.not_found")
        if ticket.status != TicketStatus.DONE:
            raise DomainError("survey.not_finished")
        return ticket.site_id, ticket.agency_id, ticket.service_id, str(ticket.channel)
    app = session.get(Application, ref_id)
    if app is None or app.citizen_id != citizen_id:
        raise DomainError("survey.not_found")
    output = session.exec(select(col(IssuedOutput.id)).where(col(IssuedOutput.application_id) == app.id)).first()
    if app.open or (app.state != FINISHED_APPLICATION_STATE and output is None):  # a service's own end state
        raise DomainError("survey.not_finished")
    return app.site_id, app.agency_id, app.service_id, Channel.ONLINE.value


def answered(*, session: Session, kind: str, ref_id: int) -> bool:
    """Whether the visit has been rated already."""
    key = visit_key(kind, ref_id)
    return session.exec(select(col(SurveyResponse.id)).where(col(SurveyResponse.visit_key) == key)).first() is not None


def offer(*, session: Session, citizen_id: int, ref: str) -> Offer:
    """The survey offered for the citizen's own finished ticket or application (``ref`` from the URL)."""
    kind, ref_id = parse_ref(ref)
    site_id, agency_id, service_id, channel = _visit(session, citizen_id, kind, ref_id)
    site, service = session.get(MppSite, site_id), session.get(Service, service_id)
    return Offer(kind=kind, ref_id=ref_id, site_id=site_id, agency_id=agency_id, service_id=service_id,
                 channel=channel, site_name=site.name if site else "", service_name=service.name if service else "",
                 answered=answered(session=session, kind=kind, ref_id=ref_id))


@dataclass(frozen=True)
class Answers:
    """A validated questionnaire: nine scores 1-4, the optional profile and saran."""

    scores: tuple[int, ...]
    profile: dict[str, str | None]
    saran: str


def validate(answers: dict, profile: dict | None = None, saran: str | None = None) -> Answers:
    """Check a submitted questionnaire; each problem raises a ValidationError naming its field.

    Every unsur must be answered with 1, 2, 3 or 4; a profile value must be one of its choices (or
    empty); the saran is at most ``SARAN_MAX`` characters.
    """
    scores = []
    for key in UNSUR_KEYS:
        raw = answers.get(key)
        if raw is None or str(raw).strip() == "":
            raise ValidationError(key, "survey.error.missing", number=key[1:])
        text = str(raw).strip()
        if not (text.isdigit() and 1 <= int(text) <= 4):
            raise ValidationError(key, "survey.error.score", number=key[1:])
        scores.append(int(text))
    clean: dict[str, str | None] = {}
    for field, choices in PROFILE_FIELDS.items():
        value = str((profile or {}).get(field) or "").strip()
        if value and value not in choices:
            raise ValidationError(field, "survey.error.profile")
        clean[field] = value or None
    text = (saran or "").strip()
    if len(text) > SARAN_MAX:
        raise ValidationError("saran", "survey.error.saran_long", maximum=SARAN_MAX, length=len(text))
    return Answers(tuple(scores), clean, text)


def _month(day: date) -> date:
    return day.replace(day=1)


def submit(*, session: Session, citizen_id: int, ref: str, answers: dict, profile: dict | None = None,
           saran: str | None = None, now: datetime) -> SurveyResponse:
    """Store one answered questionnaire for the citizen's own finished visit.

    Validates everything first; then, in the caller's transaction: the response, its unit's
    monthly sums and the analytics survey event (satisfaction = the respondent's converted IKM).
    A second answer for the same visit raises ``survey.already`` and nothing of it is saved.
    """
    checked = validate(answers, profile, saran)
    kind, ref_id = parse_ref(ref)
    site_id, agency_id, service_id, channel = _visit(session, citizen_id, kind, ref_id)
    site = session.get(MppSite, site_id)
    day = analytics.local_today(now, analytics.utc_offset_hours(site.regency_code if site else ""))
    row = SurveyResponse(
        visit_key=visit_key(kind, ref_id), visit_kind=kind, site_id=site_id, agency_id=agency_id,
        service_id=service_id, channel=channel, local_day=day,
        **dict(zip(UNSUR_KEYS, checked.scores, strict=True)), **checked.profile,
        saran_sealed=sealing.seal(checked.saran, purpose=SARAN_PURPOSE) if checked.saran else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise DomainError("survey.already") from exc
    add_to_sums(session=session, rows=[row])
    analytics.record_service_event(
        session=session, kind=EventKind.SURVEY, outcome="answered", site_id=site_id, agency_id=agency_id,
        service_id=service_id, channel=channel, occurred_at=now, satisfaction=respondent_ikm(checked.scores),
        source="survey", source_ref=str(row.id),
    )
    return row


def add_to_sums(*, session: Session, rows: list[SurveyResponse]) -> None:
    """Add responses to their units' monthly sums (one upsert per unit and month)."""
    sums: dict[tuple[int, int, date], list[int]] = {}
    for r in rows:
        scores = [getattr(r, k) for k in UNSUR_KEYS]
        acc = sums.setdefault((r.site_id, r.agency_id, _month(r.local_day)), [0] * 11)
        acc[0] += 1
        for i, s in enumerate(scores):
            acc[1 + i] += s
        acc[10] += int(is_straight(scores))
    names = ("n", *(f"s{i}" for i in range(1, 10)), "straight")
    analytics._upsert(session, SurveyMonthly.__table__,  # noqa: SLF001 - the rollups' one upsert
                      [{"site_id": k[0], "agency_id": k[1], "month": k[2], **dict(zip(names, v, strict=True))}
                       for k, v in sums.items()], ("site_id", "agency_id", "month"), names)


def rebuild_sums(*, session: Session) -> None:
    """Recompute every unit's monthly sums from the responses in SQL (after a bulk load)."""
    month = ("CAST(date_trunc('month', local_day) AS date)" if session.get_bind().dialect.name == "postgresql"
             else "date(local_day, 'start of month')")
    scores = ", ".join(f"SUM(u{i})" for i in range(1, 10))
    straight = " AND ".join(f"u{i} = u1" for i in range(2, 10))
    session.execute(text("DELETE FROM surveymonthly"))
    session.execute(text(
        f"INSERT INTO surveymonthly (site_id, agency_id, month, n, {', '.join(f's{i}' for i in range(1, 10))}, "
        f"straight) SELECT site_id, agency_id, {month}, COUNT(*), {scores}, "
        f"SUM(CASE WHEN {straight} THEN 1 ELSE 0 END) FROM surveyresponse GROUP BY site_id, agency_id, {month}"))


# --------------------------------------------------------------------------- invitation mail


def invite_after(*, session: Session, ticket: QueueTicket, now: datetime) -> None:
    """Queue the invitation mail of a served ticket of a registered citizen (in the finishing
    transaction), in the language of the ticket's own mail when there was one."""
    if ticket.citizen_id is None or ticket.id is None:
        return
    from mpp_digital.services.queue import TICKET_MAIL

    lang = session.exec(select(PendingMail.lang).where(col(PendingMail.kind) == TICKET_MAIL,
                                                       col(PendingMail.ref) == ticket.id)).first() or "id"
    session.add(PendingMail(kind=SURVEY_MAIL, ref=ticket.id, lang=lang, created_at=now, due_at=now))


def invite_after_application(*, session: Session, application: Application, now: datetime, lang: str = "id") -> None:
    """Queue the invitation mail of a finished application (in the finishing transaction)."""
    if application.id is not None:
        session.add(PendingMail(kind=SURVEY_MAIL_APPLICATION, ref=application.id, lang=lang, created_at=now,
                                due_at=now))


def compose_invite_application(session: Session, ref: int, lang: str, now: datetime) -> tuple[str, str, str] | None:
    """(to, subject, body) of a finished application's invitation, or None once answered."""
    from mpp_digital import routes
    from mpp_digital.i18n import t
    from mpp_digital.settings import get_settings

    app = session.get(Application, ref)
    if app is None or answered(session=session, kind=APPLICATION, ref_id=ref):
        return None
    user, site = session.get(User, app.citizen_id), session.get(MppSite, app.site_id)
    service = session.get(Service, app.service_id)
    if user is None or user.closed_at is not None:
        return None
    link = get_settings().public_base_url + routes.survey_url(survey_ref(APPLICATION, ref))
    body = t("mail.survey.app.body", lang, name=user.full_name, service=service.name if service else "",
             site=site.name if site else "", code=app.tracking_number, link=link)
    return user.email, t("mail.survey.app.subject", lang, code=app.tracking_number), body


def compose_invite(session: Session, ref: int, lang: str, now: datetime) -> tuple[str, str, str] | None:
    """(to, subject, body) of the invitation, or None once answered (or the ticket is gone)."""
    from mpp_digital import routes
    from mpp_digital.i18n import t
    from mpp_digital.settings import get_settings

    ticket = session.get(QueueTicket, ref)
    if ticket is None or ticket.citizen_id is None or answered(session=session, kind=TICKET, ref_id=ref):
        return None
    user, site = session.get(User, ticket.citizen_id), session.get(MppSite, ticket.site_id)
    service = session.get(Service, ticket.service_id)
    if user is None or user.closed_at is not None:
        return None
    link = get_settings().public_base_url + routes.survey_url(survey_ref(TICKET, ref))
    body = t("mail.survey.body", lang, name=user.full_name, service=service.name if service else "",
             site=site.name if site else "", code=ticket.code, link=link)
    return user.email, t("mail.survey.subject", lang, code=ticket.code), body
