"""Tests for alignment.sources.projections: BLS EP Table 1.10 and California EDD layouts, vintages, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.projections import OUTPUT_COLUMNS, detect_layout, read_projections

FIXTURES = Path(__file__).parent / "fixtures" / "projections"
EP = FIXTURES / "ep_occupation_2024_34.xlsx"
EP_2022 = FIXTURES / "ep_occupation_2022_32.xlsx"
EP_2012 = FIXTURES / "ep_occupation_2012_22.xlsx"
CA = FIXTURES / "ca_edd_statewide_2023_33.xlsx"
CA_SUB = FIXTURES / "ca_edd_sacramento_2023_33.xlsx"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
REAL_EP = REAL / "bls-employment-projections" / "occupation.xlsx"
REAL_CA = REAL / "state-projections-ca-edd" / "edd_long_term_occ_projections_2023-2033.xlsx"


def one(df: pd.DataFrame, soc: str) -> pd.Series:
    hit = df[df.soc == soc]
    assert len(hit) == 1
    return hit.iloc[0]


# --- BLS Table 1.10 ---------------------------------------------------------------------------------


def test_bls_line_items_in_persons_with_table_1_2_wages():
    df = read_projections(EP)
    assert list(df.columns) == OUTPUT_COLUMNS
    assert df.soc.tolist() == ["13-1020", "15-1252", "29-1141", "29-2061", "47-2111"]
    assert set(df.layout) == {"bls_ep_table_1_10"} and set(df.area_code) == {"US"}
    assert set(df.area_type) == {"nation"} and df.state_fips.isna().all()
    assert (df.base_year.tolist()[0], df.proj_year.tolist()[0]) == (2024, 2034)
    rn = one(df, "29-1141")
    # thousands -> persons: 60.0 / 66.0 / 2.0 / 1.5 / 4.1 thousand
    assert (rn.employment_base, rn.employment_proj, rn.employment_change) == (60000.0, 66000.0, 6000.0)
    assert (rn.exits_annual, rn.transfers_annual, rn.openings_annual) == (2000.0, 1500.0, 4100.0)
    assert rn.employment_change_pct == 10.0
    assert (rn.wage_median_annual_usd, rn.wage_flag, rn.education_entry) == (93000.0, "", "Bachelor's degree")
    assert rn.soc_title == "Registered nurses" and rn.source_row == 9
    # 1.9000000000000001 thousand in the cell -> exactly 1,900 persons; a broad SOC line item
    buyers = one(df, "13-1020")
    assert buyers.openings_annual == 1900.0 and buyers.o_group == "broad" and buyers.line_item
    assert pd.isna(buyers.wage_median_annual_usd) and buyers.wage_flag == "not_available"
    assert buyers.training_ojt == "Moderate-term on-the-job training"
    dev = one(df, "15-1252")
    assert pd.isna(dev.wage_median_annual_usd) and dev.wage_flag == "top_coded"
    assert one(df, "47-2111").training_ojt == "Apprenticeship"


def test_bls_include_summary_keeps_total_and_groups():
    df = read_projections(EP, include_summary=True)
    assert len(df) == 10
    total = one(df, "00-0000")
    assert (total.o_group, total.line_item, total.openings_annual) == ("total", False, 105000.0)
    assert total.wage_median_annual_usd == 50000.0
    assert df.loc[df.line_item, "openings_annual"].sum() == 15600.0  # 1.9 + 3.8 + 4.1 + 1.9 + 3.9 thousand


def test_older_vintage_with_recognisable_columns_is_read():
    df = read_projections(EP_2022)
    assert detect_layout(EP_2022) == "bls_ep_table_1_10"
    assert (df.base_year.iat[0], df.proj_year.iat[0]) == (2022, 2032)
    assert df.soc.tolist() == ["13-1020", "15-1252", "29-1141"]
    assert one(df, "29-1141").openings_annual == 4100.0
    assert df.wage_median_annual_usd.isna().all()  # no Table 1.2 in this workbook


def test_replacement_needs_vintage_is_refused_naming_what_differs():
    with pytest.raises(InputError) as exc:
        read_projections(EP_2012)
    (p,) = exc.value.problems
    assert p.file.endswith("ep_occupation_2012_22.xlsx") and p.row == 2
    assert "sheet 'Table 1.7'" in p.message and "bls_ep_table_1_10" in p.message
    assert "'Labor force exits, 2024–34 annual average'" in p.message
    assert "'Occupational openings, 2024–34 annual average'" in p.message
    assert "job openings due to growth and replacement needs, 2012-22" in p.message
    assert "not comparable" in p.message


def test_bad_number_and_code_name_file_row_column(tmp_path):
    book = openpyxl.load_workbook(EP)
    ws = book["Table 1.10"]
    ws["N9"] = "lots"  # Registered nurses openings
    ws["B10"] = "29-206"  # LPN code
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    with pytest.raises(InputError) as exc:
        read_projections(bad)
    got = {(p.row, p.column, p.message) for p in exc.value.problems}
    assert got == {
        (9, "Occupational openings, 2024–34 annual average", "expected a number, got 'lots'"),
        (10, "2024 National Employment Matrix code", "expected a SOC code NN-NNNN, got '29-206'"),
    }


def test_not_projections_lists_expected_layouts(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Enrollment"
    book.active.append(["District", "CIP", "Completers"])
    book.active.append(["A", "51.3801", 12])
    path = tmp_path / "enrollment.xlsx"
    book.save(path)
    with pytest.raises(InputError) as exc:
        read_projections(path)
    (p,) = exc.value.problems
    assert "not an occupational projections file" in p.message and "'Enrollment'" in p.message
    assert "bls_ep_table_1_10" in p.message and "ca_edd_long_term" in p.message


def test_missing_file():
    with pytest.raises(InputError, match="file not found"):
        read_projections(FIXTURES / "nope.xlsx")


# --- California EDD ---------------------------------------------------------------------------------


def test_ca_edd_statewide_totals_become_annual():
    df = read_projections(CA)
    assert detect_layout(CA) == "ca_edd_long_term"
    assert df.soc.tolist() == ["29-1141", "29-2061", "47-2111"]
    assert set(df.area_code) == {"06"} and set(df.area_type) == {"state"} and set(df.state_fips) == {"06"}
    rn = one(df, "29-1141")
    assert (rn.base_year, rn.proj_year) == (2023, 2033)
    # 10-year totals 2,500 / 1,800 / 5,300 -> per year
    assert (rn.exits_annual, rn.transfers_annual, rn.openings_annual) == (250.0, 180.0, 530.0)
    assert rn.employment_change_pct == pytest.approx(10.0)  # stored as the fraction 0.1
    assert (rn.wage_median_hourly_usd, rn.wage_median_annual_usd, rn.wage_flag) == (60.0, 124800.0, "")
    assert rn.source_row == 8
    elec = one(df, "47-2111")
    assert pd.isna(elec.wage_median_annual_usd) and elec.wage_flag == "not_available"  # $0 = no estimate
    assert elec.employment_change_pct == pytest.approx(12.0)
    summary = read_projections(CA, include_summary=True)
    assert summary.o_group.tolist() == ["total", "major", "minor", "detailed", "detailed", "detailed"]
    assert one(summary, "00-0000").openings_annual == 20000.0
    assert one(summary, "00-0000").education_entry is pd.NA


def test_ca_edd_substate_area():
    df = read_projections(CA_SUB)
    assert set(df.area_code) == {"06-sacramento-county"} and set(df.area_title) == {"Sacramento County"}
    assert set(df.area_type) == {"substate"} and set(df.state_fips) == {"06"}


# --- real files -------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_EP.exists(), reason="real BLS EP workbook not present")
def test_real_bls_table_1_10():
    df = read_projections(REAL_EP)
    assert len(df) == 832  # PROVENANCE: 832 line items
    assert (df.o_group == "broad").sum() == 7  # e.g. 13-1020 buyers and purchasing agents
    rn = one(df, "29-1141")  # Registered nurses 3391 / 3557.1 / 97.9 / 74.6 / 189.1 thousand
    assert (rn.employment_base, rn.employment_proj) == (3391000.0, 3557100.0)
    assert (rn.exits_annual, rn.transfers_annual, rn.openings_annual) == (97900.0, 74600.0, 189100.0)
    assert (rn.wage_median_annual_usd, rn.education_entry) == (93600.0, "Bachelor's degree")
    assert one(df, "53-3032").openings_annual == 237600.0  # heavy and tractor-trailer truck drivers
    assert df.openings_annual.sum() == pytest.approx(18861600.0)
    assert (df.wage_flag == "top_coded").sum() == 17
    full = read_projections(REAL_EP, include_summary=True)
    assert len(full) == 1113
    total = one(full, "00-0000")
    assert (total.employment_base, total.openings_annual) == (169956100.0, 18863300.0)
    assert (total.exits_annual, total.transfers_annual) == (8155000.0, 10187100.0)


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_CA.exists(), reason="real CA EDD workbook not present")
def test_real_ca_edd():
    df = read_projections(REAL_CA)
    assert len(df) == 676  # SOC level 4
    rn = one(df, "29-1141")  # 321,400 -> 355,200; exits 98,850, transfers 75,140, openings 207,790 (10 years)
    assert (rn.employment_base, rn.openings_annual) == (321400.0, 20779.0)
    assert (rn.exits_annual, rn.transfers_annual) == (9885.0, 7514.0)
    assert rn.employment_change_pct == pytest.approx(10.5165, abs=1e-4)
    assert rn.wage_median_annual_usd == 144143.79
    full = read_projections(REAL_CA, include_summary=True)
    assert len(full) == 793
    assert one(full, "00-0000").openings_annual == 2405145.0


# --- earlier cycles: a header written over two rows (2016–26 workbooks) ----------------------------------

R16 = "2016–26"
#: Table 1.10 of the 2016–26 layout: a merged title row, then a header over two rows (group cells above
#: "2016" / "2026" and "Number" / "Percent"); SOC 2010 codes; made-up figures in thousands
T110_TOP = [
    "2016 National Employment Matrix title",
    "2016 National Employment Matrix code",
    "Occupation type",
    "Employment",
    None,
    f"Employment change, {R16}",
    None,
    f"Labor force exit rate, {R16} annual average",
    f"Occupational transfer rate, {R16} annual average",
    f"Total occupational separations rate, {R16} annual average",
    f"Labor force exits, {R16} annual average",
    f"Occupational transfers, {R16} annual average",
    f"Total occupational separations, {R16} annual average",
    f"Occupational openings, {R16} annual average",
]
T110_BOTTOM = [None, None, None, "2016", "2026", "Number", "Percent", *[None] * 7]
# title, code, type, emp 2016, emp 2026, change, pct, 3 rates, exits, transfers, separations, openings
T110_ROWS = [
    ["Total, all occupations", "00-0000", "Summary", 1500.0, 1600.0, 100.0, 6.7, 4.0, 6.0, 10.0, 60.0, 90.0, 150.0, 160.0],
    ["  Funeral service managers", "11-9061", "Line item", 30.0, 33.0, 3.0, 10.0, 4.0, 6.0, 10.0, 1.2, 1.8, 3.0, 3.3],
    ["  Buyers and purchasing agents", "13-1020", "Line item", 70.0, 70.0, 0.0, 0.0, 4.0, 6.0, 10.0, 2.8, 4.2, 7.0, 7.0],
    ["  Appraisers and assessors of real estate", "13-2021", "Line item", 80.0, 84.0, 4.0, 5.0, 3.0, 5.0, 8.0, 2.4, 4.0, 6.4, 6.8],
    ["  Software developers, applications", "15-1132", "Line item", 800.0, 900.0, 100.0, 12.5, 2.0, 4.0, 6.0, 16.0, 32.0, 48.0, 58.0],
    ["  Software developers, systems software", "15-1133", "Line item", 400.0, 440.0, 40.0, 10.0, 2.0, 4.0, 6.0, 8.0, 16.0, 24.0, 28.0],
    ["  Registered nurses", "29-1141", "Line item", 90.0, 99.0, 9.0, 10.0, 3.0, 2.0, 5.0, 2.7, 1.8, 4.5, 5.4],
    ["  Electricians", "47-2111", "Line item", 30.0, 33.0, 3.0, 10.0, 4.0, 8.0, 12.0, 1.2, 2.4, 3.6, 3.9],
]  # fmt: skip
T12_TOP = [
    "2016 National Employment Matrix title",
    "2016 National Employment Matrix code",
    "Occupation type",
    "Employment",
    None,
    "Employment distribution, percent",
    None,
    f"Employment change, {R16}",
    None,
    "Percent self employed, 2016",
    f"Occupational openings, {R16} annual average",
    "Median annual wage, 2017(1)",
    "Typical education needed for entry",
    "Work experience in a related occupation",
    "Typical on-the-job training needed to attain competency in the occupation",
]
T12_BOTTOM = [None, None, None, "2016", "2026", "2016", "2026", "Number", "Percent", *[None] * 6]


def t12_row(r: list[object], wage: object, education: str) -> list[object]:
    return [*r[:5], 1.0, 1.0, r[5], r[6], 5.0, r[13], wage, education, "None", "None"]


T12_ROWS = [
    t12_row(T110_ROWS[0], 37690, "—"),
    t12_row(T110_ROWS[1], 78040, "Associate's degree"),
    t12_row(T110_ROWS[2], 62000, "High school diploma or equivalent"),
    t12_row(T110_ROWS[3], 54000, "Bachelor's degree"),
    t12_row(T110_ROWS[4], 101790, "Bachelor's degree"),
    t12_row(T110_ROWS[5], 107600, "Bachelor's degree"),
    t12_row(T110_ROWS[6], 70000, "Bachelor's degree"),
    t12_row(T110_ROWS[7], ">=$208,000", "High school diploma or equivalent"),
]


def two_row_sheet(book, name: str, title: str, top: list, bottom: list, rows: list, units: bool) -> None:
    """A sheet as the 2016–26 workbooks lay it out: merged title, units line, two-row header with merges."""
    ws = book.create_sheet(name)
    width = len(top)
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if units:
        ws.append(["(Employment in thousands)"])
    first = ws.max_row + 1
    ws.append(top)
    ws.append(bottom)
    for j in range(width):
        col = j + 1
        if top[j] is not None and bottom[j] is None:  # a header over both rows
            ws.merge_cells(start_row=first, start_column=col, end_row=first + 1, end_column=col)
        elif top[j] is not None and j + 1 < width and top[j + 1] is None:  # a group over two columns
            ws.merge_cells(start_row=first, start_column=col, end_row=first, end_column=col + 1)
    for row in rows:
        ws.append(row)
    ws.append(["Source: Employment Projections program, U.S. Bureau of Labor Statistics"])


def workbook_2016_26(path: Path, *, table_1_10: bool = True, table_1_2: bool = True) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    index = book.create_sheet("Index")
    index.append(["Occupation.xlsx contents"])
    if table_1_2:
        title = "Table 1.2 Employment by detailed occupation, 2016 and projected 2026"
        two_row_sheet(book, "Table 1.2", title, T12_TOP, T12_BOTTOM, T12_ROWS, units=True)
    if table_1_10:
        title = f"Table 1.10 Occupational separations and openings, projected {R16}"
        two_row_sheet(book, "Table 1.10", title, T110_TOP, T110_BOTTOM, T110_ROWS, units=False)
    book.save(path)
    return path


TITLE_AND_CODE = (["2016 National Employment Matrix title and code", None], ["Title", "Code"])


@pytest.mark.parametrize("title_and_code", [False, True], ids=["title-code", "title-and-code-group"])
def test_2016_26_two_row_header_is_read(tmp_path, monkeypatch, title_and_code):
    if title_and_code:  # one group cell over "Title" and "Code": no single row names the code column
        monkeypatch.setattr(sys.modules[__name__], "T110_TOP", TITLE_AND_CODE[0] + T110_TOP[2:])
        monkeypatch.setattr(sys.modules[__name__], "T110_BOTTOM", TITLE_AND_CODE[1] + T110_BOTTOM[2:])
    path = workbook_2016_26(tmp_path / "occupation.xlsx")
    assert detect_layout(path) == "bls_ep_table_1_10"
    df = read_projections(path)
    assert list(df.columns) == OUTPUT_COLUMNS
    assert (df.base_year.iat[0], df.proj_year.iat[0]) == (2016, 2026)
    # codes as the file writes them (SOC 2010): alignment.soc_vintage converts them in a run
    assert df.soc.tolist() == ["11-9061", "13-1020", "13-2021", "15-1132", "15-1133", "29-1141", "47-2111"]
    dev = one(df, "15-1132")
    assert (dev.employment_base, dev.employment_proj, dev.employment_change) == (800000.0, 900000.0, 100000.0)
    assert (dev.exits_annual, dev.transfers_annual, dev.openings_annual) == (16000.0, 32000.0, 58000.0)
    assert dev.employment_change_pct == 12.5 and dev.source_row == 8  # title, 2 header rows, total row
    assert (dev.wage_median_annual_usd, dev.education_entry) == (101790.0, "Bachelor's degree")
    elec = one(df, "47-2111")
    assert pd.isna(elec.wage_median_annual_usd) and elec.wage_flag == "top_coded"
    full = read_projections(path, include_summary=True)
    assert one(full, "00-0000").openings_annual == 160000.0


def test_2016_26_table_1_2_alone_is_read_without_exits_and_transfers(tmp_path):
    path = workbook_2016_26(tmp_path / "occupation.xlsx", table_1_10=False)
    assert detect_layout(path) == "bls_ep_table_1_2"
    df = read_projections(path)
    assert len(df) == 7 and set(df.layout) == {"bls_ep_table_1_2"}
    rn = one(df, "29-1141")
    assert (rn.employment_base, rn.openings_annual, rn.employment_change_pct) == (90000.0, 5400.0, 10.0)
    assert pd.isna(rn.exits_annual) and pd.isna(rn.transfers_annual)
    assert rn.source_row == 11 and rn.wage_median_annual_usd == 70000.0  # title, units, 2 header rows


def test_header_cells_split_over_rows_are_joined(tmp_path):
    # each header cell's text broken over two rows, as a workbook re-saved with wrapped headers may be
    top = [t.rsplit(" ", 2)[0] if t and "annual average" in t else t for t in T110_TOP]
    bottom = [
        "annual average" if t and "annual average" in t else b
        for t, b in zip(T110_TOP, T110_BOTTOM, strict=True)
    ]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Table 1.10"
    ws.append([f"Table 1.10 Occupational separations and openings, projected {R16}"])
    ws.append(top)
    ws.append(bottom)
    for row in T110_ROWS:
        ws.append(row)
    path = tmp_path / "wrapped.xlsx"
    book.save(path)
    df = read_projections(path)
    assert one(df, "15-1133").openings_annual == 28000.0 and one(df, "15-1133").exits_annual == 8000.0
    assert one(df, "15-1133").employment_proj == 440000.0


def test_a_two_row_header_that_is_not_projections_is_refused(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Wages"
    ws.append(["Table 3 Wages by occupation"])
    ws.append(["Occupation", "Code", "Wage", None])
    ws.append([None, None, "Median", "Mean"])
    ws.append(["Registered nurses", "29-1141", 90000, 93000])
    path = tmp_path / "wages.xlsx"
    book.save(path)
    with pytest.raises(InputError) as exc:
        read_projections(path)
    (p,) = exc.value.problems
    assert p.file.endswith("wages.xlsx") and "not an occupational projections file" in p.message
    assert "'Wages'" in p.message and "bls_ep_table_1_10" in p.message


@pytest.mark.realdata
@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-data not present")
def test_real_crosswalk_given_as_projections_is_refused():
    path = REAL / "bls-soc-2010-2018-crosswalk" / "soc_2010_to_2018_crosswalk.xlsx"
    if not path.exists():
        pytest.skip(f"{path} not present")
    with pytest.raises(InputError) as exc:
        read_projections(path)
    (p,) = exc.value.problems
    assert "soc_2010_to_2018_crosswalk.xlsx" in p.file and "not an occupational projections file" in p.message
