"""The benchmarks run (quick mode), so that ``make bench`` cannot rot.

No timing is asserted (the machine is shared): each benchmark must finish and print its
figures as numbers.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "benchmarks"


@pytest.mark.parametrize("script, expected", [
    ("bench_model.py", [r"one simulation, sim.run .*: [\d.]+ ms",
                        r"one simulation, a calibration simulation .*: [\d.]+ ms",
                        r"52 weeks after 2015.*: \d+x and \d+x faster",
                        r"build, survey2015: headless world +[\d.]+ ms"]),
    ("bench_calibration.py", [r"the model [\d.]+ ms \(\d+%\), the rest -?[\d.]+ ms",
                              r"the rest: pyabc around each model run -?[\d.]+ ms"]),
    ("bench_scenarios.py", [r"worlds branched at 2015 +[\d.]+ s, each run built and spun "
                            r"up alone +[\d.]+ s: -?\d+% less time"]),
    ("bench_spinup.py", [r" 52 weeks: a calibration simulation [\d.]+ ms \([\d.]+x .*\); "
                         r"distance to Table 2 median [\d.]+ \([\d.]+ to [\d.]+\), "
                         r"\d+% \(\d+ to \d+%\)",
                         r"104 weeks: .*change against 104 weeks: median \+0\.000"]),
    ("bench_kernel.py", [r"normal 2 +accepted +\d+ \([\d.]+%\), effective [\d.]+ of them",
                         r"normal 0.5 +accepted +\d+ .*per 250 effective"]),
])
@pytest.mark.slow
def test_a_benchmark_runs_in_quick_mode_and_prints_its_figures(script, expected):
    done = subprocess.run([sys.executable, str(BENCH / script), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for pattern in expected:
        assert re.search(pattern, done.stdout), (pattern, done.stdout)
    assert "nan" not in done.stdout
