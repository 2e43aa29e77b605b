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

ROOT = Path(__file__).resolve().parents[1]


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


# ---- D6. manifests: seeds, commands, dates; runs that disagree with their record ------


@pytest.fixture(scope="module")
def simulation(tmp_path_factory):
    """``coprod.simulate`` of two weeks, written once for this module."""
    import coprod

    folder = tmp_path_factory.mktemp("simulation") / "simulation"
    coprod.simulate(steps=2, rng=1, out=folder)
    return folder


def _reader(kind: str):
    if kind == "survey":
        from calibration.survey_study import SurveyStudy
        return SurveyStudy
    from studies.simulation import Simulation
    return Simulation


@pytest.mark.parametrize("kind", ["survey", "simulation"])
@pytest.mark.parametrize(("field", "value", "words"), [
    ("seed", "1e400", ("seed", "2**63")), ("seed", "1", ("seed", '"1"')),
    ("seed", -1, ("seed", "-1")), ("seed", True, ("seed", "true")),
    ("seed", 2**70, ("seed", str(2**70))),
    ("command", "coprod fit --draws 10 --out x", ("command", "coprod fit")),
    ("date", "last tuesday", ("date", "ISO-8601")),
    ("date", "2026-13-45T00:00:00+00:00", ("date", "ISO-8601")),
])
def test_a_manifest_seed_command_or_date_coprod_never_writes_is_refused(
        request, tmp_path, kind, field, value, words):
    folder = Path(shutil.copytree(request.getfixturevalue(
        "small_survey" if kind == "survey" else kind), tmp_path / kind))
    path = folder / "manifest.json"
    _reader(kind).read(folder)  # as written, it reads back
    record = json.loads(path.read_text())
    record[field] = value
    text = json.dumps(record)
    if value == "1e400":
        text = text.replace('"1e400"', "1e400")  # a number past float range, as typed
    path.write_text(text + "\n")
    with pytest.raises(InputError) as err:
        _reader(kind).read(folder)
    text = library_refusal(err, "manifest.json", *words, "allowed")
    assert "malformed results" not in text


def _compare(folder: Path, capsys) -> tuple[int, str]:
    from coprod.main import main

    code = main(["compare", "--out", str(folder)])
    return code, capsys.readouterr().err


def test_compare_refuses_runs_whose_manifest_sizes_disagree(tiny_runs, capsys):
    edit_json(tiny_runs / "baseline" / "manifest.json", lambda r: r.update(draws=3))
    from coprod.main import main

    code = main(["compare", "--out", str(tiny_runs)])
    one_line_error(capsys, code, "baseline/manifest.json", "runs", "draws",
                   "assumption_draws", "replicates")


def test_compare_refuses_a_spelt_out_nan_in_outcomes(tiny_runs, capsys):
    path = tiny_runs / "baseline" / "outcomes.csv"
    rows = _rows(path)
    rows[0]["value"] = "nan"
    _write_rows(path, rows)
    from coprod.main import main

    code = main(["compare", "--out", str(tiny_runs)])
    one_line_error(capsys, code, "outcomes.csv", "line 2", "value", "'nan'", "blank")


def test_compare_says_which_model_versions_it_takes(tiny_runs, capsys):
    from coprod.main import main
    from sim.parameters import MODEL_VERSION

    for name in ("baseline", "local_volunteer_policy"):
        edit_json(tiny_runs / name / "manifest.json",
                  lambda r: r["versions"].update(model=99))
    code = main(["compare", "--out", str(tiny_runs)])
    err = one_line_error(capsys, code, "versions.model", "99",
                         f"from 1 to {MODEL_VERSION}")
    assert "malformed" not in err


def test_a_posterior_with_more_rows_than_recorded_is_not_called_truncated(tmp_path):
    from calibration.posterior import load_posterior

    folder = Path(shutil.copytree(ROOT / "calibration" / "data" / "posterior",
                                  tmp_path / "posterior"))
    lines = (folder / "posterior.csv").read_text().splitlines(keepends=True)
    (folder / "posterior.csv").write_text("".join([*lines, lines[-1]]))
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    text = library_refusal(err, "posterior.csv", f"{len(lines)} rows", "more rows")
    assert "truncated" not in text


# ---- a calibration's own fields --------------------------------------------------------

@pytest.fixture
def calibration_folder(tmp_path):
    """A copy of the shipped posterior's folder: a finished calibration to tamper with."""
    return Path(shutil.copytree(ROOT / "calibration" / "data" / "posterior",
                                tmp_path / "calibration"))


@pytest.mark.parametrize(("field", "value"), [
    ("populations", 0), ("populations", 2.5), ("populations", True),
    ("simulations", -1), ("simulations", "268402"),
    ("epsilons", "small"), ("epsilons", [1.0]), ("epsilons", [1.0, float("inf")]),
    ("effective_sample_size", "1e400"), ("effective_sample_size", 5000.0),
    ("effective_sample_size", -3), ("noise_level", -1), ("noise_level", "1.4"),
    ("settings", "fast"), ("settings", {"population_size": "1000"}),
    ("settings", {"population_size": 1000, "max_populations": 0, "max_simulations": 1,
                  "max_walltime_s": 1, "min_epsilon": None}),
    ("abc_inputs", ["no_such_input"]), ("prior_inputs", "trust_weight"),
    ("quick", "no"), ("run_id", -1), ("wall_time_s", "an hour"),
    # A whole number past any float was an OverflowError (runtime.fields.finite).
    ("wall_time_s", 10**400), ("noise_level", 10**400),
])
def test_a_calibrations_manifest_field_coprod_never_writes_is_refused(
        calibration_folder, field, value):
    from calibration.calibrated import Calibration

    Calibration.read(calibration_folder)  # as shipped, it reads back
    path = calibration_folder / "manifest.json"
    record = json.loads(path.read_text())
    if field == "epsilons" and value == [1.0]:
        assert record["populations"] > 1
    record[field] = value
    text = json.dumps(record).replace("Infinity", "1e400").replace('"1e400"', "1e400")
    path.write_text(text + "\n")
    with pytest.raises(InputError) as err:
        Calibration.read(calibration_folder)
    text = library_refusal(err, "manifest.json", field, "allowed")
    assert "malformed results" not in text


# ---- D7. what a refused command leaves ------------------------------------------------

@pytest.mark.parametrize("swap", ["link", "folder"])
def test_a_run_whose_out_was_swapped_leaves_no_side_store(tiny_runs, tmp_path, swap):
    """``--out`` moved away and replaced (by a link or a folder) while the runs ran."""
    from calibration.posterior import load_posterior
    from runtime.files import replaced_together
    from scenarios.ensemble import run_ensembles
    from scenarios.spec import load_scenario
    from scenarios.store import SIDE_STORE

    out, moved, other = tiny_runs, tmp_path / "moved", tmp_path / "other"
    sizes = {"draws": 1, "assumption_draws": 1, "replicates": 1, "horizon_weeks": 4}

    def swapped(directory, names, *, inside):
        # Just as the finished runs' files are to go into place.
        out.rename(moved)
        other.mkdir()
        out.symlink_to(other) if swap == "link" else out.mkdir()
        return replaced_together(directory, names, inside=inside)

    with pytest.raises(InputError) as err:
        run_ensembles([load_scenario("baseline").with_sizes(**sizes)], load_posterior(),
                      out, seed=9, force=True, progress=False, replace=swapped)
    library_refusal(err, "refusing to write")
    assert not list(moved.rglob(SIDE_STORE + "*"))
    assert (moved / "baseline" / "runs.sqlite").is_file()  # the earlier runs stay
    assert not list(other.rglob("*.sqlite"))
    # Nothing at all is made in the folder (or the link's target) put in --out's place.
    assert not list(other.iterdir())
    assert swap == "link" or not list(out.iterdir())


# ---- the report reads the shipped studies through the typed readers --------------------

@pytest.fixture
def shipped_studies(tmp_path):
    """A copy of the shipped studies (``calibration/data/validation``) to tamper with."""
    from calibration.posterior import shipped_study_file

    return Path(shutil.copytree(str(shipped_study_file("")), tmp_path / "validation"))


@pytest.mark.parametrize(("table", "record"), [
    ("leave_one_out.csv", "leave_one_out_manifest.json"),
    ("recovery.csv", "recovery_manifest.json"),
    ("policy_recovery_summary.csv", "recovery_manifest.json"),
    ("ablation.csv", "ablation_manifest.json"),
    ("design.csv", "design_manifest.json"),
])
def test_the_report_refuses_a_shipped_study_cut_at_a_line_break(shipped_studies, table,
                                                                  record):
    from coprod.report_studies import studies_context

    studies_context(shipped_studies)  # as shipped, it reads
    lines = (shipped_studies / table).read_text().splitlines(keepends=True)
    (shipped_studies / table).write_text("".join(lines[:-1]))
    with pytest.raises(InputError) as err:
        studies_context(shipped_studies)
    library_refusal(err, table, f"{len(lines) - 2} rows", "expected")


@pytest.mark.parametrize(("record", "field", "value"), [
    ("leave_one_out_manifest.json", "seed", -1),
    ("ablation_manifest.json", "mechanisms", ["no_such"]),
    ("recovery_manifest.json", "truths", "20"),
    ("design_manifest.json", "worlds", 0),
    ("design_manifest.json", "command", "coprod fit --out x"),
    # A bad duration was left out of the report without a word.
    ("leave_one_out_manifest.json", "wall_time_total_s", -5),
    ("ablation_manifest.json", "wall_time_total_s", "an hour"),
    ("recovery_manifest.json", "wall_time_total_s", 1e9),
    # How the time is counted: "yes" was read as resumed, a list as no calibrations.
    ("recovery_manifest.json", "resumed", "yes"),
    ("ablation_manifest.json", "resumed", 1),
    ("leave_one_out_manifest.json", "calibrations", [[1]]),
])
def test_the_report_refuses_a_shipped_studys_manifest_field(shipped_studies, record, field,
                                                           value):
    from coprod.report_studies import studies_context

    edit_json(shipped_studies / record, lambda r: r.update({field: value}))
    with pytest.raises(InputError) as err:
        studies_context(shipped_studies)
    library_refusal(err, record, field, "allowed")


def test_the_report_refuses_a_shipped_table_with_an_escape_in_a_number(shipped_studies):
    from coprod.report_studies import studies_context

    rows = _rows(shipped_studies / "ablation.csv")
    rows[1]["model_probability_full"] = "0.5\x1b[2J"
    _write_rows(shipped_studies / "ablation.csv", rows)
    with pytest.raises(InputError) as err:
        studies_context(shipped_studies)
    assert "\x1b" not in library_refusal(err, "ablation.csv", "model_probability_full")


@pytest.mark.parametrize("name", ["manifest.json", "fit_draws.json"])
def test_a_fit_without_its_record_says_how_to_make_it_again(fitted, name):
    # Read back as coprod's own: missing, it is made again, not "given" by the user.
    from calibration.fit_check import FitCheck

    (fitted / name).unlink()
    with pytest.raises(InputError) as err:
        FitCheck.read(fitted)
    said = str(err.value)
    assert f"{name}: missing file" in said and "make it again with 'coprod fit" in said
    assert "give an existing file" not in said
