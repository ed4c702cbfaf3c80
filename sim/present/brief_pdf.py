"""The memo-ready brief as a one-page PDF, drawn with fpdf2 (pure Python: no browser, no outside request).

It lays out the same :class:`sim.present.brief.Brief` as the HTML page, in the same order. fpdf2's
built-in fonts (Helvetica, Courier) cover Latin-1 only, so text is first folded to Latin-1: typographic
dashes and quotes become their plain forms, and any other character outside Latin-1 (possible only in
a user's own scenario name or description) becomes ``?``. Nothing is interpreted as markup.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sim.present.brief import LIMITS, Brief, reopen_words

#: Folds for the characters the brief's own text uses outside Latin-1.
FOLDS = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
                       "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2264": "<=", "\u2265": ">=",
                       "\u03bb": "lambda ", "\u2192": "->", "\u00a0": " "})
#: Body sizes tried in turn until the brief fits on one A4 page.
SIZES = (9.0, 8.0, 7.0, 6.0)
MARGIN_MM = 12.0
#: Longer lists than this are cut, with a note of how many were left out (the HTML page has them all).
MAX_ROWS = 12


def latin1(text: str) -> str:
    """``text`` in the core fonts' Latin-1, with typographic characters folded and the rest as ``?``."""
    return text.translate(FOLDS).encode("latin-1", "replace").decode("latin-1")


def _cut(rows: list, what: str) -> list:
    if len(rows) <= MAX_ROWS:
        return rows
    left = len(rows) - MAX_ROWS + 1
    return rows[: MAX_ROWS - 1] + [(f"... and {left} more {what} (see the HTML brief)",)]


class _Page:
    """An A4 page at one body size, with the few text blocks the brief needs."""

    def __init__(self, size: float):
        self.size = size
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.pdf.set_auto_page_break(True, margin=MARGIN_MM)
        self.pdf.set_title("alliance-sim brief")
        self.pdf.set_creator("alliance-sim")
        self.pdf.add_page()
        self.line = size * 0.45

    def text(self, text: str, *, style: str = "", scale: float = 1.0, grey: bool = False,
             font: str = "Helvetica", link: str = "") -> None:
        self.pdf.set_font(font, style, self.size * scale)
        self.pdf.set_text_color(74, 77, 82) if grey else self.pdf.set_text_color(14, 17, 23)
        self.pdf.multi_cell(0, self.line * scale, latin1(text), link=link, align="L", new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.pdf.ln(self.line * 0.5)
        self.text(text, style="B", scale=1.15)

    def table(self, rows: list[tuple[str, ...]], widths: tuple[float, ...], header: tuple[str, ...] = ()):
        self.pdf.set_font("Helvetica", "", self.size)
        self.pdf.set_text_color(14, 17, 23)
        self.pdf.set_draw_color(190, 190, 190)
        self.pdf.set_line_width(0.15)
        body = [tuple(latin1(c) for c in row) for row in rows]
        with self.pdf.table(col_widths=widths, first_row_as_headings=bool(header), line_height=self.line,
                            borders_layout="HORIZONTAL_LINES", padding=(0.4, 1.0),
                            text_align="LEFT") as table:
            for row in ([header] if header else []) + body:
                cells = table.row()
                if len(row) == 1:  # a note across the table
                    cells.cell(row[0], colspan=len(widths))
                    continue
                for c in row:
                    cells.cell(c)


def _draw(b: Brief, size: float) -> FPDF:
    page = _Page(size)
    page.text(f"The Taliban and al-Qaeda: {b.title}", style="B", scale=1.5)
    page.text(f"Started from {b.start}; changed: {b.changes}.")
    page.text(f"{b.run}. Probabilities are shares of Monte Carlo draws with 95% intervals; prices are US "
              "concessions on a 0-1 scale (0 nothing, 1 full withdrawal with sanctions relief).", grey=True)
    page.heading("US levers")
    page.table(b.levers, (1, 0.6, 3.4))
    page.heading("Headline figures")
    page.table([(f.label, f.full) for f in b.outcomes + b.prices], (1.6, 3.4))
    page.heading("Most likely line of play")
    for line in b.line_of_play[:-1]:
        page.text(line)
    page.text(b.line_of_play[-1], grey=True)
    if b.contrast_with:
        page.heading(f"What separates keeping from {b.contrast_with}")
        page.text(f"Mean utility points where the leadership keeps vs where it ends in {b.contrast_with}; "
                  "the gap with its 95% interval.", grey=True)
        page.table([(g.label, f"{g.keep:.2f}", f"{g.other:.2f}", f"{g.gap:+.2f} \u00b1 {g.half_width:.2f}")
                    for g in b.gaps], (2.6, 0.8, 0.8, 1.2), header=("term", "keep", b.contrast_with, "gap"))
    else:
        page.heading("What separates keeping from breaking")
        page.text("One side is too rare to contrast.")
    page.heading("Article sections behind what moved")
    if b.sections:
        page.table(_cut(b.sections, "settings"), (1.2, 3.8))
    else:
        page.text("Nothing moved from the start.")
    page.heading("Limits of the model")
    for line in LIMITS:
        page.text(f"- {line}")
    page.heading("Reproduce")
    page.text(f"{reopen_words(b.link)} {b.link}", link=b.link)
    page.text("Command line, anywhere:")
    page.text(b.command, font="Courier", scale=0.95)
    return page.pdf


def brief_pdf(b: Brief) -> bytes:
    """The brief on one A4 page (the largest body size in :data:`SIZES` that fits)."""
    for size in SIZES:
        pdf = _draw(b, size)
        if pdf.page_no() == 1:
            break
    return bytes(pdf.output())
