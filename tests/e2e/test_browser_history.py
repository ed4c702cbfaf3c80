"""The "What history says" page in a real Chromium at a narrow laptop's width: the effective sample
size, the densities side by side and the ranking render with no error and nothing cut short. Its
screenshot (``history.png``, under ``artifacts/screenshots/``) is the README's picture of the page;
``scripts/refresh-images.sh`` saves it into ``docs/``."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from test_browser_explorer import CHART, LOAD_MS, OVERFLOWING, RUN_FINISHED, cold_load, shot
from test_offline import FAILING_IMPACTS

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


#: The pages the calibrated model changes, opened with it chosen by the link.
CALIBRATED_PAGES = ("/?model=calibrated", "/compare?model=calibrated")


def test_the_calibrated_pages_name_the_model_and_pass_the_accessibility_audit(browser, server_url):
    """With the calibrated model chosen, the scenario and compare pages name it, log no error and
    have no serious or critical axe-core violation."""
    axe = Axe()
    problems = []
    for path in CALIBRATED_PAGES:
        page, recording = cold_load(browser, server_url + path, CHART, HISTORY_VIEW)
        page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
        if "calibrated on history" not in page.locator("[data-testid='stMain']").inner_text():
            problems.append(f"{path}: the calibrated model is not named")
        problems += [f"{path}: {p}" for p in recording.problems()]
        problems += [f"{path}: accessibility, {v['impact']}: {v['id']} ({len(v['nodes'])} elements)"
                     for v in axe.run(page).response["violations"] if v["impact"] in FAILING_IMPACTS]
        page.context.close()
    assert not problems, "\n".join(problems)
