"""Storing survey answers in the canonical ``feedback`` table, idempotently, with consent and alerts.

One answer set (one respondent answering one survey once) has a *response key*: derived from the
signed link (``survey_id`` + token) for a customer, or from a random nonce carried in a hidden form
field for an anonymous respondent. Each question's row has ``response_id = "{key}-{question_id}"``,
so submitting twice updates the same rows instead of adding new ones, and alerts (keyed by the
row's response_id) are raised at most once.

Rows are written with the instrument, instrument version, question id, score, touchpoint, channel
(``web``) and language of the survey, exactly as imported answers are, so :mod:`centric.metrics`
counts them in NPS, CSAT, CES and the Life Impact Index.

Wellbeing answers (a survey whose purpose is ``wellbeing_survey``) are stored only when
:func:`centric.privacy.check` allows that purpose for a known customer, or when the respondent
ticks the consent box on the form. Ticking it writes a ``consents`` row (method ``survey_form``,
evidence = survey id, response key and notice version) — for an anonymous respondent under the
source key ``survey:{response key}``, which the answers carry too, so the consent and the answers
stay linked (and are erased together).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.surveys._alerts import alert_id_for, alert_kind, raise_alert, sync_alert
from centric.surveys._db import atomic, customer_ref_for, existing, insert_rows, update_row
from centric.surveys._definitions import Survey

__all__ = ["CONSENT_NOTICE", "SubmitResult", "add_comment", "new_nonce", "response_key", "submit_answers"]

CONSENT_NOTICE = "surveys-wellbeing-2026-01"
MAX_COMMENT = 2000
_NONCE = re.compile(r"^[0-9a-f]{32}$")


def new_nonce() -> str:
    """A fresh random nonce for an anonymous form (kept in a hidden field)."""
    return secrets.token_hex(16)


def response_key(survey_id: str, *, token: str | None = None, nonce: str | None = None) -> str:
    """The response key of one answer set: from the signed link, else from the form's nonce."""
    if token:
        return "w" + hashlib.sha256(f"{survey_id}\x00link\x00{token}".encode()).hexdigest()[:24]
    if nonce is None or not _NONCE.match(nonce):
        raise InputError(f"The form's response id {nonce!r} is not valid: it must be 32 hexadecimal characters.")
    return "a" + hashlib.sha256(f"{survey_id}\x00anon\x00{nonce}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SubmitResult:
    """What one submission did.

    ``consent``: ``not_needed`` (not a wellbeing survey), ``on_file`` (the customer had consented),
    ``recorded`` (given on this form and written to ``consents``), ``missing`` (not given: nothing
    stored) or ``refused`` (given, but processing is restricted: nothing stored).
    """

    response_key: str
    stored: int
    updated: int
    alerts: tuple[str, ...]
    consent: str

    @property
    def saved(self) -> bool:
        """Whether the answers are in the store."""
        return self.consent in ("not_needed", "on_file", "recorded")


def clean_comment(text: str | None) -> str | None:
    """NFC-normalised, trimmed comment (None when empty); over ``MAX_COMMENT`` characters is refused."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", str(text)).strip()
    if len(text) > MAX_COMMENT:
        raise InputError(f"The comment has {len(text)} characters; at most {MAX_COMMENT} are allowed.")
    return text or None


def _score(survey: Survey, qid: str, value: Any) -> float | None:
    q = survey.question(qid)
    if value is None or value == "":
        return None
    if q.type != "scale":
        raise InputError(f"Question {qid!r} of survey {survey.id!r} takes text, not a score; got {value!r}.")
    try:
        v = int(str(value).strip())
    except ValueError:
        v = None
    if v is None or v not in q.points:
        raise InputError(
            f"Score {value!r} for question {qid!r} of survey {survey.id!r} is not allowed: "
            f"it must be a whole number from {q.min} to {q.max}."
        )
    return float(v)


def _record_consent(store: Any, *, key: str, survey: Survey, customer_id: str | None, ref: str, now: pd.Timestamp,
                    actor: str) -> None:
    from centric.privacy import append_audit

    row = {
        "consent_id": f"{key}-consent-wellbeing",
        "customer_ref": ref,
        "customer_id": customer_id,
        "purpose": "wellbeing_survey",
        "status": "granted",
        "recorded_at": now,
        "method": "survey_form",
        "notice_version": CONSENT_NOTICE,
        "evidence": json.dumps({"survey_id": survey.id, "response_key": key, "checkbox": True}),
    }
    added = not existing(store, "consents", "consent_id", [row["consent_id"]])
    insert_rows(store, "consents", [row] if added else [])
    if added:
        append_audit(store, actor=actor, action="consent.grant", subject=customer_id or ref,
                     details={"purpose": "wellbeing_survey", "method": "survey_form", "survey_id": survey.id},
                     at=now.to_pydatetime())


def _consent(store: Any, survey: Survey, key: str, customer_id: str | None, ref: str | None, given: bool,
             now: pd.Timestamp) -> tuple[str, str | None]:
    """Decide whether wellbeing answers may be stored; returns (consent state, customer_ref to use)."""
    from centric.privacy import check

    if not survey.sensitive:
        return "not_needed", ref
    if customer_id is not None:
        if check(store, customer_id, "wellbeing_survey").allowed:
            return "on_file", ref
        if not given:
            return "missing", ref
        _record_consent(store, key=key, survey=survey, customer_id=customer_id, ref=ref or f"survey:{key}", now=now,
                        actor="customer")
        ok = check(store, customer_id, "wellbeing_survey").allowed
        return ("recorded" if ok else "refused"), ref or f"survey:{key}"
    if not given:
        return "missing", ref
    ref = f"survey:{key}"
    _record_consent(store, key=key, survey=survey, customer_id=None, ref=ref, now=now, actor="anonymous")
    return "recorded", ref


def submit_answers(
    store: Any,
    survey: Survey,
    *,
    key: str,
    scores: dict[str, Any],
    texts: dict[str, str] | None = None,
    comment: str | None = None,
    customer_id: str | None = None,
    language: str = "vi",
    channel: str = "web",
    consent: bool = False,
    now: _dt.datetime | None = None,
) -> SubmitResult:
    """Store (or update) one answer set and raise its alerts; returns what was done.

    ``scores`` maps question ids to scores (None/'' = unanswered, not stored); ``texts`` maps text
    questions to their answers; ``comment`` (the follow-up reason) goes on the first question's row.
    Re-submitting the same ``key`` updates the rows' scores (and the comment when one is given).
    """
    if language not in ("vi", "en"):
        raise InputError(f"Language {language!r} is not allowed; use 'vi' or 'en'.")
    unknown = sorted((set(scores) | set(texts or {})) - {q.id for q in survey.questions})
    if unknown:
        raise InputError(f"Survey {survey.id!r} has no question(s) {unknown}; its questions are "
                         f"{[q.id for q in survey.questions]}.")
    values = {qid: _score(survey, qid, v) for qid, v in scores.items()}
    notes = {qid: clean_comment(v) for qid, v in (texts or {}).items()}
    comment = clean_comment(comment)
    when = pd.Timestamp(now or _dt.datetime.now(_dt.UTC)).floor("us")
    with atomic(store):  # the consent, the answers and their alerts are committed together
        return _store(store, survey, key=key, values=values, notes=notes, comment=comment,
                      customer_id=customer_id, language=language, channel=channel, consent=consent, when=when)


def _store(store: Any, survey: Survey, *, key: str, values: dict[str, float | None], notes: dict[str, str | None],
           comment: str | None, customer_id: str | None, language: str, channel: str, consent: bool,
           when: pd.Timestamp) -> SubmitResult:
    if customer_id is not None:
        if not existing(store, "customers", "customer_id", [customer_id]):
            # an erased (or never resolved) person: a stale link must not bring them back
            raise InputError("This link is no longer valid. / Liên kết không còn hiệu lực.")
    ref = customer_ref_for(store, customer_id) if customer_id is not None else None
    state, ref = _consent(store, survey, key, customer_id, ref, consent, when)
    if state in ("missing", "refused"):
        return SubmitResult(key, 0, 0, (), state)
    first = survey.questions[0].id
    rows = []
    for q in survey.questions:
        score = values.get(q.id)
        text = notes.get(q.id) if q.type == "text" else (comment if q.id == first else None)
        if score is None and text is None:
            continue
        rows.append({
            "response_id": f"{key}-{q.id}", "customer_ref": ref, "customer_id": customer_id, "survey_id": survey.id,
            "instrument": q.instrument, "instrument_version": q.instrument_version, "question_id": q.id,
            "score": score, "comment": text, "touchpoint": survey.touchpoint, "channel": channel,
            "language": language, "submitted_at": when,
        })
    if not rows:
        raise InputError(f"No answer was given to survey {survey.id!r}: answer at least one question.")
    have = existing(store, "feedback", "response_id", [r["response_id"] for r in rows])
    new = [r for r in rows if r["response_id"] not in have]
    insert_rows(store, "feedback", new)
    for r in rows:
        if r["response_id"] in have:
            change: dict[str, Any] = {"score": r["score"]}
            if r["comment"] is not None:
                change["comment"] = r["comment"]
            update_row(store, "feedback", "response_id", r["response_id"], change)
    raised = []
    for r in rows:
        q = survey.question(r["question_id"])
        kind = alert_kind(q.instrument, q.instrument_version, r["score"], scale_max=q.max)
        if r["response_id"] in have and sync_alert(store, kind=kind, response_id=r["response_id"], score=r["score"],
                                                   at=when.to_pydatetime()):
            continue  # a changed answer: its alert followed it (new score; withdrawn or re-opened)
        if kind and raise_alert(store, kind=kind, response_id=r["response_id"], customer_id=customer_id,
                                  survey_id=survey.id, score=r["score"], comment=r["comment"],
                                  at=when.to_pydatetime()):
            raised.append(alert_id_for(r["response_id"]))
    return SubmitResult(key, len(new), len(rows) - len(new), tuple(raised), state)


def add_comment(store: Any, survey: Survey, *, key: str, comment: str | None) -> bool:
    """Put the follow-up reason on the answer set's first question (and on its alert, if any).

    Returns False when the comment is empty (nothing changes). The answer must exist: a follow-up
    without an answer is refused with :class:`InputError`.
    """
    text = clean_comment(comment)
    rid = f"{key}-{survey.questions[0].id}"
    if not existing(store, "feedback", "response_id", [rid]):
        raise InputError(f"There is no answer {rid!r} to add a reason to: answer the survey first.")
    if text is None:
        return False
    with atomic(store):
        update_row(store, "feedback", "response_id", rid, {"comment": text})
        update_row(store, "alerts", "alert_id", alert_id_for(rid), {"comment": text})
    return True
