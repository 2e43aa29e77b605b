"""The research question on the observed table, with its bootstrap uncertainty.

The observed table is classified by :func:`sim.classify.classify_table`; its uncertainty
is the share of bootstrap replicates in each class. The replicates are exactly the
resampled tables of :func:`calibration.bootstrap.survey_bootstrap` (same data, seed,
resampling and number of replications: :func:`calibration.bootstrap.replicate_counts`),
so ``classes.csv`` and ``bootstrap.csv`` of one ``coprod survey`` describe the same
draws.

``classes.csv`` (one row per class of :data:`sim.classify.CLASSES`):

* ``class`` — the class name;
* ``probability`` — share of bootstrap replicates classified so;
* ``observed`` — 1 for the class of the observed table itself, else 0;
* ``reps``, ``resample`` — how the replicates were drawn.

``classes_sensitivity.csv`` (one row per threshold and step: −0.10, −0.05, 0, +0.05, +0.10): see
:func:`sim.classify.sensitivity` — ``threshold, base, step, value, observed_class,
observed_changed, p_observed_class, p_<class>`` for every class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.bootstrap import replicate_counts
from calibration.observed_survey import SurveyTable, UnitResponses
from sim.catalogue import COORDINATORS
from sim.classify import CLASSES, THRESHOLDS, class_probabilities, classify_table, sensitivity

STEPS = (-0.10, -0.05, 0.05, 0.10)  # threshold moves in the sensitivity table


@dataclass(frozen=True)
class ObservedClasses:
    """The observed table's class and the class probabilities over its replicates."""

    observed: str
    probabilities: dict[str, float]
    replicates: np.ndarray  # (reps, activities, 3) resampled tables
    statutory: np.ndarray
    counts: np.ndarray
    reps: int
    resample: str

    def to_frame(self):
        """``class, probability, observed, reps, resample`` (one row per class)."""
        import pandas as pd

        return pd.DataFrame({
            "class": list(CLASSES),
            "probability": [self.probabilities[c] for c in CLASSES],
            "observed": [int(c == self.observed) for c in CLASSES],
            "reps": self.reps, "resample": self.resample,
        })

    def sensitivity_frame(self, steps=STEPS):
        """How the answer moves when each threshold moves (see :func:`sensitivity`)."""
        import pandas as pd

        def labels_of(thresholds):
            return classify_table(self.replicates, self.statutory, thresholds)

        return pd.DataFrame(sensitivity(self.counts, self.statutory, labels_of, steps,
                                        THRESHOLDS))

    def sentence(self) -> str:
        """The answer in one line."""
        p = self.probabilities[self.observed]
        return (f"The research question on this table: {self.observed} "
                f"(probability {p:.0%} over {self.reps} bootstrap replicates, "
                f"{self.resample} resampling)")


def observed_classes(data: SurveyTable | UnitResponses, *, reps: int = 10_000, rng=None,
                     resample: str = "activity") -> ObservedClasses:
    """Classify the observed table and every bootstrap replicate of it."""
    table = data.to_table() if isinstance(data, UnitResponses) else data
    replicates = replicate_counts(data, reps=reps, rng=rng, resample=resample)
    labels = classify_table(replicates, table.statutory)
    return ObservedClasses(str(classify_table(table.counts, table.statutory)),
                           class_probabilities(labels), replicates,
                           np.asarray(table.statutory, dtype=bool), table.counts, reps,
                           resample)


# The paper: between 0 and 35% of each activity's answers were "unsure" or "several
# services" and were dropped (Methods). Their coordinators are unknown.
DROPPED_MAX = 0.35


def dropped_answers_bounds(table: SurveyTable, *, reps: int = 2_000, rng=None,
                           dropped: float = DROPPED_MAX):
    """The research question's answer if the dropped answers had named one coordinator.

    For each coordinator, every activity gets back the answers it lost, all naming that
    coordinator: the bounds of what the dropped answers could do to the answer. The
    answers lost are the table's own (``table.dropped``, a unit-level file's) when it
    records them, else the paper's largest dropped share (``dropped`` of all its
    answers). Returns ``case, class, probability, reps`` (one row per case, "as
    observed" first).
    """
    import pandas as pd

    from calibration.observed_survey import SurveyTable as Table

    rows = []
    if table.dropped is not None:
        extra = np.asarray(table.dropped, dtype=int)
    else:
        extra = np.round(table.n * dropped / (1 - dropped)).astype(int)
    cases = [("as observed", table.counts)]
    for j, coordinator in enumerate(COORDINATORS if extra.any() else ()):
        counts = table.counts.copy()
        counts[:, j] += extra
        cases.append((f"all dropped answers named {coordinator}", counts))
    for case, counts in cases:
        altered = Table(table.activities, counts, table.statutory, f"{table.source}: {case}")
        found = observed_classes(altered, reps=reps, rng=rng)
        rows.append({"case": case, "class": found.observed,
                     "probability": found.probabilities[found.observed], "reps": reps})
    return pd.DataFrame(rows)
