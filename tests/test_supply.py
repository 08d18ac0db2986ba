"""Tests for supply.py: programs placed in regions and clusters, and supply per region × cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from alignment.supply import assign_programs, supply_by_cluster

REGIONS = pd.DataFrame(
    {
        "county_fips": ["41001", "41003", "41005"],
        "region_id": ["coast", "coast", "valley"],
        "region_name": ["Coast", "Coast", "Valley"],
    }
)
# what reference.lookup_cip_cluster gives (one row per CIP), plus a second candidate for 51.3801
LOOKUP = pd.DataFrame(
    {
        "cip": ["48.0508", "51.3801", "51.3801", "46.0201", "99.9999"],
        "framework": ["2024"] * 5,
        "cluster_code": ["MFG", "HLT", "EDU", "CON", pd.NA],
        "subcluster_code": ["MFG-1", "HLT-2", pd.NA, pd.NA, pd.NA],
        "rank": [1, 1, 2, 1, 1],
        "matched": [True, True, True, True, False],
    }
)


def enrollment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "institution": [
                "Coast HS",
                "Coast HS",
                "Coast CC",
                "Valley HS",
                "Valley HS",
                "Nowhere HS",
                "Coast HS",
            ],
            "county_fips": ["41001", "41001", "41003", "41005", "41005", "41999", "41001"],
            "program_code": ["W1", "N1", "N2", "C1", "X1", "W9", "W1"],
            "program_name": ["Welding", "Nursing", "Nursing", "Carpentry", "Exploring", "Welding", "Welding"],
            "cip": ["48.0508", "51.3801", "51.3801", "46.0201", pd.NA, "48.0508", "48.0508"],
            "cip_raw": ["48.0508", "51.3801", "513801", "46.0201", "abc", "48.0508", "48.0508"],
            "level": [
                "secondary",
                "secondary",
                "postsecondary",
                "secondary",
                "secondary",
                "secondary",
                "secondary",
            ],
            "year": [2024, 2024, 2024, 2024, 2024, 2024, 2023],
            "enrolled": [40, 30, 60, 25, 12, 20, 38],
            "concentrators": [20, pd.NA, 30, 15, 6, 10, 18],
            "completers": [12, 5, 24, 9, 3, 8, 11],
            "suppressed": [False, True, False, False, False, False, False],
            "source_file": ["enr.csv"] * 7,
            "source_row": [2, 3, 4, 5, 6, 7, 8],
        }
    ).astype({"enrolled": "Int64", "concentrators": "Int64", "completers": "Int64"})


def test_assign_programs_primary():
    programs, unmatched = assign_programs(enrollment(), REGIONS, LOOKUP)
    assert len(programs) == 7  # nothing dropped, one row per program under `primary`
    p = programs.set_index("source_row")
    assert p.loc[2, "region_id"] == "coast" and p.loc[2, "cluster_code"] == "MFG"
    assert p.loc[2, "subcluster_code"] == "MFG-1"
    assert p.loc[4, "cluster_code"] == "HLT"  # rank 1 of two candidates
    assert p.loc[4, "completers"] == 24
    assert not p.loc[6, "matched"] and pd.isna(p.loc[6, "cluster_code"])  # no CIP
    assert pd.isna(p.loc[7, "region_id"])  # county in no region, kept
    assert p.loc[7, "matched"]  # its CIP is fine
    assert set(programs["cluster_rule"]) == {"primary"}
    assert set(programs["framework"]) == {"2024"}
    assert programs["completers"].dtype == "Int64"
    # unmatched: county 41999 (row 7) and missing CIP (row 6, with the raw cell)
    u = unmatched.set_index("source_row")
    assert sorted(unmatched["source_row"]) == [6, 7]
    assert u.loc[7, "column"] == "county_fips" and u.loc[7, "value"] == "41999"
    assert u.loc[6, "column"] == "cip" and u.loc[6, "value"] == "abc"
    assert set(unmatched["stage"]) == {"supply"} and set(unmatched["source_file"]) == {"enr.csv"}


def test_cip_not_in_crosswalk_is_unmatched():
    enr = enrollment().iloc[[0]].assign(cip="12.0401")
    programs, unmatched = assign_programs(enr, REGIONS, LOOKUP)
    assert not programs["matched"].iloc[0]
    assert unmatched["value"].tolist() == ["12.0401"]
    assert "crosswalk" in unmatched["reason"].iloc[0]


def test_no_match_code_is_unmatched():
    enr = enrollment().iloc[[0]].assign(cip="99.9999")
    programs, _ = assign_programs(enr, REGIONS, LOOKUP)
    assert not programs["matched"].iloc[0]


def test_assign_programs_split_counts_each_student_once():
    programs, _ = assign_programs(enrollment(), REGIONS, LOOKUP, rule="split")
    cc = programs[programs["institution"] == "Coast CC"].set_index("cluster_code")
    assert list(cc.index) == ["EDU", "HLT"]
    assert cc.loc["HLT", "completers"] == pytest.approx(12.0)  # 24 / 2
    assert cc.loc["EDU", "completers"] == pytest.approx(12.0)
    assert cc["allocation_share"].tolist() == [0.5, 0.5]
    # totals are unchanged by the split
    assert programs["completers"].sum() == pytest.approx(enrollment()["completers"].sum())
    assert len(programs) == 9  # both Nursing programs (51.3801) have two candidates


def test_unknown_rule():
    with pytest.raises(ValueError, match="split"):
        assign_programs(enrollment(), REGIONS, LOOKUP, rule="weighted")


def test_supply_by_cluster_hand_computed():
    programs, _ = assign_programs(enrollment(), REGIONS, LOOKUP)
    s = supply_by_cluster(programs).set_index(["region_id", "year", "cluster_code"])
    # coast 2024 HLT: Coast HS Nursing (5, suppressed row, concentrators missing) + Coast CC Nursing (24)
    hlt = s.loc[("coast", 2024, "HLT")]
    assert hlt["programs"] == 2
    assert hlt["completers"] == 29
    assert hlt["enrolled"] == 90
    assert hlt["concentrators"] == 30  # the missing one is skipped: a lower bound ...
    assert hlt["suppressed"]  # ... and flagged
    mfg = s.loc[("coast", 2024, "MFG")]
    assert (mfg["programs"], mfg["completers"], mfg["suppressed"]) == (1, 12, False)
    assert s.loc[("coast", 2023, "MFG"), "completers"] == 11
    assert s.loc[("valley", 2024, "CON"), "completers"] == 9
    # programs with no region (41999) or no cluster (Exploring) are in no cell
    assert len(s) == 4
    assert s["completers"].sum() == 12 + 29 + 9 + 11


def test_supply_all_suppressed_is_na_not_zero():
    programs, _ = assign_programs(enrollment(), REGIONS, LOOKUP)
    programs.loc[programs["cluster_code"] == "CON", "completers"] = pd.NA
    s = supply_by_cluster(programs, measures=["completers"])
    con = s[s["cluster_code"] == "CON"].iloc[0]
    assert pd.isna(con["completers"])
    assert con["suppressed"]
    assert "enrolled" not in s.columns


def test_supply_by_cluster_split_programs_fractional():
    programs, _ = assign_programs(enrollment(), REGIONS, LOOKUP, rule="split")
    s = supply_by_cluster(programs).set_index(["region_id", "year", "cluster_code"])
    # two Nursing programs, each half in HLT and half in EDU
    assert s.loc[("coast", 2024, "EDU"), "programs"] == pytest.approx(1.0)
    assert s.loc[("coast", 2024, "HLT"), "programs"] == pytest.approx(1.0)
    assert s["programs"].dtype == "Float64"
    assert s.loc[("coast", 2024, "HLT"), "completers"] == pytest.approx(5 / 2 + 24 / 2)
    assert s.loc[("coast", 2024, "MFG"), "programs"] == pytest.approx(1.0)


def test_outputs_match_schemas():
    from alignment.schemas import Programs, Supply

    for rule in ("primary", "split"):
        programs, _ = assign_programs(enrollment(), REGIONS, LOOKUP, rule=rule)
        Programs.validate(programs, lazy=True)
        Supply.validate(supply_by_cluster(programs), lazy=True)


def test_supply_by_subcluster_sums_back_to_clusters():
    p = pd.DataFrame(
        {
            "region_id": ["r", "r", "r"],
            "year": [2024, 2024, 2024],
            "framework": ["2024"] * 3,
            "cluster_code": ["construction", "construction", "construction"],
            "subcluster_code": ["skilled-trades", "skilled-trades", pd.NA],
            "allocation_share": [1.0, 1.0, 1.0],
            "enrolled": [30, 20, 12],
            "concentrators": [10, 9, 6],
            "completers": [8, 5, 4],
            "suppressed": [False, False, False],
        }
    )
    sub = supply_by_cluster(p, subclusters=True)
    assert sub["subcluster_code"].tolist()[0] == "skilled-trades"
    assert sub.set_index("subcluster_code", drop=False)["completers"].tolist() == [13, 4]
    assert sub["completers"].sum() == supply_by_cluster(p)["completers"].iloc[0] == 17


# ------------------------------------------------------------------------------ places (institution → county)


def _places(rows: list[tuple]) -> pd.DataFrame:
    """Rows (key, cip prefix or None, county, share) as sources.places.read_places gives them."""
    return pd.DataFrame(rows, columns=["key", "cip", "county_fips", "share"]).astype(
        {"key": "string", "cip": "string", "county_fips": "string"}
    )


def _college() -> pd.DataFrame:
    """One college at its main campus in the coast (41001): nursing 50, welding 30, and 5 in carpentry."""
    return pd.DataFrame(
        {
            "institution": ["Coast College"] * 3,
            "unitid": ["100"] * 3,
            "county_fips": ["41001"] * 3,
            "program_name": ["Nursing", "Welding", "Carpentry"],
            "cip": ["51.3801", "48.0508", "46.0201"],
            "level": ["postsecondary"] * 3,
            "year": [2024] * 3,
            "completers": pd.array([50, 30, 5], dtype="Int64"),
            "suppressed": [False] * 3,
            "source_file": ["c.csv"] * 3,
            "source_row": [2, 3, 4],
        }
    )


def test_a_college_split_0_6_0_4_over_two_counties_lands_in_both_regions_with_those_shares():
    from alignment.supply import place_awards

    places = _places([("id:100", None, "41003", 0.6), ("id:100", None, "41005", 0.4)])
    placed = place_awards(_college(), places, REGIONS)
    programs, _ = assign_programs(placed, REGIONS, LOOKUP)
    p = programs.set_index(["source_row", "region_id"])
    assert p.loc[(2, "coast"), "completers"] == pytest.approx(30.0)  # 0.6 × 50, in county 41003
    assert p.loc[(2, "valley"), "completers"] == pytest.approx(20.0)  # 0.4 × 50
    assert (
        p.loc[(2, "coast"), "county_fips"] == "41003" and p.loc[(2, "coast"), "main_county_fips"] == "41001"
    )
    assert p.loc[(2, "coast"), "place_share"] == pytest.approx(0.6)
    assert programs["completers"].dtype == "Float64"
    supply = supply_by_cluster(programs)
    by = supply.set_index(["region_id", "cluster_code"])["completers"]
    assert by[("coast", "HLT")] == pytest.approx(30.0) and by[("valley", "HLT")] == pytest.approx(20.0)
    assert float(supply["completers"].sum()) == pytest.approx(85.0)  # every award counted once


def test_a_cip_row_moves_only_its_program_family_and_the_rest_stays_at_the_main_campus():
    from alignment.supply import place_awards

    places = _places([("id:100", "51", "41005", 1.0)])  # nursing taught in the valley
    placed = place_awards(_college(), places, REGIONS)
    assert placed["county_fips"].tolist() == ["41005", "41001", "41001"]
    assert placed["completers"].tolist() == [50, 30, 5] and placed["completers"].dtype == "Int64"
    # the longest prefix wins: the series 51.38 over the family and the rest of the institution
    places = _places(
        [("id:100", None, "41003", 1.0), ("id:100", "51", "41001", 1.0), ("id:100", "51.38", "41005", 1.0)]
    )
    assert place_awards(_college(), places, REGIONS)["county_fips"].tolist() == ["41005", "41003", "41003"]


def test_a_college_named_without_a_unitid_is_matched_by_its_name():
    from alignment.supply import place_awards

    places = _places([("name:coast college", None, "41005", 1.0)])
    college = _college().drop(columns="unitid").assign(institution=" coast  COLLEGE")
    assert set(place_awards(college, places, REGIONS)["county_fips"]) == {"41005"}


def test_two_counties_of_one_region_make_one_part_and_small_counts_stay_whole():
    from alignment.supply import place_awards

    # 41001 and 41003 are both in the coast: their shares add up, in the county of the larger one
    places = _places(
        [("id:100", None, "41001", 0.2), ("id:100", None, "41003", 0.3), ("id:100", None, "41005", 0.5)]
    )
    placed = place_awards(_college(), places, REGIONS, min_part=10)
    rows = placed.set_index(["source_row", "county_fips"])["completers"]
    assert rows.to_dict() == pytest.approx(
        {(2, "41005"): 25.0, (2, "41003"): 25.0, (3, "41005"): 15.0, (3, "41003"): 15.0, (4, "41003"): 5.0}
    )  # the 5 stays whole where the shares are largest: a tie (0.5, 0.5), so the first row of the file
    # with a threshold of 20, welding (30) is not divided into parts of 15: it all goes to the largest share
    placed = place_awards(_college(), places, REGIONS, min_part=20)
    assert placed.loc[placed["source_row"] == 3, "completers"].tolist() == [30.0]


def test_a_region_whose_own_count_is_small_takes_no_part():
    """The valley's own program (3 completers) would be its total minus the parts placed there."""
    from alignment.supply import place_programs

    valley = (
        _college()
        .iloc[[2]]
        .assign(
            institution="Valley HS",
            unitid="200",
            county_fips="41005",
            completers=pd.array([3], dtype="Int64"),
        )
    )
    enr = pd.concat([_college().iloc[[0, 1]], valley.assign(source_row=5)], ignore_index=True)
    places = _places([("id:100", None, "41001", 0.5), ("id:100", None, "41005", 0.5)])
    placed = place_programs(enr, places, REGIONS, LOOKUP, min_part=10)
    assert placed["county_fips"].tolist() == ["41001", "41001", "41005"]
    assert placed["completers"].tolist() == [50, 30, 3]
    # without the small count there, the valley takes its half
    placed = place_programs(enr.iloc[:2], places, REGIONS, LOOKUP, min_part=10)
    assert placed["completers"].tolist() == pytest.approx([25.0, 25.0, 15.0, 15.0])
