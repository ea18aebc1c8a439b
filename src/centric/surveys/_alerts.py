"""Closed loop: alerts raised by unhappy answers, and time-to-first-response.

Rules (DOMAIN.md §1.1–1.3): an NPS detractor (0–6) raises ``detractor``; a CSAT answer in the two
lowest options (1–2 of 5) raises ``low_csat``; a CES 2.0 answer in the negative band (1–3 of 7) or a
CES 1.0 answer of 4–5 (high effort) raises ``high_effort``. An alert is written in the same call
that stores the answer, so the dashboard sees it at once. Its id is derived from the answer's
``response_id``: answering twice never raises two alerts. When the customer changes the answer
(clicks another score in the e-mail), the alert takes the new score; if the new score raises no
alert and nobody has responded yet, the alert is *withdrawn* (closed, ``responded_by`` =
``system:withdrawn``) and left out of the statistics; a later unhappy score re-opens it.

Time to first response is ``first_response_at − created_at`` (set by :func:`respond_alert`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from centric.exceptions import InputError
from centric.surveys._db import existing, insert_rows, update_row

__all__ = ["WITHDRAWN", "AlertStats", "alert_kind", "alert_stats", "open_alerts", "raise_alert", "respond_alert",
           "sync_alert"]

WITHDRAWN = "system:withdrawn"


def alert_kind(instrument: str, version: str | None, score: float | None, *, scale_max: int = 5) -> str | None:
    """The alert an answer raises (``detractor``, ``low_csat``, ``high_effort``) or ``None``."""
    if score is None or (isinstance(score, float) and np.isnan(score)):
        return None
    if instrument == "nps" and score <= 6:
        return "detractor"
    if instrument == "csat" and score <= 2 and scale_max >= 4:
        return "low_csat"
    if instrument == "ces":
        v = str(version or "")
        if v.startswith("2") and score <= 3:
            return "high_effort"
        if v.startswith("1") and score >= 4:
            return "high_effort"
    return None


def alert_id_for(response_id: str) -> str:
    """The id of the alert raised by answer ``response_id``."""
    return f"AL-{response_id}"


def raise_alert(
    store: Any,
    *,
    kind: str,
    response_id: str,
    customer_id: str | None,
    survey_id: str,
    score: float,
    comment: str | None = None,
    at: _dt.datetime | None = None,
) -> bool:
    """Write the alert for one answer unless it is already there; True when a new row was written."""
    row = {
        "alert_id": alert_id_for(response_id),
        "kind": kind,
        "customer_id": customer_id,
        "feedback_id": response_id,
        "survey_id": survey_id,
        "score": float(score),
        "comment": comment or None,
        "created_at": pd.Timestamp(at or _dt.datetime.now(_dt.UTC)),
    }
    if existing(store, "alerts", "alert_id", [row["alert_id"]]):
        return False
    insert_rows(store, "alerts", [row])
    return True


def sync_alert(store: Any, *, kind: str | None, response_id: str, score: float, at: _dt.datetime) -> bool:
    """Make the alert of a changed answer follow it (new score; withdrawn or re-opened).

    Returns False when the answer has no alert yet (the caller raises one if the new score needs it).
    """
    aid = alert_id_for(response_id)
    if not existing(store, "alerts", "alert_id", [aid]):
        return False
    t = store.table("alerts")
    r = t.filter(t.alert_id == aid).select("first_response_at", "resolved_at", "responded_by").execute().iloc[0]
    values: dict[str, Any] = {"score": float(score)}
    if kind is None and pd.isna(r["first_response_at"]) and pd.isna(r["resolved_at"]):
        values.update(resolved_at=at, responded_by=WITHDRAWN, note=f"the answer was changed to {score:g}")
    elif kind is not None and r["responded_by"] == WITHDRAWN:
        values.update(kind=kind, resolved_at=None, responded_by=None, note=None)
    update_row(store, "alerts", "alert_id", aid, values)
    return True


def respond_alert(
    store: Any, alert_id: str, *, by: str, at: _dt.datetime | None = None, note: str | None = None,
    resolve: bool = False,
) -> None:
    """Record that ``by`` acted on an alert: the first call sets ``first_response_at``; ``resolve`` closes it."""
    t = store.table("alerts")
    row = t.filter(t.alert_id == alert_id).select("first_response_at", "resolved_at").execute()
    if row.empty:
        raise InputError(f"Unknown alert {alert_id!r}: no row in 'alerts' has that alert_id.")
    when = at or _dt.datetime.now(_dt.UTC)
    values: dict[str, Any] = {}
    if pd.isna(row["first_response_at"].iloc[0]):
        values.update(first_response_at=when, responded_by=by)
    if note is not None:
        values["note"] = note
    if resolve and pd.isna(row["resolved_at"].iloc[0]):
        values["resolved_at"] = when
    update_row(store, "alerts", "alert_id", alert_id, values)


def open_alerts(store: Any, *, limit: int = 50) -> pd.DataFrame:
    """Unresolved alerts, newest first (for the dashboard)."""
    t = store.table("alerts")
    return t.filter(t.resolved_at.isnull()).order_by([t.created_at.desc(), t.alert_id]).limit(limit).execute()


@dataclass(frozen=True)
class AlertStats:
    """Time to first response over the alerts.

    ``n`` alerts in all, ``answered`` with a first response, ``open`` without one; ``median_hours`` and
    ``p90_hours`` of first_response_at − created_at over the answered ones (None when there are none);
    ``within_24h`` = share (0–1) of *decided* alerts answered within 24 h, where an alert is decided
    once it is answered or older than 24 h (a younger open alert may still make it). Withdrawn
    alerts (the customer changed the answer before anyone responded) are not counted.
    """

    n: int
    answered: int
    open: int
    median_hours: float | None
    p90_hours: float | None
    within_24h: float | None

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return asdict(self)


def alert_stats(store: Any, *, kinds: tuple[str, ...] | None = None, now: _dt.datetime | None = None) -> AlertStats:
    """Time-to-first-response statistics of the alerts (optionally only some ``kinds``).

    The percentiles use linear interpolation (NumPy's default), e.g. answered after 1, 2, 3 and
    10 hours → median 2.5 h, p90 7.9 h.
    """
    t = store.table("alerts")
    t = t.filter(t.responded_by.isnull() | (t.responded_by != WITHDRAWN))
    if kinds:
        t = t.filter(t.kind.isin(list(kinds)))
    df = t.select("created_at", "first_response_at").execute()
    n = len(df)
    created = pd.to_datetime(df["created_at"], utc=True)
    first = pd.to_datetime(df["first_response_at"], utc=True)
    hours = ((first - created).dt.total_seconds() / 3600.0).to_numpy(dtype="float64")
    answered = ~np.isnan(hours)
    now_ts = pd.Timestamp(now or _dt.datetime.now(_dt.UTC))
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts
    age = ((now_ts - created).dt.total_seconds() / 3600.0).to_numpy(dtype="float64")
    decided = answered | (age > 24.0)
    ok = answered & (np.nan_to_num(hours, nan=np.inf) <= 24.0)
    h = hours[answered]
    return AlertStats(
        n=n,
        answered=int(answered.sum()),
        open=int(n - answered.sum()),
        median_hours=float(np.percentile(h, 50)) if len(h) else None,
        p90_hours=float(np.percentile(h, 90)) if len(h) else None,
        within_24h=float(ok.sum() / decided.sum()) if decided.sum() else None,
    )
