"""README's worked examples, regenerated from runs: ``make readme`` / ``make readme-check``.

Every figure README quotes from a run stands between ``<!-- generated: NAME -->`` and
``<!-- /generated -->``; this script writes those blocks, so no figure is typed by hand.
It works in two steps, so that the test suite can check README without running anything:

1. **collect**: read what the runs wrote (CSV and JSON, through the project's defensive
   readers; never the report's HTML) into ``docs/readme_sources.json``: the demo's folder
   (``coprod demo --out out/demo``), the example municipality's
   (:data:`OURS_COMMANDS`) and the shipped posterior's and SBC's files;
2. **render**: write each block from those values with the project's own formatting
   (:mod:`scenarios.labels`, :mod:`scenarios.attribution`), the way console and report
   print them.

Usage::

    python tools/readme_examples.py --run          # make missing/stale runs, rewrite README
    python tools/readme_examples.py --run --check  # the same runs; exit 1 and a diff if not
    python tools/readme_examples.py --render       # README from docs/readme_sources.json

``--run`` reuses the demo's runs in ``out/demo`` when they are of this code, the shipped
posterior and seed (as ``make demo`` leaves them), running only ``compare`` again, and
resumes the example municipality's in ``out/ours`` (``coprod run --resume``); whatever is
not current is made again. ``--fresh`` remakes everything. To change
a generated block's words, edit this file, not README.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from runtime.words import listing  # noqa: E402  (after the path above)

README = ROOT / "README.md"
SOURCES = ROOT / "docs" / "readme_sources.json"
SEED = 20150
DEMO = Path("out/demo")
OURS = Path("out/ours")
MUNICIPALITY = "docs/examples/municipality.toml"
OURS_COMMANDS = (
    ["run", "baseline", "local_volunteer_policy", "--municipality", MUNICIPALITY,
     "--workers", "2", "--seed", str(SEED), "--out", str(OURS)],
    ["compare", "--seed", str(SEED), "--out", str(OURS)],
)
DEMO_COMMAND = ["demo", "--seed", str(SEED), "--out", str(DEMO)]
# README's figures, copied from the demo's folder (its PNGs are the same bytes run to run).
FIGURES = {"docs/images/fit.png": "fit/fit.png",
           "docs/images/differences.png": "scenarios/differences.png",
           "docs/images/attribution.png": "scenarios/attribution.png"}
POLICIES = ("strict_task_division", "trust_forums", "local_volunteer_policy",
            "social_activities_duty", "municipal_volunteer_service", "recruitment_drive",
            "resource_squeeze")
LOCAL = "local_volunteer_policy"
ROUTES = ("municipal_default", "policy_sharing", "policy_control", "policy_participation")
READINGS = ("division", "sharing", "control")
# The outcomes README quotes: all that docs/readme_sources.json records of the runs.
DEMO_ROWS = ("share_together", "share_municipality", "active_volunteers",
             "per_1000:active_volunteers", "adopters:municipalities",
             "adopters:per_1000:active_volunteers", "adopters:share_municipality",
             *(f"reading:{r}:{o}" for r in READINGS
               for o in ("share_municipality", "share_together")))
OURS_ROWS = ("own:per_1000:activities_per_week", "own:activities_per_week", "own:inhabitants",
             "per_1000:active_volunteers", "adopters:municipalities",
             "adopters:per_1000:active_volunteers", "adopters:per_1000:activities_per_week",
             *(f"adopters:{u}:{o}" for u in ("nursing_home", "home_care")
               for o in ("activities_per_unit", "share_together")),
             "own:per_1000:active_volunteers")
ASSOCIATED = ("policy_participation",)  # the one route README names (its rank correlation)
CLASS_WORDS = {"statutory-division-municipal-dominant": ": a division on statutory activities "
               "with the municipality leading elsewhere, as the paper reports"}
# A block's markers stand on lines of their own (README may name them inside a sentence).
BLOCK = re.compile(r"^<!-- generated: (?P<name>[a-z0-9-]+) -->\n(?P<body>.*?)"
                   r"^<!-- /generated -->$", re.S | re.M)
OPENING = re.compile(r"^<!-- generated: ", re.M)
CLOSING = re.compile(r"^<!-- /generated -->$", re.M)


class ReadmeError(Exception):
    """What is missing or different, in one line for the user."""


# What the recorded values may be, by key, when README is rendered from them alone
# (--render): shares, probabilities and correlations as the collectors read them; every
# other number finite and within the bounds comparison.csv's readers use (1e12).
SOURCE_BOUNDS = {
    **dict.fromkeys(("share", "class_probability", "level", "coverage_min", "coverage_max",
                     "coverage_pooled", "divided", "municipal-dominant", "other", "shared",
                     "statutory-division-municipal-dominant", "undetermined"), (0.0, 1.0)),
    **dict.fromkeys(("covered", "coverage", "p_full"), (0.0, 1.0)),
    **dict.fromkeys(("rank_correlation", "correlation", *(f"{k}:{c}" for k in (
        "pooled_diff", "mean_diff", "pooled_diff_excl_social", "mean_diff_excl_social")
        for c in ("municipality", "voluntary", "together"))), (-1.0, 1.0)),
}
ANY_NUMBER = (-1e12, 1e12)


def read_sources(path: Path = SOURCES) -> dict:
    """``docs/readme_sources.json`` read as coprod reads its own records, every number checked.

    A link, an oversized or malformed file (:func:`runtime.files.read_own_json`), or a number
    that is not finite or out of its bounds (:data:`SOURCE_BOUNDS`) is one line naming
    the file, the key and the value.
    """
    from runtime.files import read_own_json
    from sim.errors import CoprodError

    try:
        sources = read_own_json(path, "make readme")
    except CoprodError as err:
        raise ReadmeError(str(err)) from None

    def walk(node, where: str, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{where}.{k}", str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]", key)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            low, high = SOURCE_BOUNDS.get(key, ANY_NUMBER)
            if not (math.isfinite(node) and low <= node <= high):
                raise ReadmeError(f"{path}: field '{where[1:]}': invalid value {node!r}; "
                                  f"allowed: a number from {low:g} to {high:g}; remake it "
                                  "with 'make readme'")

    walk(sources, "", "")
    return sources


# ------------------------------------------------------------------ collect

def _csv(path: Path, columns: tuple, numeric: tuple = ()):
    from runtime.files import read_own_csv

    return read_own_csv(path, "python tools/readme_examples.py --run --fresh",
                        columns=columns, numeric=numeric)


def _json(path: Path) -> dict:
    from runtime.files import read_own_json

    return read_own_json(path, "python tools/readme_examples.py --run --fresh")


def _finite(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def _comparison(folder: Path, keep: tuple[str, ...]) -> dict:
    """``comparison.csv``'s rows ``keep`` names, as {scenario: {outcome: values}}."""
    cols = ("scenario", "outcome", "median", "low_90", "high_90", "diff_median",
            "diff_low_90", "diff_high_90", "scale", "unit")
    table = _csv(folder / "comparison.csv", cols, numeric=cols[2:9])
    out: dict = {}
    for r in table.to_dict("records"):
        if str(r["outcome"]) not in keep:
            continue
        row = {k: _finite(r.get(k)) for k in cols[2:9]}
        row["unit"] = "" if str(r.get("unit")) == "nan" else str(r.get("unit"))
        if "runs" in r:
            row["runs"] = _finite(r["runs"])
        if "paired_runs" in r:
            row["paired_runs"] = _finite(r["paired_runs"])
        out.setdefault(str(r["scenario"]), {})[str(r["outcome"])] = row
    return out


def _attribution(folder: Path, keep: tuple[str, ...]) -> dict:
    """``attribution.csv``'s rows of the outcomes ``keep`` names: {scenario: {outcome: [rows]}}."""
    cols = ("scenario", "outcome", "input", "kind", "share", "low_90", "high_90",
            "rank_correlation")
    table = _csv(folder / "attribution.csv", cols, numeric=cols[4:])
    out: dict = {}
    for r in table.to_dict("records"):
        if str(r["outcome"]) not in keep or (str(r["kind"]) == "association"
                                              and str(r["input"]) not in ASSOCIATED):
            continue
        out.setdefault(str(r["scenario"]), {}).setdefault(str(r["outcome"]), []).append(
            {"input": str(r["input"]), "kind": str(r["kind"]),
             **{k: _finite(r[k]) for k in cols[4:]}})
    return out


def _reading_worlds(folder: Path) -> dict:
    """How many of a scenario's world draws hold each reading of the local policy."""
    from sim.parameters import PARAMETERS

    inputs = _csv(folder / LOCAL / "inputs.csv", ("posterior_draw", "policy_reading"),
                  numeric=("posterior_draw", "policy_reading"))
    per_draw = inputs.groupby("posterior_draw")["policy_reading"].first()
    levels = PARAMETERS["policy_reading"].levels
    low = PARAMETERS["policy_reading"].low
    return {name: int((per_draw == low + i).sum()) for i, name in enumerate(levels)}


def collect_survey(demo: Path) -> dict:
    """The survey's differences, claims, class and where dropped answers take it."""
    boot = _csv(demo / "survey" / "bootstrap.csv",
                ("statistic", "estimate", "low_95", "high_95", "low_99", "high_99"),
                numeric=("estimate", "low_95", "high_95", "low_99", "high_99"))
    keep = [s for s in boot.statistic if str(s).startswith(("pooled_diff", "mean_diff"))]
    stats = {str(r.statistic): [_finite(r.estimate), _finite(r.low_95), _finite(r.high_95),
                                _finite(r.low_99), _finite(r.high_99)]
             for r in boot.itertuples() if r.statistic in keep}
    claims = _csv(demo / "survey" / "claims.csv",
                  ("claim", "level", "verdict", "evidence"), numeric=("level",))
    classes = _csv(demo / "survey" / "classes.csv",
                   ("class", "probability", "observed", "reps"),
                   numeric=("probability", "observed", "reps"))
    dropped = _csv(demo / "survey" / "classes_dropped.csv", ("case", "class"))
    observed = classes[classes.observed == 1]
    if len(observed) != 1:
        raise ReadmeError(f"{demo / 'survey' / 'classes.csv'}: expected one observed class")
    return {"statistics": stats,
            "claims": [{"claim": str(r.claim), "level": float(r.level),
                        "verdict": str(r.verdict), "evidence": str(r.evidence)}
                       for r in claims.itertuples()],
            "class": str(observed["class"].iloc[0]),
            "dropped": {str(r["case"]): str(r["class"]) for r in dropped.to_dict("records")},
            "class_probability": float(observed.probability.iloc[0]),
            "reps": int(observed.reps.iloc[0])}


def collect_fit(demo: Path) -> dict:
    """The posterior predictive check the demo made (``fit/``)."""
    record = _json(demo / "fit" / "manifest.json")
    fit = record.get("fit")
    if not isinstance(fit, dict):
        raise ReadmeError(f"{demo / 'fit' / 'manifest.json'}: no 'fit' record")
    validation = _csv(demo / "fit" / "fit_validation.csv", ("pattern", "consistent", "kind"))
    ok = validation.consistent.astype(str).str.lower() == "true"
    classes = _csv(demo / "fit" / "fit_classes.csv",
                   ("class", "model_probability", "table_probability", "observed", "draws"),
                   numeric=("model_probability", "table_probability", "observed", "draws"))
    return {"fit": {k: (v if isinstance(v, bool) else _finite(v)) for k, v in fit.items()},
            "command": str(record.get("command", "")),
            "validation": [int(ok[validation.kind == "validation"].sum()),
                           int((validation.kind == "validation").sum())],
            "consistency": [int(ok[validation.kind == "consistency"].sum()),
                            int((validation.kind == "consistency").sum())],
            "classes": {str(r["class"]): _finite(r["model_probability"])
                        for r in classes.to_dict("records")},
            "observed_class": str(classes[classes.observed == 1]["class"].iloc[0]),
            "draws": int(classes.draws.iloc[0])}


def collect_posterior(root: Path) -> dict:
    """How the shipped posterior was made, its readings' weights, what it narrowed."""
    from calibration.posterior import load_posterior
    from coprod.report_studies import calibration_seconds, study_duration

    folder = root / "calibration" / "data" / "posterior"
    record = _json(folder / "manifest.json")
    post = load_posterior(folder)
    shares = post.level_shares("policy_reading")
    adjusted = _csv(folder / "posterior_adjusted.csv",
                    ("input", "width_share", "raw_width_share"),
                    numeric=("width_share", "raw_width_share"))
    narrowing = _csv(folder / "narrowing.csv", ("input", "narrowed"))
    narrowed = [str(r.input) for r in narrowing.itertuples()
                if str(r.narrowed).lower() == "true"]
    settings = record.get("settings", {})
    keys = ("simulations", "populations", "wall_time_s", "wall_time_total_s", "workers",
            "effective_sample_size", "noise_level", "min_acceptance_rate")
    # A resumed calibration's wall_time_s is its last run's: its sampling_s is all of it.
    sampled = calibration_seconds(record)
    if sampled is None:
        raise ReadmeError(f"{folder / 'manifest.json'}: its sampling time (sampling_s or "
                          "wall_time_s) is not a number of seconds; remake the posterior")
    one_run = record.get("resumed") is False
    return {**{k: _finite(record.get(k)) for k in keys},
            "wall_time_s": sampled[0], "sampling_whole": one_run or sampled[1],
            # Its own time is its last run's: said only of a calibration made in one.
            "wall_time_total_s": (study_duration(record) or (None,))[0] if one_run else None,
            "final_epsilon": _finite((record.get("epsilons") or [None])[-1]),
            "particles": _finite(settings.get("population_size")),
            "max_populations": _finite(settings.get("max_populations")),
            "max_simulations": _finite(settings.get("max_simulations")),
            "max_walltime_s": _finite(settings.get("max_walltime_s")),
            "command": str(record.get("command", "")),
            "model": str(record.get("versions", {}).get("model", "")),
            "abc_inputs": [str(x) for x in record.get("abc_inputs", [])],
            "prior_inputs": len(record.get("prior_inputs", [])),
            "readings": [float(v) for v in shares.values()],
            "raw_width": {str(r.input): _finite(r.raw_width_share) for r in adjusted.itertuples()},
            "adjusted_width": {str(r.input): _finite(r.width_share)
                               for r in adjusted.itertuples()},
            "narrowed": narrowed, "tested": len(narrowing)}


def collect_sbc(root: Path) -> dict:
    """The shipped simulation-based calibration check's summary."""
    folder = root / "calibration" / "data" / "validation"
    record = _json(folder / "sbc_manifest.json")
    table = _csv(folder / "sbc_summary.csv",
                 ("quantity", "kind", "truths", "coverage_90", "coverage_90_low",
                  "coverage_90_high", "verdict"),
                 numeric=("truths", "coverage_90", "coverage_90_low", "coverage_90_high"))
    effect = table[table.kind != "input"]
    return {"elapsed_s": _finite(record.get("elapsed_s")),
            "workers": _finite(record.get("workers")),
            "model": str(record.get("posterior", {}).get("model_version", "")),
            "quantities": len(table),
            "uniform": int((table.verdict.astype(str) == "uniform").sum()),
            "coverage_min": float(table.coverage_90.min()),
            "coverage_max": float(table.coverage_90.max()),
            "coverage_pooled": float((table.coverage_90 * table.truths).sum()
                                     / table.truths.sum()),
            "effect": ([float(effect.coverage_90.iloc[0]), float(effect.coverage_90_low.iloc[0]),
                        float(effect.coverage_90_high.iloc[0])] if len(effect) else None)}


# The studies of the real procedure, each with its manifest's name in the shipped folder.
STUDIES = {"leave_one_out": "leave one out", "recovery": "recovery", "ablation": "the ablation"}


def _model_of(record: dict, where: Path) -> str:
    """The model version a shipped manifest records (1: before versions were recorded)."""
    from runtime.manifests import model_version_of
    from sim.errors import InputError

    try:
        return str(model_version_of(record, str(where)))
    except InputError as err:
        raise ReadmeError(str(err)) from None


def collect_studies(root: Path) -> dict:
    """The model version each shipped study of the real procedure was made with."""
    from sim.parameters import MODEL_VERSION

    folder = root / "calibration" / "data" / "validation"
    return {"current": str(MODEL_VERSION),
            "made_with": {name: _model_of(_json(folder / f"{name}_manifest.json"),
                                          folder / f"{name}_manifest.json")
                          for name in STUDIES}}


def collect_loo(root: Path) -> dict:
    """The shipped leave-one-out study: its making, and each activity's errors and rivals.

    The multinomial logit rival is in every study since model version 3; an earlier one
    has the naive predictor alone (``logit_error`` None).
    """
    from coprod.report_studies import calibration_seconds
    from studies.leave_one_out import COLUMNS

    folder = root / "calibration" / "data" / "validation"
    record = _json(folder / "leave_one_out_manifest.json")
    numeric = ("observed", "predicted_median", "low_90", "high_90", "error", "naive",
               "naive_error", "logit", "logit_error")
    table = _csv(folder / "leave_one_out.csv", tuple(c for c in COLUMNS if "logit" not in c),
                 numeric=numeric)
    logit = "logit_error" in table

    def errors(part) -> dict:
        return {"error": float(part.error.mean()),
                "naive_error": float(part.naive_error.mean()),
                "logit_error": float(part.logit_error.mean()) if logit else None}

    inside = table.inside.astype(str) == "True"
    activities = [{"activity": str(activity), "shares": len(part),
                   "inside": int(inside[part.index].sum()), **errors(part)}
                  for activity, part in table.groupby("activity", sort=False)]
    calibrations = record.get("calibrations", {})
    # Each calibration's sampling over all its runs where recorded, else its last run's.
    walls = [calibration_seconds(c) for c in calibrations.values()] \
        if isinstance(calibrations, dict) else []
    return {"model": _model_of(record, folder / "leave_one_out_manifest.json"),
            "calibration_wall_s": [w for w in walls if w is not None],
            "calibration_wall_whole": all(w is not None and w[1] for w in walls),
            **_made_in(record),
            "draws": _finite(record.get("draws")),
            "calibrations": len(calibrations) if isinstance(calibrations, dict) else 0,
            "shares": len(table), "inside": int(inside.sum()), **errors(table),
            "beats_naive": int((table.error < table.naive_error).sum()),
            "beats_logit": int((table.error < table.logit_error).sum()) if logit else None,
            "activities": activities}


# The design study's rows README's table shows: the local policy's effects and its
# routes. Its reading, a choice of three, has no width: its row (the posterior's
# probability on the wrong readings) is said in a sentence below the table.
DESIGN_ROWS = ("local_volunteer_policy:share_municipality",
               "local_volunteer_policy:share_together",
               "local_volunteer_policy:volunteers_per_1000", "municipal_default",
               "policy_sharing", "policy_control", "policy_clarity", "policy_participation")


def collect_design(root: Path) -> dict:
    """The shipped design study: its making, README's rows, each policy's best narrowing."""
    from studies.design import COLUMNS, DESIGNS, reading_sentence

    folder = root / "calibration" / "data" / "validation"
    record = _json(folder / "design_manifest.json")
    numeric = ("ratio", "ratio_low", "ratio_high", "width_now", "expected_width",
               "width_prior", "truths", "worlds")
    table = _csv(folder / "design.csv", COLUMNS, numeric=numeric)
    later = table[table.design.isin([d for d in DESIGNS if d != "2015"])]
    rows = [{k: (float(r[k]) if k in numeric else str(r[k]))
             for k in ("design", "target", "unit", *numeric)}
            for _, r in later[later.target.isin(DESIGN_ROWS)].iterrows()]
    effects = later[later.kind == "effect"]
    reading = reading_sentence(table)  # the local policy's reading: studies.design's words
    best = {}
    for target, part in effects.groupby("target", sort=False):
        top = part.sort_values("ratio").iloc[0]
        best[target] = {"design": str(top.design), "ratio": float(top.ratio)}
    return {"model": _model_of(record, folder / "design_manifest.json"),
            "elapsed_s": _finite(record.get("elapsed_s")),
            "workers": _finite(record.get("workers")),
            "worlds": _finite(record.get("worlds")),
            "reused": _finite(record.get("worlds_reused")) or 0.0,
            "truths": _finite(record.get("truths")),
            "policies": len(record.get("policies", {})),
            "rows": rows, "best": best, "reading": reading}


def _made_in(record: dict, *, ablation: bool = False) -> dict:
    """How long a study took (:func:`coprod.report_studies.study_duration`) and on what."""
    from coprod.report_studies import study_duration

    return {"elapsed_s": _finite(record.get("wall_time_total_s")),
            "workers": _finite(record.get("workers")),
            "duration": study_duration(record, ablation=ablation)}


def _study_time(study: dict) -> str:
    """'4,214 s on 2 workers', or 'at least 13,785 s of sampling on 2 workers', or ''."""
    from coprod.report_text import duration_words

    workers = f" on {_workers(study['workers'])}" if study["workers"] else ""
    return duration_words(study.get("duration"), workers)


def collect_recovery(root: Path) -> dict:
    """The shipped recovery study: per input and pooled coverage, the policy effects'."""
    from coprod.report_studies import noise_reached, resumed_midway
    from studies.parameter_recovery import COLUMNS, truth_folder

    folder = root / "calibration" / "data" / "validation"
    record = _json(folder / "recovery_manifest.json")
    cases = _csv(folder / "recovery.csv", tuple(COLUMNS),
                 numeric=("truth", "posterior_median", "low_90", "high_90", "error",
                          "relative_width"))
    summary = _csv(folder / "recovery_summary.csv",
                   ("parameter", "truths", "coverage", "bias", "relative_width"),
                   numeric=("truths", "coverage", "bias", "relative_width"))
    effects = _csv(folder / "policy_recovery_summary.csv",
                   ("scenario", "outcome", "truths", "mean_true_effect",
                    "mean_absolute_error", "coverage", "correlation"),
                   numeric=("truths", "mean_true_effect", "mean_absolute_error", "coverage",
                            "correlation"))
    how = record.get("policy_effects", {})
    how = how if isinstance(how, dict) else {}
    return {"model": _model_of(record, folder / "recovery_manifest.json"),
            "stopping": noise_reached(record.get("calibrations"), [
                truth_folder(k) for k in range(int(cases.truth_id.nunique()))]),
            "resumed": resumed_midway(record.get("calibrations"), [
                truth_folder(k) for k in range(int(cases.truth_id.nunique()))]),
            "truths": int(cases.truth_id.nunique()), "cases": len(cases),
            "covered": float((cases.covered.astype(str) == "True").mean()),
            **_made_in(record),
            "draws": _finite(how.get("posterior_draws")),
            "replicates": _finite(how.get("replicates_at_truth")),
            "inputs": [{"parameter": str(r.parameter), "coverage": float(r.coverage),
                        "bias": float(r.bias), "width": float(r.relative_width)}
                       for r in summary.itertuples()],
            "effects": [{"scenario": str(r.scenario), "outcome": str(r.outcome),
                         "true": float(r.mean_true_effect),
                         "error": float(r.mean_absolute_error),
                         "coverage": float(r.coverage), "correlation": _finite(r.correlation)}
                        for r in effects.itertuples() if r.truths > 0]}


def collect_ablation(root: Path) -> dict:
    """The shipped ablation: per mechanism switched off, its fit and the model selection."""
    from coprod.report_studies import selection_short
    from studies.ablation import COLUMNS

    folder = root / "calibration" / "data" / "validation"
    record = _json(folder / "ablation_manifest.json")
    table = _csv(folder / "ablation.csv", tuple(COLUMNS),
                 numeric=("final_epsilon", "shares_inside_predictive_90",
                          "model_probability_full", "simulations"))
    calibrations = record.get("calibrations", {})
    calibrations = calibrations if isinstance(calibrations, dict) else {}

    def noise(name: str) -> float | None:
        """A calibration's noise level: the full model's record, or a mechanism's."""
        made = calibrations.get(name, {})
        made = made.get("calibration", made) if isinstance(made, dict) else {}
        return _finite(made.get("noise_level")) if isinstance(made, dict) else None

    full = table[table.mechanism.astype(str).str.startswith("none")]
    rows = table[~table.mechanism.astype(str).str.startswith("none")]
    return {"model": _model_of(record, folder / "ablation_manifest.json"),
            **_made_in(record, ablation=True), "off": _finite(record.get("off_value")),
            "calibrations": len(calibrations),
            "selections": sum(isinstance(c, dict) and "selection" in c
                              for c in calibrations.values()),
            "full": {"epsilon": float(full.final_epsilon.iloc[0]),
                     "inside": int(full.shares_inside_predictive_90.iloc[0]),
                     "noise": noise("full")},
            "mechanisms": [{"mechanism": str(r.mechanism), "epsilon": float(r.final_epsilon),
                            "inside": int(r.shares_inside_predictive_90),
                            "p_full": float(r.model_probability_full),
                            "simulations": int(r.simulations), "noise": noise(str(r.mechanism)),
                            "short": selection_short(calibrations, str(r.mechanism))}
                           for r in rows.itertuples()]}



def collect_scenarios(folder: Path, keep: tuple[str, ...]) -> dict:
    """A ``coprod run`` + ``compare`` folder: the rows ``keep`` names, readings drawn."""
    return {"comparison": _comparison(folder, keep), "attribution": _attribution(folder, keep),
            "reading_worlds": _reading_worlds(folder)}


def collect(demo: Path, ours: Path, root: Path = ROOT) -> dict:
    """Every value the generated blocks show, read from the runs' folders."""
    from sim.errors import InputError

    try:
        return {"survey": collect_survey(demo), "fit": collect_fit(demo),
                "posterior": collect_posterior(root), "sbc": collect_sbc(root),
                "design": collect_design(root), "studies": collect_studies(root),
                "loo": collect_loo(root), "recovery": collect_recovery(root),
                "ablation": collect_ablation(root),
                "scenarios": collect_scenarios(demo / "scenarios", DEMO_ROWS),
                "ours": collect_scenarios(ours, OURS_ROWS)}
    except InputError as err:
        raise ReadmeError(str(err)) from None
    except (KeyError, IndexError, AttributeError, TypeError) as err:
        raise ReadmeError(f"an output lacks what README quotes ({type(err).__name__}: "
                          f"{err}); remake the runs with --run --fresh") from None


# ------------------------------------------------------------------ formatting

def _interval(row: dict, *, diff: bool = True,
              unit: str | None = None) -> tuple[str, str, str, str]:
    """(median, low, high, unit words) of a comparison row, formatted as compare does."""
    from scenarios.labels import change

    if row is None:
        raise ReadmeError("a row README quotes is missing from comparison.csv")
    keys = ("diff_median", "diff_low_90", "diff_high_90") if diff else \
        ("median", "low_90", "high_90")
    values = [row[k] for k in keys]
    if values[0] is None:
        raise ReadmeError("a value README quotes is blank in comparison.csv")
    values = [math.nan if v is None else v for v in values]  # no interval: shown as —
    text = change(*values, row["unit"] if unit is None else unit, row["scale"] or 1)
    found = re.fullmatch(r"(\S+)(.*) \(90% (\S+) to (\S+)\)", text)
    return found.group(1), found.group(3), found.group(4), found.group(2).strip()


def effect(row: dict, *, words: bool = False) -> str:
    """``+1.2 (−4.4 to +18.0)``, or with ``words`` ``+1.2 points (90% −4.4 to +18.0)``."""
    m, lo, hi, unit = _interval(row)
    if words:
        return f"{m}{' ' + unit if unit else ''} (90% {lo} to {hi})"
    return f"{m} ({lo} to {hi})"


def unsigned(text: str) -> str:
    """A positive formatted value without its plus sign (``+1.2`` → ``1.2``)."""
    return text[1:] if text.startswith("+") else text


def _minus(text: str) -> str:
    """A recorded sentence with true minus signs before numbers (as the console prints)."""
    return re.sub(r"(?<![\w])-(?=\d)", "−", text)


def pct(x: float, places: int = 0) -> str:
    """A fraction in per cent."""
    return f"{100 * x:.{places}f}%"


def share_cell(r: dict | None) -> str:
    """A variance share as the table reads it: ``86% (74–92%)``."""
    if r is None or r["share"] is None:
        return "—"
    lo = "" if r["low_90"] is None else f"{100 * r['low_90']:.0f}"
    hi = "" if r["high_90"] is None else f"{100 * r['high_90']:.0f}"
    return f"{100 * r['share']:.0f}% ({lo}–{hi}%)" if lo and hi else f"{100 * r['share']:.0f}%"


def _group(rows: list[dict], name: str) -> dict | None:
    return next((r for r in rows if r["kind"] == "group" and r["input"] == name), None)


def _p(x: float) -> str:
    """A probability as the README reads it: 48.5%, 94%."""
    text = f"{100 * x:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _workers(n: float) -> str:
    """``2 workers``, ``1 worker``."""
    return f"{n:.0f} worker" + ("" if n == 1 else "s")


def _count(n: int) -> str:
    """A small count in words (``six``), a larger one in figures."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if 0 <= n < len(words) else str(n)


def _thousands(x: float) -> str:
    return f"{x:,.0f}"


# ------------------------------------------------------------------ render

def render_survey(s: dict) -> str:
    """What the survey's intervals say of the paper's claims."""
    st = s["statistics"]

    def d99(name: str, lead: str = "") -> str:
        from scenarios.labels import signed

        e, _, _, lo, hi = st[name]
        return (f"{signed(100 * e, 1)} points{lead}, 99% {signed(100 * lo, 1)} to "
                f"{signed(100 * hi, 1)}")

    def sig99(name: str) -> bool:
        return st[name][3] > 0 or st[name][4] < 0

    both = all(sig99(f"{k}:{c}") for k in ("pooled_diff", "pooled_diff_excl_social")
               for c in ("municipality", "voluntary"))
    claims = s["claims"]
    both99 = sig99("pooled_diff:municipality") and sig99("pooled_diff:voluntary")

    def verdict(start: str, level: float, nth: int = 0) -> dict:
        found = [c for c in claims if c["claim"].startswith(start) and c["level"] == level]
        if len(found) <= nth:
            raise ReadmeError(f"claims.csv: no verdict at {level} for “{start}…”")
        return found[nth]

    sig = verdict("Measured differences", 0.99)
    quarter95, quarter99 = (verdict("The findings in Table 2 show", lv) for lv in (0.95, 0.99))
    control = [verdict("Nevertheless, the LTC units control", 0.99, i) for i in (0, 1)]
    together = "" if sig99("pooled_diff:together") else (
        f": not for shared coordination (\"together\": {d99('pooled_diff:together', ' pooled')})")
    return (
        f"**What the intervals say** (`coprod survey --seed {SEED}`, 10,000 replicates, as "
        "`make demo` runs it: `survey/bootstrap.csv`, `survey/claims.csv`). The statutory − "
        "non-statutory differences for the municipality "
        f"({d99('pooled_diff:municipality', ' pooled')}) and for voluntary organisations "
        f"({d99('pooled_diff:voluntary')}) are "
        f"{'significant at 99%' if both99 else 'not both significant at 99%'}"
        f"{', with and without social activities' if both else ''}. The paper's sentence that "
        f"the measured differences are significant at 99% is *{sig['verdict']}*{together}. "
        "Its \"about one-quarter of cases for each activity, day centres 5%\" is "
        f"*{quarter95['verdict']}* at 95% and *{quarter99['verdict']}* at 99% "
        f"({_minus(quarter99['evidence'])}). The Discussion's \"the LTC units "
        "control most of the coordination work, independently of statutory or non-statutory "
        f"services\" is read two ways: as a majority of answers it is *{control[0]['verdict']}* "
        f"at 99% ({_minus(control[0]['evidence'])}); as \"more often than "
        f"organisations\", *{control[1]['verdict']}* "
        f"({_minus(control[1]['evidence'])}).\n")


def render_survey_class(s: dict) -> str:
    """The research question's answer on Table 2, as ``coprod survey`` prints it."""
    return (
        "**The research question on the table.** Do the units and the organisations divide "
        "tasks, share them, or does the municipality dominate? `coprod survey` answers on the "
        "table itself (pooled over statutory and non-statutory activities; rules and "
        "thresholds, each read from the paper's words, in `docs/ODD.md` 2.8) and prints one "
        f"line, e.g. `{s['class']} (probability {s['class_probability']:.0%} over "
        f"{s['reps']} bootstrap replicates, activity resampling)` for Table 2 (`make demo`'s "
        f"`survey/classes.csv`){CLASS_WORDS.get(s['class'], '')}. `--out` writes "
        "`classes.csv` (`class, probability, observed, reps, resample`: each class's share "
        "of the bootstrap replicates, `observed` = 1 for the observed table's class) and "
        "`classes_sensitivity.csv` (`threshold, base, step, value, observed_class, "
        "observed_changed, p_observed_class, p_<class>`: the answer when each threshold "
        "moves by ±0.05 or ±0.10). It works the same on your own aggregate or unit-level "
        "file.\n")


def render_stopping(p: dict) -> str:
    """When the shipped calibration was to stop."""
    return (
        "It stops at the noise level of the survey itself — the median distance between two "
        "virtual surveys of one world, measured at the start "
        f"({p['noise_level']:.3f} for the shipped posterior) — or earlier at "
        f"{p['max_populations']:.0f} generations, {_thousands(p['max_simulations'])} "
        f"simulations, {p['max_walltime_s'] / 60:.0f} minutes of sampling, or an acceptance "
        f"rate under {_p(p['min_acceptance_rate'])} (the shipped posterior's settings; "
        "`coprod calibrate --help` gives today's defaults). Candidates are seeded by their "
        "index (`calibration/sampler.py`), so the same seed gives the same posterior with one "
        "worker or several.\n")


def render_posterior(p: dict, f: dict, s: dict) -> str:
    """The shipped posterior: how it was made, its fit, readings, what it narrowed."""
    fit = f["fit"]
    # The command's own time is its last run's: said only of a calibration made in one.
    in_all = (f" ({_thousands(p['wall_time_total_s'])} s in all)"
              if p.get("wall_time_total_s") else "")
    ratio = p["final_epsilon"] / p["noise_level"]
    minutes = p["wall_time_s"] / 60
    goals = []
    if ratio > 1.0:
        goals.append(f"the tolerance stays above the noise level ({p['final_epsilon']:.3f} / "
                     f"{p['noise_level']:.3f} = {ratio:.2f}, goal at most 1.00)")
    if p["effective_sample_size"] < 200:
        goals.append(f"the effective sample size is below 200 ({p['effective_sample_size']:.0f})")
    if minutes > 10:
        goals.append(f"sampling took {minutes:.0f} minutes, not at most 10")
    width_goal = math.sqrt(2) * fit["observed_width_mean"]
    wide = fit["predictive_width_mean"] > width_goal
    if wide:
        goals.append("its predictive intervals are wider than the goal (below)")
    missed = (f" **It misses {_count(len(goals))} goal"
              f"{'s' if len(goals) > 1 else ''} of the validation issue (#30):** "
              f"{listing(goals, sep='; ')}." if goals else
              " It meets the goals of the validation issue (#30): tolerance at or below the "
              "noise level, effective sample size at least 200, sampling within 10 minutes and "
              "predictive intervals at most √2 the observed.")
    from sim.parameters import PARAMETERS

    moved = p["abc_inputs"]
    free = [m for m in moved if m in PARAMETERS and PARAMETERS[m].kind == "free"]
    rest = [f"`{m}`" for m in moved if m not in free]
    readings = dict(zip(READINGS, p["readings"], strict=True))
    classes = f["classes"]
    target = f["observed_class"]
    others = [(k, v) for k, v in classes.items() if k != target and v]
    words = {"divided": "\"divided\"", "municipal-dominant": "\"municipal-dominant\"",
             "other": "\"other\"", "shared": "\"shared\"", "undetermined": "\"undetermined\""}
    raw, adj = p["raw_width"], p["adjusted_width"]
    routes = ", ".join(f"`{r}` {raw[r]:.2f}" for r in ROUTES)
    ordered = sorted((v, k) for k, v in raw.items() if v is not None and k != "policy_reading")
    narrow_raw = ", ".join(f"`{k}` {v:.2f}" for v, k in ordered[:9])
    rest_raw = [v for v, _ in ordered[9:]]
    adj_sorted = sorted((v, k) for k, v in adj.items()
                        if v is not None and k != "policy_reading")
    adj_text = ", ".join(f"`{k}` {v:.2f}" for v, k in adj_sorted[:6])
    adj_routes = [adj[r] for r in ROUTES]
    narrowed = p["narrowed"]
    ess = p["effective_sample_size"]
    inside_diffs = sum(bool(fit[f"pooled_diff_{c}_inside"]) for c in ("municipality", "voluntary"))
    unused = ("The particles stop above the survey noise, so they leave information unused: "
              if ratio > 1 else "")
    return (
        "The shipped posterior (`calibration/data/posterior/`, made with "
        f"`{_command_words(p['command'])}` on model version {p['model']}; its "
        "`manifest.json` records how, and a posterior of another model version is refused in "
        f"one line): {len(moved)} inputs moved by the kernel (the {_count(len(free))} free "
        f"parameters{', ' + ', '.join(rest) if rest else ''}), {p['prior_inputs']} drawn per "
        "simulation; "
        f"{_thousands(p['simulations'])} simulations in {p['populations']:.0f} generations, "
        f"{'' if p.get('sampling_whole', True) else 'at least '}"
        f"{_thousands(p['wall_time_s'])} s of sampling with {_workers(p['workers'])}"
        f"{in_all}, final tolerance "
        f"{p['final_epsilon']:.3f} against the noise level {p['noise_level']:.3f}, effective "
        f"sample size {ess:.0f} of {_thousands(p['particles'])}.{missed} Its posterior predictive "
        f"check (`{f['command'].split(' --out')[0]}`, as `make demo` runs it: "
        "`out/demo/fit/`):\n\n"
        "| check | result |\n|---|---|\n"
        f"| simulated medians inside the observed 95% BCa intervals | "
        f"{fit['shares_median_inside_95']:.0f} of 18 |\n"
        f"| observed shares inside the 90% predictive intervals | "
        f"{fit['shares_observed_inside_predictive_90']:.0f} of 18 |\n"
        f"| activity counts n inside their 90% predictive intervals | "
        f"{fit['n_inside_predictive_90']:.0f} of 6 |\n"
        "| mean width of the 90% predictive intervals / of the observed 95% intervals | "
        f"{fit['predictive_width_mean']:.4f} / {fit['observed_width_mean']:.4f} — the goal, "
        f"√2 × {fit['observed_width_mean']:.4f} = {width_goal:.2f}, "
        f"{'**is missed**' if wide else 'is met'} |\n"
        "| statutory − non-statutory differences (municipality, voluntary) inside | "
        f"{inside_diffs} of 2 |\n"
        "| validation (patterns it could have missed: how unsure/several answers spread) | "
        f"{f['validation'][0]} of {f['validation'][1]} |\n"
        "| consistency checks (most-dropped share, nursing homes vs home care, volunteers in "
        f"the past year) | {f['consistency'][0]} of {f['consistency'][1]} |\n"
        "| virtual surveys at 2015 in the table's class (statutory division, municipal "
        f"dominance) | {_p(classes[target])} of {f['draws']} draws, against the table's "
        f"bootstrap {s['class_probability']:.0%} |\n\n"
        "**The local policy's reading.** The posterior's weight on each reading "
        "(`calibration/data/posterior/posterior.csv`, `Posterior.level_shares()`): division of "
        f"tasks {readings['division']:.2f}, sharing of tasks {readings['sharing']:.2f}, "
        f"municipal control {readings['control']:.2f}, against 1/3 each a priori; every "
        "answer about the local policy below is conditional on them.\n\n"
        "**What the survey narrowed.** Each input's 90% credible interval over its prior's "
        "range (`posterior_adjusted.csv`, `raw_width_share`; 0.9 means left as it was, and "
        f"with {ess:.0f} effective particles values near 0.9 move by a few hundredths), "
        f"narrowest first: {narrow_raw}; every other continuous input "
        f"{min(rest_raw):.2f}–{max(rest_raw):.2f}, the local policy's routes "
        f"({routes}) among them or above. A test against what the posterior's weights give "
        f"an input that does not matter (`calibration.narrowing`, Holm 5% over all "
        f"{p['tested']}) finds {len(narrowed)} narrowed — "
        f"{listing([f'`{n}`' for n in narrowed]) if narrowed else 'none'} — and the other "
        f"{p['tested'] - len(narrowed)}, the reading and every route of the local policy "
        f"{'among them' if not set(narrowed) & {'policy_reading', *ROUTES} else 'but those named'}"
        ", not identified: assumed. The report lists all of them. "
        f"{unused}{'r' if unused else 'R'}egression-adjusted on the particles' standard "
        "scores (`width_share`, "
        "Beaumont et al. 2002 with a cross-fitted ridge regression) the narrowest are "
        f"{adj_text}; the routes "
        f"{min(adj_routes):.2f}–{max(adj_routes):.2f}. The adjusted intervals summarise one "
        "input each; the particles remain the worlds the ensembles draw.\n\n"
        "The predictive intervals are wider than the survey's own: the worlds the survey "
        "accepts differ in many inputs it cannot narrow, and each adds spread. The research "
        f"question is answered less sharply by the model than by the table: {_p(classes[target])} "
        "of the model's own virtual surveys land in the table's class, because one survey of "
        f"244 units is noisy near the class boundaries ("
        f"{', '.join(f'{_p(v)} land in {words.get(k, k)}' for k, v in others)}: "
        "`fit/fit_classes.csv`). And the table's own answer depends on the answers the "
        f"survey dropped (0–35% unsure/several): {_dropped(s['dropped'])} "
        "(`survey/classes_dropped.csv`).\n")


def _dropped(cases: dict) -> str:
    """Where the table's answer goes had the dropped answers all named one coordinator."""
    words = {"municipality": "the municipality", "voluntary": "organisations",
             "together": "both together"}
    parts = [f"all naming {w}, \"{cases[k]}\"" for name, w in words.items()
             for k in cases if k.endswith(f"named {name}")]
    if not parts:
        raise ReadmeError("classes_dropped.csv: no 'all dropped answers named …' rows")
    parts[0] = parts[0].replace("all naming", "had they all named", 1)
    parts[0] = parts[0].replace(", ", ", the table would be ", 1)
    return "; ".join(parts)


def _command_words(command: str) -> str:
    """A recorded command without its --out (a path of the machine that made it)."""
    words = shlex.split(command)
    if "--out" in words:
        i = words.index("--out")
        del words[i:i + 2]
    return shlex.join(words)


def render_sbc(b: dict, p: dict) -> str:
    """The shipped SBC check in one paragraph."""
    eff = b["effect"]
    effect = (f"; for the policy's effect on municipal coordination {pct(eff[0])} (95% "
              f"interval {100 * eff[1]:.0f}–{100 * eff[2]:.0f}%)") if eff else ""
    return (
        f"The shipped check, of model version {b['model']}'s posterior "
        f"({b['elapsed_s']:.0f} s on {_workers(b['workers'])}; "
        "`calibration/data/validation/sbc_*`): ranks uniform for "
        f"{b['uniform']} of {b['quantities']} quantities after Holm (the calibrated inputs "
        f"and the policy's effect); the 90% intervals cover the truth in "
        f"{100 * b['coverage_min']:.0f}–{100 * b['coverage_max']:.0f}% of truths per "
        f"quantity (pooled {pct(b['coverage_pooled'], 1)}){effect}.\n")


def _in_order(made_with: dict) -> list[tuple[str, str]]:
    """(study, model version) in README's order of the studies (the record sorts keys)."""
    return [(n, made_with[n]) for n in STUDIES if n in made_with]


def render_study_versions(v: dict) -> str:
    """Which shipped studies of the real procedure describe the current model version."""
    made = _in_order(v["made_with"])
    current = [STUDIES[n] for n, m in made if m == v["current"]]
    earlier = [f"{STUDIES[n]} (version {m})" for n, m in made if m != v["current"]]
    if not earlier:
        return (f"Every shipped study describes model version {v['current']}, the one the "
                "commands run.\n")
    said = (f"{listing(current).capitalize()} {'describes' if len(current) == 1 else 'describe'}"
            f" model version {v['current']}, the one the commands run (below). ") if current \
        else f"**None of the shipped studies describes model version {v['current']}**: "
    return (said + ("The others, " if current else "") + listing(earlier)
            + (", do not: they are" if current else " are")
            + " listed with the version each describes in [Studies of earlier model "
            "versions](#studies-of-earlier-model-versions-to-be-remade).\n")


ACTIVITY_WORDS = {"social": "social activities", "cultural_nursing_home": "cultural "
                  "activities (nursing homes)", "physical": "physical activity",
                  "cultural_home_care": "cultural activities (home care)",
                  "food_delivery": "food delivery", "day_centre": "day centres"}


def render_loo(loo: dict, v: dict, *, current: bool) -> str:
    """The leave-one-out study, where its model version belongs (``current``) or nothing."""
    if (loo["model"] == v["current"]) != current:
        return ""
    took = _study_time(loo)
    made = f"{loo['calibrations']} calibrations" + (f", {took}" if took else "")
    logit = loo["logit_error"] is not None
    rivals = ("error", "naive_error", "logit_error") if logit else ("error", "naive_error")
    lines = [
        f"**Out-of-sample prediction, model version {loo['model']}** (`coprod validate "
        f"--leave-one-out`, {made}; `calibration/data/validation/leave_one_out.csv`): "
        "calibrated on five of Table 2's activities (the distance and its noise level ignore "
        f"the sixth), the model predicts the sixth's three shares from {loo['draws']:.0f} "
        f"posterior draws. {loo['inside']} of {loo['shares']} left-out observed shares fall "
        "inside their 90% predictive intervals; the mean absolute error of the predicted "
        f"medians is {loo['error']:.3f}, against {loo['naive_error']:.3f} for a naive "
        "predictor (each coordinator's share pooled over the other five activities)"
        + (f" and {loo['logit_error']:.3f} for a multinomial logit with statutory and "
           "professional dummies fitted on the other five" if logit else "")
        + f"; the model is closer than the naive predictor in {loo['beats_naive']} of "
        f"{loo['shares']} shares"
        + (f" and closer than the logit in {loo['beats_logit']}." if logit else "."),
        "",
        "| left out | observed shares inside the 90% interval | model's mean error | naive "
        + ("| logit |" if logit else "|"), "|---|---|---|---|" + ("---|" if logit else "")]
    for a in loo["activities"]:
        best = min(a[k] for k in rivals)
        cells = [f"**{a[k]:.3f}**" if a[k] == best else f"{a[k]:.3f}" for k in rivals]
        lines.append(f"| {ACTIVITY_WORDS.get(a['activity'], a['activity'])} | {a['inside']} "
                     f"of {a['shares']} | " + " | ".join(cells) + " |")
    lines += ["", "Bold: the smallest mean error of the three shares."]
    if logit:
        loses = [ACTIVITY_WORDS.get(a["activity"], a["activity"]) for a in loo["activities"]
                 if a["error"] > a["logit_error"]]
        lines[-1] += (f" The model loses to the logit on {listing(loses)}." if loses else
                      " The model's error is below the logit's on every activity.")
    return "\n".join(lines) + "\n"


OUTCOME_WORDS = {"share_municipality": "municipal coordination",
                 "share_together": "shared coordination",
                 "active_volunteers": "active volunteers"}
INPUT_ROWS = 12  # README's recovery table: the inputs the survey narrows most


def _effect_value(value: float, outcome: str) -> str:
    """An effect as README states effects: points for a share, people for a count."""
    text = f"{100 * value:+.1f}" if outcome.startswith("share_") else f"{value:+,.0f}"
    if not any(c in "123456789" for c in text):  # −0.0: no sign on a rounded zero
        text = text[1:]
    return _minus(text + (" points" if outcome.startswith("share_") else ""))


def render_recovery(r: dict, v: dict, *, current: bool) -> str:
    """The recovery study, where its model version belongs (``current``) or nothing."""
    if (r["model"] == v["current"]) != current:
        return ""
    took = _study_time(r)
    made = f", {took}" if took else ""
    from coprod.report_studies import coverage_sentence

    coverages = [i["coverage"] for i in r["inputs"]]
    per_input = coverage_sentence({i["parameter"]: i["coverage"] for i in r["inputs"]},
                                  r["truths"], name=lambda n: f"`{n}`")
    verdict = "inside" if 0.8 <= r["covered"] <= 0.97 else "outside"
    lines = [
        f"**Recovery, model version {r['model']}** (`coprod recovery`, {r['truths']} "
        f"truths{made}): each truth's synthetic Table 2 is calibrated exactly as the real "
        f"one. The 90% credible intervals hold the truth in {pct(r['covered'])} of the "
        f"{r['cases']} (truth, input) cases, {verdict} the 80–97% a calibrated posterior "
        f"should give; per input {100 * min(coverages):.0f}–{pct(max(coverages))}. "
        + per_input + _reached(r.get("stopping")) + _resumed(r.get("resumed")),
        "", "| input | coverage | bias of the median | interval / prior width |",
        "|---|---|---|---|"]
    shown = sorted(r["inputs"], key=lambda i: i["width"])[:INPUT_ROWS]
    for i in shown:
        lines.append(f"| {i['parameter']} | {pct(i['coverage'])} | "
                     f"{_minus(format(i['bias'], '+.2f'))} | "
                     f"{i['width']:.2f} |")
    rest = [i for i in r["inputs"] if i not in shown]
    if rest:
        lines += ["", f"The other {len(rest)} inputs, narrowed less: coverage "
                  f"{100 * min(i['coverage'] for i in rest):.0f}–"
                  f"{pct(max(i['coverage'] for i in rest))}, interval / prior width "
                  f"{min(i['width'] for i in rest):.2f}–{max(i['width'] for i in rest):.2f}."]
    effects = r["effects"]
    if effects:
        low = min(effects, key=lambda e: e["coverage"])
        runs = (f" ({r['replicates']:.0f} paired seeds at the truth, {r['draws']:.0f} draws "
                "of the recovered posterior)") if r["replicates"] and r["draws"] else ""
        lines += ["", "What users rely on is the policy effects: for each truth every "
                  f"scenario was run at the true inputs and on the recovered posterior{runs}. "
                  "The true effect lies inside the estimate's 90% spread in "
                  f"{100 * low['coverage']:.0f}–{pct(max(e['coverage'] for e in effects))} of "
                  f"truths per scenario and outcome (lowest: {_words(low['scenario'])}'s "
                  f"effect on {OUTCOME_WORDS.get(low['outcome'], low['outcome'])}).",
                  "", "| scenario | outcome | mean true effect | mean error | inside the "
                  "90% spread | correlation over truths |", "|---|---|---|---|---|---|"]
        for e in effects:
            corr = "—" if e["correlation"] is None else _minus(f"{e['correlation']:.2f}")
            lines.append(f"| {_words(e['scenario'])} | "
                         f"{OUTCOME_WORDS.get(e['outcome'], e['outcome'])} | "
                         f"{_effect_value(e['true'], e['outcome'])} | "
                         f"{unsigned(_effect_value(e['error'], e['outcome']))} | "
                         f"{pct(e['coverage'])} | {corr} |")
    return "\n".join(lines) + "\n"


def _reached(stopping: dict | None) -> str:
    """A sentence on how many of a study's calibrations reached their noise level."""
    from coprod.report_studies import noise_sentence
    said = noise_sentence(stopping)
    return " " + said if said else ""


def _resumed(resumed: dict | None) -> str:
    """A sentence on which of a study's calibrations were interrupted and resumed."""
    from coprod.report_studies import resumed_sentence
    said = resumed_sentence(resumed)
    return " " + said if said else ""


def _words(name: str) -> str:
    """A scenario's name in words (``strict_task_division``: strict task division)."""
    return name.replace("_", " ")


def render_ablation(a: dict, v: dict, *, current: bool) -> str:
    """The ablation, where its model version belongs (``current``) or nothing."""
    from coprod.report_studies import PREFERS_WITHOUT, SUPPORTS
    from sim.parameters import PARAMETERS

    if (a["model"] == v["current"]) != current:
        return ""
    took = _study_time(a)
    selections = a.get("selections")  # (its time counts theirs too)
    made = (f", {a['calibrations']} calibrations"
            + (f" and {selections} model selections" if selections else "")
            + (f", {took}" if took else ""))
    full = a["full"]
    lines = [
        f"**Which mechanisms the survey supports, model version {a['model']}** (`coprod "
        f"ablate`{made}): each mechanism is switched off (its strength fixed at "
        f"{a['off'] if a['off'] is not None else 0:g}), the model calibrated again, and set "
        "against the full model by pyabc's multi-model ABC-SMC (equal prior "
        "probabilities).", "",
        f"| switched off | final tolerance (full model {full['epsilon']:.2f}) | observed "
        f"shares inside the 90% predictive intervals (full {full['inside']}) | P(full "
        "model) |", "|---|---|---|---|"]
    for m in a["mechanisms"]:
        tolerance = f"{m['epsilon']:.2f}"
        if m["noise"] is not None and m["epsilon"] > m["noise"]:
            tolerance += (f": its noise level ({m['noise']:.2f}) not reached (stopped "
                          f"after {_thousands(m['simulations'])} simulations)")
        meaning = PARAMETERS[m["mechanism"]].meaning if m["mechanism"] in PARAMETERS else ""
        short = m.get("short")
        stopped = (f" (selection stopped at {short['epsilon']:.2f}, above its "
                   f"{short['tolerance']:.2f})" if short else "")
        lines.append(f"| `{m['mechanism']}`{f' ({meaning})' if meaning else ''} | "
                     f"{tolerance} | {m['inside']} of 18 | "
                     f"{m['p_full']:.2f}{stopped} |")
    said = []
    for words, keep in (("The survey supports", lambda p: p >= SUPPORTS),
                        ("it cannot tell whether these matter:",
                         lambda p: PREFERS_WITHOUT < p < SUPPORTS),
                        ("it prefers the model without", lambda p: p <= PREFERS_WITHOUT)):
        names = [f"`{m['mechanism']}`" for m in a["mechanisms"] if keep(m["p_full"])]
        if names:
            said.append(f"{words} {listing(names)}")
    text = "; ".join(said)
    lines += ["", f"In plain words (P(full model) ≥ {SUPPORTS:g}: supported; ≤ "
              f"{PREFERS_WITHOUT:g}: the model without it preferred): "
              f"{text[0].lower() + text[1:]}."]
    short = [m for m in a["mechanisms"] if m.get("short")]
    if short:
        names = listing([f"`{m['mechanism']}`" for m in short])
        lost = listing([f"`{m['mechanism']}`'s after giving up a generation of "
                        f"{_thousands(m['short']['given_up'])} simulations"
                        for m in short if m["short"]["given_up"]])
        lines[-1] += (f" The model selections for {names} stopped above the tolerance they "
                      f"were to reach{f' ({lost})' if lost else ''}: their probabilities "
                      "compare the two models at a looser fit than their calibrations, and "
                      "are weaker evidence than the others.")
    return "\n".join(lines) + "\n"


def render_studies_earlier(v: dict) -> str:
    """The appendix's opening: which studies are there, or that none is."""
    earlier = [STUDIES[n] for n, m in _in_order(v["made_with"]) if m != v["current"]]
    if not earlier:
        return (f"Every shipped study in `calibration/data/validation/` describes model "
                f"version {v['current']}.\n")
    return (f"The shipped studies below ({listing(earlier)}) were made with earlier model "
            "versions (each manifest's `versions.model` in `calibration/data/validation/`); "
            f"they describe those models, not the current version {v['current']}, and are "
            "not evidence for it. Each is remade by the command beside it."
            + _changed_since(v) + "\n")


# What the commands do now that studies made before model version 3 did not.
CHANGED_SINCE = {"recovery": "recovery draws every input of a truth, calibrated and policy "
                 "strengths alike", "leave_one_out": "leave one out also sets each "
                 "prediction against a multinomial logit with statutory and professional "
                 "dummies fitted on the other five activities, and says where the model "
                 "loses"}


def _changed_since(v: dict) -> str:
    """How the commands changed since the earlier studies shown were made (before 3)."""
    said = [CHANGED_SINCE[n] for n, m in _in_order(v["made_with"])
            if m != v["current"] and int(m) < 3 and n in CHANGED_SINCE]
    return (" The commands have changed since: they calibrate jointly (" + "; ".join(said)
            + ")." if said else "")



DESIGN_LABELS = {"local_volunteer_policy:share_municipality": "effect on coordination by "
                 "the municipality alone",
                 "local_volunteer_policy:share_together": "effect on shared coordination",
                 "local_volunteer_policy:volunteers_per_1000": "effect on active volunteers "
                 "per 1,000",
                 "municipal_default": "default route (`municipal_default`)",
                 "policy_sharing": "sharing route (`policy_sharing`)",
                 "policy_control": "control route (`policy_control`)",
                 "policy_clarity": "clarity route (`policy_clarity`)",
                 "policy_participation": "participation route (`policy_participation`)"}


def render_design(d: dict) -> str:
    """The shipped design study: a table of the local policy's rows, then what narrows."""
    from studies.design import DESIGNS

    later = [k for k in DESIGNS if k != "2015"]
    cells = {(r["target"], r["design"]): r for r in d["rows"]}
    fresh = d["worlds"] - d["reused"]
    kept = (f" for the {_thousands(fresh)} worlds not kept from an interrupted first start"
            if d["reused"] else "")
    lines = [
        f"The shipped study, model version {d['model']} (`coprod design --workers "
        f"{d['workers']:.0f} --seed 2015`; {_thousands(d['worlds'])} worlds drawn from the "
        f"shipped posterior, {d['truths']:.0f} synthetic truths, {d['policies']} policies, "
        f"{_thousands(d['elapsed_s'])} s on {_workers(d['workers'])}{kept}; "
        "`calibration/data/validation/design.csv`): each later design's expected 90% width "
        "as a share of the 2015 survey's alone, truth by truth (median ratio, 10th–90th "
        "percentile over truths).", "",
        "| the local policy's… | a second wave, same 244 units, 2025 | the same with each "
        "unit's policy recorded | a 2025 wave of 488 units |", "|---|---|---|---|"]
    for target in DESIGN_ROWS:
        row = []
        for design in later:
            r = cells.get((target, design))
            if r is None:
                row.append("–")
                continue
            text = f"{pct(r['ratio'])} ({100 * r['ratio_low']:.0f}–{100 * r['ratio_high']:.0f}%)"
            row.append(f"**{text}**" if r["ratio"] < 0.9 else text)
        lines.append(f"| {DESIGN_LABELS[target]} | " + " | ".join(row) + " |")
    lines.append("")
    if d.get("reading"):
        lines += [d["reading"], ""]
    words = {"share_municipality": "coordination by the municipality alone",
             "share_together": "shared coordination",
             "volunteers_per_1000": "active volunteers"}
    by_design: dict[str, list[str]] = {}
    for target, best in d["best"].items():
        policy, outcome = target.split(":")
        if policy == "local_volunteer_policy" and best["ratio"] < 0.9:
            by_design.setdefault(best["design"], []).append(words[outcome])
    if by_design:
        said = "; ".join(f"{DESIGNS[k]} narrows its effect on " + " and on ".join(outs)
                         for k, outs in by_design.items())
        text = f"Bold: narrowed by at least a tenth. For the local policy, {said}."
    else:
        text = ("Bold: narrowed by at least a tenth. No design narrows any of the local "
                "policy's effects by a tenth.")
    others = {t.split(":")[0] for t in d["best"]} - {"local_volunteer_policy"}
    narrowed = sorted({t.split(":")[0] for t, b in d["best"].items()
                       if b["ratio"] < 0.9} & others)
    untouched = sorted(others - set(narrowed))

    def names(ps: list[str]) -> str:
        return listing([p.replace("_", " ") for p in ps])

    if narrowed:
        text += (f" Of the other policies, some design narrows an effect of the "
                 f"{names(narrowed)} by at least a tenth (`design.png`, the report)")
        text += f"; none narrows those of the {names(untouched)}." if untouched else "."
    elif others:
        text += " No design narrows any other policy's effect by a tenth."
    lines.append(text)
    return "\n".join(lines) + "\n"


def render_study_time(p: dict, loo: dict, v: dict, recovery: dict, ablation: dict) -> str:
    """How long a study's calibrations take: as long as the shipped posterior's.

    How many each shipped study holds is read from it (a count typed here went stale
    when the ablation was remade with seven mechanisms).
    """
    walls = [w for w, _ in loo.get("calibration_wall_s") or []]
    least = "" if loo.get("calibration_wall_whole") else "at least "
    measured = (f"; leave one out's {len(walls)} took {least}{_thousands(min(walls))}–"
                f"{_thousands(max(walls))} s each on this project's shared 2-core machine"
                if loo["model"] == v["current"] and walls else "")
    return (
        "Remaking them takes about as long per calibration as the shipped posterior did "
        f"({_thousands(p['wall_time_total_s'] or p['wall_time_s'])} s with "
        f"{_workers(p['workers'])}{measured}): "
        f"leave one out {loo['calibrations']} calibrations, recovery {recovery['truths']}, "
        f"the ablation {ablation['calibrations']} and {ablation['selections']} model "
        "selections.\n")


def render_scenario_table(sc: dict) -> str:
    """Every policy's effect and what its uncertainty rests on, one row each."""
    comp, attr = sc["comparison"], sc["attribution"]
    from scenarios.attribution import CHANCE, STRENGTHS, WORLD

    whose = {"share_together": "shared coordination's", "share_municipality":
             "municipal coordination's", "active_volunteers": "the volunteers'"}
    lines = ["| scenario | shared coordination (points, median and 90%) | world | policy "
             "strengths | chance | active volunteers (people) | single strength named |",
             "|---|---|---|---|---|---|---|"]
    for name in POLICIES:
        rows = comp.get(name)
        if rows is None:
            raise ReadmeError(f"comparison.csv has no scenario {name}")
        groups = attr.get(name, {}).get("share_together", [])
        by_input: dict[str, list[str]] = {}
        for outcome, words in whose.items():
            for r in attr.get(name, {}).get(outcome, []):
                if r["kind"] == "single" and r["share"] is not None:
                    by_input.setdefault(r["input"], []).append(f"{share_cell(r)} of {words}")
        singles = [f"{k}: {', '.join(v)} spread" for k, v in by_input.items()]
        named = "; ".join(singles) or "—"
        if name == LOCAL and not singles:
            named = "— (its strengths are world inputs: they act before 2015)"
        lines.append(
            f"| {name} | {effect(rows['share_together'])} | "
            f"{share_cell(_group(groups, WORLD))} | {share_cell(_group(groups, STRENGTHS))} | "
            f"{share_cell(_group(groups, CHANCE))} | {effect(rows['active_volunteers'])} | "
            f"{named} |")
    return "\n".join(lines) + "\n"


def _single(attr: dict, scenario: str, outcome: str, name: str) -> dict | None:
    return next((r for r in attr.get(scenario, {}).get(outcome, [])
                 if r["kind"] == "single" and r["input"] == name), None)


def render_plainly(sc: dict) -> str:
    """The table read plainly: which answers restate an assumed strength."""
    from scenarios.attribution import STRENGTHS, WORLD

    attr = sc["attribution"]

    def g(s: str, o: str, group: str) -> str:
        return share_cell(_group(attr.get(s, {}).get(o, []), group))

    def single(s: str, o: str, n: str) -> str:
        r = _single(attr, s, o, n)
        return "no share that beats chance" if r is None else share_cell(r)

    return (
        "Read it plainly. A strict division cuts shared coordination by construction of the "
        "rule; how much is set by the worlds "
        f"({g('strict_task_division', 'share_together', WORLD)} of its spread). That forums "
        "raise it rests on the assumed strength of forums "
        f"({g('trust_forums', 'share_together', STRENGTHS)} of its spread): the survey cannot "
        "confirm or refute it. A recruitment drive adds volunteers, and "
        f"{single('recruitment_drive', 'active_volunteers', 'recruitment_response')} of that "
        "spread is the assumed response to a campaign (`recruitment_response`): it restates "
        "its input. Of a resource squeeze's move in municipal coordination, "
        f"{single('resource_squeeze', 'share_municipality', 'staff_pressure_push')} is the "
        "assumed push of staff pressure (`staff_pressure_push`).\n")


def render_local_policy(sc: dict, p: dict) -> str:
    """The local policy's answer, over the readings and reading by reading."""
    comp, attr = sc["comparison"], sc["attribution"]
    rows = comp[LOCAL]
    worlds = sc["reading_worlds"]
    readings = dict(zip(READINGS, p["readings"], strict=True))
    raw = p["raw_width"]

    def reading(name: str, outcome: str) -> dict | None:
        return rows.get(f"reading:{name}:{outcome}")

    per_reading = []
    for name in READINGS:
        r = reading(name, "share_municipality")
        if r is None:
            continue
        runs = r.get("paired_runs") or r.get("runs")
        m, lo, hi, _ = _interval(r)
        inner = f"90% {lo} to {hi}" if lo != "—" else "too few runs for an interval"
        per_reading.append(f"{name} {m} (" + inner + (f", {runs:.0f} runs" if runs else "") + ")")
    together = []
    for name in READINGS:
        r = reading(name, "share_together")
        if r is not None:
            together.append((name, effect(r)))
    raising = [n for n, _ in together
               if _interval(reading(n, "share_together"))[1].startswith("+")]
    only = f" — only {listing(raising)} raises it throughout its 90% interval" if raising else ""
    links = [r for r in attr.get(LOCAL, {}).get("active_volunteers", [])
             if r["kind"] == "association" and r["input"] == "policy_participation"]
    link = links[0] if links else None
    link_text = (f"The gain in volunteers goes with the participation route across the worlds "
                 f"(rank correlation {link['rank_correlation']:.2f}, 90% "
                 f"{link['low_90']:.2f} to {link['high_90']:.2f}). ") if link and \
        link["rank_correlation"] is not None else ""
    adopters = rows.get("adopters:municipalities")
    return (
        "**The local volunteer policy's answer is conditional on its reading and the routes' "
        "assumed strengths, which the survey does not identify.** The policy acted before 2015 "
        "(20% of municipalities had one), so its reading and routes are world inputs, drawn "
        "with each posterior draw, and its \"policy strengths\" share is 0 by construction: "
        "the uncertainty about it sits in the world. The posterior weighs the readings "
        f"division {readings['division']:.2f}, sharing {readings['sharing']:.2f}, control "
        f"{readings['control']:.2f} (`calibration/data/posterior/posterior.csv`), against 1/3 "
        f"each a priori, and leaves every route nearly as wide as its range "
        f"(`municipal_default` {raw['municipal_default']:.2f} of it, `policy_sharing` "
        f"{raw['policy_sharing']:.2f}, `policy_control` {raw['policy_control']:.2f}, "
        f"`policy_participation` {raw['policy_participation']:.2f}); the demo's "
        f"{sum(worlds.values())} world draws hold {worlds['division']} division, "
        f"{worlds['sharing']} sharing and {worlds['control']} control worlds "
        "(`local_volunteer_policy/inputs.csv`). Over those draws, a policy in every "
        "municipality moves municipal coordination by "
        f"{effect(rows['share_municipality'], words=True)}, "
        f"shared coordination by {effect(rows['share_together'], words=True)} and active "
        f"volunteers by {effect(rows['per_1000:active_volunteers'], words=True)}; in the "
        f"municipalities that adopt it (median {adopters['median']:.0f} of 50), volunteers by "
        f"{effect(rows['adopters:per_1000:active_volunteers'], words=True)} and municipal "
        f"coordination by {effect(rows['adopters:share_municipality'], words=True)}. Reading by "
        f"reading, its effect on municipal coordination (points): {'; '.join(per_reading)}; "
        "on shared coordination: "
        f"{'; '.join(f'{n} {t}' for n, t in together)}"
        f"{only}. "
        f"{link_text}The per-reading figures are `comparison.csv`'s `reading:` rows; from the "
        "demo's runs:\n")


def render_research_question(s: dict, f: dict) -> str:
    """The table's class against the model's own virtual surveys."""
    return (
        "The research question on the survey's own table (`docs/ODD.md` 2.8): the observed "
        f"2015 table is `{s['class']}` ({s['class_probability']:.0%} of "
        f"{_thousands(s['reps'])} bootstrap replicates, treating answers as independent), "
        "but the answer depends on where the dropped unsure/several answers would have gone, "
        f"and {_p(f['classes'][f['observed_class']])} of the calibrated model's own virtual "
        "surveys at 2015 land in that class: one survey of 244 units is noisy near the class "
        "boundaries. The report sets each scenario's probabilities beside it (a strict "
        "division makes every virtual survey `divided`).\n")


def render_ours_scale(o: dict) -> str:
    """How far one survey speaks for the example municipality (its baseline's size)."""
    base = o["comparison"]["baseline"]
    per1000 = base["own:per_1000:activities_per_week"]
    week = base["own:activities_per_week"]
    inhabitants = base["own:inhabitants"]
    return (
        "**How far one survey can speak for one municipality.** The model is calibrated to "
        "one survey of 244 units in 50 municipalities, answered once, in 2015; it never saw "
        "any municipality by itself. Your municipality's numbers say what the model's "
        "mechanisms, with their calibrated and assumed strengths, imply for a municipality "
        "of your size, with your units and your flags, among municipalities like those of "
        "2015 — not a forecast for your municipality. A municipality of "
        f"{_thousands(inhabitants['median'])} inhabitants has some {week['median']:.0f} "
        "volunteer activities a week (the example's baseline, median over runs: "
        f"{per1000['median']:.3f} per 1,000 inhabitants), so its shares swing by tens of "
        "points from run to run: read the intervals, and prefer the per-1,000 and adopters' "
        "rows (many municipalities) to your own municipality's shares. What your "
        "municipality knows about itself that the model does not (its organisations' "
        "strength, its staff, its history) is not in the answer.\n")


def render_ours(o: dict) -> str:
    """The worked example: the council's question on the example municipality."""
    from scenarios.attribution import CHANCE, WORLD, share_words

    rows = o["comparison"][LOCAL]
    attr = o["attribution"].get(LOCAL, {})
    adopters = rows["adopters:municipalities"]["median"]

    def gw(outcome: str, group: str) -> str:
        r = _group(attr.get(outcome, []), group)
        return "—" if r is None or r["share"] is None else share_words(
            r["share"], r["low_90"], r["high_90"])

    per_unit = [_interval(rows[f"adopters:{t}:activities_per_unit"])[0]
                for t in ("nursing_home", "home_care")]
    return (
        f"On the example file (`coprod run baseline local_volunteer_policy --municipality "
        f"{MUNICIPALITY} --workers 2 --seed {SEED} --out {OURS}`, then `coprod compare --seed "
        f"{SEED} --out {OURS}`: `comparison.csv`, `attribution.csv`), `compare` answers the "
        "council's question so: over all 50 municipalities a local policy changes active "
        f"volunteers by {effect(rows['per_1000:active_volunteers'], words=True)}; in the "
        f"{adopters:.0f} municipalities that adopt it, by "
        f"{effect(rows['adopters:per_1000:active_volunteers'], words=True)}, and volunteer "
        f"activities by {effect(rows['adopters:per_1000:activities_per_week'], words=True)}"
        f", {per_unit[0]} a week per nursing home and {per_unit[1]} per home-care district; "
        "the co-produced share in nursing homes moves "
        f"by {effect(rows['adopters:nursing_home:share_together'], words=True)}, in home care "
        f"by {effect(rows['adopters:home_care:share_together'], words=True)}; in the example "
        f"municipality itself, volunteers by "
        f"{effect(rows['own:per_1000:active_volunteers'], words=True)}. These figures "
        "average over the policy's readings as the posterior weighs them (above), and "
        "`attribution.csv` says what they rest on: "
        f"{gw('adopters:per_1000:active_volunteers', WORLD)} of the spread of the adopters' "
        "gain in volunteers comes from the worlds — which hold the policy's reading and "
        f"routes, assumed — and {gw('adopters:per_1000:active_volunteers', CHANCE)} from "
        f"chance, while in the one municipality {gw('own:per_1000:active_volunteers', CHANCE)} "
        "is chance; the report sets both under the table.\n")


def wrap(text: str, width: int = 90) -> str:
    """Paragraphs filled to ``width`` (as README's hand-written ones); tables kept whole."""
    import textwrap

    out = []
    for line in text.split("\n"):
        if line.startswith("|") or len(line) <= width:
            out.append(line)
        else:
            out.append(textwrap.fill(line, width, break_long_words=False,
                                     break_on_hyphens=False))
    return "\n".join(out)


def render(sources: dict) -> dict[str, str]:
    """Every generated block's text, from the collected values."""
    s, f, p, sc, o = (sources[k] for k in ("survey", "fit", "posterior", "scenarios", "ours"))
    try:
        blocks = {"survey-intervals": render_survey(s),
                  "survey-class": render_survey_class(s),
                  "calibration-stop": render_stopping(p),
                  "posterior": render_posterior(p, f, s),
                  "sbc": render_sbc(sources["sbc"], p),
                  "design": render_design(sources["design"]),
                  "study-time": render_study_time(p, sources["loo"], sources["studies"],
                                                  sources["recovery"], sources["ablation"]),
                  "study-versions": render_study_versions(sources["studies"]),
                  "loo": render_loo(sources["loo"], sources["studies"], current=True),
                  "loo-earlier": render_loo(sources["loo"], sources["studies"],
                                            current=False),
                  "recovery": render_recovery(sources["recovery"], sources["studies"],
                                              current=True),
                  "recovery-earlier": render_recovery(sources["recovery"],
                                                      sources["studies"], current=False),
                  "ablation": render_ablation(sources["ablation"], sources["studies"],
                                              current=True),
                  "ablation-earlier": render_ablation(sources["ablation"],
                                                      sources["studies"], current=False),
                  "studies-earlier": render_studies_earlier(sources["studies"]),
                  "scenario-table": render_scenario_table(sc),
                  "scenario-plainly": render_plainly(sc),
                  "local-policy": render_local_policy(sc, p),
                  "research-question": render_research_question(s, f),
                  "ours-scale": render_ours_scale(o),
                  "ours-example": render_ours(o)}
    except KeyError as err:
        raise ReadmeError(f"the runs lack {err} that README quotes; remake them with "
                          "--run --fresh") from None
    return {name: wrap(text) for name, text in blocks.items()}


# ------------------------------------------------------------------ README

def rendered(sources: dict, recorded: Path | None = None) -> dict[str, str]:
    """:func:`render`; a record missing what it needs (``recorded``: the file) is one line."""
    if recorded is None:
        return render(sources)
    try:
        return render(sources)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as err:
        shown = f"{type(err).__name__} {err}"[:120]
        raise ReadmeError(f"{recorded}: malformed record ({shown}): a field is missing or "
                          "of another kind than 'make readme' writes; remake it with "
                          "'make readme'") from None


def blocks_of(text: str) -> dict[str, str]:
    """The generated blocks of README's ``text`` by name."""
    found = {}
    for m in BLOCK.finditer(text):
        if m.group("name") in found:
            raise ReadmeError(f"README.md: block '{m.group('name')}' appears twice")
        found[m.group("name")] = m.group("body")
    if len(OPENING.findall(text)) != len(found) or len(CLOSING.findall(text)) != len(found):
        raise ReadmeError("README.md: a generated block is not closed (or closed twice)")
    return found


def apply(text: str, blocks: dict[str, str]) -> str:
    """``text`` with every generated block replaced; each must be there exactly once."""
    have = blocks_of(text)
    if set(have) != set(blocks):
        missing, unknown = sorted(set(blocks) - set(have)), sorted(set(have) - set(blocks))
        raise ReadmeError(f"README.md: blocks missing {missing or 'none'}, unknown "
                          f"{unknown or 'none'}")
    return BLOCK.sub(lambda m: f"<!-- generated: {m.group('name')} -->\n"
                     f"{blocks[m.group('name')]}<!-- /generated -->", text)


# ------------------------------------------------------------------ runs

def _demo_current(folder: Path) -> bool:
    """Whether the demo's scenario folders hold runs of this code, posterior and seed.

    Every shipped scenario's recorded identity (content, sizes, seed, posterior, code of
    ``sim``, ``calibration`` and ``scenarios``) must be what ``coprod demo`` would record
    now, and its runs finished (``outcomes.csv`` written: a demo stopped part-way leaves
    the identity without them); then the demo's runs are what a fresh demo would make.
    """
    from calibration.posterior import load_posterior
    from runtime.manifests import code_version
    from scenarios.ensemble import posterior_hash
    from scenarios.spec import load_many, shipped_names
    from scenarios.store import identity, recorded_identity

    try:
        posterior, code = posterior_hash(load_posterior()), code_version()
        return all((folder / s.name / "outcomes.csv").is_file()
                   and recorded_identity(folder / s.name) == identity(
                       s, seed=SEED, posterior=posterior, code=code)
                   for s in load_many(shipped_names()))
    except Exception:  # anything unreadable is simply made again
        return False


def _coprod(*argv: str, check: bool = True) -> int:
    """Run ``coprod ARGV`` from the repository; its exit code (refused when ``check``).

    A SIGTERM to this script is passed on to the command, and the command is waited for
    (a Ctrl-C at the terminal reaches both): it stops as coprod stops, keeping what it
    finished, and is never left running alone (it was, writing into out/demo).
    """
    import signal

    command = [sys.executable, "-m", "coprod", *argv]
    print("$ coprod " + shlex.join(argv), flush=True)
    child = subprocess.Popen(command, cwd=ROOT)
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # the command got it too: wait for it to stop
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)
    if code < 0 or code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        raise ReadmeError(f"'coprod {shlex.join(argv)}' was stopped (exit {code})")
    if code and check:
        raise ReadmeError(f"'coprod {shlex.join(argv)}' failed (exit {code})")
    return code


def make_runs(*, fresh: bool) -> None:
    """Make the demo's and the example municipality's runs, reusing what is current.

    The demo is reused when its runs are current (:func:`_demo_current`, as ``make demo``
    leaves them); ``compare``, of ``coprod``'s own code, runs again on them. The example
    municipality's runs are resumed (``coprod run --resume`` reuses stored runs of the
    same identity and computes the rest), or made afresh with ``--force`` when the folder
    holds others. ``fresh`` remakes everything.
    """
    if fresh or not _demo_current(ROOT / DEMO / "scenarios"):
        _coprod(*DEMO_COMMAND)
    else:
        print(f"{DEMO}: runs of this code, the shipped posterior and seed {SEED}; reused")
        _coprod("compare", "--seed", str(SEED), "--out", str(DEMO / "scenarios"))
    run, compare = OURS_COMMANDS
    if fresh or _coprod(*run, "--resume", check=False):
        _coprod(*run, "--force")
    _coprod(*compare)


def _figures(demo: Path) -> dict[str, bytes]:
    """README's figures as the demo drew them, by where README shows them."""
    from runtime.files import read_bytes_limited

    try:
        return {target: read_bytes_limited(demo / source) for target, source in FIGURES.items()}
    except Exception as err:  # an InputError naming the file
        raise ReadmeError(str(err)) from None


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or check) README's generated blocks; 0 done, 1 differs, 2 error."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="make the runs first (reusing "
                        "current ones)")
    parser.add_argument("--fresh", action="store_true", help="with --run: remake them all")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 with a "
                        "diff when README or docs/readme_sources.json differ from the runs")
    parser.add_argument("--render", action="store_true", help="render README from "
                        "docs/readme_sources.json alone (no runs read)")
    parser.add_argument("--demo", type=Path, default=DEMO, help="the demo's folder")
    parser.add_argument("--ours", type=Path, default=OURS, help="the example municipality's")
    args = parser.parse_args(argv)
    try:
        if args.render:
            sources = read_sources()
        else:
            if args.run:
                make_runs(fresh=args.fresh)
            sources = collect(ROOT / args.demo, ROOT / args.ours)
        sources_text = json.dumps(sources, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        old = README.read_text()
        new = apply(old, rendered(sources, SOURCES if args.render else None))
        figures = {} if args.render else _figures(ROOT / args.demo)
    except ReadmeError as err:
        from sim.errors import printable  # a tampered record's keys may hold escapes

        print(f"readme: error: {printable(str(err))}", file=sys.stderr)
        return 2
    if args.check:
        differ = [line for line in difflib.unified_diff(
            old.splitlines(), new.splitlines(), "README.md", "README.md from the runs",
            lineterm="")]
        differ += [f"{target}: not the demo's {FIGURES[target]}"
                   for target, data in figures.items()
                   if not (ROOT / target).is_file() or (ROOT / target).read_bytes() != data]
        recorded = SOURCES.read_text() if SOURCES.is_file() else ""
        if differ or (not args.render and recorded != sources_text):
            print("\n".join(differ) if differ else
                  "README.md agrees, but docs/readme_sources.json differs from the runs")
            print("readme: README.md and the runs disagree; run 'make readme' and commit",
                  file=sys.stderr)
            return 1
        print("readme: README.md and its figures agree with the runs"
              if figures else "readme: README.md agrees with the recorded values")
        return 0
    from runtime.files import atomic_write_bytes, atomic_write_text

    for target, data in figures.items():  # each file whole or not at all
        atomic_write_bytes(ROOT / target, data)
    if not args.render:
        atomic_write_text(SOURCES, sources_text)
    atomic_write_text(README, new)
    print(f"readme: wrote {len(render(sources))} blocks of README.md"
          + ("" if args.render else f" and {SOURCES.relative_to(ROOT)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
