"""Tests for alignment.lq: location quotients of QCEW rows, BLS rounding, comparison with published LQs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.errors import InputError
from alignment.lq import compare_with_published, qcew_location_quotients, round_half_up
from alignment.sources.qcew import read_qcew

FIXTURES = Path(__file__).parent / "fixtures" / "qcew"
ANNUAL = FIXTURES / "2021.annual 01001 Autauga County, Alabama.csv"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data" / "bls-qcew"
MONTHS = ["month1_emplvl", "month2_emplvl", "month3_emplvl"]


def table(rows: list[tuple], quarterly: bool = True) -> pd.DataFrame:
    """A small industry-employment table: (area, own, industry, qtr, m1, m2, m3, estabs, suppressed)."""
    cols = ["area_fips", "own_code", "industry_code", "qtr", *MONTHS, "establishments", "suppressed"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ["area_fips", "own_code", "industry_code", "qtr"]:
        df[c] = df[c].astype("string")
    for c in MONTHS:
        df[c] = df[c].astype("Float64")
    df["employment"] = df[MONTHS].mean(axis=1).astype("Float64")
    df["establishments"] = df["establishments"].astype("Int64")
    df["year"] = 2021
    df["agglvl_code"] = pd.Series(["70"] * len(df), dtype="string")
    return df


# county 01001: total 1,000 / 2,000 / 4,000 jobs in months 1-3; the nation 100,000 every month
AREA = table(
    [
        ("01001", "0", "10", "1", 1000, 2000, 4000, 100, False),
        ("01001", "5", "31-33", "1", 200, 300, 400, 10, False),  # manufacturing
        ("01001", "5", "311", "1", None, None, None, 4, True),  # suppressed (disclosure N)
        ("01001", "5", "999", "1", 5, 5, 5, 1, False),  # the base has no such row
        ("01001", "3", "611", "1", 50, 0, 50, 2, False),  # base month 2 is 0, area month 2 is 0
        ("01002", "5", "31-33", "1", 30, 30, 30, 3, False),  # area 01002 has no total row
    ]
)
BASE = table(
    [
        ("US000", "0", "10", "1", 100000, 100000, 100000, 8000, False),
        ("US000", "5", "31-33", "1", 10000, 12000, 16000, 400, False),
        ("US000", "5", "311", "1", 1000, 1000, 1000, 80, False),
        ("US000", "3", "611", "1", 2500, 0, 4000, 40, False),
    ]
)


def by_industry(lqs: pd.DataFrame, industry: str, area: str = "01001") -> pd.Series:
    hit = lqs[(lqs.area_fips == area) & (lqs.industry_code == industry)]
    assert len(hit) == 1
    return hit.iloc[0]


# --- hand-computed -------------------------------------------------------------------------------------


def test_hand_computed_monthly_lqs_and_reasons():
    lqs = qcew_location_quotients(AREA, BASE)
    assert list(lqs.columns) == [
        "area_fips",
        "own_code",
        "industry_code",
        "agglvl_code",
        "year",
        "qtr",
        "lq_month1_emplvl",
        "lq_month2_emplvl",
        "lq_month3_emplvl",
        "lq_note",
    ]
    assert str(lqs["lq_month1_emplvl"].dtype) == "Float64"
    total = by_industry(lqs, "10")
    assert [total[f"lq_{m}"] for m in MONTHS] == [1.0, 1.0, 1.0] and total.lq_note == ""
    mfg = by_industry(lqs, "31-33")
    # (200/1000)/(10000/100000) = 2.0; (300/2000)/(12000/100000) = 1.25; (400/4000)/(16000/100000) = 0.625
    assert [mfg[f"lq_{m}"] for m in MONTHS] == pytest.approx([2.0, 1.25, 0.625])
    hidden = by_industry(lqs, "311")
    assert hidden[["lq_month1_emplvl", "lq_month2_emplvl", "lq_month3_emplvl"]].isna().all()
    assert hidden.lq_note == "area row suppressed"
    nobase = by_industry(lqs, "999")
    assert pd.isna(nobase.lq_month1_emplvl) and nobase.lq_note == "no base row"
    school = by_industry(lqs, "611")
    # (50/1000)/(2500/100000) = 2.0; month 2: base 0 -> <NA>, never inf or 0; (50/4000)/(4000/100000) = 0.3125
    assert school.lq_month1_emplvl == pytest.approx(2.0) and school.lq_month3_emplvl == pytest.approx(0.3125)
    assert pd.isna(school.lq_month2_emplvl)
    assert school.lq_note == "base value missing or 0 (month2_emplvl)"
    lone = by_industry(lqs, "31-33", area="01002")
    assert pd.isna(lone.lq_month1_emplvl) and lone.lq_note == "no area total (own 0, industry 10)"


def test_establishments_of_suppressed_rows_are_kept_like_bls():
    """BLS prints lq_qtrly_estabs_count for disclosure-N rows: establishment counts are disclosed."""
    lqs = qcew_location_quotients(AREA, BASE, measures=["establishments", "employment"])
    hidden = by_industry(lqs, "311")
    assert hidden.lq_establishments == pytest.approx((4 / 100) / (80 / 8000))  # 4.0
    assert pd.isna(hidden.lq_employment)
    # employment = mean of the months: (300/2333.3) / (12666.7/100000) = 1.015...
    mfg = by_industry(lqs, "31-33")
    assert mfg.lq_employment == pytest.approx((300 / (7000 / 3)) / ((38000 / 3) / 100000))


def test_avg_weekly_wage_measure():
    area = AREA.assign(total_wages_usd=pd.Series([13e6, 3.9e6, None, 0, 0, 0], dtype="Float64"))
    base = BASE.assign(total_wages_usd=pd.Series([1.3e9, 2.6e8, 1e7, 3e7], dtype="Float64"))
    lqs = qcew_location_quotients(area, base, measures=["avg_weekly_wage_usd"])
    # area: 13e6/(7000/3)/13 = 428.57 a week overall, 3.9e6/300/13 = 1000 in manufacturing;
    # base: 1.3e9/1e5/13 = 1000 overall, 2.6e8/(38000/3)/13 = 1578.95 in manufacturing
    expected = (1000 / (13e6 / (7000 / 3) / 13)) / ((2.6e8 / (38000 / 3) / 13) / 1000)
    assert by_industry(lqs, "31-33").lq_avg_weekly_wage_usd == pytest.approx(expected)


def test_annual_layout_reproduces_its_printed_lqs():
    """The project's annual by-area fixture against a made-up base chosen so its printed LQs hold."""
    area = read_qcew(ANNUAL)
    base = area[area.own_code.isin(["0", "5"]) & area.industry_code.isin(["10", "101", "31-33"])].copy()
    base["area_fips"] = "US000"
    total = 100_000_000
    # U.S. employment giving the printed LQs: share_area / LQ x total (private 0.8/1.02, goods 0.25/1.35, ...)
    us = {("0", "10"): total, ("5", "10"): 78_431_373, ("5", "101"): 18_518_519, ("5", "31-33"): 7_142_857}
    base["employment"] = [float(us[(o, i)]) for o, i in zip(base.own_code, base.industry_code, strict=True)]
    base["employment"] = base["employment"].astype("Float64")
    lqs = qcew_location_quotients(area, base)
    assert [c for c in lqs.columns if c.startswith("lq_")] == ["lq_employment", "lq_note"]
    rounded = round_half_up(lqs["lq_employment"]).astype(object).where(lqs["lq_employment"].notna(), None)
    assert dict(zip(lqs.own_code + "/" + lqs.industry_code, rounded, strict=True)) == {
        "0/10": 1.0,
        "2/10": None,  # suppressed
        "5/10": 1.02,
        "5/101": 1.35,
        "5/31-33": 2.1,
        "5/311": None,  # suppressed
        "5/5413": None,  # no base row (and BLS withheld its LQ)
    }
    result = compare_with_published(area, lqs)
    assert (result.compared, result.exact, result.within, result.not_computed) == (4, 4, 4, 0)
    assert result.published_withheld == 0 and result.mismatches.empty


# --- rounding ------------------------------------------------------------------------------------------


def test_round_half_up_ties_and_missing():
    assert round_half_up(1.005) == 1.01  # stored as 1.00499999...: still a decimal tie, rounded up
    assert round_half_up(0.125) == 0.13 and round_half_up(0.135) == 0.14  # not to even
    assert round_half_up(1.0049999) == 1.0 and round_half_up(180.004) == 180.0
    assert pd.isna(round_half_up(pd.NA)) and np.isnan(round_half_up(float("nan")))
    assert round_half_up(np.array([2.675, 0.0])).tolist() == [2.68, 0.0]
    series = round_half_up(pd.Series([0.345, None], dtype="Float64", index=[7, 9]))
    assert series.index.tolist() == [7, 9] and series.tolist() == [0.35, pd.NA]


# --- properties ----------------------------------------------------------------------------------------

counts = st.integers(min_value=1, max_value=5_000_000)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(counts, counts), min_size=1, max_size=6),
    counts,
    counts,
    st.integers(min_value=1, max_value=1000),
)
def test_properties_total_is_one_scale_free_and_formula(pairs, area_total, base_total, k):
    rows_a = [("01001", "0", "10", "1", area_total, area_total, area_total, 1, False)]
    rows_b = [("US000", "0", "10", "1", base_total, base_total, base_total, 1, False)]
    for n, (e_a, e_b) in enumerate(pairs):
        rows_a.append(("01001", "5", str(100 + n), "1", e_a, e_a, e_a, 1, False))
        rows_b.append(("US000", "5", str(100 + n), "1", e_b, e_b, e_b, 1, False))
    area, base = table(rows_a), table(rows_b)
    lqs = qcew_location_quotients(area, base)
    assert (lqs["lq_month1_emplvl"].iloc[0]) == 1.0  # the total row
    expected = [(e_a / area_total) / (e_b / base_total) for e_a, e_b in pairs]
    assert lqs["lq_month2_emplvl"].iloc[1:].tolist() == pytest.approx(expected, rel=1e-12)
    scaled = area.assign(**{m: area[m] * k for m in MONTHS})
    again = qcew_location_quotients(scaled, base)
    np.testing.assert_allclose(
        again["lq_month3_emplvl"].to_numpy(dtype=float),
        lqs["lq_month3_emplvl"].to_numpy(dtype=float),
        rtol=1e-12,
    )
    # an area measured against itself: every LQ is 1
    self_base = area.assign(area_fips="US000")
    ones = qcew_location_quotients(area, self_base)["lq_month1_emplvl"].to_numpy(dtype=float)
    np.testing.assert_allclose(ones, 1.0, rtol=1e-12)


# --- comparison ----------------------------------------------------------------------------------------


def test_compare_counts_misses_and_the_base_interval():
    area = AREA.copy()
    published = {
        ("01001", "10"): (1.0, 1.0, 1.0),
        ("01001", "31-33"): (2.0, 1.26, 0.63),  # month 2: 1.25 vs 1.26 (within 0.01); 0.625 -> 0.63 exact
        ("01001", "999"): (0.5, None, None),  # published, but no base row: compared and missed
        ("01001", "611"): (1.97, None, None),  # 2.00 vs 1.97: a miss beyond 0.01; month 3 not published
    }
    keys = zip(area.area_fips, area.industry_code, strict=True)
    printed = [published.get(key, (None,) * 3) for key in keys]
    for i, m in enumerate(MONTHS):
        area[f"lq_{m}"] = pd.Series([p[i] for p in printed], dtype="Float64")
    area["lq_employment_published"] = area["lq_month3_emplvl"]  # quarterly: month 3, never compared
    lqs = qcew_location_quotients(area, BASE)
    result = compare_with_published(area, lqs, base=BASE)
    assert (result.compared, result.exact, result.within, result.not_computed) == (8, 5, 6, 1)
    assert result.exact_rate == pytest.approx(5 / 8) and result.within_rate == pytest.approx(6 / 8)
    assert result.max_abs_diff == pytest.approx(0.03)
    assert result.published_withheld == 1  # 611 month 3: computed (0.3125), not published
    miss = result.mismatches.set_index(["industry_code", "measure"])
    assert len(miss) == 3
    assert miss.loc[("31-33", "month2_emplvl"), "diff"] == pytest.approx(-0.01)
    assert miss.loc[("999", "month1_emplvl"), "lq_note"] == "no base row"
    school = miss.loc[("611", "month1_emplvl")]
    # share 50/1000 = 0.05 of 100,000 jobs; LQ 1.97 needs a base in [5000/1.975, 5000/1.965]
    assert (school.base_value, school.published, school.lq_rounded) == (2500, 1.97, 2.0)
    assert (school.base_needed_low, school.base_needed_high) == pytest.approx((5000 / 1.975, 5000 / 1.965))
    assert result.by_area.to_dict("list") == {
        "area_fips": ["01001"],
        "compared": [8],
        "exact": [5],
        "within": [6],
    }
    assert "8 published LQs compared: 5 exact at 2 decimals (62.50%)" in str(result)


def test_compare_needs_the_same_rows():
    lqs = qcew_location_quotients(AREA, BASE)
    with pytest.raises(ValueError, match="same rows"):
        compare_with_published(AREA.iloc[1:], lqs)


# --- problems ------------------------------------------------------------------------------------------


def test_base_with_two_areas_is_a_problem():
    two = pd.concat([BASE, BASE.assign(area_fips="01000")], ignore_index=True)
    with pytest.raises(InputError) as exc:
        qcew_location_quotients(AREA, two)
    [p] = exc.value.problems
    assert (p.file, p.column) == ("base table", "area_fips")
    assert p.message == (
        "the base of location quotients must be exactly one area (the nation, US000); found: 01000, US000"
    )


def test_missing_measure_and_duplicates_are_problems():
    with pytest.raises(InputError) as exc:
        qcew_location_quotients(AREA, BASE, measures=["total_wages_usd"])
    assert [(p.file, p.column) for p in exc.value.problems] == [
        ("area table", "total_wages_usd"),
        ("base table", "total_wages_usd"),
    ]
    dup = pd.concat([AREA, AREA.iloc[[1]]], ignore_index=True)
    dup["source_file"], dup["source_row"] = "county.csv", range(2, len(dup) + 2)
    with pytest.raises(InputError) as exc:
        qcew_location_quotients(dup, BASE)
    assert str(exc.value.problems[0]) == (
        "county.csv, row 8: duplicate area_fips x own_code x industry_code x year x qtr (01001 x 5 x 31-33 x 2021 x 1)"
    )


# --- real BLS files (../shared/real-data/bls-qcew) -----------------------------------------------------------


def real(folder: str) -> Path:
    path = REAL / folder
    if not path.is_dir():
        pytest.skip(f"real data not present: {path}")
    return path


@pytest.fixture(scope="module")
def vt_and_us() -> tuple[pd.DataFrame, pd.DataFrame]:
    vt = read_qcew(real("qtrly_by_area_vt_2016"))
    us = read_qcew(str(real("qtrly_by_area_us_2016_reconstructed") / "*.csv"))
    return vt, us


def group_of(area_fips: pd.Series) -> np.ndarray:
    return np.where(area_fips == "50000", "state", np.where(area_fips == "50999", "unknown", "county"))


@pytest.mark.realdata
def test_real_one_value_by_hand(vt_and_us):
    """Chittenden County (50007), private manufacturing, January 2016: file row 1742, LQ 1.11."""
    vt, us = vt_and_us
    lqs = qcew_location_quotients(vt, us)
    hit = lqs[
        (lqs.area_fips == "50007") & (lqs.own_code == "5") & (lqs.industry_code == "31-33") & (lqs.qtr == "1")
    ]
    assert hit.source_row.tolist() == [1742]
    # (9,686 / 99,184) / (12,240,346 / 138,771,439) = 1.10716
    assert hit.lq_month1_emplvl.iloc[0] == pytest.approx((9686 / 99184) / (12240346 / 138771439))
    assert round_half_up(hit.lq_month1_emplvl.iloc[0]) == 1.11 == vt.loc[hit.index[0], "lq_month1_emplvl"]


@pytest.mark.realdata
def test_real_every_vermont_monthly_lq(vt_and_us):
    """All 16 Vermont files (state, 14 counties, unknown county), all ownerships, levels, months, quarters."""
    vt, us = vt_and_us
    start = time.perf_counter()
    lqs = qcew_location_quotients(vt, us)
    result = compare_with_published(vt, lqs, base=us)
    seconds = time.perf_counter() - start
    print(
        f"\nVermont 2016, 71,656 rows x 3 months, against the reconstructed U.S. base: {result} ({seconds:.2f} s)"
    )
    groups = result.by_area.groupby(group_of(result.by_area.area_fips))[["compared", "exact", "within"]].sum()
    for name, g in groups.iterrows():
        print(
            f"  {name}: {g.compared:,} compared, {g.exact / g.compared:.2%} exact, {g.within / g.compared:.2%} within"
        )
    assert seconds < 5
    assert result.exact_rate >= 0.998 and result.within_rate >= 0.999
    assert (result.compared, result.exact, result.within) == (83_550, 83_395, 83_505)
    assert groups.to_dict("index") == {
        "county": {"compared": 63_615, "exact": 63_514, "within": 63_601},
        "state": {"compared": 17_436, "exact": 17_385, "within": 17_405},
        "unknown": {"compared": 2_499, "exact": 2_496, "within": 2_499},
    }
    # published but not computable: the reconstructed base has no state-government 56172 / 561720 row
    miss = result.mismatches
    no_base = miss[miss.lq.isna()]
    assert result.not_computed == len(no_base) == 24
    assert set(zip(no_base.area_fips, no_base.own_code, no_base.industry_code, strict=True)) == {
        ("50000", "2", "56172"),
        ("50000", "2", "561720"),
    }
    assert (no_base.lq_note == "no base row").all()
    # every other miss: a base value off by at most 0.13% (the imprecise reconstructed base), never the formula
    rest = miss[miss.lq.notna()]
    assert len(rest) == 131 and result.max_abs_diff == pytest.approx(0.08)
    off = np.maximum(rest.base_needed_low - rest.base_value, rest.base_value - rest.base_needed_high)
    assert (off > 0).all() and (off / rest.base_value).max() < 0.0013
    print(
        f"  misses with a base row: {len(rest)}; base value off by <= 2 jobs: {(off <= 2).sum()}, "
        f"<= 10 jobs: {(off <= 10).sum()}, largest {(off / rest.base_value).max():.3%} of the base value"
    )


@pytest.mark.realdata
def test_real_suppressed_rows_give_no_lq_and_withheld_lqs_are_explained(vt_and_us):
    vt, us = vt_and_us
    lqs = qcew_location_quotients(vt, us)
    hidden = vt.suppressed.to_numpy()
    assert hidden.sum() == 42_914
    assert lqs.loc[hidden, [f"lq_{m}" for m in MONTHS]].isna().all().all()
    assert lqs.loc[hidden, "lq_note"].str.startswith("area row suppressed").all()
    # disclosed rows BLS printed no LQ for: 38 with lq_disclosure_code N (no national row: the base lacks them
    # too) and 854 "-" rows (no establishment, 0 jobs): an LQ of 0, which BLS does not print
    no_print = ~hidden & vt.lq_month1_emplvl.isna().to_numpy()
    assert no_print.sum() == 38 + 854
    dash = no_print & (vt.establishments == 0).to_numpy()
    assert dash.sum() == 854 and (lqs.loc[dash, "lq_month1_emplvl"] == 0).all()
    assert (lqs.loc[no_print & ~dash, "lq_note"] == "no base row").all()


@pytest.mark.realdata
def test_real_rounding_rule(vt_and_us):
    """Half up and half to even agree on every Vermont value (no value is a tie); truncation does not."""
    vt, us = vt_and_us
    lqs = qcew_location_quotients(vt, us)
    raw = np.concatenate([lqs[f"lq_{m}"].to_numpy(dtype=float, na_value=np.nan) for m in MONTHS])
    pub = np.concatenate([vt[f"lq_{m}"].to_numpy(dtype=float, na_value=np.nan) for m in MONTHS])
    ok = ~np.isnan(pub) & ~np.isnan(raw)
    raw, pub = raw[ok], pub[ok]
    rules = {
        "half up": round_half_up(raw),
        "half to even": np.round(raw, 2),
        "truncate": np.floor(raw * 100) / 100,
    }
    exact = {name: int((np.abs(v - pub) < 0.005).sum()) for name, v in rules.items()}
    closest_tie = np.abs(raw * 100 - np.floor(raw * 100) - 0.5).min()
    print(
        f"\nLQs equal at 2 decimals by rounding rule, of {ok.sum():,}: {exact}; closest to a tie {closest_tie:.1e}"
    )
    assert ok.sum() == 83_526 and closest_tie > 1e-6
    assert exact == {"half up": 83_395, "half to even": 83_395, "truncate": 42_337}
