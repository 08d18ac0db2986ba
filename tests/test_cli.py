"""The command line: help, validate (every problem at once, exit status), and a refused run."""

import shutil
from pathlib import Path

import pytest

from alignment.cli import build_parser, main
from alignment.demo import generate_demo


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "data" / "raw" / "demo"
    generate_demo(out)
    return out


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "run", "validate"):
        assert command in out
    assert build_parser().prog == "alignment"


def test_validate_good_demo_config(demo_dir, capsys):
    assert main(["validate", str(demo_dir / "config.yml")]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "6 regions, 36 counties" in out
    assert "reported as unmatched" in out  # the demo's one program without a CIP code


def test_validate_lists_every_problem_of_config_and_files(demo_dir, tmp_path, capsys):
    bad_dir = tmp_path / "bad"
    shutil.copytree(demo_dir, bad_dir)
    config = (bad_dir / "config.yml").read_text()
    (bad_dir / "config.yml").write_text(config.replace("supply_measure:", "suply_measure:"))
    assert main(["validate", str(bad_dir / "config.yml")]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'supply_measure'" in err

    (bad_dir / "config.yml").write_text(config)
    lines = (bad_dir / "regions.csv").read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[0], "06037", 1)  # a county of another state
    (bad_dir / "regions.csv").write_text("\n".join(lines) + "\n")
    enrollment = (bad_dir / "enrollment.csv").read_text().splitlines()
    cells = enrollment[9].split(",")
    cells[-1] = "lots"  # text in the completers column
    enrollment[9] = ",".join(cells)
    (bad_dir / "enrollment.csv").write_text("\n".join(enrollment) + "\n")
    assert main(["validate", str(bad_dir / "config.yml")]) == 1
    err = capsys.readouterr().err
    assert "regions.csv, row 4, column" in err and "06037" in err
    assert "enrollment.csv, row 10, column 'Completers'" in err and "lots" in err


def test_run_refuses_invalid_input_without_writing(demo_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "config.yml"
    cfg.write_text((demo_dir / "config.yml").read_text().replace("enrollment.csv", "missing.csv"))
    assert main(["run", str(cfg), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "file not found: 'missing.csv'" in err and "Nothing was written" in err
    assert not (tmp_path / "reports").exists() and not (tmp_path / "data").exists()
