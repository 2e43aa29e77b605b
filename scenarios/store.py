"""Runs stored as they finish, and what a scenario folder holds (its identity).

Each scenario folder holds ``runs.sqlite``: one row per finished run, committed as soon
as the run comes back, so Ctrl-C, a killed worker or a lost cluster keeps every finished
run and ``coprod run --resume`` computes only what is missing. The store also records
the folder's identity (scenario content, root seed, posterior, code version); results
of another identity are never mixed in.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
from dataclasses import asdict
from pathlib import Path

from scenarios.spec import Scenario
from sim.errors import InputError
from sim.io import interrupts_deferred

STORE = "runs.sqlite"


def scenario_hash(scenario: Scenario) -> str:
    """Digest of a scenario's content (all but where it was read from), sizes included."""
    content = {k: v for k, v in asdict(scenario).items() if k != "source"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def identity(scenario: Scenario, *, seed: int, posterior: str, code: str) -> dict:
    """What must match for runs to be mixed in one folder."""
    return {"scenario": scenario.name, "scenario_sha256": scenario_hash(scenario),
            "seed": seed, "posterior_sha256": posterior, "code_version": code}


def _differences(old: dict, new: dict) -> list[str]:
    # Only what both record is compared: an older manifest records the seed alone.
    return [f"{k} {old[k]!r} (now {new[k]!r})" for k in new if k in old and old[k] != new[k]]


def recorded_identity(directory: Path) -> dict | None:
    """The identity recorded in a scenario folder (store first, then manifest), if any."""
    store = directory / STORE
    if store.is_file():
        try:
            with sqlite3.connect(store) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
            return json.loads(row[0]) if row else {}
        except (sqlite3.DatabaseError, json.JSONDecodeError, TypeError):
            return {"store": "unreadable"}
    manifest = directory / "manifest.json"
    if manifest.is_file():
        try:
            record = json.loads(manifest.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"manifest": "unreadable"}
        return record.get("identity", {"seed": record.get("seed")}) if isinstance(
            record, dict) else {"manifest": "unreadable"}
    return None


def check_folder(directory: Path, ident: dict, *, force: bool) -> None:
    """Refuse to write into a folder holding results of another identity (unless force)."""
    old = recorded_identity(directory)
    if old is None or force:
        return
    diff = _differences(old, ident)
    if diff:
        raise InputError(f"--out {directory.parent}", directory.name,
                         "it holds results with " + "; ".join(diff) + "; use another --out "
                         "or --force to replace them", problem="refusing to mix results in")


class RunStore:
    """Finished runs of one scenario, keyed by (draw, replicate), committed one by one."""

    def __init__(self, directory: Path, ident: dict, *, resume: bool):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / STORE
        try:
            with interrupts_deferred():  # never a store file without its tables
                self._create(ident, resume)
        except sqlite3.DatabaseError as err:
            raise InputError(str(self.path), str(err), "rerun with --force to start this "
                             "scenario again", problem="unreadable run store:") from None

    def _create(self, ident: dict, resume: bool) -> None:
        self.db = sqlite3.connect(self.path)
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS runs (draw INTEGER, replicate INTEGER, "
                        "seed TEXT, result BLOB, PRIMARY KEY (draw, replicate))")
        self.ident = json.dumps(ident, sort_keys=True)
        # Starting afresh (not resuming), the old runs and identity go only when the
        # first new run is stored: a fresh start whose runs all fail loses nothing.
        self.fresh = not resume and self.db.execute(
            "SELECT COUNT(*) FROM runs").fetchone()[0] > 0
        if not self.fresh:
            self._claim()
        self.db.commit()

    def _claim(self) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (self.ident,))

    def finished(self) -> dict[tuple[int, int], tuple[str, object]]:
        """``{(draw, replicate): (seed, result)}`` for every stored run."""
        out = {}
        if self.fresh:  # the stored runs belong to the results being replaced
            return out
        try:
            for draw, rep, seed, blob in self.db.execute("SELECT * FROM runs"):
                # Our own file, written by this class; pickle keeps floats and dtypes exact
                # so a resumed ensemble writes the same bytes as an uninterrupted one.
                out[(draw, rep)] = (seed, pickle.loads(blob))
        except (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError) as err:
            raise InputError(str(self.path), str(err), "rerun with --force to start this "
                             "scenario again", problem="unreadable run store:") from None
        return out

    def add(self, draw: int, replicate: int, seed: int, result) -> None:
        """Store one finished run at once (a commit per run: nothing finished is lost)."""
        if self.fresh:  # one transaction: the old runs go as the first new one comes
            self.db.execute("DELETE FROM runs")
            self._claim()
            self.fresh = False
        self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?)",
                        (draw, replicate, str(seed), pickle.dumps(result)))
        self.db.commit()

    def count(self) -> int:
        """Number of stored runs."""
        return 0 if self.fresh else self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def close(self) -> None:
        """Close the database."""
        self.db.close()
