"""Writes through the JSON API: events, identify, feedback — exact JSON, idempotency, commit before ack."""

from __future__ import annotations

import datetime as dt

import pytest


def _h(key):
    return {"Authorization": f"Bearer {key}"}


def _events(ids, **extra):
    return {"events": [{"event_id": i, "occurred_at": "2026-03-01T08:30:00", "name": "page_view", **extra}
                       for i in ids]}


def test_events_batch_is_stored_once_and_duplicates_are_counted(api):
    client, app, keys = api
    store = app.state.store
    with app.state.store_lock:  # every store access holds the lock (the writer thread shares the connection)
        before = store.count("events")
    r = client.post("/api/v1/events", json=_events(["api-1", "api-2", "api-2"], channel="web",
                                                   properties={"path": "/giỏ-hàng", "n": 2}),
                    headers=_h(keys["ingest"]))
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "duplicates": 1, "suppressed": 0}
    # the same batch again (a client retry) changes nothing
    r = client.post("/api/v1/events", json=_events(["api-1", "api-2"]), headers=_h(keys["ingest"]))
    assert r.json() == {"accepted": 0, "duplicates": 2, "suppressed": 0}
    with app.state.store_lock:
        assert store.count("events") == before + 2
        row = store.con.con.execute(
            "SELECT occurred_at, channel, properties, batch_id FROM events WHERE event_id = 'api-1'").fetchone()
    # 08:30 without an offset is Asia/Ho_Chi_Minh time (UTC+7) → 01:30 UTC
    assert row[0] == dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)
    assert row[1] == "web"
    assert row[2] == '{"path":"/giỏ-hàng","n":2}'
    assert row[3].startswith("api:k_")


def test_an_id_already_in_the_demo_store_is_a_duplicate(api):
    client, app, keys = api
    with app.state.store_lock:
        existing = app.state.store.con.con.execute("SELECT event_id FROM events LIMIT 1").fetchone()[0]
    r = client.post("/api/v1/events", json=_events([existing, "brand-new"]), headers=_h(keys["admin"]))
    assert r.json() == {"accepted": 1, "duplicates": 1, "suppressed": 0}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"events": []}, {"error": {"code": "invalid", "field": "events",
                                    "message": "events: List should have at least 1 item after validation, not 0"}}),
        ({"events": [{"event_id": "x", "name": "a", "occurred_at": "yesterday"}]},
         {"error": {"code": "invalid", "field": "events.0.occurred_at",
                    "message": "events.0.occurred_at: Input should be a valid datetime or date, input is too "
                               "short"}}),
        ({"events": [{"event_id": "x", "name": "a", "occurred_at": "2026-01-01T00:00:00", "colour": "red"}]},
         {"error": {"code": "invalid", "field": "events.0.colour",
                    "message": "events.0.colour: Extra inputs are not permitted"}}),
    ],
)
def test_invalid_batches_name_the_field(api, body, expected):
    client, app, keys = api
    with app.state.store_lock:
        before = app.state.store.count("events")
    r = client.post("/api/v1/events", json=body, headers=_h(keys["ingest"]))
    assert r.status_code == 422
    assert r.json() == expected
    with app.state.store_lock:
        assert app.state.store.count("events") == before  # nothing of a refused batch is stored


def test_malformed_json_has_the_error_shape(api):
    client, _, keys = api
    r = client.post("/api/v1/events", content=b"{not json", headers={**_h(keys["ingest"]),
                                                                       "content-type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"error": {"code": "invalid",
                                  "message": "request: Invalid JSON: key must be a string at line 1 column 2"}}


def test_identify_links_earlier_and_later_anonymous_events(api):
    client, app, keys = api
    h = _h(keys["ingest"])
    with app.state.store_lock:
        ref, cid = app.state.store.con.con.execute(
            "SELECT customer_ref, customer_id FROM customer_records WHERE customer_id IS NOT NULL "
            "ORDER BY customer_ref LIMIT 1").fetchone()
    assert client.post("/api/v1/events", json=_events(["anon-e1", "anon-e2"], anonymous_id="cookie-42"),
                       headers=h).json() == {"accepted": 2, "duplicates": 0, "suppressed": 0}
    r = client.post("/api/v1/identify", json={"anonymous_id": "cookie-42", "customer_ref": ref}, headers=h)
    assert r.status_code == 200
    assert r.json() == {"anonymous_id": "cookie-42", "customer_ref": ref, "customer_id": cid, "created": True,
                        "events_linked": 2, "suppressed": False}
    # idempotent: the second call creates nothing and finds nothing left to link
    r = client.post("/api/v1/identify", json={"anonymous_id": "cookie-42", "customer_id": cid}, headers=h)
    assert r.json() == {"anonymous_id": "cookie-42", "customer_ref": ref, "customer_id": cid, "created": False,
                        "events_linked": 0, "suppressed": False}
    # a later event of the same cookie takes the customer's ref at insert
    client.post("/api/v1/events", json=_events(["anon-e3"], anonymous_id="cookie-42"), headers=h)
    with app.state.store_lock:
        rows = app.state.store.con.con.execute(
            "SELECT event_id, customer_ref FROM events WHERE anonymous_id = 'cookie-42' ORDER BY event_id").fetchall()
    assert [r[1] for r in rows] == [ref] * 4
    assert rows[-1][0].startswith("identify:")


def test_identify_errors(api):
    client, _, keys = api
    h = _h(keys["ingest"])
    r = client.post("/api/v1/identify", json={"anonymous_id": "a", "customer_id": "C-nobody"}, headers=h)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "No customer with customer_id 'C-nobody'.",
                                  "field": "customer_id"}}
    r = client.post("/api/v1/identify", json={"anonymous_id": "a"}, headers=h)
    assert r.status_code == 422
    assert r.json() == {"error": {"code": "invalid",
                                  "message": "request: Value error, give exactly one of customer_ref or customer_id"}}


def test_feedback_is_idempotent_and_range_checked(api):
    client, app, keys = api
    h = _h(keys["ingest"])
    body = {"responses": [{"response_id": "fb-api-1", "instrument": "nps", "score": 3, "comment": "Giao chậm",
                           "language": "vi", "submitted_at": "2026-03-02T09:00:00+07:00"}]}
    post = client.post
    assert post("/api/v1/feedback", json=body, headers=h).json() == {"accepted": 1, "duplicates": 0, "suppressed": 0}
    assert post("/api/v1/feedback", json=body, headers=h).json() == {"accepted": 0, "duplicates": 1, "suppressed": 0}
    with app.state.store_lock:
        row = app.state.store.con.con.execute(
            "SELECT instrument, score, comment, submitted_at FROM feedback WHERE response_id = 'fb-api-1'").fetchall()
    assert row == [("nps", 3.0, "Giao chậm", dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))]
    bad = {"responses": [{"response_id": "fb-api-2", "instrument": "csat", "score": 6}]}
    r = client.post("/api/v1/feedback", json=bad, headers=h)
    assert r.status_code == 422
    assert r.json() == {"error": {"code": "invalid", "field": "responses.0",
                                  "message": "responses.0: Value error, score 6.0 is outside 1..5 for instrument "
                                             "'csat'"}}


def test_wellbeing_answers_need_the_wellbeing_consent(api):
    from centric.privacy import allowed_customers

    client, app, keys = api
    store = app.state.store
    with app.state.store_lock:
        ok_ids = set(allowed_customers(store, "wellbeing_survey").execute()["customer_id"])
        refs = store.con.con.execute(
            "SELECT customer_ref, customer_id FROM customer_records WHERE customer_id IS NOT NULL ORDER BY 1"
        ).fetchall()
    refused = next(ref for ref, cid in refs if cid not in ok_ids)
    body = {"responses": [{"response_id": "wb-1", "instrument": "who5", "score": 4, "customer_ref": refused}]}
    r = client.post("/api/v1/feedback", json=body, headers=_h(keys["ingest"]))
    assert r.status_code == 403
    assert r.json() == {"error": {"code": "consent_required", "field": "responses.0.customer_ref",
                                  "message": f"Response 'wb-1': customer {refused!r} has not consented to "
                                             "'wellbeing_survey'; wellbeing answers cannot be stored."}}
    allowed = [ref for ref, cid in refs if cid in ok_ids]
    if allowed:  # the demo grants the purpose to some customers
        body["responses"][0]["customer_ref"] = allowed[0]
        assert client.post("/api/v1/feedback", json=body, headers=_h(keys["ingest"])).json() == {
            "accepted": 1, "duplicates": 0, "suppressed": 0}
    # an anonymous wellbeing answer names nobody and is stored
    body = {"responses": [{"response_id": "wb-anon", "instrument": "who5", "score": 2}]}
    assert client.post("/api/v1/feedback", json=body, headers=_h(keys["ingest"])).json() == {
        "accepted": 1, "duplicates": 0, "suppressed": 0}


def test_instants_outside_1970_2100_are_refused(api):
    client, _, keys = api
    r = client.post("/api/v1/events", json=_events(["old"]) | {"events": [
        {"event_id": "old", "occurred_at": "0086-12-20T08:59:16", "name": "x"}]}, headers=_h(keys["ingest"]))
    assert r.status_code == 422
    assert r.json() == {"error": {"code": "invalid", "field": "events.0.occurred_at",
                                  "message": "events.0.occurred_at: Value error, '0086-12-20T08:59:16' is outside "
                                             "the years 1970–2100"}}
    r = client.post("/api/v1/identify", json={"anonymous_id": "a", "customer_ref": "x:1",
                                              "occurred_at": "9999-01-01T00:00:00Z"}, headers=_h(keys["ingest"]))
    assert r.status_code == 422 and r.json()["error"]["field"] == "occurred_at"


def test_oversized_bodies_are_refused(api, monkeypatch):
    from centric.web import api_routes

    client, _, keys = api
    monkeypatch.setattr(api_routes, "MAX_BODY_BYTES", 1000)
    r = client.post("/api/v1/events", json=_events([f"big-{i}" for i in range(50)]), headers=_h(keys["ingest"]))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"
    assert r.json()["error"]["message"] == "The body has 3,852 bytes; at most 1,000 are accepted. Send smaller batches."


def test_erased_people_do_not_come_back_through_the_api(api):
    """Events and identify calls naming someone on the suppression list store nothing and say so."""
    import datetime as dt

    from centric.privacy._suppress import suppress_identifiers

    client, app, keys = api
    h = _h(keys["ingest"])
    with app.state.store_lock:
        ref = app.state.store.con.con.execute(
            "SELECT customer_ref FROM customer_records WHERE customer_id IS NOT NULL ORDER BY customer_ref LIMIT 1"
        ).fetchone()[0]
        gone = [("anonymous", "cookie-gone"), ("customer_ref", "web:gone")]
        suppress_identifiers(app.state.store, app.state.secret, gone, request_id="t",
                             at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        before = app.state.store.count("events")
    body = _events(["g1", "g2"], anonymous_id="cookie-gone")
    body["events"] += _events(["g3"], customer_ref="web:gone")["events"] + _events(["g4"], anonymous_id="ok")["events"]
    assert client.post("/api/v1/events", json=body, headers=h).json() == {"accepted": 1, "duplicates": 0,
                                                                          "suppressed": 3}
    r = client.post("/api/v1/identify", json={"anonymous_id": "cookie-gone", "customer_ref": ref}, headers=h)
    assert r.status_code == 200
    assert r.json()["suppressed"] is True and r.json()["created"] is False
    with app.state.store_lock:
        con = app.state.store.con.con
        assert app.state.store.count("events") == before + 1
        assert con.execute("SELECT count(*) FROM events WHERE anonymous_id = 'cookie-gone'").fetchone()[0] == 0
