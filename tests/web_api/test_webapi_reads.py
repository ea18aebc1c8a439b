"""Reads through the JSON API: customers (paginated, filtered), one customer, metrics, personas, jobs, errors."""

from __future__ import annotations

import json
import time

import pytest


def _h(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def db(api):
    """Plain SQL on the same store (the truth the API's Ibis queries must match)."""
    _, app, _ = api

    def query(sql, params=None):
        with app.state.store_lock:
            return app.state.store.con.con.execute(sql, params or []).fetchall()
    return query


def test_customer_pages_cover_every_customer_exactly_once(db, api):
    truth = [r[0] for r in db("SELECT customer_id FROM customers ORDER BY customer_id")]
    client, _, keys = api
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/customers", params=params, headers=_h(keys["read"])).json()
        assert body["limit"] == 200 and len(body["items"]) <= 200
        seen += [c["customer_id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == truth
    assert pages == -(-len(truth) // 200)


def test_customer_filters_match_sql(db, api):
    client, _, keys = api
    province, n = db("SELECT province, count(*) FROM customers WHERE province IS NOT NULL "
                     "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")[0]
    body = client.get("/api/v1/customers", params={"province": province, "limit": 500},
                      headers=_h(keys["read"])).json()
    assert len(body["items"]) == n and {c["province"] for c in body["items"]} == {province}
    risky = db("SELECT count(DISTINCT customer_id) FROM customer_scores WHERE churn_risk >= 0.8")[0][0]
    body = client.get("/api/v1/customers", params={"min_churn_risk": 0.8, "limit": 500},
                      headers=_h(keys["read"])).json()
    assert len(body["items"]) == risky > 0
    seg, n_seg = db("SELECT rfm_segment, count(*) FROM customer_personas GROUP BY 1 ORDER BY 2 DESC LIMIT 1")[0]
    body = client.get("/api/v1/customers", params={"segment": seg, "limit": 500}, headers=_h(keys["read"])).json()
    assert len(body["items"]) == n_seg
    name = db("SELECT display_name FROM customers WHERE display_name IS NOT NULL ORDER BY customer_id LIMIT 1")[0][0]
    body = client.get("/api/v1/customers", params={"q": name.lower()}, headers=_h(keys["read"])).json()
    assert name in [c["display_name"] for c in body["items"]]


def test_one_customer_has_profile_identities_merges_and_is_audited(db, api):
    cid, n_merges = db("SELECT customer_id, count(*) FROM identity_merges GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")[0]
    client, app, keys = api
    r = client.get(f"/api/v1/customers/{cid}", headers=_h(keys["read"]))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"customer", "identities", "merges", "consents", "counts"}
    truth = db("SELECT display_name, phone, birth_year FROM customers WHERE customer_id = ?", [cid])[0]
    assert (body["customer"]["display_name"], body["customer"]["phone"], body["customer"]["birth_year"]) == truth
    assert len(body["merges"]) == n_merges
    assert body["counts"]["orders"] == db("SELECT count(*) FROM orders WHERE customer_id = ?", [cid])[0][0]
    assert {i["customer_id"] for i in body["identities"]} == {cid}
    with app.state.store_lock:
        last = app.state.store.con.con.execute(
            "SELECT actor, action, subject, details FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[1:] == ("profile.view", cid, '{"via":"api"}') and last[0].startswith("api-key:k_")
    r = client.get("/api/v1/customers/C-nobody", headers=_h(keys["read"]))
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "No customer with customer_id 'C-nobody'.",
                                  "field": "customer_id"}}


def test_metrics_are_the_latest_summary(webapi_ws, api):
    client, _, keys = api
    summary = json.loads((webapi_ws.ws / "report" / "summary.json").read_text("utf-8"))
    body = client.get("/api/v1/metrics", headers=_h(keys["read"])).json()
    assert body == {"generated_at": summary["generated_at"], "run_id": summary["run_id"], "summary": summary}


def test_metrics_before_any_analysis(webapi_ws, api):
    client, _, keys = api
    (webapi_ws.ws / "report" / "summary.json").unlink()
    r = client.get("/api/v1/metrics", headers=_h(keys["read"]))
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "no_analysis", "message": "No analysis yet: run 'centric analyze' or "
                                                                     "POST /api/v1/jobs/analyze."}}


def test_personas_match_the_profiles_table(db, api):
    client, _, keys = api
    truth = db("SELECT persona_id, name_en, n_customers FROM persona_profiles ORDER BY persona_id")
    items = client.get("/api/v1/personas", headers=_h(keys["read"])).json()["items"]
    assert [(p["persona_id"], p["name_en"], p["n_customers"]) for p in items] == truth
    assert sum(p["n_customers"] for p in items) == db("SELECT count(*) FROM customer_personas")[0][0]


def test_error_shape_for_404_405_422(api):
    client, _, keys = api
    assert client.get("/api/v1/nothing-here", headers=_h(keys["read"])).json() == {
        "error": {"code": "not_found", "message": "No such resource: GET /api/v1/nothing-here."}}
    r = client.delete("/api/v1/events", headers=_h(keys["admin"]))
    assert r.status_code == 405
    assert r.json() == {"error": {"code": "method_not_allowed",
                                  "message": "Method DELETE is not allowed on /api/v1/events."}}
    r = client.get("/api/v1/customers", params={"limit": 0}, headers=_h(keys["read"]))
    assert r.status_code == 422
    assert r.json() == {"error": {"code": "invalid", "field": "limit",
                                  "message": "limit: Input should be greater than or equal to 1"}}


def test_unhandled_errors_are_500_with_the_shape(webapi_ws, monkeypatch):
    from fastapi.testclient import TestClient

    from centric.config import Settings
    from centric.web import _api_queries, create_app

    app = create_app(Settings(workspace=webapi_ws.ws, store_url=f"duckdb://{webapi_ws.ws}/centric.duckdb"))
    monkeypatch.setattr(_api_queries, "personas", lambda store: 1 / 0)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/personas", headers=_h(webapi_ws.keys["read"]))
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal", "message": "The server failed to answer this request; it has "
                                                                 "been logged. / Máy chủ gặp lỗi."}}


def _wait(client, key, job):
    deadline = time.monotonic() + 120
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/api/v1/jobs/{job['job_id']}", headers=_h(key)).json()
    return job


def test_analyze_job_runs_in_the_background_with_progress(api, monkeypatch):
    """The job machinery, with the pipeline replaced by three quick steps (the real one is below)."""
    import threading

    from centric.web import _jobs

    client, _, keys = api
    release = threading.Event()

    def fake_run(store, settings, lang, progress):
        for name in ("Resolving identities", "Survey metrics", "Report"):
            with progress.task(name) as task:
                task.note(f"{name} done in {lang}")
                release.wait(10)
        return {"run_id": "run-fake", "lang": lang}

    monkeypatch.setattr(_jobs, "run_analysis", fake_run)
    r = client.post("/api/v1/jobs/analyze", json={"lang": "vi"}, headers=_h(keys["admin"]))
    assert r.status_code == 202
    job = r.json()
    assert job["status"] in ("queued", "running") and job["started_by"].startswith("api-key:")
    again = client.post("/api/v1/jobs/analyze", headers=_h(keys["admin"]))
    assert again.status_code == 200 and again.json()["job_id"] == job["job_id"]  # one at a time
    # progress answers while the job holds the store (the key is known; nothing waits for the lock)
    running = client.get(f"/api/v1/jobs/{job['job_id']}", headers=_h(keys["admin"])).json()
    assert running["status"] == "running" and running["step"] == "Resolving identities"
    release.set()
    job = _wait(client, keys["read"], job)
    assert job["status"] == "succeeded" and job["error"] is None and job["progress"] == 1.0
    assert job["steps_done"] == [{"step": s, "note": f"{s} done in vi"}
                                 for s in ("Resolving identities", "Survey metrics", "Report")]
    assert job["result"] == {"run_id": "run-fake", "lang": "vi"}
    r = client.get("/api/v1/jobs/j_missing", headers=_h(keys["read"]))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_a_failing_analysis_is_reported_not_fatal(tmp_path, monkeypatch):
    """The real pipeline on an empty workspace: the job fails with the pipeline's reason; the server goes on."""
    from fastapi.testclient import TestClient

    from centric.config import Settings
    from centric.store import connect
    from centric.web import create_app
    from centric.web._accounts import create_key

    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    ws = tmp_path / "empty"
    s = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb")
    s.secret(create=True)
    with connect(s.store_url) as store:
        key, _ = create_key(store, scopes=["admin"])
    with TestClient(create_app(s)) as client:
        job = _wait(client, key, client.post("/api/v1/jobs/analyze", headers=_h(key)).json())
        assert job["status"] == "failed"
        assert job["error"].startswith("InputError: There is nothing to analyse: the store has no orders")
        assert [st["step"] for st in job["steps_done"]] == ["Resolving identities / Hợp nhất định danh"]
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        assert client.post("/api/v1/jobs/analyze", headers=_h(key)).status_code == 202  # a new one may start
