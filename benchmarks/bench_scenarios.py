"""Scenario ensembles: what branching at 2015 saves, parallel efficiency, the full set.

* the shipped scenarios' paired runs with each world built and spun up once and branched
  at the 2015 snapshot (as ``coprod run`` does), against the same runs each built and
  spun up on its own, in this process, in the same run (the outputs are identical);
* parallel efficiency at 2 workers on a smaller set: T(1 worker) / (2 × T(2 workers));
* all shipped scenarios × their runs on 2 workers, with the comparison and attribution.

``--quick`` (the tests) runs small ensembles and skips the full set. Run with
``make bench``; read ratios, not absolute times, on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import scenarios.ensemble as ensemble
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


SHARED = ensemble.world_groups


def _unshared(tasks):
    """Every run a world of its own: how ensembles ran before branching at 2015."""
    groups = SHARED(tasks)
    return [ensemble.WorldGroup((j,), ensemble.WorldTask(
        t.params, t.steps, t.seed, t.population, t.tag, (t,)))
        for group in groups for j, t in zip(group.members, group.task.branches, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small ensembles (the tests)")
    quick = parser.parse_args(argv).quick
    repeats = 1 if quick else 3
    sizes = (dict(draws=2, assumption_draws=2, replicates=1, horizon_weeks=104) if quick
             else dict(draws=5, assumption_draws=2, replicates=2))
    # Scenarios whose levers switch within the horizon (a later lever_week needs more).
    horizon = sizes.get("horizon_weeks", 520)
    shipped = [load_scenario(n).with_sizes(**sizes) for n in shipped_names()
               if load_scenario(n).overrides.get("lever_week", 0) < horizon]
    _time(shipped[:1], 1)  # loads the posterior and the compiled kernels
    branched = statistics.median(_time(shipped, 1) for _ in range(repeats))
    with mock.patch.object(ensemble, "world_groups", _unshared):
        alone = statistics.median(_time(shipped, 1) for _ in range(repeats))
    runs = sum(s.runs for s in shipped)
    print(f"  {len(shipped)} shipped scenarios, {runs} runs × {shipped[0].horizon_weeks} weeks, "
          f"1 worker: worlds branched at 2015 {branched:6.1f} s, each run built and spun up "
          f"alone {alone:6.1f} s: {1 - branched / alone:.0%} less time")
    small = [load_scenario(n).with_sizes(**sizes) for n in ("baseline", "trust_forums")]
    one = statistics.median(_time(small, 1) for _ in range(repeats))
    two = statistics.median(_time(small, 2) for _ in range(repeats))
    print(f"  2 scenarios × {small[0].runs} runs × {small[0].horizon_weeks} weeks: 1 worker "
          f"{one:6.1f} s, 2 workers {two:6.1f} s, parallel efficiency {one / (2 * two):.2f}")
    if not quick:
        full = [load_scenario(n) for n in shipped_names()]
        runs = sum(s.runs for s in full)
        wall = _time(full, 2, attribute=True)
        print(f"  all {len(full)} shipped scenarios, {runs} runs × 520 weeks, 2 workers, with "
              f"comparison and attribution: {wall:6.1f} s ({wall / 60:.1f} min; target 5 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
