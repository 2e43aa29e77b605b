"""Scenario files: TOML, one per scenario, validated against the model's parameters.

A scenario file::

    name = "local_volunteer_policy"
    description = "What real policy this stands for and what it changes in the model."
    horizon_weeks = 520      # how long to run (4 to 2600)
    draws = 10               # posterior draws (1 to 1000)
    assumption_draws = 10    # draws of the uncertain assumptions (1 to 1000)
    replicates = 2           # seeds per (posterior draw, assumption draw) (1 to 1000)
    population = "survey2015"   # or "norway"

    [set]                    # overrides of levers or parameters, by name
    policy_share = 1.0
    policy_clarity = 0.5     # fixing an assumption: it is no longer drawn

Runs are draws × assumption_draws × replicates: every posterior draw meets every draw of
the assumptions (a Latin hypercube over their documented ranges), each with its own
seeds, so that the spread of a result can be split between what the survey calibrated,
what is assumed and chance (:mod:`scenarios.attribution`).

Every problem is one line naming the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from runtime.files import read_text_limited
from sim.errors import InputError, parse_toml
from sim.parameters import ASSUMPTIONS, PARAMETERS, validate
from sim.population_spec import BASES, PopulationSpec

KEYS = ("name", "description", "horizon_weeks", "draws", "assumption_draws", "replicates",
        "population", "set")
REQUIRED = ("name", "description")
POPULATIONS = BASES  # what a scenario file's 'population' may name
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")  # the whole name (fullmatch)
LIMITS = {"horizon_weeks": (4, 2600), "draws": (1, 1000), "assumption_draws": (1, 1000),
          "replicates": (1, 1000)}
MAX_FILE_BYTES = 1_000_000  # a scenario file is a few lines of TOML
# Runs per command (draws × assumption draws × replicates, summed over its scenarios).
# Every finished run's outcomes and series are held until its scenario's files are
# written: about 50 kB a run at 520 weeks and 150 kB at 2,600, so 20,000 runs stay
# within 1-3 GB; at a second or so a run it is also days of work on a laptop. The
# shipped scenarios run 200 each.
MAX_RUNS = 20_000
LIMITS_HELP = (f"Limits: at most {MAX_RUNS:,} runs per command (draws × assumption draws "
               "× replicates, summed over the scenarios; every finished run is held in "
               "memory until its scenario is written); draws, assumption draws and "
               "replicates 1 to 1000 each; horizon 4 to 2600 weeks.")
DEFAULTS = {"horizon_weeks": 520, "draws": 10, "assumption_draws": 10, "replicates": 2,
            "population": "survey2015"}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario."""

    name: str
    description: str
    horizon_weeks: int
    draws: int
    replicates: int
    population: PopulationSpec  # its name in files: PopulationSpec.name
    overrides: dict = field(default_factory=dict)
    source: str = ""
    assumption_draws: int = DEFAULTS["assumption_draws"]

    @property
    def runs(self) -> int:
        """Number of model runs: draws × assumption_draws × replicates."""
        return self.draws * self.assumption_draws * self.replicates

    @property
    def drawn_assumptions(self) -> tuple[str, ...]:
        """The assumptions drawn from their ranges (those the file does not fix)."""
        return tuple(a for a in ASSUMPTIONS if a not in self.overrides)

    def with_sizes(self, *, draws: int | None = None, replicates: int | None = None,
                   horizon_weeks: int | None = None,
                   assumption_draws: int | None = None) -> Scenario:
        """A copy with other ensemble sizes (command-line overrides)."""
        changes = {k: v for k, v in {"draws": draws, "replicates": replicates,
                                     "horizon_weeks": horizon_weeks,
                                     "assumption_draws": assumption_draws}.items()
                   if v is not None}
        for key, value in changes.items():
            lo, hi = LIMITS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise InputError(key, value, f"allowed: a whole number from {lo} to {hi}")
        out = replace(self, **changes)
        check_runs([out])
        named = out.source or out.name  # (the flag first, then which scenario it cut short)
        check_lever_week(out, f"horizon_weeks: {named}" if horizon_weeks is not None
                         else named)
        return out

    def on_population(self, population: PopulationSpec, flag: str) -> Scenario:
        """The same scenario run on ``population`` (the frame ``flag`` gives).

        A scenario that names a population of its own (``population = "norway"``) is
        refused: the flag would silently replace it.
        """
        if self.population != PopulationSpec():
            raise InputError(f"{self.source}: key 'population'", self.population.name,
                             f"{flag} gives the population the runs are made on; run this "
                             f"scenario without {flag}, or remove its 'population' key",
                             problem="overridden by " + flag + ":")
        return replace(self, population=population)


def check_lever_week(scenario: Scenario, where: str) -> None:
    """Refuse levers set to switch at or after the horizon (they would never act)."""
    week = scenario.overrides.get("lever_week")
    if week is not None and week >= scenario.horizon_weeks:
        raise InputError(f"{where}: key 'set.lever_week'", int(week), "allowed: fewer weeks "
                         f"than the horizon ({scenario.horizon_weeks} weeks; or a horizon "
                         f"above {int(week)}), or the levers never act and every effect is "
                         "exactly 0", problem="past the horizon:")


def check_runs(scenarios: list[Scenario]) -> None:
    """Refuse, before any run, more than :data:`MAX_RUNS` runs in one command."""
    total = sum(s.runs for s in scenarios)
    if total > MAX_RUNS:
        sizes = "; ".join(f"{s.name}: {s.draws} × {s.assumption_draws} × {s.replicates}"
                          for s in scenarios)
        raise InputError("runs (draws × assumption draws × replicates)", total,
                         f"allowed: at most {MAX_RUNS:,} in one command ({sizes}); run "
                         "fewer draws or scenarios at a time", problem="too many runs:")


def _files():
    return resources.files("scenarios.files")


def shipped_names() -> list[str]:
    """Names of the scenarios shipped with the package, baseline first."""
    names = sorted(p.name[:-5] for p in _files().iterdir() if p.name.endswith(".toml"))
    return sorted(names, key=lambda n: (n != "baseline", n))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a shipped scenario by name, or a user's scenario file by path."""
    text_source = str(name_or_path)
    if text_source in shipped_names():
        entry = _files().joinpath(f"{text_source}.toml")
        return parse_scenario(entry.read_text(encoding="utf-8"), f"{text_source}.toml")
    path = Path(name_or_path)
    if not (path.exists() or path.is_symlink()):  # a FIFO or folder: refused when read
        raise InputError("scenario", text_source, "give a shipped scenario ("
                         + ", ".join(shipped_names()) + ") or the path of a TOML file",
                         problem="unknown scenario")
    try:
        text = read_text_limited(path, limit=MAX_FILE_BYTES)
    except UnicodeDecodeError:
        raise InputError(str(path), "binary content", "a scenario is a UTF-8 TOML text file",
                         problem="unreadable") from None
    scenario = parse_scenario(text, str(path))
    _refuse_shipped_lookalike(scenario)
    return scenario


def _refuse_shipped_lookalike(scenario: Scenario) -> None:
    """A user file may not take a shipped scenario's name with other content.

    Its results would land in the shipped scenario's folder and be compared as if they
    were that scenario's (as the baseline, even).
    """
    if scenario.name not in shipped_names():
        return
    shipped = load_scenario(scenario.name)
    if replace(shipped, source=scenario.source) != scenario:
        raise InputError(f"{scenario.source}: key 'name'", scenario.name, "a shipped "
                         "scenario has this name but other content; give the file another "
                         "name", problem="clashing value")


def parse_scenario(text: str, source: str) -> Scenario:
    """Validate a scenario's TOML text; ``source`` names it in error messages."""
    data = parse_toml(text, source, "a scenario file is flat: keys and one [set] table")
    for key in data:
        if key not in KEYS:
            raise InputError(f"{source}: key '{key}'", data[key], "valid keys: "
                             + ", ".join(KEYS), problem="unknown key with value")
    for key in REQUIRED:
        if key not in data:
            raise InputError(f"{source}: key '{key}'", "", f"'{key}' is required (a string)",
                             problem="missing value")
    name = data["name"]
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InputError(f"{source}: key 'name'", name, "allowed: lower-case letters, digits "
                         "and _ starting with a letter, at most 40 characters")
    if not isinstance(data["description"], str) or not data["description"].strip():
        raise InputError(f"{source}: key 'description'", data["description"],
                         "allowed: a non-empty string")
    values = {**DEFAULTS}
    for key, (lo, hi) in LIMITS.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"{source}: key '{key}'", value,
                                 f"allowed: a whole number from {lo} to {hi}")
            if not lo <= value <= hi:
                raise InputError(f"{source}: key '{key}'", value, f"allowed: {lo} to {hi}",
                                 problem="out-of-range value")
            values[key] = value
    if "population" in data:
        if data["population"] not in POPULATIONS:
            raise InputError(f"{source}: key 'population'", data["population"],
                             "allowed: " + ", ".join(POPULATIONS))
        values["population"] = data["population"]
    overrides = data.get("set", {})
    if not isinstance(overrides, dict):
        raise InputError(f"{source}: key 'set'", overrides, "allowed: a table of NAME = "
                         "number, e.g. [set] policy_share = 1.0")
    for key, value in overrides.items():
        if key not in PARAMETERS:
            raise InputError(f"{source}: key 'set.{key}'", value, "valid parameter names: "
                             + ", ".join(PARAMETERS), problem="unknown parameter with value")
    checked = validate(overrides, where=f"{source}: key 'set.{{name}}'")
    scenario = Scenario(name, data["description"].strip(), values["horizon_weeks"],
                        values["draws"], values["replicates"],
                        PopulationSpec(base=values["population"]),
                        {k: checked[k] for k in overrides}, source,
                        values["assumption_draws"])
    check_lever_week(scenario, source)
    return scenario  # its number of runs is checked with the command's sizes (with_sizes)


def load_many(items: list[str]) -> list[Scenario]:
    """Load several scenarios; two with the same name are refused."""
    seen: dict[str, str] = {}
    out = []
    for item in items:
        scenario = load_scenario(item)
        if scenario.name in seen:
            raise InputError(f"{scenario.source}: key 'name'", scenario.name,
                             f"names must be unique; {seen[scenario.name]} has it too",
                             problem="clashing value")
        seen[scenario.name] = scenario.source
        out.append(scenario)
    return out
