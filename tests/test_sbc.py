"""`coprod sbc`: the cheap calibration check passes, can fail, and is reproducible."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import load_posterior, shipped_study_file
from coprod.main import main
from studies import sbc

QUICK_TRUTHS, QUICK_REFERENCE, QUICK_SEED = 40, 400, 2015


def _shrunk(values, scores, bounds):
    """Draws half as spread as the estimator's: intervals too narrow."""
    adjusted = sbc.regression_adjusted(values, scores, bounds)
    return adjusted.mean() + 0.5 * (adjusted - adjusted.mean())


def _shifted(values, scores, bounds):
    """Draws moved up by one of their standard deviations: estimates too high."""
    adjusted = sbc.regression_adjusted(values, scores, bounds)
    return adjusted + adjusted.std()


@pytest.mark.slow
def test_quick_check_passes_and_a_miscalibrated_estimator_fails_it():
    """The quick check (40 truths, 400 reference worlds, about a minute on 2 cores).

    Ranks of the truths among their regression-adjusted draws are uniform (Holm) for
    every input and the policy effect. On the same worlds, draws shrunk toward their mean
    or shifted up fail the rank tests, and the verdicts say how. (One test: the worlds
    are simulated once, whatever pytest-xdist does with the tests.)
    """
    posterior = load_posterior()
    quick = sbc.run_sbc(posterior, truths=QUICK_TRUTHS, reference=QUICK_REFERENCE,
                        rng=QUICK_SEED, workers=2, progress=False)
    expected = [*sbc.varying_inputs(posterior), sbc.EFFECT]
    assert list(quick.summary.quantity) == expected
    assert len(expected) == len(posterior.particles.columns) + 1  # every input varies
    draws = sbc.accepted_draws(QUICK_REFERENCE)
    assert quick.ranks["rank"].between(0, draws).all()
    assert (quick.summary.truths == QUICK_TRUTHS).all()
    shown = quick.summary[quick.summary.verdict != "uniform"]
    assert quick.passed, shown[["quantity", "p_holm", "coverage_90", "verdict"]].to_string()
    # Pooled over quantities, the 90% intervals hold the truth about 90% of the time.
    assert quick.summary.coverage_90.mean() == pytest.approx(0.9, abs=0.04)

    for estimator, pattern in ((_shrunk, "ranks pile at the ends"),
                               (_shifted, "truths lie below the draws")):
        bad = sbc.analyse(quick.worlds, rng=1, estimator=estimator)
        assert not bad.passed, estimator.__name__
        failed = bad.summary[bad.summary.verdict != "uniform"]
        assert len(failed) >= len(bad.summary) // 4, estimator.__name__
        assert failed.verdict.str.contains(pattern).mean() > 0.8, estimator.__name__
        assert bad.summary.coverage_90.mean() < quick.summary.coverage_90.mean() - 0.1


def test_summary_of_known_ranks():
    """Uniform ranks pass; ranks at the ends fail as too narrow; Holm as defined."""
    gen = np.random.default_rng(0)
    draws, truths = 199, 200
    uniform = gen.integers(0, draws + 1, size=truths)
    # Outside the central 90% of ranks (10 to 189 of 0 to 199): intervals too narrow.
    ends = np.where(gen.random(truths) < 0.5, gen.integers(0, 10, truths),
                    gen.integers(190, 200, truths))
    ranks = pd.DataFrame({"truth": np.tile(np.arange(truths), 2), "seed": 0,
                          "quantity": ["a"] * truths + ["b"] * truths, "value": 0.0,
                          "rank": np.r_[uniform, ends], "draws": draws})
    summary = sbc.summarise(ranks).set_index("quantity")
    assert summary.loc["a", "verdict"] == "uniform"
    assert summary.loc["b", "verdict"].startswith("fails: ranks pile at the ends")
    assert summary.loc["b", "coverage_90"] == 0 and summary.loc["a", "bins"] == 20
    assert summary.loc["a", "coverage_90_low"] < summary.loc["a", "coverage_90"] \
        < summary.loc["a", "coverage_90_high"]
    np.testing.assert_allclose(sbc.holm(np.array([0.01, 0.04, 0.03, 0.5])),
                               [0.04, 0.09, 0.09, 0.5])


def test_sizes_give_exact_central_ranks():
    """draws + 1 ranks split into the bins, and 50% and 90% of them are central."""
    for reference in (100, 400, 4000, 12345):
        ranks = sbc.accepted_draws(reference) + 1
        assert ranks % 20 == 0 and ranks <= reference / 2 + 1
    assert sbc.accepted_draws(4000) == 199 and sbc.rank_bins(200) == 20
    assert sbc.rank_bins(40) == 5 and sbc.rank_bins(10) == 2


def test_a_world_is_the_calibration_s_survey_and_the_ensembles_effect():
    """One build branched at 2015: the summaries Waves.simulate gives, and the effect of
    separate runs of the baseline and the policy (at_horizon, as ensembles take it)."""
    from calibration.waves import Waves
    from runtime.pool import Task
    from scenarios.spec import load_scenario
    from sim import run
    from sim.outcomes import TAIL_WEEKS, at_horizon

    scenario = load_scenario("local_volunteer_policy")
    assert dict(scenario.overrides) == sbc.POLICY
    assert scenario.horizon_weeks == sbc.HORIZON_WEEKS
    assert TAIL_WEEKS == sbc.TAIL_WEEKS
    waves = Waves.load(None)
    params = load_posterior().draws(1, 4)[0]
    out = sbc.SBCWorld(waves)(Task(params, sbc.HORIZON_WEEKS, 77))
    assert {k: out[k] for k in waves.observed()} == waves.simulate(params, 77)
    base = run(params, steps=sbc.HORIZON_WEEKS, rng=77)
    policy = run({**params, **sbc.POLICY}, steps=sbc.HORIZON_WEEKS, rng=77)
    assert out[sbc.EFFECT] == at_horizon(policy.series, "share_municipality") \
        - at_horizon(base.series, "share_municipality")


@pytest.mark.slow
def test_command_and_library_agree_whatever_the_workers(tmp_path, capsys):
    """The same seed: the command on 2 workers writes the ranks the library makes on 1."""
    out = tmp_path / "sbc"
    code = main(["sbc", "--truths", "10", "--reference", "100", "--seed", "5",
                 "--workers", "2", "--out", str(out)])
    assert code in (0, 1)
    assert "Wrote" in capsys.readouterr().out
    written = pd.read_csv(out / "sbc_ranks.csv")
    alone = sbc.run_sbc(load_posterior(), truths=10, reference=100, rng=5, workers=1,
                        progress=False)
    pd.testing.assert_frame_equal(
        written.drop(columns="value"),
        alone.ranks.drop(columns="value").astype({"seed": written.seed.dtype}))
    np.testing.assert_allclose(written["value"], alone.ranks["value"], rtol=1e-7)
    record = json.loads((out / "sbc_manifest.json").read_text())
    assert record["seed"] == 5 and record["truths"] == 10 and record["reference"] == 100
    assert record["posterior"]["digest"] == load_posterior().digest()
    assert record["passed"] == (code == 0) == alone.passed
    assert (out / "sbc_ranks.png").stat().st_size > 0


def test_bad_sizes_are_one_line(capsys):
    assert main(["sbc", "--truths", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--truths" in err and "10 to 10000" in err
    with pytest.raises(Exception, match="reference"):
        sbc.check_sizes(20, 50)


def test_shipped_check_is_of_the_shipped_posterior():
    """The shipped check was made from the posterior every command uses, on this model.

    When the posterior or the model changes, remake it: coprod sbc --workers 2 --seed 2015
    --out out/sbc, then copy out/sbc/sbc_* to calibration/data/validation/.
    """
    from sim.parameters import MODEL_VERSION

    record = json.loads(shipped_study_file("sbc_manifest.json").read_text())
    remake = ("remake it: coprod sbc --workers 2 --seed 2015 --out out/sbc; "
              "cp out/sbc/sbc_* calibration/data/validation/")
    assert record["posterior"]["digest"] == load_posterior().digest(), remake
    assert int(record["versions"]["model"]) == MODEL_VERSION, remake
    summary = pd.read_csv(shipped_study_file("sbc_summary.csv"))
    ranks = pd.read_csv(shipped_study_file("sbc_ranks.csv"))
    assert record["truths"] >= 200 and len(ranks) == record["truths"] * len(summary)
    assert record["passed"] == (summary.verdict == "uniform").all()
