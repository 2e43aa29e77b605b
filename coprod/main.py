"""Entry point of ``coprod``: parse arguments, dispatch, turn user errors into one line.

Library code raises :class:`sim.errors.CoprodError` for anything a user can cause; here
it becomes ``coprod: error: <message>`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import textwrap
import threading

# Only the standard library and sim.errors at import: the commands (numpy, pandas, Mesa)
# load inside cli(), where a Ctrl-C while they load is one line, not a traceback.
from sim.errors import CoprodError, InputError, PrintableStream, printable

EXIT_USAGE = 2
# The library names its keyword arguments; the command line names its flags (the same
# for every command: a folder given to compare, discover or report is its --out). A
# "scenario" stays so: it is SCENARIO to discover, SCENARIO_OR_FILE to run and
# --scenario to sensitivity.
FLAGS = {"steps": "--steps", "population": "--population", "reps": "--reps",
         "resample": "--resample", "resume": "--resume", "out": "--out", "folder": "--out",
         "baseline": "--baseline", "draws": "--draws", "replicates": "--replicates",
         "horizon_weeks": "--horizon", "scheduler": "--scheduler", "workers": "--workers",
         "assumption_draws": "--assumption-draws", "rng": "--seed",
         "adopters": "--adopters", "min_epsilon": "--min-epsilon", "data": "--data",
         "municipality": "--municipality", "posterior": "--posterior",
         "outcome": "--outcome", "below": "--below", "above": "--above",
         "threshold": "--threshold", "scenarios": "SCENARIO_OR_FILE"}


def as_flags(err: CoprodError) -> CoprodError:
    """``err`` placed at the command-line flag that set the library argument it names.

    The argument is the whole of the error's place (``out``) or its first part
    (``horizon_weeks: key 'set.lever_week'``).
    """
    if isinstance(err, InputError):
        name, colon, rest = str(err.where).partition(": ")
        if name in FLAGS:
            return err.at(FLAGS[name] + colon + rest)
    return err


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other coprod error."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with one sub-command per entry of :data:`coprod.commands.COMMANDS`."""
    from coprod import commands

    parser = _Parser(
        prog="coprod",
        description="Co-production between long-term care units and voluntary "
        "organisations: survey intervals, an agent-based model, calibration and scenarios.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (register, _run) in commands.COMMANDS.items():
        register(sub, name)
    _state_limits(sub.choices)
    return parser


def _state_limits(parsers: dict) -> None:
    """Add the limits that protect memory to the help of the commands they bound."""
    from scenarios.spec import LIMITS_HELP

    for name in ("run",):
        if name in parsers:
            p = parsers[name]
            text = textwrap.fill(LIMITS_HELP, width=88)
            p.epilog = (p.epilog + "\n\n" if p.epilog else "") + text


_STOPPED_BY = [signal.SIGINT]  # the signal that stopped the command (exit 128 + it)
_STOPPING = [False]  # set by the first Ctrl-C or SIGTERM of the process


def _stop_once(signum, frame):
    """Ctrl-C or SIGTERM: stop the command once; ignore further ones while it cleans up.

    Workers are ended and finished work kept, as for any interrupt. Setting the signals
    aside is not enough: a block that defers interrupts
    (:func:`runtime.interrupts.interrupts_deferred`) or stops a pool gives back the
    handler it found — this one — when it ends, so a second Ctrl-C during the clean-up
    would raise again, outside every handler, and the process died by the signal (exit
    -2) after saying it had stopped. The flag makes every later call a no-op.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    if _STOPPING[0]:
        return
    _STOPPING[0] = True
    _STOPPED_BY[0] = signum
    raise KeyboardInterrupt


def cli() -> None:
    """The ``coprod`` executable: run :func:`main` and exit with its code.

    Ctrl-C and SIGTERM stop the command the same way (exit 130 or 143, one line saying
    what was kept). One that arrives once the command has finished is ignored: the work
    is done and the exit code says how it ended.
    """
    in_main_thread = threading.current_thread() is threading.main_thread()
    _STOPPING[0] = False
    if in_main_thread:
        for sig in (signal.SIGINT, signal.SIGTERM):
            # A signal ignored at start stays ignored (a shell's background job ignores
            # Ctrl-C, as Python itself respects): only the signals meant for us stop us.
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, _stop_once)
    try:
        code = main()
    except KeyboardInterrupt:  # while printing a last line: the exit code still says so
        code = 128 + _STOPPED_BY[0]
    if in_main_thread:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    if _STOPPING[0]:
        # Stopped, cleaned up (workers ended and reaped, finished work written) and said
        # so: leave now. Python's own exit would turn the code into death by SIGINT (exit
        # -2, 3 of 16 interrupted runs in a trial) whenever the KeyboardInterrupt had
        # passed through C code that records it as unhandled, whatever caught it later.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run ``coprod`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Everything the command prints passes through one sanitiser (control characters of
    values read from files never reach the terminal).
    """
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(sys.stdout), PrintableStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        # Loading the commands takes a second or two: a Ctrl-C meanwhile stops coprod
        # before it has done anything.
        from coprod import commands
        from coprod.common import refuse_empty_paths
        from runtime.files import WRITTEN

        WRITTEN.clear()  # the sets of files this command replaced (replaced_together)
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a refused option (already one line)
        return stop.code
    except KeyboardInterrupt:
        word = "interrupted" if _STOPPED_BY[0] == signal.SIGINT else "terminated"
        print(f"coprod: {word} while starting; nothing was done", file=sys.stderr)
        return 128 + _STOPPED_BY[0]
    # What manifests record as the command (the only place that reads the command line).
    args.invocation = shlex.join(["coprod", *argv])
    _register, run = commands.COMMANDS[args.command]
    try:
        refuse_empty_paths(args)
        return run(args) or 0
    except CoprodError as err:
        print(f"coprod {args.command}: error: {as_flags(err)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # a path the system refuses (too long, not a folder, ...)
        where = str(err.filename) if err.filename is not None else "a path"
        shown = where if len(where) <= 120 else f"{where[:60]}...{where[-40:]} " \
            f"({len(where)} characters)"
        print(f"coprod {args.command}: error: {printable(shown)}: {err.strerror or err}; "
              "allowed: a path the system accepts (each name at most 255 bytes, folders "
              "where folders are needed)", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as stop:
        # The command is over: a further Ctrl-C must not turn exit 130 into a traceback
        # while the line is written; the handler is given back after it, so that a
        # program calling main() keeps its own.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            # Batches say what they kept; elsewhere nothing was half-written (atomic).
            kept = getattr(stop, "kept", None) or _interrupted_message(
                "no results of this command were written; files written before are "
                "unchanged")
            signum = _STOPPED_BY[0]
            word = "interrupted" if signum == signal.SIGINT else "terminated"
            print(f"coprod {args.command}: {word}; {kept}", file=sys.stderr)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        return 128 + signum


if __name__ == "__main__":
    cli()


def _interrupted_message(default: str) -> str:
    """What an interrupt kept: ``default`` unless a set was already written whole."""
    from runtime.files import WRITTEN

    if not WRITTEN:
        return default
    return ("its results were written whole before it stopped (" + "; ".join(WRITTEN)
            + "); nothing else was changed")
