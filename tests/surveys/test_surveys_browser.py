"""A customer answers an NPS survey in Vietnamese on a phone (Chromium), then an analyst sees the alert.

Real components: uvicorn serving ``centric.web.create_app`` over a DuckDB file on 127.0.0.1, and
headless Chromium (``/usr/bin/chromium``) with a 390×844 viewport and the vi-VN locale.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import add_customer
from live_server import live_server

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(tmp_path, monkeypatch):
    from centric.config import Settings
    from centric.store import connect
    from centric.web import create_app
    from centric.web._accounts import create_user

    monkeypatch.delenv("CENTRIC_SECRET", raising=False)
    ws = tmp_path / "ws"
    settings = Settings(workspace=ws, store_url=f"duckdb://{ws}/centric.duckdb", lang="vi")
    settings.secret(create=True)
    store = connect(settings.store_url)
    for cid, ref, name in (("C1", "pos:KH001", "Nguyễn Thị Lan"), ("C2", "web:W002", "Trần Văn Minh")):
        add_customer(store, cid, ref)
        store.con.con.execute("UPDATE customers SET display_name = ? WHERE customer_id = ?", [name, cid])
    create_user(store, email="analyst@example.vn", role="analyst", password=PASSWORD)
    app = create_app(settings, store=store)
    with live_server(app, lifespan="on") as url:
        yield url, app, settings
    store.close()


@pytest.mark.browser
@pytest.mark.slow
def test_customer_answers_nps_in_vietnamese_on_a_phone_and_the_alert_reaches_the_dashboard(server):
    from playwright.sync_api import expect, sync_playwright

    from centric.surveys import get_survey, one_click_links, survey_link, survey_token

    base, app, settings = server
    secret = settings.secret()
    form_url = survey_link(base, "nps", survey_token(secret, "nps", "C1"))
    click_url = dict(one_click_links(base, get_survey(None, "nps"), survey_token(secret, "nps", "C2")))[2]
    store, lock = app.state.store, app.state.store_lock
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                        is_mobile=True, has_touch=True)
            page = phone.new_page()
            # 1. the signed form link: pick 3, give the reason, send
            page.goto(form_url)
            expect(page.locator("#q-nps")).to_have_text(
                "Trên thang điểm từ 0 đến 10, khả năng Anh/Chị giới thiệu cửa hàng cho bạn bè hoặc đồng nghiệp "
                "là bao nhiêu?")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
            page.get_by_text("3", exact=True).tap()
            expect(page.locator("#q_nps_3")).to_be_checked()
            reason = page.get_by_label("Lý do chính khiến Anh/Chị chọn điểm số này là gì?")
            reason.fill("Nhân viên tư vấn chưa nhiệt tình")
            page.get_by_role("button", name="Gửi").tap()
            expect(page.locator("#thanks")).to_have_text("Câu trả lời của Anh/Chị đã được ghi nhận.")
            # 2. the one-click link from the e-mail (score 2), then the follow-up
            page.goto(click_url)
            expect(page.locator("#score")).to_have_text("2")
            page.locator("#comment").fill("Giao hàng trễ hai ngày")
            page.get_by_role("button", name="Gửi").tap()
            expect(page.locator("#thanks")).to_have_text("Chúng tôi đã nhận được ý kiến của Anh/Chị.")
            with lock:
                fb = store.table("feedback").order_by("customer_id").execute()
                al = store.table("alerts").order_by("customer_id").execute()
            assert fb[["customer_id", "score", "comment", "language", "channel"]].values.tolist() == [
                ["C1", 3.0, "Nhân viên tư vấn chưa nhiệt tình", "vi", "web"],
                ["C2", 2.0, "Giao hàng trễ hai ngày", "vi", "email"],
            ]
            assert al[["kind", "customer_id", "comment"]].values.tolist() == [
                ["detractor", "C1", "Nhân viên tư vấn chưa nhiệt tình"],
                ["detractor", "C2", "Giao hàng trễ hai ngày"],
            ]
            assert (pd.Timestamp.now(tz="UTC") - al.created_at.max()).total_seconds() < 60
            # 3. an analyst logs in and sees both alerts on the overview
            desk = browser.new_context(locale="vi-VN")
            dash = desk.new_page()
            dash.goto(f"{base}/login")
            dash.locator("#email").fill("analyst@example.vn")
            dash.locator("#password").fill(PASSWORD)
            dash.locator("form[action='/login'] button[type=submit]").click()
            dash.wait_for_url(f"{base}/")
            alerts = dash.locator("#alerts")
            for alert_id, name, reason in zip(al.alert_id, ("Nguyễn Thị Lan", "Trần Văn Minh"),
                                              al.comment, strict=True):
                item = alerts.locator(f"li[data-alert='{alert_id}']")
                expect(item).to_contain_text(name)
                expect(item).to_contain_text(reason)
        finally:
            browser.close()
