"""``coprod demo`` runs the whole pipeline and renders its report.

The demo: survey intervals (and the shipped SYNTHETIC second wave's) → the shipped
posterior's fit → every shipped scenario
(the shipped ensemble sizes) → comparison → report, all under one output directory.
"""

from __future__ import annotations

import argparse
import os
import shlex
import time
from pathlib import Path

from coprod.common import add_seed, bounded, examples, out_dir, seed_value


def register_demo(sub, name: str) -> None:
    """Add ``demo``."""
    p = sub.add_parser(name, help="run the whole pipeline on the shipped defaults and write "
                       "the report", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod demo --out out/demo"))
    add_seed(p)
    from runtime.pool import MAX_WORKERS

    p.add_argument("--workers", type=bounded(1, MAX_WORKERS),
                   default=min(2, os.cpu_count() or 1),
                   help=f"local worker processes (default: up to 2; at most {MAX_WORKERS})")
    p.add_argument("--out", default="out/demo", help="output directory")


def _step(number: int, text: str) -> float:
    print(f"\n== {number}/5 {text}", flush=True)
    return time.perf_counter()


def _invocation(*argv: str) -> str:
    """A stage's command line: what its manifest records (the command it is equal to)."""
    return shlex.join(["coprod", *argv])


def run_demo(args) -> int:
    """Run every stage, then print where the report is and what to read first.

    ``--out`` is made by the first stage that writes into it (each stage makes its own
    folder): a demo stopped before any result leaves no empty folder behind.
    """
    # Checked before any work: an existing file, a read-only folder or a package folder
    # is refused in one line.
    out: Path = out_dir(args.out, args.out)
    made = not out.exists()
    status = 1
    try:
        status = _run_stages(args, out)
    except KeyboardInterrupt as stop:  # say the stages already written, then what stopped
        from runtime.files import WRITTEN

        if WRITTEN:
            stop.kept = ("the stages before it were written whole (" + "; ".join(WRITTEN)
                         + "); of the stage it stopped in: " + (getattr(
                             stop, "kept", None) or "nothing was written"))
        raise
    finally:
        if made and status and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # nothing was written: the folder this demo would have made goes
    return status


def _run_stages(args, out: Path) -> int:
    """The stages, each a library call whose result is printed as its command prints it."""
    from coprod import pipeline
    from coprod.console import print_fit_check, print_survey
    from coprod.console_scenarios import print_comparison, print_run

    seed = seed_value(args.seed)
    t0 = _step(1, "Survey: Table 2 with bootstrap BCa intervals")
    survey = out / "survey"
    print_survey(pipeline.survey(reps=10_000, rng=seed, out=survey, command=_invocation(
        "survey", "--reps", "10000", "--seed", str(seed), "--out", str(survey))), survey)
    print("\n   and the shipped SYNTHETIC second wave (2025), as a second survey would be read",
          flush=True)
    wave = out / "second_wave"
    print_survey(pipeline.survey(
        "wave2025-synthetic", reps=2_000, resample="unit", rng=seed, out=wave,
        command=_invocation("survey", "--data", "wave2025-synthetic", "--resample", "unit",
                            "--reps", "2000", "--seed", str(seed), "--out", str(wave))),
        wave)
    _step(2, "Calibrated model against the survey (shipped posterior, 200 draws)")
    from calibration.posterior import load_posterior, posterior_surveys_note
    from calibration.waves import Waves

    fit, posterior, waves = out / "fit", load_posterior(), Waves.load(None)
    note = posterior_surveys_note(posterior, waves)
    if note:
        print(note, flush=True)
    check = pipeline.fit(posterior, draws=200, data=waves, rng=seed, workers=args.workers,
                         out=fit, command=_invocation(
                             "fit", "--draws", "200", "--seed", str(seed), "--workers",
                             str(args.workers), "--out", str(fit)))
    print_fit_check(check, posterior=posterior, draws=200, seed=seed, waves=waves,
                    data_given=False, out=fit)
    _step(3, "Scenarios: every shipped scenario at its shipped size (calibrated worlds × "
             "policy strengths × seeds) over ten years")
    scenarios = out / "scenarios"
    # The demo remakes its own folder whatever an earlier demo left there (force).
    ensemble = pipeline.run(
        ["all"], posterior=posterior, out=scenarios, rng=seed, workers=args.workers,
        force=True, say=lambda line: print(line, flush=True), command=_invocation(
            "run", "all", "--seed", str(seed), "--workers", str(args.workers), "--force",
            "--out", str(scenarios)))
    status = print_run(ensemble)
    if status:
        return status
    _step(4, "Comparison with the baseline")
    print_comparison(pipeline.compare(scenarios, rng=seed, command=_invocation(
        "compare", "--seed", str(seed), "--out", str(scenarios))), scenarios)
    _step(5, "Report")
    report = pipeline.report(out)
    print(f"\nDone in {time.perf_counter() - t0:.0f} s.")
    print(f"Report: {report.path.resolve()}  (figures also in {out / 'figures'})\n")
    print("Read first:")
    for i, line in enumerate(report.findings, 1):
        print(f"  {i}. {line}")
    return 0
