"""Ship a finished validation study: its tables and record into calibration/data/validation.

A study made in parts (``study_parts/``, :file:`study_parts/README.md`) ends in its
``--out`` folder: its tables and ``manifest.json``. Shipped, the tables keep their names
and the record takes the study's shipped name (``ablation_manifest.json``…), which README
and the report read. This tool ships it only as coprod reads it back: the folder is read
with the study's own reader (every table and field checked), its record must be of this
model version (a stale study is never shipped as current), and the shipped copy is read
back the same way once written. Each file is written whole (a temporary file renamed);
nothing outside the validation folder is touched.

    python tools/ship_study.py ablation out/ablation

Then: ``make readme`` (README renders the study from what is shipped), and remove the
study's parts from ``study_parts/`` (they stay in the repository's history).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = ROOT / "calibration" / "data" / "validation"
# The study's reader and the files its command writes (its record last).
STUDIES = {
    "ablation": ("studies.ablation", "Ablation", "ABLATION_OUTPUTS"),
    "leave_one_out": ("studies.leave_one_out", "LeaveOneOut", "LOO_OUTPUTS"),
    "recovery": ("studies.recovery", "RecoveryStudy", "RECOVERY_OUTPUTS"),
}


def ship(study: str, out: Path, validation: Path = VALIDATION) -> list[str]:
    """Copy the finished ``study`` in ``out`` into ``validation``; the names written.

    Refused (:class:`sim.errors.CoprodError`, one line) unless ``out`` reads back as the
    study and its record is of this model version.
    """
    from runtime.manifests import model_version_of
    from sim.errors import InputError
    from sim.parameters import MODEL_VERSION

    module, name, outputs = STUDIES[study]
    loaded = importlib.import_module(module)
    reader, files = getattr(loaded, name), getattr(loaded, outputs)
    made = reader.read(out)  # every table and field checked, as README and the report do
    version = model_version_of(dict(made.manifest.fields), str(out / "manifest.json"))
    if version != MODEL_VERSION:
        raise InputError(f"{out / 'manifest.json'}: field 'versions.model'", version,
                         f"allowed: {MODEL_VERSION}, this model's version (a study of "
                         "another version is shown only as earlier evidence)",
                         problem="not of this model:")
    written = []
    for file in files:
        target = reader.shipped_record if file == "manifest.json" else file
        _copy_whole(out / file, validation / target)
        written.append(target)
    reader.read_shipped(validation)  # as README and the report will read it
    return written


def _copy_whole(source: Path, target: Path) -> None:
    """``source``'s bytes as ``target``, written to a temporary file and renamed."""
    data = source.read_bytes()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """The command line: ``ship_study.py STUDY OUT``; 2 and one line when refused."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("study", choices=sorted(STUDIES))
    parser.add_argument("out", type=Path, help="the study's --out folder")
    args = parser.parse_args(argv)
    from sim.errors import CoprodError

    try:
        written = ship(args.study, args.out)
    except CoprodError as err:
        print(f"ship_study.py: {err}", file=sys.stderr)
        return 2
    print(f"shipped {args.study} into {VALIDATION.relative_to(ROOT)}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
