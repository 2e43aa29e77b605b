"""The report: one self-contained HTML file (figures embedded) a municipal board can read.

It is rendered from the outputs of the pipeline, laid out as ``coprod demo`` writes them::

    DIR/survey/bootstrap.csv        coprod survey --out DIR/survey
    DIR/fit/fit.csv ...             coprod fit --out DIR/fit
    DIR/scenarios/comparison.csv    coprod run ... --out DIR/scenarios; coprod compare

Figures are also written as PNG files in ``DIR/figures``.

The report is data and templates: :mod:`coprod.report_inputs` reads every file once into
typed values; :mod:`coprod.report_text` makes the sentences (pure functions);
:data:`coprod.report_sections.SECTIONS` declares the sections (what each needs, how to
make it when it is missing); the Jinja2 templates in ``coprod/templates`` lay them out
and escape every value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from coprod.report_inputs import (
    SHIPPED_2015,
    ReportInputs,
    load_inputs,
    manifest_surveys,
    part_made,
    scenarios_dir,
    survey_records,
)
from coprod.report_sections import SECTIONS, command_line
from coprod.report_templates import render
from coprod.report_text import (
    POLICY,
    POLICY_WORDS,
    effect_sentence,
    finding_text,
    fit_sentence,
    horizon_words,
    is_2015,
    own_sentences,
    policy_sentence,
    posterior_name,
    same_surveys,
    survey_words,
)
from coprod.report_text import (
    surveys_summary as _summary,
)
from runtime.files import atomic_write_text, check_out_dir
from runtime.words import quoted, shell_word
from scenarios.compare import adopts_alone
from sim.errors import InputError, printable

__all__ = ["POLICY_WORDS", "build_report", "command_line", "findings", "made_from",
           "open_report", "render", "scenarios_dir", "surveys_lines", "surveys_summary"]


# ---- which survey(s) the results were made from ---------------------------------------
def _parts(inp: ReportInputs) -> list[tuple[str, tuple | None]]:
    """What each part of the folder records it was made from: (part, survey records)."""
    parts = []
    s = inp.survey
    if s is not None and s.manifest:
        if s.data is None:
            parts.append(("the survey's intervals", None))
        else:
            parts.append(("the survey's intervals", (dict(SHIPPED_2015),)
                          if s.data.startswith("shipped") or s.data == "wave2015" else
                          survey_records([{"label": s.data, "source": s.data,
                                           "synthetic": s.manifest.get("synthetic")}])))
    if inp.fit is not None:
        parts.append(("the fit", inp.fit.surveys))
    sc = inp.scenarios
    runs = [r.surveys for r in sc.runs if r.has_outcomes] if sc is not None else []
    for source, post in inp.posteriors:
        if post is not None:
            parts.append((f"the calibration ({posterior_name(post)})",
                          manifest_surveys(post.manifest)))
        else:
            parts.append((f"the calibration (the posterior {source}, not found from here)",
                          None))
    if runs:
        if all(same_surveys(r, runs[0]) for r in runs):
            parts.append(("the scenarios", runs[0]))
        else:
            parts += [(f"a scenario ({k + 1} of {len(runs)})", r) for k, r in enumerate(runs)]
    if sc is not None and sc.comparison is not None and sc.comparison_manifest:
        parts.append(("the comparison", survey_records(sc.comparison_manifest.get("surveys"))))
    return parts


def made_from(directory: Path) -> list[tuple[str, tuple | None]]:
    """What each part of ``directory`` records it was made from: (part, survey records).

    The survey's intervals (``survey/manifest.json``'s ``data``), the fit, the
    calibration(s) the fit and the scenarios used, the scenarios and their comparison.
    """
    return _parts(load_inputs(Path(directory)))


def _table_shares(table) -> dict[str, float]:
    """share:<activity>:<coordinator> of a survey table (its six Table 2 activities)."""
    from sim.catalogue import COORDINATORS

    return {f"{a}:{c}": table.counts[i, j] / table.counts[i].sum()
            for i, a in enumerate(table.activities) for j, c in enumerate(COORDINATORS)
            if table.counts[i].sum() > 0}


def _fit_mismatch(inp: ReportInputs) -> bool:
    """Whether fit.csv's observed shares are not those of the --data survey."""
    if inp.fit is None or inp.waves is None:
        return False
    mine = _table_shares(inp.waves.waves[0].table)
    for r in inp.fit.fit.itertuples(index=False):
        want = mine.get(f"{r.activity}:{r.coordinator}")
        if want is None or not np.isclose(float(r.observed), want, atol=1e-6):
            return True
    return len(inp.fit.fit) != len(mine)


def _given(inp: ReportInputs):
    return survey_records(inp.waves.record()) if inp.waves is not None else None


def surveys_summary(inp: ReportInputs) -> dict:
    """What the opening says of the surveys (:func:`coprod.report_text.surveys_summary`).

    ``inp``: what :func:`open_report` loaded (with ``--data``'s survey, if given).
    """
    return _summary(_parts(inp), _given(inp), _fit_mismatch(inp))


def surveys_lines(summary: dict) -> list[str]:
    """The summary as lines for a terminal (one line each, printable characters only)."""
    lines = []
    if summary["synthetic"]:
        lines.append(f"SYNTHETIC DATA: {', '.join(summary['synthetic'])} was made by the "
                     "model, not observed")
    if summary["made"]:
        lines.append(f"Made from {summary['made']}")
    lines += [f"Made from {words}: {part}" for part, words in summary["each"]]
    if summary["mismatch"]:
        lines.append(summary["mismatch"])
    return [printable(line) for line in lines]


# ---- the findings ---------------------------------------------------------------------
def findings_of(inp: ReportInputs) -> list:
    """The things a reader should look at first, each computed from the outputs.

    One's own municipality first (runs with --municipality: a ``(heading, parts)`` per
    scenario), what links municipalities, the adopters and the municipalities like
    one's own; then the local volunteer policy, what this survey says of the paper's
    claims, how well the model fits it, and the policy that moves shared coordination
    most. The rest are sentences.
    """
    from calibration.claims import claim_sentences
    from scenarios.compare import NO_LINK
    from sim.population_spec import PopulationSpec

    out = []
    sc = inp.scenarios
    comp = sc.comparison if sc is not None else None
    if comp is not None:
        record = sc.comparison_manifest
        population = record["population"]  # checked: the runs' (check_compared)
        baseline = str(record.get("baseline") or comp.scenario.iloc[0])
        own = own_sentences(comp, population, baseline, sc.attribution, NO_LINK)
        out += own
        # With one's own municipality the adopters were said beside it.
        run = sc.run(POLICY)
        alone = run is not None and adopts_alone(run.manifest)
        where = (f"in {PopulationSpec.of(population).municipality.name} alone (--adopters own; "
                 "the others keep 2015's)" if alone else "in every municipality")
        policy = policy_sentence(comp, sc.attribution, adopters=not own, where=where)
        if policy:
            out.append(policy)
    if inp.survey is not None and inp.survey.claims is not None:
        out += claim_sentences(inp.survey.claims, 0.99)
    if inp.fit is not None:
        out.append(fit_sentence(inp.fit.fit))
    if comp is not None:
        sentence = effect_sentence(comp, sc.attribution)
        if sentence:
            out.append(sentence)
    return out


def findings(source: Path | ReportInputs) -> list[str]:
    """The findings (:func:`findings_of`), one line each.

    ``source``: what :func:`open_report` loaded, or a folder (then read for this alone).
    """
    inp = source if isinstance(source, ReportInputs) else load_inputs(Path(source))
    return [finding_text(f) for f in findings_of(inp)]


# ---- the page -------------------------------------------------------------------------
def _section(key: str):
    return next(s for s in SECTIONS if s.key == key)


def _principal(inp: ReportInputs, parts) -> tuple | None:
    """The survey the opening speaks of.

    ``--data``'s, else what the fit, the calibration or (failing those) any part records.
    """
    if inp.waves is not None:
        return _given(inp)
    return next((r for p, r in parts if p.startswith(("the fit", "the calibration"))
                 and r is not None), next((r for _, r in parts if r is not None), None))


def page_values(inp: ReportInputs, figures: Path) -> dict:
    """Everything the page template shows, from the loaded inputs.

    The sections of :data:`~coprod.report_sections.SECTIONS` whose inputs are there, in
    its order; a "Left out" entry for each one missing that says how to make it.
    """
    shown, left = [], []
    for section in SECTIONS:
        if not section.needs(inp):
            missing = section.missing(inp)
            if missing is not None:
                left.append(missing)
            continue
        context = section.context(inp, figures)
        if context is not None:
            shown.append({"template": section.template, "context": context})
    parts = _parts(inp)
    principal = _principal(inp, parts)
    return {
        "survey": "the 2015 survey (Andfossen 2020)" if principal is None
        or is_2015(principal) else f"your survey, {survey_words(principal)},",
        "ahead": horizon_words(inp.horizons),
        "surveys": surveys_summary(inp),
        "findings": findings_of(inp), "left": left, "sections": shown,
        # Studies made with another model version: an appendix after everything else.
        "appendix": inp.studies if inp.studies and inp.studies["stale"] else None}


def open_report(directory: Path, waves=None, *, studies_folder: Path | None = None,
                inside=None) -> ReportInputs:
    """Check ``directory`` holds something to report on, and read it all once.

    Refused in one line: a missing folder, one without the survey's, the fit's or the
    scenarios' results, a read-only one (before anything is read). ``waves``: the
    ``--data`` survey the report is read against; ``studies_folder``: the studies of
    what the survey can tell (default the shipped ones); ``inside``: the folder being
    written (:func:`runtime.locks.locked`), whose files are read only from inside it.
    The value is what :func:`build_report`, :func:`surveys_summary` and :func:`findings`
    take, so that a command reads each file once.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("folder", str(directory), "give the folder 'coprod demo' wrote (with "
                         "survey/, fit/ and scenarios/) or one 'coprod run' wrote",
                         problem="no such directory")
    sdir = scenarios_dir(directory)
    # A part's manifest without its table is read (and refused there, naming what it
    # lost), not taken for a folder where nothing was made.
    if not (part_made(directory / "survey", "bootstrap.csv")
            or part_made(directory / "fit", "fit.csv")
            or (sdir is not None and (sdir / "comparison.csv").exists())):
        if sdir is not None:  # runs there, not compared: the next step is compare
            raise InputError("folder", str(sdir / "comparison.csv"), "the runs there are not "
                             "compared yet; make it with "
                             + quoted(f"coprod compare --out {shell_word(sdir)}"),
                             problem="missing file")
        raise InputError("folder", str(directory / "survey" / "bootstrap.csv"),
                         "create it with " + " or ".join(
                             quoted(f"coprod {c} --out {shell_word(d)}")
                             for c, d in (("survey", directory / "survey"),
                                          ("demo", directory))),
                         problem="missing file")
    # A read-only folder is refused before anything is read.
    check_out_dir(directory, where="folder")
    return load_inputs(directory, waves, studies=True, studies_folder=studies_folder,
                       inside=inside)


def build_report(directory: Path, waves=None, *, into: Path | None = None,
                 studies_folder: Path | None = None,
                 inputs: ReportInputs | None = None) -> Path:
    """Render ``DIR/report.html`` (and ``DIR/figures/*.png``) from what ``DIR`` holds.

    ``into``: the folder the files are written to (default ``DIR``; the command line
    gives a staging folder, so that the report and its figures replace the earlier ones
    together: :func:`runtime.files.replaced_together`). ``inputs``: what
    :func:`open_report` read from ``DIR`` (read here when not given).

    Each part is rendered when its files are there — the survey (``survey/``), the fit
    (``fit/``), the scenarios (``scenarios/`` or ``DIR`` itself, as ``coprod run`` and
    ``coprod compare`` wrote them) — and the report names what it left out and how to
    make it (:data:`coprod.report_sections.SECTIONS`). At least one of them must be there.

    The opening names the survey(s) each part records it was made from (SYNTHETIC ones
    marked); ``waves`` (:class:`calibration.waves.Waves`, ``--data``) is the survey the
    report is read against: a part made from another is named. ``studies_folder``: the
    studies of what the survey can tell (default the shipped ones); those made with
    another model version go to an appendix at the end.
    """
    directory = Path(directory)
    inp = inputs if inputs is not None else open_report(directory, waves,
                                                         studies_folder=studies_folder)
    into = directory if into is None else Path(into)
    page = render("report.html.j2", **page_values(inp, into / "figures"))
    atomic_write_text(into / "report.html", page)
    return directory / "report.html"


# ---- single sections and sentences, for those who want one ----------------------------
def section_html(directory: Path, key: str, figures: Path | None = None) -> str:
    """One section of the report for ``directory`` (its key in ``SECTIONS``), as HTML."""
    directory = Path(directory)
    inp = load_inputs(directory)
    section = _section(key)
    if not section.needs(inp):
        return ""
    context = section.context(inp, figures or directory / "figures")
    if context is None:
        return ""
    return render("section.html.j2", section={"template": section.template,
                                              "context": context})
