"""``coprod design``: what the next survey would tell, before the money is spent.

For candidate designs — the 2015 survey alone; a second wave of the same units in 2025 at
today's local-policy share (30%); the same wave with each unit's municipality's policy
recorded; a 2025 wave of twice as many units — estimates from synthetic truths drawn
from the shipped posterior (what the 2015 survey already says) how much each design
would narrow each calibrated input's posterior and each policy effect's 90% interval
(regression ABC on one reference table of worlds;
see studies/design.py). Writes design.csv (design, target, width now, expected width,
ratio and its spread over truths), reference.csv (the worlds: inputs, summaries,
effects), design.png and manifest.json. --quick: 600 worlds, the local volunteer policy
only (a few minutes on 2 cores); the full study: 4,000 worlds and every shipped policy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_seed, add_workers, examples, out_dir, seed_value
from runtime.files import atomic_write_frame, replaced_together
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest


def register(sub, name: str) -> None:
    """Add the ``design`` sub-command."""
    p = sub.add_parser(name, help="which survey would narrow what: expected posterior "
                       "widths under candidate designs", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod design --quick --out out/design",
                                       "coprod design --workers 2 --seed 2015",
                                       "coprod design --scheduler tcp://127.0.0.1:8786"))
    p.add_argument("--quick", action="store_true", help="600 worlds, the local volunteer "
                   "policy only (a few minutes on 2 cores)")
    add_seed(p)
    add_workers(p)
    p.add_argument("--resume", action="store_true", help="reuse the worlds finished in "
                   "--out (worlds.sqlite, kept as each finishes) and compute only the rest")
    p.add_argument("--out", default=None, help="output directory (default out/design; "
                   "made with its parents if missing)")


OUTPUTS = ("design.csv", "reference.csv", "design.png", "manifest.json")  # one set


def run_command(args) -> int:
    """Run the design study and write its files; print one sentence per policy."""
    from scenarios.spec import load_scenario, shipped_names
    from studies.design import (
        DESIGNS,
        FULL,
        QUICK,
        QUICK_POLICIES,
        WORLDS_STORE,
        WorldStore,
        plot_design,
        run_design,
        sentences,
        study_identity,
    )

    seed = seed_value(args.seed)
    out = out_dir(args.out, Path("out/design"))
    study = QUICK if args.quick else FULL
    names = QUICK_POLICIES if args.quick else [n for n in shipped_names() if n != "baseline"]
    policies = {n: load_scenario(n).overrides for n in names}
    print(f"Design study: {study.worlds:,} worlds from the shipped posterior, {len(policies)} "
          f"polic{'y' if len(policies) == 1 else 'ies'}, {args.workers} worker(s)"
          + (f" on Dask at {args.scheduler}" if args.scheduler else "") + f", seed {seed}",
          flush=True)
    with locked(out):
        store = WorldStore(out / WORLDS_STORE, study_identity(study, policies, seed),
                           resume=args.resume)
        reused = store.count()
        if reused:
            print(f"Reusing {reused:,} finished worlds of {study.worlds:,} "
                  f"({out / WORLDS_STORE})", flush=True)
        try:
            table, frame, elapsed = run_design(study, policies, rng=seed,
                                               workers=args.workers,
                                               scheduler=args.scheduler, store=store)
        except KeyboardInterrupt as stop:
            stop.kept = (f"{store.count():,} of {study.worlds:,} worlds are kept in "
                         f"{out / WORLDS_STORE}; 'coprod design --resume' with the "
                         "same options computes only the rest; the earlier design files "
                         "are unchanged")
            raise
        finally:
            store.close()
        with replaced_together(out, OUTPUTS) as stage:
            atomic_write_frame(stage / "reference.csv", table, float_format="%.8g")
            plot_design(frame, stage / "design.png")
            lines = sentences(frame)
            atomic_write_frame(stage / "design.csv", frame)
            write_manifest(stage / "manifest.json", manifest(
                command=getattr(args, "invocation", "coprod design"), seed=seed,
                quick=args.quick, workers=args.workers, scheduler=args.scheduler,
                worlds=study.worlds, truths=study.truths, neighbours=study.neighbours,
                designs=DESIGNS, policies={k: dict(v) for k, v in policies.items()},
                reproducible=True, elapsed_s=round(elapsed, 1), worlds_reused=reused))
    note = " (quick: 600 worlds; ratios move by about ±0.1 between seeds)" \
        if args.quick else ""
    print(f"Done in {elapsed:.0f} s{note}.")
    for line in lines:
        print("  " + line)
    print(f"Wrote {out}/design.csv, reference.csv, design.png, manifest.json")
    return 0
