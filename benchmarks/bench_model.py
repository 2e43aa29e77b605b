"""Model speed: medians over repeated runs, and the ratio to a per-agent Mesa loop.

Prints, for one year (52 weekly steps):
* the 2015 survey sample (50 municipalities, 316 units): build, steps, total;
* all of Norway (357 municipalities): build, steps, total, and peak memory;
* the units' weekly work done vectorised (as the model does it) against an idiomatic
  per-agent Mesa loop (``agents.do("step")``, each LTC unit doing the same arithmetic on
  its own activities with small numpy arrays), measured in the same run.

Run with ``make bench``. Timings on shared machines are noisy: read the medians and ratios.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

import numpy as np

from sim import CoProductionModel
from sim.agents import LTCUnit
from sim.model import TOGETHER, TRUST_DRIFT, WINDOW_WEEKS

REPEATS = 7


class PerAgentUnit(LTCUnit):
    """An LTC unit that does its own weekly work, one agent at a time."""

    def step(self):
        """The same arithmetic as ``CoProductionModel._units_step``, for this unit only."""
        m, p = self.model, self.model.params
        pairs = m.unit_pairs[self.index]
        draws = m.rng.random((2, len(pairs)), dtype=np.float32)
        rev = pairs[draws[0] < p["revision_rate"]]
        if len(rev):
            m.arrangement[rev] = m._sample(m._thresholds(m.week_d_vol, rev))
        occ = pairs[draws[1] < m.week_p_occurs[m.pair_ma[pairs]]]
        sub = m.rng.random((3, len(occ)), dtype=np.float32)
        mode = m.arrangement[occ]
        adhoc = np.flatnonzero(sub[0] > m.pair_persistence[occ])
        if len(adhoc):
            mode[adhoc] = m._sample(m._thresholds(m.week_d_vol, occ[adhoc]), sub[1, adhoc])
        m.pair_window[m.week % WINDOW_WEEKS, pairs] = -1
        m.pair_window[m.week % WINDOW_WEEKS, occ] = mode
        joint = mode == TOGETHER
        failed = joint & (sub[2] < m.risk[self.index] * m.gap[self.index])
        n_fail, n_ok = int(failed.sum()), int(joint.sum() - failed.sum())
        eta, t = p["trust_learning"], m.trust[self.index]
        t = t + eta * ((1 - t) * n_ok - 2 * t * n_fail) + TRUST_DRIFT * (m.trust_base[self.index]
                                                                        - t)
        m.trust[self.index] = min(max(t, 0.0), 1.0)
        m.week_results.append((occ, mode, failed))


class PerAgentModel(CoProductionModel):
    """The model with the units' work done by a per-agent loop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_pairs = [np.flatnonzero(self.pair_unit == i) for i in range(len(self.trust))]
        # Re-create the units as per-agent units (the array views are unchanged).
        for agent in list(self.agents_by_type[LTCUnit]):
            agent.remove()
        for i in range(len(self.trust)):
            PerAgentUnit(self, i)

    def _units_step(self, week, p_occurs, d_vol_base):
        self.week, self.week_p_occurs, self.week_d_vol = week, p_occurs, d_vol_base
        self.week_results = []
        self.agents_by_type[PerAgentUnit].do("step")
        occ, mode, failed = (np.concatenate(x) for x in zip(*self.week_results, strict=True))
        return occ, mode, failed


def _time_year(population: str, seed: int):
    t0 = time.perf_counter()
    model = CoProductionModel(population=population, rng=seed)
    t1 = time.perf_counter()
    for _ in range(52):
        model.step()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def _unit_work(model_cls, seed: int, weeks: int = 20) -> float:
    model = model_cls(rng=seed)
    total = 0.0
    for week in range(1, weeks + 1):
        _, p_occurs, d_vol = model._grid()
        t0 = time.perf_counter()
        model._units_step(week, p_occurs, d_vol)
        total += time.perf_counter() - t0
    return total / weeks


def main() -> int:
    print(f"coprod model benchmark: medians of {REPEATS} runs, Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}")
    for population in ("survey2015", "norway"):
        builds, steps = zip(*(_time_year(population, s) for s in range(REPEATS)), strict=True)
        b, s = statistics.median(builds), statistics.median(steps)
        print(f"  one year, {population:10s}: build {1e3 * b:7.1f} ms, 52 steps "
              f"{1e3 * s:7.1f} ms, total {1e3 * (b + s):7.1f} ms")
    tracemalloc.start()
    _time_year("norway", 0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak memory, national year (tracemalloc): {peak / 2**20:.1f} MiB")
    vec = statistics.median(_unit_work(CoProductionModel, s) for s in range(REPEATS))
    loop = statistics.median(_unit_work(PerAgentModel, s) for s in range(3))
    print(f"  units' weekly work, 2015 sample: vectorised {1e6 * vec:8.1f} µs, per-agent "
          f"loop {1e6 * loop:8.1f} µs ({1e6 * loop / 316:.1f} µs per unit): "
          f"{loop / vec:.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
