"""The research question (divided, shared or both?), answered on a survey's table.

Andfossen (2020) asks: "When LTC units and voluntary organisations collaborate in
coordinating voluntary activities within caring services: are they sharing tasks,
dividing the tasks between them or both?" The answer is read from what the survey
observes — a table of counts per activity and coordinator (Table 2: six activities ×
municipality / voluntary / together, :data:`sim.catalogue.TABLE2_IDS` and
:data:`sim.catalogue.COORDINATORS`) and which activities are statutory — never from the
model's internal state.

Three pooled shares decide (units answering, summed over the activities of a group, as
the paper's "differences of proportions"):

* ``together`` — share coordinated together, over all activities;
* ``m_stat`` — share coordinated by the municipality alone, over statutory activities;
* ``m_non``, ``v_non`` — shares coordinated by the municipality alone and by
  organisations alone, over non-statutory activities.

Rules, applied in this order (so the classes are mutually exclusive and, with
``other`` and ``undetermined``, exhaustive):

1. **undetermined** — a group (statutory or non-statutory) has no answer. Every class
   rests on both groups' answers: the question sets sharing against a division along
   statutory lines, so neither can be told, nor sharing told from "both", when one group
   is unanswered. A table whose only answers are one unit's "together" for one activity
   is therefore undetermined, not shared (100%).
2. **shared** — ``together >= shared_min``: co-production, coordinating together is the
   common arrangement ("sharing the same tasks", Background and Discussion).
3. **other** — ``m_stat < statutory_municipal_min``: the municipality does not
   coordinate most statutory activities, so there is neither the division the paper
   expects nor municipal dominance (e.g. a table reversing the paper's findings). The
   paper names no such pattern; this is the documented fall-through.
4. **municipal-dominant** — ``m_non >= nonstatutory_municipal_min``: the municipality
   also coordinates most non-statutory activities, "independently of statutory or
   non-statutory services" (Discussion).
5. **divided** — ``v_non - m_non > voluntary_lead_min``: the statutory activities are the
   municipality's and organisations are "better represented as coordinators ... [of]
   non-statutory services, than the municipalities" (Discussion): a division of tasks.
6. **statutory-division-municipal-dominant** — otherwise: the municipality has the
   statutory activities and, on the rest, coordinates at least as many as the
   organisations without a majority — "although voluntary organisations are
   responsible for some of the non-statutory services, the LTC units contribute largely
   in coordinating these services as well" (Discussion); the paper says the units
   "dominate" cultural activities in nursing homes at 49% (Findings). This is the
   pattern the paper reports.

The thresholds (:data:`THRESHOLDS`) are read from the paper's words, not fitted to its
table: each is a majority ("most", "mostly") or a plain comparison ("better represented
than"). ``docs/ODD.md`` (2.8) gives the reasons; ``coprod survey`` writes how the
observed answer moves when each threshold moves (``classes_sensitivity.csv``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

CLASSES: tuple[str, ...] = (
    "divided",
    "shared",
    "municipal-dominant",
    "statutory-division-municipal-dominant",
    "other",  # fall-through: the municipality does not coordinate most statutory activities
    "undetermined",  # the statutory or the non-statutory activities have no answer
)
PAPER_CLASS = "statutory-division-municipal-dominant"  # what the paper reports (Discussion)

THRESHOLDS: dict[str, float] = {
    # Together must be the majority arrangement over all activities for "sharing tasks".
    # The paper calls together in "about one-quarter" of cases a "limited occurrence"
    # (Discussion), so a quarter is not sharing; at a half, coordinating together is the
    # common case rather than the exception.
    "shared_min": 0.50,
    # The municipality "mostly" coordinates statutory activities (Findings) and "it is
    # reasonable to expect that the public care sector carries out its own statutory
    # tasks" (Background): most = a majority of statutory answers.
    "statutory_municipal_min": 0.50,
    # Municipal dominance "independently of statutory or non-statutory services"
    # (Discussion): the municipality coordinates most = a majority of the non-statutory
    # answers as well as of the statutory ones.
    "nonstatutory_municipal_min": 0.50,
    # Division of tasks: organisations "better represented as coordinators [of
    # non-statutory services] than the municipalities" (Discussion), i.e. their share
    # exceeds the municipality's by more than this lead; 0 = any lead, as the words say.
    "voluntary_lead_min": 0.0,
}


def _check(counts: np.ndarray, statutory: np.ndarray, thresholds: Mapping) -> None:
    if counts.ndim < 2 or counts.shape[-1] != 3:
        raise ValueError(f"counts must have shape (..., activities, 3), got {counts.shape}")
    if statutory.shape != (counts.shape[-2],):
        raise ValueError(f"statutory must have shape ({counts.shape[-2]},), got "
                         f"{statutory.shape}")
    missing = set(THRESHOLDS) - set(thresholds)
    unknown = set(thresholds) - set(THRESHOLDS)
    if missing or unknown:
        raise ValueError(f"thresholds: missing {sorted(missing)}, unknown {sorted(unknown)}; "
                         f"expected {sorted(THRESHOLDS)}")
    if np.any(counts < 0):
        raise ValueError("counts must not be negative")


def pooled_shares(counts, statutory) -> dict[str, np.ndarray]:
    """The shares the rules read: ``together, m_stat, m_non, v_non`` (NaN where n = 0)."""
    counts = np.asarray(counts, dtype=float)
    statutory = np.asarray(statutory, dtype=bool)
    stat = counts[..., statutory, :].sum(axis=-2)
    non = counts[..., ~statutory, :].sum(axis=-2)
    total = counts.sum(axis=-2)

    def share(c, j):
        n = c.sum(axis=-1)
        return np.divide(c[..., j], n, out=np.full(n.shape, np.nan), where=n > 0)

    return {"together": share(total, 2), "m_stat": share(stat, 0), "m_non": share(non, 0),
            "v_non": share(non, 1)}


def classify_table(counts, statutory, thresholds: Mapping[str, float] = THRESHOLDS
                   ) -> np.ndarray:
    """Class of each table: ``counts`` (..., activities, 3), ``statutory`` (activities,).

    Vectorised over leading axes (bootstrap replicates, runs): returns labels (strings
    from :data:`CLASSES`) of shape ``counts.shape[:-2]``. Counts are in
    ``COORDINATORS`` order (municipality, voluntary, together); for Table 2 the
    activities are in ``TABLE2_IDS`` order, but any activities with their statutory
    flags work.
    """
    counts = np.asarray(counts, dtype=float)
    statutory = np.asarray(statutory, dtype=bool)
    _check(counts, statutory, thresholds)
    s = pooled_shares(counts, statutory)
    with np.errstate(invalid="ignore"):
        shared = s["together"] >= thresholds["shared_min"]
        no_group = np.isnan(s["m_stat"]) | np.isnan(s["m_non"])
        other = s["m_stat"] < thresholds["statutory_municipal_min"]
        dominant = s["m_non"] >= thresholds["nonstatutory_municipal_min"]
        divided = (s["v_non"] - s["m_non"]) > thresholds["voluntary_lead_min"]
    label = np.full(counts.shape[:-2], "statutory-division-municipal-dominant", dtype=object)
    # Assigned in reverse order of the rules, so an earlier rule overrides a later one.
    label[divided] = "divided"
    label[dominant] = "municipal-dominant"
    label[other] = "other"
    label[shared] = "shared"
    label[no_group] = "undetermined"  # no class without the answers it rests on
    return label.astype(str)


def class_probabilities(labels: Iterable[str] | np.ndarray) -> dict[str, float]:
    """Share of each class among ``labels`` (every class a key; NaN for no labels)."""
    labels = np.asarray(labels, dtype=object).ravel()
    unknown = set(labels.tolist()) - set(CLASSES)
    if unknown:
        raise ValueError(f"unknown class label(s) {sorted(unknown)}; allowed: {CLASSES}")
    if labels.size == 0:
        return {c: float("nan") for c in CLASSES}
    return {c: float(np.mean(labels == c)) for c in CLASSES}


def sensitivity(counts, statutory, labels_of, steps=(-0.10, -0.05, 0.05, 0.10),
                thresholds: Mapping[str, float] = THRESHOLDS):
    """How the answer moves when each threshold moves by each step (one at a time).

    ``counts`` is the observed table; ``labels_of(thresholds)`` returns the labels of the
    replicates under those thresholds (e.g. classify the bootstrap replicates). Returns
    rows ``threshold, base, step, value, observed_class, observed_changed,
    p_observed_class, p_<class>...``, steps in ascending order with ``step = 0`` (the
    reference) among them.
    """
    base_label = str(classify_table(counts, statutory, thresholds))
    rows = []
    for name in thresholds:
        for step in sorted({0.0, *steps}):
            moved = {**thresholds, name: thresholds[name] + step}
            label = str(classify_table(counts, statutory, moved))
            probs = class_probabilities(labels_of(moved))
            rows.append({"threshold": name, "base": thresholds[name], "step": step,
                         "value": round(moved[name], 10), "observed_class": label,
                         "observed_changed": label != base_label,
                         "p_observed_class": probs[label],
                         **{f"p_{c}": probs[c] for c in CLASSES}})
    return rows
