"""Random streams by purpose: one root seed, one independent generator per named use.

A run's randomness comes from one root (the ``rng`` the caller gives). Every purpose —
building the population, the units' baselines, the weekly draws, each lever's switch,
each virtual survey — draws from its own generator, derived from the root by the
purpose's *name* (the name's digest is appended to the root's spawn key, as
:meth:`numpy.random.SeedSequence.spawn` does with counters). So a new lever or mechanism
that draws numbers of its own does not shift the numbers any other part draws, and the
same root gives the same streams in every process, whatever the order of use.
"""

from __future__ import annotations

import hashlib

import numpy as np


def root_sequence(rng) -> np.random.SeedSequence:
    """The root of a run's streams from an int, SeedSequence, Generator or None.

    A Generator gives its root by drawing one 128-bit entropy value from it (the caller's
    generator moves on, as it would for any draw); None takes fresh entropy.
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int.from_bytes(rng.bytes(16), "little"))
    return np.random.SeedSequence(rng)


def _name_key(name: str) -> int:
    """A stable 64-bit number for a purpose's name (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


class Streams:
    """Named, independent generators derived from one root seed.

    ``streams["weekly"]`` is the generator for that purpose: the same object each time
    it is asked for within a run, so a purpose's draws follow one another as from one
    generator. ``streams.child("population")`` is a new family of streams below a name,
    for a part that has purposes of its own.
    """

    def __init__(self, rng=None):
        self.root = root_sequence(rng)
        self._made: dict[str, np.random.Generator] = {}

    def sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence of purpose ``name``."""
        return np.random.SeedSequence(self.root.entropy,
                                      spawn_key=(*self.root.spawn_key, _name_key(name)),
                                      pool_size=self.root.pool_size)

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._made:
            self._made[name] = np.random.default_rng(self.sequence(name))
        return self._made[name]

    def child(self, name: str) -> Streams:
        """The streams of a part named ``name`` (independent of every other purpose)."""
        return Streams(self.sequence(name))
