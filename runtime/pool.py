"""Many runs at once: local processes by default, a Dask cluster when given an address.

Every task carries its own seed, spawned from one root :class:`numpy.random.SeedSequence`,
and results come back in task order, so the numbers are identical whatever the number
or kind of workers. A run that fails is reported with its parameters and seed; the
finished runs are kept.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np

from runtime.interrupts import interrupts_deferred
from sim.errors import CoprodError, InputError


@dataclass(frozen=True)
class Task:
    """One model run: parameters, horizon, population and seed."""

    params: dict
    steps: int
    seed: int
    population: object = "survey2015"  # what the task's function builds on (a name or a spec)
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


MAX_WORKERS = 256  # local processes; more only thrash a shared machine
CONNECT_TIMEOUT_S = 10  # a scheduler that does not answer within this is refused
# A scheduler greets a client as soon as it connects; a service silent for this long is
# not one (a loaded scheduler still answers within milliseconds).
GREETING_TIMEOUT_S = 3
_SCHEMES = ("tcp", "tls", "ws", "wss", "inproc", "ucx")


def check_workers(workers: int, where: str = "workers") -> int:
    """Validate a number of local worker processes (1 to :data:`MAX_WORKERS`)."""
    if isinstance(workers, bool) or not 1 <= workers <= MAX_WORKERS:
        raise InputError(where, workers, f"allowed: a whole number from 1 to {MAX_WORKERS}")
    return workers


def _probe(scheduler: str) -> None:
    """Refuse ``scheduler`` unless a Dask scheduler answers on it.

    distributed's comm layer trusts the first 8 bytes it reads as a message length, so
    an HTTP server (or any other service) on the port can make it hang or try to
    allocate exabytes. A scheduler speaks first: it sends its handshake, a short
    message, as soon as a client connects. A plain socket with timeouts checks that.
    """
    import socket
    import struct
    from urllib.parse import urlsplit

    where = "scheduler"
    allowed = "allowed: the address of a Dask scheduler, e.g. tcp://127.0.0.1:8786"
    address = scheduler if "://" in scheduler else "tcp://" + scheduler
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise InputError(where, scheduler, allowed, problem="malformed address") from None
    if parts.scheme not in _SCHEMES or not host or port is None:
        raise InputError(where, scheduler, allowed, problem="malformed address")
    if parts.scheme != "tcp":
        return  # TLS and the others need their own handshake; distributed's timeouts apply
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S) as sock:
            sock.settimeout(GREETING_TIMEOUT_S)
            header = b""
            while len(header) < 8:
                more = sock.recv(8 - len(header))
                if not more:
                    break
                header += more
    except TimeoutError:
        header = b""
    except OSError as err:
        raise InputError(where, scheduler, f"start a scheduler with 'dask scheduler' or "
                         f"omit the scheduler ({err})", problem="cannot reach") from None
    if len(header) < 8 or not 0 < struct.unpack("<Q", header)[0] < 2**20:
        raise InputError(where, scheduler, allowed + " (the service on that port did not "
                         "greet as one)", problem="not a Dask scheduler at")


def check_scheduler(scheduler: str) -> None:
    """Refuse, in one line, a scheduler no Dask scheduler answers on (before any work)."""
    _probe(scheduler)


def connect(scheduler: str):
    """A Dask client for ``scheduler``; a wrong or unreachable address is one clear error."""
    _probe(scheduler)
    import dask
    from distributed import Client

    timeout = f"{CONNECT_TIMEOUT_S}s"
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": timeout}):
            return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError, MemoryError) as err:
        raise InputError("scheduler", scheduler, f"start one with 'dask scheduler' or "
                         f"omit the scheduler ({type(err).__name__}: {err})",
                         problem="no Dask scheduler answered at") from None


def _interrupted(err: BaseException) -> bool:
    """True when ``err`` is, or was caused by, a KeyboardInterrupt.

    Ctrl-C landing inside a numba kernel surfaces as ``SystemError: CPUDispatcher(...)
    returned a result with an exception set`` whose context is the KeyboardInterrupt.
    """
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def _call(fn: Callable, task: Task):
    try:
        return fn(task)
    except Exception as err:
        if _interrupted(err):
            raise KeyboardInterrupt from None  # an interrupt is never a failed run
        return Failure(task, f"{type(err).__name__}: {err}")


def _call_chunk(fn: Callable, tasks: Sequence[Task]) -> list:
    return [_call(fn, t) for t in tasks]


def start_worker(parent: int | None = None) -> None:
    """Worker initializer: signals as the parent wants them, and a cheap garbage collector.

    Ctrl-C reaches the whole process group; the parent decides. SIGTERM keeps its default
    action, so that the parent can end a worker at once. The worker ends with its
    ``parent`` (the pid that made the pool; default: this process's parent), however the
    parent ends, even by SIGKILL (:func:`watch_parent`). The collector is set as
    :func:`collector_spares_existing` sets it, for the worker's life.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    watch_parent(os.getppid() if parent is None else parent)
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_S = 0.5  # how often the fallback watcher looks for its parent


def watch_parent(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends.

    On Linux the kernel sends SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere, and as a fallback, a daemon thread checks every :data:`PARENT_CHECK_S`
    seconds whether this process has been handed to another parent, and exits if so.
    A parent that died before this was set up is caught by the first check.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to ask: the watcher below suffices
            pass
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)  # nobody waits for this worker's results any more

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


# Allocations between two collections of the youngest objects (Python's default is 700).
YOUNG_COLLECTION_EVERY = 100_000


# Objects the interpreter itself froze before coprod ran (Python 3.12 starts with a few
# hundred): more than these means someone froze objects on purpose.
_FROZEN_AT_IMPORT = gc.get_freeze_count()


@contextlib.contextmanager
def collector_spares_existing():
    """For the block, a garbage collector suited to running many models in a row.

    Each model is a reference cycle (Mesa's scheduler and agents point back at it) with a
    few thousand agents, so models are freed only by the cyclic collector. With Python's
    defaults each model's agents outlive a few young collections, are promoted, and are
    freed by full passes that also walk every object the imported libraries made: 4 ms
    a run on average, 30% of a calibration simulation (``make bench``). Here the objects
    that exist now are frozen out of the passes (``gc.freeze``), and young collections
    run every :data:`YOUNG_COLLECTION_EVERY` allocations, so that most models are
    garbage, and freed at once, by the time one runs. Both are undone when the block
    ends. A process that froze objects itself since this module was imported (a
    caller's own ``gc.freeze()``, or an enclosing block) keeps them frozen: the block
    then neither collects everything nor freezes and unfreezes, which would thaw the
    caller's objects too.
    """
    thresholds = gc.get_threshold()
    frozen_before = gc.get_freeze_count() > _FROZEN_AT_IMPORT
    if not frozen_before:
        gc.collect()
        gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen_before:
            gc.unfreeze()


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a batch; ``done`` runs had finished (and were handed to the caller)."""

    def __init__(self, done: int, total: int):
        self.done, self.total = done, total
        # What the command line reports; a caller that stores the runs says where.
        self.kept = f"{done} of {total} runs had finished; no results were written"
        super().__init__(f"{done} of {total} runs finished")


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
              label: str = "runs", raise_on_failure: bool = True,
              on_result: Callable[[int, object], None] | None = None) -> list:
    """Apply ``fn`` to every task and return the results in task order.

    ``workers`` local processes (1 = in this process), or the Dask cluster at
    ``scheduler`` (e.g. ``tcp://127.0.0.1:8786``). ``fn`` must be a module-level function.
    ``on_result(i, result)`` is called in this process as each run finishes, so the
    caller can store it at once. Failed runs, and runs lost with a dead worker process
    or cluster, become :class:`Failure` entries; with ``raise_on_failure`` a
    :class:`RunFailures` carrying every finished result is raised at the end. Ctrl-C
    stops the workers and raises :class:`Interrupted`.
    """
    tasks = list(tasks)
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(len(tasks), label, show)
    results: list = [None] * len(tasks)

    def deliver(i: int, result) -> None:
        results[i] = result
        if on_result is not None and not isinstance(result, Failure):
            on_result(i, result)
        bar.update()

    try:
        if scheduler:
            _run_dask(fn, tasks, scheduler, deliver)
        elif workers <= 1:
            with collector_spares_existing():
                for i, task in enumerate(tasks):
                    deliver(i, _call(fn, task))
        else:
            _run_pool(fn, tasks, check_workers(workers), deliver)
    except KeyboardInterrupt:
        bar.close()
        raise Interrupted(sum(r is not None for r in results), len(tasks)) from None
    bar.close()
    failures = [r for r in results if isinstance(r, Failure)]
    if failures and raise_on_failure:
        raise RunFailures(failures, results)
    return results


def _run_pool(fn: Callable, tasks: list[Task], workers: int, deliver) -> None:
    """Local worker processes; results delivered as chunks finish."""
    # Chunks amortise inter-process overhead. Forking skips re-importing everything
    # in each worker, but is only safe from a single-threaded parent; otherwise spawn.
    size = max(1, min(16, len(tasks) // (workers * 4)))
    starts = list(range(0, len(tasks), size))
    method = ("fork" if threading.active_count() == 1
              and "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=get_context(method),
                               initializer=start_worker, initargs=(os.getpid(),))
    try:
        # Workers start during the submissions: SIGINT stays blocked until each has set
        # it aside (a Ctrl-C meanwhile waits here), so none prints a traceback.
        with interrupts_deferred():
            futures = {pool.submit(_call_chunk, fn, tasks[s:s + size]): s for s in starts}
        for fut in as_completed(futures):
            s = futures[fut]
            try:
                out = fut.result()
            except BrokenProcessPool:
                # A worker died (killed, out of memory): its chunk and any queued behind
                # it are lost; the finished ones were delivered already.
                out = [Failure(t, "lost: a worker process died (killed or out of memory)")
                       for t in tasks[s:s + size]]
            for k, result in enumerate(out):
                deliver(s + k, result)
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued chunks and end the workers mid-run."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
    try:
        # The executor offers no way to stop running work before Python 3.14's
        # terminate_workers(); its process table is the only handle on the workers.
        processes = list(getattr(pool, "_processes", {}).values())
        for proc in processes:
            proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        for proc in processes:
            proc.join(5)
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_dask(fn: Callable, tasks: list[Task], scheduler: str, deliver) -> None:
    """The Dask cluster at ``scheduler``; a lost cluster fails only the unfinished runs."""
    import logging

    from distributed import as_completed as dask_completed

    # A lost cluster is reported run by run, below; distributed's own error logs and
    # tracebacks about it would only bury that report.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with connect(scheduler) as client:
        futures = client.map(_call, [fn] * len(tasks), tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        pending = set(range(len(tasks)))
        try:
            for fut in dask_completed(futures):
                i = index[fut.key]
                try:
                    result = fut.result()
                except Exception as err:  # e.g. KilledWorker: the run, not the batch
                    if _interrupted(err):
                        raise KeyboardInterrupt from None
                    result = Failure(tasks[i], f"lost on the cluster: {type(err).__name__}")
                pending.discard(i)
                deliver(i, result)
        except KeyboardInterrupt:
            client.cancel(futures)
            raise
        except Exception as err:  # the connection to the cluster is gone
            for i in sorted(pending):
                deliver(i, Failure(tasks[i], "lost: the connection to the Dask cluster "
                                   f"failed ({type(err).__name__})"))
