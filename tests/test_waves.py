"""Own surveys and several waves: frames from files, levers switching between waves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration.waves import Waves, load_wave
from sim import run
from sim.errors import InputError
from sim.runner import run_waves, wave_schedule


def test_first_wave_is_the_2015_snapshot_whatever_comes_after():
    """A wave run's first survey is the one a plain run observes at 2015."""
    plain = run({}, rng=11).survey
    waves = run_waves({}, [0, 260], [{}, {"policy_share": 0.6}], rng=11)
    assert np.array_equal(waves[0].survey.counts, plain.counts)
    assert np.array_equal(waves[0].survey.answers, plain.answers)


def test_levers_move_year_by_year_to_the_later_wave():
    """Adoption rises in yearly steps and reaches the recorded share before the wave."""
    start, schedule = wave_schedule([0, 520], [{"policy_share": 0.2},
                                              {"policy_share": 0.6}])
    shares = [levers["policy_share"] for _, levers in schedule]
    assert start == {"policy_share": 0.2}
    assert len(schedule) == 10 and shares == sorted(shares)
    assert shares[-1] == pytest.approx(0.6)
    assert schedule[-1][0] <= 520 - 3  # the last survey's four-week window is under it
    obs = run_waves({}, [0, 520], [{"policy_share": 0.2}, {"policy_share": 0.6}], rng=3)
    before, after = (o.muni_flags["policy"] for o in obs)
    assert after.mean() == pytest.approx(0.6, abs=0.2)
    assert not (before & ~after).any()  # raising a share only adds holders


def test_the_shipped_synthetic_wave_says_what_it_is():
    waves = Waves.load(["wave2025-synthetic", "wave2015"])  # sorted by year
    assert [w.year for w in waves.waves] == [2015, 2025]
    assert waves.weeks == (0, 520) and waves.synthetic
    assert "SYNTHETIC" in waves.describe()
    assert waves.levers[1]["policy_share"] == pytest.approx(0.30)
    assert waves.waves[1].by_policy is not None
    record = waves.record()
    assert record[1]["synthetic"] is True and record[0]["label"] == "wave2015"
    obs = waves.observed()
    assert waves.distance()(obs, obs) == 0.0
    assert any("first wave's frame" in n for n in waves.waves[1].notes)


def _units_file(tmp_path, rng=77, keep=lambda i: i % 3 != 0):
    df = run({}, rng=rng).responses()
    df = df[df.unit_id.str[1:].astype(int).map(keep)]
    path = tmp_path / "my_units.csv"
    df.to_csv(path, index=False)
    return path, df


def test_a_unit_level_file_is_the_frame(tmp_path):
    """The file's units, types and municipalities make the virtual survey's frame; every
    unit in the file answers; recorded policies hold as recorded."""
    path, df = _units_file(tmp_path)
    waves = Waves.load([str(path)])
    frame = waves.waves[0].frame
    assert frame.units == df.unit_id.nunique()
    assert frame.municipalities == df.municipality.nunique()
    obs = run_waves({}, waves.weeks, waves.levers, population=waves.population, rng=5)
    survey = obs[0].survey
    assert survey.respondents == frame.units
    held = df.drop_duplicates("municipality").set_index("municipality").local_policy
    order = list(dict.fromkeys(df.municipality))
    assert np.array_equal(obs[0].muni_flags["policy"], held.loc[order].to_numpy() == 1)
    summary = waves.simulate({}, 5)
    assert "policy:with:n" in summary and np.isfinite(summary["share:social:voluntary"])


def test_an_aggregate_table_scales_the_2015_frame(tmp_path):
    table = load_wave(None).table
    path = tmp_path / "double.csv"
    rows = ["activity,n,municipality,voluntary,together"]
    rows += [f"{a},{2 * n},{2 * c[0]},{2 * c[1]},{2 * c[2]}"
             for a, n, c in zip(table.activities, table.n, table.counts, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    wave = load_wave(str(path))
    assert wave.frame.scale == pytest.approx(2.0) and wave.frame.units == 632
    survey = run({}, population=Waves((wave,)).population, rng=1).survey
    assert survey.respondents == 488
    assert any("scaled by 2" in note for note in wave.notes)


@pytest.mark.parametrize(("toml", "words"), [
    ("year = 2025\ndata = 'w.csv'\n[levers]\nresource_pressure = 0.5\n", "unknown lever"),
    ("year = 1800\ndata = 'w.csv'\n", "year"),
    ("data = 'w.csv'\n", "year"),
    ("year = 2025\n", "data"),
    ("year = 2025\ndata = 'w.csv'\n[levers]\npolicy_share = 1.5\n", "policy_share"),
    ("year = 2025\ndata = 'w.csv'\ncolour = 'red'\n", "colour"),
])
def test_a_bad_wave_file_is_one_line(tmp_path, toml, words):
    path = tmp_path / "wave.toml"
    path.write_text(toml)
    (tmp_path / "w.csv").write_text("activity,n,municipality,voluntary,together\n"
                                    "social,10,5,3,2\n")
    with pytest.raises(InputError) as err:
        load_wave(str(path))
    message = str(err.value)
    assert "\n" not in message and str(path) in message and words in message


def test_a_survey_without_a_table2_activity_is_refused_by_name(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("activity,n,municipality,voluntary,together\nsocial,10,5,3,2\n")
    with pytest.raises(InputError, match=r"few\.csv.*day_centre"):
        load_wave(str(path))


def test_municipalities_disagreeing_on_their_policy_are_refused(tmp_path):
    path, df = _units_file(tmp_path)
    first = df.municipality.iloc[0]
    rows = df.index[df.municipality == first]
    df.loc[rows[-1], "local_policy"] = 1 - df.loc[rows[0], "local_policy"]
    if df.loc[rows, "unit_id"].nunique() < 2:
        pytest.skip("the first municipality has one unit")
    df.to_csv(path, index=False)
    with pytest.raises(InputError, match="local_policy"):
        load_wave(str(path))


def test_waves_in_one_year_or_too_far_apart_are_refused(tmp_path):
    same = load_wave(None)
    with pytest.raises(InputError, match="one survey per year"):
        Waves((same, same))


def _csv_wave(tmp_path, name, factor=1, comment=""):
    table = load_wave(None).table
    rows = [comment + "activity,n,municipality,voluntary,together"] if comment else \
        ["activity,n,municipality,voluntary,together"]
    rows += [f"{a},{factor * n},{factor * c[0]},{factor * c[1]},{factor * c[2]}"
             for a, n, c in zip(table.activities, table.n, table.counts, strict=True)]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("make", [
    lambda p: p / "folder",  # a folder (made below)
    lambda p: _csv_wave(p, "huge.csv", factor=1000),  # far larger than 20 × 2015
])
def test_unusable_data_is_one_line_at_once(tmp_path, make):
    (tmp_path / "folder").mkdir()
    path = make(tmp_path)
    with pytest.raises(InputError) as err:
        Waves.load([str(path)])
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_a_wave_toml_in_latin1_is_refused_in_one_line(tmp_path):
    _csv_wave(tmp_path, "w.csv")
    path = tmp_path / "w.toml"
    path.write_bytes('year = 2025\ndata = "w.csv"\ndescription = "Bærum"\n'.encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_wave(str(path))
    path.write_bytes('\ufeffyear = 2025\ndata = "w.csv"\n'.encode())  # a BOM is fine
    assert load_wave(str(path)).year == 2025


def test_many_comment_lines_are_read_and_kept_short(tmp_path):
    # 200,000 comment lines load in about 2 s; the quadratic reader this replaced took
    # minutes (no timed assertion: a shared machine's load would make it flaky).
    comment = "# \x1b]0;title\x07 SYNTHETIC-ish\n" * 200_000
    path = _csv_wave(tmp_path, "c.csv", comment=comment)
    wave = load_wave(str(path))
    assert not wave.synthetic  # only a line starting with SYNTHETIC marks a file


def test_a_later_wave_must_be_of_a_like_size_and_levers_agree_with_the_file(tmp_path):
    big = tmp_path / "big.toml"
    _csv_wave(tmp_path, "big.csv", factor=5)
    big.write_text('year = 2025\ndata = "big.csv"\n')
    with pytest.raises(InputError, match="like size"):
        Waves.load(["wave2015", str(big)])
    path, _ = _units_file(tmp_path)
    first = tmp_path / "first.toml"
    first.write_text(f'year = 2015\ndata = "{path.name}"\n[levers]\npolicy_share = 0.95\n')
    with pytest.raises(InputError, match="contradicts the file"):
        Waves.load([str(first)])


def test_a_policy_column_without_contrast_is_not_used(tmp_path):
    path, df = _units_file(tmp_path)
    df["local_policy"] = 1
    df.to_csv(path, index=False)
    wave = load_wave(str(path))
    assert wave.by_policy is None and any("no contrast" in n for n in wave.notes)


def test_resuming_with_another_year_or_levers_is_refused(tmp_path):
    from calibration.abc import Settings, calibrate

    tiny = Settings(population_size=8, max_populations=1, max_simulations=40,
                    max_walltime_s=30)
    waves = Waves.load(["wave2015", "wave2025-synthetic"])
    calibrate(tmp_path / "cal", seed=1, settings=tiny, progress=False, waves=waves)
    folder = tmp_path / "w"
    folder.mkdir()
    synthetic = Path(load_wave("wave2025-synthetic").source)
    (folder / "w.csv").write_bytes(synthetic.read_bytes())
    (folder / "w.toml").write_text('year = 2040\ndata = "w.csv"\n[levers]\n'
                                   "policy_share = 0.9\n")
    other = Waves.load(["wave2015", str(folder / "w.toml")])
    with pytest.raises(InputError, match="other survey data"):
        calibrate(tmp_path / "cal", seed=1, settings=tiny, progress=False, waves=other,
                  resume=True)


def test_the_report_shows_a_synthetic_second_wave_as_synthetic(tmp_path):
    from coprod.main import main
    from coprod.report_page import build_report

    assert main(["survey", "--reps", "200", "--seed", "1", "--out",
                 str(tmp_path / "survey")]) == 0
    assert main(["survey", "--data", "wave2025-synthetic", "--resample", "unit", "--reps",
                 "200", "--seed", "1", "--out", str(tmp_path / "second_wave")]) == 0
    page = build_report(tmp_path).read_text()
    assert "A second wave (SYNTHETIC)" in page
    assert "made by the model, not observed" in page
    assert "shares moved beyond both waves" in page or "None of the 18 shares" in page
