"""The registry of sub-commands: name -> (register(subparsers, name), run(args))."""

from __future__ import annotations

from cli import calibrate_cmd, fit_cmd, simulate_cmd, survey_cmd

COMMANDS = {
    "survey": (survey_cmd.register, survey_cmd.run),
    "simulate": (simulate_cmd.register, simulate_cmd.run_command),
    "calibrate": (calibrate_cmd.register, calibrate_cmd.run_command),
    "fit": (fit_cmd.register, fit_cmd.run_command),
}
