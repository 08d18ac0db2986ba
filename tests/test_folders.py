"""Output folders: a run writes, renames and deletes only folders it made (marked), never a user's."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.cli import main
from alignment.config import load_config
from alignment.errors import InputError
from alignment.folders import MARKER, check_output_folders, is_owned, mark, remove_owned
from alignment.run import check_outputs

CONFIG = """\
run: test-run
year: 2024
state_fips: "41"
inputs:
  enrollment: enrollment.csv
  qcew: qcew/*.csv
  regions: regions.csv
family_wage:
  source: value
  value_hourly_usd: 25
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A project folder with a config and its inputs in ``inputs/``; the working directory."""
    inputs = tmp_path / "inputs"
    (inputs / "qcew").mkdir(parents=True)
    for name in ("enrollment.csv", "regions.csv", "qcew/a.csv"):
        (inputs / name).write_text("x\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def config(project: Path, outputs: str = "") -> Path:
    path = project / "inputs" / "config.yml"
    path.write_text(CONFIG + (f"outputs:\n{outputs}" if outputs else ""))
    return path


def problems(project: Path, outputs: str, **kw) -> list[str]:
    cfg = load_config(config(project, outputs), root=project)
    try:
        check_outputs(cfg, **kw)
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_default_and_own_folders_are_accepted(project):
    assert problems(project, "") == []
    mark(project / "reports" / "test-run")
    (project / "reports" / "test-run" / "index.html").write_text("an earlier run")
    assert problems(project, "") == []
    (project / "data" / "processed" / "test-run").mkdir(parents=True)  # empty: nothing to lose
    assert problems(project, "") == []


def test_a_folder_holding_a_users_files_is_refused_with_its_config_line(project):
    victim = project / "victim"
    victim.mkdir()
    (victim / "budget.xlsx").write_text("mine")
    found = problems(project, "  reports: victim\n")
    assert len(found) == 1
    assert "config.yml, row 12, column 'outputs.reports'" in found[0]
    assert "already holds files alignment did not write (budget.xlsx)" in found[0]


def test_an_output_folder_holding_or_equal_to_an_input_is_refused(project):
    found = problems(project, "  processed: inputs\n")
    assert len(found) == 1 and "outputs.processed" in found[0] and "an input of the run" in found[0]
    found = problems(project, "  reports: inputs/qcew\n")
    assert "holds an input of the run" in found[0] and "a.csv" in found[0]
    found = problems(project, "  reports: inputs/qcew/a.csv\n")
    assert "is an input of the run" in found[0]


def test_processed_and_reports_must_be_separate_folders(project):
    found = problems(project, "  processed: out\n  reports: out\n")
    assert any("the same folder" in p and "unsuppressed student counts" in p for p in found)
    found = problems(project, "  processed: out/tables\n  reports: out\n")
    assert any("lies inside the reports folder" in p for p in found)


def test_outside_the_project_needs_allow_outside(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    outputs = f"  processed: {elsewhere / 'p'}\n  reports: {elsewhere / 'r'}\n"
    found = problems(project, outputs)
    assert len(found) == 2 and all(
        "outside the project folder" in p and "--allow-outside" in p for p in found
    )
    assert problems(project, outputs, allow_outside=True) == []


@pytest.mark.parametrize("system", ["/etc", "/usr", "/"])
def test_a_system_folder_is_refused_even_with_allow_outside(project, system):
    found = [
        p for p in problems(project, f"  reports: {system}\n", allow_outside=True) if "outputs.reports" in p
    ]
    assert found and ("did not write" in found[0] or "holds the whole project" in found[0])


def test_the_project_folder_itself_and_its_parents_are_refused(project):
    for where in (".", ".."):
        found = problems(project, f"  reports: {where}\n", allow_outside=True)
        assert any("holds the whole project" in p for p in found), where


def test_a_symbolic_link_is_refused(project):
    (project / "real").mkdir()
    (project / "link").symlink_to(project / "real")
    found = problems(project, "  reports: link\n")
    assert len(found) == 1 and "is a symbolic link" in found[0]  # the link itself is never replaced


def test_remove_owned_deletes_only_marked_folders(tmp_path):
    mine = mark(tmp_path / "mine")
    (mine / "report.html").write_text("x")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    assert remove_owned(theirs) is False and theirs.is_dir()  # even empty: not ours
    assert remove_owned(mine) is True and not mine.exists()
    assert is_owned(mark(tmp_path / "new")) and (tmp_path / "new" / MARKER).is_file()


def test_a_run_published_before_the_marker_existed_is_recognised_by_its_manifest(project):
    earlier = project / "reports" / "test-run"
    earlier.mkdir(parents=True)
    (earlier / "manifest.json").write_text('{"run": "test-run", "alignment_version": "0.1.0"}')
    (earlier / "index.html").write_text("old")
    assert problems(project, "") == []
    (earlier / "manifest.json").write_text('{"run": "another-run", "alignment_version": "0.1.0"}')
    assert problems(project, "")


def test_check_output_folders_without_a_config(tmp_path):
    """The pure check: every reason at once, none for a clean pair inside the project."""
    kw = {"inputs": [tmp_path / "in.csv"], "project": tmp_path}
    assert check_output_folders(processed=tmp_path / "p", reports=tmp_path / "r", **kw) == []
    found = check_output_folders(processed=tmp_path, reports=tmp_path, **kw)
    assert len(found) == 3  # same folder, and each holds the whole project


def test_validate_and_run_refuse_and_leave_the_users_files(project, capsys):
    victim = project / "victim"
    victim.mkdir()
    (victim / "budget.xlsx").write_text("mine")
    cfg = config(project, "  reports: victim\n")
    assert main(["validate", str(cfg)]) == 1
    assert "did not write (budget.xlsx)" in capsys.readouterr().err
    assert main(["run", str(cfg), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "did not write (budget.xlsx)" in err and "Nothing was written" in err
    assert sorted(p.name for p in victim.iterdir()) == ["budget.xlsx"]
    assert not (project / "data").exists()


def test_demo_never_replaces_a_users_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["demo", "--data-dir", str(mine), "--no-progress"]) == 1
    assert "already holds files the demo did not write (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
