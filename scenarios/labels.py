"""Every scenario outcome in words: what it is, its unit, whose it is; numbers as people read.

The weekly outcomes are declared in :mod:`sim.outcomes`; the scenarios add outcomes
derived from them (per 1,000 inhabitants, by unit type, one's own municipality, the
municipalities that adopt, the virtual survey's rows). :func:`describe` labels any of
them; :func:`number` and :func:`change` format values the way a report reads them:
shares in percent and changes in percentage points, people and hours as whole numbers
with thousands separators, small values with the digits they need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.outcomes import BY_NAME
from sim.population_spec import describe_name
from sim.published import HOURS_PER_FTE_YEAR
from sim.world import WEEKS_PER_YEAR

TYPE_WORDS = {"nursing_home": "nursing homes", "home_care": "home care"}
MODE_WORDS = {"municipality": "coordinated by the municipality alone",
              "voluntary": "coordinated by organisations alone",
              "together": "co-produced (coordinated together)"}
SHORT_MODES = {"municipality": "by the municipality alone", "voluntary": "by organisations "
               "alone", "together": "co-produced"}
AREA = {  # outcome of a set of municipalities (sim.municipality.area_outcomes)
    "municipalities": ("Municipalities", "municipalities", 1),
    "inhabitants": ("Inhabitants", "people", 1),
    "activities_per_week": ("Volunteer activities per week (last four weeks)",
                            "activities per week", 1),
    "active_volunteers": ("Active volunteers", "people", 1),
    "staff_hours": ("Staff hours per week spent coordinating (last four weeks)",
                    "hours per week", 1),
    "mean_trust": ("Mean trust (unit ↔ organisations)", "0–1", 1),
    "per_1000:activities_per_week": ("Volunteer activities per week per 1,000 inhabitants",
                                     "activities per week per 1,000 inhabitants", 1),
    "per_1000:active_volunteers": ("Active volunteers per 1,000 inhabitants",
                                   "people per 1,000 inhabitants", 1),
    "per_1000:staff_hours": ("Staff hours per week per 1,000 inhabitants",
                             "hours per week per 1,000 inhabitants", 1),
}


@dataclass(frozen=True)
class Label:
    """An outcome in words: its label, unit, scale to that unit, and whose it is."""

    label: str
    unit: str
    scale: float
    of: str

    @property
    def difference_unit(self) -> str:
        """The unit of a difference (percentage points for shares)."""
        return "percentage points" if self.unit == "%" else self.unit


def _area(name: str) -> tuple[str, str, float] | None:
    if name in AREA:
        return AREA[name]
    if name.startswith("share_") and name[6:] in MODE_WORDS:
        return (f"Share of activities {MODE_WORDS[name[6:]]}", "%", 100)
    head, _, tail = name.partition(":")
    if head in TYPE_WORDS:
        words = TYPE_WORDS[head]
        if tail == "units":
            return (f"Units: {words}", "units", 1)
        if tail == "activities_per_week":
            return (f"Volunteer activities per week in {words}", "activities per week", 1)
        if tail == "activities_per_unit":
            return (f"Volunteer activities per week per unit, {words}",
                    "activities per week per unit", 1)
        if tail.startswith("share_") and tail[6:] in SHORT_MODES:
            return (f"Share {SHORT_MODES[tail[6:]]}, {words}", "%", 100)
    return None


def describe(name: str, population: str = "survey2015", own: str | None = None) -> Label:
    """The words for outcome ``name`` of runs on ``population`` (its manifest's name)."""
    whole = "in " + describe_name(population)
    if name in BY_NAME:
        o = BY_NAME[name]
        unit = {"hours": "hours per week", "activities": "activities per week"}.get(
            o.unit, o.unit)
        return Label(o.label, unit, o.scale, f"at the horizon, {whole}")
    prefix, _, rest = name.partition(":")
    if prefix == "own" and (found := _area(rest)):
        return Label(found[0], found[1], found[2],
                     f"in {own or 'your municipality'} alone, at the horizon")
    if prefix == "adopters" and (found := _area(rest)):
        return Label(found[0], found[1], found[2], "in the municipalities whose flag the "
                     "scenario switched (adopters), at the horizon; the baseline on the "
                     "same municipalities")
    if found := _area(name):
        return Label(found[0], found[1], found[2], f"at the horizon, {whole}")
    parts = name.split(":")
    survey = f"the virtual survey at the horizon ({whole[3:]})"
    if parts[0] == "survey_share" and len(parts) == 3:
        return Label(f"Survey share, {parts[1]}, {MODE_WORDS.get(parts[2], parts[2])}", "%",
                     100, survey)
    if parts[0] == "survey_answered" and len(parts) == 2:
        return Label(f"Units answering who coordinated {parts[1]} (answers, not activities:"
                     " fewer 'unsure' answers raise it too)", "units", 1, survey)
    if parts[0] == "survey_dropped" and len(parts) == 2:
        return Label(f"Answers on {parts[1]} dropped as unsure or several", "units", 1,
                     survey)
    if parts[0] == "survey_offered" and len(parts) == 2:
        return Label(f"Respondents who organised {parts[1]} in the last four weeks", "%",
                     100, survey)
    if parts[0] == "survey2015_count" and len(parts) == 3:
        return Label(f"2015 snapshot's survey: {parts[1]} {parts[2]}", "units", 1,
                     "the virtual survey at the 2015 snapshot")
    if parts[0] == "class" and len(parts) == 2:
        return Label(f"Research question's answer is '{parts[1]}'", "share of runs", 100,
                     survey)
    return Label(name, "", 1, whole)


# ---- numbers as people read them -------------------------------------------------------
def decimals(*values: float, figures: int = 2) -> int:
    """Decimals that show the largest of ``values`` with ``figures`` significant digits.

    Whole numbers from 100 on; a trust change of 0.027 keeps three decimals, not one.
    """
    finite = [abs(v) for v in values if v is not None and math.isfinite(v) and v != 0]
    if not finite:
        return 0
    return min(4, max(0, figures - 1 - math.floor(math.log10(max(finite)))))


def _plain(value: float, places: int, sign: bool) -> str:
    if not math.isfinite(value):
        return "—"
    if round(value, places) == 0:
        value, sign = 0.0, False  # never "−0.00"
    text = f"{value:{'+' if sign else ''},.{places}f}"
    return text.replace("-", "−")


def number(value: float, unit: str, scale: float = 1) -> str:
    """A level: ``35.2%``, ``21,034 people``, ``0.41`` (trust)."""
    v = value * scale
    if unit == "%":
        return _plain(v, 1, False) + "%"
    places = decimals(v, figures=3)
    return _plain(v, places, False) + ("" if unit in ("", "0–1") else f" {unit}")


def change(median: float, low: float, high: float, unit: str, scale: float = 1) -> str:
    """A change with its 90% interval, all three with the digits the largest needs.

    ``+1.9 points (90% −1.7 to +13.0)``, ``+480 people (90% −545 to +2,743)``,
    ``+0.027 (90% −0.004 to +0.200)``.
    """
    m, lo, hi = (v * scale for v in (median, low, high))
    widest = decimals(m, lo, hi, figures=2)
    places = max(widest, min(decimals(m, figures=2), widest + 1))
    if unit == "%":  # points: one decimal unless the interval needs more
        places = max(widest, 1)
    unit_text = {"%": " points", "": "", "0–1": ""}.get(unit, f" {unit}")
    return (f"{_plain(m, places, True)}{unit_text} (90% {_plain(lo, places, True)} to "
            f"{_plain(hi, places, True)})")


def signed(value: float, places: int) -> str:
    """A signed number with thousands separators and a true minus sign."""
    return _plain(value, places, True)


def fte(hours_per_week: float) -> float:
    """Staff hours per week as full-time equivalents (1,695 hours a year)."""
    return hours_per_week * WEEKS_PER_YEAR / HOURS_PER_FTE_YEAR
