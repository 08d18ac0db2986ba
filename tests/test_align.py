"""Tests for align.py: the 2-region × 3-cluster worked example of docs/methods.md, and dissimilarity."""

from __future__ import annotations

import pandas as pd
import pytest

from alignment.align import ALIGNMENT_COLUMNS, align, dissimilarity

CLUSTERS = pd.DataFrame(
    {
        "framework": ["2024", "2024", "2024", "legacy"],
        "cluster_code": ["CON", "HLT", "MFG", "AG"],
        "cluster_name": ["Construction", "Health Science", "Advanced Manufacturing", "Agriculture"],
    }
)
REGIONS = pd.DataFrame(
    {
        "county_fips": ["41001", "41003", "41005"],
        "region_id": ["coast", "coast", "valley"],
        "region_name": ["Coast", "Coast", "Valley"],
    }
)


def supply() -> pd.DataFrame:
    # coast: MFG 60, HLT 30, CON 10 (S = 100); valley: no MFG program, HLT 20, CON 20 (S = 40)
    return pd.DataFrame(
        {
            "region_id": ["coast", "coast", "coast", "valley", "valley", "coast"],
            "year": [2024, 2024, 2024, 2024, 2024, 2023],
            "framework": ["2024"] * 6,
            "cluster_code": ["MFG", "HLT", "CON", "HLT", "CON", "MFG"],
            "programs": [3, 2, 1, 1, 2, 3],
            "completers": pd.array([60, 30, 10, 20, 20, 999], dtype="Int64"),
            "enrolled": pd.array([100, 50, 40, 30, 30, 999], dtype="Int64"),
            "suppressed": [False, False, False, True, False, False],
        }
    )


def demand() -> pd.DataFrame:
    # coast: MFG 200, HLT 600, CON 200 (E = 1000); valley: MFG 100, HLT 100, CON 300 (E = 500)
    return pd.DataFrame(
        {
            "region_id": ["coast"] * 3 + ["valley"] * 3 + ["coast"],
            "year": [2024] * 6 + [2024],
            "framework": ["2024"] * 7,
            "cluster_code": ["MFG", "HLT", "CON", "MFG", "HLT", "CON", pd.NA],
            "employment": [200.0, 600.0, 200.0, 100.0, 100.0, 300.0, 5000.0],
            "share": [0.05] * 7,
            "lq": [0.5, 1.2, 1.0, 0.9, 0.8, 3.0, pd.NA],
            "growth_1yr": [0.01] * 7,
            "avg_annual_pay_usd": [50_000.0] * 7,
            "suppressed_inputs": [0] * 7,
        }
    )


def result() -> pd.DataFrame:
    return align(supply(), demand(), CLUSTERS, REGIONS, year=2024, measure="completers")


def test_align_hand_computed():
    a = result()
    assert list(a.columns) == ALIGNMENT_COLUMNS
    assert len(a) == 6  # 2 regions × 3 clusters of framework 2024 (not the legacy AG, not the NA cluster)
    r = a.set_index(["region_id", "cluster_code"])
    expected = {
        # (supply, supply_share, demand_share, demand_equivalent, gap, ratio)
        ("coast", "MFG"): (60, 0.6, 0.2, 20, -40, 3.0),
        ("coast", "HLT"): (30, 0.3, 0.6, 60, 30, 0.5),
        ("coast", "CON"): (10, 0.1, 0.2, 20, 10, 0.5),
        ("valley", "MFG"): (0, 0.0, 0.2, 8, 8, 0.0),
        ("valley", "HLT"): (20, 0.5, 0.2, 8, -12, 2.5),
        ("valley", "CON"): (20, 0.5, 0.6, 24, 4, 20 / 24),
    }
    for key, (s, ss, ds, de, gap, ratio) in expected.items():
        row = r.loc[key]
        assert row["supply"] == pytest.approx(s), key
        assert row["supply_share"] == pytest.approx(ss), key
        assert row["demand_share"] == pytest.approx(ds), key
        assert row["demand_equivalent"] == pytest.approx(de), key
        assert row["gap"] == pytest.approx(gap), key
        assert row["ratio"] == pytest.approx(ratio), key
    assert r.loc[("coast", "MFG"), "cluster_name"] == "Advanced Manufacturing"
    assert r.loc[("coast", "MFG"), "region_name"] == "Coast"
    assert r.loc[("coast", "MFG"), "lq"] == pytest.approx(0.5)
    assert r.loc[("valley", "HLT"), "suppressed"]
    assert not r.loc[("valley", "MFG"), "suppressed"]
    assert set(a["supply_measure"]) == {"completers"} and set(a["framework"]) == {"2024"}
    # both shares sum to 1 in each region
    sums = a.groupby("region_id")[["supply_share", "demand_share"]].sum()
    assert sums.to_numpy().ravel().tolist() == pytest.approx([1.0, 1.0, 1.0, 1.0])


def test_align_other_measure():
    a = align(supply(), demand(), CLUSTERS, REGIONS, year=2024, measure="enrolled")
    r = a.set_index(["region_id", "cluster_code"])
    # coast S = 190; MFG demand_equivalent = 0.2 × 190 = 38
    assert r.loc[("coast", "MFG"), "demand_equivalent"] == pytest.approx(38)
    assert set(a["supply_measure"]) == {"enrolled"}


def test_cluster_with_no_demand_and_ratio_na():
    d = demand()
    d = d[~((d["region_id"] == "coast") & (d["cluster_code"] == "CON"))]
    r = align(supply(), d, CLUSTERS, REGIONS, year=2024).set_index(["region_id", "cluster_code"])
    con = r.loc[("coast", "CON")]
    assert con["employment"] == 0 and con["demand_share"] == 0 and con["demand_equivalent"] == 0
    assert pd.isna(con["ratio"])  # supply / 0
    assert pd.isna(con["lq"])
    assert r.loc[("coast", "MFG"), "demand_share"] == pytest.approx(0.25)  # 200 / 800


def test_suppressed_supply_is_na_and_left_out_of_total():
    s = supply().astype({"completers": "Int64"})
    s.loc[(s["region_id"] == "coast") & (s["cluster_code"] == "CON"), ["completers", "suppressed"]] = [
        pd.NA,
        True,
    ]
    r = align(s, demand(), CLUSTERS, REGIONS, year=2024).set_index(["region_id", "cluster_code"])
    assert pd.isna(r.loc[("coast", "CON"), "supply"])
    assert r.loc[("coast", "CON"), "suppressed"]
    assert r.loc[("coast", "MFG"), "supply_share"] == pytest.approx(60 / 90)


def test_dissimilarity_hand_computed():
    d = dissimilarity(result()).set_index("region_id")
    assert list(d.columns) == ["year", "dissimilarity"]
    # coast: ½ (|.6 − .2| + |.3 − .6| + |.1 − .2|) = 0.4; valley: ½ (.2 + .3 + .1) = 0.3
    assert d.loc["coast", "dissimilarity"] == pytest.approx(0.4)
    assert d.loc["valley", "dissimilarity"] == pytest.approx(0.3)


def test_dissimilarity_identical_and_disjoint():
    base = {"region_id": ["r"] * 3, "year": [2024] * 3}
    same = pd.DataFrame({**base, "supply_share": [0.2, 0.3, 0.5], "demand_share": [0.2, 0.3, 0.5]})
    disjoint = pd.DataFrame({**base, "supply_share": [1.0, 0.0, 0.0], "demand_share": [0.0, 0.4, 0.6]})
    assert dissimilarity(same)["dissimilarity"].iloc[0] == pytest.approx(0.0)
    assert dissimilarity(disjoint)["dissimilarity"].iloc[0] == pytest.approx(1.0)


def test_dissimilarity_na_without_students():
    a = pd.DataFrame(
        {
            "region_id": ["r", "r"],
            "year": [2024, 2024],
            "supply_share": [pd.NA, pd.NA],
            "demand_share": [0.5, 0.5],
        }
    ).astype({"supply_share": "Float64"})
    assert pd.isna(dissimilarity(a)["dissimilarity"].iloc[0])


def test_align_is_deterministic():
    pd.testing.assert_frame_equal(result(), result())
    shuffled = align(supply().iloc[::-1], demand().iloc[::-1], CLUSTERS, REGIONS, year=2024)
    pd.testing.assert_frame_equal(result(), shuffled)


def test_alignment_matches_schema():
    from alignment.schemas import Alignment

    Alignment.validate(result(), lazy=True)
