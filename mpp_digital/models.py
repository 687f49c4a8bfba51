"""SQLModel tables of MPP Digital (no reflex here).

Times are timezone-aware UTC datetimes; services take ``now`` as a parameter so that
tests can inject a clock.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    """What a user may do, and at which scope."""

    CITIZEN = "citizen"
    OFFICER = "officer"  # one site
    SITE_ADMIN = "site_admin"  # one site
    REGIONAL_HEAD = "regional_head"  # one regency
    MINISTRY = "ministry"  # national
    SUPERADMIN = "superadmin"


class SiteStatus(StrEnum):
    """Where a site stands in the MPP Digital rollout."""

    PILOT = "pilot"
    ACTIVE = "active"


# Keys of MppSite.opening_hours, Monday first (date.weekday() order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Channel(StrEnum):
    """The three ways a service reaches people."""

    DIRECT = "direct"  # langsung, at the MPP counter
    ONLINE = "online"
    MOBILE = "mobile"  # layanan keliling


# --------------------------------------------------------------------------- places


class Region(SQLModel, table=True):
    """A province (level 1), kab/kota (level 2) or kecamatan (level 3), Kepmendagri codes."""

    code: str = Field(primary_key=True, max_length=8)  # "33", "33.14", "33.14.01"
    name: str = Field(max_length=120)
    level: int = Field(index=True)
    parent_code: str | None = Field(default=None, foreign_key="region.code", index=True)
    population: int | None = None


class MppSite(SQLModel, table=True):
    """One Mal Pelayanan Publik building."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name: str = Field(max_length=160)
    regency_code: str = Field(foreign_key="region.code", index=True)
    address: str = Field(max_length=300)
    # {"mon": [["08:00", "12:00"], ["13:00", "15:30"]], ..., "sun": []}: breaks are the gaps.
    opening_hours: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    counters: int = Field(default=0, ge=0)
    status: SiteStatus = Field(default=SiteStatus.ACTIVE, max_length=16)
    launch_date: date | None = None


class Agency(SQLModel, table=True):
    """An instansi with counters in MPPs (Dukcapil, Polres, Imigrasi, ...)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name: str = Field(max_length=200)
    short_name: str = Field(max_length=60)
    level: str = Field(default="daerah", max_length=16)  # pusat / provinsi / daerah / bumn
    ticket_letter: str = Field(default="A", max_length=1)


class SiteAgency(SQLModel, table=True):
    """An agency present at a site, with its number of counters there."""

    __table_args__ = (UniqueConstraint("site_id", "agency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    counters: int = Field(default=1, ge=0)


class Service(SQLModel, table=True):
    """A public service with its published standard (standar pelayanan, PermenPANRB 15/2014)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=100)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=200)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str = Field(default="", max_length=500)
    requirements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    procedure: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    duration_days: int = Field(ge=0)  # jangka waktu, working days
    fee_rupiah: int = Field(ge=0)  # biaya/tarif; 0 means free
    product: str = Field(max_length=300)
    complaint_handling: str = Field(max_length=1000)
    legal_basis: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    life_events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The machine-readable standard (online applications). Each is validated by its service module:
    # requirement_items: services/applications/requirements.py (typed documents and data fields that
    #   generate the online form); [] means the service has no online form yet.
    # workflow: services/applications/workflow.py (states, actions, roles, deadline shares);
    #   {} means the default workflow.
    # fee_schedule: services/fees.py (variants, case rules, regional tariffs); {} means the flat
    #   ``fee_rupiah`` above.
    requirement_items: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    workflow: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fee_schedule: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Lower-cased, accent-free name, aliases, agency and product: what the catalog search reads.
    search_text: str = Field(default="", max_length=2000)
    # The standard asks for an identity verified at a counter (services/assurance.py).
    requires_verified: bool = False


class SiteService(SQLModel, table=True):
    """Which site offers which service, through which channels."""

    __table_args__ = (UniqueConstraint("site_id", "service_id"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id", index=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    direct: bool = True
    online: bool = False
    mobile: bool = False


# --------------------------------------------------------------------------- accounts


class UserBase(SQLModel):
    """Fields of a user that may be shown to that user."""

    full_name: str = Field(max_length=120)
    email: str = Field(unique=True, index=True, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    birth_date: date | None = None
    sex: str | None = Field(default=None, max_length=1)  # "L" / "P", derived from the NIK


class User(UserBase, table=True):
    """One account, for every channel and every agency app."""

    id: int | None = Field(default=None, primary_key=True)
    # The NIK is stored sealed (services/sealing.py, AES-256-GCM with a key version) and as a
    # keyed hash (HMAC-SHA256) that finds the account at sign-in and keeps a NIK unique.
    nik_sealed: str | None = Field(default=None, max_length=200)
    nik_lookup: str | None = Field(default=None, unique=True, index=True, max_length=64)
    password_hash: str = Field(max_length=200)
    email_verified_at: datetime | None = None
    is_active: bool = True
    totp_secret_sealed: str | None = Field(default=None, max_length=200)
    totp_enabled: bool = False
    created_at: datetime
    closed_at: datetime | None = None  # the citizen closed the account: the row is anonymised

    def model_dump(self, *args, **kwargs):  # type: ignore[override]
        """Dump without secrets: the password hash, sealed values and lookup hash never leave the model."""
        exclude = set(kwargs.pop("exclude", None) or ())
        exclude |= {"password_hash", "totp_secret_sealed", "nik_sealed", "nik_lookup"}
        return super().model_dump(*args, exclude=exclude, **kwargs)


class RoleAssignment(SQLModel, table=True):
    """A role held by a user, with its scope (site or regency) where the role has one."""

    __table_args__ = (UniqueConstraint("user_id", "role", "site_id", "regency_code"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: Role = Field(max_length=20)
    site_id: int | None = Field(default=None, foreign_key="mppsite.id")
    regency_code: str | None = Field(default=None, foreign_key="region.code")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    granted_at: datetime
    granted_by: int | None = Field(default=None, foreign_key="user.id")


class UserSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of the cookie's random id is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # absolute expiry
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=300)
    ip_address: str = Field(default="", max_length=64)
    # How the sign-in was authenticated (OpenID Connect ``amr``): "pwd", or "pwd otp" with a second factor.
    amr: str = Field(default="pwd", max_length=20)


class OneTimeToken(SQLModel, table=True):
    """A single-use, expiring secret sent by mail or handed to the browser once."""

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=24, index=True)  # verify_email / reset_password / login
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="usersession.id")
    email: str | None = Field(default=None, max_length=254)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, kept to hold an account or address after repeated failures."""

    __table_args__ = (
        Index("ix_loginattempt_identifier_hash_at", "identifier_hash", "at"),
        Index("ix_loginattempt_ip_at", "ip_address", "at"),
        Index("ix_loginattempt_user_at", "user_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Keyed hash (sealing.lookup_hash) of the normalised NIK or email as typed: never the raw value.
    identifier_hash: str = Field(max_length=64)
    user_id: int | None = None  # the account the identifier names (None: no such account)
    ip_address: str = Field(max_length=64)
    at: datetime
    success: bool


class RecoveryCode(SQLModel, table=True):
    """A single-use recovery code for the TOTP second factor (stored hashed)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class AuditLog(SQLModel, table=True):
    """Who did what, when, from where."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=120)
    ip_address: str = Field(default="", max_length=64)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# --------------------------------------------------------------------------- catalog editing


class SiteClosure(SQLModel, table=True):
    """A date on which a site is closed (besides Sundays and national holidays)."""

    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id", index=True)
    day: date
    reason: str = Field(default="", max_length=200)


class ServiceDraft(SQLModel, table=True):
    """A proposed change to the national catalog: invisible to citizens until published."""

    id: int | None = Field(default=None, primary_key=True)
    service_id: int | None = Field(default=None, foreign_key="service.id", index=True)  # None: a new service
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="draft", max_length=12, index=True)  # draft / published / discarded
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime
    published_by: int | None = Field(default=None, foreign_key="user.id")
    published_at: datetime | None = None


class CatalogVersion(SQLModel, table=True):
    """One row whose number moves whenever the searchable catalog changes (search caches check it)."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0
# ---- single sign-on (OpenID Connect provider)


class OAuthClient(SQLModel, table=True):
    """An agency application that signs citizens in with their MPP Digital account.

    The client secret is shown once when issued and stored only as a hash; a client that
    authenticates with ``private_key_jwt`` has public keys (``jwks``) instead of a secret.
    """

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=120)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    redirect_uris: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    post_logout_redirect_uris: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    token_endpoint_auth_method: str = Field(default="client_secret_basic", max_length=32)
    allowed_scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    jwks: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    secret_hash: str | None = Field(default=None, max_length=200)
    # The regulation that allows this agency to receive the NIK; empty means it may not.
    nik_legal_basis: str = Field(default="", max_length=300)
    is_active: bool = True
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="user.id")
    secret_rotated_at: datetime | None = None
    disabled_at: datetime | None = None


class OAuthConsent(SQLModel, table=True):
    """A citizen's consent that one agency app may receive some of their claims."""

    __table_args__ = (UniqueConstraint("user_id", "client_pk"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    client_pk: int = Field(foreign_key="oauthclient.id", index=True)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    granted_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None


class OAuthAuthorizationCode(SQLModel, table=True):
    """A single-use authorization code (stored hashed), bound to client, redirect URI and PKCE."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, index=True, max_length=64)
    client_pk: int = Field(foreign_key="oauthclient.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    portal_session_id: int | None = Field(default=None, foreign_key="usersession.id")
    redirect_uri: str = Field(max_length=500)
    scope: str = Field(max_length=300)
    nonce: str | None = Field(default=None, max_length=300)
    code_challenge: str = Field(max_length=128)
    code_challenge_method: str = Field(max_length=8)
    auth_time: datetime
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class OAuthToken(SQLModel, table=True):
    """An access token and its refresh token (both stored hashed), one link of a token family.

    A family starts at one authorization code; every refresh adds a link and marks the
    previous one rotated. Presenting a rotated refresh token again revokes the family.
    """

    __table_args__ = (Index("ix_oauthtoken_user_client", "user_id", "client_pk"),)

    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="oauthclient.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    portal_session_id: int | None = Field(default=None, foreign_key="usersession.id")
    family_id: str = Field(index=True, max_length=32)
    code_id: int | None = Field(default=None, foreign_key="oauthauthorizationcode.id", index=True)
    scope: str = Field(max_length=300)
    access_token_hash: str = Field(unique=True, index=True, max_length=64)
    refresh_token_hash: str | None = Field(default=None, unique=True, index=True, max_length=64)
    issued_at: datetime
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None


class OAuthSigningKey(SQLModel, table=True):
    """An RS256 key that signs ID tokens; the private half is encrypted with the secret key.

    The newest key without ``retired_at`` signs; a retired key's public half stays in the
    JWKS until every token it signed has expired (``publish_until``).
    """

    id: int | None = Field(default=None, primary_key=True)
    kid: str = Field(unique=True, index=True, max_length=64)
    alg: str = Field(default="RS256", max_length=8)
    public_jwk: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    private_key_encrypted: str = Field(max_length=8000)
    created_at: datetime
    retired_at: datetime | None = None
    publish_until: datetime | None = None


class OAuthAssertionJti(SQLModel, table=True):
    """A ``jti`` of a client assertion (private_key_jwt), kept until it expires to refuse replays."""

    __table_args__ = (UniqueConstraint("client_pk", "jti"),)

    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="oauthclient.id", index=True)
    jti: str = Field(max_length=200)
    expires_at: datetime = Field(index=True)


class ClaimRelease(SQLModel, table=True):
    """One release of a citizen's claims to an agency app (an ID token or a userinfo answer):
    which app received which claims, and when. Shown under "Data saya" (UU 27/2022: the data
    subject's right to know the recipients)."""

    __table_args__ = (Index("ix_claimrelease_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    client_pk: int = Field(foreign_key="oauthclient.id", index=True)
    at: datetime
    endpoint: str = Field(max_length=12)  # "token" (ID token) / "userinfo"
    claims: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
# ---- queue


class KioskDevice(SQLModel, table=True):
    """A kiosk in an MPP hall, paired by the site's admin with a one-time code.

    The kiosk's browser then holds a long-lived HttpOnly device cookie whose SHA-256 hash is
    ``token_hash``; walk-in tickets and check-ins are served only to a paired, unrevoked kiosk
    of the site. Until it is paired the row holds the pairing code's hash instead.
    """

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id", index=True)
    name: str = Field(max_length=80)
    pairing_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    pairing_expires_at: datetime | None = None
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="user.id")
    paired_at: datetime | None = None
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None


class TicketStatus(StrEnum):
    """Where a queue ticket stands."""

    BOOKED = "booked"  # booked online, not yet checked in at the kiosk
    WAITING = "waiting"  # checked in (or a walk-in ticket): in the line
    CALLED = "called"  # called to a counter
    SERVING = "serving"  # service started at the counter
    DONE = "done"  # served (a service event)
    NO_SHOW = "no_show"  # called three times, never came (a service event)
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # the day ended before the ticket was served


ACTIVE_TICKET_STATUSES = (TicketStatus.BOOKED, TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)


class QueuePolicy(SQLModel, table=True):
    """How a site runs its queue; a row with ``service_id`` overrides the site's row for one service.

    Without any row the defaults below apply (see ``services.queue.Policy``).
    """

    __table_args__ = (UniqueConstraint("site_id", "service_id"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id", index=True)
    service_id: int | None = Field(default=None, foreign_key="service.id")
    slot_minutes: int = Field(default=30, ge=5, le=240)
    minutes_per_ticket: int = Field(default=15, ge=1, le=240)  # service time, sets a slot's capacity
    online_share: int = Field(default=70, ge=0, le=100)  # percent of each slot bookable online
    mobile_share: int = Field(default=10, ge=0, le=100)  # percent kept for the mobile service
    days_ahead: int = Field(default=7, ge=0, le=60)  # online booking opens this many days ahead
    cutoff_minutes: int = Field(default=30, ge=-240, le=1440)  # booking closes this long before the slot
    late_minutes: int = Field(default=15, ge=0, le=240)  # later than this after the slot start: behind walk-ins


class QueueSlot(SQLModel, table=True):
    """One window of one service at one site on one day, with its places per channel.

    ``online_booked < online_capacity`` is enforced by an atomic conditional UPDATE and
    by a CHECK constraint: the database, not Python, refuses a place too many.
    """

    __table_args__ = (
        UniqueConstraint("site_id", "service_id", "day", "start_at"),
        CheckConstraint("online_booked >= 0 AND online_booked <= online_capacity", name="ck_queueslot_online"),
        CheckConstraint("walkin_issued >= 0 AND walkin_issued <= walkin_capacity", name="ck_queueslot_walkin"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id")
    service_id: int = Field(foreign_key="service.id")
    day: date  # the site's local date
    label: str = Field(max_length=5)  # local start "08:00"
    start_at: datetime
    end_at: datetime
    capacity: int = Field(ge=0)
    online_capacity: int = Field(ge=0)
    walkin_capacity: int = Field(ge=0)
    mobile_capacity: int = Field(ge=0)
    online_booked: int = 0
    walkin_issued: int = 0


class QueueDay(SQLModel, table=True):
    """The per-(site, service, day) ticket number counter (incremented atomically)."""

    __table_args__ = (UniqueConstraint("site_id", "service_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id")
    service_id: int = Field(foreign_key="service.id")
    day: date
    last_number: int = 0


class PendingMail(SQLModel, table=True):
    """A mail to send once the transaction that asked for it has committed (an outbox): it is
    written with that transaction, so nothing is lost when the mail server is down, and no
    event waits for mail to be composed and sent. ``services.pending_mail`` sends it."""

    __table_args__ = (Index("ix_pendingmail_due", "sent_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # what to compose: "queue_ticket"
    ref: int  # the row it is about (a ticket id)
    lang: str = Field(default="id", max_length=2)
    created_at: datetime
    due_at: datetime  # the next attempt
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=300)


class QueueSiteVersion(SQLModel, table=True):
    """A change counter per site, bumped by every call, check-in and finish: what live pages poll."""

    site_id: int = Field(foreign_key="mppsite.id", primary_key=True)
    version: int = 0


class QueueTicket(SQLModel, table=True):
    """A place in the queue, from any channel; also the record of the service event.

    ``active`` (1 while active, NULL after) and ``active_place`` (1..3 while active) carry the
    limits in unique constraints: one active ticket per citizen, service and day, and at most
    three active tickets per citizen. NULLs never collide, on SQLite and PostgreSQL alike.
    """

    __table_args__ = (
        UniqueConstraint("site_id", "service_id", "day", "code", name="uq_queueticket_code"),
        UniqueConstraint("citizen_id", "service_id", "day", "active", name="uq_queueticket_one_per_service_day"),
        UniqueConstraint("citizen_id", "active_place", name="uq_queueticket_active_place"),
        CheckConstraint("active_place IS NULL OR (active_place BETWEEN 1 AND 3)", name="ck_queueticket_place"),
        Index("ix_queueticket_site_day_status", "site_id", "day", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="mppsite.id")
    agency_id: int = Field(foreign_key="agency.id")
    service_id: int = Field(foreign_key="service.id")
    slot_id: int | None = Field(default=None, foreign_key="queueslot.id")
    day: date
    # Plain strings, not database enums: other features may define their own enum types.
    channel: Channel = Field(sa_type=String(8))
    number: int
    code: str = Field(max_length=8)  # "A-023"
    pin: str = Field(max_length=4)  # typed with the code at the kiosk
    citizen_id: int | None = Field(default=None, foreign_key="user.id", index=True)  # None: walk-in
    status: TicketStatus = Field(default=TicketStatus.BOOKED, sa_type=String(12))
    active: int | None = 1
    active_place: int | None = None
    slot_start_at: datetime
    slot_end_at: datetime
    expires_at: datetime  # end of the local day
    created_at: datetime
    checked_in_at: datetime | None = None
    late: bool = False
    first_called_at: datetime | None = None
    last_called_at: datetime | None = None
    call_count: int = 0
    counter: str | None = Field(default=None, max_length=12)  # "A1": agency letter + counter number
    transferred_from: str | None = Field(default=None, max_length=12)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None
    wait_seconds: int | None = None  # first call - check-in
    service_seconds: int | None = None  # finish - start
    served_by: int | None = Field(default=None, foreign_key="user.id")
# ---- analytics
#
# ServiceEvent is the fact table: one row per finished transaction (a queue ticket, an
# application), survey answer or complaint step. Dashboards never read it per request; they
# read the additive daily rollups below, which ``services.analytics.record_service_event``
# keeps current and ``services.analytics.rebuild_rollups`` rebuilds in SQL after bulk loads.
#
# Rollup rows are kept at three scopes, so that a regency, a province and the whole country
# each cost one index range scan: ``s<site id>`` (one site), ``p<province code>`` (all sites
# of a province, e.g. ``p33``) and ``n`` (national). ``agency_id = 0`` rows are the total over
# all agencies. Each daily rollup has a monthly twin: a date range reads its whole months from
# the monthly tables and only its partial months from the daily ones.

# Wait-time histogram: bucket i holds waits in [WAIT_BUCKET_EDGES[i], WAIT_BUCKET_EDGES[i+1])
# minutes; the last bucket is open (>= 180 min). Quantiles interpolate inside a bucket.
WAIT_BUCKET_EDGES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 90, 120, 180)


class EventKind(StrEnum):
    """What produced a service event."""

    QUEUE = "queue"  # a queue ticket that ended (served or not)
    APPLICATION = "application"  # an application (online or through mobile service) that ended
    SURVEY = "survey"  # one answer to the satisfaction survey (SKM)
    COMPLAINT = "complaint"  # a complaint opened or closed


class EventOutcome(StrEnum):
    """How a service event ended."""

    SERVED = "served"
    NOT_SERVED = "not_served"  # no-show, cancelled or rejected
    SUBMITTED = "submitted"  # an online application arrived (its arrival; the decision comes later)
    ANSWERED = "answered"  # survey
    OPENED = "opened"  # complaint
    CLOSED = "closed"  # complaint


class ServiceEvent(SQLModel, table=True):
    """One finished transaction, survey answer or complaint step (no personal data).

    ``local_day`` and ``local_hour`` are in the site's own time zone (WIB/WITA/WIT);
    ``quantity`` is 1 for a live transaction and the volume of an imported history row.
    """

    __table_args__ = (
        UniqueConstraint("source", "source_ref", name="uq_serviceevent_source_ref"),
        Index("ix_serviceevent_day_site", "local_day", "site_id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    )
    kind: str = Field(max_length=12)  # EventKind
    outcome: str = Field(max_length=12)  # EventOutcome
    site_id: int = Field(foreign_key="mppsite.id")
    agency_id: int = Field(foreign_key="agency.id")
    service_id: int | None = Field(default=None, foreign_key="service.id")
    channel: str = Field(max_length=8)  # Channel
    occurred_at: datetime
    arrived_at: datetime | None = None
    local_day: date
    local_hour: int | None = Field(default=None, ge=0, le=23)  # None: an imported daily volume
    wait_seconds: int | None = Field(default=None, ge=0)
    service_seconds: int | None = Field(default=None, ge=0)
    sla_met: bool | None = None
    satisfaction: int | None = Field(default=None, ge=25, le=100)  # the respondent's IKM, 25-100
    quantity: int = Field(default=1, ge=1)
    source: str = Field(default="app", max_length=16)  # app / queue / import / generator
    source_ref: str | None = Field(default=None, max_length=64)


class _RollupMeasures(SQLModel):
    """Additive measures shared by the rollups (sums and counts only, so they add up)."""

    served: int = 0
    not_served: int = 0
    wait_n: int = 0
    wait_sum: int = Field(default=0, sa_type=BigInteger)  # seconds
    service_n: int = 0
    service_sum: int = Field(default=0, sa_type=BigInteger)  # seconds
    sla_n: int = 0
    sla_met: int = 0
    survey_n: int = 0
    survey_sum: int = Field(default=0, sa_type=BigInteger)  # sum of respondents' IKM (25-100)
    complaints_opened: int = 0
    complaints_closed: int = 0
    w00: int = 0
    w01: int = 0
    w02: int = 0
    w03: int = 0
    w04: int = 0
    w05: int = 0
    w06: int = 0
    w07: int = 0
    w08: int = 0
    w09: int = 0
    w10: int = 0
    w11: int = 0
    w12: int = 0
    w13: int = 0
    w14: int = 0
    w15: int = 0
    w16: int = 0
    w17: int = 0
    w18: int = 0
    w19: int = 0


class AnalyticsDaily(_RollupMeasures, table=True):
    """Daily rollup per scope, agency (0 = all) and channel: every KPI and the wait histogram."""

    __table_args__ = (
        Index("ix_analyticsdaily_agency_day", "agency_id", "day"),  # every site of a day range (ranking)
        Index("ix_analyticsdaily_scope_day", "scope", "day"),  # every agency of one scope (by agency)
    )

    scope: str = Field(primary_key=True, max_length=12)
    agency_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)  # Channel


class AnalyticsServiceDaily(SQLModel, table=True):
    """Daily services delivered per scope, service and channel (top services)."""

    scope: str = Field(primary_key=True, max_length=12)
    day: date = Field(primary_key=True)
    service_id: int = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)  # Channel
    agency_id: int
    served: int = 0


class AnalyticsHourly(SQLModel, table=True):
    """Arrivals (tickets and submissions, served or not) per scope, local day, hour and channel."""

    scope: str = Field(primary_key=True, max_length=12)
    day: date = Field(primary_key=True)
    hour: int = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)  # Channel
    arrivals: int = 0


class AnalyticsMonthly(_RollupMeasures, table=True):
    """The daily rollup summed per calendar month (``month`` is its first day): long date ranges."""

    __table_args__ = (Index("ix_analyticsmonthly_scope_month", "scope", "month"),)

    scope: str = Field(primary_key=True, max_length=12)
    agency_id: int = Field(primary_key=True)
    month: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)  # Channel


class AnalyticsServiceMonthly(SQLModel, table=True):
    """Services delivered per scope, calendar month, service and channel."""

    scope: str = Field(primary_key=True, max_length=12)
    month: date = Field(primary_key=True)
    service_id: int = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)  # Channel
    agency_id: int
    served: int = 0


class AnalyticsHourlyMonthly(SQLModel, table=True):
    """Arrivals per scope, calendar month, local weekday (0 = Monday), hour and channel."""

    scope: str = Field(primary_key=True, max_length=12)
    month: date = Field(primary_key=True)
    weekday: int = Field(primary_key=True)
    hour: int = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=8)  # Channel
    arrivals: int = 0


class HistoryImport(SQLModel, table=True):
    """One accepted import of historical volumes (a file is accepted whole or not at all)."""

    id: int | None = Field(default=None, primary_key=True)
    file_sha256: str = Field(max_length=64, index=True)
    filename: str = Field(max_length=200)
    rows_total: int
    rows_added: int
    imported_at: datetime
    imported_by: int | None = Field(default=None, foreign_key="user.id")


# --- Online applications (issue 13) ---------------------------------------------------------
# Personal content (form data, documents) is sealed (services/sealing.py) or stored encrypted
# (services/documents); what stays clear is what the back office sorts and filters by.


class ApplicationDraft(SQLModel, table=True):
    """A citizen's unfinished online application, kept server-side so a dropped connection loses nothing.

    Submitting turns the draft into one ``Application`` (``Application.draft_id`` is unique, so a
    double click or a second tab submitting the same draft gets the same application back).
    """

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="user.id", index=True)
    service_id: int = Field(foreign_key="service.id")
    site_id: int | None = Field(default=None, foreign_key="mppsite.id")
    data_sealed: str = Field(default="", max_length=20000)  # sealed JSON of the data-field answers
    documents: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # item key -> StoredDocument.id
    fee_variant: str | None = Field(default=None, max_length=24)
    step: int = 0  # 0 data, 1 documents, 2 review
    created_at: datetime
    updated_at: datetime
    submitted_application_id: int | None = None  # set once submitted; the draft is then read-only


class Application(SQLModel, table=True):
    """One online application (permohonan) for a service at a site, processed by the agency's officers."""

    __table_args__ = (
        Index("ix_application_worklist", "site_id", "agency_id", "open", "due_date"),
        Index("ix_application_citizen", "citizen_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_number: str = Field(unique=True, max_length=24)  # "MPP-3314-2026-000123"
    draft_id: int | None = Field(default=None, unique=True)  # idempotent submit
    citizen_id: int = Field(foreign_key="user.id")
    site_id: int = Field(foreign_key="mppsite.id")
    agency_id: int = Field(foreign_key="agency.id")
    service_id: int = Field(foreign_key="service.id")
    workflow: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # snapshot at submission
    state: str = Field(max_length=24)  # a state of ``workflow``
    open: bool = True  # False once the state is terminal (selesai / ditolak / dibatalkan)
    data_sealed: str = Field(default="", max_length=20000)
    fee_variant: str | None = Field(default=None, max_length=24)
    fee_rupiah: int | None = None  # the fee that applied when submitted (None: decided by a rule at the agency)
    payment_status: str = Field(default="unpaid", max_length=12)  # unpaid / paid / waived / not_needed
    payment_method: str | None = Field(default=None, max_length=24)  # loket / kanal_instansi / ...
    paid_at: datetime | None = None
    submitted_at: datetime
    due_date: date  # the last working day of the jangka waktu, moved on by pauses
    waiting_since: datetime | None = None  # the clock is paused while the citizen fixes it
    paused_working_days: int = 0
    decided_at: datetime | None = None
    deadline_met: bool | None = None  # a fact once decided
    assigned_to: int | None = Field(default=None, foreign_key="user.id")
    version: int = 1  # optimistic concurrency: every action is UPDATE ... WHERE version = :seen
    updated_at: datetime


class ApplicationEvent(SQLModel, table=True):
    """One step of an application's timeline: who did what, when, with which note."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    at: datetime
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")  # None: the system
    actor_kind: str = Field(max_length=12)  # citizen / officer / system
    action: str = Field(max_length=24)  # a workflow action or submit / claim / assign / pay
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str | None = Field(default=None, max_length=24)
    note_sealed: str = Field(default="", max_length=8000)  # an officer's note may name personal facts


class ApplicationCounter(SQLModel, table=True):
    """The running number of tracking numbers per regency and year."""

    regency_digits: str = Field(primary_key=True, max_length=4)  # "3314"
    year: int = Field(primary_key=True)
    last_number: int = 0


class StoredDocument(SQLModel, table=True):
    """One document of a citizen (an upload or an issued output), its bytes encrypted in private storage.

    The file is content-addressed by the SHA-256 of its (cleaned) bytes; the type is sniffed from
    the bytes. Deleting an upload marks ``deleted_at`` and removes the file when no row uses it.
    """

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=24)  # requirement kind (ktp_el, kk, akta, ...) or "output"
    label: str = Field(default="", max_length=120)  # what the citizen called it / the product name
    sha256: str = Field(index=True, max_length=64)
    size: int
    mime: str = Field(max_length=40)  # application/pdf, image/jpeg, image/png
    source: str = Field(default="upload", max_length=8)  # upload / output
    created_at: datetime
    deleted_at: datetime | None = None


class ApplicationDocument(SQLModel, table=True):
    """A document attached to an application for one requirement item."""

    __table_args__ = (UniqueConstraint("application_id", "item_key", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    item_key: str = Field(max_length=40)
    document_id: int = Field(foreign_key="storeddocument.id", index=True)
    attached_at: datetime


class DocumentAccess(SQLModel, table=True):
    """A staff view or download of a citizen's document or application ("siapa yang melihat data saya")."""

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", index=True)  # whose data
    viewer_user_id: int = Field(foreign_key="user.id")
    application_id: int | None = Field(default=None, foreign_key="application.id")
    document_id: int | None = Field(default=None, foreign_key="storeddocument.id")
    action: str = Field(max_length=12)  # view / download
    at: datetime


class IssuedOutput(SQLModel, table=True):
    """A signed output document (the product of a finished application), verifiable at /verifikasi/<code>."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=24)  # the public verification code in the QR
    application_id: int = Field(foreign_key="application.id", index=True)
    document_id: int = Field(foreign_key="storeddocument.id")
    sha256: str = Field(index=True, max_length=64)  # of the signed PDF
    site_id: int = Field(foreign_key="mppsite.id")
    service_id: int = Field(foreign_key="service.id")
    holder_masked: str = Field(max_length=120)  # "B**** S******"
    issued_at: datetime
    issued_by: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = None
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
    revoke_reason: str | None = Field(default=None, max_length=300)


class SigningCertificate(SQLModel, table=True):
    """The demo CA (site_id None) and each site's signing certificate; the key sealed."""

    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, foreign_key="mppsite.id", unique=True)
    subject: str = Field(max_length=300)
    cert_pem: str = Field(max_length=8000)
    key_sealed: str = Field(max_length=12000)
    created_at: datetime
    not_after: datetime


class Notification(SQLModel, table=True):
    """One in-app notice (the bell); the same event also goes out by mail through the outbox."""

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=24)  # submitted / returned / finished / rejected / reminder
    application_id: int | None = Field(default=None, foreign_key="application.id")
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # message params, no personal data
    created_at: datetime
    read_at: datetime | None = None


# ---------------------------------------------------------------- identity assurance (issue 17)


class AssuranceLevel(StrEnum):
    """How sure MPP Digital is of who is behind an account."""

    SELF_DECLARED = "self_declared"  # "dinyatakan sendiri": the NIK and name as typed at registration
    VERIFIED = "verified"  # "terverifikasi": checked against the KTP-el at an MPP counter


class IdentityAssurance(SQLModel, table=True):
    """An account's identity assurance level; no row means self-declared.

    The counter code is a short-lived number the citizen shows an officer (only its hash is
    kept). A suspended account (``suspended_at``) lost its NIK in a dispute.
    """

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    level: str = Field(default=AssuranceLevel.SELF_DECLARED, max_length=16)  # AssuranceLevel
    verified_at: datetime | None = None
    verified_site_id: int | None = Field(default=None, foreign_key="mppsite.id")
    verified_by: int | None = Field(default=None, foreign_key="user.id")
    counter_code_hash: str | None = Field(default=None, max_length=64, index=True)
    counter_code_expires_at: datetime | None = None
    suspended_at: datetime | None = None
    suspended_reason: str | None = Field(default=None, max_length=40)


class IdentityVerification(SQLModel, table=True):
    """One verification at a counter: the officer marked it; the citizen confirms on their own device."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    officer_id: int = Field(foreign_key="user.id")
    site_id: int = Field(foreign_key="mppsite.id")
    dispute_id: int | None = Field(default=None, foreign_key="nikdispute.id")
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None = None


class NikDispute(SQLModel, table=True):
    """A claim that a registered NIK belongs to someone else (the claimant); resolved at a counter."""

    __table_args__ = (Index("ix_nikdispute_lookup_status", "nik_lookup", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    nik_lookup: str = Field(max_length=64)  # keyed hash of the disputed NIK (services/sealing.py)
    nik_sealed: str = Field(max_length=200)  # the NIK itself, sealed: it moves to the claimant
    claimant_id: int = Field(foreign_key="user.id", index=True)
    holder_id: int | None = Field(default=None, foreign_key="user.id")  # the account that held the NIK
    status: str = Field(default="open", max_length=12)  # open / resolved / withdrawn (the claimant closed the account)
    opened_at: datetime
    resolved_at: datetime | None = None
    resolved_by: int | None = Field(default=None, foreign_key="user.id")
    resolved_site_id: int | None = Field(default=None, foreign_key="mppsite.id")


# --- SKM survey (issue 14: Survei Kepuasan Masyarakat, PermenPANRB 14/2017) ------------------
# A response carries no identity: the visit it answers (a served ticket or a finished
# application) is kept only as a keyed hash (``visit_key``, HMAC under the app's secret), which
# is what makes "once per visit" hold without a link back to the citizen. The time is kept as the
# local day only; the free-text saran is sealed at rest.

SKM_UNSUR_COUNT = 9


class SurveyResponse(SQLModel, table=True):
    """One answered SKM questionnaire: nine scores 1-4, an optional respondent profile and saran."""

    __table_args__ = (
        UniqueConstraint("visit_key", name="uq_surveyresponse_visit"),
        Index("ix_surveyresponse_unit_day", "site_id", "agency_id", "local_day"),
        *(CheckConstraint(f"u{i} BETWEEN 1 AND 4", name=f"ck_surveyresponse_u{i}")
          for i in range(1, SKM_UNSUR_COUNT + 1)),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_key: str = Field(max_length=64)  # HMAC of "ticket:<id>" / "application:<id>": once per visit
    visit_kind: str = Field(max_length=12)  # ticket / application
    site_id: int = Field(foreign_key="mppsite.id")
    agency_id: int = Field(foreign_key="agency.id")  # with the site: the service unit
    service_id: int = Field(foreign_key="service.id")
    channel: str = Field(max_length=8)  # Channel
    local_day: date  # the period: the site's local date of the answer
    u1: int  # persyaratan
    u2: int  # sistem, mekanisme dan prosedur
    u3: int  # waktu penyelesaian
    u4: int  # biaya/tarif
    u5: int  # produk spesifikasi jenis pelayanan
    u6: int  # kompetensi pelaksana
    u7: int  # perilaku pelaksana
    u8: int  # penanganan pengaduan, saran dan masukan
    u9: int  # sarana dan prasarana
    sex: str | None = Field(default=None, max_length=1)  # L / P
    age_band: str | None = Field(default=None, max_length=8)
    education: str | None = Field(default=None, max_length=8)
    occupation: str | None = Field(default=None, max_length=12)
    saran_sealed: str | None = Field(default=None, max_length=4000)  # sealed (services/sealing.py)
    source: str = Field(default="app", max_length=16)  # app / generator


class SurveyMonthly(SQLModel, table=True):
    """Sums per service unit (site, agency) and calendar month, kept with every answer: IKM of any
    period and scope is a sum of these rows (NRR per unsur = s_i / n)."""

    site_id: int = Field(primary_key=True)
    agency_id: int = Field(primary_key=True)
    month: date = Field(primary_key=True)  # first day of the month
    n: int = 0
    s1: int = 0
    s2: int = 0
    s3: int = 0
    s4: int = 0
    s5: int = 0
    s6: int = 0
    s7: int = 0
    s8: int = 0
    s9: int = 0
    straight: int = 0  # responses with all nine answers the same
# --- Complaints (pengaduan, issue 14) ---------------------------------------------------------
# As SP4N-LAPOR! does them: a tracking number, a status timeline with deadlines in working days,
# the "anonim" (the agency never sees who filed it) and "rahasia" (never public) options. The
# description and every note are sealed (services/sealing.py); what stays clear is what the back
# office sorts and filters by, and what the public statistics count.


# What a complaint may be about, and its categories (the values; labels are message keys).
COMPLAINT_SUBJECTS = ("service", "site", "ticket", "application")
COMPLAINT_CATEGORIES = ("lambat", "biaya", "perilaku", "persyaratan", "sarana", "informasi", "lainnya")


class ComplaintStatus(StrEnum):
    """Where a complaint stands (the LAPOR! statuses)."""

    RECEIVED = "diterima"  # filed; the site admin forwards it to the agency within 3 working days
    FORWARDED = "diteruskan"  # with the agency; its answer is due within 5 working days
    ANSWERED = "ditindaklanjuti"  # answered; the citizen accepts or reopens within 10 working days
    CLOSED = "selesai"


class Complaint(SQLModel, table=True):
    """One complaint of a citizen about a service, a site, their ticket or their application."""

    __table_args__ = (
        Index("ix_complaint_worklist", "site_id", "status", "due_date"),
        Index("ix_complaint_citizen", "citizen_id", "filed_at"),
        Index("ix_complaint_filed_day", "filed_day"),
        Index("ix_complaint_closed_day", "closed_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_number: str = Field(unique=True, max_length=24)  # "ADU-3314-2026-000123"
    citizen_id: int = Field(foreign_key="user.id")
    site_id: int = Field(foreign_key="mppsite.id")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")  # None: about the site itself
    service_id: int | None = Field(default=None, foreign_key="service.id")
    ticket_id: int | None = Field(default=None, foreign_key="queueticket.id")
    application_id: int | None = Field(default=None, foreign_key="application.id")
    subject_kind: str = Field(max_length=12)  # service / site / ticket / application
    category: str = Field(max_length=24)  # services/complaints.CATEGORIES
    description_sealed: str = Field(max_length=12000)
    anonymous: bool = False  # anonim: the agency never sees who filed it
    confidential: bool = False  # rahasia: the content is never public
    status: str = Field(default=ComplaintStatus.RECEIVED.value, max_length=16)  # ComplaintStatus
    filed_at: datetime
    filed_day: date  # the site's local date of filing
    due_date: date | None = None  # the deadline of the current step (None once closed)
    forwarded_at: datetime | None = None
    answered_at: datetime | None = None  # the agency's latest answer
    first_answered_at: datetime | None = None
    closed_at: datetime | None = None
    closed_day: date | None = None  # the site's local date of closing (the statistics count by it)
    closed_by: str | None = Field(default=None, max_length=12)  # citizen / system
    reopen_count: int = 0
    escalated_step: str | None = Field(default=None, max_length=16)  # the overdue status last escalated
    source: str = Field(default="app", max_length=16)  # app / generator (synthetic)
    version: int = 1  # optimistic concurrency: every action is UPDATE ... WHERE version = :seen
    updated_at: datetime


class ComplaintEvent(SQLModel, table=True):
    """One step of a complaint's timeline: who did what, when, with which (sealed) note."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")  # None: the system
    actor_kind: str = Field(max_length=12)  # citizen / officer / site_admin / system
    action: str = Field(max_length=16)  # file / forward / answer / accept / reopen / auto_close / escalate
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    note_sealed: str = Field(default="", max_length=12000)


class ComplaintAttachment(SQLModel, table=True):
    """A private document (StoredDocument of the complainant) attached to a complaint."""

    __table_args__ = (UniqueConstraint("complaint_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    document_id: int = Field(foreign_key="storeddocument.id")
    attached_at: datetime


class ComplaintCounter(SQLModel, table=True):
    """The running number of complaint tracking numbers per regency and year."""

    regency_digits: str = Field(primary_key=True, max_length=4)
    year: int = Field(primary_key=True)
    last_number: int = 0
