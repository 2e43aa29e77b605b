"""The report: one self-contained HTML file (figures embedded) a municipal board can read.

It is rendered from the outputs of the pipeline, laid out as ``coprod demo`` writes them::

    DIR/survey/bootstrap.csv        coprod survey --out DIR/survey
    DIR/fit/fit.csv ...             coprod fit --out DIR/fit
    DIR/scenarios/comparison.csv    coprod run ... --out DIR/scenarios; coprod compare

Figures are also written as PNG files in ``DIR/figures``.
"""

from __future__ import annotations

import base64
import html
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.narrowing import posterior_narrowing
from calibration.posterior import load_posterior
from coprod.report_studies import studies_section
from coprod.scenario_cmds import NO_LINK
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
from scenarios.compare import check_versions, own_lines, reading_lines
from scenarios.labels import change, describe, fte, number
from sim.catalogue import COORDINATORS, TABLE2_IDS, activity
from sim.errors import InputError, UnknownNameError, printable
from sim.frame import SURVEY_2015
from sim.io import (
    atomic_write_bytes,
    atomic_write_text,
    check_out_dir,
    read_bytes_limited,
    read_own_csv,
    read_own_json,
)
from sim.municipality import describe_population, split_population_name
from sim.outcomes import HEADLINE, outcome
from sim.parameters import PARAMETERS
from sim.regime import READING_STRENGTHS

# How each output is made again; 'coprod demo' makes them all (the quotes nest in messages).
DEMO = "' or 'coprod demo --out DIR"
SURVEY_REMAKE = "coprod survey --out DIR/survey" + DEMO
FIT_REMAKE = "coprod fit --out DIR/fit" + DEMO
COMPARE_REMAKE = "coprod compare --out DIR/scenarios" + DEMO
RUN_REMAKE = "coprod run ... --out DIR/scenarios" + DEMO
BOOT_COLUMNS = ("statistic", "estimate", "low_95", "high_95", "low_99", "high_99")
# Shares lie in 0 to 1 and their differences in -1 to 1: a tampered file is refused.
BOOT_BOUNDS = dict.fromkeys(BOOT_COLUMNS[1:], (-1.0, 1.0))
SHARE_BOUNDS = dict.fromkeys(("observed", "low_95", "high_95", "sim_median", "sim_low_90",
                              "sim_high_90", "probability", "level"), (0.0, 1.0))
COMP_COLUMNS = ("scenario", "outcome", "median")
COMP_NUMERIC = ("median", "diff_median", "diff_low_90", "diff_high_90")
# Every outcome is a level of at least 0 (shares, counts, hours, trust), far below 1e12.
COMP_BOUNDS = {"median": (0.0, 1e12), **dict.fromkeys(COMP_NUMERIC[1:], (-1e12, 1e12))}


def scenarios_dir(directory: Path) -> Path | None:
    """Where the scenarios are: ``DIR/scenarios`` (the demo's layout) or ``DIR`` itself.

    ``DIR`` itself when it is a folder ``coprod run`` wrote (scenario folders with
    ``outcomes.csv``, or ``comparison.csv``); None when neither holds any.
    """
    for candidate in (directory / "scenarios", directory):
        if (candidate / "comparison.csv").exists() or any(
                candidate.glob("*/outcomes.csv")):
            return candidate
    return None


def _e(value) -> str:
    """Any value read from a folder, as HTML text (a folder is untrusted input)."""
    return html.escape(str(value))


def _whole(record: dict, key: str, path: Path, remake: str, default=None):
    """A manifest's whole-number field, checked where it is used (absent: ``default``)."""
    value = record.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{path}: field '{key}'", value, "allowed: a whole number >= 0; "
                         f"make it again with '{remake}'")
    return value


def _text(record: dict, key: str, path: Path, remake: str, default: str = "") -> str:
    """A manifest's text field, checked where it is used."""
    value = record.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{path}: field '{key}'", value, "allowed: a string; make it again "
                         f"with '{remake}'")
    return value


# ---- which survey(s) the results were made from ---------------------------------------
MAX_SURVEYS = 100  # survey records read from one manifest (a wave per year at most)
SHIPPED_2015 = {"label": "wave2015", "source": "shipped: Andfossen (2020), Table 2",
                "year": 2015, "answers": None, "synthetic": False}


def _survey_records(value) -> list[dict] | None:
    """A manifest's ``surveys`` as checked records of text (None: not readable as such).

    Each record keeps what the report uses — label, source, year, answers, synthetic —
    with any value of the wrong type dropped; a survey whose label or file says
    "synthetic" is marked so whatever its record says.
    """
    if not isinstance(value, list) or not value or len(value) > MAX_SURVEYS:
        return None
    out = []
    for item in value:
        if not isinstance(item, dict):
            return None
        label, source = item.get("label"), item.get("source")
        label = " ".join(label.split()) if isinstance(label, str) and label.strip() else "?"
        source = " ".join(source.split()) if isinstance(source, str) else ""
        whole = {k: v if isinstance(v, int) and not isinstance(v, bool) else None
                 for k, v in (("year", item.get("year")), ("answers", item.get("answers")))}
        synthetic = item.get("synthetic") is True or "synthetic" in (label + source).lower()
        out.append({"label": label[:300], "source": source[:300], **whole,
                    "synthetic": synthetic})
    return out


def _survey_words(records: list[dict] | None) -> str:
    """The surveys in words (plain text: escape it): "SYNTHETIC x (2025; 308 answers)"."""
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


def _same_surveys(a: list[dict] | None, b: list[dict] | None) -> bool:
    """Whether two lists of survey records name the same files (a path spelt two ways too)."""
    import os

    if a is None or b is None or len(a) != len(b):
        return False

    def names(r):
        return {os.path.normpath(n) for n in (r["label"], r["source"]) if n and n != "?"}

    return all(names(x) & names(y) for x, y in zip(a, b, strict=True))


def _is_2015(records: list[dict] | None) -> bool:
    return records is not None and [r["label"] for r in records] == ["wave2015"]


def _manifest_surveys(record: dict) -> list[dict] | None:
    """The surveys a manifest records (None: not readable).

    A manifest made before they were recorded: the 2015 table, the only survey runs,
    fits and calibrations could then be made from.
    """
    if "surveys" not in record:
        population = record.get("population")
        if isinstance(population, str) and population.startswith("frame:"):
            return None  # runs on a survey's own frame always record it
        return [dict(SHIPPED_2015)]
    return _survey_records(record["surveys"])


def _posterior_at(source, directory: Path):
    """The posterior a manifest names (``coprod calibrate``'s folder), if it is in reach.

    A relative folder is looked for from here, then by its name inside ``directory``;
    the shipped posterior when the manifest names none. None when it cannot be found or
    read.
    """
    from sim.errors import CoprodError

    if not isinstance(source, str) or not source.strip() or source.startswith("shipped"):
        return load_posterior()
    candidates = [Path(source), directory / Path(source).name]
    for candidate in candidates:
        try:
            if (candidate / "posterior.csv").is_file():
                return load_posterior(candidate)
        except (CoprodError, OSError, ValueError):
            continue
    return None


def _posterior_name(post) -> str:
    return "the shipped posterior" if post.source.startswith("shipped") else \
        f"the posterior in {post.source}"


def _run_manifests(sdir: Path | None) -> list[Path]:
    """The manifests of the scenarios with results in ``sdir``."""
    if sdir is None:
        return []
    return [p for p in sorted(sdir.glob("*/manifest.json"))
            if (p.parent / "outcomes.csv").exists()]


def used_posteriors(directory: Path, sdir: Path | None = None) -> list[tuple[str, object]]:
    """The posteriors the fit and the scenarios name: (as named, posterior or None)."""
    named = []
    path = directory / "fit" / "manifest.json"
    if path.is_file() and (directory / "fit" / "fit.csv").exists():
        named.append(read_own_json(path, FIT_REMAKE).get("posterior"))
    named += [read_own_json(p, RUN_REMAKE).get("posterior") for p in _run_manifests(sdir)]
    out, seen = [], set()
    for source in named:
        key = " ".join(source.split())[:300] if isinstance(source, str) else ""
        if key not in seen:
            seen.add(key)
            out.append((key, _posterior_at(source, directory)))
    return out


def made_from(directory: Path, sdir: Path | None = None) -> list[tuple[str, list | None]]:
    """What each part of the folder records it was made from: (part, survey records).

    The survey's intervals (``survey/manifest.json``'s ``data``), the fit, the
    calibration(s) the fit and the scenarios used, the scenarios and their comparison.
    """
    sdir = sdir if sdir is not None else scenarios_dir(directory)
    parts: list[tuple[str, list | None]] = []
    path = directory / "survey" / "manifest.json"
    if path.is_file():
        record = read_own_json(path, SURVEY_REMAKE)
        data = record.get("data")  # as --data named it
        if not isinstance(data, str):
            parts.append(("the survey's intervals", None))
        else:
            parts.append(("the survey's intervals", [dict(SHIPPED_2015)]
                          if data.startswith("shipped") or data == "wave2015" else
                          _survey_records([{"label": data, "source": data,
                                            "synthetic": record.get("synthetic")}])))
    path = directory / "fit" / "manifest.json"
    if path.is_file() and (directory / "fit" / "fit.csv").exists():
        parts.append(("the fit", _manifest_surveys(read_own_json(path, FIT_REMAKE))))
    runs = [_manifest_surveys(read_own_json(path, RUN_REMAKE))
            for path in _run_manifests(sdir)]
    for source, post in used_posteriors(directory, sdir):
        if post is not None:
            parts.append((f"the calibration ({_posterior_name(post)})",
                          _manifest_surveys(post.manifest)))
        else:
            parts.append((f"the calibration (the posterior {source}, not found from here)",
                          None))
    if runs:
        if all(_same_surveys(r, runs[0]) for r in runs):
            parts.append(("the scenarios", runs[0]))
        else:
            parts += [(f"a scenario ({k + 1} of {len(runs)})", r) for k, r in enumerate(runs)]
    path = sdir / "comparison_manifest.json" if sdir is not None else None
    if path is not None and path.is_file() and (sdir / "comparison.csv").exists():
        record = read_own_json(path, COMPARE_REMAKE)
        parts.append(("the comparison", _survey_records(record.get("surveys"))))
    return parts


def _data_flags(waves) -> str:
    """``--data ...`` as the commands in the report's hints take it ('' for 2015's)."""
    if waves is None or waves.shipped_2015:
        return ""
    return "".join(f" --data {shlex.quote(w.label)}" for w in waves.waves)


def _table_shares(table) -> dict[str, float]:
    """share:<activity>:<coordinator> of a survey table (its six Table 2 activities)."""
    return {f"{a}:{c}": table.counts[i, j] / table.counts[i].sum()
            for i, a in enumerate(table.activities) for j, c in enumerate(COORDINATORS)
            if table.counts[i].sum() > 0}


def _fit_is_of(directory: Path, table) -> bool:
    """Whether fit.csv's observed shares are those of ``table`` (the --data survey's)."""
    needed = ("activity", "coordinator", "observed")
    fit = read_own_csv(directory / "fit" / "fit.csv", FIT_REMAKE, columns=needed,
                       numeric=("observed",), bounds=SHARE_BOUNDS)
    mine = _table_shares(table)
    for r in fit.itertuples(index=False):
        want = mine.get(f"{r.activity}:{r.coordinator}")
        if want is None or not np.isclose(float(r.observed), want, atol=1e-6):
            return False
    return len(fit) == len(mine)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def surveys_summary(directory: Path, parts: list, waves) -> dict:
    """What the opening says of the surveys, as plain text (escape it for HTML).

    ``given``: ``--data``'s survey; ``made``: one line when every part was made from the
    same surveys, else ``each`` lists (part, surveys); ``mismatch``: the one sentence on
    parts made from other surveys than ``--data``'s; ``synthetic``: the SYNTHETIC
    surveys' labels.
    """
    given = _survey_records(waves.record()) if waves is not None else None
    out = {"given": _survey_words(given) if given is not None else None, "made": None,
           "each": [], "mismatch": None, "synthetic": []}
    groups: list[tuple[list | None, list[str]]] = []  # parts made from the same surveys
    for part, records in parts:
        mine = next((g for g in groups if _same_surveys(g[0], records)), None)
        if mine is None:
            groups.append((records, [part]))
        else:
            mine[1].append(part)
    if len(groups) == 1:
        out["made"] = f"{_survey_words(groups[0][0])}: {_and(groups[0][1])}"
    else:
        out["each"] = [(_and(names), _survey_words(r)) for r, names in groups]
    if given is not None:
        other: dict[str, list[str]] = {}  # surveys in words -> the parts made from them
        for p, r in parts:
            if r is not None and not _same_surveys(r, given) and not (
                    p.startswith("the survey's") and _same_surveys(r, given[:1])):
                other.setdefault(_survey_words(r), []).append(p)
        if (directory / "fit" / "fit.csv").exists() and not any(
                "the fit" in names for names in other.values()) \
                and not _fit_is_of(directory, waves.waves[0].table):
            other.setdefault("other observed shares than that survey's", []).append("the fit")
        if other:
            made = "; ".join(f"{_and(names)} {'was' if len(names) == 1 else 'were'} made "
                             f"from {words}" for words, names in other.items())
            out["mismatch"] = (f"Not made from the --data survey ({_survey_words(given)}): "
                               f"{made}; their numbers are of those surveys.")
    out["synthetic"] = sorted({r["label"] for recs in [given, *(r for _, r in parts)]
                               if recs for r in recs if r["synthetic"]})
    return out


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


def _surveys_section(summary: dict) -> str:
    """The opening's statement of the survey(s) the results were made from.

    SYNTHETIC surveys are marked in a box of their own; a part made from other surveys
    than ``--data``'s is named in one sentence.
    """
    items = []
    if summary["synthetic"]:
        items.append('<div class="synthetic"><b>SYNTHETIC DATA</b>: '
                     + _e(", ".join(summary["synthetic"])) + " was made by the model, not "
                     "observed: what is made from it describes no real municipality. Use it "
                     "to try the pipeline, never as evidence.</div>")
    if summary["given"] is not None:
        items.append(f"<p><b>Survey of this report</b> (--data): {_e(summary['given'])}.</p>")
    if summary["made"]:
        items.append(f"<p><b>Made from</b> {_e(summary['made'])}.</p>")
    if summary["each"]:
        items.append("<p><b>Made from</b>:</p><ul>" + "".join(
            f"<li>{_e(p)}: {_e(w)}</li>" for p, w in summary["each"]) + "</ul>")
        if summary["given"] is None:
            items.append("<p>They were not all made from one survey: read each part "
                         "against the survey it names.</p>")
    if summary["mismatch"]:
        items.append(f'<p class="mismatch"><b>{_e(summary["mismatch"])}</b></p>')
    if not items:
        return ""
    return '<div class="surveys">' + "".join(items) + "</div>"


def _need(path: Path, how: str) -> Path:
    if not path.exists():
        raise InputError("--out", str(path), f"missing; create it with '{how}' or run "
                         "'coprod demo'", problem="missing file")
    return path


def _img(path: Path, alt: str, figures: Path) -> str:
    image = read_bytes_limited(path)  # never a FIFO, never endless
    if not image.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InputError(str(path), image[:16], "a PNG figure; make it again (e.g. 'coprod "
                         "demo --out DIR')", problem="not a PNG image:")
    if path.parent.resolve() != figures.resolve():
        atomic_write_bytes(figures / f"{path.parent.name}_{path.name}", image)
    data = base64.b64encode(image).decode("ascii")
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(alt)}</figcaption></figure>")


def _pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{100 * x:.0f}%"


def _interval(lo: float, hi: float, scale: float = 100, unit: str = "%") -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval"
    digits = 0 if scale == 100 else 2
    return f"{scale * lo:.{digits}f}{unit} to {scale * hi:.{digits}f}{unit}"


def _points(lo: float, hi: float) -> str:
    """A difference's interval in percentage points, or that there is none."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval (see the notes)"
    return f"{100 * lo:+.1f} to {100 * hi:+.1f}"


def _significant(lo: float, hi: float) -> str:
    """Whether 0 lies outside the interval; '—' without an interval (never a star)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "—"
    return "yes" if lo > 0 or hi < 0 else "no"


CLAIM_COLUMNS = ("claim", "level", "verdict", "evidence")
ATTRIBUTION_COLUMNS = ("scenario", "outcome", "input", "kind", "share", "low_90", "high_90",
                       "rank_correlation", "note")
ATTRIBUTION_NUMERIC = ("share", "low_90", "high_90", "rank_correlation")
# A single strength is named only where its share's 90% interval starts at 0.5% or more
# (so that it does not read "0%" at its lower end).
NAMED_SHARE = 0.005
KEY_EFFECT = "share_together"  # the paper's question: how much is coordinated together


def _claim_sentences(directory: Path) -> list[str]:
    """The paper's claims as this survey judges them, at the 99% the paper states.

    :func:`calibration.claims.claim_sentences` on ``survey/claims.csv``: one count, then
    one sentence for each claim the intervals do not plainly support, with its scope
    (for which bodies or groups it holds) and note.
    """
    from calibration.claims import claim_sentences

    path = directory / "survey" / "claims.csv"
    if not path.exists():
        return []
    claims = read_own_csv(path, SURVEY_REMAKE, columns=CLAIM_COLUMNS, numeric=("level",),
                          bounds=SHARE_BOUNDS)
    for column in ("reading", "scope", "note"):  # claims.csv of an earlier coprod
        if column not in claims:
            claims[column] = ""
    return claim_sentences(claims, 0.99)


POLICY = "local_volunteer_policy"
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


def _attribution(directory: Path, sdir: Path | None = None) -> pd.DataFrame | None:
    """``attribution.csv`` of the scenarios folder (``sdir`` or found), or None."""
    path = (sdir or scenarios_dir(directory) or directory / "scenarios") / "attribution.csv"
    if not path.exists():
        return None
    return read_own_csv(path, COMPARE_REMAKE, columns=ATTRIBUTION_COLUMNS,
                        numeric=ATTRIBUTION_NUMERIC)
POLICY_OUTCOMES = ("share_municipality", "share_together", "active_volunteers")


ADOPTER_SENTENCE = ("per_1000:active_volunteers", "per_1000:activities_per_week",
                    "nursing_home:share_together", "home_care:share_together")


def _change(row, name: str) -> str:
    """A paired change with its 90% interval, in the outcome's unit, as people read it."""
    label = describe(name)
    return change(row["diff_median"], row["diff_low_90"], row["diff_high_90"], label.unit,
                  label.scale)


def _policy_sentence(directory: Path, comp: pd.DataFrame) -> str | None:
    """What a local volunteer policy changes, and which assumed route the answer rests on."""
    rows = comp[(comp.scenario == POLICY) & comp.diff_median.notna()].set_index("outcome")
    named = [n for n in POLICY_OUTCOMES if n in rows.index]
    if not named:
        return None
    parts = [f"{outcome(n).label.lower()} {_change(rows.loc[n], n)}" for n in named]
    text = ("A local volunteer policy in every municipality changes, at the horizon against "
            "the baseline run for run, over all municipalities: " + "; ".join(parts) + ".")
    adopt = [n for n in ADOPTER_SENTENCE if f"adopters:{n}" in rows.index]
    if adopt:
        many = comp[(comp.scenario == POLICY) & (comp.outcome == "adopters:municipalities")]
        count = (f" (median {float(many['median'].iloc[0]):.0f})" if len(many) else "")
        text += (" Where it changes, in the municipalities that adopt it" + count + ": "
                 + "; ".join(f"{describe('adopters:' + n).label.lower()} "
                             f"{_change(rows.loc['adopters:' + n], 'adopters:' + n)}"
                             for n in adopt) + ".")
    readings = reading_lines(comp, POLICY, _reading_outcome(comp, named[0]))
    if readings:
        which = _reading_outcome(comp, named[0])
        where = {"own:": "in your municipality", "adopters:": "in the municipalities that "
                 "adopt it"}.get(which[:which.index(":") + 1] if ":" in which else "",
                                 "over all municipalities")
        text += (f" By the policy's reading, which the paper leaves open, "
                 f"{describe(which).label.lower()} {where} changes: "
                 + "; ".join(readings) + ".")
    att = _attribution(directory)
    if att is None:
        return text + " (No attribution: run 'coprod compare'.)"
    mine = att[(att.scenario == POLICY) & (att.outcome == named[0])]
    if not (mine.kind == "group").any():
        return text
    return text + " " + _uncertainty(mine, "the first")


def _reading_outcome(comp: pd.DataFrame, name: str) -> str:
    """The outcome whose answer per reading is said: one's own, the adopters', or all."""
    for prefix in ("own:", "adopters:", ""):
        if (comp.outcome == f"reading:division:{prefix}{name}").any():
            return prefix + name
    return name


def _uncertainty(rows: pd.DataFrame, which: str = "that") -> str:
    """Where one effect's uncertainty comes from, and which policy input it goes with.

    :func:`scenarios.attribution.uncertainty_sentence` for the groups (assumed ones named
    as assumed; "not separable" where the design gives no number); the local policy's
    inputs in words, with their rank correlations to their own two decimals.
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


def _effect_sentence(directory: Path, comp: pd.DataFrame) -> str | None:
    """The largest effect on shared coordination, with its conditions and attribution."""
    rows = comp[(comp.outcome == KEY_EFFECT) & comp.diff_median.notna()
                & (comp.scenario != comp.scenario.iloc[0])]
    if rows.empty:
        return None
    best = rows.loc[rows.diff_median.abs().idxmax()]
    shown = change(best.diff_median, best.diff_low_90, best.diff_high_90, "%",
                   outcome(KEY_EFFECT).scale)
    text = (f"Of the policies, '{best.scenario}' changes shared coordination most: "
            f"{shown} at the horizon, if the model's mechanisms and the scenario's "
            "assumptions hold.")
    att = _attribution(directory)
    if att is None:
        return text
    mine = att[(att.scenario == best.scenario) & (att.outcome == KEY_EFFECT)]
    groups = mine[(mine.kind == "group") & mine.share.notna()].set_index("input")
    if groups.empty:
        return text
    # A single strength is named only where its share's interval excludes 0.
    singles = mine[(mine.kind == "single") & (mine.low_90 >= NAMED_SHARE)] \
        .sort_values("share", ascending=False)
    chief = f" (chiefly the assumed {singles.input.iloc[0].replace('_', ' ')})" \
        if len(singles) else ""
    reading = {STRENGTHS: "a conditional answer: it restates assumed strengths more than "
                          "anything the survey shows",
               ASSUMED: "a conditional answer: it rests most on world inputs the survey "
                        "did not narrow (assumed, not data)",
               NARROWED: "mostly set by what the survey narrowed",
               WORLD: "mostly set by the calibrated worlds (what the survey narrowed and "
                      "what it left as assumed, together)",
               CHANCE: "mostly chance: runs differ more than draws do",
               RESIDUAL: "mostly chance or interaction (not separable with one seed per "
                         "draw)"}[groups.share.idxmax()]
    sentence = _uncertainty(mine)
    if chief:
        sentence = sentence.replace(GROUP_WORDS[STRENGTHS], GROUP_WORDS[STRENGTHS] + chief, 1)
    return f"{text} {sentence} Its largest part makes it {reading}."


def _read_comparison(path: Path) -> pd.DataFrame:
    """comparison.csv with numbers where numbers are used (a baseline alone has no diffs)."""
    comp = read_own_csv(path, COMPARE_REMAKE, columns=COMP_COLUMNS, numeric=COMP_NUMERIC,
                        bounds=COMP_BOUNDS)
    for column in COMP_NUMERIC:
        if column not in comp:
            comp[column] = np.nan
    comp["scenario"] = comp.scenario.astype(str)
    comp["outcome"] = comp.outcome.astype(str)
    repeated = comp.duplicated(["scenario", "outcome"])
    if repeated.any():  # compare writes each (scenario, outcome) once, own: rows included
        row = comp[repeated].iloc[0]
        raise InputError(f"{path}: row {int(repeated.to_numpy().argmax()) + 2}",
                         f"{row.scenario}, {row.outcome}", "each scenario and outcome "
                         f"once; make it again with '{COMPARE_REMAKE}'",
                         problem="repeated row")
    return comp


def _own_sentences(sdir: Path, comp: pd.DataFrame) -> list[str]:
    """One's own municipality first (runs with --municipality): who coordinates, volunteers."""
    path = sdir / "comparison_manifest.json"
    record = read_own_json(path, COMPARE_REMAKE) if path.is_file() else {}
    population = record.get("population") if isinstance(record.get("population"), str) \
        else "survey2015"
    _, own = split_population_name(population)
    if own is None:
        return []
    baseline = str(record.get("baseline") or comp.scenario.iloc[0])
    lines = own_lines(comp, baseline, own.name, _attribution(sdir, sdir))
    return [*lines, NO_LINK] if lines else []


def findings(directory: Path) -> list[str]:
    """The things a reader should look at first, each computed from the outputs.

    The local volunteer policy first, then what this survey says of the paper's claims,
    how well the model fits it, and the policy that moves shared coordination most.
    """
    out = []
    sdir = scenarios_dir(directory)
    comp_path = sdir / "comparison.csv" if sdir is not None else None
    comp = _read_comparison(comp_path) if comp_path and comp_path.exists() else None
    if comp is not None:
        out += _own_sentences(sdir, comp)
        policy = _policy_sentence(directory, comp)
        if policy:
            out.append(policy)
    out += _claim_sentences(directory)
    fit_path = directory / "fit" / "fit.csv"
    if fit_path.exists():
        fit = read_own_csv(fit_path, FIT_REMAKE, columns=("inside",), numeric=("inside",))
        out.append(f"The calibrated model reproduces {int(fit.inside.sum())} of {len(fit)} "
                   "observed shares (simulated median inside the observed 95% interval).")
    if comp is not None:
        sentence = _effect_sentence(directory, comp)
        if sentence:
            out.append(sentence)
    return out


def _survey_section(directory: Path) -> str:
    boot = read_own_csv(directory / "survey" / "bootstrap.csv", SURVEY_REMAKE,
                        columns=BOOT_COLUMNS, numeric=BOOT_COLUMNS[1:],
                        bounds=BOOT_BOUNDS)
    boot["statistic"] = boot.statistic.astype(str)
    shares = boot[boot.statistic.str.startswith("share:")].copy()
    parts = shares.statistic.str.split(":", expand=True)
    if parts.shape[1] != 3 or parts.isna().any().any():
        raise InputError(str(directory / "survey" / "bootstrap.csv"), "statistic",
                         f"share rows named share:<activity>:<coordinator>; make it again "
                         f"with '{SURVEY_REMAKE}'", problem="malformed column")
    shares["activity"], shares["coordinator"] = parts[1], parts[2]
    rows = []
    for act, group in shares.groupby("activity", sort=False):
        try:  # a user's own survey may name activities the catalogue does not hold
            a = activity(act)
            label = a.label + (" (statutory)" if a.statutory else "")
        except UnknownNameError:
            label = f"{act} (not in the catalogue)"
        cells = "".join(
            f"<td>{_pct(r.estimate)}<br><small>{_interval(r.low_95, r.high_95)}</small></td>"
            for r in group.itertuples())
        rows.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
    diffs = boot[~boot.statistic.str.startswith("share:")]
    drows = "".join(
        f"<tr><td>{html.escape(r.statistic)}</td><td>{100 * r.estimate:+.1f}</td>"
        f"<td>{_points(r.low_95, r.high_95)}</td><td>{_points(r.low_99, r.high_99)}</td>"
        f"<td>{_significant(r.low_99, r.high_99)}</td></tr>"
        for r in diffs.itertuples())
    notes = "".join(f"<li><b>{html.escape(r.statistic)}</b>: {html.escape(r.note)}</li>"
                    for r in boot.itertuples() if isinstance(r.note, str) and r.note)
    man_path = directory / "survey" / "manifest.json"
    man = read_own_json(man_path, SURVEY_REMAKE) if man_path.exists() else {}
    reps = _whole(man, "reps", man_path, SURVEY_REMAKE)
    how = {"activity": "units resampled within activity", "unit": "whole units resampled"}
    claims = "".join(f"<li>{html.escape(c)}</li>" for c in _claim_sentences(directory))
    return f"""
<h2>The survey with honest intervals</h2>
<p>Share of LTC units whose volunteer activity is coordinated by each body
({_e(man.get('data', 'the survey analysed'))}), with 95% BCa bootstrap
intervals ({'?' if reps is None else f'{reps:,}'} replications,
{how.get(str(man.get('resample')), 'resampling not recorded')}).</p>
<table><tr><th>Activity</th><th>Municipality</th><th>Voluntary organisation</th>
<th>Together</th></tr>{''.join(rows)}</table>
<h3>Statutory minus non-statutory activities (percentage points)</h3>
<p>Pooled: units pooled over the activities of each group; mean: unweighted mean of the
activities' shares; "excl_social": social activities left out (the paper's sensitivity
analysis). Significant when 0 lies outside the interval.</p>
<table><tr><th>Comparison</th><th>Estimate</th><th>95% BCa</th><th>99% BCa</th>
<th>Significant at 99%</th></tr>{drows}</table>
<h3>The paper's claims, judged on this survey</h3>
<ul>{claims}</ul>
<ul class="notes">{notes}</ul>"""


SECOND_WAVE = "second_wave"  # the demo's folder for the (synthetic) second wave
WAVE_REMAKE = "coprod survey --data wave2025-synthetic --resample unit --out DIR/second_wave"


def _second_wave_section(directory: Path) -> str:
    """A second survey wave beside the first: its shares with 95% BCa intervals.

    Read from ``DIR/second_wave`` (``coprod survey --data ... --out DIR/second_wave``);
    a synthetic wave is said to be one before anything else.
    """
    def shares(path: Path, remake: str) -> pd.DataFrame:
        boot = read_own_csv(path, remake, columns=BOOT_COLUMNS, numeric=BOOT_COLUMNS[1:],
                        bounds=BOOT_BOUNDS)
        boot = boot[boot.statistic.astype(str).str.startswith("share:")]
        return boot.set_index(boot.statistic.astype(str))

    first = shares(directory / "survey" / "bootstrap.csv", SURVEY_REMAKE)
    second = shares(directory / SECOND_WAVE / "bootstrap.csv", WAVE_REMAKE)
    man_path = directory / SECOND_WAVE / "manifest.json"
    man = read_own_json(man_path, WAVE_REMAKE) if man_path.exists() else {}
    synthetic = man.get("synthetic") is True
    both = [k for k in first.index if k in second.index]
    if not both:
        return ""
    rows, moved = [], []
    for key in both:
        _, act, coord = key.split(":", 2)
        a, b = first.loc[key], second.loc[key]
        apart = b.low_95 > a.high_95 or b.high_95 < a.low_95
        if apart:
            moved.append((abs(b.estimate - a.estimate), act, coord, a.estimate, b.estimate))
        rows.append(f"<tr><td>{_e(act)}</td><td>{_e(coord)}</td>"
                    f"<td>{_pct(a.estimate)} <small>{_interval(a.low_95, a.high_95)}</small>"
                    f"</td><td>{_pct(b.estimate)} <small>{_interval(b.low_95, b.high_95)}"
                    f"</small></td><td>{'yes' if apart else ''}</td></tr>")
    if moved:
        _, act, coord, x, y = max(moved)
        change = (f"{len(moved)} of {len(both)} shares moved beyond both waves' 95% "
                  f"intervals; the largest: {_e(act)} coordinated by {_e(coord)}, "
                  f"{_pct(x)} → {_pct(y)}.")
    else:
        change = (f"None of the {len(both)} shares moved beyond both waves' 95% "
                  "intervals: one wave does not tell the two apart share by share.")
    warning = ("<p class=\"synthetic\"><strong>SYNTHETIC: this second wave was made by "
               "the model, not observed; it shows what such a wave would look like and "
               "is no evidence about Norway.</strong></p>" if synthetic else "")
    return f"""
<h3>A second wave{' (SYNTHETIC)' if synthetic else ''}</h3>
{warning}
<p>{_e(man.get('data_file', man.get('data', 'the second wave')))}: each share beside the
first wave's, with 95% BCa intervals ({_e(man.get('resample', '?'))} resampling). {change}
What a second wave can tell about a policy's strength, before one is paid for, is in
"What the next survey would tell" below.</p>
<table><tr><th>Activity</th><th>Coordinator</th><th>First wave</th><th>Second wave</th>
<th>Apart</th></tr>{''.join(rows)}</table>"""


def _fit_section(directory: Path, figures: Path) -> str:
    fit_dir = directory / "fit"
    cells = len(TABLE2_IDS) * len(COORDINATORS)
    needed = ("observed", "sim_low_90", "sim_high_90", "inside")
    fit = read_own_csv(fit_dir / "fit.csv", FIT_REMAKE, rows=cells, columns=needed,
                       numeric=needed, bounds=SHARE_BOUNDS)
    n = read_own_csv(fit_dir / "fit_n.csv", FIT_REMAKE, columns=("inside",),
                     numeric=("inside",), rows=len(TABLE2_IDS))
    # The posterior the fit was made with (its manifest names it), not the shipped one.
    path = fit_dir / "manifest.json"
    record = read_own_json(path, FIT_REMAKE) if path.is_file() else {}
    source = record.get("posterior")
    post = _posterior_at(source, directory)
    against = (f"<p>Checked against {_e(_survey_words(_manifest_surveys(record)))} with "
               f"{_e(_posterior_name(post)) if post is not None else 'a posterior'}.</p>")
    median, interval = (post.median(), post.interval(0.9)) if post is not None else ({}, {})
    prows = []
    # Whether the survey narrowed each input is the narrowing test's verdict
    # (calibration.narrowing), not a threshold on the width.
    test = posterior_narrowing(post).frame.set_index("input") if post is not None else None
    for name in post.particles.columns if post is not None else ():
        p = PARAMETERS[name]
        lo, hi = interval[name]
        narrowing = (hi - lo) / (p.high - p.low)  # the 90% interval over the prior's width
        verdict = (f"{test.loc[name, 'words']}, p = {test.loc[name, 'p_value']:.2g}"
                   if name in test.index else "not tested")
        if p.levels:  # a model choice: each level's posterior weight, not a width
            shares = post.level_shares(name)
            narrowing_text = "/".join(f"{w:.2f}" for w in shares.values()) + \
                f" ({'/'.join(p.levels)}; {verdict})"
        else:
            narrowing_text = f"{narrowing:.2f} ({verdict})"
        kind = "free" if p.kind == "free" else "assumption"
        prows.append(f"<tr><td>{name} <small>({kind})</small></td><td>{median[name]:.3g}</td>"
                     f"<td>{lo:.3g} to "
                     f"{hi:.3g}</td><td>{p.low:g} to {p.high:g}</td><td>"
                     f"{html.escape(narrowing_text)}</td>"
                     f"<td><small>{html.escape(p.meaning)}</small></td></tr>")
    validation = ""
    if (fit_dir / "fit_validation.csv").exists():
        val = read_own_csv(fit_dir / "fit_validation.csv", FIT_REMAKE,
                           columns=("pattern", "known", "sim_median", "sim_low_90",
                                    "sim_high_90", "consistent"),
                           numeric=("sim_median", "sim_low_90", "sim_high_90"))
        vrows = "".join(
            f"<tr><td>{html.escape(str(r.pattern))}</td><td>{html.escape(str(r.known))}</td>"
            f"<td>{r.sim_median:.2f} ({_interval(r.sim_low_90, r.sim_high_90, 1, '')})</td>"
            f"<td>{'yes' if r.consistent is True or str(r.consistent) == 'True' else 'no'}"
            "</td></tr>" for r in val.itertuples())
        validation = f"""<h3>Patterns the calibration did not use</h3>
<table><tr><th>Pattern</th><th>Known</th><th>Simulated median (90%)</th><th>Consistent</th>
</tr>{vrows}</table>"""
    return f"""
<h2>The calibrated model against the survey</h2>
<p>{int(fit.inside.sum())} of {len(fit)} simulated medians lie inside the observed 95% BCa
intervals; the observed share lies inside the 90% predictive interval for
{int(((fit.observed >= fit.sim_low_90) & (fit.observed <= fit.sim_high_90)).sum())} of
{len(fit)}; {int(n.inside.sum())} of {len(n)} activity counts n lie inside their 90%
predictive intervals.</p>
{against}
{_img(fit_dir / 'fit.png', 'Observed shares (filled, 95% BCa) and simulated (open, 90% '
      'predictive interval over posterior draws and seeds)', figures)}
<h3>The calibrated world</h3>
{_calibrated_world(post, source, prows)}
{_img(fit_dir / 'posterior.png', 'Posterior of each parameter against its uniform prior',
      figures)}
{validation}"""


def _calibrated_world(post, source, prows: list[str]) -> str:
    """The posterior's table (or why it is not there: its folder is out of reach)."""
    if post is None:
        return (f"<p>The posterior the fit was made with ({_e(' '.join(str(source).split()))}"
                ") is not found from here: its table is left out. Make the report where "
                "that folder is in reach, or put the folder in this one.</p>")
    man = post.manifest
    simulations, populations = man.get("simulations", "?"), man.get("populations", "?")
    epsilons = man.get("epsilons")
    final = epsilons[-1] if isinstance(epsilons, list) and epsilons else "?"
    name = _posterior_name(post)
    return f"""<p>{_e(name[:1].upper() + name[1:])}: ABC-SMC (pyabc),
{_e(simulations)} simulations in {_e(populations)} generations; final tolerance
{_e(final)} (root mean square of noise-scaled differences). The posterior covers the free
parameters and every assumption that acts before the 2015 snapshot, each over its
documented range: its particles are whole worlds the survey accepts. "Narrowing" is the
width of the 90% credible interval over the width of the prior's range: 0.9 (the uniform
prior's own 90% interval) means the survey left the input as it was. Whether the survey
narrowed an input is tested: its width against what the posterior's weights give an
input that does not matter (Holm, 5% over all inputs); "not identified by the survey"
means its value is assumed, not data. For the local policy's reading, a model choice,
the posterior weight of each reading is given.</p>
<table><tr><th>Parameter</th><th>Median</th><th>90% credible</th><th>Prior</th>
<th>Narrowing</th><th>Meaning</th></tr>{''.join(prows)}</table>"""


# The attribution's groups as the report's columns, in this order (those present).
GROUP_COLUMNS = ((NARROWED, "Narrowed by the survey"), (ASSUMED, "Assumed: before 2015"),
                 (WORLD, "Calibrated worlds (narrowed and assumed together)"),
                 (STRENGTHS, "Assumed: policy strengths"), (CHANCE, "Chance"),
                 (RESIDUAL, "Chance or interaction"))


def _group_cell(rows: pd.DataFrame, group: str) -> str:
    """A group's share as its interval allows, or why there is none."""
    if group not in rows.index:
        return "—"
    r = rows.loc[group]
    if not np.isfinite(r.share):
        return "not separable" if str(r.note).startswith("not separable") else "—"
    return share_words(r.share, r.low_90, r.high_90)


def _attribution_rows(sdir: Path, scenarios: list[str], comp: pd.DataFrame) -> str:
    """Per policy: its effect on shared coordination and where the uncertainty comes from."""
    att = _attribution(sdir, sdir)
    if att is None:
        return ""
    scale = outcome(KEY_EFFECT).scale
    here = att[(att.outcome == KEY_EFFECT) & (att.kind == "group")]
    columns = [(g, title) for g, title in GROUP_COLUMNS if (here.input == g).any()]
    rows, notes = [], {}
    for name in scenarios[1:]:
        mine = att[(att.scenario == name) & (att.outcome == KEY_EFFECT)].set_index("input")
        eff = comp[(comp.scenario == name) & (comp.outcome == KEY_EFFECT)]
        if mine.empty or eff.empty:
            continue
        e = eff.iloc[0]
        # Single strengths only where their share's interval excludes 0; the policy's
        # inputs the effect goes with, to their own two decimals.
        singles = mine[(mine.kind == "single") & (mine.low_90 >= NAMED_SHARE)] \
            .sort_values("share", ascending=False)
        top = [f"{k} {share_words(r.share, r.low_90, r.high_90)}"
               for k, r in singles.head(3).iterrows()]
        links = mine[(mine.kind == "association") & ((mine.low_90 > 0) | (mine.high_90 < 0))]
        top += [f"{k}: rank correlation "
                f"{correlation_words(r.rank_correlation, r.low_90, r.high_90)}"
                for k, r in links.iterrows()]
        for k, r in mine[mine.note.fillna("").astype(str) != ""].iterrows():
            notes.setdefault(str(r.note), []).append(f"{name}: {k}")
        if not top and str(mine.note.get(STRENGTHS, "")).startswith(("too few draws",
                                                                     "drawn once")):
            top = ["too few draws of the policy strengths to name one"]
        cells = "".join(f"<td>{html.escape(_group_cell(mine, g))}</td>" for g, _ in columns)
        rows.append(f"<tr><th>{_e(name)}</th><td>{scale * e.diff_median:+.1f} "
                    f"({scale * e.diff_low_90:+.1f} to {scale * e.diff_high_90:+.1f})</td>"
                    + cells + f"<td>{html.escape('; '.join(top) or '—')}</td></tr>")
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    listed = "".join(f"<li>{html.escape('; '.join(where))}: {html.escape(note)}</li>"
                     for note, where in notes.items())
    return f"""
<h3>What each answer rests on</h3>
<p>The effect on shared coordination (percentage points, median and 90% over paired
runs) and how much of its variance comes from the world inputs the 2015 survey narrowed,
from those it did not narrow (not identified by the survey: their values, the local
policy's reading and strengths among them, are assumed, not data), from the policy's
assumed strengths acting after 2015 (which the survey cannot speak to, drawn over their
documented ranges) and from chance, each with its 90% bootstrap interval and no more
digits than that interval allows. Where the design draws whole worlds, the narrowed and
the assumed inputs are dependent and only their joint share is given ("not separable").
Then the single strengths whose share's interval excludes 0 and the policy inputs the
effect goes with (rank correlation across the worlds, not a share). A result carried by
assumed inputs is a conditional answer: it says what follows <em>if</em> they hold, not
what the survey shows.</p>
<table><tr><th>Scenario</th><th>Effect</th>{head}<th>Single inputs</th></tr>{''.join(rows)}
</table>{f"<p>Notes (attribution.csv):</p><ul>{listed}</ul>" if listed else ""}"""


def _question_rows(directory: Path, comp: pd.DataFrame, scenarios: list[str]) -> str:
    """The research question's answer: observed (bootstrap) and per scenario (runs)."""
    from sim.classify import CLASSES

    path = directory / "survey" / "classes.csv"
    rows = []
    if path.exists():
        obs = read_own_csv(path, SURVEY_REMAKE, columns=("class", "probability"),
                           numeric=("probability",), bounds=SHARE_BOUNDS)
        prob = dict(zip(obs["class"], obs.probability, strict=True))
        rows.append("<tr><th>observed survey (bootstrap replicates)</th>"
                    + "".join(f"<td>{prob.get(c, 0):.0%}</td>" for c in CLASSES) + "</tr>")
    for name in scenarios:
        cells = []
        for c in CLASSES:
            r = comp[(comp.scenario == name) & (comp.outcome == f"class:{c}")]
            mean = pd.to_numeric(r["mean"], errors="coerce").iloc[0] if len(r) and \
                "mean" in r else np.nan
            cells.append(f"<td>{mean:.0%}</td>" if np.isfinite(mean) else "<td>—</td>")
        rows.append(f"<tr><th>{_e(name)} (runs, at the horizon)</th>{''.join(cells)}</tr>")
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in CLASSES)
    return f"""
<h3>The research question: divided, shared or municipal-dominant?</h3>
<p>The class of the survey's table (docs/ODD.md 2.8: rules from the paper's words),
with its probability over the observed table's bootstrap replicates and over each
scenario's virtual surveys.</p>
<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"""


def _scenario_section(directory: Path, figures: Path) -> str:
    """The scenarios' section of the report for the folder ``directory``."""
    return _scenario_section_at(scenarios_dir(directory) or directory / "scenarios",
                                directory, figures)


def _scenario_section_at(sdir: Path, directory: Path, figures: Path) -> str:
    comp = _read_comparison(sdir / "comparison.csv")
    scenarios = list(dict.fromkeys(comp.scenario))
    desc = []
    sizes = set()
    population = "survey2015"
    manifests = {}
    for name in scenarios:
        path = _scenario_manifest(sdir, name)
        manifest = read_own_json(path, RUN_REMAKE)
        manifests[name] = (path, manifest)
        if name == scenarios[0]:
            population = _text(manifest, "population", path, RUN_REMAKE, "survey2015")
        runs = _whole(manifest, "runs", path, RUN_REMAKE, "?")
        sizes.add(tuple(_whole(manifest, key, path, RUN_REMAKE) for key in (
            "draws", "assumption_draws", "replicates", "horizon_weeks")))
        desc.append(f"<tr><th>{_e(name)}</th><td>"
                    f"{_e(_text(manifest, 'description', path, RUN_REMAKE))}"
                    f"</td><td>{_e(runs)}</td></tr>")
    # Runs of another model or code version than the baseline's are refused (one line).
    versions = "".join(f"<p><b>Note:</b> {_e(note)}.</p>"
                       for note in check_versions(manifests, scenarios[0]))
    design = "; ".join(f"{d} calibrated worlds × {a} draws of the policy strengths × {r} "
                       f"seeds over {h} weeks" for d, a, r, h in sorted(sizes, key=str))
    whose = "in " + describe_population(population)
    head = "".join(f"<th>{html.escape(outcome(name).label)}</th>" for name in HEADLINE)
    rows = []
    for name in scenarios:
        cells = []
        for key in HEADLINE:
            scale = outcome(key).scale
            r = comp[(comp.scenario == name) & (comp.outcome == key)]
            if r.empty:
                cells.append("<td>—</td>")
                continue
            r = r.iloc[0]
            unit = describe(key).unit
            level = number(r["median"], unit, scale)
            if unit.startswith("hours"):
                level += f" ({fte(r['median']):,.1f} FTE)"
            if name == scenarios[0]:
                cells.append(f"<td>{html.escape(level)}</td>")
            else:
                cells.append(f"<td>{html.escape(level)}<br><small>"
                             f"{html.escape(_change(r, key))}</small></td>")
        rows.append(f"<tr><th>{_e(name)}</th>{''.join(cells)}</tr>")
    path = sdir / "comparison_manifest.json"
    against = _survey_records(read_own_json(path, COMPARE_REMAKE).get("surveys")) \
        if path.is_file() else None
    observed = "the 2015 survey" if against is None or _is_2015(against) else \
        _survey_words(against[:1])
    figs = "".join(_img(sdir / f, cap, figures) for f, cap in [
        ("shares.png", "Who coordinates, by scenario (median over runs at the horizon)"),
        ("differences.png", "Differences from the baseline, paired run for run (median and "
                            "90% interval)"),
        ("timeseries.png", "Median paths over the horizon"),
        ("baseline_vs_observed.png", f"Baseline at the 2015 snapshot against {observed}"),
        ("attribution.png", "Where each policy effect's uncertainty comes from"),
    ] if (sdir / f).exists())
    return f"""
<h2>What if? Policies against the baseline</h2>{versions}
<p>Runs: {html.escape(design)}; a scenario's run is compared with the baseline's run of
the same posterior draw, assumption draw and seed (differences use only such pairs).</p>
<table><tr><th>Scenario</th><th>What it stands for and changes in the model</th>
<th>Runs</th></tr>{''.join(desc)}</table>
{_attribution_rows(sdir, scenarios, comp)}
{_question_rows(directory, comp, scenarios)}
{figs}
<h3>Outcomes at the horizon</h3>
<p>Per week, {_e(whose)}: median over runs; below it, the change against
{_e(scenarios[0])} on paired runs with its 90% interval. Shares in percent, their
changes in percentage points; staff time also in full-time equivalents (1,695 hours a
year).</p>
<table><tr><th>Scenario</th>{head}</tr>{''.join(rows)}</table>
{_planner_section(comp, scenarios, population, _attribution(sdir, sdir))}"""


# The planner's rows: what a council asks, over all, where the policy changes, at home.
PLANNER_ROWS = ("per_1000:active_volunteers", "per_1000:activities_per_week",
                "share_together", "nursing_home:share_together", "home_care:share_together",
                "nursing_home:activities_per_unit", "home_care:activities_per_unit",
                "per_1000:staff_hours")
OWN_LIMITS = ("One municipality's outcomes come from a model calibrated to one survey of "
              f"{SURVEY_2015.units_responded} units in {SURVEY_2015.municipalities} "
              "municipalities, which saw none of them one by one: they say what the "
              "mechanisms imply for a municipality of this size, these units and these "
              "flags, amid municipalities like those of 2015, not what will happen in it. "
              "Its intervals are wide because a municipality has few activities in four "
              "weeks; read them, not the median alone.")


def _planner_section(comp: pd.DataFrame, scenarios: list[str], population: str,
                     att: pd.DataFrame | None = None) -> str:
    """Per policy: the change over all, where the policy changes, and in one's own.

    With the attribution, a last row says where the first row's uncertainty comes from.
    """
    _, own = split_population_name(population)
    groups = [("", "all municipalities")]
    if (comp.outcome.str.startswith("adopters:")).any():
        groups.append(("adopters:", "where it changes (adopters)"))
    if own is not None:
        groups.append(("own:", html.escape(own.name)))
    if len(groups) == 1:
        return ""
    tables = []
    for name in scenarios[1:]:
        mine = comp[comp.scenario == name].set_index("outcome")
        rows = []
        for key in PLANNER_ROWS:
            label = describe(key)
            cells = []
            for prefix, _ in groups:
                full = prefix + key if prefix or key in mine.index else key
                if full not in mine.index or not np.isfinite(mine.loc[full, "diff_median"]):
                    cells.append("<td>—</td>")
                    continue
                r = mine.loc[full]
                cells.append(f"<td>{html.escape(number(r['median'], label.unit, label.scale))}"
                             f"<br><small>{html.escape(_change(r, full))}</small></td>")
            rows.append(f"<tr><th>{html.escape(label.label)}</th>{''.join(cells)}</tr>")
        if att is not None:
            cells = []
            for prefix, _ in groups:
                mine_att = att[(att.scenario == name)
                               & (att.outcome == prefix + PLANNER_ROWS[0])]
                text = _uncertainty(mine_att) if (mine_att.kind == "group").any() else ""
                text = text.removeprefix("Of that uncertainty, ")
                cells.append(f"<td>{html.escape(text) or '—'}</td>")
            rows.append("<tr><th>Where the uncertainty of the first row comes from</th>"
                        f"{''.join(cells)}</tr>")
        count = ""
        if "adopters:municipalities" in mine.index:
            switched = mine.loc["adopters:municipalities", "median"]
            count = f" It switched the flag of {switched:.0f} municipalities (median over runs)."
        tables.append(f"<h4>{_e(name)}</h4><p><small>{count}</small></p><table><tr><th>"
                      "Outcome</th>" + "".join(f"<th>{g}</th>" for _, g in groups)
                      + f"</tr>{''.join(rows)}</table>" + _readings_html(comp, name))
    if not tables:
        return ""
    own_text = (f"<p>{html.escape(own.describe())}. {OWN_LIMITS}</p>"
                f"<p>{html.escape(NO_LINK)}</p>" if own else "")
    return f"""
<h3>Where the policy changes, by unit type{', and in ' + html.escape(own.name) if own else ''}</h3>
<p>Median over runs at the horizon; below it the change against {_e(scenarios[0])} on
paired runs (90% interval). "Where it changes": the municipalities whose volunteer centre,
policy or service the scenario switched, against the baseline's run on the same
municipalities; a policy that switches no flag acts everywhere and has no such column.
Shares are of the activities that took place in the last four weeks.</p>
{own_text}{''.join(tables)}"""


# The outcomes whose answer per reading of the local policy the report gives.
READING_OUTCOMES = ("share_municipality", "share_together", "per_1000:active_volunteers")


def _readings_html(comp: pd.DataFrame, name: str) -> str:
    """The local policy's answer under each reading and averaged, one line each."""
    parts = []
    for key in READING_OUTCOMES:
        which = _reading_outcome(comp, key)
        lines = reading_lines(comp, name, which)
        if lines:
            label = describe(which)
            parts.append(f"<p>{html.escape(label.label)} ({html.escape(label.of)}):</p><ul>"
                         + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
                         + "</ul>")
    if not parts:
        return ""
    return ("<p><b>By the policy's reading.</b> The paper leaves open which way a local "
            "policy moves coordination; each line says which reading it assumes, the last "
            "averages over them as the ensemble drew them with the posterior.</p>"
            + "".join(parts))


def _scenario_manifest(sdir: Path, name: str) -> Path:
    """``sdir/name/manifest.json``, for a scenario name read from comparison.csv."""
    from scenarios.spec import NAME_RE

    if not NAME_RE.fullmatch(name):
        raise InputError(f"{sdir / 'comparison.csv'}: column 'scenario'", name, "allowed: "
                         "scenario names (lower-case letters, digits and _); make it again "
                         f"with '{COMPARE_REMAKE}'")
    return sdir / name / "manifest.json"


def command_line(record: dict, folder: Path) -> str:
    """A manifest's command as one valid command line: its seed and folder named.

    Manifests record the command as it was typed (``coprod survey`` when run by the
    demo); the seed and output folder that made the numbers are added when missing.
    """
    import shlex

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
    if "--out" not in words:
        words += ["--out", str(folder)]
    return shlex.join(words)


def _run_command(record: dict) -> dict:
    """A scenario's ``coprod run`` made from its manifest (one run from the library)."""
    import shlex

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


def _reproduce_section(directory: Path, sdir: Path | None = None, waves=None) -> str:
    items = []
    sdir = sdir if sdir is not None else scenarios_dir(directory)
    for sub in ("survey", "fit"):
        path = directory / sub / "manifest.json"
        if path.exists():
            m = read_own_json(path, f"coprod {sub} --out DIR/{sub}")
            line = command_line(m, directory / sub)
            if line:
                items.append(f"<li><code>{_e(line)}</code></li>")
    seen = set()
    for path in sorted(sdir.glob("*/manifest.json")) if sdir is not None else ():
        m = read_own_json(path, RUN_REMAKE)
        line = command_line(m, sdir) or command_line(_run_command(m), sdir)
        if line and line not in seen:
            seen.add(line)
            items.append(f"<li><code>{_e(line)}</code></li>")
    if sdir is not None and (sdir / "comparison.csv").exists():
        path = sdir / "comparison_manifest.json"
        record = read_own_json(path, COMPARE_REMAKE) if path.is_file() else {}
        line = command_line(record, sdir) or command_line({"command": "coprod compare"}, sdir)
        items.append(f"<li><code>{_e(line)}</code></li>")
    report = command_line({"command": "coprod report" + _data_flags(waves)}, directory)
    items.append(f"<li><code>{_e(report)}</code></li>")
    post = load_posterior().manifest
    versions = post.get("versions", {})
    vtext = ", ".join(f"{k} {v}" for k, v in versions.items() if k != "platform")
    own, used = [], used_posteriors(directory, sdir)
    shipped = not used or any(m is not None and m.source.startswith("shipped")
                              for _, m in used)
    for source, mine in used:
        if mine is not None and mine.source.startswith("shipped"):
            continue
        if mine is None:
            own.append(f"<p>Posterior {_e(source)}: not found from here.</p>")
            continue
        line = command_line(mine.manifest, Path(mine.source))
        own.append(f"<p>Posterior {_e(mine.source)}: <code>{_e(line or '?')}</code>, made "
                   f"{_e(mine.manifest.get('date', '?'))}.</p>")
    return f"""
<h2>How to reproduce every number</h2>
<ul>{''.join(items)}</ul>
{f"""<p>Shipped posterior: <code>{_e(post.get('command', ''))}</code>, seed
{_e(post.get('seed'))}, made {_e(post.get('date', '?'))} with {_e(vtext)}.</p>"""
 if shipped else ""}
{''.join(own)}
<p>Every output directory holds a <code>manifest.json</code> with its command, seed,
parameters and package versions.</p>"""


def _limits(records: list[dict] | None) -> str:
    """What the model can and cannot tell, for the survey it was calibrated to."""
    if records is None or _is_2015(records):
        return LIMITS
    first = (f"It is calibrated to {_e(_survey_words(records))}, not to the 2015 survey: "
             f"per wave, the shares and counts of Table 2's six activities. Its mechanisms, "
             "their documented ranges and the 2015 levers are those set for the 2015 survey "
             "(docs/ODD.md). What it cannot identify")
    return LIMITS.replace(LIMITS[LIMITS.index("It is calibrated"):LIMITS.index(
        "What it cannot identify") + len("What it cannot identify")], first, 1).replace(
        "Only employees answered the survey;", "The survey's answers are the units' "
        "view;", 1)


LIMITS = f"""
<h2>What the model can and cannot tell</h2>
<ul>
<li>It is calibrated to one cross-sectional survey of {SURVEY_2015.units_responded} units:
12 independent shares and 6 counts. What it cannot identify (how trust learns, how often
joint work fails, how policies work and how strongly) is an assumption with a documented
range: the scenarios integrate over it and say how much of each result it carries.</li>
<li>Policies act through assumed mechanisms with documented strengths (docs/ODD.md); the
scenarios compare policies under those mechanisms — they are not forecasts for a given
municipality.</li>
<li>Only employees answered the survey; volunteers' view, care recipients' outcomes and the
quality of activities are outside the data and the model.</li>
<li>Some inputs were set from the survey's own activity counts (organisations' domains,
where activities can take place) and others are assumptions (staff hours per activity,
turnover); all are named in docs/ODD.md so they can be challenged and changed.</li>
</ul>"""

STYLE = """
body{font-family:Georgia,serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.45} h1,h2,h3{font-family:Helvetica,Arial,sans-serif;color:#1f3b57}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em} th,td{border:1px solid #ccc;
padding:4px 8px;text-align:left;vertical-align:top} th{background:#f0f3f6}
figure{margin:1.5em 0} img{max-width:100%} figcaption{font-size:0.85em;color:#555}
.findings{background:#f4f8f1;border-left:4px solid #4a9c59;padding:0.5em 1.5em}
.synthetic{background:#fdecea;border:3px solid #b3261e;color:#5f1410;padding:0.6em 1em;
font-size:1.1em;margin:1em 0} .mismatch{color:#8a4b00}
.surveys{background:#f6f6fb;border-left:4px solid #3f51b5;padding:0.3em 1.2em}
small{color:#555} code{background:#f4f4f4;padding:1px 3px}"""


def build_report(directory: Path, waves=None, *, into: Path | None = None,
                 studies_folder: Path | None = None) -> Path:
    """Render ``DIR/report.html`` (and ``DIR/figures/*.png``) from what ``DIR`` holds.

    ``into``: the folder the files are written to (default ``DIR``; the command line
    gives a staging folder, so that the report and its figures replace the earlier ones
    together: :func:`coprod.outputs.replaced_together`).

    Each part is rendered when its files are there — the survey (``survey/``), the fit
    (``fit/``), the scenarios (``scenarios/`` or ``DIR`` itself, as ``coprod run`` and
    ``coprod compare`` wrote them) — and the report names what it left out and how to
    make it. At least one of them must be there.

    The opening names the survey(s) each part records it was made from (SYNTHETIC ones
    marked); ``waves`` (:class:`calibration.waves.Waves`, ``--data``) is the survey the
    report is read against: a part made from another is named. ``studies_folder``: the
    studies of what the survey can tell (default the shipped ones); those made with
    another model version go to an appendix at the end.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("--out", str(directory), "give the folder 'coprod demo' wrote (with "
                         "survey/, fit/ and scenarios/) or one 'coprod run' wrote",
                         problem="no such directory")
    sdir = scenarios_dir(directory)
    have = {"survey": (directory / "survey" / "bootstrap.csv").exists(),
            "fit": (directory / "fit" / "fit.csv").exists(),
            "scenarios": sdir is not None and (sdir / "comparison.csv").exists()}
    if not any(have.values()):
        _need(directory / "survey" / "bootstrap.csv", SURVEY_REMAKE.split("'")[0])
    check_out_dir(directory)  # a read-only folder is refused before anything is read
    into = directory if into is None else Path(into)
    figures = into / "figures"
    body, left = [], []
    flags = _data_flags(waves)
    # coprod survey reads one CSV: the first wave's file
    first = "" if not flags else f" --data {shlex.quote(waves.waves[0].source)}"
    if have["survey"]:
        body.append(_survey_section(directory))
    else:
        left.append(f"the {'2015 ' if not flags else ''}survey with its intervals (make it "
                    f"with <code>coprod survey{_e(first)} --out {_e(directory / 'survey')}"
                    "</code>)")
    if (directory / SECOND_WAVE / "bootstrap.csv").exists() and have["survey"]:
        body.append(_second_wave_section(directory))
    if have["fit"]:
        body.append(_fit_section(directory, figures))
    else:
        posterior = " --posterior DIR" if flags else ""
        left.append(f"the calibrated model against the survey (<code>coprod fit{_e(flags)}"
                    f"{posterior} --out {_e(directory / 'fit')}</code>)")
    # Studies of this model version are evidence; others go to the appendix, at the end.
    studies, appendix = studies_section(studies_folder)
    body.append(studies.replace("<h2>3. ", "<h2>", 1))
    if have["scenarios"]:
        body.append(_scenario_section_at(sdir, directory, figures))
    elif sdir is not None:
        left.append("the scenarios: their runs are there but not compared (<code>coprod "
                    f"compare{_e(flags)} --out {_e(sdir)}</code>)")
    else:
        left.append("policy scenarios (<code>coprod run baseline local_volunteer_policy"
                    f"{_e(flags)} --out {_e(directory / 'scenarios')}</code>, then "
                    f"<code>coprod compare{_e(flags)}</code>)")
    parts = made_from(directory, sdir)
    # The survey the opening speaks of: --data's, else what the fit, the calibration or
    # (failing those) any part records.
    principal = (_survey_records(waves.record()) if waves is not None else
                 next((r for p, r in parts if p.startswith(("the fit", "the calibration"))
                       and r is not None), next((r for _, r in parts if r is not None),
                                                None)))
    calibrated = next((r for p, r in parts if p.startswith("the calibration")
                       and r is not None), None)  # none: the shipped calibration's words
    body += [_reproduce_section(directory, sdir, waves), _limits(calibrated)]
    if appendix:
        body.append(appendix)
    if left:
        body.insert(0, "<p><b>Left out</b> (not found in this folder): "
                    + "; ".join(left) + ".</p>")
    found = "".join(f"<li>{html.escape(f)}</li>" for f in findings(directory))
    # The horizon the runs actually used, from their manifests.
    manifests = sdir.glob("*/manifest.json") if sdir is not None else ()
    horizons = sorted({_whole(read_own_json(p, RUN_REMAKE), "horizon_weeks", p, RUN_REMAKE)
                       for p in manifests} - {None})
    ahead = (" Scenarios run " + " or ".join(f"{h // 52} year{'s' * (h != 52)}"
                                             if h % 52 == 0 else
                                             f"{h} weeks" for h in horizons) + " ahead."
             if horizons else "")
    summary = surveys_summary(directory, parts, waves)
    if principal is None or _is_2015(principal):
        survey = "the 2015 survey (Andfossen 2020)"
    else:
        survey = f"your survey, {_e(_survey_words(principal))},"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>coprod report: co-production in
Norwegian long-term care</title><style>{STYLE}</style></head><body>
<h1>Co-production between long-term care units and voluntary organisations</h1>
<p>Who coordinates volunteer activities in Norwegian municipalities' nursing homes and
home care, what {survey} can and cannot say, and what policies
would change it — from an agent-based model calibrated to that survey.{ahead}</p>
{_surveys_section(summary)}
<div class="findings"><h2>Findings to read first</h2><ol>{found}</ol></div>
{''.join(body)}
</body></html>"""
    atomic_write_text(into / "report.html", page)
    return directory / "report.html"
