"""read_enrollment: a good file in several encodings and formats; every defect named by file/row/column."""

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.sources.enrollment import parse_school_year, read_enrollment

FIXTURES = Path(__file__).parent / "fixtures"

GOOD = '''\
District,County,CIP Code,Program Name,School Year,Enrollment,Concentrators,Completers,Level
Alpha USD,6037,"=""01.0000""",Agriculture,2023-24,"1,234",56,*,Secondary
Alpha USD,06037,51.38,Nursing,2023-24,120,<10,n<10,Secondary
Beta College,06059,51.3801.00,Welding,2023-2024,12,-,5,Post-Secondary

Beta College,06059,,Agriculture,2024,,,4,Adult Ed
'''


def write(tmp_path: Path, text: str, name: str = "enrollment.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(path: Path, **kwargs) -> list[str]:
    with pytest.raises(InputError) as info:
        read_enrollment(path, **kwargs)
    return [str(p) for p in info.value.problems]


def test_good_file(tmp_path):
    path = write(tmp_path, GOOD)
    df = read_enrollment(path)
    assert list(df.columns) == [
        "institution", "county_fips", "program_code", "program_name", "cip", "cip_raw", "level",
        "credential_level", "year", "enrolled", "concentrators", "completers", "suppressed", "source_file",
        "source_row",
    ]  # fmt: skip
    assert df["institution"].tolist() == ["Alpha USD", "Alpha USD", "Beta College", "Beta College"]
    assert df["county_fips"].tolist() == ["06037", "06037", "06059", "06059"]
    assert df["cip"].tolist() == ["01.0000", "51.3800", pd.NA, pd.NA]
    assert df["cip_raw"].tolist() == ['="01.0000"', "51.38", "51.3801.00", pd.NA]
    assert df["level"].tolist() == ["secondary", "secondary", "postsecondary", "adult"]
    assert df["credential_level"].isna().all()  # the file has no award level column
    assert df["year"].tolist() == [2024, 2024, 2024, 2024]
    assert df["enrolled"].tolist() == [1234, 120, 12, pd.NA]
    assert df["concentrators"].tolist() == [56, pd.NA, pd.NA, pd.NA]
    assert df["completers"].tolist() == [pd.NA, pd.NA, 5, 4]
    assert df["suppressed"].tolist() == [True, True, True, False]
    # the blank line 5 is skipped but still counted
    assert df["source_row"].tolist() == [2, 3, 4, 6]
    assert df["source_file"].unique().tolist() == [str(path)]
    assert df["program_code"].isna().all()
    assert str(df["enrolled"].dtype) == "Int64" and str(df["year"].dtype) == "int64"


def test_project_fixture_file():
    path = FIXTURES / "enrollment_small.csv"
    df = read_enrollment(path, state_fips="CA")
    assert len(df) == 6
    assert df["county_fips"].tolist() == ["06037", "06037", "06059", "06059", "06111", "06111"]
    assert df["completers"].sum() == 18 + 7 + 11 + 9
    assert df["suppressed"].sum() == 2
    assert df.loc[df["cip"].isna(), "cip_raw"].tolist() == ["99.XXXX"]


def test_missing_required_column_lists_found_and_accepted(tmp_path):
    path = write(tmp_path, "District,CIP,Year,Completers\nAlpha,01.0000,2024,5\n")
    [message] = problems(path)
    assert message.startswith(
        f"{path}: required column 'county_fips' not found; columns found: District, CIP, Year, "
    )
    assert "accepted names: county_fips, county_fips_code, fips, county_code" in message
    assert message.endswith("(or name it with column_map)")


def test_no_count_column(tmp_path):
    path = write(tmp_path, "District,County,CIP,Year\nAlpha,06037,01.0000,2024\n")
    [message] = problems(path)
    assert "no count column found" in message and "completers: completers, completer" in message


def test_every_bad_cell_is_reported(tmp_path):
    text = (
        "lea_name,county_code,cip_2020,program_title,academic_year,participants,completers\n"
        "Alpha,06037,01.0000,Ag,2023-24,twelve,3\n"
        "Beta,41051,01.0000,Ag,2023-25,-3,2.5\n"
        ",6059,01.0000,Ag,2024,4,\n"
    )
    path = write(tmp_path, text)
    assert problems(path, state_fips="06") == [
        f"{path}, row 2, column 'participants': expected a whole number >= 0 (such as 12 or 1,234) "
        "or a suppression marker (*, <10, n<10, -), got 'twelve'",
        f"{path}, row 3, column 'county_code': expected a county FIPS code in state 06 (CA) such as 06001, "
        "got '41051'",
        f"{path}, row 3, column 'academic_year': expected a year such as 2024, or a school year such as "
        "2023-24 or 2023-2024, got '2023-25'",
        f"{path}, row 3, column 'participants': expected a whole number >= 0 (such as 12 or 1,234) "
        "or a suppression marker (*, <10, n<10, -), got '-3'",
        f"{path}, row 3, column 'completers': expected a whole number >= 0 (such as 12 or 1,234) "
        "or a suppression marker (*, <10, n<10, -), got '2.5'",
        f"{path}, row 4, column 'lea_name': an institution name is required; the cell is empty",
    ]


def test_unknown_county_without_state(tmp_path):
    path = write(tmp_path, "school,county,cip,year,completers\nA,US000,01.0000,2024,1\nB,37,01.0000,2024,1\n")
    assert problems(path) == [
        f"{path}, row 2, column 'county': expected a 5-digit county FIPS code such as 06037, got 'US000'",
        f"{path}, row 3, column 'county': expected a 5-digit county FIPS code such as 06037, got '37' "
        "(a 1-3 digit county code needs state_fips)",
    ]


def test_three_digit_county_with_state(tmp_path):
    path = write(tmp_path, "school,county,cip,year,completers\nB,37,01.0000,2024,1\n")
    assert read_enrollment(path, state_fips="CA")["county_fips"].tolist() == ["06037"]


def test_cp1252_file(tmp_path):
    text = "Institución,FIPS,CIP,Año escolar,Completers\nEscuela Peña,06037,01.0000,2024,5\n"
    path = write(tmp_path, text, encoding="cp1252")
    df = read_enrollment(path, column_map={"institution": "Institución", "year": "Año escolar"})
    assert df["institution"].tolist() == ["Escuela Peña"]
    assert df["year"].tolist() == [2024]


def test_utf8_bom_file(tmp_path):
    path = write(tmp_path, "\ufeffDistrict,County,CIP,Year,Completers\nAlpha,06037,1.0,2024,5\n")
    df = read_enrollment(path)
    assert df["institution"].tolist() == ["Alpha"]
    assert df["cip"].tolist() == ["01.0000"]


def test_semicolon_delimited_file(tmp_path):
    path = write(tmp_path, "District;County;CIP;Year;Completers\nAlpha;06037;51.3801;2024;5\n")
    assert read_enrollment(path)["cip"].tolist() == ["51.3801"]


def test_column_map_either_direction(tmp_path):
    path = write(tmp_path, "Recipient,Cnty,Prog,Yr,Done\nAlpha,06037,01.0000,2024,5\n")
    mapping = {
        "institution": "Recipient",
        "county_fips": "Cnty",
        "cip": "Prog",
        "year": "Yr",
        "completers": "Done",
    }
    a = read_enrollment(path, column_map=mapping)
    b = read_enrollment(path, column_map={v: k for k, v in mapping.items()})
    pd.testing.assert_frame_equal(a, b)
    assert a["completers"].tolist() == [5]
    first, second = problems(path, column_map={**mapping, "completers": "Finished"})
    assert first == (
        f"{path}: column_map names column 'Finished' for completers, but the file has no such column; "
        "columns found: Recipient, Cnty, Prog, Yr, Done"
    )
    assert second.startswith(f"{path}: no count column found (one is required); columns found: Recipient, ")


def test_year_argument_when_file_has_none(tmp_path):
    path = write(tmp_path, "District,County,CIP,Completers\nAlpha,06037,01.0000,5\n")
    assert read_enrollment(path, year=2025)["year"].tolist() == [2025]


def test_excel_file_with_title_rows_and_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Other"
    data = book.create_sheet("CTE 2024")
    data.append(["State CTE enrollment extract (made-up numbers)"])
    data.append([])
    data.append(["School Name", "County Code", "CIP", "Program", "Year", "Concentrators", "Completers"])
    data.append(["Alpha HS", 6037, 1.0, "Agriculture", 2024, 30, 12])
    data.append(["Alpha HS", 6037, 51.38, "Nursing", "2023-24", "<10", 11.0])
    data.append(["Beta HS", 6059, 10000, "Ag Mechanics", 2024, "twelve", 3])
    data.append([])
    data.append(["Source: made up for a test"])
    path = tmp_path / "enrollment.xlsx"
    book.save(path)
    assert problems(path, sheet="CTE 2024") == [
        f"{path}, row 6, column 'Concentrators': expected a whole number >= 0 (such as 12 or 1,234) "
        "or a suppression marker (*, <10, n<10, -), got 'twelve'"
    ]
    data["F6"] = 4
    book.save(path)
    df = read_enrollment(path, sheet="CTE 2024")
    assert df["cip"].tolist() == ["01.0000", "51.3800", "01.0000"]
    assert df["county_fips"].tolist() == ["06037", "06037", "06059"]
    assert df["completers"].tolist() == [12, 11, 3]
    assert df["concentrators"].tolist() == [30, pd.NA, 4]
    assert df["suppressed"].tolist() == [False, True, False]
    assert df["source_row"].tolist() == [4, 5, 6]
    assert read_enrollment(path, sheet=1)["source_row"].tolist() == [4, 5, 6]
    [message] = problems(path, sheet="Data")
    assert message == f"{path}: no sheet named 'Data'; sheets: 'Other', 'CTE 2024'"


def test_missing_file(tmp_path):
    assert problems(tmp_path / "nope.csv") == [f"{tmp_path / 'nope.csv'}: file not found"]


def test_two_headers_for_one_column(tmp_path):
    path = write(tmp_path, "District,County FIPS,county_fips,CIP,Year,Completers\nA,06037,06037,1,2024,1\n")
    [message] = problems(path)
    assert message == (
        f"{path}: columns 'County FIPS', 'county_fips' all look like county_fips; "
        "name the right one with column_map"
    )
    # aliases are tried in order of preference: "CIP" wins over "CIP Code"
    path = write(tmp_path, "District,County,CIP Code,CIP,Year,Completers\nA,06037,1,2,2024,1\n")
    assert read_enrollment(path)["cip"].tolist() == ["02.0000"]


@pytest.mark.parametrize(
    ("raw", "year"),
    [("2023-24", 2024), ("2023-2024", 2024), ("2023/24", 2024), ("SY2023-24", 2024), ("2024", 2024),
     ("2024.0", 2024), ("1999-00", 2000), ("2023-25", None), ("23-24", None), ("", None)],
)  # fmt: skip
def test_parse_school_year(raw, year):
    assert parse_school_year(raw) == year


CONFLICT = """\
institution,county_fips,program_name,cip,year,enrolled,completers
A,41001,Welding,48.0508,2023-24,150,142
B,41003,Welding,48.0508,2023-24,40,12
A,41001,Welding,48.0508,2023-24,150,15
"""


def test_same_program_with_other_counts_names_both_rows(tmp_path):
    assert problems(write(tmp_path, CONFLICT)) == [
        f"{tmp_path / 'enrollment.csv'}, row 4, column 'completers': the same program in 2024 as row 2, with "
        "other counts: completers 15 here, 142 in row 2; the two rows would be added up: delete the wrong row, "
        "or add a column that tells the two rows apart"
    ]


def test_same_program_written_twice_in_other_words(tmp_path):
    text = CONFLICT.replace("2023-24,150,15", "2024,150,142")
    (message,) = problems(write(tmp_path, text))
    assert message.endswith(
        "row 4: lists the same program in 2024 as row 2 again (the cells differ only in how they are written), "
        "so its students would count twice; delete one of the two rows"
    )


def test_rows_told_apart_by_an_ignored_column_are_added_up(tmp_path):
    text = CONFLICT.replace("completers\n", "completers,gender\n").replace("142\n", "142,F\n")
    text = text.replace("12\n", "12,F\n").replace("15\n", "15,M\n")
    df = read_enrollment(write(tmp_path, text))
    assert df[["institution", "enrolled", "completers", "source_row"]].values.tolist() == [
        ["A", 300, 157, 2],
        ["B", 40, 12, 3],
    ]
    assert df.attrs["ignored_columns"] == ["gender"]
    assert str(df["completers"].dtype) == "Int64"


def test_added_up_rows_keep_a_suppressed_cell_as_a_flag(tmp_path):
    text = "institution,county_fips,cip,year,group,completers\nA,41001,48.0508,2024,F,*\nA,41001,48.0508,2024,M,7\n"
    df = read_enrollment(write(tmp_path, text))
    assert df[["completers", "suppressed"]].values.tolist() == [[7, True]]


def test_completers_or_concentrators_above_enrolled(tmp_path):
    text = (
        "institution,county_fips,cip,year,enrolled,concentrators,completers\n"
        "A,41001,48.0508,2024,10,12,9\n"
        "A,41001,51.3902,2024,10,8,11\n"
        "A,41001,11.0201,2024,*,8,11\n"
    )
    assert [m.split(", ", 1)[1] for m in problems(write(tmp_path, text))] == [
        "row 2, column 'concentrators': 12 concentrators is more than the 10 enrolled in the same row (column "
        "'enrolled'); concentrators are enrolled students, so one of the two counts is wrong",
        "row 3, column 'completers': 11 completers is more than the 10 enrolled in the same row (column "
        "'enrolled'); completers are enrolled students, so one of the two counts is wrong",
    ]


def test_gzip_files_are_read_whatever_their_name(tmp_path):
    import gzip

    for name in ("enrollment.csv.gz", "enrollment.csv"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(GOOD.encode()))
        assert len(read_enrollment(path)) == 4
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(GOOD.encode())[:30])
    (message,) = problems(cut)
    assert message.startswith(f"{cut}: a gzip-compressed file that cannot be decompressed (")


def test_workbook_table_on_a_later_sheet_or_sheets_named(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "read me"
    sheet = wb.create_sheet("Data")
    for cells in csv.reader(GOOD.splitlines()):
        sheet.append(cells)
    wb.save(tmp_path / "two.xlsx")
    assert read_enrollment(tmp_path / "two.xlsx")["institution"].iat[0] == "Alpha USD"
    wb.remove(sheet)
    wb.create_sheet("Totals").append(["district", "students"])
    wb.save(tmp_path / "none.xlsx")
    found = problems(tmp_path / "none.xlsx")
    assert found and all(
        m.endswith("the workbook's sheets: 'Notes', 'Totals' (sheet read: 'Totals')") for m in found[:3]
    )


def test_award_levels_as_states_write_them(tmp_path):
    path = tmp_path / "awards.csv"
    path.write_text(
        "Institution,County FIPS,CIP Code,Year,Award Level,Completers\n"
        "A College,06037,51.3801,2024,Associate of Applied Science,40\n"
        "A College,06037,51.3901,2024,Certificate (1-2 years),30\n"
        "A College,06037,48.0508,2024,Certificate of less than 1 year,20\n"
        "A College,06037,48.0501,2024,certificate_2_4yr,12\n"
        "A College,06037,11.0201,2024,,12\n"
    )
    df = read_enrollment(path)
    assert df["credential_level"].tolist() == [
        "associate", "certificate_1_2yr", "certificate_lt1yr", "certificate_2_4yr", pd.NA,
    ]  # fmt: skip


def test_an_award_level_that_cannot_be_told_is_named_with_its_row(tmp_path):
    path = tmp_path / "awards.csv"
    path.write_text(
        "Institution,County FIPS,CIP Code,Year,Award Level,Completers\n"
        "A College,06037,51.3801,2024,Associate of Applied Science,40\n"
        "A College,06037,51.3901,2024,Certificate,30\n"
    )
    with pytest.raises(InputError) as err:
        read_enrollment(path)
    msg = str(err.value)
    assert "awards.csv, row 3, column 'Award Level'" in msg and "got 'Certificate'" in msg
