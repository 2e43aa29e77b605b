"""The design study as one result: the reference worlds, the expected widths, the sentences.

:func:`study_design` runs :func:`studies.design.run_design` (worlds kept in a
:class:`studies.design.WorldStore` as each finishes, so that an interrupted study
resumes) and returns a :class:`DesignStudy`; :meth:`DesignStudy.write` puts its set
(:data:`DESIGN_OUTPUTS`) in a folder and :meth:`DesignStudy.read` takes it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from runtime.fields import text, whole
from runtime.files import writes
from runtime.manifests import Manifest
from runtime.words import again_with
from studies.shipped import ShippedStudy

DESIGN_OUTPUTS = ("design.csv", "reference.csv", "design.png", "manifest.json")  # one set
MADE_BY = "coprod design --out DIR"
SHIPPED_MANIFEST = "design_manifest.json"  # its record's name as shipped
# design.csv's columns of numbers (its others: names, units and notes).
NUMERIC = ("width_prior", "width_now", "expected_width", "ratio", "ratio_low", "ratio_high",
           "width_low", "width_high", "truths", "worlds")
MAX_WORLDS = 1_000_000  # reference worlds of a design study (the full one: 4,000)


@dataclass(frozen=True, eq=False)
class DesignStudy(ShippedStudy):
    """What candidate surveys would narrow, and the worlds it was estimated on.

    ``design``: ``design.csv``; ``reference``: ``reference.csv`` (None as shipped:
    :meth:`read_shipped`); ``manifest``: how.
    """

    shipped_record: ClassVar[str] = SHIPPED_MANIFEST

    design: pd.DataFrame
    reference: pd.DataFrame | None
    manifest: Manifest = field(compare=False)

    def sentences(self) -> list[str]:
        """One sentence per policy and design (:func:`studies.design.sentences`)."""
        from studies.design import sentences

        return sentences(self.design)

    @writes
    def write(self, folder: Path) -> list[str]:
        """Write the set into ``folder``; the names written."""
        from runtime.files import atomic_write_frame
        from studies.design import plot_design

        atomic_write_frame(folder / "reference.csv", self.reference, float_format="%.8g")
        plot_design(self.design, folder / "design.png")
        atomic_write_frame(folder / "design.csv", self.design)
        self.manifest.write(folder / "manifest.json")
        return list(DESIGN_OUTPUTS)

    @classmethod
    def _read(cls, folder: Path, record: str) -> DesignStudy:
        from runtime.files import check_rows, read_own_csv
        from studies.design import WRITTEN_COLUMNS

        manifest = Manifest.read(folder / record, MADE_BY, stages=("design",))
        worlds = manifest.field("worlds", whole(1, MAX_WORLDS), "a whole number of "
                                f"worlds from 1 to {MAX_WORLDS:,}")
        designs = manifest.field("designs", lambda v: isinstance(v, dict) and v and all(
            text(k) and text(d) for k, d in v.items()), "a mapping of each design's name "
            "to its description")
        design = read_own_csv(folder / "design.csv", MADE_BY, columns=WRITTEN_COLUMNS,
                              numeric=NUMERIC)
        # Every design, every target: a row cut at a line break leaves one target short.
        targets = design["target"].nunique()
        check_rows(design, folder / "design.csv", len(designs) * targets,
                   again_with(MADE_BY),
                   whose=f"{len(designs)} designs x {targets} targets")
        # The shipped study leaves its reference worlds out (their file is large).
        reference = None if record == SHIPPED_MANIFEST else read_own_csv(
            folder / "reference.csv", MADE_BY, rows=worlds)
        return cls(design, reference, manifest)


def study_design(out: Path, *, quick: bool, rng: int, workers: int = 1,
                 scheduler: str | None = None, resume: bool = False,
                 command: str = "coprod.design()",
                 say: Callable[[str], None] = lambda line: None,
                 inside=None) -> DesignStudy:
    """Run the design study with its worlds kept in ``out`` (``resume``: reuse them).

    ``quick``: 600 worlds and the local volunteer policy; else 4,000 worlds and every
    shipped policy. ``say`` receives what is about to run and what is reused. The
    caller holds ``out``'s lock: ``inside`` is the folder :func:`runtime.locks.locked`
    yields.
    """
    from scenarios.spec import load_scenario, shipped_names
    from studies.design import (
        DESIGNS,
        FULL,
        QUICK,
        QUICK_POLICIES,
        WORLDS_STORE,
        WorldStore,
        run_design,
        study_identity,
    )

    study = QUICK if quick else FULL
    names = QUICK_POLICIES if quick else [n for n in shipped_names() if n != "baseline"]
    policies = {n: load_scenario(n).overrides for n in names}
    say(f"Design study: {study.worlds:,} worlds from the shipped posterior, {len(policies)} "
        f"polic{'y' if len(policies) == 1 else 'ies'}, {workers} worker(s)"
        + (f" on Dask at {scheduler}" if scheduler else "") + f", seed {rng}")
    store = WorldStore(out / WORLDS_STORE, study_identity(study, policies, rng),
                       resume=resume, inside=inside)
    reused = store.count()
    if reused:
        say(f"Reusing {reused:,} finished worlds of {study.worlds:,} "
            f"({out / WORLDS_STORE})")
    try:
        table, frame, elapsed = run_design(study, policies, rng=rng, workers=workers,
                                           scheduler=scheduler, store=store)
    except KeyboardInterrupt as stop:
        stop.kept = (f"{store.count():,} of {study.worlds:,} worlds are kept in "
                     f"{out / WORLDS_STORE}; 'coprod design --resume' with the "
                     "same options computes only the rest; the earlier design files "
                     "are unchanged")
        raise
    finally:
        store.close()
    return DesignStudy(frame, table, Manifest.of(
        command=command, seed=rng, quick=quick, workers=workers, scheduler=scheduler,
        worlds=study.worlds, truths=study.truths, neighbours=study.neighbours,
        designs=DESIGNS, policies={k: dict(v) for k, v in policies.items()},
        reproducible=True, elapsed_s=round(elapsed, 1), worlds_reused=reused))
