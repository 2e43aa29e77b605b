"""The report's sentences and numbers: pure functions of the values they describe.

Nothing here reads a file: each function takes what :mod:`coprod.report_inputs` loaded
(tables as DataFrames, manifests' checked fields) and returns plain text, which the
templates escape. So every sentence is tested without files, and every sentence is
computed from the outputs it describes.
"""

from __future__ import annotations

import os
import re
import shlex

import numpy as np
import pandas as pd

from runtime.words import listing
from scenarios.attribution import (
    ASSUMED,
    CHANCE,
    GROUP_WORDS,
    NARROWED,
    RESIDUAL,
    STRENGTHS,
    WORLD,
    correlation_words,
    share_words,
    uncertainty_sentence,
)
from scenarios.compare import describe_outcome, group_lines, own_lines, reading_lines
from scenarios.labels import change, describe, number
from sim.outcomes import outcome
from sim.regime import READING_STRENGTHS

POLICY = "local_volunteer_policy"
KEY_EFFECT = "share_together"  # the paper's question: how much is coordinated together
POLICY_OUTCOMES = ("share_municipality", "share_together", "active_volunteers")
ADOPTER_SENTENCE = ("per_1000:active_volunteers", "per_1000:activities_per_week",
                    "nursing_home:share_together", "home_care:share_together")
# A single strength is named only where its share's 90% interval starts at 0.5% or more
# (so that it does not read "0%" at its lower end).
NAMED_SHARE = 0.005
# The local policy's inputs (sim.regime.POLICY_INPUTS) in words: each reading's strength
# names its reading (sim.regime.READING_STRENGTHS).
_READING_PHRASES = {"division": "ending the municipality's default claim (under the "
                                "reading 'a division of tasks')",
                    "sharing": "coordinating together by agreement (under the reading 'a "
                               "sharing of tasks')",
                    "control": "the municipality formalising its own coordination (under "
                               "the reading 'municipal control')"}
POLICY_WORDS = {"policy_reading": "which reading of the policy holds",
                **{name: _READING_PHRASES[r] for r, name in READING_STRENGTHS.items()},
                "policy_clarity": "clearer roles from written agreements",
                "policy_participation": "more citizens recruited"}
# The largest group of an effect's uncertainty, as what it makes of the answer.
READING_OF_GROUP = {
    STRENGTHS: "a conditional answer: it restates assumed strengths more than anything "
               "the survey shows",
    ASSUMED: "a conditional answer: it rests most on world inputs the survey did not "
             "narrow (assumed, not data)",
    NARROWED: "mostly set by what the survey narrowed",
    WORLD: "mostly set by the calibrated worlds (what the survey narrowed and what it "
           "left as assumed, together)",
    CHANCE: "mostly chance: runs differ more than draws do",
    RESIDUAL: "mostly chance or interaction (not separable with one seed per draw)"}


# ---- numbers --------------------------------------------------------------------------
def pct(x: float) -> str:
    """A share in percent, '—' without a value."""
    return "—" if not np.isfinite(x) else f"{100 * x:.0f}%"


def interval(lo: float, hi: float, scale: float = 100, unit: str = "%") -> str:
    """An interval's ends in ``unit`` ('no interval' without one)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval"
    digits = 0 if scale == 100 else 2
    return f"{scale * lo:.{digits}f}{unit} to {scale * hi:.{digits}f}{unit}"


def points(lo: float, hi: float) -> str:
    """A difference's interval in percentage points, or that there is none."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval (see the notes)"
    return f"{100 * lo:+.1f} to {100 * hi:+.1f}"


def significant(lo: float, hi: float) -> str:
    """Whether 0 lies outside the interval; '—' without an interval (never a star)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "—"
    return "yes" if lo > 0 or hi < 0 else "no"


def level(value: float, unit: str, scale: float = 1) -> str:
    """A level with its unit, trust on its 0–1 scale too (``0.41 on the 0–1 scale``)."""
    shown = number(value, unit, scale)
    return f"{shown} on the 0–1 scale" if unit == "0–1" and shown != "—" else shown


def spread(row, unit: str, scale: float = 1) -> str:
    """A level's 90% interval over runs (``90% of runs: 30.1% to 45.2%``; '' without one)."""
    lo, hi = row.get("low_90", np.nan), row.get("high_90", np.nan)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    bare = "%" if unit == "%" else ""  # the unit said once, after both ends
    suffix = {"%": "", "": "", "0–1": " on the 0–1 scale"}.get(unit, f" {unit}")
    return f"90% of runs: {number(lo, bare, scale)} to {number(hi, bare, scale)}{suffix}"


def paired_change(row, name: str) -> str:
    """A paired change with its 90% interval, in the outcome's unit, as people read it."""
    label = describe_outcome(name)
    text = change(row["diff_median"], row["diff_low_90"], row["diff_high_90"], label.unit,
                  label.scale)
    return f"{text} on the 0–1 scale" if label.unit == "0–1" else text


def horizon_words(horizons: tuple[int, ...]) -> str:
    """' Scenarios run ten years ahead …' from the runs' horizons (weeks); '' without."""
    if not horizons:
        return ""
    spans = " or ".join(f"{h // 52} year{'s' * (h != 52)}" if h % 52 == 0 else
                        f"{h} weeks" for h in horizons)
    return (f" Scenarios run {spans} ahead: from the 2015 state, where a scenario's "
            "levers switch, so the horizon counts from the switch.")


def duration_words(duration: tuple[float, str] | None, workers: str = "") -> str:
    """A study's :func:`~coprod.report_studies.study_duration` in words ('' if none).

    '4,214 s' for its own run, '(at least) 13,785 s of sampling' for a resumed study's
    calibrations; ``workers`` (' on 2 workers') follows. README and report say it alike.
    """
    if duration is None:
        return ""
    total, how = duration
    if how == "run":
        return f"{total:,.0f} s{workers}"
    return f"{'at least ' if how == 'at least' else ''}{total:,.0f} s of sampling{workers}"


def took(duration: tuple[float, str] | None) -> str:
    """'; 4,214 s in all' or '; at least 13,785 s of sampling', for the report ('' if none)."""
    words = duration_words(duration)
    return f"; {words}{' in all' if duration[1] == 'run' else ''}" if words else ""


def without_machine_folder(command: str) -> str:
    """A shipped command without the folder of the machine it was made on (``--out DIR``).

    A command line is read as the shell reads it, so that a quoted folder with a space
    goes whole (``--out '/tmp/a b'`` was shown as ``--out DIR b'``); anything else (a
    Python call, unbalanced quotes) loses what follows ``--out`` up to a space.
    """
    try:
        words = shlex.split(command) if command.startswith("coprod ") else None
    except ValueError:
        words = None
    if words is None:
        return re.sub(r"--out(=|\s+)\S+", "--out DIR", command)
    shown, folder = [], False
    for word in words:
        if folder:
            word, folder = "DIR", False
        elif word == "--out":
            folder = True
        elif word.startswith("--out="):
            shown.append("--out")
            word = "DIR"
        shown.append(word)
    return shlex.join(shown)


# ---- surveys --------------------------------------------------------------------------
def survey_words(records) -> str:
    """The surveys in words: "SYNTHETIC x (2025; 308 answers)"."""
    if records is None:
        return "surveys its manifest does not record readably"
    parts = []
    for r in records:
        details = [str(r["year"])] if r["year"] is not None else []
        if r["answers"] is not None:
            details.append(f"{r['answers']:,} answers")
        if r["source"] and r["source"] != r["label"]:
            details.append(r["source"])
        parts.append(("SYNTHETIC " if r["synthetic"] else "") + r["label"]
                     + (f" ({'; '.join(details)})" if details else ""))
    return " + ".join(parts)


def is_2015(records) -> bool:
    """Whether the records are the shipped 2015 survey alone."""
    return records is not None and [r["label"] for r in records] == ["wave2015"]


def posterior_name(post) -> str:
    """'the shipped posterior' or 'the posterior in FOLDER' (as its manifest named it)."""
    return "the shipped posterior" if post.source.startswith("shipped") else \
        f"the posterior in {post.source}"


def surveys_summary(parts, given, fit_mismatch: bool) -> dict:
    """What the opening says of the surveys, as plain text.

    ``parts``: (part, survey records) as :func:`coprod.report_page.made_from` lists them;
    ``given``: ``--data``'s records (None without); ``fit_mismatch``: whether fit.csv's
    observed shares are not the ``--data`` survey's. Returns ``given``: ``--data``'s
    survey; ``made``: one line when every part was made from the same surveys, else
    ``each`` lists (part, surveys); ``mismatch``: the one sentence on parts made from
    other surveys than ``--data``'s; ``synthetic``: the SYNTHETIC surveys' labels.
    """
    out = {"given": survey_words(given) if given is not None else None, "made": None,
           "each": [], "mismatch": None, "synthetic": []}
    groups: list[tuple[list | None, list[str]]] = []  # parts made from the same surveys
    for part, records in parts:
        mine = next((g for g in groups if same_surveys(g[0], records)), None)
        if mine is None:
            groups.append((records, [part]))
        else:
            mine[1].append(part)
    if len(groups) == 1:
        out["made"] = f"{survey_words(groups[0][0])}: {listing(groups[0][1])}"
    else:
        out["each"] = [(listing(names), survey_words(r)) for r, names in groups]
    if given is not None:
        other: dict[str, list[str]] = {}  # surveys in words -> the parts made from them
        for p, r in parts:
            if r is not None and not same_surveys(r, given) and not (
                    p.startswith("the survey's") and same_surveys(r, given[:1])):
                other.setdefault(survey_words(r), []).append(p)
        if fit_mismatch and not any("the fit" in names for names in other.values()):
            other.setdefault("other observed shares than that survey's", []).append("the fit")
        if other:
            made = "; ".join(f"{listing(names)} {'was' if len(names) == 1 else 'were'} made "
                             f"from {words}" for words, names in other.items())
            out["mismatch"] = (f"Not made from the --data survey ({survey_words(given)}): "
                               f"{made}; their numbers are of those surveys.")
    out["synthetic"] = sorted({r["label"] for recs in [given, *(r for _, r in parts)]
                               if recs for r in recs if r["synthetic"]})
    return out


# ---- the findings ---------------------------------------------------------------------
def fit_sentence(fit: pd.DataFrame) -> str:
    """How many observed shares the calibrated model reproduces."""
    return (f"The calibrated model reproduces {int(fit.inside.sum())} of {len(fit)} "
            "observed shares (simulated median inside the observed 95% interval).")


def reading_outcome(comp: pd.DataFrame, name: str) -> str:
    """The outcome whose answer per reading is said: one's own, the adopters', or all."""
    for prefix in ("own:", "adopters:", ""):
        if (comp.outcome == f"reading:division:{prefix}{name}").any():
            return prefix + name
    return name


def uncertainty(rows: pd.DataFrame, which: str = "that") -> str:
    """Where one effect's uncertainty comes from, and which policy input it goes with.

    :func:`scenarios.attribution.uncertainty_sentence` for the groups (assumed ones named
    as assumed; "not separable" where the design gives no number); the local policy's
    inputs in words, with their rank correlations to their own two decimals. ``which``:
    the effect named ("the first" says "Of the uncertainty in the first").
    """
    text = uncertainty_sentence(rows[rows.kind != "association"])
    if which != "that":
        text = text.replace("Of that uncertainty", f"Of the uncertainty in {which}", 1)
    links = rows[(rows.kind == "association") & rows.input.isin(list(POLICY_WORDS))]
    clear = links[(links.low_90 > 0) | (links.high_90 < 0)]
    policy = set(rows.scenario) == {POLICY}
    if policy and len(links) and clear.empty:
        text += (" No single input of the local policy goes clearly with it across the "
                 "worlds the survey accepts: which one carries it is not shown.")
    elif len(clear):
        top = clear.loc[clear.rank_correlation.abs().idxmax()]
        text += (f" Across those worlds it goes most with the strength of "
                 f"{POLICY_WORDS[top.input]} (rank correlation "
                 f"{correlation_words(top.rank_correlation, top.low_90, top.high_90)}): "
                 "conditional on how strongly a policy acts that way.")
    return text


def policy_sentence(comp: pd.DataFrame, att: pd.DataFrame | None, *,
                    adopters: bool = True, where: str = "in every municipality") -> str | None:
    """What a local volunteer policy changes, and which assumed route the answer rests on.

    ``comp``: comparison.csv; ``att``: attribution.csv (None when there is none);
    ``adopters``: say the adopters' changes too (not when a finding before said them);
    ``where``: who adopts it, in words (one's own municipality alone with --adopters own).
    """
    rows = comp[(comp.scenario == POLICY) & comp.diff_median.notna()].set_index("outcome")
    named = [n for n in POLICY_OUTCOMES if n in rows.index]
    if not named:
        return None
    parts = [f"{outcome(n).label.lower()} {paired_change(rows.loc[n], n)}" for n in named]
    text = (f"A local volunteer policy {where} changes, at the horizon against the "
            "baseline run for run, over all municipalities: " + "; ".join(parts) + ".")
    adopt = [n for n in ADOPTER_SENTENCE if adopters and f"adopters:{n}" in rows.index]
    if adopt:
        many = comp[(comp.scenario == POLICY) & (comp.outcome == "adopters:municipalities")]
        count = (f" (median {float(many['median'].iloc[0]):.0f})" if len(many) else "")
        text += (" Where it changes, in the municipalities that adopt it" + count + ": "
                 + "; ".join(f"{describe('adopters:' + n).label.lower()} "
                             f"{paired_change(rows.loc['adopters:' + n], 'adopters:' + n)}"
                             for n in adopt) + ".")
    which = reading_outcome(comp, named[0])
    readings = reading_lines(comp, POLICY, which)
    if readings:
        where = {"own:": "in your municipality", "adopters:": "in the municipalities that "
                 "adopt it"}.get(which[:which.index(":") + 1] if ":" in which else "",
                                 "over all municipalities")
        text += (f" By the policy's reading, which the paper leaves open, "
                 f"{describe(which).label.lower()} {where} changes: "
                 + "; ".join(readings) + ".")
    if att is None:
        return text + " (No attribution: run 'coprod compare'.)"
    mine = att[(att.scenario == POLICY) & (att.outcome == named[0])]
    if not (mine.kind == "group").any():
        return text
    return text + " " + uncertainty(mine, "the first")


def effect_sentence(comp: pd.DataFrame, att: pd.DataFrame | None) -> str | None:
    """The largest effect on shared coordination, with its conditions and attribution.

    Among several policies the one that changes it most is named; one policy alone is
    not ranked.
    """
    rows = comp[(comp.outcome == KEY_EFFECT) & comp.diff_median.notna()
                & (comp.scenario != comp.scenario.iloc[0])]
    if rows.empty:
        return None
    best = rows.loc[rows.diff_median.abs().idxmax()]
    shown = change(best.diff_median, best.diff_low_90, best.diff_high_90, "%",
                   outcome(KEY_EFFECT).scale)
    if len(rows) > 1:
        text = f"Of the policies, '{best.scenario}' changes shared coordination most: "
    else:
        text = f"'{best.scenario}' changes shared coordination by "
    text += (f"{shown} at the horizon, if the model's mechanisms and the scenario's "
             "assumptions hold.")
    if att is None:
        return text
    mine = att[(att.scenario == best.scenario) & (att.outcome == KEY_EFFECT)]
    groups = mine[(mine.kind == "group") & mine.share.notna()].set_index("input")
    if groups.empty:
        return text
    # A single strength is named only where its share's interval excludes 0.
    singles = mine[(mine.kind == "single") & (mine.low_90 >= NAMED_SHARE)] \
        .sort_values("share", ascending=False)
    sentence = uncertainty(mine)
    if len(singles):
        chief = f" (chiefly the assumed {singles.input.iloc[0].replace('_', ' ')})"
        sentence = sentence.replace(GROUP_WORDS[STRENGTHS], GROUP_WORDS[STRENGTHS] + chief,
                                    1)
    return f"{text} {sentence} Its largest part makes it " \
           f"{READING_OF_GROUP[groups.share.idxmax()]}."


def own_sentences(comp: pd.DataFrame, population: str, baseline: str,
                  att: pd.DataFrame | None, no_link: str) -> list:
    """One's own municipality first (runs with --municipality), then the steadier readings.

    Per scenario, ``(heading, parts)``: who coordinates, volunteers, activities and staff
    time in one's own municipality; then ``no_link``, the sentence on what links
    municipalities in the model; then the adopters and the municipalities like one's own
    (:func:`scenarios.compare.group_lines`). ``population``: the comparison's population
    name (it carries the municipality).
    """
    from sim.population_spec import PopulationSpec

    own = PopulationSpec.of(population).municipality
    if own is None:
        return []
    lines = own_lines(comp, baseline, own.name, att, split=True)
    if not lines:
        return []
    return [*lines, no_link, *group_lines(comp, baseline, population, att)]


def finding_text(item) -> str:
    """A finding as one line: itself, or ``(heading, parts)`` joined into a sentence."""
    if isinstance(item, str):
        return item
    head, parts = item
    return f"{head}: " + "; ".join(parts) + "."


# ---- the tables' cells ----------------------------------------------------------------
def group_cell(rows: pd.DataFrame, group: str) -> str:
    """A group's share of an effect's variance as its interval allows, or why none."""
    if group not in rows.index:
        return "—"
    r = rows.loc[group]
    if not np.isfinite(r.share):
        return "not separable" if str(r.note).startswith("not separable") else "—"
    return share_words(r.share, r.low_90, r.high_90)


def single_inputs(mine: pd.DataFrame) -> list[str]:
    """The single strengths whose share excludes 0, and the policy inputs it goes with.

    ``mine``: one effect's attribution rows indexed by input.
    """
    from scenarios.attribution import STRENGTHS as STR

    singles = mine[(mine.kind == "single") & (mine.low_90 >= NAMED_SHARE)] \
        .sort_values("share", ascending=False)
    top = [f"{k} {share_words(r.share, r.low_90, r.high_90)}"
           for k, r in singles.head(3).iterrows()]
    links = mine[(mine.kind == "association") & ((mine.low_90 > 0) | (mine.high_90 < 0))]
    top += [f"{k}: rank correlation "
            f"{correlation_words(r.rank_correlation, r.low_90, r.high_90)}"
            for k, r in links.iterrows()]
    if not top and str(mine.note.get(STR, "")).startswith(("too few draws", "drawn once")):
        top = ["too few draws of the policy strengths to name one"]
    return top


def width_of_range(width: float) -> str:
    """A 90% width as a share of the prior's range, never wider than the range itself.

    A regression-adjusted posterior can spread beyond the prior's range; its width is
    then the whole range, said so rather than printed as more than 1.
    """
    if not np.isfinite(width):
        return "—"
    return "the whole range" if width >= 1 else f"{width:.2f}"


def same_surveys(a, b) -> bool:
    """Whether two lists of survey records name the same files (a path spelt two ways too)."""
    if a is None or b is None or len(a) != len(b):
        return False

    def names(r):
        return {os.path.normpath(n) for n in (r["label"], r["source"]) if n and n != "?"}

    return all(names(x) & names(y) for x, y in zip(a, b, strict=True))
