"""Model speed: medians over repeated runs, and the ratio to a per-agent Mesa loop.

Prints, for one year (52 weekly steps):
* the 2015 survey sample (50 municipalities, 316 units): the steps; the build (the world
  and its agents, without the spin-up), beside what Mesa alone takes to create and
  register as many bare agents one by one; the total;
* all of Norway (357 municipalities): the same, and peak memory;
* the units' weekly work done in one compiled pass (as the model does it) against an idiomatic
  per-agent Mesa loop (``agents.do("step")``, each LTC unit doing the same arithmetic on
  its own activities with small numpy arrays), measured in the same run;
* one simulation as calibration runs it (``sim.run`` to the 2015 snapshot), with the
  garbage collector as calibration sets it and with Python's default.

Run with ``make bench``. Timings on shared machines are noisy: read the medians and ratios.
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import sys
import time
import tracemalloc

import mesa
import numpy as np

from calibration.posterior import calibrated_parameters
from sim import CoProductionModel, kernels, run
from sim.agents import LTCUnit
from sim.batch import collector_spares_existing
from sim.model import MUNICIPALITY, TOGETHER, WINDOW_WEEKS

REPEATS = 7
BACK_TO_BACK = 100
# The calibrated model (the shipped posterior median), as the command line runs it.
CALIBRATED = calibrated_parameters()


class PerAgentUnit(LTCUnit):
    """An LTC unit that does its own weekly work, one agent at a time."""

    def _choose(self, pairs, d_vol_base, u):
        """Logit choices for some of this unit's pairs (numpy on small arrays)."""
        m, i, r = self.model, self.index, self.model.rules.units
        shift = m.week_units.shift[i] + r.trust_handover * (m.trust[i] - r.trust_reference)
        d_vol = d_vol_base[m.pairs.cell[pairs]] + shift
        unit_term = (r.joint_base[i] + r.trust_weight * m.trust[i]
                     - r.logic_distance * m.week_units.gap[i] - r.task_division)
        e_vol, e_tog = np.exp(d_vol), np.exp(r.joint_claim_share * d_vol + unit_term)
        low = 1 / (1 + e_vol + e_tog)
        return (u > low).astype(np.int8) + (u > (1 + e_vol) * low)

    def step(self):
        """The work of ``sim.kernels.units_week``, for this unit's pairs only."""
        m, r, i, rng = self.model, self.model.rules.units, self.index, self.model.rng
        pairs = m.unit_pairs[i]
        draws = rng.random((2, len(pairs)), dtype=np.float32)
        rev = pairs[draws[0] < r.revision_rate]
        cells = m.week_cells
        if len(rev):
            m.pairs.arrangement[rev] = self._choose(rev, cells.d_vol_base, rng.random(len(rev)))
        occ = pairs[draws[1] < cells.p_occurs[m.pairs.cell[pairs]]]
        sub = rng.random((3, len(occ)), dtype=np.float32)
        mode = m.pairs.arrangement[occ]
        adhoc = np.flatnonzero(sub[0] < cells.p_adhoc[m.pairs.cell[occ]] * r.adhoc_scale[occ])
        if len(adhoc):
            mode[adhoc] = self._choose(occ[adhoc], cells.d_vol_base, sub[1, adhoc])
        m.pair_window[m.week_slot, pairs] = -1
        m.pair_window[m.week_slot, occ] = mode
        joint = mode == TOGETHER
        failed = sub[2] < r.untrained_risk[mode] + joint * r.risk[i] * m.week_units.gap[i]
        n_fail, n_ok = int(failed.sum()), int((joint & ~failed).sum())
        t = m.trust[i]
        t += (r.trust_learning * ((1 - t) * n_ok - r.failure_trust_weight * t * n_fail)
              + r.trust_drift * (m.trust_base[i] - t) + r.forum_gain * (1 - t))
        m.trust[i] = min(max(t, 0.0), 1.0)
        m.week_results.append((m.pairs.muni[occ], mode, failed, joint & ~failed))


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

    def units_pass(self, week, cells):
        """The units' weekly work, one agent at a time (``agents.do("step")``)."""
        self.week_slot, self.week_cells = week % WINDOW_WEEKS, cells
        self.week_units = self._units()
        self.week_results = []
        self.agents_by_type[PerAgentUnit].do("step")
        muni, mode, failed, ok = (np.concatenate(x) for x in zip(*self.week_results,
                                                                  strict=True))
        n = len(self.dominance)
        return (np.bincount(mode, minlength=3), np.bincount(muni, minlength=n),
                np.bincount(muni[mode == MUNICIPALITY], minlength=n),
                np.bincount(muni[failed], minlength=n), np.bincount(muni[ok], minlength=n))


def _time_year(population: str, seed: int, *, one_by_one: bool = False):
    """Build a world (without spin-up) and run 52 weeks: ``run_for(52)`` or 52 ``step()``."""
    gc.collect()  # start each run clean: models and agents hold reference cycles
    t0 = time.perf_counter()
    # Built without its spin-up, so that the build is the world and its agents alone.
    model = CoProductionModel(population=population, rng=seed, **CALIBRATED, spinup_weeks=0)
    t1 = time.perf_counter()
    if one_by_one:
        for _ in range(52):
            model.step()
    else:
        model.run_for(52)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(model.agents)


def _mesa_registration(n_agents: int) -> float:
    """Time for Mesa alone to create and register ``n_agents`` bare agents."""
    model = mesa.Model(rng=0)
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(n_agents):
        mesa.Agent(model)
    return time.perf_counter() - t0


def _unit_work(model_cls, seed: int, weeks: int = 20) -> float:
    """Mean time of the units' weekly pass: compiled (one kernel call) or per agent."""
    model = model_cls(rng=seed, **CALIBRATED)
    stream, n_muni = model.uniforms, len(model.dominance)
    total = 0.0
    for week in range(1, weeks + 1):
        cells, _ = model._cells()
        stream.reserve(model.draws_per_week)
        t0 = time.perf_counter()
        if isinstance(model, PerAgentModel):
            model.units_pass(week, cells)
        else:
            *_, stream.cursor = kernels.units_week(
                stream.values, stream.cursor, week % WINDOW_WEEKS, model.pairs,
                model._units(), cells, model.rules.units, n_muni)
        total += time.perf_counter() - t0
    return total / weeks


def main() -> int:
    print(f"coprod model benchmark: medians of {REPEATS} runs, Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}")
    _time_year("survey2015", 0)  # loads the compiled kernels (compiles them on a new machine)
    for population in ("survey2015", "norway"):
        builds, steps, agents = zip(*(_time_year(population, s) for s in range(REPEATS)),
                                    strict=True)
        b, s = statistics.median(builds), statistics.median(steps)
        floor = statistics.median(_mesa_registration(agents[0]) for _ in range(2 * REPEATS))
        print(f"  one year, {population:10s}: run_for(52) {1e3 * s:6.1f} ms; build {1e3 * b:6.1f}"
              f" ms (Mesa alone, creating {agents[0]:,} bare agents: {1e3 * floor:5.1f} ms); "
              f"total {1e3 * (b + s):6.1f} ms")
    tracemalloc.start()
    _time_year("norway", 0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak memory, national year (tracemalloc): {peak / 2**20:.1f} MiB")
    vec = statistics.median(_unit_work(CoProductionModel, s) for s in range(REPEATS))
    loop = statistics.median(_unit_work(PerAgentModel, s) for s in range(3))
    print(f"  units' weekly work, 2015 sample: compiled pass {1e6 * vec:6.1f} µs, per-agent "
          f"loop {1e6 * loop:8.1f} µs ({1e6 * loop / 316:.1f} µs per unit): "
          f"{loop / vec:.0f}x faster")
    # The whole of 52 weeks (supply, units, volunteers, Mesa's step counter and the
    # DataCollector's rows) against the per-agent loop doing only the units' part of them,
    # in the same process: run_for's compiled blocks and 52 single steps.
    blocks = statistics.median(_time_year("survey2015", s)[1] for s in range(REPEATS))
    single = statistics.median(_time_year("survey2015", s, one_by_one=True)[1]
                               for s in range(REPEATS))
    print(f"  52 weeks, 2015 sample: run_for(52) {1e3 * blocks:.1f} ms, 52 step() calls "
          f"{1e3 * single:.1f} ms; the per-agent loop's units' part alone {52e3 * loop:.0f} ms:"
          f" {52 * loop / blocks:.0f}x and {52 * loop / single:.0f}x faster")
    # One calibration simulation, as calibration runs it: the collector set by
    # sim.batch.collector_spares_existing (objects the imports made are frozen, young
    # collections are rare), each run timed alone (median) and back to back (mean, the
    # collector's passes counted). Then the same with Python's default collector.
    figures = {}
    for spared in (True, False):
        with collector_spares_existing() if spared else contextlib.nullcontext():
            alone = []
            for s in range(2 * REPEATS):
                gc.collect()
                t0 = time.perf_counter()
                run(CALIBRATED, rng=s)
                alone.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for s in range(BACK_TO_BACK):
                run(CALIBRATED, rng=s)
            figures[spared] = (statistics.median(alone),
                               (time.perf_counter() - t0) / BACK_TO_BACK)
    spinup = CoProductionModel(rng=0).spinup
    print(f"  one calibration simulation (build with its {spinup}-week spin-up, virtual "
          f"survey): median {1e3 * figures[True][0]:.1f} ms, mean of {BACK_TO_BACK} back to "
          f"back {1e3 * figures[True][1]:.1f} ms; with Python's default collector: "
          f"{1e3 * figures[False][0]:.1f} ms and {1e3 * figures[False][1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
