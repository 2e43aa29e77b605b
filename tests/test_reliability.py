"""Finished work is kept, results are never mixed, sizes are bounded (issues 11 and 15)."""

import http.server
import math
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from calibration.posterior import load_posterior
from coprod.main import main
from runtime.locks import locked
from runtime.pool import Failure, Task, _call
from scenarios.ensemble import run_ensembles
from sim.errors import InputError
from sim.parameters import MODEL_VERSION
from tests.conftest import (
    ROOT,
    SMALL_RUN,
    library_refusal,
    signals_as_a_terminal_gives_them,
    small_scenario,
)


def _ensemble(out, **kw):
    scenarios = [small_scenario("baseline"), small_scenario("trust_forums")]
    return run_ensembles(scenarios, load_posterior(), out, seed=3, progress=False, **kw)


def _files(out):
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.glob("*/*.csv"))}


def test_resumed_ensemble_equals_an_uninterrupted_one_byte_for_byte(tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    _ensemble(whole)
    _ensemble(part)
    # As if interrupted: three runs missing from one store, two from the other.
    for name, keep in (("baseline", 1), ("trust_forums", 2)):
        with sqlite3.connect(part / name / "runs.sqlite") as db:
            db.execute("DELETE FROM runs WHERE rowid NOT IN (SELECT rowid FROM runs LIMIT ?)",
                       (keep,))
        (part / name / "outcomes.csv").unlink()
    res = _ensemble(part, resume=True)
    assert res.reused == 3
    assert _files(part) == _files(whole)


def _fail(task):
    raise RuntimeError("model broke")


def test_a_scenario_whose_runs_all_fail_leaves_earlier_results_alone(tmp_path, monkeypatch):
    _ensemble(tmp_path)
    before = _files(tmp_path)
    monkeypatch.setattr("scenarios.ensemble.world_task", _fail)
    res = _ensemble(tmp_path)
    assert set(res.empty) == {"baseline", "trust_forums"} and len(res.failures) == 8
    assert _files(tmp_path) == before


def test_seeds_in_timeseries_are_the_whole_numbers_of_outcomes(tmp_path):
    _ensemble(tmp_path)
    outcomes = pd.read_csv(tmp_path / "baseline" / "outcomes.csv", dtype={"seed": "uint64"})
    text = (tmp_path / "baseline" / "timeseries.csv").read_text()
    assert "e+" not in text
    series = pd.read_csv(tmp_path / "baseline" / "timeseries.csv", dtype={"seed": "uint64"})
    assert set(series.seed) == set(outcomes.seed)


def test_another_seed_is_refused_in_one_line_unless_forced(tmp_path, capsys):
    out = str(tmp_path)
    assert main(["run", "baseline", *SMALL_RUN, "--seed", "3", "--out", out]) == 0
    before = _files(tmp_path)
    capsys.readouterr()
    assert main(["run", "baseline", *SMALL_RUN, "--seed", "4", "--out", out]) == 2
    err = capsys.readouterr().err
    assert "refusing to mix results" in err and "seed 3 (now 4)" in err
    assert err.count("\n") == 1 and _files(tmp_path) == before
    assert main(["run", "baseline", *SMALL_RUN, "--seed", "4", "--out", out, "--force"]) == 0
    assert _files(tmp_path) != before


def test_a_second_writer_of_the_same_folder_is_refused(tmp_path, capsys):
    with locked(tmp_path):
        assert main(["run", "baseline", *SMALL_RUN, "--out", str(tmp_path)]) == 2
    assert "is writing into" in capsys.readouterr().err


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "file.txt", "not a directory"),
    (lambda d: "", "empty value"),
    (lambda d: d / "gone" / "out", "refusing to make folders through a link"),
    (lambda d: d / "file.txt" / "out", "is a file, not a folder"),
])
def test_a_bad_out_is_refused_before_any_run(tmp_path, capsys, make, message):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")  # a dangling link
    assert main(["run", "baseline", *SMALL_RUN, "--out", str(make(tmp_path))]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Running" not in captured.out


@pytest.mark.parametrize("argv", [
    ["run", "baseline", "--workers", "0"], ["run", "baseline", "--workers", "-3"],
    ["simulate", "--steps", "1000000000"], ["survey", "--reps", "100000000"],
])
def test_sizes_are_bounded_and_the_limit_is_named(argv, capsys):
    assert main(argv) == 2
    assert "allowed:" in capsys.readouterr().err


def test_huge_counts_and_endless_files_are_refused(write):
    from calibration.observed_survey import load_survey
    from sim.errors import InputError

    big = write("big.csv", "activity,n,municipality,voluntary,together\n"
                "social,100000000000000000000,1,1,1\n")
    with pytest.raises(InputError, match="at most 100,000"):
        load_survey(big)
    with pytest.raises(InputError, match="too large"):
        load_survey("/dev/zero")
    mixed = write("mixed.csv", "unit_id,unit_type,municipality,activity,coordinator,n\n"
                  "u1,nursing_home,m,social,voluntary,3\n")
    with pytest.raises(InputError, match="aggregate columns n and unit-level columns"):
        load_survey(mixed)


def test_count_recovery_with_large_n_is_quick():
    from calibration.observed_survey import recover_counts

    cands = recover_counts(100_000, {"municipality": 33, "voluntary": 33, "together": 34})
    assert cands[0] == (32_500, 33_000, 34_500) and sum(cands[-1]) == 100_000


def test_compare_pairs_only_runs_of_one_seed_and_keeps_the_earlier_table(tmp_path, capsys):
    out = str(tmp_path)
    assert main(["run", "baseline", *SMALL_RUN, "--seed", "3", "--out", out]) == 0
    assert main(["run", "trust_forums", *SMALL_RUN, "--seed", "4", "--out", out]) == 0
    (tmp_path / "comparison.csv").write_text("stale\n")
    capsys.readouterr()
    assert main(["compare", "--out", out]) == 2
    assert "root seed" in capsys.readouterr().err
    # Refused before anything is replaced: the earlier outputs stay whole.
    assert (tmp_path / "comparison.csv").read_text() == "stale\n"


def test_compare_detects_truncated_outcomes_and_a_missing_folder(tmp_path, capsys):
    _ensemble(tmp_path)
    path = tmp_path / "trust_forums" / "outcomes.csv"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:50]))
    assert main(["compare", "--out", str(tmp_path)]) == 2
    assert "truncated file" in capsys.readouterr().err
    assert main(["compare", "--out", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.slow
def test_compare_goes_on_when_one_scenario_failed_entirely(tmp_path, capsys, monkeypatch):
    _ensemble(tmp_path)
    monkeypatch.setattr("scenarios.ensemble.world_task", _fail)
    run_ensembles([small_scenario("local_volunteer_policy")], load_posterior(), tmp_path, seed=3,
                  progress=False)
    assert main(["compare", "--out", str(tmp_path)]) == 0
    assert "local_volunteer_policy has no results" in capsys.readouterr().err


def test_a_malformed_posterior_names_the_file_and_the_command(tmp_path):
    from sim.errors import InputError

    (tmp_path / "posterior.csv").write_text("")
    with pytest.raises(InputError, match=r"posterior.csv: empty file.*coprod calibrate"):
        load_posterior(tmp_path)


def test_an_interrupt_inside_a_kernel_is_not_a_failed_run():
    def kernel(task):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            # As numba raises it: the interrupt is the context, not the cause.
            raise SystemError("CPUDispatcher(...) returned a result with an "  # noqa: B904
                              "exception set")

    with pytest.raises(KeyboardInterrupt):
        _call(kernel, Task({}, 8, 1))
    assert isinstance(_call(_fail, Task({}, 8, 1)), Failure)


def _serve_http():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_address_that_is_no_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    import runtime.pool

    # An HTTP server never greets: waited for 3 s in use, a fraction of that here.
    monkeypatch.setattr(runtime.pool, "GREETING_TIMEOUT_S", 0.3)
    server = _serve_http()
    try:
        for address in ("garbage::", f"tcp://127.0.0.1:{server.server_port}"):
            out = tmp_path / "new"
            assert main(["run", "baseline", *SMALL_RUN, "--scheduler", address,
                         "--out", str(out)]) == 2
            err = capsys.readouterr().err
            assert "--scheduler" in err and err.count("\n") == 1
            assert not out.exists()  # refused before a folder (or its lock) was made
    finally:
        server.shutdown()


def _coprod(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "coprod", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=signals_as_a_terminal_gives_them, **kw)


def _interrupt_a_run(out: Path, workers: int, wait: float) -> tuple[int, str]:
    """Start a small ``coprod run``, press Ctrl-C twice after ``wait`` s; (code, stderr)."""
    # 20 runs of 20 years: about 2 s of runs on one worker, so that most interrupts land
    # while runs are under way (a ten-year run takes about 50 ms).
    proc = _coprod("run", "baseline", "--draws", "4", "--assumption-draws", "1",
                   "--replicates", "5", "--horizon", "1040", "--workers", str(workers),
                   "--out", str(out))
    proc.stdout.readline()  # "Running ...": the runs are under way
    time.sleep(wait)
    for _ in range(2):  # an impatient user presses Ctrl-C twice
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _check_interrupted(out: Path, code: int, err: str) -> str:
    """Check what an interrupted run says against what it left; the case it was."""
    assert code == 130, err
    assert "Traceback" not in err and "failed" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], err
    store = out / "baseline" / "runs.sqlite"
    if "every run had finished" in lines[0]:
        assert (out / "baseline" / "outcomes.csv").is_file()
        return "after the runs"
    if "runs are kept" not in lines[0]:
        assert "no results of this command were written" in lines[0], err
        assert not store.exists()
        return "before any run"
    kept = int(lines[0].split("interrupted; ")[1].split()[0])
    if store.exists():
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == kept
    else:
        assert kept == 0, err
    return "during the runs"


@pytest.mark.slow
def test_ctrl_c_at_random_moments_stops_with_130_and_a_true_line(tmp_path):
    gen = random.Random(15)
    seen = []
    for attempt in range(6):  # bounded: a run that finishes first is tried again
        out = tmp_path / f"o{attempt}"
        code, err = _interrupt_a_run(out, 1 + attempt % 2, gen.uniform(0.0, 1.5))
        if code == 0:  # finished before the interrupt: nothing to check, try again
            continue
        seen.append(_check_interrupted(out, code, err))
        if len(seen) >= 2 and "during the runs" in seen:
            break
    assert seen, "no interrupt landed in 6 attempts"
    assert "during the runs" in seen, f"no interrupt landed while runs were under way: {seen}"


@pytest.mark.slow
def test_a_killed_worker_is_reported_and_the_other_runs_kept(tmp_path):
    proc = _coprod("run", "baseline", "--draws", "4", "--assumption-draws", "1",
                   "--replicates", "4", "--horizon", "1500",
                   "--workers", "2", "--out", str(tmp_path))
    proc.stdout.readline()
    deadline, killed = time.time() + 60, False
    while not killed and time.time() < deadline and proc.poll() is None:
        time.sleep(1)  # let some runs finish while others are under way
        for pid in subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)],
                                  capture_output=True, text=True).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
                killed = True
                break
            except ProcessLookupError:
                continue
    assert killed, "no worker process to kill"
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "worker process died" in err
    assert "scenario=baseline, draw=" in err and "seed " in err
    with sqlite3.connect(tmp_path / "baseline" / "runs.sqlite") as db:
        kept = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert f"{16 - kept} of 16 runs failed" in err


def test_a_fresh_start_replaces_stored_runs_only_when_its_set_is_whole(tmp_path):
    from scenarios.store import STORE, RunStore, recorded_identity

    old, new = {"seed": 1}, {"seed": 2}
    store = RunStore(tmp_path, old, resume=False)
    store.add(0, 0, 11, {"x": 1.0})
    store.close()
    # Starting again (no --resume): the new runs go to a side store; the old stay.
    store = RunStore(tmp_path, new, resume=False)
    assert store.finished() == {} and store.count() == 0
    store.add(0, 1, 12, {"x": 2.0})
    store.close()
    assert recorded_identity(tmp_path)["seed"] == 1
    kept = RunStore(tmp_path, old, resume=True)
    assert kept.finished() == {(0, 0): ("11", {"x": 1.0})}
    kept.close()
    # Resuming the new start continues its side store; its set, once written, replaces
    # the old store (staged_into + settle, as scenarios.ensemble writes a scenario).
    store = RunStore(tmp_path, new, resume=True)
    assert store.finished() == {(0, 1): ("12", {"x": 2.0})}
    stage = tmp_path / "stage"
    stage.mkdir()
    store.staged_into(stage)
    (stage / STORE).replace(tmp_path / STORE)
    store.settle()
    assert recorded_identity(tmp_path)["seed"] == 2
    assert not store.staged and store.path == tmp_path / STORE


# ---- calibrations: whole generations, damaged databases, locks (issue 21) ----

EIGHT = dict(population_size=8, max_simulations=100, max_walltime_s=60)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    """abc.db of a finished two-generation calibration of 8 particles (about 1 s).

    Placed in a test's folder with the record of the surveys and model version the
    calibration began with (``surveys.json``), as a calibration's folder holds it.
    """
    from calibration.abc import SURVEYS_FILE, Settings, calibrate

    out = tmp_path_factory.mktemp("cal")
    calibrate(out, seed=1, settings=Settings(max_populations=2, **EIGHT), progress=False)
    return (out / "abc.db").read_bytes(), (out / SURVEYS_FILE).read_bytes()


def _placed(small_db, folder, damage=lambda data: data):
    """``small_db``'s calibration folder (its database as ``damage`` leaves it) in ``folder``."""
    from calibration.abc import SURVEYS_FILE

    db, surveys = small_db
    (folder / SURVEYS_FILE).write_bytes(surveys)
    (folder / "abc.db").write_bytes(damage(db))
    return folder / "abc.db"


def test_ctrl_c_while_a_generation_is_saved_keeps_it_whole_and_resumes(tmp_path, monkeypatch,
                                                                       capsys):
    import pyabc.storage.history as storage

    from calibration.abc import Settings, calibrate
    from calibration.history import check_history

    two = Settings(max_populations=2, **EIGHT)
    made, real = [], storage.Sample

    def sample(*args, **kwargs):  # one per particle saved (and one for the observed data)
        made.append(1)
        if len(made) == 1 + 8 + 3:  # the third particle of the second generation's save
            os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, "Sample", sample)
    # Python's own Ctrl-C handler, whatever an earlier test in this process left behind.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt) as stop:
            calibrate(tmp_path, seed=1, settings=two, progress=False)
    finally:
        signal.signal(signal.SIGINT, previous)
        monkeypatch.undo()
    assert len(made) >= 12, "the interrupt never came"
    assert stop.value.kept.startswith(f"2 finished generation(s) kept in {tmp_path}")
    capsys.readouterr()
    assert check_history(tmp_path / "abc.db", 8) == 2  # whole: nothing to remove
    assert capsys.readouterr().err == ""
    resumed = calibrate(tmp_path, seed=1, settings=two, resume=True, progress=False)
    assert resumed.populations == 2
    assert len(pd.read_csv(tmp_path / "posterior.csv")) == 8
    # Its sampling counts both runs' generations, not the resumed run's alone.
    first = _generation_seconds(tmp_path / "abc.db")
    assert first > 0 and resumed.sampling_s == pytest.approx(resumed.wall_time_s + first)


@pytest.mark.parametrize("damage, message", [
    (lambda data: b"", "empty calibration database"),
    (lambda data: b"garbage " * 400, "no SQLite header"),
    (lambda data: data[: len(data) // 2], "damaged calibration database"),
    (lambda data: data, "started with another population size: 8; this run makes 40"),
])
def test_resume_on_a_damaged_database_is_one_line(small_db, tmp_path, capsys, damage,
                                                  message):
    db = _placed(small_db, tmp_path, damage)
    before = db.read_bytes()
    assert main(["calibrate", "--quick", "--resume", "--seed", "1", "--out",
                 str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(db) in err and err.count("\n") == 1, err
    assert db.read_bytes() == before and not (tmp_path / "posterior.csv").exists()


@pytest.mark.parametrize("change, said", [
    (lambda r: r.update(model_version=MODEL_VERSION - 1), "field 'model_version'"),
    (lambda r: r.update(model_version=float(MODEL_VERSION)), "field 'model_version'"),
    (lambda r: r.pop("model_version"), "field 'model_version'"),
    (None, "cannot resume:"),
    # Begun with another seed or for other activities (another leave-one-out fold), it
    # was continued or rebuilt as this run's, exit 0.
    (lambda r: r.update(seed=r["seed"] + 1), "field 'seed'"),
    (lambda r: r.update(activities=["physical"]), "field 'activities'"),
    (lambda r: r.update(fixed={"trust_weight": 0.0}), "field 'fixed'"),
    (lambda r: r.pop("seed"), "field 'seed'"),
    # A design's seed may derive from it (leave one out's folds): the design is named.
    (lambda r: r.update(activities=["physical"], seed=r["seed"] + 1), "field 'activities'"),
    # Not a list of records: a TypeError traceback.
    (lambda r: r.update(surveys=5), "field 'surveys'"),
    (lambda r: r.update(surveys=[True]), "field 'surveys'"),
    (lambda r: r.pop("surveys"), "missing field 'surveys'"),  # it was "other survey data"
])
def test_an_unfinished_calibration_of_another_model_is_not_continued_as_this_ones(
        small_db, tmp_path, capsys, change, said):
    # Its generations were sampled from the model that began them: continued (or its
    # posterior rebuilt from abc.db) after the model changed, it was recorded as the
    # new model's calibration.
    import json

    from calibration.abc import SURVEYS_FILE

    db = _placed(small_db, tmp_path)
    path = tmp_path / SURVEYS_FILE
    if change is None:
        path.unlink()
    else:
        record = json.loads(path.read_text())
        assert record["model_version"] == MODEL_VERSION
        change(record)
        path.write_text(json.dumps(record))
    before = db.read_bytes()
    assert main(["calibrate", "--quick", "--resume", "--seed", "1", "--out",
                 str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert said in err and "surveys.json" in err and err.count("\n") == 1, err
    assert db.read_bytes() == before and not (tmp_path / "posterior.csv").exists()


@pytest.mark.parametrize("change, shown", [
    (lambda r: r.update(activities=True), "begun as true; allowed: null, as this"),
    (lambda r: r.update(seed=None), "begun as null; allowed: 1, as this"),
    (lambda r: r.update(fixed={"trust_weight": None}),
     'begun as {"trust_weight": null}; allowed: {}, as this'),
    (lambda r: r.pop("activities"), "missing field 'activities'; allowed: null, as this"),
])
def test_a_calibration_begun_otherwise_is_shown_as_its_file_writes_it(
        small_db, tmp_path, capsys, change, shown):
    # The record is JSON, and its message showed Python's None and True.
    import json

    from calibration.abc import SURVEYS_FILE

    _placed(small_db, tmp_path)
    path = tmp_path / SURVEYS_FILE
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    assert main(["calibrate", "--quick", "--resume", "--seed", "1", "--out",
                 str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert shown in err and "None" not in err and "True" not in err, err


@pytest.mark.parametrize(("removed", "said"), [
    ("DELETE FROM models WHERE population_id IN (SELECT id FROM populations WHERE t = -1)",
     "'no observed data, though 2 generation(s) are recorded'"),
    ("DELETE FROM populations", "'no observed data nor generations, though particles"),
    ("DELETE FROM populations; DELETE FROM particles",
     "'no observed data nor generations, though samples"),
])
def test_a_history_whose_observed_data_was_removed_is_called_damaged(small_db, tmp_path,
                                                                     removed, said):
    # It was said "interrupted as it started", though generations were recorded.
    from calibration.history import check_history

    db = _placed(small_db, tmp_path)
    with sqlite3.connect(db) as con:
        con.executescript(removed)
    with pytest.raises(InputError) as err:
        check_history(db, 8)
    text = str(err.value)
    assert f"damaged calibration database: {said}" in text
    assert "as it started" not in text and "\n" not in text


def test_a_half_saved_last_generation_is_removed_and_the_whole_ones_kept(small_db, tmp_path,
                                                                         capsys):
    from calibration.abc import Settings, calibrate

    db = _placed(small_db, tmp_path)
    with sqlite3.connect(db) as con:  # as a commit cut after five particles would leave it
        last = ("SELECT pa.id FROM particles pa JOIN models m ON pa.model_id = m.id JOIN "
                "populations p ON m.population_id = p.id WHERE p.t = 1 ORDER BY pa.id")
        cut = [r[0] for r in con.execute(last)][5:]
        marks = ",".join("?" * len(cut))
        con.execute("DELETE FROM summary_statistics WHERE sample_id IN (SELECT id FROM "
                    f"samples WHERE particle_id IN ({marks}))", cut)
        for table, key in (("samples", "particle_id"), ("parameters", "particle_id"),
                           ("particles", "id")):
            con.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", cut)
    run = calibrate(tmp_path, seed=1, settings=Settings(max_populations=2, **EIGHT),
                    resume=True, progress=False)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "generation 1 was saved only in part (5 of 8" in err[0]
    assert "kept generations 0 to 0" in err[0]
    assert run.populations == 2 and len(pd.read_csv(tmp_path / "posterior.csv")) == 8
    # The half-saved generation's time is not counted: it was sampled again.
    kept = _generation_seconds(tmp_path / "abc.db", before=1)
    assert run.sampling_s == pytest.approx(run.wall_time_s + kept)


@pytest.mark.parametrize(("wall_time", "counted"), [
    ("'abc'", None), ("NULL", "others"),  # the rest in make test-slow
    *(pytest.param(w, c, marks=pytest.mark.slow)
      for w, c in (("-1e9", None), ("1e308", None), ("2.5", "all")))])
def test_a_resumed_calibration_with_odd_generation_times_records_what_it_can(
        small_db, tmp_path, wall_time, counted):
    # A time pyabc never writes was a traceback, or a record (-999999998 s, or inf written
    # as null) that the next --resume refused, with a remedy that made it again.
    from calibration.abc import Settings, calibrate

    db = _placed(small_db, tmp_path)
    with sqlite3.connect(db) as con:
        con.execute(f"UPDATE populations SET wall_time = {wall_time} WHERE t = 0")
        con.execute("UPDATE populations SET population_end_time = "
                    "'2020-01-01T00:00:00+05:00' WHERE t = 1")  # pyabc writes no zone
    run = calibrate(tmp_path, seed=1, settings=Settings(max_populations=2, **EIGHT),
                    resume=True, progress=False)
    assert run.populations == 2
    if counted is None:  # unknown: the record leaves it out, the study says "at least"
        assert run.sampling_s is None
    else:
        earlier = _generation_seconds(db)
        assert run.sampling_s == pytest.approx(run.wall_time_s + earlier)


def _generation_seconds(db, before=None) -> float:
    """pyabc's recorded seconds of the generations in ``db`` (those with t < ``before``)."""
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT t, wall_time FROM populations").fetchall()
    return sum(w for t, w in rows if (before is None or t < before) and w is not None)


@pytest.mark.parametrize("argv", [
    ["calibrate", "--quick"], ["fit", "--draws", "10"],
    ["recovery", "--quick", "--truths", "1"], ["validate", "--leave-one-out", "--quick"],
    ["ablate", "--quick", "--mechanism", "statutory_pull"],
])
def test_every_command_that_writes_a_folder_takes_its_lock(tmp_path, capsys, argv):
    with locked(tmp_path):
        assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"coprod process {os.getpid()} is writing into" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".coprod.lock"]


def test_a_calibration_resumed_from_another_models_history_is_one_line(small_db, tmp_path):
    # A model selection's abc.db copied into a calibration's folder was a KeyError
    # traceback; one model's (an ablation's mechanism) went on as another's.
    import sqlite3 as sql

    db = _placed(small_db, tmp_path)
    with sql.connect(db) as con:
        con.execute("UPDATE models SET name = 'without_trust_weight' WHERE name = 'full'")
    before = db.read_bytes()
    from calibration.abc import Settings, calibrate

    with pytest.raises(InputError) as err:
        calibrate(tmp_path, seed=1, settings=Settings(max_populations=3, **EIGHT),
                  resume=True, progress=False)
    library_refusal(err, "a history of other models", "without_trust_weight")
    assert db.read_bytes() == before and not (tmp_path / "posterior.csv").exists()


def test_a_calibration_records_numpy_numbers_as_json_numbers(tmp_path):
    # What it began as is written as JSON: a numpy seed or fixed value (a library
    # caller's) was a TypeError; a resume compares them as JSON's own numbers.
    import json

    import numpy as np

    from calibration.abc import SURVEYS_FILE, check_start, observed_waves

    made = {"seed": np.int64(3), "fixed": {"trust_weight": np.float64(0.0)},
            "activities": None}
    check_start(tmp_path, observed_waves(None), False, made=made)
    began = json.loads((tmp_path / SURVEYS_FILE).read_text())
    assert began["seed"] == 3 and began["fixed"] == {"trust_weight": 0.0}
    assert began["model_version"] == MODEL_VERSION and began["activities"] is None
    (tmp_path / "abc.db").write_bytes(b"")  # resumed as what it began as: no refusal
    check_start(tmp_path, observed_waves(None), True, made=made)
    with pytest.raises(InputError, match="field 'seed'"):
        check_start(tmp_path, observed_waves(None), True, made={**made, "seed": 4})


@pytest.mark.parametrize(("change", "said"), [
    # 2015.0 passed for 2015 (== after JSON); the refusal named neither file nor field.
    (lambda r: r["surveys"][0].update(year=float(r["surveys"][0]["year"])),
     "surveys.json: field 'surveys[0].year': a calibration begun with other survey data: "
     "2015.0; allowed: 2015"),
    (lambda r: r["surveys"][0].update(levers_in_force={"policy_share": 1}),
     "field 'surveys[0].levers_in_force'"),
    # An absent field was compared as null ("null; allowed: 308"): it is named missing.
    (lambda r: r["surveys"][0].pop("answers"), "missing field 'surveys[0].answers'"),
    (lambda r: r["surveys"].append(r["surveys"][0]), "field 'surveys': a calibration begun "
     "with other survey data: 2 surveys; allowed: 1"),
    (lambda r: r.update(surveys=[]), "0 surveys; allowed: 1"),
])
def test_a_calibration_of_surveys_recorded_otherwise_is_not_resumed(tmp_path, change, said):
    import json

    from calibration.abc import SURVEYS_FILE, check_start, observed_waves

    check_start(tmp_path, observed_waves(None), False, made={"seed": 1})
    (tmp_path / "abc.db").write_bytes(b"")
    path = tmp_path / SURVEYS_FILE
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        check_start(tmp_path, observed_waves(None), True, made={"seed": 1})
    library_refusal(err, said, "another --out")


def test_a_history_that_cannot_be_resumed_says_how_to_begin_again(tmp_path):
    # It said "start again with the same command in another --out" (quoted as a
    # command in one place); in a study, deleting that one calibration and resuming
    # the study begins it again, the study's other calibrations kept.
    from calibration.abc import SURVEYS_FILE, calibrate, check_start, observed_waves
    from studies.calibrations import calibrate_or_reuse

    (tmp_path / "abc.db").write_bytes(b"")
    (tmp_path / SURVEYS_FILE).write_text("{")
    with pytest.raises(InputError) as err:
        check_start(tmp_path, observed_waves(None), True, made={"seed": 1})
    text = library_refusal(err, "to make it again, run the same command without --resume "
                           "into another --out")
    assert "'the same" not in text
    study = tmp_path / "study" / "trust_weight"
    study.mkdir(parents=True)
    (study / "abc.db").write_bytes(b"")
    (study / SURVEYS_FILE).write_text("{")
    with pytest.raises(InputError) as err:
        calibrate_or_reuse(study, resume=True, remake="coprod ablate --resume --out s",
                           seed=1, quick=True)
    library_refusal(err, "make it again with 'coprod ablate --resume --out s' after "
                    f"deleting {study} (its calibration begins again)")
    (study / SURVEYS_FILE).unlink()  # no record at all: the same way on
    with pytest.raises(InputError) as err:
        calibrate_or_reuse(study, resume=True, remake="coprod ablate --resume --out s",
                           seed=1, quick=True)
    library_refusal(err, "cannot resume", "make the calibration again with 'coprod ablate "
                    "--resume --out s' after deleting")
    # A damaged history: "move it away and start again without --resume", which the
    # study refuses (its finished calibrations would be replaced).
    (study / "abc.db").unlink()
    check_start(study, observed_waves(None), False,
                made={"fixed": {}, "activities": None, "seed": 1})
    (study / "abc.db").write_bytes(b"not a history")
    with pytest.raises(InputError) as err:
        calibrate_or_reuse(study, resume=True, remake="coprod ablate --resume --out s",
                           seed=1, quick=True)
    text = library_refusal(err, "abc.db", "make the calibration again with 'coprod ablate "
                           "--resume --out s' after deleting")
    assert "without --resume" not in text
    (study / "abc.db").write_bytes(b"not a history")  # a calibration of its own: as before
    with pytest.raises(InputError, match="start again without --resume"):
        calibrate(study, resume=True, seed=1, quick=True, progress=False)


def test_a_field_is_the_same_only_as_its_record_holds_it():
    # One check for what a calibration began as, a truth's record and a selection's
    # mechanism: absent is missing, another kind is another value.
    import numpy as np

    from runtime.fields import Fields, as_record

    assert as_record({"s": np.int64(3), "f": (np.float64(0.5), None)}) == \
        {"s": 3, "f": [0.5, None]}
    with pytest.raises(TypeError):
        as_record({"s": object()})
    fields = Fields({"seed": 3, "fixed": {"w": 0.0}, "flag": 0}, "r.json", "coprod x")
    assert fields.same("seed", np.int64(3), "3") == 3
    assert fields.same("fixed", {"w": np.float64(0.0)}, "{}") == {"w": 0.0}
    with pytest.raises(InputError, match=r"r\.json: field 'flag': begun as 0; allowed: false"):
        fields.same("flag", False, "false", problem="begun as")
    with pytest.raises(InputError, match="missing field"):
        fields.same("gone", 1, "1")
    with pytest.raises(InputError, match="field 'seed'"):
        fields.same("seed", 3.0, "3.0")
    # As JSON writes them: -0.0 passed for 0.0 (and went into a manifest), NaN never
    # matched itself; an integer too long to write is not JSON either.
    with pytest.raises(InputError, match=r"field 'fixed': begun as \{\"w\": -0\.0\}"):
        Fields({"fixed": {"w": -0.0}}, "r.json", "x").same("fixed", {"w": 0.0}, "{}",
                                                             problem="begun as")
    assert math.isnan(Fields({"v": math.nan}, "r.json", "x").same("v", math.nan, "NaN"))
    assert Fields({"on": [1, 2]}, "r.json", "x").same("on", (1, 2), "[1, 2]") == (1, 2)
    with pytest.raises(TypeError):
        as_record(10**5000)


def test_a_truth_record_naming_an_input_at_length_is_one_short_line(tmp_path):
    # An input's name from the file is the refusal's place: a 500,000-character key made
    # a 500 KB line.
    import json

    from studies.parameter_recovery import TRUTH_FILE, _truth_record

    truth = {"trust_weight": 1.0}
    _truth_record(tmp_path, 0, truth, 7)
    path = tmp_path / TRUTH_FILE
    record = json.loads(path.read_text())
    record["parameters"]["x" * 500_000] = 1
    path.write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        _truth_record(tmp_path, 0, truth, 7)
    text = library_refusal(err, "no such input", "characters): a truth not")
    assert len(text) < 2_000 and re.search(r"… \(500,\d{3} characters\)", text)


def test_one_of_coprods_own_files_too_large_says_how_to_make_it_again(tmp_path):
    # A record past the size limit was refused with no way on ("allowed: files up to").
    from runtime.files import MAX_INPUT_BYTES, read_own_csv, read_own_json

    for name, read in (("manifest.json", read_own_json), ("table.csv", read_own_csv)):
        path = tmp_path / name
        with path.open("wb") as fh:
            fh.truncate(MAX_INPUT_BYTES + 1)  # (sparse: no 20 MB written)
        with pytest.raises(InputError) as err:
            read(path, "coprod fit --out here")
        library_refusal(err, "too large", f"files up to {MAX_INPUT_BYTES:,} bytes",
                        "make it again with 'coprod fit --out here'")


def test_a_column_named_twice_in_one_of_coprods_tables_is_named_as_written(tmp_path):
    # pandas renamed the second 'weight' to 'weight.1', and that name was shown.
    from runtime.files import read_own_csv

    path = tmp_path / "posterior.csv"
    path.write_text("weight,trust_weight,weight\n1,0.5,1\n")
    with pytest.raises(InputError) as err:
        read_own_csv(path, "coprod calibrate --out DIR")
    text = library_refusal(err, "posterior.csv: header", "a column twice", "'weight'")
    assert "weight.1" not in text


@pytest.mark.parametrize("text", [
    "weight,trust_weight\r1,0.5\r",  # bare CR line ends: a traceback from the header check
    "\ufeffweight,trust_weight,weight\n1,0.5,1\n",  # a byte-order mark: pandas' name shown
    "\n\nweight,trust_weight,weight\n1,0.5,1\n",  # blank lines first
])
def test_a_tables_header_is_read_as_pandas_reads_it(tmp_path, text):
    from runtime.files import read_own_csv

    path = tmp_path / "posterior.csv"
    path.write_text(text, newline="")
    if text.count("weight") == 2:
        assert list(read_own_csv(path, "coprod x").columns) == ["weight", "trust_weight"]
        return
    with pytest.raises(InputError) as err:
        read_own_csv(path, "coprod x")
    library_refusal(err, "a column twice", "'weight'")


@pytest.mark.parametrize(("text", "line"), [
    ("a,b\n1,2\n3,x\n", 3),  # a header, then rows
    ("a,b\n1,2\n\n3,x\n", 4),  # a blank line skipped before the bad row (was "row 3")
    ("\n\na,b\n  \n1,2\n3,x\n", 6),  # blank lines before the header, one of spaces
    ("a,b\n\"1\n\",2\n3,x\n", 4),  # a quoted value spanning two lines: one record
    ("\ufeffa,b\r\n1,2\r\n\r\n3,x\r\n", 4),  # a byte-order mark and CRLF line ends
    ("a,b\r1,2\r\r\r3,x\r", 5),  # CR line ends, blank lines among them
    ("a,b\n\"\"\n1,2\n3,x\n", 4),  # a quoted empty value is a row (pandas reads one)
    ("a,b\n\"  \"\n\t\n3,x\n", 4),  # quoted spaces are a row, a tab alone is blank
])
def test_a_refused_cell_is_named_by_the_line_an_editor_shows(tmp_path, text, line):
    # "row N" counted data rows after blank lines pandas skipped: off by one after one.
    from runtime.files import read_own_csv

    path = tmp_path / "table.csv"
    path.write_text(text, newline="")
    with pytest.raises(InputError) as err:
        read_own_csv(path, "coprod x", numeric=("b",))
    library_refusal(err, f"table.csv: row {line}, column 'b'", "'x'", "a finite number")


def test_a_remedy_that_quotes_a_folder_is_not_set_in_the_same_quotes(tmp_path):
    # "make it again with 'coprod ablate --resume --out 'a b''": the outer quotes read as
    # the command's own, and the copied command split the folder.
    from runtime.files import read_own_json
    from runtime.words import shell_word
    from studies.calibrations import resume_command

    command = resume_command("ablate", tmp_path / "a b", seed=7)
    assert "'" in command
    path = tmp_path / "record.json"
    path.write_text("{not json\n")
    with pytest.raises(InputError) as err:
        read_own_json(path, command)
    text = library_refusal(err, f"make it again with “{command}”")
    assert f"--out {shell_word(tmp_path / 'a b')}”" in text
    plain = resume_command("ablate", tmp_path / "ab", seed=7)
    with pytest.raises(InputError) as err:
        read_own_json(path, plain)
    library_refusal(err, f"make it again with '{plain}'")


def test_a_remedy_of_two_commands_quotes_each():
    # The report's remedies name their stage's command or the demo's: 'A' or 'B', each
    # quoted as it needs (a quoted folder in one set the pair in “…” as one command).
    from pathlib import Path

    from coprod.report_inputs import compare_remake, fit_remake
    from runtime.words import AFTER, OR, again_with
    from studies.calibrations import resume_command

    # The report's own folder, not a placeholder (pasted, 'DIR' wrote into ./DIR).
    # A stage's options are its own (a bare 'coprod fit' made 200 draws of a fit of 10):
    # said in words, the demo's command quoted.
    assert again_with(fit_remake(Path("out/demo"))) == (
        "to make it again, run coprod fit again into out/demo/fit, with the options it was "
        "made with (its manifest.json's 'command', while readable), or 'coprod demo --out "
        "out/demo'")
    assert again_with(compare_remake(Path("my runs"))) == (
        "to make it again, run coprod compare again into 'my runs', with the options it was "
        "made with (its comparison_manifest.json's 'command', while readable)")
    assert again_with(f"coprod x --out 'a b'{OR}coprod y", "both") == (
        "make both again with “coprod x --out 'a b'” or 'coprod y'")
    # What to do first is said after the quotes: copied, the command runs as it is.
    assert again_with(f"coprod x --out 'a b'{AFTER}deleting f (then y)") == (
        "make it again with “coprod x --out 'a b'” after deleting f (then y)")
    # A folder named like the marks' words is one command still.
    odd = resume_command("ablate", Path("x' or 'y after z"), seed=1)
    assert again_with(odd) == f"make it again with “{odd}”"
