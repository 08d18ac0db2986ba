"""Tests for alignment.sources.projections: BLS EP Table 1.10 and California EDD layouts, vintages, errors."""

from __future__ import annotations

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
