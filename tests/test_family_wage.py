"""The family-supporting wage: county weights, the three rules, and the "meets" test (docs/methods.md)."""

from pathlib import Path

import pandas as pd
import pytest

from alignment.config import Config, FamilyWage, Inputs
from alignment.family_wage import county_employment, family_wages, meets_family_wage


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
