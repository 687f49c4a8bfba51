"""Route constants and URL builders: the one place that names every path."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

HOME = "/"
REGISTER = "/daftar"
LOGIN = "/masuk"
PROFILE = "/profil"
VERIFY_EMAIL = "/verifikasi"
FORGOT_PASSWORD = "/lupa-sandi"
RESET_PASSWORD = "/atur-sandi"
OUTBOX = "/kotak-surat"
ADMIN_ROLES = "/admin/peran"
CATALOG = "/layanan"
SERVICE_PAGE = "/layanan/[slug]"
SITES = "/mpp"
SITE_PAGE = "/mpp/[slug]"
LIFE_EVENTS = "/peristiwa-hidup"
SITE_ADMIN = "/admin/mpp"
CATALOG_ADMIN = "/admin/katalog"
SSO_CONSENT = "/izin-aplikasi"  # the consent page of single sign-on
ADMIN_CLIENTS = "/admin/aplikasi"  # the registry of agency apps
QUEUE_BOOK = "/antrian"
QUEUE_MINE = "/antrian/saya"
QUEUE_TICKET = "/antrian/tiket/[ticket_id]"
QUEUE_BOARD = "/antrian/papan/[board_site]"
KIOSK = "/kiosk/[kiosk_site]"
COUNTER = "/petugas/loket"
DASHBOARD_REGIONAL = "/dasbor/daerah"
DASHBOARD_NATIONAL = "/dasbor/nasional"
PRIVACY = "/privasi"  # the privacy notice (UU 27/2022)
# ---- identity assurance (issue 17)
IDENTITY_HELP = "/verifikasi-identitas"  # what the levels mean and how to get verified
IDENTITY_COUNTER = "/petugas/verifikasi"  # an officer verifies a citizen against the KTP-el
NIK_DISPUTE = "/sengketa-nik"  # the real owner of a registered NIK claims it
TWO_FACTOR_REQUIRED = PROFILE + "?dua-langkah=wajib"  # a staff session without TOTP is sent here
# ---- online applications, citizen side (APPS)
APPLICATIONS = "/permohonan"  # "Permohonan saya"
APPLICATION_NEW = "/permohonan/baru/[layanan]"  # the online form of a service
APPLICATION_PAGE = "/permohonan/[nomor]"  # one application: timeline, deadline, fix, download
NOTIFICATIONS = "/notifikasi"
# ---- OFFICE (issue 13): the back office of online applications
OFFICE_APPLICATIONS = "/petugas/permohonan"  # the work list
OFFICE_CASE = "/petugas/permohonan/[berkas]"  # one application (berkas: its tracking number)
# ---- DOCS (issue 13): documents and signed outputs
MY_DOCUMENTS = "/dokumen"  # "Dokumen saya": uploads and issued outputs
VERIFY_OUTPUT = "/verifikasi/[kode]"  # public: is this output genuine (the QR code's URL)
# ---- SKM survey (issue 14)
SURVEY = "/survei/[survey_ref]"  # the SKM questionnaire of one served visit (t<ticket> / a<application>)
# ---- VOICE (issue 14)
COMPLAINTS = "/pengaduan"  # file a complaint, my complaints (?no=<id> opens one)
COMPLAINT_OFFICE = "/petugas/pengaduan"  # the back office of complaints

# Open data (Starlette, same origin): aggregated statistics only, JSON or CSV.
API_V1 = "/api/v1"

# Backend HTTP routes (Starlette, same origin): the only places that set or clear the cookie.
AUTH_SESSION = "/auth/sesi"
AUTH_SIGN_OUT = "/auth/keluar"
# "Data saya": everything held about the signed-in account, by its own session cookie.
MY_DATA_JSON = "/akun/data-saya.json"
MY_DATA_PDF = "/akun/data-saya.pdf"
# One stored document, by the session cookie's own access rule (services/documents.read_for).
DOCUMENT_FILE = "/akun/dokumen/{document_id:int}"
# "Laporan hasil SKM" of one service unit and period (ministry; regional head: own regency).
SKM_REPORT_PDF = "/laporan/skm.pdf"
SKM_REPORT_CSV = "/laporan/skm.csv"

SESSION_COOKIE = "mpp_session"  # under https: "__Host-mpp_session" (session_cookie_name)
KIOSK_PAIR = "/auth/kios"  # exchanges a kiosk's one-time pairing code for its device cookie
KIOSK_COOKIE = "mpp_kiosk"

# OpenID Connect provider (Starlette, mpp_digital/sso_routes.py).
OIDC_DISCOVERY = "/.well-known/openid-configuration"
OAUTH_AUTHORIZE = "/oauth/authorize"
OAUTH_TOKEN = "/oauth/token"
OAUTH_USERINFO = "/oauth/userinfo"
OAUTH_JWKS = "/oauth/jwks"
OAUTH_REVOKE = "/oauth/revoke"
OAUTH_END_SESSION = "/oauth/logout"
CONSENT_DENIED_PARAM = "mpp_consent"  # the consent page sends "deny" back to the authorization endpoint

# Operations (Starlette, mpp_digital/ops_routes.py): liveness, readiness, Prometheus metrics.
HEALTHZ = "/healthz"
READYZ = "/readyz"
METRICS = "/metrics"


def host_cookie_name(name: str, *, secure: bool) -> str:
    """A cookie's name: under https with the ``__Host-`` prefix, which browsers accept only with
    Secure, Path=/ and no Domain (so no subdomain or plain-http page can plant one)."""
    return f"__Host-{name}" if secure else name


def session_cookie_name(*, secure: bool) -> str:
    """The session cookie's name (``__Host-`` prefixed under https)."""
    return host_cookie_name(SESSION_COOKIE, secure=secure)


def verify_email_url(token: str) -> str:
    """Link in the verification mail."""
    return f"{VERIFY_EMAIL}?token={quote(token)}"


def reset_password_url(token: str) -> str:
    """Link in the password-reset mail."""
    return f"{RESET_PASSWORD}?token={quote(token)}"


def service_url(slug: str) -> str:
    """A service's page."""
    return f"{CATALOG}/{quote(slug)}"


def site_url(slug: str) -> str:
    """An MPP site's page."""
    return f"{SITES}/{quote(slug)}"


def session_start_url(ticket: str, next_path: str = PROFILE) -> str:
    """Where the browser goes after a correct sign-in to receive its session cookie."""
    return f"{AUTH_SESSION}?ticket={quote(ticket)}&next={quote(safe_next(next_path))}"


def ticket_url(ticket_id: int) -> str:
    """A citizen's ticket page."""
    return f"/antrian/tiket/{ticket_id}"


def booking_url(site_slug: str = "", service_slug: str = "") -> str:
    """The booking page with a site and service chosen (the catalog's service pages link here)."""
    query = "&".join(f"{k}={quote(v)}" for k, v in (("site", site_slug), ("layanan", service_slug)) if v)
    return QUEUE_BOOK + (f"?{query}" if query else "")


def reschedule_url(ticket_id: int) -> str:
    """The booking page moving an existing ticket to another slot."""
    return f"{QUEUE_BOOK}?ubah={ticket_id}"


def board_url(site_slug: str) -> str:
    """The live queue board of a site (for the hall's TV)."""
    return f"/antrian/papan/{quote(site_slug)}"


def kiosk_url(site_slug: str) -> str:
    """The kiosk of a site."""
    return f"/kiosk/{quote(site_slug)}"


def kiosk_pair_url(site_slug: str, code: str) -> str:
    """Where a kiosk's browser goes to receive its device cookie for a pairing code."""
    return f"{KIOSK_PAIR}?site={quote(site_slug)}&code={quote(code)}"


def application_url(tracking_number: str) -> str:
    """One application's page (citizen side)."""
    return f"/permohonan/{quote(tracking_number)}"


def new_application_url(service_slug: str, site_slug: str = "") -> str:
    """The online form of a service, optionally at a chosen MPP."""
    return f"/permohonan/baru/{quote(service_slug)}" + (f"?mpp={quote(site_slug)}" if site_slug else "")
def office_case_url(tracking_number: str) -> str:
    """/petugas/permohonan/<tracking number>: one application in the back office."""
    return OFFICE_CASE.replace("[berkas]", quote(tracking_number, safe=""))


# ---- SKM survey (issue 14)
def survey_url(survey_ref: str) -> str:
    """The SKM questionnaire of one served visit (``t<ticket id>`` or ``a<application id>``)."""
    return f"/survei/{quote(survey_ref)}"


def skm_report_url(unit: str, period: str, fmt: str = "pdf", lang: str = "id") -> str:
    """The SKM report of a unit (``<site id>-<agency id>``) and period, as PDF or CSV."""
    base = SKM_REPORT_PDF if fmt == "pdf" else SKM_REPORT_CSV
    return f"{base}?unit={quote(unit)}&periode={quote(period)}&lang={quote(lang)}"


def safe_next(path: str | None) -> str:
    """Only same-site absolute paths may be redirect targets (no //host, no scheme)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return PROFILE
    return path


@dataclass(frozen=True)
class PageRoute:
    """A page of the app: its path and its title key."""

    path: str
    title_key: str


PAGES: tuple[PageRoute, ...] = (
    PageRoute(HOME, "page.home"),
    PageRoute(REGISTER, "page.register"),
    PageRoute(LOGIN, "page.login"),
    PageRoute(PROFILE, "page.profile"),
    PageRoute(VERIFY_EMAIL, "page.verify"),
    PageRoute(FORGOT_PASSWORD, "page.forgot"),
    PageRoute(RESET_PASSWORD, "page.reset"),
    PageRoute(OUTBOX, "page.outbox"),
    PageRoute(ADMIN_ROLES, "page.admin_roles"),
    PageRoute(CATALOG, "page.catalog"),
    PageRoute(SERVICE_PAGE, "page.service"),
    PageRoute(SITES, "page.sites"),
    PageRoute(SITE_PAGE, "page.site"),
    PageRoute(LIFE_EVENTS, "page.life_events"),
    PageRoute(SITE_ADMIN, "page.site_admin"),
    PageRoute(CATALOG_ADMIN, "page.catalog_admin"),
    PageRoute(SSO_CONSENT, "page.sso_consent"),
    PageRoute(ADMIN_CLIENTS, "page.admin_clients"),
    PageRoute(QUEUE_BOOK, "page.queue_book"),
    PageRoute(QUEUE_MINE, "page.queue_mine"),
    PageRoute(QUEUE_TICKET, "page.queue_ticket"),
    PageRoute(QUEUE_BOARD, "page.queue_board"),
    PageRoute(KIOSK, "page.kiosk"),
    PageRoute(COUNTER, "page.counter"),
    PageRoute(DASHBOARD_REGIONAL, "page.dashboard_regional"),
    PageRoute(DASHBOARD_NATIONAL, "page.dashboard_national"),
    PageRoute(PRIVACY, "page.privacy"),
    PageRoute(IDENTITY_HELP, "page.identity_help"),
    PageRoute(IDENTITY_COUNTER, "page.identity_counter"),
    PageRoute(NIK_DISPUTE, "page.nik_dispute"),
    # ---- online applications, citizen side (APPS)
    PageRoute(APPLICATIONS, "page.applications"),
    PageRoute(APPLICATION_NEW, "page.application_new"),
    PageRoute(APPLICATION_PAGE, "page.application"),
    PageRoute(NOTIFICATIONS, "page.notifications"),
    PageRoute(OFFICE_APPLICATIONS, "page.office_applications"),
    PageRoute(OFFICE_CASE, "page.office_case"),
    # ---- DOCS (issue 13)
    PageRoute(MY_DOCUMENTS, "page.my_documents"),
    PageRoute(VERIFY_OUTPUT, "page.verify_output"),
    PageRoute(SURVEY, "page.survey"),
    # ---- VOICE (issue 14)
    PageRoute(COMPLAINTS, "page.complaints"),
    PageRoute(COMPLAINT_OFFICE, "page.complaint_office"),
)


# ---- DOCS (issue 13)
def document_file_url(document_id: int, *, download: bool = False) -> str:
    """The backend route serving one document (inline, or as a download)."""
    return f"/akun/dokumen/{int(document_id)}" + ("?unduh=1" if download else "")


def verification_url(code: str) -> str:
    """The public verification page of an output (what its QR code points to)."""
    return f"{VERIFY_EMAIL}/{quote(code, safe='')}"


def complaint_url(complaint_id: int) -> str:
    """One of my complaints on /pengaduan."""
    return f"{COMPLAINTS}?no={complaint_id}"
