"""``coprod sensitivity``: Morris screening of the model's inputs.

Which inputs move the 2015 survey's shares, and (with --scenario) which move a policy's
effect: each input varies over its documented range (the free parameters over their
priors), the others at the calibrated model's values.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_seed, add_workers, examples, out_dir, seed_value
from sim.errors import InputError


def register(sub, name: str) -> None:
    """Add the ``sensitivity`` sub-command."""
    p = sub.add_parser(name, help="global sensitivity (SALib Morris) of shares to parameters",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples(
                           "coprod sensitivity --trajectories 20 --workers 2",
                           "coprod sensitivity --inputs all --scenario local_volunteer_policy "
                           "--trajectories 10 --workers 2"))
    p.add_argument("--trajectories", type=int, default=20,
                   help="Morris trajectories (runs = trajectories × (inputs + 1), twice that "
                   "with --scenario; default 20; 2 to 1000)")
    p.add_argument("--inputs", choices=("free", "assumptions", "all"), default="free",
                   help="which inputs vary: the free parameters (default), the assumptions, "
                   "or all of them with the inputs set from data")
    p.add_argument("--scenario", default=None, help="a shipped scenario or TOML file: screen "
                   "its effect on each outcome at its horizon (the last four weeks) instead of "
                   "the 2015 shares")
    add_seed(p)
    add_workers(p)
    p.add_argument("--out", default=None, help="output directory (default "
                   "out/sensitivity; made with its parents if missing)")


def run_command(args) -> int:
    """Run the Morris screening (the library writes the set), print the top drivers."""
    from coprod.pipeline import MAX_TRAJECTORIES, sensitivity

    seed = seed_value(args.seed)
    if not 2 <= args.trajectories <= MAX_TRAJECTORIES:
        raise InputError("--trajectories", args.trajectories,
                         f"allowed: 2 to {MAX_TRAJECTORIES}")
    out = out_dir(args.out, Path("out/sensitivity"))
    result = sensitivity(trajectories=args.trajectories, inputs=args.inputs,
                         scenario=args.scenario, rng=seed, workers=args.workers,
                         scheduler=args.scheduler, out=out,
                         command=getattr(args, "invocation", "coprod sensitivity"))
    what = (f"the effect of {result.scenario} on each outcome" if result.scenario
            else "the 18 shares of 2015 (0–1 scale)")
    print(f"Mean Morris μ* over {what}, per unit of each input's range:")
    for name, value in result.overall().items():
        print(f"  {name:26s} {value:.3g}")
    print(f"\nWrote {out}/sensitivity.csv, sensitivity.png, manifest.json")
    return 0
