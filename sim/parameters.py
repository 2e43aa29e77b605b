"""The model's parameters: free (calibrated), policy levers and documented inputs.

Every parameter has a default, an allowed range and a meaning. *Free* parameters are the
ones calibration estimates (their range is the prior's support); *levers* are what policy
scenarios change; *inputs* are fixed values with a stated source or assumption. Keeping
them in one table lets the model, the command line, the scenario files and calibration
validate against the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InputError
from sim.frame import VOLUNTEER_SHARE_2014


@dataclass(frozen=True)
class Parameter:
    """One model parameter."""

    name: str
    default: float
    low: float
    high: float
    kind: str  # "free", "lever" or "input"
    meaning: str
    source: str = ""
    label: str = ""  # a short label for controls (the dashboard's sliders)


_P = Parameter
_TABLE: tuple[Parameter, ...] = (
    # ---- free parameters (≤ 10): the mechanisms' strengths, estimated by ABC-SMC ----
    _P("municipal_tradition", 3.6, -1.0, 7.0, "free",
       "baseline pull of coordination to the municipality (utility, logit scale): the "
       "Nordic strong-public-sector tradition of municipal responsibility for care",
       "Esping-Andersen 1990; Andfossen 2020, Discussion"),
    _P("statutory_pull", 0.5, 0.0, 5.0, "free",
       "extra municipal utility when the activity is a statutory service (legal duty and "
       "quality control under the Health and Care Services Act)",
       "Andfossen 2020; Ministry of Health and Care Services 2003, 2011a"),
    _P("staff_pressure_push", 3.0, 0.0, 8.0, "free",
       "loss of municipal utility per unit of staff pressure: scarce staff time pushes "
       "coordination away from the unit", "Hillestad & Tessem 2015"),
    _P("org_presence_pull", 0.8, 0.0, 4.0, "free",
       "voluntary utility per unit of log volunteer presence of organisations specialised "
       "in the activity's domain in the municipality", "Andfossen 2020, Background"),
    _P("logic_distance", 1.8, 0.0, 5.0, "free",
       "institutional logics: municipal claim on care-like domains (× care-logic of the "
       "domain) and cost of joint coordination (× the unit's logic gap)",
       "Thornton & Ocasio 2008; Thornton et al. 2012"),
    _P("trust_weight", 1.2, 0.0, 5.0, "free",
       "utility of joint coordination per unit of trust between unit and organisations",
       "Sørensen & Torfing 2011a,b"),
    _P("trust_learning", 0.05, 0.0, 0.3, "free",
       "trust change per joint activity: success raises trust by η(1−T), failure lowers "
       "it by 2ηT", "Sørensen & Torfing 2011b"),
    _P("codestruction_risk", 0.15, 0.0, 0.6, "free",
       "probability that a joint activity fails at logic gap 1 (co-destruction), "
       "destroying trust and volunteer motivation", "Osborne et al. 2016; Plé & "
       "Chumpitaz Cáceres 2010"),
    _P("activity_rate", 0.6, 0.05, 3.0, "free",
       "weekly rate at which a unit organises an activity per unit of volunteer supply "
       "in its domain", "calibrated to the activity counts n of Table 2"),
    _P("dominance_erosion", 0.5, 0.0, 3.0, "free",
       "weekly loss of volunteer motivation per unit share of activities coordinated by "
       "the municipality alone (volunteer spirit and autonomy)", "Andfossen 2020, "
       "Discussion"),
    # ---- policy levers (what scenarios change); defaults are the 2015 situation ----
    _P("policy_share", 0.20, 0.0, 1.0, "lever",
       "share of municipalities with a local volunteer policy (written agreements, "
       "clear responsibilities); 69% had none and 11% did not know in 2012",
       "Loga 2012",
       label="Municipalities with a local volunteer policy"),
    _P("volunteer_centre_share", 0.80, 0.0, 1.0, "lever",
       "share of municipalities with a volunteer centre (frivilligsentral); 400 centres "
       "in 428 municipalities in 2014, several in the largest", "Frivillighet Norge 2014",
       label="Municipalities with a volunteer centre"),
    _P("municipal_service_share", 0.10, 0.0, 1.0, "lever",
       "share of municipalities running their own municipal volunteer service (60% "
       "wanted one in 2010)", "Abrahamsen 2010; assumption for 2015",
       label="Municipalities with own volunteer service"),
    _P("recruitment_effort", 0.0, 0.0, 3.0, "lever",
       "extra volunteer recruitment relative to 2015 (1 = recruitment rate doubled)",
       "National strategy for voluntary work, Ministry of Health and Care Services 2015",
       label="Extra recruitment effort (1 = double)"),
    _P("forum_intensity", 0.0, 0.0, 1.0, "lever",
       "regular collaboration forums: weekly trust gain toward 1 and a logic gap "
       "shrinking toward half its start (1 = monthly forums in every municipality)",
       "Sørensen & Torfing 2011a",
       label="Collaboration forums (0–1)"),
    _P("resource_pressure", 0.0, -0.5, 1.0, "lever",
       "relative increase in staff pressure (fewer staff hours per recipient), reached "
       "linearly over ten years", "WHO 2015; Leknes et al. 2019",
       label="Rise in staff pressure over ten years"),
    _P("task_division", 0.0, 0.0, 5.0, "lever",
       "strength of a rule assigning statutory activities to the municipality and the "
       "rest to organisations (utility added to the assigned body, taken from joint "
       "coordination)", "Andfossen 2020, Background (division of tasks)",
       label="Strict task division (strength)"),
    # ---- documented inputs ----
    _P("spinup_weeks", 104, 0, 520, "input",
       "weeks the synthetic world runs under the 2015 levers before the 2015 snapshot "
       "(forgetting its made-up start); scenario levers take effect after it",
       "modelling choice"),
    _P("volunteer_share", VOLUNTEER_SHARE_2014, 0.0, 0.2, "input",
       "share of the population doing voluntary work in long-term care",
       "Folkestad et al. 2015 (2014 figure)"),
    _P("volunteers_per_agent", 20, 1, 200, "input",
       "people one Volunteer agent stands for (a volunteer team); keeps national runs "
       "small", "modelling choice"),
    _P("annual_turnover", 0.25, 0.0, 1.0, "input",
       "share of active volunteers who stop within a year at full motivation",
       "assumption"),
    _P("revision_rate", 0.04, 0.0, 1.0, "input",
       "weekly probability that a unit revisits who coordinates an activity (about "
       "twice a year)", "assumption"),
    _P("persistence", 0.8, 0.0, 1.0, "input",
       "probability that an occurrence follows the standing arrangement rather than an "
       "ad hoc one (raised by a local policy)", "assumption"),
    _P("unsure_rate", 0.05, 0.0, 0.5, "input",
       "probability that a respondent answers 'unsure' about a consistent arrangement",
       "assumption; the paper reports 0–35% unsure/several"),
    _P("policy_effect", 0.5, 0.0, 1.0, "input",
       "how much a local policy cuts co-destruction risk, logic gap and ad hoc "
       "coordination (1 = removes them)", "assumption"),
)

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _TABLE}
FREE: tuple[str, ...] = tuple(p.name for p in _TABLE if p.kind == "free")
LEVERS: tuple[str, ...] = tuple(p.name for p in _TABLE if p.kind == "lever")


def defaults() -> dict[str, float]:
    """Every parameter's documented default (the table above; no calibration)."""
    return {name: p.default for name, p in PARAMETERS.items()}


def validate(values: dict, *, where: str = "parameter") -> dict[str, float]:
    """Check names and ranges; return a complete parameter dict (defaults filled in).

    ``where`` names the place in messages; a ``{name}`` in it is replaced by the
    parameter's name, otherwise the name is appended.
    """
    out = defaults()
    for name, value in values.items():
        place = where.format(name=name) if "{name}" in where else f"{where} {name}"
        if name not in PARAMETERS:
            raise InputError(where, name, "valid names: " + ", ".join(PARAMETERS),
                             problem="unknown name")
        p = PARAMETERS[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(place, value, f"allowed: a number from {p.low} "
                             f"to {p.high}")
        if not p.low <= value <= p.high:
            raise InputError(place, value, f"allowed: {p.low} to {p.high}",
                             problem="out-of-range value")
        out[name] = float(value)
    return out
