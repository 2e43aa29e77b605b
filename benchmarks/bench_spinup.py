"""What a shorter spin-up would buy: a calibration simulation's time and the fit at 2015.

The spin-up (``spinup_weeks``, 104 in the shipped model) is most of a calibration
simulation's time, and the validation issue's speed goals (a simulation 3× faster than
at commit 6bc55b1, the posterior in 10 minutes of sampling) are out of reach without
changing it or the weekly draws: both change the model's numbers, so the posterior and
every study would be made again. This measures, side by side in one run, for each
spin-up length:

* the time of what a calibration runs per simulation (``sim.runner.survey_2015``, at the
  documented defaults), median over interleaved rounds, and its ratio to the shipped
  spin-up's;
* how well the worlds of the shipped posterior fit Table 2 at 2015 with that spin-up:
  the distance of each draw's virtual survey to the observed table (the calibration's
  own distance, :class:`calibration.summary.SurveyDistance`), the same draws and seeds
  for every length; median, and the share at most 1.60 (the issue's goal for the
  baseline's worlds), each with a 90% bootstrap interval over the draws (150 draws
  leave the median uncertain by about ±0.05: too wide to tell the lengths apart), and
  the median of each draw's distance less its distance with the shipped spin-up.

The posterior was calibrated with the shipped spin-up, so the fit of another length is
that of worlds not calibrated for it: a lower bound on what a recalibration would give.

    python benchmarks/bench_spinup.py            # 1,000 draws, 26/52/104/208 weeks
    python benchmarks/bench_spinup.py --quick    # what the tests run

Timings on shared machines are noisy: read the medians and ratios.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import numpy as np

from calibration.observed_survey import load_table2
from calibration.posterior import load_posterior
from calibration.summary import SurveyDistance, observed_summary, summarise_simulated
from sim.config import Configuration
from sim.parameters import PARAMETERS
from sim.runner import survey_2015

SHIPPED = int(PARAMETERS["spinup_weeks"].default)
GOAL = 1.60  # the validation issue's goal for the baseline's worlds at 2015


def time_spinups(weeks: list[int], rounds: int, rng) -> dict[int, float]:
    """Median ms of one calibration simulation per spin-up, lengths interleaved per round."""
    configs = {w: Configuration.resolve({"spinup_weeks": w}) for w in weeks}
    seeds = np.random.default_rng(rng).integers(2**63, size=rounds)
    for w in weeks:  # compiled loops and caches warm before any timing
        survey_2015(configs[w], rng=0)
    times: dict[int, list[float]] = {w: [] for w in weeks}
    for seed in seeds:
        for w in weeks:
            gc.collect()
            t0 = time.perf_counter()
            survey_2015(configs[w], rng=int(seed))
            times[w].append(time.perf_counter() - t0)
    return {w: 1e3 * statistics.median(t) for w, t in times.items()}


def fit_spinups(weeks: list[int], draws: int, rng) -> dict[int, np.ndarray]:
    """Each spin-up's distances to Table 2 over the same posterior draws and seeds."""
    observed = observed_summary(load_table2())
    distance = SurveyDistance(observed)
    gen = np.random.default_rng(rng)
    params = load_posterior().draws(draws, gen)
    seeds = gen.integers(2**63, size=draws)
    out = {}
    for w in weeks:
        out[w] = np.array([
            distance(summarise_simulated(survey_2015(
                Configuration.resolve({**p, "spinup_weeks": w}), rng=int(s))), observed)
            for p, s in zip(params, seeds, strict=True)])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few draws and rounds")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args(argv)
    weeks = [52, SHIPPED] if args.quick else [26, 52, SHIPPED, 208]
    rounds, draws = (5, 6) if args.quick else (60, 1000)
    times = time_spinups(weeks, rounds, args.seed)
    fits = fit_spinups(weeks, draws, args.seed)
    print(f"spin-up lengths at the shipped posterior ({draws} draws, one seed each, the "
          f"same for every length; times: {rounds} interleaved rounds at the defaults)")
    resample = np.random.default_rng(args.seed).integers(draws, size=(2000, draws))
    for w in weeks:
        d = fits[w]
        medians = np.median(d[resample], axis=1)
        shares = np.mean(d[resample] <= GOAL, axis=1)
        change = np.median(d - fits[SHIPPED])
        print(f"  {w:>3} weeks: a calibration simulation {times[w]:.2f} ms "
              f"({times[SHIPPED] / times[w]:.2f}x the shipped {SHIPPED} weeks' speed); "
              f"distance to Table 2 median {np.median(d):.3f} "
              f"({_interval(medians, '.3f')}), {np.mean(d <= GOAL):.0%} "
              f"({_interval(100 * shares, '.0f')}%) at most {GOAL:.2f}; "
              f"each draw's change against {SHIPPED} weeks: median {change:+.3f}")
    return 0


def _interval(values: np.ndarray, spec: str) -> str:
    """A bootstrap 90% interval as 'low to high'."""
    low, high = np.quantile(values, [0.05, 0.95])
    return f"{low:{spec}} to {high:{spec}}"


if __name__ == "__main__":
    sys.exit(main())
