"""Outcomes derived from the stored ones, in the unit a council reads them.

Staff time coordinating volunteer activities is stored in hours per week
(``staff_hours``); a council counts posts. :func:`with_fte` adds ``staff_fte`` beside
every ``staff_hours`` column (``own:staff_fte``, ``adopters:staff_fte``, ``staff_fte``,
and the municipalities like one's own: ``like_yours:``, ``like_yours_adopters:``),
so ``comparison.csv`` holds the number as it is shown, and no reader multiplies by hand.
"""

from __future__ import annotations

import pandas as pd

from sim.published import HOURS_PER_FTE_YEAR
from sim.world import WEEKS_PER_YEAR

__all__ = ("FTE_WORDS", "HOURS_PER_FTE_WEEK", "HOURS_PER_FTE_YEAR", "STAFF_FTE", "fte_name",
           "with_fte")

# One full-time equivalent (FTE) is 1,695 hours of work a year: Statistics Norway's
# full-time equivalent (37.5 hours a week over the weeks left after holidays and public
# holidays), the one the volunteers' 8,500 FTE of 2014 are counted in (sim.published). Per
# calendar week that is 1,695 / 52 = 32.6 hours: staff hours per week / 32.6 = FTE.
HOURS_PER_FTE_WEEK = HOURS_PER_FTE_YEAR / WEEKS_PER_YEAR
STAFF_HOURS, STAFF_FTE = "staff_hours", "staff_fte"
FTE_WORDS = (f"full-time equivalents of {HOURS_PER_FTE_YEAR:,} hours a year "
             f"({HOURS_PER_FTE_WEEK:.1f} hours a calendar week; Statistics Norway's FTE)")


# Whose staff hours get an FTE beside them: everyone's, one's own, the adopters', the
# municipalities like one's own and the like-yours adopters (summed over them; per 1,000
# inhabitants they stay in hours: an FTE per 1,000 people is no council's unit).
FTE_PREFIXES = ("", "own:", "adopters:", "like_yours:", "like_yours_adopters:")


def fte_name(name: str) -> str | None:
    """``own:staff_fte`` for ``own:staff_hours`` (:data:`FTE_PREFIXES`); None otherwise."""
    for prefix in FTE_PREFIXES:
        if name == prefix + STAFF_HOURS:
            return prefix + STAFF_FTE
    return None


def with_fte(values: pd.DataFrame) -> pd.DataFrame:
    """``values`` (one column per outcome) with a ``…staff_fte`` beside each staff_hours.

    A paired difference of the FTE column is the hours' difference in FTE (a linear
    change of unit), so effects and their intervals agree with the hours'.
    """
    added = {fte_name(c): values[c] / HOURS_PER_FTE_WEEK for c in values.columns
             if fte_name(c) and fte_name(c) not in values.columns}
    return values.assign(**added) if added else values
