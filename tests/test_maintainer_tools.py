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

from tests.conftest import ROOT, edit_json


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


def _study_out(tmp_path, study: str):
    """A study's --out as its command leaves it, made from what is shipped of it."""
    import shutil

    from tests.conftest import ROOT

    tool = _tool("tools/ship_study.py")
    module, name, outputs = tool.STUDIES[study]
    reader = getattr(importlib.import_module(module), name)
    shipped = ROOT / "calibration" / "data" / "validation"
    out = tmp_path / study
    out.mkdir()
    for file in getattr(importlib.import_module(module), outputs):
        shutil.copy(shipped / (reader.shipped_record if file == "manifest.json" else file),
                    out / file)
    return tool, out


def test_ship_study_ships_a_study_as_it_reads_back(tmp_path, capsys):
    # A finished study's tables and record, byte for byte, its record under its shipped
    # name; read back as README and the report read it.
    tool, out = _study_out(tmp_path, "leave_one_out")
    validation = tmp_path / "validation"
    validation.mkdir()
    assert tool.ship("leave_one_out", out, validation) == [
        "leave_one_out.csv", "leave_one_out_manifest.json"]
    assert (validation / "leave_one_out.csv").read_bytes() == (
        out / "leave_one_out.csv").read_bytes()
    assert (validation / "leave_one_out_manifest.json").read_bytes() == (
        out / "manifest.json").read_bytes()
    assert sorted(p.name for p in validation.iterdir()) == [
        "leave_one_out.csv", "leave_one_out_manifest.json"]  # no temporary file left


def test_ship_study_refuses_a_stale_or_damaged_study(tmp_path, capsys):
    from sim.errors import CoprodError
    from sim.parameters import MODEL_VERSION

    tool, out = _study_out(tmp_path, "leave_one_out")
    validation = tmp_path / "validation"
    validation.mkdir()
    edit_json(out / "manifest.json",
              lambda r: r["versions"].update(model=str(MODEL_VERSION - 1)))
    with pytest.raises(CoprodError, match="not of this model"):
        tool.ship("leave_one_out", out, validation)
    (out / "leave_one_out.csv").write_text("activity\n")
    with pytest.raises(CoprodError, match=r"leave_one_out\.csv"):
        tool.ship("leave_one_out", out, validation)
    assert not any(validation.iterdir())  # nothing shipped of either
    _refusal(capsys, lambda: tool.main(["leave_one_out", str(out)]), "leave_one_out.csv")


@pytest.mark.slow  # a demo started and stopped: about 20 s, run by `make test-slow`
def test_readme_runs_stop_with_the_script_that_started_them(tmp_path):
    # A SIGTERM to tools/readme_examples.py left its 'coprod demo' running alone,
    # writing into out/demo; it is passed on, and the command waited for.
    import signal
    import subprocess
    import sys
    import time

    script = ("import sys; sys.path.insert(0, '.'); import tools.readme_examples as r; "
              f"r._coprod('demo', '--out', {str(tmp_path / 'demo')!r})")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        marker = tmp_path / "demo"
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline:  # the demo has begun
            time.sleep(0.2)
        assert marker.exists()
        child = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True,
                               text=True).stdout.split()
        assert child, "no coprod command under the script"
        parent.send_signal(signal.SIGTERM)
        err = parent.communicate(timeout=120)[1].decode()
        assert "was stopped (exit 143)" in err
        assert not os.path.exists(f"/proc/{child[0]}") or \
            open(f"/proc/{child[0]}/stat").read().split()[2] == "Z"
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait()
