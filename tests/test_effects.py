"""Policy effects computed once, on comparable runs only; compare's files kept whole."""

from __future__ import annotations

import functools
import json
import re

import numpy as np
import pandas as pd
import pytest

from coprod.main import main
from scenarios.compare import compare_scenarios
from scenarios.effects import KEY, paired_differences, read_ensembles
from scenarios.results import COMPARE_OUTPUTS
from tests.conftest import one_line_error

POLICY = "local_volunteer_policy"


def _plant_old_set(out):
    """Files standing for an earlier comparison; returns their bytes."""
    for name in COMPARE_OUTPUTS:
        (out / name).write_bytes(f"earlier {name}\n".encode())
    return _outputs(out)


def _outputs(out):
    return {name: (out / name).read_bytes() for name in COMPARE_OUTPUTS
            if (out / name).exists()}


# The scenario commands may also be interrupted (exit 130) in these tests.
_one_line_error = functools.partial(one_line_error, codes=(2, 130))


def _edit_csv(path, edit):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(path, index=False)


def test_paired_differences_pair_on_draw_replicate_and_seed():
    index = pd.MultiIndex.from_tuples([(0, 0, 11), (0, 1, 12), (1, 0, 13)], names=KEY)
    base = pd.DataFrame({"x": [1.0, 2.0, 3.0], "only_base": 0.0}, index=index)
    other = pd.MultiIndex.from_tuples([(0, 0, 11), (0, 1, 99), (1, 0, 13)], names=KEY)
    mine = pd.DataFrame({"x": [1.5, 50.0, 3.5]}, index=other)
    diff = paired_differences(mine, base)
    assert list(diff.columns) == ["x"]
    assert diff.index.tolist() == [(0, 0, 11), (1, 0, 13)]  # seed 99 has no pair
    assert diff.x.tolist() == [0.5, 0.5]


@pytest.mark.slow
def test_runs_of_another_seed_are_left_out_with_a_note(ensembles, capsys):
    """The effect is computed only on matching keys: planted values make it exactly 0.05."""
    base = pd.read_csv(ensembles / "baseline" / "outcomes.csv", dtype={"seed": "uint64"})
    mine = base.assign(scenario=POLICY)
    shifted = mine.outcome == "share_together"  # a share: it stays within 0 to 1
    mine.loc[shifted, "value"] = mine.loc[shifted, "value"] + 0.05
    moved = mine.draw == 0  # 2 of 12 runs get another seed: pairing them would give 1 - x
    mine.loc[moved, "seed"] = mine.loc[moved, "seed"] + np.uint64(1)
    mine.loc[moved & shifted, "value"] = 1.0
    mine.to_csv(ensembles / POLICY / "outcomes.csv", index=False, float_format="%.10g")

    effects = read_ensembles(ensembles).effects(POLICY)
    assert effects.runs == 12 and effects.left_out == 2 and len(effects.differences) == 10
    assert np.allclose(effects.differences.share_together, 0.05)
    assert "only 10 of 12 runs" in effects.note()

    assert main(["compare", "--out", str(ensembles)]) == 0
    err = capsys.readouterr().err
    assert "only 10 of 12 runs of local_volunteer_policy" in err
    assert "attribution of local_volunteer_policy left out" in err  # never silently
    table = pd.read_csv(ensembles / "comparison.csv")
    row = table[(table.scenario == POLICY) & (table.outcome == "share_together")].iloc[0]
    assert row.paired_runs == 10 and row.diff_median == pytest.approx(0.05, abs=1e-6)
    assert not (ensembles / "attribution.csv").exists()  # the earlier set's one is gone


@pytest.mark.parametrize(("field", "value"), [("horizon_weeks", 2600),
                                              ("population", "norway"), ("seed", 4),
                                              ("posterior", "elsewhere")])
def test_runs_pair_only_when_comparable(ensembles, capsys, field, value):
    path = ensembles / POLICY / "manifest.json"
    record = json.loads(path.read_text())
    record[field] = value
    if field in ("seed", "posterior"):
        record["identity"]["seed" if field == "seed" else "posterior_sha256"] = value
    path.write_text(json.dumps(record))
    before = _plant_old_set(ensembles)
    for command in (["compare"], ["discover", POLICY, "--outcome", "share_together",
                                  "--below", "0"]):
        code = main([*command, "--out", str(ensembles)])
        _one_line_error(capsys, code, f"{path}: {field} {value!r} differs from baseline's",
                        "allowed: runs of the same horizon, population, root seed and "
                        "posterior")
        assert code == 2 and _outputs(ensembles) == before
    assert not (ensembles / POLICY / "discovery.csv").exists()


@pytest.mark.parametrize("argv", [["--baseline", "baselin"], ["--seed", "x"]])
def test_bad_arguments_remove_nothing(ensembles, capsys, argv):
    before = _plant_old_set(ensembles)
    code = main(["compare", "--out", str(ensembles), *argv])
    _one_line_error(capsys, code)
    assert code == 2 and _outputs(ensembles) == before


@pytest.mark.parametrize("stop", [KeyboardInterrupt, OSError])
def test_an_interrupted_compare_keeps_the_earlier_set_whole(tiny_ensembles, tmp_path,
                                                            capsys, monkeypatch, stop):
    """Ctrl-C (or an error) after the new comparison.csv is written, before the rest."""
    import shutil

    from sim.errors import CoprodError

    ensembles = shutil.copytree(tiny_ensembles, tmp_path / "scenarios")
    before = _plant_old_set(ensembles)

    def halt(*args, **kwargs):
        raise stop() if stop is KeyboardInterrupt else CoprodError("disk full")

    monkeypatch.setattr("scenarios.scenario_plots.plot_differences", halt)
    code = main(["compare", "--out", str(ensembles)])
    err = _one_line_error(capsys, code)
    assert code == (130 if stop is KeyboardInterrupt else 2)
    if stop is KeyboardInterrupt:
        assert "files written before are unchanged" in err
    assert _outputs(ensembles) == before
    assert not list(ensembles.glob(".new-outputs*"))


@pytest.mark.parametrize(("file", "column", "value"), [
    ("outcomes.csv", "value", "lots"), ("outcomes.csv", "seed", "-1"),
    ("outcomes.csv", "draw", "1.5"), ("inputs.csv", "trust_weight", "high"),
    ("inputs.csv", "seed", "12x"), ("inputs.csv", "posterior_draw", "inf")])
def test_a_text_value_is_one_line_naming_file_line_column_value(ensembles, capsys, file,
                                                                column, value):
    path = ensembles / POLICY / file

    def plant(frame):
        frame.loc[3, column] = value

    _edit_csv(path, plant)
    before = _plant_old_set(ensembles)
    for command in (["compare"], ["discover", POLICY, "--outcome", "share_together",
                                  "--below", "0"]):
        code = main([*command, "--out", str(ensembles)])
        _one_line_error(capsys, code, f"{path}: line 5, column {column}: invalid value "
                        f"{value!r}; allowed:")
        assert _outputs(ensembles) == before


def test_blank_values_are_counted_and_left_out(ensembles):
    path = ensembles / POLICY / "outcomes.csv"

    def blank(frame):
        frame.loc[frame.outcome == "share_together", "value"] = ""
        frame.loc[frame.index[frame.outcome == "share_together"][1:], "value"] = "0.3"

    _edit_csv(path, blank)
    comp = compare_scenarios(ensembles, reps=100)
    assert comp.notes[0].startswith(f"{path}: 1 blank value(s) left out")
    table = comp.table.set_index(["scenario", "outcome"])
    assert table.loc[(POLICY, "share_together"), "runs"] == 11
    assert table.loc[(POLICY, "share_together"), "paired_runs"] == 11
    # Of the attributed outcomes (the weekly ones and the planner's), one is left out.
    assert any(re.fullmatch(r"attribution of local_volunteer_policy left out for 1 of \d+ "
                            r"outcomes \(share_together\): blank values", n)
               for n in comp.notes)


@pytest.mark.parametrize("damage", ["duplicated", "truncated", "repeated run"])
def test_a_damaged_inputs_csv_is_one_line(ensembles, capsys, damage):
    path = ensembles / POLICY / "inputs.csv"
    lines = path.read_text().splitlines(keepends=True)
    if damage == "duplicated":
        text = "".join(lines + lines[1:])
    elif damage == "truncated":
        text = "".join(lines[:6])
    else:  # the right number of rows, one run twice
        text = "".join(lines[:-1] + lines[1:2])
    path.write_text(text)
    before = _plant_old_set(ensembles)
    words = ("line 13", "repeated", "each run (draw, replicate) once") \
        if damage == "repeated run" else ("truncated file" if damage == "truncated" else
                                          "damaged file (rows repeated or added)",
                                          "rows'; its manifest.json records 12 finished runs")
    for command in (["compare"], ["discover", POLICY, "--outcome", "share_together",
                                  "--below", "0"]):
        code = main([*command, "--out", str(ensembles)])
        _one_line_error(capsys, code, str(path), *words)
        assert code == 2 and _outputs(ensembles) == before


def test_a_folder_without_inputs_is_compared_with_a_note(ensembles):
    (ensembles / POLICY / "inputs.csv").unlink()
    comp = compare_scenarios(ensembles, reps=100)
    assert comp.attribution.empty
    assert any(n.startswith("attribution of local_volunteer_policy left out: its folder "
                            "has no inputs.csv") for n in comp.notes)


def test_a_read_only_results_folder_is_one_line(ensembles, capsys, monkeypatch):
    # Root may write anywhere: the folder is made unwritable where coprod probes it.
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    before = _plant_old_set(ensembles)
    for command in (["compare"], ["discover", POLICY, "--outcome", "share_together",
                                  "--below", "0"]):
        code = main([*command, "--out", str(ensembles)])
        _one_line_error(capsys, code, "cannot write to", "Permission denied")
        assert code == 2 and _outputs(ensembles) == before


def test_a_manifest_field_of_the_wrong_type_is_one_line(ensembles, capsys):
    path = ensembles / POLICY / "manifest.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "horizon_weeks": "8"}))
    code = main(["compare", "--out", str(ensembles)])
    _one_line_error(capsys, code, f"{path}: horizon_weeks: invalid value '8'; allowed: a "
                    "whole number")


def test_a_fifo_in_a_scenario_folder_does_not_hang(ensembles, capsys):
    import os

    (ensembles / POLICY / "outcomes.csv").unlink()
    os.mkfifo(ensembles / POLICY / "outcomes.csv")
    code = main(["compare", "--out", str(ensembles)])
    _one_line_error(capsys, code, "outcomes.csv: not a file")


def test_discover_writes_nothing_through_a_linked_scenario_folder(ensembles, tmp_path,
                                                                  capsys):
    elsewhere = tmp_path / "elsewhere"
    (ensembles / POLICY).rename(elsewhere)
    (ensembles / POLICY).symlink_to(elsewhere)
    code = main(["discover", POLICY, "--outcome", "share_together", "--below", "0",
                 "--out", str(ensembles)])
    _one_line_error(capsys, code, "refusing to write outside --out")
    assert not (elsewhere / "discovery.csv").exists()
