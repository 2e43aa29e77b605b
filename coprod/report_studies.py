"""The report's section on what one survey can tell, and what the next would.

Recovery, leave one out, ablation and the survey design study.

Read from the studies shipped in ``calibration/data/validation`` (``coprod recovery``,
``coprod validate --leave-one-out`` and ``coprod ablate`` made them; each has its
manifest beside it). Every sentence is computed from those files; a study that is not
shipped is named as missing.
"""

from __future__ import annotations

import html
import re

from calibration.posterior import NOT_IDENTIFIED, load_posterior, shipped_study_file
from sim.io import model_version_of, read_own_csv, read_own_json
from sim.outcomes import outcome
from sim.parameters import MODEL_VERSION, PARAMETERS

RECOVERY_REMAKE = "coprod recovery --workers 2 --seed 2015"
LOO_REMAKE = "coprod validate --leave-one-out --workers 2 --seed 2015"
ABLATION_REMAKE = "coprod ablate --workers 2 --seed 2015"
# Posterior probability of the full model at or above which the survey is said to
# support a mechanism, and at or below which it prefers the model without it.
SUPPORTS, PREFERS_WITHOUT = 0.9, 0.1


def _manifest_line(name: str, remake: str, file=None) -> str:
    file = file or _shipped
    path = file(f"{name}_manifest.json")
    if not path.is_file():
        return ""
    m = read_own_json(path, remake)
    made = model_version_of(m)
    stale = ("" if made == MODEL_VERSION else
             f" <strong>Made with an earlier model (version {made}; this one is version "
             f"{MODEL_VERSION}): its figures describe that model, not this one; remake it "
             f"with <code>{html.escape(remake)}</code>.</strong>")
    return (f"<p><small>Made with <code>{html.escape(str(m.get('command', '')))}</code>, "
            f"seed {_e(m.get('seed'))}, {_e(m.get('date', '?'))}; "
            f"{_e(m.get('wall_time_total_s', '?'))} s in all.{stale}</small></p>")


def _shipped(name: str):
    """A shipped study's file (looked up when called, so a test may point it elsewhere)."""
    return shipped_study_file(name)


def _e(value) -> str:
    """A value read from a study's files, as HTML text."""
    return html.escape(str(value))


def _missing(what: str, remake: str) -> str:
    return (f"<p>The {what} study is not shipped with this copy; make it with "
            f"<code>{html.escape(remake)}</code>.</p>")


def _recovery(file=None) -> str:
    file = file or _shipped
    path = file("recovery_summary.csv")
    if not path.is_file():
        return "<h3>Parameter recovery</h3>" + _missing("recovery", RECOVERY_REMAKE)
    summary = read_own_csv(path, RECOVERY_REMAKE, columns=(
        "parameter", "truths", "coverage", "bias", "mean_absolute_error", "relative_width"))
    rows = read_own_csv(file("recovery.csv"), RECOVERY_REMAKE,
                        columns=("truth_id", "parameter", "covered"))
    truths, coverage = rows.truth_id.nunique(), float(rows.covered.mean())
    mpath = file("recovery_manifest.json")
    manifest = read_own_json(mpath, RECOVERY_REMAKE) if mpath.is_file() else {}
    weak = [r.parameter for r in summary.itertuples() if r.relative_width > NOT_IDENTIFIED]
    prow = "".join(
        f"<tr><td>{_e(r.parameter)}</td><td>{r.coverage:.0%}</td><td>{r.bias:+.3g}</td>"
        f"<td>{r.mean_absolute_error:.3g}</td><td>{r.relative_width:.2f}</td></tr>"
        for r in summary.itertuples())
    effects = ""
    epath = file("policy_recovery_summary.csv")
    if epath.is_file():
        eff = read_own_csv(epath, RECOVERY_REMAKE, columns=(
            "scenario", "outcome", "mean_true_effect", "mean_estimated_effect",
            "mean_absolute_error", "coverage", "correlation"))
        erows = "".join(
            f"<tr><td>{_e(r.scenario)}</td><td>{html.escape(outcome(r.outcome).label)}</td>"
            f"<td>{_fmt(r.mean_true_effect, r.outcome)}</td>"
            f"<td>{_fmt(r.mean_estimated_effect, r.outcome)}</td>"
            f"<td>{_fmt(r.mean_absolute_error, r.outcome, signed=False)}</td>"
            f"<td>{r.coverage:.0%}</td>"
            f"<td>{r.correlation:.2f}</td></tr>" for r in eff.itertuples())
        design = manifest.get("policy_effects", {})
        design = design if isinstance(design, dict) else {}
        effects = f"""<p>What users rely on is the policy effects. For each truth, every
scenario was run at the true parameters ({_e(design.get('replicates_at_truth', '?'))} paired
seeds: the true effect) and on {_e(design.get('posterior_draws', '?'))} draws of the posterior
recovered from its survey (the estimated effect and its 90% spread), the assumptions at
their documented values in both.</p>
<table><tr><th>Scenario</th><th>Outcome</th><th>Mean true effect</th><th>Mean
estimated</th><th>Mean absolute error</th><th>True effect inside the 90% spread</th>
<th>Correlation over truths</th></tr>{erows}</table>"""
    verdict = ("within" if 0.8 <= coverage <= 0.97 else "outside")
    how = _how_calibrated(manifest)
    weak_text = (f" The survey leaves {_e(', '.join(map(str, weak)))} nearly as uncertain "
                 "as the prior "
                 f"(interval wider than {NOT_IDENTIFIED} of the prior's on average)."
                 if weak else " Every parameter's interval is narrower than "
                 f"{NOT_IDENTIFIED} of its prior's on average.")
    return f"""<h3>Parameter recovery</h3>
<p>{truths} synthetic surveys, each made from parameters drawn from the prior and
calibrated {how}. The 90% credible intervals held the
true value in {coverage:.0%} of {len(rows)} cases, {verdict} the 80–97% a calibrated
posterior should give.{weak_text}</p>
<table><tr><th>Parameter</th><th>Coverage of 90% intervals</th><th>Bias of the
median</th><th>Mean absolute error</th><th>Interval width / prior width</th></tr>
{prow}</table>
{effects}
{_manifest_line('recovery', RECOVERY_REMAKE, file)}"""


def _how_calibrated(manifest: dict) -> str:
    """Whether a study's calibrations used the shipped posterior's settings."""
    shipped = load_posterior().manifest.get("settings")
    used = manifest.get("settings")
    if manifest.get("quick"):
        return "with small --quick calibrations (a check of the pipeline, not a result)"
    if used and shipped and used == shipped:
        return ("exactly as the shipped posterior was (the same settings and stopping "
                "rule)")
    return f"with settings {html.escape(str(used))} (the shipped posterior: " \
           f"{html.escape(str(shipped))})"


def _fmt(value: float, name: str, signed: bool = True) -> str:
    """An effect in the outcome's unit: percentage points for shares, else whole units."""
    o, sign = outcome(name), "+" if signed else ""
    if o.unit == "%":
        return f"{value * o.scale:{sign}.1f} pts"
    return f"{value * o.scale:{sign},.0f}"


def _leave_one_out(file=None) -> str:
    file = file or _shipped
    path = file("leave_one_out.csv")
    if not path.is_file():
        return "<h3>Out-of-sample prediction</h3>" + _missing("leave-one-out", LOO_REMAKE)
    frame = read_own_csv(path, LOO_REMAKE, columns=(
        "activity", "coordinator", "observed", "predicted_median", "low_90", "high_90",
        "inside", "error", "naive", "naive_error"))
    inside, n = int(frame.inside.sum()), len(frame)
    err, naive = float(frame.error.mean()), float(frame.naive_error.mean())
    closer = int((frame.error < frame.naive_error).sum())
    rows = "".join(
        f"<tr><td>{_e(r.activity)}</td><td>{_e(r.coordinator)}</td><td>{r.observed:.0%}</td>"
        f"<td>{r.predicted_median:.0%} ({r.low_90:.0%} to {r.high_90:.0%})</td>"
        f"<td>{'yes' if r.inside else 'no'}</td><td>{r.naive:.0%}</td></tr>"
        for r in frame.itertuples())
    better = "closer to" if err < naive else "no closer to"
    mpath = file("leave_one_out_manifest.json")
    how = _how_calibrated(read_own_json(mpath, LOO_REMAKE) if mpath.is_file() else {})
    return f"""<h3>Out-of-sample prediction: one activity left out</h3>
<p>Calibrated on five of Table 2's activities, {how}, the model predicted the sixth.
{inside} of
{n} left-out observed shares fell inside their 90% predictive intervals. The predictions'
mean absolute error was {err:.3f}, against {naive:.3f} for a naive predictor (each
coordinator's share pooled over the other five activities): the model was {better} the
data on average, and closer in {closer} of {n} shares.</p>
<table><tr><th>Left out</th><th>Coordinator</th><th>Observed</th><th>Predicted median
(90%)</th><th>Inside</th><th>Naive</th></tr>{rows}</table>
{_manifest_line('leave_one_out', LOO_REMAKE, file)}"""


def _ablation_sentence(r) -> str:
    meaning = PARAMETERS[r.mechanism].meaning if r.mechanism in PARAMETERS else "unknown"
    name = f"<code>{_e(r.mechanism)}</code> ({html.escape(meaning)})"
    p = r.model_probability_full
    if p >= SUPPORTS:
        verdict = f"The survey supports {name}: the full model has posterior probability " \
                  f"{p:.2f} against the model without it."
    elif p <= PREFERS_WITHOUT:
        verdict = f"The survey prefers the model without {name} (posterior probability " \
                  f"{1 - p:.2f})."
    else:
        verdict = f"The survey cannot tell whether {name} matters: the full model has " \
                  f"posterior probability {p:.2f} against the model without it."
    return verdict


def _ablation(file=None) -> str:
    file = file or _shipped
    path = file("ablation.csv")
    if not path.is_file():
        return "<h3>Which mechanisms the survey supports</h3>" + _missing(
            "ablation", ABLATION_REMAKE)
    frame = read_own_csv(path, ABLATION_REMAKE, columns=(
        "mechanism", "final_epsilon", "shares_inside_predictive_90",
        "model_probability_full", "model_probability_ablated"))
    full, rest = frame.iloc[0], frame.iloc[1:]
    mpath = file("ablation_manifest.json")
    how = _how_calibrated(read_own_json(mpath, ABLATION_REMAKE) if mpath.is_file() else {})
    sentences = "".join(f"<li>{_ablation_sentence(r)} Without it the calibration ends at "
                        f"tolerance {r.final_epsilon:.2f} (full model "
                        f"{full.final_epsilon:.2f}) and {r.shares_inside_predictive_90} of "
                        f"18 observed shares fall inside the predictive intervals (full "
                        f"model {full.shares_inside_predictive_90}).</li>"
                        for r in rest.itertuples())
    return f"""<h3>Which mechanisms the survey supports</h3>
<p>Each mechanism was switched off (its strength fixed at 0), the model calibrated again
{how}, and set against the full model by pyabc's multi-model ABC-SMC (equal prior
probabilities).</p>
<ul>{sentences}</ul>
{_manifest_line('ablation', ABLATION_REMAKE, file)}"""


DESIGN_REMAKE = "coprod design --workers 2 --seed 2015"
DESIGN_NUMERIC = ("width_prior", "width_now", "expected_width", "ratio", "ratio_low",
                  "ratio_high", "width_low", "width_high", "truths", "worlds")


def _design(file=None) -> str:
    """What the next survey would tell: one sentence per policy, and the ratios."""
    file = file or _shipped
    from scenarios.design import COLUMNS, DESIGNS, sentences
    from sim.regime import POLICY_INPUTS

    path = file("design.csv")
    title = "<h3>What the next survey would tell</h3>"
    if not path.is_file():
        return title + _missing("survey design", DESIGN_REMAKE)
    frame = read_own_csv(path, DESIGN_REMAKE, columns=COLUMNS, numeric=DESIGN_NUMERIC)
    frame = frame[frame.design.isin(list(DESIGNS))]
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in sentences(frame))
    shown = frame[(frame.kind == "effect") | frame.target.isin(list(POLICY_INPUTS))]
    later = [d for d in DESIGNS if d != "2015"]
    head = "".join(f"<th>{html.escape(DESIGNS[d])}</th>" for d in later)
    rows = []
    for _target, part in shown.groupby("target", sort=False):
        by = part.set_index("design")
        first = part.iloc[0]
        cells = "".join(
            f"<td>{by.loc[d, 'ratio']:.0%} ({by.loc[d, 'ratio_low']:.0%}–"
            f"{by.loc[d, 'ratio_high']:.0%})</td>" if d in by.index else "<td>–</td>"
            for d in later)
        rows.append(f"<tr><td>{_e(first.label)}</td><td>{first.width_now:.2f} "
                    f"{_e(first.unit)}</td>{cells}</tr>")
    return f"""{title}
<p>Before a second survey is paid for: how much would it narrow what the 2015 survey
leaves open? Worlds drawn from the joint prior were observed as each candidate design
would observe them, and for each synthetic truth a regression-ABC posterior was fitted
(<code>design.csv</code>; method in the README). The answer, policy by policy:</p>
<ul>{lines}</ul>
<table><tr><th>Effect or strength</th><th>90% width with the 2015 survey</th>{head}</tr>
{"".join(rows)}</table>
<p><small>Cells: the expected width as a share of today's (median over synthetic truths;
10th–90th percentile in brackets); below 100% the design narrows it.</small></p>
{_manifest_line('design', DESIGN_REMAKE, file)}"""


STUDIES = (("recovery", "Parameter recovery", _recovery, RECOVERY_REMAKE),
           ("leave_one_out", "Leave one out", _leave_one_out, LOO_REMAKE),
           ("ablation", "Ablation", _ablation, ABLATION_REMAKE),
           ("design", "Survey design", _design, DESIGN_REMAKE))


def studies_section(folder=None) -> tuple[str, str]:
    """The section's HTML from the studies, and an appendix of those made for another model.

    ``folder``: where the studies are (default the shipped ``calibration/data/validation``).
    A study is evidence only when its manifest's ``versions.model`` is this model's
    (:data:`sim.parameters.MODEL_VERSION`); one made with another version, or recording
    none, goes to the appendix with the command that makes it again (its manifest's).
    """
    from pathlib import Path

    def file(name: str):
        return Path(folder) / name if folder is not None else _shipped(name)

    current, stale = [], []
    for name, title, make, remake in STUDIES:
        path = file(f"{name}_manifest.json")
        if not path.is_file():
            current.append(make(file))  # missing (said so), or a study without a manifest
            continue
        record = read_own_json(path, remake)
        made = model_version_of(record)
        if made == MODEL_VERSION:
            current.append(make(file))
            continue
        # Its manifest's command, without the folder of the machine it was made on.
        command = re.sub(r"--out\s+\S+", "--out DIR", str(record.get("command") or remake))
        stale.append(f"<h3>{html.escape(title)} (model version {made})</h3>"
                     f"<p>Remake it for this model with <code>{html.escape(command)}</code>"
                     "</p>" + make(file))
    section = "<h2>3. What one survey can tell</h2>" + "".join(current)
    if stale and not current:
        section += ("<p>No study of what the survey can tell was made with this model "
                    f"(version {MODEL_VERSION}); those shipped are in the appendix.</p>")
    appendix = "" if not stale else (
        "<h2>Appendix: studies of an earlier model</h2><p>These studies were made with "
        f"another model version than this one (version {MODEL_VERSION}): they describe "
        "that model, not this one, and no finding of this report rests on them. Each says "
        "how to make it again.</p>" + "".join(stale))
    return section, appendix
