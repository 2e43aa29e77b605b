"""``coprod recovery``: calibrate on synthetic surveys from known parameters."""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_seed, add_workers, examples, out_dir, seed_value
from sim.errors import InputError
from sim.io import atomic_write_frame, manifest, write_manifest


def register(sub, name: str) -> None:
    """Add the ``recovery`` sub-command."""
    p = sub.add_parser(name, help="parameter recovery: coverage of 90%% intervals and "
                       "posterior narrowing", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod recovery --truths 4 --workers 2"))
    p.add_argument("--truths", type=int, default=4, help="true parameter sets "
                   "(default 4; 1 to 100)")
    add_seed(p)
    add_workers(p, scheduler=False)
    p.add_argument("--out", default=None, help="output directory (default out/recovery; "
                   "its parent folder must exist)")


def run_command(args) -> int:
    """Run the study and print coverage and narrowing per parameter."""
    from calibration.recovery import recover, summarise

    seed = seed_value(args.seed)
    if not 1 <= args.truths <= 100:
        raise InputError("--truths", args.truths, "allowed: 1 to 100")
    args.out = out_dir(args.out, Path("out/recovery"))
    frame = recover(args.out, truths=args.truths, rng=seed, workers=args.workers)
    summary = summarise(frame)
    atomic_write_frame(args.out / "recovery.csv", frame)
    atomic_write_frame(args.out / "recovery_summary.csv", summary)
    write_manifest(args.out / "manifest.json", manifest(
        command="coprod recovery", seed=seed, truths=args.truths))
    print("parameter              coverage(90%)  narrowing (posterior/prior width)")
    for r in summary.itertuples(index=False):
        flag = "  <- not identified" if r.narrowing > 0.8 else ""
        print(f"  {r.parameter:22s} {r.coverage:8.0%}  {r.narrowing:8.2f}{flag}")
    print(f"\nWrote {args.out}/recovery.csv, recovery_summary.csv")
    return 0
