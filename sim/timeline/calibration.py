"""The model confronted with a record: the likelihood of each prior draw, importance weights, tempering.

A record (the ``record:`` list of a timeline section) says, for some years, what was observed: the
Taliban's posture, an attack abroad traced to Afghanistan, a faction split. The likelihood of a draw
is the product over the observed years of the stage game's probability of what was observed, on the
state the record implies: the scripted events move the state as in :mod:`sim.timeline.engine`, only
the hazards scripted at probability 1 apply (a record's state is not random), and the observed
outcomes, not simulated ones, carry into the next year (an observed split weakens the leader, an
observed attack sets the memory of retaliation, the alliance is never severed while the record runs).

Under QRE the probabilities are smooth. Under SPE they are 0 or 1, so a *tremble* ``eps`` (the
model's own parameter, not the article's) mixes the year's play with uniform play over the tree's
terminals: ``P = (1 - eps) * P_spe + eps * share of terminals matching``.

The posterior is the prior draws weighted by the likelihood (importance sampling with the prior as
proposal). When the weights are too uneven they are tempered: ``w = L**t`` with ``t`` the largest power
in [0, 1] whose Kish effective sample size reaches the floor (bisection), ``t = 1`` when the untempered
weights already do. Every number here is a deterministic function of the draw's parameters: the
weights do not depend on chunking or threads.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sim.engine.distributed import local_workers
from sim.engine.driver import Sample, sample
from sim.engine.intervals import inflated
from sim.engine.runspec import RunSpec, solution_settings
from sim.engine.sampling import uncertain_names
from sim.spec.lenses import through_lens
from sim.spec.scenario import Scenario, load_scenario
from sim.spec.timeline_section import NUMERIC_STATE, Observation, Timeline, parse_timeline
from sim.timeline.engine import (
    UNIFORMS,
    State,
    apply_events,
    apply_hazards,
    stage_reach,
    year_levers,
    year_parameters,
)

Array = NDArray[np.float64]
#: The tremble under SPE: the chance a year is played uniformly at random (the model's own parameter).
DEFAULT_TREMBLE = 0.05
#: The Kish effective sample size tempering aims at: this many, or a tenth of the draws if fewer.
ESS_FLOOR = 1_000
CHUNK = 25_000
#: A posterior file: at most this many bytes are read, and these keys only.
MAX_POSTERIOR_BYTES = 200_000_000
POSTERIOR_KEYS = ("weights", "log_likelihood", "resample", "meta")
#: Rows of the posterior resample a posterior file carries (what ``--calibrated`` runs on).
MAX_RESAMPLE = 20_000
RESAMPLE_STREAM = 9   # spawn_key of the resampling's random stream
FLOOR = 1e-300   # a probability is never taken as exactly 0 in the log (a record impossible on a draw)


@dataclass(frozen=True)
class Calibration:
    """The likelihood of a record on each prior draw of the run ``run`` (its scenario, draws, seed,
    sampler and solution, read through as this object's own), and the (tempered) importance weights."""

    run: RunSpec
    tremble: float
    years: list[int]
    log_lik_years: Array = field(repr=False)   # (years, draws): log P(observation of the year)
    temperature: float = 1.0
    weights: Array = field(default=None, repr=False)   # type: ignore[assignment]

    scenario = property(lambda self: self.run.scenario, doc="The calibrated scenario.")
    draws = property(lambda self: self.run.draws, doc="Prior draws scored.")
    seed = property(lambda self: self.run.seed, doc="The prior draws' seed.")
    sampler = property(lambda self: self.run.sampler, doc="The prior draws' sampler.")
    solution = property(lambda self: self.run.solution, doc="The solution concept of the yearly games.")
    lam = property(lambda self: self.run.lam, doc="The QRE lambda (unused under SPE).")

    @property
    def log_likelihood(self) -> Array:
        return self.log_lik_years.sum(axis=0)

    @property
    def ess(self) -> float:
        return kish(self.weights)

    @property
    def ess_untempered(self) -> float:
        return kish(normalised(self.log_likelihood))


def kish(w: Array) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    s = float(np.sum(w))
    return 0.0 if s <= 0 else s * s / float(np.sum(w * w))


def normalised(log_w: Array) -> Array:
    """Weights summing to 1 from their logarithms (draws impossible on every count get weight 0)."""
    top = np.max(log_w)
    if not np.isfinite(top):
        raise ValueError("the record is impossible on every draw: no posterior")
    w = np.exp(log_w - top)
    return w / np.sum(w)


def temper(log_lik: Array, floor: float) -> float:
    """The largest power ``t`` in [0, 1] whose weights ``L**t`` have a Kish ESS of at least ``floor``
    (1 if the untempered weights do; found by 50 bisection steps)."""
    if kish(normalised(log_lik)) >= floor:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if kish(normalised(mid * log_lik)) >= floor:
            lo = mid
        else:
            hi = mid
    return lo


def ess_floor(draws: int) -> float:
    return float(min(ESS_FLOOR, max(1, draws // 10)))


def record_of(scenario: Scenario) -> tuple[Timeline, list[Observation]]:
    spec = parse_timeline(scenario.timeline, scenario.name)
    if not spec.record:
        raise ValueError(f"scenario '{scenario.name}' has no record: add a timeline record: list "
                         "(docs/model.md, section 12b)")
    return spec, list(spec.record)


def _factors(keys: list[str], obs: Observation, trace: float, scripted_attack: bool) -> Array:
    """For each terminal of the tree, the probability it yields what ``obs`` says: 0 or 1 for the
    posture and the split; for an attack, played attacks are traced with probability ``trace`` (1
    while the US is present, ``after_delivery.trace`` once it has gone). A year whose script gives the
    attack does not observe one."""
    parts = [k.split("/") for k in keys]
    f = np.ones(len(keys))
    if obs.posture in ("keep", "distance", "sever"):
        f *= np.array([p[0] == obs.posture for p in parts])
    elif obs.posture == "not_sever":
        f *= np.array([p[0] != "sever" for p in parts])
    if obs.split is not None:
        f *= np.array([("split" in p) == obs.split for p in parts])
    if obs.attack is not None and not scripted_attack:
        # after a Sever the likelihood counts a played attack as traced like any other (the trace from
        # underground, sever_trace, is not modelled here: a limit)
        played = np.array(["attack" in p for p in parts])
        f *= np.where(played, trace if obs.attack else 1 - trace, 0.0 if obs.attack else 1.0)
    return f


def year_probability(sol_reach: Mapping[str, Array], obs: Observation, tremble: float, concept: str,
                     trace: float, scripted_attack: bool) -> Array:
    """The stage game's probability of what ``obs`` says of the year, per draw."""
    keys = list(sol_reach)
    f = _factors(keys, obs, trace, scripted_attack)
    p = np.zeros_like(np.asarray(sol_reach[keys[0]], dtype=float))
    for k, fk in zip(keys, f, strict=True):
        if fk > 0:
            p = p + fk * sol_reach[k]
    if concept == "spe":
        p = (1 - tremble) * p + tremble * float(f.mean())
    return np.clip(p, 0.0, 1.0)


def log_likelihood_chunk(scenario: Scenario, spec: Timeline, record: list[Observation], params: dict,
                         n: int, concept: str, lam: float, tremble: float) -> Array:
    """``(years observed, n)`` log probabilities of the record's observations on draws ``params``."""
    by_year = {o.year: o for o in record}
    out: list[Array] = []

    def observe(year: int, reach: Mapping[str, Array], trace: float, scripted_attack: bool):
        obs = by_year.get(year)
        if obs is not None:
            prob = year_probability(reach, obs, tremble, concept, trace, scripted_attack)
            out.append(np.log(np.maximum(prob, FLOOR)))
        return obs

    walk(scenario, spec, record[-1].year, params, n, concept, lam, observe)
    return np.array(out).reshape(len(record), n)


def walk(scenario: Scenario, spec: Timeline, last: int, params: dict, n: int, concept: str, lam: float,
         observe) -> None:
    """The years from the start to ``last`` on the state a record implies: ``observe(year, reach,
    trace, scripted_attack)`` sees each year's solved game and returns what was observed (or
    ``None``), which then carries into the state; a Sever observed ends the record."""
    state = State.start(params, n, spec, scenario.levers)
    in_force = {k: float(v) for k, v in scenario.levers.items()}
    fates: dict[str, int] = dict.fromkeys(("ended_by_withdrawal", "signed", "delivered"), 0)
    for year in range(spec.start, last + 1):
        script = apply_events([e for e in spec.events if e.year == year], state, spec, in_force, fates)
        _scripted_hazards(state, script.hazards, spec)
        levers = year_levers(state, in_force, spec, script.ultimatum)
        p = year_parameters(params, state, spec, script.ultimatum)
        reach = dict(zip(*stage_reach(p, levers, concept, lam, n), strict=True))
        scripted_attack = script.hazards.aq_attack >= 1.0
        trace = spec.after_delivery.trace if n and state.withdrawn[0] else 1.0
        obs = observe(year, reach, trace, scripted_attack)
        if obs is not None and obs.posture == "sever":
            return
        # the record's outcome carries into the state, not a simulated one
        memory = state.numeric["retaliation_memory"]
        attacked = scripted_attack or bool(obs is not None and obs.attack)
        memory[:] = 1.0 if attacked else memory * (1 - spec.memory_decay)
        if obs is not None and obs.split and not state.split[0]:
            state.numeric["leader_legitimacy"] *= spec.split.legitimacy_kept
            state.split[:] = True
        state.numeric["years_together"] += 1


def simulate_record(scenario: Scenario, params: dict, rng: np.random.Generator, concept: str, lam: float,
                    last: int | None = None) -> list[Observation]:
    """A record drawn from the model for one draw (``params`` of length 1), fully observed on the
    scenario's years: each year one terminal of the solved game, a played attack traced as the
    likelihood reads it; a Sever ends the record; attacks the script gives are not observed."""
    spec = parse_timeline(scenario.timeline, scenario.name)
    end = last if last is not None else spec.start + (spec.years or 1) - 1
    out: list[Observation] = []

    def observe(year: int, reach: Mapping[str, Array], trace: float, scripted_attack: bool):
        keys = list(reach)
        probs = np.array([float(np.asarray(reach[k]).reshape(-1)[0]) for k in keys])
        parts = keys[int(rng.choice(len(keys), p=probs / probs.sum()))].split("/")
        traced = "attack" in parts and rng.random() < trace
        obs = Observation(year=year, posture=parts[0], split="split" in parts,
                          attack=None if scripted_attack else bool(traced), section="simulated")
        out.append(obs)
        return obs

    walk(scenario, spec, end, params, 1, concept, lam, observe)
    return out


def _scripted_hazards(state: State, h, spec: Timeline) -> None:
    """The hazards a record's year scripts (probability 1): a succession, al-Qaeda's leader's death,
    an IS surge, a Haqqani rise, a takeover. Random hazards do not move a record's state."""
    u = np.ones((len(UNIFORMS), state.in_power.size))   # 1 is never below a probability under 1 ...
    for name in ("leader_death", "aq_leader_death", "is_surge", "takeover", "revelation", "haqqani_rise"):
        if getattr(h, name) >= 1.0:
            u[UNIFORMS.index(name)] = 0.0   # ... and 0 is below a probability of 1
    apply_hazards(u, state, h, spec)


def calibrate_on(scenario: Scenario, record: list[Observation], params: dict, n: int, concept: str,
                 lam: float, tremble: float = DEFAULT_TREMBLE, chunk_size: int = CHUNK,
                 threads: int = 1, workers: int = 0) -> Array:
    """The ``(years observed, n)`` log-likelihood of any ``record`` on given draws, ``chunk_size`` draws
    at a time on ``threads`` threads, or on ``workers`` local dask worker processes (the chunks are
    joined in order: the same numbers whichever)."""
    spec = parse_timeline(scenario.timeline, scenario.name)

    def chunk_args(a: int) -> tuple:
        b = min(a + chunk_size, n)
        rows = {k: (v[a:b] if isinstance(v, np.ndarray) else v) for k, v in params.items()}
        return scenario, spec, record, rows, b - a, concept, lam, tremble

    def chunk(a: int) -> Array:
        return log_likelihood_chunk(*chunk_args(a))

    starts = range(0, n, chunk_size)
    if workers > 0:
        with local_workers(workers) as client:
            tasks = [client.submit(log_likelihood_chunk, *chunk_args(a), pure=False) for a in starts]
            return np.concatenate(client.gather(tasks), axis=1)
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return np.concatenate(list(pool.map(chunk, starts)), axis=1)
    return np.concatenate([chunk(a) for a in starts], axis=1)


def calibrate(scenario: Scenario, draws: int | None = None, seed: int | None = None,
              solution: str | None = None, lam: float | None = None, *, tremble: float = DEFAULT_TREMBLE,
              chunk_size: int = CHUNK, threads: int = 1, temper_to: float | None = None,
              workers: int = 0) -> Calibration:
    """The likelihood of the scenario's record on each of ``draws`` prior draws, and the weights."""
    _, record = record_of(scenario)
    drawn = sample(scenario, draws, seed)
    concept, lam = solution_settings(scenario, solution, lam)
    n = drawn.draws
    ll_years = calibrate_on(scenario, record, drawn.params, n, concept, lam, tremble, chunk_size, threads,
                            workers)
    ll = ll_years.sum(axis=0)
    t = temper(ll, ess_floor(n) if temper_to is None else temper_to)
    return Calibration(RunSpec(scenario, n, drawn.seed, drawn.sampler, concept, lam), tremble,
                       [o.year for o in record], ll_years, t, normalised(t * ll))


# -- what the record teaches ------------------------------------------------------------------------------

def weighted_quantiles(x: Array, weights: list[Array], qs: tuple[float, ...]) -> list[list[float]]:
    """The ``qs`` quantiles of ``x`` under each of ``weights`` (one sort of ``x`` for all)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    out = []
    for w in weights:
        cw = np.cumsum(w[order])
        out.append([float(xs[min(int(np.searchsorted(cw, q * cw[-1])), x.size - 1)]) for q in qs])
    return out


def parameter_shifts(cal: Calibration) -> list[dict]:
    """For each uncertain parameter: prior and posterior median and 90% interval, and the shift of the
    mean in prior standard deviations; ranked by the shift (largest first: most informed)."""
    drawn = sample(cal.scenario, cal.draws, cal.seed)
    flat = np.full(cal.draws, 1.0 / cal.draws)
    rows = []
    for name in uncertain_names(cal.scenario):
        x = np.asarray(drawn.params[name], dtype=float)
        sd = float(np.std(x)) or 1.0
        prior, post = weighted_quantiles(x, [flat, cal.weights], (0.05, 0.5, 0.95))
        mean_shift = (float(np.sum(cal.weights * x)) - float(np.mean(x))) / sd
        rows.append({"parameter": name, "prior": {"median": prior[1], "interval": [prior[0], prior[2]]},
                     "posterior": {"median": post[1], "interval": [post[0], post[2]]},
                     "shift": mean_shift,
                     # the mean's Monte Carlo error under the weights, in prior sds
                     "shift_se": float(1.0 / np.sqrt(max(cal.ess, 1.0)))})
    rows.sort(key=lambda r: -abs(r["shift"]))
    for r in rows:
        r["informed"] = bool(abs(r["shift"]) > 3 * r["shift_se"])
    return rows


def report(cal: Calibration, posterior: Path | None = None) -> dict:
    return {"scenario": cal.scenario.name, "draws": cal.draws, "seed": cal.seed, "solution": cal.solution,
            "lambda": cal.lam, "tremble": cal.tremble if cal.solution == "spe" else None,
            "years_observed": cal.years, "ess": cal.ess, "ess_untempered": cal.ess_untempered,
            "ess_floor": ess_floor(cal.draws), "temperature": cal.temperature,
            "log_likelihood_max": float(np.max(cal.log_likelihood)),
            "posterior": None if posterior is None else str(posterior),
            "parameters": parameter_shifts(cal)}


# -- the posterior file ------------------------------------------------------------------------------------

def save_posterior(cal: Calibration, path: Path, force: bool = False) -> None:
    """Write the weights (and each draw's log-likelihood) as ``.npz`` with the settings that regenerate
    the prior draws; an existing file only with ``force``."""
    check_posterior_path(path, force)
    posterior = posterior_of(cal)
    with open(path, "wb") as fh:
        np.savez(fh, weights=cal.weights, log_likelihood=cal.log_likelihood, resample=posterior.rows,
                 meta=np.frombuffer(json.dumps(posterior.meta).encode(), dtype=np.uint8))


def posterior_of(cal: Calibration, path: Path | None = None) -> Posterior:
    """The posterior of a calibration as :func:`load_posterior` reads it back from a file (``path``
    ``None``: held in memory, as the app's)."""
    names, rows = resample(cal)
    meta = {"names": names, "scenario": cal.scenario.name, "draws": cal.draws, "seed": cal.seed,
            "sampler": cal.sampler, "solution": cal.solution, "lambda": cal.lam, "tremble": cal.tremble,
            "temperature": cal.temperature, "ess": cal.ess, "ess_untempered": cal.ess_untempered,
            "parameters": {name: _fingerprint(cal.scenario, name) for name in uncertain_names(cal.scenario)}}
    return Posterior(path, cal.weights, rows, meta)


def resample(cal: Calibration) -> tuple[list[str], Array]:
    """A systematic resample of the weighted prior draws (``min(draws, MAX_RESAMPLE)`` rows, its
    random offset seeded from the calibration's seed) of the parameters the record can inform: the
    uncertain ones, except the timeline's state, which the record's events set year by year."""
    drawn = sample(cal.scenario, cal.draws, cal.seed)
    names = [n for n in uncertain_names(cal.scenario) if n not in NUMERIC_STATE]
    m = min(cal.draws, MAX_RESAMPLE)
    u0 = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(RESAMPLE_STREAM,))).random()
    idx = systematic_indices(cal.weights, m, u0)
    rows = np.stack([np.asarray(drawn.params[n], dtype=float)[idx] for n in names], axis=1)
    return names, rows


def systematic_indices(weights: Array, m: int, u0: float) -> NDArray[np.intp]:
    """The draws a systematic resample of ``m`` rows takes from ``weights`` (offset ``u0`` in [0, 1)):
    row ``i`` is the draw whose cumulative weight first reaches ``(i + u0) / m`` of the total."""
    cw = np.cumsum(weights)
    return np.minimum(np.searchsorted(cw, (np.arange(m) + u0) / m * cw[-1]), weights.size - 1)


def effective_draws(ess: float, rows: int) -> float:
    """The independent draws a resample of ``rows`` rows from importance weights of Kish ESS ``ess``
    is worth for a mean: ``1 / (1/ESS + 1/rows)``. The mean over the rows errs twice: the weighted
    mean of the prior draws errs from the posterior's by about ``sd / sqrt(ESS)`` (Kish's
    approximation), and the resample's mean from the weighted one by at most ``sd / sqrt(rows)``
    (exactly that for a multinomial resample; the systematic resample errs less, 4-62% of that
    variance in tests/timeline/test_resample_coverage.py), independently: the variances add. So the
    intervals on it are honest, conservative where ESS is not below the rows (docs/model.md, 12b)."""
    if not (ess > 0 and rows > 0):
        raise ValueError("effective draws need a positive ESS and at least one row")
    return 1.0 / (1.0 / ess + 1.0 / rows)


def calibrated_sample(scenario: Scenario, posterior: Posterior, seed: int | None = None, *,
                      keep_own: bool = False):
    """The scenario's sample on the posterior's resample: as many draws as it has rows, the
    parameters the posterior carries taken from it, the rest drawn from the scenario as usual.
    Refused where the scenario's prior for a carried parameter differs from the calibration's, unless
    ``keep_own``: those parameters are then the scenario's own (a workshop team's position, a card's
    lens), the others the posterior's."""
    differ = prior_differs(scenario, posterior)
    if differ and not keep_own:
        raise ValueError(f"--calibrated {posterior.source}: this scenario's prior differs from the "
                         f"calibration's for {', '.join(differ[:8])}: the posterior does not apply")
    m = posterior.rows.shape[0]
    drawn = sample(scenario, m, seed)
    params = dict(drawn.params)
    for j, n in enumerate(posterior.meta["names"]):
        if n not in differ:
            params[n] = posterior.rows[:, j].copy()
    return Sample(scenario, m, drawn.seed, drawn.sampler, params, posterior.effective_draws)


def prior_differs(scenario: Scenario, posterior: Posterior) -> list[str]:
    """The parameters the posterior carries whose prior in ``scenario`` is not the calibration's (the
    posterior applies to ``scenario`` only if there are none)."""
    prints = posterior.meta["parameters"]
    return [n for n in posterior.meta["names"]
            if n in scenario.params and _fingerprint(scenario, n) != prints.get(n)]


#: The standard calibration the app and the workshops use: the history replay's record on this many
#: prior draws under SPE (``alliance-sim calibrate history-1996-2018 --draws 100000 --solution spe``).
STANDARD_RECORD, STANDARD_DRAWS, STANDARD_SOLUTION = "history-1996-2018", 100_000, "spe"
#: The two models a student or a facilitator chooses between: the analyst's prior ranges (the
#: default) or the standard calibration's posterior.
PRIOR, CALIBRATED = "prior", "calibrated"
_standard: list[Posterior] = []
_standard_lock = threading.Lock()


def standard_posterior() -> Posterior:
    """The standard calibration's posterior, computed once per process (a few seconds) and held in
    memory: the same weights and resample as the command line's with these settings."""
    with _standard_lock:
        if not _standard:
            cal = calibrate(load_scenario(STANDARD_RECORD), STANDARD_DRAWS, None, STANDARD_SOLUTION)
            _standard.append(posterior_of(cal))
        return _standard[0]


def check_posterior_path(path: Path, force: bool) -> None:
    if path.suffix.lower() != ".npz":
        raise ValueError(f"--posterior {str(path)[:200]}: the posterior is written as .npz; name it so")
    if path.is_dir():
        raise ValueError(f"--posterior {str(path)[:200]}: it is a folder")
    if path.exists() and not force:
        raise ValueError(f"--posterior {str(path)[:200]}: the file exists; add --force to replace it")


def _fingerprint(scenario: Scenario, name: str) -> str:
    p = scenario.params[name]
    return json.dumps(p.dist.model_dump(exclude_none=True) if p.uncertain else p.value, sort_keys=True)


@dataclass(frozen=True)
class Posterior:
    """A posterior read back: its weights on the prior draws and the settings that regenerate them."""

    path: Path | None   # None: held in memory (the app's)
    weights: Array
    rows: Array
    meta: dict

    @property
    def source(self) -> str:
        return "the app's own calibration" if self.path is None else self.path.name

    @property
    def effective_draws(self) -> float:
        """The independent draws the resample is worth (:func:`effective_draws`): what a run's
        intervals on it use."""
        return effective_draws(float(self.meta["ess"]), self.rows.shape[0])

    def label(self) -> str:
        """The posterior named on every output of a run on it, with the effective draws its intervals
        use (the resample repeats draws)."""
        m = self.meta
        return (f"calibrated on {m['scenario']} ({self.source}: {m['draws']:,} prior draws, "
                f"seed {m['seed']}, ESS {m['ess']:,.0f}, temperature {m['temperature']:.3g}); "
                f"intervals use n_eff = {self.effective_draws:,.0f} effective draws of its "
                f"{self.rows.shape[0]:,} resampled rows (1/(1/ESS + 1/rows))")


def load_posterior(path: Path) -> Posterior:
    """Read a posterior file written by :func:`save_posterior`: bounded in size, no pickled objects,
    the weights checked (finite, non-negative, summing to 1, one per prior draw)."""
    if not path.is_file():
        raise ValueError(f"--calibrated {str(path)[:200]}: no such file")
    if path.stat().st_size > MAX_POSTERIOR_BYTES:
        raise ValueError(f"--calibrated {str(path)[:200]}: larger than {MAX_POSTERIOR_BYTES:,} bytes")
    try:
        with np.load(path, allow_pickle=False) as z:
            if sorted(z.files) != sorted(POSTERIOR_KEYS):
                raise ValueError("not a posterior written by alliance-sim calibrate")
            weights = np.asarray(z["weights"], dtype=np.float64)
            rows = np.asarray(z["resample"], dtype=np.float64)
            meta = json.loads(bytes(np.asarray(z["meta"], dtype=np.uint8)).decode())
    except (OSError, ValueError, KeyError, UnicodeDecodeError, EOFError, zipfile.BadZipFile):
        raise ValueError(f"--calibrated {str(path)[:200]}: not a posterior written by alliance-sim calibrate "
                         "(an .npz archive of weights, log_likelihood, resample and meta)") from None
    if (not isinstance(meta, dict) or not isinstance(meta.get("draws"), int) or weights.ndim != 1
            or weights.size != meta["draws"] or not np.all(np.isfinite(weights)) or np.any(weights < 0)
            or not abs(float(weights.sum()) - 1.0) < 1e-6 or rows.ndim != 2
            or rows.shape[1] != len(meta.get("names", ())) or not np.all(np.isfinite(rows))):
        raise ValueError(f"--calibrated {str(path)[:200]}: the weights are not a posterior's")
    return Posterior(path, weights, rows, meta)


# -- the log score of a record -----------------------------------------------------------------------------

def log_mean(log_x: Array) -> tuple[float, float]:
    """log of the mean of exp(log_x), and its Monte Carlo standard error (delta method)."""
    top = float(np.max(log_x))
    x = np.exp(log_x - top)
    m = float(np.mean(x))
    return top + float(np.log(m)), float(np.std(x / m) / np.sqrt(x.size))


def _log_ratio(log_num: Array, log_den: Array) -> tuple[float, float]:
    """log(mean exp(log_num) / mean exp(log_den)) and its delta-method standard error."""
    top = float(np.max(log_den))
    a, b = np.exp(log_den - top), np.exp(log_num - top)
    ma, mb = float(np.mean(a)), float(np.mean(b))
    if mb <= 0:
        return float("-inf"), float("nan")
    return float(np.log(mb / ma)), float(np.std(b / mb - a / ma) / np.sqrt(a.size))


def prequential(ll_years: Array) -> list[tuple[float, float]]:
    """Per observed year, log P(this year's observation | the earlier years'), averaged over the
    draws (the model's predictive probability, with its Monte Carlo error). They add up to the log
    of the record's marginal probability."""
    cum = np.cumsum(ll_years, axis=0)
    out = []
    for k in range(ll_years.shape[0]):
        out.append(log_mean(cum[0]) if k == 0 else _log_ratio(cum[k], cum[k - 1]))
    return out


def baseline_scores(record: list[Observation]) -> list[float]:
    """The naive baseline: each observed part at the record's own base rate of that value (the
    share of the years observing that part that saw the same value; in-sample, which favours it)."""
    rates: dict[str, dict] = {}
    for part in ("posture", "attack", "split"):
        seen = [getattr(o, part) for o in record if getattr(o, part) is not None]
        rates[part] = {v: seen.count(v) / len(seen) for v in set(seen)}
    return [float(sum(np.log(rates[part][getattr(o, part)]) for part in rates
                      if getattr(o, part) is not None)) for o in record]


def score(scenario: Scenario, draws: int | None = None, seed: int | None = None, solution: str | None = None,
          lam: float | None = None, *, tremble: float = DEFAULT_TREMBLE, era: int | None = None,
          threads: int = 1, posterior: Posterior | None = None) -> dict:
    """The record's log score, per year and in total, for the full model, the material lens and the
    naive baseline, and (with ``era``) the later era's score given the earlier one against its score
    on the prior alone. With ``posterior`` the full model is scored on the posterior's resample (the
    material lens stays on its prior): a record it was calibrated on is then scored in sample, its
    Monte Carlo errors those of the resample's effective draws."""
    _, record = record_of(scenario)
    years = [o.year for o in record]
    lenses = {}
    for lens in ("full", "material"):
        cal = calibrate(through_lens(scenario, lens), draws, seed, solution, lam, tremble=tremble,
                        threads=threads)
        lenses[lens] = cal.log_lik_years
    grow = dict.fromkeys(lenses, 1.0)   # what each lens's standard errors are multiplied by
    if posterior is not None:
        drawn = calibrated_sample(scenario, posterior, seed)
        lenses["full"] = calibrate_on(scenario, record, drawn.params, drawn.draws, cal.solution, cal.lam,
                                      tremble)
        grow["full"] = inflated(1.0, drawn.draws, drawn.effective_draws)
    base = baseline_scores(record)
    per_year = {lens: prequential(ll) for lens, ll in lenses.items()}
    total = {lens: log_mean(ll.sum(axis=0)) for lens, ll in lenses.items()}
    out = {"scenario": scenario.name, "draws": cal.draws, "seed": cal.seed, "solution": cal.solution,
           "lambda": cal.lam, "tremble": tremble if cal.solution == "spe" else None,
           "calibrated": None if posterior is None else {
               "file": str(posterior.path), "label": posterior.label(),
               "applies_to": "full", "effective_draws": posterior.effective_draws},
           "total": {**{lens: {"value": v, "se": e * grow[lens]} for lens, (v, e) in total.items()},
                     "baseline": {"value": float(sum(base)), "se": 0.0}},
           "years": [{"year": y, **{lens: {"value": per_year[lens][k][0],
                                           "se": per_year[lens][k][1] * grow[lens]} for lens in lenses},
                      "baseline": {"value": base[k], "se": 0.0}} for k, y in enumerate(years)]}
    if era is not None:
        early = np.array([y < era for y in years])
        if early.all() or not early.any():
            raise ValueError(f"--era {era}: the record must have observed years on both sides of it")
        out["era"] = {"from": era, "note": "the later years scored after calibrating on the earlier ones, "
                                           "against their score on the prior alone"}
        for lens, ll in lenses.items():
            given = _log_ratio(ll.sum(axis=0), ll[early].sum(axis=0))
            alone = log_mean(ll[~early].sum(axis=0))
            out["era"][lens] = {"calibrated": {"value": given[0], "se": given[1] * grow[lens]},
                                "prior": {"value": alone[0], "se": alone[1] * grow[lens]}}
        out["era"]["baseline"] = {"value": float(sum(b for b, e in zip(base, early, strict=True) if not e))}
    return out
