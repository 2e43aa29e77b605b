"""Regression adjustment of an ABC sample: it narrows only by what the summaries tell."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.regression_adjust import adjust, weighted_quantiles


def test_adjustment_recovers_the_width_the_summaries_allow():
    """θ uniform on [0, 1] among accepted particles; one summary s = θ + N(0, 0.05²),
    observed at 0.5, among 20 summaries of pure noise: the adjusted 90% interval is
    centred on 0.5 and about 2 × 1.645 × 0.05 wide; an input the summaries do not
    inform keeps its width."""
    gen = np.random.default_rng(0)
    n = 600
    theta = gen.uniform(0, 1, n)
    other = gen.uniform(0, 1, n)
    scores = np.c_[theta + gen.normal(0, 0.05, n), gen.normal(size=(n, 20))]
    observed = np.r_[0.5, np.zeros(20)]
    weights = gen.uniform(0.5, 1.5, n)
    lo, med, hi = weighted_quantiles(adjust(theta, scores, observed, weights, (0, 1)),
                                     weights, [0.05, 0.5, 0.95])
    assert med == pytest.approx(0.5, abs=0.03)
    assert hi - lo == pytest.approx(2 * 1.645 * 0.05, rel=0.35)
    lo, hi = weighted_quantiles(adjust(other, scores, observed, weights, (0, 1)), weights,
                                [0.05, 0.95])
    assert hi - lo == pytest.approx(0.9, abs=0.08)
