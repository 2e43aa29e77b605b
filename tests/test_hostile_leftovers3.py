"""The last hostile pass's defects, each held by a test that fails without its fix.

A calibration over another command's results, a record nested too deep to read, a
result written into the file system's root, arguments of the wrong kind, a link in the
place of a result found only after the computing, an SBC folder other commands wrote in.
"""

from __future__ import annotations

import json
import os

import pytest

import coprod
from sim.errors import InputError
from tests.conftest import library_refusal


def _owned_by(folder, command: str, name: str = "manifest.json") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"command": command}))


def _never(*args, **kwargs):
    raise AssertionError("the refusal came after the computing")


def test_a_calibration_is_refused_over_another_commands_results(tmp_path, monkeypatch):
    import calibration.abc

    monkeypatch.setattr(calibration.abc, "calibrate", _never)
    folder = tmp_path / "loo"
    _owned_by(folder, "coprod validate --leave-one-out --quick --out loo")
    with pytest.raises(InputError) as err:
        coprod.calibrate(out=folder, quick=True, rng=1)
    library_refusal(err, "refusing to write over", "coprod validate", "coprod calibrate")
    assert json.loads((folder / "manifest.json").read_text())["command"].startswith(
        "coprod validate")


def test_an_sbc_folder_is_the_checks_and_the_check_keeps_to_its_own(tmp_path, monkeypatch):
    import studies.simulation

    monkeypatch.setattr(studies.simulation, "simulate_once", _never)
    sbc_folder = tmp_path / "sbc"
    _owned_by(sbc_folder, "coprod sbc --out sbc", name="sbc_manifest.json")
    with pytest.raises(InputError) as err:
        coprod.simulate(out=sbc_folder, rng=1)
    library_refusal(err, "refusing to write over", "coprod sbc")
    simulated = tmp_path / "simulated"
    _owned_by(simulated, "coprod simulate --out simulated")
    with pytest.raises(InputError) as err:
        coprod.sbc(truths=10, reference=100, out=simulated, rng=1)
    library_refusal(err, "refusing to write over", "coprod simulate")
    assert not (simulated / "sbc_manifest.json").exists()


def test_a_link_in_the_place_of_a_result_is_refused_before_the_run(tmp_path, monkeypatch):
    import studies.simulation

    monkeypatch.setattr(studies.simulation, "simulate_once", _never)
    folder = tmp_path / "sim"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("keep\n")
    os.symlink(elsewhere, folder / "timeseries.csv")
    with pytest.raises(InputError) as err:
        coprod.simulate(out=folder, rng=1)
    library_refusal(err, "symbolic link")
    assert elsewhere.read_text() == "keep\n"


def test_a_record_nested_too_deep_is_one_line(tmp_path):
    from runtime.files import read_own_json
    from studies.leave_one_out import LeaveOneOut

    (tmp_path / "manifest.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(InputError) as err:
        read_own_json(tmp_path / "manifest.json", "coprod fit")
    library_refusal(err, "manifest.json", "nested too deep")
    with pytest.raises(InputError) as err:
        LeaveOneOut.read(tmp_path)
    library_refusal(err, "manifest.json")


def test_a_result_is_not_written_into_the_root_nor_to_a_number():
    from calibration.survey_study import SurveyStudy

    study = coprod.survey(reps=100, rng=1)
    assert isinstance(study, SurveyStudy)
    for folder, words in (("/", "file system's root"), (None, "wrong type 'NoneType'"),
                          (1, "wrong type 'int'")):
        with pytest.raises(InputError) as err:
            study.write(folder)
        library_refusal(err, "folder", words)


@pytest.mark.parametrize("call, words", [
    (lambda: coprod.sensitivity(inputs=["free"]), "inputs"),
    (lambda: coprod.sbc(truths=10, reference=100, say=None), "say"),
    (lambda: coprod.fit(draws=10, command=None), "command"),
    (lambda: coprod.survey(reps=50, command=123), "command"),
])
def test_arguments_of_the_wrong_kind_are_named(call, words):
    with pytest.raises(InputError) as err:
        call()
    library_refusal(err, words)


@pytest.mark.parametrize("value", ["abc", "inf", "-0.5", "1e309"])
def test_a_tampered_share_of_the_leave_one_out_study_is_one_line(tmp_path, value):
    """The shipped study, one observed share replaced: refused naming file and column."""
    import shutil

    from calibration.posterior import shipped_study_file
    from studies.leave_one_out import LeaveOneOut

    shutil.copy(shipped_study_file("leave_one_out.csv"), tmp_path / "leave_one_out.csv")
    shutil.copy(shipped_study_file("leave_one_out_manifest.json"),
                tmp_path / "manifest.json")
    assert len(LeaveOneOut.read(tmp_path).frame) == 18  # as shipped: reads back
    lines = (tmp_path / "leave_one_out.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = value  # the first row's observed share
    lines[1] = ",".join(cells)
    (tmp_path / "leave_one_out.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        LeaveOneOut.read(tmp_path)
    library_refusal(err, "leave_one_out.csv", "observed")


@pytest.mark.parametrize("module, name, call", [
    ("studies.leave_one_out", "study_leave_one_out",
     lambda out: coprod.validate(quick=True, out=out, rng=1)),
    ("studies.recovery", "run_recovery",
     lambda out: coprod.recovery(truths=1, quick=True, out=out, rng=1)),
    ("studies.ablation", "study_ablation",
     lambda out: coprod.ablate(["trust_weight"], quick=True, out=out, rng=1)),
])
def test_an_interrupted_calibration_study_says_its_calibrations_are_kept(
        tmp_path, monkeypatch, module, name, call):
    import importlib

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    with pytest.raises(KeyboardInterrupt) as stop:
        call(tmp_path / "study")
    assert "every finished calibration is kept" in stop.value.kept
    assert "--resume" in stop.value.kept


def test_a_linked_run_table_is_refused_as_a_link_not_as_malformed(tiny_ensembles, tmp_path,
                                                                  capsys):
    import shutil

    from coprod.main import main
    from tests.conftest import refusal

    runs = tmp_path / "runs"
    shutil.copytree(tiny_ensembles, runs)
    table = runs / "baseline" / "outcomes.csv"
    shutil.move(table, tmp_path / "elsewhere.csv")
    os.symlink(tmp_path / "elsewhere.csv", table)
    capsys.readouterr()
    assert main(["compare", "--out", str(runs), "--seed", "1"]) == 2
    err = refusal(capsys, "refusing to read through a symbolic link", "remove the link")
    assert "malformed" not in err and "make it again" not in err


def test_a_signal_the_process_ignores_stays_ignored_inside_a_deferred_block():
    """A pool worker ignores Ctrl-C: its runs must not stop early on one (sbc's workers
    handed back cut-short results, 'not enough values to unpack')."""
    import signal

    from runtime.interrupts import interrupts_deferred

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_deferred() as stop:
            os.kill(os.getpid(), signal.SIGINT)
            assert stop == []
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("mechanisms", [None, "trust_weight", ["no_such"], [1]])
def test_an_ablation_record_without_its_mechanisms_is_one_line(tmp_path, mechanisms):
    """The shipped ablation, its manifest's mechanisms tampered: one line naming the field."""
    import shutil

    from calibration.posterior import shipped_study_file
    from studies.ablation import Ablation

    shutil.copy(shipped_study_file("ablation.csv"), tmp_path / "ablation.csv")
    record = json.loads(shipped_study_file("ablation_manifest.json").read_text())
    assert Ablation.read(_with(tmp_path, record)).mechanisms  # as shipped: reads back
    if mechanisms is None:
        del record["mechanisms"]
    else:
        record["mechanisms"] = mechanisms
    with pytest.raises(InputError) as err:
        Ablation.read(_with(tmp_path, record))
    library_refusal(err, "manifest.json", "mechanisms")


def _with(folder, record: dict):
    (folder / "manifest.json").write_text(json.dumps(record))
    return folder
