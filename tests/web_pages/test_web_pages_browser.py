"""The pages in headless Chromium (Playwright, /usr/bin/chromium) against a real server on 127.0.0.1."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # as in conftest.py
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(pages_app):
    from live_server import live_server

    with live_server(pages_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        yield b
        b.close()


def _login(page, base, email="analyst@example.vn"):
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_login_scorecard_charts_360_and_language(server, browser, pages_app, tmp_path):
    (cid, name), = pages_app.state.store.con.con.execute(
        "select customer_id, display_name from customers where display_name is not null order by customer_id limit 1"
    ).fetchall()
    with pages_app.state.store_lock:
        pages_app.state.store.append("alerts", pd.DataFrame([{
            "alert_id": "al_browser", "kind": "detractor", "customer_id": cid, "score": 3.0,
            "comment": "Nhân viên trả lời chậm", "created_at": pd.Timestamp.now(tz="UTC")}]))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    _login(page, server)
    # the scorecard with its charts drawn
    page.wait_for_selector("#trends .js-plotly-plot .main-svg", timeout=30_000)
    assert page.locator("#scorecard .card").count() >= 5
    assert "NPS" in page.locator("[data-metric=nps] .label").inner_text()
    assert page.locator("#trends .main-svg").count() >= 1
    assert page.locator("#trends .scatterlayer .trace").count() >= 1  # traces were drawn
    # the alert is on the dashboard; respond to it
    alert = page.locator("[data-alert=al_browser]")
    assert "Nhân viên trả lời chậm" in alert.inner_text()
    alert.locator("button").click()
    page.wait_for_selector("[data-alert=al_browser].responded")
    # open the customer 360 from the alert
    page.locator("[data-alert=al_browser] a").click()
    page.wait_for_selector("#customer-name")
    assert page.locator("#customer-name").inner_text() == name
    assert page.locator("#timeline li").count() >= 1
    # switch the language
    assert page.get_attribute("html", "lang") == "vi"
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#profile-h").inner_text() == "Profile"
    page.goto(f"{server}/")  # remembered
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Overview"
    assert not errors, errors
    assert not outside, outside  # nothing from a CDN
    page.screenshot(path=str(tmp_path / "overview.png"))
    page.close()


def test_phone_viewport_has_no_sideways_scroll_and_is_keyboard_usable(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _login(page, server, "viewer@example.vn")
    page.wait_for_selector("#trends .main-svg", timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"
    page.goto(f"{server}/personas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
