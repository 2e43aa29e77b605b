"""One command's results are never written over another's (their manifest.json says whose)."""

import pytest

from coprod.main import main


@pytest.fixture(scope="module")
def made(small_fit, tmp_path_factory):
    """A survey's folder and a fit's (a copy of ``coprod fit --draws 10``'s, made once
    per test run) side by side."""
    import shutil

    out = tmp_path_factory.mktemp("stages")
    assert main(["survey", "--reps", "200", "--out", str(out / "survey")]) == 0
    shutil.copytree(small_fit.folder, out / "fit")
    return out


@pytest.mark.parametrize("command", [
    ["survey", "--reps", "200", "--out", "{out}/fit"],
    ["fit", "--draws", "10", "--out", "{out}/survey"],
    ["run", "{scenario}", "--draws", "1", "--assumption-draws", "1", "--replicates", "1",
     "--horizon", "8", "--out", "{out}"],
])
def test_a_command_refuses_another_commands_folder(made, tmp_path, capsys, command):
    scenario = tmp_path / "survey.toml"  # a scenario named as the survey's folder
    scenario.write_text('name = "survey"\ndescription = "x"\n')
    before = {p.name: p.read_bytes() for folder in ("survey", "fit")
              for p in (made / folder).iterdir() if p.is_file()}
    args = [a.format(out=made, scenario=scenario) for a in command]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "refusing to write over" in err[0] and "'coprod " in err[0]
    after = {p.name: p.read_bytes() for folder in ("survey", "fit")
             for p in (made / folder).iterdir() if p.is_file()}
    assert after == before  # nothing of either stage changed


def test_a_command_rewrites_its_own_folder(made, capsys):
    assert main(["survey", "--reps", "200", "--out", str(made / "survey")]) == 0
