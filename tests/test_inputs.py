"""Reading the inputs of a run: parts, warnings about old vintages and missing counties, input notes."""

from pathlib import Path

import pandas as pd
import pytest

from alignment.config import Config, Inputs


def _qcew() -> pd.DataFrame:
    rows = [
        ("41001", "0", "10", 2024, "A", 30_000.0),
        ("41003", "0", "10", 2024, "A", 10_000.0),
        ("41003", "5", "10", 2024, "A", 9_000.0),  # an ownership row: not a county total
        ("41000", "0", "10", 2024, "A", 40_000.0),  # the state: not a county
        ("41001", "0", "10", 2023, "A", 29_000.0),  # another year
    ]
    return pd.DataFrame(rows, columns=["area_fips", "own_code", "industry_code", "year", "qtr", "employment"])


def _regions() -> pd.DataFrame:
    return pd.DataFrame(
        {"county_fips": ["41001", "41003"], "region_id": ["r", "r"], "region_name": ["R", "R"]}
    )


def test_read_inputs_reads_only_the_parts_a_stage_needs(tmp_path):
    from alignment.config import load_config
    from alignment.demo import generate_demo
    from alignment.inputs import read_inputs

    cfg = load_config(generate_demo(tmp_path / "demo")["config"], root=tmp_path)
    some = read_inputs(cfg, {"enrollment"})
    assert some.enrollment is not None and len(some.regions) == 36
    assert some.qcew is None and some.oews is None and some.living_wage is None
    every = read_inputs(cfg)
    assert all(t is not None for t in (every.enrollment, every.qcew, every.oews, every.living_wage))
    with pytest.raises(ValueError, match="unknown input part"):
        read_inputs(cfg, {"enrolment"})


def _warnings_cfg(year: int = 2024, demand_year: int | None = None) -> Config:
    p = Path("x")
    return Config(
        path=p,
        run="t",
        year=year,
        demand_year=demand_year,
        state_fips="41",
        inputs=Inputs(enrollment=p, qcew=(p,), regions=Path("regions.csv"), oews=Path("oews_M2019.xlsx")),
    )


def test_oews_far_from_the_run_years_is_a_warning():
    from alignment.inputs import _oews_vintage

    oews = pd.DataFrame({"year": [2019, 2019]})
    (note,) = _oews_vintage(_warnings_cfg(), oews)
    assert str(note) == (
        "oews_M2019.xlsx: OEWS wages of May 2019 in a 2024 run: the wages are 5 years away from the run; use "
        "the OEWS release nearest 2024 (inputs.oews)"
    )
    assert _oews_vintage(_warnings_cfg(), pd.DataFrame({"year": [2022, 2025]})) == []
    # compared with the demand year too: 2016 wages with 2016 QCEW jobs are not a stale file
    assert _oews_vintage(_warnings_cfg(2024, 2016), pd.DataFrame({"year": [2016]})) == []
    assert "with demand year 2016" in str(
        _oews_vintage(_warnings_cfg(2024, 2016), pd.DataFrame({"year": [2020]}))[0]
    )


def test_living_wage_far_from_the_run_is_a_warning():
    from alignment.inputs import _living_wage_vintage

    cfg = _warnings_cfg()
    assert _living_wage_vintage(cfg, pd.DataFrame({"year": [2022]})) == []
    assert _living_wage_vintage(cfg, pd.DataFrame({"year": [2019, 2024]})) == []
    (note,) = _living_wage_vintage(cfg, pd.DataFrame({"year": [2018, 2019]}))
    assert "living wages of 2019 in a 2024 run: the family-supporting wage is 5 years away" in str(note)


def test_a_region_county_without_qcew_rows_is_a_warning():
    from alignment.inputs import _counties_without_jobs

    regions = _regions().assign(source_row=[2, 3])
    qcew = _qcew()
    assert _counties_without_jobs(_warnings_cfg(), qcew, regions) == []
    (note,) = _counties_without_jobs(_warnings_cfg(), qcew[qcew["area_fips"] != "41003"], regions)
    assert str(note) == (
        "regions.csv, row 3, column 'county_fips': county 41003 (region 'R') has no QCEW rows for 2024 in any "
        "QCEW file, so its jobs are missing from its region's demand; add the county's 2024 QCEW file "
        "(inputs.qcew)"
    )
    # the demand year decides: 2023 has only 41001
    (note,) = _counties_without_jobs(_warnings_cfg(2024, 2023), qcew, regions)
    assert "county 41003" in str(note) and "for 2023" in str(note)


def test_the_demo_inputs_carry_no_warning(tmp_path):
    from alignment.config import load_config
    from alignment.demo import generate_demo
    from alignment.inputs import read_inputs

    cfg = load_config(generate_demo(tmp_path / "demo")["config"], root=tmp_path)
    assert read_inputs(cfg).notes == []


def test_input_notes_table_names_files_by_their_name(tmp_path):
    from alignment.errors import Problem
    from alignment.inputs import input_notes_table

    cfg = _warnings_cfg()
    cfg = Config(path=tmp_path / "config.yml", run="t", year=2024, state_fips="41", inputs=cfg.inputs)
    note = Problem(str(tmp_path / "data" / "regions.csv"), 4, "county_fips", "county 41005 has no QCEW rows")
    table = input_notes_table(cfg, [note])
    assert table.to_dict("records") == [
        {
            "file": "regions.csv",
            "row": 4,
            "column": "county_fips",
            "message": "county 41005 has no QCEW rows",
            "text": "regions.csv, row 4, column 'county_fips': county 41005 has no QCEW rows",
        }
    ]
    assert list(input_notes_table(cfg, []).columns) == ["file", "row", "column", "message", "text"]
