"""Posterior predictive check: simulated Table 2 against the observed one.

Draw parameter sets from the posterior, run the model with the virtual survey for each
(seeds spawned from one root), and compare:

* the 18 shares: observed share and its 95% BCa interval against the simulated median and
  90% predictive interval (``fit.csv``); ``inside`` means the simulated median lies in the
  observed interval. Where the bootstrap has no interval (0 of 19 day centres coordinated
  by an organisation: every replicate is 0), the exact 95% Clopper–Pearson interval of the
  count stands in for it;
* the statutory − non-statutory differences, the same way (``fit_differences.csv``);
* each activity's count n against its predictive interval (``fit_n.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration.bootstrap import BootstrapResult, StatisticSpec, survey_bootstrap
from calibration.observed_survey import SurveyTable, dropped_shares, load_table2
from calibration.posterior import Posterior
from runtime.interrupts import interrupts_deferred
from runtime.pool import Task, run_tasks, spawn_seeds
from sim import run
from sim.catalogue import COORDINATORS, TABLE2_IDS, UNIT_TYPES
from sim.published import SURVEY_2015, VOLUNTEER_SHARE_2014
from sim.virtual_survey import SimulatedSurvey

FIT_STEPS = 0  # observe the 2015 snapshot (the end of the spin-up)


def survey_counts_task(task: Task) -> np.ndarray:
    """One run's simulated Table 2 counts, shape (6, 3) (module level: picklable)."""
    return predictive_task(task).survey.counts


@dataclass(frozen=True)
class PredictiveRun:
    """What a posterior predictive run reports: its survey and the volunteers' share."""

    survey: SimulatedSurvey
    volunteer_share: float  # people who volunteered in the past year, per inhabitant
    # Several waves: per wave, its virtual survey and each respondent's municipality's
    # local policy then (the first wave's survey is ``survey``).
    waves: tuple[tuple[SimulatedSurvey, np.ndarray], ...] = ()


class WavesPredictive:
    """A posterior predictive run observing every wave (picklable, for workers and Dask)."""

    def __init__(self, waves):
        self.waves = waves

    def __call__(self, task: Task) -> PredictiveRun:
        """The first wave's survey and volunteers, and every later wave's survey."""
        from sim.runner import run_waves

        with interrupts_deferred() as stop:
            obs = run_waves(task.params, self.waves.weeks, self.waves.levers,
                            population=self.waves.population, rng=task.seed, stop=stop)
        first = obs[0]
        return PredictiveRun(first.survey, first.volunteers_past_year / first.inhabitants,
                             tuple((o.survey, o.respondent_flags["policy"]) for o in obs))


def predictive_task(task: Task) -> PredictiveRun:
    """One posterior predictive run (module level: picklable)."""
    res = run(task.params, steps=task.steps, population=task.population, rng=task.seed)
    # The 4.4% counts those who did voluntary work during 2014, not in one week.
    people = res.series["volunteers_past_year"][-1]
    return PredictiveRun(res.survey, float(people / res.inhabitants))


@dataclass(frozen=True)
class PredictiveCheck:
    """Simulated counts per draw, and the comparison tables."""

    counts: np.ndarray  # (draws, 6, 3)
    shares: pd.DataFrame
    differences: pd.DataFrame
    n: pd.DataFrame

    def targets(self) -> dict[str, object]:
        """How the fit measures up against the calibration targets."""
        diffs = self.differences.set_index("statistic")
        s = self.shares
        return {
            "shares_median_inside_95": int(s.inside.sum()),
            "shares_observed_inside_predictive_90": int(
                ((s.observed >= s.sim_low_90)
                 & (s.observed <= s.sim_high_90)).sum()),
            "pooled_diff_municipality_inside": bool(diffs.loc["pooled_diff:municipality",
                                                              "inside"]),
            "pooled_diff_voluntary_inside": bool(diffs.loc["pooled_diff:voluntary", "inside"]),
            "n_inside_predictive_90": int(self.n.inside.sum()),
            # A predictive interval is only a test if it is not much wider than what the
            # survey itself knows: the mean width of the 90% predictive intervals against
            # the mean width of the observed 95% intervals (target: at most √2 times it,
            # the noise of two independent samples of one world).
            "predictive_width_mean": round(float((s.sim_high_90 - s.sim_low_90).mean()), 4),
            "observed_width_mean": round(float((s.high_95 - s.low_95).mean()), 4),
            "draws": int(self.counts.shape[0]),
        }


def predictive_runs(posterior: Posterior, *, draws: int, rng, workers: int = 1,
                    scheduler: str | None = None, steps: int = FIT_STEPS,
                    progress: bool | None = None, waves=None) -> list[PredictiveRun]:
    """Predictive runs from posterior draws, reproducible for any number of workers.

    ``waves`` (:class:`calibration.waves.Waves`, default the 2015 Table 2): the runs
    observe the first wave's frame, and every wave when there are several.
    """
    gen = np.random.default_rng(rng)
    params = posterior.draws(draws, gen)
    seeds = spawn_seeds(gen.integers(2**63), draws)
    population = "survey2015" if waves is None else waves.population
    tasks = [Task(p, steps, s, population, tag={"draw": i}) for i, (p, s) in
             enumerate(zip(params, seeds, strict=True))]
    several = waves is not None and not waves.single
    return run_tasks(WavesPredictive(waves) if several else predictive_task, tasks,
                     workers=workers, scheduler=scheduler, progress=progress,
                     label="posterior predictive")


def survey_counts(runs: list[PredictiveRun]) -> np.ndarray:
    """The runs' simulated Table 2 counts, shape (runs, 6, 3)."""
    return np.stack([r.survey.counts for r in runs])


def predictive_counts(posterior: Posterior, *, draws: int, rng, **kwargs) -> np.ndarray:
    """Simulated (draws, 6, 3) counts from posterior draws."""
    return survey_counts(predictive_runs(posterior, draws=draws, rng=rng, **kwargs))


# Patterns the calibration did not use, of two kinds. *Validation*: what the model could
# have missed — the paper's 0-35% of answers dropped as "unsure"/"several", spread
# across the six activities (each within the range, and the fewest near 0). *Consistency
# checks*: what follows from what was fitted or set, so that passing them is expected
# and failing them a bug — the most-dropped activity near 35% (`adhoc_per_team` is set
# to it), volunteer activities more prevalent in nursing homes than in home care
# (Skinner 2018; set by the availabilities taken from the counts), and 4.4% of the
# population volunteering in long-term care during 2014 (Folkestad et al. 2015; the
# pool is sized from it). The statutory − non-statutory differences
# (``fit_differences.csv``) are consistency checks too: they are linear in the fitted
# cells.
VOLUNTEER_TOLERANCE = 0.10
# The spread is reproduced when the activity with the fewest dropped answers is near 0
# (at most a third of the printed maximum) and the one with the most near 35% (within
# a third of it), using each activity's median over posterior draws.
SPREAD_TOLERANCE = 1 / 3
VALIDATION, CONSISTENCY = "validation", "consistency"


DROPPED_WHY = ("not fitted: the survey dropped these answers, the model makes them from "
               "ad hoc coordination and 'unsure'")
PAPER = "(paper)"  # how a dropped-share row judged by the paper's printed range ends


def validation_rule(pattern: str, known: str) -> tuple[str, float, float] | None:
    """What makes a row of :func:`validation` consistent: ``(column, low, high)``.

    The row is consistent when its ``column`` lies from ``low`` to ``high``. Written
    rows are judged by it, and read-back rows checked against it
    (:mod:`calibration.fit_check`). None for a row its text alone cannot judge: a
    survey file's own dropped share, which the file's name in ``known`` only rounds.
    """
    low_dropped, high_dropped = SURVEY_2015.dropped_share_range
    spread = SPREAD_TOLERANCE * high_dropped
    rules = {
        "dropped_share_fewest": ("sim_median", -np.inf, low_dropped + spread),
        "dropped_share_most": ("sim_median", high_dropped - spread, high_dropped + spread),
        "activities_nursing_home_over_home_care": ("sim_low_90", np.nextafter(1.0, 2.0),
                                                   np.inf),
        "volunteers_past_year_per_inhabitant": (
            "sim_median", VOLUNTEER_SHARE_2014 * (1 - VOLUNTEER_TOLERANCE),
            VOLUNTEER_SHARE_2014 * (1 + VOLUNTEER_TOLERANCE))}
    if pattern.startswith("dropped_share:") and known.endswith(PAPER):
        return "sim_median", low_dropped, high_dropped
    return rules.get(pattern)


def _judged(row: dict, consistent: bool | None = None) -> dict:
    """``row`` with its ``consistent`` flag: ``consistent``, or :func:`validation_rule`'s."""
    if consistent is None:
        column, low, high = validation_rule(row["pattern"], row["known"])
        consistent = bool(low <= row[column] <= high)
    flag = {"consistent": consistent}
    head = {k: v for k, v in row.items() if k not in ("kind", "why")}
    return {**head, **flag, "kind": row["kind"], "why": row["why"]}  # (the file's order)


def _dropped_rows_paper(dropped: np.ndarray) -> list[dict]:
    """The dropped shares against the paper's printed range (0 to 35%)."""
    low_dropped, high_dropped = SURVEY_2015.dropped_share_range
    rows = _dropped_rows(dropped, f"{low_dropped:g} to {high_dropped:g} {PAPER}", None)
    medians = np.median(dropped, axis=0)
    rows.append(_judged({
        "pattern": "dropped_share_fewest",
        "known": f"about {low_dropped:g} (paper: the lowest activity)",
        "sim_median": medians.min(), "sim_low_90": np.nan, "sim_high_90": np.nan,
        "kind": VALIDATION, "why": "not fitted: the low end of the spread"}))
    rows.append(_judged({
        "pattern": "dropped_share_most",
        "known": f"about {high_dropped:g} (paper: the highest activity; adhoc_per_team is "
                 "set to it, so not a test)",
        "sim_median": medians.max(), "sim_low_90": np.nan, "sim_high_90": np.nan,
        "kind": CONSISTENCY, "why": "adhoc_per_team was set to it"}))
    return rows


def _dropped_rows_observed(dropped: np.ndarray, shares: np.ndarray) -> list[dict]:
    """The dropped shares against the survey file's own, activity by activity.

    Each observed share is one survey's: it is consistent when it lies inside the
    simulated 90% interval of a virtual survey's share (its noise included).
    """
    return _dropped_rows(dropped, lambda j: f"{shares[j]:.3g} (the survey file)",
                         lambda j, lo, med, hi: lo <= shares[j] <= hi)


def _dropped_rows(dropped: np.ndarray, known, consistent) -> list[dict]:
    """Per activity, the simulated dropped share (median, 90%) against what is known.

    ``known``: the text of what is known (or a function of the activity's index);
    ``consistent(j, low, median, high)``: whether the simulation agrees with it (None:
    as :func:`validation_rule` says).
    """
    rows = []
    for j, act in enumerate(TABLE2_IDS):
        lo, med, hi = np.quantile(dropped[:, j], [0.05, 0.5, 0.95])
        row = {"pattern": f"dropped_share:{act}",
               "known": known(j) if callable(known) else known,
               "sim_median": med, "sim_low_90": lo, "sim_high_90": hi,
               "kind": VALIDATION, "why": DROPPED_WHY}
        rows.append(_judged(row) if consistent is None else _judged(
            row, bool(consistent(j, lo, med, hi))))
    return rows


def validation(runs: list[PredictiveRun], observed: SurveyTable | None = None
               ) -> pd.DataFrame:
    """Simulated patterns the model was not calibrated to, against what is known.

    ``observed``: the survey checked against (default the paper's Table 2). Its dropped
    answers ('unsure'/'several') are judged by its own record: the paper's printed 0-35%
    for Table 2, the file's own counts for a unit-level file (each activity's share
    inside the simulated 90% interval); an aggregate file records none, and the rows
    are left out.
    """
    surveys = [r.survey for r in runs]
    shares, where = dropped_shares(observed if observed is not None else load_table2())
    dropped = np.array([s.dropped / np.maximum(s.dropped + s.n, 1) for s in surveys])
    rows = []
    if where == "paper":
        rows += _dropped_rows_paper(dropped)
    elif shares is not None:
        rows += _dropped_rows_observed(dropped, shares)
    nh, hc = UNIT_TYPES.index("nursing_home"), UNIT_TYPES.index("home_care")
    by_type = np.array([s.activities_by_type for s in surveys], dtype=float)
    # A frame without home care (a small survey file) has no ratio: the row is left out.
    if (by_type[:, hc] > 0).all():
        ratio = by_type[:, nh] / by_type[:, hc]
        lo, med, hi = np.quantile(ratio, [0.05, 0.5, 0.95])
        rows.append(_judged({"pattern": "activities_nursing_home_over_home_care",
                             "known": "> 1 (Skinner 2018: more prevalent in nursing homes)",
                             "sim_median": med, "sim_low_90": lo, "sim_high_90": hi,
                             "kind": CONSISTENCY, "why": "set by the availabilities taken "
                             "from the activity counts n"}))
    shares = np.array([r.volunteer_share for r in runs])
    lo, med, hi = np.quantile(shares, [0.05, 0.5, 0.95])
    rows.append(_judged({"pattern": "volunteers_past_year_per_inhabitant",
                         "known": f"{VOLUNTEER_SHARE_2014:g} (Folkestad et al. 2015), within "
                                  f"{VOLUNTEER_TOLERANCE:.0%}",
                         "sim_median": med, "sim_low_90": lo, "sim_high_90": hi,
                         "kind": CONSISTENCY,
                         "why": "bounded by the pool sized from the 4.4%"}))
    return pd.DataFrame(rows)


def predictive_classes(runs: list[PredictiveRun], observed: SurveyTable | None = None, *,
                       reps: int = 10_000, rng=None) -> pd.DataFrame:
    """The research question from the model beside the table's answer.

    Per class: the share of posterior predictive virtual surveys at the 2015 snapshot
    that fall in it (the model's answer, with the noise of one survey of 244 units),
    and the table's bootstrap probability.
    """
    from calibration.classes import observed_classes
    from sim.classify import CLASSES, class_probabilities, classify_table

    table = observed or load_table2()
    counts = survey_counts(runs)
    model = class_probabilities(classify_table(counts, np.asarray(table.statutory, bool)))
    obs = observed_classes(table, reps=reps, rng=rng)
    return pd.DataFrame({"class": list(CLASSES),
                         "model_probability": [model[c] for c in CLASSES],
                         "table_probability": [obs.probabilities[c] for c in CLASSES],
                         "observed": [int(c == obs.observed) for c in CLASSES],
                         "draws": len(runs), "reps": reps})


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for k of n."""
    from scipy.stats import beta

    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def _compare(names, observed: BootstrapResult, sim_values: np.ndarray,
             fallback: dict | None = None) -> pd.DataFrame:
    rows = []
    for j, name in enumerate(names):
        i = observed.names.index(name)
        est, lo, hi = observed.estimate[i], observed.low[0.95][i], observed.high[0.95][i]
        if not np.isfinite(lo) and fallback and name in fallback:
            lo, hi = fallback[name]
        col = sim_values[:, j]
        col = col[np.isfinite(col)]
        med, s_lo, s_hi = (np.quantile(col, [0.5, 0.05, 0.95]) if len(col)
                           else (np.nan,) * 3)
        inside = (lo <= med <= hi) if np.isfinite(lo) else bool(np.isclose(med, est))
        rows.append({"statistic": name, "observed": est, "low_95": lo, "high_95": hi,
                     "sim_median": med, "sim_low_90": s_lo, "sim_high_90": s_hi,
                     "inside": bool(inside)})
    return pd.DataFrame(rows)


def compare(counts: np.ndarray, observed_table: SurveyTable | None = None, *,
            observed: BootstrapResult | None = None, reps: int = 10_000,
            rng=0) -> PredictiveCheck:
    """Build the comparison tables from simulated counts and the observed survey."""
    table = observed_table or load_table2()
    observed = observed or survey_bootstrap(table, reps=reps, rng=rng)
    order = table.rows(TABLE2_IDS)
    spec = StatisticSpec.for_activities(TABLE2_IDS, table.statutory[order])
    sim_stats = spec.compute(counts)
    share_names = [n for n in spec.names if n.startswith("share:")]
    diff_names = [n for n in spec.names if not n.startswith("share:")]
    counts_obs = table.counts[order]
    exact = {f"share:{a}:{c}": clopper_pearson(int(counts_obs[i, j]), int(counts_obs[i].sum()))
             for i, a in enumerate(TABLE2_IDS) for j, c in enumerate(COORDINATORS)}
    shares = _compare(share_names, observed, sim_stats[:, :len(share_names)], exact)
    parts = shares.statistic.str.split(":", expand=True)
    shares.insert(0, "activity", parts[1])
    shares.insert(1, "coordinator", parts[2])
    shares = shares.drop(columns="statistic")
    differences = _compare(diff_names, observed, sim_stats[:, len(share_names):])
    n_sim = counts.sum(axis=2)
    obs_n = table.n[order]
    lo, med, hi = np.quantile(n_sim, [0.05, 0.5, 0.95], axis=0)
    n_frame = pd.DataFrame({"activity": TABLE2_IDS, "observed": obs_n, "sim_median": med,
                            "sim_low_90": lo, "sim_high_90": hi,
                            "inside": (obs_n >= lo) & (obs_n <= hi)})
    return PredictiveCheck(counts, shares, differences, n_frame)


SHARE_COLUMNS = ["activity", "coordinator", "observed", "low_95", "high_95", "sim_median",
                 "sim_low_90", "sim_high_90", "inside"]


def policy_fit(observed: np.ndarray, simulated) -> pd.DataFrame:
    """A wave's answers pooled by local policy: observed shares against the predictive.

    ``observed``: counts (with, without) × coordinators; ``simulated``: per run, its
    virtual survey and each respondent's municipality's policy then.
    """
    from calibration.waves import GROUPS, simulated_policy_counts

    sims = np.array([simulated_policy_counts(s, held) for s, held in simulated], float)
    shares = sims / np.maximum(sims.sum(axis=2, keepdims=True), 1)
    obs = observed / np.maximum(observed.sum(axis=1, keepdims=True), 1)
    rows = []
    for g, group in enumerate(GROUPS):
        for j, coordinator in enumerate(COORDINATORS):
            lo, med, hi = np.quantile(shares[:, g, j], [0.05, 0.5, 0.95])
            rows.append({"policy": group, "coordinator": coordinator,
                         "observed": obs[g, j], "answers": int(observed[g].sum()),
                         "sim_median": med, "sim_low_90": lo, "sim_high_90": hi,
                         "inside": bool(lo <= obs[g, j] <= hi)})
    return pd.DataFrame(rows)
