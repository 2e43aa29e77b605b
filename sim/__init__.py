"""The co-production agent-based model (Mesa): agents, mechanisms, virtual survey.

Knows nothing of calibration or scenarios. Public entry points: :class:`CoProductionModel`
and :func:`run`.
"""

from sim.model import CoProductionModel
from sim.run import SimulationResult, run

__all__ = ["CoProductionModel", "SimulationResult", "run"]
