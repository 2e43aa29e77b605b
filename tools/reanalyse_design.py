"""Analyse a finished design study's worlds again, after a change of its analysis only.

A design study's 4,000 worlds take hours of both cores; its analysis
(:func:`studies.design.analyse`) a minute. ``coprod design --resume`` rightly refuses a
store made by other code (any layer's source is in its identity), so a change to the
analysis alone would cost every world again. This tool re-analyses the worlds stored in
``--out`` (``worlds.sqlite``) and writes the study's set there again, once it has shown
that the stored worlds are what this code makes: it recomputes ``--check`` of them, drawn
at random, with this code and refuses unless every summary and effect is the same float.
Everything else is as ``coprod design`` with the manifest's ``--seed`` and size would do:
the same posterior draws, seeds and policies (refused if the store's differ), the same
analysis seed. The manifest keeps the study's command (which remakes it from scratch)
and adds ``reanalysis``: the code the worlds were made with, the worlds checked, the date.

    python tools/reanalyse_design.py --out calibration/data/validation/… (a study's folder)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np


class _CheckedStore:
    """The stored worlds, minus those to recompute; what is recomputed is kept aside."""

    def __init__(self, worlds: dict[int, dict], check: list[int]):
        self.stored, self.check = worlds, set(check)
        self.recomputed: dict[int, dict] = {}

    def finished(self) -> dict[int, dict]:
        return {k: v for k, v in self.stored.items() if k not in self.check}

    def add(self, world: int, summary: dict) -> None:
        self.recomputed[world] = summary


def _stored(path: Path, worlds: int) -> tuple[dict, dict[int, dict]]:
    """The store's identity and worlds, refused (SystemExit, one line) unless whole.

    Every world 0 … ``worlds`` − 1 once, each a JSON record of finite numbers; the store
    a regular file (a FIFO would block the opening).
    """
    import stat

    from runtime.fields import finite

    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            sys.exit(f"{path}: not a regular file (a link, a folder or a pipe): remake the "
                     "study")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
            rows = db.execute("SELECT world, summary FROM worlds").fetchall()
        ident = json.loads(row[0]) if row else None
        stored = {w: json.loads(s) for w, s in rows}
    except (OSError, sqlite3.Error, TypeError, ValueError) as err:
        sys.exit(f"{path}: unreadable design store ({str(err)[:120]}): remake the study")
    if not isinstance(ident, dict):
        sys.exit(f"{path}: no identity record of a design study: remake the study")
    if sorted(k for k in stored if type(k) is int) != list(range(worlds)) or len(stored) \
            != worlds:
        sys.exit(f"{path}: the worlds stored are not exactly 0 to {worlds - 1}: remake it")
    keys = None
    for world, record in stored.items():
        if not (isinstance(record, dict) and record and all(map(finite, record.values()))):
            sys.exit(f"{path}: world {world} is not a record of finite numbers: remake it")
        if keys is None:
            keys = set(record)
        elif set(record) != keys:
            sys.exit(f"{path}: world {world} has other summaries than world 0: remake it")
    return ident, stored


def main(argv: list[str] | None = None) -> int:
    """Re-analyse the design study in ``--out`` (one line and exit 2 on bad input)."""
    from sim.errors import CoprodError

    try:
        return _main(argv)
    except CoprodError as err:
        print(f"reanalyse_design: error: {err}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    from runtime.fields import whole
    from runtime.files import replaced_together
    from runtime.locks import locked
    from runtime.manifests import Manifest, code_version
    from scenarios.spec import load_scenario, shipped_names
    from studies.design import FULL, QUICK, WORLDS_STORE, analyse, reference_table, study_identity
    from studies.design_result import DESIGN_OUTPUTS, MADE_BY, DesignStudy

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="a finished design study")
    parser.add_argument("--check", type=int, default=8, help="worlds recomputed (default 8)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with locked(args.out) as folder:
        manifest = Manifest.read(args.out / "manifest.json", MADE_BY, inside=folder)
        if not manifest.command.startswith("coprod design"):
            sys.exit(f"{args.out / 'manifest.json'}: not a design study's record")
        quick = manifest.field("quick", lambda v: isinstance(v, bool), "true or false")
        seed = manifest.field("seed", whole(0), "a whole number from 0")
        known = manifest.field("policies", lambda v: isinstance(v, dict) and all(
            isinstance(n, str) and n in shipped_names() for n in v), "shipped scenarios")
        old, study = manifest.record(), QUICK if quick else FULL
        if not 1 <= args.check <= study.worlds or not 1 <= args.workers <= 256:
            sys.exit(f"--check must be 1 to {study.worlds:,} and --workers 1 to 256")
        policies = {n: load_scenario(n).overrides for n in known}
        if {k: dict(v) for k, v in policies.items()} != old["policies"]:
            sys.exit("the shipped scenarios' levers differ from the study's: remake it")
        stored_ident, worlds = _stored(args.out / WORLDS_STORE, study.worlds)
        ident = study_identity(study, policies, seed)
        differ = [k for k in ident if k != "code_version" and stored_ident.get(k) != ident[k]]
        if differ:
            sys.exit(f"the stored worlds are another study's ({', '.join(differ)}): remake it")
        check = sorted(np.random.default_rng(seed).choice(study.worlds, args.check,
                                                          replace=False).tolist())
        store = _CheckedStore(worlds, check)
        seeds = np.random.SeedSequence(seed).spawn(2)  # as studies.design.run_design
        table = reference_table(study, policies, rng=seeds[0], workers=args.workers,
                                progress=False, store=store)
        changed = [w for w in check if store.recomputed[w] != worlds[w]]
        if changed:
            sys.exit(f"worlds {changed} come out differently with this code: the stored "
                     "worlds are not what it makes; remake the study")
        frame = analyse(table, study, rng=seeds[1])
        record = {**old, "reanalysis": {
            "worlds_made_with": stored_ident["code_version"], "analysed_with": code_version(),
            "worlds_recomputed_identical": check,
            "date": datetime.now(UTC).isoformat(timespec="seconds")}}
        result = DesignStudy(frame, table, Manifest(record))
        with replaced_together(args.out, DESIGN_OUTPUTS, inside=folder) as stage:
            result.write(stage)
    print(f"Re-analysed {study.worlds:,} worlds in {args.out}; {len(check)} recomputed "
          f"with this code, each the same: {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
