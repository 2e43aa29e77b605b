"""tools/keep_study_parts.sh: a long study's finished calibrations kept without abc.db."""

import subprocess

from tests.conftest import ROOT

TOOL = ROOT / "tools" / "keep_study_parts.sh"


def _keep(*args):
    return subprocess.run(["bash", str(TOOL), *map(str, args)], capture_output=True,
                          text=True)


def test_finished_truths_are_kept_without_their_history_and_only_once(tmp_path):
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    for truth, files in {"truth_00": ("posterior.csv", "calibration.json", "effects.csv"),
                         "truth_01": ("posterior.csv", "calibration.json"),  # effects due
                         "truth_02": ("truth.json",)}.items():  # still calibrating
        (out / truth).mkdir(parents=True)
        for name in (*files, "abc.db", "abc.db-journal", ".coprod.lock"):
            (out / truth / name).write_text(name)
    done = _keep(out, "recovery", kept)
    assert done.returncode == 0 and done.stdout == "kept recovery/truth_00\n"
    assert sorted(p.name for p in (kept / "recovery" / "truth_00").iterdir()) == [
        "calibration.json", "effects.csv", "posterior.csv"]
    assert not (kept / "recovery" / "truth_01").exists()
    (out / "truth_00" / "posterior.csv").write_text("changed")  # kept once, never replaced
    assert _keep(out, "recovery", kept).stdout == ""
    assert (kept / "recovery" / "truth_00" / "posterior.csv").read_text() == "posterior.csv"


def test_an_ablation_keeps_its_model_selection_beside_the_calibration(tmp_path):
    out, kept = tmp_path / "ablation", tmp_path / "parts"
    (out / "trust_weight" / "selection").mkdir(parents=True)
    for name in ("posterior.csv", "calibration.json", "abc.db",
                 "selection/model_probabilities.json", "selection/abc.db"):
        (out / "trust_weight" / name).write_text(name)
    assert _keep(out, "ablation", kept).stdout == "kept ablation/trust_weight\n"
    assert (kept / "ablation" / "trust_weight" / "selection" /
            "model_probabilities.json").is_file()
    assert not list(kept.rglob("abc.db"))


def test_a_wrong_call_is_one_usage_line(tmp_path):
    for args in ((), (tmp_path / "nowhere", "recovery"), (tmp_path, "../x")):
        wrong = _keep(*args)
        assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1
        assert wrong.stderr.startswith("usage:")
