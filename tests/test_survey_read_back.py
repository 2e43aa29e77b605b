"""A survey study read back checks what its record and tables may hold.

``SurveyStudy.read`` took the manifest's answers, notes and source as whatever they were
(an answer count 'abc' was a "malformed results" line naming no field, a note a number)
and the tables' numbers unbounded (a share of 1.5, an interval upside down).
"""

from __future__ import annotations

import json

import pytest

from sim.errors import InputError


@pytest.fixture
def copy(small_survey, tmp_path):
    import shutil

    target = tmp_path / "survey"
    shutil.copytree(small_survey, target)
    return target


def _edit_manifest(folder, change):
    path = folder / "manifest.json"
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def _edit_cell(path, row: int, column: str, value: str):
    import pandas as pd

    frame = pd.read_csv(path, keep_default_na=False)
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


def test_a_survey_study_reads_back_as_written(small_survey):
    from calibration.survey_study import SurveyStudy

    study = SurveyStudy.read(small_survey)
    assert study.answers["social"] == 101 and study.source.startswith("Andfossen")


@pytest.mark.parametrize(("field", "value"), [("answers", {"social": "abc"}),
                                              ("answers", {"social": -3}),
                                              ("answers", [1, 2]),
                                              ("notes", "one note"), ("notes", [5]),
                                              ("source", 12),
                                              ("dropped_sentence", ["a"])])
def test_a_record_field_of_the_wrong_kind_is_named(copy, field, value):
    from calibration.survey_study import SurveyStudy

    _edit_manifest(copy, lambda r: r.update({field: value}))
    with pytest.raises(InputError) as err:
        SurveyStudy.read(copy)
    said = str(err.value)
    assert "\n" not in said and f"field '{field}'" in said and "manifest.json" in said


@pytest.mark.parametrize(("table", "column", "value", "words"), [
    ("bootstrap.csv", "estimate", "1.5", "column 'estimate'"),
    ("bootstrap.csv", "low_95", "0.99", "low_95"),
    ("classes.csv", "probability", "2", "column 'probability'"),
    ("classes.csv", "reps", "0", "column 'reps'")])
def test_a_table_value_coprod_never_writes_is_named(copy, table, column, value, words):
    from calibration.survey_study import SurveyStudy

    _edit_cell(copy / table, 0, column, value)
    with pytest.raises(InputError) as err:
        SurveyStudy.read(copy)
    said = str(err.value)
    assert "\n" not in said and table in said and words in said
