"""A seventh hostile pass: a report folder's tables without their records.

A survey, second wave or fit folder whose manifest.json is gone was shown without the
record of how it was made (and the report's "Reproduce" said every folder holds one); a
folder that lost its first table beside its manifest was left out as "not found". The
comparison's manifest named other scenarios than its table, or a baseline that is no
scenario's name, and was accepted or blamed on comparison.csv. Each test failed before
its fix.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coprod.main import main
from tests.conftest import edit_json
from tests.conftest import refusal as one_line


@pytest.fixture
def reported(small_survey, small_fit, tmp_path):
    """A report folder of a survey and a fit, reported once as made."""
    shutil.copytree(small_survey, tmp_path / "survey")
    shutil.copytree(small_fit.folder, tmp_path / "fit")
    assert main(["report", "--out", str(tmp_path)]) == 0
    return tmp_path


@pytest.mark.parametrize(("part", "first"), [("survey", "bootstrap.csv"), ("fit", "fit.csv")])
def test_a_table_without_its_manifest_is_refused_not_shown(reported, capsys, part, first):
    report = (reported / "report.html").read_bytes()
    capsys.readouterr()
    (reported / part / "manifest.json").unlink()
    assert main(["report", "--out", str(reported)]) == 2
    one_line(capsys, f"{part}/manifest.json: missing file",
             f"{first} comes with the manifest that records how it was made",
             f"run coprod {part} again into {reported / part}, with the options it was "
             "made with")
    assert (reported / "report.html").read_bytes() == report  # the earlier report stays


@pytest.mark.parametrize(("part", "first"), [("survey", "bootstrap.csv"), ("fit", "fit.csv")])
def test_a_manifest_without_its_table_is_refused_not_left_out(reported, capsys, part, first):
    capsys.readouterr()
    (reported / part / first).unlink()
    assert main(["report", "--out", str(reported)]) == 2
    one_line(capsys, f"{part}/{first}: missing file", "holds the manifest.json of a run")


def test_a_part_never_made_is_still_left_out(reported, capsys):
    shutil.rmtree(reported / "survey")
    assert main(["report", "--out", str(reported)]) == 0
    assert "coprod survey --out" in (reported / "report.html").read_text()  # "Left out"


def test_comparison_manifest_naming_other_scenarios_is_refused(small_compared, capsys):
    path = Path(small_compared) / "comparison_manifest.json"
    edit_json(path, lambda r: r.update(scenarios="zzz"))
    assert main(["report", "--out", str(small_compared)]) == 2
    one_line(capsys, "comparison_manifest.json: field 'scenarios'", '"zzz"',
             "the scenarios comparison.csv holds, in its order (baseline")


@pytest.mark.parametrize(("baseline", "shown"), [
    ("b" * 100_000, "100,002 characters"), (None, "null"), (7, "7"),
    ("ghost", '"ghost"')])  # a name, but of no scenario compared (helper-55)
def test_a_baseline_that_is_no_name_is_blamed_on_the_manifest(small_compared, capsys,
                                                               baseline, shown):
    path = Path(small_compared) / "comparison_manifest.json"
    edit_json(path, lambda r: r.update(baseline=baseline))
    assert main(["report", "--out", str(small_compared)]) == 2
    err = one_line(capsys, "comparison_manifest.json: field 'baseline'", shown,
                   "a scenario comparison.csv holds")
    assert "comparison.csv" not in err.split(";")[0]


def test_left_out_fit_of_ones_own_survey_names_a_folder_not_a_placeholder(tmp_path):
    import html
    import re
    import shlex

    assert main(["survey", "--data", "wave2025-synthetic", "--reps", "200",
                 "--out", str(tmp_path / "survey")]) == 0
    assert main(["report", "--out", str(tmp_path), "--data", "wave2025-synthetic"]) == 0
    page = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", (
        tmp_path / "report.html").read_text())))
    calibration = shlex.quote(str(tmp_path / "calibration"))
    assert (f"coprod calibrate --data wave2025-synthetic --out {calibration}, then coprod fit "
            f"--data wave2025-synthetic --posterior {calibration} --out") in page
    assert "--posterior DIR" not in page


@pytest.mark.parametrize(("change", "words"), [
    (lambda h: [c + "X" if c == "statutory_pull" else c for c in h],
     ("unknown column 'statutory_pullX'",)),
    (lambda h: [c for c in h if c != "trust_weight"], ("inputs missing", "trust_weight"))])
def test_an_inputs_header_renamed_or_cut_is_refused_not_dropped(small_compared, capsys,
                                                                change, words):
    import pandas as pd

    path = Path(small_compared) / "local_volunteer_policy" / "inputs.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    kept = change(list(frame.columns))
    frame = frame[[c.removesuffix("X") for c in kept]]
    frame.columns = kept
    frame.to_csv(path, index=False)
    capsys.readouterr()
    assert main(["compare", "--out", str(small_compared)]) == 2
    one_line(capsys, "local_volunteer_policy/inputs.csv: header", *words)


@pytest.mark.parametrize(("change", "words"), [
    (lambda r: r.update(trust_weight="0.4"), ("field 'trust_weight'", '"0.4"', "a number")),
    (lambda r: r.update(trust_weight=[0.4]), ("field 'trust_weight'", "[0.4]")),
    (lambda r: r.update(trust_weight=1e9), ("field 'trust_weight'", "a number from")),
    (lambda r: r.update(nonsense=1.0), ("field 'nonsense'", "unknown field"))])
def test_a_median_json_value_of_another_kind_is_refused(tmp_path, change, words):
    from calibration.posterior import load_posterior
    from sim.errors import InputError

    shipped = Path(__file__).resolve().parents[1] / "calibration" / "data" / "posterior"
    folder = Path(shutil.copytree(shipped, tmp_path / "posterior"))
    load_posterior(folder)  # as shipped, it reads
    edit_json(folder / "median.json", change)
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    text = str(err.value)
    assert "median.json" in text and "\n" not in text
    for word in words:
        assert word in text, text


# ---- helper-55: a hostile pass on the above ---------------------------------------------

def test_a_repeated_bootstrap_statistic_is_one_line_not_a_traceback(reported, capsys):
    path = reported / "survey" / "bootstrap.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    capsys.readouterr()
    assert main(["report", "--out", str(reported)]) == 2
    one_line(capsys, "survey/bootstrap.csv: row", "column 'statistic'", "repeated row",
             "each statistic once")


@pytest.mark.parametrize(("part", "field", "value", "words"), [
    ("survey", "synthetic", "yes", ("field 'synthetic'", '"yes"', "true or false")),
    ("fit", "command", "coprod fit " + "x" * 100_000, ("field 'command'", "too long")),
    ("survey", "data", "d" * 10_000, ("field 'data'", "too long"))])
def test_a_manifest_field_of_another_kind_or_size_is_refused(reported, capsys, part, field,
                                                             value, words):
    edit_json(reported / part / "manifest.json", lambda r: r.update({field: value}))
    capsys.readouterr()
    assert main(["report", "--out", str(reported)]) == 2
    one_line(capsys, f"{part}/manifest.json", *words)


def test_a_manifest_alone_is_named_not_taken_for_an_empty_folder(reported, capsys):
    shutil.rmtree(reported / "survey")
    (reported / "fit" / "fit.csv").unlink()
    capsys.readouterr()
    assert main(["report", "--out", str(reported)]) == 2
    one_line(capsys, "fit/fit.csv: missing file", "holds the manifest.json of a run")


def test_reproduce_names_the_folder_read_not_the_one_it_was_made_in(reported, tmp_path):
    import html
    import re

    copy = Path(shutil.copytree(reported, tmp_path / "copy"))
    assert main(["report", "--out", str(copy)]) == 0
    page = html.unescape(re.sub(r"<[^>]+>", " ", (copy / "report.html").read_text()))
    said = page[page.index("How to reproduce"):]
    assert f"--out {copy / 'fit'}" in said and f"--out {reported / 'fit'}" not in said


def _year_rows(folder: Path):
    import pandas as pd

    return pd.read_csv(folder / "effect_by_year.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("change", ["past the horizon", "a year lost", "a week moved"])
def test_year_rows_compare_never_writes_are_refused(small_compared, capsys, change):
    import pandas as pd

    folder = Path(small_compared)
    frame = _year_rows(folder)
    last = frame.year.astype(int).max()
    if change == "past the horizon":
        extra = frame[frame.year.astype(int) == last].iloc[[0]].copy()
        extra["year"], extra["week"] = str(last + 1), str(52 * (last + 1))
        frame = pd.concat([frame, extra])
        words = ("years other than compare writes", f"years 0 to {last}")
    elif change == "a year lost":
        first = frame.iloc[0]
        frame = frame[~((frame.scenario == first.scenario) & (frame.group == first.group)
                        & (frame.year.astype(int) == last))]
        words = ("years other than compare writes",)
    else:
        frame.loc[frame.index[frame.year.astype(int) == 0][0], "week"] = "3"
        words = ("column 'week'", "the week its year ends")
    frame.to_csv(folder / "effect_by_year.csv", index=False)
    capsys.readouterr()
    assert main(["report", "--out", str(folder)]) == 2
    one_line(capsys, "effect_by_year.csv", *words)


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_median_json_that_is_no_file_is_refused_not_passed_over(tmp_path, kind):
    from calibration.posterior import load_posterior
    from sim.errors import InputError

    shipped = Path(__file__).resolve().parents[1] / "calibration" / "data" / "posterior"
    folder = Path(shutil.copytree(shipped, tmp_path / "posterior"))
    (folder / "median.json").unlink()
    if kind == "folder":
        (folder / "median.json").mkdir()
    else:
        (folder / "median.json").symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(InputError, match=r"median\.json"):
        load_posterior(folder)


def test_a_repeated_inputs_column_is_named_as_the_file_writes_it(small_compared, capsys):
    path = Path(small_compared) / "local_volunteer_policy" / "inputs.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    at = header.index("trust_drift")
    header[at + 1] = "trust_drift"  # a neighbour renamed to it: pandas read 'trust_drift.1'
    path.write_text("\n".join([",".join(header), *lines[1:]]) + "\n")
    capsys.readouterr()
    assert main(["compare", "--out", str(small_compared)]) == 2
    err = one_line(capsys, "inputs.csv: header", "repeated column 'trust_drift'")
    assert "trust_drift.1" not in err


def test_a_dangling_manifest_link_is_not_taken_for_a_part_never_made(reported, capsys):
    (reported / "fit" / "fit.csv").unlink()
    (reported / "fit" / "manifest.json").unlink()
    (reported / "fit" / "manifest.json").symlink_to(reported / "nowhere.json")
    capsys.readouterr()
    assert main(["report", "--out", str(reported)]) == 2
    one_line(capsys, "fit/fit.csv: missing file")


@pytest.mark.parametrize("pattern", ["dropped_share:social", "volunteers_past_year_per_inhabitant",
                                     "activities_nursing_home_over_home_care"])
def test_a_consistent_flag_its_row_contradicts_is_refused(fitted, capsys, pattern):
    import pandas as pd

    from calibration.fit_check import FitCheck

    path = fitted / "fit_validation.csv"
    FitCheck.read(fitted)  # as written, it reads back
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = frame.index[frame.pattern == pattern][0]
    frame.loc[row, "consistent"] = "False" if frame.consistent[row] == "True" else "True"
    frame.to_csv(path, index=False)
    with pytest.raises(Exception, match="column 'consistent'"):
        FitCheck.read(fitted)
    assert main(["report", "--out", str(fitted.parent)]) == 2
    one_line(capsys, "fit_validation.csv: row", "column 'consistent'", pattern)


@pytest.mark.parametrize("runs", [1, 9, 10])
def test_a_band_of_too_few_runs_is_not_read_as_leaving_zero(runs):
    # helper-56: one paired run's "band" (a point) was said to leave zero and stay clear.
    import pandas as pd

    from scenarios.over_time import COLUMNS, MIN_BAND_RUNS, trajectory

    rows = [{"scenario": "p", "group": "adopters", "year": year, "calendar_year": 2015 + year,
             "week": 52 * year, "outcome": "share_together", "label": "", "difference_unit":
             "percentage points", "diff_median": -12.2, "diff_low_90": -12.3,
             "diff_high_90": -12.1, "runs": runs} for year in (0, 1, 2)]
    said = trajectory(pd.DataFrame(rows, columns=list(COLUMNS)), "p", "adopters",
                      "share_together", "among the adopters")
    assert ("leaves zero in year 1" in said) is (runs >= MIN_BAND_RUNS)
    assert ("too few runs" in said) is (runs < MIN_BAND_RUNS)
    assert f"{runs} paired run{'s' if runs > 1 else ''})" in said
