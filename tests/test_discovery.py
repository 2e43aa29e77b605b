"""Scenario discovery (``coprod discover``): PRIM over paired policy effects."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from coprod.main import main

# Synthetic: the policy raises shared coordination by 5 points except when the assumed
# policy clarity is below 0.3 and the co-destruction risk above 0.3, where it does nothing.
INPUTS = ("policy_clarity", "codestruction_risk", "trust_weight", "municipal_tradition")
RANGES = {"policy_clarity": (0.0, 1.0), "codestruction_risk": (0.0, 0.6),
          "trust_weight": (0.0, 5.0), "municipal_tradition": (-3.0, 5.0)}


def _write_scenario(folder, name, values, seeds, inputs=None):
    folder.mkdir(parents=True)
    n = len(values)
    outcomes = pd.DataFrame({"scenario": name, "draw": np.arange(n), "replicate": 0,
                             "seed": seeds, "outcome": "share_together", "value": values})
    outcomes.to_csv(folder / "outcomes.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(
        {"scenario": name, "seed": 1, "posterior": "p", "outcome_rows": n}))
    if inputs is not None:
        inputs.to_csv(folder / "inputs.csv", index=False)


@pytest.fixture
def synthetic(tmp_path):
    rng = np.random.default_rng(7)
    n = 400
    x = pd.DataFrame({k: rng.uniform(lo, hi, n) for k, (lo, hi) in RANGES.items()})
    box = (x.policy_clarity < 0.3) & (x.codestruction_risk > 0.3)
    base = rng.uniform(0.1, 0.3, n)
    effect = np.where(box, 0.0, 0.05) + rng.normal(0, 0.002, n)
    seeds = rng.integers(0, 2**63, n).astype(np.uint64)
    inputs = pd.concat([pd.DataFrame({"draw": np.arange(n), "replicate": 0,
                                      "posterior_draw": np.arange(n) % 20,
                                      "assumption_draw": np.arange(n), "seed": seeds}), x],
                       axis=1)
    _write_scenario(tmp_path / "baseline", "baseline", base, seeds, inputs)
    _write_scenario(tmp_path / "policy", "policy", base + effect, seeds, inputs)
    return tmp_path, int(box.sum())


def test_prim_recovers_a_known_box(synthetic):
    from scenarios.discovery import discover

    directory, in_box = synthetic
    d = discover(directory, "policy", "share_together", below=2)
    assert d.failing == in_box and d.runs == 400
    first = d.boxes[d.boxes.box == 1]
    row = first.iloc[0]
    assert row.coverage >= 0.9 and row.density >= 0.9 and row.meets_threshold
    lims = first.set_index("input")
    assert set(lims.index) == {"policy_clarity", "codestruction_risk"}
    assert lims.loc["policy_clarity", "high"] == pytest.approx(0.3, abs=0.05)
    assert lims.loc["codestruction_risk", "low"] == pytest.approx(0.3, abs=0.05)
    assert lims.loc["policy_clarity", "kind"] == "assumption"


def test_discover_command_writes_tidy_csv_figure_and_manifest(synthetic, capsys):
    directory, in_box = synthetic
    assert main(["discover", "policy", "--outcome", "share_together", "--below", "2",
                 "--out", str(directory)]) == 0
    folder = directory / "policy"
    table = pd.read_csv(folder / "discovery.csv")
    assert list(table.columns[:9]) == ["box", "coverage", "density", "mass", "runs",
                                       "failing_runs", "restricted", "meets_threshold",
                                       "input"]
    assert (folder / "discovery.png").stat().st_size > 10_000
    record = json.loads((folder / "discovery.json").read_text())
    assert record["failing_runs"] == in_box and record["rule"] == "below"
    assert "box 1: coverage" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["nope", "--outcome", "share_together", "--below", "2"], "unknown scenario 'nope'; "
     "scenarios found: baseline, policy"),
    (["policy", "--outcome", "nope", "--below", "2"], "valid: share_municipality"),
    (["policy", "--outcome", "share_together", "--below", "x"], "allowed: a number"),
    (["policy", "--outcome", "share_together", "--above", "nan"], "a finite number"),
    (["policy", "--outcome", "share_together"], "one of the arguments --below --above"),
    (["policy", "--outcome", "share_together", "--below", "-50"], "no run fails"),
    (["policy", "--outcome", "share_together", "--below", "50"], "every run fails"),
    (["policy", "--outcome", "share_together", "--below", "2", "--threshold", "2"],
     "at most 1"),
])
def test_discover_errors_are_one_line(synthetic, capsys, argv, message):
    directory, _ = synthetic
    assert main(["discover", *argv, "--out", str(directory)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (directory / "policy" / "discovery.csv").exists()


def test_missing_inputs_or_outcomes_name_the_command(synthetic, capsys):
    directory, _ = synthetic
    (directory / "policy" / "inputs.csv").unlink()
    assert main(["discover", "policy", "--outcome", "share_together", "--below", "2",
                 "--out", str(directory)]) == 2
    err = capsys.readouterr().err
    assert "inputs.csv" in err and "coprod run baseline policy" in err
    (directory / "policy" / "outcomes.csv").unlink()
    assert main(["discover", "policy", "--outcome", "share_together", "--below", "2",
                 "--out", str(directory)]) == 2
    err = capsys.readouterr().err
    assert "outcomes.csv" in err and "coprod run baseline policy" in err
    assert main(["discover", "policy", "--outcome", "share_together", "--below", "2",
                 "--out", str(directory / "nowhere")]) == 2


def test_a_refused_discovery_leaves_the_earlier_one_whole(synthetic, capsys):
    directory, _ = synthetic
    args = ["discover", "policy", "--outcome", "share_together", "--out", str(directory)]
    assert main([*args, "--below", "2"]) == 0
    folder = directory / "policy"
    before = {n: (folder / n).read_bytes() for n in ("discovery.csv", "discovery.png",
                                                      "discovery.json")}
    capsys.readouterr()
    for argv in (["--below", "-50"], ["--below", "2", "--baseline", "baselin"]):
        assert main([*args, *argv]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert {n: (folder / n).read_bytes() for n in before} == before
    assert main([*args[:3], "share_togther", *args[4:], "--below", "2"]) == 2
    assert {n: (folder / n).read_bytes() for n in before} == before
    assert not list(folder.glob(".new-outputs*"))


def test_discover_on_a_real_tiny_ensemble(ensembles, capsys):
    from scenarios.discovery import policy_effects

    out = ensembles
    effects, left_out, notes = policy_effects(out, "local_volunteer_policy", "share_together")
    assert len(effects) == 12 and left_out == 0 and notes == []
    limit = float(np.median(effects.effect))  # half the runs fail
    assert main(["discover", "local_volunteer_policy", "--outcome", "share_together",
                 "--below", repr(limit + 1e-9), "--out", str(out)]) == 0
    table = pd.read_csv(out / "local_volunteer_policy" / "discovery.csv")
    assert len(table) and table.coverage.between(0, 1).all()
    assert table.density.between(0, 1).all()
    assert set(table.kind.dropna()) <= {"free", "assumption"}
    assert (out / "local_volunteer_policy" / "discovery.png").exists()


def test_a_discovery_reads_back_with_its_counts_and_boxes(ensembles):
    import coprod
    from calibration.posterior import as_written
    from scenarios.discovery import Discovery, policy_effects

    effects, _, _ = policy_effects(ensembles, "local_volunteer_policy", "share_together")
    limit = float(np.median(effects.effect))  # half the runs fail
    found = coprod.discover(ensembles, "local_volunteer_policy", "share_together",
                            below=limit + 1e-9)
    read = Discovery.read(ensembles / "local_volunteer_policy")
    assert (read.runs, read.failing) == (found.runs, found.failing) == (12, found.failing)
    assert read.describe_rule() == found.describe_rule() and read.effects is None
    pd.testing.assert_frame_equal(as_written(found.boxes).fillna({"input": ""}),
                                  read.boxes, check_dtype=False)
    assert read.inputs == found.inputs and read.notes == found.notes
