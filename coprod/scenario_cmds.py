"""``coprod scenarios``, ``coprod run`` and ``coprod compare``: policy what-ifs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from coprod.common import (
    add_data,
    add_seed,
    add_workers,
    examples,
    existing_folder,
    load_waves,
    out_dir,
    posterior_surveys_note,
    seed_value,
)
from scenarios.spec import load_many, load_scenario, shipped_names
from sim.errors import CoprodError, InputError
from sim.io import (
    atomic_write_frame,
    check_out_dir,
    locked,
    manifest,
    replaced_together,
    write_manifest,
)

DEFAULT_OUT = Path("out/scenarios")
COMPARE_OUTPUTS = ("comparison.csv", "differences.png", "shares.png", "timeseries.png",
                   "baseline_vs_observed.csv", "baseline_vs_observed.png", "attribution.csv",
                   "attribution.png", "snapshot_2015.csv", "policy_response.csv",
                   "policy_response.png", "effect_by_year.csv", "effect_by_year.png",
                   "comparison_manifest.json")


def register_list(sub, name: str) -> None:
    """Add ``scenarios``."""
    sub.add_parser(name, help="list the shipped scenarios", description=__doc__,
                   formatter_class=argparse.RawDescriptionHelpFormatter,
                   epilog=examples("coprod scenarios"))


def run_list(args) -> int:
    """Print one line per shipped scenario."""
    for name in shipped_names():
        s = load_scenario(name)
        first = s.description.replace("\n", " ").split(". ")[0]
        sets = ", ".join(f"{k}={v:g}" for k, v in s.overrides.items()) or "no changes"
        print(f"{name:28s} {sets:32s} {first}.")
    return 0


def register_run(sub, name: str) -> None:
    """Add ``run``."""
    p = sub.add_parser(name, help="run scenarios as ensembles over posterior draws × seeds",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod run baseline local_volunteer_policy --workers 2",
                                       "coprod run all --draws 5 --assumption-draws 5 "
                                       "--replicates 2",
                                       "coprod run my_scenario.toml --scheduler "
                                       "tcp://127.0.0.1:8786",
                                       "coprod run baseline local_volunteer_policy "
                                       "--municipality our_municipality.toml --out "
                                       "out/ours",
                                       "coprod run baseline local_volunteer_policy "
                                       "--data my_units.csv --posterior out/mine --out "
                                       "out/mine_scenarios"))
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO_OR_FILE",
                   help="shipped scenario names, TOML files, or 'all'")
    p.add_argument("--replicates", type=int, help="seeds per (posterior draw, assumption "
                   "draw) (overrides file; 1 to 1000)")
    p.add_argument("--draws", type=int, help="posterior draws (overrides file; 1 to 1000)")
    p.add_argument("--assumption-draws", type=int, help="draws of the uncertain assumptions "
                   "over their ranges (overrides file; 1 to 1000)")
    p.add_argument("--horizon", type=int, help="weeks to run (overrides file)")
    p.add_argument("--posterior", default=None, help="calibration directory (default: the "
                   "shipped posterior)")
    p.add_argument("--municipality", default=None, metavar="FILE", help="a TOML file "
                   "describing your municipality (inhabitants, nursing homes, home-care "
                   "districts, ...; see docs/examples/municipality.toml): it "
                   "takes the place of the municipality nearest its size in every run, "
                   "and its outcomes are reported as own:<outcome>")
    p.add_argument("--adopters", choices=("all", "own"), default="all",
                   help="who takes the scenario's flags: all (as the scenario says: every "
                   "municipality its levers reach) or own (your municipality alone, the "
                   "others keeping 2015's; needs --municipality and levers that are "
                   "shares of municipalities)")
    add_data(p, "the survey whose frame every run simulates (its units and "
             "municipalities in place of the 2015 sample's; not with --municipality)")
    add_seed(p)
    add_workers(p)
    p.add_argument("--out", default=None, help=f"output directory (default "
                   f"{DEFAULT_OUT}; made with its parents if missing)")
    p.add_argument("--resume", action="store_true", help="reuse the runs stored in --out "
                   "by an earlier, interrupted run with the same options; compute only the "
                   "missing ones")
    p.add_argument("--force", action="store_true", help="replace results in --out made "
                   "with another scenario content, seed, posterior or code version (the "
                   "old results stay until the new set is whole; the new runs wait in "
                   "<scenario>/.runs.new.sqlite meanwhile). Runs kept there by a run cut "
                   "short are never dropped silently: --resume (--force) with the options "
                   "they were made with continues them; --force drops them, saying so; "
                   "any other command is refused, naming these ways on")


def run_run(args) -> int:
    """Run the ensembles and report failures (finished runs are kept)."""
    seed = seed_value(args.seed)
    out = out_dir(args.out, DEFAULT_OUT)
    items = shipped_names() if args.scenarios == ["all"] else args.scenarios
    scenarios = [s.with_sizes(draws=args.draws, replicates=args.replicates,
                              horizon_weeks=args.horizon,
                              assumption_draws=args.assumption_draws)
                 for s in load_many(items)]
    if args.data and args.municipality is not None:
        raise InputError("--data", " ".join(args.data), "either --data (your survey's "
                         "frame) or --municipality (yours among the 2015 sample's), not both",
                         problem="not with --municipality:")
    waves = load_waves(args)
    if args.data:
        scenarios = [s.on_population(waves.population, "--data") for s in scenarios]
    if args.municipality is not None:
        from sim.municipality import load_municipality, population_name

        own = load_municipality(args.municipality)
        scenarios = [s.on_population(population_name(own), "--municipality")
                     for s in scenarios]
        print(f"Your municipality: {own.describe()}", flush=True)
    scenarios = adopters_own(scenarios, args.adopters, args.municipality is not None)
    if args.adopters == "own":
        print("--adopters own: your municipality alone takes the scenarios' flags; the "
              "others keep 2015's", flush=True)
    # The model and the ensemble machinery load once the scenario files are known good.
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles

    posterior = load_posterior(args.posterior)
    note = posterior_surveys_note(posterior, waves)
    if note:
        print(note + ("" if args.data else "; or give that survey with --data to run on its "
                      "frame"), flush=True)
    total = sum(s.runs for s in scenarios)
    print(f"Running {len(scenarios)} scenario(s), {total} runs, {args.workers} worker(s)"
          + (f" on Dask at {args.scheduler}" if args.scheduler else "") + f", seed {seed}",
          flush=True)
    result = run_ensembles(scenarios, posterior, out, seed=seed, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, force=args.force,
                           command=getattr(args, "invocation", "coprod run"),
                           surveys=waves.record(), replace=replaced_together)
    try:
        return _report_run(result, out)
    except KeyboardInterrupt as stop:
        # The runs are over and written: an interrupt now only cuts the summary short.
        stop.kept = f"every run had finished; the results are written in {out}"
        raise


def adopters_own(scenarios: list, adopters: str, has_own: bool) -> list:
    """The scenarios with ``adopters = own`` where they switch flags (``--adopters own``).

    Refused in one line without one's own municipality, or for a scenario whose levers
    act on every municipality (only shares of municipalities can reach one alone). A
    scenario that switches nothing (the baseline) is left as it is.
    """
    import dataclasses

    from sim.parameters import PARAMETERS

    if adopters != "own":
        return scenarios
    if not has_own:
        raise InputError("--adopters", "own", "your municipality alone needs it described: "
                         "give --municipality FILE", problem="nobody to adopt:")
    out = []
    for s in scenarios:
        levers = [k for k in s.overrides if k in PARAMETERS and PARAMETERS[k].kind == "lever"
                  and k != "adopters"]
        wide = [k for k in levers if not PARAMETERS[k].flag]
        if wide:
            flags = ", ".join(n for n, p in PARAMETERS.items() if p.flag)
            raise InputError("--adopters", "own", f"scenarios whose levers are shares of "
                             f"municipalities ({flags}); {s.name} sets {wide[0]}, which acts "
                             "on every municipality: run it with --adopters all",
                             problem="cannot reach one municipality alone:")
        out.append(dataclasses.replace(s, overrides={**s.overrides, "adopters": 1})
                   if levers else s)
    return out


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


def register_compare(sub, name: str) -> None:
    """Add ``compare``."""
    p = sub.add_parser(name, help="compare scenarios with the baseline, with intervals",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod compare --out out/scenarios",
                                       "coprod compare --data my_units.csv --out "
                                       "out/mine_scenarios"))
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="the directory 'coprod run' wrote (default out/scenarios)")
    p.add_argument("--baseline", default="baseline", help="scenario to compare against")
    add_data(p, "the survey the runs were made with ('coprod run --data'): the baseline's "
             "2015 snapshot is set against it")
    add_seed(p)


def run_compare(args) -> int:
    """Write comparison.csv, attribution.csv, baseline_vs_observed.csv and the figures.

    They are one set: all are computed and written under temporary names first, and
    replace the earlier set only when all are written (an error or Ctrl-C before that
    leaves the earlier files as they were).
    """
    seed = seed_value(args.seed)
    existing_folder(args.out, "--out", "the directory 'coprod run' wrote")
    check_out_dir(args.out)
    waves = load_waves(args)
    from scenarios.compare import compare_scenarios
    from scenarios.over_time import NOTE as OVER_TIME_NOTE

    with locked(args.out):
        _check_population(args, waves)
        comp = compare_scenarios(args.out, args.baseline, rng=seed,
                                 observed=waves.waves[0].table)
        notes = list(comp.notes)
        with replaced_together(args.out, COMPARE_OUTPUTS) as stage:
            written = _write_comparison(comp, args.out, stage, notes, waves)
            response = _write_policy_response(comp, args.out, stage, notes)
            if response is not None:
                written += ["policy_response.csv", "policy_response.png"]
            by_year = _write_over_time(comp, stage)
            written += by_year
            write_manifest(stage / "comparison_manifest.json", manifest(
                command=getattr(args, "invocation", "coprod compare"), seed=seed,
                baseline=comp.baseline, population=comp.population,
                scenarios=list(comp.table.scenario.unique()) if len(comp.table) else [],
                surveys=waves.record(), written=written, notes=notes, years=comp.years,
                run_manifests=comp.run_manifests, areas=comp.areas,
                **({"effect_by_year": OVER_TIME_NOTE} if by_year else {})))
            written.append("comparison_manifest.json")
    for name in comp.skipped:
        print(f"coprod compare: note: scenario {name} has no results (its runs failed, or "
              "were interrupted before its files were written: 'coprod run ... --resume' "
              "with the same options writes them); compared the others", file=sys.stderr)
    for note in notes:
        print(f"coprod compare: note: {note}", file=sys.stderr)
    _print_headline(comp)
    _print_over_time(comp)
    _print_readings(comp)
    if response is not None and response.sentence():
        print(f"\n{response.sentence()} (policy_response.csv and .png: per reading too)")
    print(f"\nWrote {args.out}/" + ", ".join(written))
    return 0


def _write_over_time(comp, stage: Path) -> list[str]:
    """``effect_by_year.csv`` and ``.png`` into ``stage`` (none when no run has years)."""
    from scenarios.over_time import write

    return [] if comp.over_time is None else write(comp.over_time, stage)


# The over-time sentences the console gives, per scenario: who coordinates and volunteers.
OVER_TIME_OUTCOMES = ("share_municipality", "share_voluntary", "share_together",
                      "per_1000:active_volunteers")


def _print_over_time(comp) -> None:
    """What "N years ahead" means, then how soon each effect shows and whether it lasts."""
    from scenarios.over_time import trajectory
    from sim.municipality import split_population_name

    print(f"\nTime: {comp.years}.")
    table = comp.over_time.table if comp.over_time is not None else None
    if table is None or table.empty:
        return
    _, own = split_population_name(comp.population)
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


def _write_policy_response(comp, out: Path, stage: Path, notes: list):
    """The local policy's effect by route strength (and reading), when it was compared.

    Written into ``stage`` (:func:`scenarios.policy_response.policy_response`); its notes
    join ``notes``. None when the local policy is not among the scenarios.
    """
    from scenarios.policy_response import POLICY, policy_response

    if POLICY not in set(comp.table.scenario) or POLICY == comp.baseline:
        return None
    response = policy_response(out, scenario=POLICY, baseline=comp.baseline)
    response.write(stage)
    notes += [f"policy response: {note}" for note in response.notes]
    return response


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


def _check_population(args, waves) -> None:
    """Refuse, in one line, runs made on another survey's frame than ``--data``'s."""
    from scenarios.effects import read_manifest
    from sim.municipality import describe_population
    from sim.sample_frame import is_frame_name

    path = args.out / args.baseline / "manifest.json"
    if not path.is_file():
        return  # compare_scenarios names what is missing
    runs = read_manifest(path).get("population") or "survey2015"
    if is_frame_name(runs) == is_frame_name(waves.population) and (
            not is_frame_name(runs) or runs == waves.population):
        return  # the 2015 sample, Norway or one's own municipality: the 2015 frame's
    made_on = " ".join(describe_population(runs).split())[:400]  # one line, if edited
    if not args.data:
        raise CoprodError(f"the runs in {args.out} were made on {made_on}: give that survey "
                          "with --data (the baseline is set against its observed table)")
    raise CoprodError(f"the runs in {args.out} were made on {made_on} but --data gives "
                      f"{waves.describe()}; run them with the same --data")


def _write_comparison(comp, out: Path, stage: Path, notes: list, waves=None) -> list[str]:
    """Write the set's files into ``stage``; return their names (``notes``: what is amiss).

    ``waves``: the survey the baseline was set against (its name goes in a figure's title).
    """
    import pandas as pd

    from scenarios.effects import read_manifest, read_timeseries_file
    from scenarios.scenario_plots import (
        plot_attribution,
        plot_differences,
        plot_shares,
        plot_timeseries,
    )

    atomic_write_frame(stage / "comparison.csv", comp.table)
    plot_differences(comp.table, comp.baseline, stage / "differences.png")
    plot_shares(comp.table, comp.baseline, stage / "shares.png")
    series = {}
    for name in comp.table.scenario.unique():
        path = out / name / "timeseries.csv"
        try:
            series[name] = read_timeseries_file(path, read_manifest(out / name /
                                                                    "manifest.json"))
        except (CoprodError, OSError) as err:
            notes.append(f"{path} could not be read ({str(err)[:300]}); its scenario has "
                         "no line in timeseries.png")
            series[name] = pd.DataFrame()  # a missing series only leaves a gap in a figure
    plot_timeseries(series, stage / "timeseries.png")
    written = ["comparison.csv", "differences.png", "shares.png", "timeseries.png"]
    if comp.attribution is not None and len(comp.attribution):
        atomic_write_frame(stage / "attribution.csv", comp.attribution)
        plot_attribution(comp.attribution, stage / "attribution.png")
        written += ["attribution.csv", "attribution.png"]
    if comp.baseline_fit is not None:
        from calibration.fit_plots import plot_fit

        atomic_write_frame(stage / "baseline_vs_observed.csv", comp.baseline_fit.shares)
        survey = ("the 2015 survey" if waves is None or waves.shipped_2015 else
                  f"{'SYNTHETIC ' if waves.waves[0].synthetic else ''}"
                  f"{_short(waves.waves[0].label)}")
        plot_fit(comp.baseline_fit.shares, stage / "baseline_vs_observed.png",
                 title=f"Baseline at the 2015 snapshot vs {survey}")
        written += ["baseline_vs_observed.csv", "baseline_vs_observed.png"]
    if comp.snapshot is not None:
        atomic_write_frame(stage / "snapshot_2015.csv", comp.snapshot)
        written.append("snapshot_2015.csv")
    return written


def _short(label: str, most: int = 48) -> str:
    """A survey's label short enough for a figure's title (its end: the file's name)."""
    label = " ".join(str(label).split())
    return label if len(label) <= most else "…" + label[-(most - 1):]


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
    from sim.municipality import describe_population, split_population_name
    from sim.outcomes import HEADLINE

    table = comp.table
    _, own = split_population_name(comp.population)
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
               f"In {describe_population(comp.population)}:")]
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
