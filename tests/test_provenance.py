"""Every number in the model is counted: sourced, set from data, or an assumption."""

import ast
from pathlib import Path

from sim.parameters import PARAMETERS
from sim.provenance import CONSTANTS, listing

SIM = Path(__file__).parents[1] / "sim"


def _named_numeric_constants() -> dict[str, str]:
    """Module-level UPPER_CASE names of sim/*.py whose value holds a number literal."""
    found = {}
    for path in sorted(SIM.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            numeric = any(isinstance(n, ast.Constant) and type(n.value) in (int, float)
                          for n in ast.walk(node.value))
            found.update({name: path.name for name in names
                          if numeric and name.isupper()})
    return found


def test_every_named_number_in_sim_is_listed_with_its_status():
    named = _named_numeric_constants()
    assert len(named) > 40  # the scan sees the modules' constants
    unlisted = sorted(f"{name} ({where})" for name, where in named.items()
                      if name not in CONSTANTS)
    assert not unlisted, "numbers without a status: " + ", ".join(unlisted)
    stale = sorted(set(CONSTANTS) - set(named))
    assert not stale, "listed but no longer in sim/: " + ", ".join(stale)


def test_every_parameter_is_listed_and_every_assumption_sits_mid_range_with_a_source():
    names = [row[0] for row in listing()]
    assert set(PARAMETERS) <= set(names)
    for p in PARAMETERS.values():
        assert p.source and p.meaning, p.name
        if p.kind == "assumption" and p.levels:
            # A model choice has no centre: its prior is uniform over its levels, and its
            # default is the reading of model versions before 4.
            assert p.default == p.low and len(p.levels) == p.high - p.low + 1, p.name
        elif p.kind == "assumption":
            # A range that includes no effect where the mechanism can be absent, and a
            # default at its centre unless a source places it elsewhere.
            assert abs(p.default - (p.low + p.high) / 2) < 1e-9, p.name
