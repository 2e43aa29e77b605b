"""Ctrl-C and SIGTERM held off around work that must not be cut in two."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def interrupts_deferred():
    """Hold Ctrl-C and SIGTERM until the block ends, so that they never cut work in two.

    Used around steps that must not be interrupted halfway: creating a store, starting
    worker processes, and the calls into the compiled kernels (an exception raised while
    numba checks a kernel's arguments can crash the interpreter). A signal that arrives
    meanwhile is recorded and, when the block ends, handled by the handler that was in
    force (the block yields the list of pending signals, so a loop can stop early).
    Processes forked inside the block inherit the recording handlers, so they never
    print a traceback before setting Ctrl-C aside. Outside the main thread Python runs no
    signal handlers: no-op there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    pending: list[int] = []
    # A signal the process ignores stays ignored, and is not recorded either: a pool
    # worker sets Ctrl-C aside (its parent decides), and one recorded there would stop
    # the worker's run early and hand back a cut-short result.
    previous = {sig: signal.signal(sig, lambda signum, frame: pending.append(signum))
                for sig in STOP_SIGNALS if signal.getsignal(sig) != signal.SIG_IGN}
    try:
        yield pending
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # Each signal that came is handled once, in the order they came, by the handler
        # in force before the block. One the process ignores does not hide one it does
        # not: a pool worker ignores Ctrl-C, and a SIGTERM from its parent (stopping the
        # pool) that came after a Ctrl-C to the whole process group must still end it.
        for sig in dict.fromkeys(pending):
            handler = previous[sig]
            if callable(handler):
                handler(sig, None)
            elif handler == signal.SIG_DFL:
                if sig == signal.SIGINT:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), sig)  # the default action, now
