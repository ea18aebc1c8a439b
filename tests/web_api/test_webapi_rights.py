"""Rights requests taken in over the API: the same record and clock as the CLI's, audited, bad input refused."""

from __future__ import annotations

import json

import pandas as pd


def _h(key):
    return {"Authorization": f"Bearer {key}"}


def test_rights_request_intake_records_the_clock_and_the_audit(api):
    from centric.privacy import clock

    client, app, keys = api
    store = app.state.store
    with app.state.store_lock:
        cid = store.table("customers").customer_id.execute().iloc[0]
    r = client.post("/api/v1/rights-requests", headers=_h(keys["admin"]),
                    json={"kind": "access", "customer_id": cid, "processor": True})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["kind"] == "access" and got["customer_id"] == cid and got["status"] == "received"
    assert got["mode"] == "pdp" and got["channel"] == "api" and got["completed_at"] is None
    received = pd.Timestamp(got["received_at"])
    c = clock(received, "pdp", processor=True, tz="Asia/Ho_Chi_Minh")  # hand-checked in tests/privacy
    assert pd.Timestamp(got["ack_due"]) == pd.Timestamp(c.ack_due)
    assert pd.Timestamp(got["due_at"]) == pd.Timestamp(c.due_at)
    assert (pd.Timestamp(got["due_at"]) - received).days >= 20  # 20 days with a processor, more over holidays

    again = client.get(f"/api/v1/rights-requests/{got['request_id']}", headers=_h(keys["admin"]))
    assert again.status_code == 200 and again.json() == got
    with app.state.store_lock:
        stored = store.table("rights_requests").execute()
        audit = store.table("audit_log").execute()
    assert list(stored.request_id) == [got["request_id"]]
    row = audit[audit.action == "rights.access.received"]
    assert len(row) == 1 and row.subject.iloc[0] == cid and json.loads(row.details.iloc[0])["channel"] == "api"


def test_bad_rights_requests_change_nothing(api):
    client, app, keys = api
    r = client.post("/api/v1/rights-requests", headers=_h(keys["admin"]),
                    json={"kind": "access", "customer_id": "nobody-here"})
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "field": "customer_id", "message": (
        "Unknown customer 'nobody-here': no customer has this customer_id; nothing was changed.")}}
    r = client.post("/api/v1/rights-requests", headers=_h(keys["admin"]),
                    json={"kind": "forget-me", "customer_id": "x"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "kind"
    r = client.get("/api/v1/rights-requests/RQ-none", headers=_h(keys["admin"]))
    assert r.status_code == 404 and r.json()["error"]["field"] == "request_id"
    with app.state.store_lock:
        assert app.state.store.table("rights_requests").count().execute() == 0
