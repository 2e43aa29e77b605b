"""``coprod report`` renders the HTML report from a folder of pipeline outputs.

It reads what ``coprod demo`` (or ``survey``, ``fit``, ``run`` and ``compare``) wrote under
``--out`` and writes ``report.html`` there, every sentence computed from those outputs.
"""

from __future__ import annotations

import argparse

from coprod.common import add_data, examples, load_waves


def register(sub, name: str) -> None:
    """Add ``report``."""
    p = sub.add_parser(name, help="render the HTML report from pipeline outputs",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod report --out out/demo",
                                       "coprod report --data my_units.csv --out out/mine"))
    p.add_argument("--out", default="out/demo",
                   help="directory holding survey/, fit/ and scenarios/ (default out/demo)")
    add_data(p, "the survey the results were made from: the report names it, marks a "
             "SYNTHETIC one and says which part was made from another",
             default="default: the surveys the outputs' manifests record")


def run_command(args) -> int:
    """Render the report."""
    from coprod.common import existing_folder
    from coprod.pipeline import report

    folder = existing_folder(args.out, "--out", "the folder 'coprod demo' wrote (with survey/, "
                    "fit/ and scenarios/) or one 'coprod run' wrote")
    waves = load_waves(args) if args.data else None
    made = report(folder, data=waves)
    for line in made.surveys:
        print(line)
    print(f"Wrote {made.path}")
    return 0
