"""Which population a run is built on, as a value.

A run is built on the 2015 sample (``survey2015``), on Norway's municipalities
(``norway``), on a survey's own frame (:class:`sim.sample_frame.SampleFrame`), or on
either of the first two with a planner's own municipality in it
(:class:`sim.municipality.Municipality`). :class:`PopulationSpec` holds which, and is
passed as itself from the command line to the worker that builds the world
(:func:`sim.population.build_population`).

Files, manifests and pairing need it as text: :attr:`PopulationSpec.name` is the one
place that turns a specification into a name, and :meth:`PopulationSpec.parse` the one
place that reads a name back (a malformed one refused in one line). Two runs are of the
same population exactly when their names are equal, so results with and without a
municipality, with two different files or on two frames are never paired or mixed.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import NoReturn

from sim.errors import InputError, wrong_type
from sim.municipality import Municipality, from_mapping
from sim.sample_frame import MAX_FRAME_UNITS, SampleFrame, check_frame

BASES = ("survey2015", "norway")
FRAME_PREFIX = "frame:"  # a frame's name: the prefix and the frame as compact JSON
SEPARATOR = "+municipality:"  # a municipality's: base, separator, the file's keys as JSON
# A unit-level frame of MAX_FRAME_UNITS units is about 12 bytes a unit as JSON.
MAX_NAME_CHARS = 64 * MAX_FRAME_UNITS


@dataclass(frozen=True)
class PopulationSpec:
    """The population of a run: a base, or a survey's frame, and perhaps one's own municipality.

    ``base`` is ``"survey2015"`` or ``"norway"``; ``frame`` a survey's own frame (then
    the base is the frame's, and no municipality is added); ``municipality`` a planner's
    municipality put in place of the base's municipality nearest its size.
    """

    base: str = "survey2015"
    frame: SampleFrame | None = None
    municipality: Municipality | None = None

    def __post_init__(self):
        for name, kind, words in (("frame", SampleFrame, "a sim.sample_frame.SampleFrame"),
                                  ("municipality", Municipality,
                                   "a sim.municipality.Municipality")):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise wrong_type(name, value, f"{words}, or None")
        if not isinstance(self.base, str) or self.base not in BASES:
            raise InputError("population", self.base, "allowed: " + ", ".join(BASES))
        if self.frame is not None and self.municipality is not None:
            raise InputError("population", "a survey's frame and a municipality", "one of "
                             "them: a municipality is placed in the 2015 sample or Norway")
        if self.municipality is not None and self.municipality.population != self.base:
            raise InputError("population", self.municipality.population, f"the "
                             f"municipality's surrounding population, here {self.base}")

    @classmethod
    def of(cls, value: PopulationSpec | SampleFrame | Municipality | str) -> PopulationSpec:
        """A specification from itself, a frame, a municipality, or a name (:meth:`parse`)."""
        if isinstance(value, PopulationSpec):
            return value
        if isinstance(value, SampleFrame):
            return cls(frame=value)
        if isinstance(value, Municipality):
            return cls(base=value.population, municipality=value)
        return cls.parse(value)

    def __hash__(self) -> int:  # by name: a frame of 50,000 units is hashed once
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    @functools.cached_property
    def name(self) -> str:
        """The population's name: what files and manifests record, and runs pair by."""
        if self.frame is not None:
            return FRAME_PREFIX + json.dumps(asdict(self.frame), sort_keys=True,
                                             separators=(",", ":"))
        if self.municipality is not None:
            record = {k: v for k, v in asdict(self.municipality).items()
                      if k != "population"}
            return self.base + SEPARATOR + json.dumps(record, sort_keys=True,
                                                      separators=(",", ":"))
        return self.base

    @classmethod
    def parse(cls, name: str) -> PopulationSpec:
        """The specification a name records; anything else is one :class:`InputError`."""
        return _parse(name) if isinstance(name, str) else _refuse(name)

    def digest(self) -> str:
        """A short fingerprint of the population, for messages and manifests."""
        return hashlib.blake2b(self.name.encode(), digest_size=6).hexdigest()

    def describe(self, municipalities: int | None = None) -> str:
        """Whose outcomes these are, in words: "the 50 municipalities of the 2015 sample".

        A survey's own frame is named by its file: "the 47 municipalities of your
        survey's frame (my_units.csv; 165 units)"; one's own municipality is named.
        """
        count = f"{municipalities} " if municipalities else ""
        if self.frame is not None:
            frame = self.frame
            source = " ".join(frame.source.split())  # one line, whatever the file's name
            source = source if len(source) <= 200 else "…" + source[-199:]
            count = municipalities or frame.municipalities
            if frame.unit_level:
                return (f"the {count} municipalities of your survey's frame ({source}; "
                        f"{frame.units:,} units)")
            return (f"the {count} municipalities of the 2015 frame scaled by "
                    f"{frame.scale:g} to your survey ({source})")
        words = {"survey2015": f"the {count or '50 '}municipalities of the 2015 sample",
                 "norway": f"the {count or '357 '}municipalities of Norway (2024)"}
        text = words[self.base]
        if self.municipality is not None:
            text += f", {self.municipality.name} in place of the one nearest its size"
        return text


def describe_name(name, municipalities: int | None = None) -> str:
    """:meth:`PopulationSpec.describe` of a recorded name, never refused.

    For labels of results already made: a malformed record is said so in words.
    """
    try:
        return PopulationSpec.of(name).describe(municipalities)
    except InputError:
        if isinstance(name, str) and name.startswith(FRAME_PREFIX):
            return "a survey's frame (its record is malformed)"
        return f"the population {str(name)[:80]}"


def _refuse(value) -> NoReturn:
    shown = value if isinstance(value, str) else type(value).__name__
    raise InputError("population", str(shown)[:80], "allowed: survey2015, norway, or a "
                     "name made by sim.population_spec.PopulationSpec.name")


@functools.lru_cache(maxsize=16)  # every outcome's label asks (a frame's name is long)
def _parse(name: str) -> PopulationSpec:
    if len(name) > MAX_NAME_CHARS:
        _refuse(name)
    if name in BASES:
        return PopulationSpec(base=name)
    if name.startswith(FRAME_PREFIX):
        try:
            data = json.loads(name[len(FRAME_PREFIX):])
            frame = SampleFrame(
                source=str(data["source"]), scale=float(data["scale"]),
                unit_muni=tuple(int(m) for m in data["unit_muni"]),
                unit_type=tuple(int(t) for t in data["unit_type"]),
                flags=tuple((str(f), tuple(int(v) for v in held))
                            for f, held in data["flags"]))
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
            _refuse(name)
        check_frame(frame)
        return PopulationSpec(frame=frame)
    base, separator, record = name.partition(SEPARATOR)
    if not separator or base not in BASES:
        _refuse(name)
    try:
        data = json.loads(record)
    except (ValueError, RecursionError):
        _refuse(name)
    if not isinstance(data, dict):
        _refuse(name)
    data = {k: v for k, v in data.items() if v is not None}
    return PopulationSpec(base=base, municipality=from_mapping({**data, "population": base},
                                                               "population"))
