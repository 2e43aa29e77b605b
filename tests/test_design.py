"""`coprod design`: the estimator's answer on a known problem, and a small real study."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from studies import design
from studies.design import Study, analyse, posterior_widths


def test_widths_narrow_only_when_the_data_inform():
    """y = a + b: a summary of a alone leaves b's spread; of a and b, a narrow width;
    extra pure-noise summaries cost (almost) nothing."""
    gen = np.random.default_rng(0)
    n = 1500
    a, b = gen.normal(size=n), gen.normal(size=n)
    y = a + b
    noise = lambda: gen.normal(scale=0.3, size=n)  # noqa: E731
    truths = np.arange(200)
    only_a = np.median(posterior_widths(y, np.c_[a + noise()], truths, 200))
    both = np.median(posterior_widths(y, np.c_[a + noise(), b + noise()], truths, 200))
    padded = np.median(posterior_widths(y, np.c_[a + noise(), gen.normal(size=(n, 10))],
                                        truths, 200))
    # Normal 90% widths: 2 × 1.645 × sd(y | summaries).
    assert only_a == pytest.approx(2 * 1.645 * np.sqrt(1 + 0.09), rel=0.15)
    assert both == pytest.approx(2 * 1.645 * np.sqrt(0.18), rel=0.2)
    assert padded == pytest.approx(only_a, rel=0.1)


def test_design_table_ratios_against_the_single_survey():
    """A design whose summaries carry the effect narrows it; the 2015 row's ratio is 1."""
    gen = np.random.default_rng(1)
    n = 800
    effect = gen.normal(size=n)
    table = pd.DataFrame({
        "input:municipal_default": gen.uniform(0, 2, n),
        "effect:local_volunteer_policy:share_together": effect / 100,
        "w0:share:social:municipality": gen.normal(size=n),
        "w1:share:social:municipality": gen.normal(size=n),
        "w1p:with:municipality": effect + gen.normal(scale=0.5, size=n),
        "w1x:share:social:municipality": gen.normal(size=n),
    })
    frame = analyse(table, Study(n, 100, 0.2), rng=2)
    effect_rows = frame[frame.kind == "effect"].set_index("design")
    assert effect_rows.loc["2015", "ratio"] == 1.0
    assert effect_rows.loc["2015+2025_policy", "ratio"] < 0.6
    assert effect_rows.loc["2015+2025", "ratio"] == pytest.approx(1.0, abs=0.15)
    assert list(frame.columns) == list(design.WRITTEN_COLUMNS)
    text = design.sentences(frame)
    assert len(text) == 1 and "policy recorded" in text[0]


@pytest.mark.slow
def test_a_small_design_study_runs_end_to_end(tmp_path, monkeypatch, capsys):
    """The command on real model runs (a tiny study): files, manifest, one sentence."""
    from coprod.main import main

    monkeypatch.setattr(design, "QUICK", Study(worlds=16, truths=8, neighbours=0.5))
    out = tmp_path / "design"
    assert main(["design", "--quick", "--workers", "2", "--seed", "3",
                 "--out", str(out)]) == 0
    frame = pd.read_csv(out / "design.csv")
    assert set(frame.design) == set(design.DESIGNS)
    assert {"local_volunteer_policy:share_together",
            "municipal_default"} <= set(frame.target)
    reference = pd.read_csv(out / "reference.csv")
    assert len(reference) == 16 and reference.filter(like="effect:").notna().all().all()
    record = json.loads((out / "manifest.json").read_text())
    assert record["seed"] == 3 and record["worlds"] == 16 and "versions" in record
    assert (out / "design.png").stat().st_size > 10_000
    assert "Wrote" in capsys.readouterr().out


@pytest.mark.slow
def test_the_reference_table_is_the_same_on_one_two_workers_and_dask():
    """Same seed, same worlds and numbers, however the runs are spread."""
    from distributed import LocalCluster

    from studies.design import reference_table

    policies = {"local_volunteer_policy": {"policy_share": 1.0}}
    small = Study(worlds=4, truths=2, neighbours=0.5)
    one = reference_table(small, policies, rng=9, progress=False)
    two = reference_table(small, policies, rng=9, workers=2, progress=False)
    pd.testing.assert_frame_equal(one, two)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = reference_table(small, policies, rng=9, progress=False,
                               scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(one, dask)


def test_the_worlds_are_what_2015_already_says_and_the_effects_means_over_seeds():
    """Truths come from the shipped posterior (not the prior), strengths from their
    ranges; each world's effects average EFFECT_SEEDS paired branches; the 2015 design
    simulates no survey of its own (the posterior holds it)."""
    from calibration.posterior import load_posterior
    from runtime.pool import Task

    posterior = load_posterior()
    table = design.reference_table(Study(3, 3, 0.5), {"local_volunteer_policy":
                                                       {"policy_share": 1.0}}, rng=4)
    particles = posterior.particles
    for column in ("joint_propensity", "municipal_tradition", "policy_reading"):
        assert set(table[f"input:{column}"]) <= set(particles[column])
    assert not any(c.startswith("w0:") for c in table.columns)
    assert design.design_columns(table, "2015") == []
    assert {"effect:local_volunteer_policy:share_municipality",
            "effect:local_volunteer_policy:share_together"} <= set(table.columns)
    # An effect is the mean over seeds of paired differences, not one seed's.
    world = design.DesignWorld({"local_volunteer_policy": {"policy_share": 1.0}})
    params = {c.removeprefix("input:"): float(table[c][0]) for c in table.columns
              if c.startswith("input:")}
    from sim.outcomes import paired_effect
    from sim.runner import run_branches

    # Each seed's effect is the project's one definition (the horizon's window of one
    # world branched at 2015); the world's effect is their mean, not the first seed's.
    per_seed = []
    for seed in np.random.SeedSequence(11).spawn(design.EFFECT_SEEDS):
        base, mine = run_branches([(params, design.HORIZON_WEEKS),
                                   ({**params, "policy_share": 1.0}, design.HORIZON_WEEKS)],
                                  rng=seed)
        per_seed.append(paired_effect(mine.series, base.series, "share_municipality"))
    got = world(Task(params, design.HORIZON_WEEKS, 11))
    effect = got["effect:local_volunteer_policy:share_municipality"]
    assert effect == pytest.approx(np.mean(per_seed), abs=1e-12)
    assert effect != pytest.approx(per_seed[0], abs=1e-12)


def test_a_width_wider_than_the_prior_carries_a_note(monkeypatch):
    # Regression ABC on a finite table can estimate a width above the prior's; the row
    # then says to read it as no narrowing instead of reporting a widening.
    gen = np.random.default_rng(3)
    n = 300
    table = pd.DataFrame({"input:municipal_default": gen.uniform(0, 2, n),
                          "w1:share:social:municipality": gen.normal(size=n)})
    real = design.posterior_widths
    monkeypatch.setattr(design, "posterior_widths",
                        lambda y, x, truths, accept: real(y, x, truths, accept)
                        * (1.5 if x.shape[1] else 1.0))
    frame = analyse(table, Study(n, 60, 0.05), rng=1).set_index("design")
    assert frame.expected_width["2015+2025"] > frame.width_prior["2015+2025"]
    assert "read it as no narrowing" in frame.note["2015+2025"]
    assert frame.note["2015"] == ""
