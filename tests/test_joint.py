"""One world: the posterior covers every input acting before 2015; ensembles draw the rest."""

import json

import numpy as np
import pandas as pd
import pytest

from calibration.inputs import acts_before_2015, calibrated_inputs, policy_strengths, screen
from calibration.posterior import load_posterior
from scenarios.ensemble import build_tasks
from scenarios.spec import load_scenario
from sim.errors import InputError
from sim.parameters import ASSUMPTIONS, FREE, MODEL_VERSION, PARAMETERS


def test_which_inputs_act_before_2015_is_computed_from_the_model():
    # Forums and campaigns did not exist in 2015: their strengths cannot move it.
    assert not acts_before_2015("forum_trust_gain")
    assert not acts_before_2015("recruitment_response")
    # Trust mattered in 2015, and 20% of municipalities had a local policy.
    assert acts_before_2015("trust_weight") and acts_before_2015("policy_clarity")
    world = calibrated_inputs()
    assert set(FREE) <= set(world) and "staff_pressure_push" not in world
    assert set(world) | set(policy_strengths()) == {*FREE, *ASSUMPTIONS}


def test_the_shipped_posterior_covers_the_world_and_was_made_by_this_model():
    post = load_posterior()
    assert set(post.particles.columns) == set(calibrated_inputs())
    assert post.manifest["versions"]["model"] == str(MODEL_VERSION)


def test_the_screening_finds_what_moves_the_survey():
    found = screen(("municipal_tradition", "dominance_memory", "unsure_rate"),
                   worlds=200, rng=3)
    assert "municipal_tradition" in found.informative
    assert found.largest["municipal_tradition"] > 3 * found.largest["dominance_memory"]


def test_a_posterior_of_another_model_version_is_refused_in_one_line(tmp_path):
    shipped = load_posterior()
    frame = shipped.particles.assign(weight=shipped.weights)
    frame.to_csv(tmp_path / "posterior.csv", index=False)
    manifest = {**shipped.manifest, "versions": {**shipped.manifest["versions"],
                                                 "model": str(MODEL_VERSION - 1)}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="stale posterior: 'model version") as err:
        load_posterior(tmp_path)
    assert "coprod calibrate" in str(err.value) and "\n" not in str(err.value)


def test_ensembles_draw_whole_worlds_and_only_the_policy_strengths_besides():
    post = load_posterior()
    scenario = load_scenario("trust_forums").with_sizes(draws=3, assumption_draws=2,
                                                        replicates=1)
    tasks = build_tasks(scenario, post, seed=4)
    worlds = pd.DataFrame([t.params for t in tasks])
    particles = post.particles.round(8)
    for _, row in worlds.iterrows():  # every world is a particle, whole
        world = row[list(post.particles.columns)].round(8)
        overridden = [n for n in scenario.overrides if n in world.index]
        match = (particles.drop(columns=overridden)
                 == world.drop(overridden)).all(axis=1)
        assert match.any()
    drawn = [n for n in policy_strengths(tuple(post.particles.columns))
             if n not in scenario.overrides]
    assert worlds.groupby([t.tag["assumption_draw"] for t in tasks])[drawn].nunique() \
        .eq(1).all().all()
    for name in drawn:
        p = PARAMETERS[name]
        assert worlds[name].between(p.low, p.high).all() and worlds[name].nunique() == 2
    assert np.isfinite(worlds.to_numpy(float)).all()


def test_the_tables_answer_is_bounded_by_where_the_dropped_answers_could_have_gone():
    from calibration.classes import dropped_answers_bounds, observed_classes
    from calibration.observed_survey import load_table2

    table = load_table2()
    bounds = dropped_answers_bounds(table, reps=200, rng=1).set_index("case")
    assert bounds.loc["as observed", "class"] == observed_classes(table, reps=200,
                                                                  rng=1).observed
    assert bounds.loc["all dropped answers named municipality", "class"] == \
        "municipal-dominant"
    assert len(bounds) == 4 and bounds.probability.between(0, 1).all()


def test_the_fair_rival_predicts_from_the_activities_flags():
    from calibration.observed_survey import SurveyTable
    from sim.catalogue import TABLE2_IDS, activity
    from studies.leave_one_out import logit_shares

    # A world where only the statutory flag matters: the logit recovers a left-out
    # statutory activity's shares from the other statutory one.
    statutory = np.array([activity(a).statutory for a in TABLE2_IDS])
    counts = np.where(statutory[:, None], [[80, 5, 15]], [[30, 50, 20]])
    table = SurveyTable(TABLE2_IDS, counts, statutory, "synthetic")
    predicted = logit_shares(table, "food_delivery")
    assert predicted.sum() == pytest.approx(1.0)
    assert np.allclose(predicted, [0.8, 0.05, 0.15], atol=0.03)
