"""Scenario files shipped with coprod (TOML)."""
