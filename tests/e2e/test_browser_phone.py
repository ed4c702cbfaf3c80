"""What a student sees first on a phone, and whether the game tree can be read (issue 31, point 7).

At a phone's size (390 x 844 px) the "What would it take?" page shows its levers on the page, above
the answer, not only in the collapsed sidebar; the scenario page shows its headline numbers within
the first screen; and the game tree, on its own page and beside the scenario's results, is drawn
with labels of 12 px or more, as rendered (the font size times the scale the SVG is drawn at); and
the keyboard meets the scenario page in the order it is drawn, at a phone's width and a laptop's. Every
page so checked is also audited by axe-core at that width. Screenshots go to
``artifacts/screenshots/`` (see ``live_server.SCREENSHOTS``).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from test_browser_explorer import CHART, LOAD_MS, PHONE, RUN_FINISHED, cold_load, shot
from test_offline import FAILING_IMPACTS

from sim.analysis import labels as words
from sim.present.tree_view import MIN_LABEL_PX

pytestmark = pytest.mark.browser

#: The bounding box of an element, in px from the top of the screen (the tests read it before scrolling).
BOX = """(selector) => { const e = document.querySelector(selector); if (!e) return null;
    const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height}; }"""
TREE = "[data-testid='stGraphVizChart'] svg"
LAPTOP = {"width": 1440, "height": 900}
#: Every label of a tree (the SVG the selector names) as drawn: its font size times the SVG's scale on
#: the screen, in CSS px.
TREE_LABEL_PX = """(svg) => [...document.querySelectorAll(svg + " text")]
    .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


def serious(page) -> list[str]:
    """axe-core's serious and critical violations on ``page``."""
    return [f"{v['impact']}: {v['id']} ({len(v['nodes'])} elements)"
            for v in Axe().run(page).response["violations"] if v["impact"] in FAILING_IMPACTS]


def test_on_a_phone_what_it_takes_shows_its_levers_on_the_page_above_the_answer(browser, server_url):
    page, recording = cold_load(browser, server_url + "/what_it_takes", CHART, PHONE)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    assert page.locator("[data-testid='stSidebar']").first.is_hidden() or page.evaluate(
        "document.querySelector(\"[data-testid='stSidebar']\").getBoundingClientRect().right <= 0")
    main = page.locator("[data-testid='stMain']")
    for lever in ("concession", "verification", "pressure"):
        slider = main.get_by_role("slider", name=words.label(lever))
        assert slider.is_visible(), f"the {lever} lever is not on the page"
    levers = page.evaluate(BOX, ".st-key-wit_levers")
    answer = page.evaluate(BOX, "#the-answer-in-plain-words")
    assert levers is not None and answer is not None and levers["bottom"] <= answer["top"]
    # A lever moved on the page moves the answer (the page's own widgets are the ones it reads).
    before = page.locator(".st-key-wit_answer").inner_text()
    main.get_by_role("slider", name=words.label("verification")).focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => !document.querySelector(\".st-key-wit_answer\")"
                           f"?.innerText.includes({before[:200]!r})", timeout=LOAD_MS)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    assert "verification=" in page.url
    page.screenshot(path=str(shot("phone-what-it-takes.png")))
    assert serious(page) == [] and recording.problems() == []
    page.context.close()


def test_on_a_phone_the_scenario_headlines_are_on_the_first_screen(browser, server_url):
    page, recording = cold_load(browser, server_url + "/", "[data-testid='stMetric']", PHONE)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    page.locator(CHART).first.wait_for(timeout=LOAD_MS)   # the whole page drawn: nothing above may grow
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    headlines = page.evaluate(BOX, ".st-key-headlines")
    assert page.locator(".st-key-headlines [data-testid='stMetric']").count() == 7
    assert headlines["bottom"] <= PHONE["height"], headlines
    page.screenshot(path=str(shot("phone-first-screen.png")))
    assert serious(page) == [] and recording.problems() == []
    page.context.close()


@pytest.mark.parametrize(("path", "tree", "viewport"), [
    ("/tree", TREE, PHONE), ("/tree", TREE, LAPTOP),
    ("/?concession=0.6", f".st-key-tree_chart {TREE}", LAPTOP)],
    ids=["tree page 390px", "tree page 1440px", "scenario page 1440px"])
def test_the_tree_labels_are_drawn_at_12px_or_more(browser, server_url, path, tree, viewport):
    page, recording = cold_load(browser, server_url + path, tree, viewport)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    sizes = page.evaluate(TREE_LABEL_PX, tree)
    assert len(sizes) > 40   # every node's and branch's label
    assert min(sizes) >= MIN_LABEL_PX, sorted(sizes)[:5]
    if viewport is PHONE:
        page.screenshot(path=str(shot("phone-tree.png")))
    assert serious(page) == [] and recording.problems() == []
    page.context.close()


#: What has the keyboard's focus: its role and name, or null outside the main region. The element is
#: marked with its place in the walk, so that ``PLACES`` can measure them all once the walk is over.
FOCUSED = """(step) => { const e = document.activeElement;
    const main = document.querySelector("[data-testid='stMain']");
    if (!e || !main || !main.contains(e) || e === main) return null;
    e.setAttribute("data-walk", String(step));
    const by = e.getAttribute("aria-labelledby"), label = by && document.getElementById(by);
    return {role: e.getAttribute("role") || e.tagName.toLowerCase(),
            name: e.getAttribute("aria-label") || (label ? label.innerText : e.innerText).slice(0, 60)}; }"""
#: Where each element the walk met is on the page, measured together (a chart still settling while
#: the walk went on would otherwise move the elements after it): top edge in px from the document's
#: top, and whether it is drawn at all; in the walk's order.
PLACES = """() => { const main = document.querySelector("[data-testid='stMain']");
    return [...document.querySelectorAll("[data-walk]")]
      .sort((a, b) => Number(a.dataset.walk) - Number(b.dataset.walk))
      .map(e => { const r = e.getBoundingClientRect();
                  return {top: r.top + main.scrollTop, shown: r.width > 0 && r.height > 0}; }); }"""
QUESTION = "What would a phased withdrawal buy?"
LEVER = words.label("concession")


def focus_walk(page, until, presses: int = 200) -> list[dict]:
    """Tab from the top of the main region until the focused element (see ``FOCUSED``) is ``until``."""
    page.evaluate("document.querySelector(\"[data-testid='stMain']\").focus()")
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED, len(seen))
        if now is None:
            continue
        seen.append(now)
        if until(now):
            places = page.evaluate(PLACES)
            assert len(places) == len(seen), "an element the walk met twice, or one that has gone"
            return [{**e, **place} for e, place in zip(seen, places, strict=True)]
    raise AssertionError(f"Tab never reached what it looked for: {seen}")


def drawn_whole(page) -> None:
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
    page.locator(CHART).first.wait_for(timeout=LOAD_MS)
    page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)


def test_on_a_phone_the_keyboard_follows_the_screen_levers_before_the_starting_questions(browser, server_url):
    """The phone shows the levers and headlines first and the starting questions after the results;
    Tab must meet them in that order, each element on the screen and lower than the one before (a
    row's elements share a top). The old page drew the questions lower but kept them first in the
    document, so Tab reached them, off the first screen, before any lever."""
    page, recording = cold_load(browser, server_url + "/", "[data-testid='stMetric']", PHONE)
    drawn_whole(page)
    walk = focus_walk(page, lambda e: e["name"].startswith(QUESTION))
    first_lever = next(i for i, e in enumerate(walk) if e["name"] == LEVER)
    first_question = next(i for i, e in enumerate(walk) if e["name"].startswith(QUESTION))
    assert first_lever < first_question, walk
    assert all(e["shown"] for e in walk), [e for e in walk if not e["shown"]]
    tops = [e["top"] for e in walk]
    assert all(b >= a - 1 for a, b in zip(tops, tops[1:], strict=False)), walk
    # The phone's copy of the preset picker is the one that works there.
    page.get_by_role("combobox", name="Start from a preset").click()
    page.get_by_role("option", name="2015", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('preset=2015')", timeout=LOAD_MS)
    assert serious(page) == [] and recording.problems() == []
    page.context.close()


def test_on_a_laptop_the_starting_questions_still_come_first(browser, server_url):
    """The companion: wider than a phone, the questions lead the page, on the screen and for Tab."""
    page, recording = cold_load(browser, server_url + "/", "[data-testid='stMetric']", LAPTOP)
    drawn_whole(page)
    walk = focus_walk(page, lambda e: e["name"] == LEVER)
    assert any(e["name"].startswith(QUESTION) for e in walk) and all(e["shown"] for e in walk), walk
    assert page.get_by_role("button", name=QUESTION).count() == 1   # the phone's copy is hidden here
    assert recording.problems() == []
    page.context.close()
