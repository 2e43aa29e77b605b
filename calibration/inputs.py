"""Which inputs the survey can speak to: those that act before the 2015 snapshot.

The survey observed the world in 2015. An assumption that changes that world — the
strength of a mechanism at work before 2015, or of a policy some municipalities already
had — is calibrated jointly with the free parameters, each over its documented range as
its prior. An assumption that acts only through levers switched after 2015 (the strength
of forums nobody held, of a campaign nobody ran) leaves the 2015 world as it is: the
survey cannot speak to it, and ensembles draw it over its range.

Which is which is computed, not declared: :func:`acts_before_2015` runs the model at
the two ends of an input's range with the same seeds and compares everything up to the
snapshot (the spin-up's weekly outcomes and the 2015 virtual survey), under every
reading of the local policy (a reading's strength acts only under its reading, and in
the fifth of municipalities that had a policy in 2015).

Of the inputs acting before 2015, :func:`screen` finds those with a clear linear effect
on the survey over the prior: worlds drawn uniformly over every input's range, their
virtual surveys, and a linear regression of each summary on all inputs (standardised
effects: summary standard deviations of the prior predictive per input standard
deviation). ABC-SMC moves the informative inputs with its kernel; every other calibrated
input is drawn from its prior in every simulation and kept with the particle it made
(:class:`calibration.abc.FixedModel`), so the ABC still accepts or rejects whole worlds —
proposing those inputs from their priors at every generation leaves the importance
weights unchanged, and a kernel over thirty more dimensions would only degrade them (an
effective sample size of 9 of 400 in a trial with all 33). An input whose effect is
non-linear or acts through others can be missed by the regression; it is then narrowed,
if at all, by the acceptance alone. A discrete input (the local policy's reading, a model
choice) is always moved by ABC-SMC, with a kernel of its own
(:func:`calibration.abc.transition`): its posterior shares are the answer to which
readings the survey can tell apart.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.parameters import ASSUMPTIONS, DISCRETE, FREE, PARAMETERS, from_unit

CHECK_SEEDS = (11, 12)  # two worlds: an input that acts in neither is taken not to act
# An input is informative when moving it by one standard deviation of its prior moves
# some summary of the survey by at least this many standard deviations of the prior
# predictive. Each coefficient's standard error is about 1/sqrt(1,500) = 0.026, and the
# largest of 18 pure noises about 0.065: 0.1 keeps clear of noise. Lowering it to 0.07
# (14 inputs sampled instead of 9, in a trial) left the posterior predictive intervals
# as wide (0.369 against 0.368) and cut the effective sample size from 214 to 61 of 400.
INFORMATIVE_EFFECT = 0.1
SCREEN_WORLDS = 1500


def acts_before_2015(name: str, *, seeds=CHECK_SEEDS) -> bool:
    """Whether moving ``name`` from the low to the high end of its range moves 2015.

    Tried under every reading of the local policy (``policy_reading``): the strength of
    a reading acts only under it.
    """
    from sim import run

    p = PARAMETERS[name]
    # Eight weeks under the 2015 levers show whether an input acts in them (the survey
    # needs four); the full two-year spin-up would only take longer to say so.
    short = {"spinup_weeks": 8}
    contexts = [{}] if name in DISCRETE else [
        {"policy_reading": PARAMETERS["policy_reading"].low + i}
        for i in range(len(PARAMETERS["policy_reading"].levels))]
    for context in contexts:
        for seed in seeds:
            low = run({**short, **context, name: p.low}, rng=seed)
            high = run({**short, **context, name: p.high}, rng=seed)
            if not (low.timeseries.equals(high.timeseries)
                    and np.array_equal(low.survey.answers, high.survey.answers)):
                return True
    return False


@functools.cache
def calibrated_inputs() -> tuple[str, ...]:
    """The free parameters and every assumption acting before 2015, in table order."""
    return (*FREE, *(a for a in ASSUMPTIONS if acts_before_2015(a)))


@dataclass(frozen=True)
class Screening:
    """Which calibrated inputs the survey can narrow (:func:`screen`)."""

    effects: pd.DataFrame  # input × summary: standardised regression coefficients
    worlds: int

    @property
    def largest(self) -> pd.Series:
        """Each input's largest standardised effect on any summary."""
        return self.effects.abs().max(axis=1)

    @property
    def informative(self) -> tuple[str, ...]:
        """The inputs whose largest effect reaches :data:`INFORMATIVE_EFFECT`."""
        big = self.largest
        return tuple(n for n in self.effects.index if big[n] >= INFORMATIVE_EFFECT)

    def to_frame(self) -> pd.DataFrame:
        """``input, largest_effect, informative`` (for ``screening.csv``)."""
        big = self.largest
        return pd.DataFrame({"input": big.index, "largest_effect": big.to_numpy(),
                             "informative": big.to_numpy() >= INFORMATIVE_EFFECT})


def screen(names: tuple[str, ...] | None = None, *, worlds: int = SCREEN_WORLDS, rng=0,
           workers: int = 1, scheduler: str | None = None, waves=None) -> Screening:
    """Standardised effects of each input on each survey summary, over its prior.

    ``worlds`` draws of every input uniformly over its range (a discrete input over its
    levels, :func:`sim.parameters.from_unit`), one seed each; each
    world's 2015 virtual survey gives the 12 free shares and 6 counts the distance
    uses; each summary is regressed on all inputs at once (inputs scaled to unit prior
    standard deviation, summaries to unit prior predictive standard deviation).
    ``waves`` (:class:`calibration.waves.Waves`): the summaries of every wave instead.
    """
    from calibration.predictive_check import survey_counts_task
    from calibration.summary import summarise_counts
    from runtime.pool import Task, run_tasks, spawn_seeds

    names = tuple(names or calibrated_inputs())
    gen = np.random.default_rng(rng)
    unit = gen.random((worlds, len(names)))
    values = np.column_stack([from_unit(n, unit[:, j]) for j, n in enumerate(names)])
    seeds = spawn_seeds(gen.integers(2**63), worlds)
    tasks = [Task(dict(zip(names, row.tolist(), strict=True)), 0, s)
             for row, s in zip(values, seeds, strict=True)]
    if waves is None:
        counts = run_tasks(survey_counts_task, tasks, workers=workers, scheduler=scheduler,
                           progress=False, label="screening")
        summaries = [summarise_counts(c) for c in counts]
    else:
        from calibration.waves import WavesTask

        summaries = run_tasks(WavesTask(waves), tasks, workers=workers,
                              scheduler=scheduler, progress=False, label="screening")
    keys = [k for k in summaries[0] if not k.endswith(":together")]
    y = np.array([[s[k] for k in keys] for s in summaries], dtype=float)
    y = np.where(np.isfinite(y), y, np.nanmean(y, axis=0))
    spread = y.std(axis=0)
    y = (y - y.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    x = np.c_[np.ones(worlds), (unit - 0.5) * np.sqrt(12)]
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return Screening(pd.DataFrame(beta[1:], index=list(names), columns=keys), worlds)


def policy_strengths(calibrated: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The assumptions the survey cannot speak to: drawn over their ranges by ensembles.

    ``calibrated`` are the inputs a posterior covers (default: :func:`calibrated_inputs`).
    """
    covered = set(calibrated_inputs() if calibrated is None else calibrated)
    return tuple(a for a in ASSUMPTIONS if a not in covered)
