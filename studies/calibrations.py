"""What the calibration studies share: seeds, sizes, and calibrations kept in folders.

The studies (leave-one-out, ablation, recovery) each run several calibrations, one per
folder. A folder's calibration is finished when it holds ``posterior.csv`` and
``calibration.json`` (how it was made, written last); ``resume=True`` reuses a
finished one and continues an unfinished one from its ``abc.db``. The record is read
back by :func:`calibration_record`, the one reader of these files: a damaged one is one
line naming the file and the field.
"""

from __future__ import annotations

import math
import os
import shlex
from dataclasses import asdict
from pathlib import Path

import numpy as np

from calibration.abc import (
    DEFAULT,
    QUICK,
    Settings,
    calibrate,
    procedure,
    recorded_settings,
    settings_dict,
)
from calibration.inputs import calibrated_inputs
from runtime.fields import (
    DURATION,
    Fields,
    as_json,
    as_record,
    between,
    duration,
    exactly,
    finite,
    listed,
    optional,
    printable_text,
    whole,
)
from runtime.fields import seed as root_seed
from runtime.files import read_own_json
from runtime.manifests import write_manifest
from runtime.words import AFTER, after_deleting, again_with, shell_word
from sim.errors import InputError, printable

RECORD_FILE = "calibration.json"
DRAWS, QUICK_DRAWS = 200, 30  # posterior predictive draws of a study, full and quick


def study_seed(seed: int, index: int) -> int:
    """The seed of the ``index``-th calibration of a study with root ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def study_sizes(quick: bool, settings: Settings | None, draws: int | None
                ) -> tuple[Settings, int]:
    """A study's calibration settings and predictive draws: given, or quick, or shipped."""
    return (settings or (QUICK if quick else DEFAULT),
            draws or (QUICK_DRAWS if quick else DRAWS))


def resume_command(study: str, out: Path, *, quick: bool = False, seed: int | None = None,
                   options: tuple[str, ...] = ()) -> str:
    """The command that goes on with a study as it was begun, for remedies to copy.

    ``study``: the subcommand and its flag (``"validate --leave-one-out"``); ``options``:
    what else decides what the study makes (an ablation's mechanisms, a recovery's
    truths). Without them a remedy resumed another study: refused for its settings or
    seed, or, without ``--mechanism``, an ablation of one mechanism grown to all seven.
    Without ``seed`` (a library caller that did not say how the study was begun), the
    command names the folder alone. Each word is quoted as the shell needs it
    (:func:`runtime.words.shell_word`).
    """
    begun = [] if seed is None else ["--seed", str(seed)]
    words = ["coprod", *study.split(), *(["--quick"] if quick else []), *begun, *options,
             "--resume", "--out"]
    return f"{shlex.join(words)} {shell_word(out)}"


def finished(directory: Path) -> bool:
    """Whether ``directory`` holds a finished calibration (posterior and its record)."""
    directory = Path(directory)
    return (directory / "posterior.csv").is_file() and (directory / RECORD_FILE).is_file()


def calibrate_or_reuse(directory: Path, *, resume: bool, remake: str,
                       record: dict | None = None, inside=None, **kwargs) -> dict:
    """Calibrate into ``directory``, or reuse the finished calibration there; its record.

    With ``resume``, a finished calibration is reused (its record read back, with
    ``"reused": True``) once its seed, settings and ``record`` are those asked for, and
    an unfinished one is continued from its ``abc.db``. Without it, a finished
    calibration there is refused, never replaced: it may be an hour of work, kept
    without its ``abc.db`` (``study_parts/``). A new calibration's record
    (:func:`calibration.abc.settings_dict` plus ``record``) is written to
    ``calibration.json`` last. ``remake``: the command that makes the folder again, for
    messages; ``inside``: the folder being written (:func:`runtime.locks.locked`).
    """
    directory = Path(directory)
    if inside is not None:  # --out replaced while earlier calibrations ran: one line
        inside = inside.inner(directory)  # and this folder, from now on
    # A history that cannot be resumed (its record of what began it damaged): this
    # calibration alone begins again, the study's others kept.
    begin_again = after_deleting(remake, directory, "its calibration begins again")
    if finished(directory):
        if not resume:
            raise InputError("out", str(directory), "--resume to reuse it (and the "
                             "study's other finished calibrations), or another --out to "
                             "start again", problem="refusing to replace the finished "
                             "calibration in")
        return _reusable(directory, remake, record, kwargs, inside)
    if resume and (directory / "abc.db").is_file() and os.path.lexists(directory / RECORD_FILE):
        # Finished (its record written last), its posterior lost: written again from the
        # history, nothing sampled (resumed, pyabc would sample another generation), and
        # the record kept as the run made it.
        kept = _reusable(directory, remake, record, kwargs, inside)
        _same_generations(directory, kept, remake)
        calibrate(directory, resume=True, sample=False, progress=False, inside=inside,
                  remake=begin_again, **kwargs)
        return kept
    again = resume and (directory / "abc.db").is_file()
    result = calibrate(directory, resume=again, progress=False, inside=inside,
                       remake=begin_again, **kwargs)
    made = {**settings_dict(result), **(record or {})}
    if "seed" in kwargs:
        made["seed"] = kwargs["seed"]
    if inside is not None:
        inside.check_same()
    write_manifest(directory / RECORD_FILE, made, inside=inside)  # a NaN is null
    return made


# What a study's design adds to its calibrations' records, in a refusal's words.
_DESIGN = {"activities_used": "activities used", "fixed": "fixed inputs' values"}


def _reusable(directory: Path, remake: str, record: dict | None, asked: dict,
              inside) -> dict:
    """The finished calibration's record, refused unless it was made as ``asked``.

    A study resumed with another --seed, other settings (``--quick`` against the
    shipped ones) or for another design (``record``: the left-out activity's inputs, an
    ablation's fixed values), or after the model changed (``MODEL_VERSION``), must not
    take calibrations of the old one as its own: the study's manifest would misstate how
    they were made. A record that does not say one of them (its seed, how it was
    sampled and of which model version, which inputs) cannot be checked, and is refused
    as well.
    """
    kept = calibration_record(directory, remake, inside=inside)
    wanted = {}
    # The design first: folders swapped between designs (leave one out's folds) differ
    # in their seeds too, since each design's seed derives from --seed; the design is
    # what to name.
    for key, value in (record or {}).items():
        if key != "seed":
            wanted[key] = (_DESIGN.get(key, key.replace("_", " ")), value)
    if "seed" in asked or "seed" in (record or {}):
        wanted["seed"] = ("seed (derived from --seed)",  # a study gives each its own
                          asked.get("seed", (record or {}).get("seed")))
    if asked.get("settings") is not None:
        wanted["settings"] = ("settings (--quick or the shipped ones)",
                              asdict(asked["settings"]))
    for key, value in procedure().items():  # how it sampled: kernel, floor, weeks, model
        wanted[key] = (key.replace("_", " "), value)

    def not_this_studys(key: str, words: str, allowed: str) -> InputError:
        return InputError(f"{directory / RECORD_FILE}: field '{key}'", kept[key],
                          f"allowed: {allowed}; resume with the --seed and --quick the "
                          "study was begun with, put back folders renamed or swapped, or "
                          "choose another --out to start a study of these",
                          problem="a calibration not made with this study's "
                          f"{words.split(' (')[0]}:", shown=as_json(kept[key]))

    # A design this study does not have is not its own either: a leave-one-out fold's
    # or an ablation's calibration in a recovery's folder was reused as its truth's.
    for key, words in _DESIGN.items():
        if key in kept and key not in (record or {}):
            raise not_this_studys(key, words, f"no such field: this study's calibrations "
                                  f"record no {words.split(' (')[0]}")
    for key, (words, value) in wanted.items():
        if key not in kept:
            raise _unchecked(directory, key, words)
        value = as_record(value)
        if not exactly(value)(kept[key]):  # kinds too: false is not 0, 0 is not 0.0
            if isinstance(value, dict) and isinstance(kept[key], dict):
                # Shown in the record's order, so that the two read side by side.
                value = {**{k: value[k] for k in kept[key] if k in value}, **value}
            raise not_this_studys(key, words, f"{as_json(value)[:200]}, the {words} this "
                                  "study is resumed with")
    # After the design: a folder of another design (fixed inputs) is named by it first.
    _same_inputs(kept, asked.get("fixed") or {}, directory)
    return kept


def _same_generations(directory: Path, kept: dict, remake: str) -> None:
    """Refuse to write a posterior again from a history of other generations than its record.

    The record counts the generations of the run it finished; a history that holds
    more was continued since (its posterior would not be the record's).
    """
    from calibration.history import whole_generations

    held = whole_generations(directory / "abc.db")  # (0: unreadable, refused as resumed)
    if held and held != kept["populations"]:
        again = after_deleting(remake, directory / RECORD_FILE,
                               "--resume then goes on from abc.db")
        raise InputError(str(directory / "abc.db"), f"{held} generations", f"the "
                         f"{kept['populations']} its {RECORD_FILE} records; "
                         f"{again_with(again)}", problem="a history its record does not "
                         "describe:")


def _unchecked(directory: Path, key: str, words: str) -> InputError:
    """The one line for a kept record that does not say what a resume must check."""
    return InputError(str(directory / RECORD_FILE), key, f"the {words} it was made with, "
                      "as coprod records them; without, whether it was made as this study "
                      "asks cannot be checked: choose another --out to start a study",
                      problem="a calibration record without the field")


def _same_inputs(kept: dict, fixed: dict, directory: Path) -> None:
    """Refuse a kept calibration whose inputs are not this model's (less those ``fixed``).

    The inputs ABC-SMC sampled and those drawn from their priors are together every
    calibrated input, each once (which of the two an input is, the screening decided).
    """
    for key in ("abc_inputs", "prior_inputs"):
        if key not in kept:
            raise _unchecked(directory, key, "inputs sampled and drawn from their priors")
    world = {n for n in calibrated_inputs() if n not in fixed}
    sampled, drawn = set(kept.get("abc_inputs", ())), set(kept.get("prior_inputs", ()))
    if sampled | drawn != world or sampled & drawn:
        odd = sorted((sampled | drawn) ^ world) or sorted(sampled & drawn)
        raise InputError("resume", str(directory), "every calibrated input of this model, "
                         f"sampled or drawn from its prior, once (here: "
                         f"{printable(', '.join(odd))[:200]}); choose another --out to "
                         "start a study of this model", problem="a calibration of other "
                         "inputs in")


def calibration_record(directory: Path, remake: str, *, inside=None) -> dict:
    """Read ``calibration.json`` back, checked; a damaged one is one line naming the field.

    ``remake``: the command that makes it again. With the folder's ``abc.db``, deleting
    the record and ``posterior.csv`` lets ``--resume`` go on from the history (what
    ended the run is not known without its record: pyabc samples another generation);
    without (a calibration kept in ``study_parts/``), the folder is restored from where
    it was kept.
    Only the fields a calibration writes are returned (``"reused": True`` added).
    """
    directory = Path(directory)
    path = directory / RECORD_FILE
    if (directory / "abc.db").is_file():
        again = (f"{remake}{AFTER}deleting {shell_word(path)} and "
                 f"{shell_word(directory / 'posterior.csv')} (--resume then goes on "
                 "sampling from abc.db where the run's limits allow)")
    else:
        again = (f"{remake}{AFTER}restoring {shell_word(directory)} from where it was "
                 "kept (e.g. study_parts/), or deleting it (--resume then calibrates it "
                 "again)")
    record = read_own_json(path, again, inside=inside)
    fields = Fields(record, path, again)
    kept = generation_fields(fields)
    for name, fits, allowed in _RECORDED:
        if name in record:
            value = fields(name, fits, allowed)
            kept[name] = list(value) if isinstance(value, tuple) else value
    return {**{key: kept[key] for key in record if key in kept}, "reused": True}


def generation_fields(fields: Fields) -> dict:
    """A finished ABC run's generations, as a calibration or a model selection records them.

    ``epsilons`` (one tolerance >= 0 per generation), ``simulations`` and
    ``populations`` (whole numbers), checked through ``fields`` (one line on a bad one).
    """
    kept = {"epsilons": list(fields("epsilons", listed(between(0, math.inf), least=1),
                                    "a non-empty list of numbers >= 0"))}
    for name in ("simulations", "populations"):
        kept[name] = fields(name, whole(0, 2**53), "a whole number from 0 to 2**53")
    if kept["populations"] != len(kept["epsilons"]):  # one tolerance per generation
        raise fields.refuse("populations", kept["populations"], f"the number of "
                            f"generations its epsilons record ({len(kept['epsilons'])})")
    return kept


def _unrecorded_or(fits):
    """``fits``, or a figure not recorded: null (written now) or NaN (written before)."""
    return lambda v: optional(fits)(v) or (isinstance(v, float) and math.isnan(v))


def _plain(value, depth: int = 0) -> bool:
    """JSON of a study's own record: printable strings, finite numbers, lists, dicts."""
    if depth > 4:
        return False
    if value is None or isinstance(value, bool) or finite(value):
        return True
    if isinstance(value, str):
        return printable_text(value) and len(value) <= 1000
    if isinstance(value, list):
        return len(value) <= 200 and all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= 200 and all(printable_text(k) and _plain(v, depth + 1)
                                         for k, v in value.items())
    return False


# The other fields a calibration's record holds (settings_dict, the seed, and what the
# studies add: the inputs a left-out activity's calibration used, an ablation's fixed
# values), each checked when present; anything else in the file is not carried on.
_RECORDED = (
    ("wall_time_s", duration, DURATION),
    ("sampling_s", duration, DURATION),
    ("simulations_given_up", whole(0, 2**53), "a whole number from 0 to 2**53"),
    ("settings", recorded_settings, "the calibration's settings (population_size, "
     "max_populations, max_simulations, max_walltime_s, min_epsilon)"),
    ("run_id", whole(0), "a whole number >= 0"),
    ("effective_sample_size", _unrecorded_or(lambda v: finite(v) and v >= 0),
     "a number >= 0 or null"),
    ("noise_level", _unrecorded_or(lambda v: finite(v) and v > 0), "a number > 0 or null"),
    ("abc_inputs", listed(printable_text), "a list of input names"),
    ("prior_inputs", listed(printable_text), "a list of input names"),
    ("surveys", listed(_plain), "the surveys' records (labels, sources, levers)"),
    ("kernel_scaling", finite, "a number"),
    ("min_acceptance_rate", finite, "a number"),
    ("weeks_per_simulation", whole(0), "a whole number >= 0"),
    ("model_version", whole(1), "a whole number >= 1"),
    ("seed", root_seed, "a whole number from 0 to 2**63-1"),
    ("activities_used", listed(printable_text), "a list of activity ids"),
    ("fixed", _plain, "the fixed inputs' names and values"),
)
