"""The virtual survey: observe the simulated world as the 2015 survey observed the real one.

Procedure (Andfossen 2020, Methods):

1. Sampling frame: every LTC unit of the population (316 in the 2015 sample).
2. Response: 77.2% of units answer (244 of 316). For the ``survey2015`` population the
   respondents are drawn by unit type to match Q1's answers exactly (128 nursing homes,
   94 home care, 11 integrated, 11 other; the paper reports no notable differences in
   response rates); otherwise a simple random sample at the same rate.
3. Q2: an activity counts as organised when it occurred in any of the last four weekly
   steps.
4. Q3: the respondent names the coordinator. If the activity was coordinated by
   different bodies within the window the answer is "several services with different
   coordination responsibilities"; otherwise, with the unit's probability of being
   unsure, "unsure". Both are dropped, as in the paper.

The result has the shape of the observed Table 2, and keeps every respondent's answers
(:meth:`SimulatedSurvey.responses`), as a real survey's unit-level file would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.catalogue import COORDINATORS, TABLE2_IDS, UNIT_TYPES, activity_index
from sim.published import SURVEY_2015

# Q3's answers as unit-level files write them: the coordinators, then the two dropped.
ANSWERS: tuple[str, ...] = (*COORDINATORS, "several", "unsure")
NOT_OFFERED = -1
# The columns of a municipality's flags in unit-level responses.
FLAG_COLUMNS = {"policy": "local_policy", "centre": "volunteer_centre",
                "service": "municipal_service"}


def shares_from_counts(counts: np.ndarray) -> np.ndarray:
    """Shares per coordinator from counts whose last axis is the coordinators.

    Works on any leading shape (activities, replicates, ...); NaN where a row's n is 0.
    """
    counts = np.asarray(counts)
    n = counts.sum(axis=-1, keepdims=True).astype(float)
    return np.divide(counts, n, out=np.full(counts.shape, np.nan), where=n > 0)


@dataclass(frozen=True)
class SimulatedSurvey:
    """Simulated Table 2: counts per activity and coordinator after dropping answers."""

    activities: tuple[str, ...]
    counts: np.ndarray  # (activities, 3)
    offered: np.ndarray  # (activities,) share of respondents who organised it
    dropped: np.ndarray  # (activities,) unsure/several answers dropped
    respondents: int
    # Mean number of the 14 activity types a responding unit organised, by unit type
    # (UNIT_TYPES order; NaN for a type with no respondent).
    activities_by_type: np.ndarray = field(default_factory=lambda: np.full(4, np.nan))
    # Each respondent: its unit index and answer per activity (ANSWERS codes, int8).
    units: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    answers: np.ndarray = field(default_factory=lambda: np.zeros((0, 6), dtype=np.int8))

    @property
    def n(self) -> np.ndarray:
        """Units answering municipality/voluntary/together per activity."""
        return self.counts.sum(axis=1)

    @property
    def shares(self) -> np.ndarray:
        """Shares per coordinator (NaN where n = 0)."""
        return shares_from_counts(self.counts)

    def responses(self, unit_type: np.ndarray, unit_muni: np.ndarray,
                  muni_flags: dict[str, np.ndarray] | None = None):
        """The answers unit by unit, in the format ``coprod survey --data`` reads.

        ``unit_id,unit_type,municipality,activity,coordinator``: one row per respondent
        and activity it offered; a respondent that offered none is one row with empty
        activity and coordinator. ``unit_type`` and ``unit_muni`` are the population's.
        ``muni_flags`` (flag → bool per municipality, at the time of the survey) adds the
        unit's municipality's levers, 0 or 1 — ``local_policy``, ``volunteer_centre``,
        ``municipal_service`` — as a researcher linking the survey to a register would.
        """
        import pandas as pd

        flags = {FLAG_COLUMNS.get(flag, f"flag_{flag}"): held.astype(int)
                 for flag, held in (muni_flags or {}).items()}
        rows = []
        for unit, codes in zip(self.units.tolist(), self.answers.tolist(), strict=True):
            muni = unit_muni[unit]
            base = {"unit_id": f"u{unit}", "unit_type": UNIT_TYPES[unit_type[unit]],
                    "municipality": f"m{muni}",
                    **{column: int(held[muni]) for column, held in flags.items()}}
            offered = [(a, ANSWERS[c]) for a, c in zip(self.activities, codes, strict=True)
                       if c >= 0]
            rows += [{**base, "activity": a, "coordinator": c} for a, c in offered] or \
                [{**base, "activity": "", "coordinator": ""}]
        return pd.DataFrame(rows, columns=["unit_id", "unit_type", "municipality",
                                           *flags, "activity", "coordinator"])

    def to_frame(self):
        """``activity,n,municipality,voluntary,together,offered``."""
        import pandas as pd

        df = pd.DataFrame(self.shares, columns=list(COORDINATORS))
        df.insert(0, "activity", self.activities)
        df.insert(1, "n", self.n)
        df["offered"] = self.offered
        return df


def sample_respondents(unit_type: np.ndarray, respondent_types: dict[str, int] | None,
                       rng) -> np.ndarray:
    """Indices of responding units (sorted).

    ``respondent_types``: how many respondents of each unit type (the 2015 survey's
    Q1 answers, or a survey frame's); None: a simple random sample at the 2015 response
    rate.
    """
    if respondent_types is not None:
        chosen = []
        for t, k in respondent_types.items():
            pool = np.flatnonzero(unit_type == UNIT_TYPES.index(t))
            chosen.append(rng.choice(pool, size=min(k, len(pool)), replace=False))
        return np.sort(np.concatenate(chosen))
    n = round(SURVEY_2015.response_rate * len(unit_type))
    return np.sort(rng.choice(len(unit_type), size=n, replace=False))


def virtual_survey(window: np.ndarray, unit_type: np.ndarray,
                   respondent_types: dict[str, int] | None,
                   unsure_rate: float | np.ndarray, rng) -> SimulatedSurvey:
    """Run the survey on a window of occurrence modes, shape (weeks, units, activities).

    ``respondent_types``: see :func:`sample_respondents`. ``unsure_rate`` is one
    probability, or one per unit.
    """
    from sim.kernels import survey_answers  # numba loads with the model, not on import

    rng = np.random.default_rng(rng)
    resp = sample_respondents(unit_type, respondent_types, rng)
    cols = np.array([activity_index(i) for i in TABLE2_IDS])
    p_unsure = np.broadcast_to(np.asarray(unsure_rate, dtype=float), unit_type.shape)[resp]
    # One uniform per respondent and activity, whether it is read or not (unsure only
    # where the activity was offered and coordinated by one body).
    draws = rng.random((len(resp), len(cols)))
    window = np.ascontiguousarray(window)
    codes, counts, offered, dropped, per_unit = survey_answers(
        window, resp, cols, draws, np.ascontiguousarray(p_unsure))
    types = unit_type[resp]
    by_type = np.array([per_unit[types == t].mean() if (types == t).any() else np.nan
                        for t in range(len(UNIT_TYPES))])
    return SimulatedSurvey(TABLE2_IDS, counts, offered / len(resp) if len(resp) else
                           np.full(len(cols), np.nan), dropped, len(resp), by_type, resp,
                           codes)
