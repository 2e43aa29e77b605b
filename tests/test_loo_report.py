"""The leave-one-out study as README and the report show it: rivals, losses, its version."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from studies.leave_one_out import COLUMNS, summarise


def _study(folder, *, model: str, logit_better_on: str = "physical"):
    """A leave-one-out table and manifest in ``folder``: the model beats the logit on
    every activity but ``logit_better_on``."""
    from runtime.manifests import manifest
    from tests.conftest import loo_row

    rows = []
    for activity in ("social", "physical", "day_centre"):
        for coordinator in ("municipality", "voluntary", "together"):
            error, logit_error = (0.10, 0.02) if activity == logit_better_on else (0.02, 0.10)
            rows.append(loo_row(activity, coordinator, error=error, logit_error=logit_error))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.to_csv(folder / "leave_one_out.csv", index=False, float_format="%.6g")
    record = manifest(command="coprod validate --leave-one-out --workers 2 --seed 2015",
                      seed=2015, draws=200, workers=2, wall_time_total_s=6000.0,
                      summary=summarise(frame),
                      calibrations={a: {} for a in ("social", "physical", "day_centre")})
    record["versions"]["model"] = model
    (folder / "leave_one_out_manifest.json").write_text(json.dumps(record))


def test_the_report_says_where_the_model_loses_to_the_logit(tmp_path):
    from coprod.report_studies import studies_context, studies_section
    from sim.parameters import MODEL_VERSION

    _study(tmp_path, model=str(MODEL_VERSION))
    loo = next(s for s in studies_context(tmp_path)["current"] if s["key"] == "leave_one_out")
    assert loo["values"]["logit"]["loses"] == ["physical"]
    assert loo["values"]["logit"]["closer"] == 6
    text, appendix = studies_section(tmp_path)
    assert "it lost to the logit on physical" in text and "Logit</th>" in text
    assert appendix == ""  # a study of this model version is evidence, not an appendix



def test_readme_shows_a_current_study_in_its_section_and_an_earlier_one_in_the_appendix(
        tmp_path):
    import tools.readme_examples as readme
    from sim.parameters import MODEL_VERSION

    folder = tmp_path / "calibration" / "data" / "validation"
    folder.mkdir(parents=True)
    for version, current in ((str(MODEL_VERSION), True), (str(MODEL_VERSION - 1), False)):
        _study(folder, model=version)
        for name in ("recovery", "ablation"):
            (folder / f"{name}_manifest.json").write_text(json.dumps(
                {"versions": {"model": str(MODEL_VERSION - 1)}}))
        versions, loo = readme.collect_studies(tmp_path), readme.collect_loo(tmp_path)
        shown, earlier = (readme.render_loo(loo, versions, current=c) for c in (True, False))
        assert (shown != "") is current and (earlier != "") is not current
        text = shown or earlier
        assert f"model version {version}**" in text
        assert "The model loses to the logit on physical activity." in text
        assert "closer than the logit in 6" in text and "18 of 18" not in text
        said = readme.render_study_versions(versions)
        assert ("Leave one out describes" in said) is current
        assert f"recovery (version {MODEL_VERSION - 1})" in said
    assert np.isclose(loo["logit_error"], (6 * 0.10 + 3 * 0.02) / 9)


def test_readme_moves_a_remade_recovery_and_ablation_out_of_the_appendix(tmp_path):
    """The shipped recovery and ablation, as if remade with this model: shown as evidence."""
    import shutil

    import tools.readme_examples as readme
    from sim.parameters import MODEL_VERSION

    shipped = readme.ROOT / "calibration" / "data" / "validation"
    folder = tmp_path / "calibration" / "data" / "validation"
    shutil.copytree(shipped, folder)
    for version in (str(MODEL_VERSION), "1"):
        for name in ("recovery", "ablation", "leave_one_out"):
            path = folder / f"{name}_manifest.json"
            record = json.loads(path.read_text())
            record.setdefault("versions", {})["model"] = version
            path.write_text(json.dumps(record))
        versions = readme.collect_studies(tmp_path)
        recovery, ablation = readme.collect_recovery(tmp_path), readme.collect_ablation(tmp_path)
        current = version == str(MODEL_VERSION)
        for render, study in ((readme.render_recovery, recovery),
                              (readme.render_ablation, ablation)):
            assert (render(study, versions, current=True) != "") is current
            assert (render(study, versions, current=False) != "") is not current
        said = readme.render_study_versions(versions)
        assert said.startswith("Every shipped study describes") is current
        assert ("describes model version" in readme.render_studies_earlier(versions)) \
            is current
    text = readme.render_ablation(ablation, versions, current=False)
    # Each verdict is the report's, from the model selection's probabilities.
    for row in ablation["mechanisms"]:
        if row["p_full"] >= 0.9:
            assert f"supports `{row['mechanism']}`" in text
    shown = readme.render_recovery(recovery, versions, current=False)
    assert f"{100 * recovery['covered']:.0f}% of the {recovery['cases']}" in shown


def test_a_model_selection_stopped_above_its_tolerance_is_said_beside_its_probability(
        tmp_path):
    """README and report say which selections stopped short, read from the record."""
    import shutil

    import tools.readme_examples as readme
    from coprod.report_studies import selection_short, studies_context, studies_section

    shipped = readme.ROOT / "calibration" / "data" / "validation"
    folder = tmp_path / "calibration" / "data" / "validation"
    shutil.copytree(shipped, folder)
    path = folder / "ablation_manifest.json"
    record = json.loads(path.read_text())
    mechanisms = record["mechanisms"]
    first, second = mechanisms[0], mechanisms[1]
    for name in mechanisms:  # every selection reached its tolerance...
        selection = record["calibrations"][name]["selection"]
        selection["epsilons"][-1] = selection["min_epsilon"]
    # ...but two: one gave up a generation, one stopped at its last generation's limit.
    short = record["calibrations"][first]["selection"]
    short["epsilons"][-1], short["simulations_given_up"] = short["min_epsilon"] + 0.8, 200_000
    other = record["calibrations"][second]["selection"]
    other["epsilons"][-1] = other["min_epsilon"] + 0.2
    other.pop("simulations_given_up", None)
    path.write_text(json.dumps(record))

    assert selection_short(record["calibrations"], mechanisms[2]) is None
    assert selection_short(record["calibrations"], first)["given_up"] == 200_000
    ablation = readme.collect_ablation(tmp_path)
    current = ablation["model"] == readme.collect_studies(tmp_path)["current"]
    text = readme.render_ablation(ablation, readme.collect_studies(tmp_path),
                                  current=current)
    assert f"(selection stopped at {short['epsilons'][-1]:.2f}, above its " \
           f"{short['min_epsilon']:.2f})" in text
    assert (f"The model selections for `{first}` and `{second}` stopped above the tolerance "
            f"they were to reach (`{first}`'s after giving up a generation of 200,000 "
            "simulations)") in text
    assert text.count("selection stopped at") == 2
    # The report says it in the mechanism's verdict.
    studies = studies_context(folder)
    rows = next(s for s in studies["current"] + studies["stale"]
                if s["key"] == "ablation")["values"]["rows"]
    said = {r["mechanism"]: r["short"] for r in rows}
    assert said[first].startswith(f"its model selection stopped at tolerance "
                                  f"{short['epsilons'][-1]:.2f} after giving up a generation "
                                  "of 200,000 simulations")
    assert "giving up" not in said[second] and said[second]
    assert not any(said[m] for m in mechanisms[2:])

    page = "".join(studies_section(folder))
    assert page.count("But its model selection stopped at tolerance") == 2
