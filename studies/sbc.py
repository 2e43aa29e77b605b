"""Simulation-based calibration of the regression-adjusted ABC, around the shipped posterior.

The 20-truth recovery study calibrates each synthetic survey with the real ABC-SMC and
is too dear to remake at every change of the model. This check is cheap enough to run
every time: does the calibration's own distance, with the regression adjustment
(:mod:`calibration.regression_adjust`), give posteriors whose intervals mean what they
say, for worlds like the ones the shipped posterior holds? It is simulation-based
calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018) with rejection ABC on a
reference table (as :mod:`studies.design` does, with the calibration's distance):

1. The "prior" of the check is the shipped posterior itself (its particles resampled by
   weight, :meth:`calibration.posterior.Posterior.draws`): ``reference`` worlds and
   ``truths`` truths are drawn from it, each with its own seed. Each world is run once to
   2015 and branched there (:func:`sim.runner.run_branches`): its 2015 virtual survey
   gives the summaries a calibration compares (:meth:`calibration.waves.Waves.simulate`),
   and ten years on, the local volunteer policy (``policy_share = 1``) against the
   baseline gives its paired effect on municipal coordination (``share_municipality`` at
   the horizon, :func:`sim.outcomes.at_horizon`, policy minus baseline).
2. For each truth, its simulated survey plays the data: the ``draws`` reference worlds
   nearest to it by the calibration's distance (the root mean square of the standard
   scores, scaled by the truth's own sampling noise) are accepted, and every quantity —
   each calibrated input that varies in the posterior, and the policy's effect — is
   regression-adjusted on the accepted worlds' standard scores (ridge, cross-fitted;
   inputs clipped to their ranges), as ``coprod calibrate`` adjusts its particles.
3. The truth's rank among its adjusted draws (ties broken at random; a model choice, the
   local policy's reading, among the accepted draws unadjusted) is uniform on
   ``0..draws`` when the estimator is calibrated. Per quantity: a chi-square test of the
   ranks over equal bins (at least :data:`PER_BIN` truths expected per bin), Holm's
   adjustment over the quantities, and the coverage of the central 50% and 90% intervals
   (the truth's rank inside the central ranks) with a Clopper-Pearson 95% interval.

A quantity fails when its Holm-adjusted p-value is below :data:`ALPHA`. This checks the
regression-adjusted estimator on worlds near the shipped posterior, not the ABC-SMC that
made it (the recovery study does that, on 20 truths), and it is conditional on the
posterior it draws from: remake it whenever the posterior is remade
(``coprod sbc --workers 2 --seed 2015 --out out/sbc``, then copy ``out/sbc/sbc_*`` to
``calibration/data/validation/``; a test fails until then).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.multiple_testing import holm
from calibration.posterior import Posterior
from calibration.regression_adjust import adjust
from calibration.summary import summarise_counts
from calibration.waves import Waves
from runtime.fields import whole
from runtime.files import atomic_write_frame, read_back, writes
from runtime.interrupts import interrupts_deferred
from runtime.manifests import Manifest, code_version, model_version_of
from runtime.pool import Task, run_tasks, spawn_seeds
from sim.errors import InputError
from sim.outcomes import TAIL_WEEKS, paired_effect
from sim.parameters import PARAMETERS

# The local volunteer policy as the shipped scenario sets it
# (scenarios/files/local_volunteer_policy.toml; a test holds the two together).
POLICY_NAME = "local_volunteer_policy"
POLICY = {"policy_share": 1.0}
HORIZON_WEEKS = 520
EFFECT_OUTCOME = "share_municipality"
EFFECT = f"effect:{POLICY_NAME}:{EFFECT_OUTCOME}"

TRUTHS, REFERENCE = 200, 4_000  # the shipped check
MIN_TRUTHS, MIN_REFERENCE = 10, 100
MAX_TRUTHS, MAX_REFERENCE = 10_000, 100_000
ACCEPT_SHARE = 0.05  # of the reference table accepted per truth
MIN_DRAWS = 80  # fewer accepted worlds leave the ridge's five folds too few to fit
# draws + 1 ranks, a multiple of 20: the 50% and 90% central ranks are then exactly
# those shares of them, and any of BIN_CHOICES bins splits them evenly.
RANKS_STEP = 20
BIN_CHOICES = (20, 10, 5, 4, 2)
PER_BIN = 5  # truths expected per bin, at least (the chi-square approximation)
ALPHA = 0.01  # family-wise level of the rank tests (Holm)
LEVELS = (0.5, 0.9)
RANK_COLUMNS = ("truth", "seed", "quantity", "value", "rank", "draws")
SUMMARY_COLUMNS = ("quantity", "kind", "truths", "draws", "bins", "chi2", "p_value",
                   "p_holm", "coverage_50", "coverage_50_low", "coverage_50_high",
                   "coverage_90", "coverage_90_low", "coverage_90_high", "mean_rank",
                   "sd_rank", "verdict")
FILES = ("sbc_ranks.csv", "sbc_summary.csv", "sbc_ranks.png", "sbc_manifest.json")

# estimator(values, scores, bounds): the adjusted draws of one quantity over the
# accepted worlds, from their standard scores against the truth (observed = zeros).
Estimator = Callable[[np.ndarray, np.ndarray, "tuple[float, float] | None"], np.ndarray]


def regression_adjusted(values: np.ndarray, scores: np.ndarray,
                        bounds: tuple[float, float] | None) -> np.ndarray:
    """The estimator checked: cross-fitted ridge regression adjustment, equal weights."""
    return adjust(values, scores, np.zeros(scores.shape[1]), np.ones(len(values)), bounds)


def check_sizes(truths: int, reference: int) -> None:
    """Refuse study sizes outside the allowed ranges, naming the argument."""
    for name, value, low, high in (("truths", truths, MIN_TRUTHS, MAX_TRUTHS),
                                   ("reference", reference, MIN_REFERENCE, MAX_REFERENCE)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) \
                or not low <= value <= high:
            raise InputError(name, value, f"allowed: a whole number from {low:,} to {high:,}")


def accepted_draws(reference: int) -> int:
    """Worlds accepted per truth: :data:`ACCEPT_SHARE` of the table, ranks a multiple of 20.

    At least :data:`MIN_DRAWS`, unless that is more than half the table (a small test).
    """
    target = min(max(MIN_DRAWS, ACCEPT_SHARE * reference), reference / 2)
    return RANKS_STEP * max(1, int(target // RANKS_STEP)) - 1


def rank_bins(truths: int) -> int:
    """Bins of the rank test: the most of :data:`BIN_CHOICES` with :data:`PER_BIN` truths each."""
    return next((b for b in BIN_CHOICES if truths / b >= PER_BIN), BIN_CHOICES[-1])


class SBCWorld:
    """One world of the check: its survey's summaries and the policy's paired effect.

    Picklable (a task for local workers or a Dask cluster). The world is built and spun
    up once and branched at 2015 into the baseline and the policy.
    """

    def __init__(self, waves: Waves):
        self.waves = waves

    def __call__(self, task: Task) -> dict[str, float]:
        """Summaries (the calibration's keys) and :data:`EFFECT` of ``task``'s world."""
        from sim.runner import run_branches

        with interrupts_deferred() as stop:
            base, policy = run_branches([(task.params, HORIZON_WEEKS),
                                         ({**task.params, **POLICY}, HORIZON_WEEKS)],
                                        population=self.waves.population, rng=task.seed,
                                        stop=stop)
        # One 2015 survey is what a one-wave calibration compares; the branch observed
        # it on the way (the same numbers as Waves.simulate, a test checks).
        out = (summarise_counts(base.survey_2015.counts) if self.waves.single
               else self.waves.simulate(task.params, task.seed))
        out[EFFECT] = paired_effect(policy.series, base.series, EFFECT_OUTCOME)
        return out


def varying_inputs(posterior: Posterior) -> tuple[str, ...]:
    """The posterior's inputs that take more than one value among weighted particles."""
    held = posterior.particles[posterior.weights > 0]
    return tuple(c for c in held.columns if held[c].nunique() > 1)


def simulate_worlds(posterior: Posterior, n: int, *, rng, waves: Waves, workers: int = 1,
                    scheduler: str | None = None, progress: bool | None = None,
                    label: str = "worlds") -> pd.DataFrame:
    """``n`` worlds drawn from ``posterior``: inputs, seed, summaries and effect, one row each.

    Seeds are spawned from ``rng`` per world, so the table does not depend on the workers.
    """
    gen = np.random.default_rng(rng)
    params = posterior.draws(n, gen)
    seeds = spawn_seeds(gen.integers(2**63), n)
    tasks = [Task(p, HORIZON_WEEKS, s, waves.population, tag={"world": i})
             for i, (p, s) in enumerate(zip(params, seeds, strict=True))]
    rows = run_tasks(SBCWorld(waves), tasks, workers=workers, scheduler=scheduler,
                     progress=progress, label=label)
    return pd.concat([pd.DataFrame(params), pd.DataFrame({"seed": seeds}),
                      pd.DataFrame(rows)], axis=1)


def _bounds(quantity: str) -> tuple[float, float] | None:
    p = PARAMETERS.get(quantity)
    return None if p is None else (p.low, p.high)


def _observed(row: Mapping[str, float]) -> dict[str, float]:
    """A truth's summaries as data: an activity nobody answered has shares 0 of 0.

    (Its shares are undefined; the distance's smoothing gives them the scale of 0 of 0.)
    """
    return {k: (0.0 if k.startswith("share:") and not np.isfinite(v) else v)
            for k, v in row.items()}


def truth_ranks(truth: Mapping[str, float], reference: pd.DataFrame, quantities: Sequence[str],
                *, waves: Waves, draws: int, rng,
                estimator: Estimator = regression_adjusted) -> dict[str, int]:
    """The truth's rank among its adjusted draws, per quantity (see the module, step 2).

    ``truth`` and ``reference``'s rows hold the summaries (the calibration's keys) and
    every quantity. Ties between the truth and a draw are broken at random with ``rng``.
    """
    keys = list(waves.observed())
    observed = _observed({k: truth[k] for k in keys})
    distance = waves.distance(observed)
    rows = reference[keys].to_dict("records")
    scores = np.array([distance.z_scores(r, observed) for r in rows])
    rms = np.sqrt(np.mean(scores**2, axis=1))
    near = np.argsort(rms, kind="stable")[:draws]
    gen = np.random.default_rng(rng)
    out = {}
    for q in quantities:
        values = reference[q].to_numpy(float)[near]
        # A model choice (the local policy's reading) is ranked among the accepted draws
        # themselves: adjusting a level by regression gives values between levels.
        discrete = q in PARAMETERS and bool(PARAMETERS[q].levels)
        adjusted = values if discrete else estimator(values, scores[near], _bounds(q))
        below = int(np.sum(adjusted < truth[q]))
        ties = int(np.sum(adjusted == truth[q]))
        out[q] = below + int(gen.integers(ties + 1))
    return out


def rank_table(truths: pd.DataFrame, reference: pd.DataFrame, quantities: Sequence[str], *,
               waves: Waves, draws: int, rng,
               estimator: Estimator = regression_adjusted) -> pd.DataFrame:
    """``sbc_ranks.csv``'s rows: every truth's rank for every quantity.

    Each truth's tie-breaking stream is spawned from ``rng`` by its number.
    """
    streams = np.random.SeedSequence(np.random.default_rng(rng).integers(2**63)).spawn(
        len(truths))
    rows = []
    for i, (truth, stream) in enumerate(zip(truths.to_dict("records"), streams,
                                            strict=True)):
        ranks = truth_ranks(truth, reference, quantities, waves=waves, draws=draws,
                            rng=stream, estimator=estimator)
        rows += [{"truth": i, "seed": int(truth["seed"]), "quantity": q,
                  "value": float(truth[q]), "rank": r, "draws": draws}
                 for q, r in ranks.items()]
    return pd.DataFrame(rows, columns=list(RANK_COLUMNS))


def _pattern(u: np.ndarray) -> str:
    """How normalised ranks ``u`` depart from uniform: their mean or their spread."""
    n = len(u)
    z_mean = (u.mean() - 0.5) / np.sqrt(1 / 12 / n)
    # (u - 1/2)² has mean 1/12 and variance 1/180 under uniform ranks.
    z_var = (np.mean((u - 0.5) ** 2) - 1 / 12) / np.sqrt(1 / 180 / n)
    if abs(z_var) >= abs(z_mean):
        return ("ranks pile at the ends: intervals too narrow" if z_var > 0 else
                "ranks crowd the middle: intervals too wide")
    return ("truths lie above the draws: estimates too low" if z_mean > 0 else
            "truths lie below the draws: estimates too high")


def summarise(ranks: pd.DataFrame, *, alpha: float = ALPHA) -> pd.DataFrame:
    """``sbc_summary.csv``: per quantity the rank test, Holm-adjusted, and the coverages."""
    from scipy import stats

    rows = []
    for quantity, group in ranks.groupby("quantity", sort=False):
        r, draws = group["rank"].to_numpy(int), int(group["draws"].iloc[0])
        n, bins = len(r), rank_bins(len(r))
        counts = np.bincount(r * bins // (draws + 1), minlength=bins)
        chi2, p = stats.chisquare(counts)
        u = (r + 0.5) / (draws + 1)
        row = {"quantity": quantity, "kind": "effect" if quantity == EFFECT else "input",
               "truths": n, "draws": draws, "bins": bins, "chi2": float(chi2),
               "p_value": float(p), "mean_rank": float(u.mean()),
               "sd_rank": float(u.std())}
        for level in LEVELS:
            inside = int(np.sum(np.abs(u - 0.5) < level / 2))
            ci = stats.binomtest(inside, n).proportion_ci(0.95, method="exact")
            tag = f"coverage_{round(level * 100)}"
            row |= {tag: inside / n, f"{tag}_low": ci.low, f"{tag}_high": ci.high}
        row["pattern"] = _pattern(u)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["p_holm"] = holm(frame["p_value"].to_numpy())
    frame["verdict"] = np.where(frame["p_holm"] >= alpha, "uniform",
                                "fails: " + frame["pattern"])
    return frame[list(SUMMARY_COLUMNS)]


def plot_ranks(ranks: pd.DataFrame, summary: pd.DataFrame, path) -> None:
    """Rank histograms, one small panel per quantity, with the 99% band of uniform ranks.

    A panel whose rank test fails (Holm) is drawn in red.
    """
    from scipy import stats

    from calibration.fit_plots import new_figure, save_figure

    quantities = list(summary["quantity"])
    cols = int(np.ceil(np.sqrt(len(quantities))))
    rows = int(np.ceil(len(quantities) / cols))
    fig, axes = new_figure(rows, cols, squeeze=False,
                           figsize=(1.9 * cols, 1.45 * rows + 0.5))
    for ax, (_, s) in zip(axes.ravel()[:len(quantities)], summary.iterrows(), strict=True):
        r = ranks.loc[ranks["quantity"] == s.quantity, "rank"].to_numpy(int)
        bins, draws = int(s.bins), int(s.draws)
        counts = np.bincount(r * bins // (draws + 1), minlength=bins)
        low, high = stats.binom.ppf([0.005, 0.995], len(r), 1 / bins)
        ax.axhspan(low, high, color="0.88", zorder=0)
        ax.axhline(len(r) / bins, color="0.5", linewidth=0.6)
        ok = s.verdict == "uniform"
        ax.bar(np.arange(bins), counts, width=1.0, color="tab:blue" if ok else "tab:red",
               edgecolor="white", linewidth=0.3)
        title = (f"{POLICY_NAME}'s effect\non {EFFECT_OUTCOME}" if s.quantity == EFFECT
                 else s.quantity)
        ax.set_title(title, fontsize=6,
                     color="black" if ok else "tab:red")
        ax.set_xticks([])
        ax.tick_params(labelsize=5)
    for ax in axes.ravel()[len(quantities):]:
        ax.set_axis_off()
    fig.suptitle(f"Simulation-based calibration: ranks of {int(summary.truths.iloc[0])} "
                 "truths among their regression-adjusted draws (grey: 99% band of "
                 "uniform ranks; red: fails)", fontsize=7)
    fig.tight_layout()
    save_figure(fig, Path(path))


@dataclass(frozen=True)
class SBCWorlds:
    """The simulated side of the check: reference worlds and truths, one row each.

    Rows hold the inputs drawn, the seed, the summaries and :data:`EFFECT`; ``record``
    says how they were made (for the manifest).
    """

    reference: pd.DataFrame
    truths: pd.DataFrame
    quantities: tuple[str, ...]  # the inputs that vary in the posterior, and EFFECT
    waves: Waves
    record: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)  # its tables compare with .equals, not ==
class SBCResult:
    """What the check found: the ranks, their summary, the worlds and how they were made.

    ``manifest`` is what ``sbc_manifest.json`` records (:func:`run_sbc` makes it;
    :func:`analyse` alone leaves it None); ``worlds`` are not written: read back, None.
    """

    ranks: pd.DataFrame  # RANK_COLUMNS
    summary: pd.DataFrame  # SUMMARY_COLUMNS
    worlds: SBCWorlds | None
    record: dict = field(default_factory=dict)  # seed, sizes, posterior: for the manifest
    manifest: Manifest | None = field(default=None, compare=False)

    @property
    def failed(self) -> list[str]:
        """The quantities whose rank test fails (Holm, :data:`ALPHA`)."""
        return self.summary.loc[self.summary["verdict"] != "uniform", "quantity"].tolist()

    @property
    def passed(self) -> bool:
        """Whether every quantity's ranks are uniform at the family-wise level."""
        return not self.failed

    def provenance(self, command: str) -> Manifest:
        """The manifest of this result made by ``command``: its record and verdict."""
        failed = self.failed
        return Manifest.of(command=command, **self.record, passed=not failed, failed=failed,
                           quantities=len(self.summary), files=list(FILES[:3]))

    @writes
    def write(self, directory: str | Path) -> list[Path]:
        """Write :data:`FILES` into ``directory`` (each atomically; the manifest last)."""
        directory = Path(directory)
        paths = [directory / name for name in FILES]
        atomic_write_frame(paths[0], self.ranks, float_format="%.8g")
        atomic_write_frame(paths[1], self.summary)
        plot_ranks(self.ranks, self.summary, paths[2])
        (self.manifest or self.provenance("coprod.sbc()")).write(paths[3])
        return paths

    @classmethod
    @read_back
    def read(cls, folder: str | Path) -> SBCResult:
        """The check ``coprod sbc --out folder`` (or :meth:`write`) left in ``folder``."""
        from runtime.files import read_own_csv

        folder, made_by = Path(folder), "coprod sbc --out DIR"
        manifest = Manifest.read(folder / FILES[3], made_by, stages=("sbc",))
        truths = manifest.field("truths", whole(MIN_TRUTHS, MAX_TRUTHS), "a whole number "
                                f"of truths from {MIN_TRUTHS} to {MAX_TRUTHS:,}")
        quantities = manifest.field("quantities", whole(1, 10_000), "a whole number of "
                                    "quantities checked, at least 1")
        # One rank per truth and quantity; one summary row per quantity.
        ranks = read_own_csv(folder / FILES[0], made_by, columns=RANK_COLUMNS,
                             rows=truths * quantities, numeric=RANK_COLUMNS[3:])
        summary = read_own_csv(folder / FILES[1], made_by, columns=SUMMARY_COLUMNS,
                               rows=quantities, numeric=SUMMARY_COLUMNS[2:-1],
                               bounds=dict.fromkeys(
                                   [c for c in SUMMARY_COLUMNS
                                    if c.startswith(("p_", "coverage"))], (0.0, 1.0)))
        record = {k: v for k, v in manifest.fields.items()
                  if k not in ("command", "passed", "failed", "quantities", "files",
                               "versions", "date")}
        return cls(ranks, summary, None, record, manifest)


def simulate_study(posterior: Posterior, *, truths: int = TRUTHS,
                   reference: int = REFERENCE, rng, workers: int = 1,
                   scheduler: str | None = None, waves: Waves | None = None,
                   progress: bool | None = None) -> SBCWorlds:
    """Step 1 of the module: ``reference`` worlds and ``truths`` truths from ``posterior``."""
    check_sizes(truths, reference)
    waves = Waves.load(None) if waves is None else waves
    t0 = time.perf_counter()
    streams = np.random.SeedSequence(np.random.default_rng(rng).integers(2**63)).spawn(2)
    table = simulate_worlds(posterior, reference, rng=streams[0], waves=waves,
                            workers=workers, scheduler=scheduler, progress=progress,
                            label="reference worlds")
    truth_table = simulate_worlds(posterior, truths, rng=streams[1], waves=waves,
                                  workers=workers, scheduler=scheduler, progress=progress,
                                  label="truths")
    keys = list(waves.observed())
    record = {
        "truths": truths, "reference": reference,
        "effect": {"quantity": EFFECT, "policy": POLICY, "horizon_weeks": HORIZON_WEEKS,
                   "outcome": EFFECT_OUTCOME, "tail_weeks": TAIL_WEEKS,
                   "definition": "policy minus baseline, paired (one world branched at "
                                 "2015), mean over the horizon's last weeks"},
        "surveys": waves.record(),
        "posterior": {"source": posterior.source, "digest": posterior.digest(),
                      "particles": len(posterior.weights),
                      "effective_sample_size": round(
                          float(1 / np.sum(posterior.weights**2)), 1),
                      "model_version": (model_version_of(posterior.manifest)
                                        if posterior.manifest else None),
                      "made": posterior.manifest.get("date")},
        # Worlds whose survey has an activity nobody answered (its shares undefined).
        "worlds_with_unanswered_activity": int(
            pd.concat([table, truth_table])[keys].isna().any(axis=1).sum()),
        "code_version": code_version(), "workers": workers, "scheduler": scheduler,
        "simulation_s": round(time.perf_counter() - t0, 1),
    }
    return SBCWorlds(table, truth_table, (*varying_inputs(posterior), EFFECT), waves, record)


def analyse(worlds: SBCWorlds, *, rng, estimator: Estimator = regression_adjusted
            ) -> SBCResult:
    """Steps 2 and 3 of the module on simulated ``worlds``; ``rng`` breaks ties."""
    t0 = time.perf_counter()
    draws = accepted_draws(len(worlds.reference))
    ranks = rank_table(worlds.truths, worlds.reference, worlds.quantities,
                       waves=worlds.waves, draws=draws, rng=rng, estimator=estimator)
    summary = summarise(ranks)
    record = {**worlds.record, "draws": draws, "bins": rank_bins(len(worlds.truths)),
              "alpha_holm": ALPHA, "levels": list(LEVELS),
              "estimator": getattr(estimator, "__name__", repr(estimator)),
              "analysis_s": round(time.perf_counter() - t0, 1)}
    return SBCResult(ranks, summary, worlds, record)


def run_sbc(posterior: Posterior, *, truths: int = TRUTHS, reference: int = REFERENCE,
            rng, workers: int = 1, scheduler: str | None = None,
            waves: Waves | None = None, estimator: Estimator = regression_adjusted,
            progress: bool | None = None, command: str = "coprod.sbc()") -> SBCResult:
    """Simulation-based calibration around ``posterior`` (see the module).

    Parameters
    ----------
    posterior : the posterior to draw truths and reference worlds from (the shipped one
        for the shipped check).
    truths, reference : how many truths and reference worlds.
    rng : the one source of randomness (int, SeedSequence or Generator).
    workers, scheduler : local processes, or a Dask scheduler's address; the result is
        the same whatever they are.
    waves : the surveys the calibration compares (default: Table 2 of 2015).
    estimator : the estimator checked (default :func:`regression_adjusted`).
    command : what the manifest records as the request that made the check.

    Returns
    -------
    SBCResult, with ``write(dir)`` and ``read(dir)``; ``passed`` says whether every rank
    test passed.

    Examples
    --------
    ``run_sbc(load_posterior(), truths=40, reference=400, rng=1, workers=2).passed``: the
    quick check the tests run (about a minute on 2 cores).

    """
    t0 = time.perf_counter()
    gen = np.random.default_rng(rng)
    worlds = simulate_study(posterior, truths=truths, reference=reference,
                            rng=gen.integers(2**63), workers=workers, scheduler=scheduler,
                            waves=waves, progress=progress)
    result = analyse(worlds, rng=gen.integers(2**63), estimator=estimator)
    seed = rng if isinstance(rng, int | None) else repr(rng)
    done = SBCResult(result.ranks, result.summary, worlds, {
        "seed": seed, **result.record, "reproducible": True,
        "elapsed_s": round(time.perf_counter() - t0, 1)})
    return SBCResult(done.ranks, done.summary, worlds, done.record, done.provenance(command))
