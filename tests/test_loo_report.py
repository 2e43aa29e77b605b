"""The leave-one-out study as README and the report show it: rivals, losses, its version."""

from __future__ import annotations

import json

import pandas as pd

from studies.leave_one_out import COLUMNS


def _study(folder, *, model: str, logit_better_on: str = "physical"):
    """A leave-one-out table and manifest in ``folder``: the model beats the logit on
    every activity but ``logit_better_on``."""
    from runtime.manifests import manifest

    rows = []
    for activity in ("social", "physical", "day_centre"):
        for coordinator, observed in (("municipality", 0.5), ("voluntary", 0.3),
                                      ("together", 0.2)):
            error, logit_error = (0.10, 0.02) if activity == logit_better_on else (0.02, 0.10)
            rows.append({"activity": activity, "coordinator": coordinator,
                         "observed": observed, "predicted_median": observed + error,
                         "low_90": 0.0, "high_90": 1.0, "inside": True, "error": error,
                         "naive": observed + 0.2, "naive_error": 0.2,
                         "logit": observed + logit_error, "logit_error": logit_error})
    pd.DataFrame(rows, columns=COLUMNS).to_csv(folder / "leave_one_out.csv", index=False)
    record = manifest(command="coprod validate --leave-one-out --workers 2 --seed 2015",
                      seed=2015, draws=200, workers=2, wall_time_total_s=6000.0,
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

