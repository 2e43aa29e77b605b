"""Where a calibration's time goes, with 2 worker processes: the model against the rest.

Runs a short ABC-SMC calibration (``calibration.abc.calibrate``, 2 workers, the shipped
sampler) and times, inside the workers, every candidate particle
(``calibration.sampler._candidate``) and the model run within it
(``sim.runner.survey_2015``); each call is appended to a file by the process that made
it. Prints, per simulation: the worker time the sampling cost (its wall time less the
survey's noise level, measured in the parent before it, × workers), the model's share
of it, and the rest in four parts: pyabc's work around each model run (proposal, prior
density, distance, weight), candidates evaluated beyond the last one a generation
accepted (discarded, so that the posterior does not depend on the number of workers),
the parent working alone between generations (the kernel's fit, the weights, the
history's writes) and workers waiting within a generation (transfers, a loaded
machine). Also the CPU time of a candidate and of its model.

Run with ``make bench``; ``--quick`` (the tests) runs a tiny calibration. Read it as
ratios: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import calibration.abc
import calibration.sampler
import sim
import sim.runner
from calibration.abc import Settings, calibrate

# Population 200 (at least NOISE_MIN_PARTICLES, so the noise level is measured as in a
# full-size calibration, and timed apart), three generations: about 2,500 simulations.
FULL = Settings(population_size=200, max_populations=3, max_simulations=20_000,
                max_walltime_s=900, min_epsilon=0.0)
QUICK = Settings(population_size=40, max_populations=2, max_simulations=400,
                 max_walltime_s=120, min_epsilon=0.0)
WORKERS = 2


_LOGS: dict[int, int] = {}  # per process: its descriptor of the log


def _timed(function, log: Path, label: str):
    """``function`` that appends each call's wall and CPU time to ``log``.

    Each process opens the log once and appends one line a call (a single ``write``), so
    that the timing costs microseconds, not a file's opening on a busy disk.
    """

    def timed(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            pid = os.getpid()
            if pid not in _LOGS:
                _LOGS[pid] = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(_LOGS[pid], f"{label} {pid} {wall:.6f} {cpu:.6f}\n".encode())

    return timed


def _read(log: Path, parent: int) -> dict[str, list[tuple[float, float]]]:
    """The workers' timings by label: (wall, CPU) per call."""
    out: dict[str, list[tuple[float, float]]] = {
        "model": [], "candidate": [], "noise": [], "generation": []}
    for line in log.read_text().splitlines() if log.exists() else []:
        label, pid, wall, cpu = line.split()
        if label in ("noise", "generation") or int(pid) != parent:
            out[label].append((float(wall), float(cpu)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny calibration (the tests)")
    settings = QUICK if parser.parse_args(argv).quick else FULL
    # The model as a calibration runs it (sim.run before survey_2015 existed: a checkout
    # of an older commit can be timed the same way).
    patched = [(module, name, "model") for module, name in
               [(sim.runner, "survey_2015"), (sim.runner, "run"), (sim, "run")]
               if hasattr(module, name)]
    patched += [(calibration.sampler, "_candidate", "candidate"),
                (calibration.abc, "survey_noise_level", "noise"),
                (calibration.sampler.SeededSampler, "sample_until_n_accepted", "generation")]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "calls.log"
        originals = [getattr(module, name) for module, name, _ in patched]
        # Workers are forked from this process (a pool per generation) and so run the
        # timed functions too.
        for (module, name, label), original in zip(patched, originals, strict=True):
            setattr(module, name, _timed(original, log, label))
        try:
            result = calibrate(Path(tmp) / "cal", settings=settings, seed=1,
                               workers=WORKERS, progress=False)
        finally:
            for (module, name, _), original in zip(patched, originals, strict=True):
                setattr(module, name, original)
        calls = _read(log, os.getpid())
    sims = max(result.simulations, 1)
    noise = sum(t for t, _ in calls["noise"])
    sampling = result.wall_time_s - noise
    worker = sampling * WORKERS / sims
    model = sum(t for t, _ in calls["model"]) / sims
    candidates = sum(t for t, _ in calls["candidate"]) / sims
    evaluated = len(calls["candidate"])
    per_candidate = candidates * sims / max(evaluated, 1)
    model_each = model * sims / max(len(calls["model"]), 1)
    pyabc = per_candidate - model_each  # per candidate, around its model run
    discarded = (evaluated - sims) * per_candidate / sims
    # Between the sampler's generations the parent works alone (the kernel's fit, the
    # particles' weights, the history's writes); within them, workers wait for a chunk.
    between = (sampling - sum(t for t, _ in calls["generation"])) * WORKERS / sims
    waiting = worker - candidates - between
    rest = worker - model_each
    print(f"calibration time split ({settings.population_size} particles, "
          f"{result.populations} generations, {result.simulations:,} simulations, "
          f"{WORKERS} workers): {sampling:.1f} s of sampling (and {noise:.1f} s of the noise "
          f"level before it), {1e3 * worker:.1f} ms of worker time a simulation; the model "
          f"{1e3 * model_each:.1f} ms ({model_each / worker:.0%}), the rest "
          f"{1e3 * rest:.1f} ms ({rest / worker:.0%}; goal: under 25%)")
    print(f"  the rest: pyabc around each model run {1e3 * pyabc:.1f} ms, candidates "
          f"discarded beyond a generation's last accepted {1e3 * discarded:.1f} ms "
          f"({evaluated - sims:,} of {evaluated:,}), the parent alone between generations "
          f"{1e3 * between:.1f} ms, workers waiting within them {1e3 * waiting:.1f} ms")
    cpu = sum(c for _, c in calls["candidate"]) / max(evaluated, 1)
    model_cpu = sum(c for _, c in calls["model"]) / max(len(calls["model"]), 1)
    print(f"  in CPU time (without the waits for a core of a loaded machine): a candidate "
          f"{1e3 * cpu:.1f} ms, its model {1e3 * model_cpu:.1f} ms ({model_cpu / cpu:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
