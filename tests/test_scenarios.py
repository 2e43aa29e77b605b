import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import load_posterior
from coprod.main import main
from runtime.pool import Failure, RunFailures, Task, run_tasks
from scenarios.ensemble import run_ensembles
from scenarios.spec import load_many, load_scenario, parse_scenario, shipped_names
from sim.errors import InputError
from tests.conftest import small_scenario

REQUIRED = {"baseline", "local_volunteer_policy", "recruitment_drive",
            "municipal_volunteer_service", "resource_squeeze", "trust_forums",
            "strict_task_division"}


def test_the_seven_scenarios_are_shipped_and_valid():
    names = shipped_names()
    assert REQUIRED <= set(names) and names[0] == "baseline"
    for name in names:
        s = load_scenario(name)
        assert s.name == name and len(s.description) > 100 and s.runs == 200


GOOD = 'name = "x"\ndescription = "A test."\n'
BAD = [
    (GOOD + "horizon = 5\n", r"key 'horizon': unknown key with value 5; valid keys: name, "),
    (GOOD + 'horizon_weeks = "long"\n', r"key 'horizon_weeks': invalid value 'long'; "
     r"allowed: a whole number from 4 to 2600"),
    (GOOD + "draws = 0\n", r"key 'draws': out-of-range value 0; allowed: 1 to 1000"),
    (GOOD + "replicates = 2.5\n", r"key 'replicates': invalid value 2.5"),
    ('name = "x"\n', r"key 'description': missing value ''"),
    ('name = "Bad Name"\ndescription = "d"\n', r"key 'name': invalid value 'Bad Name'"),
    (GOOD + "[set]\nsunshine = 1\n", r"key 'set.sunshine': unknown parameter with value 1; "
     r"valid parameter names: municipal_tradition"),
    (GOOD + "[set]\npolicy_share = 2\n", r"key 'set.policy_share': out-of-range value 2; "
     r"allowed: 0.0 to 1.0"),
    (GOOD + '[set]\npolicy_share = "all"\n', r"key 'set.policy_share': invalid value 'all'"),
    (GOOD + 'population = "sweden"\n', r"key 'population': invalid value 'sweden'; "
     r"allowed: survey2015, norway"),
    (GOOD + "set = 3\n", r"key 'set': invalid value 3"),
    ('name = "x"\ndescription = \n', r"invalid TOML:"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_malformed_scenarios_are_refused_in_one_line(text, message):
    with pytest.raises(InputError, match=message) as info:
        parse_scenario(text, "my.toml")
    assert str(info.value).startswith("my.toml") and "\n" not in str(info.value)


def test_malformed_scenario_file_exits_2_without_traceback(write, capsys):
    path = write("bad.toml", GOOD + "[set]\nsunshine = 1\n")
    assert main(["run", str(path), "--out", str(path.parent / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "sunshine" in err
    assert main(["run", "no_such_scenario"]) == 2
    assert "give a shipped scenario (baseline" in capsys.readouterr().err


def test_name_clash_is_refused(write):
    path = write("mine.toml", 'name = "mine"\ndescription = "Another."\n')
    with pytest.raises(InputError, match="names must be unique"):
        load_many([str(path), str(path)])


def test_a_user_file_with_a_shipped_name_and_other_content_is_refused(write):
    path = write("baseline.toml", 'name = "baseline"\ndescription = "Another."\n')
    with pytest.raises(InputError, match="shipped scenario has this name but other content"):
        load_scenario(str(path))
    from scenarios.spec import _files

    copy = write("copy.toml", _files().joinpath("baseline.toml").read_text(encoding="utf-8"))
    assert load_scenario(str(copy)).name == "baseline"  # the same content is accepted




def _run(out, workers=1, scheduler=None):
    scenarios = [small_scenario("baseline"), small_scenario("trust_forums")]
    res = run_ensembles(scenarios, load_posterior(), out, seed=3, workers=workers,
                        scheduler=scheduler, progress=False)
    assert not res.failures
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.glob("*/*.csv"))}


@pytest.mark.slow
def test_results_are_identical_for_one_two_workers_and_dask(tmp_path):
    from distributed import LocalCluster

    one = _run(tmp_path / "one")
    two = _run(tmp_path / "two", workers=2)
    assert one == two and len(one) == 10  # outcomes, timeseries, inputs, municipalities
    # and municipalities_by_year, × 2
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = _run(tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert one == dask


@pytest.fixture(scope="module")
def trust_forums_runs(tmp_path_factory):
    """baseline and trust_forums at test size (seed 3), run once for this module."""
    out = tmp_path_factory.mktemp("trust_forums") / "scenarios"
    _run(out)
    return out


def test_outcomes_and_comparison(trust_forums_runs, tmp_path):
    tmp_path = Path(shutil.copytree(trust_forums_runs, tmp_path / "scenarios"))
    outcomes = pd.read_csv(tmp_path / "baseline" / "outcomes.csv")
    assert list(outcomes.columns) == ["scenario", "draw", "replicate", "seed", "outcome",
                                      "value"]
    assert outcomes.groupby(["draw", "replicate"]).ngroups == 4
    series = pd.read_csv(tmp_path / "trust_forums" / "timeseries.csv")
    assert {"scenario", "seed", "week", "share_together", "mean_trust"} <= set(series.columns)
    assert main(["compare", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "comparison.csv").exists() and (tmp_path / "differences.png").exists()
    comp = pd.read_csv(tmp_path / "comparison.csv")  # what compare_scenarios computed
    base = comp[comp.scenario == "baseline"]
    assert base.diff_median.notna().any() and np.allclose(base.diff_median.dropna(), 0)
    trust = comp[(comp.scenario == "trust_forums") & (comp.outcome == "mean_trust")].iloc[0]
    assert trust.diff_median > 0  # forums build trust
    fit = pd.read_csv(tmp_path / "baseline_vs_observed.csv")
    assert len(fit) == 18
    # Every run records what it was given, and each effect's variance is attributed.
    inputs = pd.read_csv(tmp_path / "trust_forums" / "inputs.csv")
    assert len(inputs) == 4 and {"posterior_draw", "assumption_draw", "forum_trust_gain",
                                 "municipal_tradition"} <= set(inputs.columns)
    attribution = pd.read_csv(tmp_path / "attribution.csv")
    groups = attribution[attribution.kind == "group"]
    sums = groups.groupby(["scenario", "outcome"]).share.sum()
    assert len(sums) > 0 and np.allclose(sums, 1.0)


def test_compare_refuses_missing_runs_and_unknown_baseline(trust_forums_runs, tmp_path,
                                                           capsys):
    assert main(["compare", "--out", str(tmp_path)]) == 2
    assert "run the scenarios into this directory first" in capsys.readouterr().err
    out = shutil.copytree(trust_forums_runs, tmp_path / "scenarios")
    assert main(["compare", "--out", str(out), "--baseline", "nope"]) == 2
    assert "scenarios found: baseline, trust_forums" in capsys.readouterr().err


def _fails_on_seed_2(task):
    if task.seed == 2:
        raise ValueError("boom")
    return task.seed * 10


def test_a_failing_run_is_reported_with_its_seed_and_the_rest_kept():
    tasks = [Task({"policy_share": 0.5}, 4, s, tag={"scenario": "x"}) for s in range(4)]
    with pytest.raises(RunFailures) as info:
        run_tasks(_fails_on_seed_2, tasks, progress=False)
    assert "seed 2 failed: ValueError: boom" in str(info.value)
    assert "policy_share=0.5" in str(info.value) and "scenario=x" in str(info.value)
    results = info.value.results
    assert results[0] == 0 and results[3] == 30 and isinstance(results[2], Failure)
