"""The predictive check as a value: computed in Python, written on demand."""

import pandas as pd

from calibration.fit_check import FIT_OUTPUTS, check_fit
from calibration.posterior import load_posterior


def test_a_fit_check_is_a_value_that_writes_what_it_holds(tmp_path):
    fit = check_fit(load_posterior(), draws=10, rng=3, reps=500)
    # Everything a reader needs is on the object, before any file exists.
    assert len(fit.shares) == 18 and fit.targets()["draws"] == 10
    assert fit.research_question()["observed"] == 1 and fit.year == 2015
    agree, of = fit.consistent("validation")
    assert 0 <= agree <= of and of > 0
    written = fit.write(tmp_path)
    assert set(written) == set(FIT_OUTPUTS) - {"manifest.json"}
    back = pd.read_csv(tmp_path / "fit.csv")
    assert list(back.activity) == list(fit.shares.activity)
    assert (back.sim_median.round(6) == fit.shares.sim_median.round(6)).all()
    # The same seed gives the same check.
    again = check_fit(load_posterior(), draws=10, rng=3, reps=500)
    assert again.targets() == fit.targets()
