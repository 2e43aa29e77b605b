"""``coprod demo`` runs the whole pipeline; ``coprod report`` renders the HTML report.

The demo: survey intervals → the shipped posterior's fit → every shipped scenario
(demo-sized ensembles) → comparison → report, all under one output directory.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from types import SimpleNamespace

from coprod import fit_cmd, scenario_cmds, survey_cmd
from coprod.common import add_seed, examples, seed_value

DEMO_DRAWS, DEMO_REPLICATES = 5, 4


def register_demo(sub, name: str) -> None:
    """Add ``demo``."""
    p = sub.add_parser(name, help="run the whole pipeline on the shipped defaults and write "
                       "the report", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod demo --out out/demo"))
    add_seed(p)
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="local worker processes (default: up to 2)")
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output directory")


def _step(number: int, text: str) -> float:
    print(f"\n== {number}/5 {text}", flush=True)
    return time.perf_counter()


def run_demo(args) -> int:
    """Run every stage, then print where the report is and what to read first."""
    from coprod.report import build_report, findings

    seed = seed_value(args.seed)
    out: Path = args.out
    t0 = _step(1, "Survey: Table 2 with bootstrap BCa intervals")
    survey_cmd.run(SimpleNamespace(data=None, reps=10_000, resample="activity", seed=seed,
                                   out=out / "survey"))
    _step(2, "Calibrated model against the survey (shipped posterior, 200 draws)")
    fit_cmd.run_command(SimpleNamespace(posterior=None, draws=200, seed=seed,
                                        workers=args.workers, scheduler=None,
                                        out=out / "fit"))
    _step(3, f"Scenarios: every shipped scenario, {DEMO_DRAWS} posterior draws × "
             f"{DEMO_REPLICATES} seeds over ten years")
    status = scenario_cmds.run_run(SimpleNamespace(
        scenarios=["all"], replicates=DEMO_REPLICATES, draws=DEMO_DRAWS, horizon=None,
        posterior=None, seed=seed, workers=args.workers, scheduler=None,
        out=out / "scenarios"))
    if status:
        return status
    _step(4, "Comparison with the baseline")
    scenario_cmds.run_compare(SimpleNamespace(out=out / "scenarios", baseline="baseline",
                                              seed=seed))
    _step(5, "Report")
    report = build_report(out)
    print(f"\nDone in {time.perf_counter() - t0:.0f} s.")
    print(f"Report: {report.resolve()}  (figures also in {out / 'figures'})\n")
    print("Read first:")
    for i, line in enumerate(findings(out), 1):
        print(f"  {i}. {line}")
    return 0


def register_report(sub, name: str) -> None:
    """Add ``report``."""
    p = sub.add_parser(name, help="render the HTML report from pipeline outputs",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod report --out out/demo"))
    p.add_argument("--out", type=Path, default=Path("out/demo"),
                   help="directory holding survey/, fit/ and scenarios/ (default out/demo)")


def run_report(args) -> int:
    """Render the report."""
    from coprod.report import build_report

    path = build_report(args.out)
    print(f"Wrote {path}")
    return 0


