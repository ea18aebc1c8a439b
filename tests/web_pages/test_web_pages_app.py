"""The pages inside the real app (create_app): routes are there and the analysis button passes the API's CSRF check."""

from __future__ import annotations

import re
import shutil

import pytest

HTML = {"Accept": "text/html"}
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def real_app(demo_ws, tmp_path_factory):
    from centric.config import Settings
    from centric.store import connect
    from centric.web import _accounts as acc

    create_app = pytest.importorskip("centric.web.app").create_app
    src, _ = demo_ws
    ws = tmp_path_factory.mktemp("pages-real") / "ws"
    shutil.copytree(src, ws, ignore=shutil.ignore_patterns("exports"))
    settings = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang="vi")
    store = connect(settings.store_url)
    app = create_app(settings, store=store)
    acc.create_user(store, email="analyst@example.vn", role="analyst", password=PASSWORD)
    yield app
    store.close()


class _FakeJobs:
    def __init__(self):
        self.calls = []

    def start_analyze(self, state, *, lang, actor=None):
        from centric.web._jobs import Job

        self.calls.append((lang, actor))
        return Job(job_id="job_test", kind="analyze", started_by=actor), True

    def get(self, job_id):
        from centric.web._jobs import Job

        return Job(job_id=job_id, kind="analyze", status="running", step="surveys") if job_id == "job_test" else None


def test_analysis_button_passes_the_api_csrf_check(real_app):
    from fastapi.testclient import TestClient

    real_app.state.jobs = fake = _FakeJobs()
    with TestClient(real_app) as c:
        c.get("/login")
        r = c.post("/login", data={"email": "analyst@example.vn", "password": PASSWORD,
                                   "csrf_token": c.cookies.get("centric_csrf"), "next": "/"}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/?lang=en", headers=HTML)
        assert page.status_code == 200 and 'id="analyze-form"' in page.text
        form = re.search(r'<form id="analyze-form" method="post" action="([^"]+)">\s*'
                         r'<input type="hidden" name="csrf_token" value="([^"]+)">', page.text)
        assert form and form.group(1) == "/api/v1/jobs/analyze"
        refused = c.post(form.group(1), headers={"Accept": "application/json"})
        assert refused.status_code == 403 and fake.calls == []
        r = c.post(form.group(1), headers={"X-CSRF-Token": form.group(2), "Accept": "application/json"})
        assert r.status_code == 202, r.text
        assert r.json()["job_id"] == "job_test" and fake.calls == [("en", "analyst@example.vn")]
        poll = c.get("/api/v1/jobs/job_test")
        assert poll.status_code == 200 and poll.json()["status"] == "running"
        # every page of this router is mounted in the real app
        for path in ("/customers", "/personas", "/journeys", "/value", "/feedback", "/data", "/settings"):
            assert c.get(path, headers=HTML).status_code == 200, path
        js = c.get("/static/plotly.min.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")
        assert c.get("/static/centric.css").status_code == 200
