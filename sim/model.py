"""The Mesa face of the model: a headless :class:`sim.world.World` with agents on top.

:class:`CoProductionModel` is for those who want Mesa: the dashboard, a DataCollector
with reporters of their own, ``mesa.batch_run``, agents to inspect. The model's state
and mechanism are the world's (:mod:`sim.world` documents them); the agents are views
of its arrays. Each Mesa step is one week after the 2015 snapshot, and whatever a
reporter, an event or an agent reads during a step is that week's value.
Calibration, ensembles and studies do not build this: they run the world directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import mesa
import numpy as np

from sim import outcomes
from sim.agents import LTCUnit, VoluntaryOrganisation, VolunteerTeam
from sim.config import Configuration
from sim.kernels import MUNICIPALITY, TOGETHER, VOLUNTARY  # noqa: F401 (re-exported)
from sim.population import Population
from sim.population_spec import PopulationSpec
from sim.virtual_survey import SimulatedSurvey
from sim.world import WINDOW_WEEKS, World, check_rng  # noqa: F401 (re-exported)


def _reporter(name: str) -> Callable[[CoProductionModel], float]:
    """A DataCollector reporter of outcome ``name``: a plain function of the model.

    Plain functions are the reporter form every Mesa 3 release calls with the model (Mesa
    3.4's DataCollector calls any other callable, a ``functools.partial`` say, with none).
    """
    def reported(model: CoProductionModel) -> float:
        return model.week_outcomes[name]

    reported.__name__ = reported.__qualname__ = f"reported_{name}"
    reported.__doc__ = f"The week's value of outcome ``{name}``."
    return reported


# The DataCollector's model reporters: every outcome of sim.outcomes, read from the week's
# record (a subclass adding its own reporters starts from this).
OUTCOME_REPORTERS: Mapping = MappingProxyType({name: _reporter(name) for name in outcomes.NAMES})

# The world's state and rules, read through the model as its own (the agents, the
# dashboard and a user's reporters read these; each is the world's attribute of the name).
WORLD_VIEWS = ("config", "population", "spinup", "spinup_series", "streams", "structure",
               "eligible", "pair_unit", "pair_act", "pairs", "trust", "trust_base",
               "team_active", "motivation", "dominance", "pair_window", "regime", "levers",
               "flags", "team_service", "rules", "pressure_level", "window")


class CoProductionModel(mesa.Model):
    """LTC units, voluntary organisations and volunteer teams in Norwegian municipalities.

    Parameters are keyword arguments named as in :mod:`sim.parameters` (unknown names or
    values outside their range raise :class:`sim.errors.InputError`), or a resolved
    :class:`sim.config.Configuration` as ``config``; whatever is not given takes the
    table's documented default (pass the posterior median to get the calibrated model).
    ``population`` is a :class:`sim.population_spec.PopulationSpec` or its name
    (``"survey2015"``, ``"norway"``, ...) or a prebuilt
    :class:`sim.population.Population`; ``rng`` (int, SeedSequence or Generator) is the
    only source of randomness. ``world`` wraps a world already built (e.g. a
    :meth:`sim.world.World.branch`) instead; the model then starts at its week.
    """

    def __init__(self, population: str | PopulationSpec | Population = "survey2015", rng=None, *,
                 config: Configuration | None = None, world: World | None = None,
                 **params):
        if world is None:
            world = World(population, rng, config=config, **params)
        self.world = world
        # Mesa's own generators (agent sets' shuffles) get a stream of their own.
        super().__init__(rng=int(world.streams.sequence("mesa").generate_state(1)[0]))
        # Mesa counts its steps from 0; the weeks count from the 2015 snapshot, where a new
        # world is built (a branch starts later).
        self._first_week = world.week
        pop = world.population
        for cls, n in ((LTCUnit, len(pop.unit_muni)),
                       (VoluntaryOrganisation, len(pop.org_muni)),
                       (VolunteerTeam, len(pop.team_org))):
            for i in range(n):
                cls(self, i)
        self.datacollector = mesa.DataCollector(model_reporters=dict(OUTCOME_REPORTERS))
        self._outcomes_collector = self.datacollector  # replaced: someone else records
        self._events_scheduled = False  # whether anyone scheduled events through the model
        self._block_left = 0  # weeks of a run_for call still to step, this one included
        self._ahead: list[Mapping[str, float]] = []  # weeks of the block computed ahead
        self._shown: Mapping[str, float] | None = None  # the block's week Mesa is counting

    @property
    def week(self) -> int:
        """Weeks since the 2015 snapshot: the world's week when built, plus Mesa's steps."""
        return self._first_week + self.steps

    # ---- the world's methods, as the model's -----------------------------------------------
    def virtual_survey(self) -> SimulatedSurvey:
        """The virtual survey of the last four weeks (:meth:`sim.world.World.observe`)."""
        return self.world.observe()

    def municipality_outcomes(self) -> dict[str, np.ndarray]:
        """Per municipality, this week (:meth:`sim.world.World.municipality_outcomes`)."""
        return self.world.municipality_outcomes()

    def choice_probabilities(self) -> np.ndarray:
        """P(municipality, voluntary, together) per eligible pair (the world's)."""
        return self.world.choice_probabilities()

    def unsure_probability(self) -> np.ndarray:
        """Per unit, the chance a respondent is unsure who coordinates (the world's)."""
        return self.world.unsure_probability()

    def history(self) -> dict[str, np.ndarray]:
        """Every week's outcomes: the spin-up's (weeks ≤ 0), then the steps' (≥ 1).

        One array per outcome of :mod:`sim.outcomes`; the steps' part is what the
        DataCollector recorded.
        """
        return self.world.history()

    # ---- weeks -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week (the world's) and record it.

        Inside a :meth:`run_for` block that nothing can look inside (:meth:`_unobserved`),
        the first step computes the block's weeks in one compiled call and each step then
        shows its own week's outcomes; otherwise the world advances this one week.
        """
        left, self._block_left = self._block_left, max(self._block_left - 1, 0)
        if not self._ahead and left > 1 and self._unobserved():
            series = self.world.advance(left)
            self._ahead = [MappingProxyType({name: float(values[i])
                                             for name, values in series.items()})
                           for i in reversed(range(left))]
        if self._ahead:
            self._shown = self._ahead.pop()
        else:
            self._shown = None
            self.world.advance(1)
        self.datacollector.collect(self)

    def schedule_event(self, *args, **kwargs):
        """Mesa's (3.5 and later), noted: with events of one's own, weeks run one by one."""
        self._events_scheduled = True
        return super().schedule_event(*args, **kwargs)

    def schedule_recurring(self, *args, **kwargs):
        """Mesa's (3.5 and later), noted: with events of one's own, weeks run one by one."""
        self._events_scheduled = True
        return super().schedule_recurring(*args, **kwargs)

    def _unobserved(self) -> bool:
        """Whether nothing but the outcomes' own reporters can look inside a week.

        Then a block of weeks may run in one compiled call: the DataCollector records
        each week's outcomes from its own record, exactly as week-by-week steps would.
        A DataCollector of one's own (its reporters may read an agent's trust, say), a
        step of a subclass, or an event scheduled through :meth:`schedule_event` or
        :meth:`schedule_recurring` may read the state and must see that week's, so the
        weeks then run one by one. Only the model's public face is consulted (the
        DataCollector is compared by identity, never read inside); an event generator
        started by hand on the model, rather than through :meth:`schedule_recurring`,
        is not seen: step such a model with :meth:`step`.
        """
        return (type(self).step is CoProductionModel.step and not self._events_scheduled
                and self.datacollector is self._outcomes_collector)

    @property
    def week_outcomes(self) -> Mapping[str, float]:
        """The outcomes of the week being run (the world's, or the one Mesa is counting)."""
        return self._shown if self._shown is not None else self.world.week_outcomes

    def run_for(self, duration: int) -> None:
        """Advance ``duration`` weeks, each a Mesa step recorded by the DataCollector.

        Mesa's own ``run_for`` (Mesa 3.5 and later; on earlier releases, ``duration``
        calls of :meth:`step`). When nothing can look inside the weeks
        (:meth:`_unobserved`), they are computed as one block of compiled calls at the
        first step and Mesa then counts them, each step showing its week's outcomes;
        otherwise they run one by one. Either way the records and the state are those of
        as many :meth:`step` calls.
        """
        whole = isinstance(duration, int | np.integer) and not isinstance(duration, bool)
        self._block_left = int(duration) if whole else 0
        try:
            if _MESA_HAS_RUN_FOR:
                super().run_for(duration)
            else:
                for _ in range(duration):
                    self.step()
        finally:
            self._block_left, self._ahead, self._shown = 0, [], None


# Whether this Mesa release runs a model for a duration (3.5 and later, with its event
# schedule); before that, the model's run_for steps.
_MESA_HAS_RUN_FOR = hasattr(mesa.Model, "run_for")


def _view(name: str) -> property:
    return property(lambda self: getattr(self.world, name),
                    doc=f"The world's ``{name}`` (:class:`sim.world.World`).")


for _name in WORLD_VIEWS:
    setattr(CoProductionModel, _name, _view(_name))
