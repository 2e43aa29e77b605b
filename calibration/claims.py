"""The paper's claims, checked against the bootstrap intervals.

Each claim is tested with the statistics of :mod:`calibration.bootstrap`; a claim is
*supported* at a level when every statistic it rests on has the claimed sign and 0 lies
outside its interval (the paper's own rule), *not supported* when some interval includes
0 (or excludes the claimed value), and *undecidable* when an interval does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.bootstrap import LEVELS, BootstrapResult


@dataclass(frozen=True)
class ClaimCheck:
    """One claim of the paper and what the intervals say about it."""

    claim: str
    level: float
    verdict: str  # "supported", "not supported" or "undecidable"
    evidence: str


def _fmt(res: BootstrapResult, name: str, level: float) -> str:
    i = res.names.index(name)
    return (f"{name} = {res.estimate[i]:+.3f} [{res.low[level][i]:+.3f}, "
            f"{res.high[level][i]:+.3f}]")


def _sign_claim(res, claim, signed: dict[str, int], level) -> ClaimCheck:
    """Supported when each statistic has its claimed sign (+1/-1), 0 outside the interval."""
    present = [n for n in signed if n in res.names]
    if not present:
        return ClaimCheck(claim, level, "undecidable", "the data lack these statistics")
    verdicts = []
    for name in present:
        i = res.names.index(name)
        lo, hi = res.low[level][i], res.high[level][i]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            verdicts.append(None)
        else:
            verdicts.append(bool(lo > 0) if signed[name] > 0 else bool(hi < 0))
    if None in verdicts:
        verdict = "undecidable"
    else:
        verdict = "supported" if all(verdicts) else "not supported"
    failing = [n for n, v in zip(present, verdicts, strict=True) if v is False]
    evidence = "; ".join(_fmt(res, n, level) for n in (failing or present))
    return ClaimCheck(claim, level, verdict, evidence)


def check_claims(res: BootstrapResult) -> list[ClaimCheck]:
    """Evaluate the paper's claims at every interval level of ``res``."""
    checks = []
    for level in LEVELS:
        if level not in res.low:
            continue
        checks.append(_sign_claim(
            res, "LTC units coordinate statutory activities more often than non-statutory "
            "ones (pooled and mean of shares)",
            {"pooled_diff:municipality": +1, "mean_diff:municipality": +1}, level))
        checks.append(_sign_claim(
            res, "Voluntary organisations coordinate statutory activities less often",
            {"pooled_diff:voluntary": -1, "mean_diff:voluntary": -1}, level))
        checks.append(_sign_claim(
            res, "Both hold without social activities (sensitivity analysis)",
            {"pooled_diff_excl_social:municipality": +1, "mean_diff_excl_social:municipality": +1,
             "pooled_diff_excl_social:voluntary": -1, "mean_diff_excl_social:voluntary": -1},
            level))
        checks.append(_sign_claim(
            res, "'All measured differences are significant at 99%' — shared coordination "
            "('together') too",
            {"pooled_diff:together": -1, "mean_diff:together": -1}, level))
        checks.append(_quarter_claim(res, level))
    return checks


def _quarter_claim(res: BootstrapResult, level: float) -> ClaimCheck:
    """'Shared coordination in about one quarter of cases, except day centres (5%)'."""
    claim = ("Activities are coordinated together in about one quarter of cases, "
             "day centres excepted")
    names = [n for n in res.names if n.startswith("share:") and n.endswith(":together")]
    if not names:
        return ClaimCheck(claim, level, "undecidable", "no 'together' shares")
    bad, undecided = [], []
    for name in names:
        i = res.names.index(name)
        lo, hi = res.low[level][i], res.high[level][i]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            undecided.append(name)
            continue
        inside = lo <= 0.25 <= hi
        expect_inside = ":day_centre:" not in name
        if inside != expect_inside:
            bad.append(name)
    if bad:
        return ClaimCheck(claim, level, "not supported",
                          "; ".join(_fmt(res, n, level) for n in bad))
    if undecided:
        return ClaimCheck(claim, level, "undecidable", "no interval for " + ", ".join(undecided))
    return ClaimCheck(claim, level, "supported",
                      "25% lies inside every interval except day centres'")
