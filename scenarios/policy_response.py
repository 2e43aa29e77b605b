"""The local policy's answer as a function of what is assumed: its effect by route strength.

The 2015 survey leaves the strengths of the local volunteer policy's routes (its
readings' strengths, clarity and participation: :data:`ROUTES`) nearly as wide as their
documented ranges
(:mod:`calibration.narrowing`), so the policy's effect is mostly what one assumes of
them. This module shows that dependence instead of averaging it away: from an ensemble
that already exists (each paired run's effect and the inputs its draw was given,
``inputs.csv``), for each route and each headline outcome, the runs are split into
:data:`BINS` equal bins of the route's documented range, and each bin gives the median
effect and the 90% band of the runs in it (every other input as drawn: the worlds the
survey accepts, the policy strengths, the seeds). A planner who believes a route is weak
reads off the low bins.

Where the draws carry a reading of the local policy (a ``policy_reading`` column, e.g.
division, sharing or control of tasks), every bin is given per reading as well as over
all readings (``reading = "all"``).

Because a bin holds the runs whose route strength fell in it, the other inputs in it are
those the posterior pairs with that strength: the answer is conditional on the belief,
as the survey would have it. A bin with fewer than :data:`MIN_WORLDS` distinct world
draws says so in its ``note``; its band is then mostly one world's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outcomes import HEADLINE
from sim.parameters import PARAMETERS
from sim.regime import POLICY_INPUTS

# The policy's strengths (each reading's, clarity, participation); a strength acts only
# under its reading, which the per-reading rows show.
ROUTES = tuple(n for n in POLICY_INPUTS if n != "policy_reading")

POLICY = "local_volunteer_policy"
READING = "policy_reading"  # a world input naming the policy's reading, when it exists
ALL = "all"
BINS = 4
MIN_WORLDS = 3
COLUMNS = ("scenario", "outcome", "route", "reading", "bin_low", "bin_high", "runs",
           "world_draws", "median", "low_90", "high_90", "note")


@dataclass(frozen=True)
class PolicyResponse:
    """The effect per route-strength bin (and reading), with how it was made."""

    frame: pd.DataFrame  # COLUMNS
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The table (``policy_response.csv``)."""
        return self.frame

    def write(self, directory: Path) -> list[Path]:
        """Write ``policy_response.csv`` and ``policy_response.png`` atomically."""
        from runtime.files import atomic_write_frame
        from scenarios.scenario_plots import plot_policy_response

        directory = Path(directory)
        csv = atomic_write_frame(directory / "policy_response.csv", self.frame)
        return [csv, plot_policy_response(self.frame, directory / "policy_response.png")]

    def sentence(self, outcome: str = "share_municipality") -> str:
        """Per route: the effect in its lowest and highest bins with runs (all readings)."""
        from sim.outcomes import outcome as registry

        rows = self.frame[(self.frame.outcome == outcome) & (self.frame.reading == ALL)]
        if rows.empty:
            return ""
        o = registry(outcome)
        parts = []
        for route, mine in rows.groupby("route", sort=False):
            mine = mine[mine.runs > 0].sort_values("bin_low")  # empty bins say nothing
            if mine.empty:
                continue
            lo, hi = mine.iloc[0], mine.iloc[-1]
            parts.append(f"{route.replace('_', ' ')} from {lo.bin_low:.2g}–{lo.bin_high:.2g}"
                         f" to {hi.bin_low:.2g}–{hi.bin_high:.2g}: {_change(lo, o)} to "
                         f"{_change(hi, o)}")
        return (f"The local policy's effect on '{o.label.lower()}' by what one assumes of "
                "each route (median and 90% of runs, from its weakest to its strongest "
                "quarter with runs): " + "; ".join(parts) + ".")


def _change(row, o) -> str:
    from scenarios.labels import signed  # a true minus sign, as every other number shown

    m, lo, hi = (signed(o.scale * v, 2) for v in (row["median"], row.low_90, row.high_90))
    return f"{m} {o.difference_unit()} (90% {lo} to {hi})"


def response(effects: pd.DataFrame, design: pd.DataFrame, *, scenario: str = POLICY,
             outcomes: tuple[str, ...] = HEADLINE, routes: tuple[str, ...] | None = None,
             bins: int = BINS) -> PolicyResponse:
    """Binned medians and 90% bands of each outcome's effect against each route.

    ``effects``: paired differences from the baseline (index ``draw, replicate, seed``,
    one column per outcome, :func:`scenarios.effects.paired_differences`); ``design``:
    the scenario's ``inputs.csv``. A route that does not vary among the runs (fixed by
    the scenario) or an outcome without values is named in a note.
    """
    from scenarios.effects import KEY

    routes = ROUTES if routes is None else routes
    frame = effects.reset_index().merge(design, on=KEY, suffixes=("", "_input"))
    notes = []
    readings = [ALL]
    if READING in frame:
        readings += sorted(frame[READING].astype(str).unique())
    rows = []
    for route in routes:
        if route not in frame or frame[route].nunique() < 2:
            notes.append(f"{route} does not vary among the runs of {scenario}: no response")
            continue
        low, high = PARAMETERS[route].low, PARAMETERS[route].high
        edges = np.linspace(low, high, bins + 1)
        which = np.clip(np.digitize(frame[route].to_numpy(float), edges[1:-1]), 0, bins - 1)
        for name in outcomes:
            if name not in frame:
                notes.append(f"{name}: no value in {scenario}")
                continue
            for reading in readings:
                mask = np.ones(len(frame), bool) if reading == ALL \
                    else (frame[READING].astype(str) == reading).to_numpy()
                for b in range(bins):
                    rows.append(_bin_row(frame[mask & (which == b)], name, scenario, route,
                                         reading, edges[b], edges[b + 1]))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return PolicyResponse(table, tuple(dict.fromkeys(notes)))


def _bin_row(runs: pd.DataFrame, name, scenario, route, reading, low, high) -> dict:
    values = runs[name].to_numpy(float)
    values = values[np.isfinite(values)]
    worlds = int(runs.posterior_draw.nunique()) if len(runs) else 0
    row = {"scenario": scenario, "outcome": name, "route": route, "reading": reading,
           "bin_low": float(low), "bin_high": float(high), "runs": len(values),
           "world_draws": worlds, "median": np.nan, "low_90": np.nan, "high_90": np.nan,
           "note": ""}
    if not len(values):
        row["note"] = "no run drew the route in this bin"
        return row
    lo, med, hi = np.quantile(values, [0.05, 0.5, 0.95])
    row.update({"median": float(med), "low_90": float(lo), "high_90": float(hi)})
    if worlds < MIN_WORLDS:
        row["note"] = (f"{worlds} world draw{'s' if worlds != 1 else ''} in this bin (fewer "
                       f"than {MIN_WORLDS}): the band is mostly one world's")
    return row


def policy_response(directory: Path, *, scenario: str = POLICY, baseline: str = "baseline",
                    bins: int = BINS, inside=None) -> PolicyResponse:
    """:func:`response` for ``scenario`` of the results folder ``directory``.

    ``inside``: the folder being written, when ``directory`` is in it.
    """
    from scenarios.effects import read_ensembles
    from sim.errors import InputError

    ens = read_ensembles(Path(directory), baseline, only=[scenario], inside=inside)
    design = ens.inputs(scenario)
    if design is None:
        raise InputError(str(Path(directory) / scenario / "inputs.csv"), "missing",
                         "the inputs each run was given; run the scenario again",
                         problem="no inputs for")
    return response(ens.effects(scenario).differences, design, scenario=scenario,
                    bins=bins)
