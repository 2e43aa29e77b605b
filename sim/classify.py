"""The research question's answer: separate, shared or municipal-dominant coordination.

Applied to the activities that occurred in the last four weeks, per municipality and for
all of them pooled (rules checked in this order):

* **shared** — at least 30% of activities are coordinated together;
* **municipal-dominant** — at least 60% are coordinated by the municipality alone;
* **separate** — tasks are divided: at least 70% of statutory activities are coordinated
  by the municipality alone and at least 50% of non-statutory ones by organisations
  alone;
* **mix** — none of these.

A municipality with no activity in the window is ``none``.
"""

from __future__ import annotations

import numpy as np

SHARED_MIN, DOMINANT_MIN, DIVISION_STAT_MIN, DIVISION_NONSTAT_MIN = 0.30, 0.60, 0.70, 0.50


def classify_counts(mun, vol, tog, stat_mun, stat_total, non_vol, non_total) -> np.ndarray:
    """Classify arrays of counts (one entry per municipality or group)."""
    total = mun + vol + tog
    with np.errstate(invalid="ignore", divide="ignore"):
        tog_share, mun_share = tog / total, mun / total
        stat_m = np.where(stat_total > 0, stat_mun / stat_total, np.nan)
        non_v = np.where(non_total > 0, non_vol / non_total, np.nan)
    label = np.full(np.shape(total), "mix", dtype=object)
    separate = (stat_m >= DIVISION_STAT_MIN) & (non_v >= DIVISION_NONSTAT_MIN)
    label[separate] = "separate"
    label[mun_share >= DOMINANT_MIN] = "municipal-dominant"
    label[tog_share >= SHARED_MIN] = "shared"
    label[total == 0] = "none"
    return label


def classify(window: np.ndarray, unit_muni: np.ndarray, statutory: np.ndarray,
             n_muni: int) -> tuple[np.ndarray, str]:
    """Per-municipality labels and the label of all municipalities pooled."""
    stat = np.broadcast_to(statutory[None, None, :], window.shape)
    muni = np.broadcast_to(unit_muni[None, :, None], window.shape)

    def per_muni(mask):
        return np.bincount(muni[mask], minlength=n_muni).astype(float)

    mun, vol, tog = (per_muni(window == k) for k in range(3))
    stat_mun, stat_total = per_muni((window == 0) & stat), per_muni((window >= 0) & stat)
    non_vol, non_total = per_muni((window == 1) & ~stat), per_muni((window >= 0) & ~stat)
    labels = classify_counts(mun, vol, tog, stat_mun, stat_total, non_vol, non_total)
    sums = [np.array(x.sum()) for x in (mun, vol, tog, stat_mun, stat_total, non_vol,
                                        non_total)]
    return labels, str(classify_counts(*sums))
