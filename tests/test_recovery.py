"""The recovery study: truths, calibrations on their synthetic surveys, policy effects."""

import numpy as np
import pandas as pd
import pytest

from calibration.abc import Settings
from calibration.inputs import calibrated_inputs
from calibration.posterior import load_posterior
from scenarios.spec import load_scenario
from sim.errors import InputError
from sim.parameters import FREE, PARAMETERS
from studies.effect_recovery import effect_rows, summarise_effects
from studies.parameter_recovery import COLUMNS, TRUTH_FILE, draw_truth, recover, summarise
from tests.conftest import ROOT

SMALLEST = Settings(population_size=8, max_populations=1, max_simulations=100,
                    max_walltime_s=60)


@pytest.mark.slow
def test_recovery_calibrates_each_truth_and_resumes_to_the_same_rows(tmp_path):
    seen = []
    frame, record = recover(tmp_path, truths=2, seed=5, settings=SMALLEST, progress=False,
                            each=lambda k, truth, post, here: seen.append((k, truth)))
    # One row per calibrated input: the whole world a posterior covers.
    assert list(frame.columns) == COLUMNS and len(frame) == 2 * len(calibrated_inputs())
    assert [k for k, _ in seen] == [0, 1] and seen[0][1] == draw_truth(5, 0)
    for name in FREE:  # truths come from the prior
        assert PARAMETERS[name].low <= seen[1][1][name] <= PARAMETERS[name].high
    row = frame.iloc[0]
    assert row.covered == (row.low_90 <= row.truth <= row.high_90)
    assert row.error == pytest.approx(row.posterior_median - row.truth)
    assert (tmp_path / "truth_01" / TRUTH_FILE).is_file()
    assert record["calibrations"]["truth_00"]["simulations"] > 0
    summary = summarise(frame)
    assert list(summary.parameter) == list(calibrated_inputs()) and (summary.truths == 2).all()
    again, rec = recover(tmp_path, truths=2, seed=5, settings=SMALLEST, progress=False,
                         resume=True)
    assert rec["calibrations"]["truth_01"]["reused"]
    pd.testing.assert_frame_equal(frame, again)
    # Another seed's truths never mix with these.
    with pytest.raises(InputError, match="a truth not this folder's"):
        recover(tmp_path, truths=1, seed=6, settings=SMALLEST, progress=False, resume=True)


def test_policy_effects_are_paired_and_follow_the_lever():
    baseline = load_scenario("baseline").with_sizes(horizon_weeks=6)
    same = baseline  # a scenario that changes nothing has no effect, exactly
    strict = load_scenario("strict_task_division").with_sizes(horizon_weeks=6)
    truth = load_posterior().median()
    frame = effect_rows(0, truth, load_posterior(), baseline, [same, strict], rng=3,
                        replicates=3, draws=4)
    none = frame[frame.scenario == "baseline"]
    assert (none.true_effect == 0).all() and (none.estimated_effect == 0).all()
    # Dividing tasks strictly leaves little to coordinate together.
    together = frame[(frame.scenario == "strict_task_division")
                     & (frame.outcome == "share_together")].iloc[0]
    assert together.true_effect < -0.05 and together.estimated_effect < -0.05
    assert together.low_90 <= together.estimated_effect <= together.high_90
    summary = summarise_effects(frame)
    assert set(summary.scenario) == {"baseline", "strict_task_division"}
    assert np.isnan(summary.correlation).all()  # one truth: no correlation to speak of
    # A truth without a number for its effect is not counted, in any column.
    blank = frame.copy()
    blank.loc[(blank.scenario == "strict_task_division")
              & (blank.outcome == "share_together"), "true_effect"] = np.nan
    shown = summarise_effects(pd.concat([frame.assign(truth_id=1), blank]))
    row = shown[(shown.scenario == "strict_task_division")
                & (shown.outcome == "share_together")].iloc[0]
    assert row.truths == 1 and row.mean_true_effect == together.true_effect
    assert row.mean_absolute_error == abs(together.error)
    assert list(shown.scenario) == list(summary.scenario)  # every row kept, in order
    # With no truth counted, the report says nothing of it (it said "+nan pts", "nan%").
    from coprod.report_studies import effect_text

    assert effect_text(float("nan"), "share_together") == "—"
    none = summarise_effects(frame.assign(true_effect=np.nan))
    assert (none.truths == 0).all() and none.coverage.isna().all()


@pytest.mark.parametrize("p_full, words", [(0.95, "supports"), (0.05, "prefers the model "
                                            "without"), (0.5, "cannot tell whether")])
def test_the_report_says_what_the_model_selection_found(p_full, words):
    from types import SimpleNamespace

    from coprod.report_studies import _ablation_sentence

    row = SimpleNamespace(mechanism="trust_weight", model_probability_full=p_full)
    assert words in _ablation_sentence(row)


def test_the_report_renders_shipped_studies_from_their_files(tmp_path, monkeypatch):
    import json

    import coprod.report_studies as studies
    from runtime.manifests import manifest

    pd.DataFrame({"mechanism": ["none (full model)", "statutory_pull"], "fixed_at": [np.nan, 0],
                  "final_epsilon": [1.4, 2.9], "shares_inside_predictive_90": [18, 11],
                  "model_probability_full": [np.nan, 1.0],
                  "model_probability_ablated": [np.nan, 0.0], "simulations": [100, 100]}
                 ).to_csv(tmp_path / "ablation.csv", index=False)
    # As shipped: the typed reader's checks hold (its record names the mechanisms).
    (tmp_path / "ablation_manifest.json").write_text(json.dumps(manifest(
        command="coprod ablate", seed=1, mechanisms=["statutory_pull"])))
    monkeypatch.setattr(studies, "shipped_study_file", lambda name: tmp_path / name)
    text = "".join(studies.studies_section())
    assert "The survey supports <code>statutory_pull</code>" in text
    assert "tolerance 2.90 (full model 1.40)" in text and "11 of 18" in text
    assert "leave-one-out study is not shipped" in text  # named, not silently dropped


def test_a_study_made_with_an_earlier_model_is_flagged_in_the_report(tmp_path):
    import json

    import coprod.report_studies as studies
    from runtime.manifests import manifest
    from sim.parameters import MODEL_VERSION

    pd.DataFrame({"mechanism": ["none (full model)", "statutory_pull"], "fixed_at": [np.nan, 0],
                  "final_epsilon": [1.4, 2.9], "shares_inside_predictive_90": [18, 11],
                  "model_probability_full": [np.nan, 1.0],
                  "model_probability_ablated": [np.nan, 0.0], "simulations": [100, 100]}
                 ).to_csv(tmp_path / "ablation.csv", index=False)
    current = manifest(command="coprod ablate", seed=1, mechanisms=["statutory_pull"])
    assert current["versions"]["model"] == str(MODEL_VERSION)
    (tmp_path / "ablation_manifest.json").write_text(json.dumps(current))
    section, appendix = studies.studies_section(tmp_path)
    assert "supports <code>statutory_pull</code>" in section and appendix == ""
    assert "earlier model" not in section
    # Manifests from before versions were recorded are version 1: the appendix only.
    del current["versions"]["model"]
    (tmp_path / "ablation_manifest.json").write_text(json.dumps(current))
    section, appendix = studies.studies_section(tmp_path)
    assert "supports <code>statutory_pull</code>" not in section
    assert "supports <code>statutory_pull</code>" in appendix
    assert f"earlier model (version 1; this one is version {MODEL_VERSION})" in appendix


def test_the_recovery_says_how_many_calibrations_reached_their_noise_level(tmp_path):
    # The shipped study's manifest holds each truth's tolerances and noise level: the
    # report and README count the calibrations that stopped above it, and by how much.
    from coprod.report_studies import noise_reached
    from studies.recovery import RecoveryStudy

    ok = {"epsilons": [3.0, 1.30], "noise_level": 1.40}
    above = {"epsilons": [3.0, 1.54], "noise_level": 1.40}
    said = noise_reached({"truth_00": ok, "truth_01": above, "truth_02": ok,
                          "truth_03": {"epsilons": [], "noise_level": 1.4},  # unreadable
                          "truth_04": {"epsilons": [1.2], "noise_level": 10**400}})
    assert said == {"calibrations": 3, "reached": 2, "worst": pytest.approx(1.1)}
    assert noise_reached({"truth_00": ok})["worst"] is None
    assert noise_reached(None) is None and noise_reached({"t": "x"}) is None
    shipped = RecoveryStudy.read_shipped(ROOT / "calibration" / "data" / "validation")
    counted = noise_reached(shipped.manifest.get("calibrations"))
    assert counted["calibrations"] == shipped.manifest["truths"]


def test_report_and_readme_say_the_noise_level_count_in_the_same_words():
    # One function writes the sentence; the report (here the shipped study, wherever it is
    # shown) and README's generated block both carry it.
    import tools.readme_examples as readme
    from coprod.report_studies import noise_sentence, studies_section

    said = noise_sentence({"calibrations": 3, "reached": 2, "worst": 1.1})
    assert said.startswith("2 of the 3 calibrations reached") and "1.10 × the noise" in said
    assert noise_sentence({"calibrations": 3, "reached": 3, "worst": None}).endswith("it).")
    assert noise_sentence(None) == ""
    text = "".join(studies_section())
    assert "calibrations reached their synthetic survey&#39;s noise level" in text
    assert readme._reached({"calibrations": 3, "reached": 2, "worst": 1.1}) == " " + said


def test_an_inputs_coverage_is_tested_against_chance_not_held_to_the_pooled_band():
    # 20 of 20 (100%) and 16 of 20 (80%) are what 90% intervals give by chance; the
    # README called 100% "outside 80-97%" for 16 of 43 inputs. 9 of 20 is not chance.
    import tools.readme_examples as readme
    from coprod.report_studies import coverage_sentence, studies_section
    from studies.parameter_recovery import coverage_departures, most_covered_flagged
    from studies.recovery import RecoveryStudy

    calibrated = {"a": 1.0, "b": 0.8, "c": 0.95, "d": 0.9}
    assert coverage_departures(calibrated, 20) == {}
    assert list(coverage_departures({**calibrated, "e": 0.45}, 20)) == ["e"]
    assert most_covered_flagged(20, 43) == 12 and most_covered_flagged(20, 1) == 15
    said = coverage_sentence(calibrated, 20)
    assert said.startswith("No input's coverage is further from 90% than chance")
    assert "Holm-adjusted over the 4 inputs" in said and "14 or fewer of 20" in said
    said = coverage_sentence({**calibrated, "e": 0.45}, 20, name=lambda n: f"`{n}`")
    assert said.startswith("`e` (45%) departs from 90%")
    assert coverage_departures({}, 20) == {} and coverage_sentence(calibrated, 0) == ""
    # The report and README say it of the shipped study alike.
    shipped = RecoveryStudy.read_shipped(ROOT / "calibration" / "data" / "validation")
    summary = shipped.summary
    said = coverage_sentence(dict(zip(summary.parameter, summary.coverage, strict=True)),
                             int(summary.truths.max()))
    assert said.replace("'", "&#39;") in "".join(studies_section())
    readme_text = " ".join((ROOT / "README.md").read_text().split())
    assert " ".join(said.split()[4:]) in readme_text  # (its names as code there)
    assert "outside 80–97%)" not in readme_text
    assert readme._workers(1) == "1 worker" and readme._workers(2) == "2 workers"


@pytest.mark.slow
def test_a_recovery_resumed_from_its_kept_files_alone_is_the_same_to_the_last_byte(
        tmp_path, capsys):
    # A study made over several machines: its finished truths are copied without their
    # abc.db (study_parts/), and the study resumed there writes the same tables.
    import shutil

    from coprod.main import main
    from studies.recovery import TABLES

    made, copied = tmp_path / "made", tmp_path / "copied"
    args = ["recovery", "--quick", "--truths", "2", "--workers", "1", "--seed", "7"]
    assert main([*args, "--out", str(made)]) == 0
    for truth in ("truth_00", "truth_01"):
        shutil.copytree(made / truth, copied / truth, ignore=shutil.ignore_patterns("abc.db*"))
    assert main([*args, "--resume", "--out", str(copied)]) == 0
    assert not (copied / "truth_00" / "abc.db").exists()  # reused, not calibrated again
    for name in TABLES:
        assert (copied / name).read_bytes() == (made / name).read_bytes(), name


def test_a_shipped_study_type_without_its_reader_fails_where_it_is_defined():
    # Each study type gives its own reader and record name; one that forgets either is
    # refused when its module is imported, not when a user reads a study back.
    from studies.shipped import ShippedStudy

    with pytest.raises(TypeError, match="must define _read"):
        type("Forgetful", (ShippedStudy,), {"shipped_record": "x_manifest.json"})
    with pytest.raises(TypeError, match="must define shipped_record"):
        type("Unnamed", (ShippedStudy,), {"_read": classmethod(lambda cls, f, r: None)})


def test_only_a_study_recorded_as_quick_is_called_a_quick_check():
    # "quick": "no" (or 1) in a tampered manifest said the study was a --quick check.
    from coprod.report_studies import how_calibrated

    assert "--quick" in how_calibrated({"quick": True})
    for value in ("no", 1, [True]):
        assert "--quick" not in how_calibrated({"quick": value})


@pytest.mark.parametrize(("change", "said"), [
    (lambda r: r.update(truth_id=1), "field 'truth_id': a truth not this folder's: 1; "
     "allowed: 0, the truth this folder holds"),
    (lambda r: r.update(table_seed=r["table_seed"] + 1), "field 'table_seed'"),
    (lambda r: r["parameters"].update(trust_weight=0.5),
     "field 'parameters.trust_weight': a truth not this folder's: 0.5"),
    (lambda r: r.pop("table_seed"), "missing field 'table_seed'"),
    # An input the truth does not have said "allowed: null"; a missing one read as null.
    (lambda r: r["parameters"].update(no_such=1.0),
     "field 'parameters.no_such': a truth not this folder's: 1.0; allowed: no such input"),
    (lambda r: r["parameters"].pop("trust_weight"),
     "missing field 'parameters.trust_weight'; allowed: "),
    (lambda r: r.update(parameters=[1]), "field 'parameters': a truth not this folder's: "
     "[1]; allowed: the truth drawn, the truth this study's --seed draws for it"),
    # A field no truth's record has was accepted (where an extra input was refused).
    (lambda r: r.update(truth=3), "field 'truth': a truth not this folder's: 3; allowed: "
     "no such field"),
])
def test_a_truth_folder_of_another_study_names_the_field(tmp_path, change, said):
    # Swapped truth folders were "mixed studies" naming no field (and blaming --seed).
    import json

    from studies.parameter_recovery import _truth_record

    folder = tmp_path / "truth_00"
    truth = draw_truth(5, 0)
    _truth_record(folder, 0, truth, 77)
    _truth_record(folder, 0, truth, 77)  # the same: resumed
    record = json.loads((folder / TRUTH_FILE).read_text())
    change(record)
    (folder / TRUTH_FILE).write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        _truth_record(folder, 0, truth, 77)
    assert said in str(err.value) and "truth.json" in str(err.value), err.value
    # Deleted, the record is written again beside the calibration it belongs to: the
    # remedy loses nothing (it said to start again in another --out).
    assert f"after deleting {folder / TRUTH_FILE}" in str(err.value)
    assert "another --out" not in str(err.value)


def test_a_lost_truth_record_is_written_only_for_the_calibration_beside_it(tmp_path):
    # With truth.json deleted, a run with another --seed was refused by the calibration,
    # but had already written its own truth.json: the right command was then refused
    # too, with advice to start in another --out (losing the calibration).
    recover(tmp_path, truths=1, seed=5, settings=SMALLEST, progress=False)
    record = (tmp_path / "truth_00" / TRUTH_FILE).read_text()
    (tmp_path / "truth_00" / TRUTH_FILE).unlink()
    with pytest.raises(InputError, match="--seed"):
        recover(tmp_path, truths=1, seed=6, settings=SMALLEST, progress=False, resume=True)
    assert not (tmp_path / "truth_00" / TRUTH_FILE).exists()
    _, made = recover(tmp_path, truths=1, seed=5, settings=SMALLEST, progress=False,
                      resume=True)
    assert made["calibrations"]["truth_00"]["reused"]
    assert (tmp_path / "truth_00" / TRUTH_FILE).read_text() == record
