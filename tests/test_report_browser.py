"""The report opened in headless Chromium (Debian's /usr/bin/chromium via Playwright): charts are drawn."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which("chromium"):
        pytest.fail("chromium is not installed; run 'make test' (it installs it from Debian)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        yield b
        b.close()


def test_report_renders_offline_with_charts(demo_ws, browser, tmp_path):
    ws, _ = demo_ws
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((ws / "report" / "index.html").as_uri())
    page.wait_for_selector(".plot-container", timeout=30_000)
    n_charts = page.locator(".plot-container").count()
    assert n_charts >= 6
    # every chart has drawn something (an SVG main layer with traces)
    assert page.locator(".main-svg").count() >= n_charts
    cards = page.locator(".card")
    assert cards.count() >= 8
    assert "NPS" in page.locator("[data-metric=nps] .label").inner_text()
    assert page.locator("#imports tr").count() >= 5
    assert not errors, errors
    assert all(u.startswith("file://") for u in requests), requests  # nothing from the network
    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    page.close()
