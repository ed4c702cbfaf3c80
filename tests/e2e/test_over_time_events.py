"""Issue 31, point 5, in a real Chromium: the Over time page's events table is typed, its link keeps the
edited events, and the YAML it downloads loads back through its upload control to the same events.
axe-core finds no serious or critical violation on the page with the table and the upload control."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from axe_playwright_python.sync_playwright import Axe
from live_server import SCREENSHOTS
from test_browser_explorer import RUN_FINISHED

from sim.app import timeline_links as links

LOAD_MS = 180_000
EVENTS = [{"year": 2019, "offer": {"concession": 0.5, "verification": 0.6, "terms": "pledge"}},
          {"year": 2020, "sign": True}, {"year": 2021, "deliver": True, "is_surge": True},
          {"year": 2022, "set": {"governs": "in_power", "is_threat": 0.8}, "levers": {"pressure": 0.2}}]
BASE = "/over_time?ot_scenario=baseline-2018&ot_years=5&ot_draws=500"


def _settled(page) -> None:
    page.locator("[data-testid='stMetricValue']").first.wait_for(timeout=LOAD_MS)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    page.wait_for_timeout(1500)


def _serious(page) -> list[str]:
    """axe-core's serious and critical violations on ``page``."""
    violations = Axe().run(page).response["violations"]
    return [f"{v['impact']}: {v['id']}" for v in violations if v["impact"] in ("serious", "critical")]


def _events_in(url: str) -> str | None:
    return parse_qs(urlparse(url).query).get("ot_events", [None])[0]


def test_the_downloaded_yaml_loads_back_and_the_link_keeps_the_events(browser, server_url, tmp_path):
    text = links.encode_events(EVENTS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(f"{server_url}{BASE}&ot_events={text}")
    _settled(page)
    assert not page.locator("[data-testid='stAlertContentWarning']").count()
    assert _events_in(page.url) == text
    assert not _serious(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-testid='stDataFrame']").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "over-time-events.png"))

    # Tick 2019's Attack box (the grid is a canvas: its first cell is clicked, then the keys move), and
    # the link keeps it across a reload.
    edited = links.encode_events([{**EVENTS[0], "attack": True}, *EVENTS[1:]])
    box = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(box["x"] + 60, box["y"] + 52)
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    page.wait_for_url(f"**ot_events={edited}", timeout=LOAD_MS)
    page.reload()
    _settled(page)
    assert _events_in(page.url) == edited
    assert page.locator("#glide-cell-7-0").text_content() == "true"   # the box ticked again
    text = edited
    with page.expect_download() as download:
        page.get_by_text("Download the scenario with these events (YAML)").click()
    saved = tmp_path / "baseline-2018-timeline.yaml"
    download.value.save_as(saved)

    fresh = browser.new_page(viewport={"width": 1400, "height": 1000})
    fresh.goto(f"{server_url}/over_time?ot_scenario=history-1996-2018&ot_years=5&ot_draws=500")
    _settled(fresh)
    assert _events_in(fresh.url) is None
    fresh.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(saved))
    fresh.wait_for_url("**ot_events=**", timeout=LOAD_MS)
    fresh.get_by_text("Loaded 4 events of baseline-2018").wait_for(timeout=LOAD_MS)
    _settled(fresh)
    assert "ot_scenario=baseline-2018" in fresh.url and _events_in(fresh.url) == text

    bad_file = tmp_path / "broken.yaml"
    bad_file.write_text("name: [unclosed\n")
    fresh.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad_file))
    fresh.get_by_text("The file is not loaded").first.wait_for(timeout=LOAD_MS)
    _settled(fresh)
    assert _events_in(fresh.url) == text   # the loaded events are kept
    assert not _serious(fresh)   # with the upload's messages shown
