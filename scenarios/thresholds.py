"""Numbers the scenario analyses share with the command line (importable without pandas)."""

# Scenario discovery: a box of inputs is a condition under which a policy fails when at
# least this share of its runs fail (its density; ``coprod discover --threshold``).
DENSITY_THRESHOLD = 0.8
