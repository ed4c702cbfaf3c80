"""Scenario files: safe loading, ``extends`` resolution, validation and export.

A scenario is plain data (in the spirit of SALib's ``problem`` dict): the US levers, the solution
concept, the run settings and, for every parameter of :mod:`sim.parameters`, a central value, an
uncertainty distribution, a one-line meaning and the article section it rests on. A what-if file
``extends:`` a preset or another file and overrides a few entries.

Every problem is reported as ``file: dotted.path: message`` through :class:`ScenarioError`; YAML is
only ever read with ``yaml.safe_load``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.parameters import LEVERS, NAMES, PARAMETERS

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
CHANGES_LABEL = "--set"  # where problems with changes given on top of a file are reported
#: A result keeps ~40 per-draw arrays: 10^7 draws peak at about 6 GiB on this 24 GiB machine.
MAX_DRAWS = 10_000_000
DistKind = Literal["fixed", "uniform", "triangular", "pert", "truncnormal", "lognormal", "beta"]
_NEEDS: dict[str, tuple[str, ...]] = {
    "fixed": (),
    "uniform": ("low", "high"),
    "triangular": ("low", "high"),
    "pert": ("low", "high"),
    "truncnormal": ("low", "high", "sd"),
    "lognormal": ("sigma",),
    "beta": ("low", "high", "a", "b"),
}


# ----------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file and dotted path) and what."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario could not be read; ``problems`` names each fault and where it is."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ----------------------------------------------------------------------------- schema

_STRICT = ConfigDict(extra="forbid", populate_by_name=True, strict=True)  # no "0.5" or true as numbers


class Dist(BaseModel):
    """An uncertainty distribution around a parameter's central ``value``.

    Triangular and PERT take ``value`` as their mode, the truncated normal as its mean and the
    lognormal as its median, so overriding ``value`` moves the distribution with it.
    """

    model_config = _STRICT
    kind: DistKind
    low: float | None = None
    high: float | None = None
    sd: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    a: float | None = Field(None, gt=0)
    b: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> Dist:
        missing = [k for k in _NEEDS[self.kind] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class ParamEntry(BaseModel):
    """A parameter as written in one file; a what-if may give only some fields."""

    model_config = _STRICT
    value: float | None = None
    dist: Dist | None = None
    meaning: str | None = None
    section: str | None = None


class Levers(BaseModel):
    model_config = _STRICT
    concession: float | None = Field(None, ge=0, le=1)
    verification: float | None = Field(None, ge=0, le=1)
    pressure: float | None = Field(None, ge=0, le=1)


class SolutionSpec(BaseModel):
    model_config = _STRICT
    concept: Literal["spe", "qre"] | None = None
    lambda_: float | None = Field(None, alias="lambda", ge=0, le=1e6)


class RunSpec(BaseModel):
    model_config = _STRICT
    draws: int | None = Field(None, ge=1, le=MAX_DRAWS)
    seed: int | None = Field(None, ge=0, lt=2**63)
    sampler: Literal["random", "lhs", "sobol"] | None = None


class ScenarioFile(BaseModel):
    """The shape of one scenario file, before ``extends`` is resolved."""

    model_config = _STRICT
    name: str | None = None
    description: str | None = None
    extends: str | None = None
    levers: Levers = Levers()
    solution: SolutionSpec = SolutionSpec()
    run: RunSpec = RunSpec()
    parameters: dict[str, ParamEntry] = {}

    @field_validator("parameters", mode="before")
    @classmethod
    def _known_and_expanded(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        unknown = [k for k in value if k not in PARAMETERS]
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(map(str, unknown))}")
        return {k: ({"value": v} if _is_number(v) else v) for k, v in value.items()}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# ----------------------------------------------------------------------------- resolved form


@dataclass(frozen=True)
class Param:
    """A fully specified parameter of a resolved scenario."""

    name: str
    value: float
    dist: Dist
    meaning: str
    section: str

    @property
    def uncertain(self) -> bool:
        return self.dist.kind != "fixed"


@dataclass(frozen=True)
class Scenario:
    """A validated, self-contained scenario (``extends`` already resolved)."""

    name: str
    description: str
    levers: dict[str, float]
    concept: str
    lam: float
    draws: int
    seed: int
    sampler: str
    params: dict[str, Param]
    source: str = "<dict>"
    chain: tuple[str, ...] = field(default=())

    def values(self) -> dict[str, float]:
        """Central values of every parameter."""
        return {n: p.value for n, p in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        """A standalone scenario file (no ``extends``) that reproduces this scenario exactly."""
        params = {}
        for n, p in self.params.items():
            entry: dict[str, Any] = {"value": p.value}
            if p.uncertain:
                entry["dist"] = p.dist.model_dump(exclude_none=True)
            entry["meaning"] = p.meaning
            entry["section"] = p.section
            params[n] = entry
        return {
            "name": self.name,
            "description": self.description,
            "levers": dict(self.levers),
            "solution": {"concept": self.concept, "lambda": self.lam},
            "run": {"draws": self.draws, "seed": self.seed, "sampler": self.sampler},
            "parameters": params,
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)

    def updated(self, changes: Mapping[str, Any]) -> Scenario:
        """A copy with ``{dotted.path: value}`` changes applied and validated again."""
        raw = self.to_dict()
        apply_changes(raw, changes, where=self.name)
        return load_scenario(raw, name=self.name)


# ----------------------------------------------------------------------------- loading


def preset_names() -> list[str]:
    """Names of the shipped scenarios (files in ``scenarios/``)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def load_scenario(
    source: str | Path | Mapping[str, Any],
    changes: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
) -> Scenario:
    """Load, resolve and validate a scenario.

    Parameters
    ----------
    source
        A preset's name (``"baseline-2018"``), a path to a YAML file, or the file's content as a
        mapping (``extends`` in a mapping is resolved against the preset folder and the cwd).
    changes
        Optional ``{dotted.path: value}`` overrides applied on top (the CLI's ``--set``).
    name
        Label used in messages and results when ``source`` is a mapping.

    Raises
    ------
    ScenarioError
        Naming the file, the dotted path and the problem.
    """
    if isinstance(source, Mapping):
        label = name or str(source.get("name") or "<scenario>")
        raw, chain = _resolve_raw(copy.deepcopy(dict(source)), label, Path.cwd(), ())
    else:
        path = _locate(str(source), Path.cwd(), "<command line>", "")
        label = str(path)
        raw, chain = _resolve_raw(_read_yaml(path), label, path.parent, (str(path),))
    if not changes:
        return _finish(raw, label, chain)
    apply_changes(raw, changes, where=CHANGES_LABEL)
    try:
        _validate_file(raw, label)
        return _finish(raw, label, chain)
    except ScenarioError as exc:
        raise ScenarioError(_blame_changes(exc.problems, changes)) from None


def _blame_changes(problems: Iterable[Problem], changes: Mapping[str, Any]) -> list[Problem]:
    """Attribute to ``--set`` the problems that lie at or under a changed path."""
    changed = [str(k).strip(".") for k in changes]
    return [Problem(CHANGES_LABEL, p.path, p.message)
            if any(p.path == c or p.path.startswith(f"{c}.") for c in changed) else p
            for p in problems]


def _locate(ref: str, base: Path, file: str, path: str) -> Path:
    candidates = [base / ref, Path(ref)]
    if "/" not in ref and "\\" not in ref:
        candidates.insert(0, SCENARIO_DIR / (ref if ref.endswith((".yaml", ".yml")) else f"{ref}.yaml"))
    for c in candidates:
        if c.is_file():
            return c.resolve()
    known = ", ".join(preset_names())
    raise ScenarioError([Problem(file, path, f"no scenario '{ref}' (not a file; presets are: {known})")])


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), "", f"cannot read the file ({exc})")]) from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> dict[str, Any]:
    """Parse scenario text safely; syntax errors name the line and column."""
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ScenarioError([Problem(file, where, f"YAML syntax error: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, "", f"not valid YAML ({exc})")]) from None
    if data is None:
        raise ScenarioError([Problem(file, "", "the file is empty (a scenario is a mapping of keys)")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, "", "a scenario must be a mapping of keys to values")])
    return data


def _validate_file(raw: dict[str, Any], file: str) -> ScenarioFile:
    try:
        return ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, file)) from None


def _problems(exc: ValidationError, file: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] in ("model_type", "dict_type"):
            # pydantic's wording names its own classes; say what the file should hold instead.
            shorthand = len(err["loc"]) == 2 and err["loc"][0] == "parameters"
            msg = (f"expected {'a number or ' if shorthand else ''}a mapping of keys to values, "
                   f"got {err['input']!r}")
        out.append(Problem(file, loc, msg))
    return out


def _resolve_raw(
    raw: dict[str, Any], file: str, base: Path, chain: tuple[str, ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    spec = _validate_file(raw, file)
    if spec.extends is None:
        return raw, chain
    parent_path = _locate(spec.extends, base, file, "extends")
    if str(parent_path) in chain:
        raise ScenarioError([Problem(file, "extends", f"circular extends through {parent_path}")])
    parent, chain = _resolve_raw(
        _read_yaml(parent_path), str(parent_path), parent_path.parent, (*chain, str(parent_path))
    )
    return _merge(parent, raw), chain


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key == "extends":
            continue
        if key == "parameters":
            params = out.setdefault("parameters", {})
            for pname, entry in value.items():
                old = params.get(pname)
                old = {"value": old} if _is_number(old) else dict(old or {})
                old.update(_fixed(entry) if _is_number(entry) else entry)
                params[pname] = old
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _fixed(value: float) -> dict[str, Any]:
    """A bare number for a parameter fixes it: it replaces the value and drops any distribution.

    To move the central value and keep the uncertainty, write ``{value: x}`` instead.
    """
    return {"value": value, "dist": None}


def apply_changes(raw: dict[str, Any], changes: Mapping[str, Any], *, where: str) -> None:
    """Set ``{dotted.path: value}`` in a raw scenario mapping, in place."""
    for dotted, value in changes.items():
        keys = [k for k in str(dotted).split(".") if k]
        if not keys:
            raise ScenarioError([Problem(where, str(dotted), "empty path")])
        node = raw
        for k in keys[:-1]:
            child = node.get(k)
            if _is_number(child) and k in PARAMETERS:
                child = node[k] = {"value": child}
            if child is None:
                child = node[k] = {}
            if not isinstance(child, dict):
                raise ScenarioError([Problem(where, str(dotted), f"'{k}' is not a section")])
            node = child
        last = keys[-1]
        if isinstance(node.get(last), dict) and _is_number(value) and last in PARAMETERS:
            node[last].update(_fixed(value))
        else:
            node[last] = value


def _finish(raw: dict[str, Any], file: str, chain: tuple[str, ...]) -> Scenario:
    spec = _validate_file(raw, file)
    problems: list[Problem] = []
    for lever in LEVERS:
        if getattr(spec.levers, lever) is None:
            problems.append(Problem(file, f"levers.{lever}", "missing"))
    for key, val in (("solution.concept", spec.solution.concept), ("run.draws", spec.run.draws),
                     ("run.seed", spec.run.seed)):
        if val is None:
            problems.append(Problem(file, key, "missing"))
    params: dict[str, Param] = {}
    for pname in NAMES:
        entry = spec.parameters.get(pname)
        if entry is None:
            problems.append(Problem(file, f"parameters.{pname}", "missing"))
            continue
        param, errs = _complete_param(pname, entry)
        problems += [Problem(file, f"parameters.{pname}{sub}", msg) for sub, msg in errs]
        if param is not None:
            params[pname] = param
    if spec.solution.concept == "qre" and spec.solution.lambda_ is None:
        problems.append(Problem(file, "solution.lambda", "QRE needs a precision lambda"))
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=spec.name or Path(file).stem,
        description=(spec.description or "").strip(),
        levers={k: float(getattr(spec.levers, k)) for k in LEVERS},
        concept=str(spec.solution.concept),
        lam=float(spec.solution.lambda_ if spec.solution.lambda_ is not None else 10.0),
        draws=int(spec.run.draws),
        seed=int(spec.run.seed),
        sampler=spec.run.sampler or "random",
        params=params,
        source=file,
        chain=chain,
    )


def _complete_param(name: str, entry: ParamEntry) -> tuple[Param | None, list[tuple[str, str]]]:
    info = PARAMETERS[name]
    errs: list[tuple[str, str]] = []
    for key in ("value", "meaning", "section"):
        if getattr(entry, key) is None:
            errs.append((f".{key}", "missing"))
    if errs:
        return None, errs
    value = float(entry.value)
    dist = entry.dist or Dist(kind="fixed")
    if not math.isfinite(value) or not info.low <= value <= info.high:
        errs.append((".value", f"{value} is outside the allowed range [{info.low}, {info.high}]"))
        return None, errs
    for bound in ("low", "high"):
        b = getattr(dist, bound)
        if b is not None and not info.low <= b <= info.high:
            errs.append((f".dist.{bound}", f"{b} is outside the allowed range [{info.low}, {info.high}]"))
    if dist.low is not None and dist.high is not None and not dist.low <= value <= dist.high:
        errs.append((".value", f"{value} is outside its distribution's range [{dist.low}, {dist.high}]"))
    if dist.kind == "lognormal" and value <= 0:
        errs.append((".value", "a lognormal distribution needs a positive median value"))
    if errs:
        return None, errs
    return Param(name, value, dist, entry.meaning.strip(), entry.section.strip()), []
