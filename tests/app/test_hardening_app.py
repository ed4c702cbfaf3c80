"""Every app reproducer of issue 11 through AppTest: the message is shown, edits are kept, the page stays.

And nothing a link or an uploaded file carries is rendered as markdown: links, images, HTML and
emphasis all reach the page escaped (``test_browser.py`` checks the same link in a real Chromium).
"""

from __future__ import annotations

import re

import pytest
import yaml
from bad_inputs import BOMB, DEEP, unknown_keys
from conftest import new_app, opened
from test_app import CONCESSION, as_read, error_text, headline_values, upload

from sim.present.settings import escape_markdown
from sim.spec.scenario import MAX_MESSAGE_CHARS, load_scenario

pytestmark = pytest.mark.subprocess

WHATIF = "extends: baseline-2018\n"
#: (file name, content, words the message must contain)
BAD_UPLOADS = [
    ("bomb.yaml", BOMB.encode(), "anchors and aliases"),
    ("deep.yaml", DEEP.encode(), "nested more than 12 levels"),
    ("sd.yaml", (WHATIF + "parameters:\n  aq_money: {value: 0.05, dist: {kind: truncnormal, low: 0, high: 1, "
                 "sd: .inf}}\n").encode(), "parameters.aq_money.dist.sd"),
    ("beta.yaml", (WHATIF + "parameters:\n  leader_legitimacy: {value: 0.5, dist: {kind: beta, low: 0, "
                   "high: 1, a: 1e308, b: 2}}\n").encode(), "parameters.leader_legitimacy.dist.a"),
    ("surrogate.yaml", (WHATIF + 'name: "a\\ud800"\n').encode(), "line 2"),
    ("twice.yaml", (WHATIF + "levers:\n  concession: 0.1\n  concession: 0.2\n").encode(), "duplicate key"),
    ("clock.yaml", (WHATIF + "solution: {concept: qre, lambda: 12:30:00}\n").encode(), "solution.lambda"),
    ("list.yaml", (WHATIF + "notes: [" + "1, " * 300_000 + "1]\n").encode(), "more than 20,000 entries"),
    ("keys.yaml", (WHATIF + unknown_keys(105_000)).encode(), "more than 20,000 entries"),
    ("notes.txt", b"levers: {concession: 0.9}\n", "ends in .yaml or .yml"),
]
MARKUP = ("[Session expired](https://evil.example/login) ![x](https://evil.example/p.png) <img src=x> "
          "**bold** _em_")


def shows_no_markup(markdown: str) -> bool:
    """No link, image, HTML tag or emphasis can start in ``markdown``: each such character is escaped."""
    return re.search(r"(?<!\\)[\[\]()<>*_!]", markdown) is None


def test_each_bad_upload_of_the_issue_is_named_and_the_edits_and_page_survive(app):
    app.slider(key=CONCESSION).set_value(0.6).run()
    before = headline_values(app)
    for name, data, words in BAD_UPLOADS:
        upload(app, name, data)
        assert not app.exception, name
        message = error_text(app)
        assert words in message and "settings are unchanged" in message, (name, message[:400])
        assert len(message) < MAX_MESSAGE_CHARS + 100
        assert app.slider(key=CONCESSION).value == 0.6
        assert headline_values(app) == before and len(app.get("graphviz_chart")) == 1


def test_markup_in_a_share_link_is_shown_escaped(fresh_cache):
    at = opened(new_app(**{MARKUP: "1", "preset": MARKUP}))
    assert not at.exception and headline_values(at)
    (warning,) = at.warning
    user_part = warning.value.split("\n\n", 1)[1]
    assert shows_no_markup(user_part)
    assert "Session expired" in as_read(user_part) and "**bold**" in as_read(user_part)


def test_markup_in_an_uploaded_file_is_shown_escaped_in_the_caption_and_the_errors(app):
    upload(app, "bad.yaml", (WHATIF + yaml.safe_dump({MARKUP: 1})).encode())
    (error,) = app.error
    assert shows_no_markup(error.value.split("\n\n", 1)[1]) and "Session expired" in as_read(error.value)
    good = load_scenario("baseline-2018").updated({"run.draws": 2000}).to_dict()
    good.update(name=MARKUP[:60], description=MARKUP)
    upload(app, "good.yaml", yaml.safe_dump(good).encode())
    assert not app.error and not app.exception
    assert any(escape_markdown(MARKUP) in c.value for c in app.caption)
    app.switch_page("app_pages/what_it_takes.py").run()
    assert any(escape_markdown(MARKUP[:60]) in c.value for c in app.caption)

