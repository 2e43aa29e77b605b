"""The mechanisms the paper names: who adopts a policy, trust, quality, volunteer kinds."""

import numpy as np
import pytest

from sim import CoProductionModel, run
from sim.catalogue import activity_index
from sim.population import build_population


def _coordination(model):
    return model.choice_probabilities()


def test_larger_municipalities_adopt_a_local_policy_first():
    # 18% of municipalities, 55% of inhabitants (Frivillighet Norge 2020).
    levers = {"policy_share": 0.18, "volunteer_centre_share": 0.8,
              "municipal_service_share": 0.1, "volunteer_share": 0.044,
              "volunteers_per_agent": 20, "service_takeover": 0.3, "service_new_reach": 0.2,
              "individual_share": 0.2, "agreement_share": 0.55, "organisations_per_10k": 4.0}
    covered, centre_gap = [], []
    for seed in range(6):
        pop = build_population("norway", levers, seed)
        size = pop.muni_population
        covered.append(size[pop.muni_flags["policy"]].sum() / size.sum())
        held = pop.muni_flags["centre"]
        centre_gap.append(size[held].sum() / size.sum() - held.mean())
    assert 0.45 < np.mean(covered) < 0.65
    assert abs(np.mean(centre_gap)) < 0.08  # centres do not depend on size


def test_raising_a_share_only_adds_holders():
    model = CoProductionModel(rng=4, policy_share=0.6)
    before = model.flags["policy"].copy()
    model.step()
    after = model.flags["policy"]
    assert after.mean() > before.mean() and np.all(after[before])


def test_trust_makes_a_unit_readier_to_hand_an_activity_over():
    def voluntary_by_trust(handover):
        model = CoProductionModel(rng=5, spinup_weeks=0, trust_handover=handover)
        trusting = model.trust[model.pair_unit] > np.median(model.trust)
        p = _coordination(model)[:, 1]
        return p[trusting].mean() - p[~trusting].mean()

    assert voluntary_by_trust(4.0) > voluntary_by_trust(0.0) + 0.02


def test_units_that_see_untrained_volunteers_fail_pull_coordination_back():
    # Quality motive: failures lower trust, and less trust means less handing over.
    def municipal_share(risk):
        res = run({"untrained_risk": risk, "trust_handover": 4.0, "quality_control": 1.0},
                  rng=7, steps=52)
        return res.timeseries.share_municipality.iloc[-26:].mean()

    assert municipal_share(0.04) > municipal_share(0.0) + 0.005


def test_volunteers_the_units_recruit_themselves_count_on_the_municipalitys_side():
    low = CoProductionModel(rng=6, spinup_weeks=0, individual_share=0.0)
    high = CoProductionModel(rng=6, spinup_weeks=0, individual_share=0.4)
    assert high.population.team_individual.mean() == pytest.approx(0.4 / 1.2, abs=0.05)
    assert _coordination(high)[:, 0].mean() > _coordination(low)[:, 0].mean() + 0.01


def test_a_duty_from_a_later_date_moves_that_activity_towards_the_municipality_then():
    model = CoProductionModel(rng=3, social_duty=1.0, lever_week=3)
    social = model.pair_act == activity_index("social")
    before = _coordination(model)[social, 0].mean()
    model.run_for(3)
    assert _coordination(model)[social, 0].mean() == pytest.approx(before, abs=0.05)
    model.run_for(1)  # week 4: the duty is in force
    assert model.regime.start_week == 4
    assert _coordination(model)[social, 0].mean() > before + 0.2
