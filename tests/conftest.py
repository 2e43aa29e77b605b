"""Shared fixtures: small files written on the fly, paths from this file."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


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
    from calibration.survey import load_table2
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
