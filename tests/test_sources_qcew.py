"""Tests for alignment.sources.qcew: the three BLS QCEW CSV layouts, suppression, errors, real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignment.errors import InputError, Problem
from alignment.sources.qcew import OUTPUT_COLUMNS, read_qcew

FIXTURES = Path(__file__).parent / "fixtures" / "qcew"
ANNUAL = FIXTURES / "2021.annual 01001 Autauga County, Alabama.csv"
SINGLE = FIXTURES / "2022.annual.singlefile.csv"
QTR = FIXTURES / "2021.q1-q4 01001 Autauga County, Alabama.csv"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "bls-qcew"


def row(df: pd.DataFrame, own: str, industry: str, qtr: str = "A", area: str = "01001") -> pd.Series:
    hit = df[(df.area_fips == area) & (df.own_code == own) & (df.industry_code == industry) & (df.qtr == qtr)]
    assert len(hit) == 1
    return hit.iloc[0]


def edit(src: Path, dst: Path, line_no: int, old: str, new: str) -> Path:
    """Copy ``src`` to ``dst`` with ``old`` replaced by ``new`` on line ``line_no`` (1 = header)."""
    lines = src.read_text().splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    dst.write_text("".join(lines))
    return dst


def only_problem(exc: pytest.ExceptionInfo[InputError]) -> Problem:
    assert len(exc.value.problems) == 1, str(exc.value)
    return exc.value.problems[0]


# --- layouts ------------------------------------------------------------------------------------------


def test_annual_by_area_values_and_types():
    df = read_qcew(ANNUAL)
    assert list(df.columns) == OUTPUT_COLUMNS
    assert len(df) == 7
    assert set(df.area_fips) == {"01001"}
    for col in ("area_fips", "own_code", "industry_code", "agglvl_code", "qtr", "disclosure_code"):
        assert pd.api.types.is_string_dtype(df[col]), col
    assert df.year.dtype == "int64" and set(df.year) == {2021}
    mfg = row(df, "5", "31-33")
    assert (mfg.agglvl_code, mfg.employment, mfg.establishments) == ("74", 3000.0, 40)
    assert (mfg.total_wages_usd, mfg.avg_annual_pay_usd, mfg.lq_employment_published) == (
        165000000.0,
        55000.0,
        2.10,
    )
    assert mfg.source_file == str(ANNUAL) and mfg.source_row == 5
    assert not mfg.suppressed and mfg.disclosure_code == ""
    assert df[["month1_emplvl", "month2_emplvl", "month3_emplvl"]].isna().all().all()


def test_annual_suppressed_rows_are_na_not_zero():
    df = read_qcew(ANNUAL)
    assert df.suppressed.sum() == 2
    food = row(df, "5", "311")
    assert food.suppressed and food.disclosure_code == "N"
    for col in ("employment", "total_wages_usd", "avg_annual_pay_usd", "lq_employment_published"):
        assert pd.isna(food[col]), col
    assert food.establishments == 3  # BLS publishes establishment counts of non-disclosed cells
    assert row(df, "2", "10").suppressed
    # disclosed employment, but the LQ itself is not disclosed (lq_disclosure_code N): LQ <NA>, not 0
    eng = row(df, "5", "5413")
    assert eng.employment == 120.0 and not eng.suppressed and pd.isna(eng.lq_employment_published)


def test_annual_singlefile():
    df = read_qcew(SINGLE)
    assert len(df) == 4
    assert df.area_fips.tolist() == ["01000", "01001", "01003", "01003"]
    state = row(df, "0", "10", area="01000")
    assert (state.agglvl_code, state.employment, state.establishments) == ("50", 2000000.0, 120000)
    assert state.avg_annual_pay_usd == 55000.0 and state.year == 2022
    construction = row(df, "5", "23", area="01003")
    assert construction.suppressed and pd.isna(construction.employment) and construction.establishments == 4


def test_quarterly_by_area_months_mean_and_lqs():
    df = read_qcew(QTR)
    assert len(df) == 8
    assert df.avg_annual_pay_usd.isna().all()
    assert row(df, "0", "10", "1").employment == 20000.0  # (19800 + 20000 + 20200) / 3
    assert row(df, "0", "10", "3").employment == 20500.0  # (20600 + 20400 + 20500) / 3
    mfg = row(df, "5", "31-33", "1")
    assert (mfg.month1_emplvl, mfg.month2_emplvl, mfg.month3_emplvl, mfg.employment) == (
        2900,
        3000,
        3100,
        3000,
    )
    assert (mfg.lq_month1_emplvl, mfg.lq_month2_emplvl, mfg.lq_month3_emplvl) == (2.05, 2.08, 2.10)
    assert mfg.lq_employment_published == 2.10  # quarterly: the month-3 LQ
    assert mfg.total_wages_usd == 41000000.0 and mfg.establishments == 40
    hidden = row(df, "5", "31-33", "2")
    assert hidden.suppressed and hidden.establishments == 41
    assert (
        hidden[["employment", "month1_emplvl", "month3_emplvl", "total_wages_usd", "lq_month3_emplvl"]]
        .isna()
        .all()
    )
    eng = row(df, "5", "5413", "1")
    assert eng.employment == pytest.approx((118 + 120 + 125) / 3) and pd.isna(eng.lq_employment_published)


def test_quarterly_dash_rows_are_real_zeros():
    """`-` rows (no establishment in that quarter, every cell 0) keep their zero; they are not suppressed."""
    dash = row(read_qcew(QTR), "5", "238192", "3")
    assert not dash.suppressed and dash.disclosure_code == ""
    assert (dash.employment, dash.establishments) == (0.0, 0)
    assert pd.isna(dash.lq_employment_published)


def test_many_files_folder_glob_and_list_agree_and_sort():
    from_list = read_qcew([QTR, SINGLE, ANNUAL])
    from_folder = read_qcew(FIXTURES)
    from_glob = read_qcew(str(FIXTURES / "*.csv"))
    assert len(from_list) == 7 + 4 + 8
    cols = [c for c in OUTPUT_COLUMNS if c != "source_file"]
    pd.testing.assert_frame_equal(from_list[cols], from_folder[cols])
    pd.testing.assert_frame_equal(from_folder, from_glob)
    keys = from_list[["area_fips", "own_code", "industry_code", "year", "qtr"]].apply(tuple, axis=1).tolist()
    assert keys == sorted(keys)
    assert keys[:3] == [
        ("01000", "0", "10", 2022, "A"),
        ("01001", "0", "10", 2021, "1"),
        ("01001", "0", "10", 2021, "2"),
    ]
    assert from_list.source_file.nunique() == 3


def test_area_fips_written_as_number_is_zero_padded(tmp_path):
    path = edit(ANNUAL, tmp_path / "a.csv", 2, '"01001"', "1001")
    assert read_qcew(path).area_fips.tolist() == ["01001"] * 7


# --- problems ------------------------------------------------------------------------------------------


def test_same_key_in_two_files_is_a_problem(tmp_path):
    first = shutil.copy(ANNUAL, tmp_path / "first.csv")
    second = shutil.copy(ANNUAL, tmp_path / "second.csv")
    with pytest.raises(InputError) as exc:
        read_qcew([first, second])
    problems = exc.value.problems
    assert len(problems) == 7
    p = next(p for p in problems if p.row == 5)
    assert p.file == str(second) and p.column is None
    assert p.message == (
        "duplicate area x own_code x industry x year x qtr (01001 x 5 x 31-33 x 2021 x A); "
        f"first seen in {first}, row 5"
    )


def test_not_a_qcew_file_lists_expected_columns(tmp_path):
    path = tmp_path / "enrollment.csv"
    path.write_text("institution,cip,enrolled\nNorth High,01.0000,12\n")
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    p = only_problem(exc)
    assert (p.file, p.row, p.column) == (str(path), 1, None)
    assert p.message.startswith(
        "not a QCEW file: expected the columns of a BLS QCEW CSV layout (annual by-area CSV: "
    )
    assert "annual_avg_emplvl" in p.message and "month1_emplvl" in p.message
    assert p.message.endswith("found: institution, cip, enrolled")


def test_non_numeric_employment_cell(tmp_path):
    path = edit(ANNUAL, tmp_path / "bad.csv", 3, ",900,16000,", ",900,abc,")
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    p = only_problem(exc)
    assert (
        str(p) == f"{path}, row 3, column 'annual_avg_emplvl': "
        "expected a number (annual by-area CSV layout), got 'abc'"
    )


def test_non_numeric_month_in_quarterly_file(tmp_path):
    path = edit(QTR, tmp_path / "bad.csv", 6, ",2900,3000,3100,", ",2900,3 000,3100,")
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    p = only_problem(exc)
    assert (p.row, p.column) == (6, "month2_emplvl")
    assert p.message == "expected a number (quarterly by-area CSV layout), got '3 000'"


def test_negative_employment(tmp_path):
    path = edit(ANNUAL, tmp_path / "neg.csv", 4, ",200,5000,", ",200,-5000,")
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    assert (
        str(only_problem(exc))
        == f"{path}, row 4, column 'annual_avg_emplvl': expected a number >= 0, got -5000"
    )


def test_problems_in_a_batch_name_their_own_file(tmp_path):
    good = shutil.copy(ANNUAL, tmp_path / "2021.annual good.csv")
    negative = edit(ANNUAL, tmp_path / "neg.csv", 4, '"2021","A",', '"2020","A",')
    negative = edit(negative, negative, 6, ",3,0,0,", ",3,-2,0,")
    bad_code = edit(SINGLE, tmp_path / "single.csv", 3, '"01001"', '"0100A"')
    with pytest.raises(InputError) as exc:
        read_qcew([good, negative, bad_code])
    assert [(p.file, p.row, p.column) for p in exc.value.problems] == [
        (str(negative), 6, "annual_avg_emplvl")
    ]
    with pytest.raises(InputError) as exc:
        read_qcew([good, bad_code])
    assert [(p.file, p.row, p.column) for p in exc.value.problems] == [(str(bad_code), 3, "area_fips")]


def test_missing_required_column_names_the_layout(tmp_path):
    with ANNUAL.open(newline="") as fh:
        rows = [r[:14] + r[15:] for r in csv.reader(fh)]  # drop annual_avg_emplvl
    path = tmp_path / "short.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    assert str(only_problem(exc)) == (
        f"{path}, row 1, column 'annual_avg_emplvl': "
        "missing required column for the annual by-area CSV layout"
    )


def test_wrong_qtr_for_layout_and_bad_code(tmp_path):
    path = edit(ANNUAL, tmp_path / "q.csv", 3, '"2021","A"', '"2021","1"')
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    assert (
        str(only_problem(exc))
        == f"{path}, row 3, column 'qtr': expected one of A (annual by-area CSV), got '1'"
    )
    path = edit(ANNUAL, tmp_path / "c.csv", 2, '"01001","0","10"', '"01001","X","10"')
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    p = only_problem(exc)
    assert (p.row, p.column) == (2, "own_code") and "'X'" in p.message


@pytest.mark.parametrize(
    ("name", "message"),
    [("nothing.csv", "file not found"), ("*.nothing", "no file matches this pattern")],
)
def test_missing_inputs(tmp_path, name, message):
    with pytest.raises(InputError) as exc:
        read_qcew(tmp_path / name if "*" not in name else str(tmp_path / name))
    assert only_problem(exc).message == message


def test_ragged_row_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(SINGLE.read_text() + '"01005","0","10"\n')
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    message = only_problem(exc).message
    assert (
        message.startswith("cannot read as the annual singlefile CSV layout: ")
        and "Expected 38 columns, got 3" in message
    )


def test_header_only_file_gives_an_empty_table(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(SINGLE.read_text().splitlines()[0] + "\n")
    df = read_qcew(path)
    assert len(df) == 0 and list(df.columns) == OUTPUT_COLUMNS


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    assert only_problem(exc).message.startswith("empty or unreadable file; expected a QCEW CSV")


# --- real BLS files (../shared/real-data/bls-qcew) ----------------------------------------------------------


def real(folder: str) -> Path:
    path = REAL / folder
    if not path.is_dir():
        pytest.skip(f"real data not present: {path}")
    return path


def count_n_rows(files: list[Path]) -> int:
    total = 0
    for f in files:
        with f.open(newline="") as fh:
            total += sum(r[7] == "N" for r in csv.reader(fh))
    return total


def assert_suppressed_hold_no_numbers(df: pd.DataFrame) -> None:
    hidden = df[df.suppressed]
    cols = ["employment", "month1_emplvl", "month2_emplvl", "month3_emplvl", "total_wages_usd"]
    cols += ["avg_annual_pay_usd", "lq_employment_published", "lq_month1_emplvl", "lq_month3_emplvl"]
    assert hidden[cols].isna().all().all()


@pytest.fixture(scope="module")
def vt_and_us() -> tuple[pd.DataFrame, pd.DataFrame]:
    vt = read_qcew(real("qtrly_by_area_vt_2016"))
    us = read_qcew(str(real("qtrly_by_area_us_2016_reconstructed") / "*.csv"))
    return vt, us


@pytest.mark.realdata
def test_real_annual_by_area_lancaster():
    folder = real("annual_by_area_lancaster_pa")
    df = read_qcew(folder)
    assert len(df) == 7745
    assert df.groupby("year").size().to_dict() == {2013: 1953, 2014: 1938, 2015: 1923, 2016: 1931}
    assert set(df.area_fips) == {"42071"} and set(df.qtr) == {"A"}
    assert df.suppressed.sum() == count_n_rows(sorted(folder.glob("*.csv"))) == 3003
    assert_suppressed_hold_no_numbers(df)
    total = df[(df.own_code == "0") & (df.industry_code == "10") & (df.year == 2016)].iloc[0]
    assert (total.employment, total.establishments, total.avg_annual_pay_usd) == (234156, 13264, 44012)
    assert total.total_wages_usd == 10305707198 and total.lq_employment_published == 1.0


@pytest.mark.realdata
def test_real_annual_singlefile_utah():
    df = read_qcew(real("annual_singlefile_ut_county_totals") / "2017.annual.singlefile.csv")
    assert len(df) == 30 and df.agglvl_code.value_counts().to_dict() == {"70": 29, "50": 1}
    state = df[df.area_fips == "49000"].iloc[0]
    assert (state.employment, state.establishments, state.avg_annual_pay_usd) == (1430588, 98903, 46575)
    assert df.area_fips.str.fullmatch(r"49\d{3}").all() and not df.suppressed.any()


@pytest.mark.realdata
def test_real_quarterly_vermont(vt_and_us):
    vt, _ = vt_and_us
    files = sorted(real("qtrly_by_area_vt_2016").glob("*.csv"))
    assert len(vt) == 71656 and vt.area_fips.nunique() == 16
    assert vt.suppressed.sum() == count_n_rows(files) == 42914
    assert_suppressed_hold_no_numbers(vt)
    assert vt[~vt.suppressed].employment.notna().all()
    assert set(vt.disclosure_code) == {"", "N"}  # the 854 "-" rows are real zeros
    state_q1 = vt[
        (vt.area_fips == "50000") & (vt.own_code == "0") & (vt.industry_code == "10") & (vt.qtr == "1")
    ]
    assert state_q1.employment.iloc[0] == pytest.approx((304337 + 306024 + 305037) / 3)


@pytest.mark.realdata
def test_real_reconstructed_us_base(vt_and_us):
    _, us = vt_and_us
    assert len(us) == 13958 and set(us.area_fips) == {"US000"} and not us.suppressed.any()
    assert us.employment.isna().sum() == 23  # rows with one or two empty month cells (BUILD_NOTE.md)
    q1 = us[(us.own_code == "0") & (us.industry_code == "10") & (us.qtr == "1")].iloc[0]
    assert (q1.month1_emplvl, q1.month2_emplvl, q1.month3_emplvl) == (138771439, 139409298, 140128911)
    assert us.lq_employment_published.isna().all() and us.establishments.isna().all()


@pytest.mark.realdata
def test_real_location_quotients_reproduce_published_month3_at_sector_level(vt_and_us):
    """LQ = (e_area / E_area) / (e_US / E_US), month 3, NAICS sectors (agglvl 54 state, 74 county)."""
    vt, us = vt_and_us
    keys = ["own_code", "industry_code", "qtr"]
    sectors = vt[vt.agglvl_code.isin(["54", "74"]) & vt.lq_month3_emplvl.notna() & vt.month3_emplvl.notna()]
    area_total = vt[(vt.own_code == "0") & (vt.industry_code == "10")][["area_fips", "qtr", "month3_emplvl"]]
    us_total = us[(us.own_code == "0") & (us.industry_code == "10")][["qtr", "month3_emplvl"]]
    us_sector = us[us.agglvl_code == "14"][[*keys, "month3_emplvl"]]
    d = (
        sectors.merge(area_total, on=["area_fips", "qtr"], suffixes=("", "_area_total"))
        .merge(us_total, on="qtr", suffixes=("", "_us_total"))
        .merge(us_sector, on=keys, suffixes=("", "_us"))
    )
    lq = (d.month3_emplvl / d.month3_emplvl_area_total) / (d.month3_emplvl_us / d.month3_emplvl_us_total)
    rounded = np.floor(lq.to_numpy(dtype=float) * 100 + 0.5) / 100  # BLS rounds half up
    match = np.abs(rounded - d.lq_month3_emplvl.to_numpy(dtype=float)) < 0.005
    print(
        "\nVermont sector LQs (month 3) reproduced at 2 decimals: "
        f"{match.sum()} of {len(d)} ({match.mean():.2%})"
    )
    assert len(d) >= 1300
    assert match.mean() >= 0.995


# --- file name year, gzip -----------------------------------------------------------------------------


def test_rows_of_another_year_than_the_file_name(tmp_path):
    path = shutil.copy(ANNUAL, tmp_path / "2024.annual 01001 Autauga County, Alabama.csv")
    with pytest.raises(InputError) as exc:
        read_qcew(path)
    assert str(only_problem(exc)) == (
        f"{path}, row 2, column 'year': the file name says 2024, but rows of 2021 are in it (7 of 7 rows): a "
        "file of another year saved under this name would leave this area's jobs out of 2024; download the "
        "2024 file again, or name the file by its year"
    )
    # a file whose name has no year is not checked; quarterly and singlefile names are
    assert len(read_qcew(shutil.copy(ANNUAL, tmp_path / "autauga.csv"))) == 7
    with pytest.raises(InputError, match="the file name says 2020"):
        read_qcew(shutil.copy(QTR, tmp_path / "2020.q1-q4 01001 Autauga.csv"))
    with pytest.raises(InputError, match="the file name says 2023"):
        read_qcew(shutil.copy(SINGLE, tmp_path / "2023.annual.singlefile.csv"))


def test_year_from_name():
    from alignment.sources.qcew import year_from_name

    assert year_from_name("2024.annual 41001 Baker County, Oregon.csv") == 2024
    assert year_from_name("2016.q1-q4 US000 U.S. TOTAL (reconstructed).csv") == 2016
    assert year_from_name("2017.annual.singlefile.csv") == 2017
    assert year_from_name("2017.q2.singlefile.csv.gz") == 2017
    assert year_from_name("qcew 2024.csv") is None and year_from_name("20245.annual.csv") is None


def test_gzip_files_are_read_whatever_their_name(tmp_path):
    import gzip

    expected = read_qcew(ANNUAL).drop(columns="source_file")
    data = gzip.compress(ANNUAL.read_bytes())
    for name in ("2021.annual a.csv.gz", "2021.annual b.csv"):
        (tmp_path / name).write_bytes(data)
        got = read_qcew(tmp_path / name).drop(columns="source_file")
        pd.testing.assert_frame_equal(got, expected)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "2021.annual a.csv.gz").write_bytes(data)
    assert len(read_qcew(folder)) == 7
    (tmp_path / "cut.csv.gz").write_bytes(data[:50])
    with pytest.raises(InputError) as exc:
        read_qcew(tmp_path / "cut.csv.gz")
    assert only_problem(exc).message.startswith("a gzip-compressed file that cannot be decompressed (")
