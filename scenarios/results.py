"""The scenario stages as results: an ensemble run into a folder, and its comparison.

:func:`run_ensemble` resolves the scenarios (sizes, one's own municipality, a survey's
frame, who adopts), runs them (:func:`scenarios.ensemble.run_ensembles`: every run stored
as it finishes) and returns an :class:`Ensemble`. :func:`compare_folder` compares the
scenarios of a folder with the baseline (:func:`scenarios.compare.compare_scenarios`),
adds the local policy's response and the effects year by year, and returns a
:class:`ComparisonResult` whose :meth:`~ComparisonResult.write` puts the set of files
(:data:`COMPARE_OUTPUTS`) in a folder. Whoever shows them reads these objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from runtime.fields import listed, one_of, text, texts, whole
from runtime.files import read_back, writes
from runtime.manifests import Manifest
from sim.errors import CoprodError, InputError

COMPARE_OUTPUTS = ("comparison.csv", "differences.png", "shares.png", "timeseries.png",
                   "baseline_vs_observed.csv", "baseline_vs_observed.png", "attribution.csv",
                   "attribution.png", "snapshot_2015.csv", "policy_response.csv",
                   "policy_response.png", "effect_by_year.csv", "effect_by_year.png",
                   "comparison_manifest.json")
COMPARISON_MANIFEST = "comparison_manifest.json"
# What the comparison's tables hold where numbers are read back (by ComparisonResult.read
# and the report): the columns each must have, those that are numbers, and their ranges.
COMPARISON_COLUMNS = ("scenario", "outcome", "median")
COMPARISON_NUMERIC = ("median", "diff_median", "diff_low_90", "diff_high_90", "mean",
                      "low_90", "high_90", "mean_low_90", "mean_high_90", "runs",
                      "paired_runs", "reading_weight", "reading_worlds")
# Every outcome is a level of at least 0 (shares, counts, hours, trust), far below 1e12;
# a class's probability (the mean of a 0/1 outcome) and its interval lie in 0 to 1.
COMPARISON_BOUNDS = {
    **dict.fromkeys(("median", "mean", "low_90", "high_90"), (0.0, 1e12)),
    **dict.fromkeys(("diff_median", "diff_low_90", "diff_high_90"), (-1e12, 1e12)),
    **dict.fromkeys(("mean_low_90", "mean_high_90", "reading_weight"), (0.0, 1.0)),
    **dict.fromkeys(("runs", "paired_runs", "reading_worlds"), (0.0, 1e9))}
ATTRIBUTION_NUMERIC = ("share", "low_90", "high_90", "rank_correlation")
# A share of variance lies in 0 to 1; an interval's ends (of a share, or of a rank
# correlation for an association) and a rank correlation in -1 to 1.
ATTRIBUTION_BOUNDS = {"share": (0.0, 1.0), **dict.fromkeys(
    ("low_90", "high_90", "rank_correlation"), (-1.0, 1.0))}
BY_YEAR_NUMERIC = ("year", "calendar_year", "week", "diff_median", "diff_low_90",
                   "diff_high_90", "runs")
BY_YEAR_BOUNDS = {"year": (0.0, 100.0), "calendar_year": (2015.0, 2115.0),
                  "week": (0.0, 2600.0), "runs": (0.0, 1e9),
                  **dict.fromkeys(("diff_median", "diff_low_90", "diff_high_90"),
                                  (-1e12, 1e12))}


# ---- the ensemble ------------------------------------------------------------------

@dataclass(frozen=True)
class Ensemble:
    """Scenarios run into ``folder``: what ran, what failed, what was reused.

    Each scenario's files are in ``folder/<scenario>/`` (``outcomes.csv``,
    ``timeseries.csv``, ``municipalities*.csv``, ``inputs.csv``, ``manifest.json``).
    """

    folder: Path
    scenarios: tuple[str, ...]
    runs: int
    failures: tuple = ()  # runs that failed, each with its seed and parameters
    wall_time_s: float = 0.0
    reused: int = 0  # runs taken from the store (resume)
    empty: tuple[str, ...] = ()  # scenarios without a finished run: folders left alone
    notes: tuple[str, ...] = ()  # what --force dropped (runs a cut-short run had kept)

    def outcomes(self, scenario: str) -> pd.DataFrame:
        """One scenario's outcomes, one row per run (its ``outcomes.csv``, read bounded).

        Indexed by the run's key (draw, replicate, seed): the pairing of every scenario.
        """
        from scenarios.effects import read_ensembles

        return read_ensembles(self.folder, scenario, only=[scenario]).scenarios[
            scenario].values

    def manifest(self, scenario: str) -> Manifest:
        """The record one scenario's runs were made with."""
        from scenarios.effects import rerun

        path = self.folder / scenario / "manifest.json"
        return Manifest.read(path, rerun(path))

    @classmethod
    @read_back
    def read(cls, folder: Path) -> Ensemble:
        """The scenarios ``coprod run`` (or :func:`run_ensemble`) left in ``folder``."""
        from scenarios.effects import rerun

        names, runs = [], 0
        for path in sorted(folder.glob("*/manifest.json")):
            if path.parent.is_symlink():  # as compare: a scenario's files stay in folder
                raise InputError(str(path.parent), "a symbolic link", "a scenario folder "
                                 "in the results folder, not a link elsewhere",
                                 problem="refusing to read through")
            record = Manifest.read(path, rerun(path))
            if record.get("scenario") != path.parent.name:
                continue  # another command's folder (survey/, fit/ beside the scenarios)
            names.append(path.parent.name)
            runs += record.field("runs", whole(0), "a whole number of runs", 0)
        if not names:
            raise InputError(str(folder), str(folder), "allowed: a folder 'coprod run' "
                             "wrote (a scenario folder with its manifest.json)",
                             problem="no scenario results in")
        return cls(folder, tuple(names), runs)


def adopters_own(scenarios: list, adopters: str | None, has_own: bool, *,
                 remedy: str = "give --municipality FILE") -> list:
    """The scenarios with ``adopters = own`` where they switch flags (``--adopters own``).

    ``adopters``: "own" or "all" for every scenario (--adopters; "all" overrides a
    scenario file's ``[set] adopters = "own"``), None for each as its file says.
    Refused in one line, before any run, without one's own municipality (``remedy``
    says how to give one), or for a scenario whose levers act on every municipality
    (only shares of municipalities can reach one alone): asked for with ``adopters``
    (--adopters own) or by a scenario file (named then). A scenario that switches
    nothing (the baseline) is left as it is.
    """
    from sim.parameters import PARAMETERS

    levels = PARAMETERS["adopters"].levels
    own = levels.index("own")
    out = []
    for s in scenarios:
        if adopters == "all" and s.overrides.get("adopters") == own:  # asked: everyone's
            # (as a file saying "all" sets it: the same scenario, resumable as one)
            s = dataclasses.replace(s, overrides={**s.overrides,
                                                  "adopters": float(levels.index("all"))})
        if adopters != "own" and s.overrides.get("adopters") != own:
            out.append(s)
            continue
        where = "adopters" if adopters == "own" else f"{s.source or s.name}: set.adopters"
        if not has_own:
            raise InputError(where, "own", f"your municipality alone needs it described: "
                             f"{remedy}", problem="nobody to adopt:")
        levers = [k for k in s.overrides if k in PARAMETERS and PARAMETERS[k].kind == "lever"
                  and k != "adopters"]
        wide = [k for k in levers if not PARAMETERS[k].flag]
        if wide:
            flags = ", ".join(n for n, p in PARAMETERS.items() if p.flag)
            raise InputError(where, "own", f"scenarios whose levers are shares of "
                             f"municipalities ({flags}); {s.name} sets {wide[0]}, which acts "
                             f"on every municipality: run it with --adopters all"
                             + ("" if adopters == "own" else ' (or set adopters = "all" '
                                "in its file)"),
                             problem="cannot reach one municipality alone:")
        out.append(dataclasses.replace(s, overrides={**s.overrides, "adopters": own})
                   if levers else s)
    return out


def run_ensemble(items: Sequence, *, posterior, out, seed: int, draws=None, replicates=None,
                 assumption_draws=None, horizon_weeks=None, waves, data_given: bool = False,
                 municipality=None, adopters: str | None = None, workers: int = 1,
                 scheduler: str | None = None, resume: bool = False, force: bool = False,
                 command: str = "", say: Callable[[str], None]) -> Ensemble:
    """Resolve and run the scenarios ``items`` (names, files or ['all']) into ``out``.

    ``waves``: the surveys; with ``data_given``, every run simulates the first wave's
    frame. ``municipality``: a municipality file taking the place of the 2015 sample's
    nearest in size (not with ``data_given``). ``say`` receives what is about to run.
    """
    from runtime.files import check_out_dir, replaced_together
    from scenarios.spec import load_many, shipped_names

    out = check_out_dir(out, where="out")
    items = shipped_names() if list(items) == ["all"] else list(items)
    scenarios = [s.with_sizes(draws=draws, replicates=replicates,
                              horizon_weeks=horizon_weeks, assumption_draws=assumption_draws)
                 for s in load_many(items)]
    if data_given and municipality is not None:
        raise InputError("data", " ".join(w.label for w in waves.waves), "either --data "
                         "(your survey's frame) or --municipality (yours among the 2015 "
                         "sample's), not both", problem="not with --municipality:")
    if data_given:
        scenarios = [s.on_population(waves.population, "--data") for s in scenarios]
    if municipality is not None:
        from scenarios.municipality_file import load_municipality
        from sim.population_spec import PopulationSpec

        own = load_municipality(municipality)
        scenarios = [s.on_population(PopulationSpec.of(own), "--municipality")
                     for s in scenarios]
        say(f"Your municipality: {own.describe()}")
    scenarios = adopters_own(scenarios, adopters, municipality is not None, **(
        {"remedy": "--municipality FILE gives it, which is not with --data (the survey's "
                   "frame): run without --data, or with --adopters all"} if data_given
        else {}))
    if adopters == "own":
        say("--adopters own: your municipality alone takes the scenarios' flags; the "
            "others keep 2015's")
    from calibration.posterior import posterior_surveys_note
    from scenarios.ensemble import run_ensembles

    note = posterior_surveys_note(posterior, waves)
    if note:
        say(note + ("" if data_given else "; or give that survey with --data to run on its "
                    "frame"))
    total = sum(s.runs for s in scenarios)
    say(f"Running {len(scenarios)} scenario(s), {total} runs, {workers} worker(s)"
        + (f" on Dask at {scheduler}" if scheduler else "") + f", seed {seed}")
    result = run_ensembles(scenarios, posterior, out, seed=seed, workers=workers,
                           scheduler=scheduler, resume=resume, force=force, command=command,
                           surveys=waves.record(), replace=replaced_together)
    return Ensemble(out, tuple(s.name for s in scenarios), result.runs,
                    tuple(result.failures), result.wall_time_s, result.reused,
                    tuple(result.empty), tuple(result.notes))


# ---- the comparison ----------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """A comparison with the baseline and everything written beside it.

    ``comparison``: the table, attribution, 2015 snapshot and effects by year
    (:class:`scenarios.compare.Comparison`); ``response``: the local policy's effect by
    route strength (None when it was not compared); ``series``: each scenario's weekly
    series, for the figure; ``notes``: what was left out; ``survey``: the survey the
    baseline was set against, as a figure's title names it; ``manifest``: the record
    (what ``comparison_manifest.json`` holds but the names written).
    """

    comparison: object
    response: object | None
    series: dict = field(repr=False)
    notes: tuple[str, ...]
    survey: str
    manifest: Manifest = field(compare=False)  # written with the names, versions, date
    written: tuple[str, ...] = ()  # the files :func:`compare_folder` wrote, if it did

    @property
    def table(self) -> pd.DataFrame:
        """``comparison.csv``: per scenario and outcome, level and paired change."""
        return self.comparison.table

    @property
    def attribution(self) -> pd.DataFrame | None:
        """``attribution.csv``: where each policy effect's variance comes from."""
        return self.comparison.attribution

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the set's files and its manifest into ``folder``; the names written."""
        from runtime.files import atomic_write_frame
        from scenarios.over_time import write as write_over_time
        from scenarios.scenario_plots import (
            plot_attribution,
            plot_differences,
            plot_shares,
            plot_timeseries,
        )

        comp, folder = self.comparison, Path(folder)
        atomic_write_frame(folder / "comparison.csv", comp.table)
        plot_differences(comp.table, comp.baseline, folder / "differences.png")
        plot_shares(comp.table, comp.baseline, folder / "shares.png")
        plot_timeseries(self.series, folder / "timeseries.png")
        written = ["comparison.csv", "differences.png", "shares.png", "timeseries.png"]
        if comp.attribution is not None and len(comp.attribution):
            atomic_write_frame(folder / "attribution.csv", comp.attribution)
            plot_attribution(comp.attribution, folder / "attribution.png")
            written += ["attribution.csv", "attribution.png"]
        if comp.baseline_fit is not None:
            from calibration.fit_plots import plot_fit

            atomic_write_frame(folder / "baseline_vs_observed.csv", comp.baseline_fit.shares)
            plot_fit(comp.baseline_fit.shares, folder / "baseline_vs_observed.png",
                     title=f"Baseline at the 2015 snapshot vs {self.survey}")
            written += ["baseline_vs_observed.csv", "baseline_vs_observed.png"]
        if comp.snapshot is not None:
            atomic_write_frame(folder / "snapshot_2015.csv", comp.snapshot)
            written.append("snapshot_2015.csv")
        if self.response is not None:
            self.response.write(folder)
            written += ["policy_response.csv", "policy_response.png"]
        by_year = [] if comp.over_time is None else write_over_time(comp.over_time, folder)
        written += by_year
        extra = {}
        if by_year:
            from scenarios.over_time import NOTE as OVER_TIME_NOTE

            extra["effect_by_year"] = OVER_TIME_NOTE
        # The record with the names written, the versions and the date.
        Manifest.of(**self.manifest.fields, written=written, **extra).write(
            folder / COMPARISON_MANIFEST)
        return [*written, COMPARISON_MANIFEST]

    @classmethod
    @read_back
    def read(cls, folder: Path) -> ComparisonResult:
        """The comparison ``coprod compare`` (or :meth:`write`) left in ``folder``.

        Its tables through the bounded readers (a missing or malformed one is one line
        naming it): ``comparison.csv`` and, where written, ``attribution.csv``,
        ``snapshot_2015.csv``, ``effect_by_year.csv`` and ``policy_response.csv``. The
        baseline's fit to the survey is in ``baseline_vs_observed.csv`` (not read here:
        ``comparison.baseline_fit`` is None), the weekly series in each scenario's folder.
        """
        from runtime.files import read_own_csv
        from scenarios.compare import Comparison
        from scenarios.over_time import OverTime
        from scenarios.policy_response import PolicyResponse

        record = Manifest.read(folder / COMPARISON_MANIFEST, "coprod compare")
        written = record.field("written", listed(one_of(COMPARE_OUTPUTS)), "a list of "
                               "the names it writes: " + ", ".join(COMPARE_OUTPUTS), ())
        notes = record.field("notes", texts, "a list of texts", ())
        baseline, population, years = (
            record.field(name, text, "text", default)
            for name, default in (("baseline", "baseline"), ("population", "survey2015"),
                                  ("years", "")))

        def table(name: str, columns: tuple, numeric: tuple = (),
                  bounds: dict | None = None, *, rows_or_none: bool = False
                  ) -> pd.DataFrame | None:
            if name not in written:
                return None
            try:
                return read_own_csv(folder / name, "coprod compare", columns=columns,
                                    numeric=numeric, bounds=bounds)
            except InputError as err:
                # The policy's response is written with its header alone when the runs
                # are too few for any bin of route strength: read back as written.
                header = str(err.value).split(",")
                if rows_or_none and err.problem == "incomplete file:" and \
                        set(columns) <= set(header):
                    return pd.DataFrame(columns=header)
                raise

        comparison = table("comparison.csv", COMPARISON_COLUMNS, COMPARISON_NUMERIC,
                           COMPARISON_BOUNDS)
        if comparison is None:
            raise InputError(str(folder / COMPARISON_MANIFEST), "no comparison.csv",
                             "make it again with 'coprod compare'", problem="malformed file:")
        by_year = table("effect_by_year.csv", ("scenario",), BY_YEAR_NUMERIC, BY_YEAR_BOUNDS)
        response = table("policy_response.csv", ("scenario", "outcome", "route"),
                         rows_or_none=True)
        comp = Comparison(comparison, baseline, None,
                          attribution=table("attribution.csv", ("scenario", "outcome"),
                                            ATTRIBUTION_NUMERIC, ATTRIBUTION_BOUNDS),
                          notes=notes, snapshot=table("snapshot_2015.csv", ("scenario",)),
                          population=population,
                          over_time=None if by_year is None else OverTime(by_year),
                          years=years)
        fields = {k: v for k, v in record.fields.items()
                  if k not in ("written", "effect_by_year", "versions", "date")}
        return cls(comp, None if response is None else PolicyResponse(response, ()), {},
                   notes, "", Manifest(fields), (*written, COMPARISON_MANIFEST))


def _short(label: str, most: int = 48) -> str:
    """A survey's label short enough for a figure's title (its end: the file's name)."""
    label = " ".join(str(label).split())
    return label if len(label) <= most else "…" + label[-(most - 1):]


def _survey_title(waves) -> str:
    """The survey the baseline was set against, as the figure's title names it."""
    if waves is None or waves.shipped_2015:
        return "the 2015 survey"
    return f"{'SYNTHETIC ' if waves.waves[0].synthetic else ''}{_short(waves.waves[0].label)}"


def _check_population(folder: Path, baseline: str, waves, data_given: bool,
                      inside=None) -> None:
    """Refuse, in one line, runs made on another survey's frame than ``waves``'."""
    from scenarios.effects import read_manifest
    from sim.population_spec import FRAME_PREFIX, describe_name

    path = folder / baseline / "manifest.json"
    if not path.is_file():
        return  # compare_scenarios names what is missing
    runs = read_manifest(path, inside=inside).get("population") or "survey2015"
    on_frame = isinstance(runs, str) and runs.startswith(FRAME_PREFIX)
    if on_frame == (waves.population.frame is not None) and (
            not on_frame or runs == waves.population.name):
        return  # the 2015 sample, Norway or one's own municipality: the 2015 frame's
    made_on = " ".join(describe_name(runs).split())[:400]  # one line, if edited
    if not data_given:
        raise CoprodError(f"the runs in {folder} were made on {made_on}: give that survey "
                          "with --data (the baseline is set against its observed table)")
    raise CoprodError(f"the runs in {folder} were made on {made_on} but --data gives "
                      f"{waves.describe()}; run them with the same --data")


def _series(comp, folder: Path, notes: list, inside=None) -> dict[str, pd.DataFrame]:
    """Each compared scenario's weekly series (a missing one leaves a gap in a figure)."""
    from scenarios.effects import read_manifest, read_timeseries_file

    series = {}
    for name in comp.table.scenario.unique():
        path = folder / name / "timeseries.csv"
        try:
            series[name] = read_timeseries_file(path, read_manifest(
                folder / name / "manifest.json", inside=inside), inside=inside)
        except (CoprodError, OSError) as err:
            notes.append(f"{path} could not be read ({str(err)[:300]}); its scenario has "
                         "no line in timeseries.png")
            series[name] = pd.DataFrame()
    return series


def _response(comp, folder: Path, notes: list, inside=None):
    """The local policy's effect by route strength, when it was compared (else None)."""
    from scenarios.policy_response import POLICY, policy_response

    if POLICY not in set(comp.table.scenario) or POLICY == comp.baseline:
        return None
    response = policy_response(folder, scenario=POLICY, baseline=comp.baseline,
                               inside=inside)
    notes += [f"policy response: {note}" for note in response.notes]
    # No route varied among the runs (each note says so): an empty table and a blank
    # figure would say nothing more, so neither is written.
    return response if len(response.frame) else None


def compare_folder(folder, *, baseline: str = "baseline", waves, data_given: bool = False,
                   rng: int, write: bool = True, command: str = "") -> ComparisonResult:
    """Compare the scenarios in ``folder`` with ``baseline``; write the set when ``write``.

    The set (:data:`COMPARE_OUTPUTS`) is computed whole first and replaces the earlier
    one only when all of it is written (an error or Ctrl-C before leaves it as it was).
    """
    from runtime.files import check_out_dir, replaced_together
    from runtime.locks import locked
    from scenarios.compare import compare_scenarios

    folder = check_out_dir(folder, where="folder")
    with locked(folder) as inside:
        _check_population(folder, baseline, waves, data_given, inside)
        comp = compare_scenarios(folder, baseline, rng=rng, observed=waves.waves[0].table,
                                 inside=inside)
        notes = list(comp.notes)
        series = _series(comp, folder, notes, inside)
        response = _response(comp, folder, notes, inside)
        record = Manifest({
            "command": command, "seed": rng, "baseline": comp.baseline,
            "population": comp.population,
            "scenarios": list(comp.table.scenario.unique()) if len(comp.table) else [],
            "surveys": waves.record(), "notes": notes, "years": comp.years,
            # What the report checks its comparison against: each scenario's manifest as
            # compared (its digest) and how many runs had each group of municipalities.
            "run_manifests": comp.run_manifests, "areas": comp.areas})
        result = ComparisonResult(comp, response, series, tuple(notes), _survey_title(waves),
                                  record)
        if write:
            with replaced_together(folder, COMPARE_OUTPUTS, inside=inside) as stage:
                result = dataclasses.replace(result, written=tuple(result.write(stage)))
    return result
