"""coprod: the pipeline as Python, and the ``coprod`` command line over it.

Each stage is one function returning a typed result (:mod:`coprod.pipeline`)::

    import coprod

    study = coprod.survey(reps=2000, rng=1)          # Table 2's intervals, claims, answer
    check = coprod.fit(draws=50, rng=1)              # the shipped posterior against it
    runs = coprod.run(["baseline", "trust_forums"], draws=2, assumption_draws=2,
                      replicates=1, out="out/mine", rng=1)
    comparison = coprod.compare("out/mine", rng=1)   # paired effects and attribution
    coprod.report("out/mine")                        # needs survey/ and fit/ there too
    one = coprod.simulate(steps=52, rng=1)           # one run of the calibrated model

The functions load on first use, so that ``coprod --help`` does not load the model.
"""

from __future__ import annotations

STAGES = ("survey", "calibrate", "fit", "run", "compare", "discover", "design", "report",
          "simulate", "sensitivity", "recovery", "validate", "ablate", "sbc")
__all__ = list(STAGES)


def __getattr__(name: str):
    """The stage ``name`` of :mod:`coprod.pipeline`, imported when first asked for."""
    if name in STAGES:
        from coprod import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'coprod' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *STAGES])
