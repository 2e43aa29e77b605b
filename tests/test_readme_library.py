"""README's "Using the library" example runs as printed."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _library_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using the library\n", 1)[1].split("\n## ", 1)[0]
    lines = [line[4:] for line in section.splitlines() if line.startswith("    ")]
    code = "\n".join(lines)
    assert "sim.run(" in code and "check_fit(" in code  # the example is where it should be
    return code


def test_the_library_example_runs_as_printed():
    names: dict = {}
    exec(compile(_library_example(), "README.md (Using the library)", "exec"), names)
    result, fit = names["result"], names["fit"]
    assert len(result.timeseries) > 0 and result.survey.to_frame().shape[0] == 6
    assert names["model"].steps == 1
    assert 0 <= fit.targets()["shares_median_inside_95"] <= 18 and len(fit.shares) == 18
