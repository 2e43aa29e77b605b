"""``coprod demo`` runs the whole pipeline; ``coprod report`` renders the HTML report.

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
from runtime.files import replaced_together

REPORT_OUTPUTS = ("report.html",)  # with every file of figures/: replaced together


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
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output directory")


def _step(number: int, text: str) -> float:
    print(f"\n== {number}/5 {text}", flush=True)
    return time.perf_counter()


def _command(*argv: str) -> int:
    """Run one ``coprod`` sub-command as the command line would (its own defaults)."""
    from coprod.commands import COMMANDS
    from coprod.main import build_parser

    args = build_parser().parse_args(list(argv))
    args.invocation = shlex.join(["coprod", *argv])
    return COMMANDS[args.command][1](args) or 0


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
    from coprod.report import build_report, findings, open_report

    seed = str(seed_value(args.seed))
    workers = str(args.workers)
    t0 = _step(1, "Survey: Table 2 with bootstrap BCa intervals")
    _command("survey", "--reps", "10000", "--seed", seed, "--out", str(out / "survey"))
    print("\n   and the shipped SYNTHETIC second wave (2025), as a second survey would be read",
          flush=True)
    _command("survey", "--data", "wave2025-synthetic", "--resample", "unit", "--reps",
             "2000", "--seed", seed, "--out", str(out / "second_wave"))
    _step(2, "Calibrated model against the survey (shipped posterior, 200 draws)")
    _command("fit", "--draws", "200", "--seed", seed, "--workers", workers,
             "--out", str(out / "fit"))
    _step(3, "Scenarios: every shipped scenario at its shipped size (calibrated worlds × "
             "policy strengths × seeds) over ten years")
    # The demo remakes its own folder whatever an earlier demo left there (--force).
    status = _command("run", "all", "--seed", seed, "--workers", workers, "--force",
                      "--out", str(out / "scenarios"))
    if status:
        return status
    _step(4, "Comparison with the baseline")
    _command("compare", "--seed", seed, "--out", str(out / "scenarios"))
    _step(5, "Report")
    from runtime.locks import locked

    with locked(out), replaced_together(out, REPORT_OUTPUTS, folders=("figures",)) as stage:
        inputs = open_report(out)  # every file read once, for the page and the findings
        report = build_report(out, into=stage, inputs=inputs)
    print(f"\nDone in {time.perf_counter() - t0:.0f} s.")
    print(f"Report: {report.resolve()}  (figures also in {out / 'figures'})\n")
    print("Read first:")
    for i, line in enumerate(findings(inputs), 1):
        print(f"  {i}. {line}")
    return 0


def register_report(sub, name: str) -> None:
    """Add ``report``."""
    p = sub.add_parser(name, help="render the HTML report from pipeline outputs",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod report --out out/demo",
                                       "coprod report --data my_units.csv --out out/mine"))
    p.add_argument("--out", type=Path, default=Path("out/demo"),
                   help="directory holding survey/, fit/ and scenarios/ (default out/demo)")
    from coprod.common import add_data

    add_data(p, "the survey the results were made from: the report names it, marks a "
             "SYNTHETIC one and says which part was made from another",
             default="default: the surveys the outputs' manifests record")


def run_report(args) -> int:
    """Render the report."""
    from coprod.common import existing_folder, load_waves
    from coprod.report import build_report, open_report, surveys_lines, surveys_summary
    from runtime.locks import locked

    existing_folder(args.out, "--out", "the folder 'coprod demo' wrote (with survey/, "
                    "fit/ and scenarios/) or one 'coprod run' wrote")
    waves = load_waves(args) if args.data else None
    # Every write confined to the folder (a linked figures/ too); report and figures
    # replaced together.
    with locked(args.out), replaced_together(args.out, REPORT_OUTPUTS,
                                             folders=("figures",)) as stage:
        inputs = open_report(args.out, waves)  # every file read once
        path = build_report(args.out, waves, into=stage, inputs=inputs)
        lines = surveys_lines(surveys_summary(inputs))
    for line in lines:
        print(line)
    print(f"Wrote {path}")
    return 0


