"""A planner's answer: one's own municipality, the adopters, unit types, readable numbers."""

import html
import re
import shlex

import numpy as np
import pandas as pd
import pytest

from coprod.main import build_parser, main
from sim.errors import InputError
from sim.municipality import area_outcomes, parse_municipality
from sim.population_spec import PopulationSpec
from tests.conftest import OURS


@pytest.mark.parametrize("line, where", [
    ("inhabitants = 5", "key 'inhabitants'"),
    ("inhabitants = 2_000_000", "key 'inhabitants'"),
    ("nursing_homes = -1", "key 'nursing_homes'"),
    ("local_policy = 1", "key 'local_policy'"),
    ("colour = 'blue'", "key 'colour'"),
    ("population = 'mars'", "key 'population'"),
])
def test_a_bad_municipality_file_is_one_line_naming_key_and_value(line, where):
    key = line.split("=")[0].strip()
    text = "\n".join(r for r in OURS.splitlines() if not r.startswith(key + " ")) + "\n" + line
    with pytest.raises(InputError) as err:
        parse_municipality(text, "ours.toml")
    message = str(err.value)
    assert "\n" not in message and where in message and "ours.toml" in message
    assert "allowed" in message or "valid keys" in message


def test_the_command_line_refuses_a_bad_file_with_exit_2(write, tmp_path, capsys):
    bad = write("ours.toml", OURS.replace("nursing_homes = 4", "nursing_homes = 4.5"))
    code = main(["run", "baseline", "--municipality", str(bad), "--draws", "1",
                 "--assumption-draws", "1", "--replicates", "1", "--horizon", "4",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "nursing_homes" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_the_municipality_replaces_the_nearest_and_holds_its_file():
    from sim.catalogue import UNIT_TYPES
    from sim.parameters import defaults
    from sim.population import build_population

    own = parse_municipality(OURS, "ours.toml")
    plain = build_population("survey2015", defaults(), 3)
    pop = build_population(PopulationSpec.of(own).name, defaults(), 3)
    k = pop.own_index
    assert len(pop.muni_population) == 50 and pop.muni_population[k] == 28000
    # The one replaced was the nearest in size; the others keep their sizes.
    near = np.argmin(np.abs(np.log(plain.muni_population) - np.log(28000)))
    assert k == near and np.array_equal(np.delete(pop.muni_population, k),
                                        np.delete(plain.muni_population, k))
    types = pop.unit_type[pop.unit_muni == k]
    assert [int((types == UNIT_TYPES.index(t)).sum()) for t in UNIT_TYPES] == [4, 3, 1, 0]
    assert (pop.org_muni == k).sum() == 12
    assert not pop.muni_flags["policy"][k] and pop.muni_flags["centre"][k]
    # A scenario's lever switches it as everyone's, unless the file pins it.
    assert pop.flags_for_shares({"policy_share": 1.0, "volunteer_centre_share": 0.0,
                                 "municipal_service_share": 0.1,
                                 "agreement_share": 0.55})["policy"][k]
    pinned = build_population(PopulationSpec.of(parse_municipality(
        OURS + "pin_flags = true\n", "ours.toml")).name, defaults(), 3)
    flags = pinned.flags_for_shares({"policy_share": 1.0, "volunteer_centre_share": 0.0,
                                     "municipal_service_share": 0.1, "agreement_share": 0.55})
    assert not flags["policy"][k] and flags["centre"][k]


def test_per_municipality_outcomes_add_up_to_the_weekly_ones():
    import sim

    own = parse_municipality(OURS, "ours.toml")
    res = sim.run({"policy_share": 1.0}, steps=8, population=PopulationSpec.of(own), rng=5)
    frame, tail = res.municipalities, res.timeseries.iloc[-4:]
    whole = area_outcomes(frame)
    assert whole["activities_per_week"] == pytest.approx(tail.activities_per_week.mean())
    assert whole["staff_hours"] == pytest.approx(tail.staff_hours.mean())
    assert whole["active_volunteers"] == pytest.approx(tail.active_volunteers.iloc[-1])
    assert whole["inhabitants"] == pytest.approx(res.inhabitants)
    # Every municipality holds a policy at the end; those that switched are the adopters,
    # ours (without one in its file) among them.
    assert frame["flag:policy"].all() and 20 < frame.switched.sum() < 50
    assert frame.loc[frame.own == 1, "switched"].item() == 1
    mine = area_outcomes(frame, frame.own == 1)
    assert mine["nursing_home:units"] == 4 and mine["home_care:units"] == 3


def test_adopters_effects_mask_both_runs_with_the_scenarios_switch(small_ensembles):
    from scenarios.compare import compare_scenarios
    from scenarios.effects import read_municipalities_file

    comp = compare_scenarios(small_ensembles, reps=200)
    rows = comp.table.set_index(["scenario", "outcome"])
    row = rows.loc[("local_volunteer_policy", "adopters:per_1000:active_volunteers")]
    assert row.paired_runs == 12 and row.unit == "people per 1,000 inhabitants"
    # By hand, for one run: the scenario's and the baseline's volunteers over the
    # municipalities the scenario switched.
    mine = read_municipalities_file(small_ensembles / "local_volunteer_policy" /
                                    "municipalities.csv")
    base = read_municipalities_file(small_ensembles / "baseline" / "municipalities.csv")
    key = mine.index.droplevel(3)[0]
    a, b = mine.loc[key], base.loc[key]
    switched = a.switched.to_numpy() == 1
    assert 0 < switched.sum() < 50
    assert not b.switched.any()  # the baseline switches nobody
    by_hand = ((a.active_volunteers[switched].sum() - b.active_volunteers[switched].sum())
               / a.inhabitants[switched].sum() * 1000)
    from scenarios.effects import adopter_effects

    eff = adopter_effects(mine, base).differences
    assert eff.loc[key, "adopters:per_1000:active_volunteers"] == pytest.approx(by_hand)
    # Whose every outcome is, in words; by unit type.
    assert rows.loc[("baseline", "active_volunteers"), "of"].endswith(
        "in the 50 municipalities of the 2015 sample")
    assert ("baseline", "nursing_home:share_together") in rows.index
    assert ("baseline", "home_care:activities_per_unit") in rows.index
    assert "answers, not activities" in rows.loc[
        ("baseline", "survey_answered:social"), "label"]
    # Too few draws for single inputs: said, not zeros. The adopters' effects attributed.
    att = comp.attribution
    assert "adopters:per_1000:active_volunteers" in set(att.outcome)
    assert set(att.kind) == {"group"}  # no single strength from 3 draws
    assert any("too few draws of the policy strengths (3; at least 8)" in n
               for n in comp.notes)
    assert np.isclose(att[att.kind == "group"].groupby("outcome").share.sum(), 1).all()
    # A lever-only scenario leaves the 2015 snapshot as the baseline's: no note.
    assert comp.snapshot is None and not any("2015 snapshot" in n for n in comp.notes)


def test_a_scenario_acting_before_2015_says_so(write, tmp_path):
    from calibration.posterior import load_posterior
    from scenarios.compare import compare_scenarios
    from scenarios.ensemble import run_ensembles
    from scenarios.spec import load_scenario

    clarity = write("clarity.toml", 'name = "clarity"\ndescription = "Clearer roles."\n'
                    "[set]\npolicy_clarity = 0.95\n")
    sizes = {"draws": 1, "assumption_draws": 1, "replicates": 2, "horizon_weeks": 4}
    out = tmp_path / "runs"
    run_ensembles([load_scenario(n).with_sizes(**sizes) for n in ("baseline", clarity)],
                  load_posterior(), out, seed=4, progress=False)
    comp = compare_scenarios(out, reps=200)
    note = [n for n in comp.notes if "2015 snapshot" in n]
    assert len(note) == 1 and "policy_clarity" in note[0] and "before the levers" in note[0]
    assert any("clarity switches no municipality's" in n for n in comp.notes)
    assert set(comp.snapshot.columns) >= {"observed", "baseline_median", "scenario_median"}
    assert len(comp.snapshot) == 18


def test_numbers_people_read():
    from scenarios.labels import change, describe, fte, number

    assert change(0.027, -0.004, 0.2, "0–1") == "+0.027 (90% −0.004 to +0.200)"
    assert change(480, -545, 2743, "people") == "+480 people (90% −545 to +2,743)"
    assert change(0.019, -0.017, 0.13, "%", 100) == "+1.9 points (90% −1.7 to +13.0)"
    assert change(0.21, -0.001, 0.46, "units") == "+0.21 units (90% 0.00 to +0.46)"
    assert number(21034.4, "people") == "21,034 people"
    assert number(0.238, "%", 100) == "23.8%"
    assert fte(1695 / 52) == pytest.approx(1.0)
    label = describe("own:per_1000:active_volunteers", own="ours")
    assert label.unit == "people per 1,000 inhabitants" and "ours alone" in label.of


@pytest.mark.slow
def test_own_municipality_outcomes_through_the_command_line(write, tmp_path, capsys):
    ours = write("ours.toml", OURS + "pin_flags = true\n")
    out = tmp_path / "ours"
    assert main(["run", "baseline", "local_volunteer_policy", "--municipality", str(ours),
                 "--draws", "1", "--assumption-draws", "1", "--replicates", "2",
                 "--horizon", "4", "--out", str(out)]) == 0
    assert main(["compare", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "In ours alone (28,000 inhabitants" in printed
    table = pd.read_csv(out / "comparison.csv")
    own = table[table.outcome == "own:per_1000:active_volunteers"]
    assert len(own) == 2 and own.paired_runs.dropna().eq(2).all()
    munis = pd.read_csv(out / "local_volunteer_policy" / "municipalities.csv")
    assert (munis[munis.own == 1].switched == 0).all()  # pinned: its policy stays off
    assert munis[munis.own == 0].switched.sum() > 0
    assert "percentage points" in printed and "e+0" not in printed
    # A report from the scenarios alone: rendered, naming what it left out.
    assert main(["report", "--out", str(out)]) == 0
    page = re.sub(r'src="data:[^"]+"', "", (out / "report.html").read_text())
    assert "Left out" in page and "coprod survey --out" in page
    assert "nan%" not in page.lower() and "e+0" not in page
    assert "Where the policy changes, by unit type, and in ours" in page
    assert "too few draws of the policy strengths to name one" in page
    assert "read them" in page
    # Every reproduce line is a command the parser takes.
    section = page[page.index("How to reproduce"):]
    lines = [html.unescape(line) for line in
             re.findall(r"<li><code>(coprod [^<]+)</code>", section)]
    assert len(lines) == 3 and "--municipality" in lines[0]
    for line in lines:
        build_parser().parse_args(shlex.split(line)[1:])


def test_if_only_we_adopt_the_levers_reach_our_municipality_alone():
    # adopters = own: our municipality takes the policy, the others keep 2015's flags.
    import sim

    own = parse_municipality(OURS, "ours.toml")
    name = PopulationSpec.of(own).name
    alone = sim.run({"policy_share": 1.0, "adopters": "own"}, steps=8, population=name,
                    rng=5)
    everyone = sim.run({"policy_share": 1.0}, steps=8, population=name, rng=5)
    base = sim.run({}, steps=8, population=name, rng=5)
    index = int(np.flatnonzero(alone.municipalities["own"])[0])
    held = alone.municipalities["flag:policy"].to_numpy()
    assert held[index] == 1 and everyone.municipalities["flag:policy"].all()
    others = np.arange(len(held)) != index
    assert np.array_equal(held[others], base.municipalities["flag:policy"].to_numpy()[others])
    assert alone.municipalities["switched"].sum() == 1
    # Levers that act on every municipality cannot reach ours alone; nor can a run
    # without a municipality of one's own.
    with pytest.raises(InputError, match="recruitment_effort acts on every municipality"):
        sim.run({"recruitment_effort": 1.0, "adopters": "own"}, population=name, rng=1)
    with pytest.raises(InputError, match="nobody to adopt"):
        sim.run({"policy_share": 1.0, "adopters": "own"}, steps=2, rng=1)


def test_municipalities_like_yours_are_within_a_factor_of_two_and_not_yours():
    from scenarios.effects import like_yours

    inhabitants = np.array([28000, 14000, 13999, 56000, 56001, 30000, 500])
    own = np.array([1, 0, 0, 0, 0, 0, 0])
    assert like_yours(inhabitants, own).tolist() == [False, True, False, True, False,
                                                     True, False]
    assert not like_yours(inhabitants, np.zeros(7)).any()  # nobody's own: nobody like it


def _ours_runs(out, *, alone: bool = False):
    """Baseline and the local policy with our municipality (``alone``: --adopters own)."""
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles
    from scenarios.results import adopters_own
    from scenarios.spec import load_scenario

    own = parse_municipality(OURS, "ours.toml")
    sizes = {"draws": 1, "assumption_draws": 2, "replicates": 3, "horizon_weeks": 8}
    scenarios = [load_scenario(n).with_sizes(**sizes).on_population(PopulationSpec.of(own),
                                                                     "test")
                 for n in ("baseline", "local_volunteer_policy")]
    scenarios = adopters_own(scenarios, "own" if alone else "all", True)
    assert not run_ensembles(scenarios, load_posterior(), out, seed=7,
                             progress=False).failures
    return out


def test_the_municipalities_like_yours_and_those_of_them_adopting_by_hand(tmp_path):
    from scenarios.compare import compare_scenarios, group_lines
    from scenarios.effects import read_municipalities_file

    out = _ours_runs(tmp_path / "runs")
    comp = compare_scenarios(out, reps=200)
    rows = comp.table.set_index(["scenario", "outcome"])
    mine = read_municipalities_file(out / "local_volunteer_policy" / "municipalities.csv")
    base = read_municipalities_file(out / "baseline" / "municipalities.csv")
    counts, adopting = [], []
    for key, run in mine.groupby(level=[0, 1, 2]):
        size = run.inhabitants[run.own == 1].item()
        like = ((run.own == 0) & (run.inhabitants >= size / 2)
                & (run.inhabitants <= size * 2)).to_numpy()
        both = like & (run.switched == 1).to_numpy()
        counts.append(like.sum())
        other = base.loc[key]
        # By hand: the change in volunteers per 1,000 over the like-yours adopters.
        adopting.append((run.active_volunteers[both].sum() - other.active_volunteers[both]
                         .sum()) / run.inhabitants[both].sum() * 1000)
    policy = "local_volunteer_policy"
    count = rows.loc[(policy, "like_yours:municipalities")]
    assert count["median"] == np.median(counts) and count["median"] >= 5
    gain = rows.loc[(policy, "like_yours_adopters:per_1000:active_volunteers")]
    assert gain.diff_median == pytest.approx(np.median(adopting))
    assert gain.unit == "people per 1,000 inhabitants" and "ours left out" in gain["of"]
    assert "14,000 to 56,000 inhabitants" in gain["of"] and "switched" in gain["of"]
    for outcome in ("share_municipality", "share_voluntary", "share_together",
                    "nursing_home:activities_per_unit", "home_care:activities_per_unit",
                    "staff_fte"):
        assert (policy, f"like_yours_adopters:{outcome}") in rows.index, outcome
        assert (policy, f"like_yours:{outcome}") in rows.index, outcome
    # Said after our own municipality as the steadier reading of adopting.
    lines = group_lines(comp.table, "baseline", comp.population)
    steadier = [line for line in lines if line.startswith("The steadier reading")]
    assert len(steadier) == 1 and "like-yours adopters" in steadier[0]
    assert "together" in steadier[0] and "FTE" in steadier[0]


def test_if_only_we_adopt_the_municipalities_like_ours_show_chance_not_the_policy(tmp_path):
    from scenarios.compare import compare_scenarios, group_lines

    out = _ours_runs(tmp_path / "runs", alone=True)
    comp = compare_scenarios(out, reps=200)
    outcomes = set(comp.table.outcome)
    assert "like_yours:per_1000:active_volunteers" in outcomes
    assert not any(o.startswith("like_yours_adopters:") for o in outcomes)
    assert any("no municipality like ours adopts" in n and "chance alone" in n
               for n in comp.notes)
    lines = group_lines(comp.table, "baseline", comp.population)
    assert len(lines) == 1 and "adopt in no run" in lines[0] and "chance alone" in lines[0]
    assert "steadier" not in lines[0]


@pytest.mark.parametrize("counts, expected", [
    # A policy acting on every municipality: all those like ours are the steadier reading.
    ({"like_yours": 9}, "levers act in every municipality), the steadier reading"),
    # Too few like-yours adopters to be steadier than ours: shown, and said so.
    ({"adopters": 30, "like_yours": 6, "like_yours_adopters": 3}, "Fewer than 5"),
])
def test_the_steadier_reading_says_what_it_is(counts, expected):
    from scenarios.compare import group_lines

    rows = [("baseline", "share_together", 0.3, np.nan)]
    for group, n in counts.items():
        rows += [("policy", f"{group}:municipalities", n, np.nan),
                 ("policy", f"{group}:share_together", 0.3, 0.02)]
    table = pd.DataFrame(rows, columns=["scenario", "outcome", "median", "diff_median"])
    table = table.assign(diff_low_90=table.diff_median - 0.01,
                         diff_high_90=table.diff_median + 0.01)
    own = parse_municipality(OURS, "ours.toml")
    lines = group_lines(table, "baseline", PopulationSpec.of(own).name)
    assert any(expected in line and "together +2.0 points" in line for line in lines), lines
