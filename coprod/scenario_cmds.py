"""``coprod scenarios``, ``coprod run`` and ``coprod compare``: policy what-ifs."""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import (
    add_data,
    add_seed,
    add_workers,
    examples,
    existing_folder,
    load_waves,
    out_dir,
    seed_value,
)
from scenarios.spec import load_scenario, shipped_names
from sim.errors import InputError

DEFAULT_OUT = Path("out/scenarios")


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
    p.add_argument("--adopters", choices=("all", "own"), default=None,
                   help="who takes the scenarios' flags: all (every municipality their "
                   "levers reach) or own (your municipality alone, the others keeping "
                   "2015's; needs --municipality and levers that are shares of "
                   "municipalities); either overrides a scenario file's [set] adopters "
                   "(default: as each scenario says; all for the shipped ones)")
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
    from coprod.console_scenarios import print_run
    from coprod.pipeline import run

    seed = seed_value(args.seed)
    out = out_dir(args.out, DEFAULT_OUT)
    if args.data and args.municipality is not None:  # refused before the surveys are read
        raise InputError("--data", " ".join(args.data), "either --data (your survey's "
                         "frame) or --municipality (yours among the 2015 sample's), not both",
                         problem="not with --municipality:")
    waves = load_waves(args)
    result = run(args.scenarios, posterior=args.posterior, out=out, rng=seed,
                 draws=args.draws, replicates=args.replicates, horizon_weeks=args.horizon,
                 assumption_draws=args.assumption_draws, data=waves if args.data else None,
                 municipality=args.municipality, adopters=args.adopters,
                 workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                 force=args.force, command=getattr(args, "invocation", "coprod run"),
                 say=lambda line: print(line, flush=True))
    try:
        return print_run(result)
    except KeyboardInterrupt as stop:
        # The runs are over and written: an interrupt now only cuts the summary short.
        stop.kept = f"every run had finished; the results are written in {out}"
        raise


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
    from coprod.console_scenarios import print_comparison
    from coprod.pipeline import compare

    seed = seed_value(args.seed)
    existing_folder(args.out, "--out", "the directory 'coprod run' wrote")
    waves = load_waves(args)
    result = compare(args.out, baseline=args.baseline, data=waves if args.data else None,
                     rng=seed, command=getattr(args, "invocation", "coprod compare"))
    print_comparison(result, args.out)
    return 0
