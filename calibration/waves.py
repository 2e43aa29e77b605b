"""Surveys to calibrate to: the 2015 Table 2, a researcher's own file, several waves.

A *wave* is one survey: its observed table, its year, the levers in force then and the
frame it observed. ``--data`` names one:

* ``wave2015`` — the paper's Table 2 (the default);
* ``wave2025-synthetic`` — the shipped **synthetic** second wave (made by the model,
  labelled so in its name, its header and every output made from it);
* a CSV file (the formats ``coprod survey --data`` reads): an aggregate table, or
  unit-level answers; unit by unit, its units, their types and municipalities make the
  virtual survey's frame (:mod:`sim.sample_frame`), and columns ``local_policy``,
  ``volunteer_centre``, ``municipal_service`` (0/1 per unit's municipality), when
  present, record who held those levers; an aggregate table scales the 2015 frame to
  its counts;
* a small TOML file describing a wave::

      year = 2025
      data = "my_wave2025.csv"      # relative to this file
      synthetic = false              # optional
      description = "..."            # optional
      [levers]                       # optional: the shares in force then
      policy_share = 0.30

Several waves (:class:`Waves`): the model runs from the first wave (the 2015 snapshot of
the simulated world, whatever its year) to the last, the levers moving between waves as
recorded (:func:`sim.runner.run_waves`); every wave is observed on the first wave's frame
(a panel of the same units) and the distance uses every wave. A unit-level wave that
records each unit's local policy adds the answers pooled over the six activities in
municipalities with and without one: the contrast a policy's strength shows in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np

from calibration.observed_survey import (
    MAX_COMMENT,
    SurveyTable,
    UnitResponses,
    load_survey,
    load_table2,
)
from calibration.summary import KEYS, SurveyDistance, summarise_counts
from runtime.files import read_text_limited
from runtime.interrupts import interrupts_deferred
from sim.catalogue import COORDINATORS, TABLE2_IDS, UNIT_TYPES, activity
from sim.errors import InputError, parse_toml, printable
from sim.parameters import PARAMETERS, flag_levers
from sim.population_spec import PopulationSpec
from sim.published import SURVEY_2015
from sim.sample_frame import MAX_SCALE, SampleFrame
from sim.virtual_survey import FLAG_COLUMNS, SimulatedSurvey

FIRST_YEAR = 2015  # the shipped survey's year: the simulated world's snapshot
SHIPPED = {"wave2015": None, "wave2025-synthetic": "wave2025-synthetic.toml"}
# The levers a wave may record: shares of municipalities holding a flag. Levers whose
# effect ramps up from a switch (staff pressure, forums) are not: between waves they
# would restart their ramp every year.
WAVE_LEVERS = tuple(flag_levers().values())
SPLIT_FLAG, SPLIT_COLUMN = "policy", FLAG_COLUMNS["policy"]
GROUPS = ("with", "without")  # municipalities with / without a local policy
MIN_YEAR, MAX_YEAR = 1990, 2065
MIN_SCALE = 0.05  # an aggregate table scales the 2015 frame by at least this
# A later wave's answers against the first wave's: it observes the first wave's frame, so
# a much smaller or larger sample would be set against counts it cannot produce.
LATER_SIZE = (0.5, 2.0)


@dataclass(frozen=True)
class Wave:
    """One survey: what it observed, when, under which levers, on which frame."""

    label: str  # what --data said
    source: str  # the file(s) read
    year: int
    levers: Mapping[str, float]  # recorded levers in force then (others: 2015's)
    table: SurveyTable  # the six Table 2 activities' counts
    frame: SampleFrame | None = None  # None: the 2015 sample (survey2015)
    # Answers pooled over the six activities in municipalities with / without a local
    # policy, shape (2, 3), when the file records each unit's policy.
    by_policy: np.ndarray | None = None
    synthetic: bool = False
    notes: tuple[str, ...] = ()
    # The shares of the file's municipalities holding each recorded lever: the levers
    # of a first wave whose frame is the file (a later wave's file is a sample of the
    # first wave's world, so its levers come from its TOML).
    recorded_shares: Mapping[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: the survey, its year, its size, whether it is synthetic."""
        tag = "SYNTHETIC " if self.synthetic else ""
        split = "; each unit's local policy recorded" if self.by_policy is not None else ""
        return (f"{tag}{self.label} ({self.year}; {int(self.table.n.sum()):,} answers; "
                f"{self.source}{split})")

    def record(self) -> dict:
        """What a manifest records of the wave."""
        return {"label": self.label, "source": self.source, "year": self.year,
                "levers": dict(self.levers), "synthetic": self.synthetic,
                "answers": int(self.table.n.sum()),
                "frame": ("survey2015" if self.frame is None else
                          f"{'unit-level' if self.frame.unit_level else 'scaled'} frame "
                          f"of {self.frame.units:,} units in {self.frame.municipalities} "
                          f"municipalities ({PopulationSpec(frame=self.frame).digest()})"),
                "policy_recorded": self.by_policy is not None, "notes": list(self.notes)}


def _table_with_six(table: SurveyTable, where: str) -> SurveyTable:
    """The table's rows for Table 2's six activities, in Table 2's order."""
    missing = [a for a in TABLE2_IDS if a not in table.activities]
    if missing:
        raise InputError(f"{where}: column 'activity'", ", ".join(missing), "a survey "
                         "to calibrate to answers for the six activities of Table 2 ("
                         + ", ".join(TABLE2_IDS) + "), which the virtual survey observes",
                         problem="missing activity:")
    rows = table.rows(TABLE2_IDS)
    others = [a for a in table.activities if a not in TABLE2_IDS]
    notes = table.notes
    if others:
        answers = int(table.counts[table.rows(others)].sum())
        notes += (f"{answers:,} answer(s) for {', '.join(others[:4])}"
                  f"{', ...' if len(others) > 4 else ''} not used: the virtual survey "
                  "observes Table 2's six activities",)
    dropped = None if table.dropped is None else table.dropped[rows]
    return SurveyTable(TABLE2_IDS, table.counts[rows], table.statutory[rows], table.source,
                       notes, dropped)


def _frame_of_units(data: UnitResponses) -> SampleFrame:
    """The frame of a unit-level file: its units, in order of their municipality."""
    names = list(dict.fromkeys(data.unit_munis))
    index = {m: i for i, m in enumerate(names)}
    unit_muni = np.array([index[m] for m in data.unit_munis])
    order = np.argsort(unit_muni, kind="stable")
    flags = []
    for flag, column in FLAG_COLUMNS.items():
        if column in data.unit_flags:
            per_muni = np.zeros(len(names), dtype=int)
            per_muni[unit_muni] = data.unit_flags[column]
            flags.append((flag, tuple(per_muni.tolist())))
    types = [UNIT_TYPES.index(t) for t in data.unit_types]
    return SampleFrame(source=data.source, unit_muni=tuple(unit_muni[order].tolist()),
                       unit_type=tuple(np.asarray(types)[order].tolist()),
                       flags=tuple(flags))


def min_answers() -> int:
    """The fewest answers a survey to calibrate to may hold (an aggregate table's 5%)."""
    return math.ceil(MIN_SCALE * int(load_table2().n.sum()))


def check_unit_frame(frame: SampleFrame, table: SurveyTable, where: str) -> None:
    """Refuse a unit-level survey too small to calibrate to or too large to simulate.

    The limits are those of the aggregate tables (at least 5% of 2015's answers) and of
    a planner's municipality file (:data:`sim.municipality.LIMITS`): at most
    :data:`sim.municipality.MAX_UNITS` units in one municipality, whose inhabitants, at
    the 2015 sample's inhabitants per unit, stay within the planner's bound; and the
    frame's inhabitants at most Norway's.
    """
    from sim.municipality import LIMITS, MAX_UNITS
    from sim.population import NATIONAL_MUNICIPALITIES, NATIONAL_POPULATION

    answers = int(table.n.sum())
    if answers < min_answers():
        raise InputError(f"{where}: column 'coordinator'", f"{answers} answers",
                         f"a survey to calibrate to needs at least {min_answers()} answers "
                         "for Table 2's activities (5% of 2015's, as an aggregate table)",
                         problem="too few answers:")
    per_unit = (NATIONAL_POPULATION * SURVEY_2015.municipalities / NATIONAL_MUNICIPALITIES
                / SURVEY_2015.units_identified)
    most = int(np.bincount(np.asarray(frame.unit_muni)).max())
    cap = min(MAX_UNITS, int(LIMITS["inhabitants"][1] // per_unit))
    if most > cap:
        raise InputError(f"{where}: column 'municipality'", f"{most} units in one "
                         "municipality", f"allowed: at most {cap}, as in a municipality "
                         "file ('coprod run --municipality')", problem="too many units:")
    units = len(frame.unit_muni)
    if units * per_unit > NATIONAL_POPULATION:
        raise InputError(f"{where}: column 'unit_id'", f"{units:,} units",
                         f"allowed: at most {int(NATIONAL_POPULATION // per_unit):,} units "
                         f"(at the 2015 sample's {per_unit:,.0f} inhabitants per unit, "
                         f"Norway's {NATIONAL_POPULATION:,} inhabitants)",
                         problem="too many units to simulate:")


def _policy_split(data: UnitResponses) -> np.ndarray | None:
    """Answers pooled over Table 2's activities by the unit's recorded local policy."""
    if SPLIT_COLUMN not in data.unit_flags:
        return None
    cols = [data.activities.index(a) for a in TABLE2_IDS if a in data.activities]
    counts = answers_by_policy(data.codes[:, cols], data.unit_flags[SPLIT_COLUMN])
    # With every answer in one group there is no contrast to fit (and an empty group's
    # shares are undefined): the wave is then used without the split.
    return counts if (counts.sum(axis=1) > 0).all() else None


def _scaled_frame(table: SurveyTable) -> SampleFrame | None:
    """The 2015 frame scaled to an aggregate table's answers (None: the 2015 sample)."""
    from sim.population import NATIONAL_MUNICIPALITIES

    answers, answers_2015 = int(table.n.sum()), int(load_table2().n.sum())
    scale = answers / answers_2015
    # At most Norway's municipalities (and so about its inhabitants): the 2015 sample's
    # 50 municipalities scaled by at most 357 / 50.
    most = min(MAX_SCALE, NATIONAL_MUNICIPALITIES / SURVEY_2015.municipalities)
    if not MIN_SCALE <= scale <= most:
        raise InputError(f"{table.source}: column 'n'", f"{answers:,} answers in all",
                         f"an aggregate table's answers scale the 2015 frame ({answers_2015} "
                         f"answers in {SURVEY_2015.municipalities} municipalities), so "
                         f"{MIN_SCALE:g} to {most:.3g} times as many (at most Norway's "
                         f"{NATIONAL_MUNICIPALITIES} municipalities): "
                         f"{math.ceil(MIN_SCALE * answers_2015)} to "
                         f"{int(most * answers_2015):,}", problem="out of range:")
    if round(SURVEY_2015.units_identified * scale) == SURVEY_2015.units_identified:
        return None
    return SampleFrame(source=table.source, scale=round(scale, 4))


def _from_csv(label: str, path: Path, year: int, levers: dict, synthetic: bool,
              description: str = "") -> Wave:
    data = load_survey(path)
    notes = [description] if description else []
    if isinstance(data, UnitResponses):
        frame = _frame_of_units(data)
        table = _table_with_six(data.to_table(), str(path))
        check_unit_frame(frame, table, str(path))
        split = _policy_split(data)
        recorded = frame.recorded_flags()
        shares = {lever: round(float(recorded[flag].mean()), 4)
                  for flag, lever in flag_levers().items() if flag in recorded}
        notes.append(f"frame: the file's {frame.units:,} units in "
                     f"{frame.municipalities} municipalities, all of them answering")
        notes += list(data.comments)
        synthetic = synthetic or marked_synthetic(data.comments)
        if split is None and SPLIT_COLUMN in data.unit_flags:
            notes.append("local_policy recorded, but every answer comes from one group "
                         "(all with or all without a policy): no contrast, not used")
    else:
        table = _table_with_six(data, str(path))
        frame, split = _scaled_frame(table), None
        shares = {}
        notes.append("frame: the 2015 sample's" if frame is None else
                     f"frame: the 2015 frame scaled by {frame.scale:g} to the table's "
                     f"{int(table.n.sum()):,} answers ({frame.units:,} units, "
                     f"{frame.municipalities} municipalities)")
    notes += list(table.notes)
    return Wave(label, str(path), year, dict(levers), table, frame, split,
                synthetic, tuple(notes), dict(shares))


def marked_synthetic(comments) -> bool:
    """Whether a file's leading comments mark it synthetic (a line starting SYNTHETIC)."""
    return any(c.startswith("SYNTHETIC") for c in comments)


def _check_levers(levers: Mapping, where: str) -> dict[str, float]:
    out = {}
    for name, value in levers.items():
        if name not in WAVE_LEVERS:
            raise InputError(f"{where}: [levers]", name, "allowed: "
                             + ", ".join(WAVE_LEVERS) + " (shares of municipalities; "
                             "levers that ramp up from a switch cannot be recorded per wave)",
                             problem="unknown lever:")
        p = PARAMETERS[name]
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not p.low <= value <= p.high:
            raise InputError(f"{where}: [levers] {name}", value,
                             f"allowed: a number from {p.low:g} to {p.high:g}")
        out[name] = float(value)
    return out


def _from_toml(label: str, path: Path, text: str | None = None,
               base: Path | None = None) -> Wave:
    where = str(path)
    if text is None:
        try:
            text = read_text_limited(path, encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(where, f"byte {err.start}", "the file must be UTF-8 text",
                             problem="undecodable content at") from None
    data = parse_toml(text, where, "year, data, synthetic, description and a [levers] "
                      "table of numbers")
    allowed = {"year", "data", "synthetic", "description", "levers"}
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InputError(f"{where}: key", unknown[0], "allowed: " + ", ".join(sorted(allowed)),
                         problem="unknown")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(f"{where}: year", year, f"allowed: a year from {MIN_YEAR} to "
                         f"{MAX_YEAR}")
    if not isinstance(data.get("data"), str) or not data["data"].strip():
        raise InputError(f"{where}: data", data.get("data"), "the survey's CSV file, "
                         "relative to this file", problem="missing")
    synthetic = data.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(f"{where}: synthetic", synthetic, "allowed: true or false")
    levers = data.get("levers", {})
    if not isinstance(levers, dict):
        raise InputError(f"{where}: levers", levers, "a [levers] table of numbers")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError(f"{where}: description", description, "allowed: text")
    description = printable(description)[:MAX_COMMENT * 2]
    csv_path = (base or path.parent) / data["data"]
    return _from_csv(label, csv_path, year, _check_levers(levers, where), synthetic,
                     " ".join(description.split()))


def check_spec(spec: str | Path) -> None:
    """Refuse a ``--data`` value that is empty, or neither a shipped name nor a file.

    A bare word that names no file (``wave2030``) is answered with the shipped names.
    """
    text = str(spec)
    shipped = ", ".join(SHIPPED)
    if not text.strip():
        raise InputError("data", text, f"give a survey file (CSV or TOML) or one of "
                         f"{shipped}", problem="empty value")
    path = Path(text)
    if text not in SHIPPED and not path.exists() and not path.is_symlink() \
            and not path.suffix and "/" not in text:
        raise InputError("data", text, f"shipped surveys: {shipped}; or give a survey "
                         "file (CSV or TOML)", problem="unknown survey name")


def load_wave(spec: str | Path | None) -> Wave:
    """The wave ``--data`` names (see the module's docstring); None: ``wave2015``."""
    if spec is not None:
        check_spec(spec)
    if spec is None or str(spec) == "wave2015":
        return Wave("wave2015", "shipped: Andfossen (2020), Table 2", FIRST_YEAR,
                    {}, load_table2())
    if str(spec) in SHIPPED:
        folder = resources.files("calibration.data").joinpath("waves")
        name = SHIPPED[str(spec)]
        text = folder.joinpath(name).read_text(encoding="utf-8")
        with resources.as_file(folder) as base:
            return _from_toml(str(spec), Path(base) / name, text, Path(base))
    path = Path(spec)
    if path.suffix.lower() == ".toml":
        return _from_toml(str(spec), path)
    return _from_csv(str(spec), path, FIRST_YEAR, {}, False)


def _prefix(k: int) -> str:
    return "" if k == 0 else f"w{k}:"


POOLED = ("statutory", "other")  # a later wave's answers pooled by statutory status


def group_keys(prefix: str, block: str, groups=GROUPS) -> list[str]:
    """Summary keys of answers pooled into groups (shares, then counts)."""
    return [f"{prefix}{block}:{g}:{c}" for g in groups for c in COORDINATORS] + \
        [f"{prefix}{block}:{g}:n" for g in groups]


def policy_keys(prefix: str) -> list[str]:
    """Summary keys of the pooled answers by local policy (shares, then counts)."""
    return group_keys(prefix, "policy")


def _group_summary(prefix: str, block: str, groups, counts: np.ndarray) -> dict[str, float]:
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=1)
    shares = np.divide(counts, n[:, None], out=np.full(counts.shape, np.nan),
                       where=n[:, None] > 0)
    return dict(zip(group_keys(prefix, block, groups),
                    [*shares.ravel().tolist(), *n.tolist()], strict=True))


def _policy_summary(prefix: str, counts: np.ndarray) -> dict[str, float]:
    return _group_summary(prefix, "policy", GROUPS, counts)


def pooled_counts(counts: np.ndarray) -> np.ndarray:
    """Table 2's counts (six activities × coordinators) pooled: statutory, other."""
    statutory = np.array([activity(a).statutory for a in TABLE2_IDS])
    counts = np.asarray(counts)
    return np.stack([counts[statutory].sum(axis=0), counts[~statutory].sum(axis=0)])


def _wave_summary(k: int, wave: Wave, counts: np.ndarray, policy_counts) -> dict:
    """A wave's summaries: the first wave's as Table 2's; a later wave's pooled.

    A later wave observes the same world as the first: its activity-by-activity shares
    mostly repeat what the first says about it, and would add 18 noisy scores to the
    distance. Its news is the change of the pooled shares (statutory and other
    activities, as the paper's differences of proportions pool them) and, where
    recorded, the contrast between municipalities with and without a local policy.
    """
    p = _prefix(k)
    out = ({key: v for key, v in summarise_counts(counts).items()} if k == 0 else
           _group_summary(p, "pooled", POOLED, pooled_counts(counts)))
    if wave.by_policy is not None:
        out.update(_policy_summary(p, policy_counts))
    return out


def answers_by_policy(codes: np.ndarray, held) -> np.ndarray:
    """Answers per coordinator pooled over activities, with and without a policy: (2, 3).

    ``codes``: units × activities, 0-2 the coordinators (other codes ignored); ``held``:
    per unit, whether its municipality held a local policy.
    """
    held = np.asarray(held, dtype=bool)
    return np.array([[int(((codes == k) & mask[:, None]).sum()) for k in range(3)]
                     for mask in (held, ~held)])


def simulated_policy_counts(survey: SimulatedSurvey, held: np.ndarray) -> np.ndarray:
    """A virtual survey's answers pooled over activities, with / without a policy."""
    return answers_by_policy(survey.answers, held)


@dataclass(frozen=True)
class Waves:
    """The surveys a calibration uses, in order of their years (picklable)."""

    waves: tuple[Wave, ...]
    weeks: tuple[int, ...] = field(init=False)

    def __post_init__(self):
        if not self.waves:
            raise InputError("data", "", "at least one survey", problem="no survey:")
        years = [w.year for w in self.waves]
        if years != sorted(set(years)):
            twice = sorted({y for y in years if years.count(y) > 1})
            raise InputError("data", ", ".join(map(str, years)), "one survey per year "
                             f"(two or more in {', '.join(map(str, twice))})"
                             if twice else "waves in order of their years",
                             problem="waves:")
        first = self.waves[0]
        if first.frame is not None and first.frame.unit_level:
            # A file of M municipalities records a share k / M (stored to 4 decimals): a
            # lever agrees with it when it gives the same k, i.e. within 1 / (2M).
            tolerance = 0.5 / first.frame.municipalities + 5e-5
            clash = {k: v for k, v in first.levers.items()
                     if k in first.recorded_shares
                     and abs(v - first.recorded_shares[k]) > tolerance}
            if clash:
                name = next(iter(clash))
                toml = first.label in SHIPPED or first.label.lower().endswith(".toml")
                raise InputError(f"{first.label if toml else first.source}: [levers] "
                                 f"{name}", clash[name],
                                 f"the first wave's file ({first.source}) records who held "
                                 f"it: {first.recorded_shares[name]:.4g} of its "
                                 f"{first.frame.municipalities} municipalities; give that "
                                 "share (within half a municipality) or leave the lever out",
                                 problem="contradicts the file:")
        base = int(first.table.n.sum())
        for wave in self.waves[1:]:
            ratio = int(wave.table.n.sum()) / max(base, 1)
            if not LATER_SIZE[0] <= ratio <= LATER_SIZE[1]:
                raise InputError(f"{wave.source}: answers", f"{int(wave.table.n.sum()):,}",
                                 f"a later wave is observed on the first wave's frame, so "
                                 f"it must be of a like size: {LATER_SIZE[0]:g} to "
                                 f"{LATER_SIZE[1]:g} times the first wave's {base:,} answers",
                                 problem="out of range:")
        # A later wave is observed on the first wave's frame (a panel of its units).
        later = tuple(replace(w, notes=tuple(
            "frame: observed on the first wave's frame (the same units)"
            if n.startswith("frame:") else n for n in w.notes)) for w in self.waves[1:])
        object.__setattr__(self, "waves", (self.waves[0], *later))
        weeks = tuple(round((y - years[0]) * 52) for y in years)
        object.__setattr__(self, "weeks", weeks)
        most = int(PARAMETERS["lever_week"].high)  # the longest run after the snapshot
        if weeks[-1] > most:
            raise InputError("data", f"{years[0]} to {years[-1]}", "waves within "
                             f"{most // 52} years", problem="waves too far apart:")
        for wave in self.waves[1:]:
            if wave.frame is not None and self.waves[0].frame != wave.frame \
                    and wave.frame.unit_level:
                units = self.frame_units
                if wave.frame.units > units:
                    raise InputError(f"{wave.source}", f"{wave.frame.units:,} units",
                                     f"a later wave observes the first wave's frame "
                                     f"({units:,} units): at most that many",
                                     problem="a larger later wave:")

    @classmethod
    def load(cls, specs) -> Waves:
        """The waves ``--data`` names (none: ``wave2015``), sorted by year."""
        waves = [load_wave(s) for s in (specs or [None])]
        return cls(tuple(sorted(waves, key=lambda w: w.year)))

    @property
    def frame_units(self) -> int:
        """Units of the first wave's frame (the population every wave observes)."""
        first = self.waves[0].frame
        return SURVEY_2015.units_identified if first is None else first.units

    @property
    def population(self) -> PopulationSpec:
        """The population every run is given: the first wave's frame."""
        first = self.waves[0].frame
        return PopulationSpec() if first is None else PopulationSpec(frame=first)

    @property
    def levers(self) -> tuple[dict, ...]:
        """Per wave, every wave lever's value in force.

        A lever a wave does not record keeps the previous wave's value (2015's for the
        first wave).
        """
        out, current = [], {n: PARAMETERS[n].default for n in WAVE_LEVERS}
        for k, wave in enumerate(self.waves):
            if k == 0 and wave.frame is not None and wave.frame.unit_level:
                current = {**current, **wave.recorded_shares}
            current = {**current, **wave.levers}
            out.append(dict(current))
        return tuple(out)

    @property
    def single(self) -> bool:
        """One wave without a policy split: the 2015-style calibration."""
        return len(self.waves) == 1 and self.waves[0].by_policy is None

    @property
    def synthetic(self) -> bool:
        """Whether any wave is synthetic."""
        return any(w.synthetic for w in self.waves)

    @property
    def shipped_2015(self) -> bool:
        """Whether this is the paper's Table 2 alone (the shipped calibration's data)."""
        return len(self.waves) == 1 and self.waves[0].label == "wave2015"

    def describe(self) -> str:
        """The surveys in one line (SYNTHETIC marked)."""
        return " + ".join(w.describe() for w in self.waves)

    def record(self) -> list[dict]:
        """What a manifest records of the surveys (and the levers each was taken under)."""
        return [{**w.record(), "levers_in_force": levers}
                for w, levers in zip(self.waves, self.levers, strict=True)]

    def observed(self) -> dict[str, float]:
        """Every wave's summaries (:func:`_wave_summary`).

        Wave 0's keys are the 2015 calibration's; a later wave's are prefixed ``wK:``.
        """
        out = {}
        for k, wave in enumerate(self.waves):
            out.update(_wave_summary(k, wave, wave.table.counts, wave.by_policy))
        return out

    def simulate(self, params: Mapping, seed) -> dict[str, float]:
        """The same summaries from one simulated world (the calibration's model)."""
        from sim.runner import run_waves, survey_2015

        if self.single:
            with interrupts_deferred() as stop:
                survey = survey_2015(dict(params), population=self.population, rng=seed)
            return summarise_counts(survey.counts)
        with interrupts_deferred() as stop:
            observed = run_waves(params, self.weeks, self.levers,
                                 population=self.population, rng=seed, stop=stop)
        out = {}
        for k, (wave, obs) in enumerate(zip(self.waves, observed, strict=True)):
            split = (simulated_policy_counts(obs.survey, obs.respondent_flags[SPLIT_FLAG])
                     if wave.by_policy is not None else None)
            out.update(_wave_summary(k, wave, obs.survey.counts, split))
        return out

    def distance(self, observed: dict | None = None) -> WavesDistance:
        """The calibration's distance, scaled by each wave's observed noise."""
        return WavesDistance(self.observed() if observed is None else observed, self)


class WavesDistance:
    """RMS of every wave's standard scores (picklable).

    The first wave: the 18 scores of :class:`calibration.summary.SurveyDistance`. Every
    group of pooled answers (a later wave's statutory and other activities; with and
    without a local policy where recorded): its two free shares whitened by their
    multinomial covariance at the observed, Laplace-smoothed shares, and its count
    against its Poisson scale — three scores per group.
    """

    def __init__(self, observed: dict[str, float], waves: Waves):
        self.first = SurveyDistance({key: observed[key] for key in KEYS})
        self.blocks = []
        for k, wave in enumerate(waves.waves):
            p = _prefix(k)
            blocks = ([] if k == 0 else [("pooled", POOLED)]) + \
                ([("policy", GROUPS)] if wave.by_policy is not None else [])
            for block, groups in blocks:
                n = np.array([observed[f"{p}{block}:{g}:n"] for g in groups])
                shares = np.array([[observed[f"{p}{block}:{g}:{c}"] for c in COORDINATORS]
                                   for g in groups])
                counts = np.nan_to_num(shares) * n[:, None]
                smooth = (counts[:, :2] + 1) / (n[:, None] + 3)
                cov = (np.eye(2)[None] * smooth[:, :, None]
                       - smooth[:, :, None] * smooth[:, None, :]) \
                    / np.maximum(n, 1)[:, None, None]
                free = [[f"{p}{block}:{g}:{c}" for c in COORDINATORS[:2]] for g in groups]
                self.blocks.append((free, [f"{p}{block}:{g}:n" for g in groups],
                                    np.linalg.inv(np.linalg.cholesky(cov)),
                                    np.sqrt(np.maximum(n, 1))))

    def z_scores(self, x: dict, x0: dict) -> np.ndarray:
        """Every wave's standard scores, concatenated."""
        out = [self.first.z_scores({k: x[k] for k in KEYS}, {k: x0[k] for k in KEYS})]
        for free, counts, whiten, n_sd in self.blocks:
            sim = np.array([[x[k] for k in row] for row in free])
            obs = np.array([[x0[k] for k in row] for row in free])
            z = np.einsum("aij,aj->ai", whiten, sim - obs)
            z[~np.isfinite(sim).all(axis=1)] = 10.0
            out += [z.ravel(), (np.array([x[k] for k in counts])
                                - np.array([x0[k] for k in counts])) / n_sd]
        return np.concatenate(out)

    def __call__(self, x: dict, x0: dict, t=None, par=None) -> float:
        """Root mean square z-score."""
        z = self.z_scores(x, x0)
        return float(np.sqrt(np.mean(z**2)))


class WavesTask:
    """A batch task's summaries of every wave (picklable, for workers and Dask)."""

    def __init__(self, waves: Waves):
        self.waves = waves

    def __call__(self, task) -> dict[str, float]:
        """The waves' summaries of the world ``task.params`` with seed ``task.seed``."""
        return self.waves.simulate(task.params, task.seed)


def survey_file(spec: str | Path | None) -> tuple[Path | None, bool]:
    """The CSV file a ``--data`` value names (None: Table 2), and whether it is synthetic.

    For commands that read one survey file (``coprod survey``).
    """
    if spec is None or str(spec) == "wave2015":
        return None, False
    check_spec(spec)
    path = Path(spec)
    if str(spec) in SHIPPED or path.suffix.lower() == ".toml":
        wave = load_wave(spec)
        return Path(wave.source), wave.synthetic
    return path, False
