"""The figures the privacy notice (/privasi) states, taken from where they are enforced."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from mpp_digital.i18n import t
from mpp_digital.services import accounts, retention
from mpp_digital.settings import get_settings


@dataclass
class RetentionRow:
    """One line of the notice's retention table, in both languages."""

    what_id: str
    what_en: str
    period_id: str
    period_en: str


def _row(what_key: str, period_key: str, **params: object) -> RetentionRow:
    return RetentionRow(what_id=t(what_key, "id"), what_en=t(what_key, "en"),
                        period_id=t(period_key, "id", **params), period_en=t(period_key, "en", **params))


def retention_rows() -> list[RetentionRow]:
    """The retention periods of ``services/retention.py`` and the session limits of ``services/accounts.py``."""
    return [
        _row("privacy.keep.login_attempts", "privacy.days", days=retention.LOGIN_ATTEMPTS_KEPT.days),
        _row("privacy.keep.sessions", "privacy.session_rule", idle=int(accounts.SESSION_IDLE.total_seconds() // 60),
             hours=int(accounts.SESSION_ABSOLUTE.total_seconds() // 3600), days=retention.ENDED_SESSIONS_KEPT.days),
        _row("privacy.keep.tokens", "privacy.days", days=retention.ONE_TIME_TOKENS_KEPT.days),
        _row("privacy.keep.mail", "privacy.days", days=retention.SENT_MAIL_KEPT.days),
        _row("privacy.keep.account", "privacy.keep.account_rule"),
        _row("privacy.keep.audit", "privacy.keep.audit_rule"),
    ]


class PrivacyNoticeState(rx.State):
    """Public facts for /privasi (no personal data, no handlers)."""

    retention: list[RetentionRow] = retention_rows()
    dpo_email: str = get_settings().dpo_email
