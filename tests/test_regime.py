"""One regime: what a lever changes is built in one place and read where it is used."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from sim import CoProductionModel, outcomes, regime, run
from sim.parameters import PARAMETERS, Parameter
from sim.streams import Streams
from sim.virtual_survey import ANSWERS

UNSURE = ANSWERS.index("unsure")


def _unsure_share(result) -> float:
    answers = result.survey.answers
    return float((answers == UNSURE).sum() / (answers >= 0).sum())


def test_a_local_policy_cuts_unsure_answers_in_the_survey_at_the_horizon():
    # The survey at the horizon must read the unsure rate of the regime in force then,
    # not the one of 2015: paired over seeds, a full policy with full clarity gives
    # fewer unsure answers than no policy at all.
    cut = [_unsure_share(run({"policy_share": 0.0}, rng=s, steps=8))
           - _unsure_share(run({"policy_share": 1.0, "policy_clarity": 1.0}, rng=s, steps=8))
           for s in range(12)]
    assert np.mean(cut) > 0.02
    assert stats.ttest_1samp(cut, 0.0).statistic > 2


def test_every_consumer_reads_the_regime_in_force_after_the_switch():
    model = CoProductionModel(rng=5, policy_share=1.0, policy_clarity=1.0,
                              volunteer_centre_share=1.0, recruitment_effort=2.0)
    before = model.regime
    assert before.start_week <= 0 and not before.flags["policy"].all()
    model.step()  # the model is built at 2015: the first step puts the levers in force
    now = model.regime
    assert now is not before and now.start_week == 1
    assert now.flags["policy"].all() and now.flags["centre"].all()
    # The survey, the rules and the agents all see the new regime, and only it.
    assert np.all(model.unsure_probability() == 0.0)
    assert np.all(model.rules.units.adhoc_scale == 0.0)
    assert np.all(model.rules.units.risk == 0.0)
    assert model.rules.volunteers.recruit_rate.max() > before.rules.volunteers.recruit_rate.max()
    assert model.levers["recruitment_effort"] == 2.0
    assert model.team_service is now.flags.team_service
    # The regime is a value: it cannot be changed in place by a consumer.
    with pytest.raises(dataclasses.FrozenInstanceError):
        now.unsure = before.unsure


def test_a_toy_lever_needs_only_its_row_and_its_lines_in_build_regime(monkeypatch):
    # As docs/ODD.md 3.6 says: a row in the parameter table, lines in build_regime.
    monkeypatch.setitem(PARAMETERS, "respondent_training", Parameter(
        "respondent_training", 0.0, 0.0, 1.0, "lever", "toy: share of unsure answers cut"))
    built = regime.build_regime

    def with_toy_lever(config, week, flags, structure):
        r = built(config, week, flags, structure)
        return dataclasses.replace(r, unsure=r.unsure * (1 - r.levers["respondent_training"]))

    monkeypatch.setattr(regime, "build_regime", with_toy_lever)
    trained = run({"respondent_training": 1.0, "unsure_rate": 0.1}, rng=3, steps=8)
    untrained = run({"unsure_rate": 0.1}, rng=3, steps=8)
    assert (trained.survey_2015.answers == UNSURE).sum() > 10  # 2015: the lever not yet
    assert (trained.survey.answers == UNSURE).sum() == 0
    assert (untrained.survey.answers == UNSURE).sum() > 10
    assert trained.survey_2015.to_frame().equals(untrained.survey_2015.to_frame())


def test_a_new_flag_lever_shifts_no_other_random_number(monkeypatch):
    # Each purpose draws from its own named stream: a fourth flag drawn by the
    # population and switched at 2015 leaves every other number of the run unchanged.
    before = run({"policy_share": 0.6}, rng=8, steps=8)
    monkeypatch.setitem(PARAMETERS, "toy_share", Parameter(
        "toy_share", 0.5, 0.0, 1.0, "lever", "toy: share of municipalities with a toy",
        flag="toy"))
    after = run({"policy_share": 0.6, "toy_share": 0.9}, rng=8, steps=8)
    assert after.timeseries.equals(before.timeseries)
    assert np.array_equal(after.survey.answers, before.survey.answers)
    model = CoProductionModel(rng=8, toy_share=0.9)
    model.step()
    assert model.flags["toy"].mean() > 0.6


def test_named_streams_are_independent_of_the_order_they_are_asked_for():
    a, b = Streams(4), Streams(4)
    first = a["weekly"].random(3)
    b["survey:week 0"].random(5)
    assert np.array_equal(b["weekly"].random(3), first)
    assert not np.array_equal(Streams(4)["trust"].random(3), first)
    assert not np.array_equal(Streams(5)["weekly"].random(3), first)


def test_outcomes_live_beside_the_state_never_in_it():
    model = CoProductionModel(rng=2)
    model.run_for(3)
    assert not set(outcomes.NAMES) & set(vars(model))
    assert tuple(model.week_outcomes) == outcomes.NAMES
    with pytest.raises(TypeError):
        model.week_outcomes["mean_trust"] = 0.0  # a read-only record


def test_run_for_leaves_what_as_many_steps_leave():
    blocks, steps = (CoProductionModel(rng=6, resource_pressure=0.8, forum_intensity=1.0,
                                       policy_share=0.7) for _ in range(2))
    blocks.run_for(30)
    for _ in range(30):
        steps.step()
    assert blocks.steps == steps.steps == 30 and blocks.week == steps.week == 30
    # Mesa's clock, where the release has one (3.4 and later), agrees.
    assert [getattr(m, "time", 30) for m in (blocks, steps)] == [30, 30]
    assert blocks.datacollector.get_model_vars_dataframe().equals(
        steps.datacollector.get_model_vars_dataframe())
    for name in ("trust", "team_active", "motivation", "dominance", "pair_window"):
        assert np.array_equal(getattr(blocks, name), getattr(steps, name)), name
    assert blocks.pressure_level == steps.pressure_level > 1.0
    assert len(blocks.datacollector.get_model_vars_dataframe()) == 30


def test_forums_and_pressure_move_with_the_week_within_a_regime():
    model = CoProductionModel(rng=1, resource_pressure=1.0, forum_intensity=1.0,
                              forum_gap_reduction=0.5)
    model.step()
    r = model.regime
    assert r.pressure(1) == pytest.approx(1 + 1 / 520) and r.pressure(600) == 2.0
    assert r.gap_scale(1) == 1.0 and r.gap_scale(2) == pytest.approx(1 - 0.01 * 0.5)
    assert 0.5 < r.gap_scale(2600) < 0.5001  # toward the floor, never below it
