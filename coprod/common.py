"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

DEFAULT_SEED = 20150


def add_seed(parser) -> None:
    """Add ``--seed S`` (a non-negative integer; the one source of randomness)."""
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"root random seed (default {DEFAULT_SEED})")


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
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise InputError(where, item, "expected NAME=VALUE, e.g. policy_share=1")
        try:
            values[name.strip()] = float(raw)
        except ValueError:
            raise InputError(f"{where} {name.strip()}", raw, "allowed: a number") from None
    validate(values, where=where)
    return values


def add_workers(parser) -> None:
    """Add ``--workers N`` and ``--scheduler ADDR``."""
    parser.add_argument("--workers", type=int, default=1,
                        help="local worker processes (default 1)")
    parser.add_argument("--scheduler", default=None, metavar="ADDR",
                        help="address of a Dask scheduler, e.g. tcp://127.0.0.1:8786")
