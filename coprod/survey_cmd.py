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
import math
import time

from coprod.common import add_seed, bounded, examples, once, seed_value
from runtime.files import atomic_write_frame, check_out_dir, replaced_together
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest

OUTPUTS = ("bootstrap.csv", "claims.csv", "classes.csv", "classes_sensitivity.csv",
           "classes_dropped.csv", "manifest.json")  # replaced together


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


def _pct(x: float) -> str:
    return f"{100 * x:4.0f}%"


def _interval(lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{'no interval':>11s}"
    return f"{_pct(lo)}–{_pct(hi)}"


def _points(lo: float, hi: float) -> str:
    """An interval of a difference in percentage points, or why there is none."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{'(no interval)':>16s}"
    return f"[{100 * lo:+6.1f}, {100 * hi:+6.1f}]"


def _dropped_bounds(table, observed_class: str, *, reps: int, rng):
    """The answer's bounds over the dropped answers, judged by the survey's own record.

    The paper's Table 2: its printed 0-35%; a unit-level file: its own dropped answers;
    an aggregate file: not bounded (it does not record them). Prints one sentence.
    """
    from dataclasses import replace

    import numpy as np

    from calibration.classes import dropped_answers_bounds
    from calibration.observed_survey import dropped_shares

    shares, where = dropped_shares(table)
    if where is None:
        print("  The file does not record its dropped answers (unsure / several services; "
              "an aggregate table): where they would have gone is not bounded.")
        empty = replace(table, dropped=np.zeros(len(table.activities), dtype=int))
        return dropped_answers_bounds(empty, reps=reps, rng=rng)
    bounds = dropped_answers_bounds(table, reps=reps, rng=rng)
    if shares is not None and not shares.any():
        print("  The file has no dropped answers (unsure / several services): the answer "
              "does not rest on them.")
        return bounds
    span = ("0-35% (the paper)" if shares is None else
            f"{shares.min():.0%}-{shares.max():.0%} (counted in the file)")
    moved = bounds[bounds["class"] != observed_class]
    print(f"  The survey dropped {span} of each activity's answers (unsure / several "
          "services); had they all named one coordinator: "
          + "; ".join(f"{r.case.removeprefix('all dropped answers named ')}: {r['class']} "
                      f"({r.probability:.0%})" for _, r in bounds.iloc[1:].iterrows())
          + (" - so the answer rests on where the dropped answers would have gone."
             if len(moved) else " - the answer holds whichever way."))
    return bounds


def run(args) -> int:
    """Compute and print the intervals and claims; write files when ``--out`` is given."""
    import pandas as pd

    from calibration.bootstrap import survey_bootstrap
    from calibration.claims import COLUMNS as CLAIM_COLUMNS
    from calibration.claims import check_claims
    from calibration.classes import observed_classes
    from calibration.observed_survey import UnitResponses, load_survey

    seed = seed_value(args.seed)
    if args.out is not None:
        args.out = check_out_dir(args.out)
    from calibration.waves import marked_synthetic, survey_file

    data_file, synthetic = survey_file(args.data)
    data = load_survey(data_file)
    synthetic = synthetic or marked_synthetic(getattr(data, "comments", ()))
    t0 = time.perf_counter()
    res = survey_bootstrap(data, reps=args.reps, rng=seed, resample=args.resample)
    # The same seed gives the same resampled tables as the bootstrap above.
    classes = observed_classes(data, reps=args.reps, rng=seed, resample=args.resample)
    elapsed = time.perf_counter() - t0
    table = data.to_table() if isinstance(data, UnitResponses) else data
    if synthetic:
        print("SYNTHETIC survey: made by the model, not observed (see its header)")
    print(f"Survey: {table.source}; {args.reps} bootstrap replications "
          f"({args.resample} resampling), seed {seed}, {elapsed:.2f} s")
    for note in table.notes:
        print(f"  note: {note}")
    print(f"\n{'activity':24s} {'n':>4s}  {'coordinator':13s} {'share':>6s}  "
          f"{'95% BCa':>13s}  {'99% BCa':>13s}")
    notes = []
    for name, est, l95, h95, l99, h99, note in res.to_frame().itertuples(index=False):
        if name.startswith("share:"):
            _, act, coord = name.split(":")
            n = table.n[table.rows([act])[0]]
            print(f"{act:24s} {n:4d}  {coord:13s} {_pct(est):>6s}  "
                  f"{_interval(l95, h95)}  {_interval(l99, h99)}")
        if note:
            notes.append(f"{name}: {note}")
    print("\nStatutory − non-statutory (percentage points):")
    for name, est, l95, h95, l99, h99, _ in res.to_frame().itertuples(index=False):
        if not name.startswith("share:"):
            # A star only where an interval exists (none: the reason is in the notes).
            stars = "".join("*" if res.significant(name, lv) else "" for lv in (0.95, 0.99))
            print(f"  {name:40s} {100 * est:+6.1f}  95% {_points(l95, h95)}"
                  f"  99% {_points(l99, h99)} {stars}")
    print("  (* significant at 95%, ** at 99%: 0 lies outside the interval; 'no interval': "
          "see the notes for why)")
    if notes:
        print("\nNotes:")
        for note in notes:
            print(f"  {note}")
    print("\nThe paper's claims (its sentences; how each is tested is the project's "
          "reading):")
    # With the survey itself, the Discussion's "control most of the coordination work"
    # is judged too (on the same resampled tables).
    checks = check_claims(res, data)
    for check in checks:
        print(f"  [{check.verdict.upper():12s} at {check.level:.0%}] \u201c{check.claim}\u201d "
              f"({check.where})\n      {check.evidence}")
        if check.scope:
            print(f"      for: {check.scope}")
        if check.note:
            print(f"      note: {check.note}")
    print(f"\n{classes.sentence()}")
    table = data.to_table() if hasattr(data, "to_table") else data
    bounds = _dropped_bounds(table, classes.observed, reps=min(args.reps, 2_000), rng=seed)
    if args.resample == "activity":
        print("  Resampling activities treats each answer as independent; one unit answers "
              "for several activities, so the probability is somewhat optimistic (unit-level "
              "data with --resample unit accounts for it).")
    if args.out:
        with locked(args.out), replaced_together(args.out, OUTPUTS) as stage:
            atomic_write_frame(stage / "bootstrap.csv", res.to_frame())
            # The claims as this survey judges them: the report states them from here.
            atomic_write_frame(stage / "claims.csv", pd.DataFrame(
                [vars(c) for c in checks], columns=list(CLAIM_COLUMNS)))
            atomic_write_frame(stage / "classes.csv", classes.to_frame())
            atomic_write_frame(stage / "classes_sensitivity.csv",
                               classes.sensitivity_frame())
            atomic_write_frame(stage / "classes_dropped.csv", bounds)
            write_manifest(stage / "manifest.json", manifest(
                command=getattr(args, "invocation", "coprod survey"), seed=seed,
                reps=args.reps, resample=args.resample,
                data=str(args.data or "shipped: Andfossen (2020) Table 2"),
                data_file=str(data_file or "shipped: Andfossen (2020) Table 2"),
                synthetic=synthetic,
                observed_class=classes.observed,
                observed_class_probability=classes.probabilities[classes.observed],
                elapsed_seconds=round(elapsed, 3)))
        path = args.out / "bootstrap.csv"
        print(f"\nWrote {path}, claims.csv, classes.csv, classes_sensitivity.csv, "
              "classes_dropped.csv and "
              f"{args.out / 'manifest.json'}")
    return 0
