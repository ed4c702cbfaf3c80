"""The model document for students: ``docs/model.md`` without the developers' signposts.

The document serves two readers. Developers need the file each term lives in and the test that holds
each fact; a student on the app's Model page needs the model in words (classroom issue, point 8: the
page opened with file paths). :func:`for_students` keeps every section and every sentence about the
model, and drops the section for developers, the passages marked for them, and each sentence that
points at a source file, a script, a test or a function, so what is left reads as prose.
"""

from __future__ import annotations

import re

#: Passages only developers need are wrapped in these two comments in ``docs/model.md``.
DEV_START, DEV_END = "<!-- developers -->", "<!-- /developers -->"
_DEV_BLOCK = re.compile(re.escape(DEV_START) + r".*?" + re.escape(DEV_END) + r"\n?", re.S)
_DEV_SECTION = re.compile(r"^## For developers\n.*?(?=^## |\Z)", re.S | re.M)
#: A reference to code: a path in the repository, a dotted name in the package, a test's name.
CODE_REF = re.compile(r"`(?:(?:sim|tests|scripts|app_pages)/[^`]*|sim\.[^`]*|test_[^`]*)`")
#: A parenthesis that holds nothing but such a reference, as in a heading "(`sim/timeline/`)".
_REF_ASIDE = re.compile(r"\s?\((?:[^()`]{0,40})" + CODE_REF.pattern + r"(?:[^()`]{0,20})\)")
#: Where a sentence ends inside a paragraph.
_SENTENCE_END = re.compile(r"(?<=[.])\s+(?=[A-Z(`*\"])")


def _prose(block: str) -> str:
    """A paragraph, or a list item by item, without the sentences that point at code."""
    body = block.lstrip("\n")
    items = re.split(r"\n(?=(?:[*-]|\d+\.) )", body)
    return block[: len(block) - len(body)] + "\n".join(kept for kept in map(_item, items) if kept)


def _item(text: str) -> str:
    if not CODE_REF.search(text):
        return text
    lead = re.match(r"\s*(?:[*-] |\d+\. )?", text).group(0)
    kept = [s for s in _SENTENCE_END.split(text[len(lead):]) if not CODE_REF.search(s)]
    return lead + " ".join(kept) if kept else ""


def _table_row(row: str) -> str:
    """A table row's cells without the tests' names (what each test asserts stays)."""
    row = re.sub(r"in `tests/[^`]*`:\s*", "", row)
    return re.sub(r"`test_[^`]*`(?: and `\[[^`]*\]`)?(?::\s*)?", "", row)


def for_students(markdown: str) -> str:
    """``markdown`` (the model document) as the app's Model page shows it."""
    text = _REF_ASIDE.sub("", _DEV_SECTION.sub("", _DEV_BLOCK.sub("", markdown)))
    out: list[str] = []
    fenced = False
    for block in re.split(r"\n(?=\s*\n)", text):
        body = block.strip("\n")
        if body.lstrip().startswith("```") or fenced:
            fenced = fenced != (body.count("```") % 2 == 1)
            out.append(block)
        elif body.lstrip().startswith("|"):
            out.append("\n".join(_table_row(r) for r in block.split("\n")))
        else:
            out.append(_prose(block) if not body.lstrip().startswith("#") else block)
    return "\n".join(out)
