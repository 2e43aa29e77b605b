"""Results folders that no longer agree with themselves (issue 29, the leftovers).

A comparison whose rows of groups of municipalities disagree with what its runs
recorded; a comparison made from other runs than the folder holds now; a plain run that
would drop the runs a cut-short ``--force`` kept; outcome values out of their range;
population names, row counts and fit values that are malformed. Each is one line naming
the file, the field and what is allowed, with a non-zero exit and no traceback, and
nothing already computed is lost.
"""

import csv
import json
import math
import shutil
from pathlib import Path

import pytest

from coprod.main import main
from tests.conftest import SMALL_RUN as SMALL
from tests.conftest import SMALL_SEED, TINY_RUN, edit_json
from tests.conftest import refusal as _one_line

OWN = str(Path(__file__).resolve().parents[1] / "docs" / "examples" / "municipality.toml")




@pytest.fixture(scope="module")
def own_once(tmp_path_factory):
    """Two scenarios run with one's own municipality, compared and reported once (one run
    each: what is checked here is read alike at any size, but for the attribution)."""
    out = tmp_path_factory.mktemp("own") / "scenarios"
    assert main(["run", "baseline", "local_volunteer_policy", *TINY_RUN, "--seed", "3",
                 "--municipality", OWN, "--workers", "1", "--out", str(out)]) == 0
    assert main(["compare", "--out", str(out)]) == 0
    assert main(["report", "--out", str(out)]) == 0
    return out


@pytest.fixture
def own(own_once, tmp_path):
    return Path(shutil.copytree(own_once, tmp_path / "scenarios"))


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


# --- N3. Who adopts is read from the runs, not from which rows comparison.csv holds ------

def test_deleted_like_yours_adopter_rows_are_refused_not_read_as_none_adopting(own, capsys):
    capsys.readouterr()
    path = own / "comparison.csv"
    _write_rows(path, [r for r in _rows(path) if not r[1].startswith("like_yours_adopters:")])
    report = (own / "report.html").read_bytes()
    assert main(["report", "--out", str(own)]) == 2
    _one_line(capsys, "comparison.csv: scenario local_volunteer_policy",
              "no rows for 'like_yours_adopters:...'", "rerun 'coprod compare")
    assert (own / "report.html").read_bytes() == report  # the earlier report stays


def test_a_manifest_saying_adopters_own_contradicts_like_yours_adopters(own, capsys):
    capsys.readouterr()
    edit_json(own / "local_volunteer_policy" / "manifest.json",
               lambda r: r["overrides"].update(adopters=1))
    # The comparison is then of other runs: said first. With the digest made to agree,
    # the recorded like-yours adopters contradict --adopters own.
    from scenarios.compare import manifest_digest

    record = json.loads((own / "local_volunteer_policy" / "manifest.json").read_text())
    edit_json(own / "comparison_manifest.json", lambda r: r["run_manifests"].update(
        local_volunteer_policy=manifest_digest(record)))
    assert main(["report", "--out", str(own)]) == 2
    _one_line(capsys, "field 'areas', scenario local_volunteer_policy",
              "--adopters own")


def test_the_reports_remedies_name_its_own_folder(own, capsys):
    # They said 'coprod compare --out DIR/scenarios' or 'coprod demo --out DIR': pasted,
    # a placeholder wrote into ./DIR.
    capsys.readouterr()
    rows = _rows(own / "comparison.csv")
    _write_rows(own / "comparison.csv", [*rows, rows[1]])
    assert main(["report", "--out", str(own)]) == 2
    text = _one_line(capsys, "repeated row", f"to make it again, run coprod compare again "
                     f"into {own}, with the options it was made with (its "
                     "comparison_manifest.json's 'command', while readable), or 'coprod "
                     f"demo --out {own.parent}'")
    assert "DIR" not in text
    _write_rows(own / "comparison.csv", rows)
    edit_json(own / "baseline" / "manifest.json", lambda r: r.update(scenario="other"))
    assert main(["report", "--out", str(own)]) == 2
    # The runs' options are the user's: said in words, not a placeholder command
    # ('coprod run ... --out DIR', pasted, ran a scenario named '...').
    text = _one_line(capsys, "another scenario than its folder", "to make it again, run "
                     f"baseline again with coprod run into {own}, with the options it "
                     "was made with (its manifest.json's 'command', while readable)")
    assert "'coprod run" not in text


def test_a_lost_outcomes_table_is_made_again_with_its_runs_options(own, capsys):
    # It said "make it with 'coprod run baseline --out X'", which is refused there (the
    # runs' options differ): the options are the user's, said in words; followed, it works.
    capsys.readouterr()
    (own / "baseline" / "outcomes.csv").unlink()
    assert main(["compare", "--out", str(own)]) == 2
    text = _one_line(capsys, "no run finished", f"to make it again, run baseline again "
                     f"with coprod run into {own}, with the options it was made with",
                     "adding --resume")
    assert "'coprod run" not in text
    assert main(["run", "baseline", *TINY_RUN, "--seed", "3", "--municipality", OWN,
                 "--workers", "1", "--resume", "--out", str(own)]) == 0
    assert main(["compare", "--out", str(own)]) == 0


def test_a_lost_municipalities_table_is_refused_not_read_as_no_adopters(own, capsys):
    # Deleted, compare went on without every adopters: row (and the report showed that
    # comparison), exit 0; refused, the earlier comparison stays.
    capsys.readouterr()
    before = (own / "comparison.csv").read_bytes()
    (own / "local_volunteer_policy" / "municipalities.csv").unlink()
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, "municipalities.csv: missing file", "its manifest.json records",
              "adding --resume")
    assert (own / "comparison.csv").read_bytes() == before


def test_a_damaged_identity_seed_is_named_in_its_own_manifest(own, capsys):
    # It was compared first: "local_volunteer_policy/manifest.json: seed 3 differs from
    # baseline's 'zzz'" blamed the sound record, with a --seed no run can take.
    capsys.readouterr()
    edit_json(own / "baseline" / "manifest.json", lambda r: r["identity"].update(seed="zzz"))
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, "baseline/manifest.json: identity.seed", "'zzz'",
              "allowed: a whole number >= 0")


@pytest.mark.parametrize("field", ["surveys", "overrides"])
def test_a_manifest_field_of_another_kind_is_refused(own, capsys, field):
    # Each read as nothing recorded: compare and report exit 0.
    capsys.readouterr()
    edit_json(own / "local_volunteer_policy" / "manifest.json",
              lambda r: r.update({field: "zzz"}))
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, f"local_volunteer_policy/manifest.json: {field}", "'zzz'", "allowed")


def test_a_broken_figure_names_the_command_that_made_it(own, capsys):
    # It named the report's staging folder ('coprod demo --out X/.new-outputs.…'):
    # pasted, a whole demo went there, and the next report deleted it.
    capsys.readouterr()
    png = sorted(own.glob("*.png"))[0]
    png.write_bytes(png.read_bytes()[:5])
    assert main(["report", "--out", str(own)]) == 2
    text = _one_line(capsys, f"{png.name}: not a PNG image", "to make it again, run coprod "
                     f"compare again into {own}, with the options", f"'coprod demo --out "
                     f"{own.parent}'")
    assert ".new-outputs" not in text


# --- N4. A comparison of other runs than the folder holds now ---------------------------

@pytest.mark.slow  # a run, two reports and a comparison again: run by `make test-slow`
def test_report_refuses_a_comparison_after_one_scenario_was_run_again(tiny_compared, capsys):
    # Which runs a comparison was made from is the same question at any size: one run
    # per scenario (a comparison run again without attribution is seconds cheaper).
    out = tiny_compared
    capsys.readouterr()
    report = (out / "report.html").read_bytes()
    assert main(["run", "local_volunteer_policy", *TINY_RUN, "--seed", str(SMALL_SEED),
                 "--workers", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", "--out", str(out)]) == 2
    _one_line(capsys, "made from other runs of 'local_volunteer_policy'",
              f"rerun 'coprod compare --out {out}'")
    assert (out / "report.html").read_bytes() == report
    assert main(["compare", "--out", str(out)]) == 0
    assert main(["report", "--out", str(out)]) == 0


def test_report_refuses_a_comparison_whose_runs_no_longer_pair(own, capsys):
    """A --force of one scenario with another seed (or a kill between two swaps)."""
    capsys.readouterr()
    assert main(["run", "local_volunteer_policy", *TINY_RUN, "--seed", "4", "--municipality",
                 OWN, "--workers", "1", "--force", "--out", str(own)]) == 0
    capsys.readouterr()
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, "seed 4 differs from baseline's 3")
    assert main(["report", "--out", str(own)]) == 2
    _one_line(capsys, "comparison.csv no longer matches the runs", "seed 4 differs",
              "then rerun 'coprod compare")


def test_a_comparison_without_its_record_of_runs_is_refused(own, capsys):
    capsys.readouterr()
    edit_json(own / "comparison_manifest.json", lambda r: r.pop("run_manifests"))
    assert main(["report", "--out", str(own)]) == 2
    _one_line(capsys, "comparison_manifest.json: field 'run_manifests'",
              "rerun 'coprod compare")


# --- N5. Runs a cut-short --force kept are not dropped without a word -------------------

def _cut_short(monkeypatch, after: int):
    import scenarios.store as store

    real, calls = store.RunStore.add, []

    def killed(self, *a, **kw):  # Ctrl-C after `after` new runs are stored
        if len(calls) == after:
            raise KeyboardInterrupt
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(store.RunStore, "add", killed)
    return lambda: monkeypatch.setattr(store.RunStore, "add", real)


def _force_cut_short(tmp_path, monkeypatch, capsys):
    """A folder of seed-3 results whose --force with seed 4 was cut short after 2 runs."""
    import scenarios.store as store

    out = tmp_path / "runs"
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--out", str(out)]) == 0
    restore = _cut_short(monkeypatch, 2)
    assert main(["run", "baseline", *SMALL, "--seed", "4", "--force", "--workers", "1",
                 "--out", str(out)]) == 130
    restore()
    capsys.readouterr()
    return out, out / "baseline" / store.SIDE_STORE


def test_a_plain_run_refuses_to_drop_the_runs_of_a_cut_short_force(tmp_path, capsys,
                                                                   monkeypatch):
    out, side = _force_cut_short(tmp_path, monkeypatch, capsys)
    kept = side.read_bytes()
    # The folder's original options: the side store's 2 runs went without a word.
    for extra in ([], ["--resume"]):  # --resume of the main store left them behind
        assert main(["run", "baseline", *SMALL, "--seed", "3", *extra,
                     "--out", str(out)]) == 2
        _one_line(capsys, str(side), "'2 runs'", "seed 4 (now 3)",
                  "--resume --force", "add --force or remove that file")
        assert side.read_bytes() == kept
    # The options they were made with continue them.
    assert main(["run", "baseline", *SMALL, "--seed", "4", "--resume", "--force",
                 "--out", str(out)]) == 0
    assert "2 stored runs reused" in capsys.readouterr().out
    assert not side.exists()


def test_force_drops_the_runs_of_a_cut_short_force_and_says_so(tmp_path, capsys,
                                                               monkeypatch):
    out, side = _force_cut_short(tmp_path, monkeypatch, capsys)
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--resume", "--force",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"note: {side}: dropped the 2 runs" in captured.err, captured.err
    assert "--force replaces them" in captured.err
    assert not side.exists()  # nothing left behind either


def test_a_plain_rerun_of_the_cut_short_command_names_resume(tmp_path, capsys, monkeypatch):
    import scenarios.store as store

    out = tmp_path / "runs"
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--out", str(out)]) == 0
    restore = _cut_short(monkeypatch, 1)
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--workers", "1",
                 "--out", str(out)]) == 130
    restore()
    capsys.readouterr()
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--out", str(out)]) == 2
    _one_line(capsys, store.SIDE_STORE, "add --resume")
    # Removing the side store drops its runs, as the line says.
    (out / "baseline" / store.SIDE_STORE).unlink()
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--out", str(out)]) == 0


# --- N6. Outcome values out of their range --------------------------------------------

@pytest.mark.parametrize(("outcome", "value"), [
    ("share_together", "5"),  # was "+399 points"
    ("share_together", "1e308"),  # was numpy RuntimeWarnings with source lines
    ("share_municipality", "-0.2"),
    ("active_volunteers", "-3"),
    ("active_volunteers", "1e308"),
    ("class:shared", "2"),
    ("mean_trust", "1.5"),
])
def test_compare_refuses_an_outcome_value_out_of_its_range(own, capsys, outcome, value):
    capsys.readouterr()
    path = own / "local_volunteer_policy" / "outcomes.csv"
    rows = _rows(path)
    line = next(i for i, r in enumerate(rows) if r[4] == outcome)
    rows[line][5] = value
    _write_rows(path, rows)
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, f"outcomes.csv: line {line + 1}, column value", repr(value),
              f"for outcome '{outcome}'", "from 0 to 1" if outcome != "active_volunteers"
              else "from 0 to 1e+12")


def test_compare_refuses_a_municipality_value_out_of_its_range(own, capsys):
    capsys.readouterr()
    path = own / "local_volunteer_policy" / "municipalities.csv"
    rows = _rows(path)
    rows[1][rows[0].index("switched")] = "7"
    _write_rows(path, rows)
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, "municipalities.csv: line 2, column switched", "allowed: 0 or 1")


def test_compare_refuses_a_reading_that_is_none_of_the_policys(own, capsys):
    capsys.readouterr()  # was an IndexError traceback
    path = own / "local_volunteer_policy" / "inputs.csv"
    rows = _rows(path)
    rows[1][rows[0].index("policy_reading")] = "9"
    _write_rows(path, rows)
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, "inputs.csv: line 2, column policy_reading", "'9'",
              "one of 0 (division), 1 (sharing), 2 (control)")


# --- The report's other files: ranges per outcome -------------------------------------

@pytest.mark.parametrize(("file", "match", "column", "value", "said"), [
    ("comparison.csv", ("local_volunteer_policy", "share_together"), "diff_high_90", "3",
     "a change of a share, trust or class: -1 to 1"),  # was "+300 points"
    ("comparison.csv", ("baseline", "own:share_together"), "high_90", "1.5",
     "from 0 to 1 for a share"),
    ("comparison.csv", ("local_volunteer_policy", "share_together"), "paired_runs", "-3",
     "from 0 to 1e+09"),
    ("effect_by_year.csv", ("local_volunteer_policy", "share_together"), "diff_median",
     "500", "-100 to 100 percentage points"),  # values in points there
    ("effect_by_year.csv", ("local_volunteer_policy", "share_together"), "runs", "-4",
     "from 0 to 1e+09"),
    ("effect_by_year.csv", ("local_volunteer_policy", "share_together"), "year", "1.5",
     "allowed: a whole number"),
    ("attribution.csv", ("local_volunteer_policy", "share_together"), "share", "5",
     "from 0 to 1"),  # was "500%"
])
def test_report_refuses_a_value_out_of_its_outcomes_range(request, capsys, file, match,
                                                          column, value, said):
    # An attribution is made of two runs or more: that file is read from the small
    # comparison, the others from one's own municipality's (one run each).
    folder = request.getfixturevalue("small_compared" if file == "attribution.csv"
                                     else "own")
    capsys.readouterr()
    path = folder / file
    rows = _rows(path)
    at = rows[0].index("outcome")
    line = next(i for i, r in enumerate(rows) if r[0] == match[0] and r[at] == match[1])
    rows[line][rows[0].index(column)] = value
    _write_rows(path, rows)
    assert main(["report", "--out", str(folder)]) == 2
    _one_line(capsys, f"{file}: row {line + 1}, column '{column}'", said)


def test_report_refuses_a_comparison_whose_first_rows_are_not_the_baselines(own, capsys):
    capsys.readouterr()
    path = own / "comparison.csv"
    rows = _rows(path)
    policy = [r for r in rows[1:] if r[0] == "local_volunteer_policy"]
    _write_rows(path, [rows[0], *policy, *(r for r in rows[1:] if r not in policy)])
    assert main(["report", "--out", str(own)]) == 2
    _one_line(capsys, "comparison.csv: row 2, column 'scenario'",
              "another scenario than the baseline first")


# --- Minor: manifests' population names and row counts --------------------------------

@pytest.mark.parametrize("population", ["nowhere", "survey2015+municipality:{bad",
                                        "norway\u001b[31m"])
@pytest.mark.parametrize("command", ["compare", "report"])
def test_a_bad_population_name_names_the_manifest(own, capsys, population, command):
    capsys.readouterr()
    for name in ("baseline", "local_volunteer_policy"):
        edit_json(own / name / "manifest.json", lambda r: r.update(population=population))
    assert main([command, "--out", str(own)]) == 2
    err = _one_line(capsys, "baseline/manifest.json: field 'population'",
                    "survey2015, norway")
    assert "\x1b" not in err


@pytest.mark.parametrize("value", ["200", -5, 2.5, True])
def test_a_malformed_municipality_count_blames_the_manifest(own, capsys, value):
    capsys.readouterr()
    edit_json(own / "local_volunteer_policy" / "manifest.json",
               lambda r: r.update(municipality_rows=value))
    assert main(["compare", "--out", str(own)]) == 2
    _one_line(capsys, "local_volunteer_policy/manifest.json: field 'municipality_rows'",
              "a whole number >= 0")


# --- Minor: fit.csv's booleans; standard JSON; median.json's model version -------------

@pytest.mark.parametrize(("file", "column"), [("fit.csv", "inside"),
                                              ("fit_n.csv", "inside"),
                                              ("fit_validation.csv", "consistent")])
def test_a_fit_flag_that_is_not_true_or_false_is_named_so(fitted, capsys, file, column):
    capsys.readouterr()
    path = fitted / file
    rows = _rows(path)
    rows[1][rows[0].index(column)] = "maybe"
    _write_rows(path, rows)
    assert main(["report", "--out", str(fitted.parent)]) == 2
    _one_line(capsys, f"{file}: row 2, column '{column}'", "'maybe'",
              "allowed: True or False")


def test_a_manifest_is_standard_json_with_null_for_nan(tmp_path):
    from runtime.manifests import write_manifest

    path = write_manifest(tmp_path / "manifest.json", {
        "noise_level": float("nan"), "runs": [1.0, float("inf")], "ok": 0.5})

    def refuse(constant):  # NaN, Infinity: not JSON
        raise AssertionError(f"{constant} in {path.read_text()}")

    record = json.loads(path.read_text(), parse_constant=refuse)
    assert record == {"noise_level": None, "runs": [1.0, None], "ok": 0.5}


def test_a_kept_calibration_record_with_null_or_nan_is_read(tmp_path):
    from studies.calibrations import RECORD_FILE, calibration_record

    for text in ("null", "NaN"):  # written now, written before
        (tmp_path / RECORD_FILE).write_text(
            '{"epsilons": [1.0, 0.5], "simulations": 10, "populations": 2, '
            f'"noise_level": {text}}}')
        record = calibration_record(tmp_path, "coprod validate")
        assert record["simulations"] == 10 and record["reused"]
        assert record["noise_level"] is None or math.isnan(record["noise_level"])


@pytest.mark.parametrize("value", ["four", "0", True, -2])
def test_a_bad_model_version_in_median_json_is_named_as_median_json_writes_it(
        tmp_path, value):
    from calibration.posterior import MEDIAN_VERSION_KEY, load_posterior
    from sim.errors import InputError

    shipped = Path(__file__).resolve().parents[1] / "calibration" / "data" / "posterior"
    folder = Path(shutil.copytree(shipped, tmp_path / "posterior"))
    edit_json(folder / "median.json", lambda r: r.update({MEDIAN_VERSION_KEY: value}))
    with pytest.raises(InputError, match=f"median.json: field '{MEDIAN_VERSION_KEY}'"):
        load_posterior(folder)


@pytest.mark.parametrize(("value", "said"), [
    ("abc", "a finite number or blank"),
    # each case is a whole comparison: the second runs by `make test-slow`
    pytest.param("1e308", "a number from 0 to 1", marks=pytest.mark.slow)])
def test_a_bad_timeseries_value_leaves_a_gap_and_says_where(tiny_runs, capsys, value, said):
    # The weekly series is read alike at any size: one run per scenario will do.
    capsys.readouterr()  # "abc" was a TypeError traceback; 1e308 a figure off the scale
    path = tiny_runs / "local_volunteer_policy" / "timeseries.csv"
    rows = _rows(path)
    rows[1][rows[0].index("share_together")] = value
    _write_rows(path, rows)
    assert main(["compare", "--out", str(tiny_runs)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    note = next(line for line in captured.err.splitlines() if "timeseries.csv" in line)
    assert "line 2, column share_together" in note and said in note
    assert "no line in timeseries.png" in note


@pytest.mark.parametrize(("file", "change", "said"), [
    ("fit.csv", lambda rows: [*rows[:-1], rows[1]], "repeated 'social, municipality'"),
    ("fit.csv", lambda rows: [rows[0], ["<b>x</b>", *rows[1][1:]], *rows[2:]],
     "column 'activity': invalid value '<b>x</b>'; allowed: one of social"),
    # As the fit check reads them back: the report showed "18 of 18" for both.
    ("fit.csv", lambda rows: [rows[0], [*rows[1][:6], "0.99", *rows[1][7:]], *rows[2:]],
     "row 2, columns 'sim_low_90' and 'sim_high_90'"),
    ("fit.csv", lambda rows: [rows[0], [*rows[1][:-1], {"True": "False", "False": "True"}[
        rows[1][-1]]], *rows[2:]], "row 2, column 'inside': a flag its row contradicts"),
    # The observed side as the survey the manifest records gives it (Table 2 here).
    ("fit.csv", lambda rows: [rows[0], [*rows[1][:2], "0.35", *rows[1][3:]], *rows[2:]],
     "row 2, column 'observed': not the survey's: '0.35'; allowed: 0.346535, Table 2's "
     "share of social coordinated by municipality"),
    ("fit.csv", lambda rows: [rows[0], [rows[4][0], *rows[1][1:]], *rows[2:4],
                              [rows[1][0], *rows[4][1:]], *rows[5:]],
     "row 2, column 'observed': not the survey's"),
    ("fit_n.csv", lambda rows: [rows[0], [rows[1][0], "102", *rows[1][2:]], *rows[2:]],
     "row 2, column 'observed': not the survey's: '102'; allowed: 101"),
    ("fit_n.csv", lambda rows: [rows[0], [rows[1][0], "1e308", *rows[1][2:]], *rows[2:]],
     "column 'observed'"),
])
def test_report_refuses_a_fit_table_of_other_cells_or_counts(fitted, capsys, file, change,
                                                             said):
    capsys.readouterr()
    path = fitted / file
    _write_rows(path, change(_rows(path)))
    assert main(["report", "--out", str(fitted.parent)]) == 2
    _one_line(capsys, file, said)


def test_an_outcomes_table_too_large_says_how_to_make_it_again(tiny_runs, capsys):
    # Refused in one line, but with no way on (every other table of a run names one).
    from runtime.files import MAX_TABLE_BYTES

    capsys.readouterr()
    path = tiny_runs / "local_volunteer_policy" / "outcomes.csv"
    with path.open("r+b") as fh:
        fh.truncate(MAX_TABLE_BYTES + 1)  # (sparse: nothing written)
    assert main(["compare", "--out", str(tiny_runs)]) == 2
    _one_line(capsys, "outcomes.csv", "too large", "to make it again, run "
              "local_volunteer_policy again with coprod run into")


def test_a_level_is_offered_by_the_name_a_file_writes(tmp_path, capsys):
    # "allowed: 0 (all), 1 (own)": the file and README write "own".
    scenario = tmp_path / "mine.toml"
    scenario.write_text('name = "mine"\ndescription = "x"\n[set]\npolicy_share = 1.0\n'
                        'adopters = "mine"\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "runs")]) == 2
    _one_line(capsys, "key 'set.adopters'", "'mine'", 'allowed: "all" (0), "own" (1)')


def test_a_scenario_file_of_one_municipality_alone_needs_it_before_any_run(tmp_path, capsys):
    # `[set] adopters = "own"` without --municipality began the runs, failed each, exit 1.
    scenario = tmp_path / "only_us.toml"
    scenario.write_text('name = "only_us"\ndescription = "Only us."\n[set]\npolicy_share = 1.0\n'
                        'adopters = "own"\n')
    out = tmp_path / "runs"
    assert main(["run", str(scenario), "--draws", "1", "--assumption-draws", "1",
                 "--replicates", "1", "--out", str(out)]) == 2
    _one_line(capsys, "only_us.toml: set.adopters", "nobody to adopt", "--municipality")
    assert not out.exists()
    # With a municipality, but a lever that acts on every municipality: refused before
    # any run too, naming the file (it named --adopters, not given, after "Running").
    wide = tmp_path / "wide.toml"
    wide.write_text('name = "wide"\ndescription = "Forums, us alone."\n[set]\n'
                    'forum_intensity = 1.0\nadopters = "own"\n')
    assert main(["run", str(wide), "--municipality", OWN, "--draws", "1",
                 "--assumption-draws", "1", "--replicates", "1", "--out", str(out)]) == 2
    text = _one_line(capsys, "wide.toml: set.adopters", "forum_intensity",
                     'run it with --adopters all (or set adopters = "all" in its file)')
    assert "Running" not in text and not out.exists()
    # ... and --adopters all, as said, overrides the file: every municipality's forums
    # (before, the file's "own" won whatever the command line asked, and was refused).
    assert main(["run", str(wide), "--municipality", OWN, "--adopters", "all", "--draws",
                 "1", "--assumption-draws", "1", "--replicates", "1", "--horizon", "4",
                 "--out", str(out)]) == 0
    made = json.loads((out / "wide" / "manifest.json").read_text())
    assert made["overrides"] == {"forum_intensity": 1.0, "adopters": 0.0}  # as "all" says
    # Said in the file, or on the command line too: the same runs, resumed as such.
    wide.write_text(wide.read_text().replace('"own"', '"all"'))
    assert main(["run", str(wide), "--adopters", "all", "--draws", "1", "--assumption-draws",
                 "1", "--replicates", "1", "--horizon", "4", "--resume", "--municipality",
                 OWN, "--out", str(out)]) == 0
    # The screening runs the 2015 sample: nobody's own, said before its runs.
    assert main(["sensitivity", "--scenario", str(scenario), "--trajectories", "2",
                 "--out", str(tmp_path / "screen")]) == 2
    _one_line(capsys, "only_us.toml: set.adopters", "nobody to adopt",
              "the screening runs the 2015 sample", 'set adopters = "all" in its file')


def test_a_fit_check_read_back_holds_the_observed_survey(fitted):
    # FitCheck.read accepted an observed share edited or moved to another cell.
    from calibration.fit_check import FitCheck
    from sim.errors import InputError

    FitCheck.read(fitted)  # as written: read back
    rows = _rows(fitted / "fit.csv")
    rows[2][2] = "0.5"
    _write_rows(fitted / "fit.csv", rows)
    with pytest.raises(InputError, match=r"fit.csv: row 3, column 'observed': not the "
                                         r"survey's: '0.5'; allowed: 0.415842"):
        FitCheck.read(fitted)


def test_the_reports_next_step_is_a_command_to_paste_whatever_the_folder(tiny_runs, capsys):
    # "make it with 'coprod compare --out 'z'"'"'q/scenarios''": quotes in quotes.
    import shlex

    folder = tiny_runs.parent / "z'q"
    folder.mkdir()
    shutil.move(tiny_runs, folder / "scenarios")
    (folder / "scenarios" / "comparison.csv").unlink(missing_ok=True)
    assert main(["report", "--out", str(folder)]) == 2
    text = _one_line(capsys, "not compared yet; make it with “coprod compare --out")
    command = text.split("“", 1)[1].split("”", 1)[0]
    assert shlex.split(command) == ["coprod", "compare", "--out", str(folder / "scenarios")]
