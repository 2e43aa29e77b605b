"""Results folders tampered with or cut short (issue 29, the rest): comparison.csv's class
intervals, the comparison's manifest, the year-by-year files, a killed --force, README's
recorded values, scenario manifests' names, and a demo stopped early.

Each bad value is one line naming the file, the field and what is allowed, with a
non-zero exit and no traceback; nothing already computed is lost.
"""

import json
from pathlib import Path

import pytest

from coprod.main import main
from sim.errors import InputError
from tests.conftest import SMALL_RUN as SMALL
from tests.conftest import edit_json
from tests.conftest import refusal as _one_line


@pytest.fixture
def compared(small_compared):
    """A comparison with intervals and an attribution, reported (a copy of conftest's)."""
    return small_compared


def _set_cell(path: Path, match, column: str, value: str) -> None:
    """Set ``column`` of the first data row for which ``match(cells)`` holds."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    for i, line in enumerate(lines[1:], 1):
        cells = line.split(",")
        if match(dict(zip(header, cells, strict=False))):
            cells[header.index(column)] = value
            lines[i] = ",".join(cells)
            break
    else:
        raise AssertionError("no row matched")
    path.write_text("\n".join(lines) + "\n")


# --- 1. comparison.csv: a class's probability and its interval --------------------------

@pytest.mark.parametrize(("column", "value", "said"), [
    ("mean_low_90", "0.99", "allowed: at most mean"),  # low above the estimate or high
    ("mean_high_90", "5", "a number from 0 to 1"),  # "500%"
    ("mean_low_90", "-3", "a number from 0 to 1"),  # "−300%"
    ("mean_high_90", "inf", "a number from 0 to 1"),
    ("mean_low_90", "abc", "a number from 0 to 1"),
    ("mean", "7", "a class's probability"),
    ("diff_low_90", "1e6", "at most diff_high_90"),
])
def test_report_refuses_a_class_interval_out_of_bounds(compared, capsys, column, value, said):
    report = (compared / "report.html").read_bytes()
    _set_cell(compared / "comparison.csv",
              lambda r: r["outcome"].startswith("class:") and r["scenario"] == "baseline"
              and r["mean_low_90"] not in ("", None), column, value)
    assert main(["report", "--out", str(compared)]) == 2
    _one_line(capsys, "comparison.csv: row", f"column '{column}'", said)
    assert (compared / "report.html").read_bytes() == report  # the earlier report stays


# --- 2. comparison_manifest.json's years; a manifest's posterior ------------------------

@pytest.mark.parametrize(("years", "said"), [
    (7, "allowed: a string"), (["a", "b"], "allowed: a string"),
    ("x" * 5_000_000, "too long: '5,000,000 characters'")])
def test_report_refuses_a_tampered_years_field(compared, capsys, years, said):
    edit_json(compared / "comparison_manifest.json", lambda r: r.update(years=years))
    assert main(["report", "--out", str(compared)]) == 2
    _one_line(capsys, "comparison_manifest.json: field 'years'", said)


def test_compare_and_report_agree_on_a_posterior_that_is_not_text(compared, capsys):
    edit_json(compared / "local_volunteer_policy" / "manifest.json",
               lambda r: r.update(posterior=7))
    assert main(["report", "--out", str(compared)]) == 2
    _one_line(capsys, "manifest.json: field 'posterior'", "a string")
    assert main(["compare", "--out", str(compared)]) == 2
    _one_line(capsys, "manifest.json: posterior", "a text")


@pytest.mark.slow  # a whole comparison for one line of the manifest: `make test-slow`
def test_a_baseline_without_its_posterior_is_said(tiny_runs, capsys):
    edit_json(tiny_runs / "baseline" / "manifest.json", lambda r: r.pop("posterior"))
    assert main(["compare", "--out", str(tiny_runs)]) == 0
    assert "the manifest.json of baseline records no posterior" in capsys.readouterr().err


# --- 3. municipalities_by_year.csv --------------------------------------------------------
# Year files are read alike at any size: these use one run per scenario (4 weeks: the
# snapshot, year 0, and the horizon, year 1), which a comparison reaches in a second.

@pytest.mark.parametrize(("column", "value", "said"), [
    ("year", "9", "past the horizon: 9; allowed: 0 to 1"),
    ("week", "900", "past the horizon: 900; allowed: 0 to 4"),
    ("municipality", "4000", "not in the sample: 4000"),
    ("scenario", "evil\x1b[2J", "allowed: the folder's scenario name"),
])
def test_compare_refuses_a_tampered_year_file(tiny_compared, capsys, column, value, said):
    path = tiny_compared / "local_volunteer_policy" / "municipalities_by_year.csv"
    _set_cell(path, lambda r: r["year"] == "1", column, value)
    comparison = (tiny_compared / "comparison.csv").read_bytes()
    assert main(["compare", "--out", str(tiny_compared)]) == 2
    err = _one_line(capsys, "municipalities_by_year.csv", said)
    assert "\x1b" not in err
    assert (tiny_compared / "comparison.csv").read_bytes() == comparison


def test_a_deleted_year_file_is_said_missing_and_a_bad_count_blames_the_manifest(
        tiny_runs, capsys):
    policy = tiny_runs / "local_volunteer_policy"
    (policy / "municipalities_by_year.csv").unlink()
    assert main(["compare", "--out", str(tiny_runs)]) == 0
    err = capsys.readouterr().err
    assert "is missing, though its manifest.json records" in err
    assert "runs made before it was written" not in err
    edit_json(policy / "manifest.json", lambda r: r.update(municipality_year_rows=-5))
    assert main(["compare", "--out", str(tiny_runs)]) == 2
    _one_line(capsys, "manifest.json: field 'municipality_year_rows'", "-5",
              "a whole number >= 0")


# --- 4. A deleted effect_by_year.csv is left out, and said so ---------------------------

def test_the_report_says_effect_by_year_is_left_out(compared):
    from coprod.report_inputs import load_inputs
    from coprod.report_sections import SECTIONS

    (compared / "effect_by_year.csv").unlink()
    assert main(["report", "--out", str(compared)]) == 0
    page = (compared / "report.html").read_text()
    assert "Over time: how soon" not in page
    inp = load_inputs(compared)
    over = next(s for s in SECTIONS if s.key == "over_time")
    assert not over.needs(inp)
    what, how = over.missing(inp)
    assert "effect_by_year.csv" in what and "coprod compare" in how
    assert "effect_by_year.csv, which comparison_manifest.json lists, is missing" in page


# --- 5. A killed --force leaves the earlier set whole -------------------------------------

def test_a_killed_force_run_keeps_the_old_set_and_resume_finishes_it(tmp_path, capsys,
                                                                    monkeypatch):
    import scenarios.store as store

    out = tmp_path / "runs"
    assert main(["run", "baseline", *SMALL, "--seed", "3", "--out", str(out)]) == 0
    folder = out / "baseline"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    real, calls = store.RunStore.add, []

    def killed(self, *a, **kw):  # Ctrl-C after two new runs are stored
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(store.RunStore, "add", killed)
    assert main(["run", "baseline", *SMALL, "--seed", "4", "--force", "--workers", "1",
                 "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "earlier results of baseline are unchanged" in err
    assert {n: (folder / n).read_bytes() for n in before} == before
    assert (folder / store.SIDE_STORE).is_file()
    monkeypatch.setattr(store.RunStore, "add", real)
    assert main(["run", "baseline", *SMALL, "--seed", "4", "--resume",
                 "--out", str(out)]) == 0
    assert not (folder / store.SIDE_STORE).exists()
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 4
    assert store.recorded_identity(folder)["seed"] == 4


# --- 6. README's recorded values ---------------------------------------------------------

@pytest.mark.parametrize(("change", "said"), [
    (lambda s: s["fit"].update(classes={**s["fit"]["classes"], "divided": float("inf")}),
     "field 'fit.classes.divided': invalid value inf"),
    (lambda s: s["fit"].update(classes={**s["fit"]["classes"], "divided": -3}),
     "allowed: a number from 0 to 1"),
    (lambda s: s.pop("fit"), "malformed record (KeyError"),
    (lambda s: s["fit"].update(classes="none"), "malformed record"),
])
def test_readme_refuses_tampered_recorded_values(tmp_path, monkeypatch, capsys, change, said):
    import tools.readme_examples as readme

    sources = json.loads(readme.SOURCES.read_text())
    change(sources)
    path = tmp_path / "readme_sources.json"
    path.write_text(json.dumps(sources))
    monkeypatch.setattr(readme, "SOURCES", path)
    monkeypatch.setattr(readme.read_sources, "__defaults__", (path,))
    assert readme.main(["--render", "--check"]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err, err


# --- 7. A true minus sign in the policy-response lines ------------------------------------

def test_policy_response_lines_use_a_true_minus():
    from scenarios.policy_response import _change
    from sim.outcomes import outcome

    row = {"median": -0.05, "low_90": -0.1, "high_90": 0.02}
    text = _change(type("Row", (), {**row, "__getitem__": lambda self, k: row[k]})(),
                   outcome("share_municipality"))
    assert "−" in text and "-" not in text.replace("−", ""), text


# --- 8. Scenario manifests' names and posteriors --------------------------------------------

@pytest.mark.parametrize(("field", "value", "said"), [
    ("scenario", "baseline", "another scenario than its folder"),
    ("scenario", "x\x07y", "another scenario than its folder"),
    ("posterior", "shipped\x1b]0;owned\x07", "field 'posterior'"),
    ("posterior", "   ", "field 'posterior'"),
])
def test_compare_refuses_tampered_names_in_a_scenario_manifest(compared, capsys, field,
                                                               value, said):
    edit_json(compared / "local_volunteer_policy" / "manifest.json",
               lambda r: r.update({field: value}))
    assert main(["compare", "--out", str(compared)]) == 2
    err = _one_line(capsys, said)
    assert "\x1b" not in err and "\x07" not in err


# --- 9. Caveats: a version that is not a number, a cut file, a surveys.json folder -------

def test_a_model_version_that_is_not_a_number_is_refused():
    from runtime.manifests import model_version_of

    assert model_version_of({}) == 1 and model_version_of({"versions": {"model": "3"}}) == 3
    with pytest.raises(InputError, match=r"x.json: field 'versions.model': malformed value "
                                         "'abc'"):
        model_version_of({"versions": {"model": "abc"}}, "x.json")


def test_a_file_cut_mid_row_is_refused(compared, capsys):
    path = compared / "comparison.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n")[:-3])
    assert main(["report", "--out", str(compared)]) == 2
    _one_line(capsys, "comparison.csv: truncated file, its last row cut short")
    outcomes = compared / "baseline" / "outcomes.csv"
    outcomes.write_bytes(outcomes.read_bytes().rstrip(b"\n")[:-2])
    assert main(["compare", "--out", str(compared)]) == 2
    _one_line(capsys, "outcomes.csv: truncated file, its last row cut short")


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_surveys_json_that_is_not_a_file_is_named(tmp_path, capsys, kind):
    out = tmp_path / "cal"
    out.mkdir()
    (out / "abc.db").write_bytes(b"")
    if kind == "folder":
        (out / "surveys.json").mkdir()
    else:
        (out / "surveys.json").symlink_to(tmp_path / "nowhere.json")
    assert main(["calibrate", "--quick", "--resume", "--out", str(out)]) == 2
    _one_line(capsys, "surveys.json")


# --- 10. A demo stopped before any result leaves no folder --------------------------------

def test_a_demo_stopped_early_leaves_no_empty_folder(tmp_path, monkeypatch, capsys):
    import coprod.pipeline as pipeline

    def refused(*args, **kwargs):
        raise InputError("--data", "x", "allowed: nothing (a test)")

    monkeypatch.setattr(pipeline, "survey", refused)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 2
    assert not out.exists()
    capsys.readouterr()


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_manifest_that_is_not_a_file_is_named_not_skipped(compared, capsys, kind):
    path = compared / "comparison_manifest.json"
    path.unlink()
    if kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(compared / "nowhere.json")
    assert main(["report", "--out", str(compared)]) == 2
    _one_line(capsys, "comparison_manifest.json")


def test_a_demo_stopped_after_a_stage_keeps_it_and_says_so(tmp_path, monkeypatch, capsys):
    import coprod.pipeline as pipeline

    survey = pipeline.survey

    def stage_then_stop(data=None, **kwargs):
        if data is not None:  # the second survey: the demo is stopped there
            raise KeyboardInterrupt
        return survey(**{**kwargs, "reps": 100})

    monkeypatch.setattr(pipeline, "survey", stage_then_stop)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "the stages before it were written whole (6 files in" in err, err
    assert (out / "survey" / "bootstrap.csv").is_file()
