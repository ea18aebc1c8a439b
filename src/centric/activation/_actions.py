"""Acting on one automation's batch: render, send (e-mail / webhook) or raise an alert, record the outcome."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import pandas as pd

from centric.activation._channels import Channels, post_webhook, prefs_link, track_html
from centric.activation._mail import build_message, deliver
from centric.activation._render import nfc, render_email
from centric.activation._rows import update_message
from centric.activation._rules import Automation
from centric.activation._templates import customer_contexts
from centric.exceptions import CentricError

__all__ = ["CHUNK", "act_on"]

CHUNK = 500


def _cart_products(store: Any, plan: pd.DataFrame, lang: str) -> dict[str, list[dict[str, str]]]:
    pids: dict[str, str] = {}
    for r in plan.itertuples():
        try:
            pid = json.loads(r.detail).get("product_id") if isinstance(r.detail, str) else None
        except (ValueError, AttributeError):
            pid = None
        if pid:
            pids[r.customer_id] = str(pid)
    if not pids:
        return {}
    p = store.table("products")
    names = p.filter(p.product_id.isin(list(set(pids.values())))).select("product_id", "name", "category").execute()
    by = {r.product_id: r for r in names.itertuples()}
    because = "trong giỏ hàng của bạn" if lang == "vi" else "in your cart"
    return {
        cid: [{"product_id": pid, "name": nfc(by[pid].name), "category": by[pid].category or "", "because": because}]
        for cid, pid in pids.items()
        if pid in by
    }


def act_on(
    store: Any,
    a: Automation,
    ch: Channels,
    todo: list[tuple[str, Any]],
    act: pd.DataFrame,
    now: _dt.datetime,
    res: Any,
    tpl: Any,
) -> None:
    """Send each queued message of ``todo`` (``(message_id, plan row)``) and mark it sent or failed.

    Contexts are built per chunk of :data:`CHUNK` customers (one query per table each).
    """
    products = _cart_products(store, act, ch.lang) if a.trigger["type"] == "cart_abandoned" else None
    prefs = prefs_link(ch.secret, ch.smtp.base_url)
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        ctxs = customer_contexts(
            store,
            [r.customer_id for _, r in chunk],
            lang=ch.lang,
            prefs_url=prefs,
            brand=ch.smtp.brand,
            products=products,
        )
        for mid, r in chunk:
            try:
                ok, detail = _one(store, a, ch, mid, r, ctxs[r.customer_id], now, tpl)
            except CentricError as exc:  # e.g. a template refused for this customer: record it, go on
                ok, detail = False, f"{type(exc).__name__}: {exc}"[:500]
            if ok:
                update_message(store, mid, status="sent", reason=detail)
                res.sent += 1
            else:
                update_message(store, mid, status="failed", reason=detail)
                res.failed += 1


def _one(
    store: Any, a: Automation, ch: Channels, mid: str, r: Any, ctx: dict[str, Any], now: _dt.datetime, tpl: Any
) -> tuple[bool, str]:
    """Render and deliver one message; returns (ok, detail)."""
    if a.action["type"] == "email":
        em = render_email(tpl.subject, tpl.text, tpl.html, ctx)
        html = track_html(em.html, secret=ch.secret, base_url=ch.smtp.base_url, mid=mid, skip=ctx["preferences_url"])
        msg = build_message(
            sender=ch.smtp.sender,
            to=r.email,
            subject=em.subject,
            text=em.text,
            html=html,
            unsubscribe_url=ctx["unsubscribe_url"],
            message_id=mid,
        )
        ok, detail = deliver(ch.email_transport(), msg, attempts=ch.attempts, backoff=ch.backoff, sleep=ch.sleep)
    elif a.action["type"] == "webhook":
        text = render_email(a.action["text"], a.action["text"], None, ctx).text.strip()
        if a.channel == "sms" and not text.startswith(("[QC]", "[AD]")):
            text = "[QC] " + text  # Decree 91/2020: advertising SMS carry [QC]
        payload = {
            "message_id": mid,
            "channel": a.channel,
            "customer_id": r.customer_id,
            "phone": r.phone if isinstance(r.phone, str) else None,
            "phone_84": r.phone.lstrip("+") if isinstance(r.phone, str) else None,
            "text": text,
            "automation_id": a.automation_id,
        }
        ok, detail = post_webhook(
            ch.http_client(),
            a.action["url"],
            payload,
            idempotency_key=r.idempotency_key,
            attempts=ch.attempts,
            backoff=ch.backoff,
            sleep=ch.sleep,
        )
    else:
        note = f"{a.name}: {a.action.get('note') or ''}".strip(": ")
        store.append_new(
            "alerts",
            pd.DataFrame(
                [
                    {
                        "alert_id": mid,
                        "kind": "automation",
                        "customer_id": r.customer_id,
                        "feedback_id": r.instance if a.trigger["type"] == "survey_detractor" else None,
                        "comment": r.detail if a.trigger["type"] == "survey_detractor" else None,
                        "created_at": now,
                        "note": note,
                    }
                ]
            ),
        )
        ok, detail = True, "alert raised"
    return ok, detail
