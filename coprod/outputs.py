"""A set of output files that belong together, replaced together or not at all.

Every command that writes several files (``fit``, ``survey``, ``simulate``, ``design``,
``sensitivity``, ``discover``, ``report``, ``compare``, ``validate``, ``ablate``, the fit
of ``calibrate``) writes
them under their own names in a hidden staging folder inside the output folder, and
renames them into place only when every file is written (with Ctrl-C held off for the
renames; ``manifest.json``, which vouches for the others, goes first and comes last).
An error or Ctrl-C before that leaves the earlier set whole; members of the earlier set
the new one lacks are removed, so that no file of an older set stands beside a newer
one. :data:`WRITTEN` records the sets replaced by the running command, so that an
interrupt afterwards (while it prints) says truthfully that they were written.
"""

from __future__ import annotations

# The helper itself lives in sim.io (the runtime layer), so that library callers below
# the application (scenarios.ensemble) stage their sets the same way.
from sim.io import FIRST_GONE_LAST_IN, STAGE_PREFIX, WRITTEN, replaced_together

__all__ = ["FIRST_GONE_LAST_IN", "STAGE_PREFIX", "WRITTEN", "interrupted_message",
           "replaced_together"]


def interrupted_message(default: str) -> str:
    """What an interrupt kept: ``default`` unless a set was already written whole."""
    if not WRITTEN:
        return default
    return ("its results were written whole before it stopped (" + "; ".join(WRITTEN)
            + "); nothing else was changed")
