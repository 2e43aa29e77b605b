"""Where a policy effect's uncertainty comes from: the world, the policy's strength, chance.

An ensemble crosses every draw of the calibrated world (a joint posterior draw: the free
parameters and every assumption acting before 2015) with every draw of the policy
strengths (the assumptions the survey cannot speak to) and runs each cell with several
seeds (:func:`scenarios.ensemble.build_tasks`); a scenario's effect on an outcome is its
value minus the baseline's on the paired run. Over that full factorial, a two-way
random-effects analysis of variance (method of moments) splits the effect's variance
into

* σ²_P — between world draws (what the survey calibrated, with what it left open),
* σ²_A — between draws of the policy strengths (taken as assumed),
* σ²_PA — their interaction, and
* σ²_e — between seeds within a cell (chance),

from the mean squares of the balanced design (E[MS_P] = σ²_e + R σ²_PA + R n_A σ²_P and
so on; negative estimates are set to 0). The interaction is shared equally between the
two groups (the Shapley allocation for two factors), so the three group shares,
``world``, ``policy strengths`` and ``chance``, sum to 1. Each share has a 90% interval
from a bootstrap over the world draws and the strength draws (both resampled).

Single inputs are split only where the inputs are drawn independently: the policy
strengths (a Latin hypercube). Each one's first-order share is the R² of a straight line
through the strength draws' marginal means against its values, times the group's main
share, with its bootstrap interval; a strength is listed only where its line's R² exceeds
what chance alone gives with that many draws, at 5% over all the strengths tested (an
R² is never below 0, so an interval alone would name inputs that do nothing). The
world's inputs come from a joint posterior and
are dependent: no sound first-order split exists for them here, so none is given.
Instead, for the world inputs asked for (e.g. the local policy's three routes), the rank
correlation of the effect with the input's value across world draws is given, with its
bootstrap interval: which input the effect goes with, not a share of its variance. With
fewer than :data:`MIN_DRAWS_FOR_SINGLES` draws in a group, its single inputs are not
estimated and a note says so.

``attribution.csv``: ``kind`` is ``group`` (the three shares), ``single`` (a policy
strength's share) or ``association`` (a world input's rank correlation, in ``share``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.effects import KEY
from sim.parameters import ASSUMPTIONS

# A line through fewer draws explains them by chance: single inputs are estimated only
# with at least this many draws of the policy strengths.
MIN_DRAWS_FOR_SINGLES = 8
WORLD, STRENGTHS, CHANCE = "world", "policy strengths", "chance"
GROUPS = (WORLD, STRENGTHS, CHANCE)
BOOTSTRAP = 200  # resamples of the draws for the 90% intervals
COLUMNS = ["scenario", "outcome", "input", "kind", "share", "low_90", "high_90"]


@dataclass(frozen=True)
class Components:
    """Variance components of one effect (σ²_P, σ²_A, σ²_PA, σ²_e) and marginal means."""

    world: float
    strengths: float
    interaction: float
    chance: float
    world_means: np.ndarray  # per world draw
    strength_means: np.ndarray  # per draw of the policy strengths

    @property
    def total(self) -> float:
        """Sum of the components."""
        return self.world + self.strengths + self.interaction + self.chance

    def shares(self) -> dict[str, float]:
        """The three group shares (interaction split equally); they sum to 1."""
        total = self.total
        if total <= 0:
            return dict.fromkeys(GROUPS, np.nan)
        return {WORLD: (self.world + self.interaction / 2) / total,
                STRENGTHS: (self.strengths + self.interaction / 2) / total,
                CHANCE: self.chance / total}


def components(cube: np.ndarray) -> Components:
    """Variance components of ``cube[p, a, r]`` (world × strength × seed draws)."""
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
        world=max(0.0, (ms_p - ms_pa_eff) / (r * n_a)) if n_p > 1 else 0.0,
        strengths=max(0.0, (ms_a - ms_pa_eff) / (r * n_p)) if n_a > 1 else 0.0,
        interaction=max(0.0, (ms_pa - ms_e) / r) if (n_p > 1 and n_a > 1) else 0.0,
        chance=ms_e, world_means=post, strength_means=assum)


def _line_r2(x: np.ndarray, y: np.ndarray) -> float:
    """R² of a least-squares line (0 when either does not vary)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1] ** 2)


def _null_r2(n: int, level: float = 0.95) -> float:
    """The R² a straight line through ``n`` points of noise exceeds with 1 − ``level``."""
    from scipy.stats import f

    if n <= 2:
        return 1.0
    crit = float(f.ppf(level, 1, n - 2))
    return crit / (crit + n - 2)


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (NaN when either does not vary)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    rx, ry = (np.argsort(np.argsort(v, kind="stable"), kind="stable") for v in (x, y))
    return float(np.corrcoef(rx, ry)[0, 1])


def _shares(comp: Components, strength_values: dict[str, np.ndarray],
            world_values: dict[str, np.ndarray]) -> dict[str, float]:
    """The group shares, each strength's share and each world input's association."""
    out = comp.shares()
    total = comp.total
    for name, x in strength_values.items():
        out[name] = (_line_r2(x, comp.strength_means) * comp.strengths / total
                     if total > 0 else np.nan)
    for name, x in world_values.items():
        out[name] = _rank_correlation(x, comp.world_means)
    return out


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


def attribute(effects: pd.DataFrame, design: pd.DataFrame, strengths: tuple[str, ...],
              associated: tuple[str, ...] = (), *, rng=0
              ) -> tuple[list[dict], str | None] | str:
    """Rows ``input, kind, share, low_90, high_90`` for one scenario and outcome, and a note.

    ``effects``: ``draw, replicate, seed, effect`` per paired run
    (:func:`scenarios.effects.paired_differences`); ``design``: the scenario's
    ``inputs.csv``; ``strengths``: the policy strengths drawn independently (the only
    inputs split singly); ``associated``: world inputs whose rank correlation with the
    effect is wanted. Returns a short reason instead when the design has gaps or the
    effect does not vary; the note says why single inputs are missing, if they are.
    """
    cube = _cube(effects, design)
    if cube is None:
        return "its paired runs do not fill the design (world draws × strength draws × seeds)"
    if not np.isfinite(cube).all():
        return "blank values"
    comp = components(cube)
    if comp.total <= 0:
        return "the effect is the same in every run"
    n_p, n_a, _ = cube.shape
    by_assum = design.groupby("assumption_draw").first().sort_index()
    by_world = design.groupby("posterior_draw").first().sort_index()
    singles = [n for n in strengths if n in by_assum and by_assum[n].nunique() > 1]
    linked = [n for n in associated if n in by_world and by_world[n].nunique() > 1]
    notes = []
    if singles and n_a < MIN_DRAWS_FOR_SINGLES:
        notes.append(f"too few draws of the policy strengths ({n_a}; at least "
                     f"{MIN_DRAWS_FOR_SINGLES}) to split their share by input")
        singles = []
    if linked and n_p < MIN_DRAWS_FOR_SINGLES:
        notes.append(f"too few world draws ({n_p}; at least {MIN_DRAWS_FOR_SINGLES}) to "
                     "say which world input the effect goes with")
        linked = []
    # Single strengths only where their line beats chance: the F test of its slope, at
    # 5% over all the strengths tested (Bonferroni), or a strength that does nothing is
    # named one time in four among six.
    critical = _null_r2(n_a, 1 - 0.05 / max(len(singles), 1))
    singles = [n for n in singles
               if _line_r2(by_assum[n].to_numpy(float), comp.strength_means) > critical]
    strength_values = {n: by_assum[n].to_numpy(float) for n in singles}
    world_values = {n: by_world[n].to_numpy(float) for n in linked}
    point = _shares(comp, strength_values, world_values)
    gen = np.random.default_rng(rng)
    boot = []
    for _ in range(BOOTSTRAP):
        p, a = gen.integers(n_p, size=n_p), gen.integers(n_a, size=n_a)
        boot.append(_shares(components(cube[p][:, a]),
                            {n: x[a] for n, x in strength_values.items()},
                            {n: x[p] for n, x in world_values.items()}))
    kinds = {**dict.fromkeys(GROUPS, "group"), **dict.fromkeys(singles, "single"),
             **dict.fromkeys(linked, "association")}
    rows = []
    for name, share in point.items():
        draws = np.array([b[name] for b in boot], dtype=float)
        low, high = (np.nanquantile(draws, [0.05, 0.95]) if np.isfinite(draws).any()
                     else (np.nan, np.nan))
        rows.append({"input": name, "kind": kinds[name], "share": share,
                     "low_90": float(low), "high_90": float(high)})
    return rows, "; ".join(notes) or None


def strengths_of(manifest: dict) -> tuple[str, ...]:
    """The policy strengths a scenario drew (its manifest's ``drawn_assumptions``)."""
    drawn = manifest.get("drawn_assumptions", []) if isinstance(manifest, dict) else []
    if not isinstance(drawn, list):
        return ()
    return tuple(n for n in drawn if isinstance(n, str) and n in ASSUMPTIONS)


def attribution_table(effects: dict[str, pd.DataFrame], designs: dict[str, pd.DataFrame],
                      names: tuple[str, ...], strengths: dict[str, tuple[str, ...]],
                      associated: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str]]:
    """``scenario, outcome, input, share, low_90, high_90`` for every policy, and notes.

    ``effects`` maps each policy to its paired differences from the baseline (index
    ``draw, replicate, seed``, one column per outcome); ``designs`` to its
    ``inputs.csv`` (None when the folder has none); ``names`` are the outcomes to
    attribute; ``strengths`` each policy's drawn strengths (split singly);
    ``associated`` the world inputs whose association with each effect is given. The group rows
    of each (scenario, outcome) sum to 1. Whatever cannot be attributed is named in a
    note, never dropped silently.
    """
    rows, notes = [], []
    for scenario, diff in effects.items():
        design = designs.get(scenario)
        if design is None:
            notes.append(f"attribution of {scenario} left out: its folder has no inputs.csv "
                         "(made before runs recorded their inputs; run it again)")
            continue
        left: dict[str, list[str]] = {}
        single_notes = set()
        for name in names:
            if name not in diff.columns:
                left.setdefault("no value of the outcome", []).append(name)
                continue
            paired = diff[name].rename("effect").reset_index()
            found = attribute(paired, design, strengths.get(scenario, ()), associated)
            if isinstance(found, str):
                left.setdefault(found, []).append(name)
                continue
            found_rows, note = found
            if note:
                single_notes.add(note)
            rows += [{"scenario": scenario, "outcome": name, **row} for row in found_rows]
        for reason, outcomes in left.items():
            notes.append(f"attribution of {scenario} left out for {len(outcomes)} of "
                         f"{len(names)} outcomes ({', '.join(outcomes)}): {reason}")
        notes += [f"attribution of {scenario}: {note}" for note in sorted(single_notes)]
    return pd.DataFrame(rows, columns=COLUMNS), notes
