"""README's figures are what the runs give (``tools/readme_examples.py``, ``make readme``).

The passages between ``<!-- generated: NAME -->`` markers are rendered from the values
``docs/readme_sources.json`` recorded from the runs; here they must be byte for byte what
those values give, the recorded values of the shipped posterior and SBC must be what the
shipped files hold now, and the generator must read what today's ``coprod run`` and
``compare`` write. ``make readme-check`` remakes the runs themselves and compares.
"""

import importlib.util
import json
import re

import pandas as pd
import pytest

from coprod.main import main
from tests.conftest import OURS, ROOT

_SPEC = importlib.util.spec_from_file_location("readme_examples",
                                               ROOT / "tools" / "readme_examples.py")
readme = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(readme)


def _recorded() -> dict:
    return json.loads((ROOT / "docs" / "readme_sources.json").read_text())


def test_every_generated_passage_is_what_the_recorded_runs_give():
    text = (ROOT / "README.md").read_text()
    blocks = readme.render(_recorded())
    assert set(readme.blocks_of(text)) == set(blocks)
    assert readme.apply(text, blocks) == text, "run 'make readme' and commit README.md"


def test_the_recorded_posterior_and_sbc_are_the_shipped_files():
    # A remade posterior or SBC check changes README's figures: 'make readme' remakes them.
    recorded = _recorded()
    assert readme.collect_posterior(ROOT) == recorded["posterior"], "run 'make readme'"
    assert readme.collect_sbc(ROOT) == recorded["sbc"], "run 'make readme'"


def test_a_figure_edited_by_hand_fails_the_check(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    body = readme.blocks_of(text)["ours-example"]
    edited = re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), body, count=1)
    copy = tmp_path / "README.md"
    copy.write_text(text.replace(body, edited, 1))
    monkeypatch.setattr(readme, "README", copy)
    assert readme.main(["--render", "--check"]) == 1
    out = capsys.readouterr()
    assert "run 'make readme'" in out.err and "@@" in out.out
    assert readme.main(["--render"]) == 0  # rewriting puts the figure back
    assert copy.read_text() == text


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.replace("<!-- /generated -->\n", "", 1), "not closed"),
    (lambda t: t.replace("<!-- generated: sbc -->", "<!-- generated: sbcx -->"), "unknown"),
    (lambda t: t + "\n<!-- generated: sbc -->\nx\n<!-- /generated -->\n", "twice"),
])
def test_a_damaged_block_is_one_clear_error(damage, message):
    text = (ROOT / "README.md").read_text()
    with pytest.raises(readme.ReadmeError, match=message):
        readme.apply(damage(text), readme.render(_recorded()))


@pytest.mark.slow
def test_the_generator_reads_what_run_and_compare_write_today(tmp_path, write):
    # A small real run of the README's example (another municipality file, small sizes):
    # the worked example's figures are comparison.csv's, formatted as compare prints them.
    from scenarios.labels import change

    municipality = write("ours.toml", OURS)
    out = tmp_path / "results" / "ours"  # parents made by the command
    assert main(["run", "baseline", "local_volunteer_policy", "--municipality",
                 str(municipality), "--draws", "2", "--assumption-draws", "2",
                 "--replicates", "2", "--horizon", "8", "--seed", "3", "--out", str(out)]) == 0
    assert main(["compare", "--seed", "3", "--out", str(out)]) == 0
    text = readme.render_ours(readme.collect_scenarios(out, readme.OURS_ROWS))
    table = pd.read_csv(out / "comparison.csv")
    for outcome in ("per_1000:active_volunteers", "adopters:per_1000:active_volunteers",
                    "own:per_1000:active_volunteers", "adopters:nursing_home:share_together"):
        r = table[(table.scenario == "local_volunteer_policy")
                  & (table.outcome == outcome)].iloc[0]
        assert change(r.diff_median, r.diff_low_90, r.diff_high_90, r.unit, r.scale) in text
    adopters = table[(table.scenario == "local_volunteer_policy")
                     & (table.outcome == "adopters:municipalities")].iloc[0]
    assert f"in the {adopters['median']:.0f} municipalities that adopt it" in text


def test_the_evaluation_cap_readme_states_is_the_calibrations():
    # Written by hand outside the generated blocks: it said 50,000 (a floor of 2%) when
    # the calibration's floor was 0.5%.
    from calibration.abc import DEFAULT, MIN_ACCEPTANCE

    cap = DEFAULT.population_size / MIN_ACCEPTANCE
    text = " ".join((ROOT / "README.md").read_text().split())
    assert (f"{cap:,.0f} candidates for the shipped {DEFAULT.population_size:,} particles"
            in text)
