"""Figures comparing scenarios: differences from baseline, shares, time paths."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.fit_plots import COLOURS, LABELS, new_figure, save_figure
from scenarios.attribution import ASSUMED, CHANCE, NARROWED, RESIDUAL, STRENGTHS, WORLD
from sim.outcomes import HEADLINE, outcome


def _label(name: str) -> str:
    return name.replace("_", " ")


def plot_differences(table: pd.DataFrame, baseline: str, path: Path) -> Path:
    """Each scenario's difference from baseline (median, 90% interval) per key outcome."""
    others = [s for s in table.scenario.unique() if s != baseline]
    fig, axes = new_figure(2, (len(HEADLINE) + 1) // 2, figsize=(16, 7))
    for ax, name in zip(axes.ravel(), HEADLINE, strict=False):
        o = outcome(name)
        title, scale, unit = o.label, o.scale, o.difference_unit()
        rows = table[(table.outcome == name) & table.scenario.isin(others)]
        rows = rows.set_index("scenario").reindex(others)
        y = np.arange(len(others))
        err = np.array([rows.diff_median - rows.diff_low_90, rows.diff_high_90
                        - rows.diff_median]) * scale
        ax.errorbar(rows.diff_median * scale, y, xerr=np.maximum(err, 0), fmt="o",
                    color="#1f5f8b", capsize=3)
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(y)
        ax.set_yticklabels([_label(s) for s in others], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"difference from {_label(baseline)} ({unit})", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("What each policy changes after the horizon, against the baseline "
                 "(median and 90% interval over paired runs)", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_shares(table: pd.DataFrame, baseline: str, path: Path) -> Path:
    """Who coordinates, by scenario: median shares of the last weeks' activities."""
    scenarios = [baseline, *[s for s in table.scenario.unique() if s != baseline]]
    fig, ax = new_figure(figsize=(10, 4.5))
    left = np.zeros(len(scenarios))
    for coord in ("municipality", "voluntary", "together"):
        rows = table[table.outcome == f"share_{coord}"].set_index("scenario").reindex(scenarios)
        width = rows["median"].to_numpy() * 100
        ax.barh(range(len(scenarios)), width, left=left, color=COLOURS[coord],
                label=LABELS[coord])
        for i, (w, lft) in enumerate(zip(width, left, strict=True)):
            if w > 6:
                ax.text(lft + w / 2, i, f"{w:.0f}%", ha="center", va="center", color="white",
                        fontsize=8)
        left += width
    ax.set_yticks(range(len(scenarios)))
    ax.set_yticklabels([_label(s) for s in scenarios])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of volunteer activities at the horizon (%)")
    ax.set_title("Who coordinates volunteer activities, by scenario (median over runs)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.32), ncol=3, frameon=False)
    return save_figure(fig, path)


def plot_timeseries(series: dict[str, pd.DataFrame], path: Path) -> Path:
    """Median paths over runs (lines) with 90% bands, four outcomes, one colour per scenario."""
    panels = ["share_together", "share_municipality", "active_volunteers", "mean_trust"]
    fig, axes = new_figure(1, 4, figsize=(17, 4))
    for ax, key in zip(axes, panels, strict=True):
        title, scale, unit = outcome(key).label, outcome(key).scale, outcome(key).unit
        for name, frame in series.items():
            if frame.empty:
                continue
            by_week = frame.groupby("week")[key]
            med = by_week.median() * scale
            lo, hi = by_week.quantile(0.05) * scale, by_week.quantile(0.95) * scale
            line, = ax.plot(med.index / 52, med.to_numpy(), label=_label(name),
                            lw=2.2 if name == "baseline" else 1.3)
            ax.fill_between(med.index / 52, lo.to_numpy(), hi.to_numpy(),
                            color=line.get_color(), alpha=0.12, lw=0)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("years")
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, frameon=False)
    fig.suptitle("Paths over the horizon: median over runs and 90% band", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


ATTRIBUTION_COLOURS = {NARROWED: "#1f5f8b", WORLD: "#6f8fa8", ASSUMED: "#c0392b",
                       STRENGTHS: "#d9822b", CHANCE: "#9a9a9a", RESIDUAL: "#cfcfcf"}


def plt_patch(colour: str):
    """A legend swatch."""
    from matplotlib.patches import Patch

    return Patch(color=colour)


def plot_attribution(table: pd.DataFrame, path: Path) -> Path:
    """Where each policy effect's variance comes from, per headline outcome.

    Stacked bars per scenario: the shares due to what the survey narrowed, the assumed
    world inputs, the assumed policy strengths and chance (:mod:`scenarios.attribution`;
    a group the design cannot separate has no bar).
    """
    groups = table[table.input.isin(ATTRIBUTION_COLOURS)]
    scenarios = list(dict.fromkeys(groups.scenario))
    fig, axes = new_figure(2, (len(HEADLINE) + 1) // 2, figsize=(16, 2 + 0.5 * len(scenarios)
                                                                  * 2))
    for ax, name in zip(axes.ravel(), HEADLINE, strict=False):
        rows = groups[groups.outcome == name].pivot_table(index="scenario", columns="input",
                                                          values="share")
        rows = rows.reindex(scenarios)
        left = np.zeros(len(scenarios))
        for group, colour in ATTRIBUTION_COLOURS.items():
            width = rows[group].fillna(0).to_numpy() if group in rows else np.zeros(len(left))
            ax.barh(range(len(scenarios)), width, left=left, color=colour, label=group)
            left += width
        ax.set_yticks(range(len(scenarios)))
        ax.set_yticklabels([_label(s) for s in scenarios], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(outcome(name).label, fontsize=9)
        ax.set_xlabel("share of the effect's variance", fontsize=8)
    # One legend below the panels, for the groups this table has (not over a bar).
    shown = [g for g in ATTRIBUTION_COLOURS if g in set(groups.input)]
    handles = [plt_patch(ATTRIBUTION_COLOURS[g]) for g in shown]
    fig.legend(handles, shown, loc="lower center", ncol=len(shown), fontsize=8)
    fig.suptitle("Where each policy effect's uncertainty comes from: what the survey "
                 "narrowed, what is assumed, chance", fontsize=11)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save_figure(fig, path)


READING_COLOURS = ("#1f5f8b", "#c0392b", "#2e8b57", "#8e44ad", "#d9822b")


def plot_policy_response(frame: pd.DataFrame, path: Path) -> Path:
    """The local policy's effect against each route's strength, per reading.

    One panel per headline outcome (rows) and route (columns): the median effect in each
    bin of the route's range, with the 90% band of the runs in it
    (:mod:`scenarios.policy_response`); one colour per reading, "all" in black.
    """
    outcomes = [o for o in HEADLINE if o in set(frame.outcome)][:4]
    routes = list(dict.fromkeys(frame.route))
    fig, axes = new_figure(max(len(outcomes), 1), max(len(routes), 1),
                           figsize=(4.2 * max(len(routes), 1), 2.8 * max(len(outcomes), 1)))
    axes = np.atleast_2d(axes).reshape(max(len(outcomes), 1), max(len(routes), 1))
    readings = list(dict.fromkeys(frame.reading))
    for i, name in enumerate(outcomes):
        o = outcome(name)
        for j, route in enumerate(routes):
            ax = axes[i, j]
            for k, reading in enumerate(readings):
                rows = frame[(frame.outcome == name) & (frame.route == route)
                             & (frame.reading == reading)].sort_values("bin_low")
                mid = (rows.bin_low + rows.bin_high) / 2
                colour = "black" if reading == "all" else \
                    READING_COLOURS[k % len(READING_COLOURS)]
                ax.fill_between(mid, o.scale * rows.low_90, o.scale * rows.high_90,
                                color=colour, alpha=0.12 if reading == "all" else 0.08)
                ax.plot(mid, o.scale * rows["median"], "o-", color=colour, ms=3,
                        label=reading)
            ax.axhline(0, color="grey", lw=0.8)
            if i == 0:
                ax.set_title(f"{_label(route)} (assumed strength)", fontsize=9)
            if i == len(outcomes) - 1:
                ax.set_xlabel("route strength (its documented range)", fontsize=8)
            if j == 0:
                ax.set_ylabel(f"{o.label}\n({o.difference_unit()})", fontsize=8)
            ax.grid(alpha=0.3)
    if len(readings) > 1:
        axes[0, 0].legend(fontsize=7, title="reading", title_fontsize=7)
    fig.suptitle("A local volunteer policy's effect against what is assumed of each route "
                 "(median and 90% of runs per quarter of the route's range)", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


# Your municipality and the adopters in the over-time figure (all municipalities: CSV).
OVER_TIME_GROUPS = {"own": ("your municipality", "#b5452b"),
                    "adopters": ("the adopters", "#1f5f8b")}


def plot_effect_by_year(table: pd.DataFrame, path: Path,
                        outcomes: Mapping[str, tuple[str, str]]) -> Path | None:
    """The paired effect year by year: a row per scenario, a panel per key outcome.

    ``table``: :mod:`scenarios.over_time`'s rows; ``outcomes``: the panels, each
    outcome's label and unit. Median line and 90% band over paired runs, for one's own
    municipality and the adopters, in the scenarios that have them (None, and no
    figure, when none has).
    """
    from matplotlib.ticker import MaxNLocator

    from scenarios.ensemble import SNAPSHOT_YEAR
    from sim.world import WEEKS_PER_YEAR

    keys = tuple(outcomes)

    # Scenarios with one's own municipality or adopters (all municipalities: the CSV).
    shown = table[table.group.isin(list(OVER_TIME_GROUPS))
                  & np.isfinite(table.diff_median.astype(float))]
    scenarios = list(dict.fromkeys(shown.scenario))
    if not scenarios:
        return None
    fig, axes = new_figure(len(scenarios), len(keys),
                           figsize=(4 * len(keys), 2.9 * len(scenarios) + 0.8),
                           squeeze=False)
    for i, name in enumerate(scenarios):
        for j, key in enumerate(keys):
            ax = axes[i, j]
            label, unit = outcomes[key]
            for group, (words, colour) in OVER_TIME_GROUPS.items():
                rows = table[(table.scenario == name) & (table.group == group)
                             & (table.outcome == key)].sort_values("year")
                if rows.empty or not np.isfinite(rows.diff_median.astype(float)).any():
                    continue
                # Placed at the year's last week (a shorter last year where it ends).
                x = SNAPSHOT_YEAR + rows.week.to_numpy(float) / WEEKS_PER_YEAR
                ax.fill_between(x, rows.diff_low_90.astype(float),
                                rows.diff_high_90.astype(float), color=colour, alpha=0.18,
                                lw=0)
                ax.plot(x, rows.diff_median.astype(float), color=colour, marker="o",
                        ms=3, label=words)
            ax.axhline(0, color="grey", lw=1)
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(f"{_label(name)}: {label}", fontsize=8)
            ax.set_ylabel("points" if unit == "percentage points" else unit, fontsize=7)
            ax.tick_params(labelsize=7)
            if i == len(scenarios) - 1:
                ax.set_xlabel("year (the switch at the 2015 snapshot)", fontsize=7)
            if i == 0 and j == 0 and ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
    fig.suptitle("The paired effect year by year from the switch (scenario − baseline, run "
                 "for run): median and 90% band", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)
