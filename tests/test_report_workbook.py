"""Excel workbooks: sheets, formatting, privacy, formula safety and byte-identical rewrites."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.build import load_processed
from alignment.publish import protect_tables
from alignment.report.workbook import (
    SHEETS,
    write_region_workbook,
    write_state_workbook,
)

DATA_SHEETS = [s for s in SHEETS if s != "Read me"]
STUDENT_HEADER = re.compile(r"^(Enrolled|Concentrators|Completers) \(students\)$")
SMALL_IN_TEXT = re.compile(r"(?<!about )(?<![\d.,$])[1-9] (students|completers|concentrators|enrolled)\b")
INJECTED = {
    "formula": '=HYPERLINK("http://x","y")',
    "script": "<script>alert(1)</script>",
    "plus": "+1+2",
    "at": "@SUM(A1)",
    "minus": "-3",
    "tab": "\tcmd",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory, build_demo_stages):
    root = tmp_path_factory.mktemp("wb")
    cfg, _, out = build_demo_stages(root)
    return cfg, load_processed(out), root


@pytest.fixture(scope="module")
def books(run):
    cfg, tables, root = run
    region = write_region_workbook(root / "reports" / "south" / "tables.xlsx", tables, "south", cfg=cfg)
    state = write_state_workbook(root / "reports" / "state-tables.xlsx", tables, cfg=cfg)
    return {"region": openpyxl.load_workbook(region), "state": openpyxl.load_workbook(state)}


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def _column(ws, header: str) -> list:
    j = _header(ws).index(header) + 1
    return [row[0] for row in ws.iter_rows(min_row=2, min_col=j, max_col=j)]


@pytest.mark.parametrize("which", ["region", "state"])
def test_every_sheet_present_with_bold_frozen_filtered_header(books, which):
    wb = books[which]
    assert wb.sheetnames == list(SHEETS)
    for name in DATA_SHEETS:
        ws = wb[name]
        header = ws[1]
        assert header[0].value == "Region"
        assert all(c.font.bold for c in header), name
        assert all(c.fill.fgColor.rgb.endswith("DCE6F1") for c in header), name
        assert ws.freeze_panes == "A2", name
        last = openpyxl.utils.get_column_letter(len(header))
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", name
        assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width >= 8 for j in (1, 2))
    if which == "region":
        assert wb["Alignment"].max_row == 15  # 14 clusters of the 2024 framework (+ header)
    else:
        assert {c.value for c in _column(wb["Alignment"], "Region")} == {
            f"{r} Demo Region" for r in ("Central", "Coast", "East", "Metro", "South", "Valley")
        }
        assert wb["Alignment"].max_row == 6 * 14 + 1  # 6 regions × 14 clusters


def test_read_me_has_banner_sources_definitions_and_privacy_rule(books):
    ws = books["region"]["Read me"]
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert rows["SYNTHETIC DATA"].startswith("Synthetic data. Every figure")
    assert rows["Source: enrollment"] == "enrollment.csv"
    assert rows["Source: OEWS wages"] == "oews/all_data_M2024.xlsx"
    assert rows["Covers"] == "South Demo Region (south)"
    assert rows["Analysis year"] == "2024"
    assert "written as <10" in rows["Privacy"] and "withheld" in rows["Privacy"]
    # every column of every data sheet is defined, with its unit
    defined = {(r[0], r[1]) for r in ws.iter_rows(values_only=True) if r[0] in DATA_SHEETS and r[2]}
    for name in DATA_SHEETS:
        for header in _header(books["region"][name]):
            assert (name, header) in defined, (name, header)
    assert ws.auto_filter.ref.endswith(f":D{ws.max_row}")


def test_number_formats_by_unit(books):
    wb = books["state"]
    formats = {
        ("Alignment", "Share of jobs (%)"): "0.0%",
        ("Alignment", "Share of completers (%)"): "0.0%",
        ("Alignment", "Location quotient (ratio)"): "0.00",
        ("Alignment", "Jobs (employment)"): "#,##0",
        ("Alignment", "Average annual pay (USD)"): "$#,##0",
        ("Demand", "Job growth, 1 year (%)"): "0.0%",
        ("Wages", "Hourly wage (USD per hour)"): "$0.00",
        ("Wages", "Family-supporting wage (USD per hour)"): "$0.00",
        ("Wages", "Median annual wage (USD)"): "$#,##0",
        ("Supply", "Completers (students)"): "#,##0",
    }
    for (sheet, header), fmt in formats.items():
        numbers = [c for c in _column(wb[sheet], header) if isinstance(c.value, int | float)]
        assert numbers, (sheet, header)
        assert {c.number_format for c in numbers} == {fmt}, (sheet, header)


@pytest.mark.parametrize("which", ["region", "state"])
def test_no_student_count_from_1_to_9_in_any_sheet(run, books, which):
    _, tables, _ = run
    # the demo does hold small counts, so the test would catch them
    assert tables["programs"]["completers"].between(1, 9).sum() > 50
    wb = books[which]
    hidden_labels = 0
    for ws in wb:
        student_cols = [j for j, h in enumerate(_header(ws)) if h and STUDENT_HEADER.match(str(h))]
        for row in ws.iter_rows(min_row=2, values_only=True):
            for j in student_cols:
                v = row[j]
                assert not (isinstance(v, int | float) and 0 < v < 10), (ws.title, row)
                hidden_labels += v in ("<10", "withheld")
            for v in row:
                if isinstance(v, str):
                    assert not SMALL_IN_TEXT.search(v), (ws.title, v)
    assert hidden_labels > 10


def test_hidden_cluster_hides_share_gap_ratio_severity_and_quoted_count(run, books):
    _, tables, _ = run
    wb = books["state"]
    al = wb["Alignment"]
    h = _header(al)
    withheld = [
        r
        for r in al.iter_rows(min_row=2, values_only=True)
        if r[h.index("Completers (students)")] in ("<10", "withheld")
    ]
    assert withheld
    for r in withheld:
        for col in ("Share of completers (%)", "Gap (students)", "Supply ÷ demand (ratio)"):
            assert r[h.index(col)] is None
    # South's Financial Services count (10) is withheld to protect a small cell; its flag must not quote it
    raw = tables["alignment"].set_index(["region_id", "cluster_code"])["supply"]
    assert raw[("south", "financial-services")] == 10
    fl = wb["Flags"]
    fh = _header(fl)
    rows = [
        r
        for r in fl.iter_rows(min_row=2, values_only=True)
        if r[0] == "South Demo Region"
        and "Financial Services" in f"{r[fh.index('Cluster')]} {r[fh.index('Why')]}"
    ]
    for r in rows:  # a flag about the cluster never quotes its withheld count
        assert not re.search(r"\b10 completers", r[fh.index("Why")]), r


def _crafted_tables() -> dict[str, pd.DataFrame]:
    """One region, four clusters with 4, 12, 30 and 0 completers; programs 4 | 6 + 6 | 25 + 5."""
    codes = ["a", "b", "c", "d"]
    supply = [4, 12, 30, 0]
    alignment = pd.DataFrame(
        {
            "region_id": "r",
            "region_name": "R Region",
            "year": 2024,
            "cluster_code": codes,
            "cluster_name": ["A", "B", "C", "D"],
            "supply": pd.array(supply, dtype="Float64"),
            "supply_share": [s / 46 for s in supply],
            "employment": [100.0, 100.0, 100.0, 700.0],
            "demand_share": [0.1, 0.1, 0.1, 0.7],
            "lq": [1.0, 1.0, 1.0, 1.0],
            "demand_equivalent": [4.6, 4.6, 4.6, 32.2],
            "gap": [0.6, -7.4, -25.4, 32.2],
            "ratio": [4 / 4.6, 12 / 4.6, 30 / 4.6, 0.0],
            "suppressed": False,
        }
    )
    sup = pd.DataFrame(
        {
            "region_id": "r",
            "year": 2024,
            "framework": "2024",
            "cluster_code": codes[:3],
            "programs": pd.array([1, 2, 2], dtype="Int64"),
            "enrolled": pd.array([40, 50, 60], dtype="Int64"),
            "completers": pd.array(supply[:3], dtype="Int64"),
            "suppressed": False,
        }
    )
    programs = pd.DataFrame(
        {
            "institution": ["I1", "I1", "I2", "I1", "I2"],
            "county_fips": "99001",
            "region_id": "r",
            "program_code": ["p1", "p2", "p3", "p4", "p5"],
            "program_name": ["P1", "P2", "P3", "P4", "P5"],
            "cip": ["01.0000", "02.0000", "02.0000", "03.0000", "03.0000"],
            "level": "secondary",
            "year": 2024,
            "cluster_code": ["a", "b", "b", "c", "c"],
            "enrolled": pd.array([40, 25, 25, 30, 30], dtype="Int64"),
            "completers": pd.array([4, 6, 6, 25, 5], dtype="Int64"),
            "suppressed": False,
            "matched": True,
            "source_file": "enrollment.csv",
            "source_row": [2, 3, 4, 5, 6],
        }
    )
    flags = pd.DataFrame(
        {
            "region_id": "r",
            "year": pd.array([2024, 2024], dtype="Int64"),
            "scope": "program",
            "institution": ["I1", "I1"],
            "program_name": ["P4", "P4"],
            "cip": ["03.0000", "03.0000"],
            "cluster_code": ["c", "c"],
            "flag": ["OVERSUPPLIED", "LOW_DEMAND"],
            "severity": [0.77, 0.2],
            "reason": [
                "P4 (03.0000) at I1 is in C, where R Region has 6.5 times ... (30 against about 5).",
                "x",
            ],
            "rank": [1, 2],
        }
    )
    return {"alignment": alignment, "supply": sup, "programs": programs, "flags": flags}


def test_protect_tables_small_complementary_and_derived_values(run):
    cfg = run[0]
    safe = protect_tables(_crafted_tables(), cfg)
    al = safe["alignment"]
    # 4 + 12 alone: 46 − 30 = 16 with the 12 at least 10 would leave the 4 at 1 … 6, so 30 is withheld too
    assert al["supply_text"].tolist() == ["<10", "withheld", "withheld", 0]
    assert al["supply_share"].isna().tolist() == [True, True, True, False]
    assert al["gap"].isna().tolist() == [True, True, True, False]
    assert al["demand_equivalent"].notna().all()  # the region's total (46) is not small
    assert safe["supply"]["completers_text"].tolist() == ["<10", "withheld", "withheld"]
    assert safe["supply"]["enrolled_text"].tolist() == [40, 50, 60]
    # every program of a hidden cluster is withheld
    assert safe["programs"]["completers_text"].tolist() == ["withheld"] * 5
    # cluster c is withheld: the flag computed from its count loses severity, the other keeps it
    assert pd.isna(safe["flags"]["severity"].iloc[0]) and safe["flags"]["severity"].iloc[1] == 0.2


def test_protect_tables_shown_cluster_keeps_its_flag_and_protects_its_programs(run):
    """Clusters 4 | 30 | 45: the 30 (at most 45) leaves the 4 its whole range 1 … 9, so 45 is shown."""
    cfg = run[0]
    tables = _crafted_tables()
    tables["alignment"]["supply"] = pd.array([4, 30, 45, 0], dtype="Float64")
    tables["supply"]["completers"] = pd.array([4, 30, 45], dtype="Int64")
    tables["programs"]["completers"] = pd.array([4, 15, 15, 40, 5], dtype="Int64")
    safe = protect_tables(tables, cfg)
    assert safe["alignment"]["supply_text"].tolist() == ["<10", "withheld", 45, 0]
    # programs of c: 40 is withheld so that 45 − 40 cannot reveal the 5
    assert safe["programs"]["completers_text"].tolist() == [
        "withheld",
        "withheld",
        "withheld",
        "withheld",
        "<10",
    ]
    assert safe["flags"]["severity"].tolist() == [0.77, 0.2]


def test_protect_tables_withheld_cluster_hides_its_flag_numbers_and_programs(run):
    cfg = run[0]
    tables = _crafted_tables()
    tables["flags"]["cluster_code"] = "b"
    tables["programs"].loc[[1, 2], "completers"] = [2, 10]  # cluster b total 12 = 2 + 10
    safe = protect_tables(tables, cfg)
    fl = safe["flags"]
    assert pd.isna(fl["severity"].iloc[0]) and fl["severity"].iloc[1] == 0.2
    assert fl["reason"].iloc[0] == (
        "P4 (03.0000) at I1 is in B, where R Region has more completers than its job mix suggests; "
        "the count is withheld so that it cannot reveal a small count in another cluster."
    )
    # the total of cluster b is withheld, so its programs are withheld too (12 − 10 would give the 2 back)
    assert safe["programs"]["completers_text"].tolist()[1:3] == ["withheld", "withheld"]


def test_small_region_total_hides_demand_equivalent(run):
    cfg = run[0]
    tables = _crafted_tables()
    tables["alignment"]["supply"] = pd.array([4, 3, 0, 0], dtype="Float64")
    tables["supply"]["completers"] = pd.array([4, 3, 0], dtype="Int64")  # the same cells as the alignment
    safe = protect_tables(tables, cfg)
    assert safe["alignment"]["demand_equivalent"].isna().all()
    assert safe["alignment"]["gap"].isna().all()  # the gap of a zero cell equals its demand equivalent
    assert safe["alignment"]["supply_text"].tolist() == ["<10", "<10", 0, 0]


def test_text_that_looks_like_a_formula_stays_text(run, tmp_path):
    cfg, tables, _ = run
    tables = {k: v.copy() for k, v in tables.items()}
    pr = tables["programs"]
    south = pr.index[(pr["region_id"] == "south") & (pr["year"] == cfg.year)]
    for i, text in zip(south, INJECTED.values(), strict=False):
        pr.loc[i, "program_name"] = text
    tables["unmatched"].loc[0, "value"] = INJECTED["formula"]
    tables["program_wages"].loc[tables["program_wages"]["region_id"] == "south", "institution"] = INJECTED[
        "at"
    ]
    path = write_region_workbook(tmp_path / "t.xlsx", tables, "south", cfg=cfg)
    wb = openpyxl.load_workbook(path)
    found: dict[str, str] = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if c.value in INJECTED.values():
                    assert c.data_type == "s"
                    assert c.quotePrefix == (c.value[0] in "=+-@\t")
                    found[c.value] = ws.title
    assert set(found) == set(INJECTED.values())
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def test_rewrite_is_byte_identical_and_leaves_no_temp_files(run, tmp_path):
    cfg, tables, _ = run
    a = write_state_workbook(tmp_path / "a" / "state-tables.xlsx", tables, cfg=cfg)
    r1 = write_region_workbook(tmp_path / "a" / "south.xlsx", tables, "south", cfg=cfg)
    time.sleep(1.1)  # zip and document timestamps have one-second resolution
    b = write_state_workbook(tmp_path / "b" / "state-tables.xlsx", tables, cfg=cfg)
    r2 = write_region_workbook(tmp_path / "b" / "south.xlsx", tables, "south", cfg=cfg)
    assert a.read_bytes() == b.read_bytes()
    assert r1.read_bytes() == r2.read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["south.xlsx", "state-tables.xlsx"]
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(cfg.year, 1, 1, 0, 0, 0)}
        assert b"2024-01-01T00:00:00Z" in z.read("docProps/core.xml")


def test_unknown_region_is_an_error(run, tmp_path):
    cfg, tables, _ = run
    with pytest.raises(ValueError, match="unknown region_id 'nowhere'"):
        write_region_workbook(tmp_path / "x.xlsx", tables, "nowhere", cfg=cfg)
    assert not list(tmp_path.iterdir())


def test_excluded_sheet_lists_unmatched_rows_with_reason(books):
    ws = books["state"]["Excluded"]
    h = _header(ws)
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert {r[h.index("Value")] for r in rows} == {"CIP TBD"}
    assert all(r[h.index("Why excluded")].startswith("no valid CIP code") for r in rows)
    assert {r[h.index("Region")] for r in rows} == {"Valley Demo Region"}
    # the region workbook of another region does not list them
    assert books["region"]["Excluded"].max_row == 1


def test_path_is_returned(run, tmp_path):
    cfg, tables, _ = run
    p = write_region_workbook(str(tmp_path / "r" / "tables.xlsx"), tables, "coast", cfg=cfg)
    assert p == Path(tmp_path / "r" / "tables.xlsx") and p.stat().st_size > 10_000


def test_small_program_note_of_a_withheld_program_is_left_out(run):
    """A withheld count may be anything from 0 up; a "fewer than 10" note would narrow it again."""
    cfg = run[0]
    tables = _crafted_tables()
    note = (
        tables["flags"]
        .iloc[[0]]
        .assign(
            program_name="P1",
            institution="I1",
            cip="01.0000",
            cluster_code="a",
            flag="SUPPRESSED",
            severity=0.0,
        )
    )
    tables["flags"] = pd.concat([note, tables["flags"]], ignore_index=True)
    tables["flags"]["rank"] = pd.array([3, 1, 2], dtype="int64")
    safe = protect_tables(tables, cfg)
    assert safe["programs"]["completers_text"].iloc[0] == "withheld"
    assert "SUPPRESSED" not in safe["flags"]["flag"].tolist()
    assert sorted(safe["flags"]["rank"].tolist()) == [1, 2]


def test_wages_sheet_meets_agrees_with_the_below_family_wage_flag_whatever_the_floor_share(run):
    """The Wages sheet's yes/no and the BELOW_FAMILY_WAGE flag make the same test (family_wage.meets_family_wage),
    also when a preset lowers wage_floor_share."""
    import dataclasses

    from alignment import flags as flags_mod
    from alignment.report.workbook import workbook_bytes

    cfg, tables, _ = run
    counts = {}
    for share in (1.0, 0.8):
        cfg_s = dataclasses.replace(cfg, thresholds={**cfg.thresholds, "wage_floor_share": share})
        pw, fw = tables["program_wages"], tables["family_wage"]
        year_programs = tables["programs"][tables["programs"]["year"] == cfg.year]
        flagged = flags_mod.flag_pathways(
            year_programs, tables["alignment"], pw, fw, cfg_s.thresholds, preset=cfg.preset
        )
        below = flagged[flagged["flag"] == "BELOW_FAMILY_WAGE"]
        book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(tables, cfg_s)))
        ws = book["Wages"]
        names = _column(ws, "Program")
        meets = _column(ws, "At or above family-supporting wage")
        shown_below = {str(n.value) for n, m in zip(names, meets, strict=True) if m.value == "no"}
        assert shown_below == set(below["program_name"].astype(str)), share
        counts[share] = len(shown_below)
    assert counts[1.0] > counts[0.8], counts  # a lower floor lets some programs meet it
