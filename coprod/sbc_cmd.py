"""``coprod sbc``: a cheap check that the calibrated estimator's intervals mean what they say.

Simulation-based calibration (see studies/sbc.py): draws --truths truths and
--reference reference worlds from the shipped posterior (each world with its own seed,
run to 2015 and branched there into the baseline and the local volunteer policy, ten
years on); for each truth, accepts the reference worlds nearest to its simulated survey
by the calibration's distance, regression-adjusts them, and ranks the truth among them,
for every calibrated input that varies in the posterior and for the local policy's
effect on municipal coordination. Ranks are uniform when the estimator is calibrated.
Writes sbc_ranks.csv (truth, seed, quantity, value, rank, draws), sbc_summary.csv (per
quantity: chi-square test of the ranks, Holm-adjusted over the quantities, the coverage
of the 50% and 90% central intervals with 95% intervals, the verdict), sbc_ranks.png
(one rank histogram per quantity) and sbc_manifest.json. Exit code 1 when a rank test
fails. The same seed gives the same files whatever --workers or --scheduler.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_seed, add_workers, bounded, examples, out_dir, seed_value
from runtime.files import replaced_together
from runtime.locks import locked

EXIT_FAILED = 1  # the check ran and a rank test failed


def register(sub, name: str) -> None:
    """Add the ``sbc`` sub-command."""
    from studies.sbc import (
        MAX_REFERENCE,
        MAX_TRUTHS,
        MIN_REFERENCE,
        MIN_TRUTHS,
        REFERENCE,
        TRUTHS,
    )

    p = sub.add_parser(name, help="simulation-based calibration of the regression-adjusted "
                       "ABC around the shipped posterior (rank histograms, coverage)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod sbc --workers 2 --out out/sbc",
                                       "coprod sbc --truths 40 --reference 400 --out out/q",
                                       "coprod sbc --scheduler tcp://127.0.0.1:8786"))
    p.add_argument("--truths", type=bounded(MIN_TRUTHS, MAX_TRUTHS), default=TRUTHS,
                   help=f"truths drawn from the posterior (default {TRUTHS}; "
                   f"{MIN_TRUTHS} to {MAX_TRUTHS:,})")
    p.add_argument("--reference", type=bounded(MIN_REFERENCE, MAX_REFERENCE),
                   default=REFERENCE, help=f"reference worlds drawn from the posterior "
                   f"(default {REFERENCE:,}; {MIN_REFERENCE} to {MAX_REFERENCE:,})")
    add_seed(p)
    add_workers(p)
    p.add_argument("--out", default=None, help="output directory (default out/sbc; its "
                   "parent folder must exist)")


def run_command(args) -> int:
    """Run the check, write its files, print the verdict per failing quantity."""
    from calibration.posterior import load_posterior
    from studies.sbc import FILES, run_sbc

    seed = seed_value(args.seed)
    out = out_dir(args.out, Path("out/sbc"))
    posterior = load_posterior()
    print(f"Simulation-based calibration: {args.truths} truths, {args.reference:,} "
          f"reference worlds from the {posterior.source}, {args.workers} worker(s)"
          + (f" on Dask at {args.scheduler}" if args.scheduler else "") + f", seed {seed}",
          flush=True)
    with locked(out) as folder:
        result = run_sbc(posterior, truths=args.truths, reference=args.reference, rng=seed,
                         workers=args.workers, scheduler=args.scheduler)
        # The set is replaced whole or not at all (Ctrl-C while writing keeps the old).
        with replaced_together(out, tuple(FILES), inside=folder) as stage:
            result.write(stage, command=getattr(args, "invocation", "coprod sbc"))
    s = result.summary
    print(f"Done in {result.record['elapsed_s']:.0f} s. Ranks uniform for "
          f"{len(s) - len(result.failed)} of {len(s)} quantities (Holm, family-wise "
          f"{result.record['alpha_holm']:g}); 90% intervals cover the truth in "
          f"{s.coverage_90.min():.0%} to {s.coverage_90.max():.0%} of truths per quantity "
          f"(pooled {s.coverage_90.mean():.1%}).")
    for row in s[s.verdict != "uniform"].itertuples(index=False):
        print(f"  {row.quantity}: {row.verdict} (p = {row.p_holm:.2g} after Holm; "
              f"90% coverage {row.coverage_90:.0%})")
    print(f"Wrote {out}/{', '.join(FILES)}")
    return 0 if result.passed else EXIT_FAILED
