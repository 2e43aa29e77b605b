"""The calibration's prior density, computed in one array call, is pyabc's bit for bit."""

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
