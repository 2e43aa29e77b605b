"""Where a policy effect's uncertainty comes from: what the survey narrowed, the assumed, chance.

An ensemble crosses draws of the world (the free parameters and every assumption acting
before 2015) with draws of the policy strengths (the assumptions acting only after 2015,
which the survey cannot speak to) and runs each cell with several seeds
(:func:`scenarios.ensemble.build_tasks`); a scenario's effect on an outcome is its value
minus the baseline's on the paired run. The world's inputs are of two kinds, told apart
by a test on the posterior (:mod:`calibration.narrowing`): those the survey *narrowed*,
and those it left as they were (*not identified*: their values, such as the local
policy's routes and reading, are assumed, not data). The groups are

* ``narrowed by the survey`` — the world inputs the survey narrowed;
* ``assumed: before 2015`` — the world inputs it did not narrow;
* ``assumed: policy strengths`` — the inputs acting only after 2015;
* ``chance`` — the seeds.

**Method.** Each group is a factor of a balanced crossed design; a random-effects
analysis of variance (method of moments: E[MS_T] = σ²_e + Σ_{T' ⊇ T} c_{T'} σ²_{T'},
solved from the highest interaction down, negative components set to 0) splits the
effect's variance into main effects, interactions and σ²_e; each interaction is shared
equally among its factors, which is the Shapley value of the variance game for
independent factors (Owen 2014; Song, Nelson & Staum 2016), so the group shares sum to 1.
The groups are independent only where the design draws them independently. Two designs:

* *factored worlds* (:func:`factored_worlds`): every narrowed part of a posterior draw
  meets every draw of the un-narrowed inputs over their prior ranges. The groups are
  independent by construction; the design is sound where the un-narrowed inputs are
  what the test says, inputs the survey is indifferent to, which
  ``tests/test_attribution.py`` checks by simulating the 2015 survey of factored and of
  joint worlds (their distances to the observed table agree);
* *joint worlds* (a posterior draw as one unit, the default design): the narrowed and
  the un-narrowed inputs of a draw are dependent (one posterior), and tens of draws
  cannot estimate the conditional variances a Shapley split of dependent inputs needs.
  Their joint share is given (``world: narrowed and assumed before 2015``), and both of
  its groups say "not separable" rather than a number. If the survey narrowed nothing
  (or everything), the world is wholly one group.

With one seed per draw the highest interaction and chance share a mean square: the row
``chance or interaction`` holds them and ``chance`` says "not separable", never 0.

Each share has a 90% interval from a bootstrap over every factor's draws (each resampled).
Single strengths are split as before: the R² of a straight line through the strength
draws' marginal means, times the strengths' main share, listed only where the line beats
chance (F test, 5% over the strengths tested). For the world inputs asked for (the local
policy's routes), the rank correlation of the effect with the input across the draws of
the factor that holds it: which input the effect goes with, not a share of its variance,
in its own column ``rank_correlation``.

``attribution.csv``: ``scenario, outcome, input, kind, share, low_90, high_90,
rank_correlation, note``; ``kind`` is ``group``, ``single`` (a strength's share),
``association`` (a world input's rank correlation; ``low_90, high_90`` are its interval)
or ``left out`` (an outcome not attributed, ``note`` says why). Every note is a row's
``note``, not only a line on the console.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration.posterior import Posterior
from runtime.words import listing
from scenarios.effects import KEY
from sim.errors import InputError
from sim.parameters import ASSUMPTIONS, PARAMETERS, from_unit

# A line through fewer draws explains them by chance: single inputs are estimated only
# with at least this many draws of the policy strengths.
MIN_DRAWS_FOR_SINGLES = 8
NARROWED, ASSUMED, STRENGTHS, CHANCE = (
    "narrowed by the survey", "assumed: before 2015", "assumed: policy strengths", "chance")
WORLD = "world: narrowed and assumed before 2015"  # a joint draw of both groups
RESIDUAL = "chance or interaction"  # one seed per draw: not separable
GROUPS = (NARROWED, ASSUMED, WORLD, STRENGTHS, CHANCE, RESIDUAL)
BOOTSTRAP = 200  # resamples of the draws for the 90% intervals
COLUMNS = ["scenario", "outcome", "input", "kind", "share", "low_90", "high_90",
           "rank_correlation", "note"]
NOT_SEPARABLE_SEED = ("not separable: one seed per draw, so chance and the highest "
                      "interaction share one mean square (see 'chance or interaction')")
NOT_SEPARABLE_WORLD = ("not separable: the design draws whole worlds, whose narrowed and "
                       "assumed inputs are dependent; their joint share is the row '"
                       + WORLD + "' (run with the un-narrowed inputs as their own factor, "
                       "scenarios.attribution.factored_worlds, to split it)")
ONCE = "drawn once in this ensemble: it does not vary, so it carries none of this variance"
NO_TEST = ("which world inputs the survey narrowed is not known here (no posterior to "
           "test): the world's share is narrowed and assumed inputs together")


# ---------------------------------------------------------------- variance components

@dataclass(frozen=True)
class Components:
    """Variance components of a balanced crossed design with replicates.

    ``terms`` maps each non-empty set of factor names to its component σ²_T (the highest
    set's component is folded into ``residual`` when there is one replicate); ``chance``
    is σ²_e, NaN with one replicate.
    """

    factors: tuple[str, ...]
    terms: dict
    chance: float
    residual: float  # with one replicate: σ²_e + σ²_(all factors); else 0
    marginal: dict  # factor -> its marginal means (per draw of that factor)

    @property
    def total(self) -> float:
        """Sum of every component."""
        return (sum(self.terms.values()) + (self.chance if np.isfinite(self.chance) else 0)
                + self.residual)

    def shares(self) -> dict[str, float]:
        """Shapley share of each factor (interactions split equally), chance, residual."""
        total = self.total
        out = {}
        for f in self.factors:
            mine = sum(v / len(t) for t, v in self.terms.items() if f in t)
            out[f] = mine / total if total > 0 else np.nan
        out[CHANCE] = self.chance / total if total > 0 and np.isfinite(self.chance) \
            else np.nan
        if not np.isfinite(self.chance):
            out[RESIDUAL] = self.residual / total if total > 0 else np.nan
        return out


def components(cube: np.ndarray, factors: tuple[str, ...] | None = None) -> Components:
    """Variance components of ``cube[f1, ..., fk, replicate]`` (random crossed factors).

    A factor with a single draw cannot vary and is left out. Method of moments: sums of
    squares of the Möbius-decomposed cell means, E[MS_T] = σ²_e + Σ_{T'⊇T} c_{T'} σ²_{T'}
    with c_{T'} = R Π_{f∉T'} n_f, solved from the highest interaction down; negative
    estimates are set to 0 at the end.
    """
    cube = np.asarray(cube, float)
    k = cube.ndim - 1
    factors = tuple(factors or (f"f{i}" for i in range(k)))
    keep = [i for i in range(k) if cube.shape[i] > 1]
    cube = cube.reshape([cube.shape[i] for i in keep] + [cube.shape[-1]])
    factors = tuple(factors[i] for i in keep)
    k, r = len(factors), cube.shape[-1]
    sizes = cube.shape[:-1]
    cell = cube.mean(axis=-1)
    marginal = {f: cell.mean(axis=tuple(j for j in range(k) if j != i))
                for i, f in enumerate(factors)}
    subsets = [frozenset(c) for n in range(k, 0, -1)
               for c in itertools.combinations(range(k), n)]

    def mean_over_others(keep_axes: frozenset) -> np.ndarray:
        drop = tuple(j for j in range(k) if j not in keep_axes)
        return cell.mean(axis=drop, keepdims=True) if drop else cell

    ms = {}
    for t in subsets:
        effect = sum((-1) ** (len(t) - len(s)) * mean_over_others(frozenset(s))
                     for n in range(len(t) + 1) for s in itertools.combinations(sorted(t), n))
        ss = r * float(np.sum(np.broadcast_to(effect, cell.shape) ** 2))
        df = int(np.prod([sizes[j] - 1 for j in t]))
        ms[t] = ss / df
    coef = {t: r * int(np.prod([sizes[j] for j in range(k) if j not in t])) for t in subsets}
    full = frozenset(range(k))
    if r > 1:
        chance = float(np.sum((cube - cell[..., None]) ** 2)) / (int(np.prod(sizes)) * (r - 1))
        residual, floor = 0.0, chance
    else:  # σ²_e and the highest interaction share MS_full
        chance, residual, floor = np.nan, ms[full] if k else 0.0, ms[full] if k else 0.0
    raw = {}
    for t in subsets:
        if r == 1 and t == full:
            continue
        above = sum(coef[u] * raw[u] for u in raw if t < u)
        raw[t] = (ms[t] - floor - above) / coef[t]
    terms = {frozenset(factors[j] for j in t): max(0.0, v) for t, v in raw.items()}
    return Components(factors, terms, chance, residual, marginal)


# ---------------------------------------------------------------- the design

@dataclass(frozen=True)
class Design:
    """The effects as a crossed cube and what each factor's draws hold."""

    cube: np.ndarray  # (factor draws ..., replicates)
    factors: tuple[str, ...]  # group names, in the cube's axis order
    values: dict  # factor -> DataFrame of its inputs, one row per draw (cube order)
    notes: dict  # group -> note for its row
    order: np.ndarray | None = None  # each cube cell's row in the effects it was built of

    def of_effect(self, effect: np.ndarray) -> Design:
        """The same design holding another outcome's effects, row for row as the first.

        ``effect``: one value per row of the effects this design was built of, in their
        order (every outcome of one scenario's paired runs shares those rows), so the
        design, a pandas merge and sort per outcome, is made once per scenario.
        """
        cube = np.asarray(effect, float)[self.order].reshape(self.cube.shape)
        return Design(cube, self.factors, self.values, self.notes, self.order)


def _crossed_parts(worlds: pd.DataFrame, world: tuple[str, ...]):
    """The two parts of factored world draws, or None when the draws are joint.

    Columns that split the world draws the same way belong to one part; the draws are
    factored when exactly two such parts exist and every value of one meets every value
    of the other once.
    """
    varying = [c for c in world if c in worlds and worlds[c].nunique() > 1]
    parts: dict[tuple, list[str]] = {}
    for c in varying:
        # Labels in order of first appearance: one partition, one key, whatever values.
        parts.setdefault(tuple(pd.factorize(worlds[c])[0].tolist()), []).append(c)
    if len(parts) != 2:
        return None
    (code_a, cols_a), (code_b, cols_b) = parts.items()
    n_a, n_b = len(set(code_a)), len(set(code_b))
    if n_a * n_b != len(worlds) or len(set(zip(code_a, code_b, strict=True))) != len(worlds):
        return None
    return (tuple(cols_a), np.array(code_a)), (tuple(cols_b), np.array(code_b))


def _codes(frame: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """An integer code per row for the distinct combinations of ``columns``."""
    if not columns:
        return np.zeros(len(frame), dtype=int)
    return frame.groupby(list(columns), sort=True, dropna=False).ngroup().to_numpy()


ROW = "__effect_row"  # a paired run's position, carried through the merge and sort


def build_design(effects: pd.DataFrame, design: pd.DataFrame, world: tuple[str, ...],
                 narrowed: tuple[str, ...] | None, strengths: tuple[str, ...] = ()
                 ) -> Design | str:
    """The effects arranged by factor, or a reason why they cannot be.

    Factored when every narrowed part meets every un-narrowed part exactly once among the
    world draws; joint otherwise.
    """
    frame = effects.assign(**{ROW: np.arange(len(effects))}).merge(design, on=KEY)
    if len(frame) < len(effects):
        return "its paired runs do not fill the design (world draws × strength draws × seeds)"
    worlds = design.groupby("posterior_draw").first().sort_index()
    world = tuple(c for c in world if c in worlds and worlds[c].nunique() > 1)
    notes = {}
    crossed = _crossed_parts(worlds, world) if narrowed is not None else None
    if crossed is not None:
        # The part holding narrowed inputs is the survey's; the other is assumed.
        (cols_a, code_a), (cols_b, code_b) = crossed
        if any(c in narrowed for c in cols_b):
            (cols_a, code_a), (cols_b, code_b) = (cols_b, code_b), (cols_a, code_a)
        world_axes = {NARROWED: dict(zip(worlds.index, code_a, strict=True)),
                      ASSUMED: dict(zip(worlds.index, code_b, strict=True))}
        parts = {NARROWED: cols_a, ASSUMED: cols_b}
        held = [c for c in cols_a if c not in narrowed]
        if held:
            notes[NARROWED] = (f"also holds {len(held)} inputs the survey did not narrow one "
                               f"by one but constrains together ({', '.join(held)}): drawn "
                               "with the posterior, as the survey accepts them")
        wrong = [c for c in cols_b if c in narrowed]
        if wrong:
            notes[ASSUMED] = ("holds inputs the survey narrowed, drawn over their priors ("
                              + ", ".join(wrong) + "): their share is counted as assumed")
    else:
        n_part = tuple(c for c in world if narrowed is not None and c in narrowed)
        u_part = tuple(c for c in world if narrowed is not None and c not in narrowed)
        if narrowed is None:
            group = WORLD
            notes[WORLD] = NO_TEST
        elif n_part and u_part:
            group = WORLD
            notes[NARROWED] = notes[ASSUMED] = NOT_SEPARABLE_WORLD
        else:
            group = NARROWED if n_part else ASSUMED
        world_axes = {group: {p: i for i, p in enumerate(worlds.index)}}
        parts = {group: world}
    for group, mapping in world_axes.items():
        frame[group] = frame.posterior_draw.map(mapping)
    frame[STRENGTHS] = frame.assumption_draw.rank(method="dense").astype(int) - 1
    factors = (*world_axes, STRENGTHS)
    sizes = [frame[f].nunique() for f in factors]
    n_r = frame.replicate.nunique()
    if len(frame) != int(np.prod(sizes)) * n_r:
        return "its paired runs do not fill the design (world draws × strength draws × seeds)"
    frame = frame.sort_values([*factors, "replicate"])
    cube = frame.effect.to_numpy(float).reshape(*sizes, n_r)
    order = frame[ROW].to_numpy()
    values = {}
    for group, columns in parts.items():
        first = frame.groupby(group).first().sort_index()
        values[group] = first[[c for c in columns if c in first]]
    strength_draws = frame.groupby(STRENGTHS).first().sort_index()
    values[STRENGTHS] = strength_draws[[c for c in strength_draws.columns
                                        if c in strengths or c in ASSUMPTIONS]]
    if n_r == 1:
        notes[CHANCE] = NOT_SEPARABLE_SEED
    return Design(cube, factors, values, notes, order)


FACTORED = " | factored: "  # marks a factored posterior's source (see narrowed_of)


def factored_worlds(posterior, apart: tuple[str, ...], *, narrowed_draws: int,
                    assumed_draws: int, rng) -> pd.DataFrame:
    """Worlds in which the inputs ``apart`` are their own factor.

    ``narrowed_draws`` distinct posterior particles (drawn by weight, without
    replacement, so that each part is its own level) give every input but ``apart``;
    ``assumed_draws`` draws of the ``apart`` inputs over their prior ranges (a Latin
    hypercube; a column of labels, such as a reading, drawn among its labels in turn)
    give the rest; every kept part meets every drawn-apart part once, kept part first:
    row ``i * assumed_draws + j``. Sound for the inputs an :func:`acceptance_check`
    accepts.
    """
    from scipy.stats import qmc

    gen = np.random.default_rng(rng)
    columns = list(posterior.particles.columns)
    assumed = [c for c in columns if c in apart]
    idx = gen.choice(len(posterior.weights), size=narrowed_draws, replace=False,
                     p=posterior.weights)
    left = posterior.particles.iloc[idx][[c for c in columns if c not in apart]]
    numeric = [c for c in assumed if pd.api.types.is_numeric_dtype(posterior.particles[c])]
    right = pd.DataFrame(index=range(assumed_draws))
    if numeric:
        unit = qmc.LatinHypercube(d=len(numeric), seed=int(gen.integers(2**63))) \
            .random(assumed_draws)
        # Each over its range as a prior draw is (a reading takes whole levels).
        for j, c in enumerate(numeric):
            right[c] = from_unit(c, unit[:, j])
    for c in assumed:
        if c not in numeric:
            labels = sorted(posterior.particles[c].astype(str).unique())
            right[c] = [labels[k] for k in gen.permutation(assumed_draws) % len(labels)]
    rows = [{**a, **b} for a in left.to_dict("records") for b in right.to_dict("records")]
    return pd.DataFrame(rows, columns=columns)


def factored_posterior(posterior, apart: tuple[str, ...], *, narrowed_draws: int,
                       assumed_draws: int, rng):
    """A posterior whose draws are :func:`factored_worlds`, in order, for an ensemble.

    Its ``draws(n, rng)`` returns the ``narrowed_draws × assumed_draws`` worlds in their
    order (``n`` must be that many), so an ensemble run on it
    (:func:`scenarios.ensemble.run_ensembles`, ``draws`` = that product) is the factored
    design; its source names the posterior it came from and how it was factored.
    """
    worlds = factored_worlds(posterior, apart, narrowed_draws=narrowed_draws,
                             assumed_draws=assumed_draws, rng=rng)
    source = (f"{posterior.source.split(FACTORED)[0]}{FACTORED}{narrowed_draws} posterior "
              f"draws x {assumed_draws} draws over their prior ranges of "
              + ", ".join(apart))
    manifest = {**posterior.manifest, "apart": list(apart)}
    return FactoredPosterior(worlds, np.full(len(worlds), 1 / len(worlds)), source, manifest)


@dataclass(frozen=True)
class AcceptanceCheck:
    """Whether drawing some inputs apart leaves worlds the survey accepts (paired runs)."""

    apart: tuple[str, ...]
    joint: np.ndarray  # distances to the observed survey of posterior draws
    swapped: np.ndarray  # the same draws and seeds, ``apart`` drawn over their priors
    p_value: float  # one-sided Wilcoxon signed-rank: swapped farther than joint

    @property
    def accepted(self) -> bool:
        """True when the swapped worlds are not farther from the survey (at 5%)."""
        return self.p_value > 0.05

    def sentence(self) -> str:
        """The check in words."""
        verdict = ("stay worlds the survey accepts" if self.accepted else
                   "are farther from the survey: it constrains these inputs together")
        return (f"Drawn over their priors, apart from the posterior ({len(self.joint)} paired "
                f"draws and seeds), {len(self.apart)} inputs give 2015 surveys at median "
                f"distance {np.median(self.swapped):.3g} from the observed table against "
                f"{np.median(self.joint):.3g} for the joint draws (one-sided p = "
                f"{self.p_value:.2g}): the worlds {verdict}.")


def acceptance_check(posterior, apart: tuple[str, ...], *, draws: int = 96, rng=0,
                     workers: int = 1) -> AcceptanceCheck:
    """Simulate the 2015 survey of posterior draws with and without ``apart`` redrawn.

    Each of ``draws`` posterior draws (resampled by weight) is run twice with one seed:
    as drawn, and with the ``apart`` inputs replaced by draws over their prior ranges.
    The distances of both virtual surveys to the observed Table 2
    (:class:`calibration.summary.SurveyDistance`, the calibration's) are compared pair by
    pair. A factored design (:func:`factored_posterior`) is sound for the inputs a check
    accepts.
    """
    from scipy.stats import wilcoxon

    from calibration.observed_survey import load_table2
    from calibration.predictive_check import FIT_STEPS, survey_counts_task
    from calibration.summary import SurveyDistance, observed_summary, summarise_counts
    from runtime.pool import Task, run_tasks, spawn_seeds

    gen = np.random.default_rng(rng)
    joint = posterior.draws(draws, gen)
    swapped = [dict(w) for w in joint]
    for name in apart:
        for world, u in zip(swapped, gen.random(draws), strict=True):
            world[name] = from_unit(name, u)
    seeds = spawn_seeds(gen.integers(2**63), draws)
    tasks = [Task(w, FIT_STEPS, s, "survey2015") for w, s in
             zip([*joint, *swapped], [*seeds, *seeds], strict=True)]
    counts = run_tasks(survey_counts_task, tasks, workers=workers, progress=False,
                       label="acceptance check")
    observed = observed_summary(load_table2())
    distance = SurveyDistance(observed)
    d = np.array([distance(summarise_counts(c), observed) for c in counts])
    p = float(wilcoxon(d[draws:], d[:draws], alternative="greater").pvalue)
    return AcceptanceCheck(tuple(apart), d[:draws], d[draws:], p)


def separable_inputs(posterior, candidates: tuple[str, ...], *, draws: int = 96, rng=0,
                     workers: int = 1) -> tuple[tuple[str, ...], list[AcceptanceCheck]]:
    """The candidates that can be drawn apart together, found one at a time.

    In the order given (the local policy's routes first, then the other inputs the
    survey did not narrow), each is added when the :func:`acceptance_check` of all added
    so far with it still accepts; every check made is returned beside the set.
    """
    gen = np.random.default_rng(rng)
    kept: list[str] = []
    checks = []
    for name in candidates:
        check = acceptance_check(posterior, (*kept, name), draws=draws,
                                 rng=int(gen.integers(2**63)), workers=workers)
        checks.append(check)
        if check.accepted:
            kept.append(name)
    return tuple(kept), checks


class FactoredPosterior(Posterior):
    """A posterior whose draws are its particles in order (:func:`factored_posterior`)."""

    def draws(self, n: int, rng) -> list[dict[str, float]]:
        """The factored worlds in order; ``n`` must be their number (``rng`` unused)."""
        if n != len(self.particles):
            raise InputError("draws", n, f"a factored design has exactly "
                             f"{len(self.particles)} worlds")
        return [{k: (float(v) if isinstance(v, int | float | np.number) else v)
                 for k, v in row.items()} for row in self.particles.to_dict("records")]


# ---------------------------------------------------------------- single inputs

def _line_r2(x: np.ndarray, y: np.ndarray) -> float:
    """R² of a least-squares line (0 when either does not vary)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1] ** 2)


def _null_r2(n: int, level: float = 0.95) -> float:
    """The R² a straight line through ``n`` points of noise exceeds with 1 − ``level``."""
    from scipy.stats import f

    if n <= 2:
        return 1.0
    crit = float(f.ppf(level, 1, n - 2))
    return crit / (crit + n - 2)


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (NaN when either does not vary)."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    rx, ry = (np.argsort(np.argsort(v, kind="stable"), kind="stable") for v in (x, y))
    return float(np.corrcoef(rx, ry)[0, 1])


def _summary(comp: Components, singles: dict[str, np.ndarray],
             linked: dict[str, tuple[str, np.ndarray]]) -> dict[str, float]:
    """Group shares, each strength's share and each world input's rank correlation."""
    out = comp.shares()
    total = comp.total
    main = comp.terms.get(frozenset({STRENGTHS}), 0.0)
    for name, x in singles.items():
        out[name] = (_line_r2(x, comp.marginal[STRENGTHS]) * main / total
                     if total > 0 and STRENGTHS in comp.marginal else np.nan)
    for name, (group, x) in linked.items():
        out[name] = (_rank_correlation(x, comp.marginal[group])
                     if group in comp.marginal else np.nan)
    return out


def arrange(effects: pd.DataFrame, design: pd.DataFrame, strengths: tuple[str, ...], *,
            world: tuple[str, ...] = (), narrowed: tuple[str, ...] | None = None
            ) -> Design | str:
    """:func:`build_design` with the world inputs :func:`attribute` describes."""
    world = world or tuple(c for c in design.columns if c in PARAMETERS
                           and c not in strengths and design[c].nunique() > 1
                           and design.groupby("posterior_draw")[c].nunique().max() == 1)
    if "policy_reading" in design.columns and "policy_reading" not in world:
        world = (*world, "policy_reading")  # a reading of the local policy is a world input
    return build_design(effects, design, world, narrowed, strengths)


def attribute(effects: pd.DataFrame, design: pd.DataFrame, strengths: tuple[str, ...],
              associated: tuple[str, ...] = (), *, world: tuple[str, ...] = (),
              narrowed: tuple[str, ...] | None = None, rng=0,
              arranged: Design | None = None) -> tuple[list[dict], str | None] | str:
    """Rows ``input, kind, share, low_90, high_90, rank_correlation, note``, and None.

    (The second element is kept for callers that unpack a note: every note is now in
    its row's ``note``.)

    ``effects``: ``draw, replicate, seed, effect`` per paired run
    (:func:`scenarios.effects.paired_differences`); ``design``: the scenario's
    ``inputs.csv``; ``strengths``: the policy strengths drawn (split singly);
    ``associated``: world inputs whose rank correlation with the effect is wanted;
    ``world``: the world inputs (default: the design's columns that vary with the world
    draw and are not strengths); ``narrowed``: those the survey narrowed
    (:mod:`calibration.narrowing`; None: not known). Returns a short reason instead when
    the design has gaps or the effect does not vary. ``arranged``: the design
    :func:`arrange` made of another outcome of the same paired runs, reused for these.
    """
    built = (arranged.of_effect(effects.effect.to_numpy(float)) if arranged is not None
             else arrange(effects, design, strengths, world=world, narrowed=narrowed))
    if isinstance(built, str):
        return built
    if not np.isfinite(built.cube).all():
        return "blank values"
    comp = components(built.cube, built.factors)
    if comp.total <= 0:
        return "the effect is the same in every run"
    if not comp.factors and not np.isfinite(comp.chance):
        return "one run per cell and nothing drawn: chance is not separable from anything"
    notes = dict(built.notes)
    strength_values = built.values.get(STRENGTHS, pd.DataFrame())
    n_a = len(strength_values)
    singles = [n for n in strengths if n in strength_values
               and strength_values[n].nunique() > 1]
    if singles and n_a < MIN_DRAWS_FOR_SINGLES:
        notes[STRENGTHS] = (f"too few draws of the policy strengths ({n_a}; at least "
                            f"{MIN_DRAWS_FOR_SINGLES}) to split their share by input")
        singles = []
    # Single strengths only where their line beats chance: the F test of its slope, at
    # 5% over all the strengths tested (Bonferroni).
    critical = _null_r2(n_a, 1 - 0.05 / max(len(singles), 1))
    single_values = {n: strength_values[n].to_numpy(float) for n in singles}
    single_values = {n: x for n, x in single_values.items()
                     if STRENGTHS in comp.marginal
                     and _line_r2(x, comp.marginal[STRENGTHS]) > critical}
    linked, few = {}, []
    for name in associated:
        for group, frame in built.values.items():
            if group == STRENGTHS or name not in frame or frame[name].nunique() < 2 \
                    or not pd.api.types.is_numeric_dtype(frame[name]):
                continue
            if len(frame) < MIN_DRAWS_FOR_SINGLES:
                few.append(f"too few draws of '{group}' ({len(frame)}; at least "
                           f"{MIN_DRAWS_FOR_SINGLES}) to say which of its inputs the "
                           "effect goes with")
            else:
                linked[name] = (group, frame[name].to_numpy(float))
    for note in dict.fromkeys(few):
        group = note.split("'")[1]
        notes[group] = "; ".join(filter(None, [notes.get(group), note]))
    point = _summary(comp, single_values, linked)
    boot = _bootstrap(built, single_values, linked, rng)
    kinds = {**{g: "group" for g in (*comp.factors, CHANCE, RESIDUAL)},
             **dict.fromkeys(single_values, "single"), **dict.fromkeys(linked, "association")}
    rows = []
    for name, value in point.items():
        draws = np.array([b.get(name, np.nan) for b in boot], dtype=float)
        low, high = (np.nanquantile(draws, [0.05, 0.95]) if np.isfinite(draws).any()
                     else (np.nan, np.nan))
        association = kinds[name] == "association"
        rows.append({"input": name, "kind": kinds[name],
                     "share": np.nan if association else value,
                     "low_90": float(low), "high_90": float(high),
                     "rank_correlation": value if association else np.nan,
                     "note": notes.pop(name, "")})
    # A group drawn once does not vary here: it carries none of this variance.
    for group in built.factors:
        if group not in comp.factors:
            rows.append({"input": group, "kind": "group", "share": 0.0, "low_90": 0.0,
                         "high_90": 0.0, "rank_correlation": np.nan,
                         "note": "; ".join(filter(None, [ONCE, notes.pop(group, "")]))})
    # Groups the design cannot give a number say so in a row of their own.
    for group, note in notes.items():
        rows.append({"input": group, "kind": "group", "share": np.nan, "low_90": np.nan,
                     "high_90": np.nan, "rank_correlation": np.nan, "note": note})
    return rows, None


def _bootstrap(built: Design, single_values: dict, linked: dict, rng) -> list[dict]:
    """The summary on :data:`BOOTSTRAP` resamples of every factor's draws."""
    gen = np.random.default_rng(rng)
    out = []
    for _ in range(BOOTSTRAP):
        idx = [gen.integers(n, size=n) for n in built.cube.shape[:-1]]
        cube = built.cube[np.ix_(*idx, np.arange(built.cube.shape[-1]))]
        pick = dict(zip(built.factors, idx, strict=True))
        out.append(_summary(components(cube, built.factors),
                            {n: x[pick[STRENGTHS]] for n, x in single_values.items()},
                            {n: (g, x[pick[g]]) for n, (g, x) in linked.items()}))
    return out


# ---------------------------------------------------------------- tables

def strengths_of(manifest: dict) -> tuple[str, ...]:
    """The policy strengths a scenario drew (its manifest's ``drawn_assumptions``)."""
    drawn = manifest.get("drawn_assumptions", []) if isinstance(manifest, dict) else []
    if not isinstance(drawn, list):
        return ()
    return tuple(n for n in drawn if isinstance(n, str) and n in ASSUMPTIONS)


def world_of(manifest: dict) -> tuple[str, ...]:
    """The world inputs a scenario drew from its posterior (``world_inputs``)."""
    found = manifest.get("world_inputs", []) if isinstance(manifest, dict) else []
    return tuple(n for n in found if isinstance(n, str)) if isinstance(found, list) else ()


def narrowed_of(manifest: dict, *, rng=0) -> tuple[str, ...] | None:
    """The world inputs the survey narrowed, for the posterior a scenario drew from.

    ``narrowed_inputs`` when the manifest records it; else the narrowing test
    (:func:`calibration.narrowing.posterior_narrowing`) of the shipped posterior or of
    the posterior folder the manifest names; None when neither is at hand.
    """
    if not isinstance(manifest, dict):
        return None
    recorded = manifest.get("narrowed_inputs")
    if isinstance(recorded, list) and all(isinstance(n, str) for n in recorded):
        return tuple(recorded)
    source = manifest.get("posterior")
    if not isinstance(source, str):
        return None
    return _narrowed_for(source.split(FACTORED)[0], rng)


@functools.lru_cache(maxsize=8)
def _narrowed_for(source: str, rng) -> tuple[str, ...] | None:
    """The narrowing test of the posterior ``source`` names (once per comparison)."""
    from calibration.narrowing import posterior_narrowing
    from calibration.posterior import load_posterior

    path = None if source.startswith("shipped") else source
    try:
        posterior = load_posterior(path)
    except (InputError, OSError):
        return None
    return posterior_narrowing(posterior, rng=rng).narrowed


def attribution_table(effects: dict[str, pd.DataFrame], designs: dict[str, pd.DataFrame],
                      names: tuple[str, ...], strengths: dict[str, tuple[str, ...]],
                      associated: tuple[str, ...] = (), *,
                      world: dict[str, tuple[str, ...]] | None = None,
                      narrowed: dict[str, tuple[str, ...] | None] | None = None
                      ) -> tuple[pd.DataFrame, list[str]]:
    """:data:`COLUMNS` for every policy, and notes.

    ``effects`` maps each policy to its paired differences from the baseline (index
    ``draw, replicate, seed``, one column per outcome); ``designs`` to its
    ``inputs.csv`` (None when the folder has none); ``names`` are the outcomes to
    attribute; ``strengths`` each policy's drawn strengths (split singly);
    ``associated`` the world inputs whose association with each effect is given;
    ``world`` and ``narrowed`` each policy's world inputs and those the survey narrowed
    (:func:`narrowed_of`; missing: not known). The group rows with a share sum to 1 for
    each (scenario, outcome). Whatever cannot be attributed is a ``left out`` row and a
    note, never dropped silently (a scenario with nothing attributed: a note only, for
    the comparison's manifest).
    """
    rows, notes = [], []
    for scenario, diff in effects.items():
        design = designs.get(scenario)
        if design is None:
            why = ("its folder has no inputs.csv (made before runs recorded their inputs; "
                   "run it again)")
            notes.append(f"attribution of {scenario} left out: {why}")
            continue
        left: dict[str, list[str]] = {}
        arranged = None  # every outcome's paired runs are the same rows: one design
        for name in names:
            if name not in diff.columns:
                left.setdefault("no value of the outcome", []).append(name)
                continue
            paired = diff[name].rename("effect").reset_index()
            if arranged is None:
                arranged = arrange(paired, design, strengths.get(scenario, ()),
                                   world=(world or {}).get(scenario, ()),
                                   narrowed=(narrowed or {}).get(scenario))
            if isinstance(arranged, str):  # a design with gaps has them for every outcome
                left.setdefault(arranged, []).append(name)
                continue
            found = attribute(paired, design, strengths.get(scenario, ()), associated,
                              rng=0, arranged=arranged)
            if isinstance(found, str):
                left.setdefault(found, []).append(name)
                continue
            found_rows, _ = found
            rows += [{"scenario": scenario, "outcome": name, **row} for row in found_rows]
        attributed = any(r["scenario"] == scenario for r in rows)
        for reason, outcomes in left.items():
            notes.append(f"attribution of {scenario} left out for {len(outcomes)} of "
                         f"{len(names)} outcomes ({', '.join(outcomes)}): {reason}")
            if attributed:  # beside the outcomes it has (a scenario with none: notes only)
                rows += [_left_out(scenario, o, reason) for o in outcomes]
        # One console line per note, naming the rows it stands on (the file has each).
        by_note: dict[str, list[str]] = {}
        for r in rows:
            if r["scenario"] == scenario and r["note"] and r["kind"] != "left out":
                by_note.setdefault(r["note"], [])
                if r["input"] not in by_note[r["note"]]:
                    by_note[r["note"]].append(r["input"])
        notes += [f"attribution of {scenario}: {' and '.join(inputs)}: {note}"
                  for note, inputs in by_note.items()]
    return pd.DataFrame(rows, columns=COLUMNS), notes


def _left_out(scenario: str, outcome: str, why: str) -> dict:
    return {"scenario": scenario, "outcome": outcome, "input": "", "kind": "left out",
            "share": np.nan, "low_90": np.nan, "high_90": np.nan,
            "rank_correlation": np.nan, "note": why}


# ---------------------------------------------------------------- words

GROUP_WORDS = {NARROWED: "what the 2015 survey narrowed",
               ASSUMED: "the world inputs the survey did not narrow (assumed)",
               WORLD: "the calibrated worlds (what the survey narrowed and what it did not, "
                      "together)",
               STRENGTHS: "the policy's assumed strengths",
               CHANCE: "chance",
               RESIDUAL: "chance or interaction (not separable with one seed per draw)"}


def share_words(share: float, low: float, high: float) -> str:
    """A share with no more precision than its 90% interval allows: 40% (20%–60%)."""
    if not np.isfinite(share):
        return "not separable"
    width = high - low if np.isfinite(low) and np.isfinite(high) else 1.0
    step = 0.1 if width > 0.3 else 0.05 if width > 0.1 else 0.01

    def r(x: float) -> str:
        return f"{100 * step * round(x / step):.0f}%"

    return r(share) + (f" ({r(low)}–{r(high)})" if np.isfinite(low) and np.isfinite(high)
                       else "")


def correlation_words(value: float, low: float, high: float) -> str:
    """A rank correlation to its own two decimals, never rounded past them (−0.95)."""
    return f"{value:+.2f} (90% {low:+.2f} to {high:+.2f})"


def uncertainty_sentence(rows: pd.DataFrame) -> str:
    """Where one effect's uncertainty comes from, in a sentence, from its rows.

    ``rows``: the attribution rows of one scenario and outcome (``attribution.csv``).
    Every group is named, the assumed ones as assumed; a group the design cannot give a
    number is "not separable", never 0.
    """
    groups = rows[rows.kind == "group"].set_index("input")
    parts, missing = [], []
    for name in (STRENGTHS, ASSUMED, NARROWED, WORLD, CHANCE, RESIDUAL):
        if name not in groups.index:
            continue
        r = groups.loc[name]
        words = GROUP_WORDS[name]
        held = str(r.note).split(" inputs the survey did not narrow")[0] \
            if str(r.note).startswith("also holds ") else ""
        if held:  # a factored design's kept part: said as what it is
            words = (f"the worlds the survey accepts (what it narrowed, with "
                     f"{held.removeprefix('also holds ')} inputs it constrains only together)")
        if np.isfinite(r.share):
            amount = "none" if r.share == 0 and r.high_90 == 0 else \
                share_words(r.share, r.low_90, r.high_90)
            parts.append(f"{amount} from {words}")
        else:
            missing.append(words)
    text = ""
    if parts:
        parts[0] = parts[0].replace(" from ", " comes from ", 1)
        text = f"Of that uncertainty, {listing(parts)}."
    if missing:
        text += " Not separable in this design: " + "; ".join(missing) + "."
    links = rows[(rows.kind == "association") & ((rows.low_90 > 0) | (rows.high_90 < 0))]
    if len(links):
        top = links.loc[links.rank_correlation.abs().idxmax()]
        text += (f" It goes most with {str(top.input).replace('_', ' ')} (rank correlation "
                 f"{correlation_words(top.rank_correlation, top.low_90, top.high_90)}).")
    return text.strip()
