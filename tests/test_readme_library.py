"""README's "Using the library" examples run as printed, and give what they say."""

import pytest

from tests.conftest import ROOT


def _library_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using the library\n", 1)[1].split("\n## ", 1)[0]
    lines = [line[4:] for line in section.splitlines() if line.startswith("    ")]
    code = "\n".join(lines)
    # The examples are where they should be: the pipeline first, then the model.
    assert code.index("coprod.survey(") < code.index("sim.run(")
    assert "coprod.compare(" in code and "check_fit(" in code
    return code


def test_the_library_example_is_python_that_keeps_every_result_it_shows():
    # Cheap, in every run: the example compiles and names each result the next test reads.
    code = compile(_library_example(), "README.md (Using the library)", "exec")
    assigned = {name for name in code.co_names}
    assert {"study", "check", "runs", "comparison", "result", "fit", "model"} <= assigned


# Each stage it calls has a cheaper fast test of its own; run as printed, it costs some
# 13 CPU-seconds (a survey study, a fit check, two ensembles and a comparison), so CI's
# slow set runs it.
@pytest.mark.slow
def test_the_library_example_runs_as_printed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # its out="out/notebook" is written here
    names: dict = {}
    exec(compile(_library_example(), "README.md (Using the library)", "exec"), names)
    # The pipeline: each stage's result as a value.
    study, check, runs, comparison = (names[n] for n in ("study", "check", "runs",
                                                         "comparison"))
    assert study.observed_class in study.answer_sentence() and study.reps == 2000
    assert len(study.bootstrap) > 18 and len(check.shares) == 18
    assert runs.scenarios == ("baseline", "local_volunteer_policy") and not runs.failures
    together = comparison.table.query("outcome == 'share_together'")
    assert set(together.scenario) == set(runs.scenarios)
    assert comparison.attribution is not None and len(comparison.attribution)
    assert (tmp_path / "out" / "notebook" / "comparison.csv").is_file()
    # The model below it.
    result, fit = names["result"], names["fit"]
    assert len(result.timeseries) > 0 and result.survey.to_frame().shape[0] == 6
    assert names["model"].steps == 1
    assert 0 <= fit.targets()["shares_median_inside_95"] <= 18 and len(fit.shares) == 18


def test_every_python_name_readme_and_the_odd_give_exists():
    # README and docs/ODD.md named `sim.World`, which the package did not export.
    import importlib
    import re

    text = "".join((ROOT / f).read_text(encoding="utf-8") for f in ("README.md", "docs/ODD.md"))
    named = set(re.findall(r"`((?:sim|coprod|calibration|scenarios|studies|runtime)"
                           r"(?:\.[A-Za-z_]\w*)+)[(`]", text))
    files = (".json", ".csv", ".py", ".toml", ".png", ".db", ".md")
    names = sorted(n for n in named if not n.endswith(files))
    assert "sim.World" in names and len(names) > 20
    missing = []
    for name in names:
        parts, value = name.split("."), None
        for i in range(len(parts), 0, -1):  # the longest module the name begins with
            try:
                value, rest = importlib.import_module(".".join(parts[:i])), parts[i:]
                break
            except ImportError:
                continue
        for part in rest:
            value = getattr(value, part, None)
        if value is None:
            missing.append(name)
    assert missing == []


def test_the_readme_command_table_lists_every_option_of_each_command():
    # It left out options the README itself uses (run --posterior, compare --seed, …).
    import argparse
    import re

    from coprod.main import build_parser

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `coprod (\w+)([^`]*)` \|", text, flags=re.M)
    subparsers = next(a for a in build_parser()._actions
                      if isinstance(a, argparse._SubParsersAction))
    assert {name for name, _ in rows} == set(subparsers.choices)
    for name, usage in rows:
        options = {s for a in subparsers.choices[name]._actions for s in a.option_strings
                   if s.startswith("--") and s != "--help"}
        listed = set(re.findall(r"--[\w-]+", usage))
        assert listed == options, name
