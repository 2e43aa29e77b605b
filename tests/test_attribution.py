import numpy as np
import pandas as pd
import pytest

from scenarios.attribution import (
    ASSUMED,
    CHANCE,
    NARROWED,
    RESIDUAL,
    STRENGTHS,
    WORLD,
    attribute,
    components,
)


def _design(n_p, n_a, n_r, rng):
    rows = []
    for p in range(n_p):
        for a in range(n_a):
            for r in range(n_r):
                rows.append({"draw": p * n_a + a, "replicate": r, "posterior_draw": p,
                             "assumption_draw": a, "seed": 1000 * p + 10 * a + r})
    design = pd.DataFrame(rows)
    design["x_param"] = rng.uniform(0, 1, n_p)[design.posterior_draw]
    design["x_other"] = rng.uniform(0, 1, n_p)[design.posterior_draw]
    design["x_assumed"] = rng.uniform(0, 1, n_a)[design.assumption_draw]
    design["x_idle"] = rng.uniform(0, 1, n_a)[design.assumption_draw]
    return design


def _factored(n_n, n_u, n_a, n_r, rng):
    """World draws that cross a narrowed part (x_param) with an assumed part (x_other)."""
    design = _design(n_n * n_u, n_a, n_r, rng)
    world = design.posterior_draw
    design["x_param"] = rng.uniform(0, 1, n_n)[world // n_u]
    design["x_other"] = rng.uniform(0, 1, n_u)[world % n_u]
    return design


def _rows(found):
    rows, _ = found
    return pd.DataFrame(rows).set_index("input")


WORLD_INPUTS = ("x_param", "x_other")


def test_known_variance_components_are_recovered():
    # effect = world effect (sd 1) + strength effect (sd 2) + chance (sd 0.5)
    rng = np.random.default_rng(0)
    n_p, n_a, n_r = 40, 40, 3
    cube = (rng.normal(0, 1, n_p)[:, None, None] + rng.normal(0, 2, n_a)[None, :, None]
            + rng.normal(0, 0.5, (n_p, n_a, n_r)))
    comp = components(cube, ("world", "strengths"))
    assert comp.terms[frozenset({"world"})] == pytest.approx(1.0, rel=0.5)
    assert comp.terms[frozenset({"strengths"})] == pytest.approx(4.0, rel=0.5)
    assert comp.chance == pytest.approx(0.25, rel=0.15)
    assert comp.terms[frozenset({"world", "strengths"})] < 0.05
    shares = comp.shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["strengths"] > shares["world"] > shares[CHANCE]


def test_an_interaction_is_shared_equally_between_its_factors():
    # A pure interaction of two factors (no main effects): Shapley gives each half.
    rng = np.random.default_rng(5)
    cube = rng.normal(0, 1, (30, 30))[:, :, None, None] + rng.normal(0, 0.1, (30, 30, 4, 2))
    shares = components(cube, ("N", "U", "A")).shares()
    assert "A" not in shares or shares["A"] < 0.02  # one strength draw: A is left out
    assert shares["N"] == pytest.approx(shares["U"], abs=0.02)
    assert shares["N"] + shares["U"] == pytest.approx(1 - shares[CHANCE], abs=0.005)


def test_a_factored_design_splits_the_world_into_narrowed_and_assumed():
    rng = np.random.default_rng(1)
    design = _factored(8, 8, 12, 2, rng)
    # The effect goes with the assumed input, hardly with the narrowed one.
    effect = (4 * design.x_other + 0.5 * design.x_param + 2 * design.x_assumed
              + rng.normal(0, 0.1, len(design)))
    effects = design[["draw", "replicate", "seed"]].assign(effect=effect)
    rows = _rows(attribute(effects, design, ("x_assumed", "x_idle"), ("x_other",),
                           world=WORLD_INPUTS, narrowed=("x_param",)))
    groups = rows[rows.kind == "group"]
    assert list(groups.index) == [NARROWED, ASSUMED, STRENGTHS, CHANCE]
    assert groups.share.sum() == pytest.approx(1.0)
    assert groups.share[ASSUMED] > 0.5 > groups.share[NARROWED]
    assert (groups.low_90 <= groups.share).all() and (groups.share <= groups.high_90).all()
    # The assumed input's association is in its own column, with its interval; no share.
    assert rows.kind["x_other"] == "association" and np.isnan(rows.share["x_other"])
    assert rows.rank_correlation["x_other"] > 0.8 and rows.low_90["x_other"] > 0.5
    assert rows.kind["x_assumed"] == "single" and "x_idle" not in rows.index


def test_whole_world_draws_do_not_split_what_they_cannot():
    rng = np.random.default_rng(2)
    design = _design(10, 10, 2, rng)
    effect = 5 * design.x_assumed + design.x_param + rng.normal(0, 0.1, len(design))
    effects = design[["draw", "replicate", "seed"]].assign(effect=effect)
    rows = _rows(attribute(effects, design, ("x_assumed",), world=WORLD_INPUTS,
                           narrowed=("x_param",)))
    groups = rows[rows.kind == "group"]
    assert groups.share.dropna().sum() == pytest.approx(1.0)
    assert groups.share[WORLD] > 0
    for name in (NARROWED, ASSUMED):  # said, not 0
        assert np.isnan(groups.share[name]) and groups.note[name].startswith("not separable")
    # When the survey narrowed none of the world's inputs, the world is all assumed.
    rows = _rows(attribute(effects, design, ("x_assumed",), world=WORLD_INPUTS,
                           narrowed=()))
    assert ASSUMED in rows.index and rows.share[ASSUMED] > 0 and NARROWED not in rows.index


def test_one_seed_per_draw_makes_chance_not_separable_not_zero():
    rng = np.random.default_rng(3)
    design = _factored(4, 4, 4, 1, rng)
    effect = design.x_other + design.x_assumed + rng.normal(0, 0.3, len(design))
    effects = design[["draw", "replicate", "seed"]].assign(effect=effect)
    rows = _rows(attribute(effects, design, ("x_assumed",), world=WORLD_INPUTS,
                           narrowed=("x_param",)))
    assert np.isnan(rows.share[CHANCE]) and rows.note[CHANCE].startswith("not separable")
    groups = rows[rows.kind == "group"]
    assert groups.share.dropna().sum() == pytest.approx(1.0)
    assert groups.share[RESIDUAL] > 0


def test_too_few_draws_are_written_in_the_rows():
    rng = np.random.default_rng(3)
    design = _design(10, 5, 2, rng)
    effect = design.x_assumed + rng.normal(0, 0.1, len(design))
    effects = design[["draw", "replicate", "seed"]].assign(effect=effect)
    rows = _rows(attribute(effects, design, ("x_assumed",), world=WORLD_INPUTS,
                           narrowed=("x_param",)))
    assert "too few draws of the policy strengths (5; at least 8)" in rows.note[STRENGTHS]
    assert set(rows.kind) == {"group"}


def test_an_effect_that_never_varies_has_nothing_to_attribute():
    design = _design(3, 3, 2, np.random.default_rng(2))
    effects = design[["draw", "replicate", "seed"]].assign(effect=0.0)
    assert attribute(effects, design, ()) == "the effect is the same in every run"


def test_every_policy_effect_of_a_real_ensemble_is_attributed_or_named(small_ensembles):
    from scenarios.attribution import attribution_table, narrowed_of, strengths_of, world_of
    from scenarios.effects import read_ensembles
    from sim.outcomes import SUMMARY

    ens = read_ensembles(small_ensembles)
    name = "local_volunteer_policy"
    manifest = ens.scenarios[name].manifest
    kwargs = {"world": {name: world_of(manifest)}, "narrowed": {name: narrowed_of(manifest)}}
    groups = {name: strengths_of(manifest)}
    assert "municipal_default" not in kwargs["narrowed"][name]  # a route: assumed
    table, notes = attribution_table({name: ens.effects(name).differences},
                                     {name: ens.inputs(name)}, SUMMARY, groups, **kwargs)
    sums = table[table.kind == "group"].groupby("outcome").share.sum()
    assert np.allclose(sums, 1.0)
    left_out = table[table.kind == "left out"]
    assert sorted([*sums.index, *left_out.outcome]) == sorted(SUMMARY)  # none dropped
    # Two whole-world draws: the world's share is not split, and the file says so.
    world = table[table.input == NARROWED]
    assert world.share.isna().all() and world.note.str.startswith("not separable").all()
    # Pairing without the seed would pair nothing here: the design's seeds are the key.
    design = ens.inputs(name).assign(seed=lambda d: d.seed + np.uint64(1))
    table, notes = attribution_table({name: ens.effects(name).differences}, {name: design},
                                     SUMMARY, groups, **kwargs)
    assert sum("do not fill the design" in n for n in notes) == 1
    assert (table.kind == "left out").all() and table.note.str.contains("do not fill").all()


@pytest.mark.slow
def test_drawing_inputs_apart_is_checked_against_the_survey():
    """A factored design is sound only for inputs the survey does not constrain together.

    On the shipped posterior, redrawing logic_distance over its prior leaves the 2015
    surveys as close to the observed table as the joint draws; redrawing all the inputs
    the survey did not narrow one by one does not (it constrains them together), so the
    check can fail and a factored design must use the inputs it accepts.
    """
    from calibration.narrowing import posterior_narrowing
    from calibration.posterior import load_posterior
    from scenarios.attribution import acceptance_check, factored_posterior

    posterior = load_posterior()
    one = acceptance_check(posterior, ("logic_distance",), draws=64, rng=0)
    assert one.accepted and "stay worlds the survey accepts" in one.sentence()
    every = acceptance_check(posterior, posterior_narrowing(posterior).not_identified,
                             draws=64, rng=0)
    assert not every.accepted and np.median(every.swapped) > np.median(every.joint)
    # The factored posterior's draws are its worlds in order: kept part × apart part.
    factored = factored_posterior(posterior, ("logic_distance", "dominance_memory"),
                                  narrowed_draws=3, assumed_draws=4, rng=1)
    worlds = pd.DataFrame(factored.draws(12, None))
    assert worlds.logic_distance.nunique() == 4 and worlds.joint_propensity.nunique() == 3
    assert list(worlds.logic_distance[:4]) == list(worlds.logic_distance[4:8])
    assert "factored: 3 posterior draws x 4 draws" in factored.source


def test_the_sentence_names_what_is_assumed_and_keeps_a_correlations_digits():
    from scenarios.attribution import uncertainty_sentence

    rows = pd.DataFrame([
        {"input": WORLD, "kind": "group", "share": 0.69, "low_90": 0.56, "high_90": 0.77},
        {"input": STRENGTHS, "kind": "group", "share": 0.007, "low_90": 0.0,
         "high_90": 0.04},
        {"input": CHANCE, "kind": "group", "share": 0.30, "low_90": 0.23, "high_90": 0.42},
        {"input": NARROWED, "kind": "group", "share": np.nan, "low_90": np.nan,
         "high_90": np.nan},
        {"input": "municipal_default", "kind": "association", "share": np.nan,
         "low_90": -0.97, "high_90": -0.56, "rank_correlation": -0.95}])
    text = uncertainty_sentence(rows.assign(note=""))
    assert "from the policy's assumed strengths" in text
    assert "Not separable in this design: what the 2015 survey narrowed" in text
    assert "rank correlation -0.95 (90% -0.97 to -0.56)" in text and "-1.0" not in text


def test_the_narrowed_inputs_come_from_the_manifest_or_the_named_posterior():
    from scenarios.attribution import narrowed_of

    assert narrowed_of({"narrowed_inputs": ["joint_propensity"]}) == ("joint_propensity",)
    shipped = narrowed_of({"posterior": "shipped posterior (calibration/data/posterior) | "
                                        "factored: 6 posterior draws x 6 draws"})
    assert "joint_propensity" in shipped and "municipal_default" not in shipped
    assert narrowed_of({"posterior": "/no/such/folder"}) is None
    assert narrowed_of({}) is None
