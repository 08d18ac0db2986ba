"""The family-supporting wage: county weights, the three rules, and the "meets" test (docs/methods.md)."""

from pathlib import Path

import pandas as pd
import pytest

from alignment.config import Config, FamilyWage, Inputs
from alignment.errors import InputError
from alignment.family_wage import check_family_type, county_employment, family_wages, meets_family_wage


def _qcew() -> pd.DataFrame:
    rows = [
        ("41001", "0", "10", 2024, "A", 30_000.0),
        ("41003", "0", "10", 2024, "A", 10_000.0),
        ("41003", "5", "10", 2024, "A", 9_000.0),  # an ownership row: not a county total
        ("41000", "0", "10", 2024, "A", 40_000.0),  # the state: not a county
        ("41001", "0", "10", 2023, "A", 29_000.0),  # another year
    ]
    return pd.DataFrame(rows, columns=["area_fips", "own_code", "industry_code", "year", "qtr", "employment"])


def _cfg(source: str, **family) -> Config:
    p = Path("x")
    return Config(
        path=p,
        run="t",
        year=2024,
        state_fips="41",
        inputs=Inputs(enrollment=p, qcew=(p,), regions=p),
        family_wage=FamilyWage(source=source, **family),
        thresholds={"family_wage_median_share": 0.8},
    )


def _tables(living_wage=None, oews=None) -> dict:
    regions = pd.DataFrame(
        {
            "county_fips": ["41001", "41003"],
            "region_id": ["r", "r"],
            "region_name": ["R", "R"],
            "oews_area": ["4100001"] * 2,
        }
    )
    return {"regions": regions, "oews": oews, "living_wage": living_wage}


def test_county_employment_keeps_county_totals_of_the_year():
    w = county_employment(_qcew(), 2024)
    assert w.to_dict() == {"41001": 30_000.0, "41003": 10_000.0}


def test_living_wage_is_employment_weighted_over_the_region():
    lw = pd.DataFrame(
        {
            "year": [2024, 2024],
            "state_fips": ["41", "41"],
            "county_fips": ["41001", "41003"],
            "adults": [1, 1],
            "children": [1, 1],
            "earners": [1, 1],
            "wage_hourly_usd": [30.0, 26.0],
        }
    )
    tables = _tables(living_wage=lw)
    out = family_wages(
        _cfg("living_wage", adults=1, children=1), **tables, weights=county_employment(_qcew(), 2024)
    )
    assert out["wage_hourly_usd"].iloc[0] == pytest.approx(29.0)  # (30,000 × 30 + 10,000 × 26) / 40,000
    unweighted = family_wages(_cfg("living_wage", adults=1, children=1), **tables)
    assert unweighted["wage_hourly_usd"].iloc[0] == pytest.approx(28.0)


def test_median_share_and_value_rules():
    oews = pd.DataFrame(
        {
            "area_code": ["4100001", "41"],
            "soc": ["00-0000", "00-0000"],
            "wage_median_hourly_usd": [25.0, 24.0],
        }
    )
    out = family_wages(_cfg("median_share"), **_tables(oews=oews))
    assert out["wage_hourly_usd"].iloc[0] == pytest.approx(0.8 * 25.0)
    out = family_wages(_cfg("value", value_hourly_usd=27.5), **_tables())
    assert out["wage_hourly_usd"].tolist() == [27.5]


def test_meets_family_wage_uses_the_floor_share_and_keeps_missing_values_missing():
    wages = pd.Series([30.0, 24.0, 23.999, None])
    assert meets_family_wage(wages, 30.0).tolist() == [True, False, False, pd.NA]
    assert meets_family_wage(wages, 30.0, 0.8).tolist() == [True, True, False, pd.NA]
    # rounded to 9 decimals on both sides: 0.15 / 0.2 × 20 meets 0.75 × 20
    assert meets_family_wage(pd.Series([0.15 / 0.2 * 20]), 20.0, 0.75).tolist() == [True]


def _families() -> pd.DataFrame:
    """Two counties with the twelve family types as MIT publishes them (invented wages)."""
    rows = []
    for county, base in (("41001", 30.0), ("41003", 26.0)):
        for adults, earners, factor in ((1, 1, 1.0), (2, 1, 1.1), (2, 2, 0.7)):
            for children in range(4):
                wage = round(base * factor * (1 + children / 4), 2)
                rows.append((2024, "41", county, adults, children, earners, wage, "lw.csv"))
    columns = ["year", "state_fips", "county_fips", "adults", "children", "earners", "wage_hourly_usd"]
    return pd.DataFrame(rows, columns=[*columns, "source_file"])


@pytest.mark.parametrize(
    ("family", "wage", "words"),
    [
        ({"adults": 1, "children": 1}, 36.25, "1 adult, 1 child"),
        ({"adults": 2, "children": 2, "earners": 1}, 47.85, "2 adults (1 working), 2 children"),
        (
            {"adults": 2, "children": 2, "earners": 2},
            30.45,
            "2 adults (both working), 2 children, per working adult",
        ),
    ],
)
def test_each_family_type_takes_its_own_rows_and_is_named_exactly(family, wage, words):
    cfg = _cfg("living_wage", **family)
    out = family_wages(cfg, **_tables(living_wage=_families()), weights=county_employment(_qcew(), 2024))
    assert out["wage_hourly_usd"].iloc[0] == pytest.approx(wage)  # (30,000 × county A + 10,000 × B) / 40,000
    assert cfg.family_wage.describe() == words
    assert (
        out["source"].iloc[0] == f"living wage 2024, {words}: mean of 2 of 2 counties, weighted by employment"
    )


def test_a_family_type_missing_from_the_table_is_refused_naming_the_types_it_holds():
    lw = _families()
    lw = lw[lw["earners"] == 1]  # no both-working rows
    cfg = _cfg("living_wage", adults=2, children=0, earners=2)
    (problem,) = check_family_type(cfg, lw)
    assert str(problem) == (
        "lw.csv: no living wage for the config's family type, 2 adults (both working), 0 children "
        "(family_wage: adults, children, earners), in 2024; the file holds in 2024: "
        "1 adult with 0, 1, 2 or 3 children; 2 adults (1 working) with 0, 1, 2 or 3 children"
    )
    with pytest.raises(InputError, match="the file holds in 2024: 1 adult with 0, 1, 2 or 3"):
        family_wages(cfg, **_tables(living_wage=lw))
    assert check_family_type(_cfg("living_wage", adults=2, children=0, earners=1), lw) == []
    assert check_family_type(_cfg("median_share"), lw) == []  # no family type to look for


def test_the_rules_without_a_family_type_do_not_name_one():
    assert (
        _cfg("median_share").family_wage.describe() == "no family type: a share of the region's median wage"
    )
    assert (
        _cfg("value", value_hourly_usd=20.0).family_wage.describe()
        == "no family type: one value for every region"
    )
