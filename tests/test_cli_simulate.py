import subprocess
import sys

import pandas as pd

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
    assert "Coordination overall" in capsys.readouterr().out


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
