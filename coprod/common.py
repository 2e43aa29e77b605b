"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import re

DEFAULT_SEED = 20150
# Numbers as people write them: no '_' separators (Python would read '1_0' as 10), no
# 'nan' or 'inf'. A whole number is digits with an optional sign.
_WHOLE = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def whole_number(text: str) -> int:
    """``text`` as an int, or ValueError (also for '1_0', ' 1', '1.0')."""
    if not _WHOLE.fullmatch(text):
        raise ValueError(text)
    return int(text)


def parse_number(text: str) -> float:
    """``text`` as a float, or ValueError (also for '1_0', 'nan', 'inf')."""
    if not _NUMBER.fullmatch(text.strip()):
        raise ValueError(text)
    return float(text)


def add_seed(parser) -> None:
    """Add ``--seed S`` (a non-negative integer; the one source of randomness)."""
    parser.add_argument("--seed", type=_seed_type, default=DEFAULT_SEED,
                        help=f"root random seed (default {DEFAULT_SEED}; a whole number "
                        f">= 0, at most {MAX_SEED})")


MAX_SEED = 2**63 - 1



def seed_value(seed: int) -> int:
    """Validate a seed from the command line."""
    from sim.errors import InputError

    if seed < 0:
        raise InputError("--seed", seed, "allowed: a whole number >= 0")
    return seed


def examples(*lines: str) -> str:
    """An 'Examples:' epilog for a sub-command's help."""
    return "Examples:\n" + "\n".join(f"  {line}" for line in lines)


def parse_assignments(items: list[str], *, where: str) -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings into a validated parameter dict (only those given)."""
    from sim.errors import InputError
    from sim.parameters import validate

    values: dict[str, float] = {}
    given: dict[str, str] = {}  # as written, to name both values of a repeated name
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise InputError(where, item, "expected NAME=VALUE, e.g. policy_share=1")
        if name.strip() in given:  # the last would silently win
            raise InputError(f"{where} {name.strip()}", raw, f"allowed: each name once (it "
                             f"was given {given[name.strip()]!r} before)", problem="repeated:")
        given[name.strip()] = raw
        try:
            values[name.strip()] = parse_number(raw)
        except ValueError:
            raise InputError(f"{where} {name.strip()}", raw, "allowed: a number") from None
    validate(values, where=where)
    return values


def bounded(lo: int, hi: int):
    """An argparse type: a whole number from ``lo`` to ``hi`` (the limit is in the refusal).

    The refusal becomes argparse's one-line error with exit code 2.
    """
    import argparse

    def parse(text: str) -> int:
        try:
            value = whole_number(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}; allowed: a whole "
                                             f"number from {lo} to {hi}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"invalid value {value}; allowed: {lo} to {hi}")
        return value

    return parse


def add_workers(parser, *, scheduler: bool = True) -> None:
    """Add ``--workers N`` (1 to MAX_WORKERS) and ``--scheduler ADDR``."""
    from runtime.pool import MAX_WORKERS

    parser.add_argument("--workers", type=bounded(1, MAX_WORKERS), default=1,
                        help=f"local worker processes (default 1, at most {MAX_WORKERS})")
    if not scheduler:
        return
    parser.add_argument("--scheduler", default=None, metavar="ADDR",
                        help="address of a Dask scheduler, e.g. tcp://127.0.0.1:8786 (an "
                        "address where no scheduler answers within 10 s is refused)")


def out_dir(given, default):
    """The output folder, checked before any work: ``default`` when not given.

    Missing folders, parents included, are made when the command writes (links and
    files in the way are refused: :func:`runtime.files.check_out_dir`).
    """
    from runtime.files import check_out_dir

    return check_out_dir(default if given is None else given)


def add_study_options(parser) -> None:
    """Add what every calibration study takes: --quick, --seed, --workers and --resume."""
    parser.add_argument("--quick", action="store_true", help="small calibrations and 30 "
                        "predictive draws, to check the pipeline; not a result")
    add_seed(parser)
    add_workers(parser)
    parser.add_argument("--resume", action="store_true", help="reuse the finished "
                        "calibrations in --out and continue an interrupted one")


def study_out(args, default):
    """A study's --out, checked; --resume needs the folder an earlier run wrote."""
    from sim.errors import InputError

    path = out_dir(args.out, default)
    if args.resume and not path.is_dir():
        raise InputError("--resume", str(path), "nothing to resume there: run without "
                         "--resume first", problem="missing study")
    return path


def once():
    """An argparse action for an option given at most once (a second one is refused).

    Without it the last of ``--data A --data B`` wins silently.
    """
    import argparse

    class Once(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            if getattr(namespace, self.dest, None) is not None:
                parser.error(f"{option_string} given twice ({getattr(namespace, self.dest)!r}"
                             f" and {values!r}); this command reads one")
            setattr(namespace, self.dest, values)

    return Once


# The seed is a bounded whole number like any other (defined after bounded()).
_seed_type = bounded(0, MAX_SEED)


def add_data(parser, what: str, *, default: str = "the default") -> None:
    """``--data``: the survey(s) a command works with (repeat it for several waves).

    ``default`` says what the command does without it (the paper's Table 2 unless told).
    """
    parser.add_argument(
        "--data", action="append", metavar="FILE", default=None,
        help=f"{what}: 'wave2015' (the paper's Table 2, {default}), "
        "'wave2025-synthetic' (the shipped SYNTHETIC second wave), a survey CSV "
        "(aggregate or unit-level, as 'coprod survey --data' reads) or a wave TOML "
        "(year, data, [levers]); repeat for several waves")


def load_waves(args):
    """The surveys ``--data`` names (:class:`calibration.waves.Waves`); print them."""
    from calibration.waves import Waves

    waves = Waves.load(getattr(args, "data", None))
    if getattr(args, "data", None):
        print(f"Survey: {waves.describe()}", flush=True)
        for wave in waves.waves:
            # The first notes (what the file is, its frame) and every answer left out.
            for note in [*wave.notes[:2], *(n for n in wave.notes[2:] if " not used: " in n)]:
                print(f"  {wave.label}: {note}", flush=True)
    return waves


def existing_folder(path, where: str, needed: str):
    """``path`` when it is an existing folder; else one line saying what stands there.

    ``needed`` names the folder wanted ("the directory 'coprod run' wrote"). A file (or
    FIFO) where a folder is needed, or in the way of one, is named as such, not as a
    missing folder.
    """
    from pathlib import Path

    from sim.errors import InputError

    if isinstance(path, str) and not path.strip():  # Path("") would be the current folder
        raise InputError(where, "", f"allowed: {needed}; an empty value names none",
                         problem="empty value")
    path = Path(path)
    if path.is_dir():
        return path
    if path.exists() or path.is_symlink():
        kind = "a file" if path.is_file() else (
            "a link to nowhere" if not path.exists() else "a FIFO or other special file")
        raise InputError(where, str(path), f"allowed: {needed} (this is {kind})",
                         problem="not a directory:")
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(where, str(path), f"allowed: {needed} ({blocking} is a file)",
                         problem="not a directory:")
    raise InputError(where, str(path), f"allowed: {needed}", problem="no such directory")


# The options that name a file or folder, and what each needs: an empty value names
# none (and Path('') would be the current folder, '.').
PATH_OPTIONS = {"data": ("--data", "a survey file (CSV or wave TOML) or a shipped wave's "
                         "name (wave2015, wave2025-synthetic)"),
                "municipality": ("--municipality", "the path of a municipality file (TOML)"),
                "posterior": ("--posterior", "the folder 'coprod calibrate' wrote, or "
                              "'shipped'"),
                "scenarios": ("SCENARIO_OR_FILE", "a shipped scenario's name or a scenario "
                              "file (TOML)"),
                "scenario": ("SCENARIO", "a scenario folder in --out")}


def refuse_empty_paths(args) -> None:
    """Refuse an option naming a file or folder given as an empty string, in one line."""
    from sim.errors import InputError

    for dest, (flag, needed) in PATH_OPTIONS.items():
        value = getattr(args, dest, None)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not v.strip() for v in values):
            raise InputError(flag, "", f"allowed: {needed}; an empty value names none",
                             problem="empty value")
