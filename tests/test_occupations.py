"""Tests for alignment.occupations: allocation modes, SOC→cluster maps, openings, region × cluster demand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignment.errors import InputError
from alignment.occupations import (
    allocate_programs_to_socs,
    occupation_demand_by_region,
    openings_by_area,
    region_occupations,
    soc_cluster_map,
    weighted_median,
)

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
REAL_EP = REAL / "bls-employment-projections" / "occupation.xlsx"
REAL_OEWS = REAL / "bls-oews" / "national_M2025_dl.xlsx"

PROGRAMS = pd.DataFrame(
    {
        "institution": ["A", "B", "C", "D"],
        "region_id": ["r1", "r1", "r1", "r2"],
        "cip": ["51.3801", "46.0302", "99.9999", "51.3801"],
        "completers": [30, 12, 5, 9],
    }
)
CIP_SOC = pd.DataFrame(
    {"cip": ["51.3801"] * 3 + ["46.0302"], "soc": ["29-1141", "29-2061", "29-1171", "47-2111"]}
)
EMP = pd.DataFrame(
    {
        "region_id": ["r1"] * 4,
        "soc": ["29-1141", "29-2061", "29-1171", "47-2111"],
        "employment": [600.0, 200.0, np.nan, 50.0],  # 29-1171 suppressed
    }
)


def weights(df: pd.DataFrame, institution: str) -> dict[str, float]:
    d = df[df.institution == institution]
    return dict(zip(d.soc, d.weight.astype(float), strict=True))


# --- allocation ---------------------------------------------------------------------------------------


def test_duplicate_gives_every_soc_the_full_count():
    out = allocate_programs_to_socs(PROGRAMS, CIP_SOC, "duplicate")
    assert weights(out, "A") == {"29-1141": 1.0, "29-2061": 1.0, "29-1171": 1.0}
    assert out[out.institution == "A"].completers_allocated.tolist() == [30.0, 30.0, 30.0]
    assert set(out.allocation_mode) == {"duplicate"}


def test_equal_splits_one_over_k():
    out = allocate_programs_to_socs(PROGRAMS, CIP_SOC, "equal")
    assert weights(out, "A") == pytest.approx({"29-1141": 1 / 3, "29-2061": 1 / 3, "29-1171": 1 / 3})
    assert out[out.institution == "A"].completers_allocated.sum() == pytest.approx(30.0)
    assert weights(out, "B") == {"47-2111": 1.0}


def test_weighted_by_employment_and_suppressed_keeps_an_equal_share():
    out = allocate_programs_to_socs(PROGRAMS, CIP_SOC, "weighted", EMP)
    # k = 3, m = 2 known (600, 200): 2/3 * 600/800 = 1/2, 2/3 * 200/800 = 1/6, suppressed 1/3
    assert weights(out, "A") == pytest.approx({"29-1141": 0.5, "29-2061": 1 / 6, "29-1171": 1 / 3})
    a = out[out.institution == "A"].set_index("soc")
    assert a.completers_allocated.to_dict() == pytest.approx(
        {"29-1141": 15.0, "29-2061": 5.0, "29-1171": 10.0}
    )
    assert set(a.weight_basis) == {"employment+equal"}
    assert out[out.institution == "B"].weight_basis.tolist() == ["employment"]
    # region r2 has no employment figures: equal split, noted
    d = out[out.institution == "D"]
    assert d.weight.astype(float).tolist() == pytest.approx([1 / 3] * 3)
    assert set(d.weight_basis) == {"equal (no employment)"}
    for _, g in out[out.soc.notna()].groupby("institution"):
        assert g.weight.sum() == pytest.approx(1.0)


def test_program_without_linked_soc_is_kept_and_noted():
    out = allocate_programs_to_socs(PROGRAMS, CIP_SOC, "equal")
    c = out[out.institution == "C"]
    assert len(c) == 1 and pd.isna(c.soc.iat[0]) and pd.isna(c.weight.iat[0])
    assert (c.n_socs.iat[0], c.weight_basis.iat[0]) == (0, "no linked occupation")


def test_bad_mode_and_missing_employment_table():
    with pytest.raises(InputError, match="allocation mode 'split' is not one of duplicate, equal, weighted"):
        allocate_programs_to_socs(PROGRAMS, CIP_SOC, "split")
    with pytest.raises(InputError, match="needs the occupation employment table"):
        allocate_programs_to_socs(PROGRAMS, CIP_SOC, "weighted")


# --- SOC → cluster --------------------------------------------------------------------------------------

ADVANCE = pd.DataFrame(
    {
        "soc": ["29-1141", "29-1141", "29-1141", "47-2111"],
        "framework": ["2024"] * 4,
        "cluster_code": [
            "healthcare-human-services",
            "healthcare-human-services",
            "education",
            "construction",
        ],
        "subcluster_code": ["s1", "s2", "s3", "s4"],
        "rank": [1, 2, 3, 1],
    }
)
ONET = pd.DataFrame(
    {
        "soc": ["15-1252.00", "15-1252.00", "15-1252.01", "47-2111.00"],
        "cluster_name": [
            "Information Technology",
            "Science, Technology, Engineering and Mathematics",
            "Information Technology",
            "Architecture and Construction",
        ],
        "pathway_name": ["Programming", "Engineering", "Programming", "Construction"],
        "share": [0.5, 0.3, 0.2, 1.0],
    }
)


def test_advance_cte_rank_one_and_split():
    primary = soc_cluster_map(ADVANCE, "primary")
    assert primary[["soc", "cluster_code", "share"]].values.tolist() == [
        ["29-1141", "healthcare-human-services", 1.0],
        ["47-2111", "construction", 1.0],
    ]
    assert set(primary.framework) == {"2024"}
    split = soc_cluster_map(ADVANCE, "split")
    rn = split[split.soc == "29-1141"].set_index("cluster_code").share.to_dict()
    assert rn == {"education": 0.5, "healthcare-human-services": 0.5}  # 2 distinct clusters, not 3 rows


def test_onet_names_and_shares():
    split = soc_cluster_map(ONET, "split")
    assert set(split.framework) == {"legacy"}
    dev = split[split.soc == "15-1252"].set_index("cluster_code").share.astype(float).to_dict()
    # 15-1252.00 and .01 add up: IT 0.5 + 0.2 = 0.7, STEM 0.3 (sum 1.0)
    assert dev == pytest.approx(
        {"legacy-information-technology": 0.7, "legacy-science-technology-engineering-mathematics": 0.3}
    )
    primary = soc_cluster_map(ONET, "primary")
    assert primary.set_index("soc").cluster_code.to_dict() == {
        "15-1252": "legacy-information-technology",
        "47-2111": "legacy-architecture-construction",
    }


def test_unknown_cluster_name_is_an_input_error():
    bad = ONET.assign(cluster_name=["Information Technology", "Space Piracy", "Finance", "Finance"])
    with pytest.raises(InputError, match="unknown legacy Career Cluster name"):
        soc_cluster_map(bad)


# --- openings -----------------------------------------------------------------------------------------

PROJ = pd.DataFrame(
    {
        "area_code": ["US", "US", "US", "41"],
        "area_type": ["nation", "nation", "nation", "state"],
        "state_fips": [pd.NA, pd.NA, pd.NA, "41"],
        "soc": ["29-1141", "29-2061", "47-2111", "29-1141"],
        "exits_annual": [3000.0, 2000.0, 2000.0, 300.0],
        "transfers_annual": [2000.0, 1000.0, 3000.0, 200.0],
        "openings_annual": [8000.0, 5000.0, 6000.0, 900.0],
        "base_year": [2024, 2024, 2024, 2022],
        "proj_year": [2034, 2034, 2034, 2032],
    }
)


def oews_rows(area: str, rows: list[tuple]) -> pd.DataFrame:
    """OEWS-table rows: (soc, employment, hourly, annual, wage_flag)."""
    return pd.DataFrame(
        {
            "area_code": area,
            "naics": "000000",
            "own_code": "1235",
            "year": 2025,
            "o_group": "detailed",
            "soc": [r[0] for r in rows],
            "occ_title": [r[0] for r in rows],
            "employment": pd.array([r[1] for r in rows], dtype="Float64"),
            "wage_median_hourly_usd": pd.array([r[2] for r in rows], dtype="Float64"),
            "wage_median_annual_usd": pd.array([r[3] for r in rows], dtype="Float64"),
            "wage_flag": [r[4] for r in rows],
            "hourly_only": False,
        }
    )


NATION = oews_rows(
    "99",
    [
        ("29-1141", 100000.0, 45.0, 93600.0, ""),
        ("29-2061", 50000.0, 28.0, 58240.0, ""),
        ("29-1171", 20000.0, 60.0, 124800.0, ""),
        ("47-2111", 60000.0, 30.0, 62400.0, ""),
    ],
)
STATE41 = oews_rows("41", [("29-1141", 9000.0, 44.0, 91520.0, "")])


def test_openings_state_projection_when_state_covered_else_estimated():
    area = pd.DataFrame(
        {
            "area_id": ["r1", "r1", "r1", "r2"],
            "soc": ["29-1141", "29-2061", "29-1171", "29-1141"],
            "employment": [1000.0, 500.0, np.nan, 200.0],
            "state_fips": ["41", "41", "41", "06"],
        }
    )
    out = openings_by_area(PROJ, area, pd.concat([NATION, STATE41])).set_index(["area_id", "soc"])
    # r1 in state 41: 900 * 1000 / 9000 = 100 from the state file
    rn = out.loc[("r1", "29-1141")]
    assert (rn.openings_annual, rn.openings_source, rn.projection_area) == (100.0, "state_projection", "41")
    assert rn.exits_annual == pytest.approx(300 * 1000 / 9000) and rn.base_year == 2022
    # no state row for 29-2061: national 5000 * 500 / 50000 = 50
    lpn = out.loc[("r1", "29-2061")]
    assert (lpn.openings_annual, lpn.openings_source, lpn.area_share) == (50.0, "estimated", 0.01)
    # suppressed area employment: no figure; no projection row at all: no source
    assert pd.isna(out.loc[("r1", "29-1171")].openings_annual)
    assert pd.isna(out.loc[("r1", "29-1171")].openings_source)
    # r2 is in another state: 8000 * 200 / 100000 = 16
    assert out.loc[("r2", "29-1141")].openings_annual == 16.0
    assert out.loc[("r2", "29-1141")].openings_source == "estimated"


def test_weighted_median_rule():
    assert weighted_median([58240, 93600], [500, 1000]) == 93600.0
    assert weighted_median([10, 20, 30, 40], [1, 1, 1, 1]) == 20.0  # lower median: cumulative 2 of 4
    assert np.isnan(weighted_median([56160, np.inf], [100, 200]))  # lands on a top-coded wage
    assert weighted_median([56160, np.inf], [300, 200]) == 56160.0
    assert np.isnan(weighted_median([], []))


# --- region × cluster -----------------------------------------------------------------------------------

REGIONS = pd.DataFrame(
    {
        "county_fips": ["41001", "41003", "41005"],
        "region_id": ["r1", "r1", "r2"],
        "oews_area": ["A1", "A1", "A2"],
    }
)
AREAS = pd.concat(
    [
        oews_rows(
            "A1",
            [
                ("29-1141", 1000.0, 45.0, 93600.0, ""),
                ("29-2061", 500.0, 28.0, 58240.0, ""),
                ("29-1171", np.nan, 60.0, 124800.0, ""),  # employment ** suppressed
                ("47-2111", 300.0, 30.0, 62400.0, ""),
            ],
        ),
        oews_rows(
            "A2", [("29-1141", 200.0, np.nan, np.nan, "top_coded"), ("29-2061", 100.0, 27.0, 56160.0, "")]
        ),
        NATION,
    ]
)
CLUSTERS = pd.DataFrame(
    {
        "soc": ["29-1141", "29-2061", "29-1171", "47-2111"],
        "framework": "2024",
        "cluster_code": ["health", "health", "health", "construction"],
        "share": 1.0,
    }
)
FAMILY = pd.DataFrame({"region_id": ["r1", "r2"], "wage_hourly_usd": [29.0, 40.0]})


def cell(df: pd.DataFrame, region: str, cluster: str) -> pd.Series:
    hit = df[(df.region_id == region) & (df.cluster_code == cluster)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_occupation_demand_by_region_hand_computed():
    out = occupation_demand_by_region(REGIONS, AREAS, PROJ[PROJ.area_type == "nation"], CLUSTERS, FAMILY)
    h = cell(out, "r1", "health")
    assert h.occupation_employment == 1500.0  # 1000 + 500; the suppressed one left out, not 0
    assert h.openings_annual == 130.0  # 8000*1000/100000 + 5000*500/50000
    assert h.openings_source == "estimated"
    assert h.wage_median_annual_usd == 93600.0  # weights 500 (58,240) and 1000 (93,600)
    assert h.share_openings_family_wage == pytest.approx(80 / 130)  # RN $45 >= $29, LPN $28 < $29
    assert (h.n_occupations, h.n_suppressed, h.n_without_openings) == (3, 1, 1)
    c = cell(out, "r1", "construction")
    assert (c.occupation_employment, c.openings_annual, c.wage_median_annual_usd) == (300.0, 30.0, 62400.0)
    assert c.share_openings_family_wage == 1.0
    r2 = cell(out, "r2", "health")
    assert r2.openings_annual == 26.0  # 16 + 10
    assert pd.isna(r2.wage_median_annual_usd)  # the median falls on the top-coded RN wage
    assert r2.share_openings_family_wage == pytest.approx(16 / 26)  # top-coded counts as above $40


def test_state_and_national_openings_in_one_cell_are_mixed():
    out = occupation_demand_by_region(REGIONS, pd.concat([AREAS, STATE41]), PROJ, CLUSTERS, FAMILY)
    h = cell(out, "r1", "health")
    assert h.openings_source == "mixed"
    assert h.openings_annual == pytest.approx(900 * 1000 / 9000 + 50.0)


def test_region_occupations_county_weights():
    regions = pd.DataFrame(
        {
            "county_fips": ["41001", "41003"],
            "region_id": ["r", "r"],
            "oews_area": ["A1", "A2"],
            "weight": [0.5, 0.25],
        }
    )
    occ = region_occupations(regions, AREAS).set_index("soc")
    # 0.5 * 1000 + 0.25 * 200 = 550; wage from A1 only (A2 is top-coded)
    assert occ.loc["29-1141"].employment == 550.0 and occ.loc["29-1141"].wage_median_annual_usd == 93600.0
    # (0.5*500*58240 + 0.25*100*56160) / (250 + 25)
    assert occ.loc["29-2061"].wage_median_annual_usd == pytest.approx((250 * 58240 + 25 * 56160) / 275)
    assert pd.isna(occ.loc["29-1171"].employment) and occ.loc["29-1171"].suppressed
    assert set(occ.state_fips) == {"41"}


# --- real files ---------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.skipif(not (REAL_EP.exists() and REAL_OEWS.exists()), reason="real EP / OEWS files not present")
def test_real_national_estimate_equals_ep_openings():
    from alignment.sources.oews import read_oews
    from alignment.sources.projections import read_projections

    ep = read_projections(REAL_EP)
    oews = read_oews(REAL_OEWS)
    nation = oews[oews.o_group == "detailed"][["soc", "employment"]].assign(area_id="US")
    out = openings_by_area(ep, nation, oews)
    assert len(out) == 830 and set(out.openings_source) == {"estimated"}
    assert set(out.area_share) == {1.0}
    both = out.merge(ep[["soc", "openings_annual"]], on="soc", suffixes=("", "_ep"))
    assert len(both) == 830  # EP's 832 line items less 11-1031 and 45-3031, not in OEWS
    assert (both.openings_annual == both.openings_annual_ep).all()
    assert out.set_index("soc").loc["29-1141"].openings_annual == 189100.0
