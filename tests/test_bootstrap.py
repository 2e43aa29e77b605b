import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from calibration.bootstrap import StatisticSpec, bca, survey_bootstrap
from calibration.observed_survey import load_table2, load_units
from sim.errors import InputError

from .conftest import DATA


@pytest.fixture(scope="module")
def table2_result():
    return survey_bootstrap(load_table2(), reps=10_000, rng=1)


def test_statistics_are_the_documented_30(table2_result):
    names = table2_result.names
    assert len(names) == 18 + 4 * 3
    assert names[0] == "share:social:municipality"
    assert "pooled_diff_excl_social:together" in names
    est = dict(zip(names, table2_result.estimate, strict=True))
    # Pooled: (16 + 18) / 45 statutory minus (35+36+31+8) / 263 non-statutory.
    assert est["pooled_diff:municipality"] == pytest.approx(34 / 45 - 110 / 263)
    assert est["mean_diff:voluntary"] == pytest.approx(
        np.mean([4 / 26, 0]) - np.mean([42 / 101, 19 / 73, 10 / 52, 19 / 37]))


def test_intervals_agree_with_r_boot(table2_result):
    """R boot 1.3 BCa, 10,000 replications (benchmarks/boot_reference.R, seed 1).

    Different random streams: agreement is within Monte Carlo error, which on these
    discrete shares is one step of 1/n (a 0/1 flip of one order statistic). Where the
    endpoint is an extreme order statistic (day centres, 18 of 19: the sample minimum of
    the replicates) it is itself a Monte Carlo extreme, and we allow three steps.
    """
    ref = pd.read_csv(DATA / "r_boot_table2_R10000_seed1.csv")
    ours = table2_result.to_frame().set_index("statistic").loc[ref.statistic]
    table = load_table2()
    step = {f"share:{a}:{c}": 1 / n for a, n in zip(table.activities, table.n, strict=True)
            for c in ("municipality", "voluntary", "together")}
    for col in ("estimate", "low_95", "high_95", "low_99", "high_99"):
        r, o = ref[col].to_numpy(), ours[col].to_numpy()
        assert np.array_equal(np.isnan(r), np.isnan(o)), col
        extreme = ours.note.str.contains("extreme order").to_numpy()
        tol = np.array([step.get(s, 0.015) for s in ref.statistic]) * np.where(extreme, 3, 1)
        tol += 1e-5  # R's output is printed to 6 decimals
        ok = np.isnan(r) | (np.abs(r - o) <= tol)
        assert ok.all(), (col, list(ref.statistic[~ok]))


def test_same_seed_same_numbers_and_batch_size_does_not_matter():
    a = survey_bootstrap(load_table2(), reps=1000, rng=7, batch=1000)
    b = survey_bootstrap(load_table2(), reps=1000, rng=7, batch=137)
    c = survey_bootstrap(load_table2(), reps=1000, rng=8)
    assert np.array_equal(a.replicates, b.replicates)
    assert a.to_frame().equals(b.to_frame())
    assert not np.array_equal(a.replicates, c.replicates)


def test_z0_counts_ties_as_not_below():
    # 30% of replicates strictly below, 40% tied with the estimate: R's rule gives
    # z0 = qnorm(0.3); scipy's tie-splitting rule would give qnorm(0.5).
    reps = np.array([0.0] * 300 + [1.0] * 400 + [2.0] * 300)
    _, _, z0, _ = bca(reps, 1.0, 0.0)
    assert z0 == pytest.approx(ndtri(0.3))


def test_bca_reduces_to_the_percentile_interval_without_bias_or_skew():
    # 9999 equally spaced replicates, estimate at the median, a = 0: the BCa levels are
    # the plain levels and (R+1)*alpha hits order statistics exactly.
    reps = np.arange(1, 10_000, dtype=float)
    lo, hi, z0, note = bca(reps[::-1], 5000.0, 0.0, levels=(0.95,))
    assert z0 == pytest.approx(ndtri(4999 / 9999))
    assert lo[0] == pytest.approx(250, abs=1) and hi[0] == pytest.approx(9750, abs=1)
    assert note == ""


def test_degenerate_shares_get_a_reason_not_a_bare_nan(table2_result):
    frame = table2_result.to_frame().set_index("statistic")
    row = frame.loc["share:day_centre:voluntary"]
    assert np.isnan(row.low_95) and "no sampling variation" in row.note
    assert frame.note.loc[frame.low_95.notna()].str.contains("no sampling").sum() == 0
    assert table2_result.significant("share:day_centre:voluntary", 0.95) is None


def test_unit_resampling_widens_nothing_into_nonsense(units_csv):
    units = load_units(units_csv)
    res = survey_bootstrap(units, reps=2000, rng=3, resample="unit")
    frame = res.to_frame().set_index("statistic")
    shares = frame[frame.index.str.startswith("share:")].dropna(subset=["low_95"])
    assert ((shares.low_95 <= shares.estimate) & (shares.estimate <= shares.high_95)).all()
    assert ((shares.low_99 <= shares.low_95) & (shares.high_95 <= shares.high_99)).all()
    # Whole units carry their answers to several activities together, so the draws
    # differ from resampling within activity.
    within = survey_bootstrap(units, reps=2000, rng=3)
    assert not np.array_equal(res.replicates, within.replicates)


def test_statistics_without_social_or_without_statutory_activities_are_omitted():
    spec = StatisticSpec.for_activities(("physical", "food_delivery"), [False, True])
    assert not any("excl_social" in n for n in spec.names)
    spec = StatisticSpec.for_activities(("physical",), [False])
    assert spec.names == ("share:physical:municipality", "share:physical:voluntary",
                          "share:physical:together")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"reps": 10}, r"^reps: invalid value 10; allowed: a whole number >= 100"),
    ({"reps": 1.5e3}, r"^reps"),
    ({"resample": "cluster"}, r"^resample: invalid value 'cluster'; allowed: activity, unit"),
    ({"resample": "unit"}, r"whole-unit resampling needs unit-level data"),
    ({"batch": 0}, r"batch: invalid value 0"),
])
def test_every_bootstrap_error_message(kwargs, message):
    with pytest.raises(InputError, match=message):
        survey_bootstrap(load_table2(), **kwargs)
