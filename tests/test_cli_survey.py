import pandas as pd

from coprod.main import main


def test_survey_writes_the_documented_csv_and_same_seed_same_file(tmp_path, capsys):
    assert main(["survey", "--reps", "500", "--seed", "4", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "social" in out and "SUPPORTED" in out and "(Statistical analyses)" in out
    assert main(["survey", "--reps", "500", "--seed", "4", "--out", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "bootstrap.csv").read_text()
    assert a == (tmp_path / "b" / "bootstrap.csv").read_text()
    frame = pd.read_csv(tmp_path / "a" / "bootstrap.csv")
    assert list(frame.columns) == ["statistic", "estimate", "low_95", "high_95", "low_99",
                                   "high_99", "note"]
    assert len(frame) == 30
    assert '"seed": 4' in (tmp_path / "a" / "manifest.json").read_text()


def test_survey_with_a_bad_file_prints_one_line_and_exits_2(write, capsys):
    path = write("bad.csv", "activity,n,municipality,voluntary,together\nsocial,3,1,1,2\n")
    assert main(["survey", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err and "column 'n'" in err


def test_survey_refuses_bad_options_in_one_line(capsys):
    assert main(["survey", "--reps", "5"]) == 2
    assert "--reps: invalid value 5" in capsys.readouterr().err


def test_every_command_has_help_with_an_example(capsys):
    from coprod.commands import COMMANDS

    for name in COMMANDS:
        try:
            main([name, "--help"])
        except SystemExit as exit_:
            assert exit_.code == 0
        assert "Examples:" in capsys.readouterr().out, name
