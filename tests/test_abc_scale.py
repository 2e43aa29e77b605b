"""A calibration is resumed only on the ABC scale it was sampled on."""

import json
import re
import sqlite3

import pytest

from calibration.abc import ABC_SCALE, Settings, calibrate
from sim.errors import InputError
from tests.conftest import tiny_settings


@pytest.fixture(scope="module")
def study_calibration(tmp_path_factory):
    """A tiny calibration (seed 5) made as a study makes one; (folder, its record)."""
    from studies.calibrations import calibrate_or_reuse

    out = tmp_path_factory.mktemp("scale") / "cal"
    record = calibrate_or_reuse(out, resume=False, remake="x", seed=5,
                                settings=tiny_settings())
    return out, record


@pytest.fixture(scope="module")
def started(study_calibration):
    return study_calibration[0]


def _copy(started, tmp_path):
    import shutil

    out = tmp_path / "cal"
    shutil.copytree(started, out)
    return out


def _more():
    return Settings(**{**tiny_settings().__dict__, "max_populations": 3})


def test_a_new_calibration_records_its_scale(started):
    assert json.loads((started / "surveys.json").read_text())["abc_scale"] == ABC_SCALE == \
        "probit"


def test_a_calibration_recorded_on_another_scale_is_not_resumed(started, tmp_path):
    out = _copy(started, tmp_path)
    record = json.loads((out / "surveys.json").read_text())
    (out / "surveys.json").write_text(json.dumps({**record, "abc_scale": "logit"}))
    with pytest.raises(InputError, match=r"surveys.json: field 'abc_scale'.*on the logit "
                                          r"scale.*start a new calibration in another --out"):
        calibrate(out, seed=5, settings=_more(), resume=True, progress=False)


@pytest.mark.parametrize("scale", ["abc", 3, ["probit"], True])
def test_a_malformed_recorded_scale_is_named_under_its_field(started, tmp_path, scale):
    out = _copy(started, tmp_path)
    record = json.loads((out / "surveys.json").read_text())
    (out / "surveys.json").write_text(json.dumps({**record, "abc_scale": scale}))
    with pytest.raises(InputError) as err:
        calibrate(out, seed=5, settings=_more(), resume=True, progress=False)
    # Shown as the file writes it (it was Python's 'True'), cut as any value is.
    text = str(err.value)
    assert re.search(r"surveys.json: field 'abc_scale': malformed value (.*); allowed: "
                     r'"probit" or "logit"', text).group(1) == json.dumps(scale)


def test_an_unrecorded_logit_calibration_is_told_by_its_first_generation(started,
                                                                         tmp_path):
    """A calibration made before the scale was recorded: its prior draws' tails tell."""
    out = _copy(started, tmp_path)
    record = json.loads((out / "surveys.json").read_text())
    del record["abc_scale"]
    (out / "surveys.json").write_text(json.dumps(record))
    # As made on the probit scale: resumed.
    probit = _copy(out, tmp_path / "probit")
    assert calibrate(probit, seed=5, settings=_more(), resume=True,
                     progress=False).populations == 3
    # One first-generation value out where only a logistic prior reaches: refused.
    with sqlite3.connect(out / "abc.db") as con:
        con.execute("UPDATE parameters SET value = 7.5 WHERE id = (SELECT pr.id FROM "
                    "parameters pr JOIN particles pa ON pr.particle_id = pa.id JOIN models m "
                    "ON pa.model_id = m.id JOIN populations p ON m.population_id = p.id "
                    "WHERE p.t = 0 AND pr.name = 'municipal_tradition' LIMIT 1)")
    with pytest.raises(InputError, match=r"logit \(made by an earlier coprod\) scale"):
        calibrate(out, seed=5, settings=_more(), resume=True, progress=False)


def test_a_study_resumed_with_another_seed_does_not_take_the_old_calibrations(
        study_calibration, tmp_path):
    from studies.calibrations import calibrate_or_reuse

    folder, first = study_calibration
    out = _copy(folder, tmp_path)
    assert first["seed"] == 5
    assert calibrate_or_reuse(out, resume=True, remake="x", seed=5,
                              settings=tiny_settings())["reused"] is True
    with pytest.raises(InputError, match="field 'seed': a calibration not made with this "
                       "study's seed: 5; allowed: 6"):
        calibrate_or_reuse(out, resume=True, remake="x", seed=6,
                           settings=tiny_settings())


def test_a_study_calibration_on_another_scale_says_how_the_study_begins_it_again(
        started, tmp_path):
    # "start a new calibration in another --out": a study has one --out for all its
    # calibrations; deleting this one and resuming the study begins it again.
    from studies.calibrations import calibrate_or_reuse

    out = _copy(started, tmp_path)
    (out / "calibration.json").unlink()  # unfinished: resumed from its history
    record = json.loads((out / "surveys.json").read_text())
    (out / "surveys.json").write_text(json.dumps({**record, "abc_scale": "logit"}))
    with pytest.raises(InputError) as err:
        calibrate_or_reuse(out, resume=True, remake="coprod ablate --resume --out s",
                           seed=5, settings=_more())
    text = str(err.value)
    assert "on the logit scale" in text and "another --out" not in text
    assert text.endswith(f"make the calibration again with 'coprod ablate --resume --out s' "
                         f"after deleting {out} (its calibration begins again)")
