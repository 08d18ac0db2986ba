"""pandera models of the input tables and validate_table's messages (file, source_row, column)."""

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.schemas import (
    Enrollment,
    IndustryEmployment,
    LivingWage,
    OccupationWages,
    Regions,
    validate_table,
)


def _enrollment(**changes) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "institution": pd.array(["Alpha USD", "Beta College"], dtype="string"),
            "county_fips": pd.array(["06037", "06059"], dtype="string"),
            "program_code": pd.array([None, "W1"], dtype="string"),
            "program_name": pd.array(["Agriculture", "Welding"], dtype="string"),
            "cip": pd.array(["01.0000", None], dtype="string"),
            "cip_raw": pd.array(["1", "48.05xx"], dtype="string"),
            "level": pd.array(["secondary", "postsecondary"], dtype="string"),
            "year": [2024, 2024],
            "enrolled": pd.array([120, None], dtype="Int64"),
            "concentrators": pd.array([40, 12], dtype="Int64"),
            "completers": pd.array([None, 5], dtype="Int64"),
            "suppressed": [True, False],
            "source_file": pd.array(["enr.csv", "enr.csv"], dtype="string"),
            "source_row": [2, 3],
        }
    )
    for column, values in changes.items():
        df[column] = values
    return df


def test_good_enrollment_passes_and_is_returned():
    df = _enrollment()
    out = validate_table(df, Enrollment, "enr.csv")
    assert out["county_fips"].tolist() == ["06037", "06059"]


def test_enrollment_failures_name_file_source_row_and_column():
    df = _enrollment(
        county_fips=pd.array(["6037", "06059"], dtype="string"),
        cip=pd.array(["01.0000", "1.0"], dtype="string"),
        completers=pd.array([None, -1], dtype="Int64"),
    )
    with pytest.raises(InputError) as info:
        validate_table(df, Enrollment, "enr.csv")
    assert [str(p) for p in info.value.problems] == [
        r"enr.csv, row 2, column 'county_fips': expected text matching ^\d{5}$, got '6037'",
        r"enr.csv, row 3, column 'cip': expected text matching ^\d{2}\.\d{4}$, got '1.0'",
        "enr.csv, row 3, column 'completers': expected a value >= 0, got -1",
    ]


def test_missing_column_and_empty_required_cell():
    df = _enrollment(institution=pd.array(["Alpha USD", None], dtype="string")).drop(columns="year")
    with pytest.raises(InputError) as info:
        validate_table(df, Enrollment, "enr.csv")
    assert [str(p) for p in info.value.problems] == [
        "enr.csv, column 'year': required column is missing",
        "enr.csv, row 3, column 'institution': a value is required here but the cell is empty",
    ]


def test_living_wage_county_must_be_in_state():
    df = pd.DataFrame(
        {
            "year": [2021, 2021],
            "state_fips": ["06", "06"],
            "county_fips": ["06037", "41051"],
            "adults": [1, 1],
            "children": [1, 0],
            "wage_hourly_usd": [30.5, 20.0],
            "source_row": [2, 3],
        }
    )
    validate_table(df.iloc[:1], LivingWage, "lw.csv")
    with pytest.raises(InputError) as info:
        validate_table(df, LivingWage, "lw.csv")
    assert [str(p) for p in info.value.problems] == [
        "lw.csv, row 3, column 'county_fips': the county is not in state_fips, got '41051'"
    ]


def test_regions_unique_county_slug_id_and_type():
    df = pd.DataFrame(
        {
            "county_fips": ["06037", "06037"],
            "county_name": [None, None],
            "region_id": ["la-wda", "LA WDA"],
            "region_name": ["LA WDA", "LA WDA"],
            "region_type": ["workforce_area", "wda"],
            "oews_area": [None, None],
            "source_row": [4, 9],
        }
    )
    with pytest.raises(InputError) as info:
        validate_table(df, Regions, "regions.xlsx")
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "regions.xlsx, row 4, column 'county_fips': value '06037' appears more than once",
        "regions.xlsx, row 9, column 'county_fips': value '06037' appears more than once",
        r"regions.xlsx, row 9, column 'region_id': expected text matching ^[a-z0-9]+(-[a-z0-9]+)*$, "
        "got 'LA WDA'",
        "regions.xlsx, row 9, column 'region_type': expected one of "
        "['workforce_area', 'cbsa', 'economic_development', 'custom'], got 'wda'",
    ]


def test_industry_employment_model():
    df = pd.DataFrame(
        {
            "area_fips": ["06037", "US000", "C3108"],
            "own_code": ["5", "0", "5"],
            "industry_code": ["31-33", "10", "3111"],
            "agglvl_code": ["74", "10", "46"],
            "year": [2023, 2023, 2023],
            "qtr": ["A", "A", "1"],
            "employment": pd.array([100.0, None, 5.0], dtype="Float64"),
            "month1_emplvl": pd.array([None, None, 5.0], dtype="Float64"),
            "month2_emplvl": pd.array([None, None, 5.0], dtype="Float64"),
            "month3_emplvl": pd.array([None, None, 5.0], dtype="Float64"),
            "establishments": pd.array([3, 1, 1], dtype="Int64"),
            "total_wages_usd": pd.array([1e6, None, 1e4], dtype="Float64"),
            "avg_annual_pay_usd": pd.array([50000.0, None, None], dtype="Float64"),
            "disclosure_code": ["", "N", ""],
            "suppressed": [False, True, False],
            "lq_employment_published": pd.array([1.2, None, None], dtype="Float64"),
            "source_file": ["q.csv"] * 3,
            "source_row": [2, 3, 4],
        }
    )
    validate_table(df, IndustryEmployment, "q.csv")
    df.loc[1, "industry_code"] = "31-34"
    with pytest.raises(InputError, match=r"q.csv, row 3, column 'industry_code': expected text matching"):
        validate_table(df, IndustryEmployment, "q.csv")


def test_occupation_wages_model():
    df = pd.DataFrame(
        {
            "area_code": ["99"],
            "area_title": ["U.S."],
            "area_type": ["1"],
            "naics": ["000000"],
            "own_code": ["1235"],
            "soc": ["15-1252"],
            "occ_title": ["Software Developers"],
            "o_group": ["detailed"],
            "year": [2025],
            "employment": pd.array([1000.0], dtype="Float64"),
            "employment_flag": [""],
            "wage_median_hourly_usd": pd.array([60.0], dtype="Float64"),
            "wage_median_annual_usd": pd.array([124800.0], dtype="Float64"),
            "wage_mean_annual_usd": pd.array([None], dtype="Float64"),
            "wage_p10_annual_usd": pd.array([None], dtype="Float64"),
            "wage_p25_annual_usd": pd.array([None], dtype="Float64"),
            "wage_p75_annual_usd": pd.array([None], dtype="Float64"),
            "wage_p90_annual_usd": pd.array([None], dtype="Float64"),
            "wage_flag": [""],
            "hourly_only": [False],
            "source_file": ["o.xlsx"],
            "source_row": [2],
        }
    )
    validate_table(df, OccupationWages, "o.xlsx")
    df["soc"] = ["151252"]
    df["o_group"] = ["leaf"]
    with pytest.raises(InputError) as info:
        validate_table(df, OccupationWages, "o.xlsx")
    assert [p.column for p in info.value.problems] == ["o_group", "soc"]
    assert all(p.row == 2 for p in info.value.problems)
