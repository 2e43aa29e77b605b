"""Shared fixtures: small files written on the fly, paths from this file."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def one_line_error(capsys, code, *words, codes=(2,)):
    """The command's refusal: exit code among ``codes``, one stderr line naming ``words``."""
    err = capsys.readouterr().err
    assert code in codes and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


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
    rows = ["unit_id,unit_type,municipality,activity,coordinator"]
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


@pytest.fixture(scope="session")
def small_ensembles(tmp_path_factory):
    """A results folder with ``baseline`` and ``local_volunteer_policy`` (12 runs each).

    Built once per session (about 0.5 s): tests must not change it. A test that edits
    files copies it first (the ``ensembles`` fixture gives a copy), so tests stay independent, also
    under pytest-xdist (each worker builds its own).
    """
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles
    from scenarios.spec import load_scenario

    out = tmp_path_factory.mktemp("ensembles") / "scenarios"
    scenarios = [load_scenario(name).with_sizes(**SMALL_SIZES)
                 for name in ("baseline", "local_volunteer_policy")]
    result = run_ensembles(scenarios, load_posterior(), out, seed=SMALL_SEED, progress=False)
    assert not result.failures
    return out


@pytest.fixture(scope="session")
def reading_ensembles(tmp_path_factory):
    """Like :func:`small_ensembles` over six calibrated worlds (2 seeds each, 12 runs).

    The answers per reading of the local policy need runs under at least two readings;
    six worlds drawn from the posterior nearly always hold two (two worlds did not,
    once the posterior's weights moved). Tests check that premise first.
    """
    from calibration.posterior import load_posterior
    from scenarios.ensemble import run_ensembles
    from scenarios.spec import load_scenario

    out = tmp_path_factory.mktemp("reading_ensembles") / "scenarios"
    sizes = {**SMALL_SIZES, "draws": 6, "assumption_draws": 1}
    scenarios = [load_scenario(name).with_sizes(**sizes)
                 for name in ("baseline", "local_volunteer_policy")]
    result = run_ensembles(scenarios, load_posterior(), out, seed=SMALL_SEED, progress=False)
    assert not result.failures
    return out


@pytest.fixture
def ensembles(small_ensembles, tmp_path):
    """A private copy of :func:`small_ensembles` that a test may change."""
    import shutil

    return Path(shutil.copytree(small_ensembles, tmp_path / "scenarios"))
