"""Many runs at once: local processes by default, a Dask cluster when given an address.

Every task carries its own seed, spawned from one root :class:`numpy.random.SeedSequence`,
and results come back in task order, so the numbers are identical whatever the number
or kind of workers. A run that fails is reported with its parameters and seed; the
finished runs are kept.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np

from sim.errors import CoprodError


@dataclass(frozen=True)
class Task:
    """One model run: parameters, horizon, population and seed."""

    params: dict
    steps: int
    seed: int
    population: str = "survey2015"
    tag: dict = field(default_factory=dict)  # e.g. scenario name and posterior draw


@dataclass(frozen=True)
class Failure:
    """A run that raised: enough to reproduce it."""

    task: Task
    error: str

    def describe(self) -> str:
        """One line naming the run's tag, seed, parameters and error."""
        tag = ", ".join(f"{k}={v}" for k, v in self.task.tag.items())
        params = ", ".join(f"{k}={v:.4g}" for k, v in sorted(self.task.params.items()))
        return f"run [{tag}] seed {self.task.seed} failed: {self.error} (parameters: {params})"


class RunFailures(CoprodError):
    """Raised after a batch in which some runs failed; finished results are kept."""

    def __init__(self, failures: list[Failure], results: list):
        self.failures, self.results = failures, results
        super().__init__(f"{len(failures)} of {len(results)} runs failed; first: "
                         f"{failures[0].describe()}")


def spawn_seeds(root, n: int) -> list[int]:
    """``n`` independent integer seeds spawned from one root seed."""
    return [int(s.generate_state(1, np.uint64)[0])
            for s in np.random.SeedSequence(root).spawn(n)]


def connect(scheduler: str):
    """A Dask client for ``scheduler``; an unreachable address is one clear error."""
    from distributed import Client

    try:
        return Client(scheduler, timeout="10s")
    except OSError as err:
        raise CoprodError(f"--scheduler: cannot reach {scheduler!r} ({err}); start a "
                          "scheduler with 'dask scheduler' or omit --scheduler") from None


def _call(fn: Callable, task: Task):
    try:
        return fn(task)
    except Exception as err:
        return Failure(task, f"{type(err).__name__}: {err}")


def _call_chunk(fn: Callable, tasks: Sequence[Task]) -> list:
    return [_call(fn, t) for t in tasks]


class _Progress:
    """A one-line progress display on stderr (only when it is a terminal or forced)."""

    def __init__(self, total: int, label: str, show: bool):
        self.total, self.label, self.done = total, label, 0
        self.show = show
        self.start = time.perf_counter()

    def update(self, k: int = 1) -> None:
        self.done += k
        if self.show:
            elapsed = time.perf_counter() - self.start
            eta = elapsed / self.done * (self.total - self.done) if self.done else 0
            print(f"\r{self.label}: {self.done}/{self.total} runs, {elapsed:5.1f} s elapsed, "
                  f"~{eta:4.0f} s left", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.show:
            print(file=sys.stderr)


def run_tasks(fn: Callable[[Task], object], tasks: Sequence[Task], *, workers: int = 1,
              scheduler: str | None = None, progress: bool | None = None,
              label: str = "runs", raise_on_failure: bool = True) -> list:
    """Apply ``fn`` to every task and return the results in task order.

    ``workers`` local processes (1 = in this process), or the Dask cluster at
    ``scheduler`` (e.g. ``tcp://127.0.0.1:8786``). ``fn`` must be a module-level function.
    Failed runs become :class:`Failure` entries; with ``raise_on_failure`` a
    :class:`RunFailures` carrying every finished result is raised at the end.
    """
    tasks = list(tasks)
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(len(tasks), label, show)
    results: list = [None] * len(tasks)
    if scheduler:
        from distributed import as_completed

        with connect(scheduler) as client:
            futures = client.map(_call, [fn] * len(tasks), tasks, pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in as_completed(futures):
                results[index[fut.key]] = fut.result()
                bar.update()
    elif workers <= 1:
        for i, task in enumerate(tasks):
            results[i] = _call(fn, task)
            bar.update()
    else:
        # Chunks amortise inter-process overhead. Forking skips re-importing everything
        # in each worker, but is only safe from a single-threaded parent; otherwise spawn.
        size = max(1, min(16, len(tasks) // (workers * 4)))
        chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
        method = ("fork" if threading.active_count() == 1
                  and "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
            futures = [pool.submit(_call_chunk, fn, c) for c in chunks]
            pos = 0
            for chunk, fut in zip(chunks, futures, strict=True):
                out = fut.result()
                results[pos:pos + len(chunk)] = out
                pos += len(chunk)
                bar.update(len(chunk))
    bar.close()
    failures = [r for r in results if isinstance(r, Failure)]
    if failures and raise_on_failure:
        raise RunFailures(failures, results)
    return results
