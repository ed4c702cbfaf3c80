"""The "What history says" page in a real Chromium at a narrow laptop's width: the effective sample
size, the densities side by side and the ranking render with no error and nothing cut short. Its
screenshot (``history.png``, under ``artifacts/screenshots/``) is the README's picture of the page;
``scripts/refresh-images.sh`` saves it into ``docs/``."""

from __future__ import annotations

from test_browser_explorer import CHART, LOAD_MS, OVERFLOWING, RUN_FINISHED, cold_load, shot

#: 1280 px wide, tall enough for the headline figures and the first row of densities.
HISTORY_VIEW = {"width": 1280, "height": 900}
METRIC_LABEL = "[data-testid='stMetricLabel']"


def test_what_history_says_shows_its_sample_size_and_densities_at_1280px(browser, server_url):
    page, recording = cold_load(browser, server_url + "/history", CHART, HISTORY_VIEW)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    labels = page.locator(METRIC_LABEL).all_inner_texts()
    assert any("Effective sample size" in label for label in labels), labels
    assert page.locator(CHART).count() >= 3   # the densities of the most informed parameters
    assert page.evaluate(OVERFLOWING) == []
    assert recording.problems() == []
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shot("history.png")))
    page.context.close()
