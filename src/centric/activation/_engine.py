"""The automation engine: evaluate triggers and conditions in the backend, then guard and act.

For each enabled automation, :func:`run_automation`:

1. evaluates trigger + conditions as one Ibis expression and drops instances that already have a
   message (idempotency key ``automation:customer:instance``; the message id is derived from it);
2. **quiet hours**: defers (writes nothing) customers for whom it is quiet in their local time
   (``customers.attributes.timezone``, else the workspace zone) — a later run sends;
3. **consent** for the channel's purpose via :func:`centric.privacy.check` at send time;
4. **holdout**: a reproducible share (hash of automation id + customer id) is held out; their
   assignment is kept in ``assignments`` (experiment_id = automation id) for the uplift report;
5. **frequency cap** per customer and channel, counting every automation's messages;
6. acts: writes the ``queued`` row first, then sends and marks it ``sent`` or ``failed`` (so a
   crash between the two can never lead to a second send).

Every decision except a deferral is a row in ``messages`` (suppressed rows carry the reason).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from centric.activation._actions import act_on
from centric.activation._channels import Channels, message_id
from centric.activation._filters import apply_filters
from centric.activation._mail import SMTPConfig
from centric.activation._rules import Automation, list_automations
from centric.activation._templates import get_template
from centric.activation._triggers import trigger_candidates
from centric.exceptions import CentricError

__all__ = ["Channels", "RunResult", "holdout_unit", "plan_automation", "run_automation", "run_automations"]


@dataclass
class RunResult:
    """What one automation did in one run."""

    automation_id: str
    candidates: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    suppressed: Counter[str] = field(default_factory=Counter)
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able counts."""
        return {
            "automation_id": self.automation_id,
            "candidates": self.candidates,
            "sent": self.sent,
            "failed": self.failed,
            "deferred": self.deferred,
            "suppressed": dict(self.suppressed),
            **({"error": self.error} if self.error else {}),
        }


def holdout_unit(automation_id: str, customer_id: str) -> float:
    """A uniform number in [0, 1) fixed by (automation, customer): below the holdout share → held out."""
    h = hashlib.sha256(f"{automation_id}\x00{customer_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


def plan_automation(store: Any, automation: Automation, *, now: _dt.datetime, tz: str) -> pd.DataFrame:
    """The fresh trigger instances (not yet messaged) that pass the conditions, with contact data.

    One backend query; columns: customer_id, instance, triggered_at, detail, idempotency_key,
    consent_ok (the set-based consent of :func:`centric.privacy.allowed_customers`), email, phone, attributes.
    """
    from centric.privacy import allowed_customers

    cands = trigger_candidates(store, automation, now, tz)
    cands = apply_filters(store, cands, automation.conditions)
    cands = cands.mutate(
        idempotency_key=ibis.literal(f"{automation.automation_id}:") + cands.customer_id + ":" + cands.instance
    )
    m = store.table("messages").filter(ibis._.automation_id == automation.automation_id)
    done = m.select(_k=m.idempotency_key)
    fresh = cands.anti_join(done, cands.idempotency_key == done._k)
    ok = allowed_customers(store, automation.purpose).select(_ok_id="customer_id")
    j1 = fresh.left_join(ok, fresh.customer_id == ok._ok_id)
    step = j1.select(*fresh.columns, consent_ok=j1._ok_id.notnull())
    c = store.table("customers").select(_c_id="customer_id", email="email", phone="phone", attributes="attributes")
    j2 = step.left_join(c, step.customer_id == c._c_id)
    out = j2.select(*step.columns, email=j2.email, phone=j2.phone, attributes=j2.attributes)
    return out.order_by("customer_id", "instance").execute()


def local_tz(attributes: Any, default: str) -> str:
    if isinstance(attributes, str) and "timezone" in attributes:
        try:
            tz = json.loads(attributes).get("timezone")
            ZoneInfo(tz)
            return str(tz)
        except (ValueError, TypeError, AttributeError, KeyError, OSError):
            pass
    return default


def is_quiet(now: _dt.datetime, window: str | None, tz: str) -> bool:
    """Whether ``now`` falls in the local quiet window ``"HH:MM-HH:MM"`` (wrapping midnight)."""
    if not window:
        return False
    a, _, b = window.partition("-")
    loc = now.astimezone(ZoneInfo(tz))
    t = loc.hour * 60 + loc.minute
    start = int(a[:2]) * 60 + int(a[3:])
    end = int(b[:2]) * 60 + int(b[3:])
    return (start <= t < end) if start < end else (t >= start or t < end)


def recent_counts(store: Any, channel: str, since: _dt.datetime, ids: list[str] | None = None) -> Counter[str]:
    """Messages per customer on ``channel`` sent or queued since ``since`` (the frequency cap's count).

    ``ids``: only these customers (``None``: everyone).
    """
    if ids is not None and not ids:
        return Counter()
    m = store.table("messages")
    # the window is short (hours), so its messages are few: count them all, keep the candidates'
    q = (
        m.filter((m.channel == channel) & m.status.isin(["sent", "queued"]) & (m.sent_at >= since))
        .group_by("customer_id")
        .aggregate(n=ibis._.count())
    )
    df = q.execute()
    want = None if ids is None else set(ids)
    return Counter({str(c): int(n) for c, n in zip(df.customer_id, df.n, strict=True) if want is None or c in want})


def _row(
    mid: str, cid: str, a: Automation, status: str, reason: str, key: str, now: _dt.datetime, template_id: str | None
) -> dict[str, Any]:
    return {
        "message_id": mid,
        "customer_id": cid,
        "channel": a.channel,
        "automation_id": a.automation_id,
        "template_id": template_id,
        "status": status,
        "reason": reason,
        "idempotency_key": key,
        "sent_at": now if status in ("queued", "sent") else None,
    }


def run_automation(
    store: Any, automation: Automation, ch: Channels, *, now: _dt.datetime | None = None, dry_run: bool = False
) -> RunResult:
    """Run one automation once (see the module docstring for the order of the guards)."""
    from centric.privacy import check

    now = now or _dt.datetime.now(_dt.UTC)
    a = automation
    res = RunResult(a.automation_id)
    plan = plan_automation(store, a, now=now, tz=ch.timezone)
    res.candidates = len(plan)
    g = a.guards
    quiet = pd.Series(
        [
            a.channel != "alert" and is_quiet(now, g["quiet_hours"], local_tz(at, ch.timezone))
            for at in plan["attributes"]
        ],
        index=plan.index,
        dtype=bool,
    )
    res.deferred = int(quiet.sum())
    act = plan[~quiet]
    if a.trigger["type"] == "score_threshold" and not dry_run:
        _update_score_state(store, a, deferred=set(plan.loc[quiet, "customer_id"]), now=now)
    if dry_run or act.empty:
        return res
    tpl = get_template(store, a.action["template_id"]) if a.action["type"] == "email" else None
    cap = g["frequency_cap"]
    counts = (
        recent_counts(store, a.channel, now - _dt.timedelta(hours=float(cap["hours"])), list(act.customer_id.unique()))
        if cap
        else Counter()
    )
    rows: list[dict[str, Any]] = []
    todo: list[tuple[str, Any]] = []
    assigned: list[dict[str, Any]] = []
    n_denied = int((~act.consent_ok.astype(bool)).sum())
    for r in act.itertuples():
        cid, key = r.customer_id, r.idempotency_key
        mid = message_id(ch.secret, key)
        if not r.consent_ok:
            # the reason in words (one query each) while few; a plain reason for large batches
            why = check(store, cid, a.purpose, at=now).reason if n_denied <= 20 else f"not allowed for {a.purpose!r}"
            decision_reason = "no consent: " + why
            rows.append(_row(mid, cid, a, "suppressed", decision_reason, key, now, tpl and tpl.template_id))
            res.suppressed["no_consent"] += 1
            continue
        d = check(store, cid, a.purpose)  # the authoritative decision, at send time
        if not d.allowed:
            rows.append(_row(mid, cid, a, "suppressed", f"no consent: {d.reason}", key, now, tpl and tpl.template_id))
            res.suppressed["no_consent"] += 1
            continue
        held = holdout_unit(a.automation_id, cid) < float(g["holdout"])
        assigned.append(
            {
                "experiment_id": a.automation_id,
                "unit_id": cid,
                "variant": "holdout" if held else "treatment",
                "assigned_at": now,
            }
        )
        if held:
            rows.append(_row(mid, cid, a, "suppressed", "holdout", key, now, tpl and tpl.template_id))
            res.suppressed["holdout"] += 1
            continue
        if cap and a.channel != "alert" and counts[cid] >= int(cap["max"]):
            rows.append(
                _row(
                    mid,
                    cid,
                    a,
                    "suppressed",
                    f"frequency cap: {counts[cid]} {a.channel} message(s) in {cap['hours']} h",
                    key,
                    now,
                    tpl and tpl.template_id,
                )
            )
            res.suppressed["frequency_cap"] += 1
            continue
        address = r.email if a.channel == "email" else r.phone if a.channel in ("zalo", "sms") else cid
        if not isinstance(address, str) or not address:
            rows.append(
                _row(
                    mid,
                    cid,
                    a,
                    "suppressed",
                    f"no {'e-mail address' if a.channel == 'email' else 'phone'}",
                    key,
                    now,
                    tpl and tpl.template_id,
                )
            )
            res.suppressed["no_address"] += 1
            continue
        counts[cid] += 1
        rows.append(_row(mid, cid, a, "queued", "", key, now, tpl and tpl.template_id))
        todo.append((mid, r))
    if assigned:
        store.append_new("assignments", pd.DataFrame(assigned).drop_duplicates("unit_id"))
    if rows:
        store.append_new("messages", pd.DataFrame(rows))
    if todo:
        act_on(store, a, ch, todo, act, now, res, tpl)
    return res


def _update_score_state(store: Any, a: Automation, *, deferred: set[str], now: _dt.datetime) -> None:
    from centric.activation._filters import FIELDS, _predicate

    t = a.trigger
    spec = FIELDS[t["field"]]
    if not store.has_table(spec.table):
        return
    src = store.table(spec.table)
    above = src.filter(_predicate(src[spec.column], spec.kind, t["op"], t["value"])).select("customer_id").distinct()
    ids = [c for c in above.execute()["customer_id"] if c not in deferred]
    st = store.table("automation_state")
    others = st.filter(st.automation_id != a.automation_id).execute()
    mine = pd.DataFrame({"automation_id": a.automation_id, "customer_id": ids, "state": "above", "updated_at": now})
    store.replace("automation_state", pd.concat([others, mine], ignore_index=True) if len(others) else mine)


def run_automations(
    store: Any,
    settings: Any,
    now: _dt.datetime | None = None,
    *,
    channels: Channels | None = None,
    dry_run: bool = False,
) -> list[RunResult]:
    """Run every enabled automation once (the server's scheduler calls this every minute)."""
    ch = channels or Channels(
        secret=settings.secret(), timezone=settings.timezone, lang=settings.lang, smtp=SMTPConfig.from_env()
    )
    out = []
    try:
        for a in list_automations(store):
            if not a.enabled:
                continue
            try:
                out.append(run_automation(store, a, ch, now=now, dry_run=dry_run))
            except CentricError as exc:  # one broken automation (e.g. its template was deleted) stops only itself
                out.append(RunResult(a.automation_id, error=str(exc)))
    finally:
        close = getattr(ch.email, "close", None)
        if channels is None and close is not None:
            close()
    return out
