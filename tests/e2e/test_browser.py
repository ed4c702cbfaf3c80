"""The app in a real Chromium: it renders, and moving the concession lever moves the headline numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

METRIC = "[data-testid='stMetricValue']"
#: Generous: the first run draws 100,000 parameter sets on a 2-core machine.
LOAD_MS = 60_000


def open_app(browser: Browser, url: str) -> Page:
    """A page showing the app with its headline numbers rendered."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.locator(METRIC).first.wait_for(timeout=LOAD_MS)
    return page


def move_concession(page: Page, presses: int) -> None:
    """Focus the concession lever's slider and press the right arrow ``presses`` times."""
    page.locator("input[type='range'][aria-label='Concession']").focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")


def screenshot(page: Page, path: Path) -> None:
    page.wait_for_timeout(1500)  # let the charts and the tree finish drawing
    page.screenshot(path=str(path), full_page=False)


@pytest.mark.browser
def test_moving_the_concession_in_a_browser_changes_the_headline(browser, server_url, tmp_path):
    page = open_app(browser, f"{server_url}/?draws=20000")
    keep_before = page.locator(METRIC).first.inner_text()
    move_concession(page, 14)
    # Each key press reruns the app: wait for the last one to reach the URL, then for the numbers.
    page.wait_for_url("**concession=0.7**", timeout=LOAD_MS)
    page.wait_for_function(
        "([sel, old]) => { const m = document.querySelector(sel); return m && m.innerText !== old; }",
        arg=[METRIC, keep_before], timeout=LOAD_MS)
    assert page.locator(METRIC).first.inner_text() != keep_before
    shot = tmp_path / "app.png"
    screenshot(page, shot)
    assert shot.stat().st_size > 10_000
    page.close()


#: The share link of issue 11: a fake sign-in link as a query key and a tracking image as the preset.
INJECTION = ("/?%5BSession%20expired%3A%20sign%20in%20again%5D(https%3A%2F%2Fevil.example%2Flogin)=1"
             "&preset=!%5Bx%5D(https%3A%2F%2Fevil.example%2Fpixel.png)&draws=2000")


@pytest.mark.browser
def test_markup_in_a_share_link_is_shown_as_text_not_as_a_link_or_image(browser, server_url):
    page = open_app(browser, f"{server_url}{INJECTION}")
    notice = page.get_by_text("Some settings in the link were ignored")
    notice.wait_for(timeout=LOAD_MS)
    assert "Session expired" in page.inner_text("body")
    assert page.locator("a[href*='evil.example'], img[src*='evil.example']").count() == 0
    page.close()
