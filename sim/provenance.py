"""Where every number of the model comes from: each one's status, listed once.

Every parameter of :mod:`sim.parameters` has its kind (free: calibrated; lever: what a
scenario sets; assumption: drawn over its range by ensembles; input: sourced, set from
data or a modelling choice). The numbers the modules of ``sim`` name as constants are
listed in :data:`CONSTANTS` with their status: *sourced* (a publication or register),
*set from data* (from the survey being fitted, counted as such in docs/ODD.md 1.1),
*assumption* (with the range it could take; since model version 4 none is left: every
assumption is a parameter, drawn over its range), *modelling choice* (with its reason),
*definition* (a unit or a code), or *technical* (limits and sizes that change no
result). ``tests/test_provenance.py`` fails when a module of ``sim`` names a numeric
constant this list does not hold.

Run ``python -m sim.provenance`` to print the whole list.
"""

from __future__ import annotations

from sim.parameters import PARAMETERS

SOURCED, FROM_DATA, ASSUMPTION = "sourced", "set from data (counted)", "assumption"
CHOICE, DEFINITION, TECHNICAL = "modelling choice", "definition", "technical"

# name → (status, what it is and why; the range for an assumption)
CONSTANTS: dict[str, tuple[str, str]] = {
    # sim/published.py: the survey's frame and the national figures.
    "SURVEY_2015": (SOURCED, "the 2015 survey's frame: 50 municipalities, 5 regions, 316 "
                             "units identified, 244 respondents by type (Andfossen 2020)"),
    "VOLUNTEER_SHARE_2014": (SOURCED, "4.4% did voluntary work in LTC (Folkestad et al. 2015)"),
    "VOLUNTEER_FTE_2014": (SOURCED, "8,500 FTE of voluntary work in LTC (Folkestad et al. "
                                    "2015)"),
    "HOURS_PER_FTE_YEAR": (SOURCED, "1,695 hours a full-time year (Statistics Norway)"),
    "POPULATION_2014": (SOURCED, "5.17 million inhabitants in 2014 (Statistics Norway)"),
    # sim/population.py
    "NATIONAL_POPULATION": (SOURCED, "5.55 million inhabitants, 1 January 2024 (SSB)"),
    "NATIONAL_MUNICIPALITIES": (SOURCED, "357 municipalities from 2024 (SSB)"),
    "INHABITANTS_PER_UNIT": (SOURCED, "980 institutions (2014) plus home-care districts in the "
                                      "respondents' ratio: about 1,870 units"),
    "DOMAIN_WEIGHTS": (FROM_DATA, "organisations' domains, from the activity counts n of "
                                  "Table 2"),
    "INITIAL_ACTIVE": (CHOICE, "share of the pool active at the start, 0.8: the spin-up "
                               "forgets it (at 0.6 or 1.0 the 18 shares of the 2015 survey, "
                               "pooled over 40 seeds, move by at most 1.8 points; two sets "
                               "of 40 seeds at 0.8 differ by up to 3.1)"),
    "SIZE_MEDIAN": (CHOICE, "municipality sizes lognormal, median 5,000: an approximation to "
                            "Statistics Norway's skewed sizes"),
    "SIZE_SIGMA": (CHOICE, "σ = 1.4 of that lognormal"),
    "MIN_INHABITANTS": (CHOICE, "no synthetic municipality below 200 inhabitants"),
    "ADOPTION_SIZE_SLOPE": (FROM_DATA, "larger municipalities adopt a local policy first: 18% "
                                       "of municipalities, 55% of inhabitants in 2020 "
                                       "(Frivillighet Norge); written agreements take the "
                                       "same slope (an assumption)"),
    # sim/world.py
    "SERVICE_AVAILABILITY": (FROM_DATA, "share of units where day centres, food delivery and "
                                        "home-care culture can occur, from Table 2's n"),
    "HOURS_PER_VOLUNTEER_WEEK": (SOURCED, "8,500 FTE over 4.4% of 5.17 million, per week"),
    # sim/regime.py
    "PRESSURE_2015": (DEFINITION, "staff pressure is measured relative to 2015 (= 1)"),
    "PRESSURE_RAMP_WEEKS": (DEFINITION, "the resource_pressure lever is reached in ten years"),
    "TRUST_CONCENTRATION": (CHOICE, "units' baseline trust Beta(5m, 5(1 − m)), m = "
                                    "trust_baseline: the spread of baselines (sd 0.2 at "
                                    "m = 0.4); trust_weight and trust_handover, drawn over "
                                    "their ranges, say how much it matters"),
    "LOGIC_GAP_RANGE": (CHOICE, "units' logic gap uniform on [0.3, 0.7]: a unit of measure "
                                "(its scale is absorbed by logic_distance and "
                                "codestruction_risk, drawn over their ranges)"),
    "TRUST_REFERENCE": (DEFINITION, "the units' mean trust at the 2015 snapshot, computed "
                                    "from the model at the defaults (0.596): the trust terms "
                                    "are centred there (the paper has no data on trust)"),
    "GAP_REFERENCE": (DEFINITION, "the mean of LOGIC_GAP_RANGE"),
    "REFERENCE_RECRUITMENT": (DEFINITION, "recruitment at 4 × the leaving rate keeps 80% of "
                                          "the pool active (the 4.4% counts the year's "
                                          "volunteers); scaled by base_recruitment"),
    "REFERENCE_TEAM": (DEFINITION, "supply is counted per 20 volunteers, the team size the "
                                   "parameters were calibrated at"),
    # sim/kernels.py
    "MUNICIPALITY": (DEFINITION, "mode code 0"),
    "VOLUNTARY": (DEFINITION, "mode code 1"),
    "TOGETHER": (DEFINITION, "mode code 2"),
    "UNIFORMS_PER_PAIR": (TECHNICAL, "uniform draws a pair reads at most in a week"),
    "UNIFORMS_PER_TEAM": (TECHNICAL, "uniform draws a team reads in a week"),
    "UNIFORMS_PER_WEEK": (TECHNICAL, "the draw that starts a week's revision skips"),
    "YEAR_WEEKS": (DEFINITION, "52 weeks: 'volunteers in the past year'"),
    "BISECTION_STEPS": (TECHNICAL, "steps of the bisection for a flag's adoption "
                                   "intercept, more than a float64 needs"),
    "BISECTION_MARGIN": (TECHNICAL, "how far a compiled mean must be from the share for "
                                    "its bisection step to be certain (changes no number)"),
    # sim/runner.py, sim/virtual_survey.py, sim/parameters.py
    "DEFAULT_STEPS": (DEFINITION, "a run observes 2015 unless asked for more weeks"),
    "MAX_STEPS": (TECHNICAL, "at most fifty years after 2015"),
    "CHECK_WEEKS": (TECHNICAL, "weeks run between checks for Ctrl-C"),
    "WEEKS_PER_YEAR": (DEFINITION, "a year after the 2015 snapshot: 52 weeks, at whose end "
                                   "each municipality is recorded (a record changes no "
                                   "number)"),
    # sim/sample_frame.py: a survey's own frame.
    "MAX_FRAME_UNITS": (TECHNICAL, "units of a survey's own frame (as a unit-level file)"),
    # sim/population_spec.py: a population as a value
    "MAX_NAME_CHARS": (TECHNICAL, "the longest population name read back (a frame of "
                                  "the most units)"),
    "MAX_SCALE": (TECHNICAL, "the largest scaling of the 2015 frame for an aggregate "
                             "table (20 × 316 units)"),
    "NOT_OFFERED": (DEFINITION, "answer code of an activity not offered"),
    "MAX_SHOWN": (TECHNICAL, "characters of an offending value shown in a message"),
    "MAX_WHERE": (TECHNICAL, "characters of a message's place (file, field) shown"),
    "OUTCOMES": (DEFINITION, "the outcomes' display scales (100 for shares shown in %)"),
    "TAIL_WEEKS": (DEFINITION, "an outcome at the horizon: its mean over the last four "
                               "weeks"),
    "_TABLE": (DEFINITION, "the parameter table itself: each row listed with its kind"),
    # sim/municipality.py: a planner's own municipality file
    "LIMITS": (TECHNICAL, "a municipality file's bounds: inhabitants up to 1,000,000 "
               "(Oslo has about 720,000), units and organisations per municipality"),
    "MAX_UNITS": (TECHNICAL, "at most 150 LTC units in one's own municipality"),
    "MAX_FILE_BYTES": (TECHNICAL, "the largest municipality file read"),
    "MODEL_VERSION": (DEFINITION, "the model's version, recorded with results"),
    "THRESHOLDS": (CHOICE, "the research question's class boundaries (sim/classify.py; "
                           "their sensitivity is in survey/classes_sensitivity.csv)"),
}


def parameter_status(name: str) -> str:
    """A parameter's status, from its kind and source."""
    p = PARAMETERS[name]
    if p.kind == "free":
        return f"calibrated (prior {p.low:g} to {p.high:g})"
    if p.kind == "lever":
        return f"lever (2015 value {p.default:g}: {p.source})"
    if p.kind == "assumption" and p.levels:
        return ("model choice, drawn uniformly over " + ", ".join(
            f"{int(p.low) + i} {level}" for i, level in enumerate(p.levels)))
    if p.kind == "assumption":
        return f"assumption, drawn over {p.low:g} to {p.high:g}"
    if "set from the survey" in p.source:
        return FROM_DATA
    if "modelling choice" in p.source:
        return CHOICE
    return f"{SOURCED}: {p.source}"


def listing() -> list[tuple[str, str, str]]:
    """(name, status, note) for every parameter and every named constant of ``sim``."""
    rows = [(name, parameter_status(name), p.meaning) for name, p in PARAMETERS.items()]
    rows += [(name, status, note) for name, (status, note) in CONSTANTS.items()]
    return rows


if __name__ == "__main__":
    for name, status, note in listing():
        print(f"{name:28s} {status:45.45s} {note[:80]}")
