"""``coprod sensitivity``: Morris screening of the model's inputs.

Which inputs move the 2015 survey's shares, and (with --scenario) which move a policy's
effect: each input varies over its documented range (the free parameters over their
priors), the others at the calibrated model's values.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_seed, add_workers, examples, out_dir, seed_value
from runtime.files import atomic_write_frame, replaced_together
from runtime.manifests import manifest, write_manifest
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


OUTPUTS = ("sensitivity.csv", "sensitivity.png", "manifest.json")  # replaced together


def run_command(args) -> int:
    """Run the Morris screening, write the table and heat map, print the top drivers."""
    from calibration.fit_plots import plot_sensitivity
    from calibration.posterior import calibrated_parameters
    from calibration.sensitivity import INPUT_GROUPS, morris
    from runtime.locks import locked
    from scenarios.spec import load_scenario

    seed = seed_value(args.seed)
    if not 2 <= args.trajectories <= 1000:
        raise InputError("--trajectories", args.trajectories, "allowed: 2 to 1000")
    scenario = load_scenario(args.scenario) if args.scenario else None
    out = out_dir(args.out, Path("out/sensitivity"))
    names = INPUT_GROUPS[args.inputs]
    policy = {k: v for k, v in scenario.overrides.items() if k not in names} \
        if scenario else None
    with locked(out) as folder, replaced_together(out, OUTPUTS, inside=folder) as stage:
        table = morris(args.trajectories, names=names, base=calibrated_parameters(),
                       policy=policy, steps=scenario.horizon_weeks if scenario else None,
                       rng=seed, workers=args.workers, scheduler=args.scheduler)
        atomic_write_frame(stage / "sensitivity.csv", table)
        plot_sensitivity(table, stage / "sensitivity.png")
        write_manifest(stage / "manifest.json", manifest(
            command=getattr(args, "invocation", "coprod sensitivity"), seed=seed,
            trajectories=args.trajectories,
            inputs=args.inputs, scenario=scenario.name if scenario else None,
            method="Morris elementary effects (SALib), common random numbers; others at "
                   "the calibrated model's values"))
    what = (f"the effect of {scenario.name} on each outcome" if scenario
            else "the 18 shares of 2015 (0–1 scale)")
    overall = table.groupby("parameter").mu_star.mean().sort_values(ascending=False)
    print(f"Mean Morris μ* over {what}, per unit of each input's range:")
    for name, value in overall.items():
        print(f"  {name:26s} {value:.3g}")
    print(f"\nWrote {out}/sensitivity.csv, sensitivity.png, manifest.json")
    return 0
