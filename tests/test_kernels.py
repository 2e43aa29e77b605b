"""The compiled weekly kernels against the probabilities they are meant to realise.

Each test sets up a synthetic world where one mechanism's outcome has a known
probability, runs the kernel once on many pairs (or teams), and checks the frequency
within 4.5 binomial standard deviations: deterministic (fixed seed), and a wrong
mechanism fails it by far.
"""

import numpy as np
import pytest

from sim import kernels
from sim.kernels import MUNICIPALITY, TOGETHER, VOLUNTARY, UniformStream

N_PAIRS = 20_000
N_UNITS = 100


def _within(count: int, n: int, p: float) -> bool:
    return abs(count - n * p) <= 4.5 * np.sqrt(n * p * (1 - p)) + 1


def _world(rng, *, p_occurs=1.0, adhoc=0.0, d_vol=0.0, risk=0.0, revision=0.0,
           arrangement=MUNICIPALITY, trust=0.5, gap=0.5, trust_weight=1.0, untrained=0.0):
    """Arguments for ``units_week``: one cell, N_UNITS identical units."""
    pair_unit = np.arange(N_PAIRS) % N_UNITS
    zeros = np.zeros(N_PAIRS, dtype=np.int64)
    pairs = kernels.Pairs(pair_unit, zeros, zeros,
                          np.full(N_PAIRS, arrangement, dtype=np.int8),
                          np.full((4, N_PAIRS), -1, dtype=np.int8),
                          np.zeros(N_PAIRS, dtype=np.int8))
    units = kernels.Units(np.zeros(N_UNITS), np.full(N_UNITS, trust), np.full(N_UNITS, trust),
                          np.full(N_UNITS, gap))
    rules = kernels.UnitRules(revision_rate=revision, joint_claim_share=0.5, joint_base=0.0,
                              trust_weight=trust_weight, trust_handover=0.0,
                              trust_reference=0.4, logic_distance=1.0, task_division=0.0,
                              trust_learning=0.0, trust_drift=0.0, forum_gain=0.0,
                              untrained_risk=np.asarray(untrained, dtype=float)
                              * np.ones(3), failure_trust_weight=2.0,
                              adhoc_scale=np.ones(N_PAIRS),
                              risk=np.full(N_UNITS, risk))
    stream = UniformStream(rng)
    stream.reserve(kernels.uniforms_per_week(N_PAIRS, 0))
    return dict(uniforms=stream.values, k=stream.cursor, slot=0, pairs=pairs, units=units,
                cells=kernels.Cells(np.array([p_occurs]), np.array([d_vol]), np.array([adhoc])),
                rules=rules,
                n_muni=1)


def _run(args):
    counts, _, _, failures, _, offered, _, k = kernels.units_week(**args)
    return dict(counts=counts, failed=int(failures.sum()), offered=offered,
                read=k - args["k"])


@pytest.mark.parametrize("rate", [0.0, 0.04, 0.3, 1.0])
def test_revisions_by_geometric_skips_hit_the_revision_rate(rate):
    # A huge voluntary utility makes every revision end in VOLUNTARY, so the pairs that
    # left MUNICIPALITY are exactly the revised ones.
    args = _world(np.random.default_rng(1), p_occurs=0.0, d_vol=50.0, revision=rate)
    _run(args)
    revised = int(np.count_nonzero(args["pairs"].arrangement == VOLUNTARY))
    assert _within(revised, N_PAIRS, rate)


def test_ad_hoc_choices_follow_the_logit_probabilities():
    args = _world(np.random.default_rng(2), adhoc=1.0, d_vol=0.3)
    low, high = kernels.choice_thresholds(args["pairs"], args["units"],
                                          args["cells"].d_vol_base, args["rules"])
    expected = [low[0], high[0] - low[0], 1 - high[0]]
    counts = _run(args)["counts"]
    assert counts.sum() == N_PAIRS
    for mode in (MUNICIPALITY, VOLUNTARY, TOGETHER):
        assert _within(int(counts[mode]), N_PAIRS, expected[mode])


def test_persistent_pairs_follow_their_arrangement_and_occur_at_the_cell_rate():
    args = _world(np.random.default_rng(3), p_occurs=0.25, arrangement=TOGETHER)
    out = _run(args)
    assert out["counts"][MUNICIPALITY] == out["counts"][VOLUNTARY] == 0
    assert _within(int(out["counts"][TOGETHER]), N_PAIRS, 0.25)
    assert out["offered"] == out["counts"].sum()  # a fresh window: offered this week


def test_joint_activities_fail_at_risk_times_logic_gap_plus_lack_of_training():
    args = _world(np.random.default_rng(4), arrangement=TOGETHER, risk=0.4, gap=0.5,
                  untrained=0.05)
    assert _within(_run(args)["failed"], N_PAIRS, 0.25)


def test_any_activity_fails_for_lack_of_training_at_its_modes_risk():
    # Staff supervision: the risk depends on who coordinates (municipality, voluntary,
    # together), and the kernel uses the one of the occurrence's mode.
    for mode, risk in ((MUNICIPALITY, 0.02), (VOLUNTARY, 0.1)):
        args = _world(np.random.default_rng(8), arrangement=mode, risk=0.4,
                      untrained=[0.02, 0.1, 0.06])
        out = _run(args)
        assert out["counts"][mode] == N_PAIRS
        assert _within(out["failed"], N_PAIRS, risk)


def test_the_worst_case_week_reads_exactly_what_the_model_reserves():
    # Every pair revised, occurring, ad hoc, joint (trust makes "together" certain):
    # 1 + 2 per pair for the revisions, 4 per pair for the occurrences.
    args = _world(np.random.default_rng(5), revision=1.0, adhoc=1.0,
                  d_vol=-50.0, trust=1.0, gap=0.0, trust_weight=100.0)
    out = _run(args)
    assert out["counts"][TOGETHER] == N_PAIRS
    assert out["read"] == kernels.uniforms_per_week(N_PAIRS, 0)


def test_volunteer_teams_leave_at_their_motivation_hazard_and_are_recruited():
    n = 40_000
    stream = UniformStream(np.random.default_rng(6))
    stream.reserve(n)
    active = np.arange(n) % 2 == 0  # half active, half in the pool
    motivation = np.full(n, 0.5)
    zeros = np.zeros(1, dtype=np.int64)
    teams = kernels.Teams(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), active,
                          motivation, np.full(n, -100, dtype=np.int64))
    munis = kernels.Municipalities(np.zeros(1), np.zeros(1))
    tally = kernels.Tally(zeros, zeros, zeros, zeros, np.full(1, n / 2))
    rules = kernels.VolunteerRules(base_hazard=0.01, unmotivated_hazard=4.0,
                                   dominance_memory=0.1, failure_hit=0.5, erosion=0.0,
                                   mobilisation=0.0, recovery=0.0, team_weight=1.0,
                                   recruit_rate=np.full(n, 0.05))
    n_active, _, past_year, read = kernels.volunteers_week(stream.values, 0, 7, teams, munis,
                                                           tally, rules)
    assert read == n * kernels.UNIFORMS_PER_TEAM
    stayed = int(np.count_nonzero(active[::2]))
    joined = int(np.count_nonzero(active[1::2]))
    assert _within(n // 2 - stayed, n // 2, 0.01 * (4 - 3 * 0.5))  # motivation 0.5
    assert _within(joined, n // 2, 0.05)
    assert np.all(motivation[1::2][active[1::2]] == 1.0)  # newcomers arrive motivated
    assert n_active == stayed + joined
    # Active this week (week 7) means active in the past year; the others were not.
    assert past_year == n_active and (teams.last_active[active] == 7).all()


def test_a_model_week_never_reads_past_its_reservation():
    from sim.world import World

    # Every pair revises every week and most occurrences are ad hoc: the heaviest reading.
    model = World(rng=7, revision_rate=0.07, adhoc_per_team=1.6, activity_rate=3.0)
    stream = model.uniforms
    starts = []
    reserve = stream.reserve

    def recording(n):
        reserve(n)
        starts.append(stream.cursor)

    stream.reserve = recording
    for _ in range(12):
        model.advance(1)
        assert 0 < stream.cursor - starts[-1] <= model.draws_per_week


def test_a_block_of_weeks_gives_the_numbers_of_one_week_at_a_time():
    from sim.world import World

    # Two identical worlds at their first spin-up week: one runs 60 weeks in blocks (as
    # the spin-up does), the other one week per call (as a step does).
    blocks, weekly = (World(rng=11, spinup_weeks=0) for _ in range(2))
    together = blocks._advance(-59, 60)
    one_by_one = np.vstack([weekly._advance(-59 + w, 1) for w in range(60)])
    assert np.array_equal(together, one_by_one)
    for name in ("trust", "team_active", "motivation", "dominance", "pair_window"):
        assert np.array_equal(getattr(blocks, name), getattr(weekly, name)), name
    assert np.array_equal(blocks.pairs.arrangement, weekly.pairs.arrangement)
    assert together[:, :3].sum() > 20_000  # 60 weeks of real activity, not empty blocks


def test_uniform_words_read_as_numpys_float32_uniforms():
    rng = np.random.default_rng(3)
    words = np.random.default_rng(3).bit_generator.random_raw(500).view(np.uint32)
    expected = rng.random(1000, dtype=np.float32)
    got = np.array([kernels.uniform(w) for w in words])
    assert np.array_equal(got, expected.astype(float))


def test_supply_kept_between_weeks_is_the_supply_computed_afresh():
    from sim.world import World

    # Within a block the kernels recompute only the keys whose volunteers changed; each
    # week's supply must be exactly what a fresh computation gives.
    world = World(rng=4, spinup_weeks=0)
    rules = world.rules.supply
    memo = kernels.key_supply(len(world.cell_map.key_per_unit))
    changed = 0
    for week in range(1, 41):
        kept = kernels._supply_grid(world._teams(), world.cell_map, rules, 1.0, memo)
        fresh = kernels.supply_grid(world._teams(), world.cell_map, rules, 1.0)
        for a, b in zip(kept, fresh, strict=True):
            assert a.tobytes() == b.tobytes(), week
        before = world.team_active.copy()
        world._advance(week, 1)
        changed += int((before != world.team_active).sum())
    assert changed > 0  # teams came and went: some keys were recomputed, others kept
    # A new activity rate (staff pressure) recomputes every key.
    kept = kernels._supply_grid(world._teams(), world.cell_map, rules, 0.7, memo)
    fresh = kernels.supply_grid(world._teams(), world.cell_map, rules, 0.7)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(kept, fresh, strict=True))


def test_survey_answers_use_the_surveys_answer_codes():
    from sim.virtual_survey import ANSWERS

    # Unit 0: activity 0 by the municipality twice, activity 1 by two bodies, activity 2
    # never; unit 1: activity 0 together, its respondent unsure.
    window = np.full((4, 2, 3), -1, dtype=np.int8)
    window[0, 0, 0] = window[2, 0, 0] = MUNICIPALITY
    window[1, 0, 1], window[3, 0, 1] = VOLUNTARY, TOGETHER
    window[0, 1, 0] = TOGETHER
    codes, counts, offered, dropped, per_unit = kernels.survey_answers(
        window, np.array([0, 1]), np.array([0, 1, 2]), np.full((2, 3), 0.5),
        np.array([0.0, 1.0]))
    assert codes.tolist() == [[ANSWERS.index("municipality"), ANSWERS.index("several"), -1],
                              [ANSWERS.index("unsure"), -1, -1]]
    assert counts.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert offered.tolist() == [2, 1, 0] and dropped.tolist() == [1, 1, 0]
    assert per_unit.tolist() == [2, 1]
