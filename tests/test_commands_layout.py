"""The command line over the library: no command runs or imports another.

A command module parses its arguments, calls :mod:`coprod.pipeline` (or the layers
below) and prints; the demo is the pipeline's functions in a row, not command lines
parsed again. The registry (``coprod.commands``) and the entry point (``coprod.main``)
import the commands, never the other way round.
"""

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

COMMANDS = sorted(p for p in (ROOT / "coprod").glob("*.py")
                  if p.stem.endswith(("_cmd", "_cmds")))
ABOVE_THE_COMMANDS = {"coprod.commands", "coprod.main"}


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "coprod":  # from coprod import demo_cmd
                names |= {f"coprod.{a.name}" for a in node.names}
    return names


def test_no_command_imports_another_command_or_the_command_line():
    commands = {f"coprod.{p.stem}" for p in COMMANDS}
    assert {"coprod.demo_cmd", "coprod.survey_cmd", "coprod.fit_cmd",
            "coprod.scenario_cmds"} <= commands  # the check sees the commands
    crossing = {f"{path.name} imports {name}" for path in COMMANDS
                for name in _imported(path)
                if name != f"coprod.{path.stem}" and (name in commands
                                                      or name in ABOVE_THE_COMMANDS)}
    assert crossing == set()


def test_the_library_imports_no_command():
    commands = {f"coprod.{p.stem}" for p in COMMANDS} | ABOVE_THE_COMMANDS
    library = [ROOT / "coprod" / name for name in ("__init__.py", "pipeline.py",
                                                   "console.py", "console_scenarios.py")]
    crossing = {f"{path.name} imports {name}" for path in library
                for name in _imported(path) if name in commands}
    assert crossing == set()


def test_importing_coprod_loads_no_model_until_a_stage_is_asked_for():
    code = ("import sys, coprod; before = 'pandas' in sys.modules or 'sim' in sys.modules; "
            "coprod.survey; print(before, 'coprod.pipeline' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_every_stage_stays_callable_after_use(tmp_path):
    """A stage's name is never taken over by a module of the same name (a second call)."""
    import coprod
    from sim.errors import CoprodError

    for _ in range(2):
        try:
            coprod.report(tmp_path / "absent")
        except CoprodError:
            pass
    assert all(callable(getattr(coprod, stage)) for stage in coprod.STAGES)


def test_the_library_refuses_what_the_command_line_refuses(tmp_path):
    """Arguments the command line would refuse are refused by the stages, in one line."""
    import pytest

    import coprod
    from sim.errors import InputError

    for call, name in ((lambda: coprod.run([], out=tmp_path / "a"), "scenarios"),
                       (lambda: coprod.run([5], out=tmp_path / "a"), "scenarios"),
                       (lambda: coprod.run(["baseline"], adopters="x", out=tmp_path / "a"),
                        "adopters"),
                       (lambda: coprod.run(["baseline"], workers=0, out=tmp_path / "a"),
                        "workers"),
                       (lambda: coprod.fit(workers=-1), "workers"),
                       (lambda: coprod.survey(rng=2**70), "rng"),
                       (lambda: coprod.survey(out=5), "out"),
                       (lambda: coprod.fit(posterior=5), "posterior"),
                       (lambda: coprod.run(["baseline"], data=5, out=tmp_path / "a"), "data"),
                       (lambda: coprod.compare(tmp_path, baseline=5), "baseline"),
                       (lambda: coprod.discover(tmp_path, "baseline", "share_together",
                                                below="a"), "below"),
                       (lambda: coprod.calibrate(min_epsilon="a", out=tmp_path / "a"),
                        "min_epsilon")):
        with pytest.raises(InputError) as err:
            call()
        assert str(err.value).startswith(name) and "\n" not in str(err.value)
    assert not (tmp_path / "a").exists()
