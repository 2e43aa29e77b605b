"""``coprod dashboard``: serve the interactive Mesa SolaraViz dashboard (localhost only)."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from coprod.common import bounded, examples
from sim.errors import CoprodError, InputError

STOP_WAIT_S = 5  # how long the server gets to stop before it is killed


def register(sub, name: str) -> None:
    """Add ``dashboard``."""
    p = sub.add_parser(name, help="serve the interactive dashboard in your browser",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=examples("coprod dashboard", "coprod dashboard --port 8800",
                                       "coprod dashboard --ensemble out/scenarios"))
    p.add_argument("--host", default="127.0.0.1", help="interface to serve on (default "
                   "127.0.0.1: this machine only)")
    p.add_argument("--port", type=bounded(1, 65535), default=8765,
                   help="port, 1 to 65535 and free (default 8765)")
    p.add_argument("--ensemble", type=Path, default=None, metavar="DIR",
                   help="the folder 'coprod run' wrote, whose <scenario>/timeseries.csv "
                   "gives each scenario's ensemble band (default out/demo/scenarios)")


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port the server could not listen on (in use, or forbidden)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise InputError("--host", host, f"give an interface name or address ({err.strerror})",
                         problem="unknown host") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise InputError("--port", port, f"choose another port ({err.strerror} on "
                             f"{host})", problem="cannot listen on port") from None


def run_command(args) -> int:
    """Start the Solara server for :mod:`coprod.dashboard`; stop it when this command stops.

    SIGTERM and SIGINT are passed on to the server, which is then waited for (and killed
    if it does not stop within a few seconds), so no server is left on the port.
    """
    check_port(args.host, args.port)
    env = dict(os.environ)
    if args.ensemble is not None:
        if not args.ensemble.is_dir():
            raise InputError("--ensemble", str(args.ensemble), "give the folder 'coprod run' "
                             "wrote", problem="no such directory")
        env["COPROD_ENSEMBLE_DIR"] = str(args.ensemble.resolve())
    print(f"Serving the dashboard at http://{args.host}:{args.port}/ (Ctrl-C to stop)",
          flush=True)
    cmd = [sys.executable, "-m", "solara", "run", "coprod.dashboard", "--host", args.host,
           "--port", str(args.port), "--production", "--no-open"]
    # The server runs in its own session, so a Ctrl-C at the terminal reaches this
    # command only, which passes one stop signal on (a second Ctrl-C cannot make the
    # server print a traceback); and it is told to stop if this process dies, even by
    # kill -9 (Linux's parent-death signal).
    server = subprocess.Popen(cmd, env=env, start_new_session=True,
                              preexec_fn=_stop_with_parent)
    stopping: list[tuple[float, int]] = []

    def forward(signum, _frame):
        if not stopping:
            stopping.append((time.monotonic(), signum))
            server.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while (code := server.poll()) is None:
            if stopping and time.monotonic() - stopping[0][0] > STOP_WAIT_S:
                server.kill()  # it did not stop when asked
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _reap(server)
    if stopping:
        return 128 + stopping[0][1]
    if code != 0:  # the server ended without being asked: say so, in one line
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        raise CoprodError(f"the dashboard server (process {server.pid}) stopped on its own "
                          f"({how}); nothing is served at http://{args.host}:{args.port}/ "
                          "any more; start 'coprod dashboard' again")
    return 0


def _stop_with_parent() -> None:
    """In the server's process, before it starts: SIGTERM it when its parent dies."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the signals above still stop it


def _reap(server: subprocess.Popen) -> None:
    """Make sure the server has ended and is reaped: terminate, then kill."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
