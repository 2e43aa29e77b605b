"""The model's weekly outcomes, each declared once.

The world computes these every week from its raw weekly counts
(:meth:`sim.world.World._outcomes`), the Mesa wrapper's DataCollector records them,
scenario ensembles summarise them, and plots, the report and the dashboard label them,
all from this table. Adding an outcome means one row here and the line of
``World._outcomes`` that computes it (and, for a new raw count, a column of the compiled
kernels' week record, :data:`sim.kernels.WEEK_RECORD`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import UnknownNameError


@dataclass(frozen=True)
class Outcome:
    """One weekly outcome.

    ``scale`` converts a value to the unit shown (100 for shares shown in %); ``summary``
    says whether ensembles report it at the horizon; ``headline`` whether figures and the
    report show it among the key outcomes.
    """

    name: str
    label: str
    unit: str
    scale: float
    meaning: str
    summary: bool = True
    headline: bool = False

    def difference_unit(self) -> str:
        """The unit of a difference between two values (percentage points for shares)."""
        return "percentage points" if self.unit == "%" else self.unit


_O = Outcome
OUTCOMES: tuple[Outcome, ...] = (
    _O("week", "Week", "weeks", 1, "weeks since the 2015 snapshot (negative: spin-up)",
       summary=False),
    _O("share_municipality", "Coordinated by the municipality alone", "%", 100,
       "share of the week's activities coordinated by the LTC unit alone", headline=True),
    _O("share_voluntary", "Coordinated by organisations alone", "%", 100,
       "share of the week's activities coordinated by a voluntary organisation alone",
       headline=True),
    _O("share_together", "Co-produced (coordinated together)", "%", 100,
       "share of the week's activities coordinated by unit and organisation together",
       headline=True),
    _O("activities_per_week", "Volunteer activities per week", "activities", 1,
       "activities that took place in the week, all units and activity types",
       headline=True),
    _O("offered_share", "Activity types offered", "%", 100,
       "share of (unit, activity) pairs that occurred in the last four weeks", summary=False),
    _O("active_volunteers", "Active volunteers", "people", 1,
       "people in active volunteer teams", headline=True),
    _O("volunteer_hours", "Volunteer hours per week", "hours", 1,
       "active volunteers × hours per volunteer-week (8,500 FTE in 2014)", headline=True),
    _O("staff_hours", "Staff hours per week spent coordinating", "hours", 1,
       "staff hours spent coordinating the week's activities, by who coordinated them",
       headline=True),
    _O("mean_trust", "Mean trust (unit ↔ organisations)", "0–1", 1,
       "mean trust of LTC units in the voluntary sector", headline=True),
    _O("mean_motivation", "Mean volunteer motivation", "0–1", 1,
       "mean motivation of active volunteer teams"),
    _O("failed_activities", "Failed activities per week", "activities", 1,
       "activities that failed in the week (co-destruction: clashing logics or unclear "
       "roles in joint work, untrained volunteers in any)", summary=False),
    _O("volunteers_past_year", "Volunteers in the past year", "people", 1,
       "people active at some time in the last 52 weeks (the 4.4% of 2014 counts those "
       "who volunteered during the year)"),
)

BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
SUMMARY: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.summary)
HEADLINE: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.headline)


def outcome(name: str) -> Outcome:
    """The registry entry for ``name``; an unknown name lists the valid ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownNameError("outcome", name, NAMES) from None


TAIL_WEEKS = 4  # an outcome at the horizon is its mean over the last four weeks


def at_horizon(series: Mapping[str, np.ndarray], name: str) -> float:
    """Weekly outcome ``name`` at the end of a run: its mean over the last :data:`TAIL_WEEKS`.

    What ensembles report at the horizon; a policy's paired effect is the difference of
    two runs' values.
    """
    return float(np.mean(series[name][-TAIL_WEEKS:]))


def paired_effect(mine: Mapping[str, np.ndarray], base: Mapping[str, np.ndarray],
                  name: str) -> float:
    """A lever's effect on ``name`` in one world: its run minus the baseline's, at the horizon.

    The project's one definition of an effect, used by the ensembles, the design study,
    the screening, the simulation-based calibration and the recoveries: the two runs are
    of one world branched at the 2015 snapshot (:func:`sim.runner.run_branches`, or
    :func:`sim.run` with one seed, which gives the same numbers), so they differ by the
    levers alone; each is taken at the horizon (:func:`at_horizon`, the last
    :data:`TAIL_WEEKS` weeks, the survey's window).
    """
    return at_horizon(mine, name) - at_horizon(base, name)
