"""What the next survey would tell: expected posterior widths under candidate designs.

One cross-section cannot say how strong a local volunteer policy is; a second wave, taken
after more municipalities adopted one, might. Before the money is spent, this module
estimates from synthetic truths how much each candidate survey design would narrow each
calibrated input's posterior and each policy effect's 90% interval.

Method (a simulation study of ABC posteriors, as in the recovery study, but cheap enough
for thousands of truths):

1. A reference table of worlds drawn from what the 2015 survey already says: each world
   a draw of the shipped posterior (every calibrated input, the local policy's reading
   among them) with the policy strengths the survey cannot speak to drawn over their
   documented ranges (:mod:`sim.parameters`). The question is what a next survey adds to
   2015, not to the prior.
2. Each world, with one seed, is observed as every later design would observe it — a
   second wave of the same units in 2025 at today's local-policy share; the same wave
   with each unit's municipality's policy recorded (answers pooled by policy); a 2025
   wave of twice as many units (a later wave summarised as a calibration does: answers
   pooled over statutory and other activities) — and its policy effects are computed:
   each shipped scenario's levers against the baseline's over ten years, paired by
   branching one world at the 2015 snapshot (:func:`sim.runner.run_branches`), on
   municipal and shared coordination (points) and active volunteers per 1,000
   inhabitants, each at the horizon as every effect of the project is taken
   (:func:`sim.outcomes.paired_effect`: the last four weeks), and averaged over
   :data:`EFFECT_SEEDS` seeds, so that a width is not mostly chance no survey can
   remove. The 2015 survey is not simulated again: the posterior holds it, and
   conditioning on a simulated copy would count it twice.
3. For each design and each target (an input, or an effect), semi-automatic ABC
   (Fearnhead & Prangle 2012): the target's linear prediction from the design's
   summaries is its summary statistic; for each truth (a world of the table, left out),
   the nearest worlds by that statistic are accepted (Epanechnikov weights) and
   regression-adjusted (Beaumont, Zhang & Balding 2002); the posterior's 90% width for
   that truth is read from the adjusted sample's weighted interquartile range as a
   normal interval's (steadier than its 5% and 95% quantiles on a few hundred worlds).
4. ``design.csv``: per design and target, the width now (the 2015 survey alone: the
   table's own spread), the expected width (median over truths), their ratio and its
   spread over truths (10th and 90th percentiles), and a note where an expected width
   comes out wider than the prior's (regression ABC's estimate on a finite table is
   noisy: read it as no narrowing).

Every width is a normal-equivalent 90% width (2 × 1.645 × IQR / 1.349), the prior's
too (a uniform prior's is 1.22 of its range): an input's is given as a share of its prior
range, an effect's in its own unit. A discrete input (the local policy's reading) has no
width: its row gives the posterior's probability on the levels that are not the truth's
(:func:`wrong_level_mass`; the uniform prior's is 2/3 for three readings), lower the
surer, so that its ratios read as the widths' do.
The widths are those of regression ABC, not of the shipped ABC-SMC: the *ratios* between
designs are the study's answer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.inputs import policy_strengths
from calibration.regression_adjust import cross_fitted, weighted_quantiles
from calibration.summary import summarise_counts
from calibration.waves import GROUPS, POOLED, pooled_counts, simulated_policy_counts
from runtime.interrupts import interrupts_deferred
from runtime.pool import Task, run_tasks, spawn_seeds
from sim.catalogue import COORDINATORS
from sim.outcomes import paired_effect
from sim.parameters import PARAMETERS, from_unit
from sim.population_spec import PopulationSpec
from sim.sample_frame import SampleFrame

SECOND_YEAR = 2025
POLICY_SHARE_NOW = 0.30  # about 30% of municipalities by 2024 (Frivillighet Norge)
HORIZON_WEEKS = 520  # the effects: ten years, as the shipped scenarios
LARGER = 2.0  # the larger sample: the 2015 frame doubled (488 respondents)
DESIGNS = {
    "2015": "the 2015 survey alone (244 units)",
    "2015+2025": "a second wave of the same 244 units in 2025 at today's policy share",
    "2015+2025_policy": "the same second wave with each unit's municipality's local "
                        "policy recorded",
    "2015+2025_larger": f"a second wave in 2025 of {int(LARGER * 244)} units (the 2015 "
                        "frame doubled)",
}
EFFECT_OUTCOMES = {"share_municipality": ("coordination by the municipality alone",
                                          "points", 100.0),
                   "share_together": ("shared coordination", "points", 100.0),
                   "volunteers_per_1000": ("active volunteers per 1,000 inhabitants",
                                           "per 1,000", 1.0)}
# The effects the sentences lead with: the local policy's on who coordinates.
LEAD_OUTCOMES = ("share_municipality", "share_together")
# Seeds per world for its effects (each a paired branch at 2015): an effect is their mean.
EFFECT_SEEDS = 3
QUICK_POLICIES = ("local_volunteer_policy",)
COLUMNS = ("design", "kind", "target", "label", "unit", "width_prior", "width_now",
           "expected_width", "ratio", "ratio_low", "ratio_high", "width_low", "width_high",
           "truths", "worlds")
# design.csv's columns: COLUMNS (what every reader needs; a study made before notes has
# only these) and a note per row.
WRITTEN_COLUMNS = (*COLUMNS, "note")


@dataclass(frozen=True)
class Study:
    """How large a design study is."""

    worlds: int
    truths: int
    neighbours: float  # share of the table accepted for each truth


QUICK = Study(worlds=600, truths=200, neighbours=0.25)
FULL = Study(worlds=4_000, truths=400, neighbours=0.1)


class DesignWorld:
    """One world of the reference table: its summaries under every design, its effects.

    Picklable: a task for local workers or a Dask cluster.
    """

    def __init__(self, policies: Mapping[str, Mapping[str, float]]):
        self.policies = {k: dict(v) for k, v in policies.items()}

    def __call__(self, task: Task) -> dict[str, float]:
        """Summaries (``<design part>:<key>``) and effects (``effect:<policy>:<outcome>``)."""
        from sim.runner import run_branches, run_waves

        weeks = [0, (SECOND_YEAR - 2015) * 52]
        levers = [{}, {"policy_share": POLICY_SHARE_NOW}]
        out = {}
        with interrupts_deferred() as stop:
            same = run_waves(task.params, weeks, levers, rng=task.seed, stop=stop)
        out.update(_pooled_summary("w1", same[1].survey))
        held = same[1].respondent_flags["policy"]
        out.update(_groups_summary("w1p", GROUPS,
                                   simulated_policy_counts(same[1].survey, held)))
        larger = SampleFrame(source="the 2015 frame doubled", scale=LARGER)
        with interrupts_deferred() as stop:
            big = run_waves(task.params, weeks, levers,
                            population=PopulationSpec(frame=larger), rng=task.seed, stop=stop)
        out.update(_pooled_summary("w1x", big[1].survey))
        # Effects: the baseline and every policy branched from one world at 2015, for
        # each of EFFECT_SEEDS seeds drawn from this world's seed; their mean difference.
        branches = [({**task.params}, HORIZON_WEEKS),
                    *(({**task.params, **overrides}, HORIZON_WEEKS)
                      for overrides in self.policies.values())]
        sums: dict[str, float] = {}
        for seed in np.random.SeedSequence(task.seed).spawn(EFFECT_SEEDS):
            with interrupts_deferred() as stop:
                base, *policies = run_branches(branches, rng=seed, stop=stop)
            for name, mine in zip(self.policies, policies, strict=True):
                for outcome, effect in _effects(mine, base).items():
                    key = f"effect:{name}:{outcome}"
                    sums[key] = sums.get(key, 0.0) + effect
        out.update({k: v / EFFECT_SEEDS for k, v in sums.items()})
        return out


def _wave_summary(prefix: str, survey) -> dict[str, float]:
    """A wave's free shares and its total answers (what a design adds to the table)."""
    summary = summarise_counts(survey.counts)
    out = {f"{prefix}:{k}": v for k, v in summary.items()
           if k.startswith("share:") and not k.endswith(":together")}
    out[f"{prefix}:answers"] = float(survey.counts.sum())
    return out


def _pooled_summary(prefix: str, survey) -> dict[str, float]:
    """A later wave as a calibration summarises it: answers pooled by statutory status.

    Two free shares and a count per group (:func:`calibration.waves.pooled_counts`).
    """
    return _groups_summary(prefix, POOLED, pooled_counts(survey.counts))


def _groups_summary(prefix: str, groups, counts: np.ndarray) -> dict[str, float]:
    """Per group of pooled answers (rows of ``counts``): two free shares and a count."""
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    out = {f"{prefix}:{g}:{c}": float(shares[i, j]) for i, g in enumerate(groups)
           for j, c in enumerate(COORDINATORS[:2])}
    out.update({f"{prefix}:{g}:n": float(counts[i].sum()) for i, g in enumerate(groups)})
    return out


def _effects(mine, base) -> dict[str, float]:
    """:data:`EFFECT_OUTCOMES`' effects in one world (:func:`sim.outcomes.paired_effect`)."""
    per_1000 = 1000 / base.inhabitants  # the branches share the world's inhabitants
    return {"share_municipality": paired_effect(mine.series, base.series,
                                                "share_municipality"),
            "share_together": paired_effect(mine.series, base.series, "share_together"),
            "volunteers_per_1000": paired_effect(mine.series, base.series,
                                                 "active_volunteers") * per_1000}


def design_columns(table: pd.DataFrame, design: str) -> list[str]:
    """The reference table's summary columns a design observes."""
    # The 2015 survey is in the posterior the worlds are drawn from: none of its summaries.
    parts = {"2015": (), "2015+2025": ("w1",), "2015+2025_policy": ("w1", "w1p"),
             "2015+2025_larger": ("w1x",)}
    return [c for c in table.columns if c.split(":")[0] in parts[design]]


WORLDS_STORE = "worlds.sqlite"  # the finished worlds of a design study, in its --out


class WorldStore:
    """Finished worlds of one design study, committed one by one (``--resume`` reuses them).

    Each world's summaries are stored as JSON text (never a pickle), keyed by its index,
    with the study's identity (seed, sizes, policies, code version): a store of another
    study is refused on resume in one line naming what differs. Starting afresh, the old
    worlds go only when the first new one is stored.
    """

    def __init__(self, path: Path, ident: dict, *, resume: bool, inside=None):
        import json
        import sqlite3

        from runtime.interrupts import interrupts_deferred
        from runtime.paths import checked_database
        from sim.errors import InputError

        self.path = Path(path)
        checked_database(self.path, inside)  # a link elsewhere (or its journal) is refused
        if resume and not self.path.is_file():
            raise InputError("resume", str(self.path), "nothing to resume there: run "
                             "without --resume first", problem="missing design study")
        self.ident = json.dumps(ident, sort_keys=True)
        try:
            with interrupts_deferred():
                self.db = sqlite3.connect(self.path)
                self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                                "value TEXT)")
                self.db.execute("CREATE TABLE IF NOT EXISTS worlds (world INTEGER PRIMARY "
                                "KEY, summary TEXT)")
                self.db.commit()
                row = self.db.execute("SELECT value FROM meta WHERE key = 'identity'"
                                      ).fetchone()
        except sqlite3.DatabaseError as err:
            raise InputError(str(self.path), str(err), "run without --resume to start the "
                             "study again", problem="unreadable design store:") from None
        stored = json.loads(row[0]) if row and _json_dict(row[0]) else None
        if resume and stored != ident:
            self.db.close()
            differ = [k for k in ident if (stored or {}).get(k) != ident[k]] or ["identity"]
            raise InputError("resume", str(self.path), "the same --seed, --quick and coprod "
                             "as the study being resumed (it differs in "
                             + ", ".join(differ) + "); run without --resume to start again",
                             problem="another design study in")
        self.fresh = not resume
        if resume:
            self._claim()

    def _claim(self) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (self.ident,))
        self.db.commit()

    def finished(self) -> dict[int, dict]:
        """``{world: summaries}`` of every stored world (none when starting afresh)."""
        import json

        from sim.errors import InputError

        if self.fresh:
            return {}
        out = {}
        for world, text in self.db.execute("SELECT world, summary FROM worlds"):
            try:
                record = json.loads(text)
            except (TypeError, ValueError):
                record = None
            if type(world) is not int or not isinstance(record, dict) or not all(
                    isinstance(v, int | float) for v in record.values()):
                raise InputError(f"{self.path}: world {world!r}", str(text)[:80], "a stored "
                                 "world is a JSON record of numbers; run without --resume "
                                 "to start again", problem="malformed stored world:")
            out[world] = record
        return out

    def add(self, world: int, summary: dict) -> None:
        """Store one finished world at once (the old worlds go with the first new one)."""
        import json

        from runtime.interrupts import interrupts_deferred

        with interrupts_deferred():
            if self.fresh:
                self.db.execute("DELETE FROM worlds")
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)",
                                (self.ident,))
                self.fresh = False
            self.db.execute("INSERT OR REPLACE INTO worlds VALUES (?, ?)",
                            (int(world), json.dumps(summary)))
            self.db.commit()

    def count(self) -> int:
        """Worlds stored for this study."""
        if self.fresh:
            return 0
        return int(self.db.execute("SELECT COUNT(*) FROM worlds").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def _json_dict(text) -> bool:
    import json

    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def study_identity(study: Study, policies: Mapping[str, Mapping[str, float]], seed: int,
                   posterior=None) -> dict:
    """What must match for a design study's stored worlds to be reused."""
    from calibration.posterior import load_posterior
    from runtime.manifests import code_version
    from scenarios.ensemble import posterior_hash

    return {"seed": int(seed), "worlds": study.worlds, "truths": study.truths,
            "posterior": posterior_hash(posterior or load_posterior()),
            "neighbours": study.neighbours,
            "policies": {k: dict(v) for k, v in sorted(policies.items())},
            "code_version": code_version()}


def reference_table(study: Study, policies: Mapping[str, Mapping[str, float]], *, rng,
                    workers: int = 1, scheduler: str | None = None,
                    progress: bool | None = None, store: WorldStore | None = None,
                    posterior=None) -> pd.DataFrame:
    """Worlds from the shipped posterior with their summaries and effects, one row each.

    Each world is a posterior draw (``posterior``, default the shipped one) with the
    policy strengths drawn over their ranges. ``store``: worlds stored there are reused,
    and each new one is stored as it finishes (a study stopped by Ctrl-C loses none).
    """
    from calibration.posterior import load_posterior

    posterior = posterior or load_posterior()
    gen = np.random.default_rng(rng)
    worlds = posterior.draws(study.worlds, gen)
    strengths = [n for n in policy_strengths(tuple(posterior.particles.columns))]
    unit = gen.random((study.worlds, len(strengths)))
    for k, world in enumerate(worlds):
        world.update({n: from_unit(n, unit[k, j]) for j, n in enumerate(strengths)})
    names = [*posterior.particles.columns, *(n for n in strengths
                                              if n not in posterior.particles.columns)]
    seeds = spawn_seeds(gen.integers(2**63), study.worlds)
    tasks = [Task(dict(world), HORIZON_WEEKS, s, tag={"world": i})
             for i, (world, s) in enumerate(zip(worlds, seeds, strict=True))]
    done = store.finished() if store is not None else {}
    todo = [t for t in tasks if t.tag["world"] not in done]

    def keep(i: int, result) -> None:
        if store is not None:
            store.add(todo[i].tag["world"], result)

    new = run_tasks(DesignWorld(policies), todo, workers=workers, scheduler=scheduler,
                    progress=progress, label="design worlds", on_result=keep)
    rows = {**done, **{t.tag["world"]: r for t, r in zip(todo, new, strict=True)}}
    table = pd.DataFrame([rows[i] for i in range(study.worlds)])
    inputs = pd.DataFrame([[w[n] for n in names] for w in worlds],
                          columns=[f"input:{n}" for n in names])
    return pd.concat([inputs, table], axis=1)


Z90 = 1.6448536269514722  # a 90% interval is ± this many standard deviations
IQR_PER_SD = 1.3489795003921634  # a normal distribution's interquartile range
PRIOR_RANGE = "share of its prior range"  # an input's width: a share of its range
# A discrete input's "width": the posterior's probability on the levels that are not the
# truth's (:func:`wrong_level_mass`), lower the surer, as a width is.
WRONG_LEVELS = "probability on the wrong levels"


def _nearest_weighted(stat: np.ndarray, t: int, accept: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``accept`` worlds nearest world ``t`` by ``stat``, and their Epanechnikov weights.

    World ``t`` itself is left out. ``stat``: one statistic per world (distance ``|·|``)
    or several (rows; Euclidean distance). The bandwidth sits just beyond the farthest
    accepted world, so that each keeps a positive weight; ties keep the table's order (a
    stable sort), so the same table gives the same worlds on every machine.
    """
    others = np.flatnonzero(np.arange(len(stat)) != t)
    gap = stat[others] - stat[t]
    d = np.abs(gap) if stat.ndim == 1 else np.sqrt((gap ** 2).sum(axis=1))
    order = np.argsort(d, kind="stable")[:accept]
    dn = d[order]
    h = dn.max() * 1.0001 if dn.max() > 0 else 1.0
    return others[order], 1 - (dn / h) ** 2


def posterior_widths(y: np.ndarray, x: np.ndarray, truths: np.ndarray,
                     accept: int) -> np.ndarray:
    """Per truth, the 90% width of the regression-adjusted ABC posterior of ``y``.

    ``x``: the design's summaries (worlds × summaries). The summary statistic is ``y``'s
    linear prediction from ``x``, cross-fitted: each world's prediction comes from a fit
    on the other folds (:func:`calibration.regression_adjust.cross_fitted`), so that a
    design with more summaries gains nothing from overfitting. For each truth the
    ``accept`` nearest other worlds by it are kept with Epanechnikov weights and
    adjusted by a weighted local-linear regression on it.
    """
    if x.shape[1] == 0:  # no new summaries: the table's own spread, for every truth
        q25, q75 = np.quantile(y, [0.25, 0.75])
        return np.full(len(truths), 2 * Z90 * (q75 - q25) / IQR_PER_SD)
    stat, _ = cross_fitted(y, x)
    widths = np.empty(len(truths))
    for k, t in enumerate(truths):
        near, w = _nearest_weighted(stat, t, accept)
        z = stat[near] - stat[t]
        zw = np.average(z, weights=w)
        slope = (np.sum(w * (z - zw) * (y[near] - np.average(y[near], weights=w)))
                 / max(np.sum(w * (z - zw) ** 2), 1e-12))
        adjusted = y[near] - slope * z
        # The adjusted sample's weighted interquartile range, as a normal 90% interval:
        # far steadier than its 5% and 95% quantiles on a few hundred accepted worlds,
        # and than its standard deviation when a few worlds have extreme effects.
        q25, q75 = weighted_quantiles(adjusted, w, [0.25, 0.75])
        widths[k] = 2 * Z90 * (q75 - q25) / IQR_PER_SD
    return widths


def wrong_level_mass(y: np.ndarray, x: np.ndarray, truths: np.ndarray,
                     accept: int) -> np.ndarray:
    """Per truth, the ABC posterior's probability on the levels ``y`` does not have there.

    For a discrete input (the local policy's reading) a 90% width means nothing; what a
    design gives is how surely it names the truth's level. Semi-automatic ABC as for the
    widths (:func:`posterior_widths`), with one cross-fitted linear prediction per level
    (of the level's indicator) as the summary statistics: for each truth the ``accept``
    nearest other worlds by them, with Epanechnikov weights, give the posterior's level
    probabilities; returned is 1 − P(truth's level) (0 names it surely; the uniform
    prior's is 1 − 1/levels). With no new summaries it is the table's own share of
    other levels: what the 2015 posterior says.
    """
    levels = np.unique(y)
    if x.shape[1] == 0:
        return np.array([np.mean(y != y[t]) for t in truths])
    stat = np.column_stack([cross_fitted((y == level).astype(float), x)[0]
                            for level in levels])
    mass = np.empty(len(truths))
    for k, t in enumerate(truths):
        near, w = _nearest_weighted(stat, t, accept)
        mass[k] = 1.0 - np.sum(w * (y[near] == y[t])) / np.sum(w)
    return mass


def analyse(table: pd.DataFrame, study: Study, *, rng) -> pd.DataFrame:
    """``design.csv``'s rows from a reference table (see the module's docstring)."""
    gen = np.random.default_rng(rng)
    truths = np.sort(gen.choice(len(table), size=min(study.truths, len(table)),
                                replace=False))
    accept = max(20, int(study.neighbours * (len(table) - 1)))
    targets = []
    for column in table.columns:
        if column.startswith("input:"):
            name = column.removeprefix("input:")
            p = PARAMETERS[name]
            y = (table[column].to_numpy(float) - p.low) / (p.high - p.low)
            if np.ptp(y) == 0:  # held fixed in the posterior: nothing to narrow
                continue
            kind = "policy strength" if name in policy_strengths() else "input"
            unit = WRONG_LEVELS if p.levels else PRIOR_RANGE
            targets.append((kind, name, name, unit, y))
        elif column.startswith("effect:"):
            _, policy, outcome = column.split(":")
            label, unit, scale = EFFECT_OUTCOMES[outcome]
            y = table[column].to_numpy(float) * scale
            targets.append(("effect", f"{policy}:{outcome}", f"{policy} on {label}", unit, y))
    widths = {}
    for design in DESIGNS:
        x = table[design_columns(table, design)].to_numpy(float)
        for _kind, target, _label, unit, y in targets:
            keep = np.isfinite(y)
            ok = np.flatnonzero(keep)
            mine = np.searchsorted(ok, truths[keep[truths]])
            measure = wrong_level_mass if unit == WRONG_LEVELS else posterior_widths
            widths[design, target] = measure(y[keep], x[keep], mine, accept)
    rows = []
    for design in DESIGNS:
        for kind, target, label, unit, y in targets:
            now, mine = widths["2015", target], widths[design, target]
            y = y[np.isfinite(y)]
            if kind == "effect":
                q25, q75 = np.quantile(y, [0.25, 0.75])
                prior = float(2 * Z90 * (q75 - q25) / IQR_PER_SD)  # read as widths are
            elif unit == WRONG_LEVELS:  # the uniform prior over the levels
                prior = 1.0 - 1.0 / len(PARAMETERS[target].levels)
            else:  # a uniform prior over the range, read as the widths are
                prior = float(2 * Z90 * 0.5 / IQR_PER_SD)
            ratio = mine / np.where(now > 0, now, np.nan)
            expected = float(np.median(mine))
            what = ("expected probability on the wrong levels above the prior's"
                    if unit == WRONG_LEVELS else "expected width wider than the prior's")
            # The 2015 row of a discrete input is the posterior's own shares, no estimate.
            own_shares = unit == WRONG_LEVELS and design == "2015"
            note = ("" if expected <= prior * 1.0001 or own_shares else
                    f"{what}: regression ABC's estimate on "
                    f"{len(table)} worlds is noisy here; read it as no narrowing")
            rows.append({"design": design, "kind": kind, "target": target, "label": label,
                         "unit": unit, "width_prior": prior,
                         "width_now": float(np.median(now)),
                         "expected_width": expected,
                         "ratio": float(np.nanmedian(ratio)),
                         "ratio_low": float(np.nanquantile(ratio, 0.1)),
                         "ratio_high": float(np.nanquantile(ratio, 0.9)),
                         "width_low": float(np.quantile(mine, 0.1)),
                         "width_high": float(np.quantile(mine, 0.9)),
                         "truths": len(mine), "worlds": len(table), "note": note})
    return pd.DataFrame(rows, columns=list(WRITTEN_COLUMNS))


def run_design(study: Study, policies: Mapping[str, Mapping[str, float]], *, rng,
               workers: int = 1, scheduler: str | None = None,
               progress: bool | None = None, store: WorldStore | None = None,
               posterior=None) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The reference table, ``design.csv``'s frame and the seconds it took.

    ``store`` (:class:`WorldStore`): finished worlds kept and reused there.
    """
    t0 = time.perf_counter()
    seeds = np.random.SeedSequence(rng).spawn(2)
    table = reference_table(study, policies, rng=seeds[0], workers=workers,
                            scheduler=scheduler, progress=progress, store=store,
                            posterior=posterior)
    frame = analyse(table, study, rng=seeds[1])
    return table, frame, time.perf_counter() - t0


def reading_sentence(frame: pd.DataFrame) -> str | None:
    """What the designs say of the local policy's reading, from ``design.csv``'s rows.

    The 2015 survey's probability on the wrong readings (median over truths, against
    the uniform prior's), then the design that lowers it most, when one lowers it by a
    tenth. None when the study has no discrete input.
    """
    rows = frame[(frame.unit == WRONG_LEVELS) & (frame.design != "2015")]
    if rows.empty:
        return None
    best = rows.sort_values("ratio").iloc[0]
    said = (f"The local policy's reading (division, sharing or control of tasks) has no "
            f"width: the 2015 survey leaves {best.width_now:.0%} of the posterior on the "
            f"readings that are not the truth's (median over {int(best.truths)} synthetic "
            f"truths; the uniform prior's {best.width_prior:.0%}). ")
    if not best.ratio < 0.9:
        return said + "No candidate design lowers it by a tenth."
    what = DESIGNS.get(best.design, best.design)
    return (said + f"{what[0].upper()}{what[1:]} would leave {best.expected_width:.0%} "
            f"(truth by truth {best.ratio:.0%} of today's, {best.ratio_low:.0%} to "
            f"{best.ratio_high:.0%}).")


def sentences(frame: pd.DataFrame, outcomes: tuple[str, ...] = LEAD_OUTCOMES) -> list[str]:
    """One sentence per policy: what the most narrowing second wave would do to its effect.

    Computed from ``design.csv``'s rows. The designs are compared truth by truth (the
    same synthetic world under each design): the design with the smallest median ratio
    of its width to the 2015 survey's is named, with that ratio and its 10th-90th
    percentiles over truths, and the median widths (over truths) beside it. An effect
    no design narrows by at least a tenth is said to stay about as wide. Then the
    local policy's reading (:func:`reading_sentence`).
    """
    out = []
    effects = frame[(frame.kind == "effect")
                    & frame.target.str.split(":").str[-1].isin(list(outcomes))]
    for target, rows in effects.groupby("target", sort=False):
        outcome = target.split(":")[-1]
        policy = target.split(":")[0].replace("_", " ")
        later = rows[rows.design != "2015"].sort_values("ratio")
        if later.empty:
            continue
        best = later.iloc[0]
        unit = best.unit
        what = DESIGNS.get(best.design, best.design)
        spread = (f"{best.ratio_low:.0%} to {best.ratio_high:.0%} over "
                  f"{int(best.truths)} synthetic truths")
        widths = (f"median width {best.width_now:.1f} {unit} now, "
                  f"{best.expected_width:.1f} {unit} with it")
        label = EFFECT_OUTCOMES[outcome][0]
        if not best.ratio < 0.9:
            out.append(f"No candidate design narrows the {policy}'s effect on {label} by a "
                       f"tenth: with the best, {what}, its 90% interval would be "
                       f"{best.ratio:.0%} as wide as with the 2015 survey alone, truth by "
                       f"truth ({spread}; {widths}).")
            continue
        out.append(f"{what[0].upper()}{what[1:]} would narrow the {policy}'s effect on "
                   f"{label}: truth by truth its 90% interval would be {best.ratio:.0%} as "
                   f"wide as with the 2015 survey alone ({spread}; {widths}).")
    reading = reading_sentence(frame)
    return [*out, reading] if reading else out


def plot_design(frame: pd.DataFrame, path) -> None:
    """Per target, each later design's width as a share of today's, with its spread.

    The policy effects and the local policy's three routes; 1 = no narrowing.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.regime import POLICY_INPUTS

    shown = frame[(frame.kind == "effect") | frame.target.isin(list(POLICY_INPUTS))]
    later = [d for d in DESIGNS if d != "2015"]
    targets = list(dict.fromkeys(shown.target))
    fig, ax = plt.subplots(figsize=(10, 0.5 + 0.55 * len(targets) * len(later) / 2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    height = 0.8 / len(later)
    for k, design in enumerate(later):
        rows = shown[shown.design == design].set_index("target").reindex(targets)
        y = np.arange(len(targets)) + (k - (len(later) - 1) / 2) * height
        ax.barh(y, rows.ratio, height=height, color=colours[k % len(colours)],
                label=DESIGNS[design], alpha=0.8)
        ax.errorbar(rows.ratio, y, xerr=[rows.ratio - rows.ratio_low,
                                         rows.ratio_high - rows.ratio],
                    fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    labels = shown.drop_duplicates("target").set_index("target").label.reindex(targets)
    ax.set_yticks(np.arange(len(targets)), [str(lbl) for lbl in labels], fontsize=8)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("90% width ÷ the 2015 survey's alone, truth by truth\n(median over "
                  "synthetic truths; bars: 10th-90th percentile)", fontsize=9)
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
