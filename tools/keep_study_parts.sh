#!/bin/bash
# Keep a long study's finished calibrations in the repository (study_parts/STUDY/), so
# that it can be resumed on another machine: see study_parts/README.md.
#
#   tools/keep_study_parts.sh OUT STUDY [KEPT]
#       e.g. tools/keep_study_parts.sh out/recovery recovery
#
# Copies each folder of OUT that holds a finished calibration (posterior.csv and
# calibration.json; a recovery truth also its effects.csv and effects.json, an
# ablation's mechanism its selection/model_probabilities.json), with its subfolders,
# leaving out the SQLite histories (abc.db and its journal), locks, temporary files and
# any file coprod does not write there. Prints the folders it copied; copies nothing already kept. KEPT: where the
# parts go (the repository's study_parts/ unless given). Commit study_parts/ yourself.
#
# Only what coprod writes is kept: folders with its names (truth_NN for a recovery, an
# activity's or a mechanism's name otherwise), holding regular files. A link, or a
# finished calibration under another name, is refused (one line, exit 1) before anything
# is copied: a part kept without its posterior would be recalibrated, silently, on resume.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ] || [ ! -d "$1" ] || [[ ! "$2" =~ ^[a-z_]+$ ]]; then
  echo "usage: $0 OUT STUDY [KEPT] (OUT: a study's --out folder; STUDY: its name, e.g." \
       "recovery)" >&2
  exit 2
fi
refuse() {  # one line naming the path, escaped: a folder's name may hold anything
  printf '%s: %q %s\n' "${0##*/}" "$1" "${*:2}" >&2
  exit 1
}
# A path starting with "-" is read as an option by find, cp and the rest: make it ./-x.
relative() { case $1 in /*) printf '%s' "$1" ;; *) printf './%s' "$1" ;; esac; }
out=$(relative "$1") study=$2
parts=$(relative "${3:-$(cd -- "$(dirname -- "$0")/.." && pwd)/study_parts}")
required=(posterior.csv calibration.json)
if [ "$study" = recovery ]; then
  required+=(effects.csv effects.json) named='^truth_[0-9]+$' allowed="truth_ and a number"
else  # coprod's own: the activities', the mechanisms' and "full"
  named='^[a-z][a-z0-9_]*$' allowed="lower-case letters, digits and _"
fi

for where in "$parts" "$parts/$study"; do
  [ ! -L "$where" ] || refuse "$where" "is a link: the parts are kept in a real folder"
done
if [ -d "$parts/$study" ]; then
  link=$(find "$parts/$study" -type l -print -quit)
  [ -z "$link" ] || refuse "$link" "is a link: kept parts are real files (remove it)"
fi

# Whether a file is a recovery truth's effects record as coprod writes it: a JSON object
# of the replicates at the truth, the posterior draws and the seed, whole numbers >= 0.
effects_record() {
  python3 - "$1" <<'PY'
import json, sys
def once_each(pairs):  # a key twice: refused on resume, so not the record
    if len({k for k, _ in pairs}) < len(pairs):
        raise ValueError("a key twice")
    return dict(pairs)
try:
    with open(sys.argv[1], encoding="utf-8") as fh:
        text = fh.read(1_000_001)  # the record is a few dozen bytes
    if len(text) > 1_000_000:
        sys.exit(1)
    record = json.loads(text, object_pairs_hook=once_each)
except Exception:  # unreadable, not JSON, nested past recursion: not the record
    sys.exit(1)
fields = {"replicates_at_truth", "posterior_draws", "seed"}
sys.exit(0 if isinstance(record, dict) and set(record) == fields and all(
    type(v) is int and v >= 0 for v in record.values()) else 1)
PY
}

# Check every folder before copying any, so that a refusal leaves KEPT as it was.
keep=()
for folder in "$out"/*/; do
  folder=${folder%/} name=${folder##*/}
  finished=yes
  for file in "${required[@]}"; do
    [ ! -L "$folder/$file" ] || refuse "$folder/$file" "is a link: a finished" \
      "calibration's files are regular files (copy the file itself in its place)"
    [ -f "$folder/$file" ] || finished=no
  done
  # An ablation's mechanism is finished with its model selection: kept before it, the
  # part would never get it (what is kept is never copied again), and a resume
  # elsewhere would select again without its abc.db.
  if [ "$study" = ablation ] && [ "$name" != full ] &&
     [ ! -f "$folder/selection/model_probabilities.json" ]; then finished=no; fi
  # Effects without the record of how they were made (a recovery kept before the record
  # was written), or with a record coprod does not write: never finished here, since
  # --resume refuses them (and the kept copy would have to be deleted by hand); say so.
  if [ "$study" = recovery ] && [ -f "$folder/effects.csv" ]; then
    why=
    if [ ! -f "$folder/effects.json" ]; then why="without a regular effects.json"
    elif ! effects_record "$folder/effects.json"; then
      why="with an effects.json that is not the record coprod writes"
    fi
    if [ -n "$why" ]; then
      finished=no
      printf '%s: %q %s\n' "${0##*/}" "$folder" "skipped: effects.csv $why (delete its \
effects.csv; coprod recovery --resume remakes both)" >&2
    fi
  fi
  [ $finished = yes ] || continue
  [ ! -L "$folder" ] || refuse "$folder" "is a link: only folders inside OUT are kept"
  [[ "$name" =~ $named ]] || refuse "$folder" "is not a folder coprod writes for a $study" \
    "study (allowed: $allowed); rename or move it"
  [ ! -e "$parts/$study/$name" ] || continue
  while IFS= read -r -d '' file; do
    [ -f "$folder/$file" ] && [ ! -L "$folder/$file" ] ||
      refuse "$folder/${file#./}" "is not a regular file (a link?): coprod writes none"
  done < <(cd -- "$folder" && find . ! -type d ! -name 'abc.db*' ! -name '*.lock' \
             ! -name '.*' ! -name '*.tmp*' ! -name '*.new*' -print0)
  keep+=("$name")
done

copying=
trap '[ -z "$copying" ] || rm -rf -- "$copying"' EXIT  # an interrupted copy leaves none
trap 'exit 130' INT TERM HUP  # (through the EXIT trap)
# The files a study's calibration folder holds that coprod wrote (abc.db aside).
known='^\./(calibration\.json|effects\.csv|effects\.json|median\.json|posterior\.csv|posterior_adjusted\.csv'
known+='|screening\.csv|surveys\.json|truth\.json|selection/model_probabilities\.json)$'
for name in "${keep[@]}"; do
  folder=$out/$name kept=$parts/$study/$name
  whole=("${required[@]}")
  if [ "$study" = ablation ] && [ "$name" != full ]; then
    whole+=(selection/model_probabilities.json)
  fi
  copying=$kept.new
  rm -rf -- "$copying"  # what a killed copy left
  mkdir -p -- "$parts/$study"
  mkdir -- "$copying"
  (cd -- "$folder" && find . -type f ! -name 'abc.db*' ! -name '*.lock' ! -name '.*' \
      ! -name '*.tmp*' ! -name '*.new*' -print0) |
    while IFS= read -r -d '' file; do
      [[ "$file" =~ $known ]] || continue  # a file coprod does not write is left out
      mkdir -p -- "$copying/$(dirname -- "$file")"
      cp -P -p -- "$folder/$file" "$copying/$file"  # -P: a file swapped for a link stays one
    done
  for file in "${whole[@]}"; do  # kept only whole: a resume must find every one
    [ -f "$copying/$file" ] && [ ! -L "$copying/$file" ] ||
      refuse "$folder/$file" "changed while it was copied; nothing kept of $name"
  done
  mv -T -- "$copying" "$kept"  # whole or not at all
  copying=
  echo "kept $study/$name"
done
