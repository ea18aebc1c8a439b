"""View models and actions for the Automations pages (over :mod:`centric.activation`).

* the list: trigger, action and channel, on/paused, the last message, sends, and the holdout
  uplift of :func:`automation_report` with its interval and n (small samples flagged);
* pause / resume: the core's :func:`save_automation` with the same definition and ``enabled``
  switched, audited;
* the dry-run plan: :func:`plan_automation`'s fresh instances taken through the engine's guards
  in the engine's order — quiet hours (deferred), consent, holdout, frequency cap, missing
  address — and counted; nothing is written or sent.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import Any

import ibis
import pandas as pd

from centric.exceptions import InputError

__all__ = ["MIN_N", "automations_overview", "dry_run", "set_enabled"]

MIN_N = 30  # per group: below this the uplift is flagged as a small sample (as the metrics do)
SAMPLE = 20
STEPS = ("quiet_hours", "no_consent", "holdout", "frequency_cap", "no_address")


def _last_activity(store: Any) -> dict[str, Any]:
    m = store.table("messages")
    sent = m.group_by("automation_id").aggregate(last=m.sent_at.max(), sends=(m.status == "sent").cast("int64").sum())
    df = sent.execute()
    a = store.table("assignments").group_by("experiment_id").aggregate(last=ibis._.assigned_at.max()).execute()
    out: dict[str, Any] = {}
    for r in df.itertuples():
        out[str(r.automation_id)] = {"last": r.last, "sends": 0 if pd.isna(r.sends) else int(r.sends)}
    for r in a.itertuples():
        cur = out.setdefault(str(r.experiment_id), {"last": None, "sends": 0})
        if cur["last"] is None or pd.isna(cur["last"]) or (not pd.isna(r.last) and r.last > cur["last"]):
            cur["last"] = r.last
    return out


def automations_overview(store: Any, tz: str, lang: str, *, now: _dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every automation with its status, last activity, sends and uplift report."""
    from centric.activation import automation_report, list_automations
    from centric.web._views import _local

    seen = _last_activity(store)
    out = []
    for a in list_automations(store):
        rep = automation_report(store, a, now=now)
        act = seen.get(a.automation_id, {"last": None, "sends": 0})
        nt, nh = rep["treated"]["n"], rep["holdout"]["n"]
        out.append(
            {
                "automation_id": a.automation_id,
                "name": a.name,
                "enabled": a.enabled,
                "trigger": a.trigger["type"],
                "action": a.action["type"],
                "channel": a.channel,
                "holdout_share": float(a.guards["holdout"]),
                "last": _local(act["last"], tz, lang),
                "sends": act["sends"],
                "report": rep,
                "small": min(nt, nh) < MIN_N,
            }
        )
    return out


def set_enabled(store: Any, automation_id: str, enabled: bool, *, actor: str) -> Any:
    """Pause (``False``) or resume an automation; audited. Raises InputError when it does not exist."""
    from centric.activation import get_automation, save_automation
    from centric.privacy import append_audit

    a = get_automation(store, automation_id)
    saved = save_automation(store, a.name, a.definition(), automation_id=a.automation_id, enabled=enabled)
    append_audit(
        store,
        actor=actor,
        action="automation.resume" if enabled else "automation.pause",
        subject=a.automation_id,
        details={"enabled": enabled},
    )
    return saved


def dry_run(store: Any, automation_id: str, *, now: _dt.datetime, tz: str) -> dict[str, Any]:
    """Who would be contacted now and who is left out and why, in numbers (writes nothing).

    Raises :class:`InputError` for an unknown automation.
    """
    from centric.activation import get_automation, holdout_unit, is_quiet, local_tz, plan_automation, recent_counts

    a = get_automation(store, automation_id)
    plan = plan_automation(store, a, now=now, tz=tz)
    g = a.guards
    cap = g["frequency_cap"]
    counts = recent_counts(store, a.channel, now - _dt.timedelta(hours=float(cap["hours"]))) if cap else Counter()
    out: Counter[str] = Counter()
    contact: list[str] = []
    left: list[tuple[str, str]] = []
    for r in plan.itertuples():
        cid = str(r.customer_id)
        if a.channel != "alert" and is_quiet(now, g["quiet_hours"], local_tz(r.attributes, tz)):
            why = "quiet_hours"
        elif not bool(r.consent_ok):
            why = "no_consent"
        elif holdout_unit(a.automation_id, cid) < float(g["holdout"]):
            why = "holdout"
        elif cap and a.channel != "alert" and counts[cid] >= int(cap["max"]):
            why = "frequency_cap"
        else:
            address = r.email if a.channel == "email" else r.phone if a.channel in ("zalo", "sms") else cid
            why = "" if isinstance(address, str) and address else "no_address"
        if why:
            out[why] += 1
            if len(left) < SAMPLE:
                left.append((cid, why))
            continue
        counts[cid] += 1
        out["contact"] += 1
        if len(contact) < SAMPLE:
            contact.append(cid)
    return {
        "automation_id": a.automation_id,
        "name": a.name,
        "channel": a.channel,
        "purpose": a.purpose,
        "enabled": a.enabled,
        "candidates": len(plan),
        "contact": out["contact"],
        "left_out": {k: out[k] for k in STEPS},
        "sample_contact": contact,
        "sample_left": left,
        "guards": g,
    }


def known(store: Any, automation_id: str) -> bool:
    """Whether the automation exists."""
    from centric.activation import get_automation

    try:
        get_automation(store, automation_id)
    except InputError:
        return False
    return True
