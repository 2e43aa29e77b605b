"""The calibration's perturbation kernel, drawing proposals without per-draw set-up.

Every proposal pyabc asks of :class:`calibration.perturbation.ShrunkNormalTransition` (its
``MultivariateNormalTransition.rvs_single``) picked a particle with
``numpy.random.choice(p=w)`` — the cumulative weights summed again at each draw — read it
as a pandas row, and perturbed it with ``numpy.random.multivariate_normal``, which
decomposes the kernel's covariance (an SVD of 33 × 33) at each draw: about a millisecond
a proposal, a tenth of a simulation. :class:`FastShrunkNormalTransition` does that set-up
once per generation, when the kernel is fitted, and then makes each draw as numpy does —
the same uniform for the particle, the same normals, the same factor — so the proposal is
the same float, from the same numbers of numpy's global generator, as pyabc's.
"""

from __future__ import annotations

import warnings

import numpy as np
from pyabc import Parameter

from calibration.perturbation import ShrunkNormalTransition

# numpy.random.choice refuses weights whose sum is further from 1 than this; where the
# weights come near it, the draw is left to numpy (its refusal included).
SUM_TOLERANCE = 1e-10


class FastShrunkNormalTransition(ShrunkNormalTransition):
    """:class:`ShrunkNormalTransition`, its draws' set-up made once per fit."""

    def fit(self, X, w) -> None:
        """Fit as the parent does, then prepare what every draw needs."""
        super().fit(X, w)
        self._draw = None
        weights = np.asarray(self.w, dtype=np.double)
        values = self.X.to_numpy()
        if (weights.ndim != 1 or len(weights) != len(self.X) or values.dtype != np.double
                or not np.all(weights >= 0) or abs(weights.sum() - 1) > SUM_TOLERANCE):
            return
        # numpy.random.choice(range, p=w): a uniform against the normalised cumulative
        # weights (numpy.random.mtrand.RandomState.choice).
        cdf = weights.cumsum()
        cdf /= cdf[-1]
        # numpy.random.multivariate_normal(0, cov): standard normals times
        # sqrt(s)[:, None] * v from the covariance's SVD, plus the mean (zeros).
        cov = np.array(self.cov).astype(np.double)
        _, s, v = np.linalg.svd(cov)
        if not np.allclose(np.dot(v.T * s, v), cov, rtol=1e-8, atol=1e-8):
            warnings.warn("covariance is not symmetric positive-semidefinite.",
                          RuntimeWarning, stacklevel=2)
        self._draw = (cdf, np.sqrt(s)[:, None] * v, np.zeros(cov.shape[0]), values,
                      list(self.X.columns))

    def rvs_single(self) -> Parameter:
        """One proposal: a particle drawn by weight, perturbed by the normal kernel."""
        if getattr(self, "_draw", None) is None:
            return super().rvs_single()
        cdf, factor, mean, values, columns = self._draw
        index = cdf.searchsorted(np.random.random_sample(), side="right")  # noqa: NPY002
        dim = len(mean)
        x = np.random.standard_normal([dim]).reshape(-1, dim)  # noqa: NPY002
        x = np.dot(x, factor)
        x += mean
        x = x.reshape(dim)
        return Parameter(dict(zip(columns, (values[index] + x).tolist(), strict=True)))
