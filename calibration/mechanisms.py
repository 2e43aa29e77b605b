"""The mechanisms an ablation switches off (light to import: no pyabc).

Each is the strength of one term of the coordination utilities (logit scale) or of the
cost of joint work, so 0 removes it:

* the free parameters but ``activity_rate`` (which sets how many activities there are,
  not who coordinates them): calibrated; off, the other free parameters are calibrated
  without it;
* two assumptions behind the paper's reading of why co-production is hard: trust
  (``trust_weight``) and clashing institutional logics (``logic_distance``). The
  calibration holds them at their documented values; off, the model is calibrated with
  the term gone, which asks whether the survey can tell that they matter.
"""

from __future__ import annotations

from sim.parameters import FREE

FREE_MECHANISMS: tuple[str, ...] = tuple(n for n in FREE if n != "activity_rate")
ASSUMED_MECHANISMS: tuple[str, ...] = ("trust_weight", "logic_distance")
MECHANISMS: tuple[str, ...] = FREE_MECHANISMS + ASSUMED_MECHANISMS
OFF = 0.0  # every mechanism is a strength: 0 removes it
