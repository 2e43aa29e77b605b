"""The local policy as an open question: its readings, written agreements, the reading
carried by a posterior's particles into ensembles, and the trust terms' centre."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import load_posterior, write_posterior
from sim import CoProductionModel, regime, run
from sim.errors import InputError
from sim.parameters import PARAMETERS, from_unit, validate
from sim.population import build_population


def _probs(**params):
    """Choice probabilities (pairs × municipality, voluntary, together) with the levers
    in force from the start, and which pairs are statutory."""
    model = CoProductionModel(rng=4, spinup_weeks=0, **params)
    stat = model.structure.statutory.astype(bool)[model.pair_act]
    return model.choice_probabilities(), stat


def _policy_effect(reading: str, **params):
    """Probabilities with a local policy everywhere minus with none, and statutory pairs."""
    without, stat = _probs(policy_reading=reading, policy_share=0.0, **params)
    with_policy, _ = _probs(policy_reading=reading, policy_share=1.0, **params)
    return with_policy - without, stat


def test_division_lowers_municipal_coordination_of_non_statutory_activities():
    effect, stat = _policy_effect("division")
    assert effect[~stat, 0].mean() < -0.05
    assert effect[~stat, 1].mean() > 0.03  # handed to the organisations
    assert np.allclose(effect[stat], 0.0)  # statutory tasks stay the municipality's


def test_control_raises_municipal_coordination_of_non_statutory_activities():
    effect, stat = _policy_effect("control")
    assert effect[~stat, 0].mean() > 0.05
    assert effect[~stat, 1].mean() < 0 and effect[~stat, 2].mean() < 0
    assert np.allclose(effect[stat], 0.0)


def test_sharing_raises_coordinating_together_in_every_activity():
    effect, stat = _policy_effect("sharing")
    assert effect[~stat, 2].mean() > 0.05 and effect[stat, 2].mean() > 0.0
    assert effect[:, 0].mean() < 0 and effect[:, 1].mean() < 0


@pytest.mark.parametrize("reading", ["division", "sharing", "control"])
def test_a_reading_acts_through_its_own_strength_only(reading):
    own = regime.READING_STRENGTHS[reading]
    # At strength 0 the reading does nothing to who coordinates ...
    off, _ = _policy_effect(reading, **{own: 0.0})
    assert np.allclose(off, 0.0)
    # ... and the other readings' strengths do nothing under it.
    others = {name: 2.0 for r, name in regime.READING_STRENGTHS.items() if r != reading}
    low, _ = _probs(policy_reading=reading, policy_share=1.0)
    high, _ = _probs(policy_reading=reading, policy_share=1.0, **others)
    assert np.allclose(low, high)


def test_the_reading_is_a_model_choice_by_number_or_name_and_nothing_between():
    assert validate({"policy_reading": "control"})["policy_reading"] == 2.0
    assert validate({"policy_reading": 1})["policy_reading"] == 1.0
    for bad in (1.5, "both", 3):
        with pytest.raises(InputError, match='"division" \\(0\\), "sharing" \\(1\\), '
                                             '"control" \\(2\\)'):
            validate({"policy_reading": bad})
    # A draw over its range is one of its levels, each a third of the time.
    u = np.random.default_rng(0).random(30_000)
    levels = from_unit("policy_reading", u)
    assert set(np.unique(levels)) == {0.0, 1.0, 2.0}
    assert np.allclose(np.bincount(levels.astype(int)) / len(u), 1 / 3, atol=0.01)
    assert from_unit("trust_drift", 0.5) == pytest.approx(0.02)


def test_more_than_half_hold_written_agreements_in_2015_and_every_policy_holder_does():
    levers = {**{n: p.default for n, p in PARAMETERS.items()}}
    agree, policy = [], []
    for name in ("survey2015", "norway"):
        for seed in range(10):
            flags = build_population(name, levers, seed).muni_flags
            assert not (flags["policy"] & ~flags["agreement"]).any()  # policy ⇒ agreement
            agree.append(flags["agreement"].mean())
            policy.append(flags["policy"].mean())
    assert np.mean(agree) > 0.5 and np.mean(policy) == pytest.approx(0.2, abs=0.05)
    # The larger municipalities hold them first (the policy's slope).
    pop = build_population("norway", levers, 1)
    held = pop.muni_flags["agreement"]
    assert np.median(pop.muni_population[held]) > np.median(pop.muni_population[~held])


def test_clarity_comes_from_agreements_and_the_agreement_lever_moves_it():
    model = CoProductionModel(rng=4, spinup_weeks=0, policy_share=0.0, agreement_share=1.0,
                              policy_clarity=1.0)
    assert not model.flags["policy"].any() and model.flags["agreement"].all()
    assert np.all(model.rules.units.adhoc_scale == 0.0)
    assert np.all(model.unsure_probability() == 0.0)
    none = CoProductionModel(rng=4, spinup_weeks=0, policy_share=0.0, agreement_share=0.0,
                             policy_clarity=1.0)
    assert np.all(none.rules.units.adhoc_scale == 1.0)
    # Fewer agreements than policies: the policy's holders still hold one.
    few = CoProductionModel(rng=4, spinup_weeks=0, policy_share=1.0, agreement_share=0.0,
                            policy_clarity=1.0)
    assert np.all(few.rules.units.adhoc_scale == 0.0)


def test_a_reading_acts_in_2015_where_a_policy_held():
    # About a fifth of municipalities had a policy: the reading changes the 2015 survey,
    # which is why the survey may tell the readings apart.
    answers = [run({"policy_reading": r, "spinup_weeks": 8}, rng=2).survey.answers
               for r in ("division", "control")]
    assert not np.array_equal(*answers)


def test_the_reading_travels_from_the_posterior_into_the_ensembles_runs(tmp_path):
    from scenarios.ensemble import assumption_design, build_tasks
    from scenarios.spec import load_scenario

    names = [n for n, p in PARAMETERS.items() if p.kind == "free"]
    particles = pd.DataFrame({n: [PARAMETERS[n].default] * 3 for n in names})
    particles["policy_reading"] = [0.0, 1.0, 2.0]
    write_posterior(tmp_path, particles, np.array([0.2, 0.3, 0.5]))
    text = (tmp_path / "posterior.csv").read_text().splitlines()
    column = text[0].split(",").index("policy_reading")
    assert [row.split(",")[column] for row in text[1:]] == ["0", "1", "2"]  # whole numbers
    post = load_posterior(tmp_path)
    assert post.level_shares() == pytest.approx({0.0: 0.2, 1.0: 0.3, 2.0: 0.5})
    assert post.median()["policy_reading"] == 2.0  # the likeliest reading, not a median
    scenario = load_scenario("local_volunteer_policy")
    tasks = build_tasks(scenario, post, seed=7)
    drawn = {t.params["policy_reading"] for t in tasks}
    assert drawn <= {0.0, 1.0, 2.0} and len(drawn) > 1
    # Each run is built under its particle's reading.
    task = next(t for t in tasks if t.params["policy_reading"] == 2.0)
    model = CoProductionModel(rng=1, spinup_weeks=0, **{k: v for k, v in task.params.items()
                                                         if k != "spinup_weeks"})
    assert regime.reading(model.config) == "control"
    # A posterior without the reading leaves it to the ensembles: drawn over its levels.
    design = assumption_design(9, 3, ("policy_reading", "forum_rate"))
    assert {d["policy_reading"] for d in design} <= {0.0, 1.0, 2.0}
    # A posterior whose reading column is not a level is refused in one line.
    bad = tmp_path / "bad"
    bad.mkdir()
    rows = [row.split(",") for row in text[1:]]
    rows[1][column] = "1.5"
    (bad / "posterior.csv").write_text("\n".join([text[0], *map(",".join, rows)]) + "\n")
    with pytest.raises(InputError, match="policy_reading"):
        load_posterior(bad)


def test_the_trust_terms_are_centred_on_the_models_2015_mean_trust():
    # TRUST_REFERENCE is computed from the model (0.596 over 20 seeds at the defaults),
    # not taken from the paper, which has no data on trust.
    trust = [run({}, rng=s).timeseries["mean_trust"].iloc[-1] for s in range(3)]
    assert np.mean(trust) == pytest.approx(regime.TRUST_REFERENCE, abs=0.02)


def test_a_scenario_may_fix_the_reading_by_name():
    from scenarios.spec import parse_scenario

    text = ('name = "sharing_policy"\ndescription = "A policy, read as a sharing of tasks."\n'
            'horizon_weeks = 52\ndraws = 2\nassumption_draws = 1\nreplicates = 1\n'
            '[set]\npolicy_share = 1.0\npolicy_reading = "sharing"\n')
    assert parse_scenario(text, "mine.toml").overrides["policy_reading"] == 1.0
    with pytest.raises(InputError, match=r"mine\.toml: key 'set\.policy_reading'.*sharing"):
        parse_scenario(text.replace('"sharing"', '"partnership"'), "mine.toml")
