"""Keyboard access (issue 31, item 10): every page carries the skip link and the focus ring, and no page
puts a third-level heading straight under its title (tests/e2e/test_offline.py checks both in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from sim.app.access import ACCESS_HTML, SKIP_ID

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_gets_the_skip_link_and_a_visible_focus_ring(db_path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).switch_page("app_pages/workshop_team.py")
    at.run()
    assert not at.exception
    html = [h.proto.body for h in at.get("html")]
    assert ACCESS_HTML in html
    assert f'id = "{SKIP_ID}"' in ACCESS_HTML or f'link.id = "{SKIP_ID}"' in ACCESS_HTML
    assert "focus-visible" in ACCESS_HTML and "outline: 3px" in ACCESS_HTML


def test_no_page_opens_with_a_third_level_heading_under_its_title():
    """A page's first heading after ``st.title`` is an ``st.header`` (h2), never an ``st.subheader``."""
    for page in sorted((ROOT / "app_pages").glob("*.py")):
        calls = re.findall(r"st\.(title|header|subheader)\(", page.read_text(encoding="utf-8"))
        if "subheader" in calls:
            assert "header" in calls and calls.index("header") < calls.index("subheader"), page.name


def test_the_model_page_opens_in_plain_words_without_file_paths():
    """Issue 31, item 8: the model page is a student page; the code's files are in its last section."""
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    opening = doc.split("\n## ", 1)[0]
    assert "sim/" not in opening and ".py" not in opening
    assert "## For developers" in doc and "sim/model/game.py" in doc.split("## For developers", 1)[1]


def test_the_hint_to_raise_the_concession_shows_only_when_it_is_low():
    from sim.present.words import drivers_note

    assert "raise the concession" in drivers_note("sever", 0.0)
    assert "raise the concession" not in drivers_note("sever", 0.6)
