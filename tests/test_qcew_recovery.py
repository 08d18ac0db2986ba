"""Tests for qcew_recovery.py: withheld QCEW cells placed down the published hierarchy.

Fixtures are project-made trees in the QCEW layout (area, ownership, industry code, establishments,
``suppressed``); the Vermont test reads the real 2016 files and skips when they are absent.
"""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignment.demand import _annual, demand_by_region
from alignment.qcew_recovery import SUPERSECTOR_OF_SECTOR, recover_suppressed, reference_area

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
VT = REAL / "bls-qcew" / "qtrly_by_area_vt_2016"


def _tree(rows, area="50007", year=2016):
    """rows: (own, code, employment or None for withheld, establishments)."""
    df = pd.DataFrame(rows, columns=["own_code", "industry_code", "employment", "establishments"])
    df["area_fips"] = area
    df["year"] = year
    df["suppressed"] = df["employment"].isna()
    df["employment"] = df["employment"].astype("Float64")
    df["total_wages_usd"] = (df["employment"] * 50_000).astype("Float64")
    return df


def _by_code(out):
    return {(r.own_code, r.industry_code): r for r in out.itertuples()}


def test_single_withheld_child_is_recovered_exactly():
    q = _tree(
        [
            ("0", "10", 1000.0, 50),
            ("2", "10", 400.0, 5),
            ("2", "61", None, 2),  # the only withheld sector of state government: 400 - 100
            ("2", "92", 100.0, 3),
            ("5", "10", 600.0, 45),
            ("5", "62", 600.0, 45),
        ]
    )
    out = _by_code(recover_suppressed(q))
    assert out[("2", "61")].employment == pytest.approx(300)
    assert out[("2", "61")].origin == "recovered"
    assert out[("2", "61")].total_wages_usd == pytest.approx(300 * 50_000)
    assert out[("2", "92")].origin == "disclosed"
    assert sum(r.employment for r in out.values()) == pytest.approx(1000)


def test_several_withheld_children_split_by_establishments_times_state_size():
    county = _tree(
        [
            ("0", "10", 1000.0, 40),
            ("3", "10", 1000.0, 40),
            ("3", "61", None, 10),  # state: 50 jobs per establishment → weight 500
            ("3", "62", None, 10),  # state: 25 per establishment → weight 250
            ("3", "92", 250.0, 20),
        ]
    )
    state = _tree(
        [
            ("0", "10", 9000.0, 300),
            ("3", "10", 9000.0, 300),
            ("3", "61", 5000.0, 100),
            ("3", "62", 4000.0, 160),
        ],
        area="50000",
    )
    out = recover_suppressed(pd.concat([county, state], ignore_index=True))
    c = _by_code(out[out["area_fips"] == "50007"])
    # remainder 750 split 500 : 250
    assert c[("3", "61")].employment == pytest.approx(500)
    assert c[("3", "62")].employment == pytest.approx(250)
    assert {c[("3", "61")].origin, c[("3", "62")].origin} == {"imputed"}


def test_withheld_row_with_known_children_is_their_sum():
    q = _tree(
        [
            ("0", "10", 1000.0, 30),
            ("5", "10", 1000.0, 30),
            ("5", "61", None, 10),
            ("5", "611", 700.0, 10),  # the only row below the withheld 61: 61 = 700 exactly
            ("5", "62", None, 20),
            ("5", "621", None, 20),
        ]
    )
    out = _by_code(recover_suppressed(q))
    assert out[("5", "611")].employment == pytest.approx(700)
    assert out[("5", "621")].employment == pytest.approx(300)
    assert out[("5", "621")].origin == "recovered"
    assert ("5", "61") not in out  # no remainder left on 61


def test_withheld_child_gets_at_least_its_disclosed_children():
    q = _tree(
        [
            ("0", "10", 1000.0, 30),
            ("5", "10", 1000.0, 30),
            ("5", "61", None, 10),
            ("5", "611", 700.0, 5),  # disclosed inside the withheld 61: 61 holds at least 700
            ("5", "612", None, 5),
            ("5", "62", None, 100),  # many establishments: most of the 300 left would go here by weight
            ("5", "621", None, 100),
        ]
    )
    out = _by_code(recover_suppressed(q))
    sixty_one = out[("5", "611")].employment + out[("5", "612")].employment
    assert sixty_one >= 700
    assert sixty_one + out[("5", "621")].employment == pytest.approx(1000)
    # 300 split by establishments (no reference area): 61 gets 10/110 of it, 62 100/110
    assert out[("5", "621")].employment == pytest.approx(300 * 100 / 110)
    assert out[("5", "612")].origin == "imputed"


def test_domain_and_supersector_levels_may_be_missing():
    with_levels = _tree(
        [
            ("0", "10", 500.0, 20),
            ("5", "10", 500.0, 20),
            ("5", "101", 200.0, 5),
            ("5", "1012", 200.0, 5),
            ("5", "23", None, 5),
            ("5", "102", 300.0, 15),
            ("5", "1025", 300.0, 15),
            ("5", "62", 300.0, 15),
        ]
    )
    without = with_levels[~with_levels["industry_code"].isin(["101", "102", "1012", "1025"])]
    for q in (with_levels, without):
        out = _by_code(recover_suppressed(q))
        assert out[("5", "23")].employment == pytest.approx(200)
        assert out[("5", "23")].origin == "recovered"


def test_orphans_stay_as_published_and_withheld_orphans_unknown():
    # no sector rows: a withheld subsector is not guessed from the all-ownership total
    q = _tree([("0", "10", 3000.0, 30), ("5", "311", 100.0, 5), ("5", "236", None, 3), ("5", "238", 50.0, 4)])
    out = _by_code(recover_suppressed(q))
    assert pd.isna(out[("5", "236")].employment)
    assert out[("5", "311")].employment == 100
    assert ("0", "10") not in out  # the total is not also counted as unplaced jobs


def test_county_totals_only_are_one_unplaced_leaf():
    q = _tree([("0", "10", 3000.0, 30)])
    out = recover_suppressed(q)
    assert out[["own_code", "industry_code"]].values.tolist() == [["0", "10"]]
    assert out["employment"].iloc[0] == 3000


def test_random_complete_trees_add_up_to_the_total():
    """Property: on complete trees with random suppression, the leaves add up to the all-ownership total and
    every disclosed value is kept."""
    rng = np.random.default_rng(7)
    sectors = list(SUPERSECTOR_OF_SECTOR)
    for _ in range(30):
        rows = []
        grand = 0.0
        for own in ("1", "2", "3", "5"):
            own_total = 0.0
            own_rows = []
            for sector in rng.choice(sectors, size=rng.integers(1, 6), replace=False):
                subs = [
                    f"{sector[:2]}{d}"
                    for d in rng.choice(list("123456789"), size=rng.integers(1, 4), replace=False)
                ]
                values = rng.integers(1, 500, size=len(subs)).astype(float)
                for code, v in zip(subs, values, strict=True):
                    own_rows.append((own, code, v, int(rng.integers(1, 9))))
                own_rows.append((own, sector, values.sum(), 10))
                own_total += values.sum()
            rows += own_rows + [(own, "10", own_total, 40)]
            grand += own_total
        rows.append(("0", "10", grand, 200))
        q = _tree(rows)
        hide = rng.random(len(q)) < 0.35
        hide &= q["own_code"].ne("0").to_numpy()
        q.loc[hide, ["employment", "total_wages_usd"]] = pd.NA
        q["suppressed"] = hide
        out = recover_suppressed(q)
        assert out["employment"].sum() == pytest.approx(grand)
        shown = q[~q["suppressed"]].set_index(["own_code", "industry_code"])["employment"]
        for r in out[out["origin"] == "disclosed"].itertuples():
            assert r.employment == shown[(r.own_code, r.industry_code)]
        assert (out["employment"] >= 0).all()


def test_reference_area():
    assert reference_area("50007") == "50000"
    assert reference_area("50000") == "US000"
    assert reference_area("US000") is None


@pytest.mark.skipif(not VT.is_dir(), reason="real QCEW files not present")
def test_vermont_regions_add_up_to_their_published_totals():
    """Each Vermont region's cluster employment (all clusters + not placed) is its published all-industry,
    all-ownership total; before recovery 9.9% of the Northwest's jobs were lost to suppression."""
    from alignment.sources.qcew import read_qcew

    q = read_qcew(glob.glob(str(VT / "*.csv")))
    regions = pd.read_csv(
        Path(__file__).resolve().parents[1] / "docs/examples/vermont/regions.csv", dtype=str
    )
    regions = regions.rename(columns={"region_name": "region_id"})
    naics = pd.DataFrame({"industry_code": ["61", "62"], "cluster_code": ["EDU", "HLT"], "share": [1.0, 1.0]})
    d = demand_by_region(q, regions, naics, base_area="50000")
    d = d[d["year"] == 2016]
    a = _annual(q)
    totals = a[(a["own_code"] == "0") & (a["industry_code"] == "10")].set_index("area_fips")["employment"]
    for region, g in regions.groupby("region_id"):
        mine = d[d["region_id"] == region]
        assert mine["employment"].sum() == pytest.approx(totals[list(g["county_fips"])].sum(), abs=1.0)
        parts = mine[["employment_disclosed", "employment_recovered", "employment_imputed"]].sum().sum()
        assert parts == pytest.approx(mine["employment"].sum(), abs=1.0)
    nw = d[d["region_id"] == "Northwest"]
    imputed = nw["employment_imputed"].sum() / nw["employment"].sum()
    assert 0.05 < imputed < 0.35  # reported in the data notes; about 20% in 2016
    edu = nw.loc[nw["cluster_code"] == "EDU", "employment"].iloc[0]
    assert edu > 12_000  # the university and the school districts are no longer lost


def test_a_county_keeps_its_state_as_reference_when_only_counties_are_asked_for():
    """demand asks for the counties and the base area; the state's rows still weight the counties' estimates."""
    from alignment.demand import industry_employment_by_cluster

    county = _tree(
        [("0", "10", 1000.0, 40), ("3", "10", 1000.0, 40), ("3", "61", None, 10), ("3", "62", None, 10),
         ("3", "92", 250.0, 20)],
    )  # fmt: skip
    state = _tree(
        [
            ("0", "10", 9000.0, 300),
            ("3", "10", 9000.0, 300),
            ("3", "61", 5000.0, 100),
            ("3", "62", 4000.0, 160),
        ],
        area="50000",
    )
    q = pd.concat([county, state], ignore_index=True).assign(qtr="A")
    naics = pd.DataFrame(
        {"industry_code": ["61", "62", "92"], "cluster_code": ["EDU", "HLT", "GOV"], "share": 1.0}
    )
    whole = industry_employment_by_cluster(q, naics)
    asked = industry_employment_by_cluster(q, naics, ["50007", "US000"])
    assert set(asked["area_fips"]) == {"50007"}
    mine = whole[whole["area_fips"] == "50007"].reset_index(drop=True)
    pd.testing.assert_frame_equal(asked.reset_index(drop=True), mine)
    assert asked.set_index("cluster_code").loc["EDU", "employment"] == pytest.approx(500)
