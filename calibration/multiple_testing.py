"""Holm's step-down adjustment: one family-wise error rate over many tests.

Used wherever coprod tests every input (or quantity) at once: whether the survey
narrowed each input (:mod:`calibration.narrowing`), whether each input's ranks are
uniform in the simulation-based calibration (:mod:`studies.sbc`), whether each input's
coverage in the recovery study departs from its level
(:func:`studies.parameter_recovery.coverage_departures`). Tested one at a time at 5%,
one or two of forty inputs would fail by chance alone.
"""

from __future__ import annotations

import numpy as np


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error over all of ``p``).

    A test is rejected at family-wise level ``alpha`` when its adjusted p-value is at
    most ``alpha``: the step-down rule (the j-th smallest p-value of m against
    ``alpha / (m - j)``, stopping at the first that is not below), as one array.
    """
    p = np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    scaled = (len(p) - np.arange(len(p))) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted
