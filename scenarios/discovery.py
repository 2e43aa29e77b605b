"""Scenario discovery: the conditions under which a policy fails its aim (PRIM).

A policy's effect on one run is the scenario's outcome minus the baseline's on the
*paired* run (same posterior draw, same assumption draw, same seed: the same
``draw, replicate, seed`` key), in the unit the outcome is shown in (percentage points
for shares). A run *fails* when that effect is below a limit (``below``) or above it
(``above``). PRIM (the Patient Rule Induction Method, from the EMA Workbench) then looks
for boxes over the run's inputs (the calibrated parameters drawn from the posterior and
the assumptions drawn over their ranges, as ``inputs.csv`` records them) in which most
runs fail (density) and that hold most failing runs (coverage).

On each box's peeling trajectory the point chosen is the one with the highest coverage
among those whose density reaches ``threshold``; when the first box never reaches it,
its densest point is reported and marked ``meets_threshold = False``. Further boxes are
searched among the runs outside the boxes already found, up to ``max_boxes``, and kept
only when they reach the threshold.

``discovery.csv`` is tidy: one row per (box, restricted input) with columns

``box`` (1, 2, ...), ``coverage`` (share of all failing runs inside the box),
``density`` (share of the box's runs that fail), ``mass`` (share of all runs inside
the box), ``runs`` (runs inside the box), ``failing_runs`` (failing runs inside it),
``restricted`` (number of inputs the box restricts), ``meets_threshold``,
``input`` (the restricted input), ``kind`` (``free``: calibrated parameter;
``assumption``), ``low``, ``high`` (the box's limits on that input), ``range_low``,
``range_high`` (the values the runs span), ``qp_low``, ``qp_high`` (PRIM's quasi-p
values of the lower and upper limits: the chance such a restriction arises by luck;
empty where that side is not restricted). A box restricting no input has one row with
an empty ``input``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from runtime.fields import between, finite, texts, whole
from runtime.files import read_back, writes
from runtime.words import quoted, shell_word
from scenarios.effects import KEY, read_ensembles
from scenarios.thresholds import DENSITY_THRESHOLD
from sim.errors import CoprodError, InputError, UnknownNameError
from sim.outcomes import SUMMARY, outcome
from sim.parameters import ASSUMPTIONS, FREE, PARAMETERS

PEEL_ALPHA = 0.05  # share of runs peeled off per step (the EMA Workbench default)
PASTE_ALPHA = 0.05
MASS_MIN = 0.05  # a box holds at least this share of runs
MAX_BOXES = 3
OUTPUTS = ("discovery.csv", "discovery.png", "discovery.json")  # replaced together
COLUMNS = ("box", "coverage", "density", "mass", "runs", "failing_runs", "restricted",
           "meets_threshold", "input", "kind", "low", "high", "range_low", "range_high",
           "qp_low", "qp_high")


def _run_command(scenario: str, baseline: str, directory: Path) -> str:
    """The command that makes both ensembles, in quotes for a message."""
    return quoted(f"coprod run {baseline} {scenario} --out {shell_word(directory)}")


@dataclass(frozen=True)
class Discovery:
    """What PRIM found for one scenario, outcome and failure rule."""

    scenario: str
    baseline: str
    outcome: str
    rule: str  # "below" or "above"
    limit: float  # in the outcome's shown unit (percentage points for shares)
    threshold: float
    effects: pd.DataFrame | None  # per paired run: key, effect, fails, the inputs
    inputs: tuple  # the inputs PRIM searched over (those that vary between runs)
    constant: tuple  # inputs the same in every run (fixed by the scenario): left out
    boxes: pd.DataFrame  # the tidy table written to discovery.csv
    trajectories: list = field(default_factory=list)  # per box: its peeling trajectory
    chosen: list = field(default_factory=list)  # per box: the trajectory point chosen
    unmatched: int = 0  # runs of the scenario left out (no paired baseline run, no value)
    notes: tuple = ()  # why they were left out
    # (paired, failing) runs as discovery.json records them: a discovery read back has
    # no per-run effects (``effects`` is None; coprod.discover computes them again)
    counted: tuple[int, int] | None = None

    @property
    def runs(self) -> int:
        """Paired runs analysed."""
        return len(self.effects) if self.effects is not None else self.counted[0]

    @property
    def failing(self) -> int:
        """Paired runs that fail the aim."""
        return (int(self.effects.fails.sum()) if self.effects is not None
                else self.counted[1])

    @classmethod
    @read_back
    def read(cls, folder: Path) -> Discovery:
        """The discovery ``coprod discover`` (or :meth:`write`) left in ``folder``.

        Its boxes (``discovery.csv``) and record (``discovery.json``) through the bounded
        readers; the per-run effects and PRIM's trajectories are not written (None and
        empty).
        """
        from runtime.files import read_own_csv
        from runtime.manifests import Manifest

        record = Manifest.read(folder / "discovery.json", MADE_BY)
        boxes = read_own_csv(folder / "discovery.csv", MADE_BY, columns=COLUMNS[:8],
                             numeric=BOX_NUMERIC, bounds=BOX_BOUNDS)
        if "input" in boxes:
            boxes["input"] = boxes["input"].fillna("").astype(str)
        field = record.field
        paired = field("paired_runs", whole(1), "a whole number of runs, at least 1")
        failing = field("failing_runs", whole(1, paired - 1), "a whole number of runs "
                        f"from 1 to paired_runs - 1 ({paired - 1}): a discovery is made "
                        "only when some runs fail and some do not")
        return cls(field("scenario", _name, "a scenario's name"),
                   field("baseline", _name, "a scenario's name"),
                   field("outcome", SUMMARY.__contains__, "one of " + ", ".join(SUMMARY)),
                   field("rule", ("below", "above").__contains__, "below, above"),
                   float(field("limit", finite, "a finite number")),
                   float(field("threshold", lambda v: between(0, 1)(v) and v > 0,
                               "a density above 0 and at most 1")),
                   None, field("inputs", _names, "a list of input names", []),
                   field("constant_inputs", _names, "a list of input names", []), boxes,
                   unmatched=field("left_out_runs", whole(0), "a whole number of runs", 0),
                   notes=field("notes", texts, "a list of texts", []),
                   counted=(paired, failing))
    def describe_rule(self) -> str:
        """E.g. ``effect on share_together < 2 percentage points``."""
        unit = outcome(self.outcome).difference_unit()
        sign = "<" if self.rule == "below" else ">"
        return f"effect on {self.outcome} {sign} {self.limit:g} {unit}"

    def manifest(self, command: str = "coprod.discover()"):
        """The record ``discovery.json`` holds: what was searched, how, what was found."""
        from importlib.metadata import version

        from runtime.manifests import Manifest

        return Manifest.of(
            command=command, scenario=self.scenario, baseline=self.baseline,
            outcome=self.outcome, rule=self.rule, limit=self.limit,
            unit=outcome(self.outcome).difference_unit(), failure=self.describe_rule(),
            threshold=self.threshold, paired_runs=self.runs, failing_runs=self.failing,
            left_out_runs=self.unmatched, notes=list(self.notes), inputs=list(self.inputs),
            constant_inputs=list(self.constant),
            boxes=int(self.boxes.box.nunique()) if len(self.boxes) else 0,
            meets_threshold=bool(self.boxes.meets_threshold.all()) if len(self.boxes)
            else False,
            prim={"library": f"ema_workbench {version('ema-workbench')}",
                  "peel_alpha": PEEL_ALPHA, "paste_alpha": PASTE_ALPHA,
                  "mass_min": MASS_MIN, "max_boxes": MAX_BOXES, "objective": "lenient1",
                  "choice": "highest coverage with density >= threshold"})

    @writes
    def write(self, folder: Path, command: str = "coprod.discover()") -> list[str]:
        """Write ``discovery.csv``, ``discovery.png`` and ``discovery.json`` into ``folder``."""
        from runtime.files import atomic_write_frame

        atomic_write_frame(folder / "discovery.csv", self.boxes)
        plot_discovery(self, folder / "discovery.png")
        self.manifest(command).write(folder / "discovery.json")
        return list(OUTPUTS)


MADE_BY = "coprod discover"
# discovery.csv's numbers: shares of runs in 0 to 1, counts of runs and inputs.
BOX_NUMERIC = ("box", "coverage", "density", "mass", "runs", "failing_runs", "restricted")
BOX_BOUNDS = {"box": (1.0, MAX_BOXES), **dict.fromkeys(("coverage", "density", "mass"),
                                                       (0.0, 1.0)),
              **dict.fromkeys(("runs", "failing_runs", "restricted"), (0.0, 1e9))}


def _name(value) -> bool:
    from scenarios.spec import NAME_RE

    return isinstance(value, str) and NAME_RE.fullmatch(value) is not None


def _names(value) -> bool:
    return isinstance(value, list) and all(isinstance(n, str) and n in PARAMETERS
                                           for n in value)


def policy_effects(directory: Path, scenario: str, name: str, baseline: str = "baseline",
                   inside=None) -> tuple[pd.DataFrame, int, list[str]]:
    """Per paired run: the scenario's ``name`` minus the baseline's, in the shown unit.

    Returns the frame (``draw, replicate, seed, effect`` then the scenario's inputs), the
    number of the scenario's runs left out (no paired baseline run, a blank value or no
    inputs row) and notes saying why. ``inside``: the folder being written, when
    ``directory`` is in it.
    """
    directory = Path(directory)
    if name not in SUMMARY:
        raise UnknownNameError("outcome", name, SUMMARY, problem="unknown outcome")
    if scenario == baseline:
        raise InputError("scenario", scenario, "give a scenario other than the baseline "
                         "(its effect against itself is zero)")
    remake = _run_command(scenario, baseline, directory)
    ens = read_ensembles(directory, baseline, [scenario], remake=remake, inside=inside)
    for which in (scenario, baseline):
        if name not in ens.scenarios[which].values.columns:
            raise InputError(f"{directory / which}/outcomes.csv", name,
                             f"make it again with {remake}", problem="no values of outcome")
    inputs = ens.inputs(scenario)
    if inputs is None:
        raise InputError(f"{directory / scenario}/inputs.csv", scenario,
                         f"make it with {remake} (runs record their inputs since "
                         "assumption draws were added)", problem="missing file for")
    columns = [c for c in (*FREE, *ASSUMPTIONS) if c in inputs]
    if not columns:
        raise InputError(f"{directory / scenario}/inputs.csv: header",
                         ",".join(inputs.columns), "no parameter or assumption columns; "
                         f"make it again with {remake}")
    eff = ens.effects(scenario)
    notes = [n for n in (*ens.notes(), eff.note()) if n]
    effect = (eff.differences[name] * outcome(name).scale).dropna().rename("effect")
    merged = effect.reset_index().merge(inputs[[*KEY, *columns]], on=KEY, how="inner")
    if len(merged) < len(effect):
        notes.append(f"{len(effect) - len(merged)} paired run(s) of {scenario} have no row "
                     f"of the same draw, replicate and seed in its inputs.csv")
    return merged, eff.runs - len(merged), notes


def _prim_class():
    """The EMA Workbench's PRIM, imported only when discovery runs.

    Importing ``ema_workbench`` loads scikit-learn, statsmodels, seaborn and altair
    (about 3 s) and warns that the optional ipyparallel is missing (only its parallel
    evaluator needs it); that warning is silenced here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ipyparallel.*")
        from ema_workbench.analysis import prim
    return prim.Prim


def discover(directory: Path, scenario: str, name: str, *, below: float | None = None,
             above: float | None = None, baseline: str = "baseline",
             threshold: float = DENSITY_THRESHOLD, max_boxes: int = MAX_BOXES,
             inside=None) -> Discovery:
    """Find the boxes of inputs in which ``scenario`` fails its aim on outcome ``name``.

    ``inside``: the folder being written, when ``directory`` is in it.
    """
    if (below is None) == (above is None):
        raise InputError("below, above", (below, above), "give exactly one of them, a "
                         "number", problem="not one rule:")
    limit = below if below is not None else above
    if not np.isfinite(limit):
        raise InputError("below" if below is not None else "above", limit,
                         "allowed: a finite number")
    if not 0 < threshold <= 1:
        raise InputError("threshold", threshold, "allowed: a density above 0 and at most 1")
    effects, unmatched, notes = policy_effects(directory, scenario, name, baseline, inside)
    if effects.empty:
        raise InputError(str(Path(directory) / scenario), scenario, "no run pairs with a "
                         "baseline run; run both with "
                         + _run_command(scenario, baseline, directory),
                         problem="no paired runs for")
    rule = "below" if below is not None else "above"
    fails = (effects.effect < limit) if rule == "below" else (effects.effect > limit)
    effects = effects.assign(fails=fails.to_numpy())
    columns = [c for c in (*FREE, *ASSUMPTIONS) if c in effects]
    varying = tuple(c for c in columns if effects[c].nunique() > 1)
    constant = tuple(c for c in columns if c not in varying)
    d = Discovery(scenario, baseline, name, rule, float(limit), float(threshold), effects,
                  varying, constant, pd.DataFrame(columns=COLUMNS), unmatched=unmatched,
                  notes=tuple(notes))
    n_fail = d.failing
    if n_fail == 0 or n_fail == len(effects):
        word = "no run fails" if n_fail == 0 else "every run fails"
        raise CoprodError(f"{word} ({n_fail} of {len(effects)} paired runs have "
                          f"{d.describe_rule()}; effects range from "
                          f"{effects.effect.min():.3g} to {effects.effect.max():.3g}): there "
                          "are no conditions to find, and nothing was written")
    if not varying:
        raise InputError(f"{scenario}/inputs.csv", "no input varies", "run the ensemble "
                         "with more than one posterior or assumption draw", problem="nothing "
                         "to search over:")
    x = effects[list(varying)].astype(float).reset_index(drop=True)
    y = effects.fails.to_numpy(dtype=bool)
    prim = _prim_class()(x, y, peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA,
                         mass_min=MASS_MIN)
    rows, trajectories, chosen = [], [], []
    for number in range(1, max_boxes + 1):
        box = prim.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.reset_index(drop=True)
        good = traj[traj.density >= threshold]
        if good.empty:
            if number > 1:
                break  # a later box that never gets dense enough is not a condition
            i, meets = int(traj.density.idxmax()), False
        else:
            best = good[good.coverage == good.coverage.max()]
            i, meets = int(best.density.idxmax()), True
        box.select(i)
        trajectories.append(traj)
        chosen.append(i)
        rows += _box_rows(number, box, i, x, meets)
        if not meets:
            break
    boxes = pd.DataFrame(rows, columns=COLUMNS)
    return Discovery(scenario, baseline, name, rule, float(limit), float(threshold),
                     effects, varying, constant, boxes, trajectories, chosen, unmatched,
                     tuple(notes))


def _box_rows(number: int, box, i: int, x: pd.DataFrame, meets: bool) -> list[dict]:
    """The tidy rows of one box at trajectory point ``i``."""
    stats, lims = box.inspect(i, style="data")[0]
    common = {"box": number, "coverage": float(stats["coverage"]),
              "density": float(stats["density"]), "mass": float(stats["mass"]),
              "runs": int(stats["n"]), "failing_runs": int(stats["k"]),
              "restricted": int(stats["res_dim"]), "meets_threshold": meets}
    if lims.empty:
        return [{**common, "input": "", "kind": "", "low": np.nan, "high": np.nan,
                 "range_low": np.nan, "range_high": np.nan, "qp_low": np.nan,
                 "qp_high": np.nan}]
    rows = []
    for name, values in lims.iterrows():
        low, high, qp_low, qp_high = (float(v) for v in values.to_numpy())
        rows.append({**common, "input": name, "kind": PARAMETERS[name].kind,
                     "low": low, "high": high, "range_low": float(x[name].min()),
                     "range_high": float(x[name].max()), "qp_low": qp_low,
                     "qp_high": qp_high})
    return rows


BOX_COLOURS = ("#c0392b", "#1f5f8b", "#4a9c59")


def plot_discovery(d: Discovery, path: Path) -> Path:
    """Each box's limits against each restricted input's range; coverage vs density."""
    from calibration.fit_plots import new_figure, save_figure

    restricted = [n for n in dict.fromkeys(d.boxes.input) if n]
    fig, (left, right) = new_figure(1, 2, figsize=(13, max(3.5, 0.55 * len(restricted)
                                                             + 2)),
                                    gridspec_kw={"width_ratios": [1.4, 1]})
    nb = int(d.boxes.box.max()) if len(d.boxes) else 0
    for k, name in enumerate(restricted):
        lo, hi = d.effects[name].min(), d.effects[name].max()
        span = hi - lo or 1.0
        left.plot([0, 1], [k, k], color="#cccccc", lw=8, solid_capstyle="butt")
        spans = []
        for b in range(1, nb + 1):
            row = d.boxes[(d.boxes.box == b) & (d.boxes.input == name)]
            if row.empty:
                continue
            r = row.iloc[0]
            off = (b - (nb + 1) / 2) * 0.18
            left.plot([(r.low - lo) / span, (r.high - lo) / span], [k + off, k + off],
                      color=BOX_COLOURS[(b - 1) % 3], lw=4, solid_capstyle="butt",
                      label=f"box {b}" if k == 0 else None)
            spans.append(f"box {b}: {r.low:.3g} to {r.high:.3g}")
        left.text(-0.02, k, f"{name} ({PARAMETERS[name].kind})\nruns: {lo:.3g} to {hi:.3g}\n"
                  + "\n".join(spans), fontsize=7, ha="right", va="center")
    left.set_xlim(0, 1)
    left.set_ylim(-0.8, max(len(restricted), 1) - 0.2)
    left.invert_yaxis()
    left.set_yticks([])
    left.set_xlabel("position within the runs' range (grey: all runs)", fontsize=8)
    if not restricted:
        left.text(0.5, 0.5, "no box restricts any input", ha="center", va="center")
    left.set_title("Where the policy fails: each box's limits", fontsize=9)
    for b, (traj, i) in enumerate(zip(d.trajectories, d.chosen, strict=True), start=1):
        colour = BOX_COLOURS[(b - 1) % 3]
        right.plot(traj.coverage, traj.density, "o-", ms=3, lw=1, color=colour, alpha=0.6,
                   label=f"box {b}: peeling trajectory")
        right.plot(traj.coverage[i], traj.density[i], "*", ms=14, color=colour,
                   markeredgecolor="black",
                   label=f"box {b}: chosen (cov {traj.coverage[i]:.2f}, "
                   f"dens {traj.density[i]:.2f})")
    right.axhline(d.threshold, color="grey", ls="--", lw=1, label=f"density threshold "
                  f"{d.threshold:g}")
    right.set_xlim(0, 1.02)
    right.set_ylim(0, 1.02)
    right.set_xlabel("coverage (share of failing runs in the box)", fontsize=8)
    right.set_ylabel("density (share of the box's runs that fail)", fontsize=8)
    right.set_title("Coverage / density trade-off", fontsize=9)
    right.legend(fontsize=7, loc="lower left")
    right.grid(alpha=0.3)
    fig.suptitle(f"{d.scenario}: fails when {d.describe_rule()} against {d.baseline} "
                 f"({d.failing} of {d.runs} paired runs)", fontsize=10)
    return save_figure(fig, path)
