"""A fourth hostile pass: read-back that believed what it read, and what a refusal left.

A fit check's tables with shares above 1 or counts below 0, study tables cut at a line
break (shorter, yet valid-looking), a staging folder left behind when ``--out`` became a
link mid-run, a FIFO in the place of ``abc.db``, and manifest fields of any kind. Each
test failed before its fix.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from sim.errors import InputError
from tests.conftest import library_refusal, one_line_error

ROOT = Path(__file__).resolve().parents[1]


# ---- helpers -----------------------------------------------------------------------

def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Write ``value`` into the data row ``row`` (0 first), column ``column``, of a CSV."""
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    rows[row][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _cut_last_row(path: Path) -> None:
    """Drop the last row of a CSV exactly at a line break: a shorter, valid-looking file."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))


def _table(columns, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _record(folder: Path, name: str, **fields) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(fields) + "\n")


# ---- 1. the fit check's values -----------------------------------------------------

@pytest.mark.parametrize(("name", "row", "column", "value"), [
    ("fit.csv", 0, "observed", "1.5"),
    ("fit.csv", 1, "sim_median", "-0.2"),
    ("fit.csv", 2, "sim_low_90", "nan"),
    ("fit.csv", 3, "high_95", "inf"),
    ("fit.csv", 4, "inside", "maybe"),
    ("fit_n.csv", 0, "observed", "-3"),
    ("fit_n.csv", 1, "sim_high_90", "inf"),
    ("fit_classes.csv", 0, "model_probability", "2"),
    ("fit_classes.csv", 1, "table_probability", "-0.1"),
    ("fit_classes.csv", 2, "observed", "7"),
    ("fit_differences.csv", 0, "observed", "inf"),
    ("fit_differences.csv", 1, "sim_median", "3"),
    ("fit_validation.csv", 0, "sim_median", "inf"),
    ("fit_validation.csv", 1, "consistent", "perhaps"),
    # A share of answers dropped above 1: refused only by the report, not by FitCheck.read.
    ("fit_validation.csv", 0, "sim_high_90", "1.5"),
])
def test_a_fit_table_with_a_value_coprod_never_writes_is_one_line(fitted, name, row,
                                                                     column, value):
    from calibration.fit_check import FitCheck

    FitCheck.read(fitted)  # as written, it reads back
    _set_cell(fitted / name, row, column, value)
    with pytest.raises(InputError) as err:
        FitCheck.read(fitted)
    library_refusal(err, name, column, value, "allowed")


@pytest.mark.parametrize(("name", "low", "high"), [
    ("fit.csv", "low_95", "high_95"), ("fit.csv", "sim_low_90", "sim_high_90"),
    ("fit_n.csv", "sim_low_90", "sim_high_90"),
    ("fit_differences.csv", "sim_low_90", "sim_high_90")])
def test_a_fit_interval_whose_lower_end_is_above_its_upper_is_one_line(fitted, name, low,
                                                                         high):
    from calibration.fit_check import FitCheck

    rows = list(csv.DictReader(io.StringIO((fitted / name).read_text())))
    a, b = rows[0][low], rows[0][high]
    _set_cell(fitted / name, 0, low, b)
    _set_cell(fitted / name, 0, high, a)
    with pytest.raises(InputError) as err:
        FitCheck.read(fitted)
    library_refusal(err, name, low, high, "allowed")


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("year", 10**30, "1990"), ("year", 2015.0, "whole"), ("respondents", 0, "at least 1"),
    ("respondents", 10**9, "50,000"), ("respondents", True, "whole")])
def test_a_fit_record_with_a_year_or_respondents_never_written_is_one_line(
        fitted, field, value, allowed):
    from calibration.fit_check import FIT_RECORD, FitCheck

    record = json.loads((fitted / FIT_RECORD).read_text())
    record[field] = value
    (fitted / FIT_RECORD).write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError) as err:
        FitCheck.read(fitted)
    library_refusal(err, FIT_RECORD, field, allowed)


def test_counts_that_are_not_the_tables_draws_are_one_line(fitted):
    from calibration.fit_check import FIT_RECORD, FitCheck

    path = fitted / FIT_RECORD
    record = json.loads(path.read_text())
    record["counts"][0][0][0] += 400  # one draw's social activities: not fit_n.csv's
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError) as err:
        FitCheck.read(fitted)
    library_refusal(err, FIT_RECORD, "counts", "fit_n.csv")
    record["counts"][0][0][0] -= 400
    record["counts"], record["draws"] = record["counts"][:-1], record["draws"] - 1
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError) as err:
        FitCheck.read(fitted)
    library_refusal(err, FIT_RECORD, "draws")


# ---- 2. a study's table cut at a line break ----------------------------------------

def _ablation(folder: Path) -> tuple[str, int]:
    from studies.ablation import COLUMNS

    mechanisms = ["trust_weight", "statutory_pull"]
    rows = [{"mechanism": m, "fixed_at": 0, "final_epsilon": 0.5,
             "shares_inside_predictive_90": 12, "model_probability_full": 0.5,
             "model_probability_ablated": 0.5, "simulations": 100}
            for m in ("none", *mechanisms)]
    (folder / "ablation.csv").write_text(_table(COLUMNS, rows))
    _record(folder, "manifest.json", command="coprod ablate", mechanisms=mechanisms)
    return "ablation.csv", 3


def _leave_one_out(folder: Path) -> tuple[str, int]:
    import pandas as pd

    from studies.leave_one_out import COLUMNS, summarise
    from tests.conftest import loo_row

    rows = [loo_row(a, c) for a in ("social", "physical")
            for c in ("municipality", "voluntary", "together")]
    (folder / "leave_one_out.csv").write_text(_table(COLUMNS, rows))
    _record(folder, "manifest.json", command="coprod validate --leave-one-out",
            summary=summarise(pd.DataFrame(rows, columns=COLUMNS)))
    return "leave_one_out.csv", 6


def _recovery(folder: Path) -> tuple[str, int]:
    from sim.parameters import FREE
    from studies import effect_recovery as effects
    from studies.parameter_recovery import COLUMNS
    from studies.recovery import POLICY_SUMMARY_COLUMNS, SUMMARY_COLUMNS

    truths, scenarios = 2, ["local_volunteer_policy"]
    params = [{"truth_id": k, "parameter": p, "truth": 0.5, "posterior_median": 0.5,
               "low_90": 0.1, "high_90": 0.9, "covered": True, "error": 0.0,
               "relative_width": 0.5} for k in range(truths) for p in FREE]
    summary = [{"parameter": p, "truths": truths, "coverage": 1.0, "bias": 0.0,
                "mean_absolute_error": 0.0, "relative_width": 0.5} for p in FREE]
    policy = [{"truth_id": k, "scenario": s, "outcome": o, "true_effect": 0.1,
               "estimated_effect": 0.1, "low_90": 0.0, "high_90": 0.2, "covered": True,
               "error": 0.0} for k in range(truths) for s in scenarios
              for o in effects.OUTCOMES]
    policy_summary = [{"scenario": s, "outcome": o, "truths": truths,
                       "mean_true_effect": 0.1, "mean_estimated_effect": 0.1,
                       "mean_absolute_error": 0.0, "coverage": 1.0, "correlation": 0.5}
                      for s in scenarios for o in effects.OUTCOMES]
    for name, columns, rows in (("recovery.csv", COLUMNS, params),
                                ("recovery_summary.csv", SUMMARY_COLUMNS, summary),
                                ("policy_recovery.csv", effects.COLUMNS, policy),
                                ("policy_recovery_summary.csv", POLICY_SUMMARY_COLUMNS,
                                 policy_summary)):
        (folder / name).write_text(_table(columns, rows))
    _record(folder, "manifest.json", command="coprod recovery", truths=truths,
            policy_effects={"scenarios": scenarios, "outcomes": list(effects.OUTCOMES)})
    return "recovery.csv", truths * len(FREE)


def _sbc(folder: Path) -> tuple[str, int]:
    from studies.sbc import RANK_COLUMNS, SUMMARY_COLUMNS

    quantities, truths = ["a", "b"], 10
    ranks = [{"truth": t, "seed": t, "quantity": q, "value": 0.5, "rank": t, "draws": 19}
             for t in range(truths) for q in quantities]
    summary = [{"quantity": q, "kind": "input", "truths": truths, "draws": 19, "bins": 2,
                "chi2": 1.0, "p_value": 0.5, "p_holm": 0.5, "coverage_50": 0.5,
                "coverage_50_low": 0.2, "coverage_50_high": 0.8, "coverage_90": 0.9,
                "coverage_90_low": 0.6, "coverage_90_high": 1.0, "mean_rank": 10,
                "sd_rank": 5, "verdict": "uniform"} for q in quantities]
    (folder / "sbc_ranks.csv").write_text(_table(RANK_COLUMNS, ranks))
    (folder / "sbc_summary.csv").write_text(_table(SUMMARY_COLUMNS, summary))
    _record(folder, "sbc_manifest.json", command="coprod sbc", truths=truths,
            reference=100, draws=19, quantities=len(quantities))
    return "sbc_ranks.csv", truths * len(quantities)


def _screening(folder: Path) -> tuple[str, int]:
    from calibration.summary import SHARE_KEYS
    from sim.parameters import FREE
    from studies.screening import COLUMNS

    rows = [{"parameter": p, "output": k.removeprefix("share:"), "mu_star": 0.1, "mu": 0.0,
             "sigma": 0.1, "mu_star_conf": 0.05} for k in SHARE_KEYS for p in FREE]
    (folder / "sensitivity.csv").write_text(_table(COLUMNS, rows))
    _record(folder, "manifest.json", command="coprod sensitivity", trajectories=2,
            inputs="free", scenario=None)
    return "sensitivity.csv", len(SHARE_KEYS) * len(FREE)


def _simulation(folder: Path) -> tuple[str, int]:
    import coprod

    coprod.simulate(steps=2, out=folder, rng=1)
    return "timeseries.csv", len((folder / "timeseries.csv").read_text().splitlines()) - 1


def _design_reference(folder: Path) -> tuple[str, int]:
    from studies.design import WRITTEN_COLUMNS

    designs = {"2015": "the 2015 survey alone", "2015+2025": "a second wave in 2025"}
    rows = [{**dict.fromkeys(WRITTEN_COLUMNS, 0.5), "design": d, "kind": "input",
             "target": t, "label": t, "unit": "share", "truths": 8, "worlds": 3, "note": ""}
            for d in designs for t in ("x", "y")]
    (folder / "design.csv").write_text(_table(WRITTEN_COLUMNS, rows))
    (folder / "reference.csv").write_text("world,input:x\n0,0.5\n1,0.5\n2,0.5\n")
    _record(folder, "manifest.json", command="coprod design", worlds=3, designs=designs)
    return "reference.csv", 3


def _design_table(folder: Path) -> tuple[str, int]:
    _design_reference(folder)
    return "design.csv", 4


@pytest.mark.parametrize(("kind", "make"), [
    ("studies.ablation:Ablation", _ablation),
    ("studies.leave_one_out:LeaveOneOut", _leave_one_out),
    ("studies.recovery:RecoveryStudy", _recovery),
    ("studies.sbc:SBCResult", _sbc),
    ("studies.screening:Screening", _screening),
    ("studies.simulation:Simulation", _simulation),
    ("studies.design_result:DesignStudy", _design_reference),
    ("studies.design_result:DesignStudy", _design_table),
], ids=["ablation", "leave_one_out", "recovery", "sbc", "screening", "simulation",
        "design_reference", "design"])
def test_a_study_table_cut_at_a_line_break_is_refused(tmp_path, kind, make):
    import importlib

    module, name = kind.split(":")
    reader = getattr(importlib.import_module(module), name)
    folder = tmp_path / "study"
    folder.mkdir()
    table, rows = make(folder)
    reader.read(folder)  # whole, it reads back
    _cut_last_row(folder / table)
    with pytest.raises(InputError) as err:
        reader.read(folder)
    library_refusal(err, table, f"{rows - 1} rows", f"expected {rows}")


def test_the_recovery_policy_table_cut_at_a_line_break_is_refused(tmp_path):
    from studies import effect_recovery as effects
    from studies.recovery import RecoveryStudy

    _recovery(tmp_path)
    _cut_last_row(tmp_path / "policy_recovery.csv")
    expected = 2 * len(effects.OUTCOMES)
    with pytest.raises(InputError) as err:
        RecoveryStudy.read(tmp_path)
    library_refusal(err, "policy_recovery.csv", f"expected {expected}")


# ---- 3. --out swapped for a link mid-run ---------------------------------------------

@pytest.mark.parametrize("when", ["before the writes", "after the writes"])
def test_a_refused_swap_leaves_no_stage_in_the_folder_nor_beside_the_link(tmp_path, when):
    from runtime.files import STAGE_PREFIX, atomic_write_text, replaced_together
    from runtime.locks import locked

    out, moved, elsewhere = tmp_path / "out", tmp_path / "out.moved", tmp_path / "elsewhere"
    out.mkdir()
    (out / "kept.txt").write_text("mine\n")
    elsewhere.mkdir()
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(InputError) as err, locked(out) as folder, \
            replaced_together(out, ("a.csv",), inside=folder) as stage:
        (stage / "early.csv").write_text("x\n")
        if when == "after the writes":
            atomic_write_text(stage / "a.csv", "a\n")
        out.rename(moved)
        out.symlink_to(elsewhere)
        if when == "before the writes":
            atomic_write_text(stage / "a.csv", "a\n")
    library_refusal(err, "while coprod ran")
    left = sorted(p.name for p in moved.iterdir())
    assert [n for n in left if n.startswith(STAGE_PREFIX)] == []
    assert set(left) <= {*before, ".coprod.lock"}
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


def test_a_command_whose_out_became_a_link_leaves_only_what_was_there(tmp_path,
                                                                        monkeypatch):
    import coprod
    import studies.simulation

    out, moved, elsewhere = tmp_path / "out", tmp_path / "out.moved", tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = studies.simulation.simulate_once

    def swapped(*args, **kwargs):
        result = real(*args, **kwargs)
        out.rename(moved)
        out.symlink_to(elsewhere)
        return result

    monkeypatch.setattr(studies.simulation, "simulate_once", swapped)
    with pytest.raises(InputError) as err:
        coprod.simulate(steps=1, out=out, rng=1)
    library_refusal(err, "while coprod ran")
    # The folder the command made holds nothing of it: no stage, no lock file.
    assert list(moved.iterdir()) == []
    assert list(elsewhere.iterdir()) == []


# ---- 4. a FIFO in the place of abc.db -----------------------------------------------

def test_resuming_a_calibration_whose_database_is_a_fifo_says_so(tmp_path, capsys):
    from coprod.main import main

    out = tmp_path / "cal"
    out.mkdir()
    os.mkfifo(out / "abc.db")
    code = main(["calibrate", "--resume", "--quick", "--out", str(out)])
    err = one_line_error(capsys, code, "abc.db", "not a file", "FIFO")
    assert "missing calibration" not in err


def test_the_library_says_the_same_of_a_fifo_database(tmp_path):
    import coprod

    out = tmp_path / "cal"
    out.mkdir()
    os.mkfifo(out / "abc.db")
    with pytest.raises(InputError) as err:
        coprod.calibrate(out=out, quick=True, resume=True, rng=1)
    library_refusal(err, "abc.db", "not a file", "FIFO")


# ---- 5. manifest fields --------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("command", 5), ("date", ["x"]), ("versions", "new"), ("versions", {"model": "x"})])
def test_a_manifests_common_fields_are_checked_on_read(tmp_path, field, value):
    from runtime.manifests import Manifest

    _record(tmp_path, "manifest.json", **{"command": "coprod run", field: value})
    with pytest.raises(InputError) as err:
        Manifest.read(tmp_path / "manifest.json", "coprod run")
    library_refusal(err, "manifest.json", field)


@pytest.mark.parametrize(("make", "reader", "field", "value"), [
    (_ablation, "studies.ablation:Ablation", "mechanisms", "trust_weight"),
    (_leave_one_out, "studies.leave_one_out:LeaveOneOut", "summary", {"shares": -1}),
    (_recovery, "studies.recovery:RecoveryStudy", "truths", -2),
    (_recovery, "studies.recovery:RecoveryStudy", "truths", "2"),
    (_recovery, "studies.recovery:RecoveryStudy", "policy_effects", {"scenarios": 3}),
    (_sbc, "studies.sbc:SBCResult", "truths", 1e400),
    (_sbc, "studies.sbc:SBCResult", "quantities", 0),
    (_screening, "studies.screening:Screening", "inputs", "some"),
    (_screening, "studies.screening:Screening", "scenario", 7),
    (_simulation, "studies.simulation:Simulation", "steps", -1),
    (_simulation, "studies.simulation:Simulation", "coordination", "nonsense"),
    (_design_reference, "studies.design_result:DesignStudy", "worlds", 0),
    (_design_reference, "studies.design_result:DesignStudy", "designs", ["no such"]),
])
def test_a_studys_manifest_field_of_the_wrong_kind_is_named(tmp_path, make, reader, field,
                                                             value):
    import importlib

    module, name = reader.split(":")
    kind = getattr(importlib.import_module(module), name)
    make(tmp_path)
    record_name = "sbc_manifest.json" if "sbc" in module else "manifest.json"
    record = json.loads((tmp_path / record_name).read_text(), parse_constant=float)
    record[field] = value
    (tmp_path / record_name).write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError) as err:
        kind.read(tmp_path)
    text = library_refusal(err, record_name, field, "allowed")
    assert "malformed results in" not in text  # named, not caught as a surprise


@pytest.mark.parametrize(("field", "value"), [("runs", -3), ("runs", 1e400), ("runs", "2")])
def test_an_ensembles_manifest_fields_are_named(tmp_path, field, value):
    from scenarios.results import Ensemble

    record = {"command": "coprod run baseline", "scenario": "baseline", "runs": 2}
    _record(tmp_path / "baseline", "manifest.json", **{**record, field: value})
    with pytest.raises(InputError) as err:
        Ensemble.read(tmp_path)
    library_refusal(err, "manifest.json", field, "allowed")


def test_the_field_predicates_have_one_home():
    """No module keeps its own ``_number``/``_finite``/``_whole`` predicate of a value."""
    import re

    predicate = re.compile(r"^def _(finite|number|whole)\((value|low)\b.*", re.M)
    homes = [f"{p.relative_to(ROOT)}: {m.group(0)}"
             for layer in ("sim", "runtime", "calibration", "scenarios", "studies", "coprod")
             for p in sorted((ROOT / layer).rglob("*.py"))
             for m in predicate.finditer(p.read_text(encoding="utf-8"))]
    assert homes == []
    from runtime import fields

    assert fields.finite(1.0) and not fields.finite(float("nan"))
    assert not fields.finite(1e400) and not fields.number(True)
    assert fields.whole(1, 3)(2) and not fields.whole(1)(0) and not fields.whole()(2.0)
