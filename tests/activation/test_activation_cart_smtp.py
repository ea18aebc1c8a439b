"""Must show: the abandoned-cart automation on the demo workspace, delivered to a real SMTP server.

Exactly one e-mail reaches each eligible customer; none reaches customers without consent, in the
holdout, in quiet hours (their local time) or already contacted — not on a rerun, not after the
store is reopened, not from a fresh process. The Vietnamese text arrives intact.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import hashlib
import json
import os
import subprocess
import sys
import unicodedata

import pandas as pd
import pytest

from centric._tokens import verify
from centric.activation import (
    Channels,
    SMTPConfig,
    run_automations,
    save_automation,
    save_template,
    template_from_sample,
)
from centric.config import Settings
from centric.privacy import allowed_customers
from centric.store import connect

NOW = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội, 22:00 in New York
AID = "cart-abandoned"
HOLDOUT = 0.2
SAMPLE = """Subject: Chị Lan ơi, giỏ hàng của chị đang chờ
Chào chị Lan,

Chị còn để quên sản phẩm này trong giỏ hàng:
- Áo dài lụa

Lan ơi, hoàn tất đơn hôm nay nhé. Cảm ơn chị!
Shop Hoa"""


def _unit(cid: str) -> float:  # the holdout rule, written out independently
    return int.from_bytes(hashlib.sha256(f"{AID}\x00{cid}".encode()).digest()[:8], "big") / 2.0**64


def _given(name: str) -> str:
    return unicodedata.normalize("NFC", name).split()[-1]


def _expected_subject(gender, name) -> str:
    if gender == "female":
        return f"Chị {_given(name)} ơi, giỏ hàng của chị đang chờ"
    if gender == "male":
        return f"Anh {_given(name)} ơi, giỏ hàng của anh đang chờ"
    return "Quý khách ơi, giỏ hàng của Quý khách đang chờ"


def _expected_greeting(gender, name) -> str:
    return {"female": f"Chào chị {_given(name)},", "male": f"Chào anh {_given(name)},"}.get(
        gender, "Kính chào Quý khách,"
    )


def _setup(store):
    """Pick customers for each case from the demo and give them a cart 5 h before NOW."""
    cust = store.table("customers").execute()
    cust = cust[cust.email.notna() & cust.display_name.notna()]
    ok = set(allowed_customers(store, "marketing_email").execute().customer_id)
    granted = cust[cust.customer_id.isin(ok)].sort_values("customer_id")
    denied = cust[~cust.customer_id.isin(ok)].sort_values("customer_id")
    treat = granted[[_unit(c) >= HOLDOUT for c in granted.customer_id]]
    held = granted[[_unit(c) < HOLDOUT for c in granted.customer_id]]
    eligible = pd.concat(
        [treat[treat.gender == g].head(2) for g in ("female", "male")] + [treat[treat.gender.isna()].head(2)]
    )
    rest = treat[~treat.customer_id.isin(eligible.customer_id)]
    cases = {
        "eligible": list(eligible.customer_id),
        "holdout": list(held.customer_id[:2]),
        "no_consent": list(denied.customer_id[:3]),
        "quiet": list(rest.customer_id[:2]),
        "capped": list(rest.customer_id[2:3]),
        "bought": list(rest.customer_id[3:4]),
        "too_fresh": list(rest.customer_id[4:5]),
    }
    assert all(len(v) >= 1 for v in cases.values()), cases
    assert {g for g in eligible.gender.fillna("?")} == {"female", "male", "?"}
    product = store.table("products").order_by("product_id").limit(1).execute().iloc[0]
    rows = []
    for case, ids in cases.items():
        for i, cid in enumerate(ids):
            at = NOW - dt.timedelta(hours=1 if case == "too_fresh" else 5)
            rows.append(
                {
                    "event_id": f"EVT-{case}-{i}",
                    "customer_id": cid,
                    "occurred_at": at,
                    "name": "add_to_cart",
                    "channel": "web",
                    "properties": json.dumps({"product_id": product.product_id, "quantity": 1}),
                }
            )
            if case == "bought":
                rows.append(
                    {
                        "event_id": f"EVT-{case}-{i}-buy",
                        "customer_id": cid,
                        "name": "purchase",
                        "channel": "web",
                        "occurred_at": at + dt.timedelta(hours=3),
                        "properties": "{}",
                    }
                )
    store.append("events", pd.DataFrame(rows))
    # quiet: these customers live in New York (22:00 there at NOW)
    for cid in cases["quiet"]:
        store.con.con.execute(
            "UPDATE customers SET attributes = ? WHERE customer_id = ?", ['{"timezone": "America/New_York"}', cid]
        )
    # capped: another automation e-mailed them 3 h ago
    store.append(
        "messages",
        pd.DataFrame(
            [
                {
                    "message_id": f"Mprev{i}",
                    "customer_id": cid,
                    "channel": "email",
                    "automation_id": "newsletter",
                    "status": "sent",
                    "idempotency_key": f"newsletter:{cid}:x",
                    "sent_at": NOW - dt.timedelta(hours=3),
                }
                for i, cid in enumerate(cases["capped"])
            ]
        ),
    )
    # one eligible name typed decomposed (NFD): it must arrive composed (NFC)
    nfd_id = cases["eligible"][0]
    name = cust.set_index("customer_id").display_name[nfd_id]
    store.con.con.execute(
        "UPDATE customers SET display_name = ? WHERE customer_id = ?", [unicodedata.normalize("NFD", name), nfd_id]
    )
    return cases, cust.set_index("customer_id"), product


def _channels(ws, port):
    s = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang="vi")
    smtp = SMTPConfig(
        host="127.0.0.1",
        port=port,
        security="plain",
        sender="Shop Hoa <hello@shophoa.vn>",
        base_url="https://shop.example",
        brand="Shop Hoa",
    )
    return s, Channels(secret=s.secret(), timezone=s.timezone, lang="vi", smtp=smtp, backoff=0.01)


def _save(store):
    subject, text, html = template_from_sample(SAMPLE)
    save_template(store, "Giỏ hàng", subject, text, html, template_id="cart")
    save_automation(
        store,
        "Giỏ hàng bỏ quên",
        {
            "trigger": {"type": "cart_abandoned", "wait_hours": 2, "lookback_hours": 24},
            "action": {"type": "email", "template_id": "cart"},
            "guards": {"quiet_hours": "21:00-08:00", "frequency_cap": {"max": 1, "hours": 24}, "holdout": HOLDOUT},
        },
        automation_id=AID,
    )


@pytest.mark.slow
def test_abandoned_cart_sends_exactly_once_to_eligible_customers(act_ws, smtp_server):
    host, port, inbox = smtp_server
    store = connect(f"duckdb://{act_ws}/centric.duckdb")
    _save(store)
    s, ch = _channels(act_ws, port)
    # precondition: the demo's own carts in the 24 h before NOW were all bought, so only ours fire
    assert run_automations(store, s, NOW, channels=ch, dry_run=True)[0].candidates == 0
    cases, cust, product = _setup(store)

    [res] = run_automations(store, s, NOW, channels=ch)
    got = [e.rcpt_tos[0] for e in inbox.envelopes]
    want = sorted(cust.email[cid] for cid in cases["eligible"])
    assert sorted(got) == want  # exactly one each, nobody else
    assert res.sent == len(want) and res.deferred == len(cases["quiet"])
    assert res.suppressed == {"holdout": 2, "no_consent": 3, "frequency_cap": 1}

    msgs = store.table("messages").filter(lambda t: t.automation_id == AID).execute().set_index("customer_id")
    assert set(msgs.index) == set(cases["eligible"] + cases["holdout"] + cases["no_consent"] + cases["capped"])
    assert (msgs.loc[cases["eligible"], "status"] == "sent").all()
    assert (msgs.loc[cases["holdout"], "reason"] == "holdout").all()
    assert msgs.loc[cases["no_consent"], "reason"].str.startswith("no consent").all()
    assert msgs.loc[cases["capped"], "reason"].str.startswith("frequency cap").all()
    assign = store.table("assignments").filter(lambda t: t.experiment_id == AID).execute().set_index("unit_id")
    assert set(assign.index[assign.variant == "holdout"]) == set(cases["holdout"])

    # the Vietnamese text arrives intact
    by_rcpt = {e.rcpt_tos[0]: e for e in inbox.envelopes}
    for cid in cases["eligible"]:
        g = cust.gender[cid] if isinstance(cust.gender[cid], str) else None
        name = cust.display_name[cid]
        env = by_rcpt[cust.email[cid]]
        raw = email.message_from_bytes(env.content, policy=email.policy.compat32)
        subject = str(email.header.make_header(email.header.decode_header(raw["Subject"])))
        assert subject == _expected_subject(g, name)
        msg = email.message_from_bytes(env.content, policy=email.policy.default)
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert unicodedata.is_normalized("NFC", text) and unicodedata.is_normalized("NFC", html)
        assert text.splitlines()[0] == _expected_greeting(g, name)
        assert f"- {unicodedata.normalize('NFC', product['name'])}" in text
        assert "Shop Hoa" in text
        unsub = msg["List-Unsubscribe"].strip("<>")
        assert unsub.startswith("https://shop.example/p/")
        assert verify(s.secret(), "prefs", unsub.rsplit("/", 1)[1]) == {"c": cid}
        assert "https://shop.example/t/o/" in html  # open pixel

    # rerun, reopen, fresh process: nothing new
    run_automations(store, s, NOW, channels=ch)
    store.close()
    store = connect(f"duckdb://{act_ws}/centric.duckdb")
    [again] = run_automations(store, s, NOW + dt.timedelta(minutes=5), channels=ch)
    assert again.sent == 0 and again.candidates == len(cases["quiet"])
    store.close()
    env = {
        **os.environ,
        "CENTRIC_SMTP_HOST": host,
        "CENTRIC_SMTP_PORT": str(port),
        "CENTRIC_SMTP_SECURITY": "plain",
        "CENTRIC_STORE": f"duckdb://{act_ws}/centric.duckdb",
        "CENTRIC_LANG": "vi",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "centric",
            "automations",
            "run",
            "--once",
            "--json",
            "--now",
            "2026-01-01T10:10:00+07:00",
            "--workspace",
            str(act_ws),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])[0]["sent"] == 0
    assert len(inbox.envelopes) == len(want)

    # quiet hours defer, they do not drop: at 09:00 in New York the two get theirs, once
    store = connect(f"duckdb://{act_ws}/centric.duckdb")
    [later] = run_automations(store, s, dt.datetime(2026, 1, 1, 14, 0, tzinfo=dt.UTC), channels=ch)
    assert later.sent == len(cases["quiet"])
    got = sorted(e.rcpt_tos[0] for e in inbox.envelopes)
    assert got == sorted(want + [cust.email[c] for c in cases["quiet"]])
    store.close()
