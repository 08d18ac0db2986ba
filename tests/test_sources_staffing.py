"""Staffing-pattern reader (BLS EP matrix workbooks, OEWS industry-specific files) and SOC 2010 → 2018 mapping."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.staffing import (
    CROSSWALK_COLUMNS,
    NOTE_COLUMNS,
    OUTPUT_COLUMNS,
    industry_codes,
    read_soc_crosswalk_2010_2018,
    read_staffing_patterns,
    to_soc_2018,
)

F = Path(__file__).parent / "fixtures" / "staffing"
OEWS = F / "nat3d_M2025_dl.csv"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
EP_DIR = REAL / "bls-ep-industry-occupation-matrix-2014-24-legacy" / "ind_xlsx"
CROSSWALK = REAL / "bls-soc-2010-2018-crosswalk" / "soc_2010_to_2018_crosswalk.xlsx"


def write_ep(path: Path, code: str, title: str, rows: list[tuple]) -> Path:
    """A workbook in the BLS EP matrix layout (2014-24): ``rows`` = (code, title, employment 2014 in
    thousands, percent of industry 2014, occupation type); the total row comes first, as BLS writes it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2014-2024 Matrix"
    ws.append(["Employment by industry, occupation, and percent distribution, 2014 and projected 2024"])
    ws.append([f"{code} {title}"])
    ws.append(["(Employment in thousands)\nOccupations with fewer than 50 jobs ... are not displayed"])
    ws.append([None, "Occupation", None, 2014, None, None, 2024])
    ws.append(
        ["Sort Order", "Code", "Title", "Employment", "Percent of industry", "Percent of occupation",
         "Employment", "Percent of industry", "Percent of occupation", "Percent change", "Employment change",
         "Occupation type"]
    )  # fmt: skip
    for i, (soc, name, emp, pct, kind) in enumerate(rows, start=1):
        ws.append([i, soc, name, emp, pct, 1.0, emp, pct, 1.0, 0.0, 0.0, kind])
    ws.append(["Note: Red indicates a decline in employment between 2014 and 2024"])
    ws.append(
        ["Source: Employment Projections program, U.S. Department of Labor, U.S. Bureau of Labor Statistics"]
    )
    wb.save(path)
    return path


def ep_folder(tmp_path: Path) -> Path:
    """Four EP industries: manufacturing (sector, 31-330), food manufacturing, local schools, and an EP range."""
    folder = tmp_path / "ind_xlsx"
    folder.mkdir()
    write_ep(folder / "ind_31-330.xlsx", "31-330", "Manufacturing", [
        ("00-0000", "Total, all occupations", 12000.0, 100, "Summary"),
        ("51-0000", "Production occupations", 6000.0, 50.0, "Summary"),
        ("51-3011", "Bakers", 30.0, 0.3, "Line item"),
        ("53-7062", "Laborers and freight, stock, and material movers, hand", 600.0, 5.0, "Line item"),
    ])  # fmt: skip
    write_ep(folder / "ind_311000.xlsx", "311000", "Food manufacturing", [
        ("00-0000", "Total, all occupations", 1500.0, 100, "Summary"),
        ("51-3011", "Bakers", 150.0, 10.0, "Line item"),
        ("53-7062", "Laborers and freight, stock, and material movers, hand", 300.0, 20.0, "Line item"),
    ])  # fmt: skip
    write_ep(folder / "ind_611103.xlsx", "611103", "Elementary and secondary schools; local", [
        ("00-0000", "Total, all occupations", 80.0, 100, "Summary"),
        ("25-2021", "Elementary school teachers, except special education", 20.0, 25.3, "Line item"),
        ("43-4051", "Customer service representatives", 0.1, 0.1, "Line item"),
    ])  # fmt: skip
    write_ep(folder / "ind_1131-2.xlsx", "1131-2", "Forestry", [
        ("00-0000", "Total, all occupations", 10.0, 100, "Summary"),
        ("45-4011", "Forest and conservation workers", 2.0, 20.0, "Line item"),
    ])  # fmt: skip
    return folder


# ------------------------------------------------------------------------------------- OEWS industry layout


def test_oews_industry_fixture_shares_and_codes():
    t = read_staffing_patterns(OEWS)
    assert list(t.columns) == OUTPUT_COLUMNS
    assert set(t["layout"]) == {"oews_industry"} and set(t["soc_vintage"]) == {"2018"}
    assert set(t["year"]) == {2025}  # from the M2025 token
    # detailed rows only: the major groups (29-0000, 51-0000) and totals are not occupations of the pattern
    assert len(t) == 11 and not t["soc"].isin(["00-0000", "29-0000", "51-0000"]).any()
    by = t.set_index(["industry_code", "soc"])
    # food manufacturing (200,000 jobs >= 100,000): employment / industry employment
    assert by.loc[("311", "51-3011"), "share"] == pytest.approx(20_000 / 200_000)
    assert by.loc[("311", "53-7062"), "share"] == pytest.approx(40_000 / 200_000)
    assert pd.isna(by.loc[("311", "43-4051"), "share"])  # ** and no percent: unknown, never 0
    # hospitals (50,000 jobs < 100,000): the published percent, more precise than 15,000 / 50,000 = 0.30
    assert by.loc[("622", "29-1141"), "share"] == pytest.approx(0.3012)
    assert by.loc[("622", "43-4051"), "share"] == pytest.approx(0.025)  # ** employment, percent given
    assert pd.isna(by.loc[("622", "43-4051"), "employment"])
    industries = t.drop_duplicates("industry_code").set_index("industry_code")
    assert industries.loc["622", "own_codes"] == "235"  # OEWS 58: private + state and local hospitals
    assert industries.loc["311", "own_codes"] == "5"
    assert industries.loc["999200", ["industry_level", "own_codes"]].tolist() == ["government", "2"]
    assert industries.loc["10", ["industry_level", "own_codes"]].tolist() == ["total", "1235"]
    assert industries.loc["10", "summary"] and not industries.loc["311", "summary"]
    assert industries.loc["311", "industry_employment"] == 200_000
    assert t.loc[t["soc"] == "51-3011", "source_row"].tolist() == [9]


def test_oews_industry_fixture_as_workbook(tmp_path):
    frame = pd.read_csv(OEWS, dtype=str, keep_default_na=False)
    path = tmp_path / "nat3d_M2025_dl.xlsx"
    with pd.ExcelWriter(path) as xl:
        frame.to_excel(xl, sheet_name="nat3d_M2025_dl", index=False)
    a = read_staffing_patterns(path).drop(columns="source_file")
    b = read_staffing_patterns(OEWS).drop(columns="source_file")
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------------------------------ EP matrix layout


def test_ep_workbooks(tmp_path):
    t = read_staffing_patterns(ep_folder(tmp_path))
    assert (
        set(t["layout"]) == {"bls_ep_matrix"}
        and set(t["soc_vintage"]) == {"2010"}
        and set(t["year"]) == {2014}
    )
    ind = t.drop_duplicates("publisher_code").set_index("publisher_code")
    assert ind.loc["31-330", ["industry_code", "industry_level", "own_codes"]].tolist() == [
        "31-33",
        "sector",
        "5",
    ]
    assert ind.loc["311000", ["industry_code", "industry_level"]].tolist() == ["311", "3-digit"]
    assert ind.loc["611103", ["industry_code", "own_codes"]].tolist() == ["6111", "3"]  # local schools
    assert ind.loc["1131-2", ["industry_code", "industry_level"]].tolist() == ["1131-1132", "4-digit"]
    assert ind.loc["31-330", "summary"] and not ind.loc["311000", "summary"]  # 311 lies inside 31-33
    by = t.set_index(["publisher_code", "soc"])
    # line items only; employment in thousands -> jobs
    assert len(t) == 7 and by.loc[("311000", "51-3011"), "employment"] == 150_000
    # large industry (12,000 thousand): 30 / 12,000 = 0.0025, not the rounded 0.3 % (0.003)
    assert by.loc[("31-330", "51-3011"), "share"] == pytest.approx(30 / 12_000)
    # small industry (80 thousand): the percent, 25.3 %, not 20 / 80 = 25 %
    assert by.loc[("611103", "25-2021"), "share"] == pytest.approx(0.253)
    assert by.loc[("311000", "51-3011"), "source_row"] == 7  # the spreadsheet row
    assert by.loc[("311000", "51-3011"), "industry_employment"] == 1_500_000


def test_ep_industry_with_only_groups_keeps_its_finest_groups(tmp_path):
    path = write_ep(tmp_path / "ind_611602.xlsx", "611602", "Other schools and instruction; state", [
        ("00-0000", "Total, all occupations", 2.1, 100, "Summary"),
        ("11-0000", "Management occupations", 0.1, 5.5, "Summary"),
        ("11-9030", "Education administrators", 0.1, 3.9, "Summary"),
        ("25-0000", "Education, training, and library occupations", 1.6, 78.8, "Summary"),
        ("25-1000", "Postsecondary teachers", 0.7, 31.9, "Summary"),
    ])  # fmt: skip
    t = read_staffing_patterns(path)
    assert t["soc"].tolist() == ["11-9030", "25-1000"]
    assert t["share"].tolist() == pytest.approx([0.039, 0.319])
    assert t[["industry_code", "own_codes"]].drop_duplicates().values.tolist() == [["6116", "2"]]


def test_workbook_not_laid_out_as_usual_is_read_by_openpyxl(tmp_path, monkeypatch):
    from alignment.sources import staffing as module

    folder = ep_folder(tmp_path)
    fast = read_staffing_patterns(folder)

    def unusual(data):
        raise KeyError("xl/workbook.xml")

    monkeypatch.setattr(module, "_xlsx_sheets", unusual)
    pd.testing.assert_frame_equal(read_staffing_patterns(folder), fast)


@pytest.mark.parametrize(
    ("code", "parts"),
    [
        ("1131-1132", ("1131", "1132")),
        ("31-33", ("31-33",)),
        ("442,443", ("442", "443")),
        ("6111", ("6111",)),
    ],
)
def test_industry_codes(code, parts):
    assert industry_codes(code) == parts


# ------------------------------------------------------------------------------------------------ bad input


def test_ep_bad_cells_name_file_row_and_column(tmp_path):
    path = write_ep(tmp_path / "ind_311000.xlsx", "311000", "Food manufacturing", [
        ("00-0000", "Total, all occupations", 1500.0, 100, "Summary"),
        ("51-3011", "Bakers", "lots", 10.0, "Line item"),
        ("5l-3099", "Food workers", 1.0, 0.1, "Line item"),
        ("53-7062", "Laborers", 300.0, 120.0, "Line item"),
        ("53-7064", "Packers", 3.0, 0.2, "Line"),
    ])  # fmt: skip
    with pytest.raises(InputError) as err:
        read_staffing_patterns(path)
    text = str(err.value)
    assert f"{path}, row 7, column 'Employment 2014': expected employment in thousands" in text
    assert "'lots'" in text
    assert f"{path}, row 8, column 'Code': expected a SOC code NN-NNNN, got '5l-3099'" in text
    assert (
        f"{path}, row 9, column 'Percent of industry 2014': expected a percent from 0 to 100, got 120" in text
    )
    assert f"{path}, row 10, column 'Occupation type': expected 'Line item' or 'Summary', got 'Line'" in text


def test_ep_without_total_row(tmp_path):
    path = write_ep(tmp_path / "ind_311000.xlsx", "311000", "Food manufacturing", [
        ("51-3011", "Bakers", 150.0, 10.0, "Line item"),
    ])  # fmt: skip
    with pytest.raises(InputError, match="no '00-0000 Total, all occupations' row"):
        read_staffing_patterns(path)


def test_oews_bad_cells(tmp_path):
    text = OEWS.read_text()
    text = text.replace('"20,000",1.1,10.00', "twenty,1.1,10.00").replace("53-7062", "53-70XX", 1)
    text = text.replace(',"15,000",0.5,30.12,', ',"15,000",0.5,130.12,')
    path = tmp_path / "nat3d_M2025_dl.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_staffing_patterns(path)
    msg = str(err.value)
    assert (
        f"{path}, row 9, column 'TOT_EMP': expected a number >= 0 or one of **, *, #, -; got 'twenty'" in msg
    )
    assert f"{path}, row 10, column 'OCC_CODE': expected a SOC code NN-NNNN, got '53-70XX'" in msg
    assert f"{path}, row 13, column 'PCT_TOTAL': expected a percent from 0 to 100" in msg


def test_oews_industry_listed_twice_with_the_same_figures_is_read_once(tmp_path):
    lines = OEWS.read_text().splitlines()
    again = [ln.replace(",3-digit,", ",4-digit,") for ln in lines if ",311000," in ln]
    path = tmp_path / "nat4d_M2025_dl.csv"
    path.write_text("\n".join([*lines, *again]) + "\n")
    t = read_staffing_patterns(path)
    assert len(t) == 11
    pd.testing.assert_frame_equal(
        t.drop(columns="source_file"), read_staffing_patterns(OEWS).drop(columns="source_file")
    )
    # different figures for one industry and occupation: a problem naming both rows
    path.write_text("\n".join([*lines, again[2].replace('"20,000"', '"21,000"')]) + "\n")
    with pytest.raises(
        InputError,
        match=r"row 19: industry 311000 \(311, ownership 5\) has occupation 51-3011 again; first seen in .*row 9",
    ):
        read_staffing_patterns(path)


def test_oews_missing_column(tmp_path):
    frame = pd.read_csv(OEWS, dtype=str, keep_default_na=False).drop(columns="PCT_TOTAL")
    path = tmp_path / "nat3d_M2025_dl.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(
        InputError, match=r"required column 'pct_total' not found.*accepted names: pct_total, PCT_TOTAL"
    ):
        read_staffing_patterns(path)


def test_oews_state_file_is_refused(tmp_path):
    path = tmp_path / "nat3d_M2025_dl.csv"
    path.write_text(OEWS.read_text().replace("\n99,U.S.,1,US,", "\n50,Vermont,2,VT,"))
    with pytest.raises(InputError, match="no national row"):
        read_staffing_patterns(path)


def test_not_a_staffing_file(tmp_path):
    path = tmp_path / "enrollment.csv"
    path.write_text("school,cip,count\nA,01.0000,12\n")
    with pytest.raises(InputError, match="not a staffing-pattern file"):
        read_staffing_patterns(path)
    wb = openpyxl.Workbook()
    wb.active.append(["county", "region"])
    wb.save(tmp_path / "regions.xlsx")
    with pytest.raises(InputError, match="no sheet has the header of the BLS EP matrix"):
        read_staffing_patterns(tmp_path / "regions.xlsx")


def test_mixed_layouts_and_repeated_industry(tmp_path):
    folder = ep_folder(tmp_path)
    with pytest.raises(InputError, match="bls_ep_matrix and oews_industry staffing patterns"):
        read_staffing_patterns([folder, OEWS])
    # a second file for one industry: the same figures are read once, different ones are a problem
    write_ep(folder / "ind_311000 (copy).xlsx", "311000", "Food manufacturing", [
        ("00-0000", "Total, all occupations", 1500.0, 100, "Summary"),
        ("51-3011", "Bakers", 150.0, 10.0, "Line item"),
    ])  # fmt: skip
    assert len(read_staffing_patterns(folder)) == 7
    write_ep(folder / "ind_311000 (copy).xlsx", "311000", "Food manufacturing", [
        ("00-0000", "Total, all occupations", 1500.0, 100, "Summary"),
        ("51-3011", "Bakers", 160.0, 10.7, "Line item"),
    ])  # fmt: skip
    with pytest.raises(
        InputError, match=r"industry 311000 \(311, ownership 5\) has occupation 51-3011 again"
    ):
        read_staffing_patterns(folder)


def test_missing_file():
    with pytest.raises(InputError, match="file not found"):
        read_staffing_patterns(F / "nope.xlsx")


# --------------------------------------------------------------------------------------- SOC 2010 -> 2018


def small_crosswalk(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "soc_2010_to_2018_crosswalk.csv"
    path.write_text(
        "2010 SOC Code,2010 SOC Title,2018 SOC Code,2018 SOC Title\n"
        "11-2031,Public Relations and Fundraising Managers (#),11-2032,Public Relations Managers\n"
        "11-2031,Public Relations and Fundraising Managers (#),11-2033,Fundraising Managers\n"
        "13-1199,Business Operations Specialists (#),13-1082,Project Management Specialists (##)\n"
        "13-1199,Business Operations Specialists (#),13-1199,Business Operations Specialists\n"
        "11-9199,Managers (#),13-1082,Project Management Specialists (##)\n"
        "45-3011,Fishers,45-3031,Fishing and Hunting Workers (##)\n"
        "45-3021,Hunters and Trappers,45-3031,Fishing and Hunting Workers (##)\n"
        "51-3011,Bakers,51-3011,Bakers\n"
    )
    return read_soc_crosswalk_2010_2018(path)


def test_crosswalk_reader(tmp_path):
    cw = small_crosswalk(tmp_path)
    assert list(cw.columns) == CROSSWALK_COLUMNS and len(cw) == 8
    assert cw.loc[cw["soc_2018"] == "13-1082", "soc_2018_title"].iat[0] == "Project Management Specialists"
    assert cw["soc_2010_title"].iat[0] == "Public Relations and Fundraising Managers"
    bad = tmp_path / "bad.csv"
    bad.write_text("2010 SOC Code,2010 SOC Title,2018 SOC Code,2018 SOC Title\n11-2O31,x,11-2032,y\n")
    with pytest.raises(
        InputError, match=r"row 2, column '2010 SOC Code': expected a SOC code NN-NNNN, got '11-2O31'"
    ):
        read_soc_crosswalk_2010_2018(bad)


def ep_like(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """A SOC 2010 staffing table: (industry_code, soc, share, employment)."""
    t = pd.DataFrame(rows, columns=["industry_code", "soc", "share", "employment"])
    return t.assign(
        industry_level="3-digit",
        own_codes="5",
        soc_title="x",
        soc_vintage="2010",
        source_row=range(2, 2 + len(t)),
    )


def test_to_soc_2018_equal_and_weighted_splits(tmp_path):
    cw = small_crosswalk(tmp_path)
    t = ep_like([
        ("311", "11-2031", 0.10, 1000.0),  # split in two
        ("311", "13-1199", 0.20, 2000.0),  # split: 13-1082 (also fed by 11-9199) and 13-1199
        ("311", "11-9199", 0.04, 400.0),  # one to one: 13-1082
        ("311", "45-3000", 0.01, 100.0),  # a group code: through 45-3011 and 45-3021
        ("311", "99-9999", 0.05, 500.0),  # no 2018 match
        ("311", "51-3011", 0.30, 3000.0),
    ])  # fmt: skip
    out, notes = to_soc_2018(t, cw)
    assert list(notes.columns) == NOTE_COLUMNS
    s = out.set_index("soc")["share"]
    # equal splits: 11-2031 half to each; 13-1199 half to 13-1082 (+ all of 11-9199) and half to 13-1199
    assert s["11-2032"] == pytest.approx(0.05) and s["11-2033"] == pytest.approx(0.05)
    assert s["13-1082"] == pytest.approx(0.10 + 0.04) and s["13-1199"] == pytest.approx(0.10)
    assert s["45-3031"] == pytest.approx(0.01) and s["51-3011"] == pytest.approx(0.30)
    assert "99-9999" not in s.index and set(out["soc_vintage"]) == {"2018"}
    assert out.set_index("soc").loc["13-1082", "soc_title"] == "Project Management Specialists"
    assert out["share"].sum() == pytest.approx(0.65)  # 0.70 less the unmatched 0.05
    kinds = notes.groupby("kind")["soc_2010"].apply(list).to_dict()
    assert kinds["no 2018 match"] == ["99-9999"] and kinds["through detailed codes"] == ["45-3000"]
    assert kinds["split"] == ["11-2031", "13-1199"] and kinds["merged"] == ["11-9199; 13-1199"]
    unmatched = notes[notes["kind"] == "no 2018 match"].iloc[0]
    assert unmatched["employment"] == 500.0 and unmatched["industries"] == 1
    # weights: national 2018 employment ÷ the number of 2010 codes feeding each 2018 code
    w = {"11-2032": 300.0, "11-2033": 100.0, "13-1082": 800.0, "13-1199": 200.0}
    out, notes = to_soc_2018(t, cw, weights=w)
    s = out.set_index("soc")["share"]
    assert s["11-2032"] == pytest.approx(0.10 * 0.75) and s["11-2033"] == pytest.approx(0.10 * 0.25)
    # 13-1082 is fed by two 2010 codes: 800 / 2 = 400 against 13-1199's 200 -> 2/3 and 1/3 of 0.20
    assert s["13-1082"] == pytest.approx(0.20 * 2 / 3 + 0.04) and s["13-1199"] == pytest.approx(0.20 / 3)
    assert set(notes.loc[notes["kind"] == "split", "rule"]) == {"national employment"}


def test_to_soc_2018_passes_2018_tables():
    t = read_staffing_patterns(OEWS)
    out, notes = to_soc_2018(t, pd.DataFrame(columns=CROSSWALK_COLUMNS))
    pd.testing.assert_frame_equal(out, t)
    assert notes.empty


# ------------------------------------------------------------------------------- real files (skip if absent)


@pytest.mark.skipif(
    not (EP_DIR.is_dir() and CROSSWALK.is_file()), reason="../shared/real-data EP matrix is not present"
)
def test_real_ep_matrix_and_crosswalk():
    started = time.perf_counter()
    t = read_staffing_patterns(EP_DIR)
    seconds = time.perf_counter() - started
    print(f"read 474 EP matrix workbooks in {seconds:.1f} s")
    assert t["publisher_code"].nunique() == 474
    # 67,405 line items, plus the 4 finest groups of 611602 (state 'other schools', no line item)
    assert len(t) == 67_405 + 4
    ind = t.drop_duplicates("publisher_code").set_index("publisher_code")
    assert ind.loc["999100", ["industry_level", "own_codes", "summary"]].tolist() == [
        "government",
        "1",
        False,
    ]
    assert ind.loc["910000", "summary"] and ind.loc["9992-3", "summary"]
    assert ind.loc["4445R0", "industry_code"] == "442,443,444,446,447,448,451,453,454"
    assert ind.loc["622103", ["industry_code", "own_codes"]].tolist() == ["6221", "3"]
    assert ind.loc["491100", ["industry_code", "own_codes"]].tolist() == ["4911", "15"]
    assert ind.loc["611602", ["industry_code", "own_codes"]].tolist() == ["6116", "2"]
    assert not t.duplicated(["industry_code", "own_codes", "soc"]).any()
    assert t["share"].between(0, 1).all()
    total = t.groupby("publisher_code")["share"].sum()
    assert total.median() > 0.97  # the shown occupations hold nearly all of an industry's jobs
    cw = read_soc_crosswalk_2010_2018(CROSSWALK)
    assert len(cw) == 900 and cw["soc_2010"].nunique() == 840 and cw["soc_2018"].nunique() == 867
    out, notes = to_soc_2018(t, cw)
    assert (notes["kind"] == "no 2018 match").sum() == 0
    # EP's line item 45-3000 and the groups of 611602 go through the detailed codes they cover
    through = set(notes.loc[notes["kind"] == "through detailed codes", "soc_2010"])
    assert through == {"45-3000", "11-9030", "25-1000", "25-3000", "43-6000"}
    split = notes.loc[notes["kind"] == "split", "soc_2010"]
    assert (~split.isin(through)).sum() == 42  # the crosswalk's 42 codes with several 2018 codes
    assert set(out["soc_vintage"]) == {"2018"}
    shares_before = t.groupby(["industry_code", "own_codes"])["share"].sum()
    shares_after = out.groupby(["industry_code", "own_codes"])["share"].sum()
    pd.testing.assert_series_equal(shares_before, shares_after, check_dtype=False, rtol=1e-9)


@pytest.mark.skipif(not EP_DIR.is_dir(), reason="../shared/real-data EP matrix is not present")
def test_real_ep_fast_reader_agrees_with_openpyxl(monkeypatch):
    from alignment.sources import staffing as module

    sample = sorted(EP_DIR.glob("ind_*.xlsx"))[::40]
    fast = read_staffing_patterns(sample)

    def unusual(data):
        raise KeyError("xl/workbook.xml")

    monkeypatch.setattr(module, "_xlsx_sheets", unusual)
    pd.testing.assert_frame_equal(read_staffing_patterns(sample), fast)
