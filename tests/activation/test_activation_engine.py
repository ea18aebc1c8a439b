"""Guards and triggers on a small hand-built store (every expected number is counted by hand)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import httpx
import pandas as pd
import pytest

from centric.activation import (
    Channels,
    MemoryTransport,
    automation_report,
    holdout_unit,
    newcombe_interval,
    parse_definition,
    run_automation,
    save_automation,
    save_template,
)
from centric.activation._engine import is_quiet
from centric.exceptions import InputError
from centric.store import connect

NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam
SECRET = b"k" * 32


def _store(n=6, consent=("marketing_email", "marketing_zalo", "marketing_sms")):
    store = connect("duckdb://")
    ids = [f"C{i}" for i in range(n)]
    store.append(
        "customers",
        pd.DataFrame(
            {
                "customer_id": ids,
                "display_name": [f"Nguyễn Thị Hoa{i}" for i in range(n)],
                "gender": "female",
                "email": [f"c{i}@example.vn" for i in range(n)],
                "phone": [f"+8491234567{i}" for i in range(n)],
            }
        ),
    )
    rows = [
        {
            "consent_id": f"K{i}{p}",
            "customer_ref": f"pos:{c}",
            "customer_id": c,
            "purpose": p,
            "status": "granted",
            "recorded_at": NOW - dt.timedelta(days=30),
        }
        for i, c in enumerate(ids)
        for p in consent
    ]
    store.append("consents", pd.DataFrame(rows))
    store.append("products", pd.DataFrame({"product_id": ["P1"], "name": ["Nước hoa"], "category": ["Làm đẹp"]}))
    store.append(
        "order_items",
        pd.DataFrame(
            {"order_id": ["O0"], "line": [1], "product_id": ["P1"], "quantity": [1], "unit_price": ["100000"]}
        ),
    )
    save_template(
        store,
        "t",
        "{{ Addressee }} ơi",
        "{{ greeting }}\n{% for p in products %}{{ p.name }}{% endfor %}",
        None,
        template_id="t",
    )
    return store, ids


def _ch(**kw):
    return Channels(
        secret=SECRET, email=kw.pop("email", MemoryTransport()), sleep=kw.pop("sleep", lambda s: None), **kw
    )


@pytest.mark.parametrize(
    ("utc_hour", "tz", "quiet"),
    [
        (3, "Asia/Ho_Chi_Minh", False),
        (14, "Asia/Ho_Chi_Minh", True),
        (0, "Asia/Ho_Chi_Minh", True),
        (1, "Asia/Ho_Chi_Minh", False),
        (13, "Asia/Ho_Chi_Minh", False),
        (3, "America/New_York", True),
    ],
)
def test_quiet_hours_in_local_time(utc_hour, tz, quiet):
    # 21:00-08:00 local; Vietnam is UTC+7: 14 UTC = 21:00 (quiet), 0 UTC = 07:00 (quiet), 1 UTC = 08:00 (open)
    assert is_quiet(dt.datetime(2026, 3, 2, utc_hour, 0, tzinfo=dt.UTC), "21:00-08:00", tz) is quiet


def test_holdout_is_reproducible_and_has_the_right_share():
    ids = [f"C{i:05d}" for i in range(20000)]
    share = sum(holdout_unit("a1", c) < 0.1 for c in ids) / len(ids)
    assert abs(share - 0.1) < 0.006  # binomial sd = 0.0021
    assert [holdout_unit("a1", c) for c in ids[:5]] == [holdout_unit("a1", c) for c in ids[:5]]
    assert holdout_unit("a1", "C1") != holdout_unit("a2", "C1")


def test_schedule_sends_once_per_period_and_respects_the_cap():
    store, _ids = _store(4)
    a = save_automation(
        store,
        "weekly",
        {
            "trigger": {"type": "schedule", "every": "week", "at": "09:00"},
            "action": {"type": "email", "template_id": "t"},
            "guards": {"holdout": 0, "frequency_cap": {"max": 1, "hours": 24}},
        },
    )
    mail = MemoryTransport()
    ch = _ch(email=mail)
    r = run_automation(store, a, ch, now=NOW)
    assert (r.sent, r.candidates) == (4, 4)
    assert run_automation(store, a, ch, now=NOW + dt.timedelta(hours=1)).candidates == 0  # same ISO week
    assert run_automation(store, a, ch, now=NOW + dt.timedelta(days=7)).sent == 4  # next week
    assert len(mail.sent) == 8
    # a second automation the same day hits the per-channel cap
    b = save_automation(
        store,
        "daily",
        {
            "trigger": {"type": "schedule", "every": "day", "at": "09:00"},
            "action": {"type": "email", "template_id": "t"},
            "guards": {"holdout": 0},
        },
    )
    rb = run_automation(store, b, ch, now=NOW + dt.timedelta(days=7, minutes=5))
    assert rb.sent == 0 and rb.suppressed["frequency_cap"] == 4


def test_retries_with_backoff_then_failure_is_recorded():
    store, _ids = _store(2)
    a = save_automation(
        store,
        "x",
        {
            "trigger": {"type": "manual", "campaign": "c1"},
            "action": {"type": "email", "template_id": "t"},
            "guards": {"holdout": 0},
        },
    )
    waits = []
    mail = MemoryTransport(fail=2)
    r = run_automation(store, a, _ch(email=mail, sleep=waits.append, backoff=0.5), now=NOW)
    assert r.sent == 2 and waits == [0.5, 1.0]  # first message: 2 failures, then success
    b = save_automation(
        store,
        "y",
        {
            "trigger": {"type": "manual", "campaign": "c2"},
            "action": {"type": "email", "template_id": "t"},
            "guards": {"holdout": 0, "frequency_cap": None},
        },
    )
    r = run_automation(store, b, _ch(email=MemoryTransport(fail=100), attempts=3), now=NOW)
    assert r.failed == 2 and r.sent == 0
    m = store.table("messages").filter(lambda t: t.automation_id == "y").execute()
    assert set(m.status) == {"failed"} and m.reason.str.contains("SMTPServerDisconnected").all()


def test_consent_withdrawn_is_respected_at_send_time():
    store, _ids = _store(3)
    store.append(
        "consents",
        pd.DataFrame(
            [
                {
                    "consent_id": "W",
                    "customer_ref": "pos:C1",
                    "customer_id": "C1",
                    "purpose": "marketing_email",
                    "status": "withdrawn",
                    "recorded_at": NOW - dt.timedelta(days=1),
                }
            ]
        ),
    )
    a = save_automation(
        store,
        "x",
        {"trigger": {"type": "manual"}, "action": {"type": "email", "template_id": "t"}, "guards": {"holdout": 0}},
    )
    mail = MemoryTransport()
    r = run_automation(store, a, _ch(email=mail), now=NOW)
    assert r.sent == 2 and r.suppressed["no_consent"] == 1
    assert sorted(m["To"].addresses[0].addr_spec for m in mail.sent) == ["c0@example.vn", "c2@example.vn"]
    reason = store.table("messages").filter(lambda t: t.customer_id == "C1").execute().reason.iloc[0]
    assert reason.startswith("no consent: consent withdrawn at")


def test_webhook_for_zalo_posts_json_with_retry():
    store, _ids = _store(2)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) == 1 else 200, json={"error": 0})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    a = save_automation(
        store,
        "zalo",
        {
            "trigger": {"type": "manual", "campaign": "tet"},
            "action": {
                "type": "webhook",
                "channel": "zalo",
                "url": "https://gw.example/zns",
                "text": "{{ greeting }} Chúc mừng năm mới từ {{ brand }}!",
            },
            "guards": {"holdout": 0},
        },
    )
    r = run_automation(store, a, _ch(http=client), now=NOW)
    assert r.sent == 2 and len(seen) == 3  # one 503 retried
    body = json.loads(seen[-1].content.decode("utf-8"))
    assert body["channel"] == "zalo" and body["phone_84"].startswith("8491234567")
    assert body["text"] == unicodedata.normalize(
        "NFC", f"Chào chị {body['text'].split()[2]} Chúc mừng năm mới từ Centric!"
    )
    assert seen[-1].headers["Idempotency-Key"] == f"zalo:{body['customer_id']}:campaign:tet"


def test_sms_webhook_gets_the_qc_label_and_a_legal_cap():
    store, _ids = _store(1)
    seen = []
    client = httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200)))
    a = save_automation(
        store,
        "sms",
        {
            "trigger": {"type": "manual"},
            "guards": {"holdout": 0},
            "action": {"type": "webhook", "channel": "sms", "url": "https://gw.example/sms", "text": "Ưu đãi 20%"},
        },
    )
    run_automation(store, a, _ch(http=client), now=NOW)
    assert json.loads(seen[0].content)["text"] == "[QC] Ưu đãi 20%"
    with pytest.raises(InputError, match="at most 3 advertisements per number per 24 h"):
        parse_definition(
            {
                "trigger": {"type": "manual"},
                "guards": {"frequency_cap": {"max": 4, "hours": 24}},
                "action": {"type": "webhook", "channel": "sms", "url": "https://gw.example/sms"},
            }
        )


def test_detractor_raises_an_internal_alert():
    store, _ids = _store(3)
    store.append(
        "feedback",
        pd.DataFrame(
            {
                "response_id": ["R1", "R2", "R3"],
                "customer_id": ["C0", "C1", "C2"],
                "instrument": "nps",
                "score": [3.0, 9.0, 6.0],
                "comment": ["Giao hàng chậm", "Tốt", "Tạm"],
                "submitted_at": [NOW - dt.timedelta(days=1), NOW - dt.timedelta(days=1), NOW - dt.timedelta(days=30)],
            }
        ),
    )
    a = save_automation(
        store,
        "det",
        {
            "trigger": {"type": "survey_detractor"},
            "guards": {"holdout": 0},
            "action": {"type": "alert", "note": "gọi lại trong 24 h"},
        },
    )
    r = run_automation(store, a, _ch(), now=NOW)
    assert r.sent == 1  # R2 is a promoter, R3 is older than the 7-day lookback
    al = store.table("alerts").execute()
    assert list(al.customer_id) == ["C0"] and al.kind.iloc[0] == "automation"
    assert al.feedback_id.iloc[0] == "R1" and al.comment.iloc[0] == "Giao hàng chậm"
    assert run_automation(store, a, _ch(), now=NOW).sent == 0


def test_score_threshold_fires_on_crossing_only():
    store, ids = _store(3)
    store.replace("customer_scores", pd.DataFrame({"customer_id": ids, "churn_risk": [0.9, 0.2, 0.75]}))
    a = save_automation(
        store,
        "risk",
        {
            "trigger": {"type": "score_threshold", "field": "churn_risk", "value": 0.7},
            "action": {"type": "email", "template_id": "t"},
            "guards": {"holdout": 0, "frequency_cap": None},
        },
    )
    assert run_automation(store, a, _ch(), now=NOW).sent == 2  # C0, C2
    later = NOW + dt.timedelta(days=1)
    assert run_automation(store, a, _ch(), now=later).candidates == 0  # still above: no new crossing
    store.replace("customer_scores", pd.DataFrame({"customer_id": ids, "churn_risk": [0.5, 0.8, 0.75]}))
    r = run_automation(store, a, _ch(), now=later)
    assert r.sent == 1  # C1 crossed; C0 dropped below
    store.replace("customer_scores", pd.DataFrame({"customer_id": ids, "churn_risk": [0.95, 0.8, 0.75]}))
    assert run_automation(store, a, _ch(), now=later + dt.timedelta(days=1)).sent == 1  # C0 crossed again


@pytest.mark.parametrize(
    ("day", "fires"), [(dt.date(2026, 2, 10), True), (dt.date(2026, 2, 11), False), (dt.date(2027, 1, 30), True)]
)
def test_tet_trigger_days_before(day, fires):
    store, _ids = _store(2)
    a = save_automation(
        store,
        "tet",
        {
            "trigger": {"type": "tet", "days_before": 7},
            "guards": {"holdout": 0},
            "action": {"type": "email", "template_id": "t"},
        },
    )
    now = dt.datetime.combine(day, dt.time(3, 0), tzinfo=dt.UTC)
    assert run_automation(store, a, _ch(), now=now, dry_run=True).candidates == (2 if fires else 0)


def test_first_purchase_anniversary_in_local_time():
    store, _ids = _store(3)
    # C0 first bought 2025-03-02 20:00 UTC = 03-03 03:00 local; C1 on 2025-03-01 18:00 UTC = 03-02 01:00 local
    store.append(
        "orders",
        pd.DataFrame(
            {
                "order_id": ["A", "B", "C"],
                "customer_ref": "x",
                "customer_id": ["C0", "C1", "C2"],
                "status": "completed",
                "total_amount": ["1", "1", "1"],
                "ordered_at": pd.to_datetime(["2025-03-02T20:00Z", "2025-03-01T18:00Z", "2026-03-01T18:00Z"]),
            }
        ),
    )
    a = save_automation(
        store,
        "anniv",
        {
            "trigger": {"type": "first_purchase_anniversary"},
            "guards": {"holdout": 0},
            "action": {"type": "email", "template_id": "t"},
        },
    )
    p = run_automation(store, a, _ch(), now=NOW)  # local 2026-03-02
    assert p.sent == 1
    assert store.table("messages").execute().customer_id.tolist() == ["C1"]


def test_uplift_report_counts_and_newcombe_interval():
    d, lo, hi = newcombe_interval(56, 70, 48, 80)  # Newcombe (1998), Table II example (a): method 10
    assert (round(d, 4), round(lo, 4), round(hi, 4)) == (0.2, 0.0524, 0.3339)
    store, _ids = _store(1)
    a = save_automation(
        store,
        "u",
        {"trigger": {"type": "manual"}, "action": {"type": "email", "template_id": "t"}, "conversion_days": 7},
    )
    t0 = NOW - dt.timedelta(days=30)
    units = [(f"T{i}", "treatment") for i in range(70)] + [(f"H{i}", "holdout") for i in range(80)]
    store.append(
        "assignments",
        pd.DataFrame([{"experiment_id": "u", "unit_id": u, "variant": v, "assigned_at": t0} for u, v in units]),
    )
    buyers = [f"T{i}" for i in range(56)] + [f"H{i}" for i in range(48)]
    late = ["T60"]  # bought after the 7-day window: not a conversion
    store.append(
        "orders",
        pd.DataFrame(
            [
                {
                    "order_id": f"O{b}",
                    "customer_ref": "x",
                    "customer_id": b,
                    "status": "completed",
                    "total_amount": "1",
                    "ordered_at": t0 + dt.timedelta(days=2),
                }
                for b in buyers
            ]
            + [
                {
                    "order_id": "Olate",
                    "customer_ref": "x",
                    "customer_id": "T60",
                    "status": "completed",
                    "total_amount": "1",
                    "ordered_at": t0 + dt.timedelta(days=9),
                }
                for _ in late
            ]
        ),
    )
    rep = automation_report(store, a, now=NOW)
    assert rep["treated"] == {"n": 70, "converted": 56, "rate": 0.8}
    assert rep["holdout"] == {"n": 80, "converted": 48, "rate": 0.6}
    assert round(rep["interval"][0], 4) == 0.0524 and round(rep["interval"][1], 4) == 0.3339


@pytest.mark.parametrize(
    ("definition", "phrase"),
    [
        (
            {"trigger": {"type": "when_i_feel_like_it"}, "action": {"type": "alert"}},
            "type 'when_i_feel_like_it' is not known",
        ),
        ({"trigger": {"type": "manual"}, "action": {"type": "email"}}, "needs a 'template_id'"),
        (
            {"trigger": {"type": "manual"}, "action": {"type": "alert"}, "guards": {"holdout": 1.5}},
            "holdout must be a share",
        ),
        ({"trigger": {"type": "manual"}, "action": {"type": "alert"}, "guards": {"quiet_hours": "9pm"}}, "HH:MM-HH:MM"),
        ({"trigger": {"type": "cart_abandoned", "wait": 2}, "action": {"type": "alert"}}, "unknown keys \\['wait'\\]"),
        (
            {"trigger": {"type": "manual"}, "action": {"type": "webhook", "channel": "zalo", "url": "ftp://x"}},
            "http\\(s\\)",
        ),
    ],
)
def test_bad_definitions_are_refused(definition, phrase):
    with pytest.raises(InputError, match=phrase):
        parse_definition(definition)


def test_a_broken_automation_does_not_stop_the_others():
    from centric.activation import run_automations
    from centric.activation._rows import delete_row

    store, _ids = _store(2)
    save_template(store, "t2", "Hi", "{{ greeting }}", None, template_id="t2")
    save_automation(
        store,
        "a",
        {"trigger": {"type": "manual"}, "action": {"type": "email", "template_id": "t2"}, "guards": {"holdout": 0}},
    )
    save_automation(
        store,
        "b",
        {
            "trigger": {"type": "manual"},
            "action": {"type": "email", "template_id": "t"},
            "guards": {"holdout": 0, "frequency_cap": None},
        },
    )
    delete_row(store, "email_templates", {"template_id": "t2"})
    ra, rb = run_automations(store, None, NOW, channels=_ch())
    assert ra.error.startswith("No e-mail template 't2'") and ra.sent == 0
    assert rb.sent == 2 and rb.error == ""
