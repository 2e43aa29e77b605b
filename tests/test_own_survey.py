"""A new user's path with a survey of their own, end to end, on a small unit-level file.

calibrate --data FILE → fit --data FILE → run --data FILE → compare --data FILE →
report --data FILE: every step works, and every manifest, printed summary and the
report name the file the results were made from.
"""

from __future__ import annotations

import json

import pytest

from coprod.main import main
from sim.population_spec import describe_name
from tests.conftest import one_line_error

SIZES = ["--draws", "2", "--assumption-draws", "1", "--replicates", "1", "--horizon", "52"]


@pytest.fixture(scope="module")
def my_units(tmp_path_factory):
    """A unit-level survey of one simulated world: two units in three of its 244."""
    from sim import run

    frame = run({}, rng=77).responses()
    frame = frame[frame.unit_id.str[1:].astype(int) % 3 != 0]
    path = tmp_path_factory.mktemp("data") / "my <units>.csv"  # escaped in the report
    frame.to_csv(path, index=False)
    return path




def _manifest(path):
    return json.loads(path.read_text())


@pytest.mark.slow
def test_a_new_users_survey_goes_through_every_step_and_is_named_everywhere(
        my_units, tmp_path, capsys, quick_is_tiny):
    import html

    from calibration.waves import Waves

    data, out = str(my_units), tmp_path / "mine"
    out.mkdir()
    cal, scen = out / "calibration", out / "scenarios"
    waves = Waves.load([data])
    assert not waves.synthetic and waves.population.frame is not None

    assert main(["calibrate", "--data", data, "--quick", "--seed", "4",
                 "--out", str(cal)]) == 0
    assert main(["fit", "--data", data, "--posterior", str(cal), "--draws", "10",
                 "--out", str(out / "fit")]) == 0
    printed = capsys.readouterr().out
    assert f"Survey: {data}" in printed and "note: the posterior" not in printed
    assert "fit_policy.csv" in printed  # the file records each unit's local policy
    assert "each one survey of 165 units" in printed and "of 244 units" not in printed

    assert main(["run", "baseline", "local_volunteer_policy", "--data", data,
                 "--posterior", str(cal), *SIZES, "--out", str(scen)]) == 0
    assert f"Survey: {data}" in capsys.readouterr().out
    assert main(["compare", "--data", data, "--out", str(scen)]) == 0
    printed = capsys.readouterr().out
    assert f"In the 47 municipalities of your survey's frame ({data}; 165 units)" in printed
    assert main(["report", "--data", data, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Made from {data} (2015; 245 answers): the fit, the calibration" in printed
    assert "Not made from" not in printed and "SYNTHETIC" not in printed

    # Every manifest names the file.
    for path in (cal / "manifest.json", out / "fit" / "manifest.json",
                 scen / "baseline" / "manifest.json",
                 scen / "local_volunteer_policy" / "manifest.json",
                 scen / "comparison_manifest.json"):
        record = _manifest(path)
        assert [s["label"] for s in record["surveys"]] == [data], path
        assert record["surveys"][0]["synthetic"] is False
    runs = _manifest(scen / "baseline" / "manifest.json")
    assert runs["population"] == waves.population.name
    assert _manifest(scen / "comparison_manifest.json")["population"] == waves.population.name
    # The baseline is set against the user's table, not the paper's.
    observed = (scen / "baseline_vs_observed.csv").read_text()
    fit = (out / "fit" / "fit.csv").read_text()
    first = observed.splitlines()[1].split(",")[:3]
    assert ",".join(first) in fit
    comparison = (scen / "comparison.csv").read_text()
    assert "frame:{" not in comparison and "your survey's frame" in comparison

    page = (out / "report.html").read_text()
    named = html.escape(data)
    assert "&lt;units&gt;" in named and "<units>" not in page
    opening = page[:page.index('<div class="findings">')]
    assert f"what your survey, {named} (2015; 245 answers)" in opening
    assert f"<b>Survey of this report</b> (--data): {named}" in opening
    assert f"<b>Made from</b> {named} (2015; 245 answers): the fit, the calibration" in opening
    assert "the scenarios and the comparison" in opening and "SYNTHETIC" not in page
    assert f"Checked against {named}" in page  # the fit section
    assert f"the posterior in {html.escape(str(cal))}" in page  # not the shipped one
    assert f"the 47 municipalities of your survey&#39;s frame ({named}" in page
    assert f"against {named} (2015; 245 answers)" in page  # the baseline's figure
    assert f"It is calibrated to {named}" in page
    assert "frame:{" not in page

    # The report read against another survey: said in one sentence; SYNTHETIC marked.
    synthetic = tmp_path / "synthetic.csv"
    synthetic.write_text("# SYNTHETIC: made by the model for a test\n" + my_units.read_text())
    assert main(["report", "--data", str(synthetic), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC DATA" in printed and "Not made from the --data survey" in printed
    page = (out / "report.html").read_text()
    assert page.count("Not made from the --data survey") == 1
    assert '<div class="synthetic"><b>SYNTHETIC DATA</b>' in page

    # Refusals, one line each.
    assert main(["compare", "--out", str(scen)]) == 2
    one_line_error(capsys, 2, "were made on the 47 municipalities of your survey's frame",
                    "give that survey with --data")
    assert main(["compare", "--data", "wave2015", "--out", str(scen)]) == 2
    one_line_error(capsys, 2, "but --data gives wave2015", "run them with the same --data")
    code = main(["run", "baseline", "--data", data, "--municipality",
                 "docs/examples/municipality.toml", "--out", str(tmp_path / "x")])
    one_line_error(capsys, code, "not with --municipality")
    # Runs on another frame are never mixed into these.
    code = main(["run", "baseline", "--posterior", str(cal), *SIZES, "--resume",
                 "--out", str(scen)])
    one_line_error(capsys, code, "refusing to mix results")


def test_frames_are_described_in_words(my_units):
    from calibration.waves import Waves

    name = Waves.load([str(my_units)]).population
    assert describe_name(name) == (f"the 47 municipalities of your survey's frame "
                                         f"({my_units}; 165 units)")
    assert describe_name("frame:{broken") == "a survey's frame (its record is malformed)"
    assert describe_name("survey2015") == "the 50 municipalities of the 2015 sample"


def test_a_report_tolerates_surveys_of_the_wrong_type_in_a_manifest(small_fit, fitted,
                                                                   tmp_path):
    """An edited fit manifest: its surveys are untrusted text, escaped, never a traceback."""
    fit, printed = fitted, small_fit.printed
    assert "Checked against: wave2015" in printed and "/18 (target 18)" in printed
    record = _manifest(fit / "manifest.json")
    assert [s["label"] for s in record["surveys"]] == ["wave2015"]
    for surveys, words in (("not a list", "does not record readably"),
                           ([{"label": "<b>x</b>", "synthetic": "yes", "year": "2015"}],
                            "the fit: &lt;b&gt;x&lt;/b&gt;"),
                           ([{"label": "old-synthetic.csv"}], "SYNTHETIC DATA")):
        (fit / "manifest.json").write_text(json.dumps({**record, "surveys": surveys}))
        assert main(["report", "--out", str(tmp_path)]) == 0
        page = (tmp_path / "report.html").read_text()
        assert words in page and "<b>x</b>" not in page
