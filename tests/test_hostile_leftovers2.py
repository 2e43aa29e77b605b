"""What the last hostile pass left open: records read back, argument kinds, names of places.

A discovery's record and a comparison's table read back with values coprod never writes
(a rule "sideways", a limit "nan", a median "abc"); arguments of the wrong kind
(``PopulationSpec(frame='x')``, ``SurveyStudy.read(5)``); library errors that named
command-line flags; a comparison manifest's population; a scenario run after the
comparison; a repeated ``--set``; a folder named ``screening.csv``. Each is one line
naming the file, field (or argument), value and what is allowed, with no traceback.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from coprod.main import main
from sim.errors import InputError
from tests.conftest import ROOT, TINY_RUN, library_refusal, refusal

POLICY = "local_volunteer_policy"


@pytest.fixture(scope="module")
def compared_once(tiny_ensembles, tmp_path_factory):
    """The tiny ensembles, compared (one run per scenario: no attribution)."""
    import coprod

    folder = Path(shutil.copytree(tiny_ensembles, tmp_path_factory.mktemp("c") / "s"))
    coprod.compare(folder, rng=1)
    return folder


@pytest.fixture
def compared(compared_once, tmp_path):
    """A private copy of :func:`compared_once` that a test may change."""
    return Path(shutil.copytree(compared_once, tmp_path / "scenarios"))


def _edit_json(path: Path, **fields) -> None:
    record = json.loads(path.read_text())
    record.update(fields)
    path.write_text(json.dumps(record))


# ---- D4: what a discovery and a comparison read back -------------------------------

@pytest.fixture
def discovery_folder(tmp_path) -> Path:
    """A discovery's files as Discovery.write leaves them (without its figure)."""
    from scenarios.discovery import COLUMNS, Discovery
    from sim.parameters import FREE

    boxes = pd.DataFrame([{"box": 1, "coverage": 0.8, "density": 0.9, "mass": 0.3,
                           "runs": 4, "failing_runs": 3, "restricted": 1,
                           "meets_threshold": True, "input": FREE[0], "kind": "free",
                           "low": 0.1, "high": 0.4, "range_low": 0.0, "range_high": 1.0,
                           "qp_low": 0.01, "qp_high": ""}], columns=COLUMNS)
    found = Discovery(POLICY, "baseline", "share_together", "below", 2.0, 0.8, None,
                      (FREE[0],), (), boxes, counted=(12, 5))
    boxes.to_csv(tmp_path / "discovery.csv", index=False)
    found.manifest().write(tmp_path / "discovery.json")
    return tmp_path


def test_a_discovery_as_written_reads_back(discovery_folder):
    from scenarios.discovery import Discovery

    read = Discovery.read(discovery_folder)
    assert (read.rule, read.limit, read.runs, read.failing) == ("below", 2.0, 12, 5)
    assert read.describe_rule() == "effect on share_together < 2 percentage points"


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("rule", "sideways", "allowed: below, above"),
    ("limit", "nan", "allowed: a finite number"),
    ("limit", float("nan"), "allowed: a finite number"),  # JSON's NaN
    ("threshold", 5, "a density above 0 and at most 1"),
    ("outcome", "nope", "one of share_municipality"),
    ("failing_runs", 12, "from 1 to paired_runs - 1 (11)"),
    ("paired_runs", "12", "a whole number of runs"),
    ("inputs", ["no_such_input"], "a list of input names"),
])
def test_a_discovery_record_with_a_value_coprod_never_writes_is_one_line(
        discovery_folder, field, value, allowed):
    from scenarios.discovery import Discovery

    _edit_json(discovery_folder / "discovery.json", **{field: value})
    with pytest.raises(InputError) as err:
        Discovery.read(discovery_folder)
    library_refusal(err, "discovery.json: field", f"'{field}'", allowed,
              "make it again with 'coprod discover'")


def test_a_discovery_record_without_its_rule_names_the_field(discovery_folder):
    from scenarios.discovery import Discovery

    record = json.loads((discovery_folder / "discovery.json").read_text())
    del record["rule"]
    (discovery_folder / "discovery.json").write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        Discovery.read(discovery_folder)
    library_refusal(err, "discovery.json: missing field 'rule'", "below, above")


def test_a_box_with_a_density_as_text_is_one_line(discovery_folder):
    from scenarios.discovery import Discovery

    path = discovery_folder / "discovery.csv"
    path.write_text(path.read_text().replace(",0.9,", ",dense,"))
    with pytest.raises(InputError) as err:
        Discovery.read(discovery_folder)
    library_refusal(err, "discovery.csv: row 2, column 'density'", "'dense'", "from 0 to 1")


def test_a_comparison_with_a_median_as_text_is_one_line(compared):
    from scenarios.results import ComparisonResult

    assert len(ComparisonResult.read(compared).table)  # as written, it reads
    path = compared / "comparison.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, "median"] = "abc"
    table.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        ComparisonResult.read(compared)
    library_refusal(err, "comparison.csv: row 2, column 'median'", "'abc'",
              "allowed: a number from 0", "coprod compare")


# ---- D7: arguments of the wrong kind ---------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [("frame", "x"), ("municipality", 3)])
def test_a_population_of_the_wrong_kind_is_named(field, value):
    from sim.population_spec import PopulationSpec

    with pytest.raises(InputError) as err:
        PopulationSpec(**{field: value})
    library_refusal(err, f"{field}: wrong type '{type(value).__name__}'", "or None")


@pytest.mark.parametrize("kind", ["calibration.survey_study:SurveyStudy",
                                  "calibration.calibrated:Calibration",
                                  "scenarios.results:Ensemble",
                                  "scenarios.results:ComparisonResult",
                                  "scenarios.discovery:Discovery",
                                  "studies.design_result:DesignStudy",
                                  "calibration.fit_check:FitCheck",
                                  "studies.simulation:Simulation",
                                  "studies.screening:Screening",
                                  "studies.recovery:RecoveryStudy",
                                  "studies.leave_one_out:LeaveOneOut",
                                  "studies.ablation:Ablation", "studies.sbc:SBCResult"])
@pytest.mark.parametrize("folder", [5, None])
def test_reading_results_from_no_path_names_the_argument(kind, folder):
    import importlib

    module, name = kind.split(":")
    result = getattr(importlib.import_module(module), name)
    with pytest.raises(InputError) as err:
        result.read(folder)
    text = library_refusal(err, f"folder: wrong type '{type(folder).__name__}'",
                           "a folder path (text or pathlib.Path)")
    assert "malformed results" not in text


# ---- D8: the library names its arguments, the command line its flags -----------------

LAYERS = ("runtime", "calibration", "scenarios", "studies")
NOT_YET: set[str] = set()


def _flag(text: object) -> bool:
    """Whether ``text`` starts with a flag ("--out ...") or a placeholder ("SCENARIO")."""
    word = str(text).split(" ")[0].split(":")[0]
    return isinstance(text, str) and (text.startswith("--") or (len(word) > 2
                                                                and word.isupper()))


def _flag_places(path: Path) -> list[str]:
    """Places of errors in ``path`` that are command-line flags ("--out", "SCENARIO").

    The first argument of an ``...Error(...)``, and whatever is assigned to, or passed
    as, ``where``.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        places = []
        if isinstance(node, ast.Call) and node.args and getattr(
                node.func, "id", getattr(node.func, "attr", "")).endswith("Error"):
            first = node.args[0]
            places = [first.values[0] if isinstance(first, ast.JoinedStr) and first.values
                      else first]
        if isinstance(node, ast.Call):
            places += [k.value for k in node.keywords if k.arg == "where"]
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "where"
                                                for t in node.targets):
            places.append(node.value)
        for place in places:
            texts = [n.value for n in ast.walk(place) if isinstance(n, ast.Constant)]
            if isinstance(place, ast.JoinedStr):
                texts = texts[:1]
            found += [f"{path.relative_to(ROOT)}:{node.lineno}: {t}" for t in texts
                      if _flag(t)]
    return found


def test_the_layers_name_no_flag_as_the_place_of_an_error():
    found = [place for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))
             if str(path.relative_to(ROOT)) not in NOT_YET for place in _flag_places(path)]
    assert not found, found


def test_library_errors_name_the_keyword_argument(tmp_path):
    import coprod
    from calibration.waves import Waves
    from scenarios.municipality_file import load_municipality

    with pytest.raises(InputError) as err:
        Waves.load(["wave2030"])
    assert err.value.where == "data"
    with pytest.raises(InputError) as err:
        load_municipality(tmp_path / "nowhere.toml")
    assert err.value.where == "municipality"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as err:
        coprod.compare(tmp_path / "empty")
    assert err.value.where == "folder"
    with pytest.raises(InputError) as err:
        coprod.report(tmp_path / "nowhere")
    assert err.value.where == "folder"


def test_discover_names_its_arguments(tiny_ensembles, tmp_path):
    import coprod

    folder = Path(shutil.copytree(tiny_ensembles, tmp_path / "s"))
    for kwargs, where in (({"scenario": "baseline"}, "scenario"),
                          ({"outcome": "nope"}, "outcome"),
                          ({"threshold": 2.0}, "threshold")):
        call = {"scenario": POLICY, "outcome": "share_together", **kwargs}
        with pytest.raises(InputError) as err:
            coprod.discover(folder, call.pop("scenario"), call.pop("outcome"), below=0.0,
                            **call)
        assert err.value.where == where, str(err.value)


def test_the_command_line_still_names_its_flags(tmp_path, capsys, write):
    (tmp_path / "empty").mkdir()
    assert main(["compare", "--out", str(tmp_path / "empty")]) == 2
    refusal(capsys, "coprod compare: error: --out: empty directory")
    assert main(["survey", "--data", "wave2030", "--out", str(tmp_path / "s")]) == 2
    refusal(capsys, "--data: unknown survey name 'wave2030'")
    assert main(["report", "--out", str(tmp_path / "nowhere")]) == 2
    refusal(capsys, "--out: ")
    late = write("late.toml", 'name = "late"\ndescription = "x"\n[set]\nlever_week = 30\n')
    assert main(["run", str(late), "--horizon", "20", "--out", str(tmp_path / "r")]) == 2
    refusal(capsys, f"--horizon: {late}: key 'set.lever_week': past the horizon")
    # A scenario is SCENARIO_OR_FILE to run, --scenario to sensitivity: named as itself.
    assert main(["run", "nope", "--out", str(tmp_path / "r")]) == 2
    refusal(capsys, "coprod run: error: scenario: unknown scenario 'nope'")


def test_runs_of_another_seed_are_refused_at_out(tmp_path):
    import coprod

    sizes = {"draws": 1, "assumption_draws": 1, "replicates": 1, "horizon_weeks": 4}
    coprod.run(["baseline"], out=tmp_path, rng=3, **sizes)
    with pytest.raises(InputError) as err:
        coprod.run(["baseline"], out=tmp_path, rng=4, **sizes)
    assert err.value.where == "out"
    library_refusal(err, "refusing to mix results in", str(tmp_path / "baseline"), "seed")


# ---- D11: the comparison's population -------------------------------------------------

@pytest.mark.parametrize(("population", "words"), [
    ("sideways", "allowed: survey2015, norway"),
    (5, "allowed: survey2015, norway"),
    ("norway", "another population than the runs': 'norway'; allowed: the population of "
               "baseline's runs (the 50 municipalities of the 2015 sample)"),
])
def test_a_comparison_manifests_population_is_checked_and_blamed_on_it(
        compared, capsys, population, words):
    _edit_json(compared / "comparison_manifest.json", population=population)
    capsys.readouterr()
    assert main(["report", "--out", str(compared)]) == 2
    err = refusal(capsys, "comparison_manifest.json: field 'population'", words,
                  "rerun 'coprod compare")
    assert "--population" not in err
    assert not (compared / "report.html").exists()


# ---- D12: a scenario run into the folder after the comparison ------------------------

def test_a_scenario_run_after_the_comparison_makes_it_stale(compared, capsys):
    assert main(["run", "trust_forums", *TINY_RUN, "--seed", "3", "--out",
                 str(compared)]) == 0
    capsys.readouterr()
    assert main(["report", "--out", str(compared)]) == 2
    refusal(capsys, "comparison.csv: does not compare the runs of 'trust_forums'",
            f"{compared / 'trust_forums'} holds runs made after the comparison",
            f"rerun 'coprod compare --out {compared}'")
    assert not (compared / "report.html").exists()


# ---- D13: a repeated --set; a folder named screening.csv ------------------------------

def test_a_name_set_twice_is_refused_naming_both_values(capsys):
    assert main(["simulate", "--set", "policy_share=1", "--set", "policy_share=0",
                 "--steps", "2"]) == 2
    refusal(capsys, "--set policy_share: repeated: '0'", "each name once",
            "given '1' before")


def test_a_folder_named_screening_csv_is_not_read_as_no_screening(tmp_path):
    from calibration.calibrated import Calibration

    folder = Path(shutil.copytree(ROOT / "calibration" / "data" / "posterior",
                                  tmp_path / "calibration"))
    assert Calibration.read(folder).screening is not None
    (folder / "screening.csv").unlink()
    assert Calibration.read(folder).screening is None  # not screened: none written
    (folder / "screening.csv").mkdir()
    with pytest.raises(InputError) as err:
        Calibration.read(folder)
    library_refusal(err, "screening.csv: not a file", "(this is a folder)")
