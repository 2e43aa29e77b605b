"""The report's sections as data: what each needs, how to make it, what it shows.

:data:`SECTIONS` is the one table of the report's body: each :class:`Section` names its
template, the part of :class:`~coprod.report_inputs.ReportInputs` it needs, the command
that makes that part when it is missing (the report's "Left out" line follows from it),
and the function that turns the loaded inputs into the template's values. Those
functions read no file (figures excepted: they are copied to ``figures/`` and embedded
as they are shown); the templates escape everything (autoescape).
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.narrowing import posterior_narrowing
from coprod.report_inputs import (
    SECOND_WAVE,
    ReportInputs,
    compare_remake,
    fit_remake,
    manifest_surveys,
    survey_records,
)
from coprod.report_text import (
    group_cell,
    interval,
    is_2015,
    level,
    paired_change,
    pct,
    points,
    posterior_name,
    reading_outcome,
    significant,
    single_inputs,
    spread,
    survey_words,
    uncertainty,
    width_of_range,
    without_machine_folder,
)
from runtime.files import atomic_write_bytes, read_bytes_limited
from runtime.words import again_with, shell_word
from scenarios.attribution import ASSUMED, CHANCE, NARROWED, RESIDUAL, STRENGTHS, WORLD
from scenarios.compare import adopts_alone, reading_lines
from scenarios.effects import rerun
from scenarios.labels import change, describe, fte
from sim.errors import InputError, UnknownNameError
from sim.outcomes import HEADLINE, outcome
from sim.parameters import PARAMETERS
from sim.population_spec import PopulationSpec, describe_name
from sim.published import SURVEY_2015

KEY_EFFECT = "share_together"


@dataclass(frozen=True)
class Figure:
    """A figure as the report embeds it."""

    caption: str
    data: str  # base64 PNG


def figure(path: Path, caption: str, figures: Path, inside=None, *, remake: str) -> Figure:
    """A PNG figure, checked, copied to ``figures/`` (once) and encoded for embedding.

    ``inside``: the folder being written (the report's), which ``path`` is read from;
    ``remake``: the command that makes the figure's folder again (``figures`` is the
    report's staging folder, no place to name).
    """
    image = read_bytes_limited(path, inside=inside)  # never a FIFO, never endless
    if not image.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InputError(str(path), image[:16], f"a PNG figure; {again_with(remake)}",
                         problem="not a PNG image:")
    if path.parent.resolve() != figures.resolve():
        atomic_write_bytes(figures / f"{path.parent.name}_{path.name}", image)
    return Figure(caption, base64.b64encode(image).decode("ascii"))


# ---- the survey -----------------------------------------------------------------------
RESAMPLING = {"activity": "units resampled within activity", "unit": "whole units resampled"}


def survey_context(inp: ReportInputs, figures: Path) -> dict:
    """Table 2 with its intervals, the statutory differences and the claims."""
    from calibration.claims import claim_sentences
    from sim.catalogue import activity

    s = inp.survey
    boot = s.boot
    shares = boot[boot.statistic.str.startswith("share:")]
    rows = []
    for act, group in shares.groupby(shares.statistic.str.split(":").str[1], sort=False):
        try:  # a user's own survey may name activities the catalogue does not hold
            a = activity(act)
            label = a.label + (" (statutory)" if a.statutory else "")
        except UnknownNameError:
            label = f"{act} (not in the catalogue)"
        rows.append((label, [(pct(r.estimate), interval(r.low_95, r.high_95))
                             for r in group.itertuples()]))
    diffs = [(r.statistic, f"{100 * r.estimate:+.1f}", points(r.low_95, r.high_95),
              points(r.low_99, r.high_99), significant(r.low_99, r.high_99))
             for r in boot[~boot.statistic.str.startswith("share:")].itertuples()]
    how = [f"{s.reps:,} replications"] if s.reps is not None else []
    how.append(RESAMPLING.get(str(s.resample), "resampling not recorded"))
    return {"data": s.data or "the survey analysed", "how": ", ".join(how),
            "rows": rows, "diffs": diffs,
            "claims": claim_sentences(s.claims, 0.99) if s.claims is not None else [],
            "notes": [(r.statistic, r.note) for r in boot.itertuples()
                      if isinstance(r.note, str) and r.note]}


def second_wave_context(inp: ReportInputs, figures: Path) -> dict | None:
    """A second wave beside the first: its shares with 95% BCa intervals."""
    def shares(boot: pd.DataFrame) -> pd.DataFrame:
        boot = boot[boot.statistic.str.startswith("share:")]
        return boot.set_index("statistic")

    first, second = shares(inp.survey.boot), shares(inp.second_wave.boot)
    both = [k for k in first.index if k in second.index]
    if not both:
        return None
    rows, moved = [], []
    for key in both:
        _, act, coord = key.split(":", 2)
        a, b = first.loc[key], second.loc[key]
        apart = b.low_95 > a.high_95 or b.high_95 < a.low_95
        if apart:
            moved.append((abs(b.estimate - a.estimate), act, coord, a.estimate, b.estimate))
        rows.append((act, coord, pct(a.estimate), interval(a.low_95, a.high_95),
                     pct(b.estimate), interval(b.low_95, b.high_95), apart))
    if moved:
        _, act, coord, x, y = max(moved)
        summary = (f"{len(moved)} of {len(both)} shares moved beyond both waves' 95% "
                   f"intervals; the largest: {act} coordinated by {coord}, "
                   f"{pct(x)} → {pct(y)}.")
    else:
        summary = (f"None of the {len(both)} shares moved beyond both waves' 95% "
                   "intervals: one wave does not tell the two apart share by share.")
    w = inp.second_wave
    return {"synthetic": w.synthetic, "data": w.data,
            "resample": w.resample or "resampling not recorded", "summary": summary,
            "rows": rows}


# ---- the fit --------------------------------------------------------------------------
def _parameter_rows(post) -> list[tuple]:
    median, ci = post.median(), post.interval(0.9)
    # Whether the survey narrowed each input is the narrowing test's verdict
    # (calibration.narrowing), not a threshold on the width.
    test = posterior_narrowing(post).frame.set_index("input")
    rows = []
    for name in post.particles.columns:
        p = PARAMETERS[name]
        lo, hi = ci[name]
        verdict = (f"{test.loc[name, 'words']}, p = {test.loc[name, 'p_value']:.2g}"
                   if name in test.index else "not tested")
        if p.levels:  # a model choice: each level's posterior weight, not a width
            weights = "/".join(f"{w:.2f}" for w in post.level_shares(name).values())
            narrowing = f"{weights} ({'/'.join(p.levels)}; {verdict})"
        else:  # the 90% interval over the prior's width, never wider than the range
            narrowing = f"{width_of_range((hi - lo) / (p.high - p.low))} ({verdict})"
        rows.append((name, "free" if p.kind == "free" else "assumption",
                     f"{median[name]:.3g}", f"{lo:.3g} to {hi:.3g}",
                     f"{p.low:g} to {p.high:g}", narrowing, p.meaning))
    return rows


def fit_context(inp: ReportInputs, figures: Path) -> dict:
    """The calibrated model against the survey, and the calibrated world."""
    f = inp.fit
    fit, post = f.fit, f.posterior
    inside_predictive = int(((fit.observed >= fit.sim_low_90)
                             & (fit.observed <= fit.sim_high_90)).sum())
    world = None
    if post is not None:
        man = post.manifest
        epsilons = man.get("epsilons")
        world = {"name": posterior_name(post), "simulations": man.get("simulations"),
                 "populations": man.get("populations"),
                 "tolerance": epsilons[-1] if isinstance(epsilons, list) and epsilons
                 else None, "rows": _parameter_rows(post)}
    validation = []
    if f.validation is not None:
        validation = [(str(r.pattern), str(r.known),
                       f"{r.sim_median:.2f} ({interval(r.sim_low_90, r.sim_high_90, 1, '')})",
                       "yes" if r.consistent is True or str(r.consistent) == "True" else "no")
                      for r in f.validation.itertuples()]
    folder, remade = inp.directory / "fit", fit_remake(inp.directory)
    return {
        "inside": int(fit.inside.sum()), "cells": len(fit),
        "inside_predictive": inside_predictive,
        "n_inside": int(f.fit_n.inside.sum()), "n_cells": len(f.fit_n),
        "against": survey_words(f.surveys),
        "posterior": posterior_name(post) if post is not None else "a posterior",
        "source": " ".join(str(f.posterior_source).split()),
        "fit_figure": figure(folder / "fit.png", "Observed shares (filled, 95% BCa) and "
                             "simulated (open, 90% predictive interval over posterior draws "
                             "and seeds)", figures, inp.inside, remake=remade),
        "posterior_figure": figure(folder / "posterior.png", "Posterior of each parameter "
                                   "against its uniform prior", figures, inp.inside,
                                   remake=remade),
        "world": world, "validation": validation}


# ---- the scenarios --------------------------------------------------------------------
# The attribution's groups as the report's columns, in this order (those present).
GROUP_COLUMNS = ((NARROWED, "Narrowed by the survey"), (ASSUMED, "Assumed: before 2015"),
                 (WORLD, "Calibrated worlds (narrowed and assumed together)"),
                 (STRENGTHS, "Assumed: policy strengths"), (CHANCE, "Chance"),
                 (RESIDUAL, "Chance or interaction"))
# The planner's rows: what a council asks, over all, where the policy changes, at home.
PLANNER_ROWS = ("per_1000:active_volunteers", "per_1000:activities_per_week",
                "share_together", "nursing_home:share_together", "home_care:share_together",
                "nursing_home:activities_per_unit", "home_care:activities_per_unit",
                "per_1000:staff_hours")
# The outcomes whose answer per reading of the local policy the report gives.
READING_OUTCOMES = ("share_municipality", "share_together", "per_1000:active_volunteers")
# A scenario run with --adopters own: its description says "every municipality".
_ALONE = (" Run with --adopters own: {own} alone takes the scenario's flags; the other "
          "municipalities keep 2015's.")
OWN_LIMITS = ("One municipality's outcomes come from a model calibrated to one survey of "
              f"{SURVEY_2015.units_responded} units in {SURVEY_2015.municipalities} "
              "municipalities, which saw none of them one by one: they say what the "
              "mechanisms imply for a municipality of this size, these units and these "
              "flags, amid municipalities like those of 2015, not what will happen in it. "
              "Its intervals are wide because a municipality has few activities in four "
              "weeks; read them, not the median alone.")


def _attribution_table(inp: ReportInputs) -> dict | None:
    """Per policy: its effect on shared coordination and where the uncertainty comes from."""
    sc = inp.scenarios
    att, comp = sc.attribution, sc.comparison
    if att is None:
        return None
    scale = outcome(KEY_EFFECT).scale
    here = att[(att.outcome == KEY_EFFECT) & (att.kind == "group")]
    columns = [(g, title) for g, title in GROUP_COLUMNS if (here.input == g).any()]
    rows, notes = [], {}
    for name in sc.compared[1:]:
        mine = att[(att.scenario == name) & (att.outcome == KEY_EFFECT)].set_index("input")
        eff = comp[(comp.scenario == name) & (comp.outcome == KEY_EFFECT)]
        if mine.empty or eff.empty:
            continue
        e = eff.iloc[0]
        for k, r in mine[mine.note != ""].iterrows():
            notes.setdefault(str(r.note), []).append(f"{name}: {k}")
        rows.append((name, change(e.diff_median, e.diff_low_90, e.diff_high_90, "%", scale),
                     [group_cell(mine, g) for g, _ in columns],
                     "; ".join(single_inputs(mine)) or "—"))
    if not rows:
        return None
    return {"columns": [title for _, title in columns], "rows": rows,
            "notes": [("; ".join(where), note) for note, where in notes.items()]}


def _question_table(inp: ReportInputs) -> dict | None:
    """The research question's answer: observed (bootstrap) and per scenario (runs)."""
    from sim.classify import CLASSES

    sc, rows = inp.scenarios, []
    if inp.survey is not None and inp.survey.classes is not None:
        obs = inp.survey.classes
        prob = dict(zip(obs["class"], obs.probability, strict=True))
        rows.append(("observed survey (bootstrap replicates)",
                     [f"{prob.get(c, 0):.0%}" for c in CLASSES]))
    comp = sc.comparison.set_index(["scenario", "outcome"])
    for name in sc.compared:
        cells = []
        for c in CLASSES:
            mean = comp["mean"].get((name, f"class:{c}"), np.nan)
            low, high = (comp[k].get((name, f"class:{c}"), np.nan) if k in comp else np.nan
                         for k in ("mean_low_90", "mean_high_90"))
            cell = f"{mean:.0%}" if np.isfinite(mean) else "—"
            if np.isfinite(mean) and np.isfinite(low) and np.isfinite(high):
                cell += f" (90% {low:.0%}–{high:.0%})"
            cells.append(cell)
        rows.append((f"{name} (runs, at the horizon)", cells))
    return {"classes": CLASSES, "rows": rows} if rows else None


def _headline_table(inp: ReportInputs) -> list[tuple]:
    sc = inp.scenarios
    comp = sc.comparison.set_index(["scenario", "outcome"])
    rows = []
    for name in sc.compared:
        cells = []
        for key in HEADLINE:
            if (name, key) not in comp.index:
                cells.append(("—", ""))
                continue
            r = comp.loc[(name, key)]
            label = describe(key)
            shown = level(r["median"], label.unit, label.scale)
            if label.unit.startswith("hours"):
                shown += f" ({fte(r['median']):,.1f} FTE)"
            below = spread(r, label.unit, label.scale) if name == sc.compared[0] else \
                paired_change(r, key)
            cells.append((shown, below))
        rows.append((name, cells))
    return rows


def _readings(comp: pd.DataFrame, name: str) -> list[tuple[str, str, list[str]]]:
    """The local policy's answer under each reading and averaged, per outcome."""
    out = []
    for key in READING_OUTCOMES:
        which = reading_outcome(comp, key)
        lines = reading_lines(comp, name, which)
        if lines:
            label = describe(which)
            out.append((label.label, label.of, lines))
    return out


def _planner(inp: ReportInputs, population: str) -> dict | None:
    """Per policy: the change over all, where the policy changes, and in one's own."""
    sc = inp.scenarios
    comp, att = sc.comparison, sc.attribution
    own = PopulationSpec.of(population).municipality
    groups = [("", "all municipalities")]
    if comp.outcome.str.startswith("adopters:").any():
        groups.append(("adopters:", "where it changes (adopters)"))
    if own is not None:
        groups.append(("own:", own.name))
    # The steadier reading beside one's own: the like-yours adopters, or (a policy acting
    # everywhere, or none of them adopting) all municipalities like one's own.
    if comp.outcome.str.startswith("like_yours_adopters:").any():
        groups.append(("like_yours_adopters:", f"like {own.name}, adopting"))
    elif comp.outcome.str.startswith("like_yours:").any():
        groups.append(("like_yours:", f"like {own.name}"))
    if len(groups) == 1:
        return None
    tables = []
    for name in sc.compared[1:]:
        mine = comp[comp.scenario == name].set_index("outcome")
        rows = []
        for key in PLANNER_ROWS:
            label = describe(key)
            cells = []
            for prefix, _ in groups:
                full = prefix + key
                if full not in mine.index or not np.isfinite(mine.loc[full, "diff_median"]):
                    cells.append(None)
                    continue
                r = mine.loc[full]
                cells.append((level(r["median"], label.unit, label.scale),
                              paired_change(r, full)))
            rows.append((label.label, cells))
        uncertain = None
        if att is not None:
            uncertain = []
            for prefix, _ in groups:
                rows_att = att[(att.scenario == name)
                               & (att.outcome == prefix + PLANNER_ROWS[0])]
                text = uncertainty(rows_att) if (rows_att.kind == "group").any() else ""
                uncertain.append(text.removeprefix("Of that uncertainty, ") or "—")
        switched = None
        if "adopters:municipalities" in mine.index:
            switched = f"{mine.loc['adopters:municipalities', 'median']:.0f}"
        tables.append({"name": name, "switched": switched, "rows": rows,
                       "uncertain": uncertain, "readings": _readings(comp, name)})
    if not tables:
        return None
    from scenarios.compare import NO_LINK, like_yours_words

    return {"groups": [g for _, g in groups], "tables": tables,
            "own": own.name if own is not None else None,
            "own_words": own.describe() if own is not None else None,
            "own_limits": OWN_LIMITS, "no_link": NO_LINK,
            "like": like_yours_words(own.inhabitants, f"{own.name}'s") if own is not None
            else None}


def scenarios_context(inp: ReportInputs, figures: Path) -> dict:
    """The scenarios against the baseline: design, attribution, outcomes, planner."""
    sc = inp.scenarios
    baseline = sc.run(sc.compared[0])
    runs = [sc.run(n) for n in sc.compared]
    if any(r is None for r in runs):  # a compared scenario without its manifest
        missing = sc.compared[runs.index(None)]
        path = sc.folder / missing / "manifest.json"
        raise InputError(str(path), missing, again_with(rerun(path)), problem="missing file")
    population = baseline.population
    own = PopulationSpec.of(population).municipality
    sizes = sorted({(r.draws, r.assumption_draws, r.replicates, r.horizon_weeks)
                    for r in runs}, key=str)
    design = "; ".join(f"{d} calibrated worlds × {a} draws of the policy strengths × {r} "
                       f"seeds over {h} weeks" for d, a, r, h in sizes)
    # Runs of another model or code version than the baseline's are noted.
    versions = list(sc.notes)
    against = survey_records(sc.comparison_manifest.get("surveys")) \
        if sc.comparison_manifest else None
    observed = "the 2015 survey" if against is None or is_2015(against) else \
        survey_words(against[:1])
    return {
        "versions": versions, "design": design,
        "runs": [(r.name, r.description + (_ALONE.format(own=own.name) if own is not None
                                            and adopts_alone(r.manifest) else ""),
                  "—" if r.runs is None else r.runs) for r in runs],
        "attribution": _attribution_table(inp), "question": _question_table(inp),
        "figures": [figure(path, caption.format(observed=observed), figures, inp.inside,
                           remake=compare_remake(sc.folder))
                    for path, caption in sc.figures],
        "whose": "in " + describe_name(population), "baseline": baseline.name,
        "headline": [outcome(n).label for n in HEADLINE],
        "outcomes": _headline_table(inp), "planner": _planner(inp, population),
        "over_time": _over_time(inp, figures)}


def _over_time(inp: ReportInputs, figures: Path) -> dict | None:
    """The paired effect year by year (``effect_by_year.csv``): sentences and figure.

    For each compared scenario, your municipality first, then the adopters: how soon
    each key outcome's effect shows and whether it lasts
    (:func:`scenarios.over_time.trajectory`); the manifest's words on what the years
    count from.
    """
    from scenarios.over_time import PLOTTED, trajectory

    sc = inp.scenarios
    table = sc.by_year
    if table is None or table.empty:
        return None
    own = PopulationSpec.of(sc.run(sc.compared[0]).population).municipality
    where = {"own": f"In {own.name}" if own is not None else "In your municipality",
             "adopters": "In the municipalities it switched"}
    blocks = []
    comp = sc.comparison.set_index(["scenario", "outcome"])
    for name in sc.compared[1:]:
        # The adopters when they are one's own municipality alone (--adopters own): said.
        alone = own is not None and comp["median"].get(
            (name, "adopters:municipalities"), np.nan) <= 1
        for group in ("own",) if alone else ("own", "adopters"):
            lines = [line for outcome in PLOTTED
                     if (line := trajectory(table, name, group, outcome, where[group]))]
            if lines:
                blocks.append((name, where[group], lines))  # the template lists lines
    years = sc.comparison_manifest.get("years") if sc.comparison_manifest else None
    picture = (figure(sc.by_year_figure, "The paired effect year by year from the switch "
                      "(median and 90% band over paired runs)", figures, inp.inside,
                      remake=compare_remake(sc.folder))
               if sc.by_year_figure is not None else None)
    if not blocks and picture is None:
        return None
    return {"blocks": blocks, "years": years if isinstance(years, str) else "",
            "figure": picture}


# ---- how to reproduce, and the limits -------------------------------------------------
def command_line(record: dict, folder: Path) -> str:
    """A manifest's command as one valid command line: its seed and folder named.

    Manifests record the command as it was typed (``coprod survey`` when run by the
    demo); the seed is added when missing, and the output folder is ``folder``, the one
    the report reads: a folder copied elsewhere recorded the one it was made in, and
    that command, pasted, would have written over the original (``--force`` too).
    """
    command = str(record.get("command") or "").strip()
    if not command.startswith("coprod "):
        return ""
    try:
        words = shlex.split(command)
    except ValueError:  # an edited manifest (an unbalanced quote): no command to show
        return ""
    seed = record.get("seed")
    if "--seed" not in words and isinstance(seed, int) and not isinstance(seed, bool):
        words += ["--seed", str(seed)]
    out = [i for i, w in enumerate(words) if w == "--out" or w.startswith("--out=")]
    for i in reversed(out):  # (argparse reads the last; every one is replaced)
        del words[i:i + (2 if words[i] == "--out" else 1)]
    return shlex.join([*words, "--out", str(folder)])


def run_command(record: dict) -> dict:
    """A scenario's ``coprod run`` made from its manifest (one run from the library)."""
    name, source = record.get("scenario"), record.get("source")
    sizes = {"--draws": "draws", "--assumption-draws": "assumption_draws",
             "--replicates": "replicates", "--horizon": "horizon_weeks"}
    if not isinstance(name, str):
        return {}
    given = source if isinstance(source, str) and source.endswith(".toml") and \
        "/" in source else name
    words = ["coprod", "run", given]
    for flag, key in sizes.items():
        value = record.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            words += [flag, str(value)]
    return {"command": shlex.join(words), "seed": record.get("seed")}


def data_flags(waves) -> str:
    """``--data ...`` as the commands in the report's hints take it ('' for 2015's)."""
    if waves is None or waves.shipped_2015:
        return ""
    return "".join(f" --data {shell_word(w.label)}" for w in waves.waves)


def reproduce_context(inp: ReportInputs, figures: Path) -> dict:
    """Every command that made the folder's numbers, and the posteriors'."""
    from calibration.posterior import load_posterior

    items, directory = [], inp.directory
    for sub, part in (("survey", inp.survey), (SECOND_WAVE, inp.second_wave),
                      ("fit", inp.fit)):
        line = command_line(part.manifest, directory / sub) if part is not None else ""
        if line:
            items.append(line)
    sc = inp.scenarios
    if sc is not None:
        seen = set()
        for r in sorted(sc.runs, key=lambda r: r.name):
            line = command_line(r.manifest, sc.folder) or \
                command_line(run_command(r.manifest), sc.folder)
            if line and line not in seen:
                seen.add(line)
                items.append(line)
        if sc.comparison is not None:
            items.append(command_line(sc.comparison_manifest, sc.folder)
                         or command_line({"command": "coprod compare"}, sc.folder))
    items.append(command_line({"command": "coprod report" + data_flags(inp.waves)},
                              directory))
    post = load_posterior().manifest
    shipped = not inp.posteriors or any(
        m is not None and m.source.startswith("shipped") for _, m in inp.posteriors)
    own = []
    for source, mine in inp.posteriors:
        if mine is not None and mine.source.startswith("shipped"):
            continue
        if mine is None:
            own.append((source, None, None))
            continue
        own.append((mine.source, command_line(mine.manifest, Path(mine.source)) or None,
                    mine.manifest.get("date")))
    versions = post.get("versions", {})
    return {"items": items, "shipped": {
        "command": without_machine_folder(str(post.get("command", ""))),
        "seed": post.get("seed"), "date": post.get("date"),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items() if k != "platform")
        if isinstance(versions, dict) else ""} if shipped else None, "own": own}


LIMITS = (
    f"It is calibrated to one cross-sectional survey of {SURVEY_2015.units_responded} "
    "units: 12 independent shares and 6 counts. What it cannot identify (how trust learns, "
    "how often joint work fails, how policies work and how strongly) is an assumption with "
    "a documented range: the scenarios integrate over it and say how much of each result "
    "it carries.",
    "Policies act through assumed mechanisms with documented strengths (docs/ODD.md); the "
    "scenarios compare policies under those mechanisms — they are not forecasts for a "
    "given municipality.",
    "Only employees answered the survey; volunteers' view, care recipients' outcomes and "
    "the quality of activities are outside the data and the model.",
    "Some inputs were set from the survey's own activity counts (organisations' domains, "
    "where activities can take place) and others are assumptions (staff hours per "
    "activity, turnover); all are named in docs/ODD.md so they can be challenged and "
    "changed.")


def limits_context(inp: ReportInputs, figures: Path) -> dict:
    """What the model can and cannot tell, for the survey it was calibrated to."""
    calibrated = next((manifest_surveys(m.manifest) for _, m in inp.posteriors
                       if m is not None and manifest_surveys(m.manifest) is not None), None)
    items = list(LIMITS)
    if calibrated is not None and not is_2015(calibrated):
        items[0] = (f"It is calibrated to {survey_words(calibrated)}, not to the 2015 "
                    "survey: per wave, the shares and counts of Table 2's six activities. "
                    "Its mechanisms, their documented ranges and the 2015 levers are those "
                    "set for the 2015 survey (docs/ODD.md). What it cannot identify"
                    + LIMITS[0].split("What it cannot identify", 1)[1])
        items[2] = items[2].replace("Only employees answered the survey;", "The survey's "
                                    "answers are the units' view;", 1)
    return {"items": items}


def glossary_context(inp: ReportInputs, figures: Path) -> dict:
    """Every outcome in plain words (:mod:`coprod.report_glossary`)."""
    from coprod.report_glossary import GLOSSARY

    return {"terms": GLOSSARY}


# ---- the table ------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """One section of the report's body.

    ``needs``: whether the inputs hold what it shows; ``missing``: what the "Left out"
    line says when they do not (None: nothing to say), as (what, command to make it);
    ``context``: the template's values (None: the section has nothing to show).
    """

    key: str
    template: str
    needs: Callable[[ReportInputs], bool]
    context: Callable[[ReportInputs, Path], dict | None]
    missing: Callable[[ReportInputs], tuple[str, str] | None] = lambda inp: None


def _survey_missing(inp: ReportInputs) -> tuple[str, str]:
    flags = data_flags(inp.waves)
    # coprod survey reads one CSV: the first wave's file
    first = "" if not flags else f" --data {shell_word(inp.waves.waves[0].source)}"
    return (f"the {'2015 ' if not flags else ''}survey with its intervals",
            f"coprod survey{first} --out {shell_word(inp.directory / 'survey')}")


def _fit_missing(inp: ReportInputs) -> tuple[str, str]:
    flags, what = data_flags(inp.waves), "the calibrated model against the survey"
    out = shell_word(inp.directory / "fit")
    if not flags:
        return what, f"coprod fit --out {out}"
    # One's own survey is fitted by a posterior calibrated on it, made first (a folder
    # named here, not a placeholder: 'DIR', pasted, wrote into ./DIR).
    calibration = shell_word(inp.directory / "calibration")
    return what, (f"coprod calibrate{flags} --out {calibration}, then coprod fit{flags} "
                  f"--posterior {calibration} --out {out}")


def _scenarios_missing(inp: ReportInputs) -> tuple[str, str]:
    flags = data_flags(inp.waves)
    if inp.scenarios is not None:
        return ("the scenarios: their runs are there but not compared",
                f"coprod compare{flags} --out {shell_word(inp.scenarios.folder)}")
    scenarios = shell_word(inp.directory / "scenarios")
    return ("policy scenarios", f"coprod run baseline local_volunteer_policy{flags} --out "
            f"{scenarios}, then coprod compare{flags} --out {scenarios}")


def _by_year_lost(inp: ReportInputs) -> bool:
    """Whether the comparison wrote effect_by_year.csv (its manifest says so) and it is gone."""
    from scenarios.over_time import FILE

    sc = inp.scenarios
    if sc is None or sc.comparison is None or sc.by_year is not None:
        return False
    written = sc.comparison_manifest.get("written")
    return isinstance(written, list) and FILE in written


def _over_time_missing(inp: ReportInputs) -> tuple[str, str]:
    from scenarios.over_time import FILE

    return (f"the effects year by year (\"Over time\"): {FILE}, which "
            "comparison_manifest.json lists, is missing",
            f"coprod compare{data_flags(inp.waves)} --out {shell_word(inp.scenarios.folder)}")


SECTIONS: tuple[Section, ...] = (
    Section("survey", "survey.html.j2", lambda inp: inp.survey is not None, survey_context,
            _survey_missing),
    Section("second_wave", "second_wave.html.j2",
            lambda inp: inp.survey is not None and inp.second_wave is not None,
            second_wave_context),
    Section("fit", "fit.html.j2", lambda inp: inp.fit is not None, fit_context,
            _fit_missing),
    Section("studies", "studies.html.j2", lambda inp: inp.studies is not None,
            lambda inp, figures: inp.studies),
    Section("scenarios", "scenarios.html.j2",
            lambda inp: inp.scenarios is not None and inp.scenarios.comparison is not None,
            scenarios_context, _scenarios_missing),
    # Shown inside the scenarios' section (scenarios_context); here for its "Left out".
    Section("over_time", "", lambda inp: not _by_year_lost(inp), lambda inp, figures: None,
            _over_time_missing),
    Section("reproduce", "reproduce.html.j2", lambda inp: True, reproduce_context),
    Section("limits", "limits.html.j2", lambda inp: True, limits_context),
    Section("glossary", "glossary.html.j2", lambda inp: True, glossary_context),
)
