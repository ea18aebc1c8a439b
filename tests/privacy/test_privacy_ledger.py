"""Consent ledger, preference centre and enforcement (withdrawal stops marketing and profiling at once)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from centric._tokens import sign
from centric.exceptions import InputError
from centric.privacy import (
    allowed_customers,
    check,
    consent_overview,
    profiling_scope,
    record_consent,
    restrict,
    verify_audit,
)
from centric.store import connect

SECRET = b"s" * 32


@pytest.fixture
def store():
    s = connect("duckdb://")
    s.append("customers", pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "display_name": ["An", "Bình", "Chi"]}))
    s.append("consents", pd.DataFrame({
        "consent_id": ["k1", "k2", "k3"], "customer_ref": ["pos:1", "pos:2", "pos:3"],
        "customer_id": ["C1", "C2", "C3"],
        "purpose": ["marketing_email", "marketing_email", "analytics"], "status": "granted",
        "recorded_at": pd.Timestamp("2025-01-01", tz="UTC"), "method": "import", "notice_version": "v1"}))
    yield s
    s.close()


def _ids(t):
    return sorted(t.execute()["customer_id"])


def test_withdrawal_takes_effect_at_once_and_is_appended(store):
    assert check(store, "C1", "marketing_email").allowed
    ch = record_consent(store, "C1", "marketing_email", "withdrawn", method="cli", actor="admin")
    assert ch.changed and ch.consent_id.startswith("CL-")
    d = check(store, "C1", "marketing_email")
    assert not d.allowed and d.reason.startswith("consent withdrawn at")
    assert _ids(allowed_customers(store, "marketing_email")) == ["C2"]
    c = store.table("consents").execute()
    assert len(c) == 4 and set(c.loc[c.customer_id == "C1", "status"]) == {"granted", "withdrawn"}  # nothing updated
    row = c[c.consent_id == ch.consent_id].iloc[0]
    import json

    ev = json.loads(row["evidence"])
    assert row["notice_version"] == "centric-2026.1" and len(ev["notice_sha256"]) == 64 and ev["language"] == "vi"
    assert store.table("notices").execute()["sha256"].tolist()[0] == ev["notice_sha256"]
    assert [a for a in store.table("audit_log").execute()["action"]] == ["consent.withdraw"]
    assert verify_audit(store) == []


def test_bad_input_changes_nothing(store):
    before = store.count("consents")
    with pytest.raises(InputError, match=r"never gave consent for 'marketing_zalo'.*nothing was changed"):
        record_consent(store, "C1", "marketing_zalo", "withdrawn", method="cli", actor="a")
    with pytest.raises(InputError, match="Unknown customer 'C9'"):
        record_consent(store, "C9", "analytics", "granted", method="cli", actor="a")
    with pytest.raises(InputError, match="Unknown purpose 'spam'"):
        record_consent(store, "C1", "spam", "granted", method="cli", actor="a")
    with pytest.raises(InputError, match="legal basis 'contract'"):
        record_consent(store, "C1", "service", "withdrawn", method="cli", actor="a")
    assert store.count("consents") == before and store.count("audit_log") == 0
    assert not record_consent(store, "C1", "marketing_email", "granted", method="cli", actor="a").changed


def test_profiling_scope_and_restriction(store):
    assert _ids(profiling_scope(store)) == ["C3"]
    restrict(store, "C3", actor="admin")
    assert _ids(profiling_scope(store)) == []
    assert not check(store, "C3", "analytics").allowed
    empty = connect("duckdb://")
    assert profiling_scope(empty) is None  # no consent ledger kept in this workspace


@pytest.fixture
def client(store):
    from centric.web.preferences_routes import router

    app = FastAPI()
    app.state.store, app.state.store_lock, app.state.secret = store, threading.RLock(), SECRET
    app.state.settings = SimpleNamespace(lang="vi", timezone="Asia/Ho_Chi_Minh")
    app.include_router(router)
    return TestClient(app)


def test_preference_centre_no_preticked_equal_buttons(client, store):
    tok = sign(SECRET, "prefs", {"c": "C1"})
    r = client.get(f"/p/{tok}?lang=en")
    assert r.status_code == 200
    assert "checked" not in r.text
    assert r.text.count('value="grant"') == r.text.count('value="withdraw"') == 11  # every consent purpose
    assert r.text.count('<button type="submit" name="choice"') == 22  # same element, same class for both
    r = client.post(f"/p/{tok}", data={"purpose": "marketing_email", "choice": "withdraw"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/p/{tok}?done=marketing_email"
    assert not check(store, "C1", "marketing_email").allowed
    page = client.get(f"/p/{tok}?lang=vi").text
    assert "Không đồng ý" in page and 'data-status="withdrawn"' in page
    ov = {o["purpose"]: o["status"] for o in consent_overview(store, "C1")}
    assert ov["marketing_email"] == "withdrawn" and ov["analytics"] == "none"


def test_tampered_link_and_bad_choice_change_nothing(client, store):
    tok = sign(SECRET, "prefs", {"c": "C1"})
    bad = tok[:-2] + ("A" if tok[-2] != "A" else "B") + tok[-1]
    n = store.count("consents")
    r = client.post(f"/p/{bad}", data={"purpose": "marketing_email", "choice": "withdraw"})
    assert r.status_code == 400 and "Nothing was changed" in client.get(f"/p/{bad}?lang=en").text
    assert client.get(f"/p/{sign(SECRET, 'survey', {'c': 'C1'})}").status_code == 400  # made for another use
    r = client.post(f"/p/{tok}", data={"purpose": "marketing_zalo", "choice": "withdraw"})
    assert r.status_code == 400 and "never gave consent" in r.text
    assert store.count("consents") == n and store.count("audit_log") == 0


def test_rights_request_from_preference_centre(client, store):
    tok = sign(SECRET, "prefs", {"c": "C2"})
    r = client.post(f"/p/{tok}/requests?lang=en", data={"kind": "access"})
    assert r.status_code == 200 and "RQ-" in r.text
    rq = store.table("rights_requests").execute().iloc[0]
    assert rq["customer_id"] == "C2" and rq["status"] == "verified" and rq["verification"] == "signed_link"
    assert rq["channel"] == "preference_centre"
