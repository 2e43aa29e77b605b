"""``coprod fit``: posterior predictive check of simulated against observed Table 2.

Or against your own survey(s) (``--data``, as ``coprod calibrate`` reads them): the
virtual surveys then observe your survey's frame, and every later wave is checked too.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

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
from coprod.outputs import replaced_together
from sim.errors import InputError
from sim.io import atomic_write_frame, locked, manifest, write_manifest

MAX_DRAWS = 10_000
# The fit's set of files, replaced together (coprod.outputs); the later waves' files and
# the local-policy split are members when written.
FIT_OUTPUTS = ("fit.csv", "fit_differences.csv", "fit_n.csv", "fit_validation.csv",
               "fit_classes.csv", "fit.png", "posterior.png", "manifest.json")
FIT_PATTERNS = ("fit_wave*.csv", "fit_policy*.csv")

if TYPE_CHECKING:
    from calibration.posterior import Posterior


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


def write_fit(posterior: Posterior, out: Path, *, draws: int, seed: int, workers: int = 1,
              scheduler: str | None = None, reps: int = 10_000, waves=None):
    """Run the predictive check and write fit.csv, fit_differences.csv, fit_n.csv, figures.

    ``waves`` (default the 2015 Table 2): the first wave's table is checked as Table 2
    is; every later wave's shares go to ``fit_wave<K>.csv`` and, where it recorded each
    unit's local policy, the answers pooled by policy to ``fit_policy_wave<K>.csv``.
    """
    from calibration.fit_plots import plot_fit, plot_posterior
    from calibration.predictive_check import (
        SHARE_COLUMNS,
        compare,
        policy_fit,
        predictive_classes,
        predictive_runs,
        survey_counts,
        validation,
    )
    from calibration.waves import Waves

    waves = waves or Waves.load(None)
    first = waves.waves[0].table
    runs = predictive_runs(posterior, draws=draws, rng=seed, workers=workers,
                           scheduler=scheduler, waves=waves)
    check = compare(survey_counts(runs), first, reps=reps, rng=seed)
    atomic_write_frame(out / "fit_validation.csv", validation(runs, first))
    atomic_write_frame(out / "fit_classes.csv", predictive_classes(runs, first, reps=reps,
                                                                   rng=seed))
    for k, wave in enumerate(waves.waves):
        if not k and wave.by_policy is None:
            continue  # the first wave's table is fit.csv's
        surveys = [r.waves[k] for r in runs]  # (its virtual survey, respondents' policy)
        if k:
            later = compare(np.stack([s.counts for s, _ in surveys]), wave.table,
                            reps=reps, rng=seed)
            atomic_write_frame(out / f"fit_wave{k}.csv", later.shares[SHARE_COLUMNS])
        if wave.by_policy is not None:
            atomic_write_frame(out / f"fit_policy{f'_wave{k}' if k else ''}.csv",
                               policy_fit(wave.by_policy, surveys))
    atomic_write_frame(out / "fit.csv", check.shares[SHARE_COLUMNS])
    atomic_write_frame(out / "fit_differences.csv", check.differences)
    atomic_write_frame(out / "fit_n.csv", check.n)
    plot_fit(check.shares, out / "fit.png")
    plot_posterior(posterior.particles, posterior.weights, out / "posterior.png")
    return check


def respondents(waves) -> int:
    """Units answering one virtual survey of the first wave's frame."""
    from sim.frame import SURVEY_2015

    frame = waves.waves[0].frame
    if frame is None:
        return SURVEY_2015.units_responded
    return int(sum(frame.respondent_types().values()))


def extra_files(out: Path, waves) -> list[str]:
    """The later waves' and the local-policy split's files ``write_fit`` wrote."""
    names = [f"fit_wave{k}.csv" for k in range(1, len(waves.waves))]
    names += [f"fit_policy{f'_wave{k}' if k else ''}.csv"
              for k, wave in enumerate(waves.waves) if wave.by_policy is not None]
    return [n for n in names if (out / n).is_file()]


def run_command(args) -> int:
    """Check the fit and print how it measures up against the targets."""
    import pandas as pd

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
        check = write_fit(posterior, stage, draws=args.draws, seed=seed,
                          workers=args.workers, scheduler=args.scheduler, waves=waves)
        write_manifest(stage / "manifest.json", manifest(
            command=getattr(args, "invocation", "coprod fit"), seed=seed, draws=args.draws,
            posterior=posterior.source,
            posterior_manifest=posterior.manifest.get("command", ""),
            workers=args.workers, scheduler=args.scheduler, fit=check.targets(),
            surveys=waves.record()))
    print(f"Posterior: {posterior.source}; {args.draws} draws, seed {seed}")
    if not args.data:  # --data's survey was named as it was read
        print(f"Checked against: {waves.describe()}")
    print()
    print(f"{'activity':22s} {'coordinator':13s} {'observed (95% BCa)':>22s} "
          f"{'simulated (90%)':>20s}  inside")
    for r in check.shares.itertuples(index=False):
        obs = (f"{100 * r.observed:3.0f}% [{100 * r.low_95:3.0f}, {100 * r.high_95:3.0f}]"
               if r.low_95 == r.low_95 else f"{100 * r.observed:3.0f}% (no interval)")
        print(f"{r.activity:22s} {r.coordinator:13s} {obs:>22s} "
              f"{100 * r.sim_median:4.0f}% [{100 * r.sim_low_90:3.0f}, "
              f"{100 * r.sim_high_90:3.0f}]  {'yes' if r.inside else 'NO'}")
    t = check.targets()
    shares, counts = len(check.shares), len(check.n)
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
    checks = pd.read_csv(args.out / "fit_validation.csv")
    for kind, what in (("validation", "Validation (patterns the model could have missed)"),
                       ("consistency", "Consistency checks (follow from what was fitted "
                                       "or set)")):
        mine = checks[checks.kind == kind]
        print(f"{what}: {int(mine.consistent.sum())}/{len(mine)} consistent with what is "
              "known (see fit_validation.csv)")
    classes = pd.read_csv(args.out / "fit_classes.csv")
    observed = classes[classes.observed == 1].iloc[0]
    print(f"The research question: the table is {observed['class']} (bootstrap probability "
          f"{observed.table_probability:.0%}); the model's virtual surveys at "
          f"{waves.waves[0].year} land there in {observed.model_probability:.0%} of "
          f"{int(observed.draws)} posterior draws (each one survey of "
          f"{respondents(waves):,} units: its noise included)")
    extra = "".join(f"{name}, " for name in extra_files(args.out, waves))
    print(f"\nWrote {args.out}/fit.csv, fit_differences.csv, fit_n.csv, fit_validation.csv, "
          f"fit_classes.csv, {extra}fit.png, posterior.png, manifest.json")
    return 0
