"""The paper's claims, in its own words, checked against the bootstrap intervals.

Each claim is a sentence of Andfossen (2020), quoted with where it stands. How the
project tests it is stated beside it as the project's *reading* (the paper does not say
which statistic a sentence rests on). At an interval level a claim is

* *supported* when every statistic it rests on lies on the claimed side with 0 (or the
  claimed value) outside its interval — the paper's own rule ("Differences were regarded
  as significant if 0 was not included");
* *contradicted* when an interval lies wholly on the other side;
* *not shown* when an interval includes both: the survey cannot decide at that level.
  A claim is never called false for an interval too wide to decide;
* *undecidable* when an interval does not exist (no sampling variation).

A claim of a value ("about one-quarter") cannot be shown by an interval that merely
contains it: there the verdict is *consistent* (the intervals do not contradict it), never
*supported*. The paper's sensitivity analysis without social activities is a method
with no stated result, so it is not checked as a claim (``bootstrap.csv`` has its
statistics, ``*_excl_social``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.bootstrap import LEVELS, BootstrapResult
from sim.catalogue import activity

SUPPORTED, NOT_SHOWN, CONTRADICTED, UNDECIDABLE, CONSISTENT = (
    "supported", "not shown", "contradicted", "undecidable", "consistent")
COLUMNS = ("claim", "where", "reading", "level", "verdict", "evidence")


@dataclass(frozen=True)
class ClaimCheck:
    """One claim of the paper and what this survey's intervals say about it."""

    claim: str  # the paper's sentence, quoted
    where: str  # where it stands in the paper
    reading: str  # how the project tests it (the project's reading, not the paper's)
    level: float
    verdict: str  # SUPPORTED, NOT_SHOWN, CONTRADICTED or UNDECIDABLE
    evidence: str  # in plain words


_BODY = {"municipality": "the LTC unit", "voluntary": "a voluntary organisation",
         "together": "both together"}


def describe(name: str) -> str:
    """A statistic's name in plain words (``pooled_diff:voluntary`` → a sentence part)."""
    kind, *rest = name.split(":")
    if kind == "share":
        act, coord = rest
        return f"{activity(act).label}: share coordinated by {_BODY[coord]}"
    coord = rest[-1]
    base = f"share coordinated by {_BODY[coord]}, statutory minus non-statutory activities"
    if kind.startswith("pooled_diff"):
        base += " (units pooled)"
    elif kind.startswith("mean_diff"):
        base += " (mean of the activities' shares)"
    if "excl_social" in kind:
        base += ", social activities left out"
    return base


def _fmt(res: BootstrapResult, name: str, level: float) -> str:
    i = res.names.index(name)
    lo, hi = res.low[level][i], res.high[level][i]
    interval = (f"{100 * lo:+.0f} to {100 * hi:+.0f}" if np.isfinite(lo) and np.isfinite(hi)
                else "no interval")
    return (f"{describe(name)}: {100 * res.estimate[i]:+.0f} points "
            f"({level:.0%} interval {interval})")


def _side(lo: float, hi: float, value: float, sign: int) -> str:
    """Where an interval lies against ``value`` for a claimed ``sign`` (+1 above)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return UNDECIDABLE
    above, below = lo > value, hi < value
    if (above and sign > 0) or (below and sign < 0):
        return SUPPORTED
    if above or below:
        return CONTRADICTED
    return NOT_SHOWN


def _combine(verdicts: list[str]) -> str:
    for verdict in (CONTRADICTED, UNDECIDABLE, NOT_SHOWN):
        if verdict in verdicts:
            return verdict
    return SUPPORTED


def _sign_claim(res, claim, where, reading, signed: dict[str, int], level) -> ClaimCheck:
    """Each statistic on its claimed side (+1 above 0, −1 below), 0 outside its interval."""
    present = [n for n in signed if n in res.names]
    if not present:
        return ClaimCheck(claim, where, reading, level, UNDECIDABLE,
                          "this survey lacks the statistics the claim rests on")
    verdicts = [_side(res.low[level][res.names.index(n)], res.high[level][res.names.index(n)],
                      0.0, signed[n]) for n in present]
    verdict = _combine(verdicts)
    shown = [n for n, v in zip(present, verdicts, strict=True) if v == verdict] or present
    return ClaimCheck(claim, where, reading, level, verdict,
                      "; ".join(_fmt(res, n, level) for n in shown))


def check_claims(res: BootstrapResult) -> list[ClaimCheck]:
    """Evaluate the paper's claims at every interval level of ``res``."""
    checks = []
    for level in LEVELS:
        if level not in res.low:
            continue
        checks.append(_sign_claim(
            res, "As presented in Table 2, the LTC units are mostly responsible for "
            "coordinating volunteer activities corresponding to public statutory services.",
            "Findings, 'Responsible for statutory services'",
            "the project's reading: the LTC units coordinate statutory activities more "
            "often than non-statutory ones, pooled and as a mean of shares",
            {"pooled_diff:municipality": +1, "mean_diff:municipality": +1}, level))
        checks.append(_sign_claim(
            res, "Although voluntary organisations are better represented as coordinators "
            "for volunteer activities corresponding to non-statutory services, the LTC "
            "units also take responsibility for coordination in this category.",
            "Findings, 'Responsible for non-statutory services'",
            "the project's reading: voluntary organisations coordinate statutory "
            "activities less often than non-statutory ones, pooled and as a mean of shares",
            {"pooled_diff:voluntary": -1, "mean_diff:voluntary": -1}, level))
        checks.append(_sign_claim(
            res, "Measured differences in proportions and differences in group means are "
            "statistically significant within a 99% confidence interval.",
            "Statistical analyses",
            "the project's reading: the differences the paper reports (by the LTC unit "
            "and by voluntary organisations; it reports none for coordinating together) "
            "exclude 0",
            {"pooled_diff:municipality": +1, "mean_diff:municipality": +1,
             "pooled_diff:voluntary": -1, "mean_diff:voluntary": -1}, level))
        checks.append(_quarter_claim(res, level))
    return checks


def _quarter_claim(res: BootstrapResult, level: float) -> ClaimCheck:
    """'... in about one-quarter of cases for each activity, except for day centres'."""
    claim = ("The findings in Table 2 show that LTC units and voluntary actors do share the "
             "coordinating of tasks in about one-quarter of cases for each activity, except "
             "for 'day centres' where collaboration is more limited (5%).")
    where = "Findings, 'Mixed coordination of volunteer activities provided'"
    reading = ("the project's reading: 25% lies inside each activity's interval for "
               "coordinating together, and day centres' interval lies below 25%")
    names = [n for n in res.names if n.startswith("share:") and n.endswith(":together")]
    if not names:
        return ClaimCheck(claim, where, reading, level, UNDECIDABLE,
                          "this survey has no shares coordinated together")
    verdicts = {}
    for name in names:
        i = res.names.index(name)
        lo, hi = res.low[level][i], res.high[level][i]
        if ":day_centre:" in name:
            verdicts[name] = _side(lo, hi, 0.25, -1)
        elif not (np.isfinite(lo) and np.isfinite(hi)):
            verdicts[name] = UNDECIDABLE
        else:  # a value inside an interval is consistent with it, not shown by it
            verdicts[name] = CONSISTENT if lo <= 0.25 <= hi else CONTRADICTED
    verdict = _combine(list(verdicts.values()))
    if verdict == SUPPORTED:  # every value claim only consistent, day centres below
        verdict = CONSISTENT
    shown = [n for n, v in verdicts.items() if v == verdict]
    evidence = ("25% lies inside every activity's interval but day centres', which lies "
                "below it" if verdict == CONSISTENT
                else "; ".join(_fmt(res, n, level) for n in shown))
    return ClaimCheck(claim, where, reading, level, verdict, evidence)
