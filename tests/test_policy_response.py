import numpy as np
import pandas as pd
import pytest

from scenarios.policy_response import ALL, BINS, policy_response, response


def _runs(rng, n_worlds=40, n_a=3, n_r=2, reading=False):
    rows = []
    for p in range(n_worlds):
        for a in range(n_a):
            for r in range(n_r):
                rows.append({"draw": p * n_a + a, "replicate": r, "seed": 100 * p + 10 * a + r,
                             "posterior_draw": p, "assumption_draw": a})
    design = pd.DataFrame(rows)
    for name, high in (("municipal_default", 2.0), ("policy_clarity", 1.0),
                       ("policy_participation", 0.6)):
        design[name] = rng.uniform(0, high, n_worlds)[design.posterior_draw]
    if reading:
        design["policy_reading"] = np.array(["division", "sharing"])[
            design.posterior_draw % 2]
    effect = -0.05 * design.municipal_default + rng.normal(0, 0.005, len(design))
    if reading:  # sharing: the default route does nothing
        effect = np.where(design.policy_reading == "sharing", 0.0, effect)
    effects = design[["draw", "replicate", "seed"]].assign(share_municipality=effect)
    return effects.set_index(["draw", "replicate", "seed"]), design


def test_the_effect_is_read_off_for_each_belief_about_a_route():
    effects, design = _runs(np.random.default_rng(0), n_worlds=200)
    frame = response(effects, design, outcomes=("share_municipality",)).frame
    mine = frame[frame.route == "municipal_default"].sort_values("bin_low")
    assert len(mine) == BINS and list(mine.reading.unique()) == [ALL]
    assert mine.bin_low.iloc[0] == 0.0 and mine.bin_high.iloc[-1] == 2.0
    # −0.05 per unit of strength: the weakest quarter near −0.0125, the strongest −0.0875.
    assert np.all(np.diff(mine["median"]) < 0)
    assert mine["median"].iloc[0] == pytest.approx(-0.0125, abs=0.01)
    assert mine["median"].iloc[-1] == pytest.approx(-0.0875, abs=0.01)
    assert (mine.low_90 <= mine["median"]).all() and (mine["median"] <= mine.high_90).all()
    assert mine.runs.sum() == len(design)
    # A route the effect does not follow gives flat medians.
    other = frame[frame.route == "policy_clarity"]
    assert np.ptp(other["median"]) < np.ptp(mine["median"]) / 2


def test_each_reading_has_its_own_answer():
    effects, design = _runs(np.random.default_rng(1), reading=True)
    frame = response(effects, design, outcomes=("share_municipality",)).frame
    mine = frame[frame.route == "municipal_default"]
    assert set(mine.reading) == {ALL, "division", "sharing"}
    sharing = mine[mine.reading == "sharing"]
    assert (sharing["median"] == 0).all()
    division = mine[mine.reading == "division"].sort_values("bin_low")
    assert division["median"].iloc[-1] < -0.07


def test_a_real_ensemble_gives_a_table_and_a_figure(small_ensembles, tmp_path):
    result = policy_response(small_ensembles)
    frame = result.to_frame()
    from scenarios.policy_response import ROUTES

    # Every strength of the policy: each reading's, clarity and participation.
    assert set(frame.route) <= set(ROUTES) and {"policy_sharing", "policy_control"} <= \
        set(ROUTES)
    # Two world draws: every bin says its band is one world's, none is silent.
    assert (frame.world_draws < 3).all() and frame.note.str.len().gt(0).all()
    paths = result.write(tmp_path)
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    assert "by what one assumes of each route" in result.sentence()


def test_a_comparison_whose_runs_vary_no_route_writes_no_empty_response(tiny_compared):
    # One run per scenario: no route varies, so there is nothing to bin; the notes say so
    # and no empty table or blank figure is left beside the comparison.
    from scenarios.results import ComparisonResult

    read = ComparisonResult.read(tiny_compared)
    assert read.response is None
    assert not (tiny_compared / "policy_response.csv").exists()
    assert not (tiny_compared / "policy_response.png").exists()
    assert "policy_response.csv" not in read.written
