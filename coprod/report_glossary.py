"""What the numbers mean: every outcome defined once, in plain words.

The report's glossary and README's section "What the numbers mean" are both rendered
from :data:`GLOSSARY` (a test checks that README says the same), and the figures in
the definitions are computed from the model's own constants, so that a changed
constant changes the words.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios.effects import LIKE_FACTOR, MIN_LIKE
from sim.outcomes import TAIL_WEEKS
from sim.parameters import PARAMETERS
from sim.published import (
    HOURS_PER_FTE_YEAR,
    POPULATION_2014,
    SURVEY_2015,
    VOLUNTEER_FTE_2014,
    VOLUNTEER_SHARE_2014,
)
from sim.world import HOURS_PER_VOLUNTEER_WEEK

README_HEADING = "## What the numbers mean"


@dataclass(frozen=True)
class Term:
    """One defined term: its name, its definition, and the outputs' names for it."""

    term: str
    words: str
    names: tuple[str, ...] = ()  # the outcome names in the CSV files


_FACTOR = {2.0: "two", 3.0: "three"}.get(LIKE_FACTOR, f"{LIKE_FACTOR:g}")


def _hours(name: str) -> str:
    p = PARAMETERS[name]
    return f"{p.default:g} (assumed {p.low:g}–{p.high:g})"


def _terms() -> tuple[Term, ...]:
    team = PARAMETERS["volunteers_per_agent"].default
    per_week = HOURS_PER_VOLUNTEER_WEEK
    return (
        Term("Activity",
             "one occurrence of one of the survey's 14 types of volunteer activity "
             "(social gatherings and trips, cultural events, exercise, visits, food "
             "delivery, day centres …) at one long-term care unit in one week; a unit "
             "holds each type at most once a week. Activities per week count them over "
             "the units in view; per nursing home or per home-care district divides by "
             "those units.", ("activities_per_week", "…:activities_per_unit")),
        Term("Who coordinates, and shares",
             "every activity is coordinated by the municipality (the care unit's staff) "
             "alone, by a voluntary organisation alone, or by both together "
             "(co-produced). A share is the part of the activities that took place with "
             "that coordinator (the three add up to 100%); a change in a share is in "
             "percentage points (from 30% to 35% is +5 points). The survey's shares "
             f"(Table 2) are of the {SURVEY_2015.units_responded} units that answered, "
             "activity type by activity type.",
             ("share_municipality", "share_voluntary", "share_together")),
        Term("Active volunteers",
             f"people in the volunteer teams active in long-term care (a team stands for "
             f"{team:g} people), whether or not they took part in an activity that "
             "week.", ("active_volunteers",)),
        Term("Volunteer hours",
             f"the time all active volunteers give in a week, counted at {per_week:.2f} "
             "hours per active volunteer: the national average, "
             f"{VOLUNTEER_FTE_2014:,} full-time equivalents of {HOURS_PER_FTE_YEAR:,} "
             f"hours a year shared by the {100 * VOLUNTEER_SHARE_2014:.1f}% of "
             f"{POPULATION_2014 / 1e6:.2f} million people who volunteered in long-term "
             "care in 2014, that is per member of the year's pool. Only part of the pool "
             "is active in a given week, so the total falls short of the national "
             "figure by the pool's share inactive that week (docs/ODD.md gives it at the "
             "2015 snapshot): compare it between scenarios, not with the national "
             "total. It counts every active volunteer, not only those in the "
             "counted activities, and an activity draws on a team: so volunteer "
             "hours divided by activities comes to many hours an activity; that is not the "
             "length of an activity but the whole pool's time set against the coordinated "
             "activities the survey counts.", ("volunteer_hours",)),
        Term("Staff hours",
             "the care units' staff time spent coordinating the week's activities: each "
             "activity costs an assumed number of hours by who coordinated it, "
             f"{_hours('staff_hours_municipal')} when the municipality coordinates "
             f"alone, {_hours('staff_hours_together')} together and "
             f"{_hours('staff_hours_voluntary')} when an organisation does (no source "
             "gives them), summed over the activities. It is not the time staff spend in "
             "care or in the activity itself. In full-time equivalents (FTE): staff "
             f"hours per week × 52 ÷ {HOURS_PER_FTE_YEAR:,}.",
             ("staff_hours",)),
        Term("Trust",
             "each care unit's trust in the voluntary sector, on a scale from 0 (none) "
             "to 1 (full); mean trust averages it over the units. It grows with joint "
             "work that succeeds and falls with any failed activity the unit sees, "
             "whoever coordinated it. No survey measured trust: the mean of the units' "
             "baselines it returns to is an assumption ("
             f"{PARAMETERS['trust_baseline'].low:g} to {PARAMETERS['trust_baseline'].high:g}"
             "), and so is its level in 2015; read its changes, on the same 0–1 scale, "
             "rather than its level.",
             ("mean_trust",)),
        Term("Integrated units",
             "care units that give both nursing-home care and home care in one service "
             "(the survey's 'integrated services'); a municipality file counts them in "
             "integrated_units. They can hold the activities of both settings.",
             ("integrated_units",)),
        Term("Per 1,000 inhabitants",
             "a count divided by the inhabitants of the municipalities in view, times "
             "1,000, so that municipalities of different sizes compare.", ("per_1000:…",)),
        Term("Your municipality",
             "the municipality a file describes (coprod run --municipality FILE); in every "
             "run it takes the place of the municipality of the surrounding population "
             "nearest its size. Its outcomes are those of one municipality, with few "
             "activities in four weeks: read their intervals.", ("own:…",)),
        Term("Adopters",
             "the municipalities whose volunteer centre, policy, written agreement or "
             "service the scenario switched (those that already held it in 2015 are "
             "not among them); their "
             "change is against the baseline's run on the same municipalities. With "
             "--adopters own, your municipality alone adopts.",
             ("adopters:…", "adopters:municipalities")),
        Term("Municipalities like yours, and the like-yours adopters",
             f"the other municipalities of a run whose inhabitants are within a factor of "
             f"{_FACTOR} of yours either way (from 1/{LIKE_FACTOR:g} to {LIKE_FACTOR:g} "
             "times yours; "
             "sizes are drawn anew in every run, so their number varies and "
             "like_yours:municipalities gives it); the like-yours adopters are those of "
             "them the scenario switched. The like-yours adopters are the steadier reading "
             "of what adopting does to a municipality of your size: several places "
             "rather than one. Fewer than "
             f"{MIN_LIKE} are too few to be steadier, and said so. With --adopters own "
             "none of them adopts: their change is not the policy's but what it does to "
             "those who do not adopt, which in this model is chance alone (it has no link "
             "between municipalities). Where a scenario's levers act on every "
             "municipality, all municipalities like yours are the steadier reading.",
             ("like_yours:…", "like_yours_adopters:…")),
        Term("At the horizon",
             f"the mean of a run's last {TAIL_WEEKS} weeks. Runs start from the 2015 "
             "state, where a scenario's levers switch: ten years ahead means ten years "
             "after the switch."),
        Term("Paired change and 90% interval",
             "a scenario's run minus the baseline's run with the same calibrated world, "
             "assumption draw and seed; the median over such pairs, and the range that "
             "holds the middle 90% of them. A level's interval is the middle 90% of the "
             "runs.", ("diff_median", "diff_low_90", "diff_high_90")),
    )


GLOSSARY: tuple[Term, ...] = _terms()


def readme_section() -> str:
    """README's section, in Markdown: the heading, one line of context, then the terms."""
    lines = [README_HEADING, "",
             "Every outcome of the report, the console and the CSV files, defined once "
             "(the report's glossary says the same; `coprod/report_glossary.py` holds "
             "both).", ""]
    for t in GLOSSARY:
        names = f" ({', '.join(f'`{n}`' for n in t.names)})" if t.names else ""
        lines.append(f"- **{t.term}**{names}: {t.words}")
    return "\n".join(lines) + "\n"
