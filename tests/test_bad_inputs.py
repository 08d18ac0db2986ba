"""The bad-input catalogue (tests/bad_inputs/cases.csv): every case is accepted or named by file, row and column.

Each case runs the reader of its kind on its file (paths relative to tests/bad_inputs, as a user would type
them) and checks either the normalization (``check``: ``rows=N``, ``column@i=value``,
``attrs.name=a,b``, or a config attribute ``name=value``), that an :class:`InputError` is raised whose text
contains the catalogued message, or (outcome ``warning``) that the run's inputs are read and carry a warning
containing it. No case may end in any other exception. docs/troubleshooting.md lists
the same cases for users.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pandas as pd
import pytest

from alignment.cli import main
from alignment.config import load_config
from alignment.errors import InputError
from alignment.inputs import read_inputs
from alignment.reference import load_cip_cluster
from alignment.sources.enrollment import read_enrollment
from alignment.sources.living_wage import read_living_wage
from alignment.sources.oews import read_oews
from alignment.sources.qcew import read_qcew
from alignment.sources.regions import read_regions

HERE = Path(__file__).parent / "bad_inputs"
CASES = list(csv.DictReader((HERE / "cases.csv").open(encoding="utf-8", newline="")))
KINDS = ("enrollment", "regions", "qcew", "oews", "living_wage", "crosswalk", "config", "inputs")


def _args(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";") if part)


def run_case(kind: str, file: str, args: dict[str, str], root: Path):
    """The table (or config) a user gets from ``file``; raises what the user would see."""
    readers = {
        "enrollment": read_enrollment,
        "regions": read_regions,
        "qcew": read_qcew,
        "oews": read_oews,
        "living_wage": read_living_wage,
        "crosswalk": lambda f: load_cip_cluster("2024", extra=f),
        "config": lambda f: load_config(f, root=root),
        "inputs": lambda f: read_inputs(load_config(f, root=root)),
    }
    return readers[kind](file, **args)


def _shown(value: object) -> str:
    return (
        "<NA>"
        if value is pd.NA or value is None or (isinstance(value, float) and pd.isna(value))
        else str(value)
    )


def check_result(result: object, check: str) -> None:
    for item in filter(None, check.split(";")):
        key, expected = item.split("=", 1)
        if key == "rows":
            assert len(result) == int(expected), item
        elif key.startswith("attrs."):
            assert result.attrs[key[6:]] == expected.split(","), item
        elif "@" in key:
            column, i = key.split("@")
            assert _shown(result[column].iat[int(i)]) == expected, (item, result[column].tolist())
        else:
            assert _shown(getattr(result, key)) == expected, item


def test_catalogue_is_complete():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) >= 40
    assert {c["kind"] for c in CASES} == set(KINDS)
    assert {c["outcome"] for c in CASES} == {"accepted", "error", "warning"}
    for case in CASES:
        assert case["message"] if case["outcome"] in ("error", "warning") else case["check"], case["id"]
    documented = (HERE.parents[1] / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    missing = [i for i in ids if f"| {i} |" not in documented]
    assert not missing, f"cases not in docs/troubleshooting.md: {missing}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(case, tmp_path, monkeypatch):
    monkeypatch.chdir(HERE)
    args = _args(case["args"])
    if case["outcome"] == "error":
        with pytest.raises(InputError) as info:
            run_case(case["kind"], case["file"], args, tmp_path)
        assert case["message"] in str(info.value)
        assert all(p.file for p in info.value.problems)
    elif case["outcome"] == "warning":  # the run goes on; the warning is printed and in the data notes
        notes = [str(p) for p in run_case(case["kind"], case["file"], args, tmp_path).notes]
        assert any(case["message"] in note for note in notes), notes
    else:
        check_result(run_case(case["kind"], case["file"], args, tmp_path), case["check"])


def test_validate_lists_every_problem_of_every_file_in_one_run(monkeypatch, capsys):
    """Four files with defects (enrollment x2, QCEW, living wage, regions): one run, every problem, exit 1."""
    monkeypatch.chdir(HERE)
    code = main(["validate", "config/V01_several_defects.yml"])
    err = capsys.readouterr().err
    assert code == 1
    expected = [
        "config/data/enrollment_several_defects.csv, row 3, column 'completers': expected a whole number >= 0",
        "config/data/enrollment_several_defects.csv, row 4, column 'year': expected a year such as 2024",
        "config/data/qcew_several_defects/2024.annual 41000 Demo State.csv, row 2, column 'annual_avg_emplvl': "
        "expected a number (annual by-area CSV layout), got 'n/a'",
        "config/data/living_wage_several_defects.csv, row 2, column 'hourly_wage': expected an hourly wage",
        "config/data/regions_other_state.csv, row 4, column 'county_fips': county 06037 is outside state 41",
    ]
    for line in expected:
        assert line in err
    assert err.startswith("5 problem(s) in the input:")
    assert "Traceback" not in err


def test_validate_accepts_the_good_config(monkeypatch, capsys):
    monkeypatch.chdir(HERE)
    assert main(["validate", "config/K01_good.yml"]) == 0
    out = capsys.readouterr().out
    assert "enrollment: 3 rows" in out and "regions: 2 regions, 2 counties" in out


def test_validate_reports_a_bad_crosswalk(monkeypatch, capsys, tmp_path):
    cfg = (HERE / "config" / "K01_good.yml").read_text(encoding="utf-8")
    cfg = cfg.replace("data/", f"{(HERE / 'config' / 'data').as_posix()}/")
    bad = (HERE / "crosswalk" / "C04_unknown_cluster.csv").as_posix()
    path = tmp_path / "config.yml"
    path.write_text(cfg + f"crosswalks:\n  cip_cluster_extra: {bad}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert "unknown cluster_code 'agricultur'" in capsys.readouterr().err


def test_validate_prints_input_warnings_and_passes(monkeypatch, capsys):
    monkeypatch.chdir(HERE)
    assert main(["validate", "config/I07_oews_of_2019.yml"]) == 0
    err = capsys.readouterr().err
    assert "warning: config/data/oews/all_data_M2019.csv: OEWS wages of May 2019 in a 2024 run" in err


def test_input_warnings_reach_the_data_notes(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from alignment.inputs import input_notes_table
    from alignment.report.narrative import _input_notes

    monkeypatch.chdir(HERE)
    cfg = load_config("config/I08_county_without_qcew.yml", root=tmp_path)
    notes = input_notes_table(cfg, read_inputs(cfg).notes)
    (line,) = _input_notes(SimpleNamespace(tables={"input_notes": notes}))
    line = html.unescape(line)  # escaped for Markdown and HTML
    assert line.startswith("- **Input warning**: regions_county_without_qcew.csv, row 4, column")
    assert "county 41005" in line and "has no QCEW rows for 2024" in line
    assert _input_notes(SimpleNamespace(tables={})) == []
