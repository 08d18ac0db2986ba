"""The command line: help, validate (every problem at once, exit status), and a refused run."""

import re
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


def _cip_list_for(enrollment: Path, path: Path) -> Path:
    """An NCES-layout CIP list holding the demo's own codes (titled by their program names) plus the
    project's small fixture list, so only truly invalid codes get suggestions."""
    from alignment.sources.enrollment import read_enrollment

    fixture = Path(__file__).parent / "fixtures" / "cip" / "CIPCode2020_small.csv"
    e = read_enrollment(enrollment).dropna(subset=["cip"]).drop_duplicates("cip")
    lines = fixture.read_text().splitlines()
    known = {line.split(",")[1] for line in lines[1:]}
    for r in e.itertuples():
        if f'="{r.cip}"' not in known:
            title = str(r.program_name).replace('"', "'")
            lines.append(f'="{r.cip[:2]}",="{r.cip}","No substantive changes",no,"{title}.","{title}.","",')
    path.write_text("\n".join(lines) + "\n")
    return path


def test_validate_suggests_cips_and_applies_only_accepted_lines(demo_dir, tmp_path, capsys):
    """A program with an invalid CIP gets title → CIP suggestions; an accepted line fixes it, nothing else."""
    work = tmp_path / "suggest"
    shutil.copytree(demo_dir, work)
    cip_list = _cip_list_for(work / "enrollment.csv", tmp_path / "CIPCode2020.csv")
    with (work / "enrollment.csv").open("a") as fh:
        fh.write("2023-24,Baker Demo SD 1,41001,S999,Welding Technology,48.05xx,Secondary,,30,14,12\n")
    config = (work / "config.yml").read_text()
    config = config.replace("inputs:\n", f"inputs:\n  cip_list: {cip_list}\n", 1)
    (work / "config.yml").write_text(config)
    out_file = work / "cip-suggestions.csv"
    assert main(["validate", str(work / "config.yml"), "--suggestions", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "CIP suggestions for 2 program(s)" in out  # the new row and the demo's "CIP TBD" pilot
    assert "'Welding Technology' (CIP cell '48.05xx') -> 48.0508 Welding Technology/Welder" in out
    table = out_file.read_text().splitlines()
    assert table[0].split(",")[-1] == "accept"
    before = int(re.search(r"(\d+) enrollment row\(s\) have a CIP code with no cluster", out).group(1))

    # nothing is applied before the user accepts; accept the welding line only
    lines = [table[0]] + [
        (line + "yes") if line.startswith("Welding Technology,48.05xx,1,48.0508,") else line
        for line in table[1:]
    ]
    out_file.write_text("\n".join(lines) + "\n")
    config = (work / "config.yml").read_text() + f"crosswalks:\n  program_cip_mapping: {out_file}\n"
    (work / "config.yml").write_text(config)
    assert main(["validate", str(work / "config.yml")]) == 0
    out = capsys.readouterr().out
    after = int(re.search(r"(\d+) enrollment row\(s\) have a CIP code with no cluster", out).group(1))
    assert after == before - 1
    assert "'Welding Technology'" not in out and "CIP suggestions for 1 program(s)" in out
