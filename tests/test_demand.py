"""Tests for demand.py: LQ, cluster employment from QCEW, regional demand, occupation wages.

The LQ formula itself lives in ``alignment.lq`` (``location_quotient``, validated in tests/test_lq.py);
the tests here check it as demand uses it, and that ``demand_by_region``'s ``lq`` column is that function.

The fixture is project-made: two regions (coast = counties 41001 + 41003, valley = 41005), three
clusters (MFG ← 311 / 31-33, HLT ← 622 / 62, CON ← 236 / 23), years 2023 and 2024, base US000.
Expected values are computed by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignment.demand import (
    demand_by_region,
    industry_employment_by_cluster,
    occupation_wages_for_programs,
    sector_of,
)
from alignment.lq import location_quotient, qcew_location_quotients, round_half_up
from alignment.sources.qcew import read_qcew

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
ANNUAL = Path(__file__).parent / "fixtures" / "qcew" / "2021.annual 01001 Autauga County, Alabama.csv"

NAICS_LONG = pd.DataFrame(
    {
        "industry_code": ["311", "31-33", "622", "62", "236", "23"],
        "cluster_code": ["MFG", "MFG", "HLT", "HLT", "CON", "CON"],
        "subcluster_code": [pd.NA] * 6,
        "share": [1.0] * 6,
    }
)
REGIONS = pd.DataFrame(
    {
        "county_fips": ["41001", "41003", "41005"],
        "region_id": ["coast", "coast", "valley"],
        "region_name": ["Coast", "Coast", "Valley"],
        "oews_area": ["4100001", "4100001", pd.NA],
    }
)


def _row(area, own, ind, year, emp, wages=None, suppressed=False, qtr="A"):
    return {
        "area_fips": area,
        "own_code": own,
        "industry_code": ind,
        "year": year,
        "qtr": qtr,
        "employment": pd.NA if suppressed else emp,
        "total_wages_usd": pd.NA if suppressed else (wages if wages is not None else emp * 50_000),
        "establishments": pd.NA if suppressed else 10,
        "suppressed": suppressed,
    }


def qcew_fixture() -> pd.DataFrame:
    rows = []
    for year in (2023, 2024):
        mfg_41001 = 250 if year == 2023 else 200
        rows += [
            # 41001: total 1000 (1050 in 2023); MFG 200 (250), HLT 300, CON 100
            _row("41001", "0", "10", year, 1050 if year == 2023 else 1000),
            _row("41001", "5", "311", year, mfg_41001, wages=mfg_41001 * 60_000),
            _row("41001", "5", "622", year, 300),
            _row("41001", "5", "236", year, 100),
            _row("41001", "5", "101", year, 999),  # BLS domain: ignored
            # 41003: total 3000; MFG 100; HLT 200 (local gov) + 100 (private); CON: 236 suppressed,
            # 238 disclosed 50 (via sector 23 to CON); sector 23 disclosed 150: remainder 150 - 50 = 100
            _row("41003", "0", "10", year, 3000),
            _row("41003", "5", "311", year, 100, wages=100 * 30_000),
            _row("41003", "3", "622", year, 200),
            _row("41003", "5", "622", year, 100),
            _row("41003", "5", "236", year, None, suppressed=True),
            _row("41003", "5", "238", year, 50),
            _row("41003", "5", "23", year, 150),
            # 41005: total 500; MFG 50, HLT 100, CON 150
            _row("41005", "0", "10", year, 500),
            _row("41005", "5", "311", year, 50),
            _row("41005", "5", "622", year, 100),
            _row("41005", "5", "236", year, 150),
            # nation: total 100000; MFG 10000, HLT 20000, CON 5000
            _row("US000", "0", "10", year, 100_000),
            _row("US000", "5", "311", year, 10_000),
            _row("US000", "5", "622", year, 20_000),
            _row("US000", "5", "236", year, 5_000),
        ]
    df = pd.DataFrame(rows)
    df["employment"] = df["employment"].astype("Float64")
    df["total_wages_usd"] = df["total_wages_usd"].astype("Float64")
    df["establishments"] = df["establishments"].astype("Int64")
    return df.astype({"area_fips": "string", "own_code": "string", "industry_code": "string"})


# ------------------------------------------------------------------------------------------------ LQ


def test_location_quotient_scalar_and_na():
    assert location_quotient(50, 1000, 2000, 100_000) == pytest.approx(2.5)
    assert location_quotient(50, 0, 2000, 100_000) is pd.NA
    assert location_quotient(pd.NA, 1000, 2000, 100_000) is pd.NA
    assert location_quotient(50, 1000, 0, 100_000) is pd.NA


def test_location_quotient_vectorised_keeps_index():
    e = pd.Series([50.0, 10.0, pd.NA], index=[7, 8, 9], dtype="Float64")
    out = location_quotient(e, pd.Series([1000, 1000, 1000], index=[7, 8, 9]), 2000, 100_000)
    assert list(out.index) == [7, 8, 9]
    assert out.iloc[0] == pytest.approx(2.5)
    assert out.iloc[1] == pytest.approx(0.5)
    assert out.isna().iloc[2]


def test_sector_of():
    assert [sector_of(c) for c in ("311", "336", "445", "493", "236", "541")] == [
        "31-33",
        "31-33",
        "44-45",
        "48-49",
        "23",
        "54",
    ]


# ----------------------------------------------------------------------------------- cluster employment


def test_industry_employment_by_cluster_counties():
    out = industry_employment_by_cluster(qcew_fixture(), NAICS_LONG, ["41001", "41003"])
    y = out[out["year"] == 2024].set_index(["area_fips", "cluster_code"])
    assert y.loc[("41001", "MFG"), "employment"] == 200
    assert y.loc[("41001", "HLT"), "employment"] == 300  # domain 101 not added
    assert y.loc[("41003", "HLT"), "employment"] == 300  # local gov 200 + private 100
    # 238 (50, via sector 23) + remainder of sector 23 (150 - 50 = 100); suppressed 236 counted
    assert y.loc[("41003", "CON"), "employment"] == 150
    assert y.loc[("41003", "CON"), "suppressed_inputs"] == 1
    assert y.loc[("41001", "CON"), "suppressed_inputs"] == 0
    assert y.loc[("41003", "MFG"), "total_employment"] == 3000


def test_suppressed_subsector_without_disclosed_sector_is_na_not_zero():
    q = qcew_fixture()
    q = q[~((q["area_fips"] == "41003") & (q["industry_code"].isin(["23", "238"])))]
    out = industry_employment_by_cluster(q, NAICS_LONG, ["41003"])
    con = out[(out["year"] == 2024) & (out["cluster_code"] == "CON")].iloc[0]
    assert pd.isna(con["employment"])
    assert con["suppressed_inputs"] == 1


def test_split_mapping_share():
    long = pd.concat(
        [
            NAICS_LONG[NAICS_LONG["industry_code"] != "622"],
            pd.DataFrame(
                {"industry_code": ["622", "622"], "cluster_code": ["HLT", "MFG"], "share": [0.75, 0.25]}
            ),
        ]
    )
    out = industry_employment_by_cluster(qcew_fixture(), long, ["41001"])
    y = out[out["year"] == 2024].set_index("cluster_code")
    assert y.loc["HLT", "employment"] == pytest.approx(225)  # 300 × 0.75
    assert y.loc["MFG", "employment"] == pytest.approx(275)  # 200 + 300 × 0.25


def test_unmapped_industry_kept_with_na_cluster():
    q = pd.concat([qcew_fixture(), pd.DataFrame([_row("41001", "5", "999", 2024, 7)])], ignore_index=True)
    out = industry_employment_by_cluster(q, NAICS_LONG, ["41001"])
    na = out[(out["year"] == 2024) & out["cluster_code"].isna()]
    assert na["employment"].tolist() == [7]


def test_quarterly_only_input_is_averaged():
    rows = []
    for qtr, emp in zip("1234", (90, 100, 110, 100), strict=True):
        rows.append(_row("41001", "0", "10", 2024, 1000, qtr=qtr, wages=1000 * 12_500))
        rows.append(_row("41001", "5", "311", 2024, emp, qtr=qtr, wages=emp * 12_500))
    out = industry_employment_by_cluster(pd.DataFrame(rows), NAICS_LONG, ["41001"])
    r = out.iloc[0]
    assert r["employment"] == pytest.approx(100)  # (90 + 100 + 110 + 100) / 4
    assert r["total_wages_usd"] == pytest.approx(400 * 12_500)  # sum of the four quarters
    assert r["total_employment"] == pytest.approx(1000)


# ------------------------------------------------------------------------------------- regional demand


def demand():
    return demand_by_region(qcew_fixture(), REGIONS, NAICS_LONG, base_area="US000", framework="2024")


def test_demand_by_region_hand_computed():
    d = demand()
    y = d[d["year"] == 2024].set_index(["region_id", "cluster_code"])
    # coast 2024: MFG 200 + 100 = 300, HLT 300 + 300 = 600, CON 100 + 150 = 250; total 1000 + 3000 = 4000
    assert y.loc[("coast", "MFG"), "employment"] == 300
    assert y.loc[("coast", "HLT"), "employment"] == 600
    assert y.loc[("coast", "CON"), "employment"] == 250
    assert y.loc[("coast", "MFG"), "share"] == pytest.approx(300 / 4000)
    # LQ = (300 / 4000) / (10000 / 100000) = 0.75
    assert y.loc[("coast", "MFG"), "lq"] == pytest.approx(0.75)
    assert y.loc[("coast", "HLT"), "lq"] == pytest.approx((600 / 4000) / 0.2)
    assert y.loc[("coast", "CON"), "lq"] == pytest.approx((250 / 4000) / 0.05)
    # valley: MFG 50/500 = 0.1 -> LQ 1.0; CON 150/500 = 0.3 -> LQ 6.0
    assert y.loc[("valley", "MFG"), "lq"] == pytest.approx(1.0)
    assert y.loc[("valley", "CON"), "lq"] == pytest.approx(6.0)
    # pay = (200 × 60000 + 100 × 30000) / 300 = 50000
    assert y.loc[("coast", "MFG"), "avg_annual_pay_usd"] == pytest.approx(50_000)
    assert y.loc[("coast", "CON"), "suppressed_inputs"] == 1
    assert y.loc[("coast", "MFG"), "establishments"] == 20
    assert set(d["framework"]) == {"2024"}


def test_demand_growth():
    d = demand().set_index(["region_id", "cluster_code", "year"])
    # coast MFG: 2023 = 250 + 100 = 350, 2024 = 300 -> growth -1/7
    assert d.loc[("coast", "MFG", 2024), "growth_1yr"] == pytest.approx(300 / 350 - 1)
    assert d.loc[("coast", "MFG", 2024), "growth_total"] == pytest.approx(300 / 350 - 1)
    assert d.loc[("coast", "MFG", 2024), "growth_base_year"] == 2023
    assert pd.isna(d.loc[("coast", "MFG", 2023), "growth_1yr"])
    assert d.loc[("coast", "MFG", 2023), "growth_total"] == pytest.approx(0.0)
    assert d.loc[("valley", "HLT", 2024), "growth_1yr"] == pytest.approx(0.0)


def test_region_lq_is_recomputed_not_averaged():
    """The coast MFG LQ from summed employment (0.75) differs from the mean of its county LQs."""
    d = demand()
    region_lq = d[(d["year"] == 2024) & (d["region_id"] == "coast") & (d["cluster_code"] == "MFG")][
        "lq"
    ].iloc[0]
    county_41001 = location_quotient(200, 1000, 10_000, 100_000)  # 2.0
    county_41003 = location_quotient(100, 3000, 10_000, 100_000)  # 0.333
    assert county_41001 == pytest.approx(2.0)
    assert (county_41001 + county_41003) / 2 == pytest.approx(7 / 6)
    assert region_lq == pytest.approx(0.75)
    assert region_lq != pytest.approx((county_41001 + county_41003) / 2)


def test_demand_lq_is_lq_module_location_quotient():
    """Every lq of demand_by_region is alignment.lq.location_quotient of the region x cluster sums, exactly."""
    d = demand()
    emp = industry_employment_by_cluster(qcew_fixture(), NAICS_LONG)
    counties = REGIONS.set_index("county_fips")["region_id"]
    local = emp[emp["area_fips"].isin(counties.index)].assign(
        region_id=lambda x: x["area_fips"].map(counties)
    )
    sums = local.groupby(["region_id", "year", "cluster_code"], dropna=False)["employment"].sum(min_count=1)
    totals = (
        local.drop_duplicates(["area_fips", "year"]).groupby(["region_id", "year"])["total_employment"].sum()
    )
    base = emp[emp["area_fips"] == "US000"].set_index(["year", "cluster_code"])
    keys = list(zip(d["region_id"], d["year"], d["cluster_code"], strict=True))
    expected = location_quotient(
        pd.Series([sums[k] for k in keys]),
        pd.Series([totals[(r, y)] for r, y, _ in keys]),
        pd.Series([base["employment"].get((y, c), pd.NA) for _, y, c in keys]),
        pd.Series([base["total_employment"].get((y, c), pd.NA) for _, y, c in keys]),
    )
    assert d["lq"].notna().sum() == 12  # 2 regions x 3 clusters x 2 years
    pd.testing.assert_series_equal(d["lq"], expected, check_names=False, check_exact=True)


def test_demand_lq_against_a_state_base_area():
    """The base area is the run's qcew_base_area: a state base gives the same LQs as the same numbers as US000."""
    q = qcew_fixture()
    q["area_fips"] = q["area_fips"].replace("US000", "41000")
    state = demand_by_region(q, REGIONS, NAICS_LONG, base_area="41000", framework="2024")
    pd.testing.assert_series_equal(state["lq"], demand()["lq"], check_exact=True)
    # and a base area the table does not hold gives no LQ at all, never a number
    assert demand_by_region(q, REGIONS, NAICS_LONG, base_area="US000")["lq"].isna().all()


def test_demand_lq_reproduces_the_printed_bls_lq_of_the_annual_fixture():
    """Through demand_by_region: a one-county region, manufacturing as a cluster, against a base whose
    numbers give the LQs printed in the project's annual by-area file (as in tests/test_lq.py)."""
    area = read_qcew(ANNUAL)
    keep = ((area.own_code == "0") & (area.industry_code == "10")) | (area.industry_code == "31-33")
    base = area[keep].copy()
    base["area_fips"] = "US000"
    base["employment"] = pd.Series([100_000_000.0, 7_142_857.0], index=base.index, dtype="Float64")
    qcew = pd.concat([area, base], ignore_index=True)
    naics = pd.DataFrame({"industry_code": ["31-33"], "cluster_code": ["MFG"], "share": [1.0]})
    regions = pd.DataFrame({"county_fips": ["01001"], "region_id": ["autauga"]})
    d = demand_by_region(qcew, regions, naics, base_area="US000")
    mfg = d[d["cluster_code"] == "MFG"].iloc[0]
    # suppressed 311 under a disclosed 31-33: the sector's 3,000 jobs of 20,000 go to MFG
    assert mfg["employment"] == 3000 and mfg["suppressed_inputs"] == 1
    printed = area.loc[(area.own_code == "5") & (area.industry_code == "31-33"), "lq_employment_published"]
    assert round_half_up(mfg["lq"]) == 2.1 == printed.iloc[0]
    row = qcew_location_quotients(area, base)
    row = row[(row.own_code == "5") & (row.industry_code == "31-33")]
    assert mfg["lq"] == row["lq_employment"].iloc[0]  # the same number as lq.py's row LQ, not just close


# ----------------------------------------------------------------------------------- occupation wages


def _oews_row(area, soc, emp, wage, flag=""):
    return {
        "area_code": area,
        "naics": "000000",
        "own_code": "1235",
        "soc": soc,
        "year": 2024,
        "employment": emp,
        "wage_median_annual_usd": wage,
        "wage_median_hourly_usd": pd.NA if pd.isna(wage) else wage / 2080,
        "wage_flag": flag,
        "hourly_only": False,
    }


def test_occupation_wages_for_programs():
    oews = pd.DataFrame(
        [
            _oews_row("4100001", "51-4121", 300, 41_600.0),  # welders: $20/h
            _oews_row("4100001", "49-9041", 100, 62_400.0),  # mechanics: $30/h
            _oews_row("4100001", "29-1141", pd.NA, pd.NA, "top_coded"),
            _oews_row("41", "29-1141", 900, 104_000.0),  # state fallback: $50/h
            _oews_row("99", "51-4121", 10_000, 52_000.0),
            _oews_row("99", "49-9041", 10_000, 52_000.0),
        ]
    ).astype(
        {"employment": "Float64", "wage_median_annual_usd": "Float64", "wage_median_hourly_usd": "Float64"}
    )
    cip_soc = pd.DataFrame(
        {
            "cip": ["48.0508", "48.0508", "51.3801", "01.0000"],
            "soc": ["51-4121", "49-9041", "29-1141", "11-9013"],
        }
    )
    programs = pd.DataFrame(
        {
            "institution": ["Coast HS", "Coast CC", "Valley HS", "Coast HS"],
            "county_fips": ["41001", "41003", "41005", "41001"],
            "program_code": [pd.NA] * 4,
            "program_name": ["Welding", "Nursing", "Welding", "Ag"],
            "cip": ["48.0508", "51.3801", "48.0508", "01.0000"],
            "level": ["secondary"] * 4,
            "year": [2024] * 4,
            "region_id": ["coast", "coast", "valley", "coast"],
        }
    )
    out = occupation_wages_for_programs(programs, cip_soc, oews, REGIONS, fallback_area="41")
    by = out.set_index(["institution", "program_name"])
    # coast welding: (300 × 41600 + 100 × 62400) / 400 = 46800 -> $22.50/h
    weld = by.loc[("Coast HS", "Welding")]
    assert weld["wage_median_annual_usd"] == pytest.approx(46_800)
    assert weld["wage_hourly_usd"] == pytest.approx(22.5)
    assert weld["wage_area_level"] == "region"
    assert weld["wage_weighting"] == "employment"
    assert weld["socs"] == "49-9041, 51-4121"
    # nursing: region value top-coded -> state; the flag is recorded
    nurse = by.loc[("Coast CC", "Nursing")]
    assert nurse["wage_hourly_usd"] == pytest.approx(50.0)
    assert nurse["wage_area_level"] == "state"
    assert nurse["wage_flags"] == "29-1141 top_coded"
    # valley has no OEWS area -> state has nothing -> nation: 52000
    assert by.loc[("Valley HS", "Welding"), "wage_median_annual_usd"] == pytest.approx(52_000)
    assert by.loc[("Valley HS", "Welding"), "wage_area_level"] == "nation"
    # no wage anywhere: <NA>, not 0
    ag = by.loc[("Coast HS", "Ag")]
    assert pd.isna(ag["wage_median_annual_usd"])
    assert ag["n_socs"] == 1 and ag["n_socs_with_wage"] == 0


# ------------------------------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_lq_reproduces_bls_published_vermont_county_lqs():
    """Our LQ formula reproduces BLS's lq_month3_emplvl for a Vermont county, 2016 Q1, against the
    project's reconstructed U.S. base (see PROVENANCE.md of bls-qcew)."""
    folder = REAL / "bls-qcew"
    county = folder / "qtrly_by_area_vt_2016" / "2016.q1-q4 50007 Chittenden County, Vermont.csv"
    base = folder / "qtrly_by_area_us_2016_reconstructed" / "2016.q1-q4 US000 U.S. TOTAL (reconstructed).csv"
    if not (county.is_file() and base.is_file()):
        pytest.skip("../shared/real-data/bls-qcew is not present")
    dtype = {
        "area_fips": str,
        "own_code": str,
        "industry_code": str,
        "disclosure_code": str,
        "lq_disclosure_code": str,
    }
    cols = [
        "own_code",
        "industry_code",
        "qtr",
        "disclosure_code",
        "lq_disclosure_code",
        "month3_emplvl",
        "lq_month3_emplvl",
    ]
    c = pd.read_csv(county, dtype=dtype, keep_default_na=False, usecols=cols)
    b = pd.read_csv(
        base,
        dtype=dtype,
        keep_default_na=False,
        usecols=["own_code", "industry_code", "qtr", "month3_emplvl"],
    )
    c = c[(c["qtr"] == 1) & (c["disclosure_code"] == "") & (c["lq_disclosure_code"] == "")]
    b = b[b["qtr"] == 1]
    b["month3_emplvl"] = pd.to_numeric(b["month3_emplvl"], errors="coerce")
    m = c.merge(b, on=["own_code", "industry_code"], suffixes=("", "_us"))
    total = c[(c["own_code"] == "0") & (c["industry_code"] == "10")]["month3_emplvl"].iloc[0]
    total_us = b[(b["own_code"] == "0") & (b["industry_code"] == "10")]["month3_emplvl"].iloc[0]
    lq = location_quotient(m["month3_emplvl"], total, m["month3_emplvl_us"], total_us)
    ok = lq.notna()
    assert ok.sum() > 500
    close = (lq[ok].astype(float).round(2) - m.loc[ok, "lq_month3_emplvl"].astype(float)).abs() <= 0.011
    assert close.mean() > 0.99


@pytest.mark.realdata
def test_demand_by_region_reproduces_bls_published_vermont_county_lqs():
    """The same check through demand_by_region: Chittenden County as a region, each private 3-digit
    subsector as a cluster, month-3 employment of 2016 Q1 against the reconstructed U.S. base."""
    folder = REAL / "bls-qcew"
    county = folder / "qtrly_by_area_vt_2016" / "2016.q1-q4 50007 Chittenden County, Vermont.csv"
    us = folder / "qtrly_by_area_us_2016_reconstructed" / "2016.q1-q4 US000 U.S. TOTAL (reconstructed).csv"
    if not (county.is_file() and us.is_file()):
        pytest.skip("../shared/real-data/bls-qcew is not present")
    q = read_qcew([county, us])
    q = q[(q["qtr"] == "1") & (q["own_code"].isin(["0", "5"]))]
    q = q[
        ((q["own_code"] == "0") & (q["industry_code"] == "10")) | q["industry_code"].str.fullmatch(r"\d{3}")
    ]
    q = q.assign(employment=q["month3_emplvl"])  # one quarter: demand's yearly value is its month 3
    subsectors = sorted(set(q["industry_code"]) - {"10", "101", "102"})
    naics = pd.DataFrame({"industry_code": subsectors, "cluster_code": subsectors, "share": 1.0})
    regions = pd.DataFrame({"county_fips": ["50007"], "region_id": ["chittenden"]})
    d = demand_by_region(q, regions, naics, base_area="US000").set_index("cluster_code")

    rows = q[(q["area_fips"] == "50007") & (q["own_code"] == "5") & ~q["suppressed"]]
    rows = rows[rows["industry_code"].isin(subsectors)].set_index("industry_code")
    published = rows["lq_month3_emplvl"].astype(float)
    ok = published.notna() & d.loc[published.index, "lq"].notna().to_numpy()
    assert ok.sum() == len(rows) == 68
    ours = round_half_up(d.loc[published.index[ok], "lq"].to_numpy(dtype=float))
    assert (np.abs(ours - published[ok].to_numpy()) < 0.005).all()  # all 68 exact at 2 decimals
    # and the very numbers lq.py computes for those QCEW rows
    base = q[q["area_fips"] == "US000"]
    area = q[q["area_fips"] == "50007"]
    by_row = qcew_location_quotients(area, base, measures=["month3_emplvl"])
    by_row = by_row[(by_row["own_code"] == "5") & by_row["industry_code"].isin(subsectors)]
    by_row = by_row.set_index("industry_code")["lq_month3_emplvl"]
    disclosed = rows.index
    np.testing.assert_array_equal(
        d.loc[disclosed, "lq"].to_numpy(dtype=float, na_value=np.nan),
        by_row[disclosed].to_numpy(dtype=float, na_value=np.nan),
    )


def test_demand_matches_schema():
    from alignment.schemas import Demand

    Demand.validate(demand(), lazy=True)
