"""Tests for alignment.sources.ipeds: IPEDS directory (HD) and completions, and completions as supply."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.schemas import Enrollment, validate_table
from alignment.sources.ipeds import (
    COMPLETIONS_COLUMNS,
    HD_COLUMNS,
    completions_as_enrollment,
    completions_unmatched,
    read_ipeds_completions,
    read_ipeds_hd,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ipeds"
HD = FIXTURES / "hd2023.csv"
C2023 = FIXTURES / "c2023_a.csv"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
REAL_HD = SHARED / "ipeds-hd" / "hd2023.csv"
REAL_C = SHARED / "ipeds-completions-first-majors"


def test_hd_restores_leading_zeros_and_reads_codes():
    hd = read_ipeds_hd(HD)
    assert list(hd.columns) == HD_COLUMNS
    assert hd.unitid.tolist() == ["999901", "999902", "999903", "999904", "999905"]
    assert hd.state_fips.tolist() == ["50", "50", "01", "50", "66"]
    assert hd.county_fips.tolist()[:4] == ["50007", "50023", "01101", "50015"]
    assert pd.isna(hd.county_fips.iat[4])  # -2: not applicable
    assert hd.institution.iat[1] == "Lake Champlain Beauty Académie"  # UTF-8 with a byte-order mark
    assert hd.cbsa.tolist()[:3] == ["15540", "12740", "33860"] and hd.csa.iat[2] == "388"
    closed = hd.iloc[3]
    assert (closed.active, closed.closed_year, closed.new_unitid, closed.title_iv) == (
        False,
        2023,
        "999901",
        False,
    )
    assert (hd.latitude.iat[0], hd.longitude.iat[0]) == (44.48, -73.21)
    assert hd.level.tolist()[:4] == [2, 3, 2, 1] and pd.isna(hd.level.iat[4])


def test_hd_problems(tmp_path):
    text = HD.read_text(encoding="utf-8-sig").splitlines()
    text[1] = text[1].replace(",50007,", ",51007,")  # county in another state
    text[2] = text[2].replace("-72.500000", "east")
    path = tmp_path / "hd.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_ipeds_hd(path)
    msg = str(e.value)
    assert "row 2, column 'COUNTYCD': expected a county in the state of column FIPS, got '51007'" in msg
    assert "row 3, column 'LONGITUD': expected a number, got 'east'" in msg
    other = tmp_path / "x.csv"
    other.write_text("UNITID,INSTNM\n1,A\n")
    with pytest.raises(InputError, match="IPEDS HD directory layout"):
        read_ipeds_hd(other)


def test_nces_csv_layout_first_majors_without_totals():
    c = read_ipeds_completions(C2023)
    assert list(c.columns) == COMPLETIONS_COLUMNS
    # 12 lines: one second major and four CIP 99 totals are left out
    assert len(c) == 7 and c.completers.sum() == 12 + 7 + 30 + 4 + 9 + 5 + 3
    assert set(c.year) == {2023}  # from the file name
    assert c.source_row.tolist() == [2, 3, 4, 6, 10, 12, 13]
    first = c.iloc[3]
    assert (first.cip, first.cip_raw, first.award_level, first.credential_level) == (
        "01.0000",
        "1.0000",
        2,
        "certificate_1_2yr",
    )
    assert c.credential_level.tolist() == [
        "associate",
        "certificate_lt1yr",
        "associate",
        "certificate_1_2yr",
        "certificate_lt1yr",
        "bachelor",
        "associate",
    ]


def test_year_from_a_column_or_argument_and_missing_year(tmp_path):
    path = tmp_path / "completions.csv"
    path.write_text('UNITID,CIPCODE,MAJORNUM,AWLEVEL,CTOTALT,YEAR\n999901,"47.0604",1,03,12,2022\n')
    assert read_ipeds_completions(path).year.tolist() == [2022]
    assert read_ipeds_completions(path, year=2030).year.tolist() == [2030]
    nameless = tmp_path / "completions_no_year.csv"
    nameless.write_text('UNITID,CIPCODE,MAJORNUM,AWLEVEL,CTOTALT\n999901,"47.0604",1,03,12\n')
    with pytest.raises(InputError, match="cannot tell the survey year"):
        read_ipeds_completions(nameless)


def test_completion_problems(tmp_path):
    path = tmp_path / "c2023_a.csv"
    path.write_text(
        "UNITID,CIPCODE,MAJORNUM,AWLEVEL,CTOTALT\n"
        '999901,"47.06X4",1,03,12\n'
        '999901,"47.0604",1,09,12\n'
        '999901,"47.0604",1,03,twelve\n'
        '999901,"47.0604",3,03,1\n'
    )
    with pytest.raises(InputError) as e:
        read_ipeds_completions(path)
    msg = str(e.value)
    assert "row 2, column 'CIPCODE': expected a CIP code NN.NNNN or a total code 99, got '47.06X4'" in msg
    assert (
        "row 3, column 'AWLEVEL': expected an NCES award level (1, 2, 3, 4, 5, 6, 7, 8, 17, 18, 19, 20, 21)"
        in msg
    )
    assert "row 4, column 'CTOTALT': expected a whole number >= 0" in msg
    assert "row 5, column 'MAJORNUM': expected 1 or 2, got '3'" in msg
    wrong = tmp_path / "c2023_b.csv"
    wrong.write_text("UNITID,CIPCODE,CTOTALT\n1,01.0000,3\n")
    with pytest.raises(InputError, match="missing column\\(s\\) MAJORNUM, AWLEVEL"):
        read_ipeds_completions(wrong)


def test_same_cell_twice_across_files(tmp_path):
    copy = tmp_path / "C2023_A_copy.csv"
    copy.write_bytes(C2023.read_bytes())
    with pytest.raises(
        InputError, match="UNITID 999901, CIP 47.0604, AWLEVEL 3, year 2023 appears more than once"
    ):
        read_ipeds_completions([C2023, copy])


def test_completions_as_enrollment():
    hd = read_ipeds_hd(HD)
    c = read_ipeds_completions(C2023)
    titles = pd.DataFrame(
        {"cip": ["47.0604"], "title": ["Automobile/Automotive Mechanics Technology/Technician."]}
    )
    e = completions_as_enrollment(c, hd, cip_titles=titles)
    validate_table(e, Enrollment, "check")
    # the bachelor's row (999903) is outside the default levels; 999906 is not in HD
    assert e.unitid.tolist() == ["999901"] * 4 + ["999902"]
    assert e.completers.sum() == 4 + 12 + 7 + 30 + 9
    auto = e[e.cip == "47.0604"]
    assert auto.program_name.unique().tolist() == ["Automobile/Automotive Mechanics Technology/Technician."]
    assert auto.program_code.tolist() == ["47.0604/associate", "47.0604/certificate_lt1yr"]
    assert e[e.cip == "51.3801"].program_name.tolist() == ["51.3801"]
    assert set(e.level) == {"postsecondary"} and not e.suppressed.any()
    assert e.enrolled.isna().all() and e.concentrators.isna().all()
    assert e.county_fips.tolist() == ["50007"] * 4 + ["50023"]
    bachelors = completions_as_enrollment(c, hd, levels=["bachelor"])
    assert bachelors.county_fips.tolist() == ["01101"] and bachelors.completers.tolist() == [5]
    lost = completions_unmatched(c, hd)
    assert lost[["source_row", "value"]].values.tolist() == [[13, "999906"]]
    assert lost.reason.iat[0] == "the institution (UNITID) is not in the IPEDS directory (HD) file"
    with pytest.raises(ValueError, match="unknown credential level"):
        completions_as_enrollment(c, hd, levels=["diploma"])


@pytest.fixture(scope="module")
def real_data():
    if not REAL_HD.exists() or not REAL_C.exists():
        pytest.skip("IPEDS real data not present")
    hd = read_ipeds_hd(REAL_HD)
    c = read_ipeds_completions([REAL_C / f"c{y}_a.parquet" for y in (2022, 2023, 2024)])
    return hd, c


@pytest.mark.realdata
def test_real_hd_vermont(real_data):
    hd, _ = real_data
    assert len(hd) == 6163 and hd.unitid.is_unique and hd.county_fips.isna().sum() == 4
    assert hd.county_fips.dropna().str.fullmatch(r"\d{5}").all()
    assert (hd.county_fips.dropna().str[:2] == hd.state_fips[hd.county_fips.notna()]).all()
    vt = hd[hd.state_fips == "50"].set_index("unitid")
    assert len(vt) == 19 and set(vt.state_postal) == {"VT"}
    assert vt.loc["231174", ["institution", "county_fips", "cbsa"]].tolist() == [
        "University of Vermont",
        "50007",
        "15540",
    ]
    assert vt.loc["230861", ["county_fips", "county_name"]].tolist() == ["50023", "Washington County"]
    assert vt.loc["230959", "county_fips"] == "50001" and pd.isna(vt.loc["230959", "cbsa"])  # Middlebury
    assert vt.loc["230834", ["active", "closed_year", "new_unitid"]].tolist() == [False, 2023, "231165"]
    alabama = hd[hd.unitid == "100654"].iloc[0]  # FIPS "1", COUNTYCD "1089" in the file
    assert (alabama.state_fips, alabama.county_fips) == ("01", "01089")


@pytest.mark.realdata
def test_real_completions_totals(real_data):
    hd, c = real_data
    assert c.groupby("year").size().to_dict() == {2022: 260232, 2023: 263014, 2024: 267595}
    # equals the CIP 99 total rows of each file (the PROVENANCE's 2023 figure)
    assert c[c.year == 2023].completers.sum() == 5297774
    vt = c[c.unitid.isin(hd[hd.state_postal == "VT"].unitid)]
    assert vt.groupby("year").unitid.nunique().to_dict() == {2022: 18, 2023: 16, 2024: 15}
    assert vt.groupby("year").completers.sum().to_dict() == {2022: 10356, 2023: 10109, 2024: 9736}
    by_level = vt[vt.year == 2023].groupby("credential_level").completers.sum()
    assert (by_level["bachelor"], by_level["master"], by_level["associate"]) == (5928, 1939, 829)
    assert (by_level["certificate_lt1yr"], by_level["certificate_1_2yr"]) == (377, 346)


@pytest.mark.realdata
def test_real_completions_as_enrollment(real_data):
    hd, c = real_data
    e = completions_as_enrollment(c, hd)
    vt = e[e.county_fips.str[:2] == "50"]
    assert vt.groupby("year").completers.sum().to_dict() == {2022: 1540, 2023: 1552, 2024: 1609}
    assert vt[vt.year == 2023].completers.sum() == 377 + 346 + 829  # no 2-to-4-year certificates
    lost = completions_unmatched(c, hd)
    assert lost.groupby(lost.source_file.str[-15:]).size().to_dict() == {
        "c2022_a.parquet": 280,
        "c2023_a.parquet": 74,
        "c2024_a.parquet": 181,
    }
    assert (
        len(e) + len(lost)
        == c.credential_level.isin(
            ["certificate_lt1yr", "certificate_1_2yr", "associate", "certificate_2_4yr"]
        ).sum()
    )
