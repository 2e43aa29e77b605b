"""The interactive dashboard: a Mesa SolaraViz app (``coprod dashboard`` serves it).

Choose a scenario and move its levers, run the model, and watch who coordinates each
activity, the volunteers and trust change week by week, next to the observed 2015 shares.
The model opens at the 2015 snapshot (after its spin-up); the levers take effect with the
first step.
The model starts from the shipped posterior's median. Choosing a scenario moves the lever
sliders to that scenario's values (the 2015 value where it sets none); each slider shows
its value, and RESET builds the model with the scenario and the sliders as shown.

Beside the single run, the scenario's ensemble band (median and 90% band over runs) is
drawn from ``<ensemble folder>/<scenario>/timeseries.csv`` as ``coprod run`` writes it;
the folder is ``out/demo/scenarios`` unless ``coprod dashboard --ensemble DIR`` (or the
environment variable ``COPROD_ENSEMBLE_DIR``) names another. The page says so when there
is no ensemble for the chosen scenario.
"""

from __future__ import annotations

import os
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from calibration.bootstrap import survey_bootstrap
from calibration.observed_survey import load_table2
from calibration.posterior import calibrated_parameters
from runtime.files import read_own_csv
from runtime.words import shell_word
from scenarios.spec import load_scenario, shipped_names
from sim import CoProductionModel, outcomes
from sim.catalogue import COORDINATORS, TABLE2_IDS, activity_index
from sim.errors import CoprodError
from sim.model import OUTCOME_REPORTERS
from sim.parameters import LEVERS, PARAMETERS

ENSEMBLE_ENV = "COPROD_ENSEMBLE_DIR"
# The levers the controls move: every lever but a choice among levels (who adopts needs a
# municipality of one's own, which the dashboard has not).
SLIDER_LEVERS = tuple(name for name in LEVERS if not PARAMETERS[name].levels)
DEFAULT_ENSEMBLE = Path("out/demo/scenarios")


def scenario_levers(name: str) -> dict[str, float]:
    """The lever values scenario ``name`` runs with: its own, else the 2015 values."""
    overrides = load_scenario(name).overrides
    return {lever: float(overrides.get(lever, PARAMETERS[lever].default))
            for lever in SLIDER_LEVERS}


# What the controls show (one copy per browser session: Solara scopes reactive variables
# to the session). RESET builds the model from these.
chosen_scenario = solara.reactive("baseline")
lever_values = solara.reactive(scenario_levers("baseline"))
seed_text = solara.reactive("2015")


class DashboardModel(CoProductionModel):
    """The model with a scenario, a seed and lever values, as the dashboard's controls set.

    Called without arguments (Mesa's RESET does so), it takes them from the controls.
    """

    def __init__(self, policy_scenario: str | None = None, seed: int | str | None = None,
                 levers: dict | None = None, scenario=None):
        # ``scenario`` is Mesa's own experiment object, which SolaraViz passes back on
        # reset (Mesa 3.5 and later); coprod's scenarios are chosen by ``policy_scenario``.
        del scenario
        policy_scenario = policy_scenario or chosen_scenario.value
        seed = seed_text.value if seed is None else seed
        levers = dict(lever_values.value if levers is None else levers)
        chosen = load_scenario(policy_scenario)
        params = {**calibrated_parameters(), **chosen.overrides}
        params.update({name: float(levers[name]) for name in SLIDER_LEVERS if name in levers})
        try:
            seed = int(seed)
        except ValueError:
            seed = 2015  # the text box holds something else: fall back, visibly below
        super().__init__(rng=seed, **params)
        self.scenario_name = policy_scenario
        self.seed_used = seed
        self.lever_settings = {name: params[name] for name in SLIDER_LEVERS}
        # The model's weekly outcomes and, per Table 2 cell, the share of the window.
        shares = {f"{a}:{c}": (lambda m, a=a, c=c: m.window_share(a, c))
                  for a in TABLE2_IDS for c in COORDINATORS}
        self.datacollector = mesa.DataCollector(
            model_reporters={**OUTCOME_REPORTERS, **shares})
        # The model is built at the 2015 snapshot (its spin-up is part of building it):
        # the first frame shows 2015, and the chosen levers take effect with the first
        # step the user takes.
        self.datacollector.collect(self)

    def window_share(self, activity_id: str, coordinator: str) -> float:
        """Share of the activity's occurrences in the last four weeks coordinated so."""
        a = activity_index(activity_id)
        modes = self.pair_window[:, self.pair_act == a]
        done = modes[modes >= 0]
        return float(np.mean(done == COORDINATORS.index(coordinator))) if done.size \
            else float("nan")


# The observed shares with their 95% BCa intervals (2,000 replications: enough for a
# picture, and quick when the server starts).
OBSERVED_BOOT = survey_bootstrap(load_table2(), reps=2_000, rng=2015)
COLOURS = {"municipality": "#1f5f8b", "voluntary": "#d9822b", "together": "#4a9c59"}


@solara.component
def SharesVersusObserved(model):
    """Simulated shares of the last four weeks (bars) against the 2015 survey (dots)."""
    update_counter.get()
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    x = np.arange(len(TABLE2_IDS))
    for j, coord in enumerate(COORDINATORS):
        sim = [100 * model.window_share(a, coord) for a in TABLE2_IDS]
        ax.bar(x + (j - 1) * 0.27, sim, width=0.25, color=COLOURS[coord], alpha=0.55,
               label=f"{coord}: simulated")
        obs, lo, hi = [], [], []
        for a in TABLE2_IDS:
            i = OBSERVED_BOOT.names.index(f"share:{a}:{coord}")
            est = OBSERVED_BOOT.estimate[i]
            obs.append(100 * est)
            lo.append(100 * (est - np.nan_to_num(OBSERVED_BOOT.low[0.95][i], nan=est)))
            hi.append(100 * (np.nan_to_num(OBSERVED_BOOT.high[0.95][i], nan=est) - est))
        ax.errorbar(x + (j - 1) * 0.27, obs, yerr=[lo, hi], fmt="o", color=COLOURS[coord],
                    capsize=2, label=f"{coord}: observed 2015")
    ax.set_xticks(x)
    ax.set_xticklabels(["social", "culture NH", "physical", "culture HC", "food*", "day ctr*"],
                       fontsize=8)
    ax.set_ylabel("% of activities")
    ax.set_ylim(0, 105)
    ax.set_title(f"Week {model.week} after 2015: who coordinates "
                 "(* statutory)", fontsize=10)
    ax.legend(fontsize=6, ncol=3, loc="upper left")
    return solara.FigureMatplotlib(fig)


def ensemble_dir() -> Path:
    """Where ensembles are looked for: ``$COPROD_ENSEMBLE_DIR`` or ``out/demo/scenarios``."""
    return Path(os.environ.get(ENSEMBLE_ENV) or DEFAULT_ENSEMBLE)


_BANDS: dict = {}


def ensemble_band(name: str) -> tuple[pd.DataFrame | None, str]:
    """Per week, the median, 5% and 95% over runs of ``name``'s ensemble, or why not.

    Returns ``(frame, note)``; ``frame`` is None when there is no usable ensemble and
    ``note`` then says so. Read once per file version (path, size, modification time).
    """
    path = ensemble_dir() / name / "timeseries.csv"
    try:
        stat = path.stat()
    except OSError:
        return None, (f"No ensemble for '{name}' in {path.parent.parent}/: run "
                      f"'coprod run {name} --out {shell_word(path.parent.parent)}' (or "
                      "'coprod demo') to draw its band.")
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _BANDS:
        try:
            # Read as coprod's own files are: a FIFO is refused without blocking, an
            # oversized or malformed file is a note on the page, not a hang.
            frame = read_own_csv(path, f"coprod run {name}", numeric=(
                "draw", "replicate", "week", *BAND_OUTCOMES), usecols=[
                    "draw", "replicate", "week", *BAND_OUTCOMES])
            grouped = frame[frame.week >= 0].groupby("week")[list(BAND_OUTCOMES)]
            band = pd.concat({"median": grouped.median(), "low": grouped.quantile(0.05),
                              "high": grouped.quantile(0.95)}, axis=1)
            runs = len(frame[["draw", "replicate"]].drop_duplicates())
            _BANDS[key] = (band, runs) if len(band) else (None, 0)
        except (CoprodError, OSError, ValueError, pd.errors.ParserError,
                pd.errors.EmptyDataError):
            _BANDS[key] = (None, 0)
    band, runs = _BANDS[key]
    if band is None:
        return None, (f"No usable ensemble for '{name}': {path} is empty or malformed; "
                      f"run 'coprod run {name} --out {shell_word(path.parent.parent)}' again.")
    # Not like for like: say so where the two are drawn together.
    return band, (f"Ensemble band: {runs} runs of '{name}' from {path}, over posterior "
                  "draws, assumption draws and seeds; this run uses the posterior median "
                  "and the assumptions' defaults.")


BAND_OUTCOMES = ("share_together", "active_volunteers")


@solara.component
def EnsembleBand(model):
    """The single run's path beside its scenario's ensemble (median, 90% band over runs)."""
    update_counter.get()
    band, note = ensemble_band(model.scenario_name)
    frame = model.datacollector.get_model_vars_dataframe()
    frame = frame[frame.week >= 0]
    fig = Figure(figsize=(7, 3.2))
    axes = fig.subplots(1, len(BAND_OUTCOMES))
    for ax, name in zip(axes, BAND_OUTCOMES, strict=True):
        o = outcomes.outcome(name)
        if band is not None:
            weeks = band.index.to_numpy()
            ax.fill_between(weeks, band[("low", name)] * o.scale,
                            band[("high", name)] * o.scale, color="#999999", alpha=0.35,
                            label="ensemble 90% band")
            ax.plot(weeks, band[("median", name)] * o.scale, color="#555555", lw=1.5,
                    label="ensemble median")
        ax.plot(frame.week, frame[name] * o.scale, color="#c0392b", lw=1.5,
                label="this run")
        ax.set_title(o.label, fontsize=8)
        ax.set_xlabel("weeks after 2015", fontsize=7)
        ax.set_ylabel(o.unit, fontsize=7)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    fig.suptitle(f"Scenario '{model.scenario_name}': this run"
                 + (" and its ensemble" if band is not None else " (no ensemble)"), fontsize=9)
    with solara.Column():
        solara.FigureMatplotlib(fig)
        solara.Text(note)


def _fmt(value: float) -> str:
    return f"{value:.2f}"


@solara.component
def PolicyControls(model):
    """Scenario, seed and lever sliders; choosing a scenario moves the sliders to it.

    Each slider's label shows its value. RESET (Mesa's button) builds the model with them.
    """

    def choose(name: str) -> None:
        chosen_scenario.set(name)
        lever_values.set(scenario_levers(name))

    def set_lever(name: str, value: float) -> None:
        lever_values.set({**lever_values.value, name: float(value)})

    with solara.Column():
        solara.Select("Scenario", value=chosen_scenario.value, values=shipped_names(),
                      on_value=choose)
        solara.InputText("Seed", value=seed_text)
        for name in SLIDER_LEVERS:
            p = PARAMETERS[name]
            value = lever_values.value[name]
            solara.SliderFloat(f"{p.label or name}: {_fmt(value)}", value=value, min=p.low,
                               max=p.high, step=(p.high - p.low) / 20,
                               on_value=lambda v, name=name: set_lever(name, v))
        running = ", ".join(f"{n}={_fmt(v)}" for n, v in model.lever_settings.items())
        # Plain text: Solara's Markdown would fetch KaTeX from a CDN (the page is offline).
        solara.Text(f"Press RESET to run with these settings. Running now: scenario "
                    f"{model.scenario_name}, seed {model.seed_used}; {running}.")


def make_page():
    """The SolaraViz page: the controls are a component, so they can follow the scenario."""
    model = DashboardModel("baseline", 2015, scenario_levers("baseline"))
    # One page: components given bare (every Mesa 3 release takes them so; (component,
    # page) pairs came with Mesa 3.3).
    components = [
        PolicyControls,
        SharesVersusObserved,
        EnsembleBand,
        make_plot_component({"share_municipality": COLOURS["municipality"],
                             "share_voluntary": COLOURS["voluntary"],
                             "share_together": COLOURS["together"]}),
        make_plot_component({"active_volunteers": "#6a4c93"}),
        make_plot_component({"mean_trust": "#4a9c59", "mean_motivation": "#d9822b"}),
    ]
    return SolaraViz(model, components=components,
                     name="coprod: who coordinates volunteer activities")


page = make_page()
