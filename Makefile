# Two commands matter: `make demo` and `make test`. Each does all set-up itself.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12 on this machine: named interpreters first, then pyenv's
# installed versions (pyenv's shims fail unless a version is selected).
FIND_PYTHON := for p in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null) /usr/bin/python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done

.PHONY: demo test test-slow test-all lint bench setup clean readme readme-check mesa-matrix

$(STAMP): pyproject.toml
	@base=$$($(FIND_PYTHON)); \
	if [ -z "$$base" ]; then echo "coprod needs Python >= 3.12; none found (tried python3.13, python3.12, python3, ~/.pyenv/versions/3.1x)." >&2; exit 1; fi; \
	echo "Using $$base ($$($$base --version))"; \
	[ -x $(PY) ] || $$base -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/coprod demo --out out/demo

# Tests run in parallel on up to 4 processes (pytest-xdist); each test is independent.
# `--dist loadscope` keeps a module's tests on one worker, so its module-scoped fixtures
# (small ensembles, a tiny calibration) and heavy imports are paid once, not per worker
# (-9% CPU, measured). `test` leaves out the tests marked slow (58 s on 2 quiet cores,
# about 104 CPU-seconds with each worker's start and imports, median of three runs);
# `test-slow` runs just those (end-to-end runs, calibrations, statistical checks,
# benchmarks: about 285 CPU-seconds); `test-all` runs every test at once. CI (.ci/run) runs `test` and `test-slow`.
PYTEST := $(PY) -m pytest -q -n auto --maxprocesses 4 --dist loadscope

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PYTEST) -m "not slow"

test-slow: $(STAMP)
	$(PYTEST) -m slow

test-all: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PYTEST)

# README's figures from runs (tools/readme_examples.py): the demo's folder and the example
# municipality's are reused when they hold this code's runs of the shipped posterior
# (as `make demo` leaves out/demo), made otherwise. `readme` rewrites the marked blocks;
# `readme-check` changes nothing and fails with a diff when README and the runs disagree.
readme: $(STAMP)
	$(PY) tools/readme_examples.py --run

readme-check: $(STAMP)
	$(PY) tools/readme_examples.py --run --check

# Which Mesa releases the Mesa-facing tests pass on (tools/mesa_matrix.sh): one scratch
# environment per release under /tmp, this checkout installed into each; a table at the
# end. Needs PyPI and a few minutes a release; not part of `test`. Choose releases with
# MESA_VERSIONS="3.4.2 3.5.1".
mesa-matrix:
	@base=$$($(FIND_PYTHON)); \
	if [ -z "$$base" ]; then echo "mesa-matrix needs Python >= 3.12; none found." >&2; exit 1; fi; \
	PYTHON="$$base" tools/mesa_matrix.sh $(MESA_VERSIONS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_calibration.py
	$(PY) benchmarks/bench_scenarios.py
	$(PY) benchmarks/bench_spinup.py

clean:
	rm -rf $(VENV) out .pytest_cache
