"""The staging folder of a set of results cannot be turned against another folder.

A hostile pass swapped a command's staging folder (``.new-outputs.*``) for a link to an
unrelated results folder while the command ran: the command wrote its manifest through
the link, then moved that folder's files (and its lock) into ``--out`` and exited 0.
Moving ``--out`` away and putting a link to a folder holding a look-alike stage in its
place made every file go there, outside ``--out``.
"""

from __future__ import annotations

import os

import pytest

from runtime.files import atomic_write_text, replaced_together
from runtime.locks import locked
from sim.errors import InputError

NAMES = ("table.csv", "manifest.json")


@pytest.fixture
def folders(tmp_path):
    out, other = tmp_path / "out", tmp_path / "other_results"
    other.mkdir()
    (other / "manifest.json").write_text('{"theirs": true}')
    (other / "survey.csv").write_text("theirs\n")
    with locked(out) as folder:  # an earlier complete set in --out
        with replaced_together(out, NAMES, inside=folder) as stage:
            atomic_write_text(stage / "table.csv", "old\n")
            atomic_write_text(stage / "manifest.json", '{"old": true}')
    return out, other


def _untouched(out, other):
    assert (other / "manifest.json").read_text() == '{"theirs": true}'
    assert sorted(p.name for p in other.iterdir()) == ["manifest.json", "survey.csv"]
    assert (out / "table.csv").read_text() == "old\n"
    assert (out / "manifest.json").read_text() == '{"old": true}'
    assert not [p for p in out.iterdir() if p.name.startswith(".new-outputs.")]


def test_a_stage_swapped_for_a_link_before_a_write_is_refused_and_nothing_moves(folders):
    out, other = folders
    with locked(out) as folder, pytest.raises(InputError) as err:
        with replaced_together(out, NAMES, inside=folder) as stage:
            atomic_write_text(stage / "table.csv", "new\n")
            os.rename(stage, out / "stolen")
            os.symlink(other, stage)
            atomic_write_text(stage / "manifest.json", '{"new": true}')
    assert "refusing to write into" in str(err.value) and "\n" not in str(err.value)
    _untouched(out, other)


def test_a_stage_swapped_for_a_link_after_the_writes_moves_nothing_in(folders):
    out, other = folders
    with locked(out) as folder, pytest.raises(InputError, match="staging folder"):
        with replaced_together(out, NAMES, inside=folder) as stage:
            atomic_write_text(stage / "table.csv", "new\n")
            atomic_write_text(stage / "manifest.json", '{"new": true}')
            os.rename(stage, out / "stolen")
            os.symlink(other, stage)
    _untouched(out, other)


def test_out_moved_for_a_link_to_a_look_alike_stage_gets_no_file(folders, tmp_path):
    out, _other = folders
    elsewhere = tmp_path / "else"
    with locked(out) as folder, pytest.raises(InputError, match="refusing to write into"):
        with replaced_together(out, NAMES, inside=folder) as stage:
            os.rename(out, tmp_path / "out.moved")
            (elsewhere / stage.name).mkdir(parents=True)
            os.symlink(elsewhere, out)
            atomic_write_text(stage / "table.csv", "new\n")
    assert list((elsewhere / stage.name).iterdir()) == []  # nothing written outside --out
    moved = tmp_path / "out.moved"
    assert (moved / "table.csv").read_text() == "old\n"


def test_a_link_left_as_a_stage_is_removed_not_followed(folders):
    out, other = folders
    os.symlink(other, out / ".new-outputs.deadbeef")
    with locked(out) as folder:
        with replaced_together(out, NAMES, inside=folder) as stage:
            atomic_write_text(stage / "table.csv", "new\n")
            atomic_write_text(stage / "manifest.json", '{"new": true}')
    assert not os.path.lexists(out / ".new-outputs.deadbeef")
    assert (out / "table.csv").read_text() == "new\n"
    assert sorted(p.name for p in other.iterdir()) == ["manifest.json", "survey.csv"]


def test_a_stage_removed_while_filled_is_not_made_again(folders):
    import shutil

    out, other = folders
    with locked(out) as folder, pytest.raises(InputError, match="refusing to write into"):
        with replaced_together(out, NAMES, inside=folder) as stage:
            shutil.rmtree(stage)
            atomic_write_text(stage / "table.csv", "new\n")
    assert not stage.exists()
    _untouched(out, other)
