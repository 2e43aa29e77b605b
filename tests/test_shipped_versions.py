"""What ships was made with the model users run: the posterior, and studies say theirs."""

import json
from pathlib import Path

from sim.parameters import MODEL_VERSION

DATA = Path(__file__).parents[1] / "calibration" / "data"


def test_the_shipped_posterior_was_made_with_this_model_version():
    # Raising MODEL_VERSION without remaking the shipped posterior fails here, by name,
    # before any command refuses it.
    made = json.loads((DATA / "posterior" / "manifest.json").read_text())["versions"]["model"]
    assert made == str(MODEL_VERSION), (
        f"the shipped posterior was made with model version {made}, the model is version "
        f"{MODEL_VERSION}: remake it with the command in its manifest")
