"""Tests for alignment.sources.cip: the NCES CIP 2020 list, the 2010 -> 2020 crosswalk, migrate_cip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.cip import (
    CIP_LIST_COLUMNS,
    CROSSWALK_COLUMNS,
    MIGRATION_COLUMNS,
    current_cips,
    migrate_cip,
    parse_cip_code,
    read_cip_crosswalk_2010_2020,
    read_cip_list,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cip"
LIST = FIXTURES / "CIPCode2020_small.csv"
XWALK = FIXTURES / "Crosswalk2010to2020_small.csv"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "nces-cip-2020"


def edit(src: Path, dst: Path, line_no: int, old: str, new: str) -> Path:
    """Copy ``src`` to ``dst`` with ``old`` replaced by ``new`` on line ``line_no`` (1 = header)."""
    lines = src.read_text().splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    dst.write_text("".join(lines))
    return dst


# --- the code list ----------------------------------------------------------------------------------------


def test_list_fixture_codes_levels_titles():
    df = read_cip_list(LIST)
    assert list(df.columns) == CIP_LIST_COLUMNS
    assert len(df) == 17
    assert df["cip"].tolist()[:3] == ["01", "01.80", "01.8001"]
    assert df["cip_level"].tolist()[:3] == [2, 4, 6]
    assert df["family"].tolist()[:3] == ["01", "01", "01"]
    weld = df[df.cip == "48.0508"].iloc[0]
    assert weld.title == "Welding Technology/Welder"
    assert weld.examples == "Welder; Pipe Welding"
    assert weld.action == "No substantive changes" and not weld.text_change and weld.current
    assert weld.source_row == 12 and weld.source_file == str(LIST)
    assert df.iloc[0].title == "AGRICULTURAL/ANIMAL/PLANT/VETERINARY SCIENCE AND RELATED FIELDS"
    assert bool(df.iloc[0].text_change) is True


def test_list_current_excludes_moved_from_and_deleted():
    df = read_cip_list(LIST)
    status = df.set_index("cip")["current"]
    assert status["51.2401"] == False  # noqa: E712 - "Moved from": the old 2010 code
    assert status["60.0406"] == False  # noqa: E712 - "Deleted"
    assert status["01.8001"] == True  # noqa: E712 - "Moved to": the code's 2020 home
    assert current_cips(df) == {
        "01.8001", "01.8301", "11.0201", "12.0401", "12.0503", "46.0201", "47.0604",
        "48.0508", "51.0801", "51.3801", "51.3902", "61.0903",
    }  # fmt: skip
    assert current_cips(df, level=4) == {"01.80", "48.05"}


def test_parse_cip_code_levels():
    assert [parse_cip_code(v) for v in ['="48"', '="48.05"', '="48.0508"', "1", "1.01"]] == [
        "48",
        "48.05",
        "48.0508",
        "01",
        "01.01",
    ]
    assert [parse_cip_code(v) for v in ["48.050", "48-0508", "480508", "welding", None]] == [None] * 5


def test_list_bad_code_action_and_repeat_all_reported(tmp_path):
    bad = edit(LIST, tmp_path / "a.csv", 6, '="11.0201"', '="11.02X1"')
    bad = edit(bad, tmp_path / "b.csv", 7, '"No substantive changes"', '"Renamed"')
    bad = edit(bad, tmp_path / "c.csv", 8, '="12.0503"', '="12.0401"')
    with pytest.raises(InputError) as exc:
        read_cip_list(bad)
    got = [(p.row, p.column) for p in exc.value.problems]
    assert got == [(6, "CIPCode"), (7, "Action"), (8, "CIPCode")]
    text = str(exc.value)
    assert (
        "row 6, column 'CIPCode': expected a CIP code NN, NN.NN or NN.NNNN" in text
        and "got '=\"11.02X1\"'" in text
    )
    assert "got 'Renamed'" in text and "NCES CIP 2020 code list" in text
    assert "code '12.0401' is listed twice (first at row 7)" in text


def test_list_family_must_match_code(tmp_path):
    bad = edit(LIST, tmp_path / "f.csv", 10, '="47",="47.0604"', '="46",="47.0604"')
    with pytest.raises(InputError) as exc:
        read_cip_list(bad)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (10, "CIPFamily") and "does not match code '47.0604'" in p.message


def test_list_missing_column_names_layout(tmp_path):
    bad = edit(LIST, tmp_path / "h.csv", 1, '"CIPTitle"', '"Name"')
    with pytest.raises(InputError) as exc:
        read_cip_list(bad)
    (p,) = exc.value.problems
    assert "required column 'title' not found" in p.message and "NCES CIP 2020 code list layout" in p.message


def test_list_refuses_the_crosswalk():
    with pytest.raises(InputError, match="this is the NCES CIP 2010 -> 2020 crosswalk"):
        read_cip_list(XWALK)


def test_list_from_xlsx(tmp_path):
    # a re-saved list: codes as plain text cells (openpyxl would write "=..." as a formula)
    frame = pd.read_csv(LIST, dtype=str, keep_default_na=False)
    for column in ("CIPFamily", "CIPCode"):
        frame[column] = frame[column].str.strip('="')
    path = tmp_path / "list.xlsx"
    frame.to_excel(path, index=False)
    df = read_cip_list(path)
    assert df["cip"].tolist()[:3] == ["01", "01.80", "01.8001"] and len(df) == 17


# --- the 2010 -> 2020 crosswalk ---------------------------------------------------------------------------


def test_crosswalk_fixture():
    xw = read_cip_crosswalk_2010_2020(XWALK)
    assert list(xw.columns) == CROSSWALK_COLUMNS
    assert len(xw) == 10
    new = xw[xw.action == "New"]
    assert new["cip_2010"].isna().all() and new["cip_2020"].tolist() == ["01.8301", "61.0903"]
    moved = xw[xw.cip_2010 == "51.2401"].iloc[0]
    assert (moved.cip_2020, moved.title_2020, moved.source_row) == ("01.8001", "Veterinary Medicine", 7)
    deleted = xw[xw.action == "Deleted"].set_index("cip_2010")
    assert deleted["cip_2020"].isna().all() and deleted["title_2020"].isna().all()
    assert pd.isna(deleted.loc["60.04", "report_under"])  # NCES wrote only "Deleted"
    assert deleted.loc["60.0406", "report_under"] == "61.0903"


def test_crosswalk_empty_2010_code_only_for_new(tmp_path):
    bad = edit(XWALK, tmp_path / "x.csv", 4, '="48.0508","Welding Technology/Welder."', ',"Welding"')
    with pytest.raises(InputError) as exc:
        read_cip_crosswalk_2010_2020(bad)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (4, "CIPCode2010") and "empty only for action New" in p.message


# --- migrate_cip ------------------------------------------------------------------------------------------


def test_migrate_rules_on_fixture():
    xw = read_cip_crosswalk_2010_2020(XWALK)
    cips = pd.Series(
        ["51.2401", "513902", "60.0406", "60.04", "12.3456", "welding", None], index=list("abcdefg")
    )
    m = migrate_cip(cips, xw)
    assert list(m.columns) == MIGRATION_COLUMNS and list(m.index) == list("abcdefg")
    assert m["cip"].tolist() == ["01.8001", "51.3902", "61.0903", pd.NA, pd.NA, pd.NA, pd.NA]
    assert m["migrated"].tolist() == [True, False, True, False, False, False, False]
    assert not m["ambiguous"].any()
    assert m.loc["a", "note"] == "CIP 2010 51.2401 moved to 01.8001 in CIP 2020"
    assert pd.isna(m.loc["b", "note"])
    assert m.loc["c", "note"] == "CIP 2010 60.0406 was deleted in CIP 2020; NCES says report under 61.0903"
    # "60.04" normalizes to the 6-digit 60.0400, a code in neither revision
    assert m.loc["d", "cip_input"] == "60.0400" and "neither a CIP 2020 code" in m.loc["d", "note"]
    assert m.loc["f", "note"] == "not a CIP code" and m.loc["g", "note"] == "the cell is empty"


def test_migrate_split_is_never_resolved_silently():
    xw = pd.DataFrame(
        {
            "cip_2010": ["11.0101", "11.0101", "48.0508"],
            "action": ["Moved to", "Moved to", "No substantive changes"],
            "cip_2020": ["11.0104", "11.0105", "48.0508"],
        }
    )
    m = migrate_cip(pd.Series(["11.0101", "48.0508"]), xw)
    split = m.iloc[0]
    assert pd.isna(split.cip) and split.ambiguous and not split.migrated
    assert split.candidates == "11.0104; 11.0105"
    assert "split into 2 CIP 2020 codes (11.0104, 11.0105)" in split.note
    assert m.iloc[1].cip == "48.0508" and not m.iloc[1].migrated


def test_migrate_valid_2020_code_is_never_migrated():
    # 11.0104 is both a 2010 code moved elsewhere (made up) and a current 2020 code: kept as is
    xw = pd.DataFrame(
        {
            "cip_2010": ["11.0104", "11.0199"],
            "action": ["Moved to", "Moved to"],
            "cip_2020": ["11.0199", "11.0104"],
        }
    )
    m = migrate_cip(pd.Series(["11.0104"]), xw)
    assert m.iloc[0].cip == "11.0104" and not m.iloc[0].migrated


def test_migrate_cip_list_adds_codes_newer_than_the_crosswalk():
    xw = read_cip_crosswalk_2010_2020(XWALK)
    m = migrate_cip(pd.Series(["47.0604"]), xw)
    assert pd.isna(m.iloc[0].cip)
    m = migrate_cip(pd.Series(["47.0604"]), xw, cip_list=read_cip_list(LIST))
    assert m.iloc[0].cip == "47.0604" and not m.iloc[0].migrated


# --- real NCES files (../shared/real-data/nces-cip-2020) ----------------------------------------------------


def real(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"real data not present: {path}")
    return path


@pytest.mark.realdata
def test_real_cip_list():
    df = read_cip_list(real("CIPCode2020.csv"))
    assert len(df) == 2848
    assert df["cip_level"].value_counts().to_dict() == {6: 2325, 4: 473, 2: 50}
    assert df["action"].value_counts().to_dict() == {
        "No substantive changes": 1994,
        "New": 544,
        "Moved from": 149,
        "Moved to": 149,
        "Deleted": 12,
    }
    assert int(df["current"].sum()) == 2687 and len(current_cips(df)) == 2173
    assert int(df["text_change"].sum()) == 225
    first = df.iloc[2]
    assert (first.cip, first.title, first.source_row) == ("01.0000", "Agriculture, General", 4)
    weld = df[df.cip == "48.0508"].iloc[0]
    assert weld.title == "Welding Technology/Welder" and weld.source_row == 1748
    assert weld.examples.startswith("Arc Welding; Flux-Core Arc Welding;")
    # the one title NCES wrote without a period keeps its last word
    assert "Drug Information Pharmacy Residency/Fellowship Program" in set(df.title)
    moved = df.set_index("cip").loc[["51.2401", "01.8001"], ["action", "current"]]
    assert moved.values.tolist() == [["Moved from", False], ["Moved to", True]]


@pytest.mark.realdata
def test_real_crosswalk_and_migration():
    xw = read_cip_crosswalk_2010_2020(real("Crosswalk2010to2020.csv"))
    assert len(xw) == 2698
    assert int(xw["cip_2010"].isna().sum()) == 543  # New
    assert int(xw["cip_2020"].isna().sum()) == 12  # Deleted
    assert xw.set_index("cip_2010").loc["45.14", "report_under"] == "45.1103"
    codes = xw["cip_2010"].dropna()
    codes = codes[codes.str.len() == 7]
    assert len(codes) == 1720
    m = migrate_cip(codes, xw, cip_list=read_cip_list(real("CIPCode2020.csv")))
    # 145 six-digit codes moved + 5 deleted with a 6-digit "report under"; 60.0499 and 60.0599 have none
    assert int(m["migrated"].sum()) == 150 and int(m["ambiguous"].sum()) == 0
    assert sorted(m.loc[m["cip"].isna(), "cip_input"]) == ["60.0499", "60.0599"]
    pairs = migrate_cip(pd.Series(["51.2401", "51.1104", "01.0309", "60.0406", "49.0109"]), xw)
    assert pairs["cip"].tolist() == ["01.8001", "01.1302", "01.1004", "61.0903", pd.NA]
    # 49.0109 (Remote Aircraft Pilot) is in the code list but not in this revision of the crosswalk
    m = migrate_cip(pd.Series(["49.0109"]), xw, cip_list=read_cip_list(real("CIPCode2020.csv")))
    assert m.iloc[0].cip == "49.0109" and not m.iloc[0].migrated
