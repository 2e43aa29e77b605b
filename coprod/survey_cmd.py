"""``coprod survey``: the observed Table 2 with BCa intervals and the paper's claims.

Also the research question's answer (divided, shared, municipal-dominant or the paper's
pattern) with its probability over the same bootstrap replicates. With --out:
bootstrap.csv, classes.csv (class, probability, observed, reps, resample),
classes_sensitivity.csv (the answer when each threshold moves; see calibration/classes.py),
classes_dropped.csv (the answer if the dropped "unsure"/"several" answers had all named one
coordinator: its bounds)
and manifest.json.
"""

from __future__ import annotations

import argparse

from coprod.common import add_seed, bounded, examples, once, seed_value


def register(sub, name: str) -> None:
    """Add the ``survey`` sub-command."""
    p = sub.add_parser(
        name, help="observed Table 2 with bootstrap BCa intervals and the paper's claims",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples("coprod survey --seed 1 --out out/survey",
                        "coprod survey --data my_units.csv --resample unit"),
    )
    from calibration.observed_survey import MAX_COUNT, MAX_FIELD, MAX_UNITS
    from runtime.files import MAX_INPUT_BYTES

    p.add_argument("--data", action=once(), help="your own survey CSV (aggregate or unit-level; "
                   f"at most {MAX_INPUT_BYTES:,} bytes, {MAX_UNITS:,} units, n up to "
                   f"{MAX_COUNT:,} per activity, cells up to {MAX_FIELD:,} characters); "
                   "a wave's TOML, or the shipped 'wave2025-synthetic'); default: the "
                   "paper's Table 2")
    p.add_argument("--reps", type=bounded(100, 100_000), default=10_000,
                   help="bootstrap replications (default 10000; 100 to 100000)")
    p.add_argument("--resample", choices=("activity", "unit"), default="activity",
                   help="resample units within activity (default) or whole units "
                   "(unit-level data only)")
    add_seed(p)
    p.add_argument("--out", help="write DIR/bootstrap.csv, DIR/classes.csv, "
                   "DIR/classes_sensitivity.csv and DIR/manifest.json")


def run(args) -> int:
    """Compute and print the intervals and claims; write files when ``--out`` is given."""
    from coprod.console import print_survey
    from coprod.pipeline import survey

    seed = seed_value(args.seed)
    study = survey(args.data, reps=args.reps, resample=args.resample, rng=seed,
                   out=args.out, command=getattr(args, "invocation", "coprod survey"))
    print_survey(study, args.out)
    return 0
