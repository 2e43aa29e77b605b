"""The co-production agent-based model (Mesa): agents, mechanisms, virtual survey.

Knows nothing of calibration or scenarios. Public entry points: :class:`World` (the
headless world), :class:`CoProductionModel` (it in Mesa), :func:`run` and
:class:`Configuration`. The model's exports load on first use, so that
the light modules of the package (``sim.errors``, ``sim.parameters``) load
without Mesa and the compiled kernels: the command line answers ``--help`` and bad input
at once.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"World": "sim.world", "CoProductionModel": "sim.model",
            "SimulationResult": "sim.runner", "run": "sim.runner",
            "Configuration": "sim.config"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value
