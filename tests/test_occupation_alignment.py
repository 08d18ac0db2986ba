"""Completers against openings per region × occupation and per program; figures computed by hand."""

import pandas as pd
import pytest

from alignment.occupation_alignment import fitting_links, is_labor_supply, occupation_alignment
from alignment.reference import load_award_education

OCC = pd.DataFrame(
    {
        "region_id": ["r"] * 4,
        "soc": ["29-1141", "29-2061", "25-1199", "29-2010"],
        "occ_title": [
            "Registered Nurses",
            "Licensed Practical Nurses",
            "Postsecondary Teachers",
            "Lab Techs",
        ],
        "employment": [750.0, 500.0, 80.0, 250.0],
        "openings_annual": [100.0, 20.0, 5.0, 0.0],
        "education": [
            "Bachelor's degree",
            "Postsecondary nondegree award",
            "Doctoral or professional degree",
            "Associate's degree",
        ],
        "wage_median_hourly_usd": [40.0, 28.0, 45.0, 30.0],
        "wage_p25_hourly_usd": [30.0, 24.0, 33.0, 25.0],
        "wage_p10_hourly_usd": [26.0, 21.0, 25.0, 22.0],
        "wage_area_level": ["state"] * 4,
        "family_wage_hourly_usd": [32.0] * 4,
        "high_wage": [True, False, True, False],
    }
)
LINKS = pd.DataFrame(
    {
        "cip": ["51.3801", "51.3801", "51.3901", "24.0101"],
        "soc": ["29-1141", "29-2010", "29-2061", "25-1199"],
    }
)
SOC_CLUSTER = pd.DataFrame({"soc": OCC["soc"], "cluster_code": ["HLT", "HLT", "EDU", "HLT"]})


def _programs() -> pd.DataFrame:
    rows = [
        ("College", "Registered Nursing", "51.3801", "associate", "postsecondary", 60, pd.NA),
        ("College", "Practical Nursing", "51.3901", "certificate_1_2yr", "postsecondary", 30, pd.NA),
        ("College", "Liberal Arts", "24.0101", "associate", "postsecondary", 50, pd.NA),
        ("High School", "Health Careers", "51.3901", pd.NA, "secondary", 12, 40),
    ]
    cols = ["institution", "program_name", "cip", "credential_level", "level", "completers", "concentrators"]
    return pd.DataFrame(rows, columns=cols).assign(region_id="r")


def test_completers_are_spread_over_fitting_occupations_and_set_against_openings():
    occ, programs = occupation_alignment(OCC, _programs(), LINKS, SOC_CLUSTER, mode="weighted")
    o = occ.set_index("soc")
    # the associate's RN program links to RN (bachelor's: fits 4..6) and lab techs (associate's: fits);
    # weighted by employment 750 : 250 → 45 and 15 completers
    assert o.loc["29-1141", "completers"] == pytest.approx(45.0)
    assert o.loc["29-2010", "completers"] == pytest.approx(15.0)
    assert o.loc["29-1141", "completers_per_opening"] == pytest.approx(0.45)
    assert pd.isna(o.loc["29-2010", "completers_per_opening"])  # no openings: no ratio
    assert o.loc["29-2061", "completers"] == pytest.approx(30.0)
    assert o.loc["29-2061", "completers_per_opening"] == pytest.approx(1.5)
    # secondary concentrators are the pipeline, never supply
    assert o.loc["29-2061", "secondary_concentrators"] == pytest.approx(40.0)
    # liberal arts (associate's) does not fit postsecondary teachers (doctoral): set against no opening
    assert o.loc["25-1199", "completers"] == 0.0
    assert o.loc["29-1141", "meets_family_wage"] and not o.loc["29-2061", "meets_family_wage"]
    assert o.loc["29-1141", "entry_wage_hourly_usd"] == 30.0 and o.loc["29-1141", "cluster_code"] == "HLT"
    assert occ["completers"].sum() == pytest.approx(90.0)  # 60 + 30; the 50 liberal arts completers unplaced

    p = programs.set_index("program_name")
    assert p.loc["Registered Nursing", "openings_linked"] == pytest.approx(100.0)
    assert p.loc["Registered Nursing", "completers_per_opening"] == pytest.approx(60.0 / 100.0)
    assert p.loc["Registered Nursing", "share_openings_family_wage"] == pytest.approx(1.0)
    assert p.loc["Practical Nursing", "share_openings_family_wage"] == pytest.approx(0.0)
    assert p.loc["Liberal Arts", "fit"] == "none fit" and pd.isna(p.loc["Liberal Arts", "openings_linked"])
    assert "Health Careers" not in p.index  # a secondary program is not supply


def test_entry_wage_at_the_tenth_percentile_and_a_lower_wage_floor():
    occ, _ = occupation_alignment(OCC, _programs(), LINKS, SOC_CLUSTER, entry_percentile=10, floor_share=0.8)
    o = occ.set_index("soc")
    assert o.loc["29-1141", "entry_wage_hourly_usd"] == 26.0
    assert o.loc["29-2061", "meets_family_wage"]  # 28 ≥ 0.8 × 32 = 25.6


def test_award_fit_table_and_links():
    award = load_award_education()
    links = fitting_links(
        _programs(),
        LINKS,
        OCC[["soc", "education"]].rename(columns={"education": "typical_education"}),
        award,
    )
    fit = links.drop_duplicates("link_key").set_index("link_key")["fit"].to_dict()
    assert fit["51.3801|associate"] == "award" and fit["24.0101|associate"] == "none fit"
    assert fit["51.3901|"] == "any"  # no award given: every link kept
    assert is_labor_supply(_programs()).tolist() == [True, True, True, False]
