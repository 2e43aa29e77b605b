import inspect
import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import CoProductionModel, run
from sim.agents import LTCUnit, VoluntaryOrganisation, VolunteerTeam
from sim.catalogue import CATALOGUE, TABLE2_IDS
from sim.errors import InputError
from sim.model import OUTCOME_REPORTERS
from sim.outcomes import NAMES
from sim.parameters import ASSUMPTIONS, FREE, PARAMETERS, validate
from sim.population import build_population
from sim.published import SURVEY_2015
from sim.virtual_survey import ANSWERS


@pytest.fixture(scope="module")
def result():
    return run(rng=11, steps=12)


def test_same_seed_same_output_different_seed_differs(result):
    again = run(rng=11, steps=12)
    other = run(rng=12, steps=12)
    assert result.survey.to_frame().equals(again.survey.to_frame())
    assert result.timeseries.equals(again.timeseries)
    assert not result.timeseries.equals(other.timeseries)


def test_seed_sequence_and_generator_are_accepted():
    a = run(rng=np.random.SeedSequence(5), steps=4)
    b = run(rng=np.random.SeedSequence(5), steps=4)
    assert a.survey.to_frame().equals(b.survey.to_frame())
    c = run(rng=np.random.default_rng(5), steps=4)
    d = run(rng=np.random.default_rng(5), steps=4)
    assert c.timeseries.equals(d.timeseries)


def test_virtual_survey_is_shaped_like_table2(result):
    frame = result.survey.to_frame()
    assert list(frame.columns) == ["activity", "n", "municipality", "voluntary", "together",
                                   "offered"]
    assert tuple(frame.activity) == TABLE2_IDS
    answered = frame[frame.n > 0]
    assert np.allclose(answered[["municipality", "voluntary", "together"]].sum(axis=1), 1)
    assert result.survey.respondents == sum(SURVEY_2015.respondent_types.values()) == 244
    # n counts only usable answers of units that offered the activity.
    assert (frame.n <= np.round(frame.offered * 244)).all()
    assert ((frame.offered >= 0) & (frame.offered <= 1)).all()


def test_population_matches_the_2015_frame_and_norway():
    pop = build_population("survey2015", validate({}), 1)
    assert pop.sizes["municipalities"] == 50 and pop.sizes["units"] == 316
    assert np.bincount(pop.unit_type).tolist() == [166, 122, 14, 14]
    # Every municipality has a nursing home and a home-care unit.
    for m in range(50):
        types = set(pop.unit_type[pop.unit_muni == m].tolist())
        assert {0, 1} <= types
    nor = build_population("norway", validate({}), 1)
    assert nor.sizes["municipalities"] == 357
    assert 1500 < nor.sizes["units"] < 2400
    assert nor.muni_population.sum() == pytest.approx(5_550_000, rel=0.01)


def test_agents_are_real_mesa_agents_viewing_the_arrays():
    model = CoProductionModel(rng=3)
    units = model.agents_by_type[LTCUnit]
    assert len(units) == 316
    assert len(model.agents_by_type[VoluntaryOrganisation]) > 0
    teams = model.agents_by_type[VolunteerTeam]
    model.step()
    unit = next(iter(units))
    assert unit.trust == model.trust[unit.index]
    assert sum(t.active for t in teams) == model.team_active.sum()


def test_mesa_batch_run_steps_the_weeks_after_2015():
    # The model is built at 2015 (its spin-up is part of building it): every one of the
    # 20 steps has the lever in force.
    sweep, seeds = {"policy_share": [0.0, 1.0], "spinup_weeks": 4}, [1, 2]
    # Mesa 3.4 and later take the seeds as batch_run's own rng, earlier releases as a
    # parameter swept like the others (3.4 and later would overwrite that one).
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        rows = mesa.batch_run(CoProductionModel, sweep, rng=seeds, max_steps=20,
                              display_progress=False, number_processes=1)
    else:
        rows = mesa.batch_run(CoProductionModel, {**sweep, "rng": seeds}, max_steps=20,
                              display_progress=False, number_processes=1)
    by = {(r["policy_share"], r["rng"]): r for r in rows}
    assert len(by) == 4
    for seed in (1, 2):
        none, every = by[(0.0, seed)], by[(1.0, seed)]
        assert every["Step"] == none["Step"] == 20
        # The runs are paired until the lever switches; then the policy changes them.
        assert every["share_together"] != none["share_together"]


def _probs(**params):
    model = CoProductionModel(rng=4, spinup_weeks=0, **params)  # levers in force at once
    stat = model.structure.statutory.astype(bool)[model.pair_act]
    return model.choice_probabilities(), stat


def test_statutory_duty_pulls_statutory_activities_to_the_municipality():
    low, stat = _probs(statutory_pull=0.0)
    high, _ = _probs(statutory_pull=4.0)
    assert high[stat, 0].mean() > low[stat, 0].mean() + 0.1
    assert np.allclose(high[~stat], low[~stat])


def _pressed(weeks=260, **params):
    """A model ``weeks`` after resource pressure started rising (1.5 × after 5 years)."""
    model = CoProductionModel(rng=4, spinup_weeks=0, resource_pressure=1.0, **params)
    for _ in range(weeks):
        model.step()
    return model


def test_staff_pressure_acts_in_the_direction_its_sign_says_and_on_capacity():
    # Both signs are allowed: pressure pushes coordination away from the municipality
    # (+) or pressed units hold on to it (−); at 2015 pressure it does nothing.
    away = _pressed(staff_pressure_push=2.0, pressure_capacity=0.0)
    hold = _pressed(staff_pressure_push=-2.0, pressure_capacity=0.0)
    assert away.pressure_level == pytest.approx(1.5)
    assert away.choice_probabilities()[:, 0].mean() < hold.choice_probabilities()[:, 0].mean()
    base, _ = _probs(staff_pressure_push=2.0)
    same, _ = _probs(staff_pressure_push=-2.0)
    assert np.allclose(base, same)
    # A pressed unit hosts fewer activities.
    busy = [_pressed(pressure_capacity=k).datacollector.get_model_vars_dataframe()
            .activities_per_week.iloc[-52:].mean() for k in (0.0, 1.5)]
    assert busy[1] < 0.85 * busy[0]


def test_home_care_offset_moves_only_home_care_units():
    model = CoProductionModel(rng=4, spinup_weeks=0)
    home = model.structure.unit_home_care[model.pair_unit]
    low, _ = _probs(home_care_offset=-2.0)
    high, _ = _probs(home_care_offset=2.0)
    assert high[home, 0].mean() > low[home, 0].mean() + 0.2
    assert np.allclose(high[~home], low[~home])


def test_a_local_policy_acts_through_three_routes_each_switched_off_by_zero():
    # (a) the municipality's default: without an agreement it claims the non-statutory
    # activities; an agreement ends that, and only that.
    without, stat = _probs(policy_share=0.0, municipal_default=1.5)
    with_policy, _ = _probs(policy_share=1.0, municipal_default=1.5)
    assert with_policy[~stat, 0].mean() < without[~stat, 0].mean() - 0.1
    assert np.allclose(with_policy[stat], without[stat])
    off, _ = _probs(policy_share=0.0, municipal_default=0.0)
    off_policy, _ = _probs(policy_share=1.0, municipal_default=0.0)
    assert np.allclose(off, off_policy)  # route (a) at 0: no mode favoured
    # (b) clarity: no ad hoc coordination, joint failures from unclear roles or unsure
    # answers where full clarity holds.
    model = CoProductionModel(rng=4, spinup_weeks=0, policy_share=1.0, policy_clarity=1.0)
    assert np.all(model.rules.units.adhoc_scale == 0.0)
    assert np.all(model.rules.units.risk == 0.0) and np.all(model.unsure_probability() == 0)
    # (c) participation: more recruitment where a policy holds, none at 0.
    rates = [CoProductionModel(rng=4, spinup_weeks=0, policy_share=share,
                               policy_participation=0.5).rules.volunteers.recruit_rate.max()
             for share in (0.0, 1.0)]
    assert rates[1] == pytest.approx(1.5 * rates[0])
    none = [CoProductionModel(rng=4, spinup_weeks=0, policy_share=share,
                              policy_participation=0.0).rules.volunteers.recruit_rate.max()
            for share in (0.0, 1.0)]
    assert none[0] == none[1]


def test_activities_many_teams_supply_are_more_often_coordinated_ad_hoc():
    # One rate per team of supply: P(ad hoc) = 1 - exp(-a * supply), per cell.
    model = CoProductionModel(rng=3, spinup_weeks=0, adhoc_per_team=0.8)
    cells, _ = model.world._cells()
    p_occurs, p_adhoc = cells.p_occurs, cells.p_adhoc
    supply = -np.log1p(-p_occurs) / model.config["activity_rate"]
    assert np.allclose(p_adhoc, -np.expm1(-0.8 * supply))
    # ... so more teams, more answers of "several services" in the virtual survey.
    several = ANSWERS.index("several")

    def several_share(adhoc):
        answers = np.concatenate([run({"adhoc_per_team": adhoc}, rng=s).survey.answers
                                  for s in range(3)])
        return (answers == several).sum() / (answers >= 0).sum()

    # Without ad hoc coordination only a revision inside the window makes "several".
    assert several_share(1.6) > several_share(0.5) > 2 * several_share(0.0)


def test_untrained_volunteers_fail_whoever_coordinates():
    def failures(**params):
        res = run({"codestruction_risk": 0.0, "task_division": 5.0, "spinup_weeks": 4,
                   **params}, rng=5, steps=20)
        return res.timeseries.failed_activities.iloc[-20:].sum()

    # A strict division leaves almost no joint work: failures come from training alone.
    assert failures(untrained_risk=0.0) == 0
    assert failures(untrained_risk=0.04) > 0


def test_successful_joint_work_mobilises_volunteers():
    def volunteers(mobilisation):
        res = run({"joint_mobilisation": mobilisation, "trust_weight": 4.0,
                   "codestruction_risk": 0.0, "untrained_risk": 0.0}, rng=5, steps=52)
        return res.timeseries.active_volunteers.iloc[-26:].mean()

    assert volunteers(1.0) > 1.03 * volunteers(0.0)


def test_a_municipal_service_can_reach_people_organisations_do_not():
    def volunteers(reach):
        res = run({"municipal_service_share": 1.0, "service_new_reach": reach}, rng=6,
                  steps=156)
        return res.timeseries.active_volunteers.iloc[-26:].mean()

    assert volunteers(0.4) > 1.1 * volunteers(0.0)


def test_trust_enables_joint_coordination():
    # Centred on the 2015 mean trust (sim.regime.TRUST_REFERENCE): with trust_weight on,
    # a unit trusting more than that shares more, one trusting less shares less.
    from sim.regime import TRUST_REFERENCE

    model = CoProductionModel(rng=4, spinup_weeks=0)
    above = model.trust[model.pair_unit] > TRUST_REFERENCE
    low, _ = _probs(trust_weight=0.0)
    high, _ = _probs(trust_weight=4.0)
    assert (high - low)[above, 2].mean() > 0.02 > -0.02 > (high - low)[~above, 2].mean()


def test_task_division_splits_statutory_and_other_work():
    probs, stat = _probs(task_division=5.0)
    assert probs[stat, 0].mean() > 0.9
    assert probs[~stat, 1].mean() > 0.7
    assert probs[:, 2].mean() < 0.05


def test_dominance_erodes_volunteer_motivation_and_numbers():
    calm = run({"dominance_erosion": 0.0}, rng=5, steps=40).timeseries.iloc[-1]
    eroded = run({"dominance_erosion": 3.0}, rng=5, steps=40).timeseries.iloc[-1]
    assert eroded.mean_motivation < calm.mean_motivation
    assert eroded.active_volunteers < calm.active_volunteers


def test_coordination_answer_is_the_class_of_the_runs_own_virtual_survey(result):
    from sim.catalogue import TABLE2_IDS, activity
    from sim.classify import CLASSES, classify_table

    statutory = [activity(a).statutory for a in TABLE2_IDS]
    assert result.coordination in CLASSES
    assert result.coordination == str(classify_table(result.survey.counts, statutory))
    assert result.coordination_2015 == str(classify_table(result.survey_2015.counts,
                                                          statutory))
    assert not hasattr(result, "municipality_labels")


def test_free_parameters_are_fewer_than_the_surveys_free_shares_and_all_sourced():
    # Table 2 holds 12 free shares (the counts set inputs, see docs/ODD.md 1.1).
    assert len(FREE) < 12
    for name in (*FREE, *ASSUMPTIONS):
        p = PARAMETERS[name]
        assert p.low < p.high and p.low <= p.default <= p.high and p.meaning and p.source
    # The paper allows both signs for how staff pressure moves coordination.
    push = PARAMETERS["staff_pressure_push"]
    assert push.low < 0 < push.high


@pytest.mark.parametrize(("params", "message"), [
    ({"bogus": 1}, r"unknown name 'bogus'; valid names: municipal_tradition"),
    ({"policy_share": 2.0}, r"parameter policy_share: out-of-range value 2.0; allowed: 0.0"),
    ({"policy_share": "high"}, r"parameter policy_share: invalid value 'high'"),
])
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(InputError, match=message):
        CoProductionModel(**params)


def test_bad_steps_and_population_are_refused():
    with pytest.raises(InputError, match=r"^steps: invalid value -1"):
        run(steps=-1)
    with pytest.raises(InputError, match="4-week window"):
        run({"spinup_weeks": 0}, steps=2)
    with pytest.raises(InputError, match="allowed: survey2015, norway"):
        run(population="sweden")


def test_catalogue_has_the_fourteen_survey_activities():
    assert len(CATALOGUE) == 14
    assert {a.id for a in CATALOGUE if a.statutory} == {"food_delivery", "day_centre"}


def test_levers_take_effect_after_the_spinup_and_runs_are_paired_until_then():
    base = run(rng=21, steps=8)
    policy = run({"policy_share": 1.0, "forum_intensity": 1.0}, rng=21, steps=8)
    before = base.timeseries.week <= 0
    assert base.timeseries[before].equals(policy.timeseries[before])
    assert not base.timeseries[~before].equals(policy.timeseries[~before])
    assert base.survey_2015.to_frame().equals(policy.survey_2015.to_frame())
    model = CoProductionModel(rng=3, policy_share=1.0, municipal_service_share=1.0)
    assert model.flags["policy"].mean() < 0.6  # 2015 levers during the spin-up
    model.step()  # the model is built at 2015: its first step puts the levers in force
    assert model.flags["policy"].all() and model.flags["service"].all()
    pool = ~model.population.team_reach
    assert 0.2 < model.team_service[pool].mean() < 0.4  # 30% of teams join new services
    assert model.team_service[~pool].all()  # people only a service reaches are its own
    # The organisations' agents count the teams they still hold, not those taken over.
    orgs = model.agents_by_type[VoluntaryOrganisation]
    held = model.team_active & ~model.team_service & (model.population.team_org >= 0)
    assert sum(o.active_teams for o in orgs) == held.sum() < (
        model.team_active & (model.population.team_org >= 0)).sum()


def test_recorded_week_matches_the_window_and_the_agents():
    model = CoProductionModel(rng=2)
    for _ in range(6):
        model.step()
    window = model.window
    occurred = window[int(model.week_outcomes["week"]) % 4]  # the slot this week was written to
    last = model.week_outcomes
    assert last["activities_per_week"] == np.count_nonzero(occurred >= 0)
    assert last["share_together"] == pytest.approx(
        np.count_nonzero(occurred == 2) / np.count_nonzero(occurred >= 0))
    offered = (window >= 0).any(axis=0)[model.eligible]
    assert last["offered_share"] == pytest.approx(offered.mean())
    teams = model.agents_by_type[VolunteerTeam]
    active = [t for t in teams if t.active]
    assert last["active_volunteers"] == len(active) * model.config["volunteers_per_agent"]
    assert last["mean_motivation"] == pytest.approx(np.mean([t.motivation for t in active]))
    assert last["mean_trust"] == pytest.approx(
        np.mean([u.trust for u in model.agents_by_type[LTCUnit]]))


def test_every_recorded_outcome_is_declared_once_in_the_registry():
    model = CoProductionModel(rng=2)
    model.step()
    assert tuple(model.week_outcomes) == NAMES
    assert tuple(model.datacollector.get_model_vars_dataframe().columns) == NAMES


def test_a_bare_model_uses_the_documented_defaults_not_a_posterior():
    model = CoProductionModel(rng=1)
    assert model.config.as_dict() == {name: p.default for name, p in PARAMETERS.items()}
    # The sim layer reads nothing of calibration.
    code = ("import sys, sim; sim.CoProductionModel(rng=1); "
            "print(any(m.startswith('calibration') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_team_size_changes_resolution_not_behaviour():
    # Volunteers counted per 20 whatever the agent's team size: doubling the team size
    # halves the VolunteerTeam agents and leaves supply, activities and volunteers alike.
    def snapshot(size):
        rows = [run({"volunteers_per_agent": size}, rng=seed).timeseries.iloc[-8:].mean()
                for seed in range(12)]
        return pd.DataFrame(rows).mean()

    fine, coarse = snapshot(20), snapshot(40)
    for column in ("activities_per_week", "active_volunteers"):
        assert coarse[column] == pytest.approx(fine[column], rel=0.08)
    assert coarse["share_municipality"] == pytest.approx(fine["share_municipality"], abs=0.03)


def test_agents_are_made_by_mesa_itself():
    # The model makes its agents through Mesa's public API: every agent is in
    # model.agents and agents_by_type, in index order, with its own id.
    model = CoProductionModel(rng=1)
    pop = model.population
    n = len(pop.unit_muni) + len(pop.org_muni) + len(pop.team_org)
    assert len(model.agents) == n
    assert [a.index for a in model.agents_by_type[LTCUnit]] == list(range(len(pop.unit_muni)))
    assert len({a.unique_id for a in model.agents}) == n
    list(model.agents_by_type[VolunteerTeam])[3].remove()  # Mesa's own removal works
    assert len(model.agents) == n - 1


def test_run_for_records_each_week_as_steps_do_agent_reporters_included():
    # A reporter reading mean trust through the agents, and one per agent, record each
    # week's own value whether the weeks run by run_for or by step() one at a time; the
    # outcomes' own records are the same whichever path run_for takes.
    def mean_trust(model):
        return float(np.mean([u.trust for u in model.agents_by_type[LTCUnit]]))

    def watched(rng):
        model = CoProductionModel(rng=rng, policy_share=1.0)
        model.datacollector = mesa.DataCollector(
            model_reporters={**OUTCOME_REPORTERS, "trust_via_agents": mean_trust},
            agenttype_reporters={LTCUnit: {"trust": "trust"}})
        return model

    stepped, ran = watched(5), watched(5)
    for _ in range(6):
        stepped.step()
    ran.run_for(6)
    a, b = (m.datacollector.get_model_vars_dataframe() for m in (stepped, ran))
    pd.testing.assert_frame_equal(a, b)
    assert a["trust_via_agents"].nunique() == 6  # six weeks, six values
    assert a["trust_via_agents"].to_numpy() == pytest.approx(a["mean_trust"].to_numpy())
    pd.testing.assert_frame_equal(
        stepped.datacollector.get_agenttype_vars_dataframe(LTCUnit),
        ran.datacollector.get_agenttype_vars_dataframe(LTCUnit))
    plain_steps, plain_block = CoProductionModel(rng=5, policy_share=1.0), \
        CoProductionModel(rng=5, policy_share=1.0)
    for _ in range(6):
        plain_steps.step()
    plain_block.run_for(6)  # nothing looks inside the weeks: one compiled block
    pd.testing.assert_frame_equal(plain_steps.datacollector.get_model_vars_dataframe(),
                                  plain_block.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(a[list(NAMES)],
                                  plain_block.datacollector.get_model_vars_dataframe())
    assert plain_block.week == 6 and plain_block.week_outcomes == plain_steps.week_outcomes


def _advances(model):
    """The numbers of weeks ``model`` asks its world to advance by (its real method, noted)."""
    calls, advance = [], model.world.advance

    def noted(n_weeks):
        calls.append(n_weeks)
        return advance(n_weeks)

    model.world.advance = noted
    return calls


class _SteppedBySubclass(CoProductionModel):
    def step(self):
        super().step()


def test_run_for_computes_one_block_only_when_nothing_else_looks_inside():
    plain = CoProductionModel(rng=5, spinup_weeks=4)
    calls = _advances(plain)
    plain.run_for(6)
    plain.run_for(1)
    assert calls == [6, 1] and plain.week == 7
    # A DataCollector of one's own, or a step of a subclass, may read the state: week by week.
    recorded = CoProductionModel(rng=5, spinup_weeks=4)
    recorded.datacollector = mesa.DataCollector(model_reporters=dict(OUTCOME_REPORTERS))
    for model in (recorded, _SteppedBySubclass(rng=5, spinup_weeks=4)):
        calls = _advances(model)
        model.run_for(6)
        assert calls == [1] * 6
        pd.testing.assert_frame_equal(model.datacollector.get_model_vars_dataframe(),
                                      plain.datacollector.get_model_vars_dataframe().iloc[:6])


@pytest.mark.skipif(not hasattr(mesa.Model, "schedule_event"),
                    reason="this Mesa release schedules no events (Mesa 3.5 and later do)")
def test_an_event_scheduled_through_the_model_reads_its_own_week():
    model = CoProductionModel(rng=5, spinup_weeks=4)
    seen = []

    def look():
        seen.append((model.time, model.week, model.trust.copy()))

    model.schedule_event(look, at=2.5)
    calls = _advances(model)
    model.run_for(4)
    assert calls == [1] * 4  # an event may read the state: the weeks ran one by one
    twin = CoProductionModel(rng=5, spinup_weeks=4)
    twin.run_for(2)
    (time, week, trust), = seen
    assert (time, week) == (2.5, 2) and np.array_equal(trust, twin.trust)
    assert not np.array_equal(trust, model.trust)  # a block would have shown week 4's


def test_the_wrapper_uses_no_name_of_mesas_but_the_methods_it_extends():
    # The wrapper keeps its own state in attributes Mesa does not have, and overrides only
    # Mesa's public methods it means to extend: a Mesa release that took one of these names
    # for itself would fail here, not corrupt a run.
    class Bare(mesa.Model):  # what Mesa itself puts on a subclass (3.5: its observables)
        pass

    own = {name for name in vars(CoProductionModel) if not name.startswith("__")}
    own -= set(vars(Bare))
    assert own & set(dir(mesa.Model)) <= {"step", "run_for", "schedule_event",
                                          "schedule_recurring"}
    model = CoProductionModel(rng=1, spinup_weeks=4)
    assert set(vars(model)) - set(vars(mesa.Model(rng=1))) == {
        "world", "_first_week", "datacollector", "_outcomes_collector", "_events_scheduled",
        "_block_left", "_ahead", "_shown"}


def test_a_calibration_simulation_observes_the_survey_of_the_full_run():
    from sim.runner import survey_2015

    params = {"trust_weight": 1.3, "policy_reading": 1.0}
    for seed in (3, 4):
        full, alone = run(params, rng=seed).survey, survey_2015(params, rng=seed)
        for field in ("counts", "offered", "dropped", "activities_by_type", "units",
                      "answers"):
            assert np.array_equal(getattr(full, field), getattr(alone, field),
                                  equal_nan=field != "answers"), field
    with pytest.raises(InputError, match="params"):
        survey_2015([1, 2])
