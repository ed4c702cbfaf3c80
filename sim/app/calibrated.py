"""The calibrated model in the app: the analyst's prior ranges reweighted by the 1996-2018 record.

The scenario and compare pages let a student choose between the analyst's judgement (the prior
ranges, the default) and the calibrated model. The app calibrates the history replay's record once
per server (:data:`PRIOR_DRAWS` prior draws under SPE, in a pool worker:
:func:`sim.app.pool.app_posterior`) and runs a page's scenario on the posterior's resample, exactly
as ``alliance-sim run --calibrated`` does (:func:`analyse_calibrated`). The resample's rows repeat
prior draws, so they are not independent: the intervals shown are those of the effective draws
``n_eff = 1 / (1/ESS + 1/rows)`` (docs/model.md, section 12b).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from sim.engine.driver import Sample, run_sample
from sim.present.explain import Analysis, explain_result
from sim.spec.scenario import Scenario
from sim.timeline.calibration import (
    CALIBRATED,
    PRIOR,
    STANDARD_DRAWS,
    STANDARD_RECORD,
    STANDARD_SOLUTION,
    Posterior,
    calibrated_sample,
    prior_differs,
    standard_posterior,
)

#: The record the app calibrates on, its prior draws and solution concept (as ``alliance-sim
#: calibrate history-1996-2018 --draws 100000 --solution spe``).
RECORD, PRIOR_DRAWS, SOLUTION = STANDARD_RECORD, STANDARD_DRAWS, STANDARD_SOLUTION
MODEL_NAMES = {PRIOR: "The analyst's judgement (prior ranges)",
               CALIBRATED: "Calibrated to the 1996-2018 record"}
PRIOR_LABEL = "the analyst's judgement (the prior ranges of the scenario)"
#: What the pages say the calibrated model is, in words.
MEANING = ("Calibrated: the analyst's prior draws reweighted by how likely each makes the record of "
           "1996-2018 (posture, attacks abroad, splits; the What history says page), then resampled. "
           "The resampled rows repeat draws, so the 95% intervals are those of the draws they are "
           "worth, n_eff = 1/(1/ESS + 1/rows), not of the rows (docs/model.md, section 12b).")
#: The posterior file the brief's command line writes and reads.
POSTERIOR_FILE = "history-posterior.npz"


def compute_posterior() -> Posterior:
    """The app's posterior (in a pool worker): the history replay's record on :data:`PRIOR_DRAWS` prior
    draws (its own seed); the same weights as ``alliance-sim calibrate`` with these settings."""
    return standard_posterior()


@dataclass(frozen=True)
class Model:
    """The model a page's numbers come from: the prior, or a posterior that applies to the scenario."""

    posterior: Posterior | None = None
    #: Why the calibrated model was asked for but does not apply (the prior is used instead).
    refused: str = ""

    @property
    def calibrated(self) -> bool:
        return self.posterior is not None

    @property
    def label(self) -> str:
        return PRIOR_LABEL if self.posterior is None else self.posterior.label()

    def key(self) -> tuple:
        """What a cached run's key adds for this model (nothing for the prior)."""
        if self.posterior is None:
            return ()
        m = self.posterior.meta
        return ("calibrated", m["scenario"], m["draws"], m["seed"], m["solution"], m["tremble"])


def model_for(scenario: Scenario, posterior: Posterior | None) -> Model:
    """The calibrated model for ``scenario`` if ``posterior`` is given and applies to it, else the
    prior (saying why, when the scenario's own prior ranges differ from the calibration's)."""
    if posterior is None:
        return Model()
    differ = prior_differs(scenario, posterior)
    if differ:
        return Model(refused=f"the calibrated model does not apply to {scenario.name}: its prior ranges "
                             f"differ from the record's for {', '.join(differ[:6])}; showing the "
                             "analyst's judgement")
    return Model(posterior)


def sample_of(scenario: Scenario, model: Model) -> Sample | None:
    """The draws a calibrated model's run of ``scenario`` is solved on (``None`` for the prior: the
    scenario's own)."""
    return None if model.posterior is None else calibrated_sample(scenario, model.posterior, scenario.seed)


def analyse_calibrated(scenario: Scenario, posterior: Posterior, concept: str, lam: float,
                       progress: Callable[[int, int], None] | None = None) -> Analysis:
    """The scenario run on the posterior's resample with its own seed: the numbers of
    ``alliance-sim run SCENARIO --calibrated FILE`` on the same posterior."""
    drawn = calibrated_sample(scenario, posterior, scenario.seed)
    result = run_sample(drawn, solution=concept, lam=lam)
    if progress:
        progress(drawn.draws, drawn.draws)
    return explain_result(result, drawn.params, scenario.levers)


def calibrated_command(run_command: str) -> str:
    """The command lines that give a calibrated view's numbers: calibrate as the app does, then the
    view's ``run`` with ``--calibrated`` (its draws are the resample's, so ``--draws`` goes)."""
    words = shlex.split(run_command)
    if "--draws" in words:
        at = words.index("--draws")
        del words[at:at + 2]
    calibrate_words = ["alliance-sim", "calibrate", RECORD, "--draws", str(PRIOR_DRAWS), "--solution",
                       SOLUTION, "--posterior", POSTERIOR_FILE]
    return f"{shlex.join(calibrate_words)} && {shlex.join([*words, '--calibrated', POSTERIOR_FILE])}"
