"""``coprod calibrate``: ABC-SMC of the model's world to the observed Table 2.

Or to your own survey(s) (``--data``; several waves: the model runs from the first to the
last with the levers switching as recorded, and the distance uses every wave).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from calibration.fit_check import FIT_OUTPUTS, FIT_PATTERNS
from coprod.common import (
    add_data,
    add_seed,
    add_workers,
    examples,
    load_waves,
    out_dir,
    seed_value,
)
from runtime.files import WRITTEN, read_own_json, replaced_together
from runtime.interrupts import interrupts_deferred
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest
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
    from calibration.abc import settings_dict
    from calibration.fit_check import check_fit

    seed = seed_value(args.seed)
    settings = None
    if args.min_epsilon is not None:
        import dataclasses
        import math

        from calibration.abc import DEFAULT, QUICK

        if not (math.isfinite(args.min_epsilon) and 0 < args.min_epsilon <= 100):
            raise InputError("--min-epsilon", args.min_epsilon, "allowed: a number above 0, "
                             "at most 100")
        settings = dataclasses.replace(QUICK if args.quick else DEFAULT,
                                       min_epsilon=args.min_epsilon)
    out = out_dir(args.out, Path("out/calibration"))
    db = out / "abc.db"
    if args.resume and not (db.is_file() or db.is_symlink()):  # refused before any lock
        raise InputError("--resume", str(db), "nothing to resume there: start a "
                         "calibration first (without --resume)", problem="missing calibration")
    waves = load_waves(args)
    t0 = time.perf_counter()
    with locked(out):
        result = _calibrate(args, out, seed, settings, waves)
        try:
            # The posterior as posterior.csv holds it, passed on rather than read back.
            posterior = result.posterior
            with replaced_together(out, (*FIT_OUTPUTS, *NARROWING_OUTPUTS),
                                   patterns=FIT_PATTERNS) as stage:
                said = write_narrowing(posterior, result.screening, stage, seed=seed)
                check = check_fit(posterior, draws=30 if args.quick else 200, rng=seed,
                                  workers=args.workers, scheduler=args.scheduler,
                                  reps=2_000 if args.quick else 10_000, waves=waves)
                check.write(stage)
                wall = time.perf_counter() - t0
                write_manifest(stage / "manifest.json", manifest(
                    command=getattr(args, "invocation", "coprod calibrate"), seed=seed,
                    workers=args.workers, scheduler=args.scheduler,
                    quick=args.quick, resumed=args.resume, wall_time_total_s=round(wall, 1),
                    fit=check.targets(), reproducible=not args.scheduler,
                    **settings_dict(result)))
        except KeyboardInterrupt as stop:
            if not WRITTEN:
                _drop_older_fit(out)
                stop.kept = (f"the calibration is finished and kept ({out}/abc.db, "
                             "posterior.csv); its fit and manifest were not written (those "
                             "of an earlier posterior were removed): --resume with the "
                             "same --out writes them")
            raise
    print(f"Calibrated to: {waves.describe()}")
    print(f"Calibration: {result.populations} generations, {result.simulations} "
          f"simulations, final epsilon {result.epsilons[-1]}, {result.wall_time_s:.0f} s "
          f"sampling, {wall:.0f} s in all")
    _print_policy_widths(result.adjusted)
    for sentence in said:
        print(sentence)
    later = sorted(n for n in check.later if "wave" in n) + \
        sorted(n for n in check.later if n.startswith("fit_policy") and "wave" not in n)
    print(f"Wrote {out}/abc.db, posterior.csv, fit.csv, "
          + "".join(f"{name}, " for name in later)
          + "posterior_adjusted.csv, narrowing.csv, "
          + ("screening.csv, " if result.screening is not None else "")
          + "fit.png, posterior.png, manifest.json")
    return 0


NARROWING_OUTPUTS = ("narrowing.csv", "screening.csv")


def write_narrowing(posterior, screening, stage: Path, *, seed: int) -> list[str]:
    """Write ``narrowing.csv`` and the screening with the test beside it; their sentences.

    ``narrowing.csv``: which inputs the survey narrowed
    (:func:`calibration.narrowing.posterior_narrowing`); ``screening`` (the calibration's
    ``screening.csv`` as written, None when it did not screen) gains the test's verdict
    per input (:func:`calibration.narrowing.annotate_screening`), so that "informative"
    is never read as "narrowed by the survey".
    """
    from calibration.narrowing import annotate_screening, posterior_narrowing, screening_sentence
    from runtime.files import atomic_write_frame

    narrowing = posterior_narrowing(posterior, rng=seed)
    atomic_write_frame(stage / "narrowing.csv", narrowing.frame)
    said = [narrowing.sentence()]
    if screening is not None:
        annotated = annotate_screening(screening, narrowing)
        atomic_write_frame(stage / "screening.csv", annotated)
        said.append(screening_sentence(annotated))
    return said


def _calibrate(args, out: Path, seed: int, settings, waves):
    """Run (or resume) the calibration; an early stop leaves no record of its surveys.

    ``surveys.json`` is written as a calibration starts; a stop before ``abc.db`` holds
    anything removes it again, so that "nothing was written" is true.
    """
    from calibration.abc import SURVEYS_FILE, calibrate

    surveys = out / SURVEYS_FILE
    had_surveys = surveys.exists() or surveys.is_symlink()
    if args.resume and had_surveys:  # a link (dangling too) or a folder: named, not skipped
        read_own_json(surveys, "coprod calibrate (a new calibration in another --out)")
    try:
        return calibrate(out, quick=args.quick, seed=seed, workers=args.workers,
                         scheduler=args.scheduler, resume=args.resume, settings=settings,
                         waves=waves)
    except BaseException:
        db = out / "abc.db"
        if not had_surveys and not (db.is_file() and db.stat().st_size):
            with interrupts_deferred():
                surveys.unlink(missing_ok=True)
        raise


def _drop_older_fit(out: Path) -> None:
    """Remove a fit and manifest made from an earlier posterior than the one in ``out``."""
    names = [*FIT_OUTPUTS, *(p.name for g in FIT_PATTERNS for p in out.glob(g))]
    with interrupts_deferred():
        (out / "manifest.json").unlink(missing_ok=True)
        for name in names:
            (out / name).unlink(missing_ok=True)


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
