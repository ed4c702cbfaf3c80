"""The Model page's text: the model document without the developers' signposts (classroom issue,
point 8: a student page opened with ``sim/*.py`` paths)."""

from __future__ import annotations

import re
from pathlib import Path

from sim.present.model_doc import CODE_REF, for_students

MODEL_MD = (Path(__file__).resolve().parents[2] / "docs" / "model.md").read_text(encoding="utf-8")
HEADING = re.compile(r"^#+ .*$", re.M)


def test_the_student_model_page_names_no_file_script_or_test():
    shown = for_students(MODEL_MD)
    for mark in ("sim/", "tests/", "scripts/", ".py", "test_fact", "<!--"):
        assert mark not in shown, mark
    # The check can fail: the document itself has every one of them.
    assert all(mark in MODEL_MD for mark in ("sim/", "tests/", "scripts/", ".py", "test_fact", "<!--"))


def test_every_section_but_the_developers_stays_and_its_prose_with_it():
    shown = for_students(MODEL_MD)
    raw = [h for h in HEADING.findall(MODEL_MD) if "For developers" not in h]
    headings = HEADING.findall(shown)
    assert len(headings) == len(raw) and all(r.startswith(h) for h, r in zip(headings, raw, strict=True))
    assert not any(CODE_REF.search(h) for h in headings)
    for sentence in ("All terms are defined in section 5.", "The fates add up",
                     "**Events** live in an optional `timeline:` section",
                     "**The record** is an optional `record:` list"):
        assert sentence in shown
    assert len(shown) > 0.85 * len(MODEL_MD)
    assert "#for-developers" not in shown   # no link to the section it leaves out


def test_only_the_sentences_that_point_at_code_go_and_lists_code_and_tables_keep_their_shape():
    text = ("Intro.\n\nThe game is a tree. `sim/model/solve.py` solves it. Ties go to keep.\n\n"
            "* one item\n* two, in `sim/x.py`\n* three (`tests/t.py`)\n\n"
            "```bash\npython x.py\n```\n\n"
            "| fact | test |\n|---|---|\n| 1 | `test_fact1_x`: P < 0.01 |\n\n"
            "## Heading (`sim/timeline/`)\n\n<!-- developers -->\nRun `scripts/a.py`.\n<!-- /developers -->\n"
            "\n## For developers\n\nAll of `sim/`.\n")
    assert for_students(text).rstrip("\n") == ("Intro.\n\nThe game is a tree. Ties go to keep.\n\n"
                                  "* one item\n* three\n\n```bash\npython x.py\n```\n\n"
                                  "| fact | test |\n|---|---|\n| 1 | P < 0.01 |\n\n## Heading")
