"""The newest inputs hardened (issue 29): links, whole sets of files, escapes, versions,
a user's survey judged by its own numbers, limits, silently ignored inputs, resumable
design studies, clear messages."""

import json
import os
import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coprod.main import main
from sim.catalogue import ACTIVITY_IDS, COORDINATORS, TABLE2_IDS
from sim.errors import InputError, PrintableStream, printable
from tests.conftest import UNIT_HEADER

SECRET = "root:x:0:0:SECRET-LINE:/root:/bin/bash\nsecond:x:1:1::/:/bin/sh\n"


def _units(n_units, *, type_of=lambda u: "nursing_home" if u % 2 else "home_care",
           muni_of=lambda u: f"m{u % 10}", extra=()):
    """A unit-level file: every unit answers the six activities (coordinators rotate)."""
    rows = [UNIT_HEADER]
    for u in range(n_units):
        for i, act in enumerate(TABLE2_IDS):
            rows.append(f"u{u},{type_of(u)},{muni_of(u)},{act},{COORDINATORS[(u + i) % 3]}")
    rows += list(extra)
    return "\n".join(rows) + "\n"


# --- 1. No path of a results folder opened through a link (abc.db included) -----------

@pytest.mark.parametrize("resume", [False, True])
def test_calibrate_never_writes_through_a_linked_abc_db(tmp_path, capsys, resume):
    out, elsewhere = tmp_path / "cal", tmp_path / "elsewhere.db"
    out.mkdir()
    if resume:  # a real-looking database outside the folder
        sqlite3.connect(elsewhere).close()
    (out / "abc.db").symlink_to(elsewhere)
    before = elsewhere.read_bytes() if resume else None
    argv = ["calibrate", "--quick", "--out", str(out)] + (["--resume"] if resume else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and err.count("\n") == 1
    assert (elsewhere.read_bytes() == before) if resume else not elsewhere.exists()
    assert not (out / "surveys.json").exists()  # nothing said written, nothing written


def test_the_history_path_refuses_a_linked_journal(tmp_path):
    from calibration.history import history_url

    (tmp_path / "abc.db-journal").symlink_to(tmp_path / "x")
    with pytest.raises(InputError, match="symbolic link"):
        history_url(tmp_path / "abc.db")
    assert history_url(tmp_path / "other.db").endswith("other.db")


# --- 2. Sets of files replaced whole or not at all, and said truthfully -----------------

def test_an_interrupted_fit_leaves_the_earlier_fit_whole(fitted, tmp_path, capsys,
                                                        monkeypatch):
    out = fitted  # a finished fit (--draws 10)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".coprod.lock"}

    def stop(*args, **kwargs):  # the last figure: everything else is computed
        raise KeyboardInterrupt

    monkeypatch.setattr("calibration.fit_plots.plot_posterior", stop)
    capsys.readouterr()
    assert main(["fit", "--draws", "12", "--seed", "4", "--out", str(out)]) == 130
    assert "no results of this command were written" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.name != ".coprod.lock"}
    assert after == before  # not one file of the second fit among the first's
    # A fresh folder interrupted holds no partial set (nor is it left behind).
    assert main(["fit", "--draws", "10", "--out", str(tmp_path / "new" / "fit")]) == 130
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_an_interrupt_after_the_set_is_written_says_so(tmp_path, capsys, monkeypatch):
    out = tmp_path / "fit"

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("coprod.console.print_fit", stop)  # while the summary prints
    assert main(["fit", "--draws", "10", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "written whole" in err and "no results" not in err
    assert json.loads((out / "manifest.json").read_text())["draws"] == 10


def test_an_early_interrupted_calibrate_leaves_nothing(tmp_path, capsys, monkeypatch):
    def stop(*args, **kwargs):  # surveys.json has been written by now
        raise KeyboardInterrupt

    monkeypatch.setattr("calibration.abc._split_inputs", stop)
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--out", str(out)]) == 130
    assert "no results of this command were written" in capsys.readouterr().err
    assert not out.exists()
    out.mkdir()
    assert main(["calibrate", "--quick", "--out", str(out)]) == 130
    assert list(out.iterdir()) == [out / ".coprod.lock"]


def test_a_refused_resume_creates_no_folder(tmp_path, capsys):
    assert main(["calibrate", "--quick", "--resume", "--out", str(tmp_path / "new")]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_a_forced_rerun_keeps_the_old_set_whole_until_its_own_is_complete(ensembles):
    from scenarios.store import SIDE_STORE, STORE, RunStore, recorded_identity

    folder = ensembles / "baseline"
    ident = recorded_identity(folder)
    old = RunStore(folder, ident, resume=True)
    (draw, rep), (seed, result) = next(iter(old.finished().items()))
    old.close()
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    fresh = RunStore(folder, {**ident, "seed": 99}, resume=False)
    fresh.add(draw, rep, int(seed), result)
    fresh.close()  # killed here: the old runs and files are as they were
    assert {n: (folder / n).read_bytes() for n in before} == before
    with sqlite3.connect(folder / SIDE_STORE) as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    assert recorded_identity(folder) == ident
    # A fresh start whose runs all fail leaves no side store behind.
    empty = RunStore(folder, {**ident, "seed": 98}, resume=False)
    empty.discard_if_empty()
    assert not (folder / SIDE_STORE).exists()
    assert (folder / STORE).read_bytes() == before[STORE]


# --- 3. What reaches a terminal is printable; other files are never quoted -------------

def test_one_sanitiser_for_everything_printed(tmp_path, capsys):
    assert printable("a\x1b[2Jb\u202ec") == "a?[2Jb?c"
    name = tmp_path / "bad\x1b]0;owned\x07name.csv"
    assert main(["survey", "--data", str(name)]) == 2
    err = capsys.readouterr().err
    assert "missing file" in err and "\x1b" not in err and "\x07" not in err

    class Sink:
        text = ""

        def write(self, s):
            Sink.text += s

    PrintableStream(Sink()).write("\rprogress 1/2\x1b[31m\n")
    assert Sink.text == "\rprogress 1/2?[31m\n"


def test_a_file_that_is_not_a_survey_is_never_quoted(tmp_path, capsys):
    secret = tmp_path / "passwd"
    secret.write_text(SECRET)
    (tmp_path / "link.csv").symlink_to(secret)
    (tmp_path / "wave.toml").write_text(f'year = 2025\ndata = "{secret}"\n')
    for data in ("link.csv", "wave.toml"):
        assert main(["survey", "--data", str(tmp_path / data)]) == 2
        err = capsys.readouterr().err
        assert "not a survey file" in err and "SECRET" not in err and "x:0:0" not in err


# --- 4. Runs of other model or code versions are not paired -----------------------------

def _tamper(path, change):
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


@pytest.mark.slow
def test_compare_refuses_runs_of_another_model_or_code_version(ensembles, capsys):
    policy = ensembles / "local_volunteer_policy" / "manifest.json"
    original = policy.read_text()
    for change, message in (
            (lambda r: r["versions"].update(model="2"), "another model version"),
            (lambda r: r["versions"].update(model="two"), "versions.model: malformed"),
            (lambda r: r["versions"].update(model=4), "as text of digits ('4')"),
            (lambda r: r["identity"].update(code_version="0.0+x"), "another code version")):
        _tamper(policy, change)
        assert main(["compare", "--out", str(ensembles)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
        policy.write_text(original)
    _tamper(policy, lambda r: r["versions"].update(numpy="1.0.0"))
    assert main(["compare", "--out", str(ensembles)]) == 0
    assert "other versions of numpy" in capsys.readouterr().err


# --- 5. report never tracebacks --------------------------------------------------------

def test_report_readers_refuse_edited_files_in_one_line(tmp_path):
    from coprod.report_inputs import read_comparison
    from coprod.report_page import command_line

    assert command_line({"command": 'coprod survey "--out x'}, tmp_path) == ""
    head = "scenario,outcome,median,diff_median,diff_low_90,diff_high_90\n"
    for rows, message in (
            ("b,own:active_volunteers,1,0,0,0\nb,own:active_volunteers,1,0,0,0\n",
             "repeated row"),
            ("b,active_volunteers,1,0,0,0\nb,active_volunteers,2,0,0,0\n", "repeated row"),
            ("b,municipalities,inf,0,0,0\n", "invalid value .inf.; allowed: a number from 0"),
            ("b,municipalities,-1e308,0,0,0\n", "allowed: a number from 0")):
        path = tmp_path / "comparison.csv"
        path.write_text(head + rows)
        with pytest.raises(InputError, match=message):
            read_comparison(path)


def test_own_csvs_are_read_within_their_range(tmp_path):
    from runtime.files import read_own_csv

    path = tmp_path / "bootstrap.csv"
    path.write_text("statistic,estimate\nshare:a:b,-3\n")
    with pytest.raises(InputError, match="from -1 to 1"):
        read_own_csv(path, "x", numeric=("estimate",), bounds={"estimate": (-1, 1)})
    path.write_text("statistic,estimate\nshare:a:b,\n")  # blank: no value, kept as NaN
    assert read_own_csv(path, "x", numeric=("estimate",)).estimate.isna().all()


# --- 6. and 7. A user's own survey judged by its own numbers ---------------------------

def test_a_units_file_is_judged_by_its_own_dropped_answers(units_csv, tmp_path, capsys):
    out = tmp_path / "mine"
    assert main(["survey", "--data", str(units_csv), "--reps", "200", "--out",
                 str(out)]) == 0
    text = capsys.readouterr().out
    assert "0-35%" not in text and "(counted in the file)" in text
    bounds = pd.read_csv(out / "classes_dropped.csv")
    assert len(bounds) == 4  # as observed, and each coordinator taking the 2 dropped


def test_a_file_without_dropped_answers_is_not_bounded_by_the_paper(write, capsys):
    path = write("none.csv", _units(20))
    assert main(["survey", "--data", str(path), "--reps", "200", "--resample", "unit"]) == 0
    text = capsys.readouterr().out
    assert "has no dropped answers" in text and "0-35%" not in text and "nan" not in text


def test_the_fit_checks_dropped_answers_against_the_file(units_csv):
    from calibration.observed_survey import dropped_shares, load_table2
    from calibration.predictive_check import _dropped_rows_observed
    from calibration.waves import Waves

    table = Waves.load([str(units_csv)]).waves[0].table
    shares, where = dropped_shares(table)
    assert where == "the survey file" and shares[0] == pytest.approx(1 / 102)
    assert dropped_shares(load_table2()) == (None, "paper")
    rows = _dropped_rows_observed(np.full((20, 6), 0.3), shares)
    assert rows[0]["known"].endswith("(the survey file)") and "paper" not in str(rows)


def test_differences_without_an_interval_are_named_not_nan(write, capsys):
    rows = [UNIT_HEADER]
    for u in range(3):  # statutory activities always the municipality's
        for i, act in enumerate(TABLE2_IDS):
            coordinator = "municipality" if act in ("food_delivery", "day_centre") else \
                COORDINATORS[(u + i) % 3]
            rows.append(f"u{u},nursing_home,m{u},{act},{coordinator}")
    path = write("three.csv", "\n".join(rows) + "\n")
    assert main(["survey", "--data", str(path), "--reps", "300", "--resample", "unit"]) == 0
    text = capsys.readouterr().out
    assert "+nan" not in text and " nan" not in text and "(no interval)" in text
    for line in text.splitlines():
        if "(no interval)" in line:
            assert "*" not in line  # no star without an interval


# --- 7. and 10. Limits of survey frames ------------------------------------------------

def test_unit_frames_have_the_limits_of_tables_and_planners_files(write):
    from calibration.waves import Waves

    with pytest.raises(InputError, match="too few answers"):
        Waves.load([str(write("tiny.csv", _units(2)))])
    with pytest.raises(InputError, match="too many units: '151 units in one municipality'"):
        Waves.load([str(write("big.csv", _units(151, muni_of=lambda u: "one")))])
    assert Waves.load([str(write("ok.csv", _units(20)))]).waves[0].table.n.sum() == 120
    rows = ["activity,n,municipality,voluntary,together"]
    rows += [f"{a},400,200,100,100" for a in TABLE2_IDS]  # 2,400 answers: 7.8 × 2015's
    with pytest.raises(InputError, match="at most Norway's 357 municipalities"):
        Waves.load([str(write("huge.csv", "\n".join(rows) + "\n"))])


@pytest.mark.slow
def test_a_small_frame_fits_without_runtime_warnings(write, capsys, tmp_path):
    path = write("homes.csv", _units(12, type_of=lambda u: "nursing_home"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["fit", "--data", str(path), "--draws", "10", "--out",
                     str(tmp_path / "fit")]) == 0
    patterns = set(pd.read_csv(tmp_path / "fit" / "fit_validation.csv").pattern)
    assert "activities_nursing_home_over_home_care" not in patterns  # no home care


# --- 8. The shipped second wave alone -------------------------------------------------

def test_the_shipped_second_wave_can_be_the_only_data(tmp_path):
    from calibration.waves import Waves, load_wave

    waves = Waves.load(["wave2025-synthetic"])
    assert waves.waves[0].levers["policy_share"] == 0.3
    csv = load_wave("wave2025-synthetic").source
    toml = tmp_path / "wave.toml"
    toml.write_text(f'year = 2025\ndata = "{csv}"\n[levers]\npolicy_share = 0.5\n')
    with pytest.raises(InputError, match=f"^{toml}: \\[levers\\] policy_share"):
        Waves.load([str(toml)])


# --- 9. Inputs silently overridden or ignored ------------------------------------------

def test_a_scenario_population_is_not_silently_replaced(tmp_path, capsys):
    scenario = tmp_path / "mine.toml"
    scenario.write_text('name = "mine"\ndescription = "x"\npopulation = "norway"\n')
    muni = Path(__file__).parents[1] / "docs" / "examples" / "municipality.toml"
    assert main(["run", str(scenario), "--municipality", str(muni), "--out",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "overridden by --municipality" in err and "population" in err


def test_levers_past_the_horizon_are_refused(tmp_path, capsys):
    from scenarios.spec import load_scenario, parse_scenario

    with pytest.raises(InputError, match="past the horizon"):
        parse_scenario('name = "late"\ndescription = "x"\nhorizon_weeks = 52\n'
                       '[set]\nlever_week = 60\n', "late.toml")
    scenario = tmp_path / "early.toml"
    scenario.write_text('name = "early"\ndescription = "x"\n[set]\nlever_week = 30\n')
    with pytest.raises(InputError, match=r"horizon_weeks: .*early.toml: key 'set\.lever_week'"):
        load_scenario(str(scenario)).with_sizes(horizon_weeks=20)


def test_survey_reads_one_data_file(write, capsys):
    a = write("a.csv", _units(20))
    assert main(["survey", "--data", str(a), "--data", str(a)]) == 2
    assert "--data given twice" in capsys.readouterr().err


def test_rows_longer_than_the_header_and_answers_outside_table2(write, capsys):
    from calibration.observed_survey import load_survey
    from calibration.waves import Waves

    with pytest.raises(InputError, match="row 2: more cells than the header"):
        load_survey(write("long.csv", "activity,n,municipality,voluntary,together\n"
                          "social,10,5,3,2,9\n"))
    other = next(a for a in ACTIVITY_IDS if a not in TABLE2_IDS)
    path = write("more.csv", _units(20, extra=[f"u0,home_care,m0,{other},voluntary"]))
    notes = Waves.load([str(path)]).waves[0].notes
    assert any(f"1 answer(s) for {other} not used" in n for n in notes)


# --- 11. design --resume -----------------------------------------------------------------

@pytest.mark.slow
def test_a_design_study_resumes_where_it_stopped(tmp_path, monkeypatch):
    from studies import design
    from studies.design import Study, WorldStore, reference_table, study_identity

    small, policies = Study(worlds=4, truths=2, neighbours=0.5), {
        "local_volunteer_policy": {"policy_share": 1.0}}
    whole = reference_table(small, policies, rng=9, progress=False)
    ident = study_identity(small, policies, 9)
    call = design.DesignWorld.__call__

    def stop_at_world_2(self, task):
        if task.tag["world"] == 2:
            raise KeyboardInterrupt
        return call(self, task)

    monkeypatch.setattr(design.DesignWorld, "__call__", stop_at_world_2)
    store = WorldStore(tmp_path / "worlds.sqlite", ident, resume=False)
    with pytest.raises(KeyboardInterrupt):
        reference_table(small, policies, rng=9, progress=False, store=store)
    assert store.count() == 2  # worlds 0 and 1 kept
    store.close()
    monkeypatch.setattr(design.DesignWorld, "__call__", call)
    store = WorldStore(tmp_path / "worlds.sqlite", ident, resume=True)
    resumed = reference_table(small, policies, rng=9, progress=False, store=store)
    pd.testing.assert_frame_equal(resumed, whole)
    store.close()
    with pytest.raises(InputError, match=r"another design study.*seed"):
        WorldStore(tmp_path / "worlds.sqlite", {**ident, "seed": 10}, resume=True)


# --- 12. Clear messages -------------------------------------------------------------------

def test_messages_name_what_is_wrong(tmp_path, write, capsys, ensembles):
    os.mkfifo(tmp_path / "fifo")
    cases = [
        (["run", "baseline", "--municipality", str(tmp_path / "fifo")], "not a file"),
        (["run", "baseline", "--municipality", str(tmp_path)], "not a file"),
        (["survey", "--data", ""], "--data: empty value"),
        (["survey", "--data", "wave2030"], "shipped surveys: wave2015, wave2025-synthetic"),
        (["survey", "--data", str(write("dup.csv", "activity,activity,n\nx,y,1\n"))],
         "repeated column 'activity'"),
    ]
    for argv, message in cases:
        assert main([*argv, "--out", str(tmp_path / "o")] if argv[0] == "run" else argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (argv, err)
    for folder in ensembles.iterdir():  # runs interrupted before their outcomes
        if folder.is_dir():
            for name in ("outcomes.csv", "manifest.json"):
                (folder / name).unlink()
    assert main(["compare", "--out", str(ensembles)]) == 2
    assert "unfinished runs in" in capsys.readouterr().err


def test_a_resume_mismatch_names_the_options(ensembles):
    from scenarios.store import check_folder, recorded_identity

    ident = {**recorded_identity(ensembles / "baseline"), "scenario_sha256": "0" * 16}
    with pytest.raises(InputError, match="--draws") as err:
        check_folder(ensembles / "baseline", ident, force=False)
    assert "0000" not in str(err.value)


# --- 13. --out makes missing parents -------------------------------------------------

def test_out_makes_its_parents(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "survey"
    assert main(["survey", "--reps", "100", "--out", str(out)]) == 0
    assert (out / "bootstrap.csv").is_file() and (out / "manifest.json").is_file()


def test_a_stage_left_by_a_killed_process_is_cleared(tmp_path, capsys):
    out = tmp_path / "survey"
    (out / ".new-outputs.dead").mkdir(parents=True)
    (out / ".new-outputs.dead" / "bootstrap.csv").write_text("half")
    assert main(["survey", "--reps", "100", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".coprod.lock", "bootstrap.csv", "claims.csv", "classes.csv", "classes_dropped.csv",
        "classes_sensitivity.csv", "manifest.json"]


def test_runs_whose_manifest_lost_its_versions_or_identity_are_refused(tmp_path):
    # coprod writes both into every run's manifest: without them the runs are unvouched.
    from scenarios.compare import check_versions
    from sim.parameters import MODEL_VERSION

    good = {"versions": {"model": str(MODEL_VERSION)}, "identity": {"code_version": "c"}}
    for lost in ("versions", "identity"):
        bad = {k: v for k, v in good.items() if k != lost}
        with pytest.raises(InputError, match=f"{lost}: unvouched runs"):
            check_versions({"baseline": (tmp_path / "b.json", good),
                            "policy": (tmp_path / "p.json", bad)}, "baseline")


def test_a_path_the_system_refuses_is_one_line_not_a_traceback(tmp_path, capsys):
    # A name over 255 bytes, or a file where a folder is needed: exit 2, one line.
    too_long = tmp_path / ("x" * 300)
    a_file = tmp_path / "afile"
    a_file.write_text("")
    for argv in (["survey", "--reps", "100", "--out", str(too_long)],
                 ["report", "--out", str(a_file / "inside")]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1 and "allowed" in err


def test_ctrl_c_after_the_sampling_says_what_is_kept(tmp_path, capsys, monkeypatch,
                                                    quick_is_tiny):
    # Interrupted while the posterior's files are written: the line says the sampling is
    # kept and what is missing, never "no results of this command were written".
    import calibration.abc as abc

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(abc, "_write_last_generation", interrupted)
    code = main(["calibrate", "--quick", "--seed", "3", "--out", str(tmp_path / "cal")])
    err = capsys.readouterr().err
    assert code == 130 and "sampling is finished and kept" in err
    assert "no results of this command were written" not in err
    assert (tmp_path / "cal" / "abc.db").is_file()


def test_out_is_never_the_root_or_the_project_folder(capsys):
    root = Path(__file__).resolve().parents[1]
    for out in ("/", str(root)):
        assert main(["survey", "--reps", "100", "--out", out]) == 2
        err = capsys.readouterr().err
        assert "refusing to write into" in err and len(err.strip().splitlines()) == 1
