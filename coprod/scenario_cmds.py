"""``coprod scenarios``, ``coprod run`` and ``coprod compare``: policy what-ifs."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from coprod.common import add_seed, add_workers, examples, out_dir, seed_value
from coprod.outputs import replaced_together
from scenarios.spec import load_many, load_scenario, shipped_names
from sim.errors import CoprodError, InputError
from sim.io import atomic_write_frame, check_out_dir, locked, read_text_limited

DEFAULT_OUT = Path("out/scenarios")
COMPARE_OUTPUTS = ("comparison.csv", "differences.png", "shares.png", "timeseries.png",
                   "baseline_vs_observed.csv", "baseline_vs_observed.png", "attribution.csv",
                   "attribution.png")


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
                                       "tcp://127.0.0.1:8786"))
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
    add_seed(p)
    add_workers(p)
    p.add_argument("--out", default=None, help=f"output directory (default "
                   f"{DEFAULT_OUT}; its parent folder must exist)")
    p.add_argument("--resume", action="store_true", help="reuse the runs stored in --out "
                   "by an earlier, interrupted run with the same options; compute only the "
                   "missing ones")
    p.add_argument("--force", action="store_true", help="replace results in --out made "
                   "with another scenario content, seed, posterior or code version")


def run_run(args) -> int:
    """Run the ensembles and report failures (finished runs are kept)."""
    seed = seed_value(args.seed)
    out = out_dir(args.out, DEFAULT_OUT)
    items = shipped_names() if args.scenarios == ["all"] else args.scenarios
    scenarios = [s.with_sizes(draws=args.draws, replicates=args.replicates,
                              horizon_weeks=args.horizon,
                              assumption_draws=args.assumption_draws)
                 for s in load_many(items)]
    # The model and the ensemble machinery load once the scenario files are known good.
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles

    posterior = load_posterior(args.posterior)
    total = sum(s.runs for s in scenarios)
    print(f"Running {len(scenarios)} scenario(s), {total} runs, {args.workers} worker(s)"
          + (f" on Dask at {args.scheduler}" if args.scheduler else "") + f", seed {seed}",
          flush=True)
    result = run_ensembles(scenarios, posterior, out, seed=seed, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, force=args.force,
                           command=getattr(args, "invocation", "coprod run"))
    try:
        return _report_run(result, out)
    except KeyboardInterrupt as stop:
        # The runs are over and written: an interrupt now only cuts the summary short.
        stop.kept = f"every run had finished; the results are written in {out}"
        raise


def _report_run(result, out: Path) -> int:
    """Print what a finished ensemble wrote and which runs failed."""
    reused = f" ({result.reused} stored runs reused)" if result.reused else ""
    print(f"Done in {result.wall_time_s:.1f} s{reused}; wrote {out}/<scenario>/outcomes.csv, "
          "timeseries.csv, manifest.json")
    for name in result.empty:
        print(f"coprod run: error: scenario {name}: no run finished; {out / name} was left "
              "as it was", file=sys.stderr)
    if result.failures:
        for failure in result.failures:
            print(f"coprod run: error: {failure.describe()}", file=sys.stderr)
        print(f"coprod run: error: {len(result.failures)} of {result.runs} runs failed; "
              "the others are kept; 'coprod run ... --resume' with the same options "
              "retries only the failed ones", file=sys.stderr)
        return 1
    return 0


def register_compare(sub, name: str) -> None:
    """Add ``compare``."""
    p = sub.add_parser(name, help="compare scenarios with the baseline, with intervals",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod compare --out out/scenarios"))
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="the directory 'coprod run' wrote (default out/scenarios)")
    p.add_argument("--baseline", default="baseline", help="scenario to compare against")
    add_seed(p)


def run_compare(args) -> int:
    """Write comparison.csv, attribution.csv, baseline_vs_observed.csv and the figures.

    They are one set: all are computed and written under temporary names first, and
    replace the earlier set only when all are written (an error or Ctrl-C before that
    leaves the earlier files as they were).
    """
    seed = seed_value(args.seed)
    if not args.out.is_dir():
        raise InputError("--out", str(args.out), "give the directory 'coprod run' wrote",
                         problem="no such directory")
    check_out_dir(args.out)
    from scenarios.compare import compare_scenarios

    with locked(args.out):
        comp = compare_scenarios(args.out, args.baseline, rng=seed)
        notes = list(comp.notes)
        with replaced_together(args.out, COMPARE_OUTPUTS) as stage:
            written = _write_comparison(comp, args.out, stage, notes)
    for name in comp.skipped:
        print(f"coprod compare: note: scenario {name} has no results (every run failed); "
              "compared the others", file=sys.stderr)
    for note in notes:
        print(f"coprod compare: note: {note}", file=sys.stderr)
    _print_headline(comp)
    print(f"\nWrote {args.out}/" + ", ".join(written))
    return 0


def _write_comparison(comp, out: Path, stage: Path, notes: list) -> list[str]:
    """Write the set's files into ``stage``; return their names (``notes``: what is amiss)."""
    import pandas as pd

    from scenarios.effects import MAX_RESULTS_BYTES
    from scenarios.plots import (
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
            text = read_text_limited(path, limit=MAX_RESULTS_BYTES)
            series[name] = pd.read_csv(io.StringIO(text), dtype={"seed": "uint64"})
        except (CoprodError, OSError, ValueError, pd.errors.ParserError,
                pd.errors.EmptyDataError):
            notes.append(f"{path} could not be read; its scenario has no line in "
                         "timeseries.png")
            series[name] = pd.DataFrame()  # a missing series only leaves a gap in a figure
    plot_timeseries(series, stage / "timeseries.png")
    written = ["comparison.csv", "differences.png", "shares.png", "timeseries.png"]
    if comp.attribution is not None and len(comp.attribution):
        atomic_write_frame(stage / "attribution.csv", comp.attribution)
        plot_attribution(comp.attribution, stage / "attribution.png")
        written += ["attribution.csv", "attribution.png"]
    if comp.baseline_fit is not None:
        from calibration.plots import plot_fit

        atomic_write_frame(stage / "baseline_vs_observed.csv", comp.baseline_fit.shares)
        plot_fit(comp.baseline_fit.shares, stage / "baseline_vs_observed.png",
                 title="Baseline at the 2015 snapshot vs the 2015 survey")
        written += ["baseline_vs_observed.csv", "baseline_vs_observed.png"]
    return written


def _print_headline(comp) -> None:
    from sim.outcomes import HEADLINE

    key = comp.table[comp.table.outcome.isin(HEADLINE)]
    print(f"{'scenario':28s} {'outcome':18s} {'median':>10s} {'vs ' + comp.baseline:>28s}")
    for r in key.itertuples(index=False):
        diff = ("" if r.scenario == comp.baseline else
                f"{r.diff_median:+10.3g} [{r.diff_low_90:+.3g}, {r.diff_high_90:+.3g}]")
        print(f"{r.scenario:28s} {r.outcome:18s} {r.median:10.3g} {diff:>28s}")
