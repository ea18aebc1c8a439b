"""Surveys: definitions (NPS, CSAT, CES 2.0, life impact, custom), answers, signed links, closed loop.

Answers go into the canonical ``feedback`` table exactly as imported ones do, so
:mod:`centric.metrics` counts them; unhappy answers raise rows in ``alerts`` in the same call;
wellbeing answers are stored only with the ``wellbeing_survey`` consent (:mod:`centric.privacy`).
The web pages (``/s/...``) and the CLI (``centric surveys``) are thin faces over these functions.
"""

from centric.surveys._alerts import (
    WITHDRAWN,
    AlertStats,
    alert_kind,
    alert_stats,
    open_alerts,
    raise_alert,
    respond_alert,
    sync_alert,
)
from centric.surveys._answers import (
    CONSENT_NOTICE,
    SubmitResult,
    add_comment,
    new_nonce,
    response_key,
    submit_answers,
)
from centric.surveys._definitions import (
    Question,
    Survey,
    builtin_surveys,
    define_survey,
    get_survey,
    list_surveys,
    parse_survey,
)
from centric.surveys._links import email_snippet, one_click_links, read_token, survey_link, survey_token
from centric.surveys._render import question_text, survey_view

__all__ = [
    "CONSENT_NOTICE",
    "WITHDRAWN",
    "AlertStats",
    "Question",
    "SubmitResult",
    "Survey",
    "add_comment",
    "alert_kind",
    "alert_stats",
    "builtin_surveys",
    "define_survey",
    "email_snippet",
    "get_survey",
    "list_surveys",
    "new_nonce",
    "one_click_links",
    "open_alerts",
    "parse_survey",
    "question_text",
    "raise_alert",
    "read_token",
    "respond_alert",
    "response_key",
    "submit_answers",
    "survey_link",
    "survey_token",
    "survey_view",
    "sync_alert",
]
