"""Mesa agents: LTC units, voluntary organisations and volunteer teams.

Agents are real :class:`mesa.Agent` objects (the dashboard, DataCollector and
``mesa.batch_run`` see them), but their changing state lives in the model's arrays so
that each step is one compiled pass over all agents of a kind. An agent is a view: its
attributes read the arrays at its index.
"""

from __future__ import annotations

import mesa
from mesa.agentset import _HardKeyAgentSet
from mesa.model import ModelSignals

from sim.catalogue import DOMAINS, UNIT_TYPES


def create_agents(model: mesa.Model, cls: type[mesa.Agent], n: int) -> list[mesa.Agent]:
    """Create and register ``n`` agents of ``cls`` (indices 0 to n−1), all at once.

    The end state is what ``cls(model, i)`` for each ``i`` leaves: every agent is in
    ``model.agents`` and ``model.agents_by_type[cls]`` in index order, with consecutive
    ``unique_id``s, and ``agent.remove()`` works as usual. Mesa registers agents one by
    one, at about 2 µs each (an "agent added" signal, a formatted log line, two set
    insertions): for the ~2,700 agents of a survey-sized world that was 5.4 ms, a third
    of a calibration run. Here one batch costs about 0.3 µs an agent. When someone
    listens for "agent added", the agent class records data sets, or this Mesa keeps
    its agents otherwise, the agents are made one by one through Mesa instead.
    """
    one_by_one = (model._has_subscribers("agents", ModelSignals.AGENT_ADDED)
                  or cls._datasets
                  or not isinstance(getattr(model, "_all_agents", None), _HardKeyAgentSet)
                  or not isinstance(getattr(model, "_agents_by_type", None), dict))
    if one_by_one:
        return [cls(model, i) for i in range(n)]
    first, new = model.agent_id_counter, object.__new__
    agents = [new(cls) for _ in range(n)]
    for i, agent in enumerate(agents):
        # What Agent.__init__ sets, plus the index; a fresh dict is the cheapest way.
        agent.__dict__ = {"model": model, "unique_id": first + i, "pos": None, "index": i}
    model.agent_id_counter = first + n
    batch = dict.fromkeys(agents)
    model._all_agents._agents.update(batch)
    by_type = model._agents_by_type.get(cls)
    if by_type is None:
        model._agents_by_type[cls] = _HardKeyAgentSet(agents, random=model.random)
    else:
        by_type._agents.update(batch)
    return agents


class LTCUnit(mesa.Agent):
    """A nursing home, home-care district, integrated or other long-term care unit."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def unit_type(self) -> str:
        """nursing_home, home_care, integrated or other."""
        return UNIT_TYPES[self.model.population.unit_type[self.index]]

    @property
    def municipality(self) -> int:
        """Index of the unit's municipality."""
        return int(self.model.population.unit_muni[self.index])

    @property
    def trust(self) -> float:
        """Trust in the voluntary sector, 0 to 1."""
        return float(self.model.trust[self.index])

    @property
    def staff_pressure(self) -> float:
        """Staff pressure (1 = 2015), raised by the resource-pressure lever."""
        return float(self.model.pressure_level)


class VoluntaryOrganisation(mesa.Agent):
    """A local voluntary organisation specialised in one activity domain."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def domain(self) -> str:
        """The domain it specialises in (social, culture, physical, ...)."""
        return DOMAINS[self.model.population.org_domain[self.index]]

    @property
    def municipality(self) -> int:
        """Index of the organisation's municipality."""
        return int(self.model.population.org_muni[self.index])

    @property
    def active_teams(self) -> int:
        """Active volunteer teams in this organisation."""
        m = self.model
        return int((m.team_active & (m.population.team_org == self.index)).sum())


class Volunteer(mesa.Agent):
    """A team of ``volunteers_per_agent`` volunteers acting together."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def active(self) -> bool:
        """Whether the team currently volunteers."""
        return bool(self.model.team_active[self.index])

    @property
    def motivation(self) -> float:
        """Motivation 0 to 1; low motivation raises the chance of leaving."""
        return float(self.model.motivation[self.index])

    @property
    def municipal_service(self) -> bool:
        """True when the team belongs to the municipality's own volunteer service."""
        return bool(self.model.team_service[self.index])
