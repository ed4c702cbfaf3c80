"""The guided start: what the scenario page answers, and three questions to begin with.

Each question starts from a preset and names the levers it sets; at the presets' own lever values,
so their runs are the ones the server keeps ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INTRO = ("This page asks what it would take for the Taliban leadership to break with al-Qaeda: each "
         "of many Monte Carlo draws is one plausible world read from the article, solved as a game. "
         "Set the three US levers below and read how often the leadership keeps the alliance, makes a "
         "public pledge or severs ties, and the price it would take.")


@dataclass(frozen=True)
class Question:
    """A starting question: the preset it starts from and the levers it sets."""

    key: str
    text: str
    preset: str
    levers: dict[str, float] = field(default_factory=dict)

    def settings_text(self) -> str:
        levers = ", ".join(f"{k} {v:g}" for k, v in self.levers.items())
        return f"{self.preset}{', ' + levers if levers else ''}"


QUESTIONS = (
    Question("status_quo", "What does the 2018 status quo look like?", "baseline-2018",
             {"concession": 0.0, "verification": 0.3, "pressure": 0.5}),
    Question("phased_withdrawal", "What would a phased withdrawal buy?", "what-if-major-concession",
             {"concession": 0.7}),
    Question("haqqanis_rise", "What changes if the Haqqanis rise?", "what-if-haqqani-ascendant",
             {"concession": 0.7}),
)
