"""The newest inputs hardened (issue 29's residuals), each through the command line.

Posteriors that cannot say their model version, Ctrl-C while coprod loads, links read
back on resume, a class resting on answers a table lacks, unknown survey columns and
loose CSV quoting, control characters in paths, and messages for empty paths, FIFOs and
a file where a folder is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import MEDIAN_VERSION_KEY, load_posterior, write_posterior
from coprod.main import main
from sim.errors import InputError
from sim.parameters import FREE, MODEL_VERSION, PARAMETERS
from tests.conftest import ROOT, UNIT_HEADER, one_line_error, signals_as_a_terminal_gives_them

SHIPPED = ROOT / "calibration" / "data" / "posterior"
COPROD = Path(sys.executable).with_name("coprod")




def _units(rows: list[str], header: str = UNIT_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _table2_units() -> list[str]:
    """Unit rows whose aggregate is the paper's Table 2 (as the conftest's units_csv)."""
    from calibration.observed_survey import load_table2
    from sim.catalogue import COORDINATORS

    table = load_table2()
    rows = []
    for act, counts in zip(table.activities, table.counts, strict=True):
        codes = [c for c, k in zip(COORDINATORS, counts, strict=True) for _ in range(k)]
        rows += [f"u{i},{'nursing_home' if i % 2 == 0 else 'home_care'},m{i % 50},{act},{c}"
                 for i, c in enumerate(codes)]
    return rows


# (b) A posterior folder must say which model version its particles belong to.

def test_a_posterior_folder_without_a_model_version_is_refused(tmp_path, capsys):
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(SHIPPED / "posterior.csv", bare / "posterior.csv")
    code = main(["fit", "--posterior", str(bare), "--draws", "10", "--out",
                 str(tmp_path / "fit")])
    one_line_error(capsys, code, "unversioned posterior", "coprod calibrate")
    assert not (tmp_path / "fit").exists()
    # A manifest without 'versions' says no more than none.
    (bare / "manifest.json").write_text(json.dumps({"command": "by hand"}))
    with pytest.raises(InputError, match="unversioned posterior"):
        load_posterior(bare)


def test_a_written_posterior_carries_its_model_version_and_a_stale_one_is_refused(tmp_path):
    particles = pd.DataFrame({n: [PARAMETERS[n].default] * 3 for n in FREE})
    write_posterior(tmp_path, particles, np.array([0.2, 0.3, 0.5]))
    median = json.loads((tmp_path / "median.json").read_text())
    assert median[MEDIAN_VERSION_KEY] == str(MODEL_VERSION)
    assert load_posterior(tmp_path).weights == pytest.approx([0.2, 0.3, 0.5])
    (tmp_path / "median.json").write_text(json.dumps({**median, MEDIAN_VERSION_KEY: "2"}))
    with pytest.raises(InputError, match="stale posterior: 'model version 2'"):
        load_posterior(tmp_path)
    # A manifest recording another version is refused even beside a current median.
    (tmp_path / "median.json").write_text(json.dumps(median))
    (tmp_path / "manifest.json").write_text(json.dumps({"versions": {"model": "2"}}))
    with pytest.raises(InputError, match="stale posterior"):
        load_posterior(tmp_path)


# (d) Ctrl-C while coprod loads its commands.

def test_ctrl_c_while_coprod_loads_is_one_line_and_exit_130(tmp_path):
    # Python reports each finished import on stderr (PYTHONPROFILEIMPORTTIME): the
    # interrupt is sent once numpy has loaded, while the commands are still loading.
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.Popen([str(COPROD), "survey", "--reps", "100000", "--out",
                             str(tmp_path / "out")], stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path,
                            preexec_fn=signals_as_a_terminal_gives_them)
    lines, sent = [], False
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("import time:") and line.split("|")[-1].strip() == "numpy":
            proc.send_signal(signal.SIGINT)
            sent = True
            break
    if not sent:
        proc.kill()
    lines += proc.stderr.readlines()
    code = proc.wait(timeout=120)
    said = [line for line in lines if not line.startswith("import time:")]
    assert sent, "numpy never loaded"
    assert code == 130, "".join(said)
    assert "Traceback" not in "".join(said) and len(said) == 1, "".join(said)
    assert "interrupted" in said[0]
    assert not (tmp_path / "out").exists()


# (e) Files read back from a results folder on resume are never read through a link.

def test_calibrate_resume_refuses_a_linked_surveys_record(tmp_path, capsys):
    out = tmp_path / "cal"
    out.mkdir()
    (out / "abc.db").touch()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"surveys": []}))
    (out / "surveys.json").symlink_to(elsewhere)
    code = main(["calibrate", "--resume", "--quick", "--out", str(out)])
    one_line_error(capsys, code, "surveys.json", "symbolic link")
    assert elsewhere.read_text() == json.dumps({"surveys": []})


def test_run_resume_refuses_a_linked_manifest(tmp_path, capsys):
    out = tmp_path / "scen"
    (out / "baseline").mkdir(parents=True)
    elsewhere = tmp_path / "manifest_elsewhere.json"
    elsewhere.write_text(json.dumps({"identity": {"seed": 1}}))
    (out / "baseline" / "manifest.json").symlink_to(elsewhere)
    code = main(["run", "baseline", "--resume", "--draws", "2", "--assumption-draws", "1",
                 "--replicates", "1", "--horizon", "52", "--out", str(out)])
    one_line_error(capsys, code, "manifest.json", "symbolic link")


def test_reading_back_through_a_link_is_refused_by_the_own_file_readers(tmp_path):
    from runtime.files import read_own_csv, read_own_json

    real = tmp_path / "real.csv"
    real.write_text("a\n1\n")
    (tmp_path / "link.csv").symlink_to(real)
    (tmp_path / "link.json").symlink_to(real)
    with pytest.raises(InputError, match="symbolic link"):
        read_own_csv(tmp_path / "link.csv", "coprod x")
    with pytest.raises(InputError, match="symbolic link"):
        read_own_json(tmp_path / "link.json", "coprod x")


# (f) A class needs the answers it rests on.

def test_one_unit_answering_one_activity_is_undetermined_not_shared(write, tmp_path, capsys):
    path = write("one.csv", _units(["u1,nursing_home,m1,social,together"]))
    assert main(["survey", "--data", str(path), "--reps", "200", "--out",
                 str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "research question on this table: undetermined" in printed, printed
    classes = pd.read_csv(tmp_path / "out" / "classes.csv").set_index("class")
    assert classes.loc["undetermined", "observed"] == 1
    assert classes.loc["shared", "probability"] == 0


def test_the_class_rules_need_both_groups_and_keep_shared_when_both_answer():
    from sim.classify import classify_table

    statutory = np.array([True, False])
    only_non = np.array([[0, 0, 0], [0, 0, 5]])  # all together, statutory unanswered
    only_stat = np.array([[0, 0, 5], [0, 0, 0]])
    both = np.array([[1, 0, 4], [0, 1, 4]])
    assert classify_table(np.stack([only_non, only_stat, both]), statutory).tolist() == [
        "undetermined", "undetermined", "shared"]


# (g) A user's survey CSV: unknown columns and loose quoting refused in one line.

def test_a_misspelt_column_is_refused_naming_the_allowed_ones(write, tmp_path, capsys):
    rows = [f"{r},1" for r in _table2_units()]
    path = write("typo.csv", _units(rows, UNIT_HEADER + ",local_polcy"))
    code = main(["survey", "--data", str(path), "--reps", "200", "--out",
                 str(tmp_path / "out")])
    one_line_error(capsys, code, "unknown column 'local_polcy'", "allowed columns:",
                    "local_policy", "flag_agreement")
    agg = write("agg.csv", "activity,n,municipality,voluntary,together,statutry\n"
                "social,10,2,3,5,false\n")
    code = main(["survey", "--data", str(agg), "--reps", "200", "--out", str(tmp_path / "o")])
    one_line_error(capsys, code, "unknown column 'statutry'", "statutory")


def test_coprods_own_responses_read_back_as_a_survey(tmp_path, capsys):
    sim = tmp_path / "sim"
    assert main(["simulate", "--out", str(sim)]) == 0
    header = (sim / "responses.csv").read_text().splitlines()[0].split(",")
    assert "flag_agreement" in header  # a lever written without a survey column of its own
    assert main(["survey", "--data", str(sim / "responses.csv"), "--reps", "200",
                 "--out", str(tmp_path / "survey")]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("bad, words", [
    ('u999,nursing_home,"m1,social,together', ("line 3", "unterminated quote")),
    ('u999,nursing_home,"m\n1",social,together', ("line 3, column 'municipality'",
                                                   "line break")),
    ('u999,nursing_home,"m1"x,social,together', ("line 3", "unreadable CSV")),
])
def test_loose_csv_quoting_is_one_clear_line(write, tmp_path, capsys, bad, words):
    rows = _table2_units()
    path = write("loose.csv", _units([rows[0], bad, *rows[1:]]))
    code = main(["survey", "--data", str(path), "--reps", "200", "--out",
                 str(tmp_path / "out")])
    one_line_error(capsys, code, *words)


# (i) Control characters in paths never split a printed line.

def test_a_line_break_in_a_path_stays_on_one_line(tmp_path, capsys):
    (tmp_path / "a\nb.csv").write_text(_units(_table2_units()))  # a valid survey
    code = main(["survey", "--data", str(tmp_path / "a\nb.csv"), "--out",
                 str(tmp_path / "out")])
    one_line_error(capsys, code, "control character", "a?b.csv")
    code = main(["survey", "--data", str(tmp_path / "missing\n.csv"), "--out",
                 str(tmp_path / "out")])
    one_line_error(capsys, code, "missing?.csv")
    code = main(["survey", "--out", str(tmp_path / "o\x1b[31mut\nx")])
    one_line_error(capsys, code, "--out", "control character")
    assert not any(p.name.startswith("o") for p in tmp_path.iterdir())
    wave = tmp_path / "wave.toml"
    wave.write_text('year = 2020\ndata = "x\\ny.csv"\n')
    code = main(["survey", "--data", str(wave), "--out", str(tmp_path / "out")])
    one_line_error(capsys, code)


# (j) Messages that say what is wrong.

def test_an_empty_path_option_names_the_option_and_what_it_needs(tmp_path, capsys):
    code = main(["run", "baseline", "--municipality", "", "--out", str(tmp_path / "o")])
    one_line_error(capsys, code, "--municipality: empty value", "municipality file")
    code = main(["survey", "--data", "", "--out", str(tmp_path / "o")])
    one_line_error(capsys, code, "--data: empty value", "survey file")


def test_a_fifo_as_a_scenario_file_is_named_a_fifo(tmp_path, capsys):
    fifo = tmp_path / "mine.toml"
    os.mkfifo(fifo)
    code = main(["run", str(fifo), "--out", str(tmp_path / "o")])
    one_line_error(capsys, code, "not a file", "FIFO")


def test_compare_with_a_file_as_out_says_it_is_a_file(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    code = main(["compare", "--out", str(afile)])
    one_line_error(capsys, code, "not a directory", "this is a file")
    code = main(["report", "--out", str(afile)])  # was "afile: File exists"
    one_line_error(capsys, code, "not a directory", "this is a file")
    assert afile.read_text() == "x"


def test_a_control_character_inside_a_survey_cell_is_refused(write, tmp_path, capsys):
    rows = _table2_units()
    path = write("nul.csv", _units(["zz1,nursing_home,m\x001,social,together", *rows]))
    code = main(["survey", "--data", str(path), "--out", str(tmp_path / "out")])
    one_line_error(capsys, code, "row 2, column 'municipality'", "control character")


def test_a_fifo_as_a_posteriors_file_is_named_and_not_called_missing(tmp_path, capsys):
    folder = tmp_path / "post"
    folder.mkdir()
    os.mkfifo(folder / "posterior.csv")
    code = main(["fit", "--posterior", str(folder), "--draws", "10", "--out",
                 str(tmp_path / "fit")])
    one_line_error(capsys, code, "not a file", "FIFO")


def test_empty_scenario_names_and_discover_out_a_file(tmp_path, capsys):
    code = main(["run", "", "--out", str(tmp_path / "o")])
    one_line_error(capsys, code, "empty value", "scenario")
    afile = tmp_path / "afile"
    afile.write_text("x")
    code = main(["discover", "baseline", "--outcome", "share_together", "--below", "0.3",
                 "--out", str(afile)])
    one_line_error(capsys, code, "not a directory", "this is a file")
