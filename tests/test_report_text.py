"""The report's sentences, sections and glossary, tested without results files."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coprod.report_text import (
    effect_sentence,
    horizon_words,
    level,
    paired_change,
    took,
)
from sim.errors import InputError

README = Path(__file__).resolve().parent.parent / "README.md"


def _comparison(*policies: tuple[str, float]) -> pd.DataFrame:
    rows = [("baseline", 0.0, 0.0, 0.0)] + [(n, d, d - 0.1, d + 0.1) for n, d in policies]
    return pd.DataFrame(rows, columns=["scenario", "diff_median", "diff_low_90",
                                       "diff_high_90"]).assign(outcome="share_together")


def test_one_policy_is_not_ranked_among_itself():
    one = effect_sentence(_comparison(("trust_forums", 0.11)), None)
    assert one.startswith("'trust_forums' changes shared coordination by +11.0 points")
    assert "most" not in one and "Of the policies" not in one
    two = effect_sentence(_comparison(("trust_forums", 0.11), ("squeeze", -0.2)), None)
    assert two.startswith("Of the policies, 'squeeze' changes shared coordination most: "
                          "−20.0 points")


def test_a_duration_is_said_only_when_recorded():
    from coprod.report_studies import study_duration

    assert took(study_duration({"wall_time_total_s": 4213.5})) == "; 4,214 s in all"
    for missing in (None, "?", float("nan"), -1, True):
        assert took(study_duration({"wall_time_total_s": missing})) == ""


def test_trust_carries_its_scale_and_shares_their_points():
    assert level(0.652, "0–1") == "0.652 on the 0–1 scale"
    assert level(0.386, "%", 100) == "38.6%"
    row = {"diff_median": 0.016, "diff_low_90": -0.004, "diff_high_90": 0.138}
    assert paired_change(row, "mean_trust").endswith("on the 0–1 scale")
    assert paired_change({k: v / 10 for k, v in row.items()},
                         "share_together").startswith("+0.2 points")


def test_the_horizon_counts_from_the_switch():
    assert horizon_words(()) == ""
    words = horizon_words((520,))
    assert "10 years ahead" in words and "from the switch" in words
    assert "12 weeks ahead" in horizon_words((12,))


def test_a_width_is_never_wider_than_its_range():
    from coprod.report_studies import PRIOR_RANGE, width_words

    assert width_words(1.08, PRIOR_RANGE) == "the whole prior range"
    assert width_words(0.5, PRIOR_RANGE) == f"0.50 {PRIOR_RANGE}"
    assert width_words(3.2, "points") == "3.20 points"  # an effect's width has no range


def test_a_shipped_command_loses_the_folder_of_the_machine_it_was_made_on():
    from coprod.report_studies import manifest_facts

    facts = manifest_facts({"command": "coprod design --seed 2015 --out /work/runs/x",
                            "seed": 2015, "versions": {"model": "1"}}, "coprod design")
    assert facts["command"] == "coprod design --seed 2015 --out DIR"
    assert facts["seconds"] == "" and facts["stale"]["made"] == 1


def test_the_templates_escape_every_value():
    from coprod.report_templates import render

    page = render("section.html.j2", section={"template": "limits.html.j2",
                                              "context": {"items": ["<script>x</script>"]}})
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_what_is_left_out_follows_from_the_section_table(tmp_path):
    from coprod.report_inputs import ReportInputs
    from coprod.report_page import page_values

    empty = ReportInputs(directory=tmp_path, survey=None, second_wave=None, fit=None,
                         scenarios=None, posteriors=())
    values = page_values(empty, tmp_path / "figures")
    commands = [how for _, how in values["left"]]
    assert [c.split()[1] for c in commands] == ["survey", "fit", "run"]
    assert all(str(tmp_path) in c for c in commands)  # the folder as the user gave it
    shown = [s["template"] for s in values["sections"]]
    assert shown == ["reproduce.html.j2", "limits.html.j2", "glossary.html.j2"]
    assert values["findings"] == []


def test_readme_defines_the_outcomes_as_the_report_does():
    from coprod.report_glossary import README_HEADING, readme_section

    text = README.read_text()
    assert README_HEADING in text
    start = text.index(README_HEADING)
    end = text.index("\n## ", start + len(README_HEADING))
    assert text[start:end].strip() == readme_section().strip(), (
        "README's section differs from coprod/report_glossary.py: paste readme_section()")


def test_every_headline_outcome_is_in_the_glossary():
    from coprod.report_glossary import GLOSSARY
    from sim.outcomes import HEADLINE

    named = {n for t in GLOSSARY for n in t.names}
    assert {*HEADLINE} - {"share_municipality", "share_voluntary", "share_together"} <= named
    volunteer = next(t for t in GLOSSARY if t.term == "Volunteer hours").words
    from sim.world import HOURS_PER_VOLUNTEER_WEEK

    assert f"{HOURS_PER_VOLUNTEER_WEEK:.2f} hours per active volunteer" in volunteer
    trust = next(t for t in GLOSSARY if t.term == "Trust").words
    assert "from 0 (none) to 1 (full)" in trust


def test_a_tampered_results_file_is_one_line(tmp_path, capsys):
    from coprod.main import main
    from coprod.report_inputs import load_inputs

    (tmp_path / "survey").mkdir()
    (tmp_path / "survey" / "bootstrap.csv").write_text(
        "statistic,estimate,low_95,high_95,low_99,high_99\nshare:a:b,7,0,1,0,1\n")
    with pytest.raises(InputError, match=r"bootstrap\.csv"):
        load_inputs(tmp_path)
    assert main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "bootstrap.csv" in err
    (tmp_path / "survey" / "bootstrap.csv").write_text(
        "statistic,estimate,low_95,high_95,low_99,high_99\nshare:a:b,0.5,0.4,0.6,0.3,0.7\n")
    (tmp_path / "survey" / "manifest.json").write_text('{"reps": "many"}')
    assert main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "field 'reps'" in err
    (tmp_path / "survey" / "manifest.json").write_text('{"reps": 10}')
    inputs = load_inputs(tmp_path)
    assert inputs.survey.reps == 10 and np.isclose(inputs.survey.boot.estimate[0], 0.5)


def test_a_baseline_level_carries_its_spread_over_runs():
    from coprod.report_text import spread

    row = {"median": 0.386, "low_90": 0.30, "high_90": 0.452}
    assert spread(row, "%", 100) == "90% of runs: 30.0% to 45.2%"
    assert spread({"median": 0.65, "low_90": 0.6, "high_90": 0.7}, "0–1") == \
        "90% of runs: 0.600 to 0.700 on the 0–1 scale"
    assert spread({"low_90": 15214, "high_90": 30382}, "people") == \
        "90% of runs: 15,214 to 30,382 people"
    assert spread({"median": 1.0}, "people") == ""


def test_values_read_from_files_reach_the_page_without_control_characters():
    from markupsafe import Markup

    from coprod.report_templates import _environment

    page = _environment().from_string("<p>{{ years }}</p>{{ made }}").render(
        years="10 years\x1b]0;pwn\x07 <b>", made=Markup("<i>ok</i>"))
    assert "\x1b" not in page and "\x07" not in page
    assert page == "<p>10 years?]0;pwn? &lt;b&gt;</p><i>ok</i>"


@pytest.mark.parametrize(("items", "sep", "said"), [
    (["a"], ", ", "a"), (["a", "b"], ", ", "a and b"), (["a", "b", "c"], ", ", "a, b and c"),
    (["a, x", "b", "c"], "; ", "a, x; b; and c"), ([], ", ", "")])
def test_one_way_lists_names_for_report_readme_and_messages(items, sep, said):
    # Five copies of this join lived in the report, README's renderer, the attribution
    # and the paper's claims; one serves them all.
    from runtime.words import listing

    assert listing(items, sep) == said


def test_the_reports_next_step_for_scenarios_is_a_command_to_copy(tmp_path):
    # '--out /tmp/s p/scenarios' split in two, and 'coprod compare' named no --out.
    import shlex
    from types import SimpleNamespace

    from coprod.report_sections import _scenarios_missing

    folder = tmp_path / "s p"
    _, hint = _scenarios_missing(SimpleNamespace(waves=None, scenarios=None,
                                                 directory=folder))
    run, compare = hint.split(", then ")
    assert shlex.split(run)[-2:] == ["--out", str(folder / "scenarios")]
    assert shlex.split(compare) == ["coprod", "compare", "--out", str(folder / "scenarios")]


def test_a_shipped_command_loses_its_whole_quoted_folder():
    # "--out '/tmp/a b'" was shown as "--out DIR b'".
    from coprod.report_text import without_machine_folder

    assert without_machine_folder("coprod ablate --seed 2015 --out '/tmp/a b' --workers 2") \
        == "coprod ablate --seed 2015 --out DIR --workers 2"
    assert without_machine_folder("coprod recovery --out=/x/y --seed 1") == \
        "coprod recovery --out DIR --seed 1"
    assert without_machine_folder("coprod.recovery()") == "coprod.recovery()"


def test_a_hints_data_file_starting_with_a_dash_is_not_read_as_an_option():
    # 'coprod fit --data -u.csv' failed with "expected one argument".
    import shlex
    from types import SimpleNamespace

    from coprod.report_sections import data_flags

    waves = SimpleNamespace(shipped_2015=False, waves=[SimpleNamespace(label="-u.csv")])
    assert shlex.split(data_flags(waves)) == ["--data", "./-u.csv"]
