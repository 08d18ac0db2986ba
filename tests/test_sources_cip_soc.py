"""Tests for alignment.sources.cip_soc: the NCES CIP 2020 <-> SOC 2018 crosswalk workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.reference import load_cip_soc
from alignment.sources.cip_soc import (
    CROSSWALK_COLUMNS,
    cip_soc_links,
    read_cip_soc_crosswalk,
    read_soc_cip_crosswalk,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cip"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "nces-cip-soc-crosswalk"

CIP_HEADER = ["CIP2020Code", "CIP2020Title", "SOC2018Code", "SOC2018Title"]
SOC_HEADER = ["SOC2018Code", "SOC2018Title", "CIP2020Code", "CIP2020Title"]
CIP_SOC = [
    ["01.0508", "Taxidermy/Taxidermist.", "99-9999", "NO MATCH"],
    ["47.0604", "Automobile/Automotive Mechanics Technology/Technician.", "49-3023", "Automotive Service Technicians"],
    ["48.0508", "Welding Technology/Welder.", "51-4121", "Welders, Cutters, Solderers, and Brazers"],
    ["51.3801", "Registered Nursing/Registered Nurse.", "25-1072", "Nursing Instructors, Postsecondary"],
    ["51.3801", "Registered Nursing/Registered Nurse.", "29-1141", "Registered Nurses"],
    ["99.9999", "NO MATCH", "25-3041", "Tutors"],
]  # fmt: skip


def swap(row: list[str]) -> list[str]:
    return [row[2], row[3], row[0], row[1]]


def write_workbook(path: Path, *, soc_cip: list[list[str]] | None = None) -> Path:
    """A workbook in the NCES layout: eight sheets, the full crosswalks are not the first sheets."""
    book = openpyxl.Workbook()
    guide = book.active
    guide.title = "File Guide"
    guide.append(["File Name", "Description"])
    guide.append(["CIP-SOC", "2020 CIP codes to 2018 SOC codes"])
    sheets = {
        "CIP-SOC": (CIP_HEADER, CIP_SOC),
        "SOC-CIP": (SOC_HEADER, soc_cip if soc_cip is not None else sorted(swap(r) for r in CIP_SOC[:-1])),
        "New CIP": (CIP_HEADER, CIP_SOC[2:3]),
        "New SOC": (SOC_HEADER, [swap(CIP_SOC[4])]),
        "Added Matches": (CIP_HEADER, CIP_SOC[3:4]),
        "Unmatched CIP Codes": (CIP_HEADER, CIP_SOC[:1]),
        "Unmatched SOC Codes": (SOC_HEADER, [swap(CIP_SOC[-1])]),
    }
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for r in rows:
            sheet.append(r)
    book.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "CIP2020_SOC2018_Crosswalk.xlsx")


def test_cip_soc_sheet_found_by_content(workbook):
    xw = read_cip_soc_crosswalk(workbook)
    assert xw.attrs["sheet"] == "CIP-SOC"
    assert list(xw.columns) == CROSSWALK_COLUMNS
    assert len(xw) == 6 and int(xw["matched"].sum()) == 4
    weld = xw.iloc[2]
    assert (weld.cip, weld.cip_title, weld.soc, weld.source_row) == (
        "48.0508",
        "Welding Technology/Welder",
        "51-4121",
        4,
    )


def test_no_match_codes_never_become_links(workbook):
    xw = read_cip_soc_crosswalk(workbook)
    no_soc = xw.iloc[0]
    assert (no_soc.cip, no_soc.cip_title, no_soc.matched) == ("01.0508", "Taxidermy/Taxidermist", False)
    assert pd.isna(no_soc.soc) and pd.isna(no_soc.soc_title)
    no_cip = xw.iloc[-1]
    assert (no_cip.soc, no_cip.soc_title, no_cip.matched) == ("25-3041", "Tutors", False)
    assert pd.isna(no_cip.cip) and pd.isna(no_cip.cip_title)
    assert "99.9999" not in set(xw.cip.dropna()) and "99-9999" not in set(xw.soc.dropna())


def test_soc_cip_direction(workbook):
    xw = read_soc_cip_crosswalk(workbook)
    assert xw.attrs["sheet"] == "SOC-CIP"
    assert len(xw) == 5 and list(xw.columns) == CROSSWALK_COLUMNS
    assert xw.iloc[0].soc == "25-1072" and xw.iloc[0].cip == "51.3801"


def test_links_shape_matches_reference_table(workbook):
    links = cip_soc_links(read_cip_soc_crosswalk(workbook))
    assert links.values.tolist() == [
        ["47.0604", "49-3023"],
        ["48.0508", "51-4121"],
        ["51.3801", "25-1072"],
        ["51.3801", "29-1141"],
    ]
    builtin = load_cip_soc()
    assert list(links.columns) == list(builtin.columns)
    assert links.dtypes.to_dict() == builtin.dtypes.to_dict()


def test_csv_saved_from_one_sheet():
    xw = read_cip_soc_crosswalk(FIXTURES / "cip_soc_small.csv")
    assert len(xw) == 6 and int(xw["matched"].sum()) == 4
    assert xw.iloc[0].cip == "01.0508" and pd.isna(xw.iloc[0].soc)
    assert xw.iloc[-1].soc == "25-3041" and pd.isna(xw.iloc[-1].cip)
    assert xw.iloc[2].soc_title == "Welders, Cutters, Solderers, and Brazers"


def test_bad_codes_reported_with_row_and_column(tmp_path):
    rows = [r.copy() for r in CIP_SOC]
    rows[1][0] = "47.06X4"
    rows[3][2] = "29-11"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CIP-SOC"
    sheet.append(CIP_HEADER)
    for r in rows:
        sheet.append(r)
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(InputError) as exc:
        read_cip_soc_crosswalk(path)
    got = [(p.row, p.column) for p in exc.value.problems]
    assert got == [(3, "CIP2020Code"), (5, "SOC2018Code")]
    assert "expected a CIP code NN.NNNN such as 01.0000 (or 99.9999 for NO MATCH), got '47.06X4'" in str(
        exc.value
    )


def test_workbook_without_the_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Code", "Title"])
    path = tmp_path / "other.xlsx"
    book.save(path)
    with pytest.raises(InputError) as exc:
        read_cip_soc_crosswalk(path)
    (p,) = exc.value.problems
    assert "no sheet of this workbook is the cip-soc crosswalk" in p.message and "'Sheet'" in p.message


def test_old_2010_crosswalk_named(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["CIP2010Code", "CIP2010Title", "SOC2010Code", "SOC2010Title"])
    path = tmp_path / "old.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="CIP 2010 / SOC 2010 crosswalk"):
        read_cip_soc_crosswalk(path)


def test_bad_direction_and_missing_file(tmp_path, workbook):
    with pytest.raises(ValueError, match="direction"):
        read_cip_soc_crosswalk(workbook, direction="cip")
    with pytest.raises(InputError, match="file not found"):
        read_cip_soc_crosswalk(tmp_path / "none.xlsx")


# --- the real NCES workbook (../shared/real-data/nces-cip-soc-crosswalk) -----------------------------------


@pytest.fixture(scope="module")
def real_book() -> Path:
    path = REAL / "CIP2020_SOC2018_Crosswalk.xlsx"
    if not path.is_file():
        pytest.skip(f"real data not present: {path}")
    return path


@pytest.mark.realdata
def test_real_cip_soc_counts(real_book):
    xw = read_cip_soc_crosswalk(real_book)
    assert xw.attrs["sheet"] == "CIP-SOC"
    assert len(xw) == 6097
    assert int(xw["matched"].sum()) == 5723  # links
    assert int(xw["soc"].isna().sum()) == 194  # programs with no occupation (SOC 99-9999)
    assert int(xw["cip"].isna().sum()) == 180  # occupations with no program (CIP 99.9999)
    assert xw["cip"].nunique() == 2142 and xw["soc"].nunique() == 867
    links = cip_soc_links(xw)
    assert len(links) == 5723
    assert links[links.cip == "48.0508"]["soc"].tolist() == ["51-4121", "51-4122"]
    assert links[links.cip == "51.3902"]["soc"].tolist() == ["31-1131"]
    assert links[links.cip == "51.3801"]["soc"].tolist() == ["25-1072", "29-1141"]
    assert "49-3023" in set(links[links.cip == "47.0604"]["soc"])
    last = xw.iloc[-1]
    assert (last.soc, last.soc_title, last.source_row) == ("55-3016", "Infantry", 6098)


@pytest.mark.realdata
def test_real_soc_cip_sheet_differs_by_four_links(real_book):
    soc_first = read_soc_cip_crosswalk(real_book)
    assert soc_first.attrs["sheet"] == "SOC-CIP"
    assert len(soc_first) == 6093 and int(soc_first["matched"].sum()) == 5719
    assert int(soc_first["soc"].isna().sum()) == 194 and int(soc_first["cip"].isna().sum()) == 180
    a = cip_soc_links(read_cip_soc_crosswalk(real_book))
    b = cip_soc_links(soc_first)
    only_a = a.merge(b, how="left", indicator=True).query("_merge == 'left_only'")
    assert only_a["cip"].unique().tolist() == ["03.0204"] and len(only_a) == 4
