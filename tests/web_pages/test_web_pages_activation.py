"""Audiences and automations pages: roles, the filter form, audited exports, the dry-run plan.

Expected numbers come from plain SQL over the demo workspace (latest consent per purpose, the
holdout hash recomputed here, messages in the cap window), not from the code under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re

import pandas as pd
import pytest

HTML = {"Accept": "text/html"}
AUTO = "zalo-winback"
NOW = dt.datetime.now(dt.UTC)


def sql(app, query: str, *params):
    with app.state.store_lock:
        return app.state.store.con.con.execute(query, list(params)).fetchall()


def _post(client, path, data=None, *, csrf=True):
    body = {"csrf_token": client.cookies.get("centric_csrf")} if csrf else {}
    return client.post(path, data={**body, **(data or {})}, headers=HTML, follow_redirects=False)


def _consented(purpose: str) -> str:
    """SQL: customers whose latest consent record for ``purpose`` is 'granted' and who are not restricted."""
    return f"""
        select customer_id from (
          select customer_id, status, row_number() over (
            partition by customer_id order by recorded_at desc, status desc) as k
          from consents where purpose = '{purpose}' and customer_id is not null) where k = 1 and status = 'granted'
        except select customer_id from restrictions where lifted_at is null"""


def _holdout(aid: str, cid: str) -> float:
    h = hashlib.sha256(f"{aid}\x00{cid}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


def _num(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


@pytest.fixture(scope="module")
def automation(pages_app):
    from centric.activation import save_automation

    definition = {
        "trigger": {"type": "manual", "campaign": "t1"},
        "conditions": [{"field": "churn_risk", "op": "ge", "value": 0.3}],
        "action": {"type": "webhook", "channel": "zalo", "url": "https://hooks.example.vn/zalo"},
        "guards": {"quiet_hours": None, "holdout": 0.2, "frequency_cap": {"max": 1, "hours": 24}},
    }
    with pages_app.state.store_lock:
        a = save_automation(pages_app.state.store, "Zalo win-back", definition, automation_id=AUTO)
    return a


# -- audiences -----------------------------------------------------------------------------------------
def test_roles_on_the_new_pages(client_as, automation):
    from fastapi.testclient import TestClient

    anon = TestClient(client_as("viewer").app)
    for path in ("/audiences", "/automations", f"/automations/{AUTO}/plan", "/audiences/x"):
        r = anon.get(path, headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    viewer = client_as("viewer")
    assert viewer.get("/audiences", headers=HTML).status_code == 200
    assert viewer.get("/automations", headers=HTML).status_code == 200
    assert viewer.get(f"/automations/{AUTO}/plan", headers=HTML).status_code == 403
    assert (
        _post(viewer, "/audiences", {"name": "v", "field-0": "orders", "op-0": "ge", "value-0": "1"}).status_code == 403
    )
    assert _post(viewer, f"/automations/{AUTO}/enabled", {"enabled": "0"}).status_code == 403
    page = viewer.get("/audiences", headers=HTML).text
    assert 'id="audience-form"' not in page  # no create form for a viewer
    for role in ("analyst", "admin"):
        assert 'id="audience-form"' in client_as(role).get("/audiences", headers=HTML).text


def test_create_audience_through_the_form_and_its_size(pages_app, client_as):
    c = client_as("analyst")
    before = sql(pages_app, "select count(*) from audiences")[0][0]
    r = _post(
        c,
        "/audiences",
        {
            "name": "Nguy cơ cao ở Hà Nội",
            "description": "thử",
            "field-0": "churn_risk",
            "op-0": "ge",
            "value-0": "0.5",
            "field-1": "province",
            "op-1": "in",
            "value-1": "Hà Nội, TP. Hồ Chí Minh",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/audiences/nguy-co-cao-o-ha-noi?saved=1", r.text[:500]
    assert sql(pages_app, "select count(*) from audiences")[0][0] == before + 1
    ((definition,),) = sql(pages_app, "select definition from audiences where audience_id = 'nguy-co-cao-o-ha-noi'")
    assert json.loads(definition) == [
        {"field": "churn_risk", "op": "ge", "value": 0.5},
        {"field": "province", "op": "in", "value": ["Hà Nội", "TP. Hồ Chí Minh"]},
    ]
    members = """select c.customer_id from customers c join customer_scores s using (customer_id)
                 where s.churn_risk >= 0.5 and c.province in ('Hà Nội', 'TP. Hồ Chí Minh')"""
    n = sql(pages_app, f"select count(*) from ({members})")[0][0]
    n_ok = sql(pages_app, f"select count(*) from ({members} intersect {_consented('personalisation')})")[0][0]
    assert 0 < n_ok < n  # the fixture has members with and without consent
    row = re.search(r'<tr data-audience="nguy-co-cao-o-ha-noi">(.*?)</tr>', c.get("/audiences?lang=en").text, re.S)[1]
    assert re.search(r'class="num size">([\d,]+)<', row)[1] == f"{n:,}"
    assert re.search(r'class="num consented">([\d,]+)<', row)[1] == f"{n_ok:,}"
    assert "Churn risk ≥ 0.5 and Province is one of Hà Nội, TP. Hồ Chí Minh" in row
    assert "analyst@example.vn" in row
    vi = re.search(r'<tr data-audience="nguy-co-cao-o-ha-noi">(.*?)</tr>', c.get("/audiences?lang=vi").text, re.S)[1]
    assert "Nguy cơ rời bỏ ≥ 0.5 và Tỉnh/thành thuộc Hà Nội, TP. Hồ Chí Minh" in vi
    # the detail: size, consented size, a sample of customer ids for an analyst, pseudonyms for a viewer
    page = c.get("/audiences/nguy-co-cao-o-ha-noi?lang=en").text
    assert re.search(r'id="size">.*?class="value">([\d,]+)<', page, re.S)[1] == f"{n:,}"
    assert re.search(r'id="consented">.*?class="value">([\d,]+)<', page, re.S)[1] == f"{n_ok:,}"
    first = sql(pages_app, f"select min(customer_id) from ({members})")[0][0]
    assert f'<a href="/customers/{first}">{first}</a>' in page
    seen = client_as("viewer").get("/audiences/nguy-co-cao-o-ha-noi?lang=en").text
    assert first not in seen and 'id="export-csv"' not in seen
    assert len(re.findall(r"<code>p_[0-9a-f]{20}</code>", seen)) == min(n, 20)


@pytest.mark.parametrize(
    ("rows", "row", "en", "vi"),
    [
        (
            {"field-0": "churn_risk", "op-0": "ge", "value-0": "cao"},
            0,
            "The value 'cao' does not fit the field 'churn_risk'",
            "Giá trị 'cao' không hợp với trường 'churn_risk'",
        ),
        (
            {"field-0": "orders", "op-0": "ge", "value-0": "1", "field-2": "gender", "op-2": "gt", "value-2": "female"},
            2,
            "'gender' has no order, so 'gt' cannot be used",
            "'gender' không có thứ tự nên không dùng được 'gt'",
        ),
        (
            {"field-1": "password_hash", "op-1": "eq", "value-1": "x"},
            1,
            "The field 'password_hash' cannot be filtered on",
            "Không thể lọc theo trường 'password_hash'",
        ),
        (
            {"field-0": "revenue", "op-0": "between", "value-0": "5"},
            0,
            "“between” for 'revenue' needs two values",
            "“trong khoảng” cho 'revenue' cần hai giá trị",
        ),
    ],
)
def test_bad_filter_is_shown_on_its_row_and_saves_nothing(pages_app, client_as, rows, row, en, vi):
    c = client_as("analyst")
    before = sql(pages_app, "select count(*), coalesce(max(updated_at), timestamp '2000-01-01') from audiences")
    audits = sql(pages_app, "select count(*) from audit_log")
    for lang, text in (("en", en), ("vi", vi)):
        r = _post(c, f"/audiences?lang={lang}", {"name": "Sai", **rows})
        assert r.status_code == 422
        msg = re.search(rf'<p class="banner bad" id="error-{row}" role="alert">(.*?)</p>', r.text, re.S)
        assert msg is not None, r.text[-1500:]
        assert text in msg[1].replace("&#39;", "'")
        assert re.findall(r'id="error-(\d)"', r.text) == [str(row)]
        assert f'name="field-{row}"' in r.text and 'aria-invalid="true" aria-describedby="error-' + str(row) in r.text
    assert sql(pages_app, "select count(*), coalesce(max(updated_at), timestamp '2000-01-01') from audiences") == before
    assert sql(pages_app, "select count(*) from audit_log") == audits


def test_missing_name_is_refused(pages_app, client_as):
    r = _post(
        client_as("analyst"), "/audiences?lang=en", {"name": " ", "field-0": "orders", "op-0": "ge", "value-0": "1"}
    )
    assert r.status_code == 422 and 'id="error-name"' in r.text and "Give the audience a name" in r.text


def test_export_is_consent_filtered_and_audited(pages_app, client_as):
    from centric.activation import save_audience

    with pages_app.state.store_lock:
        save_audience(
            pages_app.state.store, "Đơn từ 2", [{"field": "orders", "op": "ge", "value": 2}], audience_id="two-orders"
        )
    members = "select customer_id from customer_scores where orders >= 2"
    c = client_as("analyst")
    seq = sql(pages_app, "select max(seq) from audit_log")[0][0]
    # without the CSRF token, and as a viewer: refused, nothing audited
    assert _post(c, "/audiences/two-orders/export", {"fmt": "csv"}, csrf=False).status_code == 403
    assert _post(client_as("viewer"), "/audiences/two-orders/export", {"fmt": "csv"}).status_code == 403
    assert sql(pages_app, "select max(seq) from audit_log")[0][0] == seq
    r = _post(c, "/audiences/two-orders/export", {"fmt": "csv", "purpose": "marketing_email"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="two-orders-csv.csv"' in r.headers["content-disposition"]
    want = sorted(x for (x,) in sql(pages_app, f"{members} intersect {_consented('marketing_email')}"))
    got = pd.read_csv(io.StringIO(r.text))
    assert sorted(got["customer_id"]) == want and list(got.columns)[:4] == [
        "customer_id",
        "display_name",
        "email",
        "phone",
    ]
    r = _post(c, "/audiences/two-orders/export", {"fmt": "meta"})
    lines = r.text.splitlines()
    contactable = sql(
        pages_app,
        f"""select count(*) from customers where customer_id in
        ({members} intersect {_consented("personalisation")}) and (email is not null or phone is not null)""",
    )[0][0]
    assert lines[0] == "email,phone" and len(lines) - 1 == contactable == int(r.headers["x-rows"])
    assert all(re.fullmatch(r"([0-9a-f]{64})?,([0-9a-f]{64})?", x) for x in lines[1:])
    rows = sql(pages_app, "select actor, action, subject, details from audit_log where seq > ? order by seq", seq)
    assert [(a, b, s) for a, b, s, _ in rows] == [("analyst@example.vn", "audience.export", "two-orders")] * 2
    assert [json.loads(d) for *_, d in rows] == [
        {"format": "csv", "rows": len(want), "purpose": "marketing_email"},
        {"format": "meta", "rows": contactable, "purpose": "personalisation"},
    ]
    assert _post(c, "/audiences/nope/export", {"fmt": "csv"}).status_code == 404


# -- automations ---------------------------------------------------------------------------------------
def _plan_numbers(page: str) -> dict[str, int]:
    return {k: _num(v) for k, v in re.findall(r'<tr data-step="(\w+)">.*?<td class="num">(.*?)</td>', page, re.S)}


def test_dry_run_numbers_equal_plain_sql_and_plan_automation(pages_app, client_as, automation):
    from centric.activation import plan_automation

    # three customers already got a Zalo message an hour ago (frequency cap 1 per 24 h)
    capped = [
        x
        for (x,) in sql(
            pages_app,
            f"""select s.customer_id from customer_scores s join customers c
        using (customer_id) where s.churn_risk >= 0.3 and c.phone is not null
        and s.customer_id in ({_consented("marketing_zalo")}) order by 1""",
        )
        if _holdout(AUTO, x) >= 0.2
    ][:5]
    capped, no_phone = capped[:3], capped[3:]  # and two of them have no phone number any more
    sql(pages_app, "update customers set phone = null where customer_id in (?, ?)", *no_phone)
    with pages_app.state.store_lock:
        pages_app.state.store.append(
            "messages",
            pd.DataFrame(
                {
                    "message_id": [f"m_cap_{i}" for i in range(3)],
                    "customer_id": capped,
                    "channel": "zalo",
                    "automation_id": "other",
                    "status": "sent",
                    "reason": "",
                    "idempotency_key": [f"o:{c}" for c in capped],
                    "sent_at": pd.Timestamp(NOW - dt.timedelta(hours=1)),
                }
            ),
        )
    r = client_as("analyst").get(f"/automations/{AUTO}/plan?lang=en", headers=HTML)
    assert r.status_code == 200
    got = _plan_numbers(r.text)
    # independent truth
    cands = pd.DataFrame(
        sql(
            pages_app,
            """select s.customer_id, c.phone from customer_scores s
        join customers c using (customer_id) where s.churn_risk >= 0.3""",
        ),
        columns=["cid", "phone"],
    )
    ok = {x for (x,) in sql(pages_app, _consented("marketing_zalo"))}
    cands["consent"] = cands.cid.isin(ok)
    cands["held"] = [_holdout(AUTO, x) < 0.2 for x in cands.cid]
    cands["capped"] = cands.cid.isin(capped)
    want = {
        "candidates": len(cands),
        "quiet_hours": 0,
        "no_consent": int((~cands.consent).sum()),
        "holdout": int((cands.consent & cands.held).sum()),
        "frequency_cap": int((cands.consent & ~cands.held & cands.capped).sum()),
        "no_address": int((cands.consent & ~cands.held & ~cands.capped & cands.phone.isna()).sum()),
    }
    want["contact"] = want["candidates"] - sum(v for k, v in want.items() if k != "candidates")
    assert got == want and want["frequency_cap"] == 3 and want["no_address"] == 2
    with pages_app.state.store_lock:
        plan = plan_automation(pages_app.state.store, automation, now=NOW, tz="Asia/Ho_Chi_Minh")
    assert len(plan) == got["candidates"] and int((~plan.consent_ok).sum()) == got["no_consent"]
    assert sql(pages_app, f"select count(*) from messages where automation_id = '{AUTO}'") == [(0,)]  # nothing written


def test_dry_run_defers_everyone_in_quiet_hours(pages_app):
    from centric.activation import get_automation, save_automation
    from centric.web._views_automations import dry_run

    store = pages_app.state.store
    with pages_app.state.store_lock:
        a = get_automation(store, AUTO)
        d = {**a.definition(), "guards": {**a.guards, "quiet_hours": "21:00-08:00"}}
        save_automation(store, "quiet", d, automation_id="quiet-test")
        night = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # 22:00 in Vietnam
        out = dry_run(store, "quiet-test", now=night, tz="Asia/Ho_Chi_Minh")
        day = dry_run(store, "quiet-test", now=night.replace(hour=3), tz="Asia/Ho_Chi_Minh")  # 10:00
    # no customer has a timezone of their own in the demo, so all are quiet at 22:00 and none at 10:00
    assert sql(pages_app, "select count(*) from customers where attributes like '%timezone%'") == [(0,)]
    assert out["left_out"]["quiet_hours"] == out["candidates"] > 0 and out["contact"] == 0
    assert day["left_out"]["quiet_hours"] == 0 and day["contact"] > 0


def test_automations_page_report_pause_and_resume(pages_app, client_as, automation):
    treated = [x for (x,) in sql(pages_app, "select customer_id from customers order by 1 limit 40")]
    held = treated[:8]
    old = pd.Timestamp(NOW - dt.timedelta(days=30))
    with pages_app.state.store_lock:
        pages_app.state.store.append(
            "assignments",
            pd.DataFrame(
                {
                    "experiment_id": AUTO,
                    "unit_id": treated,
                    "variant": ["holdout" if x in held else "treatment" for x in treated],
                    "assigned_at": old,
                }
            ),
        )
    c = client_as("admin")
    page = c.get("/automations?lang=en").text
    box = re.search(rf'<section class="card" id="a-{AUTO}".*?</section>', page, re.S)[0]
    n = dict(re.findall(r'<tr data-group="(\w+)">.*?<td class="num n">(\d+)</td>', box, re.S))
    assert n == {"treated": "32", "holdout": "8"}
    assert "small sample" in box and "Campaign (manual)" in box and "Message (webhook) (zalo)" in box
    assert '<span class="flag ok status">on</span>' in box
    seq = sql(pages_app, "select max(seq) from audit_log")[0][0]
    r = _post(c, f"/automations/{AUTO}/enabled", {"enabled": "0"})
    assert r.status_code == 303 and r.headers["location"] == f"/automations#a-{AUTO}"
    assert sql(pages_app, f"select enabled from automations where automation_id = '{AUTO}'") == [(False,)]
    assert '<span class="flag status">paused</span>' in c.get("/automations?lang=en").text
    _post(c, f"/automations/{AUTO}/enabled", {"enabled": "1"})
    assert sql(pages_app, f"select enabled from automations where automation_id = '{AUTO}'") == [(True,)]
    assert sql(pages_app, "select actor, action, subject from audit_log where seq > ? order by seq", seq) == [
        ("admin@example.vn", "automation.pause", AUTO),
        ("admin@example.vn", "automation.resume", AUTO),
    ]
    assert _post(c, f"/automations/{AUTO}/enabled", {"enabled": "maybe"}).status_code == 422
    assert _post(c, "/automations/nope/enabled", {"enabled": "0"}).status_code == 404


def test_nav_has_both_pages_in_both_languages(client_as):
    c = client_as("viewer")
    en = c.get("/automations?lang=en").text
    assert '<a href="/audiences">Audiences</a>' in en
    assert '<a href="/automations" aria-current="page">Automations</a>' in en
    vi = c.get("/audiences?lang=vi").text
    assert '<a href="/audiences" aria-current="page">Tệp khách hàng</a>' in vi
    assert '<a href="/automations">Tự động hoá</a>' in vi
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in vi


# -- in a browser, on a phone --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(pages_app):
    from live_server import live_server

    with live_server(pages_app) as url:
        yield url


@pytest.mark.browser
def test_create_audience_on_a_phone(server, pages_app, automation):
    import shutil

    from playwright.sync_api import sync_playwright

    want = sql(pages_app, "select count(*) from customer_scores where churn_risk >= 0.7")[0][0]
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=args)
        page = b.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{server}/login?lang=en")
        page.fill("#email", "analyst@example.vn")
        page.fill("#password", "correct horse battery staple")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        page.goto(f"{server}/audiences")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling of the page
        page.fill("#name", "Phone high risk")
        page.select_option("#field-0", "churn_risk")
        page.select_option("#op-0", "ge")
        page.fill("#value-0", "0.7")
        page.press("#value-0", "Enter")  # the keyboard submits the form
        page.wait_for_url(f"{server}/audiences/phone-high-risk?saved=1")
        assert page.locator("#saved").is_visible()
        assert page.locator("#size .value").inner_text() == f"{want:,}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for path in ("/automations", f"/automations/{AUTO}/plan"):  # the automation pages fit the phone too
            page.goto(server + path)
            assert page.locator("h1").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        b.close()
