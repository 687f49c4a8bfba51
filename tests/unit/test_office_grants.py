"""Officer grants name one site and one agency; a site admin manages the officers of their own MPP only."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mpp_digital.errors import DomainError, NotAllowed
from mpp_digital.models import Agency, AuditLog, MppSite, Role, RoleAssignment, SiteAgency, User
from mpp_digital.services import accounts
from mpp_digital.services.authz import authorize, principal_for


def make_user(session, now, email: str) -> User:
    user = User(full_name=email.split("@")[0].title(), email=email, password_hash="x", created_at=now,
                email_verified_at=now)
    session.add(user)
    session.flush()
    return user


def site(session, slug: str) -> MppSite:
    return session.exec(select(MppSite).where(MppSite.slug == slug)).one()


def agency(session, slug: str) -> Agency:
    return session.exec(select(Agency).where(Agency.slug == slug)).one()


def agency_absent_from(session, site_row: MppSite) -> Agency:
    present = set(session.exec(select(SiteAgency.agency_id).where(SiteAgency.site_id == site_row.id)).all())
    return next(a for a in session.exec(select(Agency).order_by(Agency.id)).all() if a.id not in present)


def other_site(session) -> MppSite:
    return session.exec(select(MppSite).where(MppSite.slug != "sragen").order_by(MppSite.id)).first()


@pytest.fixture()
def people(session, now):
    root = make_user(session, now, "root@office.test")
    accounts.grant_role(session=session, user_id=root.id, role=Role.SUPERADMIN, now=now)
    sragen, elsewhere = site(session, "sragen"), other_site(session)
    admin = make_user(session, now, "admin@office.test")
    accounts.grant_role(session=session, user_id=admin.id, role=Role.SITE_ADMIN, now=now, site_id=sragen.id)
    dukcapil = agency(session, "dukcapil")
    ours = make_user(session, now, "ours@office.test")
    ours_grant = accounts.grant_role(session=session, user_id=ours.id, role=Role.OFFICER, now=now,
                                     site_id=sragen.id, agency_id=dukcapil.id)
    theirs = make_user(session, now, "theirs@office.test")
    theirs_grant = accounts.grant_role(session=session, user_id=theirs.id, role=Role.OFFICER, now=now,
                                       site_id=elsewhere.id, agency_id=dukcapil.id)
    both = make_user(session, now, "both@office.test")  # an officer at Sragen and at another MPP
    accounts.grant_role(session=session, user_id=both.id, role=Role.OFFICER, now=now, site_id=sragen.id,
                        agency_id=dukcapil.id)
    accounts.grant_role(session=session, user_id=both.id, role=Role.OFFICER, now=now, site_id=elsewhere.id,
                        agency_id=dukcapil.id)
    citizen = make_user(session, now, "warga@office.test")
    accounts.grant_role(session=session, user_id=citizen.id, role=Role.CITIZEN, now=now)
    fellow = make_user(session, now, "fellow@office.test")
    fellow_grant = accounts.grant_role(session=session, user_id=fellow.id, role=Role.SITE_ADMIN, now=now,
                                       site_id=sragen.id)
    session.commit()

    def p(user):
        return principal_for(session=session, user=user, session_id=0)

    return {"root": p(root), "admin": p(admin), "ours": ours, "theirs": theirs, "both": both, "citizen": citizen,
            "fellow": fellow, "ours_grant": ours_grant, "theirs_grant": theirs_grant, "fellow_grant": fellow_grant,
            "sragen": sragen, "elsewhere": elsewhere, "dukcapil": dukcapil}


def test_an_officer_grant_needs_an_agency_present_at_that_site(session, now, people):
    root, target = people["root"], people["citizen"]
    sragen = people["sragen"]

    def grant(agency_slug, scope="sragen"):
        accounts.grant_by_scope(session=session, actor=root, user_id=target.id, role=Role.OFFICER, scope=scope,
                                agency=agency_slug, now=now)

    with pytest.raises(DomainError, match="role.needs_agency"):
        grant("")
    absent = agency_absent_from(session, sragen)
    with pytest.raises(DomainError, match="role.agency_not_at_site") as refused:
        grant(absent.slug)
    assert refused.value.params == {"agency": absent.slug}
    with pytest.raises(DomainError, match="role.agency_not_at_site"):
        grant("no-such-agency")
    with pytest.raises(DomainError, match="role.needs_agency"):  # the service API, without the typed form
        accounts.assign_role(session=session, actor=root, user_id=target.id, role=Role.OFFICER, now=now,
                             site_id=sragen.id)
    assert session.exec(select(RoleAssignment).where(RoleAssignment.user_id == target.id,
                                                     RoleAssignment.role == Role.OFFICER)).first() is None
    grant("dukcapil")
    session.commit()
    row = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == target.id,
                                                    RoleAssignment.role == Role.OFFICER)).one()
    assert (row.site_id, row.agency_id) == (sragen.id, people["dukcapil"].id)
    who = principal_for(session=session, user=target, session_id=0)
    assert authorize(who, Role.OFFICER, site_id=sragen.id, agency_id=people["dukcapil"].id) is who
    other_agency = session.exec(select(SiteAgency.agency_id).where(
        SiteAgency.site_id == sragen.id, SiteAgency.agency_id != people["dukcapil"].id)).first()
    with pytest.raises(NotAllowed):
        authorize(who, Role.OFFICER, site_id=sragen.id, agency_id=other_agency)
    audit_rows = session.exec(select(AuditLog).where(AuditLog.action == "role_change",
                                                     AuditLog.target == f"user:{target.id}")).all()
    assert [r.detail["agency_id"] for r in audit_rows if r.detail["granted"] == "officer"] == [people["dukcapil"].id]


def test_the_grant_form_offers_the_agencies_present_at_the_typed_site(session, people):
    offered = accounts.agencies_at_site(session=session, site_slug="sragen")
    present = set(session.exec(select(Agency.slug).join(SiteAgency, SiteAgency.agency_id == Agency.id)
                               .where(SiteAgency.site_id == people["sragen"].id)).all())
    assert {slug for slug, _ in offered} == present and ("dukcapil", "Disdukcapil") in offered
    assert accounts.agencies_at_site(session=session, site_slug="no-such-mpp") == []


def test_a_site_admin_cannot_grant_roles(session, now, people):
    with pytest.raises(NotAllowed):
        accounts.grant_by_scope(session=session, actor=people["admin"], user_id=people["citizen"].id,
                                role=Role.OFFICER, scope="sragen", agency="dukcapil", now=now)


def test_a_site_admin_revokes_only_the_officer_grants_of_their_own_site(session, now, people):
    admin = people["admin"]
    for grant in ("theirs_grant", "fellow_grant"):  # another MPP's officer; a fellow site admin
        with pytest.raises(NotAllowed):
            accounts.revoke_role(session=session, actor=admin, assignment_id=people[grant].id, now=now)
    accounts.revoke_role(session=session, actor=admin, assignment_id=people["ours_grant"].id, now=now,
                         ip_address="10.1.1.1")
    session.commit()
    assert session.get(RoleAssignment, people["ours_grant"].id) is None
    assert session.get(RoleAssignment, people["theirs_grant"].id) is not None
    row = session.exec(select(AuditLog).where(AuditLog.action == "role_revoked")).one()
    assert row.actor_user_id == admin.user_id and row.detail["agency_id"] == people["dukcapil"].id
    # The officer holding the grant cannot revoke anything.
    officer = principal_for(session=session, user=people["theirs"], session_id=0)
    with pytest.raises(NotAllowed):
        accounts.revoke_role(session=session, actor=officer, assignment_id=people["theirs_grant"].id, now=now)


def test_a_site_admin_deactivates_only_the_officers_of_their_own_site(session, now, people):
    admin = people["admin"]
    for target in ("theirs", "both", "citizen", "fellow"):
        with pytest.raises(NotAllowed):
            accounts.set_account_active(session=session, actor=admin, user_id=people[target].id, active=False,
                                        now=now)
    accounts.set_account_active(session=session, actor=admin, user_id=people["ours"].id, active=False, now=now)
    session.commit()
    assert session.get(User, people["ours"].id).is_active is False
    assert session.get(User, people["theirs"].id).is_active is True
    accounts.set_account_active(session=session, actor=admin, user_id=people["ours"].id, active=True, now=now)
    session.commit()
    assert session.get(User, people["ours"].id).is_active is True
    # The superadmin still manages everyone.
    accounts.set_account_active(session=session, actor=people["root"], user_id=people["both"].id, active=False,
                                now=now)


def test_a_site_admin_sees_the_staff_of_their_own_site_only(session, now, people):
    entries = {e.email: e for e in accounts.user_directory(session=session, actor=people["admin"])}
    assert set(entries) == {"admin@office.test", "ours@office.test", "both@office.test", "fellow@office.test"}
    both = entries["both@office.test"]
    assert [g.site_id for g in both.grants] == [people["sragen"].id], "another MPP's grant is not shown"
    assert not both.manageable and entries["ours@office.test"].manageable
    assert [g.revocable for g in entries["ours@office.test"].grants] == [True]
    assert [g.revocable for g in entries["fellow@office.test"].grants] == [False]
    assert entries["ours@office.test"].grants[0].agency_name == "Disdukcapil"
    everyone = {e.email for e in accounts.user_directory(session=session, actor=people["root"])}
    assert {"theirs@office.test", "warga@office.test"} <= everyone
