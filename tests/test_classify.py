"""The research question answered on a survey's table (sim/classify.py, calibration/classes.py)."""

import numpy as np
import pandas as pd
import pytest

from calibration.bootstrap import StatisticSpec, replicate_counts, survey_bootstrap
from calibration.classes import observed_classes
from calibration.observed_survey import load_table2
from coprod.main import main
from sim.catalogue import TABLE2_IDS, activity
from sim.classify import (
    CLASSES,
    PAPER_CLASS,
    THRESHOLDS,
    class_probabilities,
    classify_table,
)

STATUTORY = np.array([activity(a).statutory for a in TABLE2_IDS])  # food, day centres
N = np.array([101, 73, 52, 37, 26, 19])  # Table 2's n


def table(stat_shares, non_shares):
    """Counts with Table 2's n: statutory rows split by one set of shares, the rest by
    another (municipality, voluntary, together)."""
    rows = []
    for n, stat in zip(N, STATUTORY, strict=True):
        shares = np.array(stat_shares if stat else non_shares, dtype=float)
        counts = np.floor(n * shares).astype(int)
        counts[0] += n - counts.sum()
        rows.append(counts)
    return np.array(rows)


@pytest.fixture(scope="module")
def observed():
    return observed_classes(load_table2(), reps=2000, rng=1)


def test_table2_is_in_table2_order_with_the_papers_statutory_activities():
    t = load_table2()
    assert t.activities == TABLE2_IDS
    assert t.statutory.tolist() == STATUTORY.tolist() == [False] * 4 + [True] * 2


def test_observed_2015_table_lands_in_the_class_the_paper_reports(observed):
    # The paper: a division on statutory activities (municipality 76% of their answers),
    # municipal coordination dominant elsewhere (42% vs organisations' 34%, no majority),
    # together 23% ("limited"). Over the bootstrap replicates that class has about 93%.
    assert observed.observed == PAPER_CLASS == "statutory-division-municipal-dominant"
    p = observed.probabilities
    assert p[PAPER_CLASS] > 0.85
    assert max(p, key=p.get) == PAPER_CLASS
    assert p["shared"] == 0.0 and p["other"] == 0.0
    assert 0.0 < p["divided"] < 0.15  # organisations' lead is within sampling noise
    assert sum(p.values()) == pytest.approx(1.0)


def test_organisations_coordinating_all_non_statutory_activities_is_divided():
    counts = table((0.9, 0.0, 0.1), (0.0, 1.0, 0.0))
    assert classify_table(counts, STATUTORY) == "divided"


def test_sixty_percent_together_is_shared():
    counts = table((0.2, 0.2, 0.6), (0.2, 0.2, 0.6))
    assert classify_table(counts, STATUTORY) == "shared"


def test_municipality_coordinating_most_of_everything_is_municipal_dominant():
    counts = table((0.9, 0.0, 0.1), (0.6, 0.2, 0.2))
    assert classify_table(counts, STATUTORY) == "municipal-dominant"


def test_a_table_reversing_the_papers_findings_lands_elsewhere():
    # Municipality and organisations swapped: organisations coordinate the statutory
    # activities, the municipality the others.
    swapped = load_table2().counts[:, [1, 0, 2]]
    label = classify_table(swapped, STATUTORY)
    assert label != PAPER_CLASS
    assert label == "other"


def test_without_statutory_answers_the_question_is_undetermined():
    counts = load_table2().counts.copy()
    counts[STATUTORY] = 0
    assert classify_table(counts, STATUTORY) == "undetermined"
    assert classify_table(load_table2().counts, np.zeros(6, bool)) == "undetermined"


def test_classify_table_is_vectorised_over_leading_axes():
    two = np.stack([load_table2().counts, table((0.2, 0.2, 0.6), (0.2, 0.2, 0.6))])
    labels = classify_table(two, STATUTORY)
    assert labels.shape == (2,)
    assert labels.tolist() == [PAPER_CLASS, "shared"]
    assert classify_table(two[None], STATUTORY).shape == (1, 2)
    with pytest.raises(ValueError):
        classify_table(two, STATUTORY[:5])


def test_class_probabilities_has_every_class():
    p = class_probabilities(["shared", "shared", "divided", "other"])
    assert tuple(p) == CLASSES
    assert p["shared"] == 0.5 and p["divided"] == 0.25 and p["municipal-dominant"] == 0.0
    with pytest.raises(ValueError):
        class_probabilities(["mix"])


def test_the_classes_use_the_bootstraps_own_replicates():
    data = load_table2()
    res = survey_bootstrap(data, reps=300, rng=7, batch=64)
    counts = replicate_counts(data, reps=300, rng=7)
    spec = StatisticSpec.for_activities(data.activities, data.statutory)
    np.testing.assert_array_equal(spec.compute(counts), res.replicates)
    assert (counts.sum(axis=-1) == data.n).all()  # units resampled within activity


def test_thresholds_come_from_the_papers_words_not_the_data():
    # Majorities ("most", "mostly") and a plain comparison ("better represented than").
    assert THRESHOLDS == {"shared_min": 0.5, "statutory_municipal_min": 0.5,
                          "nonstatutory_municipal_min": 0.5, "voluntary_lead_min": 0.0}


def test_sensitivity_table_has_the_documented_shape_and_moves(observed):
    sens = observed.sensitivity_frame()
    assert list(sens.columns) == ["threshold", "base", "step", "value", "observed_class",
                                  "observed_changed", "p_observed_class",
                                  *(f"p_{c}" for c in CLASSES)]
    assert len(sens) == len(THRESHOLDS) * 5
    assert sens.step.round(2).tolist()[:5] == [-0.1, -0.05, 0.0, 0.05, 0.1]
    ref = sens[sens.step == 0]
    assert (ref.observed_class == PAPER_CLASS).all() and not ref.observed_changed.any()
    row = sens[(sens.threshold == "voluntary_lead_min") & (sens.step.round(2) == -0.1)]
    assert row.observed_class.item() == "divided" and row.observed_changed.item()
    row = sens[(sens.threshold == "nonstatutory_municipal_min") & (sens.step.round(2) == -0.1)]
    assert row.observed_class.item() == "municipal-dominant"
    # Probabilities move even where the observed label does not.
    lead = sens[sens.threshold == "voluntary_lead_min"].set_index("step")
    assert lead.p_divided.is_monotonic_decreasing
    p_cols = [f"p_{c}" for c in CLASSES]
    np.testing.assert_allclose(sens[p_cols].sum(axis=1), 1.0)


def test_survey_command_writes_classes_for_table2_and_a_unit_level_file(tmp_path, capsys,
                                                                       units_csv):
    assert main(["survey", "--reps", "300", "--seed", "2", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert f"The research question on this table: {PAPER_CLASS}" in out
    classes = pd.read_csv(tmp_path / "a" / "classes.csv")
    assert list(classes.columns) == ["class", "probability", "observed", "reps", "resample"]
    assert tuple(classes["class"]) == CLASSES
    assert classes.probability.sum() == pytest.approx(1.0)
    assert classes.set_index("class").observed[PAPER_CLASS] == 1
    assert (tmp_path / "a" / "classes_sensitivity.csv").is_file()
    assert main(["survey", "--data", str(units_csv), "--resample", "unit", "--reps", "200",
                 "--seed", "2", "--out", str(tmp_path / "b")]) == 0
    unit = pd.read_csv(tmp_path / "b" / "classes.csv")
    assert unit.set_index("class").observed[PAPER_CLASS] == 1  # same table, unit by unit
    assert (unit["resample"] == "unit").all()


def test_an_ensemble_run_writes_one_indicator_per_class():
    from scenarios.ensemble import run_outcomes
    from sim import run

    outcomes = run_outcomes(run({}, steps=4, rng=11))["outcomes"]
    flags = {c: outcomes[f"class:{c}"] for c in CLASSES}
    assert sorted(flags.values()) == [0.0] * (len(CLASSES) - 1) + [1.0]
    assert not any(k.startswith("municipalities_") for k in outcomes)
