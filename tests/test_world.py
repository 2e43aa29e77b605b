"""The headless world: scenarios branch at the 2015 snapshot, exactly as fresh runs."""

import numpy as np
import pytest

from sim import run
from sim.config import Configuration
from sim.errors import InputError
from sim.runner import run_branches
from sim.world import World


def _same(a, b):
    assert all(np.array_equal(a.series[k], b.series[k], equal_nan=True) for k in a.series)
    assert np.array_equal(a.survey.counts, b.survey.counts)
    assert np.array_equal(a.survey_2015.counts, b.survey_2015.counts)
    assert a.municipalities.equals(b.municipalities)


def test_branches_of_one_world_are_the_fresh_runs_of_their_scenarios():
    # One build and spin-up, three scenarios continued from copies of its 2015 state and
    # streams: each is bit for bit the run a fresh world with that seed would make.
    branches = [({}, 80), ({"policy_share": 1.0}, 80),
                ({"resource_pressure": 0.6, "lever_week": 10}, 40)]
    shared = run_branches(branches, rng=11)
    for (params, steps), got in zip(branches, shared, strict=True):
        _same(got, run(params, steps=steps, rng=11))
    assert not np.array_equal(shared[0].survey.counts, shared[1].survey.counts)


def test_a_branch_leaves_its_world_as_it_was():
    world = World(rng=3)
    trust, cursor = world.trust.copy(), world.uniforms.cursor
    twin = world.branch(Configuration.resolve({"policy_share": 1.0}))
    twin.advance(30)
    assert np.array_equal(world.trust, trust) and world.uniforms.cursor == cursor
    assert world.week == 0 and twin.week == 30
    assert twin.flags["policy"].all() and not world.flags["policy"].all()
    world.advance(30)  # the world itself goes on as if no branch had been taken
    alone = World(rng=3)
    alone.advance(30)
    assert np.array_equal(world.trust, alone.trust)
    assert np.array_equal(world.pairs.arrangement, alone.pairs.arrangement)


def test_a_branch_with_other_inputs_before_2015_is_refused():
    world = World(rng=3)
    with pytest.raises(InputError, match="cannot branch"):
        world.branch(Configuration.resolve({"activity_rate": 2.0}))
    with pytest.raises(InputError, match="cannot share a spin-up"):
        run_branches([({}, 4), ({"trust_weight": 0.1}, 4)], rng=1)
    world.advance(5)  # levers that would have switched before now cannot be changed
    with pytest.raises(InputError, match="week 1"):
        world.branch(Configuration.resolve({"policy_share": 1.0}))
    late = world.branch(Configuration.resolve({"policy_share": 1.0, "lever_week": 8}))
    late.advance(4)
    assert late.flags["policy"].all()


def test_an_ensemble_runs_each_world_once_for_all_its_scenarios():
    # Paired runs of several scenarios are one world task: pairing is structural.
    from calibration.posterior import load_posterior
    from scenarios.ensemble import build_tasks, world_groups
    from scenarios.spec import load_scenario

    post = load_posterior()
    names = ("baseline", "local_volunteer_policy", "recruitment_drive")
    small = [load_scenario(n).with_sizes(draws=2, assumption_draws=1, replicates=2)
             for n in names]
    tasks = [t for s in small for t in build_tasks(s, post, 5)]
    groups = world_groups(tasks)
    assert len(groups) == 4  # 2 draws x 2 replicates, each shared by the 3 scenarios
    for group in groups:
        members = [tasks[j] for j in group.members]
        assert [t.tag["scenario"] for t in members] == list(names)
        assert len({(t.seed, t.tag["draw"], t.tag["replicate"]) for t in members}) == 1


def test_a_built_world_observed_on_its_own_runs_its_weeks():
    # observed_run without an interrupt flag runs every week asked for, as run() does.
    from sim.runner import observed_run

    _same(observed_run(World(rng=3), 8, seed=3), run({}, steps=8, rng=3))
