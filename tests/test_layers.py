"""Imports flow one way: sim ← runtime ← calibration ← scenarios ← studies ← coprod.

``runtime`` (files, locks, manifests, signals, worker pools) sits beside the layers: the
model knows nothing of it, and it knows of the model only its errors and version.
"""

import ast
from pathlib import Path

from tests.conftest import ROOT

LAYERS = ("sim", "runtime", "calibration", "scenarios", "studies", "coprod")
# What the model package must not use: processes, file locks, signals, worker pools.
RUNTIME_MACHINERY = ("runtime", "signal", "fcntl", "multiprocessing", "concurrent",
                     "threading", "subprocess", "tempfile", "shutil", "dask", "distributed")


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_no_layer_imports_one_above_it():
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = [f"{path.relative_to(ROOT)}:{line} imports {module}"
              for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))
              for line, module in _imports(path)
              if rank.get(module.split(".")[0], -1) > rank[layer]]
    assert upward == []
    # The check sees the house: every layer has modules and imports the one below.
    assert all(any((ROOT / layer).glob("*.py")) for layer in LAYERS)


def test_the_model_package_holds_no_runtime_and_the_runtime_no_model():
    used = [f"{path.relative_to(ROOT)}:{line} imports {module}"
            for path in sorted((ROOT / "sim").rglob("*.py"))
            for line, module in _imports(path)
            if module.split(".")[0] in RUNTIME_MACHINERY]
    assert used == []
    model = [f"{path.relative_to(ROOT)}:{line} imports {module}"
             for path in sorted((ROOT / "runtime").rglob("*.py"))
             for line, module in _imports(path)
             if module.split(".")[0] == "sim" and module not in ("sim.errors",
                                                                  "sim.parameters")]
    assert model == []


def test_no_result_is_written_into_any_of_the_packages(tmp_path):
    """Every top-level package of the project is a folder ``--out`` refuses."""
    import tomllib

    import pytest

    from runtime.paths import PACKAGES, refuse_package_dir
    from sim.errors import InputError

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]
    assert set(PACKAGES) == {p.split(".")[0] for p in declared} == set(LAYERS)
    for name in PACKAGES:
        with pytest.raises(InputError, match="refusing to write into"):
            refuse_package_dir(ROOT / name / "results")
    refuse_package_dir(tmp_path / "results")  # elsewhere is fine
