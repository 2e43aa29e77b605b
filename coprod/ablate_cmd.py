"""``coprod ablate``: which mechanisms the survey supports.

For each mechanism (the free parameters municipal_tradition, home_care_offset,
statutory_pull, professional_claim and joint_propensity; the assumptions trust_weight
and logic_distance), calibrate the model with its strength fixed at 0 (0 switches it
off) and compare with the full model: the final tolerance and fit each reaches, and the
posterior model probabilities of pyabc's multi-model ABC-SMC (full model against the
ablated one). Writes ablation.csv and manifest.json; every calibration is kept under
DIR. The full study runs 15 calibrations at the shipped settings (about 2 minutes each
on 2 cores); --quick runs small ones.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from coprod.common import add_study_options, examples, seed_value, study_out
from runtime.files import atomic_write_frame, replaced_together
from runtime.locks import locked
from runtime.manifests import manifest, write_manifest


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
    """Run the study, write the table and manifest, print it."""
    from calibration.mechanisms import MECHANISMS
    from studies.ablation import ablate

    seed = seed_value(args.seed)
    mechanisms = tuple(dict.fromkeys(args.mechanism or MECHANISMS))
    out = study_out(args, Path("out/ablation"))
    t0 = time.perf_counter()
    with locked(out) as folder:
        frame, record = ablate(out, mechanisms=mechanisms, quick=args.quick, seed=seed,
                               workers=args.workers, scheduler=args.scheduler,
                               resume=args.resume, inside=folder)
        with replaced_together(out, ("ablation.csv", "manifest.json"),
                               inside=folder) as stage:
            atomic_write_frame(stage / "ablation.csv", frame)
            write_manifest(stage / "manifest.json", manifest(
                command=getattr(args, "invocation", "coprod ablate"), seed=seed,
                quick=args.quick, workers=args.workers, scheduler=args.scheduler,
                resumed=args.resume, mechanisms=list(mechanisms),
                reproducible=not args.scheduler,
                wall_time_total_s=round(time.perf_counter() - t0, 1), **record))
    print("mechanism off          final eps  shares inside 90%  P(full)  P(without)"
          + ("   (quick run: not a result)" if args.quick else ""))
    for r in frame.itertuples(index=False):
        print(f"  {r.mechanism:20s} {r.final_epsilon:9.3f}  {r.shares_inside_predictive_90:8d}"
              f" of 18    {r.model_probability_full:6.2f}  {r.model_probability_ablated:6.2f}")
    print(f"Wrote {out}/ablation.csv, manifest.json")
    return 0
