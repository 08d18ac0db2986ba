"""Regional occupation employment by staffing pattern: hand-computed cases and the Vermont real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alignment.sources.staffing import read_staffing_patterns
from alignment.staffing import (
    COVERAGE_COLUMNS,
    METHOD,
    OUTPUT_COLUMNS,
    PLACEMENT_COLUMNS,
    industry_placement,
    occupation_employment_by_staffing,
    staffing_coverage,
)

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-data"
F = Path(__file__).parent / "fixtures" / "staffing"

A, B, C = "29-1141", "43-4051", "51-3011"  # registered nurses, customer service, bakers


def staffing(rows: list[tuple]) -> pd.DataFrame:
    """A SOC 2018 staffing table: (industry_code, industry_level, own_codes, soc, share)."""
    t = pd.DataFrame(rows, columns=["industry_code", "industry_level", "own_codes", "soc", "share"])
    return t.assign(soc_title=t["soc"], soc_vintage="2018")


def qcew(rows: list[tuple], year: int = 2023) -> pd.DataFrame:
    """QCEW rows as read_qcew gives them: (area, own, industry, qtr, employment or None[, establishments])."""
    rows = [r if len(r) == 6 else (*r, None) for r in rows]
    t = pd.DataFrame(
        rows, columns=["area_fips", "own_code", "industry_code", "qtr", "employment", "establishments"]
    )
    t["employment"] = pd.array(t["employment"], dtype="Float64")
    t["establishments"] = pd.array(t["establishments"], dtype="Int64")
    return t.assign(year=year, suppressed=t["employment"].isna())


# two industries, three occupations
TWO_INDUSTRIES = staffing([
    ("311", "3-digit", "5", C, 0.6),  # food manufacturing: bakers 60 %, customer service 30 % (10 % unlisted)
    ("311", "3-digit", "5", B, 0.3),
    ("622", "3-digit", "235", A, 0.5),  # hospitals: nurses 50 %, customer service 20 %, bakers 10 % (20 % unlisted)
    ("622", "3-digit", "235", B, 0.2),
    ("622", "3-digit", "235", C, 0.1),
])  # fmt: skip
# two regions: r1 = counties 01001 and 01003, r2 = county 01005
REGIONS = pd.DataFrame({"county_fips": ["01001", "01003", "01005"], "region_id": ["r1", "r1", "r2"]})
QCEW = qcew([
    ("01001", "0", "10", "A", 300.0),
    ("01001", "5", "10", "A", 300.0),
    ("01001", "5", "31-33", "A", 100.0),
    ("01001", "5", "311", "A", 100.0),
    ("01001", "5", "62", "A", 200.0),
    ("01001", "5", "622", "A", 200.0),
    ("01003", "0", "10", "A", 100.0),
    ("01003", "5", "10", "A", 100.0),
    ("01003", "5", "62", "A", 100.0),
    ("01003", "5", "621", "A", 40.0),  # no pattern covers 621: unplaced
    ("01003", "5", "622", "A", None),  # undisclosed: the rest of 62 (60) is its, placed as hospitals
    ("01005", "0", "10", "A", 50.0),
    ("01005", "5", "10", "A", 50.0),
    ("01005", "5", "31-33", "A", 50.0),
    ("01005", "5", "311", "A", 50.0),
    ("01005", "5", "101", "A", 50.0),  # a BLS domain: not in the tree, never counted twice
    ("99999", "5", "311", "A", 1000.0),  # a county in no region
])  # fmt: skip


def test_two_industries_three_occupations_two_regions():
    out = occupation_employment_by_staffing(QCEW, REGIONS, TWO_INDUSTRIES, 2023)
    assert list(out.columns) == OUTPUT_COLUMNS
    got = out.set_index(["region_id", "soc"])
    # r1: 01001 places 311: 100 and 622: 200; 01003 places 622: 60 (100 - 40 disclosed in 621)
    #   nurses    A = 0.5 x (200 + 60)             = 130
    #   service   B = 0.3 x 100 + 0.2 x (200 + 60) = 30 + 52 = 82
    #   bakers    C = 0.6 x 100 + 0.1 x (200 + 60) = 60 + 26 = 86
    # r2: 01005 places 311: 50 -> B = 15, C = 30, no nurses
    expected = {("r1", A): 130.0, ("r1", B): 82.0, ("r1", C): 86.0, ("r2", B): 15.0, ("r2", C): 30.0}
    assert got["employment"].to_dict() == pytest.approx(expected)
    assert got["industries_used"].to_dict() == {
        ("r1", A): 1,
        ("r1", B): 2,
        ("r1", C): 2,
        ("r2", B): 1,
        ("r2", C): 1,
    }
    assert got["employment_unplaced"].to_dict() == {k: (40.0 if k[0] == "r1" else 0.0) for k in expected}
    assert set(out["method"]) == {METHOD} and set(out["year"]) == {2023}


def test_coverage_adds_up():
    cov = staffing_coverage(QCEW, REGIONS, TWO_INDUSTRIES, 2023).set_index("region_id")
    assert list(cov.reset_index().columns) == COVERAGE_COLUMNS
    # r1: 400 QCEW jobs = 298 in listed occupations + 62 unlisted (10 % of 100, 20 % of 260) + 40 unplaced
    assert cov.loc[
        "r1", ["qcew_employment", "employment_placed", "employment_unlisted", "employment_unplaced"]
    ].tolist() == pytest.approx([400, 298, 62, 40])
    assert cov.loc[
        "r2", ["qcew_employment", "employment_placed", "employment_unlisted", "employment_unplaced"]
    ].tolist() == pytest.approx([50, 45, 5, 0])
    assert cov.loc["r1", "share_placed"] == pytest.approx(298 / 400)
    assert cov.loc["r1", "share_unplaced"] == pytest.approx(40 / 400)
    assert cov.loc["r1", "counties"] == 2 and cov.loc["r1", "counties_without_qcew"] == 0
    assert cov.loc["r1", "employment_estimated"] == 0


def test_placement_names_the_rows_behind_each_pattern():
    p = industry_placement(QCEW, REGIONS, TWO_INDUSTRIES, 2023)
    assert list(p.columns) == PLACEMENT_COLUMNS
    r1 = p[p["region_id"] == "r1"].set_index("industry_code", drop=False)
    assert r1.loc["622", "employment"] == pytest.approx(260.0)
    assert set(r1.loc["622", "qcew_industries"].split()) == {"5:622"}
    unplaced = r1[r1["industry_code"].isna()].iloc[0]
    assert unplaced["employment"] == pytest.approx(40.0) and unplaced["qcew_industries"] == "5:621"


def test_most_detailed_pattern_and_no_double_count():
    # a sector pattern beside a 3-digit one: each job placed once, with the most detailed pattern
    t = staffing([
        ("31-33", "sector", "5", B, 1.0),
        ("311", "3-digit", "5", C, 1.0),
    ])  # fmt: skip
    q = qcew([
        ("01005", "0", "10", "A", 100.0),
        ("01005", "5", "10", "A", 100.0),
        ("01005", "5", "31-33", "A", 100.0),
        ("01005", "5", "311", "A", 30.0),
        ("01005", "5", "3111", "A", 30.0),  # below 311: already in it
        ("01005", "5", "312", "A", 50.0),  # no 312 pattern: the sector's
        ("01005", "5", "313", "A", None),  # undisclosed: the rest (20) by the sector's pattern
    ])  # fmt: skip
    out = occupation_employment_by_staffing(q, REGIONS, t, 2023).set_index("soc")["employment"]
    assert out.to_dict() == pytest.approx({C: 30.0, B: 70.0})


def test_quarters_are_placed_each_then_averaged():
    q = qcew([
        *[("01005", "0", "10", str(k), v) for k, v in zip("1234", [40.0, 60.0, 40.0, 60.0], strict=True)],
        *[("01005", "5", "10", str(k), v) for k, v in zip("1234", [40.0, 60.0, 40.0, 60.0], strict=True)],
        *[("01005", "5", "311", str(k), v) for k, v in zip("1234", [40.0, None, 40.0, 60.0], strict=True)],
    ])  # fmt: skip
    out = occupation_employment_by_staffing(q, REGIONS, TWO_INDUSTRIES, 2023)
    # every quarter's 311 jobs (the undisclosed one: the rest of the ownership total, 60) -> mean 50
    assert out.set_index("soc")["employment"].to_dict() == pytest.approx({B: 15.0, C: 30.0})
    cov = staffing_coverage(q, REGIONS, TWO_INDUSTRIES, 2023).set_index("region_id")
    assert cov.loc["r2", "qcew_employment"] == pytest.approx(50.0)
    # a year with no rows: nothing placed, the region's counties listed as without QCEW
    cov = staffing_coverage(q, REGIONS, TWO_INDUSTRIES, 2024).set_index("region_id")
    assert cov.loc["r2", "counties_without_qcew"] == 1 and pd.isna(cov.loc["r2", "qcew_employment"])


def test_ownerships_and_government():
    # EP-like: local schools, all-owner schools, federal, state and local government patterns
    t = staffing([
        ("6111", "4-digit", "235", "25-2021", 0.5),  # elementary and secondary schools; state, local, private
        ("6111", "4-digit", "3", "25-2021", 0.6),  # ... local
        ("999100", "government", "1", "43-5052", 0.4),  # federal, excluding the postal service
        ("4911", "4-digit", "15", "43-5052", 0.8),  # postal service: postal clerks
        ("999200", "government", "2", "33-3012", 0.3),
        ("999300", "government", "3", "33-3051", 0.2),
        ("9992-3", "government", "23", "43-4051", 1.0),
    ])  # fmt: skip
    t["summary"] = t["industry_code"] == "9992-3"
    q = qcew([
        ("01005", "0", "10", "A", 560.0),
        ("01005", "1", "10", "A", 110.0),
        ("01005", "1", "48-49", "A", 10.0),
        ("01005", "1", "491", "A", 10.0),  # postal: 4911's pattern
        ("01005", "1", "92", "A", 100.0),  # federal administration: 999100
        ("01005", "2", "10", "A", 50.0),  # state: 999200 (no state NAICS pattern covers industry 10)
        ("01005", "3", "10", "A", 200.0),
        ("01005", "3", "61", "A", 100.0),
        ("01005", "3", "6111", "A", 100.0),  # local schools: the local pattern, not the all-owner one
        ("01005", "3", "92", "A", 100.0),  # local administration: 999300
        ("01005", "5", "10", "A", 200.0),
        ("01005", "5", "6111", "A", 200.0),  # private schools: the all-owner pattern (no private one)
    ])  # fmt: skip
    out = occupation_employment_by_staffing(q, REGIONS, t, 2023).set_index("soc")["employment"]
    assert out["25-2021"] == pytest.approx(0.6 * 100 + 0.5 * 200)
    assert out["43-5052"] == pytest.approx(0.8 * 10 + 0.4 * 100)
    assert out["33-3012"] == pytest.approx(0.3 * 50) and out["33-3051"] == pytest.approx(0.2 * 100)
    assert "43-4051" not in out.index  # 9992-3 (state and local together) is never needed here
    cov = staffing_coverage(q, REGIONS, t, 2023).set_index("region_id")
    assert cov.loc["r2", "employment_unplaced"] == 0


def test_undisclosed_ownerships_and_industries_split_by_estimated_size():
    t = staffing([
        ("999200", "government", "2", "33-3012", 1.0),
        ("999300", "government", "3", "33-3051", 1.0),
        ("621", "3-digit", "5", A, 1.0),
        ("622", "3-digit", "235", B, 1.0),
    ])  # fmt: skip
    q = qcew([
        # the county: 300 jobs; state and local totals undisclosed (their rest: 300 - 200 = 100)
        ("01005", "0", "10", "A", 300.0),
        ("01005", "2", "10", "A", None, 1),
        ("01005", "3", "10", "A", None, 3),
        ("01005", "5", "10", "A", 200.0, 20),
        ("01005", "5", "62", "A", 200.0, 20),
        ("01005", "5", "621", "A", None, 18),  # 62's 200 jobs: undisclosed 621 and 622
        ("01005", "5", "622", "A", None, 2),
        # elsewhere (a state file): average establishment sizes 10 (state), 10 (local), 5 (621), 100 (622)
        ("50000", "2", "10", "A", 100.0, 10),
        ("50000", "3", "10", "A", 100.0, 10),
        ("50000", "5", "621", "A", 50.0, 10),
        ("50000", "5", "622", "A", 100.0, 1),
    ])  # fmt: skip
    out = occupation_employment_by_staffing(q, REGIONS, t, 2023).set_index("soc")["employment"]
    # government rest 100 split 1 x 10 : 3 x 10 -> 25 state, 75 local
    assert out["33-3012"] == pytest.approx(25.0) and out["33-3051"] == pytest.approx(75.0)
    # 62's 200 split 18 x 5 = 90 : 2 x 100 = 200 -> 62.07 ambulatory, 137.93 hospitals
    assert out[A] == pytest.approx(200 * 90 / 290) and out[B] == pytest.approx(200 * 200 / 290)
    cov = staffing_coverage(q, REGIONS, t, 2023).set_index("region_id")
    assert cov.loc["r2", "employment_estimated"] == pytest.approx(300.0)
    assert cov.loc["r2", "share_placed"] == pytest.approx(1.0)


def test_undisclosed_row_with_a_single_row_below_takes_the_detailed_pattern():
    t = staffing([
        ("61", "sector", "235", "25-1000", 1.0),  # all education, all owners
        ("6111", "4-digit", "3", "25-2021", 1.0),  # local elementary and secondary schools
        ("999300", "government", "3", "33-3051", 1.0),
    ])  # fmt: skip
    q = qcew([
        ("01005", "0", "10", "A", 200.0),
        ("01005", "3", "10", "A", 200.0, 30),
        ("01005", "3", "61", "A", None, 20),  # local 61 -> 611 -> 6111, each the only row below: schools
        ("01005", "3", "611", "A", None, 20),
        ("01005", "3", "6111", "A", None, 20),
        ("01005", "3", "92", "A", None, 10),
        ("50000", "3", "6111", "A", 800.0, 100),  # elsewhere: 8 jobs a school, 2 an office
        ("50000", "3", "92", "A", 200.0, 100),
    ])  # fmt: skip
    out = occupation_employment_by_staffing(q, REGIONS, t, 2023).set_index("soc")["employment"]
    # 200 split 20 x 8 = 160 : 10 x 2 = 20 -> 177.8 local schools, 22.2 local administration
    assert out.to_dict() == pytest.approx({"25-2021": 200 * 160 / 180, "33-3051": 200 * 20 / 180})


def test_oews_fixture_pattern_with_cross_industry_fallback():
    t = read_staffing_patterns(F / "nat3d_M2025_dl.csv")
    q = qcew([
        ("01005", "0", "10", "A", 1000.0),
        ("01005", "5", "10", "A", 1000.0),
        ("01005", "5", "311", "A", 400.0),
        ("01005", "5", "54", "A", 600.0),  # no industry pattern: the cross-industry mix (000000)
    ])  # fmt: skip
    out = occupation_employment_by_staffing(q, REGIONS, t, 2023).set_index("soc")["employment"]
    assert out["51-3011"] == pytest.approx(0.1 * 400)
    assert out["29-1141"] == pytest.approx(0.05 * 600)
    assert "43-4051" in out.index and out["43-4051"] == pytest.approx(0.03 * 600)  # 311's is unknown (**)


def test_bad_tables():
    with pytest.raises(ValueError, match="SOC 2010 codes: map them with .*to_soc_2018"):
        occupation_employment_by_staffing(QCEW, REGIONS, TWO_INDUSTRIES.assign(soc_vintage="2010"), 2023)
    with pytest.raises(ValueError, match="lacks column"):
        occupation_employment_by_staffing(QCEW, REGIONS, TWO_INDUSTRIES.drop(columns="own_codes"), 2023)
    with pytest.raises(ValueError, match="the QCEW table lacks column"):
        occupation_employment_by_staffing(QCEW.drop(columns="qtr"), REGIONS, TWO_INDUSTRIES, 2023)


# ---------------------------------------------------------------------------------- Vermont, real files


NEEDED = [
    REAL / "bls-qcew" / "qtrly_by_area_vt_2016",
    REAL / "bls-ep-industry-occupation-matrix-2014-24-legacy" / "ind_xlsx",
    REAL / "bls-soc-2010-2018-crosswalk" / "soc_2010_to_2018_crosswalk.xlsx",
    REAL / "bls-oews" / "national_M2025_dl.xlsx",
]


@pytest.mark.skipif(not all(p.exists() for p in NEEDED), reason="../shared/real-data is absent")
def test_vermont_2016_counties_by_ep_matrix():
    from alignment.sources.oews import read_oews
    from alignment.sources.qcew import read_qcew
    from alignment.sources.regions import read_regions
    from alignment.sources.staffing import read_soc_crosswalk_2010_2018, to_soc_2018

    ep = read_staffing_patterns(REAL / "bls-ep-industry-occupation-matrix-2014-24-legacy" / "ind_xlsx")
    cw = read_soc_crosswalk_2010_2018(
        REAL / "bls-soc-2010-2018-crosswalk" / "soc_2010_to_2018_crosswalk.xlsx"
    )
    oews = read_oews(REAL / "bls-oews" / "national_M2025_dl.xlsx")
    nation = oews[(oews["area_code"] == "99") & (oews["naics"] == "000000")]
    weights = nation.set_index("soc")["employment"].dropna()
    patterns, notes = to_soc_2018(ep, cw, weights=weights)
    assert (notes["kind"] == "no 2018 match").sum() == 0
    q = read_qcew(REAL / "bls-qcew" / "qtrly_by_area_vt_2016")
    regions = read_regions(ROOT / "docs" / "examples" / "vermont" / "regions.csv")

    cov = staffing_coverage(q, regions, patterns, 2016).set_index("region_id")
    assert set(cov.index) == {"central", "northeast-kingdom", "northwest", "south"}
    assert (cov["counties_without_qcew"] == 0).all()
    # the regions' QCEW jobs: the 14 counties' all-ownership totals (2016 mean of the quarters)
    counties = q[
        (q["own_code"] == "0") & (q["industry_code"] == "10") & q["area_fips"].isin(regions["county_fips"])
    ]
    assert cov["qcew_employment"].sum() == pytest.approx(counties.groupby("qtr")["employment"].sum().mean())
    parts = cov[["employment_placed", "employment_unlisted", "employment_unplaced"]].sum(axis=1)
    assert parts.tolist() == pytest.approx(cov["qcew_employment"].tolist())
    assert (cov["share_placed"] > 0.98).all()  # 98.9 % to 99.2 % placed in a listed occupation
    assert (cov["share_unplaced"] < 0.001).all()

    occ = occupation_employment_by_staffing(q, regions, patterns, 2016)
    mix = occ.assign(major=occ["soc"].str[:2]).groupby(["region_id", "major"])["employment"].sum()
    share = mix / mix.groupby(level=0).transform("sum")
    health = share.xs("29", level="major")  # healthcare practitioners and technical occupations
    assert health.max() - health.min() > 0.005  # 5.6 % (Central) to 6.6 % (Northeast Kingdom)
    education = share.xs("25", level="major")
    assert education.max() - education.min() > 0.02  # 7.0 % (Northwest) to 10.0 % (Northeast Kingdom)
    # the mixes differ, not only their sizes: dissimilarity of each pair of regions over major groups
    wide = share.unstack("major").fillna(0)
    d = [0.5 * (wide.loc[a] - wide.loc[b]).abs().sum() for a in wide.index for b in wide.index if a < b]
    assert min(d) > 0.01
