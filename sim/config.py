"""A run's configuration: every parameter, the levers of 2015 and the levers asked for.

One frozen object, resolved once when a model is built. The model reads its numbers from
it and nowhere else; in particular ``sim`` reads nothing of ``calibration``: a caller
that wants the calibrated model passes the posterior median in
(:func:`calibration.posterior.calibrated_parameters`), and a bare configuration holds
the documented defaults of :mod:`sim.parameters`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sim.parameters import PARAMETERS, validate


def _levers() -> tuple[str, ...]:
    """The levers' names, read from the parameter table when asked (it may gain rows)."""
    return tuple(name for name, p in PARAMETERS.items() if p.kind == "lever")


@dataclass(frozen=True)
class Configuration:
    """Every parameter's value for one run (read-only).

    The world first runs ``spinup_weeks`` under the 2015 levers (the table's defaults,
    :attr:`levers_2015`); the levers asked for (:attr:`levers_requested`) take effect
    ``lever_week`` weeks after the 2015 snapshot (0: right after it). Without a spin-up
    and a later date they are in force from the start.
    """

    values: Mapping[str, float]

    @classmethod
    def resolve(cls, values: Mapping | None = None, *, where: str = "parameter"
                ) -> Configuration:
        """Validate ``values`` (by name) and fill every other parameter's default."""
        return cls(MappingProxyType(validate(dict(values or {}), where=where)))

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def as_dict(self) -> dict[str, float]:
        """A plain copy of every value (for results and manifests)."""
        return dict(self.values)

    @property
    def spinup_weeks(self) -> int:
        """Weeks run under the 2015 levers before the 2015 snapshot."""
        return int(self.values["spinup_weeks"])

    @property
    def levers_2015(self) -> Mapping[str, float]:
        """The levers' values in 2015 (their documented defaults)."""
        return MappingProxyType({name: PARAMETERS[name].default for name in _levers()})

    @property
    def levers_requested(self) -> Mapping[str, float]:
        """The levers asked for, in force after the 2015 snapshot."""
        return MappingProxyType({name: self.values[name] for name in _levers()})

    @property
    def switch_week(self) -> int | None:
        """The first week under the levers asked for (``lever_week`` + 1), or None.

        None when they are in force from the start: no spin-up and no later date.
        """
        lever_week = int(self.values["lever_week"])
        return lever_week + 1 if self.spinup_weeks or lever_week else None

    def levers_at(self, week: int) -> Mapping[str, float]:
        """The levers in force in ``week`` (counted from the 2015 snapshot; ≤ 0: spin-up)."""
        switch = self.switch_week
        return self.levers_2015 if switch is not None and week < switch \
            else self.levers_requested
