"""Every guarded event handler × every role × no session / a foreign client token.

The server trusts only the HttpOnly session cookie in the websocket handshake headers. These
tests call the real handlers (``EventHandler.fn``, as Reflex's event processor does) on a
real state tree, with the cookie header of a real session of one user per role, and check:

* who may run each handler (its roles; empty = any signed-in user; superadmin everywhere),
* that nobody else gets in: no cookie, a garbage cookie, or another user's client token
  (with that user's data already in the token's state) is sent to /masuk, a wrong role gets
  the "not allowed" toast, and in both cases the handler's state is wiped,
* that every handler of the account/admin/nav states is guarded (a new unguarded handler
  fails here), and that the guarded function is the one Reflex actually dispatches,
* that a revoked, expired or idle session sees nothing.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import typing
from datetime import timedelta

import plotly.graph_objects as go
import pytest
from reflex_base.event import EventSpec
from sqlmodel import Session

import state.session as guard
from mpp_digital import routes
from mpp_digital.clock import utcnow
from mpp_digital.i18n import t
from mpp_digital.models import Role, UserSession
from mpp_digital.services.authz import STAFF_ROLES
from state.uploads import serving_upload
from tests.loops import run_on_own_loop
from tests.state.conftest import (
    Account,
    call,
    connect,
    import_state_modules,
    make_tree,
    session_alive,
    start_session,
    substate,
)

import_state_modules()

from state.admin import RolesAdminState  # noqa: E402
from state.nav import NavState  # noqa: E402
from state.profile import ProfileState  # noqa: E402

# Modules whose every event handler must be guarded, and the few that are public on purpose.
GUARDED_MODULES = ("state.profile", "state.admin", "state.nav", "state.catalog_admin", "state.sso",
                   "state.sso_admin", "state.queue", "state.kiosk", "state.kiosk_admin", "state.counter", "state.board",
                   "state.dashboard", "state.analytics_admin", "state.my_data", "state.applications",
                   "state.office", "state.documents", "state.verification", "state.identity", "state.skm",
                   "state.complaints")
PUBLIC_HANDLERS = {
    "state.nav.NavState.refresh",  # shows the signed-in name or nothing; resolves the cookie itself
    # live loops: read only a site's change counter, then run the guarded refresh (or, for the
    # board, reload the public board)
    "state.queue.TicketState.watch",
    "state.counter.CounterState.watch",
    "state.board.BoardState.watch",
    # the hall's TV: ticket codes, counters and service names only (tests/state/test_queue_states.py)
    "state.board.BoardState.load",
    # the kiosk, a hall device without a person: check-in and walk-in are served only to a kiosk
    # paired by the site's admin, resolved from the device cookie of the connection (with a rate
    # per device; tests/state/test_kiosk_devices.py); pair only navigates to /auth/kios; it shows
    # codes, services and times, never a person
    "state.kiosk.KioskState.load",
    "state.kiosk.KioskState.pair",
    "state.kiosk.KioskState.check_in",
    "state.kiosk.KioskState.walk_in",
    "state.kiosk.KioskState.clear",
    # /verifikasi/[kode]: anyone checks an issued output by its code (the QR code's page); the
    # view holds the holder's masked name only; the dropped PDF is compared by SHA-256 and not
    # kept (a public upload handler: state/uploads.py serves it without a session; it acts for
    # nobody). tests/state/test_document_states.py
    "state.verification.OutputVerificationState.load",
    "state.verification.OutputVerificationState.go",
    "state.verification.OutputVerificationState.check_file",
}
# Guarded handlers whose denied call may leave the state as it was (none).
KEEPS_STATE_ON_DENY: set[str] = set()

HANDLERS = sorted(guard.PROTECTED_HANDLERS)
ROLES = [role.value for role in Role]
ANONYMOUS = ["no_cookie", "garbage_cookie", "foreign_token_no_cookie", "foreign_token_garbage_cookie"]
GARBAGE = f"{routes.SESSION_COOKIE}=not-a-real-session-0123456789abcdef"


# --------------------------------------------------------------------------- helpers


def resolve(key: str):
    """The state class, handler name and EventHandler of a PROTECTED_HANDLERS key."""
    module, cls_name, name = key.rsplit(".", 2)
    cls = getattr(importlib.import_module(module), cls_name)
    return cls, name, getattr(cls, name)


def as_list(result) -> list:
    if result is None:
        return []
    return list(result) if isinstance(result, list | tuple) else [result]


def login_redirect(result) -> str | None:
    """The /masuk URL a handler result redirects to, if it does."""
    for spec in as_list(result):
        if isinstance(spec, EventSpec) and spec.handler.fn.__qualname__ == "_redirect":
            path = {k._js_expr: v._var_value for k, v in spec.args}["path"]
            if str(path).startswith(routes.LOGIN):
                return str(path)
    return None


def error_toasts(result) -> list[str]:
    """The JavaScript of every rx.toast.error in a handler result."""
    found = []
    for spec in as_list(result):
        if isinstance(spec, EventSpec) and spec.handler.fn.__qualname__ == "_call_function":
            js = spec.args[0][1]._js_expr
            if '["error"]' in js:
                found.append(js)
    return found


def is_not_allowed_toast(result) -> bool:
    texts = {t("error.not_allowed", lang) for lang in ("id", "en")}
    return any(any(txt in js for txt in texts) for js in error_toasts(result))


def own_fields(cls) -> dict:
    """The state's own vars (not inherited router data) with their fields."""
    return {name: f for name, f in cls.get_fields().items()
            if f._owner is cls and not name.startswith("rx_router") and name != "router_data"}


def fill_with_secrets(state_obj) -> None:
    """Put a previous user's "personal data" into every var of a state."""
    for name, f in own_fields(type(state_obj)).items():
        default = f.default_value()
        if isinstance(default, bool):
            value = not default
        elif isinstance(default, int):
            value = default + 7
        elif isinstance(default, str):
            value = f"SECRET {name}"
        elif isinstance(default, list):
            item_type = (typing.get_args(f.outer_type_) or (str,))[0]
            if dataclasses.is_dataclass(item_type):
                value = [item_type(**{fl.name: _secret_value(fl.type) for fl in dataclasses.fields(item_type)})]
            else:
                value = [{"email": "SECRET"}] if "dict" in str(f.outer_type_) else ["SECRET"]
        elif isinstance(default, dict):
            value = {"SECRET": "SECRET"}
        elif isinstance(default, go.Figure):
            value = go.Figure(layout={"title": {"text": "SECRET"}})
        else:  # pragma: no cover - a new var type: extend this helper
            pytest.fail(f"cannot fill {type(state_obj).__name__}.{name} of type {f.outer_type_}")
        setattr(state_obj, name, value)


def _secret_value(type_name):
    """A placeholder of a dataclass field's type (annotations may be strings)."""
    name = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if name == "int":
        return 7
    if name == "bool":
        return True
    if name.startswith("list"):
        return ["SECRET"]
    return "SECRET"


# Arguments by parameter name: ids of things that do not exist or are not the caller's.
HARMLESS_ARGS = {
    "draft_id": 999_999, "closure_id": 999_999, "channel": "online", "on": True, "name": "agency", "page": 1,
    "device_id": 999_999, "document_id": 999_999,
    "index": 999_999, "delta": 1,  # requirement items in the catalog editor: no such row
}


def scoped_by_argument(key: str) -> bool:
    """Whether the handler takes a scope (site id, regency code) from the browser, checked against the grant."""
    params = inspect.signature(inspect.unwrap(resolve(key)[2].fn)).parameters
    return "site_id" in params or "code" in params  # a site, or a regency code, from the browser


def assert_wiped(state_obj) -> None:
    """Every var of the state is back at its default (no personal data left)."""
    left = {name: getattr(state_obj, name) for name, f in own_fields(type(state_obj)).items()
            if getattr(state_obj, name) != f.default_value()}
    assert not left, f"{type(state_obj).__name__} still holds {left}"


def handler_args(key: str, victim: Account) -> tuple:
    """Plausible, harmless arguments for a handler, from its signature."""
    inner = inspect.unwrap(resolve(key)[2].fn)
    hints = typing.get_type_hints(inner)
    args = []
    for name in list(inspect.signature(inner).parameters)[1:]:
        if name == "session_id":  # someone else's session: must never be revoked
            args.append(str(victim.session_id))
        elif name == "client_id":  # an agency app that does not exist: acts on nothing
            args.append("mpp-no-such-client")
        elif name in ("ticket_id", "slot_id", "site_id", "service_id"):  # ids that do not exist
            args.append("0")
        elif name in ("slug", "value", "code"):
            args.append("harmless")
        elif typing.get_origin(hints.get(name)) is dict or hints.get(name) is dict:
            args.append({})
        elif name in HARMLESS_ARGS:
            args.append(HARMLESS_ARGS[name])
        elif typing.get_origin(hints.get(name)) is list:  # e.g. uploaded files
            args.append([])
        elif hints.get(name) is bool:
            args.append(False)
        elif hints.get(name) is str or str in typing.get_args(hints.get(name)):  # "" = the default choice
            args.append("")
        else:
            pytest.fail(f"{key}: add harmless test arguments for parameter {name!r}")
    return tuple(args)


def needs_verification(key: str) -> bool:
    """Whether the handler was guarded with ``verified=True``."""
    return bool(getattr(resolve(key)[2].fn, "__mpp_verified__", False))


def account_verified(engine, account: Account) -> bool:
    from mpp_digital.models import User

    with Session(engine) as db:
        return db.get(User, account.user_id).email_verified_at is not None


def role_admits(roles: tuple[Role, ...], who: str) -> bool:
    """The rule under test: empty = any signed-in user; superadmin is admitted everywhere."""
    return not roles or who == Role.SUPERADMIN.value or Role(who) in roles


class PrincipalSpy:
    """Stands in for the guard's context variable, recording who each handler body ran as."""

    def __init__(self, real) -> None:
        self.real = real
        self.entered: list = []

    def set(self, value):
        self.entered.append(value)
        return self.real.set(value)

    def get(self, *default):
        return self.real.get(*default)

    def reset(self, token) -> None:
        self.real.reset(token)


@pytest.fixture()
def spy(monkeypatch: pytest.MonkeyPatch) -> PrincipalSpy:
    recorder = PrincipalSpy(guard._PRINCIPAL)
    monkeypatch.setattr(guard, "_PRINCIPAL", recorder)
    return recorder


def ensure_session(engine, account: Account) -> Account:
    """A session that still resolves (a previous case may have signed this user out)."""
    if not session_alive(engine, account):
        start_session(engine, account)
    return account


def loaded_tree(account: Account):
    """A state tree in which ``account`` has opened /profil and /admin/peran."""
    root = make_tree(cookie=account.cookie_header, client_token=account.client_token)
    call(NavState.refresh, substate(root, NavState))
    call(ProfileState.load, substate(root, ProfileState))
    call(RolesAdminState.load, substate(root, RolesAdminState))
    return root


# --------------------------------------------------------------------------- the matrix


def test_there_are_guarded_handlers():
    assert {"state.profile.ProfileState.load", "state.admin.RolesAdminState.load"} <= set(HANDLERS)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("key", HANDLERS)
def test_role_matrix(key: str, who: str, accounts_by_role: dict[str, Account], engine, spy):
    cls, _, handler = resolve(key)
    roles = guard.PROTECTED_HANDLERS[key]
    account = ensure_session(engine, accounts_by_role[who])
    victim = ensure_session(engine, accounts_by_role["victim"])

    root = make_tree(cookie=account.cookie_header, client_token=account.client_token)
    target = substate(root, cls)
    fill_with_secrets(target)
    if key in guard.UPLOAD_HANDLERS:  # POST /_upload with this account's cookie (state/uploads.py)
        with serving_upload(account.client_token, principal_of(engine, account)):
            result = call(handler, target, *handler_args(key, victim))
    else:
        result = call(handler, target, *handler_args(key, victim))

    assert login_redirect(result) is None, f"{who} with a valid session was sent to /masuk"
    if role_admits(roles, who) and needs_verification(key) and not account_verified(engine, account):
        # e.g. booking: the right role, but an unverified email is refused with its own message
        assert any(t("auth.unverified", "id") in js for js in error_toasts(result)), key
        assert spy.entered == [], f"the body of {key} ran for an unverified {who}"
    elif role_admits(roles, who):
        # A handler given another site's id (HARMLESS_ARGS) is refused by its scope check: that
        # toast is right; elsewhere an admitted role must not see it.
        if not scoped_by_argument(key):
            assert not is_not_allowed_toast(result), f"{who} should be allowed to run {key}"
        assert [p.user_id for p in spy.entered] == [account.user_id], "ran as someone else"
    else:
        assert is_not_allowed_toast(result), f"{who} must get the not-allowed toast from {key}"
        assert spy.entered == [], f"the body of {key} ran for {who}"
        if key not in KEEPS_STATE_ON_DENY:
            assert_wiped(target)
    assert session_alive(engine, victim), f"{key} as {who} ended another user's session"


@pytest.mark.parametrize("who", ANONYMOUS)
@pytest.mark.parametrize("key", HANDLERS)
def test_without_a_session(key: str, who: str, accounts_by_role: dict[str, Account], engine, spy):
    cls, _, handler = resolve(key)
    victim = ensure_session(engine, accounts_by_role["victim"])
    owner = ensure_session(engine, accounts_by_role[Role.SUPERADMIN.value])
    cookie = GARBAGE if who.endswith("garbage_cookie") else None

    if who.startswith("foreign_token"):
        # The superadmin's tab has loaded everything; a new websocket presents that same
        # client token, without the session cookie. The token must not identify anyone.
        root = loaded_tree(owner)
        assert substate(root, ProfileState).email == owner.email
        assert substate(root, RolesAdminState).users
        connect(root, cookie=cookie, client_token=owner.client_token, client_ip="203.0.113.7")
        target = substate(root, cls)
        spy.entered.clear()
    else:
        root = make_tree(cookie=cookie, client_token="fresh-" + who)
        target = substate(root, cls)
        fill_with_secrets(target)

    result = call(handler, target, *handler_args(key, victim))

    assert login_redirect(result), f"{key} without a session must redirect to /masuk, got {result!r}"
    assert spy.entered == [], f"the body of {key} ran without a session"
    if key not in KEEPS_STATE_ON_DENY:
        assert_wiped(target)
    assert session_alive(engine, victim)
    assert session_alive(engine, owner), "the token's owner was signed out by someone without a cookie"


def principal_of(engine, account: Account):
    """The principal of an account's live session, as the server resolves it."""
    from mpp_digital.services import accounts

    with Session(engine, expire_on_commit=False) as db:
        who = accounts.resolve_session(session=db, raw=account.cookie_value, now=utcnow())
        db.commit()
    assert who is not None
    return who


@pytest.mark.parametrize("key", sorted(guard.UPLOAD_HANDLERS))
def test_an_upload_acts_only_as_the_upload_requests_own_cookie(key, accounts_by_role, engine, spy):
    """Issue 11: POST /_upload with a ministry tab's client token and no cookie ran the history
    import as the ministry (the principal came from the headers stored with the tab). An upload
    handler takes its principal from the upload request being served, never from the tab."""
    cls, _, handler = resolve(key)
    roles = guard.PROTECTED_HANDLERS[key]
    # the tab belongs to someone the handler admits; the upload request comes from someone it does not
    owner_role = next(r for r in (Role.MINISTRY, Role.CITIZEN) if role_admits(roles, r.value))
    uploader_role = next(r for r in (Role.CITIZEN, Role.MINISTRY) if not role_admits(roles, r.value))
    owner = ensure_session(engine, accounts_by_role[owner_role.value])
    root = make_tree(cookie=owner.cookie_header, client_token=owner.client_token)
    result = call(handler, substate(root, cls), *handler_args(key, owner))
    assert login_redirect(result), f"no upload request of the {owner_role.value}'s is being served"
    assert spy.entered == []
    uploader = ensure_session(engine, accounts_by_role[uploader_role.value])
    with serving_upload(owner.client_token, principal_of(engine, uploader)):
        result = call(handler, substate(root, cls), *handler_args(key, owner))
    assert is_not_allowed_toast(result) and spy.entered == [], "the uploader is the request's, not the tab's owner"


def test_login_redirect_comes_back_to_the_page(accounts_by_role, engine):
    root = make_tree(cookie=None, client_token="t-next", path="/profil")
    result = call(ProfileState.load, substate(root, ProfileState))
    assert login_redirect(result) == f"{routes.LOGIN}?next=/profil"


def test_allowed_calls_see_only_their_own_data(accounts_by_role, engine):
    """Positive control: the loaders really load, and only the caller's own account."""
    victim = ensure_session(engine, accounts_by_role["victim"])
    for who in ROLES:
        account = ensure_session(engine, accounts_by_role[who])
        root = make_tree(cookie=account.cookie_header, client_token=account.client_token)
        profile = substate(root, ProfileState)
        assert call(ProfileState.load, profile) is None
        assert (profile.full_name, profile.email) == (account.full_name, account.email)
        ids = {row["id"] for row in profile.sessions}
        assert str(account.session_id) in ids and str(victim.session_id) not in ids
        admin = substate(root, RolesAdminState)
        call(RolesAdminState.load, admin)
        if who == Role.SUPERADMIN.value:
            assert {u.email for u in admin.users} >= {victim.email, account.email}
        elif who == Role.SITE_ADMIN.value:  # the staff of their own MPP only, no audit trail
            emails = {u.email for u in admin.users}
            assert account.email in emails and victim.email not in emails and admin.audit_rows == []
        else:
            assert admin.users == [] and admin.audit_rows == []


def test_revoke_cannot_end_another_users_session(accounts_by_role, engine):
    victim = ensure_session(engine, accounts_by_role["victim"])
    for who in ROLES:
        account = ensure_session(engine, accounts_by_role[who])
        root = make_tree(cookie=account.cookie_header, client_token=account.client_token)
        result = call(ProfileState.revoke, substate(root, ProfileState), str(victim.session_id))
        assert error_toasts(result), f"{who} revoking someone else's session must fail"
        assert session_alive(engine, victim)


# --------------------------------------------------------------------------- completeness


def _defined_handlers() -> dict[str, object]:
    """Every event handler defined by the app in the guarded modules, by qualified name."""
    import reflex as rx

    found = {}
    for module_name in GUARDED_MODULES:
        module = importlib.import_module(module_name)
        for cls in vars(module).values():
            if not (isinstance(cls, type) and issubclass(cls, rx.State)
                    and cls.__module__ == module_name):
                continue
            for name, handler in cls.event_handlers.items():
                fn = handler.fn
                if not fn.__module__.startswith("state."):  # setvar & co. from Reflex itself
                    continue
                found[f"{module_name}.{cls.__name__}.{name}"] = handler
    return found


def test_every_account_and_admin_handler_is_guarded():
    defined = _defined_handlers()
    assert defined, "no handlers found: the discovery is broken"
    unguarded = sorted(set(defined) - set(guard.PROTECTED_HANDLERS) - PUBLIC_HANDLERS)
    assert not unguarded, f"event handlers without @protected(...): {unguarded}"
    stale = sorted(PUBLIC_HANDLERS - set(defined))
    assert not stale, f"PUBLIC_HANDLERS lists handlers that no longer exist: {stale}"


@pytest.mark.parametrize("key", HANDLERS)
def test_reflex_dispatches_the_guarded_function(key: str):
    """@rx.event must sit above @protected, so the function Reflex calls is the guard."""
    cls, name, handler = resolve(key)
    assert cls.event_handlers[name] is handler or cls.event_handlers[name].fn is handler.fn
    assert getattr(handler.fn, "__mpp_roles__", None) == guard.PROTECTED_HANDLERS[key]
    assert f"{handler.fn.__module__}.{handler.fn.__qualname__}" == key


# The policy pinned per module: the matrix above takes the roles from the registry, so a
# handler quietly widened to more roles is caught here.
EXPECTED_ROLES = {
    # /admin/peran: granting is superadmin only; a site admin revokes and deactivates the officers of
    # their own MPP (scope checked by the services: tests/unit/test_office_grants.py)
    "state.admin.RolesAdminState.grant": (Role.SUPERADMIN,),
    "state.admin.RolesAdminState.pick_scope": (Role.SUPERADMIN,),
    "state.admin.": (Role.SUPERADMIN, Role.SITE_ADMIN),
    "state.sso_admin.": (Role.MINISTRY,),  # the agency app registry: ministry (and superadmin)
    "state.sso.": (),  # my consent and my connected apps: any signed-in user
    "state.profile.": (),  # one's own account: any signed-in user
    "state.my_data.": (),  # "Data saya": one's own account, any signed-in user
    "state.nav.": (),
    "state.catalog_admin.SiteAdminState.": (Role.SITE_ADMIN,),  # their own site (scope checked inside)
    "state.catalog_admin.CatalogAdminState.": (Role.MINISTRY,),  # the national catalog
    "state.kiosk_admin.": (Role.SITE_ADMIN,),  # the kiosks of their own site (scope checked inside)
    "state.queue.": (Role.CITIZEN,),  # one's own tickets
    "state.counter.": (Role.OFFICER,),  # counters of the officer's own site (and agency)
    "state.dashboard.RegionalDashboardState.": (Role.REGIONAL_HEAD,),  # one regency, checked inside
    "state.dashboard.NationalDashboardState.": (Role.MINISTRY,),
    "state.analytics_admin.": (Role.MINISTRY,),  # monthly report, history import
    "state.auth.OutboxState.": (),  # the demo outbox: one's own mail (a superadmin's: all, audited)
    "state.identity.IdentityState.": (),  # one's own level, counter code and confirmation
    "state.identity.DisputeState.": (),  # an account without a NIK claims one
    "state.identity.CounterIdentityState.": (Role.OFFICER, Role.SITE_ADMIN),  # at their own site's counter
    "state.applications.NotificationsState.": (),  # one's own notices: any signed-in user
    "state.applications.": (Role.CITIZEN,),  # one's own online applications (owner checked inside)
    # the back office of online applications: officers (their site and agency) and site admins (every
    # agency of their site), scope checked by the services; only a site admin reassigns
    "state.office.WorkListState.choose_assignee": (Role.SITE_ADMIN,),
    "state.office.WorkListState.assign": (Role.SITE_ADMIN,),
    "state.office.": (Role.OFFICER, Role.SITE_ADMIN),
    "state.documents.": (),  # "Dokumen saya" and the access log: one's own documents, any signed-in user
    "state.verification.OutputRevokeState.": (Role.OFFICER, Role.SITE_ADMIN),  # the issuer / a site admin, inside
    # ---- SKM (issue 14)
    "state.skm.SurveyState.": (Role.CITIZEN,),  # the questionnaire of one's own served visit
    "state.skm.SkmDashboardState.load_regional": (Role.REGIONAL_HEAD,),  # one regency, checked inside
    "state.skm.SkmDashboardState.load_national": (Role.MINISTRY,),
    "state.skm.SkmDashboardState.choose_period": (Role.REGIONAL_HEAD, Role.MINISTRY),  # the loader's scope
    "state.complaints.ComplaintsState.": (Role.CITIZEN,),  # one's own complaints
    # forwarding is the site admin's step; answering and reading: the officers and admins of the site
    "state.complaints.ComplaintOfficeState.forward": (Role.SITE_ADMIN,),
    "state.complaints.ComplaintOfficeState.": (Role.OFFICER, Role.SITE_ADMIN),
}


@pytest.mark.parametrize("key", HANDLERS)
def test_each_handler_admits_the_expected_roles(key: str):
    prefix = next((p for p in EXPECTED_ROLES if key.startswith(p)), None)
    assert prefix is not None, f"{key}: add its module's policy to EXPECTED_ROLES"
    assert guard.PROTECTED_HANDLERS[key] == EXPECTED_ROLES[prefix], key


# --------------------------------------------------------------------------- dead sessions


def _kill(engine, session_id: int, how: str) -> None:
    now = utcnow()
    with Session(engine) as db:
        row = db.get(UserSession, session_id)
        assert row is not None
        if how == "revoked":
            row.revoked_at = now
        elif how == "expired":
            row.expires_at = now - timedelta(seconds=1)
        elif how == "idle":
            row.last_seen_at = now - timedelta(minutes=31)
        db.add(row)
        db.commit()


@pytest.mark.parametrize("how", ["revoked", "expired", "idle", "revoked_from_other_device"])
def test_profile_load_with_a_dead_session_gets_nothing(how, accounts_by_role, engine, spy):
    citizen = accounts_by_role[Role.CITIZEN.value]
    mine = start_session(engine, Account(key="citizen-2", user_id=citizen.user_id,
                                         email=citizen.email, full_name=citizen.full_name))
    root = make_tree(cookie=mine.cookie_header, client_token=mine.client_token)
    profile = substate(root, ProfileState)
    call(ProfileState.load, profile)
    assert profile.full_name == citizen.full_name and profile.sessions

    if how == "revoked_from_other_device":
        other = ensure_session(engine, citizen)
        other_root = make_tree(cookie=other.cookie_header, client_token=other.client_token)
        result = call(ProfileState.revoke, substate(other_root, ProfileState), str(mine.session_id))
        assert not error_toasts(result)
    else:
        _kill(engine, mine.session_id, how)
    assert not session_alive(engine, mine)

    spy.entered.clear()
    result = call(ProfileState.load, profile)
    assert login_redirect(result)
    assert spy.entered == []
    assert_wiped(profile)


# --------------------------------------------------------------------------- sign-out


def _hydrate(root) -> None:
    """A (re)connecting tab asks for its whole state: the personal-data gate runs first."""
    from reflex_base.event import Event

    name = next(iter(guard._hydrate_event_names()))
    run_on_own_loop(guard.PersonalDataGate().preprocess(None, root, Event(name=name)))


def _sign_out_over_http(account: Account, **headers: str):
    """The nav's sign-out form: POST /auth/keluar with the browser's cookie."""
    from starlette.testclient import TestClient

    from mpp_digital.web_routes import build_api

    with TestClient(build_api(), base_url="http://localhost:3000") as http:
        http.cookies.set(routes.SESSION_COOKIE, account.cookie_value)
        return http.post(routes.AUTH_SIGN_OUT, headers={"sec-fetch-site": "same-origin", **headers},
                         follow_redirects=False)


def test_sign_out_ends_only_this_session_and_the_next_connection_sees_nothing(accounts_by_role, engine):
    citizen = accounts_by_role[Role.CITIZEN.value]
    other = ensure_session(engine, citizen)
    mine = start_session(engine, Account(key="citizen-3", user_id=citizen.user_id,
                                         email=citizen.email, full_name=citizen.full_name))
    root = loaded_tree(mine)
    assert substate(root, NavState).display_name == citizen.full_name
    answer = _sign_out_over_http(mine)
    assert answer.status_code == 303 and answer.headers["location"] == f"{routes.LOGIN}?keluar=1"
    assert f'{routes.SESSION_COOKIE}=""' in answer.headers["set-cookie"]
    assert not session_alive(engine, mine)
    assert session_alive(engine, other)
    connect(root, cookie=mine.cookie_header, client_token=mine.client_token)  # the redirect's page load
    _hydrate(root)
    assert_wiped(substate(root, ProfileState))


def test_sign_out_is_a_same_site_post_only(accounts_by_role, engine):
    """Issue 11: GET /auth/keluar signed people out (any link or image could); now POST only,
    and a cross-site POST is refused."""
    citizen = accounts_by_role[Role.CITIZEN.value]
    mine = start_session(engine, Account(key="citizen-4", user_id=citizen.user_id,
                                         email=citizen.email, full_name=citizen.full_name))
    from starlette.testclient import TestClient

    from mpp_digital.web_routes import build_api

    with TestClient(build_api(), base_url="http://localhost:3000") as http:
        http.cookies.set(routes.SESSION_COOKIE, mine.cookie_value)
        assert http.get(routes.AUTH_SIGN_OUT, follow_redirects=False).status_code == 405
    assert _sign_out_over_http(mine, **{"sec-fetch-site": "cross-site"}).status_code == 403
    assert _sign_out_over_http(mine, **{"sec-fetch-site": "", "origin": "https://evil.example"}).status_code == 403
    assert session_alive(engine, mine)


def test_every_personal_state_is_wiped_when_another_session_connects(accounts_by_role, engine):
    admin = start_session(engine, Account(key="superadmin-2",
                                          user_id=accounts_by_role["superadmin"].user_id,
                                          email=accounts_by_role["superadmin"].email,
                                          full_name=accounts_by_role["superadmin"].full_name))
    root = loaded_tree(admin)
    for cls in guard.personal_state_classes():
        fill_with_secrets(substate(root, cls))
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    connect(root, cookie=citizen.cookie_header, client_token=admin.client_token)
    _hydrate(root)
    for cls in guard.personal_state_classes():
        assert_wiped(substate(root, cls))


@pytest.mark.parametrize("cookie", [None, GARBAGE])
def test_page_loader_drops_a_previous_users_data_on_a_new_connection(accounts_by_role, engine, cookie):
    """Every page load runs NavState.refresh first: a tab whose session is gone keeps nothing."""
    admin = ensure_session(engine, accounts_by_role[Role.SUPERADMIN.value])
    root = loaded_tree(admin)
    assert substate(root, RolesAdminState).users and substate(root, ProfileState).email
    connect(root, cookie=cookie, client_token=admin.client_token, client_ip="203.0.113.9")
    call(NavState.refresh, substate(root, NavState))
    assert_wiped(substate(root, RolesAdminState))
    assert_wiped(substate(root, ProfileState))
    assert substate(root, NavState).display_name == ""


# --------------------------------------------------------------------------- staff need a second factor

STAFF_ONLY = [k for k in HANDLERS if guard.PROTECTED_HANDLERS[k]
              and not set(guard.PROTECTED_HANDLERS[k]) - set(STAFF_ROLES)]


def test_staff_only_handlers_exist():
    assert "state.identity.CounterIdentityState.mark" in STAFF_ONLY and "state.counter.CounterState.load" in STAFF_ONLY
    assert "state.profile.ProfileState.totp_begin" not in STAFF_ONLY  # enrolment must open without it


@pytest.mark.parametrize("key", STAFF_ONLY)
def test_a_staff_session_without_a_second_factor_is_sent_to_enrol_first(key, accounts_by_role, engine, spy):
    """Every handler that admits only staff refuses a password-only session (even a superadmin's):
    its body does not run, its state is wiped and the browser goes to the two-step enrolment."""
    owner = accounts_by_role[Role.SUPERADMIN.value]
    password_only = start_session(engine, Account(key="superadmin-pwd", user_id=owner.user_id, email=owner.email,
                                                  full_name=owner.full_name), second_factor=False)
    assert not principal_of(engine, password_only).second_factor
    victim = ensure_session(engine, accounts_by_role["victim"])
    cls, _, handler = resolve(key)
    root = make_tree(cookie=password_only.cookie_header, client_token=password_only.client_token)
    target = substate(root, cls)
    fill_with_secrets(target)
    if key in guard.UPLOAD_HANDLERS:
        with serving_upload(password_only.client_token, principal_of(engine, password_only)):
            result = call(handler, target, *handler_args(key, victim))
    else:
        result = call(handler, target, *handler_args(key, victim))
    redirects = [{k._js_expr: v._var_value for k, v in spec.args}.get("path") for spec in as_list(result)
                 if isinstance(spec, EventSpec) and spec.handler.fn.__qualname__ == "_redirect"]
    assert redirects == [routes.TWO_FACTOR_REQUIRED], key
    assert spy.entered == [], f"the body of {key} ran for a session without a second factor"
    if key not in KEEPS_STATE_ON_DENY:
        assert_wiped(target)
