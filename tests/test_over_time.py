"""Over time: the paired effect year by year, staff time in FTE, a scenario's files whole."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import OURS, SMALL_SIZES

# Sixty weeks: the snapshot (year 0), one whole year and a shorter second one.
SIZES = {**SMALL_SIZES, "horizon_weeks": 60}


def _ensembles(out: Path, *, seed: int = 3, replace=None):
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles
    from scenarios.spec import load_scenario
    from sim.municipality import parse_municipality
    from sim.population_spec import PopulationSpec

    population = PopulationSpec.of(parse_municipality(OURS, "ours.toml"))
    scenarios = [load_scenario(n).with_sizes(**SIZES).on_population(population, "test")
                 for n in ("baseline", "local_volunteer_policy")]
    return run_ensembles(scenarios, load_posterior(), out, seed=seed, progress=False,
                         replace=replace)


@pytest.fixture(scope="module")
def planner_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("over_time") / "scenarios"
    assert not _ensembles(out).failures
    return out


@pytest.fixture(scope="module")
def planner_comparison(planner_runs):
    """compare_scenarios of :func:`planner_runs` (reps=200), read by several tests."""
    from scenarios.compare import compare_scenarios

    return compare_scenarios(planner_runs, reps=200)


def test_stopping_at_each_years_end_changes_no_number():
    from sim.world import World

    def history(blocks):
        world = World("survey2015", 11)
        for n in blocks:
            world.advance(n)
        return world

    one, weekly = history([110]), history([1] * 110)
    for name, values in one.history().items():
        assert np.array_equal(values, weekly.history()[name], equal_nan=True), name
    assert [w for w, _ in one.year_records] == [0, 52, 104]
    for (_, a), (_, b) in zip(one.year_records, weekly.year_records, strict=True):
        assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def test_year_by_year_is_paired_and_ends_where_the_comparison_does(planner_comparison):
    comp = planner_comparison
    by_year = comp.over_time.table
    assert set(by_year.group) == {"own", "adopters", "like_yours", "like_yours_adopters",
                                  "all"}
    assert sorted(by_year.year.unique()) == [0, 1, 2]
    assert sorted(by_year.week.unique()) == [0, 52, 60]
    assert sorted(by_year.calendar_year.unique()) == [2015, 2016]  # week 60 is in 2016
    # Scenarios branch from one 2015 world: at the snapshot every pair is equal.
    snapshot = by_year[by_year.year == 0]
    assert (snapshot.runs == 12).all()
    assert np.allclose(snapshot[["diff_median", "diff_low_90", "diff_high_90"]], 0)
    # The horizon's year is comparison.csv's own: and adopters: rows (in the unit shown:
    # shares in points), to the six significant digits the CSVs keep.
    table = comp.table.set_index(["scenario", "outcome"])
    last = by_year[by_year.year == 2].set_index(["group", "outcome"])
    for group, prefix in (("own", "own:"), ("adopters", "adopters:"),
                          ("like_yours", "like_yours:"),
                          ("like_yours_adopters", "like_yours_adopters:")):
        for outcome in ("share_municipality", "share_together", "per_1000:active_volunteers",
                        "nursing_home:activities_per_unit", "staff_fte"):
            row = table.loc[("local_volunteer_policy", prefix + outcome)]
            scale = 100 if outcome.startswith("share") else 1
            mine = last.loc[(group, outcome)]
            for a, b in (("diff_median", "diff_median"), ("diff_low_90", "diff_low_90"),
                         ("diff_high_90", "diff_high_90")):
                assert mine[a] == pytest.approx(row[b] * scale, rel=1e-4, abs=1e-4), \
                    (group, outcome, a)
            assert mine["runs"] == row["paired_runs"]
    assert "2025" not in comp.years and "60 weeks" in comp.years


def test_staff_time_is_a_row_in_fte_with_its_hours(planner_comparison):
    from scenarios.derived import HOURS_PER_FTE_WEEK

    table = planner_comparison.table.set_index(["scenario", "outcome"])
    hours = table.loc[("local_volunteer_policy", "own:staff_hours")]
    fte = table.loc[("local_volunteer_policy", "own:staff_fte")]
    assert HOURS_PER_FTE_WEEK == pytest.approx(1695 / 52)
    assert fte["unit"] == "FTE" and fte["scale"] == 1 and "1,695 hours" in fte["label"]
    for column in ("median", "low_90", "diff_median", "diff_high_90"):
        assert fte[column] == pytest.approx(hours[column] / HOURS_PER_FTE_WEEK)


@pytest.mark.slow
def test_compare_writes_the_years_and_says_what_ten_years_mean(tmp_path, capsys, write):
    from coprod.main import main

    ours = write("ours.toml", OURS)
    out = tmp_path / "runs"
    sizes = ["--draws", "1", "--assumption-draws", "2", "--replicates", "2"]
    assert main(["run", "baseline", "local_volunteer_policy", "--municipality", str(ours),
                 *sizes, "--horizon", "520", "--seed", "3", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["compare", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    first = said[:said.index("At the horizon")]
    for words in ("per nursing home", "per home-care district", "full-time equivalents",
                  "per 1,000 inhabitants", "rests most on"):
        assert words in first, words
    assert "520 weeks = 10 years after the 2015 snapshot" in said and "is 2025" in said
    assert "In ours, local_volunteer_policy changes the share coordinated" in said
    frame = pd.read_csv(out / "effect_by_year.csv")
    assert sorted(frame.year.unique()) == list(range(11))
    assert frame[frame.year == 10].calendar_year.unique().tolist() == [2025]
    assert (out / "effect_by_year.png").stat().st_size > 10_000
    import json

    record = json.loads((out / "comparison_manifest.json").read_text())
    assert "is 2025" in record["years"] and "effect_by_year" in record
    # The report says the same, in its own section, with the figure embedded.
    assert main(["report", "--out", str(out)]) == 0
    import html
    import re

    text = html.unescape(re.sub(r"<[^>]+>", " ", (out / "report.html").read_text()))
    text = re.sub(r"\s+", " ", text)
    section = text[text.index("Over time: how soon"):]
    assert "so year 10 is 2025" in section
    assert "In ours, local_volunteer_policy changes the share coordinated" in section
    assert "In the municipalities it switched" in section
    assert "year by year from the switch" in section  # the figure's caption


@pytest.mark.slow
def test_an_interrupted_write_leaves_a_scenarios_files_whole_or_none(tmp_path, monkeypatch):
    import scenarios.ensemble as ensemble
    from runtime.files import replaced_together
    from runtime.pool import Interrupted
    from scenarios.compare import compare_scenarios
    from scenarios.store import RESULT_FILES, SIDE_STORE, recorded_identity

    out = tmp_path / "scenarios"
    assert not _ensembles(out, replace=replaced_together).failures
    before = {p.name: p.read_bytes() for p in (out / "baseline").iterdir()
              if p.name in RESULT_FILES}
    assert set(before) == set(RESULT_FILES)

    real = ensemble.atomic_write_frame

    def cut(path, frame, **kw):  # Ctrl-C once the first two files of a set are written
        if Path(path).name == "municipalities.csv":
            raise KeyboardInterrupt
        return real(path, frame, **kw)

    # Another seed with --force, whose write of the new files is cut short: the new runs
    # wait in a side store; the old set (runs and files) stays whole.
    monkeypatch.setattr(ensemble, "atomic_write_frame", cut)
    with pytest.raises(Interrupted) as stop:
        from calibration.posterior import load_posterior
        from scenarios.spec import load_scenario
        from sim.municipality import parse_municipality
        from sim.population_spec import PopulationSpec

        population = PopulationSpec.of(parse_municipality(OURS, "ours.toml"))
        ensemble.run_ensembles(
            [load_scenario(n).with_sizes(**SIZES).on_population(population, "test")
             for n in ("baseline", "local_volunteer_policy")], load_posterior(), out,
            seed=4, progress=False, force=True, replace=replaced_together)
    assert "24 of 24 runs are kept" in stop.value.kept
    assert "--resume" in stop.value.kept and "writes the files" in stop.value.kept
    assert "earlier results of baseline, local_volunteer_policy are unchanged" in \
        stop.value.kept
    left = sorted(p.name for p in (out / "baseline").iterdir())
    assert left == sorted([*RESULT_FILES, "runs.sqlite", SIDE_STORE]), left  # no stage
    assert {n: (out / "baseline" / n).read_bytes() for n in before} == before
    assert compare_scenarios(out, reps=200).table.runs.max() == 12  # the old set, whole
    # --resume with the new seed writes the whole set from the side store's runs,
    # computing none again, and puts it in place of the old one.
    monkeypatch.setattr(ensemble, "atomic_write_frame", real)
    from calibration.posterior import load_posterior
    from scenarios.spec import load_scenario

    result = ensemble.run_ensembles(
        [load_scenario(n).with_sizes(**SIZES).on_population(population, "test")
         for n in ("baseline", "local_volunteer_policy")], load_posterior(), out,
        seed=4, progress=False, resume=True, replace=replaced_together)
    assert result.reused == 24
    assert {p.name for p in (out / "baseline").iterdir()} == {*RESULT_FILES, "runs.sqlite"}
    assert recorded_identity(out / "baseline")["seed"] == 4
    assert compare_scenarios(out, reps=200).over_time.table.runs.max() == 12


def test_a_tampered_year_file_is_one_line_naming_file_line_and_column(planner_runs, tmp_path):
    import shutil

    from scenarios.compare import compare_scenarios
    from sim.errors import InputError

    out = Path(shutil.copytree(planner_runs, tmp_path / "scenarios"))
    path = out / "local_volunteer_policy" / "municipalities_by_year.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("staff_hours")] = "lots"
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        compare_scenarios(out, reps=200)
    message = str(err.value)
    assert "\n" not in message and "municipalities_by_year.csv: line 6" in message
    assert "staff_hours" in message and "lots" in message
