import re

import pytest

from coprod.main import main
from coprod.report_page import findings


@pytest.mark.slow
def test_report_is_self_contained_and_readable(tmp_path, capsys):
    out = tmp_path / "demo"  # made by the first command, with its parents
    assert main(["survey", "--reps", "500", "--out", str(out / "survey")]) == 0
    assert main(["fit", "--draws", "10", "--out", str(out / "fit")]) == 0
    assert main(["run", "baseline", "trust_forums", "--draws", "2", "--assumption-draws", "1",
                 "--replicates", "2",
                 "--horizon", "12", "--out", str(out / "scenarios")]) == 0
    assert main(["compare", "--out", str(out / "scenarios")]) == 0
    assert main(["report", "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    for heading in ("The survey with honest intervals", "The calibrated model against",
                    "What if?", "How to reproduce every number", "What the model can and"):
        assert heading in html
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert len(images) >= 5 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="https?://', html)  # opens offline
    assert len(list((out / "figures").glob("*.png"))) >= 5
    found = findings(out)
    assert 3 <= len(found) <= 8  # the claims: one count, then one per check not upheld
    # A policy result is stated with its conditions and where its uncertainty comes from.
    assert "trust_forums" in found[-1] and "if the model's mechanisms" in found[-1]
    assert "from the policy's assumed strengths" in found[-1]
    assert "What each answer rests on" in html


def test_report_names_what_is_missing(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "bootstrap.csv" in err and "coprod demo" in err


def test_the_findings_follow_the_data_not_the_paper(tmp_path, write, capsys):
    # A survey that reverses the paper: organisations coordinate the statutory activities,
    # the municipality the others. The report must say the paper's sentences are
    # contradicted by this survey, quoting them.
    rows = ["activity,n,municipality,voluntary,together",
            "social,100,70,10,20", "cultural_nursing_home,70,50,5,15", "physical,50,40,5,5",
            "cultural_home_care,40,30,5,5", "food_delivery,30,3,25,2", "day_centre,20,1,18,1"]
    data = write("reversed.csv", "\n".join(rows) + "\n")
    assert main(["survey", "--data", str(data), "--reps", "500",
                 "--out", str(tmp_path / "survey")]) == 0
    found = findings(tmp_path)
    assert "0 are supported" in found[0]
    statutory = [f for f in found if "the LTC units are mostly responsible" in f]
    assert len(statutory) == 1 and "is contradicted" in statutory[0]
    assert not any("pooled_diff" in f or "share:" in f for f in found)  # plain words


def test_the_effect_sentence_names_only_a_strength_whose_interval_excludes_0():
    import pandas as pd

    from coprod.report_text import effect_sentence
    from scenarios.attribution import CHANCE, STRENGTHS, WORLD

    comp = pd.DataFrame({"scenario": ["baseline", "strict_task_division"],
                         "outcome": ["share_together"] * 2, "diff_median": [0.0, -0.25],
                         "diff_low_90": [0.0, -0.4], "diff_high_90": [0.0, -0.15]})
    # forum_rate carries the larger point share, but its interval reaches 0: the
    # sentence names recruitment_response, and rounds shares to what the intervals allow.
    att = pd.DataFrame({"scenario": "strict_task_division", "outcome": "share_together",
                        "input": [WORLD, STRENGTHS, CHANCE, "forum_rate",
                                  "recruitment_response"],
                        "kind": ["group"] * 3 + ["single"] * 2,
                        "share": [0.4, 0.54, 0.06, 0.35, 0.31],
                        "low_90": [0.2, 0.3, 0.03, 0.0, 0.12],
                        "high_90": [0.6, 0.75, 0.09, 0.6, 0.45],
                        "rank_correlation": float("nan"), "note": ""})
    text = effect_sentence(comp, att)
    assert "50% (30%–80%) comes from the policy's assumed strengths (chiefly the assumed " \
        "recruitment response)" in text
    assert "forum rate" not in text and "54%" not in text


def test_the_report_command_reads_the_results_once(small_compared, monkeypatch, capsys):
    # The page, the opening's surveys and the console's lines come from one reading, with
    # every file a comparison of varied runs leaves (the policy response among them).
    import coprod.report_inputs as inputs

    ensembles = small_compared
    assert (ensembles / "policy_response.csv").is_file()
    read = []
    real = inputs.read_comparison
    monkeypatch.setattr(inputs, "read_comparison",
                        lambda path, *rest: read.append(path) or real(path, *rest))
    assert main(["report", "--out", str(ensembles)]) == 0
    assert read == [ensembles / "comparison.csv"]
    assert "Made from" in capsys.readouterr().out
