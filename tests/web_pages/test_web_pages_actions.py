"""Page actions: responding to alerts (time-to-first-response) and the quarantine review (fix/retry/discard)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

HTML = {"Accept": "text/html"}
T0 = pd.Timestamp("2026-03-02 08:00", tz="UTC")


def sql(app, query: str, *params):
    con = app.state.store.con.con
    with app.state.store_lock:
        return con.execute(query, list(params)).fetchall()


def _alerts(app, rows):
    with app.state.store_lock:
        app.state.store.append("alerts", pd.DataFrame(rows))


def _post(client, path, data=None):
    return client.post(path, data={"csrf_token": client.cookies.get("centric_csrf"), **(data or {})},
                       headers=HTML, follow_redirects=False)


def test_alert_shows_and_respond_sets_first_response_once(pages_app, client_as):
    (cid, name), = sql(pages_app, "select customer_id, display_name from customers order by customer_id limit 1")
    _alerts(pages_app, [{"alert_id": "al_test_1", "kind": "detractor", "customer_id": cid, "score": 2.0,
                         "comment": "Giao hàng quá chậm", "created_at": pd.Timestamp.now(tz="UTC")}])
    c = client_as("analyst")
    page = c.get("/?lang=en", headers=HTML).text
    item = re.search(r'data-alert="al_test_1">(.*?)</li>', page, re.S).group(1)
    assert "Detractor" in item and "Giao hàng quá chậm" in item and name in item
    assert 'action="/alerts/al_test_1/respond"' in item
    # no CSRF token: refused, nothing changes
    r = c.post("/alerts/al_test_1/respond", headers=HTML, follow_redirects=False)
    assert r.status_code == 403
    assert sql(pages_app, "select first_response_at from alerts where alert_id = 'al_test_1'") == [(None,)]
    # a viewer may see alerts but not act on them
    assert _post(client_as("viewer"), "/alerts/al_test_1/respond").status_code == 403
    before = pd.Timestamp.now(tz="UTC")
    r = _post(c, "/alerts/al_test_1/respond")
    assert r.status_code == 303 and r.headers["location"] == "/#alerts"
    (first, by), = sql(pages_app, "select first_response_at, responded_by from alerts where alert_id = 'al_test_1'")
    first = pd.Timestamp(first).tz_localize("UTC") if pd.Timestamp(first).tzinfo is None else pd.Timestamp(first)
    assert before - pd.Timedelta(seconds=1) <= first <= pd.Timestamp.now(tz="UTC")
    assert by == "analyst@example.vn"
    # a second response keeps the first time (time-to-first-response)
    _post(client_as("admin"), "/alerts/al_test_1/respond")
    assert sql(pages_app, "select responded_by from alerts where alert_id = 'al_test_1'") == [("analyst@example.vn",)]
    assert _post(c, "/alerts/al_nope/respond").status_code == 404


def test_median_time_to_first_response_by_hand():
    from centric.store import connect
    from centric.web import _views as V

    store = connect("duckdb://")
    hours = [1, 2, 5]  # responded after 1 h, 2 h and 5 h: median 2 h; one more alert still waits
    store.append("alerts", pd.DataFrame(
        [{"alert_id": f"al_{h}", "kind": "low_csat", "score": 1.0, "created_at": T0} for h in [*hours, 0]]))
    for h in hours:
        assert V.respond_alert(store, f"al_{h}", by="t", now=(T0 + pd.Timedelta(hours=h)).to_pydatetime())
    assert V.respond_alert(store, "al_1", by="later", now=(T0 + pd.Timedelta(hours=9)).to_pydatetime())
    assert not V.respond_alert(store, "al_missing", by="t")
    view = V.alerts_view(store, "Asia/Ho_Chi_Minh", "en")
    assert view["median_ttfr"] == "2.0 h"
    assert (view["open"], view["waiting"], view["responded"]) == (4, 1, 3)
    assert V.alerts_view(store, "Asia/Ho_Chi_Minh", "vi")["median_ttfr"] == "2,0 giờ"
    by = dict(store.table("alerts").select("alert_id", "responded_by").execute().itertuples(index=False))
    assert by["al_1"] == "t"  # the first response is kept
    store.close()


def _phone_row(app):
    rows = sql(app, "select batch_id, row_number, raw from quarantine where reasons like 'phone:%' "
                    "and reasons not like '%;%' order by batch_id, row_number")
    assert len(rows) >= 2, "the demo injects bad phone numbers"
    return rows


def test_fix_and_retry_stores_the_row(pages_app, client_as):
    batch, row, raw = _phone_row(pages_app)[0]
    cells = json.loads(raw)
    header = next(k for k, v in cells.items() if v and re.fullmatch(r"[0-9 +().-]{5,9}", str(v)))
    (table,), = sql(pages_app, "select \"table\" from quarantine where batch_id = ? and row_number = ?", batch, row)
    (q0, s0), = sql(pages_app, "select rows_quarantined, rows_stored from import_batches where batch_id = ?", batch)
    c = client_as("analyst")
    page = c.get(f"/data/quarantine/{batch}/{row}?lang=en", headers=HTML)
    assert page.status_code == 200 and "is not a valid phone number" in page.text
    form = {f"cell:{k}": ("" if v is None else str(v)) for k, v in cells.items()}
    form[f"cell:{header}"] = "0912345678"
    r = _post(c, f"/data/quarantine/{batch}/{row}", {**form, "action": "retry", "note": "số đúng từ CSKH"})
    assert r.status_code == 303 and r.headers["location"].endswith("outcome=stored")
    assert sql(pages_app, "select count(*) from quarantine where batch_id = ? and row_number = ?", batch, row) == [(0,)]
    assert sql(pages_app, "select rows_quarantined, rows_stored from import_batches where batch_id = ?", batch) == [
        (q0 - 1, s0 + 1)]
    if table == "customer_records":
        assert sql(pages_app, "select phone from customer_records where batch_id = ? and phone = '+84912345678'",
                   batch) == [("+84912345678",)]
    (decision, note, after), = sql(pages_app, "select decision, note, raw_after from quarantine_reviews "
                                              "where batch_id = ? and row_number = ?", batch, row)
    assert decision == "fixed" and note == "số đúng từ CSKH" and json.loads(after)[header] == "0912345678"
    done = c.get(f"/data/quarantine/{batch}/{row}?outcome=stored&lang=en", headers=HTML)
    assert "was stored" in done.text and "Fixed and stored" in done.text


def test_retry_still_invalid_keeps_it_with_new_reasons_then_discard(pages_app, client_as):
    batch, row, raw = _phone_row(pages_app)[1]
    cells = json.loads(raw)
    header = next(k for k, v in cells.items() if v and re.fullmatch(r"[0-9 +().-]{5,9}", str(v)))
    c = client_as("analyst")
    form = {f"cell:{k}": ("" if v is None else str(v)) for k, v in cells.items()}
    form[f"cell:{header}"] = "12"
    r = _post(c, f"/data/quarantine/{batch}/{row}", {**form, "action": "retry"})
    assert r.headers["location"].endswith("outcome=still_invalid")
    (reasons, now_raw), = sql(pages_app, "select reasons, raw from quarantine where batch_id = ? and row_number = ?",
                              batch, row)
    assert reasons.startswith("phone: '12' is not a valid phone number")
    assert json.loads(now_raw)[header] == "12"
    # discarding needs a note
    r = _post(c, f"/data/quarantine/{batch}/{row}", {"action": "discard", "note": "  "})
    assert r.status_code == 422 and "note" in r.text
    r = _post(c, f"/data/quarantine/{batch}/{row}", {"action": "discard", "note": "khách đã xoá tài khoản"})
    assert r.status_code == 303
    decisions = sql(pages_app, "select decision, note from quarantine_reviews where batch_id = ? and row_number = ? "
                               "order by decided_at", batch, row)
    assert decisions == [("retried", None), ("discarded", "khách đã xoá tài khoản")]
    open_page = c.get(f"/data?batch={batch}", headers=HTML).text
    assert f'href="/data/quarantine/{batch}/{row}"' not in open_page
    gone = c.get(f"/data?batch={batch}&show=discarded", headers=HTML).text
    assert f'href="/data/quarantine/{batch}/{row}"' in gone
    # a viewer cannot act, and a form without the CSRF token is refused
    assert _post(client_as("viewer"), f"/data/quarantine/{batch}/{row}", {"action": "discard", "note": "x"}
                 ).status_code == 403
    assert c.post(f"/data/quarantine/{batch}/{row}", data={"action": "discard", "note": "x"}, headers=HTML
                  ).status_code == 403


def test_import_history_counts_add_up(pages_app, client_as):
    page = client_as("analyst").get("/data?lang=en", headers=HTML).text
    batches = sql(pages_app, "select batch_id, rows_read, rows_stored from import_batches")
    for batch_id, read, stored in batches:
        row = re.search(rf"{batch_id}</span></td>(.*?)</tr>", page, re.S)
        assert row, batch_id
        nums = re.findall(r'class="num">(?:<a [^>]*>)?([0-9,]+)', row.group(1))
        assert nums[0] == f"{read:,}" and nums[1] == f"{stored:,}"


@pytest.mark.parametrize("bad", ["1; drop", "../../x"])
def test_unknown_quarantine_row_is_404(client_as, bad):
    r = client_as("analyst").get(f"/data/quarantine/{bad}/999999", headers=HTML)
    assert r.status_code in (404, 422)


def test_cells_from_files_are_escaped(pages_app, client_as):
    evil = "<script>alert(1)</script>"
    with pages_app.state.store_lock:
        pages_app.state.store.append("quarantine", pd.DataFrame([{
            "batch_id": "b_evil", "row_number": 7, "source": "pos", "table": "customer_records",
            "raw": json.dumps({"Tên khách hàng": evil, "Email": "x"}), "reasons": f"email: {evil!r} is not valid"}]))
    c = client_as("analyst")
    for path in ("/data?batch=b_evil", "/data/quarantine/b_evil/7"):
        text = c.get(path, headers=HTML).text
        assert evil not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
