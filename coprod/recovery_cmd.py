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
import math
from pathlib import Path

from coprod.common import add_study_options, bounded, examples, seed_value, study_out
from coprod.pipeline import MAX_TRUTHS


def register(sub, name: str) -> None:
    """Add the ``recovery`` sub-command."""
    p = sub.add_parser(name, help="parameter and policy-effect recovery on synthetic "
                       "surveys from known parameters", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod recovery --quick --truths 2 --out out/rec",
                                       "coprod recovery --workers 2",
                                       "coprod recovery --resume --out out/recovery"))
    p.add_argument("--truths", type=bounded(1, MAX_TRUTHS), default=20, help="true "
                   f"parameter sets drawn from the prior (default 20; 1 to {MAX_TRUTHS})")
    add_study_options(p)
    p.add_argument("--out", default=None, help="output directory (default out/recovery; "
                   "made with its parents if missing)")


def run_command(args) -> int:
    """Run the study (the library writes the tables and manifest), print the summaries."""
    from calibration.posterior import NOT_IDENTIFIED
    from coprod.pipeline import recovery
    from coprod.report_studies import coverage_sentence
    from studies.recovery import TABLES

    seed = seed_value(args.seed)
    out = study_out(args, Path("out/recovery"))
    study = recovery(truths=args.truths, quick=args.quick, rng=seed, workers=args.workers,
                     scheduler=args.scheduler, resume=args.resume, out=out,
                     command=getattr(args, "invocation", "coprod recovery"))
    note = " (quick run: not a result)" if args.quick else ""
    print(f"Coverage of the 90% intervals over all parameters and truths: "
          f"{study.coverage:.0%} of {len(study.parameters)}{note}")
    # Columns as wide as the longest name, so that every row's figures line up.
    width = max([len("parameter"), *(len(str(p)) for p in study.summary.parameter)])
    print(f"  {'parameter':{width}s} {'coverage':>8s}  {'bias':>7s}  relative width")
    for r in study.summary.itertuples(index=False):
        flag = "  <- not identified" if r.relative_width > NOT_IDENTIFIED else ""
        print(f"  {r.parameter:{width}s} {r.coverage:8.0%}  {r.bias:+7.3f}  "
              f"{r.relative_width:6.2f}{flag}")
    summary = study.summary
    print("  " + coverage_sentence(dict(zip(summary.parameter.astype(str), summary.coverage,
                                            strict=True)), int(summary.truths.max())))
    effects = [f"{r.scenario}: {r.outcome}" for r in study.policy_summary.itertuples()]
    width = max([len("policy effect (scenario: outcome)"), *map(len, effects)])
    print(f"  {'policy effect (scenario: outcome)':{width}s} {'coverage':>8s}  "
          "mean |error|  correlation")
    for name, r in zip(effects, study.policy_summary.itertuples(index=False), strict=True):
        if not r.truths:  # no truth gave this effect a number: nothing to say of it
            print(f"  {name:{width}s} {'—':>8s}  {'—':>12s}  {'—':>11s}")
            continue
        corr = f"{r.correlation:11.2f}" if math.isfinite(r.correlation) else f"{'—':>11s}"
        print(f"  {name:{width}s} {r.coverage:8.0%}  {r.mean_absolute_error:12.4g}  {corr}")
    print(f"Wrote {out}/{', '.join(TABLES)}, manifest.json")
    return 0
