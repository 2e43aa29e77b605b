"""``coprod simulate``: one run of the model, observed by the virtual survey."""

from __future__ import annotations

import argparse
import time

from coprod.common import add_seed, bounded, examples, parse_assignments, seed_value
from runtime.files import atomic_write_frame, check_out_dir, replaced_together
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest

MAX_STEPS = 2600  # fifty years, as for a scenario's horizon_weeks


def register(sub, name: str) -> None:
    """Add the ``simulate`` sub-command."""
    p = sub.add_parser(
        name, help="run the model once and print the simulated Table 2",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples("coprod simulate --seed 3 --out out/sim",
                        "coprod simulate --population norway --set policy_share=1 "
                        "--steps 260"),
    )
    add_seed(p)
    p.add_argument("--steps", type=bounded(0, MAX_STEPS), default=0, help="weeks to run "
                   f"after the 2015 snapshot (default 0: observe 2015; at most {MAX_STEPS}; "
                   "the model first spins up for spinup_weeks, 104 by default)")
    p.add_argument("--population", choices=("survey2015", "norway"), default="survey2015",
                   help="the 2015 survey's 50 municipalities (default) or all of Norway")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter (repeatable); see docs/ODD.md for names")
    p.add_argument("--out", help="write DIR/survey.csv, DIR/responses.csv (unit by unit), "
                   "DIR/timeseries.csv and "
                   "DIR/manifest.json")


def run_command(args) -> int:
    """Run the model and report."""
    seed = seed_value(args.seed)
    out = None if args.out is None else check_out_dir(args.out)
    overrides = parse_assignments(args.set, where="--set")
    # The model (Mesa, compiled kernels) loads only once the arguments are known good.
    import numpy as np

    from calibration.posterior import calibrated_parameters
    from sim import run

    # The calibrated model: the shipped posterior median, then the user's settings.
    params = {**calibrated_parameters(), **overrides}

    t0 = time.perf_counter()
    result = run(params, steps=args.steps, population=args.population, rng=seed)
    elapsed = time.perf_counter() - t0
    survey = result.survey.to_frame()
    print(f"{args.population}: spin-up to 2015, then {args.steps} weeks; seed {seed}, "
          f"{elapsed:.2f} s; "
          f"{result.survey.respondents} units answered the virtual survey")
    print(f"\n{'activity':24s} {'n':>4s} {'municipality':>13s} {'voluntary':>10s} "
          f"{'together':>9s} {'offered':>8s}")
    for row in survey.itertuples(index=False):
        def pct(x):
            return "   —" if not np.isfinite(x) else f"{100 * x:4.0f}%"
        print(f"{row.activity:24s} {row.n:4d} {pct(row.municipality):>13s} "
              f"{pct(row.voluntary):>10s} {pct(row.together):>9s} {pct(row.offered):>8s}")
    last = result.timeseries.iloc[-1]
    print(f"\nThe research question on this virtual survey's table: {result.coordination}"
          + ("" if args.steps == 0 else f" (at the 2015 snapshot: {result.coordination_2015})")
          + "; one run, one sample (see sim/classify.py)")
    print(f"Last week: {last.activities_per_week:.0f} activities, "
          f"{last.share_together:.0%} co-produced, {last.active_volunteers:,.0f} active "
          f"volunteers, {last.staff_hours:,.0f} staff hours coordinating, "
          f"mean trust {last.mean_trust:.2f}")
    if out:
        names = ("survey.csv", "responses.csv", "timeseries.csv", "manifest.json")
        with locked(out) as folder, replaced_together(out, names, inside=folder) as stage:
            atomic_write_frame(stage / "survey.csv", survey)
            # Unit by unit, as a real survey's file: 'coprod survey --data' reads it.
            atomic_write_frame(stage / "responses.csv", result.responses())
            atomic_write_frame(stage / "timeseries.csv", result.timeseries)
            write_manifest(stage / "manifest.json", manifest(
                command=getattr(args, "invocation", "coprod simulate"), seed=seed,
                steps=args.steps, population=args.population, parameters=result.params,
                coordination=result.coordination,
                coordination_2015=result.coordination_2015,
                elapsed_seconds=round(elapsed, 3)))
        print(f"\nWrote {out}/survey.csv, responses.csv, timeseries.csv and "
              "manifest.json")
    return 0
