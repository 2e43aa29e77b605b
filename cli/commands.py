"""The registry of sub-commands: name -> (register(subparsers, name), run(args))."""

from __future__ import annotations

from cli import simulate_cmd, survey_cmd

COMMANDS = {
    "survey": (survey_cmd.register, survey_cmd.run),
    "simulate": (simulate_cmd.register, simulate_cmd.run_command),
}
