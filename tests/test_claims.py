import io

import numpy as np
import pandas as pd
import pytest

from calibration.bootstrap import replicate_counts, survey_bootstrap
from calibration.claims import (
    COLUMNS,
    CONTROL,
    GroupShares,
    check_claims,
    claim_sentences,
    group_shares,
)
from calibration.observed_survey import load_table2


@pytest.fixture(scope="module")
def table2_checks():
    table = load_table2()
    res = survey_bootstrap(table, reps=10_000, rng=1)
    return res, {(c.claim.split()[0], c.reading.split(":")[0], c.level): c
                 for c in check_claims(res, table)}


def test_paper_claims_are_its_sentences_and_none_is_called_false_for_a_wide_interval(
        table2_checks):
    _, checks = table2_checks
    assert checks[("As", "the project's reading", 0.99)].verdict == "supported"
    assert checks[("Although", "the project's reading", 0.99)].verdict == "supported"
    for check in checks.values():
        assert check.verdict in ("supported", "supported in part", "not shown",
                                 "contradicted", "undecidable", "consistent")
        assert check.reading.startswith("the project's")
        assert "pooled_diff" not in check.evidence and "share:" not in check.evidence
    # Day centres: 19 units cannot separate 5% from 25% at 99%: not shown, not false.
    quarter = [c for c in checks.values() if "one-quarter" in c.claim]
    assert {c.verdict for c in quarter} <= {"consistent", "not shown"}
    assert not any("sensitivity analysis" in c.claim for c in checks.values())  # a method


def test_the_99_percent_sentence_covers_coordinating_together_and_says_for_whom(
        table2_checks):
    res, checks = table2_checks
    for level in (0.95, 0.99):
        check = checks[("Measured", "the project's reading", level)]
        # The together differences include 0 (pooled −8.4 points): the sentence holds
        # for the LTC unit and organisations only.
        assert check.verdict == "supported in part"
        assert check.scope == ("for the LTC unit and voluntary organisations; not shown "
                               "for both together")
        assert "both together, statutory minus non-statutory activities (units pooled): " \
               "-8.4 points" in check.evidence
        assert "95% confidence intervals" in check.note and "99%" in check.note
    i = res.names.index("pooled_diff:together")
    assert res.low[0.99][i] < 0 < res.high[0.99][i]
    assert res.significant("pooled_diff:municipality", 0.99)
    # Without the survey's data the comparison alone is judged, as before.
    assert not any(c.claim == CONTROL for c in check_claims(res))


def test_control_of_most_coordination_in_both_readings(table2_checks):
    _, checks = table2_checks
    for level in (0.95, 0.99):
        majority = checks[("Nevertheless,", "the project's reading", level)]
        more = checks[("Nevertheless,", "the project's weaker reading", level)]
        # 110 of 263 non-statutory answers name the LTC unit (41.8%): below half at both
        # levels; 90 name an organisation, a lead of 7.6 points whose interval holds 0.
        assert majority.verdict == "contradicted"
        assert "non-statutory activities: share of answers naming the LTC unit (units " \
               "pooled): 41.8%" in majority.evidence
        assert more.verdict == "supported in part"
        assert more.scope == ("supported for the statutory activities; not shown for the "
                              "non-statutory activities")


def test_group_shares_are_bootstrapped_on_the_comparisons_own_tables():
    table = load_table2()
    res = survey_bootstrap(table, reps=500, rng=4)
    shares = group_shares(table, res)
    spec = GroupShares.for_activities(table.activities, table.statutory)
    assert np.allclose(shares.replicates,
                       spec.compute(replicate_counts(table, reps=500, rng=4)))
    est = dict(zip(shares.names, shares.estimate, strict=True))
    assert est["pooled_share:non_statutory:municipality"] == pytest.approx(110 / 263)
    assert est["pooled_share:statutory:municipality"] == pytest.approx(34 / 45)
    assert est["pooled_lead:non_statutory"] == pytest.approx((110 - 90) / 263)
    i = shares.names.index("pooled_share:non_statutory:municipality")
    assert shares.low[0.99][i] < shares.low[0.95][i] < 110 / 263 < shares.high[0.95][i]


def test_report_sentences_count_each_sentence_once_and_carry_scope_and_note(table2_checks):
    _, checks = table2_checks
    frame = pd.DataFrame([vars(c) for c in checks.values()], columns=list(COLUMNS))
    frame = pd.read_csv(io.StringIO(frame.to_csv(index=False)))  # as read back
    sentences = claim_sentences(frame, 0.99)
    assert sentences[0] == ("Of the paper's 5 sentences checked against this survey at "
                            "99%, 2 are supported by its intervals.")
    measured = next(s for s in sentences if "Measured" in s)
    assert "supported in part (for the LTC unit and voluntary organisations; not shown " \
           "for both together)" in measured and "footnote 2" in measured
    assert sum(CONTROL in s for s in sentences) == 2  # one per reading, each named
