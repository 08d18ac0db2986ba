"""Tests for flags.py: each flag fires on a crafted case and not otherwise; reasons carry the numbers."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from alignment.align import align
from alignment.flags import FLAG_COLUMNS, default_thresholds, flag_pathways, rank_pathways

CLUSTERS = pd.DataFrame(
    {
        "cluster_code": ["CON", "HLT", "MFG"],
        "cluster_name": ["Construction", "Health Science", "Advanced Manufacturing"],
    }
)
REGIONS = pd.DataFrame(
    {
        "county_fips": ["41001", "41005"],
        "region_id": ["coast", "valley"],
        "region_name": ["Coast Demo Region", "Valley"],
    }
)


def alignment(supply_counts=None) -> pd.DataFrame:
    """The worked example of docs/methods.md (see tests/test_align.py for the hand computation)."""
    counts = supply_counts or {
        ("coast", "MFG"): 60,
        ("coast", "HLT"): 30,
        ("coast", "CON"): 10,
        ("valley", "HLT"): 20,
        ("valley", "CON"): 20,
    }
    supply = pd.DataFrame(
        [
            {"region_id": r, "year": 2024, "cluster_code": c, "completers": n, "suppressed": False}
            for (r, c), n in counts.items()
        ]
    ).astype({"completers": "Int64"})
    emp = {
        ("coast", "MFG"): 200,
        ("coast", "HLT"): 600,
        ("coast", "CON"): 200,
        ("valley", "MFG"): 100,
        ("valley", "HLT"): 100,
        ("valley", "CON"): 300,
    }
    lq = {
        ("coast", "MFG"): 0.5,
        ("coast", "HLT"): 1.2,
        ("coast", "CON"): 1.0,
        ("valley", "MFG"): 0.9,
        ("valley", "HLT"): 0.8,
        ("valley", "CON"): 3.0,
    }
    demand = pd.DataFrame(
        [
            {
                "region_id": r,
                "year": 2024,
                "cluster_code": c,
                "employment": float(e),
                "lq": lq[(r, c)],
                "growth_1yr": 0.0,
                "avg_annual_pay_usd": 50_000.0,
            }
            for (r, c), e in emp.items()
        ]
    )
    return align(supply, demand, CLUSTERS, REGIONS, year=2024)


def programs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "institution": ["Coast HS", "Coast CC", "Coast HS", "Valley HS", "Valley HS", "Coast HS"],
            "county_fips": ["41001", "41001", "41001", "41005", "41005", "41001"],
            "region_id": ["coast", "coast", "coast", "valley", "valley", "coast"],
            "program_code": [pd.NA] * 6,
            "program_name": [
                "Welding Technology",
                "Nursing",
                "Carpentry",
                "Nursing Assistant",
                "Exploring",
                "Welding Technology",
            ],
            "cip": ["48.0508", "51.3801", "46.0201", "51.3902", pd.NA, "48.0508"],
            "level": ["secondary"] * 6,
            "year": [2024, 2024, 2024, 2024, 2024, 2023],
            "cluster_code": ["MFG", "HLT", "CON", "HLT", pd.NA, "MFG"],
            "completers": pd.array([25, 30, 5, 20, 12, 3], dtype="Int64"),
            "suppressed": [False] * 6,
            "matched": [True, True, True, True, False, True],
        }
    )


def program_wages() -> pd.DataFrame:
    p = programs()
    p = p[p["year"] == 2024]
    return p[["institution", "county_fips", "program_code", "program_name", "cip", "level", "year"]].assign(
        wage_hourly_usd=[21.40, 45.0, 30.0, 17.0, pd.NA]
    )


FAMILY = pd.DataFrame(
    {
        "region_id": ["coast", "valley"],
        "wage_hourly_usd": [28.10, 15.0],
        "family_type": ["1 adult, 1 child"] * 2,
    }
)


def flags(**overrides) -> pd.DataFrame:
    return flag_pathways(
        programs(), alignment(), program_wages(), FAMILY, {**default_thresholds(), **overrides}
    )


def _get(f: pd.DataFrame, flag: str, **where) -> pd.DataFrame:
    sel = f[f["flag"] == flag]
    for k, v in where.items():
        sel = sel[sel[k] == v]
    return sel


def test_columns_and_expected_set():
    f = flags()
    assert list(f.columns) == [*FLAG_COLUMNS, "rank"]
    got = sorted(
        zip(
            f["flag"],
            f["region_id"],
            f["cluster_code"].fillna("-"),
            f["program_name"].fillna("-"),
            strict=True,
        )
    )
    assert got == sorted(
        [
            ("LOW_DEMAND", "coast", "MFG", "Welding Technology"),
            ("OVERSUPPLIED", "coast", "MFG", "Welding Technology"),
            ("BELOW_FAMILY_WAGE", "coast", "MFG", "Welding Technology"),
            ("OVERSUPPLIED", "valley", "HLT", "Nursing Assistant"),
            ("UNDERSUPPLIED", "coast", "HLT", "-"),
            ("UNDERSUPPLIED", "coast", "CON", "-"),
            ("UNDERSUPPLIED", "valley", "MFG", "-"),
            ("UNMATCHED_PROGRAM", "valley", "-", "Exploring"),
            ("SUPPRESSED", "coast", "CON", "Carpentry"),
        ]
    )
    assert set(f["year"]) == {2024}  # the 2023 program is ignored


def test_low_demand():
    row = _get(flags(), "LOW_DEMAND").iloc[0]
    assert row["severity"] == pytest.approx(1 - 0.5 / 0.75, abs=1e-6)
    assert "0.50" in row["reason"] and "0.75" in row["reason"] and "20.0%" in row["reason"]
    assert row["reason"].startswith("Welding Technology (48.0508) at Coast HS")
    # raising the share floor above 20% makes it fire for Carpentry (coast CON 20%) and Nursing Assistant
    # (valley HLT 20%) too, not for Nursing (coast HLT 60%)
    f = flags(min_demand_share=0.25)
    assert set(_get(f, "LOW_DEMAND")["program_name"]) == {
        "Welding Technology",
        "Carpentry",
        "Nursing Assistant",
    }
    # lowering the LQ threshold below 0.5 stops it
    assert _get(flags(low_demand_lq=0.4), "LOW_DEMAND").empty


def test_oversupplied():
    f = flags()
    coast = _get(f, "OVERSUPPLIED", region_id="coast").iloc[0]
    assert coast["severity"] == pytest.approx(1 - 1.5 / 3.0)
    assert coast["reason"] == (
        "Welding Technology (48.0508) at Coast HS is in Advanced Manufacturing, where Coast Demo Region has "
        "3.0 times the completers its job mix suggests (60 against about 20)."
    )
    valley = _get(f, "OVERSUPPLIED", region_id="valley").iloc[0]
    assert valley["severity"] == pytest.approx(1 - 1.5 / 2.5)
    # valley HLT gap is −12: a 15-student minimum surplus stops it, coast (−40) stays
    f = flags(min_gap_students=15)
    assert list(_get(f, "OVERSUPPLIED")["region_id"]) == ["coast"]
    assert _get(flags(oversupply_ratio=3.5), "OVERSUPPLIED").empty


def test_undersupplied():
    f = flags()
    u = _get(f, "UNDERSUPPLIED").set_index(["region_id", "cluster_code"])
    assert u.loc[("valley", "MFG"), "severity"] == pytest.approx(1.0)  # no program at all
    assert u.loc[("coast", "HLT"), "severity"] == pytest.approx(0.0)  # ratio exactly 0.5
    assert u.loc[("valley", "MFG"), "reason"] == (
        "Advanced Manufacturing holds 20.0% of jobs in Valley, which suggests about 8 completers, "
        "but no program in the region reports any."
    )
    assert (
        "60.0%" in u.loc[("coast", "HLT"), "reason"]
        and "about 60 completers" in u.loc[("coast", "HLT"), "reason"]
    )
    assert (u["scope"] == "cluster").all() and u["program_name"].isna().all()
    assert _get(flags(undersupply_ratio=0.4), "UNDERSUPPLIED")["cluster_code"].tolist() == ["MFG"]


def test_undersupplied_reason_hides_small_count():
    counts = {
        ("coast", "MFG"): 60,
        ("coast", "HLT"): 4,
        ("coast", "CON"): 36,
        ("valley", "HLT"): 20,
        ("valley", "CON"): 20,
    }
    f = flag_pathways(programs().iloc[:0], alignment(counts), None, None, default_thresholds())
    reason = _get(f, "UNDERSUPPLIED", region_id="coast", cluster_code="HLT")["reason"].iloc[0]
    assert "fewer than 10" in reason
    assert not re.search(r"\b4\b", reason)
    assert "ratio" not in reason  # a ratio would reveal the count


def test_below_family_wage():
    f = flags()
    row = _get(f, "BELOW_FAMILY_WAGE").iloc[0]
    assert row["reason"] == (
        "Welding Technology (48.0508) at Coast HS leads to jobs whose median pay is $21.40/h, below the "
        "$28.10/h family-supporting wage for 1 adult, 1 child in Coast Demo Region."
    )
    assert row["severity"] == pytest.approx(1 - 21.40 / 28.10, abs=1e-6)
    # Valley Nursing Assistant pays 17.00 > 15.00: no flag; at 0.7 of the family wage Welding passes (19.67)
    assert _get(f, "BELOW_FAMILY_WAGE", region_id="valley").empty
    assert _get(flags(wage_floor_share=0.7), "BELOW_FAMILY_WAGE").empty
    # without wages there are no wage flags
    assert _get(flag_pathways(programs(), alignment(), None, FAMILY, {}), "BELOW_FAMILY_WAGE").empty


def test_few_hshwid_jobs():
    po = pd.DataFrame(
        {
            "region_id": ["coast", "coast", "valley"],
            "institution": ["Coast HS", "Coast CC", "Valley HS"],
            "program_name": ["Welding Technology", "Nursing", "Nursing Assistant"],
            "cip": ["48.0508", "51.3801", "51.3902"],
            "n_socs": [2, 1, 1],
            "share_hshwid": pd.array([0.2, 0.9, pd.NA], dtype="Float64"),
        }
    )
    f = flag_pathways(programs(), alignment(), None, FAMILY, {}, program_occupations=po, preset="or")
    rows = _get(f, "FEW_HSHWID_JOBS")
    assert rows["program_name"].tolist() == ["Welding Technology"]  # 0.9 passes; unknown share: no flag
    row = rows.iloc[0]
    assert row["severity"] == pytest.approx(1 - 0.2 / 0.5)
    assert row["reason"] == (
        "Welding Technology (48.0508) at Coast HS leads to occupations of which 20% (by the run's allocation) "
        "meet the or preset's high-skill, high-wage, in-demand tests in Coast Demo Region; the floor is 50%."
    )
    assert _get(
        flag_pathways(
            programs(), alignment(), None, FAMILY, {"min_hshwid_share": 0.1}, program_occupations=po
        ),
        "FEW_HSHWID_JOBS",
    ).empty
    assert _get(flags(), "FEW_HSHWID_JOBS").empty  # no projections, no occupation table: no such flag


def test_unmatched_and_suppressed():
    f = flags()
    u = _get(f, "UNMATCHED_PROGRAM").iloc[0]
    assert u["severity"] == 0
    assert "no valid CIP code" in u["reason"]
    s = _get(f, "SUPPRESSED").iloc[0]
    assert s["program_name"] == "Carpentry"
    assert "fewer than 10 completers" in s["reason"]
    assert not re.search(r"\b5\b", s["reason"])
    p = programs()
    p.loc[0, "completers"] = pd.NA
    f2 = flag_pathways(p, alignment(), None, None, {})
    assert (
        "suppressed in the source file"
        in _get(f2, "SUPPRESSED", program_name="Welding Technology")["reason"].iloc[0]
    )


def test_no_small_count_in_any_reason():
    """No student count 1–9 is printed; "about N" is the demand equivalent, not a count of students."""
    for reason in flags()["reason"]:
        text = re.sub(r"about \d+", "about", reason.replace(",", ""))
        for number in re.findall(r"(?<![\d.$])\d+(?![\d.%/])", text):
            if number in ("1",):  # "1 adult, 1 child"
                continue
            assert not 0 < int(number) < 10 or "fewer than" in reason, reason


def test_ranking_is_by_severity_and_deterministic():
    f = flags()
    assert list(zip(f["flag"], f["severity"].round(4), strict=True))[:5] == [
        ("UNDERSUPPLIED", 1.0),
        ("OVERSUPPLIED", 0.5),
        ("OVERSUPPLIED", 0.4),
        ("LOW_DEMAND", 0.3333),
        ("BELOW_FAMILY_WAGE", 0.2384),
    ]
    assert f["flag"].tolist()[5:] == ["UNDERSUPPLIED", "UNDERSUPPLIED", "UNMATCHED_PROGRAM", "SUPPRESSED"]
    assert f["cluster_code"].tolist()[5:7] == ["CON", "HLT"]  # tie broken by cluster code
    assert f[f["region_id"] == "valley"]["rank"].tolist() == [1, 2, 3]
    shuffled = rank_pathways(f.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(f, shuffled)


def test_threshold_edges_are_not_float_noise():
    """lq = 0.15 / 0.2 is 0.7499999999999999 in floating point; it equals the 0.75 threshold: no flag."""
    a = alignment()
    a.loc[(a["region_id"] == "coast") & (a["cluster_code"] == "MFG"), "lq"] = 0.15 / 0.2
    f = flag_pathways(programs(), a, None, None, {})
    assert _get(f, "LOW_DEMAND").empty


def test_split_program_counts_whole_for_suppression():
    """Under the `split` rule a 12-completer program has 6 on each cluster row: not a small count."""
    p = programs().iloc[[0, 0]].assign(allocation_share=0.5, completers=pd.array([6, 6], dtype="Int64"))
    p["cluster_code"] = ["MFG", "CON"]
    f = flag_pathways(p, alignment(), None, None, {})
    assert _get(f, "SUPPRESSED").empty
    assert len(_get(f, "LOW_DEMAND")) == 1  # only the MFG half is in a low-LQ cluster


def test_flags_match_schema():
    from alignment.schemas import Flags

    Flags.validate(flags(), lazy=True)
