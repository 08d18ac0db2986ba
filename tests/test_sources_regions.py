"""read_regions: aliases, slug ids, region types, a county in two regions, the OMB delineation layout."""

from pathlib import Path

import openpyxl
import pytest

from alignment.errors import InputError
from alignment.sources.regions import read_regions

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"


def write(tmp_path: Path, text: str, name: str = "regions.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, **kwargs) -> list[str]:
    with pytest.raises(InputError) as info:
        read_regions(path, **kwargs)
    return [str(p) for p in info.value.problems]


def test_good_file_with_wda_header(tmp_path):
    path = write(
        tmp_path,
        "County FIPS,County,WDA,OEWS Area\n"
        "6037,Los Angeles,Los Angeles County WDA,31080\n"
        "06059,Orange,Orange County WDA,11244.0\n"
        "06111,Ventura,Los Angeles County WDA,\n",
    )
    df = read_regions(path)
    assert df["county_fips"].tolist() == ["06037", "06059", "06111"]
    assert df["county_name"].tolist() == ["Los Angeles", "Orange", "Ventura"]
    assert df["region_id"].tolist() == [
        "los-angeles-county-wda",
        "orange-county-wda",
        "los-angeles-county-wda",
    ]
    assert df["region_type"].unique().tolist() == ["workforce_area"]
    assert df["oews_area"].iloc[:2].tolist() == ["31080", "11244"]
    assert df["oews_area"].isna().tolist() == [False, False, True]
    assert df["source_row"].tolist() == [2, 3, 4]


def test_region_id_and_type_columns(tmp_path):
    path = write(
        tmp_path,
        "fips,region_name,region_id,region_type\n"
        "41051,Portland Metro,PDX 1,CBSA\n"
        "41067,Portland Metro,PDX 1,msa\n"
        "41003,Mid-Valley,Region 3,Economic Development Region\n",
    )
    df = read_regions(path)
    assert df["region_id"].tolist() == ["pdx-1", "pdx-1", "region-3"]
    assert df["region_type"].tolist() == ["cbsa", "cbsa", "economic_development"]


def test_region_type_argument_and_default(tmp_path):
    path = write(tmp_path, "county_fips,region\n41051,North\n")
    assert read_regions(path)["region_type"].tolist() == ["custom"]
    assert read_regions(path, region_type="economic_development")["region_type"].tolist() == [
        "economic_development"
    ]


def test_county_in_two_regions_and_other_defects(tmp_path):
    path = write(
        tmp_path,
        "county_fips,region,region_type\n"
        "06037,South,custom\n"
        "06059,South,custom\n"
        "6059,North,custom\n"
        "US000,North,custom\n"
        "06111,,county\n"
        "06037,South,custom\n",
    )
    assert problems(path) == [
        f"{path}, row 4, column 'county_fips': county 06059 is in two regions: 'South' (row 3) and 'North'; "
        "a county belongs to one region only",
        f"{path}, row 5, column 'county_fips': expected a 5-digit county FIPS code such as 06037; "
        "got 'US000'",
        f"{path}, row 6, column 'region': a region is required; the cell is empty",
        f"{path}, row 6, column 'region_type': expected one of workforce_area, cbsa, economic_development, "
        "custom, got 'county'",
        f"{path}, row 7, column 'county_fips': county 06037 is listed twice in region 'South' (rows 2 and 7)",
    ]


def test_one_id_two_names(tmp_path):
    path = write(tmp_path, "county_fips,region\n06037,Region 1\n06059,Region-1\n")
    assert problems(path) == [
        f"{path}, row 3, column 'region': region id 'region-1' is used for 'Region 1' (row 2) and for "
        "'Region-1'; give each region one id"
    ]


def test_missing_columns(tmp_path):
    path = write(tmp_path, "name,area\nLos Angeles,South\n")
    first, second = problems(path)
    assert first.startswith(f"{path}: required column 'county_fips' not found; columns found: name, area; ")
    assert second.startswith(f"{path}: no region column found; columns found: name, area; accepted names: ")


def test_three_digit_counties_with_state(tmp_path):
    path = write(tmp_path, "county_code,state,cbsa_title\n037,CA,Los Angeles-Long Beach-Anaheim\n059,06,LA\n")
    df = read_regions(path)
    assert df["county_fips"].tolist() == ["06037", "06059"]
    assert df["region_type"].unique().tolist() == ["cbsa"]
    path = write(tmp_path, "county_code,cbsa_title\n037,LA\n041051,Other\n")
    assert problems(path, state_fips="06") == [
        f"{path}, row 3, column 'county_code': expected a 5-digit county FIPS code in state 06 "
        "such as 06037; got '041051'"
    ]


def test_excel_with_title_lines_and_notes(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["List 1. Made-up delineation for a test"])
    sheet.append(["Not an official file"])
    sheet.append(
        ["CBSA Code", "CBSA Title", "County/County Equivalent", "FIPS State Code", "FIPS County Code"]
    )
    sheet.append(["99990", "Alpha City, ZZ", "Alpha County", "46", "013"])
    sheet.append(["99990", "Alpha City, ZZ", "Beta County", "46", "045"])
    sheet.append([])
    sheet.append(["Note: made up."])
    sheet.append(["Source: a test."])
    path = tmp_path / "list1.xlsx"
    book.save(path)
    df = read_regions(path)
    assert df["county_fips"].tolist() == ["46013", "46045"]
    assert df["county_name"].tolist() == ["Alpha County", "Beta County"]
    assert df["region_id"].tolist() == ["99990", "99990"]
    assert df["region_name"].tolist() == ["Alpha City, ZZ", "Alpha City, ZZ"]
    assert df["region_type"].tolist() == ["cbsa", "cbsa"]
    assert df["source_row"].tolist() == [4, 5]


@pytest.mark.realdata
def test_real_omb_cbsa_delineation():
    path = REAL / "omb-cbsa-delineation" / "list1_2023.xlsx"
    if not path.exists():
        pytest.skip("../shared/real-data is absent")
    df = read_regions(path)
    assert len(df) == 1915
    assert df["county_fips"].is_unique
    assert df["region_type"].unique().tolist() == ["cbsa"]
    # Connecticut appears as its planning regions (09110-09190)
    ct = sorted(df.loc[df["county_fips"].str.startswith("09"), "county_fips"])
    assert ct and all("09110" <= c <= "09190" for c in ct)
    assert df["source_row"].min() == 2 and df["source_row"].max() == 1916


def test_two_regions_with_one_name(tmp_path):
    path = write(
        tmp_path,
        "county_fips,region_id,region_name\n41001,r1,North\n41003,r2,North\n41005,r3,Coast\n41007,r4,coast \n",
    )
    assert problems(path) == [
        f"{path}, row 3, column 'region_name': region name 'North' is used for two regions: id 'r1' (row 2) "
        "and id 'r2'; give each region its own name",
        f"{path}, row 5, column 'region_name': region name 'coast' is used for two regions: id 'r3' (row 4) "
        "and id 'r4' ('Coast' and 'coast' differ only in case or spaces); give each region its own name",
    ]
