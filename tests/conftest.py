"""Shared fixtures: small files written on the fly, paths from this file, and the small
runs several tests read (built once per test run and shared by the pytest-xdist
workers, see :func:`shared`; a test that changes files takes a copy).

``make test`` runs the tests not marked ``slow`` (about 130 CPU-seconds of tests and
worker start-up on a busy 2-core machine); ``make test-slow`` runs the slow ones
(end-to-end commands, calibrations, statistical checks, benchmarks, worker-count
equivalences); CI runs both. What costs time is a command run end to end (a successful
``coprod compare`` is 2-5 CPU-seconds, two thirds of it its figures; a fit check's
``write`` 2, its posterior figure), a calibration, an ensemble: a test checks them on
the smallest runs its assertion allows (``tiny_runs``, ``tiny_compared`` when one run
per scenario will do; ``small_compared`` when an attribution is needed) and shares what
several tests read (``small_fit``, the ensembles below), made once per test run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest


def pytest_configure(config):
    """Fewer automatic passes of the garbage collector in the test processes.

    A pytest-xdist worker holds every library the tests import (pyabc, scikit-learn,
    pandas, matplotlib: some 400,000 objects), and with Python's thresholds it walks all
    of them in a full collection every so often: about 6 CPU-seconds of ``make test``,
    besides the full collection each batch of runs makes itself
    (``runtime.pool.collector_spares_existing``, which keeps these thresholds and
    restores them). Garbage is freed as before, in fewer, larger young passes and at
    those full collections; no number changes.
    """
    import gc

    gc.set_threshold(10_000, 10, 1_000)


def pytest_collection_finish(session):
    """The libraries' objects frozen out of the collector once the tests are collected.

    Each batch of runs (``runtime.pool.collector_spares_existing``) would otherwise make
    a full collection over every object of the test process and thaw them all at its end:
    about 68 full passes, some 15 CPU-seconds of ``make test``. Frozen here, a batch
    leaves them frozen (as it leaves any caller's) and skips its full pass.
    """
    import gc

    gc.collect()
    gc.freeze()


ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"

# The header of a unit-level survey file (one row per unit and activity).
UNIT_HEADER = "unit_id,unit_type,municipality,activity,coordinator"

# Sizes of `coprod run` for tests: one run per scenario (4 weeks), or 2 worlds × 2 seeds.
TINY_RUN = ["--draws", "1", "--assumption-draws", "1", "--replicates", "1", "--horizon", "4"]
SMALL_RUN = ["--draws", "2", "--assumption-draws", "1", "--replicates", "2", "--horizon", "8"]


def refusal(capsys, *words: str) -> str:
    """A refusal as printed: one stderr line naming ``words``, no traceback anywhere."""
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err + captured.out and err.count("\n") == 1, err
    for word in words:
        assert word in err, err
    return err


def library_refusal(err, *words: str) -> str:
    """A library call's refusal (``pytest.raises``'s ``err``): one line naming ``words``."""
    text = str(err.value)
    assert "\n" not in text, text
    for word in words:
        assert word in text, text
    return text


def one_line_error(capsys, code, *words, codes=(2,)):
    """The command's refusal: exit code among ``codes``, one stderr line naming ``words``."""
    err = capsys.readouterr().err
    assert code in codes and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def edit_json(path: Path, change) -> None:
    """Rewrite the JSON file ``path`` with ``change(record)`` applied to what it holds."""
    import json

    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def loo_row(activity: str, coordinator: str, *, error: float = 0.02,
            logit_error: float = 0.02, low: float = 0.0, high: float = 1.0) -> dict:
    """A leave-one-out row as the study writes it for Table 2 (its reader checks that):
    the observed and naive shares Table 2 gives, a predicted median and a logit
    ``error`` and ``logit_error`` from the observed (above it, or below near 1), and the
    errors and flag they imply."""
    from calibration.observed_survey import load_table2
    from sim.catalogue import COORDINATORS, TABLE2_IDS
    from studies.leave_one_out import naive_shares

    table = load_table2()
    counts = table.counts[table.rows(TABLE2_IDS)][TABLE2_IDS.index(activity)].astype(float)
    j = COORDINATORS.index(coordinator)
    observed, naive = counts[j] / counts.sum(), naive_shares(table, activity)[j]

    def off(by: float) -> float:
        return observed + by if observed + by <= 1 else observed - by

    return {"activity": activity, "coordinator": coordinator, "observed": observed,
            "predicted_median": off(error), "low_90": low, "high_90": high,
            "inside": bool(low <= observed <= high), "error": error, "naive": naive,
            "naive_error": abs(naive - observed), "logit": off(logit_error),
            "logit_error": logit_error}


def signals_as_a_terminal_gives_them() -> None:
    """``preexec_fn`` for a command a test interrupts: Ctrl-C and SIGTERM at their defaults.

    A job a shell starts in the background (``./.ci/run &``, nohup) ignores Ctrl-C, and
    its children inherit that; coprod rightly keeps a signal ignored at its start, so a
    test that presses Ctrl-C must give its command what a terminal would.
    """
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def free_port() -> int:
    """A TCP port nobody listens on now (for a dashboard or a Dask scheduler)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tiny_settings():
    """ABC-SMC settings for a calibration that only has to run (seconds)."""
    from calibration.abc import Settings

    return Settings(population_size=12, max_populations=2, max_simulations=200,
                    max_walltime_s=60)


def small_scenario(name: str, **sizes):
    """A shipped scenario at test size (2 worlds × 1 strength draw × 2 seeds, 8 weeks)."""
    from scenarios.spec import load_scenario

    return load_scenario(name).with_sizes(**{"draws": 2, "replicates": 2, "horizon_weeks": 8,
                                             "assumption_draws": 1, **sizes})


@pytest.fixture
def quick_is_tiny(monkeypatch):
    """``calibrate --quick`` at :func:`tiny_settings` (seconds instead of a minute)."""
    from calibration import abc

    monkeypatch.setattr(abc, "QUICK", tiny_settings())


@pytest.fixture
def write(tmp_path):
    """Write text to a file in tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture
def units_csv(write):
    """A unit-level file whose aggregate is the paper's Table 2, plus dropped answers.

    Units answer for several activities, as in the survey: unit i answers activity a's
    i-th response, so unit 0 answers for all six activities.
    """
    from calibration.observed_survey import load_table2
    from sim.catalogue import COORDINATORS

    table = load_table2()
    rows = [UNIT_HEADER]
    for act, counts in zip(table.activities, table.counts, strict=True):
        codes = [c for c, k in zip(COORDINATORS, counts, strict=True) for _ in range(k)]
        for i, code in enumerate(codes):
            kind = "nursing_home" if i % 2 == 0 else "home_care"
            rows.append(f"u{i},{kind},m{i % 50},{act},{code}")
    rows.append("u200,other,m1,social,unsure")
    rows.append("u201,integrated,m2,physical,several")
    return write("units.csv", "\n".join(rows) + "\n")


# A planner's municipality file as the README describes it (tests of --municipality).
OURS = """name = "ours"
inhabitants = 28000
nursing_homes = 4
home_care_districts = 3
integrated_units = 1
volunteer_centre = true
local_policy = false
own_volunteer_service = false
voluntary_organisations = 12
"""
SMALL_SIZES = {"draws": 2, "assumption_draws": 3, "replicates": 2, "horizon_weeks": 8}
SMALL_SEED = 3


def shared(tmp_path_factory, name: str, build) -> tuple[Path, str]:
    """A folder made once per test run and read by every pytest-xdist worker.

    The first worker to ask runs ``build(folder)`` (which returns what to keep of its
    printed text, or None) under a lock, into a staging folder renamed when done; the
    others wait for it and read the same folder. Tests must not change it: a test that
    edits files takes a copy. Returns the folder and the kept text.
    """
    import fcntl

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above the workers' own
    folder, said = base / name, base / f"{name}.printed"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not folder.is_dir():
            staging = base / f"{name}.{os.getpid()}.new"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            said.write_text(build(staging) or "")
            staging.rename(folder)
    return folder, said.read_text()


def _two_scenarios(folder: Path, **sizes) -> None:
    """``baseline`` and ``local_volunteer_policy`` at ``sizes``, run into ``folder``."""
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles
    from scenarios.spec import load_scenario

    scenarios = [load_scenario(name).with_sizes(**sizes)
                 for name in ("baseline", "local_volunteer_policy")]
    result = run_ensembles(scenarios, load_posterior(), folder, seed=SMALL_SEED,
                           progress=False)
    assert not result.failures


@pytest.fixture(scope="session")
def small_ensembles(tmp_path_factory):
    """A results folder with ``baseline`` and ``local_volunteer_policy`` (12 runs each).

    Built once per test run (about 1.5 s of CPU) and read by every pytest-xdist worker
    (:func:`shared`): tests must not change it. A test that edits files takes a copy (the
    ``ensembles`` fixture), so tests stay independent.
    """
    folder, _ = shared(tmp_path_factory, "ensembles",
                       lambda d: _two_scenarios(d / "scenarios", **SMALL_SIZES))
    return folder / "scenarios"


@pytest.fixture(scope="session")
def reading_ensembles(tmp_path_factory):
    """Like :func:`small_ensembles` over six calibrated worlds (2 seeds each, 12 runs).

    The answers per reading of the local policy need runs under at least two readings;
    six worlds drawn from the posterior nearly always hold two (two worlds did not,
    once the posterior's weights moved). Tests check that premise first.
    """
    sizes = {**SMALL_SIZES, "draws": 6, "assumption_draws": 1}
    folder, _ = shared(tmp_path_factory, "reading_ensembles",
                       lambda d: _two_scenarios(d / "scenarios", **sizes))
    return folder / "scenarios"


@pytest.fixture
def ensembles(small_ensembles, tmp_path):
    """A private copy of :func:`small_ensembles` that a test may change."""
    return Path(shutil.copytree(small_ensembles, tmp_path / "scenarios"))


@pytest.fixture(scope="session")
def tiny_ensembles(tmp_path_factory):
    """Like :func:`small_ensembles` at one run per scenario (4 weeks): for checks of how a
    command handles its files, which no number of runs changes (no attribution is made
    of one run, which makes a comparison of it about a second cheaper)."""
    sizes = {"draws": 1, "assumption_draws": 1, "replicates": 1, "horizon_weeks": 4}
    folder, _ = shared(tmp_path_factory, "tiny_ensembles",
                       lambda d: _two_scenarios(d / "scenarios", **sizes))
    return folder / "scenarios"


@pytest.fixture
def tiny_runs(tiny_ensembles, tmp_path):
    """A private copy of :func:`tiny_ensembles` that a test may change."""
    return Path(shutil.copytree(tiny_ensembles, tmp_path / "scenarios"))


def _compared_once(tmp_path_factory, name: str, make_runs) -> Path:
    """Runs made by ``make_runs(folder)``, compared and reported, once per test run
    (:func:`shared`); the folder of scenarios."""

    def build(folder: Path) -> None:
        make_runs(folder / "scenarios")
        _coprod(["compare"], folder / "scenarios")
        _coprod(["report"], folder / "scenarios")

    folder, _ = shared(tmp_path_factory, name, build)
    return folder / "scenarios"


@pytest.fixture(scope="session")
def tiny_comparison(tiny_ensembles, tmp_path_factory):
    """:func:`tiny_ensembles` as ``coprod compare`` and ``coprod report`` leave them, made
    once per test run and read by every pytest-xdist worker: tests must not change it
    (``tiny_compared`` gives a copy). For checks of how ``report``, or a ``compare`` run
    again, treats the files a comparison left."""

    return _compared_once(tmp_path_factory, "tiny_comparison",
                          lambda runs: shutil.copytree(tiny_ensembles, runs))


@pytest.fixture
def tiny_compared(tiny_comparison, tmp_path):
    """A private copy of :func:`tiny_comparison` that a test may change."""
    return Path(shutil.copytree(tiny_comparison, tmp_path / "scenarios"))


@pytest.fixture(scope="session")
def small_comparison(tmp_path_factory):
    """``baseline`` and ``local_volunteer_policy`` at ``SMALL_RUN`` (4 runs each, seed 3),
    compared and reported: the smallest comparison with intervals and an attribution.
    Made once per test run and read by every pytest-xdist worker: tests must not change
    it (``small_compared`` gives a copy)."""

    sizes = {"draws": 2, "assumption_draws": 1, "replicates": 2, "horizon_weeks": 8}
    return _compared_once(tmp_path_factory, "small_comparison",
                          lambda runs: _two_scenarios(runs, **sizes))


@pytest.fixture
def small_compared(small_comparison, tmp_path):
    """A private copy of :func:`small_comparison` that a test may change."""
    return Path(shutil.copytree(small_comparison, tmp_path / "scenarios"))


class Made(NamedTuple):
    """A folder a command made once per test run, and what the command printed."""

    folder: Path
    printed: str


def _coprod(argv: list[str], folder: Path) -> str:
    """Run ``coprod ARGV --out FOLDER``, which must succeed; returns what it printed."""
    import contextlib
    import io

    from coprod.main import main

    printed, said = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(said):
        code = main([*argv, "--out", str(folder)])
    assert code == 0, said.getvalue()
    return printed.getvalue()


@pytest.fixture(scope="session")
def small_survey(tmp_path_factory) -> Path:
    """``coprod.survey`` of Table 2 at 200 replicates (seed 1), made once per test run:
    tests must not change it (they copy it)."""
    import coprod

    folder, _ = shared(tmp_path_factory, "survey200",
                       lambda d: coprod.survey(reps=200, rng=1, out=d / "survey") and None)
    return folder / "survey"


@pytest.fixture(scope="session")
def small_fit(tmp_path_factory) -> Made:
    """``coprod fit --draws 10`` of the shipped posterior against the 2015 survey, made
    once per test run: tests must not change it (``fitted`` gives a copy)."""
    folder, printed = shared(tmp_path_factory, "fit",
                             lambda d: _coprod(["fit", "--draws", "10"], d / "fit"))
    return Made(folder / "fit", printed)


@pytest.fixture
def fitted(small_fit, tmp_path):
    """A private copy of :func:`small_fit`'s folder that a test may change."""
    return Path(shutil.copytree(small_fit.folder, tmp_path / "fit"))
