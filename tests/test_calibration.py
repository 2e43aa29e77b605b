import json

import numpy as np
import pandas as pd
import pytest

from calibration.abc import Settings, calibrate
from calibration.observed_survey import load_table2
from calibration.posterior import calibrated_parameters, load_posterior, weighted_quantile
from calibration.predictive_check import compare, predictive_counts
from calibration.sensitivity import morris
from calibration.summary import FREE_SHARES, KEYS, SurveyDistance, observed_summary
from coprod.main import main
from sim.catalogue import TABLE2_IDS
from sim.errors import InputError
from sim.parameters import FREE, MODEL_VERSION, PARAMETERS
from tests.conftest import tiny_settings

TINY = tiny_settings()


def test_distance_is_zero_at_the_data_and_weighs_small_activities_less():
    obs = observed_summary(load_table2())
    assert set(obs) == set(KEYS)
    dist = SurveyDistance(obs)
    assert dist(obs, obs) == 0
    off_social = dict(obs, **{"share:social:municipality": obs["share:social:municipality"]
                              + 0.1})
    off_day = dict(obs, **{"share:day_centre:municipality":
                           obs["share:day_centre:municipality"] - 0.1})
    # A 10-point miss is scaled by each share's own sampling noise.
    assert dist(off_social, obs) > 0 and dist(off_day, obs) > 0
    keys = [f"{a}:{c}" for a in TABLE2_IDS for c in FREE_SHARES]
    sd = dict(zip(keys, dist.share_sd, strict=True))
    assert sd["day_centre:municipality"] > sd["social:municipality"]
    # Two free shares per activity, whitened: a miss in "together" alone (the implied
    # third share) still counts, through the two it changes.
    off_together = dict(obs, **{"share:social:municipality":
                                obs["share:social:municipality"] - 0.1,
                                "share:social:together": obs["share:social:together"] + 0.1})
    assert dist(off_together, obs) > 0
    missing = dict(obs, **{"share:day_centre:voluntary": float("nan")})
    assert np.isfinite(dist(missing, obs))


def test_distance_over_some_activities_ignores_the_others():
    obs = observed_summary(load_table2())
    full = SurveyDistance(obs)
    assert SurveyDistance(obs, TABLE2_IDS).whiten.shape == full.whiten.shape
    five = SurveyDistance(obs, [a for a in TABLE2_IDS if a != "social"])
    off = dict(obs, **{"share:social:municipality": 0.0, "n:social": 1.0})
    assert full(off, obs) > 0 and five(off, obs) == 0
    assert len(five.z_scores(obs, obs)) == 15
    off_day = dict(obs, **{"n:day_centre": obs["n:day_centre"] + 10})
    # The same z-scores, one activity fewer in the mean.
    assert five(off_day, obs) ** 2 * 15 == pytest.approx(full(off_day, obs) ** 2 * 18)
    with pytest.raises(ValueError):
        SurveyDistance(obs, ["library"])


def test_weighted_quantile():
    v = np.array([1.0, 2.0, 3.0])
    assert weighted_quantile(v, np.array([1, 1, 1.0]), 0.5) == 2.0
    assert weighted_quantile(v, np.array([0.0, 0, 1]), 0.5) == 3.0


@pytest.mark.slow
def test_calibration_is_reproducible_whatever_the_workers_and_resumes(tmp_path):
    a = calibrate(tmp_path / "a", seed=5, settings=TINY, progress=False)
    b = calibrate(tmp_path / "b", seed=5, settings=TINY, progress=False, workers=2)
    assert (tmp_path / "a" / "posterior.csv").read_text() == \
        (tmp_path / "b" / "posterior.csv").read_text()
    assert a.populations == 2 and (tmp_path / "a" / "abc.db").exists()
    # Resume: the finished generations stay as they were; one more is added.
    more = Settings(**{**TINY.__dict__, "max_populations": 3})
    c = calibrate(tmp_path / "a", seed=5, settings=more, resume=True, progress=False)
    assert c.populations == 3 and c.epsilons[:2] == a.epsilons
    assert b.epsilons == a.epsilons
    with pytest.raises(InputError, match="a calibration exists there; resume it"):
        calibrate(tmp_path / "a", seed=5, settings=TINY, progress=False)
    with pytest.raises(InputError, match="nothing to resume"):
        calibrate(tmp_path / "new", seed=5, settings=TINY, resume=True, progress=False)


@pytest.mark.slow
def test_a_generation_given_up_is_counted_in_the_record(tmp_path, monkeypatch):
    # pyabc keeps nothing of a generation that reaches its evaluation cap: its
    # simulations were in the sampling time and in no record (50,000 in a real study).
    import calibration.abc as abc
    from studies.calibrations import calibrate_or_reuse, calibration_record

    monkeypatch.setattr(abc, "MIN_ACCEPTANCE", 0.3)  # cap: 12 / 0.3 = 40 candidates
    settings = Settings(population_size=12, max_populations=4, max_simulations=2000,
                        max_walltime_s=120)
    made = calibrate_or_reuse(tmp_path / "c", resume=False, remake="coprod x",
                              settings=settings, seed=1)
    # The first generation kept; the second stopped at 40 candidates, 40 simulations.
    assert made["populations"] == 1 and made["simulations_given_up"] == 40
    assert calibration_record(tmp_path / "c", "coprod x")["simulations_given_up"] == 40


def test_quick_calibration_command_writes_everything(tmp_path, capsys):
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--seed", "3", "--out", str(out)]) == 0
    for name in ("abc.db", "posterior.csv", "fit.csv", "fit.png", "posterior.png",
                 "manifest.json", "median.json"):
        assert (out / name).exists(), name
    from calibration.inputs import calibrated_inputs

    post = pd.read_csv(out / "posterior.csv")
    # The posterior covers the whole world: the free parameters and the local policy's
    # reading sampled (a quick run samples only those), every other input acting before
    # 2015 drawn from its prior. The reading is a column of whole numbers, its levels.
    assert list(post.columns) == [*calibrated_inputs(), "weight"]
    assert post.weight.sum() == pytest.approx(1)
    assert set(post.policy_reading) <= {0, 1, 2} and len(set(post.policy_reading)) > 1
    record = json.loads((out / "manifest.json").read_text())
    assert record["abc_inputs"] == [*FREE, "policy_reading"]
    assert set(record["prior_inputs"]) == set(calibrated_inputs()) - {*FREE, "policy_reading"}
    assert record["seed"] == 3 and record["simulations"] > 0 and "mesa" in record["versions"]
    assert record["reproducible"] is True


def test_the_calibrated_parameters_are_the_shipped_posterior_median():
    post = load_posterior()
    median = post.median()
    calibrated = calibrated_parameters()
    # The calibrated model is the joint posterior's median world: every calibrated input.
    assert set(calibrated) == set(post.particles.columns) >= set(FREE)
    for name in post.particles.columns:
        assert calibrated[name] == pytest.approx(median[name], abs=1e-5)
    assert post.manifest.get("seed") is not None and post.manifest.get("versions")


@pytest.fixture(scope="module")
def predictive():
    """Simulated Table 2 counts of 12 posterior draws (shared by the fit tests)."""
    return predictive_counts(load_posterior(), draws=12, rng=1, progress=False)


def test_fit_sets_the_simulated_tables_against_the_observed_survey(predictive, small_fit):
    assert predictive.shape == (12, 6, 3)
    check = compare(predictive, reps=500)
    shares = check.shares.set_index(["activity", "coordinator"])
    # Observed: Table 2's recovered counts (social: 35 of 101 by the municipality).
    assert shares.loc[("social", "municipality"), "observed"] == pytest.approx(35 / 101)
    sim = predictive[:, 0, 0] / predictive[:, 0].sum(axis=1)
    assert shares.loc[("social", "municipality"), "sim_median"] == pytest.approx(
        np.median(sim))
    assert {"pooled_diff:municipality", "mean_diff:voluntary"} <= set(
        check.differences.statistic)
    fit = pd.read_csv(small_fit.folder / "fit.csv")  # what `coprod fit` writes
    assert list(fit.columns) == ["activity", "coordinator", "observed", "low_95", "high_95",
                                 "sim_median", "sim_low_90", "sim_high_90", "inside"]


def test_posterior_files_are_validated(write, tmp_path):
    with pytest.raises(InputError, match="missing file"):
        load_posterior(tmp_path)
    write("posterior.csv", "municipal_tradition,weight\n1,1\n")
    with pytest.raises(InputError, match="missing: home_care_offset, statutory_pull"):
        load_posterior(tmp_path)
    row = ",".join(["99"] * len(FREE)) + ",1"
    write("posterior.csv", ",".join([*FREE, "weight"]) + "\n" + row + "\n")
    with pytest.raises(InputError, match="line 2, column 'municipal_tradition'"):
        load_posterior(tmp_path)
    good = ",".join(str(PARAMETERS[n].default) for n in FREE)
    header = ",".join([*FREE, "weight"])
    for rows, where, value in (([f"{good},1", f"{good},heavy"], "line 3, column 'weight'",
                                "'heavy'"),
                               ([f"{good},1", f"{good},"], "line 3, column 'weight'",
                                "'blank or NaN'"),
                               ([f"{good},-1"], "line 2, column 'weight'", "'-1"),
                               ([f"x{good},1"], "line 2, column 'municipal_tradition'",
                                "'x")):
        write("posterior.csv", header + "\n" + "\n".join(rows) + "\n")
        with pytest.raises(InputError) as bad:
            load_posterior(tmp_path)
        assert str(bad.value).startswith(f"{tmp_path / 'posterior.csv'}: {where}: invalid "
                                         f"value {value}"), str(bad.value)


def test_sensitivity_finds_the_mechanisms_where_they_act():
    table = morris(2, rng=1, steps=8, progress=False).set_index(["parameter", "output"])
    municipal = [f"{a}:municipality" for a in TABLE2_IDS]
    # The municipal tradition raises every activity's municipal share, never lowers it.
    mu = table.loc["municipal_tradition"].loc[municipal, "mu"]
    assert (mu >= 0).all() and mu.max() > 0.2
    # Statutory duty acts on the statutory activities more than on the others.
    pull = table.loc["statutory_pull"].loc[municipal, "mu_star"]
    statutory = [f"{a}:municipality" for a in ("food_delivery", "day_centre")]
    assert pull[statutory].mean() > 2 * pull.drop(statutory).mean()


def test_exact_interval_stands_in_where_bca_is_degenerate(predictive):
    from calibration.predictive_check import clopper_pearson

    lo, hi = clopper_pearson(0, 19)
    assert lo == 0 and hi == pytest.approx(1 - 0.025 ** (1 / 19))
    row = compare(predictive, reps=500).shares.set_index(["activity", "coordinator"]) \
        .loc[("day_centre", "voluntary")]
    assert row.low_95 == 0 and row.high_95 == pytest.approx(hi)


def test_validation_patterns_are_reported():
    from calibration.predictive_check import predictive_runs, validation

    table = validation(predictive_runs(load_posterior(), draws=6, rng=3, progress=False))
    share = table.set_index("pattern").loc["volunteers_past_year_per_inhabitant", "sim_median"]
    assert 0.01 < share < 0.06
    assert set(table.columns) == {"pattern", "known", "sim_median", "sim_low_90",
                                  "sim_high_90", "consistent", "kind", "why"}
    # Validation is what the model could have missed; what follows from the fit or from
    # values set from the survey is a consistency check.
    kinds = table.set_index("pattern").kind
    assert kinds["dropped_share_fewest"] == "validation"
    assert kinds["dropped_share_most"] == kinds["volunteers_past_year_per_inhabitant"] \
        == kinds["activities_nursing_home_over_home_care"] == "consistency"


@pytest.mark.slow
def test_leave_one_out_predicts_the_left_out_activity(tmp_path):
    from studies.leave_one_out import COLUMNS, leave_one_out, naive_shares

    table = load_table2()
    frame, record = leave_one_out(tmp_path, activities=["day_centre"], seed=2,
                                  settings=TINY, draws=8, progress=False)
    assert list(frame.columns) == COLUMNS and len(frame) == 3
    assert set(frame.activity) == {"day_centre"}
    assert record["calibrations"]["day_centre"]["activities_used"] == [
        a for a in TABLE2_IDS if a != "day_centre"]
    assert (frame.low_90 <= frame.predicted_median).all()
    assert (frame.predicted_median <= frame.high_90).all()
    assert frame.observed.sum() == pytest.approx(1)
    assert np.allclose(frame.naive, naive_shares(table, "day_centre"))
    # The naive predictor pools the other five: 126 municipal answers of 289.
    assert frame.naive.iloc[0] == pytest.approx(126 / 289)
    # Resuming reuses the finished calibration and gives the same rows.
    again, rec = leave_one_out(tmp_path, activities=["day_centre"], seed=2, settings=TINY,
                               draws=8, progress=False, resume=True)
    assert rec["calibrations"]["day_centre"]["reused"]
    pd.testing.assert_frame_equal(frame, again)


@pytest.mark.slow
def test_ablation_compares_the_model_without_a_mechanism(tmp_path):
    from studies.ablation import COLUMNS, ablate

    # One small generation per calibration: the test is of the study's machinery.
    smallest = Settings(population_size=8, max_populations=1, max_simulations=100,
                        max_walltime_s=60)
    frame, record = ablate(tmp_path, mechanisms=["joint_propensity"], seed=4,
                           settings=smallest, draws=8, progress=False)
    assert list(frame.columns) == COLUMNS and len(frame) == 2
    row = frame.iloc[1]
    assert row.mechanism == "joint_propensity" and row.fixed_at == 0
    assert row.model_probability_full + row.model_probability_ablated == pytest.approx(1)
    assert 0 <= row.shares_inside_predictive_90 <= 18
    posterior = load_posterior(tmp_path / "joint_propensity")
    assert (posterior.particles.joint_propensity == 0).all()
    assert record["calibrations"]["joint_propensity"]["selection"]["simulations"] > 0
    # A finished calibration without its record is remade from abc.db on --resume ...
    (tmp_path / "full" / "calibration.json").unlink()
    again, record = ablate(tmp_path, mechanisms=["joint_propensity"], seed=4,
                           settings=smallest, draws=8, progress=False, resume=True)
    pd.testing.assert_frame_equal(frame, again)
    assert "reused" not in record["calibrations"]["full"]
    assert record["calibrations"]["joint_propensity"]["calibration"]["reused"]
    # ... and a damaged one is one line naming the file and the field.
    path = tmp_path / "full" / "calibration.json"
    path.write_text(path.read_text().replace('"epsilons": [', '"epsilons": ["many", '))
    with pytest.raises(InputError, match=r"full/calibration.json: field 'epsilons'"):
        ablate(tmp_path, mechanisms=["joint_propensity"], seed=4, settings=smallest,
               draws=8, progress=False, resume=True)
    # A model selection of an earlier model version is not reused as this model's.
    (tmp_path / "full" / "calibration.json").unlink()
    path = tmp_path / "joint_propensity" / "selection" / "model_probabilities.json"
    kept = json.loads(path.read_text())
    assert kept["model_version"] == MODEL_VERSION
    path.write_text(json.dumps({**kept, "model_version": MODEL_VERSION - 1}))
    with pytest.raises(InputError, match=r"model_probabilities.json: field 'model_version'"):
        ablate(tmp_path, mechanisms=["joint_propensity"], seed=4, settings=smallest,
               draws=8, progress=False, resume=True)


@pytest.mark.parametrize("argv", [
    ["validate"],
    ["validate", "--leave-one-out", "--seed", "-1"],
    ["validate", "--leave-one-out", "--workers", "0"],
    ["validate", "--leave-one-out", "--out", "/dev/null/loo"],
    ["validate", "--leave-one-out", "--resume", "--out", "{tmp}/never_run"],
    ["ablate", "--mechanism", "activity_rate"],
    ["ablate", "--resume", "--out", "{tmp}/never_run"],
])
def test_study_commands_refuse_bad_arguments_in_one_line(argv, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("coprod") and "Traceback" not in err
    assert not (tmp_path / "never_run").exists()
