"""Where a calibration's time goes: the model's simulations against pyabc's own work.

Runs a short ABC-SMC calibration (400 particles, 3 generations, one process, so that
the split is not blurred by worker processes) and times every model run inside it.
pyabc's share is everything else: proposing and checking particles, prior and kernel
densities, distances, weights and the SQLite history. Prints the time per simulation of
each. Run with ``make bench``; read it as a ratio (the machine is shared and noisy).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import calibration.abc as abc
from calibration.abc import Settings, calibrate

SETTINGS = Settings(population_size=400, max_populations=3, max_simulations=20_000,
                    max_walltime_s=600, min_epsilon=0.0)


def main() -> int:
    timed = {"runs": 0, "seconds": 0.0}
    run = abc.run

    def timed_run(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return run(*args, **kwargs)
        finally:
            timed["seconds"] += time.perf_counter() - t0
            timed["runs"] += 1

    abc.run = timed_run  # abc_model and the noise level call the model through it
    try:
        with tempfile.TemporaryDirectory() as tmp:
            result = calibrate(Path(tmp) / "cal", settings=SETTINGS, seed=1, workers=1,
                               progress=False)
    finally:
        abc.run = run
    # The noise level's runs happen before the sampling clock starts.
    noise_runs = 2 * abc.NOISE_PAIRS
    sims = timed["runs"] - noise_runs
    per_run = timed["seconds"] / timed["runs"]
    sampling = result.wall_time_s
    model = per_run * sims
    print(f"calibration time split ({SETTINGS.population_size} particles, "
          f"{result.populations} generations, {result.simulations:,} simulations, one "
          f"process): {sampling:.1f} s of sampling; the model {model:.1f} s "
          f"({1e3 * per_run:.1f} ms a simulation), pyabc's own work "
          f"{sampling - model:.1f} s ({1e3 * (sampling - model) / max(sims, 1):.1f} ms a "
          f"simulation, {(sampling - model) / sampling:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
