"""``coprod discover``: the conditions under which a policy fails its aim (PRIM).

The policy's effect on each run is the scenario's outcome minus the baseline's on the
paired run (same posterior draw, assumption draw and seed), in the unit the outcome is
shown in (percentage points for shares). A run fails when the effect is below X
(--below X) or above X (--above X). PRIM finds boxes over the runs' inputs (calibrated
parameters and assumptions, from inputs.csv) where most runs fail. Writes
DIR/SCENARIO/discovery.csv (one row per box and restricted input, with the box's
coverage, density and mass), discovery.png and discovery.json (the manifest).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from coprod.common import examples, existing_folder
from scenarios.thresholds import DENSITY_THRESHOLD

DEFAULT_OUT = Path("out/scenarios")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; allowed: a number, "
                                         "e.g. 2 or -0.5") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"invalid value {text!r}; allowed: a finite number")
    return value


def _density(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"invalid value {value:g}; allowed: above 0 and "
                                         "at most 1")
    return value


def register(sub, name: str) -> None:
    """Add ``discover``."""
    p = sub.add_parser(
        name, help="find the conditions under which a policy fails its aim (PRIM)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples(
            "coprod run baseline local_volunteer_policy --out out/scenarios",
            "coprod discover local_volunteer_policy --outcome share_together --below 2",
            "coprod discover recruitment_drive --outcome active_volunteers --below 0 "
            "--out out/scenarios --threshold 0.7"))
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario folder in --out")
    p.add_argument("--outcome", required=True, metavar="NAME",
                   help="the outcome the policy aims at, e.g. share_together")
    rule = p.add_mutually_exclusive_group(required=True)
    rule.add_argument("--below", type=_number, metavar="X", help="a run fails when the "
                      "effect is below X (in the outcome's unit: percentage points for "
                      "shares)")
    rule.add_argument("--above", type=_number, metavar="X", help="a run fails when the "
                      "effect is above X")
    p.add_argument("--baseline", default="baseline", help="scenario the effect is measured "
                   "against (default baseline)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="the directory 'coprod "
                   "run' wrote (default out/scenarios); results go to OUT/SCENARIO/")
    p.add_argument("--threshold", type=_density, default=DENSITY_THRESHOLD,
                   help="the density a box must reach: the share of its runs that fail "
                   f"(default {DENSITY_THRESHOLD:g})")


def run_command(args) -> int:
    """Run PRIM and write discovery.csv, discovery.png and discovery.json.

    The three are one set: they replace an earlier discovery only when all are written;
    a refused or interrupted discovery leaves the earlier one as it was.
    """
    from coprod.pipeline import discover

    folder = existing_folder(args.out, "--out", "the directory 'coprod run' wrote")
    d = discover(folder, args.scenario, args.outcome, below=args.below, above=args.above,
                 baseline=args.baseline, threshold=args.threshold,
                 command=getattr(args, "invocation", "coprod discover"))
    if d.unmatched:
        print(f"coprod discover: note: {d.unmatched} of {d.unmatched + d.runs} runs of "
              f"{args.scenario} left out", file=sys.stderr)
    for note in d.notes:
        print(f"coprod discover: note: {note}", file=sys.stderr)
    _print(args, d, folder / args.scenario)
    return 0


def _print(args, d, folder: Path) -> None:
    from scenarios.discovery import OUTPUTS

    print(f"{args.scenario}: {d.failing} of {d.runs} paired runs fail "
          f"({d.describe_rule()}).")
    for b, rows in d.boxes.groupby("box"):
        r = rows.iloc[0]
        limits = "; ".join(f"{x.input} {x.low:.3g} to {x.high:.3g}"
                           for x in rows.itertuples() if x.input) or "no restriction"
        flag = "" if r.meets_threshold else f" (below the density threshold {d.threshold:g})"
        print(f"  box {b}: coverage {r.coverage:.2f}, density {r.density:.2f}, mass "
              f"{r.mass:.2f}, {r.runs} runs{flag}: {limits}")
    print(f"Wrote {folder}/" + ", ".join(OUTPUTS))
