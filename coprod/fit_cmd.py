"""``coprod fit``: posterior predictive check of simulated against observed Table 2.

Or against your own survey(s) (``--data``, as ``coprod calibrate`` reads them): the
virtual surveys then observe your survey's frame, and every later wave is checked too.
"""

from __future__ import annotations

import argparse
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
from coprod.pipeline import MAX_DRAWS
from sim.errors import InputError


def register(sub, name: str) -> None:
    """Add the ``fit`` sub-command."""
    p = sub.add_parser(
        name, help="posterior predictive fit: simulated vs observed shares with intervals",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples("coprod fit --out out/fit",
                        "coprod fit --posterior out/cal --draws 400 --workers 2",
                        "coprod fit --data my_units.csv --posterior out/mine --out "
                        "out/mine_fit"))
    p.add_argument("--posterior", default=None, help="a directory written by "
                   "'coprod calibrate' (default: the shipped posterior)")
    p.add_argument("--draws", type=int, default=200, help="posterior draws (default 200; "
                   "10 to 10000)")
    add_data(p, "the survey(s) to check the fit against")
    add_seed(p)
    add_workers(p)
    p.add_argument("--out", default=None, help="output directory (default out/fit; "
                   "made with its parents if missing)")


def run_command(args) -> int:
    """Check the fit and print how it measures up against the targets."""
    from calibration.posterior import load_posterior, posterior_surveys_note
    from coprod.console import print_fit_check
    from coprod.pipeline import fit

    seed = seed_value(args.seed)
    if not 10 <= args.draws <= MAX_DRAWS:
        raise InputError("--draws", args.draws, f"allowed: 10 to {MAX_DRAWS}")
    out = out_dir(args.out, Path("out/fit"))
    waves = load_waves(args)
    posterior = load_posterior(args.posterior)
    note = posterior_surveys_note(posterior, waves)
    if note:
        print(note, flush=True)
    check = fit(posterior, draws=args.draws, data=waves, rng=seed, workers=args.workers,
                scheduler=args.scheduler, out=out,
                command=getattr(args, "invocation", "coprod fit"))
    print_fit_check(check, posterior=posterior, draws=args.draws, seed=seed, waves=waves,
                    data_given=bool(args.data), out=out)
    return 0
