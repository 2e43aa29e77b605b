"""The registry of sub-commands: name -> (register(subparsers, name), run(args))."""

from __future__ import annotations

from coprod import (
    ablate_cmd,
    calibrate_cmd,
    dashboard_cmd,
    demo_cmd,
    design_cmd,
    discover_cmd,
    fit_cmd,
    recovery_cmd,
    report_cmd,
    sbc_cmd,
    scenario_cmds,
    sensitivity_cmd,
    simulate_cmd,
    survey_cmd,
    validate_cmd,
)

COMMANDS = {
    "demo": (demo_cmd.register_demo, demo_cmd.run_demo),
    "report": (report_cmd.register, report_cmd.run_command),
    "survey": (survey_cmd.register, survey_cmd.run),
    "simulate": (simulate_cmd.register, simulate_cmd.run_command),
    "calibrate": (calibrate_cmd.register, calibrate_cmd.run_command),
    "fit": (fit_cmd.register, fit_cmd.run_command),
    "sensitivity": (sensitivity_cmd.register, sensitivity_cmd.run_command),
    "recovery": (recovery_cmd.register, recovery_cmd.run_command),
    "design": (design_cmd.register, design_cmd.run_command),
    "sbc": (sbc_cmd.register, sbc_cmd.run_command),
    "validate": (validate_cmd.register, validate_cmd.run_command),
    "ablate": (ablate_cmd.register, ablate_cmd.run_command),
    "scenarios": (scenario_cmds.register_list, scenario_cmds.run_list),
    "run": (scenario_cmds.register_run, scenario_cmds.run_run),
    "compare": (scenario_cmds.register_compare, scenario_cmds.run_compare),
    "discover": (discover_cmd.register, discover_cmd.run_command),
    "dashboard": (dashboard_cmd.register, dashboard_cmd.run_command),
}
