"""The model's parameters: free (calibrated), policy levers and documented inputs.

Every parameter has a default, an allowed range and a meaning. *Free* parameters are the
ones calibration estimates (their range is the prior's support); *levers* are what policy
scenarios change; *assumptions* are mechanisms' strengths the survey cannot identify and
policies' strengths, each with a documented range that scenario ensembles integrate
over; *inputs* are fixed values with a stated source or modelling choice. Keeping
them in one table lets the model, the command line, the scenario files and calibration
validate against the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import InputError
from sim.published import VOLUNTEER_SHARE_2014

# The model's version: raised whenever a mechanism, a fixed number or a default changes,
# so that results made with another model are recognised as such (manifests record it;
# the report flags shipped studies made with an earlier version). 1: before ad hoc
# coordination grew with supply; 2: since; 3: the local policy's three routes, trust in
# handing over, quality control by who coordinates, volunteers outside organisations,
# adoption by municipality size, and every fixed number of the mechanisms a parameter;
# 4: the local policy's direction an open question (`policy_reading`: a division of tasks,
# a sharing of tasks or municipal control, each with its strength, the reading calibrated
# jointly), written agreements a flag of their own held by more than half the
# municipalities (clarity comes from them), the trust terms centred on the 2015 mean trust,
# and the fixed numbers of trust, supervision, organisations and staff hours parameters.
MODEL_VERSION = 4


@dataclass(frozen=True)
class Parameter:
    """One model parameter."""

    name: str
    default: float
    low: float
    high: float
    kind: str  # "free", "lever", "assumption" or "input"
    meaning: str
    source: str = ""
    label: str = ""  # a short label for controls (the dashboard's sliders)
    # For a lever that is a share of municipalities holding a flag: the flag's name (the
    # population draws it, sim.regime switches it; see docs/ODD.md, 3.6).
    flag: str = ""
    # A discrete input (a model choice): the names of its values low, low + 1, ..., high.
    # Its prior is uniform over them; see :func:`from_unit`.
    levels: tuple[str, ...] = ()


_P = Parameter
# Free parameters' defaults sit near the values that reproduce the 2015 survey (an
# exploratory calibration): a bare model is then a plausible world. The calibrated model
# is the shipped posterior median (calibration.posterior.calibrated_parameters).
_TABLE: tuple[Parameter, ...] = (
    # ---- free parameters: mechanisms' strengths the survey can identify (ABC-SMC) ----
    _P("municipal_tradition", 2.4, -3.0, 5.0, "free",
       "municipal claim on coordinating a non-statutory activity in a nursing home "
       "of a municipality without a local policy (voluntary-minus-municipal utility, "
       "logit scale, at equal organisational presence and the 2015 mean trust): the "
       "Nordic tradition of municipal responsibility for care",
       "Esping-Andersen 1990; Andfossen 2020, Discussion"),
    _P("home_care_offset", -1.6, -4.0, 4.0, "free",
       "how much stronger (+) or weaker (−) the municipal claim is in home-care units "
       "than in nursing homes; replaces unsourced staff-pressure values per unit type",
       "Skinner 2018 (activities differ between nursing homes and home care); estimated"),
    _P("statutory_pull", 3.1, 0.0, 6.0, "free",
       "extra municipal claim when the activity is a statutory service (legal duty and "
       "quality control under the Health and Care Services Act)",
       "Andfossen 2020; Ministry of Health and Care Services 2003, 2011a"),
    _P("professional_claim", 1.5, 0.0, 5.0, "free",
       "extra municipal claim on activities that are also professional care work "
       "(exercise as rehabilitation by physiotherapists, day care by nurses): the "
       "professions claim tasks near their core (which activities is an assumption)",
       "Ministry of Health and Care Services 2003 (rehabilitation among the basic needs "
       "the municipality must meet); Engel 2003, as cited in Andfossen 2020 "
       "(professionals 'afraid of being deprived of pleasant and less arduous care "
       "tasks'); the tagging of activities is an assumption (docs/ODD.md 2.1)"),
    _P("joint_propensity", -0.4, -3.0, 3.0, "free",
       "utility of coordinating together at the 2015 mean trust (TRUST_REFERENCE, "
       "computed from the model) and logic gap 0.5, beyond half the voluntary-minus-"
       "municipal claim: how readily units and organisations share coordination",
       "Andfossen 2020, Discussion (limited collaboration); Sørensen & Torfing 2011b"),
    _P("activity_rate", 1.1, 0.05, 3.0, "free",
       "weekly rate at which a unit organises an activity per unit of volunteer supply "
       "in its domain", "calibrated to the activity counts n of Table 2"),
    # ---- policy levers (what scenarios change); defaults are the 2015 situation ----
    _P("policy_share", 0.20, 0.0, 1.0, "lever",
       "share of municipalities with a local volunteer policy (an overall agreement on "
       "who does what); the default is around 2010-2015: 69% had none and 11% did not "
       "know (Loga 2012), 16.6% were registered with one in 2019 and 18% in 2020 "
       "(Frivillighet Norge); larger municipalities adopt first (sim.population)",
       "Loga 2012; Frivillighet Norge 2019, 2020",
       label="Municipalities with a local volunteer policy", flag="policy"),
    _P("agreement_share", 0.55, 0.0, 1.0, "lever",
       "share of municipalities with written agreements with voluntary organisations on "
       "who does what (a local policy implies one: where fewer hold agreements than "
       "policies, the policy's holders do); \"Data from 2010 reveal that more than half "
       "of the Norwegian municipalities had agreements with voluntary organisations "
       "concerning the provision of volunteer activities (Loga, 2012)\" (Background); "
       "0.55 for \"more than half\" is an assumption; larger municipalities hold them "
       "first, as they adopt a policy (sim.population)",
       "Loga 2012, as cited in Andfossen 2020, Background",
       label="Municipalities with written agreements", flag="agreement"),
    _P("volunteer_centre_share", 0.80, 0.0, 1.0, "lever",
       "share of municipalities with a volunteer centre (frivilligsentral); 400 centres "
       "in 428 municipalities in 2014, several in the largest", "Frivillighet Norge 2014",
       label="Municipalities with a volunteer centre", flag="centre"),
    _P("municipal_service_share", 0.10, 0.0, 1.0, "lever",
       "share of municipalities running their own municipal volunteer service (60% "
       "wanted one in 2010)", "Abrahamsen 2010; assumption for 2015",
       label="Municipalities with own volunteer service", flag="service"),
    _P("recruitment_effort", 0.0, 0.0, 3.0, "lever",
       "intensity of a volunteer recruitment drive (1 = a national campaign); its effect "
       "on recruitment is `recruitment_response`",
       "National strategy for voluntary work, Ministry of Health and Care Services 2015",
       label="Recruitment drive (1 = a national campaign)"),
    _P("forum_intensity", 0.0, 0.0, 1.0, "lever",
       "regular collaboration forums: trust gain toward 1 and a logic gap shrinking "
       "toward a floor (1 = monthly forums in every municipality)",
       "Sørensen & Torfing 2011a",
       label="Collaboration forums (0–1)"),
    _P("resource_pressure", 0.0, -0.5, 1.0, "lever",
       "relative increase in staff pressure (fewer staff hours per recipient; 0 = 2015), "
       "reached linearly over ten years", "WHO 2015; Leknes et al. 2019",
       label="Rise in staff pressure over ten years"),
    _P("task_division", 0.0, 0.0, 5.0, "lever",
       "strength of a rule assigning statutory activities to the municipality and the "
       "rest to organisations (utility added to the assigned body; joint coordination "
       "loses 1.5 times it against that body)",
       "Andfossen 2020, Background (division of tasks)",
       label="Strict task division (strength)"),
    _P("social_duty", 0.0, 0.0, 1.0, "lever",
       "social activities come to be coordinated as the statutory services are: the "
       "statutory pull applies to them (1 = as to food delivery and day centres). A "
       "hypothetical: the paper writes 'Despite being a statutory public care service, the "
       "category \"social activities\" is included here as a non-statutory service'; day "
       "activities for people with dementia became an explicit municipal duty in 2020",
       "Andfossen 2020, Statistical analyses; Health and Care Services Act, § 3-7a (2020)",
       label="Social activities a municipal duty (0–1)"),
    _P("adopters", 0, 0, 1, "lever",
       "which municipalities the levers asked for reach: all (0, the scenario as written: "
       "every municipality its shares of municipalities reach) or own (1: one's own "
       "municipality alone, from a planner's file, its neighbours as in the baseline: "
       "'if only we adopt'); only levers that are shares of municipalities can reach one "
       "municipality", "a planner's question (coprod run --adopters own)",
       label="Who adopts", levels=("all", "own")),
    # ---- assumptions: mechanisms the 2015 survey cannot identify and policy strengths.
    # Each has a documented range; scenario ensembles integrate over it.
    _P("org_presence_pull", 2.0, 0.0, 4.0, "assumption",
       "voluntary utility per unit of log volunteer presence of organisations specialised "
       "in the activity's domain in the municipality (the survey's six activities leave "
       "it weakly identified)",
       "Andfossen 2020, Background"),
    _P("trust_weight", 2.0, 0.0, 4.0, "assumption",
       "utility of joint coordination per unit of trust above or below the average: how "
       "much trust built (or lost) changes sharing (the survey sees only the average)",
       "Sørensen & Torfing 2011a,b"),
    _P("logic_distance", 3.0, 0.0, 6.0, "assumption",
       "cost of joint coordination per unit of logic gap above or below the average "
       "(different assumptions, values and beliefs; what forums narrow)",
       "Thornton & Ocasio 2008; Thornton et al. 2012"),
    _P("trust_learning", 0.1, 0.0, 0.2, "assumption",
       "trust change per activity: a joint success raises trust by η(1−T), any failure "
       "lowers it by w·ηT (w = failure_trust_weight; a cross-section cannot see "
       "learning)", "Sørensen & Torfing 2011b"),
    _P("failure_trust_weight", 2.0, 1.0, 3.0, "assumption",
       "trust a failure costs relative to what a success builds (losses loom larger: "
       "trust is fragile)", "Sørensen & Torfing 2011b; assumption for the value"),
    _P("trust_handover", 2.0, 0.0, 4.0, "assumption",
       "readiness to let an organisation coordinate alone: voluntary utility per unit of "
       "the unit's trust above the 2015 mean (TRUST_REFERENCE). Failures a unit sees, "
       "untrained volunteers' included, lower its trust and so pull coordination back. "
       "The paper conjectures that \"the public sector, as a dominant actor, may have "
       "limited trust in the voluntary sector\" and says it \"does not contain data about "
       "trust\": the mechanism is an assumption", "Andfossen 2020, Discussion and "
       "Conclusion (a conjecture); Sørensen & Torfing 2011b"),
    _P("trust_baseline", 0.4, 0.2, 0.6, "assumption",
       "mean of the units' baseline trust, Beta(5m, 5(1 − m)) (concentration 5, a "
       "modelling choice), toward which trust drifts; joint successes raise trust above "
       "it (the 2015 mean is about 0.60 at the defaults). No data: the paper says it "
       "\"does not contain data about trust\"", "assumption"),
    _P("trust_drift", 0.02, 0.01, 0.03, "assumption",
       "weekly drift of a unit's trust back toward its baseline", "assumption"),
    _P("codestruction_risk", 0.3, 0.0, 0.6, "assumption",
       "probability that a joint activity fails at logic gap 1 (co-destruction from "
       "clashing logics and unclear roles), lowering trust and volunteer motivation",
       "Osborne et al. 2016; Plé & Chumpitaz Cáceres 2010"),
    _P("untrained_risk", 0.02, 0.0, 0.04, "assumption",
       "probability that an activity run by volunteers without staff supervision fails "
       "for lack of professional training (\"could lead to poor quality of services\")",
       "Andfossen 2020, Discussion (co-destruction)"),
    _P("quality_control", 0.5, 0.0, 1.0, "assumption",
       "share of the untrained volunteers' risk that staff supervision removes where the "
       "unit coordinates (half that share where it coordinates together): \"the LTC "
       "units might also see this as a way to ensure quality and content\"",
       "Andfossen 2020, Discussion; Ministry of Health and Care Services 2003"),
    _P("joint_supervision", 0.5, 0.0, 1.0, "assumption",
       "how much joint coordination supervises the volunteers, as a share of what the "
       "unit does alone (the untrained risk removed together is this × quality_control; "
       "0: the organisation's volunteers go unsupervised, 1: as if the unit coordinated)",
       "assumption"),
    _P("dominance_erosion", 1.5, 0.0, 3.0, "assumption",
       "weekly loss of volunteer motivation per unit share of activities coordinated by "
       "the municipality alone (threats to volunteer spirit and autonomy)",
       "Andfossen 2020, Discussion"),
    _P("joint_mobilisation", 0.5, 0.0, 1.0, "assumption",
       "how much successful co-production raises volunteer motivation and recruitment "
       "(per unit share of activities coordinated together without failure)",
       "Andfossen 2020, Background and Discussion (collaboration mobilises resources)"),
    _P("staff_pressure_push", 0.0, -3.0, 3.0, "assumption",
       "shift of coordination away from (+) or towards (−) the municipality per unit of "
       "staff pressure above its 2015 level; the paper calls municipal dominance under "
       "scarce resources a paradox, so both signs are allowed",
       "Andfossen 2020, Discussion; Hillestad & Tessem 2015"),
    _P("pressure_capacity", 1.0, 0.0, 2.0, "assumption",
       "elasticity of activities hosted to staff pressure: the activity rate scales as "
       "pressure^(−k) (a pressed unit hosts fewer activities)", "Hillestad & Tessem 2015"),
    _P("policy_reading", 0, 0, 2, "assumption",
       "what a local policy does to who coordinates, a model choice the paper leaves "
       "open (uniform prior; calibrated jointly, so the posterior's share of each reading "
       "is what the survey says of it): 0 division of tasks (`municipal_default`), 1 "
       "sharing of tasks (`policy_sharing`), 2 municipal control (`policy_control`); "
       "docs/ODD.md 3.4 quotes the sentence each rests on",
       "Andfossen 2020, Background and Discussion", label="Local policy's reading",
       levels=("division", "sharing", "control")),
    _P("municipal_default", 1.0, 0.0, 2.0, "assumption",
       "local policy, reading division of tasks: the municipality's default claim on "
       "non-statutory activities that a local policy ends (voluntary-minus-municipal "
       "utility gained where one holds). \"it is reasonable to expect that the public "
       "care sector carries out its own statutory tasks and that voluntary organisations "
       "focus on non-statutory tasks\" (Background); \"Due to the lack of an overall, "
       "local voluntary policy (Loga, 2012), the collaborative parties do not possess a "
       "common agreement on who does what activity\" (Discussion)",
       "Andfossen 2020, Background and Discussion"),
    _P("policy_sharing", 1.0, 0.0, 2.0, "assumption",
       "local policy, reading sharing of tasks: utility of coordinating together gained "
       "where a local policy holds (an agreement on joint work). \"One form of "
       "collaboration is a sharing of tasks between public and voluntary actors\" "
       "(Background); the national strategy's measure of \"interaction and collaboration "
       "between the voluntary sector and the municipality, including developing an "
       "overall, local voluntary policy\"", "Andfossen 2020, Background; Ministry of "
       "Health and Care Services 2015"),
    _P("policy_control", 1.0, 0.0, 2.0, "assumption",
       "local policy, reading municipal control: municipal claim on non-statutory "
       "activities gained where a local policy holds (the municipality formalises its own "
       "coordination). \"60% of the municipalities want to establish their own "
       "voluntary service\" (Background); \"the municipalities are already in charge of "
       "providing and managing care services and they take the responsibility\" "
       "(Discussion)", "Andfossen 2020, Background and Discussion; Abrahamsen 2010"),
    _P("policy_clarity", 0.5, 0.0, 1.0, "assumption",
       "clarity from written agreements (which a local policy implies): how much they "
       "cut ad hoc coordination, 'unsure' answers and joint failures from unclear roles "
       "(1 = removes them): the strategy's second measure, \"written agreements for the "
       "actors in order to create predictability and clarify responsibilities\"",
       "Ministry of Health and Care Services 2015, as cited in Andfossen 2020; Loga 2012"),
    _P("policy_participation", 0.3, 0.0, 0.6, "assumption",
       "local policy: relative rise in volunteer recruitment in municipalities with a "
       "local policy (stronger collaboration \"to encourage more citizens to "
       "participate\"), whatever the reading",
       "Ministry of Health and Care Services 2015, as cited in Andfossen 2020"),
    _P("service_takeover", 0.3, 0.0, 0.6, "assumption",
       "share of the organisations' volunteer teams a new municipal volunteer service "
       "takes over", "Abrahamsen 2010 (60% of municipalities wanted their own service)"),
    _P("service_new_reach", 0.2, 0.0, 0.4, "assumption",
       "volunteers a municipal service recruits whom organisations do not reach, as a "
       "share of the municipality's volunteer pool", "assumption"),
    _P("individual_share", 0.2, 0.0, 0.4, "assumption",
       "share of the volunteer pool outside organisations, recruited by the units "
       "themselves: they count on the municipality's side of the organisations' relative "
       "presence (S_svc), so more of them means fewer activities organisations "
       "coordinate (a rival explanation of 'municipality' answers through presence "
       "only; with org_presence_pull 0 they change nothing); the paper acknowledges \"different "
       "types of volunteers both within and outside of voluntary organisations\"",
       "Andfossen 2016, 2019, as cited in Andfossen 2020; the share is an assumption"),
    _P("forum_trust_gain", 0.02, 0.0, 0.04, "assumption",
       "weekly trust gain toward 1 at full forum intensity",
       "assumption: that forums build trust (Sørensen & Torfing 2011a, as cited in "
       "Andfossen 2020, on what collaboration exchanges, not on forums)"),
    _P("forum_rate", 0.01, 0.0, 0.02, "assumption",
       "weekly rate at which full-intensity forums close the logic gap toward its floor",
       "assumption: how fast forums narrow the gap (no source)"),
    _P("forum_gap_reduction", 0.5, 0.0, 1.0, "assumption",
       "how far forums can narrow the logic gap (0.5 = to half its starting value)",
       "assumption: how far forums narrow the gap (no source)"),
    _P("recruitment_response", 0.5, 0.0, 1.0, "assumption",
       "relative rise in volunteer recruitment per unit of recruitment effort",
       "Ministry of Health and Care Services 2015 (measure 3); assumption"),
    _P("centre_recruitment_gain", 0.31, 0.0, 0.62, "assumption",
       "relative rise in recruitment where a volunteer centre recruits (1.05 against "
       "0.8 of the reference rate)", "assumption (Frivillighet Norge 2014: 400 centres)"),
    _P("base_recruitment", 0.8, 0.6, 1.0, "assumption",
       "recruitment without a volunteer centre, as a share of the rate at which 80% of "
       "the pool stays active at full motivation", "assumption"),
    _P("annual_turnover", 0.25, 0.1, 0.4, "assumption",
       "share of active volunteers who stop within a year at full motivation",
       "assumption"),
    _P("unmotivated_hazard", 4.0, 1.0, 7.0, "assumption",
       "the leaving hazard of a team at motivation 0, as a multiple of the hazard at "
       "full motivation", "assumption"),
    _P("motivation_recovery", 0.02, 0.01, 0.03, "assumption",
       "weekly recovery of a team's motivation toward 1", "assumption"),
    _P("failure_motivation_hit", 0.5, 0.0, 1.0, "assumption",
       "motivation lost per failed activity per active reference team (20 volunteers) "
       "of the municipality", "assumption (Andfossen 2020, Discussion: co-destruction "
       "of value for the volunteers)"),
    _P("dominance_memory", 0.1, 0.02, 0.18, "assumption",
       "weight of this week in the moving shares of municipal dominance and "
       "co-production volunteers respond to (0.1: a memory of about ten weeks)",
       "assumption"),
    _P("joint_claim_share", 0.5, 0.0, 1.0, "assumption",
       "share of the voluntary-minus-municipal claim joint coordination inherits "
       "(0.5: together sits halfway between the two bodies)", "assumption"),
    _P("revision_rate", 0.04, 0.01, 0.07, "assumption",
       "weekly probability that a unit revisits who coordinates an activity (about "
       "twice a year)", "assumption"),
    _P("unsure_rate", 0.05, 0.0, 0.1, "assumption",
       "probability that a respondent answers 'unsure' about a consistent arrangement "
       "(lower where written agreements clarify roles, see policy_clarity)",
       "assumption; the paper reports 0–35% unsure/several"),
    _P("organisations_per_10k", 4.0, 2.0, 6.0, "assumption",
       "LTC-active voluntary organisations per 10,000 inhabitants (Poisson per "
       "municipality, at least one): how many domains a municipality's volunteers cover",
       "assumption (no register counts LTC-active organisations)"),
    _P("staff_hours_municipal", 3.0, 1.5, 4.5, "assumption",
       "staff hours per occurrence the unit coordinates alone (enters staff hours only)",
       "assumption"),
    _P("staff_hours_together", 1.5, 0.75, 2.25, "assumption",
       "staff hours per occurrence coordinated together (enters staff hours only)",
       "assumption"),
    _P("staff_hours_voluntary", 0.5, 0.25, 0.75, "assumption",
       "staff hours per occurrence an organisation coordinates (liaison; enters staff "
       "hours only)", "assumption"),
    # ---- documented inputs ----
    _P("spinup_weeks", 104, 0, 520, "input",
       "weeks the synthetic world runs under the 2015 levers before the 2015 snapshot "
       "(forgetting its made-up start); scenario levers take effect after it",
       "modelling choice"),
    _P("volunteer_share", VOLUNTEER_SHARE_2014, 0.0, 0.2, "input",
       "share of the population doing voluntary work in long-term care",
       "Folkestad et al. 2015 (2014 figure)"),
    _P("volunteers_per_agent", 20, 1, 200, "input",
       "people one VolunteerTeam agent stands for; keeps national runs small",
       "modelling choice"),
    _P("lever_week", 0, 0, 2600, "input",
       "weeks after the 2015 snapshot at which the levers asked for take effect (0: "
       "right after it; 260: 2020)", "modelling choice (a scenario's date)"),
    _P("adhoc_per_team", 1.6, 0.0, 3.2, "input",
       "ad hoc coordination per reference team (20 volunteers) supplying a unit's "
       "activity: an occurrence is coordinated ad hoc, by a fresh choice of coordinator "
       "rather than the standing arrangement (the choice may return it), with "
       "probability 1 − exp(−a·supply), so activities many teams supply are more often "
       "coordinated by 'several services' (cut by written agreements, see "
       "policy_clarity)", "set from the survey: the most-dropped activity towards the "
       "paper's 35% unsure/several (25% in the shipped posterior's predictive median, "
       "fit_validation.csv; counted, docs/ODD.md 1.1)"),
)

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _TABLE}
FREE: tuple[str, ...] = tuple(p.name for p in _TABLE if p.kind == "free")
LEVERS: tuple[str, ...] = tuple(p.name for p in _TABLE if p.kind == "lever")
ASSUMPTIONS: tuple[str, ...] = tuple(p.name for p in _TABLE if p.kind == "assumption")
DISCRETE: tuple[str, ...] = tuple(p.name for p in _TABLE if p.levels)


def from_unit(name: str, u):
    """An input's value for a uniform draw ``u`` on [0, 1): its uniform prior's quantile.

    A continuous input: ``low + u (high − low)``; a discrete one (``levels``): the level
    ``low + ⌊u · levels⌋``, each with probability 1/levels. Every draw "over an input's
    range" goes through here, so a model choice is never given a value between levels.
    """
    p = PARAMETERS[name]
    u = np.asarray(u, dtype=float)
    if p.levels:
        value = p.low + np.minimum(np.floor(u * len(p.levels)), len(p.levels) - 1)
    else:
        value = p.low + u * (p.high - p.low)
    return float(value) if value.ndim == 0 else value


def level_name(name: str, value: float) -> str:
    """The name of a discrete input's value (``policy_reading`` 1 → "sharing")."""
    p = PARAMETERS[name]
    return p.levels[round(value - p.low)]


def flag_levers() -> dict[str, str]:
    """Flag name → the lever giving the share of municipalities that hold it."""
    return {p.flag: p.name for p in PARAMETERS.values() if p.kind == "lever" and p.flag}


def defaults() -> dict[str, float]:
    """Every parameter's documented default (the table above; no calibration)."""
    return {name: p.default for name, p in PARAMETERS.items()}


def validate(values: dict, *, where: str = "parameter") -> dict[str, float]:
    """Check names and ranges; return a complete parameter dict (defaults filled in).

    ``where`` names the place in messages; a ``{name}`` in it is replaced by the
    parameter's name, otherwise the name is appended. Counts (weeks, people per team)
    must be whole numbers: the model would use 4.9 weeks as 4 while the manifest
    recorded 4.9. A discrete input (a model choice) takes a whole number or a level's name
    (``policy_reading="sharing"``).
    """
    whole = ("spinup_weeks", "volunteers_per_agent", *DISCRETE)
    out = defaults()
    for name, value in values.items():
        place = where.format(name=name) if "{name}" in where else f"{where} {name}"
        if name not in PARAMETERS:
            raise InputError(where, name, "valid names: " + ", ".join(PARAMETERS),
                             problem="unknown name")
        p = PARAMETERS[name]
        if p.levels and isinstance(value, str) and value in p.levels:
            value = p.low + p.levels.index(value)
        if p.levels and (isinstance(value, bool) or not isinstance(value, int | float)
                         or value not in range(int(p.low), int(p.high) + 1)):
            # By name first, as files and README write them ("own"); the number too.
            raise InputError(place, value, "allowed: " + ", ".join(
                f'"{level}" ({int(p.low) + i})' for i, level in enumerate(p.levels)))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(place, value, f"allowed: a number from {p.low} "
                             f"to {p.high}")
        if not p.low <= value <= p.high:
            raise InputError(place, value, f"allowed: {p.low} to {p.high}",
                             problem="out-of-range value")
        if name in whole and value != int(value):
            raise InputError(place, value, f"allowed: a whole number from {p.low:g} to "
                             f"{p.high:g}")
        out[name] = float(value)
    return out
