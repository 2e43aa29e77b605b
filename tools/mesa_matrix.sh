#!/usr/bin/env bash
# Which Mesa releases the model's Mesa-facing tests pass on (`make mesa-matrix`).
#
# For each release: a scratch virtual environment under $MESA_MATRIX_DIR (default
# /tmp/coprod-mesa-matrix; reused when it already holds that release), this checkout
# installed editable with its dev extras, then that Mesa release forced over the pin; then
# the tests that touch Mesa: the model wrapper and its agents, the DataCollector, run_for
# against steps, mesa.batch_run, and the dashboard built and driven in a browser (skipped
# where chromium is missing). Prints a Markdown table (also written to table.md there).
#
#   tools/mesa_matrix.sh                 # the releases below
#   tools/mesa_matrix.sh 3.4.2 3.5.1     # chosen ones
#
# Needs the network (PyPI) and a few minutes per release; not part of `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)
ROOT=${MESA_MATRIX_DIR:-/tmp/coprod-mesa-matrix}
# The newest patch of every Mesa 3 minor release, and the first of Mesa 3 and of its newest
# minor release.
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(3.0.0 3.0.3 3.1.5 3.2.0 3.3.1 3.4.2 3.5.0 3.5.1)
TESTS=(tests/test_model.py tests/test_regime.py tests/test_mechanisms.py
       tests/test_readings.py tests/test_dashboard.py)
# The Python the Makefile found (it passes PYTHON), else the first >= 3.12 on PATH.
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for p in python3.13 python3.12 python3; do
    if command -v "$p" >/dev/null 2>&1 \
       && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      PYTHON=$(command -v "$p"); break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "mesa_matrix: no Python >= 3.12 found (set PYTHON)" >&2; exit 1; }
mkdir -p "$ROOT"

rows=()
status=0
for v in "${VERSIONS[@]}"; do
  env="$ROOT/mesa-$v"
  log="$ROOT/mesa-$v.log"
  if ! "$env/bin/python" -c "import mesa, sys; sys.exit(mesa.__version__ != '$v')" 2>/dev/null; then
    echo "mesa $v: installing into $env" >&2
    rm -rf "$env"
    if ! { "$PYTHON" -m venv "$env" \
           && "$env/bin/python" -m pip install --quiet -e "$SRC[dev]" \
           && "$env/bin/python" -m pip install --quiet "mesa[network,viz]==$v"; } \
         >"$log.install" 2>&1; then
      rows+=("| $v | not installed | see $log.install |")
      status=1
      continue
    fi
  fi
  echo "mesa $v: testing" >&2
  (cd "$SRC" && "$env/bin/python" -m pytest -q -n 2 -p no:cacheprovider -rfEs \
      "${TESTS[@]}") >"$log" 2>&1
  summary=$(grep -E '^=+ .*(passed|failed|error).* =+$|^[0-9]+ (passed|failed)' "$log" \
            | tail -1 | sed -E 's/^=+ //; s/ =+$//; s/ in [0-9.]+s.*//')
  failed=$(grep -E '^(FAILED|ERROR) ' "$log" | sed -E 's/^(FAILED|ERROR) tests\///' \
           | cut -c1-160 | paste -sd ';' - | sed 's/;/; /g; s/|/\\|/g')
  skipped=$(grep -E '^SKIPPED ' "$log" | sed -E 's/^SKIPPED \[[0-9]+\] //' | cut -c1-120 \
            | paste -sd ';' - | sed 's/;/; /g; s/|/\\|/g')
  if grep -qE '^(FAILED|ERROR) ' "$log" || [ -z "$summary" ]; then status=1; fi
  rows+=("| $v | ${summary:-no test ran (see $log)} | ${failed:-none}${skipped:+ (skipped: $skipped)} |")
done

{
  echo "| Mesa | tests | failing |"
  echo "| --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} | tee "$ROOT/table.md"
exit $status
