"""WCAG 2.1 contrast of the app's colours: the theme in ``.streamlit/config.toml`` and the chart specs.

Streamlit draws captions and other secondary text in the theme's text colour at 60% opacity
(its ``fadedText60``), so that blend, not the text colour itself, is what a caption shows.
WCAG 2.1 AA asks 4.5:1 for text and 3:1 for graphical objects such as chart marks (1.4.3, 1.4.11).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_MINIMUM = 4.5
MARK_MINIMUM = 3.0
#: Opacity of Streamlit's secondary text (captions, help, axis of its own charts).
FADED_TEXT_OPACITY = 0.6
#: Spec keys whose colour paints text; every other colour key paints a mark.
TEXT_KEYS = ("labelColor", "titleColor")


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#1f5fa8"`` or ``"#fff"`` -> ``(31, 95, 168)``."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a hex colour: {colour!r}")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG relative luminance."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio, from 1 to 21."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def blend(colour: str, background: str, opacity: float) -> str:
    """``colour`` drawn at ``opacity`` over ``background``, as the eye sees it."""
    pairs = zip(rgb(colour), rgb(background), strict=True)
    mixed = (round(opacity * f + (1 - opacity) * b) for f, b in pairs)
    return "#" + "".join(f"{c:02x}" for c in mixed)


@dataclass(frozen=True)
class Pair:
    """A colour on a background, what it paints, and the contrast it needs."""

    what: str
    foreground: str
    background: str
    minimum: float

    @property
    def ratio(self) -> float:
        return ratio(self.foreground, self.background)

    @property
    def passes(self) -> bool:
        return self.ratio >= self.minimum


def read_theme(config_file: Path) -> dict[str, Any]:
    with config_file.open("rb") as f:
        return tomllib.load(f)["theme"]


def theme_pairs(theme: dict[str, Any]) -> list[Pair]:
    """Text, captions, links and the accent colour against both backgrounds; chart palette on the page."""
    text, page, panel = theme["textColor"], theme["backgroundColor"], theme["secondaryBackgroundColor"]
    faded = blend(text, page, FADED_TEXT_OPACITY)
    pairs = [Pair("text", text, page, TEXT_MINIMUM), Pair("text on widgets", text, panel, TEXT_MINIMUM),
             Pair("captions", faded, page, TEXT_MINIMUM),
             Pair("captions on widgets", blend(text, panel, FADED_TEXT_OPACITY), panel, TEXT_MINIMUM),
             Pair("links", theme["linkColor"], page, TEXT_MINIMUM),
             Pair("accent (slider, buttons)", theme["primaryColor"], page, MARK_MINIMUM)]
    pairs += [Pair(f"chart colour {c}", c, page, MARK_MINIMUM) for c in theme["chartCategoricalColors"]]
    return pairs


def spec_colours(spec: Any, key: str = "", in_text: bool = False, opacity: float = 1.0
                 ) -> Iterator[tuple[str, str, bool, float]]:
    """Every ``(key, colour, paints_text, opacity)`` set in a Vega-Lite spec, including scale ranges.

    A colour paints text when its key is an axis or legend text colour, or it sits in a text mark; it
    is drawn at the ``opacity`` (or ``fillOpacity``) of the mark or block that sets it.
    """
    if isinstance(spec, dict):
        in_text = in_text or spec.get("type") == "text"
        for name in ("opacity", "fillOpacity"):
            if isinstance(spec.get(name), int | float):
                opacity = min(opacity, float(spec[name]))
        for k, v in spec.items():
            yield from spec_colours(v, k, in_text, opacity)
    elif isinstance(spec, list):
        for v in spec:
            yield from spec_colours(v, key, in_text, opacity)
    elif isinstance(spec, str) and spec.startswith("#") and ("color" in key.lower() or key == "range"):
        yield key, spec, in_text or key in TEXT_KEYS, opacity


def chart_pairs(name: str, spec: dict[str, Any], background: str) -> list[Pair]:
    """The colours of one chart spec as drawn on ``background`` (blended at their opacity): text needs
    4.5:1, marks 3:1."""
    return [Pair(f"{name}: {key} {colour} at opacity {opacity:g}", blend(colour, background, opacity),
                 background, TEXT_MINIMUM if is_text else MARK_MINIMUM)
            for key, colour, is_text, opacity in spec_colours(spec)]
