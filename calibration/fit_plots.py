"""Figures for calibration: observed vs simulated shares, posterior marginals, sensitivity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.catalogue import COORDINATORS, TABLE2_IDS, activity
from sim.parameters import PARAMETERS

COLOURS = {"municipality": "#1f5f8b", "voluntary": "#d9822b", "together": "#4a9c59"}
LABELS = {"municipality": "Municipality", "voluntary": "Voluntary organisation",
          "together": "Together"}


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A figure and its axes, without pyplot: no GUI backend, no global figure state."""
    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(nrows, ncols, **kwargs)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=150, bbox_inches="tight")
    tmp.replace(path)
    return path


def plot_fit(shares: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Observed shares (95% BCa) beside simulated medians (90% predictive), per activity."""
    fig, ax = new_figure(figsize=(10, 4.8))
    width = 0.13
    for j, coord in enumerate(COORDINATORS):
        rows = shares[shares.coordinator == coord].set_index("activity").loc[list(TABLE2_IDS)]
        x = np.arange(len(TABLE2_IDS)) + (j - 1) * 2.2 * width
        obs_err = np.array([rows.observed - rows.low_95.fillna(rows.observed),
                            rows.high_95.fillna(rows.observed) - rows.observed])
        sim_err = np.array([rows.sim_median - rows.sim_low_90,
                            rows.sim_high_90 - rows.sim_median])
        ax.errorbar(x - width / 2, 100 * rows.observed, yerr=100 * obs_err, fmt="o",
                    color=COLOURS[coord], capsize=3, label=f"{LABELS[coord]}: observed (95% BCa)")
        ax.errorbar(x + width / 2, 100 * rows.sim_median, yerr=100 * np.maximum(sim_err, 0),
                    fmt="s", mfc="white", color=COLOURS[coord], capsize=3,
                    label=f"{LABELS[coord]}: simulated (90% predictive)")
    ax.set_xticks(np.arange(len(TABLE2_IDS)))
    ax.set_xticklabels([_short(a) for a in TABLE2_IDS], fontsize=9)
    ax.set_ylabel("Share of units coordinating the activity (%)")
    ax.set_ylim(0, 105)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title or "Who coordinates: observed 2015 survey vs calibrated model")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              frameon=False)
    return save_figure(fig, path)


SHORT_LABELS = {
    "social": "Social\nactivities", "cultural_nursing_home": "Cultural\n(nursing homes)",
    "physical": "Physical\nactivity", "cultural_home_care": "Cultural\n(home care)",
    "food_delivery": "Food delivery\n(statutory)", "day_centre": "Day centres\n(statutory)",
}


def _short(activity_id: str) -> str:
    return SHORT_LABELS.get(activity_id, activity(activity_id).label)


def plot_posterior(particles: pd.DataFrame, weights: np.ndarray, path: Path) -> Path:
    """Weighted posterior histogram of each free parameter over its prior range."""
    names = list(particles.columns)
    cols = 5
    rows = int(np.ceil(len(names) / cols))
    fig, axes = new_figure(rows, cols, figsize=(3 * cols, 2.4 * rows))
    for ax, name in zip(np.ravel(axes), names, strict=False):
        p = PARAMETERS[name]
        ax.hist(particles[name], bins=20, range=(p.low, p.high), weights=weights,
                color="#1f5f8b", alpha=0.8)
        ax.axhline(1 / 20, color="grey", lw=1, ls="--")
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    for ax in np.ravel(axes)[len(names):]:
        ax.axis("off")
    fig.suptitle("Posterior (bars) against the uniform prior (dashed)", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_sensitivity(table: pd.DataFrame, path: Path, value: str = "mu_star") -> Path:
    """Heat map of each parameter's influence on each simulated share."""
    pivot = table.pivot(index="parameter", columns="output", values=value)
    fig, ax = new_figure(figsize=(max(8, 0.45 * pivot.shape[1]), 0.5 * pivot.shape[0] + 2))
    im = ax.imshow(pivot.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(pivot.shape[1]))
    ax.set_xticklabels(pivot.columns, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(pivot.shape[0]))
    ax.set_yticklabels(pivot.index, fontsize=8)
    fig.colorbar(im, ax=ax, label=f"Morris {value} (share units)")
    ax.set_title("Global sensitivity of simulated shares to each parameter (Morris)")
    return save_figure(fig, path)
