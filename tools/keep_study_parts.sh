#!/bin/bash
# Keep a long study's finished calibrations in the repository (study_parts/STUDY/), so
# that it can be resumed on another machine: see study_parts/README.md.
#
#   tools/keep_study_parts.sh OUT STUDY [KEPT]
#       e.g. tools/keep_study_parts.sh out/recovery recovery
#
# Copies each folder of OUT that holds a finished calibration (posterior.csv and
# calibration.json; a recovery truth also its effects.csv), with its subfolders, leaving
# out the SQLite histories (abc.db and its journal), locks and temporary files. Prints
# the folders it copied; copies nothing already kept. KEPT: where the parts go (the
# repository's study_parts/ unless given). Commit study_parts/ yourself.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ] || [ ! -d "$1" ] || [[ ! "$2" =~ ^[a-z_]+$ ]]; then
  echo "usage: $0 OUT STUDY [KEPT] (OUT: a study's --out folder; STUDY: its name, e.g." \
       "recovery)" >&2
  exit 2
fi
out=$1 study=$2
parts=${3:-$(cd "$(dirname "$0")/.." && pwd)/study_parts}
for folder in "$out"/*/; do
  folder=${folder%/}
  name=$(basename "$folder")
  [ -f "$folder/posterior.csv" ] && [ -f "$folder/calibration.json" ] || continue
  if [ "$study" = recovery ] && [ ! -f "$folder/effects.csv" ]; then continue; fi
  kept="$parts/$study/$name"
  [ -e "$kept" ] && continue
  rm -rf "$kept.new"  # what an interrupted copy left
  mkdir -p "$kept.new"
  (cd "$folder" && find . -type f ! -name 'abc.db*' ! -name '*.lock' ! -name '.*' \
      ! -name '*.tmp*' ! -name '*.new*' -print0) |
    while IFS= read -r -d '' file; do
      mkdir -p "$kept.new/$(dirname "$file")"
      cp -p "$folder/$file" "$kept.new/$file"
    done
  mv "$kept.new" "$kept"  # whole or not at all
  echo "kept $study/$name"
done
