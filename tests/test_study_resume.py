"""A study resumed on its kept calibrations: what is reused, and what is refused in one line.

A finished calibration is an hour of two cores; it is kept without its ``abc.db``
(``study_parts/``) and reused by ``--resume``. Nothing may replace it unasked, and a
kept file that is not what the study asks for must not slip into its tables.
"""

import json
import shutil

import pandas as pd
import pytest

from calibration.abc import Settings
from sim.errors import InputError
from sim.parameters import MODEL_VERSION
from tests.conftest import edit_json, library_refusal, tiny_settings


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """A tiny calibration as a study keeps it: without its abc.db."""
    from studies.calibrations import calibrate_or_reuse

    out = tmp_path_factory.mktemp("kept") / "truth_00"
    calibrate_or_reuse(out, resume=False, remake="coprod recovery --resume --out X",
                       record={"activities_used": ["social"]}, seed=5,
                       settings=tiny_settings())
    for db in out.glob("abc.db*"):
        db.unlink()
    return out


@pytest.fixture
def folder(kept, tmp_path):
    return shutil.copytree(kept, tmp_path / "truth_00")


def _reuse(folder, *, resume=True, settings=None, record=None, seed=5):
    from studies.calibrations import calibrate_or_reuse

    return calibrate_or_reuse(folder, resume=resume, remake="coprod recovery --resume "
                              "--out X", record={"activities_used": ["social"]}
                              if record is None else record, seed=seed,
                              settings=settings or tiny_settings())


def test_a_kept_calibration_is_reused_and_never_replaced_without_resume(folder):
    posterior = (folder / "posterior.csv").read_bytes()
    assert _reuse(folder)["reused"] is True
    with pytest.raises(InputError) as err:
        _reuse(folder, resume=False)
    library_refusal(err, "refusing to replace the finished calibration", "--resume")
    assert (folder / "posterior.csv").read_bytes() == posterior
    assert not (folder / "abc.db").exists()  # nothing was calibrated again


@pytest.mark.parametrize(("asked", "words"), [
    ({"settings": Settings(population_size=40, max_populations=2, max_simulations=400,
                           max_walltime_s=45)}, "not made with this study's settings"),
    # Each calibration's seed derives from --seed: it is not the --seed given.
    ({"seed": 6}, "not made with this study's seed: 5; allowed: 6, the seed (derived from "
     "--seed)"),
    ({"record": {"activities_used": ["physical"]}}, "not made with this study's activities used"),
    # Leave one out's folds swapped: each fold's seed derives from --seed, so the seed
    # differed too, and the refusal blamed --seed where the fold was the matter.
    ({"record": {"activities_used": ["physical"], "seed": 6}, "seed": 6},
     "field 'activities_used': a calibration not made with this study's activities used"),
    # A study without that design (a recovery's truths): a fold's calibration, or one
    # claiming fixed inputs, was reused as the truth's, exit 0.
    ({"record": {}}, "field 'activities_used': a calibration not made with this study's "
     "activities used: [\"social\"]; allowed: no such field"),
])
def test_a_study_resumed_otherwise_than_its_calibrations_were_made_is_refused(
        folder, asked, words):
    # --quick over the shipped study's parts (or the reverse) would make a manifest that
    # says 40 particles where its calibrations have 1,000.
    with pytest.raises(InputError) as err:
        _reuse(folder, **asked)
    library_refusal(err, words, "choose another --out")


def test_a_kept_calibration_claiming_fixed_inputs_is_not_a_recovery_truths(folder):
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "fixed": {"trust_weight": 0.0}}))
    with pytest.raises(InputError) as err:
        _reuse(folder)
    library_refusal(err, "field 'fixed'", "fixed inputs' values", "allowed: no such field")


def test_refused_settings_are_shown_in_the_records_order(folder):
    # Stored and allowed were shown with their keys in different orders: a reader had to
    # match them up to see which one differs.
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    record["settings"] = dict(reversed(record["settings"].items()))
    path.write_text(json.dumps(record))
    asked = Settings(population_size=40, max_populations=2, max_simulations=400,
                     max_walltime_s=45)
    with pytest.raises(InputError) as err:
        _reuse(folder, settings=asked)
    text = library_refusal(err, "field 'settings'")
    stored, allowed = (text[text.index("{", text.index(w)):] for w in ("settings'", "allowed"))
    keys = list(record["settings"])
    assert [stored.index(f'"{k}"') for k in keys] == sorted(stored.index(f'"{k}"') for k in keys)
    assert [allowed.index(f'"{k}"') for k in keys] == sorted(allowed.index(f'"{k}"')
                                                            for k in keys)


@pytest.mark.parametrize("theirs", [{"trust_weight": False}, {"trust_weight": 0}])
def test_a_kept_design_of_another_kind_is_not_this_studys(folder, theirs):
    # Compared with ==, false and 0 passed for 0.0 (exit 0, the manifest said false);
    # the refusal showed Python's values.
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "fixed": theirs}))
    with pytest.raises(InputError) as err:
        _reuse(folder, record={"activities_used": ["social"],
                               "fixed": {"trust_weight": 0.0}})
    text = library_refusal(err, "field 'fixed'", json.dumps(theirs),
                           'allowed: {"trust_weight": 0.0}')
    assert "False" not in text and "'trust_weight'" not in text


@pytest.mark.parametrize(("field", "value"), [
    ("populations", 99), ("simulations", 10**40),
    ("wall_time_s", -5), ("effective_sample_size", [1, [2]]), ("noise_level", "1e400"),
    ("settings", {"population_size": "12"}), ("abc_inputs", ["x\x1b]0;pwned\x07"]),
    ("seed", True),
])
def test_a_kept_record_with_a_field_coprod_never_writes_is_one_line(folder, field, value):
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    record[field] = value
    path.write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        _reuse(folder)
    text = library_refusal(err, "calibration.json", field)
    # Without abc.db, deleting posterior.csv would throw the calibration away: the remedy
    # is to restore the kept folder.
    assert "study_parts" in text and "abc.db" not in text and "\x1b" not in text


def test_fields_a_calibration_does_not_write_are_not_carried_into_the_study(folder):
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "evil": "\x1b]0;pwned\x07"}))
    reused = _reuse(folder)
    assert "evil" not in reused
    assert reused["epsilons"] == record["epsilons"]
    assert reused["settings"] == record["settings"]


# ---- a truth's kept policy effects -------------------------------------------------------

SCENARIOS = ["local_volunteer_policy", "recruitment_drive"]


def _effects(path, truth_id=3):
    from studies import effect_recovery as effects

    rows = [{"truth_id": truth_id, "scenario": s, "outcome": o, "true_effect": 0.01,
             "estimated_effect": 0.02, "low_90": -0.1, "high_90": 0.1, "covered": True,
             "error": 0.01} for s in SCENARIOS for o in effects.OUTCOMES]
    pd.DataFrame(rows, columns=effects.COLUMNS).to_csv(path, index=False)
    return pd.read_csv(path)


@pytest.mark.parametrize(("tamper", "words"), [
    (lambda f: f.assign(truth_id=5), ["truth_id", "another truth", "5"]),
    (lambda f: f.drop(index=2), ["row 4", "not as the study writes them"]),
    (lambda f: pd.concat([f, f.tail(1)]), ["no more rows"]),
    (lambda f: f.assign(scenario=["evil\x1b]0;pwned\x07", *f.scenario[1:]]),
     ["row 2", "local_volunteer_policy: "]),
    (lambda f: f.head(0), ["incomplete file"]),
    (lambda f: f.assign(covered=f.covered.astype(int)), ["covered", "True or False"]),
    (lambda f: f.assign(low_90=0.5), ["row 2", "low_90", "at most high_90"]),
    (lambda f: f.assign(error=0.5), ["row 2", "error", "estimated_effect"]),
    (lambda f: f.assign(covered=[True, False, *f.covered[2:]]), ["row 3", "covered",
                                                                 "False", "low_90 ≤"]),
    (lambda f: f.assign(low_90=0.05, estimated_effect=0.07, error=0.06),
     ["row 2", "covered", "True"]),
    # Apart at six digits: not the file's rounding.
    (lambda f: f.assign(true_effect=0.5, estimated_effect=0.6, error=0.1, low_90=0.500003,
                        high_90=0.7), ["row 2", "covered", "True"]),
    (lambda f: f.assign(true_effect=1e308, estimated_effect=1.7e308, error=0.0),
     ["row 2", "error"]),
    (lambda f: f.assign(true_effect=1e308, estimated_effect=1e308, error=0.0,
                        low_90=-1e308, high_90=-1e308), ["row 2", "covered"]),
])
def test_kept_effects_of_another_truth_or_design_are_refused(tmp_path, tamper, words):
    from studies.recovery import read_kept_effects

    path = tmp_path / "effects.csv"
    frame = _effects(path)
    assert len(read_kept_effects(path, 3, SCENARIOS)) == len(frame)  # as written: read
    tamper(frame).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_kept_effects(path, 3, SCENARIOS)
    text = library_refusal(err, "effects.csv", *words)
    assert "\x1b" not in text
    # The remedy names the study's folder (it named none, where two other refusals did).
    assert f"--resume --out {tmp_path.parent}' after deleting {path}" in text


def test_kept_effects_rounded_to_six_digits_keep_their_covered_flag(tmp_path):
    # A truth this close to a bound may fall outside it once both are rounded for the
    # file: the run's own flag stands.
    from studies.recovery import read_kept_effects

    path = tmp_path / "effects.csv"
    frame = _effects(path)
    frame.assign(low_90=0.0100001, covered=True).to_csv(path, index=False)
    assert read_kept_effects(path, 3, SCENARIOS).covered.all()
    frame.assign(true_effect=float("nan"), error=float("nan"), covered=False).to_csv(
        path, index=False)
    assert not read_kept_effects(path, 3, SCENARIOS).covered.any()


def test_a_calibration_whose_folder_went_away_mid_run_says_so_in_one_line(tmp_path):
    # pyabc opens abc.db again by its path each generation: when --out was moved or
    # replaced while it ran, SQLite's "unable to open database file" was a traceback.
    from sqlalchemy.exc import OperationalError

    from calibration.abc import _history_gone
    from runtime.locks import locked

    out = tmp_path / "out"
    (out / "truth_00").mkdir(parents=True)
    db = out / "truth_00" / "abc.db"
    db.write_bytes(b"")
    lost = OperationalError("INSERT", {}, Exception("unable to open database file"))
    assert _history_gone(lost, db) is None  # the database is there: raised as it is
    assert _history_gone(ValueError("x"), db) is None
    with pytest.raises(InputError) as said:  # another folder put in its place: the lock
        with locked(out):                    # says so, whatever failed
            out.rename(tmp_path / "moved")
            out.mkdir()
            raise _history_gone(lost, db) or lost
    assert "refusing to write into" in str(said.value) and "\n" not in str(said.value)
    shutil.rmtree(out)
    said = _history_gone(lost, db)
    assert "history is gone" in str(said) and "\n" not in str(said)


def test_a_kept_posterior_cut_short_is_mended_by_restoring_it_not_by_deleting_it(folder):
    # Without abc.db, "delete posterior.csv and resume" would calibrate it again (an hour).
    from calibration.posterior import load_posterior

    path = folder / "posterior.csv"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:3]))
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    text = library_refusal(err, "truncated file", "calibration.json", "restore the folder")
    assert "abc.db" not in text
    (folder / "abc.db").write_bytes(b"")  # with its history, the posterior is made again
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    library_refusal(err, "delete posterior.csv", "from abc.db")


@pytest.mark.slow
@pytest.mark.parametrize("swap", ["link to another study", "copy of itself",
                                  "its truth linked to another study's",
                                  "its truth linked to its sibling"])
def test_a_study_whose_out_is_swapped_mid_calibration_writes_into_no_other_folder(
        tmp_path, swap):
    # pyabc writes each generation into abc.db by its path: with --out moved and a link
    # to another study put in its place, it appended generations to that study's
    # calibration; replaced by a copy of itself, the copy was written and the message
    # said nothing was.
    import hashlib
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    def digests(folder):
        return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    out, moved, other = tmp_path / "out", tmp_path / "moved", tmp_path / "other"
    args = [sys.executable, "-m", "coprod", "recovery", "--quick", "--truths", "2",
            "--workers", "1", "--seed", "7"]
    assert subprocess.run([*args, "--out", str(other)], cwd=ROOT,
                          capture_output=True).returncode == 0
    before = digests(other)
    run = subprocess.Popen([*args, "--out", str(out)], cwd=ROOT, stderr=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 120
        # The sibling case swaps once the second truth's sampling is over: its posterior,
        # record and effects are still to be written.
        waited = (out / "truth_01" / "posterior.csv" if swap.endswith("sibling")
                  else out / "truth_00" / "abc.db")
        while not waited.is_file() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not swap.endswith("sibling"):
            time.sleep(0.3)  # within the first generations
        if swap.endswith("sibling"):
            other = out / "truth_00"  # the stranger is the study's own finished truth
            before = digests(other)
            moved.mkdir()
            (out / "truth_01").rename(moved / "truth_01")
            (out / "truth_01").symlink_to(other)
        elif swap == "copy of itself":
            # (Without a hot journal caught mid-write: SQLite would roll it back on any
            # read, a repair of the copy, not a write of this run's.)
            shutil.copytree(out, tmp_path / "copy", symlinks=True,
                            ignore=shutil.ignore_patterns("*-journal"))
            out.rename(moved)
            (tmp_path / "copy").rename(out)
            kept = digests(out)
        elif swap == "link to another study":
            out.rename(moved)
            out.symlink_to(other)
        else:  # --out stays; the calibration's own folder in it is replaced
            moved.mkdir()
            (out / "truth_00").rename(moved / "truth_00")
            (out / "truth_00").symlink_to(other / "truth_00")
        err = run.communicate(timeout=300)[1]
    finally:
        run.kill()
        run.wait()
    assert run.returncode == 2 and "Traceback" not in err, err
    said = [line for line in err.strip().splitlines()  # less a finished truth's line
            if not line.startswith("recovery: truth")]
    assert len(said) == 1 and "moved or replaced" in err, err
    assert "truth_00" in err or swap != "its truth linked to another study's", err
    assert digests(other) == before  # the other study is as it was
    if swap == "copy of itself":
        assert digests(out) == kept  # "nothing was written into it" is true
    # The calibration went on where it began: the moved folder resumes.
    assert (moved / ("truth_01" if swap.endswith("sibling") else "truth_00")
            / "abc.db").is_file()


def test_weights_whose_sum_overflows_are_normalised_without_a_warning(recwarn):
    # The overflow is the case normalised() handles: numpy's RuntimeWarning reached stderr.
    import numpy as np

    from calibration.posterior import normalised

    w = normalised(np.array([1e308, 1e308, 5e-324]))
    assert w.sum() == pytest.approx(1.0) and w[0] == w[1]
    assert not [r for r in recwarn if issubclass(r.category, RuntimeWarning)]


@pytest.mark.parametrize(("field", "value"), [
    ("kernel_scaling", 99.0), ("min_acceptance_rate", 0.5), ("weeks_per_simulation", 1),
    ("model_version", MODEL_VERSION - 1)])
def test_a_kept_calibration_sampled_otherwise_is_not_reused(folder, field, value):
    # Each is a number of the right kind; but a calibration made with another kernel,
    # acceptance floor or run length, or of an earlier model (a study resumed after the
    # model changed would have shipped its parts as the new model's), is not one of
    # this study's.
    path = folder / "calibration.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), field: value}))
    with pytest.raises(InputError) as err:
        _reuse(folder)
    library_refusal(err, f"not made with this study's {field.replace('_', ' ')}")


@pytest.mark.parametrize("change", [
    lambda r: r.update(abc_inputs=["foo"]), lambda r: r.update(prior_inputs=[]),
    lambda r: r.update(prior_inputs=[*r["prior_inputs"], r["abc_inputs"][0]])])
def test_a_kept_calibration_of_other_inputs_is_not_reused(folder, change):
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        _reuse(folder)
    library_refusal(err, "a calibration of other inputs")


@pytest.mark.parametrize("field", ["seed", "kernel_scaling", "abc_inputs", "prior_inputs",
                                   "activities_used", "settings", "model_version"])
def test_a_kept_record_that_does_not_say_how_it_was_made_is_not_reused(folder, field):
    # With its seed deleted, leave one out and the ablation (whose truths hold no seed of
    # their own) would have taken it as made under any --seed.
    path = folder / "calibration.json"
    record = json.loads(path.read_text())
    del record[field]
    path.write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        _reuse(folder)
    library_refusal(err, "a calibration record without", f"field '{field}'")


# ---- how long a resumed study took ---------------------------------------------------------

def test_a_calibration_records_its_sampling_over_all_its_runs(kept):
    # wall_time_s is one run's; a calibration resumed across sessions took longer.
    record = json.loads((kept / "calibration.json").read_text())
    assert 0 < record["sampling_s"] <= record["wall_time_s"]


@pytest.mark.parametrize(("resumed", "records", "said"), [
    (False, [{"wall_time_s": 100.0}, {"wall_time_s": 50.0}], "; 7 s in all"),
    (True, [{"wall_time_s": 100.0, "sampling_s": 900.0}, {"wall_time_s": 5.0,
                                                          "sampling_s": 60.0}],
     "; 960 s of sampling"),
    (True, [{"wall_time_s": 100.0, "sampling_s": 900.0}, {"wall_time_s": 5.0}],
     "; at least 905 s of sampling"),
    (True, [{"calibration": {"wall_time_s": 5.0, "sampling_s": 60.0},
             "selection": {"wall_time_s": 2.0, "sampling_s": 10.0}}], "; 70 s of sampling"),
    # An ablation's mechanism without its selection's record: a part of its time.
    (True, [{"calibration": {"wall_time_s": 5.0, "sampling_s": 60.0}}], "; at least 60 s of"),
    (True, [{"epsilons": [1.0]}], ""),
    # Below its own run's time, or past any duration: not all of it, or nothing.
    (True, [{"wall_time_s": 1456.0, "sampling_s": 0.0}], "; at least 1,456 s of sampling"),
    (True, [{"wall_time_s": 5.0, "sampling_s": 1e308}], "; at least 5 s of sampling"),
    (False, [{"wall_time_s": 5.0}], "; 7 s in all"),
])
def test_a_resumed_study_is_timed_by_its_calibrations_not_its_last_run(resumed, records,
                                                                      said):
    # A study resumed from kept calibrations runs for seconds: "7 s in all" was its time.
    from coprod.report_studies import manifest_facts

    record = {"command": "coprod recovery --out x", "seed": 1, "resumed": resumed,
              "wall_time_total_s": 7.0,
              "calibrations": {f"truth_{k:02d}": r for k, r in enumerate(records)}}
    # (an ablation's mechanisms: a calibration and its selection each; the caller says so)
    shown = manifest_facts(record, "coprod recovery",
                           ablation="calibration" in records[0])["seconds"]
    assert said in shown and (said or shown == "")
    if resumed:
        assert "7 s" not in shown


def test_a_resumed_study_without_its_calibrations_gives_no_time():
    # Its own run is its last leg: "812 s in all" was said of it. And no "-0 s".
    from coprod.report_studies import study_duration
    from coprod.report_text import took

    assert took(study_duration({"resumed": True, "wall_time_total_s": 812})) == ""
    assert took(study_duration({"resumed": False, "wall_time_total_s": -0.0})) == "; 0 s in all"
    assert took(study_duration({"wall_time_total_s": 3.0})) == "; 3 s in all"  # no record
    many = {f"c{i}": {"sampling_s": 1e8} for i in range(3)}  # past any duration in all
    assert study_duration({"resumed": True, "calibrations": many}) is None


def test_a_sampling_past_any_duration_is_left_unrecorded():
    from calibration.abc import sampling_over_runs
    from runtime.fields import LONGEST_S

    assert sampling_over_runs(LONGEST_S, 2.0) is None and sampling_over_runs(None, 2.0) is None
    assert sampling_over_runs(3.0, 2.0) == 5.0


@pytest.mark.parametrize("value, allowed", [
    (0, True), (0.0, True), (1e8, True), (3.5, True),
    (-0.1, False), (1e8 + 1, False), (float("nan"), False), (float("inf"), False),
    (10**400, False), (True, False), ("5", False), (None, False),
])
def test_one_duration_check_serves_records_report_and_sampling(value, allowed):
    # The record's check, the report's reading and the sampling's sum share one range.
    from coprod.report_studies import calibration_seconds
    from runtime.fields import duration

    assert duration(value) is allowed
    assert (calibration_seconds({"wall_time_s": value}) is not None) is allowed


@pytest.mark.parametrize("value, allowed", [
    ({"trust_weight": 1.0, "on": [1, None]}, True),
    ({"trust_weight": 1, "on": [1, None]}, False),  # 1 is not 1.0, inside too
    ({"trust_weight": 1.0, "on": [True, None]}, False),
    ({"trust_weight": 1.0, "on": [1]}, False), ({"trust_weight": 1.0}, False),
    ({"trust_weight": 1.0, "on": [1, None], "x": 0}, False), (None, False),
])
def test_a_recorded_design_is_the_same_only_with_the_same_json(value, allowed):
    # A resumed calibration's fixed inputs compared with ==: 1 == 1.0 == True passed.
    from runtime.fields import exactly

    assert exactly({"trust_weight": 1.0, "on": (1, None)})(value) is allowed


def test_an_ablation_counts_its_model_selections_time():
    # Its study time was its calibrations' alone: five selections' sampling unsaid.
    from coprod.report_studies import calibration_seconds, study_duration

    calibration = {"sampling_s": 100.0, "wall_time_s": 60.0}
    entry = {"calibration": calibration, "selection": {"sampling_s": 40.0,
                                                       "wall_time_s": 40.0}}

    def mechanism(made):
        return calibration_seconds(made, mechanism=True)

    assert mechanism(entry) == (140.0, True)
    older = {"calibration": calibration, "selection": {"wall_time_s": 30.0}}
    assert mechanism(older) == (130.0, False)  # its last run's: "at least"
    assert calibration_seconds(calibration) == (100.0, True)  # the full model's: flat
    # A mechanism's selection removed or unreadable: its time is unknown, not none (a
    # removed one counted the calibration as all of it).
    assert mechanism({"calibration": calibration}) == (100.0, False)
    assert mechanism({**entry, "selection": {"wall_time_s": -1}}) == (100.0, False)
    assert mechanism({**entry, "calibration": {"wall_time_s": -1}}) is None
    long = {"calibration": {"wall_time_s": 6e7}, "selection": {"wall_time_s": 6e7}}
    assert mechanism(long) == (1.2e8, False)  # was dropped: past one duration
    deep = {"wall_time_s": 1.0}
    for _ in range(1200):  # read one level down only: it recursed to a RecursionError
        deep = {"calibration": deep}
    assert mechanism(deep) is None
    study = {"resumed": True, "calibrations": {"full": calibration,
                                               "trust_weight": entry}}
    assert study_duration(study, ablation=True) == (240.0, "sampling")
    # The full model's record with a stray 'calibration' was read as a mechanism's (141
    # s, "at least"): in an ablation the full model's entry is one calibration's.
    stray = {**calibration, "calibration": {"wall_time_s": 1.0}}
    ablation = {"resumed": True, "mechanisms": ["trust_weight"],
                "calibrations": {"full": stray, "trust_weight": entry}}
    assert study_duration(ablation, ablation=True) == (240.0, "sampling")
    # Nor is another study's calibration read as a mechanism's, whatever its fields (a
    # stray 'calibration' replaced a truth's time), or a stray 'mechanisms' (it dropped
    # the time of a recovery).
    truths = {"resumed": True, "mechanisms": [],
              "calibrations": {"truth_00": {**calibration, "calibration": {
                  "sampling_s": 9e6}}, "truth_01": calibration}}
    assert study_duration(truths) == (200.0, "sampling")


@pytest.mark.parametrize(("reader", "manifest", "named"), [
    ("studies.recovery:RecoveryStudy", "recovery_manifest.json", "truth_00"),
    ("studies.leave_one_out:LeaveOneOut", "leave_one_out_manifest.json", "day_centre"),
    ("studies.ablation:Ablation", "ablation_manifest.json", "full"),
])
def test_a_shipped_study_recording_a_calibration_it_lacks_is_refused(tmp_path, reader,
                                                                     manifest, named):
    # An entry of another name was summed into the study's time as one of its own.
    import importlib
    import shutil

    from tests.conftest import ROOT

    module, name = reader.split(":")
    study = getattr(importlib.import_module(module), name)
    shutil.copytree(ROOT / "calibration" / "data" / "validation", tmp_path / "v")
    study.read_shipped(tmp_path / "v")  # as shipped: read
    path = tmp_path / "v" / manifest
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "calibrations": {
        **record["calibrations"], "truth_\x1b[31m": {"sampling_s": 1e6}}}))
    with pytest.raises(InputError) as err:
        study.read_shipped(tmp_path / "v")
    text = library_refusal(err, f"{manifest}: field 'calibrations'", "does not have",
                           named)
    assert "\x1b" not in text
    # One of its own missing: its time was dropped and the rest still called all of it.
    kept = dict(record["calibrations"])
    del kept[named]
    path.write_text(json.dumps({**record, "calibrations": kept}))
    with pytest.raises(InputError) as err:
        study.read_shipped(tmp_path / "v")
    library_refusal(err, f"{manifest}: field 'calibrations'", f"missing entry: '{named}'")


def test_a_leave_one_out_table_of_another_activity_names_the_table(tmp_path):
    # The table's unknown activity was accepted and the manifest's genuine entry blamed.
    from studies.leave_one_out import LeaveOneOut
    from tests.conftest import ROOT

    folder = tmp_path / "v"
    shutil.copytree(ROOT / "calibration" / "data" / "validation", folder)
    table = pd.read_csv(folder / "leave_one_out.csv")
    table["activity"] = table["activity"].replace("social", "socia\x1b[31ml")
    table.to_csv(folder / "leave_one_out.csv", index=False)
    with pytest.raises(InputError) as err:
        LeaveOneOut.read_shipped(folder)
    text = library_refusal(err, "leave_one_out.csv: row", "column 'activity'",
                           "an activity no study leaves out", "food_delivery")
    assert "\x1b" not in text and "calibrations" not in text


@pytest.mark.parametrize(("tamper", "words"), [
    # Two activities' whole blocks swapped: every row's activity and shares once, the
    # manifest's calibrations all named; only Table 2 tells the rows are not theirs.
    (lambda t: t.assign(activity=t.activity.replace(
        {"social": "physical", "physical": "social"})),
     ("row 2, column 'observed'", "'0.346535'", "allowed: 0.596154, Table 2's share of "
      "physical coordinated by municipality")),
    (lambda t: t.assign(naive=t.naive.where(t.index != 4, 0.3)),
     ("row 6, column 'naive'", "pooled over Table 2's activities other than")),
    # One unit of the sixth digit written off Table 2's share (0.346534 for 0.346535)
    # passed: half a unit was allowed for each side, of a number computed exactly.
    (lambda t: t.assign(observed=t.observed.where(t.index != 0, t.observed[0] - 1e-6)),
     ("row 2, column 'observed'", "allowed: 0.346535")),
    (lambda t: t.assign(error=t.error.where(t.index != 7, 0.01)),
     ("row 9, column 'error'", "|predicted_median − observed|")),
    (lambda t: t.assign(logit_error=t.logit_error.where(t.index != 0, 0.5)),
     ("row 2, column 'logit_error'", "|logit − observed|")),
    (lambda t: t.assign(inside=t.inside.where(t.index != 3, ~t.inside)),
     ("row 5, column 'inside'", "whether low_90 ≤ observed ≤ high_90")),
    # An error without the estimate it measures (the study writes both blank).
    (lambda t: t.assign(predicted_median=t.predicted_median.where(t.index != 2)),
     ("row 4, column 'error'", "|predicted_median − observed|")),
])
def test_a_leave_one_out_row_not_as_table_2_gives_it_is_refused(tmp_path, tamper, words):
    from studies.leave_one_out import LeaveOneOut
    from tests.conftest import ROOT

    folder = tmp_path / "v"
    shutil.copytree(ROOT / "calibration" / "data" / "validation", folder)
    LeaveOneOut.read_shipped(folder)  # as shipped: reads back
    table = pd.read_csv(folder / "leave_one_out.csv")
    tamper(table).to_csv(folder / "leave_one_out.csv", index=False, float_format="%.6g")
    with pytest.raises(InputError) as err:
        LeaveOneOut.read_shipped(folder)
    library_refusal(err, "leave_one_out.csv: ", "a value the study does not write", *words)


def test_an_ablation_naming_a_mechanism_twice_is_refused_there(tmp_path):
    # The refusal fell on a genuine calibration, 'joint_propensity'.
    from studies.ablation import Ablation
    from tests.conftest import ROOT

    folder = tmp_path / "v"
    shutil.copytree(ROOT / "calibration" / "data" / "validation", folder)
    path = folder / "ablation_manifest.json"
    record = json.loads(path.read_text())
    twice = [m for m in record["mechanisms"] if m != "joint_propensity"]
    path.write_text(json.dumps({**record, "mechanisms": [*twice, twice[0]]}))
    with pytest.raises(InputError) as err:
        Ablation.read_shipped(folder)
    library_refusal(err, "field 'mechanisms'", "each at most once")


def test_a_damaged_kept_file_of_a_study_says_how_the_study_mends_it(tmp_path):
    # A study's posterior.csv too large said 'coprod calibrate --out DIR' (refused
    # there); a selection's record said no --out.
    from calibration.posterior import load_posterior
    from runtime.files import MAX_INPUT_BYTES
    from studies.ablation import SELECTION_FILE, _selection_record

    folder = tmp_path / "out" / "trust_weight"
    (folder / "selection").mkdir(parents=True)
    (folder / "calibration.json").write_text("{}")  # a study's calibration folder
    with (folder / "posterior.csv").open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    text = library_refusal(err, "too large", "to make it again, restore the folder",
                           "run the study again with --resume")
    assert "coprod calibrate --out" not in text
    (folder / "posterior.csv").write_text("weight\n1\n")  # a header error gave no remedy
    with pytest.raises(InputError) as err:
        load_posterior(folder)
    # (said, not quoted as a command to copy: it was "'the study's command with …'")
    text = library_refusal(err, "header", "to make it again, restore the folder")
    assert "“" not in text and "'the study" not in text
    (folder / "selection" / SELECTION_FILE).write_text("{")
    with pytest.raises(InputError) as err:
        _selection_record(folder / "selection" / SELECTION_FILE, "trust_weight", 1)
    library_refusal(err, "malformed file", f"coprod ablate --resume --out {tmp_path / 'out'}'"
                    f" after deleting {folder / 'selection' / SELECTION_FILE}")


@pytest.mark.parametrize(("tamper", "words"), [
    (lambda t: t.assign(activity=t.activity.replace("social", "physical")),
     ["a share twice", "physical: municipality"]),
    (lambda t: t.assign(coordinator=t.coordinator.replace("voluntary", "<b>x</b>")),
     ["row 3, column 'coordinator'", "not a coordinator"]),
    (lambda t: t.assign(activity=[None, *t.activity[1:]]),
     ["row 2, column 'activity'", "''"]),
])
def test_a_leave_one_out_table_not_as_written_is_named_in_the_table(tmp_path, tamper,
                                                                     words):
    # A row moved to another activity showed a share twice in the report, or blamed the
    # manifest's genuine 'social' calibration; a coordinator of any name was shown.
    from studies.leave_one_out import LeaveOneOut
    from tests.conftest import ROOT

    folder = tmp_path / "v"
    shutil.copytree(ROOT / "calibration" / "data" / "validation", folder)
    table = pd.read_csv(folder / "leave_one_out.csv")
    tamper(table).to_csv(folder / "leave_one_out.csv", index=False)
    with pytest.raises(InputError) as err:
        LeaveOneOut.read_shipped(folder)
    text = library_refusal(err, "leave_one_out.csv: row", *words)
    assert "field 'calibrations'" not in text


@pytest.mark.parametrize(("change", "words"), [
    # The study in numbers that library callers read (LeaveOneOut.summary) was the
    # manifest's, whatever the table beside it said.
    (lambda r: r["summary"].update(inside_predictive_90=17),
     "field 'summary.inside_predictive_90': not as its table says: 17; allowed: 18"),
    (lambda r: r["summary"].update(mean_error=0.01), "field 'summary.mean_error'"),
    (lambda r: r["summary"].update(mean_error=True), "field 'summary.mean_error'"),
    (lambda r: r["summary"].update(model_loses_to_logit=["social"]),
     "field 'summary.model_loses_to_logit'"),
    (lambda r: r["summary"].pop("model_beats_naive"), "field 'summary.model_beats_naive'"),
])
def test_a_leave_one_out_summary_not_as_its_table_says_is_refused(tmp_path, change, words):
    from studies.leave_one_out import LeaveOneOut
    from tests.conftest import ROOT

    folder = tmp_path / "v"
    shutil.copytree(ROOT / "calibration" / "data" / "validation", folder)
    assert LeaveOneOut.read_shipped(folder).summary["inside_predictive_90"] == 18
    edit_json(folder / "leave_one_out_manifest.json", change)
    with pytest.raises(InputError) as err:
        LeaveOneOut.read_shipped(folder)
    library_refusal(err, "leave_one_out_manifest.json", words)


def test_a_study_remedy_resumes_the_study_as_it_was_begun(tmp_path):
    # 'coprod ablate --resume --out A' for a --quick --seed 7 --mechanism trust_weight
    # study was refused for its settings, or grew it to all seven mechanisms.
    import shlex

    from studies.ablation import SELECTION_FILE, _selection_record
    from studies.calibrations import resume_command
    from studies.parameter_recovery import resume_recovery

    out = tmp_path / "-a b"
    said = resume_command("ablate", out, quick=True, seed=7,
                          options=("--mechanism", "trust_weight"))
    assert shlex.split(said) == ["coprod", "ablate", "--quick", "--seed", "7", "--mechanism",
                                 "trust_weight", "--resume", "--out", str(out)]
    relative = resume_command("ablate", "-a", quick=False, seed=1)
    assert shlex.split(relative)[-1] == "./-a"  # not read as an option
    assert shlex.split(resume_recovery(out, quick=False, seed=3, truths=20))[2:] == [
        "--seed", "3", "--truths", "20", "--resume", "--out", str(out)]
    path = out / "trust_weight" / "selection" / SELECTION_FILE
    path.parent.mkdir(parents=True)
    path.write_text("{")
    with pytest.raises(InputError) as err:
        _selection_record(path, "trust_weight", 1, remake=said)
    # (the command in “…”, which quotes its folder itself; the step after the quotes)
    library_refusal(err, f"“{said}” after deleting {shlex.quote(str(path))}")


def test_a_model_selection_rebuilt_from_its_history_keeps_its_sampling(tmp_path):
    # Rebuilt after its record was deleted, it recorded the rebuild's 0.1 s.
    from studies.ablation import SELECTION_FILE, select_models

    tiny = Settings(population_size=8, max_populations=2, max_simulations=200,
                    max_walltime_s=60)
    made = select_models(tmp_path / "selection", "joint_propensity", settings=tiny, seed=3)
    assert made["sampling_s"] >= made["wall_time_s"] > 0
    (tmp_path / "selection" / SELECTION_FILE).unlink()
    again = select_models(tmp_path / "selection", "joint_propensity", settings=tiny, seed=3,
                          resume=True)
    assert again["model_probability_full"] == made["model_probability_full"]
    # pyabc's own times of the kept generations, and the rebuild's
    assert again["sampling_s"] > again["wall_time_s"]
    assert again["sampling_s"] <= made["sampling_s"] + again["wall_time_s"]


def test_a_finished_model_selection_resumed_samples_nothing_more(tmp_path):
    # Its record lost, --resume went on from its history: pyabc samples a generation
    # before it checks its stopping rules, so a selection that had reached its tolerance
    # gained a generation and another answer.
    import logging

    from calibration.history import whole_generations
    from studies.ablation import SELECTION_FILE, select_models

    reached = Settings(population_size=8, max_populations=4, max_simulations=2_000,
                       max_walltime_s=60, min_epsilon=100.0)  # reached by the first
    folder = tmp_path / "selection"
    logging.getLogger("ABC").setLevel(logging.INFO)  # as a calibration's progress leaves it
    made = select_models(folder, "joint_propensity", settings=reached, seed=3)
    # pyabc's per-generation lines are a calibration's progress, not a selection's: a
    # selection run without a calibration before it in the process printed them.
    assert logging.getLogger("ABC").level == logging.WARNING
    assert made["populations"] == 1 == whole_generations(folder / "abc.db")
    (folder / SELECTION_FILE).unlink()
    again = select_models(folder, "joint_propensity", settings=reached, seed=3, resume=True)
    assert whole_generations(folder / "abc.db") == 1
    for key in ("model_probability_full", "epsilons", "simulations", "populations"):
        assert again[key] == made[key], key
    # What the run that made it gave up is in no history: not said to be none.
    assert made["simulations_given_up"] == 0 and "simulations_given_up" not in again


@pytest.mark.parametrize(("value", "shown"), [
    ("Tromsø", '"Tromsø"'), (float("nan"), "NaN"), ([float("inf"), 3.5], "[Infinity, 3.5]"),
    ({"a": None, "b": True}, '{"a": null, "b": true}'), ("a\x1b[31m", '"a\\u001b[31m"'),
])
def test_a_refused_record_value_is_shown_as_its_file_says_it(value, shown):
    # Shown as Python's (None, True, nan, inf), or with non-ASCII letters escaped.
    from runtime.fields import Fields

    with pytest.raises(InputError) as err:
        Fields({"k": value}, "x.json", "coprod x")("k", lambda _: False, "something")
    assert f"field 'k': invalid value {shown}; allowed: something" in str(err.value)
    assert "\x1b" not in str(err.value)


def _selection(tmp_path, **change):
    """A finished model selection's record as select_models writes it, with ``change``."""
    record = {"model_probability_full": 0.25, "model_probability_ablated": 0.75,
              "epsilons": [3.0, 2.0], "simulations": 120, "populations": 2, "seed": 9,
              "mechanism": "trust_weight",
              "model_version": MODEL_VERSION, "min_epsilon": 1.4, "wall_time_s": 12.5}
    path = tmp_path / "model_probabilities.json"
    path.write_text(json.dumps({**record, **change}))
    return path


@pytest.mark.parametrize(("field", "value"), [
    ("wall_time_s", -5), ("epsilons", "lots"), ("populations", -1), ("min_epsilon", None),
    ("model_version", float(MODEL_VERSION)), ("seed", 9.0), ("seed", 10),
    ("model_version", MODEL_VERSION - 1),
    # Each a number of its kind, yet no selection writes them together.
    ("model_probability_ablated", 0.9), ("populations", 5), ("epsilons", [3.0, -2.0]),
    ("min_epsilon", -5), ("sampling_s", "long"), ("sampling_s", -1), ("seed", "x"),
    ("mechanism", 3),
    # Swapped between mechanisms, the seed was blamed (it derives from the mechanism).
    ("mechanism", "joint_propensity")])
def test_a_kept_model_selection_is_checked_field_by_field(tmp_path, field, value):
    # Only the probabilities, simulations, seed and version were checked; the rest (a
    # negative time, "lots" of tolerances) went into the ablation's manifest as kept.
    from studies.ablation import _selection_record

    with pytest.raises(InputError) as err:
        _selection_record(_selection(tmp_path, **{field: value}), "trust_weight", 9)
    text = library_refusal(err, "model_probabilities.json", f"field '{field}'")
    # Of another seed, version or mechanism, deleting would not help: the study's own
    # options would. Damaged (9.0, "x"), it is made again by deleting it (it said to
    # start another study in another --out).
    other = (field, value) in (("seed", 10), ("model_version", MODEL_VERSION - 1),
                               ("mechanism", "joint_propensity"))
    assert ("begun with" in text and "deleting" not in text) if other else \
        ("deleting" in text and "another --out" not in text)


@pytest.mark.parametrize(("field", "value"), [
    ("epsilons", [3.0, -2.0]), ("epsilons", []), ("populations", 3),
    ("simulations", 2**53 + 1), ("simulations", 12.0)])
def test_a_calibration_and_a_selection_refuse_the_same_generations_alike(
        tmp_path, field, value):
    # One check of epsilons, simulations and populations serves both records; a
    # calibration's record took a negative tolerance the selection's refused.
    from studies.ablation import _selection_record
    from studies.calibrations import RECORD_FILE, calibration_record

    path = _selection(tmp_path, **{field: value})
    with pytest.raises(InputError) as selection:
        _selection_record(path, "trust_weight", 9)
    path.rename(tmp_path / RECORD_FILE)
    with pytest.raises(InputError) as calibration:
        calibration_record(tmp_path, "coprod validate")
    said = [str(e.value).split(": make it again")[0].split("; make it again")[0]
            for e in (selection, calibration)]
    assert said[0].replace("model_probabilities.json", RECORD_FILE) == said[1]
    assert f"field '{field}'" in said[1]


def test_selections_swapped_between_mechanisms_name_the_mechanism(tmp_path):
    # Each selection's seed derives from --seed and its mechanism: the seed differed too,
    # and was the field named.
    from studies.ablation import _selection_record

    path = _selection(tmp_path, mechanism="joint_propensity", seed=10)
    with pytest.raises(InputError) as err:
        _selection_record(path, "trust_weight", 9)
    library_refusal(err, "field 'mechanism'", '"joint_propensity"',
                    '"trust_weight", the mechanism of its folder')


def test_a_selection_kept_before_it_recorded_its_mechanism_is_told_by_its_seed(tmp_path):
    # Refused as "missing field 'mechanism'" with advice to start another --out: the
    # study's finished calibrations would have been thrown away.
    from studies.ablation import _selection_record

    path = _selection(tmp_path)
    record = json.loads(path.read_text())
    del record["mechanism"]
    path.write_text(json.dumps(record))
    assert _selection_record(path, "trust_weight", 9)["reused"]
    with pytest.raises(InputError, match="field 'seed'"):
        _selection_record(path, "joint_propensity", 10)


def test_a_kept_model_selection_carries_only_what_a_selection_writes(tmp_path):
    from studies.ablation import _selection_record

    kept = _selection_record(_selection(tmp_path, note="\x1b[31mred"), "trust_weight", 9)
    assert "note" not in kept and kept["reused"] and kept["model_probability_ablated"] == 0.75


@pytest.mark.parametrize(("text", "said"), [
    ('{"model_version": 3, "seed": 1, "model_version": 4}', "the key 'model_version' twice"),
    ('{"seed": ' + "9" * 5001 + "}", "a number of more than 4,300 digits"),
    # Python's type was the message: "malformed file: 'list'".
    ('[{"seed": 1}]', "malformed file: an array at its top; allowed: a JSON object"),
    ("null", "malformed file: null at its top"), ('"x"', "a string at its top"),
])
def test_a_record_that_says_two_things_or_an_endless_number_is_one_line(tmp_path, text, said):
    # The last of a repeated key was taken; Python's own remedy for a long number
    # (sys.set_int_max_str_digits) was the message.
    from runtime.files import read_own_json

    path = tmp_path / "calibration.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_own_json(path, "coprod recovery --resume")
    text = library_refusal(err, "calibration.json", said)
    assert "set_int_max_str_digits" not in text


def test_a_study_says_which_calibrations_were_interrupted_and_resumed():
    # An interrupted calibration goes on reproducibly, but not as an uninterrupted run
    # would have sampled: README and report name those whose records show it.
    from coprod.report_studies import resumed_midway, resumed_sentence

    calibrations = {"truth_00": {"wall_time_s": 300.0},  # made before sampling_s
                    "truth_01": {"wall_time_s": 1810.7, "sampling_s": 2007.5},
                    "truth_02": {"wall_time_s": 730.4, "sampling_s": 730.4},
                    "truth_03": {"wall_time_s": 10.0, "sampling_s": 900.0},
                    "truth_09": {"wall_time_s": 1.0, "sampling_s": 50.0}}  # not the study's
    names = ["truth_00", "truth_01", "truth_02", "truth_03"]
    resumed = resumed_midway(calibrations, names)
    assert resumed == {"resumed": ["truth_01", "truth_03"], "unrecorded": 1}
    said = resumed_sentence(resumed)
    assert said.startswith("truth_01 and truth_03 ran over more than one run")
    assert "1 calibration's record holds only its last run's time" in said
    assert resumed_sentence(resumed_midway(calibrations, ["truth_02"])) == ""
    assert resumed_sentence(resumed_midway("junk", names)) == ""


def test_a_calibration_swapped_while_its_posterior_is_written_says_so(tmp_path, monkeypatch):
    # Its sampling over, its posterior is read from abc.db by path: the truth's folder
    # swapped for a link at that moment was a sqlite "unable to open database file"
    # traceback (seen once in CI), not the one line a swap gets elsewhere.
    import sqlite3

    import calibration.abc as abc
    from runtime.locks import locked

    out, moved = tmp_path / "out", tmp_path / "moved"

    def swapped(directory, *args, **kwargs):
        directory.rename(moved)
        directory.symlink_to(moved)
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(abc, "write_adjusted", swapped)
    with locked(out) as folder, pytest.raises(InputError) as err:
        abc.calibrate(out / "truth_00", seed=1, settings=tiny_settings(), progress=False,
                      inside=folder.inner(out / "truth_00"))
    library_refusal(err, "moved or replaced")


@pytest.mark.parametrize(("record", "words"), [
    (None, ["effects.json", "cannot reuse kept effects", "no such file"]),
    ({"replicates_at_truth": 2, "posterior_draws": 20, "seed": 11},
     ["field 'replicates_at_truth'", "made otherwise", "2; allowed: 10"]),
    ({"replicates_at_truth": 10.0, "posterior_draws": 20, "seed": 11},
     ["field 'replicates_at_truth'", "10.0"]),
    ({"replicates_at_truth": 10, "posterior_draws": 20, "seed": 12}, ["field 'seed'"]),
    ({"replicates_at_truth": 10, "posterior_draws": 20}, ["missing field", "seed"]),
    ([10, 20, 11], ["effects.json"]),
    # A field no record has was accepted (where tools/keep_study_parts.sh skipped it).
    ({"replicates_at_truth": 10, "posterior_draws": 20, "seed": 11, "by": "x"},
     ["field 'by'", "no such field"]),
])
def test_kept_effects_made_otherwise_are_not_reused(tmp_path, record, words):
    # A truth's effects were reused whatever replicates and draws made them, and the
    # study's manifest said today's.
    from studies.recovery import EFFECTS_RECORD, check_effects_made

    path = tmp_path / "effects.csv"
    _effects(path)
    made = {"replicates_at_truth": 10, "posterior_draws": 20, "seed": 11}
    (tmp_path / EFFECTS_RECORD).write_text(json.dumps(made))
    check_effects_made(path, made)  # as made: reused
    if record is None:
        (tmp_path / EFFECTS_RECORD).unlink()
    else:
        (tmp_path / EFFECTS_RECORD).write_text(json.dumps(record))
    with pytest.raises(InputError) as err:
        check_effects_made(path, made)
    text = library_refusal(err, *words)
    assert "--resume" in text and "effects.csv" in text


def test_kept_effects_whose_record_is_a_folder_say_so(tmp_path):
    # It was "no such file", with advice to delete a file that was there.
    from studies.recovery import EFFECTS_RECORD, check_effects_made

    path = tmp_path / "truth_00" / "effects.csv"
    path.parent.mkdir()
    _effects(path)
    (path.parent / EFFECTS_RECORD).mkdir()
    with pytest.raises(InputError) as err:
        check_effects_made(path, {"seed": 1})
    text = library_refusal(err, "effects.json: not a file", "folder")
    assert "no such file" not in text
    (path.parent / EFFECTS_RECORD).rmdir()
    with pytest.raises(InputError) as err:  # absent: delete the effects, name --out
        check_effects_made(path, {"seed": 1})
    library_refusal(err, "no such file", f"--out {tmp_path}' after deleting {path} (")


def test_a_remedys_folder_with_a_space_is_one_word_of_its_command(tmp_path):
    # '--out /tmp/r s' split into two arguments when the remedy was copied.
    import shlex

    from studies.recovery import check_effects_made

    path = tmp_path / "r s" / "truth_00" / "effects.csv"
    path.parent.mkdir(parents=True)
    _effects(path)
    with pytest.raises(InputError) as err:
        check_effects_made(path, {"seed": 1})
    library_refusal(err, "no such file",
                    f"--out {shlex.quote(str(tmp_path / 'r s'))}” after deleting")


def test_every_truth_kept_without_its_effects_record_is_named_at_once(tmp_path):
    # One truth per run: a recovery kept before effects had their record took 20 runs.
    from studies.recovery import EFFECTS_RECORD, refuse_unrecorded_effects

    for k in range(10):
        folder = tmp_path / f"truth_{k:02d}"
        folder.mkdir()
        _effects(folder / "effects.csv")
        if k in (0, 1, 4):
            (folder / EFFECTS_RECORD).write_text("{}")
    refuse_unrecorded_effects(tmp_path, 2)  # the truths asked for have their records
    with pytest.raises(InputError) as err:
        refuse_unrecorded_effects(tmp_path, 10)
    library_refusal(err, "effects.csv without effects.json in truth_02, truth_03, truth_05, "
                    "truth_06, truth_07 and 2 more", f"coprod recovery --resume --out {tmp_path}")
    refuse_unrecorded_effects(tmp_path / "nowhere", 10)  # nothing kept: nothing refused


def test_a_lost_posterior_is_written_again_from_its_history_not_sampled_on(tmp_path):
    # "delete posterior.csv: --resume makes it again from abc.db" sampled another
    # generation (pyabc goes on from a history), so the posterior and record changed.
    from calibration.history import whole_generations
    from studies.calibrations import RECORD_FILE, calibrate_or_reuse

    out = tmp_path / "truth_00"
    stops = Settings(population_size=12, max_populations=6, max_simulations=2000,
                     max_walltime_s=120, min_epsilon=3.0)  # at its tolerance, not the last
    made = calibrate_or_reuse(out, resume=False, remake="x", seed=5, settings=stops)
    assert made["populations"] < stops.max_populations
    posterior = (out / "posterior.csv").read_bytes()
    adjusted = (out / "posterior_adjusted.csv").read_bytes()
    record = (out / RECORD_FILE).read_bytes()
    (out / "posterior.csv").unlink()
    (out / "posterior_adjusted.csv").unlink()
    again = calibrate_or_reuse(out, resume=True, remake="x", seed=5, settings=stops)
    assert whole_generations(out / "abc.db") == made["populations"]
    assert (out / "posterior.csv").read_bytes() == posterior
    assert (out / "posterior_adjusted.csv").read_bytes() == adjusted
    assert (out / RECORD_FILE).read_bytes() == record  # as the run made it
    assert again["simulations"] == made["simulations"] and again["reused"]
    # A record damaged as well: say what deleting it does (pyabc goes on).
    (out / "posterior.csv").unlink()
    (out / RECORD_FILE).write_text("{")
    with pytest.raises(InputError) as err:
        calibrate_or_reuse(out, resume=True, remake="x", seed=5, settings=stops)
    library_refusal(err, "x' after deleting", RECORD_FILE, "posterior.csv",
                    "goes on sampling from abc.db where the run's limits allow")
