"""Tests for alignment.sources.soc: the BLS SOC 2018 structure and definitions workbooks."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.soc import (
    DEFINITION_COLUMNS,
    STRUCTURE_COLUMNS,
    read_soc_definitions,
    read_soc_structure,
)

FIXTURES = Path(__file__).parent / "fixtures" / "soc"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "bls-soc-2018"


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def test_structure_levels_and_groups_from_the_column_holding_the_code():
    df = read_soc_structure(FIXTURES / "soc_structure_2018.xlsx")
    assert list(df.columns) == STRUCTURE_COLUMNS
    assert df.level.value_counts().to_dict() == {"detailed": 6, "broad": 4, "minor": 3, "major": 2}
    dev = df[df.soc == "15-1252"].iloc[0]
    assert (dev.level, dev.title, dev.major, dev.minor, dev.broad) == (
        "detailed",
        "Software Developers",
        "15-0000",
        "15-1200",
        "15-1250",
    )
    assert dev.source_row == 9  # five title/blank lines, then the header on row 5
    # a minor group is not a fixed-length prefix; the broad group is not always the code with a 0
    assert df.set_index("soc").loc["15-2031", "minor"] == "15-2000"
    assert df.set_index("soc").loc["29-1221", "broad"] == "29-1210"
    major = df[df.soc == "29-0000"].iloc[0]
    assert major.major == "29-0000" and pd.isna(major.minor) and pd.isna(major.broad)


def test_definitions():
    df = read_soc_definitions(FIXTURES / "soc_2018_definitions.xlsx")
    assert list(df.columns) == DEFINITION_COLUMNS
    assert df.soc.tolist() == ["15-0000", "15-1200", "15-1250", "15-1252", "15-1253"]
    assert df.level.tolist() == ["major", "minor", "broad", "detailed", "detailed"]
    assert df.definition.notna().tolist() == [False, False, False, True, True]
    assert df.source_row.tolist() == [5, 6, 7, 8, 9]


def test_structure_problems_name_row_and_column(tmp_path):
    wb = openpyxl.load_workbook(FIXTURES / "soc_structure_2018.xlsx")
    ws = wb.active
    ws["B7"] = "15-12X0"  # minor group code broken
    ws["D9"] = None  # detailed row without a code
    ws["C9"] = "15-1252"  # ... placed in the broad column: wrong shape
    path = tmp_path / "structure.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as e:
        read_soc_structure(path)
    text = str(e.value)
    assert "row 7, column 'Minor Group': expected a minor SOC code NN-N000 or NN-NN00, got '15-12X0'" in text
    assert "row 9, column 'Broad Group': expected a broad SOC code NN-NNN0, got '15-1252'" in text


def test_not_a_soc_file(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("code,title\n15-1252,Software Developers\n")
    with pytest.raises(InputError, match="not a BLS SOC structure file"):
        read_soc_structure(path)
    with pytest.raises(InputError, match="not a BLS SOC definitions file"):
        read_soc_definitions(path)


def test_out_of_order_rows_are_reported(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "Major Group,Minor Group,Broad Group,Detailed Occupation,\n"
        "15-0000,,,,Computer and Mathematical Occupations\n"
        ",,,29-1141,Registered Nurses\n"
    )
    with pytest.raises(InputError, match="row 3: SOC code 29-1141 .* comes before any minor group"):
        read_soc_structure(path)


@pytest.mark.realdata
def test_real_structure():
    df = read_soc_structure(real("soc_structure_2018.xlsx"))
    assert df.level.value_counts().to_dict() == {"detailed": 867, "broad": 459, "minor": 98, "major": 23}
    assert df.soc.is_unique and df.source_row.iloc[0] == 9
    by = df.set_index("soc")
    assert by.loc["15-1252", ["minor", "broad"]].tolist() == ["15-1200", "15-1250"]
    assert by.loc["29-1229", "broad"] == "29-1210"  # Physicians, All Other
    assert by.loc["31-1120", "title"] == "Home Health and Personal Care Aides"
    assert df[df.level == "detailed"][["major", "minor", "broad"]].notna().all().all()


@pytest.mark.realdata
def test_real_definitions_agree_with_structure():
    structure = read_soc_structure(real("soc_structure_2018.xlsx"))
    df = read_soc_definitions(real("soc_2018_definitions.xlsx"))
    assert len(df) == 1447 and df.definition.notna().sum() == 867
    both = structure.merge(df, on="soc")
    assert len(both) == 1447
    assert (both.title_x == both.title_y).all() and (both.level_x == both.level_y).all()
