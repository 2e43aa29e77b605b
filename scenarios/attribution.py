"""Where a policy effect's uncertainty comes from: calibrated parameters, assumptions, chance.

An ensemble crosses every posterior draw with every draw of the assumptions and runs
each cell with several seeds (:func:`scenarios.ensemble.build_tasks`); a scenario's
effect on an outcome is its value minus the baseline's on the paired run. Over that
full factorial, a two-way random-effects analysis of variance (method of moments) splits
the effect's variance into

* σ²_P — between posterior draws (what the survey calibrated),
* σ²_A — between assumption draws (mechanisms and policy strengths taken as assumed),
* σ²_PA — their interaction, and
* σ²_e — between seeds within a cell (chance),

from the mean squares of the balanced design (E[MS_P] = σ²_e + R σ²_PA + R n_A σ²_P and
so on; negative estimates are set to 0). The interaction is shared equally between the
two groups (the Shapley allocation for two factors), so the three group shares,
``parameters``, ``assumptions`` and ``chance``, sum to 1.

Single inputs: within its group, each input's first-order share is estimated as the R²
of a straight line through the group's marginal means (posterior draws for a calibrated
parameter, assumption draws for an assumption) against the input's values, times the
group's main-effect share. With ten draws per group this ranks the inputs; it is not a
precise index (raise ``draws`` or ``assumption_draws`` for firmer ones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.effects import KEY

# A line through fewer draws explains them by chance: single inputs are ranked only with
# at least this many draws in their group (0 otherwise).
MIN_DRAWS_FOR_SINGLES = 8


@dataclass(frozen=True)
class Components:
    """Variance components of one effect (σ²_P, σ²_A, σ²_PA, σ²_e) and marginal means."""

    parameters: float
    assumptions: float
    interaction: float
    chance: float
    posterior_means: np.ndarray  # per posterior draw
    assumption_means: np.ndarray  # per assumption draw

    @property
    def total(self) -> float:
        """Sum of the components."""
        return self.parameters + self.assumptions + self.interaction + self.chance

    def shares(self) -> dict[str, float]:
        """The three group shares (interaction split equally); they sum to 1."""
        total = self.total
        return {"parameters": (self.parameters + self.interaction / 2) / total,
                "assumptions": (self.assumptions + self.interaction / 2) / total,
                "chance": self.chance / total}


def components(cube: np.ndarray) -> Components:
    """Variance components of ``cube[p, a, r]`` (posterior × assumption × seed draws)."""
    n_p, n_a, r = cube.shape
    grand = cube.mean()
    cell = cube.mean(axis=2)
    post, assum = cell.mean(axis=1), cell.mean(axis=0)

    def mean_square(ss: float, df: int) -> float:
        return ss / df if df > 0 else 0.0

    ms_p = mean_square(r * n_a * np.sum((post - grand) ** 2), n_p - 1)
    ms_a = mean_square(r * n_p * np.sum((assum - grand) ** 2), n_a - 1)
    inter = cell - post[:, None] - assum[None, :] + grand
    ms_pa = mean_square(r * np.sum(inter**2), (n_p - 1) * (n_a - 1))
    ms_e = mean_square(np.sum((cube - cell[:, :, None]) ** 2), n_p * n_a * (r - 1))
    # With one draw in a group its factor cannot vary; the interaction term's mean square
    # is then the error's.
    ms_pa_eff = ms_pa if (n_p > 1 and n_a > 1) else ms_e
    return Components(
        parameters=max(0.0, (ms_p - ms_pa_eff) / (r * n_a)) if n_p > 1 else 0.0,
        assumptions=max(0.0, (ms_a - ms_pa_eff) / (r * n_p)) if n_a > 1 else 0.0,
        interaction=max(0.0, (ms_pa - ms_e) / r) if (n_p > 1 and n_a > 1) else 0.0,
        chance=ms_e,
        posterior_means=post, assumption_means=assum)


def _line_r2(x: np.ndarray, y: np.ndarray) -> float:
    """R² of a least-squares line (0 when either does not vary)."""
    if len(x) < MIN_DRAWS_FOR_SINGLES or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1] ** 2)


def _cube(effects: pd.DataFrame, design: pd.DataFrame) -> np.ndarray | None:
    """The effects as a full (posterior, assumption, replicate) array, or None if gaps."""
    frame = effects.merge(design[[*KEY, "posterior_draw", "assumption_draw"]], on=KEY)
    n_p = frame.posterior_draw.nunique()
    n_a = frame.assumption_draw.nunique()
    n_r = frame.replicate.nunique()
    if len(frame) != n_p * n_a * n_r or len(frame) < len(effects):
        return None  # failed or unpaired runs left the design unbalanced
    frame = frame.sort_values(["posterior_draw", "assumption_draw", "replicate"])
    return frame.effect.to_numpy(float).reshape(n_p, n_a, n_r)


def attribute(effects: pd.DataFrame, design: pd.DataFrame, inputs: dict[str, str]
              ) -> list[dict] | str:
    """Rows ``input, share`` for one scenario and outcome, or why there are none.

    ``effects``: ``draw, replicate, seed, effect`` per paired run
    (:func:`scenarios.effects.paired_differences`); ``design``: the scenario's
    ``inputs.csv``; ``inputs``: each single input's group ("parameters" or
    "assumptions"). Returns a short reason instead of rows when the design has gaps or
    the effect does not vary.
    """
    cube = _cube(effects, design)
    if cube is None:
        return "its paired runs do not fill the design (posterior × assumption draws × seeds)"
    if not np.isfinite(cube).all():
        return "blank values"
    comp = components(cube)
    if comp.total <= 0:
        return "the effect is the same in every run"
    rows = [{"input": g, "share": s} for g, s in comp.shares().items()]
    by_post = design.groupby("posterior_draw").first().sort_index()
    by_assum = design.groupby("assumption_draw").first().sort_index()
    for name, group in inputs.items():
        if name not in design:
            continue
        if group == "parameters":
            r2 = _line_r2(by_post[name].to_numpy(float), comp.posterior_means)
            main = comp.parameters
        else:
            r2 = _line_r2(by_assum[name].to_numpy(float), comp.assumption_means)
            main = comp.assumptions
        rows.append({"input": name, "share": r2 * main / comp.total})
    return rows


def attribution_table(effects: dict[str, pd.DataFrame], designs: dict[str, pd.DataFrame],
                      names: tuple[str, ...], inputs: dict[str, str]
                      ) -> tuple[pd.DataFrame, list[str]]:
    """``scenario, outcome, input, share`` for every policy, and notes on what is left out.

    ``effects`` maps each policy to its paired differences from the baseline (index
    ``draw, replicate, seed``, one column per outcome); ``designs`` to its
    ``inputs.csv`` (None when the folder has none); ``names`` are the outcomes to
    attribute. The three group rows of each (scenario, outcome) sum to 1. Whatever
    cannot be attributed is named in a note, never dropped silently.
    """
    rows, notes = [], []
    for scenario, diff in effects.items():
        design = designs.get(scenario)
        if design is None:
            notes.append(f"attribution of {scenario} left out: its folder has no inputs.csv "
                         "(made before runs recorded their inputs; run it again)")
            continue
        left: dict[str, list[str]] = {}
        for name in names:
            if name not in diff.columns:
                left.setdefault("no value of the outcome", []).append(name)
                continue
            paired = diff[name].rename("effect").reset_index()
            found = attribute(paired, design, inputs)
            if isinstance(found, str):
                left.setdefault(found, []).append(name)
                continue
            rows += [{"scenario": scenario, "outcome": name, **row} for row in found]
        for reason, outcomes in left.items():
            notes.append(f"attribution of {scenario} left out for {len(outcomes)} of "
                         f"{len(names)} outcomes ({', '.join(outcomes)}): {reason}")
    return pd.DataFrame(rows, columns=["scenario", "outcome", "input", "share"]), notes
