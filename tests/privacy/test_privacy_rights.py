"""Rights requests end to end on a demo copy: export bundle (every table that holds the person),
restriction, objection, rectification, erasure through a request; statuses, extension and reminders."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pytest

import centric.privacy as P
from centric.exceptions import InputError
from centric.store import connect

ADMIN = "admin"


@pytest.fixture
def demo_store(demo_ws, tmp_path):
    src, _ = demo_ws
    ws = tmp_path / "ws"
    shutil.copytree(src, ws)
    store = connect(f"duckdb://{ws}/centric.duckdb")
    yield ws, store
    store.close()


def _busy_customer(store):
    con = store.con.con
    cid = con.execute("""
        SELECT c.customer_id FROM customers c
        JOIN churn_scores s USING (customer_id) JOIN customer_personas p USING (customer_id)
        WHERE c.n_records = 2 AND c.customer_id IN (SELECT customer_id FROM feedback)
          AND c.customer_id IN (SELECT customer_id FROM events) AND c.customer_id IN (SELECT customer_id FROM consents)
        ORDER BY c.customer_id LIMIT 1""").fetchone()[0]
    return cid


def test_export_bundle_has_a_row_from_every_table_holding_the_person(demo_store, tmp_path):
    _, store = demo_store
    cid = _busy_customer(store)
    store.append("messages", pd.DataFrame([{"message_id": "m1", "customer_id": cid, "channel": "email",
                                            "status": "sent"}]))
    rq = P.open_request(store, "access", cid, actor=ADMIN)
    with pytest.raises(InputError, match="verify the requester's identity first"):
        P.complete(store, rq["request_id"], actor=ADMIN)
    P.verify_identity(store, rq["request_id"], "id_document", actor=ADMIN)
    out = P.complete(store, rq["request_id"], actor=ADMIN, out_dir=tmp_path / "bundle")
    # independent truth: every table with a customer_id column that has a row of theirs (plain SQL)
    con = store.con.con
    expected = set()
    base = "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
    for (name,) in con.execute(base).fetchall():
        cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
        n = con.execute(f'SELECT count(*) FROM "{name}" WHERE customer_id = ?', [cid]).fetchone()[0] \
            if "customer_id" in cols else 0
        if n:
            expected.add(name)
    expected.add("order_items")  # linked through their orders
    assert expected <= set(out["tables"]), expected - set(out["tables"])
    assert {"customer_scores", "churn_scores", "customer_personas", "messages", "consents", "identities",
            "customer_records", "rights_requests", "audit_log"} <= set(out["tables"])
    bundle = json.loads((tmp_path / "bundle" / "bundle.json").read_text("utf-8"))
    assert bundle["tables"]["customers"][0]["customer_id"] == cid
    n_items = con.execute("SELECT count(*) FROM order_items WHERE order_id IN (SELECT order_id FROM orders WHERE "
                          "customer_id = ?)", [cid]).fetchone()[0]
    assert len(bundle["tables"]["order_items"]) == n_items
    assert (tmp_path / "bundle" / "csv" / "orders.csv").exists()
    vi = (tmp_path / "bundle" / "index.vi.html").read_text("utf-8")
    assert "Dữ liệu cá nhân của bạn" in vi and cid in vi
    assert P.get_request(store, rq["request_id"])["status"] == "completed"


def test_objection_restriction_rectification(demo_store):
    _, store = demo_store
    cid = _busy_customer(store)
    granted = set(P.consent_state(store).filter(lambda t: (t.customer_id == cid) & (t.status == "granted"))
                  .execute()["purpose"])
    rq = P.open_request(store, "objection", cid, actor=ADMIN)
    P.verify_identity(store, rq["request_id"], "otp_email", actor=ADMIN)
    out = P.complete(store, rq["request_id"], actor=ADMIN)
    assert set(out["withdrawn"]) == granted & set(P._rights.OBJECTION_PURPOSES)
    assert not P.check(store, cid, "analytics").allowed and not P.check(store, cid, "marketing_email").allowed
    rq = P.open_request(store, "restriction", cid, actor=ADMIN)
    P.verify_identity(store, rq["request_id"], "in_person", actor=ADMIN)
    P.complete(store, rq["request_id"], actor=ADMIN)
    assert P.check(store, cid, "service").reason == "processing is restricted at the customer's request"
    rq = P.open_request(store, "rectification", cid, actor=ADMIN, details={"fields": {"phone": "0912 345 678"}})
    P.verify_identity(store, rq["request_id"], "in_person", actor=ADMIN)
    P.complete(store, rq["request_id"], actor=ADMIN)
    assert store.table("customers").filter(lambda t: t.customer_id == cid).execute()["phone"].iloc[0] == "+84912345678"
    assert P.verify_audit(store) == []


def test_statuses_extension_and_due_list():
    store = connect("duckdb://")
    store.append("customers", pd.DataFrame({"customer_id": ["C1", "C2"]}))
    fri = dt.datetime(2026, 2, 13, 3, tzinfo=dt.UTC)  # Friday before Tết 2026
    a = P.open_request(store, "access", "C1", actor=ADMIN, received_at=fri)
    b = P.open_request(store, "erasure", "C2", actor=ADMIN, received_at=fri, mode="legacy72")
    now = dt.datetime(2026, 2, 23, 12, tzinfo=dt.UTC)  # Monday after Tết
    due = P.list_requests(store, due=True, now=now)
    assert list(due["request_id"]) == [b["request_id"], a["request_id"]]  # 72 h already past; ack due Tue 24
    assert due["overdue"].tolist() == [True, False]
    assert due["reminder"].iloc[1].startswith("due: acknowledge by 2026-02-24T16:59:59")
    P.acknowledge(store, a["request_id"], actor=ADMIN)
    row = P.extend(store, a["request_id"], reason="many systems", actor=ADMIN)
    assert row["status"] == "extended"
    assert pd.Timestamp(row["extended_until"]).tz_convert("Asia/Ho_Chi_Minh").date() == dt.date(2026, 3, 15)
    with pytest.raises(InputError, match="already extended once"):
        P.extend(store, a["request_id"], reason="again", actor=ADMIN)
    with pytest.raises(InputError, match="allows no extension"):
        P.extend(store, b["request_id"], reason="x", actor=ADMIN)
    n = store.count("rights_requests")
    with pytest.raises(InputError, match="Unknown customer 'C404'"):
        P.open_request(store, "access", "C404", actor=ADMIN)
    with pytest.raises(InputError, match="Unknown rights request 'RQ-x'"):
        P.acknowledge(store, "RQ-x", actor=ADMIN)
    assert store.count("rights_requests") == n
