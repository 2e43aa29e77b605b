"""Summary statistics and the ABC distance: Table 2's independent information, whitened.

The model is compared with the survey through what Table 2 holds independently: per
activity, two free shares (municipality and voluntary organisation; "together" is
implied, the three sum to 1) and the count n. Each is measured against the survey's own
sampling noise, so that shares measured on 19 day centres weigh less than shares
measured on 101 units:

* the two shares of activity a are whitened with their multinomial covariance
  Σ = (diag(p̃) − p̃ p̃ᵀ) / n_a at the observed, Laplace-smoothed shares
  p̃ = (k + 1) / (n_a + 3) (so that 0 of 19 still has a finite scale): z = L⁻¹ (p_sim −
  p_obs) with Σ = L Lᵀ, two independent standard scores per activity;
* the count n_a: z = (n_sim − n_obs) / sqrt(n_obs) (Poisson-like sampling of who offers
  and answers).

The distance is the root mean square of these 18 z-scores; two independent surveys of the
same world differ by about sqrt(2) ≈ 1.41 on it. A simulated activity with no answers
(n = 0) contributes a z-score of 10 for each of its two shares.
"""

from __future__ import annotations

import numpy as np

from calibration.observed_survey import SurveyTable
from sim.catalogue import COORDINATORS, TABLE2_IDS
from sim.virtual_survey import SimulatedSurvey, shares_from_counts

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


FREE_SHARES = COORDINATORS[:2]  # the third share is implied


class SurveyDistance:
    """Whitened RMS distance between simulated and observed summaries (picklable).

    ``activities`` (default: all six of Table 2) are those whose two free shares and
    count enter the distance; leaving one out gives the distance of a calibration that
    never sees it (:mod:`studies.leave_one_out`). The default is the full distance.
    """

    def __init__(self, observed: dict[str, float], activities=None):
        chosen = TABLE2_IDS if activities is None else tuple(activities)
        unknown = [a for a in chosen if a not in TABLE2_IDS]
        if unknown or not chosen:
            raise ValueError(f"activities must be among {', '.join(TABLE2_IDS)} "
                             f"(got {', '.join(unknown) or 'none'})")
        self.activities = tuple(a for a in TABLE2_IDS if a in chosen)
        self.rows = np.array([TABLE2_IDS.index(a) for a in self.activities])
        n = np.array([observed[k] for k in N_KEYS])
        counts = np.array([observed[k] for k in SHARE_KEYS]).reshape(6, 3) * n[:, None]
        smooth = (counts[:, :2] + 1) / (n[:, None] + 3)
        # Per activity, the inverse Cholesky factor of the two free shares' covariance.
        cov = (np.eye(2)[None] * smooth[:, :, None]
               - smooth[:, :, None] * smooth[:, None, :]) / np.maximum(n, 1)[:, None, None]
        self.whiten = np.linalg.inv(np.linalg.cholesky(cov))
        self.share_sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2)).ravel()
        self.n_sd = np.sqrt(np.maximum(n, 1))

    def z_scores(self, x: dict, x0: dict) -> np.ndarray:
        """Standard scores: two per used activity for the shares, then one per count."""
        keys = [f"share:{a}:{c}" for a in TABLE2_IDS for c in FREE_SHARES]
        sim = np.array([x[k] for k in keys]).reshape(6, 2)
        obs = np.array([x0[k] for k in keys]).reshape(6, 2)
        z_share = np.einsum("aij,aj->ai", self.whiten, sim - obs)
        z_share[~np.isfinite(sim).all(axis=1)] = MISSING_Z
        z_n = (np.array([x[k] for k in N_KEYS]) - np.array([x0[k] for k in N_KEYS])) / self.n_sd
        return np.concatenate([z_share[self.rows].ravel(), z_n[self.rows]])

    def __call__(self, x: dict, x0: dict, t=None, par=None) -> float:
        """Root mean square z-score."""
        z = self.z_scores(x, x0)
        return float(np.sqrt(np.mean(z**2)))
