"""Scenario files: safe loading, ``extends`` resolution, validation and export.

A scenario is plain data (in the spirit of SALib's ``problem`` dict): the US levers, the solution
concept, the run settings and, for every parameter of :mod:`sim.spec.parameters`, a central value, an
uncertainty distribution, a one-line meaning and the article section it rests on. A what-if file
``extends:`` a preset or another file and overrides a few entries.

Every problem is reported as ``file: dotted.path: message`` through :class:`ScenarioError`. YAML is
only read through a safe loader, and bounded before it is built into Python objects: a file of at most
:data:`MAX_FILE_BYTES`, no anchors or aliases, at most :data:`MAX_DEPTH` levels and
:data:`MAX_NODES` entries, no repeated keys, and YAML 1.2 numbers (``017`` is 17, ``12:30`` is text).
Messages show values shortened by :mod:`reprlib` and a whole error stays under
:data:`MAX_MESSAGE_CHARS` characters.
"""

from __future__ import annotations

import copy
import functools
import math
import re
import reprlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.spec.parameters import LEVERS, NAMES, PARAMETERS
from sim.spec.timeline_section import timeline_problems

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
CHANGES_LABEL = "--set"  # where problems with changes given on top of a file are reported
#: A result keeps ~40 per-draw arrays: 10^7 draws peak at about 6 GiB on this 24 GiB machine.
MAX_DRAWS = 10_000_000
#: A summary run (sim.run_summary, the command line) keeps accumulators, not draws: memory stays
#: that of a few chunks, and only time grows with the draws.
MAX_SUMMARY_DRAWS = 1_000_000_000
MAX_SEED = 2**63 - 1
#: Largest QRE precision a scenario file, the command line and the app accept.
MAX_LAMBDA = 1e6
#: Bounds on what a scenario file may cost before it is parsed (the shipped presets use ~1,500
#: entries, 5 levels and 12 kB).
MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 12
MAX_EXTENDS = 16
#: Longest error a user is shown (one problem per line, the rest counted).
MAX_MESSAGE_CHARS = 2_000
MAX_PROBLEMS_SHOWN = 12
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
        file, path = printable(self.file, 240), printable(self.path, 160)
        where = f"{file}: {path}" if path else file
        return f"{where}: {printable(self.message, 400)}"


class ScenarioError(ValueError):
    """A scenario could not be read; ``problems`` names each fault and where it is.

    Its text lists at most :data:`MAX_PROBLEMS_SHOWN` problems and :data:`MAX_MESSAGE_CHARS`
    characters; ``problems`` keeps them all.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        text = "\n".join(lines)
        if len(self.problems) > len(lines) or len(text) > MAX_MESSAGE_CHARS - 60:
            text = f"{text[:MAX_MESSAGE_CHARS - 60]}\n... {len(self.problems)} problems in all"
        super().__init__(text)


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = 5
_SHORT.maxdict = _SHORT.maxset = _SHORT.maxlevel = 3


def shown(value: Any) -> str:
    """A value as a message may quote it: its ``repr``, shortened to about 80 characters."""
    return _SHORT.repr(value)


def printable(text: str, limit: int) -> str:
    """``text`` safe to print anywhere: no lone surrogates or control characters, at most ``limit`` long."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "?", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- schema

#: No "0.5" or true as numbers, and no infinity or NaN anywhere.
_STRICT = ConfigDict(extra="forbid", populate_by_name=True, strict=True, allow_inf_nan=False)


#: Text fields are bounded; pydantic refuses lone surrogates, which no terminal or page can show.
Name = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5_000)]
ShortText = Annotated[str, Field(max_length=1_000)]


class Dist(BaseModel):
    """An uncertainty distribution around a parameter's central ``value``.

    Triangular and PERT take ``value`` as their mode, the truncated normal as its mean and the
    lognormal as its median, so overriding ``value`` moves the distribution with it.
    """

    model_config = _STRICT
    kind: DistKind
    low: float | None = None
    high: float | None = None
    #: Shape parameters are bounded so that every draw stays a finite number.
    sd: float | None = Field(None, ge=1e-6, le=1e3)
    sigma: float | None = Field(None, ge=1e-6, le=10)
    a: float | None = Field(None, ge=0.01, le=1e3)
    b: float | None = Field(None, ge=0.01, le=1e3)

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
    meaning: ShortText | None = None
    section: ShortText | None = None


class Levers(BaseModel):
    model_config = _STRICT
    concession: float | None = Field(None, ge=0, le=1)
    verification: float | None = Field(None, ge=0, le=1)
    pressure: float | None = Field(None, ge=0, le=1)


class SolutionSpec(BaseModel):
    model_config = _STRICT
    concept: Literal["spe", "qre"] | None = None
    lambda_: float | None = Field(None, alias="lambda", ge=0, le=MAX_LAMBDA)


class RunSpec(BaseModel):
    model_config = _STRICT
    draws: int | None = Field(None, ge=1, le=MAX_SUMMARY_DRAWS)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    sampler: Literal["random", "lhs", "sobol"] | None = None


class ScenarioFile(BaseModel):
    """The shape of one scenario file, before ``extends`` is resolved."""

    model_config = _STRICT
    name: Name | None = None
    description: LongText | None = None
    extends: ShortText | None = None
    levers: Levers = Levers()
    solution: SolutionSpec = SolutionSpec()
    run: RunSpec = RunSpec()
    parameters: dict[str, ParamEntry] = {}
    #: The alliance over time; its content is validated by :mod:`sim.spec.timeline_section`.
    timeline: dict[str, Any] | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _known_and_expanded(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        unknown = [k for k in value if k not in PARAMETERS]
        if unknown:
            raise ValueError(f"unknown parameter(s): {shown(unknown)}")
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
    timeline: dict[str, Any] | None = None

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
            **({"timeline": copy.deepcopy(self.timeline)} if self.timeline is not None else {}),
        }

    def to_yaml(self) -> str:
        return yaml.dump(self.to_dict(), Dumper=_ScenarioDumper, sort_keys=False, allow_unicode=True,
                         width=100)

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
        A preset's name (``"baseline-2018"``) or a path to a YAML file as text (a name that is both a
        file and a preset is refused as ambiguous), a :class:`~pathlib.Path` (always a file), or the
        file's content as a mapping (``extends`` in a mapping is resolved against the presets and the cwd).
    changes
        Optional ``{dotted.path: value}`` overrides applied on top (the CLI's ``--set``).
    name
        Label used in messages and results when ``source`` is a mapping.

    Raises
    ------
    ScenarioError
        Naming the file, the dotted path and the problem.
    """
    label = name or "<scenario>"
    try:
        return _load(source, changes, label)
    except RecursionError:
        # Only a mapping built in code can nest this deep: files are bounded before they are read.
        raise ScenarioError([Problem(label, "", f"nested more than {MAX_DEPTH} levels deep")]) from None


def _load(source: str | Path | Mapping[str, Any], changes: Mapping[str, Any] | None, label: str) -> Scenario:
    if isinstance(source, Mapping):
        label = label if label != "<scenario>" else printable(str(source.get("name") or label), 200)
        raw, chain = _resolve_raw(copy.deepcopy(dict(source)), label, Path.cwd(), ())
    else:
        path = _locate(str(source), Path.cwd(), "<command line>", "", explicit=isinstance(source, Path))
        label = str(path)
        raw, chain = _resolve_raw(_read_yaml(path), label, path.parent, (str(path),))
    if not changes:
        return _finish(raw, label, chain)
    if any(str(k).strip(".") == "extends" for k in changes):
        raise ScenarioError([Problem(CHANGES_LABEL, "extends", "cannot be changed with --set: write a file "
                                     "that extends the scenario, or name that scenario instead")])
    before = copy.deepcopy(raw)
    apply_changes(raw, changes, where=CHANGES_LABEL)
    try:
        _validate_file(raw, label)
        return _finish(raw, label, chain)
    except ScenarioError as exc:
        raise ScenarioError(_blame_changes(exc.problems, changes, _is_valid(before, label))) from None


def _is_valid(raw: dict[str, Any], label: str) -> bool:
    try:
        _finish(raw, label, ())
    except ScenarioError:
        return False
    return True


def _blame_changes(problems: Iterable[Problem], changes: Mapping[str, Any],
                   valid_before: bool) -> list[Problem]:
    """Attribute to ``--set`` the problems the changes made: all of them if the file was valid before,
    else those that lie at or under a changed path."""
    changed = [str(k).strip(".") for k in changes]
    return [Problem(CHANGES_LABEL, p.path, p.message)
            if valid_before or any(p.path == c or p.path.startswith(f"{c}.") for c in changed) else p
            for p in problems]


def _error(file: str, path: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, path, message)])


def _locate(ref: str, base: Path, file: str, path: str, *, explicit: bool = False) -> Path:
    """The file ``ref`` names: a file (relative to ``base`` or the cwd) or, unless ``explicit``, a preset."""
    try:
        as_file = next((c for c in (base / ref, Path(ref)) if c.is_file()), None)
    except (OSError, ValueError) as exc:  # a name too long for the file system, or holding a NUL
        raise ScenarioError([Problem(file, path, f"cannot look for {shown(ref)} ({exc})")]) from None
    preset = None if explicit else _preset_file(ref)
    if as_file is not None and preset is not None and as_file.resolve() != preset.resolve():
        raise _error(file, path, f"'{ref}' is both a file ({as_file.resolve()}) and a preset: write "
                     f"./{ref} to read the file, or --preset {preset.stem} for the preset")
    found = as_file or preset
    if found is None:
        known = ", ".join(preset_names())
        raise _error(file, path, f"no scenario {shown(ref)} (not a file; presets are: {known})")
    return found.resolve()


def _preset_file(ref: str) -> Path | None:
    stem = ref.removesuffix(".yaml").removesuffix(".yml")
    return SCENARIO_DIR / f"{stem}.yaml" if stem in preset_names() else None


def preset_path(name: str) -> Path:
    """The file of preset ``name`` (the CLI's ``--preset``); raises ``ScenarioError`` if there is none."""
    found = _preset_file(name)
    if found is None:
        raise ScenarioError([Problem("--preset", "", f"no preset {shown(name)} (presets are: "
                                     f"{', '.join(preset_names())})")])
    return found


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise _error(str(path), "", f"cannot read the file ({exc})") from None
    if stat.st_size > MAX_FILE_BYTES:
        raise _error(str(path), "", f"the file has {stat.st_size:,} bytes; a scenario may have at most "
                                    f"{MAX_FILE_BYTES:,}")
    return copy.deepcopy(_parsed_file(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=32)
def _parsed_file(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """A file's parsed content, kept while it is unchanged: every what-if reads its preset again."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise _error(path, "", f"cannot read the file ({exc})") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, file: str) -> dict[str, Any]:
    """Parse scenario text safely and within bounds; errors name the line and column."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(file, "", f"the text has {len(text):,} characters; a scenario may have "
                                     f"at most {MAX_FILE_BYTES:,}")])
    try:
        check_bounds(text)
        data = yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 - a safe loader, see below
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        syntax = not isinstance(exc, yaml.constructor.ConstructorError | _Refused)
        kind = "YAML syntax error" if syntax else "YAML error"
        raise ScenarioError([Problem(file, where, f"{kind}: {exc.problem}")]) from None
    except (yaml.YAMLError, ValueError, UnicodeError, RecursionError) as exc:
        raise ScenarioError([Problem(file, "", f"not valid YAML ({printable(str(exc), 200)})")]) from None
    if data is None:
        raise ScenarioError([Problem(file, "", "the file is empty (a scenario is a mapping of keys)")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(file, "", "a scenario must be a mapping of keys to values")])
    return data


# ----------------------------------------------------------------------------- the bounded YAML loader

_SAFE_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: ~5x faster


class _Refused(yaml.MarkedYAMLError):
    """YAML that is well formed but not allowed in a scenario (aliases, too deep, too many entries)."""


#: What can open or close a flow collection, and what hides brackets from it: a quoted scalar that
#: starts a token (an apostrophe inside a word is text) and a comment.
_FLOW_TOKENS = re.compile(r"""
    (?:^|(?<=[\s\[{,:]))(?:'(?:[^']|'')*'?|"(?:[^"\\]|\\.)*"?)
  | (?:^|(?<=\s))\#[^\n]*
  | [\[\]{}]
""", re.VERBOSE | re.MULTILINE)


def _flow_depth_check(text: str) -> None:
    """Refuse flow collections (``[...]``, ``{...}``) nested deeper than :data:`MAX_DEPTH`, from the
    text alone, before any YAML parser sees it.

    libyaml's scanner reads a whole flow collection ahead before its parser yields the first event
    (the collection may be a key), and PyYAML 6.0.4's raises its own error at a thousand levels; this
    scan keeps the bound and its message the project's, whatever PyYAML's version. It can only count
    too many (a bracket inside a plain word), never too few, so a file it passes is bounded again,
    exactly, by the walk over the parser's events."""
    depth = 0
    for token in _FLOW_TOKENS.finditer(text):
        kind = token.group()
        if kind in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep",
                               problem_mark=_mark(text, token.start()))
        elif kind in "]}":
            depth = max(depth - 1, 0)


def _mark(text: str, index: int) -> yaml.Mark:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return yaml.Mark("<scenario>", index, line, column, None, None)


def check_bounds(text: str) -> None:
    """Refuse anchors, aliases, depth and size over the caps: flow depth from the text, then a walk over
    the YAML events (no objects built)."""
    _flow_depth_check(text)
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_SAFE_BASE):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(problem="anchors and aliases (&name, *name) are not allowed in a scenario; "
                           "write the values out", problem_mark=event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(problem=f"nested more than {MAX_DEPTH} levels deep",
                               problem_mark=event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _Refused(problem=f"more than {MAX_NODES:,} entries; a scenario needs about 1,500",
                               problem_mark=event.start_mark)


class _ScenarioLoader(_SAFE_BASE):
    """The safe loader with YAML 1.2 core-schema scalars and no repeated keys.

    YAML 1.1 reads ``017`` as octal 15, ``12:30:00`` as 45000 and ``no`` as false; here they are 17,
    text and text. Numbers are decimal (``1e3`` included), ``0o17`` octal or ``0x1f`` hexadecimal.
    """

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict | set):
                raise yaml.constructor.ConstructorError(problem=f"a key must be plain text, got {shown(key)}",
                                                        problem_mark=key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    problem=f"duplicate key {shown(key)} (first on line {seen[key]})",
                    problem_mark=key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class _ScenarioDumper(yaml.SafeDumper):
    """Writes scenarios for :class:`_ScenarioLoader`: text that reads as a YAML 1.2 number is quoted."""


def _use_yaml12_scalars(cls: type) -> None:
    cls.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
        for first, resolvers in cls.yaml_implicit_resolvers.items()
    }
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"))
    cls.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                   r"|\.(?:nan|NaN|NAN))$"),
        list("-+0123456789."))


_use_yaml12_scalars(_ScenarioLoader)
_use_yaml12_scalars(_ScenarioDumper)


def _yaml12_int(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    return int(text[2:] if base != 10 else text, base)


def _yaml12_float(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
    return special[text] if text in special else float(text)


_ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)
_ScenarioLoader.add_constructor("tag:yaml.org,2002:float", _yaml12_float)


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
                   f"got {shown(err['input'])}")
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
    if parent_path.suffix not in (".yaml", ".yml"):
        raise ScenarioError([Problem(file, "extends", "names neither a preset nor a .yaml file")])
    if len(chain) > MAX_EXTENDS:
        raise ScenarioError([Problem(file, "extends", f"more than {MAX_EXTENDS} files extend one another")])
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
    if spec.timeline is not None:
        problems += [Problem(file, path, msg)
                     for path, msg in timeline_problems(spec.timeline, spec.name or Path(file).stem)]
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
        timeline=spec.timeline,
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
