"""Write the bad-input catalogue's files (tests/bad_inputs/<kind>/...): ``python tests/bad_inputs/build.py``.

Every file is small and made up by the project. Text cases are written here too, so the encodings (cp1252,
UTF-8 with BOM, UTF-16) and the Excel workbooks (merged cells, blank rows, numbers stored as text) are
reproducible (the .xlsx differ only in their timestamps); ``cases.csv`` lists what each file is and
what a user sees when reading it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------- enrollment

ENR_HEADER = "institution,county_fips,program_name,cip,year,completers"
ENR_ROWS = [
    "North Demo SD,41001,Welding,48.0508,2023-24,25",
    "North Demo SD,41001,Nursing Assistant,51.3902,2023-24,12",
    "Valley College,41003,Programming,11.0201,2023-24,40",
]
ENR_GOOD = "\n".join([ENR_HEADER, *ENR_ROWS]) + "\n"


def enr(*rows: str, header: str = ENR_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


ENROLLMENT: dict[str, str | bytes] = {
    "E01_empty.csv": b"",
    "E02_header_only.csv": ENR_HEADER + "\n",
    "E03_cp1252.csv": enr("Escuela Peña SD,41001,Soldadura – Welding,48.0508,2023-24,25").encode("cp1252"),
    "E04_utf8_bom.csv": b"\xef\xbb\xbf" + ENR_GOOD.encode("utf-8"),
    # Excel "Unicode text": UTF-16 little-endian with a byte-order mark, tab-separated, CRLF
    "E05_utf16_excel_unicode_text.txt": ENR_GOOD.replace(",", "\t").replace("\n", "\r\n").encode("utf-16"),
    "E06_semicolon.csv": ENR_GOOD.replace(",", ";"),
    "E07_tab.tsv": ENR_GOOD.replace(",", "\t"),
    "E08_title_lines.csv": "Demo State CTE enrollment\nExtract of 2024-07-01\n\n" + ENR_GOOD,
    "E09_title_lines_bad_count.csv": "Demo State CTE enrollment\n\n"
    + enr(ENR_ROWS[0], ENR_ROWS[1][:-2] + "x"),
    "E10_thousands.csv": enr('North Demo SD,41001,Welding,48.0508,2023-24,"1,234"'),
    "E11_negative.csv": enr(ENR_ROWS[0], "North Demo SD,41001,Nursing Assistant,51.3902,2023-24,-3"),
    "E12_fraction.csv": enr(ENR_ROWS[0], ENR_ROWS[1], "Valley College,41003,Programming,11.0201,2023-24,2.5"),
    "E13_duplicate_rows.csv": enr(*ENR_ROWS, ENR_ROWS[1]),
    "E14_county_other_state.csv": enr(
        ENR_ROWS[0], "North Demo SD,06037,Nursing Assistant,51.3902,2023-24,12"
    ),
    "E15_county_3_digits.csv": enr("North Demo SD,001,Welding,48.0508,2023-24,25"),
    "E16_county_lost_zero.csv": enr("Alpha USD,6037,Welding,48.0508,2023-24,25"),
    "E17_cip_invalid.csv": enr(ENR_ROWS[0], "North Demo SD,41001,Nursing Assistant,51.39XX,2023-24,12"),
    "E18_cip_2010_moved.csv": enr("North Demo SD,41001,Veterinary Assistant,51.0808,2023-24,14"),
    "E19_cip_excel_number.csv": enr("North Demo SD,41001,Agriculture,1,2023-24,14"),
    "E20_mixed_years.csv": enr(
        ENR_ROWS[0],
        "North Demo SD,41001,Welding,48.0508,2024-25,27",
        "North Demo SD,41001,Nursing Assistant,51.3902,2025,30",
    ),
    "E21_bad_year.csv": enr("North Demo SD,41001,Welding,48.0508,2023-25,25"),
    "E22_missing_cip_column.csv": ENR_GOOD.replace("cip,", "code,"),
    "E23_extra_columns.csv": enr(
        *(r + ",Room 12,yes" for r in ENR_ROWS), header=ENR_HEADER + ",classroom,approved"
    ),
    "E24_two_cip_columns.csv": enr(
        *(r.replace(",2023", ",51.0000,2023") for r in ENR_ROWS),
        header=ENR_HEADER.replace(",year", ",cip_code,year"),
    ),
    "E25_blank_rows_and_notes.csv": enr(
        ENR_ROWS[0], "", ",,,,,", ENR_ROWS[1] + "x", "", "Source: Demo State Department of Education"
    ),
    "E26_suppression_markers.csv": enr(
        "North Demo SD,41001,Welding,48.0508,2023-24,*",
        "North Demo SD,41001,Nursing Assistant,51.3902,2023-24,<10",
        "Valley College,41003,Programming,11.0201,2023-24,n<10",
    ),
    "E27_empty_institution.csv": enr(ENR_ROWS[0], ",41001,Nursing Assistant,51.3902,2023-24,12"),
    "E28_no_count_column.csv": enr(
        *(r.rsplit(",", 1)[0] for r in ENR_ROWS), header=ENR_HEADER.rsplit(",", 1)[0]
    ),
    "E29_old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
    "E35_ambiguous_columns.csv": enr(
        *(r.replace(",2023", ",51.0000,2023") for r in ENR_ROWS),
        header=ENR_HEADER.replace("cip,", "CIP Code,").replace(",year", ",cip_code,year"),
    ),
    "E30_text_count.csv": enr("North Demo SD,41001,Welding,48.0508,2023-24,twelve"),
    "E37_same_program_other_counts.csv": enr(*ENR_ROWS, "North Demo SD,41001,Welding,48.0508,2023-24,15"),
    "E38_completers_above_enrolled.csv": enr(
        "North Demo SD,41001,Welding,48.0508,2023-24,30,25",
        "North Demo SD,41001,Nursing Assistant,51.3902,2023-24,10,12",
        header=ENR_HEADER.replace(",completers", ",enrolled,completers"),
    ),
    "E39_gzip.csv.gz": gzip.compress(ENR_GOOD.encode("utf-8"), mtime=0),
    "E40_gzip_named_csv.csv": gzip.compress(ENR_GOOD.encode("utf-8"), mtime=0),
    "E41_gzip_damaged.csv.gz": gzip.compress(ENR_GOOD.encode("utf-8"), mtime=0)[:40],
    "E42_student_groups.csv": enr(
        "North Demo SD,41001,Welding,48.0508,2023-24,female,10",
        "North Demo SD,41001,Welding,48.0508,2023-24,male,15",
        "Valley College,41003,Programming,11.0201,2023-24,female,40",
        header=ENR_HEADER.replace(",completers", ",student_group,completers"),
    ),
    "E43_same_program_written_twice.csv": enr(ENR_ROWS[0], ENR_ROWS[0].replace("2023-24", "2024")),
}


def excel_cases(folder: Path) -> None:
    """Workbooks: merged title and merged institution cells, blank rows, numbers stored as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Programs"
    ws["A1"] = "Demo State CTE completers 2023-24"
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(ENR_HEADER.split(","))  # row 3
    ws.append(["North Demo SD", "41001", "Welding", "48.0508", "2023-24", 25])  # row 4
    ws.append([None, "41001", "Nursing Assistant", "51.3902", "2023-24", 12])  # row 5 (merged A4:A5)
    ws.merge_cells("A4:A5")
    ws.append([])  # row 6 blank
    ws.append(["Valley College", "41003", "Programming", "11.0201", "2023-24", 40])  # row 7
    wb.save(folder / "E31_merged_and_blank_rows.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ENR_HEADER.split(","))
    ws.append(["North Demo SD", "41001", "Welding", "48.0508", "2023-24", "25"])  # counts as text
    ws.append(["North Demo SD", 41001, "Nursing Assistant", 51.3902, 2024, "1,234"])  # codes as numbers
    ws.append(["Valley College", "41003", "Programming", "11.0201", "2023-24", " 40 "])
    wb.save(folder / "E32_numbers_as_text.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"] = "institution"  # the table starts at C3: blank rows and columns before it
    for col, name in enumerate(ENR_HEADER.split(",")[1:], start=4):
        ws.cell(3, col, name)
    ws.cell(4, 3, "North Demo SD")
    for col, value in enumerate(["41001", "Welding", "48.0508", "2023-24", "many"], start=4):
        ws.cell(4, col, value)
    wb.save(folder / "E33_table_not_at_A1.xlsx")

    # the table on the second sheet, behind a notes sheet
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Read me"
    ws["A1"] = "Demo State CTE completers; the table is on the next sheet"
    ws = wb.create_sheet("Completers 2023-24")
    for line in ENR_GOOD.splitlines():
        ws.append(line.split(","))
    wb.save(folder / "E44_table_on_second_sheet.xlsx")

    # no sheet has the columns: the message names every sheet
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Read me"
    ws["A1"] = "Demo State CTE completers"
    ws = wb.create_sheet("Totals")
    ws.append(["district", "total"])
    ws.append(["North Demo SD", 37])
    wb.save(folder / "E45_no_sheet_has_the_columns.xlsx")

    # a workbook saved with a .csv name
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in ENR_GOOD.splitlines():
        ws.append(line.split(","))
    wb.save(folder / "E34_xlsx_named_csv.csv")


# --------------------------------------------------------------------------------------------------- regions

REG_HEADER = "county_fips,region_name"
REGIONS: dict[str, str | bytes] = {
    "R01_empty.csv": b"",
    "R02_header_only.csv": REG_HEADER + "\n",
    "R03_county_in_two_regions.csv": "county_fips,region_name\n41001,North\n41003,South\n41001,South\n",
    "R04_county_other_state.csv": "county_fips,region_name\n41001,North\n06037,South\n",
    "R05_no_region_column.csv": "county_fips,county_name\n41001,Baker\n41003,Benton\n",
    "R06_semicolon_bom.csv": b"\xef\xbb\xbf" + b"county_fips;region_name\n41001;North\n41003;South\n",
    "R07_one_id_two_names.csv": "county_fips,region_id,region_name\n41001,R1,North\n41003,R1,South\n",
    "R08_bad_region_type.csv": "county_fips,region_name,region_type\n41001,North,county group\n",
    "R09_bad_county.csv": "county_fips,region_name\n41001,North\nBaker,North\n,North\n",
    "R10_county_twice_same_region.csv": "county_fips,region_name\n41001,North\n41001,North\n",
    "R11_utf16.txt": "county_fips\tregion_name\r\n41001\tNorth\r\n41003\tSouth\r\n".encode("utf-16"),
    "R12_two_regions_one_name.csv": "county_fips,region_id,region_name\n41001,r1,North\n41003,r2,North\n",
}

# ------------------------------------------------------------------------------------------------------ QCEW

QCEW_COLUMNS = [
    "area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year", "qtr", "disclosure_code",
    "area_title", "own_title", "industry_title", "agglvl_title", "size_title", "annual_avg_estabs_count",
    "annual_avg_emplvl", "total_annual_wages", "taxable_annual_wages", "annual_contributions",
    "annual_avg_wkly_wage", "avg_annual_pay", "lq_disclosure_code", "lq_annual_avg_estabs_count",
    "lq_annual_avg_emplvl", "lq_total_annual_wages", "lq_taxable_annual_wages", "lq_annual_contributions",
    "lq_annual_avg_wkly_wage", "lq_avg_annual_pay",
]  # fmt: skip


def qcew_row(
    area: str = "41001", industry: str = "10", agglvl: str = "70", emp: str = "2000", **kw: str
) -> list:
    own = kw.get("own", "0")
    cells = {
        "area_fips": area, "own_code": own, "industry_code": industry, "agglvl_code": agglvl,
        "size_code": "0", "year": kw.get("year", "2024"), "qtr": "A", "disclosure_code": kw.get("disc", ""),
        "area_title": kw.get("title", "Baker County, Demo State"), "own_title": "Total Covered",
        "industry_title": f"{industry} industry", "agglvl_title": "County", "size_title": "All sizes",
        "annual_avg_estabs_count": kw.get("estabs", "100"), "annual_avg_emplvl": emp,
        "total_annual_wages": kw.get("wages", "100000000"), "taxable_annual_wages": "0",
        "annual_contributions": "0", "annual_avg_wkly_wage": "960", "avg_annual_pay": kw.get("pay", "50000"),
        "lq_disclosure_code": "", "lq_annual_avg_estabs_count": "1.00", "lq_annual_avg_emplvl": "1.00",
        "lq_total_annual_wages": "1.00", "lq_taxable_annual_wages": "1.00", "lq_annual_contributions": "1.00",
        "lq_annual_avg_wkly_wage": "1.00", "lq_avg_annual_pay": "1.00",
    }  # fmt: skip
    return [cells[c] for c in QCEW_COLUMNS]


def csv_text(rows: list[list], sep: str = ",", columns: list[str] = QCEW_COLUMNS) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v) else v

    return "\n".join(sep.join(cell(str(v)) for v in r) for r in [columns, *rows]) + "\n"


Q_GOOD = [qcew_row(), qcew_row(industry="1012", agglvl="75", emp="300", own="5")]

QCEW: dict[str, str | bytes] = {
    "Q01_empty.csv": b"",
    "Q02_header_only.csv": csv_text([]),
    "Q03_not_qcew.csv": ENR_GOOD,
    "Q04_missing_column.csv": csv_text(
        [[v for c, v in zip(QCEW_COLUMNS, r, strict=True) if c != "annual_avg_emplvl"] for r in Q_GOOD],
        columns=[c for c in QCEW_COLUMNS if c != "annual_avg_emplvl"],
    ),
    "Q05_thousands.csv": csv_text([qcew_row(emp="2,000", wages="100,000,000")]),
    "Q06_text_number.csv": csv_text([Q_GOOD[0], qcew_row(industry="1012", agglvl="75", emp="n/a", own="5")]),
    "Q07_negative.csv": csv_text([qcew_row(emp="-20")]),
    "Q08_duplicate_rows.csv": csv_text([*Q_GOOD, Q_GOOD[1]]),
    "Q09_area_lost_zero.csv": csv_text([qcew_row(area="1001", title="Autauga County, Alabama")]),
    "Q10_semicolon.csv": csv_text(Q_GOOD, sep=";"),
    "Q11_cp1252_title.csv": csv_text([qcew_row(area="35013", title="Doña Ana County, New Mexico")]).encode(
        "cp1252"
    ),
    "Q12_utf16.csv": csv_text(Q_GOOD).encode("utf-16"),
    "Q13_suppressed.csv": csv_text([qcew_row(emp="0", wages="0", pay="0", disc="N")]),
    "Q14_bad_qtr.csv": csv_text([[*Q_GOOD[0][:6], "1", *Q_GOOD[0][7:]]]),
    "Q15_utf8_bom.csv": b"\xef\xbb\xbf" + csv_text(Q_GOOD).encode(),
    # a county's 2024 file that holds 2019 rows (BLS names its files by year)
    "Q18/2024.annual 41001 Baker County.csv": csv_text([qcew_row(year="2019")]),
    "Q19_gzip.csv.gz": gzip.compress(csv_text(Q_GOOD).encode(), mtime=0),
    "Q20_gzip_named_csv.csv": gzip.compress(csv_text(Q_GOOD).encode(), mtime=0),
}


def qcew_excel(folder: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [QCEW_COLUMNS, *Q_GOOD]:
        ws.append(r)
    wb.save(folder / "Q16_saved_as_xlsx.xlsx")


# ------------------------------------------------------------------------------------------------------ OEWS

OEWS_COLUMNS = (  # noqa: SIM905 (one line of the BLS header, as published)
    "AREA,AREA_TITLE,AREA_TYPE,PRIM_STATE,NAICS,NAICS_TITLE,I_GROUP,OWN_CODE,OCC_CODE,OCC_TITLE,O_GROUP,"
    "TOT_EMP,EMP_PRSE,JOBS_1000,LOC_QUOTIENT,PCT_TOTAL,PCT_RPT,H_MEAN,A_MEAN,MEAN_PRSE,H_PCT10,H_PCT25,"
    "H_MEDIAN,H_PCT75,H_PCT90,A_PCT10,A_PCT25,A_MEDIAN,A_PCT75,A_PCT90,ANNUAL,HOURLY"
).split(",")


def oews_row(occ: str = "29-1141", title: str = "Registered Nurses", emp: str = "50000", **kw: str) -> list:
    median = kw.get("median", "73840")
    cells = {
        "AREA": "41", "AREA_TITLE": kw.get("area_title", "Demo State"), "AREA_TYPE": "2", "PRIM_STATE": "OR",
        "NAICS": "000000", "NAICS_TITLE": "Cross-industry", "I_GROUP": "cross-industry", "OWN_CODE": "1235",
        "OCC_CODE": occ, "OCC_TITLE": title, "O_GROUP": "detailed", "TOT_EMP": emp, "EMP_PRSE": "1.1",
        "JOBS_1000": "26.3", "LOC_QUOTIENT": "1.05", "PCT_TOTAL": "", "PCT_RPT": "", "H_MEAN": "37.00",
        "A_MEAN": "76960", "MEAN_PRSE": "0.9", "H_PCT10": "27.00", "H_PCT25": "30.50",
        "H_MEDIAN": kw.get("hmedian", "35.50"), "H_PCT75": "42.00", "H_PCT90": "49.00", "A_PCT10": "56160",
        "A_PCT25": "63440", "A_MEDIAN": median, "A_PCT75": "87360", "A_PCT90": "101920", "ANNUAL": "",
        "HOURLY": "",
    }  # fmt: skip
    return [cells[c] for c in OEWS_COLUMNS]


O_GOOD = [oews_row(), oews_row("47-2111", "Electricians", "9000", median="61000", hmedian="29.33")]

OEWS: dict[str, str | bytes] = {
    "O01_empty_M2024.csv": b"",
    "O02_no_year_in_name.csv": csv_text(O_GOOD, columns=OEWS_COLUMNS),
    "O03_not_oews_M2024.csv": ENR_GOOD,
    "O04_missing_column_M2024.csv": csv_text(
        [r[:27] + r[28:] for r in O_GOOD], columns=OEWS_COLUMNS[:27] + OEWS_COLUMNS[28:]
    ),
    "O05_bad_soc_M2024.csv": csv_text([O_GOOD[0], oews_row("47-211", "Electricians")], columns=OEWS_COLUMNS),
    "O06_text_wage_M2024.csv": csv_text([O_GOOD[0], oews_row(median="n/a")], columns=OEWS_COLUMNS),
    "O07_special_values_M2024.csv": csv_text(
        [oews_row(emp="**", median="*", hmedian="*"), oews_row("11-1011", "Chief Executives", median="#")],
        columns=OEWS_COLUMNS,
    ),
    "O08_thousands_M2024.csv": csv_text([oews_row(emp="50,000", median="73,840")], columns=OEWS_COLUMNS),
    "O09_cp1252_M2024.csv": csv_text([oews_row(area_title="Cañon City area")], columns=OEWS_COLUMNS).encode(
        "cp1252"
    ),
    "O10_soc_without_dash_M2024.csv": csv_text([oews_row("291141")], columns=OEWS_COLUMNS),
    "O12_gzip_M2024.csv.gz": gzip.compress(csv_text(O_GOOD, columns=OEWS_COLUMNS).encode(), mtime=0),
}


def oews_excel(folder: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "All May 2024 data"
    ws.append(["May 2024 OEWS estimates"])
    for r in [OEWS_COLUMNS, *O_GOOD]:
        ws.append(r)
    wb.save(folder / "O11_title_row_M2024.xlsx")


# ----------------------------------------------------------------------------------------------- living wage

LW_HEADER = "year,state,county,adults,children,hourly_wage"
LIVING_WAGE: dict[str, str | bytes] = {
    "L01_words_and_dollars.csv": LW_HEADER + "\n2024,41,001,1 Adult,1 Child,$26.02\n"
    "2024,41,001,2 Adults (1 Working),0 Children,$31.50\n",
    "L05_wage_too_high.csv": LW_HEADER + '\n2024,41,41001,1,1,"$1,234.50"\n',
    "L02_duplicate.csv": LW_HEADER + "\n2024,41,41001,1,1,26.02\n2024,41,41001,1,1,26.50\n",
    "L03_bad_values.csv": LW_HEADER + "\n2024,41,41001,3 Adults,1,26.02\n2024,41,41001,1,1,free\n",
    "L04_missing_wage.csv": "year,state,county,adults,children\n2024,41,41001,1,1\n",
    "L06_exact_repeat.csv": LW_HEADER
    + "\n2024,41,41001,1,1,26.02\n2024,41,41003,1,1,27.10\n2024,41,41001,1,1,26.02\n",
}

# ------------------------------------------------------------------------------------------------ crosswalk

CROSSWALK: dict[str, str | bytes] = {
    "C01_empty.csv": b"",
    "C02_header_only.csv": "cip,cluster_code\n",
    "C03_missing_cluster_column.csv": "cip,cluster\n51.0808,health-science\n",
    "C04_unknown_cluster.csv": "cip,cluster_code\n01.8301,agricultur\n",
    "C05_bad_cip.csv": "cip,cluster_code\n01.83.01,agriculture\n",
    "C06_semicolon.csv": "cip;cluster_code\n01.8301;agriculture\n",
    "C07_cp1252.csv": "cip,cluster_code,note\n01.8301,agriculture,Vétérinaire\n".encode("cp1252"),
    "C08_utf8_bom.csv": b"\xef\xbb\xbf" + b"cip,cluster_code\n01.8301,agriculture\n",
    "C09_legacy_cluster_in_2024.csv": "cip,cluster_code\n01.8301,legacy-agriculture-food-natural-resources\n",
    "C10_subcluster_other_cluster.csv": "cip,cluster_code,subcluster_code\n"
    "01.8301,agriculture,physical-health\n",
    "C11_good_extra.csv": "cip,cluster_code,subcluster_code\n01.8301,agriculture,animal-systems\n",
}


# ------------------------------------------------------------------------------------ config and run inputs

CFG = """run: bad-inputs
year: 2024
state_fips: "41"
inputs:
  enrollment: data/enrollment.csv
  qcew: data/qcew/*.csv
  qcew_base_area: "41000"
  living_wage: data/living_wage.csv
  regions: data/regions.csv
family_wage:
  source: living_wage
"""


def cfg(**swap: str) -> str:
    """The good config with lines replaced: ``cfg(old_line="new line")`` (keys: the text before the colon)."""
    text = CFG
    for old, new in swap.items():
        hits = [line for line in text.splitlines() if line.strip().startswith(old + ":")]
        assert len(hits) == 1, old
        text = text.replace(hits[0], new)
    return text


CONFIG_DATA: dict[str, str | bytes] = {
    "enrollment.csv": ENR_GOOD,
    "regions.csv": "county_fips,region_name\n41001,North\n41003,Valley\n",
    "living_wage.csv": LW_HEADER + "\n2024,41,41001,1,1,26.02\n2024,41,41003,1,1,27.10\n",
    "qcew/2024.annual 41000 Demo State -- Statewide.csv": csv_text(
        [qcew_row("41000", agglvl="50", emp="90000"), qcew_row("41000", "1012", "55", "900", own="5")]
    ),
    "qcew/2024.annual 41001 North County.csv": csv_text(Q_GOOD),
    "qcew/2024.annual 41003 Valley County.csv": csv_text(
        [qcew_row("41003", emp="3000"), qcew_row("41003", "1012", "75", "200", own="5")]
    ),
    # defective inputs used by the run-level cases and the validate test
    "enrollment_county_no_region.csv": enr(ENR_ROWS[0], "North Demo SD,41005,Welding,48.0508,2023-24,25"),
    "enrollment_old_years.csv": enr(
        ENR_ROWS[0].replace("2023-24", "2021-22"), ENR_ROWS[1].replace("2023-24", "2022-23")
    ),
    "enrollment_2024_25.csv": ENR_GOOD.replace("2023-24", "2024-25"),
    "regions_other_state.csv": "county_fips,region_name\n41001,North\n41003,Valley\n06037,South\n",
    "regions_county_without_qcew.csv": "county_fips,region_name\n41001,North\n41003,Valley\n41005,Valley\n",
    "oews/all_data_M2019.csv": csv_text(O_GOOD, columns=OEWS_COLUMNS),
    "qcew_2019_rows/2024.annual 41000 Demo State -- Statewide.csv": csv_text(
        [qcew_row("41000", agglvl="50", emp="90000"), qcew_row("41000", "1012", "55", "900", own="5")]
    ),
    "qcew_2019_rows/2024.annual 41001 North County.csv": csv_text(Q_GOOD),
    "qcew_2019_rows/2024.annual 41003 Valley County.csv": csv_text(
        [
            qcew_row("41003", emp="3000", year="2019"),
            qcew_row("41003", "1012", "75", "200", own="5", year="2019"),
        ]
    ),
    "enrollment_several_defects.csv": enr(
        ENR_ROWS[0],
        "North Demo SD,41001,Nursing Assistant,51.3902,2023-24,-3",
        "Valley College,41003,Programming,11.0201,2023-25,40",
    ),
    "living_wage_several_defects.csv": LW_HEADER + "\n2024,41,41001,1,1,free\n",
    "living_wage_exact_repeat.csv": LW_HEADER
    + "\n2024,41,41001,1,1,26.02\n2024,41,41003,1,1,27.10\n2024,41,41003,1,1,27.10\n",
    "qcew_several_defects/2024.annual 41000 Demo State.csv": csv_text(
        [qcew_row("41000", agglvl="50", emp="n/a")]
    ),
}

CONFIGS: dict[str, str | bytes] = {
    "K01_good.yml": CFG,
    "K02_typo_top_key.yml": CFG.replace("inputs:", "inptus:"),
    "K03_typo_nested_key.yml": CFG.replace("  enrollment:", "  enrolment:"),
    "K04_typo_threshold.yml": CFG + "thresholds:\n  privacy_treshold: 10\n",
    "K05_threshold_out_of_range.yml": CFG + "thresholds:\n  privacy_threshold: 0\n",
    "K06_threshold_text.yml": CFG + "thresholds:\n  min_demand_share: five percent\n",
    "K07_share_above_one.yml": CFG + "thresholds:\n  min_demand_share: 5\n",
    "K08_path_missing.yml": cfg(enrollment="  enrollment: data/enrollment_2025.csv"),
    "K09_glob_no_match.yml": cfg(qcew="  qcew: data/qcew/2025.*.csv"),
    "K10_state_unquoted.yml": cfg(state_fips="state_fips: 41"),
    "K11_state_leading_zero_lost.yml": cfg(state_fips="state_fips: 6"),
    "K12_year_school_year.yml": cfg(year="year: 2023-24"),
    "K13_empty.yml": "",
    "K14_not_yaml.yml": CFG.replace("  regions: data/regions.csv", "\tregions: data/regions.csv"),
    "K15_unknown_preset.yml": CFG + "preset: oregon\n",
    "K16_framework_typo.yml": CFG + 'framework: "2020"\n',
    "K17_living_wage_source_without_file.yml": cfg(living_wage="  # living_wage: none"),
    "K18_crosswalk_missing.yml": CFG + "crosswalks:\n  cip_cluster_extra: my_cips.csv\n",
    "K19_cp1252.yml": ("# Région: Oregon démo\n" + CFG).encode("cp1252"),
    "K20_utf16.yml": CFG.encode("utf-16"),
    "K21_required_key_missing.yml": cfg(year="# year: 2024"),
    "K22_supply_measure_typo.yml": CFG + "supply_measure: completer\n",
    "K23_duplicate_key.yml": CFG + "year: 2025\n",
    "K24_family_too_big.yml": CFG.replace("  source: living_wage", "  source: living_wage\n  children: 5"),
    "K26_threshold_fraction.yml": CFG + "thresholds:\n  privacy_threshold: 9.5\n",
    "K27_two_adults_no_earners.yml": CFG.replace(
        "  source: living_wage", "  source: living_wage\n  adults: 2\n  children: 2"
    ),
    # run-level checks: load_config + read_inputs
    "I01_county_not_in_any_region.yml": cfg(enrollment="  enrollment: data/enrollment_county_no_region.csv"),
    "I02_region_county_other_state.yml": cfg(regions="  regions: data/regions_other_state.csv"),
    "I03_no_rows_for_year.yml": cfg(enrollment="  enrollment: data/enrollment_old_years.csv"),
    "I04_qcew_base_area_missing.yml": cfg(qcew_base_area='  qcew_base_area: "US000"'),
    "I05_qcew_year_missing.yml": cfg(year="year: 2025").replace(
        "data/enrollment.csv", "data/enrollment_2024_25.csv"
    ),
    "I06_qcew_file_of_another_year.yml": cfg(qcew="  qcew: data/qcew_2019_rows/*.csv"),
    "I07_oews_of_2019.yml": CFG.replace("  regions:", "  oews: data/oews/all_data_M2019.csv\n  regions:"),
    "I08_county_without_qcew.yml": cfg(regions="  regions: data/regions_county_without_qcew.csv"),
    "I09_family_type_not_in_file.yml": CFG.replace(
        "  source: living_wage", "  source: living_wage\n  adults: 2\n  earners: 1"
    ),
    "I10_living_wage_exact_repeat.yml": cfg(living_wage="  living_wage: data/living_wage_exact_repeat.csv"),
    "V01_several_defects.yml": cfg(
        enrollment="  enrollment: data/enrollment_several_defects.csv",
        regions="  regions: data/regions_other_state.csv",
        living_wage="  living_wage: data/living_wage_several_defects.csv",
        qcew="  qcew: data/qcew_several_defects/*.csv",
    ),
}


def write_all(folder: Path, files: dict[str, str | bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)


def main() -> None:
    write_all(HERE / "enrollment", ENROLLMENT)
    excel_cases(HERE / "enrollment")
    write_all(HERE / "regions", REGIONS)
    write_all(HERE / "qcew", QCEW)
    qcew_excel(HERE / "qcew")
    write_all(HERE / "oews", OEWS)
    oews_excel(HERE / "oews")
    write_all(HERE / "living_wage", LIVING_WAGE)
    write_all(HERE / "crosswalk", CROSSWALK)
    write_all(HERE / "config" / "data", CONFIG_DATA)
    write_all(HERE / "config", CONFIGS)


if __name__ == "__main__":
    main()
