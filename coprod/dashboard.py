"""The interactive dashboard: a Mesa SolaraViz app (``coprod dashboard`` serves it).

Choose a scenario and move its levers, run the model, and watch who coordinates each
activity, the volunteers and trust change week by week, next to the observed 2015 shares.
The model opens at the 2015 snapshot (after its spin-up); the levers take effect with the
first step.
The model starts from the shipped posterior's median; a lever slider moved away from its
2015 value overrides the scenario's own setting.
"""

from __future__ import annotations

import mesa
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from calibration.bootstrap import survey_bootstrap
from calibration.posterior import calibrated_parameters
from calibration.survey import load_table2
from scenarios.spec import load_scenario, shipped_names
from sim import CoProductionModel, outcomes
from sim.catalogue import COORDINATORS, TABLE2_IDS, activity_index
from sim.parameters import LEVERS, PARAMETERS


class DashboardModel(CoProductionModel):
    """The model with a scenario choice and lever values, as the dashboard sets them."""

    def __init__(self, policy_scenario: str = "baseline", seed: int | str = 2015,
                 scenario=None, **levers):
        # ``scenario`` is Mesa's own experiment object, which SolaraViz passes back on
        # reset; coprod's scenarios are chosen by ``policy_scenario``.
        del scenario
        scenario = load_scenario(policy_scenario)
        params = {**calibrated_parameters(), **scenario.overrides}
        for name, value in levers.items():
            if value != PARAMETERS[name].default:
                params[name] = float(value)
        try:
            seed = int(seed)
        except ValueError:
            seed = 2015  # the text box holds something else: fall back, visibly below
        super().__init__(rng=seed, **params)
        self.scenario_name = policy_scenario
        # The model's weekly outcomes and, per Table 2 cell, the share of the window.
        shares = {f"{a}:{c}": (lambda m, a=a, c=c: m.window_share(a, c))
                  for a in TABLE2_IDS for c in COORDINATORS}
        self.datacollector = mesa.DataCollector(
            model_reporters={**{name: name for name in outcomes.NAMES}, **shares})
        # Start the dashboard at the 2015 snapshot: the spin-up runs before the first
        # frame, and the chosen levers take effect with the first step the user takes.
        for _ in range(self.spinup):
            self.step()

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
    ax.set_title(f"Week {model.steps - model.spinup} after 2015: who coordinates "
                 "(* statutory)", fontsize=10)
    ax.legend(fontsize=6, ncol=3, loc="upper left")
    return solara.FigureMatplotlib(fig)


def model_params() -> dict:
    """Controls: the scenario, the seed and every policy lever."""
    params = {"policy_scenario": {"type": "Select", "value": "baseline",
                                  "values": shipped_names(), "label": "Scenario"},
              "seed": {"type": "InputText", "value": "2015", "label": "Seed"}}
    for name in LEVERS:
        p = PARAMETERS[name]
        params[name] = {"type": "SliderFloat", "value": p.default, "min": p.low,
                        "max": p.high, "step": (p.high - p.low) / 20,
                        "label": p.label or name}
    return params


def make_page():
    """The SolaraViz page."""
    model = DashboardModel()
    components = [
        (SharesVersusObserved, 0),
        make_plot_component({"share_municipality": COLOURS["municipality"],
                             "share_voluntary": COLOURS["voluntary"],
                             "share_together": COLOURS["together"]}),
        make_plot_component({"active_volunteers": "#6a4c93"}),
        make_plot_component({"mean_trust": "#4a9c59", "mean_motivation": "#d9822b"}),
    ]
    return SolaraViz(model, components=components, model_params=model_params(),
                     name="coprod: who coordinates volunteer activities")


page = make_page()
