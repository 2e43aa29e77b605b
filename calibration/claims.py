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
* *undecidable* when an interval does not exist (no sampling variation);
* *supported in part* when a sentence about several bodies holds for some and is not
  shown for the others: ``scope`` says for which ("for the LTC unit and voluntary
  organisations; not shown for both together").

A claim of a value ("about one-quarter") cannot be shown by an interval that merely
contains it: there the verdict is *consistent* (the intervals do not contradict it), never
*supported*. The paper's sensitivity analysis without social activities is a method
with no stated result, so it is not checked as a claim (``bootstrap.csv`` has its
statistics, ``*_excl_social``).

The sentence that every difference is "statistically significant within a 99% confidence
interval" is judged over every difference the paper computed (by the LTC unit, by
voluntary organisations and by both together; pooled and as means of shares), each
two-sided, since the sentence names no exception and no direction. Its ``note`` says that
the paper's footnote computes 95% intervals where the text says 99%: both levels are
judged.

The Discussion's "the LTC units control most of the coordination work, independently of
statutory or non-statutory services" needs statistics the comparison does not have: the
share of answers naming each body, pooled over the statutory and over the non-statutory
activities (:class:`GroupShares`). They are bootstrapped with the same BCa procedure, on
the very resampled tables of the comparison (same data, replications, resampling and
seed), when :func:`check_claims` is given the survey's data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.bootstrap import LEVELS, BootstrapResult, survey_bootstrap
from runtime.words import listing
from sim.catalogue import COORDINATORS, activity
from sim.virtual_survey import shares_from_counts

SUPPORTED, NOT_SHOWN, CONTRADICTED, UNDECIDABLE, CONSISTENT, PARTLY = (
    "supported", "not shown", "contradicted", "undecidable", "consistent",
    "supported in part")
VERDICTS = (SUPPORTED, PARTLY, NOT_SHOWN, CONTRADICTED, UNDECIDABLE, CONSISTENT)
COLUMNS = ("claim", "where", "reading", "level", "verdict", "evidence", "scope", "note")
# What "statistically significant within a 99% confidence interval" rests on: every
# difference the paper computed (Statistical analyses; footnote 2), for every body.
DIFFERENCES = tuple(f"{kind}:{c}" for c in COORDINATORS for kind in ("pooled_diff",
                                                                      "mean_diff"))
FOOTNOTE_LEVELS = ("The paper's footnote 2 computes the differences 'together with 95% "
                   "confidence intervals for these differences', while this sentence says "
                   "99%: both levels are judged here.")
GROUP_NAMES = {"statutory": "statutory activities", "non_statutory": "non-statutory "
               "activities"}


@dataclass(frozen=True)
class ClaimCheck:
    """One claim of the paper and what this survey's intervals say about it."""

    claim: str  # the paper's sentence, quoted
    where: str  # where it stands in the paper
    reading: str  # how the project tests it (the project's reading, not the paper's)
    level: float
    verdict: str  # one of VERDICTS
    evidence: str  # in plain words
    scope: str = ""  # for a sentence about several bodies: for which it holds
    note: str = ""  # what a reader should know beside the verdict


_BODY = {"municipality": "the LTC unit", "voluntary": "a voluntary organisation",
         "together": "both together"}


def describe(name: str) -> str:
    """A statistic's name in plain words (``pooled_diff:voluntary`` → a sentence part)."""
    kind, *rest = name.split(":")
    if kind == "share":
        act, coord = rest
        return f"{activity(act).label}: share coordinated by {_BODY[coord]}"
    if kind == "pooled_share":
        group, coord = rest
        return (f"{GROUP_NAMES[group]}: share of answers naming {_BODY[coord]} "
                "(units pooled)")
    if kind == "pooled_lead":
        return (f"{GROUP_NAMES[rest[0]]}: share naming the LTC unit minus share naming a "
                "voluntary organisation (units pooled)")
    coord = rest[-1]
    base = f"share coordinated by {_BODY[coord]}, statutory minus non-statutory activities"
    if kind.startswith("pooled_diff"):
        base += " (units pooled)"
    elif kind.startswith("mean_diff"):
        base += " (mean of the activities' shares)"
    if "excl_social" in kind:
        base += ", social activities left out"
    return base


def _fmt(res: BootstrapResult, name: str, level: float, digits: int = 0) -> str:
    """``<statistic in words>: <estimate> (<level> interval <low> to <high>)``.

    Shares are in %, differences in signed points, with ``digits`` decimals.
    """
    i = res.names.index(name)
    lo, hi = res.low[level][i], res.high[level][i]
    share = name.startswith(("share:", "pooled_share:"))
    sign, unit = ("", "%") if share else ("+", " points")
    num = f"{{:{sign}.{digits}f}}"
    interval = (f"{num.format(100 * lo)} to {num.format(100 * hi)}"
                if np.isfinite(lo) and np.isfinite(hi) else "no interval")
    return (f"{describe(name)}: {num.format(100 * res.estimate[i])}{unit} "
            f"({level:.0%} interval {interval})")


def _side(lo: float, hi: float, value: float, sign: int) -> str:
    """Where an interval lies against ``value`` for a claimed ``sign``.

    ``sign``: +1 above, −1 below, 0 either side (a two-sided claim of a difference).
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return UNDECIDABLE
    above, below = lo > value, hi < value
    if (above and sign >= 0) or (below and sign <= 0):
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


def check_claims(res: BootstrapResult, data=None) -> list[ClaimCheck]:
    """Evaluate the paper's claims at every interval level of ``res``.

    ``data``: the survey ``res`` was computed from (:class:`SurveyTable` or
    :class:`UnitResponses`); with it, the Discussion's "control most of the coordination
    work" is judged too (its statistics are bootstrapped on the same resampled tables).
    """
    control = group_shares(data, res) if data is not None else None
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
        checks.append(_significance_claim(res, level))
        checks.append(_quarter_claim(res, level))
        if control is not None:
            checks += _control_claims(control, level)
    return checks


def _by_body(verdicts: dict[str, str]) -> dict[str, list[str]]:
    """The bodies (coordinators) of each verdict, in the order of COORDINATORS."""
    out: dict[str, list[str]] = {}
    for coord in COORDINATORS:
        mine = [v for n, v in verdicts.items() if n.endswith(f":{coord}")]
        if mine:
            out.setdefault(_combine(mine), []).append(coord)
    return out


def _bodies(coords: list[str]) -> str:
    words = [_BODY[c] if c != "voluntary" else "voluntary organisations" for c in coords]
    return listing(words)


def _significance_claim(res: BootstrapResult, level: float) -> ClaimCheck:
    """'Measured differences ... are statistically significant within a 99% ...'.

    Every difference the paper computed, for every body, two-sided (0 outside the
    interval). Where it holds for some bodies only, the verdict is *supported in part*
    and ``scope`` names them.
    """
    claim = ("Measured differences in proportions and differences in group means are "
             "statistically significant within a 99% confidence interval.")
    where = "Statistical analyses"
    reading = ("the project's reading: every difference the paper computed (statutory "
               "minus non-statutory, units pooled and as a mean of the activities' shares; "
               "for the LTC unit, voluntary organisations and both together) excludes 0")
    present = [n for n in DIFFERENCES if n in res.names]
    if not present:
        return ClaimCheck(claim, where, reading, level, UNDECIDABLE,
                          "this survey lacks the statistics the claim rests on",
                          note=FOOTNOTE_LEVELS)
    verdicts = {n: _side(res.low[level][res.names.index(n)],
                         res.high[level][res.names.index(n)], 0.0, 0) for n in present}
    groups = _by_body(verdicts)
    verdict = _combine(list(verdicts.values()))
    scope = ""
    if SUPPORTED in groups and len(groups) > 1:
        verdict = PARTLY
        scope = f"for {_bodies(groups[SUPPORTED])}; " + "; ".join(
            f"{v} for {_bodies(c)}" for v, c in groups.items() if v != SUPPORTED)
    # The differences that keep the sentence from holding, with one decimal: a pooled
    # −8.4 (−22.9 to +7.2) reads as what it is.
    shown = [n for n, v in verdicts.items() if v != SUPPORTED] or present
    return ClaimCheck(claim, where, reading, level, verdict,
                      "; ".join(_fmt(res, n, level, digits=1) for n in shown),
                      scope=scope, note=FOOTNOTE_LEVELS)


@dataclass(frozen=True)
class GroupShares:
    """Shares of answers naming each body, pooled over statutory or non-statutory activities.

    Also the LTC unit's lead over voluntary organisations in each group. Has what
    :func:`calibration.bootstrap.survey_bootstrap` needs of a statistic set:
    ``names`` and ``compute(counts)``, vectorised over leading axes.
    """

    activities: tuple[str, ...]
    statutory: np.ndarray
    names: tuple[str, ...]

    @classmethod
    def for_activities(cls, activities, statutory) -> GroupShares:
        """Both groups' statistics (a group without activities has none)."""
        statutory = np.asarray(statutory, dtype=bool)
        names = []
        for group, mask in (("statutory", statutory), ("non_statutory", ~statutory)):
            if mask.any():
                names += [f"pooled_share:{group}:{c}" for c in COORDINATORS]
                names.append(f"pooled_lead:{group}")
        return cls(tuple(activities), statutory, tuple(names))

    def compute(self, counts: np.ndarray) -> np.ndarray:
        """The statistics from counts of shape (..., activities, 3) -> (..., statistics)."""
        counts = np.asarray(counts, dtype=float)
        out = []
        for mask in (self.statutory, ~self.statutory):
            if mask.any():
                pooled = shares_from_counts(counts[..., mask, :].sum(axis=-2))
                lead = pooled[..., COORDINATORS.index("municipality")] \
                    - pooled[..., COORDINATORS.index("voluntary")]
                out += [pooled, lead[..., None]]
        return np.concatenate(out, axis=-1)


def group_shares(data, res: BootstrapResult) -> BootstrapResult:
    """:class:`GroupShares` with BCa intervals, on the resampled tables of ``res``.

    Same data, replications, resampling and seed as ``res``: the same draws
    (:func:`calibration.bootstrap.replicate_counts`), so its intervals and the
    comparison's come from one bootstrap.
    """
    table = data.to_table() if hasattr(data, "to_table") else data
    spec = GroupShares.for_activities(table.activities, table.statutory)
    return survey_bootstrap(data, reps=res.reps, rng=res.seed, resample=res.resample,
                            levels=tuple(res.low), spec=spec)


CONTROL = ("Nevertheless, the LTC units control most of the coordination work, "
           "independently of statutory or non-statutory services, despite being in a "
           "situation with limited resources and demands for increased involvement from "
           "voluntary organisations.")


def _control_claims(res: BootstrapResult, level: float) -> list[ClaimCheck]:
    """The Discussion's 'the LTC units control most of the coordination work', judged.

    Two readings: a majority of the answers, and more answers than voluntary
    organisations, in the statutory and in the non-statutory activities (units pooled).
    """
    where = "Discussion ('Collaboration implies doing things together')"
    readings = (
        ("the project's reading: most = a majority; in the statutory and in the "
         "non-statutory activities (units pooled), more than half of the answers name the "
         "LTC unit", "pooled_share:{}:municipality", 0.5),
        ("the project's weaker reading: most = more than the other body; in the statutory "
         "and in the non-statutory activities (units pooled), the LTC unit is named more "
         "often than voluntary organisations", "pooled_lead:{}", 0.0))
    checks = []
    for reading, pattern, value in readings:
        names = [pattern.format(g) for g in GROUP_NAMES if pattern.format(g) in res.names]
        if len(names) < len(GROUP_NAMES):
            checks.append(ClaimCheck(CONTROL, where, reading, level, UNDECIDABLE,
                                     "this survey lacks statutory or non-statutory "
                                     "activities"))
            continue
        verdicts = {n: _side(res.low[level][res.names.index(n)],
                             res.high[level][res.names.index(n)], value, +1) for n in names}
        verdict = _combine(list(verdicts.values()))
        scope = ""
        if SUPPORTED in verdicts.values() and verdict != SUPPORTED:
            scope = "; ".join(f"{v} for the {GROUP_NAMES[n.split(':')[1]]}"
                              for n, v in verdicts.items())
            verdict = PARTLY if verdict == NOT_SHOWN else verdict
        checks.append(ClaimCheck(CONTROL, where, reading, level, verdict,
                                 "; ".join(_fmt(res, n, level, digits=1) for n in names),
                                 scope=scope))
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


_WORDS = {SUPPORTED: "is supported by its intervals",
          PARTLY: "is supported in part",
          CONSISTENT: "is consistent with this survey (its intervals contain the stated "
                      "value; a value cannot be shown by an interval)",
          NOT_SHOWN: "is not shown: the intervals cannot decide",
          CONTRADICTED: "is contradicted: the intervals lie on the other side",
          UNDECIDABLE: "cannot be decided: an interval does not exist"}


def claim_sentences(frame, level: float = 0.99) -> list[str]:
    """The claims at ``level`` as sentences for a report, from ``claims.csv`` read back.

    One count over the paper's sentences (a sentence judged in two readings counts once),
    then one sentence per check that is not plainly supported, with its reading when the
    sentence has several, for which bodies or groups it holds, and its note.
    """
    # As text, a blank cell empty (an all-blank column reads as float NaN).
    rows = frame[np.isclose(frame.level.astype(float), level)].astype(object).fillna("")
    if rows.empty:
        return []
    sentences = rows.claim.unique()
    plain = [c for c in sentences
             if (rows[rows.claim == c].verdict.astype(str) == SUPPORTED).all()]
    out = [f"Of the paper's {len(sentences)} sentences checked against this survey at "
           f"{level:.0%}, {len(plain)} {'is' if len(plain) == 1 else 'are'} supported by "
           "its intervals."]
    several = rows.claim.value_counts()
    for r in rows[rows.verdict.astype(str) != SUPPORTED].itertuples(index=False):
        words = _WORDS.get(str(r.verdict), f"is judged '{r.verdict}'")
        reading = f", in {r.reading}," if several[r.claim] > 1 else ""
        scope = f" ({r.scope})" if getattr(r, "scope", "") else ""
        note = f" {r.note}" if getattr(r, "note", "") else ""
        out.append(f"The paper's sentence \u201c{r.claim}\u201d{reading} {words}{scope}: "
                   f"{r.evidence}.{note}")
    return out
