"""``coprod fit``: posterior predictive check of simulated against observed Table 2.

Or against your own survey(s) (``--data``, as ``coprod calibrate`` reads them): the
virtual surveys then observe your survey's frame, and every later wave is checked too.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from calibration.fit_check import FIT_OUTPUTS, FIT_PATTERNS
from coprod.common import (
    add_data,
    add_seed,
    add_workers,
    examples,
    load_waves,
    out_dir,
    posterior_surveys_note,
    seed_value,
)
from runtime.files import replaced_together
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest
from sim.errors import InputError

MAX_DRAWS = 10_000

if TYPE_CHECKING:
    pass


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
    from calibration.fit_check import check_fit
    from calibration.posterior import load_posterior

    seed = seed_value(args.seed)
    if not 10 <= args.draws <= MAX_DRAWS:
        raise InputError("--draws", args.draws, f"allowed: 10 to {MAX_DRAWS}")
    args.out = out_dir(args.out, Path("out/fit"))
    waves = load_waves(args)
    posterior = load_posterior(args.posterior)
    note = posterior_surveys_note(posterior, waves)
    if note:
        print(note, flush=True)
    with locked(args.out), replaced_together(args.out, FIT_OUTPUTS,
                                             patterns=FIT_PATTERNS) as stage:
        fit = check_fit(posterior, draws=args.draws, rng=seed, workers=args.workers,
                        scheduler=args.scheduler, waves=waves)
        written = fit.write(stage)
        write_manifest(stage / "manifest.json", manifest(
            command=getattr(args, "invocation", "coprod fit"), seed=seed, draws=args.draws,
            posterior=posterior.source,
            posterior_manifest=posterior.manifest.get("command", ""),
            workers=args.workers, scheduler=args.scheduler, fit=fit.targets(),
            surveys=waves.record()))
    print(f"Posterior: {posterior.source}; {args.draws} draws, seed {seed}")
    if not args.data:  # --data's survey was named as it was read
        print(f"Checked against: {waves.describe()}")
    print()
    print_fit(fit)
    print(f"\nWrote {args.out}/" + ", ".join([*written, "manifest.json"]))
    return 0


def print_fit(fit) -> None:
    """The check's table and how it measures up (a :class:`calibration.fit_check.FitCheck`)."""
    print(f"{'activity':22s} {'coordinator':13s} {'observed (95% BCa)':>22s} "
          f"{'simulated (90%)':>20s}  inside")
    for r in fit.shares.itertuples(index=False):
        obs = (f"{100 * r.observed:3.0f}% [{100 * r.low_95:3.0f}, {100 * r.high_95:3.0f}]"
               if r.low_95 == r.low_95 else f"{100 * r.observed:3.0f}% (no interval)")
        print(f"{r.activity:22s} {r.coordinator:13s} {obs:>22s} "
              f"{100 * r.sim_median:4.0f}% [{100 * r.sim_low_90:3.0f}, "
              f"{100 * r.sim_high_90:3.0f}]  {'yes' if r.inside else 'NO'}")
    t = fit.targets()
    shares, counts = len(fit.shares), len(fit.check.n)
    print(f"\nSimulated medians inside the observed 95% intervals: "
          f"{t['shares_median_inside_95']}/{shares} (target {shares})")
    print(f"Observed shares inside the 90% predictive intervals: "
          f"{t['shares_observed_inside_predictive_90']}/{shares} (target {shares})")
    print(f"Mean width of the 90% predictive intervals: {t['predictive_width_mean']:.2f} "
          f"(target <= {2 ** 0.5 * t['observed_width_mean']:.2f}: √2 × the observed 95% "
          "intervals' mean, the noise of two samples of one world)")
    print(f"Statutory - non-statutory differences inside: municipality "
          f"{t['pooled_diff_municipality_inside']}, voluntary {t['pooled_diff_voluntary_inside']}")
    print(f"Activity counts n inside their 90% predictive intervals: "
          f"{t['n_inside_predictive_90']}/{counts} (target {counts})")
    for kind, what in (("validation", "Validation (patterns the model could have missed)"),
                       ("consistency", "Consistency checks (follow from what was fitted "
                                       "or set)")):
        agree, of = fit.consistent(kind)
        print(f"{what}: {agree}/{of} consistent with what is known (see fit_validation.csv)")
    observed = fit.research_question()
    print(f"The research question: the table is {observed['class']} (bootstrap probability "
          f"{observed.table_probability:.0%}); the model's virtual surveys at "
          f"{fit.year} land there in {observed.model_probability:.0%} of "
          f"{int(observed.draws)} posterior draws (each one survey of "
          f"{fit.respondents:,} units: its noise included)")
