"""A pyabc sampler whose posterior depends on the seed only, not on the number of workers.

pyabc's parallel samplers reseed their workers from the operating system and accept
particles in the order they happen to finish, so two runs never give the same posterior.
Here every candidate particle has an index within its generation, and candidate ``i``
is simulated with numpy's global generator (from which pyabc proposes parameters and
:func:`calibration.abc.abc_model` draws the model's seed) set to a seed derived from
the generation's base seed and ``i``. Candidates are evaluated in index order (in this
process, or in chunks in forked worker processes, a few chunks ahead) and accepted in
index order until the population is full; whatever was evaluated beyond the last
accepted index is discarded. The accepted particles, and the evaluation count pyabc
sees, are therefore the same for any number of workers and any chunk size.

The base seed of each generation is drawn from numpy's global generator, which
:func:`calibration.abc.calibrate` seeds around the whole run.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import random
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from pyabc.sampler import Sampler

from runtime.interrupts import interrupts_deferred
from runtime.pool import start_worker, stop_pool
from sim.errors import CoprodError

# The candidate generator of the generation being sampled. Forked workers inherit it:
# pyabc's closure over the generation's proposal and acceptance cannot be pickled.
_SIMULATE_ONE = None
MAX_CHUNK = 32  # candidates per task sent to a worker: about 0.4 s of work


def _candidate(index_and_seed: tuple[int, int]):
    """Simulate candidate ``index`` with the global generators seeded for it."""
    index, seed = index_and_seed
    np.random.seed(seed)  # noqa: NPY002 - pyabc proposes from numpy's global generator
    random.seed(seed)
    return index, _SIMULATE_ONE()


def candidate_seed(base: int, index: int) -> int:
    """The 32-bit seed of candidate ``index`` in a generation with seed ``base``."""
    return int(np.random.SeedSequence([base, index]).generate_state(1)[0])


class SeededSampler(Sampler):
    """Sample a generation reproducibly, in ``workers`` forked processes (or in this one).

    Ctrl-C in the parent stops the workers (which ignore it themselves) and propagates.
    """

    def __init__(self, workers: int = 1):
        super().__init__()
        self.workers = max(1, int(workers))

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Evaluate candidates in index order until ``n`` are accepted (or ``max_eval``)."""
        global _SIMULATE_ONE
        base = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 - seeded around the run
        _SIMULATE_ONE = simulate_one
        sample, accepted, evaluated = self._create_empty_sample(), 0, 0
        pool = self._pool()
        # In-process candidates reseed this process's generators: restore them after, so
        # that what pyabc draws between generations is the same with or without workers.
        saved = (np.random.get_state(), random.getstate())  # noqa: NPY002
        try:
            # One stream of candidates in index order, evaluated ahead of the one being
            # read (no batch boundaries where a worker waits for the other's last chunk).
            jobs = ((i, candidate_seed(base, i)) for i in (
                range(int(max_eval)) if math.isfinite(max_eval) else itertools.count()))
            results = (map(_candidate, jobs) if pool is None else
                       _in_order(pool, jobs, lambda: _chunk_size(n - accepted,
                                                                 accepted, evaluated,
                                                                 self.workers),
                                 self.workers))
            for _, particle in results:  # index order
                evaluated += 1
                sample.append(particle)
                accepted += bool(particle.accepted)
                if accepted >= n:
                    break
        except BrokenProcessPool:
            stop_pool(pool)
            pool = None
            raise CoprodError("a calibration worker process died (killed or out of "
                              "memory); every finished generation is kept") from None
        except BaseException:
            if pool is not None:
                stop_pool(pool)
                pool = None
            raise
        finally:
            if pool is not None:
                # Only the chunks already running are waited for: the rest are cancelled.
                pool.shutdown(wait=True, cancel_futures=True)
            _SIMULATE_ONE = None
            np.random.set_state(saved[0])  # noqa: NPY002
            random.setstate(saved[1])
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _pool(self) -> ProcessPoolExecutor | None:
        if self.workers == 1:
            return None
        # Forked, so that the workers inherit this generation's candidate generator.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(
            "fork"), initializer=start_worker, initargs=(os.getpid(),))


def _candidates(jobs: list[tuple[int, int]]) -> list:
    """A chunk of candidates, in a worker."""
    return [_candidate(job) for job in jobs]


def _chunk_size(needed: int, accepted: int, evaluated: int, workers: int) -> int:
    """Candidates per chunk: at most MAX_CHUNK, fewer as the population fills up.

    The chunks ahead of the one being read are, together, about half the candidates
    the acceptances still needed are expected to take (at the acceptance rate so far),
    so that little work is left running, to be discarded, when the population is full.
    """
    expected = needed * (evaluated + 1) / (accepted + 1)
    return int(min(MAX_CHUNK, max(1, expected / (2 * (workers + 1)))))


def _in_order(pool: ProcessPoolExecutor, jobs, chunk_size, workers: int):
    """Evaluate ``jobs`` in chunks on ``pool``; yield the results in index order.

    ``chunk_size()`` says how many candidates the next chunk takes. At most one chunk
    more than there are workers is submitted ahead of the one being read, so that when
    the caller stops early (the population is full) little work is still running, and
    none is abandoned inside a worker: a pool stopped while its workers read their
    queue can hang (``multiprocessing.Pool.terminate``).
    """
    def submit():
        chunk = list(itertools.islice(jobs, chunk_size()))
        return pool.submit(_candidates, chunk) if chunk else None

    with interrupts_deferred():  # workers set Ctrl-C aside before it can reach them
        pending = deque(f for f in (submit() for _ in range(workers + 1)) if f is not None)
    while pending:
        done = pending.popleft().result()
        following = submit()
        if following is not None:
            pending.append(following)
        yield from done
