"""What a facilitator and a team do on the workshop pages in a real Chromium, shared by the workshop
browser tests (``test_workshop_live.py``, ``test_workshop_class.py``)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

#: Generous: a fresh server imports numpy, scipy and the model on its first run, on a shared 2-core machine.
WAIT_MS = 90_000
expect.set_options(timeout=WAIT_MS)
DESKTOP = {"width": 1300, "height": 1000}
#: A phone as the team pages meet it: 390 x 844 CSS pixels, touch, a mobile viewport.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def new_page(browser: Browser, url: str, **context) -> Page:
    """``url`` in a new browser context (a desktop one unless ``context`` says otherwise)."""
    page = browser.new_context(**({"viewport": DESKTOP} | context)).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    return page


def create_workshop(page: Page) -> str:
    """On the board: create a workshop from the first card; its join code."""
    page.get_by_role("button", name="Create").click()
    return re.search(r"Join code: ([A-Z0-9]{6})", page.get_by_text("Join code:").inner_text()).group(1)


def open_round(page: Page, number: int) -> None:
    page.get_by_role("button", name=f"Open round {number}").click()
    expect(page.get_by_role("button", name=f"Lock round {number} and adjudicate")).to_be_visible()


def join(browser: Browser, url: str, code: str, name: str, **context) -> Page:
    """A team joins on the team page with the join code typed, or, when ``url`` is the board's join
    link (its QR code), already filled in."""
    page = new_page(browser, url if "?" in url else f"{url}/workshop_team", **context)
    field = page.get_by_label("Join code (from your facilitator)")
    if "?join=" in url:   # the link fills the code in
        expect(field).to_have_value(code)
    else:
        field.fill(code)
    page.get_by_label("Team name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Submit our position")).to_be_visible()
    return page


def move_slider(page: Page, steps: int) -> None:
    """Move the concession slider ``steps`` notches up from where it is (nothing is submitted)."""
    page.get_by_role("slider").first.focus()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")


def submit(page: Page, steps: int, prediction: str = "yes") -> None:
    """Move the concession slider ``steps`` notches up from where it is, choose the prediction (none
    is preset) and submit."""
    move_slider(page, steps)
    page.get_by_text(prediction, exact=True).click()
    page.get_by_role("button", name="Submit our position").click()
    expect(page.get_by_text("Position recorded")).to_be_visible()
