"""The calibration's prior density and proposals, made faster, are pyabc's bit for bit."""

import numpy as np
import pyabc

from calibration.abc import prior
from calibration.prior_density import ProbitPrior


def test_the_prior_density_is_pyabcs_to_the_last_bit():
    fast = prior()
    assert isinstance(fast, ProbitPrior)
    slow = pyabc.Distribution(**dict(fast.items()))
    rng = np.random.default_rng(0)
    names = list(fast.keys())
    for i in range(400):
        scale = [0.3, 1.0, 4.0, 40.0][i % 4]  # 40: densities underflow to 0
        x = {}
        for name in rng.permutation(names):  # pyabc multiplies in the particle's order
            x[str(name)] = (float(rng.integers(-1, 5)) if fast[name].name == "randint"
                            else float(rng.standard_normal() * scale))
        particle = pyabc.Parameter(**x)
        a, b = slow.pdf(particle), fast.pdf(particle)
        assert a == b and type(a) is type(b), (a, b)
    for odd in (np.inf, np.nan):
        x = {**dict(particle), names[0]: odd}
        a, b = slow.pdf(x), fast.pdf(x)
        assert (a == b) or (np.isnan(a) and np.isnan(b))


def test_the_kernel_draws_pyabcs_proposals_from_the_same_numbers():
    import pandas as pd

    from calibration.perturbation import ShrunkNormalTransition
    from calibration.proposal import FastShrunkNormalTransition

    rng = np.random.default_rng(1)
    n, d = 300, 12
    X = pd.DataFrame(rng.standard_normal((n, d)) @ rng.standard_normal((d, d)),
                     columns=[f"x{i}" for i in range(d)])
    w = rng.random(n) ** 3
    w /= w.sum()
    pyabcs, ours = ShrunkNormalTransition(scaling=2.0), FastShrunkNormalTransition(scaling=2.0)
    pyabcs.fit(X, w)
    ours.fit(X, w)
    state = np.random.get_state()  # noqa: NPY002
    try:
        for seed in range(200):
            np.random.seed(seed)  # noqa: NPY002
            a, after_a = pyabcs.rvs_single(), np.random.random()  # noqa: NPY002
            np.random.seed(seed)  # noqa: NPY002
            b, after_b = ours.rvs_single(), np.random.random()  # noqa: NPY002
            assert list(a) == list(b) and after_a == after_b
            assert all(a[k] == b[k] and type(a[k]) is type(b[k]) for k in a)
    finally:
        np.random.set_state(state)  # noqa: NPY002
