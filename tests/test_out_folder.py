"""``--out`` makes the folders it needs, parents included, and refuses what is unsafe.

A planner's ``coprod run … --out results/ours`` must not need a ``mkdir`` first; the file
system's root, the project's folder, the package's folders, a file in the way and a link
among the folders to be made stay refused in one line, before any run, and a refused
command leaves no folder behind.
"""

from pathlib import Path

import pytest

from coprod.main import main
from tests.conftest import ROOT, TINY_RUN


@pytest.mark.slow  # run, compare and report end to end: `make test-slow`
def test_run_makes_the_missing_parents_of_its_out(tmp_path, capsys):
    out = tmp_path / "results" / "2026" / "ours"
    assert main(["run", "baseline", *TINY_RUN, "--out", str(out)]) == 0
    assert (out / "baseline" / "outcomes.csv").is_file()
    assert main(["compare", "--out", str(out)]) == 0  # compare and report write there too
    assert main(["report", "--out", str(out)]) == 0
    assert (out / "report.html").is_file()


def _unsafe(tmp_path: Path) -> dict[str, tuple[str, str]]:
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "nowhere_link").symlink_to(tmp_path / "nowhere")  # a dangling link
    (tmp_path / "to_package").symlink_to(ROOT / "sim")
    return {"root": ("/", "refusing to write into"),
            "project": (str(ROOT), "refusing to write into"),
            "package through a link": (str(tmp_path / "to_package" / "out"),
                                       "package folder"),
            "existing file": (str(tmp_path / "a_file"), "not a directory"),
            "file as a parent": (str(tmp_path / "a_file" / "out"), "is a file"),
            "dangling link among the parents": (str(tmp_path / "nowhere_link" / "out"),
                                                "through a link")}


@pytest.mark.parametrize("case", ["root", "project", "package through a link",
                                  "existing file", "file as a parent",
                                  "dangling link among the parents"])
@pytest.mark.parametrize("command", [["run", "baseline", *TINY_RUN], ["survey", "--reps", "100"]])
def test_unsafe_outs_stay_refused_in_one_line(tmp_path, capsys, case, command):
    out, message = _unsafe(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([*command, "--out", out]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1
    assert "Running" not in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "nowhere").exists()  # nothing made through the link


def test_a_refused_command_leaves_no_folder_behind(tmp_path, capsys):
    out = tmp_path / "results" / "ours"
    assert main(["run", "no_such_scenario", *TINY_RUN, "--out", str(out)]) == 2
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("target", ["gone/truth_13", "elsewhere"])
def test_a_study_folder_replaced_by_a_link_out_is_refused_before_anything_is_made(
        tmp_path, target):
    # A truth folder that is a link leading out of --out, even a dangling one (it was
    # "File exists" in a path the system accepts), is refused before a folder is made.
    from runtime.locks import locked
    from sim.errors import InputError

    out, outside = tmp_path / "study", tmp_path / "outside"
    out.mkdir()
    (outside / "elsewhere").mkdir(parents=True)
    (out / "truth_13").symlink_to(outside / target)
    with locked(out) as folder, pytest.raises(InputError) as err:
        folder.inner(out / "truth_13")
    assert "refusing to write outside the output folder" in str(err.value)
    assert sorted(p.name for p in outside.rglob("*")) == ["elsewhere"]
    with locked(out) as folder:  # a folder of its own is made and held
        held = folder.inner(out / "truth_14")
        assert held.path.is_dir() and held.identity is not None
        assert held.inner(out / "truth_14") is held and folder.inner(out) is folder


@pytest.mark.parametrize("link", [".", "..", "truth_00", "truth_00/inner", "missing"])
def test_a_study_folder_linked_to_its_out_a_parent_or_a_sibling_is_refused(tmp_path, link):
    # A truth folder linked to --out itself began a calibration at --out's top level; a
    # selection folder linked to a calibration's resumed that calibration's history as
    # the model selection and wrote a wrong answer, exit 0.
    from runtime.locks import locked
    from sim.errors import InputError

    out = tmp_path / "study"
    (out / "truth_00" / "inner").mkdir(parents=True)
    (out / "truth_01").symlink_to(link)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with locked(out) as folder, pytest.raises(InputError) as err:
        folder.inner(out / "truth_01")
    text = str(err.value)
    assert ("refusing to write through a link in the output folder" in text
            or "refusing to write outside the output folder" in text), text
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                  if p.name != ".coprod.lock") == before


def test_a_file_where_a_study_folder_goes_is_named_as_a_file(tmp_path):
    from runtime.locks import locked
    from sim.errors import InputError

    out = tmp_path / "study"
    out.mkdir()
    (out / "truth_00").write_text("x")
    with locked(out) as folder, pytest.raises(InputError, match="not a folder"):
        folder.inner(out / "truth_00")
    assert (out / "truth_00").read_text() == "x"


def test_a_database_with_another_name_is_not_written(tmp_path):
    # A hard-linked abc.db was resumed and grew a generation in the file outside --out.
    import os

    from runtime.locks import locked
    from runtime.paths import checked_database
    from sim.errors import InputError

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.db"
    out.mkdir()
    elsewhere.write_bytes(b"SQLite format 3\x00")
    os.link(elsewhere, out / "abc.db")
    with locked(out) as folder, pytest.raises(InputError, match="another name"):
        checked_database(out / "abc.db", folder)
    (out / "abc.db").unlink()
    with locked(out) as folder:  # one name, or none yet: written
        assert checked_database(out / "abc.db", folder) == (out / "abc.db").resolve()


@pytest.mark.parametrize("name", ["abc.db", "abc.db-journal"])
def test_a_database_that_is_a_folder_is_named_so(tmp_path, capsys, name):
    # A folder has two names (its own and its '.'): it was refused as a hard link.
    (tmp_path / name).mkdir()
    assert main(["calibrate", "--quick", "--resume", "--seed", "1", "--out",
                 str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{name}: not a file: it is a folder; a database file (SQLite)" in err, err
    assert "move it away" in err and "give a" not in err
    assert "names" not in err and err.count("\n") == 1


def test_an_out_whose_dotdot_follows_a_link_is_refused_at_the_start(tmp_path, capsys):
    # lnk/../r read every kept truth from the link's parent and failed at the very end
    # writing the lexical path's staging folder.
    (tmp_path / "deep" / "d2").mkdir(parents=True)
    (tmp_path / "lnk").symlink_to(tmp_path / "deep" / "d2")
    out = f"{tmp_path}/lnk/../r"
    assert main(["run", "baseline", *TINY_RUN, "--out", out]) == 2
    err = capsys.readouterr().err
    assert "ambiguous folder" in err and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists() and not (tmp_path / "deep" / "r").exists()
    plain = f"{tmp_path}/a/../r"  # no link: one folder, fine
    from runtime.files import check_out_dir

    assert check_out_dir(plain) == Path(plain)
