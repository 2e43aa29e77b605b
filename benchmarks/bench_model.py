"""Model speed: medians over repeated runs, as ratios measured side by side in one run.

Prints:
* one simulation to the 2015 snapshot (build, 104-week spin-up, virtual survey, on the
  headless world): ``sim.run``, and what a calibration runs for one simulation
  (``sim.runner.survey_2015``, the survey alone), each beside ``sim.run`` of the model
  at commit 6bc55b1 (Mesa agents built for every run; calibration ran it), timed in
  subprocesses of this run;
* 52 weeks after 2015 with the Mesa wrapper (``run_for(52)`` and 52 ``step()`` calls)
  against an idiomatic per-agent Mesa loop (``agents.do("step")``, each LTC unit doing
  the units' weekly arithmetic on its own activities with small numpy arrays);
* builds: the headless world against the Mesa wrapper (the world and its agents), for
  the 2015 sample and all of Norway, and the national year's peak memory;
* with ``--quick`` (what the tests run): fewer repeats, no reference commit, no Norway.

Run with ``make bench``. Timings on shared machines are noisy: read the medians and ratios.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from pathlib import Path

import mesa
import numpy as np

from calibration.posterior import calibrated_parameters
from sim import CoProductionModel, kernels
from sim.agents import LTCUnit
from sim.model import MUNICIPALITY, TOGETHER, WINDOW_WEEKS
from sim.world import World

REPEATS = 7
BACK_TO_BACK = 100
# The model before the headless world, as the validation issue measured it.
REFERENCE_COMMIT = "6bc55b1"
ROOT = Path(__file__).resolve().parents[1]
# One calibration simulation, timed the same way here and in the reference's subprocess:
# the documented defaults (the reference has no shipped posterior of today's inputs).
TIME_RUNS = """
import gc, statistics, sys, time
from sim import run
n, what = int(sys.argv[1]), sys.argv[2]
if what == "calibration":
    # What a calibration runs per simulation: the survey at the snapshot alone (a commit
    # without sim.runner.survey_2015 ran sim.run for it).
    try:
        from sim.runner import survey_2015 as simulate
    except ImportError:
        simulate = run
else:
    simulate = run
for s in range(3):
    simulate(rng=s)  # load (or compile) the kernels
# As calibration sets the collector (runtime.pool.collector_spares_existing): what the
# imports made is frozen, young collections are rare.
gc.freeze()
gc.set_threshold(100_000, *gc.get_threshold()[1:])
times = []
for s in range(n):
    gc.collect()
    t0 = time.perf_counter()
    simulate(rng=s)
    times.append(time.perf_counter() - t0)
print(statistics.median(times))
"""
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
        self.week_units = self.world._units()
        self.week_results = []
        self.agents_by_type[PerAgentUnit].do("step")
        muni, mode, failed, ok = (np.concatenate(x) for x in zip(*self.week_results,
                                                                  strict=True))
        n = len(self.dominance)
        return (np.bincount(mode, minlength=3), np.bincount(muni, minlength=n),
                np.bincount(muni[mode == MUNICIPALITY], minlength=n),
                np.bincount(muni[failed], minlength=n), np.bincount(muni[ok], minlength=n))


def _time_world(population: str, seed: int) -> float:
    """Build a headless world without spin-up: the arrays alone, no agents."""
    gc.collect()
    t0 = time.perf_counter()
    World(population, seed, **CALIBRATED, spinup_weeks=0)
    return time.perf_counter() - t0


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
    world = model.world
    stream, n_muni = world.uniforms, len(model.dominance)
    total = 0.0
    for week in range(1, weeks + 1):
        cells, _ = world._cells()
        stream.reserve(world.draws_per_week)
        t0 = time.perf_counter()
        if isinstance(model, PerAgentModel):
            model.units_pass(week, cells)
        else:
            *_, stream.cursor = kernels.units_week(
                stream.values, stream.cursor, week % WINDOW_WEEKS, model.pairs,
                world._units(), cells, model.rules.units, n_muni)
        total += time.perf_counter() - t0
    return total / weeks


def _simulation_time(runs: int, what: str, path: str | None = None) -> float:
    """Median time of one simulation (``what``: "run" or "calibration") in a subprocess.

    ``path``: the folder holding the ``sim`` package to time (default this checkout's).
    """
    env = dict(os.environ)
    if path is not None:
        env.update(PYTHONPATH=path, NUMBA_CACHE_DIR=str(Path(path) / "numba"))
    out = subprocess.run([sys.executable, "-c", TIME_RUNS, str(runs), what], env=env,
                         cwd=path or ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def simulation_times(runs: int, rounds: int, reference: bool) -> dict[str, tuple]:
    """Simulation times of this checkout and, with ``reference``, of the reference commit.

    Per kind of simulation ("run": ``sim.run`` to the 2015 snapshot; "calibration": what
    a calibration runs for one simulation), the medians of this checkout and of the
    reference and the median of the rounds' ratios (None without the reference, or when
    this clone does not hold the commit). The reference's ``sim`` package is taken from
    git into a temporary folder (at the reference a calibration ran ``sim.run``). The
    two are timed in turns, ``rounds`` times each, so that a load on the shared machine
    falls on both alike.
    """
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "ref.tar"
        made = reference and subprocess.run(
            ["git", "-C", str(ROOT), "archive", "-o", str(archive), REFERENCE_COMMIT, "sim"],
            capture_output=True).returncode == 0
        if made:
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
        ours = {"run": [], "calibration": []}
        theirs = []
        for _ in range(rounds):
            for what in ours:
                ours[what].append(_simulation_time(runs, what))
            if made:
                theirs.append(_simulation_time(runs, "run", tmp))
    out = {}
    for what, times in ours.items():
        if not made:
            out[what] = (statistics.median(times), None, None)
            continue
        ratio = statistics.median(t / o for t, o in zip(theirs, times, strict=True))
        out[what] = (statistics.median(times), statistics.median(theirs), ratio)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="few repeats, no reference commit, no Norway (the tests)")
    quick = parser.parse_args(argv).quick
    repeats = 2 if quick else REPEATS
    print(f"coprod model benchmark: medians of {repeats} runs, Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}")
    _time_year("survey2015", 0)  # loads the compiled kernels (compiles them on a new machine)
    runs = 10 if quick else 40
    times = simulation_times(runs, 1 if quick else 5, not quick)
    labels = {"run": "sim.run to 2015 (build, spin-up, survey, the result's series and tables)",
              "calibration": "a calibration simulation (sim.runner.survey_2015: build, "
                             "spin-up, survey)"}
    for what, (ours, reference, ratio) in times.items():
        against = (f"; {REFERENCE_COMMIT}'s sim.run: {1e3 * reference:.1f} ms; now "
                   f"{ratio:.2f}x faster (median of the rounds' ratios; goal: 3x)"
                   if reference else f"; {REFERENCE_COMMIT} not timed"
                   + (" (--quick)" if quick else " (not in this clone)"))
        print(f"  one simulation, {labels[what]}, documented defaults, median of {runs}: "
              f"{1e3 * ours:.2f} ms{against}")
    vec = statistics.median(_unit_work(CoProductionModel, s) for s in range(repeats))
    loop = statistics.median(_unit_work(PerAgentModel, s) for s in range(min(3, repeats)))
    print(f"  units' weekly work, 2015 sample: compiled pass {1e6 * vec:6.1f} µs, per-agent "
          f"loop {1e6 * loop:8.1f} µs ({1e6 * loop / 316:.1f} µs per unit): "
          f"{loop / vec:.0f}x faster")
    # The whole of 52 weeks (supply, units, volunteers, Mesa's step counter and the
    # DataCollector's rows) against the per-agent loop doing only the units' part of them,
    # in the same process: run_for's compiled blocks and 52 single steps.
    blocks = statistics.median(_time_year("survey2015", s)[1] for s in range(repeats))
    single = statistics.median(_time_year("survey2015", s, one_by_one=True)[1]
                               for s in range(repeats))
    print(f"  52 weeks after 2015, 2015 sample: run_for(52) {1e3 * blocks:.1f} ms, 52 step() "
          f"calls {1e3 * single:.1f} ms; the per-agent Mesa loop's units' part alone "
          f"{52e3 * loop:.0f} ms: {52 * loop / blocks:.0f}x and {52 * loop / single:.0f}x "
          "faster (goal: 60x)")
    for population in ("survey2015",) if quick else ("survey2015", "norway"):
        worlds = statistics.median(_time_world(population, s) for s in range(repeats))
        builds, _steps, agents = zip(*(_time_year(population, s) for s in range(repeats)),
                                    strict=True)
        b = statistics.median(builds)
        floor = statistics.median(_mesa_registration(agents[0]) for _ in range(2 * repeats))
        print(f"  build, {population:10s}: headless world {1e3 * worlds:6.1f} ms; Mesa wrapper "
              f"{1e3 * b:6.1f} ms (Mesa alone, creating {agents[0]:,} bare agents: "
              f"{1e3 * floor:5.1f} ms)")
    if not quick:
        tracemalloc.start()
        _time_year("norway", 0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak memory, national year (tracemalloc): {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
