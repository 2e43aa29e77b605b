"""Where a calibration's time goes, with 2 worker processes: the model against the rest.

Runs a short ABC-SMC calibration (``calibration.abc.calibrate``, 2 workers, the shipped
sampler) and times every model run inside the workers (``sim.runner.run``, each call
appended to a file by the worker that made it). Prints, per simulation: the worker time
the calibration cost (sampling wall time × workers), the model's share of it, and the
rest: pyabc's proposals, densities and distances, the transfer of particles between
processes, the parent's history writes while the workers wait, and idle workers at the
ends of batches and generations. Also the CPU time of parent and workers.

Run with ``make bench``; ``--quick`` (the tests) runs a tiny calibration. Read it as
ratios: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import sim
import sim.runner
from calibration.abc import Settings, calibrate

FULL = Settings(population_size=400, max_populations=3, max_simulations=20_000,
                max_walltime_s=900, min_epsilon=0.0)
QUICK = Settings(population_size=40, max_populations=2, max_simulations=400,
                 max_walltime_s=120, min_epsilon=0.0)
WORKERS = 2


def _timed(run, log: Path):
    """``run`` that appends each call's duration to ``log`` (one line per call)."""

    def timed_run(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return run(*args, **kwargs)
        finally:
            with log.open("a") as out:
                out.write(f"{os.getpid()} {time.perf_counter() - t0:.6f} "
                          f"{time.process_time() - c0:.6f}\n")

    return timed_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny calibration (the tests)")
    settings = QUICK if parser.parse_args(argv).quick else FULL
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "runs.log"
        original = sim.runner.run
        # Workers are forked from this process and so run the timed function too; the
        # noise level's runs (before sampling) happen in this process.
        sim.run = sim.runner.run = _timed(original, log)
        try:
            before = log.read_text().count("\n") if log.exists() else 0
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN), \
                resource.getrusage(resource.RUSAGE_SELF)
            result = calibrate(Path(tmp) / "cal", settings=settings, seed=1,
                               workers=WORKERS, progress=False)
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN), \
                resource.getrusage(resource.RUSAGE_SELF)
        finally:
            sim.run = sim.runner.run = original
        lines = log.read_text().split("\n")[before:] if log.exists() else []
        parent = os.getpid()
        in_workers = [(float(t), float(c)) for pid, t, c in (ln.split() for ln in lines if ln)
                      if int(pid) != parent]
    sims = max(result.simulations, 1)
    model = sum(t for t, _ in in_workers) / max(len(in_workers), 1)
    model_cpu = sum(c for _, c in in_workers) / max(len(in_workers), 1)
    worker_time = result.wall_time_s * WORKERS / sims
    workers_cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime
                      for a, b in [(cpu0[0], cpu1[0])]) / sims
    parent_cpu = (cpu1[1].ru_utime + cpu1[1].ru_stime - cpu0[1].ru_utime
                  - cpu0[1].ru_stime)
    print(f"calibration time split ({settings.population_size} particles, "
          f"{result.populations} generations, {result.simulations:,} simulations, "
          f"{WORKERS} workers): {result.wall_time_s:.1f} s of sampling, "
          f"{1e3 * worker_time:.1f} ms of worker time a simulation; the model "
          f"{1e3 * model:.1f} ms ({model / worker_time:.0%}), the rest "
          f"{1e3 * (worker_time - model):.1f} ms ({1 - model / worker_time:.0%}; goal: under "
          f"25%)")
    # CPU time does not count waiting for a core on a loaded machine.
    print(f"  in CPU time: a worker spends {1e3 * workers_cpu:.1f} ms a simulation, the "
          f"model {1e3 * model_cpu:.1f} ms of it ({model_cpu / workers_cpu:.0%}); the parent "
          f"{parent_cpu:.1f} s in all (the noise level, screening, pyabc's generations, "
          f"the history)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
