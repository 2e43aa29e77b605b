"""``coprod calibrate``: ABC-SMC of the model's world to the observed Table 2.

Or to your own survey(s) (``--data``; several waves: the model runs from the first to the
last with the levers switching as recorded, and the distance uses every wave).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from coprod.common import (
    add_data,
    add_seed,
    add_workers,
    examples,
    load_waves,
    out_dir,
    seed_value,
)
from sim.errors import InputError


def register(sub, name: str) -> None:
    """Add the ``calibrate`` sub-command."""
    p = sub.add_parser(
        name, help="calibrate the model to Table 2 with ABC-SMC (pyabc, SQLite history)",
        description=__doc__ + "\nThe same seed gives the same posterior whatever "
        "--workers (candidates are seeded by their index); only a Dask cluster "
        "(--scheduler) is not reproducible.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples("coprod calibrate --quick --out out/cal",
                        "coprod calibrate --workers 2 --seed 7 --out out/cal",
                        "coprod calibrate --resume --out out/cal",
                        "coprod calibrate --data my_units.csv --quick --out out/mine",
                        "coprod calibrate --data wave2015 --data wave2025-synthetic "
                        "--out out/waves"))
    p.add_argument("--quick", action="store_true", help="a small run (under a minute) to "
                   "check the pipeline; not a usable posterior")
    add_seed(p)
    add_workers(p)
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    add_data(p, "the survey(s) to calibrate to")
    p.add_argument("--min-epsilon", type=float, default=None, metavar="EPS",
                   help="stop when the tolerance reaches EPS (0 to 100; default: the "
                   "survey's measured noise level, the median distance of two virtual "
                   "surveys of one world)")
    p.add_argument("--out", default=None,
                   help="output directory (default out/calibration; "
                   "made with its parents if missing)")


def run_command(args) -> int:
    """Calibrate, then write the posterior predictive fit and the manifest."""
    from calibration.history import resumable
    from coprod.pipeline import calibrate

    seed = seed_value(args.seed)
    if args.min_epsilon is not None and not (
            math.isfinite(args.min_epsilon) and 0 < args.min_epsilon <= 100):
        raise InputError("--min-epsilon", args.min_epsilon, "allowed: a number above 0, "
                         "at most 100")
    out = out_dir(args.out, Path("out/calibration"))
    db = out / "abc.db"
    if args.resume:  # refused before any lock
        resumable(db, "--resume")
    waves = load_waves(args)
    result = calibrate(waves, out=out, quick=args.quick, rng=seed, workers=args.workers,
                       scheduler=args.scheduler, resume=args.resume,
                       min_epsilon=args.min_epsilon,
                       command=getattr(args, "invocation", "coprod calibrate"))
    run, check = result.run, result.fit
    print(f"Calibrated to: {waves.describe()}")
    # A last generation pyabc gave up (its evaluation cap reached) is in the sampling
    # time but in no generation: said, so that the time per simulation is not misread.
    lost = (f" (and {run.simulations_given_up:,} of a generation given up at the "
            "evaluation cap)" if run.simulations_given_up else "")
    print(f"Calibration: {run.populations} generations, {run.simulations} "
          f"simulations{lost}, final epsilon {run.epsilons[-1]}, {run.wall_time_s:.0f} s "
          f"sampling, {result.manifest['wall_time_total_s']:.0f} s in all")
    _print_policy_widths(result.adjusted)
    for sentence in result.sentences:
        print(sentence)
    later = sorted(n for n in check.later if "wave" in n) + \
        sorted(n for n in check.later if n.startswith("fit_policy") and "wave" not in n)
    print(f"Wrote {out}/abc.db, posterior.csv, fit.csv, "
          + "".join(f"{name}, " for name in later)
          + "posterior_adjusted.csv, narrowing.csv, "
          + ("screening.csv, " if result.screening is not None else "")
          + "fit.png, posterior.png, fit_draws.json, manifest.json")
    return 0


def _print_policy_widths(adjusted) -> None:
    """The local policy's strengths: 90% widths, as particles and regression-adjusted.

    ``adjusted``: the calibration's ``posterior_adjusted.csv`` as written.
    """
    from sim.regime import POLICY_INPUTS

    if adjusted is None:
        return
    frame = adjusted.set_index("input")
    shown = [n for n in POLICY_INPUTS if n in frame.index and n != "policy_reading"]
    if shown:
        print("The local policy's strengths, 90% widths as shares of their prior range "
              "(particles -> regression-adjusted, posterior_adjusted.csv): "
              + "; ".join(f"{n} {frame.loc[n, 'raw_width_share']:.2f} -> "
                          f"{frame.loc[n, 'width_share']:.2f}" for n in shown))
