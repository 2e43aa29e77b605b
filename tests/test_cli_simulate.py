import subprocess
import sys

import pandas as pd
import pytest

from coprod.main import main


def test_simulate_writes_survey_and_timeseries_reproducibly(tmp_path, capsys):
    args = ["simulate", "--seed", "2", "--steps", "8"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("survey.csv", "timeseries.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    survey = pd.read_csv(tmp_path / "a" / "survey.csv")
    assert list(survey.columns) == ["activity", "n", "municipality", "voluntary", "together",
                                    "offered"]
    series = pd.read_csv(tmp_path / "a" / "timeseries.csv")
    assert len(series) == 104 + 8  # the spin-up to 2015, then eight weeks
    assert series.week.iloc[0] == -103 and series.week.iloc[-1] == 8
    assert "The research question on this virtual survey's table" in capsys.readouterr().out


def test_the_virtual_survey_writes_what_a_real_survey_would(tmp_path, capsys):
    # responses.csv, unit by unit, is read back by 'coprod survey --data' and gives the
    # simulated Table 2 again; every respondent is there, even one that offered nothing.
    assert main(["simulate", "--seed", "5", "--out", str(tmp_path / "sim")]) == 0
    responses = pd.read_csv(tmp_path / "sim" / "responses.csv", keep_default_na=False)
    assert responses.unit_id.nunique() == 244
    assert set(responses.unit_type) <= {"nursing_home", "home_care", "integrated", "other"}
    assert (responses.activity == "").any()  # some units offered none of the six
    assert main(["survey", "--data", str(tmp_path / "sim" / "responses.csv"), "--resample",
                 "unit", "--reps", "200", "--out", str(tmp_path / "obs")]) == 0
    simulated = pd.read_csv(tmp_path / "sim" / "survey.csv").set_index("activity")
    observed = pd.read_csv(tmp_path / "obs" / "bootstrap.csv").set_index("statistic")
    for activity, row in simulated.iterrows():
        for coordinator in ("municipality", "voluntary", "together"):
            assert observed.loc[f"share:{activity}:{coordinator}", "estimate"] == \
                pytest.approx(row[coordinator], abs=1e-6)


def test_simulate_refuses_unknown_and_out_of_range_parameters(capsys):
    assert main(["simulate", "--set", "bogus=1"]) == 2
    err = capsys.readouterr().err
    assert "unknown name 'bogus'" in err and "policy_share" in err
    assert err.count("\n") == 1
    assert main(["simulate", "--set", "policy_share=3"]) == 2
    assert "allowed: 0.0 to 1.0" in capsys.readouterr().err
    assert main(["simulate", "--set", "policy_share"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err


def test_help_and_bad_input_answer_without_loading_the_model():
    # `coprod --help` and a refused argument should answer at once: the model (Mesa,
    # compiled kernels), pyabc and plotting load only when a command really runs.
    script = (
        "import sys\n"
        "from coprod.main import build_parser, main\n"
        "build_parser().format_help()\n"
        "assert main(['simulate', '--set', 'bogus=1']) == 2\n"
        "assert main(['run', 'no_such_scenario']) == 2\n"
        "heavy = {'mesa', 'numba', 'pyabc', 'matplotlib', 'distributed'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
