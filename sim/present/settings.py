"""The explorer's settings as plain data: a preset plus edits, URL query parameters and uploads.

The app holds one starting scenario (a preset or an uploaded file) and the user's edits as
``{dotted.path: value}``, the form that :meth:`sim.spec.scenario.Scenario.updated` and the CLI's ``--set``
take. A shareable link carries the preset's name and those edits under short names
(``concession=0.6``, ``leader_legitimacy=0.3``, ``leader_legitimacy.low=0.2``). Nothing here
imports Streamlit, so every rule is unit-tested on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.spec.numbers import read_number, read_whole
from sim.spec.parameters import LEVERS, PARAMETERS
from sim.spec.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_yaml,
    preset_names,
    printable,
    shown,
)

DEFAULT_PRESET = "baseline-2018"
#: The app runs presets with this many draws (their files use fewer, for a quick CLI run).
APP_DRAWS = 100_000
#: Largest number of draws the app accepts, to keep one rerun within a few seconds.
MAX_APP_DRAWS = 1_000_000
#: Largest seed a browser number field holds exactly (2**53 - 1).
MAX_APP_SEED = 2**53 - 1
RUN_LIMITS = {"run.draws": (1, MAX_APP_DRAWS), "run.seed": (0, MAX_APP_SEED)}
MAX_UPLOAD_MB = 1
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
UPLOAD_SUFFIXES = (".yaml", ".yml")
CONCEPTS = ("spe", "qre")
#: A link names at most this many settings (there are ~180), each value at most this long.
MAX_LINK_SETTINGS = 300
MAX_LINK_VALUE_CHARS = 40
#: The name of a scenario saved from the app: ``my-scenario-20181231``.
DOWNLOAD_STEM = "my-scenario-{date:%Y%m%d}"

#: Short URL names of the settings that are not parameters.
URL_NAMES: dict[str, str] = {
    **{lever: f"levers.{lever}" for lever in LEVERS},
    "solution": "solution.concept",
    "lambda": "solution.lambda",
    "draws": "run.draws",
    "seed": "run.seed",
}
_PATH_TO_URL = {path: name for name, path in URL_NAMES.items()}
_BOUNDS = {"value": "", "dist.low": ".low", "dist.high": ".high"}


@functools.lru_cache(maxsize=64)
def preset_scenario(name: str) -> Scenario:
    """A preset as the app starts it: the file's settings with :data:`APP_DRAWS` draws. Read once per
    process (every session starts from one; a scenario is never changed in place, only copied by
    ``updated``), which spares each new session about 9 ms of the server's interpreter lock."""
    return load_scenario(name).updated({"run.draws": APP_DRAWS})


def editable_values(scenario: Scenario) -> dict[str, Any]:
    """Every setting the explorer lets a user change, by dotted path.

    A parameter contributes its central value and, when its distribution has bounds, its low and
    high ends; a fixed parameter only its value.
    """
    out: dict[str, Any] = {f"levers.{k}": v for k, v in scenario.levers.items()}
    out.update({"solution.concept": scenario.concept, "solution.lambda": scenario.lam,
                "run.draws": scenario.draws, "run.seed": scenario.seed})
    for name, p in scenario.params.items():
        out[f"parameters.{name}.value"] = p.value
        if p.uncertain and p.dist.low is not None and p.dist.high is not None:
            out[f"parameters.{name}.dist.low"] = p.dist.low
            out[f"parameters.{name}.dist.high"] = p.dist.high
    return out


def edits(base: Scenario, current: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``current`` (dotted path -> value) that differ from ``base``, and every fix."""
    start = editable_values(base)
    return {k: v for k, v in current.items() if (k in start and start[k] != v) or is_fix(k)}


def fix_path(name: str) -> str:
    """The edit that fixes parameter ``name`` at a value anywhere in its catalogue range.

    A bare number at ``parameters.<name>`` fixes a parameter (see :func:`sim.spec.scenario.apply_changes`),
    so a value outside the preset's uncertainty range, or a collapsed range, is one edit.
    """
    return f"parameters.{name}"


def is_fix(path: str) -> bool:
    kind, _, name = path.partition(".")
    return kind == "parameters" and name in PARAMETERS


def setting_differences(scenarios: Mapping[str, Scenario], with_path: bool = False) -> list[dict[str, Any]]:
    """One row per setting in which any scenario differs from the first, by its URL name (and, with
    ``with_path``, its dotted path under ``"path"``)."""
    labels = list(scenarios)
    values = {label: editable_values(s) for label, s in scenarios.items()}
    first = values[labels[0]]
    changed = dict.fromkeys(k for label in labels[1:] for k, v in values[label].items() if first.get(k) != v)
    return [{"setting": url_name(k), **({"path": k} if with_path else {}),
             **{label: values[label].get(k) for label in labels}} for k in changed]


def url_name(path: str) -> str:
    """The short URL name of a dotted path (``parameters.x.dist.low`` -> ``x.low``)."""
    if path in _PATH_TO_URL:
        return _PATH_TO_URL[path]
    if is_fix(path):
        return path.removeprefix("parameters.") + ".fixed"
    _, name, rest = path.split(".", 2)
    return name + _BOUNDS[rest]


def dotted_path(url_key: str) -> str | None:
    """The dotted path a URL name stands for, or ``None`` if it names no setting."""
    if url_key in URL_NAMES:
        return URL_NAMES[url_key]
    name, _, bound = url_key.partition(".")
    rest = {"": "value", "low": "dist.low", "high": "dist.high", "fixed": ""}.get(bound)
    if name not in PARAMETERS or rest is None:
        return None
    return f"parameters.{name}.{rest}" if rest else fix_path(name)


#: The link's key for the model chosen, and its one value other than the default (the prior).
MODEL_KEY, CALIBRATED_VALUE = "model", "calibrated"


def to_query(preset: str | None, changes: Mapping[str, Any], calibrated: bool = False) -> dict[str, str]:
    """Query parameters for a link that restores ``preset`` with ``changes`` (and the calibrated
    model if chosen).

    A link cannot carry an uploaded file (``preset`` is ``None``), so it then carries nothing.
    """
    if preset is None:
        return {}
    query = {"preset": preset}
    query.update({url_name(k): str(v) for k, v in changes.items()})
    if calibrated:
        query[MODEL_KEY] = CALIBRATED_VALUE
    return query


@dataclass(frozen=True)
class Restored:
    """Settings read back from a link, with one message per setting that was ignored."""

    preset: str
    changes: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    calibrated: bool = False


def from_query(query: Mapping[str, str]) -> Restored:
    """Read a preset and edits from URL query parameters, dropping (and naming) anything invalid.

    Messages quote the link's keys and values shortened (see :func:`sim.spec.scenario.shown`); a page
    shows them through :func:`escape_markdown`, since a link is written by whoever sends it.
    """
    problems: list[str] = []
    preset = query.get("preset", DEFAULT_PRESET)
    if preset not in preset_names():
        problems.append(f"preset {shown(preset)} does not exist; showing {DEFAULT_PRESET}")
        preset = DEFAULT_PRESET
    base = preset_scenario(preset)
    allowed = editable_values(base)
    parsed: dict[str, tuple[str, Any]] = {}
    # Keys of the Over time page ("ot_...") belong to that page's own link (sim.app.timeline_links).
    items = [(k, v) for k, v in query.items()
             if k not in ("preset", MODEL_KEY) and not str(k).startswith("ot_")]
    model = query.get(MODEL_KEY)
    if model is not None and model != CALIBRATED_VALUE:
        problems.append(f"{MODEL_KEY}={shown(model)} ignored: the model is the prior unless "
                        f"{MODEL_KEY}={CALIBRATED_VALUE}")
    if len(items) > MAX_LINK_SETTINGS:
        problems.append(f"the link names {len(items):,} settings; only the first {MAX_LINK_SETTINGS} were "
                        "read")
    for key, text in items[:MAX_LINK_SETTINGS]:
        path = dotted_path(key)
        if path is None or (path not in allowed and not is_fix(path)):
            problems.append(f"{shown(key)} is not a setting of {preset}; ignored")
            continue
        try:
            parsed[path] = (key, parse_setting(path, text))
        except ValueError as exc:
            problems.append(f"{key}={shown(text)} ignored: {exc}")
    changes = {path: value for path, (_, value) in parsed.items()}
    if not _fits(base, changes):
        # Keep the settings that are valid on their own, then check that they fit together.
        for path, (key, value) in parsed.items():
            try:
                base.updated({path: value})
            except ScenarioError as exc:
                why = "; ".join(p.message for p in exc.problems)
                problems.append(f"{key}={shown(query[key])} ignored: {why}")
                del changes[path]
        if not _fits(base, changes):
            problems.append("the remaining settings in the link contradict each other; using the preset")
            changes = {}
    return Restored(preset, changes, problems, model == CALIBRATED_VALUE)


def parse_setting(path: str, text: str) -> Any:
    """Turn the text of one URL setting into its value; raises ``ValueError`` saying why not."""
    if len(text) > MAX_LINK_VALUE_CHARS:
        raise ValueError(f"longer than {MAX_LINK_VALUE_CHARS} characters")
    if path == "solution.concept":
        if text not in CONCEPTS:
            raise ValueError(f"the solution is {' or '.join(CONCEPTS)}")
        return text
    if path.startswith("run."):
        value = read_whole(text)   # NumberError is a ValueError saying why
        check_run_setting(path, value)
        return value
    return read_number(text)


def check_run_setting(path: str, value: int) -> None:
    """Raise ``ValueError`` if draws or seed lie outside what the app can run or show."""
    low, high = RUN_LIMITS[path]
    if not low <= value <= high:
        raise ValueError(f"{path.removeprefix('run.')} must be between {low} and {high:,} in the app")


def _fits(base: Scenario, changes: Mapping[str, Any]) -> bool:
    try:
        base.updated(changes)
    except ScenarioError:
        return False
    return True


def scenario_from_upload(file_name: str, data: bytes) -> Scenario:
    """Validate an uploaded scenario file.

    Raises
    ------
    ScenarioError
        If the file is over :data:`MAX_UPLOAD_BYTES`, not UTF-8 text, not YAML, or not a valid
        scenario; one problem per fault. ``extends`` may only name a preset, so an upload never
        reads other files on the server.
    """
    if not file_name.lower().endswith(UPLOAD_SUFFIXES):
        raise ScenarioError([Problem(file_name, "", "a scenario file's name ends in .yaml or .yml")])
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError([Problem(file_name, "", f"the file has {len(data):,} bytes; the limit is "
                                                    f"{MAX_UPLOAD_MB} MB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(file_name, "", "not a text file (UTF-8 expected)")]) from None
    raw = parse_yaml(text, file_name)
    parent = raw.get("extends")
    if parent is not None and parent not in preset_names():
        raise ScenarioError([Problem(file_name, "extends", f"an uploaded file may only extend a preset "
                                                           f"({', '.join(preset_names())})")])
    scenario = load_scenario(raw, name=file_name)
    problems = []
    for path in ("run.draws", "run.seed"):
        try:
            check_run_setting(path, getattr(scenario, path.removeprefix("run.")))
        except ValueError as exc:
            problems.append(Problem(file_name, path, str(exc)))
    if problems:
        raise ScenarioError(problems)
    return scenario


def sample_key(scenario: Scenario) -> str:
    """Everything that fixes the sampled draws: the scenario less its levers and solution concept.

    Two scenarios with the same key share their draws, so the app re-solves rather than redraws
    when only a lever or the solution concept changes.
    """
    data = scenario.to_dict()
    del data["levers"], data["solution"]
    return json.dumps(data, sort_keys=True, default=repr)  # a hundred times faster than YAML


def slider_step(low: float, high: float) -> float:
    """A round step giving about 100 to 1000 positions between ``low`` and ``high``."""
    return 10.0 ** math.floor(math.log10((high - low) / 100))


def download_stem(today: dt.date) -> str:
    """The file name (without suffix) of the settings, results and game saved from the app."""
    return DOWNLOAD_STEM.format(date=today)


def for_download(scenario: Scenario, preset: str | None, today: dt.date) -> Scenario:
    """``scenario`` named as the user's own, its description saying what it was edited from.

    A download named after a preset would be run as the preset by ``alliance-sim run NAME``.
    """
    source = preset or printable(scenario.name, 100)
    origin = f"the preset {source}" if preset else f"the uploaded file {source}"
    description = f"Edited from {origin} in the alliance explorer on {today:%Y-%m-%d}."
    if scenario.description:
        description = printable(f"{description} The original description: {scenario.description}", 5_000)
    return dataclasses.replace(scenario, name=f"{download_stem(today)} (edited from {source})",
                               description=description)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")
#: Streamlit turns ``https://...``, ``www.`` and e-mail addresses in text into links after parsing,
#: so escapes cannot stop it: an invisible word joiner inside each trigger does.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """``text`` shown literally by ``st.markdown`` and friends: no links, images, HTML, emphasis,
    colour or icon directives, maths or line breaks (each of them starts with a backslash-escaped
    ASCII punctuation character, so it is shown as typed), and no web or e-mail address made a link."""
    flat = _AUTOLINK.sub(WORD_JOINER, " ".join(str(text).split()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
