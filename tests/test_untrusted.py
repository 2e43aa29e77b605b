"""A results folder is untrusted input (issue 21): no code runs from it, nothing outside
it is written, what it holds is checked, and every refusal is one line with exit 2."""

import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coprod.main import main
from sim.errors import InputError
from tests.conftest import ROOT, TINY_RUN


def _refused(argv, capsys, *words):
    """Run coprod; it must refuse in one line naming ``words``, with exit code 2."""
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


class _Payload:
    """Unpickling this runs code: it creates the file named."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """One finished tiny run of baseline (a folder to tamper with)."""
    out = tmp_path_factory.mktemp("ran")
    assert main(["run", "baseline", *TINY_RUN, "--seed", "3", "--out", str(out)]) == 0
    return out


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_a_pickle_in_the_run_store_is_never_unpickled(ran, tmp_path, capsys):
    out = _copy(ran, tmp_path / "out")
    pwned = tmp_path / "pwned"
    with sqlite3.connect(out / "baseline" / "runs.sqlite") as db:
        db.execute("UPDATE runs SET result = ?", (pickle.dumps(_Payload(pwned)),))
    _refused(["run", "baseline", *TINY_RUN, "--seed", "3", "--out", str(out), "--resume"],
             capsys, "runs.sqlite", "pickle")
    assert not pwned.exists()
    # A store of the earlier format (pickles, no format recorded) is refused on --resume.
    with sqlite3.connect(out / "baseline" / "runs.sqlite") as db:
        db.execute("DELETE FROM meta WHERE key = 'format'")
    _refused(["run", "baseline", *TINY_RUN, "--seed", "3", "--out", str(out), "--resume"],
             capsys, "refusing a run store of format 'pickle'")
    assert not pwned.exists()


@pytest.mark.parametrize("blob", [
    '{"outcomes": {"x": "text"}, "series": []}',
    '[1, 2, 3]',
    '{"outcomes": {"a": 1.0}, "series": {"__frame__": {"columns": ["week"], '
    '"dtypes": ["object"], "data": [[1]]}}}',
    "[" * 100_000 + "]" * 100_000,
    b"\xff\xfe",
])
def test_a_stored_run_of_the_wrong_shape_is_one_line(ran, tmp_path, capsys, blob):
    out = _copy(ran, tmp_path / "out")
    with sqlite3.connect(out / "baseline" / "runs.sqlite") as db:
        db.execute("UPDATE runs SET result = ?", (blob,))
    _refused(["run", "baseline", *TINY_RUN, "--seed", "3", "--out", str(out), "--resume"],
             capsys, "runs.sqlite", "--force")


def test_the_store_keeps_results_exactly_as_json(tmp_path):
    import numpy as np
    import pandas as pd

    from scenarios.store import decode, encode

    frame = pd.DataFrame({"week": np.arange(3.0), "x": [0.1, np.nan, 1e-300],
                          "n": np.array([1, 2, 3], dtype="uint64")})
    value = {"outcomes": {"a": 0.1 + 0.2, "b": float("inf")}, "series": frame}
    back = decode(encode(value))
    assert back["outcomes"] == value["outcomes"]
    pd.testing.assert_frame_equal(back["series"], frame)
    assert "pickle" not in Path(ROOT / "scenarios" / "store.py").read_text().split(
        '"""')[-1].replace("pickles", "").replace("a pickle", "")


def test_a_linked_lock_file_is_refused_and_nothing_outside_is_written(tmp_path, capsys):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".coprod.lock").symlink_to(outside)
    _refused(["run", "baseline", *TINY_RUN, "--out", str(out)], capsys, ".coprod.lock")
    _refused(["compare", "--out", str(out)], capsys, ".coprod.lock")
    assert outside.read_text() == "keep me\n"
    # A hard link to an outside file is refused as well (truncating it would empty it).
    (out / ".coprod.lock").unlink()
    os.link(outside, out / ".coprod.lock")
    _refused(["compare", "--out", str(out)], capsys, "no other name")
    assert outside.read_text() == "keep me\n"


def test_writers_refuse_links_and_paths_outside_the_locked_folder(tmp_path):
    from runtime.files import atomic_write_text
    from runtime.locks import locked

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "comparison.csv").write_text("keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "comparison.csv").symlink_to(outside / "comparison.csv")
    (out / "baseline").symlink_to(outside)
    with pytest.raises(InputError, match="symbolic link"):
        atomic_write_text(out / "comparison.csv", "x")
    with locked(out) as folder:
        with pytest.raises(InputError, match="outside the output folder"):
            atomic_write_text(out / "baseline" / "manifest.json", "{}", inside=folder)
    assert sorted(p.name for p in outside.iterdir()) == ["comparison.csv"]
    assert (outside / "comparison.csv").read_text() == "keep\n"


def test_two_folders_written_at_once_each_confine_only_their_own_writers(tmp_path):
    """The folder a writer may write is the one it is given, not every folder held.

    With both folders locked in one process, a path in A that a link leads into B is
    refused for A's writers (B being locked too no longer lets it through), and each
    folder's writers and readers-back stay within it.
    """
    from runtime.files import atomic_write_text, read_own_json, replaced_together
    from runtime.locks import locked
    from runtime.manifests import write_manifest
    from runtime.paths import checked_database

    a, b = tmp_path / "a", tmp_path / "b"
    b.mkdir()
    (b / "kept.json").write_text('{"kept": true}\n')
    a.mkdir()
    (a / "into_b").symlink_to(b)
    with locked(a) as folder_a, locked(b) as folder_b:
        assert (folder_a.path, folder_b.path) == (a, b)
        for write in (lambda: atomic_write_text(a / "into_b" / "x.csv", "x\n",
                                                inside=folder_a),
                      lambda: write_manifest(a / "into_b" / "manifest.json", {},
                                             inside=folder_a),
                      lambda: checked_database(a / "into_b" / "abc.db", folder_a)):
            with pytest.raises(InputError, match="outside the output folder"):
                write()
        with pytest.raises(InputError, match="outside the output folder"):
            read_own_json(a / "into_b" / "kept.json", "x", inside=folder_a)
        with pytest.raises(InputError, match="outside the output folder"):
            with replaced_together(a / "into_b", ("x.csv",), inside=folder_a):
                pass
        # Each folder's own files are written through its own value.
        atomic_write_text(a / "mine.csv", "a\n", inside=folder_a)
        atomic_write_text(b / "mine.csv", "b\n", inside=folder_b)
        with replaced_together(b, ("set.csv",), inside=folder_b) as stage:
            atomic_write_text(stage / "set.csv", "b\n")
        assert read_own_json(b / "kept.json", "x", inside=folder_b) == {"kept": True}
        # B's value does not reach into A either.
        with pytest.raises(InputError, match="outside the output folder"):
            atomic_write_text(a / "mine.csv", "b\n", inside=folder_b)
    assert sorted(p.name for p in b.iterdir()) == [".coprod.lock", "kept.json", "mine.csv",
                                                   "set.csv"]
    assert (a / "mine.csv").read_text() == "a\n" and (b / "set.csv").read_text() == "b\n"
    # Outside any locked folder a writer still refuses a link and the package's folders.
    (tmp_path / "link.csv").symlink_to(b / "mine.csv")
    with pytest.raises(InputError, match="symbolic link"):
        atomic_write_text(tmp_path / "link.csv", "x\n")
    with pytest.raises(InputError, match="package folder"):
        atomic_write_text(ROOT / "sim" / "x.csv", "x\n")
    assert (b / "mine.csv").read_text() == "b\n" and not (ROOT / "sim" / "x.csv").exists()


def _hold(lock: Path, record: str):
    """A process that holds ``lock`` (as a worker left behind would) and records ``record``."""
    proc = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fh = open({str(lock)!r}, 'a+')\n"
        "fcntl.flock(fh, fcntl.LOCK_EX)\n"
        f"fh.seek(0); fh.truncate(); fh.write({record!r}.replace('PID', str(os.getpid())))\n"
        "fh.flush(); print('held', flush=True); time.sleep(30)\n")],
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_lock_whose_recorded_holder_is_dead_is_taken_over(tmp_path):
    from runtime.locks import locked

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    # A worker left behind by the dead process still holds the lock: taken over.
    orphan = _hold(tmp_path / ".coprod.lock", f"coprod process {dead.pid}\n")
    try:
        with locked(tmp_path):
            text = (tmp_path / ".coprod.lock").read_text()
            assert text.strip() == f"coprod process {os.getpid()}"
    finally:
        orphan.kill()
        orphan.wait()
    # A live holder is obeyed, and the message names the pid the file records.
    live = _hold(tmp_path / ".coprod.lock", "coprod process PID\n")
    try:
        with pytest.raises(InputError, match=f"coprod process {live.pid} is writing"):
            with locked(tmp_path):
                pass
    finally:
        live.kill()
        live.wait()


def test_no_output_goes_into_the_package(tmp_path, capsys, write):
    posterior = ROOT / "calibration" / "data" / "posterior"
    before = {p.name: p.read_bytes() for p in posterior.iterdir() if p.is_file()}
    _refused(["simulate", "--out", str(posterior)], capsys, "package folder")
    _refused(["survey", "--reps", "100", "--out", str(ROOT / "sim")], capsys, "package")
    # A scenario named 'sim' with --out at the repository root would write into sim/:
    # the project's folder is refused as an --out of its own.
    spec = write("sim.toml", 'name = "sim"\ndescription = "x"\n')
    _refused(["run", str(spec), *TINY_RUN, "--out", str(ROOT)], capsys, "project's folder")
    assert not (ROOT / "sim" / "runs.sqlite").exists()
    assert not (ROOT / "sim" / "manifest.json").exists()
    assert {p.name: p.read_bytes() for p in posterior.iterdir() if p.is_file()} == before


def test_fifos_are_refused_without_blocking(tmp_path):
    from runtime.files import read_own_csv, read_own_json

    fifo = tmp_path / "timeseries.csv"
    os.mkfifo(fifo)
    # Opening a FIFO with no writer blocks for ever: the readers must refuse it before.
    # A worker thread tells a refusal from a hang (a minute is no speed claim).
    import threading

    errors = []

    def read_both():
        for reader in (read_own_csv, read_own_json):
            try:
                reader(fifo, "coprod run")
            except InputError as err:
                errors.append(str(err))

    worker = threading.Thread(target=read_both, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "a reader blocked on the FIFO"
    assert len(errors) == 2 and all("not a file" in e for e in errors), errors


def test_scenario_files_refuse_names_with_a_newline_and_deep_nesting(tmp_path, capsys, write):
    spec = write("nl.toml", 'name = "baseline2\\n"\ndescription = "x"\n')
    _refused(["run", str(spec), *TINY_RUN, "--out", str(tmp_path / "o")], capsys, "key 'name'")
    deep = write("deep.toml", "name = " + "[" * 5000 + "]" * 5000 + "\n")
    _refused(["run", str(deep), "--out", str(tmp_path / "o")], capsys, "too deeply nested")


def test_too_many_runs_are_refused_before_any_work(tmp_path, capsys):
    _refused(["run", "baseline", "--draws", "1000", "--assumption-draws", "1000",
              "--replicates", "1000", "--out", str(tmp_path / "o")], capsys,
             "too many runs", "20,000")
    assert not (tmp_path / "o").exists()  # refused before any work: nothing made


@pytest.mark.parametrize("argv, words", [
    (["simulate", "--set", "spinup_weeks=4.9"], ("spinup_weeks", "whole number")),
    (["simulate", "--set", "volunteers_per_agent=2.5"], ("volunteers_per_agent",)),
    (["simulate", "--set", "policy_share=1_0"], ("policy_share", "a number")),
    (["simulate", "--set", "policy_share=nan"], ("policy_share",)),
    (["simulate", "--seed", "1_0"], ("--seed",)),
    (["survey", "--reps", "1_000"], ("--reps",)),
])
def test_numbers_are_read_as_written(argv, words, capsys):
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert all(w in err for w in words), err


@pytest.mark.parametrize("text, words", [
    ("activity,n,municipality,voluntary,together\nsocial,1_0,5,3,2\n", ("column 'n'",)),
    ("activity,n,municipality,voluntary,together\nsocial,10,5,3,2,"
     + "x" * 200_000 + "\n", ("line 2", "field limit")),
    ('activity,n,municipality,voluntary,together\n"' + "x" * 200_000 + '",10,5,3,2\n',
     ("CSV",)),
    ("unit_id,unit_type,municipality,activity,coordinator\nu1,nursing_home,m1,,\n",
     ("no activity offered",)),
])
def test_survey_files_within_the_limits_are_one_line(text, words, write, capsys):
    data = write("s.csv", text)
    _refused(["survey", "--data", str(data), "--reps", "100"], capsys, *words)


def test_a_survey_with_a_hundred_thousand_units_per_activity_is_quick(write, capsys):
    rows = ["activity,n,municipality,voluntary,together"] + [
        f"{a},100000,33%,33%,34%" for a in ("social", "cultural_nursing_home", "physical",
                                           "cultural_home_care", "food_delivery",
                                           "day_centre")]
    data = write("big.csv", "\n".join(rows) + "\n")
    assert main(["survey", "--data", str(data), "--reps", "100"]) == 0
    assert "751,501 count vectors fit the rounding" in capsys.readouterr().out


def test_unit_resampling_in_chunks_draws_the_same_tables(units_csv, monkeypatch):
    import numpy as np

    from calibration import bootstrap
    from calibration.observed_survey import load_units

    units = load_units(units_csv)
    whole = bootstrap.replicate_counts(units, reps=120, rng=5, resample="unit")
    monkeypatch.setattr(bootstrap, "UNIT_DRAWS_AT_ONCE", 7 * len(units.unit_ids))
    chunked = bootstrap.replicate_counts(units, reps=120, rng=5, resample="unit")
    assert np.array_equal(whole, chunked)


def test_demo_refuses_a_file_as_its_folder(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("mine\n")
    _refused(["demo", "--out", str(target)], capsys, "not a directory")
    assert target.read_text() == "mine\n"


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    import tempfile

    from runtime.files import atomic_write_text

    (tmp_path / "f.csv").write_text("old\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InputError, match=r"cannot write.*Permission denied"):
        atomic_write_text(tmp_path / "f.csv", "new\n")
    assert (tmp_path / "f.csv").read_text() == "old\n"


def test_a_dead_dashboard_server_is_one_line(monkeypatch, capsys):
    from coprod import dashboard_cmd

    class Dead:
        pid = 4242

        def __init__(self, *args, **kwargs):
            pass

        def poll(self):
            return -9

    monkeypatch.setattr(dashboard_cmd, "check_port", lambda host, port: None)
    monkeypatch.setattr(dashboard_cmd.subprocess, "Popen", Dead)
    err = _refused(["dashboard", "--port", "8799"], capsys, "signal 9")
    assert "stopped on its own" in err


def test_manifests_are_escaped_and_checked_in_the_report(tmp_path, capsys):
    from coprod.report_page import section_html

    sdir = tmp_path / "scenarios" / "baseline"
    sdir.mkdir(parents=True)
    (tmp_path / "scenarios" / "comparison.csv").write_text(
        "scenario,outcome,median,diff_median,diff_low_90,diff_high_90\n"
        "baseline,share_together,0.2,,,\n")
    evil = "<script>alert(1)</script>"
    from scenarios.compare import manifest_digest
    from sim.parameters import MODEL_VERSION

    record = {"scenario": "baseline", "description": evil, "command": evil, "seed": 3,
              "runs": 4, "draws": 1, "assumption_draws": 1, "replicates": 4,
              "horizon_weeks": 8, "versions": {"model": str(MODEL_VERSION)},
              "identity": {"code_version": evil}}
    (sdir / "manifest.json").write_text(json.dumps(record))
    # The comparison vouches for the runs it was made from (the report checks it).
    (sdir.parent / "comparison_manifest.json").write_text(json.dumps({
        "baseline": "baseline", "scenarios": ["baseline"], "population": "survey2015",
        "run_manifests": {"baseline": manifest_digest(record)}, "areas": {}}))
    html = (section_html(tmp_path, "scenarios", tmp_path / "figures")
            + section_html(tmp_path, "reproduce", tmp_path))
    assert "<script>" not in html and "&lt;script&gt;" in html
    for key, value in (("runs", evil), ("horizon_weeks", "520"), ("scenario", evil)):
        (sdir / "manifest.json").write_text(json.dumps({**record, key: value}))
        with pytest.raises(InputError, match=f"field '{key}'"):
            section_html(tmp_path, "scenarios", tmp_path / "figures")
    (tmp_path / "scenarios" / "comparison.csv").write_text(
        "scenario,outcome,median\n../../etc,share_together,0.2\n")
    with pytest.raises(InputError, match="column 'scenario'"):
        section_html(tmp_path, "scenarios", tmp_path / "figures")
    (tmp_path / "scenarios" / "comparison.csv").write_text(
        "scenario,outcome,median\nbaseline,share_together,lots\n")
    with pytest.raises(InputError, match="column 'median'"):
        section_html(tmp_path, "scenarios", tmp_path / "figures")


# ---- a second hostile pass -------------------------------------------------------------

@pytest.mark.slow
def test_a_report_never_writes_through_a_linked_figures_folder(ensembles, tmp_path, capsys):
    from coprod.main import main as cli

    assert cli(["compare", "--out", str(ensembles)]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (ensembles / "figures").symlink_to(elsewhere)
    capsys.readouterr()
    assert cli(["report", "--out", str(ensembles)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not any(elsewhere.iterdir())


def test_compare_with_no_paired_run_is_one_line(ensembles, capsys):
    from coprod.main import main as cli

    outcomes = ensembles / "local_volunteer_policy" / "outcomes.csv"
    frame = pd.read_csv(outcomes)
    frame["seed"] = frame["seed"] + 1  # no run meets a baseline run any more
    frame.to_csv(outcomes, index=False)
    before = {p.name: p.read_bytes() for p in ensembles.glob("*.csv")}
    capsys.readouterr()
    code = cli(["compare", "--out", str(ensembles)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert {p.name: p.read_bytes() for p in ensembles.glob("*.csv")} == before


def test_an_input_file_that_is_no_file_is_refused_not_ignored(ensembles, capsys):
    from coprod.main import main as cli

    path = ensembles / "local_volunteer_policy" / "inputs.csv"
    path.unlink()
    os.mkfifo(path)
    capsys.readouterr()
    assert cli(["compare", "--out", str(ensembles)]) == 2
    err = capsys.readouterr().err
    assert "inputs.csv" in err and err.count("\n") == 1


def test_a_huge_count_and_a_huge_value_are_one_short_line(write, capsys):
    from coprod.main import main as cli

    path = write("huge.csv", "activity,n,municipality,voluntary,together\n"
                 f"social,{'1' * 5000},35%,42%,24%\n")
    assert cli(["survey", "--data", str(path), "--reps", "100"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 1000 and "characters" in err


def test_a_report_renders_a_survey_of_activities_outside_the_catalogue(write, tmp_path):
    from coprod.main import main as cli

    data = write("own.csv", "activity,n,municipality,voluntary,together,statutory\n"
                 "<script>alert(1)</script>,101,35%,42%,24%,false\n"
                 "social,50,40%,40%,20%,false\n")
    out = tmp_path / "D"
    out.mkdir()
    assert cli(["survey", "--data", str(data), "--reps", "100",
                "--out", str(out / "survey")]) == 0
    assert cli(["report", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; (not in" in page
