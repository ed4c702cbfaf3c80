"""Hostile numbers in links, forms and flags: one reader (:mod:`sim.spec.numbers`), ASCII digits only,
bounded before conversion. Every page of the app is opened with every query parameter any page reads
set to each hostile value: no page raises, and a value that is not a number is named and dropped."""

from __future__ import annotations

import pytest
from conftest import APP, new_app
from streamlit.testing.v1 import AppTest

import sim.workshop.store as store_module
from sim.app import timeline_links
from sim.present.settings import DEFAULT_PRESET, from_query
from sim.spec.numbers import MAX_NUMBER_CHARS, NumberError, read_number, read_whole
from sim.workshop.store import Store

pytestmark = pytest.mark.subprocess

#: Text that Python's int/float/isdigit take or half-take, or that overflows what reads it.
HOSTILE = [
    "\u00b2",                      # superscript two: isdigit() says yes, int() says no
    "\u0663\u0660\u0660",          # Arabic-Indic 300: int() says 300
    "\U0001d7d3",                  # mathematical bold five
    "\uff15",                      # fullwidth five
    "99999999999999999999",        # past SQLite's 64-bit integers
    "99999999999999999999.x",
    "1e999", "nan", "inf", "-inf",
    "0x10", "1" * 500, "",
    "\u00a05", "5\u2003",          # non-breaking and em spaces around a digit
    "1__0", "_1", "1.2.3", "--1",
    "<b>1</b>", "\x00",
]
#: Hostile values that are whole numbers in ASCII, only too large: refused by range, not by form.
TOO_LARGE = {"99999999999999999999"}
#: The explorer's link parameters that take numbers (read on every page by ``app.py``).
EXPLORER_NUMBERS = ("draws", "seed", "concession", "lambda", "leader_legitimacy", "leader_legitimacy.low",
                    "aq_money.fixed")
#: What each page run is fed (the readers themselves take every value of ``HOSTILE`` above): the issue's
#: own two, Arabic-Indic digits and an overflow; the two pages with parameters of their own get more.
SAMPLE = ["\u00b2", "\u0663\u0660\u0660", "99999999999999999999.x", "1e999"]
OWN_PARAMETERS = {"over_time": SAMPLE + ["", "nan", "1" * 500, "\U0001d7d3"],
                  "workshop_team": SAMPLE + ["99999999999999999999", "-1", "\x00", "0x10"]}
PAGES = ("scenario", "compare", "what_it_takes", "over_time", "model_doc", "tree", "workshop_team",
         "workshop_board", "workshop_guide")


@pytest.mark.parametrize("text", HOSTILE)
def test_the_one_reader_refuses_each_hostile_text_with_a_message(text):
    with pytest.raises(NumberError) as whole:
        read_whole(text, 0, 10**12)
    assert str(whole.value)
    if text not in TOO_LARGE:   # 1e20 is a number: a setting's own range refuses it
        with pytest.raises(NumberError, match="not a|finite"):
            read_number(text)


def test_the_one_reader_reads_plain_ascii_and_refuses_bools_and_overflow():
    assert read_whole("300") == 300 and read_whole(" 1_000_000 ") == 1_000_000 and read_whole("-4") == -4
    assert read_number("0.6") == 0.6 and read_number(".5") == 0.5 and read_number("-1e-3") == -0.001
    assert read_whole(7) == 7 and read_number(3) == 3.0
    for value in (True, False, None, 1.5, [1], b"1"):
        with pytest.raises(NumberError):
            read_whole(value)
    for value in (True, None, 10**400, float("nan")):
        with pytest.raises(NumberError):
            read_number(value)
    with pytest.raises(NumberError, match=f"at most {MAX_NUMBER_CHARS}"):
        read_whole("1" * (MAX_NUMBER_CHARS + 1))
    with pytest.raises(NumberError, match="must be from 1 to 10"):
        read_whole("11", 1, 10)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_explorers_link_names_and_drops_each_hostile_number(text):
    restored = from_query({"preset": DEFAULT_PRESET, **dict.fromkeys(EXPLORER_NUMBERS, text)})
    assert restored.changes == {}
    assert len(restored.problems) == len(EXPLORER_NUMBERS)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_over_time_link_names_and_drops_each_hostile_number(text):
    link = timeline_links.from_query({"ot_years": text, "ot_draws": text}, ["baseline-2018"])
    assert link.settings == {} and len(link.problems) == 2


@pytest.mark.parametrize("text", ["99999999999999999999", "99999999999999999999.x", "\u0663", "-1", "1e3",
                                  "\u00b2.abc", ""])
def test_a_hostile_team_id_opens_nothing_and_raises_nothing(store, text):
    with pytest.raises(ValueError, match="not signed in as that team"):
        store.team(text, "token")


def hostile_link(text: str) -> dict[str, str]:
    """Every query parameter a page reads set to ``text`` (the draws kept small and valid, so the
    scenario pages stay quick; the draws' own hostile values are checked above)."""
    return {**dict.fromkeys(EXPLORER_NUMBERS[1:], text), "ot_years": text, "ot_draws": text,
            "ot_scenario": text, "ot_solution": text, "team": f"{text}.{text}"}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opened_with_every_hostile_parameter_raises_nothing(fresh_cache, db_path, page):
    for text in OWN_PARAMETERS.get(page, SAMPLE):
        at = new_app(**hostile_link(text))
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, text, at.exception)
        if page == "over_time":
            assert sum("ignored" in w.value for w in at.warning) == 4   # the four ot_ parameters
        if page == "workshop_team":
            assert_reentry_refused(at)


def test_the_issues_two_links_no_longer_crash_their_pages(fresh_cache, db_path):
    Store(db_path)
    over_time = AppTest.from_file(str(APP), default_timeout=60)
    over_time.query_params.update({"ot_years": "\u00b2", "ot_draws": "\u00b2"})
    over_time.switch_page("app_pages/over_time.py").run()
    assert not over_time.exception
    assert sum("ignored" in w.value for w in over_time.warning) == 2
    team = AppTest.from_file(str(APP), default_timeout=30)
    team.query_params["team"] = "99999999999999999999.x"
    team.switch_page("app_pages/workshop_team.py").run()
    assert_reentry_refused(team)


def assert_reentry_refused(at: AppTest) -> None:
    """A team link opens nothing alone: the page asks for the re-entry code, and a code typed for a
    hostile id is refused with a message (the id once overflowed SQLite here)."""
    assert not at.exception and "ws_team" not in at.session_state
    store_module._FAILURES.clear()   # each hostile id's first guess, not the limit on guessing
    at.text_input(key="reentry_code").input("ABCDEF")
    next(b for b in at.button if b.label == "Continue").click().run()
    assert not at.exception and any("does not open" in e.value for e in at.error)
    assert "ws_team" not in at.session_state
