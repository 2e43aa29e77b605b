import numpy as np
import pytest

from calibration.observed_survey import (
    load_aggregate,
    load_survey,
    load_table2,
    load_units,
    recover_counts,
)
from sim.errors import InputError
from sim.published import SURVEY_2015


def test_table2_counts_are_recovered_uniquely():
    table = load_table2()
    assert table.notes == ()
    expected = {
        "social": (35, 42, 24), "cultural_nursing_home": (36, 19, 18),
        "physical": (31, 10, 11), "cultural_home_care": (8, 19, 10),
        "food_delivery": (16, 4, 6), "day_centre": (18, 0, 1),
    }
    for act, counts in zip(table.activities, table.counts, strict=True):
        assert tuple(counts) == expected[act]
    assert list(table.n) == [101, 73, 52, 37, 26, 19]
    assert list(table.statutory) == [False, False, False, False, True, True]
    # Recovered counts round back to the printed percentages.
    assert np.allclose(np.round(100 * table.shares), [[35, 42, 24], [49, 26, 25], [60, 19, 21],
                                                      [22, 51, 27], [62, 15, 23], [95, 0, 5]])


def test_recover_counts_reports_every_candidate_and_refuses_impossible_tables():
    pct = {"municipality": 50, "voluntary": 25, "together": 25}
    cands = recover_counts(200, pct)
    assert len(cands) > 1 and all(sum(c) == 200 for c in cands)
    assert (100, 50, 50) in cands
    with pytest.raises(InputError, match="no integer counts summing to n=10"):
        recover_counts(10, {"municipality": 33, "voluntary": 33, "together": 33})


def test_the_frame_and_table2_are_consistent_with_each_other():
    # Printed figures that must agree: Q1's types add up to the respondents, the
    # response rate to the printed 77.2%, and no activity has more answers than units.
    frame = SURVEY_2015
    assert sum(frame.respondent_types.values()) == frame.units_responded
    assert round(frame.response_rate, 3) == frame.response_rate_printed
    table = load_table2()
    assert (table.n <= frame.units_responded).all()


def test_aggregate_counts_and_percentages(write):
    path = write("agg.csv", "activity,n,municipality,voluntary,together\n"
                 "social,101,35%,42%,24%\nday_centre,19,18,0,1\n")
    table = load_aggregate(path)
    assert table.counts.tolist() == [[35, 42, 24], [18, 0, 1]]
    assert table.statutory.tolist() == [False, True]
    amb = write("amb.csv", "activity,n,municipality,voluntary,together,statutory\n"
                "walks,200,50%,25%,25%,no\n")
    assert "count vectors fit the rounding" in load_aggregate(amb).notes[0]


def test_unit_level_file_aggregates_to_table2(units_csv):
    units = load_units(units_csv)
    assert np.array_equal(units.to_table().counts, load_table2().counts)
    assert units.dropped["social"] == 1 and units.dropped["physical"] == 1
    assert isinstance(load_survey(units_csv), type(units))


BAD_AGGREGATES = [
    ("activity,n,municipality,voluntary\nsocial,3,1,1\n", r"header.*missing: together"),
    ("activity,n,municipality,voluntary,together\nsocial,x,1,1,1\n",
     r"row 2, column 'n': invalid value 'x'; allowed: a whole number >= 1"),
    ("activity,n,municipality,voluntary,together\nsocial,3,1,1,2\n",
     r"row 2, column 'n': inconsistent value 3; counts 1/1/2 sum to 4"),
    ("activity,n,municipality,voluntary,together\nsocial,3,-1,2,2\n",
     r"column 'municipality': invalid value '-1'"),
    ("activity,n,municipality,voluntary,together\nsocial,3,1%,1,1\n",
     r"column 'voluntary'.*either counts or percentages"),
    ("activity,n,municipality,voluntary,together\nsocial,3,1,1,1\nsocial,3,1,1,1\n",
     r"row 3, column 'activity': duplicate value 'social'"),
    ("activity,n,municipality,voluntary,together\nwalks,3,1,1,1\n",
     r"column 'statutory': missing value ''.*'walks' is not in the catalogue"),
    ("activity,n,municipality,voluntary,together,statutory\nsocial,3,1,1,1,maybe\n",
     r"column 'statutory': invalid value 'maybe'; allowed: true/false"),
    ("activity,n,municipality,voluntary,together\nsocial,3,120%,1%,1%\n",
     r"allowed: 0% to 100%"),
    ("activity,n,municipality,voluntary,together\nsocial,10,33%,33%,33%\n",
     r"row 2: inconsistent value.*no integer counts summing to n=10"),
    ("activity,n,municipality,voluntary,together\n", r"no data rows after the header"),
    ("", r"empty file"),
    ("activity,n,municipality,voluntary,together\nsocial,3,a%,1%,1%\n",
     r"column 'municipality': invalid value 'a%'"),
    # The line an editor shows: comments and blank lines counted (was "row 3").
    ("# a survey of 2015\n# counts\nactivity,n,municipality,voluntary,together\n"
     "social,3,1,1,1\n\nphysical,x,1,1,1\n", r"row 6, column 'n': invalid value 'x'"),
]


@pytest.mark.parametrize(("text", "message"), BAD_AGGREGATES)
def test_bad_aggregate_files_get_one_clear_line(write, text, message):
    path = write("bad.csv", text)
    with pytest.raises(InputError, match=message) as info:
        load_survey(path) if text.startswith("activity") else load_aggregate(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


HEAD = "unit_id,unit_type,municipality,activity,coordinator\n"
BAD_UNITS = [
    (HEAD + "u1,hospital,m1,social,municipality\n",
     r"column 'unit_type': invalid value 'hospital'; allowed: nursing_home"),
    (HEAD + "u1,home_care,m1,bingo,municipality\n",
     r"column 'activity': invalid value 'bingo'; allowed: social"),
    (HEAD + "u1,home_care,m1,social,mayor\n",
     r"column 'coordinator': invalid value 'mayor'; allowed: municipality"),
    (HEAD + "u1,home_care,m1,social,voluntary\nu1,nursing_home,m1,physical,voluntary\n",
     r"row 3, column 'unit_type': conflicting value"),
    (HEAD + "u1,home_care,m1,social,voluntary\nu1,home_care,m1,social,together\n",
     r"row 3, column 'activity': duplicate value 'social'"),
    (HEAD + "u1,home_care,m1,social,unsure\n", r"no usable value.*none for: social"),
    (HEAD + "u1,,m1,social,voluntary\n", r"column 'unit_type': empty value ''"),
    ("unit_id,unit_type,activity\nu1,home_care,social\n",
     r"header.*missing: municipality, coordinator"),
]


@pytest.mark.parametrize(("text", "message"), BAD_UNITS)
def test_bad_unit_files_get_one_clear_line(write, text, message):
    path = write("bad_units.csv", text)
    with pytest.raises(InputError, match=message):
        load_survey(path)


def test_missing_undecodable_and_unrecognised_files(tmp_path, write):
    with pytest.raises(InputError, match="missing file"):
        load_survey(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="must be UTF-8"):
        load_survey(write("latin.csv", "activity,n\nsosial å,3\n", encoding="latin-1"))
    with pytest.raises(InputError, match="not a survey file: its first line names"):
        load_survey(write("other.csv", "a,b\n1,2\n"))


def test_comments_are_the_leading_hash_lines_whatever_they_hold(units_csv):
    # A form feed or U+2028 in a comment ended it (str.splitlines) and the rest was read
    # as the header; a blank line between two '#' lines made the second the header;
    # long comments were cut without saying so.
    text = units_csv.read_text()
    lines = ["# units of 2015\x0cpage two", "", "# answered \u2028 by leaders",
             "# " + "x" * 300, *[f"# line {i}" for i in range(25)]]
    commented = units_csv.with_name("commented.csv")
    commented.write_text("\n".join(lines) + "\n\n" + text)
    survey = load_survey(commented)
    assert survey.comments[:2] == ("units of 2015?page two", "answered ? by leaders")
    assert survey.comments[2] == "x" * 199 + "…"
    assert len(survey.comments) == 20 and survey.comments[-1] == (
        "(9 more comment lines, not kept)")
    # A value is named by the line an editor shows, the comments' lines counted.
    rows = text.splitlines()
    rows[3] = rows[3].replace("nursing_home", "hospital").replace("home_care", "hospital")
    commented.write_text("\n".join(lines) + "\n\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match=rf"row {len(lines) + 1 + 4}, column 'unit_type'"):
        load_survey(commented)


def test_a_unit_level_files_comments_are_quoted_in_the_survey_study(units_csv):
    # README: '#' lines "kept and quoted in the outputs"; coprod survey dropped them.
    from calibration.survey_study import study_survey

    commented = units_csv.with_name("commented.csv")
    commented.write_text("# units of 2015, \x1b[31mas answered\n" + units_csv.read_text())
    study = study_survey(commented, reps=100, resample="unit", rng=1)
    assert "units of 2015, ?[31mas answered" in study.notes  # shown escaped
    assert study.manifest["notes"][-1] == "units of 2015, ?[31mas answered"
