"""The collector setting of a batch of runs leaves the process's collector as it was."""

from __future__ import annotations

import gc
import subprocess
import sys


def test_a_batch_leaves_a_callers_frozen_objects_frozen():
    from runtime.pool import collector_spares_existing

    gc.freeze()  # a caller's (here also the test process's) objects, frozen on purpose
    frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
    with collector_spares_existing():
        assert gc.get_threshold()[0] != thresholds[0]
    # Not thawed (a thaw leaves none frozen; a few frozen objects may be freed meanwhile).
    assert gc.get_freeze_count() > frozen // 2
    assert gc.get_threshold() == thresholds


def test_a_batch_in_a_fresh_process_freezes_and_thaws_what_it_froze():
    code = ("import gc; from runtime.pool import collector_spares_existing\n"
            "t, n = gc.get_threshold(), gc.get_freeze_count()\n"
            "with collector_spares_existing():\n"
            "    assert gc.get_freeze_count() > n + 10_000\n"
            "assert gc.get_freeze_count() == 0 and gc.get_threshold() == t\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
