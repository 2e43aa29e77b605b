"""Which perturbation kernel makes a calibration's last generation cheapest per particle.

The last generation costs most of a calibration (the shipped one: 91,565 of its 268,402
simulations). A narrower kernel is accepted more often, but its importance weights vary
more, so each accepted particle is worth less of an effective sample. This benchmark
fits each kernel to one generation of a finished calibration (its ``abc.db``), proposes
candidates from it as ABC-SMC would, simulates them exactly as the calibration did
(:class:`calibration.abc.FixedModel`, the same inputs moved and drawn), and reports the
acceptance at the next generation's tolerance, the effective sample of the accepted
(Kish's, from the importance weights prior / kernel density, as pyabc weighs them), and
what both imply: simulations for a generation of 1,000 particles and for 250 effective
ones. Compares the shipped kernel (a shrunk normal at twice Silverman's bandwidth,
:data:`calibration.abc.KERNEL_SCALING`) with narrower ones and pyabc's local kernel
(covariance of each particle's nearest neighbours, Filippi et al. 2013).

    python benchmarks/bench_kernel.py --calibration OUT   # OUT from 'coprod calibrate'

``--quick`` (the tests) makes a tiny calibration and compares two kernels on it. Counts,
not times: the result does not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.abc import QUICK, FixedModel, calibrate, prior, seeded_global_numpy, transition
from calibration.history import history_url, latest_run, resumable
from calibration.summary import SurveyDistance
from calibration.waves import Waves
from runtime.fields import listed, one_of
from runtime.manifests import Manifest
from runtime.pool import Task, run_tasks, spawn_seeds
from sim.errors import CoprodError
from sim.parameters import PARAMETERS

SHIPPED = "normal 2"
KERNELS = (SHIPPED, "normal 1", "normal 0.5", "local 0.25")
WORKERS = 2
_SIMULATE: dict = {}  # set before the pool forks: the model and distance of the calibration


def continuous_kernel(kind: str):
    """A continuous kernel by name: ``normal S`` (shrunk normal, scaling S), ``local F``."""
    from pyabc.transition import LocalTransition

    from calibration.proposal import FastShrunkNormalTransition

    family, value = kind.split()
    if family == "normal":
        return FastShrunkNormalTransition(scaling=float(value))
    return LocalTransition(k_fraction=float(value))


def _distance(task: Task) -> float:
    """One candidate's distance to the observed survey (runs in a worker)."""
    model, distance, observed = _SIMULATE["model"], _SIMULATE["distance"], _SIMULATE["obs"]
    with seeded_global_numpy(task.seed):  # FixedModel draws its seed as pyabc's sampler
        return distance(model(task.params), observed)


def compare(folder: Path, inputs: tuple[tuple, tuple], generation: int | None,
            proposals: int, seed: int, kinds: tuple[str, ...]) -> list[dict]:
    """Per kernel: acceptance and effective sample of ``proposals`` candidates.

    ``inputs``: the calibration's inputs moved by the kernel and drawn from their priors.
    """
    import pyabc

    abc_inputs, prior_inputs = inputs
    db = folder / "abc.db"
    resumable(db, "calibration")  # a regular file, checked without opening it
    history = pyabc.History(history_url(db), _id=latest_run(db))
    pops = history.get_all_populations()
    last = int(pops.t.max())
    t = last - 1 if generation is None else generation
    if not 0 <= t < last:
        raise SystemExit(f"--generation must be 0 to {last - 1} (this calibration has "
                         f"{last + 1} generations)")
    tolerance = float(pops.loc[pops.t == t + 1, "epsilon"].iloc[0])
    particles, weights = history.get_distribution(m=0, t=t)
    waves = Waves.load(None)
    observed = waves.observed()
    _SIMULATE.update(model=FixedModel({}, abc_inputs, prior_inputs, waves),
                     distance=SurveyDistance(observed), obs=observed)
    density = prior({}, abc_inputs)
    print(f"generation {t} of {last} ({len(particles)} particles) proposing for tolerance "
          f"{tolerance:.4f}; {proposals:,} candidates a kernel")
    rows = []
    for kind in kinds:
        kernel = transition(tuple(particles.columns), continuous_kernel(kind))
        kernel.fit(particles, weights)
        with seeded_global_numpy(seed):  # pyabc's kernels draw from the global generator
            candidates = []
            while len(candidates) < proposals:
                candidate = kernel.rvs()
                if density.pdf(candidate) > 0:
                    candidates.append(dict(candidate))
        tasks = [Task(c, 0, s) for c, s in zip(candidates, spawn_seeds(seed, proposals),
                                                strict=True)]
        distances = np.array(run_tasks(_distance, tasks, workers=WORKERS, progress=False))
        accepted = [c for c, d in zip(candidates, distances, strict=True) if d <= tolerance]
        n = len(accepted)
        if n:
            frame = pd.DataFrame(accepted)[list(particles.columns)]
            w = np.array([density.pdf(c) for c in accepted]) / np.asarray(kernel.pdf(frame))
            ess = float(w.sum() ** 2 / (w**2).sum())
        else:
            ess = 0.0
        rate = n / proposals
        rows.append({"kernel": kind, "accepted": n, "acceptance": rate,
                     "ess_share": ess / n if n else float("nan"),
                     "per_1000": 1000 / rate if n else float("inf"),
                     "per_250_effective": 250 * n / (rate * ess) if ess else float("inf")})
        r = rows[-1]
        print(f"  {kind:<11} accepted {n:>5,} ({rate:.2%}), effective {r['ess_share']:.2f} "
              f"of them: {r['per_1000']:>9,.0f} simulations per 1,000 particles, "
              f"{r['per_250_effective']:>9,.0f} per 250 effective")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calibration", type=Path, help="a finished calibration's folder")
    parser.add_argument("--generation", type=int, help="default: the last but one")
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a tiny calibration (the tests)")
    args = parser.parse_args(argv)
    if args.proposals < 1:
        parser.error("--proposals must be at least 1")
    try:
        return _run(args, parser)
    except CoprodError as err:
        print(f"bench_kernel: error: {err}", file=sys.stderr)
        return 2


def _run(args, parser) -> int:
    if args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "cal"
            run = calibrate(folder, settings=QUICK, seed=1, progress=False)
            compare(folder, (run.abc_inputs, run.prior_inputs), 0, 60, args.seed,
                    (SHIPPED, "normal 0.5"))
        return 0
    if args.calibration is None:
        parser.error("give --calibration OUT (a folder 'coprod calibrate' wrote) or --quick")
    record = Manifest.read(args.calibration / "manifest.json", "coprod calibrate")
    names = listed(one_of(PARAMETERS))
    abc_inputs = record.field("abc_inputs", names, "a list of the model's input names")
    prior_inputs = record.field("prior_inputs", names, "a list of the model's input names")
    if set(abc_inputs) & set(prior_inputs):
        parser.error("the manifest's abc_inputs and prior_inputs overlap")
    inputs = tuple(abc_inputs), tuple(prior_inputs)
    compare(args.calibration, inputs, args.generation, args.proposals, args.seed, KERNELS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
