"""Synthetic populations: municipalities, LTC units, voluntary organisations, volunteers.

Two populations are built from documented inputs:

* ``survey2015`` — the 2015 survey's sample: 50 municipalities in 5 regions with exactly
  316 LTC units, of types in the proportions of the 244 respondents (128 nursing homes,
  94 home care, 11 integrated, 11 other; Andfossen 2020);
* ``norway`` — all 357 municipalities (2024), 5.55 million inhabitants (Statistics
  Norway), about 980 nursing and care institutions (2014) plus home care districts.

Municipality sizes are lognormal with median 5,000 inhabitants and σ = 1.4 (an
approximation to the skewed Norwegian size distribution: most municipalities are small,
a few very large), rescaled to the national total. Volunteers: 4.4% of the population
did voluntary work in long-term care in 2014 (Folkestad et al. 2015); they are grouped
in teams of ``volunteers_per_agent`` people, each team belonging to a voluntary
organisation or, where the municipality runs one, to the municipal volunteer service.
Organisations specialise in one domain, drawn with :data:`DOMAIN_WEIGHTS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.catalogue import DOMAINS, UNIT_TYPES
from sim.parameters import flag_levers
from sim.published import SURVEY_2015
from sim.streams import Streams

NATIONAL_POPULATION = 5_550_000  # Statistics Norway, 1 January 2024
NATIONAL_MUNICIPALITIES = 357  # from 2024
# Inhabitants per LTC unit: 980 institutions (2014) plus home-care districts in the
# respondents' ratio (94/128) and integrated/other (22/222) give about 1,870 units.
INHABITANTS_PER_UNIT = NATIONAL_POPULATION / 1870
RESPONDENT_MIX = np.array([SURVEY_2015.respondent_types[t] for t in UNIT_TYPES], dtype=float)
# Share of LTC-active voluntary organisations by domain. No register records this, so the
# five domains the survey observed are set from the survey itself: from the share of
# responding units offering each activity (n over the respondents able to offer it, with
# about 15% of answers dropped), the implied four-week rate -ln(1 - share) per activity of
# the domain gives the relative weights (culture 3.9, social 1.3, meals 0.7, day care 0.3,
# physical 0.3); visiting, practical help and support, which the survey did not report,
# get 0.3 each. These five weights are values set from the survey being fitted, counted
# as such (docs/ODD.md, 1.1): the activity counts n are not evidence for the mechanisms.
# The 15% predates ad hoc coordination from supply, which drops about 6-25% by activity
# (the shipped posterior's predictive medians, fit_validation.csv); the weights were not
# re-derived (docs/ODD.md, 3.2, gives what re-deriving would change).
DOMAIN_WEIGHTS = {
    "social": 0.18, "culture": 0.53, "physical": 0.04, "visiting": 0.04, "practical": 0.04,
    "meals": 0.09, "day_care": 0.04, "support": 0.04,
}
# The 4.4% of 2014 are the people who did voluntary work in long-term care during the
# year: the pool. Not all of them are active in a given week; at the start a share
# INITIAL_ACTIVE is (a modelling choice the spin-up forgets: the weekly share follows from
# turnover, motivation and recruitment; at 0.6 or 1.0 the 2015 survey's 18 shares, pooled
# over 40 seeds, move by at most 1.8 points, less than two sets of 40 seeds differ, 3.1).
INITIAL_ACTIVE = 0.8
SIZE_MEDIAN, SIZE_SIGMA = 5_000, 1.4
MIN_INHABITANTS = 200  # no synthetic municipality is smaller
# Who holds a flag: a municipality adopts with probability logistic(α + β·z), z its log
# size minus the mean log size, α set so that the requested share of municipalities
# holds it. β per flag: larger municipalities adopt a local volunteer policy first —
# Frivillighet Norge registered 18% of municipalities with one in 2020, where 55% of the
# inhabitants live; β = 1.6 gives that under this size distribution (the median over 40
# draws of 357 sizes, 1.5 to 1.6; spread 0.5 across draws). Set from data, counted
# (docs/ODD.md 1.1). Written agreements follow the same slope (an assumption: no source
# gives agreements by size). Other flags do not depend on size (no source says they do).
ADOPTION_SIZE_SLOPE = {"policy": 1.6, "agreement": 1.6}
# A flag that reads another's latent draw: a municipality's readiness to agree with the
# organisations is one draw, so that with the same slope and at least as many agreements
# as policies every holder of a policy holds an agreement ("a local policy implies an
# agreement"; sim.regime also makes it so where the shares say otherwise).
SHARED_DRAW = {"agreement": "policy"}


@dataclass(frozen=True)
class Population:
    """Arrays describing the world; index i of each array is one entity."""

    name: str
    muni_population: np.ndarray  # (M,)
    muni_region: np.ndarray  # (M,) region index (the survey covered all five regions)
    # (M,) bool per flag (sim.parameters.flag_levers): "policy" a local volunteer
    # policy, "agreement" written agreements with organisations, "centre" a volunteer
    # centre, "service" an own municipal volunteer service.
    muni_flags: dict[str, np.ndarray]
    # (M,) per flag: the municipality's uniform draw; it holds the flag while the draw is
    # below its adoption probability (flags_for_shares), at any share.
    muni_flag_draws: dict[str, np.ndarray]
    unit_muni: np.ndarray  # (U,)
    unit_type: np.ndarray  # (U,) index into UNIT_TYPES
    org_muni: np.ndarray  # (O,)
    org_domain: np.ndarray  # (O,) index into DOMAINS
    team_org: np.ndarray  # (V,) organisation index, or -1 for the municipal service
    team_muni: np.ndarray  # (V,)
    team_domain: np.ndarray  # (V,)
    team_active: np.ndarray  # (V,) bool: active at the start
    team_reach: np.ndarray  # (V,) bool: people only a municipal service reaches
    team_individual: np.ndarray  # (V,) bool: volunteers outside organisations, unit-recruited
    # A planner's own municipality (sim.municipality), if one was put in: its index, and
    # whether its flags stay as its file says whatever the levers (pin_flags).
    own_index: int | None = None
    own_pinned: bool = False
    # Who answers a virtual survey, by unit type (None: a simple random sample at the
    # 2015 response rate); the 2015 sample's and a survey frame's are set.
    respondent_types: dict[str, int] | None = None

    def flags_for_shares(self, shares: dict[str, float]) -> dict[str, np.ndarray]:
        """Per flag, which municipalities hold it when ``shares[lever]`` of them do.

        The same draws at every share: raising a share only adds holders (the likeliest
        adopters first), lowering it only removes them.
        """
        log_size = np.log(self.muni_population)
        out = {flag: self.muni_flag_draws[flag] < adoption_probability(
                   shares[lever], log_size - log_size.mean(),
                   ADOPTION_SIZE_SLOPE.get(flag, 0.0))
               for flag, lever in flag_levers().items()}
        if self.own_index is not None and self.own_pinned:
            for flag, held in out.items():
                held[self.own_index] = self.muni_flags[flag][self.own_index]
        return out

    @property
    def sizes(self) -> dict[str, int]:
        """Entity counts."""
        return {"municipalities": len(self.muni_population), "units": len(self.unit_muni),
                "organisations": len(self.org_muni), "volunteer_teams": len(self.team_org)}


def adoption_probability(share: float, z: np.ndarray, slope: float) -> np.ndarray:
    """Per municipality, P(holding a flag): logistic(α + slope·z) with mean ``share``."""
    if slope == 0.0 or share <= 0.0 or share >= 1.0:
        return np.full(len(z), float(share))
    from sim.kernels import BISECTION_STEPS, bisection_start  # numba loads with the model

    tilt = slope * z
    # α by bisection: the mean is increasing in α. The steps whose mean is far from
    # ``share`` go the same way however the mean is rounded: a compiled loop takes them
    # (sim.kernels.bisection_start); numpy's arithmetic decides the rest, as it always did.
    lo, hi, done = bisection_start(tilt, float(share), BISECTION_STEPS)
    for _ in range(done, BISECTION_STEPS):
        mid = (lo + hi) / 2
        if (1 / (1 + np.exp(-(mid + tilt)))).mean() < share:
            lo = mid
        else:
            hi = mid
        # Once no number lies between lo and hi, their midpoint (the answer) is one of
        # them, and the remaining steps could only move the other onto it: stop.
        if (lo + hi) / 2 in (lo, hi):
            break
    return 1 / (1 + np.exp(-((lo + hi) / 2 + tilt)))


def _sizes(gen, m: int) -> np.ndarray:
    pop = gen.lognormal(np.log(SIZE_MEDIAN), SIZE_SIGMA, size=m)
    return np.maximum(np.round(pop * NATIONAL_POPULATION / pop.sum() * m
                               / NATIONAL_MUNICIPALITIES), MIN_INHABITANTS)


def _allocate(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integer allocation of ``total`` proportional to weights, at least ``minimum`` each."""
    base = np.full(len(weights), minimum)
    rest = total - base.sum()
    share = weights / weights.sum() * rest
    alloc = np.floor(share).astype(int)
    remainder = rest - alloc.sum()
    alloc[np.argsort(-(share - alloc), kind="stable")[:remainder]] += 1
    return base + alloc


def _type_totals(mix: np.ndarray, total: int, municipalities: int) -> dict[str, int]:
    """Units of each type among ``total`` in the proportions ``mix`` (UNIT_TYPES order).

    Every municipality gets at least its own nursing home and home-care unit.
    """
    counts = _allocate(mix, total, 0)
    counts[0], counts[1] = max(counts[0], municipalities), max(counts[1], municipalities)
    counts[2:] = _allocate(mix[2:], total - counts[0] - counts[1], 0)
    return dict(zip(UNIT_TYPES, counts.tolist(), strict=True))


def _unit_types(gen, units_per_muni: np.ndarray, totals: dict[str, int]) -> np.ndarray:
    """Each municipality gets a nursing home and a home-care unit; the rest are shuffled."""
    m = len(units_per_muni)
    rest = dict(totals)
    rest["nursing_home"] -= m
    rest["home_care"] -= m
    remaining = gen.permutation(np.repeat([UNIT_TYPES.index(t) for t in rest],
                                          list(rest.values())))
    # A municipality's first two units are its nursing home and home-care unit; the
    # shuffled rest fill the other places in order.
    starts = np.cumsum(units_per_muni) - units_per_muni
    types = np.empty(int(units_per_muni.sum()), dtype=int)
    first = np.zeros(len(types), dtype=bool)
    first[starts] = first[starts + 1] = True
    types[starts] = UNIT_TYPES.index("nursing_home")
    types[starts + 1] = UNIT_TYPES.index("home_care")
    types[~first] = remaining
    return types


def build_population(population, levers: dict, rng) -> Population:
    """Build the population a :class:`sim.population_spec.PopulationSpec` (or its name) says.

    ``levers`` supplies the flags' shares (``policy_share``, ``agreement_share``,
    ``volunteer_centre_share``, ``municipal_service_share``), ``volunteer_share``,
    ``volunteers_per_agent``, ``organisations_per_10k``, ``service_takeover``,
    ``service_new_reach`` and ``individual_share`` (see :mod:`sim.parameters`); ``rng``
    (an int, SeedSequence, Generator or :class:`sim.streams.Streams`) is the only source
    of randomness. Each part of the world draws from its own named stream, so a new flag
    or part shifts no other part's numbers.

    Every municipality also holds ``service_new_reach`` × its pool of people only a
    municipal volunteer service reaches: inactive, and recruited only while the
    municipality runs a service, so that opening one can add volunteers, not just move
    them, and every run has the same teams whatever the levers.
    """
    from sim.population_spec import PopulationSpec

    spec = PopulationSpec.of(population)
    streams = rng if isinstance(rng, Streams) else Streams(rng)
    if spec.frame is not None:
        return _from_frame(spec.name, spec.frame, levers, streams)
    name = spec.base
    if spec.municipality is not None:
        return _with_own(name, spec.municipality, levers, streams)
    gen = streams["sizes"]
    if name == "survey2015":
        m = SURVEY_2015.municipalities
        pop = _sizes(gen, m)
        units_per_muni = _allocate(pop, SURVEY_2015.units_identified, 2)
        # The respondents' mix of types (128/94/11/11 of 244) over the 316 units.
        counts = _allocate(RESPONDENT_MIX, SURVEY_2015.units_identified, 0)
        totals = dict(zip(UNIT_TYPES, counts.tolist(), strict=True))
    else:  # norway (a specification holds one of the two)
        m = NATIONAL_MUNICIPALITIES
        pop = _sizes(gen, m)
        units_per_muni = np.maximum(2, np.round(pop / INHABITANTS_PER_UNIT)).astype(int)
        totals = _type_totals(RESPONDENT_MIX, int(units_per_muni.sum()), m)
    unit_type = _unit_types(streams["unit_types"], units_per_muni, totals)
    world = _world(name, pop, units_per_muni, unit_type, levers, streams)
    if name == "survey2015":
        world = replace(world, respondent_types=dict(SURVEY_2015.respondent_types))
    return world


def _from_frame(name: str, frame, levers: dict, streams: Streams) -> Population:
    """The population of a survey's own frame (:mod:`sim.sample_frame`).

    Unit by unit: the frame's municipalities with their units (ordered by municipality),
    sizes drawn as for the 2015 sample and given to the municipalities in the order of
    their number of units (the most units, the largest); the recorded levers hold as
    recorded. Scaled: the 2015 sample's construction with every count scaled.
    """
    gen = streams["sizes"]
    m = frame.municipalities
    pop = _sizes(gen, m)
    if frame.unit_level:
        unit_muni = np.asarray(frame.unit_muni)
        units_per_muni = np.bincount(unit_muni, minlength=m)
        ranks = np.argsort(np.argsort(units_per_muni, kind="stable"), kind="stable")
        # Inhabitants per unit as in the 2015 sample (its municipalities' inhabitants over
        # its 316 units), so that volunteers per unit do not depend on how the file
        # groups its units into municipalities.
        per_unit = (NATIONAL_POPULATION * SURVEY_2015.municipalities
                    / NATIONAL_MUNICIPALITIES / SURVEY_2015.units_identified)
        pop = np.sort(pop)[ranks]
        pop = np.maximum(np.round(pop * per_unit * len(unit_muni) / pop.sum()),
                         MIN_INHABITANTS)
        order = np.argsort(unit_muni, kind="stable")  # _world lists units by municipality
        unit_type = np.asarray(frame.unit_type)[order]
    else:
        units_per_muni = _allocate(pop, frame.units, 2)
        mix = np.array([frame.respondent_types()[t] for t in UNIT_TYPES], dtype=float)
        unit_type = _unit_types(streams["unit_types"], units_per_muni,
                                _type_totals(mix, frame.units, m))
    world = _world(name, pop, units_per_muni, unit_type, levers, streams,
                   recorded=frame.recorded_flags())
    return replace(world, respondent_types=frame.respondent_types())


def _with_own(name: str, own, levers: dict, streams: Streams) -> Population:
    """The population ``name`` with the municipality nearest ``own``'s size replaced by it.

    The surrounding is drawn as usual (its sizes first); the replaced municipality takes
    ``own``'s inhabitants, units of each type, organisations (when given) and flags. Its
    latent flag draws are drawn given what the file says, so that the levers switch it as
    they would any municipality in its state (unless ``own.pin_flags``).
    """
    gen = streams["sizes"]
    m = SURVEY_2015.municipalities if name == "survey2015" else NATIONAL_MUNICIPALITIES
    pop = _sizes(gen, m)
    k = int(np.argmin(np.abs(np.log(pop) - np.log(own.inhabitants))))
    pop[k] = own.inhabitants
    if name == "survey2015":
        units_per_muni = _allocate(pop, SURVEY_2015.units_identified, 2)
    else:
        units_per_muni = np.maximum(2, np.round(pop / INHABITANTS_PER_UNIT)).astype(int)
    others = np.delete(units_per_muni, k)
    total = int(others.sum())
    totals = _type_totals(RESPONDENT_MIX, total, m - 1)
    other_types = _unit_types(streams["unit_types"], others, totals)
    mine = np.repeat([UNIT_TYPES.index(t) for t in ("nursing_home", "home_care",
                                                     "integrated")],
                     [own.nursing_homes, own.home_care_districts, own.integrated_units])
    start = int(others[:k].sum())
    unit_type = np.r_[other_types[:start], mine, other_types[start:]]
    units_per_muni[k] = own.units
    world = _world(name, pop, units_per_muni, unit_type, levers, streams, own=own,
                   own_index=k)
    if name == "survey2015":
        world = replace(world, respondent_types=dict(SURVEY_2015.respondent_types))
    return world


def _given(u, p0, held):
    """A uniform draw made conditional on whether the flag is known to be held.

    Below the adoption probability ``p0`` where it is held, above it where not (uniform
    within either part), so that the levers switch such a municipality as any in its state.
    """
    return np.where(held, u * p0, p0 + u * (1 - p0))


def _world(name: str, pop: np.ndarray, units_per_muni: np.ndarray, unit_type: np.ndarray,
           levers: dict, streams: Streams, *, own=None, own_index: int | None = None,
           recorded: dict[str, np.ndarray] | None = None) -> Population:
    """Flags, units, organisations and volunteers of municipalities of sizes ``pop``.

    ``recorded``: per flag, which municipalities a survey recorded as holding it; they
    hold it as recorded, with latent draws drawn given that (as for ``own``).
    """
    m = len(pop)
    region = np.arange(m) % SURVEY_2015.regions
    draws = {flag: streams[f"flag:{lever}"].random(m) for flag, lever in flag_levers().items()
             if flag not in SHARED_DRAW}
    log_size = np.log(pop)
    probability = {flag: adoption_probability(levers[lever], log_size - log_size.mean(),
                                              ADOPTION_SIZE_SLOPE.get(flag, 0.0))
                   for flag, lever in flag_levers().items()}
    if own is not None:
        # Its latent draw, given what its file says: below its adoption probability if
        # it holds the flag, above it if not (uniform within either part).
        for flag, held in own.flags().items():
            draws[flag][own_index] = _given(draws[flag][own_index],
                                            probability[flag][own_index], held)
    for flag, held in (recorded or {}).items():
        draws[flag] = _given(draws[flag], probability[flag], held)
    for flag, source in SHARED_DRAW.items():
        draws[flag] = draws[source]
    flags = {flag: draws[flag] < probability[flag] for flag in flag_levers()}
    for flag, held in (recorded or {}).items():
        flags[flag] = held.copy()
    if own is not None:
        for flag, held in own.flags().items():
            flags[flag][own_index] = held
    service = flags["service"]
    unit_muni = np.repeat(np.arange(m), units_per_muni)
    gen = streams["organisations"]

    orgs_per_muni = np.maximum(1, gen.poisson(pop * levers["organisations_per_10k"] / 1e4))
    if own is not None and own.voluntary_organisations is not None:
        orgs_per_muni[own_index] = own.voluntary_organisations
    org_muni = np.repeat(np.arange(m), orgs_per_muni)
    weights = np.array([DOMAIN_WEIGHTS[d] for d in DOMAINS])
    org_domain = gen.choice(len(DOMAINS), size=len(org_muni), p=weights / weights.sum())

    people = pop * levers["volunteer_share"]
    teams_total = np.maximum(1, np.round(people / levers["volunteers_per_agent"])).astype(int)
    team_muni = np.repeat(np.arange(m), teams_total)
    gen = streams["teams"]
    # Within a municipality: teams go to its organisations (random sizes) or, where a
    # municipal service exists, a share to the service (organisation index -1).
    org_start = np.concatenate([[0], np.cumsum(orgs_per_muni)[:-1]])
    pick = org_start[team_muni] + np.floor(gen.random(len(team_muni))
                                           * orgs_per_muni[team_muni]).astype(int)
    to_service = service[team_muni] & (gen.random(len(team_muni))
                                       < levers["service_takeover"])
    team_active = gen.random(len(team_muni)) < INITIAL_ACTIVE
    # Volunteers outside organisations, recruited by the units themselves (a share of
    # the pool), never a service's or an organisation's.
    outside = streams["individuals"]
    individual = outside.random(len(team_muni)) < levers["individual_share"]
    to_service &= ~individual
    reach_muni = np.repeat(np.arange(m), np.round(levers["service_new_reach"]
                                                  * teams_total).astype(int))
    team_reach = np.r_[np.zeros(len(team_muni), bool), np.ones(len(reach_muni), bool)]
    team_individual = np.r_[individual, np.zeros(len(reach_muni), bool)]
    team_org = np.r_[np.where(to_service | individual, -1, pick), np.full(len(reach_muni), -1)]
    # A municipal service recruits for any domain, in the organisations' proportions.
    service_domain = gen.choice(len(DOMAINS), size=len(team_org), p=weights / weights.sum())
    # So do units recruiting volunteers of their own.
    own_domain = outside.choice(len(DOMAINS), size=len(team_org), p=weights / weights.sum())
    team_domain = np.where(team_individual, own_domain, np.where(
        team_org < 0, service_domain, np.r_[org_domain[pick], np.zeros(len(reach_muni), int)]))
    team_muni = np.r_[team_muni, reach_muni]
    team_active = np.r_[team_active, np.zeros(len(reach_muni), bool)]
    return Population(name, pop, region, flags, draws, unit_muni, unit_type,
                      org_muni, org_domain, team_org, team_muni, team_domain, team_active,
                      team_reach, team_individual, own_index,
                      bool(own is not None and own.pin_flags))
