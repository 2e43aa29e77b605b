"""Summary statistics and the ABC distance: Table 2's shares and counts, noise-scaled.

The model is compared with the survey through the same 18 shares and 6 activity counts n
that the survey reports. Each difference is divided by the survey's own sampling noise,
so that a share measured on 19 day centres weighs less than one measured on 101 units:

* share (activity a, coordinator c): sd = sqrt(p̃ (1 − p̃) / n_a), p̃ = (k + 1)/(n_a + 2)
  (the Laplace-smoothed share, so that 0 of 19 still has a finite scale);
* count n_a: sd = sqrt(n_a) (Poisson-like sampling of who offers and answers).

The distance is the root mean square of these z-scores; a simulated activity with no
answers (n = 0) contributes a z-score of 10 for each of its shares.
"""

from __future__ import annotations

import numpy as np

from calibration.survey import SurveyTable
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.survey import SimulatedSurvey, shares_from_counts

MISSING_Z = 10.0
SHARE_KEYS = tuple(f"share:{a}:{c}" for a in TABLE2_IDS for c in COORDINATORS)
N_KEYS = tuple(f"n:{a}" for a in TABLE2_IDS)
KEYS = SHARE_KEYS + N_KEYS


def summarise_counts(counts: np.ndarray) -> dict[str, float]:
    """Summary statistics from a (6, 3) count table in Table 2's activity order."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=1)
    shares = shares_from_counts(counts)
    out = dict(zip(SHARE_KEYS, shares.ravel().tolist(), strict=True))
    out.update(zip(N_KEYS, n.tolist(), strict=True))
    return out


def summarise_simulated(survey: SimulatedSurvey) -> dict[str, float]:
    """Summary statistics of a simulated survey."""
    return summarise_counts(survey.counts)


def observed_summary(table: SurveyTable) -> dict[str, float]:
    """Summary statistics of an observed table with Table 2's activities."""
    order = table.rows(TABLE2_IDS)
    return summarise_counts(table.counts[order])


class SurveyDistance:
    """Noise-scaled RMS distance between simulated and observed summaries (picklable)."""

    def __init__(self, observed: dict[str, float]):
        n = np.array([observed[k] for k in N_KEYS])
        counts = np.array([observed[k] for k in SHARE_KEYS]).reshape(6, 3) * n[:, None]
        smooth = (counts + 1) / (n[:, None] + 2)
        self.share_sd = np.sqrt(smooth * (1 - smooth) / n[:, None]).ravel()
        self.n_sd = np.sqrt(np.maximum(n, 1))

    def z_scores(self, x: dict, x0: dict) -> np.ndarray:
        """Per-statistic z-scores (shares then counts)."""
        sim = np.array([x[k] for k in SHARE_KEYS])
        obs = np.array([x0[k] for k in SHARE_KEYS])
        z_share = np.where(np.isfinite(sim), (sim - obs) / self.share_sd, MISSING_Z)
        z_n = (np.array([x[k] for k in N_KEYS]) - np.array([x0[k] for k in N_KEYS])) / self.n_sd
        return np.concatenate([z_share, z_n])

    def __call__(self, x: dict, x0: dict, t=None, par=None) -> float:
        """Root mean square z-score."""
        z = self.z_scores(x, x0)
        return float(np.sqrt(np.mean(z**2)))
