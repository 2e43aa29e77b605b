"""The Morris screening as one result: which inputs move the survey, or a policy's effect.

:func:`screen` varies each input over its documented range (the free parameters over
their priors), the others at the calibrated model's values, with SALib's Morris method
(:func:`calibration.sensitivity.morris`); with a scenario, the outputs are its effect on
each outcome at its horizon instead of the 2015 shares. It returns a :class:`Screening`;
:meth:`Screening.write` puts its set (:data:`SENSITIVITY_OUTPUTS`) in a folder and
:meth:`Screening.read` takes it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from runtime.fields import one_of, text
from runtime.files import read_back, writes
from runtime.manifests import Manifest

SENSITIVITY_OUTPUTS = ("sensitivity.csv", "sensitivity.png", "manifest.json")  # one set
COLUMNS = ("parameter", "output", "mu_star", "mu", "sigma", "mu_star_conf")
MADE_BY = "coprod sensitivity --out DIR"


@dataclass(frozen=True, eq=False)  # its table compares with .equals, not ==
class Screening:
    """Morris μ*, μ, σ and μ* confidence per (input, output), and how they were made."""

    table: pd.DataFrame  # COLUMNS
    manifest: Manifest = field(compare=False)

    @property
    def scenario(self) -> str | None:
        """The scenario whose effect was screened; None for the 2015 shares."""
        return self.manifest.get("scenario")

    def overall(self) -> pd.Series:
        """Each input's mean μ* over the outputs, largest first."""
        return self.table.groupby("parameter").mu_star.mean().sort_values(ascending=False)

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the table, its heat map and the manifest into ``folder``; the names."""
        from calibration.fit_plots import plot_sensitivity
        from runtime.files import atomic_write_frame

        atomic_write_frame(folder / "sensitivity.csv", self.table)
        plot_sensitivity(self.table, folder / "sensitivity.png")
        self.manifest.write(folder / "manifest.json")
        return list(SENSITIVITY_OUTPUTS)

    @classmethod
    @read_back
    def read(cls, folder: Path) -> Screening:
        """The screening ``coprod sensitivity --out folder`` left in ``folder``."""
        from calibration.sensitivity import INPUT_GROUPS, SHARE_KEYS, SUMMARY
        from runtime.files import read_own_csv

        manifest = Manifest.read(folder / "manifest.json", MADE_BY)
        inputs = manifest.field("inputs", one_of(INPUT_GROUPS), "one of "
                                + ", ".join(INPUT_GROUPS))
        scenario = manifest.field("scenario", lambda v: v is None or text(v),
                                  "a scenario's name, or null for the 2015 shares", None)
        # One row per input varied and output: the 2015 shares, or a scenario's effects.
        outputs = len(SUMMARY) if scenario is not None else len(SHARE_KEYS)
        return cls(read_own_csv(folder / "sensitivity.csv", MADE_BY, columns=COLUMNS,
                                rows=len(INPUT_GROUPS[inputs]) * outputs,
                                numeric=COLUMNS[2:]), manifest)


def screen(trajectories: int, *, inputs: str = "free", scenario=None, rng: int,
           workers: int = 1, scheduler: str | None = None,
           command: str = "coprod.sensitivity()") -> Screening:
    """The Morris screening of ``inputs`` ('free', 'assumptions' or 'all').

    ``scenario``: a loaded :class:`scenarios.spec.Scenario` whose effect is screened at
    its horizon (its levers among the varied inputs vary); None screens the 2015 shares.
    ``rng`` seeds the trajectories and the runs: the same seed, the same table, whatever
    the number of ``workers``.
    """
    from calibration.posterior import calibrated_parameters
    from calibration.sensitivity import INPUT_GROUPS, morris

    names = INPUT_GROUPS[inputs]
    policy = ({k: v for k, v in scenario.overrides.items() if k not in names}
              if scenario else None)
    table = morris(trajectories, names=names, base=calibrated_parameters(), policy=policy,
                   steps=scenario.horizon_weeks if scenario else None, rng=rng,
                   workers=workers, scheduler=scheduler)
    return Screening(table, Manifest.of(
        command=command, seed=rng, trajectories=trajectories, inputs=inputs,
        scenario=scenario.name if scenario else None,
        method="Morris elementary effects (SALib), common random numbers; others at the "
               "calibrated model's values"))
