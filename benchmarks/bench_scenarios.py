"""Scenario ensembles: wall time of the full shipped set and parallel efficiency.

* all shipped scenarios × their 200 runs (10 posterior draws × 10 assumption draws × 2
  seeds, ten years) on 2 workers, with the comparison and attribution;
* parallel efficiency at 2 workers on a smaller set: T(1 worker) / (2 × T(2 workers)).

Run with ``python benchmarks/bench_scenarios.py`` (or ``make bench``). Medians of repeated
runs where affordable; read ratios, not absolute times, on a shared machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from calibration.posterior import load_posterior
from scenarios.compare import compare_scenarios
from scenarios.ensemble import run_ensembles
from scenarios.spec import load_scenario, shipped_names


def _time(scenarios, workers: int, *, attribute: bool = False) -> float:
    """Wall time of the ensembles (and, with ``attribute``, their comparison)."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_ensembles(scenarios, load_posterior(), Path(tmp), seed=1, workers=workers,
                      progress=False)
        if attribute:
            compare_scenarios(Path(tmp), reps=2_000)  # the table, the fit and attribution
        return time.perf_counter() - t0


def main() -> int:
    small = [load_scenario(n).with_sizes(draws=5, assumption_draws=5, replicates=2) for n in
             ("baseline", "trust_forums")]
    one = statistics.median(_time(small, 1) for _ in range(2))
    two = statistics.median(_time(small, 2) for _ in range(2))
    print(f"  2 scenarios × 50 runs × 520 weeks: 1 worker {one:6.1f} s, 2 workers {two:6.1f} s,"
          f" parallel efficiency {one / (2 * two):.2f}")
    full = [load_scenario(n) for n in shipped_names()]
    runs = sum(s.runs for s in full)
    wall = _time(full, 2, attribute=True)
    print(f"  all {len(full)} shipped scenarios, {runs} runs × 520 weeks, 2 workers, with "
          f"comparison and attribution: {wall:6.1f} s ({wall / 60:.1f} min; target 5 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
