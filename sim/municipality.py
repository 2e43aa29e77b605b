"""A municipality of one's own: its file, its place in a population, its outcomes.

A planner describes one municipality in a small TOML file::

    name = "our_municipality"
    inhabitants = 28000
    nursing_homes = 4
    home_care_districts = 3
    integrated_units = 0          # optional, default 0
    volunteer_centre = true
    local_policy = false
    own_volunteer_service = false
    voluntary_organisations = 12  # optional: LTC-active organisations (default: drawn)
    pin_flags = false             # optional: true keeps the three flags above whatever
                                  # a scenario's levers do
    population = "survey2015"     # optional: the surrounding ("survey2015" or "norway")

:func:`parse_municipality` validates it (every problem one line naming the file, key,
value and what is allowed). The population generator then replaces, in every run, the
municipality of the surrounding population whose size is nearest to it by this one
(:func:`sim.population.build_population`): the rest of the world, its organisations and
its volunteers are drawn as usual, so the municipality sits in a realistic surrounding.
Its volunteer centre, policy and service are held as the file says in 2015; a scenario's
levers switch them as they switch everyone's (with the same latent draw, drawn given
what the file says) unless ``pin_flags`` is true.

The municipality travels with a run as part of its population
(:class:`sim.population_spec.PopulationSpec`), so that results with and without it, or
with two different files, are never paired or mixed.

:func:`area_outcomes` turns a run's per-municipality outcomes (the last four weeks, as
:meth:`sim.model.CoProductionModel.municipality_outcomes` records them) into outcomes of
any set of municipalities: one's own, the adopters of a policy, all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import InputError, parse_toml

POPULATIONS = ("survey2015", "norway")
MAX_FILE_BYTES = 100_000
# Bounds: the largest Norwegian municipality (Oslo) has about 720,000 inhabitants and
# about 50 nursing homes; the smallest synthetic municipality has 200 inhabitants.
LIMITS = {"inhabitants": (200, 1_000_000), "nursing_homes": (0, 80),
          "home_care_districts": (0, 80), "integrated_units": (0, 40),
          "voluntary_organisations": (1, 1_000)}
MAX_UNITS = 150
FLAGS = {"local_policy": "policy", "volunteer_centre": "centre",
         "own_volunteer_service": "service"}
KEYS = ("name", "inhabitants", "nursing_homes", "home_care_districts", "integrated_units",
        "volunteer_centre", "local_policy", "own_volunteer_service",
        "voluntary_organisations", "pin_flags", "population")
REQUIRED = ("name", "inhabitants", "nursing_homes", "home_care_districts",
            "volunteer_centre", "local_policy", "own_volunteer_service")


@dataclass(frozen=True)
class Municipality:
    """One planner's municipality, validated."""

    name: str
    inhabitants: int
    nursing_homes: int
    home_care_districts: int
    volunteer_centre: bool
    local_policy: bool
    own_volunteer_service: bool
    integrated_units: int = 0
    voluntary_organisations: int | None = None
    pin_flags: bool = False
    population: str = "survey2015"

    @property
    def units(self) -> int:
        """Its LTC units: nursing homes, home-care districts and integrated units."""
        return self.nursing_homes + self.home_care_districts + self.integrated_units

    def flags(self) -> dict[str, bool]:
        """Its flags in 2015, by the model's flag names (policy, centre, service)."""
        return {flag: bool(getattr(self, key)) for key, flag in FLAGS.items()}

    def describe(self) -> str:
        """One line a reader can check against the file."""
        yes = {True: "yes", False: "no"}
        orgs = ("" if self.voluntary_organisations is None
                else f", {self.voluntary_organisations} voluntary organisations")
        return (f"{self.name}: {self.inhabitants:,} inhabitants, {self.nursing_homes} "
                f"nursing homes, {self.home_care_districts} home-care districts, "
                f"{self.integrated_units} integrated units{orgs}; volunteer centre "
                f"{yes[self.volunteer_centre]}, local policy {yes[self.local_policy]}, own "
                f"volunteer service {yes[self.own_volunteer_service]}; "
                + ("its flags stay as the file says" if self.pin_flags
                   else "a scenario's levers switch its flags as everyone's"))


def parse_municipality(text: str, source: str) -> Municipality:
    """Validate a municipality's TOML text; ``source`` names it in messages."""
    data = parse_toml(text, source, "a municipality file is flat: keys only")
    return from_mapping(data, source)


def from_mapping(data: dict, source: str) -> Municipality:
    """Validate a mapping of the file's keys (as TOML reads them)."""
    for key, value in data.items():
        if key not in KEYS:
            raise InputError(f"{source}: key '{key}'", value, "valid keys: " + ", ".join(KEYS),
                             problem="unknown key with value")
    for key in REQUIRED:
        if key not in data:
            raise InputError(f"{source}: key '{key}'", "", f"'{key}' is required ("
                             + _allowed(key) + ")", problem="missing value")
    name = data["name"]
    if not isinstance(name, str) or not name or len(name) > 40 or not all(
            c.isascii() and (c.isalnum() or c in "_-") for c in name):
        raise InputError(f"{source}: key 'name'", name, "allowed: " + _allowed("name"))
    values = {"name": name}
    for key, (lo, hi) in LIMITS.items():
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{source}: key '{key}'", value, "allowed: " + _allowed(key))
        if not lo <= value <= hi:
            raise InputError(f"{source}: key '{key}'", value, "allowed: " + _allowed(key),
                             problem="out-of-range value")
        values[key] = value
    for key in (*FLAGS, "pin_flags"):
        if key in data:
            if not isinstance(data[key], bool):
                raise InputError(f"{source}: key '{key}'", data[key], "allowed: true or false")
            values[key] = data[key]
    if "population" in data:
        if data["population"] not in POPULATIONS:
            raise InputError(f"{source}: key 'population'", data["population"],
                             "allowed: " + ", ".join(POPULATIONS))
        values["population"] = data["population"]
    own = Municipality(**values)
    if own.units < 1 or own.units > MAX_UNITS:
        raise InputError(f"{source}: keys 'nursing_homes' + 'home_care_districts' + "
                         "'integrated_units'", own.units, f"allowed: 1 to {MAX_UNITS} LTC "
                         "units in all", problem="out-of-range value")
    return own


def _allowed(key: str) -> str:
    if key == "name":
        return "letters, digits, _ and -, at most 40 characters"
    if key in LIMITS:
        lo, hi = LIMITS[key]
        return f"a whole number from {lo:,} to {hi:,}"
    return "true or false"


# ---- outcomes of a set of municipalities ---------------------------------------------
GROUPS = ("nursing_home", "home_care", "other")  # integrated and other units together
MODES = ("municipality", "voluntary", "together")
SHOWN_TYPES = ("nursing_home", "home_care")
# The columns of a run's per-municipality table that area_outcomes reads.
MUNI_COLUMNS = ("municipality", "inhabitants", "own", "switched", "staff_hours",
                "active_volunteers", "mean_trust",
                *(f"units:{g}" for g in GROUPS),
                *(f"{g}:{m}" for g in GROUPS for m in MODES))


def area_outcomes(frame, mask=None) -> dict[str, float]:
    """Outcomes of the municipalities in ``mask`` (all when None) of one run's frame.

    ``frame`` is a run's per-municipality table (:func:`sim.runner.municipality_frame`):
    activities per week by unit group and coordinator over the last four weeks, active
    volunteers and staff hours at the horizon, inhabitants and units. Shares are of the
    activities that took place; per-1,000 values are per 1,000 inhabitants of those
    municipalities; per-unit values per unit of that type. NaN where nothing is there to
    divide by (no activity, no unit of the type).
    """
    rows = frame if mask is None else frame[np.asarray(mask, dtype=bool)]
    out: dict[str, float] = {"municipalities": float(len(rows))}
    inhabitants = float(rows["inhabitants"].sum())
    out["inhabitants"] = inhabitants
    per = 1000 / inhabitants if inhabitants > 0 else np.nan
    by_mode = np.array([sum(float(rows[f"{g}:{m}"].sum()) for g in GROUPS) for m in MODES])
    total = by_mode.sum()
    out["activities_per_week"] = total
    for m, value in zip(MODES, by_mode, strict=True):
        out[f"share_{m}"] = value / total if total > 0 else np.nan
    out["active_volunteers"] = float(rows["active_volunteers"].sum())
    out["staff_hours"] = float(rows["staff_hours"].sum())
    units = float(rows[[f"units:{g}" for g in GROUPS]].to_numpy().sum())
    out["mean_trust"] = (float((rows["mean_trust"] * rows[[f"units:{g}" for g in GROUPS]]
                                .sum(axis=1)).sum()) / units if units > 0 else np.nan)
    for name in ("activities_per_week", "active_volunteers", "staff_hours"):
        out[f"per_1000:{name}"] = out[name] * per
    for g in SHOWN_TYPES:
        counts = np.array([float(rows[f"{g}:{m}"].sum()) for m in MODES])
        n_units = float(rows[f"units:{g}"].sum())
        out[f"{g}:units"] = n_units
        out[f"{g}:activities_per_week"] = counts.sum()
        out[f"{g}:activities_per_unit"] = counts.sum() / n_units if n_units > 0 else np.nan
        for m, value in zip(MODES, counts, strict=True):
            out[f"{g}:share_{m}"] = value / counts.sum() if counts.sum() > 0 else np.nan
    return out
