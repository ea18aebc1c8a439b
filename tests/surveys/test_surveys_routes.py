"""The public survey pages through TestClient: exact content, one-click answers, idempotency, bad links."""

from __future__ import annotations

import re
import shutil

import pytest

from centric import metrics
from centric._tokens import sign
from centric.surveys import survey_token
from conftest import SECRET, TestClient, add_consent, add_customer, bare_app


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert m, f"no element #{element_id} in the page"
    return m.group(1).strip()


def _counts(store):
    return store.count("feedback"), store.count("alerts")


def test_form_page_in_vietnamese_with_the_standard_wording(client):
    r = client.get("/s/nps?lang=vi")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"
    assert _text(r.text, "q-nps") == (
        "Trên thang điểm từ 0 đến 10, khả năng Anh/Chị giới thiệu cửa hàng cho bạn bè hoặc đồng nghiệp là bao nhiêu?"
    )
    assert re.findall(r'name="q_nps" value="(\d+)"', r.text) == [str(i) for i in range(11)]
    assert re.search(r'name="r" value="[0-9a-f]{32}"', r.text)
    assert '<span>0 = Hoàn toàn không có khả năng</span><span>10 = Chắc chắn sẽ giới thiệu</span>' in r.text
    assert "Lý do chính khiến Anh/Chị chọn điểm số này là gì?" in r.text
    assert '<html lang="vi">' in r.text and 'name="viewport"' in r.text


def test_language_switch_to_english(client):
    r = client.get("/s/csat?lang=en")
    assert _text(r.text, "q-csat") == "Overall, how satisfied are you with the service of the store?"
    assert re.findall(r'<label for="q_csat_\d">(.*?)</label>', r.text) == [
        "1 · Very dissatisfied", "2 · Dissatisfied", "3 · Neutral", "4 · Satisfied", "5 · Very satisfied"]
    assert r.cookies.get("lang") == "en"
    again = client.get("/s/csat")  # the cookie keeps the choice
    assert '<html lang="en">' in again.text


def test_unknown_survey_is_a_404_page(client):
    r = client.get("/s/nope")
    assert r.status_code == 404 and _text(r.text, "error") == "Không tìm thấy khảo sát này."


def test_one_click_answer_then_follow_up_is_stored_once(client, store):
    add_customer(store, "C1", "pos:KH001")
    tok = survey_token(SECRET, "nps", "C1")
    r = client.get(f"/s/nps/1?score=3&t={tok}")
    assert r.status_code == 200
    assert _text(r.text, "score") == "3" and _text(r.text, "saved") == "Câu trả lời của Anh/Chị đã được ghi nhận."
    assert "Lý do chính khiến Anh/Chị chọn điểm số này là gì?" in r.text
    fb = store.table("feedback").execute()
    assert fb[["customer_id", "customer_ref", "survey_id", "score", "channel"]].values.tolist() == [
        ["C1", "pos:KH001", "nps", 3.0, "email"]]
    al = store.table("alerts").execute()
    assert al[["kind", "customer_id", "feedback_id", "score"]].values.tolist() == [
        ["detractor", "C1", fb.response_id.iloc[0], 3.0]]
    assert client.get(f"/s/nps/1?score=3&t={tok}").status_code == 200  # a double click
    assert _counts(store) == (1, 1)
    for _ in range(2):  # a double submit of the follow-up
        f = client.post("/s/nps/1", data={"t": tok, "comment": "Giao hàng trễ 3 ngày"})
        assert f.status_code == 200 and _text(f.text, "thanks") == "Chúng tôi đã nhận được ý kiến của Anh/Chị."
    assert store.table("feedback").execute().comment.tolist() == ["Giao hàng trễ 3 ngày"]
    assert store.table("alerts").execute().comment.tolist() == ["Giao hàng trễ 3 ngày"]
    assert _counts(store) == (1, 1)


def _tampered(tok: str) -> str:
    return tok[:-1] + ("A" if tok[-1] != "A" else "B")


def test_tampered_or_foreign_links_give_a_400_page_and_store_nothing(client, store):
    tok = survey_token(SECRET, "nps", "C1")
    bad = "This link is not valid: it was changed or made for another use. / Liên kết không hợp lệ."
    for url in (f"/s/nps/1?score=2&t={_tampered(tok)}", f"/s/nps?t={_tampered(tok)}"):
        r = client.get(url)
        assert r.status_code == 400 and _text(r.text, "error") == bad
    other_survey = survey_token(SECRET, "csat", "C1")
    r = client.get(f"/s/nps/1?score=2&t={other_survey}")
    assert r.status_code == 400
    assert _text(r.text, "error") == "This link is not valid: it was made for another survey. / Liên kết không hợp lệ."
    prefs = sign(SECRET, "prefs", {"c": "C1", "s": "nps"})  # a token made for another use
    assert client.get(f"/s/nps/1?score=2&t={prefs}").status_code == 400
    expired = sign(SECRET, "survey", {"c": "C1", "s": "nps"}, ttl_days=1, now=0)
    r = client.get(f"/s/nps/1?score=2&t={expired}")
    assert r.status_code == 400 and _text(r.text, "error") == "This link has expired. / Liên kết đã hết hạn."
    r = client.post("/s/nps", data={"t": _tampered(tok), "q_nps": "1"})
    assert r.status_code == 400 and _text(r.text, "error") == bad
    r = client.post("/s/nps/1", data={"t": _tampered(tok), "comment": "x"})
    assert r.status_code == 400
    r = client.get("/s/nps/1?score=2")
    assert r.status_code == 400 and "needs the signed link" in _text(r.text, "error")
    r = client.get(f"/s/nps/1?score=11&t={tok}")
    assert r.status_code == 400 and _text(r.text, "error") == "Câu trả lời chưa hợp lệ."
    assert _text(r.text, "detail") == (
        "Score &#39;11&#39; for question &#39;nps&#39; of survey &#39;nps&#39; is not allowed: "
        "it must be a whole number from 0 to 10.")
    assert _counts(store) == (0, 0)


def test_anonymous_form_double_submit_is_harmless(client, store):
    page = client.get("/s/ces?lang=en").text
    nonce = re.search(r'name="r" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):
        r = client.post("/s/ces", data={"r": nonce, "q_ces": "2", "comment": "Too many steps", "lang": "en"})
        assert r.status_code == 200 and _text(r.text, "thanks") == "Your answer has been recorded."
    fb = store.table("feedback").execute()
    assert fb[["instrument", "instrument_version", "score", "comment", "language", "customer_id"]].values.tolist() == [
        ["ces", "2.0", 2.0, "Too many steps", "en", None]]
    assert store.table("alerts").execute().kind.tolist() == ["high_effort"]
    r = client.post("/s/ces", data={"r": "not-a-nonce", "q_ces": "2"})
    assert r.status_code == 400 and "32 hexadecimal characters" in _text(r.text, "detail")


def test_wellbeing_form_asks_for_consent_and_stores_only_with_it(client, store):
    add_customer(store, "C1", "pos:KH001")
    tok = survey_token(SECRET, "life_impact", "C1")
    page = client.get(f"/s/life_impact?t={tok}").text
    assert 'id="consent" name="consent" value="yes"' in page
    answers = {"t": tok, "q_li1": "5", "q_li2": "4", "q_li3": "3", "q_li4": "2", "q_oecd_a1": "8"}
    r = client.post("/s/life_impact", data=answers)
    assert r.status_code == 200 and _text(r.text, "not-saved") == (
        "Khi chưa có sự đồng ý của Anh/Chị, chúng tôi không lưu câu trả lời về cuộc sống và sức khoẻ tinh thần.")
    assert store.count("feedback") == 0 and store.count("consents") == 0
    r = client.post("/s/life_impact", data={**answers, "consent": "yes"})
    assert _text(r.text, "thanks") == "Câu trả lời của Anh/Chị đã được ghi nhận."
    assert store.count("feedback") == 5
    assert store.table("consents").execute()[["customer_id", "purpose", "status"]].values.tolist() == [
        ["C1", "wellbeing_survey", "granted"]]
    again = client.get(f"/s/life_impact?t={tok}").text
    assert 'id="consent"' not in again and "id=\"consent-on-file\"" in again


def test_customer_with_consent_on_file_is_not_asked_again(client, store):
    add_customer(store, "C2", "web:W2")
    add_consent(store, "C2", "web:W2", "wellbeing_survey", "granted", "2026-01-01T00:00:00Z")
    tok = survey_token(SECRET, "life_impact", "C2")
    r = client.post("/s/life_impact", data={"t": tok, "q_li1": "4"})
    assert _text(r.text, "thanks") == "Câu trả lời của Anh/Chị đã được ghi nhận."
    assert store.table("feedback").execute()[["customer_ref", "question_id", "score"]].values.tolist() == [
        ["web:W2", "li1", 4.0]]


@pytest.mark.slow
def test_a_form_answer_moves_the_demo_nps_exactly_by_hand(demo_ws, tmp_path):
    from centric.store import connect

    ws, _ = demo_ws
    shutil.copy(ws / "centric.duckdb", tmp_path / "copy.duckdb")  # the session's demo store stays untouched
    with connect(f"duckdb://{tmp_path}/copy.duckdb") as store:
        before = metrics.nps(store.table("feedback"))
        p, d, n = before.extra["promoters"], before.extra["detractors"], before.n
        cid = store.table("customers").order_by("customer_id").limit(1).execute().customer_id.iloc[0]
        with TestClient(bare_app(store)) as c:
            tok = survey_token(SECRET, "nps", cid)
            r = c.post("/s/nps", data={"t": tok, "q_nps": "0", "comment": "Đóng gói kém"})
            assert r.status_code == 200
        after = metrics.nps(store.table("feedback"))
        assert after.n == n + 1
        assert after.value == pytest.approx(100.0 * (p - (d + 1)) / (n + 1), abs=1e-9)
        assert after.value < before.value
        al = store.table("alerts").execute()
        assert al[["kind", "customer_id", "score", "comment"]].values.tolist() == [
            ["detractor", cid, 0.0, "Đóng gói kém"]]
