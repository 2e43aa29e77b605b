"""tools/keep_study_parts.sh: a long study's finished calibrations kept without abc.db."""

import json
import subprocess

from tests.conftest import ROOT

TOOL = ROOT / "tools" / "keep_study_parts.sh"
# What a recovery truth's effects.json holds (studies.recovery.EFFECTS_RECORD).
EFFECTS_RECORD = json.dumps({"replicates_at_truth": 10, "posterior_draws": 20, "seed": 7})


def _write(path, name):
    """A file coprod writes there (its name as its text; effects.json its record)."""
    path.write_text(EFFECTS_RECORD if name.endswith("effects.json") else name)


def _keep(*args):
    return subprocess.run(["bash", str(TOOL), *map(str, args)], capture_output=True,
                          text=True)


def test_finished_truths_are_kept_without_their_history_and_only_once(tmp_path):
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    for truth, files in {"truth_00": ("posterior.csv", "calibration.json", "effects.csv",
                                      "effects.json"),
                         "truth_01": ("posterior.csv", "calibration.json"),  # effects due
                         # Effects without the record of how they were made: refused on
                         # resume, so not kept.
                         "truth_03": ("posterior.csv", "calibration.json", "effects.csv"),
                         "truth_04": ("posterior.csv", "calibration.json", "effects.csv",
                                      "effects.json"),
                         "truth_02": ("truth.json",)}.items():  # still calibrating
        (out / truth).mkdir(parents=True)
        for name in (*files, "abc.db", "abc.db-journal", ".coprod.lock", "big.bin"):
            _write(out / truth / name, name)
    # A record coprod does not write was kept, and the copy had to be deleted by hand.
    (out / "truth_04" / "effects.json").write_text('{"seed": 7}')
    done = _keep(out, "recovery", kept)
    assert done.returncode == 0 and done.stdout == "kept recovery/truth_00\n"
    # Skipped without a word: a recovery kept before effects had their record.
    assert done.stderr.count("\n") == 2 and "truth_03" in done.stderr
    assert "truth_03 skipped: effects.csv without a regular effects.json" in done.stderr
    assert "truth_04 skipped: effects.csv with an effects.json that is not the record" \
        in done.stderr
    assert not (kept / "recovery" / "truth_04").exists()
    assert sorted(p.name for p in (kept / "recovery" / "truth_00").iterdir()) == [
        "calibration.json", "effects.csv", "effects.json", "posterior.csv"]
    assert not (kept / "recovery" / "truth_01").exists()
    assert not (kept / "recovery" / "truth_03").exists()
    (out / "truth_00" / "posterior.csv").write_text("changed")  # kept once, never replaced
    assert _keep(out, "recovery", kept).stdout == ""
    assert (kept / "recovery" / "truth_00" / "posterior.csv").read_text() == "posterior.csv"


def test_an_effects_record_coprod_would_refuse_is_not_kept(tmp_path):
    # Kept, then refused by 'coprod recovery --resume' (a key twice, junk after the
    # record past the first 10,000 characters); nesting printed a Python traceback.
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    genuine = EFFECTS_RECORD
    records = {"truth_00": genuine, "truth_01": '{"seed": 1, ' + genuine[1:],
               "truth_02": genuine + " " * 20_000 + "x", "truth_03": "[" * 5000 + "]" * 5000,
               "truth_04": genuine + " " * 20_000}  # whitespace after it: JSON as read
    for truth, record in records.items():
        _finished(out / truth)
        (out / truth / "effects.json").write_text(record)
    done = _keep(out, "recovery", kept)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert done.stdout == "kept recovery/truth_00\nkept recovery/truth_04\n"
    assert done.stderr.count("\n") == 3 and done.stderr.count("not the record") == 3


def test_an_ablation_keeps_its_model_selection_beside_the_calibration(tmp_path):
    out, kept = tmp_path / "ablation", tmp_path / "parts"
    # Calibrated, its model selection still running: not kept yet (kept once, it would
    # never get its selection).
    (out / "trust_weight").mkdir(parents=True)
    for name in ("posterior.csv", "calibration.json"):
        (out / "trust_weight" / name).write_text(name)
    assert _keep(out, "ablation", kept).stdout == ""
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


def _finished(folder, *names):
    folder.mkdir(parents=True)
    for name in ("posterior.csv", "calibration.json", "effects.csv", "effects.json", "abc.db",
                 *names):
        _write(folder / name, name)
    return folder


def _refused(done, *shown):
    """One line on stderr naming what was refused, a non-zero exit, nothing said kept."""
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and all(s in done.stderr for s in shown), done.stderr


def test_a_linked_posterior_is_refused_not_kept_without_it(tmp_path):
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    truth = _finished(out / "truth_00")
    (tmp_path / "posterior.csv").write_text("elsewhere")
    (truth / "posterior.csv").unlink()
    (truth / "posterior.csv").symlink_to(tmp_path / "posterior.csv")
    _refused(_keep(out, "recovery", kept), "truth_00/posterior.csv", "link")
    assert not list(kept.rglob("truth_00*"))  # a resume recalibrates it, knowingly


def test_a_linked_file_beside_the_calibration_is_refused_too(tmp_path):
    out, kept = tmp_path / "ablation", tmp_path / "parts"
    truth = _finished(out / "trust_weight")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "model_probabilities.json").write_text("{}")
    (truth / "selection").symlink_to(elsewhere)
    _refused(_keep(out, "ablation", kept), "trust_weight/selection")
    assert not list(kept.rglob("trust_weight*"))


def test_a_linked_history_is_left_out_like_any_history(tmp_path):
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    truth = _finished(out / "truth_00")
    (truth / "abc.db").unlink()
    (truth / "abc.db").symlink_to(tmp_path / "big_disk_abc.db")
    done = _keep(out, "recovery", kept)
    assert done.returncode == 0 and done.stdout == "kept recovery/truth_00\n"


def test_a_truth_folder_linked_from_outside_out_is_refused_and_nothing_copied(tmp_path):
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    _finished(out / "truth_00")
    (out / "truth_01").symlink_to(_finished(tmp_path / "elsewhere"))
    _refused(_keep(out, "recovery", kept), "truth_01", "link")
    assert not list(kept.rglob("truth_*"))  # not even the good one: all or nothing


def test_only_folder_names_coprod_writes_are_kept_and_none_is_shown_raw(tmp_path):
    out, kept = tmp_path / "recovery", tmp_path / "parts"
    _finished(out / "truth_00")
    _finished(out / "x\x1b]0;pwned\x07")
    done = _keep(out, "recovery", kept)
    _refused(done, "x")
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert not list(kept.rglob("truth_*")) and not list(kept.rglob("x*"))
    (out / "x\x1b]0;pwned\x07").rename(out / "full")  # an ablation's name, not a truth's
    _refused(_keep(out, "recovery", kept), "full")
    (out / "full").rename(out / "notes")  # no calibration in it: not coprod's, not asked
    for name in ("posterior.csv", "calibration.json"):
        (out / "notes" / name).unlink()
    assert _keep(out, "recovery", kept).stdout == "kept recovery/truth_00\n"


def test_a_linked_kept_folder_is_not_written_through(tmp_path):
    out, elsewhere = tmp_path / "recovery", tmp_path / "elsewhere"
    _finished(out / "truth_00")
    elsewhere.mkdir()
    (tmp_path / "kept").symlink_to(elsewhere)
    _refused(_keep(out, "recovery", tmp_path / "kept"), "kept", "link")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "recovery").symlink_to(elsewhere)
    _refused(_keep(out, "recovery", tmp_path / "parts"), "parts/recovery", "link")
    (tmp_path / "parts" / "recovery").unlink()
    (tmp_path / "parts" / "recovery").mkdir()
    (tmp_path / "parts" / "recovery" / "truth_00").symlink_to(elsewhere)
    _refused(_keep(out, "recovery", tmp_path / "parts"), "recovery/truth_00", "link")
    assert list(elsewhere.iterdir()) == []


def test_folders_named_like_options_are_paths(tmp_path):
    _finished(tmp_path / "-h16o" / "truth_00")
    done = subprocess.run(["bash", str(TOOL), "-h16o", "recovery", "-k"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "kept recovery/truth_00\n", done.stderr
    assert (tmp_path / "-k" / "recovery" / "truth_00" / "posterior.csv").is_file()

