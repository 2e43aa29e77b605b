"""The ABC-SMC perturbation kernel: a normal kernel whose covariance stays full rank.

With 33 calibrated inputs, a generation's weighted covariance is poorly estimated (and
singular below 34 particles): pyabc's multivariate normal kernel then gives proposals
whose density underflows to 0 and weights of 0/0. The covariance is shrunk toward its
diagonal by λ = min(1, dimension / effective sample size) (a Ledoit-Wolf-type target:
the variances are kept, the correlations damped where the particles cannot estimate
them), then scaled by the bandwidth rule as pyabc does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats as st
from pyabc.transition import MultivariateNormalTransition
from pyabc.transition.exceptions import NotEnoughParticles
from pyabc.transition.util import smart_cov


class ShrunkNormalTransition(MultivariateNormalTransition):
    """pyabc's multivariate normal kernel with a covariance shrunk toward its diagonal."""

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        """Fit the kernel to the weighted particles ``X`` (as pyabc's, but shrunk)."""
        if len(X) == 0:
            raise NotEnoughParticles("Fitting not possible.")
        self._X_arr = X.values
        sample_cov = np.atleast_2d(smart_cov(self._X_arr, w))
        dim = sample_cov.shape[0]
        eff_sample_size = 1 / (w**2).sum()
        shrink = min(1.0, dim / eff_sample_size)
        target = np.diag(np.maximum(np.diag(sample_cov), 1e-12))
        cov = (1 - shrink) * sample_cov + shrink * target
        bw_factor = self.bandwidth_selector(eff_sample_size, dim)
        self.cov = cov * bw_factor**2 * self.scaling
        self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)
        self._range = np.arange(len(self.X))
