"""The explorer's words and numbers: intervals, lever meanings, edits, the line of play and the brief."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pypdf
import pytest

from sim.engine.driver import sample
from sim.present.brief import (
    brief_html,
    build_brief,
    contrast_side,
    reopen_words,
    reproduce_command,
    term_gaps,
)
from sim.present.brief_pdf import brief_pdf, latin1
from sim.present.explain import analyse, decision_terms
from sim.present.numbers import (
    median_interval,
    percent_text,
    price_text,
    share_with_interval,
    wilson_interval,
)
from sim.present.play import line_of_play
from sim.present.words import as_plain_markdown, description, lever_words
from sim.spec.scenario import load_scenario


@pytest.fixture(scope="module")
def solved():
    scenario = load_scenario("baseline-2018", {"levers.concession": 0.6, "run.draws": 4000})
    drawn = sample(scenario)
    analysis = analyse(drawn, scenario.levers, "spe", 10.0)
    return scenario, analysis, decision_terms(drawn.params, scenario.levers, analysis.result)


def test_the_wilson_interval_matches_the_textbook_value():
    # 12 successes in 100: Wilson 95% interval (Newcombe 1998, method 3) is 0.0700-0.1981.
    low, high = wilson_interval(0.12, 100)
    assert low == pytest.approx(0.0700, abs=1e-4) and high == pytest.approx(0.1981, abs=1e-4)


def test_a_share_is_written_as_a_percent_with_its_interval():
    assert percent_text(0.12, 0.10, 0.14) == "12% (10-14%)"
    assert percent_text(0.1234, 0.1201, 0.1267) == "12.3% (12.0-12.7%)"
    assert share_with_interval(0.0, 1000).startswith("0.0% (0.0-0.")


def test_the_median_interval_brackets_the_median_and_narrows_with_more_draws():
    rng = np.random.default_rng(1)
    small, large = rng.uniform(size=400), rng.uniform(size=40_000)
    m, lo, hi = median_interval(small)
    assert lo < m < hi and lo < 0.5 < hi
    _, lo2, hi2 = median_interval(large)
    assert hi2 - lo2 < (hi - lo) / 5


def test_a_price_without_a_concession_up_to_1_says_so():
    assert price_text(float("inf"), 0.9, float("inf")) == "none up to 1"
    assert price_text(0.62, 0.5, float("inf")) == "0.62 (0.50 to over 1)"
    assert price_text(0.62, 0.6, 0.64) == "0.62 (0.60-0.64)"


@pytest.mark.parametrize(("lever", "value", "words"), [
    ("concession", 0.0, "nothing offered"), ("concession", 0.3, "talks and prisoner releases"),
    ("concession", 0.6, "a phased withdrawal"), ("concession", 1.0, "full withdrawal with sanctions relief"),
    ("verification", 0.8, "intrusive verification"), ("pressure", 0.5, "a continuing but reduced campaign"),
])
def test_each_lever_value_has_its_meaning_in_words(lever, value, words):
    assert lever_words(lever, value) == words


def test_the_description_names_what_was_edited_from_the_preset():
    assert description("baseline-2018", "As in 2018.", {}) == "As in 2018."
    assert description("baseline-2018", "As in 2018.", {"run.draws": 5000}) == "As in 2018."
    edited = {"levers.concession": 0.6, "parameters.leader_legitimacy.dist.low": 0.2}
    assert description("baseline-2018", "As in 2018.", edited) == (
        "Edited from baseline-2018: Concession at 0.6, Leader legitimacy: low end of its range at 0.2.")
    assert "Leader legitimacy fixed at 0.3" in description(
        "baseline-2018", "As in 2018.", {"parameters.leader_legitimacy": 0.3})   # no identifier, no "(fixed)"


def test_user_text_shown_as_markdown_keeps_no_formatting_or_links():
    shown = as_plain_markdown("*bold* [link](http://x.example) <b>")
    assert "\\*bold\\*" in shown and "\\[link\\]\\(" in shown and "\\<b\\>" in shown


def test_the_line_of_play_follows_the_most_likely_move_from_the_root(solved):
    _, analysis, _ = solved
    steps, reach = line_of_play(analysis.tree)
    root = analysis.tree.branches[""]
    assert steps[0].mover == "Taliban leadership" and steps[0].probability == pytest.approx(max(root))
    assert 0 < reach <= 1


def test_the_command_line_quotes_every_setting_and_names_the_run():
    scenario = load_scenario("baseline-2018", {"run.draws": 3000, "run.seed": 9})
    edits = {"levers.concession": 0.6, "run.draws": 3000}
    cmd = reproduce_command("baseline-2018", edits, scenario, "x.yaml")
    assert cmd == ("alliance-sim run baseline-2018 --set levers.concession=0.6 --draws 3000 --seed 9 "
                   "--format json")
    assert reproduce_command(None, {}, scenario, "my file.yaml").startswith("alliance-sim run 'my file.yaml'")


def test_term_gaps_carry_an_interval_that_shrinks_with_more_draws():
    rng = np.random.default_rng(2)
    def gap(n):
        keep = (rng.uniform(size=n) < 0.5).astype(float)
        terms = {"bonds": keep * 1.0 + rng.normal(0, 1, n)}
        return term_gaps(terms, keep, 1 - keep)[0]
    small, large = gap(400), gap(40_000)
    assert abs(large.gap - 1.0) < 3 * large.half_width + 0.05
    assert large.half_width < small.half_width / 5


def test_the_brief_holds_the_figures_the_levers_and_escapes_user_text(solved):
    scenario, analysis, terms = solved
    edits = {"levers.concession": 0.6}
    brief = build_brief(scenario, "<b>mine</b>", edits, analysis.result, analysis.tree, terms,
                        "http://127.0.0.1:8501/?preset=baseline-2018&concession=0.6", "alliance-sim run x")
    page = brief_html(brief)
    assert "<b>mine</b>" not in page and "&lt;b&gt;mine&lt;/b&gt;" in page
    for figure in brief.outcomes + brief.prices:
        assert figure.text in page
    assert "a phased withdrawal" in page and "Negotiations" in page
    assert "concession=0.6" in page and "alliance-sim run x" in page
    assert contrast_side(analysis.result)[0] in ("Sever", "Pledge or Sever")
    assert "<script" not in page and "http" not in page.split("<body>")[0]


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join(page.extract_text() for page in reader.pages)


def test_the_pdf_brief_is_one_page_with_the_figures_the_levers_and_the_command(solved):
    scenario, analysis, terms = solved
    brief = build_brief(scenario, "baseline-2018", {"levers.concession": 0.6}, analysis.result, analysis.tree,
                        terms, "http://127.0.0.1:8501/?preset=baseline-2018&concession=0.6",
                        "alliance-sim run baseline-2018 --draws 4000")
    data = brief_pdf(brief)
    assert data.startswith(b"%PDF-")
    pages, text = _pdf_text(data)
    assert pages == 1
    for figure in brief.outcomes + brief.prices:
        assert f"{figure.label} {figure.text}" in text
    assert "a phased withdrawal" in text and "Negotiations" in text
    assert "alliance-sim run baseline-2018 --draws 4000" in text and "concession=0.6" in text
    assert brief.line_of_play[0] in text


def test_the_pdf_brief_stays_on_one_page_and_prints_any_name(solved):
    """A user's name outside Latin-1 and every parameter moved: still one page, nothing lost silently."""
    scenario, analysis, terms = solved
    edits = {f"parameters.{name}.value": 0.5 for name in scenario.params}
    brief = build_brief(dataclasses.replace(scenario, name="what-if \u2013 \u0645\u0646"), "my file",
                        edits, analysis.result, analysis.tree, terms, "http://127.0.0.1:8501/",
                        "alliance-sim")
    assert len(brief.sections) > 12
    pages, text = _pdf_text(brief_pdf(brief))
    assert pages == 1
    assert "what-if - ??" in text
    assert f"and {len(brief.sections) - 11} more settings" in text
    assert latin1("\u201cchip\u201d \u2265 0.5") == '"chip" >= 0.5'


@pytest.mark.parametrize(("link", "only_here"), [
    ("http://localhost:8501/?preset=2018", True), ("http://127.0.0.1:8501/", True),
    ("http://[::1]:8501/", True),
    ("http://192.168.1.20:8501/?preset=2018", False), ("https://sim.example.edu/", False),
])
def test_a_briefs_link_to_this_machine_says_it_opens_only_there_and_points_to_the_command(link, only_here):
    """Classroom issue, point 8: a brief carried off the machine linked to localhost without a word."""
    words = reopen_words(link)
    assert ("on this computer" in words) is only_here and words.startswith("Open this view")
