"""Make the shipped synthetic second wave (``wave2025-synthetic``): a survey the model made.

``python -m calibration.make_synthetic_wave`` writes
``calibration/data/waves/wave2025-synthetic.csv`` (unit-level answers, each unit's
municipality's levers recorded) and its description ``wave2025-synthetic.toml``. The
world it observes is the shipped posterior's heaviest particle (a whole world the 2015
survey accepts, every input it was accepted with), run from the 2015 snapshot to 2025
while the share of municipalities with a local policy rises from 20% to 30% (about 30% by
2024, Frivillighet Norge), observed in 2025 on the 2015 survey's 244 responding units. It is
**synthetic**: made for the tests, the README and the demo, labelled so in its name, its
header and every output made from it; it is not evidence about Norway.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import numpy as np

from runtime.interrupts import interrupts_deferred

SEED = 2025
YEAR = 2025
POLICY_SHARE_2025 = 0.30


def truth() -> dict[str, float]:
    """The world the wave observes: the shipped posterior's heaviest particle."""
    from calibration.posterior import load_posterior

    posterior = load_posterior(None)
    best = int(np.argmax(posterior.weights))
    return {k: float(v) for k, v in posterior.particles.iloc[best].items()}


def _write(path: Path, text: str) -> None:
    # A maintainer's tool writing the package's own example data (which the results
    # writers of runtime.files refuse on purpose): whole or not at all.
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def make(folder: Path, *, seed: int = SEED) -> tuple[Path, Path]:
    """Write the synthetic wave's CSV and TOML into ``folder``."""
    from sim.runner import run_waves

    world = truth()
    weeks = [0, (YEAR - 2015) * 52]
    with interrupts_deferred() as stop:
        observed = run_waves(world, weeks, [{}, {"policy_share": POLICY_SHARE_2025}],
                             rng=seed, stop=stop)
    answers = observed[-1].responses()
    shown = ", ".join(f"{k}={world[k]:.3g}" for k in ("municipal_default",
                                                       "policy_clarity",
                                                       "policy_participation"))
    header = (
        f"# SYNTHETIC survey wave, {YEAR}: made by the coprod model, not observed in Norway.\n"
        "# The world: the shipped posterior's heaviest particle (a world the 2015 survey\n"
        f"# accepts; local policy {shown}), local policy share 20% in 2015 -> "
        f"{POLICY_SHARE_2025:.0%} in {YEAR},\n"
        f"# observed on the 2015 sample's units (seed {seed}); 'local_policy' etc. record\n"
        "# each unit's municipality's levers. Remake: python -m calibration.make_synthetic_wave\n")
    csv_path = folder / "wave2025-synthetic.csv"
    _write(csv_path, header + answers.to_csv(index=False))
    toml_path = folder / "wave2025-synthetic.toml"
    _write(toml_path, (
        "# SYNTHETIC second wave (see the header of the CSV): for tests, README and demo.\n"
        f"year = {YEAR}\n"
        'data = "wave2025-synthetic.csv"\n'
        "synthetic = true\n"
        'description = "SYNTHETIC: made by the model from a world the 2015 survey accepts"\n'
        "\n[levers]\n"
        f"policy_share = {POLICY_SHARE_2025}\n"))
    return csv_path, toml_path


def main() -> None:
    """Write the shipped synthetic wave (or into --out)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None,
                        help="folder (default: the package's calibration/data/waves)")
    args = parser.parse_args()
    if args.out is not None:  # a folder of one's own, checked (and made) before the runs
        from runtime.files import check_out_dir
        from sim.errors import InputError

        try:
            check_out_dir(args.out)
        except InputError as err:
            parser.exit(2, f"{parser.prog}: error: {err}\n")
        args.out.mkdir(parents=True, exist_ok=True)
    folder = args.out or Path(str(resources.files("calibration.data").joinpath("waves")))
    for path in make(folder):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
