"""``coprod ablate``: which mechanisms the survey supports.

For each mechanism (the free parameters municipal_tradition, home_care_offset,
statutory_pull, professional_claim and joint_propensity; the assumptions trust_weight
and logic_distance), calibrate the model with its strength fixed at 0 (0 switches it
off) and compare with the full model: the final tolerance and fit each reaches, and the
posterior model probabilities of pyabc's multi-model ABC-SMC (full model against the
ablated one). Writes ablation.csv and manifest.json; every calibration is kept under
DIR. The full study runs 8 calibrations (the full model and each mechanism off) and 7
model selections at the shipped settings: 19 to 73 minutes each on 2 cores as measured
for model version 4, about 8 hours in all (made in parts: --resume goes on); --quick
runs small ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coprod.common import add_study_options, examples, seed_value, study_out


def register(sub, name: str) -> None:
    """Add the ``ablate`` sub-command."""
    from calibration.mechanisms import MECHANISMS as mechanisms  # light: no pyabc
    p = sub.add_parser(name, help="ablations: calibrate without each mechanism and "
                       "compare with the full model (ABC model selection)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod ablate --quick --mechanism statutory_pull "
                                       "--out out/abl",
                                       "coprod ablate --workers 2",
                                       "coprod ablate --resume --out out/ablation"))
    add_study_options(p)
    p.add_argument("--mechanism", nargs="+", choices=mechanisms, default=None,
                   metavar="NAME", help="mechanisms to switch off (default all: "
                   + ", ".join(mechanisms) + ")")
    p.add_argument("--out", default=None, help="output directory (default out/ablation; "
                   "made with its parents if missing)")


def run_command(args) -> int:
    """Run the study (the library writes the table and manifest), print it."""
    from coprod.pipeline import ablate

    seed = seed_value(args.seed)
    out = study_out(args, Path("out/ablation"))
    frame = ablate(args.mechanism, quick=args.quick, rng=seed, workers=args.workers,
                   scheduler=args.scheduler, resume=args.resume, out=out,
                   command=getattr(args, "invocation", "coprod ablate")).frame
    print("mechanism off          final eps  shares inside 90%  P(full)  P(without)"
          + ("   (quick run: not a result)" if args.quick else ""))
    for r in frame.itertuples(index=False):
        print(f"  {r.mechanism:20s} {r.final_epsilon:9.3f}  {r.shares_inside_predictive_90:8d}"
              f" of 18    {r.model_probability_full:6.2f}  {r.model_probability_ablated:6.2f}")
    print(f"Wrote {out}/ablation.csv, manifest.json")
    return 0
