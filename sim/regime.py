"""The regime: everything the levers and the world's flags make of the rules, in one value.

A lever changes the world in one place: :func:`build_regime` turns the configuration,
the levers in force and the municipalities' flags into one immutable :class:`Regime` —
the kernels' rules, each unit's clarity of roles and chance of an "unsure" answer, the
teams' keys, the staff-pressure path and the forums' narrowing of the logic gap. The
model holds the regime in force and replaces it when the levers switch (at the 2015
snapshot); everything that depends on it reads it when it uses it, so nothing derived
from a lever can go stale. What varies from week to week within a regime (staff pressure
rising, forums narrowing the gap) is a function of the week, :meth:`Regime.weekly`.

Adding a lever (docs/ODD.md, 3.6): its row in :mod:`sim.parameters` (kind "lever"), and
its lines here in :func:`build_regime` — or, if it is a share of municipalities holding
a flag, a ``flag`` name in its row (the population draws the flag and
:func:`switched_flags` switches it) and the lines in :func:`build_regime` saying what the
flag does — plus the kernel, if it needs arithmetic there that no rule expresses yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from sim import kernels
from sim.catalogue import CATALOGUE, DOMAINS, UNIT_TYPES
from sim.config import Configuration
from sim.errors import InputError
from sim.parameters import PARAMETERS
from sim.population import Population
from sim.streams import Streams

# Sourced, set from data, or an assumption with its range: every number below is listed
# with its status in sim/provenance.py.
# Staff pressure is 1 in 2015 everywhere: no source gives staff hours per recipient by
# unit type, so the difference between home care and nursing homes is the counted
# parameter `home_care_offset`; the `resource_pressure` lever raises pressure over time,
# reaching its full value PRESSURE_RAMP_WEEKS after the levers switch.
PRESSURE_2015 = 1.0
PRESSURE_RAMP_WEEKS = 520
# Trust starts at, and drifts back to (`trust_drift` a week), a unit's baseline drawn from
# Beta(κm, κ(1 − m)), m = `trust_baseline` (an assumption with its range: the paper "does
# not contain data about trust"). The concentration κ = 5 is a modelling choice: with m it
# gives the spread of units' baselines (sd 0.2 at m = 0.4); how much that spread matters
# for sharing and handing over is what `trust_weight` and `trust_handover` (drawn over
# their ranges) say.
TRUST_CONCENTRATION = 5.0
# A unit's logic gap is uniform on [0.3, 0.7]: a modelling choice of units. The gap enters
# only through `logic_distance` × (gap − its mean) and `codestruction_risk` × gap (and
# the forums' relative narrowing), so its scale is absorbed by those two assumptions'
# ranges; what remains, the units' spread of ±40% around the mean, matters for sharing
# only as much as `logic_distance` (0–6, drawn) lets it.
LOGIC_GAP_RANGE = (0.3, 0.7)
# The trust at which `joint_propensity` is the together-utility and `trust_handover` adds
# nothing: the mean trust of the units at the 2015 snapshot, computed from the model at
# the documented defaults (0.596 over 20 seeds, sd 0.008 between seeds; model version 3
# gave about 0.57 at its posterior; tests/test_readings.py checks it). Centred there, the
# survey identifies sharing at the trust the 2015 world has; trust_weight and
# trust_handover say how deviations from it matter. Not the paper's: it has no data on
# trust.
TRUST_REFERENCE = 0.60
GAP_REFERENCE = sum(LOGIC_GAP_RANGE) / 2
# Recruitment: with REFERENCE_RECRUITMENT times the leaving rate, 80% of the pool stays
# active at full motivation (inactive teams are recruited at 4 × the leaving rate: the
# pool splits 4 : 1 between active and inactive); `base_recruitment` and
# `centre_recruitment_gain` scale it.
REFERENCE_RECRUITMENT = 4.0
# Supply and the harm of failures are measured per 20 volunteers, the team size the
# parameters were calibrated at, so that ``volunteers_per_agent`` changes only how
# finely volunteers are resolved, not what they do.
REFERENCE_TEAM = 20
# What a local policy does to who coordinates is an open question (docs/ODD.md 3.4): the
# readings the paper allows (`policy_reading`, a model choice calibrated jointly) and the
# strength each acts with where a policy holds.
READINGS = PARAMETERS["policy_reading"].levels
READING_STRENGTHS = {"division": "municipal_default", "sharing": "policy_sharing",
                     "control": "policy_control"}
# Every input of a local policy: its reading, the readings' strengths, clarity from the
# agreements it implies and participation.
POLICY_INPUTS = ("policy_reading", *READING_STRENGTHS.values(), "policy_clarity",
                 "policy_participation")


def trust_baseline_beta(config: Configuration) -> tuple[float, float]:
    """The Beta distribution of the units' baseline trust: (κm, κ(1 − m))."""
    m = config["trust_baseline"]
    return TRUST_CONCENTRATION * m, TRUST_CONCENTRATION * (1 - m)


def staff_hours(config: Configuration) -> tuple[float, float, float]:
    """Staff hours per occurrence by who coordinates (municipality, voluntary, together)."""
    return (config["staff_hours_municipal"], config["staff_hours_voluntary"],
            config["staff_hours_together"])


def reading(config: Configuration) -> str:
    """The local policy's reading in force: "division", "sharing" or "control"."""
    return READINGS[int(config["policy_reading"])]


@dataclass(frozen=True)
class Flags:
    """Which municipalities hold what, and which volunteer teams a municipal service holds.

    ``muni`` maps each flag (:func:`sim.parameters.flag_levers`) to a boolean array over
    municipalities; ``team_service`` is a boolean array over volunteer teams.
    """

    muni: Mapping[str, np.ndarray]
    team_service: np.ndarray

    def __getitem__(self, flag: str) -> np.ndarray:
        return self.muni[flag]


def initial_flags(population: Population) -> Flags:
    """The flags the population was built with (the levers in force at its start)."""
    service = (population.team_org < 0) & ~population.team_individual
    return Flags(MappingProxyType(dict(population.muni_flags)), service)


# The ``adopters`` lever's level for "one's own municipality alone".
OWN_ONLY = PARAMETERS["adopters"].levels.index("own")


def switched_flags(before: Flags, config: Configuration, population: Population,
                   streams: Streams, *, levers: Mapping[str, float] | None = None,
                   index: int = 0) -> Flags:
    """The flags after the levers asked for take effect (at the 2015 snapshot).

    Municipalities adopt (or drop) each flag with the same draws they were built with, so
    that the requested share holds in expectation and the likeliest adopters (for a
    local policy, the larger municipalities) adopt first; a new municipal service takes
    a share (``service_takeover``) of the organisations' volunteer teams in its
    municipality, a closed one hands them back (people only a service reaches stay its
    own). The takeover draws from its own stream, whatever the levers, so a scenario
    consumes the same random numbers as the baseline and a new flag shifts none.

    ``levers`` (default: the configuration's requested levers) are those switched to;
    ``index`` counts the switches (several survey waves), each drawing its own takeover.
    """
    levers = dict(levers or config.levers_requested)
    muni = population.flags_for_shares(levers)
    if levers.get("adopters", 0) == OWN_ONLY:
        # "If only we adopt": one's own municipality takes the new flags, the others keep
        # theirs (Configuration.resolve refuses this without one's own municipality's
        # levers being shares of municipalities).
        if population.own_index is None:
            raise InputError("adopters", "own", "needs one's own municipality "
                             "(coprod run --municipality FILE)", problem="nobody to adopt:")
        own = np.arange(len(population.muni_population)) == population.own_index
        muni = {flag: np.where(own, held, before[flag]) for flag, held in muni.items()}
    opened = (muni["service"] & ~before["service"])[population.team_muni]
    closed = (before["service"] & ~muni["service"])[population.team_muni]
    name = "switch:service_takeover" + (f":{index}" if index else "")
    takeover = streams[name].random(len(population.team_muni))
    move = opened & ~population.team_individual & (takeover < config["service_takeover"])
    team_service = ((before.team_service | move) & ~closed) | population.team_reach
    return Flags(MappingProxyType(muni), team_service)


@dataclass(frozen=True)
class Structure:
    """What a regime is built over and what never changes: activities, units, teams."""

    statutory: np.ndarray  # (activities,) float 0/1
    professional: np.ndarray  # (activities,) float 0/1
    social: np.ndarray  # (activities,) float 0/1: the social activities (a duty's target)
    n_muni: int
    unit_muni: np.ndarray  # (units,)
    unit_home_care: np.ndarray  # (units,) bool
    pair_unit: np.ndarray  # (pairs,) the unit of each eligible (unit, activity) pair
    team_muni: np.ndarray  # (teams,)
    team_domain: np.ndarray  # (teams,)
    team_reach: np.ndarray  # (teams,) bool: people only a municipal service reaches
    team_individual: np.ndarray  # (teams,) bool: volunteers outside organisations

    @classmethod
    def of(cls, population: Population, pair_unit: np.ndarray) -> Structure:
        """The structure of a population whose eligible pairs belong to ``pair_unit``."""
        return cls(
            statutory=np.array([a.statutory for a in CATALOGUE], dtype=float),
            professional=np.array([a.professional for a in CATALOGUE], dtype=float),
            social=np.array([a.id == "social" for a in CATALOGUE], dtype=float),
            n_muni=len(population.muni_population), unit_muni=population.unit_muni,
            unit_home_care=population.unit_type == UNIT_TYPES.index("home_care"),
            pair_unit=pair_unit, team_muni=population.team_muni,
            team_domain=population.team_domain, team_reach=population.team_reach,
            team_individual=population.team_individual)


@dataclass(frozen=True)
class Regime:
    """The rules in force from ``start_week`` until the levers next switch (read-only).

    ``weekly`` gives what moves within the regime from week to week as a function of the
    week, so that a block of weeks can run in one compiled call.
    """

    start_week: int
    levers: Mapping[str, float]
    flags: Flags
    rules: kernels.Rules
    clarity: np.ndarray  # per unit: how clear roles are (policy_clarity where agreements hold)
    unsure: np.ndarray  # per unit: P(a respondent is unsure about a consistent arrangement)
    team_key: np.ndarray  # per team: 2·(municipality·domains + domain) + service's
    unit_shift: np.ndarray  # per unit: its own utility shift at 2015 staff pressure
    pressure_push: float  # utility shift per unit of staff pressure above 2015
    pressure_capacity: float  # elasticity of activities hosted to staff pressure
    forum_floor: float  # the logic gap's floor under the forums in force (as a factor)
    forum_rate: float  # weekly rate at which full-intensity forums close the gap

    def pressure(self, week):
        """Staff pressure in ``week``, a number or an array of weeks.

        It rises linearly to its lever's value in ten years.
        """
        rise = self.levers["resource_pressure"]
        since = np.asarray(week) - (max(self.start_week, 1) - 1)  # since the switch
        value = PRESSURE_2015 * (1 + rise * np.clip(since, 0, PRESSURE_RAMP_WEEKS)
                                 / PRESSURE_RAMP_WEEKS)
        return float(value) if np.ndim(value) == 0 else value

    def gap_scale(self, week):
        """The forums' factor on every unit's logic gap in ``week`` (a number or array).

        Forums narrow the gap toward its floor by FORUM_RATE × intensity a week from the
        first week they run (the narrower gap holds from the next week).
        """
        rate = self.forum_rate * self.levers["forum_intensity"]
        weeks = np.maximum(np.asarray(week) - max(self.start_week, 1), 0)
        value = self.forum_floor + (1 - self.forum_floor) * (1 - rate) ** weeks
        return float(value) if np.ndim(value) == 0 else value

    def weekly(self, first_week: int, n_weeks: int) -> np.ndarray:
        """Per week from ``first_week``: (capacity, utility push, gap scale), shape (n, 3).

        Capacity scales the activity rate as pressure^(−k); the push adds
        ``pressure_push`` × (pressure − 1) to every unit's voluntary-minus-municipal
        utility. Computed for all the weeks at once (a block can be years long).
        """
        weeks = np.arange(first_week, first_week + n_weeks)
        pressure = self.pressure(weeks)
        return np.column_stack([(pressure / PRESSURE_2015) ** -self.pressure_capacity,
                                self.pressure_push * (pressure - PRESSURE_2015),
                                self.gap_scale(weeks)]).astype(float).reshape(n_weeks, 3)


def build_regime(config: Configuration, week: int, flags: Flags,
                 structure: Structure) -> Regime:
    """The regime in force from ``week`` on, given the municipalities' ``flags``.

    The one place where parameters and levers become rules: the model, its survey and
    its agents read everything a lever changes from the value this returns.
    """
    c, lev, s = config, config.levers_at(week), structure
    policy = flags["policy"]
    # Written agreements on who does what clarify roles (docs/ODD.md 3.4): ad hoc
    # coordination, joint failures from unclear roles and "unsure" answers are each cut
    # by `policy_clarity`. A local policy implies an agreement.
    clarity = c["policy_clarity"] * (flags["agreement"] | policy)[s.unit_muni]
    division = lev["task_division"]
    # A new duty makes an activity statutory (social activities, by `social_duty`).
    statutory = s.statutory + lev["social_duty"] * s.social * (1 - s.statutory)
    # The part of the municipal-minus-voluntary claim fixed by the activity, per
    # municipality (rows) and activity (columns), flattened to cells.
    claim = (c["municipal_tradition"] + (c["statutory_pull"] + division) * statutory
             + c["professional_claim"] * s.professional - division * (1 - statutory))
    # What a local policy does to who coordinates, by its reading: a division of tasks
    # ends the municipality's default claim on non-statutory activities, municipal
    # control raises it, a sharing of tasks raises coordinating together (below).
    shift = {"division": -c["municipal_default"],
             "control": c["policy_control"]}.get(reading(c), 0.0)
    static = (claim[None, :] + shift * np.outer(policy, 1 - statutory)).ravel()
    sharing = (c["policy_sharing"] if reading(c) == "sharing" else 0.0) * policy[s.unit_muni]
    team_weight = c["volunteers_per_agent"] / REFERENCE_TEAM
    centre = flags["centre"][s.team_muni]
    recruitment = (c["annual_turnover"] / 52 * REFERENCE_RECRUITMENT * c["base_recruitment"]
                   * (1 + c["recruitment_response"] * lev["recruitment_effort"])
                   * (1 + c["centre_recruitment_gain"] * centre)
                   * (1 + c["policy_participation"] * policy[s.team_muni]))
    # People only a municipal service reaches are recruited only where one runs.
    recruitment[s.team_reach & ~flags["service"][s.team_muni]] = 0.0
    # By name: several fields are floats of one type, and a swap would run unseen.
    supply = kernels.SupplyRules(
        team_weight=team_weight, activity_rate=c["activity_rate"],
        adhoc_per_team=c["adhoc_per_team"], presence_pull=c["org_presence_pull"],
        static=static)
    # Staff supervision removes `quality_control` of the untrained volunteers' risk where
    # the unit coordinates, `joint_supervision` of that together, none where an
    # organisation does.
    supervised = c["quality_control"] * np.array([1.0, 0.0, c["joint_supervision"]])
    units = kernels.UnitRules(
        revision_rate=c["revision_rate"], joint_claim_share=c["joint_claim_share"],
        joint_base=(c["joint_propensity"] - c["trust_weight"] * TRUST_REFERENCE
                    + c["logic_distance"] * GAP_REFERENCE + sharing),
        trust_weight=c["trust_weight"], trust_handover=c["trust_handover"],
        trust_reference=TRUST_REFERENCE, logic_distance=c["logic_distance"],
        task_division=division, trust_learning=c["trust_learning"],
        trust_drift=c["trust_drift"],
        forum_gain=c["forum_trust_gain"] * lev["forum_intensity"],
        untrained_risk=c["untrained_risk"] * (1 - supervised),
        failure_trust_weight=c["failure_trust_weight"],
        adhoc_scale=1 - clarity[s.pair_unit], risk=c["codestruction_risk"] * (1 - clarity))
    volunteers = kernels.VolunteerRules(
        base_hazard=c["annual_turnover"] / 52, unmotivated_hazard=c["unmotivated_hazard"],
        dominance_memory=c["dominance_memory"], failure_hit=c["failure_motivation_hit"],
        erosion=c["dominance_erosion"], mobilisation=c["joint_mobilisation"],
        recovery=c["motivation_recovery"], team_weight=team_weight,
        recruit_rate=recruitment)
    # A team supplies the municipality's side when a municipal service holds it or the
    # unit recruited it itself; otherwise its organisation's.
    municipal_side = flags.team_service | s.team_individual
    team_key = 2 * (s.team_muni * len(DOMAINS) + s.team_domain) + municipal_side
    return Regime(
        start_week=week, levers=lev, flags=flags,
        rules=kernels.Rules(supply, units, volunteers), clarity=clarity,
        unsure=c["unsure_rate"] * (1 - clarity), team_key=team_key,
        unit_shift=-c["home_care_offset"] * s.unit_home_care,
        pressure_push=c["staff_pressure_push"], pressure_capacity=c["pressure_capacity"],
        forum_floor=1 - c["forum_gap_reduction"] * lev["forum_intensity"],
        forum_rate=c["forum_rate"])
