"""A site_admin edits only their own site, also through crafted events; a citizen reaches no editor."""

from sqlmodel import Session, select

from mpp_digital.models import MppSite, Role
from state.catalog_admin import CatalogAdminState, SiteAdminState
from tests.state.conftest import call, make_tree, substate
from tests.state.test_guard_matrix import ensure_session, is_not_allowed_toast, login_redirect


def _site(engine, slug):
    with Session(engine) as db:
        return db.exec(select(MppSite).where(MppSite.slug == slug)).one()


def test_site_admin_opens_own_site_and_is_refused_another(accounts_by_role, engine):
    admin = ensure_session(engine, accounts_by_role[Role.SITE_ADMIN.value])
    root = make_tree(cookie=admin.cookie_header, client_token=admin.client_token)
    editor = substate(root, SiteAdminState)
    call(SiteAdminState.load, editor)
    sragen, banyumas = _site(engine, "sragen"), _site(engine, "banyumas")
    assert [s.id for s in editor.sites] == [str(sragen.id)] and editor.site_name == sragen.name

    # A crafted event naming Banyumas is refused, and nothing of Banyumas reaches the state.
    result = call(SiteAdminState.choose_site, editor, str(banyumas.id))
    assert is_not_allowed_toast(result) and editor.site_id == str(sragen.id)

    # Saving hours always targets the open site, checked again on the server.
    editor.site_id = str(banyumas.id)  # as if the state had been tampered with
    before = _site(engine, "banyumas").opening_hours
    result = call(SiteAdminState.save_hours, editor, {"sat": "07:00-09:00"})
    assert is_not_allowed_toast(result)
    assert _site(engine, "banyumas").opening_hours == before


def test_citizen_reaches_no_editor(accounts_by_role, engine):
    citizen = ensure_session(engine, accounts_by_role[Role.CITIZEN.value])
    root = make_tree(cookie=citizen.cookie_header, client_token=citizen.client_token)
    for state_cls in (SiteAdminState, CatalogAdminState):
        editor = substate(root, state_cls)
        assert is_not_allowed_toast(call(state_cls.load, editor))
    anonymous = make_tree(cookie=None, client_token="anon-editor")
    assert login_redirect(call(CatalogAdminState.load, substate(anonymous, CatalogAdminState)))
