"""Atomic writes: a failed write leaves the previous file or folder as it was, and no temporary behind."""

import pytest

from alignment.atomic import atomic_path, replace_dir, write_text


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "report.html"
    write_text(target, "last year")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-way")
    assert target.read_text() == "last year"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_replace_dir_swaps_complete_folders(tmp_path):
    final, staging = tmp_path / "demo", tmp_path / ".demo.partial"
    final.mkdir()
    (final / "old.txt").write_text("old")
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    replace_dir(staging, final)
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]
    fresh = tmp_path / ".x"
    fresh.mkdir()
    replace_dir(fresh, tmp_path / "other")  # no previous folder
    assert (tmp_path / "other").is_dir()
