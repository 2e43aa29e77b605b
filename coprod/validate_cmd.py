"""``coprod validate --leave-one-out``: out-of-sample prediction of Table 2.

For each of the six Table 2 activities: calibrate on the other five, predict the
left-out activity's three shares from posterior draws (90% predictive intervals), and
compare with the observed shares and with a naive predictor (each coordinator's share
pooled over the other five activities). Writes leave_one_out.csv and manifest.json;
each calibration is kept in DIR/<activity>/. The full study runs six calibrations at
the shipped settings (24 to 54 minutes each on 2 cores as measured for model version
4; --resume goes on from those finished); --quick runs small ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_study_options, examples, seed_value, study_out
from sim.errors import InputError


def register(sub, name: str) -> None:
    """Add the ``validate`` sub-command."""
    p = sub.add_parser(name, help="out-of-sample validation: leave one Table 2 activity "
                       "out, calibrate on the rest, predict it", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod validate --leave-one-out --quick --out out/loo",
                                       "coprod validate --leave-one-out --workers 2",
                                       "coprod validate --leave-one-out --resume --out "
                                       "out/validation"))
    p.add_argument("--leave-one-out", action="store_true", help="the study to run "
                   "(required; the only one so far)")
    add_study_options(p)
    p.add_argument("--out", default=None, help="output directory (default out/validation; "
                   "made with its parents if missing)")


def run_command(args) -> int:
    """Run the study (the library writes the table and manifest), print the summary."""
    from coprod.pipeline import validate

    if not args.leave_one_out:
        raise InputError("validate", "no study", "choose one: --leave-one-out",
                         problem="nothing to do:")
    seed = seed_value(args.seed)
    out = study_out(args, Path("out/validation"))
    summary = validate(quick=args.quick, rng=seed, workers=args.workers,
                       scheduler=args.scheduler, resume=args.resume, out=out,
                       command=getattr(args, "invocation",
                                       "coprod validate --leave-one-out")).summary
    print(f"Left-out shares inside their 90% predictive interval: "
          f"{summary['inside_predictive_90']} of {summary['shares']}"
          + (" (quick run: not a result)" if args.quick else ""))
    print(f"Mean absolute error: model {summary['mean_error']:.3f}, naive (pooled over the "
          f"other five) {summary['mean_naive_error']:.3f}; model closer in "
          f"{summary['model_beats_naive']} of {summary['shares']}")
    print(f"Wrote {out}/leave_one_out.csv, manifest.json")
    return 0
