"""The application layer carries the model's answers to the user: readings, attribution,
narrowing, claims, 'if only we adopt' and studies of the model they describe."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coprod.main import main
from tests.conftest import OURS


def _readings_drawn(folder) -> int:
    inputs = pd.read_csv(folder / "local_volunteer_policy" / "inputs.csv")
    return inputs.policy_reading.nunique()


@pytest.fixture(scope="module")
def reading_comparison(reading_ensembles):
    """compare_scenarios of :func:`reading_ensembles` (reps=500), read by several tests."""
    from scenarios.compare import compare_scenarios

    return compare_scenarios(reading_ensembles, reps=500)


def test_the_local_policy_answers_per_reading_beside_the_average(reading_ensembles,
                                                                 reading_comparison, capsys):
    from calibration.posterior import load_posterior
    from scenarios.compare import reading_lines
    from sim.regime import READINGS

    assert _readings_drawn(reading_ensembles) >= 2  # the premise: more than one reading
    comp = reading_comparison
    table = comp.table.set_index(["scenario", "outcome"])
    policy = "local_volunteer_policy"
    rows = [table.loc[(policy, f"reading:{r}:share_municipality")] for r in READINGS]
    # Every paired run falls under exactly one reading; weights are the posterior's.
    assert sum(r.paired_runs for r in rows) == table.loc[(policy, "share_municipality"),
                                                         "paired_runs"]
    weights = load_posterior().level_shares()
    assert [r.reading_weight for r in rows] == pytest.approx(list(weights.values()))
    assert "assuming the local policy's reading" in rows[0]["of"]
    lines = reading_lines(comp.table, policy, "share_municipality")
    assert len(lines) == 4 and lines[0].startswith("assuming a division of tasks")
    assert lines[-1].startswith("averaged over the readings by their posterior weights "
                                + "/".join(f"{w:.2f}" for w in weights.values()))
    # 12 runs over 6 worlds: no reading has 10 runs, so they say so and give no number.
    few = [line for line, r in zip(lines, rows, strict=False) if r.paired_runs < 10]
    assert few and all("no number given" in line for line in few)
    assert any("readings as drawn" in n for n in comp.notes)
    # What `coprod compare` prints of them and writes to comparison.csv (the command end to
    # end: test_compare_prints_the_answer_per_reading_and_writes_the_policy_response, slow).
    from coprod.console_scenarios import _print_readings

    _print_readings(comp)
    printed = capsys.readouterr().out
    assert "by the policy's reading (the paper leaves it open" in printed
    assert "averaged over the readings by their posterior weights" in printed
    assert {"reading", "reading_weight", "reading_worlds"} <= set(comp.table.columns)


def test_attribution_groups_reach_the_report_with_their_words(tmp_path):
    from coprod.report_inputs import load_scenarios
    from coprod.report_page import POLICY_WORDS
    from coprod.report_text import effect_sentence, policy_sentence
    from scenarios.attribution import CHANCE, NARROWED, STRENGTHS, WORLD
    from sim.regime import POLICY_INPUTS

    assert set(POLICY_WORDS) == set(POLICY_INPUTS)
    comp = pd.DataFrame({"scenario": ["baseline", "local_volunteer_policy"],
                         "outcome": ["share_municipality"] * 2, "diff_median": [0.0, -0.05],
                         "diff_low_90": [0.0, -0.09], "diff_high_90": [0.0, -0.01]})
    comp = pd.concat([comp, comp.assign(outcome="share_together")], ignore_index=True)
    (tmp_path / "scenarios").mkdir()
    rows = [(WORLD, "group", 0.7, 0.5, 0.85, np.nan, ""),
            (STRENGTHS, "group", 0.01, 0.0, 0.05, np.nan, ""),
            (CHANCE, "group", 0.29, 0.1, 0.4, np.nan, ""),
            (NARROWED, "group", np.nan, np.nan, np.nan, np.nan, "not separable: whole"),
            ("municipal_default", "association", np.nan, -0.97, -0.9, -0.95, "")]
    frame = pd.DataFrame(rows, columns=["input", "kind", "share", "low_90", "high_90",
                                        "rank_correlation", "note"])
    frame.insert(0, "outcome", "share_municipality")
    frame.insert(0, "scenario", "local_volunteer_policy")
    frame = pd.concat([frame, frame.assign(outcome="share_together")])
    frame.to_csv(tmp_path / "scenarios" / "attribution.csv", index=False)
    attribution = load_scenarios(tmp_path / "scenarios").attribution  # read as the report does
    text = policy_sentence(comp, attribution)
    assert "from the calibrated worlds" in text and "Not separable in this design" in text
    # The association to its own two decimals, with the reading it belongs to.
    assert "(rank correlation -0.95 (90% -0.97 to -0.90))" in text
    assert "under the reading 'a division of tasks'" in text
    effect = effect_sentence(comp, attribution)
    assert "the policy's assumed strengths" in effect and "mostly set by the calibrated" \
        in effect


def test_stale_studies_go_to_the_appendix(tmp_path):
    from calibration.posterior import shipped_study_file
    from coprod.report_page import build_report
    from sim.parameters import MODEL_VERSION

    folder = tmp_path / "validation"
    shutil.copytree(str(shipped_study_file("")), folder)
    current = json.loads((folder / "design_manifest.json").read_text())
    current.setdefault("versions", {})["model"] = str(MODEL_VERSION)
    (folder / "design_manifest.json").write_text(json.dumps(current))
    stale = json.loads((folder / "recovery_manifest.json").read_text())
    stale.setdefault("versions", {})["model"] = str(MODEL_VERSION - 1)
    (folder / "recovery_manifest.json").write_text(json.dumps(stale))
    out = tmp_path / "demo"
    assert main(["survey", "--reps", "200", "--out", str(out / "survey")]) == 0
    page = build_report(out, studies_folder=folder).read_text()
    appendix = page.index("Appendix: studies of an earlier model")
    assert page.index("What the next survey would tell") < appendix  # current: evidence
    # The study says how its worlds were drawn: the method of the version that made it.
    assert "Worlds drawn from the shipped posterior" in page[:appendix]
    assert page.index(f"Parameter recovery (model version {MODEL_VERSION - 1})") > appendix
    remake = stale["command"].split(" --out ")[0]  # the folder of the machine is left out
    assert f"Remake it for this model with <code>{remake} --out DIR" in page
    assert page.index("How to reproduce") < appendix  # the appendix comes last


@pytest.mark.slow
def test_if_only_we_adopt_from_the_command_line(write, tmp_path, capsys):
    ours = write("ours.toml", OURS)
    out = tmp_path / "own"
    assert main(["run", "local_volunteer_policy", "--adopters", "own", "--out",
                 str(out)]) == 2
    assert "--adopters" in capsys.readouterr().err
    assert main(["run", "trust_forums", "--municipality", str(ours), "--adopters", "own",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--adopters" in err and "forum_intensity" in err and "Traceback" not in err
    assert main(["run", "baseline", "local_volunteer_policy", "--municipality", str(ours),
                 "--adopters", "own", "--draws", "1", "--assumption-draws", "1",
                 "--replicates", "2", "--horizon", "4", "--out", str(out)]) == 0
    assert "your municipality alone takes" in capsys.readouterr().out
    assert main(["compare", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "comparison.csv").set_index(["scenario", "outcome"])
    assert table.loc[("local_volunteer_policy", "adopters:municipalities"), "median"] == 1
    assert "no link between municipalities" in printed
    # Your municipality first: who coordinates before and after, then volunteers.
    assert printed.startswith("Your municipality, ours, first:")
    first = printed.split("\n\n")[0]
    for words in ("coordinated by the municipality alone", "coordinated together",
                  "active volunteers per 1,000 inhabitants", "before", "after", "90%"):
        assert words in first
    from coprod.report_page import findings

    found = findings(out)
    assert found[0].startswith("In ours, local_volunteer_policy against baseline")
    assert "no link between municipalities" in found[1]
    record = json.loads((out / "comparison_manifest.json").read_text())
    assert isinstance(record["notes"], list)


def test_calibration_writes_what_the_survey_narrowed(tmp_path):
    from calibration.calibrated import narrowed
    from calibration.posterior import load_posterior

    post = load_posterior()
    screening = pd.DataFrame({"input": ["municipal_default", "municipal_tradition"],
                              "largest_effect": [0.2, 0.7], "informative": [True, True]})
    narrowing, annotated, said = narrowed(post, screening, seed=1)
    assert set(narrowing.input) == set(post.particles.columns)
    annotated = annotated.set_index("input")
    assert annotated.loc["municipal_default", "survey"] == "not identified by the survey"
    assert "narrowed" in said[0] and "municipal_default" in said[1]


def test_survey_judges_control_most_and_says_for_whom(capsys):
    assert main(["survey", "--reps", "200"]) == 0
    printed = capsys.readouterr().out
    assert "control most of the coordination work" in printed
    assert "for: supported for the statutory activities" in printed


@pytest.mark.slow
def test_compare_prints_the_answer_per_reading_and_writes_the_policy_response(
        reading_ensembles, tmp_path, capsys):
    ensembles = Path(shutil.copytree(reading_ensembles, tmp_path / "scenarios"))
    assert _readings_drawn(ensembles) >= 2
    assert main(["compare", "--out", str(ensembles)]) == 0
    printed = capsys.readouterr().out
    assert "by the policy's reading (the paper leaves it open" in printed
    assert "averaged over the readings by their posterior weights" in printed
    assert "by what one assumes of each route" in printed
    response = pd.read_csv(ensembles / "policy_response.csv")
    assert (ensembles / "policy_response.png").is_file() and len(response)
    record = json.loads((ensembles / "comparison_manifest.json").read_text())
    assert "policy_response.csv" in record["written"]
    assert any("readings as drawn" in n for n in record["notes"])
    table = pd.read_csv(ensembles / "comparison.csv")
    assert table.outcome.str.startswith("reading:").any()
    assert {"reading", "reading_weight", "reading_worlds"} <= set(table.columns)


def test_a_posterior_that_cannot_be_read_is_said_not_dropped(reading_ensembles, tmp_path):
    from scenarios.compare import compare_scenarios

    ensembles = Path(shutil.copytree(reading_ensembles, tmp_path / "scenarios"))
    path = ensembles / "local_volunteer_policy" / "manifest.json"
    record = json.loads(path.read_text())
    record["posterior"] = str(tmp_path / "moved_posterior")  # gone since the runs
    path.write_text(json.dumps(record))
    comp = compare_scenarios(ensembles, reps=200)
    rows = comp.table[comp.table.outcome.str.startswith("reading:")]
    assert len(rows) and rows.reading_weight.isna().all()  # no weight invented
    assert any("readings' posterior weights are not given" in n and "moved_posterior" in n
               for n in comp.notes), comp.notes


def test_class_probabilities_carry_an_interval_over_the_worlds(reading_ensembles,
                                                              reading_comparison):
    from scenarios.compare import compare_scenarios

    comp = reading_comparison
    rows = comp.table[comp.table.outcome.str.startswith("class:")]
    assert len(rows) and rows[["mean_low_90", "mean_high_90"]].notna().all().all()
    assert ((rows.mean_low_90 <= rows["mean"] + 1e-12)
            & (rows["mean"] <= rows.mean_high_90 + 1e-12)).all()
    never = rows[rows["mean"] == 0]  # never seen is not "impossible": 1 - 0.05^(1/6)
    assert len(never) and (never.mean_high_90 > 0.3).all() and (never.mean_low_90 == 0).all()
    again = compare_scenarios(reading_ensembles, reps=500).table
    assert again.mean_high_90.equals(comp.table.mean_high_90)  # same seed, same numbers
