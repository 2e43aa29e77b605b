"""The report's section on what one survey can tell, and what the next would.

Recovery, leave one out, ablation and the survey design study.

Read from the studies shipped in ``calibration/data/validation`` (``coprod recovery``,
``coprod validate --leave-one-out``, ``coprod ablate`` and ``coprod design`` made them;
each has its manifest beside it). :func:`studies_context` reads each study's files once
into the values its template (``templates/studies.html.j2``) shows; every sentence is
computed from those files; a study that is not shipped is named as missing. A study made
with another model version goes to the appendix with the command that makes it again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from calibration.posterior import NOT_IDENTIFIED, load_posterior, shipped_study_file
from coprod.report_text import took, without_machine_folder
from runtime.fields import DURATION, Fields, duration, finite, flag, optional, whole
from runtime.manifests import Manifest, model_version_of
from runtime.words import listing
from sim.outcomes import outcome
from sim.parameters import MODEL_VERSION, PARAMETERS
from studies.design import PRIOR_RANGE, WRONG_LEVELS
from studies.parameter_recovery import (
    coverage_departures,
    most_covered_flagged,
    truth_folder,
)

RECOVERY_REMAKE = "coprod recovery --workers 2 --seed 2015"
LOO_REMAKE = "coprod validate --leave-one-out --workers 2 --seed 2015"
ABLATION_REMAKE = "coprod ablate --workers 2 --seed 2015"
DESIGN_REMAKE = "coprod design --workers 2 --seed 2015"
# Posterior probability of the full model at or above which the survey is said to
# support a mechanism, and at or below which it prefers the model without it.
SUPPORTS, PREFERS_WITHOUT = 0.9, 0.1


def _shipped(name: str):
    """A shipped study's file (looked up when called, so a test may point it elsewhere)."""
    return shipped_study_file(name)


def manifest_facts(record: dict, remake: str, source: str = "manifest.json", *,
                   ablation: bool = False) -> dict:
    """What a study's manifest says of how it was made (a duration only when recorded).

    A recorded duration of a kind coprod never writes (negative, text, past
    :data:`runtime.fields.LONGEST_S`) is one line naming ``source``'s field, as another
    bad field is; it was left out of the report without a word. So are ``resumed`` and
    ``calibrations`` of another kind, which decide how the duration is counted.
    """
    fields = Fields(record, source, remake)
    fields("wall_time_total_s", optional(duration), f"{DURATION}, or null", None)
    # What decides how its time is counted (study_duration): "yes" was read as resumed, a
    # list of calibrations as none.
    fields("resumed", optional(flag), "true or false, or null", None)
    fields("calibrations", optional(lambda v: isinstance(v, dict)), "the calibrations' "
           "records by name (an object), or null", None)
    made = model_version_of(record)
    date = record.get("date")
    return {"command": without_machine_folder(str(record.get("command", ""))),
            "seed": record.get("seed"), "date": date if isinstance(date, str) else None,
            "seconds": took(study_duration(record, ablation=ablation)),
            "stale": None if made == MODEL_VERSION else
            {"made": made, "current": MODEL_VERSION, "remake": remake}}


def _settings(record, source: str, remake: str):
    """A record's calibration ``settings`` when it holds any: known names to numbers.

    The report shows them: a value of another kind (a list, text with an escape) is one
    line naming the file and the field, not a Python repr in the report.
    """
    from calibration.abc import SETTING_NAMES, recorded_settings

    record = record if isinstance(record, Manifest) else Manifest(record, source, remake)
    return record.field("settings", optional(recorded_settings), "a mapping of "
        f"calibration settings ({', '.join(SETTING_NAMES)}) to numbers or null", None)


def how_calibrated(manifest) -> str:
    """Whether a study's calibrations used the shipped posterior's settings.

    ``manifest``: the study's record (:class:`runtime.manifests.Manifest`, or its fields).
    """
    shipped = _settings(load_posterior().manifest, "shipped posterior "
                        "(calibration/data/posterior): manifest.json", "reinstall coprod")
    used = _settings(manifest, "manifest.json", "the study's command")
    if manifest.get("quick") is True:
        return "with small --quick calibrations (a check of the pipeline, not a result)"
    if used and shipped and used == shipped:
        return ("exactly as the shipped posterior was (the same settings and stopping "
                "rule)")
    return f"with settings {used} (the shipped posterior: {shipped})"


def effect_text(value: float, name: str, signed: bool = True) -> str:
    """An effect in the outcome's unit: percentage points for shares, else whole units."""
    o, sign = outcome(name), "+" if signed else ""
    if not finite(value):  # a scenario and outcome no truth gave a number for
        return "—"
    if o.unit == "%":
        return f"{value * o.scale:{sign}.1f} pts"
    unit = {"0–1": " on the 0–1 scale"}.get(o.unit, f" {o.unit}")
    places = 3 if o.unit == "0–1" else 0
    return f"{value * o.scale:{sign},.{places}f}{unit}"


def noise_reached(calibrations, names=None) -> dict | None:
    """How many of a study's calibrations reached their survey's noise level.

    ``calibrations``: the study manifest's record per calibration; ``names``: the
    calibrations the study has (a recovery's ``truth_00`` to its last truth), when given:
    a record of any other is not counted. Returns the number with both a final tolerance
    and a noise level (a ratio of the two past any float is no reading), how many ended
    at or below it, and of the others the largest final tolerance / noise level (None
    when all reached it); None when no record holds both.
    """
    if not isinstance(calibrations, Mapping):
        return None
    records = (calibrations.values() if names is None else
               [calibrations[n] for n in names if n in calibrations])
    ratios = []
    for made in records:
        if not isinstance(made, Mapping):
            continue
        epsilons, noise = made.get("epsilons"), made.get("noise_level")
        last = epsilons[-1] if isinstance(epsilons, list) and epsilons else None
        if finite(last) and finite(noise) and last >= 0 and noise > 0 and \
                math.isfinite(last / noise):
            ratios.append(last / noise)
    if not ratios:
        return None
    above = [r for r in ratios if r > 1.0]
    return {"calibrations": len(ratios), "reached": len(ratios) - len(above),
            "worst": max(above) if above else None}


def selection_short(calibrations, mechanism: str) -> dict | None:
    """An ablation's model selection that stopped above the tolerance it was to reach.

    Read from the study manifest's record of ``mechanism`` (its ``selection``): its last
    generation's tolerance above its ``min_epsilon`` (the acceptance floor or the
    simulation cap stopped it first). Its model probability then compares the two models
    at a looser fit than their calibrations reached, which README and report say beside
    it. Returns ``{"epsilon", "tolerance", "given_up"}`` (simulations of a generation
    given up, None when not recorded); None when it reached its tolerance or its record
    cannot say.
    """
    made = calibrations.get(mechanism) if isinstance(calibrations, Mapping) else None
    selection = made.get("selection") if isinstance(made, Mapping) else None
    if not isinstance(selection, Mapping):
        return None
    epsilons, tolerance = selection.get("epsilons"), selection.get("min_epsilon")
    last = epsilons[-1] if isinstance(epsilons, list) and epsilons else None
    if not (finite(last) and finite(tolerance)) or last <= tolerance:
        return None
    given_up = selection.get("simulations_given_up")
    return {"epsilon": float(last), "tolerance": float(tolerance),
            "given_up": given_up if whole(1)(given_up) else None}


def selection_short_words(short: dict | None) -> str:
    """:func:`selection_short` in words ("" when the selection reached its tolerance)."""
    if short is None:
        return ""
    lost = (f" after giving up a generation of {short['given_up']:,} simulations"
            if short["given_up"] else "")
    return (f"its model selection stopped at tolerance {short['epsilon']:.2f}{lost}, above "
            f"the {short['tolerance']:.2f} it was to reach, so this probability compares "
            "the two models at a looser fit than their calibrations")


def calibration_seconds(made, *, mechanism: bool = False) -> tuple[float, bool] | None:
    """How long one calibration sampled, as its record says: (seconds, all of it).

    Its ``sampling_s`` counts every generation over all its runs (all of it); without a
    usable one (a :func:`runtime.fields.duration`, and not below its last run's), its
    ``wall_time_s``: its last run alone. None without either. An ablation's record of
    one mechanism holds a calibration and a model selection: their sum (all of it when
    both say all of theirs); without a usable selection, the calibration's as a part.
    ``mechanism``: whether ``made`` is such a record, as its study says (an ablation's
    entries but ``full``), never guessed from its fields: a stray ``calibration`` field
    in one calibration's record took its place.
    """
    def seconds(value) -> float | None:
        return float(value) + 0.0 if duration(value) else None

    def one(made) -> tuple[float, bool] | None:
        """One calibration's or selection's record (read as flat: no nesting)."""
        if not isinstance(made, Mapping):
            return None
        sampled, last = seconds(made.get("sampling_s")), seconds(made.get("wall_time_s"))
        if sampled is not None and (last is None or sampled >= last - 0.1):  # rounding
            return sampled, True
        return None if last is None else (last, False)

    if not mechanism or not isinstance(made, Mapping):
        return one(made)  # a calibration's (the ablation's full model's too)
    # An ablation's mechanism: its calibration's record and its selection's, one level
    # down only. A selection removed or unreadable leaves the calibration's, as a part.
    calibration, selection = one(made.get("calibration")), one(made.get("selection"))
    if calibration is None:
        return None
    if selection is None:
        return calibration[0], False
    # (each part a duration, the sum is finite: past LONGEST_S it is still their sum)
    return calibration[0] + selection[0], calibration[1] and selection[1]


def study_duration(record, *, ablation: bool = False) -> tuple[float, str] | None:
    """How long a study took, as its manifest says: ``(seconds, how)``; None if unrecorded.

    ``how``: ``"run"``, the study's own run, for one made in a single run (or without
    calibrations); otherwise its calibrations' sampling, since a resumed study's own run
    is its last leg (seconds, when its calibrations were kept): ``"sampling"`` when every
    calibration's record says all of its sampling (:func:`calibration_seconds`), ``"at
    least"`` when some says only its last run's or nothing. README and report say it
    alike (:func:`coprod.report_text.duration_words`). ``ablation``: the record is an
    ablation's, whose entries but ``full`` are mechanisms' (a calibration and its model
    selection); said by the caller, who knows the study, not read from the record.
    """
    if not isinstance(record, Mapping):
        return None
    calibrations = record.get("calibrations")
    if record.get("resumed") is False or (calibrations is None and "resumed" not in record):
        total = record.get("wall_time_total_s")  # (+ 0.0: no "-0 s")
        return (float(total) + 0.0, "run") if duration(total) else None
    if not isinstance(calibrations, Mapping):
        return None
    made = [calibration_seconds(c, mechanism=ablation and name != "full")
            for name, c in calibrations.items()]
    known = [m for m in made if m is not None]
    if not known:
        return None
    whole = len(known) == len(made) and all(w for _, w in known)
    total = sum(s for s, _ in known)
    return (total, "sampling" if whole else "at least") if duration(total) else None


def coverage_sentence(coverage: Mapping[str, float], truths: int, *,
                      name: Callable[[str], str] = str) -> str:
    """Whether any input's coverage departs from 90% beyond chance, in a sentence.

    ``coverage``: each input's share of ``truths`` covered; the test is
    :func:`studies.parameter_recovery.coverage_departures`, and the sentence says what it
    could have found. README and report say it alike; ``name`` formats an input's name
    (README: as code). "" without inputs or truths.
    """
    n = len(coverage)
    if not n or truths <= 0:
        return ""
    departs = coverage_departures(coverage, truths)
    flagged = most_covered_flagged(truths, n)
    how = (f"exact binomial tests, Holm-adjusted over the {n} inputs at 5%, "
           + (f"which flag an input holding {flagged} or fewer of {truths}"
              if flagged is not None else f"which no count of {truths} can fail"))
    if not departs:
        return (f"No input's coverage is further from 90% than chance allows over "
                f"{truths} truths ({how}).")
    said = [f"{name(k)} ({coverage[k]:.0%})" for k in departs]
    listed = listing(said)
    verb = "departs" if len(said) == 1 else "depart"
    return (f"{listed} {verb} from 90% by more than chance allows over {truths} truths "
            f"({how}).")


def resumed_midway(calibrations, names) -> dict | None:
    """Which of a study's calibrations ran over more than one run, as their records say.

    A calibration's ``sampling_s`` counts its generations over all its runs and its
    ``wall_time_s`` its last run alone: the first past the second (by more than a
    second's rounding) says it was interrupted and resumed, or rebuilt from its history.
    Returns ``{"resumed": [names], "unrecorded": n}`` (``n``: records without both
    times, which cannot say), None without ``calibrations``.
    """
    if not isinstance(calibrations, Mapping):
        return None
    resumed, unrecorded = [], 0
    for name in names:
        made = calibrations.get(name)
        made = made if isinstance(made, Mapping) else {}
        sampled, last = made.get("sampling_s"), made.get("wall_time_s")
        if not (duration(sampled) and duration(last)):
            unrecorded += 1
        elif sampled > last + 1.0:
            resumed.append(name)
    return {"resumed": resumed, "unrecorded": unrecorded}


def resumed_sentence(resumed: dict | None) -> str:
    """``resumed_midway`` in a sentence (README and report say it alike); "" if None."""
    if not resumed or not (resumed["resumed"] or resumed["unrecorded"]):
        return ""
    names, unknown = resumed["resumed"], resumed["unrecorded"]
    said = ""
    if names:
        one = len(names) == 1
        said = (f"{listing(names)} ran over more than one run (sampling over all "
                f"{'its' if one else 'their'} runs past {'its' if one else 'their'} last "
                "run's): a calibration interrupted and resumed goes on from its finished "
                "generations, reproducibly, but not as an uninterrupted run would have "
                "sampled.")
    if unknown:
        said += (" " if said else "") + (
            "1 calibration's record holds only its last run's time, so does not say "
            "whether it ran in one go." if unknown == 1 else
            f"{unknown} calibrations' records hold only their last run's time, so do not "
            "say whether they ran in one go.")
    return said


def noise_sentence(stopping: dict | None) -> str:
    """``noise_reached``'s count in a sentence (README and report say it alike); "" if None."""
    if not stopping:
        return ""
    n, k = stopping["calibrations"], stopping["reached"]
    said = (f"{k} of the {n} calibrations reached their synthetic survey's noise level "
            "(final tolerance at or below it)")
    if stopping["worst"] is None:
        return said + "."
    return said + (f"; the other {n - k} stopped by another of the settings' rules "
                   "(simulation budget, time limit or acceptance-rate floor), their final "
                   f"tolerance at most {stopping['worst']:.2f} × the noise level.")


def _recovery(study, manifest: dict) -> dict:
    summary, rows = study.summary, study.parameters
    coverage = float(rows.covered.astype(float).mean())
    weak = [str(r.parameter) for r in summary.itertuples()
            if r.relative_width > NOT_IDENTIFIED]
    effects = None
    if study.policy_summary is not None:
        eff = study.policy_summary
        design = study.manifest.get("policy_effects", {})
        design = Fields(design if isinstance(design, Mapping) else {},
                        f"{study.manifest.source}: policy_effects", study.manifest.remake)
        counted = "a whole number from 1 to 1,000,000"
        effects = {"replicates": design("replicates_at_truth", whole(1, 10**6), counted,
                                        "—"),
                   "draws": design("posterior_draws", whole(1, 10**6), counted, "—"),
                   "rows": [(r.scenario, outcome(r.outcome).label,
                             effect_text(r.mean_true_effect, r.outcome),
                             effect_text(r.mean_estimated_effect, r.outcome),
                             effect_text(r.mean_absolute_error, r.outcome, signed=False),
                             f"{r.coverage:.0%}" if np.isfinite(r.coverage) else "—",
                             f"{r.correlation:.2f}" if np.isfinite(r.correlation) else "—")
                            for r in eff.itertuples()]}
    # The record's calibrations are the study's truths, by the folders they were made in.
    truths = [truth_folder(k) for k in range(study.manifest["truths"])]
    return {"truths": rows.truth_id.nunique(), "how": how_calibrated(study.manifest),
            "noise_sentence": noise_sentence(noise_reached(manifest.get("calibrations"),
                                                           truths)),
            "resumed_sentence": resumed_sentence(resumed_midway(
                manifest.get("calibrations"), truths)),
            "coverage": f"{coverage:.0%}", "cases": len(rows),
            "verdict": "within" if 0.8 <= coverage <= 0.97 else "outside",
            "per_input": coverage_sentence(dict(zip(summary.parameter.astype(str),
                                                    summary.coverage, strict=True)),
                                           int(rows.truth_id.nunique())),
            "weak": ", ".join(weak), "threshold": NOT_IDENTIFIED,
            "rows": [(r.parameter, f"{r.coverage:.0%}", f"{r.bias:+.3g}",
                      f"{r.mean_absolute_error:.3g}", f"{r.relative_width:.2f}")
                     for r in summary.itertuples()], "effects": effects}


def _leave_one_out(study, manifest: dict) -> dict:
    frame = study.frame
    err, naive = float(frame.error.mean()), float(frame.naive_error.mean())
    inside = frame.inside
    # The multinomial logit rival: in every study since model version 3 (earlier ones
    # set the model against the naive predictor alone).
    per = (frame.groupby("activity", sort=False)[["error", "logit_error"]].mean()
           if "logit" in frame and "logit_error" in frame else None)
    return {"how": how_calibrated(study.manifest), "inside": int(inside.sum()),
            "n": len(frame),
            "error": f"{err:.3f}", "naive": f"{naive:.3f}",
            "better": "closer to" if err < naive else "no closer to",
            "closer": int((frame.error < frame.naive_error).sum()),
            "logit": (None if per is None else {
                "error": f"{float(frame.logit_error.mean()):.3f}",
                "closer": int((frame.error < frame.logit_error).sum()),
                "loses": [str(a) for a in per.index if per.error[a] > per.logit_error[a]]}),
            "rows": [(r.activity, r.coordinator, f"{r.observed:.0%}",
                      f"{r.predicted_median:.0%} ({r.low_90:.0%} to {r.high_90:.0%})",
                      "yes" if ok else "no", f"{r.naive:.0%}",
                      *((f"{r.logit:.0%}",) if per is not None else ()))
                     for r, ok in zip(frame.itertuples(), inside, strict=True)]}


def ablation_verdict(p: float) -> tuple[str, str]:
    """The words before and after a mechanism's name, for its posterior probability."""
    if p >= SUPPORTS:
        return ("The survey supports ", f": the full model has posterior probability "
                f"{p:.2f} against the model without it.")
    if p <= PREFERS_WITHOUT:
        return "The survey prefers the model without ", f" (posterior probability " \
            f"{1 - p:.2f})."
    return ("The survey cannot tell whether ", f" matters: the full model has posterior "
            f"probability {p:.2f} against the model without it.")


def _ablation_sentence(r) -> str:
    """One mechanism's verdict as plain text."""
    meaning = PARAMETERS[r.mechanism].meaning if r.mechanism in PARAMETERS else "unknown"
    before, after = ablation_verdict(r.model_probability_full)
    return f"{before}{r.mechanism} ({meaning}){after}"


def _ablation(study, manifest: dict) -> dict:
    frame = study.frame
    full, rest = frame.iloc[0], frame.iloc[1:]
    calibrations = manifest.get("calibrations")
    return {"how": how_calibrated(study.manifest), "rows": [
        {"mechanism": r.mechanism,
         "short": selection_short_words(selection_short(calibrations, str(r.mechanism))),
         "meaning": PARAMETERS[r.mechanism].meaning if r.mechanism in PARAMETERS
         else "unknown",
         "verdict": ablation_verdict(float(r.model_probability_full)),
         "epsilon": f"{r.final_epsilon:.2f}", "full_epsilon": f"{full.final_epsilon:.2f}",
         "inside": f"{r.shares_inside_predictive_90:.0f}",
         "full_inside": f"{full.shares_inside_predictive_90:.0f}"}
        for r in rest.itertuples()]}


def width_words(width: float, unit: str) -> str:
    """A 90% width in its unit; a share of the prior's range is never shown above 1.

    A discrete input's row holds the posterior's probability on the wrong levels
    (:data:`studies.design.WRONG_LEVELS`), in per cent.
    """
    if unit == PRIOR_RANGE and width >= 1:
        return "the whole prior range"
    if unit == WRONG_LEVELS:
        return f"{width:.0%} on the wrong levels"
    return f"{width:.2f} {unit}"


def _design(study, manifest: dict) -> dict:
    from sim.regime import POLICY_INPUTS
    from studies.design import DESIGNS, sentences

    frame = study.design
    frame = frame[frame.design.isin(list(DESIGNS))]
    shown = frame[(frame.kind == "effect") | frame.target.isin(list(POLICY_INPUTS))]
    later = [d for d in DESIGNS if d != "2015"]
    rows, beyond = [], False
    for _target, part in shown.groupby("target", sort=False):
        by = part.set_index("design")
        first = part.iloc[0]
        beyond |= first.unit == PRIOR_RANGE and first.width_now >= 1
        rows.append((first.label, width_words(first.width_now, first.unit),
                     [f"{by.loc[d, 'ratio']:.0%} ({by.loc[d, 'ratio_low']:.0%}–"
                      f"{by.loc[d, 'ratio_high']:.0%})" if d in by.index else "–"
                      for d in later]))
    # Since model version 4 the study draws its worlds from the shipped posterior; before,
    # from the joint prior (the manifest's version says which method made it).
    drawn_from = ("the shipped posterior (every calibrated input, the policies' strengths "
                  "over their ranges)" if model_version_of(manifest, "design_manifest.json")
                  >= 4 else "the joint prior")
    return {"lines": sentences(frame), "designs": [DESIGNS[d] for d in later],
            "rows": rows, "beyond": beyond, "drawn_from": drawn_from}


# name, title, the values it shows, remake, what the "not shipped" line calls it, its
# first file, its typed reader (module:class, whose read_shipped checks every file)
STUDIES = (("recovery", "Parameter recovery", _recovery, RECOVERY_REMAKE, "recovery",
            "recovery_summary.csv", "studies.recovery:RecoveryStudy"),
           ("leave_one_out", "Leave one out", _leave_one_out, LOO_REMAKE, "leave-one-out",
            "leave_one_out.csv", "studies.leave_one_out:LeaveOneOut"),
           ("ablation", "Ablation", _ablation, ABLATION_REMAKE, "ablation", "ablation.csv",
            "studies.ablation:Ablation"),
           ("design", "Survey design", _design, DESIGN_REMAKE, "survey design",
            "design.csv", "studies.design_result:DesignStudy"))


def _read_study(kind: str, folder: Path):
    """The study in ``folder`` through its typed reader (``module:Class``), as shipped.

    The readers the commands' results are read with check the shipped files too: each
    table's columns, values and rows against what its manifest records, and the manifest's
    fields (:meth:`studies.leave_one_out.LeaveOneOut.read_shipped` and its kin).
    """
    import importlib

    module, name = kind.split(":")
    return getattr(importlib.import_module(module), name).read_shipped(folder)


def studies_context(folder=None) -> dict:
    """Every study's values: ``current`` (evidence) and ``stale`` (for the appendix).

    ``folder``: where the studies are (default the shipped ``calibration/data/validation``).
    A study is evidence only when its manifest's ``versions.model`` is this model's
    (:data:`sim.parameters.MODEL_VERSION`); one made with another version, or recording
    none, goes to the appendix with the command that makes it again (its manifest's,
    without the folder of the machine it was made on).
    """
    def file(name: str) -> Path:
        return Path(folder) / name if folder is not None else _shipped(name)

    current, stale = [], []
    for name, title, values, remake, words, first, kind in STUDIES:
        study = {"key": name, "title": title, "remake": remake, "words": words}
        if not file(first).is_file():
            current.append({**study, "missing": True})
            continue
        path = file(f"{name}_manifest.json")
        result = _read_study(kind, Path(str(file(first))).parent)
        record = result.manifest.record()
        study |= {"missing": False, "values": values(result, record),
                  "made": manifest_facts(record, remake, str(path),
                                         ablation=name == "ablation")}
        made = model_version_of(record, str(path))
        if made == MODEL_VERSION:
            current.append(study)
        else:
            stale.append({**study, "version": made, "command": without_machine_folder(
                str(record.get("command") or remake))})
    return {"current": current, "stale": stale, "version": MODEL_VERSION}


def studies_section(folder=None) -> tuple[str, str]:
    """The section's HTML and the appendix's ('' without stale studies)."""
    from coprod.report_templates import render

    context = studies_context(folder)
    appendix = render("appendix.html.j2", studies=context) if context["stale"] else ""
    return render("studies.html.j2", studies=context), appendix
