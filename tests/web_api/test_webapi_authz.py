"""The authorisation matrix: every route of the full app, who may call it, and proof that others are refused.

A route that is added to the app without an entry here fails ``test_every_route_is_in_the_matrix``;
a route whose dependencies stop matching its entry fails ``test_declared_rules_match_the_matrix``.
"""

from __future__ import annotations

import pytest

PUBLIC = ("public",)


def V(role):  # a page for logged-in users with at least this role; API keys do not open pages
    return ("role", role)


def K(scope, session_role):  # an API route: a key with scope, or a session with at least session_role
    return ("key", scope, session_role)


MATRIX: dict[tuple[str, str], tuple] = {
    # docs and login are public on purpose; surveys (/s), preferences (/p) and tracking (/t) are for customers
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/static/plotly.min.js"): PUBLIC,
    ("*", "/static"): PUBLIC,
    ("GET", "/s/{survey_id}"): PUBLIC,
    ("POST", "/s/{survey_id}"): PUBLIC,
    ("GET", "/s/{survey_id}/1"): PUBLIC,
    ("POST", "/s/{survey_id}/1"): PUBLIC,
    ("GET", "/p/{token}"): PUBLIC,
    ("POST", "/p/{token}"): PUBLIC,
    ("POST", "/p/{token}/requests"): PUBLIC,
    ("GET", "/t/o/{message_id}.gif"): PUBLIC,
    ("GET", "/t/c/{message_id}"): PUBLIC,
    # JSON API
    ("POST", "/api/v1/events"): K("ingest", None),
    ("POST", "/api/v1/identify"): K("ingest", None),
    ("POST", "/api/v1/feedback"): K("ingest", None),
    ("GET", "/api/v1/customers"): K("read", "analyst"),
    ("GET", "/api/v1/customers/{customer_id}"): K("read", "analyst"),
    ("GET", "/api/v1/metrics"): K("read", "viewer"),
    ("GET", "/api/v1/personas"): K("read", "viewer"),
    ("GET", "/api/v1/jobs/{job_id}"): K("read", "viewer"),
    ("POST", "/api/v1/jobs/analyze"): K("admin", "analyst"),
    ("POST", "/api/v1/rights-requests"): K("admin", "admin"),
    ("GET", "/api/v1/rights-requests/{request_id}"): K("admin", "admin"),
    # pages
    ("GET", "/"): V("viewer"),
    ("GET", "/personas"): V("viewer"),
    ("GET", "/journeys"): V("viewer"),
    ("GET", "/value"): V("viewer"),
    ("GET", "/settings"): V("viewer"),
    ("GET", "/customers"): V("analyst"),
    ("GET", "/customers/{customer_id}"): V("analyst"),
    ("GET", "/feedback"): V("analyst"),
    ("GET", "/data"): V("analyst"),
    ("GET", "/data/quarantine/{batch_id}/{row_number}"): V("analyst"),
    ("POST", "/data/quarantine/{batch_id}/{row_number}"): V("analyst"),
    ("POST", "/alerts/{alert_id}/respond"): V("analyst"),
    ("GET", "/audiences"): V("viewer"),
    ("POST", "/audiences"): V("analyst"),
    ("GET", "/audiences/{audience_id}"): V("viewer"),
    ("POST", "/audiences/{audience_id}/export"): V("analyst"),
    ("GET", "/automations"): V("viewer"),
    ("POST", "/automations/{automation_id}/enabled"): V("analyst"),
    ("GET", "/automations/{automation_id}/plan"): V("analyst"),
}

ROLES = ("viewer", "analyst", "admin")
KEYS = ("ingest", "read", "admin")
PARAMS = {"customer_id": "C-matrix", "job_id": "j_matrix", "alert_id": "a_matrix", "batch_id": "b_matrix",
          "row_number": "1", "survey_id": "s_matrix", "token": "t", "message_id": "m", "request_id": "RQ-matrix",
          "audience_id": "aud-matrix", "automation_id": "auto-matrix"}


def _routes(app):
    from fastapi.routing import iter_route_contexts

    out = {}
    for ctx in iter_route_contexts(app.routes):
        methods = sorted(m for m in (ctx.methods or []) if m != "HEAD") or ["*"]
        for m in methods:
            out[(m, ctx.path)] = ctx.original_route
    return out


def _declared(route) -> set:
    found, stack = set(), [getattr(route, "dependant", None)]
    while stack:
        d = stack.pop()
        if d is None:
            continue
        rule = getattr(d.call, "centric_rule", None)
        if rule:
            found.add(rule)
        stack.extend(d.dependencies)
    return found


@pytest.fixture
def full_app(webapi_ws):
    from centric.config import Settings
    from centric.web import create_app

    app = create_app(Settings(workspace=webapi_ws.ws, store_url=f"duckdb://{webapi_ws.ws}/centric.duckdb"))
    yield app, webapi_ws.keys
    app.state.store.close()


def test_every_route_is_in_the_matrix(full_app):
    app, _ = full_app
    routes = set(_routes(app))
    assert routes - set(MATRIX) == set(), "new routes: add them to MATRIX with who may call them"
    assert set(MATRIX) - routes == set(), "routes gone: remove them from MATRIX"


def test_declared_rules_match_the_matrix(full_app):
    app, _ = full_app
    for key, route in _routes(app).items():
        want = MATRIX[key]
        got = _declared(route)
        if want == PUBLIC:
            assert got == set(), f"{key} is public in the matrix but declares {got}"
        else:
            assert got == {want}, f"{key}: matrix says {want}, route declares {got}"


def _call(client, method, path, *, headers=None, csrf=None):
    url = path.format(**PARAMS)
    h = dict(headers or {})
    if method == "GET":
        return client.get(url, headers=h, follow_redirects=False)
    if csrf:
        h["X-CSRF-Token"] = csrf
    if path.startswith("/api/"):
        # an invalid body: allowed callers get 422 (nothing runs), refused ones 401/403 first
        return client.post(url, json={"lang": "xx", "events": "no", "responses": "no"}, headers=h,
                           follow_redirects=False)
    return client.post(url, data={"csrf_token": csrf or ""}, headers=h, follow_redirects=False)


def test_matrix_is_enforced(full_app, login):
    from fastapi.testclient import TestClient

    app, keys = full_app
    anon = TestClient(app)
    anon.get("/login")  # a browser that has the CSRF cookie, so refusals below are about who, not the form
    anon_csrf = anon.cookies.get("centric_csrf")
    sessions = {}
    for role in ROLES:
        c = TestClient(app)
        assert login(c, f"{role}@example.vn").status_code == 303
        sessions[role] = c
    checked = 0
    for (method, path), rule in MATRIX.items():
        if rule == PUBLIC:
            continue
        # anonymous: 401 in the one error shape (API / non-browser), a redirect to /login for browsers
        r = _call(anon, method, path, csrf=anon_csrf)
        assert r.status_code == 401, (method, path, r.status_code)
        assert set(r.json()) == {"error"} and r.json()["error"]["code"] == "unauthorized"
        if method == "GET" and rule[0] == "role":
            r = anon.get(path.format(**PARAMS), headers={"accept": "text/html"}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        # a revoked key is nobody
        r = _call(anon, method, path, headers={"Authorization": f"Bearer {keys['revoked']}"}, csrf=anon_csrf)
        assert r.status_code == 401, (method, path, "revoked")
        for scope in KEYS:
            r = _call(anon, method, path, headers={"Authorization": f"Bearer {keys[scope]}"}, csrf=anon_csrf)
            if rule[0] == "role":
                expect_ok = False  # keys never open pages
            else:
                expect_ok = scope == rule[1] or scope == "admin"
            if expect_ok:
                assert r.status_code not in (401, 403), (method, path, scope, r.status_code, r.text)
            else:  # a key without the scope: 403; a key on a page: not logged in, 401
                assert r.status_code == (401 if rule[0] == "role" else 403), (method, path, scope, r.status_code)
        for role, c in sessions.items():
            csrf = c.cookies.get("centric_csrf")
            r = _call(c, method, path, csrf=csrf)
            needed = rule[1] if rule[0] == "role" else rule[2]
            if needed is None:
                assert r.status_code == 401, (method, path, role, r.status_code)
            elif ROLES.index(role) >= ROLES.index(needed):
                assert r.status_code not in (401, 403), (method, path, role, r.status_code, r.text[:300])
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
                assert r.json()["error"]["code"] == "forbidden"
            if method == "POST" and needed is not None and ROLES.index(role) >= ROLES.index(needed):
                # the same call without the CSRF token is refused
                r = _call(c, method, path, csrf=None)
                assert r.status_code == 403 and r.json()["error"]["code"] == "csrf", (method, path, role)
        checked += 1
    assert checked == sum(1 for v in MATRIX.values() if v != PUBLIC)
    for c in (anon, *sessions.values()):
        c.close()
