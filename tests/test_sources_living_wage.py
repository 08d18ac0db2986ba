"""read_living_wage (MIT layout, aliases), family_wage_by_region, family_wage_from_median; made-up numbers."""

from pathlib import Path

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.family_wage import family_wage_by_region, family_wage_from_median
from alignment.sources.living_wage import parse_adults, parse_children, read_living_wage

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"

# the MIT calculator layout (as scraped), with invented wages
MIT_LAYOUT = """\
year,state,county,adults,children,wage
2021,06,037,1 Adult,0 Children,20.00
2021,06,037,1 Adult,1 Child,40.00
2021,06,037,2 Adults (1 Working),1 Child,36.00
2021,06,037,2 Adults (Both Working),1 Child,21.00
2021,06,059,1 Adult,1 Child,50.00
2021,06,059,2 Adults (Both Working),1 Child,25.00
2021,41,051,1 Adult,1 Child,30.00
"""


def write(tmp_path: Path, text: str, name: str = "living_wage.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        read_living_wage(path)
    return [str(p) for p in info.value.problems]


def test_mit_layout(tmp_path):
    df = read_living_wage(write(tmp_path, MIT_LAYOUT))
    assert list(df.columns) == [
        "year", "state_fips", "county_fips", "adults", "children", "earners", "wage_hourly_usd",
        "source_file", "source_row",
    ]  # fmt: skip
    assert df["county_fips"].tolist() == ["06037"] * 4 + ["06059"] * 2 + ["41051"]
    assert df["state_fips"].tolist() == ["06"] * 6 + ["41"]
    assert df["adults"].tolist() == [1, 1, 2, 2, 1, 2, 1]
    assert df["earners"].tolist() == [1, 1, 1, 2, 1, 2, 1]
    assert df["children"].tolist() == [0, 1, 1, 1, 1, 1, 1]
    assert df["wage_hourly_usd"].tolist() == [20.0, 40.0, 36.0, 21.0, 50.0, 25.0, 30.0]
    assert df["year"].tolist() == [2021] * 7
    assert df["source_row"].tolist() == [2, 3, 4, 5, 6, 7, 8]


def test_aliases_postal_state_five_digit_county_and_dollars(tmp_path):
    text = (
        "Year,State,County FIPS,Adults,Children,Hourly Wage\n"
        '2022,CA,6037,1,2,"$52.50"\n'
        "2022,or,41051,2,0,18\n"
    )
    df = read_living_wage(write(tmp_path, text))
    assert df["state_fips"].tolist() == ["06", "41"]
    assert df["county_fips"].tolist() == ["06037", "41051"]
    assert df["earners"].tolist() == [1, 2]
    assert df["wage_hourly_usd"].tolist() == [52.5, 18.0]


def test_no_state_column(tmp_path):
    df = read_living_wage(write(tmp_path, "year,fips,adults,children,living_wage\n2022,06037,1,0,20.5\n"))
    assert df["state_fips"].tolist() == ["06"]


def test_every_defect_is_reported(tmp_path):
    text = (
        "year,state,county,adults,children,wage\n"
        "2021,06,037,1 Adult,0 Children,twenty\n"
        "2021,ZZ,037,1 Adult,1 Child,20\n"
        "2021,06,41051,Three,1 Child,20\n"
        "21,06,059,1 Adult,many,-4\n"
    )
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}, row 2, column 'wage': expected an hourly wage in dollars such as 18.25; got 'twenty'",
        f"{path}, row 3, column 'state': expected a state FIPS code (06) or postal code (CA); got 'ZZ'",
        f"{path}, row 4, column 'county': expected a county FIPS code of the row's state; got '41051'",
        f"{path}, row 4, column 'adults': expected 1, 2, '1 Adult' or '2 Adults (1 Working)'; got 'Three'",
        f"{path}, row 5, column 'year': expected a year such as 2024; got '21'",
        f"{path}, row 5, column 'children': expected 0, 1, 2, 3 or '1 Child'; got 'many'",
        f"{path}, row 5, column 'wage': expected an hourly wage in dollars such as 18.25; got '-4'",
    ]


def test_a_repeated_family_type_with_another_value_is_refused_naming_both_rows_and_the_column(tmp_path):
    text = MIT_LAYOUT + "2021,06,037,1 Adult,1 Child,41.00\n2021,06,037,1 Adult,1 Child,40.00\n"
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}, row 9, column 'wage': the county and family type of row 3 again, with another value: "
        "'41.00' here, '40.00' in row 3; keep one of the two rows"
    ]  # row 10 repeats row 3 exactly: dropped, not a problem


def test_exact_repeats_are_dropped_with_a_note_naming_their_lines(tmp_path):
    lines = MIT_LAYOUT.splitlines()
    # rows 9-11 repeat rows 2-4; row 12 repeats row 8 written with a $ sign (the same value)
    text = "\n".join([*lines, *lines[1:4], "2021,41,051,1 Adult,1 Child,$30.00"]) + "\n"
    path = write(tmp_path, text)
    notes: list = []
    df = read_living_wage(path, notes=notes)
    assert df["source_row"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    clean = read_living_wage(write(tmp_path, MIT_LAYOUT, "clean.csv"))
    pd.testing.assert_frame_equal(df.drop(columns="source_file"), clean.drop(columns="source_file"))
    assert [str(n) for n in notes] == [
        f"{path}: 4 rows repeating an earlier row exactly (every column equal) dropped: "
        "rows 9-11 (repeat rows 2-4), row 12 (repeats row 8)"
    ]
    with pytest.warns(UserWarning, match="rows 9-11 \\(repeat rows 2-4\\)"):
        read_living_wage(path)


def test_one_exact_repeat_names_its_row_and_a_long_list_is_cut(tmp_path):
    notes: list = []
    read_living_wage(write(tmp_path, MIT_LAYOUT + "2021,41,051,1 Adult,1 Child,30.00\n"), notes=notes)
    assert [(n.row, n.message) for n in notes] == [(9, "exactly repeats row 8 (every column equal): dropped")]
    body = MIT_LAYOUT.splitlines()[1:]
    text = MIT_LAYOUT + "".join(f"{body[i % 2 * 2]}\n" for i in range(24))  # rows 9-32: rows 2, 4, 2, ...
    notes = []
    read_living_wage(write(tmp_path, text, "many.csv"), notes=notes)
    (note,) = notes
    assert note.row is None and note.message.startswith("24 rows repeating an earlier row exactly")
    assert note.message.endswith("row 18 (repeats row 4) and 14 more row(s)")


def test_a_repeat_differing_in_another_column_is_refused(tmp_path):
    text = "year,state,county,adults,children,wage,note\n2021,06,037,1,1,40,a\n2021,06,037,1,1,$40.00,b\n"
    path = write(tmp_path, text)
    assert problems(path) == [
        f"{path}, row 3, column 'note': the county and family type of row 2 again, with another value: "
        "'b' here, 'a' in row 2; keep one of the two rows"
    ]


def test_missing_column(tmp_path):
    path = write(tmp_path, "year,state,county,adults,wage\n2021,06,037,1,20\n")
    [message] = problems(path)
    assert message.startswith(f"{path}: required column 'children' not found; columns found: year, state, ")


def test_parse_family_cells():
    assert parse_adults("2 Adults (Both Working)") == (2, 2)
    assert parse_adults("2 adults (one working)") == (2, 1)
    assert parse_adults("1") == (1, None)
    assert parse_children("3 Children") == 3
    assert parse_children("") is None


REGIONS = pd.DataFrame(
    {
        "county_fips": ["06037", "06059", "06111", "41051"],
        "region_id": ["south", "south", "south", "north"],
    }
)


def test_family_wage_by_region_equal_and_weighted(tmp_path):
    lw = read_living_wage(write(tmp_path, MIT_LAYOUT))
    equal = family_wage_by_region(lw, REGIONS)
    assert list(equal.columns) == [
        "region_id",
        "wage_hourly_usd",
        "source",
        "counties_used",
        "counties_missing",
    ]
    assert equal["region_id"].tolist() == ["north", "south"]
    # south: (40 + 50) / 2; 06111 has no living wage
    assert equal["wage_hourly_usd"].tolist() == [30.0, 45.0]
    assert equal["counties_used"].tolist() == [1, 2]
    assert equal["counties_missing"].tolist() == [0, 1]
    assert (
        equal["source"].iloc[1]
        == "living wage 2021, 1 adult, 1 child: mean of 2 of 3 counties, equal weights"
    )

    weights = pd.Series({"06037": 300.0, "06059": 100.0, "06111": 50.0}, name="employment")
    weighted = family_wage_by_region(lw, REGIONS, weights=weights)
    # south: (300*40 + 100*50) / 400 = 42.5 (06111 has a weight but no wage)
    # north: 41051 has no weight -> <NA>
    assert weighted["wage_hourly_usd"].iloc[1] == 42.5
    assert weighted["wage_hourly_usd"].isna().tolist() == [True, False]
    assert weighted["source"].iloc[1].endswith("weighted by employment")


def test_family_wage_two_earners_and_missing_region(tmp_path):
    lw = read_living_wage(write(tmp_path, MIT_LAYOUT))
    both = family_wage_by_region(lw, REGIONS, adults=2, children=1, earners=2)
    assert both["wage_hourly_usd"].tolist()[1] == 23.0  # (21 + 25) / 2, both adults working
    assert pd.isna(both["wage_hourly_usd"].iloc[0])
    assert both["source"].iloc[0] == (
        "living wage 2021, 2 adults (both working), 1 child, per working adult: "
        "no county of the region has a value"
    )
    one = family_wage_by_region(lw, REGIONS, adults=2, children=1, earners=1)
    assert one["wage_hourly_usd"].tolist()[1] == 36.0
    assert one["source"].iloc[1].startswith("living wage 2021, 2 adults (1 working), 1 child: mean of 1 of 3")
    with pytest.raises(ValueError, match="2 adults: give earners"):
        family_wage_by_region(lw, REGIONS, adults=2, children=1)


def test_a_family_type_the_table_lacks_names_the_types_it_holds(tmp_path):
    path = write(tmp_path, MIT_LAYOUT)
    lw = read_living_wage(path)
    with pytest.raises(InputError) as info:
        family_wage_by_region(lw, REGIONS, adults=2, children=2, earners=1)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: no living wage for the config's family type, 2 adults (1 working), 2 children "
        "(family_wage: adults, children, earners), in 2021; the file holds in 2021: 1 adult with 0 or 1 "
        "children; 2 adults (1 working) with 1 child; 2 adults (both working) with 1 child"
    ]


def test_family_wage_from_median():
    out = family_wage_from_median(pd.Series({"north": 20.0, "south": 30.0}), 0.8)
    assert out["region_id"].tolist() == ["north", "south"]
    assert out["wage_hourly_usd"].tolist() == [16.0, 24.0]
    assert out["source"].unique().tolist() == ["80% of the regional median hourly wage"]
    with pytest.raises(ValueError, match="share must be in"):
        family_wage_from_median(pd.Series({"north": 20.0}), 0)


@pytest.mark.realdata
def test_real_mit_file_layout():
    path = REAL / "mit-living-wage" / "mit-living-wage-2022.csv"
    if not path.exists():
        pytest.skip("../shared/real-data is absent")
    df = read_living_wage(path)
    assert len(df) == 37_704
    assert df["county_fips"].nunique() == 3142
    assert df.groupby(["adults", "earners", "children"]).size().tolist() == [3142] * 12
    assert df["year"].unique().tolist() == [2021]
    assert (df["county_fips"].str[:2] == df["state_fips"]).all()
