"""The scenario page for a first-time student (AppTest): the starting questions, the words under the
levers, the description of edits, and the memo brief (HTML and PDF) that the command line reproduces."""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import sys

import pypdf
import pytest
from conftest import ROOT, new_app, open_parameter_groups, opened
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from sim.engine.intervals import Interval, format_probability
from sim.present.layout import PHONE_COPY, REST, REST_SCRIPT
from sim.present.numbers import price_text
from sim.present.start import QUESTIONS
from sim.spec.scenario import load_scenario

pytestmark = pytest.mark.subprocess


def description_shown(at: AppTest) -> str:
    """The line under the preset picker, as the student reads it (markdown escapes removed)."""
    texts = [c.value.replace("\\", "") for c in at.caption]
    return next(t for t in texts if t.startswith(("Edited from", "From the uploaded", "2018")))


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.key)
def test_a_starting_question_sets_the_preset_and_the_levers_it_names(app, question):
    app.slider(key="w:levers.pressure").set_value(0.9).run()
    app.button(key=f"ask_{question.key}").click().run()
    assert not app.exception
    assert app.selectbox(key="preset_choice").value == question.preset
    levers = {**load_scenario(question.preset).levers, **question.levers}
    for lever, value in levers.items():
        assert app.slider(key=f"w:levers.{lever}").value == value
    assert any("scrollIntoView" in h.proto.body for h in app.get("html"))


def test_the_phones_copy_of_the_start_drives_the_same_settings_and_follows_the_top_one(app):
    """A phone shows a second copy of the starting questions and the picker after the results
    (sim.present.layout): the same callbacks, and it shows whatever the top picker holds."""
    phone = f"preset_choice{PHONE_COPY}"
    assert app.selectbox(key=phone).value == "baseline-2018"
    app.selectbox(key=phone).set_value("2015").run()
    assert not app.exception and app.selectbox(key="preset_choice").value == "2015"
    assert app.query_params["preset"] == "2015"
    app.selectbox(key="preset_choice").set_value("1990s").run()
    assert app.selectbox(key=phone).value == "1990s"
    question = QUESTIONS[1]
    app.button(key=f"ask_{question.key}{PHONE_COPY}").click().run()
    assert app.selectbox(key=phone).value == question.preset
    for lever, value in question.levers.items():
        assert app.slider(key=f"w:levers.{lever}").value == value
    own = load_scenario(question.preset).description   # the line under each picker
    assert [c.value.replace("\\", "") for c in app.caption].count(own) == 2


def test_each_lever_shows_its_value_in_words(app):
    app.slider(key="w:levers.concession").set_value(0.6).run()
    captions = [c.value for c in app.caption]
    assert "0.6: a phased withdrawal" in captions
    assert "0.3: little monitoring" in captions


def test_the_description_says_what_was_edited_from_the_preset(app):
    assert description_shown(app) == load_scenario("baseline-2018").description
    app.slider(key="w:levers.concession").set_value(0.6).run()
    open_parameter_groups(app).slider(key="w:parameters.leader_legitimacy.value").set_value(0.5).run()
    assert description_shown(app) == "Edited from baseline-2018: Concession at 0.6, Leader legitimacy at 0.5."


def test_an_uploaded_what_if_is_described_as_the_file_not_as_its_preset(app):
    data = b"extends: baseline-2018\nlevers: {concession: 0.6}\nrun: {draws: 2000}\n"
    app.file_uploader(key="upload").set_value(("my [what-if].yaml", data, "application/yaml")).run()
    assert description_shown(app) == ("From the uploaded file my [what-if].yaml, built on baseline-2018 (it "
                                      "has no description of its own).")
    app.slider(key="w:levers.pressure").set_value(0.9).run()
    assert description_shown(app) == "Edited from the uploaded file my [what-if].yaml: Pressure at 0.9."


def drawn(at: AppTest) -> dict[str, int]:
    """How many of the page's heavier parts ``at`` has drawn."""
    return {"charts": len(at.get("vega_lite_chart")), "tree": len(at.get("graphviz_chart")),
            "parameters": sum(h.value == "Parameters" for h in at.header),
            "uploads": len(at.get("file_uploader")), "rest button": sum(b.key == REST for b in at.button)}


def test_a_sessions_first_view_is_its_headlines_then_the_browser_asks_for_the_rest(fresh_cache):
    at = new_app(concession="0.6", colour="blue")
    at.run()
    assert not at.exception
    first = [(m.label, m.value) for m in at.metric]
    assert len(first) == 7 and all(value for _, value in first)
    assert drawn(at) == {"charts": 0, "tree": 0, "parameters": 0, "uploads": 0, "rest button": 1}
    assert any(REST_SCRIPT in h.proto.body for h in at.get("html"))
    assert at.slider(key="w:levers.concession").value == 0.6   # the levers are there to use at once
    assert "'colour'" in at.warning[0].value
    at.button(key=REST).click().run()   # what the script does once the headlines are on the screen
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == first
    assert drawn(at) == {"charts": 2, "tree": 1, "parameters": 1, "uploads": 1, "rest button": 0}
    assert "'colour'" in at.warning[0].value   # the link's notice stays until the whole page shows
    at.slider(key="w:levers.concession").set_value(0.4).run()
    assert not at.warning


def test_only_a_sessions_first_view_holds_back_the_rest_of_the_page(app):
    app.selectbox(key="preset_choice").set_value("2015").run()   # a new view, not a new session
    assert drawn(app) == {"charts": 2, "tree": 1, "parameters": 1, "uploads": 1, "rest button": 0}


def test_every_chart_has_its_data_as_a_table_and_the_tree_a_text_summary(app):
    assert len(app.get("vega_lite_chart")) == 2
    assert sum(e.label == "Data as table" for e in app.expander) == 2
    assert len(app.table) == 0   # drawn only when opened: a first view renders no table cells
    for chart in ("outcomes", "net_value"):
        app.session_state[f"table:{chart}"] = True
    app.run()
    # Plain HTML tables, with the charts' numbers: the outcomes' shares with their intervals, and the
    # histogram's bins, whose shares make up every draw.
    outcomes, bins = (t.value for t in app.table)
    assert all(re.fullmatch(r"\d+(\.\d+)?% \(\d+(\.\d+)?-\d+(\.\d+)?%\)", text)
               for text in outcomes["share of draws (95% interval)"])
    assert abs(sum(float(x.rstrip("%")) for x in bins["share of draws"]) - 100) < 0.1 * len(bins)
    assert any(m.value.startswith("1. Taliban leadership") for m in app.markdown)


def test_the_brief_holds_the_headlines_on_screen_and_its_command_reproduces_them(fresh_cache, monkeypatch):
    deferred = {}
    add_deferred = MediaFileManager.add_deferred

    def keep(self, data, mimetype, coordinates, file_name=None, **kwargs):
        deferred[file_name] = data
        return add_deferred(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = opened(new_app(concession="0.6", leader_legitimacy="0.5"))
    shown = [m.value for m in at.metric]
    page = deferred["baseline-2018-brief.html"]()
    for text in shown:
        assert text in page
    command = page.split("<code>")[1].split("</code>")[0]
    assert command.startswith("alliance-sim run baseline-2018 ")
    assert "concession=0.6" in page and "?preset=baseline-2018" in page
    pdf = pypdf.PdfReader(io.BytesIO(deferred["baseline-2018-brief.pdf"]()))
    assert len(pdf.pages) == 1
    printed = pdf.pages[0].extract_text()
    for text in shown:
        assert text in printed
    assert command in printed.replace("\n", " ")

    words = shlex.split(command)[2:]
    out = subprocess.run([sys.executable, "-m", "sim", "run", *words], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120)
    summary = json.loads(out.stdout)
    again = []
    for k in ("keep", "distance", "sever", "split", "deal"):
        mean, (low, high) = summary["outcomes"].get(k, summary.get(k)), summary["intervals"][k]
        n = summary["draws"]
        again.append(format_probability(Interval(mean, low, high, "", mean * n, n)))
    assert again == shown[:5]
    for move, text in zip(("sever", "distance"), shown[5:], strict=True):
        median = summary["sever_price" if move == "sever" else "pledge_price"]["median"]
        assert text.split(" (")[0] == (price_text(float("inf"), 0, 0) if median is None else f"{median:.2f}")
    assert sum(c.value.endswith("of worlds have one") for c in at.caption) == 2   # beside each price
