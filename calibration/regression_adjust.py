"""Regression adjustment of an ABC sample (Beaumont, Zhang & Balding 2002), cross-fitted.

An ABC-SMC run stops at a tolerance above the survey's own noise: its accepted worlds
still differ in summaries that the distance, a root mean square over many scores, hardly
weighs — a local policy's contrast among 30 scores, say. Regression adjustment uses that
information: each accepted input is moved along the input's regression on the summaries
to where the observed summaries lie, ``θ* = θ − (f(s) − f(s_obs))``.

With 30 summaries and a few hundred particles an in-sample regression would narrow the
sample by overfitting, so ``f`` is a ridge regression whose penalty is chosen by exact
leave-one-out error, and each particle is moved by a fit made without its fold
(cross-fitting). The adjusted sample is a summary of the posterior of one input, not a
set of worlds: the particles (``posterior.csv``) stay what the model simulated.
"""

from __future__ import annotations

import numpy as np

ALPHAS = np.logspace(-3, 4, 15)  # ridge penalties tried, relative to the sample size
FOLDS = 5


def ridge(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
          ) -> tuple[np.ndarray, float]:
    """Ridge coefficients of ``y`` on ``x`` (both centred by the caller), and the penalty.

    The penalty is chosen by exact (weighted) leave-one-out error over :data:`ALPHAS`
    with one SVD; ``weights`` are observation weights (default equal).
    """
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    root = np.sqrt(w / w.mean())
    u, sv, vt = np.linalg.svd(x * root[:, None], full_matrices=False)
    uy = u.T @ (y * root)
    best, best_err = ALPHAS[0] * len(y), np.inf
    for alpha in ALPHAS * len(y):
        shrink = sv**2 / (sv**2 + alpha)
        fitted = u @ (shrink * uy)
        hat = (u**2) @ shrink
        err = np.mean(((y * root - fitted) / np.maximum(1 - hat, 1e-9)) ** 2)
        if err < best_err:
            best, best_err = alpha, err
    return vt.T @ (sv / (sv**2 + best) * uy), best


def _standardise(x: np.ndarray, rows: np.ndarray):
    mean, spread = x[rows].mean(axis=0), x[rows].std(axis=0)
    return mean, np.where(spread > 0, spread, 1.0)


def cross_fitted(y: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None,
                 at: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``y``'s ridge prediction from ``x`` for every row, each from the other folds.

    Returns the predictions and, when ``at`` (one row of summaries) is given, each
    row's fold's prediction at ``at`` (else zeros).
    """
    x = np.where(np.isfinite(x), x, np.nanmean(x, axis=0))
    fold = np.arange(len(y)) % FOLDS
    stat, there = np.empty(len(y)), np.zeros(len(y))
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    for f in range(FOLDS):
        train = fold != f
        mean, spread = _standardise(x, train)
        centre = np.average(y[train], weights=w[train])
        beta, _ = ridge((x[train] - mean) / spread, y[train] - centre, w[train])
        stat[~train] = centre + ((x[~train] - mean) / spread) @ beta
        if at is not None:
            there[~train] = centre + ((at - mean) / spread) @ beta
    return stat, there


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> np.ndarray:
    """Quantiles of ``x`` with weights ``w`` (midpoint interpolation)."""
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    cum = (cum - 0.5 * w[order]) / cum[-1]
    return np.interp(qs, cum, x[order])


def adjust(theta: np.ndarray, summaries: np.ndarray, observed: np.ndarray,
           weights: np.ndarray, bounds: tuple[float, float] | None = None) -> np.ndarray:
    """Regression-adjusted values of one input over an ABC sample (see the module).

    ``summaries`` (particles × scores) and ``observed`` (the observed scores, e.g. zeros
    for standard scores against the data); values are clipped to ``bounds``.
    """
    predicted, at_observed = cross_fitted(theta, summaries, weights, at=observed)
    adjusted = theta - (predicted - at_observed)
    return adjusted if bounds is None else np.clip(adjusted, *bounds)
