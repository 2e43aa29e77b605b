"""A fifth hostile pass: readers of coprod's own files that were weaker than their kin.

The fit check's reader against the report's (repeated or unknown cells, escapes in a
name, flags that contradict their row, blanks, fractional counts, its manifest unread),
manifests' seeds, commands and dates of any kind, a runs folder whose counts disagree,
staging files left by a command that failed, a calibration's own fields, and the
report's readers of the shipped studies. Each test failed before its fix.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from sim.errors import InputError
from tests.conftest import edit_json, library_refusal, one_line_error


# ---- helpers -----------------------------------------------------------------------

def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _write_rows(path: Path, rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _set_cells(path: Path, row: int, **cells: str) -> None:
    rows = _rows(path)
    rows[row].update(cells)
    _write_rows(path, rows)


def _fit_refusal(folder: Path, *words: str) -> str:
    from calibration.fit_check import FitCheck

    with pytest.raises(InputError) as err:
        FitCheck.read(folder)
    text = library_refusal(err, *words)
    assert "malformed results" not in text  # named, not caught as a surprise
    return text


# ---- D5. the fit check's reader, as strict as the report's ---------------------------

def test_a_fit_table_with_a_cell_twice_or_unknown_is_refused(fitted):
    first = _rows(fitted / "fit.csv")[0]
    _set_cells(fitted / "fit.csv", 1, activity=first["activity"],
               coordinator=first["coordinator"])
    _fit_refusal(fitted, "fit.csv", "row 3", first["activity"], "once")


@pytest.mark.parametrize("name", ["nosuch", "soc\x1b[31mial", "soc\x00ial"])
def test_a_fit_table_with_an_unknown_or_escaped_activity_is_refused(fitted, name):
    _set_cells(fitted / "fit.csv", 0, activity=name)
    text = _fit_refusal(fitted, "fit.csv", "row 2", "activity", "social")
    assert "\x1b" not in text and "\x00" not in text


def test_fit_n_with_an_activity_twice_is_refused(fitted):
    first = _rows(fitted / "fit_n.csv")[0]
    _set_cells(fitted / "fit_n.csv", 1, activity=first["activity"])
    _fit_refusal(fitted, "fit_n.csv", "row 3", "activity", "once")


def test_a_fit_statistic_with_an_escape_is_refused(fitted):
    _set_cells(fitted / "fit_differences.csv", 0, statistic="pooled\x1b[2J")
    text = _fit_refusal(fitted, "fit_differences.csv", "statistic")
    assert "\x1b" not in text


def test_a_share_whose_inside_flag_contradicts_its_interval_is_refused(fitted):
    rows = _rows(fitted / "fit.csv")
    # 'inside': the simulated median lies in the observed 95% interval.
    k = next(i for i, r in enumerate(rows) if r["inside"] == "True")
    row = rows[k]
    assert float(row["low_95"]) < float(row["sim_median"]) < float(row["high_95"])
    _set_cells(fitted / "fit.csv", k, inside="False")
    _fit_refusal(fitted, "fit.csv", f"row {k + 2}", "inside", "False", "allowed")
    # ... and the converse: True of a median outside its interval.
    _set_cells(fitted / "fit.csv", k, inside="True", low_95="0", high_95="0.0001",
               observed="0.00005")
    _fit_refusal(fitted, "fit.csv", f"row {k + 2}", "inside", "True", "allowed")


def test_fit_n_whose_inside_flag_contradicts_its_interval_is_refused(fitted):
    rows = _rows(fitted / "fit_n.csv")
    k = next(i for i, r in enumerate(rows) if r["inside"] == "True")
    _set_cells(fitted / "fit_n.csv", k, inside="False")
    _fit_refusal(fitted, "fit_n.csv", f"row {k + 2}", "inside", "allowed")


@pytest.mark.parametrize(("name", "column"), [
    ("fit.csv", "observed"), ("fit_n.csv", "observed"), ("fit_classes.csv", "observed"),
    ("fit_differences.csv", "observed")])
def test_a_blank_observed_value_is_refused(fitted, name, column):
    _set_cells(fitted / name, 0, **{column: ""})
    _fit_refusal(fitted, name, "row 2", column, "allowed")


def test_a_fractional_count_of_answers_is_refused(fitted):
    _set_cells(fitted / "fit_n.csv", 0, observed="101.5")
    _fit_refusal(fitted, "fit_n.csv", "row 2", "observed", "101.5", "whole")


@pytest.mark.parametrize("value", ["-1", "0", "2.5", "nan"])
def test_a_classes_reps_coprod_never_writes_is_refused(fitted, value):
    _set_cells(fitted / "fit_classes.csv", 0, reps=value)
    _fit_refusal(fitted, "fit_classes.csv", "row 2", "reps", value, "allowed")


def test_a_400_digit_count_is_named_not_malformed_results(fitted):
    from calibration.fit_check import FIT_RECORD

    path = fitted / FIT_RECORD
    text = path.read_text()
    record = json.loads(text)
    first = record["counts"][0][0][0]
    record["counts"][0][0][0] = 10**400
    path.write_text(json.dumps(record) + "\n")
    assert first >= 0
    _fit_refusal(fitted, FIT_RECORD, "counts", "allowed")


def test_the_fit_folders_manifest_is_read(fitted):
    (fitted / "manifest.json").unlink()
    _fit_refusal(fitted, "manifest.json", "missing")


@pytest.mark.parametrize(("change", "words"), [
    (lambda r: r.update(command="coprod survey --out x"), ("command", "coprod survey")),
    (lambda r: r.update(seed=-1), ("seed", "-1")),
    (lambda r: r.update(draws=11), ("draws", "11", "fit_draws.json")),
    (lambda r: r["fit"].update(draws=11), ("fit", "fit_draws.json")),
    (lambda r: r.update(date="yesterday"), ("date", "yesterday", "ISO")),
])
def test_a_fit_manifest_field_coprod_never_writes_is_refused(fitted, change, words):
    edit_json(fitted / "manifest.json", change)
    _fit_refusal(fitted, "manifest.json", *words)
