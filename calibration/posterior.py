"""Posterior samples: loading, writing, weighted medians and draws; the shipped posterior."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from runtime.fields import Fields, whole
from runtime.files import (
    atomic_write_frame,
    atomic_write_text,
    file_line,
    read_own_csv,
    read_own_json,
)
from runtime.interrupts import interrupts_deferred
from runtime.manifests import model_version_of
from runtime.words import IN_WORDS, again_with, shell_word
from sim.errors import InputError
from sim.parameters import FREE, MODEL_VERSION, PARAMETERS

# A parameter whose 90% credible interval spans more than this share of its prior's
# range (averaged over truths in the recovery study) is not identified by the survey.
NOT_IDENTIFIED = 0.8
SHIPPED = "shipped"
# The key of median.json that records the model version the particles were made with.
MEDIAN_VERSION_KEY = "model_version"
# How a study's calibration was made (studies.calibrations.RECORD_FILE): beside its
# posterior.csv where a calibration of 'coprod calibrate' has manifest.json.
STUDY_RECORD = "calibration.json"


@dataclass(frozen=True)
class Posterior:
    """Weighted particles over the calibrated inputs, with how they were made.

    The columns are the free parameters and, for a joint posterior, the assumptions that
    act before 2015 (:mod:`calibration.inputs`): each particle is a whole world. A
    discrete input (the local policy's reading) is a column of whole numbers.
    """

    particles: pd.DataFrame  # one column per calibrated input
    weights: np.ndarray  # sum to 1
    source: str
    manifest: dict = field(default_factory=dict)

    def median(self) -> dict[str, float]:
        """Weighted median of each parameter; a discrete one's most probable level.

        A median of model choices could fall between two of them: "the calibrated
        model" takes the reading the posterior holds likeliest (:meth:`level_shares`).
        """
        return {name: (max(shares := self.level_shares(name), key=shares.get)
                       if PARAMETERS[name].levels else
                       weighted_quantile(self.particles[name].to_numpy(), self.weights, 0.5))
                for name in self.particles.columns}

    def level_shares(self, name: str = "policy_reading") -> dict[float, float]:
        """A discrete input's posterior probability of each level (by weight)."""
        p = PARAMETERS[name]
        values = self.particles[name].to_numpy()
        return {float(p.low + i): float(self.weights[values == p.low + i].sum())
                for i in range(len(p.levels))}

    def interval(self, level: float = 0.9) -> dict[str, tuple[float, float]]:
        """Equal-tailed weighted credible interval of each parameter."""
        lo, hi = (1 - level) / 2, (1 + level) / 2
        return {name: (weighted_quantile(self.particles[name].to_numpy(), self.weights, lo),
                       weighted_quantile(self.particles[name].to_numpy(), self.weights, hi))
                for name in self.particles.columns}

    def digest(self) -> str:
        """Digest of the particles and weights: what draws from this posterior depend on."""
        import hashlib

        digest = hashlib.sha256(self.particles.to_csv(index=False).encode())
        digest.update(np.ascontiguousarray(self.weights, dtype=float).tobytes())
        return digest.hexdigest()[:16]

    def draws(self, n: int, rng) -> list[dict[str, float]]:
        """``n`` parameter sets resampled by weight (with replacement)."""
        gen = np.random.default_rng(rng)
        idx = gen.choice(len(self.weights), size=n, replace=True, p=self.weights)
        records = self.particles.to_dict("records")
        return [{k: float(v) for k, v in records[i].items()} for i in idx]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of a weighted sample (inverse of the weighted empirical CDF, midpoints)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cdf, v))


def _shipped_dir():
    return resources.files("calibration.data").joinpath("posterior")


def shipped_study_file(name: str):
    """A file of the shipped studies of what the survey can tell (``data/validation``)."""
    return resources.files("calibration.data").joinpath("validation", name)


def load_posterior(path: str | Path | None = None, *, inside=None) -> Posterior:
    """Load ``DIR/posterior.csv`` (+ manifest), or the shipped posterior when ``None``.

    ``inside``: the folder being written (:func:`runtime.locks.locked`), when ``DIR`` is
    in it: its files are read back only from inside it.
    """
    if path is None or str(path) == SHIPPED:
        base, source = _shipped_dir(), "shipped posterior (calibration/data/posterior)"
    else:
        base, source = Path(path), str(path)
    csv_file = base.joinpath("posterior.csv")
    if not _named(csv_file):
        kept = isinstance(base, Path) and (base / "abc.db").is_file() and (
            base / "manifest.json").is_file()  # coprod calibrate's (a study's: its own way)
        raise InputError(str(csv_file), str(csv_file), "expected a directory written by "
                         "coprod calibrate (with posterior.csv)"
                         + (f"; {again_with(calibrate_again(base))}" if kept else ""),
                         problem="missing file")
    manifest_file = base.joinpath("manifest.json")
    # A study's calibration (its calibration.json, no manifest.json) is made again by the
    # study, never by 'coprod calibrate' into its folder (refused there: abc.db is kept).
    study = not manifest_file.is_file() and _named(base.joinpath(STUDY_RECORD))
    again = IN_WORDS + _study_remedy(base) if study else calibrate_again(base)
    frame = read_own_csv(csv_file, again, inside=inside)
    manifest = (read_own_json(manifest_file, again, inside=inside)
                if manifest_file.is_file() else {})
    columns, w = _checked_columns(frame, csv_file, again)
    # A posterior has one row per particle: fewer than its calibration made is a
    # truncated file, not a smaller posterior.
    particles = manifest.get("settings", {}).get("population_size") \
        if isinstance(manifest.get("settings"), dict) else None
    record, remake = "manifest.json", again_with(calibrate_again(base))
    if not manifest_file.is_file():  # a study's calibration: its record says how many
        record, remake = STUDY_RECORD, _study_remedy(base)
        particles = _study_particles(base.joinpath(STUDY_RECORD), inside)
    if whole(1)(particles) and len(frame) != particles:
        raise InputError(str(csv_file), f"{len(frame)} rows", f"its {record} records "
                         f"{particles} particles; {remake}",
                         problem="truncated file:" if len(frame) < particles else
                         "more rows than recorded:")
    _refuse_stale(manifest, source, base, inside)
    return Posterior(frame[columns], w, source, manifest)


def _named(path) -> bool:
    """Whether anything is named ``path`` (a file, folder, link or broken link).

    Anything but a file is then read and refused as what it is, not said to be missing.
    A shipped resource (not a Path) is a file or nothing.
    """
    return path.is_file() or (isinstance(path, Path) and (path.exists() or path.is_symlink()))


def calibrate_again(folder) -> str:
    """How a damaged file of the calibration in ``folder`` is made again, for messages.

    In words (:data:`runtime.words.IN_WORDS`): its options are the user's, recorded in
    its manifest. With its ``abc.db``, resuming writes the files of the finished run
    again from it; without, the calibration is made again (or its folder restored).
    """
    if isinstance(folder, Path) and (folder / "abc.db").is_file():
        return (f"{IN_WORDS}run the command that made it (coprod calibrate with the options "
                f"it was begun with: its manifest.json's 'command', while readable) again "
                f"with --resume: the files of the run in {shell_word(folder / 'abc.db')} are "
                "written again")
    return (f"{IN_WORDS}restore the folder from where it was copied, or calibrate again with "
            "coprod calibrate into another --out")


def _study_remedy(folder) -> str:
    """How a study's damaged calibration folder is mended, for messages.

    With its ``abc.db``, deleting ``posterior.csv`` lets ``--resume`` make it again; a
    calibration kept without one (``study_parts/``) is restored from where it was kept,
    since deleting its posterior would throw away an hour's calibration.
    """
    if isinstance(folder, Path) and (folder / "abc.db").is_file():
        return ("delete posterior.csv and run the study again with --resume: it is made "
                "again from abc.db")
    return ("restore the folder from where it was kept (e.g. study_parts/), or delete it "
            "and run the study again with --resume (it is calibrated again)")


def _study_particles(path, inside=None) -> int | None:
    """The particles a study's calibration made, as its ``calibration.json`` records.

    None without the record (a folder of ``posterior.csv`` alone says nothing of how many
    rows it should hold). Every calibration a study keeps has one
    (:mod:`studies.calibrations`): its ``settings.population_size``, the particles of
    each generation (pyabc's population size is constant), is the rows of its posterior.
    """
    if not _named(path):
        return None
    again = IN_WORDS + _study_remedy(path.parent)
    fields = Fields(read_own_json(path, again, inside=inside), path, again)
    settings = fields("settings", lambda v: isinstance(v, dict) and whole(1)(
        v.get("population_size")), "a mapping with population_size, the particles of "
        "each generation (a whole number >= 1)", None)
    return None if settings is None else settings["population_size"]


def _checked_columns(frame: pd.DataFrame, csv_file, remake: str | None = None
                     ) -> tuple[list[str], np.ndarray]:
    """The inputs' columns of ``posterior.csv`` checked (in place) and its weights.

    Unknown or missing columns and values outside their ranges are one line naming the
    cell, with ``remake``, how the file is made again (default: :func:`calibrate_again`).
    """
    again = f"; {again_with(remake or calibrate_again(Path(csv_file).parent))}"
    missing = [c for c in (*FREE, "weight") if c not in frame.columns]
    if missing:
        raise InputError(f"{csv_file}: header", ",".join(frame.columns),
                         "required columns: the free parameters and weight; missing: "
                         + ", ".join(missing) + again)
    unknown = [c for c in frame.columns if c != "weight" and (
        c not in PARAMETERS or PARAMETERS[c].kind not in ("free", "assumption"))]
    if unknown:
        raise InputError(f"{csv_file}: header", ",".join(unknown), "allowed columns: free "
                         "parameters, assumptions and weight" + again,
                         problem="unknown columns")
    columns = [c for c in PARAMETERS if c in frame.columns]
    for name in columns:
        p = PARAMETERS[name]
        allowed = ("allowed: one of " + ", ".join(
            f"{int(p.low) + i} ({level})" for i, level in enumerate(p.levels))
            if p.levels else f"allowed: a number from {p.low} to {p.high}")
        frame[name] = _numbers(frame, name, csv_file, p.low, p.high, allowed + again,
                               whole=bool(p.levels))
    w = _numbers(frame, "weight", csv_file, 0.0, np.inf,
                 "allowed: a finite number >= 0" + again).to_numpy()
    if not w.max(initial=0.0) > 0:
        raise InputError(f"{csv_file}: column 'weight'", "sum 0",
                         "weights must be >= 0 with a positive sum" + again)
    return columns, normalised(w)


def normalised(weights: np.ndarray) -> np.ndarray:
    """``weights`` (finite, >= 0, one positive) scaled to sum to 1.

    Finite weights whose sum overflows (1e308 each) are scaled by the largest first:
    divided by an infinite sum they would be zeros, not a distribution. Others are
    divided by their sum as they always were (a posterior's digest, and every draw made
    from it, depends on the very bits of its weights).
    """
    with np.errstate(over="ignore"):  # an overflowing sum is the case handled here
        total = weights.sum()
    if not np.isfinite(total):
        weights = weights / weights.max()
        total = weights.sum()
    return weights / total


def _refuse_stale(manifest: dict, source: str, base=None, inside=None) -> None:
    """A posterior made with another model version, or recording none, is refused.

    The version is read where it was written: ``manifest.json``'s ``versions.model``
    (a calibration's record) and ``median.json``'s ``model_version`` (written with the
    particles by :func:`write_posterior`, so a study's calibrations carry it too). Every
    record present must say this model's version, and one must be present: a folder with
    a ``posterior.csv`` alone cannot say which model its particles belong to. A
    :class:`Posterior` built in memory by its caller is not read from disk and not checked.
    """
    remake = ("calibrate again for this model with coprod calibrate into another --out"
              + (" (the shipped posterior was made with --workers 2 --seed 2015)"
                 if str(source).startswith("shipped") else ", with the options it was made "
                 "with"))
    made = []
    if isinstance(manifest, dict) and "versions" in manifest:
        versions = manifest["versions"]
        if not isinstance(versions, dict) or "model" not in versions:
            raise InputError(f"{source}: manifest.json field 'versions'", str(versions)[:80],
                             f"a mapping with the model version; {remake}",
                             problem="no model version in")
        made.append(model_version_of(manifest, f"{source}: manifest.json"))
    median_file = base.joinpath("median.json") if base is not None else None
    # A folder, FIFO or link in its place is read, and refused there, not passed over.
    if median_file is not None and _named(median_file):
        again = calibrate_again(base)
        recorded = read_own_json(median_file, again, inside=inside)
        _check_medians(recorded, median_file, again)
        if MEDIAN_VERSION_KEY in recorded:
            try:
                made.append(model_version_of(
                    {"versions": {"model": recorded[MEDIAN_VERSION_KEY]}}, str(median_file)))
            except InputError as err:  # named as median.json writes it
                raise InputError(f"{median_file}: field '{MEDIAN_VERSION_KEY}'", err.value,
                                 err.allowed, problem=err.problem) from None
    if not made:
        raise InputError(source, "no model version", "a posterior folder records the model "
                         "version it was made with (manifest.json 'versions', or median.json "
                         f"'{MEDIAN_VERSION_KEY}'); {remake}", problem="unversioned posterior:")
    for version in made:
        if version != MODEL_VERSION:
            raise InputError(source, f"model version {version}", f"this coprod runs model "
                             f"version {MODEL_VERSION}; {remake}", problem="stale posterior:")


def _check_medians(recorded: dict, path: Path, remake: str) -> None:
    """Refuse a ``median.json`` that is not what :func:`write_posterior` writes.

    Each field but the model version is an input's median: a number within its range.
    The medians are for people to read beside ``posterior.csv``; one read as another
    kind of value (text, a list, an unknown input) would say something of no posterior.
    """
    for key, value in recorded.items():
        if key == MEDIAN_VERSION_KEY:
            continue
        spec = PARAMETERS.get(key)
        if spec is None:
            raise InputError(f"{path}: field {key!r}", key, "allowed: the model's "
                             f"inputs and '{MEDIAN_VERSION_KEY}', as coprod calibrate writes "
                             f"them; {again_with(remake)}", problem="unknown field")
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (number and spec.low <= value <= spec.high):
            raise InputError(f"{path}: field '{key}'", value, f"allowed: a number from "
                             f"{spec.low:g} to {spec.high:g} (the input's median); "
                             f"{again_with(remake)}", shown=json.dumps(value))


def _numbers(frame: pd.DataFrame, name: str, csv_file, low: float, high: float,
             allowed: str, *, whole: bool = False) -> pd.Series:
    """Column ``name`` as floats from ``low`` to ``high``; else one line naming the cell.

    ``whole``: whole numbers only (a discrete input's levels).
    """
    raw = frame[name]
    values = pd.to_numeric(raw, errors="coerce")
    bad = ~(np.isfinite(values) & (values >= low) & (values <= high))
    if whole:
        bad |= np.isfinite(values) & (values != np.round(values))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        value = raw.iloc[row]
        raise InputError(f"{csv_file}: line {file_line(csv_file, row)}, column '{name}'",
                         "blank or NaN" if pd.isna(value) else str(value), allowed)
    return values.astype(float)


def calibrated_parameters() -> dict[str, float]:
    """The shipped posterior's median: what "the calibrated model" means.

    Callers that want the calibrated model (command line, scenarios, dashboard) pass
    this to :func:`sim.run` or :class:`sim.CoProductionModel`; ``sim`` never reads it.
    """
    return dict(_shipped_median())


@functools.cache
def _shipped_median() -> dict[str, float]:
    path = _shipped_dir().joinpath("median.json")
    try:
        values = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(str(path), type(err).__name__, "the shipped posterior median is "
                         "unreadable; reinstall coprod or run 'coprod calibrate'",
                         problem="unreadable file") from None
    return {k: float(v) for k, v in values.items()
            if k in PARAMETERS and PARAMETERS[k].kind in ("free", "assumption")}


POSTERIOR_FLOATS = "%.10g"  # posterior.csv's numbers: ten significant digits


def as_written(frame: pd.DataFrame, float_format: str = "%.6g") -> pd.DataFrame:
    """``frame`` as its CSV text holds it (``float_format``), parsed from that text.

    What a writer passes on in memory is then what a reader of its file gets: the same
    text, the same parser, the same numbers.
    """
    import io

    text = frame.to_csv(index=False, float_format=float_format, lineterminator="\n")
    return pd.read_csv(io.StringIO(text))


def write_posterior(directory: Path, particles: pd.DataFrame, weights: np.ndarray, *,
                    inside=None) -> Posterior:
    """Write ``posterior.csv`` (parameters and weight) and ``median.json`` together.

    ``median.json`` holds each input's median and the model version (``model_version``).

    Both are written under temporary names first and then renamed, the two renames with
    interrupts held: a reader never finds a new posterior beside an old median.

    Returns the posterior as written: built from the text of ``posterior.csv``
    (:data:`POSTERIOR_FLOATS`) and checked as :func:`load_posterior` checks it, so that
    it holds the very particles and weights ``load_posterior(directory)`` reads (its
    ``manifest`` is empty: the calibration's is written after it). ``inside``: the
    folder being written (:func:`runtime.locks.locked`), which no file may lead out of.
    """
    directory = Path(directory)
    columns = [c for c in PARAMETERS if c in particles.columns]
    frame = particles[columns].copy()
    frame["weight"] = normalised(np.asarray(weights, dtype=float))
    post = Posterior(frame[columns], frame["weight"].to_numpy(), str(directory))
    # The model version travels with the particles: a study's calibration folder has no
    # manifest.json, and its posterior must still say which model it belongs to.
    median = json.dumps({**{k: round(v, 6) for k, v in post.median().items()},
                         MEDIAN_VERSION_KEY: str(MODEL_VERSION)}, indent=2) + "\n"
    staged = {}
    try:
        staged["posterior.csv"] = atomic_write_frame(
            directory / ".posterior.csv.new", frame, float_format=POSTERIOR_FLOATS,
            inside=inside)
        staged["median.json"] = atomic_write_text(directory / ".median.json.new", median,
                                                  inside=inside)
        with interrupts_deferred():
            for name, path in staged.items():
                os.replace(path, directory / name)
    finally:
        for path in staged.values():
            path.unlink(missing_ok=True)
    written = as_written(frame, POSTERIOR_FLOATS)
    columns, w = _checked_columns(written, directory / "posterior.csv")
    return Posterior(written[columns], w, str(directory))


def _same_file(label: str) -> str:
    """A survey label as a path when it is one (``./x.csv`` and ``x.csv`` agree)."""
    from calibration.waves import SHIPPED

    return label if label in SHIPPED else str(Path(label).resolve())


def posterior_surveys_note(posterior, waves) -> str | None:
    """A note when a posterior was calibrated to other surveys than ``waves``."""
    recorded = posterior.manifest.get("surveys") or [{"label": "wave2015"}]
    if not isinstance(recorded, list):
        recorded = [recorded]
    labels = [str(s.get("label", "?")) if isinstance(s, dict) else "?" for s in recorded]
    mine = [w.label for w in waves.waves]
    if [_same_file(x) for x in labels] == [_same_file(x) for x in mine]:
        return None
    return (f"note: the posterior ({posterior.source}) was calibrated to "
            f"{' + '.join(labels)}, not to {' + '.join(mine)}; calibrate with --data to "
            "use a posterior of your survey")
