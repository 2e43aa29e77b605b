"""The design study's answer for the local policy's reading, a choice of three.

A discrete input has no 90% width (the shipped study once gave the reading a "width" of
2.4 prior ranges): its row is the posterior's probability on the wrong levels.
"""

from __future__ import annotations

import numpy as np
import pytest

from studies.design import PRIOR_RANGE, WRONG_LEVELS, wrong_level_mass


def _worlds(n: int, informative: bool, seed: int = 3):
    gen = np.random.default_rng(seed)
    level = gen.integers(0, 3, n).astype(float)
    noise = gen.normal(size=(n, 4))
    # Summaries that reveal the level (one per level's indicator, plus noise), or not.
    x = (np.column_stack([level == k for k in range(3)]).astype(float) * 3 + noise[:, :3]
         if informative else noise)
    return level, x


def test_a_design_that_reveals_the_level_leaves_little_on_the_wrong_ones():
    level, x = _worlds(1500, informative=True)
    mass = wrong_level_mass(level, x, np.arange(200), accept=150)
    assert np.median(mass) < 0.1


def test_summaries_that_say_nothing_leave_the_table_own_shares():
    level, x = _worlds(1500, informative=False)
    mass = wrong_level_mass(level, x, np.arange(200), accept=150)
    assert np.median(mass) == pytest.approx(2 / 3, abs=0.1)
    # No new summaries: what the table (the 2015 posterior) itself says, truth by truth.
    now = wrong_level_mass(level, x[:, :0], np.arange(200), accept=150)
    assert now == pytest.approx([np.mean(level != level[t]) for t in range(200)])


def test_the_shipped_study_gives_the_reading_a_probability_not_a_width():
    from calibration.posterior import shipped_study_file
    from runtime.files import read_own_csv
    from studies.design import WRITTEN_COLUMNS

    frame = read_own_csv(shipped_study_file("design.csv"), "coprod design",
                         columns=WRITTEN_COLUMNS)
    reading = frame[frame.target == "policy_reading"]
    assert len(reading) == 4 and set(reading.unit) == {WRONG_LEVELS}
    values = reading[["width_prior", "width_now", "expected_width", "width_low",
                      "width_high"]].to_numpy(float)
    assert ((values >= 0) & (values <= 1)).all()
    assert reading.width_prior.iloc[0] == pytest.approx(2 / 3, abs=1e-5)
    # Every other input keeps its width as a share of its prior range.
    inputs = frame[(frame.kind != "effect") & (frame.target != "policy_reading")]
    assert set(inputs.unit) == {PRIOR_RANGE}


def test_the_report_says_the_reading_in_per_cent_on_the_wrong_levels():
    from coprod.report_studies import width_words

    assert width_words(0.68375, WRONG_LEVELS) == "68% on the wrong levels"


def test_the_sentences_say_what_a_design_would_tell_of_the_reading():
    import pandas as pd

    from studies.design import WRITTEN_COLUMNS, reading_sentence, sentences

    def row(design, expected, ratio):
        return {"design": design, "kind": "input", "target": "policy_reading",
                "label": "policy_reading", "unit": WRONG_LEVELS, "width_prior": 2 / 3,
                "width_now": 0.68, "expected_width": expected, "ratio": ratio,
                "ratio_low": ratio / 2, "ratio_high": ratio * 1.5, "width_low": 0.0,
                "width_high": 1.0, "truths": 400, "worlds": 4000, "note": ""}

    told = pd.DataFrame([row("2015", 0.68, 1.0), row("2015+2025", 0.63, 0.95),
                         row("2015+2025_policy", 0.14, 0.21)], columns=list(WRITTEN_COLUMNS))
    said = reading_sentence(told)
    assert "leaves 68%" in said and "recorded would leave 14%" in said
    assert said in sentences(told)
    untold = told.assign(ratio=[1.0, 0.97, 0.95], expected_width=[0.68, 0.66, 0.65])
    assert reading_sentence(untold).endswith("No candidate design lowers it by a tenth.")
    assert reading_sentence(told[told.target != "policy_reading"]) is None
