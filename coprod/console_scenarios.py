"""What the terminal shows of the scenario stages: an ensemble run and its comparison.

``coprod run``, ``coprod compare`` and the demo print the results of
:func:`coprod.pipeline.run` and :func:`coprod.pipeline.compare` through these functions
(:class:`scenarios.results.Ensemble`, :class:`scenarios.results.ComparisonResult`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def print_run(result) -> int:
    """Print what a finished ensemble wrote and which runs failed; the exit status."""
    return _report_run(result, result.folder)


def print_comparison(result, folder) -> None:
    """Print the comparison: what was left out, the headline, time, readings, files.

    ``folder``: where it was written (as the user named it).
    """
    comp = result.comparison
    for name in comp.skipped:
        print(f"coprod compare: note: scenario {name} has no results (its runs failed, or "
              "were interrupted before its files were written: 'coprod run ... --resume' "
              "with the same options writes them); compared the others", file=sys.stderr)
    for note in result.notes:
        print(f"coprod compare: note: {note}", file=sys.stderr)
    _print_headline(comp)
    _print_over_time(comp)
    _print_readings(comp)
    if result.response is not None and result.response.sentence():
        print(f"\n{result.response.sentence()} (policy_response.csv and .png: per reading too)")
    print(f"\nWrote {folder}/" + ", ".join(result.written))


def _report_run(result, out: Path) -> int:
    """Print what a finished ensemble wrote and which runs failed."""
    for note in result.notes:
        print(f"coprod run: note: {note}", file=sys.stderr)
    reused = f" ({result.reused} stored runs reused)" if result.reused else ""
    print(f"Done in {result.wall_time_s:.1f} s{reused}; wrote {out}/<scenario>/outcomes.csv, "
          "timeseries.csv, municipalities.csv, municipalities_by_year.csv, inputs.csv, "
          "manifest.json (each scenario's set replaced whole)")
    for name in result.empty:
        print(f"coprod run: error: scenario {name}: no run finished; {out / name} was left "
              "as it was", file=sys.stderr)
    if result.failures:
        # One summary and the first failure (with its seed and parameters: enough to
        # reproduce it), not a line per run; every failure is in the manifests.
        by_scenario: dict[str, int] = {}
        for failure in result.failures:
            name = str(failure.task.tag.get("scenario", "?"))
            by_scenario[name] = by_scenario.get(name, 0) + 1
        counts = ", ".join(f"{n} in {name}" for name, n in by_scenario.items())
        print(f"coprod run: error: {len(result.failures)} of {result.runs} runs failed "
              f"({counts}); the others are kept; 'coprod run ... --resume' with the same "
              "options retries only the failed ones; every failure is listed in its "
              "scenario's manifest.json", file=sys.stderr)
        print(f"coprod run: error: the first: {result.failures[0].describe()}",
              file=sys.stderr)
        return 1
    return 0


# The over-time sentences the console gives, per scenario: who coordinates and volunteers.
OVER_TIME_OUTCOMES = ("share_municipality", "share_voluntary", "share_together",
                      "per_1000:active_volunteers")


def _print_over_time(comp) -> None:
    """What "N years ahead" means, then how soon each effect shows and whether it lasts."""
    from scenarios.over_time import trajectory
    from sim.population_spec import PopulationSpec

    print(f"\nTime: {comp.years}.")
    table = comp.over_time.table if comp.over_time is not None else None
    if table is None or table.empty:
        return
    own = PopulationSpec.of(comp.population).municipality
    groups = [("own", f"In {own.name}")] if own is not None else []
    groups.append(("adopters", "In the adopters"))
    print("Year by year from the switch (effect_by_year.csv and .png; the paired change, "
          "median and 90% over runs):")
    rows = comp.table.set_index(["scenario", "outcome"])
    for name in dict.fromkeys(table.scenario):
        for group, where in groups:
            key = (name, "adopters:municipalities")
            if (group == "adopters" and own is not None and key in rows.index
                    and rows.loc[key, "median"] <= 1):
                continue  # the adopters are yours alone (--adopters own): said above
            for key in OVER_TIME_OUTCOMES:
                line = trajectory(table, name, group, key, where)
                if line:
                    print(f"    {line}.")


# The outcomes whose answer per reading of the local policy the console gives.
READING_OUTCOMES = ("share_municipality", "share_together", "per_1000:active_volunteers")


def _print_readings(comp) -> None:
    """The local policy's answer under each reading, then averaged by posterior weight."""
    from scenarios.compare import reading_lines
    from scenarios.labels import describe
    from scenarios.policy_response import POLICY

    for key in READING_OUTCOMES:
        for prefix in ("own:", "adopters:", ""):
            lines = reading_lines(comp.table, POLICY, prefix + key)
            if lines:
                break
        if not lines:
            continue
        label = describe(prefix + key, comp.population)
        print(f"\n{POLICY}, {label.label.lower()} ({label.of}), by the policy's reading "
              "(the paper leaves it open; each line says which it assumes):")
        for line in lines:
            print(f"    {line}")


# What the terminal shows of each group of rows, in this order.
HEADLINE_AREA = ("per_1000:active_volunteers", "per_1000:activities_per_week",
                 "nursing_home:share_together", "home_care:share_together",
                 "nursing_home:activities_per_unit", "home_care:activities_per_unit",
                 "per_1000:staff_hours")


def _line(r, baseline: bool) -> str:
    """One outcome: its label, level (median) and change against the baseline."""
    from scenarios.labels import change, decimals, fte, number, signed

    unit, scale = str(r["unit"]), float(r["scale"])
    level = (f"{r['median']:.0f} municipalities" if unit == "municipalities"  # a count
             else number(r["median"], unit, scale))
    if unit == "0–1":  # trust: its scale said with it
        level += " on the 0–1 scale"
    # The whole label, padded (a long one pushes its number along, never loses its end).
    text = f"    {r['label']!s:56s} {level:>24s}"
    staff = unit.startswith("hours per week") and not unit.endswith("inhabitants")
    if staff:
        text += f" ({fte(r['median']):,.1f} FTE)"
    low, high = r.get("low_90", np.nan), r.get("high_90", np.nan)
    if baseline and np.isfinite(low) and np.isfinite(high) and unit != "municipalities":
        bare = "%" if unit == "%" else ""  # the unit is the median's
        text += (f"   (90% of runs {number(low, bare, scale)} to "
                 f"{number(high, bare, scale)})")
    diff = r.get("diff_median", np.nan)
    if not baseline and np.isfinite(diff):
        text += "   " + change(diff, r["diff_low_90"], r["diff_high_90"], unit, scale)
        if staff:
            text += f" = {signed(fte(diff), decimals(fte(diff)))} FTE"
    return text


def _print_headline(comp) -> None:
    """The key outcomes per scenario, for all municipalities, adopters and one's own."""
    from scenarios.compare import NO_LINK, group_lines, own_lines
    from sim.outcomes import HEADLINE
    from sim.population_spec import PopulationSpec, describe_name

    table = comp.table
    own = PopulationSpec.of(comp.population).municipality
    if own is not None:
        # Your municipality first: who coordinates and volunteers, before and after.
        print(f"Your municipality, {own.name}, first:")
        for head, parts in own_lines(table, comp.baseline, own.name, comp.attribution,
                                     split=True):
            print(f"  {head}:")
            for part in parts:
                print(f"    {part}")
        print(f"  {NO_LINK}")
        # Then the steadier readings: the adopters, the municipalities like one's own.
        for line in group_lines(table, comp.baseline, comp.population,
                                comp.attribution):
            print(f"  {line}")
        print()
    print(f"At the horizon, median over runs; beside it the change against {comp.baseline}, "
          "paired run for run (median, 90% interval). Shares in %, changes in percentage "
          "points.")
    groups = [("", (*HEADLINE, *HEADLINE_AREA),
               f"In {describe_name(comp.population)}:")]
    if own is not None:
        groups.append(("own:", ("per_1000:active_volunteers", "active_volunteers",
                                "per_1000:activities_per_week", "share_together",
                                *HEADLINE_AREA[2:6], "staff_hours"),
                       f"In {own.name} alone ({own.inhabitants:,} inhabitants; one "
                       "municipality in a model of one survey: read the intervals):"))
    groups.append(("adopters:", ("municipalities", "per_1000:active_volunteers",
                                 "per_1000:activities_per_week", "share_together",
                                 *HEADLINE_AREA[2:6], "per_1000:staff_hours"),
                   "In the municipalities whose flag the scenario switched (adopters), "
                   f"against {comp.baseline} on the same municipalities:"))
    for name in table.scenario.unique():
        mine = table[table.scenario == name].set_index("outcome")
        print(f"\n{name}")
        for prefix, names, title in groups:
            wanted = [prefix + n for n in names if prefix + n in mine.index]
            if not wanted or (prefix == "adopters:" and name == comp.baseline):
                continue
            print(f"  {title}")
            for n in wanted:
                print(_line(mine.loc[n], name == comp.baseline))
