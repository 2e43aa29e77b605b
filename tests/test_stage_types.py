"""Every stage as a library call: a typed result that writes its command's files and
reads them back the same, and arguments of the wrong kind refused in one line naming
the keyword (the fit check, simulate, sensitivity, recovery, validate, ablate, sbc)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import as_written
from sim.errors import InputError
from tests.conftest import library_refusal


def _same_table(computed: pd.DataFrame, read: pd.DataFrame, name: str) -> None:
    """``read`` is ``computed`` as its CSV holds it."""
    pd.testing.assert_frame_equal(as_written(computed), read, check_dtype=False, obj=name)


# ---- the fit check -------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_check(small_fit):
    """A fit check of the shipped posterior (10 draws) computed here, and the folder
    ``coprod fit --draws 10`` wrote of the same check (:func:`small_fit`, made once per
    test run: tests copy it before they change it)."""
    from calibration.fit_check import check_fit
    from calibration.posterior import load_posterior
    from coprod.pipeline import DEFAULT_SEED

    return check_fit(load_posterior(), draws=10, rng=DEFAULT_SEED), small_fit.folder


def test_a_fit_check_reads_back_equal_to_the_one_written(small_check, tmp_path):
    import shutil

    from calibration.fit_check import FIT_RECORD, FitCheck, check_fit
    from calibration.posterior import load_posterior

    check, folder = small_check
    read = FitCheck.read(folder)
    assert read == check and check == read
    assert np.array_equal(read.check.counts, check.check.counts)
    assert read.check.counts.shape == (10, 6, 3) and read.year == 2015
    assert read.respondents == check.respondents and read.targets() == check.targets()
    assert read.research_question()["class"] == check.research_question()["class"]
    # Written again from what was read, the tables are the same bytes.
    again = tmp_path / "again"
    read.write(again)
    for name in ("fit.csv", "fit_differences.csv", "fit_n.csv", "fit_validation.csv",
                 "fit_classes.csv", FIT_RECORD):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name
    # Another seed's check is another check.
    assert check_fit(load_posterior(), draws=10, rng=4) != check
    shutil.rmtree(again)


@pytest.mark.parametrize("damage, words", [
    (lambda f: (f / "fit_draws.json").write_text((f / "fit_draws.json").read_text()[:-40]),
     ("fit_draws.json", "malformed")),
    (lambda f: (f / "fit.csv").write_text((f / "fit.csv").read_text()[:-9]),
     ("fit.csv", "truncated")),
    (lambda f: (f / "fit_n.csv").unlink(), ("fit_n.csv", "missing")),
    (lambda f: (f / "fit.csv").write_text("\n".join(
        (f / "fit.csv").read_text().split("\n")[:10]) + "\n"), ("fit.csv", "9 rows")),
    (lambda f: (f / "fit_classes.csv").write_text("class,observed\nshared,1\n"),
     ("fit_classes.csv", "expected columns")),
    (lambda f: _edit_record(f, counts=[[["a"]]]), ("field 'counts'",)),
    (lambda f: _edit_record(f, draws=11), ("field 'counts'",)),
    (lambda f: _edit_record(f, year="2015"), ("field 'year'",)),
    (lambda f: _edit_record(f, later=["../x.csv"]), ("field 'later'",)),
    (lambda f: _edit_record(f, posterior={"folder": "shipped", "digest": "0" * 16}),
     ("another posterior",)),
    (lambda f: _edit_record(f, respondents=1e400), ("fit_draws.json",)),
])
def test_a_damaged_fit_folder_is_refused_in_one_line(small_check, tmp_path, damage, words):
    import shutil

    from calibration.fit_check import FitCheck

    folder = shutil.copytree(small_check[1], tmp_path / "fit")
    damage(folder)
    with pytest.raises(InputError) as err:
        FitCheck.read(folder)
    library_refusal(err, *words)


def _edit_record(folder, **fields) -> None:
    path = folder / "fit_draws.json"
    record = {**json.loads(path.read_text()), **fields}
    text = json.dumps(record).replace("Infinity", "1e400")  # past float range, as typed
    path.write_text(text + "\n")


def test_the_fit_command_leaves_a_check_that_reads_back(small_fit):
    from calibration.fit_check import FitCheck
    from runtime.manifests import Manifest

    read = FitCheck.read(small_fit.folder)
    manifest = Manifest.read(small_fit.folder / "manifest.json", "coprod fit")
    assert read.targets() == manifest["fit"] and read.posterior.source.startswith("shipped")
    assert json.loads((small_fit.folder / "fit_draws.json").read_text())["posterior"][
        "folder"] == "shipped"


# ---- simulate and sensitivity (seconds) ----------------------------------------------
def test_simulate_returns_a_run_that_reads_back(tmp_path):
    import coprod
    from studies.simulation import Simulation

    run = coprod.simulate({"policy_share": 1.0}, steps=4, rng=5, out=tmp_path)
    assert isinstance(run, Simulation) and run.manifest["steps"] == 4
    assert run.manifest["parameters"]["policy_share"] == 1.0
    read = Simulation.read(tmp_path)
    for name in ("survey", "responses", "timeseries"):
        _same_table(getattr(run, name), getattr(read, name), name)
    assert (read.respondents, read.coordination, read.coordination_2015) == (
        run.respondents, run.coordination, run.coordination_2015)
    assert read.manifest.command == "coprod.simulate()" and read.manifest["seed"] == 5
    # Not written without a folder; the same seed, the same run.
    again = coprod.simulate({"policy_share": 1.0}, steps=4, rng=5)
    assert again.survey.equals(run.survey) and again.responses.equals(run.responses)
    (tmp_path / "responses.csv").write_text((tmp_path / "responses.csv").read_text()[:-5])
    with pytest.raises(InputError) as err:
        Simulation.read(tmp_path)
    library_refusal(err, "responses.csv", "truncated")


def test_the_command_line_bounds_are_the_model_s():
    from coprod.pipeline import MAX_STEPS
    from sim.runner import MAX_STEPS as model_steps

    assert MAX_STEPS == model_steps


def test_sensitivity_returns_a_screening_that_reads_back(tmp_path):
    import coprod
    from studies.screening import Screening

    screening = coprod.sensitivity(trajectories=2, rng=1, out=tmp_path)
    assert isinstance(screening, Screening) and screening.scenario is None
    read = Screening.read(tmp_path)
    _same_table(screening.table, read.table, "sensitivity.csv")
    assert list(read.overall().index) == list(screening.overall().index)
    assert read.manifest["trajectories"] == 2 and (tmp_path / "sensitivity.png").is_file()
    # A tampered value or a cut manifest is one line naming the file.
    table = (tmp_path / "sensitivity.csv").read_text()
    header, first, rest = table.split("\n", 2)
    cells = first.split(",")
    cells[2] = "abc"  # mu_star
    (tmp_path / "sensitivity.csv").write_text("\n".join([header, ",".join(cells), rest]))
    with pytest.raises(InputError) as err:
        Screening.read(tmp_path)
    library_refusal(err, "sensitivity.csv")
    (tmp_path / "sensitivity.csv").write_text(table)
    record = (tmp_path / "manifest.json").read_text()
    (tmp_path / "manifest.json").write_text(record[:len(record) // 2])
    with pytest.raises(InputError) as err:
        Screening.read(tmp_path)
    library_refusal(err, "manifest.json", "malformed")


@pytest.mark.parametrize("call, keyword", [
    (lambda t: __import__("coprod").simulate(steps="4"), "steps"),
    (lambda t: __import__("coprod").simulate(steps=2601), "steps"),
    (lambda t: __import__("coprod").simulate(population=5), "population"),
    (lambda t: __import__("coprod").simulate(parameters=["policy_share"]), "parameters"),
    (lambda t: __import__("coprod").simulate({"bogus": 1.0}), "parameters"),
    (lambda t: __import__("coprod").simulate(rng=-1), "rng"),
    (lambda t: __import__("coprod").simulate(out=5), "out"),
    (lambda t: __import__("coprod").sensitivity(trajectories=1.5), "trajectories"),
    (lambda t: __import__("coprod").sensitivity(trajectories=1), "trajectories"),
    (lambda t: __import__("coprod").sensitivity(inputs="some"), "inputs"),
    (lambda t: __import__("coprod").sensitivity(scenario=5), "scenario"),
    (lambda t: __import__("coprod").sensitivity(workers="2"), "workers"),
    (lambda t: __import__("coprod").recovery(truths="3", out=t / "a"), "truths"),
    (lambda t: __import__("coprod").recovery(truths=0, out=t / "a"), "truths"),
    (lambda t: __import__("coprod").recovery(quick="yes", out=t / "a"), "quick"),
    (lambda t: __import__("coprod").recovery(out=5), "out"),
    (lambda t: __import__("coprod").validate(workers=0, out=t / "a"), "workers"),
    (lambda t: __import__("coprod").validate(resume=True, out=t / "a"), "resume"),
    (lambda t: __import__("coprod").validate(scheduler=5, out=t / "a"), "scheduler"),
    (lambda t: __import__("coprod").ablate(["activity_rate"], out=t / "a"), "mechanisms"),
    (lambda t: __import__("coprod").ablate(5, out=t / "a"), "mechanisms"),
    (lambda t: __import__("coprod").ablate(resume=1, out=t / "a"), "resume"),
    (lambda t: __import__("coprod").sbc(truths=5), "truths"),
    (lambda t: __import__("coprod").sbc(reference="400"), "reference"),
    (lambda t: __import__("coprod").sbc(posterior=5), "posterior"),
    (lambda t: __import__("coprod").sbc(workers=257), "workers"),
    (lambda t: __import__("coprod").calibrate(workers=0, out=t / "a"), "workers"),
    (lambda t: __import__("coprod").calibrate(quick="no", out=t / "a"), "quick"),
    (lambda t: __import__("coprod").design(workers=257, out=t / "a"), "workers"),
    (lambda t: __import__("coprod").design(workers="2", out=t / "a"), "workers"),
])
def test_a_stage_refuses_a_wrong_argument_in_one_line_naming_it(call, keyword, tmp_path):
    with pytest.raises(InputError) as err:
        call(tmp_path)
    assert library_refusal(err).startswith(keyword)
    assert not (tmp_path / "a").exists()  # refused before anything was made


# ---- the studies (calibrations at test size: slow) -----------------------------------
@pytest.fixture
def tiny_studies(monkeypatch):
    """``quick=True`` studies at one small ABC generation and 8 predictive draws."""
    from calibration.abc import Settings
    from studies import calibrations, effect_recovery

    monkeypatch.setattr(calibrations, "QUICK", Settings(
        population_size=8, max_populations=1, max_simulations=100, max_walltime_s=600))
    monkeypatch.setattr(calibrations, "QUICK_DRAWS", 8)
    monkeypatch.setattr(effect_recovery, "QUICK_REPLICATES", 1)
    monkeypatch.setattr(effect_recovery, "QUICK_DRAWS", 2)


@pytest.mark.slow
def test_recovery_returns_a_study_that_reads_back(tmp_path, tiny_studies):
    import coprod
    from studies.recovery import RecoveryStudy

    study = coprod.recovery(truths=1, quick=True, rng=5, out=tmp_path)
    assert isinstance(study, RecoveryStudy) and study.manifest["quick"] is True
    read = RecoveryStudy.read(tmp_path)
    for name in ("parameters", "summary", "policy", "policy_summary"):
        _same_table(getattr(study, name), getattr(read, name), name)
    assert read.coverage == pytest.approx(study.coverage)
    assert read.manifest["coverage_all_parameters"] == round(study.coverage, 3)


@pytest.mark.slow
def test_validate_returns_the_leave_one_out_study_that_reads_back(tmp_path, tiny_studies):
    import coprod
    from studies.leave_one_out import LeaveOneOut

    study = coprod.validate(quick=True, rng=2, out=tmp_path)
    assert isinstance(study, LeaveOneOut) and len(study.frame) == 18
    read = LeaveOneOut.read(tmp_path)
    _same_table(study.frame, read.frame, "leave_one_out.csv")
    assert read.summary == study.summary
    again = coprod.validate(quick=True, rng=2, resume=True, out=tmp_path)
    assert again.frame.equals(study.frame) and again.manifest["resumed"] is True


@pytest.mark.slow
def test_ablate_returns_a_study_that_reads_back(tmp_path, tiny_studies):
    import coprod
    from studies.ablation import Ablation

    study = coprod.ablate("statutory_pull", quick=True, rng=4, out=tmp_path)
    assert isinstance(study, Ablation) and study.mechanisms == ("statutory_pull",)
    read = Ablation.read(tmp_path)
    _same_table(study.frame, read.frame, "ablation.csv")
    assert read.mechanisms == study.mechanisms


@pytest.mark.slow
def test_sbc_returns_a_check_that_reads_back(tmp_path):
    import coprod
    from studies.sbc import SBCResult

    said = []
    result = coprod.sbc(truths=10, reference=100, rng=5, out=tmp_path, say=said.append)
    assert isinstance(result, SBCResult) and "10 truths" in said[0]
    read = SBCResult.read(tmp_path)
    pd.testing.assert_frame_equal(as_written(result.ranks, "%.8g"), read.ranks,
                                  check_dtype=False)
    _same_table(result.summary, read.summary, "sbc_summary.csv")
    assert read.passed == result.passed and read.failed == result.failed
    assert read.manifest["seed"] == 5 and read.worlds is None


@pytest.mark.slow
def test_a_calibration_s_fit_reads_back_from_its_folder(tmp_path, quick_is_tiny):
    import coprod
    from calibration.calibrated import Calibration
    from calibration.fit_check import FitCheck

    result = coprod.calibrate(out=tmp_path / "cal", quick=True, rng=3)
    # The calibration's own posterior.csv is the one the check was made from.
    read = FitCheck.read(tmp_path / "cal")
    assert read == result.fit and read.posterior.digest() == result.posterior.digest()
    # ... and the calibration read back carries it.
    assert Calibration.read(tmp_path / "cal").fit == result.fit
