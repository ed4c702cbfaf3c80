"""Settings in words: what a lever's value means, and how the current settings differ from a preset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.analysis.labels import label
from sim.present.settings import escape_markdown, setting_differences
from sim.spec.scenario import Scenario, load_scenario, preset_names

#: Characters that markdown would read as formatting, links or HTML.

#: For each lever, the words for the levels along its 0-1 scale (value at which the words start).
LEVER_LEVELS: dict[str, tuple[tuple[float, str], ...]] = {
    "concession": ((0.0, "nothing offered"), (0.15, "talks and prisoner releases"),
                   (0.45, "a phased withdrawal"), (0.8, "full withdrawal with sanctions relief")),
    "verification": ((0.0, "no monitoring of a pledge"), (0.2, "little monitoring"),
                     (0.45, "regular monitoring"), (0.75, "intrusive verification")),
    "pressure": ((0.0, "no US military pressure"), (0.2, "light pressure"),
                 (0.45, "a continuing but reduced campaign"), (0.75, "a full military campaign")),
}
#: The article section behind each lever (see the presets' comments and docs/model.md).
LEVER_SECTIONS = {"concession": "Negotiations ¶1-5", "verification": "Prospects ¶4",
                  "pressure": "Intro ¶1-2"}
#: Settings that describe the run rather than the situation, named in words.
RUN_WORDS = {"solution.concept": "solution", "solution.lambda": "QRE precision", "run.draws": "draws",
             "run.seed": "seed"}


#: The inputs' own labels for the settings that are not parameters.
SETTING_LABELS = {"solution.concept": "Solution concept", "solution.lambda": "QRE precision lambda",
                  "run.draws": "Monte Carlo draws", "run.seed": "Seed"}
#: How each part of a parameter's setting is named after the parameter's label.
PART_WORDS = {"value": "", "dist.low": ": low end of its range", "dist.high": ": high end of its range"}


def setting_label(path: str) -> str:
    """A setting's dotted path in the words of the input that sets it."""
    if path in SETTING_LABELS:
        return SETTING_LABELS[path]
    kind, name, *rest = path.split(".", 2)
    if kind == "levers":
        return label(name)
    return label(name) + (PART_WORDS[rest[0]] if rest else " (fixed at a value)")


def differences_in_words(scenarios: Mapping[str, Scenario]) -> list[dict[str, Any]]:
    """:func:`sim.present.settings.setting_differences` with each setting named as the inputs name it."""
    rows = []
    for row in setting_differences(scenarios, with_path=True):
        path = row.pop("path")
        rows.append({**row, "setting": setting_label(path)})
    return rows


def lever_words(lever: str, value: float) -> str:
    """What ``value`` of ``lever`` stands for, e.g. ``concession 0.6`` -> ``"a phased withdrawal"``."""
    words = LEVER_LEVELS[lever][0][1]
    for start, text in LEVER_LEVELS[lever]:
        if value >= start - 1e-9:
            words = text
    return words


def value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def changes_text(edits: Mapping[str, Any], ignore: tuple[str, ...] = ("run.draws", "run.seed")) -> str:
    """``"Concession at 0.6, Leader legitimacy fixed at 0.3"``: the edits that change the situation, in
    order, named as the inputs that set them (a student reads no parameter identifier)."""
    return ", ".join(_change_words(p, v) for p, v in edits.items() if p not in ignore)


def _change_words(path: str, value: Any) -> str:
    if path in RUN_WORDS:
        return f"{RUN_WORDS[path]} {value_text(value)}"
    parts = path.split(".")
    if parts[0] == "parameters" and len(parts) == 2:   # a parameter fixed at a value ("fix at")
        return f"{label(parts[1])} fixed at {value_text(value)}"
    return f"{setting_label(path)} at {value_text(value)}"


def description(start: str, start_description: str, edits: Mapping[str, Any]) -> str:
    """The line under the preset picker: the start's own description, or what was edited from it."""
    changed = changes_text(edits)
    if not changed:
        return start_description
    return f"Edited from {start}: {changed}."


def upload_start(file_name: str, scenario: Scenario) -> tuple[str, str]:
    """``(start, description)`` of an uploaded file. A file that extends a preset without a description
    of its own inherits the preset's name and words: say so rather than repeat them."""
    start = f"the uploaded file {file_name}"
    if scenario.name in preset_names() and scenario.description == load_scenario(scenario.name).description:
        return start, (f"From the uploaded file {file_name}, built on {scenario.name} (it has no "
                       "description of its own).")
    return start, f"From the uploaded file {file_name}: {scenario.description}"


def as_plain_markdown(text: str) -> str:
    """``text`` shown exactly as written (:func:`sim.present.settings.escape_markdown`: the one escape
    rule)."""
    return escape_markdown(text)


#: Below this concession a Sever is rare in the presets (about 3% of worlds at 0).
LOW_CONCESSION = 0.2


def drivers_note(label: str, concession: float) -> str:
    """What the drivers are computed at; the hint to raise the concession only when it is low."""
    note = f"At the levers in the sidebar, for P({label})."
    if concession < LOW_CONCESSION:
        note += (f" With a concession as low as {concession:.2f} a break is rare, so there may be too little "
                 "to analyse: raise the concession in the sidebar.")
    return note
