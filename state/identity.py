"""Identity assurance: the level on /profil, the check at the counter (/petugas/verifikasi) and
a NIK dispute from an account without a NIK (/sengketa-nik). Thin handlers over
``services/assurance.py``."""

from __future__ import annotations

import reflex as rx

from mpp_digital.blocking import in_session
from mpp_digital.clock import utcnow
from mpp_digital.errors import DomainError, ValidationError
from mpp_digital.models import AssuranceLevel, Role
from mpp_digital.services import accounts, assurance
from mpp_digital.services.identity import mask_nik
from state.lang import tr
from state.once import show_once
from state.session import client_ip, principal, protected

COUNTER_CODE_ELEMENT = "counter-code"  # where the profile shows the code for the counter, once


class IdentityState(rx.State):
    """The identity card of /profil: level, when/where/by whom verified, the counter code, the
    confirmation of an officer's check, an open dispute; and the staff two-step banner."""

    verified: bool = False
    level_label: str = ""
    verified_detail: str = ""
    pending_text: str = ""
    dispute_text: str = ""
    code_shown: bool = False
    twofactor_banner: str = ""  # a staff session without a second factor was sent here
    notice: str = ""

    async def _refresh(self):
        who, now = principal(), utcnow()
        view = await in_session(assurance.assurance_of, user_id=who.user_id, now=now)
        self.verified = view.level == AssuranceLevel.VERIFIED
        self.level_label = await tr(self, f"level.{view.level.value}")
        self.verified_detail = await tr(
            self, "assurance.verified_detail", date=view.verified_at.strftime("%d-%m-%Y"), site=view.site_name,
            officer=view.officer_name) if self.verified and view.verified_at else ""
        self.pending_text = await tr(self, "assurance.pending", officer=view.pending.officer_name,
                                     site=view.pending.site_name) if view.pending else ""
        self.dispute_text = await tr(self, "assurance.dispute_open",
                                     nik=view.open_dispute_nik) if view.open_dispute_nik else ""
        banner = ""
        if who.is_staff and not who.second_factor:
            enrolled = (await in_session(accounts.get_user, user_id=who.user_id)).totp_enabled
            banner = await tr(self, "profile.twofactor_relogin" if enrolled else "profile.twofactor_required")
        self.twofactor_banner = banner

    @rx.event
    @protected()
    async def load(self):
        """Page loader (part of /profil)."""
        self.code_shown, self.notice = False, ""
        await self._refresh()

    @rx.event
    @protected()
    async def show_code(self):
        """A fresh code to show at the counter (written into the page once, never kept in the state)."""
        code = await in_session(assurance.issue_counter_code, principal=principal(), now=utcnow())
        self.code_shown = True
        return show_once(COUNTER_CODE_ELEMENT, f"{code[:4]} {code[4:]}")

    @rx.event
    @protected()
    async def confirm(self):
        """Confirm, on one's own signed-in device, the verification an officer just marked."""
        await in_session(assurance.confirm_verification, principal=principal(), now=utcnow(),
                         ip_address=client_ip(self))
        await self._refresh()
        self.notice = await tr(self, "assurance.confirmed")


class CounterIdentityState(rx.State):
    """/petugas/verifikasi: open a citizen's account by NIK or code, compare it with the KTP-el,
    mark it verified (a disputed NIK moves to its owner here)."""

    sites: list[dict[str, str]] = []
    site_id: str = ""
    found: bool = False
    user_id: str = ""
    full_name: str = ""
    nik: str = ""
    birth_date: str = ""
    email: str = ""
    level_label: str = ""
    dispute_note: str = ""
    disputed_note: str = ""
    message: str = ""
    error: str = ""

    def _site(self) -> int:
        return int(self.site_id) if self.site_id.isdigit() else 0

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def load(self):
        """Page loader: the sites the officer works at."""
        who = principal()
        sites = await in_session(assurance.counter_sites, principal=who)
        self.sites = [{"id": str(s.id), "name": s.name} for s in sites]
        if self.site_id not in {s.get("id") for s in self.sites}:
            self.site_id = self.sites[0]["id"] if self.sites else ""
        self._clear()
        self.message = ""

    def _clear(self) -> None:
        self.found, self.user_id, self.full_name, self.nik, self.birth_date, self.email = False, "", "", "", "", ""
        self.level_label, self.dispute_note, self.disputed_note, self.error = "", "", "", ""

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def choose_site(self, site_id: str):
        """Work at another of one's sites."""
        if site_id in {s.get("id") for s in self.sites}:
            self.site_id = site_id
        self._clear()

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def find(self, form: dict):
        """Open the account by the NIK typed from the KTP-el or the code on the citizen's phone."""
        self._clear()
        self.message = ""
        try:
            account = await in_session(
                assurance.find_for_counter, officer=principal(), site_id=self._site(),
                nik=str(form.get("lookup_nik", "")), code=str(form.get("lookup_code", "")), now=utcnow(),
                ip_address=client_ip(self))
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        self.found, self.user_id, self.full_name = True, str(account.user_id), account.full_name
        self.nik, self.email = account.nik or "-", account.email
        self.birth_date = account.birth_date.strftime("%d-%m-%Y") if account.birth_date else "-"
        self.level_label = await tr(self, f"level.{account.level.value}")
        self.dispute_note = await tr(self, "counter_id.dispute_note", nik=account.dispute_nik) \
            if account.dispute_nik else ""
        self.disputed_note = await tr(self, "counter_id.disputed_note") if account.disputed else ""

    @rx.event
    @protected(Role.OFFICER, Role.SITE_ADMIN)
    async def mark(self, form: dict):
        """Mark the opened account verified after the three checks; the citizen then confirms."""
        if not self.user_id.isdigit():
            return
        check = assurance.CardCheck(
            nik_on_card=str(form.get("nik_on_card", "")),
            name_matches=bool(form.get("check_name")), nik_matches=bool(form.get("check_nik")),
            photo_matches=bool(form.get("check_photo")))
        try:
            await in_session(assurance.mark_verified, officer=principal(), site_id=self._site(),
                             user_id=int(self.user_id), check=check, now=utcnow(), ip_address=client_ip(self))
        except DomainError as exc:
            self.error = await tr(self, exc.key, **exc.params)
            return
        name = self.full_name
        self._clear()
        self.message = await tr(self, "counter_id.marked", name=name)


class DisputeState(rx.State):
    """/sengketa-nik: an account without a NIK claims the NIK someone else registered."""

    error: str = ""
    message: str = ""

    @rx.event
    @protected()
    async def load(self):
        """Page loader."""
        self.error, self.message = "", ""

    @rx.event
    @protected()
    async def submit(self, form: dict):
        """Open the dispute; it is settled at a counter, with the KTP-el."""
        nik = str(form.get("nik", ""))
        try:
            await in_session(assurance.open_dispute, claimant_id=principal().user_id, nik=nik, now=utcnow(),
                             ip_address=client_ip(self))
        except ValidationError as exc:
            self.error, self.message = await tr(self, exc.key, **exc.params), ""
            return
        self.error = ""
        self.message = await tr(self, "dispute.opened", nik=mask_nik("".join(nik.split())))
