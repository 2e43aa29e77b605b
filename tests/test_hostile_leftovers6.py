"""A sixth hostile pass: a posterior's weights and rows, and the report's recovery record.

Weights each allowed but whose sum overflows or underflows, a study's calibration cut
short with no manifest.json to count its rows against, and the recovery manifest's
fields the report shows (tolerance over noise past any float, calibrations the study does
not have, counts and settings of another kind). Each test failed before its fix.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import load_posterior, write_posterior
from sim.errors import InputError
from sim.parameters import FREE, PARAMETERS
from tests.conftest import edit_json, library_refusal, one_line_error

PARTICLES = 5


@pytest.fixture
def study_calibration(tmp_path):
    """A study's calibration folder as it keeps one: posterior.csv, median.json and
    calibration.json (no manifest.json), its particles spread over each prior."""
    folder = tmp_path / "truth_00"
    folder.mkdir()
    particles = pd.DataFrame({n: np.linspace(PARAMETERS[n].low, PARAMETERS[n].high,
                                             PARTICLES + 2)[1:-1] for n in FREE})
    write_posterior(folder, particles, np.full(PARTICLES, 1.0))
    (folder / "calibration.json").write_text(json.dumps({
        "epsilons": [3.0, 2.0], "populations": 2, "simulations": 80,
        "settings": {"population_size": PARTICLES, "max_populations": 2,
                     "max_simulations": 400, "max_walltime_s": 45, "min_epsilon": 0.0}}))
    return folder


def _set_weights(folder: Path, *weights: str) -> None:
    frame = pd.read_csv(folder / "posterior.csv", dtype=str)
    frame["weight"] = list(weights)
    frame.to_csv(folder / "posterior.csv", index=False)


# ---- A. weights each allowed, their sum past any float --------------------------------

def test_weights_whose_sum_is_past_any_float_are_a_posterior(study_calibration):
    middle = pd.read_csv(study_calibration / "posterior.csv").iloc[PARTICLES // 2]
    for weight in ("1e308", "5e-324"):  # the sum overflows; each is the least float
        _set_weights(study_calibration, *[weight] * PARTICLES)
        posterior = load_posterior(study_calibration)
        assert posterior.weights == pytest.approx([1 / PARTICLES] * PARTICLES), weight
        # The medians are the middle particle's, not NaN; draws are made.
        assert posterior.median()[FREE[0]] == pytest.approx(middle[FREE[0]])
        assert len(posterior.draws(3, 1)) == 3
    _set_weights(study_calibration, "1e308", *["5e-324"] * (PARTICLES - 1))
    weights = load_posterior(study_calibration).weights
    assert np.isfinite(weights).all() and weights[0] == pytest.approx(1.0)
    # Weights that sum to nothing are still no posterior.
    _set_weights(study_calibration, *["0"] * PARTICLES)
    with pytest.raises(InputError) as err:
        load_posterior(study_calibration)
    library_refusal(err, "posterior.csv", "'weight'", "positive sum")


@pytest.mark.slow  # a whole run; the weights' reading is tested fast above
def test_a_run_on_a_posterior_of_huge_weights_runs(study_calibration, tmp_path, capsys):
    from coprod.main import main

    _set_weights(study_calibration, *["1e308"] * PARTICLES)
    code = main(["run", "baseline", "--draws", "2", "--replicates", "1",
                 "--assumption-draws", "1", "--horizon", "4", "--posterior",
                 str(study_calibration), "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    inputs = pd.read_csv(tmp_path / "out" / "baseline" / "inputs.csv")
    assert inputs[FREE[0]].notna().all()


# ---- B. a study's calibration cut short, counted against its calibration.json ----------

def test_a_study_calibration_cut_short_is_refused(study_calibration):
    assert len(load_posterior(study_calibration).weights) == PARTICLES  # whole, it reads
    path = study_calibration / "posterior.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:3]))
    with pytest.raises(InputError) as err:
        load_posterior(study_calibration)
    library_refusal(err, "posterior.csv", "truncated file", "2 rows", "calibration.json",
                    f"{PARTICLES} particles", "--resume")
    path.write_text("".join([*lines, lines[-1]]))
    with pytest.raises(InputError) as err:
        load_posterior(study_calibration)
    assert "truncated" not in library_refusal(err, "more rows than recorded",
                                              f"{PARTICLES + 1} rows")
    # Neither manifest.json nor calibration.json: nothing to count the rows against.
    (study_calibration / "calibration.json").unlink()
    path.write_text("".join(lines[:3]))
    assert len(load_posterior(study_calibration).weights) == 2


@pytest.mark.parametrize("settings", [[40], {"population_size": "40"},
                                      {"population_size": 0}, {"population_size": True},
                                      {"population_size": 4.0}, "fast"])
def test_a_study_calibration_record_with_junk_settings_is_refused(study_calibration,
                                                                   settings):
    edit_json(study_calibration / "calibration.json",
              lambda r: r.update({"settings": settings}))
    with pytest.raises(InputError) as err:
        load_posterior(study_calibration)
    library_refusal(err, "calibration.json", "settings", "population_size")


def test_a_study_calibration_record_unreadable_is_one_line(study_calibration):
    (study_calibration / "calibration.json").write_text('{"settings": ')
    with pytest.raises(InputError) as err:
        load_posterior(study_calibration)
    library_refusal(err, "calibration.json", "malformed")


# ---- C. the report's recovery record ----------------------------------------------------

@pytest.fixture
def shipped_studies(tmp_path):
    """A copy of the shipped studies (``calibration/data/validation``) to tamper with."""
    from calibration.posterior import shipped_study_file

    return Path(shutil.copytree(str(shipped_study_file("")), tmp_path / "validation"))


def _report(folder: Path) -> str:
    from coprod.report_studies import studies_section

    return "".join(studies_section(folder))


def _edit_recovery(folder: Path, change) -> None:
    edit_json(folder / "recovery_manifest.json", change)


@pytest.mark.parametrize("noise", [1e-300, 5e-324])
def test_a_tolerance_over_noise_past_any_float_is_not_shown(noise):
    from coprod.report_studies import noise_reached, noise_sentence

    ok = {"epsilons": [1.3], "noise_level": 1.4}
    huge = {"epsilons": [1e308], "noise_level": noise}
    assert noise_reached({"truth_00": huge}) is None
    said = noise_reached({"truth_00": ok, "truth_01": huge})
    assert said == {"calibrations": 1, "reached": 1, "worst": None}
    assert "inf" not in noise_sentence(said)


def test_the_report_skips_a_recovery_calibration_past_any_float(shipped_studies):
    truths = json.loads((shipped_studies / "recovery_manifest.json").read_text())["truths"]
    _edit_recovery(shipped_studies, lambda r: r["calibrations"]["truth_00"].update(
        {"epsilons": [1e308], "noise_level": 1e-300}))
    text = _report(shipped_studies)
    assert f"of the {truths - 1} calibrations reached" in text
    assert "inf ×" not in text


def test_the_report_refuses_calibrations_the_recovery_does_not_have(shipped_studies):
    from coprod.report_studies import noise_reached

    record = json.loads((shipped_studies / "recovery_manifest.json").read_text())
    truths = record["truths"]
    extra = {f"x{i}": {"epsilons": [1.0], "noise_level": 1.4} for i in range(100_000)}
    _edit_recovery(shipped_studies, lambda r: r["calibrations"].update(extra))
    # Entries the study does not have are refused, named (they were also summed into
    # the study's time); the count itself never takes them.
    with pytest.raises(InputError) as err:
        _report(shipped_studies)
    library_refusal(err, "recovery_manifest.json: field 'calibrations'", "'x0'",
                    "does not have", "truth_00")
    own = noise_reached({**record["calibrations"], **extra},
                        [f"truth_{k:02d}" for k in range(truths)])
    assert own["calibrations"] == truths


# Each case renders the report (a third of a second): one kind per field in the fast
# tests, every kind on both fields in `make test-slow`.
_SLOW = pytest.mark.slow


@pytest.mark.parametrize(("field", "value"), [
    ("replicates_at_truth", "10<b>\x1b[2J"), ("posterior_draws", 10**30),
    *(pytest.param(f, v, marks=_SLOW) for f in ("replicates_at_truth", "posterior_draws")
      for v in ([1, 2], "10<b>\x1b[2J", 0, 2.5, True, 10**30)
      if (f, v) not in (("replicates_at_truth", "10<b>\x1b[2J"), ("posterior_draws", 10**30)))])
def test_the_report_refuses_policy_effect_counts_of_another_kind(shipped_studies, field,
                                                                  value):
    from coprod.report_studies import studies_context

    _edit_recovery(shipped_studies, lambda r: r["policy_effects"].update({field: value}))
    with pytest.raises(InputError) as err:
        studies_context(shipped_studies)
    text = library_refusal(err, "recovery_manifest.json", "policy_effects", field,
                           "whole number from 1")
    assert "\x1b" not in text
    # Not recorded at all, it is a dash.
    _edit_recovery(shipped_studies, lambda r: r["policy_effects"].pop(field))
    words = {"replicates_at_truth": "(— paired", "posterior_draws": "on — draws"}[field]
    assert words in " ".join(_report(shipped_studies).split())


@pytest.mark.parametrize(("record", "settings"), [
    # Every kind on one study, each study's reader once; in the fast tests two of them.
    ("recovery_manifest.json", {"evil\x1b[2J": 1}),
    *(pytest.param("recovery_manifest.json", s, marks=_SLOW) for s in (
        ["population_size", 400], "fast\x1b[2J", {"population_size": "400"},
        {"population_size": [400]}, {"population_size": float("nan")})),
    ("leave_one_out_manifest.json", {"population_size": "400"}),
    pytest.param("ablation_manifest.json", "fast\x1b[2J", marks=_SLOW)])
def test_the_report_refuses_calibration_settings_of_another_kind(shipped_studies, record,
                                                                  settings):
    from coprod.report_studies import studies_context

    path = shipped_studies / record
    text = json.dumps({**json.loads(path.read_text()), "settings": settings, "quick": False})
    path.write_text(text.replace("NaN", "1e400"))
    with pytest.raises(InputError) as err:
        studies_context(shipped_studies)
    text = library_refusal(err, record, "settings", "numbers or null")
    assert "\x1b" not in text
    # Settings of the right kind that differ from the shipped posterior's are shown.
    shown = {"population_size": 123, "max_populations": 4, "max_simulations": 5000,
             "max_walltime_s": 60.0, "min_epsilon": None}
    edit_json(path, lambda r: r.update({"settings": shown}))
    assert "&#39;population_size&#39;: 123" in _report(shipped_studies)


def test_a_cli_refusal_of_a_truncated_study_calibration_is_one_line(study_calibration,
                                                                    tmp_path, capsys):
    from coprod.main import main

    path = study_calibration / "posterior.csv"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))
    code = main(["run", "baseline", "--draws", "2", "--replicates", "1",
                 "--assumption-draws", "1", "--horizon", "4", "--posterior",
                 str(study_calibration), "--out", str(tmp_path / "out")])
    one_line_error(capsys, code, "truncated file", "calibration.json")


def test_a_damaged_posterior_of_a_calibration_says_how_in_words(tmp_path):
    # It said "remake it with 'coprod calibrate --out DIR'": pasted, a full calibration
    # into ./DIR. The options are the calibration's own, in its manifest.
    import shutil

    from tests.conftest import ROOT

    folder = tmp_path / "my cal"
    shutil.copytree(ROOT / "calibration" / "data" / "posterior", folder)
    path = folder / "posterior.csv"
    whole = path.read_text()
    path.write_text("".join(whole.splitlines(keepends=True)[:-1]))
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    text = library_refusal(err, "truncated file", "to make it again, restore the folder "
                           "from where it was copied, or calibrate again with coprod "
                           "calibrate into another --out")
    assert "DIR" not in text
    (folder / "abc.db").write_bytes(b"")  # its history beside it: resumed, written again
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    library_refusal(err, "to make it again, run the command that made it (coprod "
                    "calibrate with the options it was begun with: its manifest.json's "
                    "'command', while readable) again with --resume: the files of the run "
                    f"in '{folder}/abc.db' are written again")
    # A user's calibration made stale is not told the shipped posterior's options.
    path.write_text(whole)
    edit_json(folder / "manifest.json", lambda r: r["versions"].update(model="3"))
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    assert "shipped" not in library_refusal(err, "stale posterior", "with the options it "
                                            "was made with")
    # posterior.csv deleted: its history rewrites it (it named only 'coprod calibrate').
    path.unlink()
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    library_refusal(err, "missing file", "again with --resume")
