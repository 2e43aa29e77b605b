"""What a stage passes on in memory is what its files hold: written, then read, the same.

``coprod calibrate`` hands the posterior, the screening and the adjusted widths to the
fit and the narrowing test without reading its own files back; the survey study and the
comparison read back whole through the bounded readers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import as_written, load_posterior, write_posterior


def test_the_posterior_passed_on_is_the_one_a_reader_of_its_file_gets(tmp_path):
    # Numbers with more digits than posterior.csv keeps (ten significant ones).
    shipped = load_posterior()
    gen = np.random.default_rng(4)
    particles = shipped.particles.iloc[:40].copy()
    free = [c for c in particles.columns if particles[c].nunique() > 3][:3]
    for name in free:
        particles[name] = particles[name] + gen.uniform(0, 1e-11, 40)
    weights = gen.uniform(0.5, 1.5, 40) / 3.0
    passed_on = write_posterior(tmp_path, particles, weights)
    read = load_posterior(tmp_path)
    assert passed_on.particles.equals(read.particles)
    assert np.array_equal(passed_on.weights, read.weights)
    # ... and it is the text, not the numbers before they were written.
    assert not np.array_equal(passed_on.weights, weights / weights.sum())
    assert passed_on.median() == read.median()


def test_a_frame_as_written_reads_back_equal():
    frame = pd.DataFrame({"input": ["a", "b"], "width": [1 / 3, 2 / 7],
                          "informative": [True, False]})
    written = as_written(frame)
    assert written.width.tolist() == [0.333333, 0.285714]
    assert as_written(written).equals(written)  # a second write changes nothing


def test_the_survey_study_reads_back_as_it_was_written(tmp_path):
    import coprod
    from calibration.survey_study import SurveyStudy

    study = coprod.survey(reps=200, rng=3, out=tmp_path / "survey")
    read = SurveyStudy.read(tmp_path / "survey")
    for name in ("bootstrap", "claims", "classes", "sensitivity", "dropped"):
        mine, theirs = getattr(study, name), getattr(read, name)
        assert list(mine.columns) == list(theirs.columns), name
        expected = as_written(mine)
        for text in ("note", "scope"):  # a blank cell reads back as no text, not NaN
            if text in expected:
                expected[text] = expected[text].fillna("").astype(str)
        pd.testing.assert_frame_equal(expected, theirs, check_dtype=False, obj=name)
    assert (read.source, read.answers, read.notes, read.dropped_sentence) == (
        study.source, study.answers, study.notes, study.dropped_sentence)
    assert read.observed_class == study.observed_class and read.seed == 3
    assert read.answer_sentence() == study.answer_sentence()


def test_the_survey_study_refuses_a_damaged_folder_in_one_line(tmp_path):
    import coprod
    from calibration.survey_study import SurveyStudy
    from sim.errors import InputError

    coprod.survey(reps=200, rng=3, out=tmp_path)
    (tmp_path / "classes.csv").write_text("class,probability\n")
    with pytest.raises(InputError, match=r"classes\.csv"):
        SurveyStudy.read(tmp_path)


def test_a_manifest_is_a_frozen_value_that_reads_back(tmp_path):
    from runtime.manifests import Manifest

    record = Manifest.of(command="coprod.survey()", seed=3, notes=["a"])
    with pytest.raises(TypeError):
        record.fields["seed"] = 4
    record.write(tmp_path / "manifest.json")
    read = Manifest.read(tmp_path / "manifest.json", "coprod survey")
    assert read == record and read.command == "coprod.survey()" and read["seed"] == 3


# A full comparison of its own runs (about 5 CPU-s): run by `make test-slow`; the fast set
# reads comparisons back in test_stage_types and test_hostile_leftovers2.
@pytest.mark.slow
def test_a_comparison_read_back_prints_as_the_one_computed(tmp_path, capsys):
    import coprod
    from coprod.console_scenarios import print_comparison
    from scenarios.results import ComparisonResult, Ensemble

    runs = coprod.run(["baseline", "local_volunteer_policy"], draws=2, assumption_draws=1,
                      replicates=1, horizon_weeks=60, out=tmp_path, rng=5)
    computed = coprod.compare(tmp_path, rng=5)
    capsys.readouterr()
    print_comparison(computed, tmp_path)
    said = capsys.readouterr()
    read = ComparisonResult.read(tmp_path)
    print_comparison(read, tmp_path)
    assert capsys.readouterr() == said
    assert read.written == computed.written
    assert read.manifest["seed"] == 5 and read.manifest.command == "coprod.compare()"
    assert Ensemble.read(tmp_path).scenarios == runs.scenarios
    outcomes = runs.outcomes("local_volunteer_policy")
    assert len(outcomes) == runs.runs // 2 and "share_together" in outcomes


@pytest.mark.slow
def test_the_design_study_reads_back_and_says_the_same(tmp_path, monkeypatch):
    import coprod
    from studies import design
    from studies.design_result import DesignStudy

    monkeypatch.setattr(design, "QUICK", design.Study(worlds=16, truths=8, neighbours=0.5))
    study = coprod.design(quick=True, rng=3, out=tmp_path)
    read = DesignStudy.read(tmp_path)
    assert len(read.reference) == 16 and read.manifest["worlds"] == 16
    assert read.sentences() == study.sentences()
    pd.testing.assert_frame_equal(as_written(study.design), read.design, check_dtype=False)


def test_tampered_or_foreign_folders_are_one_line(tmp_path):
    """A result type's read: a record of a kind no check foresaw is one line, not a traceback."""
    import json

    import pytest

    from scenarios.results import Ensemble
    from sim.errors import InputError

    scen = tmp_path / "runs" / "baseline"
    scen.mkdir(parents=True)
    record = {"command": "coprod run baseline", "scenario": "baseline", "runs": "abc"}
    (scen / "manifest.json").write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError, match=r'field .runs.: invalid value "abc"'):
        Ensemble.read(tmp_path / "runs")
    (scen / "manifest.json").write_text(json.dumps({**record, "runs": 1e400}) + "\n")
    with pytest.raises(InputError):
        Ensemble.read(tmp_path / "runs")
    # A folder of other commands (a survey's, a fit's) holds no scenario.
    other = tmp_path / "demo" / "survey"
    other.mkdir(parents=True)
    (other / "manifest.json").write_text(json.dumps({"command": "coprod survey"}) + "\n")
    with pytest.raises(InputError, match="no scenario results"):
        Ensemble.read(tmp_path / "demo")
