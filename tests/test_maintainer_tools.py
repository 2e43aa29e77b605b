"""The maintainers' tools refuse bad input in one line, before any work.

``tools/reanalyse_design.py`` (a finished design study analysed again) and
``benchmarks/bench_kernel.py`` (ABC kernels compared on a finished calibration) read
folders a maintainer names; a wrong one is a line naming the file and what is wrong, a
non-zero exit and no traceback.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.conftest import ROOT


def _tool(path: str):
    spec = importlib.util.spec_from_file_location(path.replace("/", "_")[:-3], ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _refusal(capsys, call, *words) -> str:
    """The tool's exit: a non-zero code or a message, one line holding ``words``."""
    with pytest.raises(SystemExit) as stop:
        code = call()
        raise SystemExit(code)
    said = stop.value.code if isinstance(stop.value.code, str) else capsys.readouterr().err
    assert stop.value.code not in (0, None)
    # argparse's usage lines come first for an option it refuses: the error is the last.
    lines = [line for line in said.strip().splitlines()
             if not line.startswith(("usage:", " "))]
    assert len(lines) == 1 and "Traceback" not in said, said
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _design_folder(tmp_path, **fields):
    from runtime.manifests import Manifest

    folder = tmp_path / "design"
    folder.mkdir()
    record = {"command": "coprod design --quick", "quick": True, "seed": 1,
              "policies": {}, **fields}
    Manifest.of(**record).write(folder / "manifest.json")
    return folder


def test_reanalyse_design_refuses_a_folder_that_is_no_design_study(tmp_path, capsys):
    tool = _tool("tools/reanalyse_design.py")
    _refusal(capsys, lambda: tool.main(["--out", str(tmp_path)]), "manifest.json")
    other = _design_folder(tmp_path, command="coprod survey")
    _refusal(capsys, lambda: tool.main(["--out", str(other)]),
             "not a design study's record")


def test_reanalyse_design_refuses_a_check_out_of_range_and_a_store_that_is_no_file(
        tmp_path, capsys):
    tool = _tool("tools/reanalyse_design.py")
    folder = _design_folder(tmp_path)
    _refusal(capsys, lambda: tool.main(["--out", str(folder), "--check", "0"]),
             "--check must be 1 to")
    _refusal(capsys, lambda: tool.main(["--out", str(folder), "--workers", "0"]),
             "--workers 1 to 256")
    _refusal(capsys, lambda: tool.main(["--out", str(folder)]),  # no worlds stored
             "worlds.sqlite", "remake")
    os.mkfifo(folder / "worlds.sqlite")  # would block an opening: refused unopened
    _refusal(capsys, lambda: tool.main(["--out", str(folder)]), "not a regular file")


def test_bench_kernel_refuses_missing_or_foreign_calibrations(tmp_path, capsys):
    tool = _tool("benchmarks/bench_kernel.py")
    _refusal(capsys, lambda: tool.main([]), "--calibration")
    _refusal(capsys, lambda: tool.main(["--quick", "--proposals", "0"]),
             "--proposals must be at least 1")
    _refusal(capsys, lambda: tool.main(["--calibration", str(tmp_path)]), "manifest.json")
    from runtime.manifests import Manifest

    Manifest.of(command="coprod calibrate", abc_inputs=["trust_weight"],
                prior_inputs=["trust_weight"]).write(tmp_path / "manifest.json")
    _refusal(capsys, lambda: tool.main(["--calibration", str(tmp_path)]), "overlap")
    Manifest.of(command="coprod calibrate", abc_inputs=["no_such_input"],
                prior_inputs=[]).write(tmp_path / "manifest.json")
    _refusal(capsys, lambda: tool.main(["--calibration", str(tmp_path)]), "abc_inputs")


def test_the_synthetic_wave_goes_to_a_new_folder_or_is_refused_in_one_line(
        tmp_path, capsys, monkeypatch):
    # --out a/b (not yet made) gave a FileNotFoundError traceback after the runs.
    import sys

    from calibration import make_synthetic_wave

    monkeypatch.setattr(sys, "argv", ["make_synthetic_wave", "--out", str(tmp_path / "a" / "b")])
    make_synthetic_wave.main()
    assert (tmp_path / "a" / "b" / "wave2025-synthetic.toml").is_file()
    (tmp_path / "file").write_text("x")
    monkeypatch.setattr(sys, "argv", ["make_synthetic_wave", "--out", str(tmp_path / "file")])
    _refusal(capsys, make_synthetic_wave.main, "not a directory", "file")
