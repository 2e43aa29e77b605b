import numpy as np
import pandas as pd
import pytest

from scenarios.attribution import attribute, components


def _design(n_p, n_a, n_r, rng):
    rows = []
    for p in range(n_p):
        for a in range(n_a):
            for r in range(n_r):
                rows.append({"draw": p * n_a + a, "replicate": r, "posterior_draw": p,
                             "assumption_draw": a, "seed": 1000 * p + 10 * a + r})
    design = pd.DataFrame(rows)
    design["x_param"] = rng.uniform(0, 1, n_p)[design.posterior_draw]
    design["x_assumed"] = rng.uniform(0, 1, n_a)[design.assumption_draw]
    design["x_idle"] = rng.uniform(0, 1, n_a)[design.assumption_draw]
    return design


def test_known_variance_components_are_recovered():
    # effect = parameter effect (sd 1) + assumption effect (sd 2) + chance (sd 0.5)
    rng = np.random.default_rng(0)
    n_p, n_a, n_r = 40, 40, 3
    cube = (rng.normal(0, 1, n_p)[:, None, None] + rng.normal(0, 2, n_a)[None, :, None]
            + rng.normal(0, 0.5, (n_p, n_a, n_r)))
    comp = components(cube)
    assert comp.world == pytest.approx(1.0, rel=0.5)
    assert comp.strengths == pytest.approx(4.0, rel=0.5)
    assert comp.chance == pytest.approx(0.25, rel=0.15)
    assert comp.interaction < 0.05
    shares = comp.shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["policy strengths"] > shares["world"] > shares["chance"]


def test_the_strength_that_drives_an_effect_is_named_with_an_interval_that_excludes_0():
    rng = np.random.default_rng(1)
    design = _design(10, 10, 2, rng)
    effect = 5 * design.x_assumed + 0.5 * design.x_param + rng.normal(0, 0.1, len(design))
    effects = design[["draw", "replicate", "seed"]].assign(effect=effect)
    found, note = attribute(effects, design, ("x_assumed", "x_idle"), ("x_param",))
    rows = pd.DataFrame(found).set_index("input")
    assert note is None
    assert rows.share[["world", "policy strengths", "chance"]].sum() == pytest.approx(1.0)
    assert rows.share["policy strengths"] > 0.8
    assert rows.share["x_assumed"] > 0.7 and rows.low_90["x_assumed"] > 0.5
    assert "x_idle" not in rows.index  # its line does not beat chance: not listed
    # A world input gets its association with the effect, not a share.
    assert rows.kind["x_param"] == "association" and rows.share["x_param"] > 0.5
    assert (rows.low_90 <= rows.share).all() and (rows.share <= rows.high_90).all()


def test_too_few_draws_say_so_instead_of_zeros():
    rng = np.random.default_rng(3)
    design = _design(10, 5, 2, rng)
    effect = design.x_assumed + rng.normal(0, 0.1, len(design))
    effects = design[["draw", "replicate", "seed"]].assign(effect=effect)
    found, note = attribute(effects, design, ("x_assumed",))
    assert "too few draws of the policy strengths (5; at least 8)" in note
    assert {r["kind"] for r in found} == {"group"}


def test_an_effect_that_never_varies_has_nothing_to_attribute():
    design = _design(3, 3, 2, np.random.default_rng(2))
    effects = design[["draw", "replicate", "seed"]].assign(effect=0.0)
    assert attribute(effects, design, ()) == "the effect is the same in every run"


def test_every_policy_effect_of_a_real_ensemble_is_attributed_or_named(small_ensembles):
    from scenarios.attribution import attribution_table, strengths_of
    from scenarios.effects import read_ensembles
    from sim.outcomes import SUMMARY

    ens = read_ensembles(small_ensembles)
    name = "local_volunteer_policy"
    groups = {name: strengths_of(ens.scenarios[name].manifest)}
    table, notes = attribution_table({name: ens.effects(name).differences},
                                     {name: ens.inputs(name)}, SUMMARY, groups)
    sums = table[table.kind == "group"].groupby("outcome").share.sum()
    assert np.allclose(sums, 1.0)
    left_out = [o for n in notes for o in SUMMARY if o in n]
    assert sorted([*sums.index, *left_out]) == sorted(SUMMARY)  # none silently dropped
    # Pairing without the seed would pair nothing here: the design's seeds are the key.
    design = ens.inputs(name).assign(seed=lambda d: d.seed + np.uint64(1))
    _, notes = attribution_table({name: ens.effects(name).differences}, {name: design},
                                 SUMMARY, groups)
    assert sum("do not fill the design" in n for n in notes) == 1
