"""The SKM survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): the questionnaire, exact
IKM and the minimum sample, answering once per served visit, results per unit up to the nation,
and the unit's report. One module per job; the names below are the package's interface."""

from mpp_digital.services.surveys.ikm import (
    Ikm,
    Sums,
    ikm_of,
    is_straight,
    minimum_sample,
    mutu,
    respondent_ikm,
    sample_sufficient,
)
from mpp_digital.services.surveys.questionnaire import PROFILE_FIELDS, SARAN_MAX, UNSUR, UNSUR_KEYS
from mpp_digital.services.surveys.report import parse_unit, render_csv, render_pdf, unit_report
from mpp_digital.services.surveys.responses import (
    SURVEY_MAIL,
    SURVEY_MAIL_APPLICATION,
    Offer,
    compose_invite,
    compose_invite_application,
    invite_after,
    invite_after_application,
    offer,
    parse_ref,
    rebuild_sums,
    submit,
    survey_ref,
    validate,
)
from mpp_digital.services.surveys.results import Period, Result, Results, current_semester, parse_period, period_choices, results

__all__ = [
    "Ikm", "Offer", "PROFILE_FIELDS", "Period", "Result", "Results", "SARAN_MAX", "SURVEY_MAIL",
    "SURVEY_MAIL_APPLICATION", "Sums", "UNSUR", "UNSUR_KEYS", "compose_invite", "compose_invite_application",
    "current_semester", "ikm_of", "invite_after", "invite_after_application", "is_straight", "minimum_sample",
    "mutu", "offer", "parse_period", "parse_ref", "parse_unit", "period_choices", "rebuild_sums",
    "render_csv", "render_pdf", "respondent_ikm", "results", "sample_sufficient", "submit", "survey_ref",
    "unit_report", "validate",
]
