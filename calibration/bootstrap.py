"""Stratified bootstrap with BCa intervals for the survey's shares and comparisons.

Reading of the paper's comparisons (Andfossen 2020, "Statistical analyses"); the paper
does not define them exactly, so this is the project's reading:

* ``share:<activity>:<coordinator>`` — the share of units whose activity is coordinated
  by that body (Table 2's 18 cells);
* ``pooled_diff:<coordinator>`` — the "difference of proportions": units coordinated by
  that body summed over the statutory activities, divided by the statutory n, minus the
  same pooled over the non-statutory activities;
* ``mean_diff:<coordinator>`` — the "difference of means of proportions": the unweighted
  mean of the statutory activities' shares minus that of the non-statutory ones;
* ``*_excl_social:<coordinator>`` — both again without social activities (the paper's
  sensitivity analysis: social activities are arguably statutory).

Differences are statutory minus non-statutory. A difference is "significant" at a
level when 0 lies outside its interval, as in the paper.

Resampling (``resample="activity"``, the default) draws units with replacement within each
activity, keeping each activity's n fixed: the strata of R's ``boot(..., strata=)``.
Drawing n indices with replacement from a stratum of n units with k_c units per
coordinator gives a multinomial(n, k/n) count vector, so the counts are drawn directly
(the same distribution, without materialising indices). With unit-level data,
``resample="unit"`` draws whole units instead, because one unit answers for several
activities and its answers are not independent.

Intervals are BCa as defined by Efron & Tibshirani (1993, ch. 14) and implemented in R's
``boot.ci(type="bca")``: z0 = Φ⁻¹(#{t* < t̂}/R), counting ties as *not* below (scipy
counts them as half); acceleration from the jackknife influence values,
a = Σ L³ / (6 (Σ L²)^{3/2}) (R's ``empinf(type="jack")``, within strata); adjusted
levels Φ(z0 + (z0 + z_α)/(1 − a (z0 + z_α)));
endpoints read from the sorted replicates with R's ``norm.inter`` interpolation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from calibration.observed_survey import SurveyTable, UnitResponses
from sim.catalogue import COORDINATORS
from sim.errors import InputError
from sim.virtual_survey import shares_from_counts

LEVELS = (0.95, 0.99)
SOCIAL = "social"
# Whole-unit resampling draws replications × units indices: at most this many at a time
# (two int64 arrays of 4 million: 64 MB), whatever ``batch`` asks, so a file of many
# units costs time, not memory. The draws do not depend on it.
UNIT_DRAWS_AT_ONCE = 4_000_000


@dataclass(frozen=True)
class StatisticSpec:
    """Which statistics exist for a set of activities, and how to compute them."""

    activities: tuple[str, ...]
    statutory: np.ndarray
    names: tuple[str, ...]

    @classmethod
    def for_activities(cls, activities, statutory) -> StatisticSpec:
        """Name every statistic the activities allow (differences need both groups)."""
        statutory = np.asarray(statutory, dtype=bool)
        names = [f"share:{a}:{c}" for a in activities for c in COORDINATORS]
        groups = _groups(activities, statutory)
        for suffix in groups:
            for kind in ("pooled_diff", "mean_diff"):
                names += [f"{kind}{suffix}:{c}" for c in COORDINATORS]
        return cls(tuple(activities), statutory, tuple(names))

    def compute(self, counts: np.ndarray) -> np.ndarray:
        """All statistics from counts of shape (..., activities, 3) -> (..., statistics).

        Vectorised over any leading axes (bootstrap replicates, jackknife perturbations).
        Counts may be fractional (weighted). An activity with n = 0 gives NaN shares.
        """
        counts = np.asarray(counts, dtype=float)
        shares = shares_from_counts(counts)
        out = [shares.reshape(*shares.shape[:-2], -1)]
        for stat_mask, non_mask in _groups(self.activities, self.statutory).values():
            pooled = [shares_from_counts(counts[..., m, :].sum(axis=-2))
                      for m in (stat_mask, non_mask)]
            out.append(pooled[0] - pooled[1])
            out.append(shares[..., stat_mask, :].mean(axis=-2)
                       - shares[..., non_mask, :].mean(axis=-2))
        return np.concatenate(out, axis=-1)


def _groups(activities, statutory) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Masks (statutory, non-statutory) for the full comparison and without social."""
    statutory = np.asarray(statutory, dtype=bool)
    groups = {}
    if statutory.any() and (~statutory).any():
        groups[""] = (statutory, ~statutory)
        is_social = np.array([a == SOCIAL for a in activities])
        if is_social.any() and (~statutory & ~is_social).any():
            groups["_excl_social"] = (statutory, ~statutory & ~is_social)
    return groups


@dataclass(frozen=True)
class BootstrapResult:
    """Estimates, BCa intervals and notes, with the raw replicates kept beside them."""

    names: tuple[str, ...]
    estimate: np.ndarray
    low: dict[float, np.ndarray]
    high: dict[float, np.ndarray]
    notes: tuple[str, ...]
    replicates: np.ndarray
    acceleration: np.ndarray
    reps: int
    resample: str
    seed: object

    def significant(self, name: str, level: float) -> bool | None:
        """True when 0 lies outside the interval; None when there is no interval."""
        i = self.names.index(name)
        lo, hi = self.low[level][i], self.high[level][i]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return None
        return bool(lo > 0 or hi < 0)

    def to_frame(self):
        """Tidy table ``statistic,estimate,low_95,high_95,low_99,high_99,note``."""
        import pandas as pd

        df = pd.DataFrame({"statistic": self.names, "estimate": self.estimate})
        for level in LEVELS:
            pct = round(level * 100)
            df[f"low_{pct}"] = self.low[level]
            df[f"high_{pct}"] = self.high[level]
        df["note"] = list(self.notes)
        return df


def _norm_inter(sorted_t: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R boot's ``norm.inter``: order statistics interpolated on the normal scale.

    Returns the endpoints and a flag per alpha for "extreme order statistic used".
    """
    r = len(sorted_t)
    rk = (r + 1) * alpha
    k = np.trunc(rk).astype(int)
    out = np.empty_like(alpha, dtype=float)
    extreme = ~((rk > 1) & (rk < r))
    for i, (ki, rki, ai) in enumerate(zip(k, rk, alpha, strict=True)):
        if ki <= 0:
            out[i] = sorted_t[0]
        elif ki >= r:
            out[i] = sorted_t[-1]
        elif ki == rki:
            out[i] = sorted_t[ki - 1]
        else:
            z, z_lo, z_hi = ndtri(ai), ndtri(ki / (r + 1)), ndtri((ki + 1) / (r + 1))
            t_lo, t_hi = sorted_t[ki - 1], sorted_t[ki]
            out[i] = t_lo + (z - z_lo) / (z_hi - z_lo) * (t_hi - t_lo)
    return out, extreme


def bca(replicates: np.ndarray, estimate: float, acceleration: float, levels=LEVELS):
    """BCa interval for one statistic, as R's ``boot:::bca.ci``.

    Returns ``(lows, highs, z0, note)``; when no interval exists the endpoints are NaN
    and ``note`` says why.
    """
    t = replicates[np.isfinite(replicates)]
    nan = np.full(len(levels), np.nan)
    if not np.isfinite(estimate):
        return nan, nan, np.nan, "estimate undefined (an activity has n = 0)"
    if len(t) == 0:
        return nan, nan, np.nan, "no finite bootstrap replicate"
    below = np.count_nonzero(t < estimate)
    if below == 0 or below == len(t):
        if np.all(t == estimate):
            why = (f"all {len(t)} replicates equal the estimate {estimate:.3g}: no sampling "
                   "variation (a 0% or 100% share), so no BCa interval (z0 is infinite)")
        else:
            side = "none" if below == 0 else "all"
            why = (f"{side} of the replicates lie below the estimate, so the BCa bias "
                   "correction z0 is infinite and no interval exists")
        return nan, nan, np.nan, why
    if not np.isfinite(acceleration):
        return nan, nan, np.nan, "acceleration undefined: all influence values are zero"
    z0 = ndtri(below / len(t))
    alpha = np.array([(1 - lv) / 2 for lv in levels] + [(1 + lv) / 2 for lv in levels])
    z = ndtri(alpha)
    adj = ndtr(z0 + (z0 + z) / (1 - acceleration * (z0 + z)))
    ends, extreme = _norm_inter(np.sort(t), adj)
    k = len(levels)
    note = ""
    if extreme.any():
        note = "extreme order statistics used as endpoints; the interval may be unstable"
    if len(t) < len(replicates):
        note = "; ".join(filter(None, [note, f"{len(replicates) - len(t)} non-finite "
                                             "replicates dropped"]))
    return ends[:k], ends[k:], z0, note


def _acceleration(l_values: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """A = Σ L³ / (6 (Σ L²)^{3/2}) over observations; ``weight`` counts identical rows."""
    w = weight[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w * l_values**3).sum(axis=0) / (6 * ((w * l_values**2).sum(axis=0)) ** 1.5)


def _acceleration_stratified(spec: StatisticSpec, counts: np.ndarray) -> np.ndarray:
    """Acceleration from jackknife influence values, units resampled within activity.

    As R's ``empinf(type="jack")`` with strata: leaving out one unit of stratum s gives
    L = (n_s - 1)(t̂ - t̂₍₋ᵢ₎); units with the same activity and answer share one value.
    (R's default ``type="reg"`` estimates the same values by regression on the bootstrap
    frequencies, so it agrees up to Monte Carlo noise.)
    """
    a_count, n_coord = counts.shape
    n = counts.sum(axis=1)
    t0 = spec.compute(counts)
    # One leave-one-out table per (stratum, coordinator): shape (A*3, A, 3).
    loo = np.broadcast_to(counts, (a_count, n_coord, a_count, n_coord)).copy()
    s_idx, c_idx = np.meshgrid(np.arange(a_count), np.arange(n_coord), indexing="ij")
    loo[s_idx, c_idx, s_idx, c_idx] -= 1
    loo = loo.reshape(-1, a_count, n_coord)
    with np.errstate(invalid="ignore", divide="ignore"):
        l_values = (n.repeat(n_coord) - 1)[:, None] * (t0 - spec.compute(loo))
    weight = counts.reshape(-1).astype(float)
    l_values[weight == 0] = 0.0  # rows for answers nobody gave
    return _acceleration(l_values, weight)


def _acceleration_units(spec: StatisticSpec, indicators: np.ndarray) -> np.ndarray:
    """Acceleration when whole units are resampled: L = (U - 1)(t̂ - t̂₍₋ᵤ₎)."""
    n_units = indicators.shape[0]
    total = indicators.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        l_values = (n_units - 1) * (spec.compute(total) - spec.compute(total - indicators))
    return _acceleration(l_values, np.ones(n_units))


def _check_args(data, reps, resample, batch) -> None:
    if not isinstance(reps, int | np.integer) or isinstance(reps, bool) or reps < 100:
        raise InputError("reps", reps, "allowed: a whole number >= 100")
    if resample not in ("activity", "unit"):
        raise InputError("resample", resample, "allowed: activity, unit")
    if resample == "unit" and not isinstance(data, UnitResponses):
        raise InputError("resample", resample,
                         "whole-unit resampling needs unit-level data (a unit_id column)")
    if not isinstance(batch, int) or batch < 1:
        raise InputError("batch", batch, "allowed: a whole number >= 1")


def _replicate_batches(data, table: SurveyTable, reps: int, gen, resample: str,
                       batch: int) -> Iterator[np.ndarray]:
    """The resampled count tables, batch by batch: arrays (size, activities, 3)."""
    counts = table.counts
    if resample == "activity":
        probs = shares_from_counts(counts)
        n = counts.sum(axis=1)
        # One stream per activity, so the draws do not depend on the batch size.
        streams = gen.spawn(len(n))
        for start in range(0, reps, batch):
            size = min(batch, reps - start)
            yield np.stack([streams[a].multinomial(n[a], probs[a], size=size)
                            for a in range(len(n))], axis=1)
    else:
        ind = data.indicators()
        n_units = ind.shape[0]
        flat = ind.reshape(n_units, -1)
        # Rows of one call are the same draws as rows split over several calls, so the
        # memory bound below does not change the result.
        rows = max(1, min(batch, UNIT_DRAWS_AT_ONCE // n_units))
        for start in range(0, reps, rows):
            size = min(rows, reps - start)
            idx = gen.integers(0, n_units, size=(size, n_units))
            # Resampled counts: how often each unit was drawn, times its indicators
            # (one bincount over all rows, each row's indices shifted to its own block).
            idx += (np.arange(size) * n_units)[:, None]
            freq = np.bincount(idx.ravel(), minlength=size * n_units).reshape(size, n_units)
            del idx
            yield (freq @ flat).reshape(size, *ind.shape[1:])


def replicate_counts(data: SurveyTable | UnitResponses, *, reps: int = 10_000, rng=None,
                     resample: str = "activity", batch: int = 2_000) -> np.ndarray:
    """The bootstrap's resampled tables, shape (reps, activities, 3).

    Exactly the tables :func:`survey_bootstrap` computes its statistics on for the same
    arguments and seed (the same draws), in the table's activity order.
    """
    _check_args(data, reps, resample, batch)
    table = data.to_table() if isinstance(data, UnitResponses) else data
    gen = np.random.default_rng(rng)
    return np.concatenate(list(_replicate_batches(data, table, reps, gen, resample, batch)))


def survey_bootstrap(
    data: SurveyTable | UnitResponses,
    *,
    reps: int = 10_000,
    rng=None,
    resample: str = "activity",
    batch: int = 2_000,
    levels=LEVELS,
    spec=None,
) -> BootstrapResult:
    """Bootstrap every statistic of the survey and return BCa intervals.

    Parameters
    ----------
    data : the aggregate table, or unit-level responses.
    reps : number of bootstrap replications (R's ``R``), at least 100.
    rng : int, SeedSequence or Generator; the only source of randomness.
    resample : ``"activity"`` (units within activity) or ``"unit"`` (whole units; needs
        unit-level data).
    batch : replications drawn per batch, to bound memory; does not change the result.
    spec : the statistics (``names`` and ``compute(counts)``, as :class:`StatisticSpec`);
        default every statistic of :class:`StatisticSpec` for the table's activities.

    The resampled tables themselves are :func:`replicate_counts` (same seed, same draws).

    """
    _check_args(data, reps, resample, batch)
    seed = rng if isinstance(rng, int | None) else repr(rng)
    gen = np.random.default_rng(rng)
    table = data.to_table() if isinstance(data, UnitResponses) else data
    spec = spec or StatisticSpec.for_activities(table.activities, table.statutory)
    counts = table.counts
    estimate = spec.compute(counts)
    if resample == "activity":
        accel = _acceleration_stratified(spec, counts)
    else:
        accel = _acceleration_units(spec, data.indicators())
    reps_out = np.empty((reps, len(spec.names)))
    start = 0
    for draws in _replicate_batches(data, table, reps, gen, resample, batch):
        reps_out[start:start + len(draws)] = spec.compute(draws)
        start += len(draws)

    lows = {lv: np.empty(len(spec.names)) for lv in levels}
    highs = {lv: np.empty(len(spec.names)) for lv in levels}
    notes = []
    for i in range(len(spec.names)):
        lo, hi, _z0, note = bca(reps_out[:, i], estimate[i], accel[i], levels)
        for j, lv in enumerate(levels):
            lows[lv][i], highs[lv][i] = lo[j], hi[j]
        notes.append(note)
    return BootstrapResult(
        spec.names, estimate, lows, highs, tuple(notes), reps_out, accel, reps, resample, seed,
    )
