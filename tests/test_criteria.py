"""High-skill, high-wage, in-demand occupation tests: each rule by hand, missing data, and the presets."""

import pandas as pd
import pytest

from alignment.config import load_preset
from alignment.criteria import classify_occupations, criteria_in_use, education_level

OFF = {k: None for k in load_preset("default")}


def occ(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"region_id": ["r"] * n, "soc": [f"11-{1000 + i}" for i in range(n)]}
    return pd.DataFrame({**base, **cols})


def rule(**on) -> dict:
    return {**OFF, **on}


def flags(df: pd.DataFrame, col: str) -> list:
    return [None if pd.isna(v) else bool(v) for v in df[col]]


def test_no_rule_in_use_gives_unknown_not_false():
    out = classify_occupations(occ(employment=[10, 20]), rule())
    assert flags(out, "hshwid") == [None, None]
    assert flags(out, "eligible") == [True, True]


def test_high_wage_median_share_tn_80_percent():
    df = occ(wage_median_hourly_usd=[15.9, 16.0, 30.0, None], area_median_hourly_usd=[20.0] * 4)
    out = classify_occupations(df, rule(high_wage_median_share=0.8))
    assert flags(out, "high_wage") == [False, True, True, None]  # 0.8 × 20 = 16.00


def test_high_wage_either_rule_suffices():
    df = occ(
        wage_median_hourly_usd=[25.0, 19.0, 18.0],
        area_median_hourly_usd=[20.0] * 3,
        family_wage_hourly_usd=[24.0, 18.5, 30.0],
    )
    out = classify_occupations(df, rule(high_wage_median_share=1.0, high_wage_family_wage_share=1.0))
    assert flags(out, "high_wage") == [True, True, False]


def test_min_openings_co():
    df = occ(openings_annual=[5.0, 40.0, 41.0, None])
    out = classify_occupations(df, rule(in_demand_min_openings=40))
    assert flags(out, "in_demand") == [False, True, True, None]


def test_median_openings_by_hand():
    # median of 5, 40, 41, 100, 200 is 41: 40 is below, 41 is at the median (counts: "at least")
    df = occ(openings_annual=[5.0, 40.0, 41.0, 100.0, 200.0])
    out = classify_occupations(df, rule(in_demand_openings_median_share=1.0))
    assert flags(out, "in_demand") == [False, False, True, True, True]


def test_openings_ratio_median_tn_and_employment_share_floor():
    # ratios 0.10, 0.05, 0.20, 0.08 -> median 0.09; employment share floor 0.04% of 10,400 = 4.16 jobs
    df = occ(employment=[100.0, 200.0, 100.0, 10_000.0], openings_annual=[10.0, 10.0, 20.0, 800.0])
    out = classify_occupations(
        df, rule(in_demand_openings_ratio_median_share=1.0, min_occupation_employment_share=0.0004)
    )
    assert flags(out, "in_demand") == [True, False, True, False]
    small = occ(employment=[4.0, 100.0, 10_296.0], openings_annual=[4.0, 1.0, 1.0])
    out = classify_occupations(small, rule(in_demand_min_openings=0, min_occupation_employment_share=0.0004))
    assert flags(out, "eligible") == [False, True, True]  # 4 < 0.0004 × 10,400 = 4.16
    assert flags(out, "in_demand") == [False, True, True]


def test_growth_against_area_rate_wa():
    # area: 1000 -> 1100 jobs (+10% over 10 years, 0.958%/yr); 90% of that is 0.862%/yr = +8.96% over 10 years
    df = occ(
        employment=[500.0, 300.0, 200.0, 40.0],
        employment_change_pct=[9.0, 8.9, 16.0, 50.0],
        openings_annual=[60.0, 30.0, 20.0, 5.0],
    )
    out = classify_occupations(
        df,
        rule(
            in_demand_growth_area_share=0.9, in_demand_min_openings_share=0.0008, min_occupation_employment=50
        ),
    )
    # area employment sums every row: 1040 → 1040 + 45 + 26.7 + 32 + 20 = 1163.7 (+11.894%)
    area_rate = (1163.7 / 1040) ** 0.1 - 1
    for pct, expected in zip([9.0, 8.9, 16.0], flags(out, "in_demand")[:3], strict=True):
        assert expected == ((1 + pct / 100) ** 0.1 - 1 >= 0.9 * area_rate)
    assert flags(out, "in_demand")[3] is False  # 40 jobs < 50: not eligible
    assert flags(out, "eligible") == [True, True, True, False]


def test_growth_rule_for_a_shrinking_area_uses_the_area_rate():
    df = occ(employment=[100.0, 100.0], employment_change_pct=[-5.0, -15.0])
    out = classify_occupations(df, rule(in_demand_growth_area_share=0.9))
    # area −10%: an occupation shrinking less than the area is in demand, one shrinking more is not
    assert flags(out, "in_demand") == [True, False]


def test_min_growth_pct_and_missing_projection_is_unknown():
    df = occ(employment_change_pct=[10.0, 9.99, None])
    out = classify_occupations(df, rule(in_demand_min_growth_pct=10))
    assert flags(out, "in_demand") == [True, False, None]


def test_high_skill_education_and_apprenticeship():
    df = occ(
        education=[
            "High school diploma or equivalent",
            "Postsecondary nondegree award",
            "Bachelor's degree",
            "—",
        ],
        training=["Apprenticeship", "None", "None", "Short-term on-the-job training"],
    )
    out = classify_occupations(df, rule(high_skill_min_education=4, high_skill_apprenticeship=1))
    assert flags(out, "high_skill") == [True, True, True, None]
    out = classify_occupations(df, rule(high_skill_min_education=4, high_skill_apprenticeship=0))
    assert flags(out, "high_skill") == [False, True, True, None]


def test_hshwid_needs_every_criterion_in_use_and_total_row_is_left_out():
    df = pd.DataFrame(
        {
            "region_id": ["r"] * 4,
            "soc": ["00-0000", "29-1141", "47-2111", "35-2014"],
            "employment": [10_000.0, 300.0, 200.0, 500.0],
            "openings_annual": [1000.0, 20.0, 25.0, 90.0],
            "wage_median_hourly_usd": [22.0, 45.0, 30.0, 15.0],
            "area_median_hourly_usd": [22.0] * 4,
            "education": [
                "—",
                "Bachelor's degree",
                "High school diploma or equivalent",
                "No formal educational credential",
            ],
            "training": ["—", "None", "Apprenticeship", "Short-term on-the-job training"],
        }
    )
    out = classify_occupations(df, {**load_preset("or"), "hshwid_min_criteria": 3})
    # median openings over the three occupations (not the total row): 25
    assert flags(out, "in_demand") == [None, False, True, True]
    assert flags(out, "high_wage") == [None, True, True, False]
    assert flags(out, "high_skill") == [None, True, True, False]
    assert flags(out, "hshwid") == [None, False, True, False]
    # Oregon's preset reads the three with "or" (Perkins V): any one suffices
    assert flags(classify_occupations(df, load_preset("or")), "hshwid") == [None, True, True, True]
    # two of three
    two = classify_occupations(df, {**load_preset("or"), "hshwid_min_criteria": 2})
    assert flags(two, "hshwid") == [None, True, True, False]


def test_unknown_criteria_decide_only_when_they_could_change_the_answer():
    df = occ(
        wage_median_hourly_usd=[30.0, None, None, 10.0],
        area_median_hourly_usd=[20.0] * 4,
        openings_annual=[1.0, 50.0, 1.0, 1.0],
    )
    t = rule(high_wage_median_share=1.0, in_demand_min_openings=40)
    assert flags(classify_occupations(df, {**t, "hshwid_min_criteria": 1}), "hshwid") == [
        True,
        True,
        None,
        False,
    ]
    assert flags(classify_occupations(df, {**t, "hshwid_min_criteria": 2}), "hshwid") == [
        False,
        None,
        False,
        False,
    ]


def test_areas_are_separate():
    df = pd.DataFrame(
        {
            "region_id": ["a", "a", "a", "b", "b", "b"],
            "soc": ["11-1011", "11-1021", "11-1031"] * 2,
            "openings_annual": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
        }
    )
    out = classify_occupations(df, rule(in_demand_openings_median_share=1.0))
    assert flags(out, "in_demand") == [False, True, True, False, True, True]


def test_education_level_and_criteria_in_use():
    assert education_level(pd.Series(["Associate’s degree", "Doctoral or professional degree"])).tolist() == [
        5,
        8,
    ]
    used = criteria_in_use(load_preset("tn"))
    assert used["high_wage"] == ["high_wage_median_share"]
    assert used["in_demand"] == ["in_demand_openings_ratio_median_share"]
    assert used["eligible"] == ["min_occupation_employment_share"]
    assert used["high_skill"] == []  # Tennessee's report defines no skill test


@pytest.mark.parametrize("name", ["default", "tn", "or", "wa", "co"])
def test_every_preset_classifies_without_error(name):
    df = occ(
        employment=[100.0, 200.0],
        employment_change_pct=[5.0, 20.0],
        openings_annual=[10.0, 50.0],
        wage_median_hourly_usd=[20.0, 35.0],
        area_median_hourly_usd=[22.0, 22.0],
        family_wage_hourly_usd=[30.0, 30.0],
        education=["Postsecondary nondegree award", "Associate's degree"],
        training=["None", "None"],
    )
    out = classify_occupations(df, load_preset(name))
    assert out["hshwid"].dtype == "boolean" and len(out) == 2
    assert bool(out["hshwid"].iloc[1]) is True  # the second occupation meets every preset's definition
