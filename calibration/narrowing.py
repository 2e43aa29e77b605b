"""Whether the survey narrowed an input: a test, not a threshold.

A joint posterior (:mod:`calibration.posterior`) holds every input acting before 2015.
Its 90% credible interval for an input the survey says nothing about is not the prior's
90%: the particles are a finite, unequally weighted sample, so even an input that does
not act at all shows a narrower or wider interval by chance, and the fewer the effective
particles, the more so. The test asks whether an input's width is smaller than that
chance allows:

1. the input's width: its weighted 90% equal-tailed credible interval
   (:func:`calibration.posterior.weighted_quantile`) over its prior's range;
2. the null: the same width for an input that does not matter, that is the posterior's
   own weights applied to independent uniform draws over the prior's range, in
   :data:`NULL_REPLICATES` replicates (one null serves every input: scaled to the range
   it does not depend on the input);
3. the p-value: the share of null widths at or below the input's, (1 + k) / (1 + B);
4. narrowed: Holm's step-down over all inputs tested, family-wise at :data:`FAMILY`,
   so that among thirty inputs none is called narrowed by chance alone one time in
   twenty (at 5% each, one or two of thirty would be).

For an input the ABC kernel moved (rather than drew from its prior in every simulation),
the particles' positions and weights are not independent even where the input does not
matter, so the null is an approximation there; for the inputs drawn from their priors
(:class:`calibration.abc.FixedModel`) it is exact.

An input the test does not call narrowed is *not identified by the survey*: whatever an
answer owes to it is assumed, not data. A categorical input (a column of labels, such as
a reading of the local policy) is tested the same way with the total-variation distance
between its weighted shares and equal shares (the larger, the more the survey told its
values apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration.multiple_testing import holm

NULL_REPLICATES = 10_000
FAMILY = 0.05
LEVEL = 0.9  # the credible interval whose width is tested
NARROWED, NOT_IDENTIFIED = "narrowed by the survey", "not identified by the survey"
COLUMNS = ("input", "statistic", "value", "null_median", "null_critical", "p_value",
           "narrowed", "words")


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> np.ndarray:
    """Weighted quantiles of each row of ``values`` (rows × particles) -> (rows, len(qs)).

    The inverse of the weighted empirical CDF at the midpoints of each particle's weight,
    as :func:`calibration.posterior.weighted_quantile`, vectorised over rows.
    """
    order = np.argsort(values, axis=1, kind="stable")
    v = np.take_along_axis(values, order, axis=1)
    w = weights[order]
    cdf = (np.cumsum(w, axis=1) - 0.5 * w) / w.sum(axis=1, keepdims=True)
    out = np.empty((len(values), len(qs)))
    rows = np.arange(len(values))
    for j, q in enumerate(qs):
        k = (cdf < q).sum(axis=1)  # first midpoint at or above q
        hi = np.clip(k, 0, v.shape[1] - 1)
        lo = np.clip(k - 1, 0, v.shape[1] - 1)
        c_lo, c_hi = cdf[rows, lo], cdf[rows, hi]
        frac = np.where(c_hi > c_lo, (q - c_lo) / np.where(c_hi > c_lo, c_hi - c_lo, 1), 0)
        out[:, j] = v[rows, lo] + np.clip(frac, 0, 1) * (v[rows, hi] - v[rows, lo])
    return out


def width_share(values: np.ndarray, weights: np.ndarray, low: float, high: float) -> float:
    """The weighted 90% credible interval's width over the prior's range."""
    q = _weighted_quantiles(np.asarray(values, float)[None, :], np.asarray(weights, float),
                            ((1 - LEVEL) / 2, (1 + LEVEL) / 2))[0]
    return float((q[1] - q[0]) / (high - low))


def null_widths(weights: np.ndarray, *, replicates: int = NULL_REPLICATES, rng=0,
                batch: int = 500) -> np.ndarray:
    """Width shares an input that does not matter gets under these weights."""
    gen = np.random.default_rng(rng)
    weights = np.asarray(weights, float)
    out = []
    for start in range(0, replicates, batch):
        size = min(batch, replicates - start)
        q = _weighted_quantiles(gen.random((size, len(weights))), weights,
                                ((1 - LEVEL) / 2, (1 + LEVEL) / 2))
        out.append(q[:, 1] - q[:, 0])
    return np.concatenate(out)


def _null_distances(weights: np.ndarray, k: int, replicates: int, gen) -> np.ndarray:
    """Total-variation distances from equal shares of ``k`` labels drawn independently."""
    labels = gen.integers(k, size=(replicates, len(weights)))
    shares = np.stack([(weights * (labels == j)).sum(axis=1) for j in range(k)], axis=1)
    return 0.5 * np.abs(shares / weights.sum() - 1 / k).sum(axis=1)


@dataclass(frozen=True)
class Narrowing:
    """Per input: its statistic, the null's median and critical value, p, the verdict."""

    frame: pd.DataFrame  # COLUMNS, one row per input
    replicates: int
    effective_particles: float

    @property
    def narrowed(self) -> tuple[str, ...]:
        """The inputs the survey narrowed (the test's rejections)."""
        return tuple(self.frame.input[self.frame.narrowed])

    @property
    def not_identified(self) -> tuple[str, ...]:
        """The inputs the survey did not narrow: assumed, not data."""
        return tuple(self.frame.input[~self.frame.narrowed])

    def sentence(self) -> str:
        """One sentence for the console, README and report."""
        n, m = len(self.narrowed), len(self.frame)
        left = ", ".join(self.not_identified) or "none"
        return (f"The 2015 survey narrowed {n} of the {m} calibrated inputs (each 90% "
                f"credible width below what the posterior's weights give an input that does "
                f"not matter, Holm {FAMILY:.0%} over all {m}; {self.effective_particles:.0f}"
                f" effective particles); not identified by the survey, so assumed: {left}.")


def narrowing_test(particles: pd.DataFrame, weights: np.ndarray, *,
                   ranges: dict[str, tuple[float, float]] | None = None,
                   replicates: int = NULL_REPLICATES, rng=0) -> Narrowing:
    """Test every column of ``particles`` for narrowing by the survey.

    Parameters
    ----------
    particles : one column per calibrated input (numbers; or labels for a categorical
        input such as ``policy_reading``).
    weights : the particles' weights.
    ranges : each numeric input's prior range (default :data:`sim.parameters.PARAMETERS`).
    replicates : null replicates.
    rng : the only source of randomness.

    Returns
    -------
    Narrowing
        With one row per input: ``statistic`` (``width_share`` or ``tv_distance``),
        ``value``, the null's median and 5% critical value, ``p_value``, ``narrowed``
        (Holm, family-wise 5%) and ``words``.

    """
    from sim.parameters import PARAMETERS

    weights = np.asarray(weights, float) / np.sum(weights)
    gen = np.random.default_rng(rng)
    null = null_widths(weights, replicates=replicates, rng=gen)
    rows = []
    for name in particles.columns:
        column = particles[name]
        levels = PARAMETERS[name].levels if name in PARAMETERS else ()
        if pd.api.types.is_numeric_dtype(column) and not levels:
            low, high = (ranges or {}).get(name) or (PARAMETERS[name].low,
                                                     PARAMETERS[name].high)
            value = width_share(column.to_numpy(float), weights, low, high)
            p = (1 + np.count_nonzero(null <= value)) / (1 + replicates)
            rows.append((name, "width_share", value, float(np.median(null)),
                         float(np.quantile(null, FAMILY)), p))
        else:
            # A model choice (the local policy's reading): every level, held or not.
            labels = column.astype(int if levels else str).astype(str).to_numpy()
            kinds = (np.array([str(int(PARAMETERS[name].low) + k) for k in range(len(levels))])
                     if levels else np.unique(labels))
            shares = np.array([weights[labels == k].sum() for k in kinds])
            value = float(0.5 * np.abs(shares - 1 / len(kinds)).sum())
            dist = _null_distances(weights, len(kinds), replicates, gen)
            p = (1 + np.count_nonzero(dist >= value)) / (1 + replicates)
            rows.append((name, "tv_distance", value, float(np.median(dist)),
                         float(np.quantile(dist, 1 - FAMILY)), p))
    frame = pd.DataFrame(rows, columns=list(COLUMNS[:6]))
    frame["narrowed"] = holm(frame.p_value.to_numpy()) <= FAMILY
    frame["words"] = np.where(frame.narrowed, NARROWED, NOT_IDENTIFIED)
    return Narrowing(frame, replicates, float(1 / np.sum(weights**2)))


# Tests made in this process, by (posterior digest, replicates, seed): a report, a
# comparison and the fit check of one posterior each ask for the same test, which costs
# about a CPU-second (the null's 10,000 weighted quantiles). A handful of posteriors.
_MADE: dict[tuple, Narrowing] = {}
_MADE_LIMIT = 8


def posterior_narrowing(posterior, *, replicates: int = NULL_REPLICATES, rng=0) -> Narrowing:
    """:func:`narrowing_test` of a :class:`calibration.posterior.Posterior`.

    With a whole-number seed the test is made once per process for each posterior (by
    its digest) and number of replicates: the same inputs give the same numbers, so an
    answer asked for again is the one already made (a copy: callers may change it).
    """
    if not (isinstance(rng, int) and not isinstance(rng, bool)):  # a Generator: fresh
        return narrowing_test(posterior.particles, posterior.weights,
                              replicates=replicates, rng=rng)
    key = (posterior.digest(), replicates, rng)
    if key not in _MADE:
        if len(_MADE) >= _MADE_LIMIT:
            _MADE.pop(next(iter(_MADE)))
        _MADE[key] = narrowing_test(posterior.particles, posterior.weights,
                                    replicates=replicates, rng=rng)
    made = _MADE[key]
    return Narrowing(made.frame.copy(), made.replicates, made.effective_particles)


def annotate_screening(screening: pd.DataFrame, narrowing: Narrowing) -> pd.DataFrame:
    """``screening.csv`` with the narrowing test beside the screening's flag.

    The screening's ``informative`` says whether an input moves the survey over its prior
    (so the ABC kernel moves it); it does not say the survey narrowed it. The added
    columns do: ``width_share``, ``narrowing_p``, ``narrowed`` and ``survey`` ("narrowed
    by the survey" or "not identified by the survey").
    """
    test = narrowing.frame.set_index("input")
    out = screening.copy()
    known = out.input.isin(test.index)
    # A width share for a continuous input; a model choice's is how far its posterior
    # shares of the levels are from even (total variation), in ``statistic``.
    out["statistic"] = out.input.map(test.statistic).where(known)
    out["width_share"] = out.input.map(test.value).where(known)
    out["narrowing_p"] = out.input.map(test.p_value).where(known)
    out["narrowed"] = out.input.map(test.narrowed).where(known)
    out["survey"] = out.input.map(test.words).where(known, "not in the posterior")
    return out


def screening_sentence(annotated: pd.DataFrame) -> str:
    """The inputs the screening called informative that the survey did not narrow."""
    rows = annotated[annotated.informative.astype(bool) & (annotated.narrowed == False)]  # noqa: E712
    if rows.empty:
        return "Every input the screening found informative was narrowed by the survey."
    def shown(r) -> str:
        if getattr(r, "statistic", "width_share") == "tv_distance":
            return (f"{r.input} (its levels' posterior shares {r.width_share:.2f} from even, "
                    f"p = {r.narrowing_p:.2g})")
        return f"{r.input} ({r.width_share:.2f} of its range, p = {r.narrowing_p:.2g})"

    named = ", ".join(shown(r) for r in rows.itertuples(index=False))
    return (f"The screening found {len(rows)} input{'s' if len(rows) != 1 else ''} "
            f"informative that the survey did not narrow: {named}; they are not identified "
            "by the survey, and what an answer owes to them is assumed.")
