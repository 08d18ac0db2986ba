"""Tests for alignment.sources.oews: BLS all-data layout (CSV, xlsx, lower-case headers), flags, lookup."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.oews import OUTPUT_COLUMNS, oews_wage_lookup, read_oews, year_from_name

FIXTURE = Path(__file__).parent / "fixtures" / "oews" / "state_M2023_dl.csv"
REAL = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "real-data"
    / "bls-oews"
    / "national_M2025_dl.xlsx"
)


def fixture_rows() -> list[list[str]]:
    with FIXTURE.open(newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def occ(df: pd.DataFrame, soc: str, naics: str = "000000") -> pd.Series:
    hit = df[(df.soc == soc) & (df.naics == naics)]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return read_oews(FIXTURE)


def test_columns_types_and_codes(table):
    assert list(table.columns) == OUTPUT_COLUMNS and len(table) == 9
    assert set(table.area_code) == {"01"}  # AREA "1" with AREA_TYPE 2 (state) is zero-padded
    assert set(table.year) == {2023} and table.year.dtype == "int64"
    assert table.source_row.tolist() == list(range(2, 11))
    for col in ("area_code", "area_type", "naics", "own_code", "soc", "wage_flag", "employment_flag"):
        assert pd.api.types.is_string_dtype(table[col]), col
    assert table.o_group.tolist() == ["total"] + ["detailed"] * 8


def test_numbers_with_thousands_separators(table):
    nurse = occ(table, "29-1141")
    assert (nurse.employment, nurse.wage_median_annual_usd, nurse.wage_median_hourly_usd) == (
        50000,
        73840,
        35.5,
    )
    assert (nurse.wage_mean_annual_usd, nurse.wage_p10_annual_usd, nurse.wage_p25_annual_usd) == (
        76960,
        56160,
        63440,
    )
    assert (nurse.wage_p75_annual_usd, nurse.wage_p90_annual_usd) == (87360, 101920)
    assert (nurse.wage_flag, nurse.employment_flag, nurse.hourly_only) == ("", "", False)
    assert occ(table, "00-0000").employment == 1_900_000


def test_special_values_become_flags_never_numbers(table):
    ceo = occ(table, "11-1011")  # '#': top-coded
    assert ceo.wage_flag == "top_coded" and pd.isna(ceo.wage_median_annual_usd)
    assert pd.isna(ceo.wage_median_hourly_usd) and pd.isna(ceo.wage_p90_annual_usd)
    assert ceo.wage_mean_annual_usd == 228800 and ceo.employment == 1500
    ag = occ(table, "45-2091")  # '**' employment, '*' wages
    assert (ag.employment_flag, ag.wage_flag) == ("suppressed", "suppressed") and pd.isna(ag.employment)
    laborers = occ(table, "53-7062")  # '-'
    assert (laborers.employment_flag, laborers.wage_flag) == ("not_available", "not_available")
    assert pd.isna(laborers.employment) and pd.isna(laborers.wage_median_annual_usd)
    assert laborers.wage_p10_annual_usd == 27040
    software = occ(table, "15-1252")  # blank median
    assert software.wage_flag == "not_available" and pd.isna(software.wage_median_hourly_usd)


def test_hourly_only_and_annual_only_rows(table):
    actors = occ(table, "27-2011")
    assert actors.hourly_only and actors.wage_median_hourly_usd == 25.10
    assert actors[["wage_median_annual_usd", "wage_mean_annual_usd", "wage_p90_annual_usd"]].isna().all()
    assert actors.wage_flag == "suppressed"
    teachers = occ(table, "25-2021")  # ANNUAL=TRUE: annual wages only
    assert not teachers.hourly_only and teachers.wage_median_annual_usd == 55000
    assert pd.isna(teachers.wage_median_hourly_usd) and teachers.wage_flag == ""


def test_xlsx_with_text_cells_and_sheet_detection(tmp_path, table):
    wb = openpyxl.Workbook()
    wb.active.title = "Field Descriptions"
    wb.active.append(["Field", "Field Description"])
    data = wb.create_sheet("state_M2023_dl")
    for r in fixture_rows():
        data.append(r)
    path = tmp_path / "state_M2023_dl.xlsx"
    wb.save(path)
    cols = [c for c in OUTPUT_COLUMNS if c != "source_file"]
    pd.testing.assert_frame_equal(read_oews(path)[cols], table[cols])
    pd.testing.assert_frame_equal(read_oews(path, sheet="state_M2023_dl")[cols], table[cols])
    with pytest.raises(InputError) as exc:
        read_oews(path, sheet="Field Descriptions")
    assert "not an OEWS file" in str(exc.value)


def test_lower_case_headers_of_older_releases(tmp_path, table):
    rows = fixture_rows()
    header = [c.lower() for c in rows[0]]
    header[header.index("area_title")] = "area_name"
    header[header.index("o_group")] = "occ_group"
    drop = {header.index(c) for c in ("area_type", "naics", "own_code")}
    # a cross-industry file: no NAICS / OWN_CODE columns, so no industry rows either
    rows = [[v for i, v in enumerate(r) if i not in drop] for r in [header, *rows[1:]] if r[4] != "622000"]
    for r in rows[3:]:
        r[header.index("occ_group") - 3] = ""  # older files leave the group blank on detailed rows
    old = read_oews(write_csv(tmp_path / "MSA_M2018_dl.csv", rows), year=2023)
    cols = [c for c in OUTPUT_COLUMNS if c not in ("source_file", "source_row")]
    expected = table[table.naics == "000000"].reset_index(drop=True)
    pd.testing.assert_frame_equal(old[cols], expected[cols])
    assert old.area_type.eq("2").all() and old.own_code.eq("1235").all()


def test_year_from_name_argument_or_problem(tmp_path):
    assert year_from_name("national_M2025_dl.xlsx") == 2025
    assert year_from_name("oesm19ma.zip") == 2019
    copy = shutil.copy(FIXTURE, tmp_path / "wages.csv")
    assert set(read_oews(copy, year=2021).year) == {2021}
    assert set(read_oews(FIXTURE, year=2021).year) == {2021}  # the argument wins over the name
    with pytest.raises(InputError) as exc:
        read_oews(copy)
    assert str(exc.value.problems[0]) == (
        f"{copy}: cannot tell the May reference year: the file has no year column and its name has no "
        "'M2025'-like token; pass year="
    )


def test_bad_cells_name_file_row_column(tmp_path):
    rows = fixture_rows()
    rows[2][rows[0].index("TOT_EMP")] = "50,0O0"
    rows[4][rows[0].index("OCC_CODE")] = "11-101"
    path = write_csv(tmp_path / "bad_M2023.csv", rows)
    with pytest.raises(InputError) as exc:
        read_oews(path)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}, row 5, column 'OCC_CODE': expected a SOC code NN-NNNN, got '11-101'",
        f"{path}, row 3, column 'TOT_EMP': expected a number or one of *, **, #, -; got '50,0O0'",
    ]


def test_not_oews_and_missing_column(tmp_path):
    other = write_csv(tmp_path / "x_M2023.csv", [["county_fips", "wage"], ["01001", "12.5"]])
    with pytest.raises(InputError) as exc:
        read_oews(other)
    p = exc.value.problems[0]
    assert p.row == 1 and p.message.startswith(
        "not an OEWS file: expected the BLS all-data columns (AREA, AREA_TITLE"
    )
    rows = fixture_rows()
    keep = [i for i, c in enumerate(rows[0]) if c != "A_MEDIAN"]
    short = write_csv(tmp_path / "short_M2023.csv", [[r[i] for i in keep] for r in rows])
    with pytest.raises(InputError) as exc:
        read_oews(short)
    assert str(exc.value.problems[0]) == (
        f"{short}, row 1, column 'A_MEDIAN': missing required column (BLS OEWS all-data layout)"
    )


def test_wage_lookup_prefers_cross_industry_all_owners(table):
    out = oews_wage_lookup(table, ["01", "02"], ["29-1141", "272011", "11-1011"])
    assert out[["area_code", "soc"]].values.tolist() == [
        ["01", "29-1141"], ["01", "27-2011"], ["01", "11-1011"],
        ["02", "29-1141"], ["02", "27-2011"], ["02", "11-1011"],
    ]  # fmt: skip
    nurse = out.iloc[0]
    assert (nurse.wage_median_annual_usd, nurse.naics, nurse.own_code, nurse.wage_flag) == (
        73840,
        "000000",
        "1235",
        "",
    )
    assert out.iloc[1].hourly_only and pd.isna(out.iloc[1].wage_median_annual_usd)
    assert out.iloc[2].wage_flag == "top_coded"
    assert out.iloc[3:].wage_flag.tolist() == ["not_available"] * 3
    assert out.iloc[3:].wage_median_annual_usd.isna().all()


def test_wage_lookup_fallbacks_and_latest_year(table):
    industry_only = table[table.naics != "000000"]
    got = oews_wage_lookup(industry_only, ["01"], ["29-1141"]).iloc[0]
    assert (got.naics, got.own_code, got.wage_median_annual_usd) == ("622000", "5", 76000)
    older = table.assign(year=2022, wage_median_annual_usd=table.wage_median_annual_usd - 1000)
    both = pd.concat([older, table], ignore_index=True)
    assert oews_wage_lookup(both, ["01"], ["29-1141"]).iloc[0].wage_median_annual_usd == 73840
    assert oews_wage_lookup(both, ["01"], ["29-1141"], year=2022).iloc[0].wage_median_annual_usd == 72840


# --- the real national workbook (../shared/real-data/bls-oews) -------------------------------------------


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    if not REAL.is_file():
        pytest.skip(f"real data not present: {REAL}")
    return read_oews(REAL)


@pytest.mark.realdata
def test_real_national_workbook(national):
    assert len(national) == 1401
    assert national.o_group.value_counts().to_dict() == {
        "detailed": 830, "broad": 454, "minor": 94, "major": 22, "total": 1,
    }  # fmt: skip
    assert (
        set(national.year) == {2025}
        and set(national.area_code) == {"99"}
        and set(national.naics) == {"000000"}
    )
    assert national.soc.str.fullmatch(r"\d{2}-\d{4}").all()
    nurse = occ(national, "29-1141")
    assert (nurse.employment, nurse.wage_median_annual_usd, nurse.wage_median_hourly_usd) == (
        3379720,
        97550,
        46.9,
    )
    assert occ(national, "00-0000").wage_median_annual_usd == 50980


@pytest.mark.realdata
def test_real_national_special_cells(national):
    # A_MEDIAN is '*' on the 7 HOURLY rows; H_MEDIAN is '*' on the 81 ANNUAL rows; no '#' or '**' in this file
    assert national.hourly_only.sum() == 7
    assert national.wage_flag.value_counts().to_dict() == {"": 1394, "suppressed": 7}
    assert (national.wage_flag == "suppressed").eq(national.hourly_only).all()
    assert national.wage_median_hourly_usd.isna().sum() == 81
    assert national.employment_flag.eq("").all() and national.employment.notna().all()
    flagged = national[national.wage_flag != ""]
    assert (
        flagged[["wage_median_annual_usd", "wage_mean_annual_usd", "wage_p10_annual_usd"]].isna().all().all()
    )
    lookup = oews_wage_lookup(national, ["99"], ["29-1141", "27-2011"])
    assert lookup.wage_median_annual_usd.iloc[0] == 97550 and lookup.wage_flag.tolist() == ["", "suppressed"]


def test_gzip_files_are_read(tmp_path, table):
    import gzip

    (tmp_path / "state_M2023_dl.csv.gz").write_bytes(gzip.compress(FIXTURE.read_bytes()))
    got = read_oews(tmp_path / "state_M2023_dl.csv.gz")
    pd.testing.assert_frame_equal(got.drop(columns="source_file"), table.drop(columns="source_file"))
    wb = openpyxl.Workbook()
    for cells in fixture_rows():
        wb.active.append(cells)
    wb.save(tmp_path / "book_M2023.xlsx")
    (tmp_path / "book_M2023.xlsx.gz").write_bytes(gzip.compress((tmp_path / "book_M2023.xlsx").read_bytes()))
    assert len(read_oews(tmp_path / "book_M2023.xlsx.gz")) == len(table)
    (tmp_path / "cut_M2023.csv").write_bytes(gzip.compress(FIXTURE.read_bytes())[:40])
    with pytest.raises(InputError, match="cut_M2023.csv: a gzip-compressed file that cannot be decompressed"):
        read_oews(tmp_path / "cut_M2023.csv")
