"""Tests for alignment.sources.cbsa: OMB/Census CBSA delineation files and county → OEWS area."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.cbsa import (
    OUTPUT_COLUMNS,
    counties_to_cbsa,
    oews_area_for_counties,
    read_cbsa_delineation,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cbsa"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "omb-cbsa-delineation"
HEADER = (
    "CBSA Code,Metropolitan Division Code,CSA Code,CBSA Title,Metropolitan/Micropolitan Statistical Area,"
    "Metropolitan Division Title,CSA Title,County/County Equivalent,State Name,FIPS State Code,FIPS County Code,"
    "Central/Outlying County\n"
)


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def test_workbook_with_title_and_note_lines():
    df = read_cbsa_delineation(FIXTURES / "list1_2023.xlsx")
    assert list(df.columns) == OUTPUT_COLUMNS
    assert df.county_fips.tolist() == ["50023", "50007", "50011", "25017", "48441"]
    assert df.metro_micro.tolist() == ["micro", "metro", "metro", "metro", "metro"]
    assert set(df.vintage) == {"July 2023"} and df.source_row.tolist() == [4, 5, 6, 7, 8]
    boston = df.iloc[3]
    assert (boston.csa_code, boston.metro_division_code, boston.central_outlying) == (
        "148",
        "15764",
        "central",
    )
    assert pd.isna(df.csa_code.iat[0])


def test_csv_without_title_lines_vintage_from_the_source_note():
    df = read_cbsa_delineation(FIXTURES / "list1_no_title.csv")
    assert len(df) == 3 and set(df.vintage) == {"March 2020"} and df.source_row.tolist() == [2, 3, 4]
    assert read_cbsa_delineation(FIXTURES / "list1_no_title.csv", vintage="test").vintage.iat[0] == "test"


def test_codes_stored_as_numbers_are_padded(tmp_path):
    path = tmp_path / "list1.csv"
    path.write_text(
        HEADER
        + '10180,,101,"Abilene, TX",Metropolitan Statistical Area,,,Callahan County,Texas,48,59,Outlying\n'
    )
    df = read_cbsa_delineation(path, vintage="July 2023")
    assert df.county_fips.tolist() == ["48059"] and df.central_outlying.tolist() == ["outlying"]


def test_problems(tmp_path):
    path = tmp_path / "list1.csv"
    path.write_text(
        HEADER
        + '15540,,,"Burlington, VT",Metro Area,,,Chittenden County,Vermont,50,007,Central\n'
        + '15540,,,"Burlington, VT",Metropolitan Statistical Area,,,Franklin County,Vermont,5O,011,Outlying\n'
    )
    with pytest.raises(InputError) as e:
        read_cbsa_delineation(path)
    text = str(e.value)
    assert (
        "row 2, column 'Metropolitan/Micropolitan Statistical Area': expected Metropolitan Statistical"
        in text
    )
    assert "row 3, column 'FIPS State Code': expected a code of up to 2 digits" in text
    assert "cannot tell the delineation's month and year" in text
    other = tmp_path / "other.csv"
    other.write_text("county,cbsa\n50007,15540\n")
    with pytest.raises(InputError, match="not an OMB/Census CBSA delineation List 1 file"):
        read_cbsa_delineation(other)


def test_counties_to_cbsa_and_oews_areas():
    d = read_cbsa_delineation(FIXTURES / "list1_2023.xlsx")
    got = counties_to_cbsa(d, pd.Series(["50007", 50023, "50001", "x"]))
    assert got.cbsa_code.tolist() == ["15540", "12740", pd.NA, pd.NA]
    assert got.county_fips.tolist() == ["50007", "50023", "50001", pd.NA]
    areas = oews_area_for_counties(d, ["50007", "50023", "50001", "25017"])
    assert areas.values.tolist() == [
        ["50007", "15540", "metro"],
        ["50023", "50", "state"],  # micropolitan
        ["50001", "50", "state"],  # outside every CBSA
        ["25017", "14460", "metro"],
    ]
    # a file that publishes New England metros as NECTAs (71650 Boston) has no 14460: state fallback
    necta = oews_area_for_counties(d, ["25017", "50007"], oews_areas={"71650", "0015540"})
    assert necta.oews_area.tolist() == ["25", "15540"] and necta.oews_area_level.tolist() == [
        "state",
        "metro",
    ]
    with pytest.raises(ValueError, match="not county FIPS"):
        oews_area_for_counties(d, ["US000"])


@pytest.mark.realdata
def test_real_2020_xls():
    df = read_cbsa_delineation(real("list1_2020.xls"))
    assert len(df) == 1916 and set(df.vintage) == {"March 2020"}
    assert df.groupby("metro_micro").cbsa_code.nunique().to_dict() == {"metro": 392, "micro": 547}
    assert sorted(df[df.state_fips == "09"].county_fips) == [f"09{c:03d}" for c in range(1, 16, 2)]
    assert df.source_row.iloc[[0, -1]].tolist() == [4, 1919]  # two title lines above the header
    vt = df[df.state_fips == "50"].set_index("county_fips")
    assert vt.cbsa_code.to_dict() == {
        "50023": "12740",
        "50003": "13540",
        "50007": "15540",
        "50011": "15540",
        "50013": "15540",
        "50017": "30100",
        "50027": "30100",
        "50021": "40860",
    }


@pytest.mark.realdata
def test_real_2023_xlsx():
    df = read_cbsa_delineation(real("list1_2023.xlsx"))
    assert len(df) == 1915 and set(df.vintage) == {"July 2023"}
    assert df.groupby("metro_micro").cbsa_code.nunique().to_dict() == {"metro": 393, "micro": 542}
    assert sorted(df[df.state_fips == "09"].county_fips) == [f"091{c}0" for c in range(1, 10)]
    assert df.county_fips.is_unique and df.county_fips.str.fullmatch(r"\d{5}").all()
    windham = df[df.county_fips == "50025"].iloc[0]
    assert (windham.cbsa_code, windham.cbsa_title, windham.metro_micro) == (
        "14710",
        "Brattleboro, VT",
        "micro",
    )
    vt = oews_area_for_counties(df, [f"50{c:03d}" for c in range(1, 28, 2)])
    assert vt[vt.oews_area_level == "metro"].county_fips.tolist() == ["50007", "50011", "50013"]
    assert set(vt[vt.oews_area_level == "state"].oews_area) == {"50"}
