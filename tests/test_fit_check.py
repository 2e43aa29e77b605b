"""The predictive check as a value: computed in Python, written on demand, and the names
``coprod.fit`` says it wrote."""

import pandas as pd
import pytest

from calibration.fit_check import FIT_OUTPUTS, check_fit
from calibration.posterior import load_posterior


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """``coprod.fit(draws=10)`` as a value, what its ``write`` returned, and where."""
    import coprod

    check = coprod.fit(draws=10)
    folder = tmp_path_factory.mktemp("fit")
    return check, check.write(folder), folder


def test_a_fit_check_is_a_value_that_writes_what_it_holds(written):
    from coprod.pipeline import DEFAULT_SEED

    fit, names, folder = written
    # Everything a reader needs is on the object, not in its files.
    assert len(fit.shares) == 18 and fit.targets()["draws"] == 10
    assert fit.research_question()["observed"] == 1 and fit.year == 2015
    agree, of = fit.consistent("validation")
    assert 0 <= agree <= of and of > 0
    assert set(names) == set(FIT_OUTPUTS) - {"manifest.json"}
    back = pd.read_csv(folder / "fit.csv")
    assert list(back.activity) == list(fit.shares.activity)
    assert (back.sim_median.round(6) == fit.shares.sim_median.round(6)).all()
    # The same seed gives the same check.
    again = check_fit(load_posterior(), draws=10, rng=DEFAULT_SEED)
    assert again.targets() == fit.targets()


def test_the_fit_names_what_it_wrote(written, small_fit):
    from coprod.pipeline import fit_files

    check, names, _ = written
    assert fit_files(check) == [*names, "manifest.json"]
    # ... and they are what `coprod fit --draws 10` (the same check) left in its folder.
    assert sorted(fit_files(check)) == sorted(p.name for p in small_fit.folder.iterdir()
                                              if p.is_file() if not p.name.startswith("."))
