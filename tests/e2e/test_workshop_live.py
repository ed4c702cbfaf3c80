"""The workshop on a real server in a real Chromium: a facilitator and two teams in three browser
contexts play a round (the board's screenshot is saved with the other screenshots, see
live_server.SCREENSHOTS), then the server is stopped in the middle of the next round and started
again, and nothing is lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import SCREENSHOTS, start_streamlit, stop
from playwright.sync_api import Browser, Page, expect
from workshop_steps import create_workshop, join, new_page, open_round, submit

from sim.workshop.store import DB_ENV, Store

SCREENSHOT = SCREENSHOTS / "workshop-board.png"
BOARD_SHOT = {"width": 1300, "height": 1650}


@pytest.fixture
def server(tmp_path) -> Iterator[dict]:
    """A server on its own database; ``restart()`` stops it and starts it again on the same port."""
    env = {DB_ENV: str(tmp_path / "workshop.sqlite3")}
    log = (tmp_path / "streamlit.log").open("w")
    url, proc = start_streamlit(log, env)
    state = {"url": url, "proc": proc, "db": Path(env[DB_ENV])}

    def restart() -> None:
        stop(state["proc"])
        state["url"], state["proc"] = start_streamlit(log, env, port=int(url.rsplit(":", 1)[1]))

    state["restart"] = restart
    yield state
    stop(state["proc"])
    log.close()


def reentry_code(page: Page) -> str:
    """The re-entry code the team page shows (it is not in the page's address)."""
    text = page.get_by_text("re-entry code:").first.inner_text()
    code = re.search(r"re-entry code: (\S{6})", text).group(1)
    assert code not in page.url
    return code


def reload_signed_in(page: Page, code: str) -> None:
    """Reload the team's page: its address alone opens nothing; the re-entry code, typed, does."""
    page.reload()
    page.get_by_label("Re-entry code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Submit our position")).to_be_visible()


def reopen_board(browser: Browser, url: str, code: str, key: str) -> Page:
    board = new_page(browser, f"{url}/workshop_board")
    board.get_by_label("Join code").fill(code)
    board.get_by_label("Facilitator key").fill(key)
    board.get_by_role("button", name="Open the board").click()
    return board


@pytest.mark.browser
def test_three_browsers_play_a_round_and_a_restart_mid_round_loses_nothing(browser, server):
    """One server start serves both must-shows: the round in three contexts, then the restart."""
    board = new_page(browser, f"{server['url']}/workshop_board")
    code = create_workshop(board)
    key = re.search(r"from any browser\): (\S+)\. After",
                    board.get_by_text("facilitator key").inner_text()).group(1)
    open_round(board, 1)
    alpha, bravo = (join(browser, server["url"], code, n) for n in ("Alpha", "Bravo"))
    codes = {alpha: reentry_code(alpha), bravo: reentry_code(bravo)}
    submit(alpha, 12)
    submit(bravo, 20)
    # The board refreshes itself: both teams show as submitted without a reload.
    expect(board.get_by_text("2 of 2", exact=True)).to_be_visible()
    board.get_by_role("button", name="Lock round 1 and adjudicate").click()
    expect(board.locator("[data-testid='stVegaLiteChart']")).to_be_visible()
    for team in (alpha, bravo):   # the page's live part shows the result: no reload
        expect(team.get_by_text("Round 1", exact=True)).to_be_visible()
        expect(team.get_by_text("P(sever) at least 25%:")).to_be_visible()
    reload_signed_in(alpha, codes[alpha])
    expect(alpha.get_by_text("Round 1", exact=True)).to_be_visible()
    board.set_viewport_size(BOARD_SHOT)   # tall enough for the QR code, the teams and the chart at once
    board.wait_for_timeout(1500)  # let the chart finish drawing
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    board.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000

    open_round(board, 2)
    submit(alpha, 4)
    store = Store(server["db"])
    workshop = store.workshop(code)
    before = store.all_submissions(workshop.id)
    server["restart"]()
    reload_signed_in(alpha, codes[alpha])  # its own link and code bring it back, its position recorded
    expect(alpha.get_by_text("Your position is recorded:")).to_be_visible()
    board = reopen_board(browser, server["url"], code, key)
    expect(board.get_by_text("1 of 2", exact=True)).to_be_visible()
    board.get_by_role("button", name="Lock round 2 and adjudicate").click()
    expect(board.get_by_role("button", name="Open round 3")).to_be_visible()
    assert store.all_submissions(workshop.id) == before
    assert [r.status for r in store.rounds(workshop.id)] == ["locked", "locked"]
    assert {rnd for _, rnd in store.results(workshop.id)} == {1, 2}
