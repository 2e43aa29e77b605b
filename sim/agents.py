"""Mesa agents: LTC units, voluntary organisations and volunteer teams.

Agents are real :class:`mesa.Agent` objects, made and registered by Mesa itself (the
dashboard, DataCollector and ``mesa.batch_run`` see them), but their changing state lives
in the world's arrays (:class:`sim.world.World`) so that each week is one compiled pass
over all agents of a kind. An agent is a view: its attributes read the arrays at its
index, as they are in the week being run.
"""

from __future__ import annotations

import mesa

from sim.catalogue import DOMAINS, UNIT_TYPES


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
        """Active volunteer teams in this organisation (not those a municipal service took).

        A team an opened service took over supplies the service from then on
        (``team_service``); handed back when the service closes, it counts here again.
        """
        m = self.model
        own = (m.population.team_org == self.index) & ~m.team_service
        return int((m.team_active & own).sum())


class VolunteerTeam(mesa.Agent):
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
