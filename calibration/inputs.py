"""Which inputs the survey can speak to: those that act before the 2015 snapshot.

The survey observed the world in 2015. An assumption that changes that world — the
strength of a mechanism at work before 2015, or of a policy some municipalities already
had — is calibrated jointly with the free parameters, each over its documented range as
its prior. An assumption that acts only through levers switched after 2015 (the strength
of forums nobody held, of a campaign nobody ran) leaves the 2015 world as it is: the
survey cannot speak to it, and ensembles draw it over its range.

Which is which is computed, not declared: :func:`acts_before_2015` runs the model at
the two ends of an input's range with the same seeds and compares everything up to the
snapshot (the spin-up's weekly outcomes and the 2015 virtual survey).
"""

from __future__ import annotations

import functools

import numpy as np

from sim.parameters import ASSUMPTIONS, FREE, PARAMETERS

CHECK_SEEDS = (11, 12)  # two worlds: an input that acts in neither is taken not to act


def acts_before_2015(name: str, *, seeds=CHECK_SEEDS) -> bool:
    """Whether moving ``name`` from the low to the high end of its range moves 2015."""
    from sim import run

    p = PARAMETERS[name]
    for seed in seeds:
        low, high = run({name: p.low}, rng=seed), run({name: p.high}, rng=seed)
        if not (low.timeseries.equals(high.timeseries)
                and np.array_equal(low.survey.answers, high.survey.answers)):
            return True
    return False


@functools.cache
def calibrated_inputs() -> tuple[str, ...]:
    """The free parameters and every assumption acting before 2015, in table order."""
    return (*FREE, *(a for a in ASSUMPTIONS if acts_before_2015(a)))


def policy_strengths(calibrated: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The assumptions the survey cannot speak to: drawn over their ranges by ensembles.

    ``calibrated`` are the inputs a posterior covers (default: :func:`calibrated_inputs`).
    """
    covered = set(calibrated_inputs() if calibrated is None else calibrated)
    return tuple(a for a in ASSUMPTIONS if a not in covered)
