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

from sim.errors import InputError
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
    # The levers of the spin-up where they differ from 2015's defaults (a survey of its
    # own may be taken in another situation).
    start: Mapping[str, float] = MappingProxyType({})
    # Later switches, after the one to ``levers_requested``: (first week under them, the
    # levers that change then), in order of weeks (several survey waves).
    schedule: tuple = ()

    @classmethod
    def resolve(cls, values: Mapping | None = None, *, where: str = "parameter",
                start: Mapping | None = None, schedule=()) -> Configuration:
        """Validate ``values`` (by name) and fill every other parameter's default.

        ``start`` and ``schedule`` (see the fields) hold levers only, validated too.
        """
        levers = set(_levers())
        for changes in [start or {}, *(c for _, c in schedule)]:
            unknown = [k for k in changes if k not in levers]
            if unknown:
                raise InputError(where, unknown[0], "allowed: a lever ("
                                 + ", ".join(sorted(levers)) + ")", problem="not a lever:")
            validate(dict(changes), where=where)
        weeks = [int(w) for w, _ in schedule]
        if weeks != sorted(set(weeks)) or (weeks and weeks[0] < 1):
            raise InputError(where, weeks, "switch weeks after the snapshot (>= 1), "
                             "increasing", problem="unordered schedule:")
        checked = validate(dict(values or {}), where=where)
        if checked["adopters"] == PARAMETERS["adopters"].levels.index("own"):
            # One municipality alone can take a flag; the other levers act on every one.
            wide = [name for name in _levers() if not PARAMETERS[name].flag
                    and name != "adopters" and checked[name] != PARAMETERS[name].default]
            if wide:
                raise InputError("adopters", "own", "levers that are shares of "
                                 "municipalities (" + ", ".join(
                                     n for n in _levers() if PARAMETERS[n].flag)
                                 + f"); {wide[0]} acts on every municipality",
                                 problem="cannot reach one municipality alone:")
        return cls(MappingProxyType(checked),
                   MappingProxyType(dict(start or {})),
                   tuple((int(w), MappingProxyType(dict(c))) for w, c in schedule))

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
        return MappingProxyType({name: self.start.get(name, PARAMETERS[name].default)
                                 for name in _levers()})

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

    def switches(self) -> list[tuple[int, Mapping[str, float]]]:
        """Every switch of the levers: (first week, the levers in force from then on)."""
        if self.switch_week is None:
            return []
        out = [(self.switch_week, self.levers_requested)]
        for week, changes in self.schedule:
            if week > out[-1][0]:
                out.append((week, MappingProxyType({**out[-1][1], **changes})))
        return out

    def levers_at(self, week: int) -> Mapping[str, float]:
        """The levers in force in ``week`` (counted from the 2015 snapshot; ≤ 0: spin-up)."""
        if self.switch_week is None:
            return self.levers_requested
        levers = self.levers_2015
        for first, in_force in self.switches():
            if week >= first:
                levers = in_force
        return levers
