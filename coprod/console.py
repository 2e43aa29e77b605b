"""What the terminal shows of each stage's result: the survey study and the fit check.

The commands and the demo print a stage's result through these functions, so that both
say the same lines; they read the result object, never the files it was written to.
"""

from __future__ import annotations

import math
from pathlib import Path


def _pct(x: float) -> str:
    return f"{100 * x:4.0f}%"


def _interval(lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{'no interval':>11s}"
    return f"{_pct(lo)}–{_pct(hi)}"


def _points(lo: float, hi: float) -> str:
    """An interval of a difference in percentage points, or why there is none."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{'(no interval)':>16s}"
    return f"[{100 * lo:+6.1f}, {100 * hi:+6.1f}]"


def print_survey(study, out=None) -> None:
    """The intervals, the claims and the answer (a :class:`~calibration.survey_study.SurveyStudy`).

    ``out``: the folder it was written to (named last), if it was.
    """
    if study.synthetic:
        print("SYNTHETIC survey: made by the model, not observed (see its header)")
    print(f"Survey: {study.source}; {study.reps} bootstrap replications "
          f"({study.resample} resampling), seed {study.seed}, "
          f"{study.manifest['elapsed_seconds']:.2f} s")
    for note in study.notes:
        print(f"  note: {note}")
    print(f"\n{'activity':24s} {'n':>4s}  {'coordinator':13s} {'share':>6s}  "
          f"{'95% BCa':>13s}  {'99% BCa':>13s}")
    notes = []
    rows = list(study.bootstrap.itertuples(index=False))
    for name, est, l95, h95, l99, h99, note in rows:
        if name.startswith("share:"):
            _, act, coord = name.split(":")
            print(f"{act:24s} {study.answers[act]:4d}  {coord:13s} {_pct(est):>6s}  "
                  f"{_interval(l95, h95)}  {_interval(l99, h99)}")
        if note:
            notes.append(f"{name}: {note}")
    print("\nStatutory − non-statutory (percentage points):")
    for name, est, l95, h95, l99, h99, _ in rows:
        if not name.startswith("share:"):
            # A star only where an interval exists (none: the reason is in the notes).
            stars = "".join("*" if study.significant(name, lv) else ""
                            for lv in (0.95, 0.99))
            print(f"  {name:40s} {100 * est:+6.1f}  95% {_points(l95, h95)}"
                  f"  99% {_points(l99, h99)} {stars}")
    print("  (* significant at 95%, ** at 99%: 0 lies outside the interval; 'no interval': "
          "see the notes for why)")
    if notes:
        print("\nNotes:")
        for note in notes:
            print(f"  {note}")
    print("\nThe paper's claims (its sentences; how each is tested is the project's "
          "reading):")
    for check in study.claims.itertuples(index=False):
        print(f"  [{check.verdict.upper():12s} at {check.level:.0%}] \u201c{check.claim}\u201d "
              f"({check.where})\n      {check.evidence}")
        if check.scope:
            print(f"      for: {check.scope}")
        if check.note:
            print(f"      note: {check.note}")
    print(f"\n{study.answer_sentence()}")
    print(f"  {study.dropped_sentence}")
    if study.resample == "activity":
        print("  Resampling activities treats each answer as independent; one unit answers "
              "for several activities, so the probability is somewhat optimistic (unit-level "
              "data with --resample unit accounts for it).")
    if out:
        out = Path(out)
        print(f"\nWrote {out / 'bootstrap.csv'}, claims.csv, classes.csv, "
              "classes_sensitivity.csv, classes_dropped.csv and "
              f"{out / 'manifest.json'}")


def print_fit_check(check, *, posterior, draws: int, seed: int, waves, data_given: bool,
                    out) -> None:
    """What ``coprod fit`` says of a check it wrote into ``out``."""
    from coprod.pipeline import fit_files

    print(f"Posterior: {posterior.source}; {draws} draws, seed {seed}")
    if not data_given:  # --data's survey was named as it was read
        print(f"Checked against: {waves.describe()}")
    print()
    print_fit(check)
    print(f"\nWrote {out}/" + ", ".join(fit_files(check)))


def print_fit(fit) -> None:
    """The check's table and how it measures up (a :class:`calibration.fit_check.FitCheck`)."""
    print(f"{'activity':22s} {'coordinator':13s} {'observed (95% BCa)':>22s} "
          f"{'simulated (90%)':>20s}  inside")
    for r in fit.shares.itertuples(index=False):
        obs = (f"{100 * r.observed:3.0f}% [{100 * r.low_95:3.0f}, {100 * r.high_95:3.0f}]"
               if r.low_95 == r.low_95 else f"{100 * r.observed:3.0f}% (no interval)")
        print(f"{r.activity:22s} {r.coordinator:13s} {obs:>22s} "
              f"{100 * r.sim_median:4.0f}% [{100 * r.sim_low_90:3.0f}, "
              f"{100 * r.sim_high_90:3.0f}]  {'yes' if r.inside else 'NO'}")
    t = fit.targets()
    shares, counts = len(fit.shares), len(fit.check.n)
    print(f"\nSimulated medians inside the observed 95% intervals: "
          f"{t['shares_median_inside_95']}/{shares} (target {shares})")
    print(f"Observed shares inside the 90% predictive intervals: "
          f"{t['shares_observed_inside_predictive_90']}/{shares} (target {shares})")
    print(f"Mean width of the 90% predictive intervals: {t['predictive_width_mean']:.2f} "
          f"(target <= {2 ** 0.5 * t['observed_width_mean']:.2f}: √2 × the observed 95% "
          "intervals' mean, the noise of two samples of one world)")
    print(f"Statutory - non-statutory differences inside: municipality "
          f"{t['pooled_diff_municipality_inside']}, voluntary {t['pooled_diff_voluntary_inside']}")
    print(f"Activity counts n inside their 90% predictive intervals: "
          f"{t['n_inside_predictive_90']}/{counts} (target {counts})")
    for kind, what in (("validation", "Validation (patterns the model could have missed)"),
                       ("consistency", "Consistency checks (follow from what was fitted "
                                       "or set)")):
        agree, of = fit.consistent(kind)
        print(f"{what}: {agree}/{of} consistent with what is known (see fit_validation.csv)")
    observed = fit.research_question()
    print(f"The research question: the table is {observed['class']} (bootstrap probability "
          f"{observed.table_probability:.0%}); the model's virtual surveys at "
          f"{fit.year} land there in {observed.model_probability:.0%} of "
          f"{int(observed.draws)} posterior draws (each one survey of "
          f"{fit.respondents:,} units: its noise included)")
