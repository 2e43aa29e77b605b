"""``coprod dashboard``: serve the interactive Mesa SolaraViz dashboard (localhost only)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from coprod.common import examples


def register(sub, name: str) -> None:
    """Add ``dashboard``."""
    p = sub.add_parser(name, help="serve the interactive dashboard in your browser",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod dashboard", "coprod dashboard --port 8800"))
    p.add_argument("--host", default="127.0.0.1", help="interface to serve on (default "
                   "127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")


def run_command(args) -> int:
    """Start the Solara server for :mod:`coprod.dashboard` and wait for it."""
    print(f"Serving the dashboard at http://{args.host}:{args.port}/ (Ctrl-C to stop)",
          flush=True)
    cmd = [sys.executable, "-m", "solara", "run", "coprod.dashboard", "--host", args.host,
           "--port", str(args.port), "--production", "--no-open"]
    return subprocess.call(cmd)
