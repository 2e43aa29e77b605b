"""``coprod recovery``: calibrate on synthetic surveys from known parameters.

Draws --truths parameter sets from the prior; for each, simulates a synthetic Table 2
with the virtual survey and calibrates on it exactly as the shipped posterior was made
(the shipped settings; --quick runs small calibrations). Writes, per parameter, the
coverage of the 90% credible intervals, the bias of the posterior median and the
interval's width relative to the prior (recovery.csv, recovery_summary.csv); and, for
every shipped scenario, the true policy effect against the one estimated from the
recovered posterior (policy_recovery.csv, policy_recovery_summary.csv). Each truth's
calibration and effects stay in DIR/truth_NN/; --resume reuses the finished ones.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from coprod.common import add_study_options, bounded, examples, seed_value, study_out
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest


def register(sub, name: str) -> None:
    """Add the ``recovery`` sub-command."""
    p = sub.add_parser(name, help="parameter and policy-effect recovery on synthetic "
                       "surveys from known parameters", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod recovery --quick --truths 2 --out out/rec",
                                       "coprod recovery --workers 2",
                                       "coprod recovery --resume --out out/recovery"))
    p.add_argument("--truths", type=bounded(1, 200), default=20, help="true parameter "
                   "sets drawn from the prior (default 20; 1 to 200)")
    add_study_options(p)
    p.add_argument("--out", default=None, help="output directory (default out/recovery; "
                   "made with its parents if missing)")


def run_command(args) -> int:
    """Run the study, write the tables and manifest, print the summaries."""
    from calibration.posterior import NOT_IDENTIFIED
    from studies.recovery import TABLES, run_recovery

    seed = seed_value(args.seed)
    out = study_out(args, Path("out/recovery"))
    t0 = time.perf_counter()
    with locked(out) as folder:
        study = run_recovery(out, truths=args.truths, quick=args.quick, seed=seed,
                             workers=args.workers, scheduler=args.scheduler,
                             resume=args.resume, inside=folder)
        write_manifest(out / "manifest.json", inside=folder, record=manifest(
            command=getattr(args, "invocation", "coprod recovery"), seed=seed,
            quick=args.quick, workers=args.workers, scheduler=args.scheduler,
            resumed=args.resume, reproducible=not args.scheduler,
            coverage_all_parameters=round(study.coverage, 3),
            wall_time_total_s=round(time.perf_counter() - t0, 1), **study.record))
    note = " (quick run: not a result)" if args.quick else ""
    print(f"Coverage of the 90% intervals over all parameters and truths: "
          f"{study.coverage:.0%} of {len(study.parameters)}{note}")
    print("parameter              coverage  bias     relative width")
    for r in study.summary.itertuples(index=False):
        flag = "  <- not identified" if r.relative_width > NOT_IDENTIFIED else ""
        print(f"  {r.parameter:20s} {r.coverage:8.0%}  {r.bias:+7.3f}  {r.relative_width:6.2f}"
              f"{flag}")
    print("policy effect (scenario: outcome)            coverage  mean |error|  correlation")
    for r in study.policy_summary.itertuples(index=False):
        print(f"  {r.scenario + ': ' + r.outcome:42s} {r.coverage:6.0%}  "
              f"{r.mean_absolute_error:10.4g}  {r.correlation:8.2f}")
    print(f"Wrote {out}/{', '.join(TABLES)}, manifest.json")
    return 0
